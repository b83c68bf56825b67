//! Configuration from environment variables, read and checked once at start so a
//! bad deployment fails before its first request. Every variable is listed in
//! `/work/notes/arch/handler.md` (and the README).

use std::path::PathBuf;

pub use crate::ratelimit::OriginSecret;
pub use crate::tokens::KeySource;

/// Where the handler runs; decides the store and which variables are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `AWS_LAMBDA_RUNTIME_API` is set: DynamoDB, API Gateway in front.
    Lambda,
    /// The local server on 127.0.0.1 with the SQLite store.
    Local,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub mode: Mode,
    /// `MIKKE_TABLE`: the DynamoDB table (required under Lambda).
    pub table: String,
    /// `MIKKE_DYNAMODB_ENDPOINT`: e.g. moto or DynamoDB Local; `None` = AWS.
    pub dynamodb_endpoint: Option<String>,
    /// `MIKKE_SITE_URL`: where the site lives, without a trailing `/`.
    pub site_url: String,
    /// `MIKKE_ALLOWED_ORIGINS`: origins whose browsers may post; default: the site's origin.
    pub allowed_origins: Vec<String>,
    /// `MIKKE_CATALOG`: path to `catalog.json`.
    pub catalog: PathBuf,
    /// `MIKKE_RATE_LIMIT`: posts per client per minute.
    pub rate_limit: u32,
    /// `MIKKE_RETENTION_DAYS`: how long submissions are kept.
    pub retention_days: u32,
    /// `MIKKE_DATA_DIR`: the SQLite store's directory (local mode).
    pub data_dir: PathBuf,
    /// `MIKKE_WRITE_BATCH`: most writes the SQLite store commits in one transaction (group
    /// commit; 1 = a transaction per write, for comparison). Local mode.
    pub write_batch: usize,
    /// `MIKKE_PORT`: the local server's port on 127.0.0.1.
    pub port: u16,
    /// `MIKKE_SITE_DIR`: also serve this generated site directory (local mode).
    pub site_dir: Option<PathBuf>,
    /// Where the diary links' signing key comes from: `MIKKE_SIGNING_KEY` (base64), else
    /// `MIKKE_SIGNING_KEY_PARAMETER` (an SSM SecureString fetched at start), else — local mode
    /// only — a development key kept in the data directory. Lambda refuses to start without one.
    pub signing_key: KeySource,
    /// `MIKKE_ORIGIN_SECRET`: the value CloudFront adds to its origin requests as
    /// `X-Mikke-Origin-Secret`. Only a request carrying it has its `CloudFront-Viewer-Address`
    /// believed as the client for the rate limit; without it (local runs, or unset) the
    /// limit keys on API Gateway's `sourceIp` as before. Optional: a missing secret makes
    /// the limit coarser, never the API unavailable.
    pub origin_secret: Option<OriginSecret>,
    /// `MIKKE_MAIL_BUNDLE`: the private `mail.json` the generator wrote (templates, contacts);
    /// default `private/mail.json`, where `generator build` puts it.
    pub mail_bundle: PathBuf,
    /// `MIKKE_MAIL_TRANSPORT` (`smtp`, `files`, `ses`): how mail leaves. Default: `ses` under
    /// Lambda; locally `smtp` when `MIKKE_SMTP_URL` is set, else `files`.
    pub mail_transport: MailTransport,
    /// `MIKKE_SMTP_URL`: e.g. `smtp://127.0.0.1:2525` (the local catcher).
    pub smtp_url: Option<String>,
    /// `MIKKE_MAIL_DIR`: where `files` writes one `.eml` per mail; default `<data dir>/mail`.
    pub mail_dir: PathBuf,
    /// `MIKKE_SES_ENDPOINT`: an SES v2 endpoint (moto in tests); `None` = AWS.
    pub ses_endpoint: Option<String>,
    /// `MIKKE_SES_CONFIGURATION_SET`: the SES configuration set mail is sent with.
    pub ses_configuration_set: Option<String>,
    /// `MIKKE_MAIL_RATE`: most mails sent per second (SES's default sending quota is 14/s;
    /// a burst of submissions must not turn into a burst of throttling). `None` (`0`): no
    /// limit, for measuring the sender.
    pub mail_rate: Option<u32>,
    /// `MIKKE_FUNCTION` (`api`, `notifier`): what a Lambda instance of the binary is.
    pub function: Function,
}

pub const DEFAULT_MAIL_RATE: u32 = 14;

/// How mail leaves (see [`Config::mail_transport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailTransport {
    Smtp,
    Files,
    Ses,
}

/// The Lambda functions one binary serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// The HTTP API (API Gateway events).
    Api,
    /// The mail sender: DynamoDB stream records and the hourly schedule.
    Notifier,
}

/// Every problem of the configuration, reported together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

pub const DEFAULT_PORT: u16 = 8080;
pub const DEFAULT_RATE_LIMIT: u32 = 30;
pub const DEFAULT_WRITE_BATCH: usize = 256;
pub const DEFAULT_RETENTION_DAYS: u32 = 730;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        let mode = if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
            Mode::Lambda
        } else {
            Mode::Local
        };
        Config::from_vars(mode, |name| std::env::var(name).ok())
    }

    /// Reads the configuration through `var` (so tests need not touch the environment).
    pub fn from_vars(
        mode: Mode,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let port = number(
            &mut problems,
            "MIKKE_PORT",
            get("MIKKE_PORT"),
            DEFAULT_PORT,
            1..=u16::MAX,
        );
        let rate_limit = number(
            &mut problems,
            "MIKKE_RATE_LIMIT",
            get("MIKKE_RATE_LIMIT"),
            DEFAULT_RATE_LIMIT,
            1..=1_000_000,
        );
        let retention_days = number(
            &mut problems,
            "MIKKE_RETENTION_DAYS",
            get("MIKKE_RETENTION_DAYS"),
            DEFAULT_RETENTION_DAYS,
            1..=36_500,
        );

        let write_batch = number(
            &mut problems,
            "MIKKE_WRITE_BATCH",
            get("MIKKE_WRITE_BATCH"),
            DEFAULT_WRITE_BATCH,
            1..=100_000,
        );

        let table = get("MIKKE_TABLE");
        if mode == Mode::Lambda && table.is_none() {
            problems.push("MIKKE_TABLE is required under Lambda: the DynamoDB table name".into());
        }
        let dynamodb_endpoint = get("MIKKE_DYNAMODB_ENDPOINT");
        if let Some(e) = &dynamodb_endpoint {
            if !is_http_url(e) {
                problems.push(format!(
                    "MIKKE_DYNAMODB_ENDPOINT must be an http(s) URL, got \"{e}\""
                ));
            }
        }

        let site_url = match get("MIKKE_SITE_URL") {
            Some(url) if is_http_url(&url) => url.trim_end_matches('/').to_string(),
            Some(url) => {
                problems.push(format!(
                    "MIKKE_SITE_URL must be an http(s) URL such as https://mikke.example.jp, got \"{url}\""
                ));
                String::new()
            }
            None if mode == Mode::Lambda => {
                problems.push(
                    "MIKKE_SITE_URL is required under Lambda: the site's address, for redirects"
                        .into(),
                );
                String::new()
            }
            None => format!("http://127.0.0.1:{port}"),
        };

        let allowed_origins = match get("MIKKE_ALLOWED_ORIGINS") {
            Some(list) => {
                let origins: Vec<String> = list
                    .split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_string())
                    .filter(|o| !o.is_empty())
                    .collect();
                for o in &origins {
                    if !is_origin(o) {
                        problems.push(format!(
                            "MIKKE_ALLOWED_ORIGINS: \"{o}\" is not an origin (scheme://host[:port], no path)"
                        ));
                    }
                }
                origins
            }
            None => origin_of(&site_url).into_iter().collect(),
        };

        let data_dir: PathBuf = get("MIKKE_DATA_DIR")
            .unwrap_or_else(|| ".mikke-data".into())
            .into();
        let signing_key = KeySource::choose(
            mode == Mode::Lambda,
            get("MIKKE_SIGNING_KEY"),
            get("MIKKE_SIGNING_KEY_PARAMETER"),
            &data_dir,
        )
        .unwrap_or_else(|problem| {
            problems.push(problem);
            KeySource::DevFile(data_dir.clone())
        });

        let origin_secret = get("MIKKE_ORIGIN_SECRET").and_then(|text| {
            OriginSecret::parse(&text)
                .map_err(|problem| problems.push(problem))
                .ok()
        });

        let smtp_url = get("MIKKE_SMTP_URL");
        if let Some(url) = &smtp_url {
            if !url.starts_with("smtp://") {
                problems.push(format!(
                    "MIKKE_SMTP_URL must look like smtp://127.0.0.1:2525, got \"{url}\""
                ));
            }
        }
        let mail_transport = match get("MIKKE_MAIL_TRANSPORT").as_deref() {
            None if mode == Mode::Lambda => MailTransport::Ses,
            None if smtp_url.is_some() => MailTransport::Smtp,
            None | Some("files") => MailTransport::Files,
            Some("smtp") => {
                if smtp_url.is_none() {
                    problems.push("MIKKE_MAIL_TRANSPORT=smtp needs MIKKE_SMTP_URL".into());
                }
                MailTransport::Smtp
            }
            Some("ses") => MailTransport::Ses,
            Some(other) => {
                problems.push(format!(
                    "MIKKE_MAIL_TRANSPORT must be smtp, files or ses, got \"{other}\""
                ));
                MailTransport::Files
            }
        };
        let ses_endpoint = get("MIKKE_SES_ENDPOINT");
        if let Some(e) = &ses_endpoint {
            if !is_http_url(e) {
                problems.push(format!(
                    "MIKKE_SES_ENDPOINT must be an http(s) URL, got \"{e}\""
                ));
            }
        }
        let mail_rate = number(
            &mut problems,
            "MIKKE_MAIL_RATE",
            get("MIKKE_MAIL_RATE"),
            DEFAULT_MAIL_RATE,
            0..=100_000,
        );
        let function = match get("MIKKE_FUNCTION").as_deref() {
            None | Some("api") => Function::Api,
            Some("notifier") => Function::Notifier,
            Some(other) => {
                problems.push(format!(
                    "MIKKE_FUNCTION must be api or notifier, got \"{other}\""
                ));
                Function::Api
            }
        };

        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Config {
            mode,
            table: table.unwrap_or_else(|| "mikke".into()),
            dynamodb_endpoint,
            site_url,
            allowed_origins,
            catalog: get("MIKKE_CATALOG")
                .unwrap_or_else(|| "public/catalog.json".into())
                .into(),
            rate_limit,
            retention_days,
            data_dir: data_dir.clone(),
            write_batch,
            port,
            site_dir: get("MIKKE_SITE_DIR").map(PathBuf::from),
            signing_key,
            origin_secret,
            mail_bundle: get("MIKKE_MAIL_BUNDLE")
                .unwrap_or_else(|| "private/mail.json".into())
                .into(),
            mail_transport,
            smtp_url,
            mail_dir: get("MIKKE_MAIL_DIR").map_or_else(|| data_dir.join("mail"), PathBuf::from),
            ses_endpoint,
            ses_configuration_set: get("MIKKE_SES_CONFIGURATION_SET"),
            mail_rate: (mail_rate > 0).then_some(mail_rate),
            function,
        })
    }

    /// Where a plain form post lands after a successful application.
    pub fn thanks_url(&self) -> String {
        format!("{}/apply/thanks/", self.site_url)
    }

    /// The application form, the way back from an error page.
    pub fn apply_url(&self) -> String {
        format!("{}/apply/", self.site_url)
    }
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    problems: &mut Vec<String>,
    name: &str,
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> T {
    let Some(text) = value else { return default };
    match text.parse::<T>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            problems.push(format!(
                "{name} must be a whole number from {} to {}, got \"{text}\"",
                range.start(),
                range.end()
            ));
            default
        }
    }
}

fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

fn is_origin(text: &str) -> bool {
    is_http_url(text) && text.splitn(4, '/').nth(3).is_none()
}

/// `https://mikke.example.jp/sub` → `https://mikke.example.jp`.
fn origin_of(url: &str) -> Option<String> {
    let scheme_end = url.find("://")? + 3;
    let host_end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    Some(url[..host_end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(mode: Mode, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(mode, |n| vars.get(n).cloned())
    }

    #[test]
    fn local_mode_runs_with_no_variables() {
        let c = config(Mode::Local, &[]).unwrap();
        assert_eq!(c.port, DEFAULT_PORT);
        assert_eq!(c.site_url, "http://127.0.0.1:8080");
        assert_eq!(c.allowed_origins, ["http://127.0.0.1:8080"]);
        assert_eq!(c.catalog, PathBuf::from("public/catalog.json"));
        assert_eq!(c.site_dir, None);
        assert_eq!(c.origin_secret, None);
        assert_eq!(c.mail_bundle, PathBuf::from("private/mail.json"));
        assert_eq!(
            c.mail_transport,
            MailTransport::Files,
            "never dropped: files"
        );
        assert_eq!(c.mail_dir, PathBuf::from(".mikke-data/mail"));
        assert_eq!(c.function, Function::Api);
    }

    #[test]
    fn mail_leaves_by_smtp_when_a_server_is_set_and_by_ses_under_lambda() {
        let c = config(Mode::Local, &[("MIKKE_SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap();
        assert_eq!(c.mail_transport, MailTransport::Smtp);
        let c = config(
            Mode::Lambda,
            &[
                ("MIKKE_TABLE", "t"),
                ("MIKKE_SITE_URL", "https://a.jp"),
                ("MIKKE_SIGNING_KEY_PARAMETER", "/k"),
                ("MIKKE_FUNCTION", "notifier"),
                ("MIKKE_MAIL_BUNDLE", "/var/task/mail.json"),
            ],
        )
        .unwrap();
        assert_eq!(
            (c.mail_transport, c.function),
            (MailTransport::Ses, Function::Notifier)
        );
        let err = config(
            Mode::Local,
            &[
                ("MIKKE_MAIL_TRANSPORT", "smtp"),
                ("MIKKE_FUNCTION", "mailer"),
                ("MIKKE_SES_ENDPOINT", "localhost"),
            ],
        )
        .unwrap_err();
        assert_eq!(err.0.len(), 3, "{err}");
    }

    #[test]
    fn every_variable_is_read() {
        let c = config(
            Mode::Lambda,
            &[
                ("MIKKE_TABLE", "mikke-prod"),
                ("MIKKE_DYNAMODB_ENDPOINT", "http://127.0.0.1:5000"),
                ("MIKKE_SITE_URL", "https://mikke.example.jp/"),
                (
                    "MIKKE_ALLOWED_ORIGINS",
                    "https://mikke.example.jp, https://www.mikke.example.jp/",
                ),
                ("MIKKE_CATALOG", "/var/task/catalog.json"),
                ("MIKKE_RATE_LIMIT", "5"),
                ("MIKKE_RETENTION_DAYS", "90"),
                ("MIKKE_DATA_DIR", "/tmp/d"),
                ("MIKKE_PORT", "9000"),
                ("MIKKE_SITE_DIR", "public"),
                ("MIKKE_SIGNING_KEY_PARAMETER", "/mikke/signing-key"),
                ("MIKKE_ORIGIN_SECRET", "0123456789abcdef0123456789abcdef"),
            ],
        )
        .unwrap();
        assert_eq!(c.table, "mikke-prod");
        assert!(c
            .origin_secret
            .as_ref()
            .is_some_and(|s| s.matches(b"0123456789abcdef0123456789abcdef")));
        assert!(
            !format!("{c:?}").contains("0123456789abcdef"),
            "never printed"
        );
        assert_eq!(
            c.dynamodb_endpoint.as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(c.site_url, "https://mikke.example.jp");
        assert_eq!(c.thanks_url(), "https://mikke.example.jp/apply/thanks/");
        assert_eq!(
            c.allowed_origins,
            ["https://mikke.example.jp", "https://www.mikke.example.jp"]
        );
        assert_eq!((c.rate_limit, c.retention_days, c.port), (5, 90, 9000));
        assert_eq!(c.site_dir, Some(PathBuf::from("public")));
    }

    #[test]
    fn lambda_mode_requires_table_site_url_and_signing_key() {
        let err = config(Mode::Lambda, &[]).unwrap_err();
        assert_eq!(err.0.len(), 3, "{err}");
        assert!(err.0[0].starts_with("MIKKE_TABLE is required"));
        assert!(err.0[1].starts_with("MIKKE_SITE_URL is required"));
        assert!(err.0[2].contains("MIKKE_SIGNING_KEY_PARAMETER"), "{err}");
    }

    #[test]
    fn the_signing_key_comes_from_the_variable_the_parameter_or_the_data_dir() {
        let key = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
        let c = config(
            Mode::Lambda,
            &[
                ("MIKKE_TABLE", "t"),
                ("MIKKE_SITE_URL", "https://a.jp"),
                ("MIKKE_SIGNING_KEY", key),
            ],
        )
        .unwrap();
        assert!(matches!(c.signing_key, KeySource::Value(_)));
        assert!(!format!("{c:?}").contains(key), "the key never prints");
        let c = config(
            Mode::Lambda,
            &[
                ("MIKKE_TABLE", "t"),
                ("MIKKE_SITE_URL", "https://a.jp"),
                ("MIKKE_SIGNING_KEY_PARAMETER", "/mikke/signing-key"),
            ],
        )
        .unwrap();
        assert_eq!(
            c.signing_key,
            KeySource::Parameter("/mikke/signing-key".into())
        );
        let c = config(Mode::Local, &[("MIKKE_DATA_DIR", "/tmp/d")]).unwrap();
        assert_eq!(c.signing_key, KeySource::DevFile(PathBuf::from("/tmp/d")));
        let err = config(Mode::Local, &[("MIKKE_SIGNING_KEY", "c2hvcnQ=")]).unwrap_err();
        assert!(
            err.to_string().contains("MIKKE_SIGNING_KEY must be base64"),
            "{err}"
        );
        assert!(!err.to_string().contains("c2hvcnQ="), "{err}");
    }

    #[test]
    fn every_bad_value_is_reported_together() {
        let err = config(
            Mode::Local,
            &[
                ("MIKKE_PORT", "80x"),
                ("MIKKE_RATE_LIMIT", "0"),
                ("MIKKE_RETENTION_DAYS", "-1"),
                ("MIKKE_SITE_URL", "mikke.example.jp"),
                ("MIKKE_ALLOWED_ORIGINS", "https://a.jp/path"),
                ("MIKKE_DYNAMODB_ENDPOINT", "localhost:8000"),
                ("MIKKE_ORIGIN_SECRET", "too-short"),
            ],
        )
        .unwrap_err();
        let text = err.to_string();
        for name in [
            "MIKKE_PORT",
            "MIKKE_RATE_LIMIT",
            "MIKKE_RETENTION_DAYS",
            "MIKKE_SITE_URL",
            "MIKKE_ALLOWED_ORIGINS",
            "MIKKE_DYNAMODB_ENDPOINT",
            "MIKKE_ORIGIN_SECRET",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
        assert_eq!(err.0.len(), 7);
        assert!(!text.contains("too-short"), "the secret is never repeated");
        assert!(text.contains("MIKKE_PORT must be a whole number from 1 to 65535, got \"80x\""));
    }
}
