//! The admin pages in the browser: the calendars drawn for the next 30 days (on a clock set to
//! 2026-03-10, so that Nyepi on Thursday 19 March is among them); a contract's policy changed
//! to a preset and to an uploaded file, a file with errors refused with `tenggat policy
//! check`'s text; customers refused; every admin page in both languages without a missing
//! word.

use std::sync::{Arc, Mutex};

use fantoccini::Locator;
use jiff::Timestamp;
use tenggat_server::Clock;
use tenggat_store::{PolicyRef, Store};

use crate::harness::{Browser, Server};
use crate::portal::{PASSWORD, desk, sign_in, sign_out};

/// A clock that stays where it is set.
struct ManualClock(Mutex<Timestamp>);

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}

/// The provider's administrator made by the first run.
const ADMIN: &str = "admin@localhost";

/// The admin pages a provider administrator may open.
const PAGES: &[&str] = &[
    "/admin/calendars",
    "/admin/calendars?calendar=24x7",
    "/admin/contracts",
    "/admin/contracts?done=preset",
    "/admin/users",
    "/admin/users?done=disable",
    "/account/tokens",
    "/account/tokens?done=revoke",
];

/// A server whose clock stands at 2026-03-10 10:00 WIB, with the desk's people and the
/// first-run administrator's password set.
async fn start() -> (Server, crate::portal::Desk) {
    let now: Timestamp = "2026-03-10T10:00:00+07:00".parse().expect("instant");
    let server = Server::start_with_clock(Arc::new(ManualClock(Mutex::new(now)))).await;
    let desk = desk(&server).await;
    let answer = reqwest::Client::new()
        .post(server.setup_url())
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("set the admin's password");
    assert!(answer.status().is_success(), "{}", answer.status());
    (server, desk)
}

async fn count(browser: &Browser, css: &str) -> usize {
    browser
        .client()
        .find_all(fantoccini::Locator::Css(css))
        .await
        .expect("find")
        .len()
}

/// Switches the signed-in viewer to `lang` if the current page is in the other one.
async fn ensure_language(browser: &Browser, lang: &str) {
    let source = browser.source().await;
    if !source.contains(&format!("<html lang=\"{lang}\"")) {
        browser.submit("form[action=\"/language\"] button").await;
        browser.text_of("h1").await;
    }
}

/// The Innovasia calendar from 2026-03-10: Nyepi on Thursday 19 March named and without a
/// bar, the weekends without a bar, working days with one; the zone named; in English and in
/// Indonesian. The agent reaches it from the header; a customer is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_page_draws_the_next_30_days() {
    let (server, desk) = start().await;
    let browser = Browser::start().await;

    sign_in(&browser, &server, &desk.agent).await;
    browser.click("#nav-admin").await;
    assert_eq!(
        browser.text_of("h1").await,
        "Calendars",
        "{}",
        browser.text_of("main").await
    );
    browser
        .goto(&server.url("/admin/calendars?calendar=innovasia"))
        .await;
    assert_eq!(
        browser.text_of("#calendar-name").await,
        "Innovasia business hours"
    );
    assert_eq!(
        browser.text_of("#calendar-zone").await,
        "Times are in Asia/Jakarta."
    );
    assert_eq!(count(&browser, "#days tbody tr").await, 30);
    assert_eq!(
        browser.text_of("#day-2026-03-10 .date").await,
        "Tuesday 2026-03-10"
    );
    assert_eq!(
        browser.text_of("#day-2026-03-19 .holiday").await,
        "Day of Silence (Nyepi)"
    );
    assert_eq!(
        browser.text_of("#day-2026-03-19 .weekday").await,
        "Thursday"
    );
    assert_eq!(count(&browser, "#day-2026-03-19 svg rect").await, 0);
    for weekend in ["2026-03-14", "2026-03-15", "2026-03-28", "2026-03-29"] {
        assert_eq!(
            count(&browser, &format!("#day-{weekend} svg rect")).await,
            0,
            "{weekend}"
        );
        assert_eq!(
            browser.text_of(&format!("#day-{weekend} .day-hours")).await,
            "closed"
        );
    }
    assert!(count(&browser, "#day-2026-03-10 svg rect.open").await >= 1);
    assert!(!browser.has("#day-2026-04-09").await, "only 30 days");
    sign_out(&browser).await;

    // The same page in Indonesian, chosen from the form.
    sign_in(&browser, &server, &desk.manager).await;
    browser.goto(&server.url("/admin/calendars")).await;
    ensure_language(&browser, "id").await;
    browser
        .goto(&server.url("/admin/calendars?calendar=innovasia"))
        .await;
    assert_eq!(browser.text_of("h1").await, "Kalender");
    assert_eq!(
        browser.text_of("#day-2026-03-19 .holiday").await,
        "Hari Suci Nyepi (Tahun Baru Saka 1948)"
    );
    assert_eq!(browser.text_of("#day-2026-03-19 .weekday").await, "Kamis");
    sign_out(&browser).await;

    // A customer may not see the admin pages.
    sign_in(&browser, &server, &desk.customer).await;
    browser.goto(&server.url("/admin/calendars")).await;
    assert_eq!(
        browser.text_of("p.error").await,
        "Anda tidak boleh melakukan ini."
    );
    browser.goto(&server.url("/tickets")).await;
    browser.text_of("h1").await;
    assert!(!browser.has("#nav-admin").await);
    sign_out(&browser).await;

    browser.close().await;
    server.stop().await;
}

/// Every admin page, for the provider's administrator, in both languages: no missing word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_page_in_both_languages() {
    let (server, _desk) = start().await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, ADMIN).await;
    for lang in ["id", "en"] {
        browser.goto(&server.url("/admin/calendars")).await;
        ensure_language(&browser, lang).await;
        for page in PAGES {
            browser.goto(&server.url(page)).await;
            let html = browser.source().await;
            assert!(
                html.contains(&format!("<html lang=\"{lang}\"")),
                "{page} is not in {lang}"
            );
            if page.starts_with("/admin") {
                assert!(html.contains("class=\"admin-nav\""), "{page}: {html}");
            } else {
                assert!(html.contains("id=\"new-token\""), "{page}: {html}");
            }
            assert!(!html.contains('⟦'), "{page} ({lang}): {html}");
        }
    }
    sign_out(&browser).await;
    browser.close().await;
    server.stop().await;
}

/// Chooses `path` in the file input matching `css`.
async fn choose_file(browser: &Browser, css: &str, path: &std::path::Path) {
    browser
        .client()
        .find(Locator::Css(css))
        .await
        .expect("the file input")
        .send_keys(&path.display().to_string())
        .await
        .expect("choose the file");
}

/// The administrator changes a contract to another preset, then uploads a policy file with
/// an error (listed as `tenggat policy check` words it; the contract keeps its policy), then a
/// good file (the contract follows the uploaded policy). A customer is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_changes_a_contracts_policy() {
    let (server, desk) = start().await;
    let browser = Browser::start().await;
    let row = format!("#contract-{}", desk.contract);
    sign_in(&browser, &server, ADMIN).await;
    browser.goto(&server.url("/admin/contracts")).await;
    ensure_language(&browser, "en").await;
    browser.goto(&server.url("/admin/contracts")).await;
    let innovasia = tenggat_sla::preset("innovasia").unwrap().unwrap();
    assert_eq!(
        browser.text_of(&format!("{row} .policy")).await,
        format!("preset innovasia, version {}", innovasia.version)
    );
    assert_eq!(
        browser.text_of(&format!("{row} .customer")).await,
        "PT mitra-satu"
    );

    // A preset.
    browser
        .client()
        .find(Locator::Css(&format!(
            "#preset-{} option[value=ampocloud]",
            desk.contract
        )))
        .await
        .expect("the ampocloud option")
        .click()
        .await
        .expect("choose ampocloud");
    browser
        .submit(&format!("#set-preset-{}", desk.contract))
        .await;
    assert_eq!(
        browser.text_of(".flash").await,
        "The contract now follows the preset."
    );
    let ampocloud = tenggat_sla::preset("ampocloud").unwrap().unwrap();
    assert_eq!(
        browser.text_of(&format!("{row} .policy")).await,
        format!("preset ampocloud, version {}", ampocloud.version)
    );

    // A file with an error: the `policy check` line, nothing changed.
    let source = tenggat_sla::preset_source("innovasia").unwrap();
    let broken = source.replacen("calendar = \"business\"", "calendar = \"nowhere\"", 1);
    assert_ne!(broken, source);
    let error = tenggat_sla::Policy::from_toml(&broken).expect_err("a broken policy");
    let bad = browser.scratch("broken.toml");
    std::fs::write(&bad, &broken).unwrap();
    choose_file(&browser, &format!("#file-{}", desk.contract), &bad).await;
    browser.submit(&format!("#upload-{}", desk.contract)).await;
    let listed = browser.text_of("#policy-errors li.policy-error").await;
    assert_eq!(listed, format!("broken.toml: {}", error.check_text()));
    assert!(listed.contains("nowhere"), "{listed}");
    assert_eq!(
        browser.text_of(&format!("{row} .policy")).await,
        format!("preset ampocloud, version {}", ampocloud.version)
    );
    let stored = server.db.get_contract(desk.contract, None).await.unwrap();
    assert_eq!(stored.policy, PolicyRef::Preset("ampocloud".into()));
    assert!(server.db.list_policies().await.unwrap().is_empty());

    // A good file: stored and followed.
    let good = browser.scratch("innovasia.toml");
    std::fs::write(&good, source).unwrap();
    choose_file(&browser, &format!("#file-{}", desk.contract), &good).await;
    browser.submit(&format!("#upload-{}", desk.contract)).await;
    assert_eq!(
        browser.text_of(".flash").await,
        "The policy was uploaded and the contract now follows it."
    );
    let uploaded = server.db.list_policies().await.unwrap();
    assert_eq!(uploaded.len(), 1);
    assert_eq!(
        browser.text_of(&format!("{row} .policy")).await,
        format!(
            "uploaded #{}: {} version {}",
            uploaded[0].id, innovasia.id, innovasia.version
        )
    );
    sign_out(&browser).await;

    // Customers and agents may not.
    for email in [desk.customer.as_str(), desk.agent.as_str()] {
        sign_in(&browser, &server, email).await;
        browser.goto(&server.url("/admin/contracts")).await;
        let refused = browser.text_of("p.error").await;
        assert!(
            refused == "Anda tidak boleh melakukan ini." || refused == "You may not do this.",
            "{email}: {refused}"
        );
        browser.goto(&server.url("/")).await;
        sign_out(&browser).await;
    }
    browser.close().await;
    server.stop().await;
}

/// The administrator creates a customer administrator for PT mitra-satu: the page shows the
/// one-time setup link, which works (a password is set on it and the new person signs in);
/// the new customer administrator sees only their own organisation's users. The
/// administrator disables and enables another customer's user; a customer's user and an
/// agent are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_creates_and_disables_users() {
    let (server, desk) = start().await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, ADMIN).await;
    browser.goto(&server.url("/admin/users")).await;
    ensure_language(&browser, "en").await;
    browser.goto(&server.url("/admin/users")).await;
    let body = browser.text_of("main").await;
    assert!(
        body.contains("PT mitra-satu") && body.contains("PT mitra-dua"),
        "{body}"
    );
    assert!(body.contains("budi@mitra-dua.example"), "{body}");

    let org = server
        .db
        .organisation_by_slug("mitra-satu")
        .await
        .unwrap()
        .unwrap();
    browser
        .client()
        .find(Locator::Css(&format!(
            "#new-organisation option[value=\"{}\"]",
            org.id
        )))
        .await
        .expect("the organisation")
        .click()
        .await
        .expect("choose it");
    browser.fill("#new-name", "Sari Dewi").await;
    browser.fill("#new-email", "sari@mitra-satu.example").await;
    browser
        .client()
        .find(Locator::Css("#new-role option[value=customer_admin]"))
        .await
        .expect("the role")
        .click()
        .await
        .expect("choose it");
    browser.submit("#create-user").await;
    assert_eq!(browser.text_of(".flash").await, "The user was created.");
    let link = browser.text_of("#setup-link").await;
    assert!(link.starts_with(&server.base), "{link}");
    let row = browser.text_of(&format!("#users-{}", org.id)).await;
    assert!(
        row.contains("Sari Dewi") && row.contains("Customer administrator"),
        "{row}"
    );
    // The link is shown once: the page again has none.
    browser.goto(&server.url("/admin/users")).await;
    assert!(!browser.has("#setup-link").await);

    // Disable and enable another customer's user.
    let budi = server
        .db
        .user_by_email(&desk.stranger)
        .await
        .unwrap()
        .unwrap();
    browser.submit(&format!("#toggle-{}", budi.id)).await;
    assert_eq!(
        browser.text_of(".flash").await,
        "The user was disabled and signed out."
    );
    assert_eq!(
        browser
            .text_of(&format!("#user-{} .state .disabled", budi.id))
            .await,
        "disabled"
    );
    assert!(server.db.get_user(budi.id).await.unwrap().disabled);
    browser.submit(&format!("#toggle-{}", budi.id)).await;
    assert_eq!(browser.text_of(".flash").await, "The user was enabled.");
    assert!(!server.db.get_user(budi.id).await.unwrap().disabled);
    sign_out(&browser).await;

    // The setup link works, and the customer administrator sees only their organisation.
    let answer = reqwest::Client::new()
        .post(&link)
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("set the password");
    assert!(answer.status().is_success(), "{}", answer.status());
    sign_in(&browser, &server, "sari@mitra-satu.example").await;
    browser.goto(&server.url("/admin/users")).await;
    let body = browser.text_of("main").await;
    assert!(body.contains("rina@mitra-satu.example"), "{body}");
    assert!(!body.contains("mitra-dua"), "{body}");
    assert_eq!(count(&browser, "table.users").await, 1);
    browser.goto(&server.url("/admin/calendars")).await;
    browser.text_of("p.error").await;
    browser.goto(&server.url("/")).await;
    sign_out(&browser).await;

    for email in [desk.customer.as_str(), desk.agent.as_str()] {
        sign_in(&browser, &server, email).await;
        browser.goto(&server.url("/admin/users")).await;
        let refused = browser.text_of("p.error").await;
        assert!(
            refused == "Anda tidak boleh melakukan ini." || refused == "You may not do this.",
            "{email}: {refused}"
        );
        browser.goto(&server.url("/")).await;
        sign_out(&browser).await;
    }
    browser.close().await;
    server.stop().await;
}

/// A customer creates an API token with one scope from the header's link: the secret is
/// shown once and works against the API; revoked, it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anyone_creates_and_revokes_an_api_token() {
    let (server, desk) = start().await;
    let browser = Browser::start().await;
    sign_in(&browser, &server, &desk.customer).await;
    browser.click("#nav-tokens").await;
    assert_eq!(browser.text_of("h1").await, "Token API");
    ensure_language(&browser, "en").await;
    assert_eq!(browser.text_of("h1").await, "API tokens");
    assert!(browser.has("#no-tokens").await);
    browser.fill("#token-name", "laporan harian").await;
    browser.click("#scope-tickets-write").await;
    browser.click("#scope-admin").await;
    browser.submit("#create-token").await;
    assert_eq!(browser.text_of(".flash").await, "The token was created.");
    let secret = browser.text_of("#token-secret").await;
    assert!(secret.len() > 20, "{secret}");
    assert_eq!(browser.text_of("#tokens .name").await, "laporan harian");
    assert_eq!(browser.text_of("#tokens .scopes").await, "tickets:read");
    assert!(
        browser
            .text_of("#tokens .created")
            .await
            .starts_with("2026-03-10 10:00"),
        "the server's clock"
    );
    let api = reqwest::Client::new();
    let me = api
        .get(server.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // Shown once.
    browser.goto(&server.url("/account/tokens")).await;
    assert!(!browser.has("#token-secret").await);
    assert!(!browser.source().await.contains(&secret));

    browser.submit("#tokens button[id^=revoke-]").await;
    assert_eq!(
        browser.text_of(".flash").await,
        "The token was revoked; it no longer works."
    );
    assert!(
        browser
            .text_of("#tokens .revoked")
            .await
            .starts_with("revoked 2026-03-10"),
        "{}",
        browser.text_of("#tokens .state").await
    );
    assert!(!browser.has("#tokens button[id^=revoke-]").await);
    let me = api
        .get(server.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    sign_out(&browser).await;

    // Another person does not see it.
    sign_in(&browser, &server, &desk.stranger).await;
    browser.goto(&server.url("/account/tokens")).await;
    assert!(browser.has("#no-tokens").await);
    sign_out(&browser).await;
    browser.close().await;
    server.stop().await;
}
