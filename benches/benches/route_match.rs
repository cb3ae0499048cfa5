//! Route matching cost: it must not grow with the number of routes.
//!
//! Tables of 10, 1 000 and 10 000 routes, a third each exact, param and
//! prefix; the lookup hits a param route built last (deepest in file order),
//! plus an exact and a prefix hit on the largest table. Then the classic
//! ReDoS pattern `^(a+)+$` over 30 000 `a`s and a `b`: a backtracking engine
//! would take longer than the universe has existed; the Pike VM is linear.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use gatelite::router::{PathPattern, Regex, RouteDef, RouteTable};

fn table(n: usize) -> RouteTable {
    let defs = (0..n)
        .map(|i| {
            let text = match i % 3 {
                0 => format!("/e{i}/status"),
                1 => format!("/p{i}/users/{{id}}/posts/{{post}}"),
                _ => format!("/x{i}/static/*"),
            };
            RouteDef {
                name: format!("r{i}"),
                path: PathPattern::parse(&text, false).expect("bench pattern"),
                host: None,
                methods: None,
                priority: None,
                line: i + 1,
            }
        })
        .collect();
    RouteTable::build(defs).expect("bench table")
}

/// The last param route of a table of `n`.
fn deep_param_path(n: usize) -> String {
    let last = (0..n).rev().find(|i| i % 3 == 1).unwrap_or(1);
    format!("/p{last}/users/42/posts/hello")
}

fn bench_find(c: &mut Criterion) {
    let mut group = c.benchmark_group("find_param");
    for n in [10, 1_000, 10_000] {
        let t = table(n);
        let path = deep_param_path(n);
        assert!(matches!(
            t.find("GET", None, &path),
            gatelite::router::RouteMatch::Found { .. }
        ));
        group.bench_with_input(BenchmarkId::from_parameter(n), &path, |b, path| {
            b.iter(|| t.find(black_box("GET"), None, black_box(path)))
        });
    }
    group.finish();

    let t = table(10_000);
    c.bench_function("find_exact/10000", |b| {
        b.iter(|| t.find(black_box("GET"), None, black_box("/e9999/status")))
    });
    c.bench_function("find_prefix/10000", |b| {
        b.iter(|| {
            t.find(
                black_box("GET"),
                None,
                black_box("/x9998/static/css/site.css"),
            )
        })
    });
    c.bench_function("find_miss/10000", |b| {
        b.iter(|| t.find(black_box("GET"), None, black_box("/nowhere/at/all")))
    });
}

fn bench_pathological(c: &mut Criterion) {
    let re = Regex::new("^(a+)+$").expect("pattern");
    let mut text = "a".repeat(30_000);
    text.push('b');
    c.bench_function("regex_pathological_30000", |b| {
        b.iter(|| re.is_match(black_box(&text)))
    });
    c.bench_function("regex_pathological_30000_captures", |b| {
        b.iter(|| re.captures(black_box(&text)))
    });
}

criterion_group!(benches, bench_find, bench_pathological);
criterion_main!(benches);
