//! The contract's SLA in plain words: the text of `tenggat policy explain` for each of the
//! customer's contracts (the provider's team picks any contract), in the viewer's language.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use tenggat_sla::Lang;
use tenggat_store::{Language, OrgKind, Store};

use super::view::Choice;
use super::{PortalError, Ui, Viewer, render};
use crate::AppState;
use crate::problem::Problem;

/// One contract's SLA.
#[derive(Debug, Clone)]
pub struct Explained {
    /// The contract's id.
    pub id: i64,
    /// Whose contract it is.
    pub customer: String,
    /// The policy's explanation.
    pub text: String,
}

#[derive(Template)]
#[template(path = "portal/sla.html")]
struct SlaPage {
    ui: Ui,
    contracts: Vec<Explained>,
    /// For the team: every contract to choose from.
    choices: Vec<Choice>,
}

/// Query of the page: the contract (the team; customers see all of theirs).
#[derive(Debug, Default, Deserialize)]
pub struct SlaQuery {
    #[serde(default)]
    contract: String,
}

/// `GET /sla`: the SLA of the viewer's contracts explained.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SlaQuery>,
) -> Result<Response, PortalError> {
    let lang = viewer.lang();
    let fail = |p: Problem| PortalError::from_problem(lang, p);
    let explain_lang = match lang {
        Language::Id => Lang::Id,
        Language::En => Lang::En,
    };
    let customers: Vec<_> = state
        .db
        .list_organisations(Some(OrgKind::Customer))
        .await
        .map_err(|e| fail(e.into()))?;
    let name_of = |org: i64| {
        customers
            .iter()
            .find(|o| o.id == org)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let chosen = query.contract.parse::<i64>().ok();
    let (wanted, choices) = match viewer.principal.tenant() {
        Some(org) => {
            let mine = state
                .db
                .contracts_of_organisation(org)
                .await
                .map_err(|e| fail(e.into()))?;
            (mine, Vec::new())
        }
        None => {
            let mut all = Vec::new();
            for org in &customers {
                all.extend(
                    state
                        .db
                        .contracts_of_organisation(org.id)
                        .await
                        .map_err(|e| fail(e.into()))?
                        .into_iter()
                        .filter(|c| c.provider_id == viewer.org.id),
                );
            }
            let choices = all
                .iter()
                .map(|c| Choice {
                    value: c.id.to_string(),
                    label: format!("{} · #{}", name_of(c.customer_org_id), c.id),
                    selected: Some(c.id) == chosen,
                    ..Choice::default()
                })
                .collect();
            let pick = chosen.or_else(|| all.first().map(|c| c.id));
            (
                all.into_iter().filter(|c| Some(c.id) == pick).collect(),
                choices,
            )
        }
    };
    let mut contracts = Vec::with_capacity(wanted.len());
    for contract in wanted {
        let policy = state
            .policies
            .for_contract(&state.db, &contract)
            .await
            .map_err(|e| fail(e.into()))?;
        contracts.push(Explained {
            id: contract.id,
            customer: name_of(contract.customer_org_id),
            text: tenggat_sla::explain(&policy, explain_lang),
        });
    }
    Ok(render(
        lang,
        &SlaPage {
            ui: viewer.ui("sla"),
            contracts,
            choices,
        },
    ))
}
