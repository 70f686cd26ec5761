//! Pick lists: one walk through a location's bins for many fulfilment orders.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::FulfillmentOrder;
use crate::id::{FulfillmentId, OrderId, PickListId};

/// Where one fulfilment order's units of a pick-list entry go, for sorting
/// the picked units afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickSource {
    /// The fulfilment order.
    pub fulfillment_id: FulfillmentId,
    /// Its order.
    pub order_id: OrderId,
    /// The order line.
    pub line_id: u32,
    /// Units.
    pub quantity: u32,
}

/// One stop of the walk: a SKU in a bin, and how many units to take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickListEntry {
    /// The bin (`None`: no bin is recorded; those come last).
    pub bin: Option<String>,
    /// SKU.
    pub sku: String,
    /// Units to take, over every fulfilment order.
    pub quantity: u64,
    /// The split by fulfilment order.
    pub sources: Vec<PickSource>,
}

/// Units one fulfilment order gets from the walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickTotal {
    /// The fulfilment order.
    pub fulfillment_id: FulfillmentId,
    /// Its order.
    pub order_id: OrderId,
    /// Units over all its lines.
    pub units: u64,
}

/// A batch of fulfilment orders of one location, picked in one walk sorted
/// by bin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickList {
    /// Id.
    pub id: PickListId,
    /// The location walked.
    pub location: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The stops, by bin then SKU.
    pub entries: Vec<PickListEntry>,
    /// Per fulfilment order, in the order given.
    pub totals: Vec<PickTotal>,
}

impl PickList {
    /// Builds the walk for `fulfillments` (all at `location`); `bin_of`
    /// gives a SKU's bin there.
    pub(crate) fn build(
        id: PickListId,
        location: &str,
        fulfillments: &[FulfillmentOrder],
        bin_of: impl Fn(&str) -> Option<String>,
        now: DateTime<Utc>,
    ) -> PickList {
        // Keyed (no-bin-last, bin, sku): the walk order.
        let mut stops: BTreeMap<(bool, String, String), PickListEntry> = BTreeMap::new();
        for f in fulfillments {
            for line in &f.lines {
                let bin = bin_of(&line.sku);
                let key = (bin.is_none(), bin.clone().unwrap_or_default(), line.sku.clone());
                let entry = stops.entry(key).or_insert_with(|| PickListEntry {
                    bin,
                    sku: line.sku.clone(),
                    quantity: 0,
                    sources: Vec::new(),
                });
                entry.quantity += u64::from(line.quantity);
                entry.sources.push(PickSource {
                    fulfillment_id: f.id,
                    order_id: f.order_id,
                    line_id: line.line_id,
                    quantity: line.quantity,
                });
            }
        }
        PickList {
            id,
            location: location.to_owned(),
            created_at: now,
            entries: stops.into_values().collect(),
            totals: fulfillments
                .iter()
                .map(|f| PickTotal { fulfillment_id: f.id, order_id: f.order_id, units: f.units() })
                .collect(),
        }
    }
}

/// What was picked for one line of a fulfilment order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PickedLine {
    /// The order line.
    pub line_id: u32,
    /// Units actually picked; fewer than expected is a short pick.
    pub quantity: u32,
}
