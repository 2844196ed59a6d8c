//! Property tests of the probe slots (`tenggat_probe::slot`).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use tenggat_probe::slot::{self, Slots};

/// Instants within ±200 years of the epoch, to the nanosecond.
fn instant() -> impl Strategy<Value = Timestamp> {
    let span: i128 = 200 * 366 * 86_400 * 1_000_000_000;
    (-span..span).prop_map(|n| Timestamp::from_nanosecond(n).unwrap())
}

/// Intervals from 1 ms to a day, and an offset anywhere (taken modulo the interval).
fn schedule() -> impl Strategy<Value = (Duration, Duration)> {
    (1u64..86_400_000, 0u64..200_000_000).prop_map(|(interval_ms, offset_ms)| {
        (
            Duration::from_millis(interval_ms),
            Duration::from_millis(offset_ms),
        )
    })
}

fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap()
}

/// Whether `t` is a slot: `t − offset` is a whole number of intervals from the epoch.
fn on_schedule(slots: &Slots, t: Timestamp) -> bool {
    let i = slots.interval().as_nanos() as i128;
    let o = slots.offset().as_nanos() as i128;
    (t.as_nanosecond() - o).rem_euclid(i) == 0
}

proptest! {
    #[test]
    fn next_slot_is_the_first_slot_strictly_after((interval, offset) in schedule(), t in instant()) {
        let slots = Slots::new(interval, offset).unwrap();
        prop_assert!(slots.offset() < interval);
        let next = slots.next_slot(t).unwrap();
        prop_assert!(next > t);
        prop_assert!(next - signed(interval) <= t, "a slot between {t} and {next}");
        prop_assert!(on_schedule(&slots, next));
        // Asking again from the slot itself moves exactly one interval on.
        prop_assert_eq!(slots.next_slot(next), Some(next + signed(interval)));
        prop_assert_eq!(slot::next_slot(t, interval, offset), Some(next));
    }

    #[test]
    fn slot_at_or_before_is_the_slot_in_progress((interval, offset) in schedule(), t in instant()) {
        let slots = Slots::new(interval, offset).unwrap();
        let at = slots.slot_at_or_before(t).unwrap();
        prop_assert!(at <= t && t < at + signed(interval));
        prop_assert!(on_schedule(&slots, at));
        prop_assert_eq!(slots.next_slot(at), Some(at + signed(interval)));
        // On a slot, the slot itself.
        prop_assert_eq!(slots.slot_at_or_before(at), Some(at));
    }

    #[test]
    fn slots_between_are_increasing_and_exactly_one_interval_apart(
        (interval, offset) in schedule(),
        from in instant(),
        count in 0u32..50,
        extra_ms in 0u64..86_400_000,
    ) {
        let slots = Slots::new(interval, offset).unwrap();
        let to = from + signed(interval * count) + SignedDuration::from_millis(extra_ms as i64);
        let all: Vec<Timestamp> = slots.slots_between(from, to).collect();
        for pair in all.windows(2) {
            prop_assert!(pair[0] < pair[1]);
            prop_assert_eq!(pair[1] - signed(interval), pair[0]);
        }
        for s in &all {
            prop_assert!(from <= *s && *s < to);
            prop_assert!(on_schedule(&slots, *s));
        }
        // Nothing is missed at either end.
        let first = slots.next_slot(from - SignedDuration::from_nanos(1)).unwrap();
        match all.first() {
            Some(f) => prop_assert_eq!(*f, first),
            None => prop_assert!(first >= to),
        }
        if let Some(last) = all.last() {
            prop_assert!(*last + signed(interval) >= to);
        }
        prop_assert!(all.len() as u32 >= count);
        prop_assert_eq!(slot::slots_between(from, to, interval, offset), all);
    }

    #[test]
    fn monitor_offsets_are_stable_and_within_the_interval(id in ".{0,40}", secs in 10u64..3600) {
        let interval = Duration::from_secs(secs);
        let a = Slots::for_monitor(&id, interval).unwrap();
        let b = Slots::for_monitor(&id, interval).unwrap();
        prop_assert_eq!(a, b);
        prop_assert!(a.offset() < interval);
        prop_assert_eq!(a.offset(), slot::offset_for(&id, interval));
        prop_assert_eq!(a.interval(), interval);
    }
}

#[test]
fn an_empty_range_has_no_slots() {
    let slots = Slots::new(Duration::from_secs(30), Duration::ZERO).unwrap();
    let t: Timestamp = "2026-04-10T10:00:00Z".parse().unwrap();
    assert_eq!(slots.slots_between(t, t).count(), 0);
    assert_eq!(
        slots
            .slots_between(t, t - SignedDuration::from_secs(60))
            .count(),
        0
    );
    // [from, to): the slot at `from` is in, the one at `to` is out.
    let both: Vec<_> = slots
        .slots_between(t, t + SignedDuration::from_secs(30))
        .collect();
    assert_eq!(both, vec![t]);
}
