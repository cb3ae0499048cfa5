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

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::auth::{self, Alg};
use crate::config::{self, ConfigError};
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
///
/// `gatelite WORD` runs the config file WORD; but a WORD that names no file
/// and looks like a command (`gatelite chekc`) is a usage error, not a
/// missing config: that is the one place this function looks at the disk.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let strs: Vec<&str> = args.iter().map(String::as_str).collect();
    match strs.as_slice() {
        [] => Err("missing command or config file".into()),
        ["--version" | "-V"] => Ok(Command::Version),
        ["--help" | "-h" | "help"] => Ok(Command::Help),
        [flag @ ("--version" | "-V" | "--help" | "-h" | "help"), ..] => {
            Err(format!("'{flag}' takes no arguments"))
        }
        ["run", cfg] => Ok(Command::Run(config_path(cfg)?)),
        ["check", cfg] => Ok(Command::Check(config_path(cfg)?)),
        ["route", cfg, method, path] => Ok(Command::Route {
            config: config_path(cfg)?,
            method: method.to_string(),
            path: path.to_string(),
            host: None,
        }),
        ["route", cfg, method, path, host] => Ok(Command::Route {
            config: config_path(cfg)?,
            method: method.to_string(),
            path: path.to_string(),
            host: Some(host.to_string()),
        }),
        ["jwt", "sign", rest @ ..] => parse_jwt_sign(rest),
        ["jwt", ..] => Err(
            "'jwt' takes the subcommand 'sign': gatelite jwt sign --secret S CLAIMS_JSON".into(),
        ),
        [cmd @ ("run" | "check"), ..] => Err(format!("'{cmd}' takes one config file")),
        ["route", ..] => Err("'route' takes CONFIG METHOD PATH [HOST]".into()),
        [cfg] if cfg.starts_with('-') => Err(format!("unknown option '{cfg}'")),
        [word] if looks_like_command(word) && !Path::new(word).exists() => Err(format!(
            "unknown command '{word}' (and no config file of that name)"
        )),
        [cfg] => Ok(Command::Run(PathBuf::from(cfg))),
        [other, ..] => Err(format!("unknown command or option '{other}'")),
    }
}

/// A CONFIG argument; an option where a file is expected is a usage error.
fn config_path(arg: &str) -> Result<PathBuf, String> {
    if arg.starts_with('-') {
        return Err(format!("expected a config file, found the option '{arg}'"));
    }
    Ok(PathBuf::from(arg))
}

/// A bare word (letters, digits, `-`, `_`), which a config file name with
/// an extension or a directory part never is.
fn looks_like_command(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `--secret S [--alg A] [--kid K] CLAIMS_JSON`, options in any order, each
/// at most once, as `--name value` or `--name=value`; `--` ends the options.
fn parse_jwt_sign(rest: &[&str]) -> Result<Command, String> {
    let (mut secret, mut alg, mut kid, mut claims) = (None, None, None, None);
    let mut it = rest.iter().copied();
    let mut options_done = false;
    while let Some(arg) = it.next() {
        if options_done || !arg.starts_with('-') {
            if claims.is_some() {
                return Err(format!(
                    "unexpected argument '{arg}': jwt sign takes one CLAIMS_JSON"
                ));
            }
            claims = Some(arg.to_string());
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg, None),
        };
        let slot = match name {
            "--secret" => &mut secret,
            "--alg" => &mut alg,
            "--kid" => &mut kid,
            _ => {
                return Err(format!(
                    "unknown option '{name}' of 'jwt sign': expected --secret, --alg or --kid"
                ))
            }
        };
        if slot.is_some() {
            return Err(format!("{name} is given twice"));
        }
        let value = match inline {
            Some(v) => v,
            None => it.next().ok_or(format!("{name} needs a value"))?,
        };
        *slot = Some(value.to_string());
    }
    Ok(Command::JwtSign {
        secret: secret.ok_or("jwt sign needs --secret")?,
        alg: alg.unwrap_or_else(|| "HS256".to_string()),
        kid,
        claims: claims.ok_or("jwt sign needs CLAIMS_JSON, like '{\"sub\":\"42\"}'")?,
    })
}

/// Runs the command line as the OS hands it over; an argument that is not
/// UTF-8 is a usage error (exit 2), not a panic.
pub fn main_os(args: impl IntoIterator<Item = OsString>) -> i32 {
    let mut text = Vec::new();
    for arg in args {
        match arg.into_string() {
            Ok(a) => text.push(a),
            Err(bad) => {
                eprintln!("gatelite: argument {bad:?} is not UTF-8\n{USAGE}");
                return EXIT_USAGE;
            }
        }
    }
    main(&text)
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
    // The same secret forms as a config's `secret=` item: S, b64:B, env:NAME.
    let key = match auth::parse_secret(secret, &|name| std::env::var(name).ok()) {
        Ok(k) if !k.is_empty() => k,
        Ok(_) => {
            eprintln!("gatelite: --secret is empty");
            return EXIT_USAGE;
        }
        Err(e) => {
            eprintln!("gatelite: --secret: {e}");
            return EXIT_USAGE;
        }
    };
    if kid.is_some_and(str::is_empty) {
        eprintln!("gatelite: --kid is empty");
        return EXIT_USAGE;
    }
    if let Err(e) = crate::util::json::parse(claims.as_bytes()) {
        eprintln!("gatelite: CLAIMS_JSON is not valid JSON ({e})");
        return EXIT_USAGE;
    }
    match auth::sign(claims, &key, alg, kid) {
        Ok(token) => {
            println!("{token}");
            EXIT_OK
        }
        Err(auth::AuthError::TokenTooLarge) => {
            eprintln!(
                "gatelite: cannot sign: the token would be longer than the {} bytes the gateway accepts",
                auth::jwt::MAX_TOKEN_BYTES
            );
            EXIT_USAGE
        }
        Err(_) => {
            eprintln!("gatelite: cannot sign: CLAIMS_JSON must be a JSON object");
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
            &["check", "--help"],
            &["run"],
            &["run", "-x"],
            &["route", "c", "GET"],
            &["route", "c", "GET", "/", "h", "extra"],
            &["jwt"],
            &["jwt", "verify"],
            &["jwt", "sign", "{}"],
            &["jwt", "sign", "--secret"],
            &["jwt", "sign", "--secret", "a", "--secret", "b", "{}"],
            &["jwt", "sign", "--secret=a", "--secret=b", "{}"],
            &["jwt", "sign", "--secret", "a", "-x", "{}"],
            &["jwt", "sign", "--secret", "a", "{}", "{}"],
            &["--version", "extra"],
            &["--help", "extra"],
            &["no-such-command-or-file"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_bare_word_is_a_config_file_only_when_it_could_be_one() {
        // A name with an extension or a directory part is a file to run,
        // even when it does not exist (load reports that, exit 1).
        for file in ["missing.conf", "./gateway", "/nonexistent/g"] {
            assert_eq!(parse_args(&args(&[file])), Ok(Command::Run(file.into())));
        }
        assert_eq!(
            parse_args(&args(&["chekc"])),
            Err("unknown command 'chekc' (and no config file of that name)".into())
        );
    }

    #[test]
    fn jwt_sign_options_in_any_order_and_either_form() {
        let want = Ok(Command::JwtSign {
            secret: "s".into(),
            alg: "HS512".into(),
            kid: Some("k".into()),
            claims: "{}".into(),
        });
        assert_eq!(
            parse_args(&args(&[
                "jwt",
                "sign",
                "{}",
                "--alg=HS512",
                "--secret",
                "s",
                "--kid=k"
            ])),
            want
        );
        assert_eq!(
            parse_args(&args(&[
                "jwt",
                "sign",
                "--kid",
                "k",
                "--secret=s",
                "--alg",
                "HS512",
                "--",
                "{}"
            ])),
            want
        );
        // After `--`, even a leading dash is the claims argument.
        assert!(matches!(
            parse_args(&args(&["jwt", "sign", "--secret", "s", "--", "-5"])),
            Ok(Command::JwtSign { claims, .. }) if claims == "-5"
        ));
        // An `=` inside the value is kept.
        assert!(matches!(
            parse_args(&args(&["jwt", "sign", "--secret=a=b", "{}"])),
            Ok(Command::JwtSign { secret, .. }) if secret == "a=b"
        ));
    }
}
