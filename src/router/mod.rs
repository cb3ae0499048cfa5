//! (module header; filled in by the router work)
