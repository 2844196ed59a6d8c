//! Recomputing open tickets when the SLA engine's built-in data changes.
//!
//! Holiday sets, preset calendars and preset policies are compiled into the binary. An upgrade
//! that changes them (a new decree on cuti bersama, a corrected preset) changes the clocks of
//! open tickets. On start the server compares a fingerprint of that data with the one stored
//! at the last start; when they differ it folds every open ticket again from its event log and
//! rewrites the SLA cache. History is untouched: the log is the truth and only the cache moves.

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use tenggat_store::{Database, OrgKind, Store};

use crate::desk::{self, PolicyCache};

/// The settings key under which the fingerprint is kept.
pub const ENGINE_FINGERPRINT_KEY: &str = "engine_fingerprint";

/// Hex SHA-256 over the version and every piece of built-in data the fold reads.
pub fn engine_fingerprint() -> String {
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(tenggat_time::ID_HOLIDAYS_CSV.as_bytes());
    for name in tenggat_time::BUILTIN_CALENDARS {
        hasher.update(name.as_bytes());
        hasher.update(tenggat_time::builtin_source(name).unwrap_or("").as_bytes());
    }
    for name in tenggat_sla::PRESETS {
        hasher.update(name.as_bytes());
        hasher.update(tenggat_sla::preset_source(name).unwrap_or("").as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Folds every open ticket again at `now` and rewrites its cache; returns how many were
/// rewritten. A ticket that changes meanwhile keeps the newer cache its own change wrote.
pub async fn recompute_open_tickets(
    db: &Database,
    policies: &PolicyCache,
    now: Timestamp,
) -> Result<usize, desk::DeskError> {
    // Ids first, per contract: rewriting caches moves tickets in the queue order, so paging
    // through the queue while rewriting could skip some.
    let mut rewritten = 0;
    for org in db.list_organisations(Some(OrgKind::Customer)).await? {
        for contract in db.contracts_of_organisation(org.id).await? {
            for id in db.open_tickets_of_contract(contract.id).await? {
                let ticket = db.get_ticket(id, None).await?;
                let policy = match &ticket.policy {
                    Some(b) => policies.resolve(db, &b.policy, &b.add_ons).await?,
                    None => policies.for_contract(db, &contract).await?,
                };
                let events = db.ticket_events(id, None, true).await?;
                let Some(last) = events.last() else { continue };
                let sla = desk::sla_of_events(&policy, &events, now)?;
                if db.update_sla_cache(id, last.seq, &sla.cache()).await? {
                    rewritten += 1;
                }
            }
        }
    }
    Ok(rewritten)
}

/// On start: recomputes open tickets when the built-in data differs from the last start's,
/// then records the new fingerprint. Returns how many tickets were rewritten (`None` when the
/// data had not changed).
pub async fn on_start(
    db: &Database,
    policies: &PolicyCache,
    now: Timestamp,
) -> Result<Option<usize>, desk::DeskError> {
    let fingerprint = engine_fingerprint();
    if db.setting(ENGINE_FINGERPRINT_KEY).await?.as_deref() == Some(fingerprint.as_str()) {
        return Ok(None);
    }
    let rewritten = recompute_open_tickets(db, policies, now).await?;
    db.put_setting(ENGINE_FINGERPRINT_KEY, &fingerprint).await?;
    Ok(Some(rewritten))
}
