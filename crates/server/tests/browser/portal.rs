//! The portal in the browser: a customer reports an Innovasia P2, an agent acknowledges it,
//! the customer sees the response clock met; another customer is refused; every page in both
//! languages without a missing word.

use tenggat_server::{Clock, SystemClock};
use tenggat_store::{
    Language, NewContract, NewOrganisation, NewUser, OrgKind, PolicyRef, Role, Store,
};

use crate::harness::{Browser, Server};

/// A password good enough for the server's rules.
pub const PASSWORD: &str = "portal-test-password-1";

/// People of the test desk.
pub struct Desk {
    /// The customer who reports.
    pub customer: String,
    /// A customer of another organisation.
    pub stranger: String,
    /// The provider's agent.
    pub agent: String,
    /// The provider's escalation manager.
    pub manager: String,
    /// The first customer's contract.
    pub contract: i64,
}

async fn person(server: &Server, org: i64, email: &str, role: Role, lang: Language) -> String {
    let now = SystemClock.now();
    server
        .db
        .create_user(&NewUser {
            organisation_id: org,
            email: email.into(),
            name: email.split('@').next().unwrap_or(email).replace('.', " "),
            role,
            language: lang,
            created_at: now,
        })
        .await
        .expect("user");
    let link = tenggat_server::issue_setup_link(&server.db, email, &server.base, now)
        .await
        .expect("setup link")
        .expect("a link");
    let answer = reqwest::Client::new()
        .post(&link)
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("set password");
    assert!(answer.status().is_success(), "{}", answer.status());
    email.to_owned()
}

/// Two Innovasia customers and an agent, each with a password.
pub async fn desk(server: &Server) -> Desk {
    let now = SystemClock.now();
    let provider = server
        .db
        .list_organisations(Some(OrgKind::Provider))
        .await
        .expect("orgs")
        .remove(0);
    let mut customers = Vec::new();
    let mut contracts = Vec::new();
    for slug in ["mitra-satu", "mitra-dua"] {
        let org = server
            .db
            .create_organisation(&NewOrganisation {
                kind: OrgKind::Customer,
                name: format!("PT {slug}"),
                slug: slug.into(),
                created_at: now,
            })
            .await
            .expect("customer");
        let contract = server
            .db
            .create_contract(&NewContract {
                provider_id: provider.id,
                customer_org_id: org.id,
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
            .expect("contract");
        customers.push(org.id);
        contracts.push(contract.id);
    }
    Desk {
        customer: person(
            server,
            customers[0],
            "rina@mitra-satu.example",
            Role::CustomerUser,
            Language::Id,
        )
        .await,
        stranger: person(
            server,
            customers[1],
            "budi@mitra-dua.example",
            Role::CustomerUser,
            Language::Id,
        )
        .await,
        agent: person(
            server,
            provider.id,
            "andi@provider.example",
            Role::Agent,
            Language::En,
        )
        .await,
        manager: person(
            server,
            provider.id,
            "maya@provider.example",
            Role::EscalationManager,
            Language::Id,
        )
        .await,
        contract: contracts[0],
    }
}

/// Signs in through the form.
pub async fn sign_in(browser: &Browser, server: &Server, email: &str) {
    browser.goto(&server.url("/login")).await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("#sign-in").await;
    // Signed in: the header has the sign-out button.
    browser.text_of("form[action=\"/logout\"] button").await;
    let here = browser.current_url().await;
    assert!(!here.contains("/login"), "still at {here}");
}

/// Signs out through the header's button.
pub async fn sign_out(browser: &Browser) {
    browser.submit("form[action=\"/logout\"] button").await;
    browser.text_of("#sign-in").await;
    assert!(browser.current_url().await.contains("/login"));
}

/// Sets an input's value by script (a `datetime-local` cannot be typed portably).
pub async fn set_value(browser: &Browser, id: &str, value: &str) {
    browser
        .client()
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![id.into(), value.into()],
        )
        .await
        .expect("set a value");
}

async fn fill_all_but_evidence(browser: &Browser) {
    for (id, text) in [
        ("#f-reporter_name", "Rina Wulandari"),
        ("#f-reporter_email", "rina@mitra-satu.example"),
        ("#f-reporter_phone", "+62 812 5550 1234"),
        (
            "#f-description",
            "Ekspor PDF seharusnya berhasil, tetapi gagal.",
        ),
        (
            "#f-steps_to_reproduce",
            "1. Buka Laporan 2. Klik Ekspor PDF",
        ),
        ("#f-error_messages", "HTTP 500 Internal Server Error"),
        ("#f-environment", "Chromium di Debian"),
        ("#f-frequency", "setiap saat"),
        ("#f-business_impact", "Laporan bulanan tertunda"),
    ] {
        browser.fill(id, text).await;
    }
    set_value(browser, "f-first_observed", "2026-03-16T09:15").await;
}

/// Issue 7's first scenario: a customer files an Innovasia P2 with a missing mandatory field
/// (and sees which), fixes it and submits; the agent finds it at the top of the queue,
/// acknowledges it, takes it and adds an internal note; the customer's page shows the response
/// clock met and the resolution clock running, and not the note; the agent records a
/// workaround and resolves it; the customer confirms the workaround, closes the ticket and
/// answers the satisfaction survey. Another customer gets "not found".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_reports_and_an_agent_acknowledges() {
    let server = Server::start().await;
    let desk = desk(&server).await;
    let browser = Browser::start().await;

    sign_in(&browser, &server, &desk.customer).await;
    assert!(browser.current_url().await.ends_with("/tickets"));
    assert_eq!(browser.text_of("h1").await, "Tiket saya");
    browser.submit("#nav-new").await;
    browser.click("#priority-P2").await;
    browser.fill("#title", "Ekspor laporan PDF gagal").await;
    fill_all_but_evidence(&browser).await;
    browser.submit("#submit-report").await;
    // Refused: the visual evidence (an attachment) is missing, and the page says so.
    let missing = browser.text_of("#missing-fields").await;
    assert_eq!(missing, "Bukti Visual (tangkapan layar atau video pendek)");
    assert!(
        browser
            .text_of("#field-visual_evidence")
            .await
            .contains("Kolom ini wajib diisi.")
    );
    // Values are kept; the file is attached and the report goes.
    assert_eq!(
        browser
            .client()
            .find(fantoccini::Locator::Css("#title"))
            .await
            .expect("title")
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("Ekspor laporan PDF gagal")
    );
    browser.click("#priority-P2").await;
    set_value(&browser, "f-first_observed", "2026-03-16T09:15").await;
    let shot = browser.scratch("layar.png");
    std::fs::write(&shot, b"\x89PNG\r\n\x1a\n-a-screenshot-").expect("file");
    browser
        .client()
        .find(fantoccini::Locator::Css("#f-visual_evidence"))
        .await
        .expect("file input")
        .send_keys(&shot.display().to_string())
        .await
        .expect("attach");
    browser.submit("#submit-report").await;
    assert_eq!(
        browser.text_of(".flash").await,
        "Laporan Anda sudah tercatat. Jam SLA di bawah berjalan sejak sekarang."
    );
    let ticket_url = browser.current_url().await;
    let number = browser.text_of("h1 .number").await;
    assert_eq!(browser.text_of("#priority").await, "P2");
    assert!(
        browser
            .text_of(".clock.running")
            .await
            .starts_with("Respons")
    );
    // Its bar: what is still to run until the due instant.
    let ahead = browser
        .client()
        .find(fantoccini::Locator::Css(
            ".clock.running svg.bar rect.ahead title",
        ))
        .await
        .expect("the bar's part still to run")
        .html(true)
        .await
        .expect("its title");
    assert!(ahead.starts_with("sisa hingga batas "), "{ahead}");
    sign_out(&browser).await;

    // The agent: the new ticket tops the queue (its response clock is the closest).
    sign_in(&browser, &server, &desk.agent).await;
    assert!(browser.current_url().await.ends_with("/queue"));
    assert_eq!(browser.text_of("#queue tbody tr td a").await, number);
    browser.submit("#queue tbody tr td a").await;
    browser.submit("#acknowledge").await;
    assert_eq!(browser.text_of(".flash").await, "Ticket acknowledged.");
    assert_eq!(browser.text_of("#status").await, "Acknowledged");
    browser.submit("#assign-me").await;
    assert_eq!(browser.text_of(".flash").await, "The ticket is yours now.");
    browser
        .fill(
            "#note-body",
            "Log server: NullPointerException di PdfExporter",
        )
        .await;
    browser.submit("#add-note").await;
    assert_eq!(browser.text_of(".flash").await, "Note added.");
    assert!(
        browser
            .text_of("#timeline")
            .await
            .contains("NullPointerException")
    );
    sign_out(&browser).await;

    // The customer sees the response met and the resolution running.
    sign_in(&browser, &server, &desk.customer).await;
    browser.goto(&ticket_url).await;
    assert!(
        browser
            .text_of(".clock.met")
            .await
            .starts_with("Respons terpenuhi")
    );
    assert!(
        browser
            .text_of(".clock.running")
            .await
            .starts_with("Resolusi berjalan")
    );
    let timeline = browser.text_of("#timeline").await;
    assert!(timeline.contains("Diterima"), "{timeline}");
    assert!(
        !timeline.contains("NullPointerException"),
        "an internal note is not shown to the customer"
    );
    sign_out(&browser).await;

    // The agent works around and resolves it; the customer closes it.
    sign_in(&browser, &server, &desk.agent).await;
    browser.goto(&ticket_url).await;
    browser
        .fill("#workaround-comment", "Ekspor lewat CSV")
        .await;
    browser.submit("#workaround").await;
    assert_eq!(browser.text_of(".flash").await, "Workaround recorded.");
    browser
        .fill("#resolve-comment", "PdfExporter diperbaiki")
        .await;
    browser.submit("#resolve").await;
    assert_eq!(browser.text_of("#status").await, "Resolved");
    sign_out(&browser).await;
    sign_in(&browser, &server, &desk.customer).await;
    browser.goto(&ticket_url).await;
    // The customer confirms the workaround helped, closes, and answers the survey.
    assert_eq!(
        browser.text_of("#workaround-state").await,
        "menunggu jawaban pelanggan"
    );
    browser
        .fill("#confirm-comment", "CSV cukup untuk sementara")
        .await;
    browser.submit("#confirm-workaround").await;
    assert_eq!(
        browser.text_of(".flash").await,
        "Terima kasih: jawaban Anda tentang solusi sementara sudah dicatat."
    );
    assert_eq!(
        browser.text_of("#workaround-state").await,
        "dikonfirmasi pelanggan"
    );
    assert!(!browser.has("#reject-workaround").await, "answered once");
    assert!(
        !browser.has("#send-survey").await,
        "no survey before closing"
    );
    browser.submit("#close").await;
    assert_eq!(browser.text_of(".flash").await, "Tiket ditutup.");
    assert_eq!(browser.text_of("#status").await, "Ditutup");
    browser.click("#rating-4").await;
    browser.fill("#survey-comment", "Cepat dan jelas").await;
    browser.submit("#send-survey").await;
    assert_eq!(
        browser.text_of(".flash").await,
        "Terima kasih atas jawaban Anda."
    );
    assert_eq!(
        browser.text_of("#survey-answer").await,
        "Dinilai 4 dari 5 · Cepat dan jelas"
    );
    sign_out(&browser).await;

    // Another customer gets "not found" for that ticket's URL.
    sign_in(&browser, &server, &desk.stranger).await;
    browser.goto(&ticket_url).await;
    assert_eq!(
        browser.text_of("p.error").await,
        "Halaman ini tidak ada, atau bukan untuk Anda."
    );
    assert!(
        !browser
            .text_of("body")
            .await
            .contains("Ekspor laporan PDF gagal")
    );

    browser.close().await;
    server.stop().await;
}

/// Every portal page in both languages: no missing word (`⟦key⟧`), the language switch
/// changes the page's language and is remembered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_both_languages() {
    let server = Server::start().await;
    let desk = desk(&server).await;
    let browser = Browser::start().await;
    let source = |b: &Browser| {
        let client = b.client().clone();
        async move { client.source().await.expect("page source") }
    };

    browser.goto(&server.url("/login")).await;
    assert_eq!(browser.text_of("h1").await, "Masuk ke Tenggat");
    browser.submit(".who a").await;
    assert_eq!(browser.text_of("h1").await, "Sign in to Tenggat");
    for (email, pages) in [
        (&desk.customer, vec!["/tickets", "/tickets/new", "/sla"]),
        (
            &desk.agent,
            vec![
                "/queue?breaching=1",
                "/tickets/999999",
                "/queue",
                "/escalations",
                "/sla",
            ],
        ),
    ] {
        sign_in(&browser, &server, email).await;
        for lang in ["id", "en"] {
            browser.goto(&server.url(pages[0])).await;
            if !source(&browser)
                .await
                .contains(&format!("<html lang=\"{lang}\""))
            {
                browser.submit("form[action=\"/language\"] button").await;
                browser.text_of("h1").await;
            }
            for page in &pages {
                browser.goto(&server.url(page)).await;
                let html = source(&browser).await;
                assert!(
                    html.contains(&format!("<html lang=\"{lang}\"")),
                    "{page} is not in {lang}"
                );
                assert!(
                    !html.contains('⟦'),
                    "{page} ({lang}) has a missing word: {html}"
                );
            }
        }
        sign_out(&browser).await;
    }
    browser.close().await;
    server.stop().await;
}

/// The provider's team reports on a customer's behalf (a call, say): the form names the
/// customer, offers every customer's contract, and the customer finds the ticket among its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reports_on_behalf_of_a_customer() {
    let server = Server::start().await;
    let desk = desk(&server).await;
    let browser = Browser::start().await;

    sign_in(&browser, &server, &desk.agent).await;
    browser.submit("#nav-new").await;
    let choices = browser.text_of("#contract-choice").await;
    assert!(
        choices.contains("PT mitra-satu") && choices.contains("PT mitra-dua"),
        "{choices}"
    );
    browser
        .click(&format!(
            "#contract-choice option[value=\"{}\"]",
            desk.contract
        ))
        .await;
    browser.submit("form.filters button").await;
    assert!(
        browser
            .text_of("#on-behalf")
            .await
            .starts_with("You report on behalf of the customer: PT mitra-satu"),
    );
    browser.click("#priority-P3").await;
    browser.fill("#title", "Telepon: ekspor PDF gagal").await;
    fill_all_but_evidence(&browser).await;
    let shot = browser.scratch("layar.png");
    std::fs::write(&shot, b"\x89PNG\r\n\x1a\n-a-screenshot-").expect("file");
    browser
        .client()
        .find(fantoccini::Locator::Css("#f-visual_evidence"))
        .await
        .expect("file input")
        .send_keys(&shot.display().to_string())
        .await
        .expect("attach");
    browser.submit("#submit-report").await;
    let number = browser.text_of("h1 .number").await;
    let facts = browser.text_of("dl.facts").await;
    assert!(facts.contains("PT mitra-satu"), "{facts}");
    sign_out(&browser).await;

    sign_in(&browser, &server, &desk.customer).await;
    let mine = browser.text_of("table.list").await;
    assert!(mine.contains(&number), "{mine}");
    assert!(mine.contains("Telepon: ekspor PDF gagal"), "{mine}");
    sign_out(&browser).await;
    sign_in(&browser, &server, &desk.stranger).await;
    assert!(
        !browser
            .text_of("main")
            .await
            .contains("Telepon: ekspor PDF gagal"),
        "another customer does not see it"
    );

    browser.close().await;
    server.stop().await;
}
