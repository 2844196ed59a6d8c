//! HTTP checks against the real target.

use std::time::Duration;

use tenggat_availability::{FailureKind, Outcome};
use tenggat_probe::Prober;
use tenggat_probe::check::{Check, HttpCheck, JsonExpect, Method, StatusRange};
use tenggat_probe::target::{Mode, Target};

use crate::{closed_port, failed};

fn http(url: String) -> HttpCheck {
    HttpCheck::get(url)
}

#[tokio::test]
async fn healthy_is_ok() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let result = prober.run(&Check::Http(http(target.url("/health")))).await;
    assert_eq!(result.outcome, Outcome::Ok);
    assert!(result.latency > Duration::ZERO && result.latency < Duration::from_secs(5));
    assert_eq!(result.cert_expires_at, None);
    assert!(result.warnings.is_empty());
    assert_eq!(target.requests(), 1);

    let sample = result.clone().into_sample("api", "jakarta");
    assert_eq!(sample.at, result.started_at);
    assert_eq!(
        (sample.check.as_str(), sample.location.as_str()),
        ("api", "jakarta")
    );
    assert_eq!(sample.outcome, Outcome::Ok);
}

#[tokio::test]
async fn failing_503_is_unhealthy() {
    let target = Target::start().await.unwrap();
    target.set_mode(Mode::Failing).await.unwrap();
    let prober = Prober::new().unwrap();
    let result = prober.run(&Check::Http(http(target.url("/health")))).await;
    assert_eq!(
        failed(&result),
        (FailureKind::Unhealthy, "HTTP 503".to_string())
    );

    // A check may accept 503 (a maintenance page that is expected, say).
    let mut accepting = http(target.url("/health"));
    accepting.expect.status = vec![StatusRange::new(503, 503)];
    assert_eq!(
        prober.run(&Check::Http(accepting)).await.outcome,
        Outcome::Ok
    );

    target.set_mode(Mode::Healthy).await.unwrap();
    assert!(
        prober
            .run(&Check::Http(http(target.url("/health"))))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn slower_than_the_timeout_is_unreachable() {
    let target = Target::start().await.unwrap();
    target
        .set_mode(Mode::Slow(Duration::from_secs(3)))
        .await
        .unwrap();
    let prober = Prober::new().unwrap();
    let mut check = http(target.url("/health"));
    check.timeout = Duration::from_millis(300).into();
    let result = prober.run(&Check::Http(check.clone())).await;
    assert_eq!(
        failed(&result),
        (
            FailureKind::Unreachable,
            "timeout after 0.3s (no response)".to_string()
        )
    );
    assert!(
        result.latency >= Duration::from_millis(300),
        "{:?}",
        result.latency
    );
    assert!(
        result.latency < Duration::from_secs(3),
        "{:?}",
        result.latency
    );

    // Slow but within the timeout: ok.
    target
        .set_mode(Mode::Slow(Duration::from_millis(100)))
        .await
        .unwrap();
    check.timeout = Duration::from_secs(5).into();
    let result = prober.run(&Check::Http(check)).await;
    assert_eq!(result.outcome, Outcome::Ok);
    assert!(result.latency >= Duration::from_millis(100));
}

#[tokio::test]
async fn a_missing_keyword_is_unhealthy() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let mut check = http(target.url("/health"));
    check.expect.body_contains = Some("\"status\":\"up\"".into());
    assert_eq!(
        prober.run(&Check::Http(check.clone())).await.outcome,
        Outcome::Ok
    );
    check.expect.body_contains = Some("healthy".into());
    let result = prober.run(&Check::Http(check)).await;
    assert_eq!(
        failed(&result),
        (
            FailureKind::Unhealthy,
            "keyword \"healthy\" missing from the body".to_string()
        )
    );
}

#[tokio::test]
async fn json_values_are_compared() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let mut check = http(target.url("/health"));
    check.expect.json = Some(JsonExpect {
        pointer: "/status".into(),
        value: "up".into(),
    });
    assert_eq!(
        prober.run(&Check::Http(check.clone())).await.outcome,
        Outcome::Ok
    );

    check.expect.json = Some(JsonExpect {
        pointer: "/status".into(),
        value: "green".into(),
    });
    let result = prober.run(&Check::Http(check.clone())).await;
    assert_eq!(
        failed(&result),
        (
            FailureKind::Unhealthy,
            "JSON /status is \"up\", expected \"green\"".to_string()
        )
    );

    check.expect.json = Some(JsonExpect {
        pointer: "/data/0".into(),
        value: 1.into(),
    });
    assert_eq!(
        failed(&prober.run(&Check::Http(check.clone())).await).1,
        "JSON /data/0 missing"
    );

    // Numbers compare by value: /status/200 answers {"status":200}.
    check.url = target.url("/status/200");
    check.expect.json = Some(JsonExpect {
        pointer: "/status".into(),
        value: serde_json::json!(200.0),
    });
    assert_eq!(
        prober.run(&Check::Http(check.clone())).await.outcome,
        Outcome::Ok
    );

    // A body that is not JSON.
    check.url = target.url("/big");
    check.expect.json = Some(JsonExpect {
        pointer: "".into(),
        value: "x".into(),
    });
    let detail = failed(&prober.run(&Check::Http(check)).await).1;
    assert_eq!(detail, "body larger than 1 MiB: not read as JSON");
}

#[tokio::test]
async fn post_sends_headers_and_body() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let mut check = http(target.url("/echo"));
    check.method = Method::Post;
    check
        .headers
        .insert("authorization".into(), "Bearer abc".into());
    check.body = Some("ping".into());
    check.expect.json = Some(JsonExpect {
        pointer: "".into(),
        value: serde_json::json!({"body": "ping", "authorization": "Bearer abc"}),
    });
    assert_eq!(
        prober.run(&Check::Http(check.clone())).await.outcome,
        Outcome::Ok
    );
    check.body = Some("pong".into());
    let detail = failed(&prober.run(&Check::Http(check)).await).1;
    assert!(detail.starts_with("JSON body is {"), "{detail}");
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let mut check = http(target.url("/redirect/3"));
    check.expect.status = vec![StatusRange::new(200, 200)];
    check.expect.body_contains = Some("up".into());
    assert_eq!(
        prober.run(&Check::Http(check.clone())).await.outcome,
        Outcome::Ok
    );
    assert_eq!(target.requests(), 4);

    check.follow_redirects = 2;
    let detail = failed(&prober.run(&Check::Http(check.clone())).await);
    assert_eq!(
        detail,
        (
            FailureKind::Unhealthy,
            "more than 2 redirects (the last to /redirect/0)".to_string()
        )
    );

    // Not following: the 302 itself is judged.
    check.follow_redirects = 0;
    assert_eq!(
        failed(&prober.run(&Check::Http(check.clone())).await).1,
        "HTTP 302"
    );
    check.expect = Default::default(); // 200-399
    assert_eq!(prober.run(&Check::Http(check)).await.outcome, Outcome::Ok);
}

#[tokio::test]
async fn bodies_are_read_up_to_the_cap() {
    let target = Target::start().await.unwrap();
    let mut check = http(target.url("/big"));
    check.expect.body_contains = Some("tail".into());
    // 2 MiB of x, then "tail": beyond the default 1 MiB.
    let prober = Prober::new().unwrap();
    let detail = failed(&prober.run(&Check::Http(check.clone())).await);
    assert_eq!(
        detail,
        (
            FailureKind::Unhealthy,
            "keyword \"tail\" missing from the first 1 MiB of the body".to_string()
        )
    );
    let roomy = Prober::builder().max_body_bytes(4 << 20).build().unwrap();
    assert_eq!(roomy.run(&Check::Http(check)).await.outcome, Outcome::Ok);
}

#[tokio::test]
async fn a_target_that_is_down_is_unreachable_and_comes_back() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let check = Check::Http(http(target.url("/health")));
    assert!(prober.run(&check).await.is_ok());
    target.set_mode(Mode::Down).await.unwrap();
    let (kind, detail) = failed(&prober.run(&check).await);
    assert_eq!(kind, FailureKind::Unreachable);
    assert!(
        detail.starts_with("connect: ") && detail.contains("refused"),
        "{detail}"
    );
    target.set_mode(Mode::Healthy).await.unwrap();
    assert!(prober.run(&check).await.is_ok());

    let nobody = Check::Http(http(format!("http://127.0.0.1:{}/", closed_port())));
    let (kind, detail) = failed(&prober.run(&nobody).await);
    assert_eq!(kind, FailureKind::Unreachable);
    assert!(detail.contains("refused"), "{detail}");
}

#[tokio::test]
async fn an_unknown_host_is_unreachable() {
    let prober = Prober::new().unwrap();
    let mut check = http("http://no-such-host.invalid/".into());
    check.timeout = Duration::from_secs(5).into();
    let (kind, detail) = failed(&prober.run(&Check::Http(check)).await);
    assert_eq!(kind, FailureKind::Unreachable);
    // The machine's resolver answers "no such name", or cannot answer in time.
    assert!(
        detail.starts_with("dns: ") || detail.starts_with("timeout"),
        "{detail}"
    );
}

#[tokio::test]
async fn an_invalid_check_is_inconclusive() {
    let prober = Prober::new().unwrap();
    let result = prober
        .run(&Check::Http(http("ftp://example.com/".into())))
        .await;
    match result.outcome {
        Outcome::Inconclusive { reason } => {
            assert!(
                reason.starts_with("invalid check: check: bad URL"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_clock_stamps_the_result() {
    let target = Target::start().await.unwrap();
    let at: jiff::Timestamp = "2026-04-10T10:00:00Z".parse().unwrap();
    let prober = Prober::builder().clock(move || at).build().unwrap();
    let result = prober.run(&Check::Http(http(target.url("/")))).await;
    assert_eq!(result.started_at, at);
}
