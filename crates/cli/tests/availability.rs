//! `tenggat availability report` against an SQLite database prepared through the store API:
//! AmpoCloud's 220 minutes in April 2026 as a table and as JSON, and every bad input as one
//! line on stderr with exit status 2.

use assert_cmd::Command;
use jiff::Timestamp;
use serde_json::{Value, json};
use tenggat_store::{
    Database, LiveState, Monitoring, NewContract, NewMaintenance, NewMonitor, NewOrganisation,
    NewRun, OrgKind, PolicyRef, RunKind, Store,
};

/// A directory of its own, removed afterwards.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "tenggat-availability-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn wib(s: &str) -> Timestamp {
    format!("{s}:00+07:00")
        .replace(' ', "T")
        .parse()
        .expect("instant")
}

/// An AmpoCloud contract (fee Rp 10 000 000.00) whose backend API is monitored from March 1
/// and was down 220 minutes on April 10; a maintenance window of its other service, which
/// AmpoCloud does not exclude. Returns the contract's id.
async fn prepare(db: &Database) -> i64 {
    let at = wib("2026-01-01 00:00");
    let org = |kind: OrgKind, slug: &str| NewOrganisation {
        kind,
        name: slug.into(),
        slug: slug.into(),
        created_at: at,
    };
    let provider = db
        .create_organisation(&org(OrgKind::Provider, "ampocloud"))
        .await
        .expect("provider");
    let customer = db
        .create_organisation(&org(OrgKind::Customer, "mitra"))
        .await
        .expect("customer");
    let c = db
        .create_contract(&NewContract {
            provider_id: provider.id,
            customer_org_id: customer.id,
            policy: PolicyRef::Preset("ampocloud".into()),
            add_ons: vec![],
            monthly_fee_minor: 1_000_000_000,
            currency: "IDR".into(),
            term_start: "2026-01-01".parse().expect("date"),
            term_end: None,
            designated_contacts_only: false,
            designated_contacts: vec![],
            created_at: at,
        })
        .await
        .expect("contract");
    let monitor = db
        .create_monitor(&NewMonitor {
            provider_id: provider.id,
            contract_id: c.id,
            service_id: "backend_api".into(),
            name: "API health".into(),
            check: json!({"type": "http", "url": "http://127.0.0.1:9/health"}),
            interval_ms: 30_000,
            locations: vec!["local".into()],
            public: true,
            created_at: wib("2026-03-01 00:00"),
            first_run_at: wib("2026-03-01 00:00"),
        })
        .await
        .expect("monitor");
    let until = wib("2026-05-01 06:00");
    let cause = json!({
        "rule": "consecutive_failures",
        "stream": {"check": monitor.id.to_string(), "location": "local"},
        "failures": 2,
        "first": {"kind": "unhealthy", "detail": "HTTP 503"},
    });
    assert!(
        db.advance_availability(
            c.id,
            "backend_api",
            None,
            until,
            &[NewRun {
                kind: RunKind::Down,
                start: wib("2026-04-10 10:00"),
                end: wib("2026-04-10 13:40"),
                cause,
            }],
            &LiveState {
                down_since: None,
                incident_ticket_id: None,
            },
            until,
        )
        .await
        .expect("timeline")
    );
    db.create_maintenance(
        &NewMaintenance {
            contract_id: c.id,
            service_id: None,
            start: wib("2026-04-20 22:00"),
            end: wib("2026-04-21 00:00"),
            announced_at: wib("2026-04-13 10:00"),
            note: "storage migration".into(),
            created_by: None,
        },
        &[],
    )
    .await
    .expect("maintenance");
    c.id
}

/// The database file, prepared; returns its URL and the contract's id.
fn database(dir: &TempDir) -> (String, i64) {
    let url = format!("sqlite://{}", dir.0.join("tenggat.db").display());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let id = runtime.block_on(async {
        let db = tenggat_store::open(&url, true).await.expect("open");
        db.migrate().await.expect("migrate");
        let id = prepare(&db).await;
        db.close().await;
        id
    });
    (url, id)
}

/// Runs `tenggat availability report ARGS` on `url`; returns (status, stdout, stderr).
fn report(dir: &TempDir, url: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("tenggat")
        .expect("binary built")
        .current_dir(&dir.0)
        .env("TENGGAT_DATABASE_URL", url)
        .args(["availability", "report"])
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn report_as_table_and_json() {
    let dir = TempDir::new("good");
    let (url, id) = database(&dir);
    let id = id.to_string();
    let now = "2026-05-02T00:00:00+07:00";
    let (code, out, err) = report(
        &dir,
        &url,
        &[
            "--contract",
            &id,
            "--month",
            "2026-04",
            "--service",
            "backend_api",
            "--now",
            now,
        ],
    );
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    let line = |label: &str| -> String {
        out.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label:?} in {out}"))
            .to_owned()
    };
    assert!(line("minutes in month").ends_with(" 43200"), "{out}");
    assert!(line("downtime ").ends_with(" 220 min"), "{out}");
    assert!(
        line("availability").contains(" 99.49 % (rounded down)"),
        "{out}"
    );
    assert!(line("target").ends_with(" 99.5 %"), "{out}");
    assert!(line("met").ends_with(" no"), "{out}");
    assert!(line("credit").ends_with(" none"), "{out}");
    assert!(
        line("claim deadline").contains("the policy has no claim window"),
        "{out}"
    );
    assert!(
        out.contains("2026-04-10 10:00 – 2026-04-10 13:40  220 min: 2 consecutive failures"),
        "{out}"
    );
    assert!(
        out.contains("maintenance that still counts as downtime:"),
        "{out}"
    );
    assert!(
        out.contains("the policy does not exclude scheduled maintenance — storage migration"),
        "{out}"
    );
    assert!(
        out.contains("Policy ampocloud version 2025-04-28 (preset ampocloud)"),
        "{out}"
    );
    assert!(line("figures").ends_with(" final"), "{out}");

    // Every service of the policy, as one JSON object.
    let (code, out, err) = report(
        &dir,
        &url,
        &[
            "--contract",
            &id,
            "--month",
            "2026-04",
            "--json",
            "--now",
            now,
        ],
    );
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let j: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(j["month"], json!("2026-04"));
    let services = j["services"].as_array().expect("services");
    let ids: Vec<&str> = services
        .iter()
        .map(|s| s["service"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["service", "backend_api"]);
    let api = &services[1];
    assert_eq!(api["availability"], json!("99.49"));
    assert_eq!(api["downtime_minutes"], json!(220));
    assert_eq!(api["minutes_in_month"], json!(43_200));
    assert_eq!(api["target_met"], json!(false));
    assert_eq!(api["currency"], json!("IDR"));
    assert_eq!(api["complete"], json!(true));
    assert_eq!(api["computed_at"], json!("2026-05-01T17:00:00Z"));
    assert_eq!(
        api["refused_maintenance"][0]["reason"],
        json!("the policy does not exclude scheduled maintenance")
    );
    // The unmonitored service has no data, which is never downtime.
    assert_eq!(services[0]["no_data_minutes"], json!(43_200));
    assert_eq!(services[0]["availability"], json!("100.00"));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = TempDir::new("bad");
    let (url, id) = database(&dir);
    let id = id.to_string();
    let unknown = (id.parse::<i64>().expect("id") + 100).to_string();
    let no_contract = format!("no contract {unknown}");
    let cases: [(Vec<&str>, &str); 6] = [
        (
            vec!["--contract", &id, "--month", "2026-13"],
            "\"2026-13\" is not a month",
        ),
        (
            vec!["--contract", &id, "--month", "March"],
            "\"March\" is not a month",
        ),
        (
            vec!["--contract", &unknown, "--month", "2026-03"],
            &no_contract,
        ),
        (
            vec!["--contract", &id, "--month", "2026-03", "--service", "nope"],
            "names no service \"nope\" (its services: service, backend_api)",
        ),
        (vec!["--contract", "x", "--month", "2026-03"], "--contract"),
        (
            vec![
                "--contract",
                &id,
                "--month",
                "2026-03",
                "--now",
                "yesterday",
            ],
            "--now",
        ),
    ];
    for (args, needle) in &cases {
        let (code, out, err) = report(&dir, &url, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(out, "", "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
        assert!(err.starts_with("tenggat: error: "), "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: expected {needle:?} in {err:?}"
        );
    }
    // A database that does not exist is an error, and is not created.
    let missing = format!("sqlite://{}", dir.0.join("missing.db").display());
    let (code, _, err) = report(&dir, &missing, &["--contract", &id, "--month", "2026-03"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(!dir.0.join("missing.db").exists());
}
