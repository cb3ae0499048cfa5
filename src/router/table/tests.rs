//! Route table tests: each kind, precedence, hosts, 405 allow lists, conflicts.

use super::*;

/// A route: (name, path words, host, methods, priority). `~ re` is a regex.
fn def(
    name: &str,
    path: &str,
    host: Option<&str>,
    methods: &[&str],
    priority: Option<i64>,
) -> RouteDef {
    let (text, is_regex) = match path.strip_prefix("~ ") {
        Some(re) => (re, true),
        None => (path, false),
    };
    RouteDef {
        name: name.into(),
        path: PathPattern::parse(text, is_regex).unwrap(),
        host: host.map(|h| HostPattern::parse(h).unwrap()),
        methods: if methods.is_empty() {
            None
        } else {
            Some(methods.iter().map(|m| m.to_string()).collect())
        },
        priority,
        line: 0,
    }
}

fn r(name: &str, path: &str) -> RouteDef {
    def(name, path, None, &[], None)
}

fn table(mut defs: Vec<RouteDef>) -> RouteTable {
    for (i, d) in defs.iter_mut().enumerate() {
        d.line = 10 * (i + 1);
    }
    RouteTable::build(defs).unwrap_or_else(|e| panic!("{e:?}"))
}

fn errors(mut defs: Vec<RouteDef>) -> Vec<TableError> {
    for (i, d) in defs.iter_mut().enumerate() {
        d.line = 10 * (i + 1);
    }
    RouteTable::build(defs).unwrap_err()
}

/// The name of the route found, or "404" / "405 A,B".
fn who(t: &RouteTable, method: &str, host: Option<&str>, path: &str) -> String {
    match t.find(method, host, path) {
        RouteMatch::Found { route, .. } => t.def(route).unwrap().name.clone(),
        RouteMatch::NotFound => "404".into(),
        RouteMatch::MethodNotAllowed { allow } => format!("405 {}", allow.join(",")),
    }
}

#[test]
fn each_kind_matches() {
    let t = table(vec![
        r("exact", "/health"),
        r("slash", "/dir/"),
        r("param", "/users/{id}/posts/{post}"),
        r("prefix", "/static/*"),
        r("regex", r"~ ^/v(\d+)/(.*)$"),
    ]);
    assert_eq!(who(&t, "GET", None, "/health"), "exact");
    assert_eq!(who(&t, "GET", None, "/health/"), "404");
    assert_eq!(who(&t, "GET", None, "/dir/"), "slash");
    assert_eq!(who(&t, "GET", None, "/dir"), "404");
    assert_eq!(who(&t, "GET", None, "/static"), "prefix");
    assert_eq!(who(&t, "GET", None, "/static/"), "prefix");
    assert_eq!(who(&t, "GET", None, "/static/a/b.css"), "prefix");
    assert_eq!(who(&t, "GET", None, "/staticx"), "404");
    assert_eq!(who(&t, "GET", None, "/users/42/posts"), "404");
    assert_eq!(who(&t, "GET", None, "/users/42/posts/"), "404");
    assert_eq!(who(&t, "GET", None, "/users//posts/x"), "404");
    assert_eq!(who(&t, "GET", None, "/nope"), "404");
    assert_eq!(who(&t, "GET", None, "relative"), "404");

    assert_eq!(
        t.find("GET", None, "/users/42/posts/hello"),
        RouteMatch::Found {
            route: 2,
            params: vec![("id".into(), "42".into()), ("post".into(), "hello".into())],
            captures: vec![],
        }
    );
    assert_eq!(
        t.find("GET", None, "/v2/a/b"),
        RouteMatch::Found {
            route: 4,
            params: vec![],
            captures: vec![Some("/v2/a/b".into()), Some("2".into()), Some("a/b".into())],
        }
    );
}

#[test]
fn kind_order_without_priority() {
    let t = table(vec![
        r("regex", "~ ^/a"),
        def("all", "/*", None, &["GET"], None), // GET only: the regex stays reachable for POST
        r("a-prefix", "/a/*"),
        r("ab-prefix", "/a/b/*"),
        r("param", "/a/{x}"),
        r("exact", "/a/b"),
    ]);
    assert_eq!(who(&t, "GET", None, "/a/b"), "exact");
    assert_eq!(who(&t, "GET", None, "/a/c"), "param");
    assert_eq!(who(&t, "GET", None, "/a/b/c"), "ab-prefix");
    assert_eq!(who(&t, "GET", None, "/a/c/d"), "a-prefix");
    assert_eq!(who(&t, "GET", None, "/ax"), "all");
    let names: Vec<String> = t
        .routes_in_match_order()
        .iter()
        .map(|&i| t.def(i).unwrap().name.clone())
        .collect();
    assert_eq!(
        names,
        ["exact", "param", "ab-prefix", "a-prefix", "all", "regex"]
    );
}

#[test]
fn regexes_keep_file_order() {
    // (`^/a` alone would hide `^/ab`: a config error, see below.)
    let t = table(vec![
        r("first", "~ ^/a[b-z]"),
        r("second", "~ ^/ab"),
        r("x", "/x"),
    ]);
    assert_eq!(who(&t, "GET", None, "/abc"), "first");
    assert_eq!(who(&t, "GET", None, "/x"), "x");
}

#[test]
fn literal_segment_beats_param_at_the_first_difference() {
    let t = table(vec![
        r("yb", "/{y}/b"),
        r("ax", "/a/{x}"),
        r("me", "/u/me/{x}"),
        r("id", "/u/{id}/{x}"),
        r("deep", "/d/{a}/{b}/c"),
        r("deep2", "/d/{a}/x/{c}"),
    ]);
    assert_eq!(who(&t, "GET", None, "/a/b"), "ax");
    assert_eq!(who(&t, "GET", None, "/z/b"), "yb");
    assert_eq!(who(&t, "GET", None, "/u/me/1"), "me");
    assert_eq!(who(&t, "GET", None, "/u/you/1"), "id");
    // Both fit; at the third segment the literal `x` beats `{b}`.
    assert_eq!(who(&t, "GET", None, "/d/1/x/c"), "deep2");
    assert_eq!(who(&t, "GET", None, "/d/1/2/c"), "deep");
}

#[test]
fn priority_overrides_kind() {
    let t = table(vec![
        r("exact", "/a/b"),
        // GET only: for other methods the exact route is still reachable.
        def("regex", "~ ^/a/", None, &["GET"], Some(5)),
        def("low-all", "/*", None, &[], Some(-1)),
        r("param", "/{x}/{y}"),
    ]);
    assert_eq!(who(&t, "GET", None, "/a/b"), "regex");
    assert_eq!(who(&t, "POST", None, "/a/b"), "exact");
    assert_eq!(who(&t, "GET", None, "/b/c"), "param");
    assert_eq!(who(&t, "GET", None, "/b/c/d"), "low-all");
    let first = t.routes_in_match_order()[0];
    assert_eq!(t.def(first).unwrap().name, "regex");
}

#[test]
fn host_specific_route_wins_for_the_same_path() {
    let t = table(vec![
        r("any", "/x"),
        def("wild", "/x", Some("*.example.com"), &[], None),
        def("deep-wild", "/x", Some("*.api.example.com"), &[], None),
        def("api", "/x", Some("api.example.com"), &[], None),
        def("only-api", "/y/*", Some("api.example.com"), &[], None),
    ]);
    assert_eq!(who(&t, "GET", Some("api.example.com:8080"), "/x"), "api");
    assert_eq!(who(&t, "GET", Some("API.example.com"), "/x"), "api");
    assert_eq!(
        who(&t, "GET", Some("v1.api.example.com"), "/x"),
        "deep-wild"
    );
    assert_eq!(who(&t, "GET", Some("www.example.com"), "/x"), "wild");
    assert_eq!(who(&t, "GET", Some("example.com"), "/x"), "any");
    assert_eq!(who(&t, "GET", None, "/x"), "any");
    assert_eq!(who(&t, "GET", Some("api.example.com"), "/y/1"), "only-api");
    assert_eq!(who(&t, "GET", Some("other.com"), "/y/1"), "404");
    assert_eq!(who(&t, "GET", None, "/y/1"), "404");
}

#[test]
fn hosts_with_route_explain_a_404() {
    let t = table(vec![
        def("api", "/x", Some("api.example.com"), &[], None),
        def("wild", "/x/*", Some("*.example.com"), &[], None),
        def("ro", "/y", Some("ro.example.org"), &["GET"], None),
    ]);
    assert_eq!(who(&t, "GET", Some("other.org"), "/x"), "404");
    assert_eq!(
        t.hosts_with_route("GET", "/x"),
        ["api.example.com", "*.example.com"]
    );
    // api.example.com is under *.example.com too.
    assert_eq!(
        t.hosts_with_route("GET", "/x/1"),
        ["api.example.com", "*.example.com"]
    );
    // A 405 on that host counts: the path is there.
    assert_eq!(t.hosts_with_route("POST", "/y"), ["ro.example.org"]);
    assert!(t.hosts_with_route("GET", "/z").is_empty());
}

#[test]
fn methods_405_and_head() {
    let t = table(vec![
        def("read", "/items/{id}", None, &["GET"], None),
        def("write", "/items/{id}", None, &["PUT", "DELETE"], None),
        def("post", "/items", None, &["POST"], None),
        def(
            "api-only",
            "/items",
            Some("api.example.com"),
            &["PATCH"],
            None,
        ),
    ]);
    assert_eq!(who(&t, "GET", None, "/items/1"), "read");
    assert_eq!(who(&t, "HEAD", None, "/items/1"), "read");
    assert_eq!(who(&t, "DELETE", None, "/items/1"), "write");
    assert_eq!(who(&t, "POST", None, "/items/1"), "405 DELETE,GET,HEAD,PUT");
    assert_eq!(who(&t, "get", None, "/items/1"), "405 DELETE,GET,HEAD,PUT");
    assert_eq!(who(&t, "GET", None, "/items"), "405 POST");
    assert_eq!(
        who(&t, "GET", Some("api.example.com"), "/items"),
        "405 PATCH,POST"
    );
    assert_eq!(who(&t, "GET", None, "/nothing"), "404");
}

#[test]
fn a_route_that_refuses_the_method_falls_through() {
    let t = table(vec![
        def("users", "/users", None, &["GET"], None),
        r("default", "/*"),
    ]);
    assert_eq!(who(&t, "GET", None, "/users"), "users");
    assert_eq!(who(&t, "POST", None, "/users"), "default");
}

#[test]
fn regex_behind_a_better_candidate_is_not_run() {
    // Only a correctness check: the exact route wins even though the regex matches.
    let t = table(vec![r("re", "~ ^/a$"), r("exact", "/a")]);
    assert_eq!(who(&t, "GET", None, "/a"), "exact");
}

#[test]
fn ties_name_both_lines() {
    let e = errors(vec![r("a", "/x/{id}"), r("b", "/x/{name}")]);
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].line, e[0].other_line), (20, 10));
    assert!(
        e[0].message
            .contains("route `b` (line 20) ties with route `a` (line 10)"),
        "{}",
        e[0]
    );
    assert!(e[0].to_string().starts_with("line 20: "));

    // Overlapping methods (HEAD is implied by GET) tie; disjoint ones coexist.
    let e = errors(vec![
        def("a", "/x", None, &["GET"], None),
        def("b", "/x", None, &["HEAD"], None),
    ]);
    assert_eq!(e.len(), 1);
    table(vec![
        def("a", "/x", None, &["GET"], None),
        def("b", "/x", None, &["POST"], None),
    ]);
    // Different hosts coexist.
    table(vec![
        r("a", "/x"),
        def("b", "/x", Some("h.example"), &[], None),
    ]);
    // Same regex twice.
    let e = errors(vec![r("a", "~ ^/v1"), r("b", "~ ^/v1")]);
    assert!(e[0].message.contains("ties"));
}

#[test]
fn unreachable_routes_are_reported() {
    // Lower-priority duplicate with a subset of methods.
    let e = errors(vec![
        def("a", "/x", None, &[], Some(1)),
        def("b", "/x", None, &["GET"], None),
    ]);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].message
            .contains("route `b` (line 20) can never match: route `a` (line 10)"),
        "{}",
        e[0]
    );
    // ...but not if it has a method of its own.
    table(vec![
        def("a", "/x", None, &["GET"], Some(1)),
        def("b", "/x", None, &["GET", "POST"], None),
    ]);

    // A catch-all prefix hides every regex (prefix ranks before regex).
    let e = errors(vec![r("all", "/*"), r("re", "~ ^/api")]);
    assert_eq!((e[0].line, e[0].other_line), (20, 10));
    // ...unless the regex has a higher priority, or its own host.
    table(vec![
        r("all", "/*"),
        def("re", "~ ^/api", None, &[], Some(1)),
    ]);
    table(vec![
        def("all", "/*", Some("a.example"), &[], None),
        r("re", "~ ^/api"),
    ]);

    // A higher-priority short prefix hides longer prefixes, exacts and params under it.
    let e = errors(vec![
        def("api", "/api/*", None, &[], Some(2)),
        r("v1", "/api/v1/*"),
        r("exact", "/api/health"),
        r("param", "/api/{x}/y"),
        r("other", "/other/{x}"),
        r("apex", "/api"),
    ]);
    let lines: Vec<(usize, usize)> = e.iter().map(|e| (e.line, e.other_line)).collect();
    assert_eq!(lines, vec![(20, 10), (30, 10), (40, 10), (60, 10)]);

    // A higher-priority param route hides an exact path it matches.
    let e = errors(vec![
        def("p", "/u/{id}", None, &[], Some(1)),
        r("me", "/u/me"),
    ]);
    assert_eq!((e[0].line, e[0].other_line), (20, 10));

    // A host-less catch-all with priority hides a host-specific route.
    let e = errors(vec![
        def("all", "/*", None, &[], Some(9)),
        def("h", "/x", Some("h.example"), &[], None),
    ]);
    assert_eq!(e.len(), 1);

    // A prefix hides a regex that can only match under it...
    let e = errors(vec![r("api", "/api/*"), r("re", "~ ^/api/v[0-9]+/")]);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].line, e[0].other_line), (20, 10));
    assert!(e[0].message.contains("prefix route"), "{}", e[0]);
    let e = errors(vec![r("v1", "/api/v1/*"), r("re", "~ ^/api/v1/x")]);
    assert_eq!((e[0].line, e[0].other_line), (20, 10));
    // ...but not one that can match beside it, or anywhere.
    table(vec![r("api", "/api/*"), r("re", "~ ^/apix")]);
    table(vec![r("api", "/api/*"), r("re", "~ ^/api")]);
    table(vec![r("api", "/api/*"), r("re", "~ /api/")]);
    table(vec![r("api", "/api/*"), r("re", "~ ^(?:/api/x)")]);

    // A regex that is only `^literal` hides later regexes and (with priority)
    // routes of every kind that start with its literal.
    let e = errors(vec![r("api", "~ ^/api"), r("v1", "~ ^/api/v[0-9]")]);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message
            .contains("a regex route that matches every path starting with `/api`"),
        "{}",
        e[0]
    );
    let e = errors(vec![
        def("api", "~ ^/api", None, &[], Some(1)),
        r("exact", "/api/x"),
        r("param", "/api/{x}"),
        r("prefix", "/apiary/*"),
        r("other", "/x/{y}"),
    ]);
    let lines: Vec<(usize, usize)> = e.iter().map(|e| (e.line, e.other_line)).collect();
    assert_eq!(lines, vec![(20, 10), (30, 10), (40, 10)]);
    // Not when the earlier regex asks for more than a literal, or has its own host.
    table(vec![r("a", "~ ^/api$"), r("b", "~ ^/api/v1")]);
    table(vec![r("a", "~ ^/api/[a-z]"), r("b", "~ ^/api/v1")]);
    table(vec![
        def("a", "~ ^/api", Some("h.example"), &[], None),
        r("b", "~ ^/api/v1"),
    ]);
    // `^/` takes everything, the catch-all prefix included.
    let e = errors(vec![
        def("root", "~ ^/", None, &[], Some(1)),
        r("all", "/*"),
    ]);
    assert_eq!((e[0].line, e[0].other_line), (20, 10));
    // Same regex twice is one tie, not a tie and an unreachable route.
    assert_eq!(errors(vec![r("a", "~ ^/v1"), r("b", "~ ^/v1")]).len(), 1);

    // Empty methods list.
    let mut d = r("none", "/n");
    d.methods = Some(vec![]);
    assert!(errors(vec![d])[0].message.contains("empty `methods`"));
}

#[test]
fn many_routes_match_by_lookup() {
    let mut defs = Vec::new();
    for i in 0..2000 {
        defs.push(r(&format!("e{i}"), &format!("/e{i}")));
        defs.push(r(&format!("p{i}"), &format!("/p{i}/{{id}}/x")));
        defs.push(r(&format!("x{i}"), &format!("/x{i}/*")));
    }
    let t = table(defs);
    assert_eq!(who(&t, "GET", None, "/e1999"), "e1999");
    assert_eq!(who(&t, "GET", None, "/p1500/7/x"), "p1500");
    assert_eq!(who(&t, "GET", None, "/x7/a/b"), "x7");
    assert_eq!(who(&t, "GET", None, "/p1500/7/y"), "404");
}
