//! Hold rules: checks run on every new order that stop it until released.

use std::fmt;
use std::sync::Arc;

use crate::money::Money;

use super::model::Order;

/// A custom hold check: returns the reason to hold, or `None` to let the order pass.
pub type HoldCheck = Arc<dyn Fn(&Order) -> Option<String> + Send + Sync>;

/// One rule that can hold a newly placed order.
#[derive(Clone)]
#[non_exhaustive]
pub enum HoldRule {
    /// Hold orders in this amount's currency whose grand total exceeds it.
    GrandTotalAbove(Money),
    /// Hold orders with any line of more than this many units.
    LineQuantityAbove(u32),
    /// A named predicate of the application's.
    Custom {
        /// The rule's name, recorded on the hold.
        name: String,
        /// The check.
        check: HoldCheck,
    },
}

impl HoldRule {
    /// A custom rule from a name and a closure.
    pub fn custom(
        name: impl Into<String>,
        check: impl Fn(&Order) -> Option<String> + Send + Sync + 'static,
    ) -> HoldRule {
        HoldRule::Custom { name: name.into(), check: Arc::new(check) }
    }

    /// The rule's name, as recorded on a hold it placed.
    pub fn name(&self) -> &str {
        match self {
            HoldRule::GrandTotalAbove(_) => "grand_total_above",
            HoldRule::LineQuantityAbove(_) => "line_quantity_above",
            HoldRule::Custom { name, .. } => name,
        }
    }

    /// Why this rule holds `order`, or `None`.
    pub fn check(&self, order: &Order) -> Option<String> {
        match self {
            HoldRule::GrandTotalAbove(limit) => (order.currency == limit.currency()
                && order.totals.grand_total > limit.amount())
            .then(|| {
                format!(
                    "grand total {} {} exceeds {limit}",
                    order.totals.grand_total, order.currency
                )
            }),
            HoldRule::LineQuantityAbove(limit) => {
                order.lines.iter().find(|l| l.quantity > *limit).map(|l| {
                    format!("line {} orders {} units, more than {limit}", l.id, l.quantity)
                })
            }
            HoldRule::Custom { check, .. } => check(order),
        }
    }
}

impl fmt::Debug for HoldRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldRule::GrandTotalAbove(limit) => write!(f, "GrandTotalAbove({limit})"),
            HoldRule::LineQuantityAbove(limit) => write!(f, "LineQuantityAbove({limit})"),
            HoldRule::Custom { name, .. } => write!(f, "Custom({name:?})"),
        }
    }
}

/// The hold rules an engine applies to new orders; every rule that matches
/// places its own hold.
#[derive(Debug, Clone, Default)]
pub struct HoldRules {
    rules: Vec<HoldRule>,
}

impl HoldRules {
    /// No rules: nothing is held automatically.
    pub fn new() -> HoldRules {
        HoldRules::default()
    }

    /// Adds a rule.
    #[must_use]
    pub fn with(mut self, rule: HoldRule) -> HoldRules {
        self.rules.push(rule);
        self
    }

    /// `(rule name, reason)` for every rule that holds `order`.
    pub fn matches(&self, order: &Order) -> Vec<(String, String)> {
        self.rules
            .iter()
            .filter_map(|rule| rule.check(order).map(|reason| (rule.name().to_owned(), reason)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::OrderId;
    use crate::money::Currency;
    use crate::order::{Channel, LineDraft, OrderDraft};
    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;

    fn order(quantity: i64, price: i64) -> Order {
        let draft = OrderDraft::new(Channel::Web, Currency::USD)
            .customer("c", "Ada", "ada@example.com")
            .line(LineDraft::new("A", quantity, Decimal::from(price)));
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time");
        Order::new(OrderId::from_u128(1), &draft, at).expect("priced")
    }

    #[test]
    fn each_rule_reports_its_name_and_reason() {
        let rules = HoldRules::new()
            .with(HoldRule::GrandTotalAbove(Money::new(Decimal::from(100), Currency::USD)))
            .with(HoldRule::GrandTotalAbove(Money::new(Decimal::from(1), Currency::EUR)))
            .with(HoldRule::LineQuantityAbove(5))
            .with(HoldRule::custom("vip", |o| {
                (o.customer.id == "c").then(|| "check VIP".to_owned())
            }));
        let small = rules.matches(&order(1, 10));
        assert_eq!(small, [("vip".to_owned(), "check VIP".to_owned())]);
        let big = rules.matches(&order(6, 50));
        let names: Vec<&str> = big.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["grand_total_above", "line_quantity_above", "vip"]);
        assert!(big[0].1.contains("300"), "{}", big[0].1);
    }

    #[test]
    fn thresholds_are_exclusive() {
        let rules = HoldRules::new()
            .with(HoldRule::GrandTotalAbove(Money::new(Decimal::from(100), Currency::USD)))
            .with(HoldRule::LineQuantityAbove(5));
        assert!(rules.matches(&order(5, 20)).is_empty());
    }
}
