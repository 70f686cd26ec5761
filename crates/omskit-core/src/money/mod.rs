//! Money: exact decimal amounts tagged with an ISO 4217 currency.
//!
//! Amounts are [`Decimal`]s, never floats. Arithmetic is checked and refuses
//! to mix currencies; rounding is half-even ("banker's rounding") to the
//! currency's minor units; [`Money::allocate`] splits an amount into parts
//! that add up exactly.

mod currency;

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use currency::Currency;

use crate::error::{Error, Result};

/// An exact amount of one currency.
///
/// The amount may carry any number of decimal places; [`Money::round`]
/// brings it to the currency's minor units. Equality and hashing compare the
/// numeric value, so `1.5 USD == 1.50 USD`.
///
/// Serialized as `{"amount": "19.99", "currency": "USD"}`. The amount is
/// written as a decimal string; when reading, a string or an integer is
/// accepted and a floating-point number is rejected.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount of `currency`, kept exactly as given (any scale).
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero of `currency`.
    pub fn zero(currency: Currency) -> Money {
        Money { amount: Decimal::ZERO, currency }
    }

    /// The amount, exactly as stored.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True when the amount is zero (of any sign or scale).
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// True when the amount is strictly below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// `self + other`.
    ///
    /// # Errors
    ///
    /// [`Error::CurrencyMismatch`] (expected `self`'s currency, found
    /// `other`'s) or [`Error::Overflow`].
    pub fn checked_add(self, other: Money) -> Result<Money> {
        self.same_currency(&other)?;
        self.amount
            .checked_add(other.amount)
            .map(|amount| Money { amount, currency: self.currency })
            .ok_or_else(|| overflow("money addition"))
    }

    /// `self - other`.
    ///
    /// # Errors
    ///
    /// [`Error::CurrencyMismatch`] (expected `self`'s currency, found
    /// `other`'s) or [`Error::Overflow`].
    pub fn checked_sub(self, other: Money) -> Result<Money> {
        self.same_currency(&other)?;
        self.amount
            .checked_sub(other.amount)
            .map(|amount| Money { amount, currency: self.currency })
            .ok_or_else(|| overflow("money subtraction"))
    }

    /// `self * factor`, unrounded (a price times a tax rate, say).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the product is out of range.
    pub fn checked_mul(self, factor: Decimal) -> Result<Money> {
        self.amount
            .checked_mul(factor)
            .map(|amount| Money { amount, currency: self.currency })
            .ok_or_else(|| overflow("money multiplication"))
    }

    /// `self * quantity` (a unit price times a line quantity).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the product is out of range.
    pub fn checked_mul_qty(self, quantity: u64) -> Result<Money> {
        self.amount
            .checked_mul(Decimal::from(quantity))
            .map(|amount| Money { amount, currency: self.currency })
            .ok_or_else(|| overflow("money multiplication by quantity"))
    }

    /// The sum of `items`, all of which must be in `currency`; an empty
    /// iterator sums to zero.
    ///
    /// # Errors
    ///
    /// [`Error::CurrencyMismatch`] (expected `currency`, found the first
    /// offending item's) or [`Error::Overflow`].
    pub fn sum<I: IntoIterator<Item = Money>>(items: I, currency: Currency) -> Result<Money> {
        items.into_iter().try_fold(Money::zero(currency), |acc, item| {
            acc.same_currency(&item)?;
            acc.amount
                .checked_add(item.amount)
                .map(|amount| Money { amount, currency })
                .ok_or_else(|| overflow("money sum"))
        })
    }

    /// The amount rounded half-even ("banker's rounding") to the currency's
    /// minor units: `2.345 USD` → `2.34`, `2.355 USD` → `2.36`. Amounts with
    /// fewer decimal places are returned unchanged (not padded); a zero
    /// result is never negative.
    #[must_use]
    pub fn round(self) -> Money {
        let mut amount = self.amount.round_dp_with_strategy(
            self.currency.minor_units(),
            RoundingStrategy::MidpointNearestEven,
        );
        if amount.is_zero() {
            amount.set_sign_positive(true);
        }
        Money { amount, currency: self.currency }
    }

    /// True when the amount is a whole number of minor units (its scale,
    /// after dropping trailing zeros, is at most the currency's minor units).
    pub fn is_rounded(&self) -> bool {
        self.amount.normalize().scale() <= self.currency.minor_units()
    }

    /// The amount as an `f64`, for display or statistics only: the
    /// conversion is lossy, and nothing else in omskit turns money into a
    /// float.
    pub fn to_f64_lossy(&self) -> f64 {
        self.amount.to_f64().unwrap_or(f64::NAN)
    }

    /// Splits the rounded amount ([`Money::round`]) into `weights.len()` parts
    /// proportional to `weights`. Every part is a whole number of minor units
    /// and the parts add up exactly to the rounded amount.
    ///
    /// Uses the largest-remainder method: each part first gets the floor of
    /// its exact share, then the minor units left over go one each to the
    /// parts with the largest remainders, lower index first among equal
    /// remainders. Each part thus differs from its exact share by less than
    /// one minor unit. A negative amount is allocated as its absolute value
    /// and the parts negated. When every weight is zero the amount is split
    /// equally, as if every weight were one.
    ///
    /// ```
    /// # use omskit_core::money::{Currency, Money};
    /// # use rust_decimal::Decimal;
    /// let total = Money::new(Decimal::new(10000, 2), Currency::USD);
    /// let parts = total.allocate(&[Decimal::ONE; 3]).unwrap();
    /// let shown: Vec<String> = parts.iter().map(ToString::to_string).collect();
    /// assert_eq!(shown, ["33.34 USD", "33.33 USD", "33.33 USD"]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] on field `weights` when `weights` is empty, or
    /// on field `weights[i]` when weight `i` is negative; [`Error::Overflow`]
    /// when the weights, brought to a common scale, add up beyond 2^128, or
    /// a part cannot be represented as a [`Decimal`].
    pub fn allocate(self, weights: &[Decimal]) -> Result<Vec<Money>> {
        if weights.is_empty() {
            return Err(Error::validation("weights", "must not be empty"));
        }
        if let Some(i) = weights.iter().position(|w| *w < Decimal::ZERO) {
            return Err(Error::validation(format!("weights[{i}]"), "must not be negative"));
        }
        let (negative, units) = self.rounded_units()?;
        let int_weights = integer_weights(weights)?;
        let total: u128 = int_weights
            .iter()
            .try_fold(0u128, |acc, w| acc.checked_add(*w))
            .ok_or_else(|| overflow("money allocation"))?;
        let parts = if total == 0 {
            split_evenly(units, weights.len())
        } else {
            split_by_weights(units, &int_weights, total)
        };
        self.parts_to_money(negative, parts)
    }

    /// Splits the rounded amount into `n` parts that differ by at most one
    /// minor unit and add up exactly; the extra minor units go to the first
    /// parts. Same as [`Money::allocate`] with `n` equal weights.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] on field `n` when `n` is zero; [`Error::Overflow`]
    /// when a part cannot be represented as a [`Decimal`].
    pub fn allocate_evenly(self, n: usize) -> Result<Vec<Money>> {
        if n == 0 {
            return Err(Error::validation("n", "must be at least 1"));
        }
        let (negative, units) = self.rounded_units()?;
        self.parts_to_money(negative, split_evenly(units, n))
    }

    fn same_currency(&self, other: &Money) -> Result<()> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::CurrencyMismatch {
                expected: self.currency.code().to_owned(),
                found: other.currency.code().to_owned(),
            })
        }
    }

    /// The rounded amount as a sign and a count of minor units.
    fn rounded_units(&self) -> Result<(bool, u128)> {
        let rounded = self.round().amount;
        let minor = self.currency.minor_units();
        let mantissa = rounded.mantissa().unsigned_abs();
        let scale = rounded.scale();
        // `round` leaves the scale at most `minor`, so this only scales up;
        // a mantissa below 2^96 times at most 10^3 fits easily.
        let units = if scale <= minor {
            mantissa.checked_mul(10u128.pow(minor - scale))
        } else {
            Some(mantissa / 10u128.pow(scale - minor))
        };
        let units = units.ok_or_else(|| overflow("money allocation"))?;
        Ok((rounded.is_sign_negative() && units != 0, units))
    }

    /// Turns minor-unit counts back into money of this currency, keeping the
    /// currency's scale where the mantissa allows it.
    fn parts_to_money(&self, negative: bool, parts: Vec<u128>) -> Result<Vec<Money>> {
        let minor = self.currency.minor_units();
        parts
            .into_iter()
            .map(|units| {
                let mut mantissa =
                    i128::try_from(units).map_err(|_| overflow("money allocation"))?;
                let mut scale = minor;
                // Drop trailing zeros only when the mantissa is too wide.
                while scale > 0 && mantissa % 10 == 0 && mantissa > MAX_MANTISSA {
                    mantissa /= 10;
                    scale -= 1;
                }
                if negative {
                    mantissa = -mantissa;
                }
                Decimal::try_from_i128_with_scale(mantissa, scale)
                    .map(|amount| Money { amount, currency: self.currency })
                    .map_err(|_| overflow("money allocation"))
            })
            .collect()
    }
}

/// The largest mantissa a [`Decimal`] holds: 2^96 - 1.
const MAX_MANTISSA: i128 = (1i128 << 96) - 1;

fn overflow(what: &str) -> Error {
    Error::Overflow { what: what.to_owned() }
}

/// The (non-negative) weights as integers at a common scale.
fn integer_weights(weights: &[Decimal]) -> Result<Vec<u128>> {
    let scale = weights.iter().map(|w| w.normalize().scale()).max().unwrap_or(0);
    weights
        .iter()
        .map(|w| {
            let w = w.normalize();
            let mantissa = w.mantissa().unsigned_abs();
            10u128
                .checked_pow(scale - w.scale())
                .and_then(|factor| mantissa.checked_mul(factor))
                .ok_or_else(|| overflow("money allocation"))
        })
        .collect()
}

/// `units` split into `n` parts differing by at most one, extras first.
fn split_evenly(units: u128, n: usize) -> Vec<u128> {
    // usize is at most 128 bits wide on every supported target.
    let n128 = n as u128;
    let (base, extra) = (units / n128, units % n128);
    (0..n).map(|i| if (i as u128) < extra { base + 1 } else { base }).collect()
}

/// Largest-remainder split of `units` by integer weights summing to `total`
/// (non-zero).
fn split_by_weights(units: u128, weights: &[u128], total: u128) -> Vec<u128> {
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut assigned: u128 = 0;
    for &w in weights {
        let (quotient, remainder) = mul_div_rem(units, w, total);
        parts.push(quotient);
        remainders.push(remainder);
        assigned += quotient;
    }
    // The floors sum to at most `units`, and miss it by less than the
    // number of parts.
    let leftover = units - assigned;
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    for &i in order.iter().take(usize::try_from(leftover).unwrap_or(usize::MAX)) {
        parts[i] += 1;
    }
    parts
}

/// The full 256-bit product `a * b` as `(high, low)` halves.
fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a0, a1) = (a & MASK, a >> 64);
    let (b0, b1) = (b & MASK, b >> 64);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Each term is below 2^64, so the sum is below 3 * 2^64.
    let mid = (p00 >> 64) + (p01 & MASK) + (p10 & MASK);
    let low = (p00 & MASK) | ((mid & MASK) << 64);
    let high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (high, low)
}

/// `(a * b / d, a * b % d)` computed exactly, for `b <= d` and `d > 0` (so
/// that the quotient is at most `a`).
fn mul_div_rem(a: u128, b: u128, d: u128) -> (u128, u128) {
    debug_assert!(d > 0 && b <= d);
    let (high, low) = widening_mul(a, b);
    // high < d because a * b <= a * d < 2^128 * d; binary long division
    // over the low half then yields a quotient that fits in 128 bits.
    let mut rem = high;
    let mut quotient: u128 = 0;
    for bit in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry == 1 || rem >= d {
            // With the carry the true value is 2^128 + rem, which exceeds d;
            // the wrapped difference is the exact result, below d.
            rem = rem.wrapping_sub(d);
            quotient |= 1;
        }
    }
    (quotient, rem)
}

impl fmt::Display for Money {
    /// The amount rounded half-even and padded to the currency's minor units,
    /// then the code: `"19.99 USD"`, `"5.00 USD"`, `"100 JPY"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut amount = self.round().amount;
        amount.rescale(self.currency.minor_units());
        write!(f, "{amount} {}", self.currency)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Money", 2)?;
        state.serialize_field("amount", &self.amount.to_string())?;
        state.serialize_field("currency", &self.currency)?;
        state.end()
    }
}

/// The `amount` field: a decimal string or an integer, never a float.
struct Amount(Decimal);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct AmountVisitor;

        impl Visitor<'_> for AmountVisitor {
            type Value = Amount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal string such as \"19.99\"")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Amount, E> {
                Decimal::from_str_exact(v)
                    .map(Amount)
                    .map_err(|e| E::custom(format_args!("invalid amount {v:?}: {e}")))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }

            fn visit_i128<E: de::Error>(self, v: i128) -> std::result::Result<Amount, E> {
                Decimal::try_from_i128_with_scale(v, 0)
                    .map(Amount)
                    .map_err(|_| E::custom(format_args!("amount {v} is out of range")))
            }

            fn visit_u128<E: de::Error>(self, v: u128) -> std::result::Result<Amount, E> {
                i128::try_from(v)
                    .map_err(|_| E::custom(format_args!("amount {v} is out of range")))
                    .and_then(|v| self.visit_i128(v))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<Amount, E> {
                Err(E::custom("amount must be a decimal string, not a float"))
            }
        }

        deserializer.deserialize_any(AmountVisitor)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "lowercase")]
        enum Field {
            Amount,
            Currency,
        }

        struct MoneyVisitor;

        impl<'de> Visitor<'de> for MoneyVisitor {
            type Value = Money;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with \"amount\" and \"currency\"")
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Money, A::Error> {
                let mut amount: Option<Amount> = None;
                let mut currency: Option<Currency> = None;
                while let Some(key) = map.next_key()? {
                    match key {
                        Field::Amount if amount.is_some() => {
                            return Err(de::Error::duplicate_field("amount"))
                        }
                        Field::Amount => amount = Some(map.next_value()?),
                        Field::Currency if currency.is_some() => {
                            return Err(de::Error::duplicate_field("currency"))
                        }
                        Field::Currency => currency = Some(map.next_value()?),
                    }
                }
                let Amount(amount) = amount.ok_or_else(|| de::Error::missing_field("amount"))?;
                let currency = currency.ok_or_else(|| de::Error::missing_field("currency"))?;
                Ok(Money { amount, currency })
            }
        }

        deserializer.deserialize_struct("Money", &["amount", "currency"], MoneyVisitor)
    }
}

#[cfg(test)]
mod tests;
