//! Scenarios of the `microsoft-unified` preset (seed 004, Microsoft Unified Enterprise
//! Support), without add-ons.
//!
//! First response: Sev 1 Azure 15 min, other products 1 h, 24×7; Sev A 1 h 24×7; Sev B 2 h and
//! Sev C 4 h in business hours (09:00–17:30 local standard time; Asia/Jakarta here, without
//! national holidays). Sev 1 and A run the enhanced escalation process automatically (level
//! 2 at once). The preset restarts clocks on a severity change (`on_priority_change =
//! "restart"`): the new severity's targets count from the change.
//!
//! 2026 dates used: Fri 13 / Sat 14 / Sun 15 / Mon 16 Mar; Wed 18 Mar, Thu 19 Mar Nyepi
//! (national), Fri 20 Mar (cuti bersama: a working day); Thu 2 Apr, Fri 3 Apr Good Friday.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tenggat_sla::{Metric, State};

fn microsoft() -> tenggat_sla::Policy {
    load("microsoft-unified")
}

/// Sev 1, Azure: "Respons panggilan pertama dalam 15 menit atau kurang", 24×7 — a Saturday.
#[test]
fn sev1_azure_fifteen_minutes_on_saturday() {
    let p = microsoft();
    let ev = ["2026-03-14 10:00 created priority=1 product=azure"];
    // 24x7: 10:00 + 15 min = 10:15. The enhanced escalation runs at once (after 0 → 10:00).
    let e = eval(&p, &ev, "2026-03-14 10:05");
    assert_eq!(ids(&e), ["response"]);
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-14 10:15"),
    );
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-14 10:00")])
    );
    assert_eq!(e.escalation.level, 2);
    assert_eq!(e.next_change, Some(wib("2026-03-14 10:15")));
}

/// Sev 1, every other product: one hour, 24×7; `product` defaults to `other`.
#[test]
fn sev1_other_products_one_hour() {
    let p = microsoft();
    for created in [
        "2026-03-14 10:00 created priority=1 product=other",
        "2026-03-14 10:00 created priority=1",
    ] {
        let e = eval(&p, &[created], "2026-03-14 10:05");
        assert_clock(
            &e,
            Metric::Response,
            State::Running,
            Some("2026-03-14 11:00"),
        );
    }
    // Met after 40 minutes.
    let e = eval(
        &p,
        &[
            "2026-03-14 10:00 created priority=1",
            "2026-03-14 10:40 acknowledged",
        ],
        "2026-03-14 12:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.elapsed_nanos, 40 * MIN);
    // The enhanced escalation stays (it waits for `resolved`).
    assert_eq!(e.escalation.level, 2);
}

/// Sev A: one hour, 24×7, over midnight on a Sunday.
#[test]
fn sev_a_one_hour_overnight() {
    let p = microsoft();
    let ev = ["2026-03-15 23:30 created priority=A product=azure"];
    // Sun 23:30 + 1 h = Mon 16 Mar 00:30.
    let e = eval(&p, &ev, "2026-03-15 23:45");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 00:30"),
    );
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-15 23:30")])
    );
    let e = eval(&p, &ev, "2026-03-16 01:00");
    assert_eq!(
        metric(&e, Metric::Response).breached_at,
        Some(wib("2026-03-16 00:30"))
    );
}

/// Sev B: "dua jam atau kurang", "Upaya hanya dilakukan selama jam kerja" — Friday afternoon.
#[test]
fn sev_b_two_business_hours_over_the_weekend() {
    let p = microsoft();
    let ev = ["2026-03-13 16:30 created priority=B product=azure"];
    // Fri 16:30–17:30 = 1 h; Mon 16 Mar 09:00 + 1 h = 10:00 (Azure changes nothing for B).
    let e = eval(&p, &ev, "2026-03-14 12:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 10:00"),
    );
    assert!(fired(&e).is_empty());
    assert_eq!(e.escalation.level, 1);
    assert_eq!(e.next_change, Some(wib("2026-03-16 10:00")));
}

/// Sev C: four business hours across Nyepi.
#[test]
fn sev_c_four_business_hours_across_nyepi() {
    let p = microsoft();
    let ev = ["2026-03-18 15:00 created priority=C"];
    // Wed 15:00–17:30 = 2.5 h; Thu 19 Nyepi 0; Fri 20 (cuti bersama, working) 09:00 + 1.5 h
    // = 10:30.
    let e = eval(&p, &ev, "2026-03-19 12:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-20 10:30"),
    );
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 150 * MIN);
}

/// Sev B across Good Friday; the closing time is 17:30.
#[test]
fn sev_b_across_good_friday() {
    let p = microsoft();
    let ev = [
        "2026-04-02 16:00 created priority=B",
        "2026-04-06 09:20 acknowledged",
    ];
    // Thu 2 Apr 16:00–17:30 = 1.5 h; Fri 3 Apr Good Friday 0; Mon 6 Apr 09:00 + 0.5 h = 09:30.
    let e = eval(&p, &ev, "2026-04-06 12:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.due, Some(wib("2026-04-06 09:30")));
    assert_eq!(r.elapsed_nanos, 110 * MIN);
}

/// "Microsoft dapat menurunkan tingkat keparahan": Sev 1 lowered to B restarts the response
/// clock at the change with B's two business hours; the enhanced escalation that ran while
/// the ticket was a Sev 1 stays on record.
#[test]
fn sev1_downgraded_to_b_restarts_the_clock() {
    let p = microsoft();
    let ev = [
        "2026-03-16 10:00 created priority=1",
        "2026-03-16 10:30 priority to=B",
    ];
    // Before the change: Sev 1 other, 1 h 24x7 → 11:00; escalated at 10:00.
    let e = eval(&p, &ev, "2026-03-16 10:15");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 11:00"),
    );
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-16 10:00")])
    );
    // After: B from 10:30, 2 business hours → 12:30.
    let e = eval(&p, &ev, "2026-03-16 11:00");
    assert_eq!(e.priority, "B");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.start, wib("2026-03-16 10:30"));
    assert_eq!(r.state, State::Running);
    assert_eq!(r.due, Some(wib("2026-03-16 12:30")));
    assert_eq!(r.elapsed_nanos, 30 * MIN);
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-16 10:00")])
    );
}

/// The customer raises B to Sev 1: the response clock restarts at the change with Sev 1's
/// hour on 24×7, and the enhanced escalation runs from the change.
#[test]
fn sev_b_raised_to_1_restarts_the_clock() {
    let p = microsoft();
    let ev = [
        "2026-03-16 16:00 created priority=B",
        "2026-03-16 19:00 priority to=1",
    ];
    // As B: 16:00–17:30 1.5 h, Tue 09:00 + 0.5 h = Tue 09:30. As Sev 1 from 19:00: 20:00.
    let e = eval(&p, &ev[..1], "2026-03-16 18:00");
    assert_eq!(due(&e, Metric::Response), wib("2026-03-17 09:30"));
    let e = eval(&p, &ev, "2026-03-16 19:30");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 20:00"),
    );
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-16 19:00")])
    );
}

/// A response given while the ticket was a B keeps the B result after a raise to Sev 1
/// (`restart`: "a metric met before the last change keeps the result of the period in which
/// it was met").
#[test]
fn response_met_as_b_stays_met_after_a_raise_to_1() {
    let p = microsoft();
    let ev = [
        "2026-03-16 10:00 created priority=B",
        "2026-03-16 11:15 acknowledged",
        "2026-03-16 11:30 priority to=1",
    ];
    // As B: due 12:00 (2 business hours), met 11:15 after 1 h 15 min. Sev 1's hour from 10:00
    // (11:00) must not turn it into a breach: the hour only counts from the change.
    let e = eval(&p, &ev, "2026-03-16 13:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met, "{r:#?}");
    assert_eq!(r.met_at, Some(wib("2026-03-16 11:15")));
    assert_eq!(r.due, Some(wib("2026-03-16 12:00")));
    assert_eq!(r.breached_at, None);
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-16 11:30")])
    );
}

/// The enhanced escalation ends with the fix: a resolved Sev 1 has nothing left to change.
#[test]
fn resolved_sev1_has_no_next_change() {
    let p = microsoft();
    let ev = [
        "2026-03-14 10:00 created priority=1 product=azure",
        "2026-03-14 10:10 acknowledged",
        "2026-03-14 15:00 resolved",
    ];
    let e = eval(&p, &ev, "2026-03-16 10:00");
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-14 10:15"));
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-14 10:00")])
    );
    assert_eq!(e.next_change, None);
}
