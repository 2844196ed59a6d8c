//! Check definitions: JSON and TOML, defaults, unknown fields, and every validation error.

use std::time::Duration;

use tenggat_probe::check::{
    Check, CheckError, Expect, Extract, HttpCheck, JsonExpect, Method, Monitor, StatusRange,
};

fn monitor_json(check: &str) -> String {
    format!(r#"{{"interval": "30s", "check": {check}}}"#)
}

fn err(check: &str) -> CheckError {
    Monitor::from_json(&monitor_json(check)).expect_err("should be refused")
}

const TRANSACTION: &str = r#"{
    "type": "transaction",
    "name": "login and profile",
    "timeout": "20s",
    "steps": [
        {"name": "login", "method": "POST", "url": "https://app.example.com/login",
         "headers": {"content-type": "application/json"},
         "body": "{\"user\":\"probe\",\"password\":\"secret\"}",
         "expect": {"status": [200]},
         "extract": {"token": {"json": "/token"}, "session": {"header": "x-session"}}},
        {"name": "profile", "url": "https://app.example.com/me?s={{session}}",
         "headers": {"authorization": "Bearer {{ token }}"},
         "expect": {"json": {"pointer": "/status", "value": "up"}}}
    ]
}"#;

#[test]
fn each_kind_reads_from_json_with_its_defaults() {
    let m = Monitor::from_json(&monitor_json(
        r#"{"type": "http", "url": "https://api.example.com/health"}"#,
    ))
    .unwrap();
    assert_eq!(m.interval.get(), Duration::from_secs(30));
    assert_eq!(
        m.check,
        Check::Http(HttpCheck::get("https://api.example.com/health"))
    );
    let Check::Http(h) = &m.check else { panic!() };
    assert_eq!(h.method, Method::Get);
    assert_eq!(h.expect.status, vec![StatusRange::new(200, 399)]);
    assert_eq!(h.timeout.get(), Duration::from_secs(10));
    assert_eq!(h.cert_expiry_warning_days, 14);
    assert_eq!(h.follow_redirects, 5);
    assert_eq!(h.ca_pem, None);

    let m = Monitor::from_json(&monitor_json(
        r#"{"type": "tcp", "host": "db.example.com", "port": 5432, "timeout": "3s"}"#,
    ))
    .unwrap();
    assert_eq!(
        m.check,
        Check::Tcp {
            host: "db.example.com".into(),
            port: 5432,
            timeout: Duration::from_secs(3).into()
        }
    );

    let m = Monitor::from_json(&monitor_json(TRANSACTION)).unwrap();
    let Check::Transaction(t) = &m.check else {
        panic!()
    };
    assert_eq!(t.name, "login and profile");
    assert_eq!(t.timeout.get(), Duration::from_secs(20));
    assert_eq!(t.steps.len(), 2);
    assert_eq!(t.steps[0].method, Method::Post);
    assert_eq!(t.steps[0].extract["token"], Extract::Json("/token".into()));
    assert_eq!(
        t.steps[0].extract["session"],
        Extract::Header("x-session".into())
    );
    assert_eq!(
        t.steps[1].expect.json,
        Some(JsonExpect {
            pointer: "/status".into(),
            value: serde_json::json!("up")
        })
    );
}

#[test]
fn json_round_trips_and_toml_reads_the_same() {
    let full = r#"{"type": "http", "method": "post", "url": "http://10.0.0.5:8080/api",
        "headers": {"x-probe": "1"}, "body": "{}",
        "expect": {"status": [200, "300-302", "4xx"], "body_contains": "ok",
                   "json": {"pointer": "/n", "value": 3}},
        "timeout": "2.5s", "cert_expiry_warning_days": 0, "follow_redirects": 0}"#;
    for check in [
        full,
        TRANSACTION,
        r#"{"type": "tcp", "host": "h", "port": 1}"#,
    ] {
        let m = Monitor::from_json(&monitor_json(check)).unwrap();
        let again = Monitor::from_json(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(again, m);
        let toml_text = toml::to_string(&m).unwrap();
        assert_eq!(Monitor::from_toml(&toml_text).unwrap(), m, "{toml_text}");
    }
    let toml_monitor = Monitor::from_toml(
        r#"
        interval = "1m"
        [check]
        type = "transaction"
        name = "t"
        [[check.steps]]
        name = "login"
        method = "POST"
        url = "https://app.example.com/login"
        extract = { token = { json = "/token" } }
        [[check.steps]]
        name = "me"
        url = "https://app.example.com/me"
        headers = { authorization = "Bearer {{token}}" }
        expect = { status = ["200-299"], body_contains = "up" }
        "#,
    )
    .unwrap();
    let Check::Transaction(t) = &toml_monitor.check else {
        panic!()
    };
    assert_eq!(t.steps[1].headers["authorization"], "Bearer {{token}}");
    assert_eq!(
        t.steps[1].expect,
        Expect {
            status: vec![StatusRange::new(200, 299)],
            body_contains: Some("up".into()),
            json: None
        }
    );
}

#[test]
fn unknown_fields_are_refused_everywhere() {
    for (json, field) in [
        (
            r#"{"interval": "30s", "every": "1m", "check": {"type": "tcp", "host": "h", "port": 1}}"#,
            "every",
        ),
        (
            &monitor_json(r#"{"type": "http", "url": "http://h/", "timout": "5s"}"#),
            "timout",
        ),
        (
            &monitor_json(r#"{"type": "http", "url": "http://h/", "expect": {"code": 200}}"#),
            "code",
        ),
        (
            &monitor_json(r#"{"type": "tcp", "host": "h", "port": 1, "tls": true}"#),
            "tls",
        ),
        (
            &monitor_json(
                r#"{"type": "transaction", "name": "t", "steps": [{"name": "a", "url": "http://h/", "extrct": {}}]}"#,
            ),
            "extrct",
        ),
        (
            &monitor_json(
                r#"{"type": "transaction", "name": "t", "steps": [{"name": "a", "url": "http://h/", "extract": {"v": {"cookie": "c"}}}]}"#,
            ),
            "cookie",
        ),
    ] {
        let e = Monitor::from_json(json).expect_err(json);
        assert_eq!(e.code(), "probe.parse");
        assert!(e.to_string().contains(field), "{e}");
    }
    let e = Monitor::from_json(&monitor_json(r#"{"type": "icmp", "host": "h"}"#)).unwrap_err();
    assert!(e.to_string().contains("icmp"), "{e}");
    let e = Monitor::from_toml(
        "interval = \"30s\"\n[check]\ntype = \"tcp\"\nhost = \"h\"\nport = 1\nretries = 2\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("retries"), "{e}");
    // Inside the tagged `check`, the line is the table's (`[check]`).
    assert!(
        e.to_string()
            .starts_with("not a valid monitor (TOML): line 2: "),
        "{e}"
    );
}

#[test]
fn interval_is_at_least_ten_seconds() {
    let tcp = r#"{"type": "tcp", "host": "h", "port": 1, "timeout": "5s"}"#;
    let e = Monitor::from_json(&format!(r#"{{"interval": "9.5s", "check": {tcp}}}"#)).unwrap_err();
    assert_eq!(e.code(), "probe.interval_too_short");
    assert_eq!(
        e.to_string(),
        "interval 9.5s is shorter than the minimum of 10s"
    );
    assert!(Monitor::from_json(&format!(r#"{{"interval": "10s", "check": {tcp}}}"#)).is_ok());
    let e = Monitor::from_json(&format!(r#"{{"interval": "1bd", "check": {tcp}}}"#)).unwrap_err();
    assert!(e.to_string().contains("business days"), "{e}");
}

#[test]
fn timeout_must_fit_in_the_interval() {
    let e = err(r#"{"type": "http", "url": "http://h/", "timeout": "31s"}"#);
    assert_eq!(
        e,
        CheckError::TimeoutExceedsInterval {
            timeout: Duration::from_secs(31).into(),
            interval: Duration::from_secs(30).into(),
        }
    );
    assert_eq!(e.to_string(), "timeout 31s is longer than the interval 30s");
    assert!(
        Monitor::from_json(&monitor_json(
            r#"{"type": "http", "url": "http://h/", "timeout": "30s"}"#
        ))
        .is_ok()
    );
    assert_eq!(
        err(r#"{"type": "tcp", "host": "h", "port": 1, "timeout": "0s"}"#),
        CheckError::ZeroTimeout
    );
    let e = err(&TRANSACTION.replace("\"20s\"", "\"1m\""));
    assert_eq!(e.code(), "probe.timeout_exceeds_interval");
}

#[test]
fn urls_must_be_http_or_https() {
    let e = err(r#"{"type": "http", "url": "ftp://files.example.com/"}"#);
    assert_eq!(e.code(), "probe.bad_url");
    assert!(
        e.to_string().contains("scheme \"ftp\" is not supported"),
        "{e}"
    );
    assert_eq!(
        err(r#"{"type": "http", "url": "not a url"}"#).code(),
        "probe.bad_url"
    );
    assert_eq!(
        err(r#"{"type": "http", "url": "file:///etc/passwd"}"#).code(),
        "probe.bad_url"
    );
    let e = err(&TRANSACTION.replace("https://app.example.com/login", "gopher://app/login"));
    assert!(
        e.to_string().starts_with("step 1 \"login\": bad URL"),
        "{e}"
    );
}

#[test]
fn variables_must_be_extracted_by_an_earlier_step() {
    // Step 2 uses {{token}} which no step extracts.
    let e = err(&TRANSACTION.replace("\"token\": {\"json\"", "\"tok\": {\"json\""));
    assert_eq!(
        e,
        CheckError::UnknownVariable {
            at: "step 2 \"profile\"".into(),
            name: "token".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "step 2 \"profile\": unknown variable {{token}} (not extracted by an earlier step)"
    );
    // A step cannot use what it extracts itself.
    let own = r#"{"type": "transaction", "name": "t", "steps": [
        {"name": "a", "url": "http://h/{{v}}", "extract": {"v": {"json": "/v"}}}]}"#;
    assert_eq!(err(own).code(), "probe.unknown_variable");
    // Used before, extracted after.
    let later = r#"{"type": "transaction", "name": "t", "steps": [
        {"name": "a", "url": "http://h/", "body": "{{v}}"},
        {"name": "b", "url": "http://h/", "extract": {"v": {"json": "/v"}}}]}"#;
    let e = err(later);
    assert_eq!(
        e,
        CheckError::UnknownVariable {
            at: "step 1 \"a\"".into(),
            name: "v".into()
        }
    );
    let unterminated =
        r#"{"type": "transaction", "name": "t", "steps": [{"name": "a", "url": "http://h/{{v"}]}"#;
    assert_eq!(err(unterminated).code(), "probe.bad_template");
}

#[test]
fn transactions_need_steps_and_distinct_names() {
    let e = err(r#"{"type": "transaction", "name": "checkout", "steps": []}"#);
    assert_eq!(
        e,
        CheckError::EmptyTransaction {
            name: "checkout".into()
        }
    );
    assert_eq!(e.to_string(), "transaction \"checkout\" has no steps");
    let twice = r#"{"type": "transaction", "name": "t", "steps": [
        {"name": "a", "url": "http://h/"}, {"name": "a", "url": "http://h/"}]}"#;
    assert_eq!(err(twice).code(), "probe.bad_name");
}

#[test]
fn status_ranges_are_checked() {
    let e = err(r#"{"type": "http", "url": "http://h/", "expect": {"status": ["299-200"]}}"#);
    assert_eq!(e.code(), "probe.bad_status_range");
    assert_eq!(
        e.to_string(),
        "check: bad status range 299-200: 299 is above 200"
    );
    let e = err(r#"{"type": "http", "url": "http://h/", "expect": {"status": [700]}}"#);
    assert!(e.to_string().contains("from 100 to 599"), "{e}");
    assert_eq!(
        err(r#"{"type": "http", "url": "http://h/", "expect": {"status": []}}"#).code(),
        "probe.bad_status_range"
    );
    let e = err(r#"{"type": "http", "url": "http://h/", "expect": {"status": ["ok"]}}"#);
    assert_eq!(e.code(), "probe.parse");
    assert!(e.to_string().contains("bad status range \"ok\""), "{e}");
}

#[test]
fn json_pointers_are_checked() {
    let e = err(
        r#"{"type": "http", "url": "http://h/", "expect": {"json": {"pointer": "status", "value": "up"}}}"#,
    );
    assert_eq!(e.code(), "probe.bad_json_pointer");
    assert!(
        e.to_string().contains("must be empty or start with '/'"),
        "{e}"
    );
    let e = err(&TRANSACTION.replace("\"/token\"", "\"token\""));
    assert_eq!(
        e,
        CheckError::BadJsonPointer {
            at: "step 1 \"login\"".into(),
            pointer: "token".into(),
            reason: "must be empty or start with '/' (e.g. /data/token)".into()
        }
    );
}

#[test]
fn headers_tcp_targets_redirects_and_ca_pem_are_checked() {
    assert_eq!(
        err(r#"{"type": "http", "url": "http://h/", "headers": {"bad header": "x"}}"#).code(),
        "probe.bad_header"
    );
    assert_eq!(
        err(r#"{"type": "http", "url": "http://h/", "headers": {"x": "line\nbreak"}}"#).code(),
        "probe.bad_header"
    );
    assert_eq!(
        err(r#"{"type": "tcp", "host": "", "port": 22}"#).code(),
        "probe.bad_tcp_target"
    );
    assert_eq!(
        err(r#"{"type": "tcp", "host": "h", "port": 0}"#).code(),
        "probe.bad_tcp_target"
    );
    assert_eq!(
        err(r#"{"type": "tcp", "host": "tcp://h", "port": 22}"#).code(),
        "probe.bad_tcp_target"
    );
    assert_eq!(
        err(r#"{"type": "http", "url": "http://h/", "follow_redirects": 21}"#),
        CheckError::TooManyRedirects(21)
    );
    let e = err(
        r#"{"type": "http", "url": "https://h/", "ca_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}"#,
    );
    assert_eq!(e.code(), "probe.bad_ca_pem");
    assert_eq!(
        err(r#"{"type": "http", "url": "https://h/", "ca_pem": "hello"}"#).code(),
        "probe.bad_ca_pem"
    );
    assert_eq!(
        err(r#"{"type": "http", "url": "http://h/", "expect": {"body_contains": ""}}"#).code(),
        "probe.empty_keyword"
    );
}

#[test]
fn the_examples_in_the_docs_are_valid_monitors() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/availability.md"
    ))
    .unwrap();
    let probes = &doc[doc.find("## Probes").unwrap()..];
    let examples: Vec<&str> = probes
        .split("```json\n")
        .skip(1)
        .map(|block| &block[..block.find("```").unwrap()])
        .collect();
    assert_eq!(examples.len(), 3);
    let kinds: Vec<&str> = examples
        .iter()
        .map(|json| match Monitor::from_json(json) {
            Ok(m) => match m.check {
                Check::Http(_) => "http",
                Check::Tcp { .. } => "tcp",
                Check::Transaction(_) => "transaction",
            },
            Err(e) => panic!("{e}\n{json}"),
        })
        .collect();
    assert_eq!(kinds, ["http", "tcp", "transaction"]);
}

#[test]
fn debug_output_redacts_credentials() {
    let m = Monitor::from_json(&monitor_json(TRANSACTION)).unwrap();
    let shown = format!("{m:?}");
    assert!(!shown.contains("secret"), "{shown}");
    assert!(
        shown.contains("content-type") && shown.contains("<redacted>"),
        "{shown}"
    );
    let mut h = HttpCheck::get("https://h/");
    h.headers
        .insert("authorization".into(), "Bearer hunter2".into());
    h.body = Some("password=hunter2".into());
    let shown = format!("{h:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("<16 bytes>"), "{shown}");
}
