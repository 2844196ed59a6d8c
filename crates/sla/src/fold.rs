//! The clock fold: `evaluate(policy, events, now)`.
//!
//! Everything is recomputed from the events; nothing is stored. A *clock* runs from its start
//! while the ticket is open, not paused for a reason the clock honours, and not yet satisfied;
//! its running stretches are measured on its calendar with the business-time engine. A
//! metric's due instant is where the business time over those stretches reaches its target;
//! an escalation rule fires where it reaches the rule's threshold.

use std::collections::BTreeMap;

use jiff::Timestamp;
use tenggat_time::Calendar;

use crate::error::EventError;
use crate::event::{EventKind, TicketEvent};
use crate::model::{
    EscalationRule, Metric, PauseReason, PriorityChange, ReopenRule, Satisfier, Target, TargetRule,
    Trigger,
};
use crate::policy::Policy;

/// The state of one clock at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Counting business time.
    Running,
    /// Stopped by a pause reason the metric honours.
    Paused,
    /// Satisfied within the target.
    Met,
    /// The target was used up before a satisfying event.
    Breached,
    /// No clock: no commitment, `next_release`, a non-official channel, or closed unmet.
    NotApplicable,
}

impl State {
    /// The stable id.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Paused => "paused",
            State::Met => "met",
            State::Breached => "breached",
            State::NotApplicable => "not_applicable",
        }
    }
}

/// One metric of a ticket at `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricResult {
    /// Which metric.
    pub metric: Metric,
    /// Its state.
    pub state: State,
    /// The promise.
    pub target: Target,
    /// Exact business time of the target, nanoseconds (when it is a duration).
    pub target_nanos: Option<i64>,
    /// The calendar it runs on (name in the policy).
    pub calendar: String,
    /// When the clock started.
    pub start: Timestamp,
    /// The due instant with pauses accounted (none while paused or without a clock).
    pub due: Option<Timestamp>,
    /// When it was met.
    pub met_at: Option<Timestamp>,
    /// When it was breached.
    pub breached_at: Option<Timestamp>,
    /// Business time elapsed on the clock, nanoseconds.
    pub elapsed_nanos: i64,
    /// Business time left, nanoseconds (running or paused clocks only).
    pub remaining_nanos: Option<i64>,
    /// Elapsed as a percentage of the target.
    pub percent_elapsed: Option<f64>,
    /// Pause reasons stopping the clock now.
    pub paused_by: Vec<PauseReason>,
    /// Stretches in which the clock ran; the last one may end at `now`.
    pub stretches: Vec<(Timestamp, Timestamp)>,
    /// The SLA clause of the target.
    pub source: Option<String>,
    /// Pre-breach warnings reached by `now` (the policy's `warn_at` percentages of the
    /// target, crossed before the clock was met), in order.
    pub warnings: Vec<Warning>,
}

/// A pre-breach warning: the instant a running clock used up a percentage of its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Warning {
    /// The percentage of the target (`warn_at`).
    pub percent: f64,
    /// The exact instant.
    pub at: Timestamp,
}

/// A percentage of a target in nanoseconds, to the thousandth of a percent (the same
/// rounding for warnings and percentage escalation rules).
fn percent_of(d: i64, p: f64) -> i64 {
    (i128::from(d) * ((p * 1000.0).round() as i128) / 100_000) as i64
}

/// An escalation rule that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredRule {
    /// The level it raised the ticket to.
    pub level: u8,
    /// The rule id.
    pub rule: String,
    /// The exact instant.
    pub at: Timestamp,
}

/// The escalation state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationResult {
    /// Level reached (1 = where every ticket starts).
    pub level: u8,
    /// Rules fired, in time order.
    pub fired: Vec<FiredRule>,
}

/// The SLA result of one ticket at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Priority in force at `now`.
    pub priority: String,
    /// Ticket kind.
    pub kind: String,
    /// The instant evaluated.
    pub now: Timestamp,
    /// One entry per metric the policy defines for the ticket.
    pub metrics: Vec<MetricResult>,
    /// Escalation.
    pub escalation: EscalationResult,
    /// The next instant at which a clock's state or the escalation can change without a new
    /// event (a breach, an escalation rule).
    pub next_change: Option<Timestamp>,
    /// The next pre-breach warning of a running clock, if one is still ahead. A scheduler
    /// wakes at the earlier of this and `next_change`.
    pub next_warning: Option<Timestamp>,
}

/// An event, reduced to what clocks need, in nanoseconds.
#[derive(Debug, Clone, Copy)]
enum Step {
    Progress(Satisfier),
    /// The latest workaround was rejected.
    WorkaroundRejected,
    Pause(u8),
    Resume(u8),
    Priority,
    Reopen,
    Close,
}

/// The ticket's history up to `now`.
struct Timeline<'e> {
    created: i64,
    kind: String,
    channel: Option<String>,
    attrs: BTreeMap<String, String>,
    /// Priority periods: (start, priority id), the first at `created`.
    priorities: Vec<(i64, &'e str)>,
    steps: Vec<(i64, Step)>,
    now: i64,
}

fn nanos(t: Timestamp) -> i64 {
    t.as_nanosecond().clamp(
        i128::from(tenggat_time::MIN_INSTANT),
        i128::from(tenggat_time::MAX_INSTANT),
    ) as i64
}

fn ts(n: i64) -> Timestamp {
    Timestamp::from_nanosecond(i128::from(n)).unwrap_or(Timestamp::MAX)
}

impl<'e> Timeline<'e> {
    fn new(
        policy: &Policy,
        events: &'e [TicketEvent],
        now: i64,
    ) -> Result<Timeline<'e>, EventError> {
        // Events are usually stored in order; sort (stably) only when they are not.
        let sorted: Vec<&TicketEvent>;
        let mut iter: Box<dyn Iterator<Item = &TicketEvent>> = if events.is_sorted_by_key(|e| e.at)
        {
            Box::new(events.iter())
        } else {
            let mut v: Vec<&TicketEvent> = events.iter().collect();
            v.sort_by_key(|e| e.at);
            sorted = v;
            Box::new(sorted.iter().copied())
        };
        let first = iter.next().ok_or_else(|| {
            EventError::Invalid("no events: a ticket starts with \"created\"".into())
        })?;
        let EventKind::Created {
            priority,
            kind,
            channel,
            attributes,
        } = &first.kind
        else {
            return Err(EventError::Invalid(format!(
                "the first event must be \"created\", found \"{}\"",
                first.kind.type_id()
            )));
        };
        let known_priority = |p: &str| {
            policy.priority(p).map(|_| ()).ok_or_else(|| {
                EventError::Invalid(format!(
                    "unknown priority {p:?} (this policy has {})",
                    policy
                        .priorities
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
        };
        known_priority(priority)?;
        let kind = match kind {
            Some(k) => {
                policy.kind(k).ok_or_else(|| {
                    EventError::Invalid(format!(
                        "unknown kind {k:?} (this policy has {})",
                        policy
                            .kinds
                            .iter()
                            .map(|k| k.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                k.clone()
            }
            None => policy
                .kinds
                .first()
                .map(|k| k.id.clone())
                .unwrap_or_default(),
        };
        if let Some(c) = channel
            && !policy.channels.is_empty()
            && policy.channel(c).is_none()
        {
            return Err(EventError::Invalid(format!(
                "unknown channel {c:?} (this policy has {})",
                policy
                    .channels
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for (k, v) in attributes {
            match policy.attributes.iter().find(|a| &a.id == k) {
                Some(a) if !a.values.contains(v) => {
                    return Err(EventError::Invalid(format!(
                        "attribute {k:?} has no value {v:?} (values: {})",
                        a.values.join(", ")
                    )));
                }
                Some(_) => {}
                None => {
                    let known: Vec<&str> =
                        policy.attributes.iter().map(|a| a.id.as_str()).collect();
                    return Err(EventError::Invalid(format!(
                        "unknown field {k:?} on \"created\" (fields: priority, kind, channel{}{})",
                        if known.is_empty() { "" } else { ", " },
                        known.join(", ")
                    )));
                }
            }
        }
        for e in events {
            let n = e.at.as_nanosecond();
            if n < i128::from(tenggat_time::MIN_INSTANT)
                || n > i128::from(tenggat_time::MAX_INSTANT)
            {
                return Err(EventError::Invalid(format!(
                    "event at {} is outside 1900 to 2199",
                    e.at
                )));
            }
        }
        let created = nanos(first.at);
        if now < created {
            return Err(EventError::Invalid(format!(
                "now ({}) is before the ticket was created ({})",
                ts(now),
                first.at
            )));
        }
        let mut priorities = vec![(created, priority.as_str())];
        let mut steps = Vec::with_capacity(events.len());
        for e in iter {
            let at = nanos(e.at);
            // Events after `now` have not happened yet, but must still make sense.
            let future = at > now;
            let step = match &e.kind {
                EventKind::Created { .. } => {
                    return Err(EventError::Invalid(format!(
                        "a second \"created\" event at {}",
                        e.at
                    )));
                }
                EventKind::Progress(s) => Step::Progress(*s),
                EventKind::Paused(r) => Step::Pause(r.bit()),
                EventKind::Resumed(r) => Step::Resume(r.map_or(u8::MAX, |r| r.bit())),
                EventKind::Priority(p) => {
                    known_priority(p)?;
                    if !future {
                        priorities.push((at, p.as_str()));
                    }
                    Step::Priority
                }
                EventKind::WorkaroundRejected => Step::WorkaroundRejected,
                EventKind::Reopened => Step::Reopen,
                EventKind::Closed => Step::Close,
            };
            if !future {
                steps.push((at, step));
            }
        }
        Ok(Timeline {
            created,
            kind,
            channel: channel.clone(),
            attrs: policy.attributes_with_defaults(attributes),
            priorities,
            steps,
            now,
        })
    }

    fn final_priority(&self) -> &'e str {
        self.priorities.last().map_or("", |p| p.1)
    }
}

/// How one clock runs.
struct ClockSpec<'a> {
    start: i64,
    /// Where the clock ends regardless of events (the end of a priority period under
    /// `restart`); `None` for clocks that run until `now`.
    end: Option<i64>,
    pause_mask: u8,
    stops: &'a [Satisfier],
    reopen: ReopenRule,
}

/// A clock's running stretches up to `now`.
#[derive(Debug, Default)]
struct ClockRun {
    /// Closed stretches, with the index where the count restarts (reopen with restart).
    stretches: Vec<(i64, i64)>,
    restart_from: usize,
    /// Running since, at `now`.
    open: Option<i64>,
    satisfied_at: Option<i64>,
    /// When the clock stopped for good so far (satisfied or closed).
    stopped_at: Option<i64>,
    closed: bool,
    paused_now: u8,
}

/// What met a clock, while it stays met.
#[derive(Debug, Clone, Copy)]
struct Met {
    at: i64,
    by: Satisfier,
    /// When another of the clock's satisfying events (a permanent fix) came after the
    /// workaround that met it: what meets it should that workaround be rejected.
    then: Option<(i64, Satisfier)>,
}

fn run_clock(spec: &ClockSpec, tl: &Timeline) -> ClockRun {
    let mut run = ClockRun::default();
    let mut active: u8 = 0;
    let mut closed = false;
    let mut satisfied: Option<Met> = None;
    let resets = spec.stops.contains(&Satisfier::Resolved);
    let running = |active: u8, closed: bool, satisfied: Option<Met>| {
        !closed && satisfied.is_none() && active & spec.pause_mask == 0
    };
    let mut since: Option<i64> = None;
    let mut started = false;
    let apply = |run: &mut ClockRun,
                 at: i64,
                 step: Option<Step>,
                 active: &mut u8,
                 closed: &mut bool,
                 satisfied: &mut Option<Met>,
                 started: &mut bool,
                 since: &mut Option<i64>| {
        let was = *started && running(*active, *closed, *satisfied);
        match step {
            None => *started = true,
            Some(Step::Pause(bit)) => *active |= bit,
            Some(Step::Resume(bits)) => *active &= !bits,
            Some(Step::Progress(s)) => {
                // A satisfying event before the clock starts (a reply to a report received
                // outside the channel's hours) meets it with no time spent.
                if !*closed && spec.stops.contains(&s) {
                    match satisfied {
                        None => {
                            *satisfied = Some(Met {
                                at,
                                by: s,
                                then: None,
                            });
                        }
                        Some(met)
                            if met.by == Satisfier::Workaround
                                && s != Satisfier::Workaround
                                && met.then.is_none() =>
                        {
                            met.then = Some((at, s));
                        }
                        Some(_) => {}
                    }
                }
            }
            Some(Step::WorkaroundRejected) => {
                // The workaround that met the clock does not remove the impact: the clock
                // runs again from here, unless a permanent fix has met it since.
                if !*closed
                    && let Some(met) = *satisfied
                    && met.by == Satisfier::Workaround
                {
                    *satisfied = met.then.map(|(at, by)| Met { at, by, then: None });
                }
            }
            Some(Step::Close) => *closed = true,
            Some(Step::Reopen) => {
                // Like a satisfying event, a reopening before the clock starts (before a
                // priority change that restarts it) counts.
                *closed = false;
                if resets && satisfied.is_some() {
                    *satisfied = None;
                    if spec.reopen == ReopenRule::Restart {
                        run.restart_from = run.stretches.len();
                    }
                }
            }
            Some(Step::Priority) => {}
        }
        let is = *started && running(*active, *closed, *satisfied);
        if was && !is {
            if let Some(s) = since.take()
                && at > s
            {
                run.stretches.push((s, at));
            }
        } else if !was && is {
            *since = Some(at);
        }
    };
    let mut pending_start = true;
    for &(at, step) in &tl.steps {
        if spec.end.is_some_and(|end| at >= end) {
            break;
        }
        if pending_start && at >= spec.start {
            apply(
                &mut run,
                spec.start,
                None,
                &mut active,
                &mut closed,
                &mut satisfied,
                &mut started,
                &mut since,
            );
            pending_start = false;
        }
        apply(
            &mut run,
            at,
            Some(step),
            &mut active,
            &mut closed,
            &mut satisfied,
            &mut started,
            &mut since,
        );
    }
    if pending_start && spec.start <= tl.now {
        apply(
            &mut run,
            spec.start,
            None,
            &mut active,
            &mut closed,
            &mut satisfied,
            &mut started,
            &mut since,
        );
    }
    if let Some(end) = spec.end.filter(|&end| end <= tl.now)
        && let Some(s) = since.take()
        && end > s
    {
        run.stretches.push((s, end));
    }
    run.open = since;
    run.satisfied_at = satisfied.map(|m| m.at);
    run.closed = closed;
    run.stopped_at = run.satisfied_at.or(if closed {
        tl.steps
            .iter()
            .rev()
            .find(|s| matches!(s.1, Step::Close))
            .map(|s| s.0)
    } else {
        None
    });
    run.paused_now = active & spec.pause_mask;
    run
}

impl ClockRun {
    /// In one pass over the stretches (each measured once): the business time counted so far
    /// (since the last restart), and the first instant at which it reaches `threshold`
    /// (possibly after `now`, projected on the running stretch), if it does.
    fn measure(
        &self,
        cal: &Calendar,
        threshold: Option<i64>,
        start: i64,
        now: i64,
    ) -> (i64, Option<i64>) {
        let mut acc = 0;
        let mut total = 0;
        let mut crossing = None;
        for (i, &(s, e)) in self.stretches.iter().enumerate() {
            if i == self.restart_from && i > 0 {
                acc = 0;
            }
            let el = cal.elapsed_nanos(s, e).unwrap_or(0);
            if let Some(t) = threshold
                && crossing.is_none()
                && acc + el >= t
            {
                crossing = cal.due_nanos(s, t - acc).ok();
            }
            acc += el;
            if i >= self.restart_from {
                total += el;
            }
        }
        if self.restart_from == self.stretches.len() && self.restart_from > 0 {
            acc = 0;
        }
        if let Some(s) = self.open {
            total += cal.elapsed_nanos(s, now).unwrap_or(0);
        }
        if let Some(t) = threshold
            && crossing.is_none()
        {
            crossing = match self.open {
                Some(s) => cal.due_nanos(s, t - acc).ok(),
                // A clock that starts after `now` (a report outside channel hours).
                None if start > now && self.stretches.is_empty() && self.paused_now == 0 => {
                    cal.due_nanos(start, t).ok()
                }
                None => None,
            };
        }
        (total, crossing)
    }

    /// Business time counted so far (since the last restart).
    fn elapsed(&self, cal: &Calendar, now: i64) -> i64 {
        self.measure(cal, None, 0, now).0
    }

    /// The first instant at which the business time reaches `threshold`, if it does.
    fn crossing(&self, cal: &Calendar, threshold: i64, start: i64, now: i64) -> Option<i64> {
        self.measure(cal, Some(threshold), start, now).1
    }
}

/// The clock start of a ticket: the report instant, or the next opening of an official
/// channel with its own hours. `None`: a non-official channel starts no clock.
fn clock_start(policy: &Policy, tl: &Timeline) -> Option<i64> {
    let Some(channel) = tl.channel.as_deref().and_then(|c| policy.channel(c)) else {
        return Some(tl.created);
    };
    if !channel.official {
        return None;
    }
    match channel.calendar.as_deref().and_then(|c| policy.calendar(c)) {
        Some(cal) => cal.due_nanos(tl.created, 1).ok().map(|t| t - 1),
        None => Some(tl.created),
    }
}

/// Evaluates every clock of a ticket at `now`.
pub fn evaluate(
    policy: &Policy,
    events: &[TicketEvent],
    now: Timestamp,
) -> Result<Evaluation, EventError> {
    let now_n = nanos(now);
    let tl = Timeline::new(policy, events, now_n)?;
    let start0 = clock_start(policy, &tl);
    let final_priority = tl.final_priority();
    let last_change = tl.priorities.last().map_or(tl.created, |p| p.0);

    let mut metrics = Vec::new();
    let mut next_change: Option<i64> = None;
    let mut note_change = |t: i64| {
        if t > now_n {
            next_change = Some(next_change.map_or(t, |n| n.min(t)));
        }
    };
    let mut next_warning: Option<i64> = None;
    let mut note_warning = |t: i64| {
        if t > now_n {
            next_warning = Some(next_warning.map_or(t, |n| n.min(t)));
        }
    };
    // Per metric: the rule, the spec inputs and the run, for the escalation rules below.
    let mut runs: Vec<(Metric, &TargetRule, i64, Option<i64>, &Calendar)> = Vec::new();

    for metric in Metric::ALL {
        let Some(mut su) = setup(policy, &tl, final_priority, metric) else {
            // Channel response targets stand on their own.
            if metric != Metric::Response {
                continue;
            }
            let Some(result) = channel_response(
                policy,
                &tl,
                start0,
                now_n,
                &mut note_change,
                &mut note_warning,
            ) else {
                continue;
            };
            metrics.push(result);
            continue;
        };
        let mut start = start0.unwrap_or(tl.created);
        if policy.on_priority_change == PriorityChange::Restart && last_change > start {
            start = last_change;
        }
        let mut run = run_clock(&su.spec(start, policy), &tl);
        // Under `restart`, each priority period has its own clock with its own target. The
        // first period in which the metric was met or breached decides it for good: a
        // severity change does not undo a response already given, nor a breach already
        // suffered.
        if policy.on_priority_change == PriorityChange::Restart
            && start > start0.unwrap_or(tl.created)
        {
            let s0 = start0.unwrap_or(tl.created);
            let periods = tl.priorities.len();
            for i in 0..periods.saturating_sub(1) {
                let period_start = tl.priorities[i].0.max(s0);
                let period_end = tl.priorities[i + 1].0;
                if period_start >= period_end {
                    continue;
                }
                let Some(earlier) = setup(policy, &tl, tl.priorities[i].1, metric) else {
                    continue;
                };
                let period_run = run_clock(
                    &ClockSpec {
                        end: Some(period_end),
                        ..earlier.spec(period_start, policy)
                    },
                    &tl,
                );
                let met_here = period_run.satisfied_at.is_some_and(|s| s < period_end);
                let breached_here = match (earlier.target, policy.calendar(&earlier.cal_name)) {
                    (Target::Duration(td), Some(cal)) => cal.resolve(td).ok().and_then(|d| {
                        period_run
                            .crossing(cal, d, period_start, now_n)
                            .filter(|&c| {
                                c < period_end
                                    && c <= now_n
                                    && period_run.satisfied_at.is_none_or(|s| c < s)
                            })
                    }),
                    _ => None,
                }
                .is_some();
                if met_here || breached_here {
                    su = earlier;
                    run = period_run;
                    start = period_start;
                    break;
                }
            }
        }
        let Setup {
            rule,
            target,
            cal_name,
            source,
        } = su;
        let Some(cal) = policy.calendar(&cal_name) else {
            continue;
        };
        let target_nanos = match target {
            Target::Duration(d) => cal.resolve(d).ok(),
            _ => None,
        };
        let threshold = target_nanos.filter(|_| start0.is_some());
        let (elapsed, crossing) = run.measure(cal, threshold, start, now_n);
        let stretches = stretches(&run, now_n);
        let paused_reasons: Vec<PauseReason> = PauseReason::ALL
            .into_iter()
            .filter(|r| run.paused_now & r.bit() != 0)
            .collect();
        let mut result = MetricResult {
            metric,
            state: State::NotApplicable,
            target,
            target_nanos,
            calendar: cal_name,
            start: ts(start),
            due: None,
            met_at: run.satisfied_at.map(ts),
            breached_at: None,
            elapsed_nanos: elapsed,
            remaining_nanos: None,
            percent_elapsed: None,
            paused_by: paused_reasons,
            stretches,
            source,
            warnings: Vec::new(),
        };
        if let (Some(d), Some(_)) = (target_nanos, start0) {
            result.percent_elapsed = Some(elapsed as f64 * 100.0 / d as f64);
            let breach = crossing.filter(|&c| c <= now_n && run.satisfied_at.is_none_or(|s| c < s));
            let running = !run.closed
                && run.satisfied_at.is_none()
                && (run.open.is_some() || (start > now_n && run.paused_now == 0));
            result.warnings = warnings(
                policy,
                &run,
                cal,
                (d, start, now_n),
                running,
                &mut note_warning,
            );
            if let Some(b) = breach {
                result.state = State::Breached;
                result.breached_at = Some(ts(b));
                result.due = Some(ts(b));
            } else if let Some(sat) = run.satisfied_at {
                // Where the clock would have run out had it not been met (it cannot run before
                // its start: a reply before a channel opens).
                result.state = State::Met;
                result.due = cal.due_nanos(sat.max(start), d - elapsed).ok().map(ts);
            } else if run.closed {
                result.state = State::NotApplicable;
            } else if run.open.is_some() || (start > now_n && run.paused_now == 0) {
                result.state = State::Running;
                result.due = crossing.map(ts);
                result.remaining_nanos = Some(d - elapsed);
                if let Some(c) = crossing {
                    note_change(c);
                }
            } else {
                result.state = State::Paused;
                result.remaining_nanos = Some(d - elapsed);
            }
            runs.push((metric, rule, d, start0.map(|_| start), cal));
        } else {
            runs.push((metric, rule, 0, None, cal));
        }
        metrics.push(result);
    }

    // Escalation rules.
    let mut fired = Vec::new();
    let mut cache: RunCache = Vec::new();
    for rule in &policy.escalation.rules {
        if !(rule.kinds.is_empty() || rule.kinds.contains(&tl.kind)) {
            continue;
        }
        let found = match policy.on_priority_change {
            // One clock from the start with the final priority's target, looked at in every
            // period with a matching priority.
            PriorityChange::Retroactive => {
                let Some(&(_, target_rule, d, Some(start), cal)) =
                    runs.iter().find(|r| r.0 == rule.metric)
                else {
                    continue;
                };
                rule_instant(
                    policy,
                    &tl,
                    rule,
                    (target_rule, d, cal),
                    start,
                    0..tl.priorities.len(),
                    &mut cache,
                )
            }
            // Each priority period has its own clock, started at the change with that
            // period's target, so a rule fired in an earlier period stays fired.
            PriorityChange::Restart => {
                let Some(s0) = start0 else {
                    continue;
                };
                let mut found = None;
                for (i, &(p_start, p)) in tl.priorities.iter().enumerate() {
                    if !(rule.priorities.is_empty() || rule.priorities.iter().any(|q| q == p)) {
                        continue;
                    }
                    let Some(su) = setup(policy, &tl, p, rule.metric) else {
                        continue;
                    };
                    let (Target::Duration(td), Some(cal)) =
                        (su.target, policy.calendar(&su.cal_name))
                    else {
                        continue;
                    };
                    let Ok(d) = cal.resolve(td) else {
                        continue;
                    };
                    let start = p_start.max(s0);
                    // Disarmed for good before the period began.
                    let full = run_clock(
                        &ClockSpec {
                            start: s0,
                            pause_mask: mask_of(su.rule),
                            stops: rule_stops(rule, su.rule),
                            reopen: policy.on_reopen,
                            end: None,
                        },
                        &tl,
                    );
                    if full.satisfied_at.is_some_and(|s| s < start) {
                        continue;
                    }
                    found = rule_instant(
                        policy,
                        &tl,
                        rule,
                        (su.rule, d, cal),
                        start,
                        i..i + 1,
                        &mut cache,
                    );
                    if found.is_some() {
                        break;
                    }
                }
                found
            }
        };
        match found {
            Some((at, _)) if at <= now_n => fired.push(FiredRule {
                level: rule.level,
                rule: rule.id.clone(),
                at: ts(at),
            }),
            Some((at, true)) => note_change(at),
            _ => {}
        }
    }
    fired.sort_by_key(|f| f.at);
    let level = fired.iter().map(|f| f.level).max().unwrap_or(1).max(1);

    Ok(Evaluation {
        priority: final_priority.to_string(),
        kind: tl.kind.clone(),
        now,
        metrics,
        escalation: EscalationResult { level, fired },
        next_change: next_change.map(ts),
        next_warning: next_warning.map(ts),
    })
}

/// What measures one metric of a ticket with a given priority: the target entry, with the
/// response target of the ticket's channel applied.
struct Setup<'p> {
    rule: &'p TargetRule,
    target: Target,
    cal_name: String,
    source: Option<String>,
}

impl Setup<'_> {
    fn spec(&self, start: i64, policy: &Policy) -> ClockSpec<'_> {
        ClockSpec {
            start,
            pause_mask: mask_of(self.rule),
            stops: &self.rule.satisfied_by,
            reopen: policy.on_reopen,
            end: None,
        }
    }
}

fn setup<'p>(
    policy: &'p Policy,
    tl: &Timeline,
    priority: &str,
    metric: Metric,
) -> Option<Setup<'p>> {
    let rule = policy.target_for(priority, &tl.kind, &tl.attrs, metric)?;
    let mut su = Setup {
        rule,
        target: rule.target,
        cal_name: rule.calendar.clone(),
        source: rule.source.clone(),
    };
    if metric == Metric::Response
        && let Some(ch) = tl.channel.as_deref().and_then(|c| policy.channel(c))
        && let Some(resp) = ch.response
    {
        su.target = Target::Duration(resp);
        su.cal_name = ch.calendar.clone().unwrap_or(su.cal_name);
        su.source = ch.source.clone().or(su.source);
    }
    Some(su)
}

/// The pause reasons a target honours, as bits.
fn mask_of(rule: &TargetRule) -> u8 {
    rule.paused_by.iter().fold(0u8, |m, r| m | r.bit())
}

/// Clock runs shared by escalation rules: (start, target entry, stop events, run).
type RunCache<'p> = Vec<(i64, &'p TargetRule, &'p [Satisfier], ClockRun)>;

/// The events that disarm an escalation rule.
fn rule_stops<'a>(rule: &'a EscalationRule, target_rule: &'a TargetRule) -> &'a [Satisfier] {
    if rule.until.is_empty() {
        &target_rule.satisfied_by
    } else {
        &rule.until
    }
}

/// Where an escalation rule fires on the clock of a target (`(entry, target nanos, calendar)`)
/// started at `start`, looking at the priority periods `periods` only: the first instant in a
/// period with a matching priority at which the threshold is reached and the rule is still
/// armed; with whether that clock still runs at `now` (for `next_change`).
fn rule_instant<'p>(
    policy: &Policy,
    tl: &Timeline,
    rule: &'p EscalationRule,
    (target_rule, d, cal): (&'p TargetRule, i64, &Calendar),
    start: i64,
    periods: std::ops::Range<usize>,
    cache: &mut RunCache<'p>,
) -> Option<(i64, bool)> {
    let threshold = match rule.trigger {
        Trigger::Percent(p) => {
            if d <= 0 {
                return None;
            }
            percent_of(d, p)
        }
        Trigger::After(dur) => cal.resolve(dur).ok()?,
    };
    // Rules on the same clock (same start, target entry and stop events) share one run.
    let stops = rule_stops(rule, target_rule);
    let index = match cache
        .iter()
        .position(|(s, t, st, _)| *s == start && std::ptr::eq(*t, target_rule) && *st == stops)
    {
        Some(i) => i,
        None => {
            let run = run_clock(
                &ClockSpec {
                    start,
                    pause_mask: mask_of(target_rule),
                    stops,
                    reopen: policy.on_reopen,
                    end: None,
                },
                tl,
            );
            cache.push((start, target_rule, stops, run));
            cache.len() - 1
        }
    };
    let run = &cache[index].3;
    let c = run.crossing(cal, threshold, start, tl.now)?;
    let stop = run.stopped_at.unwrap_or(i64::MAX);
    for i in periods {
        let (p_start, p) = tl.priorities[i];
        if !(rule.priorities.is_empty() || rule.priorities.iter().any(|q| q == p)) {
            continue;
        }
        let p_end = tl.priorities.get(i + 1).map_or(i64::MAX, |n| n.0);
        let at = c.max(p_start);
        // As for a metric, an event that disarms the rule at the very instant it would fire
        // is in time.
        if at < p_end && at <= stop && run.satisfied_at.is_none_or(|s| at < s) {
            return Some((at, run.open.is_some() || start > tl.now));
        }
    }
    None
}

fn stretches(run: &ClockRun, now: i64) -> Vec<(Timestamp, Timestamp)> {
    let mut out: Vec<(Timestamp, Timestamp)> =
        run.stretches.iter().map(|&(s, e)| (ts(s), ts(e))).collect();
    if let Some(s) = run.open {
        out.push((ts(s), ts(now.max(s))));
    }
    out
}

/// A response clock that only a channel defines (the policy has no response target).
fn channel_response(
    policy: &Policy,
    tl: &Timeline,
    start0: Option<i64>,
    now: i64,
    note_change: &mut impl FnMut(i64),
    note_warning: &mut impl FnMut(i64),
) -> Option<MetricResult> {
    let ch = tl.channel.as_deref().and_then(|c| policy.channel(c))?;
    let resp = ch.response?;
    let cal_name = ch
        .calendar
        .clone()
        .unwrap_or_else(|| policy.default_calendar.clone());
    let cal = policy.calendar(&cal_name)?;
    let start = start0?;
    let d = cal.resolve(resp).ok()?;
    let stops = [Satisfier::Acknowledged];
    let run = run_clock(
        &ClockSpec {
            start,
            pause_mask: 0,
            stops: &stops,
            reopen: policy.on_reopen,
            end: None,
        },
        tl,
    );
    let elapsed = run.elapsed(cal, now);
    let crossing = run.crossing(cal, d, start, now);
    let breach = crossing.filter(|&c| c <= now && run.satisfied_at.is_none_or(|s| c < s));
    let (state, due, remaining) = if let Some(b) = breach {
        (State::Breached, Some(b), None)
    } else if let Some(sat) = run.satisfied_at {
        (
            State::Met,
            cal.due_nanos(sat.max(start), d - elapsed).ok(),
            None,
        )
    } else if run.closed {
        (State::NotApplicable, None, None)
    } else {
        if let Some(c) = crossing {
            note_change(c);
        }
        (State::Running, crossing, Some(d - elapsed))
    };
    let running = state == State::Running;
    let warnings = warnings(policy, &run, cal, (d, start, now), running, note_warning);
    Some(MetricResult {
        metric: Metric::Response,
        state,
        target: Target::Duration(resp),
        target_nanos: Some(d),
        calendar: cal_name,
        start: ts(start),
        due: due.map(ts),
        met_at: run.satisfied_at.map(ts),
        breached_at: breach.map(ts),
        elapsed_nanos: elapsed,
        remaining_nanos: remaining,
        percent_elapsed: Some(elapsed as f64 * 100.0 / d as f64),
        paused_by: Vec::new(),
        stretches: stretches(&run, now),
        source: ch.source.clone(),
        warnings,
    })
}

/// The pre-breach warnings of a clock with target `d` (nanoseconds) started at `start`:
/// those crossed by `now` before the clock was met, in order; the later ones of a running
/// clock go to `note_warning`. The crossing is the breach's, at a share of the target.
fn warnings(
    policy: &Policy,
    run: &ClockRun,
    cal: &Calendar,
    (d, start, now): (i64, i64, i64),
    running: bool,
    mut note_warning: impl FnMut(i64),
) -> Vec<Warning> {
    let mut out = Vec::new();
    for &percent in &policy.escalation.warn_at {
        let w = percent_of(d, percent);
        if w <= 0 || w >= d {
            continue;
        }
        match run.crossing(cal, w, start, now) {
            Some(c) if c <= now && run.satisfied_at.is_none_or(|s| c < s) => {
                out.push(Warning { percent, at: ts(c) });
            }
            Some(c) if c > now && running => note_warning(c),
            _ => {}
        }
    }
    out
}
