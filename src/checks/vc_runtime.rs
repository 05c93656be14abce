//! `vc-runtime`: the VC++ 2015+ runtime (`msvcp140.dll`, `vcruntime140.dll`) the module may need
//! is present in `System32` (64-bit workers) and `SysWOW64` (32-bit workers). Without it the
//! module DLL fails to load ("The data is the error.") on older Windows (ancm-reference.md §5
//! row 10 [INFER: detection], peers.md §1.1 step 7).
use super::{iis_app, Check, CheckRun, Context};
use crate::diagnostic::{Finding, Level};

pub struct VcRuntime;

impl Check for VcRuntime {
    fn id(&self) -> &'static str {
        "vc-runtime"
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        if let Some(reason) = cx.host.iis_skip_reason() {
            return CheckRun::Skip(reason);
        }
        if cx.host.vc_runtime.is_empty() {
            return CheckRun::Skip("the host facts do not list the VC++ runtime files".into());
        }
        // 32-bit files matter only when the app's pool (or, if unknown, any pool) is 32-bit.
        let pool_32 = iis_app::config(cx)
            .ok()
            .is_some_and(|cfg| match iis_app::locate(cx, cfg) {
                Ok(m) => cfg
                    .pool(&m.application.application_pool)
                    .is_some_and(|p| p.enable_32bit_app_on_win64),
                Err(_) => cfg.app_pools.iter().any(|p| p.enable_32bit_app_on_win64),
            });
        let mut out = Vec::new();
        for f in cx.host.vc_runtime.iter().filter(|f| !f.exists) {
            let wow = f.path.to_ascii_lowercase().contains("syswow64");
            if wow && !pool_32 {
                continue;
            }
            out.push(
                Finding::warning(format!(
                    "`{}` is missing: the ASP.NET Core Module may fail to load in {} worker processes",
                    f.path,
                    if wow { "32-bit" } else { "64-bit" }
                ))
                .symptom("503")
                .fix("install the Visual C++ 2015-2022 Redistributable, both x64 and x86, then `iisreset`"),
            );
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;

    #[test]
    fn present_passes() {
        assert!(problems(run(&VcRuntime, &deployment(r"C:\apps\Shop", None), &host())).is_empty());
    }

    #[test]
    fn missing_64_bit_warns_and_32_bit_only_for_32_bit_pools() {
        let mut h = host();
        for f in &mut h.vc_runtime {
            f.exists = false;
        }
        let f = problems(run(&VcRuntime, &deployment(r"C:\apps\Shop", None), &h));
        assert_eq!(f.len(), 2, "only System32 for the 64-bit ShopPool: {f:?}");
        let f = problems(run(&VcRuntime, &deployment(r"D:\sites\legacy", None), &h));
        assert_eq!(f.len(), 4, "LegacyPool is 32-bit: {f:?}");
    }

    #[test]
    fn skips_off_windows() {
        let mut h = host();
        h.iis = None;
        h.os = "linux".into();
        assert!(matches!(
            run(&VcRuntime, &deployment("/srv/app", None), &h),
            CheckRun::Skip(_)
        ));
    }
}
