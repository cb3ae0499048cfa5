//! One HS256 verification of a typical ~300-byte token (target: < 2 µs).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use gatelite::auth::{sign, Alg, JwtKey, JwtPolicy, JwtVerifier};
use gatelite::crypto::{base64, Hmac, Sha256};
use gatelite::util::json;

const NOW: u64 = 1_700_000_000;

fn bench_verify(c: &mut Criterion) {
    let secret = b"0123456789abcdef0123456789abcdef".to_vec();
    let claims = format!(
        r#"{{"sub":"user-1234567890","iss":"https://id.example.com","aud":"api","exp":{},"iat":{},"role":"admin","scope":"read:users write:users","tenant":"acme"}}"#,
        NOW + 3600,
        NOW
    );
    let token = sign(&claims, &secret, Alg::HS256, None).expect("bench claims are valid JSON");
    let verifier = JwtVerifier::new(JwtPolicy {
        keys: vec![JwtKey::new(None, secret)],
        algs: vec![Alg::HS256],
        issuer: Some("https://id.example.com".into()),
        audience: Some("api".into()),
        leeway_secs: 30,
    });
    assert!(verifier.verify(token.as_bytes(), NOW).is_ok());
    let name = format!("hs256_{}B", token.len());
    c.bench_function(&name, |b| {
        b.iter(|| verifier.verify(black_box(token.as_bytes()), NOW))
    });

    // Where the time goes: the parts of one verification on their own.
    let (signing_input, _) = token.rsplit_once('.').expect("three segments");
    let payload_b64 = signing_input.split_once('.').expect("three segments").1;
    let payload = base64::decode_url(payload_b64.as_bytes()).expect("valid base64url");
    let key = Hmac::<Sha256>::new(b"0123456789abcdef0123456789abcdef");
    let mut group = c.benchmark_group("hs256_parts");
    group.bench_function("hmac_prepared_key", |b| {
        b.iter(|| key.mac(black_box(signing_input.as_bytes())))
    });
    group.bench_function("base64url_decode_payload", |b| {
        b.iter(|| base64::decode_url(black_box(payload_b64.as_bytes())))
    });
    group.bench_function("json_parse_payload", |b| {
        b.iter(|| json::parse(black_box(&payload)))
    });
    group.bench_function("json_document_payload", |b| {
        b.iter(|| json::Document::parse(black_box(payload.clone())))
    });
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
