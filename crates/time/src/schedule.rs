//! Business time on the *local* time line of one constant UTC offset.
//!
//! A local instant is nanoseconds since 1970-01-01T00:00 wall-clock time. The weekly pattern
//! gives `F(l)`, the business time from the epoch to `l` ignoring holidays, in closed form:
//! whole weeks are one multiplication and the remainder a scan of at most a handful of
//! intervals. Holidays give `H(l)`, the business time the pattern would have counted on holiday
//! dates before `l`, by binary search over a prefix sum. Business time on this line is
//! `G(l) = F(l) − H(l)`, a continuous non-decreasing function; `elapsed` is a difference of
//! two `G`s and `due` inverts `G` (see [`Schedule::due`]). Nothing steps through time.

use crate::{DAY, WEEK};

/// 1970-01-01 was a Thursday; adding three days aligns weeks to Monday 00:00.
const MONDAY_SHIFT: i64 = 3 * DAY;

/// Weekly working intervals plus holiday dates, ready for arithmetic.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    /// Interval starts, nanoseconds since Monday 00:00, sorted; intervals never cross midnight.
    starts: Vec<i64>,
    /// Interval ends (exclusive).
    ends: Vec<i64>,
    /// Business time in the week before each interval starts.
    cum: Vec<i64>,
    /// Business time in the week up to each interval's end.
    cum_end: Vec<i64>,
    /// Index of the first interval of each weekday (Monday = 0); `[7]` is the count.
    day_first: [usize; 8],
    /// Business time in the week before each weekday starts.
    day_cum: [i64; 8],
    /// Business time in one week.
    total: i64,
    /// Local day numbers (days since 1970-01-01) of holidays that fall on working weekdays.
    hol_days: Vec<i64>,
    /// `hol_loss[i]` = working time of the first `i` holidays.
    hol_loss: Vec<i64>,
    /// `hol_g[i]` = `G` at the start of holiday `i`'s day (flat through that day).
    hol_g: Vec<i64>,
}

/// Splits a local instant into (week number, nanoseconds since that week's Monday 00:00).
#[inline]
fn split(l: i64) -> (i64, i64) {
    let s = l + MONDAY_SHIFT;
    (s.div_euclid(WEEK), s.rem_euclid(WEEK))
}

impl Schedule {
    /// Builds the schedule. `week[d]` lists day `d`'s intervals (Monday = 0) as nanoseconds
    /// since midnight, sorted and not overlapping; `holidays` are local day numbers.
    pub fn new(week: &[Vec<(i64, i64)>; 7], holidays: &[i64]) -> Self {
        let mut s = Schedule {
            starts: Vec::new(),
            ends: Vec::new(),
            cum: Vec::new(),
            cum_end: Vec::new(),
            day_first: [0; 8],
            day_cum: [0; 8],
            total: 0,
            hol_days: Vec::new(),
            hol_loss: vec![0],
            hol_g: Vec::new(),
        };
        let mut day_work = [0i64; 7];
        for (d, intervals) in week.iter().enumerate() {
            s.day_first[d] = s.starts.len();
            s.day_cum[d] = s.total;
            let base = d as i64 * DAY;
            for &(a, b) in intervals {
                // Intervals that touch are one interval.
                if s.ends.last() == Some(&(base + a)) && s.starts.len() > s.day_first[d] {
                    let last = s.ends.len() - 1;
                    s.ends[last] = base + b;
                    s.cum_end[last] += b - a;
                } else {
                    s.starts.push(base + a);
                    s.ends.push(base + b);
                    s.cum.push(s.total);
                    s.cum_end.push(s.total + (b - a));
                }
                s.total += b - a;
                day_work[d] += b - a;
            }
        }
        s.day_first[7] = s.starts.len();
        s.day_cum[7] = s.total;
        let mut days: Vec<i64> = holidays.to_vec();
        days.sort_unstable();
        days.dedup();
        for day in days {
            let work = day_work[weekday(day)];
            if work > 0 {
                s.hol_days.push(day);
                let last = *s.hol_loss.last().unwrap_or(&0);
                s.hol_loss.push(last + work);
            }
        }
        for (i, &day) in s.hol_days.iter().enumerate() {
            let (w, r) = split(day * DAY);
            let f = w * s.total + s.within(r);
            s.hol_g.push(f - s.hol_loss[i]);
        }
        s
    }

    /// Business time in one week, ignoring holidays.
    pub fn week_total(&self) -> i64 {
        self.total
    }

    /// Business time from the week's Monday 00:00 to `r` nanoseconds into the week.
    #[inline]
    fn within(&self, r: i64) -> i64 {
        let d = (r / DAY) as usize;
        let mut acc = self.day_cum[d];
        for k in self.day_first[d]..self.day_first[d + 1] {
            let (s, e) = (self.starts[k], self.ends[k]);
            if r <= s {
                break;
            }
            if r < e {
                return acc + (r - s);
            }
            acc += e - s;
        }
        acc
    }

    /// Holiday loss before `l`, given `l`'s position `r` in its week and `within(r)`.
    #[inline]
    fn loss(&self, l: i64, r: i64, in_week: i64) -> i64 {
        if self.hol_days.is_empty() {
            return 0;
        }
        let day = l.div_euclid(DAY);
        let i = self.hol_days.partition_point(|&h| h < day);
        let mut loss = self.hol_loss[i];
        if self.hol_days.get(i) == Some(&day) {
            loss += in_week - self.day_cum[(r / DAY) as usize];
        }
        loss
    }

    /// `G(l)`: business time from the epoch to local instant `l`, holidays excluded.
    #[inline]
    pub fn g(&self, l: i64) -> i64 {
        let (w, r) = split(l);
        let in_week = self.within(r);
        w * self.total + in_week - self.loss(l, r, in_week)
    }

    /// The least local instant `l` with `F(l) ≥ x` (a closing time when `x` is used up exactly
    /// at one). Results past the supported range are clamped a little beyond it.
    #[inline]
    fn f_inverse(&self, x: i64) -> i64 {
        let w = (x - 1).div_euclid(self.total);
        let rem = x - w * self.total; // in 1..=total
        let k = self.cum_end.partition_point(|&c| c < rem);
        let r = self.starts[k] + (rem - self.cum[k]);
        let l = i128::from(w) * i128::from(WEEK) + i128::from(r) - i128::from(MONDAY_SHIFT);
        l.clamp(
            i128::from(crate::MIN_INSTANT - WEEK),
            i128::from(crate::MAX_INSTANT + WEEK),
        ) as i64
    }

    /// The earliest local instant `l ≥ a` such that `G(l) − G(a) = d`, for `d ≥ 0`.
    ///
    /// With `g = G(a) + d`: `G` is flat through every holiday, so the holidays before the
    /// answer are exactly those whose day starts with `G < g` — say the first `k`, found by one
    /// binary search over `hol_g`. The answer then satisfies `F(l) = g + hol_loss[k]`, and is
    /// the least such `l`: `F⁻¹(g + hol_loss[k])`. No iteration, no stepping: a 60-business-day
    /// target across a whole Lebaran week costs what a 15-minute one does.
    #[inline]
    pub fn due(&self, a: i64, d: i64) -> i64 {
        if d <= 0 {
            return a;
        }
        let g = self.g(a) + d;
        let k = self.hol_g.partition_point(|&x| x < g);
        self.f_inverse(g + self.hol_loss[k])
    }

    /// Is local day number `day` one of the holidays that matter?
    #[inline]
    pub fn is_holiday(&self, day: i64) -> bool {
        self.hol_days.binary_search(&day).is_ok()
    }

    /// Is local instant `l` inside a working interval on a working day?
    #[inline]
    pub fn is_open(&self, l: i64) -> bool {
        let (_, r) = split(l);
        let d = (r / DAY) as usize;
        let inside = (self.day_first[d]..self.day_first[d + 1])
            .any(|k| self.starts[k] <= r && r < self.ends[k]);
        inside && !self.is_holiday(l.div_euclid(DAY))
    }

    /// For an open local instant `l`, the end of the open stretch holding it (following
    /// intervals that touch across midnight); `None` if it never closes.
    pub fn span_end(&self, l: i64) -> Option<i64> {
        if self.total == WEEK {
            let day = l.div_euclid(DAY);
            let i = self.hol_days.partition_point(|&h| h <= day);
            return self.hol_days.get(i).map(|&h| h * DAY);
        }
        let (w, r) = split(l);
        let mut week_base = w * WEEK - MONDAY_SHIFT;
        let mut k = self.starts.partition_point(|&s| s <= r).checked_sub(1)?;
        let mut end = week_base + self.ends[k];
        for _ in 0..self.starts.len() {
            let (nk, nbase) = if k + 1 < self.starts.len() {
                (k + 1, week_base)
            } else {
                (0, week_base + WEEK)
            };
            let next_start = nbase + self.starts[nk];
            if next_start != end || self.is_holiday(next_start.div_euclid(DAY)) {
                break;
            }
            k = nk;
            week_base = nbase;
            end = nbase + self.ends[nk];
        }
        Some(end)
    }
}

/// Weekday of a local day number, Monday = 0.
#[inline]
pub(crate) fn weekday(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NANOS_PER_SECOND as S;

    fn office() -> Schedule {
        let day = vec![
            (9 * 3600 * S, 12 * 3600 * S),
            (13 * 3600 * S, 17 * 3600 * S),
        ];
        let week = [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ];
        Schedule::new(&week, &[])
    }

    #[test]
    fn weekday_of_epoch_is_thursday() {
        assert_eq!(weekday(0), 3);
        assert_eq!(weekday(4), 0); // 1970-01-05 was a Monday
        assert_eq!(weekday(-3), 0); // 1969-12-29 was a Monday
    }

    #[test]
    fn g_counts_the_week() {
        let s = office();
        let monday = 4 * DAY;
        assert_eq!(s.g(monday + 9 * 3600 * S) - s.g(monday), 0);
        assert_eq!(s.g(monday + 12 * 3600 * S) - s.g(monday), 3 * 3600 * S);
        assert_eq!(
            s.g(monday + 12 * 3600 * S + 30 * 60 * S) - s.g(monday),
            3 * 3600 * S
        );
        assert_eq!(s.g(monday + WEEK) - s.g(monday), 35 * 3600 * S);
    }

    #[test]
    fn due_lands_on_closing_time() {
        let s = office();
        let monday = 4 * DAY;
        let due = s.due(monday + 9 * 3600 * S, 7 * 3600 * S);
        assert_eq!(due, monday + 17 * 3600 * S);
    }
}
