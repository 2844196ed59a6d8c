//! The availability pages in the browser: a customer reads a month's figures, disputes an
//! exclusion and claims the month's service credit; the provider's agent sees the claim and
//! schedules (and cancels) maintenance; the provider's administrator decides the claim and the
//! dispute; the customer sees the decision; a customer of another organisation gets "not
//! found"; the pages in both languages without a missing word.
//!
//! The server runs on a manual clock set to 2026-05-10 10:00 WIB, so that April 2026 has ended
//! and its claim window (30 days for Innovasia) is open whatever day the test runs.

use std::sync::{Arc, Mutex};

use fantoccini::Locator;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tenggat_availability::Cause;
use tenggat_server::Clock;
use tenggat_store::{
    LiveState, Monitoring, NewContract, NewExclusion, NewMaintenance, NewMonitor, NewRun, OrgKind,
    PolicyRef, RunKind, Store,
};

use crate::harness::{Browser, Server};
use crate::portal::{PASSWORD, desk, sign_in, sign_out};

/// A clock that stays where it is set.
struct ManualClock(Mutex<Timestamp>);

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}

/// An instant written in WIB, `2026-04-10 00:00`.
fn wib(s: &str) -> Timestamp {
    format!("{s}:00+07:00")
        .replace(' ', "T")
        .parse()
        .expect("instant")
}

/// The server's "now".
const NOW: &str = "2026-05-10 10:00";
/// The provider's administrator made by the first run.
const ADMIN: &str = "admin@localhost";

/// What [`arrange`] made.
struct Arranged {
    /// The contract with the history.
    contract: i64,
    /// The recorded exclusion of April.
    exclusion: i64,
    /// `/availability?contract=…&month=2026-04`.
    april: String,
}

/// A second Innovasia contract of the first customer (PT mitra-satu), with a monthly fee of
/// IDR 100,000.00, a paused monitor of its service since March, and a timeline up to now:
/// April 10 00:00 – April 11 12:01 down (2,161 minutes: 94.99 %, under the 95 % target, the
/// first credit tier of 10 %); a maintenance window announced 72 hours ahead and a third-party
/// exclusion in April, neither touching the outage. The first-run administrator gets the
/// portal's password.
async fn arrange(server: &Server) -> Arranged {
    let now = wib(NOW);
    let org = server
        .db
        .organisation_by_slug("mitra-satu")
        .await
        .expect("lookup")
        .expect("the desk's first customer");
    let provider = server
        .db
        .list_organisations(Some(OrgKind::Provider))
        .await
        .expect("orgs")
        .remove(0);
    let contract = server
        .db
        .create_contract(&NewContract {
            provider_id: provider.id,
            customer_org_id: org.id,
            policy: PolicyRef::Preset("innovasia".into()),
            add_ons: vec![],
            monthly_fee_minor: 10_000_000,
            currency: "IDR".into(),
            term_start: "2026-01-01".parse().expect("date"),
            term_end: None,
            designated_contacts_only: false,
            designated_contacts: vec![],
            created_at: wib("2026-01-01 00:00"),
        })
        .await
        .expect("contract");
    let monitor = server
        .db
        .create_monitor(&NewMonitor {
            provider_id: provider.id,
            contract_id: contract.id,
            service_id: "service".into(),
            name: "Portal /healthz".into(),
            check: json!({"type": "http", "url": "http://127.0.0.1:9/healthz"}),
            interval_ms: 60_000,
            locations: vec!["local".into()],
            public: false,
            created_at: wib("2026-03-01 00:00"),
            first_run_at: now,
        })
        .await
        .expect("monitor");
    // Paused: the history is the record, nothing is probed.
    server
        .db
        .set_monitor_paused(monitor.id, Some(now), now)
        .await
        .expect("pause");
    let cause = serde_json::to_value(Cause::FailingShare {
        failing: 1,
        unreachable: 0,
        monitored: 1,
        over_percent: 50.0,
    })
    .expect("cause");
    let outage = NewRun {
        kind: RunKind::Down,
        start: wib("2026-04-10 00:00"),
        end: wib("2026-04-11 12:01"),
        cause,
    };
    let live = LiveState {
        down_since: None,
        incident_ticket_id: None,
    };
    assert!(
        server
            .db
            .advance_availability(contract.id, "service", None, now, &[outage], &live, now)
            .await
            .expect("timeline")
    );
    let window_start = wib("2026-04-20 01:00");
    server
        .db
        .create_maintenance(
            &NewMaintenance {
                contract_id: contract.id,
                service_id: None,
                start: window_start,
                end: wib("2026-04-20 02:00"),
                announced_at: window_start - SignedDuration::from_hours(72),
                note: "Penggantian sertifikat TLS".into(),
                created_by: None,
            },
            &[],
        )
        .await
        .expect("maintenance");
    let exclusion = server
        .db
        .create_exclusion(&NewExclusion {
            contract_id: contract.id,
            service_id: None,
            start: wib("2026-04-25 09:00"),
            end: wib("2026-04-25 09:45"),
            reason: "third_party".into(),
            note: "Penyedia DNS global tidak menjawab (insiden #4471).".into(),
            created_by: None,
            created_at: wib("2026-04-25 12:00"),
        })
        .await
        .expect("exclusion");
    let answer = reqwest::Client::new()
        .post(server.setup_url())
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("set the admin's password");
    assert!(answer.status().is_success(), "{}", answer.status());
    Arranged {
        contract: contract.id,
        exclusion: exclusion.id,
        april: format!("/availability?contract={}&month=2026-04", contract.id),
    }
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

/// How many elements match `css` now.
async fn count(browser: &Browser, css: &str) -> usize {
    browser
        .client()
        .find_all(Locator::Css(css))
        .await
        .expect("find")
        .len()
}

/// The cell `column` (a class) of the service's row in the month's figures.
async fn figure(browser: &Browser, column: &str) -> String {
    browser
        .text_of(&format!("#service-service td.{column}"))
        .await
}

/// Issue 7, item 4: the customer reads April's figures (94.99 % against 95 %, 2,161 minutes
/// down, a 10 % credit of IDR 10,000.00), disputes the exclusion and claims the credit; the
/// agent sees the pending claim (deciding is for the administrator, and the page offers the
/// agent no decision), announces maintenance for the 20th and cancels it; the administrator
/// approves the claim and upholds the exclusion; the customer sees both decisions; another
/// organisation's customer gets "not found" for the contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_claims_a_credit_and_the_provider_decides() {
    let server = Server::start_with_clock(Arc::new(ManualClock(Mutex::new(wib(NOW))))).await;
    let desk = desk(&server).await;
    let arranged = arrange(&server).await;
    let browser = Browser::start().await;

    // The customer: the nav link, the contract, this month, then April.
    sign_in(&browser, &server, &desk.customer).await;
    browser.submit("#nav-availability").await;
    assert_eq!(browser.text_of("h1").await, "Ketersediaan layanan");
    browser
        .click(&format!(
            "#contract-choice option[value=\"{}\"]",
            arranged.contract
        ))
        .await;
    browser.submit("#contract-switch").await;
    assert_eq!(browser.text_of("#month").await, "Mei 2026");
    assert_eq!(figure(&browser, "uptime").await, "100,00 %");
    assert_eq!(figure(&browser, "downtime").await, "0");
    assert_eq!(figure(&browser, "credit").await, "tidak ada");
    assert_eq!(count(&browser, "#month-next").await, 0, "no month ahead");
    assert!(
        browser
            .text_of("#status-link")
            .await
            .contains("Halaman status publik")
    );
    browser.submit("#month-prev").await;
    assert_eq!(browser.text_of("#month").await, "April 2026");
    assert_eq!(figure(&browser, "uptime").await, "94,99 %");
    assert_eq!(figure(&browser, "target").await, "95 %");
    assert_eq!(figure(&browser, "downtime").await, "2161");
    // Its only monitor is paused: nothing watches it now.
    assert_eq!(figure(&browser, "now").await, "tidak dipantau");
    assert_eq!(
        figure(&browser, "credit").await,
        "10 % dari biaya: IDR 10.000,00"
    );
    let past = browser.text_of("#past").await;
    assert!(past.contains("Penggantian sertifikat TLS"), "{past}");
    assert!(past.contains("dikecualikan"), "{past}");
    assert!(browser.text_of("#no-upcoming").await.len() > 5);

    // The exclusion, disputed.
    let ex = arranged.exclusion;
    assert!(
        browser
            .text_of(&format!("#exclusion-{ex}"))
            .await
            .contains("dicatat")
    );
    browser
        .fill(
            &format!("#dispute-note-{ex}"),
            "DNS kami sendiri menjawab normal saat itu",
        )
        .await;
    browser.submit(&format!("#dispute-{ex}")).await;
    assert_eq!(browser.text_of(".flash").await, "Pengecualian disanggah.");
    assert!(
        browser
            .text_of(&format!("#exclusion-{ex}"))
            .await
            .contains("disanggah")
    );

    // The claim.
    assert_eq!(browser.text_of("#no-claims").await, "Belum ada klaim.");
    browser
        .fill("#claim-note-service", "Gangguan 10-11 April")
        .await;
    assert_eq!(
        browser.text_of("#claim-service").await,
        "Klaim kredit (10 % dari biaya: IDR 10.000,00)"
    );
    browser.submit("#claim-service").await;
    assert_eq!(
        browser.text_of(".flash").await,
        "Klaim terkirim. Penyedia akan memutuskannya."
    );
    let claims = browser.text_of("#claims").await;
    assert!(claims.contains("April 2026"), "{claims}");
    assert!(claims.contains("IDR 10.000,00"), "{claims}");
    assert!(claims.contains("menunggu keputusan"), "{claims}");
    assert!(claims.contains("Gangguan 10-11 April"), "{claims}");
    assert_eq!(count(&browser, "#claim-service").await, 0, "claimed once");
    sign_out(&browser).await;

    // The agent sees the pending claim; deciding it is the administrator's.
    sign_in(&browser, &server, &desk.agent).await;
    browser.submit("#nav-availability").await;
    assert_eq!(browser.text_of("h1").await, "Service availability");
    browser.goto(&server.url(&arranged.april)).await;
    let claims = browser.text_of("#claims").await;
    assert!(claims.contains("pending"), "{claims}");
    assert!(claims.contains("IDR 10,000.00"), "{claims}");
    assert_eq!(count(&browser, "form.decide").await, 0);
    assert_eq!(count(&browser, "[id^=claim-form-]").await, 0);
    // A window ending before it starts: the API refuses it, and the page says why.
    set_value(&browser, "schedule-start", "2026-05-20T22:00").await;
    set_value(&browser, "schedule-end", "2026-05-20T21:00").await;
    browser.fill("#schedule-note", "Terbalik").await;
    browser.submit("#schedule").await;
    let refused = browser.text_of("p.error").await;
    assert!(
        refused.starts_with("The request was refused: end (") && refused.contains("after start"),
        "{refused}"
    );
    browser.goto(&server.url(&arranged.april)).await;
    assert_eq!(
        browser.text_of("#no-upcoming").await,
        "No maintenance is scheduled."
    );
    // Maintenance on the 20th, announced ten days ahead: excluded; then cancelled.
    set_value(&browser, "schedule-start", "2026-05-20T22:00").await;
    set_value(&browser, "schedule-end", "2026-05-20T23:30").await;
    browser
        .fill("#schedule-note", "Peningkatan basis data")
        .await;
    browser.submit("#schedule").await;
    assert_eq!(browser.text_of(".flash").await, "Maintenance announced.");
    let upcoming = browser.text_of("#upcoming").await;
    assert!(upcoming.contains("Peningkatan basis data"), "{upcoming}");
    assert!(upcoming.contains("2026-05-20 22:00 WIB"), "{upcoming}");
    assert!(upcoming.contains("excluded"), "{upcoming}");
    browser.submit("#upcoming button[id^=cancel-]").await;
    assert_eq!(browser.text_of(".flash").await, "Maintenance cancelled.");
    assert!(browser.text_of("#upcoming").await.contains("cancelled"));
    assert_eq!(count(&browser, "#upcoming button[id^=cancel-]").await, 0);
    sign_out(&browser).await;

    // The administrator approves the claim and upholds the exclusion.
    sign_in(&browser, &server, ADMIN).await;
    browser.goto(&server.url(&arranged.april)).await;
    browser
        .fill("form.decide input[name=note]", "Sesuai laporan pemantauan")
        .await;
    browser.submit("form.decide button").await;
    assert_eq!(browser.text_of(".flash").await, "Claim decided.");
    let claims = browser.text_of("#claims").await;
    assert!(claims.contains("approved"), "{claims}");
    assert!(claims.contains("credit note for June 2026"), "{claims}");
    browser
        .click(&format!("#resolve-outcome-{ex} option[value=upheld]"))
        .await;
    browser
        .fill(
            &format!("#resolve-note-{ex}"),
            "Insiden penyedia DNS tercatat",
        )
        .await;
    browser.submit(&format!("#resolve-{ex}")).await;
    assert_eq!(browser.text_of(".flash").await, "Dispute resolved.");
    sign_out(&browser).await;

    // The customer sees both decisions.
    sign_in(&browser, &server, &desk.customer).await;
    browser.goto(&server.url(&arranged.april)).await;
    let claims = browser.text_of("#claims").await;
    assert!(claims.contains("disetujui"), "{claims}");
    assert!(claims.contains("nota kredit untuk Juni 2026"), "{claims}");
    assert!(claims.contains("Sesuai laporan pemantauan"), "{claims}");
    let exclusion = browser.text_of(&format!("#exclusion-{ex}")).await;
    assert!(exclusion.contains("tetap berlaku"), "{exclusion}");
    assert!(
        exclusion.contains("Jawaban: Insiden penyedia DNS tercatat"),
        "{exclusion}"
    );
    sign_out(&browser).await;

    // Another organisation's customer: not found, and nothing of the contract shows.
    sign_in(&browser, &server, &desk.stranger).await;
    browser.goto(&server.url(&arranged.april)).await;
    assert_eq!(
        browser.text_of("p.error").await,
        "Halaman ini tidak ada, atau bukan untuk Anda."
    );
    let body = browser.text_of("body").await;
    assert!(!body.contains("Gangguan"), "{body}");
    assert!(!body.contains("94,99"), "{body}");
    // Their own page does not offer the other organisation's contract.
    browser.goto(&server.url("/availability")).await;
    assert_eq!(browser.text_of("h1").await, "Ketersediaan layanan");
    assert_eq!(count(&browser, "#contract-choice").await, 0);
    assert!(
        !browser.text_of("#figures").await.contains("94,99"),
        "another contract's figures"
    );

    browser.close().await;
    server.stop().await;
}

/// The availability pages in both languages, for the customer (with a claim form and a
/// dispute form), the agent (the schedule form) and the administrator (a pending claim to
/// decide): no missing word (`⟦key⟧`) and the page in the language asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_availability_pages_in_both_languages() {
    let server = Server::start_with_clock(Arc::new(ManualClock(Mutex::new(wib(NOW))))).await;
    let desk = desk(&server).await;
    let arranged = arrange(&server).await;
    let browser = Browser::start().await;
    let pages = [
        "/availability".to_owned(),
        format!("/availability?contract={}", arranged.contract),
        arranged.april.clone(),
        format!("/availability?contract={}&month=2026-03", arranged.contract),
    ];
    for email in [desk.customer.as_str(), desk.agent.as_str(), ADMIN] {
        sign_in(&browser, &server, email).await;
        if email == desk.customer {
            // A pending claim for the administrator to decide.
            browser.goto(&server.url(&arranged.april)).await;
            browser.submit("#claim-service").await;
            browser.text_of(".flash").await;
        }
        for lang in ["id", "en"] {
            browser.goto(&server.url("/availability")).await;
            let source = browser.client().source().await.expect("source");
            if !source.contains(&format!("<html lang=\"{lang}\"")) {
                browser.submit("form[action=\"/language\"] button").await;
                browser.text_of("h1").await;
            }
            for page in &pages {
                browser.goto(&server.url(page)).await;
                let html = browser.client().source().await.expect("source");
                assert!(
                    html.contains(&format!("<html lang=\"{lang}\"")),
                    "{page} is not in {lang}"
                );
                assert!(
                    html.contains("id=\"figures\""),
                    "{page} ({lang}) shows no figures: {html}"
                );
                assert!(
                    !html.contains('⟦'),
                    "{page} ({lang}) has a missing word: {html}"
                );
            }
            let expected = if lang == "id" {
                "Ketersediaan"
            } else {
                "Availability"
            };
            assert_eq!(browser.text_of("#nav-availability").await, expected);
        }
        if email == ADMIN {
            assert_eq!(count(&browser, "form.decide").await, 1);
        }
        sign_out(&browser).await;
    }
    browser.close().await;
    server.stop().await;
}
