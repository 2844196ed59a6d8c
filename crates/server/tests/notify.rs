//! Notifications end to end on SQLite and PostgreSQL, on a manual clock: transitions commit
//! their outbox rows; the dispatcher delivers them to a real SMTP server and a real HTTP
//! receiver that fails its first two calls; nothing is lost when a process dies between the
//! commit and the delivery, or in the middle of a delivery.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use jiff::SignedDuration;
use serde_json::Value;
use tenggat_server::notify::dispatch::{self, DeliveryPass, LEASE, NotifyConfig, Senders};
use tenggat_server::notify::webhook::signature;
use tenggat_server::scheduler::{self, Jobs};
use tenggat_store::{
    Contract, Database, DeliveryState, Language, NewUser, NewWebhook, NotifyChannel, Role, Store,
    User,
};

mod live;
use live::receiver::Receiver;
use live::smtp_sink::SmtpSink;
use live::*;

const SECRET: &str = "whsec_test_secret";

async fn staff(
    db: &Database,
    contract: &Contract,
    email: &str,
    role: Role,
    lang: Language,
) -> User {
    db.create_user(&NewUser {
        organisation_id: contract.provider_id,
        email: email.into(),
        name: email.split('@').next().unwrap_or_default().into(),
        role,
        language: lang,
        created_at: wib("2026-01-01 00:00"),
    })
    .await
    .expect("user")
}

async fn webhook(db: &Database, contract: &Contract, receiver: &Receiver) {
    db.create_webhook(&NewWebhook {
        provider_id: contract.provider_id,
        name: "Slack #sla".into(),
        url: receiver.url(),
        secret: SECRET.into(),
        language: Language::En,
        events: vec![],
        created_at: wib("2026-01-01 00:00"),
    })
    .await
    .expect("webhook");
}

fn senders(sink: &SmtpSink) -> Senders {
    Senders::new(&NotifyConfig {
        smtp_url: Some(sink.url()),
        from: "Tenggat <desk@innovasia.test>".into(),
        retry_base: Duration::from_secs(10),
        lease: LEASE,
    })
    .expect("senders")
}

/// The agent (Indonesian) and the escalation manager (English) of the provider, its webhook.
async fn desk(db: &Database, receiver: &Receiver) -> (Contract, User, User) {
    let contract = innovasia_contract(db).await;
    let agent = staff(
        db,
        &contract,
        "agen@innovasia.test",
        Role::Agent,
        Language::Id,
    )
    .await;
    let lead = staff(
        db,
        &contract,
        "lead@innovasia.test",
        Role::EscalationManager,
        Language::En,
    )
    .await;
    webhook(db, &contract, receiver).await;
    (contract, agent, lead)
}

fn checked_signature(call: &live::receiver::Call) {
    let timestamp: i64 = call.timestamp.parse().expect("timestamp");
    assert_eq!(
        call.signature,
        signature(SECRET, timestamp, &call.body),
        "the signature verifies"
    );
    let body: Value = serde_json::from_slice(&call.body).expect("json");
    assert_eq!(
        body["id"],
        call.delivery.as_str(),
        "the body carries the dedupe key"
    );
    assert!(
        body["text"].as_str().is_some_and(|t| !t.is_empty()),
        "Slack and Teams show text"
    );
}

/// An Innovasia P1 reported Friday 22:00 WIB: the response warnings (22:30, 22:45) reach the
/// agent by e-mail in Indonesian and the webhook once it recovers; the breach at 23:00 reaches
/// the agent and the escalation manager (in English).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_and_breach_reach_smtp_and_a_flaky_webhook() {
    on_both(|db| async move {
        let sink = SmtpSink::start().await;
        let receiver = Receiver::start(2).await;
        let (contract, agent, lead) = desk(&db, &receiver).await;
        let jobs = Jobs::new(true, URL);
        let senders = senders(&sink);
        let id = report(
            &db,
            &jobs.policies,
            &contract,
            "P1",
            wib("2026-03-13 22:00"),
        )
        .await;

        // 22:30: the response clock's 50 % warning.
        scheduler::run_due(&db, &jobs, wib("2026-03-13 22:40"))
            .await
            .expect("pass");
        let rows = db.notifications_of_ticket(id, None).await.expect("rows");
        // The agent in the app and by e-mail, and the webhook.
        assert_eq!(rows.len(), 3, "{rows:#?}");
        assert!(
            rows.iter().all(|r| r.user_id != Some(lead.id)),
            "warnings go to agents"
        );
        let clock = ManualClock::at(wib("2026-03-13 22:40"));
        let deliver = || dispatch::deliver_due(&db, &senders, clock.as_ref());
        let pass = deliver().await.expect("deliver");
        assert_eq!(
            pass,
            DeliveryPass {
                delivered: 1,
                retried: 1,
                failed: 0
            },
            "the e-mail goes; the webhook answers 503"
        );
        let mails = sink.wait_for(1).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].to, ["<agen@innovasia.test>"]);
        assert_eq!(
            mails[0].header("Subject").unwrap(),
            "[T-1] 50 % waktu respons terpakai: batas 2026-03-13 23:00 WIB"
        );
        assert!(mails[0].data.contains("Halo agen,"), "{}", mails[0].data);

        // Not before the backoff (10 s) has passed; then the second 503; 30 s later, accepted.
        clock.set(wib("2026-03-13 22:40") + SignedDuration::from_secs(5));
        assert_eq!(deliver().await.expect("deliver"), DeliveryPass::default());
        clock.set(wib("2026-03-13 22:40") + SignedDuration::from_secs(11));
        assert_eq!(deliver().await.expect("deliver").retried, 1);
        clock.set(wib("2026-03-13 22:40") + SignedDuration::from_secs(30));
        assert_eq!(deliver().await.expect("deliver"), DeliveryPass::default());
        clock.set(wib("2026-03-13 22:40") + SignedDuration::from_secs(42));
        assert_eq!(deliver().await.expect("deliver").delivered, 1);
        assert_eq!(receiver.calls().len(), 3, "two refused, then accepted");
        let accepted = receiver.accepted();
        assert_eq!(accepted.len(), 1);
        accepted.iter().for_each(checked_signature);
        let rows = db.notifications_of_ticket(id, None).await.expect("rows");
        assert!(
            rows.iter().all(|r| r.state == DeliveryState::Delivered),
            "{rows:#?}"
        );
        let hook = rows
            .iter()
            .find(|r| r.channel == NotifyChannel::Webhook)
            .expect("webhook row");
        assert_eq!(hook.attempts, 3);
        assert_eq!(hook.last_error, None);

        // 22:45: the 75 % warning, delivered at once.
        scheduler::run_due(&db, &jobs, wib("2026-03-13 22:50"))
            .await
            .expect("pass");
        clock.set(wib("2026-03-13 22:50"));
        assert_eq!(deliver().await.expect("deliver").delivered, 2);
        let mails = sink.wait_for(2).await;
        let ids: HashSet<String> = mails
            .iter()
            .map(|m| m.header("Message-ID").unwrap())
            .collect();
        assert_eq!(ids.len(), 2, "one Message-ID per notification");
        let rows = db.notifications_of_ticket(id, None).await.expect("rows");
        let keys: HashSet<&str> = rows.iter().map(|r| r.dedupe_key.as_str()).collect();
        assert_eq!(keys.len(), 6, "dedupe keys are unique");

        // 23:00: the response clock breaches (nobody acknowledged).
        scheduler::run_due(&db, &jobs, wib("2026-03-13 23:01"))
            .await
            .expect("pass");
        clock.set(wib("2026-03-13 23:01"));
        deliver().await.expect("deliver");
        let mails = sink.wait_for(4).await;
        assert_eq!(mails.len(), 4);
        let to_lead: Vec<_> = mails
            .iter()
            .filter(|m| m.to == ["<lead@innovasia.test>"])
            .collect();
        assert_eq!(to_lead.len(), 1);
        assert_eq!(
            to_lead[0].header("Subject").unwrap(),
            "[T-1] response target breached"
        );
        assert!(
            to_lead[0].data.contains("Hello lead,"),
            "{}",
            to_lead[0].data
        );
        assert_eq!(receiver.wait_for(3).await.len(), 3);
        // In the app too.
        let inbox = db.inbox(agent.id, true, 10).await.expect("inbox");
        assert_eq!(inbox.len(), 3, "two warnings and the breach");
    })
    .await;
}

/// The process dies after the commit, before any delivery; then a dispatcher claims the rows
/// and dies mid-delivery. Every message still arrives, once its lease has run out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_when_killed_between_commit_and_delivery() {
    on_both(|db| async move {
        let sink = SmtpSink::start().await;
        let receiver = Receiver::start(0).await;
        let (contract, _, _) = desk(&db, &receiver).await;
        let id = {
            // The first process: commits the transitions and their outbox rows, then is gone.
            let jobs = Jobs::new(true, URL);
            let id = report(
                &db,
                &jobs.policies,
                &contract,
                "P1",
                wib("2026-03-13 22:00"),
            )
            .await;
            scheduler::run_due(&db, &jobs, wib("2026-03-13 23:01"))
                .await
                .expect("pass");
            id
        };
        let rows = db.notifications_of_ticket(id, None).await.expect("rows");
        let pending = rows
            .iter()
            .filter(|r| r.state == DeliveryState::Pending)
            .count();
        // Caught up at once, the two warnings are written but only the breach is told: to
        // the agent and the escalation manager by e-mail, and to the webhook.
        assert_eq!(pending, 3, "{rows:#?}");
        assert_eq!(rows.len(), 5, "and both in the app");

        // A second process claims them and dies before it delivers.
        let now = wib("2026-03-13 23:02");
        let lease = SignedDuration::try_from(LEASE).expect("lease");
        let claimed = db
            .claim_notifications(now, now + lease, 100)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), pending);

        // A third process: nothing while the lease holds, everything after it.
        let senders = senders(&sink);
        let clock = ManualClock::at(now + SignedDuration::from_secs(30));
        let during = dispatch::deliver_due(&db, &senders, clock.as_ref())
            .await
            .expect("deliver");
        assert_eq!(during, DeliveryPass::default());
        clock.set(now + lease);
        let after = dispatch::deliver_due(&db, &senders, clock.as_ref())
            .await
            .expect("deliver");
        assert_eq!(after.delivered, pending);
        assert_eq!(sink.wait_for(2).await.len(), 2);
        let calls = receiver.wait_for(1).await;
        assert_eq!(calls.len(), 1, "the webhook message once");
        let rows = db.notifications_of_ticket(id, None).await.expect("rows");
        assert!(rows.iter().all(|r| r.state == DeliveryState::Delivered));
    })
    .await;
}

/// The two loops as the server runs them: a write wakes the scheduler, whose transitions wake
/// the dispatcher, and the breach warning e-mail arrives at the SMTP server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loops_deliver_a_warning_email() {
    on_both(|db| async move {
        let sink = SmtpSink::start().await;
        let receiver = Receiver::start(0).await;
        let (contract, _, _) = desk(&db, &receiver).await;
        let jobs = Jobs::new(true, URL);
        let id = report(
            &db,
            &jobs.policies,
            &contract,
            "P1",
            wib("2026-03-13 22:00"),
        )
        .await;
        let clock = ManualClock::at(wib("2026-03-13 22:00"));
        let scheduler_wake = std::sync::Arc::new(tokio::sync::Notify::new());
        let scheduler_task = tokio::spawn(scheduler::run(
            db.clone(),
            jobs.clone(),
            clock.clone(),
            scheduler_wake.clone(),
        ));
        let dispatcher_task = tokio::spawn(dispatch::run(
            db.clone(),
            std::sync::Arc::new(senders(&sink)),
            clock.clone(),
            jobs.dispatcher_wake.clone(),
        ));
        clock.set(wib("2026-03-13 22:31"));
        scheduler_wake.notify_one();
        let mails = sink.wait_for(1).await;
        let calls = receiver.wait_for(1).await;
        assert_eq!(mails.len(), 1, "the 50 % response warning");
        assert!(
            mails[0]
                .header("Subject")
                .unwrap()
                .starts_with("[T-1] 50 % waktu respons terpakai"),
            "{:?}",
            mails[0].header("Subject")
        );
        assert_eq!(calls.len(), 1);
        // The receivers have their messages; the dispatcher records each delivery right after
        // (a moment later than the receiver sees it): wait for that, a few seconds at most.
        let mut rows = Vec::new();
        for _ in 0..100 {
            rows = db.notifications_of_ticket(id, None).await.expect("rows");
            if rows.iter().all(|r| r.state == DeliveryState::Delivered) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        scheduler_task.abort();
        dispatcher_task.abort();
        assert!(
            rows.iter().all(|r| r.state == DeliveryState::Delivered),
            "{rows:#?}"
        );
    })
    .await;
}
