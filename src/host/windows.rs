//! The live probe on Windows: the machine and user PATH from the registry, IIS (version,
//! applicationHost.config, the ANCM files, schemas and registry keys), the start time of the IIS
//! service processes, the VC++ runtime, and each IIS application's web.config summary.
//!
//! Also the registered .NET install locations (hostfxr.md §4.1) and each app pool's run-time
//! state (`appcmd list apppool /xml`).
//!
//! Read-only: opens registry keys for reading and reads files; writes nothing. The one process it
//! starts is `appcmd.exe list apppool /xml` (a read-only query), with a timeout; if that fails the
//! pool states are unknown. Anything it cannot read is recorded as absent, never a panic.
use super::appcmd::{self, AppPoolState};
use super::facts::{
    expand_vars, filetime_to_rfc3339, FileFact, HostFacts, IisFacts, ModuleFile, ModuleFileKind,
    ModuleGeneration, ModuleRegistryKey, PathScope, ServiceProcess,
};
use super::path_scan::{dotnet_on, split_windows_path};
use super::{iis_config, pe};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use winreg::enums::{
    HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_32KEY, KEY_WOW64_64KEY,
};
use winreg::RegKey;

const MACHINE_ENV: &str = r"SYSTEM\CurrentControlSet\Control\Session Manager\Environment";
/// ancm-reference.md §6.3 [SRC S21].
const MODULE_KEYS: [(&str, ModuleGeneration); 2] = [
    (
        r"SOFTWARE\Microsoft\IIS Extensions\IIS AspNetCore Module V2",
        ModuleGeneration::V2,
    ),
    (
        r"SOFTWARE\Microsoft\IIS Extensions\IIS AspNetCore Module",
        ModuleGeneration::V1,
    ),
];
const PATH_VARIABLES: [&str; 7] = [
    "SystemDrive",
    "SystemRoot",
    "windir",
    "ProgramFiles",
    "ProgramFiles(x86)",
    "ProgramW6432",
    "ProgramData",
];

pub fn probe() -> HostFacts {
    let mut f = HostFacts::basic();
    for name in PATH_VARIABLES {
        if let Ok(v) = std::env::var(name) {
            f.path_variables.insert(name.to_string(), v);
        }
    }
    let hklm = RegKey::predef(HKEY_LOCAL_MACHINE);
    let hkcu = RegKey::predef(HKEY_CURRENT_USER);

    if let Ok(env) = hklm.open_subkey(MACHINE_ENV) {
        f.machine_path = read_path_value(&env).map(|p| split_windows_path(&p));
        f.machine_environment_changed = env.query_info().ok().and_then(|i| {
            let ft = &i.last_write_time;
            filetime_to_rfc3339(((ft.dwHighDateTime as u64) << 32) | ft.dwLowDateTime as u64)
        });
    }
    if let Ok(env) = hkcu.open_subkey("Environment") {
        f.user_path = read_path_value(&env).map(|p| split_windows_path(&p));
    }
    let mut on_path = Vec::new();
    if let Some(p) = &f.machine_path {
        on_path.extend(dotnet_on(p, PathScope::Machine));
    }
    if let Some(p) = &f.user_path {
        on_path.extend(dotnet_on(p, PathScope::User));
    }
    on_path.extend(dotnet_on(&f.process_path, PathScope::Process));
    f.dotnet_on_path = on_path;

    let windir = PathBuf::from(
        var(&f, "windir")
            .or_else(|| var(&f, "SystemRoot"))
            .unwrap_or_else(|| r"C:\Windows".into()),
    );
    let wow64 = windir.join("SysWOW64");
    let has_wow64 = wow64.is_dir();
    for dir in std::iter::once(windir.join("System32")).chain(has_wow64.then_some(wow64.clone())) {
        for dll in ["msvcp140.dll", "vcruntime140.dll"] {
            f.vc_runtime.push(file_fact(&dir.join(dll)));
        }
    }

    f.iis = probe_iis(&f, &hklm, &windir, has_wow64.then_some(&wow64));
    f
}

fn var(f: &HostFacts, name: &str) -> Option<String> {
    f.path_variables.get(name).cloned()
}

/// The `Path` value, `REG_EXPAND_SZ` expanded with this process's environment.
fn read_path_value(key: &RegKey) -> Option<String> {
    let raw: String = key.get_value("Path").ok()?;
    Some(expand_vars(&raw, |n| std::env::var(n).ok()))
}

fn file_fact(path: &Path) -> FileFact {
    let exists = path.is_file();
    FileFact {
        path: path.display().to_string(),
        exists,
        version: if exists {
            pe::file_version_of(path)
        } else {
            None
        },
    }
}

fn probe_iis(
    f: &HostFacts,
    hklm: &RegKey,
    windir: &Path,
    wow64: Option<&PathBuf>,
) -> Option<IisFacts> {
    let inetsrv = windir.join(r"System32\inetsrv");
    let config_path = inetsrv.join(r"config\applicationHost.config");
    let inetstp = hklm.open_subkey(r"SOFTWARE\Microsoft\InetStp").ok();
    if inetstp.is_none() && !config_path.is_file() {
        return None;
    }
    let mut iis = IisFacts {
        version: inetstp.as_ref().and_then(|k| {
            let major: u32 = k.get_value("MajorVersion").ok()?;
            let minor: u32 = k.get_value("MinorVersion").unwrap_or(0);
            Some(format!("{major}.{minor}"))
        }),
        config_path: config_path.display().to_string(),
        ..IisFacts::default()
    };
    match std::fs::read(&config_path) {
        Ok(bytes) => match iis_config::parse(&bytes) {
            Ok(mut cfg) => {
                summarize_applications(f, &mut cfg);
                iis.config = Some(cfg);
            }
            Err(e) => iis.config_error = Some(e.to_string()),
        },
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            // Only administrators may read applicationHost.config.
            iis.config_error = Some(format!(
                "{e}: run `ancm` from an elevated (Administrator) prompt"
            ))
        }
        Err(e) => iis.config_error = Some(e.to_string()),
    }
    // Shared configuration: IIS then reads applicationHost.config from the redirected path.
    if let Ok(bytes) = std::fs::read(inetsrv.join(r"config\redirection.config")) {
        iis.shared_configuration = iis_config::parse_redirection(&bytes);
    }
    for schema in ["aspnetcore_schema.xml", "aspnetcore_schema_v2.xml"] {
        iis.schema_files
            .push(file_fact(&inetsrv.join(r"config\schema").join(schema)));
    }

    // V1: inetsrv of each bitness (ancm-reference.md §6.1).
    iis.module_files.push(module_file(
        ModuleFileKind::V1Module,
        64,
        &inetsrv.join("aspnetcore.dll"),
    ));
    if let Some(w) = wow64 {
        iis.module_files.push(module_file(
            ModuleFileKind::V1Module,
            32,
            &w.join(r"inetsrv\aspnetcore.dll"),
        ));
    }
    // V2: the shim and each version folder's out-of-process handler, under both Program Files.
    let pf64 = var(f, "ProgramW6432").or_else(|| var(f, "ProgramFiles"));
    let pf32 = var(f, "ProgramFiles(x86)");
    for (bits, pf) in [(64u8, pf64), (32u8, pf32)] {
        let Some(pf) = pf else { continue };
        let v2 = Path::new(&pf).join(r"IIS\Asp.Net Core Module\V2");
        if bits == 32 && !v2.is_dir() && wow64.is_none() {
            continue;
        }
        iis.module_files.push(module_file(
            ModuleFileKind::V2Shim,
            bits,
            &v2.join("aspnetcorev2.dll"),
        ));
        let mut versions: Vec<PathBuf> = std::fs::read_dir(&v2)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        versions.sort();
        for dir in versions {
            iis.module_files.push(module_file(
                ModuleFileKind::V2OutOfProcessHandler,
                bits,
                &dir.join("aspnetcorev2_outofprocess.dll"),
            ));
        }
    }
    // Both registry views: the installer writes the 32-bit view too (ancm-reference.md §6.3).
    for (key, generation) in MODULE_KEYS {
        for (flag, shown) in [
            (KEY_WOW64_64KEY, format!(r"HKLM\{key}")),
            (
                KEY_WOW64_32KEY,
                format!(
                    r"HKLM\{}",
                    key.replacen("SOFTWARE\\", "SOFTWARE\\WOW6432Node\\", 1)
                ),
            ),
        ] {
            if let Ok(k) = hklm.open_subkey_with_flags(key, KEY_READ | flag) {
                iis.module_registry.push(ModuleRegistryKey {
                    key: shown,
                    generation,
                    install: k.get_value::<u32, _>("Install").ok(),
                    version: k.get_value::<String, _>("Version").ok(),
                });
            }
        }
    }
    iis.service_processes = service_processes();
    match app_pool_states(&inetsrv.join("appcmd.exe")) {
        Ok(states) => iis.app_pool_states = Some(states),
        Err(e) => iis.app_pool_states_error = Some(e),
    }
    Some(iis)
}

/// hostfxr.md §4.1 step 4 [SRC]: `InstallLocation` under
/// `HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\<arch>`, always in the 32-bit registry view
/// (`WOW6432Node` on 64-bit Windows), as the host and ANCM read it (§4.5).
const INSTALLED_VERSIONS: &str = r"SOFTWARE\dotnet\Setup\InstalledVersions";

/// The registered dotnet install location of each architecture.
pub fn registered_dotnet_locations() -> BTreeMap<String, String> {
    let hklm = RegKey::predef(HKEY_LOCAL_MACHINE);
    let mut out = BTreeMap::new();
    for arch in ["x64", "x86", "arm64"] {
        let Ok(k) = hklm.open_subkey_with_flags(
            format!(r"{INSTALLED_VERSIONS}\{arch}"),
            KEY_READ | KEY_WOW64_32KEY,
        ) else {
            continue;
        };
        if let Ok(loc) = k.get_value::<String, _>("InstallLocation") {
            let loc = loc.trim().trim_end_matches('\\').to_string();
            if !loc.is_empty() {
                out.insert(arch.to_string(), loc);
            }
        }
    }
    out
}

/// How long appcmd may take: it reads the configuration and asks WAS; a hung WAS must not hang
/// the doctor.
const APPCMD_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs `appcmd.exe list apppool /xml` and parses its output.
fn app_pool_states(appcmd: &Path) -> Result<Vec<AppPoolState>, String> {
    if !appcmd.is_file() {
        return Err(format!("`{}` not found", appcmd.display()));
    }
    let mut child = Command::new(appcmd)
        .args(["list", "apppool", "/xml"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("`{}` could not be started: {e}", appcmd.display()))?;
    let Some(mut stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("appcmd's output could not be read".into());
    };
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < APPCMD_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{}` did not answer within {}s",
                    appcmd.display(),
                    APPCMD_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for appcmd: {e}")),
        }
    };
    let bytes = reader
        .join()
        .map_err(|_| "reading appcmd's output failed".to_string())?
        .map_err(|e| format!("reading appcmd's output: {e}"))?;
    if !status.success() {
        // appcmd prints its errors (e.g. "access denied" when not elevated) to stdout.
        let text = String::from_utf8_lossy(&bytes);
        return Err(format!(
            "`appcmd list apppool /xml` exited with {status}: {}",
            text.trim()
        ));
    }
    appcmd::parse_apppools(&bytes).map_err(|e| e.to_string())
}

fn module_file(kind: ModuleFileKind, bits: u8, path: &Path) -> ModuleFile {
    ModuleFile {
        kind,
        bits,
        file: file_fact(path),
    }
}

/// Reads each application's own web.config (root virtual directory) for the pool checks.
fn summarize_applications(f: &HostFacts, cfg: &mut iis_config::IisConfig) {
    for site in &mut cfg.sites {
        for app in &mut site.applications {
            let Some(root) = app.virtual_directories.iter().find(|v| v.path == "/") else {
                continue;
            };
            let dir = f.expand(&root.physical_path);
            if let Ok(bytes) = std::fs::read(Path::new(&dir).join("web.config")) {
                app.web_config = Some(iis_config::summarize_web_config(&bytes));
            }
        }
    }
}

/// The processes whose environment IIS workers inherit: the WAS and W3SVC service processes
/// (found through the service control manager), then `w3wp.exe` / `inetinfo.exe` by name.
fn service_processes() -> Vec<ServiceProcess> {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};
    let mut sys = System::new();
    sys.refresh_processes_specifics(ProcessesToUpdate::All, true, ProcessRefreshKind::nothing());
    let started = |pid: u32| -> Option<String> {
        let p = sys.process(Pid::from_u32(pid))?;
        // 0 means the start time could not be read (no access to a service process): unknown,
        // not 1970 — which would make every PATH change look newer than IIS.
        let secs = p.start_time();
        (secs > 0)
            .then(|| chrono::DateTime::from_timestamp(secs as i64, 0))
            .flatten()
            .map(|t| t.to_rfc3339())
    };
    let mut out = Vec::new();
    for svc in ["WAS", "W3SVC"] {
        if let Some(pid) = scm::service_pid(svc) {
            if let Some(t) = started(pid) {
                out.push(ServiceProcess {
                    name: svc.to_string(),
                    pid,
                    started: t,
                });
            }
        }
    }
    for (pid, p) in sys.processes() {
        let name = p.name().to_string_lossy().to_string();
        if ["w3wp.exe", "inetinfo.exe"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
        {
            if let Some(t) = started(pid.as_u32()) {
                out.push(ServiceProcess {
                    name,
                    pid: pid.as_u32(),
                    started: t,
                });
            }
        }
    }
    out
}

mod scm {
    //! The service control manager: which process runs a service.
    use windows_sys::Win32::System::Services::{
        CloseServiceHandle, OpenSCManagerW, OpenServiceW, QueryServiceStatusEx, SC_MANAGER_CONNECT,
        SC_STATUS_PROCESS_INFO, SERVICE_QUERY_STATUS, SERVICE_STATUS_PROCESS,
    };

    pub fn service_pid(name: &str) -> Option<u32> {
        let wide: Vec<u16> = name.encode_utf16().chain(std::iter::once(0)).collect();
        // SAFETY: plain Win32 calls with valid, NUL-terminated strings and a correctly sized
        // output buffer; every handle opened here is closed before returning.
        unsafe {
            let scm = OpenSCManagerW(std::ptr::null(), std::ptr::null(), SC_MANAGER_CONNECT);
            if scm.is_null() {
                return None;
            }
            let svc = OpenServiceW(scm, wide.as_ptr(), SERVICE_QUERY_STATUS);
            if svc.is_null() {
                CloseServiceHandle(scm);
                return None;
            }
            let mut status: SERVICE_STATUS_PROCESS = std::mem::zeroed();
            let mut needed = 0u32;
            let ok = QueryServiceStatusEx(
                svc,
                SC_STATUS_PROCESS_INFO,
                (&mut status as *mut SERVICE_STATUS_PROCESS).cast(),
                std::mem::size_of::<SERVICE_STATUS_PROCESS>() as u32,
                &mut needed,
            );
            CloseServiceHandle(svc);
            CloseServiceHandle(scm);
            (ok != 0 && status.dwProcessId != 0).then_some(status.dwProcessId)
        }
    }
}
