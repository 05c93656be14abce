//! Creating the app's process tree and making sure none of it outlives `ancm`.
//!
//! ANCM puts each backend in a job object with KILL_ON_JOB_CLOSE (ancm-protocol.md §2.3, §5.3).
//! The Unix equivalent here: the child leads its own process group (`process_group(0)`), every
//! group is registered in [`LIVE_GROUPS`] so a signal handler, a panic hook or a [`GroupGuard`]
//! drop can kill it, and on Linux the child also gets `PR_SET_PDEATHSIG(SIGKILL)` in case `ancm`
//! itself is killed outright. On Windows, as ANCM does (§2.3 [SRC]), the process is created
//! suspended, put into a job object with KILL_ON_JOB_CLOSE, and only then resumed, so no
//! descendant can start outside the job; if the job cannot be set up the app still runs (ANCM
//! tolerates that too) and an event says its descendants may outlive `ancm`. `taskkill /T` is the
//! stop signal.
//! stdout and stderr share one pipe so their lines keep their order, as in ANCM's capture.
use super::events::{lock, Event, EventBus};
use super::launch::{pump_lines, tail_file, Captured, LaunchPlan, SharedCapture};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// Process groups (= root pids) started by this `ancm` that may still be alive.
static LIVE_GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Where the child's stdout and stderr go.
#[derive(Debug, Clone)]
pub enum OutputMode {
    /// One pipe read by `ancm` (stdoutLogEnabled=false).
    Pipe,
    /// The ANCM stdout log file, already created (stdoutLogEnabled=true); `ancm` follows it.
    File(PathBuf),
    /// Discarded (`enableOutOfProcessConsoleRedirection=false`, or the log file failed).
    Discard,
}

/// A started process and the threads reading its output.
pub struct Spawned {
    pub child: tokio::process::Child,
    pub pid: u32,
    pub capture: SharedCapture,
    /// Set when the child has exited, so a file follower can stop.
    pub output_done: Arc<AtomicBool>,
    pub readers: Vec<std::thread::JoinHandle<()>>,
}

/// `program` as the OS would find it: a path is used as is, a bare name is searched on PATH.
pub fn locate(program: &Path) -> Result<PathBuf, std::io::Error> {
    if program.components().count() > 1 || program.is_absolute() {
        // Absolute: a relative program would be looked up from the child's working directory.
        return Ok(super::absolute(program));
    }
    which::which(program).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("`{}` was not found on PATH", program.display()),
        )
    })
}

/// The child is started with `execvp` (a `pre_exec` hook makes std fork), and glibc's `execvp`
/// runs a file the kernel refuses (ENOEXEC: not ELF, Mach-O or `#!`) with `/bin/sh` instead.
/// Neither `execve` nor ANCM's `CreateProcessW` does that (ERROR_BAD_EXE_FORMAT), so such a file
/// is refused here with the kernel's own ENOEXEC.
#[cfg(unix)]
fn refuse_what_execve_refuses(program: &Path) -> Result<(), std::io::Error> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    // Missing, a folder, or not executable: the kernel answers first (ENOENT, EACCES).
    let executable_file = std::fs::metadata(program)
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if !executable_file {
        return Ok(());
    }
    let Ok(mut f) = std::fs::File::open(program) else {
        return Ok(());
    };
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic).unwrap_or(0);
    let magic = &magic[..n];
    let runnable = magic.starts_with(b"\x7fELF")
        || magic.starts_with(b"#!")
        || [
            [0xFE, 0xED, 0xFA, 0xCE],
            [0xFE, 0xED, 0xFA, 0xCF],
            [0xCE, 0xFA, 0xED, 0xFE],
            [0xCF, 0xFA, 0xED, 0xFE],
            [0xCA, 0xFE, 0xBA, 0xBE],
        ]
        .iter()
        .any(|m| magic == m);
    if runnable {
        Ok(())
    } else {
        Err(std::io::Error::from_raw_os_error(libc::ENOEXEC))
    }
}

/// Creates the process described by `plan`.
pub fn spawn(
    plan: &LaunchPlan,
    output: &OutputMode,
    bus: &Arc<EventBus>,
) -> Result<Spawned, std::io::Error> {
    let program = locate(&plan.program)?;
    #[cfg(unix)]
    refuse_what_execve_refuses(&program)?;
    let capture: SharedCapture = Arc::new(Mutex::new(Captured::default()));
    let output_done = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    let mut cmd = tokio::process::Command::new(&program);
    cmd.args(&plan.args)
        .current_dir(&plan.cwd)
        .env_clear()
        .envs(plan.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    #[cfg(unix)]
    {
        cmd.process_group(0);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    #[cfg(windows)]
    // ancm-protocol.md §2.3 [SRC]: CREATE_SUSPENDED, so the job holds the process before it runs.
    cmd.creation_flags(windows_sys::Win32::System::Threading::CREATE_SUSPENDED);
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut pipe_reader: Option<std::fs::File> = None;
    match output {
        OutputMode::Discard => {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        OutputMode::File(path) => {
            let f = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)?;
            cmd.stdout(f.try_clone()?).stderr(f);
        }
        OutputMode::Pipe => {
            #[cfg(unix)]
            {
                let (r, w) = one_pipe()?;
                cmd.stdout(w.try_clone()?).stderr(w);
                pipe_reader = Some(r);
            }
            #[cfg(not(unix))]
            {
                cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
            }
        }
    }
    let mut child = cmd.spawn()?;
    // The write ends live in `cmd`; dropping it leaves the child as the only writer, so the
    // reader sees EOF when the child (and every descendant holding the pipe) is gone.
    drop(cmd);
    let pid = child.id().unwrap_or(0);
    register(pid);
    #[cfg(windows)]
    {
        let assigned = match child.raw_handle() {
            Some(h) => job::Job::for_process(h),
            None => Err(std::io::Error::other("the process handle is gone")),
        };
        match assigned {
            Ok(j) => lock(&JOBS).push((pid, j)),
            Err(e) => bus.emit(Event::Note {
                message: format!("the process could not be put into a job object ({e}): processes it starts may outlive ancm (ANCM runs the app without a job in that case too)"),
            }),
        }
        if let Err(e) = job::resume(pid) {
            // A process that never runs would look like a startup timeout; say what happened.
            kill_group(pid);
            return Err(std::io::Error::new(
                e.kind(),
                format!("created suspended but its main thread could not be resumed: {e}"),
            ));
        }
    }
    if let Some(r) = pipe_reader {
        readers.push(pump_lines(r, pid, bus.clone(), capture.clone()));
    }
    if let Some(out) = child.stdout.take() {
        if let Ok(fd) = out.into_owned_fd_compat() {
            readers.push(pump_lines(fd, pid, bus.clone(), capture.clone()));
        }
    }
    if let Some(err) = child.stderr.take() {
        if let Ok(fd) = err.into_owned_fd_compat() {
            readers.push(pump_lines(fd, pid, bus.clone(), capture.clone()));
        }
    }
    if let OutputMode::File(path) = output {
        readers.push(tail_file(
            path.clone(),
            pid,
            bus.clone(),
            capture.clone(),
            output_done.clone(),
        ));
    }
    Ok(Spawned {
        child,
        pid,
        capture,
        output_done,
        readers,
    })
}

/// Converts tokio's child pipes into blocking readers for the pump threads.
trait IntoBlocking {
    fn into_owned_fd_compat(self) -> std::io::Result<std::fs::File>;
}

#[cfg(unix)]
impl IntoBlocking for tokio::process::ChildStdout {
    fn into_owned_fd_compat(self) -> std::io::Result<std::fs::File> {
        let fd = self.into_owned_fd()?;
        Ok(std::fs::File::from(fd))
    }
}
#[cfg(unix)]
impl IntoBlocking for tokio::process::ChildStderr {
    fn into_owned_fd_compat(self) -> std::io::Result<std::fs::File> {
        let fd = self.into_owned_fd()?;
        Ok(std::fs::File::from(fd))
    }
}
#[cfg(windows)]
impl IntoBlocking for tokio::process::ChildStdout {
    fn into_owned_fd_compat(self) -> std::io::Result<std::fs::File> {
        let h = self.into_owned_handle()?;
        Ok(std::fs::File::from(h))
    }
}
#[cfg(windows)]
impl IntoBlocking for tokio::process::ChildStderr {
    fn into_owned_fd_compat(self) -> std::io::Result<std::fs::File> {
        let h = self.into_owned_handle()?;
        Ok(std::fs::File::from(h))
    }
}

/// One pipe for both stdout and stderr; both ends close-on-exec in `ancm` itself.
#[cfg(unix)]
fn one_pipe() -> std::io::Result<(std::fs::File, std::os::fd::OwnedFd)> {
    use std::os::fd::FromRawFd;
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is a valid two-element array for pipe(2) to fill.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    for fd in fds {
        // SAFETY: fd was just returned by pipe(2).
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: both fds are fresh, open and owned by nobody else.
    let (r, w) = unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    };
    Ok((r, w))
}

/// Set by [`kill_all_for_exit`]: `ancm` is on its way out, so a group started afterwards (a
/// probe thread that was mid-spawn when Ctrl-C came) is killed as soon as it registers.
static CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn register(pid: u32) {
    if pid != 0 {
        let mut groups = lock(&LIVE_GROUPS);
        if CLOSED.load(std::sync::atomic::Ordering::SeqCst) {
            drop(groups);
            signal_group(pid, StopSignal::Kill);
            return;
        }
        groups.push(pid);
    }
}

fn unregister(pid: u32) {
    lock(&LIVE_GROUPS).retain(|p| *p != pid);
    #[cfg(windows)]
    lock(&JOBS).retain(|(p, _)| *p != pid);
}

/// Job objects by root pid; dropping one kills its whole tree.
#[cfg(windows)]
static JOBS: Mutex<Vec<(u32, job::Job)>> = Mutex::new(Vec::new());

#[cfg(windows)]
mod job {
    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, Thread32First, Thread32Next, TH32CS_SNAPTHREAD, THREADENTRY32,
    };
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectBasicProcessIdList,
        JobObjectExtendedLimitInformation, QueryInformationJobObject, SetInformationJobObject,
        TerminateJobObject, JOBOBJECT_BASIC_PROCESS_ID_LIST, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    };
    use windows_sys::Win32::System::Threading::{OpenThread, ResumeThread, THREAD_SUSPEND_RESUME};

    /// A job object with KILL_ON_JOB_CLOSE (ancm-protocol.md §2.3, §5.3).
    pub struct Job(HANDLE);

    // SAFETY: a job handle may be used and closed from any thread.
    unsafe impl Send for Job {}

    impl Job {
        /// A new job holding `process`; the OS error if Windows refuses (ANCM tolerates that).
        pub fn for_process(process: std::os::windows::io::RawHandle) -> std::io::Result<Job> {
            // SAFETY: plain Win32 calls on handles we own; `info` is a zeroed POD struct of the
            // size passed.
            unsafe {
                let h = CreateJobObjectW(std::ptr::null(), std::ptr::null());
                if h.is_null() {
                    return Err(std::io::Error::last_os_error());
                }
                let job = Job(h);
                let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
                info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
                let ok = SetInformationJobObject(
                    h,
                    JobObjectExtendedLimitInformation,
                    &info as *const JOBOBJECT_EXTENDED_LIMIT_INFORMATION
                        as *const core::ffi::c_void,
                    std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
                );
                if ok == 0 || AssignProcessToJobObject(h, process as HANDLE) == 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(job)
            }
        }

        /// The pids of the processes in the job (ANCM finds a child listener's owner this way,
        /// §3.3, §5.3 [SRC]); empty if the query fails.
        pub fn pids(&self) -> Vec<u32> {
            // Header (two u32) + room for 255 ids, in usize units so the ids are aligned.
            let mut buf = vec![0usize; 256];
            let header = std::mem::offset_of!(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList);
            // SAFETY: `buf` is writable for the byte length passed; the list fields are plain
            // integers and the count read back is bounded by the buffer.
            unsafe {
                let len = (buf.len() * std::mem::size_of::<usize>()) as u32;
                let ok = QueryInformationJobObject(
                    self.0,
                    JobObjectBasicProcessIdList,
                    buf.as_mut_ptr().cast(),
                    len,
                    std::ptr::null_mut(),
                );
                if ok == 0 {
                    return Vec::new();
                }
                let list = buf.as_ptr().cast::<JOBOBJECT_BASIC_PROCESS_ID_LIST>();
                let n = (*list).NumberOfProcessIdsInList as usize;
                let room = (buf.len() * std::mem::size_of::<usize>() - header)
                    / std::mem::size_of::<usize>();
                let ids = buf.as_ptr().cast::<u8>().add(header).cast::<usize>();
                (0..n.min(room)).map(|i| *ids.add(i) as u32).collect()
            }
        }

        pub fn kill(&self) {
            // SAFETY: the handle is valid until drop.
            unsafe { TerminateJobObject(self.0, 1) };
        }
    }

    /// Resumes every thread of the suspended process `pid` (a new process has exactly one).
    pub fn resume(pid: u32) -> std::io::Result<()> {
        let mut resumed = 0;
        // SAFETY: plain Win32 calls; `entry` is a zeroed POD struct with dwSize set as required;
        // every handle opened here is closed here.
        unsafe {
            let snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
            if snap == INVALID_HANDLE_VALUE || snap.is_null() {
                return Err(std::io::Error::last_os_error());
            }
            let mut entry: THREADENTRY32 = std::mem::zeroed();
            entry.dwSize = std::mem::size_of::<THREADENTRY32>() as u32;
            let mut more = Thread32First(snap, &mut entry) != 0;
            while more {
                if entry.th32OwnerProcessID == pid {
                    let t = OpenThread(THREAD_SUSPEND_RESUME, 0, entry.th32ThreadID);
                    if !t.is_null() {
                        if ResumeThread(t) != u32::MAX {
                            resumed += 1;
                        }
                        CloseHandle(t);
                    }
                }
                more = Thread32Next(snap, &mut entry) != 0;
            }
            CloseHandle(snap);
        }
        if resumed == 0 {
            return Err(std::io::Error::other(format!(
                "no thread of process {pid} could be resumed"
            )));
        }
        Ok(())
    }

    impl Drop for Job {
        fn drop(&mut self) {
            // SAFETY: closing our own handle once; KILL_ON_JOB_CLOSE ends the tree.
            unsafe { CloseHandle(self.0) };
        }
    }
}

/// The processes in the job object of the tree rooted at `root` (Windows; empty elsewhere or
/// when the tree has no job).
pub fn job_pids(root: u32) -> Vec<u32> {
    #[cfg(windows)]
    if let Some((_, j)) = lock(&JOBS).iter().find(|(p, _)| *p == root) {
        return j.pids();
    }
    let _ = root;
    Vec::new()
}

#[cfg(all(test, windows))]
mod windows_tests {
    use super::job;
    use std::os::windows::io::AsRawHandle;
    use std::os::windows::process::CommandExt;
    use std::time::{Duration, Instant};

    #[test]
    fn suspended_child_joins_the_job_runs_and_dies_with_it() {
        // `pause` waits on stdin, which stays open: the process lives until the job ends it.
        let mut child = std::process::Command::new("cmd")
            .args(["/c", "pause"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .creation_flags(windows_sys::Win32::System::Threading::CREATE_SUSPENDED)
            .spawn()
            .unwrap();
        let j = job::Job::for_process(child.as_raw_handle()).unwrap();
        job::resume(child.id()).unwrap();
        assert!(j.pids().contains(&child.id()), "{:?}", j.pids());
        assert!(child.try_wait().unwrap().is_none());
        drop(j);
        let t = Instant::now();
        while child.try_wait().unwrap().is_none() {
            assert!(t.elapsed() < Duration::from_secs(10), "KILL_ON_JOB_CLOSE");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(job::resume(u32::MAX - 1).is_err());

        // Resumed for real: a suspended `cmd /c exit 7` only exits once its thread runs.
        let mut quick = std::process::Command::new("cmd")
            .args(["/c", "exit 7"])
            .creation_flags(windows_sys::Win32::System::Threading::CREATE_SUSPENDED)
            .spawn()
            .unwrap();
        let _j = job::Job::for_process(quick.as_raw_handle()).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(quick.try_wait().unwrap().is_none(), "ran while suspended");
        job::resume(quick.id()).unwrap();
        let t = Instant::now();
        let status = loop {
            if let Some(s) = quick.try_wait().unwrap() {
                break s;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "never resumed");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(status.code(), Some(7));
    }
}

/// Which signal to send to a process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// The closest POSIX analog of ANCM's CTRL_BREAK (§5.2): .NET treats it as a stop request.
    Terminate,
    /// No way back (ANCM's TerminateProcess / job close).
    Kill,
}

/// Signals the whole process group led by `pid`. Returns false when the group is gone.
pub fn signal_group(pid: u32, sig: StopSignal) -> bool {
    if pid == 0 {
        return false;
    }
    #[cfg(unix)]
    {
        let s = match sig {
            StopSignal::Terminate => libc::SIGTERM,
            StopSignal::Kill => libc::SIGKILL,
        };
        // SAFETY: killpg has no memory-safety preconditions.
        unsafe { libc::killpg(pid as libc::pid_t, s) == 0 }
    }
    #[cfg(windows)]
    {
        if sig == StopSignal::Kill {
            if let Some((_, j)) = lock(&JOBS).iter().find(|(p, _)| *p == pid) {
                j.kill();
                return true;
            }
        }
        let mut c = std::process::Command::new("taskkill");
        c.arg("/T").arg("/PID").arg(pid.to_string());
        if sig == StopSignal::Kill {
            c.arg("/F");
        }
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// Kills a group and forgets it.
pub fn kill_group(pid: u32) {
    signal_group(pid, StopSignal::Kill);
    unregister(pid);
}

/// Kills every group this process started. For signal handlers, panic hooks and exit paths.
pub fn kill_all() {
    let pids: Vec<u32> = std::mem::take(&mut *lock(&LIVE_GROUPS));
    for pid in pids {
        signal_group(pid, StopSignal::Kill);
    }
    #[cfg(windows)]
    lock(&JOBS).clear();
}

/// [`kill_all`], and every group started from now on is killed at once: for an interrupted
/// `ancm` whose other threads may still be starting one.
pub fn kill_all_for_exit() {
    {
        let _groups = lock(&LIVE_GROUPS);
        CLOSED.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    kill_all();
}

/// Installs a panic hook that kills every started process group before the usual report.
pub fn kill_all_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        kill_all();
        previous(info);
    }));
}

/// Kills the group when dropped, whatever path the supervisor took.
#[derive(Debug)]
pub struct GroupGuard(pub u32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.0);
    }
}

/// Emits the spawn failure event (`CreateProcessW` stage) for `program`.
pub fn report_spawn_error(bus: &EventBus, attempt: u32, program: &Path, e: &std::io::Error) {
    bus.emit(Event::SpawnFailed {
        attempt,
        program: program.display().to_string(),
        error: e.to_string(),
    });
}
