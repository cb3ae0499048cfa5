//! Leaf utilities with no crate-internal dependencies: the injectable clock,
//! a small strict JSON reader/writer and request ids.

pub mod bytes;
pub mod clock;
pub mod ids;
pub mod io;
pub mod json;
