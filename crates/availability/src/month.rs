//! Calendar months in a contract's time zone, and the monthly availability report.
//!
//! A month runs from local midnight of its first day to local midnight of the next month's
//! first day, in the contract's zone (Asia/Jakarta: 2026-03 is 2026-02-28T17:00Z ..
//! 2026-03-31T17:00Z). Its **denominator is fixed**: days × 1440 minutes (28, 29, 30 or 31
//! days), whatever a daylight-saving change does to the real length; minutes are then the
//! UTC minutes of the real span.
//!
//! Availability follows the seed (Innovasia §5.1): (minutes in month − downtime minutes) /
//! minutes in month × 100. Excluded and no-data minutes are not downtime. The figure shown
//! is rounded **down** to two decimals; the target and the credit tiers are compared with
//! the exact ratio. For thresholds with at most two decimals (all the presets') both give
//! the same answer, so the customer can check the tier from the figure shown.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use tenggat_sla::Availability;

use crate::credit::{Credit, credit};
use crate::error::AvailabilityError;
use crate::interval::Interval;
use crate::percent::{Percent, Ratio};
use crate::slice::{Counts, Slices};

/// Minutes in a day.
pub const MINUTES_PER_DAY: u64 = 1440;

/// A calendar month, e.g. `2026-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    first: Date,
}

impl Month {
    /// The month `year`-`month` (1..=12).
    pub fn new(year: i16, month: i8) -> Result<Month, AvailabilityError> {
        Ok(Month {
            first: Date::new(year, month, 1)?,
        })
    }

    /// The month that contains `date`.
    pub fn of(date: Date) -> Month {
        Month {
            first: date.first_of_month(),
        }
    }

    /// The year.
    pub fn year(&self) -> i16 {
        self.first.year()
    }

    /// The month, 1..=12.
    pub fn month(&self) -> i8 {
        self.first.month()
    }

    /// Its first day.
    pub fn first_day(&self) -> Date {
        self.first
    }

    /// The next month.
    pub fn next(&self) -> Result<Month, AvailabilityError> {
        Ok(Month {
            first: self.first.checked_add(jiff::Span::new().months(1))?,
        })
    }

    /// Days: 28, 29, 30 or 31.
    pub fn days(&self) -> u8 {
        self.first.days_in_month().unsigned_abs()
    }

    /// The fixed denominator: days × 1440.
    pub fn minutes(&self) -> u64 {
        u64::from(self.days()) * MINUTES_PER_DAY
    }

    /// Local midnight of the first day in `tz` (the start of the day, should midnight not
    /// exist there).
    pub fn start(&self, tz: &TimeZone) -> Result<Timestamp, AvailabilityError> {
        Ok(self.first.to_zoned(tz.clone())?.start_of_day()?.timestamp())
    }

    /// `[start, start of the next month)` in `tz`.
    pub fn bounds(&self, tz: &TimeZone) -> Result<Interval, AvailabilityError> {
        Interval::new(self.start(tz)?, self.next()?.start(tz)?)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl FromStr for Month {
    type Err = AvailabilityError;

    /// `2026-03`.
    fn from_str(s: &str) -> Result<Month, AvailabilityError> {
        let bad = || AvailabilityError::Calendar(format!("{s:?} is not a month (YYYY-MM)"));
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        Month::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A service's availability for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// The month.
    pub month: Month,
    /// The service id.
    pub service: String,
    /// The month's real span in the contract's zone.
    pub bounds: Interval,
    /// The fixed denominator: days × 1440.
    pub minutes_in_month: u64,
    /// The real span's minutes by verdict (sum = the real span's minutes).
    pub counts: Counts,
    /// The exact availability.
    pub ratio: Ratio,
    /// The availability, rounded down to two decimals.
    pub availability: Percent,
    /// The service's target, percent.
    pub target_percent: f64,
    /// Whether the exact availability is at least the target.
    pub target_met: bool,
    /// The credit earned, if the policy has tiers and one applies.
    pub credit: Option<Credit>,
}

/// The report of `service` (an id of the policy's services) for `month` in `tz`, from
/// slices that should cover the month (minutes they do not cover count as no data), with
/// the credit from `monthly_fee_minor` (the monthly fee in minor currency units).
pub fn monthly_report(
    policy: &Availability,
    service: &str,
    month: Month,
    tz: &TimeZone,
    slices: &Slices,
    monthly_fee_minor: u64,
) -> Result<MonthlyReport, AvailabilityError> {
    let svc = policy
        .services
        .iter()
        .find(|s| s.id == service)
        .ok_or_else(|| AvailabilityError::UnknownService(service.to_owned()))?;
    let bounds = month.bounds(tz)?;
    let counts = slices.count(bounds)?;
    let minutes = month.minutes();
    let ratio = Ratio::from_downtime(minutes, counts.downtime);
    Ok(MonthlyReport {
        month,
        service: svc.id.clone(),
        bounds,
        minutes_in_month: minutes,
        counts,
        ratio,
        availability: ratio.percent(),
        target_percent: svc.target_percent,
        target_met: ratio.at_least(svc.target_percent)?,
        credit: credit(&policy.credits, ratio, monthly_fee_minor)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jakarta() -> TimeZone {
        TimeZone::get("Asia/Jakarta").unwrap()
    }

    #[test]
    fn month_lengths() {
        let days = |s: &str| s.parse::<Month>().unwrap().days();
        assert_eq!(days("2026-01"), 31);
        assert_eq!(days("2026-04"), 30);
        assert_eq!(days("2026-02"), 28);
        assert_eq!(days("2028-02"), 29);
        assert_eq!(days("2100-02"), 28, "not a leap year");
        assert_eq!(days("2000-02"), 29);
        assert_eq!("2026-02".parse::<Month>().unwrap().minutes(), 40_320);
        assert_eq!("2028-02".parse::<Month>().unwrap().minutes(), 41_760);
        assert_eq!("2026-04".parse::<Month>().unwrap().minutes(), 43_200);
        assert_eq!("2026-03".parse::<Month>().unwrap().minutes(), 44_640);
        assert!("2026-13".parse::<Month>().is_err());
        assert!("2026-3".parse::<Month>().is_err());
        assert_eq!("2026-03".parse::<Month>().unwrap().to_string(), "2026-03");
    }

    #[test]
    fn months_start_at_local_midnight() {
        let b = "2026-03"
            .parse::<Month>()
            .unwrap()
            .bounds(&jakarta())
            .unwrap();
        assert_eq!(b.start(), "2026-02-28T17:00:00Z".parse().unwrap());
        assert_eq!(b.end(), "2026-03-31T17:00:00Z".parse().unwrap());
        let dec = "2026-12".parse::<Month>().unwrap();
        assert_eq!(dec.next().unwrap().to_string(), "2027-01");
    }

    #[test]
    fn a_dst_month_keeps_its_fixed_denominator() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let m: Month = "2026-03".parse().unwrap();
        let b = m.bounds(&ny).unwrap();
        // One hour shorter in real time, the same denominator.
        assert_eq!(b.duration().as_secs() / 60, 44_640 - 60);
        assert_eq!(m.minutes(), 44_640);
    }
}
