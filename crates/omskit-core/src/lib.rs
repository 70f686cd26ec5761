//! The pure domain core of omskit: orders, money, inventory reservations,
//! events and the storage traits. No I/O, no global clock, no global
//! randomness: time and ids are injected ([`clock::Clock`], [`id::IdGenerator`]).
//!
//! Most applications use the `omskit` facade crate, which re-exports this one.
#![forbid(unsafe_code)]

pub mod clock;
pub mod engine;
pub mod error;
pub mod events;
pub mod id;
pub mod inventory;
pub mod memory;
pub mod money;
pub mod order;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use engine::{Oms, SubscriptionId, MAX_ATTEMPTS, MAX_STOCK_QUANTITY};
pub use error::{Error, Result, Shortage};
pub use events::{AuditReport, DomainEvent, EventRecord};
pub use id::{IdGenerator, OrderId, SequentialIds, SystemIds};
pub use inventory::{Location, Reservation, ReservationStatus, StockLevel, StockMovement};
pub use memory::MemoryStore;
pub use money::{Currency, Money};
pub use order::{
    Address, Channel, Customer, Discount, HoldRule, HoldRules, LineCancel, LineDraft, Order,
    OrderDiscount, OrderDraft, OrderEdit, OrderLine, OrderStatus, PaymentKind, PaymentStatus,
    Totals,
};
pub use store::{AnyStore, Store, StoreTx, TxMode};

/// The decimal type of every amount, re-exported so callers need not depend on `rust_decimal`.
pub use rust_decimal::Decimal;
