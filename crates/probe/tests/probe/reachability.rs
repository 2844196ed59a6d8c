//! TCP checks and the prober's connectivity self-check.

use std::sync::Arc;
use std::time::Duration;

use tenggat_availability::{FailureKind, Outcome};
use tenggat_probe::check::{Check, HttpCheck};
use tenggat_probe::target::{Mode, Target};
use tenggat_probe::{Connectivity, Prober, SelfCheck};

use crate::{closed_port, failed};

fn tcp(port: u16) -> Check {
    Check::Tcp {
        host: "127.0.0.1".into(),
        port,
        timeout: Duration::from_secs(2).into(),
    }
}

#[tokio::test]
async fn tcp_connects_or_is_unreachable() {
    let target = Target::start().await.unwrap();
    let prober = Prober::new().unwrap();
    assert_eq!(
        prober.run(&tcp(target.addr().port())).await.outcome,
        Outcome::Ok
    );

    let port = closed_port();
    let (kind, detail) = failed(&prober.run(&tcp(port)).await);
    assert_eq!(kind, FailureKind::Unreachable);
    assert!(
        detail.starts_with(&format!("connect 127.0.0.1:{port}: ")) && detail.contains("refused"),
        "{detail}"
    );

    let name = Check::Tcp {
        host: "localhost".into(),
        port: target.addr().port(),
        timeout: Duration::from_secs(2).into(),
    };
    // localhost may resolve to ::1 first, where nothing listens; 127.0.0.1 is tried next.
    assert_eq!(prober.run(&name).await.outcome, Outcome::Ok);
}

#[tokio::test]
async fn cut_off_from_every_reference_is_inconclusive() {
    let target = Target::start().await.unwrap();
    target.set_mode(Mode::Down).await.unwrap();
    let reference = format!("127.0.0.1:{}", closed_port());
    let prober = Prober::builder()
        .self_check(SelfCheck::new([reference.clone()]).unwrap())
        .build()
        .unwrap();
    let result = prober
        .run(&Check::Http(HttpCheck::get(target.url("/"))))
        .await;
    match &result.outcome {
        Outcome::Inconclusive { reason } => {
            assert!(
                reason.starts_with(&format!(
                    "prober offline: no reference reachable ({reference}: "
                )),
                "{reason}"
            );
            assert!(reason.contains("the check saw: connect: "), "{reason}");
        }
        other => panic!("expected inconclusive, got {other:?}"),
    }
    // TCP checks too.
    let tcp_result = prober.run(&tcp(target.addr().port())).await;
    assert!(
        matches!(tcp_result.outcome, Outcome::Inconclusive { .. }),
        "{tcp_result:?}"
    );
}

#[tokio::test]
async fn one_reachable_reference_keeps_the_failure() {
    let target = Target::start().await.unwrap();
    let reference = Target::start().await.unwrap();
    target.set_mode(Mode::Down).await.unwrap();
    let self_check = SelfCheck::new([
        format!("127.0.0.1:{}", closed_port()),
        reference.addr().to_string(),
    ])
    .unwrap();
    let prober = Prober::builder().self_check(self_check).build().unwrap();
    let (kind, _) = failed(
        &prober
            .run(&Check::Http(HttpCheck::get(target.url("/"))))
            .await,
    );
    assert_eq!(kind, FailureKind::Unreachable);
    assert_eq!(prober.self_check().map(SelfCheck::rounds), Some(1));
    // (The target counts a connection once it accepts it, which may be a moment later.)
    assert!(reference.connections() <= 1);
}

#[tokio::test]
async fn unhealthy_answers_do_not_consult_the_self_check() {
    let target = Target::start().await.unwrap();
    target.set_mode(Mode::Failing).await.unwrap();
    let prober = Prober::builder()
        .self_check(SelfCheck::new([format!("127.0.0.1:{}", closed_port())]).unwrap())
        .build()
        .unwrap();
    let (kind, detail) = failed(
        &prober
            .run(&Check::Http(HttpCheck::get(target.url("/"))))
            .await,
    );
    assert_eq!(
        (kind, detail.as_str()),
        (FailureKind::Unhealthy, "HTTP 503")
    );
    assert_eq!(prober.self_check().map(SelfCheck::rounds), Some(0));
}

#[tokio::test]
async fn many_failures_at_once_check_the_references_once() {
    let target = Target::start().await.unwrap();
    target.set_mode(Mode::Down).await.unwrap();
    let reference = Target::start().await.unwrap();
    let prober = Prober::builder()
        .self_check(
            SelfCheck::new([reference.addr().to_string()])
                .unwrap()
                .cache_for(Duration::from_secs(60)),
        )
        .build()
        .unwrap();
    let check = Arc::new(Check::Http(HttpCheck::get(target.url("/"))));
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (prober, check) = (prober.clone(), Arc::clone(&check));
        runs.spawn(async move { prober.run(&check).await });
    }
    while let Some(result) = runs.join_next().await {
        assert_eq!(failed(&result.unwrap()).0, FailureKind::Unreachable);
    }
    assert_eq!(prober.self_check().map(SelfCheck::rounds), Some(1));
    assert!(reference.connections() <= 1);
}

#[tokio::test]
async fn the_verdict_expires() {
    let reference = Target::start().await.unwrap();
    let sc = SelfCheck::new([reference.addr().to_string()])
        .unwrap()
        .cache_for(Duration::ZERO);
    assert_eq!(sc.connectivity().await, Connectivity::Online);
    reference.set_mode(Mode::Down).await.unwrap();
    assert!(matches!(
        sc.connectivity().await,
        Connectivity::Offline { .. }
    ));
    assert_eq!(sc.rounds(), 2);
}

#[tokio::test]
async fn without_references_the_self_check_is_off() {
    let target = Target::start().await.unwrap();
    target.set_mode(Mode::Down).await.unwrap();
    let sc = SelfCheck::new(Vec::<String>::new()).unwrap();
    assert!(!sc.is_enabled());
    assert_eq!(sc.connectivity().await, Connectivity::Online);
    let prober = Prober::builder().self_check(sc).build().unwrap();
    let (kind, _) = failed(
        &prober
            .run(&Check::Http(HttpCheck::get(target.url("/"))))
            .await,
    );
    assert_eq!(kind, FailureKind::Unreachable);
    assert_eq!(prober.self_check().map(SelfCheck::rounds), Some(0));
}

#[test]
fn references_need_a_port() {
    for bad in ["1.1.1.1", "dns.google:", ":53", "h:0", "h:99999"] {
        let e = SelfCheck::new([bad]).unwrap_err();
        assert_eq!(e.code(), "probe.bad_reference", "{bad}");
    }
    assert!(SelfCheck::new(["[::1]:53", "1.1.1.1:53", "dns.google:53"]).is_ok());
}
