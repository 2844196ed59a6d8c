//! First run (the provider organisation, its admin and a one-time password-setup link) and
//! setup links; the page they open is the portal's (`portal::setup_page`).

use jiff::{SignedDuration, Timestamp};
use tenggat_store::{
    Database, Language, NewOrganisation, NewUser, OrgKind, Role, Store, StoreError,
};

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
