//! The semantics of the clock fold on small inline policies: pauses, priority changes
//! (`retroactive` and `restart`), reopening (`resume` and `restart`), closing, escalation
//! rules, `next_change` and the JSON contract of `DESIGN.md`.
//!
//! The test policy runs on the built-in `innovasia` calendar: Mon–Fri 09:00–17:00 WIB without
//! national holidays, 1 business day = 8 h. `low`: response 2 h, resolution 2 bd (16 h);
//! `high`: response 1 h, resolution 7 h. Response pauses for the customer; resolution for the
//! customer and maintenance. Rules: 75 % of the resolution → level 2 (every priority); `high`
//! after 2 h on the resolution clock → level 3.
//!
//! 2026: Mon 2 Mar – Fri 6 Mar is an ordinary week; Thu 19 Mar is Nyepi (national), the cuti
//! bersama days around it (Wed 18, Fri 20, Mon 23) are working days.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tenggat_sla::{Metric, PauseReason, Policy, State, evaluate, evaluation_json};

fn test_policy(on_priority_change: &str, on_reopen: &str) -> Policy {
    policy(&format!(
        r#"
id = "test"
name = {{ id = "Uji", en = "Test" }}
calendar = "business"
on_priority_change = "{on_priority_change}"
on_reopen = "{on_reopen}"

[calendars]
business = "innovasia"

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
target = "1h"
paused_by = ["waiting_on_customer"]

[[targets]]
metric = "resolution"
target = "2bd"
paused_by = ["waiting_on_customer", "maintenance"]

[[targets]]
priority = "high"
metric = "resolution"
target = "7h"
paused_by = ["waiting_on_customer", "maintenance"]

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

[[escalation.rules]]
id = "high-after-2h"
level = 3
priority = "high"
metric = "resolution"
after = "2h"
"#
    ))
}

fn retroactive() -> Policy {
    test_policy("retroactive", "resume")
}

fn restart() -> Policy {
    test_policy("restart", "resume")
}

// ------------------------------------------------------------------------------------------
// Pauses
// ------------------------------------------------------------------------------------------

#[test]
fn waiting_on_the_customer_moves_the_due_by_the_paused_business_time() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 09:30 acknowledged",
        "2026-03-02 10:00 paused reason=waiting_on_customer",
        "2026-03-02 12:00 resumed reason=waiting_on_customer",
    ];
    // Resolution 16 h from Mon 09:00 = Tue 17:00; paused 2 h → Wed 4 Mar 11:00.
    // 75 % = 12 h: Tue 13:00 → Tue 15:00.
    let e = eval(&p, &ev, "2026-03-02 13:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-04 11:00"),
    );
    assert_eq!(metric(&e, Metric::Resolution).elapsed_nanos, 2 * HOUR);
    assert_eq!(e.next_change, Some(wib("2026-03-03 15:00")));
    let e = eval(&p, &ev, "2026-03-03 15:00");
    assert_eq!(
        fired(&e),
        rules(&[("resolution-75pct", "2026-03-03 15:00")])
    );
}

#[test]
fn pause_before_the_first_response() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 09:00 paused reason=waiting_on_customer",
        "2026-03-02 13:00 resumed reason=waiting_on_customer",
    ];
    let e = eval(&p, &ev[..2], "2026-03-02 12:00");
    for m in [Metric::Response, Metric::Resolution] {
        let r = metric(&e, m);
        assert_eq!(r.state, State::Paused, "{m:?}");
        assert_eq!(r.elapsed_nanos, 0);
        assert_eq!(r.due, None);
    }
    assert_eq!(e.next_change, None);
    // Resumed 13:00: response 2 h → 15:00; resolution 16 h → Mon 13–17 4 h, Tue 8 h, Wed 4 h
    // → Wed 4 Mar 13:00.
    let e = eval(&p, &ev, "2026-03-02 13:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 15:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-04 13:00"),
    );
}

#[test]
fn overlapping_pause_reasons() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 10:00 paused reason=waiting_on_customer",
        "2026-03-02 11:00 paused reason=maintenance",
        "2026-03-02 12:00 resumed reason=waiting_on_customer",
        "2026-03-02 14:00 resumed reason=maintenance",
    ];
    // 12:30: the customer answered, maintenance still runs → resolution paused (maintenance);
    // the response honours only waiting_on_customer → running again since 12:00.
    let e = eval(&p, &ev[..4], "2026-03-02 12:30");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Paused);
    assert_eq!(r.paused_by, [PauseReason::Maintenance]);
    assert_eq!(r.elapsed_nanos, HOUR);
    // Response: 1 h before the pause, 1 h left from 12:00 → 13:00.
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 13:00"),
    );
    // Both reasons at 11:30.
    let e = eval(&p, &ev[..3], "2026-03-02 11:30");
    assert_eq!(
        metric(&e, Metric::Resolution).paused_by,
        [PauseReason::WaitingOnCustomer, PauseReason::Maintenance]
    );
    // After 14:00: paused 10:00–14:00 = 4 h → 16 h from Mon 09:00 (Tue 17:00) + 4 h = Wed 13:00.
    let e = eval(&p, &ev, "2026-03-02 15:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-04 13:00"),
    );
    // A `resumed` without a reason ends every pause.
    let e = eval(
        &p,
        &[
            "2026-03-02 09:00 created priority=low",
            "2026-03-02 10:00 paused reason=waiting_on_customer",
            "2026-03-02 11:00 paused reason=maintenance",
            "2026-03-02 12:00 resumed",
        ],
        "2026-03-02 12:30",
    );
    assert_eq!(metric(&e, Metric::Resolution).state, State::Running);
    // Paused 2 h → Wed 11:00.
    assert_eq!(due(&e, Metric::Resolution), wib("2026-03-04 11:00"));
}

#[test]
fn a_reason_the_metric_does_not_honour_stops_nothing() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 10:00 paused reason=waiting_on_customer",
        "2026-03-02 10:30 paused reason=awaiting_permit",
        "2026-03-02 11:00 resumed reason=waiting_on_customer",
    ];
    let e = eval(&p, &ev, "2026-03-02 11:50");
    for m in [Metric::Response, Metric::Resolution] {
        let r = metric(&e, m);
        assert_eq!(r.state, State::Running, "{m:?}");
        assert!(r.paused_by.is_empty());
        // 09:00–10:00 and 11:00–11:50; the permit wait (10:30–) stops neither.
        assert_eq!(r.elapsed_nanos, 110 * MIN);
    }
    // Response 2 h: 1 h 50 min spent, 10 min left → 12:00.
    assert_eq!(due(&e, Metric::Response), wib("2026-03-02 12:00"));
}

#[test]
fn a_pause_across_a_holiday_counts_only_business_time() {
    let p = retroactive();
    let ev = [
        "2026-03-18 09:00 created priority=low",
        "2026-03-18 09:10 acknowledged",
        "2026-03-18 16:00 paused reason=waiting_on_customer",
        "2026-03-20 10:00 resumed reason=waiting_on_customer",
    ];
    // Without the pause: Wed 18 8 h, Thu 19 Nyepi 0, Fri 20 8 h → Fri 17:00.
    // Paused Wed 16:00 → Fri 10:00 = Wed 1 h + Nyepi 0 + Fri 1 h = 2 business hours
    // → Mon 23 Mar 11:00 (7 h spent; 9 h left from Fri 10:00: Fri 7 h, Mon 2 h).
    let e = eval(&p, &ev, "2026-03-20 10:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-23 11:00"),
    );
    assert_eq!(metric(&e, Metric::Resolution).elapsed_nanos, 7 * HOUR);
}

#[test]
fn resume_after_the_due_instant() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 09:30 acknowledged",
        "2026-03-02 15:00 paused reason=waiting_on_customer",
        "2026-03-04 14:00 resumed reason=waiting_on_customer",
    ];
    // Original due Tue 3 Mar 17:00 (16 h from Mon 09:00). Paused Mon 15:00 after 6 h.
    // Wed 12:00, still paused, past the original due: paused, not breached.
    let e = eval(&p, &ev[..3], "2026-03-04 12:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Paused);
    assert_eq!(r.breached_at, None);
    assert_eq!(r.remaining_nanos, Some(10 * HOUR));
    assert!(fired(&e).is_empty());
    // Resumed Wed 14:00. Paused business time: Mon 15–17 2 h + Tue 8 h + Wed 09–14 5 h = 15 h;
    // Tue 17:00 + 15 h = (Wed 8 h, Thu 7 h) Thu 5 Mar 16:00 — the same as 10 h left from
    // Wed 14:00 (Wed 3 h, Thu 7 h).
    let e = eval(&p, &ev, "2026-03-04 14:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-05 16:00"),
    );
    // 75 % = 12 h: 6 h before the pause, 6 h after: Wed 3 h, Thu 3 h → Thu 12:00.
    assert_eq!(e.next_change, Some(wib("2026-03-05 12:00")));
    let e = eval(&p, &ev, "2026-03-05 16:00");
    assert_eq!(
        metric(&e, Metric::Resolution).breached_at,
        Some(wib("2026-03-05 16:00"))
    );
}

// ------------------------------------------------------------------------------------------
// Priority changes
// ------------------------------------------------------------------------------------------

#[test]
fn retroactive_raise_counts_the_new_targets_from_the_report() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 09:30 priority to=high",
    ];
    // high from 09:00: response 1 h → 10:00; resolution 7 h → 16:00; high-after-2h → 11:00.
    let e = eval(&p, &ev, "2026-03-02 09:45");
    assert_eq!(e.priority, "high");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 10:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-02 16:00"),
    );
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 45 * MIN);
    assert_eq!(e.next_change, Some(wib("2026-03-02 10:00")));
}

#[test]
fn retroactive_raise_after_the_new_target_passed() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 11:00 priority to=high",
    ];
    // As if it had always been high: the response ran out at 10:00. The high rule reaches
    // 2 h at 11:00, the first instant of the high period → fires at 11:00.
    let e = eval(&p, &ev, "2026-03-02 11:30");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-02 10:00")));
    assert_eq!(fired(&e), rules(&[("high-after-2h", "2026-03-02 11:00")]));
    assert_eq!(e.escalation.level, 3);
    // 75 % of 7 h = 5 h 15 min → 14:15.
    assert_eq!(e.next_change, Some(wib("2026-03-02 14:15")));
}

#[test]
fn retroactive_raise_judges_an_earlier_response_by_the_new_target() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 10:30 acknowledged",
        "2026-03-02 11:00 priority to=high",
    ];
    // As low: met at 10:30 (due 11:00). Retroactively high: due 10:00 → breached at 10:00.
    let e = eval(&p, &ev[..2], "2026-03-02 10:45");
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-02 11:00"));
    let e = eval(&p, &ev, "2026-03-02 11:30");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-02 10:00")));
    assert_eq!(r.met_at, Some(wib("2026-03-02 10:30")));
}

#[test]
fn retroactive_lowering_counts_the_new_targets_from_the_report() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=high",
        "2026-03-02 09:30 priority to=low",
    ];
    // low from 09:00: response 2 h → 11:00; resolution 16 h → Tue 17:00; 75 % → Tue 13:00.
    let e = eval(&p, &ev, "2026-03-02 10:00");
    assert_eq!(e.priority, "low");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 11:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-03 17:00"),
    );
    // The high rule would reach 2 h at 11:00, after the ticket stopped being high.
    let e = eval(&p, &ev, "2026-03-02 12:00");
    assert!(fired(&e).is_empty());
    assert_eq!(e.next_change, Some(wib("2026-03-03 13:00")));
}

#[test]
fn retroactive_lowering_keeps_a_rule_fired_while_high() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=high",
        "2026-03-02 11:30 priority to=low",
    ];
    // 2 h on the (same-calendar) resolution clock at 11:00, inside the high period.
    let before = eval(&p, &ev[..1], "2026-03-02 11:15");
    assert_eq!(
        fired(&before),
        rules(&[("high-after-2h", "2026-03-02 11:00")])
    );
    let e = eval(&p, &ev, "2026-03-02 12:00");
    assert_eq!(fired(&e), rules(&[("high-after-2h", "2026-03-02 11:00")]));
    assert_eq!(e.escalation.level, 3);
}

#[test]
fn restart_raise_starts_the_new_targets_at_the_change() {
    let p = restart();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 10:00 priority to=high",
    ];
    // high from 10:00: response 1 h → 11:00; resolution 7 h → Mon 17:00 (closing time);
    // high-after-2h → 12:00; 75 % (5 h 15 min) → 15:15.
    let e = eval(&p, &ev, "2026-03-02 10:30");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.start, wib("2026-03-02 10:00"));
    assert_eq!(r.state, State::Running);
    assert_eq!(r.due, Some(wib("2026-03-02 11:00")));
    assert_eq!(r.elapsed_nanos, 30 * MIN);
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-02 17:00"),
    );
    let e = eval(&p, &ev, "2026-03-02 15:30");
    assert_eq!(
        fired(&e),
        rules(&[
            ("high-after-2h", "2026-03-02 12:00"),
            ("resolution-75pct", "2026-03-02 15:15"),
        ])
    );
}

#[test]
fn restart_lowering_starts_the_new_targets_at_the_change() {
    let p = restart();
    let ev = [
        "2026-03-02 09:00 created priority=high",
        "2026-03-02 09:30 priority to=low",
    ];
    // low from 09:30: response 2 h → 11:30; resolution 16 h → Mon 7.5 h, Tue 8 h, Wed 0.5 h
    // → Wed 4 Mar 09:30.
    let e = eval(&p, &ev, "2026-03-02 10:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 11:30"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-04 09:30"),
    );
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 30 * MIN);
}

#[test]
fn restart_keeps_a_response_met_before_the_change() {
    let p = restart();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 10:30 acknowledged",
        "2026-03-02 11:00 priority to=high",
    ];
    // Met as low at 10:30 (due 11:00). The raise at 11:00 restarts clocks that still run; the
    // response keeps the result of the period in which it was met.
    let e = eval(&p, &ev, "2026-03-02 12:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met, "{r:#?}");
    assert_eq!(r.met_at, Some(wib("2026-03-02 10:30")));
    assert_eq!(r.due, Some(wib("2026-03-02 11:00")));
    assert_eq!(r.elapsed_nanos, 90 * MIN);
    // The resolution restarts at 11:00 as high: 7 h → Tue 10:00.
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-03 10:00"),
    );
}

#[test]
fn restart_lowering_keeps_a_rule_fired_while_high() {
    let p = restart();
    let ev = [
        "2026-03-02 09:00 created priority=high",
        "2026-03-02 11:30 priority to=low",
    ];
    // high-after-2h fired at 11:00 while the ticket was high; it stays on record.
    let before = eval(&p, &ev[..1], "2026-03-02 11:15");
    assert_eq!(
        fired(&before),
        rules(&[("high-after-2h", "2026-03-02 11:00")])
    );
    let e = eval(&p, &ev, "2026-03-02 12:00");
    assert_eq!(fired(&e), rules(&[("high-after-2h", "2026-03-02 11:00")]));
    assert_eq!(e.escalation.level, 3);
    // The response was breached at 10:00 while high (1 h): lowering the priority does not
    // undo a breach already suffered. The resolution was neither met nor breached while high,
    // so it restarted at 11:30 as low: its 75 % (12 h: Mon 5.5 h, Tue 6.5 h) → Tue 15:30 is
    // the next change.
    assert_clock(
        &e,
        Metric::Response,
        State::Breached,
        Some("2026-03-02 10:00"),
    );
    assert_eq!(
        metric(&e, Metric::Response).breached_at,
        Some(wib("2026-03-02 10:00"))
    );
    assert_eq!(e.next_change, Some(wib("2026-03-03 15:30")));
    let e = eval(&p, &ev, "2026-03-03 15:30");
    assert_eq!(
        fired(&e),
        rules(&[
            ("high-after-2h", "2026-03-02 11:00"),
            ("resolution-75pct", "2026-03-03 15:30"),
        ])
    );
}

#[test]
fn restart_after_a_reopen_runs_the_resolution_again() {
    let p = restart();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 09:30 acknowledged",
        "2026-03-02 10:00 resolved",
        "2026-03-02 11:00 reopened",
        "2026-03-02 12:00 priority to=high",
    ];
    // Reopened at 11:00, so unresolved when the priority changes at 12:00: the resolution
    // restarts at 12:00 as high, 7 h → Mon 12–17 5 h, Tue 09:00 + 2 h = Tue 11:00.
    let e = eval(&p, &ev, "2026-03-02 13:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Running, "{r:#?}");
    assert_eq!(r.met_at, None);
    assert_eq!(r.due, Some(wib("2026-03-03 11:00")));
    // The response, met at 09:30 as low, keeps that result.
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-02 11:00"));
}

// ------------------------------------------------------------------------------------------
// Reopen and close
// ------------------------------------------------------------------------------------------

#[test]
fn reopen_resumes_the_resolution_clock() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 09:10 acknowledged",
        "2026-03-02 13:00 resolved",
        "2026-03-03 10:00 reopened",
        "2026-03-04 12:00 resolved",
    ];
    let e = eval(&p, &ev[..3], "2026-03-03 09:30");
    assert_clock(&e, Metric::Resolution, State::Met, Some("2026-03-03 17:00"));
    // Reopened Tue 10:00 with 4 h spent: 12 h left → Tue 7 h, Wed 5 h → Wed 14:00.
    // 75 % (12 h): 8 h after the reopen → Tue 7 h, Wed 1 h → Wed 10:00.
    let e = eval(&p, &ev[..4], "2026-03-03 11:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Running);
    assert_eq!(r.met_at, None);
    assert_eq!(r.due, Some(wib("2026-03-04 14:00")));
    assert_eq!(r.elapsed_nanos, 5 * HOUR);
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-02 11:00"));
    assert_eq!(e.next_change, Some(wib("2026-03-04 10:00")));
    // Resolved again Wed 12:00: met at the second fix.
    let e = eval(&p, &ev, "2026-03-04 13:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-04 12:00")));
    assert_eq!(r.due, Some(wib("2026-03-04 14:00")));
    assert_eq!(
        fired(&e),
        rules(&[("resolution-75pct", "2026-03-04 10:00")])
    );
}

#[test]
fn reopen_with_restart_starts_from_zero() {
    let p = test_policy("retroactive", "restart");
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 09:10 acknowledged",
        "2026-03-02 13:00 resolved",
        "2026-03-03 10:00 reopened",
    ];
    // 16 h from Tue 10:00: Tue 7 h, Wed 8 h, Thu 1 h → Thu 5 Mar 10:00.
    // 75 % (12 h): Tue 7 h, Wed 5 h → Wed 14:00.
    let e = eval(&p, &ev, "2026-03-03 11:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Running);
    assert_eq!(r.due, Some(wib("2026-03-05 10:00")));
    assert_eq!(r.elapsed_nanos, HOUR);
    assert_eq!(r.remaining_nanos, Some(15 * HOUR));
    assert_eq!(e.next_change, Some(wib("2026-03-04 14:00")));
}

#[test]
fn a_closed_ticket_stops_every_clock() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=high",
        "2026-03-02 09:40 closed",
        "2026-03-02 11:00 acknowledged",
    ];
    let e = eval(&p, &ev, "2026-04-02 12:00");
    for m in &e.metrics {
        assert_eq!(m.state, State::NotApplicable, "{:?}", m.metric);
        assert_eq!(m.due, None);
        assert_eq!(m.met_at, None, "an event after the close meets nothing");
        assert_eq!(m.elapsed_nanos, 40 * MIN);
    }
    assert!(fired(&e).is_empty());
    assert_eq!(e.escalation.level, 1);
    assert_eq!(e.next_change, None);
}

#[test]
fn a_closed_ticket_keeps_met_and_breached_results() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=high",
        "2026-03-02 10:30 acknowledged",
        "2026-03-02 10:45 resolved",
        "2026-03-02 11:00 closed",
    ];
    let e = eval(&p, &ev, "2026-03-09 12:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-02 10:00")));
    assert_clock(&e, Metric::Resolution, State::Met, Some("2026-03-02 16:00"));
    assert!(fired(&e).is_empty());
    assert_eq!(e.next_change, None);
}

#[test]
fn reopening_a_closed_ticket_resumes_its_clocks() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 10:00 closed",
        "2026-03-02 14:00 reopened",
    ];
    // Response: 1 h spent before the close, 1 h left from 14:00 → 15:00.
    let e = eval(&p, &ev, "2026-03-02 14:30");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 15:00"),
    );
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 90 * MIN);
}

// ------------------------------------------------------------------------------------------
// Escalation
// ------------------------------------------------------------------------------------------

#[test]
fn the_75_percent_rule_fires_at_exactly_75_percent_of_business_time() {
    let p = retroactive();
    let ev = [
        "2026-03-02 13:00 created priority=high",
        "2026-03-02 13:05 acknowledged",
    ];
    // Resolution 7 h from Mon 13:00: Mon 4 h, Tue 3 h → Tue 12:00.
    // 75 % = 5 h 15 min: Mon 4 h, Tue 09:00 + 1 h 15 min → Tue 3 Mar 10:15:00.
    // high-after-2h → Mon 15:00.
    let e = eval(&p, &ev, "2026-03-03 10:14:59");
    assert_eq!(fired(&e), rules(&[("high-after-2h", "2026-03-02 15:00")]));
    assert_eq!(e.next_change, Some(wib("2026-03-03 10:15")));
    let e = eval(&p, &ev, "2026-03-03 10:15");
    assert_eq!(
        fired(&e),
        rules(&[
            ("high-after-2h", "2026-03-02 15:00"),
            ("resolution-75pct", "2026-03-03 10:15"),
        ])
    );
    assert_eq!(e.escalation.level, 3);
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.elapsed_nanos, 5 * HOUR + 15 * MIN);
    assert_eq!(r.percent_elapsed, Some(75.0));
    assert_eq!(e.next_change, Some(wib("2026-03-03 12:00")));
}

#[test]
fn no_rule_fires_twice_and_fired_instants_never_move() {
    let p = retroactive();
    let ev = ["2026-03-02 09:00 created priority=high"];
    let nows = [
        "2026-03-02 09:30",
        "2026-03-02 11:00",
        "2026-03-02 11:00:01",
        "2026-03-02 14:15",
        "2026-03-02 16:00",
        "2026-03-02 23:00",
        "2026-03-03 09:00",
        "2026-03-06 12:00",
        "2026-04-30 12:00",
    ];
    let mut last: Vec<(String, jiff::Timestamp)> = Vec::new();
    for now in nows {
        let e = eval(&p, &ev, now);
        let now_fired = fired(&e);
        for earlier in &last {
            assert!(
                now_fired.contains(earlier),
                "{earlier:?} lost at {now}: {now_fired:?}"
            );
        }
        assert!(now_fired.len() <= 2);
        last = now_fired;
    }
    // high-after-2h at 11:00; 75 % of 7 h = 5 h 15 min → 14:15.
    assert_eq!(
        last,
        rules(&[
            ("high-after-2h", "2026-03-02 11:00"),
            ("resolution-75pct", "2026-03-02 14:15"),
        ])
    );
}

#[test]
fn a_satisfied_metric_fires_nothing() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=high",
        "2026-03-02 09:20 acknowledged",
        "2026-03-02 10:30 resolved",
    ];
    for now in ["2026-03-02 11:00", "2026-03-02 15:00", "2026-05-02 15:00"] {
        let e = eval(&p, &ev, now);
        assert!(fired(&e).is_empty(), "{now}: {:?}", fired(&e));
        assert_eq!(e.escalation.level, 1);
        assert_eq!(e.next_change, None);
    }
}

#[test]
fn next_change_is_the_next_rule_instant_before_the_due() {
    let p = retroactive();
    let ev = [
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 09:15 acknowledged",
    ];
    // Resolution due Tue 17:00; the 75 % rule at Tue 13:00 comes first.
    let e = eval(&p, &ev, "2026-03-02 10:00");
    assert_eq!(due(&e, Metric::Resolution), wib("2026-03-03 17:00"));
    assert_eq!(e.next_change, Some(wib("2026-03-03 13:00")));
    // Paused: the rule's clock stops too; nothing can change.
    let mut paused = ev.to_vec();
    paused.push("2026-03-02 11:00 paused reason=maintenance");
    let e = eval(&p, &paused, "2026-03-02 12:00");
    assert_eq!(e.next_change, None);
    // After the rule fired, the due is next.
    let e = eval(&p, &ev, "2026-03-03 13:00");
    assert_eq!(e.next_change, Some(wib("2026-03-03 17:00")));
}

// ------------------------------------------------------------------------------------------
// Event handling and the JSON contract
// ------------------------------------------------------------------------------------------

#[test]
fn events_are_folded_in_time_order_and_future_events_are_ignored() {
    let p = retroactive();
    let sorted = events(&[
        "2026-03-02 09:00 created priority=low",
        "2026-03-02 10:00 paused reason=waiting_on_customer",
        "2026-03-02 11:00 resumed",
        "2026-03-02 11:30 acknowledged",
        "2026-03-03 10:00 resolved",
    ]);
    let mut shuffled = sorted.clone();
    shuffled.reverse();
    let now = wib("2026-03-02 12:00");
    assert_eq!(
        evaluate(&p, &sorted, now).unwrap(),
        evaluate(&p, &shuffled, now).unwrap()
    );
    // The resolution at Tue 10:00 lies after `now` and changes nothing.
    assert_eq!(
        evaluate(&p, &sorted, now).unwrap(),
        evaluate(&p, &sorted[..4], now).unwrap()
    );
    // An acknowledgement at the creation instant meets the response with nothing elapsed.
    let e = eval(
        &p,
        &[
            "2026-03-02 09:00 created priority=low",
            "2026-03-02 09:00 acknowledged",
        ],
        "2026-03-02 09:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.elapsed_nanos, 0);
}

#[test]
fn evaluation_json_follows_the_design_contract() {
    let p = load("innovasia");
    let ev = events(&[
        "2026-03-13 16:30 created priority=P2",
        "2026-03-16 10:05 acknowledged",
    ]);
    let e = eval_events(&p, &ev, wib("2026-03-16 11:00"));
    let j = evaluation_json(&p, &e);
    let response = &j["metrics"][0];
    assert_eq!(response["metric"], "response");
    assert_eq!(response["state"], "met");
    assert_eq!(response["due"], "2026-03-16T12:30:00+07:00");
    assert_eq!(response["met_at"], "2026-03-16T10:05:00+07:00");
    assert!(response["breached_at"].is_null());
    // 30 min Friday + 65 min Monday.
    assert_eq!(response["elapsed_business_seconds"], 95 * 60);
    assert!(response["remaining_business_seconds"].is_null());
    let resolution = &j["metrics"][1];
    assert_eq!(resolution["metric"], "resolution");
    assert_eq!(resolution["state"], "running");
    assert_eq!(resolution["due"], "2026-03-18T16:30:00+07:00");
    // 24 h − (0.5 h + 2 h) = 21.5 h.
    assert_eq!(resolution["remaining_business_seconds"], 21 * 3600 + 1800);
    assert_eq!(j["escalation"]["level"], 1);
    assert_eq!(j["escalation"]["fired"].as_array().unwrap().len(), 0);
    assert_eq!(j["next_change"], "2026-03-18T10:30:00+07:00");

    // The DESIGN.md escalation example: a P1 reported Fri 22:00 WIB escalates at 02:00.
    let ev = events(&["2026-03-13 22:00 created priority=P1"]);
    let e = eval_events(&p, &ev, wib("2026-03-14 03:00"));
    let j = evaluation_json(&p, &e);
    assert_eq!(j["escalation"]["level"], 2);
    assert_eq!(
        j["escalation"]["fired"][0],
        serde_json::json!({ "level": 2, "rule": "p1-no-workaround-4h", "at": "2026-03-14T02:00:00+07:00" })
    );
    assert_eq!(j["metrics"][0]["state"], "breached");
    assert_eq!(j["metrics"][0]["breached_at"], "2026-03-13T23:00:00+07:00");

    // next_release: due null, state not_applicable.
    let ev = events(&["2026-03-16 10:00 created priority=P3"]);
    let e = eval_events(&p, &ev, wib("2026-03-16 11:00"));
    let j = evaluation_json(&p, &e);
    assert_eq!(j["metrics"][1]["metric"], "resolution");
    assert_eq!(j["metrics"][1]["state"], "not_applicable");
    assert!(j["metrics"][1]["due"].is_null());
}
