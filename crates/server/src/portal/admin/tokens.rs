//! `GET /account/tokens` (anyone signed in): the viewer's API tokens (name, scopes, created,
//! revoked), a form to create one — its secret is shown on the page this once, never in a
//! URL — and revoke. Through the API's own handlers (`GET`/`POST /api/v1/tokens`,
//! `DELETE /api/v1/tokens/{id}`), so a token of someone else is "not found".

use askama::Template;
use axum::Form;
use axum::body::to_bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use tenggat_store::Language;

use super::super::view::{Choice, when};
use super::super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::account::{self, NewTokenRequest, TokenCreator, TokenView};
use crate::auth::Scope;
use crate::extract::ApiJson;
use crate::problem::Problem;

/// Query of the page.
#[derive(Debug, Default, Deserialize)]
pub struct TokensQuery {
    #[serde(default)]
    done: String,
}

/// One token as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Scopes, comma-separated.
    pub scopes: String,
    /// Created, in words.
    pub created: String,
    /// Revoked, in words; empty while it works.
    pub revoked: String,
}

#[derive(Template)]
#[template(path = "portal/account_tokens.html")]
struct TokensPage {
    ui: Ui,
    tokens: Vec<TokenRow>,
    scopes: Vec<Choice>,
    flash: String,
    /// The secret of a token just created.
    secret: String,
}

/// A token's row; instants shown in Jakarta time (the portal's zone for the account).
pub fn token_row(t: &TokenView, zone: &TimeZone) -> TokenRow {
    let at = |s: &str| {
        s.parse::<Timestamp>()
            .map_or_else(|_| s.to_owned(), |t| when(t, zone))
    };
    TokenRow {
        id: t.id,
        name: t.name.clone(),
        scopes: t.scopes.join(", "),
        created: at(&t.created_at),
        revoked: t.revoked_at.as_deref().map(at).unwrap_or_default(),
    }
}

fn zone() -> TimeZone {
    TimeZone::get("Asia/Jakarta").unwrap_or(TimeZone::UTC)
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    flash: String,
    secret: String,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let tokens = account::list_tokens(State(state.clone()), viewer.principal.clone())
        .await
        .map_err(|p| PortalError::from_problem(lang, p))?
        .0;
    let zone = zone();
    let page = TokensPage {
        ui: viewer.ui("tokens"),
        tokens: tokens.iter().map(|t| token_row(t, &zone)).collect(),
        scopes: Scope::ALL
            .iter()
            .map(|s| Choice {
                value: format!("scope-{}", s.as_str().replace(':', "-")),
                label: scope_label(lang, s.as_str()),
                selected: true,
                ..Choice::default()
            })
            .collect(),
        flash,
        secret,
    };
    Ok(render(lang, &page))
}

/// A scope in words (`tickets:read` → "read tickets").
pub fn scope_label(lang: Language, scope: &str) -> String {
    i18n::tr(lang, &format!("admin-scope-{}", scope.replace(':', "-")))
}

/// `GET /account/tokens`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<TokensQuery>,
) -> Result<Response, PortalError> {
    let flash = if query.done == "revoke" {
        i18n::tr(viewer.lang(), "admin-done-revoke")
    } else {
        String::new()
    };
    show(&state, &viewer, flash, String::new()).await
}

/// The new-token form: a name and the scopes ticked.
#[derive(Debug, Deserialize)]
pub struct NewTokenForm {
    csrf: String,
    #[serde(default)]
    name: String,
    /// `on` for each scope ticked (`scope-tickets-read`, …).
    #[serde(default, rename = "scope-tickets-read")]
    read: String,
    #[serde(default, rename = "scope-tickets-write")]
    write: String,
    #[serde(default, rename = "scope-admin")]
    admin: String,
}

impl NewTokenForm {
    /// The scopes ticked.
    fn scopes(&self) -> Vec<String> {
        [
            (&self.read, "tickets:read"),
            (&self.write, "tickets:write"),
            (&self.admin, "admin"),
        ]
        .into_iter()
        .filter(|(on, _)| !on.is_empty())
        .map(|(_, s)| s.to_owned())
        .collect()
    }
}

/// `POST /account/tokens/new`: creates the token and shows its secret this once.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewTokenForm>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let answer = account::create_token(
        State(state.clone()),
        TokenCreator::Signed(viewer.principal.clone()),
        ApiJson(NewTokenRequest {
            name: form.name.clone(),
            scopes: Some(form.scopes()),
        }),
    )
    .await
    .map_err(fail)?;
    let body = to_bytes(answer.into_body(), 1 << 20)
        .await
        .map_err(|e| fail(Problem::internal(&e)))?;
    let made: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| fail(Problem::internal(&e)))?;
    let secret = made["token"].as_str().unwrap_or_default().to_owned();
    show(&state, &viewer, i18n::tr(lang, "admin-done-token"), secret).await
}

/// The revoke form.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    csrf: String,
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    let lang = viewer.lang();
    account::revoke_token(State(state), viewer.principal.clone(), Path(id))
        .await
        .map_err(|p| PortalError::from_problem(lang, p))?;
    Ok(Redirect::to("/account/tokens?done=revoke").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_scopes_in_words() {
        let view = TokenView {
            id: 3,
            name: "ci".into(),
            scopes: vec!["tickets:read".into(), "admin".into()],
            created_at: "2026-03-10T03:00:00Z".into(),
            revoked_at: Some("2026-03-11T03:00:00Z".into()),
        };
        let row = token_row(&view, &zone());
        assert_eq!(row.scopes, "tickets:read, admin");
        assert_eq!(row.created, "2026-03-10 10:00 WIB");
        assert_eq!(row.revoked, "2026-03-11 10:00 WIB");
        for lang in [Language::Id, Language::En] {
            for s in Scope::ALL {
                assert!(
                    !scope_label(lang, s.as_str()).contains('⟦'),
                    "{}",
                    s.as_str()
                );
            }
            for d in ["revoke", "token"] {
                assert!(i18n::has(lang, &format!("admin-done-{d}")));
            }
        }
    }
}
