//! Linux: the machine's TCP sockets from the kernel's `sock_diag` netlink interface (what `ss`
//! uses), the fast path under [`super::ports`]. Reading `/proc/net/tcp` makes the kernel walk its
//! whole connection hash and format a text line per socket: with a few thousand connections open
//! (a load test, a busy server) each read costs milliseconds, and readiness polling reads it
//! every few. A dump restricted to listening sockets never touches the connection hash, and any
//! dump comes back as fixed binary records. `ports` falls back to `/proc/net/tcp` when this
//! fails (no netlink, a restricted sandbox).
//!
//! The messages are built and read by `netlink-packet-sock-diag` (rust-netlink, as `ss`-like
//! tools in Rust use it) over a `netlink-sys` socket.
use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_sys::{protocols::NETLINK_SOCK_DIAG, Socket, SocketAddr};
use std::io;

/// `TCP_LISTEN` in the kernel's state numbering (`/proc/net/tcp` shows it as `0A`).
pub const TCP_LISTEN: u8 = 10;
/// Only listening sockets: the kernel then skips its connection hash altogether.
pub const LISTENING: u32 = 1 << TCP_LISTEN;
/// Every state, `TIME_WAIT` and request sockets included (as `/proc/net/tcp` lists them).
pub const ALL_STATES: u32 = u32::MAX;

/// One socket of a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagSocket {
    pub local_port: u16,
    pub state: u8,
    pub inode: u64,
}

/// The TCP sockets of one address family in `states` (a bit per kernel state).
pub fn tcp_sockets(ipv6: bool, states: u32) -> io::Result<Vec<DiagSocket>> {
    let mut socket = Socket::new(NETLINK_SOCK_DIAG)?;
    socket.bind_auto()?;
    socket.connect(&SocketAddr::new(0, 0))?;
    socket.send(&request(ipv6, states), 0)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = socket.recv(&mut &mut buf[..], 0)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "sock_diag dump ended without NLMSG_DONE",
            ));
        }
        if parse_messages(&buf[..n], &mut out)? {
            return Ok(out);
        }
    }
}

/// A dump request for the TCP sockets of one family in `states`.
fn request(ipv6: bool, states: u32) -> Vec<u8> {
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let mut packet = NetlinkMessage::new(
        header,
        SockDiagMessage::InetRequest(InetRequest {
            family: if ipv6 { AF_INET6 } else { AF_INET },
            protocol: IPPROTO_TCP,
            extensions: ExtensionFlags::empty(),
            states: StateFlags::from_bits_retain(states),
            socket_id: if ipv6 {
                SocketId::new_v6()
            } else {
                SocketId::new_v4()
            },
        })
        .into(),
    );
    packet.finalize();
    let mut buf = vec![0u8; packet.buffer_len()];
    packet.serialize(&mut buf);
    buf
}

/// Adds the sockets of one datagram of the reply to `out`; true once the dump is complete.
fn parse_messages(mut data: &[u8], out: &mut Vec<DiagSocket>) -> io::Result<bool> {
    let bad =
        |what: String| io::Error::new(io::ErrorKind::InvalidData, format!("sock_diag: {what}"));
    while !data.is_empty() {
        let message =
            <NetlinkMessage<SockDiagMessage>>::deserialize(data).map_err(|e| bad(e.to_string()))?;
        let len = message.header.length as usize;
        match message.payload {
            NetlinkPayload::Done(_) => return Ok(true),
            NetlinkPayload::Error(e) => {
                return Err(e.to_io());
            }
            NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(r)) => {
                out.push(DiagSocket {
                    state: r.header.state,
                    local_port: r.header.socket_id.source_port,
                    inode: u64::from(r.header.inode),
                });
            }
            _ => {}
        }
        if len == 0 || len > data.len() {
            return Err(bad("truncated message".into()));
        }
        // Messages are 4-byte aligned (NLMSG_ALIGN).
        data = data.get((len + 3) & !3..).unwrap_or(&[]);
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

    proptest::proptest! {
        /// Whatever a reply holds, reading it ends in sockets or an error.
        #[test]
        fn any_reply_is_read_without_a_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut out = Vec::new();
            let _ = parse_messages(&data, &mut out);
        }
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
