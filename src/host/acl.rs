//! File-system ACLs as facts, and the one evaluation of what an app pool's identity may do with
//! a folder: the Windows access check over a DACL (explicit and inherited ACEs in the order the
//! DACL holds them, deny entries included, generic rights mapped to file rights, inherit-only
//! entries skipped), for the principals the pool's worker token carries.
//!
//! Pure. The Windows probe (`windows.rs`) reads the DACLs with `GetNamedSecurityInfoW`; a
//! snapshot carries them, so Linux can judge a server's rights too.
use serde::{Deserialize, Serialize};

/// One ACE of a DACL, in DACL order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ace {
    /// `S-1-5-32-568`.
    pub sid: String,
    /// `BUILTIN\IIS_IUSRS`, `IIS APPPOOL\ShopPool`, when the SID could be looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `true` for ACCESS_ALLOWED, `false` for ACCESS_DENIED.
    pub allow: bool,
    /// The access mask as stored (may hold GENERIC_* bits).
    pub mask: u32,
    /// INHERITED_ACE: came from a parent folder.
    #[serde(default)]
    pub inherited: bool,
    /// INHERIT_ONLY_ACE: applies to children only, not to this object.
    #[serde(default)]
    pub inherit_only: bool,
}

/// The DACL of one path, as the probe read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathAcl {
    pub path: String,
    /// `None`: a NULL DACL (everyone has full access). `Some(vec![])`: an empty DACL (no one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dacl: Option<Vec<Ace>>,
    /// Why the DACL could not be read (the path is missing, access denied …); `dacl` is then
    /// meaningless.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

// File access rights (winnt.h).
pub const FILE_READ_DATA: u32 = 0x0001; // FILE_LIST_DIRECTORY on a folder
pub const FILE_WRITE_DATA: u32 = 0x0002; // FILE_ADD_FILE on a folder
pub const FILE_APPEND_DATA: u32 = 0x0004; // FILE_ADD_SUBDIRECTORY on a folder
pub const FILE_READ_EA: u32 = 0x0008;
pub const FILE_WRITE_EA: u32 = 0x0010;
pub const FILE_EXECUTE: u32 = 0x0020; // FILE_TRAVERSE on a folder
pub const FILE_DELETE_CHILD: u32 = 0x0040;
pub const FILE_READ_ATTRIBUTES: u32 = 0x0080;
pub const FILE_WRITE_ATTRIBUTES: u32 = 0x0100;
pub const DELETE: u32 = 0x0001_0000;
pub const READ_CONTROL: u32 = 0x0002_0000;
pub const WRITE_DAC: u32 = 0x0004_0000;
pub const WRITE_OWNER: u32 = 0x0008_0000;
pub const SYNCHRONIZE: u32 = 0x0010_0000;
pub const GENERIC_ALL: u32 = 0x1000_0000;
pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
pub const GENERIC_WRITE: u32 = 0x4000_0000;
pub const GENERIC_READ: u32 = 0x8000_0000;

pub const FILE_GENERIC_READ: u32 =
    READ_CONTROL | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE;
pub const FILE_GENERIC_WRITE: u32 = READ_CONTROL
    | FILE_WRITE_DATA
    | FILE_WRITE_ATTRIBUTES
    | FILE_WRITE_EA
    | FILE_APPEND_DATA
    | SYNCHRONIZE;
pub const FILE_GENERIC_EXECUTE: u32 =
    READ_CONTROL | FILE_READ_ATTRIBUTES | FILE_EXECUTE | SYNCHRONIZE;
pub const FILE_ALL_ACCESS: u32 = 0x001F_01FF;

/// "Read & execute" on a folder: list it, read its files' data and attributes, traverse it —
/// what a worker needs of the app folder and of the dotnet root.
pub const READ_AND_EXECUTE: u32 = FILE_GENERIC_READ | FILE_GENERIC_EXECUTE;
/// What ANCM needs of the stdout log folder: create files in it and write them.
pub const CREATE_FILES: u32 = FILE_WRITE_DATA | FILE_APPEND_DATA | SYNCHRONIZE;

/// GENERIC_* bits to file rights (the file object's generic mapping).
pub fn map_generic(mask: u32) -> u32 {
    let mut m = mask & !(GENERIC_ALL | GENERIC_EXECUTE | GENERIC_WRITE | GENERIC_READ);
    if mask & GENERIC_READ != 0 {
        m |= FILE_GENERIC_READ;
    }
    if mask & GENERIC_WRITE != 0 {
        m |= FILE_GENERIC_WRITE;
    }
    if mask & GENERIC_EXECUTE != 0 {
        m |= FILE_GENERIC_EXECUTE;
    }
    if mask & GENERIC_ALL != 0 {
        m |= FILE_ALL_ACCESS;
    }
    m
}

/// One principal in a worker's token: a SID, or an account name when the SID is not known
/// (`IIS APPPOOL\ShopPool`, whose SID is derived from the pool name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub sid: Option<&'static str>,
    pub name: String,
}

impl Principal {
    fn well_known(sid: &'static str, name: &str) -> Principal {
        Principal {
            sid: Some(sid),
            name: name.to_string(),
        }
    }
    fn named(name: String) -> Principal {
        Principal { sid: None, name }
    }
    /// Whether an ACE names this principal: by SID when both have one, else by account name
    /// (case-insensitive, `DOMAIN\user` or the bare name after the backslash).
    pub fn matches(&self, ace: &Ace) -> bool {
        if let Some(s) = self.sid {
            if ace.sid.eq_ignore_ascii_case(s) {
                return true;
            }
        }
        let Some(account) = &ace.account else {
            return false;
        };
        let bare = |n: &str| n.rsplit('\\').next().unwrap_or(n).to_ascii_lowercase();
        if account.eq_ignore_ascii_case(&self.name) {
            return true;
        }
        // A bare user name in the pool matches `MACHINE\user` or `DOMAIN\user` in the ACE only
        // when the pool gave no domain.
        !self.name.contains('\\') && self.sid.is_none() && bare(account) == bare(&self.name)
    }
}

/// The identity an app pool runs as, and the principals its worker token holds: the account
/// itself, `IIS_IUSRS` (IIS injects it into every worker token), and the groups every service
/// logon carries. Custom accounts' own group memberships are not known here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolIdentity {
    /// How reports name it: `IIS APPPOOL\ShopPool`, `NT AUTHORITY\NETWORK SERVICE`, `CONTOSO\svc-shop`.
    pub account: String,
    pub principals: Vec<Principal>,
    /// Set for a custom account: its own group memberships are not in the facts.
    pub groups_unknown: bool,
}

const EVERYONE: &str = "S-1-1-0";
const AUTHENTICATED_USERS: &str = "S-1-5-11";
const USERS: &str = "S-1-5-32-545";
const IIS_IUSRS: &str = "S-1-5-32-568";
const ADMINISTRATORS: &str = "S-1-5-32-544";
const SERVICE: &str = "S-1-5-6";

impl PoolIdentity {
    /// From the pool's `processModel` (`identityType`, `userName`).
    pub fn of(pool_name: &str, identity_type: &str, user_name: Option<&str>) -> PoolIdentity {
        let common = || {
            vec![
                Principal::well_known(EVERYONE, "Everyone"),
                Principal::well_known(AUTHENTICATED_USERS, r"NT AUTHORITY\Authenticated Users"),
                Principal::well_known(USERS, r"BUILTIN\Users"),
                Principal::well_known(IIS_IUSRS, r"BUILTIN\IIS_IUSRS"),
                Principal::well_known(SERVICE, r"NT AUTHORITY\SERVICE"),
            ]
        };
        let (account, first, groups_unknown) =
            match identity_type.trim().to_ascii_lowercase().as_str() {
                "localsystem" => (
                    r"NT AUTHORITY\SYSTEM".to_string(),
                    vec![
                        Principal::well_known("S-1-5-18", r"NT AUTHORITY\SYSTEM"),
                        Principal::well_known(ADMINISTRATORS, r"BUILTIN\Administrators"),
                    ],
                    false,
                ),
                "localservice" => (
                    r"NT AUTHORITY\LOCAL SERVICE".to_string(),
                    vec![Principal::well_known(
                        "S-1-5-19",
                        r"NT AUTHORITY\LOCAL SERVICE",
                    )],
                    false,
                ),
                "networkservice" => (
                    r"NT AUTHORITY\NETWORK SERVICE".to_string(),
                    vec![Principal::well_known(
                        "S-1-5-20",
                        r"NT AUTHORITY\NETWORK SERVICE",
                    )],
                    false,
                ),
                "specificuser" => {
                    let user = user_name.unwrap_or_default().to_string();
                    (user.clone(), vec![Principal::named(user)], true)
                }
                // ApplicationPoolIdentity, IIS's default.
                _ => {
                    let account = format!(r"IIS APPPOOL\{pool_name}");
                    (account.clone(), vec![Principal::named(account)], false)
                }
            };
        let mut principals = first;
        principals.extend(common());
        PoolIdentity {
            account,
            principals,
            groups_unknown,
        }
    }
}

/// The outcome of an access check for the rights asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessCheck {
    /// Every asked right is granted.
    pub granted: bool,
    /// The asked rights no ACE granted (0 when granted).
    pub missing: u32,
    /// The first deny ACE that took away an asked right, if any.
    pub denied_by: Option<Ace>,
}

/// The Windows access check (`AccessCheck` over a DACL) for `wanted` rights: each right is
/// decided by the first ACE, in DACL order, that names a principal of the token and covers it —
/// a deny takes it away, an allow grants it. A NULL DACL grants everything; rights no ACE
/// decides are not granted. Inherit-only ACEs do not apply to the object itself.
pub fn check_access(dacl: Option<&[Ace]>, who: &PoolIdentity, wanted: u32) -> AccessCheck {
    let Some(dacl) = dacl else {
        return AccessCheck {
            granted: true,
            missing: 0,
            denied_by: None,
        };
    };
    let mut undecided = wanted;
    let mut granted = 0u32;
    let mut denied_by = None;
    for ace in dacl {
        if undecided == 0 {
            break;
        }
        if ace.inherit_only || !who.principals.iter().any(|p| p.matches(ace)) {
            continue;
        }
        let covers = map_generic(ace.mask) & undecided;
        if covers == 0 {
            continue;
        }
        if ace.allow {
            granted |= covers;
        } else if denied_by.is_none() {
            denied_by = Some(ace.clone());
        }
        undecided &= !covers;
    }
    let missing = wanted & !granted;
    AccessCheck {
        granted: missing == 0,
        missing,
        denied_by: if missing == 0 { None } else { denied_by },
    }
}

/// The folder ANCM writes `stdoutLogFile` into (the path up to its last separator, the file
/// name being a prefix): relative paths are relative to the app folder, as ANCM resolves them.
pub fn stdout_log_folder(app_dir: &str, log: &str) -> Option<String> {
    let log = log.trim();
    let absolute = log.starts_with('\\')
        || log.starts_with('/')
        || (log.len() > 2 && log.as_bytes()[1] == b':');
    let full = if absolute {
        log.to_string()
    } else {
        let rel = log
            .strip_prefix(".\\")
            .or_else(|| log.strip_prefix("./"))
            .unwrap_or(log);
        let sep = if app_dir.contains('\\') { '\\' } else { '/' };
        format!("{}{sep}{rel}", app_dir.trim_end_matches(['\\', '/']))
    };
    let cut = full.rfind(['\\', '/'])?;
    Some(full[..cut].to_string()).filter(|f| !f.is_empty())
}

/// The names of file rights in a mask, for a message: `read data, traverse`.
pub fn describe_rights(mask: u32) -> String {
    let names = [
        (FILE_READ_DATA, "list/read data"),
        (FILE_WRITE_DATA, "create files/write data"),
        (FILE_APPEND_DATA, "append data"),
        (FILE_READ_EA, "read extended attributes"),
        (FILE_WRITE_EA, "write extended attributes"),
        (FILE_EXECUTE, "traverse/execute"),
        (FILE_DELETE_CHILD, "delete children"),
        (FILE_READ_ATTRIBUTES, "read attributes"),
        (FILE_WRITE_ATTRIBUTES, "write attributes"),
        (DELETE, "delete"),
        (READ_CONTROL, "read permissions"),
        (WRITE_DAC, "change permissions"),
        (WRITE_OWNER, "take ownership"),
        (SYNCHRONIZE, "synchronize"),
    ];
    let parts: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    if parts.is_empty() {
        format!("0x{mask:08x}")
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ace(sid: &str, account: &str, allow: bool, mask: u32, inherited: bool) -> Ace {
        Ace {
            sid: sid.into(),
            account: Some(account.into()),
            allow,
            mask,
            inherited,
            inherit_only: false,
        }
    }

    fn pool() -> PoolIdentity {
        PoolIdentity::of("ShopPool", "ApplicationPoolIdentity", None)
    }

    /// `icacls` "(RX)" for BUILTIN\Users, inherited from C:\ — the default a new folder gets.
    fn users_rx() -> Ace {
        ace(USERS, r"BUILTIN\Users", true, 0x1200a9, true)
    }

    #[test]
    fn the_default_users_entry_lets_a_pool_read_and_not_write() {
        let dacl = vec![
            ace(
                "S-1-5-18",
                r"NT AUTHORITY\SYSTEM",
                true,
                FILE_ALL_ACCESS,
                true,
            ),
            ace(
                ADMINISTRATORS,
                r"BUILTIN\Administrators",
                true,
                FILE_ALL_ACCESS,
                true,
            ),
            users_rx(),
        ];
        assert!(check_access(Some(&dacl), &pool(), READ_AND_EXECUTE).granted);
        let w = check_access(Some(&dacl), &pool(), CREATE_FILES);
        assert!(!w.granted);
        assert_eq!(w.missing, FILE_WRITE_DATA | FILE_APPEND_DATA);
        assert_eq!(w.denied_by, None, "nothing denied: simply not granted");
        assert_eq!(
            describe_rights(w.missing),
            "create files/write data, append data"
        );
    }

    #[test]
    fn a_deny_entry_wins_over_a_later_allow_and_names_itself() {
        let deny = ace(
            "S-1-5-82-1-2-3-4-5",
            r"IIS APPPOOL\ShopPool",
            false,
            FILE_GENERIC_EXECUTE,
            false,
        );
        let dacl = vec![deny.clone(), users_rx()];
        let r = check_access(Some(&dacl), &pool(), READ_AND_EXECUTE);
        assert!(!r.granted);
        assert_eq!(r.missing & FILE_EXECUTE, FILE_EXECUTE);
        assert_eq!(r.denied_by, Some(deny));
        // Rights the deny does not cover are still granted by the later allow.
        assert!(check_access(Some(&dacl), &pool(), FILE_READ_DATA).granted);
        // The deny names another pool: it does not apply.
        let other = PoolIdentity::of("OtherPool", "ApplicationPoolIdentity", None);
        assert!(check_access(Some(&dacl), &other, READ_AND_EXECUTE).granted);
    }

    #[test]
    fn inheritance_order_an_explicit_allow_beats_an_inherited_deny() {
        // Canonical order: explicit entries first, then inherited (nearest parent first).
        let dacl = vec![
            ace(
                IIS_IUSRS,
                r"BUILTIN\IIS_IUSRS",
                true,
                FILE_ALL_ACCESS,
                false,
            ),
            ace(EVERYONE, "Everyone", false, FILE_WRITE_DATA, true),
        ];
        assert!(check_access(Some(&dacl), &pool(), CREATE_FILES).granted);
        // The same entries inherited the other way round: the deny comes first and wins.
        let dacl = vec![
            ace(EVERYONE, "Everyone", false, FILE_WRITE_DATA, true),
            ace(IIS_IUSRS, r"BUILTIN\IIS_IUSRS", true, FILE_ALL_ACCESS, true),
        ];
        let r = check_access(Some(&dacl), &pool(), CREATE_FILES);
        assert!(!r.granted);
        assert_eq!(r.missing, FILE_WRITE_DATA);
    }

    #[test]
    fn group_membership_generic_rights_inherit_only_and_null_dacls() {
        // Through IIS_IUSRS, with GENERIC_READ | GENERIC_EXECUTE as stored.
        let dacl = vec![ace(
            IIS_IUSRS,
            r"BUILTIN\IIS_IUSRS",
            true,
            GENERIC_READ | GENERIC_EXECUTE,
            true,
        )];
        assert!(check_access(Some(&dacl), &pool(), READ_AND_EXECUTE).granted);
        // An inherit-only entry is for the children, not the folder.
        let mut only = dacl[0].clone();
        only.inherit_only = true;
        assert!(!check_access(Some(&[only]), &pool(), READ_AND_EXECUTE).granted);
        // NULL DACL: everyone; empty DACL: no one.
        assert!(check_access(None, &pool(), FILE_ALL_ACCESS).granted);
        assert!(!check_access(Some(&[]), &pool(), FILE_READ_DATA).granted);
        // An entry for Administrators does not reach an app pool.
        let admins = vec![ace(
            ADMINISTRATORS,
            r"BUILTIN\Administrators",
            true,
            FILE_ALL_ACCESS,
            true,
        )];
        assert!(!check_access(Some(&admins), &pool(), FILE_READ_DATA).granted);
        let system = PoolIdentity::of("P", "LocalSystem", None);
        assert!(check_access(Some(&admins), &system, FILE_READ_DATA).granted);
    }

    #[test]
    fn stdout_log_folders() {
        assert_eq!(
            stdout_log_folder(r"C:\inetpub\Shop", r".\logs\stdout").as_deref(),
            Some(r"C:\inetpub\Shop\logs")
        );
        assert_eq!(
            stdout_log_folder(r"C:\inetpub\Shop\", r"D:\logs\shop\stdout").as_deref(),
            Some(r"D:\logs\shop")
        );
        assert_eq!(
            stdout_log_folder("/srv/shop", "./logs/stdout").as_deref(),
            Some("/srv/shop/logs")
        );
    }

    #[test]
    fn identities_and_name_matching() {
        let p = pool();
        assert_eq!(p.account, r"IIS APPPOOL\ShopPool");
        // The pool's SID is derived from its name: the ACE is matched by the looked-up name.
        let by_name = Ace {
            sid: "S-1-5-82-9".into(),
            account: Some(r"iis apppool\shoppool".into()),
            allow: true,
            mask: FILE_ALL_ACCESS,
            inherited: false,
            inherit_only: false,
        };
        assert!(check_access(Some(std::slice::from_ref(&by_name)), &p, CREATE_FILES).granted);
        let ns = PoolIdentity::of("P", "NetworkService", None);
        assert_eq!(ns.account, r"NT AUTHORITY\NETWORK SERVICE");
        assert!(!check_access(Some(&[by_name]), &ns, CREATE_FILES).granted);
        let custom = PoolIdentity::of("P", "SpecificUser", Some(r"CONTOSO\svc-shop"));
        assert!(custom.groups_unknown);
        let svc = ace(
            "S-1-5-21-1-2-3-1105",
            r"CONTOSO\svc-shop",
            true,
            FILE_ALL_ACCESS,
            false,
        );
        assert!(check_access(Some(std::slice::from_ref(&svc)), &custom, CREATE_FILES).granted);
        let bare = PoolIdentity::of("P", "SpecificUser", Some("svc-shop"));
        assert!(check_access(Some(&[svc]), &bare, CREATE_FILES).granted);
        assert_eq!(map_generic(GENERIC_ALL), FILE_ALL_ACCESS);
    }
}
