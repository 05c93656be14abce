//! The one map from a failure to the status IIS shows, by hosting model and module version
//! (ancm-protocol.md §4.9, §9; ancm-reference.md §5): the static checks ask it what a start
//! failure they predict will look like, the emulator what the failure it reproduced would show.
//! Pure.
use super::module::ModuleVersion;
use crate::deployment::web_config::HostingModel;

/// What kind of trouble, for the IIS symptom mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    Start(StartKind),
    /// Connect refused / reset / malformed answer from the app.
    UpstreamError,
    /// No answer within requestTimeout.
    UpstreamTimeout,
    /// The app answered 400 to a request without the right pairing token.
    TokenMismatch,
    Offline,
}

/// The start failures that differ in their IIS symptom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartKind {
    /// The app ran and exited (or threw) before listening: 500.30 in-process.
    Crash,
    /// The .NET host failed resolving the app before `Main`: a framework not found, the app's
    /// `.dll` or hostpolicy missing, an argument the muxer takes for an SDK command, a broken
    /// deps.json or runtimeconfig. In-process ANCM runs that resolution itself
    /// (`hostfxr_get_native_search_directories`), and any failure of it is 500.31 "ANCM Failed to
    /// Find Native Dependencies" (aspnetcore `HandlerResolver.cpp`
    /// `FindNativeAssemblyFromHostfxr`; ancm-protocol.md §4.10).
    HostFailure,
    /// The app's main `.dll` is not there (in-process: single-file bundle, or `App.exe` without
    /// `App.dll`; ancm-reference.md §5 row 26).
    AppDllNotFound,
    Timeout,
    WrongPort,
    ForeignListener,
    /// The executable could not be started (not found, not executable): 500.0 in-process.
    SpawnFailed,
    RapidFail,
    /// web.config cannot say how to start the app: 500.0 in-process (row 17).
    Config,
}

/// The status IIS shows for `trouble`, for the hosting model and module version in use; `None`
/// when that configuration would not fail this way.
///
/// Out-of-process, both module versions answer start failures with 502.5 and forwarding
/// failures with 502.3 (ancm-protocol.md §4.9 [SRC], §9). V1 had no ownership check on the
/// listener (§9 [SRC]), so where V2 refuses a foreign listener with 502.5, V1 forwarded to it and
/// the request failed as 502.3 [INFER]. In-process, start failures become 500.30 (crash), 500.31
/// (the host cannot resolve the app), 500.37 (startup time limit), 500.0 (executable not
/// found) and 500.38 (app dll missing next to an apphost)
/// (ancm-reference.md §5 rows 14, 18, 25, 26, 27); an in-process app does not listen on a port, so a
/// wrong-port app would run there.
pub fn iis_symptom(
    trouble: Trouble,
    hosting: HostingModel,
    module: ModuleVersion,
) -> Option<&'static str> {
    use StartKind::*;
    match (hosting, trouble) {
        (_, Trouble::Offline) => Some("503"),
        (_, Trouble::TokenMismatch) => Some("400"),
        (HostingModel::OutOfProcess, Trouble::UpstreamError | Trouble::UpstreamTimeout) => {
            Some("502.3")
        }
        (HostingModel::InProcess, Trouble::UpstreamError | Trouble::UpstreamTimeout) => None,
        (HostingModel::OutOfProcess, Trouble::Start(ForeignListener))
            if module == ModuleVersion::V1 =>
        {
            Some("502.3")
        }
        (HostingModel::OutOfProcess, Trouble::Start(_)) => Some("502.5"),
        (HostingModel::InProcess, Trouble::Start(k)) => match k {
            Crash => Some("500.30"),
            HostFailure => Some("500.31"),
            Timeout => Some("500.37"),
            AppDllNotFound => Some("500.38"),
            SpawnFailed | Config => Some("500.0"),
            WrongPort | ForeignListener | RapidFail => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symptoms_follow_hosting_model_and_module() {
        use HostingModel::*;
        use ModuleVersion::*;
        let crash = Trouble::Start(StartKind::Crash);
        assert_eq!(iis_symptom(crash, OutOfProcess, V2), Some("502.5"));
        assert_eq!(iis_symptom(crash, InProcess, V2), Some("500.30"));
        assert_eq!(
            iis_symptom(Trouble::Start(StartKind::HostFailure), InProcess, V2),
            Some("500.31")
        );
        assert_eq!(
            iis_symptom(Trouble::Start(StartKind::Timeout), InProcess, V2),
            Some("500.37")
        );
        let foreign = Trouble::Start(StartKind::ForeignListener);
        assert_eq!(iis_symptom(foreign, OutOfProcess, V2), Some("502.5"));
        assert_eq!(iis_symptom(foreign, OutOfProcess, V1), Some("502.3"));
        assert_eq!(
            iis_symptom(Trouble::UpstreamTimeout, OutOfProcess, V2),
            Some("502.3")
        );
        assert_eq!(
            iis_symptom(Trouble::Start(StartKind::WrongPort), InProcess, V2),
            None
        );
    }
}
