//! .NET framework resolution, pure: version ordering and the host's roll-forward algorithm,
//! mirroring hostfxr (hostfxr.md §3). No I/O.
