//! Property tests of the clock fold on random event sequences, for a small inline policy
//! (under both `on_priority_change` rules) and for the `innovasia` preset:
//!
//! - adding a pause never makes a due instant (or a breach, or an escalation) earlier;
//! - evaluating at increasing `now` never moves a `met` or `breached` metric back, and
//!   `met_at` / `breached_at` / fired rules never change once set;
//! - `next_change` is after `now`, nothing changes strictly before it (without a new event),
//!   and something does change at it;
//! - pre-breach warnings: once reached they stay, in ascending order, never after the breach
//!   or the satisfying event; none is reached before `next_warning` (without a new event),
//!   and one is reached exactly at it;
//! - `elapsed + remaining == target` for running and paused clocks (checked on every
//!   evaluation by `common::invariants`, with the other per-evaluation invariants).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use common::*;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use tenggat_sla::{
    Evaluation, EventKind, Metric, PauseReason, Policy, Satisfier, State, TicketEvent, evaluate,
};

fn inline_policy(on_priority_change: &str) -> Policy {
    static RETROACTIVE: OnceLock<Policy> = OnceLock::new();
    static RESTART: OnceLock<Policy> = OnceLock::new();
    let cell = if on_priority_change == "restart" {
        &RESTART
    } else {
        &RETROACTIVE
    };
    cell.get_or_init(|| inline_policy_text(on_priority_change))
        .clone()
}

fn innovasia() -> Policy {
    static CELL: OnceLock<Policy> = OnceLock::new();
    CELL.get_or_init(|| load("innovasia")).clone()
}

fn inline_policy_text(on_priority_change: &str) -> Policy {
    policy(&format!(
        r#"
id = "prop"
name = {{ id = "Uji", en = "Test" }}
calendar = "business"
on_priority_change = "{on_priority_change}"
on_reopen = "resume"

[calendars]
business = "innovasia"
always = "24x7"
desk = {{ timezone = "Asia/Jakarta", holidays = ["id-national"], week = {{ mon = ["08:00-12:00", "13:00-16:00"], tue = ["08:00-12:00", "13:00-16:00"], wed = ["08:00-12:00", "13:00-16:00"], thu = ["08:00-12:00", "13:00-16:00"], fri = ["08:00-12:00"] }} }}

[[priorities]]
id = "high"
name = {{ id = "Tinggi", en = "High" }}

[[priorities]]
id = "low"
name = {{ id = "Rendah", en = "Low" }}

[[targets]]
metric = "response"
target = "2h"
paused_by = ["waiting_on_customer"]

[[targets]]
priority = "high"
metric = "response"
target = "30m"
calendar = "always"

[[targets]]
priority = "high"
metric = "workaround"
target = "4h"
calendar = "always"
paused_by = ["waiting_on_customer", "maintenance"]

[[targets]]
metric = "resolution"
target = "2bd"
paused_by = ["waiting_on_customer", "maintenance", "awaiting_permit"]

[[targets]]
priority = "high"
metric = "resolution"
target = "7h"
paused_by = ["waiting_on_customer", "maintenance"]

[[channels]]
id = "desk"
name = {{ id = "Meja", en = "Desk" }}
calendar = "desk"
response = "45m"

[[channels]]
id = "web"
name = {{ id = "Web", en = "Web" }}

[[channels]]
id = "chat"
name = {{ id = "Obrolan", en = "Chat" }}
official = false

[escalation]
levels = [
  {{ level = 1, name = {{ id = "L1", en = "L1" }}, role = {{ id = "a", en = "a" }} }},
  {{ level = 2, name = {{ id = "L2", en = "L2" }}, role = {{ id = "b", en = "b" }} }},
  {{ level = 3, name = {{ id = "L3", en = "L3" }}, role = {{ id = "c", en = "c" }} }},
]

[[escalation.rules]]
id = "resolution-75pct"
level = 2
metric = "resolution"
percent = 75
until = ["workaround", "resolved"]

[[escalation.rules]]
id = "high-response-20m"
level = 2
priority = "high"
metric = "response"
after = "20m"

[[escalation.rules]]
id = "workaround-100pct"
level = 3
metric = "workaround"
percent = 100
"#
    ))
}

/// Which events a generated sequence may hold.
#[derive(Debug, Clone, Copy)]
struct Mix {
    priorities: &'static [&'static str],
    channels: &'static [&'static str],
    /// Priority changes and reopening (they may legitimately undo a result).
    changes: bool,
    /// Pause reasons the sequence may use.
    reasons: &'static [PauseReason],
}

const ALL_REASONS: &[PauseReason] = &[
    PauseReason::WaitingOnCustomer,
    PauseReason::AwaitingPermit,
    PauseReason::Maintenance,
];
/// The pause property adds `waiting_on_customer` (which stops the most clocks); the sequence
/// it is added to uses the other reasons.
const ADDED_REASON: PauseReason = PauseReason::WaitingOnCustomer;
const BASE_REASONS: &[PauseReason] = &[PauseReason::AwaitingPermit, PauseReason::Maintenance];

const INLINE: Mix = Mix {
    priorities: &["high", "low"],
    channels: &["", "desk", "web", "chat"],
    changes: true,
    reasons: ALL_REASONS,
};
const INNOVASIA: Mix = Mix {
    priorities: &["P1", "P2", "P3"],
    channels: &["", "phone", "portal"],
    changes: true,
    reasons: ALL_REASONS,
};

/// 1 Mar 2026 00:00 WIB.
fn epoch() -> Timestamp {
    wib("2026-03-01 00:00")
}

fn at(minutes: i64) -> Timestamp {
    epoch() + SignedDuration::from_mins(minutes)
}

/// Gaps between events, in minutes: often short, sometimes days.
fn gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => Just(0i64),
        6 => 1i64..90,
        4 => 90i64..1_440,
        2 => 1_440i64..7_200,
    ]
}

fn step(mix: Mix) -> impl Strategy<Value = EventKind> {
    let reason = prop::sample::select(mix.reasons.to_vec());
    let priority = prop::sample::select(mix.priorities.to_vec());
    let mut options: Vec<(u32, BoxedStrategy<EventKind>)> = vec![
        (
            2,
            Just(EventKind::Progress(Satisfier::Acknowledged)).boxed(),
        ),
        (1, Just(EventKind::Progress(Satisfier::Workaround)).boxed()),
        (1, Just(EventKind::Progress(Satisfier::Resolved)).boxed()),
        (4, reason.clone().prop_map(EventKind::Paused).boxed()),
        (
            4,
            prop::option::weighted(0.7, reason)
                .prop_map(EventKind::Resumed)
                .boxed(),
        ),
        (1, Just(EventKind::Closed).boxed()),
    ];
    if mix.changes {
        options.push((
            2,
            priority.prop_map(|p| EventKind::Priority(p.into())).boxed(),
        ));
        options.push((1, Just(EventKind::Reopened).boxed()));
        options.push((1, Just(EventKind::WorkaroundRejected).boxed()));
    }
    prop::strategy::Union::new_weighted(options)
}

/// A ticket: `created` at a random minute of Mar–Jun 2026, then up to 12 events.
fn ticket(mix: Mix) -> impl Strategy<Value = Vec<TicketEvent>> {
    (
        0i64..(120 * 1_440),
        prop::sample::select(mix.priorities.to_vec()),
        prop::sample::select(mix.channels.to_vec()),
        prop::collection::vec((gap(), step(mix)), 0..12),
    )
        .prop_map(|(start, priority, channel, steps)| {
            let mut t = start;
            let mut out = vec![TicketEvent {
                at: at(t),
                kind: EventKind::Created {
                    priority: priority.into(),
                    kind: None,
                    channel: (!channel.is_empty()).then(|| channel.to_string()),
                    attributes: BTreeMap::new(),
                },
            }];
            for (g, kind) in steps {
                t += g;
                out.push(TicketEvent { at: at(t), kind });
            }
            out
        })
}

/// An offset from the report, in minutes: mostly within the first days, sometimes weeks.
fn minutes() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 0i64..600,
        4 => 0i64..(2 * 1_440),
        2 => 0i64..(6 * 1_440),
        1 => 0i64..(30 * 1_440),
    ]
}

/// An offset from the report, in seconds (not aligned to minutes).
fn seconds() -> impl Strategy<Value = i64> {
    (minutes(), 0i64..60).prop_map(|(m, s)| m * 60 + s)
}

/// What must not change before `next_change`: states, due instants, met/breached instants and
/// fired rules.
type Snapshot = (
    Vec<(
        Metric,
        State,
        Option<Timestamp>,
        Option<Timestamp>,
        Option<Timestamp>,
    )>,
    Vec<(String, Timestamp)>,
    u8,
);

fn snapshot(e: &Evaluation) -> Snapshot {
    (
        e.metrics
            .iter()
            .map(|m| (m.metric, m.state, m.due, m.met_at, m.breached_at))
            .collect(),
        fired(e),
        e.escalation.level,
    )
}

// ------------------------------------------------------------------------------------------
// Adding a pause never makes anything earlier.
// ------------------------------------------------------------------------------------------

fn check_pause_never_earlier(
    p: &Policy,
    events: &[TicketEvent],
    pause_at: i64,
    length: Option<i64>,
    now_off: i64,
) -> Result<(), TestCaseError> {
    let created = events[0].at;
    let pause = created + SignedDuration::from_mins(pause_at);
    let mut with = events.to_vec();
    with.push(TicketEvent {
        at: pause,
        kind: EventKind::Paused(ADDED_REASON),
    });
    if let Some(len) = length {
        with.push(TicketEvent {
            at: pause + SignedDuration::from_mins(len),
            kind: EventKind::Resumed(Some(ADDED_REASON)),
        });
    }
    // Evaluated after the added pause ended (or, without a resume, while it lasts).
    let now = pause + SignedDuration::from_mins(length.unwrap_or(0) + now_off);
    let base = eval_events(p, events, now);
    let paused = eval_events(p, &with, now);
    prop_assert_eq!(base.metrics.len(), paused.metrics.len());
    for (b, w) in base.metrics.iter().zip(&paused.metrics) {
        prop_assert_eq!(b.metric, w.metric);
        if let (Some(bd), Some(wd)) = (b.due, w.due) {
            prop_assert!(
                wd >= bd,
                "{:?}: due {} with the pause, {} without",
                b.metric,
                wd,
                bd
            );
        }
        if let Some(wb) = w.breached_at {
            prop_assert!(
                b.breached_at.is_some_and(|bb| bb <= wb),
                "{:?}: breached at {} only with the pause ({:?} without)",
                b.metric,
                wb,
                b.breached_at
            );
        }
        // Elapsed time compares only on the same clock: under `restart` the pause can move
        // the period that decides the metric (and so the clock's start and pause rules).
        if b.start == w.start {
            prop_assert!(w.elapsed_nanos <= b.elapsed_nanos, "{:?}", b.metric);
        }
    }
    for (rule, wat) in fired(&paused) {
        let bat = fired(&base).into_iter().find(|f| f.0 == rule).map(|f| f.1);
        prop_assert!(
            bat.is_some_and(|bat| bat <= wat),
            "{} fired at {} with the pause, {:?} without",
            rule,
            wat,
            bat
        );
    }
    Ok(())
}

fn pause_mix(mut mix: Mix) -> Mix {
    mix.reasons = BASE_REASONS;
    mix
}

proptest! {
    #[test]
    fn adding_a_pause_never_makes_a_due_earlier_inline(
        events in ticket(pause_mix(INLINE)),
        pause_at in minutes(),
        length in prop::option::weighted(0.8, prop_oneof![0i64..600, 0i64..5_000]),
        now_off in minutes(),
        restart in any::<bool>(),
    ) {
        let p = inline_policy(if restart { "restart" } else { "retroactive" });
        check_pause_never_earlier(&p, &events, pause_at, length, now_off)?;
    }

    #[test]
    fn adding_a_pause_never_makes_a_due_earlier_innovasia(
        events in ticket(pause_mix(INNOVASIA)),
        pause_at in minutes(),
        length in prop::option::weighted(0.8, prop_oneof![0i64..600, 0i64..5_000]),
        now_off in minutes(),
    ) {
        check_pause_never_earlier(&innovasia(), &events, pause_at, length, now_off)?;
    }
}

// ------------------------------------------------------------------------------------------
// Results are final as `now` increases.
// ------------------------------------------------------------------------------------------

fn check_results_are_final(
    p: &Policy,
    events: &[TicketEvent],
    mut offsets: Vec<i64>,
) -> Result<(), TestCaseError> {
    offsets.sort_unstable();
    let created = events[0].at;
    let mut previous: Option<Evaluation> = None;
    for off in offsets {
        let now = created + SignedDuration::from_secs(off);
        let e = eval_events(p, events, now);
        if let Some(prev) = &previous {
            for (a, b) in prev.metrics.iter().zip(&e.metrics) {
                prop_assert_eq!(a.metric, b.metric);
                match a.state {
                    State::Met | State::Breached => {
                        prop_assert_eq!(
                            b.state,
                            a.state,
                            "{:?} went from {:?} at {} to {:?} at {}",
                            a.metric,
                            a.state,
                            prev.now,
                            b.state,
                            now
                        );
                    }
                    _ => {}
                }
                if a.met_at.is_some() {
                    prop_assert_eq!(b.met_at, a.met_at, "{:?} met_at", a.metric);
                }
                if a.breached_at.is_some() {
                    prop_assert_eq!(b.breached_at, a.breached_at, "{:?} breached_at", a.metric);
                }
            }
            let now_fired = fired(&e);
            for f in fired(prev) {
                prop_assert!(now_fired.contains(&f), "{:?} lost at {}", f, now);
            }
            for (a, b) in prev.metrics.iter().zip(&e.metrics) {
                prop_assert!(
                    b.warnings.starts_with(&a.warnings),
                    "{:?} warnings {:?} at {} became {:?} at {}",
                    a.metric,
                    a.warnings,
                    prev.now,
                    b.warnings,
                    now
                );
            }
        }
        previous = Some(e);
    }
    Ok(())
}

fn final_mix(mut mix: Mix) -> Mix {
    mix.changes = false;
    mix
}

proptest! {
    #[test]
    fn met_and_breached_are_final_inline(
        events in ticket(final_mix(INLINE)),
        offsets in prop::collection::vec(seconds(), 2..8),
        restart in any::<bool>(),
    ) {
        let p = inline_policy(if restart { "restart" } else { "retroactive" });
        check_results_are_final(&p, &events, offsets)?;
    }

    #[test]
    fn met_and_breached_are_final_innovasia(
        events in ticket(final_mix(INNOVASIA)),
        offsets in prop::collection::vec(seconds(), 2..8),
    ) {
        check_results_are_final(&innovasia(), &events, offsets)?;
    }
}

// ------------------------------------------------------------------------------------------
// Nothing changes before `next_change`.
// ------------------------------------------------------------------------------------------

fn check_next_change(
    p: &Policy,
    events: &[TicketEvent],
    now_off: i64,
    fractions: Vec<u32>,
) -> Result<(), TestCaseError> {
    let now = events[0].at + SignedDuration::from_secs(now_off);
    // Only the events up to `now`: nothing new happens afterwards.
    let known: Vec<TicketEvent> = events.iter().filter(|e| e.at <= now).cloned().collect();
    let e = eval_events(p, &known, now);
    let snap = snapshot(&e);
    match e.next_change {
        Some(next) => {
            prop_assert!(next > now);
            let span = next.duration_since(now).as_nanos();
            for f in fractions {
                if span < 2 {
                    break;
                }
                // Strictly between now and next.
                let offset = (span * i128::from(f) / 1_000_000).clamp(1, span - 1);
                let t = now + SignedDuration::from_nanos(offset as i64);
                let later = eval_events(p, &known, t);
                prop_assert_eq!(
                    snapshot(&later),
                    snap.clone(),
                    "changed at {} before next_change {} (now {})",
                    t,
                    next,
                    now
                );
            }
            // Just before it, too; and at it something does change.
            let before = next - SignedDuration::from_nanos(1);
            if before > now {
                prop_assert_eq!(snapshot(&eval_events(p, &known, before)), snap.clone());
            }
            let at_next = eval_events(p, &known, next);
            prop_assert_ne!(
                snapshot(&at_next),
                snap,
                "nothing changed at next_change {} (now {})",
                next,
                now
            );
        }
        None => {
            for f in fractions {
                let t = now + SignedDuration::from_secs(i64::from(f) * 6); // up to ~70 days
                let later = eval_events(p, &known, t);
                prop_assert_eq!(
                    snapshot(&later),
                    snap.clone(),
                    "changed at {} without next_change",
                    t
                );
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Pre-breach warnings: ordered, before the breach, exactly at `next_warning`.
// ------------------------------------------------------------------------------------------

/// Every metric's warnings, as (metric, percent, instant).
fn warnings_of(e: &Evaluation) -> Vec<(Metric, u64, Timestamp)> {
    e.metrics
        .iter()
        .flat_map(|m| {
            m.warnings
                .iter()
                .map(move |w| (m.metric, w.percent.to_bits(), w.at))
        })
        .collect()
}

fn check_warnings(
    p: &Policy,
    events: &[TicketEvent],
    now_off: i64,
    fractions: Vec<u32>,
) -> Result<(), TestCaseError> {
    let now = events[0].at + SignedDuration::from_secs(now_off);
    let known: Vec<TicketEvent> = events.iter().filter(|e| e.at <= now).cloned().collect();
    let e = eval_events(p, &known, now);
    for m in &e.metrics {
        for pair in m.warnings.windows(2) {
            prop_assert!(pair[0].percent < pair[1].percent && pair[0].at <= pair[1].at);
        }
        for w in &m.warnings {
            prop_assert!(
                w.at <= now && w.at >= m.start,
                "{:?} warning {:?}",
                m.metric,
                w
            );
            if let Some(b) = m.breached_at {
                prop_assert!(
                    w.at <= b,
                    "{:?} warning {:?} after the breach {}",
                    m.metric,
                    w,
                    b
                );
            }
            if let Some(met) = m.met_at {
                prop_assert!(
                    w.at < met,
                    "{:?} warning {:?} after met {}",
                    m.metric,
                    w,
                    met
                );
            }
        }
    }
    let reached = warnings_of(&e);
    match e.next_warning {
        Some(next) => {
            prop_assert!(next > now);
            let span = next.duration_since(now).as_nanos();
            for f in fractions {
                if span < 2 {
                    break;
                }
                let offset = (span * i128::from(f) / 1_000_000).clamp(1, span - 1);
                let t = now + SignedDuration::from_nanos(offset as i64);
                prop_assert_eq!(
                    warnings_of(&eval_events(p, &known, t)),
                    reached.clone(),
                    "a warning at {} before next_warning {} (now {})",
                    t,
                    next,
                    now
                );
            }
            let before = next - SignedDuration::from_nanos(1);
            if before > now {
                prop_assert_eq!(
                    warnings_of(&eval_events(p, &known, before)),
                    reached.clone()
                );
            }
            let at_next = warnings_of(&eval_events(p, &known, next));
            let new: Vec<_> = at_next.iter().filter(|w| !reached.contains(w)).collect();
            prop_assert!(
                !new.is_empty() && new.iter().all(|w| w.2 == next),
                "at next_warning {} (now {}) the new warnings are {:?}",
                next,
                now,
                new
            );
        }
        None => {
            for f in fractions {
                let t = now + SignedDuration::from_secs(i64::from(f) * 6);
                prop_assert_eq!(
                    warnings_of(&eval_events(p, &known, t)),
                    reached.clone(),
                    "a warning at {} without next_warning",
                    t
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn warnings_come_exactly_at_next_warning_inline(
        events in ticket(INLINE),
        now_off in seconds(),
        fractions in prop::collection::vec(0u32..1_000_000, 1..5),
        restart in any::<bool>(),
    ) {
        let p = inline_policy(if restart { "restart" } else { "retroactive" });
        check_warnings(&p, &events, now_off, fractions)?;
    }

    #[test]
    fn warnings_come_exactly_at_next_warning_innovasia(
        events in ticket(INNOVASIA),
        now_off in seconds(),
        fractions in prop::collection::vec(0u32..1_000_000, 1..5),
    ) {
        check_warnings(&innovasia(), &events, now_off, fractions)?;
    }
}

proptest! {
    #[test]
    fn nothing_changes_before_next_change_inline(
        events in ticket(INLINE),
        now_off in seconds(),
        fractions in prop::collection::vec(0u32..1_000_000, 1..5),
        restart in any::<bool>(),
    ) {
        let p = inline_policy(if restart { "restart" } else { "retroactive" });
        check_next_change(&p, &events, now_off, fractions)?;
    }

    #[test]
    fn nothing_changes_before_next_change_innovasia(
        events in ticket(INNOVASIA),
        now_off in seconds(),
        fractions in prop::collection::vec(0u32..1_000_000, 1..5),
    ) {
        check_next_change(&innovasia(), &events, now_off, fractions)?;
    }

    /// Every evaluation of any sequence keeps the per-evaluation invariants
    /// (`elapsed + remaining == target` for running and paused clocks, …).
    #[test]
    fn elapsed_plus_remaining_is_the_target(
        events in ticket(INLINE),
        now_off in seconds(),
        restart in any::<bool>(),
    ) {
        let p = inline_policy(if restart { "restart" } else { "retroactive" });
        let now = events[0].at + SignedDuration::from_secs(now_off);
        let e = evaluate(&p, &events, now).unwrap();
        invariants(&e);
        for m in &e.metrics {
            if matches!(m.state, State::Running | State::Paused) {
                prop_assert_eq!(m.elapsed_nanos + m.remaining_nanos.unwrap(), m.target_nanos.unwrap());
                prop_assert!(m.remaining_nanos.unwrap() > 0, "{:?}", m);
            }
        }
    }
}

proptest! {
    /// Under `restart`, every priority period keeps its own clocks, so a fired rule stays
    /// fired at the same instant whatever happens later (priority changes and reopening
    /// included). (Under `retroactive` a lowered priority is recomputed from the report and
    /// may legitimately withdraw a rule.)
    #[test]
    fn fired_rules_are_final_under_restart(
        events in ticket(INLINE),
        offsets in prop::collection::vec(seconds(), 2..8),
    ) {
        let p = inline_policy("restart");
        let mut offsets = offsets;
        offsets.sort_unstable();
        let mut previous: Vec<(String, Timestamp)> = Vec::new();
        for off in offsets {
            let now = events[0].at + SignedDuration::from_secs(off);
            let now_fired = fired(&eval_events(&p, &events, now));
            for f in &previous {
                prop_assert!(now_fired.contains(f), "{:?} lost at {}: {:?}", f, now, now_fired);
            }
            previous = now_fired;
        }
    }
}
