//! The pure domain core of omskit: orders, money, inventory reservations,
//! events and the storage traits. No I/O, no global clock, no global
//! randomness: time and ids are injected ([`clock::Clock`], [`id::IdGenerator`]).
//!
//! Most applications use the `omskit` facade crate, which re-exports this one.
#![forbid(unsafe_code)]

pub mod clock;
pub mod diagram;
pub mod engine;
pub mod error;
pub mod events;
pub mod fulfillment;
pub mod id;
pub mod inventory;
pub mod memory;
pub mod money;
pub mod notification;
pub mod order;
pub mod shipping;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use engine::{
    NotificationPage, Oms, SubscriptionId, TrackingOutcome, MAX_ATTEMPTS, MAX_STOCK_QUANTITY,
};
pub use error::{Error, Result, Shortage};
pub use events::{AuditReport, DomainEvent, EventRecord};
pub use fulfillment::{
    FulfillmentLine, FulfillmentOrder, FulfillmentStatus, Package, PackageLine, PickList,
    PickedLine,
};
pub use id::{FulfillmentId, IdGenerator, OrderId, PickListId, SequentialIds, SystemIds};
pub use inventory::{Location, Reservation, ReservationStatus, StockLevel, StockMovement};
pub use memory::MemoryStore;
pub use money::{Currency, Money};
pub use notification::{Notification, NotificationKind};
pub use order::{
    Address, Channel, Customer, Discount, HoldRule, HoldRules, LineCancel, LineDraft, Order,
    OrderDiscount, OrderDraft, OrderEdit, OrderLine, OrderStatus, PaymentKind, PaymentStatus,
    Totals,
};
pub use shipping::{
    Carrier, CarrierRegistry, ConditionKind, ConditionReading, ConditionThresholds, DeliveryProof,
    Parcel, RateQuote, RateShopping, Shipment, TableRateCarrier, TrackingEvent, TrackingEventKind,
    TrackingUpdate,
};
pub use store::{AnyStore, Store, StoreTx, TxMode};

/// The decimal type of every amount, re-exported so callers need not depend on `rust_decimal`.
pub use rust_decimal::Decimal;
