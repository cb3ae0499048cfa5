//! Routing through the real binary (DESIGN.md §4): 404/405, hosts, the kind
//! order, path normalisation and rewrites as the upstream sees them.

mod support;

use support::*;

fn get(gw: &Gateway, path: &str, host: &str) -> Resp {
    gw.request(&format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"))
}

/// Sends each `(sent, seen)` target in turn and checks the upstream got
/// `seen` (the upstream must have seen no request before).
fn assert_upstream_sees(gw: &Gateway, up: &Upstream, cases: &[(&str, &str)]) {
    for (i, (sent, seen)) in cases.iter().enumerate() {
        let r = get(gw, sent, "t");
        assert_eq!(r.status, 200, "{sent}: {r:?}");
        up.wait_requests(i + 1);
        assert_eq!(up.last().target, *seen, "sent {sent}");
    }
}

#[test]
fn no_route_is_404_json() {
    let gw = Gateway::start("route r { path /only; respond 200 \"only\"; }\n");
    let r = get(&gw, "/other", "t");
    assert_eq!(r.status, 404);
    r.assert_json_error("not_found");
    assert!(r.text().contains(r.header("x-request-id").unwrap()));
    // The connection stays usable after a 404.
    let mut c = gw.connect();
    c.send(b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /only HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(c.read_response(false).status, 404);
    assert_eq!(c.read_response(false).text(), "only");
}

#[test]
fn wrong_method_is_405_with_allow() {
    let gw = Gateway::start("route r { path /m; methods GET POST; respond 200 \"m\"; }\n");
    let r = gw.request("DELETE /m HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(r.status, 405);
    r.assert_json_error("method_not_allowed");
    let allow = r.header("allow").expect("Allow header");
    let mut methods: Vec<&str> = allow.split(',').map(str::trim).collect();
    methods.sort();
    assert!(
        methods.contains(&"GET") && methods.contains(&"POST"),
        "{allow}"
    );
    assert!(!methods.contains(&"DELETE"));
    assert_eq!(get(&gw, "/m", "t").status, 200);
}

#[test]
fn host_matching_with_wildcards() {
    let gw = Gateway::start(
        "route wild { path /h; host *.example.com; respond 200 \"wild\"; }\n\
         route api { path /h; host api.example.com; respond 200 \"api\"; }\n\
         route any { path /other; respond 200 \"any\"; }\n",
    );
    assert_eq!(get(&gw, "/h", "api.example.com").text(), "api");
    assert_eq!(get(&gw, "/h", "API.Example.COM:8080").text(), "api");
    assert_eq!(get(&gw, "/h", "x.example.com").text(), "wild");
    assert_eq!(get(&gw, "/h", "a.b.example.com").text(), "wild");
    assert_eq!(get(&gw, "/h", "example.com").status, 404);
    assert_eq!(get(&gw, "/h", "evil-example.com").status, 404);
    assert_eq!(get(&gw, "/h", "example.com.evil.net").status, 404);
    // A route without `host` matches any host.
    assert_eq!(get(&gw, "/other", "whatever.org").text(), "any");
}

#[test]
fn kind_order_exact_param_prefix_regex() {
    // Written in the reverse order on purpose: the kind decides, not the file.
    let gw = Gateway::start(
        "route regex { path ~ ^/users; respond 200 \"regex\"; }\n\
         route prefix { path /users/*; respond 200 \"prefix\"; }\n\
         route longer { path /users/admin/*; respond 200 \"longer-prefix\"; }\n\
         route param { path /users/{id}; respond 200 \"param\"; }\n\
         route exact { path /users/me; respond 200 \"exact\"; }\n\
         route onlyregex { path ~ ^/v[0-9]+/things$; respond 200 \"only-regex\"; }\n",
    );
    assert_eq!(get(&gw, "/users/me", "t").text(), "exact");
    assert_eq!(get(&gw, "/users/42", "t").text(), "param");
    assert_eq!(get(&gw, "/users/42/posts", "t").text(), "prefix");
    assert_eq!(get(&gw, "/users/admin/x", "t").text(), "longer-prefix");
    assert_eq!(get(&gw, "/usersx", "t").text(), "regex");
    assert_eq!(get(&gw, "/v2/things", "t").text(), "only-regex");
    assert_eq!(get(&gw, "/v2/things/x", "t").status, 404);
}

fn proxy_all() -> (Upstream, Gateway) {
    let up = Upstream::ok();
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    (up, gw)
}

#[test]
fn normalised_paths_are_what_the_upstream_sees() {
    let (up, gw) = proxy_all();
    let cases = [
        ("/a/%2e%2e/b", "/b"),
        ("/a/%2E%2E/b", "/b"),
        ("/a/./b/../c", "/a/c"),
        ("//x", "/x"),
        ("/x//y///z", "/x/y/z"),
        ("/%41%7e", "/A~"),
        ("/a%2fb", "/a%2Fb"),
        ("/q?a=../..&b=//x&c=%2e", "/q?a=../..&b=//x&c=%2e"),
    ];
    assert_upstream_sees(&gw, &up, &cases);
}

#[test]
fn paths_above_the_root_are_400_and_not_forwarded() {
    let (up, gw) = proxy_all();
    for bad in ["/../etc/passwd", "/a/../../etc", "/%2e%2e/etc"] {
        let r = get(&gw, bad, "t");
        assert_eq!(r.status, 400, "{bad}: {r:?}");
        r.assert_json_error("bad_request");
        assert_eq!(r.header("connection"), Some("close"), "{bad}");
    }
    // Nothing after a bad request is read as another request (DESIGN §8).
    let mut c = gw.connect();
    c.send(b"GET /../x HTTP/1.1\r\nHost: t\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(c.read_response(false).status, 400);
    assert!(
        c.try_read_response(false).is_err(),
        "a request after the 400 was served"
    );
    assert_eq!(up.request_count(), 0);
}

#[test]
fn dot_segments_cannot_slip_past_a_route() {
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "upstream u {{ server {}; }}\n\
         route admin {{ path /admin/*; respond 403 \"admin is closed\"; }}\n\
         route public {{ path /public/*; upstream u; }}\n",
        up.hostport()
    ));
    for sneaky in [
        "/public/../admin/x",
        "/public/%2e%2e/admin/x",
        "/public/%2E%2e/admin/x",
        "//admin/x",
        "/public/./../admin/x",
    ] {
        let r = get(&gw, sneaky, "t");
        assert_eq!(
            (r.status, r.text().as_str()),
            (403, "admin is closed"),
            "{sneaky}"
        );
    }
    assert_eq!(up.request_count(), 0);
}

#[test]
fn rewrite_strip_prefix_and_query_as_the_upstream_sees_them() {
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "upstream u {{ server {}; }}\n\
         route users {{ path /users/{{id}}; upstream u; rewrite /v2/users/{{id}}/profile; }}\n\
         route old {{ path ~ ^/old/([a-z]+)/([0-9]+)$; upstream u; rewrite /new/$2/$1; }}\n\
         route api {{ path /api/*; upstream u; strip_prefix /api; }}\n",
        up.hostport()
    ));
    let cases = [
        ("/users/42?x=1&y=%20z", "/v2/users/42/profile?x=1&y=%20z"),
        ("/old/abc/12?q", "/new/12/abc?q"),
        ("/api/items/3?z=1&z=2", "/items/3?z=1&z=2"),
        ("/api/a/%2e%2e/b", "/b"),
    ];
    assert_upstream_sees(&gw, &up, &cases);
}

#[test]
fn absolute_form_target_is_routed_by_its_path() {
    let (up, gw) = proxy_all();
    let r = get(&gw, "http://t/abs/path?x=1", "t");
    assert_eq!(r.status, 200, "{r:?}");
    up.wait_requests(1);
    assert_eq!(up.last().target, "/abs/path?x=1");
}

#[test]
fn absolute_form_authority_decides_the_host() {
    // RFC 9112 §3.2.2: with an absolute-form target the server MUST ignore
    // Host and use the target's authority. Routing on Host instead lets the
    // two disagree about which virtual host a request is for.
    let gw = Gateway::start(
        "route api { path /h; host api.example.com; respond 200 \"api\"; }\n\
         route other { path /h; host other.example.com; respond 200 \"other\"; }\n",
    );
    let r = get(&gw, "http://api.example.com/h", "other.example.com");
    assert_eq!((r.status, r.text().as_str()), (200, "api"), "{r:?}");
}

/// Runs `gatelite check` on `config`; returns (exit code, stdout, stderr, file name).
fn check(config: &str) -> (i32, String, String, String) {
    let dir = TempDir::new("routing-check");
    let file = path_str(&dir.write("g.conf", config));
    let (code, out, err) = run_cli(&["check", &file]);
    (code, out, err, file)
}

/// `check` fails with its first error at `line:col` mentioning `needle`.
fn assert_check_error(config: &str, line: usize, col: usize, needle: &str) {
    let (code, out, err, file) = check(config);
    assert_eq!(code, 1, "stdout: {out} stderr: {err}");
    let first = err.lines().next().unwrap_or("");
    let prefix = format!("{file}:{line}:{col}: ");
    assert!(first.starts_with(&prefix), "want {prefix:?}, got {err:?}");
    assert!(
        first.contains(needle),
        "{first:?} should mention {needle:?}"
    );
}

#[test]
fn bad_patterns_point_at_the_fault_inside_the_pattern() {
    let l = "listen 127.0.0.1:0;\n";
    // `route r { path ~ ` is 17 columns: the pattern starts at 18.
    assert_check_error(
        &format!("{l}route r {{ path ~ ^/v(\\d+; respond 200; }}\n"),
        2,
        21,
        "never closed",
    );
    // Quoted, the pattern starts after the quote.
    assert_check_error(
        &format!("{l}route r {{ path ~ \"^/v{{2}}(\"; respond 200; }}\n"),
        2,
        25,
        "never closed",
    );
    assert_check_error(
        &format!("{l}route r {{ path ~ [z-a]; respond 200; }}\n"),
        2,
        19,
        "bad range",
    );
    // A repeat of a repeat is refused where the second one starts...
    assert_check_error(
        &format!("{l}route r {{ path ~ ^/a{{1000}}{{1000}}; respond 200; }}\n"),
        2,
        27,
        "repeat",
    );
    // ...and a counted repeat that would make a huge program, at its operator.
    assert_check_error(
        &format!("{l}route r {{ path ~ ^/(a{{1000}}){{1000}}; respond 200; }}\n"),
        2,
        29,
        "instructions",
    );
    assert_check_error(
        &format!("{l}route r {{ path \"/a/{{x}}/{{x}}\"; respond 200; }}\n"),
        2,
        24,
        "duplicate",
    );
    assert_check_error(
        &format!("{l}route r {{ path /a; host \"api.example.com:80\"; respond 200; }}\n"),
        2,
        41,
        "ports",
    );
    assert_check_error(
        &format!("{l}route r {{ path /a/{{id}}; respond 200; rewrite \"/b/{{nope}}\"; }}\n"),
        2,
        50,
        "unknown parameter",
    );
}

#[test]
fn ties_and_unreachable_routes_name_both_lines() {
    let l = "listen 127.0.0.1:0;\n";
    let (code, _, err, _) = check(&format!(
        "{l}route a {{ path /x/{{id}}; respond 200; }}\n\
         route b {{ path /x/{{name}}; respond 200; }}\n"
    ));
    assert_eq!(code, 1);
    assert!(
        err.contains(":3:1: route `b` (line 3) ties with route `a` (line 2)"),
        "{err}"
    );

    // A regex that can only match under a prefix never gets a request.
    let (code, _, err, _) = check(&format!(
        "{l}route api {{ path /api/*; respond 200; }}\n\
         route v {{ path ~ ^/api/v[0-9]+/; respond 200; }}\n"
    ));
    assert_eq!(code, 1);
    assert!(
        err.contains(":3:1: route `v` (line 3) can never match: route `api` (line 2)"),
        "{err}"
    );

    // A higher-priority prefix hides a longer one.
    let (code, _, err, _) = check(&format!(
        "{l}route all {{ path /api/*; priority 5; respond 200; }}\n\
         route v1 {{ path /api/v1/*; respond 200; }}\n"
    ));
    assert_eq!(code, 1);
    assert!(
        err.contains("route `v1` (line 3) can never match: route `all` (line 2)"),
        "{err}"
    );
}

#[test]
fn a_rewrite_with_its_own_query_keeps_the_clients_after_it() {
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "upstream u {{ server {}; }}\n\
         route v {{ path ~ ^/v(\\d+)/(.*)$; upstream u; rewrite /api/$2?version=$1; }}\n\
         route o {{ path ~ ^/o(/.*)?$; upstream u; rewrite /new/$1/end; }}\n",
        up.hostport()
    ));
    let cases = [
        ("/v2/items?x=1&y=%2e", "/api/items?version=2&x=1&y=%2e"),
        ("/v3/a/b", "/api/a/b?version=3"),
        // An empty group leaves no `//` for the upstream: it gets a normalised path.
        ("/o", "/new/end"),
        ("/o/deep/er?q", "/new/deep/er/end?q"),
    ];
    assert_upstream_sees(&gw, &up, &cases);
}

#[test]
fn head_rides_on_get_and_allow_lists_it() {
    let gw = Gateway::start(
        "route r { path /g; methods GET; respond 200 \"body\"; }\n\
         route w { path /g; methods POST; respond 201 \"made\"; }\n",
    );
    let mut c = gw.connect();
    c.send(b"HEAD /g HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.read_response(true);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("content-length"), Some("4"));
    let r = gw.request("PUT /g HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST"));
}

#[test]
fn a_pathological_regex_answers_at_once() {
    // `^(a+)+$` against a run of `a`s ending in `b` takes exponential time in
    // a backtracking engine; here it is one linear pass.
    let gw = Gateway::start(
        "limits header=64k uri=64k;\n\
         route r { path ~ ^/(a+)+$; respond 200 \"as\"; }\n",
    );
    let long = format!("/{}b", "a".repeat(30_000));
    let started = std::time::Instant::now();
    assert_eq!(get(&gw, &long, "t").status, 404);
    // Generous: a backtracker would not finish this side of the heat death.
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(get(&gw, &long[..long.len() - 1], "t").text(), "as");
}

#[test]
fn route_command_shows_captures_rewrite_and_why_nothing_matched() {
    let dir = TempDir::new("routing-cli");
    let conf = path_str(&dir.write(
        "g.conf",
        "listen 127.0.0.1:0;\n\
         upstream u { server 127.0.0.1:9; }\n\
         route v { path ~ ^/v(\\d+)/(.*)$; upstream u; rewrite /api/$2?version=$1; }\n\
         route h { path /h; host api.example.com; respond 200 \"h\"; }\n",
    ));
    let (code, out, err) = run_cli(&["route", &conf, "GET", "/v2/a/../b?x=1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("route: v"), "{out}");
    assert!(out.contains("$1=2 $2=b"), "{out}");
    assert!(out.contains("/api/b?version=2&x=1"), "{out}");

    let (code, out, _) = run_cli(&["route", &conf, "GET", "/h", "other.org"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("404"), "{out}");
    assert!(out.contains("api.example.com"), "{out}");
    let (_, out, _) = run_cli(&["route", &conf, "GET", "/h", "API.example.com:8080"]);
    assert!(out.contains("route: h"), "{out}");
    let (_, out, _) = run_cli(&["route", &conf, "GET", "/../h"]);
    assert!(out.starts_with("400"), "{out}");
}
