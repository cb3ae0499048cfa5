//! Runs GateLite on `gateway.conf.example` in front of two demo upstreams.
//!
//! ```text
//! cargo run --release --example basic_proxy
//! ```
//!
//! The demo upstreams listen on 127.0.0.1:9001 and 127.0.0.1:9002 (the
//! ports the example config names) and answer every request with a small
//! JSON echo of what they received — method, path, and the headers the
//! gateway added — so you can see forwarding, rewrites and auth at work.
//!
//! The example config shows the JWT and Basic-auth routes commented out,
//! because they need a secret and a users file. This demo supplies both (a
//! demo secret, a temporary htpasswd file with one user) and switches those
//! two routes on in a copy of the config; everything else is the file as it
//! stands. Stop with Ctrl-C: the gateway drains and exits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

const CONFIG: &str = "gateway.conf.example";
const DEMO_JWT_SECRET: &str = "demo-secret-change-me";
const DEMO_API_KEY: &str = "demo-key";
const DEMO_USER: (&str, &str) = ("ops", "ops-password");

fn main() {
    for port in [9001, 9002] {
        let listener = match TcpListener::bind(("127.0.0.1", port)) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("basic_proxy: cannot start the demo upstream on 127.0.0.1:{port}: {e}");
                std::process::exit(3);
            }
        };
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                thread::spawn(move || serve_demo(stream, port));
            }
        });
    }

    let config = match demo_config() {
        Ok(path) => path,
        Err(e) => {
            eprintln!("basic_proxy: cannot prepare the demo config: {e}");
            std::process::exit(1);
        }
    };
    let secret = std::env::var("JWT_SECRET").unwrap_or_default();
    let claims = r#"{"sub":"42","role":"admin","iss":"https://id.example.com","aud":"api","exp":4102444800}"#;
    let token = gatelite::auth::sign(claims, secret.as_bytes(), gatelite::auth::Alg::HS256, None)
        .unwrap_or_else(|_| "(could not sign)".into());
    let (user, password) = DEMO_USER;

    println!("demo upstreams on 127.0.0.1:9001 and 127.0.0.1:9002; gateway config {CONFIG}");
    println!("(with its jwt and basic-auth routes switched on: {config})");
    println!("try, in another terminal:");
    println!("  curl -i http://127.0.0.1:8080/health");
    println!("  curl -i http://127.0.0.1:8080/users/42                       # rewritten to /v2/users/42");
    println!("  curl -i -X POST http://127.0.0.1:8080/health                 # 405 with Allow");
    println!("  curl -i http://127.0.0.1:8080/api/orders?page=2              # prefix stripped, query kept");
    println!("  curl -i http://127.0.0.1:8080/v3/items/blue-shoe             # regex captures -> /items/blue-shoe/version/3");
    println!(
        "  curl -i --path-as-is http://127.0.0.1:8080/a/../../etc       # 400: climbs above /"
    );
    println!("  curl -i http://127.0.0.1:8080/private/profile                # 401: no token");
    println!("  curl -i -H 'Authorization: Bearer {token}' http://127.0.0.1:8080/private/profile");
    println!("  curl -i http://127.0.0.1:8080/partners/orders                # 401: no API key");
    println!("  curl -i -H 'X-Api-Key: {DEMO_API_KEY}' http://127.0.0.1:8080/partners/orders");
    println!("  curl -i -u {user}:{password} http://127.0.0.1:8080/ops/status");
    println!("  curl -i -H 'Host: api.example.com' http://127.0.0.1:8080/anything");
    println!("  curl -i -d 'hello' -H 'Transfer-Encoding: chunked' http://127.0.0.1:8080/api/echo");
    println!("  cargo run --release -- route {CONFIG} GET /users/42         # explain a match");
    println!("  cargo run --release -- jwt sign --secret {DEMO_JWT_SECRET} '{{\"sub\":\"7\"}}'");
    println!();

    let args = vec!["run".to_string(), config];
    std::process::exit(gatelite::cli::main(&args));
}

/// Writes the demo's copy of the example config (with the commented-out
/// `private` and `ops` routes switched on, and the htpasswd file they
/// need) to a temporary directory; sets `JWT_SECRET` unless it is set.
fn demo_config() -> std::io::Result<String> {
    if std::env::var_os("JWT_SECRET").is_none() {
        std::env::set_var("JWT_SECRET", DEMO_JWT_SECRET);
    }
    let dir = std::env::temp_dir().join(format!("gatelite-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (user, password) = DEMO_USER;
    let digest = gatelite::crypto::sha256(password.as_bytes());
    let htpasswd = dir.join("htpasswd");
    std::fs::write(
        &htpasswd,
        format!(
            "{user}:{{SHA256}}{}\n",
            gatelite::crypto::base64::encode(&digest)
        ),
    )?;
    let text = std::fs::read_to_string(CONFIG)?;
    let text = uncomment_route(&text, "private");
    let text = uncomment_route(&text, "ops")
        .replace("/etc/gatelite/htpasswd", &htpasswd.display().to_string());
    let path = dir.join("gateway.conf");
    std::fs::write(&path, text)?;
    Ok(path.display().to_string())
}

/// `text` with the commented-out block `# route NAME { ... # }` switched on.
fn uncomment_route(text: &str, name: &str) -> String {
    let start = format!("# route {name} {{");
    let mut inside = false;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.trim_start() == start {
            inside = true;
        }
        if inside {
            let on = line.trim_start().strip_prefix('#').unwrap_or(line);
            out.push_str(on.strip_prefix(' ').unwrap_or(on));
            inside = line.trim() != "# }";
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// A tiny keep-alive HTTP/1.1 server: echoes the request as JSON.
fn serve_demo(stream: TcpStream, port: u16) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(30)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        let mut content_length = 0usize;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end().to_string();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim().to_string();
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.parse().unwrap_or(0);
                }
                if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = true;
                }
                headers.push((name.to_string(), value));
            }
        }
        let body_len = if chunked {
            read_chunked(&mut reader)
        } else {
            skip(&mut reader, content_length)
        };
        let mut parts = request_line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let mut json = format!(
            "{{\"upstream\":\"127.0.0.1:{port}\",\"method\":{},\"target\":{},\"body_bytes\":{body_len},\"headers\":{{",
            quote(method),
            quote(target)
        );
        for (i, (n, v)) in headers.iter().enumerate() {
            json.push_str(&format!(
                "{}{}:{}",
                if i > 0 { "," } else { "" },
                quote(n),
                quote(v)
            ));
        }
        json.push_str("}}\n");
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        );
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn skip(reader: &mut impl Read, n: usize) -> usize {
    let mut buf = vec![0u8; n.min(1 << 20)];
    let mut left = n;
    while left > 0 {
        let want = left.min(buf.len());
        match reader.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(k) => left -= k,
        }
    }
    n - left
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> usize {
    let mut total = 0;
    loop {
        let mut size_line = String::new();
        if reader.read_line(&mut size_line).unwrap_or(0) == 0 {
            return total;
        }
        let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16)
            .unwrap_or(0);
        if size == 0 {
            let mut end = String::new();
            let _ = reader.read_line(&mut end);
            return total;
        }
        total += skip(reader, size);
        let mut crlf = String::new();
        let _ = reader.read_line(&mut crlf);
    }
}

fn quote(s: &str) -> String {
    let mut out = String::new();
    gatelite::util::json::write_string(&mut out, s);
    out
}
