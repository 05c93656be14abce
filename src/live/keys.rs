//! The keys of `run --trace` on a terminal: r (restart the app), o (toggle `app_offline.htm`),
//! p (send a probe request), e (show the redacted environment), q or Ctrl-C (quit gracefully).
//!
//! Keys are read in raw mode (crossterm) on a thread of their own, and only when stdin is a
//! terminal: a piped or redirected stdin is never touched, so scripts and CI see the plain
//! timeline. Raw mode also turns off the terminal's `\n` → `\r\n` translation and its Ctrl-C
//! signal, so while it is on the timeline writes `\r\n` ([`raw_mode_on`]) and Ctrl-C arrives
//! here as a key. Dropping [`Keys`] stops the thread and restores the terminal.
use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Restart,
    ToggleOffline,
    Probe,
    Environment,
    /// `q` or Ctrl-C: stop the orderly way (a second one kills at once).
    Quit,
}

impl Key {
    fn of(code: KeyCode, modifiers: KeyModifiers) -> Option<Key> {
        match code {
            KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => Some(Key::Quit),
            KeyCode::Char(c) => match c.to_ascii_lowercase() {
                'r' => Some(Key::Restart),
                'o' => Some(Key::ToggleOffline),
                'p' => Some(Key::Probe),
                'e' => Some(Key::Environment),
                'q' => Some(Key::Quit),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The line that tells the operator which keys there are.
pub const HELP: &str =
    "keys: r restart the app · o app_offline.htm on/off · p send a request · e environment · q quit";

static RAW: AtomicBool = AtomicBool::new(false);

/// Whether raw mode is on (the timeline must end its lines with `\r\n`).
pub fn raw_mode_on() -> bool {
    RAW.load(Ordering::SeqCst)
}

/// Reading keys; the terminal is back to normal when this is dropped.
pub struct Keys {
    pub rx: mpsc::UnboundedReceiver<Key>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Keys {
    /// Starts reading keys if stdin is a terminal and raw mode can be entered; `None` otherwise.
    pub fn start() -> Option<Keys> {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return None;
        }
        crossterm::terminal::enable_raw_mode().ok()?;
        RAW.store(true, Ordering::SeqCst);
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                // Poll with a timeout so the thread notices `stop` and ends.
                match event::poll(Duration::from_millis(100)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    // A terminal that errors (gone away): keep the session, stop reading
                    // for a moment; the channel stays open until `Keys` is dropped.
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(100));
                        continue;
                    }
                }
                let Ok(TermEvent::Key(k)) = event::read() else {
                    continue;
                };
                // Windows reports releases too; a key counts once.
                if k.kind != KeyEventKind::Press {
                    continue;
                }
                if let Some(key) = Key::of(k.code, k.modifiers) {
                    if tx.send(key).is_err() {
                        return;
                    }
                }
            }
        });
        Some(Keys {
            rx,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = crossterm::terminal::disable_raw_mode();
        RAW.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_actions() {
        let none = KeyModifiers::NONE;
        assert_eq!(Key::of(KeyCode::Char('r'), none), Some(Key::Restart));
        assert_eq!(
            Key::of(KeyCode::Char('O'), KeyModifiers::SHIFT),
            Some(Key::ToggleOffline)
        );
        assert_eq!(Key::of(KeyCode::Char('p'), none), Some(Key::Probe));
        assert_eq!(Key::of(KeyCode::Char('e'), none), Some(Key::Environment));
        assert_eq!(Key::of(KeyCode::Char('q'), none), Some(Key::Quit));
        assert_eq!(
            Key::of(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Key::Quit)
        );
        assert_eq!(Key::of(KeyCode::Char('c'), none), None);
        assert_eq!(Key::of(KeyCode::Enter, none), None);
    }
}
