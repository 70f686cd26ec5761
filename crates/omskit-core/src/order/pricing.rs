//! Computing line amounts and order totals from prices, discounts and tax.
//!
//! Every amount is rounded half-even to the currency's minor unit at the
//! line level, and totals are plain sums of line amounts, so the totals
//! always equal the sum of their parts. Order-level discounts are split
//! across lines by largest remainder in proportion to each line's amount
//! after its own discount, and never take a line below zero.

use rust_decimal::Decimal;

use super::draft::{Discount, OrderDiscount};
use super::model::{OrderLine, Totals};
use crate::error::{Error, Result};
use crate::money::{Currency, Money};

/// Sets every line's computed amounts and returns the order totals.
///
/// # Errors
/// `Overflow` when an amount leaves the decimal range.
pub fn price_lines(
    lines: &mut [OrderLine],
    discounts: &[OrderDiscount],
    shipping: Decimal,
    currency: Currency,
) -> Result<Totals> {
    let money = |amount: Decimal| Money::new(amount, currency);
    let overflow = || Error::Overflow { what: "order totals".to_owned() };
    let hundred = Decimal::ONE_HUNDRED;

    // Line gross and line discounts.
    let mut net_sum = Decimal::ZERO;
    for line in lines.iter_mut() {
        line.gross =
            money(line.unit_price).checked_mul_qty(u64::from(line.quantity))?.round().amount();
        line.line_discount = match line.discount {
            None => Decimal::ZERO,
            Some(Discount::Amount(amount)) => amount.min(line.gross),
            Some(Discount::Percent(p)) => {
                money(line.gross).checked_mul(p / hundred)?.round().amount().min(line.gross)
            }
        };
        net_sum = net_sum.checked_add(line.gross - line.line_discount).ok_or_else(overflow)?;
    }

    // Order-level discounts, capped at what the lines are worth.
    let mut order_discount = Decimal::ZERO;
    for discount in discounts {
        let amount = match discount.value {
            Discount::Amount(amount) => amount,
            Discount::Percent(p) => money(net_sum).checked_mul(p / hundred)?.round().amount(),
        };
        order_discount = order_discount.checked_add(amount).ok_or_else(overflow)?;
    }
    let order_discount = order_discount.min(net_sum);
    let weights: Vec<Decimal> = lines.iter().map(|l| l.gross - l.line_discount).collect();
    let shares = if lines.is_empty() || order_discount.is_zero() {
        vec![Money::zero(currency); lines.len()]
    } else {
        money(order_discount).allocate(&weights)?
    };

    let mut totals = Totals { shipping, ..Totals::default() };
    for (line, share) in lines.iter_mut().zip(shares) {
        line.order_discount = share.amount();
        let taxable = line.gross - line.line_discount - line.order_discount;
        line.tax = money(taxable).checked_mul(line.tax_rate)?.round().amount();
        line.total = taxable + line.tax;
        totals.subtotal = totals.subtotal.checked_add(line.gross).ok_or_else(overflow)?;
        totals.discounts += line.line_discount + line.order_discount;
        totals.tax = totals.tax.checked_add(line.tax).ok_or_else(overflow)?;
    }
    totals.grand_total = (totals.subtotal - totals.discounts)
        .checked_add(totals.tax)
        .and_then(|t| t.checked_add(shipping))
        .ok_or_else(overflow)?;

    // Show every computed amount with the currency's decimal places (120.00, not 120).
    let places = currency.minor_units();
    for line in lines.iter_mut() {
        for amount in [
            &mut line.gross,
            &mut line.line_discount,
            &mut line.order_discount,
            &mut line.tax,
            &mut line.total,
        ] {
            amount.rescale(places);
        }
    }
    for amount in [
        &mut totals.subtotal,
        &mut totals.discounts,
        &mut totals.tax,
        &mut totals.shipping,
        &mut totals.grand_total,
    ] {
        amount.rescale(places);
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::LineDraft;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn lines(spec: &[(&str, u32, &str)]) -> Vec<OrderLine> {
        spec.iter()
            .enumerate()
            .map(|(i, (price, qty, tax))| {
                let draft =
                    LineDraft::new(format!("SKU-{i}"), i64::from(*qty), d(price)).tax_rate(d(tax));
                OrderLine::from_draft(i as u32 + 1, &draft)
            })
            .collect()
    }

    #[test]
    fn computes_gross_discounts_tax_and_total() {
        let mut ls = lines(&[("19.99", 2, "0.08"), ("5.00", 1, "0")]);
        ls[0].discount = Some(Discount::Percent(d("10")));
        let discounts =
            [OrderDiscount { code: Some("TEN".into()), value: Discount::Amount(d("10")) }];
        let t = price_lines(&mut ls, &discounts, d("4.95"), Currency::USD).expect("priced");
        assert_eq!(ls[0].gross, d("39.98"));
        assert_eq!(ls[0].line_discount, d("4.00")); // 3.998 rounds half-even to 4.00
                                                    // 10.00 split 35.98 : 5.00 → 8.78 / 1.22 by largest remainder.
        assert_eq!(ls[0].order_discount + ls[1].order_discount, d("10"));
        assert_eq!(ls[0].order_discount, d("8.78"));
        assert_eq!(ls[0].tax, d("2.18")); // (35.98 - 8.78) * 0.08 = 2.176
        assert_eq!(t.subtotal, d("44.98"));
        assert_eq!(t.discounts, d("14.00"));
        assert_eq!(t.tax, d("2.18"));
        assert_eq!(t.grand_total, d("38.11"));
    }

    #[test]
    fn rounds_fractional_unit_prices_half_even_per_line() {
        let mut ls = lines(&[("0.125", 1, "0"), ("0.135", 1, "0")]);
        let t = price_lines(&mut ls, &[], Decimal::ZERO, Currency::USD).expect("priced");
        assert_eq!((ls[0].gross, ls[1].gross), (d("0.12"), d("0.14")));
        assert_eq!(t.grand_total, d("0.26"));
    }

    #[test]
    fn order_discount_is_capped_at_the_lines_worth() {
        let mut ls = lines(&[("3.00", 1, "0.5")]);
        let discounts = [OrderDiscount { code: None, value: Discount::Amount(d("50")) }];
        let t = price_lines(&mut ls, &discounts, Decimal::ZERO, Currency::USD).expect("priced");
        assert_eq!((t.discounts, t.tax, t.grand_total), (d("3.00"), d("0"), d("0")));
    }

    proptest! {
        #[test]
        fn totals_equal_the_sum_of_their_parts(
            spec in prop::collection::vec((0u32..100_000, 1u32..50, 0u32..30, 0u32..40), 1..8),
            order_pct in 0u32..60,
            order_amount in 0u32..5_000,
            shipping in 0u32..3_000,
        ) {
            let mut ls: Vec<OrderLine> = spec.iter().enumerate().map(|(i, (cents, qty, tax, pct))| {
                let draft = LineDraft::new(format!("S{i}"), i64::from(*qty), Decimal::new(i64::from(*cents), 2))
                    .tax_rate(Decimal::new(i64::from(*tax), 2))
                    .discount(Discount::Percent(Decimal::from(*pct)));
                OrderLine::from_draft(i as u32 + 1, &draft)
            }).collect();
            let discounts = [
                OrderDiscount { code: None, value: Discount::Percent(Decimal::from(order_pct)) },
                OrderDiscount { code: None, value: Discount::Amount(Decimal::new(i64::from(order_amount), 2)) },
            ];
            let shipping = Decimal::new(i64::from(shipping), 2);
            let t = price_lines(&mut ls, &discounts, shipping, Currency::USD).expect("priced");
            let sum = |f: fn(&OrderLine) -> Decimal| ls.iter().map(f).sum::<Decimal>();
            prop_assert_eq!(t.subtotal, sum(|l| l.gross));
            prop_assert_eq!(t.discounts, sum(|l| l.line_discount + l.order_discount));
            prop_assert_eq!(t.tax, sum(|l| l.tax));
            prop_assert_eq!(t.grand_total, sum(|l| l.total) + shipping);
            prop_assert_eq!(t.grand_total, t.subtotal - t.discounts + t.tax + t.shipping);
            for l in &ls {
                prop_assert!(l.total >= Decimal::ZERO);
                prop_assert!(l.gross - l.line_discount - l.order_discount >= Decimal::ZERO);
                prop_assert!(l.total.scale() <= 2 || l.total.normalize().scale() <= 2);
            }
        }
    }
}
