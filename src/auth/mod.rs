//! (module header; filled in by the auth work)
