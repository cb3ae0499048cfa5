//! # GateLite
//!
//! An HTTP/1.1 API gateway written with nothing but the Rust standard
//! library: it routes, authenticates, rewrites, balances and forwards over
//! blocking sockets. It is also meant to be read; each module's doc comment
//! explains its idea before the code does it.
//!
//! ## A request's way through the modules
//!
//! ```text
//! server::wait_set  every socket with nothing to read yet, armed in epoll
//! server::watcher   the poll step (accept; readable -> job; full -> 503),
//!                   deadlines, and the safety net when all workers are busy
//! server::queue     the scheduler: fresh and resume lanes, slots, poll token
//! server::conn      a worker reads and parses the head      -> http::parse
//!                   applies the framing rules                -> http::framing
//! pipeline          request id, path normalisation           -> http::uri
//!                   route match (404 / 405)                  -> router
//!                   the route's stages: auth, rewrite ...    -> pipeline::stages, auth, crypto
//!                   proxy: pool, balancer, send              -> pipeline::proxy, upstream
//!                   (waits in the wait set, no thread)
//!                   relay the answer as it comes             -> pipeline::relay
//! server::conn      keep-alive: next request, or back to the wait set
//! ```
//!
//! `docs/ARCHITECTURE.md` walks the same path in prose.
//!
//! ## Layers
//!
//! Dependencies point downward; `.ci/layers` checks it.
//!
//! ```text
//! cli ──> server ──> pipeline ──> { router, auth, upstream }
//!  │                    │                └──> { http, crypto, util, sys }
//!  └──> config ──> util └──> config (specs in, runtime out: pipeline::build)
//! ```
//!
//! * leaves: [`http`] (protocol, no sockets), [`crypto`], [`util`] (clock,
//!   JSON, ids, buffers), [`sys`] (the only `unsafe`: `epoll`, `poll`,
//!   signals);
//! * [`router`], [`auth`], [`upstream`]: one job each, leaves only below;
//! * [`config`]: text to typed, validated specs, knowing no runtime types;
//! * [`pipeline`]: builds the runtime from specs and runs a request through it;
//! * [`server`]: threads, sockets, signals; [`cli`]: the command line.
#![deny(missing_docs, unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod http;
pub mod pipeline;
pub mod router;
pub mod server;
pub mod sys;
pub mod upstream;
pub mod util;
