//! Scenarios of the `innovasia` preset (seed 001, PT Innovasia Inovasi Indonesia).
//!
//! Business hours Mon–Fri 09:00–17:00 WIB without national holidays (1 business day = 8 h);
//! P1: response 1 h 24×7, resolution 8 h 24×7 (a workaround meets it); P2: response 4 business
//! hours, resolution 3 business days; P3: response 1 business day, resolution next release.
//! Escalation: 75 % of the resolution time without a workaround → level 2; P1 without a
//! workaround after 4 h → level 2; P1 unresolved after 8 h → level 3.
//! Official channels: the phone line (08:00–16:00 Mon–Fri) and the 24×7 partner portal.
//!
//! 2026 dates used: Fri 13 Mar, Mon 16 Mar; Wed 18 Mar (cuti bersama: a working day here),
//! Thu 19 Mar Nyepi (national), Fri 20 Mar (cuti bersama: working), Sat 21/Sun 22 Idul Fitri,
//! Mon 23/Tue 24 Mar (cuti bersama: working); Fri 3 Apr Good Friday.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tenggat_sla::{Metric, State, Target};

fn innovasia() -> tenggat_sla::Policy {
    load("innovasia")
}

/// Table 2.1 P2 "4 Jam Kerja" / "3 Hari Kerja", reported Friday 16:30 WIB.
#[test]
fn p2_reported_friday_afternoon_response_due_monday() {
    let p = innovasia();
    let ev = ["2026-03-13 16:30 created priority=P2"];
    // Response 4 business hours: Fri 16:30–17:00 = 0.5 h; Mon 09:00 + 3.5 h = Mon 12:30.
    // Resolution 3 bd = 24 h: Fri 0.5 h; Mon 16 Mar 8 h (8.5); Tue 17 Mar 8 h (16.5);
    //   Wed 18 Mar (cuti bersama, a working day) 7.5 h → Wed 16:30.
    // 75 % rule: 18 h: Fri 0.5, Mon 8 (8.5), Tue 8 (16.5), Wed 1.5 → Wed 18 Mar 10:30.
    let e = eval(&p, &ev, "2026-03-16 09:00");
    assert_eq!(ids(&e), ["response", "resolution"]);
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 12:30"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-18 16:30"),
    );
    // 30 minutes on Friday have been spent on both clocks by Monday 09:00.
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 30 * MIN);
    assert_eq!(metric(&e, Metric::Resolution).elapsed_nanos, 30 * MIN);
    assert_eq!(e.next_change, Some(wib("2026-03-16 12:30")));

    // Acknowledged Monday 10:05: met; the next change is the 75 % escalation.
    let mut ev2 = ev.to_vec();
    ev2.push("2026-03-16 10:05 acknowledged");
    let e = eval(&p, &ev2, "2026-03-16 11:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-16 10:05")));
    // 0.5 h Friday + 1 h 5 min Monday.
    assert_eq!(r.elapsed_nanos, 95 * MIN);
    assert_eq!(r.due, Some(wib("2026-03-16 12:30")));
    assert_eq!(e.next_change, Some(wib("2026-03-18 10:30")));

    // At Wed 10:30 the 75 % rule fires (level 2); the resolution is still running.
    let e = eval(&p, &ev2, "2026-03-18 10:30");
    assert_eq!(
        fired(&e),
        rules(&[("resolution-75pct", "2026-03-18 10:30")])
    );
    assert_eq!(e.escalation.level, 2);
    assert_eq!(e.next_change, Some(wib("2026-03-18 16:30")));
}

/// Table 2.1 P1 "1 Jam (berlaku 24×7)": a Saturday report is due one hour later.
#[test]
fn p1_saturday_report_response_due_one_hour_later() {
    let p = innovasia();
    let ev = ["2026-03-14 10:00 created priority=P1"];
    // Response 1 h on 24x7: Sat 11:00. Resolution 8 h on 24x7: Sat 18:00.
    let e = eval(&p, &ev, "2026-03-14 10:30");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-14 11:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-14 18:00"),
    );
    assert_eq!(metric(&e, Metric::Response).remaining_nanos, Some(30 * MIN));
    assert_eq!(e.next_change, Some(wib("2026-03-14 11:00")));

    // Not acknowledged by 11:00: breached at exactly 11:00.
    let e = eval(&p, &ev, "2026-03-14 11:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-14 11:00")));
    // Next: the 4 h rule at 14:00.
    assert_eq!(e.next_change, Some(wib("2026-03-14 14:00")));

    // The same through the 24x7 partner portal.
    let e = eval(
        &p,
        &["2026-03-14 10:00 created priority=P1 channel=portal"],
        "2026-03-14 10:30",
    );
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-14 11:00"),
    );
}

/// §1.3 "Waktu Resolusi … Solusi (Workaround) atau Perbaikan Permanen": a workaround meets the
/// P1 resolution, but Level 3 ("belum terselesaikan dalam 8 jam") waits for the fix.
#[test]
fn p1_resolution_met_by_a_workaround() {
    let p = innovasia();
    let ev = [
        "2026-03-16 10:00 created priority=P1",
        "2026-03-16 10:20 acknowledged",
        "2026-03-16 13:00 workaround",
    ];
    // Resolution 8 h 24x7 from 10:00: due 18:00; met at 13:00 (3 h spent).
    // Rules: 4 h (14:00) and 75 % (16:00) are disarmed by the workaround at 13:00;
    // the 8 h rule (until resolved) fires at 18:00.
    let e = eval(&p, &ev, "2026-03-16 17:00");
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-16 11:00"));
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-16 13:00")));
    assert_eq!(r.due, Some(wib("2026-03-16 18:00")));
    assert_eq!(r.elapsed_nanos, 3 * HOUR);
    assert!(fired(&e).is_empty());
    assert_eq!(e.escalation.level, 1);
    assert_eq!(e.next_change, Some(wib("2026-03-16 18:00")));

    let e = eval(&p, &ev, "2026-03-16 20:00");
    assert_eq!(
        fired(&e),
        rules(&[("p1-unresolved-8h", "2026-03-16 18:00")])
    );
    assert_eq!(e.escalation.level, 3);
    assert_eq!(metric(&e, Metric::Resolution).state, State::Met);

    // Resolved at 17:00: nothing fires, ever.
    let mut ev2 = ev.to_vec();
    ev2.push("2026-03-16 17:00 resolved");
    let e = eval(&p, &ev2, "2026-03-30 12:00");
    assert!(fired(&e).is_empty());
    assert_eq!(e.escalation.level, 1);
    assert_eq!(e.next_change, None);
}

/// Table 2.1 P3 "1 Hari Kerja" / "Siklus Rilis Berikutnya": no resolution clock.
#[test]
fn p3_resolution_next_release_has_no_due() {
    let p = innovasia();
    let ev = ["2026-03-16 10:00 created priority=P3"];
    // Response 1 bd = 8 h: Mon 10:00–17:00 = 7 h; Tue 09:00 + 1 h = Tue 17 Mar 10:00.
    let e = eval(&p, &ev, "2026-03-16 12:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-17 10:00"),
    );
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.target, Target::NextRelease);
    assert_eq!(r.state, State::NotApplicable);
    assert_eq!(r.due, None);
    assert_eq!(r.remaining_nanos, None);
    // A month later: the response is breached (at Tue 10:00), the resolution still has no clock
    // and P3 has no escalation rule.
    let e = eval(&p, &ev, "2026-04-16 12:00");
    assert_eq!(
        metric(&e, Metric::Response).breached_at,
        Some(wib("2026-03-17 10:00"))
    );
    assert_clock(&e, Metric::Resolution, State::NotApplicable, None);
    assert!(fired(&e).is_empty());
    assert_eq!(e.next_change, None);
}

/// Nyepi (Thu 19 Mar 2026) is a national holiday; the cuti bersama around it are working days.
#[test]
fn p2_across_nyepi_and_idul_fitri() {
    let p = innovasia();
    let ev = ["2026-03-18 15:00 created priority=P2"];
    // Response 4 h: Wed 15:00–17:00 = 2 h; Thu 19 Nyepi: 0; Fri 20 (cuti bersama, working)
    //   09:00 + 2 h = Fri 11:00.
    // Resolution 24 h: Wed 2 h; Fri 20 8 h (10); Sat 21/Sun 22 (Idul Fitri, weekend anyway);
    //   Mon 23 (cuti bersama, working) 8 h (18); Tue 24 6 h → Tue 24 Mar 15:00.
    let e = eval(&p, &ev, "2026-03-19 12:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-20 11:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-24 15:00"),
    );
    // Nothing elapses on Nyepi.
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 2 * HOUR);
}

/// Good Friday (Fri 3 Apr 2026) is a national holiday.
#[test]
fn p2_across_good_friday() {
    let p = innovasia();
    let ev = [
        "2026-04-02 14:00 created priority=P2",
        "2026-04-06 09:45 acknowledged",
    ];
    // Response 4 h: Thu 2 Apr 14:00–17:00 = 3 h; Fri 3 Apr Good Friday: 0; Mon 6 Apr 09:00
    //   + 1 h = Mon 10:00. Acknowledged Mon 09:45: met (3 h 45 min spent).
    // Resolution 24 h: Thu 3 h; Mon 8 (11); Tue 8 (19); Wed 8 Apr 5 h → Wed 14:00.
    let e = eval(&p, &ev, "2026-04-06 12:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.due, Some(wib("2026-04-06 10:00")));
    assert_eq!(r.elapsed_nanos, 3 * HOUR + 45 * MIN);
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-04-08 14:00"),
    );
}

/// §3.2/§5.3: waiting on the partner pauses the resolution clock, not the response clock.
#[test]
fn waiting_on_partner_pauses_resolution_only() {
    let p = innovasia();
    let ev = [
        "2026-03-02 09:00 created priority=P2",
        "2026-03-02 10:00 acknowledged",
        "2026-03-02 11:00 paused reason=waiting_on_customer",
        "2026-03-03 11:00 resumed reason=waiting_on_customer",
    ];
    // Resolution 24 h from Mon 2 Mar 09:00: 2 h spent by Mon 11:00; paused Mon 11:00–Tue 11:00
    // (= 6 h + 2 h = 8 business hours). Remaining 22 h from Tue 11:00: Tue 6 h (16 left),
    // Wed 8 h (8 left), Thu 5 Mar 8 h → Thu 17:00 (without the pause: Wed 4 Mar 17:00).
    let during = eval(&p, &ev[..3], "2026-03-03 10:00");
    assert_clock(
        &during,
        Metric::Response,
        State::Met,
        Some("2026-03-02 13:00"),
    );
    let r = metric(&during, Metric::Resolution);
    assert_eq!(r.state, State::Paused);
    assert_eq!(r.due, None);
    assert_eq!(r.paused_by, [tenggat_sla::PauseReason::WaitingOnCustomer]);
    assert_eq!(r.remaining_nanos, Some(22 * HOUR));
    assert_eq!(during.next_change, None);

    let e = eval(&p, &ev, "2026-03-03 12:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-05 17:00"),
    );
    // The 75 % rule (18 h) moves by the pause too: 2 h Mon; Tue 11–17 6 h (8); Wed 8 (16);
    // Thu 2 h → Thu 5 Mar 11:00.
    assert_eq!(e.next_change, Some(wib("2026-03-05 11:00")));
    let e = eval(&p, &ev, "2026-03-05 11:00");
    assert_eq!(
        fired(&e),
        rules(&[("resolution-75pct", "2026-03-05 11:00")])
    );
}

/// §3.1: the clocks start when the report arrives through an official channel; the phone
/// line is staffed 08:00–16:00 Mon–Fri.
#[test]
fn phone_report_after_hours_starts_next_morning() {
    let p = innovasia();
    // Phoned in Monday 16:30 (line closed since 16:00): the clocks start Tue 3 Mar 08:00.
    // Response 4 business hours (09:00–17:00): Tue 09:00 + 4 h = Tue 13:00.
    // Resolution 24 h: Tue, Wed, Thu → Thu 5 Mar 17:00.
    let e = eval(
        &p,
        &["2026-03-02 16:30 created priority=P2 channel=phone"],
        "2026-03-02 18:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.start, wib("2026-03-03 08:00"));
    assert_eq!(r.state, State::Running);
    assert_eq!(r.due, Some(wib("2026-03-03 13:00")));
    assert_eq!(r.elapsed_nanos, 0);
    assert_eq!(due(&e, Metric::Resolution), wib("2026-03-05 17:00"));
    // Through the 24x7 portal at the same instant: Mon 16:30–17:00 = 0.5 h, Tue 09:00 + 3.5 h
    // = Tue 12:30.
    let e = eval(
        &p,
        &["2026-03-02 16:30 created priority=P2 channel=portal"],
        "2026-03-02 18:00",
    );
    assert_eq!(metric(&e, Metric::Response).start, wib("2026-03-02 16:30"));
    assert_eq!(due(&e, Metric::Response), wib("2026-03-03 12:30"));
}

/// Table 4.1: P1 without a workaround after 4 h → level 2; unresolved after 8 h → level 3;
/// and the 75 % automatic trigger (6 h of 8 h) in between. All on the 24x7 resolution clock.
#[test]
fn p1_escalates_to_level_2_after_4h_and_level_3_after_8h() {
    let p = innovasia();
    let ev = [
        "2026-03-16 22:00 created priority=P1",
        "2026-03-16 22:30 acknowledged",
    ];
    // From Mon 22:00 (24x7): 4 h → Tue 02:00; 75 % of 8 h = 6 h → Tue 04:00; 8 h → Tue 06:00.
    let e = eval(&p, &ev, "2026-03-17 01:59:59");
    assert!(fired(&e).is_empty());
    assert_eq!(e.escalation.level, 1);
    assert_eq!(e.next_change, Some(wib("2026-03-17 02:00")));

    let e = eval(&p, &ev, "2026-03-17 03:00");
    assert_eq!(
        fired(&e),
        rules(&[("p1-no-workaround-4h", "2026-03-17 02:00")])
    );
    assert_eq!(e.escalation.level, 2);
    assert_eq!(e.next_change, Some(wib("2026-03-17 04:00")));

    let e = eval(&p, &ev, "2026-03-17 07:00");
    assert_eq!(
        fired(&e),
        rules(&[
            ("p1-no-workaround-4h", "2026-03-17 02:00"),
            ("resolution-75pct", "2026-03-17 04:00"),
            ("p1-unresolved-8h", "2026-03-17 06:00"),
        ])
    );
    assert_eq!(e.escalation.level, 3);
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-17 06:00")));
    assert_eq!(e.next_change, None);
}

/// §4.1 "prioritas Insiden telah salah diklasifikasikan": the preset is retroactive, so a P3
/// raised to P1 is measured against the P1 targets from the report.
#[test]
fn p3_raised_to_p1_is_measured_from_the_report() {
    let p = innovasia();
    let ev = [
        "2026-03-16 10:00 created priority=P3",
        "2026-03-16 10:30 priority to=P1",
    ];
    // P1 from the report (24x7): response Mon 11:00, resolution Mon 18:00; the 4 h rule at
    // 14:00 is the next change after the response due.
    let e = eval(&p, &ev, "2026-03-16 10:45");
    assert_eq!(e.priority, "P1");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 11:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-16 18:00"),
    );
    assert_eq!(e.next_change, Some(wib("2026-03-16 11:00")));
    // Before the change the ticket was a P3 (response due Tue 10:00, resolution next release).
    let e = eval(&p, &ev[..1], "2026-03-16 10:20");
    assert_eq!(due(&e, Metric::Response), wib("2026-03-17 10:00"));
}

/// Scheduled maintenance pauses the resolution; two reasons overlap and one resume leaves the
/// clock paused.
#[test]
fn maintenance_and_waiting_overlap() {
    let p = innovasia();
    let ev = [
        "2026-03-02 09:00 created priority=P2",
        "2026-03-02 09:30 acknowledged",
        "2026-03-02 10:00 paused reason=waiting_on_customer",
        "2026-03-02 11:00 paused reason=maintenance",
        "2026-03-02 12:00 resumed reason=waiting_on_customer",
        "2026-03-02 14:00 resumed reason=maintenance",
    ];
    let e = eval(&p, &ev[..5], "2026-03-02 13:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Paused);
    assert_eq!(r.paused_by, [tenggat_sla::PauseReason::Maintenance]);
    assert_eq!(r.elapsed_nanos, HOUR);
    // Paused 10:00–14:00 = 4 h: 24 h from Mon 09:00 would be Wed 4 Mar 17:00; + 4 h →
    // Thu 5 Mar 13:00 (1 h Mon 09–10, Mon 14–17 3 h (4), Tue 8 (12), Wed 8 (20), Thu 4 h).
    let e = eval(&p, &ev, "2026-03-02 15:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-05 13:00"),
    );
}

/// §3.1 again: a report phoned in after the line closed, acknowledged before it opens. The
/// response is met with nothing spent; the instant it would have run out stays Tue 13:00.
#[test]
fn phone_report_acknowledged_before_the_line_opens() {
    let p = innovasia();
    let ev = [
        "2026-03-02 16:30 created priority=P2 channel=phone",
        "2026-03-02 16:45 acknowledged",
    ];
    // Before the acknowledgement: due Tue 13:00 (clock from Tue 08:00, business from 09:00).
    let e = eval(&p, &ev[..1], "2026-03-02 16:40");
    assert_eq!(due(&e, Metric::Response), wib("2026-03-03 13:00"));
    let e = eval(&p, &ev, "2026-03-03 14:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-02 16:45")));
    assert_eq!(r.elapsed_nanos, 0);
    assert_eq!(r.due, Some(wib("2026-03-03 13:00")), "{r:#?}");
}

/// A report phoned in after hours that waits on the partner before the line opens: the
/// resolution clock starts paused (no due, nothing to change), the response clock runs.
#[test]
fn phone_report_waiting_on_partner_before_the_line_opens() {
    let p = innovasia();
    let ev = [
        "2026-03-02 16:30 created priority=P2 channel=phone",
        "2026-03-02 16:50 paused reason=waiting_on_customer",
        "2026-03-03 10:00 resumed reason=waiting_on_customer",
    ];
    let e = eval(&p, &ev[..2], "2026-03-02 17:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-03 13:00"),
    );
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Paused, "{r:#?}");
    assert_eq!(r.due, None);
    assert_eq!(r.remaining_nanos, Some(24 * HOUR));
    assert_eq!(e.next_change, Some(wib("2026-03-03 13:00")));
    // Still paused once the line opens (Tue 08:00).
    let e = eval(&p, &ev[..2], "2026-03-03 09:30");
    assert_eq!(metric(&e, Metric::Resolution).state, State::Paused);
    // Resumed Tue 10:00: 24 h from Tue 10:00 → Tue 7 h, Wed 8 h (15), Thu 8 h (23), Fri 6 Mar
    // 09:00 + 1 h = 10:00.
    let e = eval(&p, &ev, "2026-03-03 11:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-06 10:00"),
    );
}

/// Table 4.1 "P1 … yang belum memiliki Solusi setelah 4 jam": a workaround at exactly 4 h is
/// in time (as a metric met at its due instant is met), so Level 2 is not triggered by it.
#[test]
fn p1_workaround_at_exactly_four_hours() {
    let p = innovasia();
    let ev = [
        "2026-03-16 10:00 created priority=P1",
        "2026-03-16 10:30 acknowledged",
        "2026-03-16 14:00 workaround",
    ];
    let e = eval(&p, &ev, "2026-03-16 15:00");
    assert!(fired(&e).is_empty(), "{:?}", fired(&e));
    assert_eq!(e.escalation.level, 1);
    // One second later, it is.
    let late = [ev[0], ev[1], "2026-03-16 14:00:01 workaround"];
    let e = eval(&p, &late, "2026-03-16 15:00");
    assert_eq!(
        fired(&e),
        rules(&[("p1-no-workaround-4h", "2026-03-16 14:00")])
    );
}

/// Pre-breach warnings (the default 50 % and 75 % of each target) of a P2 reported Friday
/// 16:30, at their business instants.
#[test]
fn p2_warnings_at_half_and_three_quarters_of_business_time() {
    let p = innovasia();
    let ev = ["2026-03-13 16:30 created priority=P2"];
    // Response 4 bh: 50 % = 2 h: Fri 0.5 h, Mon 09:00 + 1.5 h = Mon 10:30; 75 % = 3 h: 11:30.
    let e = eval(&p, &ev, "2026-03-16 09:00");
    assert!(e.metrics.iter().all(|m| m.warnings.is_empty()));
    assert_eq!(e.next_warning, Some(wib("2026-03-16 10:30")));
    let e = eval(&p, &ev, "2026-03-16 11:30");
    let w: Vec<_> = metric(&e, Metric::Response)
        .warnings
        .iter()
        .map(|w| (w.percent, w.at))
        .collect();
    assert_eq!(
        w,
        [
            (50.0, wib("2026-03-16 10:30")),
            (75.0, wib("2026-03-16 11:30"))
        ]
    );

    // Acknowledged Monday 10:05, before the response's first warning: it never comes.
    // Resolution 24 h: 50 % = 12 h: Fri 0.5, Mon 8 (8.5), Tue 3.5 → Tue 17 Mar 12:30;
    // 75 % = 18 h → Wed 18 Mar 10:30, the instant the 75 % escalation rule fires too.
    let ev = [
        "2026-03-13 16:30 created priority=P2",
        "2026-03-16 10:05 acknowledged",
    ];
    let e = eval(&p, &ev, "2026-03-16 11:00");
    assert!(metric(&e, Metric::Response).warnings.is_empty());
    assert_eq!(e.next_warning, Some(wib("2026-03-17 12:30")));
    let e = eval(&p, &ev, "2026-03-18 11:00");
    let w: Vec<_> = metric(&e, Metric::Resolution)
        .warnings
        .iter()
        .map(|w| (w.percent, w.at))
        .collect();
    assert_eq!(
        w,
        [
            (50.0, wib("2026-03-17 12:30")),
            (75.0, wib("2026-03-18 10:30"))
        ]
    );
    assert_eq!(e.escalation.fired[0].at, wib("2026-03-18 10:30"));
    assert_eq!(e.next_warning, None);
    assert_eq!(e.next_change, Some(wib("2026-03-18 16:30")));
}

// ------------------------------------------------------------------------------------------
// A workaround the customer rejects (`workaround_rejected`)
// ------------------------------------------------------------------------------------------

/// "Resolution = until a workaround or permanent fix removes the business impact": a
/// workaround the customer rejects did not, so the resolution clock it met runs again from
/// the rejection (the time the customer took to try it is not counted), and the 75 % rule it
/// disarmed is armed again. A later workaround meets the clock anew.
#[test]
fn a_rejected_workaround_runs_the_resolution_clock_again() {
    let p = innovasia();
    let mut ev = vec![
        "2026-03-02 09:00 created priority=P2",
        "2026-03-02 09:30 acknowledged",
        "2026-03-02 11:00 workaround",
    ];
    let e = eval(&p, &ev, "2026-03-02 12:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-02 11:00")));

    ev.push("2026-03-03 10:00 workaround_rejected");
    // 2 h before the workaround; 2 h since the rejection.
    // Due: 24 business hours from Mon 09:00 = Wed 17:00, moved by the 7 business hours the
    // clock stood (Mon 11:00–17:00, Tue 09:00–10:00) = Thu 5 Mar 16:00.
    let e = eval(&p, &ev, "2026-03-03 12:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-05 16:00"),
    );
    assert_eq!(metric(&e, Metric::Resolution).elapsed_nanos, 4 * HOUR);
    assert_eq!(metric(&e, Metric::Resolution).met_at, None);
    // 75 % = 18 h: 2 h Monday, Tue 10:00–17:00 (9 h), Wed (17 h), Thu 09:00–10:00.
    let e = eval(&p, &ev, "2026-03-05 10:00");
    assert_eq!(
        fired(&e),
        rules(&[("resolution-75pct", "2026-03-05 10:00")])
    );

    // A second workaround, on Wednesday, meets it again.
    ev.push("2026-03-04 10:00 workaround");
    let e = eval(&p, &ev, "2026-03-05 10:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-04 10:00")));
    assert!(
        fired(&e).is_empty(),
        "disarmed before 75 %: {:?}",
        fired(&e)
    );
}

/// A P1 whose workaround is rejected after an hour: the 4-hour rule counts the hour before the
/// workaround and runs on from the rejection (24×7).
#[test]
fn a_rejected_workaround_arms_the_p1_four_hour_rule_again() {
    let p = innovasia();
    let ev = [
        "2026-03-02 09:00 created priority=P1",
        "2026-03-02 09:20 acknowledged",
        "2026-03-02 10:00 workaround",
        "2026-03-02 11:00 workaround_rejected",
    ];
    // 1 h before the workaround, 3 h after the rejection: 14:00. Resolution 8 h: 18:00.
    let e = eval(&p, &ev, "2026-03-02 14:00");
    assert_eq!(
        fired(&e),
        rules(&[("p1-no-workaround-4h", "2026-03-02 14:00")])
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-02 18:00"),
    );
}

/// A permanent fix after the workaround stands when the workaround is rejected: the clock is
/// met by the fix. A rejection after closing changes nothing.
#[test]
fn a_rejection_leaves_a_permanent_fix_and_a_closed_ticket_alone() {
    let p = innovasia();
    let ev = [
        "2026-03-02 09:00 created priority=P2",
        "2026-03-02 11:00 workaround",
        "2026-03-02 15:00 resolved",
        "2026-03-03 10:00 workaround_rejected",
    ];
    let e = eval(&p, &ev, "2026-03-03 12:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-02 15:00")));

    let ev = [
        "2026-03-02 09:00 created priority=P2",
        "2026-03-02 11:00 workaround",
        "2026-03-02 12:00 closed",
        "2026-03-02 13:00 workaround_rejected",
    ];
    let e = eval(&p, &ev, "2026-03-03 12:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-02 11:00")));

    // Rejecting when nothing was worked around changes nothing either.
    let ev = [
        "2026-03-02 09:00 created priority=P2",
        "2026-03-02 10:00 workaround_rejected",
    ];
    let e = eval(&p, &ev, "2026-03-02 12:00");
    assert_eq!(metric(&e, Metric::Resolution).elapsed_nanos, 3 * HOUR);
}
