//! `shared-configuration`: IIS shared configuration is on (`redirection.config`
//! `<configurationRedirection enabled="true">`), so IIS reads `applicationHost.config` from
//! another path (a file share) and the local file ancm read may not be the one IIS uses; the
//! hosting bundle also refuses to install into it (peers.md §8: dotnet/aspnetcore#4451,
//! `OPT_NO_SHARED_CONFIG_CHECK`, ancm-reference.md §6.3). Pure.
use super::{Check, CheckRun, Context};
use crate::diagnostic::{Finding, Level};

pub struct SharedConfiguration;

impl Check for SharedConfiguration {
    fn id(&self) -> &'static str {
        "shared-configuration"
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(iis) = cx.host.iis.as_ref() else {
            return CheckRun::Skip(cx.host.iis_skip_reason().unwrap_or_else(|| "no IIS".into()));
        };
        match &iis.shared_configuration {
            Some(s) if s.enabled => CheckRun::Findings(vec![Finding::warning(format!(
                "IIS shared configuration is on: IIS reads its configuration from `{}`, not from `{}` that ancm read, so every IIS finding here may describe the wrong file",
                s.path, iis.config_path
            ))
            .evidence("redirection.config", format!("configurationRedirection enabled=\"true\" path=\"{}\"", s.path))
            .fix("run `ancm` on the machine that exports the shared configuration, or copy the shared `applicationHost.config` over the local one to check it; install the hosting bundle with `OPT_NO_SHARED_CONFIG_CHECK=1` and add the module to the shared file by hand")]),
            _ => CheckRun::Findings(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;

    #[test]
    fn redirection_on_warns_and_off_passes() {
        let d = deployment(r"C:\apps\Shop", Some(web_config()));
        let mut h = host();
        assert!(findings(run(&SharedConfiguration, &d, &h)).is_empty());
        h.iis.as_mut().unwrap().shared_configuration =
            Some(crate::host::iis_config::SharedConfiguration {
                enabled: true,
                path: r"\\fs01\iisconfig".into(),
            });
        let f = problems(run(&SharedConfiguration, &d, &h));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains(r"\\fs01\iisconfig"));
    }
}
