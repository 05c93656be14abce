//! `section-locked`: web.config sets a section that applicationHost.config locks for this app
//! (`overrideModeDefault="Deny"` not unlocked by a `<location overrideMode="Allow">`, or a
//! `<location overrideMode="Deny">`). IIS answers 500.19 "This configuration section cannot be
//! used at this path" with 0x80070021; `windowsAuthentication` is the usual one (peers.md §8 row
//! 13: dotnet/AspNetCore.Docs#12144). Pure.
use super::{iis_app, Check, CheckRun, Context};
use crate::deployment::web_config::elements::system_web_server;
use crate::diagnostic::{Finding, Level};
use crate::host::iis_config::SectionMode;

pub struct SectionLocked;

impl Check for SectionLocked {
    fn id(&self) -> &'static str {
        "section-locked"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable `web.config`".into());
        };
        let (cfg, m) = match iis_app::app(cx) {
            Ok(x) => x,
            Err(skip) => return skip,
        };
        if cfg.declared_sections.is_empty() {
            return CheckRun::Skip("the host facts list no declared configuration sections (a snapshot from an older ancm): re-create it with `ancm host --format json`".into());
        }
        let location = m.location_path();
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for e in system_web_server(wc) {
            // Only the element that opens a section (not its children).
            let Some(section) = cfg.section_of(&e.path) else {
                continue;
            };
            if !section.path.eq_ignore_ascii_case(&e.path) || seen.contains(&section.path) {
                continue;
            }
            seen.push(section.path.clone());
            if let SectionMode::Locked { by_location } = cfg.section_mode(&location, &e.path) {
                let by = match by_location {
                    Some(l) if l.is_empty() => {
                        "`<location path=\"\" overrideMode=\"Deny\">`".to_string()
                    }
                    Some(l) => format!("`<location path=\"{l}\" overrideMode=\"Deny\">`"),
                    None => "its declaration (`overrideModeDefault=\"Deny\"`)".to_string(),
                };
                let section_name = section.path.trim_start_matches("system.webServer/");
                out.push(iis_app::with_app(
                    Finding::error(format!(
                        "web.config sets `{section_name}`, which applicationHost.config locks for this app by {by}: IIS answers 500.19 (0x80070021) for every request"
                    ))
                    .at(wc.location(e.span))
                    .symptom("500.19")
                    .fix(format!(
                        "unlock it for the app on the server (`%windir%\\system32\\inetsrv\\appcmd unlock config \"{location}\" -section:{}`), or set it in applicationHost.config and remove it from web.config",
                        section.path
                    )),
                    &m,
                ));
            }
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;
    use crate::host::iis_config::LocationOverrideMode;

    const WINAUTH: &str = "<configuration>\n<system.webServer>\n  <modules><remove name=\"WebDAVModule\" /></modules>\n  <security><authentication>\n    <windowsAuthentication enabled=\"true\" />\n  </authentication></security>\n</system.webServer>\n</configuration>";

    #[test]
    fn windows_authentication_locked_by_default_is_500_19() {
        let f = problems(run(
            &SectionLocked,
            &deployment(r"C:\apps\Shop", Some(shop_web_config(WINAUTH))),
            &host(),
        ));
        // `modules` is unlocked by `<location path="" overrideMode="Allow">` in the fixture.
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0]
            .message
            .contains("security/authentication/windowsAuthentication"));
        assert_eq!(f[0].location.as_ref().unwrap().line, 5);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
    }

    #[test]
    fn unlocked_for_the_app_passes_and_a_deny_location_locks_again() {
        let mut h = host();
        cfg_mut(&mut h).override_modes.push(LocationOverrideMode {
            location: "Default Web Site/shop".into(),
            override_mode: "Allow".into(),
            elements: vec!["system.webServer/security/authentication/windowsAuthentication".into()],
        });
        let d = deployment(r"C:\apps\Shop", Some(shop_web_config(WINAUTH)));
        assert!(problems(run(&SectionLocked, &d, &h)).is_empty());
        cfg_mut(&mut h).override_modes.push(LocationOverrideMode {
            location: "".into(),
            override_mode: "Deny".into(),
            elements: vec!["system.webServer/modules".into()],
        });
        let f = problems(run(&SectionLocked, &d, &h));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("`modules`"), "{}", f[0].message);
    }
}
