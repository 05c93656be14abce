//! `live-site`: the catalog's place for `doctor --url`. Asking the live site is network I/O, so
//! it lives in `live::site`; this check only holds the id in pipeline order and says why it did
//! not run. `cli::doctor` replaces this result with `live::site::correlate`'s.
use super::{Check, CheckRun, Context};
use crate::diagnostic::Level;

pub struct LiveSite;

impl Check for LiveSite {
    fn id(&self) -> &'static str {
        crate::live::site::CHECK_ID
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, _cx: &Context<'_>) -> CheckRun {
        CheckRun::Skip("runs only with `ancm doctor --url URL`".into())
    }
}
