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

#[derive(Debug)]
pub struct Printer {
    pub progress: Progress,
    started: Instant,
    /// Whether a status line is on screen (to clear before anything else is printed).
    status_shown: std::sync::atomic::AtomicBool,
}

impl Printer {
    /// `quiet`: `-q`. Progress goes to stderr only, so it never mixes into a report on stdout.
    pub fn new(quiet: bool) -> Printer {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
        let progress = if quiet {
            Progress::Off
        } else if std::io::stderr().is_terminal() && !ci {
            Progress::StatusLine
        } else {
            Progress::Lines
        };
        Printer::with_progress(progress)
    }

    pub fn with_progress(progress: Progress) -> Printer {
        Printer {
            progress,
            started: Instant::now(),
            status_shown: false.into(),
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
            }
        }
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
