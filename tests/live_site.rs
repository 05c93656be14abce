//! `ancm doctor --url` against a local server that answers like IIS and ANCM do (the pages' shape
//! from ANCM's `ancm_error_page.htm` and IIS's detailed error page), through the real binary:
//! the status recognised, correlated with the findings, bounded by `--timeout`.
#[path = "support/live_site.rs"]
mod live_site_support;
use live_site_support::live_site;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

const ANCM_500_31: &str = "<!DOCTYPE html>\n<html lang=\"en-US\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head><meta charset=\"utf-8\" /><title> HTTP Error 500.31 - Failed to locate ASP.NET Core framework </title></head>\n<body><h1> HTTP Error 500.31 - Failed to locate ASP.NET Core framework </h1>\n<h2> For more information and guidance on handling these errors, visit <a href=\"https://go.microsoft.com/fwlink/?LinkID=2028526\"> <cite>Troubleshoot ASP.NET Core on Azure App Service and IIS</cite></a>. </h2></body></html>\n";
const IIS_500_19: &str = "<html><head><title>IIS 10.0 Detailed Error - 500.19 - Internal Server Error</title></head><body><h3>HTTP Error 500.19 - Internal Server Error</h3><table><tr><th>Error Code</th><td>&nbsp;&nbsp;&nbsp;0x8007000d</td></tr></table></body></html>";
const OFFLINE: &str = "<html><body>Down for maintenance</body></html>";

/// A one-thread server: `/framework` → ANCM 500.31, `/config` → IIS 500.19, `/offline` → 503
/// with app_offline content, `/ok` → 200, `/hang` → never answers.
fn serve() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(5) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = match path.as_str() {
                "/framework" => ("500 Internal Server Error", ANCM_500_31),
                "/config" => ("500 Internal Server Error", IIS_500_19),
                "/offline" => ("503 Service Unavailable", OFFLINE),
                "/hang" => {
                    std::thread::sleep(Duration::from_secs(4));
                    continue;
                }
                _ => ("200 OK", "hello"),
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nServer: Microsoft-IIS/10.0\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, handle)
}

#[test]
fn ancm_and_iis_pages_are_recognised_and_correlated() {
    let (base, server) = serve();
    let r = live_site(&format!("{base}/framework"), &[]);
    assert_eq!(r["outcome"], "fail");
    let f = &r["findings"][0];
    assert_eq!(f["symptom"], "500.31");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.starts_with("ANCM answers 500.31 (Failed to locate ASP.NET Core framework) now"),
        "{msg}"
    );

    let r = live_site(&format!("{base}/config"), &[]);
    let f = &r["findings"][0];
    assert_eq!(f["symptom"], "500.19");
    assert!(f.to_string().contains("0x8007000d"), "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("`url-rewrite-module`"),
        "{f}"
    );

    let r = live_site(&format!("{base}/offline"), &[]);
    assert!(r["findings"][0]["fix"]
        .as_str()
        .unwrap()
        .contains("app_offline.htm"));

    let r = live_site(&format!("{base}/ok"), &[]);
    assert_eq!(r["outcome"], "pass");

    let r = live_site(&format!("{base}/hang"), &["--timeout", "1"]);
    assert_eq!(r["outcome"], "fail");
    assert!(
        r["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("did not answer within 1 s"),
        "{r}"
    );
    server.join().unwrap();
}

#[test]
fn nothing_listening_is_a_failed_live_site() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = live_site(&format!("http://127.0.0.1:{port}/"), &[]);
    assert_eq!(r["outcome"], "fail");
    assert!(r["findings"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("the site does not answer"));
}
