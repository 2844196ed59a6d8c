//! Shared helpers of the integration tests of `tenggat-sla`.
//!
//! Events are written as short lines, `"<date> <time> <type> key=value …"`, with the instant
//! in WIB (Asia/Jakarta, +07:00), e.g. `"2026-03-13 16:30 created priority=P2"`. The lines are
//! turned into JSON Lines and read with [`TicketEvent::parse_jsonl`], so every scenario also
//! exercises the event parser.
#![allow(clippy::unwrap_used, dead_code)]

use jiff::Timestamp;
use serde_json::{Map, Value};
use tenggat_sla::{Evaluation, Metric, MetricResult, Policy, State, TicketEvent, evaluate, preset};

/// One hour / minute of business time, in nanoseconds.
pub const SEC: i64 = 1_000_000_000;
/// One minute, in nanoseconds.
pub const MIN: i64 = 60 * SEC;
/// One hour, in nanoseconds.
pub const HOUR: i64 = 60 * MIN;

/// An instant written `YYYY-MM-DD HH:MM` (or `HH:MM:SS`) in WIB (+07:00), or full RFC 3339.
pub fn wib(s: &str) -> Timestamp {
    if s.contains('T') {
        return s
            .parse()
            .unwrap_or_else(|e| panic!("bad instant {s:?}: {e}"));
    }
    let (date, time) = s
        .split_once(' ')
        .unwrap_or_else(|| panic!("bad instant {s:?}"));
    let time = if time.len() == 5 {
        format!("{time}:00")
    } else {
        time.to_string()
    };
    format!("{date}T{time}+07:00")
        .parse()
        .unwrap_or_else(|e| panic!("bad instant {s:?}: {e}"))
}

/// The JSON Lines text of short event lines.
pub fn jsonl(lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        let mut words = line.split_whitespace();
        let date = words.next().unwrap();
        let time = words.next().unwrap();
        let ty = words.next().unwrap();
        let mut obj = Map::new();
        obj.insert(
            "at".into(),
            Value::String(wib(&format!("{date} {time}")).to_string()),
        );
        obj.insert("type".into(), Value::String(ty.into()));
        for kv in words {
            let (k, v) = kv.split_once('=').unwrap();
            obj.insert(k.into(), Value::String(v.into()));
        }
        out.push_str(&Value::Object(obj).to_string());
        out.push('\n');
    }
    out
}

/// Parsed events of short event lines.
pub fn events(lines: &[&str]) -> Vec<TicketEvent> {
    TicketEvent::parse_jsonl(&jsonl(lines)).unwrap()
}

/// A preset by name (panics if it does not load).
pub fn load(name: &str) -> Policy {
    preset(name)
        .unwrap_or_else(|| panic!("no preset {name}"))
        .unwrap_or_else(|e| panic!("preset {name}: {e}"))
}

/// A policy from TOML text (panics on an error).
pub fn policy(toml: &str) -> Policy {
    Policy::from_toml(toml).unwrap_or_else(|e| panic!("policy: {e} ({})", e.code))
}

/// Evaluates short event lines at `now` (WIB) and checks the invariants every evaluation
/// must keep.
pub fn eval(policy: &Policy, lines: &[&str], now: &str) -> Evaluation {
    eval_events(policy, &events(lines), wib(now))
}

/// Evaluates events at `now` and checks the invariants every evaluation must keep.
pub fn eval_events(policy: &Policy, events: &[TicketEvent], now: Timestamp) -> Evaluation {
    let e = evaluate(policy, events, now).unwrap_or_else(|err| panic!("evaluate: {err}"));
    invariants(&e);
    e
}

/// Invariants of one evaluation.
pub fn invariants(e: &Evaluation) {
    if let Some(n) = e.next_change {
        assert!(n > e.now, "next_change {n} is not after now {}", e.now);
    }
    for m in &e.metrics {
        match m.state {
            State::Running | State::Paused => {
                let target = m.target_nanos.expect("a clock without a target");
                assert_eq!(
                    m.elapsed_nanos + m.remaining_nanos.unwrap(),
                    target,
                    "elapsed + remaining != target for {:?}",
                    m.metric
                );
                assert!(m.met_at.is_none() && m.breached_at.is_none(), "{m:?}");
            }
            State::Met => assert!(m.met_at.is_some() && m.breached_at.is_none(), "{m:?}"),
            State::Breached => {
                assert!(m.breached_at.is_some(), "{m:?}");
                assert!(m.breached_at <= Some(e.now), "{m:?}");
            }
            State::NotApplicable => assert!(m.breached_at.is_none(), "{m:?}"),
        }
        if m.state == State::Running
            && let Some(due) = m.due
        {
            assert!(due > e.now, "a running clock due at {due} <= now {}", e.now);
            // Something changes at the latest when the clock runs out.
            assert!(e.next_change.is_some_and(|n| n <= due), "{e:?}");
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in &e.escalation.fired {
        assert!(f.at <= e.now, "fired in the future: {f:?}");
        assert!(seen.insert(f.rule.clone()), "rule {} fired twice", f.rule);
    }
    let level = e
        .escalation
        .fired
        .iter()
        .map(|f| f.level)
        .max()
        .unwrap_or(1);
    assert_eq!(e.escalation.level, level.max(1));
}

/// The result of one metric (panics if the evaluation has none).
pub fn metric(e: &Evaluation, m: Metric) -> &MetricResult {
    e.metrics
        .iter()
        .find(|r| r.metric == m)
        .unwrap_or_else(|| panic!("no {} metric in {:?}", m.as_str(), ids(e)))
}

/// Does the evaluation carry this metric?
pub fn has(e: &Evaluation, m: Metric) -> bool {
    e.metrics.iter().any(|r| r.metric == m)
}

/// The metric ids of an evaluation, in order.
pub fn ids(e: &Evaluation) -> Vec<&'static str> {
    e.metrics.iter().map(|m| m.metric.as_str()).collect()
}

/// Asserts state and due (WIB text or `None`).
#[track_caller]
pub fn assert_clock(e: &Evaluation, m: Metric, state: State, due: Option<&str>) {
    let r = metric(e, m);
    assert_eq!(r.state, state, "{} state; {r:#?}", m.as_str());
    assert_eq!(r.due, due.map(wib), "{} due; {r:#?}", m.as_str());
}

/// The due instant of a metric (panics if it has none).
#[track_caller]
pub fn due(e: &Evaluation, m: Metric) -> Timestamp {
    metric(e, m)
        .due
        .unwrap_or_else(|| panic!("{} has no due: {:#?}", m.as_str(), metric(e, m)))
}

/// The fired rules as (rule, WIB instant).
pub fn fired(e: &Evaluation) -> Vec<(String, Timestamp)> {
    e.escalation
        .fired
        .iter()
        .map(|f| (f.rule.clone(), f.at))
        .collect()
}

/// `(rule, instant)` pairs with the instant in WIB.
pub fn rules(list: &[(&str, &str)]) -> Vec<(String, Timestamp)> {
    list.iter().map(|(r, t)| (r.to_string(), wib(t))).collect()
}
