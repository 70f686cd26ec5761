//! Notifications derived from committed events, for subscribers and for
//! workers that read the log from a stored cursor.

use serde::{Deserialize, Serialize};

use super::Oms;
use crate::error::Result;
use crate::events::{DomainEvent, EventRecord};
use crate::notification::{Notification, NotificationKind};
use crate::store::{Store, StoreTx};

/// A page of notifications and the cursor to read the next page from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPage {
    /// The notifications, in event order.
    pub notifications: Vec<Notification>,
    /// The sequence number of the last event examined: pass it as `after`
    /// next time (store it once the page is delivered, for at-least-once
    /// delivery across restarts).
    pub cursor: u64,
}

impl<S: Store> Oms<S> {
    /// The notification an event calls for, if it is a customer-facing
    /// moment (for subscribers: `oms.notification_for(&record)`).
    ///
    /// # Errors
    /// `Storage` on backend failure or an unreadable event.
    pub fn notification_for(&self, record: &EventRecord) -> Result<Option<Notification>> {
        self.read(|tx| derive(tx, record))
    }

    /// Notifications from the events after `after`, examining at most
    /// `limit` events. Starting from a stored cursor, a worker delivers
    /// every notification at least once: nothing is lost across restarts.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn notifications_since(&self, after: u64, limit: usize) -> Result<NotificationPage> {
        let records = self.events_since(after, limit)?;
        let cursor = records.last().map_or(after, |r| r.seq);
        let notifications = self.read(|tx| {
            let mut out = Vec::new();
            for record in &records {
                out.extend(derive(tx, record)?);
            }
            Ok(out)
        })?;
        Ok(NotificationPage { notifications, cursor })
    }
}

fn derive(tx: &mut dyn StoreTx, record: &EventRecord) -> Result<Option<Notification>> {
    if !NOTIFYING_KINDS.contains(&record.kind.as_str()) {
        return Ok(None);
    }
    let event = record.event()?;
    let Some(kind) = NotificationKind::of(&event) else { return Ok(None) };
    let (order_id, fulfillment_id) = match &event {
        DomainEvent::OrderPlaced { order_id, .. } => (*order_id, None),
        DomainEvent::FulfillmentShipped { order_id, fulfillment_id, .. }
        | DomainEvent::FulfillmentStatusChanged { order_id, fulfillment_id, .. }
        | DomainEvent::FulfillmentDelivered { order_id, fulfillment_id, .. }
        | DomainEvent::ShipmentDelayed { order_id, fulfillment_id, .. } => {
            (*order_id, Some(*fulfillment_id))
        }
        _ => return Ok(None),
    };
    let Some(order) = tx.order(order_id)? else { return Ok(None) };
    let fulfillment = match fulfillment_id {
        Some(id) => tx.fulfillment(id)?,
        None => None,
    };
    Ok(Some(Notification::new(record.seq, kind, &order, fulfillment.as_ref(), record.recorded_at)))
}

/// Event kinds that may call for a notification (checked before decoding).
const NOTIFYING_KINDS: &[&str] = &[
    "OrderPlaced",
    "FulfillmentShipped",
    "FulfillmentStatusChanged",
    "FulfillmentDelivered",
    "ShipmentDelayed",
];
