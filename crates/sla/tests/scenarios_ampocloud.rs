//! Scenarios of the `ampocloud` preset (seed 000, AmpoCloud FAQ).
//!
//! Support hours Mon–Fri 09:30–18:30 WIB without national holidays (1 support day = 9 h).
//! Software: resolution ("recovery") 9 business hours, no response target. Hardware: response
//! 1 h, arrival on site 9 h, resolution 24 h, all business hours; `awaiting_permit` extends
//! (pauses) on-site and resolution but not response. Level 2 (failover) fires when the
//! resolution period is used up (100 %) without a fix.
//!
//! 2026 dates used: Mon 2 Mar; Wed 18 Mar, Thu 19 Mar Nyepi (national), Fri 20 and Mon 23 Mar
//! (cuti bersama: working days here); Thu 30 Apr, Fri 1 May Labour Day (national).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tenggat_sla::{Metric, PauseReason, State};

fn ampocloud() -> tenggat_sla::Policy {
    load("ampocloud")
}

/// Part 1 "Recovery Time Period Within 9 hours"; the initial-response cell is garbled, so a
/// software ticket carries only the resolution clock.
#[test]
fn software_recovery_nine_business_hours() {
    let p = ampocloud();
    let ev = ["2026-03-02 14:00 created priority=standard kind=software"];
    // Mon 14:00–18:30 = 4.5 h; Tue 09:30 + 4.5 h = Tue 3 Mar 14:00.
    let e = eval(&p, &ev, "2026-03-02 15:00");
    assert_eq!(e.kind, "software");
    assert_eq!(ids(&e), ["resolution"]);
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-03 14:00"),
    );
    assert_eq!(metric(&e, Metric::Resolution).elapsed_nanos, HOUR);
    assert_eq!(e.next_change, Some(wib("2026-03-03 14:00")));
}

/// The first kind (`software`) is the default.
#[test]
fn kind_defaults_to_software() {
    let p = ampocloud();
    let e = eval(
        &p,
        &["2026-03-02 14:00 created priority=standard"],
        "2026-03-02 15:00",
    );
    assert_eq!(e.kind, "software");
    assert_eq!(due(&e, Metric::Resolution), wib("2026-03-03 14:00"));
}

/// Part 2: response 1 h, on site 9 h, resolution 24 h, business hours.
#[test]
fn hardware_three_clocks() {
    let p = ampocloud();
    let ev = ["2026-03-02 10:00 created priority=standard kind=hardware"];
    // Response: 10:00 + 1 h = Mon 11:00.
    // On site 9 h: Mon 10:00–18:30 = 8.5 h; Tue 09:30 + 0.5 h = Tue 3 Mar 10:00.
    // Resolution 24 h: Mon 8.5 h; Tue 9 h (17.5); Wed 09:30 + 6.5 h = Wed 4 Mar 16:00.
    let e = eval(&p, &ev, "2026-03-02 10:15");
    assert_eq!(ids(&e), ["response", "resolution", "onsite"]);
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 11:00"),
    );
    assert_clock(&e, Metric::Onsite, State::Running, Some("2026-03-03 10:00"));
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-04 16:00"),
    );
    assert_eq!(e.next_change, Some(wib("2026-03-02 11:00")));
}

/// "the time periods for Arrival on-site and Resolution of Fault shall be extended by the
/// length of time required … to acquire such permit(s)": a 3-business-hour permit wait moves
/// on-site and resolution by 3 business hours and leaves the response alone.
#[test]
fn hardware_permit_wait_extends_onsite_and_resolution_not_response() {
    let p = ampocloud();
    let ev = [
        "2026-03-02 10:00 created priority=standard kind=hardware",
        "2026-03-02 10:30 acknowledged",
        "2026-03-02 11:00 paused reason=awaiting_permit",
        "2026-03-02 14:00 resumed reason=awaiting_permit",
    ];
    // Without the wait (test above): on site Tue 10:00, resolution Wed 16:00.
    // Paused Mon 11:00–14:00 = 3 business hours.
    // On site: Mon 10–11 1 h + 14:00–18:30 4.5 h = 5.5 h; Tue 09:30 + 3.5 h = Tue 13:00.
    // Resolution: Mon 5.5 h; Tue 9 h (14.5); Wed 9 h (23.5); Thu 09:30 + 0.5 h = Thu 10:00
    //   (= Wed 16:00 + 3 business hours: Wed 16:00–18:30 2.5 h, Thu 0.5 h).
    // Response: met at 10:30, due 11:00 as without the wait.
    let during = eval(&p, &ev[..3], "2026-03-02 12:00");
    assert_clock(
        &during,
        Metric::Response,
        State::Met,
        Some("2026-03-02 11:00"),
    );
    for m in [Metric::Onsite, Metric::Resolution] {
        let r = metric(&during, m);
        assert_eq!(r.state, State::Paused, "{m:?}");
        assert_eq!(r.paused_by, [PauseReason::AwaitingPermit]);
        assert_eq!(r.elapsed_nanos, HOUR);
    }

    let e = eval(&p, &ev, "2026-03-02 15:00");
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-02 11:00"));
    assert_clock(&e, Metric::Onsite, State::Running, Some("2026-03-03 13:00"));
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-05 10:00"),
    );
}

/// A permit wait that starts before the acknowledgement does not stop the response clock.
#[test]
fn hardware_permit_wait_before_response_keeps_response_running() {
    let p = ampocloud();
    let ev = [
        "2026-03-02 10:00 created priority=standard kind=hardware",
        "2026-03-02 10:10 paused reason=awaiting_permit",
    ];
    let e = eval(&p, &ev, "2026-03-02 10:50");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 11:00"),
    );
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 50 * MIN);
    assert_eq!(metric(&e, Metric::Onsite).state, State::Paused);
    assert_eq!(metric(&e, Metric::Onsite).elapsed_nanos, 10 * MIN);
    assert_eq!(e.next_change, Some(wib("2026-03-02 11:00")));
    // Unacknowledged at 11:00: breached although the permit wait goes on.
    let e = eval(&p, &ev, "2026-03-02 11:30");
    assert_eq!(metric(&e, Metric::Response).state, State::Breached);
    assert_eq!(
        metric(&e, Metric::Response).breached_at,
        Some(wib("2026-03-02 11:00"))
    );
    assert_eq!(metric(&e, Metric::Resolution).state, State::Paused);
}

/// A permit wait across Nyepi: only business time counts as the extension; the response is
/// used up exactly at closing time.
#[test]
fn hardware_permit_wait_across_nyepi() {
    let p = ampocloud();
    let ev = [
        "2026-03-18 17:30 created priority=standard kind=hardware",
        "2026-03-18 18:00 paused reason=awaiting_permit",
        "2026-03-20 10:30 resumed reason=awaiting_permit",
    ];
    // Response 1 h: Wed 17:30–18:30 → due exactly at closing, Wed 18:30.
    // Paused Wed 18:00 → Fri 10:30: Wed 0.5 h + Thu (Nyepi) 0 + Fri 09:30–10:30 1 h = 1.5 h.
    // On site 9 h: Wed 0.5 h; Fri 10:30–18:30 8 h (8.5); Mon 23 (cuti bersama, working)
    //   09:30 + 0.5 h = Mon 23 Mar 10:00 (without the wait: Wed 1 h + Fri 8 h → Fri 17:30).
    // Resolution 24 h: Wed 0.5; Fri 8 (8.5); Mon 23 9 (17.5); Tue 24 09:30 + 6.5 h = 16:00.
    let e = eval(&p, &ev, "2026-03-20 11:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-18 18:30")));
    assert_clock(&e, Metric::Onsite, State::Running, Some("2026-03-23 10:00"));
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-24 16:00"),
    );
    // Acknowledged exactly at 18:30 Wednesday: met (the due instant is inside the target).
    let mut ev2 = ev.to_vec();
    ev2.insert(1, "2026-03-18 18:30 acknowledged");
    let e = eval(&p, &ev2, "2026-03-20 11:00");
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-18 18:30"));
}

/// Labour Day (Fri 1 May 2026) is a national holiday.
#[test]
fn hardware_across_labour_day() {
    let p = ampocloud();
    let ev = ["2026-04-30 16:30 created priority=standard kind=hardware"];
    // Response: Thu 16:30 + 1 h = 17:30.
    // On site 9 h: Thu 16:30–18:30 2 h; Fri 1 May holiday; Mon 4 May 09:30 + 7 h = 16:30.
    // Resolution 24 h: Thu 2; Mon 9 (11); Tue 9 (20); Wed 6 May 09:30 + 4 h = 13:30.
    let e = eval(&p, &ev, "2026-04-30 17:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-04-30 17:30"),
    );
    assert_clock(&e, Metric::Onsite, State::Running, Some("2026-05-04 16:30"));
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-05-06 13:30"),
    );
}

/// A report before opening counts from 09:30; a fix within the period meets it.
#[test]
fn software_fixed_in_time() {
    let p = ampocloud();
    let ev = [
        "2026-03-03 08:00 created priority=standard kind=software",
        "2026-03-03 15:00 resolved",
    ];
    // Tue 09:30 + 9 h = Tue 18:30 (exactly closing); fixed at 15:00 after 5.5 business hours.
    let e = eval(&p, &ev, "2026-03-04 10:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-03 15:00")));
    assert_eq!(r.due, Some(wib("2026-03-03 18:30")));
    assert_eq!(r.elapsed_nanos, 5 * HOUR + 30 * MIN);
    assert!(fired(&e).is_empty());
    assert_eq!(e.next_change, None);
}

/// "If the issue is not resolved on time the failover system will be activated": the
/// level-2 rule fires at exactly 100 % of the resolution period.
#[test]
fn software_breach_activates_failover() {
    let p = ampocloud();
    let ev = ["2026-03-02 14:00 created priority=standard kind=software"];
    // Due Tue 3 Mar 14:00 (see above).
    let e = eval(&p, &ev, "2026-03-03 13:59:59");
    assert_eq!(metric(&e, Metric::Resolution).state, State::Running);
    assert!(fired(&e).is_empty());
    assert_eq!(e.next_change, Some(wib("2026-03-03 14:00")));
    let e = eval(&p, &ev, "2026-03-03 15:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-03 14:00")));
    assert_eq!(
        fired(&e),
        rules(&[("failover-on-resolution-breach", "2026-03-03 14:00")])
    );
    assert_eq!(e.escalation.level, 2);
}

/// The seed gives no customer-delay clause: waiting on the customer stops nothing.
#[test]
fn waiting_on_customer_does_not_pause() {
    let p = ampocloud();
    let ev = [
        "2026-03-02 10:00 created priority=standard kind=hardware",
        "2026-03-02 10:15 paused reason=waiting_on_customer",
    ];
    let e = eval(&p, &ev, "2026-03-02 10:45");
    for m in &e.metrics {
        assert_eq!(m.state, State::Running, "{:?}", m.metric);
        assert!(m.paused_by.is_empty());
        assert_eq!(m.elapsed_nanos, 45 * MIN);
    }
    assert_eq!(due(&e, Metric::Onsite), wib("2026-03-03 10:00"));
}

/// A closed ticket stops every clock; met clocks stay met.
#[test]
fn closed_hardware_ticket_stops_every_clock() {
    let p = ampocloud();
    let ev = [
        "2026-03-02 10:00 created priority=standard kind=hardware",
        "2026-03-02 10:30 acknowledged",
        "2026-03-02 15:00 onsite",
        "2026-03-02 16:00 closed",
    ];
    let e = eval(&p, &ev, "2026-03-16 10:00");
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-02 11:00"));
    assert_clock(&e, Metric::Onsite, State::Met, Some("2026-03-03 10:00"));
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::NotApplicable);
    assert_eq!(r.due, None);
    assert_eq!(r.breached_at, None);
    // 10:00–16:00 = 6 h ran before the close; nothing after.
    assert_eq!(r.elapsed_nanos, 6 * HOUR);
    assert!(fired(&e).is_empty());
    assert_eq!(e.next_change, None);
}

/// Requests go by e-mail; a remote session is not a reporting channel and starts no clock.
#[test]
fn non_official_channel_starts_no_clock() {
    let p = ampocloud();
    let e = eval(
        &p,
        &["2026-03-02 10:00 created priority=standard kind=software channel=remote_session"],
        "2026-03-05 10:00",
    );
    assert_clock(&e, Metric::Resolution, State::NotApplicable, None);
    assert_eq!(e.next_change, None);
    // By e-mail (support hours): the usual period.
    let e = eval(
        &p,
        &["2026-03-02 14:00 created priority=standard kind=software channel=email"],
        "2026-03-02 15:00",
    );
    assert_eq!(due(&e, Metric::Resolution), wib("2026-03-03 14:00"));
}

/// Resolved exactly when the recovery period runs out: on time, so met — and no failover.
#[test]
fn software_fixed_exactly_on_time_activates_no_failover() {
    let p = ampocloud();
    let ev = [
        "2026-03-02 14:00 created priority=standard kind=software",
        "2026-03-03 14:00 resolved",
    ];
    // Due Tue 3 Mar 14:00 (Mon 4.5 h + Tue 4.5 h); resolved at that instant.
    let e = eval(&p, &ev, "2026-03-04 10:00");
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.due, Some(wib("2026-03-03 14:00")));
    assert_eq!(r.elapsed_nanos, 9 * HOUR);
    assert!(fired(&e).is_empty(), "{:?}", fired(&e));
    assert_eq!(e.escalation.level, 1);
}
