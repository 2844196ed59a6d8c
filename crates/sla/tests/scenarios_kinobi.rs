//! Scenarios of the `kinobi` preset (seed 002, Kinobi AI support guide).
//!
//! Support hours Mon–Fri 09:00–18:00 WIB without national holidays (1 business day = 9 h).
//! Initial response: S1 2 business hours, S2 4 business hours, S3 1 business day (9 h),
//! S4 2 business days (18 h); "Keterlambatan yang disebabkan oleh Pelanggan dapat memengaruhi
//! waktu tanggapan" → `waiting_on_customer` pauses the response clock. Security incidents and
//! professional services carry no target.
//!
//! 2026 dates used: Mon 2 Mar; Fri 13 / Mon 16 Mar; Wed 18 Mar, Thu 19 Mar Nyepi (national),
//! Fri 20 Mar (cuti bersama: a working day); Wed 13 May, Thu 14 May Ascension (national),
//! Fri 15 May (cuti bersama: working); Fri 29 May, Sun 31 May Vesak, Mon 1 Jun Pancasila.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tenggat_sla::{Metric, PauseReason, State, Target};

fn kinobi() -> tenggat_sla::Policy {
    load("kinobi")
}

/// §5 "Severity 1: Tanggapan awal dalam waktu 2 jam kerja", reported one hour before closing.
#[test]
fn s1_two_business_hours_over_the_night() {
    let p = kinobi();
    // Mon 17:00–18:00 = 1 h; Tue 09:00 + 1 h = Tue 3 Mar 10:00.
    let e = eval(
        &p,
        &["2026-03-02 17:00 created priority=S1"],
        "2026-03-02 20:00",
    );
    assert_eq!(ids(&e), ["response"]);
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-03 10:00"),
    );
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, HOUR);
    assert_eq!(e.next_change, Some(wib("2026-03-03 10:00")));
}

/// "Severity 2: … 4 jam kerja" over a weekend.
#[test]
fn s2_four_business_hours_over_the_weekend() {
    let p = kinobi();
    // Fri 13 Mar 16:00–18:00 = 2 h; Mon 16 Mar 09:00 + 2 h = 11:00.
    let e = eval(
        &p,
        &["2026-03-13 16:00 created priority=S2"],
        "2026-03-14 12:00",
    );
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 11:00"),
    );
}

/// "Severity 3: … 1 hari kerja" = 9 business hours, across Nyepi.
#[test]
fn s3_one_business_day_across_nyepi() {
    let p = kinobi();
    // Wed 18 Mar 10:00–18:00 = 8 h; Thu 19 Nyepi 0; Fri 20 (cuti bersama, working)
    // 09:00 + 1 h = Fri 10:00.
    let e = eval(
        &p,
        &["2026-03-18 10:00 created priority=S3"],
        "2026-03-19 10:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.target_nanos, Some(9 * HOUR));
    assert_eq!(r.due, Some(wib("2026-03-20 10:00")));
    assert_eq!(r.elapsed_nanos, 8 * HOUR);
}

/// "Severity 4: … 2 hari kerja" = 18 business hours, across Ascension Day.
#[test]
fn s4_two_business_days_across_ascension() {
    let p = kinobi();
    // Wed 13 May 14:00–18:00 = 4 h; Thu 14 May Ascension 0; Fri 15 May (cuti bersama,
    // working) 9 h (13); Mon 18 May 09:00 + 5 h = 14:00.
    let e = eval(
        &p,
        &["2026-05-13 14:00 created priority=S4"],
        "2026-05-13 15:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.target_nanos, Some(18 * HOUR));
    assert_eq!(r.due, Some(wib("2026-05-18 14:00")));
}

/// S4 across Vesak (a Sunday) and Pancasila Day (Mon 1 Jun).
#[test]
fn s4_across_pancasila_day() {
    let p = kinobi();
    // Fri 29 May 12:00–18:00 = 6 h; Mon 1 Jun holiday; Tue 2 Jun 9 h (15); Wed 3 Jun 09:00 +
    // 3 h = 12:00.
    let e = eval(
        &p,
        &["2026-05-29 12:00 created priority=S4"],
        "2026-05-29 13:00",
    );
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-06-03 12:00"),
    );
}

/// §7 "Keterlambatan yang disebabkan oleh Pelanggan dapat memengaruhi waktu tanggapan":
/// a customer delay pauses the response clock; the target then ends exactly at closing time.
#[test]
fn customer_delay_pauses_the_response() {
    let p = kinobi();
    let ev = [
        "2026-03-02 10:00 created priority=S2",
        "2026-03-02 11:00 paused reason=waiting_on_customer",
        "2026-03-02 15:00 resumed",
    ];
    // 4 h from 10:00 = 14:00 without the delay; 1 h spent by 11:00, paused 11:00–15:00 (4 h),
    // 3 h left from 15:00 → Mon 18:00 exactly (closing time, not Tue 09:00).
    let e = eval(&p, &ev, "2026-03-02 16:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 18:00"),
    );
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 2 * HOUR);
    assert_eq!(
        metric(&e, Metric::Response).stretches,
        vec![
            (wib("2026-03-02 10:00"), wib("2026-03-02 11:00")),
            (wib("2026-03-02 15:00"), wib("2026-03-02 16:00")),
        ]
    );
    // Acknowledged 17:59: met; at 18:00 and later without it: breached at 18:00.
    let mut met = ev.to_vec();
    met.push("2026-03-02 17:59 acknowledged");
    let e = eval(&p, &met, "2026-03-03 10:00");
    assert_clock(&e, Metric::Response, State::Met, Some("2026-03-02 18:00"));
    let e = eval(&p, &ev, "2026-03-03 10:00");
    assert_eq!(
        metric(&e, Metric::Response).breached_at,
        Some(wib("2026-03-02 18:00"))
    );
}

/// A ticket that waits on the customer from the moment it is reported.
#[test]
fn paused_before_the_first_response() {
    let p = kinobi();
    let ev = [
        "2026-03-02 10:00 created priority=S3",
        "2026-03-02 10:00 paused reason=waiting_on_customer",
        "2026-03-03 10:00 resumed reason=waiting_on_customer",
    ];
    let e = eval(&p, &ev[..2], "2026-03-02 17:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Paused);
    assert_eq!(r.paused_by, [PauseReason::WaitingOnCustomer]);
    assert_eq!(r.elapsed_nanos, 0);
    assert_eq!(r.remaining_nanos, Some(9 * HOUR));
    assert_eq!(r.due, None);
    assert_eq!(e.next_change, None);
    // Resumed Tue 10:00 with the full 9 h: Tue 10:00–18:00 8 h; Wed 4 Mar 09:00 + 1 h = 10:00.
    let e = eval(&p, &ev, "2026-03-03 10:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-04 10:00"),
    );
}

/// A clock paused past its original due is not breached while paused; on resume the due
/// moves by exactly the paused business time.
#[test]
fn resume_after_the_original_due() {
    let p = kinobi();
    let ev = [
        "2026-03-02 09:00 created priority=S1",
        "2026-03-02 10:00 paused reason=waiting_on_customer",
        "2026-03-03 10:00 resumed reason=waiting_on_customer",
    ];
    // S1 2 h: due Mon 11:00 without the pause. Paused Mon 10:00 → Tue 10:00 = Mon 8 h + Tue 1 h
    // = 9 business hours → Mon 11:00 + 9 h = (Mon 11–18 7 h, Tue 09–11 2 h) Tue 11:00.
    let e = eval(&p, &ev[..2], "2026-03-02 15:00");
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Paused);
    assert_eq!(r.breached_at, None);
    assert_eq!(r.remaining_nanos, Some(HOUR));
    let e = eval(&p, &ev, "2026-03-03 10:30");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-03 11:00"),
    );
    let e = eval(&p, &ev, "2026-03-03 11:00");
    assert_eq!(
        metric(&e, Metric::Response).breached_at,
        Some(wib("2026-03-03 11:00"))
    );
}

/// S1 met and S1 breached.
#[test]
fn s1_met_and_breached() {
    let p = kinobi();
    // Tue 3 Mar 09:30 + 2 h = 11:30.
    let e = eval(
        &p,
        &[
            "2026-03-03 09:30 created priority=S1 channel=in_app",
            "2026-03-03 10:15 acknowledged",
        ],
        "2026-03-03 12:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-03 10:15")));
    assert_eq!(r.elapsed_nanos, 45 * MIN);
    assert_eq!(r.due, Some(wib("2026-03-03 11:30")));
    let e = eval(
        &p,
        &[
            "2026-03-03 09:30 created priority=S1 channel=email",
            "2026-03-03 11:45 acknowledged",
        ],
        "2026-03-03 12:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-03 11:30")));
    // The late acknowledgement is still recorded.
    assert_eq!(r.met_at, Some(wib("2026-03-03 11:45")));
}

/// §11: security incidents are governed by the Data Processing Addendum — no target here.
#[test]
fn security_incident_has_no_target() {
    let p = kinobi();
    let e = eval(
        &p,
        &["2026-03-02 10:00 created priority=S1 kind=security_incident"],
        "2026-03-09 10:00",
    );
    assert_eq!(ids(&e), ["response", "resolution"]);
    for m in &e.metrics {
        assert_eq!(m.target, Target::None);
        assert_eq!(m.state, State::NotApplicable);
        assert_eq!(m.due, None);
    }
    assert_eq!(e.next_change, None);
}

/// A priority corrected downwards (retroactive preset): S1 → S4 is measured as an S4 from the
/// report.
#[test]
fn s1_lowered_to_s4() {
    let p = kinobi();
    let ev = [
        "2026-03-02 10:00 created priority=S1",
        "2026-03-02 11:00 priority to=S4",
    ];
    // S4 18 h from Mon 10:00: Mon 8 h; Tue 9 h (17); Wed 4 Mar 09:00 + 1 h = 10:00.
    let e = eval(&p, &ev, "2026-03-02 12:30");
    assert_eq!(e.priority, "S4");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-04 10:00"),
    );
}

/// §2 "Cakupan dukungan tambahan atau premium dapat tersedia": the `premium_24x7` add-on
/// replaces the support calendar, so a Saturday report runs at once.
#[test]
fn premium_24x7_addon_replaces_the_support_hours() {
    let standard = kinobi();
    let premium = kinobi().with_addon("premium_24x7").unwrap();
    let ev = ["2026-03-14 10:00 created priority=S1"];
    // Standard: Saturday is closed; Mon 16 Mar 09:00 + 2 h = 11:00.
    let e = eval(&standard, &ev, "2026-03-14 11:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 11:00"),
    );
    // Premium: around the clock, Sat 10:00 + 2 h = 12:00.
    let e = eval(&premium, &ev, "2026-03-14 11:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-14 12:00"),
    );
    // S3's one business day stays 9 hours of support time: Sat 10:00 + 9 h = 19:00.
    let e = eval(
        &premium,
        &["2026-03-14 10:00 created priority=S3"],
        "2026-03-14 11:00",
    );
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-14 19:00"),
    );
}
