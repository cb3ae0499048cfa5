//! How fast is the head parser on a realistic request?
//!
//! A ~600-byte browser-like GET (the size of a typical request head with
//! cookies) is parsed from a warm buffer into a stack header array, then the
//! framing rules are applied to its headers. Throughput is reported in bytes
//! so the figure compares with httparse's benches.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use gatelite::http::{
    parse_request, request_framing, Limits, Status, Version, EMPTY_HEADER, MAX_HEADERS,
};

const REQUEST: &[u8] = b"GET /api/v1/users/42/orders?status=open&page=2&per_page=50 HTTP/1.1\r\n\
Host: api.example.com\r\n\
User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Referer: https://app.example.com/dashboard/orders\r\n\
Cookie: session=5f2b8c1e9a7d4e3f; theme=dark; _ga=GA1.2.123456789.1700000000\r\n\
Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl\r\n\
Connection: keep-alive\r\n\
\r\n";

fn bench_parse(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Bytes(REQUEST.len() as u64));
    group.bench_function(format!("parse_request_{}b", REQUEST.len()), |b| {
        b.iter(|| {
            let mut headers = [EMPTY_HEADER; MAX_HEADERS];
            match parse_request(black_box(REQUEST), &mut headers, &limits) {
                Ok(Status::Complete(head)) => head.header_count,
                _ => panic!("bench request must parse"),
            }
        })
    });
    let mut headers = [EMPTY_HEADER; MAX_HEADERS];
    let Ok(Status::Complete(head)) = parse_request(REQUEST, &mut headers, &limits) else {
        panic!("bench request must parse")
    };
    let parsed = &headers[..head.header_count];
    group.bench_function("request_framing", |b| {
        b.iter(|| request_framing(Version::Http11, black_box(parsed), &limits))
    });
    group.bench_function("parse_and_frame", |b| {
        b.iter(|| {
            let mut headers = [EMPTY_HEADER; MAX_HEADERS];
            match parse_request(black_box(REQUEST), &mut headers, &limits) {
                Ok(Status::Complete(head)) => {
                    request_framing(head.version, &headers[..head.header_count], &limits)
                }
                _ => panic!("bench request must parse"),
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
