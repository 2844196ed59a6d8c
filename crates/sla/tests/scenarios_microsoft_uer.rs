//! Scenarios of the `microsoft-unified-uer` preset: Microsoft Unified with the Unified
//! Enhanced Response add-on (seed 004, "Respons Terpadu yang Ditingkatkan").
//!
//! UER replaces the Sev 1 and Sev A first-response targets: Sev 1 Azure 15 min, other
//! products 30 min; Sev A 30 min; all 24×7. Sev B (2 h) and Sev C (4 h) stay in business
//! hours (09:00–17:30 WIB without national holidays). Severity changes restart the clocks.
//!
//! 2026 dates used: Fri 13 / Sat 14 / Mon 16 Mar; Wed 18 Mar, Thu 19 Mar Nyepi (national),
//! Fri 20 Mar (cuti bersama: a working day); Tue 5 May.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tenggat_sla::{Metric, State};

fn uer() -> tenggat_sla::Policy {
    load("microsoft-unified-uer")
}

/// The add-on is applied.
#[test]
fn the_uer_addon_is_active() {
    assert_eq!(uer().active_addons, ["uer"]);
    assert!(load("microsoft-unified").active_addons.is_empty());
}

/// UER Sev 1, other products: 30 minutes 24×7 (the base says one hour).
#[test]
fn sev1_other_thirty_minutes() {
    let ev = ["2026-03-14 10:00 created priority=1"];
    // Saturday 10:00 + 30 min = 10:30 (base: 11:00).
    let e = eval(&uer(), &ev, "2026-03-14 10:05");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-14 10:30"),
    );
    assert_eq!(e.next_change, Some(wib("2026-03-14 10:30")));
    let base = eval(&load("microsoft-unified"), &ev, "2026-03-14 10:05");
    assert_eq!(due(&base, Metric::Response), wib("2026-03-14 11:00"));
    // Explicit `other` is the same.
    let e = eval(
        &uer(),
        &["2026-03-14 10:00 created priority=1 product=other"],
        "2026-03-14 10:05",
    );
    assert_eq!(due(&e, Metric::Response), wib("2026-03-14 10:30"));
}

/// UER Sev 1, Azure: still 15 minutes (the Azure entry follows the 30-minute one, so it wins).
#[test]
fn sev1_azure_fifteen_minutes() {
    let e = eval(
        &uer(),
        &["2026-03-14 23:50 created priority=1 product=azure"],
        "2026-03-14 23:55",
    );
    // Sat 23:50 + 15 min = Sun 15 Mar 00:05.
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-15 00:05"),
    );
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-14 23:50")])
    );
}

/// UER Sev A: 30 minutes for every product, 24×7.
#[test]
fn sev_a_thirty_minutes_every_product() {
    for product in ["azure", "other"] {
        let created = format!("2026-03-14 21:45 created priority=A product={product}");
        let e = eval(&uer(), &[created.as_str()], "2026-03-14 22:00");
        // 21:45 + 30 min = 22:15.
        assert_clock(
            &e,
            Metric::Response,
            State::Running,
            Some("2026-03-14 22:15"),
        );
    }
}

/// Sev B is not changed by UER: two business hours, Friday → Monday.
#[test]
fn sev_b_unchanged() {
    let e = eval(
        &uer(),
        &["2026-03-13 16:30 created priority=B product=azure"],
        "2026-03-13 17:00",
    );
    // Fri 16:30–17:30 1 h; Mon 16 Mar 09:00 + 1 h = 10:00.
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 10:00"),
    );
    assert!(fired(&e).is_empty());
}

/// Sev C is not changed by UER: four business hours across Nyepi.
#[test]
fn sev_c_unchanged_across_nyepi() {
    let e = eval(
        &uer(),
        &["2026-03-18 15:00 created priority=C"],
        "2026-03-18 16:00",
    );
    // Wed 15:00–17:30 2.5 h; Thu 19 Nyepi; Fri 20 09:00 + 1.5 h = 10:30.
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-20 10:30"),
    );
}

/// UER Sev 1 met at 25 minutes; breached when the first call comes at 40 minutes.
#[test]
fn sev1_met_and_breached() {
    let e = eval(
        &uer(),
        &[
            "2026-05-05 02:00 created priority=1",
            "2026-05-05 02:25 acknowledged",
        ],
        "2026-05-05 03:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Met);
    assert_eq!(r.due, Some(wib("2026-05-05 02:30")));
    assert_eq!(r.elapsed_nanos, 25 * MIN);
    let e = eval(
        &uer(),
        &[
            "2026-05-05 02:00 created priority=1",
            "2026-05-05 02:40 acknowledged",
        ],
        "2026-05-05 03:00",
    );
    let r = metric(&e, Metric::Response);
    assert_eq!(r.state, State::Breached);
    assert_eq!(r.breached_at, Some(wib("2026-05-05 02:30")));
}

/// B raised to A in the evening: the clock restarts at the change with UER's 30 minutes 24×7.
#[test]
fn sev_b_raised_to_a_in_the_evening() {
    let ev = [
        "2026-03-16 16:00 created priority=B",
        "2026-03-16 20:00 priority to=A",
    ];
    // As B it would be due Tue 09:30; as A from 20:00: 20:30.
    let e = eval(&uer(), &ev, "2026-03-16 20:10");
    assert_eq!(e.priority, "A");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-16 20:30"),
    );
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 10 * MIN);
    assert_eq!(
        fired(&e),
        rules(&[("sev1-a-enhanced-escalation", "2026-03-16 20:00")])
    );
}

/// Sev 1 lowered to C: the clock restarts at the change with four business hours.
#[test]
fn sev1_lowered_to_c() {
    let ev = [
        "2026-03-16 15:00 created priority=1",
        "2026-03-16 15:20 priority to=C",
    ];
    // C from 15:20: Mon 15:20–17:30 2 h 10 min; Tue 09:00 + 1 h 50 min = Tue 10:50.
    let e = eval(&uer(), &ev, "2026-03-16 16:00");
    assert_clock(
        &e,
        Metric::Response,
        State::Running,
        Some("2026-03-17 10:50"),
    );
    // The 20 minutes as a Sev 1 do not count against C.
    assert_eq!(metric(&e, Metric::Response).elapsed_nanos, 40 * MIN);
}
