//! The reverse proxy: ANCM's forwarding handler (ancm-protocol.md §4) on hyper 1 and tokio.
//!
//! A request goes through named steps — `offline_gate` (app_offline.htm → 503), `acquire` (the
//! supervisor starts the app; failure → 502.5), `rewrite_request` (token, `X-Forwarded-*`,
//! hop-by-hop headers), `forward` (within requestTimeout), `relay_response` (headers as ANCM
//! relays them, body streamed with a per-read timeout) — and every failure goes through one
//! function, [`error_answer`]: start failure → 502.5; connect, reset or timeout → 502.3;
//! offline or shutting down → 503. Each request ends in one `Request` event. WebSocket upgrades
//! are passed through byte for byte once both sides have switched protocols.
use super::app_connections::{AppBody, AppBodyError, AppConnection, AppKey, Outgoing, SendError};
use super::app_http::{self, RequestRewrite};
use super::events::{Event, EventBus, ProxyAnswer};
use super::explain::{self, StartFailure, Trouble};
use super::supervisor::{Backend, Supervisor, Unavailable};
use super::LiveConfig;
use crate::contract::ModuleVersion;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A response body of the proxy: the app's, relayed ([`Relay`]), or one the proxy wrote itself
/// (an error page, or nothing). An enum rather than a boxed `dyn Body`: one allocation and one
/// dynamic call per request less.
pub struct ProxyBody(BodyKind);

// Not boxed: every relayed response would pay an allocation for it (the body is moved once).
#[allow(clippy::large_enum_variant)]
enum BodyKind {
    Relay(Relay),
    Own(Full<Bytes>),
}

impl ProxyBody {
    fn own(content: Bytes) -> ProxyBody {
        ProxyBody(BodyKind::Own(Full::new(content)))
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().0 {
            BodyKind::Relay(r) => Pin::new(r).poll_frame(cx),
            BodyKind::Own(f) => Pin::new(f)
                .poll_frame(cx)
                .map(|f| f.map(|f| f.map_err(|e| match e {}))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            BodyKind::Relay(r) => r.is_end_stream(),
            BodyKind::Own(f) => f.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            BodyKind::Relay(r) => r.size_hint(),
            BodyKind::Own(f) => f.size_hint(),
        }
    }
}

/// Why forwarding to the app failed (all 502.3 in ANCM, §4.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamError {
    /// ERROR_WINHTTP_CANNOT_CONNECT 0x80072EFD.
    Connect(String),
    /// ERROR_WINHTTP_TIMEOUT 0x80072EE2: no answer within requestTimeout.
    Timeout(Duration),
    /// ERROR_WINHTTP_CONNECTION_ERROR 0x80072EFE / INVALID_SERVER_RESPONSE 0x80072F78.
    Reset(String),
}

/// Every answer the proxy makes itself instead of the app's.
#[derive(Debug, Clone)]
pub enum ErrorAnswer {
    Start(StartFailure),
    Upstream {
        error: UpstreamError,
        /// How the app's process ended, if it did (explains a refused connection).
        exit: Option<String>,
    },
    Offline(Arc<Vec<u8>>),
    ShuttingDown,
    /// The client's request broke off or was malformed while it was passed on (what went wrong).
    ClientRequest(String),
}

/// The one mapping from what went wrong to ANCM's answer: status, substatus, content type, body.
pub fn error_answer(
    a: &ErrorAnswer,
    cfg: &LiveConfig,
) -> (StatusCode, Option<u16>, &'static str, Bytes) {
    match a {
        ErrorAnswer::Start(f) => {
            if cfg.disable_start_up_error_page {
                return (StatusCode::BAD_GATEWAY, Some(5), "text/html", Bytes::new());
            }
            let d = explain::diagnose_start(f, cfg.hosting_model, cfg.module, &cfg.env);
            (
                StatusCode::BAD_GATEWAY,
                Some(5),
                "text/html",
                Bytes::from(page_502_5(cfg.module, &d)),
            )
        }
        ErrorAnswer::Upstream { error, exit } => (
            StatusCode::BAD_GATEWAY,
            Some(3),
            "text/html",
            Bytes::from(page_502_3(error, exit.as_deref(), cfg)),
        ),
        // The exact bytes of the file, as text/html (§5.4 [SRC]).
        ErrorAnswer::Offline(content) => (
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "text/html",
            Bytes::from(content.as_ref().clone()),
        ),
        ErrorAnswer::ShuttingDown => (
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "text/html",
            Bytes::new(),
        ),
        ErrorAnswer::ClientRequest(d) => (
            StatusCode::BAD_REQUEST,
            None,
            "text/html",
            Bytes::from(format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Bad Request</title></head><body>\
<h1>HTTP Error 400. The request is badly formed.</h1>\
<hr><h2>What ancm-doctor found</h2><p>The client's request could not be passed on to the app: {}. \
The app is not at fault; ANCM answers 400 when the client resets mid-request.</p></body></html>",
                esc(d)
            )),
        ),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const ANCM_DOCTOR_HEADER: &str = "x-ancm-doctor";

/// ANCM's 502.5 page (§4.10 [SRC]), then what ancm found.
fn page_502_5(module: ModuleVersion, d: &explain::Diagnosis) -> String {
    let (title, link) = match module {
        ModuleVersion::V2 => (
            "HTTP Error 502.5 - ANCM Out-Of-Process Startup Failure",
            "https://go.microsoft.com/fwlink/?LinkID=2028526",
        ),
        ModuleVersion::V1 => (
            "HTTP Error 502.5 - Process Failure",
            "https://go.microsoft.com/fwlink/?LinkID=808681",
        ),
    };
    let mut ev = String::new();
    for (k, v) in &d.evidence {
        ev.push_str(&format!("<li>{}: {}</li>", esc(k), esc(v)));
    }
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
<h1>{title}</h1>\
<h2>Common solutions to this issue:</h2><ul>\
<li>The application process failed to start</li>\
<li>The application process started but then stopped</li>\
<li>The application process started but failed to listen on the configured port</li></ul>\
<h2>Troubleshooting steps:</h2><ul>\
<li>Check the system event log for error messages</li>\
<li>Enable logging the application process' stdout messages</li>\
<li>Attach a debugger to the application process and inspect</li></ul>\
<p>For more information visit: <a href=\"{link}\">{link}</a></p>\
<hr><h2>What ancm-doctor found</h2><p>{}</p><ul>{ev}</ul><p>Fix: {}</p></body></html>",
        esc(&d.message),
        esc(&d.fix)
    )
}

/// IIS's 502.3 page (IIS renders it, ANCM only sets the status, §4.9), then what ancm found.
fn page_502_3(e: &UpstreamError, exit: Option<&str>, cfg: &LiveConfig) -> String {
    let (code, text, why) = match e {
        UpstreamError::Connect(d) => (
            "0x80072efd",
            "A connection with the server could not be established",
            match exit {
                Some(x) => format!("the app process is gone ({x}), so nothing accepts the connection: {d}"),
                None => format!("nothing accepted the connection on the app's port: {d}"),
            },
        ),
        UpstreamError::Timeout(t) => (
            "0x80072ee2",
            "The operation timed out",
            format!(
                "the app accepted the request but sent no answer within requestTimeout ({} s): a hung request, a deadlock, or work that takes longer than requestTimeout",
                t.as_secs()
            ),
        ),
        UpstreamError::Reset(d) => (
            "0x80072efe",
            "The connection with the server was terminated abnormally",
            match exit {
                Some(x) => format!("the app process died while handling the request ({x}): {d}"),
                None => format!("the app closed or reset the connection: {d}"),
            },
        ),
    };
    let symptom = explain::iis_symptom(
        match e {
            UpstreamError::Timeout(_) => Trouble::UpstreamTimeout,
            _ => Trouble::UpstreamError,
        },
        cfg.hosting_model,
        cfg.module,
    )
    .unwrap_or("502.3");
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>IIS Detailed Error - 502.3 - Bad Gateway</title></head><body>\
<h1>HTTP Error 502.3 - Bad Gateway</h1>\
<p>The specified CGI application encountered an error and the server terminated the process.</p>\
<p>Module: AspNetCoreModule{}<br>Error Code: {code}<br>{text}</p>\
<hr><h2>What ancm-doctor found</h2><p>{}</p><p>IIS shows {symptom} for this.</p></body></html>",
        if cfg.module == ModuleVersion::V2 { "V2" } else { "" },
        esc(&why)
    )
}

/// What every request to one backend shares: its identity and the token as a header value,
/// built once per backend instead of parsed per request.
#[derive(Clone)]
struct Upstream {
    key: AppKey,
    token_value: HeaderValue,
    /// `127.0.0.1:PORT`, for a request that came without a Host header.
    host: HeaderValue,
}

/// Which app process `backend` is, for its connections.
fn app_key(backend: &Backend) -> AppKey {
    AppKey {
        pid: backend.pid,
        port: backend.port,
    }
}

impl Upstream {
    fn for_backend(backend: &Backend) -> Result<Upstream, String> {
        Ok(Upstream {
            key: app_key(backend),
            token_value: HeaderValue::from_str(&backend.token)
                .map_err(|_| "token is not a valid header value".to_string())?,
            host: HeaderValue::from_str(&format!("127.0.0.1:{}", backend.port))
                .map_err(|_| "the app's address is not a valid header value".to_string())?,
        })
    }
}

/// One client connection: its address as `X-Forwarded-For` text, and its link to the app
/// (requests on one connection come one at a time, so this is never contended).
pub struct ClientConnection {
    proxy: Arc<Proxy>,
    client: HeaderValue,
    state: std::sync::Mutex<ConnectionState>,
}

/// What a connection's requests reuse. The backend and the app_offline.htm content are cached
/// here because asking the supervisor and the offline watch takes locks every proxy thread
/// shares: per request, that moved their cache lines between the cores (`scripts/bench-proxy`).
struct ConnectionState {
    app: Option<AppConnection>,
    /// Since when the connection has waited for a request head: its start, or the end of the
    /// last response. `None` while a request is served (the header wait does not apply).
    waiting_since: Option<Instant>,
    upstream: Option<Upstream>,
    /// The backend the last request went to, with [`Supervisor::generation`] read before it
    /// was looked up.
    backend: Option<(u64, Arc<Backend>)>,
    /// This connection's own receiver of the offline state: `has_changed` is one atomic load,
    /// `borrow` a read lock.
    offline: super::app_offline::OfflineState,
    offline_now: Option<Arc<Vec<u8>>>,
    /// requestTimeout's timer, reset for each request: a timer made per request was registered
    /// in the runtime's timer wheel and taken out again every time; moving a registered one to
    /// a later deadline is an atomic store (tokio fires it early and re-files it, once per
    /// requestTimeout at most).
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl ClientConnection {
    fn new(proxy: Arc<Proxy>, remote: SocketAddr) -> ClientConnection {
        let mut offline = proxy.offline.clone();
        let offline_now = offline.borrow_and_update().clone();
        ClientConnection {
            client: client_address(remote),
            state: std::sync::Mutex::new(ConnectionState {
                app: None,
                upstream: None,
                backend: None,
                offline,
                offline_now,
                deadline: None,
                waiting_since: Some(Instant::now()),
            }),
            proxy,
        }
    }

    fn take_app(&self) -> Option<AppConnection> {
        super::events::lock(&self.state).app.take()
    }

    fn keep_app(&self, app: AppConnection) {
        super::events::lock(&self.state).app = Some(app);
    }

    /// requestTimeout's timer, due `timeout` from now.
    fn take_deadline(&self, timeout: Duration) -> Pin<Box<tokio::time::Sleep>> {
        let due = tokio::time::Instant::now() + timeout;
        match super::events::lock(&self.state).deadline.take() {
            Some(mut d) => {
                d.as_mut().reset(due);
                d
            }
            None => Box::pin(tokio::time::sleep_until(due)),
        }
    }

    fn keep_deadline(&self, deadline: Pin<Box<tokio::time::Sleep>>) {
        super::events::lock(&self.state).deadline = Some(deadline);
    }

    /// A request head has come: the header wait stops until its answer is out. Returns
    /// app_offline.htm's content while it is there.
    fn begin_request(&self) -> Option<Arc<Vec<u8>>> {
        let mut state = super::events::lock(&self.state);
        let state = &mut *state;
        state.waiting_since = None;
        // Unchanged: the cached value. Changed or closed (the session ends): read it.
        if !matches!(state.offline.has_changed(), Ok(false)) {
            state.offline_now = state.offline.borrow_and_update().clone();
        }
        state.offline_now.clone()
    }

    /// The running backend without waiting, as [`Supervisor::ready_now`] answers it: the one
    /// the previous request used while nothing changed, else `ready_now`'s. Lent to the
    /// request, without touching the `Arc`'s shared count.
    fn backend_now(self: &Arc<Self>) -> Option<BackendLease> {
        let generation = self.proxy.sup.generation();
        if let Some((seen, b)) = super::events::lock(&self.state).backend.take() {
            if seen == generation && b.still_running() {
                return Some(self.lend(seen, b));
            }
        }
        self.proxy.sup.ready_now().map(|b| self.lend(generation, b))
    }

    /// `backend`, as it was at [`Supervisor::generation`] `generation`, lent to one request.
    fn lend(self: &Arc<Self>, generation: u64, backend: Arc<Backend>) -> BackendLease {
        BackendLease {
            conn: self.clone(),
            generation,
            backend: Some(backend),
        }
    }

    /// The [`Upstream`] for `backend` (rebuilt when the backend changed).
    fn upstream(&self, backend: &Backend) -> Result<Upstream, String> {
        let mut state = super::events::lock(&self.state);
        match &state.upstream {
            Some(u) if u.key == app_key(backend) => Ok(u.clone()),
            _ => {
                let u = Upstream::for_backend(backend)?;
                state.upstream = Some(u.clone());
                Ok(u)
            }
        }
    }
}

/// A connection's backend while one request uses it; back to the connection when the request
/// is done (or dropped), for the next ([`ClientConnection::backend_now`]).
struct BackendLease {
    conn: Arc<ClientConnection>,
    generation: u64,
    backend: Option<Arc<Backend>>,
}

impl std::ops::Deref for BackendLease {
    type Target = Backend;

    fn deref(&self) -> &Backend {
        // Some until dropped.
        self.backend.as_deref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for BackendLease {
    fn drop(&mut self) {
        if let Some(b) = self.backend.take() {
            super::events::lock(&self.conn.state).backend = Some((self.generation, b));
        }
    }
}

impl Drop for ClientConnection {
    /// The client is gone: its app connection serves the next client of this thread.
    fn drop(&mut self) {
        if let Some(app) = super::events::lock(&self.state).app.take() {
            app.release();
        }
    }
}

/// The proxy: one per session.
pub struct Proxy {
    pub sup: Arc<Supervisor>,
    offline: super::app_offline::OfflineState,
}

impl Proxy {
    pub fn new(sup: Arc<Supervisor>, offline: super::app_offline::OfflineState) -> Arc<Proxy> {
        Arc::new(Proxy { sup, offline })
    }

    fn bus(&self) -> &EventBus {
        &self.sup.bus
    }

    fn cfg(&self) -> &LiveConfig {
        &self.sup.cfg
    }

    /// One request, start to finish, on `conn` (the client connection's own link to the app).
    ///
    /// Not an async fn: what needs no waiting (the offline gate, the running backend, the
    /// rewritten head) is done here, and only the exchange with the app is a future. An async fn
    /// keeps its arguments and every local that lives across an await in its state, for the
    /// whole request: that state was 2.3 KB, which glibc's allocator serves from its slow path
    /// (its per-thread cache stops at 1 KB), and it was copied into its box.
    fn handle(conn: Arc<ClientConnection>, req: Request<Incoming>) -> ProxyFuture {
        let log = RequestLog::new(
            conn.clone(),
            req.method().clone(),
            req.uri().path_and_query().cloned(),
        );
        // offline_gate
        if let Some(content) = conn.begin_request() {
            return ProxyFuture::ready(conn.proxy.answer(ErrorAnswer::Offline(content), log));
        }
        // acquire: the running app without waiting when there is one; a start otherwise.
        match conn.backend_now() {
            Some(backend) => Proxy::prepare(conn, backend, req, log),
            None => ProxyFuture::boxed(Proxy::start_then_forward(conn, req, log)),
        }
    }

    /// A request that found no running app: start it (or learn why it cannot start), then go on.
    async fn start_then_forward(
        conn: Arc<ClientConnection>,
        req: Request<Incoming>,
        log: RequestLog,
    ) -> Result<Response<ProxyBody>, std::convert::Infallible> {
        let this: &Proxy = &conn.proxy;
        let generation = this.sup.generation();
        let backend = match Box::pin(this.sup.acquire_anywhere()).await {
            Ok(b) => conn.lend(generation, b),
            Err(Unavailable::Start(f)) => return Ok(this.answer(ErrorAnswer::Start(f), log)),
            Err(Unavailable::ShuttingDown) => {
                return Ok(this.answer(ErrorAnswer::ShuttingDown, log))
            }
        };
        Proxy::prepare(conn.clone(), backend, req, log).await
    }

    /// rewrite_request: the head ANCM sends, written out for the app as it is rewritten; then
    /// the exchange with the app that carries it (or the answer when there can be none).
    fn prepare(
        conn: Arc<ClientConnection>,
        backend: BackendLease,
        mut req: Request<Incoming>,
        log: RequestLog,
    ) -> ProxyFuture {
        let this: &Proxy = &conn.proxy;
        let websocket = this.cfg().websockets_supported
            && req
                .headers()
                .get(header::UPGRADE)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
        let client_upgrade = websocket.then(|| hyper::upgrade::on(&mut req));
        let upstream = match conn.upstream(&backend) {
            Ok(u) => u,
            Err(e) => {
                return ProxyFuture::ready(this.answer(
                    ErrorAnswer::Upstream {
                        error: UpstreamError::Reset(e),
                        exit: None,
                    },
                    log,
                ))
            }
        };
        let head_request = req.method() == hyper::Method::HEAD;
        let (parts, body) = req.into_parts();
        let mut head = Vec::with_capacity(512);
        let framing = app_http::encode_request_head(
            &mut head,
            &parts.method,
            parts.uri.path_and_query(),
            &parts.headers,
            &RequestRewrite {
                token: &upstream.token_value,
                client: &conn.client,
                host: &upstream.host,
                websocket,
            },
            !body.is_end_stream(),
        );
        let outgoing = Outgoing::new(head, body, framing);
        let (held, key) = (conn.take_app(), app_key(&backend));
        let forward = Forward {
            exchange: Box::pin(async move {
                let app = AppConnection::get(held, key).await?;
                app.send(outgoing, head_request).await
            }),
            conn,
            backend,
            log,
            client_upgrade,
        };
        ProxyFuture::boxed(forward.run())
    }

    /// The app's response on its way to the client (not async: a future's state is kept for
    /// the whole request, and every await in here made it larger).
    fn relay_response(
        &self,
        mut resp: Response<AppBody>,
        client_upgrade: Option<hyper::upgrade::OnUpgrade>,
        mut log: RequestLog,
    ) -> Response<ProxyBody> {
        let status = resp.status();
        if status == StatusCode::SWITCHING_PROTOCOLS {
            if let Some(client_side) = client_upgrade {
                let app_side = resp.body_mut().take_upgraded();
                let bus = self.sup.bus.clone();
                let path = log.path();
                tokio::spawn(async move {
                    if let (Ok(c), Some(app)) = (client_side.await, app_side) {
                        bus.emit(Event::Upgraded { path });
                        let (mut a, early) = app.into_upgraded();
                        let mut c = TokioIo::new(c);
                        // What the app sent right after its 101 head goes first.
                        if tokio::io::AsyncWriteExt::write_all(&mut c, &early)
                            .await
                            .is_ok()
                        {
                            let _ = tokio::io::copy_bidirectional(&mut c, &mut a).await;
                        }
                    }
                });
                let (parts, _) = resp.into_parts();
                log.status = 101;
                log.done = true;
                return Response::from_parts(parts, empty());
            }
        }
        // The head is already as ANCM relays it (`app_http::parse_response_head`).
        let (parts, body) = resp.into_parts();
        log.status = status.as_u16();
        let body = Relay {
            inner: body,
            timeout: self.cfg().request_timeout,
            sleep: None,
            armed: false,
            log,
        };
        Response::from_parts(parts, ProxyBody(BodyKind::Relay(body)))
    }

    /// A 400 with an empty body is what IISMiddleware answers on a token mismatch (§7.4).
    async fn note_token_mismatch(&self, backend: &Backend) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let said_so = super::events::lock(&backend.capture)
            .tail
            .iter()
            .any(|l| l.contains("does not match the expected pairing token"));
        let message = if said_so {
            "the app rejected the request with 400: its IIS integration middleware says `MS-ASPNETCORE-TOKEN` does not match the pairing token it was given — the app reads a different `ASPNETCORE_TOKEN` than ANCM set (a launcher or config overrides it), or the request reached another instance".to_string()
        } else {
            "the app answered 400 with an empty body, which is what the IIS integration middleware answers when `MS-ASPNETCORE-TOKEN` does not match its pairing token".to_string()
        };
        self.bus().emit(Event::Note { message });
    }

    fn answer(&self, a: ErrorAnswer, mut log: RequestLog) -> Response<ProxyBody> {
        let (status, sub, ctype, body) = error_answer(&a, self.cfg());
        log.status = status.as_u16();
        log.substatus = sub;
        log.bytes = body.len() as u64;
        log.error = match &a {
            ErrorAnswer::Start(f) => Some(f.reason()),
            ErrorAnswer::Upstream { error, exit } => Some(match (error, exit) {
                (UpstreamError::Timeout(t), _) => {
                    format!("no answer within requestTimeout ({} s)", t.as_secs())
                }
                (UpstreamError::Connect(d), Some(x)) | (UpstreamError::Reset(d), Some(x)) => {
                    format!("{d} (the app exited: {x})")
                }
                (UpstreamError::Connect(d), None) | (UpstreamError::Reset(d), None) => d.clone(),
            }),
            ErrorAnswer::Offline(_) => Some("app_offline.htm".into()),
            ErrorAnswer::ShuttingDown => Some("shutting down".into()),
            ErrorAnswer::ClientRequest(d) => Some(format!("the client's request broke off: {d}")),
        };
        log.answer = Some(match &a {
            ErrorAnswer::Start(_) => ProxyAnswer::StartFailure,
            ErrorAnswer::Upstream {
                error: UpstreamError::Timeout(_),
                ..
            } => ProxyAnswer::UpstreamTimeout,
            ErrorAnswer::Upstream { .. } => ProxyAnswer::UpstreamError,
            ErrorAnswer::Offline(_) => ProxyAnswer::Offline,
            ErrorAnswer::ShuttingDown => ProxyAnswer::ShuttingDown,
            ErrorAnswer::ClientRequest(_) => ProxyAnswer::ClientError,
        });
        log.done = true;
        let mut b = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, ctype);
        if let Some(s) = sub {
            b = b.header(ANCM_DOCTOR_HEADER, format!("{}.{s}", status.as_u16()));
        }
        b.body(ProxyBody::own(body))
            .unwrap_or_else(|_| Response::new(empty()))
    }
}

type Exchange = Pin<
    Box<dyn Future<Output = Result<(Response<AppBody>, Option<AppConnection>), SendError>> + Send>,
>;

/// A request on its way to the app: the exchange (its own box: the app connection, the request
/// going out and the response coming in) and what the answer needs.
struct Forward {
    exchange: Exchange,
    conn: Arc<ClientConnection>,
    backend: BackendLease,
    log: RequestLog,
    client_upgrade: Option<hyper::upgrade::OnUpgrade>,
}

impl Forward {
    /// forward (within requestTimeout), then relay_response.
    async fn run(self) -> Result<Response<ProxyBody>, std::convert::Infallible> {
        let Forward {
            exchange,
            conn,
            backend,
            log,
            client_upgrade,
        } = self;
        let this: &Proxy = &conn.proxy;
        // The outer error is requestTimeout's.
        let result = match this.cfg().request_timeout {
            Some(t) => {
                let mut deadline = conn.take_deadline(t);
                let r = tokio::select! {
                    biased;
                    r = exchange => Ok(r),
                    () = deadline.as_mut() => Err(UpstreamError::Timeout(t)),
                };
                conn.keep_deadline(deadline);
                r
            }
            None => Ok(exchange.await),
        };
        let outcome = match result {
            Ok(Ok((resp, app))) => {
                if let Some(app) = app {
                    conn.keep_app(app);
                }
                Ok(resp)
            }
            // The client's body failed, not the app: no 502.3, and no wait for an exit.
            Ok(Err(e @ SendError::Request(_))) => {
                return Ok(this.answer(ErrorAnswer::ClientRequest(e.to_string()), log))
            }
            Ok(Err(e)) => Err(UpstreamError::from(e)),
            Err(timeout) => Err(timeout),
        };
        let resp = match outcome {
            Ok(resp) => resp,
            Err(error) => {
                // Give a dying process a moment to be reaped, so the page can say it died
                // (boxed: rare, and its timer would enlarge every request).
                if !matches!(error, UpstreamError::Timeout(_)) {
                    Box::pin(backend.wait_exit(Duration::from_millis(300))).await;
                }
                let exit = backend.exited().map(explain::decode_exit);
                return Ok(this.answer(ErrorAnswer::Upstream { error, exit }, log));
            }
        };
        if resp.status() == StatusCode::BAD_REQUEST
            && resp
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_some_and(|v| v == "0")
        {
            Box::pin(this.note_token_mismatch(&backend)).await;
        }
        Ok(this.relay_response(resp, client_upgrade, log))
    }
}

/// A request's answer: at once (made without the app), or once the exchange with the app is
/// done. Not one boxed future for both: an answer made at once needs no box.
pub struct ProxyFuture(FutureKind);

// Not boxed: the answer made at once is moved once, into hyper; a box would cost an allocation.
#[allow(clippy::large_enum_variant)]
enum FutureKind {
    Ready(Option<Response<ProxyBody>>),
    Waiting(
        Pin<Box<dyn Future<Output = Result<Response<ProxyBody>, std::convert::Infallible>> + Send>>,
    ),
}

impl ProxyFuture {
    fn ready(answer: Response<ProxyBody>) -> ProxyFuture {
        ProxyFuture(FutureKind::Ready(Some(answer)))
    }

    fn boxed(
        f: impl Future<Output = Result<Response<ProxyBody>, std::convert::Infallible>> + Send + 'static,
    ) -> ProxyFuture {
        ProxyFuture(FutureKind::Waiting(Box::pin(f)))
    }
}

impl Future for ProxyFuture {
    type Output = Result<Response<ProxyBody>, std::convert::Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            // Polled again after it was ready: hyper never does; an empty answer rather than a
            // panic.
            FutureKind::Ready(answer) => {
                Poll::Ready(Ok(answer.take().unwrap_or_else(|| Response::new(empty()))))
            }
            FutureKind::Waiting(f) => f.as_mut().poll(cx),
        }
    }
}

fn empty() -> ProxyBody {
    ProxyBody::own(Bytes::new())
}

/// Connecting failed → ERROR_WINHTTP_CANNOT_CONNECT; anything after → a broken connection.
impl From<SendError> for UpstreamError {
    fn from(e: SendError) -> UpstreamError {
        match e {
            SendError::Connect(_) => UpstreamError::Connect(e.to_string()),
            SendError::Io(_) | SendError::Invalid(_) | SendError::Request(_) => {
                UpstreamError::Reset(e.to_string())
            }
        }
    }
}

/// `203.0.113.7:51234` / `[2001:db8::5]:51234`: the client as ANCM writes it into
/// `X-Forwarded-For` (address and port).
fn client_address(remote: SocketAddr) -> HeaderValue {
    let text = match remote {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// What one request did; emitted as one `Request` event when it is dropped (the body finished,
/// failed, or the client went away). Method and target are kept as hyper parsed them (no copy)
/// until the event is made.
struct RequestLog {
    /// The bus is reached through the connection: an `Arc` of the bus itself per request moved
    /// its count's cache line between the proxy threads.
    conn: Arc<ClientConnection>,
    method: hyper::Method,
    path: Option<hyper::http::uri::PathAndQuery>,
    t0: Instant,
    status: u16,
    substatus: Option<u16>,
    bytes: u64,
    error: Option<String>,
    answer: Option<ProxyAnswer>,
    done: bool,
}

impl RequestLog {
    fn new(
        conn: Arc<ClientConnection>,
        method: hyper::Method,
        path: Option<hyper::http::uri::PathAndQuery>,
    ) -> RequestLog {
        RequestLog {
            conn,
            method,
            path,
            t0: Instant::now(),
            status: 0,
            substatus: None,
            bytes: 0,
            error: None,
            answer: None,
            done: false,
        }
    }

    fn path(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string())
    }
}

impl Drop for RequestLog {
    fn drop(&mut self) {
        let now = Instant::now();
        super::events::lock(&self.conn.state).waiting_since = Some(now);
        let error = match (self.error.take(), self.done) {
            (Some(e), _) => Some(e),
            (None, true) => None,
            (None, false) => {
                Some("the response did not complete (client gone or app reset)".into())
            }
        };
        self.conn.proxy.bus().emit(Event::Request {
            method: method_name(&self.method),
            path: self.path(),
            status: self.status,
            substatus: self.substatus,
            elapsed_ms: now.duration_since(self.t0).as_millis() as u64,
            bytes: self.bytes,
            error,
            answer: self.answer,
        });
    }
}

/// A request event's method: the standard ones as static text.
fn method_name(m: &hyper::Method) -> std::borrow::Cow<'static, str> {
    use hyper::Method;
    let known: [(Method, &'static str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::HEAD, "HEAD"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::PATCH, "PATCH"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    match known.iter().find(|(k, _)| k == m) {
        Some((_, name)) => std::borrow::Cow::Borrowed(name),
        None => std::borrow::Cow::Owned(m.as_str().to_string()),
    }
}

/// The app's response body, streamed frame by frame with requestTimeout between reads (WinHTTP's
/// per-operation receive timeout, §4.5), counting bytes for the request event.
struct Relay {
    inner: AppBody,
    timeout: Option<Duration>,
    /// The wait for the next read, made once per response and moved on for each read (a timer
    /// made per read was filed in and out of the runtime's wheel for every frame).
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// `sleep` runs for the read now awaited.
    armed: bool,
    log: RequestLog,
}

impl Relay {
    /// The body is all out: the request is done, and its app connection serves the next.
    fn finish(&mut self) {
        self.log.done = true;
        if let Some(app) = self.inner.take_reusable() {
            self.log.conn.keep_app(app);
        }
    }
}

impl Body for Relay {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    this.log.bytes += d.len() as u64;
                }
                this.armed = false;
                // hyper stops polling once Content-Length bytes are out: that is completion too.
                if this.inner.is_end_stream() {
                    this.finish();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.log.error = Some(match &e {
                    AppBodyError::Client(e) => {
                        format!("the client's request broke off while the app answered it: {e}")
                    }
                    AppBodyError::App(e) => format!("the app's response broke off: {e}"),
                });
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Poll::Ready(None) => {
                this.finish();
                Poll::Ready(None)
            }
            Poll::Pending => {
                if let Some(t) = this.timeout {
                    let s = match this.sleep.as_mut() {
                        Some(s) => {
                            if !this.armed {
                                s.as_mut().reset(tokio::time::Instant::now() + t);
                            }
                            s
                        }
                        None => this.sleep.insert(Box::pin(tokio::time::sleep(t))),
                    };
                    this.armed = true;
                    if s.as_mut().poll(cx).is_ready() {
                        this.log.error = Some(format!(
                            "no data from the app within requestTimeout ({} s)",
                            t.as_secs()
                        ));
                        return Poll::Ready(Some(Err("requestTimeout expired".into())));
                    }
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

use std::future::Future;

/// One client connection's service: every request through [`Proxy::handle`] on the
/// connection's [`ClientConnection`].
#[derive(Clone)]
pub struct ProxyService {
    conn: Arc<ClientConnection>,
}

impl hyper::service::Service<Request<Incoming>> for ProxyService {
    type Response = Response<ProxyBody>;
    type Error = std::convert::Infallible;
    type Future = ProxyFuture;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        Proxy::handle(self.conn.clone(), req)
    }
}

/// The HTTP/1 server side of one client connection (upgrades allowed, for WebSocket). `serve`
/// runs one per accepted socket; the fuzz target `proxy_http1` feeds it raw bytes.
pub fn connection<I>(
    io: I,
    proxy: Arc<Proxy>,
    remote: SocketAddr,
) -> hyper::server::conn::http1::UpgradeableConnection<TokioIo<I>, ProxyService>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    serve_on(io, Arc::new(ClientConnection::new(proxy, remote)))
}

fn serve_on<I>(
    io: I,
    conn: Arc<ClientConnection>,
) -> hyper::server::conn::http1::UpgradeableConnection<TokioIo<I>, ProxyService>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), ProxyService { conn })
        .with_upgrades()
}

/// Ends when `conn` has waited `wait` for a request head (HTTP.sys's HeaderWait: a client that
/// does not send its headers in time is dropped, and so is an idle keep-alive connection).
///
/// One timer per connection, moved on only when it fires early: hyper's own header timeout
/// (`header_read_timeout`) made and dropped a timer for every request (1,158 instructions per
/// request under callgrind while hyper's client was still in use, 78 once it was not).
async fn header_wait(conn: &ClientConnection, wait: Duration) {
    let sleep = tokio::time::sleep(wait);
    tokio::pin!(sleep);
    loop {
        sleep.as_mut().await;
        let since = super::events::lock(&conn.state).waiting_since;
        let now = Instant::now();
        let due = match since {
            Some(t) if now.duration_since(t) >= wait => return,
            Some(t) => tokio::time::Instant::from_std(t + wait),
            None => tokio::time::Instant::from_std(now + wait),
        };
        sleep.as_mut().reset(due);
    }
}

/// Serves `listener` until `stop` turns true, then stops accepting, lets open connections finish
/// (bounded by `drain`), and returns.
///
/// With more than one core the connections are served by one thread per core, each with its
/// own single-threaded runtime, as nginx's workers do: a connection, its requests and its app
/// connection then stay on one thread, with no lock and no wake-up of another thread per
/// request. This task accepts and hands each connection to the next thread in turn, so the
/// threads carry equal shares (a shared accept queue let one thread take most of them, and its
/// clients waited). Starting and stopping the app stay on this runtime
/// (`Supervisor::acquire_anywhere`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    proxy: Arc<Proxy>,
    mut stop: watch::Receiver<bool>,
    drain: Duration,
) {
    let (alive_tx, mut alive_rx) = tokio::sync::mpsc::channel::<()>(1);
    // One core: every connection on this runtime, no thread to hand it to.
    let workers = match threads() {
        1 => 0,
        n => n,
    };
    let mut handoffs = Vec::new();
    for i in 0..workers {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (proxy, stop, alive) = (proxy.clone(), stop.clone(), alive_tx.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("ancm-proxy-{i}"))
            .spawn(move || worker(rx, proxy, stop, drain, alive));
        if spawned.is_ok() {
            handoffs.push(tx);
        }
    }
    let mut next = 0;
    let graceful = loop {
        tokio::select! {
            acc = listener.accept() => {
                let (stream, remote) = match acc {
                    Ok(a) => a,
                    Err(e) => {
                        accept_backoff(&e).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                if handoffs.is_empty() {
                    spawn_connection(stream, remote, &proxy, &stop, &alive_tx);
                    continue;
                }
                next = (next + 1) % handoffs.len();
                if let Ok(s) = stream.into_std() {
                    let _ = handoffs[next].send((s, remote));
                }
            }
            stopped = async { stop.wait_for(|s| *s).await.is_ok() } => break stopped,
        }
    };
    // Closing the hand-off channels ends the threads' loops; each then drains its connections.
    drop(handoffs);
    drop(alive_tx);
    if graceful {
        let _ = tokio::time::timeout(drain, alive_rx.recv()).await;
    }
}

/// Proxy threads at most (nginx's `worker_processes auto` takes every core; past a few, the
/// app behind one ANCM slot is the limit, not the proxy).
const MAX_WORKERS: usize = 8;

/// How many threads serve connections: one per core, at most [`MAX_WORKERS`].
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, MAX_WORKERS))
}

/// One proxy thread (see [`serve`]): serves the connections handed to it until the hand-off
/// ends, then lets them finish within `drain` (the session's stop tells each to shut down
/// gracefully). `alive` is dropped when the thread's last connection has ended.
fn worker(
    mut handed: tokio::sync::mpsc::UnboundedReceiver<(std::net::TcpStream, SocketAddr)>,
    proxy: Arc<Proxy>,
    stop: watch::Receiver<bool>,
    drain: Duration,
    alive: tokio::sync::mpsc::Sender<()>,
) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async move {
        let (mine_tx, mut mine_rx) = tokio::sync::mpsc::channel::<()>(1);
        while let Some((s, remote)) = handed.recv().await {
            if let Ok(stream) = tokio::net::TcpStream::from_std(s) {
                spawn_connection(stream, remote, &proxy, &stop, &mine_tx);
            }
        }
        drop(mine_tx);
        // A session dropped without a stop ends at once; a stop waits for the connections,
        // as long as `serve` does. The runtime's end then drops what is left.
        if *stop.borrow() {
            let _ = tokio::time::timeout(drain, mine_rx.recv()).await;
        }
    });
    drop(alive);
}

/// Serves one accepted connection as a task of the current runtime: to its end, or — once
/// `stop` turns true — to a graceful end. `alive` is held until then.
fn spawn_connection(
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
    proxy: &Arc<Proxy>,
    stop: &watch::Receiver<bool>,
    alive: &tokio::sync::mpsc::Sender<()>,
) {
    let mut conn_stop = stop.clone();
    let alive = alive.clone();
    let client = Arc::new(ClientConnection::new(proxy.clone(), remote));
    let wait = proxy.sup.cfg.header_wait;
    let conn = serve_on(stream, client.clone());
    // Outside tokio's cooperative budget, which charged every socket read and write of every
    // request: hyper's dispatch loop yields by itself after 16 turns, so one busy connection
    // cannot keep the others of its thread waiting.
    tokio::spawn(tokio::task::unconstrained(async move {
        let mut conn = std::pin::pin!(conn);
        let waited = async {
            match wait {
                Some(w) => header_wait(&client, w).await,
                None => std::future::pending().await,
            }
        };
        // A header wait that runs out drops the connection, as HTTP.sys does (no answer).
        let stopping = tokio::select! {
            _ = conn.as_mut() => false,
            stopped = async { conn_stop.wait_for(|s| *s).await.is_ok() } => stopped,
            () = waited => false,
        };
        if stopping {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
        drop(alive);
    }));
}

/// How long the accept loop waits after a failed `accept`. Out of descriptors (EMFILE/ENFILE) or
/// memory, accepting again at once fails again at once: the loop would spin a core while the
/// pending connection waits in the backlog. Waiting lets open connections finish and free
/// descriptors (the same remedy as hyper's and tokio's examples, and IIS's HTTP.sys backlog).
/// Other errors (a client that reset before accept: ECONNABORTED) are per connection: go on.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

async fn accept_backoff(e: &std::io::Error) {
    if is_resource_exhaustion(e) {
        tokio::time::sleep(ACCEPT_BACKOFF).await;
    }
}

/// EMFILE, ENFILE, ENOBUFS, ENOMEM: the process or machine is out of something accept needs.
pub fn is_resource_exhaustion(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(
            e.raw_os_error(),
            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
        )
    }
    #[cfg(not(unix))]
    {
        // WSAEMFILE (10024), WSAENOBUFS (10055).
        matches!(e.raw_os_error(), Some(10024 | 10055))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_events_name_standard_methods_without_allocating() {
        use std::borrow::Cow;
        assert!(matches!(
            method_name(&hyper::Method::GET),
            Cow::Borrowed("GET")
        ));
        assert!(matches!(
            method_name(&hyper::Method::DELETE),
            Cow::Borrowed("DELETE")
        ));
        let custom = hyper::Method::from_bytes(b"PROPFIND").unwrap();
        assert!(matches!(method_name(&custom), Cow::Owned(ref m) if m == "PROPFIND"));
    }

    #[test]
    fn error_mapping_follows_ancm() {
        let cfg = LiveConfig::for_test("/a", "dotnet", "x.dll");
        let (s, sub, _, body) = error_answer(
            &ErrorAnswer::Start(StartFailure::ForeignListener { port: 20000 }),
            &cfg,
        );
        assert_eq!((s.as_u16(), sub), (502, Some(5)));
        assert!(String::from_utf8_lossy(&body).contains("ANCM Out-Of-Process Startup Failure"));
        let (s, sub, _, body) = error_answer(
            &ErrorAnswer::Upstream {
                error: UpstreamError::Timeout(Duration::from_secs(2)),
                exit: None,
            },
            &cfg,
        );
        assert_eq!((s.as_u16(), sub), (502, Some(3)));
        assert!(String::from_utf8_lossy(&body).contains("0x80072ee2"));
        let (s, _, ctype, body) = error_answer(
            &ErrorAnswer::Offline(Arc::new(b"<b>down</b>".to_vec())),
            &cfg,
        );
        assert_eq!(
            (s.as_u16(), ctype, &body[..]),
            (503, "text/html", &b"<b>down</b>"[..])
        );
        let mut v1 = cfg.clone();
        v1.module = ModuleVersion::V1;
        let (_, _, _, body) = error_answer(
            &ErrorAnswer::Start(StartFailure::ForeignListener { port: 20000 }),
            &v1,
        );
        assert!(String::from_utf8_lossy(&body).contains("HTTP Error 502.5 - Process Failure"));
    }
}
