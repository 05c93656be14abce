//! Fuzz target: raw bytes from a client into the proxy's HTTP/1 server (`proxy::connection`, the
//! same server `ancm run` runs per socket), over an in-memory pipe. The first byte picks the
//! proxy's state (its low two bits):
//!
//! - 0: `app_offline.htm` present: 503 with the file's bytes;
//! - 1: the app cannot start: 502.5 with the diagnosis page (web.config's `ASPNETCORE_PORT` is
//!   not a port: a start failure the supervisor answers without spawning anything);
//! - 2: the session is shutting down: 503;
//! - 3: a live app: the real `ancm-testapp` process, started once by the supervisor, gets every
//!   request rewritten and forwarded over a pooled connection, and its answer (or a 502.3) is
//!   relayed back.
//!
//! Everything costly is made once per fuzzer process (`World`): the runtime, the supervisors and
//! proxies, the app process. Per input there is only the pipe and the server's own work. The
//! client sends the input and waits; once the server has read all of it and has nothing left to
//! do, the harness shuts the connection down gracefully (what `serve` does when it stops:
//! answers in progress complete, an idle connection closes) and what still waits for bytes gets
//! the end of the stream. So every complete request is answered, and the answer is written,
//! rather than dropped by an early end of stream (the server does not allow half-closed
//! connections).
//!
//! The clock is tokio's paused clock once the app is up: a timer the proxy waits on (300 ms for a
//! failing app to exit before a 502.3, 50 ms before noting a token mismatch, the 120 s header
//! wait of a request head cut short) fires as soon as nothing else can happen, instead of costing
//! its real length per input. For that the live state has no `requestTimeout` (a pending timer
//! would fire while a real answer is on its way); the one wait in real time is the harness's own
//! `LIVE_GRACE`. A hang is caught by libFuzzer's `-timeout` (`scripts/fuzz` passes 10 s).
//!
//! The app is `ancm-testapp` from the main workspace's release build (`scripts/fuzz` builds it),
//! or the program `ANCM_FUZZ_APP` names; without it the target stops at once and says so rather
//! than fuzz three states of four. `ANCM_FUZZ_SHOW=1` prints, per input, how it ended.
#![no_main]
use ancm_doctor::live::events::EventBus;
use ancm_doctor::live::proxy::{self, Proxy};
use ancm_doctor::live::supervisor::Supervisor;
use ancm_doctor::live::LiveConfig;
use libfuzzer_sys::fuzz_target;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

type OfflineTx = tokio::sync::watch::Sender<Option<Arc<Vec<u8>>>>;

/// How long a connection to the live app may take to finish after the harness asked it to (all
/// its input read), in real time: about 20 times the app's round trip through the proxy measured
/// on this loaded machine (0.26 ms). A request whose body the input cut short, forwarded to the
/// app that waits for the rest, waits it out, and it is most of what the live state costs: in
/// a 20 s run 0.7 % of the inputs spent 55 % of the time in a 20 ms grace. An app slower than
/// this only loses that input's answer (the connection then gets the end of the stream).
const LIVE_GRACE: Duration = Duration::from_millis(5);

/// The state (index into `World::proxies`) with the live app behind the proxy.
const LIVE: usize = 3;

struct World {
    rt: tokio::runtime::Runtime,
    /// Indexed by the first byte's low two bits (see the file's comment).
    proxies: [Arc<Proxy>; 4],
    alarm: Mutex<mpsc::Sender<(Instant, Waker)>>,
    /// `ANCM_FUZZ_SHOW` is set: print how each input ended.
    show: bool,
    _offline: Vec<OfflineTx>,
}

fn app_program() -> PathBuf {
    if let Some(p) = std::env::var_os("ANCM_FUZZ_APP") {
        return PathBuf::from(p);
    }
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/release/ancm-testapp"
    ))
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let _enter = rt.enter();
        let app = app_program();
        assert!(
            app.is_file(),
            "proxy_http1 needs the live app `{}`: run `cargo build --release -p ancm-testapp` \
             (scripts/fuzz does) or set ANCM_FUZZ_APP",
            app.display()
        );
        let app = app.display().to_string();
        // The app's working directory; nothing is written there.
        let dir = std::env::temp_dir();
        let config = |process: &str| {
            let mut cfg = LiveConfig::for_test(&dir, process, "");
            cfg.attempts = 1;
            cfg.request_timeout = Some(Duration::from_secs(1));
            // The app's output is read by nothing here.
            cfg.console_redirection = false;
            cfg
        };
        let mut offline = Vec::new();
        let mut proxy = |cfg: LiveConfig, offline_page: Option<&[u8]>| {
            let sup = Supervisor::new(cfg, EventBus::new(false));
            let (tx, rx) = tokio::sync::watch::channel(offline_page.map(|p| Arc::new(p.to_vec())));
            offline.push(tx);
            (sup.clone(), Proxy::new(sup, rx))
        };

        let (_, offline_proxy) = proxy(config(&app), Some(b"<h1>offline</h1>"));

        let mut cannot_start = config(&app);
        cannot_start
            .env
            .push(("ASPNETCORE_PORT".into(), "not-a-port".into()));
        let (_, failing_proxy) = proxy(cannot_start, None);

        let (stopping, stopping_proxy) = proxy(config(&app), None);
        rt.block_on(stopping.shutdown());

        let mut live_cfg = config(&app);
        // No requestTimeout: on the paused clock it would fire while the app's answer is on its
        // way (the wait for an answer is real I/O, not a timer).
        live_cfg.request_timeout = None;
        // Start the app without waiting out the 250 ms poll (it is started once).
        live_cfg.fast_diagnosis = true;
        let (live, live_proxy) = proxy(live_cfg, None);
        // Started here, once and in real time, so a broken app stops the target at once instead
        // of showing up as 502.5 answers.
        if let Err(e) = rt.block_on(live.acquire()) {
            panic!("proxy_http1: the live app `{app}` did not start: {e:?}");
        }
        rt.block_on(async { tokio::time::pause() });

        World {
            proxies: [offline_proxy, failing_proxy, stopping_proxy, live_proxy],
            rt,
            alarm: Mutex::new(alarm_thread()),
            show: std::env::var_os("ANCM_FUZZ_SHOW").is_some(),
            _offline: offline,
        }
    })
}

/// A thread that wakes wakers at real-time deadlines: the harness's one real wait, which a tokio
/// timer on the paused clock would not give.
fn alarm_thread() -> mpsc::Sender<(Instant, Waker)> {
    let (tx, rx) = mpsc::channel::<(Instant, Waker)>();
    std::thread::spawn(move || {
        let mut pending: Vec<(Instant, Waker)> = Vec::new();
        loop {
            let next = pending.iter().map(|p| p.0).min();
            let got = match next {
                Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            };
            match got {
                Ok(p) => pending.push(p),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
            let now = Instant::now();
            pending.retain(|(t, w)| {
                if *t <= now {
                    w.wake_by_ref();
                }
                *t > now
            });
        }
    });
    tx
}

/// Ready once `deadline` has passed in real time.
struct RealDeadline<'a> {
    deadline: Instant,
    alarm: &'a Mutex<mpsc::Sender<(Instant, Waker)>>,
}

impl Future for RealDeadline<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let _ = locked(self.alarm).send((self.deadline, cx.waker().clone()));
        Poll::Pending
    }
}

/// The client's side of one connection: the input, how much of it the server read, and whether
/// the server waits for more (`starved`) or was given the end of the stream. Writes are counted.
#[derive(Default)]
struct Client {
    input: Vec<u8>,
    read: usize,
    eof: bool,
    starved: bool,
    reader: Option<Waker>,
    answered: usize,
    /// The server dropped its end (after an upgrade that is the proxy's relay task).
    gone: bool,
    gone_waker: Option<Waker>,
}

/// The server's end of the connection (what `proxy::connection` gets instead of a socket).
struct Pipe(Arc<Mutex<Client>>);

/// The harness's locks guard plain data: a panic while one was held leaves nothing half-done.
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn client(pipe: &Arc<Mutex<Client>>) -> std::sync::MutexGuard<'_, Client> {
    locked(pipe)
}

impl AsyncRead for Pipe {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let mut c = client(&self.0);
        if c.read < c.input.len() {
            let n = buf.remaining().min(c.input.len() - c.read);
            buf.put_slice(&c.input[c.read..c.read + n]);
            c.read += n;
            c.starved = false;
            Poll::Ready(Ok(()))
        } else if c.eof {
            Poll::Ready(Ok(()))
        } else {
            c.starved = true;
            c.reader = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl AsyncWrite for Pipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        client(&self.0).answered += buf.len();
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        let mut c = client(&self.0);
        c.gone = true;
        if let Some(w) = c.gone_waker.take() {
            w.wake();
        }
    }
}

fn end_of_input(pipe: &Arc<Mutex<Client>>) {
    let mut c = client(pipe);
    c.eof = true;
    if let Some(w) = c.reader.take() {
        w.wake();
    }
}

/// Remembers whether a future woke itself while being polled (work left, not waiting).
struct WokeFlag {
    woke: AtomicBool,
    outer: Mutex<Option<Waker>>,
}

impl Wake for WokeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woke.store(true, Ordering::SeqCst);
        if let Some(w) = locked(&self.outer).as_ref() {
            w.wake_by_ref();
        }
    }
}

/// How many turns of the runtime's other tasks `until_starved` gives before it calls a starved
/// connection quiet: a request's answer may come from another task (the supervisor runs
/// `acquire` as a task of its own and the request waits on it), and that task runs only when
/// this one yields. One turn is enough for one hop; a few are a margin.
const QUIET_TURNS: u32 = 3;

/// Polls `conn` until it ends (true) or has read all the input and waits for more, with nothing
/// woken for it through `QUIET_TURNS` turns of the other tasks (false). For the in-process
/// states that is the end of all work; for the live app the requests are parsed and on their
/// way.
async fn until_starved<F: Future>(mut conn: Pin<&mut F>, pipe: &Arc<Mutex<Client>>) -> bool {
    let flag = Arc::new(WokeFlag {
        woke: AtomicBool::new(false),
        outer: Mutex::new(None),
    });
    let waker = Waker::from(flag.clone());
    let mut quiet = 0;
    loop {
        let ended = std::future::poll_fn(|cx| {
            *locked(&flag.outer) = Some(cx.waker().clone());
            flag.woke.store(false, Ordering::SeqCst);
            if conn
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                return Poll::Ready(true);
            }
            if client(pipe).starved && !flag.woke.load(Ordering::SeqCst) {
                Poll::Ready(false)
            } else {
                Poll::Pending
            }
        })
        .await;
        if ended {
            return true;
        }
        // Starved and not woken: let the other tasks have their turn, and see whether one of
        // them wakes the connection.
        tokio::task::yield_now().await;
        if flag.woke.load(Ordering::SeqCst) {
            quiet = 0;
        } else {
            quiet += 1;
            if quiet >= QUIET_TURNS {
                return false;
            }
        }
    }
}

/// One client connection through the proxy's HTTP/1 server (see the file's comment); returns
/// how it ended, for `ANCM_FUZZ_SHOW`.
async fn one_connection(w: &World, state: usize, bytes: &[u8]) -> &'static str {
    let pipe = Arc::new(Mutex::new(Client {
        input: bytes.to_vec(),
        ..Client::default()
    }));
    let remote = "127.0.0.1:50000".parse().expect("address");
    let mut how = "done";
    {
        let conn = proxy::connection(Pipe(pipe.clone()), w.proxies[state].clone(), remote);
        let mut conn = std::pin::pin!(conn);
        let mut ended = until_starved(conn.as_mut(), &pipe).await;
        if !ended {
            how = "graceful";
            conn.as_mut().graceful_shutdown();
            ended = if state == LIVE {
                let grace = RealDeadline {
                    deadline: Instant::now() + LIVE_GRACE,
                    alarm: &w.alarm,
                };
                tokio::select! {
                    _ = conn.as_mut() => true,
                    _ = grace => false,
                }
            } else {
                until_starved(conn.as_mut(), &pipe).await
            };
        }
        if !ended {
            how = "end of stream";
            end_of_input(&pipe);
            let _ = conn.as_mut().await;
        }
    }
    // An upgraded connection (a WebSocket to the live app) lives on in the proxy's relay task:
    // the end of the client's stream must end it too.
    if !client(&pipe).gone {
        how = "upgraded";
        end_of_input(&pipe);
        std::future::poll_fn(|cx| {
            let mut c = client(&pipe);
            if c.gone {
                Poll::Ready(())
            } else {
                c.gone_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
    }
    if w.show {
        let c = client(&pipe);
        eprintln!(
            "proxy_http1: state {state}: {how}; read {} of {} bytes, answered {} bytes",
            c.read,
            c.input.len(),
            c.answered
        );
    }
    how
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let w = world();
    let state = usize::from(mode & 3);
    let t0 = Instant::now();
    let how = w.rt.block_on(one_connection(w, state, bytes));
    if w.show {
        eprintln!("proxy_http1: state {state}: {how} in {:?}", t0.elapsed());
    }
});
