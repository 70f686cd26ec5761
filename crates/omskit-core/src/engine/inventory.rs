//! Locations and stock: the inventory use cases.

use super::{Oms, Work};
use crate::error::{Error, Result};
use crate::events::{stream, DomainEvent};
use crate::inventory::{Location, MovementKind, StockBook, StockLevel, StockMovement};
use crate::order::{check_id, check_text};
use crate::store::Store;

/// Most units one receipt or adjustment may move.
pub const MAX_STOCK_QUANTITY: i64 = 1_000_000_000;

impl<S: Store> Oms<S> {
    /// Creates a stock location. Lower `priority` numbers are reserved from first.
    ///
    /// # Errors
    /// `Validation` for a bad code or name; `Conflict` (field `code`) when the code exists.
    pub fn add_location(&self, code: &str, name: &str, priority: i32) -> Result<Location> {
        check_id("code", code)?;
        check_text("name", name, 1)?;
        let location =
            Location { code: code.to_owned(), name: name.to_owned(), priority, active: true };
        self.write(|w| {
            if w.tx.location(code)?.is_some() {
                return Err(Error::conflict(Some("code"), format!("location {code} exists")));
            }
            w.tx.put_location(&location)?;
            w.emit(
                stream::location(code),
                &DomainEvent::LocationAdded {
                    code: code.to_owned(),
                    name: name.to_owned(),
                    priority,
                },
            )?;
            Ok(location.clone())
        })
    }

    /// Switches a location on or off for new reservations; existing
    /// reservations there stay until shipped or released.
    ///
    /// # Errors
    /// `NotFound` for an unknown location.
    pub fn set_location_active(&self, code: &str, active: bool) -> Result<Location> {
        self.write(|w| {
            let mut location =
                w.tx.location(code)?.ok_or_else(|| Error::not_found("location", code))?;
            if location.active != active {
                location.active = active;
                w.tx.put_location(&location)?;
                w.emit(
                    stream::location(code),
                    &DomainEvent::LocationActivityChanged { code: code.to_owned(), active },
                )?;
            }
            Ok(location)
        })
    }

    /// Every location, by code.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn locations(&self) -> Result<Vec<Location>> {
        self.read(|tx| tx.locations())
    }

    /// Records `quantity` units of `sku` arriving at `location`.
    ///
    /// # Errors
    /// `Validation` for a bad SKU, quantity (1 to 1,000,000,000) or
    /// reference; `NotFound` for an unknown location.
    pub fn receive_stock(
        &self,
        sku: &str,
        location: &str,
        quantity: i64,
        reference: &str,
    ) -> Result<StockLevel> {
        check_id("sku", sku)?;
        if !(1..=MAX_STOCK_QUANTITY).contains(&quantity) {
            return Err(Error::validation(
                "quantity",
                format!("must be 1 to {MAX_STOCK_QUANTITY}, got {quantity}"),
            ));
        }
        check_text("reference", reference, 1)?;
        self.write(|w| {
            let mut level = load_level(w, sku, location)?;
            level.on_hand = level
                .on_hand
                .checked_add(quantity)
                .ok_or_else(|| Error::Overflow { what: "on hand".into() })?;
            w.tx.put_stock_level(&level)?;
            w.movement(MovementKind::Receipt, sku, location, quantity, 0, None, reference)?;
            w.emit(
                stream::stock(sku, location),
                &DomainEvent::StockReceived {
                    sku: sku.to_owned(),
                    location: location.to_owned(),
                    quantity,
                    reference: reference.to_owned(),
                },
            )?;
            Ok(level)
        })
    }

    /// Corrects on-hand stock by `delta` (negative for a loss) with a reason.
    ///
    /// # Errors
    /// `Validation` for a bad SKU, a zero or too large delta or an empty
    /// reason; `NotFound` for an unknown location; `InsufficientStock` when
    /// the loss would leave fewer units on hand than are reserved (cancel or
    /// re-allocate those orders first).
    pub fn adjust_stock(
        &self,
        sku: &str,
        location: &str,
        delta: i64,
        reason: &str,
    ) -> Result<StockLevel> {
        check_id("sku", sku)?;
        if delta == 0 || delta.unsigned_abs() > MAX_STOCK_QUANTITY.unsigned_abs() {
            return Err(Error::validation(
                "delta",
                format!("must be non-zero and within ±{MAX_STOCK_QUANTITY}"),
            ));
        }
        check_text("reason", reason, 1)?;
        self.write(|w| {
            let mut level = load_level(w, sku, location)?;
            let on_hand = level
                .on_hand
                .checked_add(delta)
                .ok_or_else(|| Error::Overflow { what: "on hand".into() })?;
            if on_hand < level.reserved {
                return Err(Error::insufficient_stock(vec![crate::error::Shortage {
                    sku: sku.to_owned(),
                    requested: delta.unsigned_abs(),
                    available: level.available().max(0) as u64,
                }]));
            }
            level.on_hand = on_hand;
            w.tx.put_stock_level(&level)?;
            w.movement(
                MovementKind::Adjustment,
                sku,
                location,
                delta,
                0,
                Some(reason),
                "adjustment",
            )?;
            w.emit(
                stream::stock(sku, location),
                &DomainEvent::StockAdjusted {
                    sku: sku.to_owned(),
                    location: location.to_owned(),
                    delta,
                    reason: reason.to_owned(),
                },
            )?;
            Ok(level)
        })
    }

    /// The stock of `sku` at `location` (all zero if none was ever received).
    ///
    /// # Errors
    /// `NotFound` for an unknown location.
    pub fn stock_level(&self, sku: &str, location: &str) -> Result<StockLevel> {
        self.read(|tx| {
            tx.location(location)?.ok_or_else(|| Error::not_found("location", location))?;
            let levels = tx.stock_for_update(&[sku])?;
            Ok(levels
                .into_iter()
                .find(|l| l.location == location)
                .unwrap_or_else(|| StockLevel::new(sku, location)))
        })
    }

    /// The stock of `sku` at every location that has a record of it.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn stock_levels(&self, sku: &str) -> Result<Vec<StockLevel>> {
        self.read(|tx| tx.stock_for_update(&[sku]))
    }

    /// Units of `sku` that new orders can reserve, over all active locations.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn available(&self, sku: &str) -> Result<i64> {
        self.read(|tx| {
            let book = StockBook::new(tx.stock_for_update(&[sku])?, tx.locations()?);
            Ok(book.available(sku))
        })
    }

    /// The stock ledger of `sku` (at one location, or all), oldest first.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn stock_movements(&self, sku: &str, location: Option<&str>) -> Result<Vec<StockMovement>> {
        self.read(|tx| tx.movements(sku, location))
    }
}

/// The (locked) level of (sku, location), or a new empty one; the location must exist.
fn load_level(w: &mut Work<'_>, sku: &str, location: &str) -> Result<StockLevel> {
    w.tx.location(location)?.ok_or_else(|| Error::not_found("location", location))?;
    let levels = w.tx.stock_for_update(&[sku])?;
    Ok(levels
        .into_iter()
        .find(|l| l.location == location)
        .unwrap_or_else(|| StockLevel::new(sku, location)))
}
