//! `pool-identity-rights`: the app pool's identity (`IIS AppPool\<pool>`, `NetworkService`, a
//! custom account …, with `IIS_IUSRS` and the groups every worker token carries) must be able to
//! read the app folder (else IIS cannot read web.config: 500.19 0x80070005), read the dotnet
//! root it starts (else the process cannot start: 502.5 / 500.0 with 0x80070005) and create
//! files in the stdout log folder when logging is on (else no log is written). peers.md §8
//! row 5 (aspnet/IISIntegration#228; dotnet/aspnetcore#7678).
//!
//! Pure: the DACLs come with the host facts (the Windows probe reads them; a snapshot carries
//! them); the access check itself is [`crate::host::acl::check_access`].
use super::{iis_app, Check, CheckRun, Context};
use crate::diagnostic::{Finding, Level};
use crate::host::acl::{self, PoolIdentity};

pub struct PoolIdentityRights;

/// One folder the pool needs, with the rights and what their absence causes.
struct Need {
    what: &'static str,
    path: String,
    rights: u32,
    rights_named: &'static str,
    /// The IIS symptom, and whether its absence is an error (else a warning).
    symptom: &'static str,
    error: bool,
    consequence: &'static str,
}

impl Check for PoolIdentityRights {
    fn id(&self) -> &'static str {
        "pool-identity-rights"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let (cfg, m) = match iis_app::app(cx) {
            Ok(x) => x,
            Err(skip) => return skip,
        };
        let Some(pool) = cfg.pool(&m.application.application_pool) else {
            return CheckRun::Skip(format!(
                "pool `{}` is not in applicationHost.config (the `app-pool` check reports it)",
                m.application.application_pool
            ));
        };
        if cx.host.path_acls.is_empty() {
            return CheckRun::Skip(
                "the host facts hold no folder permissions: they are read by `ancm host` / `ancm doctor` on the Windows server".into(),
            );
        }
        let who = PoolIdentity::of(&pool.name, &pool.identity_type, pool.user_name.as_deref());
        let app_dir = cx.host.expand(&m.virtual_directory.physical_path);
        let mut needs = vec![Need {
            what: "the app folder",
            path: app_dir.clone(),
            rights: acl::READ_AND_EXECUTE,
            rights_named: "read & execute",
            symptom: "500.19",
            error: true,
            consequence: "IIS cannot read web.config (500.19, 0x80070005) and the app's files cannot be loaded",
        }];
        if let Some(root) = cx.plan.root.as_ref().and_then(|r| r.root.clone()) {
            if matches!(cx.plan.starter, crate::contract::plan::Starter::Muxer(_)) {
                needs.push(Need {
                    what: "the dotnet root",
                    path: root.trim_start_matches(r"\\?\").to_string(),
                    rights: acl::READ_AND_EXECUTE,
                    rights_named: "read & execute",
                    symptom: if cx.plan.in_process { "500.0" } else { "502.5" },
                    error: true,
                    consequence:
                        "the worker cannot start `dotnet` or load the runtime (0x80070005)",
                });
            }
        }
        if let Some(section) = cx
            .deployment
            .web_config()
            .and_then(|w| w.aspnetcore.as_ref())
        {
            if section.stdout_log_enabled().unwrap_or(false) {
                if let Some(folder) = acl::stdout_log_folder(&app_dir, section.stdout_log_file()) {
                    needs.push(Need {
                        what: "the stdout log folder",
                        path: folder,
                        rights: acl::CREATE_FILES,
                        rights_named: "create files",
                        symptom: "",
                        error: false,
                        consequence: "ANCM cannot create the stdout log, so the app's start-up output is lost",
                    });
                }
            }
        }
        let mut out = Vec::new();
        for need in needs {
            let Some(facts) = cx.host.acl_of(&need.path) else {
                continue;
            };
            if let Some(e) = &facts.error {
                out.push(Finding::note(format!(
                    "the permissions of {} `{}` could not be read: {e}",
                    need.what, need.path
                )));
                continue;
            }
            let r = acl::check_access(facts.dacl.as_deref(), &who, need.rights);
            if r.granted {
                out.push(Finding::note(format!(
                    "`{}` may {} {} `{}`",
                    who.account, need.rights_named, need.what, need.path
                )));
                continue;
            }
            let why = match &r.denied_by {
                Some(ace) => format!(
                    "a deny entry for `{}` takes away {}",
                    ace.account.as_deref().unwrap_or(&ace.sid),
                    acl::describe_rights(r.missing)
                ),
                None => format!(
                    "no entry grants it {} (to it, `IIS_IUSRS`, `Users` or `Everyone`)",
                    acl::describe_rights(r.missing)
                ),
            };
            let unsure = if who.groups_unknown {
                "; the account's own group memberships are not known here, one of them may grant it"
            } else {
                ""
            };
            let message = format!(
                "`{}` (pool `{}`) may not {} {} `{}`: {why}{unsure}; {}",
                who.account, pool.name, need.rights_named, need.what, need.path, need.consequence
            );
            let mut f = if need.error && !who.groups_unknown {
                Finding::error(message)
            } else {
                Finding::warning(message)
            };
            if !need.symptom.is_empty() {
                f = f.symptom(need.symptom);
            }
            let grant = if need.rights == acl::CREATE_FILES {
                "M"
            } else {
                "RX"
            };
            f = f
                .evidence(
                    "entries",
                    facts
                        .dacl
                        .as_deref()
                        .unwrap_or_default()
                        .iter()
                        .filter(|a| !a.inherit_only)
                        .map(|a| {
                            format!(
                                "{} {} 0x{:08x}{}",
                                if a.allow { "allow" } else { "deny" },
                                a.account.as_deref().unwrap_or(&a.sid),
                                a.mask,
                                if a.inherited { " (inherited)" } else { "" }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                )
                .fix(match &r.denied_by {
                    Some(ace) => format!(
                        "remove the deny entry for `{}` on `{}` (`icacls \"{}\" /remove:d \"{}\"`), or grant the pool explicitly",
                        ace.account.as_deref().unwrap_or(&ace.sid),
                        need.path,
                        need.path,
                        ace.account.as_deref().unwrap_or(&ace.sid)
                    ),
                    None => format!(
                        "grant it: `icacls \"{}\" /grant \"{}:(OI)(CI){grant}\"`",
                        need.path, who.account
                    ),
                });
            out.push(iis_app::with_app(f, &m));
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::{cfg_mut, deployment, findings, host, web_config};
    use crate::host::acl::{Ace, PathAcl};

    fn ace(account: &str, sid: &str, allow: bool, mask: u32) -> Ace {
        Ace {
            sid: sid.into(),
            account: Some(account.into()),
            allow,
            mask,
            inherited: true,
            inherit_only: false,
        }
    }

    fn users_rx() -> Ace {
        ace(r"BUILTIN\Users", "S-1-5-32-545", true, 0x1200a9)
    }

    fn run(h: &crate::host::HostFacts) -> CheckRun {
        let d = deployment(r"C:\apps\Shop", Some(web_config()));
        PoolIdentityRights.run(&Context::new(&d, h))
    }

    fn with_acl(
        mut h: crate::host::HostFacts,
        path: &str,
        aces: Vec<Ace>,
    ) -> crate::host::HostFacts {
        h.path_acls.push(PathAcl {
            path: path.into(),
            dacl: Some(aces),
            error: None,
        });
        h
    }

    #[test]
    fn readable_folder_passes_and_a_deny_for_the_pool_fails_with_500_19() {
        let h = with_acl(host(), r"c:\apps\shop\", vec![users_rx()]);
        let f = findings(run(&h));
        assert!(f.iter().all(|f| f.level == Level::Note), "{f:?}");
        assert!(
            f[0].message.contains("may read & execute the app folder"),
            "{f:?}"
        );

        let pool = cfg_mut(&mut host())
            .find_app(r"C:\apps\Shop", |p| p.replace("%SystemDrive%", "C:"))
            .map(|m| m.application.application_pool.clone())
            .unwrap();
        let deny = ace(
            &format!(r"IIS APPPOOL\{pool}"),
            "S-1-5-82-1",
            false,
            0x1200a9,
        );
        let h = with_acl(host(), r"C:\apps\Shop", vec![deny, users_rx()]);
        let f = findings(run(&h));
        let e = f
            .iter()
            .find(|f| f.level == Level::Error)
            .expect("an error");
        assert_eq!(e.symptom.as_deref(), Some("500.19"));
        assert!(
            e.message.contains("a deny entry for `IIS APPPOOL\\"),
            "{}",
            e.message
        );
        assert!(
            e.fix.as_deref().unwrap().contains("/remove:d"),
            "{:?}",
            e.fix
        );
    }

    #[test]
    fn no_entry_for_the_pool_names_the_grant_and_a_custom_account_is_a_warning() {
        let admins = ace(r"BUILTIN\Administrators", "S-1-5-32-544", true, 0x1f01ff);
        let h = with_acl(host(), r"C:\apps\Shop", vec![admins.clone()]);
        let f = findings(run(&h));
        let e = f
            .iter()
            .find(|f| f.level == Level::Error)
            .expect("an error");
        assert!(e.message.contains("no entry grants it"), "{}", e.message);
        assert!(e.fix.as_deref().unwrap().contains("/grant"), "{:?}", e.fix);

        let mut h = with_acl(host(), r"C:\apps\Shop", vec![admins]);
        let cfg = cfg_mut(&mut h);
        let pool_name = cfg
            .find_app(r"C:\apps\Shop", |p| p.replace("%SystemDrive%", "C:"))
            .map(|m| m.application.application_pool.clone())
            .unwrap();
        let pool = cfg
            .app_pools
            .iter_mut()
            .find(|p| p.name == pool_name)
            .unwrap();
        pool.identity_type = "SpecificUser".into();
        pool.user_name = Some(r"CONTOSO\svc-shop".into());
        let f = findings(run(&h));
        let w = f
            .iter()
            .find(|f| f.level == Level::Warning)
            .expect("a warning");
        assert!(
            w.message.contains("group memberships are not known"),
            "{}",
            w.message
        );
    }

    #[test]
    fn without_acl_facts_it_skips_and_an_unreadable_acl_is_a_note() {
        assert!(matches!(run(&host()), CheckRun::Skip(_)));
        let mut h = host();
        h.path_acls.push(PathAcl {
            path: r"C:\apps\Shop".into(),
            dacl: None,
            error: Some("Access is denied. (os error 5)".into()),
        });
        let f = findings(run(&h));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("could not be read"), "{f:?}");
    }
}
