//! `windows-auth-token`: IIS Windows authentication is on for the app while
//! `forwardWindowsAuthToken="false"`, so an out-of-process app never learns who the user is
//! (ancm-reference.md §5 row 52 [DOC D1]). In-process apps get the user from IIS directly.
use super::{iis_app, Check, CheckRun, Context};
use crate::deployment::web_config::HostingModel;
use crate::diagnostic::{Finding, Level};

pub struct WindowsAuthToken;

impl Check for WindowsAuthToken {
    fn id(&self) -> &'static str {
        "windows-auth-token"
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let (cfg, m) = match iis_app::app(cx) {
            Ok(found) => found,
            Err(skip) => return skip,
        };
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable web.config".into());
        };
        let Some(section) = &wc.aspnetcore else {
            return CheckRun::Skip("web.config has no `aspNetCore` section".into());
        };
        let auth = cfg.authentication_for(&m.location_path());
        if !auth.windows || matches!(section.hosting_model(), Ok(HostingModel::InProcess)) {
            return CheckRun::Findings(Vec::new());
        }
        match (section.forward_windows_auth_token(), &section.forward_windows_auth_token) {
            (Ok(false), Some(attr)) => CheckRun::Findings(vec![iis_app::with_app(
                Finding::warning(format!(
                    "`windowsAuthentication` is enabled for `{}` but `forwardWindowsAuthToken=\"false\"`: the app never sees the Windows user",
                    m.location_path()
                ))
                .at(wc.location(attr.span))
                .evidence("anonymous authentication", if auth.anonymous { "enabled" } else { "disabled" })
                .fix("set `forwardWindowsAuthToken=\"true\"` (the default) in the `aspNetCore` element"),
                &m,
            )]),
            _ => CheckRun::Findings(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;

    fn oop(forward: Option<&str>) -> crate::deployment::web_config::WebConfig {
        let mut wc = web_config();
        let s = wc.aspnetcore.as_mut().unwrap();
        s.hosting_model = Some(loc("outofprocess", 8));
        s.forward_windows_auth_token = forward.map(|v| loc(v, 9));
        wc
    }

    #[test]
    fn forwarding_token_passes() {
        assert!(problems(run(
            &WindowsAuthToken,
            &deployment(r"C:\apps\Shop", Some(oop(None))),
            &host()
        ))
        .is_empty());
    }

    #[test]
    fn windows_auth_without_token_warns_at_the_attribute() {
        let f = problems(run(
            &WindowsAuthToken,
            &deployment(r"C:\apps\Shop", Some(oop(Some("false")))),
            &host(),
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.as_ref().unwrap().line, 9);
    }

    #[test]
    fn no_windows_auth_or_in_process_passes() {
        // The legacy site has no Windows authentication.
        assert!(problems(run(
            &WindowsAuthToken,
            &deployment(r"D:\sites\legacy", Some(oop(Some("false")))),
            &host()
        ))
        .is_empty());
        let mut wc = oop(Some("false"));
        wc.aspnetcore.as_mut().unwrap().hosting_model = Some(loc("inprocess", 8));
        assert!(problems(run(
            &WindowsAuthToken,
            &deployment(r"C:\apps\Shop", Some(wc)),
            &host()
        ))
        .is_empty());
    }
}
