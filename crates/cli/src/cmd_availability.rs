//! `tenggat availability report`: a contract's monthly availability from the configured
//! database — minutes, downtime, exclusions, the percentage rounded down, the target, the
//! credit and the claim deadline, per service — as a table or as JSON.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, anyhow};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;
use tenggat_server::desk::PolicyCache;
use tenggat_server::monitoring::report::{self, Cause, Month, ServiceMonth};
use tenggat_server::{Clock, SystemClock};

use crate::config::Config;
use crate::input;

/// The arguments of `tenggat availability report`.
pub struct ReportArgs<'a> {
    /// Configuration file.
    pub config: Option<&'a Path>,
    /// The contract's id.
    pub contract: i64,
    /// `YYYY-MM`.
    pub month: &'a str,
    /// One service of the policy; default: all.
    pub service: Option<&'a str>,
    /// The instant the report is computed at; default: now.
    pub now: Option<&'a str>,
    /// Print JSON.
    pub json: bool,
}

/// Runs `tenggat availability report`.
pub fn report(args: &ReportArgs) -> Result<()> {
    let month: Month = args.month.trim().parse().map_err(|_| {
        anyhow!(
            "--month {:?} is not a month: expected YYYY-MM, e.g. 2026-03",
            args.month
        )
    })?;
    let now = match args.now {
        Some(text) => input::instant(text).map_err(|e| anyhow!("--now: {e}"))?,
        None => SystemClock.now(),
    };
    let config = Config::load(args.config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start the async runtime: {e}"))?;
    let services = runtime.block_on(async {
        // Never create a database here: there would be nothing to report.
        let db = tenggat_store::open(&config.database_url, false).await?;
        let policies = PolicyCache::default();
        let out = match args.service {
            Some(service) => report::monthly(&db, &policies, args.contract, service, month, now)
                .await
                .map(|s| vec![s]),
            None => report::monthly_for_contract(&db, &policies, args.contract, month, now).await,
        };
        db.close().await;
        out.map_err(anyhow::Error::from)
    })?;
    if args.json {
        let out = json!({
            "contract_id": args.contract,
            "month": month,
            "services": services,
        });
        println!("{out}");
    } else {
        print!("{}", table(args.contract, month, &services)?);
    }
    Ok(())
}

/// The readable report.
fn table(contract: i64, month: Month, services: &[ServiceMonth]) -> Result<String> {
    let mut out = String::new();
    let Some(first) = services.first() else {
        writeln!(
            out,
            "Contract {contract}, {month}: the policy names no service"
        )?;
        return Ok(out);
    };
    let tz = TimeZone::get(&first.zone).map_err(|e| anyhow!("time zone {:?}: {e}", first.zone))?;
    let at = |t: Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let p = &first.policy;
    let source = match &p.source {
        report::PolicySource::Preset(name) => format!("preset {name}"),
        report::PolicySource::Uploaded(id) => format!("uploaded policy {id}"),
    };
    let add_ons = if p.add_ons.is_empty() {
        String::new()
    } else {
        format!(", add-ons {}", p.add_ons.join(", "))
    };
    writeln!(
        out,
        "Contract {contract} · {month} ({} – {} {})",
        at(first.bounds.start()),
        at(first.bounds.end()),
        first.zone
    )?;
    writeln!(
        out,
        "Policy {} version {} ({source}{add_ons})",
        p.id, p.version
    )?;
    writeln!(out, "Computed at {}", at(first.computed_at))?;
    for s in services {
        writeln!(out)?;
        writeln!(out, "{} — {}", s.service, s.service_name.en)?;
        let row = |out: &mut String, label: &str, value: String| -> std::fmt::Result {
            writeln!(out, "  {label:<20} {value}")
        };
        row(&mut out, "minutes in month", s.minutes_in_month.to_string())?;
        row(&mut out, "downtime", format!("{} min", s.downtime_minutes))?;
        row(&mut out, "excluded", format!("{} min", s.excluded_minutes))?;
        row(
            &mut out,
            "no data",
            format!("{} min (never downtime)", s.no_data_minutes),
        )?;
        row(
            &mut out,
            "availability",
            format!("{} % (rounded down)", s.availability),
        )?;
        row(&mut out, "target", format!("{} %", s.target_percent))?;
        row(
            &mut out,
            "met",
            if s.target_met { "yes" } else { "no" }.to_owned(),
        )?;
        let credit = match &s.credit {
            None => "none".to_owned(),
            Some(c) => {
                let band = match c.at_least {
                    Some(low) => format!("{low} % ≤ availability < {} %", c.below),
                    None => format!("availability < {} %", c.below),
                };
                format!(
                    "tier {} ({band}): {} % of {} = {}",
                    c.tier + 1,
                    c.credit_percent,
                    money(s.monthly_fee_minor.max(0).unsigned_abs(), &s.currency),
                    money(c.amount_minor, &s.currency)
                )
            }
        };
        row(&mut out, "credit", credit)?;
        let deadline = match s.claim_deadline {
            Some(d) => format!("claims accepted until before {}", at(d)),
            None => "the policy has no claim window".to_owned(),
        };
        row(&mut out, "claim deadline", deadline)?;
        let figures = if s.complete {
            "final".to_owned()
        } else if s.computed_at < s.bounds.end() {
            "not final: the month has not ended".to_owned()
        } else {
            match s.evaluated_until {
                Some(until) => format!("not final: evaluated until {}", at(until)),
                None => "not final: never evaluated".to_owned(),
            }
        };
        row(&mut out, "figures", figures)?;
        if !s.downtime.is_empty() {
            writeln!(out, "  downtime:")?;
            for d in &s.downtime {
                let ticket = d
                    .ticket_id
                    .map_or_else(String::new, |t| format!(", ticket {t}"));
                let excluded = if d.excluded_minutes > 0 {
                    format!(", {} min excluded", d.excluded_minutes)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "    {} – {}  {} min{excluded}{ticket}: {}",
                    at(d.interval.start()),
                    at(d.interval.end()),
                    d.downtime_minutes,
                    cause(d.cause.as_ref())
                )?;
            }
        }
        if !s.excluded.is_empty() {
            writeln!(out, "  excluded:")?;
            for x in &s.excluded {
                let source = match x.source {
                    report::ExclusionSource::Maintenance(id) => format!("maintenance {id}"),
                    report::ExclusionSource::Exclusion(id) => format!("exclusion {id}"),
                };
                let state = x
                    .state
                    .as_deref()
                    .map_or_else(String::new, |s| format!(", {s}"));
                writeln!(
                    out,
                    "    {} – {}  {} min  {}{state} ({source}): {}",
                    at(x.interval.start()),
                    at(x.interval.end()),
                    x.excluded_minutes,
                    x.reason,
                    x.note
                )?;
            }
        }
        if !s.refused_maintenance.is_empty() {
            writeln!(out, "  maintenance that still counts as downtime:")?;
            for r in &s.refused_maintenance {
                writeln!(
                    out,
                    "    {} – {}  {} min down  (maintenance {}, announced {}): {} — {}",
                    at(r.interval.start()),
                    at(r.interval.end()),
                    r.downtime_minutes,
                    r.id,
                    at(r.announced_at),
                    r.reason,
                    r.note
                )?;
            }
        }
        if !s.refused_exclusions.is_empty() {
            writeln!(out, "  exclusions not applied:")?;
            for r in &s.refused_exclusions {
                writeln!(
                    out,
                    "    {} – {}  (exclusion {}): {}",
                    at(r.interval.start()),
                    at(r.interval.end()),
                    r.id,
                    r.why
                )?;
            }
        }
    }
    Ok(out)
}

/// A downtime cause in words.
fn cause(c: Option<&Cause>) -> String {
    match c {
        None | Some(Cause::Unrecorded) => "cause not recorded".to_owned(),
        Some(Cause::ConsecutiveFailures {
            stream,
            failures,
            first,
        }) => format!(
            "{failures} consecutive failures of monitor {} at {} (first: {})",
            stream.check, stream.location, first.detail
        ),
        Some(Cause::FailingShare {
            failing,
            monitored,
            over_percent,
            ..
        }) => format!(
            "{failing} of {monitored} monitored checks failing (more than {over_percent} %)"
        ),
        Some(Cause::Quorum {
            failing_locations,
            required,
            locations,
        }) => format!("{failing_locations} of {locations} locations failing (quorum {required})"),
    }
}

/// An amount in minor units with its currency, in major units where ISO 4217 says how many
/// decimals the currency has (`IDR 123456.79`).
fn money(minor: u64, currency: &str) -> String {
    let decimals: u32 = match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    };
    if decimals == 0 {
        return format!("{currency} {minor}");
    }
    let unit = 10u64.pow(decimals);
    format!(
        "{currency} {}.{:0width$}",
        minor / unit,
        minor % unit,
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_in_major_units() {
        assert_eq!(money(12_345_679, "IDR"), "IDR 123456.79");
        assert_eq!(money(5, "USD"), "USD 0.05");
        assert_eq!(money(1500, "JPY"), "JPY 1500");
        assert_eq!(money(1500, "KWD"), "KWD 1.500");
    }
}
