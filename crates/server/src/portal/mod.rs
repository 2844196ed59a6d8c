//! The web portal (issue 7): server-rendered pages for customers and the provider's team, in
//! Bahasa Indonesia and English (askama templates in `templates/portal/`, words in
//! `locales/`, htmx for live parts; no JavaScript build step).
//!
//! **Who is asking.** Pages read the same session cookie as the API ([`auth::SESSION_COOKIE`]);
//! a page without one redirects to `/login`. Every action calls the API's own handler with the
//! viewer's `Principal`, so the portal and the API refuse and allow exactly the same things
//! (a customer of another organisation gets "not found", as from the API).
//!
//! **Forms.** Every form carries a CSRF token derived from the session secret
//! ([`csrf_token`]); a POST without the right one is refused. The session cookie is also
//! `SameSite=Strict`. Pages are sent with a strict Content-Security-Policy (scripts and styles
//! from this server only) and `X-Frame-Options: DENY`.
//!
//! **Language.** A signed-in user sees the portal in their own language (`users.language`,
//! changed with the switch in the header and remembered); the sign-in page follows `?lang=`
//! or the `tenggat_lang` cookie, Indonesian by default.

mod actions;
mod admin;
mod availability;
mod clock_bar;
mod escalation;
mod explain;
pub mod i18n;
mod login;
mod pages;
mod report;
mod setup_page;
mod view;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};
use tenggat_store::{Language, Organisation, Store};

use crate::AppState;
use crate::auth::{self, Principal, SESSION_COOKIE};
use crate::problem::Problem;

pub use login::LoginLimiter;
pub use setup_page::{form as setup_form, submit as setup_submit};
pub use view::Ui;

/// The cookie that remembers the language of someone not signed in.
pub const LANG_COOKIE: &str = "tenggat_lang";

/// The Content-Security-Policy of every portal page.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The portal's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/language", post(login::language))
        .route("/tickets", get(pages::my_tickets))
        .route("/tickets/new", get(report::form).post(report::submit))
        .route("/tickets/{id}", get(pages::ticket))
        .route("/tickets/{id}/clocks", get(pages::ticket_clocks))
        .route("/tickets/{id}/do/{action}", post(actions::act))
        .route("/queue", get(pages::queue))
        .route("/escalations", get(escalation::board))
        .route("/sla", get(explain::page))
        .route("/availability", get(availability::page))
        .route("/availability/do/{action}", post(availability::act))
        .route("/admin", get(admin::index))
        .route("/admin/calendars", get(admin::calendars_page))
        .route("/admin/contracts", get(admin::contracts::page))
        .route(
            "/admin/contracts/{id}/preset",
            post(admin::contracts::set_preset),
        )
        .route(
            "/admin/contracts/{id}/upload",
            post(admin::contracts::upload),
        )
        .route("/account/tokens", get(admin::tokens::page))
        .route("/account/tokens/new", post(admin::tokens::create))
        .route("/account/tokens/{id}/revoke", post(admin::tokens::revoke))
        .route("/admin/users", get(admin::users::page))
        .route("/admin/users/new", post(admin::users::create))
        .route("/admin/users/{id}/{action}", post(admin::users::toggle))
        .route("/assets/{name}", get(asset))
        .layer(axum::middleware::from_fn(viewer_zone))
        .layer(axum::middleware::map_response(secure_headers))
}

/// The cookie in which the viewer's browser names its time zone (`assets/portal.js`).
pub const ZONE_COOKIE: &str = "tenggat_tz";

/// Makes the page in the viewer's time zone, when their browser named one
/// ([`view::VIEWER_ZONE`]); an unknown or overlong name is ignored.
async fn viewer_zone(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let zone = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(ZONE_COOKIE)?.strip_prefix('='))
        .find_map(|value| {
            let name = percent_decode(value)?;
            (name.len() <= 64)
                .then(|| jiff::tz::TimeZone::get(&name).ok())
                .flatten()
        });
    view::VIEWER_ZONE.scope(zone, next.run(request)).await
}

/// `%2F` and the like decoded (a zone name is ASCII); `None` for anything else.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| s.is_ascii())
}

/// Adds the portal's security headers to every answer.
async fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// `GET /`: the queue for the provider's team, "my tickets" for customers, else sign in.
async fn home(viewer: Option<Viewer>) -> Redirect {
    match viewer {
        Some(v) if v.principal.is_staff() => Redirect::to("/queue"),
        Some(_) => Redirect::to("/tickets"),
        None => Redirect::to("/login"),
    }
}

/// `GET /assets/{name}`: the portal's script and stylesheet, compiled into the binary.
async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind): (&'static [u8], &'static str) = match name.as_str() {
        "htmx-2.0.11.min.js" => (
            include_bytes!("../../assets/htmx-2.0.11.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "portal.js" => (
            include_bytes!("../../assets/portal.js"),
            "text/javascript; charset=utf-8",
        ),
        "portal.css" => (
            include_bytes!("../../assets/portal.css"),
            "text/css; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// The signed-in person looking at a page.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Who, as the API sees them.
    pub principal: Principal,
    /// Their organisation.
    pub org: Organisation,
    /// The token their forms must carry.
    pub csrf: String,
    /// The page asked for (path and query), where the language switch comes back to.
    pub path: String,
}

impl Viewer {
    /// Their language.
    pub fn lang(&self) -> Language {
        self.principal.user.language
    }

    /// The page furniture for them.
    pub fn ui(&self, active: &'static str) -> Ui {
        Ui::signed(self, active)
    }

    /// Refuses a form whose token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), PortalError> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(PortalError::new(
                self.lang(),
                StatusCode::FORBIDDEN,
                "error-csrf",
            ))
        }
    }
}

/// The CSRF token of a session: a digest of its secret (which only the cookie holds), so it
/// needs no storage and dies with the session.
pub fn csrf_token(session_secret: &str) -> String {
    let digest = Sha256::digest(format!("tenggat-csrf:{session_secret}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let signed_in = auth::cookie(parts, SESSION_COOKIE).map(str::to_owned);
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        let to_login = || {
            let query = serde_urlencoded::to_string([("next", &path)]).unwrap_or_default();
            Redirect::to(&format!("/login?{query}")).into_response()
        };
        let Some(secret) = signed_in else {
            return Err(to_login());
        };
        // Only session cookies sign in to the portal (an API token in a header does not).
        parts.headers.remove(header::AUTHORIZATION);
        let principal = match Principal::from_request_parts(parts, state).await {
            Ok(p) => p,
            Err(_) => return Err(to_login()),
        };
        let org = state
            .db
            .get_organisation(principal.user.organisation_id)
            .await
            .map_err(|e| {
                PortalError::from_problem(principal.user.language, Problem::from(e)).into_response()
            })?;
        Ok(Viewer {
            principal,
            org,
            csrf: csrf_token(&secret),
            path,
        })
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        Ok(
            <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

/// A page that could not be shown, as a translated page with the right status.
#[derive(Debug)]
pub struct PortalError {
    lang: Language,
    status: StatusCode,
    key: &'static str,
    detail: Option<String>,
}

impl PortalError {
    /// An error page saying `key` in `lang`.
    pub fn new(lang: Language, status: StatusCode, key: &'static str) -> PortalError {
        PortalError {
            lang,
            status,
            key,
            detail: None,
        }
    }

    /// The page for an API problem: not found, forbidden, refused with its reason.
    pub fn from_problem(lang: Language, problem: Problem) -> PortalError {
        let key = match problem.status {
            StatusCode::NOT_FOUND => "error-not-found",
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => "error-forbidden",
            s if s.is_server_error() => "error-unavailable",
            _ => "error-invalid",
        };
        if problem.status.is_server_error() {
            eprintln!(
                "tenggat-server: portal: {} {}",
                problem.code, problem.detail
            );
        }
        PortalError {
            lang,
            status: problem.status,
            key,
            detail: (key == "error-invalid").then_some(problem.detail),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct ErrorPage {
    ui: Ui,
    message: String,
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let ui = Ui::anonymous(self.lang);
        let message = match &self.detail {
            Some(d) => i18n::tr_args(self.lang, self.key, &[("detail", d.clone())]),
            None => i18n::tr(self.lang, self.key),
        };
        match (ErrorPage { ui, message }).render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, i18n::tr(self.lang, self.key)).into_response(),
        }
    }
}

/// Renders a page, or the error page if the template fails.
pub(crate) fn render(lang: Language, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            eprintln!("tenggat-server: portal: a template failed: {e}");
            PortalError::new(lang, StatusCode::INTERNAL_SERVER_ERROR, "error-unavailable")
                .into_response()
        }
    }
}

/// Keeps a login limiter for the state.
pub(crate) fn login_limiter() -> Arc<LoginLimiter> {
    Arc::new(LoginLimiter::new())
}
