//! Why a request failed authentication, and the `WWW-Authenticate` challenge
//! that goes with the 401 (RFC 9110 §11.6.1).
//!
//! For bearer tokens the challenge follows RFC 6750 §3: with no credentials
//! the server just names the scheme (`Bearer`, optionally with a realm); with
//! a rejected token it adds `error="invalid_token"` and a short
//! human-readable `error_description`. The descriptions are fixed strings:
//! they say which check failed, never echo the token, and never reveal key
//! material or which key was tried.

use std::fmt;

/// Outcome of a failed credential check. Every variant maps to HTTP 401.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No credentials were presented (or not with the expected scheme).
    MissingCredentials,
    /// Credentials are present but not well-formed (segments, base64, JSON).
    Malformed,
    /// The credential was sent more than once (two `Authorization` fields,
    /// a query parameter repeated): the gateway and the upstream could act
    /// on different copies, so neither is trusted.
    DuplicateCredentials,
    /// The token's MAC does not verify under the selected key.
    BadSignature,
    /// The token's `alg` is not in the configured list (including `none`).
    AlgNotAllowed,
    /// The token's `kid` names no configured key (or is needed and absent).
    UnknownKid,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// `iss` is missing or differs from the configured issuer.
    WrongIssuer,
    /// `aud` is missing or does not contain the configured audience.
    WrongAudience,
    /// The header has `crit`; no extensions are understood here.
    UnsupportedCrit,
    /// The token is longer than the verifier accepts.
    TokenTooLarge,
    /// The header's `typ` is present and is not `JWT`.
    BadType,
    /// A registered claim (`exp`, `nbf`, `iat`, `iss`, `aud`, `sub`) has the wrong type.
    InvalidClaim,
    /// The presented API key matches no configured key.
    UnknownKey,
    /// Unknown user or wrong password (deliberately not told apart).
    BadPassword,
}

impl AuthError {
    /// A short human-readable description, e.g. `"token expired"`.
    pub fn message(self) -> &'static str {
        match self {
            AuthError::MissingCredentials => "credentials missing",
            AuthError::Malformed => "malformed credentials",
            AuthError::DuplicateCredentials => "credentials sent more than once",
            AuthError::BadSignature => "invalid token signature",
            AuthError::AlgNotAllowed => "token algorithm not allowed",
            AuthError::UnknownKid => "unknown or missing key id",
            AuthError::Expired => "token expired",
            AuthError::NotYetValid => "token not yet valid",
            AuthError::IssuedInFuture => "token issued in the future",
            AuthError::WrongIssuer => "wrong token issuer",
            AuthError::WrongAudience => "wrong token audience",
            AuthError::UnsupportedCrit => "unsupported critical header",
            AuthError::TokenTooLarge => "token too large",
            AuthError::BadType => "unsupported token type",
            AuthError::InvalidClaim => "invalid claim type",
            AuthError::UnknownKey => "invalid API key",
            AuthError::BadPassword => "invalid username or password",
        }
    }

    /// A stable snake_case code for logs, metrics and JSON error bodies.
    pub fn code(self) -> &'static str {
        match self {
            AuthError::MissingCredentials => "missing_credentials",
            AuthError::Malformed => "malformed",
            AuthError::DuplicateCredentials => "duplicate_credentials",
            AuthError::BadSignature => "bad_signature",
            AuthError::AlgNotAllowed => "alg_not_allowed",
            AuthError::UnknownKid => "unknown_kid",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::IssuedInFuture => "issued_in_future",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::UnsupportedCrit => "unsupported_crit",
            AuthError::TokenTooLarge => "token_too_large",
            AuthError::BadType => "bad_type",
            AuthError::InvalidClaim => "invalid_claim",
            AuthError::UnknownKey => "unknown_key",
            AuthError::BadPassword => "bad_password",
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for AuthError {}

/// Appends `s` as an RFC 9110 §5.6.4 quoted-string: `"` and `\` are
/// backslash-escaped, control characters (which could split the header)
/// are dropped.
fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// `WWW-Authenticate` value for a bearer-token failure (RFC 6750 §3).
///
/// `MissingCredentials` gives just `Bearer`; anything else gives
/// `Bearer error="invalid_token", error_description="..."`.
pub fn bearer_challenge(err: AuthError) -> String {
    bearer_challenge_with_realm(None, err)
}

/// Like [`bearer_challenge`], with an optional `realm` first.
pub fn bearer_challenge_with_realm(realm: Option<&str>, err: AuthError) -> String {
    let mut out = String::from("Bearer");
    let mut sep = " ";
    if let Some(realm) = realm {
        out.push_str(" realm=");
        push_quoted(&mut out, realm);
        sep = ", ";
    }
    if err != AuthError::MissingCredentials {
        out.push_str(sep);
        out.push_str("error=\"invalid_token\", error_description=");
        push_quoted(&mut out, err.message());
    }
    out
}

/// `WWW-Authenticate` value for HTTP Basic (RFC 7617 §2):
/// `Basic realm="...", charset="UTF-8"`.
pub fn basic_challenge(realm: &str) -> String {
    let mut out = String::from("Basic realm=");
    push_quoted(&mut out, realm);
    out.push_str(", charset=\"UTF-8\"");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(bearer_challenge(AuthError::MissingCredentials), "Bearer");
        assert_eq!(
            bearer_challenge(AuthError::Expired),
            "Bearer error=\"invalid_token\", error_description=\"token expired\""
        );
        assert_eq!(
            bearer_challenge_with_realm(Some("api"), AuthError::MissingCredentials),
            "Bearer realm=\"api\""
        );
        assert_eq!(
            bearer_challenge_with_realm(Some("a\"b"), AuthError::BadSignature),
            "Bearer realm=\"a\\\"b\", error=\"invalid_token\", error_description=\"invalid token signature\""
        );
        assert_eq!(
            basic_challenge("ops\r\nX: y"),
            "Basic realm=\"opsX: y\", charset=\"UTF-8\""
        );
        assert_eq!(AuthError::Expired.to_string(), "token expired");
        assert_eq!(AuthError::Expired.code(), "expired");
    }
}
