//! The floor `scripts/bench-proxy` measures `ancm run` against, beside nginx: the least a hyper
//! reverse proxy does — a thread per core, each a single-threaded runtime accepting from one
//! socket, and per client connection one keep-alive connection to the backend, with the request
//! passed on as it came. No ANCM semantics (no token check, `X-Forwarded-*`, timeouts, events):
//! the difference between this and `ancm run` is what those cost; between this and nginx, hyper.
//!
//!   ancm-bench-hyper-proxy LISTEN_PORT BACKEND_PORT
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: ancm-bench-hyper-proxy LISTEN_PORT BACKEND_PORT";
    let listen: u16 = args.next().ok_or(usage)?.parse()?;
    let backend: u16 = args.next().ok_or(usage)?.parse()?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", listen))?;
    listener.set_nonblocking(true)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut running = Vec::new();
    for _ in 0..threads {
        let l = listener.try_clone()?;
        running.push(std::thread::spawn(move || -> std::io::Result<()> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move { serve(TcpListener::from_std(l)?, backend).await })
        }));
    }
    for t in running {
        t.join().map_err(|_| "a proxy thread panicked")??;
    }
    Ok(())
}

async fn serve(listener: TcpListener, backend: u16) -> std::io::Result<()> {
    loop {
        let (client, _) = listener.accept().await?;
        let _ = client.set_nodelay(true);
        tokio::spawn(async move {
            let app: Arc<Mutex<Option<SendRequest<Incoming>>>> = Arc::default();
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                forward(app.clone(), backend, req)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(client), service)
                .await;
        });
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn forward(
    app: Arc<Mutex<Option<SendRequest<Incoming>>>>,
    backend: u16,
    req: Request<Incoming>,
) -> Result<Response<Incoming>, BoxError> {
    let mut app = app.lock().await;
    if app.as_ref().is_none_or(|s| s.is_closed()) {
        *app = Some(connect(backend).await?);
    }
    let sender = app.as_mut().ok_or("no backend connection")?;
    sender.ready().await?;
    Ok(sender.send_request(req).await?)
}

async fn connect(port: u16) -> Result<SendRequest<Incoming>, BoxError> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}
