//! The binary files in `examples/` are what they claim to be. `HelloWorld.dll` is a real .NET
//! assembly (built by `mcs` from `examples/src/HelloWorld.cs`); the apphost-like files are
//! header-only stand-ins made by `binary::test_images` — real PE / ELF headers `object` parses,
//! not runnable programs. `ANCM_BLESS=1 cargo test --test example_binaries` rewrites the stand-ins.
use ancm_doctor::deployment::binary::{self, test_images, BinaryFormat, BundleMarker, Machine};
use std::path::PathBuf;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn apphost() -> Vec<u8> {
    test_images::pe(
        object::pe::IMAGE_FILE_MACHINE_AMD64,
        true,
        None,
        &test_images::bundle_marker(0),
    )
}

fn native_x64() -> Vec<u8> {
    test_images::pe(object::pe::IMAGE_FILE_MACHINE_AMD64, true, None, b"")
}

/// (file, bytes it must hold)
fn stand_ins() -> Vec<(PathBuf, Vec<u8>)> {
    vec![
        (
            // A single-file bundle: an x64 apphost whose bundle marker has a non-zero header offset.
            examples().join("single-file-inprocess/HelloWorld.exe"),
            test_images::pe(
                object::pe::IMAGE_FILE_MACHINE_AMD64,
                true,
                None,
                &test_images::bundle_marker(0x0002_a000),
            ),
        ),
        (
            // The extension-less apphost of a `linux-x64` publish.
            examples().join("linux-publish-on-iis/HelloWorld"),
            test_images::elf64(object::elf::EM_X86_64),
        ),
        (
            // A plain (not bundled) x64 apphost whose HelloWorld.dll was not deployed.
            examples().join("apphost-without-dll/HelloWorld.exe"),
            apphost(),
        ),
        (
            examples().join("self-contained-started-with-dotnet/HelloWorld.exe"),
            apphost(),
        ),
        (
            examples().join("self-contained-started-with-dotnet/hostfxr.dll"),
            native_x64(),
        ),
        (
            examples().join("self-contained-started-with-dotnet/hostpolicy.dll"),
            native_x64(),
        ),
        (
            examples().join("self-contained-started-with-dotnet/coreclr.dll"),
            native_x64(),
        ),
        (
            examples().join("self-contained-started-with-dotnet/System.Private.CoreLib.dll"),
            test_images::pe(
                object::pe::IMAGE_FILE_MACHINE_AMD64,
                true,
                Some(object::pe::COMIMAGE_FLAGS_ILONLY),
                b"",
            ),
        ),
    ]
}

#[test]
fn stand_ins_match_their_generator() {
    let bless = std::env::var_os("ANCM_BLESS").is_some_and(|v| v == "1");
    for (path, bytes) in stand_ins() {
        if bless {
            std::fs::write(&path, &bytes).unwrap();
        }
        let on_disk = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (ANCM_BLESS=1 writes it)", path.display()));
        assert_eq!(on_disk, bytes, "{} is stale: ANCM_BLESS=1", path.display());
    }
}

#[test]
fn stand_ins_read_as_intended() {
    let exe = examples().join("single-file-inprocess/HelloWorld.exe");
    let info = binary::read_header(&exe).unwrap();
    assert_eq!(info.format, BinaryFormat::Pe32Plus);
    assert_eq!(info.machine(), Some(Machine::X64));
    assert!(!info.is_managed());
    assert_eq!(
        binary::find_bundle_marker(&exe).unwrap(),
        BundleMarker::Bundle {
            header_offset: 0x0002_a000
        }
    );
    let elf = binary::read_header(&examples().join("linux-publish-on-iis/HelloWorld")).unwrap();
    assert_eq!(elf.format, BinaryFormat::Elf64);
}

#[test]
fn legacy_exe_is_a_real_net_framework_exe() {
    let exe = examples().join("netfx-inprocess/Legacy.exe");
    let info = binary::read_header(&exe).unwrap();
    assert_eq!(info.format, BinaryFormat::Pe32);
    assert_eq!(info.managed_arch(), Some(binary::ManagedArch::AnyCpu));
}

#[test]
fn hello_world_dll_is_a_real_anycpu_assembly() {
    for dir in [
        "healthy-portable",
        "exe-for-portable-app",
        "wrong-dll-argument",
    ] {
        let dll = examples().join(dir).join("HelloWorld.dll");
        let info = binary::read_header(&dll).unwrap();
        assert_eq!(info.format, BinaryFormat::Pe32, "{}", dll.display());
        assert_eq!(
            info.managed_arch(),
            Some(binary::ManagedArch::AnyCpu),
            "{}",
            dll.display()
        );
        assert_eq!(
            binary::find_bundle_marker(&dll).unwrap(),
            BundleMarker::Absent
        );
    }
}
