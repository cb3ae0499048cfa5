//! Authentication through the real binary: JWT (tokens minted with
//! `gatelite jwt sign`), API keys and HTTP Basic. A refused request gets 401
//! with a `WWW-Authenticate` challenge and never reaches the upstream.

mod support;

use support::*;

const SECRET: &str = "e2e-secret-with-enough-entropy";
const ISS: &str = "https://id.example.com";
const AUD: &str = "api";
const ALICE_KEY: &str = "alice-key-0123456789";
const BASIC_USER: &str = "ops";
const BASIC_PASS: &str = "correct horse battery staple";

struct Setup {
    up: Upstream,
    gw: Gateway,
}

fn setup() -> Setup {
    let up = Upstream::ok();
    let dir = TempDir::new("auth");
    let users = dir.write(
        "htpasswd",
        &format!(
            "# ops users\n{}\n{}\n",
            htpasswd_line(BASIC_USER, BASIC_PASS),
            htpasswd_line("other", "other-password")
        ),
    );
    let cfg = format!(
        "upstream u {{ server {up}; }}\n\
         route jwt {{ path /jwt/*; upstream u;\n\
           auth jwt secret={SECRET} alg=HS256 issuer={ISS} audience={AUD} leeway=0s;\n\
           claims_to_headers sub=X-User-Id role=X-Role; }}\n\
         route key {{ path /key/*; upstream u;\n\
           auth api_key header=X-Api-Key keys=alice:{key}; }}\n\
         route basic {{ path /basic/*; upstream u;\n\
           auth basic realm=ops users={users}; }}\n",
        up = up.hostport(),
        key = sha256_hex(ALICE_KEY.as_bytes()),
        users = path_str(&users),
    );
    let gw = Gateway::start_in(dir, &cfg);
    Setup { up, gw }
}

fn token(claims: &str) -> String {
    jwt_sign(SECRET, "HS256", claims)
}

fn claims(extra: &str) -> String {
    format!(
        "{{\"sub\":\"42\",\"iss\":\"{ISS}\",\"aud\":\"{AUD}\",\"exp\":{}{extra}}}",
        now_unix() + 600
    )
}

fn get_with(gw: &Gateway, path: &str, headers: &str) -> Resp {
    gw.request(&format!("GET {path} HTTP/1.1\r\nHost: t\r\n{headers}\r\n"))
}

fn assert_401(r: &Resp, challenge_prefix: &str) {
    assert_eq!(r.status, 401, "{r:?}");
    r.assert_json_error("unauthorized");
    let ch = r.header("www-authenticate").expect("WWW-Authenticate");
    assert!(
        ch.starts_with(challenge_prefix),
        "challenge {ch:?} should start with {challenge_prefix:?}"
    );
}

#[test]
fn valid_jwt_passes_and_claims_become_headers() {
    let s = setup();
    let t = token(&claims(",\"role\":\"admin\""));
    let r = get_with(
        &s.gw,
        "/jwt/me",
        &format!("Authorization: Bearer {t}\r\nX-User-Id: 1\r\nX-Role: root\r\n"),
    );
    assert_eq!(r.status, 200, "{r:?}");
    s.up.wait_requests(1);
    let rec = s.up.last();
    assert_eq!(rec.header("x-user-id"), Some("42"));
    assert_eq!(rec.header_count("x-user-id"), 1, "{}", rec.head_str());
    assert_eq!(rec.header("x-role"), Some("admin"));
    assert_eq!(rec.header_count("x-role"), 1);
}

#[test]
fn forged_claim_headers_are_removed_when_the_claim_is_absent() {
    let s = setup();
    let t = token(&claims(""));
    let r = get_with(
        &s.gw,
        "/jwt/me",
        &format!("Authorization: Bearer {t}\r\nX-Role: admin\r\nx-role: admin2\r\n"),
    );
    assert_eq!(r.status, 200);
    s.up.wait_requests(1);
    let rec = s.up.last();
    assert_eq!(rec.header("x-role"), None, "{}", rec.head_str());
    assert_eq!(rec.header("x-user-id"), Some("42"));
}

#[test]
fn bad_jwts_are_401_invalid_token_and_never_forwarded() {
    let s = setup();
    let now = now_unix();
    let expired = token(&format!(
        "{{\"sub\":\"42\",\"iss\":\"{ISS}\",\"aud\":\"{AUD}\",\"exp\":{}}}",
        now - 60
    ));
    let other_secret = jwt_sign("another-secret", "HS256", &claims(""));
    let hs512 = jwt_sign(SECRET, "HS512", &claims(""));
    let wrong_iss = token(&format!(
        "{{\"sub\":\"42\",\"iss\":\"https://evil\",\"aud\":\"{AUD}\",\"exp\":{}}}",
        now + 600
    ));
    let wrong_aud = token(&format!(
        "{{\"sub\":\"42\",\"iss\":\"{ISS}\",\"aud\":\"other\",\"exp\":{}}}",
        now + 600
    ));
    let not_yet = token(&format!(
        "{{\"sub\":\"42\",\"iss\":\"{ISS}\",\"aud\":\"{AUD}\",\"exp\":{},\"nbf\":{}}}",
        now + 600,
        now + 300
    ));
    // alg "none": a valid payload, no signature.
    let b64 = |s: &str| gatelite::crypto::base64::encode_url(s.as_bytes());
    let alg_none = format!(
        "{}.{}.",
        b64("{\"alg\":\"none\",\"typ\":\"JWT\"}"),
        b64(&claims(""))
    );
    // A good token with its payload swapped for one that claims more.
    let good = token(&claims(""));
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(&claims(",\"role\":\"admin\"")),
        parts[2]
    );
    for (what, t) in [
        ("expired", expired),
        ("other secret", other_secret),
        ("HS512 not allowed", hs512),
        ("wrong issuer", wrong_iss),
        ("wrong audience", wrong_aud),
        ("not yet valid", not_yet),
        ("alg none", alg_none),
        ("tampered payload", tampered),
        ("garbage", "not.a.jwt".to_string()),
    ] {
        let r = get_with(&s.gw, "/jwt/me", &format!("Authorization: Bearer {t}\r\n"));
        assert_eq!(r.status, 401, "{what}: {r:?}");
        assert_401(&r, "Bearer error=\"invalid_token\"");
    }
    assert_eq!(s.up.request_count(), 0);
}

#[test]
fn missing_jwt_is_401_with_a_bare_bearer_challenge() {
    let s = setup();
    let r = get_with(&s.gw, "/jwt/me", "");
    assert_401(&r, "Bearer");
    assert!(
        !r.header("www-authenticate")
            .unwrap()
            .contains("invalid_token"),
        "{r:?}"
    );
    let r = get_with(&s.gw, "/jwt/me", "Authorization: Basic Zm9vOmJhcg==\r\n");
    assert_eq!(r.status, 401);
    assert_eq!(s.up.request_count(), 0);
}

#[test]
fn api_keys() {
    let s = setup();
    let r = get_with(&s.gw, "/key/x", &format!("X-Api-Key: {ALICE_KEY}\r\n"));
    assert_eq!(r.status, 200, "{r:?}");
    s.up.wait_requests(1);
    for bad in [
        "X-Api-Key: wrong\r\n".to_string(),
        format!("X-Api-Key: {ALICE_KEY}x\r\n"),
        format!("X-Api-Key: {}\r\n", sha256_hex(ALICE_KEY.as_bytes())),
        String::new(),
    ] {
        let r = get_with(&s.gw, "/key/x", &bad);
        assert_eq!(r.status, 401, "{bad:?}: {r:?}");
        r.assert_json_error("unauthorized");
        assert!(r.has_header("www-authenticate"));
    }
    assert_eq!(s.up.request_count(), 1);
}

#[test]
fn basic_auth() {
    let s = setup();
    let b64 = |s: &str| gatelite::crypto::base64::encode(s.as_bytes());
    let good = b64(&format!("{BASIC_USER}:{BASIC_PASS}"));
    let r = get_with(
        &s.gw,
        "/basic/x",
        &format!("Authorization: Basic {good}\r\n"),
    );
    assert_eq!(r.status, 200, "{r:?}");
    s.up.wait_requests(1);
    let other = b64("other:other-password");
    let r = get_with(
        &s.gw,
        "/basic/x",
        &format!("Authorization: Basic {other}\r\n"),
    );
    assert_eq!(r.status, 200, "{r:?}");
    s.up.wait_requests(2);

    for bad in [
        format!("Authorization: Basic {}\r\n", b64("ops:wrong")),
        format!(
            "Authorization: Basic {}\r\n",
            b64("nobody:correct horse battery staple")
        ),
        format!(
            "Authorization: Basic {}\r\n",
            b64(&format!("other:{BASIC_PASS}"))
        ),
        "Authorization: Basic !!!notbase64\r\n".to_string(),
        format!("Authorization: Bearer {good}\r\n"),
        String::new(),
    ] {
        let r = get_with(&s.gw, "/basic/x", &bad);
        assert_401(&r, "Basic realm=\"ops\"");
    }
    assert_eq!(s.up.request_count(), 2);
}

/// `secret=k1:S1,k2:S2` rotates keys by `kid`; `cookie=NAME` reads the
/// token from a cookie instead of `Authorization`.
#[test]
fn kid_rotation_and_cookie_tokens() {
    let up = Upstream::ok();
    let cfg = format!(
        "upstream u {{ server {up}; }}\n\
         route rotated {{ path /r/*; upstream u; auth jwt secret=old:first-secret,new:second-secret; }}\n\
         route cookie {{ path /c/*; upstream u; auth jwt secret={SECRET} cookie=session; }}\n",
        up = up.hostport(),
    );
    let gw = Gateway::start(&cfg);
    let exp = now_unix() + 600;
    let claims = format!("{{\"sub\":\"7\",\"exp\":{exp}}}");
    let sign_kid = |secret: &str, kid: &str| {
        let (code, out, err) = run_cli(&["jwt", "sign", "--secret", secret, "--kid", kid, &claims]);
        assert_eq!(code, 0, "{err}");
        out.trim().to_string()
    };
    for (secret, kid) in [("first-secret", "old"), ("second-secret", "new")] {
        let t = sign_kid(secret, kid);
        let r = get_with(&gw, "/r/x", &format!("Authorization: Bearer {t}\r\n"));
        assert_eq!(r.status, 200, "kid {kid}: {r:?}");
    }
    // The right secret under the wrong kid, and an unknown kid, are refused.
    for (secret, kid) in [("first-secret", "new"), ("first-secret", "gone")] {
        let t = sign_kid(secret, kid);
        let r = get_with(&gw, "/r/x", &format!("Authorization: Bearer {t}\r\n"));
        assert_401(&r, "Bearer error=\"invalid_token\"");
    }
    assert_eq!(up.request_count(), 2);

    let t = token(&claims);
    let r = get_with(
        &gw,
        "/c/x",
        &format!("Cookie: theme=dark; session={t}; x=y\r\n"),
    );
    assert_eq!(r.status, 200, "{r:?}");
    // On a cookie route, a bearer header is not where the token is looked for.
    let r = get_with(&gw, "/c/x", &format!("Authorization: Bearer {t}\r\n"));
    assert_401(&r, "Bearer");
    assert_eq!(up.request_count(), 3);
}

/// A 1 MB token is refused before any work is done on it: 431 from the
/// header limit at the default 16k, and 401 (too large) when the limit lets
/// it through. Never a crash.
#[test]
fn huge_tokens_are_refused_not_fatal() {
    let up = Upstream::ok();
    let cfg = format!(
        "limits header=2m;\n\
         upstream u {{ server {up}; }}\n\
         route jwt {{ path /jwt/*; upstream u; auth jwt secret={SECRET}; }}\n",
        up = up.hostport(),
    );
    let gw = Gateway::start(&cfg);
    let huge = format!("eyJ{}.eyJ{}.sig", "A".repeat(500_000), "B".repeat(500_000));
    let r = get_with(&gw, "/jwt/x", &format!("Authorization: Bearer {huge}\r\n"));
    assert_401(&r, "Bearer error=\"invalid_token\"");
    let s = setup();
    let r = get_with(
        &s.gw,
        "/jwt/x",
        &format!("Authorization: Bearer {huge}\r\n"),
    );
    assert_eq!(r.status, 431, "{r:?}");
    // Both gateways still serve.
    let ok = token(&claims(""));
    let r = get_with(&s.gw, "/jwt/x", &format!("Authorization: Bearer {ok}\r\n"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(up.request_count(), 0);
}

/// A credential sent twice is refused whichever copy is the good one: the
/// gateway would check one and the upstream might act on the other.
#[test]
fn credentials_sent_twice_are_refused() {
    let s = setup();
    let good = token(&claims(""));
    for headers in [
        format!("Authorization: Bearer {good}\r\nAuthorization: Bearer x.y.z\r\n"),
        format!("Authorization: Bearer x.y.z\r\nauthorization: Bearer {good}\r\n"),
        format!("Authorization: Bearer {good}\r\nAuthorization: Bearer {good}\r\n"),
    ] {
        let r = get_with(&s.gw, "/jwt/me", &headers);
        assert_401(&r, "Bearer error=\"invalid_token\"");
        assert!(r.text().contains("more than once"), "{r:?}");
    }
    let r = get_with(
        &s.gw,
        "/key/x",
        &format!("X-Api-Key: {ALICE_KEY}\r\nX-Api-Key: other\r\n"),
    );
    assert_eq!(r.status, 401, "{r:?}");
    let b64 = |s: &str| gatelite::crypto::base64::encode(s.as_bytes());
    let basic = b64(&format!("{BASIC_USER}:{BASIC_PASS}"));
    let r = get_with(
        &s.gw,
        "/basic/x",
        &format!("Authorization: Basic {basic}\r\nAuthorization: Basic {basic}\r\n"),
    );
    assert_401(&r, "Basic realm=\"ops\"");
    assert_eq!(s.up.request_count(), 0);
}

/// `Bearer` is matched case-insensitively and followed by one or more
/// spaces (RFC 9110 §11.4 `1*SP`); a tab is not a separator.
#[test]
fn bearer_scheme_spelling() {
    let s = setup();
    let t = token(&claims(""));
    for ok in [
        format!("Authorization: Bearer {t}\r\n"),
        format!("Authorization: bearer {t}\r\n"),
        format!("Authorization: BEARER  {t}\r\n"),
    ] {
        let r = get_with(&s.gw, "/jwt/me", &ok);
        assert_eq!(r.status, 200, "{ok:?}: {r:?}");
    }
    let r = get_with(&s.gw, "/jwt/me", &format!("Authorization: Bearer\t{t}\r\n"));
    assert_401(&r, "Bearer");
    assert_eq!(s.up.request_count(), 3);
}

/// Claims become headers only when their text is a valid field value, and
/// numbers keep every digit (a 64-bit id is not rounded through an f64).
#[test]
fn claims_to_headers_forwards_exact_text_and_refuses_control_characters() {
    let s = setup();
    let exp = now_unix() + 600;
    let t = token(&format!(
        "{{\"sub\":12345678901234567891,\"iss\":\"{ISS}\",\"aud\":\"{AUD}\",\"exp\":{exp},\"role\":\"a\\u0001b\"}}"
    ));
    let r = get_with(
        &s.gw,
        "/jwt/me",
        &format!("Authorization: Bearer {t}\r\nX-Role: forged\r\n"),
    );
    // `sub` must be a string (RFC 7519 §4.1.2).
    assert_401(&r, "Bearer error=\"invalid_token\"");
    let t = token(&format!(
        "{{\"sub\":\"7\",\"iss\":\"{ISS}\",\"aud\":\"{AUD}\",\"exp\":{exp},\"role\":\"a\\u0001b\"}}"
    ));
    let r = get_with(
        &s.gw,
        "/jwt/me",
        &format!("Authorization: Bearer {t}\r\nX-Role: forged\r\n"),
    );
    assert_eq!(r.status, 200, "{r:?}");
    s.up.wait_requests(1);
    let rec = s.up.last();
    assert_eq!(rec.header("x-role"), None, "{}", rec.head_str());
    assert!(!rec.head.contains(&1u8), "{}", rec.head_str());

    let t = token(&format!(
        "{{\"sub\":\"7\",\"iss\":\"{ISS}\",\"aud\":\"{AUD}\",\"exp\":{exp},\"role\":12345678901234567891}}"
    ));
    let r = get_with(&s.gw, "/jwt/me", &format!("Authorization: Bearer {t}\r\n"));
    assert_eq!(r.status, 200, "{r:?}");
    s.up.wait_requests(2);
    assert_eq!(s.up.last().header("x-role"), Some("12345678901234567891"));
}

/// `auth api_key query=NAME`: the key is read from the query string, a
/// repeated parameter is refused, and the query goes upstream unchanged
/// (Kong's default: credentials are not hidden from the upstream).
#[test]
fn api_key_in_the_query_string() {
    let up = Upstream::ok();
    let cfg = format!(
        "upstream u {{ server {up}; }}\n\
         route q {{ path /q/*; upstream u; auth api_key query=apikey keys=alice:{key}; }}\n",
        up = up.hostport(),
        key = sha256_hex(ALICE_KEY.as_bytes()),
    );
    let gw = Gateway::start(&cfg);
    let r = get_with(&gw, &format!("/q/x?a=1&apikey={ALICE_KEY}&b=2"), "");
    assert_eq!(r.status, 200, "{r:?}");
    up.wait_requests(1);
    assert_eq!(up.last().target, format!("/q/x?a=1&apikey={ALICE_KEY}&b=2"));
    for bad in [
        format!("/q/x?apikey={ALICE_KEY}&apikey=other"),
        format!("/q/x?apikey=other&apikey={ALICE_KEY}"),
        "/q/x?apikey=%zz".to_string(),
        "/q/x?apikey=wrong".to_string(),
        "/q/x".to_string(),
    ] {
        let r = get_with(&gw, &bad, &format!("X-Api-Key: {ALICE_KEY}\r\n"));
        assert_eq!(r.status, 401, "{bad}: {r:?}");
        r.assert_json_error("unauthorized");
        assert!(r.has_header("www-authenticate"));
    }
    assert_eq!(up.request_count(), 1);
}

/// `auth jwt header=NAME` takes the bare token or `Bearer <token>`, and a
/// `typ` of `at+jwt` (RFC 9068 access tokens) is a JWT too.
#[test]
fn jwt_from_a_custom_header_and_access_token_typ() {
    let up = Upstream::ok();
    let cfg = format!(
        "upstream u {{ server {up}; }}\n\
         route h {{ path /h/*; upstream u; auth jwt secret={SECRET} header=X-Token; }}\n",
        up = up.hostport(),
    );
    let gw = Gateway::start(&cfg);
    let t = token(&format!("{{\"exp\":{}}}", now_unix() + 600));
    for headers in [
        format!("X-Token: {t}\r\n"),
        format!("x-token: Bearer {t}\r\n"),
    ] {
        let r = get_with(&gw, "/h/x", &headers);
        assert_eq!(r.status, 200, "{headers:?}: {r:?}");
    }
    let r = get_with(&gw, "/h/x", &format!("Authorization: Bearer {t}\r\n"));
    assert_401(&r, "Bearer");
    let r = get_with(&gw, "/h/x", &format!("X-Token: {t}\r\nX-Token: {t}\r\n"));
    assert_401(&r, "Bearer error=\"invalid_token\"");

    let b64 = |s: &[u8]| gatelite::crypto::base64::encode_url(s);
    let input = format!(
        "{}.{}",
        b64(br#"{"alg":"HS256","typ":"at+jwt"}"#),
        b64(b"{}")
    );
    let sig = gatelite::crypto::hmac_sha256(SECRET.as_bytes(), input.as_bytes());
    let at_jwt = format!("{input}.{}", b64(&sig));
    let r = get_with(&gw, "/h/x", &format!("X-Token: {at_jwt}\r\n"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(up.request_count(), 3);
}

/// Config errors for auth, each with file:line:col and exit code 1: the
/// algorithm list never contains `none` (in any spelling) and is matched
/// exactly; claims cannot set framing headers or one header twice; a bad
/// htpasswd line names the users file and its line.
#[test]
fn auth_config_errors_are_reported_with_their_place() {
    let dir = TempDir::new("authcfg");
    let users = dir.write(
        "htpasswd",
        &format!("{}\nbroken line\n", htpasswd_line("a", "b")),
    );
    let cases = [
        ("auth jwt secret=s alg=none;", "unknown alg 'none'"),
        ("auth jwt secret=s alg=None;", "unknown alg 'None'"),
        ("auth jwt secret=s alg=HS256,none;", "unknown alg 'none'"),
        ("auth jwt secret=s alg=hs256;", "unknown alg 'hs256'"),
        (
            "auth jwt secret=s; claims_to_headers sub=Content-Length;",
            "cannot set 'Content-Length'",
        ),
        (
            "auth jwt secret=s; claims_to_headers sub=transfer-encoding;",
            "cannot set 'transfer-encoding'",
        ),
        (
            "auth jwt secret=s; claims_to_headers sub=Host;",
            "cannot set 'Host'",
        ),
        (
            "auth jwt secret=s; claims_to_headers sub=X-A role=x-a;",
            "sets 'x-a' twice",
        ),
        ("auth jwt secret=k1:,k2:x;", "secret #1: empty secret"),
        (
            "auth jwt secret=b64:AAEC==;",
            "b64: secret is not base64url",
        ),
    ];
    for (i, (directive, want)) in cases.iter().enumerate() {
        let path = dir.write(
            &format!("c{i}.conf"),
            &format!(
                "listen 127.0.0.1:0;\nroute r {{ path /x; respond 200 \"ok\";\n  {directive}\n}}\n"
            ),
        );
        let (code, out, err) = run_cli(&["check", &path_str(&path)]);
        assert_eq!(code, 1, "{directive}: {out}{err}");
        let place = format!("{}:3:", path_str(&path));
        assert!(err.starts_with(&place), "{directive}: {err}");
        assert!(
            err.contains(want),
            "{directive}: expected {want:?} in {err}"
        );
    }
    // Every hop-by-hop field the proxy strips is also refused as a target.
    for name in gatelite::http::headers::HOP_BY_HOP {
        let path = dir.write(
            &format!("hop-{name}.conf"),
            &format!("listen 127.0.0.1:0;\nroute r {{ path /x; respond 200 \"ok\"; auth jwt secret=s; claims_to_headers sub={name}; }}\n"),
        );
        let (code, _, err) = run_cli(&["check", &path_str(&path)]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(
            err.contains("the gateway manages that header"),
            "{name}: {err}"
        );
    }
    let path = dir.write(
        "basic.conf",
        &format!(
            "listen 127.0.0.1:0;\nroute r {{ path /x; respond 200 \"ok\"; auth basic users={}; }}\n",
            path_str(&users)
        ),
    );
    let (code, _, err) = run_cli(&["check", &path_str(&path)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("{}:2: ", path_str(&users))),
        "the htpasswd line is named: {err}"
    );
}

/// `gatelite jwt sign`: bad input is a usage error (exit 2), and the claims
/// are signed as written (compacted), so large integers keep every digit.
#[test]
fn jwt_sign_usage_errors_and_exact_claims() {
    for bad in [
        &["jwt", "sign", "--secret", "", "{}"][..],
        &["jwt", "sign", "--secret", "s", "--kid", "", "{}"],
        &["jwt", "sign", "--secret", "b64:AAEC=", "{}"],
        &[
            "jwt",
            "sign",
            "--secret",
            "env:GATELITE_TEST_UNSET_SECRET",
            "{}",
        ],
        &["jwt", "sign", "--secret", "s", "--alg", "none", "{}"],
        &["jwt", "sign", "--secret", "s", "--alg", "hs256", "{}"],
        &["jwt", "sign", "--secret", "s", "{\"a\":1,\"a\":2}"],
        &["jwt", "sign", "--secret", "s", "\"text\""],
        &["jwt", "sign", "--secret", "s", "{"],
    ] {
        let (code, out, err) = run_cli(bad);
        assert_eq!(code, 2, "{bad:?}: {out}{err}");
        assert!(out.is_empty(), "{bad:?} printed a token: {out}");
    }
    let t = jwt_sign("s", "HS256", "{ \"id\" : 12345678901234567891 }");
    let payload = t.split('.').nth(1).unwrap();
    let decoded = gatelite::crypto::base64::decode_url(payload.as_bytes()).unwrap();
    assert_eq!(decoded, br#"{"id":12345678901234567891}"#);
}

/// The issue's attack table, over the socket: every row is a 401 with a
/// Bearer `invalid_token` challenge and a JSON reason, and none reaches the
/// upstream; the gateway keeps serving after all of them.
#[test]
fn attack_table_over_the_socket() {
    let s = setup();
    let b64 = |s: &[u8]| gatelite::crypto::base64::encode_url(s);
    let payload = b64(claims("").as_bytes());
    let good = token(&claims(""));
    let mut parts = good.split('.');
    let (h, p, sig) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let unsigned = |header: &str| format!("{}.{payload}.", b64(header.as_bytes()));
    let signed_header = |header: &str| {
        let input = format!("{}.{payload}", b64(header.as_bytes()));
        let tag = gatelite::crypto::hmac_sha256(SECRET.as_bytes(), input.as_bytes());
        format!("{input}.{}", b64(&tag))
    };
    let rows: Vec<(&str, String, &str)> = vec![
        ("alg none", unsigned(r#"{"alg":"none"}"#), "algorithm"),
        ("alg None", unsigned(r#"{"alg":"None"}"#), "algorithm"),
        ("alg NONE", unsigned(r#"{"alg":"NONE"}"#), "algorithm"),
        (
            "alg none, good sig",
            format!("{}.{p}.{sig}", b64(br#"{"alg":"none"}"#)),
            "algorithm",
        ),
        ("missing signature", format!("{h}.{p}"), "malformed"),
        ("empty signature", format!("{h}.{p}."), "signature"),
        (
            "another key",
            jwt_sign("not-the-secret", "HS256", &claims("")),
            "signature",
        ),
        (
            "HS512 only HS256 allowed",
            jwt_sign(SECRET, "HS512", &claims("")),
            "algorithm",
        ),
        ("four segments", format!("{good}.{sig}"), "malformed"),
        ("padded base64url", format!("{h}.{p}.{sig}="), "malformed"),
        (
            "std alphabet",
            format!("{h}.{p}.+{}", &sig[1..]),
            "malformed",
        ),
        (
            "bad JSON header",
            format!("{}.{p}.{sig}", b64(b"{\"alg\":")),
            "malformed",
        ),
        (
            "unknown crit",
            signed_header(r#"{"alg":"HS256","crit":["x"],"x":1}"#),
            "critical",
        ),
        (
            "expired",
            token(&format!(
                "{{\"iss\":\"{ISS}\",\"aud\":\"{AUD}\",\"exp\":{}}}",
                now_unix() - 5
            )),
            "expired",
        ),
        (
            "not yet valid",
            token(&format!(
                "{{\"iss\":\"{ISS}\",\"aud\":\"{AUD}\",\"nbf\":{}}}",
                now_unix() + 600
            )),
            "not yet valid",
        ),
        (
            "wrong iss",
            token(&format!("{{\"iss\":\"x\",\"aud\":\"{AUD}\"}}")),
            "issuer",
        ),
        (
            "wrong aud",
            token(&format!("{{\"iss\":\"{ISS}\",\"aud\":[\"x\"]}}")),
            "audience",
        ),
        (
            "10 KB token",
            format!("{h}.{}.{sig}", "A".repeat(10_000)),
            "too large",
        ),
    ];
    for (what, t, reason) in rows {
        let r = get_with(&s.gw, "/jwt/me", &format!("Authorization: Bearer {t}\r\n"));
        assert_401(&r, "Bearer error=\"invalid_token\", error_description=\"");
        assert!(r.text().contains(reason), "{what}: {}", r.text());
    }
    let r = get_with(
        &s.gw,
        "/jwt/me",
        &format!("Authorization: Bearer {good}\r\n"),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(s.up.request_count(), 1);
}
