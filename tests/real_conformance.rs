//! Conformance of the emulated ANCM to Microsoft's real Kestrel 2.2 + IIS integration, point by
//! point (issue 9): the real app (`tests/real_app/Program.cs`) runs on Linux under `ancm run`
//! (black box: the `ancm` binary, its JSON timeline, real sockets) and every test asserts what the
//! real middleware made of what ancm sent. Where `ancm-testapp` answers the same request, the test
//! asserts it behaves like the real app. Real-tool tests: `#[ignore]`d, run by `scripts/test`
//! with `--include-ignored`; without `scripts/setup-real` they fail.
#![cfg(target_os = "linux")]
#[path = "live_helpers.rs"]
mod helpers;
#[path = "real_helpers.rs"]
mod real;

use real::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// Port, token, auth and hosting startup: the environment ANCM sets is what the real app runs on.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_listens_on_the_ancm_port_and_honours_the_ancm_environment() {
    let dir = real_app("healthy", &[("MY_SETTING", "from-web-config")], "");
    let mut run = Run::start(dir.path());
    let resp = get(run.port, "/info", "");
    assert_eq!(status_of(&resp), 200, "{resp}");
    let (app_port, token) = run.app_port_and_token();
    let spawn = run.events("spawn")[0].clone();
    assert_eq!(spawn["port"].as_u64(), Some(app_port as u64));
    // Kestrel announces the ANCM port.
    run.wait_output(&format!("Now listening on: http://127.0.0.1:{app_port}"));
    let body = body_of(&resp);
    assert_eq!(field(&body, "user"), Some("<anonymous>"), "{body}");
    let env = |name: &str| body_of(&get(run.port, &format!("/env?name={name}"), ""));
    assert_eq!(env("ASPNETCORE_PORT"), app_port.to_string());
    assert_eq!(env("ASPNETCORE_TOKEN"), token);
    assert_eq!(env("ASPNETCORE_APPL_PATH"), "/");
    assert_eq!(env("ASPNETCORE_IIS_HTTPAUTH"), "anonymous;");
    assert!(env("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES")
        .contains("Microsoft.AspNetCore.Server.IISIntegration"));
    // A value set in web.config reaches the app.
    assert_eq!(env("MY_SETTING"), "from-web-config");
    run.stop();
}

/// ANCM V2's `ASPNETCORE_HOSTINGSTARTUPASSEMBLIES` turns the integration on in an app that never
/// calls `UseIISIntegration` (a 2016-era belief said such an app listens on 5000).
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_without_use_iis_integration_gets_it_through_hosting_startup() {
    let dir = real_app("no-integration", &[], "");
    let mut run = Run::start(dir.path());
    let resp = get(run.port, "/info", "");
    assert_eq!(status_of(&resp), 200, "{resp}");
    let (app_port, _) = run.app_port_and_token();
    // The pairing-token check is the IIS middleware's: it is there.
    assert_eq!(status_of(&get(app_port, "/info", "")), 400);
    let seen = run.stop();
    assert!(
        seen.iter()
            .any(|e| e["event"] == "shutdown_sent" && e["status"] == 202),
        "{seen:#?}"
    );
}

/// 2.2's PreferHostingUrls: `UseUrls` or `Listen` after the integration does not move the app off
/// the ANCM port (the 1.x warning no longer holds).
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_use_urls_or_listen_after_the_integration_stays_on_the_ancm_port() {
    for mode in ["urls-after", "listen-after"] {
        let other = free_port().to_string();
        let dir = real_app(mode, &[("REALAPP_OTHER_PORT", &other)], "");
        let mut run = Run::start(dir.path());
        let resp = get(run.port, "/info", "");
        assert_eq!(status_of(&resp), 200, "{mode}: {resp}");
        let (app_port, _) = run.app_port_and_token();
        run.wait_output(&format!("Now listening on: http://127.0.0.1:{app_port}"));
        if mode == "listen-after" {
            run.wait_output("Overriding endpoints defined in UseKestrel() because PreferHostingUrls is set to true");
        }
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", other.parse::<u16>().unwrap())).is_err()
        );
        run.stop();
    }
}

/// A missing or wrong `MS-ASPNETCORE-TOKEN` gets 400 with an empty body; the right one 200.
/// `ancm-testapp` answers the same three requests the same way.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_rejects_a_missing_or_wrong_token_with_an_empty_400() {
    let dir = real_app("healthy", &[], "");
    let mut run = Run::start(dir.path());
    assert_eq!(status_of(&get(run.port, "/", "")), 200);
    let (app_port, token) = run.app_port_and_token();
    let none = get(app_port, "/info", "");
    let wrong = get(app_port, "/info", "MS-ASPNETCORE-TOKEN: nope\r\n");
    let right = get(
        app_port,
        "/info",
        &format!("MS-ASPNETCORE-TOKEN: {token}\r\n"),
    );
    for r in [&none, &wrong] {
        assert_eq!(status_of(r), 400, "{r}");
        assert_eq!(body_of(r), "", "{r}");
    }
    assert_eq!(status_of(&right), 200, "{right}");
    run.wait_output(&format!(
        "'MS-ASPNETCORE-TOKEN' does not match the expected pairing token '{token}', request rejected."
    ));
    run.stop();

    // The stand-in, on the same three requests.
    let port = free_port();
    let mut child = std::process::Command::new(helpers::testapp())
        .env("ASPNETCORE_PORT", port.to_string())
        .env("ASPNETCORE_TOKEN", "tok")
        .env("ASPNETCORE_APPL_PATH", "/")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(20));
    }
    let none = get(port, "/", "");
    let wrong = get(port, "/", "MS-ASPNETCORE-TOKEN: nope\r\n");
    let right = get(port, "/", "MS-ASPNETCORE-TOKEN: tok\r\n");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!((status_of(&none), body_of(&none).as_str()), (400, ""));
    assert_eq!((status_of(&wrong), body_of(&wrong).as_str()), (400, ""));
    assert_eq!(status_of(&right), 200);
}

/// The graceful stop: ancm's shutdown request gets 202 from the real app, which logs
/// `Application is shutting down...` and exits by itself. Without `Content-Length: 0` the real
/// Kestrel answers 411 — the false warning ancm used to give on every healthy app.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_answers_the_shutdown_request_with_202_and_stops() {
    let dir = real_app("healthy", &[], "");
    let mut run = Run::start(dir.path());
    assert_eq!(status_of(&get(run.port, "/", "")), 200);
    let (app_port, token) = run.app_port_and_token();
    let no_length = raw(
        app_port,
        &format!("POST /iisintegration HTTP/1.1\r\nHost: 127.0.0.1:{app_port}\r\nMS-ASPNETCORE-EVENT: shutdown\r\nMS-ASPNETCORE-TOKEN: {token}\r\n\r\n"),
    );
    assert_eq!(status_of(&no_length), 411, "{no_length}");
    let seen = run.stop();
    let shutdown: Vec<_> = seen
        .iter()
        .filter(|e| e["event"] == "shutdown_sent")
        .collect();
    assert_eq!(shutdown.len(), 1, "{seen:#?}");
    assert_eq!(shutdown[0]["status"], 202, "{seen:#?}");
    assert!(
        seen.iter()
            .any(|e| e["event"] == "stopped" && e["graceful"] == true),
        "{seen:#?}"
    );
    assert!(!seen
        .iter()
        .any(|e| e["event"] == "signalled" || e["event"] == "killed"));
    let out: String = seen
        .iter()
        .filter(|e| e["event"] == "output")
        .filter_map(|e| e["line"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(out.contains("Application is shutting down..."), "{out}");
}

/// `X-Forwarded-For`/`-Proto` and `MS-ASPNETCORE-*` as the real middleware reads them: the client
/// IP and scheme come out right, the client's own token and event headers never reach the app.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_sees_the_client_ip_scheme_and_host_through_the_proxy() {
    let dir = real_app("healthy", &[], "");
    let mut run = Run::start(dir.path());
    let resp = raw(
        run.port,
        "GET /info?x=1 HTTP/1.1\r\nHost: www.example.com\r\nX-Forwarded-For: 10.0.0.1\r\nMS-ASPNETCORE-TOKEN: spoofed\r\nMS-ASPNETCORE-EVENT: shutdown\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&resp), 200, "{resp}");
    let (_, token) = run.app_port_and_token();
    let body = &body_of(&resp);
    // ForwardedHeaders (ForwardLimit 1, loopback proxies known) takes the address ancm appended.
    assert_eq!(field(body, "remote-ip"), Some("127.0.0.1"), "{body}");
    assert_eq!(field(body, "scheme"), Some("http"), "{body}");
    assert_eq!(field(body, "host"), Some("www.example.com"), "{body}");
    assert_eq!(field(body, "path"), Some("/info"), "{body}");
    assert_eq!(field(body, "query"), Some("?x=1"), "{body}");
    assert_eq!(field(body, "path-base"), Some(""), "{body}");
    // The client's own X-Forwarded-For entry is left for the app; the consumed one is kept as
    // X-Original-For (the proxy's connection).
    assert_eq!(
        field(body, "header x-forwarded-for"),
        Some("10.0.0.1"),
        "{body}"
    );
    assert!(
        field(body, "header x-original-for").is_some_and(|v| v.starts_with("127.0.0.1:")),
        "{body}"
    );
    assert_eq!(
        field(body, "header x-original-proto"),
        Some("http"),
        "{body}"
    );
    assert_eq!(
        field(body, "header ms-aspnetcore-token"),
        Some(token.as_str()),
        "{body}"
    );
    assert!(
        !body.contains("spoofed") && !body.contains("ms-aspnetcore-event"),
        "{body}"
    );
    run.stop();
}

/// `ASPNETCORE_APPL_PATH` is the IIS application's virtual path: the real app's `PathBase`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
async fn real_app_path_base_is_the_virtual_path() {
    use ancm_doctor::live::events::EventBus;
    use ancm_doctor::live::session::Session;
    use ancm_doctor::live::LiveConfig;
    let dir = real_app("healthy", &[], "");
    let dotnet = linux_root().join("dotnet");
    let mut cfg = LiveConfig::for_test(dir.path(), &dotnet.display().to_string(), "App.dll");
    cfg.virtual_path = "/shop".into();
    cfg.env = vec![("REALAPP_MODE".into(), "healthy".into())];
    cfg.startup_time_limit = Duration::from_secs(60);
    let bus = EventBus::new(true);
    let session = Session::start(cfg, bus.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let port = session.addr.port();
    let resp = tokio::task::spawn_blocking(move || get(port, "/shop/cart/info?id=7", ""))
        .await
        .unwrap();
    session.stop().await;
    assert_eq!(status_of(&resp), 200, "{resp}");
    let body = &body_of(&resp);
    assert_eq!(field(body, "path-base"), Some("/shop"), "{body}");
    assert_eq!(field(body, "path"), Some("/cart/info"), "{body}");
    assert!(bus.snapshot().iter().any(|e| matches!(
        &e.event,
        ancm_doctor::live::events::Event::ShutdownSent {
            status: Some(202),
            ..
        }
    )));
}

/// A WebSocket upgrade through the proxy reaches Kestrel's WebSocket middleware and echoes.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_websocket_upgrade_through_the_proxy() {
    // The handshake's SHA-1 needs OpenSSL 1.1, which Debian 12 lacks (the 3.1 runtime aborts with
    // "No usable version of libssl was found"): web.config gives the app the tier's copy.
    let ssl = repo_root().join(".tools/real/openssl11");
    assert!(ssl.join("libssl.so.1.1").exists(), "run scripts/setup-real");
    let ssl = ssl.display().to_string();
    let dir = real_app("healthy", &[("LD_LIBRARY_PATH", &ssl)], "");
    let mut run = Run::start(dir.path());
    assert_eq!(status_of(&get(run.port, "/", "")), 200);
    let mut s = std::net::TcpStream::connect(("127.0.0.1", run.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            s.read(&mut b).unwrap(),
            1,
            "connection closed in the 101 head"
        );
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
        "{head}"
    );
    // A masked text frame "hello real kestrel".
    let payload = b"hello real kestrel";
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, c)| c ^ mask[i % 4]));
    s.write_all(&frame).unwrap();
    let mut h = [0u8; 2];
    s.read_exact(&mut h).unwrap();
    assert_eq!(h[0], 0x81, "a final text frame");
    let mut echo = vec![0u8; (h[1] & 0x7f) as usize];
    s.read_exact(&mut echo).unwrap();
    assert_eq!(echo, payload);
    // Close.
    s.write_all(&[0x88, 0x80, 0, 0, 0, 0]).unwrap();
    let mut c = [0u8; 2];
    s.read_exact(&mut c).unwrap();
    assert_eq!(c[0], 0x88);
    drop(s);
    run.wait("upgraded", |_| true);
    run.stop();
}

/// Request and response bodies are streamed, not buffered: the echo of the first chunk comes
/// back before the second is sent; an 8 MB response arrives whole and in order.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_request_and_response_bodies_stream_through_the_proxy() {
    let dir = real_app("healthy", &[], "");
    let run = Run::start(dir.path());
    assert_eq!(status_of(&get(run.port, "/", "")), 200);
    let mut s = std::net::TcpStream::connect(("127.0.0.1", run.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    for piece in ["first-piece-of-the-body", "second-piece-of-the-body"] {
        write!(s, "{:x}\r\n{piece}\r\n", piece.len()).unwrap();
        s.flush().unwrap();
        let t = Instant::now();
        while !String::from_utf8_lossy(&got).contains(piece) {
            let n = s.read(&mut buf).unwrap_or_else(|e| {
                panic!(
                    "no echo of `{piece}` while the body is still open ({e}): {}",
                    String::from_utf8_lossy(&got)
                )
            });
            assert!(n > 0 && t.elapsed() < Duration::from_secs(20));
            got.extend_from_slice(&buf[..n]);
        }
    }
    s.write_all(b"0\r\n\r\n").unwrap();
    let _ = s.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");

    let size = 8 * 1024 * 1024;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", run.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET /big?bytes={size} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&all[..split]).to_lowercase();
    assert!(head.contains(&format!("content-length: {size}")), "{head}");
    let body = &all[split..];
    assert_eq!(body.len(), size);
    assert!(body
        .iter()
        .enumerate()
        .all(|(i, b)| *b == ((i % 65536) % 251) as u8));
    run.stop();
}

/// `requestTimeout`: a request the real app never answers gets 502.3 when it runs out.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_hung_request_gets_502_3_after_request_timeout() {
    let dir = real_app("hang-on-request", &[], r#"requestTimeout="00:00:02""#);
    let mut run = Run::start(dir.path());
    assert_eq!(status_of(&get(run.port, "/info", "")), 200);
    let t = Instant::now();
    let resp = get(run.port, "/", "");
    let took = t.elapsed();
    assert_eq!(status_of(&resp), 502, "{resp}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(20),
        "{took:?}"
    );
    let req = run.wait("request", |e| e["status"] == 502);
    assert_eq!(req["substatus"], 3, "{req}");
    run.stop();
}

/// `startupTimeLimit`: an app still starting when it runs out fails the start (502.5); one that
/// starts within it is served.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_slow_start_against_startup_time_limit() {
    let dir = real_app(
        "slow-start",
        &[("REALAPP_SLOW_START_MS", "60000")],
        r#"startupTimeLimit="2""#,
    );
    let mut run = Run::start(dir.path());
    let resp = get(run.port, "/", "");
    assert_eq!(status_of(&resp), 502, "{resp}");
    let req = run.wait("request", |e| e["status"] == 502);
    assert_eq!(req["substatus"], 5, "{req}");
    assert!(!run.events("attempt_failed").is_empty(), "{:#?}", run.seen);
    run.stop();

    let dir = real_app("slow-start", &[("REALAPP_SLOW_START_MS", "3000")], "");
    let mut run = Run::start(dir.path());
    let resp = get(run.port, "/info", "");
    assert_eq!(status_of(&resp), 200, "{resp}");
    let ready = run.wait("ready", |_| true);
    assert!(ready["elapsed_ms"].as_u64().unwrap() >= 3000, "{ready}");
    run.stop();
}

/// A crash while handling a request: that request gets 502.3, the exit is recorded with the
/// runtime's own exception text, and the next request starts a new process (ANCM restarts).
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_restarts_after_a_crash() {
    let dir = real_app("healthy", &[], "");
    let mut run = Run::start(dir.path());
    assert_eq!(status_of(&get(run.port, "/info", "")), 200);
    let first = run.wait("ready", |_| true)["pid"].clone();
    let crash = get(run.port, "/crash", "");
    assert_eq!(status_of(&crash), 502, "{crash}");
    let exited = run.wait("exited", |e| e["pid"] == first);
    // 3.1 on Linux: the unhandled exception aborts the process (SIGABRT, 134 from a shell).
    assert_eq!(exited["exit"]["signal"], 6, "{exited}");
    run.wait_output("System.InvalidOperationException: realapp: crashed while handling /crash");
    let again = get(run.port, "/info", "");
    assert_eq!(status_of(&again), 200, "{again}");
    let second = run.wait_nth("ready", 1, |_| true)["pid"].clone();
    assert_ne!(first, second);
    run.stop();
}

/// `app_offline.htm`: the real app is sent the shutdown request (202) and stops; requests get
/// 503 with the file's bytes; removing it starts a new process on the next request.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_app_offline_htm_stops_the_app_and_serves_the_page() {
    let dir = real_app("healthy", &[], "");
    let mut run = Run::start(dir.path());
    assert_eq!(status_of(&get(run.port, "/info", "")), 200);
    let first = run.wait("ready", |_| true)["pid"].clone();
    let page = "<html>down for maintenance</html>";
    std::fs::write(dir.path().join("app_offline.htm"), page).unwrap();
    run.wait("offline", |_| true);
    run.wait("shutdown_sent", |e| e["pid"] == first && e["status"] == 202);
    run.wait("stopped", |e| e["pid"] == first && e["graceful"] == true);
    let off = get(run.port, "/info", "");
    assert_eq!(status_of(&off), 503, "{off}");
    assert_eq!(body_of(&off), page);
    std::fs::remove_file(dir.path().join("app_offline.htm")).unwrap();
    run.wait("online", |_| true);
    let back = get(run.port, "/info", "");
    assert_eq!(status_of(&back), 200, "{back}");
    assert_ne!(run.wait_nth("ready", 1, |_| true)["pid"], first);
    run.stop();
}
