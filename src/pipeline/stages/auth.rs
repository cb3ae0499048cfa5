//! The auth stage: find the credential, verify it, and either let the
//! request through (recording who it is) or answer `401` with a
//! `WWW-Authenticate` challenge saying why (RFC 6750 §3, RFC 7617).
//!
//! Credentials are passed on upstream untouched, as Kong and Envoy do by
//! default (upstreams may want the token). What the stage records (the
//! consumer, the verified claims) is what later stages use: rate limiting
//! by consumer, `claims_to_headers`.

use crate::auth::{
    basic_challenge, bearer_challenge, bearer_token, cookie_value, query_param, ApiKeySet,
    AuthError, Htpasswd, JwtVerifier,
};
use crate::config::TokenSource;
use crate::pipeline::{Ctx, Flow, Response, Stage};

/// What proves the caller's identity on this route.
#[derive(Debug)]
pub enum Credential {
    /// A signed JWT.
    Jwt(JwtVerifier),
    /// A key from a configured set.
    ApiKey(ApiKeySet),
    /// A user and password from an htpasswd file.
    Basic {
        /// Realm shown in the challenge.
        realm: String,
        /// The users.
        users: Htpasswd,
    },
}

/// The `auth` stage.
#[derive(Debug)]
pub struct AuthStage {
    credential: Credential,
    source: TokenSource,
}

impl AuthStage {
    /// A stage that reads its credential from `source`.
    pub fn new(credential: Credential, source: TokenSource) -> Self {
        AuthStage { credential, source }
    }

    /// The raw credential from where this route looks for it.
    fn presented(&self, ctx: &Ctx) -> Option<Vec<u8>> {
        let headers = &ctx.req.headers;
        match &self.source {
            TokenSource::Bearer => headers
                .get("authorization")
                .and_then(bearer_token)
                .map(<[u8]>::to_vec),
            TokenSource::Header(name) => headers.get(name).map(<[u8]>::to_vec),
            TokenSource::Cookie(name) => headers
                .get("cookie")
                .and_then(|c| cookie_value(c, name))
                .map(<[u8]>::to_vec),
            TokenSource::Query(name) => ctx
                .req
                .query
                .as_deref()
                .and_then(|q| query_param(q, name))
                .map(String::into_bytes),
        }
    }

    fn deny(&self, ctx: &Ctx, err: AuthError) -> Flow {
        let mut resp = Response::error(401, "unauthorized", err.message(), &ctx.request_id);
        let challenge = match &self.credential {
            Credential::Basic { realm, .. } => basic_challenge(realm),
            Credential::Jwt(_) => bearer_challenge(err),
            Credential::ApiKey(_) => "ApiKey".to_string(),
        };
        resp.headers.set("WWW-Authenticate", challenge);
        Flow::Respond(resp)
    }
}

impl Stage for AuthStage {
    fn name(&self) -> &'static str {
        "auth"
    }

    fn on_request(&self, ctx: &mut Ctx) -> Flow {
        let result = match &self.credential {
            Credential::Basic { users, .. } => match ctx.req.headers.get("authorization") {
                Some(v) => users.verify(v).map(|user| (Some(user), None)),
                None => Err(AuthError::MissingCredentials),
            },
            Credential::Jwt(verifier) => match self.presented(ctx) {
                Some(token) => verifier
                    .verify(&token, ctx.now_unix)
                    .map(|claims| (claims.subject(), Some(claims))),
                None => Err(AuthError::MissingCredentials),
            },
            Credential::ApiKey(keys) => match self.presented(ctx) {
                Some(key) => keys
                    .lookup(&key)
                    .map(|m| (m.consumer, None))
                    .ok_or(AuthError::UnknownKey),
                None => Err(AuthError::MissingCredentials),
            },
        };
        match result {
            Ok((consumer, claims)) => {
                ctx.consumer = consumer;
                ctx.claims = claims;
                Flow::Continue
            }
            Err(e) => self.deny(ctx, e),
        }
    }
}
