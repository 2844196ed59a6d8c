//! The browser harness: headless Chromium driven through chromedriver (WebDriver, via
//! fantoccini), and the real Tenggat server on a temporary SQLite database.
//!
//! ```ignore
//! let server = Server::start().await;
//! let browser = Browser::start().await;
//! browser.goto(&server.url("/status/provider")).await;
//! assert_eq!(browser.text_of("h1").await, "Status layanan — Provider");
//! browser.close().await;
//! server.stop().await;
//! ```
//!
//! Chromium and chromedriver are required: when either is missing, [`Browser::start`] panics
//! (the tests never skip; `.ci/run` installs both).
// Helpers for the tests still to come (sign-in, forms) are not all used by every test yet.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tenggat_server::{Clock, Running, ServerConfig, SystemClock};
use tenggat_store::testing::TempDir;
use tenggat_store::{Database, open};

/// The chromedriver binary (Debian's `chromium-driver`).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The Chromium binary (Debian's `chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// How long chromedriver may take to answer after it was started.
const DRIVER_STARTUP: Duration = Duration::from_secs(20);
/// How long [`Browser::text_of`], [`Browser::click`] and [`Browser::fill`] wait for their
/// element to appear.
pub const ELEMENT_WAIT: Duration = Duration::from_secs(10);
/// The switches Chromium needs on this machine kind: headless, no sandbox (root in a
/// container), and no background connections (they are refused without internet).
/// The browser's time zone.
pub const BROWSER_ZONE: &str = "Europe/Amsterdam";

const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// A free TCP port on 127.0.0.1 (free when asked; another process could take it after).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Panics with an installation hint when `binary` does not exist.
fn require(binary: &str, package: &str) {
    assert!(
        Path::new(binary).exists(),
        "{binary} is missing: the browser tests need Chromium and ChromeDriver \
         (`apt-get install chromium chromium-driver`; .ci/run installs them). \
         Package `{package}` is not installed."
    );
}

/// One headless Chromium session through its own chromedriver process, with a fresh profile.
///
/// Call [`Browser::close`] at the end of a test; when the browser is dropped without it (a
/// failed assertion), chromedriver and its Chromium are killed.
pub struct Browser {
    client: Client,
    driver: Child,
    /// Chromium's profile (`--user-data-dir`) and chromedriver's log.
    dir: TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port, waits until it answers and opens a
    /// headless Chromium session. Panics when chromedriver or Chromium is missing or does not
    /// start, with chromedriver's log in the message.
    pub async fn start() -> Browser {
        require(CHROMEDRIVER, "chromium-driver");
        require(CHROMIUM, "chromium");
        let dir = TempDir::new("tenggat-browser");
        let profile = dir.path().join("profile");
        std::fs::create_dir_all(&profile).expect("create the Chromium profile directory");
        let log_path = dir.path().join("chromedriver.log");
        let log = std::fs::File::create(&log_path).expect("create chromedriver's log");
        let port = free_port();
        let mut command = Command::new(CHROMEDRIVER);
        // The browser lives in Amsterdam, so that pages show its own time beside the calendar's
        // (WIB) whatever the machine's zone.
        command
            .env("TZ", BROWSER_ZONE)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log file"))
            .stderr(log);
        // Its own process group, so that Drop can kill chromedriver and Chromium together.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        // From here on, Drop kills the process group, even when a step below panics.
        let mut guard = DriverGuard(Some(driver));
        let webdriver = format!("http://127.0.0.1:{port}");
        wait_until_ready(&webdriver, &mut guard, &log_path).await;

        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps: Capabilities = match json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        }) {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object"),
        };
        // chromedriver listens on loopback: plain HTTP, no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a Chromium session through {CHROMEDRIVER}: {e}\n\
                     chromedriver log:\n{}",
                    read_log(&log_path)
                )
            });
        let driver = guard.0.take().expect("the chromedriver process");
        Browser {
            client,
            driver,
            dir,
        }
    }

    /// Loads `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot load {url}: {e}"));
    }

    /// The URL of the current page.
    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("the current URL")
            .to_string()
    }

    /// The visible text of the first element matching `css` (waiting up to
    /// [`ELEMENT_WAIT`] for it to appear), as the user sees it (CSS-hidden text excluded).
    pub async fn text_of(&self, css: &str) -> String {
        self.element(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("cannot read the text of `{css}`: {e}"))
    }

    /// Whether the loaded page has an element matching `css` now (no waiting: for checking
    /// that something is not offered).
    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// The page's HTML as the browser holds it.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("page source")
    }

    /// Clicks the first element matching `css` (waiting for it like [`Browser::text_of`]).
    pub async fn click(&self, css: &str) {
        self.element(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click `{css}`: {e}"));
    }

    /// Clicks what `css` matches (a submit button, a link) and waits until the browser has
    /// left the current page, so that what is read next is the next page's (reading right
    /// after a plain click can find the old page's element and lose it mid-read).
    pub async fn submit(&self, css: &str) {
        let old = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("the current page");
        self.click(css).await;
        let deadline = std::time::Instant::now() + ELEMENT_WAIT;
        // The old page's root goes stale once the browser has navigated away.
        while old.tag_name().await.is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "clicking `{css}` did not leave the page within {ELEMENT_WAIT:?}"
            );
            tokio::task::yield_now().await;
        }
    }

    /// Empties the input matching `css` (waiting for it like [`Browser::text_of`]) and types
    /// `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.element(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear `{css}`: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into `{css}`: {e}"));
    }

    /// Writes a PNG screenshot of the viewport to `path`; returns its size in bytes.
    pub async fn screenshot(&self, path: &Path) -> usize {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(path, &png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        png.len()
    }

    /// The fantoccini client, for what the helpers above do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A scratch directory of this browser (removed with it), e.g. for screenshots.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Ends the session (Chromium quits), then stops chromedriver.
    pub async fn close(self) {
        if let Err(e) = self.client.clone().close().await {
            eprintln!("closing the browser session: {e}");
        }
        // Drop stops chromedriver.
    }

    /// The first element matching `css`, waiting up to [`ELEMENT_WAIT`].
    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(ELEMENT_WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` within {ELEMENT_WAIT:?}: {e}"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Kills chromedriver's process group (chromedriver and the Chromium it started) on drop.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            kill_group(child);
        }
    }
}

/// Kills the process group led by `child` (its id is the group's), then reaps `child`.
fn kill_group(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(killed, Ok(s) if s.success()) {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Polls chromedriver's `/status` until it is ready; panics when it exits or takes too long.
async fn wait_until_ready(webdriver: &str, guard: &mut DriverGuard, log_path: &Path) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("HTTP client");
    let deadline = Instant::now() + DRIVER_STARTUP;
    loop {
        if let Some(child) = guard.0.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            panic!(
                "{CHROMEDRIVER} exited at start ({status}); its log:\n{}",
                read_log(log_path)
            );
        }
        if let Ok(response) = http.get(format!("{webdriver}/status")).send().await
            && response.status().is_success()
            && let Ok(body) = response.json::<Value>().await
            && body["value"]["ready"] == json!(true)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{CHROMEDRIVER} did not answer at {webdriver} within {DRIVER_STARTUP:?}; its log:\n{}",
            read_log(log_path)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(unreadable: {e})"))
}

/// The real Tenggat server on 127.0.0.1 over a fresh SQLite database in a temporary
/// directory, with the scheduler, dispatcher and monitoring running as in `tenggat serve`.
///
/// The first run created the provider organisation (slug `provider`, name `Provider`) and
/// the admin `admin@localhost` without a password; [`Server::setup_url`] is the one-time
/// link that sets it. The public URL is the base URL, so links in pages work in the browser.
pub struct Server {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base: String,
    /// The database the server runs on, for arranging data directly.
    pub db: Database,
    running: Running,
    /// The database file and attachments; removed on drop.
    _dir: TempDir,
}

impl Server {
    /// Boots the server with the system clock. Panics when it cannot start.
    pub async fn start() -> Server {
        Server::start_with_clock(Arc::new(SystemClock)).await
    }

    /// Boots the server with `clock`. Panics when it cannot start.
    ///
    /// The port is picked before the server binds it (so that the public URL can name it); in
    /// the rare case another process takes it in between, it starts again on a fresh database.
    pub async fn start_with_clock(clock: Arc<dyn Clock>) -> Server {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let dir = TempDir::new("tenggat-browser-server");
            let db = open(&format!("sqlite://{}", dir.file("tenggat.db")), true)
                .await
                .expect("open the SQLite database");
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
            let base = format!("http://{addr}");
            let config = ServerConfig::new(
                &addr.to_string(),
                &format!("{base}/"),
                dir.path().join("data"),
            );
            match tenggat_server::start_with_clock(db.clone(), config, clock.clone()).await {
                Ok(running) => {
                    return Server {
                        base,
                        db,
                        running,
                        _dir: dir,
                    };
                }
                Err(tenggat_server::ServerError::Listen { .. }) if attempt < 5 => {
                    db.close().await;
                }
                Err(e) => panic!("cannot start the server: {e}"),
            }
        }
    }

    /// `path` (starting with `/`) under the server's base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The first run's one-time link that sets the password of `admin@localhost`.
    pub fn setup_url(&self) -> String {
        let line = self
            .running
            .first_run_line
            .as_deref()
            .expect("a first-run line on a fresh database");
        let (_, url) = line
            .split_once(" at ")
            .expect("first-run line: `… at <url>`");
        url.to_owned()
    }

    /// Stops serving and closes the database.
    pub async fn stop(self) {
        self.running.handle.abort();
        self.db.close().await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.running.handle.abort();
    }
}
