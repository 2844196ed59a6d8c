//! `tenggat probe-agent` end to end: a real `tenggat serve` on SQLite with its own prober off,
//! a real HTTP target, a monitor at location `jakarta`, and the agent as a child process —
//! its samples arrive under its location, ok while the target is healthy and failed once it
//! fails. Bad arguments and a refused token are one line on stderr and exit status 2.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tenggat_probe::target::{Mode, Target};
use tenggat_store::testing::TempDir;

const PASSWORD: &str = "correct horse battery staple";
const PUBLIC_URL: &str = "https://desk.example";

/// A child process, killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn tenggat() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("tenggat"))
}

/// Starts `tenggat serve` in `dir` with monitoring off; returns it, its base URL and the
/// first-run setup path.
fn serve(dir: &TempDir) -> (Killed, String, String) {
    let mut child = tenggat()
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("TENGGAT_DATABASE_URL")
        .env("TENGGAT_LISTEN", "127.0.0.1:0")
        .env("TENGGAT_PUBLIC_URL", PUBLIC_URL)
        .env("TENGGAT_DATA_DIR", dir.path())
        .env("TENGGAT_MONITORING__ENABLED", "false")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tenggat serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let server = Killed(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    let path = first
        .trim()
        .split_once(PUBLIC_URL)
        .map(|(_, p)| p.to_owned())
        .unwrap_or_else(|| panic!("no setup link in {first:?}"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some((_, addr)) = line.split_once("listening on ") {
                let _ = tx.send(addr.trim().to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server says where it listens");
    (server, format!("http://{addr}"), path)
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base}/healthz never answered");
}

async fn call(
    client: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("HTTP request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The samples of `monitor` stored for `location`, as (outcome, detail).
async fn samples(db: &sqlx::SqlitePool, monitor: i64, location: &str) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT outcome, detail FROM probe_samples WHERE monitor_id = ? AND location = ? \
         ORDER BY at",
    )
    .bind(monitor)
    .bind(location)
    .fetch_all(db)
    .await
    .expect("samples")
}

/// Runs `tenggat probe-agent` to completion with `args`; returns its status and stderr.
fn agent_fails(args: &[&str]) -> (i32, String) {
    let out = tenggat()
        .arg("probe-agent")
        .args(args)
        .env_remove("TENGGAT_PROBE_AGENT_TOKEN")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_arguments_are_one_line_and_exit_2() {
    let token = format!("pat_{}", "0".repeat(64));
    for (args, says) in [
        (
            vec!["--server", "http://127.0.0.1:9", "--location", "jakarta"],
            "--token",
        ),
        (
            vec![
                "--server",
                "not a url",
                "--token",
                &token,
                "--location",
                "jakarta",
            ],
            "--server",
        ),
        (
            vec![
                "--server",
                "ftp://desk.example",
                "--token",
                &token,
                "--location",
                "jakarta",
            ],
            "--server",
        ),
        (
            vec![
                "--server",
                "http://127.0.0.1:9",
                "--token",
                &token,
                "--location",
                "local",
            ],
            "--location",
        ),
        (
            vec![
                "--server",
                "http://127.0.0.1:9",
                "--token",
                "tgt_user",
                "--location",
                "jakarta",
            ],
            "pat_",
        ),
        (
            vec![
                "--server",
                "http://127.0.0.1:9",
                "--token",
                &token,
                "--location",
                "jakarta",
                "--self-check",
                "no port",
            ],
            "--self-check",
        ),
        (vec!["--token", &token, "--location", "jakarta"], "--server"),
    ] {
        let (code, err) = agent_fails(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_probes_at_its_location_and_reports_back() {
    let dir = TempDir::new("probe-agent");
    let (_server, base, setup) = serve(&dir);
    let client = reqwest::Client::new();
    wait_healthy(&client, &base).await;
    let response = client
        .post(format!("{base}{setup}"))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect("setup");
    assert!(response.status().is_success());
    let response = client
        .post(format!("{base}/api/v1/tokens"))
        .basic_auth("admin@localhost", Some(PASSWORD))
        .json(&json!({"name": "tests"}))
        .send()
        .await
        .expect("token");
    let admin = response.json::<Value>().await.expect("JSON")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let post = |path: &str, body: Value| {
        call(
            &client,
            &admin,
            reqwest::Method::POST,
            format!("{base}{path}"),
            Some(body),
        )
    };
    let (status, org) = post(
        "/api/v1/organisations",
        json!({"name": "PT Ampo", "slug": "ampo"}),
    )
    .await;
    assert_eq!(status, 201, "{org}");
    let (status, contract) = post(
        "/api/v1/contracts",
        json!({
            "customer_org_id": org["id"],
            "policy": {"preset": "ampocloud"},
            "add_ons": [],
            "monthly_fee_minor": 1_000_000,
            "currency": "IDR",
            "term_start": "2026-01-01",
            "designated_contacts": [],
        }),
    )
    .await;
    assert_eq!(status, 201, "{contract}");
    let target = Target::start().await.expect("target");
    let (status, monitor) = post(
        "/api/v1/monitors",
        json!({
            "contract_id": contract["id"],
            "service_id": "service",
            "name": "API from Jakarta",
            "interval": "10s",
            "check": {"type": "http", "url": target.url("/health"), "timeout": "5s"},
            "locations": ["jakarta"],
        }),
    )
    .await;
    assert_eq!(status, 201, "{monitor}");
    let monitor = monitor["id"].as_i64().expect("monitor id");
    let (status, agent) = post("/api/v1/probe-agents", json!({"location": "jakarta"})).await;
    assert_eq!(status, 201, "{agent}");
    let token = agent["token"].as_str().expect("token").to_owned();
    let agent_id = agent["agent"]["id"].as_i64().expect("agent id");

    // A token the server does not know: one line, exit 2.
    let unknown = format!("pat_{}", "0".repeat(64));
    let (code, err) = agent_fails(&[
        "--server",
        &base,
        "--token",
        &unknown,
        "--location",
        "jakarta",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("token refused"), "{err}");

    // The agent, with its token from the environment (kept out of the process list).
    let log = dir.path().join("agent.log");
    let mut agent = Killed(
        tenggat()
            .args(["probe-agent", "--server", &base, "--location", "jakarta"])
            .env("TENGGAT_PROBE_AGENT_TOKEN", &token)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("the agent starts"),
    );
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.file("tenggat.db")))
        .await
        .expect("database");
    let deadline = Instant::now() + Duration::from_secs(40);
    let ok = loop {
        let seen = samples(&db, monitor, "jakarta").await;
        if seen.len() >= 2 || Instant::now() > deadline {
            break seen;
        }
        assert!(
            agent.0.try_wait().expect("agent").is_none(),
            "the agent stopped: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let agent_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(ok.len() >= 2, "{ok:?}; agent: {agent_log}");
    assert!(
        ok.iter().all(|(outcome, _)| outcome == "ok"),
        "{ok:?}; agent: {agent_log}"
    );
    assert!(
        !agent_log.contains(&token[4..]),
        "the token is never logged: {agent_log}"
    );
    assert!(agent_log.contains("1 monitors"), "{agent_log}");
    // Only the agent probes (the server's own prober is off).
    assert!(samples(&db, monitor, "local").await.is_empty());
    let (_, detail) = call(
        &client,
        &admin,
        reqwest::Method::GET,
        format!("{base}/api/v1/monitors/{monitor}"),
        None,
    )
    .await;
    assert_eq!(detail["latest"][0]["location"], "jakarta", "{detail}");
    assert_eq!(detail["latest"][0]["outcome"], "ok", "{detail}");

    // The target fails: failed samples follow.
    target.set_mode(Mode::Failing).await.expect("failing");
    let before = ok.len();
    let deadline = Instant::now() + Duration::from_secs(40);
    let failed = loop {
        let seen = samples(&db, monitor, "jakarta").await;
        let failed: Vec<_> = seen[before.min(seen.len())..]
            .iter()
            .filter(|(outcome, _)| outcome == "failed")
            .cloned()
            .collect();
        if !failed.is_empty() || Instant::now() > deadline {
            break failed;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        !failed.is_empty(),
        "agent: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert_eq!(failed[0].1, "HTTP 503");
    let (_, agents) = call(
        &client,
        &admin,
        reqwest::Method::GET,
        format!("{base}/api/v1/probe-agents"),
        None,
    )
    .await;
    assert!(agents[0]["last_seen_at"].is_string(), "{agents}");

    // Revoked while running: the agent stops with exit status 2.
    let (status, _) = post(
        &format!("/api/v1/probe-agents/{agent_id}/revoke"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(status) = agent.0.try_wait().expect("agent") {
            break status.code();
        }
        assert!(Instant::now() < deadline, "the agent kept running");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let agent_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, Some(2), "{agent_log}");
    assert!(
        agent_log.trim_end().ends_with(
            "tenggat: error: token refused by the server (unknown or revoked probe agent token)"
        ),
        "{agent_log}"
    );
    db.close().await;
}
