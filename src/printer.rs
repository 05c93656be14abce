//! The output policy, decided once per command (uv's `Printer`): what goes to stdout (the
//! report, and nothing else), what goes to stderr (errors, and progress), and how progress looks
//! — a status line rewritten in place on a terminal, plain timestamped lines when stderr is piped
//! or under `CI`, nothing for machine formats unless stderr is a terminal, nothing with `-q`.
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// No progress at all (`-q`).
    Off,
    /// One status line, rewritten in place (a terminal).
    StatusLine,
    /// One timestamped line per phase (piped, or `CI` set).
    Lines,
}

impl Progress {
    /// The policy, first match wins: `-q` → off; a terminal (not under `CI`) → a status line; a
    /// machine format with stderr piped → off (the pipeline reads stdout and logs stderr as
    /// errors); else timestamped lines (a human report piped, or any run under `CI`).
    pub fn choose(quiet: bool, machine: bool, stderr_terminal: bool, ci: bool) -> Progress {
        if quiet {
            Progress::Off
        } else if stderr_terminal && !ci {
            Progress::StatusLine
        } else if machine && !stderr_terminal {
            Progress::Off
        } else {
            Progress::Lines
        }
    }
}

#[derive(Debug)]
pub struct Printer {
    pub progress: Progress,
    started: Instant,
    /// Whether a status line is on screen (to clear before anything else is printed).
    status_shown: std::sync::atomic::AtomicBool,
    /// When the last progress line was written (`Lines`: updates of one phase are thinned).
    last_line: std::sync::Mutex<Option<Instant>>,
}

/// How often a timestamped log gets an update of the same phase ("waiting for port …").
const LINES_UPDATE_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

impl Printer {
    /// `quiet`: `-q`; `machine`: a machine format (`--format json` …) on stdout. Progress goes
    /// to stderr only, so it never mixes into a report on stdout.
    pub fn new(quiet: bool, machine: bool) -> Printer {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
        Printer::with_progress(Progress::choose(
            quiet,
            machine,
            std::io::stderr().is_terminal(),
            ci,
        ))
    }

    pub fn with_progress(progress: Progress) -> Printer {
        Printer {
            progress,
            started: Instant::now(),
            status_shown: false.into(),
            last_line: std::sync::Mutex::new(None),
        }
    }

    /// The report: stdout, with a final newline.
    pub fn stdout(&self, text: &str) -> std::io::Result<()> {
        self.clear_status();
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// An error line: always stderr.
    pub fn error(&self, line: &str) {
        self.clear_status();
        eprintln!("{line}");
    }

    /// One progress phase ("starting the app", "waiting for port 41823 — 3 s of …").
    pub fn status(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        match self.progress {
            Progress::Off => {}
            Progress::StatusLine => {
                // Fit the terminal's width so the line is rewritten, not wrapped.
                let shown: String = text.chars().take(99).collect();
                let _ = write!(err, "\r\x1b[2K{shown}");
                let _ = err.flush();
                self.status_shown
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Progress::Lines => {
                let t = self.started.elapsed().as_secs_f64();
                let _ = writeln!(err, "[{t:>6.1}s] {text}");
                *self.last_line.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
            }
        }
    }

    /// A periodic update of the current phase: rewrites the status line on a terminal; in a log,
    /// only one line per [`LINES_UPDATE_EVERY`] (a 120 s wait is 12 lines, not 120).
    pub fn status_update(&self, text: &str) {
        if self.progress == Progress::Lines {
            let last = *self.last_line.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < LINES_UPDATE_EVERY) {
                return;
            }
        }
        self.status(text);
    }

    /// Removes the status line, if one is on screen.
    pub fn clear_status(&self) {
        if self
            .status_shown
            .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.clear_status();
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn the_progress_policy() {
        assert_eq!(Progress::choose(true, false, true, false), Progress::Off);
        assert_eq!(
            Progress::choose(false, false, true, false),
            Progress::StatusLine
        );
        assert_eq!(
            Progress::choose(false, true, true, false),
            Progress::StatusLine
        );
        assert_eq!(
            Progress::choose(false, false, false, false),
            Progress::Lines
        );
        assert_eq!(Progress::choose(false, false, true, true), Progress::Lines);
        assert_eq!(Progress::choose(false, true, false, true), Progress::Off);
        assert_eq!(Progress::choose(false, true, false, false), Progress::Off);
    }
}
