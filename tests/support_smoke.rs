//! The real .NET tier's own smoke test: mcs compiles a C# app and the real host runs it.
mod support;

#[test]
#[ignore = "needs scripts/setup (real dotnet + mono-mcs)"]
fn mcs_compiled_app_runs_on_real_dotnet() {
    let dir = tempfile::tempdir().unwrap();
    let dll = support::compile_csharp(
        dir.path(),
        "Hello",
        r#"class P { static int Main() { System.Console.WriteLine("hello from " + System.Environment.Version); return 7; } }"#,
        &support::netcore_runtimeconfig("3.1.0"),
    );
    let out = std::process::Command::new(support::dotnet())
        .arg(&dll)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(7),
        "stdout: {stdout} stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("hello from 3.1"), "{stdout}");
}
