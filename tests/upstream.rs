//! Upstream failures as the client sees them (DESIGN.md §7): 502 for a
//! refused or broken upstream, 504 for a slow one, a closed client
//! connection when the upstream breaks after the answer began.

mod support;

use std::net::TcpListener;
use support::*;

/// A port with nothing listening on it.
fn dead_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap().to_string();
    drop(l);
    a
}

#[test]
fn dead_upstream_is_502_json_and_the_client_connection_survives() {
    let gw = Gateway::start(&format!(
        "upstream u {{ server {}; timeouts connect=1s; }}\nroute r {{ path /*; upstream u; }}\n",
        dead_port()
    ));
    let mut c = gw.connect();
    for _ in 0..2 {
        c.send(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
        let r = c.read_response(false);
        assert_eq!(r.status, 502, "{r:?}");
        r.assert_json_error("bad_gateway");
        assert!(r.has_header("x-request-id"));
        assert!(r.text().contains(r.header("x-request-id").unwrap()));
    }
}

#[test]
fn slow_upstream_is_504() {
    let gate = Gate::new();
    let g = gate.clone();
    let up = Upstream::start(move |_| {
        g.wait();
        Reply::ok()
    });
    let gw = Gateway::start(&proxy_config(&up, "timeouts read=300ms;", "path /*;"));
    let start = std::time::Instant::now();
    let r = gw.request("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    let took = start.elapsed();
    gate.open();
    assert_eq!(r.status, 504, "{r:?}");
    r.assert_json_error("upstream_timeout");
    assert!(took < WAIT / 2, "504 took {took:?} with read=300ms");
}

#[test]
fn a_timed_out_upstream_connection_is_not_reused() {
    // If the connection that timed out went back to the pool, the late
    // answer to the first request would be read as the answer to the next.
    let gate = Gate::new();
    let g = gate.clone();
    let up = Upstream::start(move |rec| {
        if rec.target == "/slow" {
            g.wait();
            Reply::text(200, "late answer to /slow")
        } else {
            Reply::text(200, "fast")
        }
    });
    let gw = Gateway::start(&proxy_config(&up, "timeouts read=300ms;", "path /*;"));
    let mut c = gw.connect();
    c.send(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(c.read_response(false).status, 504);
    gate.open();
    let mut c = gw.connect();
    c.send(b"GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!((r.status, r.text().as_str()), (200, "fast"));
}

#[test]
fn upstream_closing_without_answer_is_502() {
    let up = Upstream::start(|_| Reply::Close);
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let r = gw.request("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(r.status, 502, "{r:?}");
    r.assert_json_error("bad_gateway");
}

#[test]
fn garbage_from_the_upstream_is_502() {
    let up = Upstream::start(|_| Reply::RawThenClose(b"SSH-2.0-OpenSSH\r\n\r\n".to_vec()));
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let r = gw.request("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(r.status, 502, "{r:?}");
}

#[test]
fn an_unasked_switch_of_protocols_is_502() {
    // No Upgrade is ever forwarded, so a 101 is an upstream out of step.
    let up = Upstream::start(|_| {
        Reply::RawThenClose(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nrawbytes".to_vec(),
        )
    });
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let r = gw.request("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(r.status, 502, "{r:?}");
}

#[test]
fn interim_answers_are_skipped() {
    let up = Upstream::start(|_| {
        Reply::RawThenClose(
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n\
              HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                .to_vec(),
        )
    });
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let r = gw.request("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!((r.status, r.text().as_str()), (200, "ok"), "{r:?}");
}

#[test]
fn ambiguous_upstream_framing_is_502() {
    // Response smuggling: CL and TE together from the upstream.
    let up = Upstream::start(|_| {
        Reply::RawThenClose(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                .to_vec(),
        )
    });
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let r = gw.request("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(r.status, 502, "{r:?}");
}

#[test]
fn upstream_closing_mid_length_body_closes_the_client() {
    let up = Upstream::start(|_| {
        Reply::RawThenClose(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part".to_vec())
    });
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let mut c = gw.connect();
    c.send(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.try_read_response(false);
    assert!(
        r.is_err(),
        "a truncated body must not look complete to the client: {r:?}"
    );
    assert_eq!(c.closed_within(WAIT), Closed::Eof);
}

#[test]
fn upstream_closing_mid_chunked_body_never_sends_the_last_chunk() {
    let up = Upstream::start(|_| {
        Reply::RawThenClose(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n20\r\nonly part"
                .to_vec(),
        )
    });
    let gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let mut c = gw.connect();
    c.send(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.try_read_response(false);
    assert!(
        r.is_err(),
        "the gateway terminated a truncated chunked body as if complete: {r:?}"
    );
    assert_eq!(c.closed_within(WAIT), Closed::Eof);
}

/// An upstream that closes every connection right after its answer,
/// without saying `Connection: close`: the gateway pooled the connection,
/// finds it dead on the next request, and retries that (idempotent,
/// body-less) request once on a fresh connection. The client never sees it.
#[test]
fn a_dead_pooled_connection_is_retried_on_a_fresh_one() {
    let up = Upstream::start(|_| {
        Reply::RawThenClose(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec())
    });
    let gw = Gateway::start(&format!(
        "upstream u {{ server {}; keepalive 4; }}\nroute r {{ path /*; upstream u; }}\n",
        up.hostport()
    ));
    let mut c = gw.connect();
    for i in 0..5 {
        c.send(b"GET /again HTTP/1.1\r\nHost: t\r\n\r\n");
        let r = c.read_response(false);
        assert_eq!(r.status, 200, "request {i}: {r:?}");
        assert_eq!(r.body, b"ok");
    }
    assert_eq!(up.request_count(), 5);
    assert!(up.connections() >= 5, "each answer closed its connection");
}

/// An upstream that answers `/stream` with a head and half its body, then
/// the rest once `gate` opens; anything else at once.
fn streaming_upstream(gate: &Gate) -> TcpListener {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let accept = listener.try_clone().unwrap();
    let gate = gate.clone();
    std::thread::spawn(move || {
        for stream in accept.incoming().flatten() {
            let gate = gate.clone();
            std::thread::spawn(move || serve_streaming(stream, &gate));
        }
    });
    listener
}

fn serve_streaming(mut s: std::net::TcpStream, gate: &Gate) {
    use std::io::{Read, Write};
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        while !head.ends_with(b"\r\n\r\n") {
            match s.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let streaming = head.starts_with(b"GET /stream ");
        head.clear();
        if streaming {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
            gate.wait();
            let _ = s.write_all(b"world");
        } else {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nother");
        }
    }
}

#[test]
fn an_answer_whose_body_pauses_is_relayed_whole_while_others_are_served() {
    // The head and half the body come, then nothing until the gate opens:
    // the exchange waits for the rest without its worker, other clients are
    // served meanwhile, and the body is complete in the end.
    let gate = Gate::new();
    let up = streaming_upstream(&gate);
    let gw = Gateway::start(&format!(
        "workers 2;\nupstream u {{ server {}; }}\nroute r {{ path /*; upstream u; }}\n",
        up.local_addr().unwrap()
    ));
    let mut streaming = gw.connect();
    streaming.send(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    let mut other = gw.connect();
    for _ in 0..3 {
        other.send(b"GET /other HTTP/1.1\r\nHost: t\r\n\r\n");
        let r = other.read_response(false);
        assert_eq!((r.status, r.text().as_str()), (200, "other"));
    }
    gate.open();
    let r = streaming.read_response(false);
    assert_eq!((r.status, r.text().as_str()), (200, "helloworld"));
    // The connection is in step for the next request.
    streaming.send(b"GET /other HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(streaming.read_response(false).text(), "other");
}

#[test]
fn an_upstream_silent_mid_body_past_its_read_timeout_closes_the_client() {
    // The client has the head already, so no 504 can be sent: the
    // connection is closed, and the response is visibly incomplete.
    let gate = Gate::new();
    let up = streaming_upstream(&gate);
    let gw = Gateway::start(&format!(
        "upstream u {{ server {}; timeouts read=300ms; }}\nroute r {{ path /*; upstream u; }}\n",
        up.local_addr().unwrap()
    ));
    let mut c = gw.connect();
    c.send(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    let start = std::time::Instant::now();
    assert!(
        c.try_read_response(false).is_err(),
        "a truncated body passed for whole"
    );
    assert!(start.elapsed() < WAIT, "{:?}", start.elapsed());
    gate.open();
}
