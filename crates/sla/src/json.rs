//! The JSON form of an evaluation (`tenggat sla evaluate --json`), as fixed in `DESIGN.md`:
//! `metrics[]` with `metric`, `state`, `due`, `met_at`, `breached_at`,
//! `elapsed_business_seconds`, `remaining_business_seconds`; `escalation` with `level` and
//! `fired[]`; `next_change`. More fields are added, never removed.

use jiff::Timestamp;
use serde_json::{Value, json};
use tenggat_time::{Calendar, NANOS_PER_SECOND};

use crate::fold::Evaluation;
use crate::model::Target;
use crate::policy::Policy;

/// RFC 3339 in the offset `cal` has at `t`.
fn instant(cal: Option<&Calendar>, t: Option<Timestamp>) -> Value {
    match (t, cal) {
        (Some(t), Some(cal)) => Value::String(t.display_with_offset(cal.offset_at(t)).to_string()),
        (Some(t), None) => Value::String(t.to_string()),
        (None, _) => Value::Null,
    }
}

/// The compact text of a target: `4h`, `3bd`, `none`, `next_release`.
pub fn target_text(target: &Target) -> String {
    match target {
        Target::Duration(d) => d.to_string(),
        Target::None => "none".into(),
        Target::NextRelease => "next_release".into(),
    }
}

/// The evaluation as the documented JSON object. Instants are in the offset of the policy's
/// default calendar.
pub fn evaluation_json(policy: &Policy, eval: &Evaluation) -> Value {
    let default_cal = policy.calendar(&policy.default_calendar);
    let metrics: Vec<Value> = eval
        .metrics
        .iter()
        .map(|m| {
            // Every instant of a ticket in one offset: the policy's main calendar's (the
            // built-in 24x7 calendar is UTC, which is nobody's local time).
            let cal = default_cal;
            json!({
                "metric": m.metric.as_str(),
                "state": m.state.as_str(),
                "target": target_text(&m.target),
                "target_business_seconds": m.target_nanos.map(|n| n / NANOS_PER_SECOND),
                "calendar": m.calendar,
                "start": instant(cal, Some(m.start)),
                "due": instant(cal, m.due),
                "met_at": instant(cal, m.met_at),
                "breached_at": instant(cal, m.breached_at),
                "elapsed_business_seconds": m.elapsed_nanos.div_euclid(NANOS_PER_SECOND),
                "remaining_business_seconds": m.remaining_nanos.map(|n| n.div_euclid(NANOS_PER_SECOND)),
                "percent_elapsed": m.percent_elapsed.map(|p| (p * 100.0).round() / 100.0),
                "paused_by": m.paused_by.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                "stretches": m.stretches.iter().map(|(a, b)| json!([instant(cal, Some(*a)), instant(cal, Some(*b))])).collect::<Vec<_>>(),
                "source": m.source,
                "warnings": m.warnings.iter().map(|w| json!({ "percent": w.percent, "at": instant(cal, Some(w.at)) })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let fired: Vec<Value> = eval
        .escalation
        .fired
        .iter()
        .map(
            |f| json!({ "level": f.level, "rule": f.rule, "at": instant(default_cal, Some(f.at)) }),
        )
        .collect();
    let level = policy
        .escalation
        .levels
        .iter()
        .find(|l| l.level == eval.escalation.level);
    json!({
        "policy": { "id": policy.id, "version": policy.version, "addons": policy.active_addons },
        "priority": eval.priority,
        "kind": eval.kind,
        "now": instant(default_cal, Some(eval.now)),
        "metrics": metrics,
        "escalation": {
            "level": eval.escalation.level,
            "name": level.map(|l| json!({ "id": l.name.id, "en": l.name.en })),
            "role": level.map(|l| json!({ "id": l.role.id, "en": l.role.en })),
            "fired": fired,
        },
        "next_change": instant(default_cal, eval.next_change),
        "next_warning": instant(default_cal, eval.next_warning),
    })
}
