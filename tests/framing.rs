//! The framing rules of DESIGN.md §8 through the real binary: every bad
//! request gets its status (400, or 413/414/431/501/505), the connection is
//! then closed, a valid request sent right behind it in the same write is
//! never answered, and the upstream never receives a request.

mod support;

use support::*;

/// What every case sends after the bad request, in the same write: if the
/// gateway read on after the error, this would be answered or forwarded.
const SMUGGLED: &str = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";

/// The limits every case runs under unless it says otherwise.
const LIMITS: &str = "limits header=4k body=1k uri=256;";

fn gateway() -> (Upstream, Gateway) {
    gateway_with(LIMITS)
}

fn gateway_with(limits: &str) -> (Upstream, Gateway) {
    let up = Upstream::ok();
    let cfg = proxy_config(&up, "", "path /*;");
    let gw = Gateway::start(&format!("{limits}\n{cfg}"));
    (up, gw)
}

fn assert_rejected(raw: &[u8], status: u16) {
    let r = assert_rejected_any_code(raw, status);
    r.assert_json_error(error_code(status));
}

/// The JSON `error` code the gateway's own rejections use for `status`.
fn error_code(status: u16) -> &'static str {
    match status {
        413 => "body_too_large",
        414 => "uri_too_long",
        431 => "headers_too_large",
        501 => "not_implemented",
        505 => "version_not_supported",
        _ => "bad_request",
    }
}

/// Everything [`assert_rejected`] checks except the JSON `error` code
/// (which only has to be some code); returns the response.
fn assert_rejected_any_code(raw: &[u8], status: u16) -> Resp {
    assert_rejected_under(LIMITS, raw, status)
}

/// [`assert_rejected_any_code`] with other `limits`.
fn assert_rejected_under(limits: &str, raw: &[u8], status: u16) -> Resp {
    let (up, gw) = gateway_with(limits);
    let mut c = gw.connect();
    let mut bytes = raw.to_vec();
    bytes.extend_from_slice(SMUGGLED.as_bytes());
    c.send(&bytes);
    let r = c
        .try_read_response(false)
        .unwrap_or_else(|e| panic!("no response to {:?}: {e}", String::from_utf8_lossy(raw)));
    assert_eq!(
        r.status,
        status,
        "request {:?} got {r:?}",
        String::from_utf8_lossy(raw)
    );
    assert!(r.text().starts_with("{\"error\":\""), "{}", r.text());
    assert_eq!(r.header("connection"), Some("close"), "{r:?}");
    assert_eq!(
        c.closed_within(WAIT),
        Closed::Eof,
        "after a rejected request the connection must close, with nothing more answered"
    );
    assert_eq!(
        up.request_count(),
        0,
        "the upstream received {:?}",
        up.requests()
            .iter()
            .map(|r| r.head_str())
            .collect::<Vec<_>>()
    );
    r
}

macro_rules! rejects {
    ($($(#[$meta:meta])* $name:ident: $raw:expr => $status:expr;)*) => {
        $(
            $(#[$meta])*
            #[test]
            fn $name() {
                assert_rejected($raw, $status);
            }
        )*
    };
}

rejects! {
    content_length_with_transfer_encoding:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" => 400;
    transfer_encoding_with_content_length_after:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" => 400;
    two_different_content_lengths:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" => 400;
    content_length_list_that_differs:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 6\r\n\r\nhello!" => 400;
    content_length_with_plus_sign:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nhello" => 400;
    content_length_negative:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n" => 400;
    content_length_hex:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 0x5\r\n\r\nhello" => 400;
    content_length_empty:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: \r\n\r\n" => 400;
    transfer_encoding_not_ending_in_chunked:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n" => 400;
    transfer_encoding_chunked_twice:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n" => 400;
    transfer_encoding_gzip_chunked_is_not_implemented:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" => 501;
    chunk_size_not_hex:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n" => 400;
    chunk_size_overflows:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nhello\r\n0\r\n\r\n" => 400;
    chunk_without_crlf_after_data:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n" => 400;
    whitespace_before_colon:
        b"GET /a HTTP/1.1\r\nHost: t\r\nX-Thing : 1\r\n\r\n" => 400;
    obs_fold:
        b"GET /a HTTP/1.1\r\nHost: t\r\nX-Thing: a\r\n  folded\r\n\r\n" => 400;
    bad_header_name:
        b"GET /a HTTP/1.1\r\nHost: t\r\nX(Thing): 1\r\n\r\n" => 400;
    nul_in_header_value:
        b"GET /a HTTP/1.1\r\nHost: t\r\nX-Thing: a\0b\r\n\r\n" => 400;
    bare_cr_in_header_value:
        b"GET /a HTTP/1.1\r\nHost: t\r\nX-Thing: a\rb\r\n\r\n" => 400;
    http09_request_line:
        b"GET /a\r\n\r\n" => 400;
    request_line_with_extra_space:
        b"GET  /a HTTP/1.1\r\nHost: t\r\n\r\n" => 400;
    http2_version_is_505:
        b"GET /a HTTP/2.0\r\nHost: t\r\n\r\n" => 505;
    /// RFC 9110 §2.5 names the later versions `HTTP/2` and `HTTP/3`.
    http3_bare_major_is_505:
        b"GET /a HTTP/3\r\nHost: t\r\n\r\n" => 505;
    http12_version_is_505:
        b"GET /a HTTP/1.2\r\nHost: t\r\n\r\n" => 505;
    http_version_with_two_digit_minor:
        b"GET /a HTTP/1.10\r\nHost: t\r\n\r\n" => 400;
    lowercase_http_version:
        b"GET /a http/1.1\r\nHost: t\r\n\r\n" => 400;
    transfer_encoding_on_http10:
        b"POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" => 400;
    missing_host_on_http11:
        b"GET /a HTTP/1.1\r\nX-Thing: 1\r\n\r\n" => 400;
    two_host_lines:
        b"GET /a HTTP/1.1\r\nHost: t\r\nHost: evil\r\n\r\n" => 400;
    bad_host_with_path:
        b"GET /a HTTP/1.1\r\nHost: evil.com/x\r\n\r\n" => 400;
    bad_host_with_bad_port:
        b"GET /a HTTP/1.1\r\nHost: t:80x\r\n\r\n" => 400;
    content_length_over_the_body_limit_is_413:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 2048\r\n\r\n" => 413;
    content_length_that_overflows:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999\r\n\r\n" => 400;
    content_length_with_inner_space:
        b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 1 2\r\n\r\nhello world!" => 400;
    transfer_encoding_gzip_alone:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nhello" => 400;
    transfer_encoding_on_two_lines_chunked_first:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" => 400;
    transfer_encoding_empty:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: \r\n\r\n0\r\n\r\n" => 400;
    chunk_size_with_0x_prefix:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n" => 400;
    chunk_size_with_leading_space:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n" => 400;
    chunk_size_line_ending_in_bare_lf:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n" => 400;
    chunk_data_ending_in_bare_lf:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n" => 400;
    chunk_extension_with_a_control_byte:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01b\r\nhello\r\n0\r\n\r\n" => 400;
    trailer_with_space_before_colon:
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T : 1\r\n\r\n" => 400;
    bare_lf_line_endings:
        b"GET /a HTTP/1.1\nHost: t\n\n" => 400;
    bare_lf_after_a_header:
        b"GET /a HTTP/1.1\r\nHost: t\nX-A: 1\r\n\r\n" => 400;
    empty_header_name:
        b"GET /a HTTP/1.1\r\nHost: t\r\n: empty\r\n\r\n" => 400;
    header_line_without_colon:
        b"GET /a HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n" => 400;
    tab_between_method_and_target:
        b"GET\t/a HTTP/1.1\r\nHost: t\r\n\r\n" => 400;
    space_inside_target:
        b"GET /a b HTTP/1.1\r\nHost: t\r\n\r\n" => 400;
    control_byte_in_target:
        b"GET /a\x01 HTTP/1.1\r\nHost: t\r\n\r\n" => 400;
    non_ascii_target:
        b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: t\r\n\r\n" => 400;
    invalid_method_token:
        b"GE(T /a HTTP/1.1\r\nHost: t\r\n\r\n" => 400;
    host_with_userinfo:
        b"GET /a HTTP/1.1\r\nHost: user@t\r\n\r\n" => 400;
    host_port_out_of_range:
        b"GET /a HTTP/1.1\r\nHost: t:65536\r\n\r\n" => 400;
    empty_host:
        b"GET /a HTTP/1.1\r\nHost:\r\n\r\n" => 400;
    host_list:
        b"GET /a HTTP/1.1\r\nHost: t, evil\r\n\r\n" => 400;
    unterminated_ipv6_host:
        b"GET /a HTTP/1.1\r\nHost: [::1\r\n\r\n" => 400;
    host_on_http10_is_checked_too:
        b"GET /a HTTP/1.0\r\nHost: a b\r\n\r\n" => 400;
}

#[test]
fn too_many_header_lines_is_431() {
    let mut raw = b"GET /a HTTP/1.1\r\nHost: t\r\n".to_vec();
    for i in 0..120 {
        raw.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    assert_rejected(&raw, 431);
}

#[test]
fn chunk_extensions_past_their_limit_are_400_and_trailers_past_theirs_431() {
    let mut raw = b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..40 {
        raw.extend_from_slice(format!("1;{}\r\na\r\n", "e".repeat(500)).as_bytes());
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    assert_rejected_any_code(&raw, 400);
    let mut raw =
        b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_vec();
    for i in 0..40 {
        raw.extend_from_slice(format!("X-{i}: {}\r\n", "v".repeat(500)).as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    assert_rejected_any_code(&raw, 431);
}

#[test]
fn accepted_framing_variants_reach_the_upstream_clean() {
    // `Chunked` in any case, extensions and trailers: the upstream gets the
    // data re-chunked by us, with no extension and no trailer field; a
    // `Content-Length: 5, 5` list is one value; an IPv6 Host literal is a
    // valid host[:port].
    let (up, gw) = gateway();
    let r = gw.request(
        "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n\
         5;name=\"v\"\r\nhello\r\n0;last\r\nX-Trailer: evil\r\nContent-Length: 99\r\n\r\n",
    );
    assert_eq!(r.status, 200, "{r:?}");
    up.wait_requests(1);
    let rec = up.last();
    assert_eq!(
        (rec.framing, rec.body.as_slice()),
        ("chunked", &b"hello"[..])
    );
    assert!(rec.header("x-trailer").is_none(), "{}", rec.head_str());
    assert_eq!(rec.header_count("content-length"), 0, "{}", rec.head_str());

    let r = gw.request("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 5\r\n\r\nhello");
    assert_eq!(r.status, 200, "{r:?}");
    up.wait_requests(2);
    let rec = up.last();
    assert_eq!(rec.header("content-length"), Some("5"));
    assert_eq!(rec.body, b"hello");

    let r = gw.request("GET /a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
    assert_eq!(r.status, 200, "{r:?}");
    up.wait_requests(3);
    assert_eq!(up.last().header("x-forwarded-host"), Some("[::1]:8080"));
}

#[test]
fn huge_header_is_431() {
    let big = "x".repeat(8 * 1024);
    assert_rejected(
        format!("GET /a HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n").as_bytes(),
        431,
    );
}

#[test]
fn long_uri_is_414() {
    let long = "a".repeat(1000);
    assert_rejected(
        format!("GET /{long} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
        414,
    );
}

#[test]
fn a_long_uri_trickled_in_pieces_is_414_without_waiting_for_the_line_end() {
    // The head is not re-parsed for every piece of a trickle; a piece that
    // doubles it still is, so the URI limit answers before any line end.
    let (up, gw) = gateway();
    let mut c = gw.connect();
    // Whether the gateway reads these pieces apart or together, the answer
    // must be the same, and come now.
    c.send(b"GET /");
    c.send("a".repeat(600).as_bytes());
    c.send("b".repeat(1200).as_bytes());
    let r = c.read_response(false);
    assert_eq!(r.status, 414, "{r:?}");
    assert_eq!(up.request_count(), 0);
}

#[test]
fn a_head_trickled_byte_by_byte_is_still_served() {
    let (up, gw) = gateway();
    let mut c = gw.connect();
    for b in b"GET /slow HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\r\n" {
        c.send(&[*b]);
    }
    assert_eq!(c.read_response(false).status, 200);
    up.wait_requests(1);
    assert_eq!(up.last().target, "/slow");
}

#[test]
fn request_line_longer_than_the_head_limit_is_414() {
    // The target (1021 bytes) is within uri=1k, but the request line around
    // it cannot fit in header=1k: it is the URI that is too long (as nginx
    // answers), not the header fields.
    let target = format!("/{}", "a".repeat(1020));
    let r = assert_rejected_under(
        "limits header=1k uri=1k;",
        format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes(),
        414,
    );
    r.assert_json_error("uri_too_long");
}

#[test]
fn fields_past_the_head_limit_are_431_when_the_request_line_fits() {
    let big = "x".repeat(2048);
    let r = assert_rejected_under(
        "limits header=1k uri=1k;",
        format!("GET /a HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n").as_bytes(),
        431,
    );
    r.assert_json_error("headers_too_large");
}

fn chunked_over_limit() -> Vec<u8> {
    let mut raw = b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        raw.extend_from_slice(b"200\r\n");
        raw.extend_from_slice(&[b'a'; 0x200]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    raw
}

#[test]
fn chunked_body_over_the_limit_is_413() {
    // The head is fine, so the gateway has begun streaming to the upstream
    // when the limit trips: that upstream request must be aborted, never
    // completed.
    assert_rejected_any_code(&chunked_over_limit(), 413);
}

#[test]
fn chunked_body_over_the_limit_has_the_413_error_code() {
    assert_rejected(&chunked_over_limit(), 413);
}

#[test]
fn content_length_at_the_limit_is_accepted() {
    // The control case for the 413s: exactly `body=1k` passes.
    let (up, gw) = gateway();
    let mut c = gw.connect();
    let mut raw = b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n".to_vec();
    raw.extend_from_slice(&[b'b'; 1024]);
    c.send(&raw);
    assert_eq!(c.read_response(false).status, 200);
    up.wait_requests(1);
    assert_eq!(up.last().body_len, 1024);
}

#[test]
fn identical_duplicate_content_lengths_are_one_value() {
    // RFC 9112 §6.3 allows `5, 5`; the upstream sees one clean header.
    let (up, gw) = gateway();
    let r = gw.request(
        "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(r.status, 200);
    up.wait_requests(1);
    let rec = up.last();
    assert_eq!(rec.body, b"hello");
    assert_eq!(rec.header_count("content-length"), 1);
}

#[test]
fn connection_option_cannot_strip_the_host_it_is_routed_by() {
    // `Connection: Host` would make Host hop-by-hop: dropped after it was
    // checked, the request would be routed as if it had none (404 here).
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "workers 4;\nupstream u {{ server {}; }}\n\
         route r {{ path /*; host t; upstream u; }}\n",
        up.hostport()
    ));
    let r = gw.request("GET /a HTTP/1.1\r\nHost: t\r\nConnection: Host\r\n\r\n");
    assert_eq!(r.status, 200, "{r:?}");
    up.wait_requests(1);
    let rec = up.last();
    assert_eq!(rec.header("host"), Some("t"), "{}", rec.head_str());
    assert_eq!(rec.header("x-forwarded-host"), Some("t"));
}

#[test]
fn upstream_connection_option_cannot_strip_the_content_length_of_its_response() {
    // Honoured, `Connection: Content-Length` would leave a kept-alive client
    // a body with no framing at all: it could not tell where it ends.
    let up = Upstream::start(|rec| {
        if rec.target == "/strip" {
            Reply::Send {
                status: 200,
                headers: vec![("Connection".into(), "Content-Length".into())],
                body: Body::Length(b"hello".to_vec()),
            }
        } else {
            Reply::ok()
        }
    });
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let mut c = gw.connect();
    c.send(b"GET /strip HTTP/1.1\r\nHost: t\r\n\r\nGET /next HTTP/1.1\r\nHost: t\r\n\r\n");
    let first = c.read_response(false);
    assert_eq!(first.header("content-length"), Some("5"), "{first:?}");
    assert_eq!(first.body, b"hello");
    let second = c.read_response(false);
    assert_eq!((second.status, second.text().as_str()), (200, "ok"));
}
