//! The shape every per-route step has.
//!
//! A route is a chain of stages (CORS, auth, rate limit, cache, transforms)
//! followed by an action (proxy to an upstream, or answer directly). Each
//! stage looks at the request context and either lets it through or answers
//! early: an auth stage that finds no token answers `401` and the upstream is
//! never contacted. On the way back, stages may adjust the response head.
//!
//! The chain is built once when the config loads (`pipeline::build`), so the
//! per-request cost is a walk over a short `Vec<Box<dyn Stage>>`.

use super::message::{HeaderList, Request, Response};
use crate::auth::Claims;
use std::net::IpAddr;

/// A stage's verdict on a request.
#[derive(Debug)]
pub enum Flow {
    /// Go on to the next stage.
    Continue,
    /// Answer now with this response; later stages and the upstream are skipped.
    Respond(Response),
}

/// Per-request state the stages read and write.
#[derive(Debug)]
pub struct Ctx {
    /// The request as it will be forwarded (stages may change headers).
    pub req: Request,
    /// This request's id (sent upstream and back as `X-Request-Id`).
    pub request_id: String,
    /// The client's address.
    pub client_ip: IpAddr,
    /// Wall-clock time when the request arrived (seconds since the epoch, from
    /// the gateway's injected clock).
    pub now_unix: u64,
    /// Index of the matched route (`None` until the route match, and for
    /// requests that match none).
    pub route: Option<usize>,
    /// Path parameters of the match (`/users/{id}` -> `id`).
    pub params: Vec<(String, String)>,
    /// Regex capture groups of the match (`$1` ...).
    pub captures: Vec<Option<String>>,
    /// The path (without query) sent upstream; starts as the normalised path.
    pub upstream_path: String,
    /// Verified JWT claims, when the route authenticates with JWT.
    pub claims: Option<Claims>,
    /// The authenticated consumer (API key name, Basic user or JWT `sub`).
    pub consumer: Option<String>,
    /// Headers stages add to the response the client gets.
    pub response_headers: HeaderList,
}

impl Ctx {
    /// A context for explaining a match offline (`gatelite route`).
    pub fn explain(
        route: usize,
        path: &str,
        params: Vec<(String, String)>,
        captures: Vec<Option<String>>,
    ) -> Ctx {
        let req = Request {
            method: String::new(),
            target: path.to_string(),
            path: path.to_string(),
            query: None,
            version: crate::http::Version::Http11,
            headers: HeaderList::new(),
            body: crate::http::BodyKind::None,
            expect_continue: false,
            keep_alive: false,
        };
        Ctx {
            req,
            request_id: String::new(),
            client_ip: IpAddr::from([127, 0, 0, 1]),
            now_unix: 0,
            route: Some(route),
            params,
            captures,
            upstream_path: path.to_string(),
            claims: None,
            consumer: None,
            response_headers: HeaderList::new(),
        }
    }
}

/// One step of a route's chain.
pub trait Stage: Send + Sync + std::fmt::Debug {
    /// A short name for `gatelite route` and the trace (`auth`, `rewrite`).
    fn name(&self) -> &'static str;

    /// Looks at (and may change) the request; may answer early.
    fn on_request(&self, ctx: &mut Ctx) -> Flow;

    /// May adjust the response head on its way to the client.
    fn on_response(&self, _ctx: &Ctx, _status: u16, _headers: &mut HeaderList) {}
}
