//! `GET`/`POST /setup/{token}`: the one-time password page a setup link opens (the first
//! run's admin, a user an administrator created, the demo's people). In the portal's look and
//! both languages (`?lang=`, else the language cookie, else Indonesian); a language chosen
//! there becomes the person's own. After the password is set, it leads to the sign-in page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tenggat_store::{Language, Store, StoreError, UserUpdate};

use super::login::{LangCookie, LoginQuery, visitor_language};
use super::{Ui, render};
use crate::AppState;
use crate::problem::Problem;
use crate::secrets::{self, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shown {
    /// The form, with the reason the last password was refused, if one was.
    Form(Option<String>),
    /// The password of this e-mail address is set.
    Done(String),
    /// The link is unknown, used or expired.
    Invalid,
}

#[derive(Template)]
#[template(path = "portal/setup.html")]
struct SetupPage {
    ui: Ui,
    min: usize,
    max: usize,
    error: Option<String>,
    done: Option<String>,
    invalid: bool,
}

fn page(lang: Language, state: Shown) -> SetupPage {
    let (error, done, invalid) = match state {
        Shown::Form(error) => (error, None, false),
        Shown::Done(email) => (None, Some(email), false),
        Shown::Invalid => (None, None, true),
    };
    SetupPage {
        ui: Ui::anonymous(lang),
        min: MIN_PASSWORD_CHARS,
        max: MAX_PASSWORD_CHARS,
        error,
        done,
        invalid,
    }
}

/// Why `password` is refused, in `lang`; `None` when it is acceptable.
fn password_problem(lang: Language, password: &str) -> Option<String> {
    secrets::password_problem(password)?;
    let chars = password.chars().count();
    Some(if chars < MIN_PASSWORD_CHARS {
        super::i18n::tr_args(
            lang,
            "setup-too-short",
            &[
                ("min", MIN_PASSWORD_CHARS.to_string()),
                ("chars", chars.to_string()),
            ],
        )
    } else {
        super::i18n::tr_args(
            lang,
            "setup-too-long",
            &[("max", MAX_PASSWORD_CHARS.to_string())],
        )
    })
}

/// `GET /setup/{token}`: the form. Whether the token is still valid is decided when it is
/// used, so an unknown token gets the same form and the "not valid" page on submit.
pub async fn form(
    Path(_token): Path<String>,
    Query(query): Query<LoginQuery>,
    LangCookie(cookie): LangCookie,
) -> Response {
    let lang = visitor_language(query.lang.as_deref(), cookie.as_deref());
    render(lang, &page(lang, Shown::Form(None)))
}

/// The submitted setup form.
#[derive(Deserialize)]
pub struct SetupForm {
    password: String,
}

/// `POST /setup/{token}`: sets the password (argon2), or says why not. The token itself is the
/// secret that authorises the change, so the form needs no CSRF token.
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<LoginQuery>,
    LangCookie(cookie): LangCookie,
    Form(form): Form<SetupForm>,
) -> Response {
    let lang = visitor_language(query.lang.as_deref(), cookie.as_deref());
    if let Some(reason) = password_problem(lang, &form.password) {
        let mut response = render(lang, &page(lang, Shown::Form(Some(reason))));
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return response;
    }
    let hash = match secrets::hash_password(form.password).await {
        Ok(hash) => hash,
        Err(problem) => return problem.into_response(),
    };
    let now = state.clock.now();
    match state
        .db
        .use_password_setup_token(&tenggat_store::token_hash(&token), now, &hash)
        .await
    {
        Ok(user) => {
            // A language chosen on this page (the switch, or a link with `?lang=`) becomes
            // the person's own, so the portal speaks it after they sign in.
            let chosen = query
                .lang
                .as_deref()
                .or(cookie.as_deref())
                .and_then(Language::parse);
            if let Some(chosen) = chosen.filter(|l| *l != user.language) {
                let update = UserUpdate {
                    language: Some(chosen),
                    ..UserUpdate::default()
                };
                if let Err(e) = state.db.update_user(user.id, &update).await {
                    return Problem::from(e).into_response();
                }
            }
            render(lang, &page(lang, Shown::Done(user.email)))
        }
        Err(StoreError::NotFound(_)) => {
            let mut response = render(lang, &page(lang, Shown::Invalid));
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
        Err(e) => Problem::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_password_is_explained_in_both_languages() {
        let short = password_problem(Language::Id, "pendek");
        assert_eq!(
            short.as_deref(),
            Some("Kata sandi minimal 12 karakter (yang ini 6).")
        );
        let long = "x".repeat(MAX_PASSWORD_CHARS + 1);
        assert_eq!(
            password_problem(Language::En, &long),
            Some(format!(
                "The password may have at most {MAX_PASSWORD_CHARS} characters."
            ))
        );
        assert_eq!(password_problem(Language::En, "a good long password"), None);
    }
}
