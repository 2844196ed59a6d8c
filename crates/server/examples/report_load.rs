//! Monthly availability report load (issue 6's figure "monthly report for 1,000 monitors
//! ≤ 1 s"): N monitors on N/5 AmpoCloud contracts, each contract's service with a month of
//! timeline (an outage every 12 hours and a minute without data every day), then every
//! contract's report for the month, timed.
//!
//! ```text
//! cargo run --release -p tenggat-server --example report_load -- sqlite:///tmp/report.db 1000
//! cargo run --release -p tenggat-server --example report_load -- postgres://postgres@127.0.0.1:5432/report 1000
//! ```
//! The database must be empty. Prints the setup time and the time to compute all reports.

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tenggat_server::desk::PolicyCache;
use tenggat_server::monitoring::report::{self, Month};
use tenggat_store::{
    LiveState, Monitoring, NewContract, NewMonitor, NewOrganisation, NewRun, OrgKind, PolicyRef,
    RunKind, Store, open,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, monitors] = args.as_slice() else {
        return Err("usage: report_load DB_URL MONITORS".into());
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(url, monitors.parse()?))
}

async fn run(url: &str, monitors: usize) -> Result<(), Box<dyn std::error::Error>> {
    let db = open(url, url.starts_with("sqlite")).await?;
    db.migrate().await?;
    let setup = Instant::now();
    let t0: Timestamp = "2026-03-01T00:00:00+07:00".parse()?;
    let april: Timestamp = "2026-04-01T00:00:00+07:00".parse()?;
    let may: Timestamp = "2026-05-01T00:00:00+07:00".parse()?;
    let provider = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Provider,
            name: "AmpoCloud".into(),
            slug: "ampocloud".into(),
            created_at: t0,
        })
        .await?;
    let mut contracts = Vec::new();
    for c in 0..monitors.div_ceil(5) {
        let customer = db
            .create_organisation(&NewOrganisation {
                kind: OrgKind::Customer,
                name: format!("Mitra {c}"),
                slug: format!("mitra-{c}"),
                created_at: t0,
            })
            .await?;
        let contract = db
            .create_contract(&NewContract {
                provider_id: provider.id,
                customer_org_id: customer.id,
                policy: PolicyRef::Preset("ampocloud".into()),
                add_ons: vec![],
                monthly_fee_minor: 10_000_000,
                currency: "IDR".into(),
                term_start: "2026-01-01".parse()?,
                term_end: None,
                designated_contacts_only: false,
                designated_contacts: vec![],
                created_at: t0,
            })
            .await?;
        for m in 0..5.min(monitors - 5 * c) {
            db.create_monitor(&NewMonitor {
                provider_id: provider.id,
                contract_id: contract.id,
                service_id: "service".into(),
                name: format!("check {m}"),
                check: json!({"type": "http", "url": "https://example.com/health"}),
                interval_ms: 30_000,
                locations: vec!["local".into()],
                public: false,
                created_at: t0,
                first_run_at: t0,
            })
            .await?;
        }
        let cause = json!({"rule": "consecutive_failures", "stream": {"check": "1", "location": "local"},
            "failures": 2, "first": {"kind": "unhealthy", "detail": "HTTP 503"}});
        let runs: Vec<NewRun> = (0..60)
            .map(|k| {
                let s = april + SignedDuration::from_hours(12 * k);
                if k % 2 == 0 {
                    NewRun {
                        kind: RunKind::Down,
                        start: s,
                        end: s + SignedDuration::from_mins(7),
                        cause: cause.clone(),
                    }
                } else {
                    NewRun {
                        kind: RunKind::NoData,
                        start: s,
                        end: s + SignedDuration::from_mins(1),
                        cause: Value::Null,
                    }
                }
            })
            .collect();
        let live = LiveState {
            down_since: None,
            incident_ticket_id: None,
        };
        db.advance_availability(contract.id, "service", None, may, &runs, &live, may)
            .await?;
        contracts.push(contract.id);
    }
    eprintln!(
        "report_load: {monitors} monitors on {} contracts set up in {:.1} s",
        contracts.len(),
        setup.elapsed().as_secs_f64()
    );
    let month: Month = "2026-04".parse()?;
    let policies = PolicyCache::default();
    // A first report compiles the preset (cached afterwards, as in a running server).
    report::monthly_for_contract(&db, &policies, contracts[0], month, may).await?;
    let started = Instant::now();
    let mut downtime = 0;
    for id in &contracts {
        for r in report::monthly_for_contract(&db, &policies, *id, month, may).await? {
            downtime += r.downtime_minutes;
        }
    }
    println!(
        "report_load: {}: {} contracts' reports for 2026-04 ({monitors} monitors) in {:.3} s; \
         {downtime} downtime minutes in all",
        db.backend_name(),
        contracts.len(),
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}
