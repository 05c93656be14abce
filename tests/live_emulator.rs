//! The ANCM emulator against real processes and sockets: the `ancm-testapp` stand-in plays the
//! app side of the contract and misbehaves on request; every test drives the proxy over TCP.
#[path = "live_helpers.rs"]
mod helpers;

use ancm_doctor::contract::ModuleVersion;
use ancm_doctor::live::events::{Event, ProxyAnswer};
use helpers::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_app_gets_ancm_environment_and_rewritten_headers() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "");
    cfg.virtual_path = "/app".into();
    let mut live = Live::start(cfg).await;
    let resp = client()
        .get(format!("{}/app/headers?x=1", live.url))
        .header("Host", "www.example.com")
        .header("MS-ASPNETCORE-TOKEN", "spoofed-by-client")
        .header("MS-ASPNETCORE-EVENT", "shutdown")
        .header("X-Forwarded-For", "10.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers().get("date").is_some(),
        "the proxy writes its own Date"
    );
    assert_eq!(resp.headers()["server"], "Kestrel");
    let body = resp.text().await.unwrap();
    let token = match live
        .wait_for("spawn", LONG, |e| matches!(e, Event::Spawn { .. }))
        .await
    {
        Event::Spawn { env, .. } => env
            .iter()
            .find(|v| v.name == "ASPNETCORE_TOKEN")
            .unwrap()
            .value
            .clone(),
        _ => unreachable!(),
    };
    // Request line keeps the virtual path; Host preserved; token replaced; XFF appended.
    assert!(
        body.starts_with("GET /app/headers?x=1 HTTP/1.1\n"),
        "{body}"
    );
    assert!(body.contains("host: www.example.com\n"), "{body}");
    assert!(
        body.contains(&format!("ms-aspnetcore-token: {token}\n")),
        "{body}"
    );
    assert!(
        !body.contains("spoofed-by-client") && !body.to_lowercase().contains("ms-aspnetcore-event"),
        "{body}"
    );
    assert!(
        body.contains("x-forwarded-for: 10.0.0.1, 127.0.0.1:"),
        "{body}"
    );
    assert!(body.contains("x-forwarded-proto: http\n"), "{body}");
    // The environment block as ANCM builds it.
    let env = match live.events().into_iter().find_map(|e| match e.event {
        Event::Spawn { env, .. } => Some(env),
        _ => None,
    }) {
        Some(env) => env,
        None => unreachable!(),
    };
    let get = |k: &str| env.iter().find(|v| v.name == k).map(|v| v.value.clone());
    assert_eq!(get("ASPNETCORE_APPL_PATH").as_deref(), Some("/app"));
    assert_eq!(
        get("ASPNETCORE_IIS_HTTPAUTH").as_deref(),
        Some("anonymous;")
    );
    assert_eq!(
        get("ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED").as_deref(),
        Some("true")
    );
    let port: u16 = get("ASPNETCORE_PORT").unwrap().parse().unwrap();
    assert!((10000..=48000).contains(&port));
    assert_eq!(token.len(), 36);
    let ready_ms = match live
        .wait_for("ready", LONG, |e| matches!(e, Event::Ready { .. }))
        .await
    {
        Event::Ready {
            elapsed_ms,
            port: p,
            ..
        } => {
            assert_eq!(p, port);
            elapsed_ms
        }
        _ => unreachable!(),
    };
    assert!(ready_ms < 30_000);
    assert!(
        live.count(
            |e| matches!(e, Event::Request { status: 200, error: None, bytes, .. } if *bytes > 0)
        ) == 1,
        "one completed request event: {:#?}",
        live.events()
    );
    let pids = live.spawned_pids();
    live.stop().await;
    // Graceful: the shutdown request got 202 and the app exited by itself.
    assert!(
        live.count(|e| matches!(
            e,
            Event::ShutdownSent {
                status: Some(202),
                ..
            }
        )) == 1
    );
    assert!(live.count(|e| matches!(e, Event::Stopped { graceful: true, .. })) == 1);
    assert_all_gone(&pids, Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_mismatch_gives_400_and_an_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "--token from-appsettings")).await;
    let resp = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let note = live
        .wait_for("note", LONG, |e| matches!(e, Event::Note { .. }))
        .await;
    let Event::Note { message } = note else {
        unreachable!()
    };
    assert!(message.contains("MS-ASPNETCORE-TOKEN"), "{message}");
    // Reaching the app's port directly (no token at all) is also refused, as row 43 says.
    let port = live
        .events()
        .iter()
        .find_map(|e| match e.event {
            Event::Ready { port, .. } => Some(port),
            _ => None,
        })
        .unwrap();
    let direct = client()
        .get(format!("http://127.0.0.1:{port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 400);
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_at_start_is_502_5_with_the_exception_lifted() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "--crash-at-start")).await;
    let t = Instant::now();
    let resp = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "early exit must end the wait at once"
    );
    assert_eq!(resp.status(), 502);
    assert_eq!(resp.headers()["x-ancm-doctor"], "502.5");
    assert_eq!(resp.headers()["content-type"], "text/html");
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("HTTP Error 502.5 - ANCM Out-Of-Process Startup Failure"),
        "{page}"
    );
    assert!(page.contains("System.InvalidOperationException"), "{page}");
    assert!(page.contains("SIGABRT"), "{page}");
    // The request's event says why, typed: what the probe decides on.
    assert_eq!(
        live.count(|e| matches!(
            e,
            Event::Request {
                status: 502,
                substatus: Some(5),
                answer: Some(ProxyAnswer::StartFailure),
                ..
            }
        )),
        1
    );
    // ANCM makes two attempts, each a new process on a new port.
    assert_eq!(live.count(|e| matches!(e, Event::AttemptFailed { .. })), 2);
    assert_eq!(live.spawned_pids().len(), 2);
    assert!(
        live.count(
            |e| matches!(e, Event::AttemptFailed { hresult, .. } if hresult == "0x8027025b")
        ) == 2
    );
    // Each request while the app cannot start tries again (failed starts do not count in V2).
    let resp = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(resp.status(), 502);
    assert_eq!(live.spawned_pids().len(), 4);
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_zero_before_listening_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "--exit0")).await;
    let page = client()
        .get(format!("{}/", live.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("exited with code 0 before it listened"),
        "{page}"
    );
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_port_is_diagnosed_within_a_second_not_after_startup_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--listen-port 0");
    cfg.fast_diagnosis = true;
    cfg.startup_time_limit = Duration::from_secs(60);
    let mut live = Live::start(cfg).await;
    let t = Instant::now();
    let resp = client().get(format!("{}/", live.url)).send().await.unwrap();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(resp.status(), 502);
    let page = resp.text().await.unwrap();
    assert!(page.contains("instead of the port ANCM assigned"), "{page}");
    // The page explains the last attempt (each attempt is a new process on a new port).
    let (port, expected_port) = live
        .events()
        .iter()
        .rev()
        .find_map(|e| match e.event {
            Event::ListeningElsewhere {
                port,
                expected_port,
                ..
            } => Some((port, expected_port)),
            _ => None,
        })
        .unwrap();
    assert_ne!(port, expected_port);
    assert!(page.contains(&format!("port {port}")), "{page}");
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_fast_diagnosis_ancm_waits_out_startup_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--listen-port 0");
    cfg.startup_time_limit = Duration::from_secs(1);
    let mut live = Live::start(cfg).await;
    let t = Instant::now();
    let resp = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(resp.status(), 502);
    // Two attempts of startupTimeLimit each.
    assert!(t.elapsed() >= Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(
        live.count(
            |e| matches!(e, Event::AttemptFailed { hresult, .. } if hresult == "0x8027025a")
        ),
        2
    );
    // The wrong port was still reported as soon as it was seen.
    assert!(live.count(|e| matches!(e, Event::ListeningElsewhere { .. })) >= 1);
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_process_may_own_the_listener() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "--child-listener")).await;
    let resp = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let Event::Ready {
        pid, listener_pid, ..
    } = live
        .wait_for("ready", LONG, |e| matches!(e, Event::Ready { .. }))
        .await
    else {
        unreachable!()
    };
    assert_ne!(pid, listener_pid, "the listener is the launcher's child");
    live.stop().await;
    assert_all_gone(&[pid, listener_pid], Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_that_never_answers_is_502_3_after_request_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--hang");
    cfg.request_timeout = Some(Duration::from_secs(2));
    let mut live = Live::start(cfg).await;
    let t = Instant::now();
    let resp = client().get(format!("{}/", live.url)).send().await.unwrap();
    let took = t.elapsed();
    assert_eq!(resp.status(), 502);
    assert_eq!(resp.headers()["x-ancm-doctor"], "502.3");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(20),
        "{took:?}"
    );
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("HTTP Error 502.3 - Bad Gateway") && page.contains("0x80072ee2"),
        "{page}"
    );
    assert!(page.contains("requestTimeout (2 s)"), "{page}");
    assert_eq!(
        live.count(|e| matches!(
            e,
            Event::Request {
                answer: Some(ProxyAnswer::UpstreamTimeout),
                ..
            }
        )),
        1
    );
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_start_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "--slow-start 1500")).await;
    let resp = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let Event::Ready { elapsed_ms, .. } = live
        .wait_for("ready", LONG, |e| matches!(e, Event::Ready { .. }))
        .await
    else {
        unreachable!()
    };
    assert!(elapsed_ms >= 1500, "{elapsed_ms}");
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_ready_restarts_on_the_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "--crash-after 1")).await;
    let first = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let first_body = first.text().await.unwrap();
    let Event::Exited {
        after_ready,
        meaning,
        ..
    } = live
        .wait_for("exit", LONG, |e| matches!(e, Event::Exited { .. }))
        .await
    else {
        unreachable!()
    };
    assert!(after_ready);
    assert!(meaning.contains("SIGABRT"), "{meaning}");
    let second = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(second.status(), 200);
    assert_ne!(
        first_body,
        second.text().await.unwrap(),
        "a new process answered"
    );
    assert_eq!(live.spawned_pids().len(), 2);
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rapid_fail_lockout_serves_502_5_without_starting() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--crash-after 1");
    cfg.rapid_fails_per_minute = 2;
    let mut live = Live::start(cfg).await;
    for n in 1..=3 {
        let r = client().get(format!("{}/", live.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "request {n}");
        live.wait_for("exit", LONG, |e| matches!(e, Event::Exited { .. }))
            .await;
        let t = Instant::now();
        while live.count(|e| matches!(e, Event::Exited { .. })) < n {
            assert!(t.elapsed() < LONG);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Three crashes > rapidFailsPerMinute=2: the fourth request is refused without a start.
    let r = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(r.headers()["x-ancm-doctor"], "502.5");
    let page = r.text().await.unwrap();
    assert!(page.contains("rapidFailsPerMinute=2"), "{page}");
    assert_eq!(live.spawned_pids().len(), 3);
    assert!(live.count(|e| matches!(e, Event::RapidFailLockout { limit: 2, count: 3 })) == 1);
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_ignoring_shutdown_is_killed_after_shutdown_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--ignore-shutdown");
    cfg.shutdown_time_limit = Duration::from_secs(2);
    let mut live = Live::start(cfg).await;
    assert_eq!(
        client()
            .get(format!("{}/", live.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let pids = live.spawned_pids();
    let t = Instant::now();
    live.stop().await;
    let took = t.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(15),
        "{took:?}"
    );
    assert!(
        live.count(|e| matches!(
            e,
            Event::ShutdownSent {
                status: Some(202),
                ..
            }
        )) == 1
    );
    assert!(live.count(|e| matches!(e, Event::Killed { .. })) == 1);
    assert_all_gone(&pids, Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_offline_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "")).await;
    let url = format!("{}/", live.url);
    let first = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let offline = dir.path().join("app_offline.htm");
    std::fs::write(&offline, b"<h1>Back soon</h1>\n").unwrap();
    live.wait_for("offline", LONG, |e| matches!(e, Event::Offline { .. }))
        .await;
    live.wait_for("stopped", LONG, |e| matches!(e, Event::Stopped { .. }))
        .await;
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["content-type"], "text/html");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"<h1>Back soon</h1>\n");
    assert_eq!(live.spawned_pids().len(), 1, "no start while offline");
    std::fs::remove_file(&offline).unwrap();
    live.wait_for("online", LONG, |e| matches!(e, Event::Online))
        .await;
    let again = client().get(&url).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_ne!(first, again.text().await.unwrap());
    assert_eq!(live.spawned_pids().len(), 2, "cold start after removal");
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_upgrade_is_passed_through() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "")).await;
    let addr = live.url.trim_start_matches("http://").to_string();
    let echoed = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(
            s,
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut b).unwrap();
            head.push(b[0]);
        }
        let head = String::from_utf8(head).unwrap();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        assert!(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{head}");
        // One masked text frame "hello ancm".
        let payload = b"hello ancm";
        let mask = [1u8, 2, 3, 4];
        let mut frame = vec![0x81, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, c)| c ^ mask[i % 4]));
        s.write_all(&frame).unwrap();
        let mut h = [0u8; 2];
        s.read_exact(&mut h).unwrap();
        let mut data = vec![0u8; (h[1] & 0x7f) as usize];
        s.read_exact(&mut data).unwrap();
        (h[0], data)
    })
    .await
    .unwrap();
    assert_eq!(echoed, (0x81, b"hello ancm".to_vec()));
    live.wait_for("upgraded", LONG, |e| matches!(e, Event::Upgraded { .. }))
        .await;
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_megabytes_stream_both_ways_without_buffering() {
    const TOTAL: usize = 50 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "")).await;
    // Start the app first so timing below measures only streaming.
    assert_eq!(
        client()
            .get(format!("{}/", live.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let addr = live.url.trim_start_matches("http://").to_string();
    let (first_echo_before_upload_done, received) = tokio::task::spawn_blocking(move || {
        let s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut w = s.try_clone().unwrap();
        let uploaded = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let up = uploaded.clone();
        let writer = std::thread::spawn(move || {
            write!(
                w,
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {TOTAL}\r\n\r\n"
            )
            .unwrap();
            let block: Vec<u8> = (0..65536u32).map(|i| (i % 251) as u8).collect();
            let mut sent = 0;
            while sent < TOTAL {
                let n = (TOTAL - sent).min(block.len());
                w.write_all(&block[..n]).unwrap();
                sent += n;
                up.store(sent, std::sync::atomic::Ordering::SeqCst);
            }
        });
        let mut r = std::io::BufReader::new(s);
        let mut line = String::new();
        use std::io::BufRead;
        let mut chunked = false;
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            if line
                .to_ascii_lowercase()
                .starts_with("transfer-encoding: chunked")
            {
                chunked = true;
            }
            if line == "\r\n" {
                break;
            }
        }
        assert!(chunked, "the echo comes back chunked");
        let mut received = 0usize;
        let mut first_seen_at_upload = None;
        let mut expected = 0u32;
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            let size = usize::from_str_radix(line.trim(), 16).unwrap();
            if size == 0 {
                break;
            }
            let mut buf = vec![0u8; size];
            r.read_exact(&mut buf).unwrap();
            for b in &buf {
                assert_eq!(*b as u32, expected % 251, "byte {received}");
                expected = (expected + 1) % 65536;
                received += 1;
                if expected == 0 {
                    // a block boundary in the pattern
                }
            }
            if first_seen_at_upload.is_none() {
                first_seen_at_upload = Some(uploaded.load(std::sync::atomic::Ordering::SeqCst));
            }
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf).unwrap();
        }
        writer.join().unwrap();
        (first_seen_at_upload.unwrap() < TOTAL, received)
    })
    .await
    .unwrap();
    assert_eq!(received, TOTAL);
    assert!(
        first_echo_before_upload_done,
        "echoed bytes arrived before the upload finished: nothing buffered the whole body"
    );
    // Download: 50 MB from the app, streamed (Content-Length kept).
    let resp = client()
        .get(format!("{}/big?bytes={TOTAL}", live.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.content_length(), Some(TOTAL as u64));
    assert_eq!(resp.bytes().await.unwrap().len(), TOTAL);
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_log_files_are_named_and_created_like_ancm() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--print from-the-app");
    cfg.stdout_log_enabled = true;
    cfg.stdout_log_file = r".\logs\stdout".into();
    let mut live = Live::start(cfg.clone()).await;
    assert_eq!(
        client()
            .get(format!("{}/", live.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    live.wait_for(
        "output",
        LONG,
        |e| matches!(e, Event::Output { line, .. } if line == "from-the-app"),
    )
    .await;
    live.stop().await;
    let logs: Vec<_> = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(logs.len(), 1);
    let name = logs[0].file_name().into_string().unwrap();
    let me = std::process::id();
    assert!(
        name.starts_with("stdout_") && name.ends_with(&format!("_{me}.log")),
        "{name}"
    );
    assert_eq!(
        name.len(),
        "stdout_".len() + 14 + 1 + me.to_string().len() + 4,
        "{name}"
    );
    let text = std::fs::read_to_string(logs[0].path()).unwrap();
    assert!(
        text.contains("from-the-app") && text.contains("Now listening on"),
        "{text}"
    );

    // V1 does not create the folder: the start goes on without a log.
    let dir1 = tempfile::tempdir().unwrap();
    let mut cfg1 = config(dir1.path(), "");
    cfg1.module = ModuleVersion::V1;
    cfg1.stdout_log_enabled = true;
    cfg1.stdout_log_file = r".\logs\stdout".into();
    let mut live1 = Live::start(cfg1).await;
    assert_eq!(
        client()
            .get(format!("{}/", live1.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(live1.count(|e| matches!(e, Event::StdoutLog { created: false, .. })) == 1);
    assert!(!dir1.path().join("logs").exists());
    live1.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_configured_port_is_critical_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "");
    cfg.env = vec![("ASPNETCORE_PORT".into(), "80".into())];
    let mut live = Live::start(cfg).await;
    let r = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(live.spawned_pids().len(), 0);
    assert_eq!(live.count(|e| matches!(e, Event::AttemptFailed { .. })), 1);
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_program_is_a_create_process_failure() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "");
    cfg.process_path = "definitely-not-a-program-ancm".into();
    let mut live = Live::start(cfg).await;
    let r = client().get(format!("{}/", live.url)).send().await.unwrap();
    assert_eq!(r.status(), 502);
    let page = r.text().await.unwrap();
    assert!(page.contains("not found on PATH"), "{page}");
    assert_eq!(live.count(|e| matches!(e, Event::SpawnFailed { .. })), 2);
    live.stop().await;
}

/// Something else holds the port web.config assigns: V2 refuses it (502.5, ERROR_CREATE_FAILED);
/// V1 never checked the owner and forwarded to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_listener_on_the_port_is_refused_by_v2_and_used_by_v1() {
    let foreign = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = foreign.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in foreign.incoming().flatten() {
            let mut s = s;
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "");
    cfg.env = vec![("ASPNETCORE_PORT".into(), port.to_string())];
    let mut v2 = Live::start(cfg.clone()).await;
    let r = client().get(format!("{}/", v2.url)).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(
        v2.count(|e| matches!(e, Event::AttemptFailed { hresult, .. } if hresult == "0x8007065f"))
            >= 1
    );
    v2.stop().await;

    cfg.module = ModuleVersion::V1;
    let mut v1 = Live::start(cfg).await;
    let r = client().get(format!("{}/", v1.url)).send().await.unwrap();
    assert_eq!(r.status(), 418, "V1 forwarded to the foreign listener");
    assert!(
        v1.count(|e| matches!(e, Event::Note { message } if message.contains("V1 does not check")))
            == 1
    );
    v1.stop().await;
}

/// A client connection keeps one connection to the app for all its requests (as WinHTTP keeps
/// its connection alive); when the app ends that connection (`Connection: close`), the next
/// request goes on a new one instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_connection_keeps_its_app_connection_and_replaces_a_closed_one() {
    let dir = tempfile::tempdir().unwrap();
    let live = Live::start(config(dir.path(), "")).await;
    // One client connection, spoken by hand so that it stays one (a pooled client may open a
    // second while the first is being returned).
    let addr = live.url.trim_start_matches("http://").to_string();
    let result = tokio::task::spawn_blocking(move || {
        let mut s = connect_to(&addr);
        let mut ask = |target: &str| -> (u16, String) {
            write!(s, "GET {target} HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
            read_response(&mut s)
        };
        let peers: Vec<(u16, String)> = (0..5).map(|_| ask("/peer")).collect();
        let closing = ask("/peer?close=1");
        let after = ask("/peer");
        (peers, closing, after)
    })
    .await
    .unwrap();
    let (peers, closing, after) = result;
    assert!(
        peers.iter().all(|p| p.0 == 200 && p.1 == peers[0].1),
        "one client connection should use one app connection: {peers:?}"
    );
    assert_eq!(closing, peers[0]);
    assert_eq!(
        after.0, 200,
        "the request after the app closed its connection must go on a new one: {after:?}"
    );
    assert_ne!(after.1, peers[0].1, "a closed app connection was reused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_request_body_is_the_clients_400_not_the_apps_502_3() {
    let dir = tempfile::tempdir().unwrap();
    let live = Live::start(config(dir.path(), "")).await;
    let addr = live.url.trim_start_matches("http://").to_string();
    let answers = tokio::task::spawn_blocking(move || {
        let connect = || connect_to(&addr);
        let mut s = connect();
        write!(s, "GET /headers HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        let started = read_response(&mut s);
        // Bad chunked framing after the first chunk (the app reads the body before answering).
        let mut s = connect();
        write!(
            s,
            "POST /headers HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n"
        )
        .unwrap();
        let t = Instant::now();
        let malformed = read_response(&mut s);
        let malformed_took = t.elapsed();
        // A client that leaves mid-upload: 10 of 100 announced bytes, then its side closes.
        let mut s = connect();
        write!(
            s,
            "POST /headers HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"
        )
        .unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let left = read_response(&mut s);
        let mut s = connect();
        write!(s, "GET /headers HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        let after = read_response(&mut s);
        (started, malformed, malformed_took, left, after)
    })
    .await
    .unwrap();
    let (started, malformed, malformed_took, left, after) = answers;
    assert_eq!(started.0, 200, "{started:?}");
    assert_eq!(malformed.0, 400, "malformed chunked body: {malformed:?}");
    assert!(
        malformed.1.contains("could not be passed on") && !malformed.1.contains("502.3"),
        "{}",
        malformed.1
    );
    // An app failure waits for the process to be reaped (300 ms); the client's does not.
    assert!(
        malformed_took < Duration::from_millis(250),
        "{malformed_took:?}"
    );
    assert_eq!(left.0, 400, "client gone mid-upload: {left:?}");
    assert_eq!(after.0, 200, "{after:?}");
    let requests: Vec<_> = live
        .events()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::Request {
                method,
                status,
                answer,
                error,
                ..
            } => Some((method, status, answer, error)),
            _ => None,
        })
        .collect();
    let posts: Vec<_> = requests.iter().filter(|r| r.0 == "POST").collect();
    assert_eq!(posts.len(), 2, "{requests:#?}");
    for p in posts {
        assert_eq!((p.1, p.2), (400, Some(ProxyAnswer::ClientError)), "{p:?}");
        assert!(
            p.3.as_deref()
                .is_some_and(|e| e.contains("the client's request broke off")),
            "{p:?}"
        );
    }
    assert_eq!(
        live.spawned_pids().len(),
        1,
        "the app was not at fault and must not be restarted: {:#?}",
        live.events()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_body_that_breaks_while_the_app_answers_is_put_down_to_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let live = Live::start(config(dir.path(), "")).await;
    let addr = live.url.trim_start_matches("http://").to_string();
    tokio::task::spawn_blocking(move || {
        let mut s = connect_to(&addr);
        // /echo answers at once and sends the body back as it comes.
        write!(
            s,
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
        )
        .unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 512];
        while !String::from_utf8_lossy(&seen).contains("hello") {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "closed before the echo");
            seen.extend_from_slice(&buf[..n]);
        }
        assert!(seen.starts_with(b"HTTP/1.1 200"), "{seen:?}");
        // Then bad chunked framing: the app's answer can only break off.
        write!(s, "zz\r\n").unwrap();
        let _ = s.read_to_end(&mut seen);
    })
    .await
    .unwrap();
    let Event::Request { error, .. } = live
        .wait_for(
            "the POST's request event",
            LONG,
            |e| matches!(e, Event::Request { method, .. } if method == "POST"),
        )
        .await
    else {
        unreachable!()
    };
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("the client's request broke off while the app answered it")),
        "{error:?}"
    );
    assert_eq!(live.spawned_pids().len(), 1, "the app was not at fault");
}

/// `GET target` on an open keep-alive connection (blocking, off the runtime): the connection
/// back, with the answer.
async fn ask_on(
    mut s: std::net::TcpStream,
    target: &'static str,
) -> (std::net::TcpStream, (u16, String)) {
    tokio::task::spawn_blocking(move || {
        write!(s, "GET {target} HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        let answer = read_response(&mut s);
        (s, answer)
    })
    .await
    .unwrap()
}

/// A keep-alive connection that has made two requests: the first started the app, the second
/// was served by the backend the connection kept. The connection and the second answer.
async fn warm_connection(live: &Live) -> (std::net::TcpStream, (u16, String)) {
    let s = connect_to(live.url.trim_start_matches("http://"));
    let (s, _) = ask_on(s, "/").await;
    let (s, second) = ask_on(s, "/").await;
    assert_eq!(second.0, 200, "{second:?}");
    (s, second)
}

// The proxy keeps what a connection's requests share (the backend, the offline state) with the
// connection: a crash must still reach the next request on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_connection_follows_a_crash_to_the_next_process() {
    let dir = tempfile::tempdir().unwrap();
    // The app crashes after its second request.
    let mut live = Live::start(config(dir.path(), "--crash-after 2")).await;
    let (s, first) = warm_connection(&live).await;
    live.wait_for("exit", LONG, |e| matches!(e, Event::Exited { .. }))
        .await;
    let (_s, second) = ask_on(s, "/").await;
    assert_eq!(
        second.0, 200,
        "the same connection after the crash: {second:?}"
    );
    assert_ne!(first.1, second.1, "a new process answered");
    assert_eq!(live.spawned_pids().len(), 2);
    live.stop().await;
}

// requestTimeout's timer is kept by the client connection and moved on for each request: it
// must fire for the request that overruns it, only for that one, and again after it has fired,
// however long the connection lives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_connection_times_out_only_the_request_that_overruns() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "");
    cfg.request_timeout = Some(Duration::from_secs(1));
    let mut live = Live::start(cfg).await;
    let (mut s, _) = warm_connection(&live).await;
    // Well past the first request's deadline, each request within its own.
    let t = Instant::now();
    while t.elapsed() < Duration::from_millis(2500) {
        let (next, answer) = ask_on(s, "/slow?ms=300").await;
        assert_eq!(answer.0, 200, "at {:?}: {answer:?}", t.elapsed());
        s = next;
    }
    let t = Instant::now();
    let (s, late) = ask_on(s, "/slow?ms=4000").await;
    assert_eq!(late.0, 502, "{late:?}");
    assert!(late.1.contains("requestTimeout (1 s)"), "{late:?}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let (s, after) = ask_on(s, "/").await;
    assert_eq!(after.0, 200, "{after:?}");
    let (_s, late_again) = ask_on(s, "/slow?ms=4000").await;
    assert_eq!(late_again.0, 502, "{late_again:?}");
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_connection_sees_app_offline_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    let mut live = Live::start(config(dir.path(), "")).await;
    let (s, first) = warm_connection(&live).await;
    let offline = dir.path().join("app_offline.htm");
    std::fs::write(&offline, b"<h1>Back soon</h1>\n").unwrap();
    live.wait_for("stopped", LONG, |e| matches!(e, Event::Stopped { .. }))
        .await;
    let (s, down) = ask_on(s, "/").await;
    assert_eq!(down, (503, "<h1>Back soon</h1>\n".to_string()));
    std::fs::remove_file(&offline).unwrap();
    live.wait_for("online", LONG, |e| matches!(e, Event::Online))
        .await;
    let (_s, back) = ask_on(s, "/").await;
    assert_eq!(back.0, 200, "{back:?}");
    assert_ne!(first.1, back.1, "a new process answered");
    live.stop().await;
}

/// A client connection to the proxy at `addr`, spoken by hand (reads wait at most [`LONG`]).
fn connect_to(addr: &str) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(LONG)).unwrap();
    s
}

/// One HTTP/1.1 response with a Content-Length body: status and body.
fn read_response(s: &mut std::net::TcpStream) -> (u16, String) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            s.read(&mut byte).unwrap(),
            1,
            "the proxy closed the connection"
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let status = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    (status, String::from_utf8_lossy(&body).to_string())
}
