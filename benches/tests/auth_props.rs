//! Properties of the auth and crypto code under random input:
//! hostile bytes never panic, and encode/sign round-trip.

use gatelite::auth::jwt::sign_parts;
use gatelite::auth::{sign, Alg, AuthError, JwtKey, JwtPolicy, JwtVerifier};
use gatelite::crypto::base64;
use gatelite::util::json::{self, ObjectWriter};
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000;

fn verifier(secret: &[u8], algs: Vec<Alg>) -> JwtVerifier {
    JwtVerifier::new(JwtPolicy {
        keys: vec![JwtKey::new(None, secret.to_vec())],
        algs,
        issuer: None,
        audience: None,
        leeway_secs: 0,
    })
}

fn alg() -> impl Strategy<Value = Alg> {
    prop_oneof![Just(Alg::HS256), Just(Alg::HS384), Just(Alg::HS512)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn random_bytes_never_panic_verify(token in proptest::collection::vec(any::<u8>(), 0..600)) {
        let v = verifier(b"secret", vec![Alg::HS256, Alg::HS384, Alg::HS512]);
        let _ = v.verify(&token, NOW);
    }

    #[test]
    fn token_shaped_garbage_never_panics(
        h in "[A-Za-z0-9_=+/-]{0,40}", p in "[A-Za-z0-9_=+/-]{0,60}", s in "[A-Za-z0-9_=+/-]{0,90}",
        dots in 0usize..5,
    ) {
        let v = verifier(b"secret", vec![Alg::HS256]);
        let mut token = h;
        for part in [p, s].iter().take(dots.min(2)) {
            token.push('.');
            token.push_str(part);
        }
        for _ in 2..dots { token.push('.'); }
        let _ = v.verify(token.as_bytes(), NOW);
    }

    #[test]
    fn json_headers_never_panic(header in "\\PC{0,80}", payload in "\\PC{0,80}") {
        let v = verifier(b"secret", vec![Alg::HS256]);
        let token = format!("{}.{}.{}", base64::encode_url(header.as_bytes()), base64::encode_url(payload.as_bytes()), "AAAA");
        let _ = v.verify(token.as_bytes(), NOW);
    }

    #[test]
    fn sign_then_verify_round_trips(
        secret in proptest::collection::vec(any::<u8>(), 1..200),
        alg in alg(),
        strings in proptest::collection::vec(("[a-z]{1,12}", "\\PC{0,30}"), 0..6),
        numbers in proptest::collection::vec(("[A-Z]{1,12}", -1.0e15f64..1.0e15f64), 0..6),
        ints in proptest::collection::vec(("_[a-z]{1,8}", any::<i32>()), 0..4),
    ) {
        // Distinct key sets per kind (lowercase / uppercase / underscore) so
        // keys are unique across kinds; dedupe within a kind.
        let mut w = ObjectWriter::new();
        let mut seen = std::collections::HashSet::new();
        for (k, s) in &strings { if seen.insert(k.clone()) { w.string(k, s); } }
        for (k, n) in &numbers { if seen.insert(k.clone()) { w.number(k, *n); } }
        for (k, n) in &ints { if seen.insert(k.clone()) { w.int(k, i64::from(*n)); } }
        let claims_json = w.finish();
        let token = sign(&claims_json, &secret, alg, None).unwrap();
        let claims = verifier(&secret, vec![alg]).verify(token.as_bytes(), NOW).unwrap();
        prop_assert_eq!(claims.as_value(), json::parse(claims_json.as_bytes()).unwrap());
        for (k, s) in &strings {
            if let Some(json::Value::String(got)) = claims.get(k) {
                if strings.iter().find(|(k2, _)| k2 == k).map(|(_, v)| v) == Some(s) {
                    prop_assert_eq!(&got, s);
                }
            }
        }
        for (k, n) in &ints {
            if ints.iter().find(|(k2, _)| k2 == k).map(|(_, v)| v) == Some(n) {
                prop_assert_eq!(claims.get_string(k), Some(n.to_string()));
            }
        }
        // Any other key rejects it.
        let mut other = secret.clone();
        other.push(1);
        prop_assert!(verifier(&other, vec![alg]).verify(token.as_bytes(), NOW).is_err());
    }

    #[test]
    fn signed_random_payloads_never_panic(
        payload in "[\\[\\]{}\",:0-9eE.+\\-tfnrulas\\\\ ]{0,120}",
        raw in proptest::collection::vec(any::<u8>(), 0..120),
        use_raw in any::<bool>(),
    ) {
        // A correctly signed token, so verification gets past the MAC and
        // runs the payload parser and the claim checks on hostile JSON.
        let payload = if use_raw { raw } else { payload.into_bytes() };
        let token = sign_parts(br#"{"alg":"HS256"}"#, &payload, b"secret", Alg::HS256);
        let v = verifier(b"secret", vec![Alg::HS256]);
        if let Ok(claims) = v.verify(token.as_bytes(), NOW) {
            prop_assert!(json::parse(&payload).is_ok_and(|p| matches!(p, json::Value::Object(_))));
            prop_assert_eq!(claims.json().as_bytes(), &payload[..]);
        }
    }

    #[test]
    fn any_change_to_a_token_is_refused(
        secret in proptest::collection::vec(any::<u8>(), 1..64),
        alg in alg(),
        sub in "\\PC{0,20}",
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        // Strict base64url (no padding, canonical trailing bits) makes this
        // exact: every other byte string is a different signing input or a
        // different tag, so no edit of a valid token verifies.
        let mut w = ObjectWriter::new();
        w.string("sub", &sub);
        let token = sign(&w.finish(), &secret, alg, None).unwrap();
        let v = verifier(&secret, vec![alg]);
        prop_assert!(v.verify(token.as_bytes(), NOW).is_ok());
        let mut bytes = token.clone().into_bytes();
        for (at, byte) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *byte;
        }
        if bytes != token.as_bytes() {
            prop_assert!(v.verify(&bytes, NOW).is_err());
        }
    }

    #[test]
    fn integer_claims_keep_every_digit(n in any::<u64>(), m in any::<i64>()) {
        let claims_json = format!(r#"{{"u":{n},"i":{m}}}"#);
        let token = sign(&claims_json, b"k", Alg::HS256, None).unwrap();
        let claims = verifier(b"k", vec![Alg::HS256]).verify(token.as_bytes(), NOW).unwrap();
        prop_assert_eq!(claims.get_string("u"), Some(n.to_string()));
        prop_assert_eq!(claims.get_string("i"), Some(m.to_string()));
        prop_assert_eq!(claims.json(), claims_json.as_str());
    }

    #[test]
    fn exp_decides_at_its_instant(exp in 1u64..4_000_000_000, now in 1u64..4_000_000_000, leeway in 0u64..120) {
        let token = sign(&format!(r#"{{"exp":{exp}}}"#), b"k", Alg::HS256, None).unwrap();
        let v = JwtVerifier::new(JwtPolicy {
            keys: vec![JwtKey::new(None, b"k".to_vec())],
            algs: vec![Alg::HS256],
            issuer: None,
            audience: None,
            leeway_secs: leeway,
        });
        let got = v.verify(token.as_bytes(), now).err();
        // RFC 7519 §4.1.4: valid strictly before exp (plus the leeway).
        let want = if now >= exp + leeway { Some(AuthError::Expired) } else { None };
        prop_assert_eq!(got, want);
    }

    #[test]
    fn base64_round_trips(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(base64::decode(base64::encode(&data).as_bytes()).unwrap(), data.clone());
        prop_assert_eq!(base64::decode_url(base64::encode_url(&data).as_bytes()).unwrap(), data);
    }

    #[test]
    fn base64_decode_never_panics_and_is_canonical(s in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(d) = base64::decode(&s) { prop_assert_eq!(base64::encode(&d).into_bytes(), s.clone()); }
        if let Ok(d) = base64::decode_url(&s) { prop_assert_eq!(base64::encode_url(&d).into_bytes(), s.clone()); }
    }

    #[test]
    fn random_bytes_never_panic_json(input in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = json::parse(&input);
    }

    #[test]
    fn json_shaped_garbage_never_panics(input in "[\\[\\]{}\",:0-9eE.+\\-tfnrulas\\\\ ]{0,200}") {
        if let Ok(v) = json::parse(input.as_bytes()) {
            // Whatever parses re-parses to the same value from its own output.
            prop_assert_eq!(json::parse(v.to_string().as_bytes()).unwrap(), v);
        }
    }

    #[test]
    fn document_reads_agree_with_the_value_tree(value in arb_json()) {
        // Reading through the tape (borrowed strings, skipped subtrees) must
        // give what the owned tree gives, member by member, at every level;
        // keys with `"`, `\` and non-ASCII exercise the escaped path.
        let doc = json::Document::parse(value.to_string().into_bytes()).unwrap();
        agree(doc.root(), &value)?;
    }
}

/// Random JSON values up to four levels deep, keys drawn from a small
/// alphabet so that lookups also meet near-miss keys.
fn arb_json() -> impl Strategy<Value = json::Value> {
    let leaf = prop_oneof![
        Just(json::Value::Null),
        any::<bool>().prop_map(json::Value::Bool),
        (-1.0e9f64..1.0e9).prop_map(json::Value::Number),
        "\\PC{0,8}".prop_map(json::Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(json::Value::Array),
            proptest::collection::btree_map("[ab\\\\\"\né]{0,3}", inner, 0..6)
                .prop_map(|m| json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `item` (read from the tape) and `value` (the tree) say the same thing.
fn agree(item: json::Item<'_>, value: &json::Value) -> Result<(), TestCaseError> {
    prop_assert_eq!(&item.to_value(), value);
    match value {
        json::Value::Object(members) => {
            prop_assert_eq!(item.members().count(), members.len());
            for (k, v) in members {
                let got = item.get(k);
                prop_assert!(got.is_some(), "member {:?} not found", k);
                if let Some(got) = got {
                    agree(got, v)?;
                }
            }
        }
        json::Value::Array(items) => {
            prop_assert_eq!(item.elements().count(), items.len());
            for (got, v) in item.elements().zip(items) {
                agree(got, v)?;
            }
        }
        json::Value::String(s) => {
            let got = item.as_str();
            prop_assert_eq!(got.as_deref(), Some(s.as_str()));
        }
        other => prop_assert_eq!(item.as_f64(), other.as_f64()),
    }
    Ok(())
}
