//! Prober load (issue 6's figure): N monitors at a 30-s interval against a local HTTP target,
//! the server's prober and availability evaluator running for a while on the system clock.
//!
//! ```text
//! # the target, in its own process (so its CPU is not counted as the server's); it prints
//! # its URL:
//! cargo run --release -p tenggat-server --example probe_load -- target
//! # the prober and evaluator: 5,000 monitors (1,000 AmpoCloud contracts × 5), 150 s
//! cargo run --release -p tenggat-server --example probe_load -- run sqlite:///tmp/probe.db \
//!     http://127.0.0.1:PORT/health 5000 150
//! ```
//! `run` needs an empty database. The monitors' first slots lie 60 s after the setup began (so
//! a slot that passed while 5,000 monitors were written does not count as late); give a time
//! longer than that. After the time given it prints the probes run, how many
//! started more than 2 s after their slot, the longest delay, the samples stored, the
//! evaluator's passes, its own CPU time (user + system) and peak RSS (`VmHWM`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::json;
use tenggat_probe::Prober;
use tenggat_probe::slot::Slots;
use tenggat_probe::target::Target;
use tenggat_server::monitoring::{evaluator, probes};
use tenggat_server::scheduler::Jobs;
use tenggat_server::{Clock, SystemClock};
use tenggat_store::{
    Monitoring, NewContract, NewMonitor, NewOrganisation, OrgKind, PolicyRef, Store, open,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.as_slice() {
        [_, mode] if mode == "target" => runtime.block_on(serve_target()),
        [_, mode, url, target, monitors, secs] if mode == "run" => {
            runtime.block_on(run(url, target, monitors.parse()?, secs.parse()?))
        }
        _ => Err(
            "usage: probe_load target | probe_load run DB_URL TARGET_URL MONITORS SECONDS".into(),
        ),
    }
}

async fn serve_target() -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::start().await?;
    println!("{}", target.url("/health"));
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// This process's CPU time (user + system) in seconds, and its peak RSS in kB.
fn usage() -> (f64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest.split(' ').collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let hwm = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0);
    (cpu, hwm)
}

async fn run(
    url: &str,
    target: &str,
    monitors: usize,
    secs: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let db = open(url, url.starts_with("sqlite")).await?;
    db.migrate().await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = clock.now();
    let provider = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Provider,
            name: "AmpoCloud".into(),
            slug: "ampocloud".into(),
            created_at: now,
        })
        .await?;
    let interval = Duration::from_secs(30);
    // The first slots lie after the setup (which takes seconds on PostgreSQL): a slot that
    // passed while the monitors were being written would count as late.
    let slots_from = now + jiff::SignedDuration::from_secs(60);
    let contracts = monitors.div_ceil(5);
    let mut made = 0;
    for c in 0..contracts {
        let customer = db
            .create_organisation(&NewOrganisation {
                kind: OrgKind::Customer,
                name: format!("Mitra {c}"),
                slug: format!("mitra-{c}"),
                created_at: now,
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
                created_at: now,
            })
            .await?;
        for m in 0..5 {
            if made == monitors {
                break;
            }
            let key = format!("{}:service:check {m}", contract.id);
            let first = Slots::for_monitor(&key, interval)?
                .next_slot(slots_from)
                .unwrap_or(slots_from);
            db.create_monitor(&NewMonitor {
                provider_id: provider.id,
                contract_id: contract.id,
                service_id: "service".into(),
                name: format!("check {m}"),
                check: json!({"type": "http", "url": target, "timeout": "5s"}),
                interval_ms: 30_000,
                locations: vec!["local".into()],
                public: false,
                created_at: now,
                first_run_at: first,
            })
            .await?;
            made += 1;
        }
    }
    eprintln!(
        "probe_load: {made} monitors on {contracts} contracts, set up in {:.1} s; running {secs} s \
         (probes start 60 s after the setup began)",
        clock.now().duration_since(now).as_secs_f64()
    );
    let (cpu0, _) = usage();
    let stats = Arc::new(probes::ProbeStats::default());
    let for_prober = clock.clone();
    let prober = Prober::builder().clock(move || for_prober.now()).build()?;
    let evaluator_wake = Arc::new(tokio::sync::Notify::new());
    let jobs = Jobs::new(false, "http://127.0.0.1:8080");
    let prober_task = tokio::spawn(probes::run(
        db.clone(),
        Arc::new(prober),
        probes::ProbeConfig::default(),
        clock.clone(),
        Arc::new(tokio::sync::Notify::new()),
        evaluator_wake.clone(),
        stats.clone(),
        jobs.clone(),
    ));
    let evaluator_task = tokio::spawn(evaluator::run(
        db.clone(),
        jobs,
        clock.clone(),
        evaluator_wake,
    ));
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (cpu1, hwm) = usage();
    prober_task.abort();
    evaluator_task.abort();
    let wall = started.elapsed().as_secs_f64();
    let states = db.availability_states_of_provider(provider.id).await?;
    let evaluated = states
        .iter()
        .filter(|s| s.evaluated_until > Timestamp::from_second(0).unwrap_or(now))
        .count();
    println!(
        "probe_load: {} over {wall:.0} s: probes {}, later than 2 s after their slot {}, \
         longest delay {} ms, samples stored {}, services evaluated {evaluated}; \
         CPU {:.1} s ({:.0} % of one core), peak RSS {} MB",
        db.backend_name(),
        stats.probes.load(Ordering::Relaxed),
        stats.late.load(Ordering::Relaxed),
        stats.max_delay_ms.load(Ordering::Relaxed),
        stats.recorded.load(Ordering::Relaxed),
        cpu1 - cpu0,
        (cpu1 - cpu0) / wall * 100.0,
        hwm / 1024,
    );
    db.close().await;
    Ok(())
}
