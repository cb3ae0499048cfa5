//! HTTP/1.1 protocol engine (filled in by the http work).

pub mod uri;
