//! Escalation in the browser: a customer asks for escalation from the ticket page with a
//! reason and a written justification; the request reaches the escalation board, where the
//! agent (who may not decide) sees it and the escalation manager accepts it; the ticket is then
//! at level 2 and owes an action plan, which the assigned agent publishes; the customer sees
//! the answer and asks for a root-cause analysis.

use jiff::tz::TimeZone;
use serde_json::{Value, json};
use tenggat_server::{Clock, SystemClock};

use crate::harness::{Browser, Server};
use crate::portal::{PASSWORD, desk, set_value, sign_in, sign_out};

/// A session cookie (`tenggat_session=…`) of `email`, signed in through the API.
pub async fn session_cookie(server: &Server, email: &str) -> String {
    let signed = reqwest::Client::new()
        .post(server.url("/api/v1/sessions"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed.status(), reqwest::StatusCode::CREATED);
    signed
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// Posts `body` to the API at `path` with a session `cookie`; the answer, which must be a
/// success.
pub async fn api_post(server: &Server, cookie: &str, path: &str, body: Value) -> Value {
    let answer = reqwest::Client::new()
        .post(server.url(path))
        .header(reqwest::header::COOKIE, cookie)
        .json(&body)
        .send()
        .await
        .expect("an API call");
    let status = answer.status();
    let body: Value = answer.json().await.expect("JSON");
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// An Innovasia report of `priority` through the API by the holder of `cookie` on
/// `contract`; its id.
pub async fn report_by_api(
    server: &Server,
    cookie: &str,
    contract: i64,
    priority: &str,
    title: &str,
) -> i64 {
    let body = api_post(
        server,
        cookie,
        "/api/v1/tickets",
        json!({
            "contract_id": contract,
            "priority": priority,
            "channel": "portal",
            "title": title,
            "description": "Data pesanan terlambat beberapa jam.",
            "fields": {
                "reporter_name": "Rina Wulandari",
                "reporter_email": "rina@mitra-satu.example",
                "reporter_phone": "+62 812 5550 1234",
                "description": "Pesanan muncul terlambat tiga jam",
                "steps_to_reproduce": "1. Buat pesanan 2. Tunggu sinkronisasi",
                "error_messages": "tidak ada",
                "environment": "Produksi",
                "first_observed": "2026-03-16T08:50:00+07:00[Asia/Jakarta]",
                "frequency": "setiap jam",
                "business_impact": "Laporan harian terlambat",
            },
            "attachments": [{
                "field": "visual_evidence", "file_name": "layar.png", "content_type": "image/png",
                "content_base64": "iVBORw0KGgo=",
            }],
        }),
    )
    .await;
    body["id"].as_i64().expect("ticket id")
}

/// Fails if the page shows a missing word.
async fn all_words(browser: &Browser, what: &str) {
    let html = browser.source().await;
    assert!(!html.contains('⟦'), "{what} has a missing word: {html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_request_reaches_the_board() {
    let server = Server::start().await;
    let desk = desk(&server).await;
    let cookie = session_cookie(&server, &desk.customer).await;
    let id = report_by_api(
        &server,
        &cookie,
        desk.contract,
        "P3",
        "Sinkronisasi data tertunda",
    )
    .await;
    let ticket = server.url(&format!("/tickets/{id}"));
    let browser = Browser::start().await;

    // The customer asks for escalation with a reason and a justification.
    sign_in(&browser, &server, &desk.customer).await;
    browser.goto(&ticket).await;
    let number = browser.text_of("h1 .number").await;
    assert_eq!(browser.text_of("#level").await, "1 — Dukungan Teknis");
    browser
        .click("#escalate-reason option[value=stalled_progress]")
        .await;
    browser
        .fill(
            "#escalate-justification",
            "Sudah dua hari tanpa kabar, sinkronisasi masih tertunda.",
        )
        .await;
    browser.submit("#escalate").await;
    assert_eq!(
        browser.text_of(".flash").await,
        "Eskalasi diminta. Manajer eskalasi akan menjawab di sini."
    );
    assert_eq!(
        browser.text_of(".request.pending .state").await,
        "menunggu keputusan"
    );
    assert!(
        !browser.has("#escalate").await,
        "a second request is not offered while one is pending"
    );
    all_words(&browser, "the customer's ticket page").await;
    sign_out(&browser).await;

    // The agent sees it on the board, may not decide it, and takes the ticket.
    sign_in(&browser, &server, &desk.agent).await;
    browser.submit("#nav-escalations").await;
    assert_eq!(browser.text_of("h1").await, "Escalation board");
    let pending = browser.text_of("#pending-requests").await;
    assert!(pending.contains(&number), "{pending}");
    assert!(
        pending.contains("Progress stalled or unsatisfactory"),
        "{pending}"
    );
    assert!(pending.contains("Sudah dua hari tanpa kabar"), "{pending}");
    assert!(
        !browser.has("#pending-requests button").await,
        "an agent does not decide escalation requests"
    );
    assert_eq!(
        browser.text_of("#no-escalated").await,
        "No open ticket is escalated."
    );
    all_words(&browser, "the board (en)").await;
    browser.goto(&ticket).await;
    browser.submit("#assign-me").await;
    assert_eq!(browser.text_of("#assignee").await, "andi");
    sign_out(&browser).await;

    // The escalation manager accepts it from the board.
    sign_in(&browser, &server, &desk.manager).await;
    browser.goto(&server.url("/escalations")).await;
    assert_eq!(browser.text_of("h1").await, "Papan eskalasi");
    browser
        .fill(
            "#pending-requests input[name=reason]",
            "Disetujui: progres tertahan, Lead of Technology mengambil alih.",
        )
        .await;
    browser
        .submit("#pending-requests button[value=accept]")
        .await;
    assert_eq!(browser.text_of(".flash").await, "Keputusan dicatat.");
    assert_eq!(
        browser.text_of("#pending-requests p").await,
        "Tidak ada permintaan yang menunggu keputusan."
    );
    let level = browser.text_of("section.level").await;
    assert!(level.starts_with("Level 2 — Manajer Eskalasi"), "{level}");
    assert!(level.contains(&number), "{level}");
    assert!(
        level.contains("rencana aksi terutang, belum diterbitkan"),
        "{level}"
    );
    all_words(&browser, "the board (id)").await;
    sign_out(&browser).await;

    // The assigned agent owes the action plan and publishes it.
    sign_in(&browser, &server, &desk.agent).await;
    browser.goto(&server.url("/escalations")).await;
    let mine = browser.text_of("#my-plans").await;
    assert!(mine.contains(&number), "{mine}");
    assert!(mine.contains("action plan owed, none published"), "{mine}");
    browser.goto(&ticket).await;
    assert_eq!(browser.text_of("#level").await, "2 — Escalation Manager");
    browser
        .fill(
            "#plan-summary",
            "Replay the sync queue, then watch it for a day.",
        )
        .await;
    browser.fill("#plan-step1", "Replay the stuck queue").await;
    let due_local = (SystemClock.now() + jiff::SignedDuration::from_hours(48))
        .to_zoned(TimeZone::get("Asia/Jakarta").expect("zone"))
        .with()
        .second(0)
        .subsec_nanosecond(0)
        .build()
        .expect("a whole minute")
        .timestamp();
    let due = due_local
        .to_zoned(TimeZone::get("Asia/Jakarta").expect("zone"))
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    set_value(&browser, "plan-due1", &due).await;
    browser.submit("#publish-plan").await;
    assert_eq!(browser.text_of(".flash").await, "Action plan published.");
    let tasks = browser.text_of("#tasks").await;
    assert!(tasks.contains("Written action plan · open"), "{tasks}");
    let due_shown = due.replace('T', " ");
    assert!(tasks.contains(&format!("due {due_shown} WIB")), "{tasks}");
    // The browser told the server its zone: each time has the browser's own beside it.
    let jakarta = due_local.to_zoned(TimeZone::get("Asia/Jakarta").expect("zone"));
    let amsterdam = due_local.to_zoned(TimeZone::get(crate::harness::BROWSER_ZONE).expect("zone"));
    let here = amsterdam
        .strftime(if amsterdam.date() == jakarta.date() {
            "%H:%M %Z"
        } else {
            "%Y-%m-%d %H:%M %Z"
        })
        .to_string();
    assert!(
        tasks.contains(&format!("due {due_shown} WIB ({here})")),
        "{tasks}"
    );
    all_words(&browser, "the agent's ticket page").await;
    browser.goto(&server.url("/escalations")).await;
    let mine = browser.text_of("#my-plans").await;
    assert!(
        mine.contains(&format!("action plan due {due_shown} WIB")),
        "{mine}"
    );
    sign_out(&browser).await;

    // The customer sees the answer and the plan, and asks for a root-cause analysis.
    sign_in(&browser, &server, &desk.customer).await;
    browser.goto(&ticket).await;
    assert_eq!(browser.text_of("#level").await, "2 — Manajer Eskalasi");
    assert_eq!(
        browser.text_of(".request.accepted .state").await,
        "diterima"
    );
    assert!(
        browser
            .text_of(".request .decision")
            .await
            .contains("Lead of Technology mengambil alih")
    );
    assert!(
        browser
            .text_of("#tasks")
            .await
            .contains("Rencana aksi tertulis · terbuka")
    );
    browser
        .fill("#rca-comment", "Mengapa antrean tertahan?")
        .await;
    browser.submit("#request-rca").await;
    assert_eq!(
        browser.text_of(".flash").await,
        "Analisis akar masalah diminta."
    );
    assert!(
        browser
            .text_of("#tasks")
            .await
            .contains("Analisis akar masalah · terbuka")
    );
    assert!(!browser.has("#request-rca").await, "asked once only");

    // The customer's SLA page explains the contract in plain words.
    browser.submit("#nav-sla").await;
    let explained = browser.text_of("pre.explain").await;
    assert!(explained.contains("innovasia"), "{explained}");
    all_words(&browser, "the SLA explained").await;

    browser.close().await;
    server.stop().await;
}
