//! (path normalisation; filled in by the router work)
