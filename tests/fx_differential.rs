//! Differential tier: `ancm_doctor::fx` against the real .NET host (muxer + hostfxr + hostpolicy
//! 3.1.23 from `scripts/setup`). Throw-away dotnet roots hold many `Microsoft.NETCore.App`
//! version folders (hard links of the real 3.1.23 framework, so every one really runs) and a
//! small `Microsoft.AspNetCore.App` whose own runtimeconfig references NETCore.App. Hundreds of
//! deterministic pseudo-random cases (versions, rollForward values in any case, legacy settings,
//! `DOTNET_ROLL_FORWARD*` variables, installed sets) run through both the real host and the
//! library; the chosen folders, or the failure and its message, must agree.
//!
//! The host is the oracle: hostfxr.md §8 says its own test cases were withheld.
mod support;

use ancm_doctor::fx::message::{host_message, MessageContext, MessageStyle};
use ancm_doctor::fx::{self, FxConfig, FxVersion, RollForwardEnv};
use ancm_doctor::host::dotnet_install;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const NETCORE: &str = "Microsoft.NETCore.App";
const ASPNET: &str = "Microsoft.AspNetCore.App";

/// Versions installable in a generated root.
const NETCORE_POOL: &[&str] = &[
    "2.1.0",
    "3.0.0",
    "3.0.5",
    "3.1.0-preview1",
    "3.1.0",
    "3.1.2",
    "3.1.3-preview.1",
    "3.1.10",
    "3.1.23",
    "3.2.0-rc.1",
    "3.2.0",
    "4.0.0",
    "4.0.1-alpha",
    "5.0.0-preview.3",
    "5.0.0",
    "5.0.2",
];

/// Versions an app may reference (some never installed).
const REFERENCE_POOL: &[&str] = &[
    "2.0.0",
    "2.1.0",
    "3.0.0",
    "3.0.1",
    "3.1.0",
    "3.1.1",
    "3.1.0-preview1",
    "3.1.0-preview2",
    "3.1.3-preview.1",
    "3.1.23",
    "3.2.0",
    "3.2.0-beta",
    "4.0.0-beta",
    "4.0.0",
    "5.0.0-preview.1",
    "6.0.0",
    "3.1",
];

const ROLL_FORWARD_VALUES: &[&str] = &[
    "Disable",
    "LatestPatch",
    "Minor",
    "LatestMinor",
    "Major",
    "LatestMajor",
];

/// Deterministic pseudo-random numbers (xorshift64*), so every run checks the same cases.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// A `rollForward` value with random letter case (the host compares case-insensitively).
    fn roll_forward(&mut self) -> String {
        if self.chance(3) {
            return "Latest".into(); // invalid
        }
        let v = self.pick(ROLL_FORWARD_VALUES);
        match self.below(3) {
            0 => v.to_string(),
            1 => v.to_lowercase(),
            _ => v.to_uppercase(),
        }
    }
}

/// One generated dotnet root: what is installed, and where.
struct Root {
    dir: PathBuf,
    netcore: Vec<String>,
    /// AspNetCore version folder → the NETCore.App reference in its own runtimeconfig.
    aspnet: Vec<(String, String, Option<String>)>,
}

fn hardlink_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::hard_link(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn make_root(base: &Path, idx: usize, rng: &mut Rng) -> Root {
    let real = support::dotnet_root();
    let dir = base.join(format!("root{idx}"));
    std::fs::create_dir_all(dir.join("host/fxr")).unwrap();
    // A copy, not a link: the muxer finds its root from its own resolved path.
    std::fs::copy(real.join("dotnet"), dir.join("dotnet")).unwrap();
    hardlink_dir(&real.join("host/fxr/3.1.23"), &dir.join("host/fxr/3.1.23"));
    let real_fx = real.join("shared/Microsoft.NETCore.App/3.1.23");
    let mut netcore = Vec::new();
    for v in NETCORE_POOL {
        if rng.chance(35) {
            hardlink_dir(&real_fx, &dir.join("shared").join(NETCORE).join(v));
            netcore.push(v.to_string());
        }
    }
    // Sometimes a folder the host ignores because its name is not a version.
    if rng.chance(20) {
        hardlink_dir(&real_fx, &dir.join("shared").join(NETCORE).join("3.1.x"));
    }
    let mut aspnet = Vec::new();
    if idx % 3 == 0 {
        for v in ["3.1.0", "3.1.5", "3.2.0-preview.2", "5.0.0"] {
            if !rng.chance(60) {
                continue;
            }
            let fxref = rng.pick(&["3.0.0", "3.1.0", "3.1.2", "3.2.0", "5.0.0", "2.1.0"]);
            let rf = rng.chance(30).then(|| rng.roll_forward());
            let d = dir.join("shared").join(ASPNET).join(v);
            std::fs::create_dir_all(&d).unwrap();
            let rf_json = rf
                .as_ref()
                .map(|r| format!(r#","rollForward":"{r}""#))
                .unwrap_or_default();
            std::fs::write(
                d.join(format!("{ASPNET}.runtimeconfig.json")),
                format!(
                    r#"{{"runtimeOptions":{{"tfm":"netcoreapp3.1","framework":{{"name":"{NETCORE}","version":"{fxref}"{rf_json}}}}}}}"#
                ),
            )
            .unwrap();
            std::fs::write(
                d.join(format!("{ASPNET}.deps.json")),
                r#"{"runtimeTarget":{"name":".NETCoreApp,Version=v3.1"},"targets":{".NETCoreApp,Version=v3.1":{}},"libraries":{}}"#,
            )
            .unwrap();
            aspnet.push((v.to_string(), fxref.to_string(), rf));
        }
    }
    Root {
        dir,
        netcore,
        aspnet,
    }
}

/// One case: an app runtimeconfig and the environment, run against one root.
struct Case {
    root: usize,
    runtimeconfig: String,
    env: Vec<(&'static str, String)>,
}

fn reference_json(rng: &mut Rng, name: &str, legacy_file: bool, new_file: bool) -> String {
    let mut s = format!(r#"{{"name":"{name}""#);
    if !rng.chance(3) {
        let v = if name == ASPNET {
            rng.pick(&["3.0.0", "3.1.0", "3.1.5", "3.2.0", "5.0.0-preview.1"])
        } else {
            rng.pick(REFERENCE_POOL)
        };
        s.push_str(&format!(r#","version":"{v}""#));
    }
    if new_file && rng.chance(50) {
        s.push_str(&format!(r#","rollForward":"{}""#, rng.roll_forward()));
    }
    if legacy_file && rng.chance(50) {
        s.push_str(&format!(
            r#","rollForwardOnNoCandidateFx":{}"#,
            rng.pick(&["0", "1", "2", "0", "1", "2", "3"])
        ));
    }
    if legacy_file && rng.chance(40) {
        s.push_str(&format!(
            r#","applyPatches":{}"#,
            rng.pick(&["true", "false"])
        ));
    }
    s.push('}');
    s
}

fn make_case(rng: &mut Rng, roots: &[Root]) -> Case {
    let root = rng.below(roots.len());
    // Which settings family this file uses; a few files mix them (invalid).
    let (legacy, new) = match rng.below(10) {
        0..=4 => (false, true),
        5..=8 => (true, false),
        _ => (true, true),
    };
    let mut opts = Vec::new();
    if new && rng.chance(25) {
        opts.push(format!(r#""rollForward":"{}""#, rng.roll_forward()));
    }
    if legacy && rng.chance(20) {
        opts.push(format!(
            r#""rollForwardOnNoCandidateFx":{}"#,
            rng.pick(&["0", "1", "2"])
        ));
    }
    if legacy && rng.chance(15) {
        opts.push(format!(
            r#""applyPatches":{}"#,
            rng.pick(&["true", "false"])
        ));
    }
    let with_aspnet = !roots[root].aspnet.is_empty() && rng.chance(70);
    if with_aspnet {
        let mut refs = vec![reference_json(rng, ASPNET, legacy, new)];
        if rng.chance(60) {
            refs.push(reference_json(rng, NETCORE, legacy, new));
        }
        if rng.chance(50) {
            refs.reverse();
        }
        opts.push(format!(r#""frameworks":[{}]"#, refs.join(",")));
    } else {
        opts.push(format!(
            r#""framework":{}"#,
            reference_json(rng, NETCORE, legacy, new)
        ));
    }
    opts.push(r#""configProperties":{"System.Globalization.Invariant":true}"#.into());
    let runtimeconfig = format!(r#"{{"runtimeOptions":{{{}}}}}"#, opts.join(","));
    let mut env = Vec::new();
    if rng.chance(15) {
        env.push(("DOTNET_ROLL_FORWARD", rng.roll_forward()));
    }
    if rng.chance(20) {
        env.push((
            "DOTNET_ROLL_FORWARD_TO_PRERELEASE",
            rng.pick(&["1", "1", "0", "true"]).to_string(),
        ));
    }
    if rng.chance(10) {
        env.push((
            "DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX",
            rng.pick(&["0", "1", "2", "2", "7", "abc", " 2"])
                .to_string(),
        ));
    }
    Case {
        root,
        runtimeconfig,
        env,
    }
}

/// What happened (or is predicted): chosen folder per framework, or a failure exit byte.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ran(BTreeMap<String, String>),
    Failed(i32),
}

/// The folders the app reports in `APP_CONTEXT_DEPS_FILES`: `…/shared/<name>/<version>/…`.
fn frameworks_in(deps_files: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for file in deps_files.split(';') {
        let parts: Vec<&str> = file.split('/').collect();
        if let Some(i) = parts.iter().position(|p| *p == "shared") {
            if i + 2 < parts.len() {
                out.insert(parts[i + 1].to_string(), parts[i + 2].to_string());
            }
        }
    }
    out
}

const APP_SOURCE: &str = r#"class P { static void Main() { System.Console.WriteLine("DEPS=" + System.AppContext.GetData("APP_CONTEXT_DEPS_FILES")); } }"#;

/// The prediction: the library over facts probed from the generated root by `dotnet_install`.
fn predict(root: &Path, runtimeconfig: &str, env: &[(&str, String)]) -> (Outcome, Vec<String>) {
    let install = dotnet_install::probe_root(root);
    let hives = [install.hive()];
    let rc = ancm_doctor::deployment::runtime_config::parse(
        Path::new("App.runtimeconfig.json"),
        runtimeconfig.as_bytes(),
    )
    .expect("generated runtimeconfig parses");
    let app = FxConfig::from(&rc);
    let env = RollForwardEnv::from_vars(env.iter().map(|(k, v)| (*k, v.as_str())), false);
    let req = fx::Request {
        app: &app,
        env: &env,
        hives: &hives,
        separator: '/',
    };
    match fx::resolve(&req) {
        Ok(res) => (
            Outcome::Ran(
                res.frameworks
                    .iter()
                    .map(|f| (f.name.clone(), f.version.clone()))
                    .collect(),
            ),
            Vec::new(),
        ),
        Err(f) => {
            let cx = MessageContext {
                style: MessageStyle::for_hostfxr(&FxVersion::parse("3.1.23").unwrap()),
                arch: "x64",
                rid: "RID",
                os: "linux",
                app_path: "",
                dotnet_root: "",
                runtime_config_path: "APP/App.runtimeconfig.json",
            };
            (
                Outcome::Failed((f.status_code() & 0xFF) as i32),
                host_message(&f, &cx),
            )
        }
    }
}

/// Runs the real host; returns the outcome and stderr lines (with the app dir and rid masked).
fn run_real(root: &Path, app_dir: &Path, env: &[(&str, String)]) -> (Outcome, Vec<String>) {
    let mut cmd = Command::new(root.join("dotnet"));
    cmd.arg(app_dir.join("App.dll"));
    for var in [
        "DOTNET_ROLL_FORWARD",
        "DOTNET_ROLL_FORWARD_TO_PRERELEASE",
        "DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX",
        "DOTNET_ROOT",
        "COREHOST_TRACE",
        "DOTNET_MULTILEVEL_LOOKUP",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the real dotnet");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let app = app_dir.display().to_string();
    let lines = stderr
        .lines()
        .map(|l| {
            let l = l.replace(&app, "APP");
            match l.find("&rid=") {
                Some(i) => format!("{}&rid=RID", &l[..i]),
                None => l,
            }
        })
        .collect();
    let code = out.status.code().unwrap_or(-1);
    if code == 0 {
        let deps = stdout
            .lines()
            .find_map(|l| l.strip_prefix("DEPS="))
            .unwrap_or_default();
        (Outcome::Ran(frameworks_in(deps)), lines)
    } else {
        (Outcome::Failed(code), lines)
    }
}

#[test]
#[ignore = "needs scripts/setup (real dotnet)"]
fn resolver_agrees_with_the_real_host() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path();
    let app_src = base.join("appsrc");
    let dll = support::compile_csharp(&app_src, "App", APP_SOURCE, "{}");

    // Fixed by default so every run checks the same cases; `ANCM_FX_SEED` / `ANCM_FX_CASES`
    // explore further.
    let seed = std::env::var("ANCM_FX_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F00D_u64);
    let count = std::env::var("ANCM_FX_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(420);
    let mut rng = Rng(seed | 1);
    let roots: Vec<Root> = (0..24).map(|i| make_root(base, i, &mut rng)).collect();
    let cases: Vec<Case> = (0..count).map(|_| make_case(&mut rng, &roots)).collect();

    let next = AtomicUsize::new(0);
    let mismatches = Mutex::new(Vec::new());
    let tally = Mutex::new(BTreeMap::<String, usize>::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let root = &roots[case.root];
                let app_dir = base.join(format!("app{i}"));
                std::fs::create_dir_all(&app_dir).unwrap();
                std::fs::hard_link(&dll, app_dir.join("App.dll")).unwrap();
                std::fs::write(app_dir.join("App.runtimeconfig.json"), &case.runtimeconfig)
                    .unwrap();
                let (real, real_err) = run_real(&root.dir, &app_dir, &case.env);
                let (predicted, predicted_err) = predict(&root.dir, &case.runtimeconfig, &case.env);
                let key = match &real {
                    Outcome::Ran(_) => "ran".to_string(),
                    Outcome::Failed(c) => format!("exit {c}"),
                };
                *tally.lock().unwrap().entry(key).or_default() += 1;
                let message_ok = match real {
                    // The whole message must match for missing-framework, compat and config
                    // failures, and for the exit-131 one a version-less reference leads to.
                    Outcome::Failed(150 | 147 | 156 | 131 | 139) => real_err == predicted_err,
                    Outcome::Failed(_) => true,
                    Outcome::Ran(_) => true,
                };
                if real != predicted || !message_ok {
                    mismatches.lock().unwrap().push(format!(
                        "case {i}: root {:?} aspnet {:?}\n  runtimeconfig {}\n  env {:?}\n  real      {real:?}\n  predicted {predicted:?}\n  real stderr:\n    {}\n  predicted stderr:\n    {}",
                        root.netcore,
                        root.aspnet,
                        case.runtimeconfig,
                        case.env,
                        real_err.join("\n    "),
                        predicted_err.join("\n    "),
                    ));
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();
    eprintln!("seed {seed}: outcomes of {} cases: {tally:?}", cases.len());
    let mismatches = mismatches.into_inner().unwrap();
    assert!(
        mismatches.is_empty(),
        "{} of {} cases disagree with the real host:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The generator must exercise every outcome, or the tier proves little.
    for key in ["ran", "exit 150", "exit 147", "exit 156"] {
        assert!(
            tally.get(key).copied().unwrap_or(0) >= 5,
            "too few `{key}` cases: {tally:?}"
        );
    }
}

/// A root with only the real 3.1.23 framework (hard links), for the deps.json and config cases.
fn plain_root(base: &Path) -> PathBuf {
    let real = support::dotnet_root();
    let dir = base.join("plainroot");
    std::fs::create_dir_all(dir.join("host/fxr")).unwrap();
    std::fs::copy(real.join("dotnet"), dir.join("dotnet")).unwrap();
    hardlink_dir(&real.join("host/fxr/3.1.23"), &dir.join("host/fxr/3.1.23"));
    hardlink_dir(
        &real.join("shared/Microsoft.NETCore.App/3.1.23"),
        &dir.join("shared").join(NETCORE).join("3.1.23"),
    );
    dir
}

const DEPS_WITH_ASSETS: &str = r#"{
  "runtimeTarget": {"name": ".NETCoreApp,Version=v3.1", "signature": ""},
  "targets": {
    ".NETCoreApp,Version=v3.1": {
      "App/1.0.0": {"dependencies": {"Foo": "1.0.0", "Bar": "2.0.0"}, "runtime": {"App.dll": {}}},
      "Foo/1.0.0": {"runtime": {"lib/netstandard2.0/Foo.dll": {"assemblyVersion": "1.0.0.0", "fileVersion": "1.0.0.0"}}},
      "Bar/2.0.0": {
        "runtimeTargets": {
          "runtimes/unix/lib/netstandard2.0/Bar.dll": {"rid": "unix", "assetType": "runtime"},
          "runtimes/win/lib/netstandard2.0/Bar.dll": {"rid": "win", "assetType": "runtime"}
        }
      }
    }
  },
  "libraries": {
    "App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
    "Foo/1.0.0": {"type": "package", "serviceable": true, "sha512": "sha512-x", "path": "foo/1.0.0", "hashPath": "foo.1.0.0.nupkg.sha512"},
    "Bar/2.0.0": {"type": "package", "serviceable": true, "sha512": "sha512-y", "path": "bar/2.0.0", "hashPath": "bar.2.0.0.nupkg.sha512"}
  }
}"#;

fn run_app(root: &Path, app_dir: &Path) -> (i32, String) {
    let out = Command::new(root.join("dotnet"))
        .arg(app_dir.join("App.dll"))
        .env_remove("DOTNET_ROLL_FORWARD")
        .env_remove("COREHOST_TRACE")
        .output()
        .expect("run the real dotnet");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// deps.json assets: the prediction of `deployment::deps_json` (which files the host will look
/// for on this machine, and the message when one is missing) against the real host.
#[test]
#[ignore = "needs scripts/setup (real dotnet)"]
fn deps_assets_agree_with_the_real_host() {
    use ancm_doctor::deployment::deps_json;
    let tmp = tempfile::tempdir().unwrap();
    let root = plain_root(tmp.path());
    let app = tmp.path().join("app");
    support::compile_csharp(
        &app,
        "App",
        APP_SOURCE,
        &support::netcore_runtimeconfig("3.1.0"),
    );
    std::fs::write(app.join("App.deps.json"), DEPS_WITH_ASSETS).unwrap();
    let os = "linux";
    let arch = dotnet_install::host_arch_name(std::env::consts::ARCH);

    // Nothing deployed but App.dll: the first missing asset stops the host (exit 140).
    let facts = deps_json::read(&app, "App").unwrap();
    let (missing, rids) = facts.missing(os, arch);
    let paths: Vec<&str> = missing
        .iter()
        .map(|a| a.app_relative_path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["runtimes/unix/lib/netstandard2.0/Bar.dll", "Foo.dll"],
        "rids {rids:?}"
    );
    let (code, stderr) = run_app(&root, &app);
    assert_eq!(code, 140, "{stderr}");
    let real: Vec<&str> = stderr.lines().collect();
    let predicted: Vec<Vec<String>> = missing
        .iter()
        .map(|a| deps_json::host_message("App.deps.json", a))
        .collect();
    assert!(
        predicted
            .iter()
            .any(|p| real.starts_with(&p.iter().map(String::as_str).collect::<Vec<_>>())),
        "real stderr:\n{stderr}\npredicted one of:\n{predicted:#?}"
    );

    // The unix variant of the RID-specific asset and the package assembly deployed: it runs.
    std::fs::create_dir_all(app.join("runtimes/unix/lib/netstandard2.0")).unwrap();
    std::fs::copy(
        app.join("App.dll"),
        app.join("runtimes/unix/lib/netstandard2.0/Bar.dll"),
    )
    .unwrap();
    std::fs::copy(app.join("App.dll"), app.join("Foo.dll")).unwrap();
    let facts = deps_json::read(&app, "App").unwrap();
    assert!(facts.missing(os, arch).0.is_empty());
    let (code, stderr) = run_app(&root, &app);
    assert_eq!(code, 0, "{stderr}");

    // The win variant is not needed here, and its absence is not reported for Linux…
    // …but removing the package assembly again is, with the host's exact lines.
    std::fs::remove_file(app.join("Foo.dll")).unwrap();
    let facts = deps_json::read(&app, "App").unwrap();
    let (missing, _) = facts.missing(os, arch);
    assert_eq!(missing.len(), 1);
    let (code, stderr) = run_app(&root, &app);
    assert_eq!(code, 140, "{stderr}");
    let expected = deps_json::host_message("App.deps.json", &missing[0]);
    let real: Vec<String> = stderr
        .lines()
        .take(expected.len())
        .map(str::to_string)
        .collect();
    assert_eq!(real, expected, "real stderr:\n{stderr}");
}

/// A runtimeconfig the host cannot read: exit 147 and the "Invalid runtimeconfig.json" line the
/// library predicts; a missing one: the self-contained fallback, exit 131.
#[test]
#[ignore = "needs scripts/setup (real dotnet)"]
fn invalid_and_missing_runtimeconfig_agree_with_the_real_host() {
    let tmp = tempfile::tempdir().unwrap();
    let root = plain_root(tmp.path());
    let app = tmp.path().join("app");
    support::compile_csharp(&app, "App", APP_SOURCE, "{\"runtimeOptions\": ");
    let rc_path = app.join("App.runtimeconfig.json");
    let parsed = ancm_doctor::deployment::runtime_config::read(&rc_path);
    assert!(parsed.is_err(), "the library also rejects it");
    let (code, stderr) = run_app(&root, &app);
    assert_eq!(code, 147, "{stderr}");
    let expected = format!(
        "Invalid runtimeconfig.json [{}] [{}]",
        rc_path.display(),
        app.join("App.runtimeconfig.dev.json").display()
    );
    assert!(stderr.lines().any(|l| l == expected), "{stderr}");
    assert_eq!(
        (ancm_doctor::fx::resolve::INVALID_CONFIG_FILE & 0xFF) as i32,
        code
    );

    std::fs::remove_file(&rc_path).unwrap();
    let files = ancm_doctor::deployment::runtime_files::RuntimeFiles::from_index(
        &ancm_doctor::deployment::layout::FileIndex::read(&app),
    );
    assert!(
        !files.has_host(),
        "so `runtime-config` reports the self-contained fallback"
    );
    let (code, stderr) = run_app(&root, &app);
    assert_eq!(
        code,
        (ancm_doctor::fx::resolve::CORE_HOST_LIB_MISSING_FAILURE & 0xFF) as i32,
        "{stderr}"
    );
}

/// The "framework not found" output of the real host, parsed back by the library.
#[test]
#[ignore = "needs scripts/setup (real dotnet)"]
fn real_missing_framework_output_is_parsed() {
    use ancm_doctor::fx::message::parse_missing_framework;
    let tmp = tempfile::tempdir().unwrap();
    let root = plain_root(tmp.path());
    let app = tmp.path().join("app");
    support::compile_csharp(
        &app,
        "App",
        APP_SOURCE,
        &support::netcore_runtimeconfig("6.0.0"),
    );
    let (code, stderr) = run_app(&root, &app);
    assert_eq!(code, 150, "{stderr}");
    let parsed = parse_missing_framework(&stderr).expect("recognised as framework-missing");
    assert_eq!(parsed.name, NETCORE);
    assert_eq!(parsed.version.as_deref(), Some("6.0.0"));
    assert_eq!(parsed.found.len(), 1);
    assert_eq!(parsed.found[0].version, "3.1.23");
    assert_eq!(
        parsed.found[0].dir,
        root.join("shared").join(NETCORE).display().to_string()
    );
}

/// End to end through the CLI: `ancm doctor --static` on a real app folder, with a generated
/// dotnet root first on PATH, names the framework versions the real host then loads — and, when
/// it cannot start, prints the host's own lines. web.config `<environmentVariables>` count.
#[test]
#[ignore = "needs scripts/setup (real dotnet)"]
fn doctor_predicts_what_the_real_host_does() {
    use assert_cmd::cargo::CommandCargoExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = plain_root(tmp.path());
    let real_fx = root.join("shared").join(NETCORE).join("3.1.23");
    for v in ["3.1.2", "3.2.0-rc.1"] {
        hardlink_dir(&real_fx, &root.join("shared").join(NETCORE).join(v));
    }
    let app = tmp.path().join("app");
    let config = |version: &str| {
        format!(
            r#"{{"runtimeOptions":{{"tfm":"netcoreapp3.1","framework":{{"name":"{NETCORE}","version":"{version}"}},"configProperties":{{"System.Globalization.Invariant":true}}}}}}"#
        )
    };
    support::compile_csharp(&app, "App", APP_SOURCE, &config("3.1.0"));
    let web_config = |env: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
    </handlers>
    <aspNetCore processPath="dotnet" arguments=".\App.dll" hostingModel="outofprocess">
      <environmentVariables>{env}</environmentVariables>
    </aspNetCore>
  </system.webServer>
</configuration>
"#
        )
    };
    let path = std::env::join_paths(std::iter::once(root.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let doctor = || -> serde_json::Value {
        let out = Command::cargo_bin("ancm")
            .unwrap()
            .args(["doctor", "--static", "--format", "json"])
            .arg(&app)
            .env("PATH", &path)
            .env_remove("DOTNET_ROLL_FORWARD")
            .env_remove("DOTNET_ROLL_FORWARD_TO_PRERELEASE")
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    let check = |report: &serde_json::Value| -> serde_json::Value {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "framework-resolution")
            .unwrap()
            .clone()
    };
    let real = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(root.join("dotnet"));
        cmd.arg(app.join("App.dll"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), stdout, stderr)
    };

    // 1. 3.1.0 → release roll forward to 3.1.23.
    std::fs::write(app.join("web.config"), web_config("")).unwrap();
    let c = check(&doctor());
    assert_eq!(c["outcome"], "pass", "{c:#}");
    let note = c["findings"][0]["message"].as_str().unwrap().to_string();
    let (code, stdout, stderr) = real(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    let ran = frameworks_in(stdout.trim().trim_start_matches("DEPS="));
    assert!(
        note.contains(&format!("`{NETCORE}` {} will run", ran[NETCORE])),
        "ancm: {note}; real host: {ran:?}"
    );

    // 2. 3.2.0 with no 3.2 release: the host fails; ancm prints its lines.
    std::fs::write(app.join("App.runtimeconfig.json"), config("3.2.0")).unwrap();
    let c = check(&doctor());
    assert_eq!(c["outcome"], "fail", "{c:#}");
    let (code, _, stderr) = real(&[]);
    assert_eq!(code, Some(150));
    let evidence = c["findings"][0]["evidence"].as_array().unwrap();
    let host_output = evidence
        .iter()
        .find(|e| e["label"] == "host output")
        .unwrap()["value"]
        .as_str()
        .unwrap();
    let cut_rid = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| match l.find("&rid=") {
                Some(i) => l[..i].to_string(),
                None => l.to_string(),
            })
            .collect()
    };
    assert_eq!(cut_rid(host_output), cut_rid(&stderr));
    assert_eq!(c["findings"][0]["symptom"], "502.5");

    // 3. Back to 3.1.0, with `LatestMinor` and prereleases allowed from web.config's
    //    `<environmentVariables>` (which ANCM passes to the app): 3.2.0-rc.1 runs.
    std::fs::write(app.join("App.runtimeconfig.json"), config("3.1.0")).unwrap();
    std::fs::write(
        app.join("web.config"),
        web_config(
            r#"<environmentVariable name="DOTNET_ROLL_FORWARD" value="LatestMinor" /><environmentVariable name="DOTNET_ROLL_FORWARD_TO_PRERELEASE" value="1" />"#,
        ),
    )
    .unwrap();
    let c = check(&doctor());
    assert_eq!(c["outcome"], "pass", "{c:#}");
    let (code, stdout, stderr) = real(&[
        ("DOTNET_ROLL_FORWARD", "LatestMinor"),
        ("DOTNET_ROLL_FORWARD_TO_PRERELEASE", "1"),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let ran = frameworks_in(stdout.trim().trim_start_matches("DEPS="));
    assert_eq!(ran[NETCORE], "3.2.0-rc.1");
    assert!(c["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("3.2.0-rc.1 will run"));

    // 4. A half-uninstalled 3.1.30 (empty folder): the 3.1 host still picks it and fails.
    std::fs::write(app.join("web.config"), web_config("")).unwrap();
    std::fs::create_dir_all(root.join("shared").join(NETCORE).join("3.1.30")).unwrap();
    let c = check(&doctor());
    assert_eq!(c["outcome"], "fail", "{c:#}");
    let message = c["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("3.1.30") && message.contains("deps.json"),
        "{message}"
    );
    let (code, _, stderr) = real(&[]);
    assert_eq!(code, Some(131), "the real host fails too: {stderr}");
    let evidence = c["findings"][0]["evidence"].to_string();
    assert!(evidence.contains("Unix exit 131"), "{evidence}");
    assert!(stderr.contains("3.1.30"), "{stderr}");
}
