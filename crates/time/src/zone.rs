//! A time zone flattened into a table of constant-offset segments over the supported range,
//! so that finding the offset at an instant is a binary search over a few hundred entries
//! (one entry for zones such as `Asia/Jakarta` that have not changed since 1964).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::{MAX_INSTANT, MIN_INSTANT, NANOS_PER_SECOND};

/// One stretch of time with a constant UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    /// First instant (UTC nanoseconds) of the segment; the first segment starts at `i64::MIN`.
    pub start: i64,
    /// UTC offset in nanoseconds: local = instant + offset.
    pub offset: i64,
}

/// The offsets of one time zone between [`MIN_INSTANT`] and [`MAX_INSTANT`].
#[derive(Debug, Clone)]
pub(crate) struct ZoneTable {
    segments: Vec<Segment>,
}

impl ZoneTable {
    /// Flattens `tz` over the supported range.
    pub fn new(tz: &TimeZone) -> Self {
        let first = Timestamp::from_nanosecond(i128::from(MIN_INSTANT)).unwrap_or(Timestamp::MIN);
        let mut segments = vec![Segment {
            start: i64::MIN,
            offset: i64::from(tz.to_offset(first).seconds()) * NANOS_PER_SECOND,
        }];
        for tr in tz.following(first) {
            let at = tr.timestamp().as_nanosecond();
            if at > i128::from(MAX_INSTANT) {
                break;
            }
            let offset = i64::from(tr.offset().seconds()) * NANOS_PER_SECOND;
            // Transitions that only change the abbreviation or the DST flag do not matter.
            if segments.last().is_some_and(|s| s.offset == offset) {
                continue;
            }
            segments.push(Segment {
                start: at as i64,
                offset,
            });
        }
        Self { segments }
    }

    /// Index of the segment holding instant `t`.
    #[inline]
    pub fn find(&self, t: i64) -> usize {
        let n = self.segments.len();
        // Most instants lie after the last transition (always, for zones without DST today).
        if self.segments[n - 1].start <= t {
            return n - 1;
        }
        self.segments.partition_point(|s| s.start <= t) - 1
    }

    /// The segment at `index`.
    #[inline]
    pub fn get(&self, index: usize) -> Segment {
        self.segments[index]
    }

    /// Where the segment at `index` ends (the next one's start), `None` for the last one.
    #[inline]
    pub fn end(&self, index: usize) -> Option<i64> {
        self.segments.get(index + 1).map(|s| s.start)
    }

    /// The UTC offset at instant `t`, in nanoseconds.
    #[inline]
    pub fn offset_at(&self, t: i64) -> i64 {
        self.segments[self.find(t)].offset
    }
}
