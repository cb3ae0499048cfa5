//! Authentication: who is calling, proven how.
//!
//! Three schemes, each a pure verifier over request bytes (no I/O; time is
//! passed in), each failing with an [`AuthError`] that maps to HTTP 401 and
//! a `WWW-Authenticate` challenge ([`bearer_challenge`], [`basic_challenge`]):
//!
//! * [`jwt`]: an HMAC-signed JWT (RFC 7519, compact JWS RFC 7515, HS256/384/512)
//!   proves that someone holding the shared secret issued these claims, for
//!   this issuer/audience, and that they are within their validity window.
//!   It does not prove the caller is the subject: a bearer token proves
//!   possession only.
//! * [`api_key`]: proves possession of one of the configured keys (stored as
//!   SHA-256 hashes) and names the consumer.
//! * [`basic`]: proves knowledge of a user's password (htpasswd with
//!   `{SHA256}` hashes); only safe over TLS, since the password travels in
//!   every request.
//!
//! [`extract`] finds the credentials (header, cookie, query). All secret
//! comparisons go through [`crate::crypto::ct_eq`]; no `Debug` output shows
//! a secret; hostile input yields an error, never a panic. Every size limit
//! is a named constant next to the code that enforces it.

pub mod api_key;
pub mod basic;
pub mod error;
pub mod extract;
pub mod jwt;

pub use api_key::{ApiKeyMatch, ApiKeySet};
pub use basic::Htpasswd;
pub use error::{basic_challenge, bearer_challenge, AuthError};
pub use extract::{bearer_token, cookie_value, single_query_param, QueryParamError};
pub use jwt::{parse_secret, parse_secret_list, sign, Alg, Claims, JwtKey, JwtPolicy, JwtVerifier};
