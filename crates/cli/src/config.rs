//! Configuration: defaults → `tenggat.toml` → `TENGGAT_*` environment variables.
//!
//! A misspelt key in the file is an error, not a silently ignored setting.

use std::path::Path;

use anyhow::{Result, anyhow};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Where the configuration file is looked for when `--config` is not given.
pub const DEFAULT_FILE: &str = "tenggat.toml";

/// The database used when nothing else is configured: an SQLite file next to the process.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./tenggat.db";

/// The address `tenggat serve` listens on by default: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The URL people reach the server at by default.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// The settings of a Tenggat deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` (the embedded default) or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// `HOST:PORT` that `tenggat serve` listens on.
    pub listen: String,
    /// The URL people reach the server at; links the server prints or sends start with it.
    pub public_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: DEFAULT_DATABASE_URL.into(),
            listen: DEFAULT_LISTEN.into(),
            public_url: DEFAULT_PUBLIC_URL.into(),
        }
    }
}

impl Config {
    /// Loads the configuration. `file` is `--config`; without it `tenggat.toml` is read when
    /// it exists. An explicitly named file that does not exist is an error.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.is_file() {
                    return Err(anyhow!(
                        "configuration file {} does not exist",
                        path.display()
                    ));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None => {
                if Path::new(DEFAULT_FILE).is_file() {
                    figment = figment.merge(Toml::file_exact(DEFAULT_FILE));
                }
            }
        }
        figment = figment.merge(Env::prefixed("TENGGAT_").only(&[
            "database_url",
            "listen",
            "public_url",
        ]));
        figment.extract().map_err(|e| {
            anyhow!(
                "invalid configuration: {}",
                e.to_string().replace('\n', " ")
            )
        })
    }

    /// True when the database is the built-in default (the only case in which a missing
    /// SQLite file is created without asking).
    pub fn uses_default_database(&self) -> bool {
        self.database_url == DEFAULT_DATABASE_URL
    }
}

/// The annotated example printed by `tenggat default-config`.
pub fn annotated_default() -> String {
    format!(
        r#"# Tenggat configuration (tenggat.toml). Every setting can also be given as an environment
# variable: TENGGAT_<NAME IN CAPITALS>, e.g. TENGGAT_DATABASE_URL. The environment wins over
# this file, and this file over the defaults shown here.

# The database.
#   sqlite://./tenggat.db          the embedded default: one file (WAL), nothing to install
#   postgres://tenggat@db.example/tenggat   PostgreSQL, for several replicas
# Only the default SQLite file is created when it is missing; any other URL must point at an
# existing database (create it with `tenggat migrate --create`), so a mistyped URL is an error
# and never a new, empty database.
database_url = "{DEFAULT_DATABASE_URL}"

# The address `tenggat serve` listens on (HOST:PORT). The default answers on this machine
# only; put a reverse proxy with TLS in front, or use 0.0.0.0:8080 to listen everywhere.
listen = "{DEFAULT_LISTEN}"

# The URL people reach the server at (behind a proxy: the proxy's URL). Links the server
# prints, such as the first-run password-setup link, start with it.
public_url = "{DEFAULT_PUBLIC_URL}"
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_annotated_default_is_the_default() {
        let parsed: Config = toml::from_str(&annotated_default()).unwrap();
        assert_eq!(parsed, Config::default());
    }
}
