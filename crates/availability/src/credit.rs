//! Service-credit tiers and amounts.
//!
//! A tier (`CreditTier { below, at_least, credit_percent }`) applies when the exact
//! availability `a` satisfies `at_least ≤ a < below` (no lower bound for the last tier):
//! Innovasia §5.2 "< 95.0 % hingga 90.0 %" is 90.0 ≤ a < 95.0. So exactly **95.0 % earns
//! nothing** (it is not below 95), exactly **90.0 % earns 10 %** (the first tier includes its
//! lower bound), exactly **85.0 % earns 25 %**, and anything below 85.0 % earns 50 %. If
//! tiers overlap, the first in the policy's order applies.
//!
//! The amount is `fee × credit_percent / 100` in minor currency units, computed exactly
//! with integers and rounded **up** to a whole minor unit: like the percentage rounded
//! down, a fraction never goes against the customer.

use serde::{Deserialize, Serialize};
use tenggat_sla::CreditTier;

use crate::error::AvailabilityError;
use crate::percent::{Ratio, millionths};

/// The credit a month earns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credit {
    /// Index of the tier in the policy's credit table.
    pub tier: usize,
    /// Percent of the monthly fee.
    pub credit_percent: f64,
    /// The amount, minor currency units, rounded up.
    pub amount_minor: u64,
}

/// The tier that applies to `ratio`, if any: the first with `at_least ≤ a < below`.
pub fn tier(tiers: &[CreditTier], ratio: Ratio) -> Result<Option<usize>, AvailabilityError> {
    for (i, t) in tiers.iter().enumerate() {
        let above_floor = match t.at_least {
            Some(l) => ratio.at_least(l)?,
            None => true,
        };
        if above_floor && ratio.below(t.below)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// `fee_minor × percent / 100`, rounded up to a whole minor unit.
pub fn amount(fee_minor: u64, percent: f64) -> Result<u64, AvailabilityError> {
    let num = u128::from(fee_minor) * u128::from(millionths(percent)?);
    let den = 100 * 1_000_000u128;
    // ≤ fee_minor, since percent ≤ 100: fits in u64.
    Ok(u64::try_from(num.div_ceil(den)).unwrap_or(u64::MAX))
}

/// The credit `ratio` earns from `tiers` on a fee of `fee_minor`.
pub fn credit(
    tiers: &[CreditTier],
    ratio: Ratio,
    fee_minor: u64,
) -> Result<Option<Credit>, AvailabilityError> {
    let Some(i) = tier(tiers, ratio)? else {
        return Ok(None);
    };
    let t = &tiers[i];
    Ok(Some(Credit {
        tier: i,
        credit_percent: t.credit_percent,
        amount_minor: amount(fee_minor, t.credit_percent)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers() -> Vec<CreditTier> {
        tenggat_sla::preset("innovasia")
            .unwrap()
            .unwrap()
            .availability
            .unwrap()
            .credits
    }

    /// A 30-day month with `down` minutes of downtime.
    fn april(down: u64) -> Ratio {
        Ratio::from_downtime(43_200, down)
    }

    #[test]
    fn tier_boundaries() {
        let t = tiers();
        // 95.0 % exactly: 2160 minutes of 43 200.
        assert_eq!(tier(&t, april(2_160)).unwrap(), None);
        assert_eq!(tier(&t, april(2_161)).unwrap(), Some(0));
        // 90.0 % exactly: the first tier (10 %).
        assert_eq!(tier(&t, april(4_320)).unwrap(), Some(0));
        assert_eq!(tier(&t, april(4_321)).unwrap(), Some(1));
        // 85.0 % exactly: the second tier (25 %).
        assert_eq!(tier(&t, april(6_480)).unwrap(), Some(1));
        assert_eq!(tier(&t, april(6_481)).unwrap(), Some(2));
        assert_eq!(tier(&t, april(43_200)).unwrap(), Some(2));
        assert_eq!(tier(&t, april(0)).unwrap(), None);
    }

    #[test]
    fn amounts_are_rounded_up_to_a_minor_unit() {
        assert_eq!(amount(10_000_000, 10.0).unwrap(), 1_000_000);
        assert_eq!(amount(1_234_567, 10.0).unwrap(), 123_457);
        assert_eq!(amount(1_234_567, 25.0).unwrap(), 308_642);
        assert_eq!(amount(1_234_567, 50.0).unwrap(), 617_284);
        assert_eq!(amount(u64::MAX, 100.0).unwrap(), u64::MAX);
        assert_eq!(amount(0, 50.0).unwrap(), 0);
        let c = credit(&tiers(), april(4_320), 15_000_000).unwrap().unwrap();
        assert_eq!((c.tier, c.amount_minor), (0, 1_500_000));
    }
}
