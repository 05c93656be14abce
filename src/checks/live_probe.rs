//! `live-probe`: the catalog's place for `doctor`'s live probe. The probe itself starts processes,
//! so it lives in `live::probe`; this check only holds the id in pipeline order and says why it
//! did not run when `doctor` was told `--static` (or web.config cannot say how to start the app).
//! `cli::doctor` replaces this result with the probe's.
use super::{Check, CheckRun, Context};
use crate::diagnostic::Level;

pub struct LiveProbe;

impl Check for LiveProbe {
    fn id(&self) -> &'static str {
        crate::live::PROBE_CHECK_ID
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, _cx: &Context<'_>) -> CheckRun {
        CheckRun::Skip("runs only as the live probe (skipped with `--static` or without a usable `aspNetCore` section)".into())
    }
}
