//! `--format github`: GitHub Actions workflow commands, one annotation per warning or error
//! (`::error file=…,line=…,col=…,title=…::message`), so a broken publish folder is marked on the
//! pull request; accepted findings are `::notice`s. Then the summary line as plain log text.
//! Escaping follows the runner's rules: `%`, CR and LF in the message; also `:` and `,` in
//! property values.
use super::{RenderOptions, Report};
use crate::diagnostic::{Level, Location};
use std::fmt::Write;
use std::path::Path;

pub fn render(report: &Report, _opts: &RenderOptions) -> String {
    let cwd = std::env::current_dir().ok();
    let mut out = String::new();
    for (c, f) in report.problems() {
        let command = match (f.accepted.is_some(), f.level) {
            (true, _) => "notice",
            (false, Level::Error) => "error",
            (false, _) => "warning",
        };
        let loc: Option<&Location> = f
            .location
            .as_ref()
            .or_else(|| f.evidence.iter().find_map(|e| e.location.as_ref()));
        let file = loc
            .map(|l| l.file.clone())
            .unwrap_or_else(|| report.app_dir.join("web.config"));
        let mut props = vec![format!("file={}", property(&shown(&file, cwd.as_deref())))];
        if let Some(l) = loc.filter(|l| l.line >= 1) {
            props.push(format!("line={}", l.line));
            if l.column >= 1 {
                props.push(format!("col={}", l.column));
                if l.len > 0 {
                    props.push(format!("endColumn={}", l.column + l.len));
                }
            }
        }
        let mut title = format!("ancm {}", c.id);
        if let Some(sym) = &f.symptom {
            title.push_str(&format!(" (IIS {sym})"));
        }
        props.push(format!("title={}", property(&title)));
        let mut message = f.message.clone();
        if let Some(a) = &f.accepted {
            message = format!("accepted ({}): {message}", a.reason);
        }
        if let Some(fix) = &f.fix {
            message.push_str(&format!("\nhelp: {fix}"));
        }
        let _ = writeln!(out, "::{command} {}::{}", props.join(","), data(&message));
    }
    let s = report.summary;
    let _ = writeln!(
        out,
        "ancm doctor {}: {} passed, {} warned, {} failed, {} skipped, {} accepted",
        report.app_dir.display(),
        s.passed,
        s.warned,
        s.failed,
        s.skipped,
        s.accepted
    );
    out
}

/// A path the runner can map to the repository: relative to the working folder when inside it.
fn shown(file: &Path, cwd: Option<&Path>) -> String {
    let rel = cwd.and_then(|d| file.strip_prefix(d).ok()).unwrap_or(file);
    rel.display().to_string().replace('\\', "/")
}

/// Escapes a message (the text after `::`).
pub fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`).
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("C:\\a,b"), "C%3A\\a%2Cb");
    }
}
