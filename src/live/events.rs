//! The one event stream of a live session: what the supervisor and the proxy did, in order.
//!
//! `run --trace` renders it as a timeline (human or one JSON object per line) and `doctor`'s probe
//! turns it into findings; neither looks anywhere else. Events carry facts only — explanations are
//! made from them in `explain.rs`. Secrets are redacted before an event is published, unless the
//! session was started with `show_secrets`, where they are carried (`crate::secrets`): the
//! web.config values of a spawn's environment whole, and in free text (the app's output, reasons)
//! only the pairing token and credential values, as whole words.
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How a process ended: an exit code, or (Unix) the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExitInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

/// One environment variable as shown in a spawn event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownVar {
    pub name: String,
    pub value: String,
    /// Where the value came from: `ancm` (forced by the module), `web.config`, `inherited`.
    pub origin: &'static str,
}

impl ShownVar {
    /// The origin of a variable web.config's `<environmentVariables>` set.
    pub const WEB_CONFIG: &'static str = "web.config";
}

/// Why the proxy made a request's answer itself (ancm-protocol.md §4.9, §4.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyAnswer {
    /// The app could not be started: 502.5 (500.3x in-process).
    StartFailure,
    /// The app accepted the request but sent no answer within requestTimeout: 502.3.
    UpstreamTimeout,
    /// Connecting to the app failed, or the connection broke: 502.3.
    UpstreamError,
    /// `app_offline.htm`: 503.
    Offline,
    /// The app is being stopped: 503.
    ShuttingDown,
    /// The client's request could not be passed on (its body broke off or was malformed):
    /// 400, as ANCM answers a client that reset mid-request (WSAECONNRESET → 400,
    /// ancm-protocol.md's HRESULT table). Not the app's failure.
    ClientError,
}

/// Everything a live session reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The session started: which module is emulated and where the proxy listens.
    Session {
        module: String,
        hosting_model: String,
        app_dir: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        listen: Option<String>,
    },
    /// A process was created (one start attempt).
    Spawn {
        attempt: u32,
        pid: u32,
        port: u16,
        command_line: String,
        cwd: String,
        /// Only the variables ANCM adds or web.config sets (the inherited rest is not shown).
        env: Vec<ShownVar>,
    },
    /// The process could not be created at all (`CreateProcessW` stage).
    SpawnFailed {
        attempt: u32,
        program: String,
        error: String,
    },
    /// Where stdout/stderr go when `stdoutLogEnabled` is on.
    StdoutLog {
        path: String,
        created: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// Where ANCM would have written, when the log went to ancm's scratch folder instead.
        #[serde(skip_serializing_if = "Option::is_none")]
        instead_of: Option<String>,
        /// With `instead_of`: whether the folder ANCM writes into exists (when it does not, V2
        /// creates it and V1 writes no log).
        #[serde(skip_serializing_if = "Option::is_none")]
        ancm_folder_exists: Option<bool>,
    },
    /// One line the app wrote to stdout or stderr (one stream, as ANCM captures it).
    Output { pid: u32, line: String },
    /// Something in the app's process tree listens on a port other than the assigned one.
    ListeningElsewhere {
        pid: u32,
        port: u16,
        expected_port: u16,
    },
    /// The assigned port is listened on, by the process or a descendant.
    Ready {
        pid: u32,
        listener_pid: u32,
        port: u16,
        elapsed_ms: u64,
    },
    /// One start attempt failed (ANCM event 1000).
    AttemptFailed {
        attempt: u32,
        port: u16,
        stage: String,
        hresult: String,
        reason: String,
        elapsed_ms: u64,
    },
    /// The whole start failed after its attempts (ANCM event 1020): requests get 502.5.
    StartFailed { reason: String },
    /// The process exited (crash, early exit, or after a stop).
    Exited {
        pid: u32,
        exit: ExitInfo,
        meaning: String,
        /// Whether it had been ready (listening) before it exited.
        after_ready: bool,
        uptime_ms: u64,
    },
    /// The rapid-fail limit is exceeded: no start until the minute is over (ANCM event 1003).
    RapidFailLockout { limit: u32, count: u32 },
    /// One proxied request and how it ended.
    Request {
        /// Borrowed for the standard methods (no allocation per request), owned for others.
        method: std::borrow::Cow<'static, str>,
        path: String,
        status: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        substatus: Option<u16>,
        elapsed_ms: u64,
        bytes: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// Why the proxy answered itself instead of the app, typed: what the probe decides on
        /// (the `x-ancm-doctor` header and `error` are for people).
        #[serde(skip_serializing_if = "Option::is_none")]
        answer: Option<ProxyAnswer>,
    },
    /// A WebSocket upgrade was passed through.
    Upgraded { path: String },
    /// app_offline.htm appeared (or changed): the app is being stopped (ANCM event 1012).
    Offline { path: String },
    /// app_offline.htm is gone: the next request starts the app.
    Online,
    /// The graceful shutdown request was sent (ANCM event 1006 when a status came back).
    ShutdownSent {
        pid: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A stop signal was sent to the process group (after the shutdown request failed).
    Signalled { pid: u32, signal: String },
    /// The process did not stop within shutdownTimeLimit and was killed (ANCM event 1005).
    Killed { pid: u32, after_ms: u64 },
    /// The process stopped after being asked to.
    Stopped {
        pid: u32,
        graceful: bool,
        elapsed_ms: u64,
    },
    /// A finding-worthy fact that fits no other event.
    Note { message: String },
}

/// An event with its time since the session started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stamped {
    pub t_ms: u64,
    #[serde(flatten)]
    pub event: Event,
}

type Subscriber = Arc<dyn Fn(&Stamped) + Send + Sync>;

/// The kept events, numbered in the order they were emitted (the two lists interleave).
#[derive(Default)]
struct Kept {
    next: u64,
    others: VecDeque<(u64, Stamped)>,
    requests: VecDeque<(u64, Stamped)>,
}

/// The session's event stream: subscribers see every event as it happens; the most recent
/// [`EventBus::KEEP`] are kept for whoever asks later (the probe's diagnosis, `run`'s keys), and
/// of those at most [`EventBus::KEEP_REQUESTS`] request events: under load they would otherwise
/// push the few events that explain the session (the spawn, the exit) out, and hold megabytes.
pub struct EventBus {
    start: Instant,
    /// Loaded without a lock while an event is handed out: the proxy's threads emit at once (a
    /// mutex here made every request of every thread wait for the others' timeline lines, and
    /// a read lock still wrote its cache line from both cores).
    subscribers: arc_swap::ArcSwap<Vec<Subscriber>>,
    log: Mutex<Kept>,
    secrets: Mutex<Vec<String>>,
    /// The pairing tokens of the latest starts ([`EventBus::add_token`]).
    tokens: Mutex<VecDeque<String>>,
    show_secrets: bool,
}

impl EventBus {
    /// How many events are kept for [`EventBus::snapshot`] (a long `run` must not grow forever).
    pub const KEEP: usize = 10_000;
    /// How many of them may be `Request` events (the most recent).
    pub const KEEP_REQUESTS: usize = 1_000;
    /// How many starts' pairing tokens are masked (the most recent; each start has one).
    pub const KEEP_TOKENS: usize = 16;

    pub fn new(show_secrets: bool) -> Arc<EventBus> {
        Arc::new(EventBus {
            start: Instant::now(),
            subscribers: arc_swap::ArcSwap::from_pointee(Vec::new()),
            log: Mutex::new(Kept::default()),
            secrets: Mutex::new(Vec::new()),
            tokens: Mutex::new(VecDeque::new()),
            show_secrets,
        })
    }

    pub fn subscribe(&self, f: impl Fn(&Stamped) + Send + Sync + 'static) {
        let f: Subscriber = Arc::new(f);
        self.subscribers.rcu(|list| {
            let mut list = Vec::clone(list);
            list.push(f.clone());
            list
        });
    }

    /// Registers a credential (the pairing token, a password from web.config) that must never
    /// appear in an event's text (unless secrets are shown).
    pub fn add_credential(&self, secret: &str) {
        if secret.len() >= 3 {
            let mut s = lock(&self.secrets);
            if !s.iter().any(|x| x == secret) {
                s.push(secret.to_string());
            }
        }
    }

    /// Registers a start's pairing token, like [`EventBus::add_credential`], but keeps only the
    /// most recent [`EventBus::KEEP_TOKENS`]: every start makes a new one, and an app that fails
    /// to start under traffic starts on every request — an unbounded list made every event's
    /// redaction walk all of them. A token is only ever printed by its own process, whose output
    /// is read while it runs.
    pub fn add_token(&self, token: &str) {
        if token.len() >= 3 {
            let mut t = lock(&self.tokens);
            if !t.iter().any(|x| x == token) {
                if t.len() >= Self::KEEP_TOKENS {
                    t.pop_front();
                }
                t.push_back(token.to_string());
            }
        }
    }

    pub fn show_secrets(&self) -> bool {
        self.show_secrets
    }

    /// Masks every registered credential in `text` where it stands as a word of its own.
    pub fn redact(&self, text: &str) -> String {
        if self.show_secrets {
            return text.to_string();
        }
        let masked = crate::secrets::mask(text, &lock(&self.secrets));
        crate::secrets::mask(&masked, lock(&self.tokens).make_contiguous())
    }

    pub fn emit(&self, event: Event) {
        let event = self.redact_event(event);
        let stamped = Stamped {
            t_ms: self.start.elapsed().as_millis() as u64,
            event,
        };
        for s in self.subscribers.load().iter() {
            s(&stamped);
        }
        let mut guard = lock(&self.log);
        let log = &mut *guard;
        log.next += 1;
        let seq = log.next;
        let (list, limit) = if matches!(stamped.event, Event::Request { .. }) {
            (&mut log.requests, Self::KEEP_REQUESTS)
        } else {
            (&mut log.others, Self::KEEP - Self::KEEP_REQUESTS)
        };
        if list.len() >= limit {
            list.pop_front();
        }
        list.push_back((seq, stamped));
    }

    /// Every kept event, oldest first.
    pub fn snapshot(&self) -> Vec<Stamped> {
        let log = lock(&self.log);
        let mut all: Vec<&(u64, Stamped)> = log.others.iter().chain(log.requests.iter()).collect();
        all.sort_unstable_by_key(|(seq, _)| *seq);
        all.into_iter().map(|(_, e)| e.clone()).collect()
    }

    pub fn elapsed_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn redact_event(&self, event: Event) -> Event {
        if self.show_secrets {
            return event;
        }
        match event {
            Event::Output { pid, line } => Event::Output {
                pid,
                line: self.redact(&line),
            },
            Event::Spawn {
                attempt,
                pid,
                port,
                command_line,
                cwd,
                env,
            } => Event::Spawn {
                attempt,
                pid,
                port,
                command_line: self.redact(&command_line),
                cwd,
                env: env
                    .into_iter()
                    .map(|v| ShownVar {
                        // A web.config value is a secret whatever it holds: hidden whole.
                        value: if v.origin == ShownVar::WEB_CONFIG {
                            crate::diagnostic::REDACTED.to_string()
                        } else {
                            self.redact(&v.value)
                        },
                        ..v
                    })
                    .collect(),
            },
            Event::StartFailed { reason } => Event::StartFailed {
                reason: self.redact(&reason),
            },
            Event::AttemptFailed {
                attempt,
                port,
                stage,
                hresult,
                reason,
                elapsed_ms,
            } => Event::AttemptFailed {
                attempt,
                port,
                stage,
                hresult,
                reason: self.redact(&reason),
                elapsed_ms,
            },
            other => other,
        }
    }
}

/// A poisoned lock only means another thread panicked while holding it; the data is still usable
/// for reporting, and a reporter must not panic in turn.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_latest_starts_tokens_are_kept_for_masking() {
        let bus = EventBus::new(false);
        bus.add_credential("hunter2-password");
        for i in 0..1000 {
            bus.add_token(&format!("token-{i:04}"));
        }
        assert_eq!(lock(&bus.tokens).len(), EventBus::KEEP_TOKENS);
        let text = bus.redact("token-0999 token-0000 hunter2-password");
        assert!(
            !text.contains("token-0999") && !text.contains("hunter2-password"),
            "{text}"
        );
        assert!(
            text.contains("token-0000"),
            "an old start's token is no longer masked: {text}"
        );
    }

    #[test]
    fn secrets_are_redacted_in_output_and_spawn_events() {
        let bus = EventBus::new(false);
        bus.add_credential("0f8fad5b-d9cb-469f-a165-70867728950e");
        bus.emit(Event::Output {
            pid: 1,
            line: "token '0f8fad5b-d9cb-469f-a165-70867728950e' rejected".into(),
        });
        let log = bus.snapshot();
        let Event::Output { line, .. } = &log[0].event else {
            panic!("not an output event")
        };
        assert_eq!(line, "token '***' rejected");
        let json = serde_json::to_string(&log[0]).unwrap();
        assert!(json.contains("\"event\":\"output\""), "{json}");
    }

    #[test]
    fn web_config_values_are_hidden_where_carried_not_searched_for() {
        let bus = EventBus::new(false);
        bus.add_credential("hunter2");
        bus.emit(Event::Spawn {
            attempt: 1,
            pid: 1,
            port: 1,
            command_line: "app --mode exit".into(),
            cwd: "/".into(),
            env: vec![
                ShownVar {
                    name: "MODE".into(),
                    value: "exit".into(),
                    origin: ShownVar::WEB_CONFIG,
                },
                ShownVar {
                    name: "ASPNETCORE_PORT".into(),
                    value: "1234".into(),
                    origin: "ancm",
                },
            ],
        });
        bus.emit(Event::Output {
            pid: 1,
            line: "exit requested; password hunter2 used; Now listening on: http://127.0.0.1:5000"
                .into(),
        });
        let log = bus.snapshot();
        let Event::Spawn {
            env, command_line, ..
        } = &log[0].event
        else {
            panic!("not a spawn")
        };
        assert_eq!(env[0].value, "***");
        assert_eq!(env[1].value, "1234");
        assert_eq!(command_line, "app --mode exit");
        let Event::Output { line, .. } = &log[1].event else {
            panic!("not output")
        };
        assert_eq!(
            line,
            "exit requested; password *** used; Now listening on: http://127.0.0.1:5000"
        );
    }

    #[test]
    fn secrets_are_kept_when_shown() {
        let bus = EventBus::new(true);
        bus.add_credential("s3cr3t");
        assert_eq!(bus.redact("a s3cr3t b"), "a s3cr3t b");
    }
}
