//! The graceful stop is the request ANCM sends: `POST <vpath>/iisintegration` with
//! `MS-ASPNETCORE-EVENT: shutdown`, the pairing token and `Content-Length: 0`. Microsoft's Kestrel
//! answers a POST without a length with 411 before the IIS middleware runs
//! (`shared/reference/real-aspnetcore.md`), so these tests speak to servers that do the same: a
//! tiny one written here, and `ancm-testapp`, which must reject it the same way so the live tests
//! catch a regression.
#[path = "live_helpers.rs"]
mod helpers;

use ancm_doctor::live::supervisor::send_shutdown;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

/// A request line and its headers (names lower-cased).
type Head = (String, Vec<(String, String)>);

/// Reads one request head from `s`.
fn read_head(s: &mut BufReader<TcpStream>) -> Head {
    let mut line = String::new();
    s.read_line(&mut line).unwrap();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if s.read_line(&mut h).unwrap() == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    (line.trim_end().to_string(), headers)
}

/// A one-request server that answers like Kestrel + IISMiddleware: 411 to a POST with neither
/// `Content-Length` nor `Transfer-Encoding`, 202 otherwise. Sends the request head it saw.
fn kestrel_like_server() -> (u16, mpsc::Receiver<Head>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut w = stream.try_clone().unwrap();
            let mut r = BufReader::new(stream);
            let (line, headers) = read_head(&mut r);
            let has = |n: &str| headers.iter().any(|(k, _)| k == n);
            let status =
                if line.starts_with("POST ") && !has("content-length") && !has("transfer-encoding")
                {
                    "411 Length Required"
                } else {
                    "202 Accepted"
                };
            let _ = write!(
                w,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = w.flush();
            let _ = tx.send((line, headers));
        }
    });
    (port, rx)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A raw request to `port`, returning the status line.
fn raw(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or("").to_string()
}

#[test]
fn the_kestrel_like_server_rejects_a_post_without_a_length() {
    // The control: the test server really does answer 411, so the next test can fail.
    let (port, _rx) = kestrel_like_server();
    let status = raw(
        port,
        "POST /iisintegration HTTP/1.1\r\nHost: x\r\nMS-ASPNETCORE-EVENT: shutdown\r\n\r\n",
    );
    assert!(status.contains(" 411 "), "{status}");
}

#[tokio::test]
async fn shutdown_request_carries_content_length_zero_and_gets_202() {
    let (port, rx) = kestrel_like_server();
    let (status, error) = send_shutdown(port, "/app", "tok-123", Duration::from_secs(5)).await;
    assert_eq!((status, error), (Some(202), None));
    let (line, headers) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(line, "POST /app/iisintegration HTTP/1.1");
    assert_eq!(header(&headers, "content-length"), Some("0"));
    assert_eq!(header(&headers, "transfer-encoding"), None);
    assert_eq!(header(&headers, "ms-aspnetcore-event"), Some("shutdown"));
    assert_eq!(header(&headers, "ms-aspnetcore-token"), Some("tok-123"));
    assert_eq!(
        header(&headers, "host"),
        Some(&*format!("127.0.0.1:{port}"))
    );
}

#[tokio::test]
async fn shutdown_request_at_the_root_has_no_virtual_path_prefix() {
    let (port, rx) = kestrel_like_server();
    let (status, _) = send_shutdown(port, "/", "t", Duration::from_secs(5)).await;
    assert_eq!(status, Some(202));
    let (line, _) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(line, "POST /iisintegration HTTP/1.1");
}

/// `ancm-testapp` answers 411 like Kestrel, before the token check, and 202 to the real request.
#[test]
fn testapp_answers_411_to_a_post_without_a_length_like_kestrel() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = std::process::Command::new(helpers::testapp())
        .env("ASPNETCORE_PORT", port.to_string())
        .env("ASPNETCORE_TOKEN", "tok")
        .env("ASPNETCORE_APPL_PATH", "/")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("Now listening on") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "testapp ended early");
    }
    let no_length = raw(
        port,
        "POST /iisintegration HTTP/1.1\r\nHost: x\r\nMS-ASPNETCORE-EVENT: shutdown\r\nMS-ASPNETCORE-TOKEN: tok\r\n\r\n",
    );
    let put = raw(port, "PUT /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    let with_length = raw(
        port,
        "POST /iisintegration HTTP/1.1\r\nHost: x\r\nMS-ASPNETCORE-EVENT: shutdown\r\nMS-ASPNETCORE-TOKEN: tok\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let code = child.wait().unwrap();
    assert!(no_length.contains(" 411 "), "{no_length}");
    assert!(put.contains(" 411 "), "{put}");
    assert!(with_length.contains(" 202 "), "{with_length}");
    assert!(code.success(), "the 202 stops the app: {code:?}");
}
