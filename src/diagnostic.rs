//! The result model every layer shares: what a check concluded and the evidence for it.
//! Pure data: no I/O and no formatting here (renderers live in `report`).
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How serious one finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Information that explains a pass (e.g. "framework 3.1.23 will run").
    Note,
    /// Works today but is risky or will bite later.
    Warning,
    /// IIS will fail to serve the app because of this.
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
    /// The check could not run (its input is missing or another check already failed on it).
    Skip,
}

/// A place in a file: 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    /// How many characters to underline; 0 means "a point".
    #[serde(default, skip_serializing_if = "is_zero")]
    pub len: u32,
    /// The text of `line`, for the human renderer's snippet. Never serialized: it may hold a secret.
    #[serde(skip)]
    pub source_line: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Location {
    pub fn new(file: impl Into<PathBuf>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
            len: 0,
            source_line: None,
        }
    }

    pub fn with_len(mut self, len: u32) -> Self {
        self.len = len;
        self
    }

    pub fn with_source_line(mut self, text: impl Into<String>) -> Self {
        self.source_line = Some(text.into());
        self
    }
}

/// What redacted values print as.
pub const REDACTED: &str = "***";

/// One fact that supports a finding: a label and a value, optionally where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// A secret (pairing token, web.config environment value): renderers print [`REDACTED`]
    /// unless `--show-secrets`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// One thing a check found. Message style: starts lowercase, no trailing period, identifiers in
/// backticks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub level: Level,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The IIS symptom this causes, as `explain` knows it: "502.5", "500.19", "500.30", "503" …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symptom: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The `ancm fix` command line that makes the change `fix` describes, when a web.config
    /// edit (or the stdout log folder) fixes this finding; set by `doctor`, not by checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_command: Option<String>,
    /// Stable across runs: the check id and a hash of what was found (`report::ids`). Set by
    /// the report, not by checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Set when a baseline (`ancm.toml`) accepts this finding: it is still reported, but no
    /// longer counts toward the check's outcome or the exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Accepted>,
}

/// Why a finding is accepted, and by which baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub reason: String,
    pub baseline: PathBuf,
}

impl Finding {
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        Finding {
            level,
            message: message.into(),
            evidence: Vec::new(),
            location: None,
            symptom: None,
            fix: None,
            fix_command: None,
            id: None,
            accepted: None,
        }
    }
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Level::Error, message)
    }
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Level::Warning, message)
    }
    pub fn note(message: impl Into<String>) -> Self {
        Self::new(Level::Note, message)
    }
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
    pub fn at_opt(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }
    pub fn symptom(mut self, symptom: impl Into<String>) -> Self {
        self.symptom = Some(symptom.into());
        self
    }
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
    pub fn evidence(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
            location: None,
            secret: false,
        });
        self
    }
    pub fn evidence_at(
        mut self,
        label: impl Into<String>,
        value: impl Into<String>,
        location: Location,
    ) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
            location: Some(location),
            secret: false,
        });
        self
    }
    /// Evidence whose value is a secret: redacted in every output unless `--show-secrets`.
    pub fn secret_evidence(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
            location: None,
            secret: true,
        });
        self
    }
}

/// The result of one check in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    pub findings: Vec<Finding>,
}

impl CheckResult {
    /// Derives the outcome from the findings: any error fails, any warning warns.
    pub fn from_findings(id: &str, title: &str, findings: Vec<Finding>) -> Self {
        let worst = findings
            .iter()
            .filter(|f| f.accepted.is_none())
            .map(|f| f.level)
            .max();
        let outcome = match worst {
            Some(Level::Error) => Outcome::Fail,
            Some(Level::Warning) => Outcome::Warn,
            _ => Outcome::Pass,
        };
        CheckResult {
            id: id.to_string(),
            title: title.to_string(),
            outcome,
            skip_reason: None,
            findings,
        }
    }

    pub fn skipped(id: &str, title: &str, reason: impl Into<String>) -> Self {
        CheckResult {
            id: id.to_string(),
            title: title.to_string(),
            outcome: Outcome::Skip,
            skip_reason: Some(reason.into()),
            findings: Vec::new(),
        }
    }
}

/// Counts per outcome, for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub warned: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Findings a baseline accepted (they no longer count toward an outcome).
    #[serde(default)]
    pub accepted: usize,
}

impl Summary {
    pub fn of(results: &[CheckResult]) -> Self {
        let mut s = Summary::default();
        for r in results {
            match r.outcome {
                Outcome::Pass => s.passed += 1,
                Outcome::Warn => s.warned += 1,
                Outcome::Fail => s.failed += 1,
                Outcome::Skip => s.skipped += 1,
            }
            s.accepted += r.findings.iter().filter(|f| f.accepted.is_some()).count();
        }
        s
    }
}
