//! What the live-clock tests share: a manual clock, both backends, an Innovasia contract and
//! tickets reported as the API writes them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod receiver;
pub mod smtp_sink;

use std::future::Future;

use jiff::Timestamp;
use serde_json::json;
use tenggat_server::desk::{self, PolicyCache, Report};
use tenggat_store::testing::{with_temp_postgres, with_temp_sqlite};
use tenggat_store::{
    Contract, Database, NewContract, NewEvent, NewOrganisation, NewTicket, OrgKind, PolicyBinding,
    PolicyRef, Store, TicketStatus, Visibility, open,
};

/// Where links in notifications point.
pub const URL: &str = "http://127.0.0.1:8080";

pub fn wib(s: &str) -> Timestamp {
    format!("{s}:00+07:00")
        .replace(' ', "T")
        .parse()
        .expect("instant")
}

pub async fn on_both<F, Fut>(body: F)
where
    F: Fn(Database) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_temp_sqlite(move |url| async move {
        let db = open(&url, true).await.expect("open sqlite");
        db.migrate().await.expect("migrate");
        body(db.clone()).await;
        db.close().await;
    })
    .await;
    // Under CI=true an unset TENGGAT_TEST_POSTGRES_URL fails here instead of skipping.
    with_temp_postgres(move |url| async move {
        let db = open(&url, false).await.expect("open postgres");
        db.migrate().await.expect("migrate");
        body(db.clone()).await;
        db.close().await;
    })
    .await;
}

pub async fn innovasia_contract(db: &Database) -> Contract {
    let at = wib("2026-01-01 00:00");
    let provider = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Provider,
            name: "Innovasia".into(),
            slug: "innovasia".into(),
            created_at: at,
        })
        .await
        .expect("provider");
    let customer = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Customer,
            name: "Mitra".into(),
            slug: "mitra".into(),
            created_at: at,
        })
        .await
        .expect("customer");
    db.create_contract(&NewContract {
        provider_id: provider.id,
        customer_org_id: customer.id,
        policy: PolicyRef::Preset("innovasia".into()),
        add_ons: vec![],
        monthly_fee_minor: 0,
        currency: "IDR".into(),
        term_start: "2026-01-01".parse().expect("date"),
        term_end: None,
        designated_contacts_only: false,
        designated_contacts: vec![],
        created_at: at,
    })
    .await
    .expect("contract")
}

/// A provider `<name> provider` (slug `<name>-provider`), a customer `<name> customer`
/// (`<name>-customer`) and their contract on `preset` with a monthly fee in minor units,
/// from 1 January 2026.
pub async fn preset_contract(db: &Database, preset: &str, name: &str, fee_minor: i64) -> Contract {
    let at = wib("2026-01-01 00:00");
    let provider = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Provider,
            name: format!("{name} provider"),
            slug: format!("{name}-provider"),
            created_at: at,
        })
        .await
        .expect("provider");
    let customer = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Customer,
            name: format!("{name} customer"),
            slug: format!("{name}-customer"),
            created_at: at,
        })
        .await
        .expect("customer");
    db.create_contract(&NewContract {
        provider_id: provider.id,
        customer_org_id: customer.id,
        policy: PolicyRef::Preset(preset.into()),
        add_ons: vec![],
        monthly_fee_minor: fee_minor,
        currency: "IDR".into(),
        term_start: "2026-01-01".parse().expect("date"),
        term_end: None,
        designated_contacts_only: false,
        designated_contacts: vec![],
        created_at: at,
    })
    .await
    .expect("contract")
}

/// A ticket reported at `at` through the partner portal, as the API writes it.
pub async fn report(
    db: &Database,
    policies: &PolicyCache,
    contract: &Contract,
    priority: &str,
    at: Timestamp,
) -> i64 {
    let policy = policies.for_contract(db, contract).await.expect("policy");
    let report = Report {
        priority: priority.into(),
        channel: Some("portal".into()),
        ..Report::default()
    };
    let created = desk::created_event(at, priority, "incident", &report);
    let sla = desk::sla_of(&policy, std::slice::from_ref(&created), at).expect("fold");
    let new = NewTicket {
        contract_id: contract.id,
        customer_org_id: contract.customer_org_id,
        kind: "incident".into(),
        priority: priority.into(),
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
        created_at: at,
        sla: Some(sla.cache()),
        policy: Some(PolicyBinding {
            policy: contract.policy.clone(),
            add_ons: vec![],
        }),
        attachments: vec![],
    };
    let event = NewEvent::from_sla(&created, None, Visibility::Public);
    db.create_ticket(&new, &event)
        .await
        .expect("create")
        .ticket
        .id
}

/// A clock the test sets.
pub struct ManualClock(pub std::sync::Mutex<Timestamp>);

impl tenggat_server::Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock")
    }
}

impl ManualClock {
    /// A clock showing `at`.
    pub fn at(at: Timestamp) -> std::sync::Arc<ManualClock> {
        std::sync::Arc::new(ManualClock(std::sync::Mutex::new(at)))
    }

    /// Sets it to `at`.
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().expect("clock") = at;
    }
}
