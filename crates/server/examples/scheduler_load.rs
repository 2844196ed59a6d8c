//! Scheduler load (issue 5's figures): N Innovasia P1 tickets reported at the same instant,
//! then one scheduler pass at a chosen offset, timed.
//!
//! The provider is set up as a real desk would be, so that each transition also writes its
//! notifications to the outbox in its transaction: one agent, one escalation manager and one
//! webhook (never called: the dispatcher does not run here), with e-mail on
//! (`Jobs::new(true, …)`). A 50 % warning of an unassigned ticket thus writes three outbox
//! rows (the agent in-app and by e-mail, the webhook).
//!
//! ```text
//! cargo run --release -p tenggat-server --example scheduler_load -- URL TICKETS OFFSET_MINUTES [--bare]
//! # 10,000 transitions due in the same minute: each P1 warns at 50 % of its 1-h response
//! # clock, 30 minutes after the report:
//! scheduler_load sqlite:///tmp/sched.db 10000 30
//! # catch-up after a restart: at +8 h each P1 has 9 transitions (3 of the response clock,
//! # 3 of the resolution clock, 3 escalations): 11,112 tickets make 100,008
//! scheduler_load postgres://postgres@127.0.0.1:5432/sched 11112 480
//! ```
//! The database must be empty (SQLite: the file is created; PostgreSQL: the database must
//! exist). `--bare`: no staff, no webhook and e-mail off, so that no outbox row is written
//! (the transitions alone, for comparison). Prints the pass's counts (tickets, events written,
//! outbox rows written) and wall time.

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tenggat_server::desk::{self, Report};
use tenggat_server::scheduler;
use tenggat_store::{
    Database, Language, NewContract, NewEvent, NewOrganisation, NewTicket, NewUser, NewWebhook,
    OrgKind, PolicyBinding, PolicyRef, Role, Store, TicketStatus, Visibility, open,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (url, tickets, offset, bare) = match args.as_slice() {
        [_, url, tickets, offset] => (url, tickets, offset, false),
        [_, url, tickets, offset, flag] if flag == "--bare" => (url, tickets, offset, true),
        _ => return Err("usage: scheduler_load URL TICKETS OFFSET_MINUTES [--bare]".into()),
    };
    let tickets: usize = tickets.parse()?;
    let offset: i64 = offset.parse()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(url, tickets, offset, bare))
}

async fn run(
    url: &str,
    tickets: usize,
    offset: i64,
    bare: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let db = open(url, url.starts_with("sqlite")).await?;
    db.migrate().await?;
    let reported: Timestamp = "2026-03-13T22:00:00+07:00".parse()?;
    // E-mail on: every user notification is written twice (in-app and e-mail).
    let jobs = scheduler::Jobs::new(!bare, "http://127.0.0.1:8080");
    let policies = jobs.policies.clone();
    let contract = contract(&db, reported, bare).await?;
    let policy = policies.for_contract(&db, &contract).await?;
    let report = Report {
        priority: "P1".into(),
        channel: Some("portal".into()),
        ..Report::default()
    };
    let created = desk::created_event(reported, "P1", "incident", &report);
    let sla = desk::sla_of(&policy, std::slice::from_ref(&created), reported)?;
    let new = NewTicket {
        contract_id: contract.id,
        customer_org_id: contract.customer_org_id,
        kind: "incident".into(),
        priority: "P1".into(),
        attributes: json!({}),
        channel: Some("portal".into()),
        reporter_id: None,
        title: "Portal down".into(),
        description: String::new(),
        fields: json!({}),
        observed_at: None,
        observed_tz: None,
        status: TicketStatus::New,
        assignee_id: None,
        created_at: reported,
        sla: Some(sla.cache()),
        policy: Some(PolicyBinding {
            policy: contract.policy.clone(),
            add_ons: vec![],
        }),
        attachments: vec![],
    };
    let event = NewEvent::from_sla(&created, None, Visibility::Public);
    let started = Instant::now();
    // Through the store's create path, 64 at a time (one batch each).
    let mut left = tickets;
    while left > 0 {
        let n = left.min(64);
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let (db, new, event) = (db.clone(), new.clone(), event.clone());
            tasks.push(tokio::spawn(
                async move { db.create_ticket(&new, &event).await },
            ));
        }
        for task in tasks {
            task.await??;
        }
        left -= n;
    }
    eprintln!(
        "scheduler_load: {tickets} P1 tickets reported at {reported} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let now = reported + SignedDuration::from_mins(offset);
    let outbox_before = outbox_rows(&db).await?;
    let started = Instant::now();
    let pass = scheduler::run_due(&db, &jobs, now).await?;
    let took = started.elapsed().as_secs_f64();
    let outbox = outbox_rows(&db).await? - outbox_before;
    println!(
        "scheduler_load: {} pass at +{offset} min: {} tickets folded, {} events written, \
         {outbox} outbox rows written, {} failed, in {took:.2} s ({:.0} transitions/s)",
        db.backend_name(),
        pass.tickets,
        pass.written,
        pass.failed,
        pass.written as f64 / took
    );
    db.close().await;
    Ok(())
}

/// The provider's staff: the agent hears of warnings and breaches, the escalation manager of
/// breaches and of escalations to level 2.
const STAFF: [(Role, &str, &str); 2] = [
    (Role::Agent, "agent@innovasia.example", "Agen Satu"),
    (
        Role::EscalationManager,
        "escalation@innovasia.example",
        "Manajer Eskalasi",
    ),
];

/// Every outbox row, whatever its state (nothing delivers them here).
async fn outbox_rows(db: &Database) -> Result<i64, tenggat_store::StoreError> {
    let counts = db.outbox_counts().await?;
    Ok(counts.pending + counts.delivered + counts.failed)
}

/// The provider with its staff (an agent, an escalation manager) and a webhook (none of them
/// with `bare`), a customer, and an Innovasia contract between them.
async fn contract(
    db: &Database,
    at: Timestamp,
    bare: bool,
) -> Result<tenggat_store::Contract, tenggat_store::StoreError> {
    let provider = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Provider,
            name: "Innovasia".into(),
            slug: "innovasia".into(),
            created_at: at,
        })
        .await?;
    let staff = if bare { &[][..] } else { &STAFF[..] };
    for &(role, email, name) in staff {
        db.create_user(&NewUser {
            organisation_id: provider.id,
            email: email.into(),
            name: name.into(),
            role,
            language: Language::Id,
            created_at: at,
        })
        .await?;
    }
    if !bare {
        db.create_webhook(&NewWebhook {
            provider_id: provider.id,
            name: "Slack #noc".into(),
            url: "http://127.0.0.1:9/hook".into(),
            secret: "scheduler-load-secret".into(),
            language: Language::En,
            events: vec![],
            created_at: at,
        })
        .await?;
    }
    let customer = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Customer,
            name: "Mitra".into(),
            slug: "mitra".into(),
            created_at: at,
        })
        .await?;
    db.create_contract(&NewContract {
        provider_id: provider.id,
        customer_org_id: customer.id,
        policy: PolicyRef::Preset("innovasia".into()),
        add_ons: vec![],
        monthly_fee_minor: 0,
        currency: "IDR".into(),
        term_start: "2026-01-01"
            .parse()
            .map_err(|e| tenggat_store::StoreError::Invalid(format!("date: {e}")))?,
        term_end: None,
        designated_contacts_only: false,
        designated_contacts: vec![],
        created_at: at,
    })
    .await
}
