//! Screenshots of the portal's main pages in both languages, for `docs/screenshots/`
//! (`scripts/screenshots.sh` runs this test with `TENGGAT_SCREENSHOTS` set to that directory;
//! without it the pictures go to a scratch directory). Every page is checked for missing words
//! and every picture for being a PNG of the whole page.

use std::path::PathBuf;

use serde_json::json;
use tenggat_store::{Language, Store, UserUpdate};

use crate::escalation::{api_post, report_by_api, session_cookie};
use crate::harness::{Browser, Server};
use crate::portal::{desk, sign_in, sign_out};

/// Widest the pictures are; their height is the page's.
const WIDTH: u32 = 1280;
/// Tallest picture.
const MAX_HEIGHT: u32 = 3000;

/// Sizes the window to the whole page and writes its picture to `dir/name`.
async fn picture(browser: &Browser, dir: &std::path::Path, name: &str) {
    let html = browser.source().await;
    assert!(!html.contains('⟦'), "{name} has a missing word: {html}");
    // The document's height (measured in a short window, so that it is the content's) and
    // what the window takes around the page.
    browser
        .client()
        .set_window_size(WIDTH, 400)
        .await
        .expect("resize the window");
    let (height, chrome) = browser
        .client()
        .execute(
            "return [document.body.scrollHeight, window.outerHeight - window.innerHeight];",
            vec![],
        )
        .await
        .expect("the page's height")
        .as_array()
        .and_then(|a| {
            let n = |i: usize| a.get(i)?.as_u64().and_then(|v| u32::try_from(v).ok());
            Some((n(0)?, n(1)?))
        })
        .expect("the page's height and the window's own");
    browser
        .client()
        .set_window_size(WIDTH, height.clamp(200, MAX_HEIGHT) + chrome)
        .await
        .expect("resize the window");
    let path = dir.join(name);
    let size = browser.screenshot(&path).await;
    let png = std::fs::read(&path).expect("the picture");
    assert!(
        size > 10_000 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{name}: {size} bytes"
    );
}

async fn set_language(server: &Server, email: &str, language: Language) {
    let user = server
        .db
        .user_by_email(email)
        .await
        .expect("user")
        .expect("a user");
    server
        .db
        .update_user(
            user.id,
            &UserUpdate {
                language: Some(language),
                ..UserUpdate::default()
            },
        )
        .await
        .expect("language");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_main_pages() {
    let server = Server::start().await;
    let desk = desk(&server).await;
    let browser = Browser::start().await;
    let dir = match std::env::var_os("TENGGAT_SCREENSHOTS") {
        Some(d) => PathBuf::from(d),
        None => browser.scratch("screenshots"),
    };
    std::fs::create_dir_all(&dir).expect("the screenshots directory");

    // A desk with some history: three reports, one acknowledged and worked around, one with
    // an escalation request.
    let customer = session_cookie(&server, &desk.customer).await;
    let agent = session_cookie(&server, &desk.agent).await;
    let login = report_by_api(
        &server,
        &customer,
        desk.contract,
        "P2",
        "Login mitra gagal (HTTP 500)",
    )
    .await;
    let sync = report_by_api(
        &server,
        &customer,
        desk.contract,
        "P3",
        "Sinkronisasi pesanan tertunda",
    )
    .await;
    report_by_api(
        &server,
        &customer,
        desk.contract,
        "P3",
        "Ejaan salah di halaman laporan",
    )
    .await;
    api_post(
        &server,
        &agent,
        &format!("/api/v1/tickets/{login}/acknowledge"),
        json!({"comment": "Kami sedang memeriksa log server."}),
    )
    .await;
    api_post(
        &server,
        &agent,
        &format!("/api/v1/tickets/{login}/workaround"),
        json!({"comment": "Masuk lewat SSO sementara waktu."}),
    )
    .await;
    api_post(
        &server,
        &customer,
        &format!("/api/v1/tickets/{sync}/escalation-requests"),
        json!({"reason": "stalled_progress",
               "justification": "Dua hari tanpa kabar, pesanan masih tertunda."}),
    )
    .await;

    for (lang, code) in [(Language::Id, "id"), (Language::En, "en")] {
        browser
            .goto(&server.url(&format!("/login?lang={code}")))
            .await;
        picture(&browser, &dir, &format!("{code}-login.png")).await;

        set_language(&server, &desk.customer, lang).await;
        sign_in(&browser, &server, &desk.customer).await;
        for (path, name) in [
            ("/tickets".to_owned(), "customer-tickets"),
            ("/tickets/new".to_owned(), "customer-report"),
            (format!("/tickets/{login}"), "customer-ticket"),
            ("/sla".to_owned(), "customer-sla"),
            ("/availability".to_owned(), "customer-availability"),
        ] {
            browser.goto(&server.url(&path)).await;
            picture(&browser, &dir, &format!("{code}-{name}.png")).await;
        }
        sign_out(&browser).await;

        set_language(&server, &desk.manager, lang).await;
        sign_in(&browser, &server, &desk.manager).await;
        for (path, name) in [
            ("/queue".to_owned(), "agent-queue"),
            (format!("/tickets/{sync}"), "agent-ticket"),
            ("/escalations".to_owned(), "agent-escalations"),
            ("/admin/calendars".to_owned(), "agent-calendars"),
        ] {
            browser.goto(&server.url(&path)).await;
            picture(&browser, &dir, &format!("{code}-{name}.png")).await;
        }
        sign_out(&browser).await;
    }
    let written = std::fs::read_dir(&dir)
        .expect("the screenshots directory")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(written >= 20, "{written} pictures in {}", dir.display());

    browser.close().await;
    server.stop().await;
}
