//! `Calendar::working_stretches`: the working stretches of a range, cut to it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use tenggat_time::builtin;

fn wib(s: &str) -> Timestamp {
    format!("{s}:00+07:00").parse().expect("instant")
}

#[test]
fn stretches_across_a_weekend_and_nyepi_cut_to_the_range() {
    let cal = builtin("innovasia").expect("built-in");
    // Wed 18 Mar 2026 15:00 (cuti bersama: working) to Mon 23 Mar 10:30 WIB: Thu 19 is Nyepi,
    // Fri 20 (cuti bersama) works, Sat/Sun 21–22 do not.
    let got: Vec<(Timestamp, Timestamp)> = cal
        .working_stretches(wib("2026-03-18T15:00"), wib("2026-03-23T10:30"))
        .collect();
    assert_eq!(
        got,
        [
            (wib("2026-03-18T15:00"), wib("2026-03-18T17:00")),
            (wib("2026-03-20T09:00"), wib("2026-03-20T17:00")),
            (wib("2026-03-23T09:00"), wib("2026-03-23T10:30")),
        ]
    );
    // A closed range has none; an empty or reversed one neither.
    assert_eq!(
        cal.working_stretches(wib("2026-03-21T09:00"), wib("2026-03-22T17:00"))
            .count(),
        0
    );
    assert_eq!(
        cal.working_stretches(wib("2026-03-18T12:00"), wib("2026-03-18T12:00"))
            .count(),
        0
    );
    // Around the clock: one stretch, the range itself.
    let always = builtin("24x7").expect("24x7");
    assert_eq!(
        always
            .working_stretches(wib("2026-03-21T09:00"), wib("2026-03-22T17:00"))
            .collect::<Vec<_>>(),
        [(wib("2026-03-21T09:00"), wib("2026-03-22T17:00"))]
    );
}
