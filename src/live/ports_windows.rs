//! Windows facts for [`super::ports`]: the TCP listener table with owner PIDs and the process tree.
//!
//! ANCM's readiness check asks `GetExtendedTcpTable` for the IPv4 listeners and compares the
//! owning PID with the process it started and the processes in its job (ancm-protocol.md §3.3
//! [SRC]). Here the same table is read for IPv4 and IPv6 (`TCP_TABLE_OWNER_PID_LISTENER`), and
//! the tree is built from a Toolhelp32 process snapshot (parent PIDs) joined with the members of
//! the job object `process` put the root in (§5.3), so a listener owned by a grandchild whose
//! parent already exited still counts as ours, as in ANCM. Read-only: never binds, opens no
//! process handle, kills nothing.
use super::ports::OwnedListener;
use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_INSUFFICIENT_BUFFER, INVALID_HANDLE_VALUE, NO_ERROR,
};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GetExtendedTcpTable, MIB_TCP6ROW_OWNER_PID, MIB_TCP6TABLE_OWNER_PID, MIB_TCPROW_OWNER_PID,
    MIB_TCPTABLE_OWNER_PID, TCP_TABLE_OWNER_PID_LISTENER,
};
use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, Process32FirstW, Process32NextW, PROCESSENTRY32W, TH32CS_SNAPPROCESS,
};

/// Every listening TCP socket with its owner; `None` when the IPv4 table cannot be read (the
/// caller then falls back to a connect probe). An unreadable IPv6 table is just left out.
pub fn listeners() -> Option<Vec<OwnedListener>> {
    let mut out: Vec<OwnedListener> = read_table::<MIB_TCPROW_OWNER_PID>(
        AF_INET,
        std::mem::offset_of!(MIB_TCPTABLE_OWNER_PID, table),
    )?
    .into_iter()
    .map(|r| OwnedListener {
        pid: r.dwOwningPid,
        port: port_from_table(r.dwLocalPort),
        ipv6: false,
    })
    .collect();
    if let Some(rows) = read_table::<MIB_TCP6ROW_OWNER_PID>(
        AF_INET6,
        std::mem::offset_of!(MIB_TCP6TABLE_OWNER_PID, table),
    ) {
        out.extend(rows.into_iter().map(|r| OwnedListener {
            pid: r.dwOwningPid,
            port: port_from_table(r.dwLocalPort),
            ipv6: true,
        }));
    }
    Some(out)
}

/// The table keeps the port in network byte order in the low 16 bits of a DWORD.
fn port_from_table(dw: u32) -> u16 {
    u16::from_be(dw as u16)
}

/// One `GetExtendedTcpTable` call for `family`, retried while the table grows between the size
/// query and the read. `rows_at` is the offset of the row array in the table struct.
fn read_table<Row: Copy>(family: u16, rows_at: usize) -> Option<Vec<Row>> {
    let mut size: u32 = 0;
    // u64 elements: the buffer is 8-aligned, enough for the table's u32 fields.
    let mut buf: Vec<u64> = Vec::new();
    for _ in 0..4 {
        // SAFETY: `buf` holds at least `size` bytes (or is empty with size 0, a size query).
        let rc = unsafe {
            GetExtendedTcpTable(
                buf.as_mut_ptr().cast(),
                &mut size,
                0,
                family as u32,
                TCP_TABLE_OWNER_PID_LISTENER,
                0,
            )
        };
        match rc {
            NO_ERROR => return Some(parse_rows(&buf, size as usize, rows_at)),
            ERROR_INSUFFICIENT_BUFFER => {
                // Room for a few more rows in case listeners appear before the next call.
                let bytes = size as usize + 16 * std::mem::size_of::<Row>();
                size = bytes as u32;
                buf = vec![0u64; bytes.div_ceil(8)];
            }
            _ => return None,
        }
    }
    None
}

/// The rows of a table written into `buf` (`len` valid bytes): a u32 count, then the rows.
fn parse_rows<Row: Copy>(buf: &[u64], len: usize, rows_at: usize) -> Vec<Row> {
    let bytes = len.min(std::mem::size_of_val(buf));
    if bytes < 4 {
        return Vec::new();
    }
    let base = buf.as_ptr().cast::<u8>();
    // SAFETY: at least 4 bytes are in `buf`; the count is the table's first field.
    let count = unsafe { base.cast::<u32>().read_unaligned() } as usize;
    let row = std::mem::size_of::<Row>();
    let fits = bytes.saturating_sub(rows_at) / row;
    (0..count.min(fits))
        // SAFETY: row `i` lies entirely inside the first `bytes` bytes of `buf` (checked by
        // `fits`), and the rows are plain integer structs, valid for any bit pattern.
        .map(|i| unsafe { base.add(rows_at + i * row).cast::<Row>().read_unaligned() })
        .collect()
}

/// `(pid, parent pid)` of every process in a Toolhelp32 snapshot; empty when it cannot be taken.
pub fn parent_pairs() -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    // SAFETY: plain Win32 calls; `entry` is a zeroed POD struct with dwSize set as required,
    // and the snapshot handle is closed once.
    unsafe {
        let snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        if snap == INVALID_HANDLE_VALUE || snap.is_null() {
            return out;
        }
        let mut entry: PROCESSENTRY32W = std::mem::zeroed();
        entry.dwSize = std::mem::size_of::<PROCESSENTRY32W>() as u32;
        let mut more = Process32FirstW(snap, &mut entry) != 0;
        while more {
            out.push((entry.th32ProcessID, entry.th32ParentProcessID));
            more = Process32NextW(snap, &mut entry) != 0;
        }
        CloseHandle(snap);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_come_from_network_byte_order() {
        // 0x5BA0 = 23456, stored big-endian in the low word.
        assert_eq!(port_from_table(u16::to_be(23456) as u32), 23456);
    }

    #[test]
    fn rows_are_bounded_by_the_written_length() {
        // count 5 but room for only one row.
        let mut buf = vec![0u64; 2];
        buf[0] = 5 | (7u64 << 32);
        let rows: Vec<u32> = parse_rows(&buf, 8, 4);
        assert_eq!(rows, vec![7]);
        assert!(parse_rows::<u32>(&buf, 2, 4).is_empty());
    }

    /// Wine keeps its own key in the registry; it reports owner pid 0 for every listener.
    fn under_wine() -> bool {
        winreg::RegKey::predef(winreg::enums::HKEY_CURRENT_USER)
            .open_subkey("Software\\Wine")
            .is_ok()
    }

    #[test]
    fn our_own_listener_is_in_the_table_with_our_pid() {
        let me = std::process::id();
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let l6 = std::net::TcpListener::bind("[::1]:0").ok();
        let all = listeners().expect("GetExtendedTcpTable");
        let owner = if under_wine() { 0 } else { me };
        assert!(
            all.iter()
                .any(|o| o.port == port && !o.ipv6 && o.pid == owner),
            "port {port} owned by {owner} not in {all:?}"
        );
        if let Some(l6) = l6 {
            let p6 = l6.local_addr().unwrap().port();
            assert!(all.iter().any(|o| o.port == p6 && o.ipv6), "{all:?}");
        }
        assert_eq!(
            super::super::ports::port_state(port, me),
            super::super::ports::PortState::Ours {
                pid: (owner != 0).then_some(me)
            }
        );
    }

    #[test]
    fn a_child_process_is_in_our_tree() {
        let me = std::process::id();
        // `pause` waits for stdin, which stays open until the child is killed.
        let mut child = std::process::Command::new("cmd")
            .args(["/c", "pause"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pairs = parent_pairs();
        assert!(pairs.iter().any(|(pid, _)| *pid == me), "{pairs:?}");
        let tree = super::super::ports::process_tree(me);
        let found = tree.contains(&child.id());
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(found, "child {} not in {tree:?}", child.id());
    }
}
