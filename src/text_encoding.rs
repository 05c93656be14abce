//! Text files written on Windows: UTF-8 with or without a BOM, and UTF-16 with a BOM — Windows
//! PowerShell 5.1's `>` and `Out-File` write UTF-16LE, so `ancm host --format json > server.json`
//! there produces one. Used by the readers of files people hand to ancm (host snapshots,
//! baselines); web.config has its own XML-aware decoding.
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error(
        "not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8 or UTF-16 with a BOM"
    )]
    NotUtf8 { offset: usize },
    #[error("invalid UTF-16 text (BOM present, but an unpaired surrogate or an odd length)")]
    BadUtf16,
}

/// Decodes by BOM: `EF BB BF` UTF-8, `FF FE` UTF-16LE, `FE FF` UTF-16BE; otherwise UTF-8.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    let utf16 = |rest: &[u8], le: bool| -> Result<String, DecodeError> {
        if rest.len() % 2 != 0 {
            return Err(DecodeError::BadUtf16);
        }
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| DecodeError::BadUtf16)
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => utf8(bytes),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|e| DecodeError::NotUtf8 {
            offset: e.valid_up_to(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_encodings() {
        assert_eq!(decode(b"{}").unwrap(), "{}");
        assert_eq!(decode(b"\xEF\xBB\xBF{}").unwrap(), "{}");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("{\"é\":1}".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(&le).unwrap(), "{\"é\":1}");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("ab".encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert_eq!(decode(&be).unwrap(), "ab");
        assert_eq!(decode(b"ab\xFFc"), Err(DecodeError::NotUtf8 { offset: 2 }));
        assert_eq!(decode(&[0xFF, 0xFE, 0x41]), Err(DecodeError::BadUtf16));
    }
}
