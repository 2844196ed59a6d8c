//! Signing in and out of the portal, and the language switch.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use governor::clock::DefaultClock;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use serde::Deserialize;
use tenggat_store::{Language, Store, UserUpdate};

use super::{LANG_COOKIE, PortalError, Ui, Viewer, render};
use crate::AppState;
use crate::auth::Credential;

/// Sign-in attempts allowed per minute, per client address and per e-mail address.
const ATTEMPTS_PER_MINUTE: u32 = 10;

type Keyed<K> = RateLimiter<K, DashMapStateStore<K>, DefaultClock>;

/// Limits sign-in attempts (GCRA, `governor`) per client address and per e-mail address, so
/// neither one client nor many clients can guess a password quickly.
#[derive(Debug)]
pub struct LoginLimiter {
    by_ip: Keyed<IpAddr>,
    by_email: Keyed<String>,
}

impl LoginLimiter {
    /// Ten attempts a minute for each key.
    pub fn new() -> LoginLimiter {
        let quota =
            Quota::per_minute(NonZeroU32::new(ATTEMPTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN));
        LoginLimiter {
            by_ip: RateLimiter::keyed(quota),
            by_email: RateLimiter::keyed(quota),
        }
    }

    /// Whether one more attempt from `ip` for `email` may be checked.
    fn allow(&self, ip: IpAddr, email: &str) -> bool {
        let ip_ok = self.by_ip.check_key(&ip).is_ok();
        let email_ok = self.by_email.check_key(&email.to_lowercase()).is_ok();
        if self.by_ip.len() > 100_000 {
            self.by_ip.retain_recent();
            self.by_email.retain_recent();
        }
        ip_ok && email_ok
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new()
    }
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub(super) lang: Option<String>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    ui: Ui,
    next: String,
    email: String,
    error: Option<String>,
}

/// The language of someone not signed in: `?lang=`, else the cookie, else Indonesian.
pub(super) fn visitor_language(query: Option<&str>, parts_cookie: Option<&str>) -> Language {
    query
        .and_then(Language::parse)
        .or_else(|| parts_cookie.and_then(Language::parse))
        .unwrap_or(Language::Id)
}

/// Where to go after signing in: a path of this site only.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The language cookie of the request.
pub struct LangCookie(pub(super) Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for LangCookie {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(LangCookie(
            crate::auth::cookie(parts, LANG_COOKIE).map(str::to_owned),
        ))
    }
}

/// `GET /login`.
pub async fn form(Query(query): Query<LoginQuery>, LangCookie(cookie): LangCookie) -> Response {
    let lang = visitor_language(query.lang.as_deref(), cookie.as_deref());
    let page = LoginPage {
        ui: Ui::anonymous(lang),
        next: safe_next(query.next.as_deref()),
        email: String::new(),
        error: None,
    };
    let mut response = render(lang, &page);
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.as_str()
    )) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    lang: String,
}

/// `POST /login`: signs in and goes on, or shows the form again with why not.
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Language::parse(&form.lang).unwrap_or(Language::Id);
    let again = |key: &str, status: StatusCode| {
        let page = LoginPage {
            ui: Ui::anonymous(lang),
            next: safe_next(Some(&form.next)),
            email: form.email.clone(),
            error: Some(super::i18n::tr(lang, key)),
        };
        (status, render(lang, &page)).into_response()
    };
    if !state.login_limiter.allow(peer.ip(), &form.email) {
        return again("login-too-many", StatusCode::TOO_MANY_REQUESTS);
    }
    let user = match crate::account::signed_in_user(&state, form.email.trim(), &form.password).await
    {
        Ok(user) => user,
        Err(p) if p.status == StatusCode::UNAUTHORIZED => {
            return again("login-failed", StatusCode::UNAUTHORIZED);
        }
        Err(p) => return PortalError::from_problem(lang, p).into_response(),
    };
    match crate::account::start_session(&state, &user).await {
        Ok(cookie) => {
            let mut response = Redirect::to(&safe_next(Some(&form.next))).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(p) => PortalError::from_problem(lang, p).into_response(),
    }
}

/// A form that carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /logout`: ends the session.
pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    if let Credential::Session(id) = viewer.principal.credential {
        state
            .db
            .revoke_session(id, state.clock.now())
            .await
            .map_err(|e| PortalError::from_problem(viewer.lang(), e.into()))?;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("tenggat_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

/// The language switch.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    csrf: String,
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /language`: remembers the signed-in user's language and shows the page again.
pub async fn language(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<LanguageForm>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    let lang = Language::parse(&form.lang).ok_or_else(|| {
        PortalError::new(
            viewer.lang(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "error-not-found",
        )
    })?;
    state
        .db
        .update_user(
            viewer.principal.user.id,
            &UserUpdate {
                language: Some(lang),
                ..UserUpdate::default()
            },
        )
        .await
        .map_err(|e| PortalError::from_problem(viewer.lang(), e.into()))?;
    Ok(Redirect::to(&safe_next(Some(&form.back))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_follow_a_sign_in() {
        assert_eq!(safe_next(Some("/tickets/4")), "/tickets/4");
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_visitor_language_defaults_to_indonesian() {
        assert_eq!(visitor_language(None, None), Language::Id);
        assert_eq!(visitor_language(Some("en"), Some("id")), Language::En);
        assert_eq!(visitor_language(None, Some("en")), Language::En);
        assert_eq!(visitor_language(Some("fr"), None), Language::Id);
    }

    #[test]
    fn ten_attempts_a_minute() {
        let limiter = LoginLimiter::new();
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        let allowed = (0..20).filter(|_| limiter.allow(ip, "a@b.id")).count();
        assert_eq!(allowed, ATTEMPTS_PER_MINUTE as usize);
        let other: IpAddr = "192.0.2.2".parse().expect("ip");
        assert!(
            !limiter.allow(other, "A@B.id"),
            "the e-mail's budget is spent too"
        );
        assert!(limiter.allow(other, "c@b.id"));
    }
}
