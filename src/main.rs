//! The `gatelite` command line (being built).
fn main() {}
