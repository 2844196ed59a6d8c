//! `tenggat serve`: migrates the configured database and runs the server until Ctrl-C.

use std::path::Path;

use anyhow::{Result, anyhow};

use crate::config::Config;

/// Opens the database (a missing SQLite file is created only for the default database),
/// applies migrations, prints the first-run setup link when there is one, and serves.
pub fn run(config_file: Option<&Path>) -> Result<()> {
    let config = Config::load(config_file)?;
    let create = config.uses_default_database();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let db = tenggat_store::open(&config.database_url, create).await?;
        let server = tenggat_server::start(
            db.clone(),
            tenggat_server::ServerConfig {
                listen: config.listen.clone(),
                public_url: config.public_url.clone(),
                data_dir: config.data_dir.clone().into(),
                max_attachment_bytes: config.max_attachment_bytes,
                rate_limits: config.rate_limit.into(),
                run_scheduler: true,
                notify: config.notify.clone().into(),
                run_dispatcher: true,
                run_monitoring: config.monitoring.enabled,
                probe_self_check: config.monitoring.self_check.clone(),
                sample_retention: jiff::SignedDuration::from_hours(
                    24 * i64::from(config.monitoring.sample_retention_days.max(1)),
                ),
            },
        )
        .await?;
        if let Some(line) = &server.first_run_line {
            println!("{line}");
        }
        eprintln!(
            "tenggat: {} database, listening on {}",
            db.backend_name(),
            server.addr
        );
        tokio::select! {
            served = server.handle => {
                served.map_err(|e| anyhow!("the server task failed: {e}"))??;
            }
            signal = tokio::signal::ctrl_c() => {
                signal.map_err(|e| anyhow!("cannot wait for Ctrl-C: {e}"))?;
                eprintln!("tenggat: stopping");
            }
        }
        db.close().await;
        Ok(())
    })
}
