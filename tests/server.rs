//! The server's life cycle and its defences (DESIGN.md §2, §5): load
//! shedding, slow and idle clients, client timeouts, graceful shutdown, and
//! the memory an idle connection costs.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use support::*;

/// Reads until EOF (ignoring any bytes, e.g. a 408); true when EOF (or a
/// reset) came within `limit`.
fn eof_within(c: &mut Conn, limit: Duration) -> bool {
    let start = Instant::now();
    loop {
        let left = limit.saturating_sub(start.elapsed());
        if left.is_zero() {
            return false;
        }
        match c.closed_within(left) {
            Closed::Eof => return true,
            Closed::StillOpen => return false,
            Closed::Data(_) => {}
        }
    }
}

/// An upstream that holds `/block` until the gate opens and answers the
/// rest at once.
fn blocking_upstream(gate: &Gate) -> Upstream {
    let g = gate.clone();
    Upstream::start(move |rec| {
        if rec.target == "/block" {
            g.wait();
            Reply::text(200, "released")
        } else {
            Reply::ok()
        }
    })
}

/// Two more clients send a request each; their responses arrive on the
/// channel in the order they come.
fn two_more_clients(gw: &Gateway) -> mpsc::Receiver<std::io::Result<Resp>> {
    let (tx, rx) = mpsc::channel();
    for name in ["b", "c"] {
        let mut c = gw.connect();
        c.send(format!("GET /{name} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        let tx = tx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(c.try_read_response(false));
        });
    }
    rx
}

#[test]
fn queue_overflow_is_503_with_retry_after() {
    let gate = Gate::new();
    let up = blocking_upstream(&gate);
    let gw = Gateway::start(&format!(
        "workers 1;\nqueue 1;\nupstream u {{ server {}; }}\nroute r {{ path /*; upstream u; }}\n",
        up.hostport()
    ));
    // The only worker is now stuck in the upstream.
    let mut busy = gw.connect();
    busy.send(b"GET /block HTTP/1.1\r\nHost: t\r\n\r\n");
    up.wait_requests(1);

    // Two more clients: one fits the queue, the other must be shed at once.
    let rx = two_more_clients(&gw);
    let first = rx
        .recv_timeout(WAIT)
        .expect("one client must be answered while the worker is busy")
        .expect("a response");
    assert_eq!(first.status, 503, "{first:?}");
    first.assert_json_error("overloaded");
    assert!(first.has_header("retry-after"), "{first:?}");
    assert!(first.header("retry-after").unwrap().parse::<u64>().is_ok());

    gate.open();
    let r = busy.read_response(false);
    assert_eq!((r.status, r.text().as_str()), (200, "released"));
    let queued = rx
        .recv_timeout(WAIT)
        .expect("the queued client")
        .expect("a response");
    assert_eq!(queued.status, 200, "{queued:?}");
}

#[test]
fn overload_is_shed_while_the_only_worker_is_stuck_in_a_request_body() {
    // While the only worker waits for a body that does not come, nobody
    // polls the sockets in its stead but the watcher's safety net: new
    // clients must still be queued, and the one too many shed at once.
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "workers 1;\nqueue 1;\ntimeouts header=30s idle=30s;\n\
         upstream u {{ server {}; }}\nroute r {{ path /*; upstream u; }}\n",
        up.hostport()
    ));
    let mut stuck = gw.connect();
    stuck.send(b"POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    // Once the gateway is connected upstream, the worker is in the body.
    let start = Instant::now();
    while up.connections() == 0 {
        assert!(
            start.elapsed() < WAIT,
            "the gateway never connected upstream"
        );
        std::thread::sleep(Duration::from_millis(10)); // bounded condition poll
    }
    let rx = two_more_clients(&gw);
    let shed_at = Instant::now();
    let first = rx
        .recv_timeout(WAIT)
        .expect("one client must be answered while the worker is stuck")
        .expect("a response");
    assert_eq!(first.status, 503, "{first:?}");
    assert!(first.has_header("retry-after"));
    assert!(
        shed_at.elapsed() < Duration::from_secs(2),
        "shedding took {:?}",
        shed_at.elapsed()
    );
    stuck.send(b"defghij");
    assert_eq!(stuck.read_response(false).status, 200);
    let queued = rx
        .recv_timeout(WAIT)
        .expect("the queued client")
        .expect("a response");
    assert_eq!(queued.status, 200, "{queued:?}");
}

/// The issue asks for this with `workers 64`; it runs with 64 and with 4
/// workers (the harder case).
#[test]
fn slow_and_idle_connections_do_not_starve_a_normal_client() {
    starvation(64);
}

#[test]
fn slow_and_idle_connections_do_not_starve_a_normal_client_with_4_workers() {
    starvation(4);
}

fn starvation(workers: usize) {
    const SLOW: usize = 1000;
    const IDLE: usize = 1000;
    const REQUESTS: usize = 100;
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "workers {workers};\ntimeouts header=60s idle=60s;\n\
         upstream u {{ server {}; keepalive 8; }}\nroute r {{ path /*; upstream u; }}\n",
        up.hostport()
    ));
    let mut slow = Vec::with_capacity(SLOW);
    for _ in 0..SLOW {
        let mut c = TcpStream::connect(gw.addr).expect("connect slow client");
        c.write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\nX-Trickle: ")
            .unwrap();
        slow.push(c);
    }
    let idle: Vec<TcpStream> = (0..IDLE)
        .map(|_| TcpStream::connect(gw.addr).expect("connect idle client"))
        .collect();

    // Slowloris: every slow connection sends one more header byte about
    // once a second while the normal client is measured.
    let stop = Arc::new(AtomicBool::new(false));
    let trickler = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                for c in slow.iter_mut().skip(i % 10).step_by(10) {
                    let _ = c.write_all(b"a");
                }
                i += 1;
                std::thread::sleep(Duration::from_millis(100)); // pacing, not synchronisation
            }
            slow
        })
    };

    // Warm up once, then measure sequential requests on fresh connections.
    assert_eq!(
        gw.request("GET /warm HTTP/1.1\r\nHost: t\r\n\r\n").status,
        200
    );
    let mut times = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        let start = Instant::now();
        let r = gw.request(&format!("GET /n/{i} HTTP/1.1\r\nHost: t\r\n\r\n"));
        times.push(start.elapsed());
        assert_eq!(r.status, 200, "{r:?}");
    }
    stop.store(true, Ordering::SeqCst);
    let slow = trickler.join().unwrap();
    times.sort();
    let p50 = times[REQUESTS / 2];
    let p99 = times[REQUESTS * 99 / 100 - 1];
    println!(
        "workers {workers}, {SLOW} trickling + {IDLE} idle connections: normal requests p50 {p50:?}, p99 {p99:?}, max {:?}",
        times[REQUESTS - 1]
    );
    assert!(p99 < Duration::from_millis(100), "p99 {p99:?}");
    drop((slow, idle));
}

#[test]
fn header_timeout_closes_an_unfinished_head() {
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "timeouts header=300ms idle=300ms;\n{}",
        proxy_config(&up, "", "path /*;")
    ));
    // Nothing sent at all.
    let mut silent = gw.connect();
    // Half a head.
    let mut half = gw.connect();
    half.send(b"GET /x HTTP/1.1\r\nHost: t\r\n");
    let start = Instant::now();
    assert!(
        eof_within(&mut silent, WAIT),
        "a silent connection was never closed"
    );
    assert!(
        eof_within(&mut half, WAIT),
        "an unfinished head was never closed"
    );
    assert!(start.elapsed() >= Duration::from_millis(250));
    assert_eq!(up.request_count(), 0);
}

#[test]
fn header_timeout_is_a_deadline_not_a_per_read_timeout() {
    // A slowloris client that sends a byte every 50 ms must still be cut
    // off when the whole head has not arrived within header=300ms.
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "timeouts header=300ms idle=300ms;\n{}",
        proxy_config(&up, "", "path /*;")
    ));
    let mut c = gw.connect();
    c.send(b"GET /x HTTP/1.1\r\nHost: t\r\nX-Slow: ");
    let start = Instant::now();
    let mut closed = false;
    while start.elapsed() < Duration::from_secs(5) {
        if c.try_send(b"a").is_err() {
            closed = true;
            break;
        }
        if let Closed::Eof = c.closed_within(Duration::from_millis(50)) {
            closed = true;
            break;
        }
    }
    assert!(closed, "a trickling head kept the connection open for 5 s");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(up.request_count(), 0);
}

#[test]
fn idle_timeout_closes_a_kept_alive_connection() {
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "timeouts header=300ms idle=300ms;\n{}",
        proxy_config(&up, "", "path /*;")
    ));
    let mut c = gw.connect();
    c.send(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    assert_ne!(r.header("connection"), Some("close"));
    let start = Instant::now();
    assert!(
        eof_within(&mut c, WAIT),
        "an idle keep-alive connection was never closed"
    );
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn sigterm_drains_the_request_in_flight_then_exits_0() {
    let gate = Gate::new();
    let up = blocking_upstream(&gate);
    let mut gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    let mut c = gw.connect();
    c.send(b"GET /block HTTP/1.1\r\nHost: t\r\n\r\n");
    up.wait_requests(1);

    gw.sigterm();
    // Shutdown has begun once the listener is gone.
    let start = Instant::now();
    while TcpStream::connect_timeout(&gw.addr, Duration::from_millis(200)).is_ok() {
        assert!(
            start.elapsed() < WAIT,
            "the gateway kept accepting after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10)); // bounded condition poll
    }
    assert!(
        gw.wait_exit(Duration::ZERO).is_none(),
        "exited before draining"
    );

    gate.open();
    let r = c.read_response(false);
    assert_eq!((r.status, r.text().as_str()), (200, "released"));
    let status = gw
        .wait_exit(WAIT)
        .expect("the gateway did not exit after draining");
    assert_eq!(status.code(), Some(0), "stderr: {}", gw.stderr());
}

#[test]
fn sigterm_when_idle_exits_0_promptly() {
    let up = Upstream::ok();
    let mut gw = Gateway::start(&proxy_config(&up, "", "path /*;"));
    // An idle keep-alive connection must not hold the shutdown up.
    let mut c = gw.connect();
    c.send(b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(c.read_response(false).status, 200);
    gw.sigterm();
    let status = gw.wait_exit(WAIT).expect("no exit after SIGTERM");
    assert_eq!(status.code(), Some(0));
    assert!(eof_within(&mut c, WAIT));
}

#[test]
fn rss_with_1000_idle_keep_alive_connections() {
    const N: usize = 1000;
    let up = Upstream::ok();
    let gw = Gateway::start(&format!(
        "timeouts header=60s idle=60s;\n{}",
        proxy_config(&up, "", "path /*;")
    ));
    let before = gw.rss_kib();
    let addr = gw.addr;
    let handles: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                (0..N / 4)
                    .map(|_| {
                        let mut c = Conn::connect(addr);
                        c.send(b"GET /ka HTTP/1.1\r\nHost: t\r\n\r\n");
                        assert_eq!(c.read_response(false).status, 200);
                        c
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut conns: Vec<Conn> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let rss = gw.rss_kib();
    println!(
        "gateway VmRSS: {before} KiB at start, {rss} KiB with {N} idle keep-alive connections \
         ({:.1} KiB per connection)",
        (rss.saturating_sub(before)) as f64 / N as f64
    );
    assert!(
        rss < 200 * 1024,
        "VmRSS {rss} KiB with {N} idle connections"
    );
    // They are still alive and usable.
    let first = conns.first_mut().unwrap();
    first.send(b"GET /again HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(first.read_response(false).status, 200);
    let last = conns.last_mut().unwrap();
    last.send(b"GET /again HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(last.read_response(false).status, 200);
}

#[test]
fn sighup_reloads_and_a_bad_config_keeps_the_old_one_serving() {
    let gw = Gateway::start("route r { path /v; respond 200 \"one\"; }\n");
    let get = || gw.request("GET /v HTTP/1.1\r\nHost: t\r\n\r\n").text();
    assert_eq!(get(), "one");
    let conf = gw.dir.path.join("gateway.conf");
    let reload = |text: &str| {
        std::fs::write(&conf, format!("listen 127.0.0.1:0;\n{text}")).unwrap();
        gw.sighup();
    };

    reload("route r { path /v; respond 200 \"two\"; }\n");
    assert!(gw.wait_stderr("config reloaded"), "stderr: {}", gw.stderr());
    assert_eq!(get(), "two");

    // A typo: refused with file:line:col, and the last good config serves on.
    reload("route r { path /v; respnd 200 \"three\"; }\n");
    assert!(gw.wait_stderr("reload refused"), "stderr: {}", gw.stderr());
    assert!(
        gw.stderr().contains("gateway.conf:2:"),
        "stderr: {}",
        gw.stderr()
    );
    assert_eq!(get(), "two");
}
