//! The command line of DESIGN.md §5 through the binary: `check`, `route`,
//! `jwt sign`, `--version`, and the exit codes 0 / 1 / 2 / 3.

mod support;

use std::net::TcpListener;
use support::*;

const GOOD: &str = "listen 127.0.0.1:0;\n\
    upstream users { server 127.0.0.1:9; }\n\
    route user {\n\
        path /users/{id};\n\
        methods GET PUT;\n\
        upstream users;\n\
        rewrite /v2/users/{id};\n\
    }\n\
    route hello { path /hello; respond 200 \"hi\"; }\n";

#[test]
fn check_ok() {
    let dir = TempDir::new("cli");
    let f = dir.write("good.conf", GOOD);
    let (code, out, err) = run_cli(&["check", &path_str(&f)]);
    assert_eq!((code, out.trim()), (0, "ok"), "stderr: {err}");
}

/// Runs `check` on `text`; asserts exit 1 and an error at `line:col`.
fn check_error(text: &str, line: usize, col: usize, needle: &str) {
    let dir = TempDir::new("cli");
    let f = dir.write("bad.conf", text);
    let file = path_str(&f);
    let (code, out, err) = run_cli(&["check", &file]);
    assert_eq!(code, 1, "stdout: {out} stderr: {err}");
    assert!(!out.contains("ok"), "{out}");
    let prefix = format!("{file}:{line}:{col}: ");
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&prefix),
        "expected {prefix:?}..., got {err:?}"
    );
    assert!(
        first.contains(needle),
        "{first:?} should mention {needle:?}"
    );
}

#[test]
fn check_unknown_directive() {
    check_error(
        "listen 127.0.0.1:0;\nroute r {\n    path /x;\n    bogus 1;\n    respond 200 \"x\";\n}\n",
        4,
        5,
        "bogus",
    );
    check_error(
        "listen 127.0.0.1:0;\n  frobnicate on;\n",
        2,
        3,
        "frobnicate",
    );
}

#[test]
fn check_bad_values() {
    check_error("workers abc;\n", 1, 9, "abc");
    check_error("listen 127.0.0.1:0;\nlimits body=10q;\n", 2, 13, "10q");
    check_error(
        "listen 127.0.0.1:0;\ntimeouts header=soon;\n",
        2,
        17,
        "soon",
    );
}

#[test]
fn check_unknown_upstream_reference() {
    check_error(
        "listen 127.0.0.1:0;\nroute r {\n  path /x;\n  upstream nowhere;\n}\n",
        4,
        12,
        "nowhere",
    );
}

#[test]
fn check_missing_file_is_a_config_error() {
    let dir = TempDir::new("cli");
    let f = path_str(&dir.path.join("absent.conf"));
    let (code, _, err) = run_cli(&["check", &f]);
    assert_eq!(code, 1);
    assert!(err.starts_with(&format!("{f}:1:1: ")), "{err}");
}

#[test]
fn route_explains_the_match() {
    let dir = TempDir::new("cli");
    let f = path_str(&dir.write("good.conf", GOOD));
    let (code, out, err) = run_cli(&["route", &f, "GET", "/users/42?x=1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("route: user"), "{out}");
    assert!(out.contains("id=42"), "{out}");
    assert!(out.contains("/v2/users/42?x=1"), "{out}");

    let (code, out, _) = run_cli(&["route", &f, "GET", "/hello", "example.com"]);
    assert_eq!(code, 0);
    assert!(out.contains("route: hello"), "{out}");

    let (code, out, _) = run_cli(&["route", &f, "GET", "/nowhere"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("404"), "{out}");

    let (code, out, _) = run_cli(&["route", &f, "DELETE", "/users/1"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("405"), "{out}");
    assert!(out.contains("GET") && out.contains("PUT"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["--nope"],
        &["check"],
        &["check", "a.conf", "b.conf"],
        &["route", "a.conf", "GET"],
        &["jwt", "sign", "{}"],
        &["jwt", "sign", "--secret"],
        &["jwt", "sign", "--secret", "s", "--alg", "RS256", "{}"],
        &["jwt", "sign", "--secret", "s", "[1,2]"],
    ] {
        let (code, out, err) = run_cli(args);
        assert_eq!(code, 2, "{args:?}: stdout {out} stderr {err}");
        assert!(err.contains("gatelite"), "{args:?}: {err}");
    }
}

#[test]
fn version_and_help_exit_0() {
    let (code, out, _) = run_cli(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("gatelite "), "{out}");
    assert!(out.trim().len() > "gatelite ".len());
    let (code, out, _) = run_cli(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("check"), "{out}");
}

#[test]
fn jwt_sign_mints_a_three_part_token() {
    let t = jwt_sign("s", "HS256", "{\"sub\":\"42\"}");
    let parts: Vec<&str> = t.split('.').collect();
    assert_eq!(parts.len(), 3, "{t}");
    let payload = gatelite::crypto::base64::decode_url(parts[1].as_bytes()).unwrap();
    assert_eq!(payload, b"{\"sub\":\"42\"}");
    // Deterministic: HMAC, no randomness.
    assert_eq!(t, jwt_sign("s", "HS256", "{\"sub\":\"42\"}"));
}

#[test]
fn run_with_a_bad_config_exits_1_and_a_busy_port_exits_3() {
    let dir = TempDir::new("cli");
    let bad = path_str(&dir.write("bad.conf", "listen 127.0.0.1:0;\nnope;\n"));
    let (code, _, err) = run_cli(&[&bad]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(":2:1:"), "{err}");

    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let conf = path_str(&dir.write(
        "busy.conf",
        &format!("listen 127.0.0.1:{port};\nroute r {{ path /; respond 200 \"x\"; }}\n"),
    ));
    let (code, _, err) = run_cli(&["run", &conf]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&port.to_string()), "{err}");
}
