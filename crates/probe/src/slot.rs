//! Probe slots: when each monitor probes. Pure arithmetic, no clock.
//!
//! A monitor with interval `I` probes at the instants `epoch + offset + k·I` for every
//! integer `k`, where `epoch` is the Unix epoch and `0 ≤ offset < I` is derived from the
//! monitor's id ([`offset_for`]). The slots do not depend on when the scheduler started or
//! how often it restarted, so every replica agrees on them, and the offsets spread many
//! monitors of one interval evenly across it instead of probing them all at `:00`.
//!
//! The contract:
//!
//! - [`Slots::next_slot`]`(t)` is the **first slot strictly after** `t` (so a scheduler that
//!   just ran slot `s` asks for `next_slot(s)` and gets `s + I`);
//! - [`Slots::slot_at_or_before`]`(t)` is the last slot `≤ t` (the slot in progress at `t`);
//! - [`Slots::slots_between`]`(from, to)` yields the slots in the half-open `[from, to)`, in
//!   increasing order, each exactly `I` after the previous one (the slots missed while a
//!   scheduler was down, say).
//!
//! Results beyond the range of [`Timestamp`] (year 9999) end the sequence or give `None`.
//!
//! ```
//! use std::time::Duration;
//! use jiff::Timestamp;
//! use tenggat_probe::slot::Slots;
//!
//! let slots = Slots::new(Duration::from_secs(30), Duration::from_secs(7))?;
//! let t: Timestamp = "2026-04-10T10:00:00Z".parse()?;
//! assert_eq!(slots.next_slot(t), Some("2026-04-10T10:00:07Z".parse()?));
//! assert_eq!(slots.slot_at_or_before(t), Some("2026-04-10T09:59:37Z".parse()?));
//! let minute: Vec<_> = slots.slots_between(t, "2026-04-10T10:01:00Z".parse()?).collect();
//! assert_eq!(minute, ["2026-04-10T10:00:07Z".parse::<Timestamp>()?, "2026-04-10T10:00:37Z".parse()?]);
//!
//! // Offsets spread monitors across the interval, stably.
//! let offset = tenggat_probe::slot::offset_for("monitor-42", Duration::from_secs(30));
//! assert!(offset < Duration::from_secs(30));
//! assert_eq!(offset, tenggat_probe::slot::offset_for("monitor-42", Duration::from_secs(30)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use jiff::Timestamp;
use thiserror::Error;

/// A slot schedule that cannot exist.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlotError {
    /// A zero interval.
    #[error("the interval of a slot schedule must be longer than zero")]
    ZeroInterval,
    /// An interval longer than the range of timestamps.
    #[error("the interval of a slot schedule is too long")]
    IntervalTooLong,
}

/// The slots `epoch + offset + k·interval` of one monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slots {
    interval: i128,
    offset: i128,
}

/// The longest interval a schedule takes: 1000 years, far beyond any monitor.
const MAX_INTERVAL_NANOS: u128 = 1000 * 366 * 86_400 * 1_000_000_000;

impl Slots {
    /// Slots every `interval`, shifted by `offset` from the Unix epoch. An offset of the
    /// interval or more is taken modulo the interval (it gives the same slots).
    pub fn new(interval: Duration, offset: Duration) -> Result<Slots, SlotError> {
        let interval = interval.as_nanos();
        if interval == 0 {
            return Err(SlotError::ZeroInterval);
        }
        if interval > MAX_INTERVAL_NANOS {
            return Err(SlotError::IntervalTooLong);
        }
        let offset = offset.as_nanos() % interval;
        // Both fit in i128: interval ≤ MAX_INTERVAL_NANOS.
        Ok(Slots {
            interval: interval as i128,
            offset: offset as i128,
        })
    }

    /// The slots of monitor `monitor_id`: every `interval`, offset by [`offset_for`].
    pub fn for_monitor(monitor_id: &str, interval: Duration) -> Result<Slots, SlotError> {
        Slots::new(interval, offset_for(monitor_id, interval))
    }

    /// The interval.
    pub fn interval(&self) -> Duration {
        nanos_to_duration(self.interval)
    }

    /// The offset from the epoch, below the interval.
    pub fn offset(&self) -> Duration {
        nanos_to_duration(self.offset)
    }

    /// The index `k` of the last slot at or before `t`.
    fn index_at_or_before(&self, t: Timestamp) -> i128 {
        (t.as_nanosecond() - self.offset).div_euclid(self.interval)
    }

    fn slot(&self, k: i128) -> Option<Timestamp> {
        let nanos = k.checked_mul(self.interval)?.checked_add(self.offset)?;
        Timestamp::from_nanosecond(nanos).ok()
    }

    /// The first slot strictly after `after`.
    pub fn next_slot(&self, after: Timestamp) -> Option<Timestamp> {
        self.slot(self.index_at_or_before(after) + 1)
    }

    /// The last slot at or before `t`.
    pub fn slot_at_or_before(&self, t: Timestamp) -> Option<Timestamp> {
        self.slot(self.index_at_or_before(t))
    }

    /// The slots `s` with `from ≤ s < to`, in increasing order.
    pub fn slots_between(&self, from: Timestamp, to: Timestamp) -> SlotIter {
        let first = self.index_at_or_before(from);
        // The slot at index `first` is ≤ from: start there unless it is before `from`.
        let first = if self.slot(first) == Some(from) {
            first
        } else {
            first + 1
        };
        SlotIter {
            slots: *self,
            next: first,
            to,
        }
    }
}

fn nanos_to_duration(nanos: i128) -> Duration {
    let nanos = u128::try_from(nanos).unwrap_or(0);
    let secs = (nanos / 1_000_000_000) as u64;
    Duration::new(secs, (nanos % 1_000_000_000) as u32)
}

/// The slots of a [`Slots::slots_between`] range.
#[derive(Debug, Clone)]
pub struct SlotIter {
    slots: Slots,
    next: i128,
    to: Timestamp,
}

impl Iterator for SlotIter {
    type Item = Timestamp;

    fn next(&mut self) -> Option<Timestamp> {
        let slot = self.slots.slot(self.next).filter(|s| *s < self.to)?;
        self.next += 1;
        Some(slot)
    }
}

/// The first slot strictly after `after` of the schedule `epoch + offset + k·interval`;
/// `None` for a zero interval or beyond the range of timestamps. See [`Slots::next_slot`].
pub fn next_slot(after: Timestamp, interval: Duration, offset: Duration) -> Option<Timestamp> {
    Slots::new(interval, offset).ok()?.next_slot(after)
}

/// The slots in `[from, to)` of the schedule `epoch + offset + k·interval` (empty for a zero
/// interval). See [`Slots::slots_between`].
pub fn slots_between(
    from: Timestamp,
    to: Timestamp,
    interval: Duration,
    offset: Duration,
) -> Vec<Timestamp> {
    match Slots::new(interval, offset) {
        Ok(s) => s.slots_between(from, to).collect(),
        Err(_) => Vec::new(),
    }
}

/// The offset of monitor `monitor_id` within `interval`: a 64-bit FNV-1a hash of the id,
/// modulo the interval in milliseconds. Stable across runs, machines and versions (it is
/// part of when probes happen), and spread evenly over the interval. Zero for an interval
/// under a millisecond.
pub fn offset_for(monitor_id: &str, interval: Duration) -> Duration {
    let millis = interval.as_millis();
    if millis == 0 {
        return Duration::ZERO;
    }
    let hash = fnv1a64(monitor_id.as_bytes());
    let offset = u128::from(hash) % millis;
    Duration::from_millis(u64::try_from(offset).unwrap_or(0))
}

/// 64-bit FNV-1a.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn offsets_are_fixed_forever() {
        // Changing these moves every monitor's probe instants: don't.
        let i = Duration::from_secs(30);
        assert_eq!(
            offset_for("a", i),
            Duration::from_millis(0xaf63_dc4c_8601_ec8c % 30_000)
        );
        assert_eq!(
            offset_for("", i),
            Duration::from_millis(0xcbf2_9ce4_8422_2325 % 30_000)
        );
    }

    #[test]
    fn five_thousand_monitors_spread_across_thirty_seconds() {
        let interval = Duration::from_secs(30);
        let mut per_second = [0u32; 30];
        for n in 0..5000 {
            let offset = offset_for(&format!("monitor-{n}"), interval);
            per_second[offset.as_secs() as usize] += 1;
        }
        // 5000 / 30 ≈ 167 a second; a clumping hash would put far more in some seconds.
        for (s, count) in per_second.iter().enumerate() {
            assert!((120..=215).contains(count), "second {s}: {count}");
        }
    }

    #[test]
    fn zero_interval_is_refused() {
        assert_eq!(
            Slots::new(Duration::ZERO, Duration::ZERO),
            Err(SlotError::ZeroInterval)
        );
        assert_eq!(
            next_slot(Timestamp::UNIX_EPOCH, Duration::ZERO, Duration::ZERO),
            None
        );
    }

    #[test]
    fn offset_is_taken_modulo_the_interval() {
        let s = Slots::new(Duration::from_secs(30), Duration::from_secs(65)).unwrap();
        assert_eq!(s.offset(), Duration::from_secs(5));
    }

    #[test]
    fn end_of_time() {
        let s = Slots::new(Duration::from_secs(30), Duration::ZERO).unwrap();
        assert_eq!(s.next_slot(Timestamp::MAX), None);
        assert!(s.slot_at_or_before(Timestamp::MAX).is_some());
        // Timestamp::MIN is not on a 30 s slot, and the one before it does not exist.
        assert_eq!(s.slot_at_or_before(Timestamp::MIN), None);
        assert_eq!(
            s.next_slot(Timestamp::MIN).map(|t| t > Timestamp::MIN),
            Some(true)
        );
    }
}
