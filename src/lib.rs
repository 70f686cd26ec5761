//! # omskit
//!
//! An embeddable order-management library: capture orders from any channel,
//! reserve stock across locations atomically, and keep a tamper-evident
//! event log of every change.
//!
//! This crate is the facade applications depend on; it re-exports the pure
//! domain core ([`omskit_core`]). See the README for a tour.
//!
//! ```
//! use omskit::{Oms, OrderDraft, LineDraft, Channel, Currency};
//!
//! let oms = Oms::in_memory();
//! oms.add_location("WH-EAST", "East DC", 1)?;
//! oms.receive_stock("SKU-1", "WH-EAST", 10, "PO-77")?;
//! let order = oms.place_order(
//!     &OrderDraft::new(Channel::Web, Currency::USD)
//!         .customer("c-42", "Ada Lovelace", "ada@example.com")
//!         .line(LineDraft::new("SKU-1", 2, "19.99".parse().unwrap())),
//! )?;
//! oms.cancel_order(order.id, "customer changed their mind")?;
//! assert_eq!(oms.available("SKU-1")?, 10);
//! # Ok::<(), omskit::Error>(())
//! ```
#![forbid(unsafe_code)]

pub use omskit_core::*;
