//! `tenggat demo`: loads a living desk once, refuses to load it twice, and everything it writes
//! is what the server would accept and fold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tenggat_server::desk::{Report, validate_report};
use tenggat_server::{Clock, SystemClock};
use tenggat_sla::FieldType;
use tenggat_store::{OrgKind, PolicyRef, Store, TicketFilter, TicketStatus};

/// A scratch directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("tenggat-demo-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// Runs `tenggat` in `dir` with extra environment variables: (status, stdout, stderr).
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("tenggat").expect("binary built");
    cmd.current_dir(dir)
        .args(args)
        .env_remove("TENGGAT_DATABASE_URL")
        .env_remove("TENGGAT_PUBLIC_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn one_error_line(code: i32, err: &str) {
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.starts_with("tenggat: error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// What the demo wrote, checked ticket by ticket; returns (customer slugs, one line per
/// ticket: customer, title, kind, first priority) for comparisons between runs.
fn check_database(url: &str, tickets: i64) -> (Vec<String>, Vec<String>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let db = tenggat_store::open(url, false).await.expect("opens");
        let customers = db
            .list_organisations(Some(OrgKind::Customer))
            .await
            .expect("organisations");
        assert!(customers.len() >= 6, "{customers:?}");
        let slugs: Vec<String> = customers.iter().map(|o| o.slug.clone()).collect();
        for preset in tenggat_sla::PRESETS {
            assert!(slugs.contains(&format!("demo-{preset}")), "{slugs:?}");
        }
        for org in &customers {
            let users = db.users_of_organisation(org.id).await.expect("users");
            assert_eq!(users.len(), 2, "{}", org.slug);
            assert!(users.iter().all(|u| u.email.contains(".example")));
            let contracts = db
                .contracts_of_organisation(org.id)
                .await
                .expect("contracts");
            assert_eq!(contracts.len(), 1, "{}", org.slug);
            assert_eq!(contracts[0].designated_contacts.len(), 2);
            assert_eq!(contracts[0].currency, "IDR");
        }
        let all = TicketFilter::default();
        assert_eq!(db.count_tickets(&all).await.expect("count"), tickets);

        let now = SystemClock.now();
        let mut lines = Vec::new();
        let mut statuses = BTreeMap::new();
        let mut event_types = BTreeMap::new();
        let mut filter = TicketFilter {
            limit: tenggat_store::MAX_PAGE,
            ..TicketFilter::default()
        };
        let mut seen = 0;
        loop {
            let page = db.list_tickets(&filter).await.expect("page");
            for ticket in &page.tickets {
                seen += 1;
                let number = ticket.display_number();
                let contract = db
                    .get_contract(ticket.contract_id, None)
                    .await
                    .expect("contract");
                let PolicyRef::Preset(preset) = &contract.policy else {
                    panic!("{number}: not a preset")
                };
                let policy = tenggat_sla::preset(preset)
                    .expect("preset")
                    .expect("compiles");
                let events = db
                    .ticket_events(ticket.id, None, true)
                    .await
                    .expect("events");
                assert_eq!(events.len() as i64, ticket.last_seq, "{number}");
                assert!(
                    events.iter().all(|e| e.at <= now),
                    "{number}: an event in the future"
                );
                assert!(
                    events.windows(2).all(|w| w[0].at <= w[1].at),
                    "{number}: events out of order"
                );
                let folded = tenggat_store::sla_events(&events).expect("parses");
                tenggat_sla::evaluate(&policy, &folded, now)
                    .unwrap_or_else(|e| panic!("{number}: {e}"));
                assert!(ticket.sla.is_some(), "{number}: no SLA cache");
                assert_eq!(ticket.sla_seq, ticket.last_seq, "{number}: stale SLA cache");
                // The report is one the server's own validation accepts (files aside).
                let report = Report {
                    kind: Some(ticket.kind.clone()),
                    priority: ticket.priority.clone(),
                    channel: ticket.channel.clone(),
                    attributes: serde_json::from_value(ticket.attributes.clone())
                        .expect("attributes"),
                    fields: ticket.fields.as_object().cloned().expect("fields object"),
                    attachment_fields: policy
                        .fields
                        .iter()
                        .filter(|f| f.field_type == FieldType::Attachment)
                        .map(|f| f.id.clone())
                        .collect(),
                };
                validate_report(&policy, &report).unwrap_or_else(|e| panic!("{number}: {e}"));
                let first_priority = events[0].payload["priority"].as_str().unwrap_or_default();
                lines.push(format!(
                    "{} | {} | {} | {first_priority}",
                    contract.customer_org_id, ticket.title, ticket.kind
                ));
                *statuses.entry(ticket.status.as_str()).or_insert(0) += 1;
                for e in &events {
                    *event_types.entry(e.event_type.clone()).or_insert(0) += 1;
                }
                if ticket.status == TicketStatus::Closed {
                    assert!(!ticket.is_open());
                }
            }
            match page.next {
                Some(next) => filter.after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, tickets);
        if tickets >= 100 {
            // A living desk: tickets in every stage, and the events that got them there.
            for status in [
                TicketStatus::Closed,
                TicketStatus::Resolved,
                TicketStatus::InProgress,
            ] {
                assert!(
                    statuses.contains_key(status.as_str()),
                    "{status}: {statuses:?}"
                );
            }
            for ty in [
                "created",
                "acknowledged",
                "assigned",
                "workaround",
                "paused",
                "resumed",
                "resolved",
                "closed",
                "reply",
                "note",
            ] {
                assert!(event_types.contains_key(ty), "{ty}: {event_types:?}");
            }
        }
        db.close().await;
        lines.sort();
        (slugs, lines)
    })
}

#[test]
fn demo_loads_a_living_desk_once() {
    let dir = TempDir::new("sqlite");
    let env = [("TENGGAT_PUBLIC_URL", "https://desk.example")];
    let (code, out, err) = run_in(dir.path(), &["demo", "--tickets", "150"], &env);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "", "nothing on stderr");
    assert!(dir.path().join("tenggat.db").is_file());
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("first run: set the admin password at https://desk.example/setup/"),
        "{out}"
    );
    assert!(out.contains("6 customers, 150 tickets"), "{out}");
    assert!(out.contains("demo-") || out.contains("(demo)"), "{out}");
    assert!(out.contains("`tenggat serve`"), "{out}");
    // One-time links for the six customer admins and the two provider staff.
    let links = out.matches("https://desk.example/setup/").count();
    assert_eq!(links, 1 + 6 + 2, "{out}");
    let db = format!("sqlite://{}", dir.path().join("tenggat.db").display());
    let (slugs, _) = check_database(&db, 150);

    // Last month's availability: Innovasia's history earns the first credit tier, AmpoCloud's
    // backend API keeps within its 220 minutes; the report command reads the same figures.
    let header = out
        .lines()
        .find(|l| l.starts_with("availability in "))
        .unwrap_or_else(|| panic!("no availability summary: {out}"));
    let month = header["availability in ".len()..][..7].to_owned();
    let line = |needle: &str| {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} line: {out}"))
            .to_owned()
    };
    let inno = line("(PT Innovasia");
    assert!(
        inno.contains("2250 min down, 165 min excluded, credit 10 % = IDR "),
        "{inno}"
    );
    let ampo = line("backend_api:");
    assert!(
        ampo.contains("70 min down, 0 min excluded, no credit"),
        "{ampo}"
    );
    let contract = inno
        .split_whitespace()
        .nth(1)
        .expect("contract id")
        .to_owned();
    let (code, report, err) = run_in(
        dir.path(),
        &[
            "availability",
            "report",
            "--contract",
            &contract,
            "--month",
            &month,
            "--json",
        ],
        &env,
    );
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&report).expect("json");
    let service = &report["services"][0];
    assert_eq!(service["downtime_minutes"], 2250, "{service}");
    assert_eq!(service["excluded_minutes"], 165);
    assert_eq!(service["no_data_minutes"], 20);
    assert_eq!(service["credit"]["credit_percent"], 10.0);
    assert_eq!(service["complete"], true);

    // Again: refused with one line, and nothing is duplicated.
    let (code, out, err) = run_in(dir.path(), &["demo"], &env);
    one_error_line(code, &err);
    assert!(err.contains("demo"), "{err}");
    assert_eq!(out, "");
    let (again, _) = check_database(&db, 150);
    assert_eq!(slugs, again);
}

#[test]
fn demo_performs_the_first_run_only_when_the_desk_has_none() {
    // After `migrate` there is no provider yet: the demo performs the first run.
    let dir = TempDir::new("after-migrate");
    let (code, _, err) = run_in(dir.path(), &["migrate"], &[]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run_in(dir.path(), &["demo", "--tickets", "5"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("first run: set the admin password at http://127.0.0.1:8080/setup/"),
        "{out}"
    );
    assert!(out.contains("6 customers, 5 tickets"), "{out}");

    // After `serve` made the provider and its admin, the demo joins that desk.
    let dir = TempDir::new("after-serve");
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("tenggat"))
        .current_dir(dir.path())
        .args(["serve"])
        .env_remove("TENGGAT_DATABASE_URL")
        .env("TENGGAT_LISTEN", "127.0.0.1:0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().expect("stdout")),
        &mut first,
    )
    .expect("first line");
    server.kill().ok();
    server.wait().ok();
    assert!(first.starts_with("first run: "), "{first}");
    let (code, out, err) = run_in(dir.path(), &["demo", "--tickets", "5"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("first run"), "{out}");
    assert!(
        out.starts_with("demo loaded into the sqlite database"),
        "{out}"
    );
    let db = format!("sqlite://{}", dir.path().join("tenggat.db").display());
    check_database(&db, 5);
}

#[test]
fn the_same_seed_gives_the_same_desk() {
    let a = TempDir::new("seed-a");
    let b = TempDir::new("seed-b");
    let c = TempDir::new("seed-c");
    for (dir, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let (code, _, err) = run_in(
            dir.path(),
            &["demo", "--tickets", "40", "--seed", seed],
            &[],
        );
        assert_eq!(code, 0, "{err}");
    }
    let url = |d: &TempDir| format!("sqlite://{}", d.path().join("tenggat.db").display());
    let (_, first) = check_database(&url(&a), 40);
    let (_, second) = check_database(&url(&b), 40);
    let (_, other) = check_database(&url(&c), 40);
    assert_eq!(first, second);
    assert_ne!(first, other);
}

#[test]
fn bad_demo_arguments_are_one_line_and_exit_2() {
    let dir = TempDir::new("args");
    for args in [
        &["demo", "--tickets", "0"][..],
        &["demo", "--tickets", "100001"],
        &["demo", "--tickets", "many"],
        &["demo", "--seed", "-1"],
        &["demo", "--config", "nope.toml"],
    ] {
        let (code, _, err) = run_in(dir.path(), args, &[]);
        one_error_line(code, &err);
    }
    assert!(!dir.path().join("tenggat.db").exists());
}

#[test]
fn demo_on_postgres_when_configured() {
    let Ok(url) = std::env::var("TENGGAT_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set TENGGAT_TEST_POSTGRES_URL"
        );
        return;
    };
    let name = format!("tenggat_demo_{}", std::process::id());
    let psql = |sql: &str| {
        let out = std::process::Command::new("psql")
            .args([url.as_str(), "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    psql(&format!("DROP DATABASE IF EXISTS {name}"));
    psql(&format!("CREATE DATABASE {name}"));
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    let db_url = format!("{base}/{name}");
    let dir = TempDir::new("postgres");
    let env = [("TENGGAT_DATABASE_URL", db_url.as_str())];
    let (code, out, err) = run_in(dir.path(), &["demo", "--tickets", "60"], &env);
    let again = run_in(dir.path(), &["demo", "--tickets", "60"], &env);
    let checked = std::panic::catch_unwind(|| check_database(&db_url, 60));
    psql(&format!("DROP DATABASE {name}"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("postgres database"), "{out}");
    one_error_line(again.0, &again.2);
    assert!(
        checked.is_ok(),
        "the PostgreSQL demo database failed its checks"
    );
}
