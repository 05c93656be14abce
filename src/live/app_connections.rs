//! The proxy's connections to the app: HTTP/1.1 keep-alive connections to `127.0.0.1:PORT`,
//! one per client connection while it lasts, then kept idle on the worker thread for the next.
//!
//! ANCM forwards through WinHTTP, whose session keeps connections to the backend alive and reuses
//! them (ancm-protocol.md §4.4). A general pool (hyper-util's legacy client) does that with a lock,
//! a hash of the authority and a wake-up of another thread per request; here a client connection
//! holds its app connection (hyper's HTTP/1 server handles one request at a time per connection,
//! so the app connection is always free when the next request comes), and a connection the client
//! no longer needs goes to an idle list of the thread it was made on, where its I/O task runs. A
//! connection belongs to one backend process (pid and port): a restarted app gets new ones.
use super::proxy::ClientBody;
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::cell::RefCell;
use std::time::Duration;

/// Which app process a connection leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppKey {
    pub pid: u32,
    pub port: u16,
}

/// One open connection to the app.
pub struct AppConnection {
    key: AppKey,
    sender: SendRequest<ClientBody>,
    /// Made for this request (not taken from a client connection or the idle list).
    fresh: bool,
}

/// Why a request could not be sent or answered.
#[derive(Debug)]
pub enum SendError {
    /// The TCP connection to the app could not be made.
    Connect(std::io::Error),
    /// The connection broke or the app's answer was not HTTP.
    Http(hyper::Error),
    /// The client's request could not be passed on: its body broke off (the client left
    /// mid-upload) or was malformed (bad chunked framing). hyper reports a failing request
    /// body as a user error; the app did nothing wrong.
    Request(hyper::Error),
}

impl SendError {
    fn of(e: hyper::Error) -> SendError {
        if e.is_user() {
            SendError::Request(e)
        } else {
            SendError::Http(e)
        }
    }
}

/// Idle connections kept per worker thread, newest last; beyond this they are closed.
const IDLE_PER_THREAD: usize = 256;
/// An idle connection unused this long is closed (hyper-util's pool default was 30 s as well;
/// Kestrel closes keep-alive connections after 130 s, so ours are gone first).
const IDLE_FOR: Duration = Duration::from_secs(30);

thread_local! {
    static IDLE: RefCell<Vec<(AppConnection, std::time::Instant)>> = const { RefCell::new(Vec::new()) };
}

impl AppConnection {
    /// A connection to `key`: `reuse` if it still leads there and is open, else an idle one of
    /// this thread, else a new one.
    pub async fn get(
        reuse: Option<AppConnection>,
        key: AppKey,
    ) -> Result<AppConnection, SendError> {
        let mut candidate = reuse.filter(|c| c.key == key && !c.sender.is_closed());
        if candidate.is_none() {
            candidate = take_idle(key);
        }
        if let Some(mut c) = candidate {
            if c.sender.ready().await.is_ok() {
                c.fresh = false;
                return Ok(c);
            }
        }
        // Boxed: a connect's state is large, and inline it would enlarge (and be copied with)
        // every request's future, though most requests reuse a connection.
        Box::pin(connect(key)).await
    }

    /// Sends `req`. A reused connection the app closed meanwhile (its keep-alive ended) fails
    /// before the request is written: then it goes once more on a new connection, as WinHTTP
    /// and hyper-util's pool do. A request that was written is never sent twice.
    pub async fn send(
        &mut self,
        req: Request<ClientBody>,
    ) -> Result<Response<Incoming>, SendError> {
        match self.sender.try_send_request(req).await {
            Ok(r) => Ok(r),
            Err(mut e) => match e.take_message() {
                Some(req) if !self.fresh => {
                    *self = Box::pin(connect(self.key)).await?;
                    self.sender.send_request(req).await.map_err(SendError::of)
                }
                _ => Err(SendError::of(e.into_error())),
            },
        }
    }

    /// Keeps the connection for another client connection of this thread, if it is still open.
    pub fn release(self) {
        if self.sender.is_closed() {
            return;
        }
        IDLE.with(|idle| {
            if let Ok(mut idle) = idle.try_borrow_mut() {
                let now = std::time::Instant::now();
                idle.retain(|(c, at)| !c.sender.is_closed() && now.duration_since(*at) < IDLE_FOR);
                if idle.len() < IDLE_PER_THREAD {
                    idle.push((self, now));
                }
            }
        });
    }
}

fn take_idle(key: AppKey) -> Option<AppConnection> {
    IDLE.with(|idle| {
        let mut idle = idle.try_borrow_mut().ok()?;
        let now = std::time::Instant::now();
        while let Some((c, at)) = idle.pop() {
            if c.key == key && !c.sender.is_closed() && now.duration_since(at) < IDLE_FOR {
                return Some(c);
            }
        }
        None
    })
}

async fn connect(key: AppKey) -> Result<AppConnection, SendError> {
    let stream = tokio::net::TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, key.port))
        .await
        .map_err(SendError::Connect)?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(SendError::Http)?;
    // The connection's I/O runs as its own task on this thread; it ends when the connection
    // closes or every handle to it is dropped. `with_upgrades` passes a WebSocket through.
    // Unconstrained for the reason the client's side is (`proxy::spawn_connection`).
    tokio::spawn(tokio::task::unconstrained(async move {
        let _ = conn.with_upgrades().await;
    }));
    Ok(AppConnection {
        key,
        sender,
        fresh: true,
    })
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Connect(e) => write!(f, "tcp connect error: {e}"),
            SendError::Http(e) | SendError::Request(e) => {
                write!(f, "{e}")?;
                let mut src = std::error::Error::source(e);
                while let Some(c) = src {
                    write!(f, ": {c}")?;
                    src = c.source();
                }
                Ok(())
            }
        }
    }
}
