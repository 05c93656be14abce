//! What `ancm fix` changes in web.config, decided from the checks' findings and the one launch
//! contract: `processPath`/`arguments` as publish writes them for the app in the folder
//! ([`PublishedLaunch`], only when a launch check found the current pair wrong), `hostingModel`
//! out of process for an app in-process hosting cannot load, the handler's `modules` matching the
//! module the server has (V2 when the facts do not say), and the stdout log folder when logging
//! is on and the folder is missing.
//!
//! Pure: the web.config text, the layout, the host facts and the findings in; text edits out.
use super::edit::{attribute_at, escape_value, EditError, TextEdit};
use crate::contract::command_line::app_relative;
use crate::contract::module::worker_env;
use crate::contract::publish::{in_process_possible, PublishedLaunch};
use crate::contract::{
    expand_env, AppFolder, Hosting, LaunchTarget, ModuleVersion, PathState, Program,
};
use crate::deployment::layout::AppLayout;
use crate::deployment::web_config::{Located, Span, WebConfig};
use crate::diagnostic::{CheckResult, Level};
use crate::host::HostFacts;

/// The checks whose findings say the launch (`processPath` + `arguments`) is wrong for the app
/// in the folder; only then does `fix` rewrite it (a working apphost launch stays an apphost
/// launch even where publish would have written `dotnet`).
const LAUNCH_CHECKS: [&str; 3] = ["launcher-placeholders", "process-path", "self-contained"];

/// One attribute change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `aspNetCore/@processPath`, `handlers/add/@modules` …
    pub attribute: String,
    /// The value before (`None`: the attribute is added).
    pub from: Option<String>,
    /// The value after (`None`: the attribute is removed).
    pub to: Option<String>,
    pub edit: TextEdit,
}

/// What `fix` would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// Folders to create, app-relative with `/` (the stdout log folder, its parents first).
    pub folders: Vec<String>,
    /// What a web.config change cannot fix here, said once each.
    pub notes: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.folders.is_empty()
    }

    pub fn edits(&self) -> Vec<TextEdit> {
        self.changes.iter().map(|c| c.edit.clone()).collect()
    }
}

/// Whether a check reported a problem (a warning or an error, not accepted by a baseline).
fn reported(results: &[CheckResult], ids: &[&str]) -> bool {
    results.iter().any(|r| {
        ids.contains(&r.id.as_str())
            && r.findings
                .iter()
                .any(|f| f.level >= Level::Warning && f.accepted.is_none())
    })
}

/// Builds the edits. `results` are the static checks' results for the same facts.
pub fn plan(
    wc: &WebConfig,
    layout: &AppLayout,
    host: &HostFacts,
    results: &[CheckResult],
) -> Result<Plan, EditError> {
    let mut out = Plan::default();
    let Some(section) = wc.aspnetcore.as_ref() else {
        out.notes.push(
            "`web.config` has no `aspNetCore` section: there is nothing ancm can correct in place"
                .into(),
        );
        return Ok(out);
    };
    let text = wc.text.as_str();
    // Inserted attributes go after the last launch attribute, or after the `<aspNetCore` name.
    let mut at = Insertion {
        offset: offset_after_name(text, section.span, "aspNetCore")?,
        quote: '"',
    };
    for (name, l) in [
        ("processPath", &section.process_path),
        ("arguments", &section.arguments),
    ] {
        if let Some(l) = l {
            let a = attribute_at(text, l.span, name)?;
            if a.whole.end > at.offset {
                at = Insertion {
                    offset: a.whole.end,
                    quote: a.quote,
                };
            }
        }
    }
    let mut changes: Vec<Option<Change>> = Vec::new();

    if reported(results, &LAUNCH_CHECKS) {
        match PublishedLaunch::for_layout(layout) {
            Some(published) => {
                let target = LaunchTarget::resolve(section, layout, &worker_env(host));
                let args = section.arguments.as_ref().map_or("", |l| l.value.as_str());
                let new_args = published.arguments(args, target.program == Program::Muxer);
                changes.push(set(
                    text,
                    at,
                    ("aspNetCore", "processPath"),
                    &section.process_path,
                    Some(published.process_path()),
                )?);
                changes.push(set(
                    text,
                    at,
                    ("aspNetCore", "arguments"),
                    &section.arguments,
                    new_args,
                )?);
            }
            None => out.notes.push(format!(
                "no `processPath` to propose: the folder holds no app publish would start ({})",
                layout.kind.describe()
            )),
        }
    }

    let hosting = Hosting::of(wc, section);
    if hosting.in_process() && !in_process_possible(layout.kind) {
        changes.push(set(
            text,
            at,
            ("aspNetCore", "hostingModel"),
            &section.hosting_model,
            Some("outofprocess".into()),
        )?);
    }

    if let Some(modules) = wc.aspnetcore_handler().and_then(|h| h.modules.as_ref()) {
        let wanted = ModuleVersion::installed(host).unwrap_or(ModuleVersion::V2);
        if !modules
            .value
            .trim()
            .eq_ignore_ascii_case(wanted.modules_attribute())
        {
            if wanted == ModuleVersion::V1 && section.hosting_model.is_some() {
                // The V1 schema has no `hostingModel` (ancm-reference.md §1.1): IIS would
                // reject the file.
                out.notes.push("the server registers only ANCM V1 (`AspNetCoreModule`), whose schema has no `hostingModel`: install the current .NET Hosting Bundle".into());
            } else {
                changes.push(set(
                    text,
                    at,
                    ("handlers/add", "modules"),
                    &Some(modules.clone()),
                    Some(wanted.modules_attribute().to_string()),
                )?);
            }
        }
    }
    out.changes = changes.into_iter().flatten().collect();

    if section.stdout_log_enabled() == Ok(true) {
        let expanded = expand_env(section.stdout_log_file(), &worker_env(host));
        match app_relative(&expanded.text).filter(|_| expanded.unresolved.is_empty()) {
            Some(rel) => {
                if let Some((folder, _)) = rel.rsplit_once('/') {
                    let mut path = String::new();
                    for part in folder.split('/') {
                        if !path.is_empty() {
                            path.push('/');
                        }
                        path.push_str(part);
                        if layout.state(&path) == PathState::Missing {
                            out.folders.push(path.clone());
                        }
                    }
                }
            }
            None => out.notes.push(format!(
                "the stdout log folder of `{}` is outside the app folder: create it on the server, writable by the app pool identity",
                section.stdout_log_file()
            )),
        }
    }
    Ok(out)
}

/// Where a new attribute goes, and the quote its neighbours use.
#[derive(Debug, Clone, Copy)]
struct Insertion {
    offset: usize,
    quote: char,
}

/// The change that makes `(element, name)` hold `to` (`None`: absent), or `None` when it does.
fn set(
    text: &str,
    at: Insertion,
    (element, name): (&str, &str),
    current: &Option<Located<String>>,
    to: Option<String>,
) -> Result<Option<Change>, EditError> {
    let from = current.as_ref().map(|l| l.value.clone());
    if from == to {
        return Ok(None);
    }
    let edit = match (current, &to) {
        (Some(l), Some(v)) => {
            let a = attribute_at(text, l.span, name)?;
            TextEdit {
                range: a.value,
                text: escape_value(v, a.quote),
            }
        }
        (Some(l), None) => TextEdit {
            range: attribute_at(text, l.span, name)?.whole,
            text: String::new(),
        },
        (None, Some(v)) => TextEdit {
            range: at.offset..at.offset,
            text: format!(" {name}={q}{}{q}", escape_value(v, at.quote), q = at.quote),
        },
        (None, None) => return Ok(None),
    };
    Ok(Some(Change {
        attribute: format!("{element}/@{name}"),
        from,
        to,
        edit,
    }))
}

/// The offset just after `<name` of the element at `span` (the reader's element span).
fn offset_after_name(text: &str, span: Span, name: &str) -> Result<usize, EditError> {
    let at = super::edit::offset_of(text, span.line, span.column)?;
    let tag = format!("<{name}");
    if text[at..].starts_with(&tag) {
        Ok(at + tag.len())
    } else {
        Err(EditError::NotAnAttribute {
            line: span.line,
            column: span.column,
            name: name.to_string(),
        })
    }
}
