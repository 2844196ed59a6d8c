//! Signing in and credentials: sessions for people (e-mail and argon2-checked password, an
//! HttpOnly cookie), API tokens for integrations (shown once, stored hashed, scoped,
//! revocable), and `me`.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use tenggat_store::{NewApiToken, NewSession, Store, User};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Credential, Principal, SESSION_COOKIE, SESSION_IDLE, Scope, forbidden};
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::secrets;
use crate::views::{ProblemBody, ts};

const BASIC_CHALLENGE: &str = "Basic realm=\"tenggat\", charset=\"UTF-8\"";

fn bad_credentials() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "auth.invalid_credentials",
        "e-mail or password is wrong",
    )
    .with_challenge(BASIC_CHALLENGE)
}

async fn check_password(state: &AppState, email: &str, password: &str) -> Result<User, Problem> {
    // No e-mail holds a NUL, and PostgreSQL would refuse the query (a 500) instead of finding
    // nobody.
    let user = if email.contains('\0') {
        None
    } else {
        state.db.user_by_email(email).await?
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    // Unknown users and users without a password cost an argon2 check too.
    let matches = secrets::verify_password_or_decoy(password.to_owned(), stored).await?;
    match user {
        Some(user) if matches && !user.disabled => Ok(user),
        _ => Err(bad_credentials()),
    }
}

/// Whoever creates a token: a user signed in with HTTP Basic auth (e-mail and password), or
/// a signed-in session.
pub enum TokenCreator {
    /// Basic auth.
    Password(User),
    /// A session (or a token with the `admin` scope).
    Signed(Principal),
}

impl FromRequestParts<AppState> for TokenCreator {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let basic = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, rest)| rest.trim().to_owned());
        if let Some(encoded) = basic {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(bad_credentials)?;
            let (email, password) = decoded.split_once(':').ok_or_else(bad_credentials)?;
            return Ok(TokenCreator::Password(
                check_password(state, email, password).await?,
            ));
        }
        let has_session = crate::auth::cookie(parts, SESSION_COOKIE).is_some();
        if !parts.headers.contains_key(header::AUTHORIZATION) && !has_session {
            return Err(bad_credentials());
        }
        let principal = Principal::from_request_parts(parts, state).await?;
        if matches!(principal.credential, Credential::Token(_))
            && !principal.scopes.contains(&Scope::Admin)
        {
            return Err(forbidden(
                "an API token may create tokens only with the admin scope",
            ));
        }
        Ok(TokenCreator::Signed(principal))
    }
}

/// Body of `POST /api/v1/tokens`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// A name to recognise the token by, 1–100 characters.
    pub(crate) name: String,
    /// Scopes: `tickets:read`, `tickets:write`, `admin` (default: all three). The user's role
    /// still limits what the token can do.
    pub(crate) scopes: Option<Vec<String>>,
}

/// Answer of `POST /api/v1/tokens`: the token is shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewTokenResponse {
    /// Token id (to revoke it).
    pub(crate) id: i64,
    /// Name.
    pub(crate) name: String,
    /// Scopes.
    pub(crate) scopes: Vec<String>,
    /// The secret: send it as `Authorization: Bearer <token>`. It is not stored and cannot
    /// be shown again.
    pub(crate) token: String,
}

/// An API token without its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    /// Id.
    pub(crate) id: i64,
    /// Name.
    pub(crate) name: String,
    /// Scopes.
    pub(crate) scopes: Vec<String>,
    /// Created (UTC).
    pub(crate) created_at: String,
    /// Revoked (UTC), if it was.
    pub(crate) revoked_at: Option<String>,
}

/// Longest token name accepted.
const MAX_TOKEN_NAME_CHARS: usize = 100;

/// Create an API token (HTTP Basic auth with e-mail and password, or a session).
#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "account",
    request_body = NewTokenRequest,
    responses(
        (status = 201, description = "Created; the secret is in `token`", body = NewTokenResponse),
        (status = 401, description = "Wrong credentials", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or scope", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("basic" = []), ("session" = []), ("bearer" = []))
)]
pub async fn create_token(
    State(state): State<AppState>,
    creator: TokenCreator,
    ApiJson(request): ApiJson<NewTokenRequest>,
) -> Result<Response, Problem> {
    let user = match creator {
        TokenCreator::Password(user) => user,
        TokenCreator::Signed(principal) => principal.user,
    };
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "token.invalid_name",
            format!("a token name has 1 to {MAX_TOKEN_NAME_CHARS} characters"),
        ));
    }
    let scopes: Vec<String> = match request.scopes {
        None => Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
        Some(given) => {
            if given.is_empty() {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "token.invalid_scope",
                    "a token needs at least one scope",
                ));
            }
            let mut out = Vec::new();
            for s in given {
                let scope = Scope::parse(&s).ok_or_else(|| {
                    Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "token.invalid_scope",
                        format!("unknown scope {s:?} (use tickets:read, tickets:write, admin)"),
                    )
                })?;
                if !out.contains(&scope.as_str().to_owned()) {
                    out.push(scope.as_str().to_owned());
                }
            }
            out
        }
    };
    let secret = secrets::random_hex().map_err(|e| Problem::internal(&e))?;
    let token = format!("{}{secret}", secrets::API_TOKEN_PREFIX);
    let stored = state
        .db
        .create_api_token(&NewApiToken {
            user_id: user.id,
            name: name.to_owned(),
            scopes,
            token_hash: tenggat_store::token_hash(&token),
            created_at: state.clock.now(),
        })
        .await?;
    let body = NewTokenResponse {
        id: stored.id,
        name: stored.name,
        scopes: stored.scopes,
        token,
    };
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// The signed-in user's API tokens (secrets are never shown again).
#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "account",
    responses(
        (status = 200, description = "The tokens", body = Vec<TokenView>),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<Vec<TokenView>>, Problem> {
    let tokens = state.db.api_tokens_of_user(principal.user.id).await?;
    Ok(axum::Json(
        tokens
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                scopes: t.scopes,
                created_at: ts(t.created_at),
                revoked_at: t.revoked_at.map(ts),
            })
            .collect(),
    ))
}

/// Revoke one of the signed-in user's API tokens (it stops working at once).
#[utoipa::path(
    delete, path = "/api/v1/tokens/{id}", tag = "account",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your tokens", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let tokens = state.db.api_tokens_of_user(principal.user.id).await?;
    if !tokens.iter().any(|t| t.id == id) {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "store.not_found",
            "token not found",
        ));
    }
    state.db.revoke_api_token(id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /api/v1/sessions`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// E-mail.
    email: String,
    /// Password.
    password: String,
}

/// The organisation in `me`.
#[derive(Serialize, ToSchema)]
pub struct OrganisationRef {
    /// Id.
    id: i64,
    /// `provider` or `customer`.
    kind: &'static str,
    /// Name.
    name: String,
    /// Slug.
    slug: String,
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    /// Id.
    id: i64,
    /// E-mail.
    email: String,
    /// Name.
    name: String,
    /// Role.
    role: &'static str,
    /// `id` or `en`.
    language: &'static str,
    /// Scopes of the credential used.
    scopes: Vec<&'static str>,
    /// Organisation.
    organisation: OrganisationRef,
}

async fn me_of(state: &AppState, user: &User, scopes: &[Scope]) -> Result<MeResponse, Problem> {
    let org = state.db.get_organisation(user.organisation_id).await?;
    Ok(MeResponse {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role.as_str(),
        language: user.language.as_str(),
        scopes: scopes.iter().map(|s| s.as_str()).collect(),
        organisation: OrganisationRef {
            id: org.id,
            kind: org.kind.as_str(),
            name: org.name,
            slug: org.slug,
        },
    })
}

/// Sign in: sets an HttpOnly, SameSite=Strict session cookie valid for 12 hours of
/// inactivity.
#[utoipa::path(
    post, path = "/api/v1/sessions", tag = "account",
    request_body = SignIn,
    responses(
        (status = 201, description = "Signed in; the cookie is set", body = MeResponse),
        (status = 401, description = "Wrong e-mail or password", body = ProblemBody, content_type = "application/problem+json"),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SignIn>,
) -> Result<Response, Problem> {
    let user = check_password(&state, &request.email, &request.password).await?;
    let cookie = start_session(&state, &user).await?;
    let me = me_of(&state, &user, &Scope::ALL).await?;
    let mut response = (StatusCode::CREATED, axum::Json(me)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Checks an e-mail and password (401 `auth.invalid_credentials` when wrong, at the same
/// cost whether the user exists or not).
pub(crate) async fn signed_in_user(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<User, Problem> {
    check_password(state, email, password).await
}

/// Starts a session for `user`: its `Set-Cookie` value (HttpOnly, SameSite=Strict, Secure when
/// the public URL is https, valid for 12 hours of inactivity).
pub(crate) async fn start_session(state: &AppState, user: &User) -> Result<HeaderValue, Problem> {
    let secret = secrets::random_hex().map_err(|e| Problem::internal(&e))?;
    let now = state.clock.now();
    let expires_at = now.checked_add(SESSION_IDLE).unwrap_or(now);
    state
        .db
        .create_session(&NewSession {
            user_id: user.id,
            token_hash: tenggat_store::token_hash(&secret),
            created_at: now,
            expires_at,
            user_agent: None,
        })
        .await?;
    let secure = if state.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_IDLE.as_secs()
    );
    HeaderValue::from_str(&cookie).map_err(|e| Problem::internal(&e))
}

/// Sign out: ends the current session.
#[utoipa::path(
    delete, path = "/api/v1/sessions/current", tag = "account",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Signed in with a token, not a session", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("session" = []))
)]
pub async fn sign_out(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, Problem> {
    let Credential::Session(id) = principal.credential else {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "auth.not_a_session",
            "this request used an API token; revoke it with DELETE /api/v1/tokens/{id}",
        ));
    };
    state.db.revoke_session(id, state.clock.now()).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("tenggat_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

/// The signed-in user, their organisation and the credential's scopes.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "account",
    responses(
        (status = 200, description = "The user", body = MeResponse),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn me(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<MeResponse>, Problem> {
    Ok(axum::Json(
        me_of(&state, &principal.user, &principal.scopes).await?,
    ))
}
