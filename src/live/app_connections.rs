//! The proxy's connections to the app: HTTP/1.1 keep-alive connections to `127.0.0.1:PORT`,
//! one per client connection while it lasts, then kept idle on the worker thread for the next.
//!
//! ANCM forwards through WinHTTP, whose session keeps connections to the backend alive and reuses
//! them (ancm-protocol.md §4.1). A client connection holds its app connection (hyper's HTTP/1
//! server handles one request at a time per connection, so the app connection is always free
//! when the next request comes), and a connection the client no longer needs goes to an idle list
//! of the thread it was made on. A connection belongs to one backend process (pid and port): a
//! restarted app gets new ones.
//!
//! The exchange with the app runs inside the client connection's own task, polled by hyper's
//! server with the rest of the request: the request head is written, the body (if any) pumped
//! while the response head is awaited, and the response body read as the client takes it. A
//! client library (hyper's, as this proxy first used) runs each connection as a second task,
//! fed through a channel, and hands the response and each body frame back through more: a task
//! switch and several wake-ups per request, which `scripts/bench-proxy` measured as most of what
//! this proxy spent beyond nginx. The wire format is in `app_http`.
use super::app_http::{
    self, Chunk, ChunkedDecoder, InvalidResponse, RequestFraming, ResponseFraming,
};
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::{Response, StatusCode};
use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Which app process a connection leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppKey {
    pub pid: u32,
    pub port: u16,
}

/// One open connection to the app.
pub struct AppConnection {
    key: AppKey,
    io: TcpStream,
    input: ReadBuffer,
    /// Made for this request (not taken from a client connection or the idle list).
    fresh: bool,
}

/// Why a request could not be sent or answered.
#[derive(Debug)]
pub enum SendError {
    /// The TCP connection to the app could not be made.
    Connect(io::Error),
    /// The connection broke (reset, or closed before the answer was complete).
    Io(io::Error),
    /// The app's answer was not HTTP as ANCM takes it.
    Invalid(InvalidResponse),
    /// The client's request could not be passed on: its body broke off (the client left
    /// mid-upload) or was malformed (bad chunked framing). The app did nothing wrong.
    Request(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Connect(e) => write!(f, "tcp connect error: {e}"),
            SendError::Io(e) => write!(f, "connection error: {e}"),
            SendError::Invalid(e) => write!(f, "{e}"),
            SendError::Request(e) => write!(f, "{e}"),
        }
    }
}

/// Idle connections kept per worker thread, newest last; beyond this they are closed.
const IDLE_PER_THREAD: usize = 256;
/// An idle connection unused this long is closed (Kestrel closes keep-alive connections after
/// 130 s, so ours are gone first).
const IDLE_FOR: Duration = Duration::from_secs(30);
/// A connection's read buffer: one response head of the usual size, and the body in reads of
/// this size (ANCM reads 8 KiB at a time, §4.7). It grows for a larger head, up to
/// [`app_http::MAX_RESPONSE_HEAD`].
const READ_BUFFER: usize = 16 * 1024;
/// A body this small that has arrived whole goes out as one frame at once, and the connection
/// is free before the response is: most answers are.
const WHOLE_BODY: u64 = 64 * 1024;

thread_local! {
    static IDLE: RefCell<Vec<(AppConnection, std::time::Instant)>> = const { RefCell::new(Vec::new()) };
}

/// The request as it goes to the app: its head, already rewritten (`app_http`), and its body.
pub struct Outgoing {
    bytes: Vec<u8>,
    written: usize,
    body: Option<Incoming>,
    chunked: bool,
    /// Some of it reached the socket: it can no longer be sent again on another connection.
    started: bool,
}

impl Outgoing {
    /// A request without a body: its head only.
    pub fn head_only(head: Vec<u8>) -> Outgoing {
        Outgoing {
            bytes: head,
            written: 0,
            body: None,
            chunked: false,
            started: false,
        }
    }

    pub fn new(head: Vec<u8>, body: Incoming, framing: RequestFraming) -> Outgoing {
        Outgoing {
            body: (framing != RequestFraming::Empty && !body.is_end_stream()).then_some(body),
            chunked: framing == RequestFraming::Chunked,
            ..Outgoing::head_only(head)
        }
    }

    /// All of it is on the socket: the head and the whole body.
    fn is_sent(&self) -> bool {
        self.body.is_none() && self.written >= self.bytes.len()
    }

    /// Writes what there is and pumps the client's body after it; ready when all is sent.
    fn poll_send(
        &mut self,
        io: &mut TcpStream,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError>> {
        loop {
            if self.written < self.bytes.len() {
                let n = ready!(Pin::new(&mut *io).poll_write(cx, &self.bytes[self.written..]))
                    .map_err(SendError::Io)?;
                if n == 0 {
                    return Poll::Ready(Err(SendError::Io(io::ErrorKind::WriteZero.into())));
                }
                self.started = true;
                self.written += n;
                continue;
            }
            self.bytes.clear();
            self.written = 0;
            let Some(body) = self.body.as_mut() else {
                return Poll::Ready(Ok(()));
            };
            match ready!(Pin::new(body).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    // Trailers are not forwarded (§4.4).
                    if let Ok(data) = frame.into_data() {
                        if data.is_empty() {
                            continue;
                        }
                        if self.chunked {
                            app_http::encode_chunk(&mut self.bytes, &data);
                        } else {
                            self.bytes.extend_from_slice(&data);
                        }
                    }
                }
                Some(Err(e)) => return Poll::Ready(Err(SendError::Request(e.to_string()))),
                None => {
                    if self.chunked {
                        self.bytes.extend_from_slice(app_http::LAST_CHUNK);
                    }
                    self.body = None;
                }
            }
        }
    }
}

impl AppConnection {
    /// A connection to `key`: `reuse` if it still leads there and is open, else an idle one of
    /// this thread, else a new one.
    pub async fn get(
        reuse: Option<AppConnection>,
        key: AppKey,
    ) -> Result<AppConnection, SendError> {
        let mut candidate = reuse.filter(|c| c.key == key);
        if let Some(c) = candidate.as_mut() {
            if !c.still_open() {
                candidate = None;
            }
        }
        if candidate.is_none() {
            candidate = take_idle(key);
        }
        match candidate {
            Some(mut c) => {
                c.fresh = false;
                Ok(c)
            }
            // Boxed: a connect's state would enlarge every request's future, though most
            // requests reuse a connection.
            None => Box::pin(connect(key)).await,
        }
    }

    /// Whether the app has neither closed this idle connection nor sent on it. Asks the
    /// runtime's readiness first: usually it knows nothing arrived, with no system call.
    fn still_open(&mut self) -> bool {
        if !self.input.is_empty() {
            return false;
        }
        // A look that will not wait: a waker that does nothing (`Waker::noop` needs Rust 1.85,
        // past the crate's MSRV; futures-task's is a static, no allocation).
        let mut cx = Context::from_waker(futures_task::noop_waker_ref());
        match self.io.poll_read_ready(&mut cx) {
            Poll::Pending => true,
            Poll::Ready(Err(_)) => false,
            // Something came: the end of the connection, or bytes no request asked for.
            Poll::Ready(Ok(())) => {
                matches!(self.input.poll_fill(&mut self.io, &mut cx), Poll::Pending)
            }
        }
    }

    /// Sends the request and reads the app's response head. The body is read as the client
    /// takes it ([`AppBody`]); the connection comes back with the response when the answer is
    /// already complete and the app keeps the connection open, else through
    /// [`AppBody::take_reusable`] at the body's end. A reused connection the app closed before
    /// any of the request was written is replaced once, as WinHTTP and hyper-util's pool do; a
    /// request that was written is never sent twice.
    pub async fn send(
        mut self,
        mut outgoing: Outgoing,
        head_request: bool,
    ) -> Result<(Response<AppBody>, Option<AppConnection>), SendError> {
        let head = match poll_fn(|cx| self.poll_head(&mut outgoing, head_request, cx)).await {
            Err(SendError::Io(_)) if !self.fresh && !outgoing.started => {
                self = Box::pin(connect(self.key)).await?;
                poll_fn(|cx| self.poll_head(&mut outgoing, head_request, cx)).await?
            }
            r => r?,
        };
        let sending = (!outgoing.is_sent()).then_some(outgoing);
        let mut response = Response::new(AppBody(BodyState::Whole(None)));
        *response.status_mut() = head.status;
        if let Some(reason) = head.reason {
            response.extensions_mut().insert(reason);
        }
        *response.headers_mut() = head.headers;
        if head.status == StatusCode::SWITCHING_PROTOCOLS {
            *response.body_mut() = AppBody(BodyState::Upgrade(Some(self)));
            return Ok((response, None));
        }
        let complete = match head.framing {
            ResponseFraming::Empty => true,
            ResponseFraming::Length(n) => n <= WHOLE_BODY && self.input.len() as u64 >= n,
            _ => false,
        };
        if complete && sending.is_none() {
            if let ResponseFraming::Length(n) = head.framing {
                let n = n as usize;
                *response.body_mut() = AppBody(BodyState::Whole(Some(Bytes::copy_from_slice(
                    &self.input.filled()[..n],
                ))));
                self.input.consume(n);
            }
            let reuse = (head.keep_alive && self.input.is_empty()).then_some(self);
            return Ok((response, reuse));
        }
        let decode = match head.framing {
            ResponseFraming::Empty => Decode::Length(0),
            ResponseFraming::Length(n) => Decode::Length(n),
            ResponseFraming::Chunked => Decode::Chunked(ChunkedDecoder::new()),
            ResponseFraming::UntilClose => Decode::UntilClose,
        };
        *response.body_mut() = AppBody(BodyState::Streaming(Box::new(Streaming {
            conn: Some(self),
            decode,
            sending,
            keep_alive: head.keep_alive,
            upload_failed: false,
            done: false,
            read_size: 4 * READ_BUFFER,
        })));
        Ok((response, None))
    }

    /// Drives the request out and reads until the response head (a final one: 1xx other than
    /// 101 are passed over) is complete.
    fn poll_head(
        &mut self,
        outgoing: &mut Outgoing,
        head_request: bool,
        cx: &mut Context<'_>,
    ) -> Poll<Result<app_http::ResponseHead, SendError>> {
        // The request's body goes out while the answer is awaited: an app may answer before
        // it has read all of it (and /echo-like apps stream it back).
        let mut sent = outgoing.is_sent();
        loop {
            if !sent {
                match outgoing.poll_send(&mut self.io, cx) {
                    Poll::Ready(Ok(())) => sent = true,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            }
            if !self.input.is_empty() {
                match app_http::parse_response_head(self.input.filled(), head_request) {
                    Ok(Some((head, n))) => {
                        self.input.consume(n);
                        if head.status.is_informational()
                            && head.status != StatusCode::SWITCHING_PROTOCOLS
                        {
                            continue;
                        }
                        return Poll::Ready(Ok(head));
                    }
                    Ok(None) => {}
                    Err(e) => return Poll::Ready(Err(SendError::Invalid(e))),
                }
            }
            match ready!(self.input.poll_fill(&mut self.io, cx)) {
                Ok(0) => {
                    return Poll::Ready(Err(SendError::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the app closed the connection before its response head was complete",
                    ))))
                }
                Ok(_) => {}
                Err(e) => return Poll::Ready(Err(SendError::Io(e))),
            }
        }
    }

    /// Keeps the connection for another client connection of this thread, if it is still open.
    pub fn release(mut self) {
        if !self.still_open() {
            return;
        }
        IDLE.with(|idle| {
            if let Ok(mut idle) = idle.try_borrow_mut() {
                let now = std::time::Instant::now();
                idle.retain(|(_, at)| now.duration_since(*at) < IDLE_FOR);
                if idle.len() < IDLE_PER_THREAD {
                    idle.push((self, now));
                }
            }
        });
    }

    /// The socket and what the app already sent after its 101 head: the app's side of an
    /// upgraded (WebSocket) connection.
    pub fn into_upgraded(self) -> (TcpStream, Vec<u8>) {
        (self.io, self.input.filled().to_vec())
    }
}

fn take_idle(key: AppKey) -> Option<AppConnection> {
    IDLE.with(|idle| {
        let mut idle = idle.try_borrow_mut().ok()?;
        let now = std::time::Instant::now();
        while let Some((mut c, at)) = idle.pop() {
            if c.key == key && now.duration_since(at) < IDLE_FOR && c.still_open() {
                return Some(c);
            }
        }
        None
    })
}

async fn connect(key: AppKey) -> Result<AppConnection, SendError> {
    let io = TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, key.port))
        .await
        .map_err(SendError::Connect)?;
    let _ = io.set_nodelay(true);
    Ok(AppConnection {
        key,
        io,
        input: ReadBuffer::new(),
        fresh: true,
    })
}

/// Bytes read from the app and not yet used: `data[start..end]`. Allocated (and zeroed) once
/// per connection and reused, so reading needs no unsafe code and no allocation per request.
struct ReadBuffer {
    data: Vec<u8>,
    start: usize,
    end: usize,
}

impl ReadBuffer {
    fn new() -> ReadBuffer {
        ReadBuffer {
            data: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
        }
    }

    fn filled(&self) -> &[u8] {
        &self.data[self.start..self.end]
    }

    fn len(&self) -> usize {
        self.end - self.start
    }

    fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads what the socket has; `Ok(0)` at its end.
    fn poll_fill(&mut self, io: &mut TcpStream, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.end == self.data.len() {
            if self.start > 0 {
                self.data.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                // A head larger than the buffer: room up to the limit (parsing refuses more).
                let grown = (self.data.len() * 2).min(app_http::MAX_RESPONSE_HEAD + READ_BUFFER);
                if grown <= self.data.len() {
                    return Poll::Ready(Err(io::Error::other(
                        "the app's response head is too large",
                    )));
                }
                self.data.resize(grown, 0);
            }
        }
        let mut rb = ReadBuf::new(&mut self.data[self.end..]);
        ready!(Pin::new(io).poll_read(cx, &mut rb))?;
        let n = rb.filled().len();
        self.end += n;
        Poll::Ready(Ok(n))
    }
}

/// The app's response body, as the client takes it.
pub struct AppBody(BodyState);

enum BodyState {
    /// All of it, read with the head (or nothing).
    Whole(Option<Bytes>),
    /// Read from the connection frame by frame.
    Streaming(Box<Streaming>),
    /// A 101: the connection is the app's side of the tunnel.
    Upgrade(Option<AppConnection>),
}

struct Streaming {
    conn: Option<AppConnection>,
    decode: Decode,
    /// The request's body, still going out while the answer comes in.
    sending: Option<Outgoing>,
    keep_alive: bool,
    /// The app stopped taking the request's body (it answered without reading it all).
    upload_failed: bool,
    done: bool,
    /// How much a read straight into a frame asks for: doubled while reads fill it, up to
    /// [`MAX_DIRECT_READ`] (a long body in few frames, as hyper's adaptive buffer did).
    read_size: usize,
}

/// The largest read straight into a response frame.
const MAX_DIRECT_READ: usize = 256 * 1024;

enum Decode {
    Length(u64),
    Chunked(ChunkedDecoder),
    UntilClose,
}

/// Why a response body stopped before its end.
#[derive(Debug)]
pub enum AppBodyError {
    /// The client's request body broke off (or was malformed) while the app answered it.
    Client(String),
    /// The app's answer broke off or was malformed.
    App(String),
}

impl std::fmt::Display for AppBodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppBodyError::Client(e) | AppBodyError::App(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AppBodyError {}

impl AppBody {
    /// The connection, once the body has been read to its end and the app keeps it open.
    pub fn take_reusable(&mut self) -> Option<AppConnection> {
        match &mut self.0 {
            BodyState::Streaming(s)
                if s.done
                    && s.keep_alive
                    && s.sending.is_none()
                    && !s.upload_failed
                    && !matches!(s.decode, Decode::UntilClose) =>
            {
                s.conn.take().filter(|c| c.input.is_empty())
            }
            _ => None,
        }
    }

    /// A 101's connection, for the tunnel.
    pub fn take_upgraded(&mut self) -> Option<AppConnection> {
        match &mut self.0 {
            BodyState::Upgrade(c) => c.take(),
            _ => None,
        }
    }
}

impl Streaming {
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, AppBodyError>>> {
        let Some(conn) = self.conn.as_mut() else {
            return Poll::Ready(None);
        };
        if let Some(sending) = self.sending.as_mut() {
            match sending.poll_send(&mut conn.io, cx) {
                Poll::Ready(Ok(())) => self.sending = None,
                Poll::Ready(Err(SendError::Request(e))) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(AppBodyError::Client(e))));
                }
                // The app no longer reads: its answer may still be whole.
                Poll::Ready(Err(_)) => {
                    self.sending = None;
                    self.upload_failed = true;
                }
                Poll::Pending => {}
            }
        }
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            let buf = conn.input.filled();
            let step = match &mut self.decode {
                Decode::Length(0) => {
                    self.done = true;
                    continue;
                }
                Decode::Length(left) => {
                    if buf.is_empty() {
                        None
                    } else {
                        let n = usize::try_from(*left).map_or(buf.len(), |l| l.min(buf.len()));
                        *left -= n as u64;
                        Some(Chunk::Data(n))
                    }
                }
                Decode::Chunked(d) => match d.next(buf) {
                    Ok(Chunk::NeedMore) => None,
                    Ok(c) => Some(c),
                    Err(e) => {
                        self.done = true;
                        return Poll::Ready(Some(Err(AppBodyError::App(e.to_string()))));
                    }
                },
                Decode::UntilClose => (!buf.is_empty()).then_some(Chunk::Data(buf.len())),
            };
            match step {
                Some(Chunk::Data(n)) => {
                    let data = Bytes::copy_from_slice(&conn.input.filled()[..n]);
                    conn.input.consume(n);
                    return Poll::Ready(Some(Ok(data)));
                }
                Some(Chunk::Framing(n)) => conn.input.consume(n),
                Some(Chunk::End(n)) => {
                    conn.input.consume(n);
                    self.done = true;
                }
                Some(Chunk::NeedMore) | None => {
                    match ready!(poll_more(conn, &mut self.decode, &mut self.read_size, cx)) {
                        Ok(More::Frame(data)) => return Poll::Ready(Some(Ok(data))),
                        Ok(More::Buffered) => {}
                        Ok(More::End) if matches!(self.decode, Decode::UntilClose) => {
                            self.done = true
                        }
                        Ok(More::End) => {
                            self.done = true;
                            return Poll::Ready(Some(Err(AppBodyError::App(
                                "the app closed the connection before the end of its response body"
                                    .into(),
                            ))));
                        }
                        Err(e) => {
                            self.done = true;
                            return Poll::Ready(Some(Err(AppBodyError::App(format!(
                                "connection error: {e}"
                            )))));
                        }
                    }
                }
            }
        }
    }
}

/// What a read for more of a response body brought.
enum More {
    /// Body bytes, read straight into a frame of their own.
    Frame(Bytes),
    /// Bytes in the connection's buffer, for the decoder.
    Buffered,
    /// The end of the stream.
    End,
}

/// Reads more of a body. With nothing buffered and a run of plain body bytes to come (a
/// Content-Length or close-delimited body), they go straight into a frame (no copy out of the
/// read buffer), in reads that grow while they come back full; otherwise into the buffer.
fn poll_more(
    conn: &mut AppConnection,
    decode: &mut Decode,
    read_size: &mut usize,
    cx: &mut Context<'_>,
) -> Poll<io::Result<More>> {
    let plain = match decode {
        Decode::Length(left) => usize::try_from(*left).unwrap_or(usize::MAX),
        Decode::UntilClose => usize::MAX,
        Decode::Chunked(_) => 0,
    };
    if plain == 0 || !conn.input.is_empty() {
        let n = ready!(conn.input.poll_fill(&mut conn.io, cx))?;
        return Poll::Ready(Ok(if n == 0 { More::End } else { More::Buffered }));
    }
    let want = plain.min(*read_size);
    let data = ready!(read_frame(&mut conn.io, want, cx))?;
    if data.is_empty() {
        return Poll::Ready(Ok(More::End));
    }
    if data.len() == want && *read_size < MAX_DIRECT_READ {
        *read_size *= 2;
    }
    if let Decode::Length(left) = decode {
        *left -= data.len() as u64;
    }
    Poll::Ready(Ok(More::Frame(data)))
}

/// Up to `want` bytes from the socket as one frame; empty at the end of the stream. The buffer
/// is made once the socket is readable, so a poll that finds nothing allocates nothing.
fn read_frame(io: &mut TcpStream, want: usize, cx: &mut Context<'_>) -> Poll<io::Result<Bytes>> {
    ready!(io.poll_read_ready(cx))?;
    let mut frame = bytes::BytesMut::with_capacity(want);
    let mut room = bytes::BufMut::limit(&mut frame, want);
    // Pending only when the readiness was stale: it is cleared now, and the waker registered.
    ready!(tokio_util::io::poll_read_buf(
        Pin::new(&mut *io),
        cx,
        &mut room
    ))?;
    Poll::Ready(Ok(frame.freeze()))
}

impl Body for AppBody {
    type Data = Bytes;
    type Error = AppBodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, AppBodyError>>> {
        match &mut self.get_mut().0 {
            BodyState::Whole(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            BodyState::Upgrade(_) => Poll::Ready(None),
            BodyState::Streaming(s) => s.poll_next(cx).map(|f| f.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            BodyState::Whole(b) => b.is_none(),
            BodyState::Upgrade(_) => true,
            BodyState::Streaming(s) => s.done || matches!(s.decode, Decode::Length(0)),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            BodyState::Whole(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            BodyState::Upgrade(_) => SizeHint::with_exact(0),
            BodyState::Streaming(s) => match s.decode {
                Decode::Length(n) if !s.done => SizeHint::with_exact(n),
                _ => SizeHint::default(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    //! The exchange against scripted apps on real sockets: each test's "app" is a listener on
    //! 127.0.0.1 that answers with the given bytes, in the given pieces.
    use super::*;
    use http_body_util::BodyExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// An app that, per accepted connection, answers each request (read up to its blank line)
    /// with the next of `answers`, written in pieces of `piece` bytes (short answers); then
    /// closes.
    async fn scripted(answers: Vec<Vec<u8>>, piece: usize, per_connection: usize) -> AppKey {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut answers = answers.into_iter();
            loop {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                for _ in 0..per_connection {
                    let mut seen = Vec::new();
                    let mut b = [0u8; 1024];
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match s.read(&mut b).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => seen.extend_from_slice(&b[..n]),
                        }
                    }
                    let Some(a) = answers.next() else { return };
                    // Small pieces for heads and short bodies; a long body in larger ones.
                    let step = if a.len() > 1000 { 4096 } else { piece };
                    for p in a.chunks(step) {
                        if s.write_all(p).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
        });
        AppKey { pid: 1, port }
    }

    /// One GET to an app that answers `answer` (in pieces of `piece` bytes) and closes.
    async fn ask_once(
        answer: &[u8],
        piece: usize,
    ) -> Result<(Response<AppBody>, Option<AppConnection>), SendError> {
        let key = scripted(vec![answer.to_vec()], piece, 1).await;
        AppConnection::get(None, key)
            .await?
            .send(get(), false)
            .await
    }

    fn get() -> Outgoing {
        Outgoing::head_only(b"GET / HTTP/1.1\r\nhost: t\r\n\r\n".to_vec())
    }

    /// The body of `resp`, read to its end, and the connection if it can serve another request.
    async fn read_all(
        mut resp: Response<AppBody>,
        ready: Option<AppConnection>,
    ) -> (Result<Vec<u8>, AppBodyError>, Option<AppConnection>) {
        let mut out = Vec::new();
        while let Some(f) = resp.body_mut().frame().await {
            match f {
                Ok(f) => out.extend_from_slice(&f.into_data().unwrap_or_default()),
                Err(e) => return (Err(e), None),
            }
        }
        let reuse = ready.or_else(|| resp.body_mut().take_reusable());
        (Ok(out), reuse)
    }

    #[tokio::test]
    async fn chunked_and_long_bodies_arrive_whole_and_keep_the_connection() {
        let long = vec![b'x'; 100_000];
        let mut second =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", long.len()).into_bytes();
        second.extend_from_slice(&long);
        let key = scripted(
            vec![
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".to_vec(),
                second,
                b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
            ],
            7,
            3,
        )
        .await;
        let app = AppConnection::get(None, key).await.unwrap();
        let (resp, ready) = app.send(get(), false).await.unwrap();
        assert_eq!(resp.status(), 200, "the 100 Continue is passed over");
        assert!(resp.headers().get("transfer-encoding").is_none());
        let (body, app) = read_all(resp, ready).await;
        assert_eq!(body.unwrap(), b"hello world");
        let app = app.expect("a chunked answer read to its end leaves the connection open");
        let app = AppConnection::get(Some(app), key).await.unwrap();
        assert!(!app.fresh, "reused");
        let (resp, ready) = app.send(get(), false).await.unwrap();
        let (body, app) = read_all(resp, ready).await;
        assert_eq!(body.unwrap(), long);
        let app = AppConnection::get(app, key).await.unwrap();
        assert!(!app.fresh, "reused after a streamed Content-Length body");
        let (resp, ready) = app.send(get(), false).await.unwrap();
        assert_eq!(resp.status(), 204);
        assert!(
            ready.is_some(),
            "nothing to read: the connection is free at once"
        );
    }

    #[tokio::test]
    async fn a_body_until_close_is_read_to_the_end_and_the_connection_not_kept() {
        let (resp, ready) = ask_once(b"HTTP/1.1 200 OK\r\n\r\nall of it", 3)
            .await
            .unwrap();
        let (body, app) = read_all(resp, ready).await;
        assert_eq!(body.unwrap(), b"all of it");
        assert!(app.is_none());
    }

    #[tokio::test]
    async fn broken_answers_are_errors_not_responses() {
        let e = ask_once(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", 100).await.err();
        assert!(matches!(e, Some(SendError::Invalid(_))), "{e:?}");
        // Closed before the head: a broken connection (502.3), not a response.
        let e = ask_once(b"HTTP/1.1 200", 100).await.err();
        assert!(matches!(e, Some(SendError::Io(_))), "{e:?}");
        // A body shorter than its Content-Length breaks off.
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nshort";
        let (resp, ready) = ask_once(short, 100).await.unwrap();
        let (body, _) = read_all(resp, ready).await;
        assert!(matches!(body, Err(AppBodyError::App(_))), "{body:?}");
        // A head over WinHTTP's 64 KiB.
        let mut big = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
        big.resize(app_http::MAX_RESPONSE_HEAD + 100, b'a');
        big.extend_from_slice(b"\r\n\r\n");
        let e = ask_once(&big, 4096).await.err();
        assert!(matches!(e, Some(SendError::Invalid(_))), "{e:?}");
    }

    #[tokio::test]
    async fn an_idle_connection_the_app_closed_is_replaced_before_the_request_is_sent() {
        // One answer per connection, then the app closes it.
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
        let key = scripted(vec![ok.clone(), ok], 100, 1).await;
        let (resp, ready) = AppConnection::get(None, key)
            .await
            .unwrap()
            .send(get(), false)
            .await
            .unwrap();
        let (_, app) = read_all(resp, ready).await;
        let app = app.expect("kept: the app said nothing about closing");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let app = AppConnection::get(Some(app), key).await.unwrap();
        assert!(app.fresh, "the closed connection was seen and replaced");
        let (resp, ready) = app.send(get(), false).await.unwrap();
        assert_eq!(read_all(resp, ready).await.0.unwrap(), b"ok");
    }
}
