//! Routing: which route answers a request (host, method, normalised path).
//!
//! (Filled in step by step; see `table.rs` for the precedence rules.)

pub mod regex;
