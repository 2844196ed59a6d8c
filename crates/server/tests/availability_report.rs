//! The monthly availability report computed from storage, on SQLite and PostgreSQL: timelines,
//! maintenance windows and exclusions are written straight into the store, and the report is
//! checked figure by figure (AmpoCloud's 220 minutes, a month boundary, Innovasia's 48-hour
//! notice, a withdrawn exclusion, a month not yet evaluated, the credit tier at 95 %).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use serde_json::{Value, json};
use tenggat_availability::{Cause, Failure, FailureKind, Stream};
use tenggat_server::desk::PolicyCache;
use tenggat_server::monitoring::report::{
    self, ExclusionSource, Month, PolicySource, ReportError, ServiceMonth,
};
use tenggat_store::{
    Contract, Database, ExclusionState, Language, LiveState, Monitoring, NewExclusion,
    NewMaintenance, NewMonitor, NewRun, NewUser, Role, RunKind, Store,
};

mod live;
use live::*;

/// A monitor of `service` created at `at` (evaluation starts there).
async fn monitor(db: &Database, c: &Contract, service: &str, at: Timestamp) {
    db.create_monitor(&NewMonitor {
        provider_id: c.provider_id,
        contract_id: c.id,
        service_id: service.into(),
        name: format!("{service} health"),
        check: json!({"type": "http", "url": "http://127.0.0.1:9/health"}),
        interval_ms: 30_000,
        locations: vec!["local".into()],
        public: true,
        created_at: at,
        first_run_at: at,
    })
    .await
    .expect("monitor");
}

fn ampo_cause() -> Value {
    serde_json::to_value(Cause::ConsecutiveFailures {
        stream: Stream::new("1", "local"),
        failures: 2,
        first: Failure::new(FailureKind::Unhealthy, "HTTP 503"),
    })
    .unwrap()
}

fn share_cause() -> Value {
    serde_json::to_value(Cause::FailingShare {
        failing: 3,
        unreachable: 0,
        monitored: 4,
        over_percent: 50.0,
    })
    .unwrap()
}

fn down(start: &str, end: &str, cause: Value) -> NewRun {
    NewRun {
        kind: RunKind::Down,
        start: wib(start),
        end: wib(end),
        cause,
    }
}

fn up() -> LiveState {
    LiveState {
        down_since: None,
        incident_ticket_id: None,
    }
}

/// Writes the service's timeline from nothing to `until` in one step.
async fn timeline(db: &Database, c: &Contract, service: &str, until: &str, runs: &[NewRun]) {
    let until = wib(until);
    assert!(
        db.advance_availability(c.id, service, None, until, runs, &up(), until)
            .await
            .expect("advance")
    );
}

fn month(s: &str) -> Month {
    s.parse().expect("month")
}

async fn monthly(db: &Database, c: &Contract, service: &str, m: &str, now: &str) -> ServiceMonth {
    report::monthly(
        db,
        &PolicyCache::default(),
        c.id,
        service,
        month(m),
        wib(now),
    )
    .await
    .expect("report")
}

/// AmpoCloud promises 99.5 % (220 minutes of downtime): in a 30-day month 220 minutes give
/// 99.49 %, missed; in a 31-day month 99.50 %, met. AmpoCloud has no credit tiers, no claim
/// window and does not exclude maintenance; a window for another service is not this one's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ampocloud_220_minutes_in_30_and_31_day_months() {
    on_both(|db| async move {
        let c = preset_contract(&db, "ampocloud", "ampo", 10_000_000).await;
        monitor(&db, &c, "backend_api", wib("2026-03-01 00:00")).await;
        timeline(
            &db,
            &c,
            "backend_api",
            "2026-06-01 00:00",
            &[
                down("2026-04-10 10:00", "2026-04-10 13:40", ampo_cause()),
                down("2026-05-12 02:00", "2026-05-12 05:40", ampo_cause()),
            ],
        )
        .await;
        // A maintenance window of the other service, announced well ahead.
        db.create_maintenance(
            &NewMaintenance {
                contract_id: c.id,
                service_id: Some("service".into()),
                start: wib("2026-04-10 10:00"),
                end: wib("2026-04-10 12:00"),
                announced_at: wib("2026-04-01 10:00"),
                note: "storage migration".into(),
                created_by: None,
            },
            &[],
        )
        .await
        .expect("maintenance");

        let april = monthly(&db, &c, "backend_api", "2026-04", "2026-05-02 00:00").await;
        assert_eq!(april.minutes_in_month, 43_200);
        assert_eq!(april.downtime_minutes, 220);
        assert_eq!(april.excluded_minutes, 0);
        assert_eq!(april.no_data_minutes, 0);
        assert_eq!(april.good_minutes, 43_200 - 220);
        assert_eq!(april.availability, "99.49");
        assert_eq!(april.target_percent, 99.5);
        assert!(!april.target_met);
        assert_eq!(april.credit, None, "AmpoCloud has no credit tiers");
        assert_eq!(april.claim_deadline, None, "nor a claim window");
        assert!(
            april.refused_maintenance.is_empty(),
            "another service's window"
        );
        assert!(april.complete);
        assert_eq!(april.zone, "Asia/Jakarta");
        assert_eq!(april.bounds.start(), wib("2026-04-01 00:00"));
        assert_eq!(april.bounds.end(), wib("2026-05-01 00:00"));
        assert_eq!(april.currency, "IDR");
        assert_eq!(april.policy.id, "ampocloud");
        assert_eq!(april.policy.version, "2025-04-28");
        assert_eq!(
            april.policy.source,
            PolicySource::Preset("ampocloud".into())
        );
        assert_eq!(april.computed_at, wib("2026-05-02 00:00"));
        assert_eq!(april.downtime.len(), 1);
        let d = &april.downtime[0];
        assert_eq!(
            (d.interval.start(), d.interval.end()),
            (wib("2026-04-10 10:00"), wib("2026-04-10 13:40"))
        );
        assert_eq!(d.downtime_minutes, 220);
        assert!(matches!(
            d.cause,
            Some(Cause::ConsecutiveFailures { failures: 2, .. })
        ));

        let may = monthly(&db, &c, "backend_api", "2026-05", "2026-06-02 00:00").await;
        assert_eq!(may.minutes_in_month, 44_640);
        assert_eq!(may.downtime_minutes, 220);
        assert_eq!(may.availability, "99.50");
        assert!(may.target_met);

        // The window counts for "service", which AmpoCloud does not exclude: it stays
        // downtime, and the report says why.
        let service = monthly(&db, &c, "service", "2026-04", "2026-05-02 00:00").await;
        assert_eq!(service.refused_maintenance.len(), 1);
        assert_eq!(
            service.refused_maintenance[0].reason,
            "the policy does not exclude scheduled maintenance"
        );
        // "service" has no monitor: nothing of it was evaluated.
        assert_eq!(service.no_data_minutes, 43_200);
        assert_eq!(service.downtime_minutes, 0);

        // Both services, in the policy's order.
        let all = report::monthly_for_contract(
            &db,
            &PolicyCache::default(),
            c.id,
            month("2026-04"),
            wib("2026-05-02 00:00"),
        )
        .await
        .expect("contract report");
        let ids: Vec<&str> = all.iter().map(|s| s.service.as_str()).collect();
        assert_eq!(ids, ["service", "backend_api"]);
        assert_eq!(all[1], april);

        // The JSON carries the figure as shown.
        let j = serde_json::to_value(&april).unwrap();
        assert_eq!(j["availability"], json!("99.49"));
        assert_eq!(j["downtime_minutes"], json!(220));
        assert_eq!(j["month"], json!("2026-04"));
        assert_eq!(j["policy"]["source"], json!({"preset": "ampocloud"}));
        assert_eq!(
            j["downtime"][0]["cause"]["rule"],
            json!("consecutive_failures")
        );
    })
    .await;
}

/// Downtime from March 31 23:50 WIB to April 1 00:20 WIB, written in two steps (the second
/// extends the run): 10 minutes fall into March, 20 into April; the run keeps its incident
/// ticket in both months.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downtime_across_a_month_boundary_is_split() {
    on_both(|db| async move {
        let policies = PolicyCache::default();
        let c = preset_contract(&db, "innovasia", "inno", 0).await;
        monitor(&db, &c, "service", wib("2026-03-01 00:00")).await;
        let ticket = report(&db, &policies, &c, "P1", wib("2026-03-31 23:50")).await;
        let first_until = wib("2026-03-31 23:55");
        assert!(
            db.advance_availability(
                c.id,
                "service",
                None,
                first_until,
                &[down("2026-03-31 23:50", "2026-03-31 23:55", share_cause())],
                &LiveState {
                    down_since: Some(wib("2026-03-31 23:50")),
                    incident_ticket_id: Some(ticket),
                },
                first_until,
            )
            .await
            .expect("advance")
        );
        let until = wib("2026-05-01 00:00");
        assert!(
            db.advance_availability(
                c.id,
                "service",
                Some(first_until),
                until,
                &[down("2026-03-31 23:55", "2026-04-01 00:20", share_cause())],
                &up(),
                until,
            )
            .await
            .expect("advance")
        );

        let march = monthly(&db, &c, "service", "2026-03", "2026-05-01 00:00").await;
        let april = monthly(&db, &c, "service", "2026-04", "2026-05-01 00:00").await;
        assert_eq!(march.downtime_minutes, 10);
        assert_eq!(april.downtime_minutes, 20);
        assert_eq!(march.minutes_in_month, 44_640);
        assert_eq!(
            march.availability, "99.97",
            "(44 640 − 10) / 44 640 = 99.977…"
        );
        assert_eq!(
            april.availability, "99.95",
            "(43 200 − 20) / 43 200 = 99.953…"
        );
        for (m, from, to, minutes) in [
            (&march, "2026-03-31 23:50", "2026-04-01 00:00", 10),
            (&april, "2026-04-01 00:00", "2026-04-01 00:20", 20),
        ] {
            assert_eq!(m.downtime.len(), 1, "{}", m.month);
            let d = &m.downtime[0];
            assert_eq!((d.interval.start(), d.interval.end()), (wib(from), wib(to)));
            assert_eq!(
                (d.run.start(), d.run.end()),
                (wib("2026-03-31 23:50"), wib("2026-04-01 00:20")),
                "one run"
            );
            assert_eq!(d.downtime_minutes, minutes);
            assert_eq!(d.ticket_id, Some(ticket));
            assert!(matches!(
                d.cause,
                Some(Cause::FailingShare {
                    failing: 3,
                    monitored: 4,
                    ..
                })
            ));
        }
        // Innovasia has a claim window: 30 days after the month's end.
        assert_eq!(april.claim_deadline, Some(wib("2026-05-31 00:00")));
        assert_eq!(march.claim_deadline, Some(wib("2026-05-01 00:00")));
        // Monitoring began on March 1: the whole of both months was evaluated.
        assert_eq!(march.no_data_minutes, 0);
        assert!(march.complete && april.complete);
    })
    .await;
}

/// Innovasia excludes maintenance announced at least 48 hours ahead: a window announced 47 h
/// ahead stays downtime and the report says why; one announced 48 h ahead is excluded. A
/// cancelled window excludes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn innovasia_maintenance_47h_is_not_excluded_48h_is() {
    on_both(|db| async move {
        let c = preset_contract(&db, "innovasia", "inno", 1_000_000).await;
        monitor(&db, &c, "service", wib("2026-03-01 00:00")).await;
        timeline(
            &db,
            &c,
            "service",
            "2026-05-01 00:00",
            &[
                down("2026-04-14 22:00", "2026-04-15 00:00", share_cause()),
                down("2026-04-20 22:00", "2026-04-20 23:00", share_cause()),
                down("2026-04-25 01:00", "2026-04-25 01:30", share_cause()),
            ],
        )
        .await;
        let window = |start: &str, end: &str, hours_ahead: i64, note: &str| NewMaintenance {
            contract_id: c.id,
            service_id: None,
            start: wib(start),
            end: wib(end),
            announced_at: wib(start) - jiff::SignedDuration::from_hours(hours_ahead),
            note: note.into(),
            created_by: None,
        };
        let short = db
            .create_maintenance(
                &window(
                    "2026-04-14 22:00",
                    "2026-04-15 00:00",
                    47,
                    "database upgrade",
                ),
                &[],
            )
            .await
            .expect("47 h");
        let enough = db
            .create_maintenance(
                &window("2026-04-20 22:00", "2026-04-21 00:00", 48, "kernel update"),
                &[],
            )
            .await
            .expect("48 h");
        let cancelled = db
            .create_maintenance(
                &window("2026-04-25 01:00", "2026-04-25 02:00", 72, "moved"),
                &[],
            )
            .await
            .expect("cancelled");
        db.cancel_maintenance(cancelled.id, wib("2026-04-24 09:00"), &[])
            .await
            .expect("cancel");

        let april = monthly(&db, &c, "service", "2026-04", "2026-05-01 00:00").await;
        // 120 minutes in the 47-h window and 30 minutes in the cancelled one count; the hour
        // in the 48-h window is excluded, and so is the rest of that window.
        assert_eq!(april.downtime_minutes, 150);
        assert_eq!(april.excluded_minutes, 120);
        assert_eq!(april.refused_maintenance.len(), 1);
        let r = &april.refused_maintenance[0];
        assert_eq!(r.id, short.id);
        assert_eq!(r.reason, "announced 47h before, the policy needs 48h");
        assert_eq!(r.downtime_minutes, 120);
        assert_eq!(r.note, "database upgrade");
        assert_eq!(april.excluded.len(), 1);
        let x = &april.excluded[0];
        assert_eq!(x.source, ExclusionSource::Maintenance(enough.id));
        assert_eq!(x.reason, "scheduled_maintenance");
        assert_eq!(x.excluded_minutes, 120);
        assert!(x.reason_name.is_some());
        let by_start: Vec<(u64, u64)> = april
            .downtime
            .iter()
            .map(|d| (d.downtime_minutes, d.excluded_minutes))
            .collect();
        assert_eq!(by_start, [(120, 0), (0, 60), (30, 0)]);
        let j = serde_json::to_value(&april).unwrap();
        assert_eq!(
            j["refused_maintenance"][0]["why"]["why"],
            json!("short_notice")
        );
        assert_eq!(
            j["refused_maintenance"][0]["reason"],
            json!("announced 47h before, the policy needs 48h")
        );
        assert_eq!(
            j["excluded"][0]["source"],
            json!({"maintenance": enough.id})
        );
    })
    .await;
}

/// A recorded exclusion (third-party failure) takes its span out of downtime, also while
/// disputed; withdrawn after the dispute it excludes nothing. One for another service is
/// not this one's, and a reason the policy does not list is reported, not applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_exclusion_does_not_exclude() {
    on_both(|db| async move {
        let c = preset_contract(&db, "innovasia", "inno", 1_000_000).await;
        monitor(&db, &c, "service", wib("2026-03-01 00:00")).await;
        timeline(
            &db,
            &c,
            "service",
            "2026-05-01 00:00",
            &[down("2026-04-08 09:00", "2026-04-08 10:00", share_cause())],
        )
        .await;
        let record = |service: Option<&str>, reason: &str| NewExclusion {
            contract_id: c.id,
            service_id: service.map(str::to_owned),
            start: wib("2026-04-08 09:00"),
            end: wib("2026-04-08 10:00"),
            reason: reason.into(),
            note: "DNS provider outage, status page incident 4711".into(),
            created_by: None,
            created_at: wib("2026-04-08 11:00"),
        };
        db.create_exclusion(&record(Some("other"), "third_party"))
            .await
            .expect("other service");
        db.create_exclusion(&record(None, "solar_flare"))
            .await
            .expect("unlisted reason");
        let e = db
            .create_exclusion(&record(Some("service"), "third_party"))
            .await
            .expect("exclusion");

        let now = "2026-05-02 00:00";
        let recorded = monthly(&db, &c, "service", "2026-04", now).await;
        assert_eq!(recorded.downtime_minutes, 0);
        assert_eq!(recorded.excluded_minutes, 60);
        assert_eq!(recorded.excluded.len(), 1);
        assert_eq!(
            recorded.excluded[0].source,
            ExclusionSource::Exclusion(e.id)
        );
        assert_eq!(recorded.excluded[0].state.as_deref(), Some("recorded"));
        assert_eq!(recorded.refused_exclusions.len(), 1);
        assert_eq!(recorded.refused_exclusions[0].reason, "solar_flare");
        assert_eq!(
            recorded.refused_exclusions[0].why,
            "the policy does not list the exclusion \"solar_flare\""
        );

        let customer = db
            .create_user(&NewUser {
                organisation_id: c.customer_org_id,
                email: "mitra@example.com".into(),
                name: "Mitra".into(),
                role: Role::CustomerAdmin,
                language: Language::Id,
                created_at: wib("2026-01-01 00:00"),
            })
            .await
            .expect("user");
        db.dispute_exclusion(
            e.id,
            customer.id,
            "our DNS was fine",
            wib("2026-04-09 09:00"),
        )
        .await
        .expect("dispute");
        let disputed = monthly(&db, &c, "service", "2026-04", now).await;
        assert_eq!(
            disputed.downtime_minutes, 0,
            "a disputed exclusion still counts"
        );
        assert_eq!(disputed.excluded[0].state.as_deref(), Some("disputed"));

        let withdrawn = db
            .resolve_exclusion(
                e.id,
                ExclusionState::Withdrawn,
                "the logs agree with the customer",
                wib("2026-04-10 09:00"),
            )
            .await
            .expect("withdraw");
        assert!(!withdrawn.excludes());
        let after = monthly(&db, &c, "service", "2026-04", now).await;
        assert_eq!(after.downtime_minutes, 60);
        assert_eq!(after.excluded_minutes, 0);
        assert!(after.excluded.is_empty());
    })
    .await;
}

/// A month not yet evaluated is all no data: 100.00 % (no data is never downtime), target
/// met, no credit, and incomplete. A month evaluated in part has no data for the rest; one
/// before the first monitor has no data at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_not_yet_evaluated_is_all_no_data() {
    on_both(|db| async move {
        let c = preset_contract(&db, "innovasia", "inno", 1_000_000).await;
        // Never evaluated: no state yet.
        monitor(&db, &c, "service", wib("2026-04-10 00:00")).await;
        let never = monthly(&db, &c, "service", "2026-04", "2026-04-10 00:05").await;
        assert_eq!(never.no_data_minutes, 43_200);
        assert_eq!(never.availability, "100.00");
        assert!(never.target_met);
        assert_eq!(never.credit, None);
        assert!(!never.complete);
        assert_eq!(never.evaluated_until, None);

        timeline(
            &db,
            &c,
            "service",
            "2026-04-20 12:00",
            &[down("2026-04-15 08:00", "2026-04-15 08:10", share_cause())],
        )
        .await;
        // April so far: before the monitor (9 days) and after 20 April 12:00 (10.5 days) have
        // no data.
        let april = monthly(&db, &c, "service", "2026-04", "2026-04-20 12:05").await;
        assert_eq!(april.no_data_minutes, 9 * 1440 + 10 * 1440 + 720);
        assert_eq!(april.downtime_minutes, 10);
        assert_eq!(
            april.good_minutes,
            43_200 - april.no_data_minutes - april.downtime_minutes
        );
        assert_eq!(april.availability, "99.97");
        assert!(!april.complete, "the month has not ended");
        assert_eq!(april.evaluated_from, Some(wib("2026-04-10 00:00")));
        assert_eq!(april.evaluated_until, Some(wib("2026-04-20 12:00")));
        let gaps: Vec<(Timestamp, Timestamp)> =
            april.no_data.iter().map(|i| (i.start(), i.end())).collect();
        assert_eq!(
            gaps,
            [
                (wib("2026-04-01 00:00"), wib("2026-04-10 00:00")),
                (wib("2026-04-20 12:00"), wib("2026-05-01 00:00")),
            ]
        );
        // Even after the month, it stays incomplete until the timeline reaches its end.
        let late = monthly(&db, &c, "service", "2026-04", "2026-05-03 00:00").await;
        assert!(!late.complete);

        // A month after everything evaluated, and one before the first monitor.
        for m in ["2026-07", "2026-03"] {
            let r = monthly(&db, &c, "service", m, "2026-04-20 12:05").await;
            assert_eq!(r.no_data_minutes, r.minutes_in_month, "{m}");
            assert_eq!(r.availability, "100.00", "{m}");
            assert!(r.downtime.is_empty() && r.target_met, "{m}");
        }
        let july = monthly(&db, &c, "service", "2026-07", "2026-04-20 12:05").await;
        assert!(!july.complete);
        assert_eq!(july.minutes_in_month, 44_640);
    })
    .await;
}

/// Innovasia's credit tiers with a fee of Rp 1 234 567.89: exactly 95.00 % (2 160 minutes of
/// downtime in 30 days) earns nothing and meets the 95 % target; one minute more (94.997…%,
/// shown 94.99) earns 10 % of the fee, rounded up to a whole minor unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_tier_at_exactly_95_and_just_below() {
    on_both(|db| async move {
        let c = preset_contract(&db, "innovasia", "inno", 123_456_789).await;
        monitor(&db, &c, "service", wib("2026-03-01 00:00")).await;
        timeline(
            &db,
            &c,
            "service",
            "2026-07-01 00:00",
            &[
                // April: 1.5 days = 2 160 minutes.
                down("2026-04-10 00:00", "2026-04-11 12:00", share_cause()),
                // June: 2 161 minutes.
                down("2026-06-10 00:00", "2026-06-11 12:01", share_cause()),
            ],
        )
        .await;
        let april = monthly(&db, &c, "service", "2026-04", "2026-05-02 00:00").await;
        assert_eq!(april.downtime_minutes, 2_160);
        assert_eq!(april.availability, "95.00");
        assert!(april.target_met);
        assert_eq!(april.credit, None, "exactly 95.0 % is not below 95.0");

        let june = monthly(&db, &c, "service", "2026-06", "2026-07-02 00:00").await;
        assert_eq!(june.downtime_minutes, 2_161);
        assert_eq!(june.availability, "94.99");
        assert!(!june.target_met);
        let credit = june.credit.as_ref().expect("a credit");
        assert_eq!(credit.tier, 0);
        assert_eq!(credit.credit_percent, 10.0);
        assert_eq!((credit.below, credit.at_least), (95.0, Some(90.0)));
        // 123 456 789 × 10 % = 12 345 678.9 → 12 345 679.
        assert_eq!(credit.amount_minor, 12_345_679);
        assert_eq!(june.monthly_fee_minor, 123_456_789);
        assert_eq!(june.claim_deadline, Some(wib("2026-07-31 00:00")));
    })
    .await;
}

/// Bad input gets a stable code: an unknown contract, a service the policy does not name, a
/// policy without availability.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_has_stable_codes() {
    on_both(|db| async move {
        let policies = PolicyCache::default();
        let c = preset_contract(&db, "innovasia", "inno", 0).await;
        let kinobi = preset_contract(&db, "kinobi", "kino", 0).await;
        let now = wib("2026-05-01 00:00");
        let m = month("2026-04");
        let e = report::monthly(&db, &policies, c.id + 1000, "service", m, now)
            .await
            .unwrap_err();
        assert!(matches!(e, ReportError::UnknownContract(_)), "{e}");
        assert_eq!(e.code(), "availability.unknown_contract");
        let e = report::monthly(&db, &policies, c.id, "backend_api", m, now)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "availability.unknown_service");
        assert!(e.to_string().contains("its services: service"), "{e}");
        let e = report::monthly_for_contract(&db, &policies, kinobi.id, m, now)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "availability.not_promised");
    })
    .await;
}

/// The report reads runs, never samples: a service watched by 1,000 monitors at two locations,
/// with 600 runs in the month, is reported figure by figure from its runs. (Its speed is
/// measured by the `report_load` example, see `docs/benchmarks.md`, not here.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_with_1000_monitors_is_reported_from_its_runs() {
    on_both(|db| async move {
        let c = preset_contract(&db, "innovasia", "inno", 1_000_000).await;
        let t0 = wib("2026-03-01 00:00");
        for i in 0..1000 {
            db.create_monitor(&NewMonitor {
                provider_id: c.provider_id,
                contract_id: c.id,
                service_id: "service".into(),
                name: format!("transaction {i}"),
                check: json!({"type": "http", "url": format!("https://example.com/{i}")}),
                interval_ms: 30_000,
                locations: vec!["local".into(), "singapore".into()],
                public: true,
                created_at: t0,
                first_run_at: t0,
            })
            .await
            .expect("monitor");
        }
        // Every 2 hours of April: 5 minutes down, and a minute without data 30 minutes later.
        let april = wib("2026-04-01 00:00");
        let mins = jiff::SignedDuration::from_mins;
        let runs: Vec<NewRun> = (0..300)
            .flat_map(|k| {
                let s = april + jiff::SignedDuration::from_hours(2 * k);
                [
                    NewRun {
                        kind: RunKind::Down,
                        start: s,
                        end: s + mins(5),
                        cause: share_cause(),
                    },
                    NewRun {
                        kind: RunKind::NoData,
                        start: s + mins(30),
                        end: s + mins(31),
                        cause: Value::Null,
                    },
                ]
            })
            .collect();
        let until = wib("2026-05-01 00:00");
        assert!(
            db.advance_availability(c.id, "service", None, until, &runs, &up(), until)
                .await
                .expect("advance")
        );
        let r = report::monthly(
            &db,
            &PolicyCache::default(),
            c.id,
            "service",
            month("2026-04"),
            until,
        )
        .await
        .expect("report");
        assert_eq!(r.monitors, 1000);
        assert_eq!(r.downtime_minutes, 1500);
        assert_eq!(r.no_data_minutes, 300);
        assert_eq!(r.downtime.len(), 300);
    })
    .await;
}
