//! Shared by the IIS checks: the skip reasons when there is no IIS in the facts, and finding the
//! app's own site/application/pool from its folder. Pure, like every check.
use super::{CheckRun, Context};
use crate::diagnostic::Finding;
use crate::host::iis_config::{AppMatch, AppPool, IisConfig};

/// The parsed applicationHost.config, or the `Skip` to return.
pub(super) fn config<'a>(cx: &Context<'a>) -> Result<&'a IisConfig, CheckRun> {
    if let Some(reason) = cx.host.iis_skip_reason() {
        return Err(CheckRun::Skip(reason));
    }
    cx.host
        .iis_config()
        .ok_or_else(|| CheckRun::Skip("no IIS configuration in the host facts".into()))
}

/// The IIS application whose physical path is the app folder, or the `Skip` to return.
pub(super) fn locate<'a>(cx: &Context<'a>, cfg: &'a IisConfig) -> Result<AppMatch<'a>, CheckRun> {
    let dir = cx.deployment.app_dir.display().to_string();
    cfg.find_app(&dir, |p| cx.host.expand(p)).ok_or_else(|| {
        CheckRun::Skip(format!(
            "`{dir}` is not the physical path of any IIS application in applicationHost.config"
        ))
    })
}

/// The parsed configuration and the app's own IIS application, or the `Skip` to return.
pub(super) fn app<'a>(cx: &Context<'a>) -> Result<(&'a IisConfig, AppMatch<'a>), CheckRun> {
    let cfg = config(cx)?;
    Ok((cfg, locate(cx, cfg)?))
}

/// The app pool the app runs in, when the facts can tell.
pub(super) fn app_pool<'a>(cx: &Context<'a>) -> Option<&'a AppPool> {
    cx.plan.app_pool
}

/// Adds "which IIS application" evidence, saying when it was matched by folder name only.
pub(super) fn with_app(f: Finding, m: &AppMatch<'_>) -> Finding {
    let how = if m.by_folder_name {
        " (matched by folder name only)"
    } else {
        ""
    };
    f.evidence(
        "IIS application",
        format!(
            "`{}` in pool `{}`{how}",
            m.location_path(),
            m.application.application_pool
        ),
    )
}
