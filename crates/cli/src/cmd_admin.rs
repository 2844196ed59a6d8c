//! `tenggat admin …`: operator commands that act on the configured database.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use tenggat_server::{Clock, SystemClock};

use crate::config::Config;

/// `tenggat admin setup-link --email E`: prints a new one-time link for that user to set a
/// password (the first-run link expired, or a password is forgotten). The user's earlier
/// link stops working.
pub fn setup_link(config_file: Option<&Path>, email: &str) -> Result<()> {
    let config = Config::load(config_file)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        // Never create a database here: there would be no user in it.
        let db = tenggat_store::open(&config.database_url, false).await?;
        let link =
            tenggat_server::issue_setup_link(&db, email, &config.public_url, SystemClock.now())
                .await?;
        db.close().await;
        match link {
            Some(link) => {
                println!("{link}");
                Ok(())
            }
            None => bail!("no user with the e-mail {email:?}"),
        }
    })
}
