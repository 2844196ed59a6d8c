//! HTTPS against a target with a certificate made for the test (trusted through `ca_pem`).

use jiff::SignedDuration;
use tenggat_availability::{FailureKind, Outcome};
use tenggat_probe::Prober;
use tenggat_probe::check::{Check, HttpCheck, Monitor};
use tenggat_probe::target::{Target, TestCertificate};

use crate::failed;

fn trusting(target: &Target, cert: &TestCertificate) -> HttpCheck {
    let mut check = HttpCheck::get(target.url("/health"));
    check.ca_pem = Some(cert.ca_pem().to_string());
    check
}

#[tokio::test]
async fn a_certificate_expiring_in_3_days_is_ok_with_a_warning() {
    let cert = TestCertificate::expiring_in(SignedDuration::from_hours(72)).unwrap();
    let target = Target::start_tls(&cert).await.unwrap();
    assert!(target.url("/").starts_with("https://127.0.0.1:"));
    let prober = Prober::new().unwrap();
    let result = prober.run(&Check::Http(trusting(&target, &cert))).await;
    assert_eq!(result.outcome, Outcome::Ok);
    assert_eq!(result.cert_expires_at, Some(cert.not_after()));
    assert_eq!(result.warnings.len(), 1, "{:?}", result.warnings);
    let warning = &result.warnings[0];
    assert!(
        warning.starts_with(&format!(
            "TLS certificate of 127.0.0.1 expires at {}",
            cert.not_after()
        )),
        "{warning}"
    );
    // 72 hours minus the moments the test took: 2 whole days left.
    assert!(
        warning.contains("(in 2 days; warning from 14 days)"),
        "{warning}"
    );

    // The warning can be turned off, or set below the time left.
    let mut quiet = trusting(&target, &cert);
    quiet.cert_expiry_warning_days = 0;
    assert!(
        prober
            .run(&Check::Http(quiet.clone()))
            .await
            .warnings
            .is_empty()
    );
    quiet.cert_expiry_warning_days = 2;
    let result = prober.run(&Check::Http(quiet)).await;
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    assert_eq!(result.cert_expires_at, Some(cert.not_after()));
}

#[tokio::test]
async fn a_certificate_far_from_expiry_gives_no_warning_until_the_clock_nears_it() {
    let cert = TestCertificate::expiring_in(SignedDuration::from_hours(24 * 60)).unwrap();
    let target = Target::start_tls(&cert).await.unwrap();
    let check = Check::Http(trusting(&target, &cert));
    let result = Prober::new().unwrap().run(&check).await;
    assert_eq!(result.outcome, Outcome::Ok);
    assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    assert_eq!(result.cert_expires_at, Some(cert.not_after()));

    // The warning reads the prober's clock: 50 days on, 10 days are left.
    let later = cert.not_after() - SignedDuration::from_hours(24 * 10);
    let prober = Prober::builder().clock(move || later).build().unwrap();
    let result = prober.run(&check).await;
    assert_eq!(result.outcome, Outcome::Ok);
    assert_eq!(result.warnings.len(), 1);
    assert!(
        result.warnings[0].contains("(in 10 days;"),
        "{:?}",
        result.warnings
    );
}

#[tokio::test]
async fn an_expired_certificate_fails() {
    let cert = TestCertificate::expiring_in(SignedDuration::from_hours(-24)).unwrap();
    let target = Target::start_tls(&cert).await.unwrap();
    let result = Prober::new()
        .unwrap()
        .run(&Check::Http(trusting(&target, &cert)))
        .await;
    let (kind, detail) = failed(&result);
    assert_eq!(kind, FailureKind::Unreachable);
    assert!(detail.starts_with("tls: "), "{detail}");
    assert!(detail.to_lowercase().contains("expired"), "{detail}");
    assert_eq!(result.cert_expires_at, None);
    // The TLS handshake failed: no request reached the target.
    assert_eq!(target.requests(), 0);
}

#[tokio::test]
async fn an_untrusted_certificate_fails() {
    let cert = TestCertificate::expiring_in(SignedDuration::from_hours(24 * 30)).unwrap();
    let target = Target::start_tls(&cert).await.unwrap();
    let mut check = trusting(&target, &cert);
    check.ca_pem = None;
    let (kind, detail) = failed(&Prober::new().unwrap().run(&Check::Http(check)).await);
    assert_eq!(kind, FailureKind::Unreachable);
    assert!(
        detail.starts_with("tls: ") && detail.contains("UnknownIssuer"),
        "{detail}"
    );

    // Trusting another CA does not help.
    let other = TestCertificate::expiring_in(SignedDuration::from_hours(24 * 30)).unwrap();
    let (_, detail) = failed(
        &Prober::new()
            .unwrap()
            .run(&Check::Http(trusting(&target, &other)))
            .await,
    );
    assert!(detail.starts_with("tls: "), "{detail}");
}

#[tokio::test]
async fn a_transaction_reports_its_earliest_expiring_certificate() {
    let soon = TestCertificate::expiring_in(SignedDuration::from_hours(24 * 5)).unwrap();
    let target = Target::start_tls(&soon).await.unwrap();
    let json = format!(
        r#"{{"interval": "1m", "check": {{"type": "transaction", "name": "t", "ca_pem": {pem},
            "steps": [{{"name": "health", "url": "{url}"}}]}}}}"#,
        pem = serde_json::to_string(soon.ca_pem()).unwrap(),
        url = target.url("/health"),
    );
    let monitor = Monitor::from_json(&json).unwrap();
    let result = Prober::new().unwrap().run(&monitor.check).await;
    assert_eq!(result.outcome, Outcome::Ok);
    assert_eq!(result.cert_expires_at, Some(soon.not_after()));
    assert_eq!(result.warnings.len(), 1);
}
