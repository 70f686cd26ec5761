//! Shipping: carriers and rate shopping ([`carrier`]), shipments with their
//! labels, carrier tracking events, delivery proof and condition readings.

pub mod carrier;

pub use carrier::{
    Carrier, CarrierRegistry, Label, Parcel, RateChoice, RateQuote, RateRequest, RateShopping,
    ServiceLevel, TableRateBand, TableRateCarrier, TableRateCarrierBuilder, TableRateConfig,
    TableRateTransit, TableRateZone,
};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::Currency;

/// The longest one-line text of the shipping records: a tracking number,
/// a carrier event id, a tracking location or description, a sensor name,
/// a bin or package code.
pub const MAX_LABEL_LEN: usize = 200;

/// A fulfilment order's packages on their way: the bought label and what
/// the carrier has reported since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// The carrier's tracking number, unique across all shipments.
    pub tracking_number: String,
    /// Carrier name, as registered.
    pub carrier: String,
    /// Service level.
    pub service: String,
    /// The carrier's label reference.
    pub label_reference: String,
    /// What the label cost.
    pub cost: Decimal,
    /// Currency of `cost`.
    pub currency: Currency,
    /// When it was handed to the carrier.
    pub shipped_at: DateTime<Utc>,
    /// When the carrier promised delivery.
    pub promised_delivery: DateTime<Utc>,
    /// The quotes that lost the rate shopping, kept for the record.
    pub rejected_quotes: Vec<RateQuote>,
    /// When the latest tracking event that changed the state happened; an
    /// event older than this is kept in the history but changes nothing.
    pub last_status_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Proof of delivery.
    pub proof: Option<DeliveryProof>,
    /// Limits for sensor readings; a reading outside them is an exception.
    pub thresholds: ConditionThresholds,
    /// Whether the customer was already told it is late.
    pub delay_notified: bool,
}

/// Proof that a package was delivered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryProof {
    /// Who signed for it.
    #[serde(default)]
    pub signed_by: Option<String>,
    /// The carrier's reference of a photo of the drop-off.
    #[serde(default)]
    pub photo_reference: Option<String>,
    /// Where it was left (`front door`, a locker id, coordinates).
    #[serde(default)]
    pub location: Option<String>,
}

impl DeliveryProof {
    /// Checks lengths; `field` prefixes the error's field name.
    ///
    /// # Errors
    /// `Validation` naming the offending field.
    pub fn validate(&self, field: &str) -> Result<()> {
        for (name, value) in [
            ("signed_by", &self.signed_by),
            ("photo_reference", &self.photo_reference),
            ("location", &self.location),
        ] {
            if let Some(v) = value {
                check_label_text(&format!("{field}.{name}"), v)?;
            }
        }
        Ok(())
    }
}

/// What a carrier reports about a shipment, normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrackingEventKind {
    /// The label exists; the carrier has not seen the parcels yet.
    LabelCreated,
    /// The carrier took the parcels.
    PickedUp,
    /// Moving through the carrier's network.
    InTransit,
    /// On the vehicle for the last mile.
    OutForDelivery,
    /// Delivered.
    Delivered,
    /// A delivery attempt failed.
    DeliveryFailed,
    /// Something went wrong (damage, customs, a sensor breach); the state
    /// does not change.
    Exception,
    /// On its way back to the shipper.
    ReturnedToSender,
}

impl TrackingEventKind {
    /// The name as stored (`picked_up`, `out_for_delivery`...).
    pub fn as_str(self) -> &'static str {
        match self {
            TrackingEventKind::LabelCreated => "label_created",
            TrackingEventKind::PickedUp => "picked_up",
            TrackingEventKind::InTransit => "in_transit",
            TrackingEventKind::OutForDelivery => "out_for_delivery",
            TrackingEventKind::Delivered => "delivered",
            TrackingEventKind::DeliveryFailed => "delivery_failed",
            TrackingEventKind::Exception => "exception",
            TrackingEventKind::ReturnedToSender => "returned_to_sender",
        }
    }
}

/// A tracking event as a carrier sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingUpdate {
    /// The carrier's id of the event: the same id twice is one event.
    pub carrier_event_id: String,
    /// What happened.
    pub kind: TrackingEventKind,
    /// When it happened, by the carrier's clock.
    pub occurred_at: DateTime<Utc>,
    /// Where (a depot, a city).
    #[serde(default)]
    pub location: Option<String>,
    /// The carrier's description.
    #[serde(default)]
    pub description: Option<String>,
    /// Proof of delivery, for `delivered`.
    #[serde(default)]
    pub proof: Option<DeliveryProof>,
}

impl TrackingUpdate {
    /// An update with no location, description or proof.
    pub fn new(
        carrier_event_id: &str,
        kind: TrackingEventKind,
        occurred_at: DateTime<Utc>,
    ) -> TrackingUpdate {
        TrackingUpdate {
            carrier_event_id: carrier_event_id.to_owned(),
            kind,
            occurred_at,
            location: None,
            description: None,
            proof: None,
        }
    }

    /// Checks every field.
    ///
    /// # Errors
    /// `Validation` naming the offending field.
    pub fn validate(&self) -> Result<()> {
        check_label_text("carrier_event_id", &self.carrier_event_id)?;
        if self.carrier_event_id.trim().is_empty() {
            return Err(Error::validation("carrier_event_id", "must not be empty"));
        }
        if let Some(l) = &self.location {
            check_label_text("location", l)?;
        }
        if let Some(d) = &self.description {
            check_label_text("description", d)?;
        }
        if let Some(p) = &self.proof {
            if self.kind != TrackingEventKind::Delivered {
                return Err(Error::validation("proof", "only a delivered event carries proof"));
            }
            p.validate("proof")?;
        }
        Ok(())
    }
}

/// A tracking event as stored: the update, the shipment it belongs to, and
/// whether it changed the fulfilment order's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEvent {
    /// The shipment's tracking number.
    pub tracking_number: String,
    /// The carrier's report.
    #[serde(flatten)]
    pub update: TrackingUpdate,
    /// When omskit received it.
    pub received_at: DateTime<Utc>,
    /// Whether it moved the state forward (false for duplicates of a state,
    /// late arrivals and exceptions).
    pub applied: bool,
}

/// What a sensor measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConditionKind {
    /// Degrees Celsius.
    Temperature,
    /// Peak acceleration in g.
    Shock,
}

impl ConditionKind {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionKind::Temperature => "temperature",
            ConditionKind::Shock => "shock",
        }
    }
}

/// One sensor reading of a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionReading {
    /// What was measured.
    pub kind: ConditionKind,
    /// The value (°C or g).
    pub value: Decimal,
    /// When it was measured.
    pub at: DateTime<Utc>,
    /// The sensor that measured it.
    #[serde(default)]
    pub sensor: Option<String>,
}

/// Acceptable ranges of sensor readings; `None` means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionThresholds {
    /// Lowest acceptable temperature (°C).
    #[serde(default)]
    pub min_temperature_c: Option<Decimal>,
    /// Highest acceptable temperature (°C).
    #[serde(default)]
    pub max_temperature_c: Option<Decimal>,
    /// Highest acceptable shock (g).
    #[serde(default)]
    pub max_shock_g: Option<Decimal>,
}

impl ConditionThresholds {
    /// Checks that the ranges make sense.
    ///
    /// # Errors
    /// `Validation` on `max_temperature_c` below `min_temperature_c`, or a
    /// negative `max_shock_g`.
    pub fn validate(&self) -> Result<()> {
        if let (Some(lo), Some(hi)) = (self.min_temperature_c, self.max_temperature_c) {
            if hi < lo {
                return Err(Error::validation(
                    "max_temperature_c",
                    "must not be below min_temperature_c",
                ));
            }
        }
        if self.max_shock_g.is_some_and(|g| g.is_sign_negative() && !g.is_zero()) {
            return Err(Error::validation("max_shock_g", "must not be negative"));
        }
        Ok(())
    }

    /// Why `reading` is out of range, or `None` when it is within.
    pub fn breach(&self, reading: &ConditionReading) -> Option<String> {
        match reading.kind {
            ConditionKind::Temperature => {
                if let Some(lo) = self.min_temperature_c.filter(|lo| reading.value < *lo) {
                    return Some(format!("temperature {} °C below {lo} °C", reading.value));
                }
                self.max_temperature_c
                    .filter(|hi| reading.value > *hi)
                    .map(|hi| format!("temperature {} °C above {hi} °C", reading.value))
            }
            ConditionKind::Shock => self
                .max_shock_g
                .filter(|max| reading.value > *max)
                .map(|max| format!("shock {} g above {max} g", reading.value)),
        }
    }
}

impl ConditionReading {
    /// Checks the sensor name.
    ///
    /// # Errors
    /// `Validation` naming the offending field.
    pub fn validate(&self) -> Result<()> {
        if let Some(s) = &self.sensor {
            check_label_text("sensor", s)?;
        }
        if self.kind == ConditionKind::Shock
            && self.value.is_sign_negative()
            && !self.value.is_zero()
        {
            return Err(Error::validation("value", "a shock reading is not negative"));
        }
        Ok(())
    }
}

/// Checks one-line text of the shipping records (printed on labels, sent
/// to carriers): at most [`MAX_LABEL_LEN`] bytes, no control characters at
/// all. (Free text of orders, such as notes and reasons, may hold newlines
/// and tabs: `order::check_text`.)
pub(crate) fn check_label_text(field: &str, value: &str) -> Result<()> {
    if value.len() > MAX_LABEL_LEN {
        return Err(Error::validation(field, format!("longer than {MAX_LABEL_LEN} bytes")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::validation(field, "contains control characters"));
    }
    Ok(())
}

/// Checks a tracking number: 1 to [`MAX_LABEL_LEN`] printable characters.
///
/// # Errors
/// `Validation` on the field `tracking_number`.
pub fn check_tracking_number(tracking_number: &str) -> Result<()> {
    if tracking_number.trim().is_empty() {
        return Err(Error::validation("tracking_number", "must not be empty"));
    }
    check_label_text("tracking_number", tracking_number)
}
