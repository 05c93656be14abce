//! `deployment::binary` on real files: the real dotnet 3.1.23 muxer and hostfxr (ELF x64), the
//! shared framework's ReadyToRun `System.Private.CoreLib.dll` (machine XOR-ed for Linux), and a
//! fresh `mcs`-compiled assembly (PE32 AnyCPU). Needs `scripts/setup`.
mod support;

use ancm_doctor::deployment::binary::{
    find_bundle_marker, read_header, BinaryFormat, BundleMarker, Machine, ManagedArch,
};

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23 and mcs)"]
fn real_host_and_framework_files() {
    let root = support::dotnet_root();
    let muxer = read_header(&support::dotnet()).unwrap();
    assert_eq!(muxer.format, BinaryFormat::Elf64);
    assert_eq!(muxer.machine(), Some(Machine::X64));
    assert_eq!(
        find_bundle_marker(&support::dotnet()).unwrap(),
        BundleMarker::Absent
    );
    let fxr = read_header(&root.join("host/fxr/3.1.23/libhostfxr.so")).unwrap();
    assert_eq!(fxr.format, BinaryFormat::Elf64);
    let corelib =
        read_header(&root.join("shared/Microsoft.NETCore.App/3.1.23/System.Private.CoreLib.dll"))
            .unwrap();
    assert!(corelib.is_managed());
    assert_eq!(corelib.machine(), Some(Machine::X64));
    assert_eq!(corelib.ready_to_run_os, Some("Linux"));
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23 and mcs)"]
fn mcs_assembly_is_anycpu() {
    let dir = tempfile::tempdir().unwrap();
    let dll = support::compile_csharp(
        dir.path(),
        "Tiny",
        "static class P { static void Main() {} }",
        &support::netcore_runtimeconfig("3.1.0"),
    );
    let info = read_header(&dll).unwrap();
    assert_eq!(info.format, BinaryFormat::Pe32);
    assert_eq!(info.managed_arch(), Some(ManagedArch::AnyCpu));
}
