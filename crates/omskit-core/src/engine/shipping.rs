//! Shipping: labels through registered carriers (by name or by rate
//! shopping), stock committed at shipment, carrier tracking events,
//! delivery proof, condition readings and late shipments.
//!
//! A carrier is called outside any storage transaction (it may block on
//! the network): the label is bought first, then the shipment is recorded
//! in one transaction; if that fails, the label is voided.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::fulfillment::{emit_status, lock, save_rolled_up};
use super::orders::OrderReservations;
use super::{Oms, Work};
use crate::clock::truncate_to_micros;
use crate::error::{Error, Result};
use crate::events::{stream, DomainEvent};
use crate::fulfillment::{FulfillmentAction, FulfillmentOrder};
use crate::id::FulfillmentId;
use crate::inventory::{MovementKind, ReservationStatus};
use crate::shipping::{
    check_tracking_number, Carrier, CarrierRegistry, ConditionReading, ConditionThresholds,
    DeliveryProof, Label, RateQuote, RateRequest, RateShopping, Shipment, TrackingEvent,
    TrackingEventKind, TrackingUpdate,
};
use crate::store::Store;

/// The carrier event id [`Oms::confirm_delivery`] records its delivery under.
pub const DELIVERY_CONFIRMATION_EVENT_ID: &str = "delivery-confirmation";

/// What recording a tracking event did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrackingOutcome {
    /// The fulfilment order, as it is now.
    pub fulfillment: FulfillmentOrder,
    /// False when the event was a duplicate: nothing changed.
    pub recorded: bool,
    /// Whether it moved the state forward (an older or out-of-sequence
    /// event is kept in the history only).
    pub applied: bool,
}

impl<S: Store> Oms<S> {
    /// Makes `carrier` available for shipping under its name (replacing a
    /// carrier of the same name).
    pub fn register_carrier(&self, carrier: Arc<dyn Carrier>) {
        self.carriers.write().unwrap_or_else(|p| p.into_inner()).register(carrier);
    }

    /// Registers `carrier` (builder style).
    #[must_use]
    pub fn with_carrier(self, carrier: Arc<dyn Carrier>) -> Oms<S> {
        self.register_carrier(carrier);
        self
    }

    /// The registered carriers' names.
    pub fn carriers(&self) -> Vec<String> {
        self.registry().names()
    }

    fn registry(&self) -> CarrierRegistry {
        self.carriers.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Every registered carrier's quotes for a packed fulfilment order,
    /// cheapest first.
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition` when it is not packed; `Validation`
    /// when its order has no shipping address; a carrier's own error.
    pub fn quote_shipment(&self, id: FulfillmentId) -> Result<Vec<RateQuote>> {
        let request = self.rate_request(id)?;
        self.registry().quote_all(&request)
    }

    /// Ships a packed fulfilment order with `service` of `carrier`: buys
    /// the label, then (in one transaction) commits its reservations (on
    /// hand and reserved go down through the ledger), stores the tracking
    /// number and promised delivery, and rolls the order's status up. The
    /// carrier's other quotes are kept with the shipment for the record.
    ///
    /// # Errors
    /// `NotFound` (fulfilment order, carrier, service); `InvalidTransition`
    /// when it is not packed; `Validation` when its order has no shipping
    /// address or the service cannot carry it; a carrier's own error.
    pub fn ship(
        &self,
        id: FulfillmentId,
        carrier: &str,
        service: &str,
    ) -> Result<FulfillmentOrder> {
        let request = self.rate_request(id)?;
        let carrier = self.registry().get(carrier)?;
        let mut quotes = carrier.quote(&request)?;
        let Some(at) = quotes.iter().position(|q| q.service == service) else {
            if carrier.services().iter().any(|s| s.name == service) {
                return Err(Error::validation(
                    "service",
                    format!("{}/{service} cannot carry this shipment", carrier.name()),
                ));
            }
            return Err(Error::not_found(
                "carrier service",
                format!("{}/{service}", carrier.name()),
            ));
        };
        let chosen = quotes.remove(at);
        self.ship_chosen(id, &request, &carrier, &chosen, quotes)
    }

    /// Ships a packed fulfilment order with the quote `rule` picks among
    /// every registered carrier's (cheapest meeting a delivery promise, or
    /// fastest within a budget); the losing quotes are kept with the
    /// shipment.
    ///
    /// # Errors
    /// As [`Oms::ship`]; `Validation` (`deliver_by`, `budget`, `carrier`)
    /// when no quote meets the rule.
    pub fn ship_with(&self, id: FulfillmentId, rule: &RateShopping) -> Result<FulfillmentOrder> {
        let request = self.rate_request(id)?;
        let registry = self.registry();
        let choice = rule.choose(registry.quote_all(&request)?)?;
        let carrier = registry.get(&choice.chosen.carrier)?;
        self.ship_chosen(id, &request, &carrier, &choice.chosen, choice.rejected)
    }

    /// The carrier request for a packed fulfilment order.
    fn rate_request(&self, id: FulfillmentId) -> Result<RateRequest> {
        let now = self.clock.now();
        self.read(|tx| {
            let f = tx.fulfillment(id)?.ok_or_else(|| Error::not_found("fulfillment order", id))?;
            f.status.after(FulfillmentAction::Ship)?;
            let order =
                tx.order(f.order_id)?.ok_or_else(|| Error::not_found("order", f.order_id))?;
            let destination = order
                .ship_to
                .ok_or_else(|| Error::validation("ship_to", "the order has no shipping address"))?;
            Ok(RateRequest {
                origin: f.location.clone(),
                destination,
                parcels: f.packages.iter().map(|p| p.parcel.clone()).collect(),
                ship_at: now,
            })
        })
    }

    fn ship_chosen(
        &self,
        id: FulfillmentId,
        request: &RateRequest,
        carrier: &Arc<dyn Carrier>,
        chosen: &RateQuote,
        rejected: Vec<RateQuote>,
    ) -> Result<FulfillmentOrder> {
        let label = carrier.create_label(request, &chosen.service)?;
        let recorded = self.write(|w| record_shipment(w, id, chosen, &label, &rejected));
        if recorded.is_err() {
            // The shipment was not recorded: the label must not be paid for.
            // A failure to void is the carrier's to reconcile; the caller
            // gets the error that matters.
            let _ = carrier.void_label(&label.tracking_number);
        }
        recorded
    }

    /// Records a carrier tracking event. The same (tracking number, carrier
    /// event id) twice changes nothing. Every event is kept in the
    /// shipment's history; it moves the fulfilment order only forward: when
    /// the state machine allows it from the current state and it is not
    /// older than the last event that did. `delivered` records the time and
    /// proof, and the order becomes delivered when all its packages are;
    /// `exception` raises a `ShipmentException` event.
    ///
    /// # Errors
    /// `Validation` (`tracking_number`, `carrier_event_id`, `proof`...);
    /// `NotFound` (shipment) for an unknown tracking number.
    pub fn record_tracking_event(
        &self,
        tracking_number: &str,
        update: &TrackingUpdate,
    ) -> Result<TrackingOutcome> {
        check_tracking_number(tracking_number)?;
        update.validate()?;
        // Times are kept to whole microseconds, as every store holds them.
        let mut update = update.clone();
        update.occurred_at = truncate_to_micros(update.occurred_at);
        let update = &update;
        self.write(|w| {
            let (mut order, mut fulfillments, index) = lock_shipment(w, tracking_number)?;
            let f = &mut fulfillments[index];
            let Some(shipment) = f.shipment.as_mut() else {
                return Err(Error::not_found("shipment", tracking_number));
            };
            let action = tracking_action(update.kind);
            let in_sequence = shipment.last_status_at.is_none_or(|t| update.occurred_at >= t);
            let applied = in_sequence && action.is_some_and(|a| f.status.after(a).is_ok());
            let event = TrackingEvent {
                tracking_number: tracking_number.to_owned(),
                update: update.clone(),
                received_at: w.now,
                applied,
            };
            if !w.tx.insert_tracking_event(&event)? {
                return Ok(TrackingOutcome {
                    fulfillment: f.clone(),
                    recorded: false,
                    applied: false,
                });
            }
            if update.kind == TrackingEventKind::Exception {
                let reason =
                    update.description.clone().unwrap_or_else(|| "carrier exception".into());
                emit_exception(w, f, tracking_number, reason, update.occurred_at)?;
            }
            if let (true, Some(action)) = (applied, action) {
                let from = f.status;
                f.apply(action, w.now)?;
                let shipment =
                    f.shipment.as_mut().ok_or_else(|| Error::storage("shipment vanished"))?;
                shipment.last_status_at = Some(update.occurred_at);
                if action == FulfillmentAction::Deliver {
                    shipment.delivered_at = Some(update.occurred_at);
                    shipment.proof.clone_from(&update.proof);
                }
                w.tx.put_fulfillment(f)?;
                if action == FulfillmentAction::Deliver {
                    w.emit(
                        stream::fulfillment(f.id),
                        &DomainEvent::FulfillmentDelivered {
                            fulfillment_id: f.id,
                            order_id: f.order_id,
                            tracking_number: tracking_number.to_owned(),
                            delivered_at: update.occurred_at,
                            proof: update.proof.clone(),
                        },
                    )?;
                } else {
                    emit_status(w, f, action, from, Some(update.carrier_event_id.clone()))?;
                }
                let f = f.clone();
                save_rolled_up(w, &mut order, &fulfillments)?;
                return Ok(TrackingOutcome { fulfillment: f, recorded: true, applied: true });
            }
            Ok(TrackingOutcome { fulfillment: f.clone(), recorded: true, applied: false })
        })
    }

    /// Confirms delivery by hand (or from a carrier's proof-of-delivery
    /// feed): a `delivered` tracking event with proof, recorded once.
    ///
    /// # Errors
    /// As [`Oms::record_tracking_event`].
    pub fn confirm_delivery(
        &self,
        tracking_number: &str,
        proof: &DeliveryProof,
        delivered_at: DateTime<Utc>,
    ) -> Result<TrackingOutcome> {
        let mut update = TrackingUpdate::new(
            DELIVERY_CONFIRMATION_EVENT_ID,
            TrackingEventKind::Delivered,
            delivered_at,
        );
        update.proof = Some(proof.clone());
        self.record_tracking_event(tracking_number, &update)
    }

    /// The tracking events of a shipment, in the order they arrived.
    ///
    /// # Errors
    /// `NotFound` (shipment) for an unknown tracking number.
    pub fn tracking_events(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>> {
        check_tracking_number(tracking_number)?;
        self.read(|tx| {
            tx.fulfillment_by_tracking_number(tracking_number)?
                .ok_or_else(|| Error::not_found("shipment", tracking_number))?;
            tx.tracking_events(tracking_number)
        })
    }

    /// Sets the acceptable ranges of a shipment's sensor readings.
    ///
    /// # Errors
    /// `Validation` (`max_temperature_c` below `min_temperature_c`...);
    /// `NotFound` (shipment).
    pub fn set_condition_thresholds(
        &self,
        tracking_number: &str,
        thresholds: &ConditionThresholds,
    ) -> Result<FulfillmentOrder> {
        check_tracking_number(tracking_number)?;
        thresholds.validate()?;
        self.write(|w| {
            let (_, mut fulfillments, index) = lock_shipment(w, tracking_number)?;
            let f = &mut fulfillments[index];
            if let Some(s) = f.shipment.as_mut() {
                s.thresholds = *thresholds;
            }
            f.updated_at = w.now;
            w.tx.put_fulfillment(f)?;
            w.emit(
                stream::fulfillment(f.id),
                &DomainEvent::ConditionThresholdsSet {
                    fulfillment_id: f.id,
                    order_id: f.order_id,
                    tracking_number: tracking_number.to_owned(),
                    thresholds: *thresholds,
                },
            )?;
            Ok(f.clone())
        })
    }

    /// Records a sensor reading of a shipment; a reading outside its
    /// thresholds raises a `ShipmentException` event. Returns the breach,
    /// if any.
    ///
    /// # Errors
    /// `Validation` (`sensor`, `value`); `NotFound` (shipment).
    pub fn record_condition_reading(
        &self,
        tracking_number: &str,
        reading: &ConditionReading,
    ) -> Result<Option<String>> {
        check_tracking_number(tracking_number)?;
        reading.validate()?;
        let mut reading = reading.clone();
        reading.at = truncate_to_micros(reading.at);
        let reading = &reading;
        self.write(|w| {
            let (_, fulfillments, index) = lock_shipment(w, tracking_number)?;
            let f = &fulfillments[index];
            w.tx.append_condition_reading(tracking_number, reading)?;
            let breach = f.shipment.as_ref().and_then(|s| s.thresholds.breach(reading));
            if let Some(reason) = &breach {
                emit_exception(w, f, tracking_number, reason.clone(), reading.at)?;
            }
            Ok(breach)
        })
    }

    /// The sensor readings of a shipment, in the order recorded.
    ///
    /// # Errors
    /// `NotFound` (shipment).
    pub fn condition_readings(&self, tracking_number: &str) -> Result<Vec<ConditionReading>> {
        check_tracking_number(tracking_number)?;
        self.read(|tx| {
            tx.fulfillment_by_tracking_number(tracking_number)?
                .ok_or_else(|| Error::not_found("shipment", tracking_number))?;
            tx.condition_readings(tracking_number)
        })
    }

    /// Finds shipments past their promised delivery and not delivered,
    /// marks each one told and emits `ShipmentDelayed` for it (once per
    /// shipment, so a periodic job may call this as often as it likes).
    /// Returns the fulfilment orders marked.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn check_delivery_promises(&self) -> Result<Vec<FulfillmentOrder>> {
        self.write(|w| {
            let overdue = w.tx.overdue_fulfillments(w.now)?;
            let mut marked = Vec::with_capacity(overdue.len());
            for id in overdue {
                let (_, mut fulfillments, index) = lock(w, id)?;
                let f = &mut fulfillments[index];
                let Some(s) = f.shipment.as_mut() else { continue };
                s.delay_notified = true;
                let (tracking_number, promised_delivery) =
                    (s.tracking_number.clone(), s.promised_delivery);
                w.tx.put_fulfillment(f)?;
                w.emit(
                    stream::fulfillment(f.id),
                    &DomainEvent::ShipmentDelayed {
                        fulfillment_id: f.id,
                        order_id: f.order_id,
                        tracking_number,
                        promised_delivery,
                    },
                )?;
                marked.push(f.clone());
            }
            Ok(marked)
        })
    }
}

/// The state a tracking event moves a fulfilment order to, if any.
fn tracking_action(kind: TrackingEventKind) -> Option<FulfillmentAction> {
    match kind {
        TrackingEventKind::PickedUp | TrackingEventKind::InTransit => {
            Some(FulfillmentAction::Transit)
        }
        TrackingEventKind::OutForDelivery => Some(FulfillmentAction::OutForDelivery),
        TrackingEventKind::Delivered => Some(FulfillmentAction::Deliver),
        TrackingEventKind::DeliveryFailed => Some(FulfillmentAction::FailDelivery),
        TrackingEventKind::ReturnedToSender => Some(FulfillmentAction::ReturnToSender),
        TrackingEventKind::LabelCreated | TrackingEventKind::Exception => None,
    }
}

/// Locks the order of the fulfilment order shipped under `tracking_number`.
fn lock_shipment(
    w: &mut Work<'_>,
    tracking_number: &str,
) -> Result<(crate::order::Order, Vec<FulfillmentOrder>, usize)> {
    let id =
        w.tx.fulfillment_by_tracking_number(tracking_number)?
            .ok_or_else(|| Error::not_found("shipment", tracking_number))?
            .id;
    lock(w, id)
}

fn emit_exception(
    w: &mut Work<'_>,
    f: &FulfillmentOrder,
    tracking_number: &str,
    reason: String,
    occurred_at: DateTime<Utc>,
) -> Result<()> {
    w.emit(
        stream::fulfillment(f.id),
        &DomainEvent::ShipmentException {
            fulfillment_id: f.id,
            order_id: f.order_id,
            tracking_number: tracking_number.to_owned(),
            reason,
            occurred_at,
        },
    )
}

/// The shipment transaction: the transition, the stock leaving the
/// location, the shipment itself and the order's roll-up.
fn record_shipment(
    w: &mut Work<'_>,
    id: FulfillmentId,
    chosen: &RateQuote,
    label: &Label,
    rejected: &[RateQuote],
) -> Result<FulfillmentOrder> {
    let (mut order, mut fulfillments, index) = lock(w, id)?;
    let mut f = fulfillments[index].clone();
    f.apply(FulfillmentAction::Ship, w.now)?;
    let mut book = w.stock_book(f.lines.iter().map(|l| l.sku.as_str()))?;
    let mut held = OrderReservations::load(w, order.id)?;
    for line in &f.lines {
        let units = i64::from(line.quantity);
        held.shrink(line.line_id, &f.location, units, ReservationStatus::Committed, w.now)?;
        book.consume(&line.sku, &f.location, units);
        w.movement(
            MovementKind::Shipment,
            &line.sku,
            &f.location,
            -units,
            -units,
            None,
            &label.tracking_number,
        )?;
        w.emit(
            stream::stock(&line.sku, &f.location),
            &DomainEvent::StockShipped {
                sku: line.sku.clone(),
                location: f.location.clone(),
                quantity: units,
                reference: label.tracking_number.clone(),
            },
        )?;
    }
    held.save(w, &book, &[], &[], "shipment")?;
    f.shipment = Some(Shipment {
        tracking_number: label.tracking_number.clone(),
        carrier: chosen.carrier.clone(),
        service: chosen.service.clone(),
        label_reference: label.label_reference.clone(),
        cost: label.cost,
        currency: label.currency,
        shipped_at: w.now,
        promised_delivery: label.promised_delivery,
        rejected_quotes: rejected.to_vec(),
        last_status_at: None,
        delivered_at: None,
        proof: None,
        thresholds: ConditionThresholds::default(),
        delay_notified: false,
    });
    w.tx.put_fulfillment(&f)?;
    w.emit(
        stream::fulfillment(id),
        &DomainEvent::FulfillmentShipped {
            fulfillment_id: id,
            order_id: f.order_id,
            carrier: chosen.carrier.clone(),
            service: chosen.service.clone(),
            tracking_number: label.tracking_number.clone(),
            cost: label.cost,
            promised_delivery: label.promised_delivery,
        },
    )?;
    fulfillments[index] = f.clone();
    save_rolled_up(w, &mut order, &fulfillments)?;
    Ok(f)
}
