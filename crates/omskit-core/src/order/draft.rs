//! What a caller submits: [`OrderDraft`] and its parts, and their validation.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::Currency;

/// Most units one line may order.
pub const MAX_LINE_QUANTITY: i64 = 1_000_000;
/// Most lines one order may have.
pub const MAX_LINES: usize = 1_000;
/// Longest identifier (SKU, external id, idempotency key, location code...), in characters.
pub const MAX_ID_LEN: usize = 128;
/// Longest free text (names, reasons, notes, address lines), in characters.
pub const MAX_TEXT_LEN: usize = 1_000;
/// Most decimal places a unit price may have.
pub const MAX_PRICE_SCALE: u32 = 6;

/// Where an order came from.
///
/// Serialized as a lowercase string: `web`, `mobile`, `phone`, `pos`,
/// `marketplace`, `api`, or any other name for [`Channel::Other`]. Channels
/// compare by name, so `Channel::Other("web".into()) == Channel::Web`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[non_exhaustive]
pub enum Channel {
    /// The web shop.
    Web,
    /// A mobile app.
    Mobile,
    /// Taken by phone.
    Phone,
    /// A point of sale in a store.
    Pos,
    /// A marketplace (its name may go in `Other` instead when several are used).
    Marketplace,
    /// An API integration.
    Api,
    /// Any other channel, by name (1 to 64 characters of `a-z`, `0-9`, `-`, `_`, `.`).
    Other(String),
}

impl Channel {
    /// The channel's name as stored.
    pub fn as_str(&self) -> &str {
        match self {
            Channel::Web => "web",
            Channel::Mobile => "mobile",
            Channel::Phone => "phone",
            Channel::Pos => "pos",
            Channel::Marketplace => "marketplace",
            Channel::Api => "api",
            Channel::Other(name) => name,
        }
    }
}

impl PartialEq for Channel {
    fn eq(&self, other: &Channel) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Channel {}

impl std::hash::Hash for Channel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Channel {
    fn partial_cmp(&self, other: &Channel) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Channel {
    fn cmp(&self, other: &Channel) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = Error;

    fn from_str(name: &str) -> Result<Channel> {
        Ok(match name {
            "web" => Channel::Web,
            "mobile" => Channel::Mobile,
            "phone" => Channel::Phone,
            "pos" => Channel::Pos,
            "marketplace" => Channel::Marketplace,
            "api" => Channel::Api,
            other => {
                let valid = !other.is_empty()
                    && other.len() <= 64
                    && other.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b)
                    });
                if !valid {
                    return Err(Error::validation(
                        "channel",
                        format!("{other:?} is not a channel name (1-64 of a-z 0-9 - _ .)"),
                    ));
                }
                Channel::Other(other.to_owned())
            }
        })
    }
}

impl TryFrom<String> for Channel {
    type Error = Error;
    fn try_from(name: String) -> Result<Channel> {
        name.parse()
    }
}

impl From<Channel> for String {
    fn from(channel: Channel) -> String {
        channel.as_str().to_owned()
    }
}

/// The customer who placed an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// The caller's customer id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// E-mail address, if known.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number, if known.
    #[serde(default)]
    pub phone: Option<String>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Recipient's name.
    pub name: String,
    /// First address line.
    pub line1: String,
    /// Second address line.
    #[serde(default)]
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// State, province or region, where the country has them.
    #[serde(default)]
    pub region: Option<String>,
    /// Postal code, where the country has them.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, such as `US`.
    pub country: String,
}

/// A reduction of a line or of the whole order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discount {
    /// A fixed amount in the order currency, off the line (or order) total.
    Amount(Decimal),
    /// A percentage (0 to 100) of the line (or order) total.
    Percent(Decimal),
}

/// An order-level discount; its amount is spread across the lines in
/// proportion to their totals after line discounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDiscount {
    /// The promotion or coupon code, if any.
    #[serde(default)]
    pub code: Option<String>,
    /// How much.
    pub value: Discount,
}

/// One line of an [`OrderDraft`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineDraft {
    /// Stock keeping unit.
    pub sku: String,
    /// Units, 1 to [`MAX_LINE_QUANTITY`]. Signed so that a negative number
    /// from JSON or a binding is reported as a validation error of this field.
    pub quantity: i64,
    /// Price of one unit in the order currency, at least 0.
    pub unit_price: Decimal,
    /// A discount of this line.
    #[serde(default)]
    pub discount: Option<Discount>,
    /// Tax rate as a fraction (0.0825 for 8.25 %), 0 to 1.
    #[serde(default)]
    pub tax_rate: Decimal,
}

impl LineDraft {
    /// A line with no discount and no tax.
    pub fn new(sku: impl Into<String>, quantity: i64, unit_price: Decimal) -> LineDraft {
        LineDraft { sku: sku.into(), quantity, unit_price, discount: None, tax_rate: Decimal::ZERO }
    }

    /// Sets the line discount.
    #[must_use]
    pub fn discount(mut self, discount: Discount) -> LineDraft {
        self.discount = Some(discount);
        self
    }

    /// Sets the tax rate (a fraction: 0.2 for 20 %).
    #[must_use]
    pub fn tax_rate(mut self, rate: Decimal) -> LineDraft {
        self.tax_rate = rate;
        self
    }

    /// The same line with its decimals in normal form (no trailing zeros).
    pub(crate) fn clone_normalized(&self) -> LineDraft {
        LineDraft {
            sku: self.sku.clone(),
            quantity: self.quantity,
            unit_price: self.unit_price.normalize(),
            discount: self.discount.map(normalize_discount),
            tax_rate: self.tax_rate.normalize(),
        }
    }

    /// Checks every field. `currency` bounds the discount's decimal places;
    /// without it (before the order is known) that one check is skipped.
    pub(crate) fn validate(&self, currency: Option<Currency>) -> Result<()> {
        check_id("sku", &self.sku)?;
        if !(1..=MAX_LINE_QUANTITY).contains(&self.quantity) {
            return Err(Error::validation(
                "quantity",
                format!("must be 1 to {MAX_LINE_QUANTITY}, got {}", self.quantity),
            ));
        }
        if self.unit_price.is_sign_negative() && !self.unit_price.is_zero() {
            return Err(Error::validation("unit_price", "must not be negative"));
        }
        if self.unit_price.normalize().scale() > MAX_PRICE_SCALE {
            return Err(Error::validation(
                "unit_price",
                format!("at most {MAX_PRICE_SCALE} decimal places"),
            ));
        }
        if let Some(discount) = &self.discount {
            check_discount("discount", discount, currency)?;
        }
        if self.tax_rate.is_sign_negative() && !self.tax_rate.is_zero()
            || self.tax_rate > Decimal::ONE
        {
            return Err(Error::validation("tax_rate", "must be a fraction from 0 to 1"));
        }
        Ok(())
    }
}

/// An order as submitted, before validation. Build one with [`OrderDraft::new`]
/// and the builder methods, or deserialize it from JSON:
///
/// ```
/// use omskit_core::order::OrderDraft;
/// let draft: OrderDraft = serde_json::from_str(r#"{
///     "channel": "web", "currency": "USD", "external_id": "web-1001",
///     "customer": {"id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com"},
///     "lines": [{"sku": "SKU-1", "quantity": 2, "unit_price": "19.99", "tax_rate": "0.08"}],
///     "discounts": [{"code": "WELCOME", "value": {"percent": "10"}}],
///     "shipping": "4.95"
/// }"#).unwrap();
/// assert_eq!(draft.lines[0].quantity, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDraft {
    /// Where the order came from.
    pub channel: Channel,
    /// The channel's own id for the order, unique per channel.
    #[serde(default)]
    pub external_id: Option<String>,
    /// A key that makes placing this order safe to retry.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Who ordered.
    pub customer: Customer,
    /// Where to ship; absent for orders handed over in person.
    #[serde(default)]
    pub ship_to: Option<Address>,
    /// Where to bill, if not the shipping address.
    #[serde(default)]
    pub bill_to: Option<Address>,
    /// Currency of every amount in the order.
    pub currency: Currency,
    /// What was ordered: 1 to [`MAX_LINES`] lines.
    pub lines: Vec<LineDraft>,
    /// Order-level discounts.
    #[serde(default)]
    pub discounts: Vec<OrderDiscount>,
    /// Shipping charge, at least 0.
    #[serde(default)]
    pub shipping: Decimal,
    /// A note from the customer or the agent.
    #[serde(default)]
    pub notes: Option<String>,
}

impl OrderDraft {
    /// An empty draft for the channel and currency; add a customer and lines.
    pub fn new(channel: Channel, currency: Currency) -> OrderDraft {
        OrderDraft {
            channel,
            external_id: None,
            idempotency_key: None,
            customer: Customer::default(),
            ship_to: None,
            bill_to: None,
            currency,
            lines: Vec::new(),
            discounts: Vec::new(),
            shipping: Decimal::ZERO,
            notes: None,
        }
    }

    /// Sets the channel's own id for the order.
    #[must_use]
    pub fn external_id(mut self, id: impl Into<String>) -> OrderDraft {
        self.external_id = Some(id.into());
        self
    }

    /// Sets the idempotency key.
    #[must_use]
    pub fn idempotency_key(mut self, key: impl Into<String>) -> OrderDraft {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sets the customer's id, name and e-mail.
    #[must_use]
    pub fn customer(
        mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        email: impl Into<String>,
    ) -> OrderDraft {
        self.customer =
            Customer { id: id.into(), name: name.into(), email: Some(email.into()), phone: None };
        self
    }

    /// Sets the shipping address.
    #[must_use]
    pub fn ship_to(mut self, address: Address) -> OrderDraft {
        self.ship_to = Some(address);
        self
    }

    /// Sets the billing address.
    #[must_use]
    pub fn bill_to(mut self, address: Address) -> OrderDraft {
        self.bill_to = Some(address);
        self
    }

    /// Adds a line.
    #[must_use]
    pub fn line(mut self, line: LineDraft) -> OrderDraft {
        self.lines.push(line);
        self
    }

    /// Adds an order-level discount.
    #[must_use]
    pub fn discount(mut self, code: Option<&str>, value: Discount) -> OrderDraft {
        self.discounts.push(OrderDiscount { code: code.map(str::to_owned), value });
        self
    }

    /// Sets the shipping charge.
    #[must_use]
    pub fn shipping(mut self, charge: Decimal) -> OrderDraft {
        self.shipping = charge;
        self
    }

    /// Sets the note.
    #[must_use]
    pub fn notes(mut self, notes: impl Into<String>) -> OrderDraft {
        self.notes = Some(notes.into());
        self
    }

    /// Checks every field, in the order they are declared.
    ///
    /// # Errors
    /// `Validation` naming the first bad field, such as `lines[2].quantity`.
    pub fn validate(&self) -> Result<()> {
        // `Channel::Other` can be built directly; its name must parse like any other.
        if let Channel::Other(name) = &self.channel {
            name.parse::<Channel>()?;
        }
        if let Some(id) = &self.external_id {
            check_id("external_id", id)?;
        }
        if let Some(key) = &self.idempotency_key {
            check_id("idempotency_key", key)?;
        }
        check_customer(&self.customer).map_err(|e| e.in_field("customer"))?;
        if let Some(address) = &self.ship_to {
            check_address(address).map_err(|e| e.in_field("ship_to"))?;
        }
        if let Some(address) = &self.bill_to {
            check_address(address).map_err(|e| e.in_field("bill_to"))?;
        }
        if self.lines.is_empty() {
            return Err(Error::validation("lines", "an order needs at least one line"));
        }
        if self.lines.len() > MAX_LINES {
            return Err(Error::validation("lines", format!("at most {MAX_LINES} lines")));
        }
        for (i, line) in self.lines.iter().enumerate() {
            line.validate(Some(self.currency)).map_err(|e| e.in_field(&format!("lines[{i}]")))?;
        }
        for (i, discount) in self.discounts.iter().enumerate() {
            let field = format!("discounts[{i}]");
            if let Some(code) = &discount.code {
                check_id(&format!("{field}.code"), code)?;
            }
            check_discount(&format!("{field}.value"), &discount.value, Some(self.currency))?;
        }
        check_amount("shipping", self.shipping, self.currency)?;
        if let Some(notes) = &self.notes {
            check_text("notes", notes, 0)?;
        }
        Ok(())
    }

    fn normalized(&self) -> OrderDraft {
        let mut draft = self.clone();
        draft.lines = self.lines.iter().map(LineDraft::clone_normalized).collect();
        for discount in &mut draft.discounts {
            discount.value = normalize_discount(discount.value);
        }
        draft.shipping = draft.shipping.normalize();
        draft
    }

    /// The path of the first field, in declaration order, in which two
    /// validated drafts differ, as named in error messages
    /// (`lines[1].quantity`), or `None` if they are equal. Amounts that
    /// differ only in trailing zeros (`10.0`, `10.00`) are equal.
    pub fn first_difference(&self, other: &OrderDraft) -> Option<String> {
        // serde_json keeps struct fields in declaration order (feature `preserve_order`).
        let a = serde_json::to_value(self.normalized()).ok()?;
        let b = serde_json::to_value(other.normalized()).ok()?;
        first_difference(&a, &b, String::new())
    }
}

fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if let Some(found) =
                    first_difference(value, y.get(key).unwrap_or(&Value::Null), child)
                {
                    return Some(found);
                }
            }
            y.keys().find(|key| !x.contains_key(*key)).map(|key| {
                if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                }
            })
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let child = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(p), Some(q)) => {
                        if let Some(found) = first_difference(p, q, child) {
                            return Some(found);
                        }
                    }
                    _ => return Some(child),
                }
            }
            None
        }
        _ => (a != b).then_some(path),
    }
}

fn normalize_discount(discount: Discount) -> Discount {
    match discount {
        Discount::Amount(a) => Discount::Amount(a.normalize()),
        Discount::Percent(p) => Discount::Percent(p.normalize()),
    }
}

/// Checks an identifier: 1 to [`MAX_ID_LEN`] characters, no whitespace or control characters.
pub(crate) fn check_id(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(Error::validation(field, format!("at most {MAX_ID_LEN} characters")));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::validation(field, "must not contain spaces or control characters"));
    }
    Ok(())
}

/// Checks free text: `min` to [`MAX_TEXT_LEN`] characters, no control characters but newlines and tabs.
pub(crate) fn check_text(field: &str, value: &str, min: usize) -> Result<()> {
    let len = value.chars().count();
    if len < min || (min > 0 && value.trim().is_empty()) {
        return Err(Error::validation(field, "must not be empty"));
    }
    if len > MAX_TEXT_LEN {
        return Err(Error::validation(field, format!("at most {MAX_TEXT_LEN} characters")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::validation(field, "must not contain control characters"));
    }
    Ok(())
}

/// Checks a money amount in `currency`: not negative, no finer than its minor unit.
pub(crate) fn check_amount(field: &str, amount: Decimal, currency: Currency) -> Result<()> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(Error::validation(field, "must not be negative"));
    }
    if amount.normalize().scale() > currency.minor_units() {
        return Err(Error::validation(
            field,
            format!("{currency} has {} decimal places", currency.minor_units()),
        ));
    }
    Ok(())
}

fn check_discount(field: &str, discount: &Discount, currency: Option<Currency>) -> Result<()> {
    match *discount {
        Discount::Amount(amount) => {
            let field = format!("{field}.amount");
            match currency {
                Some(currency) => check_amount(&field, amount, currency),
                None if amount.is_sign_negative() && !amount.is_zero() => {
                    Err(Error::validation(field, "must not be negative"))
                }
                None => Ok(()),
            }
        }
        Discount::Percent(p) => {
            if p.is_sign_negative() && !p.is_zero() || p > Decimal::ONE_HUNDRED {
                Err(Error::validation(format!("{field}.percent"), "must be 0 to 100"))
            } else {
                Ok(())
            }
        }
    }
}

fn check_customer(customer: &Customer) -> Result<()> {
    check_id("id", &customer.id)?;
    check_text("name", &customer.name, 1)?;
    if let Some(email) = &customer.email {
        let well_formed = email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
        if !well_formed || email.chars().any(char::is_whitespace) || email.len() > 254 {
            return Err(Error::validation("email", format!("{email:?} is not an e-mail address")));
        }
    }
    if let Some(phone) = &customer.phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed || !(4..=20).contains(&digits) {
            return Err(Error::validation("phone", format!("{phone:?} is not a phone number")));
        }
    }
    Ok(())
}

fn check_address(address: &Address) -> Result<()> {
    check_text("name", &address.name, 1)?;
    check_text("line1", &address.line1, 1)?;
    if let Some(line2) = &address.line2 {
        check_text("line2", line2, 0)?;
    }
    check_text("city", &address.city, 1)?;
    if let Some(region) = &address.region {
        check_text("region", region, 0)?;
    }
    if let Some(code) = &address.postal_code {
        check_text("postal_code", code, 1)?;
    }
    if !crate::order::country::is_iso3166_alpha2(&address.country) {
        return Err(Error::validation(
            "country",
            format!("{:?} is not an ISO 3166-1 alpha-2 country code", address.country),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    impl OrderDraft {
        fn validated(self) -> OrderDraft {
            self.validate().expect("valid");
            self
        }
    }

    fn good() -> OrderDraft {
        OrderDraft::new(Channel::Web, Currency::USD)
            .customer("c-1", "Ada", "ada@example.com")
            .line(LineDraft::new("A", 1, d("10.00")))
            .line(LineDraft::new("B", 2, d("5")))
    }

    #[test]
    fn channels_round_trip_through_their_names() {
        for name in ["web", "mobile", "phone", "pos", "marketplace", "api", "ebay-de", "shop_2.0"] {
            let channel: Channel = name.parse().expect("valid channel");
            assert_eq!(channel.to_string(), name);
            assert_eq!(serde_json::to_string(&channel).expect("json"), format!("\"{name}\""));
        }
        assert_eq!("web".parse::<Channel>().ok(), Some(Channel::Web));
        for bad in ["", "Web", "two words", "ünïcode", &"x".repeat(65)] {
            let err = bad.parse::<Channel>().expect_err(bad);
            assert!(matches!(err, Error::Validation { ref field, .. } if field == "channel"));
        }
    }

    #[test]
    fn drafts_differing_only_in_trailing_zeros_are_the_same() {
        let a = good().validated();
        let mut other = good();
        other.lines[0].unit_price = d("10.0000");
        other.lines[1].unit_price = d("5.00");
        let other = other.validated();
        assert_eq!(a.first_difference(&other), None);
        assert_eq!(other.lines[0].unit_price.to_string(), "10.0000", "kept as given");
    }

    #[test]
    fn first_difference_names_the_field_path() {
        let a = good().validated();
        let mut b = good();
        b.lines[1].quantity = 3;
        assert_eq!(a.first_difference(&b.validated()).as_deref(), Some("lines[1].quantity"));
        let c = good().line(LineDraft::new("C", 1, d("1"))).validated();
        assert_eq!(a.first_difference(&c).as_deref(), Some("lines[2]"));
        let e = good().notes("gift").validated();
        assert_eq!(a.first_difference(&e).as_deref(), Some("notes"));
        let f = OrderDraft { channel: Channel::Phone, ..good() }.validated();
        assert_eq!(a.first_difference(&f).as_deref(), Some("channel"));
        // Declaration order, not alphabetical: `ship_to` comes before `lines`.
        let g = good().ship_to(Address { city: "X".into(), ..Address::default() });
        let mut h = good().ship_to(Address { city: "Y".into(), ..Address::default() });
        h.lines[0].quantity = 9;
        assert_eq!(g.first_difference(&h).as_deref(), Some("ship_to.city"));
    }

    #[test]
    fn errors_name_nested_fields() {
        let mut draft = good();
        draft.lines[1].quantity = 0;
        let err = draft.validate().expect_err("quantity 0");
        assert!(
            matches!(err, Error::Validation { ref field, .. } if field == "lines[1].quantity"),
            "{err}"
        );
        assert!(err.to_string().contains("lines[1].quantity"));

        let draft = good().customer("c-1", "Ada", "not-an-email");
        let err = draft.validate().expect_err("bad email");
        assert!(
            matches!(err, Error::Validation { ref field, .. } if field == "customer.email"),
            "{err}"
        );
    }

    #[test]
    fn money_in_json_must_be_exact() {
        let json = r#"{"channel":"web","currency":"USD","customer":{"id":"c","name":"A"},
            "lines":[{"sku":"A","quantity":1,"unit_price":"0.1"}]}"#;
        let draft: OrderDraft = serde_json::from_str(json).expect("decimal strings parse");
        assert_eq!(draft.lines[0].unit_price, d("0.1"));
        let unknown = json.replace("USD", "XYZ");
        assert!(serde_json::from_str::<OrderDraft>(&unknown).is_err());
        // A misspelled optional field is an error, not silently ignored.
        let typo = json.replace(r#""unit_price":"0.1""#, r#""unit_price":"0.1","tax_rat":"0.2""#);
        let err = serde_json::from_str::<OrderDraft>(&typo).expect_err("unknown field");
        assert!(err.to_string().contains("tax_rat"), "{err}");
    }
}
