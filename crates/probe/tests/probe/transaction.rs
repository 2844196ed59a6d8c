//! Synthetic transactions against the real target: values extracted by one step feed the
//! next; a failure names its step.

use std::time::Duration;

use tenggat_availability::{FailureKind, Outcome};
use tenggat_probe::Prober;
use tenggat_probe::check::{Check, Monitor, Transaction};
use tenggat_probe::target::{Mode, Target};

use crate::failed;

/// Login (token from the JSON body, session from a header), then `/me` with the token, then
/// `/echo` with both in the body.
fn login_then_me(target: &Target, password: &str, authorization: &str) -> Transaction {
    let json = format!(
        r#"{{"interval": "30s", "check": {{"type": "transaction", "name": "login", "steps": [
            {{"name": "login", "method": "POST", "url": "{login}",
             "headers": {{"content-type": "application/json"}},
             "body": "{{\"user\":\"alice\",\"password\":\"{password}\"}}",
             "expect": {{"status": ["200"]}},
             "extract": {{"token": {{"json": "/token"}}, "session": {{"header": "x-session"}}}}}},
            {{"name": "me", "url": "{me}",
             "headers": {{"authorization": "{authorization}"}},
             "expect": {{"json": {{"pointer": "/user", "value": "alice"}}}}}},
            {{"name": "echo", "method": "POST", "url": "{echo}", "body": "{{{{token}}}}/{{{{session}}}}",
             "expect": {{"json": {{"pointer": "/body", "value": "tok-1/tok-1"}}}}}}
        ]}}}}"#,
        login = target.url("/login"),
        me = target.url("/me"),
        echo = target.url("/echo"),
    );
    let monitor = Monitor::from_json(&json).unwrap();
    match monitor.check {
        Check::Transaction(t) => t,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_token_of_step_1_feeds_step_2() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let t = login_then_me(&target, "secret", "Bearer {{token}}");
    let result = prober.run(&Check::Transaction(t)).await;
    assert_eq!(result.outcome, Outcome::Ok);
    assert_eq!(target.requests(), 3);
}

#[tokio::test]
async fn a_failing_step_2_names_it() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    // Step 2 sends a token the target never issued.
    let t = login_then_me(&target, "secret", "Bearer {{token}}-forged");
    let result = prober.run(&Check::Transaction(t)).await;
    assert_eq!(
        failed(&result),
        (
            FailureKind::Unhealthy,
            "step 2 \"me\": HTTP 401".to_string()
        )
    );
    // The transaction stopped there: login and me, no echo.
    assert_eq!(target.requests(), 2);
}

#[tokio::test]
async fn a_failing_step_1_stops_the_transaction() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let t = login_then_me(&target, "wrong", "Bearer {{token}}");
    let result = prober.run(&Check::Transaction(t)).await;
    assert_eq!(
        failed(&result),
        (
            FailureKind::Unhealthy,
            "step 1 \"login\": HTTP 401".to_string()
        )
    );
    assert_eq!(target.requests(), 1);
}

#[tokio::test]
async fn a_value_that_cannot_be_extracted_fails_its_step() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let mut t = login_then_me(&target, "secret", "Bearer {{token}}");
    t.steps[0].extract.insert(
        "token".into(),
        tenggat_probe::check::Extract::Json("/access_token".into()),
    );
    let result = prober.run(&Check::Transaction(t.clone())).await;
    assert_eq!(
        failed(&result).1,
        "step 1 \"login\": extract token: JSON /access_token missing from the body"
    );
    t.steps[0].extract.insert(
        "session".into(),
        tenggat_probe::check::Extract::Header("x-missing".into()),
    );
    t.steps[0].extract.insert(
        "token".into(),
        tenggat_probe::check::Extract::Json("/token".into()),
    );
    let result = prober.run(&Check::Transaction(t)).await;
    assert_eq!(
        failed(&result).1,
        "step 1 \"login\": extract session: no header \"x-missing\" in the response"
    );
}

#[tokio::test]
async fn the_timeout_covers_the_whole_transaction() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    let mut t = login_then_me(&target, "secret", "Bearer {{token}}");
    // Each answer takes 300 ms; three steps do not fit in 750 ms, the third runs out.
    target
        .set_mode(Mode::Slow(Duration::from_millis(300)))
        .await
        .unwrap();
    t.timeout = Duration::from_millis(750).into();
    let result = prober.run(&Check::Transaction(t)).await;
    assert_eq!(
        failed(&result),
        (
            FailureKind::Unreachable,
            "step 3 \"echo\": timeout after 0.75s (no response)".to_string()
        )
    );
}

#[tokio::test]
async fn a_target_down_fails_step_1_as_unreachable() {
    let target = Target::start().await.unwrap();
    target.set_mode(Mode::Down).await.unwrap();
    let prober = Prober::new().unwrap();
    let t = login_then_me(&target, "secret", "Bearer {{token}}");
    let (kind, detail) = failed(&prober.run(&Check::Transaction(t)).await);
    assert_eq!(kind, FailureKind::Unreachable);
    assert!(
        detail.starts_with("step 1 \"login\": connect: "),
        "{detail}"
    );
}
