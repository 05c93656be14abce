//! Fuzz target: bytes from the app into the proxy's own HTTP/1.1 reader (`live::app_http`): the
//! response head (status, headers, framing, the 64 KiB limit) and, after it, the chunked body
//! decoder fed in pieces. The first byte picks the piece size and whether the request was HEAD.
//! Never a panic or a hang; a decoder that consumes nothing without asking for more is a hang.
#![no_main]
use ancm_doctor::live::app_http::{parse_response_head, Chunk, ChunkedDecoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let head_request = mode & 0x80 != 0;
    let piece = usize::from(mode & 0x3f) + 1;
    let body = match parse_response_head(rest, head_request) {
        Ok(Some((_, n))) => &rest[n..],
        // Not a head: the bytes as a chunked body alone.
        _ => rest,
    };
    let mut decoder = ChunkedDecoder::new();
    let (mut buf, mut fed) = (Vec::new(), 0usize);
    let mut steps = 0usize;
    loop {
        steps += 1;
        assert!(steps < 4 * body.len() + 16, "the decoder went round without progress");
        match decoder.next(&buf) {
            Err(_) => return,
            Ok(Chunk::NeedMore) => {
                if fed >= body.len() {
                    return;
                }
                let end = (fed + piece).min(body.len());
                buf.extend_from_slice(&body[fed..end]);
                fed = end;
            }
            Ok(Chunk::Framing(n)) | Ok(Chunk::Data(n)) => {
                assert!(n > 0 && n <= buf.len(), "step of {n} over {} bytes", buf.len());
                buf.drain(..n);
            }
            Ok(Chunk::End(n)) => {
                assert!(n <= buf.len());
                return;
            }
        }
    }
});
