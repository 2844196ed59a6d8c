//! The server over real HTTP: each scenario boots it on 127.0.0.1:0 against a fresh SQLite
//! file (always) and a fresh PostgreSQL database (when `TENGGAT_TEST_POSTGRES_URL` is set;
//! under `CI=true` an unset variable fails the PostgreSQL tests instead of skipping them).

use std::future::Future;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tenggat_server::{Running, ServerConfig};
use tenggat_store::testing::{with_temp_postgres, with_temp_sqlite};
use tenggat_store::{Database, open};

#[path = "api/openapi.rs"]
mod openapi;
#[path = "api/requests.rs"]
mod requests;
#[path = "api/tickets.rs"]
mod tickets;

// ---------------------------------------------------------------- harness

/// Runs `body` against a fresh (unmigrated) database, closing it even when `body` panics.
async fn run_on<F, Fut>(db: Database, body: F)
where
    F: FnOnce(Database) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
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
        run_on(db, body).await;
    })
    .await;
}

macro_rules! scenarios {
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

scenarios!(
    first_run_setup_tokens_and_me,
    errors_are_problems,
    a_new_setup_link_replaces_the_old_one,
);

const PUBLIC_URL: &str = "http://desk.example";
const PASSWORD: &str = "correct horse battery";

async fn boot(db: &Database) -> Running {
    tenggat_server::start(
        db.clone(),
        ServerConfig::new(
            "127.0.0.1:0",
            &format!("{PUBLIC_URL}/"),
            std::env::temp_dir().join(format!(
                "tenggat-api-{}",
                tenggat_store::testing::unique_suffix()
            )),
        ),
    )
    .await
    .expect("start server")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// The setup path (`/setup/<token>`) from the first-run line.
fn setup_path(line: &str) -> String {
    let prefix = format!("first run: set the admin password at {PUBLIC_URL}");
    let path = line.strip_prefix(&prefix).expect("first-run line format");
    let token = path.strip_prefix("/setup/").expect("setup path");
    assert_eq!(token.len(), 64, "32 random bytes in hex");
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    path.to_owned()
}

async fn assert_problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()[reqwest::header::CONTENT_TYPE],
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("problem JSON");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["code"], code, "{body}");
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string());
    body
}

/// Sets the admin's password through the setup link; returns the server's base URL.
async fn setup_admin(server: &Running) -> String {
    let base = format!("http://{}", server.addr);
    let line = server.first_run_line.as_deref().expect("first run line");
    let path = setup_path(line);
    let response = client()
        .post(format!("{base}{path}"))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::OK);
    base
}

async fn new_token(base: &str) -> String {
    let response = client()
        .post(format!("{base}/api/v1/tokens"))
        .basic_auth("admin@localhost", Some(PASSWORD))
        .json(&json!({ "name": "integration" }))
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["name"], "integration");
    assert!(body["id"].is_i64());
    let token = body["token"].as_str().expect("token").to_owned();
    assert!(
        token.starts_with("tgt_") && token.len() == 4 + 64,
        "{token}"
    );
    token
}

// ---------------------------------------------------------------- scenarios

async fn first_run_setup_tokens_and_me(db: Database) {
    let server = boot(&db).await;
    let base = format!("http://{}", server.addr);
    let line = server
        .first_run_line
        .clone()
        .expect("first run prints a line");
    let path = setup_path(&line);
    let http = client();

    // The form.
    let response = http
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("ASCII header")
            .starts_with("text/html")
    );
    let html = response.text().await.expect("body");
    assert!(html.contains(r#"<form method="post""#), "{html}");
    assert!(html.contains(r#"type="password""#) && html.contains("<label"));
    assert!(html.contains(r#"minlength="12""#));

    // Too short: 422 with the reason (in English when asked); the token is still usable.
    let response = http
        .post(format!("{base}{path}?lang=en"))
        .form(&[("password", "short")])
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("at least 12 characters (this one has 5)")
    );

    // A good password.
    let response = http
        .post(format!("{base}{path}"))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("admin@localhost")
    );

    // The link works once.
    let response = http
        .post(format!("{base}{path}"))
        .form(&[("password", "another good password")])
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Tautan tidak berlaku")
    );
    let response = http
        .post(format!("{base}/setup/{}", "0".repeat(64)))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Wrong password, unknown user, no credentials: 401 problem+json with a challenge.
    for (user, password) in [
        ("admin@localhost", "wrong password!"),
        ("nobody@localhost", PASSWORD),
    ] {
        let response = http
            .post(format!("{base}/api/v1/tokens"))
            .basic_auth(user, Some(password))
            .json(&json!({ "name": "x" }))
            .send()
            .await
            .expect("HTTP request");
        assert!(
            response
                .headers()
                .contains_key(reqwest::header::WWW_AUTHENTICATE)
        );
        assert_problem(
            response,
            StatusCode::UNAUTHORIZED,
            "auth.invalid_credentials",
        )
        .await;
    }
    let response = http
        .post(format!("{base}/api/v1/tokens"))
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .expect("HTTP request");
    assert_problem(
        response,
        StatusCode::UNAUTHORIZED,
        "auth.invalid_credentials",
    )
    .await;

    // A token, and who it belongs to.
    let token = new_token(&base).await;
    let response = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.expect("JSON body");
    assert_eq!(me["email"], "admin@localhost");
    assert_eq!(me["role"], "admin");
    assert!(me["id"].is_i64() && me["name"].is_string());
    assert_eq!(me["organisation"]["slug"], "provider");
    assert_eq!(me["organisation"]["name"], "Provider");
    assert_eq!(me["organisation"]["kind"], "provider");

    // Bad tokens.
    for bad in [
        format!("tgt_{}", "0".repeat(64)),
        token.trim_start_matches("tgt_").to_owned(),
    ] {
        let response = http
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&bad)
            .send()
            .await
            .expect("HTTP request");
        assert_problem(response, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;
    }
    let response = http
        .get(format!("{base}/api/v1/me"))
        .send()
        .await
        .expect("HTTP request");
    assert_problem(response, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;

    // A revoked token no longer works.
    let hash = tenggat_store::token_hash(&token);
    let stored = tenggat_store::Store::api_token_by_hash(&db, &hash)
        .await
        .expect("token look-up")
        .expect("stored hashed");
    let revoke_at = stored.created_at;
    tenggat_store::Store::revoke_api_token(&db, stored.id, revoke_at)
        .await
        .expect("revoke");
    let response = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("HTTP request");
    assert_problem(response, StatusCode::UNAUTHORIZED, "auth.invalid_token").await;

    // A second start on the same database prints nothing about setup.
    let again = boot(&db).await;
    assert_eq!(again.first_run_line, None);
    again.handle.abort();
    server.handle.abort();
}

async fn errors_are_problems(db: Database) {
    let server = boot(&db).await;
    let base = setup_admin(&server).await;
    let http = client();

    // Health.
    let response = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.expect("body"), "ok");

    // Malformed JSON, a body of the wrong shape, and no JSON content type.
    let response = http
        .post(format!("{base}/api/v1/tokens"))
        .basic_auth("admin@localhost", Some(PASSWORD))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("HTTP request");
    assert_problem(response, StatusCode::BAD_REQUEST, "request.malformed_json").await;
    let response = http
        .post(format!("{base}/api/v1/tokens"))
        .basic_auth("admin@localhost", Some(PASSWORD))
        .json(&json!({ "label": "x" }))
        .send()
        .await
        .expect("HTTP request");
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request.invalid_body",
    )
    .await;
    let response = http
        .post(format!("{base}/api/v1/tokens"))
        .basic_auth("admin@localhost", Some(PASSWORD))
        .body("{\"name\": \"x\"}")
        .send()
        .await
        .expect("HTTP request");
    assert_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "request.unsupported_media_type",
    )
    .await;
    let response = http
        .post(format!("{base}/api/v1/tokens"))
        .basic_auth("admin@localhost", Some(PASSWORD))
        .json(&json!({ "name": "  " }))
        .send()
        .await
        .expect("HTTP request");
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "token.invalid_name",
    )
    .await;

    // Oversized body. The server answers 413 without reading the body and closes the
    // connection; the client may then see the reset before the answer (TCP discards what it
    // had not read), so a reset is retried on a fresh connection, and only a 413 passes.
    let big = format!(
        "{{\"name\": \"{}\"}}",
        "x".repeat(tenggat_server::MAX_BODY_BYTES)
    );
    let mut answer = None;
    for _ in 0..5 {
        let sent = client()
            .post(format!("{base}/api/v1/tokens"))
            .basic_auth("admin@localhost", Some(PASSWORD))
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                answer = Some(response);
                break;
            }
            Err(e) => eprintln!("oversized request: connection error, retrying: {e}"),
        }
    }
    let response = answer.expect("an answer to the oversized request");
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "request.too_large").await;

    // Unknown route, wrong method.
    let response = http
        .get(format!("{base}/no/such/route"))
        .send()
        .await
        .expect("HTTP request");
    let body = assert_problem(response, StatusCode::NOT_FOUND, "http.not_found").await;
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .contains("/no/such/route")
    );
    let response = http
        .delete(format!("{base}/api/v1/me"))
        .send()
        .await
        .expect("HTTP request");
    assert_problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "http.method_not_allowed",
    )
    .await;

    // Still usable after all that.
    let token = new_token(&base).await;
    let response = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::OK);
    server.handle.abort();
}

async fn a_new_setup_link_replaces_the_old_one(db: Database) {
    let server = boot(&db).await;
    let base = format!("http://{}", server.addr);
    let old_path = setup_path(server.first_run_line.as_deref().expect("first run line"));
    let now = jiff::Timestamp::from_second(1_800_000_000).expect("instant");
    // Nobody by that e-mail: no link.
    let none = tenggat_server::issue_setup_link(&db, "nobody@localhost", PUBLIC_URL, now)
        .await
        .expect("store works");
    assert_eq!(none, None);
    let link = tenggat_server::issue_setup_link(&db, "admin@localhost", PUBLIC_URL, now)
        .await
        .expect("store works")
        .expect("the admin exists");
    let new_path = link
        .strip_prefix(PUBLIC_URL)
        .expect("link under the public URL");
    assert_ne!(new_path, old_path);
    let http = client();
    // The first-run link no longer works …
    let response = http
        .post(format!("{base}{old_path}"))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // … the new one does, once.
    for expected in [StatusCode::OK, StatusCode::NOT_FOUND] {
        let response = http
            .post(format!("{base}{new_path}"))
            .form(&[("password", PASSWORD)])
            .send()
            .await
            .expect("HTTP request");
        assert_eq!(response.status(), expected);
    }
    new_token(&base).await;
}
