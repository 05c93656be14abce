//! HTTP/1.1 as the proxy speaks it to the app, without the I/O: the request head ANCM sends
//! (ancm-protocol.md §4.2–§4.4), written straight from the client's parsed request, and the
//! app's response head read into what the client is sent (§4.6–§4.7), with the framing of its
//! body.
//!
//! The request is rewritten while it is written out — headers ANCM drops are skipped, the token
//! and `X-Forwarded-*` appended — instead of being edited in a `HeaderMap` and then serialized
//! (each insert or remove there hashed the name, per request). Likewise the response's headers
//! are dropped or kept as they are parsed. `httparse` does the parsing, as it does inside hyper.
use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::uri::PathAndQuery;
use hyper::{Method, StatusCode};

/// ANCM's limit on the app's response head: WinHTTP's maximum response header size, which
/// `PROTOCOL_CONFIG::Initialize` sets to 64 KiB (ancm-protocol.md §4.1). A larger head is an
/// invalid server response (502.3).
pub const MAX_RESPONSE_HEAD: usize = 64 * 1024;
/// Headers in one response at most (hyper's client default; WinHTTP's limit is the size above).
const MAX_HEADERS: usize = 100;
/// A chunk-size or trailer line longer than this is not HTTP.
const MAX_LINE: usize = 8 * 1024;

const KEEP_ALIVE: &str = "keep-alive";
const PROXY_CONNECTION: &str = "proxy-connection";
const MS_ASPNETCORE_TOKEN: &str = "ms-aspnetcore-token";
const X_FORWARDED_FOR: &str = "x-forwarded-for";
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";

/// What ANCM adds to a request for one backend and one client.
pub struct RequestRewrite<'a> {
    /// `MS-ASPNETCORE-TOKEN` (§4.3 step 3).
    pub token: &'a HeaderValue,
    /// The client's address and port, appended to `X-Forwarded-For` (step 5).
    pub client: &'a HeaderValue,
    /// `Host` for a request that came without one (an HTTP/1.0 client; IIS uses its binding).
    pub host: &'a HeaderValue,
    /// A WebSocket upgrade: `Connection` is kept and `Sec-WebSocket-Extensions` dropped (steps
    /// 8–9).
    pub websocket: bool,
}

/// How the request's body follows its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFraming {
    /// No body.
    Empty,
    /// As many bytes as the client's `Content-Length` says, passed on as they come.
    Length,
    /// Re-chunked (§4.4): the client's body arrives decoded and is framed again.
    Chunked,
}

/// Writes the request line and headers ANCM sends for this request (§4.2–§4.3) into `out`, and
/// says how its body is framed. `has_body`: the client's body is not known to be empty.
pub fn encode_request_head(
    out: &mut Vec<u8>,
    method: &Method,
    target: Option<&PathAndQuery>,
    headers: &HeaderMap,
    rw: &RequestRewrite<'_>,
    has_body: bool,
) -> RequestFraming {
    // Origin form (`/path?query`), whatever form the client used, as WinHTTP sends it.
    let target = target.map_or("/", |t| t.as_str());
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(if target.is_empty() {
        b"/"
    } else {
        target.as_bytes()
    });
    out.extend_from_slice(b" HTTP/1.1\r\n");
    // Names the client's Connection header lists are hop-by-hop too (not on a WebSocket
    // upgrade, which keeps Connection). Empty, and not allocated, without a Connection header.
    let listed: Vec<HeaderName> = if rw.websocket {
        Vec::new()
    } else {
        headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
            .filter(|n| n != header::TRANSFER_ENCODING)
            .collect()
    };
    // The client's own X-Forwarded-* values, joined (rare: only these allocate).
    let (mut forwarded_for, mut forwarded_proto) = (Vec::new(), Vec::new());
    let (mut host, mut length, mut chunked) = (false, false, false);
    for (name, value) in headers {
        let n = name.as_str();
        if n.starts_with("ms-aspnetcore") {
            // Spoofed token, event or auth headers (step 2); the token is set below.
            continue;
        }
        if n == X_FORWARDED_FOR || n == X_FORWARDED_PROTO {
            if value.to_str().is_ok() {
                let joined = if n == X_FORWARDED_FOR {
                    &mut forwarded_for
                } else {
                    &mut forwarded_proto
                };
                joined.extend_from_slice(value.as_bytes());
                joined.extend_from_slice(b", ");
            }
            continue;
        }
        if rw.websocket {
            if name == header::SEC_WEBSOCKET_EXTENSIONS {
                // WinHTTP cannot negotiate extensions.
                continue;
            }
        } else if name == header::CONNECTION
            || n == KEEP_ALIVE
            || n == PROXY_CONNECTION
            || name == header::UPGRADE
            || listed.contains(name)
        {
            continue;
        }
        host |= name == header::HOST;
        length |= name == header::CONTENT_LENGTH;
        chunked |= name == header::TRANSFER_ENCODING;
        write_header(out, n, value.as_bytes());
    }
    if !host {
        write_header(out, header::HOST.as_str(), rw.host.as_bytes());
    }
    write_header(out, MS_ASPNETCORE_TOKEN, rw.token.as_bytes());
    write_joined(out, X_FORWARDED_FOR, &forwarded_for, rw.client.as_bytes());
    write_joined(out, X_FORWARDED_PROTO, &forwarded_proto, b"http");
    // Transfer-Encoding wins over Content-Length (RFC 9112 §6.3); hyper's server has already
    // refused a request whose Transfer-Encoding does not end in chunked.
    let framing = if chunked {
        RequestFraming::Chunked
    } else if length {
        RequestFraming::Length
    } else if has_body {
        write_header(out, header::TRANSFER_ENCODING.as_str(), b"chunked");
        RequestFraming::Chunked
    } else {
        RequestFraming::Empty
    };
    out.extend_from_slice(b"\r\n");
    framing
}

/// `name: <earlier, >ours` (§4.3 steps 5–6).
fn write_joined(out: &mut Vec<u8>, name: &str, earlier: &[u8], ours: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(earlier);
    out.extend_from_slice(ours);
    out.extend_from_slice(b"\r\n");
}

fn write_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    write_joined(out, name, b"", value);
}

/// Appends one chunk of a re-chunked body (§4.4: lowercase hex, no leading zeros).
pub fn encode_chunk(out: &mut Vec<u8>, data: &[u8]) {
    use std::io::Write;
    let _ = write!(out, "{:x}\r\n", data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The end of a re-chunked body (client trailers are not forwarded, §4.4).
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// The app's response head, as the client is to get it.
#[derive(Debug)]
pub struct ResponseHead {
    pub status: StatusCode,
    /// The app's reason phrase when it is not the standard one and the status is not 200 (for
    /// 200 IIS keeps its own, §4.6).
    pub reason: Option<hyper::ext::ReasonPhrase>,
    /// Without Date, Connection, Keep-Alive and a chunked Transfer-Encoding, and with the last
    /// of a repeated single-value header (§4.6).
    pub headers: HeaderMap,
    pub framing: ResponseFraming,
    /// The app keeps the connection open after this response.
    pub keep_alive: bool,
}

/// How the response's body is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFraming {
    /// None: HEAD, 1xx, 204, 304.
    Empty,
    Length(u64),
    Chunked,
    /// Until the app closes the connection.
    UntilClose,
}

/// Why the app's answer is not HTTP as ANCM takes it (ERROR_WINHTTP_INVALID_SERVER_RESPONSE,
/// 502.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidResponse(pub String);

impl std::fmt::Display for InvalidResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid response from the app: {}", self.0)
    }
}

fn invalid(what: impl Into<String>) -> InvalidResponse {
    InvalidResponse(what.into())
}

/// Parses the response head at the start of `buf`: `Ok(None)` while it is incomplete,
/// `Ok(Some((head, n)))` once its `n` bytes are there. `head_request`: the request was HEAD
/// (its response has no body whatever it announces). A 1xx other than 101 is returned too; the
/// caller reads on.
pub fn parse_response_head(
    buf: &[u8],
    head_request: bool,
) -> Result<Option<(ResponseHead, usize)>, InvalidResponse> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut slots);
    let n = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() >= MAX_RESPONSE_HEAD => {
            return Err(invalid(format!(
                "its response head is larger than {} KiB",
                MAX_RESPONSE_HEAD / 1024
            )))
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(invalid(format!("more than {MAX_HEADERS} response headers")))
        }
        Err(e) => return Err(invalid(e.to_string())),
    };
    if n > MAX_RESPONSE_HEAD {
        return Err(invalid(format!(
            "its response head is larger than {} KiB",
            MAX_RESPONSE_HEAD / 1024
        )));
    }
    let code = parsed.code.unwrap_or(0);
    let status = StatusCode::from_u16(code).map_err(|_| invalid(format!("status {code}")))?;
    let http11 = parsed.version == Some(1);
    let reason = match parsed.reason {
        Some(r)
            if status != StatusCode::OK
                && !r.is_empty()
                && status.canonical_reason() != Some(r) =>
        {
            hyper::ext::ReasonPhrase::try_from(r.as_bytes()).ok()
        }
        _ => None,
    };
    // One copy of the head; every header value is a slice of it.
    let block = Bytes::copy_from_slice(&buf[..n]);
    let base = buf.as_ptr() as usize;
    let mut headers = HeaderMap::with_capacity(parsed.headers.len());
    let (mut close, mut keep_alive_token) = (false, false);
    // Whether the last Transfer-Encoding ends in chunked (the last coding decides the framing).
    let (mut length, mut te_ends_chunked) = (None::<u64>, None::<bool>);
    for h in parsed.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes())
            .map_err(|_| invalid(format!("header name {:?}", h.name)))?;
        let start = h.value.as_ptr() as usize - base;
        let value = HeaderValue::from_maybe_shared(block.slice(start..start + h.value.len()))
            .map_err(|_| invalid(format!("the value of {}", h.name)))?;
        if name == header::DATE || name.as_str() == KEEP_ALIVE {
            // IIS writes its own Date; Keep-Alive is hop-by-hop.
            continue;
        }
        if name == header::CONNECTION {
            for token in value.to_str().unwrap_or("").split(',') {
                let token = token.trim();
                close |= token.eq_ignore_ascii_case("close");
                keep_alive_token |= token.eq_ignore_ascii_case("keep-alive");
            }
            continue;
        }
        if name == header::TRANSFER_ENCODING {
            let v = value.to_str().unwrap_or("");
            // The framing is decided by the last coding; the header goes when the body is
            // re-framed (chunked), as ANCM drops it.
            let last = v.rsplit(',').next().unwrap_or("").trim();
            te_ends_chunked = Some(last.eq_ignore_ascii_case("chunked"));
            if v.as_bytes()
                .windows(b"chunked".len())
                .any(|w| w.eq_ignore_ascii_case(b"chunked"))
            {
                continue;
            }
        }
        if name == header::CONTENT_LENGTH {
            let n: u64 = value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| invalid(format!("Content-Length {value:?}")))?;
            if length.is_some_and(|l| l != n) {
                return Err(invalid("two different Content-Length headers"));
            }
            length = Some(n);
        }
        headers.append(name, value);
    }
    keep_last_of_single_value(&mut headers);
    let framing = if head_request
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        ResponseFraming::Empty
    } else if let Some(chunked) = te_ends_chunked {
        if chunked {
            ResponseFraming::Chunked
        } else {
            ResponseFraming::UntilClose
        }
    } else if let Some(n) = length {
        ResponseFraming::Length(n)
    } else {
        ResponseFraming::UntilClose
    };
    let keep_alive = if http11 { !close } else { keep_alive_token };
    Ok(Some((
        ResponseHead {
            status,
            reason,
            headers,
            framing,
            keep_alive: keep_alive && framing != ResponseFraming::UntilClose,
        },
        n,
    )))
}

/// Headers ANCM replaces ("last wins") instead of appending (§4.6, `responseheaderhash.cpp`).
const SINGLE_VALUE: &[&str] = &[
    "cache-control",
    "keep-alive",
    "pragma",
    "trailer",
    "upgrade",
    "via",
    "warning",
    "allow",
    "content-length",
    "content-type",
    "content-encoding",
    "content-language",
    "content-location",
    "content-md5",
    "content-range",
    "expires",
    "last-modified",
    "accept-ranges",
    "age",
    "etag",
    "location",
    "proxy-authenticate",
    "retry-after",
    "server",
    "vary",
];

/// The last occurrence of each repeated single-value header, as ANCM relays it.
fn keep_last_of_single_value(h: &mut HeaderMap) {
    // No name repeats (the usual answer): nothing to collapse, and no lookup per known name.
    if h.len() == h.keys_len() {
        return;
    }
    for name in SINGLE_VALUE {
        let mut values = h.get_all(*name).iter();
        // A first and a distinct last: the name repeats.
        let last = match (values.next(), values.next_back()) {
            (Some(_), Some(last)) => last.clone(),
            _ => continue,
        };
        if let Ok(n) = HeaderName::from_bytes(name.as_bytes()) {
            h.insert(n, last);
        }
    }
}

/// Where a chunked body's decoding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedDecoder {
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

/// What the next bytes of a chunked body are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk {
    /// More bytes are needed to go on.
    NeedMore,
    /// Framing: consume this many bytes, nothing to pass on.
    Framing(usize),
    /// This many bytes of body data.
    Data(usize),
    /// The body ends after this many bytes.
    End(usize),
}

impl ChunkedDecoder {
    pub fn new() -> ChunkedDecoder {
        ChunkedDecoder::Size
    }

    /// The next step over `buf` (the unread bytes); the caller consumes what it says.
    pub fn next(&mut self, buf: &[u8]) -> Result<Chunk, InvalidResponse> {
        match *self {
            ChunkedDecoder::Size => match httparse::parse_chunk_size(buf) {
                Ok(httparse::Status::Complete((used, 0))) => {
                    *self = ChunkedDecoder::Trailers;
                    Ok(Chunk::Framing(used))
                }
                Ok(httparse::Status::Complete((used, size))) => {
                    *self = ChunkedDecoder::Data(size);
                    Ok(Chunk::Framing(used))
                }
                Ok(httparse::Status::Partial) if buf.len() > MAX_LINE => {
                    Err(invalid("a chunk-size line longer than 8 KiB"))
                }
                Ok(httparse::Status::Partial) => Ok(Chunk::NeedMore),
                Err(_) => Err(invalid("a malformed chunk size")),
            },
            ChunkedDecoder::Data(left) => {
                if buf.is_empty() {
                    return Ok(Chunk::NeedMore);
                }
                let n = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
                let left = left - n as u64;
                *self = if left == 0 {
                    ChunkedDecoder::DataEnd
                } else {
                    ChunkedDecoder::Data(left)
                };
                Ok(Chunk::Data(n))
            }
            ChunkedDecoder::DataEnd => match buf {
                [b'\r', b'\n', ..] => {
                    *self = ChunkedDecoder::Size;
                    Ok(Chunk::Framing(2))
                }
                [] | [b'\r'] => Ok(Chunk::NeedMore),
                _ => Err(invalid("a chunk not followed by CRLF")),
            },
            // Trailer fields are dropped (WinHTTP does not pass them on).
            ChunkedDecoder::Trailers => match memchr::memmem::find(buf, b"\r\n") {
                Some(0) => {
                    *self = ChunkedDecoder::Done;
                    Ok(Chunk::End(2))
                }
                Some(i) => Ok(Chunk::Framing(i + 2)),
                None if buf.len() > MAX_LINE => Err(invalid("a trailer line longer than 8 KiB")),
                None => Ok(Chunk::NeedMore),
            },
            ChunkedDecoder::Done => Ok(Chunk::End(0)),
        }
    }
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        ChunkedDecoder::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite<'a>(
        token: &'a HeaderValue,
        client: &'a HeaderValue,
        host: &'a HeaderValue,
        websocket: bool,
    ) -> RequestRewrite<'a> {
        RequestRewrite {
            token,
            client,
            host,
            websocket,
        }
    }

    /// The head as (request line, headers in order).
    fn encoded(
        h: &HeaderMap,
        websocket: bool,
        has_body: bool,
    ) -> (String, Vec<(String, String)>, RequestFraming) {
        let (t, c, host) = (
            HeaderValue::from_static("tok"),
            HeaderValue::from_static("203.0.113.7:51234"),
            HeaderValue::from_static("127.0.0.1:5000"),
        );
        let mut out = Vec::new();
        let target = PathAndQuery::from_static("/app/x?y=1");
        let framing = encode_request_head(
            &mut out,
            &Method::GET,
            Some(&target),
            h,
            &rewrite(&t, &c, &host, websocket),
            has_body,
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("\r\n\r\n"), "{text:?}");
        let mut lines = text.trim_end().split("\r\n");
        let line = lines.next().unwrap().to_string();
        let headers = lines
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_string(), v.to_string())
            })
            .collect();
        (line, headers, framing)
    }

    fn value<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn request_heads_are_rewritten_like_ancm() {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("example.com"));
        h.insert("ms-aspnetcore-token", HeaderValue::from_static("spoofed"));
        h.insert("MS-ASPNETCORE-EVENT", HeaderValue::from_static("shutdown"));
        h.insert("x-forwarded-for", HeaderValue::from_static("10.0.0.1"));
        h.insert("connection", HeaderValue::from_static("keep-alive, x-hop"));
        h.insert("x-hop", HeaderValue::from_static("1"));
        h.insert("accept", HeaderValue::from_static("*/*"));
        let (line, hs, framing) = encoded(&h, false, false);
        assert_eq!(line, "GET /app/x?y=1 HTTP/1.1");
        assert_eq!(framing, RequestFraming::Empty);
        assert_eq!(value(&hs, "host"), Some("example.com"));
        assert_eq!(value(&hs, "accept"), Some("*/*"));
        assert_eq!(value(&hs, "ms-aspnetcore-token"), Some("tok"));
        assert_eq!(
            hs.iter()
                .filter(|(n, _)| n.starts_with("ms-aspnetcore"))
                .count(),
            1
        );
        assert_eq!(
            value(&hs, "x-forwarded-for"),
            Some("10.0.0.1, 203.0.113.7:51234")
        );
        assert_eq!(value(&hs, "x-forwarded-proto"), Some("http"));
        assert!(value(&hs, "connection").is_none() && value(&hs, "x-hop").is_none());
        // No Host from the client (HTTP/1.0): the app's address.
        let (_, hs, _) = encoded(&HeaderMap::new(), false, false);
        assert_eq!(value(&hs, "host"), Some("127.0.0.1:5000"));
        assert_eq!(value(&hs, "x-forwarded-for"), Some("203.0.113.7:51234"));
    }

    #[test]
    fn websocket_requests_keep_connection_and_lose_extensions() {
        let mut h = HeaderMap::new();
        h.insert("connection", HeaderValue::from_static("Upgrade"));
        h.insert("upgrade", HeaderValue::from_static("websocket"));
        h.insert(
            "sec-websocket-extensions",
            HeaderValue::from_static("permessage-deflate"),
        );
        let (_, hs, _) = encoded(&h, true, false);
        assert_eq!(value(&hs, "connection"), Some("Upgrade"));
        assert_eq!(value(&hs, "upgrade"), Some("websocket"));
        assert!(value(&hs, "sec-websocket-extensions").is_none());
        // Not an upgrade ANCM makes: Upgrade is dropped with Connection.
        let (_, hs, _) = encoded(&h, false, false);
        assert!(value(&hs, "connection").is_none() && value(&hs, "upgrade").is_none());
    }

    #[test]
    fn request_bodies_keep_their_length_or_are_rechunked() {
        let mut h = HeaderMap::new();
        h.insert("content-length", HeaderValue::from_static("5"));
        assert_eq!(encoded(&h, false, true).2, RequestFraming::Length);
        h.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        assert_eq!(encoded(&h, false, true).2, RequestFraming::Chunked);
        let (_, hs, framing) = encoded(&HeaderMap::new(), false, true);
        assert_eq!(framing, RequestFraming::Chunked);
        assert_eq!(value(&hs, "transfer-encoding"), Some("chunked"));
        let mut out = Vec::new();
        encode_chunk(&mut out, &[b'x'; 26]);
        out.extend_from_slice(LAST_CHUNK);
        assert_eq!(out, b"1a\r\nxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n0\r\n\r\n");
    }

    fn head(text: &str) -> ResponseHead {
        let (h, n) = parse_response_head(text.as_bytes(), false)
            .unwrap()
            .unwrap();
        assert_eq!(n, text.find("\r\n\r\n").unwrap() + 4);
        h
    }

    #[test]
    fn response_heads_drop_date_and_keep_the_last_single_value() {
        let h = head(
            "HTTP/1.1 200 Fine\r\nDate: x\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n\
Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nbody",
        );
        assert_eq!(h.status, 200);
        assert!(h.reason.is_none(), "IIS keeps its own reason for 200");
        assert!(h.headers.get("date").is_none() && h.headers.get("transfer-encoding").is_none());
        assert!(h.headers.get("connection").is_none() && h.headers.get("keep-alive").is_none());
        assert_eq!(h.headers.get_all("content-type").iter().count(), 1);
        assert_eq!(h.headers["content-type"], "text/html");
        assert_eq!(h.headers.get_all("set-cookie").iter().count(), 2);
        assert_eq!(h.framing, ResponseFraming::Chunked);
        assert!(h.keep_alive);
    }

    #[test]
    fn response_framing_follows_rfc_9112() {
        let h = head("HTTP/1.1 404 Nope\r\nContent-Length: 13\r\n\r\n");
        assert_eq!(
            (h.framing, h.keep_alive),
            (ResponseFraming::Length(13), true)
        );
        assert_eq!(h.reason.as_ref().map(|r| r.as_bytes()), Some(&b"Nope"[..]));
        assert!(head("HTTP/1.1 404 Not Found\r\n\r\n").reason.is_none());
        let h = head("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n");
        assert!(!h.keep_alive);
        let h = head("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n");
        assert!(!h.keep_alive, "HTTP/1.0 closes unless it says keep-alive");
        let h = head("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\n");
        assert!(h.keep_alive);
        let h = head("HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(
            (h.framing, h.keep_alive),
            (ResponseFraming::UntilClose, false)
        );
        let h = head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
        assert_eq!(h.framing, ResponseFraming::UntilClose);
        assert_eq!(h.headers["transfer-encoding"], "gzip");
        for empty in [
            "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
            "HTTP/1.1 304 Not Modified\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\n",
        ] {
            assert_eq!(head(empty).framing, ResponseFraming::Empty, "{empty}");
        }
        let (h, _) = parse_response_head(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true)
            .unwrap()
            .unwrap();
        assert_eq!(h.framing, ResponseFraming::Empty, "HEAD");
        assert_eq!(h.headers["content-length"], "9");
    }

    #[test]
    fn broken_response_heads_are_invalid_or_incomplete() {
        assert!(parse_response_head(b"HTTP/1.1 200 OK\r\nContent-Le", false)
            .unwrap()
            .is_none());
        assert!(parse_response_head(b"", false).unwrap().is_none());
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        ] {
            assert!(
                parse_response_head(bad, false).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut big = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
        big.resize(MAX_RESPONSE_HEAD + 10, b'a');
        let e = parse_response_head(&big, false).unwrap_err();
        assert!(e.0.contains("64 KiB"), "{e}");
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert!(parse_response_head(&many, false).is_err());
    }

    /// Decodes `body` fed in pieces of `step` bytes.
    fn dechunk(body: &[u8], step: usize) -> Result<Vec<u8>, InvalidResponse> {
        let mut d = ChunkedDecoder::new();
        let (mut out, mut buf, mut fed) = (Vec::new(), Vec::new(), 0);
        loop {
            match d.next(&buf)? {
                Chunk::NeedMore => {
                    if fed >= body.len() {
                        return Err(invalid("eof"));
                    }
                    let end = (fed + step).min(body.len());
                    buf.extend_from_slice(&body[fed..end]);
                    fed = end;
                }
                Chunk::Framing(n) => {
                    buf.drain(..n);
                }
                Chunk::Data(n) => {
                    out.extend(buf.drain(..n));
                }
                Chunk::End(n) => {
                    buf.drain(..n);
                    assert!(buf.is_empty() && fed == body.len());
                    return Ok(out);
                }
            }
        }
    }

    #[test]
    fn chunked_bodies_decode_in_any_pieces() {
        let body =
            b"5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n";
        for step in [1, 2, 3, 7, 100] {
            assert_eq!(
                dechunk(body, step).unwrap(),
                b"helloabcdefghijklmnopqrstuvwxyz",
                "step {step}"
            );
        }
        assert!(dechunk(b"zz\r\n", 4).is_err());
        assert!(dechunk(b"5\r\nhelloXX0\r\n\r\n", 4).is_err());
        assert!(dechunk(&vec![b'1'; MAX_LINE + 10], 4096).is_err());
    }
}
