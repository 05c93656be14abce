//! `process-path`: `processPath` + `arguments` start this app, as ANCM resolves them
//! (ancm-protocol.md §2.2, ancm-reference.md §7.2–7.3): the target exists, fits the app's kind
//! (the seed's `.\App.exe` for a portable app that only has `App.dll`), is a Windows executable,
//! and can run under the hosting model (no single-file bundle or .NET Framework in-process).
//! Pure: all facts come from the deployment's layout.
use super::{Check, CheckRun, Context};
use crate::contract::command_line::{extension, file_name};
use crate::contract::module::Hosting;
use crate::contract::{LaunchTarget, PathState, Program, PublishedLaunch, StartKind};
use crate::deployment::binary::{BinaryInfo, BundleMarker};
use crate::deployment::layout::{AppKind, AppLayout};
use crate::deployment::web_config::{AspNetCoreSection, WebConfig};
use crate::diagnostic::{Finding, Level, Location};

pub struct ProcessPath;

impl Check for ProcessPath {
    fn id(&self) -> &'static str {
        "process-path"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable `web.config`".into());
        };
        let Some(section) = wc.aspnetcore.as_ref() else {
            return CheckRun::Skip("no `aspNetCore` section in `web.config`".into());
        };
        let layout = &cx.deployment.layout;
        let Some(target) = cx.plan.target.clone() else {
            return CheckRun::Skip("no `aspNetCore` section in `web.config`".into());
        };
        let s = Situation::new(wc, section, layout, target);
        s.run()
    }
}

/// Everything one run looks at, with the locations findings point to.
struct Situation<'a> {
    layout: &'a AppLayout,
    hosting: Hosting,
    target: LaunchTarget,
    pp_loc: Location,
    args_loc: Location,
}

impl<'a> Situation<'a> {
    fn new(
        wc: &'a WebConfig,
        section: &'a AspNetCoreSection,
        layout: &'a AppLayout,
        target: LaunchTarget,
    ) -> Self {
        let section_loc = wc.location(section.span);
        let pp_loc = section
            .process_path
            .as_ref()
            .map(|l| wc.location(l.span))
            .unwrap_or_else(|| section_loc.clone());
        let args_loc = section
            .arguments
            .as_ref()
            .map(|l| wc.location(l.span))
            .unwrap_or_else(|| pp_loc.clone());
        Situation {
            layout,
            hosting: Hosting::of(wc, section),
            target,
            pp_loc,
            args_loc,
        }
    }

    /// A finding with the evidence every finding of this check carries.
    fn finding(&self, level: Level, message: String, at_args: bool) -> Finding {
        let loc = if at_args {
            self.args_loc.clone()
        } else {
            self.pp_loc.clone()
        };
        let app = match &self.layout.app_name {
            Some(name) => format!("`{name}`, {}", self.layout.kind.describe()),
            None => self.layout.kind.describe().to_string(),
        };
        // In-process nothing is spawned; the command line is what hostfxr is given instead.
        let label = if self.hosting.in_process() {
            "equivalent command line"
        } else {
            "command line ANCM runs"
        };
        Finding::new(level, message)
            .at(loc)
            .evidence(label, self.target.command_line().trim_end().to_string())
            .evidence("app in the folder", app)
            .evidence("hosting", self.hosting.describe())
    }

    /// What web.config should say for the app in this folder: what publish writes for it
    /// (`contract::publish`, the same rule `ancm fix` applies).
    fn suggestion(&self) -> Option<String> {
        let p = PublishedLaunch::for_layout(self.layout)?;
        Some(match p.arguments("", false) {
            Some(args) => format!(r#"processPath="{}" arguments="{args}""#, p.process_path()),
            None => format!(r#"processPath="{}""#, p.process_path()),
        })
    }

    fn fix_or(&self, otherwise: &str) -> String {
        match self.suggestion() {
            Some(s) => format!("set `{s}` for this folder"),
            None => otherwise.to_string(),
        }
    }

    fn run(&self) -> CheckRun {
        // Visual Studio's placeholders and an empty `processPath` are the findings of
        // `launcher-placeholders` and `aspnetcore-attributes`; there is no target to compare.
        if self.has_launcher_placeholder() {
            return CheckRun::Skip(
                "`processPath`/`arguments` hold Visual Studio's `%LAUNCHER_PATH%`/`%LAUNCHER_ARGS%` placeholders (see `launcher-placeholders`)".into(),
            );
        }
        let mut out = Vec::new();
        match &self.target.program {
            Program::Missing => return CheckRun::Skip("`processPath` is empty".into()),
            Program::Unexpanded { vars } => out.push(Finding::note(format!(
                "`processPath` uses {}, which the host facts do not define: not checked",
                vars.iter()
                    .map(|v| format!("`%{v}%`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            Program::Muxer => self.muxer(&mut out),
            Program::AppFolder { rel, state } => self.app_folder(rel, *state, &mut out),
            Program::Search { name } => self.search(name, &mut out),
            Program::Absolute { path } => out.push(Finding::note(format!(
                "`processPath` is the absolute path `{path}`: whether it exists is a fact of the server, not of this folder"
            ))),
        }
        CheckRun::Findings(out)
    }

    fn has_launcher_placeholder(&self) -> bool {
        let t = &self.target;
        t.process_path
            .unresolved
            .iter()
            .chain(&t.arguments.unresolved)
            .any(|v| {
                v.eq_ignore_ascii_case("LAUNCHER_PATH") || v.eq_ignore_ascii_case("LAUNCHER_ARGS")
            })
    }

    /// `dotnet <args>`: the first argument must be the app's `.dll` (ancm-reference.md §5 rows
    /// 16 and 33; in-process also requires non-empty arguments, §7.2). Empty arguments are ANCM's
    /// own refusal (500.0 in-process); every other failure here is the host's, which in-process
    /// ANCM meets inside `hostfxr_get_native_search_directories`: 500.31 (aspnetcore
    /// `HandlerResolver.cpp`; `HostFxrResolver.cpp` does not check the `.dll` exists). Row 16's
    /// 500.0 is the 2.2-era page.
    fn muxer(&self, out: &mut Vec<Finding>) {
        let app = self.layout.app_name.as_deref();
        let dll_fix = || match app {
            Some(a) if self.layout.main_dll.is_some() => format!(r#"set `arguments=".\{a}.dll"`"#),
            _ => "set `arguments` to the app's `.dll`, e.g. `.\\App.dll`".to_string(),
        };
        let Some(arg) = &self.target.app_argument else {
            let detail = if self.hosting.in_process() {
                "ANCM refuses to start (\"Application arguments are empty.\")"
            } else {
                "`dotnet` alone prints its usage and exits (0x80008081)"
            };
            out.push(
                self.finding(
                    Level::Error,
                    format!("`processPath` is `dotnet` but `arguments` is empty: {detail}"),
                    true,
                )
                .symptom(self.hosting.start_failure(StartKind::SpawnFailed))
                .fix(dll_fix()),
            );
            return;
        };
        // A self-contained app started with `dotnet` is `self-contained`'s finding.
        let name = file_name(&arg.text);
        if arg.text.starts_with('-') || arg.text.eq_ignore_ascii_case("exec") {
            out.push(Finding::note(format!(
                "`arguments` starts with the muxer option `{}`: not checked",
                arg.text
            )));
            return;
        }
        if extension(name).as_deref() != Some("dll") {
            out.push(
                self.finding(
                    Level::Error,
                    format!(
                        "`dotnet` runs the app's `.dll`, but the first argument is `{}`: the muxer takes it for an SDK command and exits (\"Did you mean to run .NET Core SDK commands?\", 0x80008091)",
                        arg.text
                    ),
                    true,
                )
                .symptom(self.hosting.start_failure(StartKind::HostFailure))
                .fix(dll_fix()),
            );
            return;
        }
        match arg.state {
            PathState::Missing => {
                let mut f = self
                    .finding(
                        Level::Error,
                        format!(
                            "`arguments` names `{}`, which is not in the app folder: `dotnet` then takes it for an SDK command and exits (\"Did you mean to run .NET Core SDK commands?\", 0x80008091)",
                            arg.text
                        ),
                        true,
                    )
                    .symptom(self.hosting.start_failure(StartKind::HostFailure));
                if let Some(dll) = &self.layout.main_dll {
                    f = f.evidence("the app's `.dll`", dll.name.clone());
                }
                out.push(f.fix(dll_fix()));
            }
            PathState::Dir => out.push(
                self.finding(
                    Level::Error,
                    format!("`arguments` names `{}`, which is a folder", arg.text),
                    true,
                )
                .symptom(self.hosting.start_failure(StartKind::HostFailure))
                .fix(dll_fix()),
            ),
            PathState::File => self.dll_without_runtimeconfig(&arg.text, out),
            PathState::Unknown => {}
        }
    }

    /// `dotnet Other.dll` where `Other.runtimeconfig.json` is missing: the host assumes a
    /// self-contained app and fails to find hostpolicy (hostfxr.md §1, §5.4, 0x80008083).
    fn dll_without_runtimeconfig(&self, arg: &str, out: &mut Vec<Finding>) {
        let name = file_name(arg);
        let stem = &name[..name.len() - 4];
        let rc = format!("{stem}.runtimeconfig.json");
        // Only checkable for a top-level dll: the runtimeconfig sits next to it.
        if arg.trim_start_matches(".\\").contains(['\\', '/']) {
            return;
        }
        if self.layout.file_name_on_disk(&rc).is_none() && !self.layout.runtime().has_host() {
            out.push(
                self.finding(
                    Level::Error,
                    format!("`{name}` has no `{rc}` next to it: the host runs it as a self-contained app and fails to find `hostpolicy`"),
                    true,
                )
                .symptom(self.hosting.start_failure(StartKind::HostFailure))
                .fix(format!(
                    "deploy `{rc}` from the publish output (a filtered copy often drops it){}",
                    match &self.layout.app_name {
                        Some(a) if !a.eq_ignore_ascii_case(stem) => format!(", or start the app `{a}.dll`"),
                        _ => String::new(),
                    }
                )),
            );
        }
    }

    /// A path tried in the app folder first (ancm-protocol.md §2.2 step 2).
    fn app_folder(&self, rel: &str, state: PathState, out: &mut Vec<Finding>) {
        let shown = format!(".\\{}", rel.replace('/', "\\"));
        let ext = extension(rel);
        // In-process ANCM appends `.exe` to a path without extension (ancm-reference.md §7.2).
        if self.hosting.in_process() && ext.is_none() {
            let with_exe = format!("{rel}.exe");
            if !self.layout_state(&with_exe).exists() {
                out.push(self.not_windows_exe_or_missing(rel, state, &shown, true));
            }
            return;
        }
        match state {
            PathState::Missing => out.push(self.missing_exe(rel, &shown)),
            PathState::Dir => out.push(
                self.finding(
                    Level::Error,
                    format!("`processPath` names `{shown}`, which is a folder"),
                    false,
                )
                .symptom(self.hosting.start_failure(StartKind::SpawnFailed))
                .fix(self.fix_or("point `processPath` at the app's `.exe` or `dotnet`")),
            ),
            PathState::File => self.existing_program(rel, &shown, ext.as_deref(), out),
            PathState::Unknown => {}
        }
    }

    fn layout_state(&self, rel: &str) -> PathState {
        use crate::contract::AppFolder;
        self.layout.state(rel)
    }

    /// The seed's case first: `.\App.exe` for a portable app that only has `App.dll`.
    fn missing_exe(&self, rel: &str, shown: &str) -> Finding {
        let name = file_name(rel);
        let stem = match extension(name).as_deref() {
            Some("exe") => &name[..name.len() - 4],
            _ => name,
        };
        let has_dll = self
            .layout
            .file_name_on_disk(&format!("{stem}.dll"))
            .is_some();
        let framework_dependent = self
            .layout
            .runtime_config()
            .is_some_and(|rc| !rc.frameworks.is_empty());
        let start = if self.hosting.in_process() {
            "ANCM stops with \"Executable was not found\""
        } else {
            "Windows cannot create the process (0x80070002, file not found)"
        };
        let message = if has_dll && framework_dependent {
            format!("`processPath` is `{shown}` but there is no `{name}`: this is a portable app with only `{stem}.dll`; {start}")
        } else if !self.hosting.in_process()
            && extension(name).is_none()
            && self
                .layout
                .file_name_on_disk(&format!("{name}.exe"))
                .is_some()
        {
            // ANCM keeps a relative path it cannot open as written; CreateProcess then resolves
            // it against w3wp's current folder, not the app folder [INFER from §2.2 step 4].
            format!("`processPath` is `{shown}` without `.exe`: ANCM looks for a file named exactly `{name}` in the app folder, and Windows then searches w3wp's folder instead, so `{name}.exe` is not found")
        } else {
            format!("`processPath` names `{shown}`, which is not in the app folder: {start}")
        };
        self.finding(Level::Error, message, false)
            .symptom(self.hosting.start_failure(StartKind::SpawnFailed))
            .fix(self.fix_or("deploy the missing file, or point `processPath` at what the publish output contains"))
    }

    /// `processPath` names a file that is there: is it something Windows and ANCM can start?
    fn existing_program(&self, rel: &str, shown: &str, ext: Option<&str>, out: &mut Vec<Finding>) {
        let name = file_name(rel);
        if ext == Some("dll") {
            let stem = &name[..name.len() - 4];
            out.push(
                self.finding(
                    Level::Error,
                    if self.hosting.in_process() {
                        format!("`processPath` is the library `{shown}`: in-process ANCM only starts an `.exe` (\"doesn't have '.exe' extension\")")
                    } else {
                        format!("`processPath` is the library `{shown}`: Windows cannot start a `.dll` (0x800700c1)")
                    },
                    false,
                )
                .symptom(self.hosting.start_failure(StartKind::SpawnFailed))
                .fix(format!(r#"set `processPath="dotnet" arguments=".\{stem}.dll"`"#)),
            );
            return;
        }
        let Some(target) = &self.layout.process_target else {
            return;
        };
        let info = match &target.binary {
            Ok(info) => info,
            Err(_) if ext == Some("exe") => {
                out.push(
                    self.finding(
                        Level::Error,
                        format!("`{shown}` is not a Windows executable (no PE header)"),
                        false,
                    )
                    .symptom(self.hosting.start_failure(StartKind::SpawnFailed))
                    .fix("redeploy the publish output; the file is damaged or a placeholder"),
                );
                return;
            }
            Err(_) => return,
        };
        if !info.format.is_pe() {
            out.push(self.foreign_executable(shown, info));
            return;
        }
        let stem = match ext {
            Some("exe") => &name[..name.len() - 4],
            _ => name,
        };
        let dll = format!("{stem}.dll");
        let has_dll = self.layout.file_name_on_disk(&dll).is_some();
        if info.is_managed() {
            // A managed exe without runtimeconfig: .NET Framework (hostfxr.md §7).
            if self.layout.kind == AppKind::NetFramework && self.hosting.in_process() {
                out.push(
                    self.finding(
                        Level::Error,
                        format!("`{shown}` is a .NET Framework app: in-process hosting only runs .NET Core / .NET 5+ apps"),
                        false,
                    )
                    .evidence("header", info.describe())
                    .symptom(if has_dll { "500.0" } else { "500.38" })
                    .fix(r#"set `hostingModel="outofprocess"` (ANCM then starts the exe as a child process)"#),
                );
            }
            return;
        }
        match target.bundle {
            Some(BundleMarker::Bundle { header_offset }) if self.hosting.in_process() => {
                out.push(
                        self.finding(
                            Level::Error,
                            format!("`{shown}` is a single-file bundle: in-process hosting cannot load it (\"Single-file deployments are not supported in IIS\")"),
                            false,
                        )
                        .evidence("bundle header offset", format!("0x{header_offset:x}"))
                        .symptom("500.38")
                        .fix(r#"publish with `-p:PublishSingleFile=false`, or set `hostingModel="outofprocess"`"#),
                    );
            }
            Some(BundleMarker::PlainApphost) if !has_dll => out.push(
                self.finding(
                    Level::Error,
                    format!("`{shown}` is an apphost, but `{dll}` (the app it starts) is not next to it: the host stops with \"The application to execute does not exist\""),
                    false,
                )
                .symptom(self.hosting.start_failure(StartKind::AppDllNotFound))
                .fix(format!("deploy `{dll}` with the apphost (copy the whole publish output)")),
            ),
            // .NET Core 2.x apphosts predate the marker: with the app's `.dll` beside it, fine.
            Some(BundleMarker::Absent) if !has_dll => out.push(Finding::note(format!(
                "`{shown}` is a native program without the .NET apphost marker: ancm cannot tell what it starts"
            ))),
            _ => {}
        }
    }

    /// An ELF / Mach-O apphost (published for a Linux / macOS RID) in a folder meant for IIS.
    fn foreign_executable(&self, shown: &str, info: &BinaryInfo) -> Finding {
        let stem = self.layout.app_name.clone().unwrap_or_else(|| "App".into());
        self.finding(
            Level::Error,
            format!(
                "`{shown}` is a {} executable ({}): IIS on Windows cannot start it",
                info.format.os(),
                info.describe()
            ),
            false,
        )
        .symptom(self.hosting.start_failure(StartKind::SpawnFailed))
        .fix(format!(
            r#"publish for Windows (`dotnet publish -r win-x64`, then `processPath=".\{stem}.exe"`) or framework-dependent without a RID (`processPath="dotnet" arguments=".\{stem}.dll"`)"#
        ))
    }

    fn not_windows_exe_or_missing(
        &self,
        rel: &str,
        state: PathState,
        shown: &str,
        _ip: bool,
    ) -> Finding {
        let foreign = (state == PathState::File)
            .then_some(self.layout.process_target.as_ref())
            .flatten()
            .and_then(|t| t.info())
            .filter(|i| !i.format.is_pe());
        if let Some(info) = foreign {
            return self.foreign_executable(shown, info);
        }
        self.finding(
            Level::Error,
            format!("in-process ANCM appends `.exe` to `{shown}`, and there is no `{}.exe`: ANCM stops with \"Executable was not found\"", file_name(rel)),
            false,
        )
        .symptom("500.0")
        .fix(self.fix_or("point `processPath` at the app's `.exe`"))
    }

    /// A bare name that is not in the app folder: Windows searches w3wp's folder, System32 and
    /// PATH — never the app folder (ancm-protocol.md §2.2 step 4).
    fn search(&self, name: &str, out: &mut Vec<Finding>) {
        let ext = extension(name);
        let stem = match ext.as_deref() {
            Some("exe") => &name[..name.len() - 4],
            _ => name,
        };
        let belongs_to_app = matches!(ext.as_deref(), None | Some("exe"))
            && (self
                .layout
                .file_name_on_disk(&format!("{stem}.dll"))
                .is_some()
                || self
                    .layout
                    .file_name_on_disk(&format!("{stem}.exe"))
                    .is_some()
                || self
                    .layout
                    .app_name
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(stem)));
        if belongs_to_app {
            if self.hosting.in_process()
                && self
                    .layout
                    .file_name_on_disk(&format!("{stem}.exe"))
                    .is_some()
            {
                return;
            }
            out.push(self.missing_exe(name, name));
        } else {
            out.push(Finding::note(format!(
                "`processPath` `{name}` is not in the app folder: Windows looks for it on the worker's PATH (a fact of the server)"
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::checks::run_one;
    use crate::contract::PathState;
    use crate::deployment::binary::{test_images, BundleMarker};
    use crate::deployment::layout::AppFile;
    use crate::deployment::Deployment;
    use crate::diagnostic::{CheckResult, Outcome};

    fn run(d: &Deployment) -> CheckResult {
        let h = host("linux");
        run_one(&ProcessPath, &Context::new(d, &h))
    }

    fn attrs(pp: &str, args: Option<&str>, model: Option<&str>) -> Vec<(&'static str, String)> {
        let mut v = vec![("processPath", pp.to_string())];
        if let Some(a) = args {
            v.push(("arguments", a.to_string()));
        }
        if let Some(m) = model {
            v.push(("hostingModel", m.to_string()));
        }
        v
    }

    fn dep(a: &[(&'static str, String)], files: &[&str], rc: Option<&str>) -> Deployment {
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        deployment(web_config("AspNetCoreModuleV2", &a), files, rc, &[])
    }

    fn only_error(r: &CheckResult) -> &Finding {
        let errors: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.level == Level::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{:#?}", r.findings);
        errors[0]
    }

    fn pe_file(name: &str, bytes: Vec<u8>) -> AppFile {
        AppFile {
            name: name.into(),
            path: name.into(),
            binary: crate::deployment::binary::parse_header(std::path::Path::new(name), &bytes[..])
                .map_err(|e| e.to_string()),
            bundle: crate::deployment::binary::scan_bundle_marker(&bytes[..]).ok(),
        }
    }

    #[test]
    fn healthy_portable_passes() {
        let r = run(&healthy());
        assert_eq!(r.outcome, Outcome::Pass, "{:#?}", r.findings);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn seed_exe_for_portable_app_out_of_process() {
        let d = dep(
            &attrs(r".\App.exe", None, None),
            &["App.dll", "App.runtimeconfig.json"],
            Some(FDD),
        );
        let r = run(&d);
        assert_eq!(r.outcome, Outcome::Fail);
        let f = only_error(&r);
        assert!(
            f.message.contains("portable app with only `App.dll`"),
            "{}",
            f.message
        );
        assert_eq!(f.symptom.as_deref(), Some("502.5"));
        assert_eq!(f.location.as_ref().unwrap().line, 7);
        assert_eq!(f.location.as_ref().unwrap().column, 20);
        assert!(f
            .fix
            .as_ref()
            .unwrap()
            .contains(r#"processPath="dotnet" arguments=".\App.dll""#));
    }

    #[test]
    fn seed_exe_for_portable_app_in_process_is_500_0() {
        let d = dep(
            &attrs(r".\App.exe", None, Some("inprocess")),
            &["App.dll", "App.runtimeconfig.json"],
            Some(FDD),
        );
        let f = only_error(&run(&d)).clone();
        assert_eq!(f.symptom.as_deref(), Some("500.0"));
        assert!(f.message.contains("Executable was not found"));
    }

    #[test]
    fn launcher_placeholders_are_left_to_their_own_check() {
        let d = dep(
            &attrs("%LAUNCHER_PATH%", Some("%LAUNCHER_ARGS%"), None),
            &["App.dll", "App.runtimeconfig.json"],
            Some(FDD),
        );
        assert_eq!(run(&d).outcome, Outcome::Skip);
        let d = dep(
            &attrs("dotnet", Some("%LAUNCHER_ARGS%"), None),
            &["App.dll"],
            Some(FDD),
        );
        assert_eq!(run(&d).outcome, Outcome::Skip);
    }

    #[test]
    fn dotnet_without_arguments() {
        let d = dep(
            &attrs("dotnet", None, Some("inprocess")),
            &["App.dll"],
            Some(FDD),
        );
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains("Application arguments are empty"));
        assert_eq!(f.symptom.as_deref(), Some("500.0"));
    }

    #[test]
    fn dotnet_with_wrong_dll() {
        let d = dep(
            &attrs("dotnet", Some(r".\HelloWorld.dll"), None),
            &["App.dll", "App.runtimeconfig.json"],
            Some(FDD),
        );
        let mut d = d;
        d.layout.main_dll = Some(pe_file("App.dll", vec![]));
        let r = run(&d);
        let f = only_error(&r);
        assert!(f.message.contains("not in the app folder"));
        assert_eq!(f.symptom.as_deref(), Some("502.5"));
        assert_eq!(f.location.as_ref().unwrap().line, 8, "located at arguments");
        assert!(f.fix.as_ref().unwrap().contains(r".\App.dll"));
    }

    /// In-process, the host's failure to resolve the app is met inside
    /// `hostfxr_get_native_search_directories`: 500.31, not the 500.0 of ANCM's own refusals.
    #[test]
    fn in_process_host_failures_are_500_31() {
        let mut d = dep(
            &attrs("dotnet", Some(r".\HelloWorld.dll"), Some("inprocess")),
            &["App.dll", "App.runtimeconfig.json"],
            Some(FDD),
        );
        d.layout.main_dll = Some(pe_file("App.dll", vec![]));
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains("not in the app folder"), "{}", f.message);
        assert_eq!(f.symptom.as_deref(), Some("500.31"));
        let d = dep(
            &attrs("dotnet", Some("run"), Some("inprocess")),
            &["App.dll"],
            Some(FDD),
        );
        assert_eq!(only_error(&run(&d)).symptom.as_deref(), Some("500.31"));
        let d = dep(
            &attrs("dotnet", Some(r".\App.dll"), Some("inprocess")),
            &["App.dll"],
            None,
        );
        assert_eq!(only_error(&run(&d)).symptom.as_deref(), Some("500.31"));
    }

    #[test]
    fn dotnet_with_a_non_dll_argument() {
        let d = dep(&attrs("dotnet", Some("run"), None), &["App.dll"], Some(FDD));
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains("SDK command"));
    }

    #[test]
    fn dll_without_its_runtimeconfig() {
        let d = dep(
            &attrs("dotnet", Some(r".\App.dll"), None),
            &["App.dll"],
            None,
        );
        let f = only_error(&run(&d)).clone();
        assert!(
            f.message.contains("`App.runtimeconfig.json`"),
            "{}",
            f.message
        );
    }

    #[test]
    fn dll_as_process_path() {
        let d = dep(
            &attrs(r".\App.dll", None, None),
            &["App.dll", "App.runtimeconfig.json"],
            Some(FDD),
        );
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains("cannot start a `.dll`"));
        assert!(f.fix.unwrap().contains(r#"processPath="dotnet""#));
    }

    #[test]
    fn linux_apphost_in_a_folder_for_iis() {
        let mut d = dep(
            &attrs(r".\App", None, None),
            &["App", "App.dll", "App.runtimeconfig.json"],
            Some(FDD),
        );
        d.layout.process_target = Some(pe_file("App", test_images::elf64(object::elf::EM_X86_64)));
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains("Linux executable"), "{}", f.message);
        assert_eq!(f.symptom.as_deref(), Some("502.5"));
        // In-process: `.exe` is appended, `App.exe` is missing; the ELF file is still named.
        let mut d = dep(
            &attrs(r".\App", None, Some("inprocess")),
            &["App", "App.dll", "App.runtimeconfig.json"],
            Some(FDD),
        );
        d.layout.process_target = Some(pe_file("App", test_images::elf64(object::elf::EM_X86_64)));
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains("Linux executable"));
        assert_eq!(f.symptom.as_deref(), Some("500.0"));
    }

    #[test]
    fn self_contained_started_with_dotnet_is_left_to_its_own_check() {
        let d = dep(
            &attrs("dotnet", Some(r".\App.dll"), None),
            &["App.dll", "App.exe", "App.runtimeconfig.json"],
            Some(SCD),
        );
        assert_eq!(run(&d).outcome, Outcome::Pass);
    }

    fn bundle_dep(model: Option<&str>) -> Deployment {
        let mut d = dep(&attrs(r".\App.exe", None, model), &["App.exe"], None);
        let bytes = test_images::pe(0x8664, true, None, &test_images::bundle_marker(0x4000));
        d.layout.process_target = Some(pe_file("App.exe", bytes));
        assert_eq!(
            d.layout.process_target.as_ref().unwrap().bundle,
            Some(BundleMarker::Bundle {
                header_offset: 0x4000
            })
        );
        d.layout.kind = AppKind::SingleFileBundle;
        d
    }

    #[test]
    fn single_file_bundle_in_process_is_500_38() {
        let f = only_error(&run(&bundle_dep(Some("inprocess")))).clone();
        assert_eq!(f.symptom.as_deref(), Some("500.38"));
        assert!(run(&bundle_dep(Some("outofprocess"))).findings.is_empty());
        assert!(run(&bundle_dep(None)).findings.is_empty());
    }

    #[test]
    fn apphost_without_its_dll() {
        let mut d = dep(
            &attrs(r".\App.exe", None, Some("inprocess")),
            &["App.exe"],
            None,
        );
        let bytes = test_images::pe(0x8664, true, None, &test_images::bundle_marker(0));
        d.layout.process_target = Some(pe_file("App.exe", bytes));
        let f = only_error(&run(&d)).clone();
        assert_eq!(f.symptom.as_deref(), Some("500.38"));
        assert!(f.message.contains("`App.dll`"));
    }

    #[test]
    fn net_framework_exe_only_out_of_process() {
        let exe = test_images::pe(0x14c, false, Some(1), b"");
        let mut d = dep(
            &attrs(r".\Legacy.exe", None, Some("inprocess")),
            &["Legacy.exe"],
            None,
        );
        d.layout.process_target = Some(pe_file("Legacy.exe", exe.clone()));
        d.layout.kind = AppKind::NetFramework;
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains(".NET Framework"));
        assert_eq!(f.symptom.as_deref(), Some("500.38"));
        let mut d = dep(&attrs(r".\Legacy.exe", None, None), &["Legacy.exe"], None);
        d.layout.process_target = Some(pe_file("Legacy.exe", exe));
        d.layout.kind = AppKind::NetFramework;
        assert!(run(&d).findings.is_empty());
    }

    #[test]
    fn text_placeholder_exe_is_not_a_windows_executable() {
        let mut d = dep(
            &attrs(r".\App.exe", None, None),
            &["App.exe", "App.dll"],
            Some(FDD),
        );
        d.layout.process_target = Some(pe_file("App.exe", b"not a PE".to_vec()));
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains("no PE header"));
    }

    #[test]
    fn v1_module_is_always_out_of_process() {
        let a = attrs(r".\App.exe", None, Some("inprocess"));
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let d = deployment(
            web_config("AspNetCoreModule", &a),
            &["App.dll", "App.runtimeconfig.json"],
            Some(FDD),
            &[],
        );
        assert_eq!(only_error(&run(&d)).symptom.as_deref(), Some("502.5"));
    }

    #[test]
    fn nested_missing_dll_is_located_at_arguments() {
        let a = attrs("dotnet", Some(r".\bin\App.dll"), None);
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let d = deployment(
            web_config("AspNetCoreModuleV2", &a),
            &["App.runtimeconfig.json", "bin/"],
            Some(FDD),
            &[("bin/App.dll", PathState::Missing)],
        );
        let f = only_error(&run(&d)).clone();
        assert!(f.message.contains(r"`.\bin\App.dll`"));
    }
}
