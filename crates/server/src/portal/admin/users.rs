//! `GET /admin/users` (the provider's administrators, and a customer's administrator for their
//! own organisation — the API decides): organisations and their users (role, language,
//! disabled), a form to create a user that then shows the one-time setup link, and disable /
//! enable. Everything goes through the API's handlers (`GET /api/v1/organisations`,
//! `GET /api/v1/organisations/{id}/users`, `POST /api/v1/users`, `PATCH /api/v1/users/{id}`).

use askama::Template;
use axum::Form;
use axum::body::to_bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenggat_store::{Language, Role};

use super::super::view::Choice;
use super::super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::admin::{self, NewUserBody, UserPatch, UserView};
use crate::extract::ApiJson;
use crate::problem::Problem;

/// What the page's forms do, by the name in their path.
pub const ACTIONS: &[&str] = &["disable", "enable"];

/// Query of the page.
#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    done: String,
}

/// One user as the page shows them.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Role in words.
    pub role: String,
    /// Language in words.
    pub language: String,
    /// Whether they may not sign in.
    pub disabled: bool,
    /// Whether this is the viewer (who cannot disable themselves).
    pub me: bool,
}

/// An organisation and its users.
#[derive(Debug, Clone)]
pub struct OrgRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Its users.
    pub users: Vec<UserRow>,
}

#[derive(Template)]
#[template(path = "portal/admin_users.html")]
struct UsersPage {
    ui: Ui,
    orgs: Vec<OrgRow>,
    org_choices: Vec<Choice>,
    roles: Vec<Choice>,
    flash: String,
    /// The one-time setup link of a user just created, and their e-mail.
    setup_link: String,
    created: String,
}

/// A role in words, in `lang`.
pub fn role_label(lang: Language, role: &str) -> String {
    let key = format!("admin-role-{}", role.replace('_', "-"));
    if i18n::has(lang, &key) {
        i18n::tr(lang, &key)
    } else {
        role.to_owned()
    }
}

/// A user's row.
pub fn user_row(lang: Language, me: i64, u: &UserView) -> UserRow {
    UserRow {
        id: u.id,
        name: u.name.clone(),
        email: u.email.clone(),
        role: role_label(lang, &u.role),
        language: i18n::tr(lang, &format!("admin-language-{}", u.language)),
        disabled: u.disabled,
        me: u.id == me,
    }
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    flash: String,
    setup_link: String,
    created: String,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let orgs = admin::list_organisations(State(state.clone()), viewer.principal.clone())
        .await
        .map_err(fail)?
        .0;
    let mut rows = Vec::new();
    for org in &orgs {
        // The API refuses who may not manage users (an agent, a customer's user).
        let users = admin::list_users(State(state.clone()), viewer.principal.clone(), Path(org.id))
            .await
            .map_err(fail)?
            .0;
        rows.push(OrgRow {
            id: org.id,
            name: org.name.clone(),
            users: users
                .iter()
                .map(|u| user_row(lang, viewer.principal.user.id, u))
                .collect(),
        });
    }
    let org_choices = rows
        .iter()
        .map(|o| Choice {
            value: o.id.to_string(),
            label: o.name.clone(),
            ..Choice::default()
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .filter(|r| viewer.principal.is_staff() || r.is_customer())
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: role_label(lang, r.as_str()),
            selected: *r == Role::CustomerUser,
            ..Choice::default()
        })
        .collect();
    let page = UsersPage {
        ui: viewer.ui("admin"),
        orgs: rows,
        org_choices,
        roles,
        flash,
        setup_link,
        created,
    };
    Ok(render(lang, &page))
}

/// `GET /admin/users`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<UsersQuery>,
) -> Result<Response, PortalError> {
    let flash = if ACTIONS.contains(&query.done.as_str()) {
        i18n::tr(viewer.lang(), &format!("admin-done-{}", query.done))
    } else {
        String::new()
    };
    show(&state, &viewer, flash, String::new(), String::new()).await
}

/// The new-user form.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    csrf: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    language: String,
}

/// `POST /admin/users/new`: creates the user through the API and shows the page with their
/// one-time setup link (not in a redirect, so that it stays out of URLs and histories).
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let Ok(organisation_id) = form.organisation.trim().parse::<i64>() else {
        return Err(PortalError::new(
            lang,
            StatusCode::NOT_FOUND,
            "error-not-found",
        ));
    };
    let answer = admin::create_user(
        State(state.clone()),
        viewer.principal.clone(),
        ApiJson(NewUserBody {
            organisation_id,
            email: form.email.trim().to_owned(),
            name: form.name.trim().to_owned(),
            role: form.role.trim().to_owned(),
            language: Some(form.language.trim().to_owned()).filter(|l| !l.is_empty()),
        }),
    )
    .await
    .map_err(fail)?;
    let body = to_bytes(answer.into_body(), 1 << 20)
        .await
        .map_err(|e| fail(Problem::internal(&e)))?;
    let made: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| fail(Problem::internal(&e)))?;
    let link = made["setup_link"].as_str().unwrap_or_default().to_owned();
    let email = made["user"]["email"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let flash = i18n::tr(lang, "admin-done-create");
    show(&state, &viewer, flash, link, email).await
}

/// The disable / enable form.
#[derive(Debug, Deserialize)]
pub struct ToggleForm {
    csrf: String,
}

/// `POST /admin/users/{id}/{disable|enable}`.
pub async fn toggle(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ToggleForm>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    let lang = viewer.lang();
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => {
            return Err(PortalError::new(
                lang,
                StatusCode::NOT_FOUND,
                "error-not-found",
            ));
        }
    };
    let _changed = admin::update_user(
        State(state),
        viewer.principal.clone(),
        Path(id),
        ApiJson(UserPatch {
            name: None,
            role: None,
            language: None,
            disabled: Some(disabled),
        }),
    )
    .await
    .map_err(|p| PortalError::from_problem(lang, p))?;
    Ok(Redirect::to(&format!("/admin/users?done={action}#user-{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_and_language_has_words_in_both_languages() {
        for lang in [Language::Id, Language::En] {
            for r in Role::ALL {
                let key = format!("admin-role-{}", r.as_str().replace('_', "-"));
                assert!(i18n::has(lang, &key), "{key}");
            }
            for l in ["id", "en"] {
                assert!(i18n::has(lang, &format!("admin-language-{l}")));
            }
            for a in ACTIONS.iter().chain(&["create"]) {
                assert!(i18n::has(lang, &format!("admin-done-{a}")));
            }
        }
        assert_eq!(
            role_label(Language::En, "customer_admin"),
            "Customer administrator"
        );
        assert_eq!(role_label(Language::Id, "agent"), "Agen");
        assert_eq!(role_label(Language::En, "unknown"), "unknown");
    }
}
