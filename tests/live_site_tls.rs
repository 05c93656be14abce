//! `ancm doctor --url https://…` against a local HTTPS server with a self-signed certificate
//! (rcgen + rustls, the TLS stack reqwest uses) serving ANCM's 500.30 page: without `--insecure`
//! the certificate is refused with a clear message naming `--insecure`; with it the page is
//! recognised. Real sockets, a real TLS handshake, the real binary.
#[path = "support/live_site.rs"]
mod live_site_support;
use live_site_support::live_site;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// ANCM V2's 500.30 page, in the template's shape (`ancm_error_page.htm`).
const ANCM_500_30: &str = "<!DOCTYPE html>\n<html lang=\"en-US\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head><meta charset=\"utf-8\" /><title> HTTP Error 500.30 - ASP.NET Core app failed to start </title></head>\n<body><h1> HTTP Error 500.30 - ASP.NET Core app failed to start </h1>\n<h2> For more information and guidance on handling these errors, visit <a href=\"https://go.microsoft.com/fwlink/?LinkID=2028265\"> <cite>Troubleshoot ASP.NET Core on Azure App Service and IIS</cite></a>. </h2></body></html>\n";

/// An HTTPS server on 127.0.0.1 with a fresh self-signed certificate for `localhost` and
/// `127.0.0.1`, answering every request with the 500.30 page; serves `connections` connections
/// (a refused handshake is one), then ends.
fn serve_tls(connections: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("a self-signed certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("the certificate and key");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        // What happened on each connection, for an assertion to print.
        let mut seen = Vec::new();
        for stream in listener.incoming().take(connections) {
            let Ok(tcp) = stream else { continue };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
            let conn = rustls::ServerConnection::new(config.clone()).expect("a TLS session");
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut buf = [0u8; 4096];
            match tls.read(&mut buf) {
                Ok(n) if n > 0 => {
                    seen.push(format!(
                        "request: {}",
                        String::from_utf8_lossy(&buf[..n])
                            .lines()
                            .next()
                            .unwrap_or("")
                    ));
                    let _ = write!(
                        tls,
                        "HTTP/1.1 500 Internal Server Error\r\nServer: Microsoft-IIS/10.0\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ANCM_500_30}",
                        ANCM_500_30.len()
                    );
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
                Ok(_) => seen.push("closed before a request".into()),
                Err(e) => seen.push(format!("handshake or read failed: {e}")),
            }
        }
        seen
    });
    (base, handle)
}

#[test]
fn a_self_signed_certificate_is_refused_clearly_and_accepted_with_insecure() {
    let (base, server) = serve_tls(2);
    let url = format!("{base}/");

    let refused = live_site(&url, &[]);
    assert_eq!(refused["outcome"], "fail", "{refused:#}");
    let msg = refused["findings"][0]["message"].as_str().unwrap_or("");
    assert!(
        msg.starts_with("the site does not answer:")
            && msg.to_ascii_lowercase().contains("certificate")
            && msg.contains("use `--insecure` for a self-signed certificate"),
        "{msg}"
    );

    let accepted = live_site(&url, &["--insecure"]);
    assert_eq!(accepted["outcome"], "fail", "{accepted:#}");
    let f = &accepted["findings"][0];
    assert_eq!(f["symptom"], "500.30", "{accepted:#}");
    let msg = f["message"].as_str().unwrap_or("");
    assert!(
        msg.starts_with("ANCM answers 500.30 (ASP.NET Core app failed to start) now"),
        "{msg}"
    );

    let seen = server.join().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen[0].starts_with("handshake or read failed"),
        "the first client refused the certificate: {seen:?}"
    );
    assert_eq!(seen[1], "request: GET / HTTP/1.1", "{seen:?}");
}
