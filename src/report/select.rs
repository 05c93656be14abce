//! `--only ID…` / `--skip ID…`: which checks run and are reported. Ids are checked against the
//! registry so a typo is an error with a suggestion, not a silently empty report.
use thiserror::Error;

#[derive(Debug, Clone, Default)]
pub struct Selection {
    only: Vec<String>,
    skip: Vec<String>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SelectError {
    #[error("`{given}` is not a check id{}; `ancm checks` lists them", suggestion(.best))]
    UnknownId { given: String, best: Option<String> },
}

fn suggestion(best: &Option<String>) -> String {
    match best {
        Some(b) => format!(" (did you mean `{b}`?)"),
        None => String::new(),
    }
}

/// The known id closest to `given`, when it is close enough to be a typo.
pub fn did_you_mean<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let given = given.to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(&given, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_string())
}

impl Selection {
    pub fn new(only: &[String], skip: &[String]) -> Result<Selection, SelectError> {
        let known: Vec<&str> = crate::checks::REGISTRY.iter().map(|c| c.id()).collect();
        let check = |ids: &[String]| -> Result<Vec<String>, SelectError> {
            ids.iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    known
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(s))
                        .map(|k| k.to_string())
                        .ok_or_else(|| SelectError::UnknownId {
                            given: s.to_string(),
                            best: did_you_mean(s, known.iter().copied()),
                        })
                })
                .collect()
        };
        Ok(Selection {
            only: check(only)?,
            skip: check(skip)?,
        })
    }

    pub fn includes(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|o| o == id))
            && !self.skip.iter().any(|s| s == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_and_skip() {
        let s = Selection::new(
            &["web-config,process-path".into()],
            &["process-path".into()],
        )
        .unwrap();
        assert!(s.includes("web-config"));
        assert!(!s.includes("process-path"));
        assert!(!s.includes("stdout-log"));
        assert!(Selection::default().includes("stdout-log"));
    }

    #[test]
    fn a_typo_gets_a_suggestion() {
        let e = Selection::new(&["proces-path".into()], &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`proces-path` is not a check id (did you mean `process-path`?); `ancm checks` lists them"
        );
    }
}
