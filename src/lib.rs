//! # GateLite
//!
//! An HTTP/1.1 API gateway written with nothing but the Rust standard library.
//! (The full map of the modules and of a request's way through them is in
//! `docs/ARCHITECTURE.md`; each module's own doc comment explains its idea.)
//!
//! Dependencies point downward:
//!
//! ```text
//! main ──> server ──> pipeline ──> { router, auth, upstream, observe }
//!   │                                   └──> { http, crypto, util }
//!   └──> config ──> util
//! ```
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
