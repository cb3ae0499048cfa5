//! The stages a route's chain is built from (DESIGN.md §2 order):
//! auth, then request transforms.

mod auth;
mod transform;

pub use auth::{AuthStage, Credential};
pub use transform::{ClaimsToHeaders, PathRewrite};
