//! API keys checked against stored SHA-256 hashes.
//!
//! The configuration holds `sha256(key)` in hex, never the key itself, so a
//! leaked config file does not leak credentials. A presented key is hashed
//! once and compared with [`ct_eq`] against **every** configured hash, with
//! no early exit, so the time taken does not depend on which entry (if any)
//! matched. (Keys are assumed to be long random strings; an unsalted hash is
//! fine for those, unlike for passwords.)
//!
//! Spec grammar: `[NAME ":"] HEX64 ("," [NAME ":"] HEX64)*`, where `NAME` is
//! the consumer name reported on a match and `HEX64` is 64 hex digits in
//! either case.

use crate::crypto::{ct_eq, from_hex, sha256};
use std::fmt;

/// Most keys an `ApiKeySet` may hold (each lookup compares against all).
pub const MAX_API_KEYS: usize = 1024;
/// Longest presented key accepted, in bytes; longer is rejected unhashed.
pub const MAX_PRESENTED_KEY_BYTES: usize = 4096;
/// Longest consumer name, in bytes.
pub const MAX_CONSUMER_NAME_BYTES: usize = 128;

struct Entry {
    consumer: Option<String>,
    hash: [u8; 32],
}

/// The configured API keys (as hashes).
pub struct ApiKeySet {
    entries: Vec<Entry>,
}

impl fmt::Debug for ApiKeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<Option<&str>> = self.entries.iter().map(|e| e.consumer.as_deref()).collect();
        f.debug_struct("ApiKeySet")
            .field("consumers", &names)
            .finish_non_exhaustive()
    }
}

/// A successful lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyMatch {
    /// The consumer name configured for the key, if any.
    pub consumer: Option<String>,
}

impl ApiKeySet {
    /// Parses `name:sha256hex,sha256hex,...`. Errors are human-readable and
    /// name the 1-based item.
    pub fn parse(spec: &str) -> Result<ApiKeySet, String> {
        let mut entries: Vec<Entry> = Vec::new();
        for (i, item) in spec.split(',').enumerate() {
            let n = i + 1;
            let item = item.trim();
            if entries.len() >= MAX_API_KEYS {
                return Err(format!("too many API keys (at most {MAX_API_KEYS})"));
            }
            let (consumer, hex) = match item.split_once(':') {
                Some((name, hex)) => (Some(name), hex),
                None => (None, item),
            };
            if let Some(name) = consumer {
                if name.is_empty()
                    || name.len() > MAX_CONSUMER_NAME_BYTES
                    || name
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == '"')
                {
                    return Err(format!("API key #{n}: invalid consumer name"));
                }
            }
            let hash: [u8; 32] = match from_hex(hex).map(<[u8; 32]>::try_from) {
                Some(Ok(h)) if hex.len() == 64 => h,
                _ => {
                    return Err(format!(
                        "API key #{n}: expected the SHA-256 of the key as 64 hex digits"
                    ))
                }
            };
            if entries.iter().any(|e| e.hash == hash) {
                return Err(format!("API key #{n}: duplicate key hash"));
            }
            entries.push(Entry {
                consumer: consumer.map(str::to_string),
                hash,
            });
        }
        Ok(ApiKeySet { entries })
    }

    /// Number of configured keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no keys are configured (never true after a successful parse).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Hashes `presented` and compares it with every configured hash.
    pub fn lookup(&self, presented: &[u8]) -> Option<ApiKeyMatch> {
        if presented.is_empty() || presented.len() > MAX_PRESENTED_KEY_BYTES {
            return None;
        }
        let digest = sha256(presented);
        let mut found: Option<&Entry> = None;
        for entry in &self.entries {
            let eq = ct_eq(&entry.hash, &digest);
            if eq && found.is_none() {
                found = Some(entry);
            }
        }
        found.map(|e| ApiKeyMatch {
            consumer: e.consumer.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::to_hex;

    #[test]
    fn good_bad_and_named() {
        let h1 = to_hex(&sha256(b"key-one"));
        let h2 = to_hex(&sha256(b"key-two")).to_uppercase();
        let set = ApiKeySet::parse(&format!("alice:{h1}, {h2}")).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(
            set.lookup(b"key-one"),
            Some(ApiKeyMatch {
                consumer: Some("alice".into())
            })
        );
        assert_eq!(set.lookup(b"key-two"), Some(ApiKeyMatch { consumer: None }));
        assert_eq!(set.lookup(b"key-three"), None);
        assert_eq!(set.lookup(b""), None);
        assert_eq!(set.lookup(&vec![b'k'; MAX_PRESENTED_KEY_BYTES + 1]), None);
        assert_eq!(
            set.lookup(h1.as_bytes()),
            None,
            "the hash itself is not a key"
        );
        assert!(!format!("{set:?}").contains(&h1));
    }

    #[test]
    fn malformed_specs() {
        let h = to_hex(&sha256(b"k"));
        for bad in [
            String::new(),
            "abc".into(),
            format!("{h}0"),
            h[..62].to_string(),
            format!("{}zz", &h[..62]),
            format!(":{h}"),
            format!("a b:{h}"),
            format!("{h},{h}"),
            format!("{h},"),
        ] {
            assert!(ApiKeySet::parse(&bad).is_err(), "{bad}");
        }
    }
}
