//! Proxying through the real binary: bodies in both directions, header
//! handling (DESIGN.md §7), keep-alive, pipelining, HTTP/1.0, Expect.

mod support;

use std::io::Write;
use support::*;

fn gateway_for(up: &Upstream) -> Gateway {
    Gateway::start(&proxy_config(up, "", "path /*;"))
}

/// Sends `method` with a Content-Length body of `len` pattern bytes.
fn send_length_body(c: &mut Conn, method: &str, len: u64) {
    c.send(
        format!("{method} /upload HTTP/1.1\r\nHost: test\r\nContent-Length: {len}\r\n\r\n")
            .as_bytes(),
    );
    let mut off = 0;
    while off < len {
        let k = (len - off).min(64 * 1024);
        c.send(&pattern(off, k as usize));
        off += k;
    }
}

/// Sends `method` with a chunked body of `len` pattern bytes in 16 KiB chunks.
fn send_chunked_body(c: &mut Conn, method: &str, len: u64) {
    c.send(
        format!("{method} /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")
            .as_bytes(),
    );
    let mut off = 0;
    while off < len {
        let k = (len - off).min(16 * 1024);
        let mut piece = format!("{k:x}\r\n").into_bytes();
        piece.extend_from_slice(&pattern(off, k as usize));
        piece.extend_from_slice(b"\r\n");
        c.send(&piece);
        off += k;
    }
    c.send(b"0\r\n\r\n");
}

fn check_body_reaches_upstream(chunked: bool) {
    let up = Upstream::ok();
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    let mut expected = 0;
    for method in ["POST", "PUT"] {
        for len in [0u64, 1024] {
            if chunked {
                send_chunked_body(&mut c, method, len);
            } else {
                send_length_body(&mut c, method, len);
            }
            let r = c.read_response(false);
            assert_eq!(r.status, 200, "{method} {len}: {r:?}");
            expected += 1;
            up.wait_requests(expected);
            let rec = up.last();
            assert_eq!(rec.method, method);
            assert_eq!(rec.body_len, len, "{method} {len} chunked={chunked}");
            assert_eq!(rec.body_sum, pattern_sum(len));
            assert_eq!(rec.body, pattern(0, len as usize));
            assert!(
                rec.header_count("content-length") + rec.header_count("transfer-encoding") <= 1,
                "ambiguous framing forwarded:
{}",
                rec.head_str()
            );
        }
    }
    // GET without a body forwards no framing headers and no body.
    c.send(b"GET /plain HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(c.read_response(false).status, 200);
    up.wait_requests(expected + 1);
    let rec = up.last();
    assert_eq!((rec.method.as_str(), rec.body_len), ("GET", 0));
    assert_eq!(rec.header("transfer-encoding"), None);
}

#[test]
fn content_length_bodies_reach_the_upstream_intact() {
    check_body_reaches_upstream(false);
}

#[test]
fn chunked_bodies_reach_the_upstream_intact() {
    check_body_reaches_upstream(true);
}

fn check_big_body_streams(chunked: bool) {
    const LEN: u64 = 8 * 1024 * 1024;
    let up = Upstream::ok();
    let gw = gateway_for(&up);
    let rss_before = gw.rss_kib();
    let mut c = gw.connect();
    if chunked {
        send_chunked_body(&mut c, "POST", LEN);
    } else {
        send_length_body(&mut c, "POST", LEN);
    }
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    up.wait_requests(1);
    let rec = up.last();
    assert_eq!(rec.body_len, LEN);
    assert_eq!(rec.body_sum, pattern_sum(LEN));
    let rss = gw.rss_kib();
    println!(
        "8 MiB upload (chunked={chunked}): gateway VmRSS {rss_before} KiB before, {rss} KiB after"
    );
    assert!(
        rss < (8 + 40) * 1024,
        "RSS {rss} KiB after an 8 MiB upload: the body was buffered, not streamed"
    );
    assert!(
        rss.saturating_sub(rss_before) < 8 * 1024,
        "RSS grew by {} KiB over an 8 MiB upload: the body was buffered",
        rss - rss_before
    );
}

#[test]
fn eight_mib_content_length_upload_is_streamed() {
    check_big_body_streams(false);
}

#[test]
fn eight_mib_chunked_upload_is_streamed() {
    check_big_body_streams(true);
}

#[test]
fn eight_mib_download_is_streamed_intact() {
    const LEN: u64 = 8 * 1024 * 1024;
    let up = Upstream::start(|_| Reply::Send {
        status: 200,
        headers: vec![],
        body: Body::Pattern(LEN),
    });
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    c.send(b"GET /big HTTP/1.1\r\nHost: test\r\n\r\n");
    // Read the head, then stream the body through a checksum.
    let head = c.r.read_head().unwrap().unwrap();
    let head = String::from_utf8_lossy(&head).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {LEN}")),
        "{head}"
    );
    let mut sum = Fnv::default();
    let mut n = 0u64;
    c.r.read_exact_to(LEN, &mut |d| {
        sum.update(d);
        n += d.len() as u64;
    })
    .unwrap();
    assert_eq!((n, sum.0), (LEN, pattern_sum(LEN)));
    let rss = gw.rss_kib();
    println!("8 MiB download: gateway VmRSS {rss} KiB");
    assert!(
        rss < (8 + 40) * 1024,
        "RSS {rss} KiB: response was buffered"
    );
}

#[test]
fn chunked_and_length_responses_come_back_intact() {
    let up = Upstream::start(|rec| match rec.target.as_str() {
        "/chunked" => Reply::Send {
            status: 200,
            headers: vec![],
            body: Body::Chunked(vec![b"hello ".to_vec(), vec![b'x'; 5000], b"!".to_vec()]),
        },
        "/empty-chunked" => Reply::Send {
            status: 200,
            headers: vec![],
            body: Body::Chunked(vec![]),
        },
        "/close" => Reply::Send {
            status: 200,
            headers: vec![],
            body: Body::UntilClose(b"until close".to_vec()),
        },
        _ => Reply::Send {
            status: 201,
            headers: vec![("X-Custom".into(), "yes".into())],
            body: Body::Length(pattern(0, 1024)),
        },
    });
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    c.send(b"GET /chunked HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.read_response(false);
    let mut want = b"hello ".to_vec();
    want.extend(vec![b'x'; 5000]);
    want.push(b'!');
    assert_eq!((r.status, r.framing), (200, "chunked"));
    assert_eq!(r.body, want);

    c.send(b"GET /empty-chunked HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());

    c.send(b"GET /length HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!((r.status, r.framing), (201, "length"));
    assert_eq!(r.header("x-custom"), Some("yes"));
    assert_eq!(r.body, pattern(0, 1024));

    // A close-delimited upstream body reaches an HTTP/1.1 client chunked,
    // and the client connection stays usable.
    c.send(b"GET /close HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!((r.status, r.framing), (200, "chunked"));
    assert_eq!(r.text(), "until close");
    c.send(b"GET /length HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(c.read_response(false).status, 201);
}

#[test]
fn head_204_and_304_have_no_body() {
    let up = Upstream::start(|rec| match rec.target.as_str() {
        "/204" => Reply::Send {
            status: 204,
            headers: vec![],
            body: Body::Empty,
        },
        "/304" => Reply::Send {
            status: 304,
            headers: vec![("ETag".into(), "\"v1\"".into())],
            body: Body::Empty,
        },
        _ => Reply::text(200, "a body HEAD must not get"),
    });
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    // Each answer is followed by a GET on the same connection: if a body
    // leaked after HEAD/204/304, the next status line would be garbage.
    for (req, head, status) in [
        ("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n", true, 200),
        ("GET /204 HTTP/1.1\r\nHost: t\r\n\r\n", false, 204),
        (
            "GET /304 HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"v1\"\r\n\r\n",
            false,
            304,
        ),
    ] {
        c.send(req.as_bytes());
        let r = c.read_response(head);
        assert_eq!(r.status, status, "{req}");
        assert!(r.body.is_empty());
        if status != 200 {
            assert_eq!(r.header("transfer-encoding"), None, "{req}: {r:?}");
        }
        c.send(b"GET /after HTTP/1.1\r\nHost: t\r\n\r\n");
        let r = c.read_response(false);
        assert_eq!(r.status, 200, "after {req}");
        assert_eq!(r.text(), "a body HEAD must not get");
    }
    assert_eq!(up.requests()[0].method, "HEAD");
}

#[test]
fn the_gateways_own_204_has_no_content_length() {
    // RFC 9110 §8.6: a server must not send Content-Length in a 204.
    let gw = Gateway::start("route r { path /empty; respond 204; }\n");
    let mut c = gw.connect();
    c.send(b"GET /empty HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!(r.status, 204);
    assert_eq!(r.header("content-length"), None, "{r:?}");
    assert_eq!(r.header("content-type"), None, "{r:?}");
    // The connection stays in step.
    c.send(b"GET /empty HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(c.read_response(false).status, 204);
}

#[test]
fn hop_by_hop_headers_never_reach_the_upstream() {
    let up = Upstream::ok();
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    c.send(
        b"GET /h HTTP/1.1\r\nHost: t\r\n\
          Connection: keep-alive, X-Secret-Hop\r\n\
          X-Secret-Hop: 1\r\n\
          Keep-Alive: timeout=5\r\n\
          TE: trailers\r\n\
          Trailer: X-T\r\n\
          Upgrade: websocket\r\n\
          Proxy-Connection: keep-alive\r\n\
          X-End-To-End: kept\r\n\r\n",
    );
    assert_eq!(c.read_response(false).status, 200);
    up.wait_requests(1);
    let rec = up.last();
    for h in [
        "connection",
        "x-secret-hop",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
    ] {
        assert_eq!(
            rec.header(h),
            None,
            "{h} was forwarded:\n{}",
            rec.head_str()
        );
    }
    assert_eq!(rec.header("x-end-to-end"), Some("kept"));
}

#[test]
fn forwarding_headers_and_request_id() {
    let up = Upstream::ok();
    let gw = gateway_for(&up);

    // No X-Forwarded-For yet, a sane request id.
    let r = gw.request(
        "GET /f HTTP/1.1\r\nHost: api.example.com:8080\r\nX-Request-Id: abc-123_x.y\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-request-id"), Some("abc-123_x.y"));
    up.wait_requests(1);
    let rec = up.last();
    assert_eq!(rec.header("x-forwarded-for"), Some("127.0.0.1"));
    assert_eq!(rec.header("x-forwarded-proto"), Some("http"));
    assert_eq!(rec.header("x-forwarded-host"), Some("api.example.com:8080"));
    assert_eq!(rec.header("x-request-id"), Some("abc-123_x.y"));
    assert_eq!(rec.header("host"), Some("api.example.com:8080"));

    // An existing chain is appended to; an insane id is replaced.
    let r = gw.request(
        "GET /f HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 203.0.113.9\r\nX-Request-Id: bad id <script>\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    up.wait_requests(2);
    let rec = up.last();
    assert_eq!(
        rec.header("x-forwarded-for"),
        Some("203.0.113.9, 127.0.0.1")
    );
    assert_eq!(rec.header_count("x-forwarded-for"), 1);
    let id = rec.header("x-request-id").unwrap().to_string();
    assert!(
        !id.is_empty() && !id.contains(' ') && id != "bad id <script>",
        "{id}"
    );
    assert_eq!(r.header("x-request-id"), Some(id.as_str()));
    assert_eq!(rec.header_count("x-request-id"), 1);

    // No id at all: one is generated and returned.
    let r = gw.request("GET /f HTTP/1.1\r\nHost: t\r\n\r\n");
    up.wait_requests(3);
    let gen = up.last().header("x-request-id").unwrap().to_string();
    assert!(!gen.is_empty());
    assert_eq!(r.header("x-request-id"), Some(gen.as_str()));
    assert_ne!(gen, id, "request ids must be unique");
}

#[test]
fn traceparent_passed_when_valid_created_when_absent() {
    let up = Upstream::ok();
    let gw = gateway_for(&up);
    let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    gw.request(&format!(
        "GET /t HTTP/1.1\r\nHost: t\r\ntraceparent: {valid}\r\n\r\n"
    ));
    up.wait_requests(1);
    assert_eq!(up.last().header("traceparent"), Some(valid));

    let is_valid = |v: &str| {
        let p: Vec<&str> = v.split('-').collect();
        p.len() == 4
            && p[0] == "00"
            && p[1].len() == 32
            && p[2].len() == 16
            && p[3].len() == 2
            && v.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
            && p[1] != "0".repeat(32)
    };
    gw.request("GET /t HTTP/1.1\r\nHost: t\r\n\r\n");
    up.wait_requests(2);
    let created = up.last().header("traceparent").unwrap().to_string();
    assert!(is_valid(&created), "{created}");

    gw.request("GET /t HTTP/1.1\r\nHost: t\r\ntraceparent: 00-zzzz-bad\r\n\r\n");
    up.wait_requests(3);
    let rec = up.last();
    assert_eq!(rec.header_count("traceparent"), 1);
    let replaced = rec.header("traceparent").unwrap();
    assert!(is_valid(replaced), "{replaced}");
}

#[test]
fn keep_alive_reuses_upstream_connections() {
    const N: usize = 20;
    let up = Upstream::ok();
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    for i in 0..N {
        c.send(format!("GET /ka/{i} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        let r = c.read_response(false);
        assert_eq!(r.status, 200);
        assert_ne!(r.header("connection"), Some("close"));
    }
    up.wait_requests(N);
    let conns = up.connections();
    assert!(conns <= 2, "{N} requests used {conns} upstream connections");
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let up = Upstream::start(|rec| Reply::text(200, &rec.target));
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    c.send(
        b"GET /one HTTP/1.1\r\nHost: t\r\n\r\n\
          POST /two HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc\
          GET /three HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    for want in ["/one", "/two", "/three"] {
        let r = c.read_response(false);
        assert_eq!((r.status, r.text().as_str()), (200, want));
    }
    let bodies: Vec<Vec<u8>> = up.requests().iter().map(|r| r.body.clone()).collect();
    assert_eq!(bodies, vec![vec![], b"abc".to_vec(), vec![]]);
}

#[test]
fn http10_client_gets_no_chunking_and_a_close() {
    let up = Upstream::start(|_| Reply::Send {
        status: 200,
        headers: vec![],
        body: Body::Chunked(vec![b"part1 ".to_vec(), b"part2".to_vec()]),
    });
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    c.send(b"GET /old HTTP/1.0\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("transfer-encoding"), None, "{r:?}");
    assert_eq!(r.text(), "part1 part2");
    assert_eq!(c.closed_within(WAIT), Closed::Eof);
}

#[test]
fn http10_keep_alive_when_asked() {
    let up = Upstream::ok();
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    for _ in 0..2 {
        c.send(b"GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let r = c.read_response(false);
        assert_eq!(r.status, 200);
        assert_eq!(r.text(), "ok");
        assert!(
            r.header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("keep-alive")),
            "{r:?}"
        );
    }
    // Without asking, an HTTP/1.0 connection closes after the answer.
    c.send(b"GET /old HTTP/1.0\r\n\r\n");
    assert_eq!(c.read_response(false).status, 200);
    assert_eq!(c.closed_within(WAIT), Closed::Eof);
}

#[test]
fn expect_100_continue_gets_an_interim_answer_first() {
    let up = Upstream::ok();
    let gw = gateway_for(&up);
    let mut c = gw.connect();
    c.send(b"POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    let interim = c.read_response(false);
    assert_eq!(interim.status, 100);
    assert_eq!(interim.version, "HTTP/1.1");
    c.stream().try_clone().unwrap().write_all(b"hello").unwrap();
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    up.wait_requests(1);
    let rec = up.last();
    assert_eq!(rec.body, b"hello");
    assert_eq!(rec.header("expect"), None);
}

#[test]
fn expect_100_continue_is_not_sent_when_the_request_is_refused() {
    // A 401 must come instead of `100 Continue`: the client then never
    // sends the body the gateway would refuse anyway.
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "upstream u {{ server {}; }}\nroute r {{ path /*; upstream u; auth api_key header=X-Api-Key keys={}; }}\n",
        up.hostport(),
        sha256_hex(b"k")
    ));
    let mut c = gw.connect();
    c.send(b"POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(up.request_count(), 0);
}
