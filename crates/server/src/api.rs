//! The REST API under `/api/v1`: API tokens (created with HTTP Basic auth) and `me` (Bearer
//! token auth).

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tenggat_store::{NewApiToken, Store, User};

use crate::AppState;
use crate::problem::Problem;
use crate::secrets;

/// A JSON body whose rejections are problem+json (malformed JSON is a 400
/// `request.malformed_json`).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(rejection.into()),
        }
    }
}

const BASIC_CHALLENGE: &str = "Basic realm=\"tenggat\", charset=\"UTF-8\"";
const BEARER_CHALLENGE: &str = "Bearer realm=\"tenggat\"";

fn bad_credentials() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "auth.invalid_credentials",
        "e-mail or password is wrong",
    )
    .with_challenge(BASIC_CHALLENGE)
}

fn bad_token() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "auth.invalid_token",
        "the bearer token is missing, unknown or revoked",
    )
    .with_challenge(BEARER_CHALLENGE)
}

fn authorization<'a>(parts: &'a Parts, scheme: &str) -> Option<&'a str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// A user signed in with HTTP Basic auth (e-mail and password, argon2-verified).
pub struct PasswordUser(pub User);

impl FromRequestParts<AppState> for PasswordUser {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let encoded = authorization(parts, "basic").ok_or_else(bad_credentials)?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(bad_credentials)?;
        let (email, password) = decoded.split_once(':').ok_or_else(bad_credentials)?;
        let user = state.db.user_by_email(email).await?;
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        // Unknown users and users without a password cost an argon2 check too.
        let matches = secrets::verify_password_or_decoy(password.to_owned(), stored).await?;
        match user {
            Some(user) if matches && !user.disabled => Ok(PasswordUser(user)),
            _ => Err(bad_credentials()),
        }
    }
}

/// A user authenticated by an unrevoked API token (`Authorization: Bearer tgt_…`).
pub struct TokenUser(pub User);

impl FromRequestParts<AppState> for TokenUser {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = authorization(parts, "bearer").ok_or_else(bad_token)?;
        if !token.starts_with(secrets::API_TOKEN_PREFIX) {
            return Err(bad_token());
        }
        let stored = state
            .db
            .api_token_by_hash(&tenggat_store::token_hash(token))
            .await?
            .ok_or_else(bad_token)?;
        let user = state.db.get_user(stored.user_id).await?;
        if user.disabled {
            return Err(bad_token());
        }
        Ok(TokenUser(user))
    }
}

/// Body of `POST /api/v1/tokens`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    name: String,
}

/// Answer of `POST /api/v1/tokens`: the token is shown this once.
#[derive(Serialize)]
pub struct NewTokenResponse {
    id: i64,
    name: String,
    token: String,
}

/// Longest token name accepted.
const MAX_TOKEN_NAME_CHARS: usize = 100;

/// `POST /api/v1/tokens`: creates an API token for the user signed in with Basic auth.
pub async fn create_token(
    State(state): State<AppState>,
    PasswordUser(user): PasswordUser,
    ApiJson(request): ApiJson<NewTokenRequest>,
) -> Result<Response, Problem> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "token.invalid_name",
            format!("a token name has 1 to {MAX_TOKEN_NAME_CHARS} characters"),
        ));
    }
    let secret = secrets::random_hex().map_err(|e| Problem::internal(&e))?;
    let token = format!("{}{secret}", secrets::API_TOKEN_PREFIX);
    let stored = state
        .db
        .create_api_token(&NewApiToken {
            user_id: user.id,
            name: name.to_owned(),
            scopes: Vec::new(),
            token_hash: tenggat_store::token_hash(&token),
            created_at: state.clock.now(),
        })
        .await?;
    let body = NewTokenResponse {
        id: stored.id,
        name: stored.name,
        token,
    };
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// The organisation in `GET /api/v1/me`.
#[derive(Serialize)]
pub struct OrganisationView {
    id: i64,
    kind: &'static str,
    name: String,
    slug: String,
}

/// Answer of `GET /api/v1/me`.
#[derive(Serialize)]
pub struct MeResponse {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    organisation: OrganisationView,
}

/// `GET /api/v1/me`: the user the bearer token belongs to.
pub async fn me(
    State(state): State<AppState>,
    TokenUser(user): TokenUser,
) -> Result<axum::Json<MeResponse>, Problem> {
    let org = state.db.get_organisation(user.organisation_id).await?;
    Ok(axum::Json(MeResponse {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role.as_str(),
        organisation: OrganisationView {
            id: org.id,
            kind: org.kind.as_str(),
            name: org.name,
            slug: org.slug,
        },
    }))
}
