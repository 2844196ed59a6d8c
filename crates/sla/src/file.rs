//! The policy file format (TOML, see `docs/policies.md`) and its validation. Every error
//! names the line, the column and the field.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use tenggat_time::{BusinessDuration, Calendar, HolidaySet, Location, builtin};
use toml::Spanned;

use crate::error::PolicyError;
use crate::model::{
    Addon, Attribute, Availability, Channel, CreditTier, DEFAULT_WARN_AT, DowntimeRule, Escalation,
    EscalationRule, Field, FieldType, Kind, Level, ManualReason, Metric, PauseReason, Priority,
    PriorityChange, ReopenRule, Satisfier, Service, Target, TargetRule, Text, Trigger,
};
use crate::policy::Policy;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: Spanned<String>,
    version: Option<String>,
    name: Text,
    source: Option<String>,
    description: Option<Text>,
    calendar: Spanned<String>,
    on_priority_change: Option<Spanned<String>>,
    on_reopen: Option<Spanned<String>>,
    #[serde(default)]
    calendars: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    priorities: Vec<Spanned<RawPriority>>,
    #[serde(default)]
    kinds: Vec<Spanned<RawKind>>,
    #[serde(default)]
    attributes: Vec<Spanned<RawAttribute>>,
    #[serde(default)]
    targets: Vec<Spanned<RawTarget>>,
    #[serde(default)]
    channels: Vec<Spanned<RawChannel>>,
    escalation: Option<RawEscalation>,
    availability: Option<Spanned<RawAvailability>>,
    #[serde(default)]
    fields: Vec<Spanned<RawField>>,
    #[serde(default)]
    addons: Vec<Spanned<RawAddon>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriority {
    id: Spanned<String>,
    name: Text,
    #[serde(default)]
    impact: Text,
    #[serde(default)]
    examples: Vec<Text>,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    id: Spanned<String>,
    name: Text,
    #[serde(default)]
    description: Text,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttribute {
    id: String,
    name: Text,
    values: Vec<String>,
    default: Option<String>,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

/// A string or a list of strings.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    priority: Option<Spanned<OneOrMany>>,
    kind: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    when: BTreeMap<String, String>,
    metric: Spanned<String>,
    target: Spanned<String>,
    calendar: Option<Spanned<String>>,
    satisfied_by: Option<Spanned<Vec<String>>>,
    paused_by: Option<Spanned<Vec<String>>>,
    source: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    id: String,
    name: Text,
    calendar: Option<Spanned<String>>,
    #[serde(default = "yes")]
    official: bool,
    response: Option<Spanned<String>>,
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEscalation {
    #[serde(default)]
    levels: Vec<Spanned<RawLevel>>,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    manual_reasons: Vec<RawNamed>,
    warn_at: Option<Spanned<Vec<f64>>>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    level: u8,
    name: Text,
    role: Text,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    level: Spanned<u8>,
    priority: Option<Spanned<OneOrMany>>,
    kind: Option<Spanned<OneOrMany>>,
    metric: Spanned<String>,
    percent: Option<Spanned<f64>>,
    after: Option<Spanned<String>>,
    until: Option<Spanned<Vec<String>>>,
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNamed {
    id: String,
    name: Text,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAvailability {
    #[serde(default)]
    services: Vec<RawService>,
    downtime: Option<RawDowntime>,
    maintenance_notice: Option<Spanned<String>>,
    #[serde(default)]
    exclusions: Vec<RawNamed>,
    #[serde(default)]
    credits: Vec<RawCredit>,
    claim_window_days: Option<u32>,
    incident_priority: Option<Spanned<String>>,
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: String,
    name: Text,
    target_percent: f64,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDowntime {
    consecutive_failures: Option<u32>,
    within: Option<String>,
    failing_share_over: Option<f64>,
    unreachable_quorum: Option<u32>,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredit {
    below: f64,
    at_least: Option<f64>,
    credit_percent: f64,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: String,
    #[serde(rename = "type")]
    field_type: FieldType,
    name: Text,
    help: Option<Text>,
    #[serde(default = "yes")]
    required: bool,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAddon {
    id: String,
    name: Text,
    #[serde(default)]
    calendars: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    targets: Vec<Spanned<RawTarget>>,
    #[allow(dead_code)]
    source: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

/// Turns spans into locations and collects the context for errors.
struct Ctx<'a> {
    text: &'a str,
}

impl Ctx<'_> {
    fn loc(&self, span: Range<usize>, field: impl Into<String>) -> Location {
        let before = &self.text[..span.start.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rfind('\n')
            .map_or(before.len(), |nl| before.len() - nl - 1)
            + 1;
        Location {
            line: Some(line),
            column: Some(column),
            field: Some(field.into()),
        }
    }

    fn err(
        &self,
        code: &'static str,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> PolicyError {
        PolicyError {
            code,
            location: self.loc(span, field),
            message: message.into(),
        }
    }
}

fn duration(ctx: &Ctx, s: &Spanned<String>, field: &str) -> Result<BusinessDuration, PolicyError> {
    BusinessDuration::parse(s.get_ref())
        .map_err(|e| ctx.err("policy.duration", s.span(), field, e.to_string()))
}

/// Resolves a calendar entry: a built-in name, or an inline calendar table.
fn calendar_entry(
    ctx: &Ctx,
    name: &str,
    value: &Spanned<toml::Value>,
    field: &str,
) -> Result<Calendar, PolicyError> {
    match value.get_ref() {
        toml::Value::String(reference) => builtin(reference).ok_or_else(|| {
            ctx.err(
                "policy.unknown_calendar",
                value.span(),
                field,
                format!(
                    "unknown calendar {reference:?}: use a built-in ({}) or an inline table",
                    tenggat_time::BUILTIN_CALENDARS.join(", ")
                ),
            )
        }),
        toml::Value::Table(table) => {
            let mut table = table.clone();
            table
                .entry("name")
                .or_insert_with(|| toml::Value::String(name.to_string()));
            let text = toml::to_string(&table)
                .map_err(|e| ctx.err("policy.calendar", value.span(), field, e.to_string()))?;
            Calendar::from_toml(&text, |set| {
                HolidaySet::builtin(set).ok_or_else(|| format!("unknown holiday set {set:?}"))
            })
            .map_err(|e| {
                let inner = e.location.field.clone().unwrap_or_default();
                ctx.err(
                    "policy.calendar",
                    value.span(),
                    format!("{field}.{inner}"),
                    e.message,
                )
            })
        }
        _ => Err(ctx.err(
            "policy.calendar",
            value.span(),
            field,
            "a calendar is a built-in name or an inline table",
        )),
    }
}

/// Everything a target or rule may refer to.
struct Names<'p> {
    priorities: BTreeSet<&'p str>,
    kinds: BTreeSet<&'p str>,
    calendars: &'p BTreeMap<String, Calendar>,
    attributes: &'p [Attribute],
}

fn ids(
    ctx: &Ctx,
    list: Option<&Spanned<OneOrMany>>,
    known: &BTreeSet<&str>,
    what: &str,
    field: &str,
) -> Result<Vec<String>, PolicyError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let values = match list.get_ref() {
        OneOrMany::One(s) => vec![s.clone()],
        OneOrMany::Many(v) => v.clone(),
    };
    for v in &values {
        if !known.contains(v.as_str()) {
            return Err(ctx.err(
                "policy.unknown_reference",
                list.span(),
                field,
                format!(
                    "unknown {what} {v:?} (known: {})",
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    Ok(values)
}

fn satisfiers(
    ctx: &Ctx,
    list: &Spanned<Vec<String>>,
    field: &str,
) -> Result<Vec<Satisfier>, PolicyError> {
    list.get_ref()
        .iter()
        .map(|s| {
            Satisfier::parse(s).ok_or_else(|| {
                ctx.err(
                    "policy.unknown_event",
                    list.span(),
                    field,
                    format!("unknown event {s:?} (use acknowledged, workaround, resolved, onsite, information)"),
                )
            })
        })
        .collect()
}

fn metric(ctx: &Ctx, s: &Spanned<String>, field: &str) -> Result<Metric, PolicyError> {
    Metric::parse(s.get_ref()).ok_or_else(|| {
        ctx.err(
            "policy.unknown_metric",
            s.span(),
            field,
            format!(
                "unknown metric {:?} (use response, workaround, resolution, onsite, information)",
                s.get_ref()
            ),
        )
    })
}

fn target_rule(
    ctx: &Ctx,
    raw: &Spanned<RawTarget>,
    field: &str,
    names: &Names,
    default_calendar: &str,
) -> Result<TargetRule, PolicyError> {
    let t = raw.get_ref();
    let priorities = ids(
        ctx,
        t.priority.as_ref(),
        &names.priorities,
        "priority",
        &format!("{field}.priority"),
    )?;
    let kinds = ids(
        ctx,
        t.kind.as_ref(),
        &names.kinds,
        "kind",
        &format!("{field}.kind"),
    )?;
    for (k, v) in &t.when {
        let Some(attr) = names.attributes.iter().find(|a| &a.id == k) else {
            return Err(ctx.err(
                "policy.unknown_reference",
                raw.span(),
                format!("{field}.when.{k}"),
                format!("unknown attribute {k:?}"),
            ));
        };
        if !attr.values.contains(v) {
            return Err(ctx.err(
                "policy.unknown_reference",
                raw.span(),
                format!("{field}.when.{k}"),
                format!(
                    "attribute {k:?} has no value {v:?} (values: {})",
                    attr.values.join(", ")
                ),
            ));
        }
    }
    let m = metric(ctx, &t.metric, &format!("{field}.metric"))?;
    let target = match t.target.get_ref().as_str() {
        "none" => Target::None,
        "next_release" => Target::NextRelease,
        _ => {
            let d = duration(ctx, &t.target, &format!("{field}.target"))?;
            if d == BusinessDuration::default() {
                return Err(ctx.err(
                    "policy.duration",
                    t.target.span(),
                    format!("{field}.target"),
                    "a target of zero is always breached; use \"none\" for no commitment",
                ));
            }
            Target::Duration(d)
        }
    };
    let calendar = match &t.calendar {
        Some(c) => {
            if !names.calendars.contains_key(c.get_ref()) {
                return Err(ctx.err(
                    "policy.unknown_calendar",
                    c.span(),
                    format!("{field}.calendar"),
                    format!(
                        "unknown calendar {:?}: define it under [calendars] (defined: {})",
                        c.get_ref(),
                        names
                            .calendars
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            c.get_ref().clone()
        }
        None => default_calendar.to_string(),
    };
    let satisfied_by = match &t.satisfied_by {
        Some(list) => satisfiers(ctx, list, &format!("{field}.satisfied_by"))?,
        None => m.default_satisfied_by(),
    };
    if satisfied_by.is_empty() {
        return Err(ctx.err(
            "policy.unknown_event",
            raw.span(),
            format!("{field}.satisfied_by"),
            "no event would ever meet this target",
        ));
    }
    let mut paused_by = Vec::new();
    for (r, span) in t
        .paused_by
        .iter()
        .flat_map(|p| p.get_ref().iter().map(move |r| (r, p.span())))
    {
        let reason = PauseReason::parse(r).ok_or_else(|| {
            ctx.err(
                "policy.unknown_pause_reason",
                span.clone(),
                format!("{field}.paused_by"),
                format!("unknown pause reason {r:?} (use waiting_on_customer, awaiting_permit, maintenance)"),
            )
        })?;
        paused_by.push(reason);
    }
    Ok(TargetRule {
        priorities,
        kinds,
        when: t.when.clone(),
        metric: m,
        target,
        calendar,
        satisfied_by,
        paused_by,
        source: t.source.clone(),
        note: t.note.clone(),
    })
}

impl Policy {
    /// Reads and validates a policy file.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let ctx = Ctx { text };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let mut err = ctx.err(
                "policy.syntax",
                span,
                "",
                e.message().trim().replace('\n', " "),
            );
            // serde names the field it does not know: "unknown field `x`, expected …".
            err.location.field = err
                .message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string);
            err
        })?;

        let mut calendars = BTreeMap::new();
        for (name, value) in &raw.calendars {
            calendars.insert(
                name.clone(),
                calendar_entry(&ctx, name, value, &format!("calendars.{name}"))?,
            );
        }
        // Built-in calendars may be named directly without a [calendars] entry.
        let mut refer = |c: &Spanned<String>, field: &str| -> Result<(), PolicyError> {
            if !calendars.contains_key(c.get_ref()) {
                let cal = builtin(c.get_ref()).ok_or_else(|| {
                    ctx.err("policy.unknown_calendar", c.span(), field, format!("unknown calendar {:?}: define it under [calendars] or use a built-in ({})", c.get_ref(), tenggat_time::BUILTIN_CALENDARS.join(", ")))
                })?;
                calendars.insert(c.get_ref().clone(), cal);
            }
            Ok(())
        };
        refer(&raw.calendar, "calendar")?;
        for (i, t) in raw.targets.iter().enumerate() {
            if let Some(c) = &t.get_ref().calendar {
                refer(c, &format!("targets[{i}].calendar"))?;
            }
        }
        for (i, c) in raw.channels.iter().enumerate() {
            if let Some(cal) = &c.get_ref().calendar {
                refer(cal, &format!("channels[{i}].calendar"))?;
            }
        }

        if raw.priorities.is_empty() {
            return Err(ctx.err(
                "policy.no_priorities",
                raw.id.span(),
                "priorities",
                "a policy needs at least one [[priorities]] entry",
            ));
        }
        let mut priorities: Vec<Priority> = Vec::new();
        for (i, p) in raw.priorities.iter().enumerate() {
            let p = p.get_ref();
            if priorities.iter().any(|q| q.id == *p.id.get_ref()) {
                return Err(ctx.err(
                    "policy.duplicate_priority",
                    p.id.span(),
                    format!("priorities[{i}].id"),
                    format!("priority {:?} is defined twice", p.id.get_ref()),
                ));
            }
            priorities.push(Priority {
                id: p.id.get_ref().clone(),
                name: p.name.clone(),
                impact: p.impact.clone(),
                examples: p.examples.clone(),
            });
        }
        let mut kinds: Vec<Kind> = Vec::new();
        for (i, k) in raw.kinds.iter().enumerate() {
            let k = k.get_ref();
            if kinds.iter().any(|q| q.id == *k.id.get_ref()) {
                return Err(ctx.err(
                    "policy.duplicate_kind",
                    k.id.span(),
                    format!("kinds[{i}].id"),
                    format!("kind {:?} is defined twice", k.id.get_ref()),
                ));
            }
            kinds.push(Kind {
                id: k.id.get_ref().clone(),
                name: k.name.clone(),
                description: k.description.clone(),
            });
        }
        if kinds.is_empty() {
            kinds.push(Kind {
                id: "incident".into(),
                name: Text {
                    id: "Insiden".into(),
                    en: "Incident".into(),
                },
                description: Text::default(),
            });
        }
        let attributes: Vec<Attribute> = raw
            .attributes
            .iter()
            .map(|a| {
                let a = a.get_ref();
                Attribute {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    values: a.values.clone(),
                    default: a.default.clone(),
                }
            })
            .collect();
        for (i, a) in raw.attributes.iter().enumerate() {
            if let Some(d) = &a.get_ref().default
                && !a.get_ref().values.contains(d)
            {
                return Err(ctx.err(
                    "policy.unknown_reference",
                    a.span(),
                    format!("attributes[{i}].default"),
                    format!("default {d:?} is not one of the values"),
                ));
            }
        }

        let names = Names {
            priorities: priorities.iter().map(|p| p.id.as_str()).collect(),
            kinds: kinds.iter().map(|k| k.id.as_str()).collect(),
            calendars: &calendars,
            attributes: &attributes,
        };
        let default_calendar = raw.calendar.get_ref().clone();
        let mut targets = Vec::new();
        for (i, t) in raw.targets.iter().enumerate() {
            targets.push(target_rule(
                &ctx,
                t,
                &format!("targets[{i}]"),
                &names,
                &default_calendar,
            )?);
        }
        for p in &priorities {
            if !targets
                .iter()
                .any(|t: &TargetRule| t.priorities.is_empty() || t.priorities.contains(&p.id))
            {
                let span = raw
                    .priorities
                    .iter()
                    .find(|r| *r.get_ref().id.get_ref() == p.id)
                    .map_or(0..0, |r| r.span());
                return Err(ctx.err("policy.missing_target", span, "targets", format!("priority {:?} has no target: add a [[targets]] entry for it (target = \"none\" if there is no commitment)", p.id)));
            }
        }

        let mut channels = Vec::new();
        for (i, c) in raw.channels.iter().enumerate() {
            let c = c.get_ref();
            let response = c
                .response
                .as_ref()
                .map(|r| duration(&ctx, r, &format!("channels[{i}].response")))
                .transpose()?;
            channels.push(Channel {
                id: c.id.clone(),
                name: c.name.clone(),
                calendar: c.calendar.as_ref().map(|s| s.get_ref().clone()),
                official: c.official,
                response,
                source: c.source.clone(),
            });
        }

        let escalation = match &raw.escalation {
            None => Escalation::default(),
            Some(e) => escalation(&ctx, e, &names)?,
        };

        let availability = raw
            .availability
            .as_ref()
            .map(|a| availability(&ctx, a, &names))
            .transpose()?;

        let mut fields: Vec<Field> = Vec::new();
        for (i, f) in raw.fields.iter().enumerate() {
            let f = f.get_ref();
            if fields.iter().any(|g| g.id == f.id) {
                return Err(ctx.err(
                    "policy.duplicate_field",
                    raw.fields[i].span(),
                    format!("fields[{i}].id"),
                    format!("field {:?} is defined twice", f.id),
                ));
            }
            fields.push(Field {
                id: f.id.clone(),
                field_type: f.field_type,
                name: f.name.clone(),
                help: f.help.clone(),
                required: f.required,
            });
        }

        let mut addons = Vec::new();
        for (i, a) in raw.addons.iter().enumerate() {
            let a = a.get_ref();
            let mut cals = BTreeMap::new();
            for (name, value) in &a.calendars {
                let field = format!("addons[{i}].calendars.{name}");
                if !calendars.contains_key(name) {
                    return Err(ctx.err(
                        "policy.unknown_calendar",
                        value.span(),
                        field,
                        format!(
                            "add-on replaces calendar {name:?}, which the policy does not define"
                        ),
                    ));
                }
                cals.insert(name.clone(), calendar_entry(&ctx, name, value, &field)?);
            }
            let mut addon_targets = Vec::new();
            for (j, t) in a.targets.iter().enumerate() {
                addon_targets.push(target_rule(
                    &ctx,
                    t,
                    &format!("addons[{i}].targets[{j}]"),
                    &names,
                    &default_calendar,
                )?);
            }
            addons.push(Addon {
                id: a.id.clone(),
                name: a.name.clone(),
                calendars: cals,
                targets: addon_targets,
            });
        }

        let on_priority_change = match raw
            .on_priority_change
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("retroactive", _)) => PriorityChange::Retroactive,
            Some(("restart", _)) => PriorityChange::Restart,
            Some((other, span)) => {
                return Err(ctx.err(
                    "policy.value",
                    span,
                    "on_priority_change",
                    format!("{other:?}: use \"retroactive\" or \"restart\""),
                ));
            }
        };
        let on_reopen = match raw
            .on_reopen
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("resume", _)) => ReopenRule::Resume,
            Some(("restart", _)) => ReopenRule::Restart,
            Some((other, span)) => {
                return Err(ctx.err(
                    "policy.value",
                    span,
                    "on_reopen",
                    format!("{other:?}: use \"resume\" or \"restart\""),
                ));
            }
        };
        let _ = raw.description;

        Ok(Policy {
            id: raw.id.get_ref().clone(),
            version: raw.version.unwrap_or_else(|| "1".into()),
            name: raw.name,
            source: raw.source,
            default_calendar,
            calendars,
            priorities,
            kinds,
            attributes,
            targets,
            channels,
            escalation,
            availability,
            fields,
            addons,
            active_addons: Vec::new(),
            on_priority_change,
            on_reopen,
        })
    }
}

fn escalation(ctx: &Ctx, e: &RawEscalation, names: &Names) -> Result<Escalation, PolicyError> {
    let mut levels: Vec<Level> = Vec::new();
    for (i, l) in e.levels.iter().enumerate() {
        let r = l.get_ref();
        let expected = i as u8 + 1;
        if r.level != expected {
            return Err(ctx.err(
                "policy.escalation_level",
                l.span(),
                format!("escalation.levels[{i}].level"),
                format!(
                    "levels must be numbered 1, 2, 3 … in order; expected {expected}, found {}",
                    r.level
                ),
            ));
        }
        levels.push(Level {
            level: r.level,
            name: r.name.clone(),
            role: r.role.clone(),
        });
    }
    let mut rules: Vec<EscalationRule> = Vec::new();
    for (i, r) in e.rules.iter().enumerate() {
        let field = format!("escalation.rules[{i}]");
        let rule = r.get_ref();
        if rules.iter().any(|x| x.id == rule.id) {
            return Err(ctx.err(
                "policy.duplicate_rule",
                r.span(),
                format!("{field}.id"),
                format!("rule {:?} is defined twice", rule.id),
            ));
        }
        let level = *rule.level.get_ref();
        if level < 2 || !levels.iter().any(|l| l.level == level) {
            return Err(ctx.err(
                "policy.escalation_level",
                rule.level.span(),
                format!("{field}.level"),
                format!("level {level} is not a level above 1 of the ladder"),
            ));
        }
        let m = metric(ctx, &rule.metric, &format!("{field}.metric"))?;
        let trigger = match (&rule.percent, &rule.after) {
            (Some(p), None) => {
                let v = *p.get_ref();
                if !(v > 0.0 && v <= 100.0) {
                    return Err(ctx.err(
                        "policy.percent",
                        p.span(),
                        format!("{field}.percent"),
                        format!("percent must be more than 0 and at most 100, found {v}"),
                    ));
                }
                Trigger::Percent(v)
            }
            (None, Some(a)) => Trigger::After(duration(ctx, a, &format!("{field}.after"))?),
            _ => {
                return Err(ctx.err(
                    "policy.trigger",
                    r.span(),
                    field.clone(),
                    "a rule needs exactly one of `percent` or `after`",
                ));
            }
        };
        let until = match &rule.until {
            Some(list) => satisfiers(ctx, list, &format!("{field}.until"))?,
            None => Vec::new(),
        };
        rules.push(EscalationRule {
            id: rule.id.clone(),
            level,
            priorities: ids(
                ctx,
                rule.priority.as_ref(),
                &names.priorities,
                "priority",
                &format!("{field}.priority"),
            )?,
            kinds: ids(
                ctx,
                rule.kind.as_ref(),
                &names.kinds,
                "kind",
                &format!("{field}.kind"),
            )?,
            metric: m,
            trigger,
            until,
            source: rule.source.clone(),
        });
    }
    let manual_reasons = e
        .manual_reasons
        .iter()
        .map(|m| ManualReason {
            id: m.id.clone(),
            name: m.name.clone(),
        })
        .collect();
    let warn_at = match &e.warn_at {
        None => DEFAULT_WARN_AT.to_vec(),
        Some(list) => {
            let values = list.get_ref();
            let increasing = values.windows(2).all(|w| w[0] < w[1]);
            if !values.iter().all(|v| *v > 0.0 && *v < 100.0) || !increasing || values.len() > 5 {
                return Err(ctx.err(
                    "policy.percent",
                    list.span(),
                    "escalation.warn_at".to_string(),
                    format!(
                        "warn_at lists at most 5 percentages, ascending, each more than 0 and \
                         less than 100 (the breach itself is always announced); found {values:?}"
                    ),
                ));
            }
            values.clone()
        }
    };
    Ok(Escalation {
        levels,
        rules,
        manual_reasons,
        warn_at,
    })
}

fn availability(
    ctx: &Ctx,
    a: &Spanned<RawAvailability>,
    names: &Names,
) -> Result<Availability, PolicyError> {
    let r = a.get_ref();
    let pct = |v: f64, field: &str| -> Result<f64, PolicyError> {
        if (0.0..=100.0).contains(&v) {
            Ok(v)
        } else {
            Err(ctx.err(
                "policy.percent",
                a.span(),
                field,
                format!("percent must be between 0 and 100, found {v}"),
            ))
        }
    };
    let mut services = Vec::new();
    for (i, s) in r.services.iter().enumerate() {
        services.push(Service {
            id: s.id.clone(),
            name: s.name.clone(),
            target_percent: pct(
                s.target_percent,
                &format!("availability.services[{i}].target_percent"),
            )?,
        });
    }
    let mut downtime = Vec::new();
    if let Some(d) = &r.downtime {
        if let Some(count) = d.consecutive_failures {
            let within = d.within.as_deref().unwrap_or("5m");
            let bd = BusinessDuration::parse(within).map_err(|e| {
                ctx.err(
                    "policy.duration",
                    a.span(),
                    "availability.downtime.within",
                    e.to_string(),
                )
            })?;
            if bd.business_days != 0 {
                return Err(ctx.err(
                    "policy.duration",
                    a.span(),
                    "availability.downtime.within",
                    "a window is real time: write hours or minutes",
                ));
            }
            downtime.push(DowntimeRule::ConsecutiveFailures {
                count,
                within: jiff::SignedDuration::from_nanos(bd.nanos),
            });
        }
        if let Some(share) = d.failing_share_over {
            downtime.push(DowntimeRule::FailingShareOver(pct(
                share,
                "availability.downtime.failing_share_over",
            )?));
        }
        if let Some(q) = d.unreachable_quorum {
            downtime.push(DowntimeRule::UnreachableQuorum(q));
        }
    }
    let maintenance_notice = match &r.maintenance_notice {
        Some(n) => {
            let d = duration(ctx, n, "availability.maintenance_notice")?;
            if d.business_days != 0 {
                return Err(ctx.err(
                    "policy.duration",
                    n.span(),
                    "availability.maintenance_notice",
                    "notice is real time: write hours (48h)",
                ));
            }
            Some(jiff::SignedDuration::from_nanos(d.nanos))
        }
        None => None,
    };
    let mut credits = Vec::new();
    for (i, c) in r.credits.iter().enumerate() {
        let field = format!("availability.credits[{i}]");
        let below = pct(c.below, &field)?;
        let at_least = c.at_least.map(|v| pct(v, &field)).transpose()?;
        if at_least.is_some_and(|l| l >= below) {
            return Err(ctx.err(
                "policy.credits",
                a.span(),
                field,
                "at_least must be lower than below",
            ));
        }
        credits.push(CreditTier {
            below,
            at_least,
            credit_percent: pct(c.credit_percent, &field)?,
        });
    }
    Ok(Availability {
        services,
        downtime,
        maintenance_notice,
        exclusions: r
            .exclusions
            .iter()
            .map(|m| ManualReason {
                id: m.id.clone(),
                name: m.name.clone(),
            })
            .collect(),
        credits,
        claim_window_days: r.claim_window_days,
        incident_priority: match &r.incident_priority {
            Some(p) if !names.priorities.contains(p.get_ref().as_str()) => {
                return Err(ctx.err(
                    "policy.unknown_reference",
                    p.span(),
                    "availability.incident_priority",
                    format!(
                        "unknown priority {:?} (known: {})",
                        p.get_ref(),
                        names
                            .priorities
                            .iter()
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            Some(p) => Some(p.get_ref().clone()),
            None => None,
        },
        source: r.source.clone(),
    })
}
