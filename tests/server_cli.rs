//! Every app on a server: `ancm doctor` without APP_DIR (or `--all`, `--site NAME`) over an
//! applicationHost.config whose sites point at real folders in a temp dir — a broken app, a child
//! application that only inherits its parent's handler, a healthy app, a static site and a site
//! whose folder is gone — judged against a Windows snapshot (`tests/fixtures/server/`). The real
//! `ancm` binary, real files; the Wine tier (`scripts/test-windows`) does the same on Windows.
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const SNAPSHOT: &str = "tests/fixtures/server/snapshot.json";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The server's folders and its applicationHost.config (returned path).
fn server(root: &Path) -> PathBuf {
    copy_dir(
        &repo().join("examples/healthy-portable"),
        &root.join("healthy"),
    );
    // A .NET the snapshot has and that is in support: the healthy app warns about nothing.
    std::fs::write(
        root.join("healthy/HelloWorld.runtimeconfig.json"),
        r#"{"runtimeOptions":{"tfm":"net10.0","framework":{"name":"Microsoft.NETCore.App","version":"10.0.0"}}}"#,
    )
    .unwrap();
    copy_dir(
        &repo().join("examples/launcher-placeholders"),
        &root.join("shop"),
    );
    std::fs::create_dir_all(root.join("admin")).unwrap();
    std::fs::create_dir_all(root.join("wwwroot")).unwrap();
    std::fs::write(
        root.join("wwwroot/web.config"),
        r#"<configuration><system.webServer><defaultDocument enabled="true" /></system.webServer></configuration>"#,
    )
    .unwrap();
    let template =
        std::fs::read_to_string(repo().join("tests/fixtures/server/applicationHost.config"))
            .unwrap();
    let config = root.join("applicationHost.config");
    std::fs::write(
        &config,
        template.replace("{ROOT}", &root.display().to_string()),
    )
    .unwrap();
    config
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ancm(args: &[&str]) -> Run {
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .current_dir(repo())
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

fn app<'a>(doc: &'a Value, location: &str) -> &'a Value {
    doc["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["location"] == location)
        .unwrap_or_else(|| panic!("no app `{location}` in {doc:#}"))
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check `{id}` in {report:#}"))
}

#[test]
fn every_ancm_app_is_checked_with_its_own_pool_and_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let config = server(tmp.path());
    let run = ancm(&[
        "doctor",
        "--static",
        "--format",
        "json",
        "--host",
        SNAPSHOT,
        "--iis-config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "a failing app fails the run:\n{}", run.stderr);
    let doc = json(&run);
    assert_eq!(doc["schema"], "ancm-doctor-server/1");
    assert_eq!(doc["iis_config"], config.display().to_string());
    assert_eq!(
        doc["summary"],
        serde_json::json!({"apps": 3, "failing": 2, "warning": 0, "healthy": 1,
                           "not_checked": 0, "other_applications": 2}),
        "{doc:#}"
    );
    let locations: Vec<&str> = doc["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["location"].as_str().unwrap())
        .collect();
    assert_eq!(
        locations,
        [
            "Default Web Site/shop",
            "Default Web Site/shop/admin",
            "Healthy/"
        ]
    );

    let shop = app(&doc, "Default Web Site/shop");
    assert_eq!(shop["outcome"], "fail");
    assert_eq!(shop["pool"], "ShopPool");
    assert_eq!(shop["site_id"], "1");
    assert_eq!(
        shop["handler"],
        serde_json::json!({"kind": "own", "module": "AspNetCoreModule"})
    );
    let report = &shop["report"];
    assert_eq!(report["schema"], "ancm-doctor/1", "an unchanged app report");
    assert_eq!(
        report["app_dir"],
        tmp.path().join("shop").display().to_string()
    );
    assert_eq!(check(report, "launcher-placeholders")["outcome"], "fail");
    // Its own pool: ShopPool loads the CLR (v4.0) — HealthyPool does not.
    let pool = check(report, "app-pool");
    assert_eq!(pool["outcome"], "warn", "{pool:#}");
    assert!(pool.to_string().contains("`ShopPool`"), "{pool:#}");
    // It hands its handler down to /shop/admin, and says so.
    let child = check(report, "child-app-inherits-handler");
    assert!(
        child["outcome"] == "fail" && child.to_string().contains("/shop/admin"),
        "{child:#}"
    );

    let admin = app(&doc, "Default Web Site/shop/admin");
    assert_eq!(admin["outcome"], "fail");
    assert_eq!(admin["pool"], "DefaultAppPool");
    assert_eq!(admin["handler"]["kind"], "inherited");
    assert_eq!(admin["handler"]["from"], "Default Web Site/shop");
    assert!(
        admin["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no web.config of its own"),
        "{admin:#}"
    );

    let healthy = app(&doc, "Healthy/");
    assert_eq!(healthy["outcome"], "pass", "{healthy:#}");
    assert_eq!(healthy["pool"], "HealthyPool");
    let report = &healthy["report"];
    assert_eq!(report["summary"]["failed"], 0, "{report:#}");
    assert_eq!(report["summary"]["warned"], 0, "{report:#}");
    let pool = check(report, "app-pool");
    assert_eq!(pool["outcome"], "pass", "{pool:#}");

    let others: Vec<(&str, &str)> = doc["other_applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["location"].as_str().unwrap(),
                a["handler"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        others,
        [("Default Web Site/", "not-ancm"), ("Api/", "unknown")]
    );
}

#[test]
fn the_human_report_puts_the_server_summary_first_then_each_app() {
    let tmp = tempfile::tempdir().unwrap();
    let config = server(tmp.path());
    let run = ancm(&[
        "doctor",
        "--all",
        "--static",
        "--color",
        "never",
        "--host",
        SNAPSHOT,
        "--iis-config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.starts_with("ancm doctor: 3 ASP.NET Core apps on this IIS server (every site, "),
        "{out}"
    );
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in:\n{out}"))
    };
    let summary = at("3 apps: 2 failing, 0 warning, 1 healthy");
    assert!(at("XX Default Web Site/shop ") < summary);
    assert!(at("ok Healthy/") < summary);
    assert!(at("pool `ShopPool`") < summary);
    assert!(at("handler inherited from `Default Web Site/shop`") < summary);
    assert!(at("-- Default Web Site/ (pool `DefaultAppPool`)") < summary);
    let shop = at("== Default Web Site/shop (site `Default Web Site`, pool `ShopPool`) ");
    let healthy = at("== Healthy/ (site `Healthy`, pool `HealthyPool`) ");
    assert!(summary < shop && shop < healthy, "{out}");
    assert!(at("launcher-placeholders:") > shop && at("launcher-placeholders:") < healthy);
    // The child has no report of its own to print (its row says why).
    assert!(!out.contains("== Default Web Site/shop/admin"), "{out}");
    assert!(
        out.lines()
            .all(|l| l.chars().count() <= 100 || l.contains('/')),
        "a line wider than 100 columns without a path in it:\n{out}"
    );
}

#[test]
fn a_site_is_chosen_by_name_and_an_unknown_site_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let config = server(tmp.path());
    let cfg = config.to_str().unwrap();
    let run = ancm(&[
        "doctor",
        "--site",
        "healthy",
        "--static",
        "--format",
        "json",
        "--host",
        SNAPSHOT,
        "--iis-config",
        cfg,
    ]);
    assert_eq!(
        run.code, 0,
        "the healthy site alone passes:\n{}",
        run.stdout
    );
    let doc = json(&run);
    assert_eq!(doc["sites"], serde_json::json!(["healthy"]));
    assert_eq!(doc["apps"].as_array().unwrap().len(), 1);
    assert_eq!(doc["apps"][0]["site"], "Healthy");

    let run = ancm(&[
        "doctor",
        "--site",
        "Shop",
        "--static",
        "--host",
        SNAPSHOT,
        "--iis-config",
        cfg,
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "error: no site named `Shop` in applicationHost.config (sites: `Default Web Site`, `Healthy`, `Api`)"
    );
}

#[test]
fn a_snapshot_with_iis_and_no_app_dir_means_every_app_of_that_server() {
    let tmp = tempfile::tempdir().unwrap();
    let config = server(tmp.path());
    // The snapshot as `ancm host` on that server would have written it: the config inside.
    let mut snap: Value =
        serde_json::from_slice(&std::fs::read(repo().join(SNAPSHOT)).unwrap()).unwrap();
    let cfg = ancm_doctor::host::iis_config::parse(&std::fs::read(&config).unwrap()).unwrap();
    snap["iis"]["config"] = serde_json::to_value(cfg).unwrap();
    let snap_path = tmp.path().join("server.json");
    std::fs::write(&snap_path, serde_json::to_vec(&snap).unwrap()).unwrap();
    let run = ancm(&[
        "doctor",
        "--static",
        "--format",
        "json",
        "--host",
        snap_path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = json(&run);
    assert_eq!(doc["schema"], "ancm-doctor-server/1");
    assert_eq!(doc["summary"]["apps"], 3);
    assert_eq!(app(&doc, "Healthy/")["outcome"], "pass");

    // Naming a folder keeps the single-folder report, schema and all.
    let run = ancm(&[
        "doctor",
        tmp.path().join("healthy").to_str().unwrap(),
        "--static",
        "--format",
        "json",
        "--host",
        snap_path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let doc = json(&run);
    assert_eq!(doc["schema"], "ancm-doctor/1");
    assert!(doc.get("apps").is_none());
    let pool = check(&doc, "app-pool");
    assert!(pool.to_string().contains("HealthyPool") || pool["outcome"] == "pass");
}

#[test]
fn a_folder_missing_here_is_not_judged_when_the_facts_are_a_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let config = server(tmp.path());
    // The snapshot summarised Api's web.config on the server; its folder is not on this machine.
    let mut snap: Value =
        serde_json::from_slice(&std::fs::read(repo().join(SNAPSHOT)).unwrap()).unwrap();
    let mut cfg = ancm_doctor::host::iis_config::parse(&std::fs::read(&config).unwrap()).unwrap();
    let api = cfg.sites.iter_mut().find(|s| s.name == "Api").unwrap();
    api.applications[0].web_config = Some(ancm_doctor::host::iis_config::WebConfigSummary {
        ancm_module: Some("AspNetCoreModuleV2".into()),
        hosting_model: None,
        inherited_by_child_applications: true,
        ..Default::default()
    });
    snap["iis"]["config"] = serde_json::to_value(cfg).unwrap();
    let snap_path = tmp.path().join("server.json");
    std::fs::write(&snap_path, serde_json::to_vec(&snap).unwrap()).unwrap();
    let run = ancm(&[
        "doctor",
        "--site",
        "Api",
        "--static",
        "--format",
        "json",
        "--host",
        snap_path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "not judged is not a failure:\n{}", run.stdout);
    let doc = json(&run);
    let api = app(&doc, "Api/");
    assert_eq!(api["outcome"], "skip", "{api:#}");
    let msg = api["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("no such folder") && msg.contains("snapshot"),
        "{msg}"
    );
    assert_eq!(doc["summary"]["not_checked"], 1);
}

#[test]
fn without_iis_facts_the_server_modes_say_how_to_get_them() {
    let run = ancm(&["doctor", "--all", "--static", "--host", "none"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("error: no IIS configuration to list the server's apps from")
            && run.stderr.contains("`--iis-config applicationHost.config`"),
        "{}",
        run.stderr
    );
    // No APP_DIR and no IIS: the current folder, as always.
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .current_dir(repo().join("examples/healthy-portable"))
        .args(["doctor", "--static", "--host", "none", "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "ancm-doctor/1");
    assert_eq!(doc["app_dir"], ".");
}

#[test]
fn bad_server_arguments_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let config = server(tmp.path());
    let cfg = config.to_str().unwrap();
    let run = ancm(&[
        "doctor",
        "--all",
        "--static",
        "--format",
        "sarif",
        "--host",
        SNAPSHOT,
        "--iis-config",
        cfg,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("prints `human` or `json`"),
        "{}",
        run.stderr
    );
    let run = ancm(&["doctor", "somewhere", "--all"]);
    assert_eq!(run.code, 2, "APP_DIR and --all exclude each other");
    let broken = tmp.path().join("broken.config");
    std::fs::write(&broken, "<configuration>\n<sites>\n</configuration>").unwrap();
    let run = ancm(&[
        "doctor",
        "--all",
        "--host",
        SNAPSHOT,
        "--iis-config",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    let line = run.stderr.trim();
    assert!(
        line.starts_with(&format!("error: {}:", broken.display()))
            && line.contains(": not an applicationHost.config: ill-formed document")
            && !line.contains('\n'),
        "{line}"
    );
}

#[test]
fn folder_permissions_in_a_snapshot_are_judged_per_pool() {
    let tmp = tempfile::tempdir().unwrap();
    let config = server(tmp.path());
    let mut snap: Value =
        serde_json::from_slice(&std::fs::read(repo().join(SNAPSHOT)).unwrap()).unwrap();
    let users_rx = serde_json::json!({"sid": "S-1-5-32-545", "account": "BUILTIN\\Users",
                                      "allow": true, "mask": 0x1200a9, "inherited": true});
    let deny_shop = serde_json::json!({"sid": "S-1-5-82-1", "account": "IIS APPPOOL\\ShopPool",
                                       "allow": false, "mask": 0x1200a9});
    snap["path_acls"] = serde_json::json!([
        {"path": tmp.path().join("shop").display().to_string(), "dacl": [deny_shop, users_rx]},
        {"path": tmp.path().join("healthy").display().to_string(), "dacl": [users_rx]},
    ]);
    let snap_path = tmp.path().join("server.json");
    std::fs::write(&snap_path, serde_json::to_vec(&snap).unwrap()).unwrap();
    let run = ancm(&[
        "doctor",
        "--static",
        "--format",
        "json",
        "--host",
        snap_path.to_str().unwrap(),
        "--iis-config",
        config.to_str().unwrap(),
    ]);
    let doc = json(&run);
    let shop = check(
        &app(&doc, "Default Web Site/shop")["report"],
        "pool-identity-rights",
    );
    assert_eq!(shop["outcome"], "fail", "{shop:#}");
    let f = &shop["findings"][0];
    assert_eq!(f["symptom"], "500.19");
    assert!(
        f["message"].as_str().unwrap().starts_with(
            "`IIS APPPOOL\\ShopPool` (pool `ShopPool`) may not read & execute the app folder"
        ),
        "{f:#}"
    );
    // The same folder rights, another pool: HealthyPool reads its folder through `Users`.
    let healthy = check(&app(&doc, "Healthy/")["report"], "pool-identity-rights");
    assert_eq!(healthy["outcome"], "pass", "{healthy:#}");
    assert_eq!(app(&doc, "Healthy/")["outcome"], "pass");
}

/// Without `--static`, every app gets its own live probe, one after another: the real 3.1
/// `dotnet` on PATH starts the healthy app under the emulated ANCM (this machine's facts, the
/// sites from `--iis-config`) and it passes; the broken one (placeholders) is probed too and the
/// probe reproduces its failure.
#[test]
#[ignore = "real .NET tier: needs ANCM_TEST_DOTNET (scripts/test sets it)"]
fn each_app_gets_its_own_live_probe_with_the_real_runtime() {
    let dotnet = PathBuf::from(std::env::var_os("ANCM_TEST_DOTNET").expect("ANCM_TEST_DOTNET"));
    assert!(dotnet.is_file(), "real dotnet missing: run scripts/setup");
    let tmp = tempfile::tempdir().unwrap();
    let config = server(tmp.path());
    // The healthy app as published: .NET Core 3.1, which this machine's dotnet runs.
    std::fs::copy(
        repo().join("examples/healthy-portable/HelloWorld.runtimeconfig.json"),
        tmp.path().join("healthy/HelloWorld.runtimeconfig.json"),
    )
    .unwrap();
    let mut path = vec![dotnet.parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--all", "--format", "json", "--iis-config"])
        .arg(&config)
        .env("PATH", std::env::join_paths(path).unwrap())
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let doc = json(&run);
    assert_eq!(doc["host"], "probe");
    let healthy = &app(&doc, "Healthy/")["report"];
    assert_eq!(healthy["live_probe"], "ran", "{healthy:#}");
    let probe = check(healthy, "live-probe");
    assert_eq!(probe["outcome"], "pass", "{probe:#}\n{}", run.stderr);
    let shop = &app(&doc, "Default Web Site/shop")["report"];
    assert_eq!(shop["live_probe"], "ran", "{shop:#}");
    assert_eq!(check(shop, "live-probe")["outcome"], "fail", "{shop:#}");
    assert_eq!(run.code, 1);
}
