//! What an executable or library is, from its header only: PE32 / PE32+ (machine, CLR header and
//! its ILONLY / 32BITREQUIRED / 32BITPREFERRED flags), ELF (class, machine), Mach-O (cputype,
//! universal), and whether an apphost carries the .NET single-file bundle marker.
//!
//! Header parsing is the `object` crate's; this module only reads the few bytes it needs through
//! `object::ReadCache`, so probing a file costs a handful of small reads whatever its size. The
//! bundle marker search is a bounded, streamed byte search (hostfxr.md §7). It never writes.
use object::pe;
use object::read::elf::FileHeader as _;
use object::read::macho::{FatArch as _, MachHeader as _};
use object::{FileKind, ReadCache, ReadRef};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The 32-byte single-file bundle signature: SHA-256 of ".net core bundle" (hostfxr.md §7 [SRC
/// bundle_marker]). The 8 bytes before it hold the bundle header offset, little-endian.
pub const BUNDLE_SIGNATURE: [u8; 32] = [
    0x8b, 0x12, 0x02, 0xb9, 0x6a, 0x61, 0x20, 0x38, 0x72, 0x7b, 0x93, 0x02, 0x14, 0xd7, 0xa0, 0x32,
    0x13, 0xf5, 0xb9, 0xe6, 0xef, 0xae, 0x33, 0x18, 0xee, 0x3b, 0x2d, 0xce, 0x24, 0xb3, 0x6a, 0xae,
];

/// How far into a file the bundle marker is looked for. The marker sits in the host image's data,
/// ahead of the appended bundle; the largest host (`singlefilehost`, runtime linked in) is far
/// below this, so the bound only protects against scanning a huge unrelated file.
pub const BUNDLE_SCAN_LIMIT: u64 = 128 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFormat {
    /// PE with a 32-bit optional header (magic 0x10B).
    Pe32,
    /// PE with a 64-bit optional header (magic 0x20B).
    Pe32Plus,
    Elf32,
    Elf64,
    MachO32,
    MachO64,
    /// A fat / universal Mach-O holding several architectures.
    MachOUniversal,
}

impl BinaryFormat {
    pub fn is_pe(self) -> bool {
        matches!(self, BinaryFormat::Pe32 | BinaryFormat::Pe32Plus)
    }

    pub fn name(self) -> &'static str {
        match self {
            BinaryFormat::Pe32 => "PE32",
            BinaryFormat::Pe32Plus => "PE32+",
            BinaryFormat::Elf32 => "ELF 32-bit",
            BinaryFormat::Elf64 => "ELF 64-bit",
            BinaryFormat::MachO32 => "Mach-O 32-bit",
            BinaryFormat::MachO64 => "Mach-O 64-bit",
            BinaryFormat::MachOUniversal => "Mach-O universal",
        }
    }

    /// The operating system family that can load it.
    pub fn os(self) -> &'static str {
        match self {
            BinaryFormat::Pe32 | BinaryFormat::Pe32Plus => "Windows",
            BinaryFormat::Elf32 | BinaryFormat::Elf64 => "Linux",
            _ => "macOS",
        }
    }
}

/// A CPU architecture, named as .NET RIDs name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    X86,
    X64,
    Arm,
    Arm64,
    /// A machine this tool has no name for: the raw header value.
    Other(u32),
}

impl Machine {
    pub fn name(self) -> String {
        match self {
            Machine::X86 => "x86".into(),
            Machine::X64 => "x64".into(),
            Machine::Arm => "arm".into(),
            Machine::Arm64 => "arm64".into(),
            Machine::Other(n) => format!("machine 0x{n:x}"),
        }
    }
}

/// The managed (CLR) header of a PE: present in every .NET assembly, absent from an apphost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClrHeader {
    pub flags: u32,
}

impl ClrHeader {
    pub fn il_only(self) -> bool {
        self.flags & pe::COMIMAGE_FLAGS_ILONLY != 0
    }
    pub fn requires_32bit(self) -> bool {
        self.flags & pe::COMIMAGE_FLAGS_32BITREQUIRED != 0
    }
    pub fn prefers_32bit(self) -> bool {
        self.flags & pe::COMIMAGE_FLAGS_32BITPREFERRED != 0
    }
}

/// What a managed assembly can run as (hostfxr.md §7 "IL assembly arch").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagedArch {
    /// I386 + ILONLY without 32BITREQUIRED: runs in a 32- or 64-bit process.
    AnyCpu,
    /// AnyCPU with 32BITPREFERRED: 32-bit when started as an exe, any when loaded as a library.
    AnyCpuPrefer32,
    /// Bound to one machine (32BITREQUIRED on I386, or a 64-bit / ARM machine).
    Only(Machine),
}

impl ManagedArch {
    pub fn name(self) -> String {
        match self {
            ManagedArch::AnyCpu => "AnyCPU".into(),
            ManagedArch::AnyCpuPrefer32 => "AnyCPU (32-bit preferred)".into(),
            ManagedArch::Only(m) => m.name(),
        }
    }
}

/// The header facts of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryInfo {
    pub format: BinaryFormat,
    /// One machine, or every slice of a universal Mach-O.
    pub machines: Vec<Machine>,
    /// PE only: the CLR header, when the file is a managed assembly.
    pub clr: Option<ClrHeader>,
    /// PE only: a ReadyToRun image compiled for another OS stores its machine XOR-ed with an OS
    /// value; this names that OS ("Linux", "macOS" …), `None` for Windows or plain IL.
    pub ready_to_run_os: Option<&'static str>,
}

impl BinaryInfo {
    pub fn is_managed(&self) -> bool {
        self.clr.is_some()
    }

    /// The first (usually only) machine.
    pub fn machine(&self) -> Option<Machine> {
        self.machines.first().copied()
    }

    /// For a managed PE, what process bitness it can run in.
    pub fn managed_arch(&self) -> Option<ManagedArch> {
        let clr = self.clr?;
        let machine = self.machine()?;
        Some(match machine {
            Machine::X86 if clr.il_only() && !clr.requires_32bit() => {
                if clr.prefers_32bit() {
                    ManagedArch::AnyCpuPrefer32
                } else {
                    ManagedArch::AnyCpu
                }
            }
            m => ManagedArch::Only(m),
        })
    }

    /// "PE32+ x64", "PE32 AnyCPU .NET assembly", "ELF 64-bit x64" …
    pub fn describe(&self) -> String {
        let machines = self
            .machines
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(", ");
        match self.managed_arch() {
            Some(arch) => match self.ready_to_run_os {
                Some(os) => format!(
                    "{} {} .NET assembly (ReadyToRun for {os})",
                    self.format.name(),
                    arch.name()
                ),
                None => format!("{} {} .NET assembly", self.format.name(), arch.name()),
            },
            None => format!("{} {}", self.format.name(), machines),
        }
    }
}

#[derive(Debug, Error)]
pub enum BinaryError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a PE, ELF or Mach-O file", path.display())]
    NotExecutable { path: PathBuf },
    #[error("{}: malformed {format} header: {message}", path.display())]
    Malformed {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
}

/// Reads the header of the file at `path`.
pub fn read_header(path: &Path) -> Result<BinaryInfo, BinaryError> {
    let file = File::open(path).map_err(|source| BinaryError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let cache = ReadCache::new(file);
    parse_header(path, &cache)
}

/// Parses a header from any `object` data source (a byte slice in tests, a `ReadCache` on disk).
pub fn parse_header<'data, R: ReadRef<'data>>(
    path: &Path,
    data: R,
) -> Result<BinaryInfo, BinaryError> {
    let malformed = |format: &'static str, e: object::Error| BinaryError::Malformed {
        path: path.to_path_buf(),
        format,
        message: e.to_string(),
    };
    let malformed_pe = |message: String| BinaryError::Malformed {
        path: path.to_path_buf(),
        format: "PE",
        message,
    };
    let kind = FileKind::parse(data).map_err(|_| BinaryError::NotExecutable {
        path: path.to_path_buf(),
    })?;
    match kind {
        FileKind::Pe32 => pe_info::<pe::ImageNtHeaders32, R>(data).map_err(malformed_pe),
        FileKind::Pe64 => pe_info::<pe::ImageNtHeaders64, R>(data).map_err(malformed_pe),
        FileKind::Elf32 => {
            let h = object::elf::FileHeader32::<object::Endianness>::parse(data)
                .map_err(|e| malformed("ELF", e))?;
            let endian = h.endian().map_err(|e| malformed("ELF", e))?;
            Ok(BinaryInfo {
                format: BinaryFormat::Elf32,
                machines: vec![elf_machine(h.e_machine(endian))],
                clr: None,
                ready_to_run_os: None,
            })
        }
        FileKind::Elf64 => {
            let h = object::elf::FileHeader64::<object::Endianness>::parse(data)
                .map_err(|e| malformed("ELF", e))?;
            let endian = h.endian().map_err(|e| malformed("ELF", e))?;
            Ok(BinaryInfo {
                format: BinaryFormat::Elf64,
                machines: vec![elf_machine(h.e_machine(endian))],
                clr: None,
                ready_to_run_os: None,
            })
        }
        FileKind::MachO32 => {
            let h = object::macho::MachHeader32::<object::Endianness>::parse(data, 0)
                .map_err(|e| malformed("Mach-O", e))?;
            let endian = h.endian().map_err(|e| malformed("Mach-O", e))?;
            Ok(BinaryInfo {
                format: BinaryFormat::MachO32,
                machines: vec![macho_machine(h.cputype(endian))],
                clr: None,
                ready_to_run_os: None,
            })
        }
        FileKind::MachO64 => {
            let h = object::macho::MachHeader64::<object::Endianness>::parse(data, 0)
                .map_err(|e| malformed("Mach-O", e))?;
            let endian = h.endian().map_err(|e| malformed("Mach-O", e))?;
            Ok(BinaryInfo {
                format: BinaryFormat::MachO64,
                machines: vec![macho_machine(h.cputype(endian))],
                clr: None,
                ready_to_run_os: None,
            })
        }
        FileKind::MachOFat32 => {
            let fat = object::read::macho::MachOFatFile32::parse(data)
                .map_err(|e| malformed("Mach-O universal", e))?;
            Ok(BinaryInfo {
                format: BinaryFormat::MachOUniversal,
                machines: fat
                    .arches()
                    .iter()
                    .map(|a| macho_machine(a.cputype()))
                    .collect(),
                clr: None,
                ready_to_run_os: None,
            })
        }
        FileKind::MachOFat64 => {
            let fat = object::read::macho::MachOFatFile64::parse(data)
                .map_err(|e| malformed("Mach-O universal", e))?;
            Ok(BinaryInfo {
                format: BinaryFormat::MachOUniversal,
                machines: fat
                    .arches()
                    .iter()
                    .map(|a| macho_machine(a.cputype()))
                    .collect(),
                clr: None,
                ready_to_run_os: None,
            })
        }
        _ => Err(BinaryError::NotExecutable {
            path: path.to_path_buf(),
        }),
    }
}

fn pe_info<'data, Pe: object::read::pe::ImageNtHeaders, R: ReadRef<'data>>(
    data: R,
) -> Result<BinaryInfo, String> {
    let err = |e: object::Error| e.to_string();
    let dos = pe::ImageDosHeader::parse(data).map_err(err)?;
    let mut offset = dos.nt_headers_offset().into();
    let (nt, dirs) = Pe::parse(data, &mut offset).map_err(err)?;
    let format = if nt.is_type_64() {
        BinaryFormat::Pe32Plus
    } else {
        BinaryFormat::Pe32
    };
    let (machine, ready_to_run_os) =
        pe_machine_and_os(nt.file_header().machine.get(object::LittleEndian));
    // Data directory 14 non-empty ⇒ managed assembly (hostfxr.md §7 "Managed vs native exe").
    let clr = match dirs.get(pe::IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR) {
        Some(dir) if dir.virtual_address.get(object::LittleEndian) != 0 => {
            let sections = nt.sections(data, offset).map_err(err)?;
            let bytes = dir.data(data, &sections).map_err(err)?;
            let (header, _) = object::pod::from_bytes::<pe::ImageCor20Header>(bytes)
                .map_err(|()| "CLR header is truncated".to_string())?;
            Some(ClrHeader {
                flags: header.flags.get(object::LittleEndian),
            })
        }
        _ => None,
    };
    Ok(BinaryInfo {
        format,
        machines: vec![machine],
        clr,
        ready_to_run_os,
    })
}

/// ReadyToRun images for a non-Windows OS store `machine ^ override`. Linux 0x7B79 is verified
/// on the real 3.1.23 `System.Private.CoreLib.dll` (0xFD1D = 0x8664 ^ 0x7B79); the others are the
/// runtime's `IMAGE_FILE_MACHINE_NATIVE_OS_OVERRIDE` values as we recall them [INFER].
const R2R_OS_OVERRIDES: &[(u16, &str)] = &[
    (0x7B79, "Linux"),
    (0x4644, "macOS"),
    (0xADC4, "FreeBSD"),
    (0x1993, "NetBSD"),
];

fn pe_machine_and_os(m: u16) -> (Machine, Option<&'static str>) {
    let plain = pe_machine(m);
    if !matches!(plain, Machine::Other(_)) {
        return (plain, None);
    }
    for (xor, os) in R2R_OS_OVERRIDES {
        let decoded = pe_machine(m ^ xor);
        if !matches!(decoded, Machine::Other(_)) {
            return (decoded, Some(os));
        }
    }
    (plain, None)
}

/// COFF machine values (hostfxr.md §7 "Windows apphost arch").
fn pe_machine(m: u16) -> Machine {
    match m {
        pe::IMAGE_FILE_MACHINE_I386 => Machine::X86,
        pe::IMAGE_FILE_MACHINE_AMD64 => Machine::X64,
        pe::IMAGE_FILE_MACHINE_ARMNT | pe::IMAGE_FILE_MACHINE_ARM => Machine::Arm,
        pe::IMAGE_FILE_MACHINE_ARM64 => Machine::Arm64,
        other => Machine::Other(other.into()),
    }
}

fn elf_machine(m: u16) -> Machine {
    match m {
        object::elf::EM_386 => Machine::X86,
        object::elf::EM_X86_64 => Machine::X64,
        object::elf::EM_ARM => Machine::Arm,
        object::elf::EM_AARCH64 => Machine::Arm64,
        other => Machine::Other(other.into()),
    }
}

fn macho_machine(cputype: u32) -> Machine {
    match cputype {
        object::macho::CPU_TYPE_X86 => Machine::X86,
        object::macho::CPU_TYPE_X86_64 => Machine::X64,
        object::macho::CPU_TYPE_ARM => Machine::Arm,
        object::macho::CPU_TYPE_ARM64 => Machine::Arm64,
        other => Machine::Other(other),
    }
}

/// What the bundle marker search found in an apphost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleMarker {
    /// No marker: not a .NET (3.0+) apphost.
    Absent,
    /// Marker with header offset 0: a plain apphost.
    PlainApphost,
    /// Marker with a non-zero header offset: a single-file bundle.
    Bundle { header_offset: u64 },
}

/// Streams the file looking for [`BUNDLE_SIGNATURE`], up to [`BUNDLE_SCAN_LIMIT`] bytes, and reads
/// the header offset stored in the 8 bytes before it (hostfxr.md §7).
pub fn find_bundle_marker(path: &Path) -> Result<BundleMarker, BinaryError> {
    let io = |source| BinaryError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    scan_bundle_marker(file.take(BUNDLE_SCAN_LIMIT)).map_err(io)
}

/// The search itself, over any reader: chunks with an overlap so a marker split across two reads
/// (with its 8-byte offset) is still found.
pub fn scan_bundle_marker(mut reader: impl Read) -> std::io::Result<BundleMarker> {
    const CHUNK: usize = 256 * 1024;
    const KEEP: usize = BUNDLE_SIGNATURE.len() + 8;
    let finder = memchr::memmem::Finder::new(&BUNDLE_SIGNATURE);
    let mut buf = vec![0u8; CHUNK + KEEP];
    let mut filled = 0usize;
    loop {
        let n = match reader.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let eof = n == 0;
        filled += n;
        // The signature needs 8 bytes before it; search from offset 8 so those are in the buffer.
        if filled > 8 {
            if let Some(pos) = finder.find(&buf[8..filled]) {
                let at = pos + 8;
                let mut offset = [0u8; 8];
                offset.copy_from_slice(&buf[at - 8..at]);
                let header_offset = u64::from_le_bytes(offset);
                return Ok(if header_offset == 0 {
                    BundleMarker::PlainApphost
                } else {
                    BundleMarker::Bundle { header_offset }
                });
            }
        }
        if eof {
            return Ok(BundleMarker::Absent);
        }
        if filled == buf.len() {
            buf.copy_within(filled - KEEP..filled, 0);
            filled = KEEP;
        }
    }
}

/// Tiny, header-only images for tests and the bundled examples: a real PE / ELF / Mach-O header
/// that `object` parses, not a runnable program.
#[doc(hidden)]
pub mod test_images {
    use super::BUNDLE_SIGNATURE;

    /// A PE image: machine, 32- or 64-bit optional header, optional CLR header flags, and bytes
    /// placed in its one section (e.g. a bundle marker).
    pub fn pe(machine: u16, pe32plus: bool, clr_flags: Option<u32>, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 0x400];
        f[0] = b'M';
        f[1] = b'Z';
        let nt = 0x80usize;
        f[0x3c..0x40].copy_from_slice(&(nt as u32).to_le_bytes());
        f[nt..nt + 4].copy_from_slice(b"PE\0\0");
        let coff = nt + 4;
        let opt_size: u16 = if pe32plus { 240 } else { 224 };
        put16(&mut f, coff, machine);
        put16(&mut f, coff + 2, 1); // one section
        put16(&mut f, coff + 16, opt_size);
        put16(&mut f, coff + 18, 0x0022); // executable, large-address aware
        let opt = coff + 20;
        put16(&mut f, opt, if pe32plus { 0x20b } else { 0x10b });
        let (dirs_at, count_at) = if pe32plus {
            (opt + 112, opt + 108)
        } else {
            (opt + 96, opt + 92)
        };
        put32(&mut f, opt + 32, 0x1000); // section alignment
        put32(&mut f, opt + 36, 0x200); // file alignment
        put32(&mut f, opt + 56, 0x2000 + payload.len() as u32); // size of image
        put32(&mut f, opt + 60, 0x200); // size of headers
        put16(&mut f, opt + 68, 3); // console subsystem
        put32(&mut f, count_at, 16);
        // One section `.data` at RVA 0x1000, file offset 0x200.
        let sec = opt + opt_size as usize;
        f[sec..sec + 5].copy_from_slice(b".data");
        let mut body = Vec::new();
        if let Some(flags) = clr_flags {
            // IMAGE_COR20_HEADER (72 bytes) at the section start; data directory 14 points at it.
            let mut cor = vec![0u8; 72];
            put32(&mut cor, 0, 72);
            put16(&mut cor, 4, 2);
            put16(&mut cor, 6, 5);
            put32(&mut cor, 16, flags);
            body.extend_from_slice(&cor);
            put32(&mut f, dirs_at + 14 * 8, 0x1000);
            put32(&mut f, dirs_at + 14 * 8 + 4, 72);
        }
        body.extend_from_slice(payload);
        let raw = body.len().div_ceil(0x200).max(1) * 0x200;
        put32(&mut f, sec + 8, raw as u32); // virtual size
        put32(&mut f, sec + 12, 0x1000); // virtual address
        put32(&mut f, sec + 16, raw as u32); // size of raw data
        put32(&mut f, sec + 20, 0x200); // pointer to raw data
        put32(&mut f, sec + 36, 0xC000_0040); // initialized data, read, write
        f.truncate(0x200);
        body.resize(raw, 0);
        f.extend_from_slice(&body);
        f
    }

    /// The bytes an apphost carries: 8-byte header offset then the bundle signature.
    pub fn bundle_marker(header_offset: u64) -> Vec<u8> {
        let mut v = header_offset.to_le_bytes().to_vec();
        v.extend_from_slice(&BUNDLE_SIGNATURE);
        v
    }

    /// A 64-byte ELF64 little-endian executable header for `machine`.
    pub fn elf64(machine: u16) -> Vec<u8> {
        let mut f = vec![0u8; 64];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2; // 64-bit
        f[5] = 1; // little-endian
        f[6] = 1; // version
        put16(&mut f, 16, 2); // ET_EXEC
        put16(&mut f, 18, machine);
        put32(&mut f, 20, 1);
        put16(&mut f, 52, 64); // e_ehsize
        f
    }

    /// A Mach-O 64 little-endian header for `cputype`.
    pub fn macho64(cputype: u32) -> Vec<u8> {
        let mut f = vec![0u8; 32];
        put32(&mut f, 0, 0xfeed_facf);
        put32(&mut f, 4, cputype);
        put32(&mut f, 12, 2); // MH_EXECUTE
        f
    }

    fn put16(f: &mut [u8], at: usize, v: u16) {
        f[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    fn put32(f: &mut [u8], at: usize, v: u32) {
        f[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::test_images::*;
    use super::*;

    fn info(bytes: &[u8]) -> Result<BinaryInfo, BinaryError> {
        parse_header(Path::new("x"), bytes)
    }

    #[test]
    fn native_pe_x64_apphost() {
        let i = info(&pe(pe::IMAGE_FILE_MACHINE_AMD64, true, None, b"hi")).unwrap();
        assert_eq!(i.format, BinaryFormat::Pe32Plus);
        assert_eq!(i.machine(), Some(Machine::X64));
        assert!(!i.is_managed());
        assert_eq!(i.describe(), "PE32+ x64");
    }

    #[test]
    fn native_pe_x86_and_arm64() {
        let i = info(&pe(pe::IMAGE_FILE_MACHINE_I386, false, None, b"")).unwrap();
        assert_eq!(
            (i.format, i.machine()),
            (BinaryFormat::Pe32, Some(Machine::X86))
        );
        let i = info(&pe(pe::IMAGE_FILE_MACHINE_ARM64, true, None, b"")).unwrap();
        assert_eq!(i.machine(), Some(Machine::Arm64));
    }

    #[test]
    fn managed_anycpu_x86_and_prefer32() {
        let il = pe::COMIMAGE_FLAGS_ILONLY;
        let i = info(&pe(pe::IMAGE_FILE_MACHINE_I386, false, Some(il), b"")).unwrap();
        assert_eq!(i.managed_arch(), Some(ManagedArch::AnyCpu));
        assert_eq!(i.describe(), "PE32 AnyCPU .NET assembly");
        let req = il | pe::COMIMAGE_FLAGS_32BITREQUIRED;
        let i = info(&pe(pe::IMAGE_FILE_MACHINE_I386, false, Some(req), b"")).unwrap();
        assert_eq!(i.managed_arch(), Some(ManagedArch::Only(Machine::X86)));
        let pref = il | pe::COMIMAGE_FLAGS_32BITPREFERRED;
        let i = info(&pe(pe::IMAGE_FILE_MACHINE_I386, false, Some(pref), b"")).unwrap();
        assert_eq!(i.managed_arch(), Some(ManagedArch::AnyCpuPrefer32));
        let i = info(&pe(pe::IMAGE_FILE_MACHINE_AMD64, true, Some(il), b"")).unwrap();
        assert_eq!(i.managed_arch(), Some(ManagedArch::Only(Machine::X64)));
    }

    #[test]
    fn ready_to_run_for_linux_is_decoded() {
        let il = pe::COMIMAGE_FLAGS_ILONLY;
        let i = info(&pe(0x8664 ^ 0x7B79, true, Some(il), b"")).unwrap();
        assert_eq!(i.machine(), Some(Machine::X64));
        assert_eq!(i.ready_to_run_os, Some("Linux"));
        assert_eq!(
            i.describe(),
            "PE32+ x64 .NET assembly (ReadyToRun for Linux)"
        );
    }

    #[test]
    fn elf_and_macho() {
        let i = info(&elf64(object::elf::EM_X86_64)).unwrap();
        assert_eq!(
            (i.format, i.machine()),
            (BinaryFormat::Elf64, Some(Machine::X64))
        );
        assert_eq!(i.format.os(), "Linux");
        let i = info(&macho64(object::macho::CPU_TYPE_ARM64)).unwrap();
        assert_eq!(
            (i.format, i.machine()),
            (BinaryFormat::MachO64, Some(Machine::Arm64))
        );
    }

    #[test]
    fn text_and_truncated_files_are_errors_not_panics() {
        assert!(matches!(
            info(b"placeholder for App.dll"),
            Err(BinaryError::NotExecutable { .. })
        ));
        assert!(info(b"").is_err());
        let mut p = pe(pe::IMAGE_FILE_MACHINE_AMD64, true, Some(1), b"");
        p.truncate(0x190);
        assert!(info(&p).is_err());
        let mut p = pe(pe::IMAGE_FILE_MACHINE_AMD64, true, None, b"");
        p.truncate(0x90);
        assert!(info(&p).is_err());
    }

    #[test]
    fn bundle_marker_plain_bundle_and_absent() {
        let plain = pe(0x8664, true, None, &bundle_marker(0));
        assert_eq!(
            scan_bundle_marker(&plain[..]).unwrap(),
            BundleMarker::PlainApphost
        );
        let bundle = pe(0x8664, true, None, &bundle_marker(0x1234));
        assert_eq!(
            scan_bundle_marker(&bundle[..]).unwrap(),
            BundleMarker::Bundle {
                header_offset: 0x1234
            }
        );
        let none = pe(0x8664, true, None, b"");
        assert_eq!(scan_bundle_marker(&none[..]).unwrap(), BundleMarker::Absent);
    }

    proptest::proptest! {
        /// Arbitrary bytes, and valid images with bytes overwritten anywhere in their headers,
        /// give a result or an error — never a panic (the same property as `fuzz/binary_header`).
        #[test]
        fn hostile_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = info(&bytes);
            let _ = scan_bundle_marker(&bytes[..]);
        }

        #[test]
        fn damaged_images_never_panic(
            which in 0usize..4,
            edits in proptest::collection::vec((0usize..0x400, proptest::num::u8::ANY), 1..12),
        ) {
            let mut img = match which {
                0 => pe(pe::IMAGE_FILE_MACHINE_AMD64, true, Some(1), &bundle_marker(9)),
                1 => pe(pe::IMAGE_FILE_MACHINE_I386, false, Some(3), b""),
                2 => elf64(object::elf::EM_AARCH64),
                _ => macho64(object::macho::CPU_TYPE_X86_64),
            };
            for (at, byte) in edits {
                if let Some(b) = img.get_mut(at) {
                    *b = byte;
                }
            }
            if let Ok(i) = info(&img) {
                let _ = i.describe();
                let _ = i.managed_arch();
            }
        }
    }

    #[test]
    fn bundle_marker_across_chunk_boundaries() {
        // Put the marker at every offset around the 256 KiB chunk edge.
        for delta in 0..48usize {
            let at = 256 * 1024 - 40 + delta;
            let mut data = vec![0x55u8; at];
            data.extend_from_slice(&bundle_marker(77));
            data.extend_from_slice(&[0u8; 100]);
            // A reader that returns small, uneven reads.
            struct Dribble<'a>(&'a [u8]);
            impl Read for Dribble<'_> {
                fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
                    let n = b.len().min(self.0.len()).min(7919);
                    b[..n].copy_from_slice(&self.0[..n]);
                    self.0 = &self.0[n..];
                    Ok(n)
                }
            }
            assert_eq!(
                scan_bundle_marker(Dribble(&data)).unwrap(),
                BundleMarker::Bundle { header_offset: 77 },
                "delta {delta}"
            );
        }
    }
}
