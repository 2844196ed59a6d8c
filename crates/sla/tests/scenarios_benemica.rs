//! Scenarios of the `benemica` preset (seed 003, Benemica payroll SaaS).
//!
//! Operational hours Mon–Fri 09:00–18:00 WIB without national holidays (1 business day = 9 h).
//! Incidents: critical workaround 5 business hours / permanent 2 bd; high 1 bd / 5 bd; normal
//! 3 bd / 7 bd; low — / 10 bd. Chat/WhatsApp: response within 30 minutes during operational
//! hours (the only response target). Information requests: 5 business days. Change requests:
//! no fixed target. Waiting on the client pauses the workaround, resolution and information
//! clocks (this preset's reading).
//!
//! 2026 dates used: Mon 2 Mar; Sat 7 / Mon 9 Mar; Tue 17, Wed 18 Mar, Thu 19 Mar Nyepi
//! (national), Fri 20 / Mon 23 / Tue 24 Mar (cuti bersama: working days); Mon 27 Apr, Fri 1 May
//! Labour Day; Wed 13 May, Thu 14 May Ascension, Fri 15 May (cuti bersama: working);
//! Wed 27 May Idul Adha, Thu 28 May (cuti bersama: working).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tenggat_sla::{Metric, State, Target};

fn benemica() -> tenggat_sla::Policy {
    load("benemica")
}

/// §4 Tingkat 1: "Solusi sementara: 5 jam" (business hours, SEEDS.md) / "Solusi permanen:
/// 2 hari kerja".
#[test]
fn critical_workaround_five_business_hours() {
    let p = benemica();
    let ev = ["2026-03-02 15:00 created priority=critical"];
    // Workaround 5 h: Mon 15:00–18:00 = 3 h; Tue 09:00 + 2 h = Tue 3 Mar 11:00.
    // Resolution 2 bd = 18 h: Mon 3 h; Tue 9 h (12); Wed 4 Mar 09:00 + 6 h = 15:00.
    let e = eval(&p, &ev, "2026-03-02 16:00");
    assert_eq!(ids(&e), ["workaround", "resolution"]);
    assert_clock(
        &e,
        Metric::Workaround,
        State::Running,
        Some("2026-03-03 11:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-04 15:00"),
    );
    assert_eq!(metric(&e, Metric::Workaround).target_nanos, Some(5 * HOUR));
    assert_eq!(e.next_change, Some(wib("2026-03-03 11:00")));
}

/// A workaround meets the workaround clock; the permanent fix clock runs on.
#[test]
fn critical_workaround_then_permanent_fix() {
    let p = benemica();
    let ev = [
        "2026-03-02 10:00 created priority=critical",
        "2026-03-02 13:00 workaround",
        "2026-03-04 09:30 resolved",
    ];
    // Workaround due Mon 15:00 (5 h), met at 13:00 (3 h).
    // Resolution 18 h: Mon 10–18 8 h; Tue 9 h (17); Wed 09:00 + 1 h = Wed 10:00; met 09:30.
    let e = eval(&p, &ev[..2], "2026-03-03 12:00");
    assert_clock(&e, Metric::Workaround, State::Met, Some("2026-03-02 15:00"));
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-04 10:00"),
    );
    let e = eval(&p, &ev, "2026-03-05 12:00");
    assert_clock(&e, Metric::Workaround, State::Met, Some("2026-03-02 15:00"));
    let r = metric(&e, Metric::Resolution);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-03-04 09:30")));
    assert_eq!(r.due, Some(wib("2026-03-04 10:00")));
    assert_eq!(r.elapsed_nanos, 17 * HOUR + 30 * MIN);
}

/// §2a chat/WhatsApp "Waktu respon: 30 menit selama jam operasional", reported 15 minutes
/// before closing.
#[test]
fn chat_response_thirty_minutes_in_operational_hours() {
    let p = benemica();
    let ev = ["2026-03-02 17:45 created priority=critical channel=chat"];
    // Mon 17:45–18:00 = 15 min; Tue 09:00 + 15 min = Tue 09:15.
    let e = eval(&p, &ev, "2026-03-02 17:50");
    assert_eq!(ids(&e), ["response", "workaround", "resolution"]);
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Running);
    assert_eq!(r.target_nanos, Some(30 * MIN));
    assert_eq!(r.due, Some(wib("2026-03-03 09:15")));
    // Workaround 5 h: Mon 15 min; Tue 09:00 + 4 h 45 min = 13:45.
    assert_eq!(due(&e, Metric::Workaround), wib("2026-03-03 13:45"));
}

/// Chat response met and breached.
#[test]
fn chat_response_met_and_breached() {
    let p = benemica();
    let met = eval(
        &p,
        &[
            "2026-03-02 10:00 created priority=normal channel=chat",
            "2026-03-02 10:20 acknowledged",
        ],
        "2026-03-02 11:00",
    );
    assert_clock(&met, Metric::Response, State::Met, Some("2026-03-02 10:30"));
    let late = eval(
        &p,
        &[
            "2026-03-02 10:00 created priority=normal channel=chat",
            "2026-03-02 10:45 acknowledged",
        ],
        "2026-03-02 11:00",
    );
    let r = metric(&late, Metric::Response);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-03-02 10:30")));
}

/// A chat report on a Saturday: the clocks start when operational hours open on Monday.
#[test]
fn chat_report_on_saturday_starts_monday() {
    let p = benemica();
    let ev = ["2026-03-07 10:00 created priority=high channel=chat"];
    // Start Mon 9 Mar 09:00. Response 30 min → 09:30. Workaround 1 bd = 9 h → Mon 18:00
    // (exactly closing). Resolution 5 bd = 45 h → Mon–Fri → Fri 13 Mar 18:00.
    let e = eval(&p, &ev, "2026-03-08 12:00");
    assert_eq!(metric(&e, Metric::Response).start, wib("2026-03-09 09:00"));
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-09 09:30"),
    );
    assert_clock(
        &e,
        Metric::Workaround,
        State::Running,
        Some("2026-03-09 18:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-13 18:00"),
    );
}

/// A chat report on Idul Adha (Wed 27 May, national): response by 09:30 the next (cuti
/// bersama, working) day.
#[test]
fn chat_report_on_idul_adha() {
    let p = benemica();
    let e = eval(
        &p,
        &["2026-05-27 10:00 created priority=low channel=chat"],
        "2026-05-27 12:00",
    );
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-05-28 09:30"),
    );
    // Low: no workaround commitment.
    let w = metric(&e, Metric::Workaround);
    assert_eq!(w.target, Target::None);
    assert_eq!(w.state, State::NotApplicable);
    assert_eq!(w.due, None);
}

/// §2b e-mail has no response target; §4 Tingkat 3 Normal "3 hari kerja" / "7 hari kerja"
/// across Nyepi.
#[test]
fn normal_by_email_across_nyepi() {
    let p = benemica();
    let ev = ["2026-03-17 10:00 created priority=normal channel=email"];
    // Workaround 3 bd = 27 h: Tue 17 10–18 8 h; Wed 18 9 h (17); Thu 19 Nyepi 0; Fri 20 9 h
    //   (26); Mon 23 09:00 + 1 h = Mon 23 Mar 10:00.
    // Resolution 7 bd = 63 h: Tue 8; Wed 9 (17); Fri 9 (26); Mon 23 9 (35); Tue 24 9 (44);
    //   Wed 25 9 (53); Thu 26 9 (62); Fri 27 Mar 09:00 + 1 h = 10:00.
    let e = eval(&p, &ev, "2026-03-17 11:00");
    assert_eq!(ids(&e), ["workaround", "resolution"]);
    assert_clock(
        &e,
        Metric::Workaround,
        State::Running,
        Some("2026-03-23 10:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-27 10:00"),
    );
}

/// §4 Tingkat 4 Low "Solusi permanen: 10 hari kerja" across Labour Day.
#[test]
fn low_ten_business_days_across_labour_day() {
    let p = benemica();
    let ev = ["2026-04-27 09:00 created priority=low"];
    // 90 h: Mon 27 Apr – Thu 30 Apr 4 × 9 h = 36; Fri 1 May holiday; Mon 4 – Fri 8 May 45 (81);
    // Mon 11 May 9 h (90) → Mon 11 May 18:00.
    let e = eval(&p, &ev, "2026-04-27 10:00");
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-05-11 18:00"),
    );
    assert_eq!(metric(&e, Metric::Workaround).state, State::NotApplicable);
}

/// §5b "Informasi akan diberikan maksimal 5 hari kerja setelah permintaan diterima".
#[test]
fn information_request_five_business_days() {
    let p = benemica();
    let ev = [
        "2026-05-13 13:00 created priority=normal kind=information_request",
        "2026-05-21 12:00 information",
    ];
    // 45 h: Wed 13 May 13–18 5 h; Thu 14 Ascension 0; Fri 15 (cuti bersama) 9 (14); Mon 18 9
    // (23); Tue 19 9 (32); Wed 20 9 (41); Thu 21 09:00 + 4 h = 13:00.
    let e = eval(&p, &ev[..1], "2026-05-13 14:00");
    assert_eq!(ids(&e), ["information"]);
    assert_clock(
        &e,
        Metric::Information,
        State::Running,
        Some("2026-05-21 13:00"),
    );
    let e = eval(&p, &ev, "2026-05-22 09:00");
    let r = metric(&e, Metric::Information);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.met_at, Some(wib("2026-05-21 12:00")));
    assert_eq!(r.due, Some(wib("2026-05-21 13:00")));
}

/// §5a enhancement → change request: completion time from an effort estimate, no clock.
#[test]
fn change_request_has_no_clock() {
    let p = benemica();
    let e = eval(
        &p,
        &["2026-03-02 10:00 created priority=normal kind=change_request channel=email"],
        "2026-06-02 10:00",
    );
    assert_eq!(ids(&e), ["resolution"]);
    assert_clock(&e, Metric::Resolution, State::NotApplicable, None);
    assert_eq!(metric(&e, Metric::Resolution).target, Target::None);
    assert_eq!(e.next_change, None);
}

/// Waiting on the client pauses the workaround and permanent-fix clocks.
#[test]
fn waiting_on_client_pauses_workaround_and_resolution() {
    let p = benemica();
    let ev = [
        "2026-03-02 10:00 created priority=critical",
        "2026-03-02 11:00 paused reason=waiting_on_customer",
        "2026-03-02 13:00 resumed reason=waiting_on_customer",
    ];
    // Paused 2 h. Workaround: 10:00 + 5 h = 15:00 → 17:00.
    // Resolution 18 h from Mon 10:00 = Wed 4 Mar 10:00 (Mon 8, Tue 9, Wed 1) → + 2 h = Wed 12:00.
    let e = eval(&p, &ev, "2026-03-02 14:00");
    assert_clock(
        &e,
        Metric::Workaround,
        State::Running,
        Some("2026-03-02 17:00"),
    );
    assert_clock(
        &e,
        Metric::Resolution,
        State::Running,
        Some("2026-03-04 12:00"),
    );
    // The chat response clock is not paused (the seed's 30 minutes are for the reply).
    let e = eval(
        &p,
        &[
            "2026-03-02 10:00 created priority=critical channel=chat",
            "2026-03-02 10:05 paused reason=waiting_on_customer",
        ],
        "2026-03-02 10:20",
    );
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-02 10:30"),
    );
    assert_eq!(metric(&e, Metric::Workaround).state, State::Paused);
}

/// On-site support is requested by form, not a reporting channel: no clock.
#[test]
fn onsite_request_form_starts_no_clock() {
    let p = benemica();
    let e = eval(
        &p,
        &["2026-03-02 10:00 created priority=high channel=onsite"],
        "2026-03-20 10:00",
    );
    for m in &e.metrics {
        assert_eq!(m.state, State::NotApplicable, "{:?}", m.metric);
        assert_eq!(m.due, None);
    }
}
