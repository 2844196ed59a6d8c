//! Exact percentages: availability as a ratio of whole minutes, shown rounded **down** to
//! two decimals, compared with policy thresholds without floating-point rounding.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::AvailabilityError;

/// A policy percentage (`99.5`, `95.0`) as an exact integer in millionths of a percent.
///
/// Policy files write percentages as decimals with a few places; the `f64` they parse to
/// is the nearest binary value, and rounding it to the nearest millionth recovers the
/// decimal exactly for up to six decimal places.
pub fn millionths(percent: f64) -> Result<u64, AvailabilityError> {
    if !percent.is_finite() || !(0.0..=100.0).contains(&percent) {
        return Err(AvailabilityError::Percent(percent.to_string()));
    }
    // In 0..=1e8 after the check above: the cast is exact.
    Ok((percent * 1_000_000.0).round() as u64)
}

/// Availability as an exact ratio: `available / total` minutes, where `available` is the
/// minutes in the month less the downtime minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ratio {
    /// Minutes in the month that were not downtime.
    pub available: u64,
    /// Minutes in the month (the fixed denominator).
    pub total: u64,
}

impl Ratio {
    /// `(total − downtime) / total`; downtime beyond the total counts as the total (0 %).
    pub fn from_downtime(total: u64, downtime: u64) -> Ratio {
        Ratio {
            available: total.saturating_sub(downtime),
            total,
        }
    }

    /// Whether the exact availability is at least `percent` (e.g. a target of 99.5).
    pub fn at_least(&self, percent: f64) -> Result<bool, AvailabilityError> {
        let t = u128::from(millionths(percent)?);
        // available / total × 100 ≥ t / 10⁶  ⟺  available × 10⁸ ≥ t × total.
        Ok(u128::from(self.available) * 100_000_000 >= t * u128::from(self.total))
    }

    /// Whether the exact availability is below `percent`.
    pub fn below(&self, percent: f64) -> Result<bool, AvailabilityError> {
        Ok(!self.at_least(percent)?)
    }

    /// The percentage rounded down to two decimals (100 % when `total` is 0).
    pub fn percent(&self) -> Percent {
        Percent::floor(self.available, self.total)
    }
}

/// A percentage with two decimals, stored exactly as hundredths of a percent
/// (`9949` is 99.49 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Percent(u32);

impl Percent {
    /// `part / whole × 100`, rounded **down** to two decimals: the largest `h` with
    /// `h / 100 ≤ part / whole × 100`, so 99.4996 % is 99.49 %, never 99.50 %. `part` is
    /// capped at `whole`; a zero `whole` gives 100 %.
    pub fn floor(part: u64, whole: u64) -> Percent {
        if whole == 0 {
            return Percent(10_000);
        }
        let part = u128::from(part.min(whole));
        let h = part * 10_000 / u128::from(whole);
        Percent(u32::try_from(h).unwrap_or(10_000))
    }

    /// From hundredths of a percent (`9949` → 99.49 %); refused above 100 %.
    pub fn from_hundredths(h: u32) -> Result<Percent, AvailabilityError> {
        if h <= 10_000 {
            Ok(Percent(h))
        } else {
            Err(AvailabilityError::Percent(format!("{h}/100")))
        }
    }

    /// Hundredths of a percent.
    pub fn hundredths(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Percent {
    /// Always two decimals: `99.49`, `95.00`, `100.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_down_never_up() {
        // 99.4996 %: 0.0004 % of 10⁶ minutes is 4 minutes.
        let r = Ratio::from_downtime(1_000_000, 5_004);
        assert_eq!(r.percent().to_string(), "99.49");
        assert!(r.below(99.5).unwrap());
        assert_eq!(Percent::floor(2, 3).to_string(), "66.66");
        assert_eq!(Percent::floor(1, 1).to_string(), "100.00");
        assert_eq!(Percent::floor(0, 1).to_string(), "0.00");
        assert_eq!(Percent::floor(0, 0).to_string(), "100.00");
    }

    #[test]
    fn thresholds_are_exact() {
        assert_eq!(millionths(99.5).unwrap(), 99_500_000);
        assert_eq!(millionths(0.1).unwrap(), 100_000);
        assert_eq!(millionths(99.999_9).unwrap(), 99_999_900);
        assert!(millionths(100.01).is_err());
        assert!(millionths(f64::NAN).is_err());
        // Exactly 95 % of a 30-day month.
        let r = Ratio::from_downtime(43_200, 2_160);
        assert!(r.at_least(95.0).unwrap());
        assert!(Ratio::from_downtime(43_200, 2_161).below(95.0).unwrap());
    }
}
