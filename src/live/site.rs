//! `doctor --url`: what the live site answers now. One bounded GET (reqwest; `--insecure` accepts
//! a self-signed certificate), then the answer is recognised — ANCM's own error page (its
//! template `ancm_error_page.htm` titles pages `HTTP Error <status>.<sub> - <generalErrorType>`),
//! IIS's detailed error page (`HTTP Error 500.19 - Internal Server Error` with an `Error Code`
//! row), HTTP.sys's "The service is unavailable" (stopped pool), or a 503 that is neither (the
//! content of `app_offline.htm`) — and correlated with the findings of the static checks.
//!
//! [`recognise`] and [`correlate`] are pure; [`fetch`] opens the one connection.
use crate::diagnostic::{CheckResult, Finding, Level, Outcome};
use std::time::{Duration, Instant};

/// The check id the answer reports under (a catalog entry, filled by `doctor --url`).
pub const CHECK_ID: &str = "live-site";

/// At most this much of the body is read.
pub const MAX_BODY: usize = 256 * 1024;

/// What the site answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub url: String,
    pub status: u16,
    pub server: Option<String>,
    pub body: String,
    pub elapsed: Duration,
}

/// Who produced an error answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Producer {
    /// ANCM's error page (V2 template or the older static pages).
    Ancm,
    /// IIS's detailed or custom error page.
    Iis,
    /// HTTP.sys: the app pool is stopped (or rapid-fail protection stopped it).
    HttpSys,
    /// A 503 with a page that is neither: `app_offline.htm`'s own content.
    AppOffline,
}

/// An error answer, recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// `500.31`, `503` …: the form `ancm explain` and the findings' `symptom` use.
    pub symptom: String,
    pub title: Option<String>,
    pub producer: Producer,
    /// IIS's `Error Code` (`0x8007000d`), when the page shows it.
    pub error_code: Option<String>,
}

/// Reads an answer's status and page. `None` for a success or redirect, or an error page this
/// does not know.
pub fn recognise(status: u16, body: &str) -> Option<Recognised> {
    if status < 400 {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    if status == 503 && lower.contains("the service is unavailable") {
        return Some(Recognised {
            symptom: "503".into(),
            title: Some("Service Unavailable".into()),
            producer: Producer::HttpSys,
            error_code: None,
        });
    }
    if let Some((code, title)) = http_error_heading(body) {
        let producer = if lower.contains("ancm")
            || lower.contains("asp.net core")
            || lower.contains("linkid=2028526")
            || lower.contains("linkid=808681")
        {
            Producer::Ancm
        } else {
            Producer::Iis
        };
        return Some(Recognised {
            symptom: code,
            title,
            producer,
            error_code: error_code(body),
        });
    }
    if status == 503 {
        return Some(Recognised {
            symptom: "503".into(),
            title: None,
            producer: Producer::AppOffline,
            error_code: None,
        });
    }
    // IIS's custom error page for remote clients hides the substatus: `500 - Internal server error.`
    Some(Recognised {
        symptom: status.to_string(),
        title: None,
        producer: Producer::Iis,
        error_code: error_code(body),
    })
}

/// `HTTP Error 500.31 - Failed to locate ASP.NET Core framework` → (`500.31`, title).
fn http_error_heading(body: &str) -> Option<(String, Option<String>)> {
    let mut rest = body;
    while let Some(i) = rest.find("HTTP Error ") {
        let after = &rest[i + "HTTP Error ".len()..];
        let code: String = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let code = code.trim_end_matches('.').to_string();
        let valid = code.len() >= 3
            && code[..3].bytes().all(|b| b.is_ascii_digit())
            && (code.len() == 3 || code.as_bytes()[3] == b'.');
        if valid {
            let tail = &after[code.len()..];
            let title = tail
                .trim_start()
                .strip_prefix('-')
                .map(|t| {
                    t.split(['<', '\n'])
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                })
                .filter(|t| !t.is_empty());
            return Some((code, title));
        }
        rest = after;
    }
    None
}

/// IIS's detailed page: `<th>Error Code</th><td>&nbsp;&nbsp;&nbsp;0x8007000d</td>`.
fn error_code(body: &str) -> Option<String> {
    let i = body.find("Error Code")?;
    let after = &body[i..body.len().min(i + 200)];
    let j = after.find("0x")?;
    let code: String = after[j + 2..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (!code.is_empty() && code.len() <= 8).then(|| format!("0x{}", code.to_ascii_lowercase()))
}

/// The `live-site` result: what the site answers and which findings account for it.
pub fn correlate(answer: &Answer, results: &[CheckResult]) -> CheckResult {
    let title = crate::catalog::title(CHECK_ID);
    let took = format!("{} ms", answer.elapsed.as_millis());
    let Some(r) = recognise(answer.status, &answer.body) else {
        let f = Finding::note(format!(
            "`{}` answers {} in {took}",
            answer.url, answer.status
        ));
        return CheckResult::from_findings(CHECK_ID, title, vec![f]);
    };
    let who = match r.producer {
        Producer::Ancm => "ANCM",
        Producer::Iis => "IIS",
        Producer::HttpSys => "HTTP.sys (the app pool is not running)",
        Producer::AppOffline => "a page that is not IIS's (`app_offline.htm`?)",
    };
    // The findings that name this symptom, then the checks whose catalog entry explains it.
    let matching: Vec<&str> = results
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail | Outcome::Warn))
        .filter(|c| {
            c.findings.iter().any(|f| {
                f.level >= Level::Warning
                    && f.symptom
                        .as_deref()
                        .is_some_and(|s| symptom_matches(s, &r.symptom))
            })
        })
        .map(|c| c.id.as_str())
        .collect();
    let shown = match &r.title {
        Some(t) => format!("{} ({t})", r.symptom),
        None => r.symptom.clone(),
    };
    let mut f = if matching.is_empty() {
        let could: Vec<String> = crate::catalog::entries()
            .iter()
            .filter(|e| {
                e.meta.removed.is_none()
                    && e.meta
                        .explains
                        .iter()
                        .any(|s| symptom_matches(s, &r.symptom))
            })
            .map(|e| format!("`{}`", e.meta.id))
            .collect();
        let hint = if could.is_empty() {
            String::new()
        } else {
            format!("; checks that can explain it: {}", could.join(", "))
        };
        Finding::error(format!(
            "{who} answers {shown} now and no finding here accounts for it{hint}"
        ))
    } else {
        let ids: Vec<String> = matching.iter().map(|i| format!("`{i}`")).collect();
        Finding::error(format!(
            "{who} answers {shown} now: matches {}",
            ids.join(", ")
        ))
    };
    f = f
        .symptom(r.symptom.clone())
        .evidence("url", answer.url.clone())
        .evidence("status", format!("{} in {took}", answer.status));
    if let Some(s) = &answer.server {
        f = f.evidence("server", s.clone());
    }
    if let Some(code) = &r.error_code {
        f = f.evidence("error code", code.clone());
    }
    if r.producer == Producer::AppOffline {
        f = f.fix("remove `app_offline.htm` from the app folder if the deployment is over");
    } else {
        f = f.fix(format!("`ancm explain {}` describes the causes", r.symptom));
    }
    CheckResult::from_findings(CHECK_ID, title, vec![f])
}

/// `500.3` in a finding matches `500.3` on the page; a page showing only `500` (IIS hides the
/// substatus from remote clients) matches every `500.x`.
fn symptom_matches(finding: &str, page: &str) -> bool {
    finding == page || (!page.contains('.') && finding.split('.').next() == Some(page))
}

/// Options for [`fetch`].
#[derive(Debug, Clone, Copy)]
pub struct FetchOptions {
    pub insecure: bool,
    pub timeout: Duration,
}

/// One GET of `url`, bounded by `timeout` (connect, headers and body together), redirects
/// followed up to 5 times, the body read up to [`MAX_BODY`].
pub fn fetch(url: &str, opts: FetchOptions) -> Result<Answer, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(opts.insecure)
            .redirect(reqwest::redirect::Policy::limited(5))
            .timeout(opts.timeout)
            .user_agent(concat!("ancm-doctor/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let started = Instant::now();
        let mut resp = client
            .get(url)
            .send()
            .await
            .map_err(|e| describe(url, &e, opts.timeout))?;
        let status = resp.status().as_u16();
        let server = resp
            .headers()
            .get(reqwest::header::SERVER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        while body.len() < MAX_BODY {
            match resp.chunk().await {
                Ok(Some(c)) => body.extend_from_slice(&c),
                Ok(None) => break,
                Err(e) => return Err(describe(url, &e, opts.timeout)),
            }
        }
        body.truncate(MAX_BODY);
        Ok(Answer {
            url: url.to_string(),
            status,
            server,
            body: String::from_utf8_lossy(&body).into_owned(),
            elapsed: started.elapsed(),
        })
    })
}

fn describe(url: &str, e: &reqwest::Error, timeout: Duration) -> String {
    use std::error::Error as _;
    let mut cause = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        cause = format!("{cause}: {s}");
        src = s.source();
    }
    if e.is_timeout() {
        format!("`{url}` did not answer within {} s", timeout.as_secs())
    } else if cause.to_ascii_lowercase().contains("certificate") {
        format!("`{url}`: {cause} (use `--insecure` for a self-signed certificate)")
    } else {
        format!("`{url}`: {cause}")
    }
}

/// The `live-site` result when the site could not be reached at all.
pub fn unreachable(why: &str) -> CheckResult {
    CheckResult::from_findings(
        CHECK_ID,
        crate::catalog::title(CHECK_ID),
        vec![Finding::error(format!("the site does not answer: {why}"))
            // User-facing text: the citation stays here (ancm-reference.md §5 row 1).
            .fix("check the site's bindings and that the site is started")],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ANCM V2's page for 500.31, in the template's shape (`ancm_error_page.htm`).
    pub const ANCM_500_31: &str = "<!DOCTYPE html>\n<html lang=\"en-US\" xmlns=\"http://www.w3.org/1999/xhtml\">\n    <head>\n        <meta charset=\"utf-8\" />\n        <title> HTTP Error 500.31 - Failed to locate ASP.NET Core framework </title>\n    </head>\n    <body>\n        <h1> HTTP Error 500.31 - Failed to locate ASP.NET Core framework </h1>\n        <h2> Common solutions to this issue: </h2>\n        <h2> For more information and guidance on handling these errors, visit <a href=\"https://go.microsoft.com/fwlink/?LinkID=2028526\"> <cite>Troubleshoot ASP.NET Core on Azure App Service and IIS</cite></a>. </h2>\n    </body>\n</html>\n";

    /// IIS 10's detailed error page for 500.19.
    pub const IIS_500_19: &str = "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"><html><head><title>IIS 10.0 Detailed Error - 500.19 - Internal Server Error</title></head><body><div id=\"content\"><div class=\"content-container\"><h3>HTTP Error 500.19 - Internal Server Error</h3><h4>The requested page cannot be accessed because the related configuration data for the page is invalid.</h4></div><div class=\"content-container\"><fieldset><h4>Detailed Error Information:</h4><div id=\"details-left\"><table border=\"0\" cellpadding=\"0\" cellspacing=\"0\"><tr class=\"alt\"><th>Module</th><td>&nbsp;&nbsp;&nbsp;IIS Web Core</td></tr><tr><th>Error Code</th><td>&nbsp;&nbsp;&nbsp;0x8007000d</td></tr></table></div></fieldset></div></div></body></html>";

    /// HTTP.sys when the pool is stopped.
    pub const HTTPSYS_503: &str = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n</BODY></HTML>\r\n";

    #[test]
    fn recognises_ancm_iis_and_http_sys_pages() {
        let r = recognise(500, ANCM_500_31).unwrap();
        assert_eq!(r.symptom, "500.31");
        assert_eq!(r.producer, Producer::Ancm);
        assert_eq!(
            r.title.as_deref(),
            Some("Failed to locate ASP.NET Core framework")
        );
        let r = recognise(500, IIS_500_19).unwrap();
        assert_eq!(r.symptom, "500.19");
        assert_eq!(r.producer, Producer::Iis);
        assert_eq!(r.error_code.as_deref(), Some("0x8007000d"));
        let r = recognise(503, HTTPSYS_503).unwrap();
        assert_eq!((r.symptom.as_str(), r.producer), ("503", Producer::HttpSys));
        let r = recognise(503, "<h1>Down for maintenance</h1>").unwrap();
        assert_eq!(r.producer, Producer::AppOffline);
        for (code, title) in [
            ("502.5", "ANCM Out-Of-Process Startup Failure"),
            ("502.3", "Bad Gateway"),
            ("500.30", "ASP.NET Core app failed to start"),
            (
                "500.37",
                "ASP.NET Core app failed to start within startup time limit",
            ),
            ("500.21", "Internal Server Error"),
            ("403.14", "Forbidden"),
            ("404.13", "Not Found"),
        ] {
            let page = format!("<title>HTTP Error {code} - {title}</title>");
            let status: u16 = code[..3].parse().unwrap();
            assert_eq!(recognise(status, &page).unwrap().symptom, code);
        }
        assert!(recognise(200, "<title>HTTP Error 500.31 - x</title>").is_none());
        assert_eq!(
            recognise(500, "<title>500 - Internal server error.</title>")
                .unwrap()
                .symptom,
            "500"
        );
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            url: "http://127.0.0.1:1/".into(),
            status,
            server: Some("Microsoft-IIS/10.0".into()),
            body: body.into(),
            elapsed: Duration::from_millis(12),
        }
    }

    #[test]
    fn correlates_the_page_with_the_findings() {
        let results = vec![CheckResult::from_findings(
            "framework-resolution",
            "t",
            vec![Finding::error("9.0.0 is not installed").symptom("500.31")],
        )];
        let r = correlate(&answer(500, ANCM_500_31), &results);
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.findings[0].message.starts_with("ANCM answers 500.31 (Failed to locate ASP.NET Core framework) now: matches `framework-resolution`"),
            "{}",
            r.findings[0].message
        );
        let r = correlate(&answer(500, IIS_500_19), &results);
        assert!(
            r.findings[0]
                .message
                .contains("no finding here accounts for it"),
            "{}",
            r.findings[0].message
        );
        let r = correlate(&answer(200, "hello"), &results);
        assert_eq!(r.outcome, Outcome::Pass);
        // A bare 500 (remote client) matches any 500.x finding.
        let r = correlate(
            &answer(500, "<title>500 - Internal server error.</title>"),
            &results,
        );
        assert!(r.findings[0]
            .message
            .contains("matches `framework-resolution`"));
    }
}
