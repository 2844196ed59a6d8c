//! The rows of the availability page (a service's month, a maintenance window, an exclusion,
//! a claim) built from the API's answers, and how amounts, percentages and months are written
//! in each language.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use tenggat_availability::Month;
use tenggat_sla::{Policy, Text};
use tenggat_store::Language;

use super::super::i18n;
use super::super::view::{when, when_text};
use crate::availability_api::{ClaimView, ExclusionView, MaintenanceView};
use crate::monitoring::report::ServiceMonth;
use crate::status_page;

/// A service's month as the page shows it.
#[derive(Debug, Clone)]
pub struct ServiceRow {
    /// The policy's service id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The state now: `up`, `down`, `no_data` (a CSS class too); empty without a monitor.
    pub state: String,
    /// The state in words.
    pub state_text: String,
    /// Uptime, percent, rounded down.
    pub uptime: String,
    /// The target, percent.
    pub target: String,
    /// Whether the target is met.
    pub met: bool,
    /// Minutes of downtime.
    pub downtime: u64,
    /// Minutes excluded.
    pub excluded: u64,
    /// Minutes without data.
    pub no_data: u64,
    /// The credit earned in words, empty for none.
    pub credit: String,
    /// Whether the figures are final.
    pub complete: bool,
    /// Until when a credit may be claimed, empty without a claim window.
    pub deadline: String,
    /// Whether the customer may claim this month's credit from here.
    pub claimable: bool,
}

/// A maintenance window in a list.
#[derive(Debug, Clone)]
pub struct WindowRow {
    /// Id.
    pub id: i64,
    /// The service's name, or "every service".
    pub service: String,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// What is done.
    pub note: String,
    /// `excluded`, `not-excluded` or `cancelled` (a CSS class too).
    pub state: &'static str,
    /// The state in words.
    pub state_text: String,
    /// Why, as the API says it.
    pub reason: String,
    /// Whether the viewer may cancel it (it has not started).
    pub cancellable: bool,
}

/// An exclusion in a list.
#[derive(Debug, Clone)]
pub struct ExclusionRow {
    /// Id.
    pub id: i64,
    /// The service's name, or "every service".
    pub service: String,
    /// Start.
    pub start: String,
    /// End.
    pub end: String,
    /// The policy's name of the reason.
    pub reason: String,
    /// The evidence.
    pub note: String,
    /// `recorded`, `disputed`, `upheld`, `withdrawn` (a CSS class too).
    pub state: String,
    /// The state in words.
    pub state_text: String,
    /// The customer's dispute.
    pub dispute: String,
    /// The provider's answer.
    pub resolution: String,
    /// Whether the viewer may dispute it.
    pub disputable: bool,
    /// Whether the viewer may resolve its dispute.
    pub resolvable: bool,
}

/// A credit claim in a list.
#[derive(Debug, Clone)]
pub struct ClaimRow {
    /// Id.
    pub id: i64,
    /// The service's name.
    pub service: String,
    /// The month claimed, in words.
    pub month: String,
    /// When it was filed.
    pub claimed_at: String,
    /// The customer's note.
    pub note: String,
    /// The credit claimed.
    pub amount: String,
    /// `pending`, `approved`, `rejected` (a CSS class too).
    pub state: String,
    /// The state in words.
    pub state_text: String,
    /// The provider's reason.
    pub decision: String,
    /// The invoice period an approved credit applies to.
    pub credit_period: String,
    /// Whether the viewer may decide it.
    pub decidable: bool,
}

/// What the viewer may do on the page (the API still decides).
#[derive(Debug, Clone, Copy, Default)]
pub struct AvailCan {
    /// Schedule and cancel maintenance (the provider's administrators and agents).
    pub maintain: bool,
    /// Resolve disputes and decide claims (the provider's administrators).
    pub decide: bool,
    /// Dispute exclusions and claim credits (the customer's people).
    pub claim: bool,
}

/// A text of the policy in the viewer's language.
pub fn text(lang: Language, t: &Text) -> String {
    match lang {
        Language::Id => t.id.clone(),
        Language::En => t.en.clone(),
    }
}

/// A percentage as the language writes it (`94,99` in Bahasa Indonesia).
pub fn percent(lang: Language, value: &str) -> String {
    match lang {
        Language::Id => value.replace('.', ","),
        Language::En => value.to_owned(),
    }
}

/// An amount in minor units as the language writes it: `IDR 1.234.567,89`, `IDR 1,234,567.89`.
pub fn money(lang: Language, minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let digits = (abs / 100).to_string();
    let (group, decimal) = match lang {
        Language::Id => ('.', ','),
        Language::En => (',', '.'),
    };
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(c);
    }
    format!("{currency} {sign}{grouped}{decimal}{:02}", abs % 100)
}

/// A month in words: `April 2026`, `Mei 2026`.
pub fn month_label(lang: Language, month: Month) -> String {
    format!(
        "{} {}",
        i18n::tr(lang, &format!("avail-month-{}", month.month())),
        month.year()
    )
}

/// `2026-04` in words, or the text itself when it is not a month.
fn month_text_label(lang: Language, text: &str) -> String {
    text.parse::<Month>()
        .map_or_else(|_| text.to_owned(), |m| month_label(lang, m))
}

/// The month before `month`.
pub fn previous(month: Month) -> Option<Month> {
    month.first_day().yesterday().ok().map(Month::of)
}

/// The name of a policy's service (the id itself when the policy does not name it; "every
/// service" for none).
pub fn service_name(lang: Language, policy: &Policy, service: Option<&str>) -> String {
    let Some(id) = service else {
        return i18n::tr(lang, "avail-every-service");
    };
    policy
        .availability
        .as_ref()
        .and_then(|a| a.services.iter().find(|s| s.id == id))
        .map_or_else(|| id.to_owned(), |s| text(lang, &s.name))
}

/// A maintenance window as a row.
pub fn window_row(
    lang: Language,
    policy: &Policy,
    zone: &TimeZone,
    w: &MaintenanceView,
    can: AvailCan,
    now: Timestamp,
) -> WindowRow {
    let state = if w.cancelled_at.is_some() {
        "cancelled"
    } else if w.decision.excluded {
        "excluded"
    } else {
        "not-excluded"
    };
    let started = !w.start.parse::<Timestamp>().is_ok_and(|s| s > now);
    WindowRow {
        id: w.id,
        service: service_name(lang, policy, w.service_id.as_deref()),
        start: when_text(&w.start, zone),
        end: when_text(&w.end, zone),
        note: w.note.clone(),
        state,
        state_text: i18n::tr(lang, &format!("avail-window-{state}")),
        reason: match lang {
            Language::Id => w.decision.reason.id.clone(),
            Language::En => w.decision.reason.en.clone(),
        },
        cancellable: can.maintain && w.cancelled_at.is_none() && !started,
    }
}

/// An exclusion as a row.
pub fn exclusion_row(
    lang: Language,
    policy: &Policy,
    zone: &TimeZone,
    e: &ExclusionView,
    can: AvailCan,
) -> ExclusionRow {
    ExclusionRow {
        id: e.id,
        service: service_name(lang, policy, e.service_id.as_deref()),
        start: when_text(&e.start, zone),
        end: when_text(&e.end, zone),
        reason: e.reason_name.as_ref().map_or_else(
            || e.reason.clone(),
            |r| match lang {
                Language::Id => r.id.clone(),
                Language::En => r.en.clone(),
            },
        ),
        note: e.note.clone(),
        state: e.state.clone(),
        state_text: i18n::tr(lang, &format!("avail-exclusion-{}", e.state)),
        dispute: e.dispute_note.clone().unwrap_or_default(),
        resolution: e.resolution_note.clone().unwrap_or_default(),
        disputable: can.claim && e.state == "recorded",
        resolvable: can.decide && e.state == "disputed",
    }
}

/// A claim as a row.
pub fn claim_row(
    lang: Language,
    policy: &Policy,
    zone: &TimeZone,
    c: &ClaimView,
    can: AvailCan,
) -> ClaimRow {
    ClaimRow {
        id: c.id,
        service: service_name(lang, policy, Some(&c.service_id)),
        month: month_text_label(lang, &c.month),
        claimed_at: when_text(&c.claimed_at, zone),
        note: c.note.clone(),
        amount: money(lang, c.amount_minor, &c.currency),
        state: c.state.clone(),
        state_text: i18n::tr(lang, &format!("avail-claim-{}", c.state)),
        decision: c.decision_note.clone().unwrap_or_default(),
        credit_period: c
            .credit_period
            .as_deref()
            .map(|p| month_text_label(lang, p))
            .unwrap_or_default(),
        decidable: can.decide && c.state == "pending",
    }
}

/// A service's month; `states` are the services' states now (`status_page::mine`).
pub fn service_row(
    lang: Language,
    zone: &TimeZone,
    m: &ServiceMonth,
    states: &[status_page::ServiceStatus],
    claims: &[ClaimView],
    can: AvailCan,
    now: Timestamp,
) -> ServiceRow {
    let state = states
        .iter()
        .find(|s| s.service == m.service)
        .map(|s| s.state.clone())
        .unwrap_or_default();
    let state_text = if state.is_empty() {
        i18n::tr(lang, "avail-state-unmonitored")
    } else {
        i18n::tr(lang, &format!("avail-state-{}", state.replace('_', "-")))
    };
    let credit = m.credit.as_ref().map_or_else(String::new, |c| {
        i18n::tr_args(
            lang,
            "avail-credit-earned",
            &[
                ("percent", percent(lang, &c.credit_percent.to_string())),
                (
                    "amount",
                    money(
                        lang,
                        i64::try_from(c.amount_minor).unwrap_or(i64::MAX),
                        &m.currency,
                    ),
                ),
            ],
        )
    });
    let month = m.month.to_string();
    let claimed = claims
        .iter()
        .any(|c| c.service_id == m.service && c.month == month && c.state != "rejected");
    let claimable = can.claim
        && m.credit.is_some()
        && !claimed
        && m.bounds.end() <= now
        && m.claim_deadline.is_some_and(|d| now < d);
    ServiceRow {
        id: m.service.clone(),
        name: text(lang, &m.service_name),
        state,
        state_text,
        uptime: percent(lang, &m.availability),
        target: percent(lang, &m.target_percent.to_string()),
        met: m.target_met,
        downtime: m.downtime_minutes,
        excluded: m.excluded_minutes,
        no_data: m.no_data_minutes,
        credit,
        complete: m.complete,
        deadline: m.claim_deadline.map(|d| when(d, zone)).unwrap_or_default(),
        claimable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_percentages_in_both_languages() {
        assert_eq!(money(Language::Id, 123_456_789, "IDR"), "IDR 1.234.567,89");
        assert_eq!(money(Language::En, 123_456_789, "IDR"), "IDR 1,234,567.89");
        assert_eq!(money(Language::En, 5, "USD"), "USD 0.05");
        assert_eq!(money(Language::En, 100_000, "IDR"), "IDR 1,000.00");
        assert_eq!(money(Language::Id, -12_345, "IDR"), "IDR -123,45");
        assert_eq!(percent(Language::Id, "94.99"), "94,99");
        assert_eq!(percent(Language::En, "94.99"), "94.99");
    }

    #[test]
    fn months_in_words_and_the_month_before() {
        let may: Month = "2026-05".parse().expect("month");
        assert_eq!(month_label(Language::Id, may), "Mei 2026");
        assert_eq!(month_label(Language::En, may), "May 2026");
        let jan: Month = "2027-01".parse().expect("month");
        assert_eq!(
            previous(jan).map(|m| m.to_string()).as_deref(),
            Some("2026-12")
        );
        assert_eq!(month_text_label(Language::En, "2026-06"), "June 2026");
        assert_eq!(month_text_label(Language::En, "soon"), "soon");
    }
}
