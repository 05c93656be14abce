//! `server-evidence`: the catalog's place for what IIS and ANCM already wrote about the app
//! (stdout logs, the module's debug log, the Application event log, Azure's `eventlog.xml`).
//! Reading it is file and event-log I/O, so it lives in `evidence`; this check only holds the id
//! in pipeline order. `cli::doctor` replaces this result with `evidence::attach`'s.
use super::{Check, CheckRun, Context};
use crate::diagnostic::Level;

pub struct ServerEvidence;

impl Check for ServerEvidence {
    fn id(&self) -> &'static str {
        crate::evidence::CHECK_ID
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, _cx: &Context<'_>) -> CheckRun {
        CheckRun::Skip("evidence on disk is read only by `ancm doctor`".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_skips_until_doctor_fills_it() {
        let d = crate::checks::fixtures::iis::deployment(r"C:\apps\Shop", None);
        let h = crate::host::HostFacts::basic();
        let run = ServerEvidence.run(&Context::new(&d, &h));
        assert!(matches!(run, CheckRun::Skip(_)));
    }
}
