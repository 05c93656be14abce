//! The ANCM out-of-process emulator: launch, readiness, supervision, reverse proxy, app_offline.
//! The only place in ancm that spawns processes and opens sockets.
