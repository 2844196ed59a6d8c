//! Issue 7's "done when", as a newcomer does it: `tenggat demo` loads the demo desk,
//! `tenggat serve` runs it, and two browser windows — the demo customer's (in English) and the
//! demo agent's (in Bahasa Indonesia, the default) — take one ticket from report to closure
//! through the setup links the demo printed, without any API call.
//!
//! Needs Chromium and chromedriver like the server's browser tests (it fails, never skips,
//! without them; `.ci/run` installs them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../server/tests/browser/harness.rs"]
mod harness;

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use harness::Browser;
use tenggat_store::testing::TempDir;

/// A password the newcomer chooses on each setup page.
const PASSWORD: &str = "kopi tubruk pagi hari";
/// The demo customer who reports (Innovasia's administrator) and the demo agent.
const CUSTOMER: &str = "rina.wulandari@innovasia.example";
const AGENT: &str = "andi.saputra@provider.example";

/// `tenggat serve`, stopped when dropped.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn tenggat(dir: &Path, base: &str, listen: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tenggat"));
    cmd.current_dir(dir)
        // The default database, `./tenggat.db`, as for a newcomer.
        .env_remove("TENGGAT_DATABASE_URL")
        .env("TENGGAT_PUBLIC_URL", format!("{base}/"))
        .env("TENGGAT_LISTEN", listen)
        .env_remove("TENGGAT_CONFIG");
    cmd
}

/// The setup link the demo printed for `email`.
fn link_of(stdout: &str, email: &str) -> String {
    stdout
        .lines()
        .find(|l| l.trim_start().starts_with(email))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no setup link for {email} in:\n{stdout}"))
        .to_owned()
}

/// Sets the password through `link` (in `lang`) and signs in from the page it leads to.
async fn set_password_and_sign_in(browser: &Browser, link: &str, email: &str, lang: &str) {
    browser.goto(&format!("{link}?lang={lang}")).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("#set-password").await;
    let done = browser.text_of("#setup-done").await;
    assert!(done.contains(email), "{done}");
    browser.submit("#setup-sign-in").await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("#sign-in").await;
    browser.text_of("form[action=\"/logout\"] button").await;
}

/// Sets an input's value by script (a `datetime-local` cannot be typed portably).
async fn set_value(browser: &Browser, id: &str, value: &str) {
    browser
        .client()
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![id.into(), value.into()],
        )
        .await
        .expect("set a value");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_runs_a_demo_ticket_from_report_to_closure_in_two_windows() {
    let dir = TempDir::new("tenggat-newcomer");
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let listen = format!("127.0.0.1:{port}");
    let base = format!("http://{listen}");

    // `tenggat demo`, then `tenggat serve`, as the README says.
    let demo = tenggat(dir.path(), &base, &listen)
        .args(["demo", "--tickets", "40"])
        .output()
        .expect("tenggat demo runs");
    let stdout = String::from_utf8_lossy(&demo.stdout).into_owned();
    assert!(
        demo.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let customer_link = link_of(&stdout, CUSTOMER);
    let agent_link = link_of(&stdout, AGENT);
    assert!(
        customer_link.starts_with(&format!("{base}/setup/")),
        "{customer_link}"
    );

    let _serving = Serving(
        tenggat(dir.path(), &base, &listen)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tenggat serve starts"),
    );
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "tenggat serve did not answer on {base}");

    // Two windows: the customer in English, the agent in Bahasa Indonesia.
    let customer = Browser::start().await;
    let agent = Browser::start().await;
    set_password_and_sign_in(&customer, &customer_link, CUSTOMER, "en").await;
    set_password_and_sign_in(&agent, &agent_link, AGENT, "id").await;

    // The customer reports an Innovasia P2 with every mandatory field and a screenshot.
    customer.submit("#nav-new").await;
    assert_eq!(customer.text_of("h1").await, "Report an incident");
    customer.click("#priority-P2").await;
    customer.fill("#title", "PDF export fails").await;
    for (id, text) in [
        ("#f-reporter_name", "Rina Wulandari"),
        ("#f-reporter_email", CUSTOMER),
        ("#f-reporter_phone", "+62 812-5566-7701"),
        (
            "#f-description",
            "The PDF export should succeed, but fails.",
        ),
        (
            "#f-steps_to_reproduce",
            "1. Open Reports 2. Click Export PDF",
        ),
        ("#f-error_messages", "HTTP 500 Internal Server Error"),
        ("#f-environment", "Chromium on Debian"),
        ("#f-frequency", "every time"),
        ("#f-business_impact", "The monthly report is late"),
    ] {
        customer.fill(id, text).await;
    }
    set_value(&customer, "f-first_observed", "2026-03-16T09:15").await;
    let shot = customer.scratch("screen.png");
    std::fs::write(&shot, b"\x89PNG\r\n\x1a\n-a-screenshot-").expect("file");
    customer
        .client()
        .find(fantoccini::Locator::Css("#f-visual_evidence"))
        .await
        .expect("file input")
        .send_keys(&shot.display().to_string())
        .await
        .expect("attach");
    customer.submit("#submit-report").await;
    assert_eq!(
        customer.text_of(".flash").await,
        "Your report was filed. The clocks below run from now."
    );
    let ticket_url = customer.current_url().await;
    let number = customer.text_of("h1 .number").await;
    assert!(
        customer
            .text_of(".clock.running")
            .await
            .starts_with("Response")
    );

    // The agent finds it in the queue (filtered to the customer) and works it.
    agent.goto(&format!("{base}/queue")).await;
    assert_eq!(agent.text_of("h1").await, "Antrean");
    assert!(
        agent.source().await.contains(&number),
        "the queue lists {number}"
    );
    agent.goto(&ticket_url).await;
    agent.submit("#acknowledge").await;
    assert_eq!(agent.text_of(".flash").await, "Tiket diterima.");
    agent.submit("#assign-me").await;
    assert_eq!(
        agent.text_of(".flash").await,
        "Tiket ini sekarang milik Anda."
    );
    agent
        .fill("#workaround-comment", "Ekspor lewat CSV untuk sementara")
        .await;
    agent.submit("#workaround").await;
    assert_eq!(agent.text_of(".flash").await, "Solusi sementara dicatat.");

    // The customer's window: the response met, the workaround confirmed.
    customer.goto(&ticket_url).await;
    assert!(
        customer
            .text_of(".clock.met")
            .await
            .starts_with("Response met")
    );
    customer
        .fill("#confirm-comment", "CSV is enough for now")
        .await;
    customer.submit("#confirm-workaround").await;
    assert_eq!(
        customer.text_of("#workaround-state").await,
        "confirmed by the customer"
    );

    // The agent resolves; the customer closes and answers the survey.
    agent.goto(&ticket_url).await;
    agent
        .fill("#resolve-comment", "PdfExporter diperbaiki")
        .await;
    agent.submit("#resolve").await;
    assert_eq!(agent.text_of("#status").await, "Terselesaikan");
    customer.goto(&ticket_url).await;
    assert_eq!(customer.text_of("#status").await, "Resolved");
    customer.submit("#close").await;
    assert_eq!(customer.text_of(".flash").await, "Ticket closed.");
    customer.click("#rating-5").await;
    customer.fill("#survey-comment", "Fast and clear").await;
    customer.submit("#send-survey").await;
    assert_eq!(
        customer.text_of("#survey-answer").await,
        "Rated 5 of 5 · Fast and clear"
    );

    // The agent's window shows the ticket closed with the customer's rating.
    agent.goto(&ticket_url).await;
    assert_eq!(agent.text_of("#status").await, "Ditutup");
    assert_eq!(
        agent.text_of("#survey-answer").await,
        "Dinilai 5 dari 5 · Fast and clear"
    );
    let timeline = agent.text_of("#timeline").await;
    assert!(timeline.contains("Ekspor lewat CSV"), "{timeline}");

    customer.close().await;
    agent.close().await;
}
