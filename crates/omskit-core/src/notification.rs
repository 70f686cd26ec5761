//! Customer notifications: the moments a customer hears about (order
//! confirmed, shipped, out for delivery, delivered, delayed, delivery
//! failed), derived from the event log. omskit sends nothing itself: the
//! application renders the template and sends it by e-mail or SMS.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::events::DomainEvent;
use crate::fulfillment::{FulfillmentOrder, FulfillmentStatus};
use crate::id::{FulfillmentId, OrderId};
use crate::order::Order;

/// A customer-facing moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotificationKind {
    /// The order was accepted.
    OrderConfirmed,
    /// A package left the warehouse.
    Shipped,
    /// A package is on the vehicle for the last mile.
    OutForDelivery,
    /// A package was delivered.
    Delivered,
    /// A package missed its promised delivery date.
    Delayed,
    /// A delivery attempt failed.
    DeliveryFailed,
}

impl NotificationKind {
    /// The template key applications map to a message (`order_confirmed`,
    /// `shipped`...).
    pub fn template_key(self) -> &'static str {
        match self {
            NotificationKind::OrderConfirmed => "order_confirmed",
            NotificationKind::Shipped => "shipped",
            NotificationKind::OutForDelivery => "out_for_delivery",
            NotificationKind::Delivered => "delivered",
            NotificationKind::Delayed => "delayed",
            NotificationKind::DeliveryFailed => "delivery_failed",
        }
    }

    /// The kind an event calls for, if it is a customer-facing moment.
    pub fn of(event: &DomainEvent) -> Option<NotificationKind> {
        match event {
            DomainEvent::OrderPlaced { .. } => Some(NotificationKind::OrderConfirmed),
            DomainEvent::FulfillmentShipped { .. } => Some(NotificationKind::Shipped),
            DomainEvent::FulfillmentStatusChanged {
                to: FulfillmentStatus::OutForDelivery, ..
            } => Some(NotificationKind::OutForDelivery),
            DomainEvent::FulfillmentStatusChanged {
                to: FulfillmentStatus::DeliveryFailed, ..
            } => Some(NotificationKind::DeliveryFailed),
            DomainEvent::FulfillmentDelivered { .. } => Some(NotificationKind::Delivered),
            DomainEvent::ShipmentDelayed { .. } => Some(NotificationKind::Delayed),
            _ => None,
        }
    }
}

/// Who to tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The customer's id.
    pub customer_id: String,
    /// Name.
    pub name: String,
    /// E-mail address, if known.
    pub email: Option<String>,
    /// Phone number, if known.
    pub phone: Option<String>,
}

/// The shipment a notification is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingInfo {
    /// The fulfilment order.
    pub fulfillment_id: FulfillmentId,
    /// Carrier name.
    pub carrier: String,
    /// Service level.
    pub service: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Promised delivery.
    pub promised_delivery: DateTime<Utc>,
}

/// A message to send to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The sequence number of the event behind it: unique, and the cursor
    /// to resume from.
    pub event_seq: u64,
    /// Which moment.
    pub kind: NotificationKind,
    /// `kind`'s template key.
    pub template_key: String,
    /// The order.
    pub order_id: OrderId,
    /// The channel's id of the order, for the message.
    pub external_id: Option<String>,
    /// Who to tell.
    pub recipient: Recipient,
    /// The shipment, for shipping moments.
    pub tracking: Option<TrackingInfo>,
    /// When the event was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl Notification {
    /// The notification for an event of `kind`, about `order` and (for
    /// shipping moments) the fulfilment order as it is now.
    pub fn new(
        event_seq: u64,
        kind: NotificationKind,
        order: &Order,
        fulfillment: Option<&FulfillmentOrder>,
        recorded_at: DateTime<Utc>,
    ) -> Notification {
        let tracking = fulfillment.and_then(|f| {
            f.shipment.as_ref().map(|s| TrackingInfo {
                fulfillment_id: f.id,
                carrier: s.carrier.clone(),
                service: s.service.clone(),
                tracking_number: s.tracking_number.clone(),
                promised_delivery: s.promised_delivery,
            })
        });
        Notification {
            event_seq,
            kind,
            template_key: kind.template_key().to_owned(),
            order_id: order.id,
            external_id: order.external_id.clone(),
            recipient: Recipient {
                customer_id: order.customer.id.clone(),
                name: order.customer.name.clone(),
                email: order.customer.email.clone(),
                phone: order.customer.phone.clone(),
            },
            tracking,
            recorded_at,
        }
    }
}
