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

/// Runs `check` on raw bytes; returns (exit code, stdout, stderr lines, file).
fn check_bytes(bytes: &[u8]) -> (i32, String, Vec<String>, String) {
    let dir = TempDir::new("cli");
    let f = dir.path.join("raw.conf");
    std::fs::write(&f, bytes).unwrap();
    let file = path_str(&f);
    let (code, out, err) = run_cli(&["check", &file]);
    (code, out, err.lines().map(str::to_string).collect(), file)
}

#[test]
fn check_refuses_every_planned_directive_and_reports_them_all() {
    let text = "listen 127.0.0.1:0;\n\
        access_log stdout combined;\n\
        limits header=16k tunnels=256;\n\
        upstream u {\n\
        \x20   server 127.0.0.1:9;\n\
        \x20   balance round_robin;\n\
        }\n\
        route r {\n\
        \x20   path /x;\n\
        \x20   upstream u;\n\
        \x20   rate_limit token_bucket rate=10/s burst=20 key=ip;\n\
        \x20   rate_limt token_bucket rate=10/s;\n\
        }\n";
    let (code, out, err, file) = check_bytes(text.as_bytes());
    assert_eq!((code, out.as_str()), (1, ""), "{err:?}");
    let want = [
        (2, 1, "'access_log' is not supported yet"),
        (3, 19, "option 'tunnels' of 'limits' is not supported yet"),
        (6, 5, "'balance' is not supported yet"),
        (11, 5, "'rate_limit' is not supported yet"),
        (12, 5, "did you mean 'rate_limit'?"),
    ];
    assert_eq!(err.len(), want.len(), "{err:#?}");
    for ((line, col, needle), got) in want.iter().zip(&err) {
        assert!(
            got.starts_with(&format!("{file}:{line}:{col}: ")) && got.contains(needle),
            "want {line}:{col} {needle:?}, got {got:?}"
        );
    }
}

#[test]
fn check_reads_crlf_tabs_bom_and_quoted_option_values() {
    let dir = TempDir::new("cli");
    let hash = gatelite::crypto::base64::encode(&gatelite::crypto::sha256(b"pw"));
    let users = path_str(&dir.write("htpasswd", &format!("ops:{{SHA256}}{hash}\n")));
    let text = format!(
        "{bom}listen 127.0.0.1:0;\r\n\tworkers 2;\r\n\
         route r {{\r\n\tpath /x;\t# a comment \"with quotes\"\r\n\
         \trespond 200 \"a#b \\\"q\\\"\\n\";\r\n\
         \tauth basic realm=\"Ops team\" users={users};\r\n}}\r\n",
        bom = "\u{feff}"
    );
    let f = path_str(&dir.write("crlf.conf", &text));
    let (code, out, err) = run_cli(&["check", &f]);
    assert_eq!((code, out.trim()), (0, "ok"), "{err}");

    let (code, _, err, file) = check_bytes(b"listen 127.0.0.1:0;\r\n\tworkers 0;\r\n");
    assert_eq!(code, 1);
    assert!(err[0].starts_with(&format!("{file}:2:10: ")), "{err:?}");
}

#[test]
fn check_names_the_place_of_bad_bytes() {
    let (code, out, err, file) = check_bytes(b"listen 127.0.0.1:0;\n# caf\xe9\n");
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        [format!(
            "{file}:2:6: byte 0xe9 is not UTF-8: expected UTF-8 text"
        )]
    );

    let (code, _, err, file) = check_bytes(b"listen 127.0.0.1:0;\nworkers\x00 2;\n");
    assert_eq!(code, 1);
    assert!(
        err[0].starts_with(&format!("{file}:2:8: unexpected control character U+0000")),
        "{err:?}"
    );
    // A big binary-ish file: one short error, not megabytes of echo.
    let (code, _, err, _) = check_bytes(&vec![0u8; 3 << 20]);
    assert_eq!(code, 1);
    assert_eq!(err.len(), 1);
    assert!(err[0].len() < 200, "{}", err[0].len());
}

#[test]
fn check_a_directory_or_an_oversized_file_is_a_config_error() {
    let dir = TempDir::new("cli");
    let d = path_str(&dir.path);
    let (code, _, err) = run_cli(&["check", &d]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!("{d}:1:1: ")) && err.contains("directory"),
        "{err}"
    );

    let (code, _, err, file) = check_bytes(&vec![b'#'; 5 << 20]);
    assert_eq!(code, 1);
    assert!(
        err[0].starts_with(&format!("{file}:1:1: config file is larger than")),
        "{err:?}"
    );
}

#[test]
fn check_values_out_of_range() {
    for (text, line, col, needle) in [
        (
            "listen 127.0.0.1:0;\ntimeouts idle=5000000000000000h;\n",
            2,
            15,
            "too large",
        ),
        ("listen 127.0.0.1:0;\nqueue 0;\n", 2, 7, "from 1"),
        (
            "listen 127.0.0.1:0;\nlimits body=99999999999g;\n",
            2,
            13,
            "too large",
        ),
        ("listen 127.0.0.1:65536;\n", 1, 8, "127.0.0.1:65536"),
        (
            "listen env:GATELITE_SURELY_UNSET_VAR;\n",
            1,
            8,
            "GATELITE_SURELY_UNSET_VAR is not set",
        ),
        (
            "listen 127.0.0.1:0;\nupstream u { server 127.0.0.1:0; }\n",
            2,
            21,
            "port",
        ),
        (
            "listen 127.0.0.1:0;\nlisten [::1]:8080;\nlisten [::1]:8080;\n",
            3,
            8,
            "twice",
        ),
        (
            "listen 127.0.0.1:0;\nroute r { path /x; respond 200 \"unterminated;\n}\n",
            2,
            32,
            "not closed",
        ),
        ("listen 127.0.0.1:0;\n}\n", 2, 1, "no block is open"),
    ] {
        check_error(text, line, col, needle);
    }
}

#[test]
fn unknown_commands_and_misplaced_options_exit_2() {
    for args in [
        &["chekc"][..],
        &["jwt"],
        &["jwt", "verify", "x"],
        &["check", "--help"],
        &["route", "-c", "GET", "/"],
        &["--version", "extra"],
        &["jwt", "sign", "--secret", "a", "--secret", "b", "{}"],
    ] {
        let (code, out, err) = run_cli(args);
        assert_eq!(code, 2, "{args:?}: stdout {out} stderr {err}");
        assert!(
            err.starts_with("gatelite: ") && err.contains("usage:"),
            "{args:?}: {err}"
        );
        assert!(out.is_empty(), "{args:?}: {out}");
    }
    // A file name that does not exist is still a config error, exit 1.
    let (code, _, err) = run_cli(&["missing-file.conf"]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn jwt_sign_takes_options_as_name_equals_value() {
    let (code, out, err) = run_cli(&[
        "jwt",
        "sign",
        "--secret=s",
        "--alg=HS256",
        "{\"sub\":\"42\"}",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), jwt_sign("s", "HS256", "{\"sub\":\"42\"}"));
}

/// The example config is the newcomer's first file: it must pass `check`
/// with no environment set up, and show every implemented directive and
/// form (those needing a secret or a file commented out).
#[test]
fn the_example_config_passes_check_and_shows_every_directive() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/gateway.conf.example");
    let out = std::process::Command::new(bin())
        .args(["check", example])
        .env_remove("JWT_SECRET")
        .env_remove("API_KEYS")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    let text = std::fs::read_to_string(example).unwrap();
    for shown in [
        "listen ",
        "workers ",
        "queue ",
        "timeouts header=",
        "limits header=",
        "upstream ",
        "server ",
        "weight=",
        "keepalive ",
        "timeouts connect=",
        "route ",
        "path /",
        "path ~ ",
        "/{id}",
        "/*;",
        "host ",
        "methods ",
        "priority ",
        "respond ",
        "strip_prefix ",
        "rewrite ",
        "auth jwt ",
        "auth api_key ",
        "auth basic ",
        "claims_to_headers ",
    ] {
        assert!(
            text.contains(shown),
            "gateway.conf.example does not show {shown:?}"
        );
    }
}

#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"\xff.conf");
    let out = std::process::Command::new(bin())
        .arg("check")
        .arg(bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("gatelite: argument") && err.contains("not UTF-8"),
        "{err}"
    );
}
