//! Organisations, users, contracts, policies and calendars under `/api/v1`.
//!
//! The provider's admins manage everything; a customer admin manages the users of their own
//! organisation and sees its contracts; other customers see their organisation and contracts
//! only. Anything of another customer organisation is `404`, exactly as if it did not exist.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tenggat_sla::{Lang, PRESETS, Policy};
use tenggat_store::{
    Contract, Language, NewContract, NewEvent, NewOrganisation, NewPolicy, NewUser, OrgKind,
    Organisation, PolicyBinding as StoredBinding, PolicyRef, Role, Store, StoreError, StoredPolicy,
    TicketUpdate, User, UserUpdate, Visibility,
};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{Principal, Scope, forbidden, roles};
use crate::desk;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::Problem;
use crate::views::{ProblemBody, ts};

fn invalid(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

fn not_found(what: &str) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "store.not_found",
        format!("{what} not found"),
    )
}

fn created<T: Serialize>(location: String, body: T) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

// ------------------------------------------------------------------------ organisations

/// An organisation.
#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    /// Id.
    pub id: i64,
    /// `provider` or `customer`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Created (UTC).
    pub created_at: String,
}

impl From<&Organisation> for OrganisationView {
    fn from(o: &Organisation) -> Self {
        OrganisationView {
            id: o.id,
            kind: o.kind.as_str().into(),
            name: o.name.clone(),
            slug: o.slug.clone(),
            created_at: ts(o.created_at),
        }
    }
}

/// Body of `POST /api/v1/organisations`: a customer organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisationBody {
    /// Name, 1–200 characters.
    pub name: String,
    /// Unique short name: 2–64 of `a-z`, `0-9`, `-`.
    pub slug: String,
}

/// Organisations: all for the provider's staff, one's own for a customer.
#[utoipa::path(
    get, path = "/api/v1/organisations", tag = "organisations",
    responses(
        (status = 200, description = "Organisations", body = Vec<OrganisationView>),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_organisations(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<Vec<OrganisationView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let orgs = match principal.tenant() {
        Some(own) => vec![state.db.get_organisation(own).await?],
        None => state.db.list_organisations(None).await?,
    };
    Ok(axum::Json(
        orgs.iter().map(OrganisationView::from).collect(),
    ))
}

/// One organisation.
#[utoipa::path(
    get, path = "/api/v1/organisations/{id}", tag = "organisations",
    params(("id" = i64, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = OrganisationView),
        (status = 404, description = "No such organisation for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_organisation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<OrganisationView>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    if principal.tenant().is_some_and(|own| own != id) {
        return Err(not_found("organisation"));
    }
    let org = state.db.get_organisation(id).await?;
    Ok(axum::Json(OrganisationView::from(&org)))
}

fn check_slug(slug: &str) -> Result<(), Problem> {
    let ok = (2..=64).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "organisation.invalid_slug",
            format!("slug {slug:?}: use 2 to 64 of a-z, 0-9 and -, not at either end"),
        )
        .with("field", "slug"))
    }
}

fn check_name(field: &str, name: &str, max: usize) -> Result<(), Problem> {
    let n = name.trim().chars().count();
    if n == 0 || name.chars().count() > max {
        return Err(invalid(
            "request.invalid_text",
            format!("{field} must have 1 to {max} characters"),
        )
        .with("field", field));
    }
    Ok(())
}

/// Create a customer organisation (provider admins).
#[utoipa::path(
    post, path = "/api/v1/organisations", tag = "organisations",
    request_body = NewOrganisationBody,
    responses(
        (status = 201, description = "Created", body = OrganisationView),
        (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_organisation(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<NewOrganisationBody>,
) -> Result<Response, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    check_name("name", &body.name, 200)?;
    check_slug(&body.slug)?;
    let org = state
        .db
        .create_organisation(&NewOrganisation {
            kind: OrgKind::Customer,
            name: body.name.trim().to_owned(),
            slug: body.slug.clone(),
            created_at: state.clock.now(),
        })
        .await?;
    Ok(created(
        format!("/api/v1/organisations/{}", org.id),
        OrganisationView::from(&org),
    ))
}

// ------------------------------------------------------------------------------- users

/// A user (never with a password hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Organisation.
    pub organisation_id: i64,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// `id` or `en`.
    pub language: String,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// Whether a password is set.
    pub has_password: bool,
    /// Created (UTC).
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            organisation_id: u.organisation_id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.as_str().into(),
            language: u.language.as_str().into(),
            disabled: u.disabled,
            has_password: u.password_hash.is_some(),
            created_at: ts(u.created_at),
        }
    }
}

/// A new user and the one-time link on which they set their password.
#[derive(Serialize, ToSchema)]
pub struct NewUserView {
    /// The user.
    pub user: UserView,
    /// Give this link to the user (valid 24 hours); it is not stored and not shown again.
    pub setup_link: String,
}

/// Body of `POST /api/v1/users`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// Organisation (a customer admin may name only their own).
    pub organisation_id: i64,
    /// E-mail, unique.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role: provider roles for the provider, customer roles for a customer.
    pub role: String,
    /// `id` (default) or `en`.
    pub language: Option<String>,
}

/// Body of `PATCH /api/v1/users/{id}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<String>,
    /// New language.
    pub language: Option<String>,
    /// Disable (signs the user out everywhere) or enable.
    pub disabled: Option<bool>,
}

/// May `principal` manage the users of `org`? Staff admins any; customer admins their own;
/// a customer of another organisation gets 404.
async fn check_user_admin(
    state: &AppState,
    principal: &Principal,
    org: i64,
) -> Result<Organisation, Problem> {
    if principal.tenant().is_some_and(|own| own != org) {
        return Err(not_found("organisation"));
    }
    principal.require(roles::USER_ADMINS, Scope::Admin)?;
    Ok(state.db.get_organisation(org).await?)
}

fn check_role(org: &Organisation, role: &str, principal: &Principal) -> Result<Role, Problem> {
    let role: Role = role.parse().map_err(|e: StoreError| {
        invalid("user.invalid_role", e.to_string()).with("field", "role")
    })?;
    let fits = match org.kind {
        OrgKind::Provider => !role.is_customer(),
        OrgKind::Customer => role.is_customer(),
    };
    if !fits {
        return Err(invalid(
            "user.invalid_role",
            format!("role {role} does not belong in a {} organisation", org.kind),
        )
        .with("field", "role"));
    }
    if !principal.is_staff() && !role.is_customer() {
        return Err(forbidden("a customer admin may give customer roles only"));
    }
    Ok(role)
}

fn parse_language(text: Option<&str>) -> Result<Option<Language>, Problem> {
    text.map(|t| {
        t.parse().map_err(|e: StoreError| {
            invalid("user.invalid_language", e.to_string()).with("field", "language")
        })
    })
    .transpose()
}

/// The users of an organisation (provider admins; a customer admin for their own).
#[utoipa::path(
    get, path = "/api/v1/organisations/{id}/users", tag = "users",
    params(("id" = i64, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "Users", body = Vec<UserView>),
        (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_users(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Vec<UserView>>, Problem> {
    check_user_admin(&state, &principal, id).await?;
    let users = state.db.users_of_organisation(id).await?;
    Ok(axum::Json(users.iter().map(UserView::from).collect()))
}

/// Create a user; the answer carries a one-time link on which they set their password.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "Created", body = NewUserView),
        (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "E-mail taken", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<Response, Problem> {
    let org = check_user_admin(&state, &principal, body.organisation_id).await?;
    let role = check_role(&org, &body.role, &principal)?;
    check_name("name", &body.name, 200)?;
    let email = body.email.trim();
    let email_ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !email.chars().any(char::is_whitespace)
        });
    if !email_ok {
        return Err(invalid(
            "user.invalid_email",
            format!("{email:?} is not an e-mail address"),
        )
        .with("field", "email"));
    }
    let language = parse_language(body.language.as_deref())?.unwrap_or(Language::Id);
    let now = state.clock.now();
    let user = state
        .db
        .create_user(&NewUser {
            organisation_id: org.id,
            email: email.to_owned(),
            name: body.name.trim().to_owned(),
            role,
            language,
            created_at: now,
        })
        .await?;
    let setup_link = crate::setup::issue_setup_link(&state.db, &user.email, &state.public_url, now)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::internal(&"the new user vanished"))?;
    Ok(created(
        format!("/api/v1/users/{}", user.id),
        NewUserView {
            user: UserView::from(&user),
            setup_link,
        },
    ))
}

/// Change a user's name, role, language, or disable them.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such user for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn update_user(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UserPatch>,
) -> Result<axum::Json<UserView>, Problem> {
    let user = state.db.get_user(id).await?;
    let org = check_user_admin(&state, &principal, user.organisation_id).await?;
    let role = body
        .role
        .as_deref()
        .map(|r| check_role(&org, r, &principal))
        .transpose()?;
    if let Some(name) = &body.name {
        check_name("name", name, 200)?;
    }
    if id == principal.user.id && (body.disabled == Some(true) || role.is_some()) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "user.self_change",
            "you cannot disable yourself or change your own role",
        ));
    }
    let update = UserUpdate {
        name: body.name.map(|n| n.trim().to_owned()),
        role,
        language: parse_language(body.language.as_deref())?,
        disabled: body.disabled,
    };
    let updated = state.db.update_user(id, &update).await?;
    if body.disabled == Some(true) {
        state
            .db
            .revoke_sessions_of_user(id, state.clock.now())
            .await?;
    }
    Ok(axum::Json(UserView::from(&updated)))
}

// --------------------------------------------------------------------------- contracts

/// Which policy a contract follows.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum PolicyBinding {
    /// A built-in preset by name (`innovasia`, `benemica`, …).
    Preset(String),
    /// An uploaded policy by id.
    Uploaded(i64),
}

impl From<&PolicyRef> for PolicyBinding {
    fn from(p: &PolicyRef) -> Self {
        match p {
            PolicyRef::Preset(name) => PolicyBinding::Preset(name.clone()),
            PolicyRef::Uploaded(id) => PolicyBinding::Uploaded(*id),
        }
    }
}

impl From<&PolicyBinding> for PolicyRef {
    fn from(p: &PolicyBinding) -> Self {
        match p {
            PolicyBinding::Preset(name) => PolicyRef::Preset(name.clone()),
            PolicyBinding::Uploaded(id) => PolicyRef::Uploaded(*id),
        }
    }
}

/// A contract.
#[derive(Serialize, ToSchema)]
pub struct ContractView {
    /// Id.
    pub id: i64,
    /// Provider organisation.
    pub provider_id: i64,
    /// Customer organisation.
    pub customer_org_id: i64,
    /// The policy.
    pub policy: PolicyBinding,
    /// Active add-ons.
    pub add_ons: Vec<String>,
    /// Monthly fee in minor units (sen, cents).
    pub monthly_fee_minor: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// First day of the term.
    pub term_start: String,
    /// Last day of the term.
    pub term_end: Option<String>,
    /// Only designated contacts may open tickets.
    pub designated_contacts_only: bool,
    /// Designated contacts (user ids).
    pub designated_contacts: Vec<i64>,
    /// Created (UTC).
    pub created_at: String,
}

impl From<&Contract> for ContractView {
    fn from(c: &Contract) -> Self {
        ContractView {
            id: c.id,
            provider_id: c.provider_id,
            customer_org_id: c.customer_org_id,
            policy: PolicyBinding::from(&c.policy),
            add_ons: c.add_ons.clone(),
            monthly_fee_minor: c.monthly_fee_minor,
            currency: c.currency.clone(),
            term_start: c.term_start.to_string(),
            term_end: c.term_end.map(|d| d.to_string()),
            designated_contacts_only: c.designated_contacts_only,
            designated_contacts: c.designated_contacts.clone(),
            created_at: ts(c.created_at),
        }
    }
}

/// Body of `POST /api/v1/contracts`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContractBody {
    /// Customer organisation.
    pub customer_org_id: i64,
    /// `{"preset": "innovasia"}` or `{"uploaded": 3}`.
    pub policy: PolicyBinding,
    /// Add-ons of the policy to activate.
    #[serde(default)]
    pub add_ons: Vec<String>,
    /// Monthly fee in minor units (≥ 0).
    #[serde(default)]
    pub monthly_fee_minor: i64,
    /// ISO 4217 currency (default IDR).
    pub currency: Option<String>,
    /// First day of the term, `YYYY-MM-DD`.
    pub term_start: String,
    /// Last day of the term, `YYYY-MM-DD`.
    pub term_end: Option<String>,
    /// Only designated contacts may open tickets.
    #[serde(default)]
    pub designated_contacts_only: bool,
    /// Designated contacts: users of the customer organisation.
    #[serde(default)]
    pub designated_contacts: Vec<i64>,
}

/// Body of `PUT /api/v1/contracts/{id}/policy`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPolicyBody {
    /// The new policy.
    pub policy: PolicyBinding,
    /// Add-ons to activate.
    #[serde(default)]
    pub add_ons: Vec<String>,
}

/// Answer of a policy change.
#[derive(Serialize, ToSchema)]
pub struct ContractPolicyChanged {
    /// The contract.
    pub contract: ContractView,
    /// Open tickets whose clocks were recomputed (each got a `policy_changed` event).
    pub recomputed: usize,
}

/// Body of `PUT /api/v1/contracts/{id}/contacts`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactsBody {
    /// Only designated contacts may open tickets.
    pub only: bool,
    /// The designated contacts (users of the customer organisation).
    pub user_ids: Vec<i64>,
}

fn parse_date(field: &str, text: &str) -> Result<Date, Problem> {
    text.parse::<Date>().map_err(|_| {
        invalid(
            "contract.invalid_date",
            format!("{field} {text:?} is not a date YYYY-MM-DD"),
        )
        .with("field", field)
    })
}

async fn check_policy(
    state: &AppState,
    policy: &PolicyRef,
    add_ons: &[String],
) -> Result<std::sync::Arc<Policy>, Problem> {
    if let PolicyRef::Preset(name) = policy
        && !PRESETS.contains(&name.as_str())
    {
        return Err(invalid(
            "contract.unknown_policy",
            format!("no preset {name:?} (use {})", PRESETS.join(", ")),
        )
        .with("field", "policy"));
    }
    if let PolicyRef::Uploaded(id) = policy {
        state.db.get_policy(*id).await.map_err(|_| {
            invalid(
                "contract.unknown_policy",
                format!("no uploaded policy {id}"),
            )
            .with("field", "policy")
        })?;
    }
    state
        .policies
        .resolve(&state.db, policy, add_ons)
        .await
        .map_err(|e| invalid("contract.unknown_add_on", e.to_string()).with("field", "add_ons"))
}

/// Contracts: all (staff, optionally of one customer) or one's own organisation's.
#[utoipa::path(
    get, path = "/api/v1/contracts", tag = "contracts",
    params(ContractsQuery),
    responses(
        (status = 200, description = "Contracts", body = Vec<ContractView>),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_contracts(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<ContractsQuery>,
) -> Result<axum::Json<Vec<ContractView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let orgs: Vec<i64> = match (principal.tenant(), query.customer) {
        (Some(own), Some(asked)) if own != asked => Vec::new(),
        (Some(own), _) => vec![own],
        (None, Some(asked)) => vec![asked],
        (None, None) => state
            .db
            .list_organisations(Some(OrgKind::Customer))
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect(),
    };
    let mut out = Vec::new();
    for org in orgs {
        for c in state.db.contracts_of_organisation(org).await? {
            out.push(ContractView::from(&c));
        }
    }
    Ok(axum::Json(out))
}

/// Query of `GET /api/v1/contracts`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContractsQuery {
    /// Only this customer organisation.
    pub customer: Option<i64>,
}

/// One contract.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}", tag = "contracts",
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, description = "The contract", body = ContractView),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_contract(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<ContractView>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let contract = state.db.get_contract(id, principal.tenant()).await?;
    Ok(axum::Json(ContractView::from(&contract)))
}

/// Query of `GET /api/v1/contracts/{id}/explain`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExplainQuery {
    /// `id` (default) or `en`.
    pub lang: Option<String>,
}

/// The contract's SLA in plain words (`tenggat policy explain`), in Bahasa Indonesia or
/// English.
#[utoipa::path(
    get, path = "/api/v1/contracts/{id}/explain", tag = "contracts",
    params(("id" = i64, Path, description = "Contract id"), ExplainQuery),
    responses(
        (status = 200, description = "Plain text", body = String, content_type = "text/plain"),
        (status = 400, description = "Unknown language", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn explain_contract(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<ExplainQuery>,
) -> Result<Response, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let lang = match query.lang.as_deref().unwrap_or("id") {
        "id" => Lang::Id,
        "en" => Lang::En,
        other => {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "request.invalid_query",
                format!("lang {other:?}: use id or en"),
            ));
        }
    };
    let contract = state.db.get_contract(id, principal.tenant()).await?;
    let policy = state.policies.for_contract(&state.db, &contract).await?;
    let text = tenggat_sla::explain(&policy, lang);
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// Create a contract binding a customer to a policy (provider admins).
#[utoipa::path(
    post, path = "/api/v1/contracts", tag = "contracts",
    request_body = NewContractBody,
    responses(
        (status = 201, description = "Created", body = ContractView),
        (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_contract(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<NewContractBody>,
) -> Result<Response, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    let customer = state
        .db
        .get_organisation(body.customer_org_id)
        .await
        .ok()
        .filter(|o| o.kind == OrgKind::Customer)
        .ok_or_else(|| {
            invalid(
                "contract.invalid_customer",
                format!("{} is not a customer organisation", body.customer_org_id),
            )
            .with("field", "customer_org_id")
        })?;
    let policy = PolicyRef::from(&body.policy);
    check_policy(&state, &policy, &body.add_ons).await?;
    let term_start = parse_date("term_start", &body.term_start)?;
    let term_end = body
        .term_end
        .as_deref()
        .map(|t| parse_date("term_end", t))
        .transpose()?;
    if term_end.is_some_and(|end| end < term_start) {
        return Err(
            invalid("contract.invalid_date", "term_end lies before term_start")
                .with("field", "term_end"),
        );
    }
    if body.monthly_fee_minor < 0 {
        return Err(
            invalid("contract.invalid_fee", "monthly_fee_minor must be ≥ 0")
                .with("field", "monthly_fee_minor"),
        );
    }
    let currency = body.currency.clone().unwrap_or_else(|| "IDR".into());
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(invalid(
            "contract.invalid_currency",
            format!("currency {currency:?}: use an ISO 4217 code such as IDR or USD"),
        )
        .with("field", "currency"));
    }
    check_contacts(&state, customer.id, &body.designated_contacts).await?;
    let provider = state
        .db
        .get_organisation(principal.user.organisation_id)
        .await?;
    let contract = state
        .db
        .create_contract(&NewContract {
            provider_id: provider.id,
            customer_org_id: customer.id,
            policy,
            add_ons: body.add_ons.clone(),
            monthly_fee_minor: body.monthly_fee_minor,
            currency,
            term_start,
            term_end,
            designated_contacts_only: body.designated_contacts_only,
            designated_contacts: body.designated_contacts.clone(),
            created_at: state.clock.now(),
        })
        .await?;
    Ok(created(
        format!("/api/v1/contracts/{}", contract.id),
        ContractView::from(&contract),
    ))
}

async fn check_contacts(state: &AppState, customer: i64, users: &[i64]) -> Result<(), Problem> {
    for id in users {
        let ok = state
            .db
            .get_user(*id)
            .await
            .is_ok_and(|u| u.organisation_id == customer);
        if !ok {
            return Err(invalid(
                "contract.invalid_contact",
                format!("user {id} is not a user of customer {customer}"),
            )
            .with("field", "designated_contacts"));
        }
    }
    Ok(())
}

/// Point a contract at another policy (or other add-ons). Every open ticket of the contract
/// gets a `policy_changed` event and its clocks are recomputed from its full history under the
/// new policy; closed tickets keep the figures they were closed with.
#[utoipa::path(
    put, path = "/api/v1/contracts/{id}/policy", tag = "contracts",
    params(("id" = i64, Path, description = "Contract id")),
    request_body = ContractPolicyBody,
    responses(
        (status = 200, description = "Changed", body = ContractPolicyChanged),
        (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such contract", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid policy, or open tickets it cannot take", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn set_contract_policy(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ContractPolicyBody>,
) -> Result<axum::Json<ContractPolicyChanged>, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    let old = state.db.get_contract(id, None).await?;
    let policy_ref = PolicyRef::from(&body.policy);
    let policy = check_policy(&state, &policy_ref, &body.add_ons).await?;
    // Every open ticket must fold under the new policy before anything changes.
    let open = state.db.open_tickets_of_contract(id).await?;
    let now = state.clock.now();
    let mut planned = Vec::with_capacity(open.len());
    for ticket_id in &open {
        let ticket = state.db.get_ticket(*ticket_id, None).await?;
        let events = state.db.ticket_events(*ticket_id, None, true).await?;
        desk::sla_of_events(&policy, &events, now).map_err(|e| {
            invalid(
                "contract.policy_does_not_fit",
                format!(
                    "open ticket {} cannot be evaluated under the new policy: {e}",
                    ticket.display_number()
                ),
            )
        })?;
        planned.push(ticket);
    }
    let contract = state
        .db
        .set_contract_policy(id, &policy_ref, &body.add_ons)
        .await?;
    let payload = json!({
        "from": PolicyBinding::from(&old.policy),
        "from_add_ons": old.add_ons,
        "to": PolicyBinding::from(&contract.policy),
        "to_add_ons": contract.add_ons,
    });
    let binding = StoredBinding {
        policy: contract.policy.clone(),
        add_ons: contract.add_ons.clone(),
    };
    let mut recomputed = 0;
    for ticket in planned {
        recompute_with_event(&state, &policy, &binding, ticket.id, &principal, &payload).await?;
        recomputed += 1;
    }
    Ok(axum::Json(ContractPolicyChanged {
        contract: ContractView::from(&contract),
        recomputed,
    }))
}

/// Appends `policy_changed` to a ticket with its SLA cache folded under `policy`.
async fn recompute_with_event(
    state: &AppState,
    policy: &Policy,
    binding: &StoredBinding,
    ticket_id: i64,
    principal: &Principal,
    payload: &serde_json::Value,
) -> Result<(), Problem> {
    for _ in 0..5 {
        let ticket = state.db.get_ticket(ticket_id, None).await?;
        let events = state.db.ticket_events(ticket_id, None, true).await?;
        let now = state.clock.now();
        let at = events
            .last()
            .map_or(now, |last| if last.at > now { last.at } else { now });
        let sla = desk::sla_of_events(policy, &events, now)?;
        let event = NewEvent {
            at,
            event_type: "policy_changed".into(),
            payload: payload.clone(),
            actor_id: Some(principal.user.id),
            visibility: Visibility::Public,
        };
        let update = TicketUpdate {
            sla: Some(sla.cache()),
            expected_seq: Some(ticket.last_seq),
            policy: Some(binding.clone()),
            ..TicketUpdate::default()
        };
        match state
            .db
            .append_event(ticket_id, None, &event, &update)
            .await
        {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Problem::new(
        StatusCode::CONFLICT,
        "ticket.busy",
        format!("ticket {ticket_id} kept changing; retry"),
    ))
}

/// Replace a contract's designated contacts (provider admins, or the customer's admin).
#[utoipa::path(
    put, path = "/api/v1/contracts/{id}/contacts", tag = "contracts",
    params(("id" = i64, Path, description = "Contract id")),
    request_body = ContactsBody,
    responses(
        (status = 200, description = "The contract", body = ContractView),
        (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such contract for this user", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Not users of the customer", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn set_contacts(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ContactsBody>,
) -> Result<axum::Json<ContractView>, Problem> {
    let contract = state.db.get_contract(id, principal.tenant()).await?;
    principal.require(roles::USER_ADMINS, Scope::Admin)?;
    check_contacts(&state, contract.customer_org_id, &body.user_ids).await?;
    let contract = state
        .db
        .set_designated_contacts(id, body.only, &body.user_ids)
        .await?;
    Ok(axum::Json(ContractView::from(&contract)))
}

// ---------------------------------------------------------------------------- policies

/// A policy: a preset or an uploaded version.
#[derive(Serialize, ToSchema)]
pub struct PolicyView {
    /// `{"preset": name}` or `{"uploaded": id}`: what a contract names.
    pub binding: PolicyBinding,
    /// The policy's own id.
    pub policy_id: String,
    /// Its version text.
    pub version: String,
    /// Name in English.
    pub name_en: String,
    /// Name in Bahasa Indonesia.
    pub name_id: String,
    /// Priorities, most urgent first.
    pub priorities: Vec<String>,
    /// Add-ons.
    pub add_ons: Vec<String>,
    /// Upload version (uploaded policies).
    pub upload_version: Option<i64>,
    /// Uploaded (UTC).
    pub created_at: Option<String>,
    /// The TOML source (single-policy answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

fn policy_view(binding: PolicyBinding, p: &Policy, stored: Option<&StoredPolicy>) -> PolicyView {
    PolicyView {
        binding,
        policy_id: p.id.clone(),
        version: p.version.clone(),
        name_en: p.name.en.clone(),
        name_id: p.name.id.clone(),
        priorities: p.priorities.iter().map(|x| x.id.clone()).collect(),
        add_ons: p.addons.iter().map(|a| a.id.clone()).collect(),
        upload_version: stored.map(|s| s.version),
        created_at: stored.map(|s| ts(s.created_at)),
        source: None,
    }
}

/// Body of `POST /api/v1/policies`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadPolicy {
    /// The policy file (TOML), as `tenggat policy check` reads it.
    pub source: String,
}

/// The presets and every uploaded policy version (provider staff).
#[utoipa::path(
    get, path = "/api/v1/policies", tag = "policies",
    responses(
        (status = 200, description = "Policies", body = Vec<PolicyView>),
        (status = 403, description = "Customers cannot", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_policies(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<axum::Json<Vec<PolicyView>>, Problem> {
    principal.require(roles::STAFF, Scope::TicketsRead)?;
    let mut out = Vec::new();
    for name in PRESETS {
        let p = state
            .policies
            .resolve(&state.db, &PolicyRef::Preset((*name).into()), &[])
            .await?;
        out.push(policy_view(PolicyBinding::Preset((*name).into()), &p, None));
    }
    for stored in state.db.list_policies().await? {
        let p = state
            .policies
            .resolve(&state.db, &PolicyRef::Uploaded(stored.id), &[])
            .await?;
        out.push(policy_view(
            PolicyBinding::Uploaded(stored.id),
            &p,
            Some(&stored),
        ));
    }
    Ok(axum::Json(out))
}

/// One uploaded policy with its source.
#[utoipa::path(
    get, path = "/api/v1/policies/{id}", tag = "policies",
    params(("id" = i64, Path, description = "Uploaded policy id")),
    responses(
        (status = 200, description = "The policy", body = PolicyView),
        (status = 404, description = "No such policy", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_policy(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<PolicyView>, Problem> {
    principal.require(roles::STAFF, Scope::TicketsRead)?;
    let stored = state.db.get_policy(id).await?;
    let p = state
        .policies
        .resolve(&state.db, &PolicyRef::Uploaded(id), &[])
        .await?;
    let mut view = policy_view(PolicyBinding::Uploaded(id), &p, Some(&stored));
    view.source = Some(stored.source);
    Ok(axum::Json(view))
}

/// Upload a policy (provider admins). It is validated exactly as `tenggat policy check`
/// does; an invalid one is 422 with the error's code, line, column and field. Versions count
/// up per policy id.
#[utoipa::path(
    post, path = "/api/v1/policies", tag = "policies",
    request_body = UploadPolicy,
    responses(
        (status = 201, description = "Stored", body = PolicyView),
        (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, description = "Invalid policy", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn upload_policy(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<UploadPolicy>,
) -> Result<Response, Problem> {
    principal.require(roles::ADMINS, Scope::Admin)?;
    let compiled = Policy::from_toml(&body.source).map_err(|e| {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.code, e.to_string())
            .with("line", e.location.line)
            .with("column", e.location.column)
            .with("field", e.location.field.clone())
    })?;
    let stored = state
        .db
        .create_policy(&NewPolicy {
            name: compiled.id.clone(),
            source: body.source.clone(),
            created_by: Some(principal.user.id),
            created_at: state.clock.now(),
        })
        .await?;
    Ok(created(
        format!("/api/v1/policies/{}", stored.id),
        policy_view(PolicyBinding::Uploaded(stored.id), &compiled, Some(&stored)),
    ))
}

// --------------------------------------------------------------------------- calendars

/// A built-in calendar.
#[derive(Serialize, ToSchema)]
pub struct CalendarView {
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub timezone: String,
    /// Length of one business day (`1bd`) in seconds.
    pub business_day_seconds: i64,
    /// Working intervals Monday to Sunday, `HH:MM-HH:MM`.
    pub week: Vec<Vec<String>>,
    /// Holiday sets and the dates each covers.
    #[schema(value_type = Vec<Object>)]
    pub holiday_sets: Vec<serde_json::Value>,
    /// Holidays from `from` for `days` days (detail answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub holidays: Option<Vec<serde_json::Value>>,
}

fn calendar_view(cal: &tenggat_time::Calendar) -> CalendarView {
    CalendarView {
        name: cal.name().to_owned(),
        timezone: cal.timezone_name().to_owned(),
        business_day_seconds: cal.business_day_nanos() / 1_000_000_000,
        week: cal
            .week()
            .iter()
            .map(|day| day.iter().map(ToString::to_string).collect())
            .collect(),
        holiday_sets: cal
            .holiday_sets()
            .iter()
            .map(|s| {
                json!({
                    "set": s.set,
                    "covers_from": s.coverage.as_ref().map(|c| c.first.to_string()),
                    "covers_to": s.coverage.as_ref().map(|c| c.last.to_string()),
                })
            })
            .collect(),
        holidays: None,
    }
}

/// The built-in calendars.
#[utoipa::path(
    get, path = "/api/v1/calendars", tag = "calendars",
    responses(
        (status = 200, description = "Calendars", body = Vec<CalendarView>),
        (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_calendars(
    principal: Principal,
) -> Result<axum::Json<Vec<CalendarView>>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    Ok(axum::Json(
        tenggat_time::BUILTIN_CALENDARS
            .iter()
            .filter_map(|name| tenggat_time::builtin(name))
            .map(|cal| calendar_view(&cal))
            .collect(),
    ))
}

/// Query of `GET /api/v1/calendars/{name}`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// First date of the holiday list, `YYYY-MM-DD` (default: 1 January of this year).
    pub from: Option<String>,
    /// Days, 1–3660 (default 366).
    pub days: Option<u32>,
}

/// One built-in calendar with its holidays in a range.
#[utoipa::path(
    get, path = "/api/v1/calendars/{name}", tag = "calendars",
    params(("name" = String, Path, description = "Calendar name"), CalendarQuery),
    responses(
        (status = 200, description = "The calendar", body = CalendarView),
        (status = 400, description = "Bad query", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "No such calendar", body = ProblemBody, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_calendar(
    State(state): State<AppState>,
    principal: Principal,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<CalendarQuery>,
) -> Result<axum::Json<CalendarView>, Problem> {
    principal.require(roles::ANY, Scope::TicketsRead)?;
    let cal = tenggat_time::builtin(&name).ok_or_else(|| not_found("calendar"))?;
    let bad = |d: String| Problem::new(StatusCode::BAD_REQUEST, "request.invalid_query", d);
    let from = match &query.from {
        Some(text) => text
            .parse::<Date>()
            .map_err(|_| bad(format!("from {text:?} is not a date YYYY-MM-DD")))?,
        None => {
            let today = state.clock.now().to_zoned(cal.timezone().clone()).date();
            Date::new(today.year(), 1, 1).map_err(|e| Problem::internal(&e))?
        }
    };
    let days = query.days.unwrap_or(366);
    if !(1..=3660).contains(&days) {
        return Err(bad(format!("days {days}: use 1 to 3660")));
    }
    let until = from
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .map_err(|_| bad("the range leaves the supported dates".into()))?;
    let mut view = calendar_view(&cal);
    view.holidays = Some(
        cal.holidays()
            .iter()
            .filter(|h| h.date >= from && h.date < until)
            .map(|h| {
                json!({
                    "date": h.date.to_string(),
                    "set": h.set,
                    "name_id": h.name_id,
                    "name_en": h.name_en,
                    "source": h.source,
                })
            })
            .collect(),
    );
    Ok(axum::Json(view))
}
