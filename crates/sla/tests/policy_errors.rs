//! Every error path of `Policy::from_toml` (stable `code`, the line and the field), and the
//! errors of ticket events (`TicketEvent::parse_jsonl`, `evaluate`).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tenggat_sla::{EventError, Policy, PolicyError, TicketEvent, evaluate};

/// A valid policy; each test breaks one line of it.
const BASE: &str = r#"id = "errors"
name = { id = "Uji", en = "Test" }
calendar = "business"

[calendars]
business = "innovasia"
always = "24x7"

[[priorities]]
id = "P1"
name = { id = "Kritis", en = "Critical" }

[[priorities]]
id = "P2"
name = { id = "Sedang", en = "Medium" }

[[kinds]]
id = "incident"
name = { id = "Insiden", en = "Incident" }

[[targets]]
priority = ["P1"]
kind = ["incident"]
metric = "response"
target = "1h"
calendar = "always"
satisfied_by = ["acknowledged"]
paused_by = ["waiting_on_customer"]

[[targets]]
priority = ["P2"]
metric = "response"
target = "4h"

[escalation]
levels = [
  { level = 1, name = { id = "L1", en = "L1" }, role = { id = "a", en = "a" } },
  { level = 2, name = { id = "L2", en = "L2" }, role = { id = "b", en = "b" } },
]

[[escalation.rules]]
id = "response-75pct"
level = 2
metric = "response"
percent = 75
until = ["acknowledged"]
"#;

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the policy"))
        + 1
}

/// `BASE` with the first occurrence of `from` replaced by `to`.
fn broken(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} not in BASE");
    BASE.replacen(from, to, 1)
}

fn error(text: &str) -> PolicyError {
    match Policy::from_toml(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

/// Asserts code, line (of the line containing `at`) and field.
#[track_caller]
fn assert_error(text: &str, code: &str, at: &str, field: Option<&str>) -> PolicyError {
    let e = error(text);
    assert_eq!(e.code, code, "{e}");
    assert_eq!(e.location.line, Some(line_of(text, at)), "{e}");
    assert_eq!(e.location.field.as_deref(), field, "{e}");
    assert!(e.location.column.is_some(), "{e}");
    assert!(!e.message.is_empty());
    e
}

#[test]
fn the_base_policy_is_valid() {
    let p = policy(BASE);
    assert_eq!(p.priorities.len(), 2);
    assert_eq!(p.targets.len(), 2);
}

#[test]
fn unknown_calendar() {
    // The default calendar.
    let text = broken(r#"calendar = "business""#, r#"calendar = "weekdays""#);
    assert_error(
        &text,
        "policy.unknown_calendar",
        "weekdays",
        Some("calendar"),
    );
    // A [calendars] entry naming a built-in that does not exist.
    let text = broken(r#"always = "24x7""#, r#"always = "25x8""#);
    assert_error(
        &text,
        "policy.unknown_calendar",
        "25x8",
        Some("calendars.always"),
    );
    // A target's calendar.
    let text = broken(r#"calendar = "always""#, r#"calendar = "sometimes""#);
    let e = assert_error(
        &text,
        "policy.unknown_calendar",
        "sometimes",
        Some("targets[0].calendar"),
    );
    assert!(e.message.contains("sometimes"), "{e}");
}

#[test]
fn unknown_pause_reason() {
    let text = broken("waiting_on_customer", "waiting_on_godot");
    let e = assert_error(
        &text,
        "policy.unknown_pause_reason",
        "waiting_on_godot",
        Some("targets[0].paused_by"),
    );
    assert!(e.message.contains("waiting_on_godot"), "{e}");
}

#[test]
fn percentage_over_100_and_zero() {
    for bad in [
        "percent = 150",
        "percent = 0",
        "percent = -5",
        "percent = 100.5",
    ] {
        let text = broken("percent = 75", bad);
        assert_error(
            &text,
            "policy.percent",
            bad,
            Some("escalation.rules[0].percent"),
        );
    }
    // 100 itself is allowed.
    policy(&broken("percent = 75", "percent = 100"));
}

#[test]
fn duplicate_priority() {
    let text = broken(r#"id = "P2""#, r#"id = "P1""#);
    // The second `id = "P1"` line.
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(r#"id = "P1""#))
        .nth(1)
        .unwrap()
        .0
        + 1;
    let e = error(&text);
    assert_eq!(e.code, "policy.duplicate_priority", "{e}");
    assert_eq!(e.location.line, Some(second), "{e}");
    assert_eq!(e.location.field.as_deref(), Some("priorities[1].id"));
}

#[test]
fn missing_target_for_a_priority() {
    // P2's only target now names P1: P2 has none.
    let text = broken(r#"priority = ["P2"]"#, r#"priority = ["P1"]"#);
    let e = error(&text);
    assert_eq!(e.code, "policy.missing_target", "{e}");
    assert_eq!(e.location.field.as_deref(), Some("targets"));
    assert!(e.message.contains("\"P2\""), "{e}");
    // The location is P2's [[priorities]] entry (its header line).
    let header = line_of(&text, r#"id = "P2""#) - 1;
    assert_eq!(text.lines().nth(header - 1), Some("[[priorities]]"));
    assert_eq!(e.location.line, Some(header), "{e}");
}

#[test]
fn unknown_metric() {
    let text = broken(r#"metric = "response""#, r#"metric = "reply""#);
    assert_error(
        &text,
        "policy.unknown_metric",
        "reply",
        Some("targets[0].metric"),
    );
    // In an escalation rule.
    let text = BASE.replace(
        "metric = \"response\"\npercent",
        "metric = \"uptime\"\npercent",
    );
    assert_error(
        &text,
        "policy.unknown_metric",
        "uptime",
        Some("escalation.rules[0].metric"),
    );
}

#[test]
fn unknown_priority_or_kind_in_a_target() {
    let text = broken(r#"priority = ["P2"]"#, r#"priority = ["P9"]"#);
    let e = assert_error(
        &text,
        "policy.unknown_reference",
        "P9",
        Some("targets[1].priority"),
    );
    assert!(e.message.contains("P9"), "{e}");
    let text = broken(r#"kind = ["incident"]"#, r#"kind = ["accident"]"#);
    assert_error(
        &text,
        "policy.unknown_reference",
        "accident",
        Some("targets[0].kind"),
    );
    // A single string is accepted for a list and checked the same way.
    let text = broken(r#"priority = ["P2"]"#, r#"priority = "P7""#);
    assert_error(
        &text,
        "policy.unknown_reference",
        "P7",
        Some("targets[1].priority"),
    );
    // In an escalation rule.
    let text = broken(
        "metric = \"response\"\npercent",
        "priority = [\"P5\"]\nmetric = \"response\"\npercent",
    );
    assert_error(
        &text,
        "policy.unknown_reference",
        "P5",
        Some("escalation.rules[0].priority"),
    );
}

#[test]
fn bad_duration() {
    for bad in ["4 hours", "h4", "4x", ""] {
        let text = broken(r#"target = "4h""#, &format!("target = {bad:?}"));
        assert_error(
            &text,
            "policy.duration",
            &format!("target = {bad:?}"),
            Some("targets[1].target"),
        );
    }
    // A zero target is always breached.
    let text = broken(r#"target = "4h""#, r#"target = "0m""#);
    assert_error(&text, "policy.duration", "0m", Some("targets[1].target"));
    // In an escalation rule's `after`.
    let text = broken("percent = 75", r#"after = "soon""#);
    assert_error(
        &text,
        "policy.duration",
        "soon",
        Some("escalation.rules[0].after"),
    );
}

#[test]
fn unknown_event_in_satisfied_by_or_until() {
    let text = broken(
        r#"satisfied_by = ["acknowledged"]"#,
        r#"satisfied_by = ["acknowledged", "answered"]"#,
    );
    let e = assert_error(
        &text,
        "policy.unknown_event",
        "answered",
        Some("targets[0].satisfied_by"),
    );
    assert!(e.message.contains("answered"), "{e}");
    let text = broken(r#"until = ["acknowledged"]"#, r#"until = ["paused"]"#);
    assert_error(
        &text,
        "policy.unknown_event",
        r#"until = ["paused"]"#,
        Some("escalation.rules[0].until"),
    );
}

#[test]
fn syntax_error() {
    let text = broken(r#"target = "4h""#, r#"target = "4h"#);
    let e = error(&text);
    assert_eq!(e.code, "policy.syntax", "{e}");
    assert_eq!(e.location.line, Some(line_of(&text, r#"target = "4h"#)));
    assert_eq!(e.location.field, None);
    let e = error("id = \"x\"\nname = {\n");
    assert_eq!(e.code, "policy.syntax", "{e}");
    assert_eq!(e.location.line, Some(2), "{e}");
}

#[test]
fn unknown_field() {
    let text = broken(r#"target = "4h""#, "target = \"4h\"\ndeadline = \"5h\"");
    let e = error(&text);
    assert_eq!(e.code, "policy.syntax", "{e}");
    assert_eq!(e.location.line, Some(line_of(&text, "deadline")), "{e}");
    assert!(e.message.contains("deadline"), "{e}");
    assert_eq!(e.location.field.as_deref(), Some("deadline"), "{e}");
    // At the top level.
    let text = format!("{BASE}colour = \"blue\"\n");
    let e = error(&text);
    assert_eq!(e.code, "policy.syntax", "{e}");
    assert_eq!(e.location.line, Some(line_of(&text, "colour")), "{e}");
    assert!(e.message.contains("colour"), "{e}");
    assert_eq!(e.location.field.as_deref(), Some("colour"), "{e}");
}

#[test]
fn other_validation_errors() {
    // on_priority_change / on_reopen values.
    let text = broken(
        r#"calendar = "business""#,
        "calendar = \"business\"\non_priority_change = \"sometimes\"",
    );
    assert_error(
        &text,
        "policy.value",
        "sometimes",
        Some("on_priority_change"),
    );
    let text = broken(
        r#"calendar = "business""#,
        "calendar = \"business\"\non_reopen = \"never\"",
    );
    assert_error(&text, "policy.value", "never", Some("on_reopen"));
    // A rule needs exactly one trigger.
    let text = broken("percent = 75", "percent = 75\nafter = \"1h\"");
    let e = error(&text);
    assert_eq!(e.code, "policy.trigger", "{e}");
    assert_eq!(e.location.field.as_deref(), Some("escalation.rules[0]"));
    // A rule's level must be above 1 and on the ladder.
    let text = broken("level = 2\nmetric", "level = 3\nmetric");
    assert_error(
        &text,
        "policy.escalation_level",
        "level = 3",
        Some("escalation.rules[0].level"),
    );
    // No priorities at all.
    let text = "id = \"x\"\nname = { id = \"x\", en = \"x\" }\ncalendar = \"24x7\"\n";
    assert_eq!(error(text).code, "policy.no_priorities");
}

// ------------------------------------------------------------------------------------------
// Event errors
// ------------------------------------------------------------------------------------------

fn syntax_line(text: &str) -> (usize, String) {
    match TicketEvent::parse_jsonl(text) {
        Err(EventError::Syntax { line, message }) => (line, message),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

const CREATED: &str = r#"{"at":"2026-03-16T09:00:00+07:00","type":"created","priority":"P2"}"#;

#[test]
fn malformed_json_with_its_line_number() {
    let text = format!("{CREATED}\n\n{{\"at\": \"2026-03-16T10:00:00+07:00\", \"type\": \n");
    let (line, message) = syntax_line(&text);
    assert_eq!(line, 3, "{message}");
    let err = TicketEvent::parse_jsonl(&text).unwrap_err();
    assert_eq!(err.code(), "events.syntax");
    assert!(err.to_string().starts_with("line 3"), "{err}");
}

#[test]
fn unknown_event_type() {
    let text =
        format!("{CREATED}\n{{\"at\":\"2026-03-16T10:00:00+07:00\",\"type\":\"escalated\"}}");
    let (line, message) = syntax_line(&text);
    assert_eq!(line, 2);
    assert!(message.contains("escalated"), "{message}");
}

#[test]
fn missing_or_bad_at() {
    let (line, message) = syntax_line(&format!("{CREATED}\n{{\"type\":\"acknowledged\"}}"));
    assert_eq!(line, 2);
    assert!(message.contains("\"at\""), "{message}");
    // Without an offset.
    let (line, _) = syntax_line(&format!(
        "{CREATED}\n{{\"at\":\"2026-03-16T10:00:00\",\"type\":\"acknowledged\"}}"
    ));
    assert_eq!(line, 2);
    // A `paused` without a reason, and with an unknown one.
    let (line, _) = syntax_line(&format!(
        "{CREATED}\n{{\"at\":\"2026-03-16T10:00:00+07:00\",\"type\":\"paused\"}}"
    ));
    assert_eq!(line, 2);
    let (line, message) = syntax_line(&format!(
        "{CREATED}\n{{\"at\":\"2026-03-16T10:00:00+07:00\",\"type\":\"paused\",\"reason\":\"lunch\"}}"
    ));
    assert_eq!(line, 2);
    assert!(message.contains("lunch"), "{message}");
}

fn invalid(policy: &Policy, lines: &[&str]) -> String {
    match evaluate(policy, &events(lines), wib("2026-03-20 12:00")) {
        Err(e @ EventError::Invalid(_)) => {
            assert_eq!(e.code(), "events.invalid");
            e.to_string()
        }
        other => panic!("expected an invalid-events error, got {other:?}"),
    }
}

#[test]
fn unknown_priority() {
    let p = load("innovasia");
    let m = invalid(&p, &["2026-03-16 09:00 created priority=P4"]);
    assert!(m.contains("P4"), "{m}");
    // In a later priority change.
    let m = invalid(
        &p,
        &[
            "2026-03-16 09:00 created priority=P2",
            "2026-03-16 10:00 priority to=urgent",
        ],
    );
    assert!(m.contains("urgent"), "{m}");
}

#[test]
fn unknown_kind() {
    let p = load("ampocloud");
    let m = invalid(
        &p,
        &["2026-03-16 09:00 created priority=standard kind=firmware"],
    );
    assert!(m.contains("firmware"), "{m}");
}

#[test]
fn unknown_channel_and_attribute_value() {
    let m = invalid(
        &load("benemica"),
        &["2026-03-16 09:00 created priority=high channel=telegram"],
    );
    assert!(m.contains("telegram"), "{m}");
    let m = invalid(
        &load("microsoft-unified"),
        &["2026-03-16 09:00 created priority=1 product=aws"],
    );
    assert!(m.contains("aws"), "{m}");
}

#[test]
fn first_event_not_created() {
    let p = load("innovasia");
    let m = invalid(
        &p,
        &[
            "2026-03-16 08:00 acknowledged",
            "2026-03-16 09:00 created priority=P2",
        ],
    );
    assert!(m.contains("created"), "{m}");
    // No events at all.
    assert!(matches!(
        evaluate(&p, &[], wib("2026-03-16 12:00")),
        Err(EventError::Invalid(_))
    ));
    // A second `created`.
    let m = invalid(
        &p,
        &[
            "2026-03-16 09:00 created priority=P2",
            "2026-03-16 10:00 created priority=P1",
        ],
    );
    assert!(m.contains("created"), "{m}");
}

#[test]
fn warn_at_must_be_ascending_percentages_below_100() {
    for bad in [
        "[75, 50]",
        "[0, 50]",
        "[50, 100]",
        "[50, 50]",
        "[10, 20, 30, 40, 50, 60]",
    ] {
        let text = broken(
            "[escalation]\n",
            &format!("[escalation]\nwarn_at = {bad}\n"),
        );
        assert_error(
            &text,
            "policy.percent",
            "warn_at",
            Some("escalation.warn_at"),
        );
    }
    // Given, it replaces the default 50 % and 75 %; an empty list means no warnings.
    let p = policy(&broken(
        "[escalation]\n",
        "[escalation]\nwarn_at = [80, 90.5]\n",
    ));
    assert_eq!(p.escalation.warn_at, [80.0, 90.5]);
    let p = policy(&broken("[escalation]\n", "[escalation]\nwarn_at = []\n"));
    assert!(p.escalation.warn_at.is_empty());
    assert_eq!(
        policy(BASE).escalation.warn_at,
        tenggat_sla::DEFAULT_WARN_AT
    );
}
