//! JSON Web Tokens (RFC 7519) in JWS compact serialization (RFC 7515 §7.1),
//! HMAC algorithms only (RFC 7518 §3.2: HS256, HS384, HS512).
//!
//! A compact JWS is three base64url (no padding) segments joined by dots:
//!
//! ```text
//! BASE64URL(header JSON) . BASE64URL(payload JSON) . BASE64URL(MAC)
//! MAC = HMAC-SHA-x(secret, ASCII(BASE64URL(header) "." BASE64URL(payload)))
//! ```
//!
//! [`JwtVerifier::verify`] checks, in this order, and stops at the first
//! failure (each failure is a distinct [`AuthError`]):
//!
//! 1. size: more than [`MAX_TOKEN_BYTES`] is rejected before any decoding;
//! 2. shape: exactly three segments, each strict base64url;
//! 3. header: a strict JSON object; `alg` must be one of the configured
//!    algorithms by exact, case-sensitive name (`none` in any spelling is
//!    never accepted: the server decides the algorithm, not the token);
//!    `typ`, if present, must name a JWT (case-insensitive media types,
//!    RFC 7519 §5.1: `JWT`, `application/jwt`) or an OAuth access token in
//!    JWT form (RFC 9068 §2.1: `at+jwt`, `application/at+jwt`); other types
//!    (`secevent+jwt`, `JWE`...) are different kinds of token that must not
//!    be accepted in their place (RFC 8725 §3.11); `crit` is rejected
//!    because we implement no extensions (RFC 7515 §4.1.11); `kid` must be
//!    a string;
//! 4. key: when configured keys carry ids, `kid` selects one (an unknown
//!    kid is rejected; a token without kid only matches unkeyed secrets);
//! 5. signature: HMAC over the signing input, compared with
//!    [`crate::crypto::ct_eq`] only;
//! 6. payload (only now, after the signature): a strict JSON object;
//! 7. claims: `exp` (RFC 7519 §4.1.4: now must be *before* exp, so
//!    now >= exp + leeway is expired), `nbf` (now + leeway <
//!    nbf is not yet valid), `iat` (later than now + leeway is rejected: a
//!    token cannot have been issued in the future, so such a token comes
//!    from a broken clock or a forger; PyJWT >= 2.6 and Authlib decide the
//!    same, and the leeway absorbs honest clock skew), all numbers when
//!    present; `iss` must equal the configured issuer;
//!    `aud` (string or array of strings) must contain the configured
//!    audience. `exp` is optional, as in RFC 7519.
//!
//! HMAC keys are prepared once in [`JwtVerifier::new`] (the ipad/opad
//! blocks are pre-hashed), and no secret ever appears in `Debug` output.

use super::error::AuthError;
use crate::crypto::base64::{decode_url, encode_url};
use crate::crypto::{ct_eq, Hmac, Sha256, Sha384, Sha512};
use crate::util::json::{Document, Item, ObjectWriter, Value};
use std::borrow::Cow;
use std::fmt;

/// Longest token accepted, in bytes (8 KiB). Longer tokens are rejected
/// before any decoding work.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// `typ` header values accepted (compared case-insensitively): a JWT
/// (RFC 7519 §5.1) or a JWT access token (RFC 9068 §2.1).
const ACCEPTED_TYPES: [&str; 4] = ["JWT", "application/jwt", "at+jwt", "application/at+jwt"];
/// Most keys a `secret=` list may hold.
pub const MAX_KEYS: usize = 32;
/// Longest key id accepted in configuration, in bytes.
pub const MAX_KID_BYTES: usize = 128;

/// An HMAC JWS algorithm (RFC 7518 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    /// HMAC using SHA-256.
    HS256,
    /// HMAC using SHA-384.
    HS384,
    /// HMAC using SHA-512.
    HS512,
}

impl Alg {
    /// Exact, case-sensitive name match. There is no way to obtain "none".
    pub fn parse(s: &str) -> Option<Alg> {
        match s {
            "HS256" => Some(Alg::HS256),
            "HS384" => Some(Alg::HS384),
            "HS512" => Some(Alg::HS512),
            _ => None,
        }
    }

    /// Parses the names of an allow-list such as `alg=HS256,HS512`,
    /// dropping repeats; any other name (`none` included) is an error.
    pub fn parse_list<S: AsRef<str>>(
        names: impl IntoIterator<Item = S>,
    ) -> Result<Vec<Alg>, String> {
        let mut out = Vec::new();
        for name in names {
            let name = name.as_ref();
            let alg = Alg::parse(name).ok_or_else(|| {
                format!("unknown alg '{name}': expected HS256, HS384 or HS512 (exact case)")
            })?;
            if !out.contains(&alg) {
                out.push(alg);
            }
        }
        Ok(out)
    }

    /// The registered name, e.g. `"HS256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
        }
    }

    /// Length of the MAC in bytes.
    pub fn tag_len(self) -> usize {
        match self {
            Alg::HS256 => 32,
            Alg::HS384 => 48,
            Alg::HS512 => 64,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One HMAC secret, optionally named by a key id.
#[derive(Clone)]
pub struct JwtKey {
    /// The key id the token's `kid` header must name, if any.
    pub kid: Option<String>,
    secret: Vec<u8>,
}

impl JwtKey {
    /// A key from raw secret bytes.
    pub fn new(kid: Option<String>, secret: Vec<u8>) -> Self {
        JwtKey { kid, secret }
    }

    /// The secret bytes (for signing, e.g. `gatelite jwt sign`).
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }
}

impl fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKey")
            .field("kid", &self.kid)
            .field(
                "secret",
                &format_args!("<{} bytes hidden>", self.secret.len()),
            )
            .finish()
    }
}

/// One secret value: `S` (the literal bytes), `b64:B` (base64url without
/// padding) or `env:NAME` (the variable's value, itself literal or `b64:`).
/// Shared by `secret=` items and `gatelite jwt sign --secret`. May be empty;
/// callers refuse that.
pub fn parse_secret(value: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<u8>, String> {
    if let Some(name) = value.strip_prefix("env:") {
        let resolved =
            env(name).ok_or_else(|| format!("environment variable {name} is not set"))?;
        return match resolved.strip_prefix("b64:") {
            Some(b) => decode_b64_secret(b),
            None => Ok(resolved.into_bytes()),
        };
    }
    match value.strip_prefix("b64:") {
        Some(b) => decode_b64_secret(b),
        None => Ok(value.as_bytes().to_vec()),
    }
}

/// Parses the value of `secret=`.
///
/// Grammar: a comma-separated list of items; each item is
/// `[KID ":"] VALUE` where `VALUE` is `S` (the literal bytes), `b64:B`
/// (base64url without padding, for binary secrets) or `env:NAME` (the
/// variable's value, itself either literal or `b64:`). An item that starts
/// with `b64:` or `env:` has no kid. Consequently a literal secret
/// containing `:` or `,` must be written as `b64:`. Key ids are unique;
/// secrets are never empty. Errors name the item (1-based), never a secret.
pub fn parse_secret_list(
    spec: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<JwtKey>, String> {
    if spec.is_empty() {
        return Err("empty JWT secret".to_string());
    }
    let mut keys: Vec<JwtKey> = Vec::new();
    for (i, item) in spec.split(',').enumerate() {
        let n = i + 1;
        if keys.len() >= MAX_KEYS {
            return Err(format!("too many JWT secrets (at most {MAX_KEYS})"));
        }
        let (kid, value) = if item.starts_with("b64:") || item.starts_with("env:") {
            (None, item)
        } else {
            match item.split_once(':') {
                Some((kid, value)) => (Some(kid), value),
                None => (None, item),
            }
        };
        if let Some(kid) = kid {
            if kid.is_empty()
                || kid.len() > MAX_KID_BYTES
                || kid.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(format!("secret #{n}: invalid key id"));
            }
            if keys.iter().any(|k| k.kid.as_deref() == Some(kid)) {
                return Err(format!("secret #{n}: duplicate key id {kid:?}"));
            }
        }
        let secret = parse_secret(value, env).map_err(|e| format!("secret #{n}: {e}"))?;
        if secret.is_empty() {
            return Err(format!("secret #{n}: empty secret"));
        }
        keys.push(JwtKey {
            kid: kid.map(str::to_string),
            secret,
        });
    }
    Ok(keys)
}

fn decode_b64_secret(b: &str) -> Result<Vec<u8>, String> {
    decode_url(b.as_bytes())
        .map_err(|e| format!("b64: secret is not base64url without padding ({e})"))
}

/// What a verifier accepts.
#[derive(Clone, Debug)]
pub struct JwtPolicy {
    /// Candidate keys (see [`parse_secret_list`]).
    pub keys: Vec<JwtKey>,
    /// Algorithms accepted (exact match with the header's `alg`).
    pub algs: Vec<Alg>,
    /// Required `iss`, if any.
    pub issuer: Option<String>,
    /// Required member of `aud`, if any.
    pub audience: Option<String>,
    /// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: u64,
}

/// A key with its three keyed HMAC states prepared.
#[derive(Clone)]
struct PreparedKey {
    kid: Option<String>,
    hs256: Hmac<Sha256>,
    hs384: Hmac<Sha384>,
    hs512: Hmac<Sha512>,
}

impl PreparedKey {
    fn new(key: &JwtKey) -> Self {
        PreparedKey {
            kid: key.kid.clone(),
            hs256: Hmac::new(&key.secret),
            hs384: Hmac::new(&key.secret),
            hs512: Hmac::new(&key.secret),
        }
    }

    fn signature_matches(&self, alg: Alg, input: &[u8], sig: &[u8]) -> bool {
        match alg {
            Alg::HS256 => ct_eq(&self.hs256.mac(input), sig),
            Alg::HS384 => ct_eq(&self.hs384.mac(input), sig),
            Alg::HS512 => ct_eq(&self.hs512.mac(input), sig),
        }
    }
}

/// Verifies compact HMAC JWTs against a [`JwtPolicy`].
#[derive(Clone)]
pub struct JwtVerifier {
    keys: Vec<PreparedKey>,
    /// True when at least one key carries a kid.
    keyed: bool,
    algs: Vec<Alg>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_secs: u64,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<Option<&str>> = self.keys.iter().map(|k| k.kid.as_deref()).collect();
        f.debug_struct("JwtVerifier")
            .field("kids", &kids)
            .field("algs", &self.algs)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .finish_non_exhaustive()
    }
}

/// The verified payload of a token: its JSON text and tape, read on demand
/// (a claim is looked up only when a stage asks for it).
#[derive(Clone, Debug, PartialEq)]
pub struct Claims {
    payload: Document,
    alg: Alg,
    kid: Option<String>,
}

impl Claims {
    /// A claim by name, as an owned value.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.payload.root().get(name).map(|v| v.to_value())
    }

    /// A claim as text: strings as-is, numbers exactly as the token wrote
    /// them (a 64-bit id such as `12345678901234567891` is not rounded
    /// through an `f64`), booleans as `true`/`false`; `None` for null,
    /// arrays, objects and absent claims. The string may contain any
    /// character, including CR/LF: use [`Claims::header_value`] for headers.
    pub fn get_string(&self, name: &str) -> Option<String> {
        let claim = self.payload.root().get(name)?;
        if let Some(s) = claim.as_str() {
            return Some(s.into_owned());
        }
        if let Some(n) = claim.number_text() {
            return Some(n.to_string());
        }
        match claim.to_value() {
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A claim as an HTTP field value ([`Claims::get_string`]), or `None`
    /// when its text could not be sent as one unchanged: RFC 9110 §5.5
    /// allows visible characters, spaces, tabs and bytes >= 0x80, and no
    /// other control character (CR or LF would split the header; NUL, DEL
    /// and the rest are refused by strict parsers) and no leading or
    /// trailing whitespace (parsers strip it, so the upstream would read a
    /// different value).
    pub fn header_value(&self, name: &str) -> Option<String> {
        self.get_string(name).filter(|v| {
            let is_field_byte = |b: u8| b == b'\t' || b == b' ' || (b >= 0x21 && b != 0x7f);
            let is_ws = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
            v.bytes().all(is_field_byte)
                && !is_ws(v.as_bytes().first())
                && !is_ws(v.as_bytes().last())
        })
    }

    /// The `sub` claim.
    pub fn subject(&self) -> Option<String> {
        self.payload
            .root()
            .get("sub")
            .and_then(|v| v.as_str())
            .map(Cow::into_owned)
    }

    /// The whole payload object, as an owned value.
    pub fn as_value(&self) -> Value {
        self.payload.root().to_value()
    }

    /// The payload's JSON text, exactly as the token carried it.
    pub fn json(&self) -> &str {
        self.payload.text()
    }

    /// The algorithm the token was verified with.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The `kid` header of the token, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

/// Decodes one base64url segment and validates it as a JSON object.
fn decode_object(segment: &[u8]) -> Result<Document, AuthError> {
    let bytes = decode_url(segment).map_err(|_| AuthError::Malformed)?;
    match Document::parse(bytes) {
        Ok(doc) if doc.root().is_object() => Ok(doc),
        _ => Err(AuthError::Malformed),
    }
}

/// A NumericDate claim (RFC 7519 §2) if present; wrong type is an error.
fn numeric_claim(payload: Item<'_>, name: &str) -> Result<Option<f64>, AuthError> {
    match payload.get(name) {
        None => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or(AuthError::InvalidClaim),
    }
}

impl JwtVerifier {
    /// Prepares the keys of `policy` (HMAC pads are hashed once here).
    pub fn new(policy: JwtPolicy) -> Self {
        JwtVerifier {
            keyed: policy.keys.iter().any(|k| k.kid.is_some()),
            keys: policy.keys.iter().map(PreparedKey::new).collect(),
            algs: policy.algs,
            issuer: policy.issuer,
            audience: policy.audience,
            leeway_secs: policy.leeway_secs,
        }
    }

    /// Verifies `token` at time `now_unix` (seconds since the epoch) and
    /// returns its claims. See the module docs for the order of checks.
    pub fn verify(&self, token: &[u8], now_unix: u64) -> Result<Claims, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::TokenTooLarge);
        }
        if token.is_empty() {
            return Err(AuthError::MissingCredentials);
        }
        let mut segments = token.splitn(4, |&b| b == b'.');
        let (header_b64, payload_b64, sig_b64) = match (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) {
            (Some(h), Some(p), Some(s), None) => (h, p, s),
            _ => return Err(AuthError::Malformed),
        };

        let header_doc = decode_object(header_b64)?;
        let header = header_doc.root();
        let alg = match header.get("alg") {
            Some(name) => {
                let name = name.as_str().ok_or(AuthError::Malformed)?;
                Alg::parse(&name)
                    .filter(|a| self.algs.contains(a))
                    .ok_or(AuthError::AlgNotAllowed)?
            }
            None => return Err(AuthError::AlgNotAllowed),
        };
        if let Some(typ) = header.get("typ") {
            let typ = typ.as_str().ok_or(AuthError::BadType)?;
            if !ACCEPTED_TYPES.iter().any(|t| typ.eq_ignore_ascii_case(t)) {
                return Err(AuthError::BadType);
            }
        }
        if header.get("crit").is_some() {
            return Err(AuthError::UnsupportedCrit);
        }
        let kid = match header.get("kid") {
            None => None,
            Some(k) => Some(k.as_str().ok_or(AuthError::Malformed)?),
        };
        let kid = kid.as_deref();

        let sig = decode_url(sig_b64).map_err(|_| AuthError::Malformed)?;
        if sig.len() != alg.tag_len() {
            return Err(AuthError::BadSignature);
        }
        let signing_input_len = header_b64.len() + 1 + payload_b64.len();
        let signing_input = token.get(..signing_input_len).ok_or(AuthError::Malformed)?;
        let mut candidates = 0usize;
        let mut matched = false;
        for key in self.keys.iter().filter(|k| self.key_applies(k, kid)) {
            candidates += 1;
            // No early exit: every candidate is tried.
            matched |= key.signature_matches(alg, signing_input, &sig);
        }
        if candidates == 0 {
            return Err(AuthError::UnknownKid);
        }
        if !matched {
            return Err(AuthError::BadSignature);
        }

        let payload = decode_object(payload_b64)?;
        self.check_claims(payload.root(), now_unix)?;
        Ok(Claims {
            payload,
            alg,
            kid: kid.map(str::to_string),
        })
    }

    /// Whether `key` may verify a token carrying `kid`.
    fn key_applies(&self, key: &PreparedKey, kid: Option<&str>) -> bool {
        match (kid, &key.kid) {
            // Keys carry ids: the token must name one of them.
            (Some(kid), Some(k)) => k == kid,
            (Some(_), None) => !self.keyed,
            // No kid in the token: only unkeyed secrets, or the single key.
            (None, None) => true,
            (None, Some(_)) => self.keys.len() == 1,
        }
    }

    fn check_claims(&self, payload: Item<'_>, now_unix: u64) -> Result<(), AuthError> {
        let now = now_unix as f64;
        let leeway = self.leeway_secs as f64;
        if let Some(exp) = numeric_claim(payload, "exp")? {
            if now >= exp + leeway {
                return Err(AuthError::Expired);
            }
        }
        if let Some(nbf) = numeric_claim(payload, "nbf")? {
            if now + leeway < nbf {
                return Err(AuthError::NotYetValid);
            }
        }
        if let Some(iat) = numeric_claim(payload, "iat")? {
            if iat > now + leeway {
                return Err(AuthError::IssuedInFuture);
            }
        }
        for name in ["iss", "sub"] {
            if matches!(payload.get(name), Some(v) if !v.is_string()) {
                return Err(AuthError::InvalidClaim);
            }
        }
        if let Some(want) = &self.issuer {
            let iss = payload.get("iss").and_then(|v| v.as_str());
            if iss.as_deref() != Some(want.as_str()) {
                return Err(AuthError::WrongIssuer);
            }
        }
        let aud_ok = match payload.get("aud") {
            None => None,
            Some(aud) if aud.is_string() => Some(
                self.audience
                    .as_deref()
                    .is_none_or(|w| aud.as_str().as_deref() == Some(w)),
            ),
            Some(aud) if aud.is_array() => {
                if aud.elements().any(|v| !v.is_string()) {
                    return Err(AuthError::InvalidClaim);
                }
                Some(
                    self.audience
                        .as_deref()
                        .is_none_or(|w| aud.elements().any(|v| v.as_str().as_deref() == Some(w))),
                )
            }
            Some(_) => return Err(AuthError::InvalidClaim),
        };
        if self.audience.is_some() && aud_ok != Some(true) {
            return Err(AuthError::WrongAudience);
        }
        Ok(())
    }
}

/// The MAC of `signing_input` under `secret` with `alg`.
pub fn mac(signing_input: &[u8], secret: &[u8], alg: Alg) -> Vec<u8> {
    match alg {
        Alg::HS256 => Hmac::<Sha256>::new(secret).mac(signing_input).to_vec(),
        Alg::HS384 => Hmac::<Sha384>::new(secret).mac(signing_input).to_vec(),
        Alg::HS512 => Hmac::<Sha512>::new(secret).mac(signing_input).to_vec(),
    }
}

/// Builds a compact JWS from exact header and payload bytes (no checks;
/// for tests and tools that must reproduce given bytes).
pub fn sign_parts(header_json: &[u8], payload_json: &[u8], secret: &[u8], alg: Alg) -> String {
    let mut token = encode_url(header_json);
    token.push('.');
    token.push_str(&encode_url(payload_json));
    let tag = mac(token.as_bytes(), secret, alg);
    token.push('.');
    token.push_str(&encode_url(&tag));
    token
}

/// Mints a token: `claims_json` must be a JSON object (strict, as the
/// verifier reads it); it is signed with its insignificant whitespace
/// removed and otherwise byte for byte, so large integers keep every digit.
/// The header is `{"alg":..,"typ":"JWT"}` plus `kid` if given.
pub fn sign(
    claims_json: &str,
    secret: &[u8],
    alg: Alg,
    kid: Option<&str>,
) -> Result<String, AuthError> {
    let claims = match Document::parse(claims_json.as_bytes().to_vec()) {
        Ok(doc) if doc.root().is_object() => doc,
        _ => return Err(AuthError::Malformed),
    };
    let mut header = ObjectWriter::new();
    header.string("alg", alg.as_str()).string("typ", "JWT");
    if let Some(kid) = kid {
        header.string("kid", kid);
    }
    let token = sign_parts(
        header.finish().as_bytes(),
        claims.compact().as_bytes(),
        secret,
        alg,
    );
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::TokenTooLarge);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;
    const SECRET: &[u8] = b"a-very-secret-key-of-32-bytes!!!";

    fn policy(algs: &[Alg]) -> JwtPolicy {
        JwtPolicy {
            keys: vec![JwtKey::new(None, SECRET.to_vec())],
            algs: algs.to_vec(),
            issuer: Some("https://id.example.com".into()),
            audience: Some("api".into()),
            leeway_secs: 30,
        }
    }

    fn verifier() -> JwtVerifier {
        JwtVerifier::new(policy(&[Alg::HS256]))
    }

    fn good_claims() -> String {
        format!(
            r#"{{"sub":"u1","iss":"https://id.example.com","aud":"api","exp":{},"iat":{},"role":"admin","n":7}}"#,
            NOW + 60,
            NOW
        )
    }

    fn raw_token(header: &str, payload: &str, secret: &[u8], alg: Alg) -> String {
        sign_parts(header.as_bytes(), payload.as_bytes(), secret, alg)
    }

    fn with_claims(payload: &str) -> String {
        raw_token(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            payload,
            SECRET,
            Alg::HS256,
        )
    }

    /// RFC 7515 Appendix A.1.
    const A1_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const A1_KEY: &str =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

    #[test]
    fn rfc7515_a1_verifies() {
        let keys = parse_secret_list(&format!("b64:{A1_KEY}"), &|_| None).unwrap();
        let v = JwtVerifier::new(JwtPolicy {
            keys,
            algs: vec![Alg::HS256],
            issuer: Some("joe".into()),
            audience: None,
            leeway_secs: 0,
        });
        let claims = v.verify(A1_TOKEN.as_bytes(), 1_300_819_379).unwrap();
        assert_eq!(claims.get_string("iss").as_deref(), Some("joe"));
        assert_eq!(
            claims.get_string("http://example.com/is_root").as_deref(),
            Some("true")
        );
        assert_eq!(claims.get_string("exp").as_deref(), Some("1300819380"));
        // At exp itself the token is no longer valid (RFC 7519 §4.1.4).
        assert_eq!(
            v.verify(A1_TOKEN.as_bytes(), 1_300_819_380),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn rfc7515_a1_signing_reproduces_signature() {
        let header = b"{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
        let payload =
            b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
        let key = decode_url(A1_KEY.as_bytes()).unwrap();
        assert_eq!(sign_parts(header, payload, &key, Alg::HS256), A1_TOKEN);
        let input = A1_TOKEN.rsplit_once('.').unwrap().0;
        assert_eq!(
            encode_url(&mac(input.as_bytes(), &key, Alg::HS256)),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
    }

    #[test]
    fn good_token_round_trips_for_every_alg() {
        for alg in [Alg::HS256, Alg::HS384, Alg::HS512] {
            let token = sign(&good_claims(), SECRET, alg, None).unwrap();
            let claims = JwtVerifier::new(policy(&[alg]))
                .verify(token.as_bytes(), NOW)
                .unwrap();
            assert_eq!(claims.subject().as_deref(), Some("u1"));
            assert_eq!(claims.get_string("n").as_deref(), Some("7"));
            assert_eq!(claims.get_string("role").as_deref(), Some("admin"));
            assert_eq!(claims.alg(), alg);
        }
    }

    #[test]
    fn attack_table() {
        let v = verifier();
        let good = with_claims(&good_claims());
        let (hp, sig) = good.rsplit_once('.').unwrap();
        let (h, p) = hp.split_once('.').unwrap();
        let b = |s: &str| encode_url(s.as_bytes());
        let payload = b(&good_claims());
        let forged = |header: &str| format!("{}.{}.{}", b(header), payload, sig);
        let claims = |extra: &str| {
            with_claims(&format!(
                r#"{{"iss":"https://id.example.com","aud":"api",{extra}}}"#
            ))
        };
        let hs512 = raw_token(r#"{"alg":"HS512"}"#, &good_claims(), SECRET, Alg::HS512);
        let other_key = raw_token(
            r#"{"alg":"HS256"}"#,
            &good_claims(),
            b"another key entirely, 32 bytes..",
            Alg::HS256,
        );
        let huge = "a".repeat(1 << 20);

        use AuthError::*;
        let cases: Vec<(&str, String, AuthError)> = vec![
            (
                "alg none",
                format!("{}.{}.", b(r#"{"alg":"none"}"#), payload),
                AlgNotAllowed,
            ),
            (
                "alg None",
                format!("{}.{}.", b(r#"{"alg":"None"}"#), payload),
                AlgNotAllowed,
            ),
            (
                "alg NONE",
                format!("{}.{}.", b(r#"{"alg":"NONE"}"#), payload),
                AlgNotAllowed,
            ),
            (
                "alg none with sig",
                forged(r#"{"alg":"none","typ":"JWT"}"#),
                AlgNotAllowed,
            ),
            (
                "alg hs256 lowercase",
                forged(r#"{"alg":"hs256"}"#),
                AlgNotAllowed,
            ),
            ("alg missing", forged(r#"{"typ":"JWT"}"#), AlgNotAllowed),
            ("alg not a string", forged(r#"{"alg":256}"#), Malformed),
            ("missing signature", format!("{h}.{p}"), Malformed),
            ("empty signature", format!("{h}.{p}."), BadSignature),
            (
                "truncated signature",
                format!(
                    "{h}.{p}.{}",
                    encode_url(&decode_url(sig.as_bytes()).unwrap()[..31])
                ),
                BadSignature,
            ),
            (
                "bad length signature",
                format!("{h}.{p}.{}", &sig[..sig.len() - 2]),
                Malformed,
            ),
            ("signature of another key", other_key, BadSignature),
            ("HS512 where only HS256 allowed", hs512, AlgNotAllowed),
            ("four segments", format!("{good}.x"), Malformed),
            ("four segments empty", format!("{h}.{p}.{sig}."), Malformed),
            ("two segments", format!("{h}.{sig}"), Malformed),
            ("one segment", h.to_string(), Malformed),
            ("empty token", String::new(), MissingCredentials),
            ("dots only", "..".into(), Malformed),
            ("bad base64url header", format!("{h}=.{p}.{sig}"), Malformed),
            (
                "base64 std alphabet",
                format!("{}.{p}.{sig}", h.replacen('e', "+", 1)),
                Malformed,
            ),
            (
                "bad base64url signature",
                format!("{h}.{p}.{sig}="),
                Malformed,
            ),
            (
                "bad JSON header",
                format!("{}.{p}.{sig}", b("{\"alg\":\"HS256\"")),
                Malformed,
            ),
            (
                "header array",
                format!("{}.{p}.{sig}", b("[\"HS256\"]")),
                Malformed,
            ),
            (
                "duplicate alg in header",
                forged(r#"{"alg":"HS512","alg":"HS256"}"#),
                Malformed,
            ),
            ("bad JSON payload", with_claims("{\"sub\":"), Malformed),
            ("payload is an array", with_claims("[1,2]"), Malformed),
            ("payload is a string", with_claims("\"x\""), Malformed),
            (
                "tampered payload",
                format!("{h}.{}.{sig}", b(&good_claims().replace("admin", "root!"))),
                BadSignature,
            ),
            (
                "typ wrong",
                forged(r#"{"alg":"HS256","typ":"JWE"}"#),
                BadType,
            ),
            (
                "unknown crit",
                forged(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#),
                UnsupportedCrit,
            ),
            ("expired", claims(&format!("\"exp\":{}", NOW - 31)), Expired),
            (
                "exp not a number",
                claims("\"exp\":\"tomorrow\""),
                InvalidClaim,
            ),
            (
                "not yet valid",
                claims(&format!("\"nbf\":{}", NOW + 31)),
                NotYetValid,
            ),
            (
                "iat in future",
                claims(&format!("\"iat\":{}", NOW + 31)),
                IssuedInFuture,
            ),
            (
                "wrong issuer",
                with_claims(r#"{"iss":"https://evil.example.com","aud":"api"}"#),
                WrongIssuer,
            ),
            (
                "missing issuer",
                with_claims(r#"{"aud":"api"}"#),
                WrongIssuer,
            ),
            (
                "audience missing",
                with_claims(r#"{"iss":"https://id.example.com"}"#),
                WrongAudience,
            ),
            (
                "audience wrong",
                with_claims(r#"{"iss":"https://id.example.com","aud":"web"}"#),
                WrongAudience,
            ),
            (
                "audience not in array",
                with_claims(r#"{"iss":"https://id.example.com","aud":["web","apix"]}"#),
                WrongAudience,
            ),
            (
                "audience wrong type",
                with_claims(r#"{"iss":"https://id.example.com","aud":7}"#),
                InvalidClaim,
            ),
            ("1 MB token", huge, TokenTooLarge),
        ];
        for (name, token, want) in cases {
            assert_eq!(v.verify(token.as_bytes(), NOW).err(), Some(want), "{name}");
        }
        // Sanity: the untouched token passes, audience in an array passes.
        assert!(v.verify(good.as_bytes(), NOW).is_ok());
        let in_array = with_claims(r#"{"iss":"https://id.example.com","aud":["web","api"]}"#);
        assert!(v.verify(in_array.as_bytes(), NOW).is_ok());
    }

    #[test]
    fn leeway_boundaries() {
        let v = verifier();
        let at = |extra: String| {
            with_claims(&format!(
                r#"{{"iss":"https://id.example.com","aud":"api",{extra}}}"#
            ))
        };
        // leeway 30 s: exp 29 s ago still passes, exp 30 s ago does not
        // (at exp + leeway the token is expired, RFC 7519 §4.1.4).
        assert!(v
            .verify(at(format!("\"exp\":{}", NOW - 29)).as_bytes(), NOW)
            .is_ok());
        assert!(v
            .verify(at(format!("\"exp\":{}", NOW - 30)).as_bytes(), NOW)
            .is_err());
        assert!(v
            .verify(at(format!("\"nbf\":{}", NOW + 30)).as_bytes(), NOW)
            .is_ok());
        assert!(v
            .verify(at(format!("\"iat\":{}", NOW + 30)).as_bytes(), NOW)
            .is_ok());
        assert!(v
            .verify(at(format!("\"exp\":{}.5", NOW - 31)).as_bytes(), NOW)
            .is_err());
    }

    #[test]
    fn kid_selection() {
        let env = |name: &str| (name == "K2").then(|| "second-secret".to_string());
        let keys = parse_secret_list("k1:first-secret,k2:env:K2", &env).unwrap();
        let v = JwtVerifier::new(JwtPolicy {
            keys,
            algs: vec![Alg::HS256],
            issuer: None,
            audience: None,
            leeway_secs: 0,
        });
        let t1 = sign("{}", b"first-secret", Alg::HS256, Some("k1")).unwrap();
        let t2 = sign("{}", b"second-secret", Alg::HS256, Some("k2")).unwrap();
        assert_eq!(v.verify(t1.as_bytes(), NOW).unwrap().kid(), Some("k1"));
        assert!(v.verify(t2.as_bytes(), NOW).is_ok());
        // Right secret, wrong kid: the kid decides which key is used.
        let swapped = sign("{}", b"first-secret", Alg::HS256, Some("k2")).unwrap();
        assert_eq!(
            v.verify(swapped.as_bytes(), NOW),
            Err(AuthError::BadSignature)
        );
        let unknown = sign("{}", b"first-secret", Alg::HS256, Some("k3")).unwrap();
        assert_eq!(
            v.verify(unknown.as_bytes(), NOW),
            Err(AuthError::UnknownKid)
        );
        let no_kid = sign("{}", b"first-secret", Alg::HS256, None).unwrap();
        assert_eq!(v.verify(no_kid.as_bytes(), NOW), Err(AuthError::UnknownKid));
        let kid_number = raw_token(
            r#"{"alg":"HS256","kid":1}"#,
            "{}",
            b"first-secret",
            Alg::HS256,
        );
        assert_eq!(
            v.verify(kid_number.as_bytes(), NOW),
            Err(AuthError::Malformed)
        );

        // Unkeyed single secret: a kid in the token is ignored.
        let single = JwtVerifier::new(JwtPolicy {
            keys: parse_secret_list("s3cret", &|_| None).unwrap(),
            algs: vec![Alg::HS256],
            issuer: None,
            audience: None,
            leeway_secs: 0,
        });
        let with_kid = sign("{}", b"s3cret", Alg::HS256, Some("whatever")).unwrap();
        assert!(single.verify(with_kid.as_bytes(), NOW).is_ok());
    }

    #[test]
    fn secret_list_parsing() {
        let env = |name: &str| match name {
            "S" => Some("from-env".to_string()),
            "B" => Some("b64:AAEC".to_string()),
            _ => None,
        };
        let keys = parse_secret_list("plain", &env).unwrap();
        assert_eq!(
            (keys[0].kid.as_deref(), keys[0].secret()),
            (None, &b"plain"[..])
        );
        let keys = parse_secret_list("b64:AAEC", &env).unwrap();
        assert_eq!(
            (keys[0].kid.as_deref(), keys[0].secret()),
            (None, &[0u8, 1, 2][..])
        );
        let keys = parse_secret_list("env:S", &env).unwrap();
        assert_eq!(
            (keys[0].kid.as_deref(), keys[0].secret()),
            (None, &b"from-env"[..])
        );
        let keys = parse_secret_list("env:B", &env).unwrap();
        assert_eq!(keys[0].secret(), &[0u8, 1, 2][..]);
        let keys = parse_secret_list("k1:S1,k2:b64:AAEC,k3:env:S", &env).unwrap();
        let got: Vec<(Option<&str>, &[u8])> = keys
            .iter()
            .map(|k| (k.kid.as_deref(), k.secret()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("k1"), &b"S1"[..]),
                (Some("k2"), &[0u8, 1, 2][..]),
                (Some("k3"), &b"from-env"[..])
            ]
        );
        for bad in [
            "",
            "k1:",
            ":x",
            "k1:a,k1:b",
            "env:MISSING",
            "b64:!!",
            "b64:AAEC==",
            "a,,b",
            "k 1:x",
        ] {
            let err = parse_secret_list(bad, &env).unwrap_err();
            assert!(!err.contains("S1"), "{err}");
        }
        let dbg = format!("{:?}", parse_secret_list("k1:topsecret", &env).unwrap());
        assert!(!dbg.contains("topsecret"), "{dbg}");
        let v = JwtVerifier::new(JwtPolicy {
            keys: parse_secret_list("k1:topsecret", &env).unwrap(),
            algs: vec![Alg::HS256],
            issuer: None,
            audience: None,
            leeway_secs: 0,
        });
        assert!(!format!("{v:?}").contains("topsecret"));
    }

    #[test]
    fn alg_names_are_exact() {
        assert_eq!(Alg::parse("HS256"), Some(Alg::HS256));
        for bad in ["hs256", "HS256 ", "none", "None", "RS256", ""] {
            assert_eq!(Alg::parse(bad), None);
        }
        assert_eq!(
            Alg::parse_list("HS256,HS512,HS256".split(',')).unwrap(),
            vec![Alg::HS256, Alg::HS512]
        );
        assert!(Alg::parse_list(["HS256", "none"]).is_err());
        assert_eq!(Alg::HS384.as_str(), "HS384");
    }

    #[test]
    fn typ_names_a_jwt_or_a_jwt_access_token() {
        let v = JwtVerifier::new(JwtPolicy {
            keys: vec![JwtKey::new(None, SECRET.to_vec())],
            algs: vec![Alg::HS256],
            issuer: None,
            audience: None,
            leeway_secs: 0,
        });
        let with_typ = |typ: &str| {
            let header = format!(r#"{{"alg":"HS256","typ":"{typ}"}}"#);
            v.verify(raw_token(&header, "{}", SECRET, Alg::HS256).as_bytes(), NOW)
        };
        for ok in [
            "JWT",
            "jwt",
            "application/jwt",
            "at+jwt",
            "application/AT+JWT",
        ] {
            assert!(with_typ(ok).is_ok(), "{ok}");
        }
        for bad in ["JWE", "secevent+jwt", "JOSE+JSON", "", "JWT "] {
            assert_eq!(with_typ(bad).err(), Some(AuthError::BadType), "{bad}");
        }
        let typ_number = raw_token(r#"{"alg":"HS256","typ":1}"#, "{}", SECRET, Alg::HS256);
        assert_eq!(
            v.verify(typ_number.as_bytes(), NOW).err(),
            Some(AuthError::BadType)
        );
    }

    #[test]
    fn claims_as_text_and_as_header_values() {
        let v = JwtVerifier::new(JwtPolicy {
            keys: vec![JwtKey::new(None, SECRET.to_vec())],
            algs: vec![Alg::HS256],
            issuer: None,
            audience: None,
            leeway_secs: 0,
        });
        let payload = r#"{"id":12345678901234567891,"f":1.50,"t":true,"n":null,"a":[1],
            "crlf":"a\r\nX-Evil: 1","ctl":"a\u0001b","del":"a\u007fb","tab":"a\tb",
            "utf8":"é","lead":" x","trail":"x\t","sp":"a b"}"#;
        let token = raw_token(r#"{"alg":"HS256"}"#, payload, SECRET, Alg::HS256);
        let claims = v.verify(token.as_bytes(), NOW).unwrap();
        assert_eq!(
            claims.get_string("id").as_deref(),
            Some("12345678901234567891")
        );
        assert_eq!(claims.get_string("f").as_deref(), Some("1.50"));
        assert_eq!(claims.get_string("t").as_deref(), Some("true"));
        assert_eq!(claims.get_string("n"), None);
        assert_eq!(claims.get_string("a"), None);
        assert_eq!(claims.get_string("crlf").as_deref(), Some("a\r\nX-Evil: 1"));
        for refused in ["crlf", "ctl", "del", "lead", "trail", "n", "missing"] {
            assert_eq!(claims.header_value(refused), None, "{refused}");
        }
        for (name, want) in [
            ("id", "12345678901234567891"),
            ("tab", "a\tb"),
            ("utf8", "é"),
            ("sp", "a b"),
            ("t", "true"),
        ] {
            assert_eq!(claims.header_value(name).as_deref(), Some(want), "{name}");
        }
    }

    #[test]
    fn sign_keeps_the_claims_text_exactly_but_compact() {
        let token = sign(
            "{ \"id\" : 12345678901234567891,\n \"e\": 1E3, \"s\": \"a \\u00e9\" }",
            SECRET,
            Alg::HS256,
            None,
        )
        .unwrap();
        let payload = token.split('.').nth(1).unwrap();
        assert_eq!(
            decode_url(payload.as_bytes()).unwrap(),
            br#"{"id":12345678901234567891,"e":1E3,"s":"a \u00e9"}"#
        );
        let header = token.split('.').next().unwrap();
        assert_eq!(
            decode_url(header.as_bytes()).unwrap(),
            br#"{"alg":"HS256","typ":"JWT"}"#
        );
    }

    #[test]
    fn sign_rejects_non_objects() {
        assert_eq!(
            sign("[1]", SECRET, Alg::HS256, None),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            sign("{", SECRET, Alg::HS256, None),
            Err(AuthError::Malformed)
        );
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(MAX_TOKEN_BYTES));
        assert_eq!(
            sign(&big, SECRET, Alg::HS256, None),
            Err(AuthError::TokenTooLarge)
        );
    }
}
