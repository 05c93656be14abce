//! `--format junit`: JUnit XML for CI test dashboards, one `<testcase>` per check: a failed
//! check is a `<failure>` (a warned one too under `--strict`), a skipped check `<skipped>`,
//! findings and their fixes in the body; accepted findings are listed in `<system-out>`.
use super::{RenderOptions, Report};
use crate::diagnostic::{CheckResult, Level, Outcome};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail; a failure would only lose output, never panic.
    let _ = write(&mut w, report, opts);
    String::from_utf8_lossy(&w.into_inner()).into_owned()
}

fn fails(c: &CheckResult, opts: &RenderOptions) -> bool {
    c.outcome == Outcome::Fail || (opts.strict && c.outcome == Outcome::Warn)
}

fn write(w: &mut Writer<Vec<u8>>, report: &Report, opts: &RenderOptions) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let tests = report.checks.len().to_string();
    let failures = report
        .checks
        .iter()
        .filter(|c| fails(c, opts))
        .count()
        .to_string();
    let skipped = report.summary.skipped.to_string();
    let time = format!("{:.3}", report.duration_ms as f64 / 1000.0);
    let name = format!("ancm doctor {}", report.app_dir.display());
    w.create_element("testsuites")
        .with_attributes([
            ("name", name.as_str()),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("time", time.as_str()),
        ])
        .write_inner_content(|w| {
            w.create_element("testsuite")
                .with_attributes([
                    ("name", name.as_str()),
                    ("tests", tests.as_str()),
                    ("failures", failures.as_str()),
                    ("errors", "0"),
                    ("skipped", skipped.as_str()),
                    ("time", time.as_str()),
                ])
                .write_inner_content(|w| {
                    for c in &report.checks {
                        testcase(w, report, c, opts)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

fn testcase(
    w: &mut Writer<Vec<u8>>,
    report: &Report,
    c: &CheckResult,
    opts: &RenderOptions,
) -> std::io::Result<()> {
    let classname = format!("ancm.{}", super::areas::area_of(c).slug());
    let el = w
        .create_element("testcase")
        .with_attributes([("name", c.id.as_str()), ("classname", classname.as_str())]);
    let body = findings_text(c, opts);
    let accepted: Vec<String> = c
        .findings
        .iter()
        .filter_map(|f| {
            f.accepted.as_ref().map(|a| {
                format!(
                    "accepted ({}): {} {}",
                    a.reason,
                    f.level.as_str(),
                    f.message
                )
            })
        })
        .collect();
    let _ = report;
    el.write_inner_content(|w| {
        if fails(c, opts) {
            let first = c
                .findings
                .iter()
                .filter(|f| f.accepted.is_none())
                .max_by_key(|f| f.level)
                .map(|f| f.message.as_str())
                .unwrap_or(c.title.as_str());
            let kind = if c.outcome == Outcome::Fail {
                "error"
            } else {
                "warning"
            };
            w.create_element("failure")
                .with_attributes([("message", first), ("type", kind)])
                .write_text_content(BytesText::new(&body))?;
        } else if c.outcome == Outcome::Skip {
            w.create_element("skipped")
                .with_attribute(("message", c.skip_reason.as_deref().unwrap_or("")))
                .write_empty()?;
        }
        let mut out = String::new();
        if !fails(c, opts) && !body.is_empty() {
            out.push_str(&body);
        }
        for a in &accepted {
            out.push_str(a);
            out.push('\n');
        }
        if !out.is_empty() {
            w.create_element("system-out")
                .write_text_content(BytesText::new(out.trim_end()))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Each finding that is not accepted: level, message, location, symptom and fix.
fn findings_text(c: &CheckResult, opts: &RenderOptions) -> String {
    let mut s = String::new();
    for f in c.findings.iter().filter(|f| f.accepted.is_none()) {
        if f.level == Level::Note && !opts.verbose {
            continue;
        }
        s.push_str(&format!("{}: {}", f.level.as_str(), f.message));
        if let Some(sym) = &f.symptom {
            s.push_str(&format!(" (IIS: {sym})"));
        }
        s.push('\n');
        if let Some(l) = &f.location {
            s.push_str(&format!(
                "  --> {}:{}:{}\n",
                l.file.display(),
                l.line,
                l.column
            ));
        }
        if let Some(fix) = &f.fix {
            s.push_str(&format!("  help: {fix}\n"));
        }
        if let Some(id) = &f.id {
            s.push_str(&format!("  id: {id}\n"));
        }
    }
    s
}
