//! A stand-in for an ASP.NET Core app run by ANCM out-of-process, for ancm's live tests.
//!
//! It plays the app side of the contract the way `UseIISIntegration` does
//! (`shared/reference/ancm-protocol.md` §7): it listens on `127.0.0.1:$ASPNETCORE_PORT`, strips
//! `$ASPNETCORE_APPL_PATH`, answers 400 when `MS-ASPNETCORE-TOKEN` differs from `$ASPNETCORE_TOKEN`
//! and 202 to `POST /iisintegration` with `MS-ASPNETCORE-EVENT: shutdown` (then stops). Command-line
//! flags make it misbehave the ways real apps do; paths give the proxy something to carry
//! (`/headers`, `/echo`, `/big?bytes=N`, `/ws`, `/slow?ms=N`). Test-only: std (and libc) only,
//! so it builds in seconds; it must never be shipped.
//!
//! Changed to behave like Microsoft's Kestrel 2.2 + IIS integration where the real app showed it
//! differed (`tests/real_conformance.rs` asserts each point against the real app):
//! - a POST or PUT with neither `Content-Length` nor chunking gets 411 Length Required and the
//!   connection closes, before the token check (the shutdown request without a length got 411
//!   from the real app while this stand-in answered 202).
//! - `Connection: close` on a request ends the connection after the answer (this stand-in kept
//!   it open, so a client reading to the end waited for its own timeout).
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str = "ancm-testapp [--crash-at-start] [--exit-code N] [--exit0] [--listen-port N] \
[--hang] [--slow-start MS] [--crash-after N] [--ignore-shutdown] [--child-listener] \
[--no-token-check] [--token T] [--print TEXT] [--eprint TEXT]";

#[derive(Default, Clone)]
struct Opts {
    crash_at_start: bool,
    exit_code: Option<i32>,
    listen_port: Option<u16>,
    hang: bool,
    slow_start_ms: u64,
    crash_after: Option<u64>,
    ignore_shutdown: bool,
    child_listener: bool,
    no_token_check: bool,
    print: Vec<String>,
    eprint: Vec<String>,
    /// Use this pairing token instead of `ASPNETCORE_TOKEN` (an app whose config overrides it).
    token: Option<String>,
    /// Answer other paths (`/` among them) with this status instead of 200 (an app that is a
    /// gateway itself and answers 502).
    root_status: Option<u16>,
}

fn parse_args() -> Opts {
    let mut o = Opts::default();
    let mut args = std::env::args().skip(1);
    let num = |v: Option<String>, flag: &str| -> u64 {
        match v.and_then(|s| s.parse().ok()) {
            Some(n) => n,
            None => {
                eprintln!("{flag} needs a number\nusage: {USAGE}");
                std::process::exit(2)
            }
        }
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--crash-at-start" => o.crash_at_start = true,
            "--exit0" => o.exit_code = Some(0),
            "--exit-code" => o.exit_code = Some(num(args.next(), "--exit-code") as i32),
            "--listen-port" => o.listen_port = Some(num(args.next(), "--listen-port") as u16),
            "--hang" => o.hang = true,
            "--slow-start" => o.slow_start_ms = num(args.next(), "--slow-start"),
            "--crash-after" => o.crash_after = Some(num(args.next(), "--crash-after")),
            "--ignore-shutdown" => o.ignore_shutdown = true,
            "--child-listener" => o.child_listener = true,
            "--no-token-check" => o.no_token_check = true,
            "--print" => o.print.extend(args.next()),
            "--token" => o.token = args.next(),
            "--root-status" => o.root_status = Some(num(args.next(), "--root-status") as u16),
            "--eprint" => o.eprint.extend(args.next()),
            other => {
                eprintln!("unknown argument `{other}`\nusage: {USAGE}");
                std::process::exit(2)
            }
        }
    }
    o
}

struct App {
    opts: Opts,
    token: String,
    appl_path: String,
    served: AtomicU64,
}

fn main() {
    let opts = parse_args();
    for line in &opts.print {
        println!("{line}");
    }
    for line in &opts.eprint {
        eprintln!("{line}");
    }
    if opts.ignore_shutdown {
        ignore_stop_signals();
    }
    if opts.child_listener {
        run_launcher();
    }
    if opts.crash_at_start {
        // What .NET prints for an exception escaping Main, then it aborts (SIGABRT on Unix).
        eprintln!("Unhandled exception. System.InvalidOperationException: Unable to resolve service for type 'IFoo' while attempting to activate 'Startup'.");
        eprintln!("   at Microsoft.Extensions.DependencyInjection.ActivatorUtilities.Resolve()");
        eprintln!("   at Program.Main(String[] args) in /src/Program.cs:line 12");
        std::process::abort();
    }
    if let Some(code) = opts.exit_code {
        println!("Hosting environment: Production");
        std::process::exit(code);
    }
    if opts.slow_start_ms > 0 {
        std::thread::sleep(Duration::from_millis(opts.slow_start_ms));
    }
    let env_port = std::env::var("ASPNETCORE_PORT")
        .ok()
        .filter(|p| !p.is_empty());
    let port: u16 = match (opts.listen_port, env_port) {
        (Some(p), _) => p,
        (None, Some(p)) => p.parse().unwrap_or(5000),
        // Kestrel's default when IIS integration is not active.
        (None, None) => 5000,
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("Unhandled exception. System.IO.IOException: Failed to bind to address http://127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    let bound = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    println!("Now listening on: http://127.0.0.1:{bound}");
    println!("Application started. Press Ctrl+C to shut down.");
    let app = Arc::new(App {
        token: opts
            .token
            .clone()
            .unwrap_or_else(|| std::env::var("ASPNETCORE_TOKEN").unwrap_or_default()),
        appl_path: std::env::var("ASPNETCORE_APPL_PATH").unwrap_or_else(|_| "/".into()),
        served: AtomicU64::new(0),
        opts,
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // Kestrel disables Nagle too; without it small answers wait for delayed ACKs.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        std::thread::spawn(move || {
            if app.opts.hang {
                // Accept, read, never answer: the proxy must give up after requestTimeout.
                let mut s = stream;
                let mut buf = [0u8; 4096];
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
                std::thread::sleep(Duration::from_secs(3600));
                return;
            }
            let _ = serve_connection(&app, stream);
        });
    }
}

#[cfg(unix)]
fn ignore_stop_signals() {
    // SAFETY: setting a signal disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGTERM, libc::SIG_IGN);
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn ignore_stop_signals() {}

/// A launcher that starts the real server as a child and stays alive (like a shell script or a
/// wrapper exe as processPath): the listener is then owned by a descendant, not the root.
fn run_launcher() -> ! {
    let exe = std::env::current_exe().unwrap_or_else(|_| "ancm-testapp".into());
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--child-listener")
        .collect();
    match std::process::Command::new(exe).args(&args).spawn() {
        Ok(mut child) => {
            println!(
                "launcher {} started server {}",
                std::process::id(),
                child.id()
            );
            let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
            std::process::exit(code)
        }
        Err(e) => {
            eprintln!("launcher could not start the server: {e}");
            std::process::exit(1)
        }
    }
}

struct Request {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// One line of the request head, read as bytes and decoded lossily: hyper (the proxy) forwards
/// header values with bytes above 0x7F (RFC 9110 obs-text), and `read_line` would fail on them
/// and drop the connection without an answer. 0 bytes: the connection ended.
fn read_head_line(r: &mut BufReader<TcpStream>, line: &mut String) -> std::io::Result<usize> {
    let mut bytes = Vec::new();
    let n = r.read_until(b'\n', &mut bytes)?;
    line.push_str(&String::from_utf8_lossy(&bytes));
    Ok(n)
}

fn read_request(r: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if read_head_line(r, &mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let version = parts.next().unwrap_or("HTTP/1.1").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if read_head_line(r, &mut h)? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(Some(Request {
        method,
        target,
        version,
        headers,
    }))
}

/// Reads the request body piece by piece (Content-Length or chunked), calling `f` per piece.
fn read_body(
    r: &mut BufReader<TcpStream>,
    req: &Request,
    mut f: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let mut buf = vec![0u8; 64 * 1024];
    if chunked {
        loop {
            let mut size_line = String::new();
            r.read_line(&mut size_line)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| std::io::Error::other("bad chunk size"))?;
            if size == 0 {
                // Trailers until the empty line.
                loop {
                    let mut t = String::new();
                    if r.read_line(&mut t)? == 0 || t.trim().is_empty() {
                        return Ok(());
                    }
                }
            }
            let mut left = size;
            while left > 0 {
                let cap = left.min(buf.len());
                let n = r.read(&mut buf[..cap])?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                f(&buf[..n])?;
                left -= n;
            }
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf)?;
        }
    }
    let mut left: u64 = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while left > 0 {
        let cap = left.min(buf.len() as u64) as usize;
        let n = r.read(&mut buf[..cap])?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        f(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}

fn respond(w: &mut TcpStream, status: &str, ctype: &str, body: &[u8]) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nServer: Kestrel\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    w.write_all(&out)?;
    w.flush()
}

fn write_chunk(w: &mut TcpStream, data: &[u8]) -> std::io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    write!(w, "{:x}\r\n", data.len())?;
    w.write_all(data)?;
    w.write_all(b"\r\n")
}

fn query_num(target: &str, key: &str) -> Option<u64> {
    let q = target.split_once('?')?.1;
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

fn serve_connection(app: &App, stream: TcpStream) -> std::io::Result<()> {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "unknown".to_string(), |a| a.to_string());
    let mut w = stream.try_clone()?;
    let mut r = BufReader::with_capacity(64 * 1024, stream);
    while let Some(req) = read_request(&mut r)? {
        // Kestrel rejects a POST or PUT with neither `Content-Length` nor chunking with 411
        // before any middleware runs, and closes the connection (Kestrel 2.2, verified against
        // the real app: `shared/reference/real-aspnetcore.md`).
        if length_required(&req) {
            w.write_all(
                b"HTTP/1.1 411 Length Required\r\nConnection: close\r\nServer: Kestrel\r\nContent-Length: 0\r\n\r\n",
            )?;
            w.flush()?;
            break;
        }
        // Kestrel ends the connection after answering a request that asked for it.
        let close = req
            .header("connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
        // IISMiddleware: the pairing token is compared ordinally; a mismatch is a 400 with an
        // empty body (ancm-protocol.md §7.4).
        if !app.opts.no_token_check && req.all("MS-ASPNETCORE-TOKEN").join(",") != app.token {
            eprintln!("fail: Microsoft.AspNetCore.Server.IISIntegration.IISMiddleware[0] 'MS-ASPNETCORE-TOKEN' does not match the expected pairing token '{}', request rejected.", app.token);
            read_body(&mut r, &req, |_| Ok(()))?;
            respond(&mut w, "400 Bad Request", "text/plain", b"")?;
            if close {
                break;
            }
            continue;
        }
        let path_and_query = strip_path_base(&req.target, &app.appl_path);
        let path = path_and_query.split('?').next().unwrap_or("/").to_string();
        if req.method == "POST"
            && path.eq_ignore_ascii_case("/iisintegration")
            && req
                .header("MS-ASPNETCORE-EVENT")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("shutdown"))
        {
            read_body(&mut r, &req, |_| Ok(()))?;
            respond(&mut w, "202 Accepted", "text/plain", b"")?;
            if app.opts.ignore_shutdown {
                println!("shutdown requested; ignoring it");
            } else {
                println!("Application is shutting down...");
                std::thread::spawn(|| {
                    std::thread::sleep(Duration::from_millis(50));
                    std::process::exit(0)
                });
            }
            if close {
                break;
            }
            continue;
        }
        let keep_going = match path.as_str() {
            "/headers" => {
                read_body(&mut r, &req, |_| Ok(()))?;
                let mut body = format!("{} {} {}\n", req.method, req.target, req.version);
                for (n, v) in &req.headers {
                    body.push_str(&format!("{n}: {v}\n"));
                }
                respond(&mut w, "200 OK", "text/plain", body.as_bytes())?;
                true
            }
            "/echo" => {
                write!(
                    w,
                    "HTTP/1.1 200 OK\r\nServer: Kestrel\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                )?;
                w.flush()?;
                let mut out = w.try_clone()?;
                read_body(&mut r, &req, |piece| {
                    write_chunk(&mut out, piece)?;
                    out.flush()
                })?;
                w.write_all(b"0\r\n\r\n")?;
                w.flush()?;
                true
            }
            "/big" => {
                read_body(&mut r, &req, |_| Ok(()))?;
                let mut left = query_num(&req.target, "bytes").unwrap_or(1 << 20);
                write!(
                    w,
                    "HTTP/1.1 200 OK\r\nServer: Kestrel\r\nContent-Type: application/octet-stream\r\nContent-Length: {left}\r\n\r\n"
                )?;
                let block: Vec<u8> = (0..65536u32).map(|i| (i % 251) as u8).collect();
                while left > 0 {
                    let n = left.min(block.len() as u64) as usize;
                    w.write_all(&block[..n])?;
                    left -= n as u64;
                }
                w.flush()?;
                true
            }
            "/slow" => {
                read_body(&mut r, &req, |_| Ok(()))?;
                std::thread::sleep(Duration::from_millis(
                    query_num(&req.target, "ms").unwrap_or(1000),
                ));
                respond(&mut w, "200 OK", "text/plain", b"slow")?;
                true
            }
            // Which connection the request came on (the proxy's end of it); `?close=1` answers
            // with `Connection: close` and ends it, as Kestrel does when it stops keeping alive.
            "/peer" => {
                read_body(&mut r, &req, |_| Ok(()))?;
                if query_num(&req.target, "close") == Some(1) {
                    let out = format!(
                        "HTTP/1.1 200 OK\r\nServer: Kestrel\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{peer}",
                        peer.len()
                    );
                    w.write_all(out.as_bytes())?;
                    w.flush()?;
                    false
                } else {
                    respond(&mut w, "200 OK", "text/plain", peer.as_bytes())?;
                    true
                }
            }
            "/status" => {
                read_body(&mut r, &req, |_| Ok(()))?;
                let code = query_num(&req.target, "code").unwrap_or(200);
                respond(
                    &mut w,
                    &format!("{code} Custom Reason"),
                    "text/plain",
                    b"status",
                )?;
                true
            }
            "/ws"
                if req
                    .header("upgrade")
                    .is_some_and(|u| u.eq_ignore_ascii_case("websocket")) =>
            {
                let key = req.header("sec-websocket-key").unwrap_or("").to_string();
                let accept = websocket_accept(&key);
                write!(
                    w,
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                )?;
                w.flush()?;
                websocket_echo(&mut r, &mut w)?;
                false
            }
            _ => {
                read_body(&mut r, &req, |_| Ok(()))?;
                let body = format!("hello from ancm-testapp pid {}\n", std::process::id());
                let status = match app.opts.root_status {
                    Some(code) => format!("{code} Answered By The App"),
                    None => "200 OK".to_string(),
                };
                respond(&mut w, &status, "text/plain", body.as_bytes())?;
                true
            }
        };
        let served = app.served.fetch_add(1, Ordering::SeqCst) + 1;
        if app.opts.crash_after.is_some_and(|n| served >= n) {
            eprintln!("Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object.");
            eprintln!("   at RequestHandler.Handle() after {served} requests");
            std::process::abort();
        }
        if !keep_going || close {
            break;
        }
    }
    Ok(())
}

/// Kestrel's 411: a POST or PUT without `Content-Length` or `Transfer-Encoding` (an upgrade
/// request is exempt).
fn length_required(req: &Request) -> bool {
    (req.method == "POST" || req.method == "PUT")
        && req.header("content-length").is_none()
        && req.header("transfer-encoding").is_none()
        && req.header("upgrade").is_none()
}

/// UsePathBase: a request under the app's virtual path has the prefix moved out of the path.
fn strip_path_base<'a>(target: &'a str, base: &str) -> &'a str {
    let base = base.trim_end_matches('/');
    if base.is_empty() || target.len() < base.len() {
        return target;
    }
    let (head, rest) = target.split_at(base.len());
    if head.eq_ignore_ascii_case(base) && (rest.is_empty() || rest.starts_with(['/', '?'])) {
        if rest.is_empty() {
            "/"
        } else {
            rest
        }
    } else {
        target
    }
}

/// Echoes WebSocket frames (RFC 6455) until a close frame, which is echoed too.
/// The longest WebSocket frame the echo accepts (16 MiB).
const MAX_WEBSOCKET_FRAME: u64 = 16 << 20;

fn websocket_echo(r: &mut BufReader<TcpStream>, w: &mut TcpStream) -> std::io::Result<()> {
    loop {
        let mut h = [0u8; 2];
        r.read_exact(&mut h)?;
        let opcode = h[0] & 0x0f;
        let masked = h[1] & 0x80 != 0;
        let mut len = (h[1] & 0x7f) as u64;
        if len == 126 {
            let mut b = [0u8; 2];
            r.read_exact(&mut b)?;
            len = u16::from_be_bytes(b) as u64;
        } else if len == 127 {
            let mut b = [0u8; 8];
            r.read_exact(&mut b)?;
            len = u64::from_be_bytes(b);
        }
        // A frame longer than any test sends ends the connection instead of an allocation of
        // up to 2^64 bytes that aborts the app (the proxy's fuzz target relays any length).
        if len > MAX_WEBSOCKET_FRAME {
            return Err(std::io::Error::other("websocket frame too long"));
        }
        let mut mask = [0u8; 4];
        if masked {
            r.read_exact(&mut mask)?;
        }
        let mut payload = vec![0u8; len as usize];
        r.read_exact(&mut payload)?;
        if masked {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= mask[i % 4];
            }
        }
        let mut frame = vec![h[0]];
        if payload.len() < 126 {
            frame.push(payload.len() as u8);
        } else if payload.len() <= 0xffff {
            frame.push(126);
            frame.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        } else {
            frame.push(127);
            frame.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        }
        frame.extend_from_slice(&payload);
        w.write_all(&frame)?;
        w.flush()?;
        if opcode == 0x8 {
            return Ok(());
        }
    }
}

fn websocket_accept(key: &str) -> String {
    let digest = sha1(format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes());
    base64(&digest)
}

fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
        h[4] = h[4].wrapping_add(e);
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        s.push(T[(n >> 18) as usize & 63] as char);
        s.push(T[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        s.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn websocket_accept_matches_rfc6455_example() {
        assert_eq!(
            super::websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn path_base_is_stripped_case_insensitively() {
        assert_eq!(super::strip_path_base("/App/x?y", "/app"), "/x?y");
        assert_eq!(super::strip_path_base("/app", "/app"), "/");
        assert_eq!(super::strip_path_base("/apple", "/app"), "/apple");
        assert_eq!(super::strip_path_base("/x", "/"), "/x");
    }
}
