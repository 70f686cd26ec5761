use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn usd(s: &str) -> Money {
    Money::new(d(s), Currency::USD)
}

fn amounts(parts: &[Money]) -> Vec<String> {
    parts.iter().map(|m| m.amount().to_string()).collect()
}

#[test]
fn constructors_and_accessors() {
    let m = usd("19.990");
    assert_eq!(m.amount(), d("19.990"));
    assert_eq!(m.amount().scale(), 3);
    assert_eq!(m.currency(), Currency::USD);
    assert!(!m.is_zero());
    assert!(!m.is_negative());

    let z = Money::zero(Currency::JPY);
    assert!(z.is_zero());
    assert!(!z.is_negative());
    assert_eq!(z.currency(), Currency::JPY);

    assert!(usd("-0.01").is_negative());
    assert!(!usd("-0.00").is_negative());
    assert!(usd("-0.00").is_zero());
}

#[test]
fn equality_is_numeric() {
    assert_eq!(usd("1.5"), usd("1.50"));
    assert_ne!(usd("1.5"), Money::new(d("1.5"), Currency::EUR));
    let mut set = std::collections::HashSet::new();
    set.insert(usd("1.5"));
    assert!(set.contains(&usd("1.500")));
}

#[test]
fn checked_add_and_sub() {
    assert_eq!(usd("1.10").checked_add(usd("2.205")).unwrap(), usd("3.305"));
    assert_eq!(usd("1.10").checked_sub(usd("2.20")).unwrap(), usd("-1.10"));
}

#[test]
fn currency_mismatch_names_both_codes() {
    let eur = Money::new(d("1"), Currency::EUR);
    let expected = Error::CurrencyMismatch { expected: "USD".into(), found: "EUR".into() };
    assert_eq!(usd("1").checked_add(eur), Err(expected.clone()));
    assert_eq!(usd("1").checked_sub(eur), Err(expected));
}

#[test]
fn overflow_is_reported() {
    let max = usd("0").checked_add(Money::new(Decimal::MAX, Currency::USD)).unwrap();
    assert!(matches!(max.checked_add(usd("1")), Err(Error::Overflow { .. })));
    let min = Money::new(Decimal::MIN, Currency::USD);
    assert!(matches!(min.checked_sub(usd("1")), Err(Error::Overflow { .. })));
    assert!(matches!(max.checked_mul(d("2")), Err(Error::Overflow { .. })));
    assert!(matches!(max.checked_mul_qty(2), Err(Error::Overflow { .. })));
    assert!(matches!(Money::sum([max, usd("1")], Currency::USD), Err(Error::Overflow { .. })));
}

#[test]
fn multiplication() {
    assert_eq!(usd("19.99").checked_mul(d("0.2")).unwrap(), usd("3.998"));
    assert_eq!(usd("19.99").checked_mul_qty(3).unwrap(), usd("59.97"));
    assert_eq!(usd("19.99").checked_mul_qty(0).unwrap(), Money::zero(Currency::USD));
    assert_eq!(usd("0.01").checked_mul_qty(u64::MAX).unwrap().amount(), d("184467440737095516.15"));
}

#[test]
fn sum_of_items() {
    assert_eq!(
        Money::sum([usd("1.25"), usd("2.5"), usd("-0.75")], Currency::USD).unwrap(),
        usd("3")
    );
    let empty = Money::sum(Vec::new(), Currency::JPY).unwrap();
    assert_eq!(empty, Money::zero(Currency::JPY));
    assert_eq!(
        Money::sum([usd("1"), Money::new(d("1"), Currency::GBP)], Currency::USD),
        Err(Error::CurrencyMismatch { expected: "USD".into(), found: "GBP".into() })
    );
    assert_eq!(
        Money::sum([usd("1")], Currency::EUR),
        Err(Error::CurrencyMismatch { expected: "EUR".into(), found: "USD".into() })
    );
}

#[test]
fn round_half_even() {
    let cases = [
        ("2.345", "2.34"),
        ("2.355", "2.36"),
        ("2.3450001", "2.35"),
        ("-2.345", "-2.34"),
        ("-2.355", "-2.36"),
        ("0.005", "0.00"),
        ("0.015", "0.02"),
        ("1.1", "1.1"),
        ("7", "7"),
    ];
    for (input, want) in cases {
        let got = usd(input).round();
        assert_eq!(got.amount().to_string(), want, "{input}");
        assert_eq!(got.currency(), Currency::USD);
    }
    let jpy = |s| Money::new(d(s), Currency::JPY).round().amount().to_string();
    assert_eq!(jpy("0.125"), "0");
    assert_eq!(jpy("0.5"), "0");
    assert_eq!(jpy("1.5"), "2");
    assert_eq!(jpy("2.5"), "2");
    assert_eq!(jpy("-2.5"), "-2");
    let bhd = |s| Money::new(d(s), Currency::BHD).round().amount().to_string();
    assert_eq!(bhd("1.2345"), "1.234");
    assert_eq!(bhd("1.2355"), "1.236");
}

#[test]
fn round_never_yields_negative_zero() {
    let r = usd("-0.001").round();
    assert!(r.is_zero());
    assert!(!r.amount().is_sign_negative());
    assert_eq!(r.to_string(), "0.00 USD");
}

#[test]
fn is_rounded() {
    assert!(usd("19.99").is_rounded());
    assert!(usd("19.9900").is_rounded());
    assert!(usd("19").is_rounded());
    assert!(!usd("19.991").is_rounded());
    assert!(Money::new(d("100.0"), Currency::JPY).is_rounded());
    assert!(!Money::new(d("100.5"), Currency::JPY).is_rounded());
    assert!(Money::new(d("1.234"), Currency::KWD).is_rounded());
    assert!(usd("2.345").round().is_rounded());
}

#[test]
fn display() {
    assert_eq!(usd("19.99").to_string(), "19.99 USD");
    assert_eq!(usd("5").to_string(), "5.00 USD");
    assert_eq!(usd("5.1").to_string(), "5.10 USD");
    assert_eq!(usd("2.345").to_string(), "2.34 USD");
    assert_eq!(usd("-3.5").to_string(), "-3.50 USD");
    assert_eq!(Money::new(d("100"), Currency::JPY).to_string(), "100 JPY");
    assert_eq!(Money::new(d("99.5"), Currency::JPY).to_string(), "100 JPY");
    assert_eq!(Money::new(d("1.5"), Currency::BHD).to_string(), "1.500 BHD");
    assert_eq!(Money::zero(Currency::EUR).to_string(), "0.00 EUR");
    // Too wide to pad: shown with as many decimals as fit.
    assert_eq!(
        Money::new(Decimal::MAX, Currency::USD).to_string(),
        format!("{} USD", Decimal::MAX)
    );
}

#[test]
fn to_f64_lossy() {
    assert_eq!(usd("19.99").to_f64_lossy(), 19.99);
    assert_eq!(usd("-0.5").to_f64_lossy(), -0.5);
}

#[test]
fn serde_round_trip() {
    for m in [usd("19.99"), usd("-0.001"), Money::new(d("100"), Currency::JPY), usd("5.000")] {
        let json = serde_json::to_string(&m).unwrap();
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.amount().scale(), m.amount().scale());
    }
    assert_eq!(
        serde_json::to_string(&usd("19.990")).unwrap(),
        r#"{"amount":"19.990","currency":"USD"}"#
    );
    let value = serde_json::to_value(usd("1")).unwrap();
    assert_eq!(value, serde_json::json!({"amount": "1", "currency": "USD"}));
}

#[test]
fn serde_accepts_strings_and_integers() {
    let m: Money = serde_json::from_str(r#"{"currency":"EUR","amount":"12.50"}"#).unwrap();
    assert_eq!(m, Money::new(d("12.50"), Currency::EUR));
    let m: Money = serde_json::from_str(r#"{"amount":42,"currency":"JPY"}"#).unwrap();
    assert_eq!(m, Money::new(d("42"), Currency::JPY));
    let m: Money = serde_json::from_str(r#"{"amount":-7,"currency":"USD"}"#).unwrap();
    assert_eq!(m, usd("-7"));
}

#[test]
fn serde_rejects_floats() {
    for json in [
        r#"{"amount":19.99,"currency":"USD"}"#,
        r#"{"amount":1.0,"currency":"USD"}"#,
        r#"{"amount":1e3,"currency":"USD"}"#,
    ] {
        let err = serde_json::from_str::<Money>(json).unwrap_err().to_string();
        assert!(err.contains("amount must be a decimal string, not a float"), "{json}: {err}");
    }
}

#[test]
fn serde_rejects_bad_input() {
    let bad = [
        (r#"{"amount":"12.x","currency":"USD"}"#, "12.x"),
        (r#"{"amount":"1","currency":"ZZZ"}"#, "ZZZ"),
        (r#"{"amount":"1"}"#, "currency"),
        (r#"{"currency":"USD"}"#, "amount"),
        (r#"{"amount":"1","currency":"USD","extra":1}"#, "extra"),
        (r#"{"amount":"1","amount":"2","currency":"USD"}"#, "amount"),
        (r#"{"amount":true,"currency":"USD"}"#, "decimal string"),
        (r#""1 USD""#, "amount"),
    ];
    for (json, mention) in bad {
        let err = serde_json::from_str::<Money>(json).unwrap_err().to_string();
        assert!(err.contains(mention), "{json}: {err}");
    }
}

#[test]
fn allocate_three_ways() {
    let parts = usd("100.00").allocate(&[d("1"), d("1"), d("1")]).unwrap();
    assert_eq!(amounts(&parts), ["33.34", "33.33", "33.33"]);
    assert!(parts.iter().all(|p| p.currency() == Currency::USD));
}

#[test]
fn allocate_proportionally() {
    let parts = usd("10").allocate(&[d("1"), d("2"), d("2")]).unwrap();
    assert_eq!(amounts(&parts), ["2.00", "4.00", "4.00"]);
    // 0.05 by 3:7 → exact 0.015, 0.035; remainders tie, lower index wins.
    let parts = usd("0.05").allocate(&[d("3"), d("7")]).unwrap();
    assert_eq!(amounts(&parts), ["0.02", "0.03"]);
    // Largest remainder, not first-come: 1.00 by 1:2 → 0.333.., 0.666..
    let parts = usd("1.00").allocate(&[d("1"), d("2")]).unwrap();
    assert_eq!(amounts(&parts), ["0.33", "0.67"]);
    // Equal remainders go to lower indexes: 1.00 by 1:1:4 → 0.1666.., 0.1666.., 0.6666..
    let parts = usd("1.00").allocate(&[d("1"), d("1"), d("4")]).unwrap();
    assert_eq!(amounts(&parts), ["0.17", "0.17", "0.66"]);
    // Decimal weights at mixed scales.
    let parts = usd("10.00").allocate(&[d("0.5"), d("1.25"), d("0.25")]).unwrap();
    assert_eq!(amounts(&parts), ["2.50", "6.25", "1.25"]);
    // A zero weight gets nothing while others are positive.
    let parts = usd("1.00").allocate(&[d("0"), d("3")]).unwrap();
    assert_eq!(amounts(&parts), ["0.00", "1.00"]);
}

#[test]
fn allocate_rounds_first() {
    let parts = usd("0.995").allocate(&[d("1"), d("1")]).unwrap();
    assert_eq!(amounts(&parts), ["0.50", "0.50"]);
    let parts = usd("0.005").allocate(&[d("1"), d("1")]).unwrap();
    assert_eq!(amounts(&parts), ["0.00", "0.00"]);
}

#[test]
fn allocate_with_all_zero_weights_splits_equally() {
    let parts = usd("1.00").allocate(&[d("0"), d("0.00"), d("0")]).unwrap();
    assert_eq!(amounts(&parts), ["0.34", "0.33", "0.33"]);
}

#[test]
fn allocate_negative_amount() {
    let parts = usd("-100.00").allocate(&[d("1"), d("1"), d("1")]).unwrap();
    assert_eq!(amounts(&parts), ["-33.34", "-33.33", "-33.33"]);
    let sum = Money::sum(parts, Currency::USD).unwrap();
    assert_eq!(sum, usd("-100"));
}

#[test]
fn allocate_zero_amount() {
    let parts = usd("0").allocate(&[d("1"), d("2")]).unwrap();
    assert_eq!(amounts(&parts), ["0.00", "0.00"]);
    assert!(parts.iter().all(|p| !p.amount().is_sign_negative()));
}

#[test]
fn allocate_jpy_and_bhd() {
    let parts = Money::new(d("100"), Currency::JPY).allocate(&[d("1"), d("1"), d("1")]).unwrap();
    assert_eq!(amounts(&parts), ["34", "33", "33"]);
    let parts = Money::new(d("10.5"), Currency::JPY).allocate(&[d("1"), d("1"), d("1")]).unwrap();
    assert_eq!(amounts(&parts), ["4", "3", "3"]);
    let parts = Money::new(d("1"), Currency::BHD).allocate(&[d("1"), d("1"), d("1")]).unwrap();
    assert_eq!(amounts(&parts), ["0.334", "0.333", "0.333"]);
}

#[test]
fn allocate_single_weight_returns_rounded_amount() {
    let parts = usd("12.345").allocate(&[d("7")]).unwrap();
    assert_eq!(amounts(&parts), ["12.34"]);
}

#[test]
fn allocate_validation_errors() {
    assert!(matches!(
        usd("1").allocate(&[]),
        Err(Error::Validation { ref field, .. }) if field == "weights"
    ));
    assert!(matches!(
        usd("1").allocate(&[d("1"), d("-0.5")]),
        Err(Error::Validation { ref field, .. }) if field == "weights[1]"
    ));
    // Negative zero is not negative.
    assert!(usd("1").allocate(&[d("-0"), d("1")]).is_ok());
}

#[test]
fn allocate_huge_values() {
    // The largest amount over many tiny, wide-scale weights still works.
    let max = Money::new(Decimal::MAX, Currency::JPY);
    let third = d("0.3333333333333333333333333333");
    let parts = max.allocate(&[third, third, third]).unwrap();
    assert_eq!(Money::sum(parts.iter().copied(), Currency::JPY).unwrap(), max);
    let parts = max.allocate(&[Decimal::MAX, Decimal::ONE]).unwrap();
    assert_eq!(Money::sum(parts.iter().copied(), Currency::JPY).unwrap(), max);
    assert_eq!(parts[1].amount(), Decimal::ONE);

    // USD MAX has no room for cents at that size: the parts are exact but
    // drop trailing zeros to fit.
    let parts = Money::new(Decimal::MAX, Currency::USD).allocate(&[d("1"), d("0")]).unwrap();
    assert_eq!(parts[0].amount(), Decimal::MAX);

    // Halving USD MAX needs a half cent beyond 96 bits: overflow.
    let halves = Money::new(Decimal::MAX, Currency::USD).allocate(&[d("1"), d("1")]);
    assert!(matches!(halves, Err(Error::Overflow { .. })));

    // Weights whose common-scale sum exceeds 2^128: overflow.
    let wide = usd("1").allocate(&[Decimal::MAX, d("0.0000000000000000000000000001")]);
    assert!(matches!(wide, Err(Error::Overflow { .. })));
}

#[test]
fn allocate_evenly() {
    assert_eq!(amounts(&usd("100").allocate_evenly(3).unwrap()), ["33.34", "33.33", "33.33"]);
    assert_eq!(amounts(&usd("-0.05").allocate_evenly(2).unwrap()), ["-0.03", "-0.02"]);
    assert_eq!(amounts(&usd("0.02").allocate_evenly(4).unwrap()), ["0.01", "0.01", "0.00", "0.00"]);
    assert_eq!(amounts(&Money::new(d("7"), Currency::JPY).allocate_evenly(1).unwrap()), ["7"]);
    assert!(matches!(
        usd("1").allocate_evenly(0),
        Err(Error::Validation { ref field, .. }) if field == "n"
    ));
    for n in 1..12 {
        let m = usd("123.457");
        assert_eq!(m.allocate_evenly(n).unwrap(), m.allocate(&vec![Decimal::ONE; n]).unwrap());
    }
}

#[test]
fn widening_mul_and_mul_div_rem() {
    assert_eq!(widening_mul(0, u128::MAX), (0, 0));
    assert_eq!(widening_mul(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
    assert_eq!(widening_mul(1 << 64, 1 << 64), (1, 0));
    assert_eq!(widening_mul(123_456_789, 987_654_321), (0, 123_456_789 * 987_654_321));
    assert_eq!(mul_div_rem(10, 3, 7), (4, 2));
    assert_eq!(mul_div_rem(u128::MAX, u128::MAX, u128::MAX), (u128::MAX, 0));
    assert_eq!(mul_div_rem(u128::MAX, u128::MAX - 1, u128::MAX), (u128::MAX - 1, 0));
    // (2^128 - 1) * 2 / 3: 2^129 - 2 = 3 * q + r.
    let (q, r) = mul_div_rem(u128::MAX, 2, 3);
    assert_eq!(r, 0);
    assert_eq!(q, u128::MAX / 3 * 2);
}

proptest! {
    #[test]
    fn mul_div_rem_is_exact(a: u128, b: u128, d in 1u128..) {
        let b = b % d;
        let (q, r) = mul_div_rem(a, b, d);
        prop_assert!(r < d);
        prop_assert!(q <= a);
        // q * d + r == a * b, compared as 256-bit numbers.
        let (qh, ql) = widening_mul(q, d);
        let (low, carry) = ql.overflowing_add(r);
        prop_assert_eq!((qh + u128::from(carry), low), widening_mul(a, b));
    }

    #[test]
    fn widening_mul_matches_u128_when_small(a: u64, b: u64) {
        prop_assert_eq!(widening_mul(u128::from(a), u128::from(b)), (0, u128::from(a) * u128::from(b)));
    }

    #[test]
    fn allocate_preserves_every_minor_unit(
        units in any::<i64>(),
        scale in 0u32..=6,
        currency_index in 0usize..Currency::all().len(),
        weights in prop::collection::vec((0u64..1_000_000, 0u32..=4), 1..20),
    ) {
        let currency = Currency::all()[currency_index];
        let money = Money::new(Decimal::new(units, scale), currency);
        let weights_at_scale_4: Vec<i128> =
            weights.iter().map(|&(m, s)| i128::from(m) * 10i128.pow(4 - s)).collect();
        let weights: Vec<Decimal> =
            weights.into_iter().map(|(m, s)| Decimal::from_i128_with_scale(i128::from(m), s)).collect();
        let parts = money.allocate(&weights).unwrap();
        prop_assert_eq!(parts.len(), weights.len());

        let rounded = money.round();
        let sum = Money::sum(parts.iter().copied(), currency).unwrap();
        prop_assert_eq!(sum, rounded);

        // Compare exactly in minor units: |part * W - total * w| < W.
        let to_units = |m: &Money| -> Result<i128, TestCaseError> {
            let scaled = m.amount() * Decimal::from(10i64.pow(currency.minor_units()));
            prop_assert_eq!(scaled.fract(), Decimal::ZERO);
            Ok(scaled.normalize().mantissa())
        };
        let all_zero = weights_at_scale_4.iter().all(|w| *w == 0);
        let eff: Vec<i128> = if all_zero { vec![1; weights.len()] } else { weights_at_scale_4 };
        let total_weight: i128 = eff.iter().sum();
        let total_units = to_units(&rounded)?;
        for (part, weight) in parts.iter().zip(&eff) {
            prop_assert!(part.is_rounded(), "{} not rounded", part);
            prop_assert_eq!(part.currency(), currency);
            prop_assert!(part.is_zero() || part.is_negative() == rounded.is_negative());
            let diff = (to_units(part)? * total_weight - total_units * weight).abs();
            prop_assert!(diff < total_weight, "part {} weight {} of {}", part, weight, total_weight);
        }
    }

    #[test]
    fn allocate_evenly_preserves_every_minor_unit(units in any::<i64>(), scale in 0u32..=6, n in 1usize..50) {
        let money = Money::new(Decimal::new(units, scale), Currency::USD);
        let parts = money.allocate_evenly(n).unwrap();
        prop_assert_eq!(parts.len(), n);
        prop_assert_eq!(Money::sum(parts.iter().copied(), Currency::USD).unwrap(), money.round());
        let (max, min) = (parts.iter().map(Money::amount).max().unwrap(), parts.iter().map(Money::amount).min().unwrap());
        prop_assert!(max - min <= Decimal::new(1, 2));
    }

    #[test]
    fn serde_round_trips(units in any::<i64>(), scale in 0u32..=10, currency_index in 0usize..Currency::all().len()) {
        let money = Money::new(Decimal::new(units, scale), Currency::all()[currency_index]);
        let back: Money = serde_json::from_str(&serde_json::to_string(&money).unwrap()).unwrap();
        prop_assert_eq!(back, money);
        prop_assert_eq!(back.amount().scale(), money.amount().scale());
    }
}
