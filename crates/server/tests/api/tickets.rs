//! Tickets over real HTTP with a manual clock: full life cycles with the SLA fields the API
//! returns, the queue, policy changes, bad input, idempotency, credentials and the
//! tenant-isolation matrix.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tenggat_server::{Clock, RateLimitConfig, Running, ServerConfig};
use tenggat_store::testing::unique_suffix;
use tenggat_store::{Database, Store, TicketFilter};

use super::{PASSWORD, PUBLIC_URL, assert_problem, client, run_postgres, run_sqlite, setup_path};

/// A clock the test moves by hand.
struct ManualClock(Mutex<Timestamp>);

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}

impl ManualClock {
    fn set(&self, wib: &str) {
        *self.0.lock().expect("clock lock") = at(wib);
    }
}

/// An instant written in WIB, `2026-03-16T09:00`.
fn at(wib: &str) -> Timestamp {
    format!("{wib}:00+07:00").parse().expect("instant")
}

/// A PNG's first bytes: enough for content sniffing.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn png_base64() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(PNG)
}

/// A running desk: the server, its admin's token and the clock.
struct Desk {
    server: Running,
    base: String,
    admin: String,
    clock: Arc<ManualClock>,
}

/// Someone with a token.
#[derive(Clone)]
struct Who {
    token: String,
    id: i64,
}

/// A customer organisation with a contract and two users.
struct Customer {
    org: i64,
    contract: i64,
    admin: Who,
    user: Who,
}

impl Desk {
    async fn boot(db: &Database, limits: RateLimitConfig) -> Desk {
        let clock = Arc::new(ManualClock(Mutex::new(at("2026-03-16T09:00"))));
        let mut config = ServerConfig::new(
            "127.0.0.1:0",
            &format!("{PUBLIC_URL}/"),
            std::env::temp_dir().join(format!("tenggat-tickets-{}", unique_suffix())),
        );
        config.rate_limits = limits;
        // The scheduler would write warnings and breaches as this test moves its clock; its
        // own tests (tests/scheduler.rs) drive it. The event lists here stay exact.
        config.run_scheduler = false;
        let server = tenggat_server::start_with_clock(db.clone(), config, clock.clone())
            .await
            .expect("start");
        let base = format!("http://{}", server.addr);
        let path = setup_path(server.first_run_line.as_deref().expect("first run"));
        set_password(&base, &path).await;
        let admin = token_for(&base, "admin@localhost").await;
        Desk {
            server,
            base,
            admin,
            clock,
        }
    }

    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = client()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("HTTP request")
    }

    /// A call that must succeed with `status`; returns the JSON body.
    async fn ok(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let response = self.call(token, method.clone(), path, body).await;
        let got = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(got, status, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A user of `org` with `role`; sets the password through the setup link and returns a
    /// token.
    async fn user(&self, org: i64, email: &str, role: &str) -> Who {
        let made = self
            .ok(
                &self.admin,
                Method::POST,
                "/api/v1/users",
                Some(json!({"organisation_id": org, "email": email, "name": email, "role": role})),
                StatusCode::CREATED,
            )
            .await;
        let link = made["setup_link"].as_str().expect("setup link");
        let path = link
            .strip_prefix(PUBLIC_URL)
            .expect("link under the public URL");
        set_password(&self.base, path).await;
        Who {
            token: token_for(&self.base, email).await,
            id: made["user"]["id"].as_i64().expect("id"),
        }
    }

    async fn customer(&self, slug: &str, preset: &str) -> Customer {
        let org = self
            .ok(
                &self.admin,
                Method::POST,
                "/api/v1/organisations",
                Some(json!({"name": format!("PT {slug}"), "slug": slug})),
                StatusCode::CREATED,
            )
            .await["id"]
            .as_i64()
            .expect("org id");
        let admin = self
            .user(org, &format!("admin@{slug}.example"), "customer_admin")
            .await;
        let user = self
            .user(org, &format!("user@{slug}.example"), "customer_user")
            .await;
        let contract = self
            .ok(
                &self.admin,
                Method::POST,
                "/api/v1/contracts",
                Some(json!({
                    "customer_org_id": org,
                    "policy": {"preset": preset},
                    "monthly_fee_minor": 1_500_000_000,
                    "currency": "IDR",
                    "term_start": "2026-01-01",
                    "term_end": "2026-12-31",
                    "designated_contacts": [admin.id, user.id],
                })),
                StatusCode::CREATED,
            )
            .await["id"]
            .as_i64()
            .expect("contract id");
        Customer {
            org,
            contract,
            admin,
            user,
        }
    }
}

async fn set_password(base: &str, path: &str) {
    let response = client()
        .post(format!("{base}{path}"))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::OK);
}

async fn token_for(base: &str, email: &str) -> String {
    let response = client()
        .post(format!("{base}/api/v1/tokens"))
        .basic_auth(email, Some(PASSWORD))
        .json(&json!({"name": "tests"}))
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.expect("JSON");
    body["token"].as_str().expect("token").to_owned()
}

fn no_limits() -> RateLimitConfig {
    RateLimitConfig {
        per_credential_per_second: 0,
        per_credential_burst: 0,
        per_ip_per_second: 0,
        per_ip_burst: 0,
    }
}

/// The metric `name` of a ticket's `sla`.
fn metric<'a>(ticket: &'a Value, name: &str) -> &'a Value {
    ticket["sla"]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no metric {name} in {}", ticket["sla"]))
}

/// A metric's instant field as a timestamp.
fn instant(m: &Value, field: &str) -> Timestamp {
    m[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {m}"))
        .parse()
        .expect("RFC 3339")
}

fn innovasia_report(contract: i64, priority: &str) -> Value {
    json!({
        "contract_id": contract,
        "priority": priority,
        "channel": "portal",
        "title": "Login gagal untuk semua pengguna",
        "description": "Semua mitra mendapat HTTP 500 saat login.",
        "observed_at": "2026-03-16T08:50:00+07:00",
        "observed_tz": "Asia/Jakarta",
        "fields": {
            "reporter_name": "Sari Wulandari",
            "reporter_email": "sari@mitra.example",
            "reporter_phone": "+62 812 555 0101",
            "description": "Expected the dashboard, got HTTP 500",
            "steps_to_reproduce": "1. Open /login 2. Sign in",
            "error_messages": "HTTP 500 Internal Server Error",
            "environment": "Chrome 140 on Windows 11",
            "first_observed": "2026-03-16T08:50:00+07:00[Asia/Jakarta]",
            "frequency": "always",
            "business_impact": "No partner can transact",
        },
        "attachments": [
            {"field": "visual_evidence", "file_name": "login.png", "content_type": "image/png", "content_base64": png_base64()}
        ],
    })
}

// ------------------------------------------------------------------------ scenarios

macro_rules! ticket_scenarios {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::run_postgres(super::$name).await;
                }
            )*
        }
    };
}

ticket_scenarios!(
    innovasia_p1_life_cycle,
    benemica_critical_incident,
    queue_filters_and_cursor,
    policy_change_recomputes_open_tickets,
    bad_input_is_refused_and_nothing_is_written,
    idempotency_key_makes_retries_safe,
    sessions_and_token_scopes,
    tenant_isolation_matrix,
    rate_limit_answers_429,
    built_in_data_change_recomputes_open_tickets,
);

async fn innovasia_p1_life_cycle(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let c = desk.customer("innovasia-mitra", "innovasia").await;
    let provider = desk
        .ok(&desk.admin, Method::GET, "/api/v1/me", None, StatusCode::OK)
        .await["organisation"]["id"]
        .as_i64()
        .expect("provider id");
    let agent = desk.user(provider, "agent@provider.example", "agent").await;

    // 09:00 WIB Monday: the customer reports a P1 with every mandatory field and a screenshot.
    let created = desk
        .ok(
            &c.user.token,
            Method::POST,
            "/api/v1/tickets",
            Some(innovasia_report(c.contract, "P1")),
            StatusCode::CREATED,
        )
        .await;
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["number"], "T-1");
    assert_eq!(created["status"], "new");
    assert_eq!(created["reporter_id"], c.user.id);
    assert_eq!(created["attachments"][0]["field"], "visual_evidence");
    assert_eq!(created["attachments"][0]["content_type"], "image/png");
    let response = metric(&created, "response");
    assert_eq!(response["state"], "running");
    assert_eq!(
        instant(response, "due"),
        at("2026-03-16T10:00"),
        "1 hour, 24x7"
    );
    let resolution = metric(&created, "resolution");
    assert_eq!(
        instant(resolution, "due"),
        at("2026-03-16T17:00"),
        "8 hours, 24x7"
    );
    assert_eq!(instant(&created, "next_due"), at("2026-03-16T10:00"));

    // 09:30 the agent acknowledges: the response clock is met.
    desk.clock.set("2026-03-16T09:30");
    let path = format!("/api/v1/tickets/{id}");
    let t = desk
        .ok(
            &agent.token,
            Method::POST,
            &format!("{path}/acknowledge"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(t["status"], "acknowledged");
    let response = metric(&t, "response");
    assert_eq!(response["state"], "met");
    assert_eq!(instant(response, "met_at"), at("2026-03-16T09:30"));
    // Acknowledging twice is a conflict, not a second event.
    let again = desk
        .call(
            &agent.token,
            Method::POST,
            &format!("{path}/acknowledge"),
            None,
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT, "ticket.invalid_transition").await;

    // 10:30 waiting on the customer: the resolution clock pauses.
    desk.clock.set("2026-03-16T10:30");
    let t = desk
        .ok(
            &agent.token,
            Method::POST,
            &format!("{path}/status"),
            Some(json!({"status": "waiting_on_customer", "comment": "Mohon kirim HAR file"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(metric(&t, "resolution")["state"], "paused");
    desk.ok(
        &agent.token,
        Method::POST,
        &format!("{path}/notes"),
        Some(json!({"body": "Suspect the auth pool"})),
        StatusCode::OK,
    )
    .await;

    // 12:30 the customer answers, which resumes the clocks: 1.5 h used, 6.5 h left → 19:00.
    desk.clock.set("2026-03-16T12:30");
    let t = desk
        .ok(
            &c.user.token,
            Method::POST,
            &format!("{path}/replies"),
            Some(json!({"body": "HAR terlampir"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(t["status"], "in_progress");
    let resolution = metric(&t, "resolution");
    assert_eq!(resolution["state"], "running");
    assert_eq!(instant(resolution, "due"), at("2026-03-16T19:00"));

    // GET folds the log at request time: at 13:00, 2 h of the 8 h are used.
    desk.clock.set("2026-03-16T13:00");
    let t = desk
        .ok(&c.user.token, Method::GET, &path, None, StatusCode::OK)
        .await;
    assert_eq!(
        metric(&t, "resolution")["elapsed_business_seconds"],
        2 * 3600
    );
    assert_eq!(instant(&t, "sla_at"), at("2026-03-16T13:00"));

    // A workaround meets the resolution target (the policy says so).
    let t = desk
        .ok(
            &agent.token,
            Method::POST,
            &format!("{path}/workaround"),
            Some(json!({"comment": "Pool restarted"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(metric(&t, "resolution")["state"], "met");
    assert!(t["next_due"].is_null(), "nothing pending: {t}");

    // Resolve, the customer reopens, resolve again, the customer closes.
    desk.clock.set("2026-03-16T14:00");
    let t = desk
        .ok(
            &agent.token,
            Method::POST,
            &format!("{path}/resolve"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (t["status"].as_str(), t["open"].as_bool()),
        (Some("resolved"), Some(false))
    );
    desk.clock.set("2026-03-16T15:00");
    let t = desk
        .ok(
            &c.user.token,
            Method::POST,
            &format!("{path}/reopen"),
            Some(json!({"comment": "Masih gagal di Firefox"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(t["status"], "in_progress");
    desk.clock.set("2026-03-16T16:00");
    desk.ok(
        &agent.token,
        Method::POST,
        &format!("{path}/resolve"),
        None,
        StatusCode::OK,
    )
    .await;
    let t = desk
        .ok(
            &c.user.token,
            Method::POST,
            &format!("{path}/close"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(t["status"], "closed");
    let closed = desk
        .call(&c.user.token, Method::POST, &format!("{path}/reopen"), None)
        .await;
    assert_problem(closed, StatusCode::CONFLICT, "ticket.invalid_transition").await;

    // The customer sees the public log; the agent also sees the internal note.
    let public = desk
        .ok(
            &c.user.token,
            Method::GET,
            &format!("{path}/events"),
            None,
            StatusCode::OK,
        )
        .await;
    let types: Vec<&str> = public
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "created",
            "acknowledged",
            "paused",
            "reply",
            "resumed",
            "workaround",
            "resolved",
            "reopened",
            "resolved",
            "closed"
        ]
    );
    let all = desk
        .ok(
            &agent.token,
            Method::GET,
            &format!("{path}/events"),
            None,
            StatusCode::OK,
        )
        .await;
    assert!(
        all.as_array()
            .expect("events")
            .iter()
            .any(|e| e["type"] == "note" && e["visibility"] == "internal")
    );

    // The attachment downloads with its type, as a download.
    let attachment = created["attachments"][0]["id"]
        .as_i64()
        .expect("attachment id");
    let response = desk
        .call(
            &c.user.token,
            Method::GET,
            &format!("/api/v1/attachments/{attachment}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[reqwest::header::CONTENT_TYPE],
        "image/png"
    );
    assert!(
        response.headers()[reqwest::header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ASCII")
            .starts_with("attachment")
    );
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), PNG);

    // The store's cache agrees with the log it claims to reflect.
    let stored = db.get_ticket(id, None).await.expect("ticket");
    assert_eq!(stored.sla_seq, stored.last_seq);
    drop(desk.server);
}

async fn benemica_critical_incident(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let c = desk.customer("benemica-klien", "benemica").await;
    let report = |with_evidence: bool| {
        let mut body = json!({
            "priority": "critical",
            "kind": "incident",
            "title": "Tidak bisa login ke Benemica Payroll",
            "fields": {"description": "Semua karyawan gagal login sejak 08:45"},
        });
        if with_evidence {
            body["attachments"] = json!([{"field": "evidence", "file_name": "layar.png", "content_base64": png_base64()}]);
        }
        body
    };
    // The customer has one contract, so it need not name it; the evidence is mandatory.
    let missing = desk
        .call(
            &c.admin.token,
            Method::POST,
            "/api/v1/tickets",
            Some(report(false)),
        )
        .await;
    let problem = assert_problem(
        missing,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket.missing_fields",
    )
    .await;
    assert_eq!(problem["missing"], json!(["evidence"]));
    let t = desk
        .ok(
            &c.admin.token,
            Method::POST,
            "/api/v1/tickets",
            Some(report(true)),
            StatusCode::CREATED,
        )
        .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);
    assert_eq!(t["contract_id"], c.contract);
    // Mon–Fri 09:00–18:00 WIB: workaround 5 business hours, resolution 2 business days.
    assert_eq!(
        instant(metric(&t, "workaround"), "due"),
        at("2026-03-16T14:00")
    );
    assert_eq!(
        instant(metric(&t, "resolution"), "due"),
        at("2026-03-17T18:00")
    );

    let provider = desk
        .ok(&desk.admin, Method::GET, "/api/v1/me", None, StatusCode::OK)
        .await["organisation"]["id"]
        .as_i64()
        .expect("provider");
    let agent = desk.user(provider, "agen@provider.example", "agent").await;
    desk.clock.set("2026-03-16T10:00");
    desk.ok(
        &agent.token,
        Method::POST,
        &format!("{path}/acknowledge"),
        None,
        StatusCode::OK,
    )
    .await;
    desk.ok(
        &agent.token,
        Method::POST,
        &format!("{path}/assign"),
        Some(json!({"assignee_id": agent.id, "team": "Payroll L2"})),
        StatusCode::OK,
    )
    .await;
    // 12:00–15:00 waiting on the customer: both clocks stop for three hours.
    desk.clock.set("2026-03-16T12:00");
    desk.ok(
        &agent.token,
        Method::POST,
        &format!("{path}/status"),
        Some(json!({"status": "waiting_on_customer"})),
        StatusCode::OK,
    )
    .await;
    desk.clock.set("2026-03-16T15:00");
    let t = desk
        .ok(
            &agent.token,
            Method::POST,
            &format!("{path}/status"),
            Some(json!({"status": "in_progress"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(t["assignee_id"], agent.id);
    assert_eq!(t["team"], "Payroll L2");
    assert_eq!(
        instant(metric(&t, "workaround"), "due"),
        at("2026-03-16T17:00")
    );
    assert_eq!(
        instant(metric(&t, "resolution"), "due"),
        at("2026-03-18T12:00")
    );
    // The agent works around at 16:00 (met) but resolves only on Wednesday 13:00 (breached
    // at 12:00).
    desk.clock.set("2026-03-16T16:00");
    let t = desk
        .ok(
            &agent.token,
            Method::POST,
            &format!("{path}/workaround"),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(metric(&t, "workaround")["state"], "met");
    desk.clock.set("2026-03-18T13:00");
    let listed = desk
        .ok(
            &agent.token,
            Method::GET,
            "/api/v1/tickets?breaching_within=0",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        listed["tickets"].as_array().expect("tickets").len(),
        1,
        "breached tickets lead the queue: {listed}"
    );
    assert_eq!(
        metric(&listed["tickets"][0], "resolution")["state"],
        "breached"
    );
    let t = desk
        .ok(
            &agent.token,
            Method::POST,
            &format!("{path}/resolve"),
            None,
            StatusCode::OK,
        )
        .await;
    let resolution = metric(&t, "resolution");
    assert_eq!(resolution["state"], "breached");
    assert_eq!(instant(resolution, "breached_at"), at("2026-03-18T12:00"));
    drop(desk.server);
}

async fn queue_filters_and_cursor(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let c = desk.customer("innovasia-q", "innovasia").await;
    // P1 (response due in 1 h), P2 (4 business hours), P3 (1 business day), created 10 min apart.
    let mut ids = Vec::new();
    for (i, priority) in ["P3", "P2", "P1", "P3", "P2"].iter().enumerate() {
        desk.clock.set(&format!("2026-03-16T09:{:02}", i * 10));
        let t = desk
            .ok(
                &c.user.token,
                Method::POST,
                "/api/v1/tickets",
                Some(innovasia_report(c.contract, priority)),
                StatusCode::CREATED,
            )
            .await;
        ids.push(t["id"].as_i64().expect("id"));
    }
    desk.clock.set("2026-03-16T09:45");
    let all = desk
        .ok(
            &desk.admin,
            Method::GET,
            "/api/v1/tickets",
            None,
            StatusCode::OK,
        )
        .await;
    let order: Vec<i64> = all["tickets"]
        .as_array()
        .expect("page")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    // P1 due 10:20; P2s due 13:10 and 13:40; P3s due next day 09:00 and 09:30.
    assert_eq!(order, [ids[2], ids[1], ids[4], ids[0], ids[3]]);
    let soon = desk
        .ok(
            &desk.admin,
            Method::GET,
            "/api/v1/tickets?breaching_within=60",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(soon["tickets"].as_array().expect("page").len(), 1);
    let p2 = desk
        .ok(
            &desk.admin,
            Method::GET,
            "/api/v1/tickets?priority=P2",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(p2["tickets"].as_array().expect("page").len(), 2);
    // Cursor pagination walks the same order, two at a time.
    let mut seen = Vec::new();
    let mut url = "/api/v1/tickets?limit=2".to_owned();
    loop {
        let page = desk
            .ok(&desk.admin, Method::GET, &url, None, StatusCode::OK)
            .await;
        seen.extend(
            page["tickets"]
                .as_array()
                .expect("page")
                .iter()
                .map(|t| t["id"].as_i64().expect("id")),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/tickets?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, order);
    // Resolved tickets leave the open queue and appear under state=closed.
    desk.ok(
        &desk.admin,
        Method::POST,
        &format!("/api/v1/tickets/{}/resolve", ids[0]),
        None,
        StatusCode::OK,
    )
    .await;
    let open = desk
        .ok(
            &desk.admin,
            Method::GET,
            "/api/v1/tickets",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(open["tickets"].as_array().expect("page").len(), 4);
    let closed = desk
        .ok(
            &desk.admin,
            Method::GET,
            "/api/v1/tickets?state=closed",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(closed["tickets"][0]["id"], ids[0]);
    for bad in [
        "state=sideways",
        "limit=0",
        "limit=5000",
        "cursor=nonsense",
        "status=flying",
        "breaching_within=-5",
    ] {
        let response = desk
            .call(
                &desk.admin,
                Method::GET,
                &format!("/api/v1/tickets?{bad}"),
                None,
            )
            .await;
        assert_problem(response, StatusCode::BAD_REQUEST, "request.invalid_query").await;
    }
    drop(desk.server);
}

async fn policy_change_recomputes_open_tickets(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let c = desk.customer("kinobi-klien", "kinobi").await;
    let policy = desk
        .ok(
            &desk.admin,
            Method::GET,
            "/api/v1/policies",
            None,
            StatusCode::OK,
        )
        .await;
    let kinobi = policy
        .as_array()
        .expect("policies")
        .iter()
        .find(|p| p["binding"]["preset"] == "kinobi")
        .expect("kinobi preset");
    assert!(
        kinobi["add_ons"]
            .as_array()
            .expect("add-ons")
            .iter()
            .any(|a| a == "premium_24x7")
    );
    // Saturday 10:00: on business hours the clocks wait for Monday; premium hours run now.
    desk.clock.set("2026-03-21T10:00");
    let fields = kinobi_fields(&desk, c.contract).await;
    let t = desk
        .ok(
            &c.user.token,
            Method::POST,
            "/api/v1/tickets",
            Some(
                json!({"priority": kinobi["priorities"][0], "title": "API down", "fields": fields}),
            ),
            StatusCode::CREATED,
        )
        .await;
    let before = t["next_due"].as_str().expect("due").to_owned();
    let changed = desk
        .ok(
            &desk.admin,
            Method::PUT,
            &format!("/api/v1/contracts/{}/policy", c.contract),
            Some(json!({"policy": {"preset": "kinobi"}, "add_ons": ["premium_24x7"]})),
            StatusCode::OK,
        )
        .await;
    // The probe's ticket and the customer's.
    assert_eq!(changed["recomputed"], 2);
    assert_eq!(changed["contract"]["add_ons"], json!(["premium_24x7"]));
    let after = desk
        .ok(
            &c.user.token,
            Method::GET,
            &format!("/api/v1/tickets/{}", t["id"]),
            None,
            StatusCode::OK,
        )
        .await;
    let after_due: Timestamp = after["next_due"]
        .as_str()
        .expect("due")
        .parse()
        .expect("instant");
    assert!(
        after_due < before.parse::<Timestamp>().expect("instant"),
        "premium hours run on Saturday: {before} → {after_due}"
    );
    let events = desk
        .ok(
            &c.user.token,
            Method::GET,
            &format!("/api/v1/tickets/{}/events", t["id"]),
            None,
            StatusCode::OK,
        )
        .await;
    let last = events.as_array().expect("events").last().expect("event");
    assert_eq!(last["type"], "policy_changed");
    assert_eq!(last["payload"]["to_add_ons"], json!(["premium_24x7"]));
    // The store's cached queue key moved too.
    let stored = db
        .get_ticket(t["id"].as_i64().expect("id"), None)
        .await
        .expect("ticket");
    assert_eq!(stored.sla.expect("cache").next_due, Some(after_due));
    // An unknown add-on is refused and changes nothing.
    let response = desk
        .call(
            &desk.admin,
            Method::PUT,
            &format!("/api/v1/contracts/{}/policy", c.contract),
            Some(json!({"policy": {"preset": "kinobi"}, "add_ons": ["gold"]})),
        )
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "contract.unknown_add_on",
    )
    .await;

    // A policy whose priorities the open tickets do not have is refused while they are open.
    let innovasia = json!({"policy": {"preset": "innovasia"}});
    let path = format!("/api/v1/contracts/{}/policy", c.contract);
    let response = desk
        .call(&desk.admin, Method::PUT, &path, Some(innovasia.clone()))
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "contract.policy_does_not_fit",
    )
    .await;
    // Once they are resolved it goes through; the resolved tickets keep the policy they were
    // measured by, so they still read, and can still be reopened, with their own clocks.
    let open = desk
        .ok(
            &desk.admin,
            Method::GET,
            "/api/v1/tickets",
            None,
            StatusCode::OK,
        )
        .await;
    for t in open["tickets"].as_array().expect("tickets") {
        desk.ok(
            &desk.admin,
            Method::POST,
            &format!("/api/v1/tickets/{}/resolve", t["id"]),
            None,
            StatusCode::OK,
        )
        .await;
    }
    let changed = desk
        .ok(
            &desk.admin,
            Method::PUT,
            &path,
            Some(innovasia),
            StatusCode::OK,
        )
        .await;
    assert_eq!(changed["recomputed"], 0);
    let old = desk
        .ok(
            &c.user.token,
            Method::GET,
            &format!("/api/v1/tickets/{}", t["id"]),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(old["sla"]["policy"]["id"], "kinobi");
    assert_eq!(old["sla"]["policy"]["addons"], json!(["premium_24x7"]));
    let reopened = desk
        .ok(
            &c.user.token,
            Method::POST,
            &format!("/api/v1/tickets/{}/reopen", t["id"]),
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(reopened["sla"]["policy"]["id"], "kinobi");
    drop(desk.server);
}

/// Values for every mandatory non-attachment field of the contract's policy, learnt from the
/// API's own `missing` list.
async fn kinobi_fields(desk: &Desk, contract: i64) -> Value {
    let probe = desk
        .call(
            &desk.admin,
            Method::POST,
            "/api/v1/tickets",
            Some(json!({"contract_id": contract, "priority": "nonexistent", "title": "x"})),
        )
        .await;
    let problem = assert_problem(
        probe,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket.unknown_priority",
    )
    .await;
    let priority = problem["allowed"][0].as_str().expect("allowed").to_owned();
    let probe = desk
        .call(
            &desk.admin,
            Method::POST,
            "/api/v1/tickets",
            Some(json!({"contract_id": contract, "priority": priority, "title": "x"})),
        )
        .await;
    if probe.status() == StatusCode::CREATED {
        return json!({});
    }
    let problem = assert_problem(
        probe,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket.missing_fields",
    )
    .await;
    let mut fields = serde_json::Map::new();
    for id in problem["missing"].as_array().expect("missing") {
        let id = id.as_str().expect("field id");
        let value = if id.contains("email") {
            json!("ops@klien.example")
        } else if id.contains("phone") {
            json!("+62 21 555 0199")
        } else {
            json!("Tidak dapat memproses transaksi")
        };
        fields.insert(id.to_owned(), value);
    }
    // Fields of type `person` say so when given text; the last probe files a real ticket.
    for _ in 0..10 {
        let probe = desk
            .call(
                &desk.admin,
                Method::POST,
                "/api/v1/tickets",
                Some(json!({"contract_id": contract, "priority": priority, "title": "probe", "fields": fields.clone()})),
            )
            .await;
        if probe.status() == StatusCode::CREATED {
            return Value::Object(fields);
        }
        let problem = assert_problem(
            probe,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ticket.invalid_field",
        )
        .await;
        let id = problem["field"].as_str().expect("field").to_owned();
        fields.insert(
            id,
            json!({"name": "Budi Santoso", "email": "budi@klien.example", "phone": "+62 811 000 111"}),
        );
    }
    panic!("no valid report found: {fields:?}");
}

async fn bad_input_is_refused_and_nothing_is_written(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let c = desk.customer("innovasia-bad", "innovasia").await;
    let count = || async {
        db.count_tickets(&TicketFilter::default())
            .await
            .expect("count")
    };
    let post = |body: reqwest::Body, content_type: &'static str| {
        client()
            .post(format!("{}/api/v1/tickets", desk.base))
            .bearer_auth(&c.user.token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };
    // Malformed JSON.
    let response = post("{\"priority\": \"P1\",".into(), "application/json")
        .await
        .expect("HTTP");
    assert_problem(response, StatusCode::BAD_REQUEST, "request.malformed_json").await;
    // Not JSON at all.
    let response = post("priority=P1".into(), "application/x-www-form-urlencoded")
        .await
        .expect("HTTP");
    assert_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "request.unsupported_media_type",
    )
    .await;
    // Wrong shape names the field.
    let response = desk
        .call(
            &c.user.token,
            Method::POST,
            "/api/v1/tickets",
            Some(json!({"priority": 1, "title": "x"})),
        )
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_body",
    )
    .await;
    assert_eq!(problem["field"], "priority");
    // Unknown priority for the contract's policy lists the allowed ones.
    let mut body = innovasia_report(c.contract, "critical");
    let response = desk
        .call(
            &c.user.token,
            Method::POST,
            "/api/v1/tickets",
            Some(body.clone()),
        )
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket.unknown_priority",
    )
    .await;
    assert_eq!(problem["allowed"], json!(["P1", "P2", "P3"]));
    // Missing mandatory fields: all of them, at once.
    body["priority"] = json!("P2");
    let fields = body["fields"].as_object_mut().expect("fields");
    fields.remove("reporter_phone");
    fields.remove("environment");
    body["attachments"] = json!([]);
    let response = desk
        .call(&c.user.token, Method::POST, "/api/v1/tickets", Some(body))
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket.missing_fields",
    )
    .await;
    assert_eq!(
        problem["missing"],
        json!(["reporter_phone", "visual_evidence", "environment"])
    );
    // Invalid time zone; impossible date; a field of the wrong form.
    let mut body = innovasia_report(c.contract, "P2");
    body["observed_tz"] = json!("Asia/Bandung");
    let response = desk
        .call(&c.user.token, Method::POST, "/api/v1/tickets", Some(body))
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket.invalid_time_zone",
    )
    .await;
    let mut body = innovasia_report(c.contract, "P2");
    body["observed_at"] = json!("2026-02-30T10:00:00+07:00");
    let response = desk
        .call(&c.user.token, Method::POST, "/api/v1/tickets", Some(body))
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket.invalid_observed_at",
    )
    .await;
    let mut body = innovasia_report(c.contract, "P2");
    body["fields"]["reporter_email"] = json!("sari at mitra");
    let response = desk
        .call(&c.user.token, Method::POST, "/api/v1/tickets", Some(body))
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ticket.invalid_field",
    )
    .await;
    assert_eq!(problem["field"], "reporter_email");
    // An executable posing as a screenshot.
    let mut body = innovasia_report(c.contract, "P2");
    body["attachments"][0]["content_base64"] = json!("f0VMRgIBAQAAAAAAAAAAAAIAPgABAAAA");
    let response = desk
        .call(&c.user.token, Method::POST, "/api/v1/tickets", Some(body))
        .await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "attachment.type_mismatch",
    )
    .await;
    // Oversized JSON body on a plain route. The server may answer before reading the body and
    // close the connection; a reset is retried, but one attempt must see the 413.
    let mut answered = false;
    for _ in 0..5 {
        let response = client()
            .post(format!("{}/api/v1/tickets/1/replies", desk.base))
            .bearer_auth(&c.user.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(format!(
                "{{\"body\": \"{}\"}}",
                "x".repeat(tenggat_server::MAX_BODY_BYTES)
            ))
            .send()
            .await;
        if let Ok(response) = response {
            assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "request.too_large").await;
            answered = true;
            break;
        }
    }
    assert!(answered, "five attempts, no answer to an oversized body");
    // Oversized attachment.
    let mut big = PNG.to_vec();
    big.resize(tenggat_server::DEFAULT_MAX_ATTACHMENT_BYTES + 1, 0);
    let mut body = innovasia_report(c.contract, "P2");
    use base64::Engine;
    body["attachments"][0]["content_base64"] =
        json!(base64::engine::general_purpose::STANDARD.encode(&big));
    let response = desk
        .call(&c.user.token, Method::POST, "/api/v1/tickets", Some(body))
        .await;
    assert_problem(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "attachment.too_large",
    )
    .await;
    // Another organisation's contract does not exist for this customer.
    let other = desk.customer("innovasia-other", "innovasia").await;
    let response = desk
        .call(
            &c.user.token,
            Method::POST,
            "/api/v1/tickets",
            Some(innovasia_report(other.contract, "P2")),
        )
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "store.not_found").await;
    // Nothing was written by any of it.
    assert_eq!(count().await, 0);
    drop(desk.server);
}

async fn idempotency_key_makes_retries_safe(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let c = desk.customer("innovasia-idem", "innovasia").await;
    let send = |body: Value, key: &'static str| {
        client()
            .post(format!("{}/api/v1/tickets", desk.base))
            .bearer_auth(&c.user.token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send(innovasia_report(c.contract, "P1"), "report-0001")
        .await
        .expect("HTTP");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.expect("JSON");
    let retry = send(innovasia_report(c.contract, "P1"), "report-0001")
        .await
        .expect("HTTP");
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.expect("JSON");
    assert_eq!(retry["id"], first["id"]);
    // The same key with a different body is refused; nothing new is written.
    let other = send(innovasia_report(c.contract, "P2"), "report-0001")
        .await
        .expect("HTTP");
    assert_problem(
        other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency.key_reused",
    )
    .await;
    assert_eq!(
        db.count_tickets(&TicketFilter::default())
            .await
            .expect("count"),
        1
    );
    // Keys belong to a credential: another token may use the same key for its own request.
    let theirs = client()
        .post(format!("{}/api/v1/tickets", desk.base))
        .bearer_auth(&c.admin.token)
        .header("Idempotency-Key", "report-0001")
        .json(&innovasia_report(c.contract, "P2"))
        .send()
        .await
        .expect("HTTP");
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert_eq!(
        db.count_tickets(&TicketFilter::default())
            .await
            .expect("count"),
        2
    );
    drop(desk.server);
}

async fn sessions_and_token_scopes(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let c = desk.customer("innovasia-sess", "innovasia").await;
    // Sign in with e-mail and password: an HttpOnly SameSite=Strict cookie.
    let response = client()
        .post(format!("{}/api/v1/sessions", desk.base))
        .json(&json!({"email": "user@innovasia-sess.example", "password": PASSWORD}))
        .send()
        .await
        .expect("HTTP");
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().expect("pair").to_owned();
    let me = client()
        .get(format!("{}/api/v1/me", desk.base))
        .header(reqwest::header::COOKIE, &session)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.expect("JSON");
    assert_eq!(
        (me["id"].as_i64(), me["role"].as_str()),
        (Some(c.user.id), Some("customer_user"))
    );
    // A wrong password is 401 and sets no cookie.
    let wrong = client()
        .post(format!("{}/api/v1/sessions", desk.base))
        .json(&json!({"email": "user@innovasia-sess.example", "password": "not the password"}))
        .send()
        .await
        .expect("HTTP");
    assert!(wrong.headers().get(reqwest::header::SET_COOKIE).is_none());
    assert_problem(wrong, StatusCode::UNAUTHORIZED, "auth.invalid_credentials").await;
    // Sign out: the cookie stops working.
    let out = client()
        .delete(format!("{}/api/v1/sessions/current", desk.base))
        .header(reqwest::header::COOKIE, &session)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let me = client()
        .get(format!("{}/api/v1/me", desk.base))
        .header(reqwest::header::COOKIE, &session)
        .send()
        .await
        .expect("HTTP");
    assert_problem(me, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    // Sessions expire after 12 idle hours.
    let response = client()
        .post(format!("{}/api/v1/sessions", desk.base))
        .json(&json!({"email": "user@innovasia-sess.example", "password": PASSWORD}))
        .send()
        .await
        .expect("HTTP");
    let session = response.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .expect("ASCII")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    desk.clock.set("2026-03-16T21:01");
    let me = client()
        .get(format!("{}/api/v1/me", desk.base))
        .header(reqwest::header::COOKIE, &session)
        .send()
        .await
        .expect("HTTP");
    assert_problem(me, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;

    // A read-only token reads but cannot report.
    let response = client()
        .post(format!("{}/api/v1/tokens", desk.base))
        .basic_auth("user@innovasia-sess.example", Some(PASSWORD))
        .json(&json!({"name": "dashboard", "scopes": ["tickets:read"]}))
        .send()
        .await
        .expect("HTTP");
    let made: Value = response.json().await.expect("JSON");
    let read_only = made["token"].as_str().expect("token").to_owned();
    desk.ok(
        &read_only,
        Method::GET,
        "/api/v1/tickets",
        None,
        StatusCode::OK,
    )
    .await;
    let refused = desk
        .call(
            &read_only,
            Method::POST,
            "/api/v1/tickets",
            Some(innovasia_report(c.contract, "P3")),
        )
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "auth.forbidden").await;
    let bad_scope = client()
        .post(format!("{}/api/v1/tokens", desk.base))
        .basic_auth("user@innovasia-sess.example", Some(PASSWORD))
        .json(&json!({"name": "x", "scopes": ["root"]}))
        .send()
        .await
        .expect("HTTP");
    assert_problem(
        bad_scope,
        StatusCode::UNPROCESSABLE_ENTITY,
        "token.invalid_scope",
    )
    .await;
    // Revoked tokens stop at once; a user cannot revoke another's token.
    let listed = desk
        .ok(
            &c.user.token,
            Method::GET,
            "/api/v1/tokens",
            None,
            StatusCode::OK,
        )
        .await;
    assert!(
        listed
            .as_array()
            .expect("tokens")
            .iter()
            .all(|t| t.get("token").is_none() && t.get("token_hash").is_none())
    );
    let id = made["id"].as_i64().expect("id");
    let theirs = desk
        .call(
            &c.admin.token,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_problem(theirs, StatusCode::NOT_FOUND, "store.not_found").await;
    let response = desk
        .call(
            &c.user.token,
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let revoked = desk
        .call(&read_only, Method::GET, "/api/v1/tickets", None)
        .await;
    assert_problem(revoked, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    // Disabling a user ends their access.
    desk.ok(
        &desk.admin,
        Method::PATCH,
        &format!("/api/v1/users/{}", c.user.id),
        Some(json!({"disabled": true})),
        StatusCode::OK,
    )
    .await;
    let disabled = desk
        .call(&c.user.token, Method::GET, "/api/v1/me", None)
        .await;
    assert_problem(disabled, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    drop(desk.server);
}

/// Every route, with the ids of organisation A's rows, tried by a customer of organisation
/// B: each answers 404 (or an empty list), never A's data. And roles: an executive may read
/// but not work tickets; an agent may not administer; a customer may not write notes.
async fn tenant_isolation_matrix(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let a = desk.customer("org-a", "innovasia").await;
    let b = desk.customer("org-b", "innovasia").await;
    let t = desk
        .ok(
            &a.user.token,
            Method::POST,
            "/api/v1/tickets",
            Some(innovasia_report(a.contract, "P2")),
            StatusCode::CREATED,
        )
        .await;
    let ticket = t["id"].as_i64().expect("id");
    let attachment = t["attachments"][0]["id"].as_i64().expect("attachment");
    let tk = format!("/api/v1/tickets/{ticket}");
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, tk.clone(), None),
        (Method::GET, format!("{tk}/events"), None),
        (Method::GET, format!("{tk}/attachments"), None),
        (
            Method::POST,
            format!("{tk}/replies"),
            Some(json!({"body": "hi"})),
        ),
        (Method::POST, format!("{tk}/reopen"), None),
        (Method::POST, format!("{tk}/close"), None),
        (
            Method::GET,
            format!("/api/v1/attachments/{attachment}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/organisations/{}", a.org),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/organisations/{}/users", a.org),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/contracts/{}", a.contract),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/contracts/{}/explain", a.contract),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/contracts/{}/contacts", a.contract),
            Some(json!({"only": false, "user_ids": []})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{}", a.user.id),
            Some(json!({"name": "pwned"})),
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"organisation_id": a.org, "email": "x@y.example", "name": "x", "role": "customer_user"}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/tickets".into(),
            Some(innovasia_report(a.contract, "P2")),
        ),
    ];
    for who in [&b.user, &b.admin] {
        for (method, path, body) in &routes {
            let response = desk
                .call(&who.token, method.clone(), path, body.clone())
                .await;
            assert_eq!(
                response.status(),
                StatusCode::NOT_FOUND,
                "{method} {path} as a customer of B"
            );
            let text = response.text().await.expect("body");
            assert!(
                !text.contains("Login gagal") && !text.contains("org-a"),
                "{method} {path} leaked: {text}"
            );
        }
        // Lists and filters show B's rows only.
        for path in [
            format!("/api/v1/tickets?customer={}", a.org),
            "/api/v1/tickets?state=all".into(),
            format!("/api/v1/contracts?customer={}", a.org),
        ] {
            let list = desk
                .ok(&who.token, Method::GET, &path, None, StatusCode::OK)
                .await;
            let rows = list
                .get("tickets")
                .unwrap_or(&list)
                .as_array()
                .expect("list")
                .clone();
            assert!(
                rows.iter().all(|r| r["customer_org_id"] != a.org),
                "{path}: {list}"
            );
        }
        let orgs = desk
            .ok(
                &who.token,
                Method::GET,
                "/api/v1/organisations",
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(orgs.as_array().expect("orgs").len(), 1);
        assert_eq!(orgs[0]["id"], b.org);
    }
    // The row is untouched.
    let unchanged = desk
        .ok(&a.user.token, Method::GET, &tk, None, StatusCode::OK)
        .await;
    assert_eq!(unchanged["last_seq"], t["last_seq"]);

    // Roles within the provider and within a customer.
    let provider = desk
        .ok(&desk.admin, Method::GET, "/api/v1/me", None, StatusCode::OK)
        .await["organisation"]["id"]
        .as_i64()
        .expect("provider");
    let executive = desk
        .user(provider, "exec@provider.example", "executive")
        .await;
    let agent = desk
        .user(provider, "agent2@provider.example", "agent")
        .await;
    desk.ok(&executive.token, Method::GET, &tk, None, StatusCode::OK)
        .await;
    let forbidden: Vec<(&Who, Method, String, Option<Value>)> = vec![
        (&executive, Method::POST, format!("{tk}/acknowledge"), None),
        (
            &executive,
            Method::POST,
            format!("{tk}/notes"),
            Some(json!({"body": "x"})),
        ),
        (
            &agent,
            Method::POST,
            "/api/v1/organisations".into(),
            Some(json!({"name": "X", "slug": "x-corp"})),
        ),
        (
            &agent,
            Method::POST,
            "/api/v1/contracts".into(),
            Some(
                json!({"customer_org_id": a.org, "policy": {"preset": "kinobi"}, "term_start": "2026-01-01"}),
            ),
        ),
        (
            &agent,
            Method::POST,
            "/api/v1/policies".into(),
            Some(json!({"source": "x"})),
        ),
        (
            &agent,
            Method::PUT,
            format!("/api/v1/contracts/{}/policy", a.contract),
            Some(json!({"policy": {"preset": "kinobi"}})),
        ),
        (
            &agent,
            Method::GET,
            format!("/api/v1/organisations/{}/users", a.org),
            None,
        ),
        (
            &a.user,
            Method::POST,
            format!("{tk}/notes"),
            Some(json!({"body": "x"})),
        ),
        (&a.user, Method::POST, format!("{tk}/acknowledge"), None),
        (
            &a.user,
            Method::POST,
            format!("{tk}/priority"),
            Some(json!({"to": "P1", "reason": "urgent"})),
        ),
        (&a.user, Method::GET, "/api/v1/policies".into(), None),
        (
            &a.user,
            Method::GET,
            format!("/api/v1/organisations/{}/users", a.org),
            None,
        ),
        (
            &a.user,
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"organisation_id": a.org, "email": "boss@a.example", "name": "x", "role": "customer_admin"}),
            ),
        ),
    ];
    for (who, method, path, body) in forbidden {
        let response = desk.call(&who.token, method.clone(), &path, body).await;
        assert_problem(response, StatusCode::FORBIDDEN, "auth.forbidden").await;
    }
    // No credential at all: 401 everywhere.
    for (method, path, _) in &routes {
        let response = client()
            .request(method.clone(), format!("{}{path}", desk.base))
            .send()
            .await
            .expect("HTTP");
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
    }
    drop(desk.server);
}

async fn rate_limit_answers_429(db: Database) {
    let limits = RateLimitConfig {
        per_credential_per_second: 1,
        per_credential_burst: 5,
        per_ip_per_second: 0,
        per_ip_burst: 0,
    };
    let desk = Desk::boot(&db, limits).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = desk
            .call(&desk.admin, Method::GET, "/api/v1/me", None)
            .await;
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                response
                    .headers()
                    .contains_key(reqwest::header::RETRY_AFTER)
            );
            assert_problem(
                response,
                StatusCode::TOO_MANY_REQUESTS,
                "request.rate_limited",
            )
            .await;
            break;
        }
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    drop(desk.server);
}

/// An upgrade that changes holiday or preset data: on start the open tickets are folded again
/// and their caches rewritten; with unchanged data nothing is done.
async fn built_in_data_change_recomputes_open_tickets(db: Database) {
    let desk = Desk::boot(&db, no_limits()).await;
    let c = desk.customer("innovasia-upgrade", "innovasia").await;
    let t = desk
        .ok(
            &c.user.token,
            Method::POST,
            "/api/v1/tickets",
            Some(innovasia_report(c.contract, "P2")),
            StatusCode::CREATED,
        )
        .await;
    let id = t["id"].as_i64().expect("id");
    // P2: response within 4 business hours of 09:00 Monday.
    assert_eq!(instant(&t, "next_due"), at("2026-03-16T13:00"));
    // Pretend an older build wrote this cache.
    let stale = tenggat_store::SlaCache {
        sla: json!({}),
        next_change: None,
        next_due: None,
    };
    let seq = db.get_ticket(id, None).await.expect("ticket").last_seq;
    assert!(db.update_sla_cache(id, seq, &stale).await.expect("write"));
    db.put_setting(
        tenggat_server::recompute::ENGINE_FINGERPRINT_KEY,
        "older build",
    )
    .await
    .expect("setting");
    let policies = tenggat_server::desk::PolicyCache::default();
    let rewritten = tenggat_server::recompute::on_start(&db, &policies, at("2026-03-16T09:30"))
        .await
        .expect("recompute");
    assert_eq!(rewritten, Some(1));
    let cache = db
        .get_ticket(id, None)
        .await
        .expect("ticket")
        .sla
        .expect("cache");
    assert_eq!(cache.next_due, Some(at("2026-03-16T13:00")));
    assert_eq!(cache.sla["metrics"][0]["metric"], "response");
    // Same data again: nothing to do.
    let again = tenggat_server::recompute::on_start(&db, &policies, at("2026-03-16T09:30"))
        .await
        .expect("recompute");
    assert_eq!(again, None);
    drop(desk.server);
}
