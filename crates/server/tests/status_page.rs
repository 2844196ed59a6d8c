//! The public status page over real HTTP, on SQLite and PostgreSQL: a service's state, its
//! daily bars (a day with downtime, days before monitoring without data), the outage open now
//! with its ticket, announced maintenance, no customer named, both languages, and 404 for a
//! provider that does not exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tenggat_server::ServerConfig;
use tenggat_store::testing::unique_suffix;
use tenggat_store::{
    Database, LiveState, Monitoring, NewMaintenance, NewMonitor, NewRun, ProbeSample, RunKind,
    SampleOutcome, Store,
};

mod live;
use live::*;

async fn get(url: &str) -> (u16, String, Option<String>) {
    let response = reqwest::get(url).await.expect("GET");
    let status = response.status().as_u16();
    let csp = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, response.text().await.expect("body"), csp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_page_shows_state_bars_outage_and_maintenance() {
    on_both(|db: Database| async move {
        // Now: Friday 10 April 2026, 12:00 WIB. Monitored since 1 April 00:00 WIB.
        let now = wib("2026-04-10 12:00");
        let since = wib("2026-04-01 00:00");
        let contract = preset_contract(&db, "ampocloud", "ampocloud", 0).await;
        let provider = db
            .get_organisation(contract.provider_id)
            .await
            .expect("provider");
        let monitor = db
            .create_monitor(&NewMonitor {
                provider_id: provider.id,
                contract_id: contract.id,
                service_id: "service".into(),
                name: "Backend API".into(),
                check: json!({"type": "http", "url": "http://127.0.0.1:9/health"}),
                interval_ms: 30_000,
                locations: vec!["local".into()],
                public: true,
                created_at: since,
                first_run_at: since,
            })
            .await
            .expect("monitor");
        // A private monitor of the same provider is not shown.
        db.create_monitor(&NewMonitor {
            name: "Internal admin".into(),
            public: false,
            ..NewMonitor {
                provider_id: provider.id,
                contract_id: contract.id,
                service_id: "service".into(),
                name: String::new(),
                check: json!({"type": "http", "url": "http://127.0.0.1:9/admin"}),
                interval_ms: 30_000,
                locations: vec!["local".into()],
                public: false,
                created_at: since,
                first_run_at: since,
            }
        })
        .await
        .expect("private monitor");
        // 90 minutes of downtime on 5 April (WIB), final; down again since 11:40 today.
        let down = NewRun {
            kind: RunKind::Down,
            start: wib("2026-04-05 08:00"),
            end: wib("2026-04-05 09:30"),
            cause: Value::Null,
        };
        assert!(
            db.advance_availability(
                contract.id,
                "service",
                None,
                wib("2026-04-10 11:30"),
                &[down],
                &LiveState {
                    down_since: Some(wib("2026-04-10 11:40")),
                    incident_ticket_id: None,
                },
                now,
            )
            .await
            .expect("advance")
        );
        db.record_samples(&[ProbeSample {
            monitor_id: monitor.id,
            location: "local".into(),
            at: now - SignedDuration::from_secs(10),
            outcome: SampleOutcome::Failed,
            failure_kind: Some("unhealthy".into()),
            detail: "HTTP 503".into(),
            latency_ms: Some(20),
            cert_expires_at: None,
        }])
        .await
        .expect("sample");
        db.create_maintenance(
            &NewMaintenance {
                contract_id: contract.id,
                service_id: None,
                start: wib("2026-04-14 01:00"),
                end: wib("2026-04-14 03:00"),
                announced_at: now,
                note: "Pembaruan basis data / database upgrade".into(),
                created_by: None,
            },
            &[],
        )
        .await
        .expect("maintenance");

        let clock = ManualClock::at(now);
        let mut config = ServerConfig::new(
            "127.0.0.1:0",
            URL,
            std::env::temp_dir().join(format!("tenggat-status-{}", unique_suffix())),
        );
        config.run_scheduler = false;
        config.run_dispatcher = false;
        config.run_monitoring = false;
        let server = tenggat_server::start_with_clock(db.clone(), config, clock)
            .await
            .expect("start");
        let base = format!("http://{}", server.addr);

        let (status, body, _) = get(&format!("{base}/status/ampocloud-provider/json")).await;
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["provider"], json!("ampocloud provider"));
        assert_eq!(v["overall"], json!("down"));
        let services = v["services"].as_array().expect("services");
        assert_eq!(services.len(), 1);
        let s = &services[0];
        assert_eq!(s["state"], json!("down"));
        assert_eq!(s["down_since"], json!("2026-04-10T04:40:00Z"));
        assert_eq!(
            s["monitors"],
            json!(["Backend API"]),
            "public monitors only"
        );
        assert!(
            s.get("contract_id").is_none(),
            "no contract on the public page"
        );
        let days = s["days"].as_array().expect("days");
        assert_eq!(days.len(), 90);
        assert_eq!(days[89]["date"], json!("2026-04-10"));
        assert_eq!(days[80]["date"], json!("2026-04-01"));
        assert_eq!(
            days[79]["percent"],
            Value::Null,
            "before monitoring: no data"
        );
        // 5 April: 90 of 1,440 minutes down → 93.75 %.
        assert_eq!(days[84]["date"], json!("2026-04-05"));
        assert_eq!(days[84]["downtime_minutes"], json!(90));
        assert_eq!(days[84]["percent"], json!("93.75"));
        assert_eq!(days[83]["percent"], json!("100.00"));
        // Today: 12 hours seen, down since 11:40 → 20 of 720 minutes.
        assert_eq!(days[89]["downtime_minutes"], json!(20));
        assert_eq!(v["maintenance"][0]["start"], json!("2026-04-13T18:00:00Z"));
        assert!(!body.contains("customer"), "no customer named: {body}");

        let (status, html, csp) = get(&format!("{base}/status/ampocloud-provider")).await;
        assert_eq!(status, 200);
        assert!(html.contains("lang=\"id\""));
        assert!(html.contains("Ada layanan yang sedang terganggu"), "{html}");
        assert!(html.contains("Pembaruan basis data"));
        assert!(!html.contains("ampocloud customer"));
        assert!(!html.contains("Internal admin"));
        assert!(csp.expect("CSP").contains("default-src 'none'"));
        let (_, english, _) = get(&format!("{base}/status/ampocloud-provider?lang=en")).await;
        assert!(english.contains("A service is disrupted"));

        let (status, body, _) = get(&format!("{base}/status/nobody/json")).await;
        assert_eq!(status, 404, "{body}");
        // A customer's slug is not a status page.
        let (status, _, _) = get(&format!("{base}/status/ampocloud-customer")).await;
        assert_eq!(status, 404);
    })
    .await;
}

/// The helper's instants are WIB wall-clock minutes.
#[test]
fn wib_is_utc_plus_seven() {
    assert_eq!(
        wib("2026-04-10 11:40"),
        "2026-04-10T04:40:00Z"
            .parse::<Timestamp>()
            .expect("instant")
    );
}
