//! One live session: supervisor + app_offline watcher + proxy listening on an address, and the
//! orderly stop (stop accepting, let open requests finish within a deadline, stop the app).
//! Used by both `run --trace` and `doctor`'s probe; it prints nothing (that is `trace.rs`).
use super::events::{Event, EventBus};
use super::proxy::{self, Proxy};
use super::supervisor::Supervisor;
use super::LiveConfig;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct Session {
    pub sup: Arc<Supervisor>,
    pub addr: SocketAddr,
    stop_tx: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
}

impl Session {
    /// Binds `listen` and starts serving. The app itself starts on the first request, as in ANCM.
    pub async fn start(
        cfg: LiveConfig,
        bus: Arc<EventBus>,
        listen: SocketAddr,
    ) -> std::io::Result<Session> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        bus.emit(Event::Session {
            module: cfg.module.name().to_string(),
            hosting_model: match cfg.hosting_model {
                crate::deployment::web_config::HostingModel::InProcess => {
                    "inprocess (emulated out-of-process)".to_string()
                }
                crate::deployment::web_config::HostingModel::OutOfProcess => {
                    "outofprocess".to_string()
                }
            },
            app_dir: cfg.app_dir.display().to_string(),
            listen: Some(format!("http://{addr}")),
        });
        let sup = Supervisor::new(cfg, bus);
        let offline = super::app_offline::watch(sup.clone());
        let proxy = Proxy::new(sup.clone(), offline);
        let (stop_tx, stop_rx) = watch::channel(false);
        let drain = sup.cfg.shutdown_time_limit.max(Duration::from_secs(1));
        let server = tokio::spawn(proxy::serve(listener, proxy, stop_rx, drain));
        Ok(Session {
            sup,
            addr,
            stop_tx,
            server,
        })
    }

    /// Stops accepting, drains open requests (bounded), then stops the app gracefully. A start
    /// still pending is interrupted first (no further attempt), so open requests end promptly.
    pub async fn stop(self) {
        self.sup.interrupt();
        let _ = self.stop_tx.send(true);
        let _ = self.server.await;
        self.sup.shutdown().await;
    }

    /// [`Session::stop`] without the graceful part: the app is killed at once (an app the probe
    /// already found hung would only make the verdict wait shutdownTimeLimit).
    pub async fn kill(self) {
        self.sup.interrupt();
        let _ = self.stop_tx.send(true);
        self.sup.kill_now().await;
        let _ = self.server.await;
    }
}
