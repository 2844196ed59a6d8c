//! `GET /admin/contracts` (the provider's administrators): every contract with its customer,
//! its policy (a preset, or an uploaded policy's id and version) and add-ons, and per contract
//! a form to choose a preset and a form to upload a policy file. Both go through the API's own
//! handlers (`POST /api/v1/policies`, `PUT /api/v1/contracts/{id}/policy`); a file with errors
//! is listed with the same text as `tenggat policy check` ([`PolicyError::check_text`]) and
//! nothing changes.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tenggat_sla::{PRESETS, Policy, PolicyError};
use tenggat_store::{Language, PolicyRef, Role, Store};

use super::super::view::Choice;
use super::super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::admin::{self, ContractPolicyBody, ContractsQuery, PolicyBinding, UploadPolicy};
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::Problem;

/// What the page's forms do, by the name in their path.
pub const ACTIONS: &[&str] = &["preset", "upload"];

/// Query of the page.
#[derive(Debug, Default, Deserialize)]
pub struct ContractsPageQuery {
    #[serde(default)]
    done: String,
}

/// One contract as the page shows it.
#[derive(Debug, Clone)]
pub struct ContractRow {
    /// Its id.
    pub id: i64,
    /// The customer's name.
    pub customer: String,
    /// The policy in words: `preset innovasia (2026.1)` or `uploaded #3: acme 1.0`.
    pub policy: String,
    /// Its add-ons, comma-separated.
    pub add_ons: String,
    /// The presets to choose from, the current one chosen.
    pub presets: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "portal/admin_contracts.html")]
struct ContractsPage {
    ui: Ui,
    rows: Vec<ContractRow>,
    flash: String,
    /// The contract whose upload was refused, and the errors of its file.
    error_contract: String,
    errors: Vec<String>,
}

/// A policy binding in words, in `lang`.
pub fn policy_label(lang: Language, binding: &PolicyRef, policy: Option<&Policy>) -> String {
    let version = policy.map(|p| p.version.clone()).unwrap_or_default();
    match binding {
        PolicyRef::Preset(name) => i18n::tr_args(
            lang,
            "admin-policy-preset",
            &[("name", name.clone()), ("version", version)],
        ),
        PolicyRef::Uploaded(id) => i18n::tr_args(
            lang,
            "admin-policy-uploaded",
            &[
                ("upload", id.to_string()),
                ("id", policy.map(|p| p.id.clone()).unwrap_or_default()),
                ("version", version),
            ],
        ),
    }
}

/// The lines a policy file with errors is shown with: as `tenggat policy check` writes them
/// after `tenggat: error: `.
pub fn error_lines(file_name: &str, e: &PolicyError) -> Vec<String> {
    let name = if file_name.trim().is_empty() {
        "policy.toml"
    } else {
        file_name.trim()
    };
    vec![format!("{name}: {}", e.check_text())]
}

/// Add-ons written comma-separated, as a list.
fn add_on_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn forbidden(lang: Language) -> PortalError {
    PortalError::new(lang, StatusCode::FORBIDDEN, "error-forbidden")
}

/// The provider's administrators only (the API refuses the rest too).
fn require_admin(viewer: &Viewer) -> Result<(), PortalError> {
    if viewer.principal.user.role == Role::Admin {
        Ok(())
    } else {
        Err(forbidden(viewer.lang()))
    }
}

async fn rows(state: &AppState, viewer: &Viewer) -> Result<Vec<ContractRow>, Problem> {
    let lang = viewer.lang();
    let contracts = admin::list_contracts(
        State(state.clone()),
        viewer.principal.clone(),
        ApiQuery(ContractsQuery { customer: None }),
    )
    .await?
    .0;
    let mut out = Vec::new();
    for c in contracts {
        let customer = state.db.get_organisation(c.customer_org_id).await?.name;
        let binding = PolicyRef::from(&c.policy);
        let policy = state.policies.resolve(&state.db, &binding, &[]).await.ok();
        let current = match &binding {
            PolicyRef::Preset(name) => name.clone(),
            PolicyRef::Uploaded(_) => String::new(),
        };
        out.push(ContractRow {
            id: c.id,
            customer,
            policy: policy_label(lang, &binding, policy.as_deref()),
            add_ons: c.add_ons.join(", "),
            presets: PRESETS
                .iter()
                .map(|p| Choice {
                    value: (*p).to_owned(),
                    label: (*p).to_owned(),
                    selected: *p == current,
                    ..Choice::default()
                })
                .collect(),
        });
    }
    Ok(out)
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    flash: String,
    error_contract: i64,
    errors: Vec<String>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let rows = rows(state, viewer)
        .await
        .map_err(|p| PortalError::from_problem(lang, p))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ContractsPage {
        ui: viewer.ui("admin"),
        rows,
        flash,
        error_contract: error_contract.to_string(),
        errors,
    };
    Ok((status, render(lang, &page)).into_response())
}

/// `GET /admin/contracts`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ContractsPageQuery>,
) -> Result<Response, PortalError> {
    require_admin(&viewer)?;
    let flash = if ACTIONS.contains(&query.done.as_str()) {
        i18n::tr(viewer.lang(), &format!("admin-done-{}", query.done))
    } else {
        String::new()
    };
    show(&state, &viewer, flash, 0, Vec::new()).await
}

/// The preset form.
#[derive(Debug, Deserialize)]
pub struct PresetForm {
    csrf: String,
    #[serde(default)]
    preset: String,
    #[serde(default)]
    add_ons: String,
}

/// `POST /admin/contracts/{id}/preset`.
pub async fn set_preset(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<PresetForm>,
) -> Result<Response, PortalError> {
    viewer.check_csrf(&form.csrf)?;
    let lang = viewer.lang();
    let _changed = admin::set_contract_policy(
        State(state),
        viewer.principal.clone(),
        Path(id),
        ApiJson(ContractPolicyBody {
            policy: PolicyBinding::Preset(form.preset.trim().to_owned()),
            add_ons: add_on_list(&form.add_ons),
        }),
    )
    .await
    .map_err(|p| PortalError::from_problem(lang, p))?;
    Ok(Redirect::to(&format!("/admin/contracts?done=preset#contract-{id}")).into_response())
}

/// What the upload form sent.
#[derive(Debug, Default)]
struct Upload {
    csrf: String,
    add_ons: String,
    file_name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut out = Upload::default();
    while let Some(part) = multipart.next_field().await.map_err(|e| e.to_string())? {
        let name = part.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                out.file_name = part.file_name().unwrap_or_default().to_owned();
                out.bytes = part.bytes().await.map_err(|e| e.to_string())?.to_vec();
            }
            "csrf" => out.csrf = part.text().await.map_err(|e| e.to_string())?,
            "add_ons" => out.add_ons = part.text().await.map_err(|e| e.to_string())?,
            _ => {}
        }
    }
    Ok(out)
}

/// The id of an uploaded policy from the API's `Location` answer.
fn uploaded_id(response: &Response) -> Option<i64> {
    response
        .headers()
        .get(header::LOCATION)?
        .to_str()
        .ok()?
        .rsplit('/')
        .next()?
        .parse()
        .ok()
}

/// `POST /admin/contracts/{id}/upload` (multipart: `csrf`, `add_ons`, `file`).
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let sent = read_upload(multipart).await.map_err(|detail| {
        fail(Problem::new(
            StatusCode::BAD_REQUEST,
            "request.invalid",
            detail,
        ))
    })?;
    viewer.check_csrf(&sent.csrf)?;
    require_admin(&viewer)?;
    // The contract must be one the API lets the viewer reach before anything is read.
    let _reachable = admin::get_contract(State(state.clone()), viewer.principal.clone(), Path(id))
        .await
        .map_err(fail)?;
    let Ok(source) = String::from_utf8(sent.bytes) else {
        return show(
            &state,
            &viewer,
            String::new(),
            id,
            vec![i18n::tr(lang, "admin-upload-not-text")],
        )
        .await;
    };
    if source.trim().is_empty() {
        return show(
            &state,
            &viewer,
            String::new(),
            id,
            vec![i18n::tr(lang, "admin-upload-empty")],
        )
        .await;
    }
    if let Err(e) = Policy::from_toml(&source) {
        return show(
            &state,
            &viewer,
            String::new(),
            id,
            error_lines(&sent.file_name, &e),
        )
        .await;
    }
    let stored = admin::upload_policy(
        State(state.clone()),
        viewer.principal.clone(),
        ApiJson(UploadPolicy { source }),
    )
    .await
    .map_err(fail)?;
    let Some(policy_id) = uploaded_id(&stored) else {
        return Err(fail(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "portal.upload",
            "the stored policy has no id",
        )));
    };
    let _changed = admin::set_contract_policy(
        State(state),
        viewer.principal.clone(),
        Path(id),
        ApiJson(ContractPolicyBody {
            policy: PolicyBinding::Uploaded(policy_id),
            add_ons: add_on_list(&sent.add_ons),
        }),
    )
    .await
    .map_err(fail)?;
    Ok(Redirect::to(&format!("/admin/contracts?done=upload#contract-{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_file_reads_as_policy_check_writes_it() {
        let Err(e) = Policy::from_toml("id = \"x\"\nversion = 3\n") else {
            panic!("an incomplete policy compiled");
        };
        let lines = error_lines("bad.toml", &e);
        assert_eq!(lines, vec![format!("bad.toml: {}", e.check_text())]);
        assert_eq!(
            error_lines(" ", &e)[0],
            format!("policy.toml: {}", e.check_text())
        );
    }

    #[test]
    fn add_ons_and_policies_in_words() {
        assert_eq!(add_on_list(" a, ,b "), vec!["a".to_owned(), "b".to_owned()]);
        let p = tenggat_sla::preset("innovasia")
            .expect("preset")
            .expect("compiles");
        let label = policy_label(
            Language::En,
            &PolicyRef::Preset("innovasia".into()),
            Some(&p),
        );
        assert_eq!(label, format!("preset innovasia, version {}", p.version));
        let label = policy_label(Language::Id, &PolicyRef::Uploaded(7), Some(&p));
        assert_eq!(label, format!("unggahan #7: {} versi {}", p.id, p.version));
        for lang in [Language::Id, Language::En] {
            for a in ACTIONS {
                assert!(i18n::has(lang, &format!("admin-done-{a}")));
            }
        }
    }
}
