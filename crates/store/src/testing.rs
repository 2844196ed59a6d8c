//! Throw-away databases for tests of the store and of the crates built on it (feature
//! `testing`; never enable it in a production build).
//!
//! Every test gets a database of its own and removes it afterwards, pass or fail:
//!
//! - **SQLite**: [`with_temp_sqlite`] hands out a `sqlite://` URL of a file in a fresh
//!   directory under the system's temporary directory (the file does not exist yet: open it
//!   with `create = true`) and removes the directory when the test body returns or panics.
//! - **PostgreSQL**: [`with_temp_postgres`] creates `tenggat_test_<random>` on the server named
//!   by `TENGGAT_TEST_POSTGRES_URL` ([`POSTGRES_URL_VAR`]), hands out its URL and drops it
//!   (`WITH (FORCE)`) when the test body returns or panics. When the variable is unset or
//!   empty the test is skipped with a note on stderr — except under `CI=true`, where it fails
//!   loudly, so that a CI run never passes without having touched PostgreSQL.
//!
//! The body runs in its own Tokio task (call these from a `#[tokio::test]`); a panic in it is
//! resumed after the clean-up, so the test fails with the body's own message.
//!
//! ```no_run
//! # async fn demo() {
//! use tenggat_store::testing::{with_temp_postgres, with_temp_sqlite};
//! use tenggat_store::{Store, open};
//!
//! with_temp_sqlite(|url| async move {
//!     let db = open(&url, true).await.expect("open");
//!     db.migrate().await.expect("migrate");
//!     db.close().await;
//! })
//! .await;
//! with_temp_postgres(|url| async move {
//!     let db = open(&url, false).await.expect("open");
//!     assert_eq!(db.backend_name(), "postgres");
//!     db.close().await;
//! })
//! .await;
//! # }
//! ```

#![cfg(feature = "testing")]

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, Executor};

/// The environment variable naming the PostgreSQL server to test against, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`. Its database only needs to exist; the tests
/// create and drop databases of their own next to it.
pub const POSTGRES_URL_VAR: &str = "TENGGAT_TEST_POSTGRES_URL";

/// 16 hex digits, different on every call (within and across processes): for names of
/// temporary directories and databases.
pub fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// A fresh directory under the system's temporary directory, removed (with its contents) on
/// drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `<temp>/<prefix>-<unique suffix>`; panics when it cannot.
    pub fn new(prefix: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", unique_suffix()));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!(
                "cannot create the temporary directory {}: {e}",
                dir.display()
            );
        }
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The path of `name` in the directory, as text (for URLs).
    pub fn file(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL server to test against ([`POSTGRES_URL_VAR`]), or `None` to skip the test
/// (with a note on stderr). Panics when the variable is unset or empty and `CI=true`: CI must
/// not skip PostgreSQL.
pub fn postgres_server_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {POSTGRES_URL_VAR} is unset: the PostgreSQL tests must not be \
                 skipped (.ci/run sets it)"
            );
            eprintln!("{POSTGRES_URL_VAR} is unset: PostgreSQL test skipped");
            None
        }
    }
}

/// `url` with its database (the path) replaced by `name`; user, password, host, port and
/// query are kept.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (rest, String::new()),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Runs `body` with the URL of a new, empty PostgreSQL database (`tenggat_test_<random>`,
/// neither migrated nor opened) and drops the database afterwards, even when `body` panics;
/// the panic is then resumed. Returns at once when [`postgres_server_url`] says to skip.
///
/// Panics when the server cannot be reached or the database cannot be created or dropped.
/// `body` should close what it opened; connections left open are cut by the drop.
pub async fn with_temp_postgres<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(server_url) = postgres_server_url() else {
        return;
    };
    let name = format!("tenggat_test_{}", unique_suffix());
    admin_execute(&server_url, &format!("CREATE DATABASE {name}")).await;
    let outcome = tokio::spawn(body(with_database(&server_url, &name))).await;
    admin_execute(
        &server_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs `body` with a `sqlite://` URL of a file that does not exist yet (open it with
/// `create = true`) in a fresh temporary directory, and removes the directory afterwards, even
/// when `body` panics; the panic is then resumed.
pub async fn with_temp_sqlite<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = TempDir::new("tenggat-test");
    let url = format!("sqlite://{}", dir.file("tenggat.db"));
    let outcome = tokio::spawn(body(url)).await;
    drop(dir);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs one statement on the test server over a connection of its own.
async fn admin_execute(server_url: &str, sql: &str) {
    let mut admin = match sqlx::PgConnection::connect(server_url).await {
        Ok(conn) => conn,
        Err(e) => panic!(
            "cannot connect to {POSTGRES_URL_VAR} ({}): {}",
            crate::redact_url(server_url),
            crate::url::scrub(&e.to_string(), server_url)
        ),
    };
    if let Err(e) = admin.execute(sqlx::AssertSqlSafe(sql.to_owned())).await {
        panic!("{sql}: {e}");
    }
    let _ = admin.close().await;
}
