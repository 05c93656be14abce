//! The DACLs the `pool-identity-rights` check judges, read on Windows with
//! `GetNamedSecurityInfoW` (every ACE in DACL order, its SID as a string and, when
//! `LookupAccountSidW` knows it, its account name): every IIS application's physical path, the
//! folder of its stdout log when logging is on, and every dotnet root. Read-only; a path that
//! cannot be read is recorded with the error, never a panic.
use super::acl::{Ace, PathAcl};
use super::facts::HostFacts;
use windows_sys::Win32::Foundation::{LocalFree, ERROR_SUCCESS};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, GetNamedSecurityInfoW, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    GetAce, LookupAccountSidW, ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, DACL_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, PSID, SID_NAME_USE,
};

const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;
const ACCESS_DENIED_ACE_TYPE: u8 = 1;
const INHERIT_ONLY_ACE: u8 = 0x08;
const INHERITED_ACE: u8 = 0x10;

/// The folders of [`HostFacts::path_acls`], each once.
pub fn read_acls(f: &HostFacts) -> Vec<PathAcl> {
    let mut paths: Vec<String> = Vec::new();
    let mut add = |p: String| {
        let n = super::facts::normalize_windows_path(&p);
        if !p.is_empty()
            && !paths
                .iter()
                .any(|q| super::facts::normalize_windows_path(q) == n)
        {
            paths.push(p);
        }
    };
    if let Some(cfg) = f.iis_config() {
        for site in &cfg.sites {
            for app in &site.applications {
                let Some(root) = app.virtual_directories.iter().find(|v| v.path == "/") else {
                    continue;
                };
                let dir = f.expand(&root.physical_path);
                if let Some(log) = app
                    .web_config
                    .as_ref()
                    .and_then(|s| s.stdout_log_file.as_ref())
                {
                    if let Some(folder) = super::acl::stdout_log_folder(&dir, log) {
                        add(folder);
                    }
                }
                add(dir);
            }
        }
    }
    for install in &f.dotnet.installs {
        if install.exists {
            add(install.root.trim_start_matches(r"\\?\").to_string());
        }
    }
    paths.into_iter().map(|p| read_acl(&p)).collect()
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// A NUL-terminated wide string into a `String`.
///
/// # Safety
/// `p` is a valid NUL-terminated UTF-16 string.
unsafe fn from_wide(p: *const u16) -> String {
    let mut len = 0;
    while *p.add(len) != 0 {
        len += 1;
    }
    String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
}

fn read_acl(path: &str) -> PathAcl {
    let name = wide(path);
    let mut dacl: *mut ACL = std::ptr::null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: every out-pointer is valid; `sd` is freed with LocalFree below.
    let rc = unsafe {
        GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut dacl,
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    if rc != ERROR_SUCCESS {
        return PathAcl {
            path: path.to_string(),
            dacl: None,
            error: Some(std::io::Error::from_raw_os_error(rc as i32).to_string()),
        };
    }
    let aces = if dacl.is_null() {
        None
    } else {
        // SAFETY: `dacl` points into `sd`, alive until LocalFree.
        Some(unsafe { aces_of(dacl) })
    };
    // SAFETY: `sd` was allocated by GetNamedSecurityInfoW.
    unsafe {
        LocalFree(sd as _);
    }
    PathAcl {
        path: path.to_string(),
        dacl: aces,
        error: None,
    }
}

/// # Safety
/// `dacl` is a valid ACL.
unsafe fn aces_of(dacl: *mut ACL) -> Vec<Ace> {
    let mut out = Vec::new();
    for i in 0..u32::from((*dacl).AceCount) {
        let mut ace: *mut core::ffi::c_void = std::ptr::null_mut();
        if GetAce(dacl, i, &mut ace) == 0 || ace.is_null() {
            continue;
        }
        let header = &*(ace as *const ACE_HEADER);
        let allow = match header.AceType {
            ACCESS_ALLOWED_ACE_TYPE => true,
            ACCESS_DENIED_ACE_TYPE => false,
            // Object and callback ACEs do not occur on NTFS folders; skipped.
            _ => continue,
        };
        // ACCESS_DENIED_ACE has the same layout as ACCESS_ALLOWED_ACE.
        let body = &*(ace as *const ACCESS_ALLOWED_ACE);
        let sid = std::ptr::addr_of!(body.SidStart) as PSID;
        out.push(Ace {
            sid: sid_string(sid).unwrap_or_default(),
            account: account_of(sid),
            allow,
            mask: body.Mask,
            inherited: header.AceFlags & INHERITED_ACE != 0,
            inherit_only: header.AceFlags & INHERIT_ONLY_ACE != 0,
        });
    }
    out
}

/// # Safety
/// `sid` is a valid SID.
unsafe fn sid_string(sid: PSID) -> Option<String> {
    let mut text: *mut u16 = std::ptr::null_mut();
    if ConvertSidToStringSidW(sid, &mut text) == 0 || text.is_null() {
        return None;
    }
    let s = from_wide(text);
    LocalFree(text as _);
    Some(s)
}

/// `DOMAIN\name` for a SID, when the machine can look it up.
///
/// # Safety
/// `sid` is a valid SID.
unsafe fn account_of(sid: PSID) -> Option<String> {
    let mut name = [0u16; 256];
    let mut domain = [0u16; 256];
    let mut name_len = name.len() as u32;
    let mut domain_len = domain.len() as u32;
    let mut kind: SID_NAME_USE = 0;
    let ok = LookupAccountSidW(
        std::ptr::null(),
        sid,
        name.as_mut_ptr(),
        &mut name_len,
        domain.as_mut_ptr(),
        &mut domain_len,
        &mut kind,
    );
    if ok == 0 {
        return None;
    }
    let n = String::from_utf16_lossy(&name[..name_len as usize]);
    let d = String::from_utf16_lossy(&domain[..domain_len as usize]);
    Some(if d.is_empty() { n } else { format!(r"{d}\{n}") })
}
