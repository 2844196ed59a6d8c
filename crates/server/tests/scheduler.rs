//! The scheduler on a manual clock, on SQLite and PostgreSQL: each SLA transition is written
//! once, at its exact instant, in order; a scheduler that was down catches up; two schedulers
//! racing on the same tickets (replicas) still write each transition once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use jiff::Timestamp;
use tenggat_server::scheduler::{self, BREACH, ESCALATION, Pass, WARNING};
use tenggat_store::{Database, Store, StoredEvent};

mod live;
use live::*;

/// The transitions a ticket's log records: (type, key, instant), in log order.
async fn written(db: &Database, id: i64) -> Vec<(String, String, Timestamp)> {
    let events: Vec<StoredEvent> = db.ticket_events(id, None, true).await.expect("events");
    events
        .into_iter()
        .filter(|e| [WARNING, BREACH, ESCALATION].contains(&e.event_type.as_str()))
        .map(|e| {
            let key = e.payload["key"].as_str().expect("key").to_owned();
            (e.event_type, key, e.at)
        })
        .collect()
}

fn short(list: &[(String, String, Timestamp)]) -> Vec<(&str, &str, Timestamp)> {
    list.iter()
        .map(|(t, k, at)| {
            // The key without the clock's start (nanoseconds), for readable expectations.
            let k = k.as_str();
            let k = match k.split(':').collect::<Vec<_>>().as_slice() {
                ["warning", metric, _, pct] => match (*metric, *pct) {
                    ("response", "50") => "response 50 %",
                    ("response", "75") => "response 75 %",
                    ("resolution", "50") => "resolution 50 %",
                    ("resolution", "75") => "resolution 75 %",
                    _ => k,
                },
                ["breach", metric, _] => match *metric {
                    "response" => "response breached",
                    "resolution" => "resolution breached",
                    _ => k,
                },
                _ => k,
            };
            (t.as_str(), k, *at)
        })
        .collect()
}

/// Innovasia P1 (24×7: response 1 h, resolution 8 h; no workaround after 4 h → level 2,
/// 75 % of the resolution time → level 2, unresolved after 8 h → level 3) reported Friday
/// 22:00 WIB: each transition at its instant, once, as the clock reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p1_friday_night_escalates_at_two_and_six() {
    on_both(|db| async move {
        let jobs = scheduler::Jobs::new(false, URL);
        let policies = jobs.policies.clone();
        let contract = innovasia_contract(&db).await;
        let id = report(&db, &policies, &contract, "P1", wib("2026-03-13 22:00")).await;

        // Before the first warning (response 50 % at 22:30) nothing is due.
        let pass = scheduler::run_due(&db, &jobs, wib("2026-03-13 22:29"))
            .await
            .unwrap();
        assert_eq!(pass, Pass::default());
        assert!(written(&db, id).await.is_empty());

        // At 23:00: the response clock warned at 22:30 and 22:45 and breached at 23:00.
        scheduler::run_due(&db, &jobs, wib("2026-03-13 23:00"))
            .await
            .unwrap();
        let log = written(&db, id).await;
        assert_eq!(
            short(&log),
            [
                (WARNING, "response 50 %", wib("2026-03-13 22:30")),
                (WARNING, "response 75 %", wib("2026-03-13 22:45")),
                (BREACH, "response breached", wib("2026-03-13 23:00")),
            ]
        );
        // A second pass at the same instant writes nothing more.
        let again = scheduler::run_due(&db, &jobs, wib("2026-03-13 23:00"))
            .await
            .unwrap();
        assert_eq!(again.written, 0);

        // Saturday 02:00: the resolution clock's half and the first escalation (level 2).
        scheduler::run_due(&db, &jobs, wib("2026-03-14 02:00"))
            .await
            .unwrap();
        let log = written(&db, id).await;
        assert_eq!(
            short(&log[3..]),
            [
                (WARNING, "resolution 50 %", wib("2026-03-14 02:00")),
                (
                    ESCALATION,
                    "escalation:p1-no-workaround-4h",
                    wib("2026-03-14 02:00")
                ),
            ]
        );
        // 06:00: 75 % (and its rule) at 04:00, then the breach and level 3 at 06:00.
        scheduler::run_due(&db, &jobs, wib("2026-03-14 06:00"))
            .await
            .unwrap();
        let log = written(&db, id).await;
        assert_eq!(
            short(&log[5..]),
            [
                (WARNING, "resolution 75 %", wib("2026-03-14 04:00")),
                (
                    ESCALATION,
                    "escalation:resolution-75pct",
                    wib("2026-03-14 04:00")
                ),
                (BREACH, "resolution breached", wib("2026-03-14 06:00")),
                (
                    ESCALATION,
                    "escalation:p1-unresolved-8h",
                    wib("2026-03-14 06:00")
                ),
            ]
        );
        let ticket = db.get_ticket(id, None).await.unwrap();
        let cache = ticket.sla.expect("cache");
        assert_eq!(cache.sla["escalation"]["level"], 3);
        // Nothing is left to fire: the ticket is not due any more, ever.
        assert_eq!(cache.next_change, None);
        let later = scheduler::run_due(&db, &jobs, wib("2026-04-01 00:00"))
            .await
            .unwrap();
        assert_eq!(later, Pass::default());
    })
    .await;
}

/// A scheduler that was down for a week catches up: every missed transition once, in time
/// order, each with its original instant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_catches_up_in_order_with_original_instants() {
    on_both(|db| async move {
        let jobs = scheduler::Jobs::new(false, URL);
        let policies = jobs.policies.clone();
        let contract = innovasia_contract(&db).await;
        let p1 = report(&db, &policies, &contract, "P1", wib("2026-03-13 22:00")).await;
        let p2 = report(&db, &policies, &contract, "P2", wib("2026-03-13 16:30")).await;
        let pass = scheduler::run_due(&db, &jobs, wib("2026-03-20 22:00"))
            .await
            .unwrap();
        assert_eq!(pass.written, 9 + 7);
        let log = written(&db, p1).await;
        assert_eq!(log.len(), 9);
        assert!(
            log.windows(2).all(|w| w[0].2 <= w[1].2),
            "in time order: {log:?}"
        );
        assert_eq!(log[0].2, wib("2026-03-13 22:30"));
        assert_eq!(log[8].2, wib("2026-03-14 06:00"));
        // P2 (business hours Mon–Fri 09:00–17:00; 18 Mar and 20 Mar are cuti bersama,
        // working days; 19 Mar Nyepi is a holiday): response 4 h and resolution 3 bd.
        let log = written(&db, p2).await;
        assert_eq!(
            short(&log),
            [
                (WARNING, "response 50 %", wib("2026-03-16 10:30")),
                (WARNING, "response 75 %", wib("2026-03-16 11:30")),
                (BREACH, "response breached", wib("2026-03-16 12:30")),
                (WARNING, "resolution 50 %", wib("2026-03-17 12:30")),
                (WARNING, "resolution 75 %", wib("2026-03-18 10:30")),
                (
                    ESCALATION,
                    "escalation:resolution-75pct",
                    wib("2026-03-18 10:30")
                ),
                (BREACH, "resolution breached", wib("2026-03-18 16:30")),
            ]
        );
        let again = scheduler::run_due(&db, &jobs, wib("2026-03-20 22:00"))
            .await
            .unwrap();
        assert_eq!(again.written, 0);
    })
    .await;
}

/// Two schedulers (as two replicas would) on the same 60 tickets due at the same minute:
/// each transition is written once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_schedulers_write_each_transition_once() {
    on_both(|db| async move {
        let jobs = scheduler::Jobs::new(false, URL);
        let policies = jobs.policies.clone();
        let contract = innovasia_contract(&db).await;
        let mut ids = Vec::new();
        for _ in 0..60 {
            ids.push(report(&db, &policies, &contract, "P1", wib("2026-03-13 22:00")).await);
        }
        let now = wib("2026-03-14 07:00");
        let (a, b) = tokio::join!(
            {
                let db = db.clone();
                async move { scheduler::run_due(&db, &scheduler::Jobs::new(false, URL), now).await }
            },
            {
                let db = db.clone();
                async move { scheduler::run_due(&db, &scheduler::Jobs::new(false, URL), now).await }
            },
        );
        let total = a.unwrap().written + b.unwrap().written;
        assert_eq!(total, 60 * 9, "each of 9 transitions of 60 tickets once");
        for id in ids {
            let log = written(&db, id).await;
            let mut keys: HashMap<&str, usize> = HashMap::new();
            for (_, key, _) in &log {
                *keys.entry(key.as_str()).or_default() += 1;
            }
            assert_eq!(log.len(), 9, "ticket {id}: {log:?}");
            assert!(keys.values().all(|n| *n == 1), "ticket {id}: {keys:?}");
        }
    })
    .await;
}

/// The scheduler's loop: woken by a write after the clock moved, it writes what came due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_wakes_and_fires() {
    on_both(|db| async move {
        let jobs = scheduler::Jobs::new(false, URL);
        let policies = jobs.policies.clone();
        let contract = innovasia_contract(&db).await;
        let id = report(&db, &policies, &contract, "P1", wib("2026-03-13 22:00")).await;
        let clock =
            std::sync::Arc::new(ManualClock(std::sync::Mutex::new(wib("2026-03-13 22:00"))));
        let wake = std::sync::Arc::new(tokio::sync::Notify::new());
        let task = tokio::spawn(scheduler::run(
            db.clone(),
            jobs.clone(),
            clock.clone(),
            wake.clone(),
        ));
        *clock.0.lock().expect("clock") = wib("2026-03-13 22:50");
        wake.notify_one();
        let mut log = Vec::new();
        for _ in 0..200 {
            log = written(&db, id).await;
            if log.len() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        task.abort();
        assert_eq!(
            short(&log),
            [
                (WARNING, "response 50 %", wib("2026-03-13 22:30")),
                (WARNING, "response 75 %", wib("2026-03-13 22:45")),
            ]
        );
    })
    .await;
}

/// A change written after a transition came due but before the scheduler wrote it (a note at
/// 22:35, the 50 % warning due at 22:30): the cache it writes keeps the ticket due, and the
/// warning is still written, at 22:30.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_before_the_scheduler_keeps_the_transition_due() {
    on_both(|db| async move {
        let jobs = scheduler::Jobs::new(false, URL);
        let contract = innovasia_contract(&db).await;
        let id = report(
            &db,
            &jobs.policies,
            &contract,
            "P1",
            wib("2026-03-13 22:00"),
        )
        .await;
        let policy = jobs
            .policies
            .for_contract(&db, &contract)
            .await
            .expect("policy");
        let at = wib("2026-03-13 22:35");
        let note = tenggat_store::NewEvent {
            at,
            event_type: "note".into(),
            payload: serde_json::json!({"body": "looking"}),
            actor_id: None,
            visibility: tenggat_store::Visibility::Internal,
        };
        let mut log = db.ticket_events(id, None, true).await.expect("log");
        log.push(StoredEvent {
            id: 0,
            ticket_id: id,
            seq: 2,
            at,
            event_type: note.event_type.clone(),
            payload: note.payload.clone(),
            actor_id: None,
            visibility: note.visibility,
        });
        let sla = tenggat_server::desk::sla_of_events(&policy, &log, at).expect("fold");
        assert_eq!(sla.unrecorded, Some(wib("2026-03-13 22:30")));
        let update = tenggat_store::TicketUpdate {
            expected_seq: Some(1),
            sla: Some(sla.cache()),
            ..tenggat_store::TicketUpdate::default()
        };
        db.append_event(id, None, &note, &update)
            .await
            .expect("note");
        assert_eq!(db.tickets_changing_by(at, 10).await.expect("due"), [id]);
        scheduler::run_due(&db, &jobs, at).await.expect("pass");
        assert_eq!(
            short(&written(&db, id).await),
            [(WARNING, "response 50 %", wib("2026-03-13 22:30"))]
        );
        assert!(
            db.tickets_changing_by(at, 10)
                .await
                .expect("due")
                .is_empty(),
            "done: the cache moved on"
        );
    })
    .await;
}

/// Innovasia P2 reported Monday 16 March 2026, 09:00 WIB: 75 % of its 3-business-day resolution
/// (18 business hours: Monday, Tuesday and 2 hours of Wednesday) is used at Wednesday 11:00 WIB;
/// the warning and the escalation to level 2 are written then, at that instant, and only once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p2_escalates_at_75_percent_of_business_time_once() {
    on_both(|db| async move {
        let jobs = scheduler::Jobs::new(false, URL);
        let contract = innovasia_contract(&db).await;
        let id = report(
            &db,
            &jobs.policies,
            &contract,
            "P2",
            wib("2026-03-16 09:00"),
        )
        .await;
        scheduler::run_due(&db, &jobs, wib("2026-03-18 10:59"))
            .await
            .expect("pass");
        let before = written(&db, id).await;
        assert!(
            before.iter().all(|(t, _, _)| t != ESCALATION),
            "not yet: {before:?}"
        );
        scheduler::run_due(&db, &jobs, wib("2026-03-18 11:00"))
            .await
            .expect("pass");
        let log = written(&db, id).await;
        let at_eleven: Vec<_> = log
            .iter()
            .filter(|(_, _, at)| *at == wib("2026-03-18 11:00"))
            .map(|(t, k, _)| (t.as_str(), k.as_str()))
            .collect();
        assert!(
            at_eleven.iter().any(|(t, k)| *t == WARNING
                && k.starts_with("warning:resolution:")
                && k.ends_with(":75")),
            "{log:?}"
        );
        assert!(
            at_eleven.contains(&(ESCALATION, "escalation:resolution-75pct")),
            "{log:?}"
        );
        // Days later, still once.
        scheduler::run_due(&db, &jobs, wib("2026-03-23 09:00"))
            .await
            .expect("pass");
        let escalations = written(&db, id)
            .await
            .into_iter()
            .filter(|(t, _, _)| t == ESCALATION)
            .count();
        assert_eq!(escalations, 1);
    })
    .await;
}
