//! End-to-end tests in a real browser: headless Chromium through chromedriver against the real
//! server on a temporary SQLite database (see `browser/harness.rs`). Chromium and chromedriver
//! must be installed (`/usr/bin/chromium`, `/usr/bin/chromedriver`); the tests fail, never
//! skip, without them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "browser/admin.rs"]
mod admin;
#[path = "browser/availability.rs"]
mod availability;
#[path = "browser/escalation.rs"]
mod escalation;
#[path = "browser/harness.rs"]
mod harness;
#[path = "browser/portal.rs"]
mod portal;
#[path = "browser/screenshots.rs"]
mod screenshots;

use harness::{Browser, Server};

/// The public status page of the first run's provider (no public monitor yet) in Bahasa
/// Indonesia by default and in English with `?lang=en`, switching by its language link; and a
/// screenshot of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_in_both_languages() {
    let server = Server::start().await;
    let browser = Browser::start().await;

    browser.goto(&server.url("/status/provider")).await;
    assert_eq!(browser.text_of("h1").await, "Status layanan — Provider");
    assert_eq!(
        browser.text_of("p.banner").await,
        "Semua layanan berjalan normal"
    );
    let body = browser.text_of("body").await;
    assert!(
        body.contains("Belum ada layanan yang dipantau secara publik."),
        "{body}"
    );
    assert!(body.contains("Tidak ada pemeliharaan terjadwal."), "{body}");
    assert_eq!(browser.text_of("header a").await, "English");

    // The language link leads to the English page.
    browser.click("header a[hreflang=en]").await;
    assert!(
        browser
            .current_url()
            .await
            .ends_with("/status/provider?lang=en"),
        "{}",
        browser.current_url().await
    );
    assert_eq!(browser.text_of("h1").await, "Service status — Provider");

    browser.goto(&server.url("/status/provider?lang=en")).await;
    assert_eq!(browser.text_of("h1").await, "Service status — Provider");
    assert_eq!(
        browser.text_of("p.banner").await,
        "All services are operating normally"
    );
    let body = browser.text_of("body").await;
    assert!(
        body.contains("No service is monitored publicly yet."),
        "{body}"
    );
    assert!(body.contains("No maintenance scheduled."), "{body}");
    assert_eq!(browser.text_of("header a").await, "Bahasa Indonesia");

    let shot = browser.scratch("status.png");
    let size = browser.screenshot(&shot).await;
    let png = std::fs::read(&shot).expect("the screenshot file");
    assert!(size > 0 && png.len() == size, "{size} bytes written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG signature");

    browser.close().await;
    server.stop().await;
}
