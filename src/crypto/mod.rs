//! (module header; filled in by the crypto work)
