//! Ports: choosing the one the app is told to use, and finding out who listens where.
//!
//! ANCM asks the OS's IPv4 TCP listener table and checks that the owning process is the one it
//! started or a process in its job (ancm-protocol.md §3.2–§3.3). On Linux we read the same facts
//! from the kernel's socket dump (`sock_diag`, falling back to `/proc/net/tcp{,6}`) and
//! `/proc/<pid>/fd` (socket inodes) and build the process tree from `/proc/<pid>/task/*/children`
//! (or every `/proc/<pid>/stat`); on Windows from `GetExtendedTcpTable` (owner PIDs) and a Toolhelp32
//! snapshot plus the job's members (`ports_windows`). The supervisor sees one API either way.
//! Elsewhere (macOS) the fallback is a connect probe on 127.0.0.1: it sees that *something*
//! listens on the assigned port but cannot name the owner, so the "listens on another port"
//! diagnosis needs Linux or Windows. Read-only: never binds or kills.
use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;
use thiserror::Error;

use crate::contract::ModuleVersion;

/// V2 draws from 10000–48000 (`MIN_PORT_RANDOM`..`MAX_PORT`); V1 from 1025–48000
/// (ancm-protocol.md §3.1 [SRC]).
pub fn random_range(module: ModuleVersion) -> (u16, u16) {
    match module {
        ModuleVersion::V2 => (10000, 48000),
        ModuleVersion::V1 => (1025, 48000),
    }
}

/// ANCM gives up after 10 draws (§3.2 [SRC]).
pub const PORT_DRAWS: u32 = 10;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("no free port in {low}-{high} after {PORT_DRAWS} tries (0x80070282 ERROR_PORT_NOT_SET)")]
pub struct NoFreePort {
    pub low: u16,
    pub high: u16,
}

/// A random port nobody listens on over IPv4, as `GetRandomPort` picks it.
pub fn choose_port(module: ModuleVersion) -> Result<u16, NoFreePort> {
    let (low, high) = random_range(module);
    let span = (high - low) as u32 + 1;
    // Read once for all the draws: the socket tables can hold thousands of rows under load.
    let held = held_by_connections();
    for _ in 0..PORT_DRAWS {
        let r = u32::from_le_bytes(
            uuid::Uuid::new_v4().as_bytes()[..4]
                .try_into()
                .unwrap_or([0; 4]),
        );
        let port = low + (r % span) as u16;
        // On Linux `held` already has every listening port (its rows are of every state): asking
        // again per draw re-read both tables each time.
        if !held.contains(&port) && (cfg!(target_os = "linux") || !ipv4_listening(port)) {
            return Ok(port);
        }
    }
    Err(NoFreePort { low, high })
}

/// Linux only: the ports that are the local end of an open or TIME_WAIT connection (empty
/// elsewhere). ANCM checks listeners
/// only, and on Windows that suffices: outgoing connections take ports from the dynamic range
/// 49152–65535, above ANCM's 10000–48000. Linux hands out 32768–60999, inside it, and a port held by
/// a client socket (no `SO_REUSEADDR`) refuses the app's bind with EADDRINUSE — a start failure the
/// server would never see, met under load here (busy test machines, `ancm run` with many clients).
/// Skipping those ports keeps this machine standing in for the server.
fn held_by_connections() -> HashSet<u16> {
    if !cfg!(target_os = "linux") {
        return HashSet::new();
    }
    #[cfg(target_os = "linux")]
    if let (Ok(v4), Ok(v6)) = (
        super::sock_diag::tcp_sockets(false, super::sock_diag::ALL_STATES),
        super::sock_diag::tcp_sockets(true, super::sock_diag::ALL_STATES),
    ) {
        return v4.iter().chain(&v6).map(|s| s.local_port).collect();
    }
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|file| read_proc(file, TABLE_READ))
        .flat_map(|text| local_ports(&text))
        .collect()
}

/// Every local port in `/proc/net/tcp` text, whatever the socket's state.
pub fn local_ports(text: &str) -> HashSet<u16> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let local = line.split_whitespace().nth(1)?;
            u16::from_str_radix(local.rsplit(':').next()?, 16).ok()
        })
        .collect()
}

/// One listening TCP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listener {
    pub port: u16,
    pub ipv6: bool,
    pub inode: u64,
}

/// Whether anything listens on `port` over IPv4 (any local address).
pub fn ipv4_listening(port: u16) -> bool {
    #[cfg(windows)]
    if let Some(all) = super::ports_windows::listeners() {
        return all.iter().any(|l| l.port == port && !l.ipv6);
    }
    if cfg!(target_os = "linux") {
        return tcp4_listeners().iter().any(|l| l.port == port);
    }
    connect_probe(port)
}

/// A TCP connect to 127.0.0.1:port succeeds (the non-Linux fallback).
pub fn connect_probe(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// Every listening socket on the machine (Linux; empty elsewhere).
pub fn tcp_listeners() -> Vec<Listener> {
    let mut out = family_listeners(false);
    out.extend(family_listeners(true));
    out
}

/// The IPv4 listeners only: what ANCM's port checks look at, without the IPv6 table.
fn tcp4_listeners() -> Vec<Listener> {
    family_listeners(false)
}

/// The listeners of one family: from the kernel's socket dump, else `/proc/net/tcp{,6}`.
fn family_listeners(ipv6: bool) -> Vec<Listener> {
    #[cfg(target_os = "linux")]
    if let Some(listeners) = diag_listeners(ipv6) {
        return listeners;
    }
    let file = if ipv6 {
        "/proc/net/tcp6"
    } else {
        "/proc/net/tcp"
    };
    read_proc(file, TABLE_READ)
        .map(|text| parse_proc_net_tcp(&text, ipv6))
        .unwrap_or_default()
}

/// The listeners of one family from the kernel's socket dump (`None`: fall back to `/proc`).
#[cfg(target_os = "linux")]
fn diag_listeners(ipv6: bool) -> Option<Vec<Listener>> {
    let sockets = super::sock_diag::tcp_sockets(ipv6, super::sock_diag::LISTENING).ok()?;
    Some(
        sockets
            .into_iter()
            .filter(|s| s.state == super::sock_diag::TCP_LISTEN)
            .map(|s| Listener {
                port: s.local_port,
                ipv6,
                inode: s.inode,
            })
            .collect(),
    )
}

/// Parses `/proc/net/tcp` text: rows in state `0A` (LISTEN), local port and inode.
pub fn parse_proc_net_tcp(text: &str, ipv6: bool) -> Vec<Listener> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 || f[3] != "0A" {
                return None;
            }
            let port = u16::from_str_radix(f[1].rsplit(':').next()?, 16).ok()?;
            let inode = f[9].parse().ok()?;
            Some(Listener { port, ipv6, inode })
        })
        .collect()
}

/// `pid` and all its descendants (Linux, Windows; just `pid` elsewhere). On Windows the members
/// of the root's job object are added: ANCM asks the job, which keeps orphaned grandchildren.
pub fn process_tree(root: u32) -> Vec<u32> {
    #[cfg(windows)]
    {
        let mut tree = descendants(root, &super::ports_windows::parent_pairs());
        for pid in super::process::job_pids(root) {
            if !tree.contains(&pid) {
                tree.push(pid);
            }
        }
        tree
    }
    #[cfg(not(windows))]
    {
        tree_from_children_files(root).unwrap_or_else(|| tree_by_scan(root))
    }
}

/// The tree from every process's parent pid (`/proc/<pid>/stat`).
#[cfg(not(windows))]
fn tree_by_scan(root: u32) -> Vec<u32> {
    let mut pairs = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Some(ppid) = parent_of(pid) {
                pairs.push((pid, ppid));
            }
        }
    }
    descendants(root, &pairs)
}

/// Linux: the tree read from each process's `/proc/<pid>/task/<tid>/children` (the kernel's own
/// list of a thread's children), a few reads for the app's tree instead of one `stat` read per
/// process of the machine on every readiness poll. `None` where the kernel has no such files
/// (built without `CONFIG_PROC_CHILDREN`): the caller scans every process's parent instead.
#[cfg(not(windows))]
fn tree_from_children_files(root: u32) -> Option<Vec<u32>> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let tasks = match std::fs::read_dir(format!("/proc/{}/task", out[i])) {
            Ok(t) => t,
            // The root gone or not ours to read: the scan decides as it did.
            Err(_) if i == 0 => return None,
            Err(_) => {
                i += 1;
                continue;
            }
        };
        for task in tasks.flatten() {
            let path = task.path().join("children");
            let Some(text) = read_proc(&path.to_string_lossy(), 1024) else {
                if i == 0 && !path.exists() {
                    return None;
                }
                continue;
            };
            for pid in text
                .split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok())
            {
                if !out.contains(&pid) {
                    out.push(pid);
                }
            }
        }
        i += 1;
    }
    Some(out)
}

/// `root` and every process below it in `(pid, parent pid)` pairs, parents before children.
/// A pid shows up once even when reused pids make the pairs cyclic.
pub fn descendants(root: u32, pairs: &[(u32, u32)]) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(pid, ppid) in pairs {
        if pid != ppid {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            for p in c {
                if !out.contains(p) {
                    out.push(*p);
                }
            }
        }
        i += 1;
    }
    out
}

/// The parent pid from `/proc/<pid>/stat` (the field after the `)` of the command name).
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = read_proc(&format!("/proc/{pid}/stat"), 1024)?;
    parse_ppid(&stat)
}

/// The read size for `/proc/net/tcp{,6}`: the kernel walks its socket hash tables on every
/// `read`, and `read_to_string` on a file that reports size 0 starts at 32 bytes and doubles, so
/// an almost empty table cost five walks (≈0.6 ms each on a machine with a large hash). One
/// large read is one walk for a table of up to ~1,700 sockets.
const TABLE_READ: usize = 256 * 1024;

/// A `/proc` text file read with reads of `chunk` bytes (not `read_to_string`'s 32-byte start).
fn read_proc(path: &str, chunk: usize) -> Option<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; chunk];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match f.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    buf.truncate(len);
    String::from_utf8(buf).ok()
}

fn parse_ppid(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Socket inodes a process has open (`/proc/<pid>/fd/* -> socket:[inode]`).
fn socket_inodes(pid: u32) -> HashSet<u64> {
    let mut out = HashSet::new();
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
        for e in dir.flatten() {
            if let Ok(target) = std::fs::read_link(e.path()) {
                let t = target.to_string_lossy();
                if let Some(n) = t
                    .strip_prefix("socket:[")
                    .and_then(|s| s.strip_suffix(']'))
                    .and_then(|s| s.parse().ok())
                {
                    out.insert(n);
                }
            }
        }
    }
    out
}

/// A listener and the process that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnedListener {
    pub pid: u32,
    pub port: u16,
    pub ipv6: bool,
}

/// Every listening socket owned by `root` or a descendant (Linux, Windows; empty elsewhere).
pub fn tree_listeners(root: u32) -> Vec<OwnedListener> {
    #[cfg(windows)]
    {
        let Some(all) = super::ports_windows::listeners() else {
            return Vec::new();
        };
        let tree = process_tree(root);
        let mut out: Vec<OwnedListener> = Vec::new();
        // Unknown owners (pid 0, see `owner_state`) cannot be placed in the tree.
        for l in all
            .into_iter()
            .filter(|l| l.pid != 0 && tree.contains(&l.pid))
        {
            if !out.contains(&l) {
                out.push(l);
            }
        }
        out.sort_by_key(|o| (o.port, o.pid));
        out
    }
    #[cfg(not(windows))]
    tree_listeners_proc(root)
}

#[cfg_attr(windows, allow(dead_code))]
fn tree_listeners_proc(root: u32) -> Vec<OwnedListener> {
    let listeners = tcp_listeners();
    if listeners.is_empty() {
        return Vec::new();
    }
    let by_inode: HashMap<u64, Listener> = listeners.into_iter().map(|l| (l.inode, l)).collect();
    let mut out = Vec::new();
    for pid in process_tree(root) {
        for inode in socket_inodes(pid) {
            if let Some(l) = by_inode.get(&inode) {
                let o = OwnedListener {
                    pid,
                    port: l.port,
                    ipv6: l.ipv6,
                };
                if !out.contains(&o) {
                    out.push(o);
                }
            }
        }
    }
    out.sort_by_key(|o| (o.port, o.pid));
    out
}

/// Who listens on the assigned port, as ANCM's readiness check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    /// Nobody listens over IPv4.
    Free,
    /// The process or a descendant listens; `pid` is the owner when known.
    Ours { pid: Option<u32> },
    /// Another process listens (ANCM: ERROR_CREATE_FAILED, the "wrong port" 502.5).
    Foreign,
}

/// Checks `port` against `root`'s process tree.
pub fn port_state(port: u16, root: u32) -> PortState {
    #[cfg(windows)]
    if let Some(all) = super::ports_windows::listeners() {
        let on_port: Vec<u32> = all
            .iter()
            .filter(|l| l.port == port && !l.ipv6)
            .map(|l| l.pid)
            .collect();
        return owner_state(&on_port, &process_tree(root));
    }
    if !cfg!(target_os = "linux") {
        return if connect_probe(port) {
            PortState::Ours { pid: None }
        } else {
            PortState::Free
        };
    }
    let on_port: Vec<Listener> = tcp4_listeners()
        .into_iter()
        .filter(|l| l.port == port)
        .collect();
    if on_port.is_empty() {
        return PortState::Free;
    }
    for pid in process_tree(root) {
        let inodes = socket_inodes(pid);
        if on_port.iter().any(|l| inodes.contains(&l.inode)) {
            return PortState::Ours { pid: Some(pid) };
        }
    }
    PortState::Foreign
}

/// ANCM's ownership rule (§3.3 [SRC]): the port's IPv4 owners against the root's tree.
/// Owner pid 0 means "unknown" (the idle process owns no socket on Windows; Wine 8 reports 0 for
/// every listener because the Linux socket lives in wineserver): like the connect probe, an
/// unknown owner is taken as ours, since it cannot be shown to be foreign.
pub fn owner_state(owners_on_port: &[u32], tree: &[u32]) -> PortState {
    if owners_on_port.is_empty() {
        return PortState::Free;
    }
    // Tree order: the root first, then its children, as ANCM checks the root before the job.
    match tree.iter().find(|p| owners_on_port.contains(p)) {
        Some(pid) => PortState::Ours { pid: Some(*pid) },
        None if owners_on_port.contains(&0) => PortState::Ours { pid: None },
        None => PortState::Foreign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:5BA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0
   1: 0100007F:D431 0100007F:5BA0 01 00000000:00000000 00:00000000 00000000     0        0 222222 1 0000000000000000 20 4 30 10 -1
";

    #[test]
    fn local_ports_are_read_in_every_state() {
        // 0x5BA0 = 23456 listens; 0xD431 = 54321 is the client end of a connection to it.
        assert_eq!(local_ports(SAMPLE), HashSet::from([23456, 54321]));
    }

    #[test]
    fn a_port_held_by_a_client_connection_is_not_chosen() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let server = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = TcpStream::connect(server.local_addr().expect("addr")).expect("connect");
        let held = client.local_addr().expect("local").port();
        assert!(
            held_by_connections().contains(&held),
            "port {held} of an open connection"
        );
        // The collision this prevents: binding the client's port fails while it is held.
        assert!(std::net::TcpListener::bind(("127.0.0.1", held)).is_err());
    }

    #[test]
    fn parses_only_listening_rows() {
        let l = parse_proc_net_tcp(SAMPLE, false);
        assert_eq!(
            l,
            vec![Listener {
                port: 0x5BA0,
                ipv6: false,
                inode: 123456
            }]
        );
        assert!(parse_proc_net_tcp("garbage\nmore garbage", false).is_empty());
    }

    #[test]
    fn ppid_survives_odd_command_names() {
        assert_eq!(parse_ppid("42 (a) b (c) S 7 42 42 0"), Some(7));
        assert_eq!(parse_ppid("nonsense"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernels_children_lists_give_the_tree_the_parent_scan_gives() {
        // A shell with two children, one of which has its own child.
        let mut sh = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & sh -c 'sleep 30 & wait' & wait"])
            .spawn()
            .unwrap();
        let root = sh.id();
        let t = std::time::Instant::now();
        let mut seen = Vec::new();
        while t.elapsed() < Duration::from_secs(10) {
            seen = tree_by_scan(root);
            if seen.len() == 4 {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut scan = tree_by_scan(root);
        let mut children = tree_from_children_files(root).expect("this kernel has children files");
        for pid in &scan {
            if *pid != root {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
        let _ = sh.kill();
        let _ = sh.wait();
        assert_eq!(
            seen.len(),
            4,
            "the shell's tree never showed 4 processes: {seen:?}"
        );
        scan.sort_unstable();
        children.sort_unstable();
        assert_eq!(children, scan);
    }

    #[test]
    fn descendants_follow_parent_pids_and_survive_cycles() {
        let pairs = [
            (10, 1),
            (11, 10),
            (12, 11),
            (20, 1),
            (30, 30),
            (40, 41),
            (41, 40),
        ];
        assert_eq!(descendants(10, &pairs), vec![10, 11, 12]);
        assert_eq!(descendants(30, &pairs), vec![30]);
        let mut c = descendants(40, &pairs);
        c.sort();
        assert_eq!(c, vec![40, 41]);
    }

    #[test]
    fn ownership_rule_matches_ancm() {
        assert_eq!(owner_state(&[], &[10, 11]), PortState::Free);
        assert_eq!(
            owner_state(&[11], &[10, 11]),
            PortState::Ours { pid: Some(11) }
        );
        assert_eq!(owner_state(&[99], &[10, 11]), PortState::Foreign);
        assert_eq!(owner_state(&[0], &[10, 11]), PortState::Ours { pid: None });
        assert_eq!(
            owner_state(&[0, 10], &[10, 11]),
            PortState::Ours { pid: Some(10) }
        );
    }

    #[test]
    fn chosen_port_is_in_range_and_free() {
        for m in [ModuleVersion::V1, ModuleVersion::V2] {
            let p = choose_port(m).unwrap();
            let (lo, hi) = random_range(m);
            assert!((lo..=hi).contains(&p));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn finds_our_own_listener_and_reports_it_as_ours() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let me = std::process::id();
        assert!(ipv4_listening(port));
        assert_eq!(port_state(port, me), PortState::Ours { pid: Some(me) });
        assert!(tree_listeners(me).iter().any(|o| o.port == port));
        // An unrelated process (a child of ours, without our socket) does not own it.
        let mut other = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        assert_eq!(port_state(port, other.id()), PortState::Foreign);
        other.kill().unwrap();
        other.wait().unwrap();
    }
}
