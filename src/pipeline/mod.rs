//! The request pipeline: what happens to a request between "its head has
//! been parsed" and "its response has been written".
//!
//! ```text
//! global:  request id -> traceparent -> path normalisation (400)
//!          -> route match (404 / 405 + Allow)
//! route:   stage, stage, ... (each may answer early: auth -> 401, ...)
//!          -> action: proxy to the upstream | respond with fixed text
//! proxy:   send the request (proxy) -> wait, without a thread (Pending)
//!          -> relay the answer as it comes (relay)
//! back:    stages' on_response -> X-Request-Id, Connection -> client
//! ```
//!
//! A [`Gateway`] is the runtime built from one config (see [`build`]): the
//! route table, each route's stage chain, the upstreams with their pools. It
//! is immutable; a reload builds a new one and swaps an `Arc`, so requests in
//! flight finish on the config they started with.

pub mod build;
pub mod client;
pub mod message;
pub mod proxy;
pub mod relay;
pub mod stage;
pub mod stages;

use std::sync::Arc;

use crate::config::Config;
use crate::http::{self, BodyKind, Limits, Version};
use crate::router::{RouteMatch, RouteTable};
use crate::upstream::{Upstream, UpstreamError};
use crate::util::clock::Clock;
use crate::util::ids;
pub use client::Client;
pub use message::{HeaderList, Request, Response};
pub use proxy::{Pending, Progress};
pub use stage::{Ctx, Flow, Stage};

/// What the server does with the client connection after an exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Another request may follow on this connection.
    pub keep_alive: bool,
}

impl Outcome {
    /// The connection must be closed.
    pub fn close() -> Self {
        Outcome { keep_alive: false }
    }

    /// The same outcome, but closing.
    pub fn closing(self) -> Self {
        Outcome { keep_alive: false }
    }
}

/// What answers a route once its stages let the request through.
#[derive(Debug)]
pub enum Action {
    /// Forward to this upstream.
    Proxy(Arc<Upstream>),
    /// Answer with a fixed status and text.
    Respond {
        /// Status.
        status: u16,
        /// Body.
        body: String,
    },
}

/// A route at run time.
#[derive(Debug)]
pub struct Route {
    /// Its name.
    pub name: String,
    /// Its stages, in order.
    pub stages: Vec<Box<dyn Stage>>,
    /// What answers.
    pub action: Action,
}

/// Everything built from one config.
#[derive(Debug)]
pub struct Gateway {
    /// The config it was built from.
    pub config: Config,
    /// Protocol limits for client requests.
    pub limits: Limits,
    /// The route table.
    pub table: RouteTable,
    /// Routes, indexed as in the table.
    pub routes: Vec<Route>,
    /// Upstreams, in config order.
    pub upstreams: Vec<Arc<Upstream>>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

impl Gateway {
    /// Runs one request through the pipeline: an early answer is written
    /// at once; a proxied request comes back as soon as it has been sent
    /// upstream ([`Progress::AwaitingUpstream`]), for [`Gateway::resume`].
    pub fn handle(&self, client: &mut Client<'_>, mut req: Request) -> Progress {
        let request_id = match req.headers.get("x-request-id") {
            Some(v) if ids::is_sane_request_id(v) => String::from_utf8_lossy(v).into_owned(),
            _ => ids::new_request_id(),
        };
        if !req
            .headers
            .get("traceparent")
            .is_some_and(ids::is_valid_traceparent)
        {
            req.headers.set("traceparent", ids::new_traceparent());
        }
        let mut ctx = Ctx {
            upstream_path: String::new(),
            req,
            request_id,
            client_ip: client.peer.ip(),
            now_unix: self.clock.unix_seconds(),
            route: None,
            params: Vec::new(),
            captures: Vec::new(),
            claims: None,
            consumer: None,
            response_headers: HeaderList::new(),
        };
        match http::uri::normalize_target(&ctx.req.target) {
            Ok(n) => {
                ctx.req.path = n.path;
                ctx.req.query = n.query;
                if let Some(authority) = n.authority {
                    // RFC 9112 §3.2.2: an absolute-form target's authority
                    // replaces the Host header, for routing and upstream.
                    if !http::framing::is_valid_host(authority.as_bytes()) {
                        // A malformed request: nothing after it is read
                        // as another request (DESIGN.md §8).
                        ctx.req.keep_alive = false;
                        return self
                            .reply_error(
                                &mut ctx,
                                client,
                                400,
                                "bad_request",
                                "invalid authority in the request target",
                            )
                            .into();
                    }
                    ctx.req.headers.set("Host", authority.into_bytes());
                }
            }
            Err(e) => {
                ctx.req.keep_alive = false;
                return self
                    .reply_error(&mut ctx, client, e.status(), "bad_request", e.message())
                    .into();
            }
        }
        let host = ctx.req.host();
        let (route, params, captures) =
            match self
                .table
                .find(&ctx.req.method, host.as_deref(), &ctx.req.path)
            {
                RouteMatch::Found {
                    route,
                    params,
                    captures,
                } => (route, params, captures),
                RouteMatch::NotFound => {
                    return self
                        .reply_error(
                            &mut ctx,
                            client,
                            404,
                            "not_found",
                            "no route matches this request",
                        )
                        .into()
                }
                RouteMatch::MethodNotAllowed { allow } => {
                    ctx.response_headers.set("Allow", allow.join(", "));
                    let msg = format!("method {} is not allowed here", ctx.req.method);
                    return self
                        .reply_error(&mut ctx, client, 405, "method_not_allowed", &msg)
                        .into();
                }
            };
        ctx.route = Some(route);
        ctx.params = params;
        ctx.captures = captures;
        ctx.upstream_path = ctx.req.path.clone();
        let Some(r) = self.routes.get(route) else {
            return self
                .reply_error(&mut ctx, client, 500, "internal", "route table out of step")
                .into();
        };
        for stage in &r.stages {
            if let Flow::Respond(resp) = stage.on_request(&mut ctx) {
                return self.reply(&mut ctx, client, resp).into();
            }
        }
        match &r.action {
            Action::Respond { status, body } => {
                let resp = Response::text(*status, body.as_bytes());
                self.reply(&mut ctx, client, resp).into()
            }
            Action::Proxy(up) => proxy::forward(self, up, ctx, client),
        }
    }

    /// Finishes a request that waited for its upstream: reads the answer
    /// and relays it. `closing`: the server is shutting down, so the client
    /// connection ends after this response.
    pub fn resume(&self, p: Box<Pending>, client: &mut Client<'_>, closing: bool) -> Progress {
        proxy::resume(self, p, client, closing)
    }

    /// Answers `504` for a request whose upstream did not answer in time.
    pub fn expire(&self, p: Box<Pending>, client: &mut Client<'_>) -> Progress {
        proxy::expire(self, p, client)
    }

    /// Answers with a JSON error body.
    pub fn reply_error(
        &self,
        ctx: &mut Ctx,
        client: &mut Client<'_>,
        status: u16,
        code: &str,
        msg: &str,
    ) -> Outcome {
        let resp = Response::error(status, code, msg, &ctx.request_id);
        self.reply(ctx, client, resp)
    }

    /// Answers for an upstream failure (502 / 504).
    pub fn reply_upstream_error(
        &self,
        ctx: &mut Ctx,
        client: &mut Client<'_>,
        up: &Upstream,
        e: &UpstreamError,
    ) -> Outcome {
        let msg = format!("upstream '{}': {e}", up.name);
        self.reply_error(ctx, client, e.status(), e.code(), &msg)
    }

    /// Writes a response the gateway made itself. A request body that was
    /// not read makes the connection close (the server drains it briefly so
    /// the client still reads this answer).
    pub fn reply(&self, ctx: &mut Ctx, client: &mut Client<'_>, resp: Response) -> Outcome {
        let mut outcome = Outcome {
            keep_alive: ctx.req.body == BodyKind::None,
        };
        let mut headers = resp.headers;
        // RFC 9110 §8.6: no Content-Length on a 204; a 304's would describe
        // the selected representation, which we do not have.
        if !http::status_has_no_body(resp.status) {
            headers.set("Content-Length", resp.body.len().to_string());
        }
        self.finish_response_headers(ctx, resp.status, &mut headers, &mut outcome);
        let body: &[u8] = if ctx.req.method == "HEAD" {
            &[]
        } else {
            &resp.body
        };
        match client.write_all(&serialize(resp.status, &headers, body)) {
            Ok(()) => outcome,
            Err(_) => Outcome::close(),
        }
    }

    /// The last touches on every response head: the route's stages, headers
    /// stages asked for, `X-Request-Id`, and `Connection`.
    pub fn finish_response_headers(
        &self,
        ctx: &Ctx,
        status: u16,
        headers: &mut HeaderList,
        outcome: &mut Outcome,
    ) {
        if let Some(r) = ctx.route.and_then(|i| self.routes.get(i)) {
            for stage in r.stages.iter().rev() {
                stage.on_response(ctx, status, headers);
            }
        }
        for (name, value) in ctx.response_headers.iter() {
            headers.set(name, value);
        }
        if !headers.contains("x-request-id") {
            headers.set("X-Request-Id", ctx.request_id.as_bytes());
        }
        outcome.keep_alive &= ctx.req.keep_alive;
        if !outcome.keep_alive {
            headers.set("Connection", "close");
        } else if ctx.req.version == Version::Http10 {
            headers.set("Connection", "keep-alive");
        }
    }
}

/// A whole response as bytes: status line, headers, body (one write).
fn serialize(status: u16, headers: &HeaderList, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + body.len());
    http::write_response_head(&mut out, Version::Http11, status, &headers.as_pairs());
    out.extend_from_slice(body);
    out
}

/// A complete JSON error response for a request that never reached the
/// pipeline (a malformed head, an overloaded server): fresh request id,
/// `Connection: close`, and `Retry-After` on 503.
pub fn reject(status: u16, message: &str) -> Vec<u8> {
    let code = error_code(status);
    let id = ids::new_request_id();
    let resp = Response::error(status, code, message, &id);
    let mut headers = resp.headers;
    headers.set("X-Request-Id", id);
    headers.set("Content-Length", resp.body.len().to_string());
    headers.set("Connection", "close");
    if status == 503 {
        headers.set("Retry-After", "1");
    }
    serialize(status, &headers, &resp.body)
}

impl Gateway {
    /// What `gatelite route` prints: the route a request would match, its
    /// params, the path sent upstream and the stage chain, or why nothing
    /// matched.
    pub fn explain(&self, method: &str, target: &str, host: Option<&str>) -> String {
        let norm = match http::uri::normalize_target(target) {
            Ok(n) => n,
            Err(e) => return format!("400 bad request: {}", e.message()),
        };
        // The table ignores a `:port` and case itself, as for a Host header.
        match self.table.find(method, host, &norm.path) {
            RouteMatch::NotFound => {
                let mut out = format!("404 no route matches {method} {}", norm.path);
                if let Some(h) = host {
                    out.push_str(&format!(" on host {h}"));
                }
                let hosts = self.table.hosts_with_route(method, &norm.path);
                if !hosts.is_empty() {
                    out.push_str(&format!("; it has a route on host {}", hosts.join(", ")));
                }
                out
            }
            RouteMatch::MethodNotAllowed { allow } => {
                format!(
                    "405 {method} is not allowed on {}; Allow: {}",
                    norm.path,
                    allow.join(", ")
                )
            }
            RouteMatch::Found {
                route,
                params,
                captures,
            } => {
                let Some(r) = self.routes.get(route) else {
                    return "internal error: route table out of step".to_string();
                };
                let mut ctx = Ctx::explain(route, &norm.path, params, captures);
                for stage in r.stages.iter().filter(|s| s.name() == "rewrite") {
                    stage.on_request(&mut ctx);
                }
                let mut out = format!("route: {}\n", r.name);
                if let Some(def) = self.table.def(route) {
                    out.push_str(&format!(
                        "  defined at: {}:{}\n",
                        self.config.file, def.line
                    ));
                }
                let params: Vec<String> =
                    ctx.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                out.push_str(&format!(
                    "  params: {}\n",
                    if params.is_empty() {
                        "-".into()
                    } else {
                        params.join(" ")
                    }
                ));
                let caps: Vec<String> = ctx
                    .captures
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(i, c)| format!("${i}={}", c.as_deref().unwrap_or("")))
                    .collect();
                if !caps.is_empty() {
                    out.push_str(&format!("  captures: {}\n", caps.join(" ")));
                }
                let upstream_path = crate::router::rewrite::upstream_target(
                    &ctx.upstream_path,
                    norm.query.as_deref(),
                );
                let stages: Vec<&str> = r.stages.iter().map(|s| s.name()).collect();
                out.push_str(&format!(
                    "  stages: {}\n",
                    if stages.is_empty() {
                        "-".into()
                    } else {
                        stages.join(" -> ")
                    }
                ));
                match &r.action {
                    Action::Proxy(up) => {
                        out.push_str(&format!("  upstream: {} path {}", up.name, upstream_path))
                    }
                    Action::Respond { status, .. } => out.push_str(&format!("  respond: {status}")),
                }
                out
            }
        }
    }
}

/// The `error` code of the JSON body for a status the gateway produces
/// from a client's bytes (DESIGN.md §7).
pub fn error_code(status: u16) -> &'static str {
    match status {
        413 => "body_too_large",
        414 => "uri_too_long",
        431 => "headers_too_large",
        501 => "not_implemented",
        503 => "overloaded",
        505 => "version_not_supported",
        _ => "bad_request",
    }
}
