//! Reads two facts from executable files: the machine they are built for (PE, ELF, Mach-O via the
//! `object` crate) and a PE's file version (`VS_FIXEDFILEINFO` in its version resource). Pure over
//! bytes, plus thin file readers that turn any error into `None` (a fact we could not read).
use std::path::Path;

/// `x64`, `x86`, `arm64`, `arm` (the names Windows and the .NET RIDs use), or `None`.
pub fn machine(bytes: &[u8]) -> Option<String> {
    use object::{Architecture, Object};
    let file = object::File::parse(bytes).ok()?;
    let name = match file.architecture() {
        Architecture::X86_64 | Architecture::X86_64_X32 => "x64",
        Architecture::I386 => "x86",
        Architecture::Aarch64 => "arm64",
        Architecture::Arm => "arm",
        _ => return None,
    };
    Some(name.to_string())
}

/// The file version of a PE's `VS_VERSION_INFO` resource, e.g. `18.0.24141.0`.
///
/// Finds the UTF-16 key `VS_VERSION_INFO`, then the `VS_FIXEDFILEINFO` signature `0xFEEF04BD`
/// within the next few aligned words, and reads `dwFileVersionMS`/`LS` after it.
pub fn file_version(bytes: &[u8]) -> Option<String> {
    let key: Vec<u8> = "VS_VERSION_INFO\0"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let sig = 0xFEEF_04BDu32.to_le_bytes();
    let mut from = 0;
    while let Some(i) = find(&bytes[from..], &key) {
        let after = from + i + key.len();
        for pad in 0..8 {
            let at = after + pad;
            if bytes.get(at..at + 4) == Some(&sig[..]) {
                let word = |o: usize| -> Option<u32> {
                    let b = bytes.get(at + o..at + o + 4)?;
                    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                };
                let ms = word(8)?;
                let ls = word(12)?;
                return Some(format!(
                    "{}.{}.{}.{}",
                    ms >> 16,
                    ms & 0xFFFF,
                    ls >> 16,
                    ls & 0xFFFF
                ));
            }
        }
        from = after;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// [`machine`] of a file on disk.
pub fn machine_of(path: &Path) -> Option<String> {
    machine(&std::fs::read(path).ok()?)
}

/// [`file_version`] of a file on disk.
pub fn file_version_of(path: &Path) -> Option<String> {
    file_version(&std::fs::read(path).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version_block(ms: u32, ls: u32) -> Vec<u8> {
        let mut b = vec![0u8; 6]; // wLength, wValueLength, wType
        b.extend(
            "VS_VERSION_INFO\0"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        );
        b.extend([0, 0]); // padding to a 32-bit boundary
        b.extend(0xFEEF_04BDu32.to_le_bytes());
        b.extend(0x0001_0000u32.to_le_bytes());
        b.extend(ms.to_le_bytes());
        b.extend(ls.to_le_bytes());
        b
    }

    #[test]
    fn reads_the_fixed_file_version() {
        let mut bytes = b"MZ garbage".to_vec();
        bytes.extend(version_block(18 << 16, (24141 << 16) | 3));
        assert_eq!(file_version(&bytes).as_deref(), Some("18.0.24141.3"));
    }

    #[test]
    fn no_version_resource_is_none_not_a_panic() {
        assert_eq!(file_version(b"MZ"), None);
        let mut truncated = version_block(1, 2);
        truncated.truncate(truncated.len() - 6);
        assert_eq!(file_version(&truncated), None);
        assert_eq!(machine(b"not an executable"), None);
    }

    #[test]
    fn reads_the_machine_of_this_test_binary() {
        let exe = std::env::current_exe().unwrap();
        let m = machine_of(&exe);
        let expected = match std::env::consts::ARCH {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            "x86" => "x86",
            _ => return,
        };
        assert_eq!(m.as_deref(), Some(expected));
    }
}
