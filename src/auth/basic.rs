//! HTTP Basic authentication (RFC 7617) against an htpasswd-style file.
//!
//! The client sends `Authorization: Basic base64(user ":" password)`
//! (standard, padded base64; the user id may not contain `:`). The file has
//! one `user:{SHA256}base64(sha256(password))` line per user; `#` comments
//! and blank lines are skipped.
//!
//! Verification hashes the presented password and compares it with
//! [`ct_eq`]. An **unknown user still costs a hash and a compare** (against
//! a fixed dummy hash), and both failures return the same
//! [`AuthError::BadPassword`], so neither timing nor the error tells an
//! attacker which user names exist.
//!
//! Note: a single unsalted SHA-256 is a weak password hash (fast to brute
//! force if the file leaks); the format is kept for compatibility with
//! `htpasswd -s`-style tooling. Prefer long random passwords.

use super::error::AuthError;
use super::extract::scheme_credentials;
use crate::crypto::{base64, ct_eq, sha256};
use std::collections::HashMap;
use std::fmt;

/// Most users an htpasswd file may hold.
pub const MAX_USERS: usize = 100_000;
/// Longest `Authorization` credentials accepted, in bytes of base64.
pub const MAX_BASIC_CREDENTIALS_BYTES: usize = 4096;
/// Scheme prefix of stored hashes.
const SHA256_PREFIX: &str = "{SHA256}";
/// Compared against when the user is unknown, so that path costs the same.
const DUMMY_HASH: [u8; 32] = [0u8; 32];

/// Users and their password hashes.
pub struct Htpasswd {
    users: HashMap<String, [u8; 32]>,
}

impl fmt::Debug for Htpasswd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Htpasswd")
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

impl Htpasswd {
    /// Parses the file text. Errors carry the 1-based line number.
    pub fn parse(text: &str) -> Result<Htpasswd, (usize, String)> {
        let mut users = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (user, stored) = line
                .split_once(':')
                .ok_or((line_no, "expected user:{SHA256}base64".to_string()))?;
            if user.is_empty() || user.chars().any(|c| c.is_control()) {
                return Err((line_no, "invalid user name".to_string()));
            }
            let b64 = stored.strip_prefix(SHA256_PREFIX).ok_or((
                line_no,
                "only {SHA256} password hashes are supported".to_string(),
            ))?;
            let hash: [u8; 32] = base64::decode(b64.as_bytes())
                .ok()
                .and_then(|h| <[u8; 32]>::try_from(h).ok())
                .ok_or((
                    line_no,
                    "expected base64 of a 32-byte SHA-256 after {SHA256}".to_string(),
                ))?;
            if users.len() >= MAX_USERS {
                return Err((line_no, format!("too many users (at most {MAX_USERS})")));
            }
            if users.insert(user.to_string(), hash).is_some() {
                return Err((line_no, format!("duplicate user {user:?}")));
            }
        }
        Ok(Htpasswd { users })
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether the file had no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Checks an `Authorization` header value; `Ok(user)` on success.
    pub fn verify(&self, authorization: &[u8]) -> Result<String, AuthError> {
        let creds =
            scheme_credentials(authorization, "Basic").ok_or(AuthError::MissingCredentials)?;
        if creds.len() > MAX_BASIC_CREDENTIALS_BYTES {
            return Err(AuthError::Malformed);
        }
        let decoded = base64::decode(creds).map_err(|_| AuthError::Malformed)?;
        // RFC 7617 §2: user-id ":" password, split at the first colon. The
        // user is looked up by name, so it must be text; the password is
        // only hashed, so it is taken as bytes (a client that does not
        // send UTF-8 can still log in with what it typed).
        let colon = decoded
            .iter()
            .position(|&b| b == b':')
            .ok_or(AuthError::Malformed)?;
        let (user, password) = decoded.split_at(colon);
        let user = std::str::from_utf8(user).map_err(|_| AuthError::Malformed)?;
        let presented = sha256(password.get(1..).unwrap_or_default());
        let (known, stored) = match self.users.get(user) {
            Some(h) => (true, h),
            None => (false, &DUMMY_HASH),
        };
        let matches = ct_eq(stored, &presented);
        if known && matches {
            Ok(user.to_string())
        } else {
            Err(AuthError::BadPassword)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(user: &str, pass: &str) -> String {
        format!(
            "{user}:{{SHA256}}{}",
            base64::encode(&sha256(pass.as_bytes()))
        )
    }

    fn header(user_pass: &str) -> Vec<u8> {
        format!("Basic {}", base64::encode(user_pass.as_bytes())).into_bytes()
    }

    fn file() -> Htpasswd {
        let text = format!(
            "# ops users\n\n{}\r\n  {}\n",
            line("alice", "wonderland"),
            line("bob", "p:ss")
        );
        Htpasswd::parse(&text).unwrap()
    }

    #[test]
    fn good_bad_unknown_user() {
        let h = file();
        assert_eq!(h.len(), 2);
        assert_eq!(h.verify(&header("alice:wonderland")), Ok("alice".into()));
        assert_eq!(h.verify(&header("bob:p:ss")), Ok("bob".into()));
        assert_eq!(
            h.verify(b"basic   YWxpY2U6d29uZGVybGFuZA=="),
            Ok("alice".into())
        );
        assert_eq!(
            h.verify(&header("alice:wrong")),
            Err(AuthError::BadPassword)
        );
        assert_eq!(
            h.verify(&header("mallory:wonderland")),
            Err(AuthError::BadPassword)
        );
        assert_eq!(h.verify(&header("alice:")), Err(AuthError::BadPassword));
        assert!(!format!("{h:?}").contains("alice"));
    }

    #[test]
    fn malformed_headers() {
        let h = file();
        assert_eq!(h.verify(b""), Err(AuthError::MissingCredentials));
        assert_eq!(h.verify(b"Bearer abc"), Err(AuthError::MissingCredentials));
        assert_eq!(h.verify(b"Basic"), Err(AuthError::MissingCredentials));
        assert_eq!(h.verify(b"Basic !!!!"), Err(AuthError::Malformed));
        assert_eq!(h.verify(b"Basic YWxpY2U"), Err(AuthError::Malformed));
        assert_eq!(
            h.verify(&header("alicewonderland")),
            Err(AuthError::Malformed)
        );
        assert_eq!(h.verify(b"Basic /w=="), Err(AuthError::Malformed));
        // A user name that is not UTF-8 cannot name anyone.
        let latin1_user = format!("Basic {}", base64::encode(b"\xe9:x"));
        assert_eq!(h.verify(latin1_user.as_bytes()), Err(AuthError::Malformed));
        // Tabs are not the SP that separates scheme and credentials.
        assert_eq!(
            h.verify(b"Basic\tYWxpY2U6d29uZGVybGFuZA=="),
            Err(AuthError::MissingCredentials)
        );
    }

    #[test]
    fn password_bytes_need_not_be_utf8() {
        let stored = format!("u:{{SHA256}}{}", base64::encode(&sha256(b"caf\xe9")));
        let h = Htpasswd::parse(&stored).unwrap();
        let creds = |pass: &[u8]| {
            let mut raw = b"u:".to_vec();
            raw.extend_from_slice(pass);
            format!("Basic {}", base64::encode(&raw)).into_bytes()
        };
        assert_eq!(h.verify(&creds(b"caf\xe9")), Ok("u".into()));
        assert_eq!(h.verify(&creds(b"caf")), Err(AuthError::BadPassword));
    }

    #[test]
    fn file_errors_name_the_line() {
        let good = line("a", "b");
        let cases = [
            (format!("{good}\nnocolon"), 2),
            (format!("# c\n\n:{{SHA256}}{}", &good[2..]), 3),
            ("u:{SHA}abc".to_string(), 1),
            ("u:{SHA256}AAAA".to_string(), 1),
            ("u:{SHA256}!!".to_string(), 1),
            (format!("{good}\n{good}"), 2),
        ];
        for (text, want) in cases {
            let (line, msg) = Htpasswd::parse(&text).unwrap_err();
            assert_eq!(line, want, "{text}: {msg}");
        }
        assert!(Htpasswd::parse("").unwrap().is_empty());
    }
}
