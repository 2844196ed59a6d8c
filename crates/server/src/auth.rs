//! Who is asking: API tokens (`Authorization: Bearer tgt_…`) for integrations and session
//! cookies for people, and what each role and token scope may do.
//!
//! Every API handler takes a [`Principal`] and asks it before it acts: [`Principal::require`]
//! for a role and scope, [`Principal::tenant`] for the tenant scope the store enforces. A
//! customer of another organisation never learns that a row exists: the store answers
//! `not found` for it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use jiff::SignedDuration;
use tenggat_store::{Role, Store, User};

use crate::AppState;
use crate::problem::Problem;
use crate::secrets;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tenggat_session";

/// How long a session lasts without use.
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(12);

const BEARER_CHALLENGE: &str = "Bearer realm=\"tenggat\"";

/// A token scope: what an API token may do, within what its owner's role allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Read tickets, their events and attachments.
    TicketsRead,
    /// Report and work tickets.
    TicketsWrite,
    /// Organisations, users, contracts and policies.
    Admin,
}

impl Scope {
    /// Every scope, in order.
    pub const ALL: [Scope; 3] = [Scope::TicketsRead, Scope::TicketsWrite, Scope::Admin];

    /// The stable id.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::TicketsRead => "tickets:read",
            Scope::TicketsWrite => "tickets:write",
            Scope::Admin => "admin",
        }
    }

    /// Parses the stable id.
    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Groups of roles that may do a thing.
pub mod roles {
    use tenggat_store::Role;

    /// Everybody.
    pub const ANY: &[Role] = Role::ALL;
    /// The provider's staff.
    pub const STAFF: &[Role] = &[
        Role::Admin,
        Role::Agent,
        Role::EscalationManager,
        Role::Executive,
    ];
    /// Staff who work tickets.
    pub const WORKERS: &[Role] = &[Role::Admin, Role::Agent, Role::EscalationManager];
    /// Those who accept or decline a customer's escalation request.
    pub const ESCALATION_DECIDERS: &[Role] = &[Role::Admin, Role::EscalationManager];
    /// Those who may report a ticket.
    pub const REPORTERS: &[Role] = &[
        Role::Admin,
        Role::Agent,
        Role::EscalationManager,
        Role::CustomerAdmin,
        Role::CustomerUser,
    ];
    /// The customer's people (who answer for the customer: workaround feedback, survey).
    pub const CUSTOMERS: &[Role] = &[Role::CustomerAdmin, Role::CustomerUser];
    /// Those who may take part in a ticket's conversation (reply, reopen, close, attach).
    pub const PARTICIPANTS: &[Role] = REPORTERS;
    /// The provider's administrators.
    pub const ADMINS: &[Role] = &[Role::Admin];
    /// Administrators of the provider or of a customer.
    pub const USER_ADMINS: &[Role] = &[Role::Admin, Role::CustomerAdmin];
}

/// How the principal authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// An API token with its id.
    Token(i64),
    /// A session with its id.
    Session(i64),
}

/// The authenticated user of a request, with the scopes its credential grants.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user: User,
    /// How they authenticated.
    pub credential: Credential,
    /// Scopes granted (sessions have all).
    pub scopes: Vec<Scope>,
}

fn bad_token() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "auth.invalid_token",
        "sign in, or send a valid API token: the bearer token or session is missing, unknown, \
         expired or revoked",
    )
    .with_challenge(BEARER_CHALLENGE)
}

/// The 403 for an authenticated user whose role or token may not do this.
pub fn forbidden(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "auth.forbidden", detail)
}

impl Principal {
    /// The tenant scope for store calls: the customer's organisation, or `None` for staff.
    pub fn tenant(&self) -> Option<i64> {
        self.user
            .role
            .is_customer()
            .then_some(self.user.organisation_id)
    }

    /// Whether the user is the provider's staff.
    pub fn is_staff(&self) -> bool {
        !self.user.role.is_customer()
    }

    /// Refuses (403) unless the user's role is one of `roles` and the credential has `scope`.
    pub fn require(&self, roles: &[Role], scope: Scope) -> Result<(), Problem> {
        if !roles.contains(&self.user.role) {
            return Err(forbidden(format!(
                "the {} role may not do this",
                self.user.role.as_str()
            )));
        }
        if !self.scopes.contains(&scope) {
            return Err(forbidden(format!(
                "this API token lacks the {} scope",
                scope.as_str()
            )));
        }
        Ok(())
    }
}

fn authorization<'a>(parts: &'a Parts, scheme: &str) -> Option<&'a str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// The value of a cookie in the request, if any.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let token = authorization(parts, "bearer").ok_or_else(bad_token)?;
            if !token.starts_with(secrets::API_TOKEN_PREFIX) {
                return Err(bad_token());
            }
            let (stored, user) = state
                .db
                .api_token_with_user(&tenggat_store::token_hash(token))
                .await?
                .ok_or_else(bad_token)?;
            if user.disabled {
                return Err(bad_token());
            }
            let scopes = stored
                .scopes
                .iter()
                .filter_map(|s| Scope::parse(s))
                .collect();
            return Ok(Principal {
                user,
                credential: Credential::Token(stored.id),
                scopes,
            });
        }
        let secret = cookie(parts, SESSION_COOKIE).ok_or_else(bad_token)?;
        let now = state.clock.now();
        let session = state
            .db
            .session_by_hash(&tenggat_store::token_hash(secret), now)
            .await?
            .ok_or_else(bad_token)?;
        let user = state.db.get_user(session.user_id).await?;
        if user.disabled {
            return Err(bad_token());
        }
        // Sliding expiry, written at most once a minute per session.
        if now.duration_since(session.last_seen_at) > SignedDuration::from_mins(1) {
            let expires = now.checked_add(SESSION_IDLE).unwrap_or(now);
            state.db.touch_session(session.id, now, expires).await?;
        }
        Ok(Principal {
            user,
            credential: Credential::Session(session.id),
            scopes: Scope::ALL.to_vec(),
        })
    }
}
