//! The auth stage: find the credential, verify it, and either let the
//! request through (recording who it is) or answer `401` with a
//! `WWW-Authenticate` challenge saying why (RFC 6750 §3, RFC 7617).
//!
//! Where the credential is looked for is the route's [`TokenSource`]. A
//! credential sent twice (two `Authorization` fields, which RFC 9110 §5.3
//! does not allow for a non-list field, two copies of the API key header
//! or query parameter) is refused with 401: the gateway would check one
//! copy and the upstream might read the other. Cookies are the exception
//! that browsers force: several `Cookie` fields are searched in order and
//! the first cookie of that name counts (RFC 6265 §5.4 orders the most
//! specific first). On a JWT route with `header=NAME`, the field may hold
//! the bare token or `Bearer <token>`.
//!
//! Credentials are passed on upstream untouched, including an API key in
//! the query string: this is what Kong does by default (its `key-auth` and
//! `jwt` plugins forward them unless `hide_credentials` is set), so
//! upstreams that want the token still see it. What the stage records (the
//! consumer, the verified claims) is what later stages use: rate limiting
//! by consumer, `claims_to_headers`.

use crate::auth::{
    basic_challenge, bearer_challenge, bearer_token, cookie_value, single_query_param, ApiKeySet,
    AuthError, Htpasswd, JwtVerifier, QueryParamError,
};
use crate::config::TokenSource;
use crate::pipeline::{Ctx, Flow, HeaderList, Response, Stage};

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

    /// The raw credential from where this route looks for it: `Ok(None)`
    /// when there is none, an error when it was sent more than once or
    /// cannot be decoded.
    fn presented(&self, ctx: &Ctx) -> Result<Option<Vec<u8>>, AuthError> {
        let headers = &ctx.req.headers;
        let found = match &self.source {
            TokenSource::Bearer => single_field(headers, "authorization")?.and_then(bearer_token),
            TokenSource::Header(name) => {
                single_field(headers, name)?.map(|v| match self.credential {
                    Credential::Jwt(_) => bearer_token(v).unwrap_or(v),
                    _ => v,
                })
            }
            TokenSource::Cookie(name) => headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
                .find_map(|(_, c)| cookie_value(c, name)),
            TokenSource::Query(name) => {
                let query = ctx.req.query.as_deref().unwrap_or_default();
                return match single_query_param(query, name) {
                    Ok(v) => Ok(v.map(String::into_bytes)),
                    Err(QueryParamError::Repeated) => Err(AuthError::DuplicateCredentials),
                    Err(QueryParamError::Undecodable) => Err(AuthError::Malformed),
                };
            }
        };
        Ok(found.map(<[u8]>::to_vec))
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

/// The value of the field `name` when it is present once; a second copy is
/// [`AuthError::DuplicateCredentials`].
fn single_field<'h>(headers: &'h HeaderList, name: &str) -> Result<Option<&'h [u8]>, AuthError> {
    let mut values = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v);
    match (values.next(), values.next()) {
        (first, None) => Ok(first),
        (_, Some(_)) => Err(AuthError::DuplicateCredentials),
    }
}

impl Stage for AuthStage {
    fn name(&self) -> &'static str {
        "auth"
    }

    fn on_request(&self, ctx: &mut Ctx) -> Flow {
        let result = match &self.credential {
            Credential::Basic { users, .. } => {
                match single_field(&ctx.req.headers, "authorization") {
                    Ok(Some(v)) => users.verify(v).map(|user| (Some(user), None)),
                    Ok(None) => Err(AuthError::MissingCredentials),
                    Err(e) => Err(e),
                }
            }
            Credential::Jwt(verifier) => match self.presented(ctx) {
                Ok(Some(token)) => verifier
                    .verify(&token, ctx.now_unix)
                    .map(|claims| (claims.subject(), Some(claims))),
                Ok(None) => Err(AuthError::MissingCredentials),
                Err(e) => Err(e),
            },
            Credential::ApiKey(keys) => match self.presented(ctx) {
                Ok(Some(key)) => keys
                    .lookup(&key)
                    .map(|m| (m.consumer, None))
                    .ok_or(AuthError::UnknownKey),
                Ok(None) => Err(AuthError::MissingCredentials),
                Err(e) => Err(e),
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
