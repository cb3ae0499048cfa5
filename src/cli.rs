//! The command line of DESIGN.md §5.
//!
//! ```text
//! gatelite CONFIG                       run (same as: gatelite run CONFIG)
//! gatelite check CONFIG                 validate: "ok" / file:line:col errors
//! gatelite route CONFIG METHOD PATH [HOST]
//! gatelite jwt sign --secret S [--alg HS256] [--kid K] CLAIMS_JSON
//! gatelite --version | --help
//! ```
//!
//! Exit codes: 0 ok, 1 config error, 2 usage error, 3 runtime failure.
//! Arguments are parsed into a [`Command`] first (pure, tested), then run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::auth::{self, Alg};
use crate::config::{self, ConfigError};
use crate::crypto::base64;
use crate::pipeline::{self, Gateway};
use crate::server;
use crate::util::clock::SystemClock;

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: the config is invalid.
pub const EXIT_CONFIG: i32 = 1;
/// Exit code: the command line is wrong.
pub const EXIT_USAGE: i32 = 2;
/// Exit code: the server could not run (bind failed, ...).
pub const EXIT_RUNTIME: i32 = 3;

/// The usage text.
pub const USAGE: &str = "\
usage:
  gatelite CONFIG                       run the gateway (same as: gatelite run CONFIG)
  gatelite check CONFIG                 validate the config: prints ok, or file:line:col errors
  gatelite route CONFIG METHOD PATH [HOST]
                                        show which route matches, its params and stage chain
  gatelite jwt sign --secret S [--alg HS256] [--kid K] CLAIMS_JSON
                                        mint a token (for testing)
  gatelite --version | --help";

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the gateway.
    Run(PathBuf),
    /// Validate a config.
    Check(PathBuf),
    /// Explain routing for one request.
    Route {
        /// Config file.
        config: PathBuf,
        /// Method.
        method: String,
        /// Path (with optional query).
        path: String,
        /// Host header.
        host: Option<String>,
    },
    /// Mint a JWT.
    JwtSign {
        /// Secret (`b64:` for binary).
        secret: String,
        /// Algorithm name.
        alg: String,
        /// Optional key id.
        kid: Option<String>,
        /// Claims as JSON.
        claims: String,
    },
    /// Print the version.
    Version,
    /// Print usage.
    Help,
}

/// Parses the arguments after the program name.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let strs: Vec<&str> = args.iter().map(String::as_str).collect();
    match strs.as_slice() {
        [] => Err("missing command or config file".into()),
        ["--version" | "-V"] => Ok(Command::Version),
        ["--help" | "-h" | "help"] => Ok(Command::Help),
        ["run", cfg] => Ok(Command::Run(PathBuf::from(cfg))),
        ["check", cfg] => Ok(Command::Check(PathBuf::from(cfg))),
        ["route", cfg, method, path] => Ok(Command::Route {
            config: PathBuf::from(cfg),
            method: method.to_string(),
            path: path.to_string(),
            host: None,
        }),
        ["route", cfg, method, path, host] => Ok(Command::Route {
            config: PathBuf::from(cfg),
            method: method.to_string(),
            path: path.to_string(),
            host: Some(host.to_string()),
        }),
        ["jwt", "sign", rest @ ..] => parse_jwt_sign(rest),
        ["run" | "check", ..] => Err(format!(
            "'{}' takes one config file",
            strs.first().copied().unwrap_or("")
        )),
        ["route", ..] => Err("'route' takes CONFIG METHOD PATH [HOST]".into()),
        [cfg] if !cfg.starts_with('-') => Ok(Command::Run(PathBuf::from(cfg))),
        [other, ..] => Err(format!("unknown command or option '{other}'")),
    }
}

fn parse_jwt_sign(rest: &[&str]) -> Result<Command, String> {
    let (mut secret, mut alg, mut kid, mut claims) = (None, "HS256".to_string(), None, None);
    let mut it = rest.iter();
    while let Some(&a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .map(|v| v.to_string())
                .ok_or(format!("{name} needs a value"))
        };
        match a {
            "--secret" => secret = Some(value("--secret")?),
            "--alg" => alg = value("--alg")?,
            "--kid" => kid = Some(value("--kid")?),
            s if s.starts_with("--") => return Err(format!("unknown option '{s}' of 'jwt sign'")),
            s if claims.is_none() => claims = Some(s.to_string()),
            s => return Err(format!("unexpected argument '{s}'")),
        }
    }
    Ok(Command::JwtSign {
        secret: secret.ok_or("jwt sign needs --secret")?,
        alg,
        kid,
        claims: claims.ok_or("jwt sign needs CLAIMS_JSON, like '{\"sub\":\"42\"}'")?,
    })
}

/// Runs the command line; returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let cmd = match parse_args(args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("gatelite: {msg}\n{USAGE}");
            return EXIT_USAGE;
        }
    };
    match cmd {
        Command::Version => {
            println!("gatelite {}", env!("CARGO_PKG_VERSION"));
            EXIT_OK
        }
        Command::Help => {
            println!("{USAGE}");
            EXIT_OK
        }
        Command::Check(path) => match load(&path) {
            Ok(_) => {
                println!("ok");
                EXIT_OK
            }
            Err(errors) => report(&errors),
        },
        Command::Route {
            config,
            method,
            path,
            host,
        } => match load(&config) {
            Ok(gw) => {
                println!("{}", gw.explain(&method, &path, host.as_deref()));
                EXIT_OK
            }
            Err(errors) => report(&errors),
        },
        Command::JwtSign {
            secret,
            alg,
            kid,
            claims,
        } => jwt_sign(&secret, &alg, kid.as_deref(), &claims),
        Command::Run(path) => {
            let gw = match load(&path) {
                Ok(gw) => gw,
                Err(errors) => return report(&errors),
            };
            let reload = || load(&path);
            match server::run(gw, &reload) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    eprintln!("gatelite: {e}");
                    EXIT_RUNTIME
                }
            }
        }
    }
}

/// Loads the config file and builds the runtime from it.
pub fn load(path: &Path) -> Result<Gateway, Vec<ConfigError>> {
    let cfg = config::load(path)?;
    pipeline::build::build(cfg, Arc::new(SystemClock::new()), &|name| {
        std::env::var(name).ok()
    })
}

fn report(errors: &[ConfigError]) -> i32 {
    for e in errors {
        eprintln!("{e}");
    }
    EXIT_CONFIG
}

fn jwt_sign(secret: &str, alg: &str, kid: Option<&str>, claims: &str) -> i32 {
    let Some(alg) = Alg::parse(alg) else {
        eprintln!("gatelite: unknown --alg '{alg}': expected HS256, HS384 or HS512");
        return EXIT_USAGE;
    };
    let key = match secret.strip_prefix("b64:") {
        Some(b) => match base64::decode_url(b.as_bytes()) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("gatelite: --secret b64: is not base64url ({e})");
                return EXIT_USAGE;
            }
        },
        None => secret.as_bytes().to_vec(),
    };
    match auth::sign(claims, &key, alg, kid) {
        Ok(token) => {
            println!("{token}");
            EXIT_OK
        }
        Err(e) => {
            eprintln!(
                "gatelite: cannot sign: {} (CLAIMS_JSON must be a JSON object)",
                e.message()
            );
            EXIT_USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            parse_args(&args(&["g.conf"])),
            Ok(Command::Run("g.conf".into()))
        );
        assert_eq!(
            parse_args(&args(&["run", "g.conf"])),
            Ok(Command::Run("g.conf".into()))
        );
        assert_eq!(
            parse_args(&args(&["check", "g.conf"])),
            Ok(Command::Check("g.conf".into()))
        );
        assert_eq!(parse_args(&args(&["--version"])), Ok(Command::Version));
        assert!(matches!(
            parse_args(&args(&["route", "g.conf", "GET", "/x", "a.com"])),
            Ok(Command::Route { host: Some(h), .. }) if h == "a.com"
        ));
        assert_eq!(
            parse_args(&args(&[
                "jwt", "sign", "--secret", "s", "--kid", "k1", "{}"
            ])),
            Ok(Command::JwtSign {
                secret: "s".into(),
                alg: "HS256".into(),
                kid: Some("k1".into()),
                claims: "{}".into()
            })
        );
    }

    #[test]
    fn usage_errors_are_clear() {
        for bad in [
            &[][..],
            &["--nope"],
            &["check"],
            &["check", "a", "b"],
            &["route", "c", "GET"],
            &["jwt", "sign", "{}"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
