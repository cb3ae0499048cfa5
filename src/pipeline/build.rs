//! Specs -> runtime: turns a validated [`Config`] into a [`Gateway`].
//!
//! This is where the config's plain data meets the runtime types: path
//! patterns are compiled by the router, auth secrets are decoded, htpasswd
//! files are read, upstreams get their pools. Errors still point at the
//! config (`file:line:col`), so `gatelite check` runs this too: a config
//! that passes `check` is one that will start.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::stages::{AuthStage, ClaimsToHeaders, Credential, PathRewrite};
use super::{Action, Gateway, Route, Stage};
use crate::auth::{parse_secret_list, Alg, ApiKeySet, Htpasswd, JwtPolicy, JwtVerifier};
use crate::config::{ActionSpec, AuthSpec, Config, ConfigError, Pos, RewriteSpec, RouteSpec};
use crate::http::Limits;
use crate::router::{
    HostPattern, PathPattern, PatternError, RewriteTemplate, RouteDef, RouteTable,
};
use crate::upstream::{ServerDef, Timeouts, Upstream};
use crate::util::clock::Clock;
use crate::util::io::read_file_bounded;

/// The largest htpasswd file read for `auth basic` (a million users fit).
pub const MAX_HTPASSWD_BYTES: usize = 64 * 1024 * 1024;

/// Builds the runtime from `config`, reading the environment through `env`.
pub fn build(
    config: Config,
    clock: Arc<dyn Clock>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Gateway, Vec<ConfigError>> {
    let file = config.file.clone();
    let err = |pos: Pos, msg: String| ConfigError::new(&file, pos, msg);
    let mut errors = Vec::new();

    let upstreams: Vec<Arc<Upstream>> = config
        .upstreams
        .iter()
        .map(|u| {
            let servers: Vec<ServerDef> = u
                .servers
                .iter()
                .map(|s| ServerDef {
                    addr: s.addr,
                    label: s.text.clone(),
                    weight: s.weight,
                })
                .collect();
            let t = Timeouts {
                connect: u.timeouts.connect,
                read: u.timeouts.read,
                write: u.timeouts.write,
            };
            Arc::new(Upstream::new(&u.name, &servers, u.keepalive, t))
        })
        .collect();
    let by_name: HashMap<&str, &Arc<Upstream>> =
        upstreams.iter().map(|u| (u.name.as_str(), u)).collect();

    let mut defs = Vec::new();
    let mut routes = Vec::new();
    for spec in &config.routes {
        let def = match route_def(spec) {
            Ok(d) => d,
            Err((pos, msg)) => {
                errors.push(err(pos, msg));
                continue;
            }
        };
        let stages = match route_stages(spec, &def.path, env) {
            Ok(s) => s,
            Err((pos, msg)) => {
                errors.push(err(pos, msg));
                continue;
            }
        };
        let action = match &spec.action {
            ActionSpec::Respond { status, body } => Action::Respond {
                status: *status,
                body: body.clone(),
            },
            ActionSpec::Upstream(name) => match by_name.get(name.value.as_str()) {
                Some(u) => Action::Proxy(Arc::clone(u)),
                None => {
                    errors.push(err(name.pos, format!("no upstream named '{}'", name.value)));
                    continue;
                }
            },
        };
        defs.push(def);
        routes.push(Route {
            name: spec.name.clone(),
            stages,
            action,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let table = RouteTable::build(defs).map_err(|es| {
        es.into_iter()
            .map(|e| {
                err(
                    Pos {
                        line: e.line,
                        col: 1,
                    },
                    e.message,
                )
            })
            .collect::<Vec<_>>()
    })?;
    let limits = Limits {
        max_head_bytes: config.limits.header,
        max_uri_bytes: config.limits.uri,
        max_body_bytes: config.limits.body,
    };
    Ok(Gateway {
        config,
        limits,
        table,
        routes,
        upstreams,
        clock,
    })
}

type BuildResult<T> = Result<T, (Pos, String)>;

/// Moves a pattern error's column (inside the pattern text) onto the line.
fn at(pos: Pos, e: PatternError) -> (Pos, String) {
    (
        Pos {
            line: pos.line,
            col: pos.col + e.column.saturating_sub(1),
        },
        e.message,
    )
}

fn route_def(spec: &RouteSpec) -> BuildResult<RouteDef> {
    let path = PathPattern::parse(&spec.path.text, spec.path.is_regex)
        .map_err(|e| at(spec.path.pos, e))?;
    let host = match &spec.host {
        Some(h) => Some(HostPattern::parse(&h.value).map_err(|e| at(h.pos, e))?),
        None => None,
    };
    Ok(RouteDef {
        name: spec.name.clone(),
        path,
        host,
        methods: spec.methods.clone(),
        priority: spec.priority,
        line: spec.pos.line,
    })
}

/// The route's chain, in the order of DESIGN.md §2: auth, then the request
/// transform (claims to headers, path rewrite).
fn route_stages(
    spec: &RouteSpec,
    path: &PathPattern,
    env: &dyn Fn(&str) -> Option<String>,
) -> BuildResult<Vec<Box<dyn Stage>>> {
    let mut stages: Vec<Box<dyn Stage>> = Vec::new();
    if let Some(auth) = &spec.auth {
        stages.push(Box::new(auth_stage(auth, env)?));
    }
    if !spec.claims_to_headers.is_empty() {
        stages.push(Box::new(ClaimsToHeaders::new(
            spec.claims_to_headers.clone(),
        )));
    }
    match &spec.rewrite {
        Some(RewriteSpec::StripPrefix(p)) => {
            stages.push(Box::new(PathRewrite::StripPrefix(p.value.clone())))
        }
        Some(RewriteSpec::Rewrite(t)) => {
            let template =
                RewriteTemplate::parse(&t.value, &path.param_names(), path.capture_groups())
                    .map_err(|e| at(t.pos, e))?;
            stages.push(Box::new(PathRewrite::Template(template)));
        }
        None => {}
    }
    Ok(stages)
}

fn auth_stage(spec: &AuthSpec, env: &dyn Fn(&str) -> Option<String>) -> BuildResult<AuthStage> {
    match spec {
        AuthSpec::Jwt {
            secret,
            algs,
            issuer,
            audience,
            leeway,
            source,
        } => {
            let keys = parse_secret_list(&secret.value, env).map_err(|m| (secret.pos, m))?;
            let parsed = Alg::parse_list(&algs.value).map_err(|m| (algs.pos, m))?;
            let policy = JwtPolicy {
                keys,
                algs: parsed,
                issuer: issuer.clone(),
                audience: audience.clone(),
                leeway_secs: leeway.as_secs(),
            };
            Ok(AuthStage::new(
                Credential::Jwt(JwtVerifier::new(policy)),
                source.clone(),
            ))
        }
        AuthSpec::ApiKey { source, keys } => {
            let set = ApiKeySet::parse(&keys.value).map_err(|m| (keys.pos, m))?;
            Ok(AuthStage::new(Credential::ApiKey(set), source.clone()))
        }
        AuthSpec::Basic { realm, users } => {
            let cannot = |why: String| {
                (
                    users.pos,
                    format!("cannot read users file '{}': {why}", users.value),
                )
            };
            let bytes = read_file_bounded(Path::new(&users.value), MAX_HTPASSWD_BYTES)
                .map_err(|e| cannot(e.to_string()))?;
            let text =
                String::from_utf8(bytes).map_err(|_| cannot("it is not UTF-8 text".into()))?;
            let htpasswd = Htpasswd::parse(&text)
                .map_err(|(line, m)| (users.pos, format!("{}:{line}: {m}", users.value)))?;
            Ok(AuthStage::new(
                Credential::Basic {
                    realm: realm.clone(),
                    users: htpasswd,
                },
                crate::config::TokenSource::Header("Authorization".into()),
            ))
        }
    }
}
