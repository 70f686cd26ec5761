//! The bad-input table: every use case rejects malformed, out-of-range,
//! unknown, conflicting or unfillable input with the documented error (for
//! `Validation`, naming the exact field path), and leaves the store exactly
//! as it was: no order, no stock change, no reservation, no ledger entry and
//! no event.
//!
//! The table is a `Vec` of rows; each row is a label, the expected error and
//! a closure making one call through the public engine API. Adding a case is
//! one line in [`table`]. Every row runs against one engine, and the store is
//! compared with a [`Snapshot`] taken before the table after every row.
//!
//! The fulfilment use cases (bins, fulfil, pick lists, picks, packing,
//! shipping and rate shopping, tracking, delivery, condition readings,
//! holds and cancellations of fulfilment orders) have rows of their own,
//! against fulfilment orders in every state made before the snapshot; the
//! snapshot then covers every order's fulfilment orders, every shipment's
//! tracking events and condition readings, and bins.
//!
//! Valid inputs that sit on a boundary (a 128-character id, a non-ASCII SKU,
//! a percentage of exactly 100...) are checked separately, so that the table
//! cannot pass by rejecting everything.

use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};

use std::sync::Arc;

use omskit_core::order::{MAX_ID_LEN, MAX_LINES, MAX_LINE_QUANTITY, MAX_TEXT_LEN};
use omskit_core::shipping::ConditionKind;
use omskit_core::{
    Address, Channel, ConditionReading, ConditionThresholds, Currency, Customer, DeliveryProof,
    Discount, Error, EventRecord, FulfillmentId, LineCancel, LineDraft, Location, Oms, Order,
    OrderDiscount, OrderDraft, OrderEdit, OrderId, Package, PackageLine, Parcel, PaymentKind,
    PickedLine, RateShopping, Reservation, StockLevel, StockMovement, Store, StoreTx,
    TrackingEventKind, TrackingUpdate, TxMode, MAX_STOCK_QUANTITY,
};
use serde_json::{json, Value};

use crate::fixtures::{address, dec, deterministic, draft, stock};
use crate::fulfillment::{fulfillment_state, standard_carrier, FulfillmentState};
use crate::Factory;

/// SKUs the engine under test holds stock of, with their receipts.
const RECEIPTS: &[(&str, &str, i64)] = &[
    ("SKU-A", "WH-1", 10),
    ("SKU-A", "WH-2", 10),
    ("SKU-B", "WH-1", 10),
    ("SKU-C", "WH-2", 10),
    ("SKÜ-ü", "WH-1", 5),
];

/// The stock of the fulfilment orders the rows work on: SKU-F ships from
/// WH-1 only, SKU-G from WH-2 only.
const FULFILMENT_RECEIPTS: &[(&str, &str, i64)] = &[("SKU-F", "WH-1", 20), ("SKU-G", "WH-2", 5)];

/// SKUs that rows mention without stocking them; their ledger must stay empty.
const UNSTOCKED: &[&str] = &["SKU-NONE", "SKU-NEW", "SKU-X"];

/// Runs every check of this module.
pub fn run<S: Store>(factory: Factory<'_, S>) {
    let mut failures = accepts_boundary_values();
    failures.extend(rejects_bad_input(factory));
    assert!(
        failures.is_empty(),
        "{} validation check(s) failed:\n  - {}",
        failures.len(),
        failures.join("\n  - ")
    );
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

/// What a row's call is expected to fail with.
#[derive(Debug, Clone)]
enum Expect {
    /// `Error::Validation` with exactly this field path, mentioned in the message.
    Validation(Cow<'static, str>),
    /// `Error::NotFound` of this entity kind, the message mentioning the id.
    NotFound(&'static str),
    /// `Error::InvalidTransition` for this action, mentioned in the message.
    InvalidTransition(&'static str),
    /// `Error::Conflict` naming this field (or none).
    Conflict(Option<&'static str>),
    /// `Error::InsufficientStock` headed by this SKU, mentioned in the message.
    InsufficientStock(&'static str),
    /// `Error::Overflow`: an amount leaves the decimal range.
    Overflow,
    /// A serde error: the input must not even deserialize.
    Decode,
}

/// Expects `Error::Validation` on `field`.
fn v(field: impl Into<Cow<'static, str>>) -> Expect {
    Expect::Validation(field.into())
}

/// How a row's call failed.
#[derive(Debug)]
enum Failure {
    /// The engine (or a parser of the core) returned an error.
    Engine(Error),
    /// Deserialization failed.
    Decode(String),
    /// The call panicked.
    Panic(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Engine(error) => write!(f, "{error:?}"),
            Failure::Decode(message) => write!(f, "serde error: {message}"),
            Failure::Panic(message) => write!(f, "panic: {message}"),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Engine(error)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(error: serde_json::Error) -> Failure {
        Failure::Decode(error.to_string())
    }
}

/// The result of one row's call; the success value is dropped.
type Outcome = Result<(), Failure>;

/// One call of a row.
type Call<S> = Box<dyn Fn(&Oms<S>) -> Outcome>;

/// A row of the table.
struct Row<S: Store> {
    /// What the row checks, as reported on failure.
    label: String,
    /// The error it must produce.
    expect: Expect,
    /// The single call it makes.
    call: Call<S>,
}

/// Drops a use case's success value.
fn done<T>(result: omskit_core::Result<T>) -> Outcome {
    result.map(drop).map_err(Failure::Engine)
}

/// The ids the rows refer to, created before the snapshot.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    /// A placed (live) order: one line (id 1) of 2 × SKU-A, external id
    /// `web-1001`, idempotency key `key-1001`.
    live: OrderId,
    /// A cancelled order (one line of SKU-B).
    cancelled: OrderId,
    /// An id no order has.
    unknown: OrderId,
}

/// The draft the live order was placed from.
fn live_draft() -> OrderDraft {
    draft(&[("SKU-A", 2)]).external_id("web-1001").idempotency_key("key-1001")
}

/// A valid draft of three lines (SKU-A, SKU-B, SKU-C, one unit each at
/// 10.00) that the engine under test could place: each bad-draft row breaks
/// exactly one thing of it.
fn base() -> OrderDraft {
    draft(&[("SKU-A", 1), ("SKU-B", 1), ("SKU-C", 1)])
}

/// The base draft as JSON, as a client would send it.
fn base_json() -> Value {
    json!({
        "channel": "web",
        "currency": "USD",
        "external_id": "web-json-1",
        "customer": {"id": "c-1", "name": "Ada Lovelace", "email": "ada@example.com"},
        "lines": [
            {"sku": "SKU-A", "quantity": 1, "unit_price": "10.00", "tax_rate": "0.08"},
            {"sku": "SKU-B", "quantity": 1, "unit_price": "10.00",
             "discount": {"percent": "10"}}
        ],
        "discounts": [{"code": "WELCOME", "value": {"amount": "1.50"}}],
        "shipping": "4.95"
    })
}

/// A text of `n` characters.
fn long(n: usize) -> String {
    "x".repeat(n)
}

/// A change to a valid address that breaks one field.
type AddressChange = fn(&mut Address);

/// A change to valid packages that breaks one thing.
type PackagesChange = fn(&mut Vec<Package>);

/// A change to a valid JSON value that breaks one thing.
type JsonChange = fn(&mut Value);

/// A change to a valid draft.
type DraftChange = Box<dyn Fn(&mut OrderDraft)>;

/// The rows, built up one line each.
struct Table<S: Store> {
    rows: Vec<Row<S>>,
}

impl<S: Store> Table<S> {
    /// A row making an arbitrary call.
    fn row(
        &mut self,
        label: &str,
        expect: Expect,
        call: impl Fn(&Oms<S>) -> Outcome + 'static,
    ) -> &mut Self {
        self.rows.push(Row { label: label.to_owned(), expect, call: Box::new(call) });
        self
    }

    /// A row placing [`base`] changed by `change`, expected to fail validation on `field`.
    fn draft(
        &mut self,
        label: &str,
        field: impl Into<Cow<'static, str>>,
        change: impl FnOnce(&mut OrderDraft),
    ) {
        self.place(&format!("place_order: {label}"), v(field), change);
    }

    /// A row placing [`base`] changed by `change`, expecting `expect`.
    fn place(&mut self, label: &str, expect: Expect, change: impl FnOnce(&mut OrderDraft)) {
        let mut d = base();
        change(&mut d);
        self.row(label, expect, move |oms| done(oms.place_order(&d)));
    }

    /// A row deserializing [`base_json`] changed by `change`, expected to fail in serde.
    fn json(&mut self, label: &str, change: impl FnOnce(&mut Value)) {
        let mut value = base_json();
        change(&mut value);
        let text = value.to_string();
        self.row(&format!("JSON draft: {label}"), Expect::Decode, move |_| {
            serde_json::from_str::<OrderDraft>(&text)?;
            Ok(())
        });
    }
}

/// Every bad input, with its expected error.
#[allow(clippy::too_many_lines)]
fn table<S: Store>(ctx: Ctx) -> Vec<Row<S>> {
    use Expect::{Conflict, InsufficientStock as Short, InvalidTransition, NotFound};
    let Ctx { live, cancelled, unknown } = ctx;
    let mut t = Table { rows: Vec::new() };

    // --- OrderDraft: channel ---
    t.draft("Other channel with a space", "channel", |d| {
        d.channel = Channel::Other("Big Shop".into())
    });
    t.draft("Other channel in upper case", "channel", |d| {
        d.channel = Channel::Other("SHOP".into())
    });
    t.draft("empty Other channel", "channel", |d| d.channel = Channel::Other(String::new()));
    t.draft("Other channel of 65 chars", "channel", |d| d.channel = Channel::Other(long(65)));
    t.row("parse channel \"Big Shop\"", v("channel"), |_| done("Big Shop".parse::<Channel>()));
    t.row("parse channel \"\"", v("channel"), |_| done("".parse::<Channel>()));

    // --- external_id, idempotency_key ---
    for (field, set) in [
        ("external_id", (|d, v| d.external_id = Some(v)) as fn(&mut OrderDraft, String)),
        ("idempotency_key", |d, v| d.idempotency_key = Some(v)),
    ] {
        t.draft(&format!("empty {field}"), field, |d| set(d, String::new()));
        t.draft(&format!("{field} with a space"), field, |d| set(d, "web 1".into()));
        t.draft(&format!("{field} with a tab"), field, |d| set(d, "web\t1".into()));
        t.draft(&format!("{field} with NUL"), field, |d| set(d, "web\u{0}1".into()));
        t.draft(&format!("{field} with ESC"), field, |d| set(d, "web\u{1b}1".into()));
        t.draft(&format!("{field} of 129 chars"), field, |d| set(d, long(MAX_ID_LEN + 1)));
    }

    // --- customer ---
    t.draft("empty customer id", "customer.id", |d| d.customer.id = String::new());
    t.draft("customer id with a space", "customer.id", |d| d.customer.id = "c 1".into());
    t.draft("customer id of 129 chars", "customer.id", |d| d.customer.id = long(129));
    t.draft("empty customer name", "customer.name", |d| d.customer.name = String::new());
    t.draft("blank customer name", "customer.name", |d| d.customer.name = "   ".into());
    t.draft("customer name with BEL", "customer.name", |d| d.customer.name = "Ada\u{7}".into());
    t.draft("customer name of 1001 chars", "customer.name", |d| d.customer.name = long(1001));
    for email in [
        "",
        "ada",
        "@example.com",
        "ada@",
        "ada@example",
        "ada@.example.com",
        "ada@example.com.",
        "ada @example.com",
        "ada@exa mple.com",
    ] {
        t.draft(&format!("email {email:?}"), "customer.email", |d| {
            d.customer.email = Some(email.into());
        });
    }
    t.draft("email of 255 chars", "customer.email", |d| {
        d.customer.email = Some(format!("{}@example.com", long(243)));
    });
    for phone in ["", "123", "555-CALL", "+1 555 0100 x12", "123456789012345678901", "555\n0100"] {
        t.draft(&format!("phone {phone:?}"), "customer.phone", |d| {
            d.customer.phone = Some(phone.into());
        });
    }

    // --- addresses ---
    for (prefix, set) in [
        ("ship_to", (|d, a| d.ship_to = Some(a)) as fn(&mut OrderDraft, Address)),
        ("bill_to", |d, a| d.bill_to = Some(a)),
    ] {
        let fields: [(&str, &str, AddressChange); 13] = [
            ("empty name", "name", |a| a.name = String::new()),
            ("blank name", "name", |a| a.name = " \t ".into()),
            ("empty line1", "line1", |a| a.line1 = String::new()),
            ("line1 of 1001 chars", "line1", |a| a.line1 = long(1001)),
            ("line2 with NUL", "line2", |a| a.line2 = Some("Apt\u{0}4".into())),
            ("empty city", "city", |a| a.city = String::new()),
            ("region with DEL", "region", |a| a.region = Some("IL\u{7f}".into())),
            ("empty postal code", "postal_code", |a| a.postal_code = Some(String::new())),
            ("country \"us\"", "country", |a| a.country = "us".into()),
            ("country \"XX\"", "country", |a| a.country = "XX".into()),
            ("country \"USA\"", "country", |a| a.country = "USA".into()),
            ("empty country", "country", |a| a.country = String::new()),
            ("country \"ÜS\"", "country", |a| a.country = "ÜS".into()),
        ];
        for (what, field, change) in fields {
            t.draft(&format!("{prefix}: {what}"), format!("{prefix}.{field}"), |d| {
                let mut a = address();
                change(&mut a);
                set(d, a);
            });
        }
    }

    // --- lines ---
    t.draft("no lines", "lines", |d| d.lines.clear());
    t.draft("1001 lines", "lines", |d| {
        d.lines = vec![LineDraft::new("SKU-A", 1, dec("1")); MAX_LINES + 1];
    });
    t.draft("empty sku", "lines[1].sku", |d| d.lines[1].sku = String::new());
    t.draft("sku with a space", "lines[1].sku", |d| d.lines[1].sku = "SKU A".into());
    t.draft("sku with NBSP", "lines[1].sku", |d| d.lines[1].sku = "SKU\u{a0}A".into());
    t.draft("sku with a newline", "lines[1].sku", |d| d.lines[1].sku = "SKU-A\n".into());
    t.draft("sku with NUL", "lines[1].sku", |d| d.lines[1].sku = "SKU\u{0}A".into());
    t.draft("sku of 129 chars", "lines[1].sku", |d| d.lines[1].sku = long(129));
    t.draft("sku of 129 non-ASCII chars", "lines[1].sku", |d| d.lines[1].sku = "ü".repeat(129));
    for quantity in [0, -1, MAX_LINE_QUANTITY + 1, i64::MAX, i64::MIN] {
        t.draft(&format!("quantity {quantity}"), "lines[2].quantity", |d| {
            d.lines[2].quantity = quantity;
        });
    }
    t.draft("negative unit_price", "lines[0].unit_price", |d| d.lines[0].unit_price = dec("-0.01"));
    t.draft("unit_price with 7 decimals", "lines[0].unit_price", |d| {
        d.lines[0].unit_price = dec("0.1234567");
    });
    t.draft("negative tax_rate", "lines[0].tax_rate", |d| d.lines[0].tax_rate = dec("-0.01"));
    t.draft("tax_rate above 1", "lines[0].tax_rate", |d| d.lines[0].tax_rate = dec("1.0001"));
    t.draft("tax_rate 8.25 (percent, not fraction)", "lines[0].tax_rate", |d| {
        d.lines[0].tax_rate = dec("8.25");
    });
    t.draft("line discount 100.01 %", "lines[0].discount.percent", |d| {
        d.lines[0].discount = Some(Discount::Percent(dec("100.01")));
    });
    t.draft("line discount -1 %", "lines[0].discount.percent", |d| {
        d.lines[0].discount = Some(Discount::Percent(dec("-1")));
    });
    t.draft("negative line discount amount", "lines[1].discount.amount", |d| {
        d.lines[1].discount = Some(Discount::Amount(dec("-1.00")));
    });
    t.draft("line discount amount 0.001 USD", "lines[1].discount.amount", |d| {
        d.lines[1].discount = Some(Discount::Amount(dec("0.001")));
    });
    t.draft("line discount amount 0.5 JPY", "lines[0].discount.amount", |d| {
        d.currency = Currency::JPY;
        d.lines[0].discount = Some(Discount::Amount(dec("0.5")));
    });

    // --- order discounts ---
    let order_discount = |value| OrderDiscount { code: Some("PROMO".into()), value };
    t.draft("order discount 101 %", "discounts[0].value.percent", |d| {
        d.discounts = vec![order_discount(Discount::Percent(dec("101")))];
    });
    t.draft("order discount -5 %", "discounts[0].value.percent", |d| {
        d.discounts = vec![order_discount(Discount::Percent(dec("-5")))];
    });
    t.draft("order discount amount 0.005 USD", "discounts[1].value.amount", |d| {
        d.discounts = vec![
            order_discount(Discount::Percent(dec("5"))),
            order_discount(Discount::Amount(dec("0.005"))),
        ];
    });
    t.draft("negative order discount amount", "discounts[0].value.amount", |d| {
        d.discounts = vec![order_discount(Discount::Amount(dec("-2")))];
    });
    t.draft("empty discount code", "discounts[0].code", |d| {
        d.discounts =
            vec![OrderDiscount { code: Some(String::new()), value: Discount::Percent(dec("5")) }];
    });
    t.draft("discount code with a space", "discounts[0].code", |d| {
        d.discounts = vec![OrderDiscount {
            code: Some("WELCOME 10".into()),
            value: Discount::Percent(dec("5")),
        }];
    });

    // --- shipping ---
    t.draft("negative shipping", "shipping", |d| d.shipping = dec("-1"));
    t.draft("shipping 0.001 USD", "shipping", |d| d.shipping = dec("0.001"));
    t.draft("shipping 1.5 JPY", "shipping", |d| {
        d.currency = Currency::JPY;
        d.shipping = dec("1.5");
    });
    t.draft("shipping 0.0005 BHD", "shipping", |d| {
        d.currency = Currency::BHD;
        d.shipping = dec("0.0005");
    });

    // --- notes ---
    t.draft("notes of 1001 chars", "notes", |d| d.notes = Some(long(MAX_TEXT_LEN + 1)));
    t.draft("notes with NUL", "notes", |d| d.notes = Some("leave at door\u{0}".into()));
    t.draft("notes with CR", "notes", |d| d.notes = Some("line\r\nline".into()));

    // --- the first bad field, in declaration order, is reported ---
    t.draft("bad external_id and bad quantity", "external_id", |d| {
        d.external_id = Some(String::new());
        d.lines[0].quantity = 0;
    });
    t.draft("bad email and bad country", "customer.email", |d| {
        d.customer.email = Some("nope".into());
        d.ship_to = Some(Address { country: "XX".into(), ..address() });
    });
    t.draft("bad lines[0].tax_rate and bad lines[1].sku", "lines[0].tax_rate", |d| {
        d.lines[0].tax_rate = dec("2");
        d.lines[1].sku = String::new();
    });
    t.draft("bad shipping and bad notes", "shipping", |d| {
        d.shipping = dec("-1");
        d.notes = Some("\u{0}".into());
    });

    // --- other place_order failures ---
    t.place("place_order: duplicate external id", Conflict(Some("external_id")), |d| {
        d.external_id = Some("web-1001".into());
    });
    t.row(
        "place_order: idempotency key reused, other quantity",
        Conflict(Some("lines[0].quantity")),
        |oms| {
            let mut d = live_draft();
            d.lines[0].quantity = 3;
            done(oms.place_order(&d))
        },
    );
    t.place("place_order: line short of stock", Short("SKU-C"), |d| d.lines[2].quantity = 11);
    t.place("place_order: two lines short, first reported", Short("SKU-B"), |d| {
        d.lines[1].quantity = 50;
        d.lines[2].quantity = 50;
    });
    t.place("place_order: one SKU on two lines, short in total", Short("SKU-C"), |d| {
        d.lines = vec![LineDraft::new("SKU-C", 6, dec("1")), LineDraft::new("SKU-C", 6, dec("1"))];
    });
    t.place("place_order: unit_price Decimal::MAX x 1_000_000", Expect::Overflow, |d| {
        d.lines[0].unit_price = rust_decimal::Decimal::MAX;
        d.lines[0].quantity = MAX_LINE_QUANTITY;
    });
    t.place("place_order: shipping Decimal::MAX", Expect::Overflow, |d| {
        d.shipping = rust_decimal::Decimal::MAX;
    });
    t.row("place_orders: invalid draft in a batch", v("lines[2].quantity"), |oms| {
        let mut bad = base();
        bad.lines[2].quantity = 0;
        let results = oms.place_orders(&[bad])?;
        results.into_iter().next().map_or(Ok(()), done)
    });
    t.row("place_orders: short draft in a batch", Short("SKU-C"), |oms| {
        let mut short = base();
        short.lines[2].quantity = 11;
        let results = oms.place_orders(&[short])?;
        results.into_iter().next().map_or(Ok(()), done)
    });
    t.row("place_orders: short draft after a bad one", Short("SKU-C"), |oms| {
        let mut short = base();
        short.lines[2].quantity = 11;
        let results = oms.place_orders(&[OrderDraft::new(Channel::Web, Currency::USD), short])?;
        results.into_iter().nth(1).map_or(Ok(()), done)
    });
    t.place("place_order: SKU never stocked", Short("SKU-NONE"), |d| {
        d.lines[1].sku = "SKU-NONE".into();
    });
    t.place("precedence: bad quantity beats short stock", v("lines[1].quantity"), |d| {
        d.lines[0].quantity = MAX_LINE_QUANTITY;
        d.lines[1].quantity = 0;
    });
    t.place(
        "precedence: duplicate external id beats short stock",
        Conflict(Some("external_id")),
        |d| {
            d.external_id = Some("web-1001".into());
            d.lines[0].quantity = MAX_LINE_QUANTITY;
        },
    );

    // --- JSON drafts that must not deserialize ---
    t.json("unknown currency XYZ", |v| v["currency"] = json!("XYZ"));
    t.json("currency as a number", |v| v["currency"] = json!(840));
    t.json("float channel", |v| v["channel"] = json!(1.5));
    t.json("integer channel", |v| v["channel"] = json!(7));
    t.json("channel \"Big Shop\"", |v| v["channel"] = json!("Big Shop"));
    t.json("missing lines", |v| drop(v.as_object_mut().map(|o| o.remove("lines"))));
    t.json("missing customer", |v| drop(v.as_object_mut().map(|o| o.remove("customer"))));
    t.json("missing currency", |v| drop(v.as_object_mut().map(|o| o.remove("currency"))));
    t.json("lines as an object", |v| v["lines"] = json!({}));
    t.json("quantity beyond i64", |v| {
        v["lines"][0]["quantity"] = json!(9_223_372_036_854_775_808_u64)
    });
    t.json("float quantity", |v| v["lines"][0]["quantity"] = json!(1.5));
    t.json("unit_price not a number", |v| v["lines"][0]["unit_price"] = json!("ten"));
    t.json("unknown discount kind", |v| v["lines"][1]["discount"] = json!({"bogus": "1"}));
    t.json("customer without a name", |v| v["customer"] = json!({"id": "c-1"}));

    // --- add_location ---
    t.row("add_location: empty code", v("code"), |oms| done(oms.add_location("", "X", 1)));
    t.row("add_location: code with a space", v("code"), |oms| {
        done(oms.add_location("WH 3", "X", 1))
    });
    t.row("add_location: code with NUL", v("code"), |oms| {
        done(oms.add_location("WH\u{0}3", "X", 1))
    });
    t.row("add_location: code of 129 chars", v("code"), |oms| {
        done(oms.add_location(&long(129), "X", 1))
    });
    t.row("add_location: empty name", v("name"), |oms| done(oms.add_location("WH-3", "", 1)));
    t.row("add_location: blank name", v("name"), |oms| done(oms.add_location("WH-3", "  ", 1)));
    t.row("add_location: name with BEL", v("name"), |oms| {
        done(oms.add_location("WH-3", "East\u{7}", 1))
    });
    t.row("add_location: existing code", Conflict(Some("code")), |oms| {
        done(oms.add_location("WH-1", "Again", 1))
    });

    // --- receive_stock ---
    for quantity in [0, -5, MAX_STOCK_QUANTITY + 1, i64::MIN, i64::MAX] {
        t.row(&format!("receive_stock: quantity {quantity}"), v("quantity"), move |oms| {
            done(oms.receive_stock("SKU-A", "WH-1", quantity, "PO-9"))
        });
    }
    t.row("receive_stock: empty sku", v("sku"), |oms| {
        done(oms.receive_stock("", "WH-1", 1, "PO-9"))
    });
    t.row("receive_stock: sku with a space", v("sku"), |oms| {
        done(oms.receive_stock("SKU A", "WH-1", 1, "PO-9"))
    });
    t.row("receive_stock: empty reference", v("reference"), |oms| {
        done(oms.receive_stock("SKU-A", "WH-1", 1, ""))
    });
    t.row("receive_stock: reference of 1001 chars", v("reference"), |oms| {
        done(oms.receive_stock("SKU-A", "WH-1", 1, &long(MAX_TEXT_LEN + 1)))
    });
    t.row("receive_stock: blank reference", v("reference"), |oms| {
        done(oms.receive_stock("SKU-A", "WH-1", 1, " "))
    });
    t.row("receive_stock: unknown location", NotFound("location"), |oms| {
        done(oms.receive_stock("SKU-NEW", "WH-404", 1, "PO-9"))
    });

    // --- adjust_stock ---
    t.row("adjust_stock: delta 0", v("delta"), |oms| {
        done(oms.adjust_stock("SKU-A", "WH-1", 0, "count"))
    });
    t.row("adjust_stock: delta above the maximum", v("delta"), |oms| {
        done(oms.adjust_stock("SKU-A", "WH-1", MAX_STOCK_QUANTITY + 1, "count"))
    });
    t.row("adjust_stock: delta i64::MIN", v("delta"), |oms| {
        done(oms.adjust_stock("SKU-A", "WH-1", i64::MIN, "count"))
    });
    t.row("adjust_stock: reason of 1001 chars", v("reason"), |oms| {
        done(oms.adjust_stock("SKU-A", "WH-1", 1, &long(MAX_TEXT_LEN + 1)))
    });
    t.row("adjust_stock: empty reason", v("reason"), |oms| {
        done(oms.adjust_stock("SKU-A", "WH-1", -1, ""))
    });
    t.row("adjust_stock: empty sku", v("sku"), |oms| {
        done(oms.adjust_stock("", "WH-1", -1, "count"))
    });
    t.row("adjust_stock: unknown location", NotFound("location"), |oms| {
        done(oms.adjust_stock("SKU-A", "WH-404", 5, "count"))
    });
    t.row("adjust_stock: loss below reserved", Short("SKU-A"), |oms| {
        done(oms.adjust_stock("SKU-A", "WH-1", -9, "shrinkage"))
    });
    t.row("adjust_stock: loss below zero", Short("SKU-C"), |oms| {
        done(oms.adjust_stock("SKU-C", "WH-2", -11, "shrinkage"))
    });

    // --- other inventory lookups ---
    t.row("set_location_active: unknown location", NotFound("location"), |oms| {
        done(oms.set_location_active("WH-404", false))
    });
    t.row("stock_level: unknown location", NotFound("location"), |oms| {
        done(oms.stock_level("SKU-A", "WH-404"))
    });

    // --- unknown order, for every order use case ---
    t.row("parse order id \"not-a-uuid\"", v("order_id"), |_| {
        done("not-a-uuid".parse::<OrderId>())
    });
    t.row("order: unknown order", NotFound("order"), move |oms| done(oms.order(unknown)));
    t.row("reservations: unknown order", NotFound("order"), move |oms| {
        done(oms.reservations(unknown))
    });
    t.row("edit_order: unknown order", NotFound("order"), move |oms| {
        done(oms.edit_order(unknown, &[OrderEdit::SetQuantity { line_id: 1, quantity: 1 }]))
    });
    t.row("hold_order: unknown order", NotFound("order"), move |oms| {
        done(oms.hold_order(unknown, "check"))
    });
    t.row("release_hold: unknown order", NotFound("order"), move |oms| {
        done(oms.release_hold(unknown))
    });
    t.row("cancel_order: unknown order", NotFound("order"), move |oms| {
        done(oms.cancel_order(unknown, "customer asked"))
    });
    t.row("cancel_lines: unknown order", NotFound("order"), move |oms| {
        done(oms.cancel_lines(unknown, &[LineCancel { line_id: 1, quantity: None }], "oos"))
    });
    t.row("record_payment: unknown order", NotFound("order"), move |oms| {
        done(oms.record_payment(unknown, PaymentKind::Capture, dec("1.00"), "ch_1"))
    });

    // --- edit_order ---
    let set = |line_id, quantity| OrderEdit::SetQuantity { line_id, quantity };
    let add = |line: LineDraft| OrderEdit::AddLine { line };
    t.row("edit_order: no edits", v("edits"), move |oms| done(oms.edit_order(live, &[])));
    t.row("edit_order: SetQuantity 0", v("edits[0].quantity"), move |oms| {
        done(oms.edit_order(live, &[set(1, 0)]))
    });
    t.row("edit_order: SetQuantity -1 after a good edit", v("edits[1].quantity"), move |oms| {
        done(oms.edit_order(live, &[set(1, 3), set(1, -1)]))
    });
    t.row("edit_order: SetQuantity 1_000_001", v("edits[0].quantity"), move |oms| {
        done(oms.edit_order(live, &[set(1, MAX_LINE_QUANTITY + 1)]))
    });
    t.row("edit_order: SetQuantity on an unknown line", NotFound("order line"), move |oms| {
        done(oms.edit_order(live, &[set(99, 1)]))
    });
    t.row("edit_order: RemoveLine of an unknown line", NotFound("order line"), move |oms| {
        done(oms.edit_order(live, &[OrderEdit::RemoveLine { line_id: 99 }]))
    });
    t.row("edit_order: AddLine with empty sku", v("edits[0].line.sku"), move |oms| {
        done(oms.edit_order(live, &[add(LineDraft::new("", 1, dec("1")))]))
    });
    t.row("edit_order: AddLine with quantity 0", v("edits[1].line.quantity"), move |oms| {
        done(oms.edit_order(live, &[set(1, 1), add(LineDraft::new("SKU-B", 0, dec("1")))]))
    });
    t.row("edit_order: AddLine with negative price", v("edits[0].line.unit_price"), move |oms| {
        done(oms.edit_order(live, &[add(LineDraft::new("SKU-B", 1, dec("-1")))]))
    });
    t.row("edit_order: AddLine with tax_rate 2", v("edits[0].line.tax_rate"), move |oms| {
        done(oms.edit_order(live, &[add(LineDraft::new("SKU-B", 1, dec("1")).tax_rate(dec("2")))]))
    });
    t.row(
        "edit_order: AddLine discount 0.001 USD",
        v("edits[0].line.discount.amount"),
        move |oms| {
            let line =
                LineDraft::new("SKU-B", 1, dec("1")).discount(Discount::Amount(dec("0.001")));
            done(oms.edit_order(live, &[add(line)]))
        },
    );
    t.row("edit_order: growing past 1000 lines", v("edits"), move |oms| {
        let edits = vec![add(LineDraft::new("SKU-A", 1, dec("1"))); MAX_LINES];
        done(oms.edit_order(live, &edits))
    });
    t.row("edit_order: removing the only line", v("edits"), move |oms| {
        done(oms.edit_order(live, &[OrderEdit::RemoveLine { line_id: 1 }]))
    });
    t.row("edit_order: raising past the stock", Short("SKU-A"), move |oms| {
        done(oms.edit_order(live, &[set(1, 21)]))
    });
    t.row("edit_order: AddLine short of stock", Short("SKU-NONE"), move |oms| {
        done(oms.edit_order(live, &[add(LineDraft::new("SKU-NONE", 1, dec("1")))]))
    });
    t.row("edit_order: cancelled order", InvalidTransition("edit"), move |oms| {
        done(oms.edit_order(cancelled, &[set(1, 1)]))
    });
    t.row(
        "precedence: edit SetQuantity 0 on an unknown order",
        v("edits[0].quantity"),
        move |oms| done(oms.edit_order(unknown, &[set(1, 0)])),
    );
    t.row(
        "precedence: edit SetQuantity 0 on a cancelled order",
        v("edits[0].quantity"),
        move |oms| done(oms.edit_order(cancelled, &[set(1, 0)])),
    );

    // --- hold_order, release_hold, cancel_order ---
    t.row("hold_order: empty reason", v("reason"), move |oms| done(oms.hold_order(live, "")));
    t.row("hold_order: blank reason", v("reason"), move |oms| done(oms.hold_order(live, "  \n")));
    t.row("hold_order: reason with NUL", v("reason"), move |oms| {
        done(oms.hold_order(live, "fraud\u{0}"))
    });
    t.row("hold_order: reason of 1001 chars", v("reason"), move |oms| {
        done(oms.hold_order(live, &long(MAX_TEXT_LEN + 1)))
    });
    t.row("hold_order: cancelled order", InvalidTransition("hold"), move |oms| {
        done(oms.hold_order(cancelled, "check"))
    });
    t.row("precedence: empty hold reason on an unknown order", v("reason"), move |oms| {
        done(oms.hold_order(unknown, ""))
    });
    t.row("release_hold: order not on hold", InvalidTransition("release_hold"), move |oms| {
        done(oms.release_hold(live))
    });
    t.row("release_hold: cancelled order", InvalidTransition("release_hold"), move |oms| {
        done(oms.release_hold(cancelled))
    });
    t.row("cancel_order: empty reason", v("reason"), move |oms| done(oms.cancel_order(live, "")));
    t.row("cancel_order: reason with ESC", v("reason"), move |oms| {
        done(oms.cancel_order(live, "\u{1b}[31m"))
    });
    t.row("cancel_order: already cancelled", InvalidTransition("cancel"), move |oms| {
        done(oms.cancel_order(cancelled, "again"))
    });
    t.row("precedence: empty cancel reason on a cancelled order", v("reason"), move |oms| {
        done(oms.cancel_order(cancelled, ""))
    });

    // --- cancel_lines ---
    let cancel = |line_id, quantity| LineCancel { line_id, quantity };
    t.row("cancel_lines: empty reason", v("reason"), move |oms| {
        done(oms.cancel_lines(live, &[cancel(1, Some(1))], ""))
    });
    t.row("cancel_lines: blank reason", v("reason"), move |oms| {
        done(oms.cancel_lines(live, &[cancel(1, None)], " \t "))
    });
    t.row("cancel_lines: no lines", v("lines"), move |oms| {
        done(oms.cancel_lines(live, &[], "oos"))
    });
    t.row("cancel_lines: unknown line", NotFound("order line"), move |oms| {
        done(oms.cancel_lines(live, &[cancel(99, None)], "oos"))
    });
    t.row("cancel_lines: quantity 0", v("lines[0].quantity"), move |oms| {
        done(oms.cancel_lines(live, &[cancel(1, Some(0))], "oos"))
    });
    t.row("cancel_lines: quantity -1", v("lines[0].quantity"), move |oms| {
        done(oms.cancel_lines(live, &[cancel(1, Some(-1))], "oos"))
    });
    t.row("cancel_lines: more than remain", v("lines[0].quantity"), move |oms| {
        done(oms.cancel_lines(live, &[cancel(1, Some(3))], "oos"))
    });
    t.row("cancel_lines: quantity i64::MAX", v("lines[0].quantity"), move |oms| {
        done(oms.cancel_lines(live, &[cancel(1, Some(i64::MAX))], "oos"))
    });
    t.row("cancel_lines: line listed twice", v("lines[1].line_id"), move |oms| {
        done(oms.cancel_lines(live, &[cancel(1, Some(1)), cancel(1, Some(1))], "oos"))
    });
    t.row("cancel_lines: cancelled order", InvalidTransition("cancel_lines"), move |oms| {
        done(oms.cancel_lines(cancelled, &[cancel(1, None)], "oos"))
    });
    t.row(
        "precedence: cancel_lines quantity 0 on an unknown order",
        v("lines[0].quantity"),
        move |oms| done(oms.cancel_lines(unknown, &[cancel(1, Some(0))], "oos")),
    );

    // --- record_payment ---
    let pay = move |oms: &Oms<S>, amount: &str, reference: &str| {
        done(oms.record_payment(live, PaymentKind::Authorization, dec(amount), reference))
    };
    t.row("record_payment: amount 0", v("amount"), move |oms| pay(oms, "0", "auth_1"));
    t.row("record_payment: amount 0.00", v("amount"), move |oms| pay(oms, "0.00", "auth_1"));
    t.row("record_payment: negative amount", v("amount"), move |oms| pay(oms, "-5.00", "auth_1"));
    t.row("record_payment: amount 0.001 USD", v("amount"), move |oms| pay(oms, "0.001", "auth_1"));
    t.row(
        "record_payment: reference reused with another amount",
        Conflict(Some("reference")),
        move |oms| pay(oms, "6.00", "auth_0"),
    );
    t.row("record_payment: more than outstanding", v("amount"), move |oms| {
        pay(oms, "15.01", "auth_1")
    });
    t.row("record_payment: more than the total", v("amount"), move |oms| {
        pay(oms, "20.01", "auth_1")
    });
    t.row("record_payment: empty reference", v("reference"), move |oms| pay(oms, "5.00", ""));
    t.row("record_payment: reference with a space", v("reference"), move |oms| {
        pay(oms, "5.00", "auth 1")
    });
    t.row("record_payment: reference of 129 chars", v("reference"), move |oms| {
        pay(oms, "5.00", &long(129))
    });
    t.row("record_payment: capture more than the total", v("amount"), move |oms| {
        done(oms.record_payment(live, PaymentKind::Capture, dec("100"), "cap_1"))
    });
    t.row("record_payment: cancelled order", InvalidTransition("record_payment"), move |oms| {
        done(oms.record_payment(cancelled, PaymentKind::Capture, dec("1.00"), "cap_1"))
    });
    t.row("precedence: zero payment on an unknown order", v("amount"), move |oms| {
        done(oms.record_payment(unknown, PaymentKind::Capture, dec("0"), "cap_1"))
    });

    t.rows
}

// ---------------------------------------------------------------------------
// The fulfilment rows
// ---------------------------------------------------------------------------

/// The fulfilment orders the fulfilment rows work on, made before the snapshot.
#[derive(Debug, Clone)]
struct Shipping {
    /// Ready at WH-1: line 1, 2 × SKU-F (its order's line 2 ships from WH-2).
    ready: FulfillmentId,
    /// Ready at WH-2, of the same order: line 2, 1 × SKU-G.
    ready_elsewhere: FulfillmentId,
    /// Being picked at WH-1: line 1, 2 × SKU-F, and line 2, 1 × SKU-F.
    picking: FulfillmentId,
    /// Picked at WH-1: line 1, 3 × SKU-F (its order has one line).
    picked: FulfillmentId,
    /// Packed at WH-1, one unit of SKU-F in a 1 kg package.
    packed: FulfillmentId,
    /// Packed, of an order without a shipping address.
    homeless: FulfillmentId,
    /// Shipped by ground, with one tracking event, thresholds and a reading.
    shipped: FulfillmentId,
    /// The shipped one's order (now `shipped`).
    shipped_order: OrderId,
    /// The shipped one's tracking number.
    tracking_number: String,
    /// The tracking event it has.
    recorded: TrackingUpdate,
    /// Cancelled before shipment.
    cancelled: FulfillmentId,
    /// An id no fulfilment order has.
    unknown: FulfillmentId,
}

/// Receives [`FULFILMENT_RECEIPTS`], registers the standard carrier and
/// makes the fulfilment orders of [`Shipping`].
fn fulfillment_setup<S: Store>(oms: &Oms<S>) -> Shipping {
    oms.register_carrier(Arc::new(standard_carrier()));
    for (sku, location, units) in FULFILMENT_RECEIPTS {
        oms.receive_stock(sku, location, *units, "PO-F").expect("receive");
    }
    let fulfil = |d: &OrderDraft| {
        let order = oms.place_order(d).expect("place");
        oms.fulfil(order.id).expect("fulfil")
    };
    let all = |f: &omskit_core::FulfillmentOrder| -> Vec<PickedLine> {
        f.lines.iter().map(|l| PickedLine { line_id: l.line_id, quantity: l.quantity }).collect()
    };
    let one_box = |f: &omskit_core::FulfillmentOrder| Package {
        id: "BOX-1".into(),
        parcel: Parcel {
            weight_kg: dec("1"),
            length_cm: dec("20"),
            width_cm: dec("15"),
            height_cm: dec("10"),
        },
        lines: f
            .lines
            .iter()
            .map(|l| PackageLine { line_id: l.line_id, quantity: l.quantity })
            .collect(),
    };
    let pack = |f: &omskit_core::FulfillmentOrder| {
        oms.create_pick_list(&f.location, &[f.id]).expect("pick list");
        let f = oms.confirm_pick(f.id, &all(f)).expect("confirm");
        oms.pack(f.id, &[one_box(&f)]).expect("pack")
    };

    let split = fulfil(&draft(&[("SKU-F", 2), ("SKU-G", 1)]));
    let (ready, ready_elsewhere) = (split[0].clone(), split[1].clone());
    assert_eq!((ready.location.as_str(), ready_elsewhere.location.as_str()), ("WH-1", "WH-2"));
    let picking = fulfil(&draft(&[("SKU-F", 2), ("SKU-F", 1)])).remove(0);
    oms.create_pick_list("WH-1", &[picking.id]).expect("pick list");
    let picked = fulfil(&draft(&[("SKU-F", 3)])).remove(0);
    oms.create_pick_list("WH-1", &[picked.id]).expect("pick list");
    oms.confirm_pick(picked.id, &all(&picked)).expect("confirm");
    let packed = pack(&fulfil(&draft(&[("SKU-F", 1)])).remove(0));
    let mut no_address = draft(&[("SKU-F", 1)]);
    no_address.ship_to = None;
    let homeless = pack(&fulfil(&no_address).remove(0));
    let shipped = pack(&fulfil(&draft(&[("SKU-F", 1)])).remove(0));
    let shipped = oms.ship(shipped.id, "table-rate", "ground").expect("ship");
    let tracking_number = shipped.shipment.as_ref().expect("shipment").tracking_number.clone();
    let recorded = TrackingUpdate::new(
        "evt-1",
        TrackingEventKind::InTransit,
        "2026-01-02T08:00:00Z".parse().expect("time"),
    );
    oms.record_tracking_event(&tracking_number, &recorded).expect("tracking event");
    let limits = ConditionThresholds {
        min_temperature_c: Some(dec("2")),
        max_temperature_c: Some(dec("8")),
        max_shock_g: None,
    };
    oms.set_condition_thresholds(&tracking_number, &limits).expect("thresholds");
    let reading = ConditionReading {
        kind: ConditionKind::Temperature,
        value: dec("4"),
        at: "2026-01-02T09:00:00Z".parse().expect("time"),
        sensor: Some("probe-1".into()),
    };
    oms.record_condition_reading(&tracking_number, &reading).expect("reading");
    let cancelled = fulfil(&draft(&[("SKU-F", 1)])).remove(0);
    oms.cancel_fulfillment(cancelled.id, "set-up").expect("cancel");
    oms.set_bin("SKU-F", "WH-1", "A-01").expect("bin");
    Shipping {
        ready: ready.id,
        ready_elsewhere: ready_elsewhere.id,
        picking: picking.id,
        picked: picked.id,
        packed: packed.id,
        homeless: homeless.id,
        shipped: shipped.id,
        shipped_order: shipped.order_id,
        tracking_number,
        recorded,
        cancelled: cancelled.id,
        unknown: FulfillmentId::from_u128(42),
    }
}

/// A 1 kg package holding `(line, units)`.
fn package(id: &str, lines: &[(u32, u32)]) -> Package {
    Package {
        id: id.to_owned(),
        parcel: Parcel {
            weight_kg: dec("1"),
            length_cm: dec("20"),
            width_cm: dec("15"),
            height_cm: dec("10"),
        },
        lines: lines.iter().map(|&(line_id, quantity)| PackageLine { line_id, quantity }).collect(),
    }
}

/// Every bad input of the fulfilment use cases, with its expected error.
#[allow(clippy::too_many_lines)]
fn fulfillment_table<S: Store>(ctx: Ctx, sh: &Shipping) -> Vec<Row<S>> {
    use Expect::{InvalidTransition, NotFound};
    let Ctx { cancelled, unknown, .. } = ctx;
    let Shipping {
        ready,
        ready_elsewhere,
        picking,
        picked,
        packed,
        homeless,
        shipped,
        shipped_order,
        cancelled: cancelled_fo,
        unknown: unknown_fo,
        ..
    } = sh.clone();
    let tn = sh.tracking_number.clone();
    let mut t = Table { rows: Vec::new() };

    // --- bins ---
    t.row("set_bin: empty bin", v("bin"), |oms| done(oms.set_bin("SKU-F", "WH-1", "")));
    t.row("set_bin: blank bin", v("bin"), |oms| done(oms.set_bin("SKU-F", "WH-1", "  ")));
    t.row("set_bin: bin of 65 bytes", v("bin"), |oms| {
        done(oms.set_bin("SKU-F", "WH-1", &long(65)))
    });
    t.row("set_bin: bin with NUL", v("bin"), |oms| done(oms.set_bin("SKU-F", "WH-1", "A\u{0}1")));
    t.row("set_bin: empty sku", v("sku"), |oms| done(oms.set_bin("", "WH-1", "A-01")));
    t.row("set_bin: sku with a space", v("sku"), |oms| done(oms.set_bin("SKU F", "WH-1", "A-01")));
    t.row("set_bin: unknown location", NotFound("location"), |oms| {
        done(oms.set_bin("SKU-F", "WH-404", "A-01"))
    });
    t.row("bin: unknown location", NotFound("location"), |oms| done(oms.bin("SKU-F", "WH-404")));

    // --- fulfil and lookups ---
    t.row("fulfil: unknown order", NotFound("order"), move |oms| done(oms.fulfil(unknown)));
    t.row("fulfil: cancelled order", InvalidTransition("fulfil"), move |oms| {
        done(oms.fulfil(cancelled))
    });
    t.row("fulfil: shipped order", InvalidTransition("fulfil"), move |oms| {
        done(oms.fulfil(shipped_order))
    });
    t.row("fulfillments: unknown order", NotFound("order"), move |oms| {
        done(oms.fulfillments(unknown))
    });
    t.row("fulfillment: unknown id", NotFound("fulfillment order"), move |oms| {
        done(oms.fulfillment(unknown_fo))
    });
    t.row("parse fulfillment id \"FO-1\"", v("fulfillment_id"), |_| {
        done("FO-1".parse::<FulfillmentId>())
    });

    // --- create_pick_list ---
    t.row("create_pick_list: no ids", v("fulfillment_ids"), |oms| {
        done(oms.create_pick_list("WH-1", &[]))
    });
    t.row("create_pick_list: 1001 ids", v("fulfillment_ids"), move |oms| {
        done(oms.create_pick_list("WH-1", &vec![ready; 1001]))
    });
    t.row("create_pick_list: an id twice", v("fulfillment_ids[1]"), move |oms| {
        done(oms.create_pick_list("WH-1", &[ready, ready]))
    });
    t.row("create_pick_list: another location", v("fulfillment_ids[1]"), move |oms| {
        done(oms.create_pick_list("WH-1", &[ready, ready_elsewhere]))
    });
    t.row("create_pick_list: unknown location", NotFound("location"), move |oms| {
        done(oms.create_pick_list("WH-404", &[ready]))
    });
    t.row(
        "create_pick_list: unknown fulfillment order",
        NotFound("fulfillment order"),
        move |oms| done(oms.create_pick_list("WH-1", &[ready, unknown_fo])),
    );
    t.row("create_pick_list: one being picked", InvalidTransition("start_picking"), move |oms| {
        done(oms.create_pick_list("WH-1", &[ready, picking]))
    });
    t.row("create_pick_list: a cancelled one", InvalidTransition("start_picking"), move |oms| {
        done(oms.create_pick_list("WH-1", &[ready, cancelled_fo]))
    });
    t.row("create_pick_list: a shipped one", InvalidTransition("start_picking"), move |oms| {
        done(oms.create_pick_list("WH-1", &[shipped]))
    });
    t.row("precedence: no ids at an unknown location", v("fulfillment_ids"), |oms| {
        done(oms.create_pick_list("WH-404", &[]))
    });

    // --- confirm_pick (picking: line 1 × 2, line 2 × 1) ---
    let p = |line_id, quantity| PickedLine { line_id, quantity };
    t.row("confirm_pick: unknown line", v("picked[2].line_id"), move |oms| {
        done(oms.confirm_pick(picking, &[p(1, 2), p(2, 1), p(9, 1)]))
    });
    t.row("confirm_pick: a line of another order", v("picked[0].line_id"), move |oms| {
        done(oms.confirm_pick(picked, &[p(2, 1), p(1, 3)]))
    });
    t.row("confirm_pick: line listed twice", v("picked[1].line_id"), move |oms| {
        done(oms.confirm_pick(picking, &[p(1, 1), p(1, 1), p(2, 1)]))
    });
    t.row("confirm_pick: more than expected", v("picked[1].quantity"), move |oms| {
        done(oms.confirm_pick(picking, &[p(1, 2), p(2, 2)]))
    });
    t.row("confirm_pick: quantity u32::MAX", v("picked[0].quantity"), move |oms| {
        done(oms.confirm_pick(picking, &[p(1, u32::MAX), p(2, 1)]))
    });
    t.row("confirm_pick: a line left out", v("picked"), move |oms| {
        done(oms.confirm_pick(picking, &[p(1, 2)]))
    });
    t.row("confirm_pick: nothing listed", v("picked"), move |oms| {
        done(oms.confirm_pick(picking, &[]))
    });
    t.row("confirm_pick: not on a pick list", InvalidTransition("confirm_pick"), move |oms| {
        done(oms.confirm_pick(ready, &[p(1, 2)]))
    });
    t.row("confirm_pick: already picked", InvalidTransition("confirm_pick"), move |oms| {
        done(oms.confirm_pick(picked, &[p(1, 3)]))
    });
    t.row("confirm_pick: unknown fulfillment order", NotFound("fulfillment order"), move |oms| {
        done(oms.confirm_pick(unknown_fo, &[p(1, 1)]))
    });

    // --- pack (picked: line 1 × 3) ---
    let pack_with = move |change: PackagesChange| {
        let mut packages = vec![package("BOX-1", &[(1, 3)])];
        change(&mut packages);
        move |oms: &Oms<S>| done(oms.pack(picked, &packages))
    };
    let cases: [(&str, &str, PackagesChange); 15] = [
        ("no packages", "packages", |p| p.clear()),
        ("negative weight", "packages[0].weight_kg", |p| p[0].parcel.weight_kg = dec("-0.5")),
        ("zero weight", "packages[0].weight_kg", |p| p[0].parcel.weight_kg = dec("0")),
        ("length 1000.5 cm", "packages[0].length_cm", |p| p[0].parcel.length_cm = dec("1000.5")),
        ("zero width", "packages[0].width_cm", |p| p[0].parcel.width_cm = dec("0")),
        ("negative height", "packages[0].height_cm", |p| p[0].parcel.height_cm = dec("-1")),
        ("duplicate package ids", "packages[1].id", |p| {
            *p = vec![package("BOX-1", &[(1, 2)]), package("BOX-1", &[(1, 1)])];
        }),
        ("empty package id", "packages[0].id", |p| p[0].id = String::new()),
        ("package id with a tab", "packages[0].id", |p| p[0].id = "BOX\t1".into()),
        ("package id of 201 chars", "packages[0].id", |p| p[0].id = long(201)),
        ("empty package", "packages[1].lines", |p| p.push(package("BOX-2", &[]))),
        ("a line of another order", "packages[0].lines[1].line_id", |p| {
            *p = vec![package("BOX-1", &[(1, 3), (2, 1)])];
        }),
        ("zero units", "packages[0].lines[1].quantity", |p| {
            *p = vec![package("BOX-1", &[(1, 3), (1, 0)])];
        }),
        ("a unit missing", "packages", |p| *p = vec![package("BOX-1", &[(1, 2)])]),
        ("a unit packed twice", "packages", |p| {
            *p = vec![package("BOX-1", &[(1, 3)]), package("BOX-2", &[(1, 1)])];
        }),
    ];
    for (what, field, change) in cases {
        t.row(&format!("pack: {what}"), v(field), pack_with(change));
    }
    t.row("pack: not picked", InvalidTransition("pack"), move |oms| {
        done(oms.pack(ready, &[package("BOX-1", &[(1, 2)])]))
    });
    t.row("pack: already packed", InvalidTransition("pack"), move |oms| {
        done(oms.pack(packed, &[package("BOX-1", &[(1, 1)])]))
    });
    t.row("pack: unknown fulfillment order", NotFound("fulfillment order"), move |oms| {
        done(oms.pack(unknown_fo, &[package("BOX-1", &[(1, 1)])]))
    });
    let package_json = |change: JsonChange| {
        let mut value = json!({"id": "BOX-1", "weight_kg": "1", "length_cm": "20",
                               "width_cm": "15", "height_cm": "10",
                               "lines": [{"line_id": 1, "quantity": 3}]});
        change(&mut value);
        value.to_string()
    };
    let json_cases: [(&str, JsonChange); 4] = [
        ("unknown field", |v| v["colour"] = json!("brown")),
        ("missing weight", |v| drop(v.as_object_mut().map(|o| o.remove("weight_kg")))),
        ("negative line quantity", |v| v["lines"][0]["quantity"] = json!(-1)),
        ("weight not a number", |v| v["weight_kg"] = json!("heavy")),
    ];
    for (what, change) in json_cases {
        let text = package_json(change);
        t.row(&format!("JSON package: {what}"), Expect::Decode, move |_| {
            serde_json::from_str::<Package>(&text)?;
            Ok(())
        });
    }

    // --- quote_shipment, ship, ship_with ---
    let cheapest = RateShopping::Cheapest { deliver_by: None };
    t.row("ship: not packed", InvalidTransition("ship"), move |oms| {
        done(oms.ship(picked, "table-rate", "ground"))
    });
    t.row("ship: already shipped", InvalidTransition("ship"), move |oms| {
        done(oms.ship(shipped, "table-rate", "ground"))
    });
    t.row("ship: cancelled", InvalidTransition("ship"), move |oms| {
        done(oms.ship(cancelled_fo, "table-rate", "ground"))
    });
    t.row("ship: unknown carrier", NotFound("carrier"), move |oms| {
        done(oms.ship(packed, "ups", "ground"))
    });
    t.row("ship: unknown service", NotFound("carrier service"), move |oms| {
        done(oms.ship(packed, "table-rate", "overnight"))
    });
    t.row("ship: order without ship_to", v("ship_to"), move |oms| {
        done(oms.ship(homeless, "table-rate", "ground"))
    });
    t.row("ship: unknown fulfillment order", NotFound("fulfillment order"), move |oms| {
        done(oms.ship(unknown_fo, "table-rate", "ground"))
    });
    t.row("ship_with: order without ship_to", v("ship_to"), move |oms| {
        done(oms.ship_with(homeless, &RateShopping::Cheapest { deliver_by: None }))
    });
    t.row("ship_with: not packed", InvalidTransition("ship"), move |oms| {
        done(oms.ship_with(picked, &cheapest))
    });
    t.row("ship_with: nothing delivers in time", v("deliver_by"), move |oms| {
        let by = "2026-01-01T12:00:00Z".parse().expect("time");
        done(oms.ship_with(packed, &RateShopping::Cheapest { deliver_by: Some(by) }))
    });
    t.row("ship_with: nothing within budget", v("budget"), move |oms| {
        done(oms.ship_with(packed, &RateShopping::Fastest { budget: Some(dec("4.99")) }))
    });
    t.row("ship_with: negative budget", v("budget"), move |oms| {
        done(oms.ship_with(packed, &RateShopping::Fastest { budget: Some(dec("-0.01")) }))
    });
    t.row("quote_shipment: order without ship_to", v("ship_to"), move |oms| {
        done(oms.quote_shipment(homeless))
    });
    t.row("quote_shipment: not packed", InvalidTransition("ship"), move |oms| {
        done(oms.quote_shipment(ready))
    });
    for (what, text) in [
        ("unknown rule", r#"{"rule": "slowest"}"#),
        ("no rule", r#"{"budget": "5.00"}"#),
        ("unknown field", r#"{"rule": "cheapest", "deliver_by": null, "carrier": "ups"}"#),
        ("budget not a number", r#"{"rule": "fastest", "budget": "cheap"}"#),
        ("deliver_by not a time", r#"{"rule": "cheapest", "deliver_by": "friday"}"#),
    ] {
        t.row(&format!("JSON rate shopping: {what}"), Expect::Decode, move |_| {
            serde_json::from_str::<RateShopping>(text)?;
            Ok(())
        });
    }

    // --- record_tracking_event, confirm_delivery, tracking_events ---
    let when = || "2026-01-03T08:00:00Z".parse().expect("time");
    let update = move |id: &str, kind| TrackingUpdate::new(id, kind, when());
    let in_transit = move |id: &str| update(id, TrackingEventKind::InTransit);
    let track_rows: Vec<(&str, &str, String, TrackingUpdate)> = vec![
        ("empty tracking number", "tracking_number", String::new(), in_transit("e-9")),
        ("blank tracking number", "tracking_number", "   ".into(), in_transit("e-9")),
        ("tracking number with NUL", "tracking_number", format!("{tn}\u{0}"), in_transit("e-9")),
        ("tracking number of 201 chars", "tracking_number", long(201), in_transit("e-9")),
        ("empty carrier event id", "carrier_event_id", tn.clone(), in_transit("")),
        ("blank carrier event id", "carrier_event_id", tn.clone(), in_transit("  ")),
        ("carrier event id with ESC", "carrier_event_id", tn.clone(), in_transit("e\u{1b}9")),
        ("carrier event id of 201 chars", "carrier_event_id", tn.clone(), in_transit(&long(201))),
        (
            "location with NUL",
            "location",
            tn.clone(),
            TrackingUpdate { location: Some("Memphis\u{0}".into()), ..in_transit("e-9") },
        ),
        (
            "description of 201 chars",
            "description",
            tn.clone(),
            TrackingUpdate { description: Some(long(201)), ..in_transit("e-9") },
        ),
        (
            "proof on an in-transit event",
            "proof",
            tn.clone(),
            TrackingUpdate { proof: Some(DeliveryProof::default()), ..in_transit("e-9") },
        ),
        (
            "proof signed_by of 201 chars",
            "proof.signed_by",
            tn.clone(),
            TrackingUpdate {
                proof: Some(DeliveryProof {
                    signed_by: Some(long(201)),
                    ..DeliveryProof::default()
                }),
                ..update("e-9", TrackingEventKind::Delivered)
            },
        ),
        (
            "proof photo_reference with BEL",
            "proof.photo_reference",
            tn.clone(),
            TrackingUpdate {
                proof: Some(DeliveryProof {
                    photo_reference: Some("p\u{7}".into()),
                    ..DeliveryProof::default()
                }),
                ..update("e-9", TrackingEventKind::Delivered)
            },
        ),
        ("empty tracking number and event id", "tracking_number", String::new(), in_transit("")),
    ];
    for (what, field, number, u) in track_rows {
        t.row(&format!("record_tracking_event: {what}"), v(field), move |oms| {
            done(oms.record_tracking_event(&number, &u))
        });
    }
    t.row("record_tracking_event: unknown tracking number", NotFound("shipment"), move |oms| {
        done(oms.record_tracking_event("TR-NOPE-1", &in_transit("e-9")))
    });
    t.row("confirm_delivery: unknown tracking number", NotFound("shipment"), move |oms| {
        done(oms.confirm_delivery("TR-NOPE-1", &DeliveryProof::default(), when()))
    });
    let number = tn.clone();
    t.row("confirm_delivery: proof location of 201 chars", v("proof.location"), move |oms| {
        let proof = DeliveryProof { location: Some(long(201)), ..DeliveryProof::default() };
        done(oms.confirm_delivery(&number, &proof, when()))
    });
    t.row("tracking_events: unknown tracking number", NotFound("shipment"), |oms| {
        done(oms.tracking_events("TR-NOPE-1"))
    });
    t.row("tracking_events: empty tracking number", v("tracking_number"), |oms| {
        done(oms.tracking_events(""))
    });
    let tracking_json = |change: JsonChange| {
        let mut value = json!({"carrier_event_id": "e-1", "kind": "in_transit",
                               "occurred_at": "2026-01-03T08:00:00Z"});
        change(&mut value);
        value.to_string()
    };
    let json_cases: [(&str, JsonChange); 4] = [
        ("unknown kind", |v| v["kind"] = json!("teleported")),
        ("unknown field", |v| v["status"] = json!("ok")),
        ("missing occurred_at", |v| drop(v.as_object_mut().map(|o| o.remove("occurred_at")))),
        ("occurred_at not a time", |v| v["occurred_at"] = json!("yesterday")),
    ];
    for (what, change) in json_cases {
        let text = tracking_json(change);
        t.row(&format!("JSON tracking update: {what}"), Expect::Decode, move |_| {
            serde_json::from_str::<TrackingUpdate>(&text)?;
            Ok(())
        });
    }

    // --- condition thresholds and readings ---
    let number = tn.clone();
    t.row("set_condition_thresholds: max below min", v("max_temperature_c"), move |oms| {
        let limits = ConditionThresholds {
            min_temperature_c: Some(dec("8")),
            max_temperature_c: Some(dec("2")),
            max_shock_g: None,
        };
        done(oms.set_condition_thresholds(&number, &limits))
    });
    let number = tn.clone();
    t.row("set_condition_thresholds: negative max shock", v("max_shock_g"), move |oms| {
        let limits = ConditionThresholds { max_shock_g: Some(dec("-1")), ..Default::default() };
        done(oms.set_condition_thresholds(&number, &limits))
    });
    t.row("set_condition_thresholds: unknown tracking number", NotFound("shipment"), |oms| {
        done(oms.set_condition_thresholds("TR-NOPE-1", &ConditionThresholds::default()))
    });
    let reading = move |kind, value: &str, sensor: Option<String>| ConditionReading {
        kind,
        value: dec(value),
        at: when(),
        sensor,
    };
    let number = tn.clone();
    t.row("record_condition_reading: negative shock", v("value"), move |oms| {
        done(oms.record_condition_reading(&number, &reading(ConditionKind::Shock, "-0.1", None)))
    });
    let number = tn.clone();
    t.row("record_condition_reading: sensor with NUL", v("sensor"), move |oms| {
        let r = reading(ConditionKind::Temperature, "4", Some("probe\u{0}".into()));
        done(oms.record_condition_reading(&number, &r))
    });
    let number = tn.clone();
    t.row("record_condition_reading: sensor of 201 chars", v("sensor"), move |oms| {
        let r = reading(ConditionKind::Temperature, "4", Some(long(201)));
        done(oms.record_condition_reading(&number, &r))
    });
    t.row("record_condition_reading: unknown tracking number", NotFound("shipment"), move |oms| {
        done(
            oms.record_condition_reading(
                "TR-NOPE-1",
                &reading(ConditionKind::Temperature, "4", None),
            ),
        )
    });
    t.row("condition_readings: unknown tracking number", NotFound("shipment"), |oms| {
        done(oms.condition_readings("TR-NOPE-1"))
    });

    // --- holds and cancellation of fulfilment orders ---
    t.row("hold_fulfillment: empty reason", v("reason"), move |oms| {
        done(oms.hold_fulfillment(ready, ""))
    });
    t.row("hold_fulfillment: reason with NUL", v("reason"), move |oms| {
        done(oms.hold_fulfillment(ready, "wait\u{0}"))
    });
    t.row("hold_fulfillment: reason of 1001 chars", v("reason"), move |oms| {
        done(oms.hold_fulfillment(ready, &long(MAX_TEXT_LEN + 1)))
    });
    t.row("hold_fulfillment: shipped", InvalidTransition("hold"), move |oms| {
        done(oms.hold_fulfillment(shipped, "too late"))
    });
    t.row("hold_fulfillment: cancelled", InvalidTransition("hold"), move |oms| {
        done(oms.hold_fulfillment(cancelled_fo, "too late"))
    });
    t.row("hold_fulfillment: unknown", NotFound("fulfillment order"), move |oms| {
        done(oms.hold_fulfillment(unknown_fo, "wait"))
    });
    t.row("precedence: empty hold reason on an unknown one", v("reason"), move |oms| {
        done(oms.hold_fulfillment(unknown_fo, ""))
    });
    t.row("release_fulfillment: not on hold", InvalidTransition("release"), move |oms| {
        done(oms.release_fulfillment(ready))
    });
    t.row("release_fulfillment: unknown", NotFound("fulfillment order"), move |oms| {
        done(oms.release_fulfillment(unknown_fo))
    });
    t.row("cancel_fulfillment: empty reason", v("reason"), move |oms| {
        done(oms.cancel_fulfillment(ready, ""))
    });
    t.row("cancel_fulfillment: shipped", InvalidTransition("cancel"), move |oms| {
        done(oms.cancel_fulfillment(shipped, "too late"))
    });
    t.row("cancel_fulfillment: already cancelled", InvalidTransition("cancel"), move |oms| {
        done(oms.cancel_fulfillment(cancelled_fo, "again"))
    });
    t.row("cancel_fulfillment: unknown", NotFound("fulfillment order"), move |oms| {
        done(oms.cancel_fulfillment(unknown_fo, "gone"))
    });

    // --- order use cases once units shipped ---
    t.row("cancel_order: shipped order", InvalidTransition("cancel"), move |oms| {
        done(oms.cancel_order(shipped_order, "too late"))
    });
    t.row("cancel_lines: shipped order", InvalidTransition("cancel_lines"), move |oms| {
        done(oms.cancel_lines(shipped_order, &[LineCancel { line_id: 1, quantity: None }], "x"))
    });
    t.row("edit_order: shipped order", InvalidTransition("edit"), move |oms| {
        done(oms.edit_order(shipped_order, &[OrderEdit::SetQuantity { line_id: 1, quantity: 2 }]))
    });
    t.row("hold_order: shipped order", InvalidTransition("hold"), move |oms| {
        done(oms.hold_order(shipped_order, "late review"))
    });

    t.rows
}

// ---------------------------------------------------------------------------
// Running the table
// ---------------------------------------------------------------------------

/// Everything a store holds that a use case could change.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    /// Every order, by id.
    orders: Vec<Order>,
    /// Every reservation of every order (active and released), per order.
    order_reservations: Vec<Vec<Reservation>>,
    /// Every stock level, by (sku, location).
    stock: Vec<StockLevel>,
    /// Every active reservation, by id.
    active_reservations: Vec<Reservation>,
    /// The whole event log.
    events: Vec<EventRecord>,
    /// Every location.
    locations: Vec<Location>,
    /// The ledger of every SKU the table mentions, stocked or not.
    movements: Vec<(String, Vec<StockMovement>)>,
    /// Fulfilment orders, tracking events, condition readings and bins.
    fulfillment: FulfillmentState,
}

/// Reads a [`Snapshot`] of the engine's store.
fn snapshot<S: Store>(oms: &Oms<S>) -> Snapshot {
    let orders = oms.orders(None, 10_000).expect("list orders");
    let mut tx = oms.store().begin(TxMode::Read).expect("read transaction");
    let order_reservations = orders
        .iter()
        .map(|o| tx.reservations_for_order(o.id).expect("reservations of an order"))
        .collect();
    let mut stock = tx.all_stock_levels().expect("stock levels");
    stock.sort_by(|a, b| (&a.sku, &a.location).cmp(&(&b.sku, &b.location)));
    let mut active_reservations = tx.active_reservations().expect("active reservations");
    active_reservations.sort_by_key(|r| r.id);
    drop(tx);
    let skus = RECEIPTS
        .iter()
        .chain(FULFILMENT_RECEIPTS)
        .map(|(sku, _, _)| *sku)
        .chain(UNSTOCKED.iter().copied());
    let movements = skus
        .map(|sku| (sku.to_owned(), oms.stock_movements(sku, None).expect("stock movements")))
        .collect();
    let fulfillment = fulfillment_state(oms, &orders);
    Snapshot {
        fulfillment,
        orders,
        order_reservations,
        stock,
        active_reservations,
        events: oms.events_since(0, 100_000).expect("events"),
        locations: oms.locations().expect("locations"),
        movements,
    }
}

/// What differs between two snapshots, described briefly.
fn differences(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    let count = |what: &str, a: usize, b: usize, same: bool, out: &mut Vec<String>| {
        if !same {
            out.push(format!("{what} changed ({a} -> {b})"));
        }
    };
    count(
        "orders",
        before.orders.len(),
        after.orders.len(),
        before.orders == after.orders,
        &mut out,
    );
    count(
        "order reservations",
        before.order_reservations.len(),
        after.order_reservations.len(),
        before.order_reservations == after.order_reservations,
        &mut out,
    );
    count(
        "stock levels",
        before.stock.len(),
        after.stock.len(),
        before.stock == after.stock,
        &mut out,
    );
    count(
        "active reservations",
        before.active_reservations.len(),
        after.active_reservations.len(),
        before.active_reservations == after.active_reservations,
        &mut out,
    );
    count(
        "locations",
        before.locations.len(),
        after.locations.len(),
        before.locations == after.locations,
        &mut out,
    );
    let ledger = |s: &Snapshot| s.movements.iter().map(|(_, m)| m.len()).sum::<usize>();
    count(
        "stock ledger",
        ledger(before),
        ledger(after),
        before.movements == after.movements,
        &mut out,
    );
    out.extend(before.fulfillment.differences(&after.fulfillment));
    if before.events != after.events {
        let new: Vec<&str> =
            after.events.iter().skip(before.events.len()).map(|e| e.kind.as_str()).collect();
        out.push(format!(
            "events changed ({} -> {}; new: {})",
            before.events.len(),
            after.events.len(),
            new.join(", ")
        ));
    }
    out
}

/// Checks a row's outcome against its expectation, including that the
/// error's message mentions the field (or id, action, SKU) it is about.
fn check(expect: &Expect, outcome: &Outcome) -> Result<(), String> {
    let Err(failure) = outcome else {
        return Err(format!("expected {expect:?}, but the call succeeded"));
    };
    let error = match (expect, failure) {
        (Expect::Decode, Failure::Decode(_)) => return Ok(()),
        (_, Failure::Engine(error)) => error,
        (_, other) => return Err(format!("expected {expect:?}, got {other}")),
    };
    let text = error.to_string();
    let (matches, mention): (bool, String) = match (expect, error) {
        (Expect::Validation(want), Error::Validation { field, .. }) => {
            (field == want, want.to_string())
        }
        (Expect::NotFound(want), Error::NotFound { entity, id }) => (entity == want, id.clone()),
        (Expect::InvalidTransition(want), Error::InvalidTransition { action, .. }) => {
            (action == want, (*want).to_owned())
        }
        (Expect::Conflict(want), Error::Conflict { field, .. }) => {
            (field.as_deref() == *want, String::new())
        }
        (Expect::InsufficientStock(want), Error::InsufficientStock { sku, shortages, .. }) => {
            let listed = shortages.first().is_some_and(|s| s.sku == *sku);
            (sku == want && listed, (*want).to_owned())
        }
        (Expect::Overflow, Error::Overflow { .. }) => (true, String::new()),
        _ => (false, String::new()),
    };
    if !matches {
        return Err(format!("expected {expect:?}, got {error:?}"));
    }
    if !text.contains(&mention) {
        return Err(format!("message {text:?} does not mention {mention:?}"));
    }
    Ok(())
}

/// The text of a caught panic.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-text panic".to_owned())
}

/// Builds the engine, runs the table and the engine-level positive checks;
/// returns every failure.
fn rejects_bad_input<S: Store>(factory: Factory<'_, S>) -> Vec<String> {
    let oms = deterministic(factory());
    stock(&oms, &[("WH-1", 1), ("WH-2", 2)], RECEIPTS);
    let live = oms.place_order(&live_draft()).expect("place the live order");
    assert_eq!(live.lines.len(), 1);
    assert_eq!(live.lines[0].id, 1);
    assert_eq!(live.totals.grand_total, dec("20.00"));
    let cancelled = oms.place_order(&draft(&[("SKU-B", 1)])).expect("place the second order");
    oms.cancel_order(cancelled.id, "set-up").expect("cancel the second order");
    let live = oms
        .record_payment(live.id, PaymentKind::Authorization, dec("5.00"), "auth_0")
        .expect("authorize part of the live order");
    let shipping = fulfillment_setup(&oms);
    crate::assert_invariants(&oms);
    let ctx = Ctx { live: live.id, cancelled: cancelled.id, unknown: OrderId::from_u128(42) };

    let mut failures = Vec::new();
    if let Err(e) = base().validate() {
        failures.push(format!("the base draft every row changes is invalid: {e}"));
    }
    match serde_json::from_value::<OrderDraft>(base_json()) {
        Ok(d) => {
            if let Err(e) = d.validate() {
                failures.push(format!("the base JSON draft is invalid: {e}"));
            }
        }
        Err(e) => failures.push(format!("the base JSON draft does not deserialize: {e}")),
    }

    let before = snapshot(&oms);
    let mut baseline = before.clone();
    let mut rows = table::<S>(ctx);
    rows.extend(fulfillment_table::<S>(ctx, &shipping));
    for row in &rows {
        let outcome = catch_unwind(AssertUnwindSafe(|| (row.call)(&oms)))
            .unwrap_or_else(|payload| Err(Failure::Panic(panic_text(&*payload))));
        if let Err(problem) = check(&row.expect, &outcome) {
            failures.push(format!("{}: {problem}", row.label));
        }
        let now = snapshot(&oms);
        if now != baseline {
            let changes = differences(&baseline, &now).join("; ");
            failures.push(format!("{}: the store changed despite the error: {changes}", row.label));
            // Compare later rows with the changed store, so one leak is reported once.
            baseline = now;
        }
    }

    // A retry with the same idempotency key and content is not an error and changes nothing.
    match oms.place_order(&live_draft()) {
        Ok(again) if again == live => {}
        Ok(again) => failures.push(format!("idempotent retry returned another order: {again:?}")),
        Err(e) => failures.push(format!("idempotent retry failed: {e:?}")),
    }
    if snapshot(&oms) != baseline {
        failures.push("idempotent retry changed the store".to_owned());
    }

    // Recording the same payment again is not an error and changes nothing.
    match oms.record_payment(live.id, PaymentKind::Authorization, dec("5.00"), "auth_0") {
        Ok(again) if again == live => {}
        Ok(again) => failures.push(format!("repeated payment changed the order: {again:?}")),
        Err(e) => failures.push(format!("repeated payment failed: {e:?}")),
    }
    if snapshot(&oms) != baseline {
        failures.push("repeated payment changed the store".to_owned());
    }

    // A tracking event recorded again is not an error and changes nothing.
    match oms.record_tracking_event(&shipping.tracking_number, &shipping.recorded) {
        Ok(out) if !out.recorded && !out.applied => {}
        Ok(out) => failures.push(format!("a repeated tracking event was recorded again: {out:?}")),
        Err(e) => failures.push(format!("a repeated tracking event failed: {e:?}")),
    }
    if snapshot(&oms) != baseline {
        failures.push("a repeated tracking event changed the store".to_owned());
    }

    // Checking delivery promises when nothing is late changes nothing.
    match oms.check_delivery_promises() {
        Ok(marked) if marked.is_empty() => {}
        Ok(marked) => failures.push(format!("{} shipments marked late too early", marked.len())),
        Err(e) => failures.push(format!("check_delivery_promises failed: {e:?}")),
    }
    if snapshot(&oms) != baseline {
        failures.push("checking delivery promises with nothing late changed the store".to_owned());
    }

    // Non-ASCII identifiers are valid.
    let unicode = draft(&[("SKÜ-ü", 2)]).external_id("bestellung-ü").idempotency_key("schlüssel-1");
    match oms.place_order(&unicode) {
        Ok(order) if order.lines[0].sku == "SKÜ-ü" => {
            if oms.available("SKÜ-ü").ok() != Some(3) {
                failures.push("non-ASCII SKU: 2 of 5 units should be reserved".to_owned());
            }
        }
        Ok(order) => failures.push(format!("non-ASCII SKU stored as {:?}", order.lines[0].sku)),
        Err(e) => failures.push(format!("non-ASCII SKU \"SKÜ-ü\" rejected: {e:?}")),
    }

    let problems = crate::invariant_violations(&oms);
    if !problems.is_empty() {
        failures.push(format!("invariants violated: {}", problems.join("; ")));
    }
    failures
}

// ---------------------------------------------------------------------------
// Boundary values that must be accepted
// ---------------------------------------------------------------------------

/// Valid drafts on the edge of every rule must pass validation; returns the
/// ones that do not.
fn accepts_boundary_values() -> Vec<String> {
    let cases: Vec<(&str, DraftChange)> = vec![
        ("non-ASCII sku \"SKÜ-ü\"", Box::new(|d| d.lines[0].sku = "SKÜ-ü".into())),
        ("128-char sku", Box::new(|d| d.lines[0].sku = long(MAX_ID_LEN))),
        ("128 non-ASCII chars sku", Box::new(|d| d.lines[0].sku = "ü".repeat(MAX_ID_LEN))),
        ("128-char external_id", Box::new(|d| d.external_id = Some(long(MAX_ID_LEN)))),
        ("non-ASCII external_id", Box::new(|d| d.external_id = Some("bestellung-ü".into()))),
        ("128-char idempotency_key", Box::new(|d| d.idempotency_key = Some(long(MAX_ID_LEN)))),
        ("Other channel", Box::new(|d| d.channel = Channel::Other("shop-2.eu_x".into()))),
        ("64-char Other channel", Box::new(|d| d.channel = Channel::Other(long(64)))),
        (
            "no e-mail, phone number",
            Box::new(|d| {
                d.customer = Customer {
                    id: "c-1".into(),
                    name: "Ada".into(),
                    email: None,
                    phone: Some("+1 (555) 010-0199".into()),
                };
            }),
        ),
        ("non-ASCII customer name", Box::new(|d| d.customer.name = "Zoë Ñúñez".into())),
        (
            "no addresses",
            Box::new(|d| {
                d.ship_to = None;
                d.bill_to = None;
            }),
        ),
        (
            "bill_to in DE",
            Box::new(|d| {
                d.bill_to = Some(Address { country: "DE".into(), ..address() });
            }),
        ),
        (
            "1000 lines",
            Box::new(|d| d.lines = vec![LineDraft::new("SKU-A", 1, dec("1")); MAX_LINES]),
        ),
        ("quantity 1_000_000", Box::new(|d| d.lines[0].quantity = MAX_LINE_QUANTITY)),
        ("unit_price 0", Box::new(|d| d.lines[0].unit_price = dec("0"))),
        ("unit_price with 6 decimals", Box::new(|d| d.lines[0].unit_price = dec("0.123456"))),
        (
            "tax_rate 0 and 1",
            Box::new(|d| {
                d.lines[0].tax_rate = dec("0");
                d.lines[1].tax_rate = dec("1");
            }),
        ),
        (
            "line discount 0 % and 100 %",
            Box::new(|d| {
                d.lines[0].discount = Some(Discount::Percent(dec("0")));
                d.lines[1].discount = Some(Discount::Percent(dec("100")));
            }),
        ),
        (
            "line discount amount 0.10",
            Box::new(|d| d.lines[0].discount = Some(Discount::Amount(dec("0.10")))),
        ),
        (
            "order discount 100 % without code",
            Box::new(|d| {
                d.discounts =
                    vec![OrderDiscount { code: None, value: Discount::Percent(dec("100")) }];
            }),
        ),
        ("shipping 4.950 USD (trailing zero)", Box::new(|d| d.shipping = dec("4.950"))),
        (
            "shipping 15 JPY",
            Box::new(|d| {
                d.currency = Currency::JPY;
                d.shipping = dec("15");
            }),
        ),
        (
            "shipping 0.125 BHD",
            Box::new(|d| {
                d.currency = Currency::BHD;
                d.shipping = dec("0.125");
            }),
        ),
        (
            "1000-char notes with newline and tab",
            Box::new(|d| {
                d.notes = Some(format!("a\nb\t{}", long(MAX_TEXT_LEN - 4)));
            }),
        ),
        ("empty notes", Box::new(|d| d.notes = Some(String::new()))),
    ];
    let mut failures = Vec::new();
    for (label, change) in cases {
        let mut d = base();
        change(&mut d);
        if let Err(e) = d.validate() {
            failures.push(format!("valid draft ({label}) rejected: {e}"));
        }
    }
    if let Err(e) = "shop-2.eu_x".parse::<Channel>() {
        failures.push(format!("channel \"shop-2.eu_x\" rejected: {e}"));
    }
    failures
}
