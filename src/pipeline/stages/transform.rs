//! Request transforms: the path the upstream sees, and verified JWT claims
//! turned into headers.

use crate::pipeline::{Ctx, Flow, Stage};
use crate::router::{strip_prefix, RewriteTemplate};

/// `strip_prefix /users;` or `rewrite /v2/users/{id};`.
#[derive(Debug)]
pub enum PathRewrite {
    /// Drop this prefix from the normalised path.
    StripPrefix(String),
    /// Build the path from a template with `{param}` and `$n`.
    Template(RewriteTemplate),
}

impl Stage for PathRewrite {
    fn name(&self) -> &'static str {
        "rewrite"
    }

    fn on_request(&self, ctx: &mut Ctx) -> Flow {
        ctx.upstream_path = match self {
            PathRewrite::StripPrefix(prefix) => strip_prefix(&ctx.req.path, prefix),
            PathRewrite::Template(t) => t.apply(&ctx.params, &ctx.captures),
        };
        Flow::Continue
    }
}

/// `claims_to_headers sub=X-User-Id role=X-Role;`
///
/// Every configured header is removed from the client's request first,
/// whether or not the claim exists: a client must never be able to forge
/// `X-User-Id` by sending it itself.
#[derive(Debug)]
pub struct ClaimsToHeaders {
    pairs: Vec<(String, String)>,
}

impl ClaimsToHeaders {
    /// Maps claim names to header names.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        ClaimsToHeaders { pairs }
    }
}

impl Stage for ClaimsToHeaders {
    fn name(&self) -> &'static str {
        "claims_to_headers"
    }

    fn on_request(&self, ctx: &mut Ctx) -> Flow {
        for (claim, header) in &self.pairs {
            ctx.req.headers.remove(header);
            if let Some(v) = ctx.claims.as_ref().and_then(|c| c.header_value(claim)) {
                ctx.req.headers.set(header, v.into_bytes());
            }
        }
        Flow::Continue
    }
}
