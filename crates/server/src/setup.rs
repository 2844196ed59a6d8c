//! First run (the provider organisation, its admin and a one-time password-setup link) and
//! the server-rendered setup page.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use tenggat_store::{
    Database, Language, NewOrganisation, NewUser, OrgKind, Role, Store, StoreError,
};

use crate::AppState;
use crate::problem::Problem;
use crate::secrets;

/// The e-mail of the admin created on first run.
pub const FIRST_ADMIN_EMAIL: &str = "admin@localhost";

/// How long the first-run setup link stays valid.
pub const SETUP_TOKEN_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// On a database without a provider organisation, creates it (`Provider`, slug `provider`)
/// and an admin user without a password, stores the hash of a fresh one-time setup token and
/// returns the line to print. A provider organisation without users (an earlier first run
/// that stopped half-way) gets its admin the same way. Otherwise returns `None`.
pub async fn first_run(
    db: &Database,
    public_url: &str,
    now: Timestamp,
) -> Result<Option<String>, crate::ServerError> {
    let providers = db.list_organisations(Some(OrgKind::Provider)).await?;
    let provider = match providers.into_iter().next() {
        Some(org) => org,
        None => {
            let created = db
                .create_organisation(&NewOrganisation {
                    kind: OrgKind::Provider,
                    name: "Provider".into(),
                    slug: "provider".into(),
                    created_at: now,
                })
                .await;
            match created {
                Ok(org) => org,
                // Another replica starting at the same moment made it: its first run, not ours.
                Err(StoreError::Conflict(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
    };
    if !db.users_of_organisation(provider.id).await?.is_empty() {
        return Ok(None);
    }
    let admin = db
        .create_user(&NewUser {
            organisation_id: provider.id,
            email: FIRST_ADMIN_EMAIL.into(),
            name: "Administrator".into(),
            role: Role::Admin,
            language: Language::En,
            created_at: now,
        })
        .await?;
    let link = new_setup_link(db, admin.id, public_url, now).await?;
    Ok(Some(format!("first run: set the admin password at {link}")))
}

/// A new one-time link for the user with this e-mail to set a password (for example when the
/// first-run link expired, or a password is forgotten). Any earlier link of the user stops
/// working. `Ok(None)` when there is no such user.
pub async fn issue_setup_link(
    db: &Database,
    email: &str,
    public_url: &str,
    now: Timestamp,
) -> Result<Option<String>, crate::ServerError> {
    let Some(user) = db.user_by_email(email).await? else {
        return Ok(None);
    };
    new_setup_link(db, user.id, public_url, now).await.map(Some)
}

/// Stores the hash of a fresh setup token for `user` and returns the link that carries it.
async fn new_setup_link(
    db: &Database,
    user: i64,
    public_url: &str,
    now: Timestamp,
) -> Result<String, crate::ServerError> {
    let token = secrets::random_hex().map_err(crate::ServerError::Random)?;
    db.set_password_setup_token(
        user,
        &tenggat_store::token_hash(&token),
        now + SETUP_TOKEN_LIFETIME,
    )
    .await?;
    let base = public_url.trim_end_matches('/');
    Ok(format!("{base}/setup/{token}"))
}

/// `GET /setup/{token}`: the form. Whether the token is still valid is decided when it is
/// used, so an unknown token gets the same form and a 404 page on submit.
pub async fn form(Path(_token): Path<String>) -> Html<String> {
    Html(page(
        "Set your password",
        &format!(
            r#"<form method="post">
<p><label for="password">New password (at least {min} characters)</label><br>
<input id="password" name="password" type="password" minlength="{min}" maxlength="{max}" required autocomplete="new-password" autofocus></p>
<p><button type="submit">Set password</button></p>
</form>"#,
            min = secrets::MIN_PASSWORD_CHARS,
            max = secrets::MAX_PASSWORD_CHARS,
        ),
    ))
}

/// The submitted setup form.
#[derive(Deserialize)]
pub struct SetupForm {
    password: String,
}

/// `POST /setup/{token}`: sets the password, or says why not.
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Response {
    if let Some(reason) = secrets::password_problem(&form.password) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(page(
                "Password not accepted",
                &format!(
                    "<p>{}.</p><p><a href=\"\">Try again</a></p>",
                    escape(&reason)
                ),
            )),
        )
            .into_response();
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
        Ok(user) => Html(page(
            "Password set",
            &format!(
                "<p>The password of {} is set. This link cannot be used again.</p>",
                escape(&user.email)
            ),
        ))
        .into_response(),
        Err(StoreError::NotFound(_)) => (
            StatusCode::NOT_FOUND,
            Html(page(
                "Link not valid",
                "<p>This setup link is unknown, has been used already or has expired.</p>",
            )),
        )
            .into_response(),
        Err(e) => Problem::from(e).into_response(),
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · Tenggat</title></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )
}

/// Escapes text for HTML element content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            super::escape("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
    }
}
