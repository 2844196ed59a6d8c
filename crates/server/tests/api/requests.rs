//! Customer requests and provider obligations over real HTTP with a manual clock: escalation
//! requests decided by the escalation manager, severity change requests, the priority change's
//! `basis`, and the tasks of the escalation ladder (action plan, emergency call, root-cause
//! analysis, post-incident review).

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tenggat_server::{Clock, RateLimitConfig, Running, ServerConfig};
use tenggat_store::Database;
use tenggat_store::testing::unique_suffix;

use super::{PASSWORD, PUBLIC_URL, assert_problem, client, run_postgres, run_sqlite, setup_path};

// ------------------------------------------------------------------------ harness

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

/// A running desk with a manual clock (Monday 16 March 2026, 09:00 WIB) and no scheduler:
/// the event lists stay exact.
struct Desk {
    _server: Running,
    base: String,
    admin: String,
    clock: Arc<ManualClock>,
    provider: i64,
}

/// Someone with a token.
#[derive(Clone)]
struct Who {
    token: String,
    id: i64,
}

/// A customer organisation with a contract and two users.
struct Customer {
    contract: i64,
    admin: Who,
    user: Who,
}

impl Desk {
    async fn boot(db: &Database) -> Desk {
        let clock = Arc::new(ManualClock(Mutex::new(at("2026-03-16T09:00"))));
        let mut config = ServerConfig::new(
            "127.0.0.1:0",
            &format!("{PUBLIC_URL}/"),
            std::env::temp_dir().join(format!("tenggat-requests-{}", unique_suffix())),
        );
        config.rate_limits = RateLimitConfig {
            per_credential_per_second: 0,
            per_credential_burst: 0,
            per_ip_per_second: 0,
            per_ip_burst: 0,
        };
        config.run_scheduler = false;
        config.run_monitoring = false;
        let server = tenggat_server::start_with_clock(db.clone(), config, clock.clone())
            .await
            .expect("start");
        let base = format!("http://{}", server.addr);
        let path = setup_path(server.first_run_line.as_deref().expect("first run"));
        set_password(&base, &path).await;
        let admin = token_for(&base, "admin@localhost").await;
        let mut desk = Desk {
            _server: server,
            base,
            admin,
            clock,
            provider: 0,
        };
        desk.provider = desk
            .ok(&desk.admin, Method::GET, "/api/v1/me", None, StatusCode::OK)
            .await["organisation"]["id"]
            .as_i64()
            .expect("provider id");
        desk
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

    /// A POST that must fail with `status` and `code`; returns the problem body.
    async fn refused(
        &self,
        token: &str,
        path: &str,
        body: Value,
        status: StatusCode,
        code: &str,
    ) -> Value {
        let response = self.call(token, Method::POST, path, Some(body)).await;
        assert_problem(response, status, code).await
    }

    async fn get(&self, token: &str, path: &str) -> Value {
        self.ok(token, Method::GET, path, None, StatusCode::OK)
            .await
    }

    async fn post(&self, token: &str, path: &str, body: Value, status: StatusCode) -> Value {
        self.ok(token, Method::POST, path, Some(body), status).await
    }

    /// A user of `org` with `role`, with a token.
    async fn user(&self, org: i64, email: &str, role: &str) -> Who {
        let made = self
            .post(
                &self.admin,
                "/api/v1/users",
                json!({"organisation_id": org, "email": email, "name": email, "role": role}),
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

    async fn staff(&self, name: &str, role: &str) -> Who {
        self.user(self.provider, &format!("{name}@provider.example"), role)
            .await
    }

    async fn customer(&self, slug: &str, preset: &str, add_ons: &[&str]) -> Customer {
        let org = self
            .post(
                &self.admin,
                "/api/v1/organisations",
                json!({"name": format!("PT {slug}"), "slug": slug}),
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
            .post(
                &self.admin,
                "/api/v1/contracts",
                json!({
                    "customer_org_id": org,
                    "policy": {"preset": preset},
                    "add_ons": add_ons,
                    "monthly_fee_minor": 1_500_000_000,
                    "currency": "IDR",
                    "term_start": "2026-01-01",
                    "term_end": "2026-12-31",
                    "designated_contacts": [admin.id, user.id],
                }),
                StatusCode::CREATED,
            )
            .await["id"]
            .as_i64()
            .expect("contract id");
        Customer {
            contract,
            admin,
            user,
        }
    }

    /// A ticket reported by `who`; returns its path `/api/v1/tickets/{id}`.
    async fn report(&self, who: &Who, report: Value) -> String {
        let created = self
            .post(&who.token, "/api/v1/tickets", report, StatusCode::CREATED)
            .await;
        format!("/api/v1/tickets/{}", created["id"].as_i64().expect("id"))
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

fn innovasia_report(contract: i64, priority: &str) -> Value {
    use base64::Engine;
    let png: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    json!({
        "contract_id": contract,
        "priority": priority,
        "channel": "portal",
        "title": "Login gagal untuk semua pengguna",
        "description": "Semua mitra mendapat HTTP 500 saat login.",
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
        "attachments": [{
            "field": "visual_evidence", "file_name": "login.png", "content_type": "image/png",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(png),
        }],
    })
}

fn microsoft_report(contract: i64, severity: &str) -> Value {
    json!({
        "contract_id": contract,
        "priority": severity,
        "channel": "web",
        "title": "Production tenant unreachable",
        "attributes": {"product": "azure"},
        "fields": {
            "reactive_support_contact": {"name": "Budi Santoso", "email": "budi@contoso.example", "phone": "+62 811 555 0199"},
            "business_impact": "Every order stops",
        },
    })
}

const JUSTIFICATION: &str = "Nothing has moved for a day and every partner is blocked.";

/// The metric `name` of a ticket's `sla`.
fn metric<'a>(ticket: &'a Value, name: &str) -> &'a Value {
    ticket["sla"]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no metric {name} in {}", ticket["sla"]))
}

fn instant(v: &Value) -> Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not an instant"))
        .parse()
        .expect("RFC 3339")
}

/// The types of a ticket's events, in order.
fn types(events: &Value) -> Vec<String> {
    events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_owned())
        .collect()
}

fn last_of<'a>(events: &'a Value, event_type: &str) -> &'a Value {
    events
        .as_array()
        .expect("events")
        .iter()
        .rev()
        .find(|e| e["type"] == event_type)
        .unwrap_or_else(|| panic!("no {event_type} in {events}"))
}

/// Asks for escalation as `who` and has `manager` accept it; returns the request.
async fn escalate(desk: &Desk, path: &str, who: &Who, manager: &Who) -> Value {
    let request = desk
        .post(
            &who.token,
            &format!("{path}/escalation-requests"),
            json!({"reason": "stalled_progress", "justification": JUSTIFICATION}),
            StatusCode::CREATED,
        )
        .await;
    desk.post(
        &manager.token,
        &format!("{path}/escalation-requests/{}/decision", request["id"]),
        json!({"accept": true, "reason": "Agreed: the Lead of Technology takes over."}),
        StatusCode::OK,
    )
    .await
}

// ------------------------------------------------------------------------ scenarios

macro_rules! request_scenarios {
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

request_scenarios!(
    customer_escalation_request,
    severity_change_requests,
    tasks_follow_the_escalation_ladder,
    root_cause_analysis_only_before_close,
    post_incident_review_for_sev_1_under_uer,
    requests_notify_both_sides_in_the_app,
    webhooks_are_managed_by_the_provider_admin,
    a_customer_reply_resumes_the_clocks,
    monitors_belong_to_the_provider_and_customers_see_their_own,
    probe_agents_report_for_their_location,
    maintenance_is_excluded_only_with_the_policys_notice,
    exclusions_are_disputed_and_resolved,
    credit_claims_within_the_window,
    workaround_feedback_and_survey,
);

/// Issue 5, "Customer escalation request": allowed reasons only, a written justification,
/// nobody else's ticket, decided by the escalation manager, the outcome seen by both sides.
async fn customer_escalation_request(db: Database) {
    let desk = Desk::boot(&db).await;
    let c = desk.customer("mitra-satu", "innovasia", &[]).await;
    let other = desk.customer("mitra-dua", "innovasia", &[]).await;
    let agent = desk.staff("agent", "agent").await;
    let manager = desk.staff("manager", "escalation_manager").await;
    let path = desk
        .report(&c.user, innovasia_report(c.contract, "P2"))
        .await;
    let requests = format!("{path}/escalation-requests");
    assert_eq!(desk.get(&c.user.token, &path).await["escalation_level"], 1);

    // A reason the policy does not list: 422 with the allowed ones.
    let problem = desk
        .refused(
            &c.user.token,
            &requests,
            json!({"reason": "impatience", "justification": JUSTIFICATION}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "escalation.unknown_reason",
        )
        .await;
    let allowed = problem["allowed"].as_array().expect("allowed");
    for reason in [
        "misclassified_priority",
        "stalled_progress",
        "poor_communication",
        "management_request",
    ] {
        assert!(allowed.contains(&json!(reason)), "{problem}");
    }

    // The justification is required and must say something.
    desk.refused(
        &c.user.token,
        &requests,
        json!({"reason": "stalled_progress"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_body",
    )
    .await;
    let problem = desk
        .refused(
            &c.user.token,
            &requests,
            json!({"reason": "stalled_progress", "justification": "too slow"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_text",
        )
        .await;
    assert_eq!(problem["field"], "justification");
    desk.refused(
        &c.user.token,
        &requests,
        json!({"reason": "stalled_progress", "justification": JUSTIFICATION, "level": 7}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "escalation.unknown_level",
    )
    .await;

    // Another customer can neither escalate the ticket nor see its requests.
    desk.refused(
        &other.user.token,
        &requests,
        json!({"reason": "stalled_progress", "justification": JUSTIFICATION}),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    let response = desk
        .call(&other.admin.token, Method::GET, &requests, None)
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "store.not_found").await;
    // Nothing was written by all that.
    assert_eq!(
        types(&desk.get(&c.user.token, &format!("{path}/events")).await),
        ["created"]
    );

    // The customer asks; one request at a time.
    desk.clock.set("2026-03-16T10:00");
    let request = desk
        .post(
            &c.user.token,
            &requests,
            json!({"reason": "stalled_progress", "justification": JUSTIFICATION}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(request["state"], "pending");
    assert_eq!(request["level"], 2);
    assert_eq!(request["from_level"], 1);
    assert_eq!(request["requested_by"], c.user.id);
    assert_eq!(instant(&request["requested_at"]), at("2026-03-16T10:00"));
    let id = request["id"].as_i64().expect("request id");
    let problem = desk
        .refused(
            &c.admin.token,
            &requests,
            json!({"reason": "poor_communication", "justification": JUSTIFICATION}),
            StatusCode::CONFLICT,
            "escalation.request_pending",
        )
        .await;
    assert_eq!(problem["request"], id);

    // Only the escalation manager (or an admin) decides.
    let decision = format!("{requests}/{id}/decision");
    let accept = json!({"accept": true, "reason": "The Lead of Technology takes over."});
    for who in [&agent, &c.admin] {
        desk.refused(
            &who.token,
            &decision,
            accept.clone(),
            StatusCode::FORBIDDEN,
            "auth.forbidden",
        )
        .await;
    }
    desk.refused(
        &manager.token,
        &decision,
        json!({"accept": true, "reason": ""}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_text",
    )
    .await;
    desk.refused(
        &manager.token,
        &format!("{requests}/999/decision"),
        accept.clone(),
        StatusCode::NOT_FOUND,
        "escalation.request_not_found",
    )
    .await;

    // The manager accepts: the ticket is at level 2.
    desk.clock.set("2026-03-16T10:30");
    let decided = desk
        .post(&manager.token, &decision, accept.clone(), StatusCode::OK)
        .await;
    assert_eq!(decided["state"], "accepted");
    assert_eq!(decided["decision"]["accepted"], true);
    assert_eq!(decided["decision"]["by"], manager.id);
    assert_eq!(
        decided["decision"]["reason"],
        "The Lead of Technology takes over."
    );
    assert_eq!(instant(&decided["decision"]["at"]), at("2026-03-16T10:30"));
    desk.refused(
        &manager.token,
        &decision,
        accept.clone(),
        StatusCode::CONFLICT,
        "escalation.request_decided",
    )
    .await;
    for who in [&c.user, &c.admin, &agent] {
        assert_eq!(desk.get(&who.token, &path).await["escalation_level"], 2);
        let listed = desk.get(&who.token, &requests).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
        assert_eq!(listed[0], decided, "both sides see the same outcome");
        let events = desk.get(&who.token, &format!("{path}/events")).await;
        assert_eq!(
            types(&events),
            ["created", "escalation_requested", "escalation_accepted"]
        );
        let accepted = last_of(&events, "escalation_accepted");
        assert_eq!(accepted["payload"]["request"], id);
        assert_eq!(accepted["payload"]["level"], 2);
        assert_eq!(accepted["visibility"], "public");
        assert_eq!(accepted["actor_id"], manager.id);
    }

    // Level 2 already reached: asking for it again is a conflict; the next one is 3.
    desk.refused(
        &c.user.token,
        &requests,
        json!({"reason": "management_request", "justification": JUSTIFICATION, "level": 2}),
        StatusCode::CONFLICT,
        "escalation.level_reached",
    )
    .await;
    let second = desk
        .post(
            &c.admin.token,
            &requests,
            json!({"reason": "management_request", "justification": JUSTIFICATION}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(second["level"], 3);
    assert_eq!(second["from_level"], 2);

    // Declined with a reason: the level stays, the customer sees why.
    let declined = desk
        .post(
            &desk.admin,
            &format!("{requests}/{}/decision", second["id"]),
            json!({"accept": false, "reason": "The fix ships tonight; level 2 stays in charge."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(declined["state"], "declined");
    assert_eq!(declined["decision"]["accepted"], false);
    let seen = desk.get(&c.user.token, &requests).await;
    assert_eq!(seen[1]["state"], "declined");
    assert_eq!(
        seen[1]["decision"]["reason"],
        "The fix ships tonight; level 2 stays in charge."
    );
    assert_eq!(desk.get(&c.user.token, &path).await["escalation_level"], 2);
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    assert_eq!(
        last_of(&events, "escalation_declined")["payload"]["request"],
        second["id"]
    );

    // Accepted to the top, nothing more to ask for.
    let third = desk
        .post(
            &c.user.token,
            &requests,
            json!({"reason": "massive_sustained_impact", "justification": JUSTIFICATION, "level": 3}),
            StatusCode::CREATED,
        )
        .await;
    desk.post(
        &manager.token,
        &format!("{requests}/{}/decision", third["id"]),
        accept.clone(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(desk.get(&c.user.token, &path).await["escalation_level"], 3);
    desk.refused(
        &c.user.token,
        &requests,
        json!({"reason": "stalled_progress", "justification": JUSTIFICATION}),
        StatusCode::CONFLICT,
        "escalation.top_level",
    )
    .await;

    // Staff may ask on the customer's behalf; nobody asks on a closed ticket.
    let closed = desk
        .report(&c.user, innovasia_report(c.contract, "P3"))
        .await;
    desk.post(
        &agent.token,
        &format!("{closed}/escalation-requests"),
        json!({"reason": "poor_communication", "justification": JUSTIFICATION}),
        StatusCode::CREATED,
    )
    .await;
    desk.post(
        &c.user.token,
        &format!("{closed}/close"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    let other_ticket = desk
        .report(&c.user, innovasia_report(c.contract, "P3"))
        .await;
    desk.post(
        &c.user.token,
        &format!("{other_ticket}/close"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    desk.refused(
        &c.user.token,
        &format!("{other_ticket}/escalation-requests"),
        json!({"reason": "poor_communication", "justification": JUSTIFICATION}),
        StatusCode::CONFLICT,
        "ticket.invalid_transition",
    )
    .await;
}

/// A customer asks for another severity; the provider accepts (the priority and the SLA
/// targets change) or declines; the provider's own downgrade records its basis.
async fn severity_change_requests(db: Database) {
    let desk = Desk::boot(&db).await;
    let c = desk.customer("mitra-tiga", "innovasia", &[]).await;
    let agent = desk.staff("agent", "agent").await;
    let path = desk
        .report(&c.user, innovasia_report(c.contract, "P2"))
        .await;
    let requests = format!("{path}/severity-requests");
    let before = desk.get(&c.user.token, &path).await;
    let p2_resolution = instant(&metric(&before, "resolution")["due"]);

    let problem = desk
        .refused(
            &c.user.token,
            &requests,
            json!({"to": "P0", "reason": "Every partner is down"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "ticket.unknown_priority",
        )
        .await;
    assert_eq!(problem["allowed"], json!(["P1", "P2", "P3"]));
    desk.refused(
        &c.user.token,
        &requests,
        json!({"to": "P2", "reason": "Same"}),
        StatusCode::CONFLICT,
        "severity.unchanged",
    )
    .await;
    desk.refused(
        &c.user.token,
        &requests,
        json!({"to": "P1", "reason": ""}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_text",
    )
    .await;

    // The customer asks for P1 at 09:30.
    desk.clock.set("2026-03-16T09:30");
    let request = desk
        .post(
            &c.user.token,
            &requests,
            json!({"to": "P1", "reason": "Every partner is down, not just one"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(request["state"], "pending");
    assert_eq!(
        (&request["from"], &request["to"]),
        (&json!("P2"), &json!("P1"))
    );
    let id = request["id"].as_i64().expect("id");
    desk.refused(
        &c.admin.token,
        &requests,
        json!({"to": "P3", "reason": "Or P3 then"}),
        StatusCode::CONFLICT,
        "severity.request_pending",
    )
    .await;
    let decision = format!("{requests}/{id}/decision");
    desk.refused(
        &c.admin.token,
        &decision,
        json!({"accept": true, "reason": "We agree with ourselves"}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;

    // The agent accepts at 10:00: the ticket is P1, its targets are P1's (Innovasia corrects
    // retroactively: 8 hours 24×7 from the report, 17:00).
    desk.clock.set("2026-03-16T10:00");
    let decided = desk
        .post(
            &agent.token,
            &decision,
            json!({"accept": true, "reason": "Confirmed: all partners affected"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(decided["state"], "accepted");
    assert_eq!(decided["decision"]["by"], agent.id);
    let ticket = desk.get(&c.user.token, &path).await;
    assert_eq!(ticket["priority"], "P1");
    let p1_resolution = instant(&metric(&ticket, "resolution")["due"]);
    assert_ne!(p1_resolution, p2_resolution);
    assert_eq!(p1_resolution, at("2026-03-16T17:00"));
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    let change = last_of(&events, "priority");
    assert_eq!(change["payload"]["from"], "P2");
    assert_eq!(change["payload"]["to"], "P1");
    assert_eq!(change["payload"]["request"], id);
    assert_eq!(change["payload"]["decision"], "accepted");
    assert_eq!(change["actor_id"], agent.id);
    desk.refused(
        &agent.token,
        &decision,
        json!({"accept": false, "reason": "Changed my mind"}),
        StatusCode::CONFLICT,
        "severity.request_decided",
    )
    .await;

    // Another request, declined: the priority stays.
    let second = desk
        .post(
            &c.user.token,
            &requests,
            json!({"to": "P3", "reason": "Most partners are back"}),
            StatusCode::CREATED,
        )
        .await;
    let declined = desk
        .post(
            &agent.token,
            &format!("{requests}/{}/decision", second["id"]),
            json!({"accept": false, "reason": "The other half still cannot log in"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(declined["state"], "declined");
    assert_eq!(desk.get(&c.user.token, &path).await["priority"], "P1");
    let listed = desk.get(&c.user.token, &requests).await;
    assert_eq!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .map(|r| r["state"].as_str().expect("state"))
            .collect::<Vec<_>>(),
        ["accepted", "declined"]
    );
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    assert_eq!(
        last_of(&events, "severity_change_declined")["payload"]["request"],
        second["id"]
    );

    // The provider downgrades because the customer cannot provide what it must (Microsoft
    // footnote 3): only valid for a downgrade.
    let priority = format!("{path}/priority");
    desk.refused(
        &agent.token,
        &priority,
        json!({"to": "P2", "reason": "No logs", "basis": "bored"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "priority.invalid_basis",
    )
    .await;
    let lowered = desk
        .post(
            &agent.token,
            &priority,
            json!({"to": "P2", "reason": "No contact answers the phone overnight",
                   "basis": "customer_resources_unavailable"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(lowered["priority"], "P2");
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    let change = last_of(&events, "priority");
    assert_eq!(change["payload"]["basis"], "customer_resources_unavailable");
    assert_eq!(change["payload"]["from"], "P1");
    let problem = desk
        .refused(
            &agent.token,
            &priority,
            json!({"to": "P1", "reason": "They are back", "basis": "customer_resources_unavailable"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "priority.invalid_basis",
        )
        .await;
    assert_eq!(problem["field"], "basis");
    assert_eq!(desk.get(&agent.token, &path).await["priority"], "P2");
    // Other bases go either way.
    desk.post(
        &agent.token,
        &priority,
        json!({"to": "P1", "reason": "They are back", "basis": "misclassified"}),
        StatusCode::OK,
    )
    .await;
}

/// Level 2 publishes a written action plan with a schedule (a task due at its last step);
/// level 3 records the emergency call.
async fn tasks_follow_the_escalation_ladder(db: Database) {
    let desk = Desk::boot(&db).await;
    let c = desk.customer("mitra-empat", "innovasia", &[]).await;
    let agent = desk.staff("agent", "agent").await;
    let manager = desk.staff("manager", "escalation_manager").await;
    let path = desk
        .report(&c.user, innovasia_report(c.contract, "P2"))
        .await;
    let plan = json!({
        "summary": "Roll back the auth pool, then patch and verify.",
        "steps": [
            {"title": "Roll back the auth pool", "due": "2026-03-16T13:00:00+07:00"},
            {"title": "Verify with two partners", "due": "2026-03-17T11:00:00+07:00"},
            {"title": "Patch", "due": "2026-03-16T17:00:00+07:00"},
        ],
    });
    let call = json!({
        "started_at": "2026-03-16T11:00:00+07:00",
        "ended_at": "2026-03-16T11:30:00+07:00",
        "participants": ["CTO (provider)", "IT director (partner)"],
        "summary": "Agreed on the rollback and hourly updates.",
    });

    // Level 1 at 11:40: neither.
    desk.clock.set("2026-03-16T11:40");
    let problem = desk
        .refused(
            &agent.token,
            &format!("{path}/action-plan"),
            plan.clone(),
            StatusCode::CONFLICT,
            "escalation.level_required",
        )
        .await;
    assert_eq!(
        (&problem["level"], &problem["required"]),
        (&json!(1), &json!(2))
    );
    desk.refused(
        &agent.token,
        &format!("{path}/emergency-call"),
        call.clone(),
        StatusCode::CONFLICT,
        "escalation.level_required",
    )
    .await;
    assert_eq!(
        desk.get(&c.user.token, &format!("{path}/tasks")).await,
        json!([])
    );

    // Level 2: the plan, not yet the call.
    escalate(&desk, &path, &c.user, &manager).await;
    desk.refused(
        &c.user.token,
        &format!("{path}/action-plan"),
        plan.clone(),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &agent.token,
        &format!("{path}/action-plan"),
        json!({"summary": "Nothing", "steps": []}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "action_plan.invalid_steps",
    )
    .await;
    let problem = desk
        .refused(
            &agent.token,
            &format!("{path}/action-plan"),
            json!({"summary": "Late", "steps": [{"title": "Yesterday", "due": "2026-03-15T09:00:00+07:00"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "task.invalid_time",
        )
        .await;
    assert_eq!(problem["field"], "steps[0].due");
    desk.refused(
        &agent.token,
        &format!("{path}/action-plan"),
        json!({"summary": "No offset", "steps": [{"title": "Local", "due": "2026-03-17T09:00:00"}]}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "task.invalid_time",
    )
    .await;
    desk.clock.set("2026-03-16T11:45");
    let first = desk
        .post(
            &agent.token,
            &format!("{path}/action-plan"),
            plan.clone(),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(first["kind"], "action_plan");
    assert_eq!(first["state"], "open");
    assert_eq!(
        instant(&first["due"]),
        at("2026-03-17T11:00"),
        "the latest step"
    );
    assert_eq!(instant(&first["opened_at"]), at("2026-03-16T11:45"));
    let first_id = first["id"].as_str().expect("task id").to_owned();
    assert!(first_id.starts_with("action_plan-"), "{first_id}");
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    let published = last_of(&events, "action_plan_published");
    assert_eq!(
        published["visibility"], "public",
        "the customer gets it in writing"
    );
    assert_eq!(published["payload"]["task"], first_id.as_str());
    assert_eq!(
        published["payload"]["steps"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(desk.get(&c.user.token, &path).await["open_tasks"], 1);
    desk.refused(
        &agent.token,
        &format!("{path}/emergency-call"),
        call.clone(),
        StatusCode::CONFLICT,
        "escalation.level_required",
    )
    .await;

    // A revised plan supersedes the first.
    desk.clock.set("2026-03-16T12:00");
    let second = desk
        .post(
            &agent.token,
            &format!("{path}/action-plan"),
            json!({"summary": "Patch directly.", "steps": [{"title": "Patch", "due": "2026-03-16T16:00:00+07:00"}]}),
            StatusCode::CREATED,
        )
        .await;
    let second_id = second["id"].as_str().expect("task id").to_owned();
    let tasks = desk.get(&c.user.token, &format!("{path}/tasks")).await;
    assert_eq!(tasks.as_array().map(Vec::len), Some(2), "{tasks}");
    assert_eq!(tasks[0]["id"], first_id.as_str());
    assert_eq!(tasks[0]["state"], "done");
    assert_eq!(instant(&tasks[0]["completed_at"]), at("2026-03-16T12:00"));
    assert_eq!(tasks[1]["state"], "open");

    // Past its due instant it is overdue; completing it makes it done.
    desk.clock.set("2026-03-16T16:30");
    let tasks = desk.get(&agent.token, &format!("{path}/tasks")).await;
    assert_eq!(tasks[1]["state"], "overdue");
    let complete = format!("{path}/tasks/{second_id}/complete");
    desk.refused(
        &c.user.token,
        &complete,
        json!({"summary": "Done"}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &agent.token,
        &format!("{path}/tasks/action_plan-999/complete"),
        json!({"summary": "Done"}),
        StatusCode::NOT_FOUND,
        "task.not_found",
    )
    .await;
    let done = desk
        .post(
            &agent.token,
            &complete,
            json!({"summary": "Patched at 16:20, verified with two partners"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(done["state"], "done");
    assert_eq!(
        done["summary"],
        "Patched at 16:20, verified with two partners"
    );
    assert_eq!(instant(&done["completed_at"]), at("2026-03-16T16:30"));
    desk.refused(
        &agent.token,
        &complete,
        json!({"summary": "Again"}),
        StatusCode::CONFLICT,
        "task.completed",
    )
    .await;
    assert_eq!(desk.get(&c.user.token, &path).await["open_tasks"], 0);

    // Level 3: the emergency call.
    escalate(&desk, &path, &c.admin, &manager).await;
    desk.refused(
        &agent.token,
        &format!("{path}/emergency-call"),
        json!({"started_at": "2026-03-16T11:00:00+07:00", "participants": [], "summary": "Nobody"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "emergency_call.invalid_participants",
    )
    .await;
    desk.refused(
        &agent.token,
        &format!("{path}/emergency-call"),
        json!({"started_at": "2026-03-17T11:00:00+07:00", "participants": ["CTO"], "summary": "Tomorrow"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "task.invalid_time",
    )
    .await;
    let recorded = desk
        .post(
            &manager.token,
            &format!("{path}/emergency-call"),
            call.clone(),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(recorded["kind"], "emergency_call");
    assert_eq!(recorded["state"], "done");
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    let call_event = last_of(&events, "emergency_call_recorded");
    assert_eq!(
        call_event["payload"]["participants"][1],
        "IT director (partner)"
    );
    assert_eq!(
        instant(&call_event["payload"]["started_at"]),
        at("2026-03-16T11:00")
    );
    let tasks = desk.get(&c.user.token, &format!("{path}/tasks")).await;
    assert_eq!(
        tasks
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| (
                t["kind"].as_str().expect("kind"),
                t["state"].as_str().expect("state")
            ))
            .collect::<Vec<_>>(),
        [
            ("action_plan", "done"),
            ("action_plan", "done"),
            ("emergency_call", "done")
        ]
    );
}

/// A root-cause analysis may be asked for until the ticket is closed (a resolved ticket is
/// not closed yet), once; the provider delivers it.
async fn root_cause_analysis_only_before_close(db: Database) {
    let desk = Desk::boot(&db).await;
    let c = desk.customer("mitra-lima", "innovasia", &[]).await;
    let other = desk.customer("mitra-enam", "innovasia", &[]).await;
    let agent = desk.staff("agent", "agent").await;

    // Resolved, not closed: the customer may ask.
    let path = desk
        .report(&c.user, innovasia_report(c.contract, "P1"))
        .await;
    desk.post(
        &agent.token,
        &format!("{path}/resolve"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    desk.refused(
        &other.user.token,
        &format!("{path}/rca-request"),
        json!({}),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    let task = desk
        .post(
            &c.user.token,
            &format!("{path}/rca-request"),
            json!({"comment": "Our board wants to know why"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(task["kind"], "rca");
    assert_eq!(task["state"], "open");
    assert_eq!(task["due"], Value::Null, "the policy sets no due instant");
    desk.refused(
        &c.admin.token,
        &format!("{path}/rca-request"),
        json!({}),
        StatusCode::CONFLICT,
        "rca.already_requested",
    )
    .await;
    // The customer closes; the provider still delivers.
    desk.post(
        &c.user.token,
        &format!("{path}/close"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    desk.refused(
        &c.user.token,
        &format!("{path}/rca"),
        json!({"summary": "We did it"}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    let delivered = desk
        .post(
            &agent.token,
            &format!("{path}/rca"),
            json!({"summary": "Connection pool exhausted by a retry storm",
                   "document": "Timeline, cause, fix, prevention."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(delivered["id"], task["id"]);
    assert_eq!(delivered["state"], "done");
    desk.refused(
        &agent.token,
        &format!("{path}/rca"),
        json!({"summary": "Twice"}),
        StatusCode::CONFLICT,
        "task.completed",
    )
    .await;
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    assert_eq!(
        types(&events)[types(&events).len() - 3..],
        ["rca_requested", "closed", "rca_delivered"]
    );

    // Closed without one: too late.
    let closed = desk
        .report(&c.user, innovasia_report(c.contract, "P2"))
        .await;
    desk.post(
        &c.user.token,
        &format!("{closed}/close"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    for who in [&c.user, &agent] {
        desk.refused(
            &who.token,
            &format!("{closed}/rca-request"),
            json!({}),
            StatusCode::CONFLICT,
            "rca.ticket_closed",
        )
        .await;
    }
    desk.refused(
        &agent.token,
        &format!("{closed}/rca"),
        json!({"summary": "Unasked"}),
        StatusCode::CONFLICT,
        "rca.not_requested",
    )
    .await;
    // Open: staff may ask on the customer's behalf, with no body at all.
    let open = desk
        .report(&c.user, innovasia_report(c.contract, "P3"))
        .await;
    let response = desk
        .call(
            &agent.token,
            Method::POST,
            &format!("{open}/rca-request"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// A Sev 1 under Microsoft Unified with Unified Enhanced Response owes a post-incident review
/// once resolved, due five business days later; a Sev A does not, nor a Sev 1 without UER.
async fn post_incident_review_for_sev_1_under_uer(db: Database) {
    let desk = Desk::boot(&db).await;
    let uer = desk
        .customer("contoso", "microsoft-unified", &["uer"])
        .await;
    let base = desk.customer("fabrikam", "microsoft-unified", &[]).await;
    let agent = desk.staff("agent", "agent").await;
    let sev1 = desk
        .report(&uer.user, microsoft_report(uer.contract, "1"))
        .await;
    let sev_a = desk
        .report(&uer.user, microsoft_report(uer.contract, "A"))
        .await;
    let plain = desk
        .report(&base.user, microsoft_report(base.contract, "1"))
        .await;

    // Nothing is owed before the resolution.
    assert_eq!(
        desk.get(&uer.user.token, &format!("{sev1}/tasks")).await,
        json!([])
    );
    desk.refused(
        &agent.token,
        &format!("{sev1}/post-incident-review"),
        json!({"summary": "Early"}),
        StatusCode::CONFLICT,
        "task.not_owed",
    )
    .await;

    // Monday 10:00 all three are resolved.
    desk.clock.set("2026-03-16T10:00");
    for path in [&sev1, &sev_a, &plain] {
        desk.post(
            &agent.token,
            &format!("{path}/resolve"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    }
    let tasks = desk.get(&uer.user.token, &format!("{sev1}/tasks")).await;
    assert_eq!(tasks.as_array().map(Vec::len), Some(1), "{tasks}");
    let review = &tasks[0];
    assert_eq!(review["kind"], "post_incident_review");
    assert_eq!(review["state"], "open");
    assert_eq!(instant(&review["opened_at"]), at("2026-03-16T10:00"));
    // Five business days of 8.5 h (09:00–17:30 WIB) with Nyepi (Thursday 19 March) a national
    // holiday: Monday 7.5 h, Tuesday, Wednesday, Friday, Monday 23 → Tuesday 24 at 10:00.
    assert_eq!(instant(&review["due"]), at("2026-03-24T10:00"));
    assert_eq!(desk.get(&uer.user.token, &sev1).await["open_tasks"], 1);
    for path in [&sev_a, &plain] {
        assert_eq!(
            desk.get(&agent.token, &format!("{path}/tasks")).await,
            json!([])
        );
    }
    desk.refused(
        &agent.token,
        &format!("{sev_a}/post-incident-review"),
        json!({"summary": "Not owed"}),
        StatusCode::CONFLICT,
        "task.not_owed",
    )
    .await;

    // Overdue after its due instant, done when completed; closing changes nothing.
    desk.clock.set("2026-03-24T10:01");
    let tasks = desk.get(&agent.token, &format!("{sev1}/tasks")).await;
    assert_eq!(tasks[0]["state"], "overdue");
    desk.post(
        &uer.user.token,
        &format!("{sev1}/close"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    desk.refused(
        &agent.token,
        &format!(
            "{sev1}/tasks/{}/complete",
            review["id"].as_str().expect("id")
        ),
        json!({"summary": "Wrong endpoint"}),
        StatusCode::CONFLICT,
        "task.not_completable",
    )
    .await;
    let done = desk
        .post(
            &agent.token,
            &format!("{sev1}/post-incident-review"),
            json!({"summary": "Review held with the customer; three follow-ups agreed"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(done["id"], review["id"]);
    assert_eq!(done["state"], "done");
    let events = desk.get(&uer.user.token, &format!("{sev1}/events")).await;
    assert_eq!(
        last_of(&events, "post_incident_review_completed")["payload"]["task"],
        review["id"]
    );
    desk.refused(
        &agent.token,
        &format!("{sev1}/post-incident-review"),
        json!({"summary": "Twice"}),
        StatusCode::CONFLICT,
        "task.completed",
    )
    .await;
}

/// The in-app side of notifications: the escalation manager hears of a request, the customer
/// of its outcome; each sees only their own, and a ticket's delivery log follows the tenant.
async fn requests_notify_both_sides_in_the_app(db: Database) {
    let desk = Desk::boot(&db).await;
    let c = desk.customer("mitra-satu", "innovasia", &[]).await;
    let other = desk.customer("mitra-dua", "innovasia", &[]).await;
    let agent = desk.staff("agent", "agent").await;
    let manager = desk.staff("manager", "escalation_manager").await;
    let path = desk
        .report(&c.user, innovasia_report(c.contract, "P2"))
        .await;
    desk.post(
        &c.user.token,
        &format!("{path}/escalation-requests"),
        json!({"reason": "stalled_progress", "justification": JUSTIFICATION}),
        StatusCode::CREATED,
    )
    .await;
    let inbox = desk.get(&manager.token, "/api/v1/notifications").await;
    let items = inbox.as_array().expect("list");
    assert_eq!(items.len(), 1, "{inbox}");
    assert_eq!(items[0]["type"], "escalation_requested");
    assert!(
        items[0]["subject"]
            .as_str()
            .expect("subject")
            .starts_with("[T-")
    );
    assert!(
        items[0]["body"]
            .as_str()
            .expect("body")
            .contains(JUSTIFICATION),
        "{inbox}"
    );
    assert!(items[0]["read_at"].is_null());
    assert_eq!(
        desk.get(&agent.token, "/api/v1/notifications").await,
        json!([]),
        "an unassigned request goes to the escalation managers"
    );

    let request = desk
        .get(&c.user.token, &format!("{path}/escalation-requests"))
        .await[0]["id"]
        .clone();
    desk.post(
        &manager.token,
        &format!("{path}/escalation-requests/{request}/decision"),
        json!({"accept": false, "reason": "A fix is being deployed today."}),
        StatusCode::OK,
    )
    .await;
    let mine = desk
        .get(&c.user.token, "/api/v1/notifications?unread=true")
        .await;
    let mine = mine.as_array().expect("list");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["type"], "escalation_declined");
    assert!(
        mine[0]["body"]
            .as_str()
            .expect("body")
            .contains("A fix is being deployed today."),
        "{mine:?}"
    );
    // Reading: once; nobody else can mark it.
    let id = mine[0]["id"].as_i64().expect("id");
    let read = format!("/api/v1/notifications/{id}/read");
    let response = desk.call(&manager.token, Method::POST, &read, None).await;
    assert_problem(response, StatusCode::NOT_FOUND, "store.not_found").await;
    let response = desk.call(&c.user.token, Method::POST, &read, None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        desk.get(&c.user.token, "/api/v1/notifications?unread=true")
            .await,
        json!([])
    );
    let bad = desk
        .call(
            &c.user.token,
            Method::GET,
            "/api/v1/notifications?unread=perhaps",
            None,
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // The delivery log: staff see every row, the customer its own, another customer nothing.
    let log = format!("{path}/notifications");
    let all = desk.get(&desk.admin, &log).await;
    let all = all.as_array().expect("list");
    assert_eq!(
        all.len(),
        2,
        "the request and the decision, in the app: {all:?}"
    );
    assert!(
        all.iter()
            .all(|n| n["channel"] == "in_app" && n["state"] == "delivered")
    );
    let own = desk.get(&c.user.token, &log).await;
    assert_eq!(own.as_array().expect("list").len(), 1);
    assert_eq!(own[0]["user_id"], c.user.id);
    let response = desk.call(&other.admin.token, Method::GET, &log, None).await;
    assert_problem(response, StatusCode::NOT_FOUND, "store.not_found").await;
}

/// The customer's word on the provider's work: a workaround confirmed or rejected (with why,
/// told to the team), once each; the satisfaction survey after closing, once per closing, a
/// poor rating told to the escalation managers. Only the customer answers, only its own.
async fn workaround_feedback_and_survey(db: Database) {
    let desk = Desk::boot(&db).await;
    let c = desk.customer("mitra-tujuh", "innovasia", &[]).await;
    let other = desk.customer("mitra-delapan", "innovasia", &[]).await;
    let agent = desk.staff("agent", "agent").await;
    let manager = desk.staff("manager", "escalation_manager").await;
    let path = desk
        .report(&c.user, innovasia_report(c.contract, "P2"))
        .await;
    let feedback = format!("{path}/workaround-feedback");
    desk.refused(
        &c.user.token,
        &feedback,
        json!({"accepted": true}),
        StatusCode::CONFLICT,
        "workaround.none",
    )
    .await;
    desk.post(
        &agent.token,
        &format!("{path}/workaround"),
        json!({"comment": "Use the CSV export"}),
        StatusCode::OK,
    )
    .await;
    desk.refused(
        &other.user.token,
        &feedback,
        json!({"accepted": true}),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    desk.refused(
        &agent.token,
        &feedback,
        json!({"accepted": true}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &c.user.token,
        &feedback,
        json!({"accepted": false, "comment": "   "}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "workaround.comment_required",
    )
    .await;
    desk.post(
        &c.user.token,
        &feedback,
        json!({"accepted": false, "comment": "The CSV lacks the tax columns"}),
        StatusCode::OK,
    )
    .await;
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    let rejected = last_of(&events, "workaround_rejected");
    let workaround_seq = last_of(&events, "workaround")["seq"].clone();
    assert_eq!(rejected["payload"]["workaround"], workaround_seq);
    assert_eq!(
        rejected["payload"]["comment"],
        "The CSV lacks the tax columns"
    );
    desk.refused(
        &c.admin.token,
        &feedback,
        json!({"accepted": true}),
        StatusCode::CONFLICT,
        "workaround.answered",
    )
    .await;
    // The team hears of the rejection, with why.
    let inbox = desk.get(&agent.token, "/api/v1/notifications").await;
    let told: Vec<&Value> = inbox
        .as_array()
        .expect("list")
        .iter()
        .filter(|n| n["type"] == "workaround_rejected")
        .collect();
    assert_eq!(told.len(), 1, "{inbox}");
    assert!(
        told[0]["body"]
            .as_str()
            .expect("body")
            .contains("The CSV lacks the tax columns")
    );
    // The rejected workaround no longer meets Innovasia's resolution clock: it runs again.
    let rejected_now = desk.get(&c.user.token, &path).await;
    let clock = metric(&rejected_now, "resolution");
    assert_eq!(clock["state"], "running", "{clock}");
    assert!(clock["met_at"].is_null(), "{clock}");
    // A new workaround meets it again and gets its own answer.
    desk.post(
        &agent.token,
        &format!("{path}/workaround"),
        json!({"comment": "Use the XLSX export"}),
        StatusCode::OK,
    )
    .await;
    desk.post(
        &c.admin.token,
        &feedback,
        json!({"accepted": true, "comment": "XLSX works"}),
        StatusCode::OK,
    )
    .await;
    let confirmed = desk.get(&c.user.token, &path).await;
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    let clock = metric(&confirmed, "resolution");
    assert_eq!(clock["state"], "met", "{clock}");
    assert_eq!(
        instant(&clock["met_at"]),
        instant(&last_of(&events, "workaround")["at"])
    );

    // A resolved ticket's workaround is not rejected (the customer reopens it instead), but
    // may be confirmed.
    let fixed = desk
        .report(&c.user, innovasia_report(c.contract, "P2"))
        .await;
    for step in ["workaround", "resolve"] {
        desk.post(
            &agent.token,
            &format!("{fixed}/{step}"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    }
    desk.refused(
        &c.user.token,
        &format!("{fixed}/workaround-feedback"),
        json!({"accepted": false, "comment": "Still broken"}),
        StatusCode::CONFLICT,
        "workaround.ticket_resolved",
    )
    .await;
    desk.post(
        &c.user.token,
        &format!("{fixed}/workaround-feedback"),
        json!({"accepted": true}),
        StatusCode::OK,
    )
    .await;

    // The survey: only after closing, 1 to 5, once per closing, the customer only.
    let survey = format!("{path}/survey");
    desk.refused(
        &c.user.token,
        &survey,
        json!({"rating": 5}),
        StatusCode::CONFLICT,
        "survey.not_closed",
    )
    .await;
    desk.post(
        &c.user.token,
        &format!("{path}/close"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    for rating in [0, 6] {
        desk.refused(
            &c.user.token,
            &survey,
            json!({"rating": rating}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "survey.invalid_rating",
        )
        .await;
    }
    desk.refused(
        &agent.token,
        &survey,
        json!({"rating": 5}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &c.user.token,
        &feedback,
        json!({"accepted": true}),
        StatusCode::CONFLICT,
        "workaround.ticket_closed",
    )
    .await;
    desk.post(
        &c.user.token,
        &survey,
        json!({"rating": 2, "comment": "Two workarounds before one worked"}),
        StatusCode::OK,
    )
    .await;
    desk.refused(
        &c.admin.token,
        &survey,
        json!({"rating": 5}),
        StatusCode::CONFLICT,
        "survey.answered",
    )
    .await;
    let events = desk.get(&agent.token, &format!("{path}/events")).await;
    assert_eq!(last_of(&events, "survey_answered")["payload"]["rating"], 2);
    let inbox = desk.get(&manager.token, "/api/v1/notifications").await;
    assert!(
        inbox
            .as_array()
            .expect("list")
            .iter()
            .any(|n| n["type"] == "survey_answered"
                && n["subject"]
                    .as_str()
                    .is_some_and(|s| s.ends_with("Survei kepuasan: 2 dari 5"))),
        "{inbox}"
    );
}

/// Outgoing webhooks: only the provider's administrators register them; the secret is shown
/// once; bad URLs and unknown event types are refused.
async fn webhooks_are_managed_by_the_provider_admin(db: Database) {
    let desk = Desk::boot(&db).await;
    let c = desk.customer("mitra-satu", "innovasia", &[]).await;
    let agent = desk.staff("agent", "agent").await;
    let hooks = "/api/v1/webhooks";
    let body = json!({"name": "Slack #sla", "url": "https://hooks.slack.example/T1/B2/x"});
    for who in [&agent.token, &c.admin.token] {
        desk.refused(
            who,
            hooks,
            body.clone(),
            StatusCode::FORBIDDEN,
            "auth.forbidden",
        )
        .await;
    }
    for (bad, field) in [
        (json!({"name": "x", "url": "not a url"}), "url"),
        (json!({"name": "x", "url": "ftp://example.com/x"}), "url"),
        (json!({"name": "", "url": "https://example.com/x"}), "name"),
        (
            json!({"name": "x", "url": "https://example.com/x", "language": "fr"}),
            "language",
        ),
        (
            json!({"name": "x", "url": "https://example.com/x", "events": ["bogus"]}),
            "events",
        ),
    ] {
        let problem = desk
            .refused(
                &desk.admin,
                hooks,
                bad,
                StatusCode::UNPROCESSABLE_ENTITY,
                "webhook.invalid",
            )
            .await;
        assert_eq!(problem["field"], field, "{problem}");
    }
    let made = desk
        .post(&desk.admin, hooks, body, StatusCode::CREATED)
        .await;
    assert!(
        made["secret"]
            .as_str()
            .expect("secret")
            .starts_with("whsec_")
    );
    let listed = desk.get(&desk.admin, hooks).await;
    assert_eq!(listed.as_array().expect("list").len(), 1);
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is shown once"
    );
    let disabled = desk
        .post(
            &desk.admin,
            &format!("{hooks}/{}/disable", made["id"]),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(disabled["disabled_at"].is_string());
    let response = desk
        .call(
            &desk.admin,
            Method::POST,
            &format!("{hooks}/999999/disable"),
            None,
        )
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "store.not_found").await;
}

/// Waiting on the customer pauses the clocks; the customer's answer resumes them in the same
/// transaction as the reply. A provider's reply does not.
async fn a_customer_reply_resumes_the_clocks(db: Database) {
    let desk = Desk::boot(&db).await;
    let c = desk.customer("mitra-satu", "innovasia", &[]).await;
    let agent = desk.staff("agent", "agent").await;
    let path = desk
        .report(&c.user, innovasia_report(c.contract, "P2"))
        .await;
    desk.post(
        &agent.token,
        &format!("{path}/status"),
        json!({"status": "waiting_on_customer", "comment": "Which browser?"}),
        StatusCode::OK,
    )
    .await;
    desk.clock.set("2026-03-16T10:00");
    let staff_reply = desk
        .post(
            &agent.token,
            &format!("{path}/replies"),
            json!({"body": "Any news?"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(staff_reply["status"], "waiting_on_customer");
    desk.clock.set("2026-03-16T11:00");
    let answered = desk
        .post(
            &c.user.token,
            &format!("{path}/replies"),
            json!({"body": "Chrome 131 on Windows"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(answered["status"], "in_progress");
    let events = desk.get(&c.user.token, &format!("{path}/events")).await;
    let types = types(&events);
    assert_eq!(
        types[types.len() - 2..],
        ["reply", "resumed"],
        "the reply, then the resumption: {types:?}"
    );
    let resumed = last_of(&events, "resumed");
    assert_eq!(resumed["at"], events[types.len() - 2]["at"]);
    assert_eq!(resumed["payload"]["by"], "customer_reply", "{resumed}");
    let resolution = answered["sla"]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == "resolution")
        .expect("resolution");
    assert_eq!(resolution["state"], "running", "{resolution}");
}

/// Issue 6, monitors over the API: only the provider's administrators add, pause, resume and
/// delete them; the probe definition is checked (interval ≥ 10 s, timeout within it, a
/// service the policy names, a contract of this provider); a customer sees the monitors of
/// its own contracts only.
async fn monitors_belong_to_the_provider_and_customers_see_their_own(db: Database) {
    let desk = Desk::boot(&db).await;
    let ampo = desk.customer("ampo", "ampocloud", &[]).await;
    let other = desk.customer("lain", "innovasia", &[]).await;
    let agent = desk.staff("agen", "agent").await;
    let body = |contract: i64, interval: &str| {
        json!({
            "contract_id": contract,
            "service_id": "service",
            "name": "API health",
            "interval": interval,
            "check": {"type": "http", "url": "https://api.example.com/health", "timeout": "5s"},
            "public": true,
        })
    };
    let made = desk
        .post(
            &desk.admin,
            "/api/v1/monitors",
            body(ampo.contract, "30s"),
            StatusCode::CREATED,
        )
        .await;
    let id = made["id"].as_i64().expect("id");
    assert_eq!(made["interval_ms"], json!(30_000));
    assert_eq!(made["locations"], json!(["local"]));
    assert!(made["paused_at"].is_null());
    // The first slot lies within one interval of now.
    let next: Timestamp = made["next_run_at"]
        .as_str()
        .expect("next")
        .parse()
        .expect("instant");
    let now = at("2026-03-16T09:00");
    assert!(
        next > now && next <= now + jiff::SignedDuration::from_secs(30),
        "{next}"
    );
    desk.post(
        &desk.admin,
        "/api/v1/monitors",
        body(other.contract, "1m"),
        StatusCode::CREATED,
    )
    .await;

    // Bad definitions, each with its own code; nothing is written.
    desk.refused(
        &desk.admin,
        "/api/v1/monitors",
        body(ampo.contract, "5s"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "probe.interval_too_short",
    )
    .await;
    desk.refused(
        &desk.admin,
        "/api/v1/monitors",
        body(ampo.contract, "3s")
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.insert("interval".into(), json!("10s"));
                o.insert(
                    "check".into(),
                    json!({"type": "http", "url": "https://x.example", "timeout": "20s"}),
                );
                Value::Object(o)
            })
            .expect("object"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "probe.timeout_exceeds_interval",
    )
    .await;
    let mut unknown = body(ampo.contract, "30s");
    unknown["service_id"] = json!("backend");
    desk.refused(
        &desk.admin,
        "/api/v1/monitors",
        unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        "monitor.unknown_service",
    )
    .await;
    let mut ftp = body(ampo.contract, "30s");
    ftp["check"]["url"] = json!("ftp://files.example.com");
    let problem = desk
        .call(&desk.admin, Method::POST, "/api/v1/monitors", Some(ftp))
        .await;
    assert_eq!(problem.status(), StatusCode::UNPROCESSABLE_ENTITY);
    desk.refused(
        &desk.admin,
        "/api/v1/monitors",
        body(999_999, "30s"),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    // Only provider administrators.
    desk.refused(
        &agent.token,
        "/api/v1/monitors",
        body(ampo.contract, "30s"),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &ampo.admin.token,
        "/api/v1/monitors",
        body(ampo.contract, "30s"),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;

    // Staff see the provider's two; each customer its own one; another's is not found.
    let all = desk.get(&agent.token, "/api/v1/monitors").await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let mine = desk.get(&ampo.user.token, "/api/v1/monitors").await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(mine[0]["id"], json!(id));
    let detail = desk
        .get(&ampo.user.token, &format!("/api/v1/monitors/{id}"))
        .await;
    assert_eq!(detail["monitor"]["name"], json!("API health"));
    assert_eq!(detail["latest"], json!([]));
    let response = desk
        .call(
            &other.user.token,
            Method::GET,
            &format!("/api/v1/monitors/{id}"),
            None,
        )
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "store.not_found").await;

    // Pause, resume, delete: the provider's administrator only.
    desk.refused(
        &ampo.admin.token,
        &format!("/api/v1/monitors/{id}/pause"),
        json!({}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    let paused = desk
        .post(
            &desk.admin,
            &format!("/api/v1/monitors/{id}/pause"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(paused["paused_at"].is_string());
    desk.clock.set("2026-03-16T10:00");
    let resumed = desk
        .post(
            &desk.admin,
            &format!("/api/v1/monitors/{id}/resume"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(resumed["paused_at"].is_null());
    let next: Timestamp = resumed["next_run_at"]
        .as_str()
        .expect("next")
        .parse()
        .expect("instant");
    assert!(
        next > at("2026-03-16T10:00"),
        "resumed at a slot after now: {next}"
    );
    desk.ok(
        &desk.admin,
        Method::DELETE,
        &format!("/api/v1/monitors/{id}"),
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    let response = desk
        .call(
            &ampo.user.token,
            Method::GET,
            &format!("/api/v1/monitors/{id}"),
            None,
        )
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "store.not_found").await;
}

// ------------------------------------------------------------------------ availability (issue 6)

/// A GET that must fail with `status` and `code`; returns the problem body.
async fn get_refused(
    desk: &Desk,
    token: &str,
    path: &str,
    status: StatusCode,
    code: &str,
) -> Value {
    let response = desk.call(token, Method::GET, path, None).await;
    assert_problem(response, status, code).await
}

/// Maintenance windows: announced by the provider's administrators and agents with the
/// server's clock as the announcement; 47 h ahead is not excluded under Innovasia's 48-hour
/// notice, 48 h is; a window recorded after it started is kept and never excluded; AmpoCloud
/// does not exclude maintenance; customers read their own contract's, nobody else's; a window
/// is cancelled once, before it starts; the monthly report agrees.
async fn maintenance_is_excluded_only_with_the_policys_notice(db: Database) {
    let desk = Desk::boot(&db).await;
    let inno = desk.customer("mitra-satu", "innovasia", &[]).await;
    let other = desk.customer("mitra-dua", "innovasia", &[]).await;
    let ampo = desk.customer("ampo", "ampocloud", &[]).await;
    let bene = desk.customer("bene", "benemica", &[]).await;
    let agent = desk.staff("agen", "agent").await;
    let path = format!("/api/v1/contracts/{}/maintenance", inno.contract);
    let window = |start: &str, end: &str| {
        json!({"start": format!("{start}:00+07:00"), "end": format!("{end}:00+07:00"),
               "note": "Database upgrade to PostgreSQL 18"})
    };

    // Now is 2026-03-16 09:00 WIB: 47 hours ahead is short notice, 48 hours is enough.
    let short = desk
        .post(
            &agent.token,
            &path,
            window("2026-03-18T08:00", "2026-03-18T10:00"),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(short["announced_at"], "2026-03-16T02:00:00Z");
    assert_eq!(short["created_by"], agent.id);
    assert!(short["service_id"].is_null());
    let d = &short["decision"];
    assert_eq!(d["excluded"], false);
    assert_eq!(d["code"], "maintenance.short_notice");
    assert_eq!(d["notice_seconds"], 47 * 3600);
    assert_eq!(d["required_seconds"], 48 * 3600);
    assert_eq!(
        d["reason"]["en"],
        "announced 47h before, the policy needs 48h"
    );
    assert_eq!(
        d["reason"]["id"],
        "diumumkan 47 jam sebelumnya, kebijakan mensyaratkan 48 jam"
    );
    let enough = desk
        .post(
            &desk.admin,
            &path,
            window("2026-03-18T09:00", "2026-03-18T11:00"),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(enough["decision"]["excluded"], true);
    assert_eq!(enough["decision"]["code"], "maintenance.excluded");
    assert_eq!(
        enough["decision"]["reason"]["en"],
        "announced 48h before, the policy needs 48h: excluded"
    );
    // Recorded after it started: accepted, never excluded.
    let mut late = window("2026-03-16T08:00", "2026-03-16T08:30");
    late["service_id"] = json!("service");
    let late = desk
        .post(&agent.token, &path, late, StatusCode::CREATED)
        .await;
    assert_eq!(late["service_id"], "service");
    assert_eq!(late["decision"]["code"], "maintenance.short_notice");
    assert_eq!(late["decision"]["notice_seconds"], -3600);
    assert_eq!(
        late["decision"]["reason"]["en"],
        "announced 1h after it started, the policy needs 48h"
    );
    // AmpoCloud does not exclude maintenance at all.
    let ampo_window = desk
        .post(
            &desk.admin,
            &format!("/api/v1/contracts/{}/maintenance", ampo.contract),
            window("2026-04-01T00:00", "2026-04-01T02:00"),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(
        ampo_window["decision"]["code"],
        "maintenance.not_an_exclusion"
    );
    assert!(ampo_window["decision"]["required_seconds"].is_null());
    assert_eq!(
        ampo_window["decision"]["reason"]["en"],
        "the policy does not exclude scheduled maintenance"
    );

    // Bad input.
    desk.refused(
        &agent.token,
        &path,
        window("2026-03-20T10:00", "2026-03-20T10:00"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.bad_interval",
    )
    .await;
    let mut unknown = window("2026-03-20T10:00", "2026-03-20T11:00");
    unknown["service_id"] = json!("backend_api");
    let problem = desk
        .refused(
            &agent.token,
            &path,
            unknown,
            StatusCode::UNPROCESSABLE_ENTITY,
            "availability.unknown_service",
        )
        .await;
    assert_eq!(problem["allowed"], json!(["service"]));
    desk.refused(
        &agent.token,
        &path,
        json!({"start": "tomorrow", "end": "2026-03-20T11:00:00+07:00", "note": "x"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.bad_instant",
    )
    .await;
    let mut no_note = window("2026-03-20T10:00", "2026-03-20T11:00");
    no_note["note"] = json!("  ");
    desk.refused(
        &agent.token,
        &path,
        no_note,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_text",
    )
    .await;
    desk.refused(
        &desk.admin,
        &format!("/api/v1/contracts/{}/maintenance", bene.contract),
        window("2026-03-20T10:00", "2026-03-20T11:00"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.not_promised",
    )
    .await;
    // Customers do not announce maintenance.
    desk.refused(
        &inno.admin.token,
        &path,
        window("2026-03-20T10:00", "2026-03-20T11:00"),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &desk.admin,
        "/api/v1/contracts/999999/maintenance",
        window("2026-03-20T10:00", "2026-03-20T11:00"),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;

    // The customer reads its contract's windows with their decisions; another customer 404.
    let listed = desk.get(&inno.user.token, &path).await;
    let ids: Vec<&Value> = listed
        .as_array()
        .expect("list")
        .iter()
        .map(|w| &w["id"])
        .collect();
    assert_eq!(ids, [&late["id"], &short["id"], &enough["id"]]);
    assert_eq!(listed[1]["decision"]["code"], "maintenance.short_notice");
    assert_eq!(listed[2]["decision"]["excluded"], true);
    let narrow = desk
        .get(
            &inno.user.token,
            &format!("{path}?from=2026-03-18T01:30:00Z&to=2026-03-19T00:00:00Z"),
        )
        .await;
    assert_eq!(narrow.as_array().expect("list").len(), 2);
    get_refused(
        &desk,
        &inno.user.token,
        &format!("{path}?from=2026-03-19T00:00:00Z&to=2026-03-18T00:00:00Z"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.bad_range",
    )
    .await;
    get_refused(
        &desk,
        &other.user.token,
        &path,
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;

    // Cancelling: before the start, once, by the provider.
    let cancel = |w: &Value| format!("/api/v1/maintenance/{}/cancel", w["id"]);
    desk.refused(
        &inno.admin.token,
        &cancel(&enough),
        json!({}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    let cancelled = desk
        .post(&agent.token, &cancel(&enough), json!({}), StatusCode::OK)
        .await;
    assert_eq!(cancelled["cancelled_at"], "2026-03-16T02:00:00Z");
    assert_eq!(cancelled["decision"]["excluded"], false);
    assert_eq!(cancelled["decision"]["code"], "maintenance.cancelled");
    desk.refused(
        &agent.token,
        &cancel(&enough),
        json!({}),
        StatusCode::CONFLICT,
        "maintenance.already_cancelled",
    )
    .await;
    desk.refused(
        &agent.token,
        &cancel(&late),
        json!({}),
        StatusCode::CONFLICT,
        "maintenance.started",
    )
    .await;
    desk.refused(
        &agent.token,
        "/api/v1/maintenance/999999/cancel",
        json!({}),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;

    // Every user of the customer hears of each announcement and of the cancellation, in the
    // calendar's zone, with what the window means for availability; other customers and the
    // staff who announced hear nothing.
    for user in [&inno.user, &inno.admin] {
        let inbox = desk.get(&user.token, "/api/v1/notifications").await;
        let mut kinds: Vec<(&str, &str)> = inbox
            .as_array()
            .expect("inbox")
            .iter()
            .map(|n| {
                (
                    n["type"].as_str().expect("type"),
                    n["subject"].as_str().expect("subject"),
                )
            })
            .collect();
        kinds.sort();
        assert_eq!(kinds.len(), 4, "{inbox}");
        assert!(kinds[0].0 == "maintenance_announced" && kinds[3].0 == "maintenance_cancelled");
        assert!(
            kinds[3]
                .1
                .ends_with("2026-03-18 09:00 WIB – 2026-03-18 11:00 WIB"),
            "{}",
            kinds[3].1
        );
        assert!(
            inbox
                .as_array()
                .expect("inbox")
                .iter()
                .all(|n| n["ticket_id"].is_null())
        );
        let excluded = inbox
            .as_array()
            .expect("inbox")
            .iter()
            .find(|n| {
                n["type"] == "maintenance_announced"
                    && n["subject"]
                        .as_str()
                        .is_some_and(|s| s.contains("2026-03-18 09:00 WIB"))
            })
            .expect("the 48-hour window");
        let body = excluded["body"].as_str().expect("body");
        assert!(
            body.contains("dikecualikan dari perhitungan ketersediaan")
                || body.contains("excluded from the availability figures"),
            "{body}"
        );
        assert!(body.contains("Database upgrade to PostgreSQL 18"), "{body}");
    }
    for token in [&other.user.token, &agent.token] {
        let inbox = desk.get(token, "/api/v1/notifications").await;
        assert_eq!(inbox, json!([]), "nothing for them");
    }

    // Staff reach only their own provider's contracts.
    let foreign = {
        use tenggat_store::{NewContract, NewOrganisation, OrgKind, PolicyRef, Store};
        let now = at("2026-03-16T09:00");
        let org = |kind, slug: &str| NewOrganisation {
            kind,
            name: slug.to_owned(),
            slug: slug.to_owned(),
            created_at: now,
        };
        let provider = db
            .create_organisation(&org(OrgKind::Provider, "penyedia-asing"))
            .await
            .expect("provider");
        let customer = db
            .create_organisation(&org(OrgKind::Customer, "mitra-asing"))
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
            created_at: now,
        })
        .await
        .expect("contract")
        .id
    };
    desk.refused(
        &desk.admin,
        &format!("/api/v1/contracts/{foreign}/maintenance"),
        window("2026-03-20T10:00", "2026-03-20T11:00"),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    for route in [
        "maintenance",
        "exclusions",
        "claims",
        "availability?month=2026-03",
    ] {
        get_refused(
            &desk,
            &agent.token,
            &format!("/api/v1/contracts/{foreign}/{route}"),
            StatusCode::NOT_FOUND,
            "store.not_found",
        )
        .await;
    }

    // The monthly report counts the two windows announced too late as downtime; the
    // cancelled one is gone.
    let report = desk
        .get(
            &inno.user.token,
            &format!(
                "/api/v1/contracts/{}/availability?month=2026-03",
                inno.contract
            ),
        )
        .await;
    let refused = report[0]["refused_maintenance"]
        .as_array()
        .expect("refused");
    let refused_ids: Vec<&Value> = refused.iter().map(|r| &r["id"]).collect();
    assert_eq!(refused_ids, [&late["id"], &short["id"]]);
    assert_eq!(
        refused[1]["reason"],
        "announced 47h before, the policy needs 48h"
    );
    assert!(
        report[0]["excluded"]
            .as_array()
            .expect("excluded")
            .is_empty()
    );
    get_refused(
        &desk,
        &desk.admin,
        &format!(
            "/api/v1/contracts/{}/availability?month=2026-03",
            bene.contract
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.not_promised",
    )
    .await;
}

/// Exclusions other than maintenance: recorded by the provider's administrators with a reason
/// the policy lists and the evidence; disputed by the customer; upheld or withdrawn by the
/// provider; a withdrawn one no longer excludes; each step only from its state (409).
async fn exclusions_are_disputed_and_resolved(db: Database) {
    let desk = Desk::boot(&db).await;
    let inno = desk.customer("mitra-satu", "innovasia", &[]).await;
    let other = desk.customer("mitra-dua", "innovasia", &[]).await;
    let agent = desk.staff("agen", "agent").await;
    let path = format!("/api/v1/contracts/{}/exclusions", inno.contract);
    let exclusion = |reason: &str, start: &str, end: &str| {
        json!({"start": format!("{start}:00+07:00"), "end": format!("{end}:00+07:00"),
               "reason": reason, "note": "PLN blackout across Jakarta, notice PLN/2026/0310"})
    };

    let upheld = desk
        .post(
            &desk.admin,
            &path,
            exclusion("force_majeure", "2026-03-10T10:00", "2026-03-10T12:00"),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(upheld["state"], "recorded");
    assert_eq!(upheld["excludes"], true);
    assert_eq!(upheld["reason_name"]["en"], "Force majeure");
    assert!(upheld["service_id"].is_null());

    // Reasons: only the policy's, and not maintenance (it needs its notice checked).
    let allowed = json!([
        "force_majeure",
        "partner_side",
        "partner_actions",
        "third_party",
        "malicious_attack"
    ]);
    let problem = desk
        .refused(
            &desk.admin,
            &path,
            exclusion("solar_flare", "2026-03-10T10:00", "2026-03-10T12:00"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "availability.unknown_exclusion",
        )
        .await;
    assert_eq!(problem["allowed"], allowed);
    let problem = desk
        .refused(
            &desk.admin,
            &path,
            exclusion(
                "scheduled_maintenance",
                "2026-03-10T10:00",
                "2026-03-10T12:00",
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "availability.unknown_exclusion",
        )
        .await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("maintenance window"),
        "{problem}"
    );
    desk.refused(
        &desk.admin,
        &path,
        exclusion("third_party", "2026-03-10T12:00", "2026-03-10T10:00"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.bad_interval",
    )
    .await;
    let mut no_evidence = exclusion("third_party", "2026-03-10T10:00", "2026-03-10T12:00");
    no_evidence["note"] = json!("");
    desk.refused(
        &desk.admin,
        &path,
        no_evidence,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_text",
    )
    .await;
    for who in [&agent.token, &inno.admin.token] {
        desk.refused(
            who,
            &path,
            exclusion("third_party", "2026-03-10T10:00", "2026-03-10T12:00"),
            StatusCode::FORBIDDEN,
            "auth.forbidden",
        )
        .await;
    }

    // The customer disputes; the provider upholds.
    let dispute = |e: &Value| format!("/api/v1/exclusions/{}/dispute", e["id"]);
    let resolve = |e: &Value| format!("/api/v1/exclusions/{}/resolve", e["id"]);
    let objection = json!({"note": "Our own generators ran; your data centre's did not."});
    desk.refused(
        &agent.token,
        &dispute(&upheld),
        objection.clone(),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &other.user.token,
        &dispute(&upheld),
        objection.clone(),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    desk.refused(
        &inno.user.token,
        &resolve(&upheld),
        json!({"outcome": "upheld", "note": "x"}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &desk.admin,
        &resolve(&upheld),
        json!({"outcome": "upheld", "note": "Evidence attached."}),
        StatusCode::CONFLICT,
        "exclusion.invalid_state",
    )
    .await;
    let disputed = desk
        .post(
            &inno.user.token,
            &dispute(&upheld),
            objection.clone(),
            StatusCode::OK,
        )
        .await;
    assert_eq!(disputed["state"], "disputed");
    assert_eq!(disputed["excludes"], true, "still excluded until resolved");
    assert_eq!(disputed["disputed_by"], inno.user.id);
    assert_eq!(disputed["dispute_note"], objection["note"]);
    desk.refused(
        &inno.admin.token,
        &dispute(&upheld),
        objection.clone(),
        StatusCode::CONFLICT,
        "exclusion.invalid_state",
    )
    .await;
    desk.refused(
        &desk.admin,
        &resolve(&upheld),
        json!({"outcome": "maybe", "note": "x"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_body",
    )
    .await;
    desk.refused(
        &desk.admin,
        &resolve(&upheld),
        json!({"outcome": "upheld", "note": " "}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_text",
    )
    .await;
    let done = desk
        .post(
            &desk.admin,
            &resolve(&upheld),
            json!({"outcome": "upheld", "note": "The grid operator's notice covers the site."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(done["state"], "upheld");
    assert_eq!(done["excludes"], true);
    assert_eq!(done["resolved_at"], "2026-03-16T02:00:00Z");
    desk.refused(
        &desk.admin,
        &resolve(&upheld),
        json!({"outcome": "withdrawn", "note": "Changed our mind."}),
        StatusCode::CONFLICT,
        "exclusion.invalid_state",
    )
    .await;

    // A second one is disputed and withdrawn: it no longer excludes.
    let withdrawn = desk
        .post(
            &desk.admin,
            &path,
            exclusion("third_party", "2026-03-12T01:00", "2026-03-12T02:00"),
            StatusCode::CREATED,
        )
        .await;
    desk.post(
        &inno.admin.token,
        &dispute(&withdrawn),
        json!({"note": "The CDN was your choice, not ours."}),
        StatusCode::OK,
    )
    .await;
    let gone = desk
        .post(
            &desk.admin,
            &resolve(&withdrawn),
            json!({"outcome": "withdrawn", "note": "Agreed, the CDN is ours."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(gone["state"], "withdrawn");
    assert_eq!(gone["excludes"], false);

    let march = format!("{path}?from=2026-03-01T00:00:00%2B07:00&to=2026-04-01T00:00:00%2B07:00");
    let listed = desk.get(&inno.user.token, &march).await;
    let states: Vec<&Value> = listed
        .as_array()
        .expect("list")
        .iter()
        .map(|e| &e["state"])
        .collect();
    assert_eq!(states, ["upheld", "withdrawn"]);
    get_refused(
        &desk,
        &other.admin.token,
        &march,
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    // The report takes out only the upheld one.
    let report = desk
        .get(
            &desk.admin,
            &format!(
                "/api/v1/contracts/{}/availability?month=2026-03&service=service",
                inno.contract
            ),
        )
        .await;
    let excluded = report[0]["excluded"].as_array().expect("excluded");
    assert_eq!(excluded.len(), 1, "{excluded:?}");
    assert_eq!(excluded[0]["source"]["exclusion"], upheld["id"]);
    assert_eq!(excluded[0]["state"], "upheld");
}

/// Credit claims: Innovasia, 3,000 minutes of downtime in April 2026 (93.05 %, the 10 % tier);
/// claims before the month ends and on day 31 are refused with the reason, day 30 is
/// accepted with the figures; a month without credit, a duplicate, AmpoCloud (no claim
/// window) are refused; another customer cannot see or claim; the provider rejects with a
/// reason or approves for the invoice period after the decision's month.
async fn credit_claims_within_the_window(db: Database) {
    use tenggat_store::{LiveState, Monitoring, NewRun, RunKind};

    let desk = Desk::boot(&db).await;
    let inno = desk.customer("mitra-satu", "innovasia", &[]).await;
    let other = desk.customer("mitra-dua", "innovasia", &[]).await;
    let ampo = desk.customer("ampo", "ampocloud", &[]).await;
    let agent = desk.staff("agen", "agent").await;
    // Evaluation starts at the monitor's creation (now, March 16); the timeline is written
    // straight into the store up to the end of April: one outage of 50 hours.
    desk.post(
        &desk.admin,
        "/api/v1/monitors",
        json!({"contract_id": inno.contract, "service_id": "service", "name": "Login",
               "interval": "30s", "check": {"type": "http", "url": "https://app.example.com/"}}),
        StatusCode::CREATED,
    )
    .await;
    let cause = serde_json::to_value(tenggat_availability::Cause::FailingShare {
        failing: 3,
        unreachable: 0,
        monitored: 4,
        over_percent: 50.0,
    })
    .expect("cause");
    let until = at("2026-05-01T00:00");
    assert!(
        db.advance_availability(
            inno.contract,
            "service",
            None,
            until,
            &[NewRun {
                kind: RunKind::Down,
                start: at("2026-04-10T00:00"),
                end: at("2026-04-12T02:00"),
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

    // The report.
    desk.clock.set("2026-05-02T09:00");
    let report_path = format!("/api/v1/contracts/{}/availability", inno.contract);
    let april = desk
        .get(&inno.user.token, &format!("{report_path}?month=2026-04"))
        .await;
    let april = &april[0];
    assert_eq!(april["service"], "service");
    assert_eq!(april["downtime_minutes"], 3000);
    assert_eq!(april["availability"], "93.05");
    assert_eq!(april["credit"]["credit_percent"], 10.0);
    assert_eq!(april["credit"]["amount_minor"], 150_000_000);
    assert_eq!(april["claim_deadline"], "2026-05-30T17:00:00Z");
    assert_eq!(april["complete"], true);
    for bad in ["2026-13", "April", ""] {
        get_refused(
            &desk,
            &inno.user.token,
            &format!("{report_path}?month={bad}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "availability.bad_month",
        )
        .await;
    }
    get_refused(
        &desk,
        &inno.user.token,
        &report_path,
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.bad_month",
    )
    .await;
    get_refused(
        &desk,
        &inno.user.token,
        &format!("{report_path}?month=2026-04&service=backend_api"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.unknown_service",
    )
    .await;
    get_refused(
        &desk,
        &other.user.token,
        &format!("{report_path}?month=2026-04"),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;

    // Claims.
    let claims = format!("/api/v1/contracts/{}/claims", inno.contract);
    let claim = |month: &str| json!({"service_id": "service", "month": month, "note": "Outage of 10-12 April"});
    desk.clock.set("2026-04-20T10:00");
    let early = desk
        .refused(
            &inno.user.token,
            &claims,
            claim("2026-04"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "claim.early",
        )
        .await;
    assert_eq!(
        early["detail"],
        "2026-04 has not ended yet; claim after it ends"
    );
    let none = desk
        .refused(
            &inno.user.token,
            &claims,
            claim("2026-03"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "claim.no_credit",
        )
        .await;
    assert_eq!(none["availability"], "100.00");

    desk.clock.set("2026-05-31T00:00");
    let late = desk
        .refused(
            &inno.user.token,
            &claims,
            claim("2026-04"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "claim.late",
        )
        .await;
    assert_eq!(
        late["detail"],
        "claimed on day 31 after the end of 2026-04; the policy allows 30 days"
    );
    assert_eq!(late["day"], 31);
    assert_eq!(late["deadline"], "2026-05-30T17:00:00Z");

    desk.clock.set("2026-05-30T23:59");
    for (body, code) in [
        (
            json!({"service_id": "service", "month": "2026-4"}),
            "availability.bad_month",
        ),
        (
            json!({"service_id": "backend_api", "month": "2026-04"}),
            "availability.unknown_service",
        ),
    ] {
        desk.refused(
            &inno.user.token,
            &claims,
            body,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
        )
        .await;
    }
    // Only the contract's customer claims; another customer does not even see the contract.
    desk.refused(
        &agent.token,
        &claims,
        claim("2026-04"),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &other.user.token,
        &claims,
        claim("2026-04"),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    desk.refused(
        &ampo.admin.token,
        &format!("/api/v1/contracts/{}/claims", ampo.contract),
        json!({"service_id": "backend_api", "month": "2026-04"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "availability.no_claim_window",
    )
    .await;

    // Day 30: accepted, with the figures.
    let first = desk
        .post(
            &inno.user.token,
            &claims,
            claim("2026-04"),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(first["state"], "pending");
    assert_eq!(first["month"], "2026-04");
    assert_eq!(first["amount_minor"], 150_000_000);
    assert_eq!(first["currency"], "IDR");
    assert_eq!(first["claimed_by"], inno.user.id);
    assert_eq!(first["claimed_at"], "2026-05-30T16:59:00Z");
    assert_eq!(first["figures"]["availability"], "93.05");
    assert_eq!(first["figures"]["downtime_minutes"], 3000);
    let duplicate = desk
        .refused(
            &inno.admin.token,
            &claims,
            claim("2026-04"),
            StatusCode::CONFLICT,
            "claim.duplicate",
        )
        .await;
    assert_eq!(duplicate["claim_id"], first["id"]);

    let one = |c: &Value| format!("/api/v1/claims/{}", c["id"]);
    assert_eq!(
        desk.get(&inno.admin.token, &one(&first)).await["id"],
        first["id"]
    );
    assert_eq!(
        desk.get(&agent.token, &one(&first)).await["id"],
        first["id"]
    );
    get_refused(
        &desk,
        &other.user.token,
        &one(&first),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    get_refused(
        &desk,
        &other.user.token,
        &claims,
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;

    // The provider decides: a rejection needs a reason; each claim is decided once.
    let decide = |c: &Value| format!("/api/v1/claims/{}/decide", c["id"]);
    for who in [&inno.admin.token, &agent.token] {
        desk.refused(
            who,
            &decide(&first),
            json!({"outcome": "approved"}),
            StatusCode::FORBIDDEN,
            "auth.forbidden",
        )
        .await;
    }
    desk.refused(
        &desk.admin,
        &decide(&first),
        json!({"outcome": "rejected", "note": ""}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "claim.reason_required",
    )
    .await;
    let rejected = desk
        .post(
            &desk.admin,
            &decide(&first),
            json!({"outcome": "rejected", "note": "Filed against the wrong service."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(rejected["state"], "rejected");
    assert!(rejected["credit_period"].is_null());
    assert_eq!(
        rejected["decision_note"],
        "Filed against the wrong service."
    );
    desk.refused(
        &desk.admin,
        &decide(&first),
        json!({"outcome": "approved"}),
        StatusCode::CONFLICT,
        "claim.decided",
    )
    .await;

    // A rejected claim does not block another; approved in June, credited in July.
    let second = desk
        .post(
            &inno.admin.token,
            &claims,
            claim("2026-04"),
            StatusCode::CREATED,
        )
        .await;
    desk.clock.set("2026-06-02T09:00");
    let approved = desk
        .post(
            &desk.admin,
            &decide(&second),
            json!({"outcome": "approved", "note": "Credit note CN-2026-07-001."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["credit_period"], "2026-07");
    assert_eq!(approved["decided_at"], "2026-06-02T02:00:00Z");
    desk.refused(
        &desk.admin,
        &decide(&second),
        json!({"outcome": "rejected", "note": "No."}),
        StatusCode::CONFLICT,
        "claim.decided",
    )
    .await;
    let listed = desk.get(&inno.user.token, &claims).await;
    let states: Vec<&Value> = listed
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| &c["state"])
        .collect();
    assert_eq!(states, ["approved", "rejected"]);
}

// ------------------------------------------------------------------------ probe agents (issue 6)

/// Issue 6, "Probe agents": the provider's administrator registers an agent per location (its
/// token shown once); the agent's token works on the agent's endpoints only and a user's token
/// never there; the agent sees its location's monitors and reports samples for them only;
/// a revoked token is refused.
async fn probe_agents_report_for_their_location(db: Database) {
    use tenggat_store::{
        Monitoring, NewContract, NewMonitor, NewOrganisation, OrgKind, PolicyRef, Store,
    };

    let desk = Desk::boot(&db).await;
    let ampo = desk.customer("ampo", "ampocloud", &[]).await;
    let staff = desk.staff("agen", "agent").await;
    let monitor = |name: &str, locations: Value| {
        json!({
            "contract_id": ampo.contract,
            "service_id": "service",
            "name": name,
            "interval": "30s",
            "check": {"type": "http", "url": "https://api.example.com/health", "timeout": "5s"},
            "locations": locations,
        })
    };
    let mut ids = Vec::new();
    for (name, locations) in [
        ("From Jakarta", json!(["jakarta", "local"])),
        ("From Surabaya", json!(["surabaya"])),
        ("From here", json!(["local"])),
    ] {
        let made = desk
            .post(
                &desk.admin,
                "/api/v1/monitors",
                monitor(name, locations),
                StatusCode::CREATED,
            )
            .await;
        ids.push(made["id"].as_i64().expect("id"));
    }
    let (jakarta, surabaya) = (ids[0], ids[1]);

    // Registered by the provider's administrator; the token is in this answer only.
    let made = desk
        .post(
            &desk.admin,
            "/api/v1/probe-agents",
            json!({"location": "jakarta"}),
            StatusCode::CREATED,
        )
        .await;
    let token = made["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with("pat_") && token.len() == 68, "{token}");
    assert_eq!(made["agent"]["location"], "jakarta");
    assert!(made["agent"]["last_seen_at"].is_null());
    let agent_id = made["agent"]["id"].as_i64().expect("agent id");
    let listed = desk.get(&desk.admin, "/api/v1/probe-agents").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert!(!listed.to_string().contains(&token[4..]), "{listed}");
    for location in ["local", "two words", "", "jakarta/2"] {
        desk.refused(
            &desk.admin,
            "/api/v1/probe-agents",
            json!({"location": location}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "probe_agent.invalid_location",
        )
        .await;
    }
    desk.refused(
        &desk.admin,
        "/api/v1/probe-agents",
        json!({"location": "jakarta"}),
        StatusCode::CONFLICT,
        "probe_agent.location_taken",
    )
    .await;
    for who in [&staff.token, &ampo.admin.token] {
        desk.refused(
            who,
            "/api/v1/probe-agents",
            json!({"location": "medan"}),
            StatusCode::FORBIDDEN,
            "auth.forbidden",
        )
        .await;
    }

    // The agent's token is no user's, and a user's token is no agent's.
    let response = desk
        .call(&token, Method::GET, "/api/v1/monitors", None)
        .await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    for user in [&desk.admin, &staff.token] {
        let response = desk
            .call(user, Method::GET, "/api/v1/agent/monitors", None)
            .await;
        assert_problem(response, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    }

    // Only the monitors of its location, with their slots.
    let mine = desk.get(&token, "/api/v1/agent/monitors").await;
    assert_eq!(mine["location"], "jakarta");
    let monitors = mine["monitors"].as_array().expect("monitors");
    assert_eq!(monitors.len(), 1, "{mine}");
    assert_eq!(monitors[0]["id"], json!(jakarta));
    assert_eq!(monitors[0]["interval_ms"], json!(30_000));
    assert_eq!(monitors[0]["check"]["type"], "http");
    let offset = monitors[0]["slot_offset_ms"].as_i64().expect("offset");
    assert!((0..30_000).contains(&offset), "{offset}");
    let next = instant(&monitors[0]["next_slot_at"]);
    let now = at("2026-03-16T09:00");
    assert!(next > now && next <= now + jiff::SignedDuration::from_secs(30));
    assert_eq!(
        next.as_millisecond().rem_euclid(30_000),
        offset,
        "the next slot is on the monitor's grid"
    );

    // Samples are stored under the agent's location.
    let sample = |monitor: i64, when: Timestamp, outcome: &str| {
        let mut s = json!({"monitor_id": monitor, "at": when.to_string(), "outcome": outcome,
                           "detail": "", "latency_ms": 42});
        if outcome == "failed" {
            s["failure_kind"] = json!("unhealthy");
            s["detail"] = json!("HTTP 503");
        }
        s
    };
    let samples = json!({"samples": [
        sample(jakarta, at("2026-03-16T08:58"), "ok"),
        sample(jakarta, at("2026-03-16T08:59"), "failed"),
    ]});
    let stored = desk
        .post(
            &token,
            "/api/v1/agent/samples",
            samples.clone(),
            StatusCode::OK,
        )
        .await;
    assert_eq!(stored, json!({"stored": 2}));
    let again = desk
        .post(&token, "/api/v1/agent/samples", samples, StatusCode::OK)
        .await;
    assert_eq!(again, json!({"stored": 0}), "sent again: skipped");
    let latest = |detail: Value| {
        let all = detail["latest"].as_array().expect("latest").clone();
        all.into_iter()
            .find(|s| s["location"] == "jakarta")
            .unwrap_or(Value::Null)
    };
    let detail = desk
        .get(&ampo.user.token, &format!("/api/v1/monitors/{jakarta}"))
        .await;
    let seen = latest(detail);
    assert_eq!(seen["outcome"], "failed");
    assert_eq!(seen["failure_kind"], "unhealthy");
    assert_eq!(seen["detail"], "HTTP 503");
    assert_eq!(seen["latency_ms"], 42);
    assert_eq!(instant(&seen["at"]), at("2026-03-16T08:59"));

    // A monitor of another location or of another provider: 422 naming it, nothing stored.
    let other_provider = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Provider,
            name: "Penyedia Lain".into(),
            slug: "penyedia-lain".into(),
            created_at: now,
        })
        .await
        .expect("provider");
    let other_customer = db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Customer,
            name: "Mitra Lain".into(),
            slug: "mitra-lain".into(),
            created_at: now,
        })
        .await
        .expect("customer");
    let contract = db
        .create_contract(&NewContract {
            provider_id: other_provider.id,
            customer_org_id: other_customer.id,
            policy: PolicyRef::Preset("ampocloud".into()),
            add_ons: vec![],
            monthly_fee_minor: 0,
            currency: "IDR".into(),
            term_start: "2026-01-01".parse().expect("date"),
            term_end: None,
            designated_contacts_only: false,
            designated_contacts: vec![],
            created_at: now,
        })
        .await
        .expect("contract");
    let foreign = db
        .create_monitor(&NewMonitor {
            provider_id: other_provider.id,
            contract_id: contract.id,
            service_id: "service".into(),
            name: "Theirs".into(),
            check: json!({"type": "tcp", "host": "db.example.com", "port": 5432, "timeout": "5s"}),
            interval_ms: 30_000,
            locations: vec!["jakarta".into()],
            public: false,
            created_at: now,
            first_run_at: now,
        })
        .await
        .expect("monitor")
        .id;
    for bad in [surabaya, foreign, 999_999] {
        let problem = desk
            .refused(
                &token,
                "/api/v1/agent/samples",
                json!({"samples": [
                    sample(jakarta, at("2026-03-16T09:00"), "ok"),
                    sample(bad, at("2026-03-16T09:00"), "ok"),
                ]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "probe_agent.unknown_monitor",
            )
            .await;
        assert_eq!(problem["monitor_id"], json!(bad));
        assert_eq!(problem["field"], "samples[1].monitor_id");
    }
    let detail = desk
        .get(&ampo.user.token, &format!("/api/v1/monitors/{jakarta}"))
        .await;
    assert_eq!(
        instant(&latest(detail)["at"]),
        at("2026-03-16T08:59"),
        "nothing of a refused batch was stored"
    );
    for id in [surabaya, foreign] {
        let samples = db.latest_samples(&[id]).await.expect("latest samples");
        assert!(samples.is_empty(), "monitor {id}: {samples:?}");
    }
    // Not from the future (5 minutes of skew allowed), not too many, well formed.
    desk.refused(
        &token,
        "/api/v1/agent/samples",
        json!({"samples": [sample(jakarta, now + jiff::SignedDuration::from_secs(301), "ok")]}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "probe_agent.invalid_sample",
    )
    .await;
    desk.post(
        &token,
        "/api/v1/agent/samples",
        json!({"samples": [sample(jakarta, now + jiff::SignedDuration::from_secs(299), "ok")]}),
        StatusCode::OK,
    )
    .await;
    let mut no_kind = sample(jakarta, at("2026-03-16T09:01"), "failed");
    no_kind["failure_kind"] = Value::Null;
    desk.refused(
        &token,
        "/api/v1/agent/samples",
        json!({"samples": [no_kind]}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "probe_agent.invalid_sample",
    )
    .await;
    let many: Vec<Value> = (0..1001)
        .map(|_| sample(jakarta, at("2026-03-16T08:00"), "ok"))
        .collect();
    desk.refused(
        &token,
        "/api/v1/agent/samples",
        json!({"samples": many}),
        StatusCode::PAYLOAD_TOO_LARGE,
        "probe_agent.too_many_samples",
    )
    .await;

    // Reporting is seen by the administrator.
    let listed = desk.get(&desk.admin, "/api/v1/probe-agents").await;
    assert_eq!(instant(&listed[0]["last_seen_at"]), now);

    // Revoked: the token is refused at once, and the location is free again.
    desk.refused(
        &staff.token,
        &format!("/api/v1/probe-agents/{agent_id}/revoke"),
        json!({}),
        StatusCode::FORBIDDEN,
        "auth.forbidden",
    )
    .await;
    desk.refused(
        &desk.admin,
        "/api/v1/probe-agents/999999/revoke",
        json!({}),
        StatusCode::NOT_FOUND,
        "store.not_found",
    )
    .await;
    let revoked = desk
        .post(
            &desk.admin,
            &format!("/api/v1/probe-agents/{agent_id}/revoke"),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(revoked["revoked_at"].is_string());
    let response = desk
        .call(&token, Method::GET, "/api/v1/agent/monitors", None)
        .await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    desk.refused(
        &token,
        "/api/v1/agent/samples",
        json!({"samples": [sample(jakarta, at("2026-03-16T09:02"), "ok")]}),
        StatusCode::UNAUTHORIZED,
        "auth.invalid_token",
    )
    .await;
    let replaced = desk
        .post(
            &desk.admin,
            "/api/v1/probe-agents",
            json!({"location": "jakarta"}),
            StatusCode::CREATED,
        )
        .await;
    assert_ne!(replaced["token"], json!(token));
}
