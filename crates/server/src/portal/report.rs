//! "Report an incident": the form built from the contract's policy (its priorities with their
//! impact and examples, its kinds, attributes and mandatory fields, attachments with the size
//! limit shown), sent as `multipart/form-data` and filed through the API's own handler, so the
//! portal accepts and refuses exactly what `POST /api/v1/tickets` does. A refused report comes
//! back with every value kept and the missing fields marked.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tenggat_sla::{FieldType, Policy};
use tenggat_store::{Contract, Store};

use super::view::{Choice, text_in};
use super::{PortalError, Ui, Viewer, i18n, render};
use crate::AppState;
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::tickets;
use crate::views::{CreateTicket, InlineFile};

/// Time zones offered for "first observed" (the contract's zone is chosen first).
const ZONES: &[&str] = &[
    "Asia/Jakarta",
    "Asia/Makassar",
    "Asia/Jayapura",
    "Asia/Singapore",
    "Europe/Amsterdam",
    "UTC",
];

/// Query of the form: which contract.
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    contract: Option<i64>,
}

/// A field of the form.
#[derive(Debug, Clone)]
pub struct FieldView {
    /// Form name (`f.<id>`, `f.<id>.name`…).
    pub id: String,
    /// `text`, `email`, `phone`, `datetime`, `attachment`, `person`.
    pub kind: &'static str,
    /// Label.
    pub label: String,
    /// Help text.
    pub help: String,
    /// Mandatory.
    pub required: bool,
    /// Value kept from a refused attempt (for `person`: the name).
    pub value: String,
    /// A person's e-mail and phone kept.
    pub email: String,
    /// A person's phone kept.
    pub phone: String,
    /// A date-time's zone kept.
    pub zone: String,
    /// Missing in a refused attempt.
    pub missing: bool,
}

#[derive(Template)]
#[template(path = "portal/new_ticket.html")]
struct NewTicketPage {
    ui: Ui,
    contract_id: i64,
    contracts: Vec<Choice>,
    /// For the provider's team: the customer and contract the report is filed for.
    on_behalf: String,
    priorities: Vec<Choice>,
    kinds: Vec<Choice>,
    attributes: Vec<(String, String, Vec<Choice>)>,
    fields: Vec<FieldView>,
    zones: Vec<Choice>,
    title: String,
    description: String,
    max_mb: String,
    error: String,
    missing_names: Vec<String>,
}

/// What the customer sent (or nothing yet).
#[derive(Default)]
struct Sent {
    csrf: String,
    contract: Option<i64>,
    priority: String,
    kind: String,
    title: String,
    description: String,
    attributes: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    files: Vec<InlineFile>,
}

/// A contract's policy in a word: its preset, or the uploaded policy's id.
fn policy_label(policy: &tenggat_store::PolicyRef) -> String {
    match policy {
        tenggat_store::PolicyRef::Preset(name) => name.clone(),
        tenggat_store::PolicyRef::Uploaded(id) => format!("policy {id}"),
    }
}

fn field_kind(t: FieldType) -> &'static str {
    match t {
        FieldType::Text => "text",
        FieldType::Email => "email",
        FieldType::Phone => "phone",
        FieldType::Datetime => "datetime",
        FieldType::Attachment => "attachment",
        FieldType::Person => "person",
    }
}

/// The contracts the viewer may report under, each with its label, the one chosen, and its
/// policy. A customer reports under its own contracts; the provider's team on behalf of any
/// customer of the provider (the label names the customer).
async fn contracts(
    state: &AppState,
    viewer: &Viewer,
    wanted: Option<i64>,
) -> Result<(Vec<(Contract, String)>, Contract, std::sync::Arc<Policy>), Problem> {
    let list: Vec<(Contract, String)> = match viewer.principal.tenant() {
        Some(org) => state
            .db
            .contracts_of_organisation(org)
            .await?
            .into_iter()
            .map(|c| {
                let label = format!("#{} · {}", c.id, policy_label(&c.policy));
                (c, label)
            })
            .collect(),
        None => {
            let mut all = Vec::new();
            for org in state
                .db
                .list_organisations(Some(tenggat_store::OrgKind::Customer))
                .await?
            {
                for c in state.db.contracts_of_organisation(org.id).await? {
                    if c.provider_id == viewer.org.id {
                        let label =
                            format!("{} · #{} · {}", org.name, c.id, policy_label(&c.policy));
                        all.push((c, label));
                    }
                }
            }
            all
        }
    };
    let chosen = match wanted {
        Some(id) => list.iter().find(|c| c.0.id == id).map(|c| c.0.clone()),
        None => list.first().map(|c| c.0.clone()),
    };
    let chosen = chosen.ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "store.not_found",
            "no contract to report under",
        )
    })?;
    let policy = state.policies.for_contract(&state.db, &chosen).await?;
    Ok((list, chosen, policy))
}

#[allow(clippy::too_many_arguments)]
fn page(
    viewer: &Viewer,
    state: &AppState,
    list: &[(Contract, String)],
    contract: &Contract,
    policy: &Policy,
    sent: &Sent,
    missing: &BTreeSet<String>,
    error: String,
) -> NewTicketPage {
    let lang = viewer.lang();
    let zone = policy
        .calendars
        .get(&policy.default_calendar)
        .map(|c| c.timezone_name().to_owned())
        .unwrap_or_else(|| "UTC".to_owned());
    let fields: Vec<FieldView> = policy
        .fields
        .iter()
        .map(|f| FieldView {
            id: f.id.clone(),
            kind: field_kind(f.field_type),
            label: text_in(lang, &f.name),
            help: f
                .help
                .as_ref()
                .map(|h| text_in(lang, h))
                .unwrap_or_default(),
            required: f.required,
            value: sent.values.get(&f.id).cloned().unwrap_or_default(),
            email: sent
                .values
                .get(&format!("{}.email", f.id))
                .cloned()
                .unwrap_or_default(),
            phone: sent
                .values
                .get(&format!("{}.phone", f.id))
                .cloned()
                .unwrap_or_default(),
            zone: sent
                .values
                .get(&format!("{}.zone", f.id))
                .cloned()
                .unwrap_or_else(|| zone.clone()),
            missing: missing.contains(&f.id),
        })
        .collect();
    let missing_names = fields
        .iter()
        .filter(|f| f.missing)
        .map(|f| f.label.clone())
        .collect();
    let mut zones: Vec<&str> = vec![zone.as_str()];
    zones.extend(ZONES.iter().filter(|z| **z != zone));
    NewTicketPage {
        ui: viewer.ui("new"),
        contract_id: contract.id,
        contracts: list
            .iter()
            .map(|(c, label)| Choice {
                value: c.id.to_string(),
                label: label.clone(),
                selected: c.id == contract.id,
                ..Choice::default()
            })
            .collect(),
        on_behalf: if viewer.principal.is_staff() {
            list.iter()
                .find(|(c, _)| c.id == contract.id)
                .map(|(_, label)| label.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
        priorities: policy
            .priorities
            .iter()
            .map(|p| Choice {
                value: p.id.clone(),
                label: text_in(lang, &p.name),
                help: text_in(lang, &p.impact),
                examples: p.examples.iter().map(|e| text_in(lang, e)).collect(),
                selected: p.id == sent.priority,
            })
            .collect(),
        kinds: policy
            .kinds
            .iter()
            .map(|k| Choice {
                value: k.id.clone(),
                label: text_in(lang, &k.name),
                help: text_in(lang, &k.description),
                selected: k.id == sent.kind,
                ..Choice::default()
            })
            .collect(),
        attributes: policy
            .attributes
            .iter()
            .map(|a| {
                let chosen = sent.attributes.get(&a.id);
                (
                    a.id.clone(),
                    text_in(lang, &a.name),
                    a.values
                        .iter()
                        .map(|v| Choice {
                            value: v.clone(),
                            label: v.clone(),
                            selected: chosen == Some(v),
                            ..Choice::default()
                        })
                        .collect(),
                )
            })
            .collect(),
        fields,
        zones: zones
            .into_iter()
            .map(|z| Choice {
                value: z.to_owned(),
                label: z.to_owned(),
                ..Choice::default()
            })
            .collect(),
        title: sent.title.clone(),
        description: sent.description.clone(),
        max_mb: format!("{:.0}", state.max_attachment_bytes as f64 / 1_048_576.0),
        error,
        missing_names,
    }
}

/// `GET /tickets/new`: the report form of the viewer's contract.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let (list, contract, policy) = contracts(&state, &viewer, query.contract)
        .await
        .map_err(fail)?;
    let view = page(
        &viewer,
        &state,
        &list,
        &contract,
        &policy,
        &Sent::default(),
        &BTreeSet::new(),
        String::new(),
    );
    Ok(render(lang, &view))
}

/// Reads the multipart form.
async fn read(mut multipart: Multipart) -> Result<Sent, String> {
    let mut sent = Sent::default();
    while let Some(part) = multipart.next_field().await.map_err(|e| e.to_string())? {
        let name = part.name().unwrap_or_default().to_owned();
        if let Some(field) = name.strip_prefix("file.") {
            let file_name = part.file_name().unwrap_or_default().to_owned();
            let content_type = part.content_type().map(str::to_owned);
            let bytes = part.bytes().await.map_err(|e| e.to_string())?;
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            sent.files.push(InlineFile {
                field: Some(field.to_owned()),
                file_name,
                content_type,
                content_base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
            });
            continue;
        }
        let value = part.text().await.map_err(|e| e.to_string())?;
        match name.as_str() {
            "csrf" => sent.csrf = value,
            "contract" => sent.contract = value.parse().ok(),
            "priority" => sent.priority = value,
            "kind" => sent.kind = value,
            "title" => sent.title = value,
            "description" => sent.description = value,
            other => {
                if let Some(a) = other.strip_prefix("a.") {
                    if !value.is_empty() {
                        sent.attributes.insert(a.to_owned(), value);
                    }
                } else if let Some(f) = other.strip_prefix("f.") {
                    sent.values.insert(f.to_owned(), value);
                }
            }
        }
    }
    Ok(sent)
}

/// The policy's field values as the API takes them.
fn field_values(
    policy: &Policy,
    sent: &Sent,
    files: &[InlineFile],
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for f in &policy.fields {
        let get = |suffix: &str| {
            sent.values
                .get(&format!("{}{suffix}", f.id))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        match f.field_type {
            FieldType::Attachment => {
                if files.iter().any(|x| x.field.as_deref() == Some(&f.id)) {
                    continue;
                }
            }
            FieldType::Person => {
                let (name, email, phone) = (get(""), get(".email"), get(".phone"));
                if !(name.is_empty() && email.is_empty() && phone.is_empty()) {
                    let mut person = Map::new();
                    person.insert("name".into(), json!(name));
                    if !email.is_empty() {
                        person.insert("email".into(), json!(email));
                    }
                    if !phone.is_empty() {
                        person.insert("phone".into(), json!(phone));
                    }
                    out.insert(f.id.clone(), Value::Object(person));
                }
            }
            FieldType::Datetime => {
                let local = get("");
                if !local.is_empty() {
                    let zone = get(".zone");
                    let tz = TimeZone::get(&zone).map_err(|_| format!("{zone}?"))?;
                    let civil: DateTime = local
                        .parse()
                        .map_err(|_| format!("{local:?} is not a date and time"))?;
                    let zoned = civil.to_zoned(tz).map_err(|e| e.to_string())?;
                    out.insert(f.id.clone(), json!(zoned.timestamp().to_string()));
                }
            }
            _ => {
                let v = get("");
                if !v.is_empty() {
                    out.insert(f.id.clone(), json!(v));
                }
            }
        }
    }
    Ok(out)
}

/// `POST /tickets/new`: files the report, or shows the form again with what is wrong.
pub async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Multipart,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let mut sent = read(multipart).await.map_err(|detail| {
        fail(Problem::new(
            StatusCode::BAD_REQUEST,
            "request.invalid",
            detail,
        ))
    })?;
    viewer.check_csrf(&sent.csrf)?;
    let files = std::mem::take(&mut sent.files);
    let (list, contract, policy) = contracts(&state, &viewer, sent.contract)
        .await
        .map_err(fail)?;
    let again = |missing: BTreeSet<String>, error: String, status: StatusCode| {
        let view = page(
            &viewer, &state, &list, &contract, &policy, &sent, &missing, error,
        );
        (status, render(lang, &view)).into_response()
    };
    if sent.priority.is_empty() {
        let error = i18n::tr(lang, "report-choose-priority");
        return Ok(again(
            BTreeSet::new(),
            error,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let fields = match field_values(&policy, &sent, &files) {
        Ok(f) => f,
        Err(detail) => {
            let error = i18n::tr_args(lang, "error-invalid", &[("detail", detail)]);
            return Ok(again(
                BTreeSet::new(),
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let request = CreateTicket {
        contract_id: Some(contract.id),
        kind: Some(sent.kind.clone()).filter(|k| !k.is_empty()),
        priority: sent.priority.clone(),
        channel: policy
            .channels
            .iter()
            .find(|c| c.id == "portal")
            .map(|c| c.id.clone()),
        title: sent.title.clone(),
        description: sent.description.clone(),
        attributes: sent.attributes.clone(),
        fields,
        observed_at: None,
        observed_tz: None,
        reporter_id: None,
        attachments: files,
    };
    match tickets::create_ticket(
        State(state.clone()),
        viewer.principal.clone(),
        ApiJson(request),
    )
    .await
    {
        Ok(response) => {
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| l.rsplit('/').next())
                .and_then(|id| id.parse::<i64>().ok());
            Ok(match location {
                Some(id) => Redirect::to(&format!("/tickets/{id}?done=reported")).into_response(),
                None => Redirect::to("/tickets").into_response(),
            })
        }
        Err(p) if p.code == "ticket.missing_fields" => {
            let missing: BTreeSet<String> = p
                .extensions
                .get("missing")
                .and_then(Value::as_array)
                .map(|m| {
                    m.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let error = i18n::tr(lang, "report-missing");
            Ok(again(missing, error, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(p) if p.status.is_client_error() && p.status != StatusCode::NOT_FOUND => {
            let error = i18n::tr_args(lang, "error-invalid", &[("detail", p.detail)]);
            Ok(again(BTreeSet::new(), error, p.status))
        }
        Err(p) => Err(fail(p)),
    }
}
