//! The storage conformance suite: every scenario runs on a fresh SQLite file (always) and on a
//! fresh PostgreSQL database (when `TENGGAT_TEST_POSTGRES_URL` is set; under `CI=true` an unset
//! variable fails the PostgreSQL tests instead of skipping them). Each PostgreSQL test creates
//! `tenggat_test_<random>` on the server and drops it afterwards, pass or fail (the harness is
//! `tenggat_store::testing`, shared with the server's tests).

use std::collections::HashSet;
use std::future::Future;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use sqlx::Connection;
use tenggat_store::testing::{
    TempDir, postgres_server_url, unique_suffix, with_database, with_temp_postgres,
    with_temp_sqlite,
};
use tenggat_store::*;

// ---------------------------------------------------------------- harness

/// Runs `body` on a migrated database and cleans up even when it panics.
async fn run_on<F, Fut>(db: Database, body: F)
where
    F: FnOnce(Database) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let applied = db.migrate().await.expect("migrate");
    assert_eq!(
        applied,
        [
            "0001_initial",
            "0002_sessions",
            "0003_attachment_fields",
            "0004_settings",
            "0005_ticket_policy",
            "0006_outbox",
            "0007_availability",
            "0008_event_types"
        ]
    );
    let outcome = tokio::spawn(body(db.clone())).await;
    db.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn run_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Database) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_temp_sqlite(|url| async move {
        let db = open(&url, true).await.expect("open sqlite");
        assert_eq!(db.backend_name(), "sqlite");
        run_on(db, body).await;
    })
    .await;
}

async fn run_postgres<F, Fut>(body: F)
where
    F: FnOnce(Database) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_temp_postgres(|url| async move {
        let db = open(&url, false).await.expect("open postgres");
        assert_eq!(db.backend_name(), "postgres");
        run_on(db, body).await;
    })
    .await;
}

/// Declares each scenario once per backend: `sqlite::NAME` and `postgres::NAME`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::run_sqlite(crate::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    crate::run_postgres(crate::$name).await;
                }
            )*
        }
    };
}

conformance!(
    migrate_is_idempotent,
    organisations_users_and_conflicts,
    password_setup_token,
    api_tokens,
    sessions,
    policies_and_contracts,
    ticket_and_created_event_are_atomic,
    append_event_is_atomic,
    append_event_expected_seq,
    tenant_scope_is_not_found,
    list_filters_sort_and_pagination,
    sla_cache_and_recompute_queries,
    events_feed_the_fold,
    attachments,
    idempotency_replay_and_conflict,
    settings_round_trip,
    ticket_policy_binding,
    concurrent_ticket_creation,
    concurrent_creation_failures_fail_alone,
    append_events_in_one_transaction,
    transitions_in_batches,
    outbox_commits_with_its_events,
    outbox_claims_leases_and_retries,
    outbox_claims_are_disjoint,
    webhooks,
    monitors_crud_and_validation,
    probe_slots_due_moved_and_skipped,
    probe_slot_claims_are_disjoint,
    samples_dedupe_ranges_latest_and_pruning,
    availability_advances_and_merges,
    concurrent_advances_one_wins,
    incident_ticket_set_once_and_linked,
    maintenance_windows,
    notices_without_a_ticket,
    exclusion_state_machine,
    credit_claims,
    probe_agents,
);

// ---------------------------------------------------------------- fixtures

fn t0() -> Timestamp {
    "2026-03-13T09:00:00+07:00".parse().expect("instant")
}

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

struct Seed {
    provider: Organisation,
    customer_a: Organisation,
    customer_b: Organisation,
    agent: User,
    user_a: User,
    user_b: User,
    contract_a: Contract,
    contract_b: Contract,
}

async fn org(db: &Database, kind: OrgKind, slug: &str) -> Organisation {
    db.create_organisation(&NewOrganisation {
        kind,
        name: format!("Org {slug}"),
        slug: slug.to_string(),
        created_at: t0(),
    })
    .await
    .expect("create organisation")
}

async fn user(db: &Database, org: &Organisation, email: &str, role: Role) -> User {
    db.create_user(&NewUser {
        organisation_id: org.id,
        email: email.to_string(),
        name: format!("User {email}"),
        role,
        language: Language::Id,
        created_at: t0(),
    })
    .await
    .expect("create user")
}

fn new_contract(
    provider: &Organisation,
    customer: &Organisation,
    contacts: Vec<i64>,
) -> NewContract {
    NewContract {
        provider_id: provider.id,
        customer_org_id: customer.id,
        policy: PolicyRef::Preset("innovasia".into()),
        add_ons: vec![],
        monthly_fee_minor: 250_000_000,
        currency: "IDR".into(),
        term_start: "2026-01-01".parse().expect("date"),
        term_end: Some("2026-12-31".parse().expect("date")),
        designated_contacts_only: false,
        designated_contacts: contacts,
        created_at: t0(),
    }
}

async fn seed(db: &Database) -> Seed {
    let provider = org(db, OrgKind::Provider, "penyedia").await;
    let customer_a = org(db, OrgKind::Customer, "alpha").await;
    let customer_b = org(db, OrgKind::Customer, "beta").await;
    let agent = user(db, &provider, "agent@penyedia.example", Role::Agent).await;
    let user_a = user(db, &customer_a, "ani@alpha.example", Role::CustomerUser).await;
    let user_b = user(db, &customer_b, "budi@beta.example", Role::CustomerUser).await;
    let contract_a = db
        .create_contract(&new_contract(&provider, &customer_a, vec![user_a.id]))
        .await
        .expect("contract a");
    let contract_b = db
        .create_contract(&new_contract(&provider, &customer_b, vec![]))
        .await
        .expect("contract b");
    Seed {
        provider,
        customer_a,
        customer_b,
        agent,
        user_a,
        user_b,
        contract_a,
        contract_b,
    }
}

fn new_ticket(contract: &Contract, reporter: Option<i64>, priority: &str) -> NewTicket {
    NewTicket {
        contract_id: contract.id,
        customer_org_id: contract.customer_org_id,
        kind: "incident".into(),
        priority: priority.into(),
        attributes: json!({"product": "azure"}),
        channel: Some("portal".into()),
        reporter_id: reporter,
        title: "VPN down".into(),
        description: "Nobody in Surabaya can connect.".into(),
        fields: json!({"site": "Surabaya"}),
        observed_at: Some(t0() - minutes(20)),
        observed_tz: Some("Asia/Jakarta".into()),
        status: TicketStatus::New,
        assignee_id: None,
        created_at: t0(),
        sla: None,
        attachments: Vec::new(),
        policy: Some(PolicyBinding {
            policy: contract.policy.clone(),
            add_ons: contract.add_ons.clone(),
        }),
    }
}

fn created_event(priority: &str, actor: Option<i64>) -> NewEvent {
    NewEvent {
        at: t0(),
        event_type: "created".into(),
        payload: json!({"priority": priority, "kind": "incident", "product": "azure"}),
        actor_id: actor,
        visibility: Visibility::Public,
    }
}

fn event(at: Timestamp, ty: &str, payload: serde_json::Value, visibility: Visibility) -> NewEvent {
    NewEvent {
        at,
        event_type: ty.into(),
        payload,
        actor_id: None,
        visibility,
    }
}

async fn create(db: &Database, contract: &Contract, priority: &str) -> Ticket {
    db.create_ticket(
        &new_ticket(contract, None, priority),
        &created_event(priority, None),
    )
    .await
    .expect("create ticket")
    .ticket
}

fn code<T: std::fmt::Debug>(result: Result<T, StoreError>) -> &'static str {
    result.expect_err("expected an error").code()
}

// ---------------------------------------------------------------- scenarios

async fn migrate_is_idempotent(db: Database) {
    // The harness applied every migration; nothing is left to apply, however often we ask.
    assert_eq!(db.migrate().await.expect("again"), Vec::<String>::new());
    assert_eq!(db.migrate().await.expect("and again"), Vec::<String>::new());
    // The schema works after the repeated runs.
    let s = seed(&db).await;
    assert_eq!(create(&db, &s.contract_a, "P2").await.number, 1);
}

async fn organisations_users_and_conflicts(db: Database) {
    let s = seed(&db).await;
    // Unique slug.
    let dup = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Customer,
            name: "Another alpha".into(),
            slug: "alpha".into(),
            created_at: t0(),
        })
        .await;
    assert_eq!(code(dup), "store.conflict");
    assert_eq!(
        db.organisation_by_slug("alpha").await.expect("slug"),
        Some(s.customer_a.clone())
    );
    assert_eq!(db.organisation_by_slug("gamma").await.expect("slug"), None);
    assert_eq!(
        db.get_organisation(s.provider.id).await.expect("get"),
        s.provider
    );
    assert_eq!(code(db.get_organisation(987_654).await), "store.not_found");
    let customers = db
        .list_organisations(Some(OrgKind::Customer))
        .await
        .expect("list");
    assert_eq!(
        customers
            .iter()
            .map(|o| o.slug.as_str())
            .collect::<Vec<_>>(),
        ["alpha", "beta"]
    );
    assert_eq!(db.list_organisations(None).await.expect("all").len(), 3);

    // Users: e-mail unique regardless of case, stored lower-cased.
    let mixed = user(
        &db,
        &s.customer_a,
        "  Citra@Alpha.Example ",
        Role::CustomerAdmin,
    )
    .await;
    assert_eq!(mixed.email, "citra@alpha.example");
    assert_eq!(mixed.password_hash, None);
    assert!(!mixed.disabled);
    let dup = db
        .create_user(&NewUser {
            organisation_id: s.customer_b.id,
            email: "CITRA@alpha.example".into(),
            name: "Impostor".into(),
            role: Role::CustomerUser,
            language: Language::En,
            created_at: t0(),
        })
        .await;
    assert_eq!(code(dup), "store.conflict");
    assert_eq!(
        db.user_by_email("citra@ALPHA.example")
            .await
            .expect("by email"),
        Some(mixed.clone())
    );
    assert_eq!(
        db.user_by_email("nobody@alpha.example")
            .await
            .expect("none"),
        None
    );
    // A user of an organisation that does not exist breaks a reference.
    let orphan = db
        .create_user(&NewUser {
            organisation_id: 987_654,
            email: "orphan@example.org".into(),
            name: "Orphan".into(),
            role: Role::Agent,
            language: Language::En,
            created_at: t0(),
        })
        .await;
    assert_eq!(code(orphan), "store.invalid");

    let updated = db
        .update_user(
            mixed.id,
            &UserUpdate {
                name: Some("Citra Dewi".into()),
                language: Some(Language::En),
                disabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(updated.name, "Citra Dewi");
    assert_eq!(updated.role, Role::CustomerAdmin);
    assert_eq!(updated.language, Language::En);
    assert!(updated.disabled);
    assert_eq!(db.get_user(mixed.id).await.expect("get"), updated);
    assert_eq!(
        code(db.update_user(987_654, &UserUpdate::default()).await),
        "store.not_found"
    );

    db.set_password_hash(mixed.id, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
        .await
        .expect("password");
    let with_password = db.get_user(mixed.id).await.expect("get");
    assert!(with_password.password_hash.is_some());
    assert!(
        !format!("{with_password:?}").contains("argon2id"),
        "Debug redacts the hash"
    );

    let users = db
        .users_of_organisation(s.customer_a.id)
        .await
        .expect("users");
    assert_eq!(
        users.iter().map(|u| u.id).collect::<Vec<_>>(),
        [s.user_a.id, mixed.id]
    );
    let _ = (&s.agent, &s.user_b);
}

async fn password_setup_token(db: Database) {
    let s = seed(&db).await;
    let hash = token_hash("setup-secret");
    let expires = t0() + minutes(60);
    db.set_password_setup_token(s.agent.id, &hash, expires)
        .await
        .expect("set token");
    // Expired: refused, and the password stays unset.
    let late = db
        .use_password_setup_token(&hash, expires, "$argon2id$late")
        .await;
    assert_eq!(code(late), "store.not_found");
    assert_eq!(
        db.get_user(s.agent.id).await.expect("get").password_hash,
        None
    );
    // Unknown token.
    let unknown = db
        .use_password_setup_token(&token_hash("guess"), t0(), "$argon2id$x")
        .await;
    assert_eq!(code(unknown), "store.not_found");
    // In time: sets the password once.
    let user = db
        .use_password_setup_token(&hash, t0() + minutes(5), "$argon2id$good")
        .await
        .expect("use token");
    assert_eq!(user.password_hash.as_deref(), Some("$argon2id$good"));
    let again = db
        .use_password_setup_token(&hash, t0() + minutes(6), "$argon2id$again")
        .await;
    assert_eq!(code(again), "store.not_found");
    assert_eq!(
        db.get_user(s.agent.id)
            .await
            .expect("get")
            .password_hash
            .as_deref(),
        Some("$argon2id$good")
    );
    assert_eq!(
        code(db.set_password_setup_token(987_654, &hash, expires).await),
        "store.not_found"
    );
}

async fn api_tokens(db: Database) {
    let s = seed(&db).await;
    let secret = "tgt_0123456789abcdef";
    let token = db
        .create_api_token(&NewApiToken {
            user_id: s.agent.id,
            name: "monitoring".into(),
            scopes: vec!["tickets:read".into(), "tickets:write".into()],
            token_hash: token_hash(secret),
            created_at: t0(),
        })
        .await
        .expect("create token");
    assert_eq!(token.scopes, ["tickets:read", "tickets:write"]);
    assert_eq!(token.revoked_at, None);
    assert_eq!(
        db.api_token_by_hash(&token_hash(secret))
            .await
            .expect("lookup"),
        Some(token.clone())
    );
    assert_eq!(
        db.api_token_by_hash(&token_hash("other"))
            .await
            .expect("lookup"),
        None
    );
    let (joined, owner) = db
        .api_token_with_user(&token_hash(secret))
        .await
        .expect("joined lookup")
        .expect("found");
    assert_eq!(joined, token);
    assert_eq!(owner, db.get_user(token.user_id).await.expect("owner"));
    assert_eq!(
        db.api_token_with_user(&token_hash("other"))
            .await
            .expect("joined lookup"),
        None
    );
    let dup = db
        .create_api_token(&NewApiToken {
            user_id: s.user_a.id,
            name: "copy".into(),
            scopes: vec![],
            token_hash: token_hash(secret),
            created_at: t0(),
        })
        .await;
    assert_eq!(code(dup), "store.conflict");
    let no_user = db
        .create_api_token(&NewApiToken {
            user_id: 987_654,
            name: "orphan".into(),
            scopes: vec![],
            token_hash: token_hash("orphan"),
            created_at: t0(),
        })
        .await;
    assert_eq!(code(no_user), "store.invalid");

    let revoked_at = t0() + minutes(30);
    db.revoke_api_token(token.id, revoked_at)
        .await
        .expect("revoke");
    db.revoke_api_token(token.id, revoked_at + minutes(1))
        .await
        .expect("revoke again");
    assert_eq!(
        db.api_token_by_hash(&token_hash(secret))
            .await
            .expect("lookup"),
        None
    );
    assert_eq!(
        db.api_token_with_user(&token_hash(secret))
            .await
            .expect("joined lookup"),
        None,
        "a revoked token is not found with its user either"
    );
    let listed = db.api_tokens_of_user(s.agent.id).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].revoked_at,
        Some(revoked_at),
        "first revocation kept"
    );
    assert_eq!(
        code(db.revoke_api_token(987_654, t0()).await),
        "store.not_found"
    );
}

fn new_session(user_id: i64, secret: &str, expires_in: i64) -> NewSession {
    NewSession {
        user_id,
        token_hash: token_hash(secret),
        created_at: t0(),
        expires_at: t0() + minutes(expires_in),
        user_agent: None,
    }
}

async fn sessions(db: Database) {
    let s = seed(&db).await;
    let secret = "sess_0123456789abcdef";
    let session = db
        .create_session(&NewSession {
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".into()),
            ..new_session(s.agent.id, secret, 60)
        })
        .await
        .expect("create session");
    assert_eq!(session.user_id, s.agent.id);
    assert_eq!(session.token_hash, token_hash(secret));
    assert_eq!(session.created_at, t0());
    assert_eq!(session.last_seen_at, t0(), "last seen when created");
    assert_eq!(session.expires_at, t0() + minutes(60));
    assert_eq!(session.revoked_at, None);
    assert_eq!(
        session.user_agent.as_deref(),
        Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    );
    for debug in [
        format!("{session:?}"),
        format!("{:?}", new_session(s.agent.id, secret, 60)),
    ] {
        assert!(!debug.contains(&token_hash(secret)), "{debug}");
        assert!(!debug.contains(&token_hash(secret)[..16]), "{debug}");
    }

    // Look-up: live until (not at) expires_at; unknown hashes are not found.
    assert_eq!(
        db.session_by_hash(&token_hash(secret), t0() + minutes(59))
            .await
            .expect("lookup"),
        Some(session.clone())
    );
    assert_eq!(
        db.session_by_hash(&token_hash(secret), t0() + minutes(60))
            .await
            .expect("lookup at expiry"),
        None,
        "expired"
    );
    assert_eq!(
        db.session_by_hash(&token_hash("other"), t0())
            .await
            .expect("lookup"),
        None
    );

    // A taken hash, an unknown user, an expiry not after creation: refused.
    let dup = db
        .create_session(&new_session(s.user_a.id, secret, 60))
        .await;
    assert_eq!(code(dup), "store.conflict");
    let orphan = db.create_session(&new_session(987_654, "orphan", 60)).await;
    assert_eq!(code(orphan), "store.invalid");
    let backwards = db
        .create_session(&new_session(s.agent.id, "backwards", 0))
        .await;
    assert_eq!(code(backwards), "store.invalid");

    // Touch: last seen moves forward only, the expiry moves as told.
    db.touch_session(session.id, t0() + minutes(10), t0() + minutes(100))
        .await
        .expect("touch");
    db.touch_session(session.id, t0() + minutes(5), t0() + minutes(95))
        .await
        .expect("late touch");
    let touched = db
        .session_by_hash(&token_hash(secret), t0() + minutes(80))
        .await
        .expect("lookup")
        .expect("extended");
    assert_eq!(touched.last_seen_at, t0() + minutes(10));
    assert_eq!(touched.expires_at, t0() + minutes(95));
    assert_eq!(
        code(db.touch_session(987_654, t0(), t0() + minutes(1)).await),
        "store.not_found"
    );
    // An expired session is not brought back by a touch.
    let short = db
        .create_session(&new_session(s.agent.id, "short", 30))
        .await
        .expect("short session");
    assert_eq!(
        code(
            db.touch_session(short.id, t0() + minutes(30), t0() + minutes(90))
                .await
        ),
        "store.not_found"
    );
    assert_eq!(
        db.session_by_hash(&token_hash("short"), t0() + minutes(29))
            .await
            .expect("lookup")
            .map(|s| s.expires_at),
        Some(t0() + minutes(30)),
        "not extended"
    );

    // Revoking: not found afterwards, the first instant kept, and no touch revives it.
    let revoked_at = t0() + minutes(20);
    db.revoke_session(session.id, revoked_at)
        .await
        .expect("revoke");
    db.revoke_session(session.id, revoked_at + minutes(1))
        .await
        .expect("revoke again");
    assert_eq!(
        db.session_by_hash(&token_hash(secret), t0() + minutes(21))
            .await
            .expect("lookup"),
        None,
        "revoked"
    );
    assert_eq!(
        code(
            db.touch_session(session.id, t0() + minutes(21), t0() + minutes(200))
                .await
        ),
        "store.not_found"
    );
    assert_eq!(
        code(db.revoke_session(987_654, t0()).await),
        "store.not_found"
    );

    // Revoking a user's sessions: only the live ones of that user count.
    let a1 = db
        .create_session(&new_session(s.user_a.id, "a1", 120))
        .await
        .expect("a1");
    let a2 = db
        .create_session(&new_session(s.user_a.id, "a2", 120))
        .await
        .expect("a2");
    db.create_session(&new_session(s.user_a.id, "a-expired", 15))
        .await
        .expect("a-expired");
    let a_old = db
        .create_session(&new_session(s.user_a.id, "a-old", 120))
        .await
        .expect("a-old");
    db.revoke_session(a_old.id, t0() + minutes(5))
        .await
        .expect("revoke a-old");
    let b = db
        .create_session(&new_session(s.user_b.id, "b", 1000))
        .await
        .expect("b");
    assert_eq!(
        db.revoke_sessions_of_user(s.user_a.id, t0() + minutes(20))
            .await
            .expect("revoke all"),
        2
    );
    for hash in ["a1", "a2", "a-expired", "a-old"] {
        assert_eq!(
            db.session_by_hash(&token_hash(hash), t0() + minutes(21))
                .await
                .expect("lookup"),
            None,
            "{hash}"
        );
    }
    assert_eq!(
        db.session_by_hash(&token_hash("b"), t0() + minutes(21))
            .await
            .expect("lookup"),
        Some(b.clone()),
        "another user's session is untouched"
    );
    assert_eq!(
        db.revoke_sessions_of_user(s.user_a.id, t0() + minutes(22))
            .await
            .expect("again"),
        0
    );
    assert_eq!(
        db.revoke_sessions_of_user(987_654, t0())
            .await
            .expect("nobody"),
        0
    );
    let _ = (a1, a2);

    // Purging: rows that expired or were revoked strictly before the instant.
    // a-expired (expired +15) and a-old (revoked +5):
    assert_eq!(
        db.purge_sessions(t0() + minutes(20)).await.expect("purge"),
        2
    );
    // The agent's first session, a1 and a2 (revoked +20):
    assert_eq!(
        db.purge_sessions(t0() + minutes(21)).await.expect("purge"),
        3
    );
    // short (expired +30):
    assert_eq!(
        db.purge_sessions(t0() + minutes(31)).await.expect("purge"),
        1
    );
    assert_eq!(
        db.purge_sessions(t0() + minutes(31)).await.expect("purge"),
        0
    );
    assert_eq!(
        db.session_by_hash(&token_hash("b"), t0() + minutes(999))
            .await
            .expect("lookup"),
        Some(b),
        "a live session survives purging"
    );
    assert_eq!(
        db.purge_sessions(t0() + minutes(1001))
            .await
            .expect("purge"),
        1
    );
    assert_eq!(
        db.session_by_hash(&token_hash("b"), t0())
            .await
            .expect("lookup"),
        None,
        "purged"
    );
    // A purged hash can be stored again.
    db.create_session(&new_session(s.agent.id, secret, 60))
        .await
        .expect("hash reused after purge");
}

async fn policies_and_contracts(db: Database) {
    let s = seed(&db).await;
    let source = tenggat_sla::preset_source("innovasia").expect("preset source");
    let v1 = db
        .create_policy(&NewPolicy {
            name: "custom".into(),
            source: source.to_string(),
            created_by: Some(s.agent.id),
            created_at: t0(),
        })
        .await
        .expect("policy v1");
    let v2 = db
        .create_policy(&NewPolicy {
            name: "custom".into(),
            source: source.to_string(),
            created_by: None,
            created_at: t0() + minutes(1),
        })
        .await
        .expect("policy v2");
    let other = db
        .create_policy(&NewPolicy {
            name: "another".into(),
            source: "# empty".into(),
            created_by: None,
            created_at: t0(),
        })
        .await
        .expect("another");
    assert_eq!((v1.version, v2.version, other.version), (1, 2, 1));
    assert_eq!(db.get_policy(v2.id).await.expect("get"), v2);
    assert_eq!(code(db.get_policy(987_654).await), "store.not_found");
    assert_eq!(
        db.list_policies()
            .await
            .expect("list")
            .iter()
            .map(|p| (p.name.as_str(), p.version))
            .collect::<Vec<_>>(),
        [("another", 1), ("custom", 1), ("custom", 2)]
    );

    // The seeded contract, read back whole.
    let a = db.get_contract(s.contract_a.id, None).await.expect("get");
    assert_eq!(a, s.contract_a);
    assert_eq!(a.designated_contacts, [s.user_a.id]);
    assert_eq!(a.term_start.to_string(), "2026-01-01");
    assert_eq!(a.monthly_fee_minor, 250_000_000);
    assert_eq!(
        db.get_contract(s.contract_a.id, Some(s.customer_a.id))
            .await
            .expect("own"),
        a
    );
    assert_eq!(
        code(
            db.get_contract(s.contract_a.id, Some(s.customer_b.id))
                .await
        ),
        "store.not_found"
    );

    // Uploaded policy, add-ons, designated contacts only.
    let mut uploaded = new_contract(&s.provider, &s.customer_a, vec![s.user_a.id, s.user_a.id]);
    uploaded.policy = PolicyRef::Uploaded(v2.id);
    uploaded.add_ons = vec!["premium_24x7".into()];
    uploaded.designated_contacts_only = true;
    uploaded.term_end = None;
    let c = db
        .create_contract(&uploaded)
        .await
        .expect("uploaded contract");
    assert_eq!(c.policy, PolicyRef::Uploaded(v2.id));
    assert_eq!(c.add_ons, ["premium_24x7"]);
    assert!(c.designated_contacts_only);
    assert_eq!(c.designated_contacts, [s.user_a.id]);
    assert_eq!(c.term_end, None);

    // A contact from another customer, a missing policy, a provider as customer: refused whole.
    let foreign = new_contract(&s.provider, &s.customer_a, vec![s.user_b.id]);
    assert_eq!(code(db.create_contract(&foreign).await), "store.invalid");
    let mut missing = new_contract(&s.provider, &s.customer_a, vec![]);
    missing.policy = PolicyRef::Uploaded(987_654);
    assert_eq!(code(db.create_contract(&missing).await), "store.invalid");
    let upside_down = new_contract(&s.customer_a, &s.provider, vec![]);
    assert_eq!(
        code(db.create_contract(&upside_down).await),
        "store.invalid"
    );
    let mut backwards = new_contract(&s.provider, &s.customer_a, vec![]);
    backwards.term_end = Some("2025-12-31".parse().expect("date"));
    assert_eq!(code(db.create_contract(&backwards).await), "store.invalid");
    let of_a = db
        .contracts_of_organisation(s.customer_a.id)
        .await
        .expect("of a");
    assert_eq!(
        of_a.iter().map(|c| c.id).collect::<Vec<_>>(),
        [s.contract_a.id, c.id]
    );

    // Switching policy and contacts.
    let switched = db
        .set_contract_policy(c.id, &PolicyRef::Preset("benemica".into()), &[])
        .await
        .expect("switch");
    assert_eq!(switched.policy, PolicyRef::Preset("benemica".into()));
    assert!(switched.add_ons.is_empty());
    let citra = user(
        &db,
        &s.customer_a,
        "citra@alpha.example",
        Role::CustomerAdmin,
    )
    .await;
    let recontacted = db
        .set_designated_contacts(c.id, false, &[citra.id])
        .await
        .expect("contacts");
    assert_eq!(recontacted.designated_contacts, [citra.id]);
    assert!(!recontacted.designated_contacts_only);
    let refused = db.set_designated_contacts(c.id, true, &[s.user_b.id]).await;
    assert_eq!(code(refused), "store.invalid");
    let unchanged = db.get_contract(c.id, None).await.expect("get");
    assert_eq!(
        unchanged.designated_contacts,
        [citra.id],
        "failed change rolled back"
    );
    assert!(!unchanged.designated_contacts_only);
    assert_eq!(
        code(
            db.set_contract_policy(987_654, &PolicyRef::Preset("x".into()), &[])
                .await
        ),
        "store.not_found"
    );
}

async fn ticket_and_created_event_are_atomic(db: Database) {
    let s = seed(&db).await;
    let created = db
        .create_ticket(
            &new_ticket(&s.contract_a, Some(s.user_a.id), "P1"),
            &created_event("P1", Some(s.user_a.id)),
        )
        .await
        .expect("create");
    let t = &created.ticket;
    assert_eq!((t.number, t.display_number()), (1, "T-1".to_string()));
    assert_eq!(t.provider_id, s.provider.id);
    assert_eq!(t.customer_org_id, s.customer_a.id);
    assert_eq!(t.status, TicketStatus::New);
    assert_eq!(t.last_seq, 1);
    assert_eq!(t.sla, None);
    assert_eq!(t.attributes, json!({"product": "azure"}));
    assert_eq!(t.fields, json!({"site": "Surabaya"}));
    assert_eq!(t.observed_at, Some(t0() - minutes(20)));
    assert_eq!(t.observed_tz.as_deref(), Some("Asia/Jakarta"));
    assert_eq!(created.event.seq, 1);
    assert_eq!(created.event.event_type, "created");
    assert_eq!(db.get_ticket(t.id, None).await.expect("get"), *t);
    assert_eq!(
        db.ticket_by_number(s.provider.id, 1, None)
            .await
            .expect("by number"),
        *t
    );

    // The event fails (its actor does not exist): no ticket, no event, no number used.
    let failed = db
        .create_ticket(
            &new_ticket(&s.contract_a, None, "P2"),
            &created_event("P2", Some(987_654)),
        )
        .await;
    assert_eq!(code(failed), "store.invalid");
    assert_eq!(
        db.count_tickets(&TicketFilter::default())
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        code(db.ticket_by_number(s.provider.id, 2, None).await),
        "store.not_found"
    );

    // The ticket fails (its reporter does not exist): nothing either.
    let failed = db
        .create_ticket(
            &new_ticket(&s.contract_a, Some(987_654), "P2"),
            &created_event("P2", None),
        )
        .await;
    assert_eq!(code(failed), "store.invalid");
    assert_eq!(
        db.count_tickets(&TicketFilter::default())
            .await
            .expect("count"),
        1
    );

    // The first event must be "created"; a contract of another customer is not found.
    let mut wrong = created_event("P2", None);
    wrong.event_type = "paused".into();
    assert_eq!(
        code(
            db.create_ticket(&new_ticket(&s.contract_a, None, "P2"), &wrong)
                .await
        ),
        "store.invalid"
    );
    let mut cross = new_ticket(&s.contract_b, None, "P2");
    cross.customer_org_id = s.customer_a.id;
    assert_eq!(
        code(db.create_ticket(&cross, &created_event("P2", None)).await),
        "store.not_found"
    );

    let next = create(&db, &s.contract_b, "P3").await;
    assert_eq!(
        next.number, 2,
        "numbers count per provider across customers, no gaps"
    );
    assert_eq!(
        db.ticket_events(t.id, None, true)
            .await
            .expect("events")
            .len(),
        1
    );
}

async fn append_event_is_atomic(db: Database) {
    let s = seed(&db).await;
    let t = create(&db, &s.contract_a, "P2").await;
    let later = t0() + minutes(10);
    let done = db
        .append_event(
            t.id,
            None,
            &NewEvent {
                actor_id: Some(s.agent.id),
                ..event(later, "acknowledged", json!({}), Visibility::Public)
            },
            &TicketUpdate {
                status: Some(TicketStatus::Acknowledged),
                assignee_id: Some(Some(s.agent.id)),
                ..Default::default()
            },
        )
        .await
        .expect("acknowledge");
    assert_eq!(done.event.seq, 2);
    assert_eq!(done.ticket.last_seq, 2);
    assert_eq!(done.ticket.status, TicketStatus::Acknowledged);
    assert_eq!(done.ticket.assignee_id, Some(s.agent.id));
    assert_eq!(done.ticket.updated_at, later);
    assert_eq!(db.get_ticket(t.id, None).await.expect("get"), done.ticket);

    // A change that fails after the event row was inserted (the new assignee does not
    // exist): neither the event nor any part of the change is kept.
    let before = db.get_ticket(t.id, None).await.expect("get");
    let failed = db
        .append_event(
            t.id,
            None,
            &event(
                later + minutes(5),
                "priority",
                json!({"to": "P1"}),
                Visibility::Public,
            ),
            &TicketUpdate {
                status: Some(TicketStatus::InProgress),
                priority: Some("P1".into()),
                assignee_id: Some(Some(987_654)),
                sla: Some(SlaCache {
                    sla: json!({"metrics": []}),
                    next_change: Some(later),
                    next_due: Some(later),
                }),
                expected_seq: Some(2),
                policy: Some(PolicyBinding {
                    policy: PolicyRef::Preset("benemica".into()),
                    add_ons: Vec::new(),
                }),
                notifications: Vec::new(),
            },
        )
        .await;
    assert_eq!(code(failed), "store.invalid");
    assert_eq!(db.get_ticket(t.id, None).await.expect("get"), before);
    assert_eq!(
        db.ticket_events(t.id, None, true)
            .await
            .expect("events")
            .len(),
        2
    );

    // Unassign, change priority, write the cache: all with the event.
    let done = db
        .append_event(
            t.id,
            None,
            &event(
                later + minutes(6),
                "priority",
                json!({"to": "P1"}),
                Visibility::Public,
            ),
            &TicketUpdate {
                priority: Some("P1".into()),
                assignee_id: Some(None),
                sla: Some(SlaCache {
                    sla: json!({"next_change": null}),
                    next_change: None,
                    next_due: Some(later + minutes(60)),
                }),
                ..Default::default()
            },
        )
        .await
        .expect("priority");
    assert_eq!(done.event.seq, 3);
    assert_eq!(done.ticket.priority, "P1");
    assert_eq!(done.ticket.assignee_id, None);
    assert_eq!(done.ticket.status, TicketStatus::Acknowledged, "untouched");
    assert_eq!(done.ticket.sla_seq, 3);
    assert_eq!(
        done.ticket.sla.as_ref().and_then(|c| c.next_due),
        Some(later + minutes(60))
    );

    // A backdated event does not move updated_at back; a second "created" is refused.
    let back = db
        .append_event(
            t.id,
            None,
            &event(
                t0(),
                "note",
                json!({"text": "late entry"}),
                Visibility::Internal,
            ),
            &TicketUpdate::default(),
        )
        .await
        .expect("note");
    assert_eq!(back.ticket.updated_at, later + minutes(6));
    assert_eq!(
        code(
            db.append_event(
                t.id,
                None,
                &created_event("P1", None),
                &TicketUpdate::default()
            )
            .await
        ),
        "store.invalid"
    );
    assert_eq!(
        code(
            db.append_event(
                987_654,
                None,
                &event(later, "note", json!({}), Visibility::Internal),
                &TicketUpdate::default()
            )
            .await
        ),
        "store.not_found"
    );
    let seqs: Vec<i64> = db
        .ticket_events(t.id, None, true)
        .await
        .expect("events")
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
}

async fn append_event_expected_seq(db: Database) {
    let s = seed(&db).await;
    let t = create(&db, &s.contract_a, "P2").await;
    assert_eq!(t.last_seq, 1);
    let cache = |n: i64| SlaCache {
        sla: json!({"computed_from": n}),
        next_change: Some(t0() + minutes(n)),
        next_due: Some(t0() + minutes(n)),
    };
    // The caller folded the log up to seq 1 and it still ends there: the append succeeds.
    let done = db
        .append_event(
            t.id,
            None,
            &event(
                t0() + minutes(1),
                "acknowledged",
                json!({}),
                Visibility::Public,
            ),
            &TicketUpdate {
                status: Some(TicketStatus::Acknowledged),
                sla: Some(cache(1)),
                expected_seq: Some(1),
                ..Default::default()
            },
        )
        .await
        .expect("matching expected_seq");
    assert_eq!(done.event.seq, 2);
    assert_eq!(done.ticket.last_seq, 2);
    assert_eq!(done.ticket.sla_seq, 2);
    assert_eq!(done.ticket.sla, Some(cache(1)));

    // Someone else appended in between: a cache computed from seq 1 is stale. Refused as a
    // conflict, and nothing is written: no event, no change, no sequence number used.
    let before = db.get_ticket(t.id, None).await.expect("get");
    let stale = db
        .append_event(
            t.id,
            None,
            &event(
                t0() + minutes(2),
                "paused",
                json!({"reason": "waiting_on_customer"}),
                Visibility::Public,
            ),
            &TicketUpdate {
                status: Some(TicketStatus::WaitingOnCustomer),
                sla: Some(cache(99)),
                expected_seq: Some(1),
                ..Default::default()
            },
        )
        .await;
    let err = stale.expect_err("stale expected_seq");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(err.code(), "store.conflict");
    let after = db.get_ticket(t.id, None).await.expect("get");
    assert_eq!(after, before);
    assert_eq!(after.last_seq, 2);
    assert_eq!(
        db.ticket_events(t.id, None, true)
            .await
            .expect("events")
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    // An expectation from the future is just as stale.
    assert_eq!(
        code(
            db.append_event(
                t.id,
                None,
                &event(t0() + minutes(2), "note", json!({}), Visibility::Internal),
                &TicketUpdate {
                    expected_seq: Some(7),
                    ..Default::default()
                },
            )
            .await
        ),
        "store.conflict"
    );

    // A missing ticket, or one outside the caller's scope, is not found, never a conflict
    // (which would tell a customer that the ticket exists).
    for (id, scope) in [(987_654, None), (t.id, Some(s.customer_b.id))] {
        assert_eq!(
            code(
                db.append_event(
                    id,
                    scope,
                    &event(t0() + minutes(3), "reply", json!({}), Visibility::Public),
                    &TicketUpdate {
                        expected_seq: Some(1),
                        ..Default::default()
                    },
                )
                .await
            ),
            "store.not_found"
        );
    }

    // With the current sequence number (and within scope) it goes through.
    let done = db
        .append_event(
            t.id,
            Some(s.customer_a.id),
            &event(t0() + minutes(4), "reply", json!({}), Visibility::Public),
            &TicketUpdate {
                expected_seq: Some(2),
                ..Default::default()
            },
        )
        .await
        .expect("current expected_seq");
    assert_eq!(done.event.seq, 3);
    assert_eq!(done.ticket.last_seq, 3);
}

async fn tenant_scope_is_not_found(db: Database) {
    let s = seed(&db).await;
    let ta = create(&db, &s.contract_a, "P2").await;
    let tb = create(&db, &s.contract_b, "P2").await;
    let a = Some(s.customer_a.id);
    assert_eq!(db.get_ticket(ta.id, a).await.expect("own"), ta);
    assert_eq!(code(db.get_ticket(tb.id, a).await), "store.not_found");
    assert_eq!(
        code(db.ticket_by_number(s.provider.id, tb.number, a).await),
        "store.not_found"
    );
    assert_eq!(
        code(db.ticket_events(tb.id, a, false).await),
        "store.not_found"
    );
    assert_eq!(
        code(db.attachments_of_ticket(tb.id, a).await),
        "store.not_found"
    );
    let reply = event(
        t0() + minutes(1),
        "reply",
        json!({"text": "hello"}),
        Visibility::Public,
    );
    assert_eq!(
        code(
            db.append_event(tb.id, a, &reply, &TicketUpdate::default())
                .await
        ),
        "store.not_found"
    );
    assert_eq!(
        db.get_ticket(tb.id, None).await.expect("b").last_seq,
        1,
        "nothing written to the other tenant's ticket"
    );
    db.append_event(ta.id, a, &reply, &TicketUpdate::default())
        .await
        .expect("own reply");
    let page = db
        .list_tickets(&TicketFilter {
            customer_org_id: a,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(
        page.tickets.iter().map(|t| t.id).collect::<Vec<_>>(),
        [ta.id]
    );
    assert_eq!(
        db.count_tickets(&TicketFilter {
            customer_org_id: Some(s.customer_b.id),
            ..Default::default()
        })
        .await
        .expect("count"),
        1
    );
}

async fn list_filters_sort_and_pagination(db: Database) {
    let s = seed(&db).await;
    let priorities = ["P1", "P2", "P3", "P4"];
    let statuses = [
        TicketStatus::New,
        TicketStatus::InProgress,
        TicketStatus::WaitingOnCustomer,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];
    let mut expected: Vec<(i64, i64, Ticket)> = Vec::new(); // (sort key, id, ticket)
    for i in 0..300_i64 {
        let contract = if i % 10 == 9 {
            &s.contract_b
        } else {
            &s.contract_a
        };
        let priority = priorities[(i % 4) as usize];
        let mut new = new_ticket(contract, None, priority);
        new.status = statuses[(i % 5) as usize];
        // Many ties on next_due (sorted by id then), some without a due instant.
        new.sla = match i % 7 {
            0 => None,
            k => Some(SlaCache {
                sla: json!({"i": i}),
                next_change: None,
                next_due: Some(t0() + minutes((i * 37 % 50) * 10 + k)),
            }),
        };
        let t = db
            .create_ticket(&new, &created_event(priority, None))
            .await
            .expect("create")
            .ticket;
        let key = t
            .sla
            .as_ref()
            .and_then(|c| c.next_due)
            .map_or(i64::MAX, |d| i64::try_from(d.as_nanosecond()).expect("ns"));
        expected.push((key, t.id, t));
    }
    expected.sort_by_key(|(k, id, _)| (*k, *id));

    let check = |filter: TicketFilter, keep: &dyn Fn(&Ticket) -> bool| {
        let db = db.clone();
        let want: Vec<i64> = expected
            .iter()
            .filter(|(_, _, t)| keep(t))
            .map(|(_, id, _)| *id)
            .collect();
        async move {
            let mut got = Vec::new();
            let mut filter = filter;
            let mut pages = 0;
            loop {
                let page = db.list_tickets(&filter).await.expect("page");
                assert!(page.tickets.len() <= filter.limit as usize);
                got.extend(page.tickets.iter().map(|t| t.id));
                pages += 1;
                match page.next {
                    // The cursor survives its text form (as it travels through the API).
                    Some(next) => filter.after = Some(next.to_string().parse().expect("cursor")),
                    None => break,
                }
            }
            assert_eq!(got, want, "filter {filter:?}");
            let count = db
                .count_tickets(&TicketFilter {
                    after: None,
                    ..filter
                })
                .await
                .expect("count");
            assert_eq!(count, want.len() as i64);
            pages
        }
    };

    let pages = check(
        TicketFilter {
            limit: 37,
            ..Default::default()
        },
        &|_| true,
    )
    .await;
    assert_eq!(pages, 9, "300 tickets in pages of 37");
    check(
        TicketFilter {
            customer_org_id: Some(s.customer_a.id),
            open_only: true,
            limit: 25,
            ..Default::default()
        },
        &|t| t.customer_org_id == s.customer_a.id && t.is_open(),
    )
    .await;
    check(
        TicketFilter {
            priority: Some("P1".into()),
            statuses: vec![TicketStatus::New, TicketStatus::Closed],
            limit: 10,
            ..Default::default()
        },
        &|t| t.priority == "P1" && matches!(t.status, TicketStatus::New | TicketStatus::Closed),
    )
    .await;
    let horizon = t0() + minutes(120);
    check(
        TicketFilter {
            due_before: Some(horizon),
            open_only: true,
            limit: 1000,
            ..Default::default()
        },
        &|t| {
            t.is_open()
                && t.sla
                    .as_ref()
                    .and_then(|c| c.next_due)
                    .is_some_and(|d| d < horizon)
        },
    )
    .await;
    // An exact page boundary: the last full page still says whether more follow.
    let exact = db
        .list_tickets(&TicketFilter {
            customer_org_id: Some(s.customer_b.id),
            limit: 30,
            ..Default::default()
        })
        .await
        .expect("exact");
    assert_eq!(exact.tickets.len(), 30);
    assert_eq!(exact.next, None);
    // Defaults and bounds.
    let default_page = db
        .list_tickets(&TicketFilter::default())
        .await
        .expect("default");
    assert_eq!(default_page.tickets.len(), 50);
    assert!("bogus".parse::<TicketCursor>().is_err());
    assert_eq!(
        db.count_tickets(&TicketFilter {
            open_only: true,
            ..Default::default()
        })
        .await
        .expect("open"),
        expected.iter().filter(|(_, _, t)| t.is_open()).count() as i64
    );
}

async fn sla_cache_and_recompute_queries(db: Database) {
    let s = seed(&db).await;
    let t1 = create(&db, &s.contract_a, "P1").await;
    let t2 = create(&db, &s.contract_a, "P2").await;
    let t3 = create(&db, &s.contract_b, "P2").await;
    let cache = |minutes_ahead: i64| SlaCache {
        sla: json!({"metrics": [{"id": "response"}]}),
        next_change: Some(t0() + minutes(minutes_ahead)),
        next_due: Some(t0() + minutes(minutes_ahead)),
    };
    assert!(db.update_sla_cache(t1.id, 1, &cache(30)).await.expect("t1"));
    assert!(db.update_sla_cache(t2.id, 1, &cache(10)).await.expect("t2"));
    assert!(db.update_sla_cache(t3.id, 1, &cache(20)).await.expect("t3"));
    let read = db.get_ticket(t1.id, None).await.expect("get");
    assert_eq!(read.sla, Some(cache(30)));
    assert_eq!(read.sla_seq, 1);

    // A newer event makes a cache computed from seq 1 stale: refused, nothing changes.
    db.append_event(
        t1.id,
        None,
        &event(
            t0() + minutes(1),
            "paused",
            json!({"reason": "waiting_on_customer"}),
            Visibility::Public,
        ),
        &TicketUpdate {
            status: Some(TicketStatus::WaitingOnCustomer),
            ..Default::default()
        },
    )
    .await
    .expect("pause");
    assert!(
        !db.update_sla_cache(t1.id, 1, &cache(99))
            .await
            .expect("stale")
    );
    assert_eq!(
        db.get_ticket(t1.id, None).await.expect("get").sla,
        Some(cache(30))
    );
    assert!(
        db.update_sla_cache(t1.id, 2, &cache(40))
            .await
            .expect("fresh")
    );
    assert_eq!(
        code(db.update_sla_cache(987_654, 1, &cache(1)).await),
        "store.not_found"
    );

    // The scheduler's wake-ups, earliest first.
    assert_eq!(
        db.tickets_changing_by(t0() + minutes(25), 10)
            .await
            .expect("due"),
        [t2.id, t3.id]
    );
    assert_eq!(
        db.tickets_changing_by(t0() + minutes(25), 1)
            .await
            .expect("due"),
        [t2.id]
    );
    // Open tickets of a contract, for recomputation after a policy change.
    db.append_event(
        t2.id,
        None,
        &event(t0() + minutes(2), "closed", json!({}), Visibility::Public),
        &TicketUpdate {
            status: Some(TicketStatus::Closed),
            ..Default::default()
        },
    )
    .await
    .expect("close");
    assert_eq!(
        db.open_tickets_of_contract(s.contract_a.id)
            .await
            .expect("open"),
        [t1.id]
    );
    assert_eq!(
        db.open_tickets_of_contract(s.contract_b.id)
            .await
            .expect("open"),
        [t3.id]
    );

    // Open tickets by the types of their events (the escalation board): the closed one is left
    // out, as are other providers' and tickets without such an event.
    for t in [&t2, &t3] {
        db.append_event(
            t.id,
            None,
            &event(
                t0() + minutes(3),
                "escalated",
                json!({"level": 2}),
                Visibility::Public,
            ),
            &TicketUpdate::default(),
        )
        .await
        .expect("escalated");
    }
    let board = |types: &'static [&'static str], limit: u32| {
        let db = db.clone();
        let provider = s.provider.id;
        async move {
            db.open_tickets_with_events(provider, types, limit)
                .await
                .expect("board")
        }
    };
    assert_eq!(
        board(&["escalated", "escalation_requested"], 10).await,
        [t3.id]
    );
    assert_eq!(
        board(&["escalation_requested"], 10).await,
        Vec::<i64>::new()
    );
    assert_eq!(board(&["paused", "escalated"], 10).await, [t1.id, t3.id]);
    assert_eq!(board(&["paused", "escalated"], 1).await, [t1.id]);
    assert_eq!(board(&[], 10).await, Vec::<i64>::new());
    let other = org(&db, OrgKind::Provider, "lain").await;
    assert_eq!(
        db.open_tickets_with_events(other.id, &["escalated", "paused"], 10)
            .await
            .expect("other provider"),
        Vec::<i64>::new()
    );
}

async fn events_feed_the_fold(db: Database) {
    let s = seed(&db).await;
    // Innovasia P2 created Friday 16:30 WIB: response due Monday 12:30 (see tenggat_sla docs).
    let at: Timestamp = "2026-03-13T16:30:00+07:00".parse().expect("instant");
    let sla_created = tenggat_sla::TicketEvent::parse_jsonl(
        r#"{"at":"2026-03-13T16:30:00+07:00","type":"created","priority":"P2"}"#,
    )
    .expect("event")
    .remove(0);
    let mut new = new_ticket(&s.contract_a, None, "P2");
    new.created_at = at;
    let t = db
        .create_ticket(
            &new,
            &NewEvent::from_sla(&sla_created, None, Visibility::Public),
        )
        .await
        .expect("create")
        .ticket;
    db.append_event(
        t.id,
        None,
        &event(
            at + minutes(5),
            "note",
            json!({"text": "called the customer"}),
            Visibility::Internal,
        ),
        &TicketUpdate::default(),
    )
    .await
    .expect("note");
    db.append_event(
        t.id,
        None,
        &event(
            at + minutes(6),
            "reply",
            json!({"text": "we are on it"}),
            Visibility::Public,
        ),
        &TicketUpdate::default(),
    )
    .await
    .expect("reply");

    let all = db.ticket_events(t.id, None, true).await.expect("all");
    assert_eq!(
        all.iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
        ["created", "note", "reply"]
    );
    let public = db
        .ticket_events(t.id, Some(s.customer_a.id), false)
        .await
        .expect("public");
    assert_eq!(
        public
            .iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>(),
        ["created", "reply"]
    );
    let folded = sla_events(&all).expect("sla events");
    assert_eq!(folded, vec![sla_created]);
    let policy = tenggat_sla::preset("innovasia")
        .expect("preset")
        .expect("compiles");
    let now: Timestamp = "2026-03-16T09:00:00+07:00".parse().expect("now");
    let result = tenggat_sla::evaluate(&policy, &folded, now).expect("evaluate");
    assert_eq!(
        result.metrics[0].due,
        Some("2026-03-16T12:30:00+07:00".parse().expect("due"))
    );
}

async fn attachments(db: Database) {
    let s = seed(&db).await;
    let t = create(&db, &s.contract_a, "P3").await;
    let att = db
        .add_attachment(&NewAttachment {
            ticket_id: t.id,
            field: None,
            file_name: "log.txt".into(),
            content_type: "text/plain".into(),
            size: 1234,
            sha256: token_hash("log"),
            storage_path: "attachments/ab/cd".into(),
            uploaded_by: Some(s.user_a.id),
            created_at: t0(),
        })
        .await
        .expect("attach");
    assert_eq!(db.get_attachment(att.id, None).await.expect("get"), att);
    assert_eq!(
        db.get_attachment(att.id, Some(s.customer_a.id))
            .await
            .expect("own"),
        att
    );
    assert_eq!(
        code(db.get_attachment(att.id, Some(s.customer_b.id)).await),
        "store.not_found"
    );
    assert_eq!(
        db.attachments_of_ticket(t.id, None).await.expect("list"),
        std::slice::from_ref(&att)
    );
    let negative = db
        .add_attachment(&NewAttachment {
            size: -1,
            ..NewAttachment {
                ticket_id: t.id,
                field: None,
                file_name: "x".into(),
                content_type: "text/plain".into(),
                size: 0,
                sha256: "x".into(),
                storage_path: "x".into(),
                uploaded_by: None,
                created_at: t0(),
            }
        })
        .await;
    assert_eq!(code(negative), "store.invalid");

    // Files filed with a report are written with the ticket, in one transaction.
    let file = NewAttachment {
        ticket_id: 0,
        field: Some("visual_evidence".into()),
        file_name: "screen.png".into(),
        content_type: "image/png".into(),
        size: 10,
        sha256: token_hash("png"),
        storage_path: "attachments/12/34".into(),
        uploaded_by: Some(s.user_a.id),
        created_at: t0(),
    };
    let mut with_file = new_ticket(&s.contract_a, Some(s.user_a.id), "P2");
    with_file.attachments = vec![file.clone()];
    let written = db
        .create_ticket(&with_file, &created_event("P2", Some(s.user_a.id)))
        .await
        .expect("ticket with file");
    let files = db
        .attachments_of_ticket(written.ticket.id, None)
        .await
        .expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].ticket_id, written.ticket.id);
    assert_eq!(files[0].field.as_deref(), Some("visual_evidence"));
    let before = db
        .count_tickets(&TicketFilter::default())
        .await
        .expect("count");
    let mut broken = new_ticket(&s.contract_a, Some(s.user_a.id), "P2");
    broken.attachments = vec![NewAttachment {
        storage_path: String::new(),
        ..file
    }];
    let refused = db
        .create_ticket(&broken, &created_event("P2", Some(s.user_a.id)))
        .await;
    assert_eq!(code(refused), "store.invalid");
    assert_eq!(
        db.count_tickets(&TicketFilter::default())
            .await
            .expect("count"),
        before,
        "a refused attachment leaves no ticket behind"
    );
}

async fn idempotency_replay_and_conflict(db: Database) {
    let p = "token:7";
    let now = t0();
    assert_eq!(
        db.claim_idempotency(p, "k1", "hash-a", now)
            .await
            .expect("claim"),
        IdempotencyClaim::New
    );
    assert_eq!(
        db.claim_idempotency(p, "k1", "hash-a", now)
            .await
            .expect("again"),
        IdempotencyClaim::InProgress
    );
    db.complete_idempotency(p, "k1", 201, r#"{"id":1}"#)
        .await
        .expect("complete");
    assert_eq!(
        db.claim_idempotency(p, "k1", "hash-a", now + minutes(1))
            .await
            .expect("replay"),
        IdempotencyClaim::Replay {
            status: 201,
            body: r#"{"id":1}"#.into()
        }
    );
    assert_eq!(
        code(db.claim_idempotency(p, "k1", "hash-b", now).await),
        "store.conflict"
    );
    // Keys belong to a principal.
    assert_eq!(
        db.claim_idempotency("token:8", "k1", "hash-b", now)
            .await
            .expect("other principal"),
        IdempotencyClaim::New
    );
    // A released claim can be made again; a completed one is not released.
    db.release_idempotency("token:8", "k1")
        .await
        .expect("release");
    assert_eq!(
        db.claim_idempotency("token:8", "k1", "hash-c", now)
            .await
            .expect("reclaim"),
        IdempotencyClaim::New
    );
    db.release_idempotency(p, "k1").await.expect("no-op");
    assert!(matches!(
        db.claim_idempotency(p, "k1", "hash-a", now)
            .await
            .expect("still there"),
        IdempotencyClaim::Replay { .. }
    ));
    assert_eq!(
        code(db.complete_idempotency(p, "nope", 200, "").await),
        "store.not_found"
    );
    assert_eq!(
        db.purge_idempotency(now + minutes(1)).await.expect("purge"),
        2
    );
    assert_eq!(
        db.claim_idempotency(p, "k1", "hash-b", now)
            .await
            .expect("after purge"),
        IdempotencyClaim::New
    );
}

async fn concurrent_ticket_creation(db: Database) {
    let s = seed(&db).await;
    let tasks = 16;
    let per_task = 8;
    let mut handles = Vec::new();
    for i in 0..tasks {
        let db = db.clone();
        let contract = if i % 2 == 0 {
            s.contract_a.clone()
        } else {
            s.contract_b.clone()
        };
        handles.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for _ in 0..per_task {
                let t = create(&db, &contract, "P2").await;
                // And concurrent appends to the same ticket get distinct sequence numbers.
                numbers.push(t.number);
            }
            numbers
        }));
    }
    let mut numbers = Vec::new();
    for h in handles {
        numbers.extend(h.await.expect("task"));
    }
    let distinct: HashSet<i64> = numbers.iter().copied().collect();
    assert_eq!(distinct.len(), tasks * per_task, "no duplicate numbers");
    assert_eq!(
        distinct,
        (1..=(tasks * per_task) as i64).collect::<HashSet<_>>(),
        "and, as it happens, no gaps"
    );
    // Sixteen writers at once: some of the tickets were written together, none had to be
    // written again alone (nothing failed).
    let stats = db.ticket_writer_stats();
    assert!(stats.batches >= 1, "{stats:?}");
    assert_eq!(stats.tickets_retried, 0, "{stats:?}");
    assert_eq!(
        stats.tickets_batched + stats.tickets_alone,
        (tasks * per_task) as u64,
        "{stats:?}"
    );

    let t = create(&db, &s.contract_a, "P1").await;
    let mut handles = Vec::new();
    for i in 0..20 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            db.append_event(
                t.id,
                None,
                &event(
                    t0() + minutes(i),
                    "reply",
                    json!({"n": i}),
                    Visibility::Public,
                ),
                &TicketUpdate::default(),
            )
            .await
            .expect("append")
            .event
            .seq
        }));
    }
    let mut seqs = Vec::new();
    for h in handles {
        seqs.push(h.await.expect("task"));
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (2..=21).collect::<Vec<i64>>());
}

/// New tickets are written in batches (group commit); a ticket that fails inside a batch,
/// whether the store notices (wrong customer) or the database does (a reporter that is not a
/// user breaks a foreign key, which aborts a PostgreSQL transaction), fails alone.
async fn concurrent_creation_failures_fail_alone(db: Database) {
    let s = seed(&db).await;
    let mut handles = Vec::new();
    for i in 0..48_u32 {
        let db = db.clone();
        let contract = s.contract_a.clone();
        let other_customer = s.customer_b.id;
        handles.push(tokio::spawn(async move {
            let mut new = new_ticket(&contract, None, "P2");
            let expected = match i % 6 {
                1 => {
                    new.customer_org_id = other_customer;
                    Err("store.not_found")
                }
                4 => {
                    new.reporter_id = Some(999_999);
                    Err("store.invalid")
                }
                _ => Ok(()),
            };
            let result = db.create_ticket(&new, &created_event("P2", None)).await;
            (expected, result)
        }));
    }
    let mut numbers = HashSet::new();
    for h in handles {
        let (expected, result) = h.await.expect("task");
        match (expected, result) {
            (Ok(()), Ok(written)) => {
                assert_eq!(written.event.ticket_id, written.ticket.id);
                assert_eq!(written.event.seq, 1);
                assert!(numbers.insert(written.ticket.number), "duplicate number");
            }
            (Err(code), Err(e)) => assert_eq!(e.code(), code, "{e}"),
            (expected, result) => panic!("expected {expected:?}, got {result:?}"),
        }
    }
    assert_eq!(numbers.len(), 32);
    // The foreign-key failures made their batches fall back to one transaction per ticket.
    let stats = db.ticket_writer_stats();
    assert!(stats.tickets_retried >= 8, "{stats:?}");
    let stored = db
        .count_tickets(&TicketFilter::default())
        .await
        .expect("count");
    assert_eq!(stored, 32, "only the good tickets were written");
    let page = db
        .list_tickets(&TicketFilter {
            limit: 100,
            ..TicketFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(page.tickets.len(), 32);
    for ticket in page.tickets {
        let events = db
            .ticket_events(ticket.id, None, true)
            .await
            .expect("events");
        assert_eq!(events.len(), 1, "each written ticket has its created event");
    }
}

/// Several events in one append: consecutive sequence numbers in the given order, one
/// `expected_seq` check, the update applied once; nothing at all on a conflict.
async fn append_events_in_one_transaction(db: Database) {
    let s = seed(&db).await;
    let t = create(&db, &s.contract_a, "P1").await;
    let events = [
        event(
            t0() + minutes(30),
            "sla_warning",
            json!({"key": "a"}),
            Visibility::Public,
        ),
        event(
            t0() + minutes(45),
            "sla_warning",
            json!({"key": "b"}),
            Visibility::Public,
        ),
        event(
            t0() + minutes(60),
            "sla_breached",
            json!({"key": "c"}),
            Visibility::Public,
        ),
    ];
    let update = TicketUpdate {
        expected_seq: Some(1),
        status: Some(TicketStatus::InProgress),
        ..TicketUpdate::default()
    };
    let (ticket, stored) = db
        .append_events(t.id, None, &events, &update)
        .await
        .expect("append");
    assert_eq!(stored.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(stored[2].event_type, "sla_breached");
    assert_eq!(ticket.last_seq, 4);
    assert_eq!(ticket.status, TicketStatus::InProgress);
    assert_eq!(ticket.updated_at, t0() + minutes(60));
    // The same append again: the log has moved on, nothing is written.
    assert_eq!(
        code(db.append_events(t.id, None, &events, &update).await),
        "store.conflict"
    );
    assert_eq!(
        code(
            db.append_events(t.id, None, &[], &TicketUpdate::default())
                .await
        ),
        "store.invalid"
    );
    let log = db.ticket_events(t.id, None, true).await.expect("events");
    assert_eq!(log.len(), 4);
    // Another customer's scope sees no such ticket.
    assert_eq!(
        code(
            db.append_events(
                t.id,
                Some(s.customer_b.id),
                &events[..1],
                &TicketUpdate::default()
            )
            .await
        ),
        "store.not_found"
    );
}

fn cache_at(next: Option<Timestamp>) -> SlaCache {
    SlaCache {
        sla: json!({"metrics": []}),
        next_change: next,
        next_due: next,
    }
}

async fn transitions_in_batches(db: Database) {
    let s = seed(&db).await;
    let a = create(&db, &s.contract_a, "P1").await;
    let b = create(&db, &s.contract_a, "P2").await;
    let c = create(&db, &s.contract_b, "P1").await;
    db.append_event(
        b.id,
        None,
        &event(
            t0() + minutes(5),
            "note",
            json!({"text": "x"}),
            Visibility::Internal,
        ),
        &TicketUpdate::default(),
    )
    .await
    .expect("note");

    // Rows and whole logs (internal events included), in the order asked, unknown ids left out.
    let logs = db.ticket_logs(&[b.id, 999_999, a.id]).await.expect("logs");
    assert_eq!(
        logs.iter().map(|l| l.ticket.id).collect::<Vec<_>>(),
        [b.id, a.id]
    );
    assert_eq!(logs[0].events.len(), 2);
    assert_eq!(logs[0].events[1].event_type, "note");
    assert!(logs.iter().all(TicketLog::consistent));
    assert!(db.ticket_logs(&[]).await.expect("none").is_empty());

    let warn = |minute: i64, key: &str| {
        event(
            t0() + minutes(minute),
            "sla_warning",
            json!({"key": key}),
            Visibility::Public,
        )
    };
    let later = t0() + minutes(120);
    let batch = vec![
        // a: two events and three notifications.
        TransitionAppend {
            ticket_id: a.id,
            expected_seq: 1,
            events: vec![warn(30, "a1"), warn(45, "a2")],
            sla: cache_at(Some(later)),
            notifications: vec![
                notification(0, NotifyChannel::Email, "agent@example.com"),
                notification(1, NotifyChannel::Webhook, "7"),
                NewNotification {
                    user_id: Some(s.agent.id),
                    ..notification(1, NotifyChannel::InApp, &s.agent.id.to_string())
                },
            ],
        },
        // b: computed from a stale log (its note came after): left untouched.
        TransitionAppend {
            ticket_id: b.id,
            expected_seq: 1,
            events: vec![warn(30, "b1")],
            sla: cache_at(Some(later)),
            notifications: vec![notification(0, NotifyChannel::Email, "agent@example.com")],
        },
        // c: no events, only the cache moves on.
        TransitionAppend {
            ticket_id: c.id,
            expected_seq: 1,
            events: vec![],
            sla: cache_at(None),
            notifications: vec![],
        },
    ];
    let written = db.append_transitions(&batch).await.expect("batch");
    assert_eq!(written, [a.id, c.id]);

    let ta = db.get_ticket(a.id, None).await.expect("a");
    assert_eq!(ta.last_seq, 3);
    assert_eq!(ta.updated_at, t0() + minutes(45));
    let log = db.ticket_events(a.id, None, true).await.expect("a's log");
    assert_eq!(
        log.iter()
            .map(|e| (e.seq, e.payload["key"].clone()))
            .collect::<Vec<_>>(),
        [(1, json!(null)), (2, json!("a1")), (3, json!("a2"))]
    );
    let rows = db
        .notifications_of_ticket(a.id, None)
        .await
        .expect("a's outbox");
    assert_eq!(
        rows.iter().map(|n| n.event_seq).collect::<Vec<_>>(),
        [Some(2), Some(3), Some(3)]
    );
    assert_eq!(
        rows[0].dedupe_key,
        format!("tenggat:{}:2:email:agent@example.com", a.id)
    );
    assert_eq!(rows[0].next_attempt_at, t0() + minutes(30));
    assert_eq!(rows[2].state, DeliveryState::Delivered);

    let tb = db.get_ticket(b.id, None).await.expect("b");
    assert_eq!(tb.last_seq, 2, "the stale ticket is untouched");
    assert!(
        db.notifications_of_ticket(b.id, None)
            .await
            .expect("b's outbox")
            .is_empty()
    );

    let tc = db.get_ticket(c.id, None).await.expect("c");
    assert_eq!(tc.last_seq, 1);
    assert_eq!(tc.updated_at, c.updated_at, "no event, no new updated_at");
    // The caches moved on: a leaves the due set until 120 minutes, c for good.
    let due = db
        .tickets_changing_by(t0() + minutes(60), 10)
        .await
        .expect("due");
    assert!(!due.contains(&a.id) && !due.contains(&c.id));
    assert_eq!(ta.sla.as_ref().and_then(|c| c.next_change), Some(later));
    assert_eq!(
        ta.sla_seq, 3,
        "the cache reflects the log with the new events"
    );
    assert_eq!(tc.sla.as_ref().map(|c| c.next_change), Some(None));

    // The same batch again: every log has moved on or (c) moves on again from 1.
    let again = db.append_transitions(&batch).await.expect("again");
    assert_eq!(again, [c.id]);
    assert_eq!(db.get_ticket(a.id, None).await.expect("a").last_seq, 3);

    // A batch larger than one statement holds (SQLite writes 36 tickets, 36 events and 23
    // outbox rows per statement): every ticket of it is written whole.
    let mut many = Vec::new();
    for _ in 0..80 {
        let t = create(&db, &s.contract_a, "P3").await;
        many.push(TransitionAppend {
            ticket_id: t.id,
            expected_seq: 1,
            events: vec![warn(10, "m1"), warn(20, "m2"), warn(30, "m3")],
            sla: cache_at(Some(later)),
            notifications: vec![
                notification(0, NotifyChannel::Email, "agent@example.com"),
                notification(2, NotifyChannel::Webhook, "7"),
            ],
        });
    }
    let written = db.append_transitions(&many).await.expect("many");
    assert_eq!(
        written,
        many.iter().map(|a| a.ticket_id).collect::<Vec<_>>()
    );
    let logs = db.ticket_logs(&written).await.expect("their logs");
    assert!(logs.iter().all(|l| l.consistent() && l.events.len() == 4));
    for id in [written[0], written[40], written[79]] {
        let rows = db.notifications_of_ticket(id, None).await.expect("outbox");
        assert_eq!(
            rows.iter().map(|n| n.event_seq).collect::<Vec<_>>(),
            [Some(2), Some(4)]
        );
    }

    // Refused before anything is written.
    let twice = vec![batch[2].clone(), batch[2].clone()];
    assert_eq!(code(db.append_transitions(&twice).await), "store.invalid");
    let mut bad_index = batch[0].clone();
    bad_index.expected_seq = 3;
    bad_index.notifications = vec![notification(5, NotifyChannel::Email, "x@example.com")];
    assert_eq!(
        code(db.append_transitions(&[bad_index]).await),
        "store.invalid"
    );
    let mut created = batch[0].clone();
    created.expected_seq = 3;
    created.events = vec![created_event("P1", None)];
    created.notifications.clear();
    assert_eq!(
        code(db.append_transitions(&[created]).await),
        "store.invalid"
    );
    assert_eq!(db.get_ticket(a.id, None).await.expect("a").last_seq, 3);
    let too_many = vec![batch[2].clone(); BATCH_LIMIT + 1];
    assert_eq!(
        code(db.append_transitions(&too_many).await),
        "store.invalid"
    );
    assert_eq!(
        code(db.ticket_logs(&vec![a.id; BATCH_LIMIT + 1]).await),
        "store.invalid"
    );
}

// ---------------------------------------------------------------- opening and URLs

#[tokio::test]
async fn open_refuses_a_missing_sqlite_file_without_create() {
    let dir = TempDir::new("tenggat-store");
    let path = dir.file("typo.db");
    for url in [format!("sqlite://{path}"), format!("sqlite:{path}")] {
        let err = open(&url, false).await.expect_err("missing file");
        assert_eq!(err.code(), "store.config");
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(err.to_string().contains("typo.db"), "{err}");
        assert!(!std::path::Path::new(&path).exists(), "no file was created");
    }
    let relative = format!("sqlite:missing-{}.db", unique_suffix());
    assert_eq!(code(open(&relative, false).await), "store.config");
    // With create, the file appears; then it opens without create.
    let db = open(&format!("sqlite:{path}"), true).await.expect("create");
    assert_eq!(
        db.migrate().await.expect("migrate"),
        [
            "0001_initial",
            "0002_sessions",
            "0003_attachment_fields",
            "0004_settings",
            "0005_ticket_policy",
            "0006_outbox",
            "0007_availability",
            "0008_event_types"
        ]
    );
    db.close().await;
    let db = open(&format!("sqlite://{path}"), false)
        .await
        .expect("reopen");
    assert_eq!(db.migrate().await.expect("migrate"), Vec::<String>::new());
    db.close().await;
    // The file is in WAL mode (a property of the file, seen from any connection).
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .expect("raw connection");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut raw)
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal");
    raw.close().await.expect("close");
}

#[tokio::test]
async fn open_refuses_other_schemes() {
    for url in [
        "mysql://root:hunter2@localhost/tenggat",
        "tenggat.db",
        "http://example.invalid/db",
        "sqlite:",
        "sqlite::memory:",
        "",
    ] {
        let err = open(url, true).await.expect_err(url);
        assert_eq!(err.code(), "store.config", "{url}: {err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    let err = open("mysql://root:hunter2@localhost/tenggat", true)
        .await
        .expect_err("mysql");
    assert!(
        err.to_string().contains("sqlite://"),
        "says what works: {err}"
    );
}

#[tokio::test]
async fn errors_never_show_the_password() {
    assert_eq!(
        redact_url("postgres://tenggat:hunter2@db.example:5432/tenggat"),
        "postgres://tenggat:***@db.example:5432/tenggat"
    );
    // Nothing listens on port 1: the connection error names the URL without the password.
    let err = open("postgres://tenggat:hunter2@127.0.0.1:1/tenggat", false)
        .await
        .expect_err("unreachable");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("***"), "{text}");
    let err = open(
        "postgres://tenggat:hunter2@127.0.0.1:notaport/tenggat",
        false,
    )
    .await
    .expect_err("bad URL");
    let text = format!("{err} {err:?}");
    assert_eq!(err.code(), "store.config", "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn postgres_missing_database_is_named() {
    let Some(url) = postgres_server_url() else {
        return;
    };
    let name = format!("tenggat_missing_{}", unique_suffix());
    let with_password = with_database(&url, &name).replacen("://", "://postgres:hunter2@", 1);
    let with_password = if url.contains('@') {
        // The URL already names a user: put the password on it instead.
        let (scheme, rest) = url.split_once("://").expect("scheme");
        let (user, host) = rest.split_once('@').expect("user");
        let user = user.split(':').next().unwrap_or(user);
        with_database(&format!("{scheme}://{user}:hunter2@{host}"), &name)
    } else {
        with_password
    };
    // Trust authentication ignores the password: the store opens, and its Debug hides it.
    let existing = with_password.replace(&name, url.rsplit('/').next().unwrap_or("test"));
    let db = open(&existing, false).await.expect("open with a password");
    assert!(!format!("{db:?}").contains("hunter2"));
    db.close().await;
    let err = open(&with_password, false)
        .await
        .expect_err("missing database");
    let text = format!("{err} {err:?}");
    assert_eq!(err.code(), "store.config", "{text}");
    assert!(text.contains(&name), "{text}");
    assert!(text.contains("does not exist"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

async fn settings_round_trip(db: Database) {
    db.migrate().await.expect("migrate");
    assert_eq!(db.setting("engine").await.expect("read"), None);
    db.put_setting("engine", "a").await.expect("write");
    db.put_setting("engine", "b").await.expect("replace");
    assert_eq!(db.setting("engine").await.expect("read"), Some("b".into()));
    assert_eq!(code(db.put_setting("", "x").await), "store.invalid");
}

async fn ticket_policy_binding(db: Database) {
    let s = seed(&db).await;
    let t = create(&db, &s.contract_a, "P3").await;
    let first = PolicyBinding {
        policy: s.contract_a.policy.clone(),
        add_ons: s.contract_a.add_ons.clone(),
    };
    assert_eq!(t.policy.as_ref(), Some(&first));
    // An event without a new binding keeps it.
    let note = db
        .append_event(
            t.id,
            None,
            &event(
                t0() + minutes(1),
                "note",
                json!({"body": "x"}),
                Visibility::Internal,
            ),
            &TicketUpdate::default(),
        )
        .await
        .expect("note");
    assert_eq!(note.ticket.policy.as_ref(), Some(&first));
    // A policy change replaces it, add-ons included.
    let second = PolicyBinding {
        policy: PolicyRef::Preset("kinobi".into()),
        add_ons: vec!["premium_24x7".into()],
    };
    let changed = db
        .append_event(
            t.id,
            None,
            &event(
                t0() + minutes(2),
                "policy_changed",
                json!({}),
                Visibility::Public,
            ),
            &TicketUpdate {
                policy: Some(second.clone()),
                ..TicketUpdate::default()
            },
        )
        .await
        .expect("change");
    assert_eq!(changed.ticket.policy.as_ref(), Some(&second));
    assert_eq!(
        db.get_ticket(t.id, None).await.expect("get").policy,
        Some(second)
    );
}

fn notification(event_index: usize, channel: NotifyChannel, to: &str) -> NewNotification {
    NewNotification {
        event_index,
        channel,
        recipient: to.to_string(),
        user_id: None,
        payload: json!({"kind": "sla_warning"}),
    }
}

async fn outbox_commits_with_its_events(db: Database) {
    let s = seed(&db).await;
    let t = create(&db, &s.contract_a, "P1").await;
    let warn = event(
        t0() + minutes(30),
        "sla_warning",
        json!({"key": "w"}),
        Visibility::Public,
    );
    let breach = event(
        t0() + minutes(60),
        "sla_breached",
        json!({"key": "b"}),
        Visibility::Public,
    );
    let mut in_app = notification(1, NotifyChannel::InApp, &s.agent.id.to_string());
    in_app.user_id = Some(s.agent.id);
    let update = TicketUpdate {
        expected_seq: Some(1),
        notifications: vec![
            notification(0, NotifyChannel::Email, "agent@example.com"),
            notification(1, NotifyChannel::Webhook, "7"),
            in_app,
        ],
        ..TicketUpdate::default()
    };
    db.append_events(t.id, None, &[warn.clone(), breach.clone()], &update)
        .await
        .expect("append with notifications");
    let rows = db.notifications_of_ticket(t.id, None).await.expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].event_seq, Some(2));
    assert_eq!(
        rows[0].dedupe_key,
        format!("tenggat:{}:2:email:agent@example.com", t.id)
    );
    assert_eq!(rows[0].state, DeliveryState::Pending);
    assert_eq!(rows[0].next_attempt_at, t0() + minutes(30));
    assert_eq!(rows[1].event_seq, Some(3));
    assert_eq!(
        rows[2].state,
        DeliveryState::Delivered,
        "in-app is delivered when written"
    );
    assert_eq!(rows[2].delivered_at, Some(t0() + minutes(60)));
    // Another customer's scope does not see them.
    assert_eq!(
        code(
            db.notifications_of_ticket(t.id, Some(s.customer_b.id))
                .await
        ),
        "store.not_found"
    );
    // A stale append writes neither its events nor its notifications.
    let stale = TicketUpdate {
        expected_seq: Some(1),
        notifications: vec![notification(0, NotifyChannel::Email, "late@example.com")],
        ..TicketUpdate::default()
    };
    assert_eq!(
        code(
            db.append_events(t.id, None, std::slice::from_ref(&warn), &stale)
                .await
        ),
        "store.conflict"
    );
    // A notification for an event not appended refuses the whole append.
    let wrong = TicketUpdate {
        notifications: vec![notification(3, NotifyChannel::Email, "x@example.com")],
        ..TicketUpdate::default()
    };
    assert_eq!(
        code(db.append_events(t.id, None, &[warn], &wrong).await),
        "store.invalid"
    );
    assert_eq!(
        db.notifications_of_ticket(t.id, None)
            .await
            .expect("rows")
            .len(),
        3
    );
    assert_eq!(db.get_ticket(t.id, None).await.expect("ticket").last_seq, 3);
    let counts = db.outbox_counts().await.expect("counts");
    assert_eq!((counts.pending, counts.delivered, counts.failed), (2, 1, 0));
    // The inbox: the agent's in-app notification, read once.
    let inbox = db.inbox(s.agent.id, true, 10).await.expect("inbox");
    assert_eq!(inbox.len(), 1);
    db.mark_read(inbox[0].id, s.agent.id, t0() + minutes(90))
        .await
        .expect("read");
    db.mark_read(inbox[0].id, s.agent.id, t0() + minutes(95))
        .await
        .expect("read again");
    assert!(
        db.inbox(s.agent.id, true, 10)
            .await
            .expect("inbox")
            .is_empty()
    );
    let all = db.inbox(s.agent.id, false, 10).await.expect("inbox");
    assert_eq!(all[0].read_at, Some(t0() + minutes(90)));
    assert_eq!(
        code(db.mark_read(inbox[0].id, s.user_a.id, t0()).await),
        "store.not_found"
    );
}

async fn outbox_claims_leases_and_retries(db: Database) {
    let s = seed(&db).await;
    let t = create(&db, &s.contract_a, "P1").await;
    let warn = event(
        t0() + minutes(30),
        "sla_warning",
        json!({}),
        Visibility::Public,
    );
    let update = TicketUpdate {
        notifications: vec![
            notification(0, NotifyChannel::Email, "a@example.com"),
            notification(0, NotifyChannel::Webhook, "1"),
        ],
        ..TicketUpdate::default()
    };
    db.append_events(t.id, None, &[warn], &update)
        .await
        .expect("append");
    assert_eq!(
        db.earliest_notification_attempt().await.expect("earliest"),
        Some(t0() + minutes(30))
    );
    // Not due before its event.
    let early = db
        .claim_notifications(t0(), t0() + minutes(1), 10)
        .await
        .expect("claim");
    assert!(early.is_empty());
    let now = t0() + minutes(31);
    let lease = now + minutes(2);
    let claimed = db.claim_notifications(now, lease, 1).await.expect("claim");
    assert_eq!(claimed.len(), 1, "the limit holds");
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(claimed[0].next_attempt_at, lease);
    let second = db.claim_notifications(now, lease, 10).await.expect("claim");
    assert_eq!(
        second.len(),
        1,
        "a claimed row is not claimed again within its lease"
    );
    assert_ne!(second[0].id, claimed[0].id);
    // The first is delivered; the second fails and is retried later.
    assert!(
        db.notification_delivered(claimed[0].id, now)
            .await
            .expect("delivered")
    );
    assert!(
        !db.notification_delivered(claimed[0].id, now)
            .await
            .expect("twice")
    );
    let retry = now + minutes(5);
    assert!(
        db.notification_failed(second[0].id, "HTTP 500", Some(retry))
            .await
            .expect("failed")
    );
    assert!(
        db.claim_notifications(now + minutes(4), now + minutes(6), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    // A dispatcher that died mid-attempt: the lease ends, the row is due again.
    let again = db
        .claim_notifications(retry, retry + minutes(2), 10)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].last_error.as_deref(), Some("HTTP 500"));
    let later = db
        .claim_notifications(retry + minutes(3), retry + minutes(4), 10)
        .await
        .expect("claim after the lease");
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].attempts, 3);
    // Given up: failed, never claimed again.
    assert!(
        db.notification_failed(later[0].id, "HTTP 410", None)
            .await
            .expect("give up")
    );
    assert!(
        db.claim_notifications(retry + minutes(60), retry + minutes(61), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert_eq!(
        db.earliest_notification_attempt().await.expect("earliest"),
        None
    );
    let rows = db.notifications_of_ticket(t.id, None).await.expect("rows");
    let states: Vec<DeliveryState> = rows.iter().map(|r| r.state).collect();
    assert_eq!(states, [DeliveryState::Delivered, DeliveryState::Failed]);
    assert_eq!(rows[1].last_error.as_deref(), Some("HTTP 410"));
}

async fn outbox_claims_are_disjoint(db: Database) {
    let s = seed(&db).await;
    let t = create(&db, &s.contract_a, "P1").await;
    let warn = event(
        t0() + minutes(30),
        "sla_warning",
        json!({}),
        Visibility::Public,
    );
    let update = TicketUpdate {
        notifications: (0..200)
            .map(|i| notification(0, NotifyChannel::Email, &format!("u{i}@example.com")))
            .collect(),
        ..TicketUpdate::default()
    };
    db.append_events(t.id, None, &[warn], &update)
        .await
        .expect("append");
    let now = t0() + minutes(31);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = db
                    .claim_notifications(now, now + minutes(5), 7)
                    .await
                    .expect("claim");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|n| n.id));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 200, "every row claimed");
    assert_eq!(distinct.len(), 200, "no row claimed twice");
}

async fn webhooks(db: Database) {
    let s = seed(&db).await;
    let hook = db
        .create_webhook(&NewWebhook {
            provider_id: s.provider.id,
            name: "Slack #sla".into(),
            url: "https://hooks.example.com/x".into(),
            secret: "s3cret".into(),
            language: Language::En,
            events: vec!["sla_breached".into()],
            created_at: t0(),
        })
        .await
        .expect("create");
    assert_eq!(hook.events, ["sla_breached"]);
    assert!(
        !format!("{hook:?}").contains("s3cret"),
        "Debug hides the secret"
    );
    let refused = db
        .create_webhook(&NewWebhook {
            provider_id: s.customer_a.id,
            name: "x".into(),
            url: "https://hooks.example.com/y".into(),
            secret: "s".into(),
            language: Language::Id,
            events: vec![],
            created_at: t0(),
        })
        .await;
    assert_eq!(code(refused), "store.invalid");
    let list = db.webhooks_of_provider(s.provider.id).await.expect("list");
    assert_eq!(list, std::slice::from_ref(&hook));
    let off = db
        .disable_webhook(hook.id, t0() + minutes(1))
        .await
        .expect("disable");
    let again = db
        .disable_webhook(hook.id, t0() + minutes(2))
        .await
        .expect("disable");
    assert_eq!(off.disabled_at, Some(t0() + minutes(1)));
    assert_eq!(again.disabled_at, off.disabled_at);
    assert_eq!(db.get_webhook(hook.id).await.expect("get").secret, "s3cret");
    assert_eq!(code(db.get_webhook(hook.id + 99).await), "store.not_found");
}

// ---------------------------------------------------------------- availability monitoring

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

fn new_monitor(
    s: &Seed,
    service: &str,
    locations: &[&str],
    interval_s: i64,
    first_run_at: Timestamp,
) -> NewMonitor {
    NewMonitor {
        provider_id: s.provider.id,
        contract_id: s.contract_a.id,
        service_id: service.into(),
        name: format!("{service} health"),
        check: json!({"type": "http", "url": "https://api.example.com/health"}),
        interval_ms: interval_s * 1000,
        locations: locations.iter().map(|l| l.to_string()).collect(),
        public: true,
        created_at: t0(),
        first_run_at,
    }
}

async fn monitors_crud_and_validation(db: Database) {
    let s = seed(&db).await;
    let other_provider = org(&db, OrgKind::Provider, "lain").await;
    let m = db
        .create_monitor(&new_monitor(
            &s,
            "backend_api",
            &["local", "jakarta"],
            30,
            t0(),
        ))
        .await
        .expect("create");
    assert_eq!(m.provider_id, s.provider.id);
    assert_eq!(m.contract_id, s.contract_a.id);
    assert_eq!(m.service_id, "backend_api");
    assert_eq!(m.locations, ["local", "jakarta"]);
    assert_eq!(m.interval_ms, 30_000);
    assert_eq!(m.next_run_at, t0());
    assert_eq!(m.paused_at, None);
    assert!(m.public);
    assert_eq!(m.check["url"], "https://api.example.com/health");
    assert_eq!(db.get_monitor(m.id, None).await.expect("get"), m);
    assert_eq!(
        db.get_monitor(m.id, Some(s.provider.id))
            .await
            .expect("get"),
        m
    );
    assert_eq!(
        code(db.get_monitor(m.id, Some(other_provider.id)).await),
        "store.not_found"
    );
    assert_eq!(
        code(db.get_monitor(m.id + 99, None).await),
        "store.not_found"
    );

    // The contract must be the provider's.
    let mut foreign = new_monitor(&s, "service", &["local"], 30, t0());
    foreign.provider_id = other_provider.id;
    assert_eq!(code(db.create_monitor(&foreign).await), "store.not_found");
    let mut missing = new_monitor(&s, "service", &["local"], 30, t0());
    missing.contract_id = s.contract_b.id + 99;
    assert_eq!(code(db.create_monitor(&missing).await), "store.not_found");

    // Validation.
    let invalid: Vec<(&str, NewMonitor)> = vec![
        ("interval 9.999 s", {
            let mut n = new_monitor(&s, "service", &["local"], 10, t0());
            n.interval_ms = 9_999;
            n
        }),
        ("no location", new_monitor(&s, "service", &[], 30, t0())),
        (
            "empty location",
            new_monitor(&s, "service", &["local", " "], 30, t0()),
        ),
        (
            "duplicate location",
            new_monitor(&s, "service", &["jakarta", "jakarta"], 30, t0()),
        ),
        ("empty service", new_monitor(&s, "", &["local"], 30, t0())),
        ("empty name", {
            let mut n = new_monitor(&s, "service", &["local"], 30, t0());
            n.name = "  ".into();
            n
        }),
        ("check not an object", {
            let mut n = new_monitor(&s, "service", &["local"], 30, t0());
            n.check = json!(["http"]);
            n
        }),
    ];
    for (what, new) in invalid {
        assert_eq!(
            code(db.create_monitor(&new).await),
            "store.invalid",
            "{what}"
        );
    }
    // Exactly 10 s is allowed.
    let ten = db
        .create_monitor(&new_monitor(&s, "service", &["surabaya"], 10, t0()))
        .await
        .expect("10 s");
    let mut on_b = new_monitor(&s, "service", &["local"], 60, t0());
    on_b.contract_id = s.contract_b.id;
    let b = db.create_monitor(&on_b).await.expect("contract b");

    let ids = |list: Vec<Monitor>| list.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        ids(db.monitors_of_provider(s.provider.id).await.expect("list")),
        [m.id, ten.id, b.id]
    );
    assert!(
        db.monitors_of_provider(other_provider.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        ids(db
            .monitors_of_contract(s.contract_a.id, None)
            .await
            .expect("list")),
        [m.id, ten.id]
    );
    assert_eq!(
        ids(db
            .monitors_of_contract(s.contract_a.id, Some("service"))
            .await
            .expect("list")),
        [ten.id]
    );
    assert_eq!(
        ids(db
            .monitors_at_location(s.provider.id, "jakarta")
            .await
            .expect("at")),
        [m.id]
    );
    assert_eq!(
        ids(db
            .monitors_at_location(s.provider.id, "local")
            .await
            .expect("at")),
        [m.id, b.id]
    );
    assert!(
        db.monitors_at_location(other_provider.id, "local")
            .await
            .expect("at")
            .is_empty()
    );
    assert_eq!(
        db.monitored_services().await.expect("services"),
        [
            (s.contract_a.id, "backend_api".to_string()),
            (s.contract_a.id, "service".to_string()),
            (s.contract_b.id, "service".to_string()),
        ]
    );

    // Pause (again: the first instant is kept), then resume at a new slot.
    let paused = db
        .set_monitor_paused(m.id, Some(t0() + minutes(1)), t0() + minutes(1))
        .await
        .expect("pause");
    assert_eq!(paused.paused_at, Some(t0() + minutes(1)));
    let again = db
        .set_monitor_paused(m.id, Some(t0() + minutes(2)), t0() + minutes(2))
        .await
        .expect("pause again");
    assert_eq!(again.paused_at, Some(t0() + minutes(1)));
    assert_eq!(
        ids(db
            .monitors_at_location(s.provider.id, "jakarta")
            .await
            .expect("at")),
        Vec::<i64>::new(),
        "a paused monitor is not handed to agents"
    );
    let resumed = db
        .set_monitor_paused(m.id, None, t0() + minutes(10))
        .await
        .expect("resume");
    assert_eq!(resumed.paused_at, None);
    assert_eq!(resumed.next_run_at, t0() + minutes(10));
    assert_eq!(
        code(db.set_monitor_paused(m.id + 99, None, t0()).await),
        "store.not_found"
    );

    // Delete.
    db.delete_monitor(ten.id).await.expect("delete");
    assert_eq!(code(db.get_monitor(ten.id, None).await), "store.not_found");
    assert_eq!(code(db.delete_monitor(ten.id).await), "store.not_found");
    assert_eq!(
        ids(db.monitors_of_provider(s.provider.id).await.expect("list")),
        [m.id, b.id]
    );
}

async fn probe_slots_due_moved_and_skipped(db: Database) {
    let s = seed(&db).await;
    let m1 = db
        .create_monitor(&new_monitor(&s, "service", &["local"], 30, t0()))
        .await
        .expect("m1");
    let m2 = db
        .create_monitor(&new_monitor(
            &s,
            "backend_api",
            &["jakarta", "local"],
            60,
            t0() + secs(10),
        ))
        .await
        .expect("m2");
    // Agents only: never a local slot.
    db.create_monitor(&new_monitor(
        &s,
        "service",
        &["jakarta"],
        30,
        t0() - minutes(5),
    ))
    .await
    .expect("agent only");
    // Paused, and due long ago.
    let m4 = db
        .create_monitor(&new_monitor(&s, "service", &["local"], 30, t0()))
        .await
        .expect("m4");
    db.set_monitor_paused(m4.id, Some(t0()), t0() - minutes(10))
        .await
        .expect("pause");

    assert_eq!(
        db.earliest_probe_slot().await.expect("earliest"),
        Some(t0())
    );
    assert!(
        db.claim_probe_slots(t0() - secs(1), 10)
            .await
            .expect("claim")
            .is_empty(),
        "nothing due yet"
    );
    assert!(
        db.claim_probe_slots(t0() + secs(5), 0)
            .await
            .expect("claim")
            .is_empty()
    );

    let first = db
        .claim_probe_slots(t0() + secs(5), 10)
        .await
        .expect("claim");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].monitor.id, m1.id);
    assert_eq!(first[0].slot, t0());
    assert_eq!(first[0].monitor.next_run_at, t0() + secs(30));
    assert_eq!(
        db.get_monitor(m1.id, None).await.expect("get").next_run_at,
        t0() + secs(30)
    );
    assert!(
        db.claim_probe_slots(t0() + secs(5), 10)
            .await
            .expect("claim")
            .is_empty(),
        "a slot is claimed once"
    );
    assert_eq!(
        db.earliest_probe_slot().await.expect("earliest"),
        Some(t0() + secs(10))
    );

    // Exactly at its slot.
    let second = db
        .claim_probe_slots(t0() + secs(10), 10)
        .await
        .expect("claim");
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].monitor.id, m2.id);
    assert_eq!(second[0].slot, t0() + secs(10));
    assert_eq!(second[0].monitor.next_run_at, t0() + secs(70));

    // 100 s later: m1 missed its slots at +30 s and +60 s; the slot at +90 s is probed and the
    // next is +120 s. Earliest first; the limit is kept.
    let now = t0() + secs(100);
    let one = db.claim_probe_slots(now, 1).await.expect("claim");
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].monitor.id, m1.id);
    assert_eq!(one[0].slot, t0() + secs(90));
    assert_eq!(one[0].monitor.next_run_at, t0() + secs(120));
    let rest = db.claim_probe_slots(now, 10).await.expect("claim");
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].monitor.id, m2.id);
    assert_eq!(rest[0].slot, t0() + secs(70));
    assert_eq!(rest[0].monitor.next_run_at, t0() + secs(130));

    // Resumed: due at the slot given.
    db.set_monitor_paused(m4.id, None, t0() + secs(125))
        .await
        .expect("resume");
    let later = db
        .claim_probe_slots(t0() + secs(126), 10)
        .await
        .expect("claim");
    let claimed: Vec<(i64, Timestamp, Timestamp)> = later
        .iter()
        .map(|p| (p.monitor.id, p.slot, p.monitor.next_run_at))
        .collect();
    assert_eq!(
        claimed,
        [
            (m1.id, t0() + secs(120), t0() + secs(150)),
            (m4.id, t0() + secs(125), t0() + secs(155)),
        ]
    );
    assert_eq!(
        db.earliest_probe_slot().await.expect("earliest"),
        Some(t0() + secs(130))
    );
}

async fn probe_slot_claims_are_disjoint(db: Database) {
    let s = seed(&db).await;
    let mut ids = HashSet::new();
    for i in 0..60 {
        let m = db
            .create_monitor(&new_monitor(
                &s,
                "service",
                &["local"],
                10,
                t0() + SignedDuration::from_millis(i * 100),
            ))
            .await
            .expect("monitor");
        ids.insert(m.id);
    }
    for round in 0..3 {
        let now = t0() + secs(35 + 10 * round);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = db.claim_probe_slots(now, 7).await.expect("claim");
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|p| (p.monitor.id, p.slot)));
                }
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.expect("task"));
        }
        let distinct: HashSet<i64> = all.iter().map(|(id, _)| *id).collect();
        assert_eq!(all.len(), 60, "round {round}: each monitor claimed");
        assert_eq!(distinct, ids, "round {round}: no monitor claimed twice");
        for (id, slot) in all {
            assert!(
                slot <= now && slot + secs(10) > now,
                "round {round}: {id} at {slot}"
            );
        }
    }
}

fn sample(monitor: i64, location: &str, at: Timestamp, outcome: SampleOutcome) -> ProbeSample {
    let failed = outcome == SampleOutcome::Failed;
    ProbeSample {
        monitor_id: monitor,
        location: location.into(),
        at,
        outcome,
        failure_kind: failed.then(|| "unhealthy".to_string()),
        detail: if failed {
            "HTTP 503".into()
        } else {
            String::new()
        },
        latency_ms: Some(42),
        cert_expires_at: Some(t0() + minutes(60 * 24 * 30)),
    }
}

async fn samples_dedupe_ranges_latest_and_pruning(db: Database) {
    let s = seed(&db).await;
    let m = db
        .create_monitor(&new_monitor(&s, "service", &["local", "jakarta"], 30, t0()))
        .await
        .expect("m");
    let n = db
        .create_monitor(&new_monitor(&s, "backend_api", &["local"], 30, t0()))
        .await
        .expect("n");
    use SampleOutcome::*;
    let first = vec![
        sample(m.id, "local", t0(), Ok),
        sample(m.id, "local", t0() + secs(30), Failed),
        sample(m.id, "jakarta", t0() + secs(5), Ok),
        sample(m.id, "jakarta", t0() + secs(35), Inconclusive),
        sample(n.id, "local", t0() + secs(10), Ok),
    ];
    assert_eq!(db.record_samples(&first).await.expect("record"), 5);
    // Sent again with one new sample: only that one is new.
    let again = vec![
        sample(m.id, "local", t0() + secs(30), Failed),
        sample(m.id, "jakarta", t0() + secs(35), Inconclusive),
        sample(m.id, "local", t0() + secs(60), Failed),
    ];
    assert_eq!(db.record_samples(&again).await.expect("again"), 1);
    assert_eq!(db.record_samples(&[]).await.expect("none"), 0);
    // A location the monitor does not run at: refused, nothing of the batch written.
    let wrong = vec![
        sample(m.id, "local", t0() + secs(90), Ok),
        sample(n.id, "jakarta", t0() + secs(90), Ok),
    ];
    assert_eq!(code(db.record_samples(&wrong).await), "store.invalid");
    let empty_location = vec![sample(m.id, "", t0() + secs(90), Ok)];
    assert_eq!(
        code(db.record_samples(&empty_location).await),
        "store.invalid"
    );
    // A monitor deleted meanwhile: its samples are dropped, the others kept.
    let gone = vec![
        sample(m.id + n.id + 99, "local", t0() + secs(90), Ok),
        sample(n.id, "local", t0() + secs(40), Failed),
    ];
    assert_eq!(db.record_samples(&gone).await.expect("gone"), 1);

    // Range reads: [from, to), by instant, several monitors at once.
    let got = db
        .samples_between(&[m.id, n.id], t0() + secs(5), t0() + secs(60))
        .await
        .expect("between");
    let keys: Vec<(i64, &str, Timestamp)> = got
        .iter()
        .map(|x| (x.monitor_id, x.location.as_str(), x.at))
        .collect();
    assert_eq!(
        keys,
        [
            (m.id, "jakarta", t0() + secs(5)),
            (n.id, "local", t0() + secs(10)),
            (m.id, "local", t0() + secs(30)),
            (m.id, "jakarta", t0() + secs(35)),
            (n.id, "local", t0() + secs(40)),
        ]
    );
    assert_eq!(got[2], sample(m.id, "local", t0() + secs(30), Failed));
    assert_eq!(got[3].outcome, Inconclusive);
    assert_eq!(
        db.samples_between(&[n.id], t0(), t0() + minutes(5))
            .await
            .expect("n")
            .len(),
        2
    );
    assert!(
        db.samples_between(&[], t0(), t0() + minutes(5))
            .await
            .expect("none")
            .is_empty()
    );

    // The latest per monitor and location.
    let latest = db
        .latest_samples(&[m.id, n.id, m.id])
        .await
        .expect("latest");
    let keys: Vec<(i64, &str, Timestamp, SampleOutcome)> = latest
        .iter()
        .map(|x| (x.monitor_id, x.location.as_str(), x.at, x.outcome))
        .collect();
    let mut expected = vec![
        (m.id, "jakarta", t0() + secs(35), Inconclusive),
        (m.id, "local", t0() + secs(60), Failed),
        (n.id, "local", t0() + secs(40), Failed),
    ];
    expected.sort_by_key(|k| (k.0, k.1));
    assert_eq!(keys, expected);
    assert_eq!(latest[0].latency_ms, Some(42));
    assert!(db.latest_samples(&[]).await.expect("none").is_empty());

    // Many at once (several statements on SQLite), one transaction.
    let many: Vec<ProbeSample> = (0..300)
        .map(|i| sample(n.id, "local", t0() + minutes(10) + secs(30 * i), Ok))
        .collect();
    assert_eq!(db.record_samples(&many).await.expect("many"), 300);
    assert_eq!(db.record_samples(&many).await.expect("many again"), 0);
    let latest_n = db.latest_samples(&[n.id]).await.expect("latest");
    assert_eq!(latest_n.len(), 1);
    assert_eq!(latest_n[0].at, t0() + minutes(10) + secs(30 * 299));

    // Pruning: strictly before.
    assert_eq!(db.prune_samples(t0() + secs(30)).await.expect("prune"), 3);
    assert_eq!(db.prune_samples(t0() + secs(30)).await.expect("prune"), 0);
    let left = db
        .samples_between(&[m.id], t0(), t0() + minutes(5))
        .await
        .expect("left");
    assert_eq!(
        left.iter().map(|x| x.at).collect::<Vec<_>>(),
        [t0() + secs(30), t0() + secs(35), t0() + secs(60)]
    );
    // Deleting a monitor deletes its samples.
    db.delete_monitor(m.id).await.expect("delete");
    assert!(
        db.samples_between(&[m.id], t0(), t0() + minutes(5))
            .await
            .expect("gone")
            .is_empty()
    );
    assert!(db.latest_samples(&[m.id]).await.expect("gone").is_empty());
    assert_eq!(
        db.samples_between(&[n.id], t0(), t0() + minutes(600))
            .await
            .expect("n kept")
            .len(),
        301
    );
}

fn down(start: Timestamp, end: Timestamp) -> NewRun {
    NewRun {
        kind: RunKind::Down,
        start,
        end,
        cause: json!({"rule": "consecutive_failures", "failures": 2}),
    }
}

fn no_data(start: Timestamp, end: Timestamp) -> NewRun {
    NewRun {
        kind: RunKind::NoData,
        start,
        end,
        cause: serde_json::Value::Null,
    }
}

fn up() -> LiveState {
    LiveState {
        down_since: None,
        incident_ticket_id: None,
    }
}

fn spans(runs: &[AvailabilityRun]) -> Vec<(RunKind, Timestamp, Timestamp)> {
    runs.iter().map(|r| (r.kind, r.start, r.end)).collect()
}

async fn availability_advances_and_merges(db: Database) {
    let s = seed(&db).await;
    let (c, svc) = (s.contract_a.id, "service");
    let at = |m: i64| t0() + minutes(m);
    assert_eq!(db.availability_state(c, svc).await.expect("state"), None);
    let all = |db: Database| async move {
        db.runs_between(c, svc, at(-60), at(600))
            .await
            .expect("runs")
    };

    // The first evaluation.
    assert!(
        db.advance_availability(c, svc, None, at(10), &[down(at(2), at(4))], &up(), at(11))
            .await
            .expect("first")
    );
    let state = db
        .availability_state(c, svc)
        .await
        .expect("state")
        .expect("some");
    assert_eq!(state.evaluated_until, at(10));
    assert_eq!(state.down_since, None);
    assert_eq!(state.updated_at, at(11));
    // A second "first" evaluation, or a stale one, writes nothing.
    assert!(
        !db.advance_availability(c, svc, None, at(10), &[down(at(5), at(6))], &up(), at(12))
            .await
            .expect("second first")
    );
    assert!(
        !db.advance_availability(
            c,
            svc,
            Some(at(5)),
            at(20),
            &[down(at(6), at(7))],
            &up(),
            at(12)
        )
        .await
        .expect("stale")
    );
    assert_eq!(
        spans(&all(db.clone()).await),
        [(RunKind::Down, at(2), at(4))]
    );
    assert_eq!(
        db.availability_state(c, svc)
            .await
            .expect("state")
            .expect("some"),
        state
    );

    // Appended: a gap without data, then downtime running on at the end of the stretch.
    let live = LiveState {
        down_since: Some(at(15)),
        incident_ticket_id: None,
    };
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(10)),
            at(20),
            &[no_data(at(10), at(12)), down(at(15), at(20))],
            &live,
            at(21)
        )
        .await
        .expect("second")
    );
    let before_merge = all(db.clone()).await;
    assert_eq!(before_merge.len(), 3);
    let state = db
        .availability_state(c, svc)
        .await
        .expect("state")
        .expect("some");
    assert_eq!(state.evaluated_until, at(20));
    assert_eq!(state.down_since, Some(at(15)));
    // The downtime continues into the next stretch: its run is extended, not repeated; a
    // no-data run right after it is a run of its own.
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(20)),
            at(30),
            &[down(at(20), at(25)), no_data(at(25), at(26))],
            &up(),
            at(31)
        )
        .await
        .expect("third")
    );
    let runs = all(db.clone()).await;
    assert_eq!(
        spans(&runs),
        [
            (RunKind::Down, at(2), at(4)),
            (RunKind::NoData, at(10), at(12)),
            (RunKind::Down, at(15), at(25)),
            (RunKind::NoData, at(25), at(26)),
        ]
    );
    assert_eq!(runs[2].id, before_merge[2].id, "the same row, extended");
    assert_eq!(runs[2].cause["failures"], 2);
    assert_eq!(runs[1].cause, serde_json::Value::Null);
    assert!(
        runs.iter()
            .all(|r| r.contract_id == c && r.service_id == svc)
    );
    // Two runs of one kind in one stretch that touch: one row.
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(30)),
            at(40),
            &[no_data(at(30), at(32)), no_data(at(32), at(33))],
            &up(),
            at(41)
        )
        .await
        .expect("fourth")
    );
    let runs = all(db.clone()).await;
    assert_eq!(runs.len(), 5);
    assert_eq!(spans(&runs[4..]), [(RunKind::NoData, at(30), at(33))]);
    // An advance with nothing to append still moves the timeline and the live state.
    assert!(
        db.advance_availability(c, svc, Some(at(40)), at(41), &[], &up(), at(42))
            .await
            .expect("empty")
    );
    assert_eq!(
        db.availability_state(c, svc)
            .await
            .expect("state")
            .expect("some")
            .evaluated_until,
        at(41)
    );

    // Overlap with [from, to), by start.
    let window = db
        .runs_between(c, svc, at(11), at(16))
        .await
        .expect("window");
    assert_eq!(
        spans(&window),
        [
            (RunKind::NoData, at(10), at(12)),
            (RunKind::Down, at(15), at(25))
        ]
    );
    assert!(
        db.runs_between(c, svc, at(4), at(10))
            .await
            .expect("between runs")
            .is_empty(),
        "end and start are exclusive and inclusive"
    );
    assert!(
        db.runs_between(c, "backend_api", at(0), at(60))
            .await
            .expect("other service")
            .is_empty()
    );

    // Invalid runs: refused, nothing written.
    let refused: Vec<(&str, Option<Timestamp>, Timestamp, Vec<NewRun>)> = vec![
        (
            "empty run",
            Some(at(41)),
            at(50),
            vec![down(at(42), at(42))],
        ),
        ("reversed", Some(at(41)), at(50), vec![down(at(44), at(43))]),
        (
            "before expected",
            Some(at(41)),
            at(50),
            vec![down(at(40), at(42))],
        ),
        (
            "after until",
            Some(at(41)),
            at(50),
            vec![down(at(45), at(51))],
        ),
        (
            "overlapping",
            Some(at(41)),
            at(50),
            vec![down(at(42), at(45)), no_data(at(44), at(46))],
        ),
        (
            "out of order",
            Some(at(41)),
            at(50),
            vec![no_data(at(46), at(47)), down(at(42), at(43))],
        ),
        ("until before expected", Some(at(41)), at(40), vec![]),
    ];
    for (what, expected, until, runs) in refused {
        assert_eq!(
            code(
                db.advance_availability(c, svc, expected, until, &runs, &up(), at(51))
                    .await
            ),
            "store.invalid",
            "{what}"
        );
    }
    assert_eq!(all(db.clone()).await.len(), 5);
    assert_eq!(
        db.availability_state(c, svc)
            .await
            .expect("state")
            .expect("some")
            .evaluated_until,
        at(41)
    );

    // The provider's states.
    assert!(
        db.advance_availability(
            s.contract_b.id,
            "backend_api",
            None,
            at(5),
            &[],
            &up(),
            at(6)
        )
        .await
        .expect("b")
    );
    let states = db
        .availability_states_of_provider(s.provider.id)
        .await
        .expect("states");
    let keys: Vec<(i64, &str)> = states
        .iter()
        .map(|st| (st.contract_id, st.service_id.as_str()))
        .collect();
    assert_eq!(keys, [(c, "service"), (s.contract_b.id, "backend_api")]);
    assert!(
        db.availability_states_of_provider(s.customer_a.id)
            .await
            .expect("none")
            .is_empty()
    );
}

async fn concurrent_advances_one_wins(db: Database) {
    let s = seed(&db).await;
    let c = s.contract_a.id;
    let at = |m: i64| t0() + minutes(m);
    for round in 0..4_i64 {
        // The first evaluation of a service, and a later stretch of it.
        let service = format!("svc{round}");
        for expected in [None, Some(at(10))] {
            let until = expected.map_or(at(10), |e| e + minutes(10));
            let run_start = expected.unwrap_or(at(0)) + minutes(1);
            let mut tasks = Vec::new();
            for i in 0..6 {
                let db = db.clone();
                let service = service.clone();
                tasks.push(tokio::spawn(async move {
                    let run = down(run_start, run_start + minutes(1 + i));
                    db.advance_availability(c, &service, expected, until, &[run], &up(), until)
                        .await
                        .expect("advance")
                }));
            }
            let mut wins = 0;
            for task in tasks {
                if task.await.expect("task") {
                    wins += 1;
                }
            }
            assert_eq!(
                wins, 1,
                "round {round}, from {expected:?}: exactly one writes"
            );
            let runs = db
                .runs_between(c, &service, at(0), until)
                .await
                .expect("runs");
            let from = expected.unwrap_or(at(0));
            assert_eq!(
                runs.iter().filter(|r| r.start >= from).count(),
                1,
                "round {round}: one stretch's runs"
            );
            assert_eq!(
                db.availability_state(c, &service)
                    .await
                    .expect("state")
                    .expect("some")
                    .evaluated_until,
                until
            );
        }
    }
}

async fn incident_ticket_set_once_and_linked(db: Database) {
    let s = seed(&db).await;
    let (c, svc) = (s.contract_a.id, "service");
    let at = |m: i64| t0() + minutes(m);
    let t1 = create(&db, &s.contract_a, "P1").await.id;
    let t2 = create(&db, &s.contract_a, "P1").await.id;
    let t3 = create(&db, &s.contract_a, "P1").await.id;
    let down_since = |m: i64, ticket: Option<i64>| LiveState {
        down_since: Some(at(m)),
        incident_ticket_id: ticket,
    };
    let tickets = |db: Database| async move {
        db.runs_between(c, svc, at(0), at(600))
            .await
            .expect("runs")
            .into_iter()
            .map(|r| (r.start, r.end, r.ticket_id))
            .collect::<Vec<_>>()
    };
    // Never evaluated: nothing to set.
    assert!(!db.set_incident_ticket(c, svc, t1).await.expect("no state"));
    assert!(
        db.advance_availability(c, svc, None, at(10), &[down(at(2), at(4))], &up(), at(10))
            .await
            .expect("advance")
    );
    // Down live since +12 min; the final timeline has not reached it yet.
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(10)),
            at(12),
            &[],
            &down_since(12, None),
            at(13)
        )
        .await
        .expect("advance")
    );
    assert!(db.set_incident_ticket(c, svc, t1).await.expect("set"));
    assert!(
        !db.set_incident_ticket(c, svc, t2).await.expect("set again"),
        "only once"
    );
    let state = db
        .availability_state(c, svc)
        .await
        .expect("state")
        .expect("some");
    assert_eq!(state.incident_ticket_id, Some(t1));
    assert_eq!(state.down_since, Some(at(12)));
    // The earlier downtime's run is not this incident's.
    assert_eq!(tickets(db.clone()).await, [(at(2), at(4), None)]);
    // The downtime's run, appended later, is linked; extended on recovery, it keeps it.
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(12)),
            at(20),
            &[down(at(12), at(20))],
            &down_since(12, Some(t1)),
            at(21)
        )
        .await
        .expect("advance")
    );
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(20)),
            at(30),
            &[down(at(20), at(25))],
            &up(),
            at(31)
        )
        .await
        .expect("recovered")
    );
    assert_eq!(
        tickets(db.clone()).await,
        [(at(2), at(4), None), (at(12), at(25), Some(t1))]
    );
    assert_eq!(
        db.availability_state(c, svc)
            .await
            .expect("state")
            .expect("some")
            .incident_ticket_id,
        None
    );
    // A downtime whose run exists when its ticket is opened: that run is linked.
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(30)),
            at(40),
            &[down(at(35), at(40))],
            &down_since(35, None),
            at(41)
        )
        .await
        .expect("advance")
    );
    assert!(db.set_incident_ticket(c, svc, t2).await.expect("set"));
    // The first final run of a downtime arrives with its recovery: it takes the ticket the
    // downtime had.
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(40)),
            at(52),
            &[down(at(40), at(45))],
            &down_since(52, None),
            at(53)
        )
        .await
        .expect("advance")
    );
    assert!(
        db.set_incident_ticket(c, svc, t3).await.expect("set"),
        "the state's ticket was cleared by the advance"
    );
    assert!(
        db.advance_availability(
            c,
            svc,
            Some(at(52)),
            at(60),
            &[down(at(52), at(55))],
            &up(),
            at(61)
        )
        .await
        .expect("recovered")
    );
    assert_eq!(
        tickets(db.clone()).await,
        [
            (at(2), at(4), None),
            (at(12), at(25), Some(t1)),
            (at(35), at(45), Some(t2)),
            (at(52), at(55), Some(t3)),
        ]
    );
}

async fn notices_without_a_ticket(db: Database) {
    let s = seed(&db).await;
    let notice = |channel: NotifyChannel, recipient: &str, key: &str| NewNotice {
        channel,
        recipient: recipient.to_string(),
        user_id: (channel != NotifyChannel::Webhook).then_some(s.user_a.id),
        dedupe_key: key.to_string(),
        payload: json!({ "type": "maintenance_announced", "lang": "id" }),
    };
    let first = [
        notice(NotifyChannel::InApp, &s.user_a.id.to_string(), "in_app"),
        notice(NotifyChannel::Email, &s.user_a.email, "email"),
    ];
    let window = NewMaintenance {
        contract_id: s.contract_a.id,
        service_id: None,
        start: t0() + minutes(60 * 50),
        end: t0() + minutes(60 * 52),
        announced_at: t0(),
        note: "Upgrade".into(),
        created_by: Some(s.agent.id),
    };
    let w = db
        .create_maintenance(&window, &first)
        .await
        .expect("create with notices");
    // The in-app row is delivered at once; the e-mail waits for the dispatcher.
    let inbox = db.inbox(s.user_a.id, true, 10).await.expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].ticket_id, None);
    assert_eq!(inbox[0].event_seq, None);
    assert_eq!(inbox[0].dedupe_key, format!("maintenance:{}:in_app", w.id));
    assert_eq!(inbox[0].created_at, t0());
    let claimed = db
        .claim_notifications(t0(), t0() + minutes(1), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].channel, NotifyChannel::Email);
    assert_eq!(claimed[0].recipient, s.user_a.email);
    assert_eq!(claimed[0].dedupe_key, format!("maintenance:{}:email", w.id));
    assert_eq!(claimed[0].payload["type"], "maintenance_announced");

    // The same keys again are skipped; a new key is written.
    let again = [
        notice(NotifyChannel::Webhook, "4", "outage:1:detected:webhook:4"),
        notice(NotifyChannel::Webhook, "4", "outage:1:detected:webhook:4"),
    ];
    assert_eq!(
        db.enqueue_notices(t0(), &again).await.expect("enqueue"),
        1,
        "one key, one row"
    );
    assert_eq!(db.enqueue_notices(t0(), &again).await.expect("again"), 0);
    assert_eq!(db.enqueue_notices(t0(), &[]).await.expect("none"), 0);
    let counts = db.outbox_counts().await.expect("counts");
    assert_eq!((counts.pending, counts.delivered), (2, 1));

    // A notice the store refuses leaves nothing behind.
    let mut bad = notice(NotifyChannel::Email, "x@example.id", "");
    assert_eq!(
        code(db.enqueue_notices(t0(), &[bad.clone()]).await),
        "store.invalid"
    );
    bad.dedupe_key = "k".into();
    bad.payload = json!("text");
    let good = notice(NotifyChannel::Email, "y@example.id", "k2");
    assert_eq!(
        code(db.enqueue_notices(t0(), &[good, bad]).await),
        "store.invalid"
    );
    assert_eq!(
        db.outbox_counts().await.expect("counts").pending,
        2,
        "the refused batch wrote nothing"
    );
    // A cancellation's notices commit with it.
    db.cancel_maintenance(
        w.id,
        t0() + minutes(5),
        &[notice(
            NotifyChannel::Email,
            &s.user_a.email,
            "cancelled:email",
        )],
    )
    .await
    .expect("cancel");
    assert_eq!(db.outbox_counts().await.expect("counts").pending, 3);
}

async fn maintenance_windows(db: Database) {
    let s = seed(&db).await;
    let at = |h: i64| t0() + minutes(60 * h);
    let new = |start: i64, end: i64, service: Option<&str>| NewMaintenance {
        contract_id: s.contract_a.id,
        service_id: service.map(str::to_string),
        start: at(start),
        end: at(end),
        announced_at: at(-48),
        note: "Database upgrade".into(),
        created_by: Some(s.agent.id),
    };
    let w1 = db
        .create_maintenance(&new(10, 12, None), &[])
        .await
        .expect("create");
    assert_eq!(w1.contract_id, s.contract_a.id);
    assert_eq!(w1.service_id, None);
    assert_eq!(
        (w1.start, w1.end, w1.announced_at),
        (at(10), at(12), at(-48))
    );
    assert_eq!(w1.created_by, Some(s.agent.id));
    assert_eq!(w1.cancelled_at, None);
    let w2 = db
        .create_maintenance(&new(20, 21, Some("backend_api")), &[])
        .await
        .expect("create");
    assert_eq!(w2.service_id.as_deref(), Some("backend_api"));
    assert_eq!(
        code(db.create_maintenance(&new(5, 5, None), &[]).await),
        "store.invalid"
    );
    assert_eq!(
        code(db.create_maintenance(&new(6, 5, None), &[]).await),
        "store.invalid"
    );
    assert_eq!(
        code(db.create_maintenance(&new(5, 6, Some("")), &[]).await),
        "store.invalid"
    );
    let mut missing = new(5, 6, None);
    missing.contract_id = s.contract_b.id + 99;
    assert_eq!(
        code(db.create_maintenance(&missing, &[]).await),
        "store.invalid"
    );

    let cancelled = db
        .cancel_maintenance(w2.id, at(1), &[])
        .await
        .expect("cancel");
    assert_eq!(cancelled.cancelled_at, Some(at(1)));
    let again = db
        .cancel_maintenance(w2.id, at(2), &[])
        .await
        .expect("cancel again");
    assert_eq!(again.cancelled_at, Some(at(1)), "the first instant is kept");
    assert_eq!(db.get_maintenance(w2.id).await.expect("get"), again);
    assert_eq!(
        code(db.get_maintenance(w2.id + 99).await),
        "store.not_found"
    );
    assert_eq!(
        code(db.cancel_maintenance(w2.id + 99, at(1), &[]).await),
        "store.not_found"
    );

    let ids = |list: Vec<Maintenance>| list.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        ids(db
            .maintenance_between(s.contract_a.id, at(0), at(24))
            .await
            .expect("between")),
        [w1.id, w2.id],
        "cancelled ones included, by start"
    );
    assert_eq!(
        ids(db
            .maintenance_between(s.contract_a.id, at(12), at(20))
            .await
            .expect("between")),
        Vec::<i64>::new(),
        "[start, end) against [from, to)"
    );
    assert_eq!(
        ids(db
            .maintenance_between(s.contract_a.id, at(11), at(20) + minutes(1))
            .await
            .expect("between")),
        [w1.id, w2.id]
    );
    assert!(
        db.maintenance_between(s.contract_b.id, at(0), at(24))
            .await
            .expect("other contract")
            .is_empty()
    );
}

async fn exclusion_state_machine(db: Database) {
    let s = seed(&db).await;
    let at = |m: i64| t0() + minutes(m);
    let new = |start: i64, end: i64, reason: &str, note: &str| NewExclusion {
        contract_id: s.contract_a.id,
        service_id: Some("service".into()),
        start: at(start),
        end: at(end),
        reason: reason.into(),
        note: note.into(),
        created_by: Some(s.agent.id),
        created_at: at(100),
    };
    let e = db
        .create_exclusion(&new(
            10,
            20,
            "force_majeure",
            "Regional power outage (PLN notice 12)",
        ))
        .await
        .expect("create");
    assert_eq!(e.state, ExclusionState::Recorded);
    assert!(e.excludes());
    assert_eq!(e.reason, "force_majeure");
    assert_eq!(
        (e.dispute_note.clone(), e.disputed_by, e.resolved_at),
        (None, None, None)
    );
    for (what, bad) in [
        ("no reason", new(10, 20, " ", "x")),
        ("no note", new(10, 20, "attack", "")),
        ("empty span", new(10, 10, "attack", "x")),
    ] {
        assert_eq!(
            code(db.create_exclusion(&bad).await),
            "store.invalid",
            "{what}"
        );
    }

    // Resolving before a dispute is a wrong transition.
    assert_eq!(
        code(
            db.resolve_exclusion(e.id, ExclusionState::Upheld, "x", at(101))
                .await
        ),
        "store.conflict"
    );
    let disputed = db
        .dispute_exclusion(e.id, s.user_a.id, "Our site had power all day", at(102))
        .await
        .expect("dispute");
    assert_eq!(disputed.state, ExclusionState::Disputed);
    assert!(disputed.excludes(), "still counts until resolved");
    assert_eq!(
        disputed.dispute_note.as_deref(),
        Some("Our site had power all day")
    );
    assert_eq!(disputed.disputed_by, Some(s.user_a.id));
    assert_eq!(disputed.disputed_at, Some(at(102)));
    assert_eq!(
        code(
            db.dispute_exclusion(e.id, s.user_a.id, "again", at(103))
                .await
        ),
        "store.conflict"
    );
    for wrong in [ExclusionState::Recorded, ExclusionState::Disputed] {
        assert_eq!(
            code(db.resolve_exclusion(e.id, wrong, "x", at(104)).await),
            "store.invalid"
        );
    }
    let upheld = db
        .resolve_exclusion(e.id, ExclusionState::Upheld, "PLN notice attached", at(105))
        .await
        .expect("uphold");
    assert_eq!(upheld.state, ExclusionState::Upheld);
    assert!(upheld.excludes());
    assert_eq!(
        upheld.resolution_note.as_deref(),
        Some("PLN notice attached")
    );
    assert_eq!(upheld.resolved_at, Some(at(105)));
    assert_eq!(
        code(
            db.resolve_exclusion(e.id, ExclusionState::Withdrawn, "x", at(106))
                .await
        ),
        "store.conflict"
    );
    assert_eq!(
        code(db.dispute_exclusion(e.id, s.user_a.id, "x", at(106)).await),
        "store.conflict"
    );
    assert_eq!(db.get_exclusion(e.id).await.expect("get"), upheld);

    // Withdrawn: no longer excluded.
    let f = db
        .create_exclusion(&new(30, 40, "third_party", "CDN outage"))
        .await
        .expect("create");
    db.dispute_exclusion(f.id, s.user_a.id, "Not our CDN", at(110))
        .await
        .expect("dispute");
    let withdrawn = db
        .resolve_exclusion(f.id, ExclusionState::Withdrawn, "Agreed", at(111))
        .await
        .expect("withdraw");
    assert_eq!(withdrawn.state, ExclusionState::Withdrawn);
    assert!(!withdrawn.excludes());

    // Missing ones.
    assert_eq!(code(db.get_exclusion(f.id + 99).await), "store.not_found");
    assert_eq!(
        code(
            db.dispute_exclusion(f.id + 99, s.user_a.id, "x", at(1))
                .await
        ),
        "store.not_found"
    );
    assert_eq!(
        code(
            db.resolve_exclusion(f.id + 99, ExclusionState::Upheld, "x", at(1))
                .await
        ),
        "store.not_found"
    );

    let ids = |list: Vec<ExclusionRecord>| list.into_iter().map(|x| x.id).collect::<Vec<_>>();
    assert_eq!(
        ids(db
            .exclusions_between(s.contract_a.id, at(0), at(60))
            .await
            .expect("between")),
        [e.id, f.id]
    );
    assert_eq!(
        ids(db
            .exclusions_between(s.contract_a.id, at(20), at(30))
            .await
            .expect("between")),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(db
            .exclusions_between(s.contract_a.id, at(35), at(36))
            .await
            .expect("between")),
        [f.id]
    );
    assert!(
        db.exclusions_between(s.contract_b.id, at(0), at(60))
            .await
            .expect("other")
            .is_empty()
    );
}

async fn credit_claims(db: Database) {
    let s = seed(&db).await;
    let at = |m: i64| t0() + minutes(m);
    let new = |service: &str, month: &str, m: i64| NewCreditClaim {
        contract_id: s.contract_a.id,
        service_id: service.into(),
        month: month.into(),
        claimed_by: Some(s.user_a.id),
        claimed_at: at(m),
        note: "Three outages in March".into(),
        figures: json!({"availability": "99.49", "downtime_minutes": 220}),
        amount_minor: 25_000_000,
        currency: "IDR".into(),
    };
    let first = db
        .create_claim(&new("service", "2026-03", 1))
        .await
        .expect("claim");
    assert_eq!(first.state, ClaimState::Pending);
    assert_eq!(first.month, "2026-03");
    assert_eq!(first.figures["downtime_minutes"], 220);
    assert_eq!(first.amount_minor, 25_000_000);
    assert_eq!(first.claimed_by, Some(s.user_a.id));
    assert_eq!(
        (first.decided_at, first.credit_period.clone()),
        (None, None)
    );
    assert_eq!(
        code(db.create_claim(&new("service", "2026-03", 2)).await),
        "store.conflict",
        "one live claim per month"
    );
    let other_service = db
        .create_claim(&new("backend_api", "2026-03", 3))
        .await
        .expect("another service");
    for (what, bad) in [
        ("bad month", new("service", "2026-3", 4)),
        ("month 13", new("service", "2026-13", 4)),
        ("no service", new("", "2026-04", 4)),
        ("negative", {
            let mut n = new("service", "2026-04", 4);
            n.amount_minor = -1;
            n
        }),
    ] {
        assert_eq!(code(db.create_claim(&bad).await), "store.invalid", "{what}");
    }

    // Scope: the contract's customer, or staff.
    assert_eq!(db.get_claim(first.id, None).await.expect("staff"), first);
    assert_eq!(
        db.get_claim(first.id, Some(s.customer_a.id))
            .await
            .expect("customer"),
        first
    );
    assert_eq!(
        code(db.get_claim(first.id, Some(s.customer_b.id)).await),
        "store.not_found"
    );
    assert_eq!(
        code(db.get_claim(first.id + 99, None).await),
        "store.not_found"
    );

    // Decision rules.
    let decide = |state, note: &'static str, period: Option<&'static str>, id: i64| {
        let db = db.clone();
        let by = s.agent.id;
        async move { db.decide_claim(id, state, by, note, period, at(50)).await }
    };
    assert_eq!(
        code(decide(ClaimState::Pending, "x", None, first.id).await),
        "store.invalid"
    );
    assert_eq!(
        code(decide(ClaimState::Approved, "ok", None, first.id).await),
        "store.invalid",
        "approved needs a credit period"
    );
    assert_eq!(
        code(decide(ClaimState::Approved, "ok", Some("May"), first.id).await),
        "store.invalid"
    );
    assert_eq!(
        code(decide(ClaimState::Rejected, " ", None, first.id).await),
        "store.invalid",
        "rejected needs a reason"
    );
    assert_eq!(
        code(decide(ClaimState::Rejected, "no", Some("2026-05"), first.id).await),
        "store.invalid"
    );
    assert_eq!(
        code(decide(ClaimState::Rejected, "no", None, first.id + 99).await),
        "store.not_found"
    );
    let rejected = decide(
        ClaimState::Rejected,
        "The outages were announced maintenance",
        None,
        first.id,
    )
    .await
    .expect("reject");
    assert_eq!(rejected.state, ClaimState::Rejected);
    assert_eq!(rejected.decided_by, Some(s.agent.id));
    assert_eq!(rejected.decided_at, Some(at(50)));
    assert_eq!(
        rejected.decision_note.as_deref(),
        Some("The outages were announced maintenance")
    );
    assert_eq!(
        code(decide(ClaimState::Approved, "", Some("2026-05"), first.id).await),
        "store.conflict",
        "decided once"
    );

    // A rejected claim frees the month.
    let second = db
        .create_claim(&new("service", "2026-03", 60))
        .await
        .expect("claim again");
    assert_eq!(
        code(db.create_claim(&new("service", "2026-03", 61)).await),
        "store.conflict"
    );
    let approved = decide(ClaimState::Approved, "", Some("2026-05"), second.id)
        .await
        .expect("approve");
    assert_eq!(approved.state, ClaimState::Approved);
    assert_eq!(approved.credit_period.as_deref(), Some("2026-05"));
    assert_eq!(approved.decision_note, None);
    assert_eq!(
        code(decide(ClaimState::Rejected, "no", None, second.id).await),
        "store.conflict"
    );
    assert_eq!(
        code(db.create_claim(&new("service", "2026-03", 62)).await),
        "store.conflict",
        "an approved claim keeps the month"
    );

    let ids: Vec<i64> = db
        .claims_of_contract(s.contract_a.id)
        .await
        .expect("list")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, [second.id, other_service.id, first.id], "newest first");
    assert!(
        db.claims_of_contract(s.contract_b.id)
            .await
            .expect("none")
            .is_empty()
    );
}

async fn probe_agents(db: Database) {
    let s = seed(&db).await;
    let other_provider = org(&db, OrgKind::Provider, "lain").await;
    let at = |m: i64| t0() + minutes(m);
    let jakarta = db
        .create_probe_agent(s.provider.id, "jakarta", &token_hash("agent-1"), at(0))
        .await
        .expect("create");
    assert_eq!(jakarta.location, "jakarta");
    assert_eq!(jakarta.token_hash, token_hash("agent-1"));
    assert_eq!((jakarta.last_seen_at, jakarta.revoked_at), (None, None));
    assert_eq!(
        code(
            db.create_probe_agent(s.provider.id, "jakarta", &token_hash("agent-2"), at(1))
                .await
        ),
        "store.conflict",
        "one live agent per location"
    );
    assert_eq!(
        code(
            db.create_probe_agent(s.provider.id, "surabaya", &token_hash("agent-1"), at(1))
                .await
        ),
        "store.conflict",
        "a token is used once"
    );
    let surabaya = db
        .create_probe_agent(s.provider.id, "surabaya", &token_hash("agent-3"), at(2))
        .await
        .expect("another location");
    db.create_probe_agent(other_provider.id, "jakarta", &token_hash("agent-4"), at(2))
        .await
        .expect("another provider");
    for (what, provider, location) in [
        ("local", s.provider.id, LOCAL_LOCATION),
        ("empty", s.provider.id, " "),
        ("a customer", s.customer_a.id, "bandung"),
    ] {
        assert_eq!(
            code(
                db.create_probe_agent(provider, location, &token_hash(what), at(3))
                    .await
            ),
            "store.invalid",
            "{what}"
        );
    }

    assert_eq!(
        db.probe_agent_by_token_hash(&token_hash("agent-1"))
            .await
            .expect("by hash"),
        Some(jakarta.clone())
    );
    assert_eq!(
        db.probe_agent_by_token_hash(&token_hash("nobody"))
            .await
            .expect("by hash"),
        None
    );
    db.touch_probe_agent(jakarta.id, at(10))
        .await
        .expect("touch");
    db.touch_probe_agent(jakarta.id, at(5))
        .await
        .expect("late report");
    assert_eq!(
        db.probe_agent_by_token_hash(&token_hash("agent-1"))
            .await
            .expect("by hash")
            .expect("some")
            .last_seen_at,
        Some(at(10)),
        "never moves back"
    );
    assert_eq!(
        code(db.touch_probe_agent(jakarta.id + 99, at(10)).await),
        "store.not_found"
    );

    let revoked = db
        .revoke_probe_agent(jakarta.id, at(20))
        .await
        .expect("revoke");
    assert_eq!(revoked.revoked_at, Some(at(20)));
    assert_eq!(
        db.revoke_probe_agent(jakarta.id, at(21))
            .await
            .expect("again")
            .revoked_at,
        Some(at(20))
    );
    assert_eq!(
        db.probe_agent_by_token_hash(&token_hash("agent-1"))
            .await
            .expect("by hash"),
        None,
        "a revoked agent is not authenticated"
    );
    assert_eq!(
        code(db.revoke_probe_agent(jakarta.id + 99, at(21)).await),
        "store.not_found"
    );
    // Its location is free again.
    let replacement = db
        .create_probe_agent(s.provider.id, "jakarta", &token_hash("agent-5"), at(22))
        .await
        .expect("replacement");
    let ids: Vec<i64> = db
        .probe_agents_of_provider(s.provider.id)
        .await
        .expect("list")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, [jakarta.id, surabaya.id, replacement.id]);
}
