//! Real .NET tier for the roll-forward policy: an app built for `Microsoft.NETCore.App` 3.1.0 on
//! a machine with only 3.1.23 (the real host from `scripts/setup`). Each policy that forbids the
//! patch roll — `rollForward: Disable` in runtimeconfig.json, legacy `applyPatches` false with
//! `rollForwardOnNoCandidateFx` 0, `DOTNET_ROLL_FORWARD` in web.config `<environmentVariables>`,
//! `--roll-forward` in `arguments` — is first refused by the real host (exit 150), then
//! `ancm doctor --static` must name that policy, where it was set (file:line:col) and the
//! refused 3.1.23. Without the policy the real host runs the app and ancm agrees.
#![cfg(target_os = "linux")]
mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const APP: &str = r#"class App { static void Main() { System.Console.WriteLine("ran on " + System.Environment.Version); } }"#;

/// One case: the runtimeconfig's `runtimeOptions` settings, web.config env vars, the muxer
/// arguments before `App.dll`.
struct Case {
    name: &'static str,
    options: &'static str,
    env: &'static [(&'static str, &'static str)],
    muxer_args: &'static str,
}

fn write_app(dir: &Path, case: &Case) {
    let rc = format!(
        "{{\n  \"runtimeOptions\": {{\n    {}\"tfm\": \"netcoreapp3.1\",\n    \"framework\": {{ \"name\": \"Microsoft.NETCore.App\", \"version\": \"3.1.0\" }},\n    \"configProperties\": {{ \"System.Globalization.Invariant\": true }}\n  }}\n}}\n",
        case.options
    );
    support::compile_csharp(dir, "App", APP, &rc);
    let env: String = case
        .env
        .iter()
        .map(|(k, v)| format!("        <environmentVariable name=\"{k}\" value=\"{v}\" />\n"))
        .collect();
    let args = format!("{}App.dll", case.muxer_args);
    std::fs::write(
        dir.join("web.config"),
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
    </handlers>
    <aspNetCore processPath="dotnet" arguments="{args}" hostingModel="outofprocess">
      <environmentVariables>
{env}      </environmentVariables>
    </aspNetCore>
  </system.webServer>
</configuration>
"#
        ),
    )
    .unwrap();
}

/// What the real host does with the launch ANCM would make (environment and arguments).
fn real_host(dir: &Path, case: &Case) -> (i32, String) {
    let mut cmd = std::process::Command::new(support::dotnet());
    cmd.current_dir(dir)
        .env_remove("DOTNET_ROLL_FORWARD")
        .env_remove("DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX");
    for (k, v) in case.env {
        cmd.env(k, v);
    }
    cmd.args(case.muxer_args.split_whitespace()).arg("App.dll");
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn framework_resolution(dir: &Path) -> Value {
    let path = format!(
        "{}:{}",
        support::dotnet_root().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .env("PATH", path)
        .env_remove("DOTNET_ROLL_FORWARD")
        .env_remove("DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX")
        .env_remove("DOTNET_ROOT")
        .args(["doctor", "--static", "--format", "json", "--show-secrets"])
        .arg(dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "framework-resolution")
        .cloned()
        .unwrap()
}

fn policy_evidence(check: &Value) -> &Value {
    check["findings"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["label"] == "roll-forward policy")
        .unwrap_or_else(|| panic!("no policy evidence: {check:#}"))
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn a_refused_patch_roll_is_refused_by_the_real_host_and_named_by_ancm() {
    let cases = [
        (
            Case {
                name: "runtimeconfig rollForward",
                options: "\"rollForward\": \"Disable\",\n    ",
                env: &[],
                muxer_args: "",
            },
            "`rollForward` = Disable",
            ("App.runtimeconfig.json", 3, 5),
        ),
        (
            Case {
                name: "legacy applyPatches",
                options: "\"applyPatches\": false, \"rollForwardOnNoCandidateFx\": 0,\n    ",
                env: &[],
                muxer_args: "",
            },
            "`applyPatches` false with `rollForward` LatestPatch",
            ("App.runtimeconfig.json", 3, 5),
        ),
        (
            Case {
                name: "web.config DOTNET_ROLL_FORWARD",
                options: "",
                env: &[("DOTNET_ROLL_FORWARD", "Disable")],
                muxer_args: "",
            },
            "`DOTNET_ROLL_FORWARD` = Disable",
            ("web.config", 9, 36),
        ),
        (
            Case {
                name: "arguments --roll-forward (wins over the variable)",
                options: "",
                env: &[("DOTNET_ROLL_FORWARD", "LatestPatch")],
                muxer_args: "--roll-forward Disable ",
            },
            "`--roll-forward` = Disable",
            ("web.config", 7, 49),
        ),
    ];
    for (case, named, (file, line, column)) in cases {
        let dir = tempfile::tempdir().unwrap();
        write_app(dir.path(), &case);
        let (code, out) = real_host(dir.path(), &case);
        assert_eq!(code, 150, "{}: the real host ran it: {out}", case.name);
        assert!(
            out.contains("version '3.1.0' was not found") && out.contains("3.1.23 at ["),
            "{}: {out}",
            case.name
        );
        let check = framework_resolution(dir.path());
        assert_eq!(check["outcome"], "fail", "{}: {check:#}", case.name);
        let message = check["findings"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("`Microsoft.NETCore.App` 3.1.23 is installed, but the app's roll-forward policy refuses it")
                && message.contains(named)
                && message.contains("only 3.1.0 exactly"),
            "{}: {message}",
            case.name
        );
        let at = &policy_evidence(&check)["location"];
        assert!(
            at["file"].as_str().unwrap().ends_with(file)
                && at["line"] == line
                && at["column"] == column,
            "{}: {at:#}",
            case.name
        );
        let refused = check["findings"][0]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["label"] == "refused")
            .unwrap();
        assert!(refused["value"].as_str().unwrap().starts_with("3.1.23"));
    }
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn without_the_policy_the_real_host_rolls_to_the_patch_and_ancm_agrees() {
    let case = Case {
        name: "default",
        options: "",
        env: &[("DOTNET_ROLL_FORWARD", "LatestPatch")],
        muxer_args: "",
    };
    let dir = tempfile::tempdir().unwrap();
    write_app(dir.path(), &case);
    let (code, out) = real_host(dir.path(), &case);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ran on 3.1.23"), "{out}");
    let check = framework_resolution(dir.path());
    assert_eq!(check["outcome"], "pass", "{check:#}");
    let message = check["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("3.1.23 will run"), "{message}");
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn an_unknown_roll_forward_value_is_refused_by_the_real_host_and_by_ancm() {
    let case = Case {
        name: "arguments --roll-forward Sideways",
        options: "",
        env: &[],
        muxer_args: "--roll-forward Sideways ",
    };
    let dir = tempfile::tempdir().unwrap();
    write_app(dir.path(), &case);
    let (code, out) = real_host(dir.path(), &case);
    // InvalidArgFailure 0x80008081: 129 as a Linux exit status.
    assert_eq!(code, 0x81, "the real host: {out}");
    let real_lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        real_lines,
        [
            "Unrecognized roll forward setting value 'Sideways'.",
            "Invalid value for command line argument '--roll-forward'"
        ],
        "the real host's words"
    );
    let check = framework_resolution(dir.path());
    assert_eq!(check["outcome"], "fail", "{check:#}");
    let f = &check["findings"][0];
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("`--roll-forward Sideways`") && message.contains("does not know"),
        "{message}"
    );
    let evidence = |label: &str| {
        f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["label"] == label)
            .and_then(|e| e["value"].as_str())
            .unwrap_or_else(|| panic!("no `{label}` in {f:#}"))
            .to_string()
    };
    assert_eq!(evidence("host output"), real_lines.join("\n"));
    assert!(evidence("exit code").contains("0x80008081"), "{f:#}");
    assert!(
        f["fix"].as_str().unwrap().contains("`LatestPatch`"),
        "{f:#}"
    );
    assert_eq!(f["location"]["line"], 7, "points at `arguments`: {f:#}");
}
