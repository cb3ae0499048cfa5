//! Companion crate of GateLite: criterion benches live in `benches/`,
//! proptest properties in `tests/`. This library is intentionally empty;
//! it exists so that cargo has a target to attach them to.
