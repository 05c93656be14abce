//! Fuzz target: raw bytes from a client into the proxy's HTTP/1 server (`proxy::connection`, the
//! same server `ancm run` runs per socket), over an in-memory pipe. The first byte picks the
//! proxy's state: `app_offline.htm` present (503 with the file's bytes) or an app that cannot
//! start (502.5 with the diagnosis page). Every input must end — answered, refused as a bad
//! request, or closed — within a bound, and never panic.
#![no_main]
use ancm_doctor::live::events::EventBus;
use ancm_doctor::live::proxy::{self, Proxy};
use ancm_doctor::live::supervisor::Supervisor;
use ancm_doctor::live::LiveConfig;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct World {
    rt: tokio::runtime::Runtime,
    offline: Arc<Proxy>,
    failing: Arc<Proxy>,
    _offline_tx: tokio::sync::watch::Sender<Option<Arc<Vec<u8>>>>,
    _online_tx: tokio::sync::watch::Sender<Option<Arc<Vec<u8>>>>,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let _enter = rt.enter();
        let dir = std::env::temp_dir();
        let mut cfg = LiveConfig::for_test(&dir, "/nonexistent/ancm-fuzz-app", "");
        cfg.attempts = 1;
        cfg.request_timeout = Some(Duration::from_secs(1));
        let bus = EventBus::new(false);
        let sup = Supervisor::new(cfg, bus);
        let (offline_tx, offline_rx) =
            tokio::sync::watch::channel(Some(Arc::new(b"<h1>offline</h1>".to_vec())));
        let (online_tx, online_rx) = tokio::sync::watch::channel(None);
        World {
            offline: Proxy::new(sup.clone(), offline_rx),
            failing: Proxy::new(sup, online_rx),
            rt,
            _offline_tx: offline_tx,
            _online_tx: online_tx,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let w = world();
    let proxy = if mode & 1 == 0 { &w.offline } else { &w.failing }.clone();
    let remote = "127.0.0.1:50000".parse().expect("address");
    w.rt.block_on(async move {
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let conn = tokio::spawn(proxy::connection(server, proxy, remote));
        let talk = async {
            let _ = client.write_all(bytes).await;
            let _ = client.shutdown().await;
            let mut answer = Vec::new();
            let _ = client.read_to_end(&mut answer).await;
        };
        let bounded = tokio::time::timeout(Duration::from_secs(5), talk).await;
        assert!(bounded.is_ok(), "the HTTP/1 server neither answered nor closed within 5 s");
        conn.abort();
    });
});
