//! Orders: the draft a caller submits, the validated [`Order`] aggregate, its
//! pricing, holds, payments, edits and cancellation.

pub(crate) mod country;
mod draft;
mod holds;
mod model;
mod pricing;

pub(crate) use draft::{check_amount, check_id, check_text};
pub use draft::{
    Address, Channel, Customer, Discount, LineDraft, OrderDiscount, OrderDraft, MAX_ID_LEN,
    MAX_LINES, MAX_LINE_QUANTITY, MAX_PRICE_SCALE, MAX_TEXT_LEN,
};
pub use holds::{HoldCheck, HoldRule, HoldRules};
pub use model::{
    Hold, LineCancel, Order, OrderAction, OrderEdit, OrderLine, OrderStatus, Payment, PaymentKind,
    PaymentStatus, Totals,
};
pub use pricing::price_lines;
