//! `tenggat migrate`: brings the configured database's schema up to date.

use std::path::Path;

use anyhow::{Result, anyhow};

use crate::config::Config;

/// Applies the embedded migrations of the configured backend. A missing SQLite file is
/// created only for the default database or with `--create`.
pub fn run(config_file: Option<&Path>, create: bool) -> Result<()> {
    let config = Config::load(config_file)?;
    let create = create || config.uses_default_database();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let db = tenggat_store::open(&config.database_url, create).await?;
        let applied = db.migrate().await?;
        if applied.is_empty() {
            println!("{} database is up to date", db.backend_name());
        } else {
            for name in &applied {
                println!("applied {name}");
            }
            println!("{} database is up to date", db.backend_name());
        }
        Ok(())
    })
}
