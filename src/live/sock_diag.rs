//! Linux: the machine's TCP sockets from the kernel's `sock_diag` netlink interface (what `ss`
//! uses), the fast path under [`super::ports`]. Reading `/proc/net/tcp` makes the kernel walk its
//! whole connection hash and format a text line per socket: with a few thousand connections open
//! (a load test, a busy server) each read costs milliseconds, and readiness polling reads it
//! every few. A dump restricted to listening sockets never touches the connection hash, and any
//! dump comes back as fixed binary records. `ports` falls back to `/proc/net/tcp` when this
//! fails (no netlink, a restricted sandbox).
//!
//! The structures are those of `<linux/inet_diag.h>` and `<linux/netlink.h>`.
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};

/// `TCP_LISTEN` in the kernel's state numbering (`/proc/net/tcp` shows it as `0A`).
pub const TCP_LISTEN: u8 = 10;
/// Only listening sockets: the kernel then skips its connection hash altogether.
pub const LISTENING: u32 = 1 << TCP_LISTEN;
/// Every state, `TIME_WAIT` and request sockets included (as `/proc/net/tcp` lists them).
pub const ALL_STATES: u32 = u32::MAX;

const NETLINK_SOCK_DIAG: libc::c_int = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_HDRLEN: usize = 16;
/// `struct inet_diag_msg`: family, state, timer, retrans, the 48-byte socket id, expires,
/// rqueue, wqueue, uid, inode.
const DIAG_MSG_LEN: usize = 72;

/// One socket of a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagSocket {
    pub local_port: u16,
    pub state: u8,
    pub inode: u64,
}

/// The TCP sockets of one address family in `states` (a bit per kernel state).
pub fn tcp_sockets(ipv6: bool, states: u32) -> io::Result<Vec<DiagSocket>> {
    // SAFETY: plain socket(2); the descriptor is owned by an `OwnedFd` and closed on every path.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            NETLINK_SOCK_DIAG,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2) and nothing else owns it.
    let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
    let request = request(ipv6, states);
    // SAFETY: the buffer is valid for its length; the kernel is the peer (no address needed on
    // a netlink socket: messages without one go to the kernel).
    let sent = unsafe { libc::send(fd.as_raw_fd(), request.as_ptr().cast(), request.len(), 0) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // SAFETY: `buf` is valid for writes of its length.
        let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "sock_diag dump ended without NLMSG_DONE",
            ));
        }
        if parse_messages(&buf[..n as usize], &mut out)? {
            return Ok(out);
        }
    }
}

/// `nlmsghdr` + `inet_diag_req_v2` asking for a dump of TCP sockets of one family.
fn request(ipv6: bool, states: u32) -> Vec<u8> {
    let len = NLMSG_HDRLEN + 56;
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    m.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    m.extend_from_slice(&1u32.to_ne_bytes()); // sequence number
    m.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it in
    let family = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    m.push(family as u8);
    m.push(libc::IPPROTO_TCP as u8);
    m.push(0); // no extensions
    m.push(0); // pad
    m.extend_from_slice(&states.to_ne_bytes());
    m.resize(len, 0); // the socket id: all zero, no filter
    m
}

/// Adds the sockets of one datagram of the reply to `out`; true once the dump is complete.
fn parse_messages(mut data: &[u8], out: &mut Vec<DiagSocket>) -> io::Result<bool> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("sock_diag: {what}"));
    while data.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
        let kind = u16::from_ne_bytes([data[4], data[5]]);
        if len < NLMSG_HDRLEN || len > data.len() {
            return Err(bad("truncated message"));
        }
        let payload = &data[NLMSG_HDRLEN..len];
        match kind {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let code = payload
                    .get(..4)
                    .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                    .ok_or_else(|| bad("short error message"))?;
                return Err(io::Error::from_raw_os_error(-code));
            }
            SOCK_DIAG_BY_FAMILY => {
                if payload.len() < DIAG_MSG_LEN {
                    return Err(bad("short socket record"));
                }
                out.push(DiagSocket {
                    state: payload[1],
                    // `idiag_sport` is in network byte order.
                    local_port: u16::from_be_bytes([payload[4], payload[5]]),
                    inode: u32::from_ne_bytes([payload[68], payload[69], payload[70], payload[71]])
                        as u64,
                });
            }
            _ => {}
        }
        // Messages are 4-byte aligned (NLMSG_ALIGN).
        let next = (len + 3) & !3;
        data = data.get(next..).unwrap_or(&[]);
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The dump agrees with `/proc/net/tcp` on a listener and a connection this test holds.
    #[test]
    fn the_dump_sees_what_proc_net_tcp_shows() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let client_port = client.local_addr().unwrap().port();
        let listening = tcp_sockets(false, LISTENING).unwrap();
        assert!(
            listening.iter().all(|s| s.state == TCP_LISTEN),
            "{listening:?}"
        );
        let ours: Vec<&DiagSocket> = listening.iter().filter(|s| s.local_port == port).collect();
        assert_eq!(ours.len(), 1, "{listening:?}");
        let text = std::fs::read_to_string("/proc/net/tcp").unwrap();
        let proc_listeners = crate::live::ports::parse_proc_net_tcp(&text, false);
        let proc_inode = proc_listeners
            .iter()
            .find(|l| l.port == port)
            .map(|l| l.inode);
        assert_eq!(Some(ours[0].inode), proc_inode);
        let all: HashSet<u16> = tcp_sockets(false, ALL_STATES)
            .unwrap()
            .iter()
            .map(|s| s.local_port)
            .collect();
        assert!(all.contains(&port) && all.contains(&client_port), "{all:?}");
        assert!(tcp_sockets(true, LISTENING).is_ok());
    }

    #[test]
    fn a_malformed_reply_is_an_error_not_a_panic() {
        let mut out = Vec::new();
        assert!(parse_messages(&[0xff; 20], &mut out).is_err());
        let mut short = vec![0u8; 16];
        short[0] = 20; // longer than the data
        assert!(parse_messages(&short, &mut out).is_err());
        assert!(!parse_messages(&[], &mut out).unwrap());
    }
}
