//! The one error type of the core. Every binding maps these variants one to one.

use serde::{Deserialize, Serialize};

/// A shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One SKU that could not be reserved in full, as listed by [`Error::InsufficientStock`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortage {
    /// The SKU that is short.
    pub sku: String,
    /// Units the request needed.
    pub requested: u64,
    /// Units that were available for it.
    pub available: u64,
}

/// Everything that can go wrong in omskit.
///
/// Variants are checked in a documented order by each use case: input is
/// validated first (so a bad request is `Validation` even when stock is also
/// short), then existence (`NotFound`), then state (`InvalidTransition`),
/// then uniqueness (`Conflict`), then stock (`InsufficientStock`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input field is missing, malformed or out of range.
    #[error("invalid {field}: {message}")]
    Validation {
        /// Path of the offending field, such as `lines[2].quantity`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A currency code that is not in the ISO 4217 table omskit knows.
    #[error("unknown currency code {code:?}")]
    UnknownCurrency {
        /// The code as given.
        code: String,
    },
    /// Arithmetic between two amounts of different currencies.
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// The currency the operation works in.
        expected: String,
        /// The currency that was offered.
        found: String,
    },
    /// A computation left the representable range.
    #[error("arithmetic overflow in {what}")]
    Overflow {
        /// What was being computed.
        what: String,
    },
    /// The entity does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Kind of entity: `order`, `location`, `order line`...
        entity: &'static str,
        /// The id or code that was looked up.
        id: String,
    },
    /// Not enough available stock. `sku`, `requested` and `available` describe
    /// the first short line; `shortages` lists every short line.
    #[error("insufficient stock for {sku}: requested {requested}, available {available}")]
    InsufficientStock {
        /// SKU of the first short line.
        sku: String,
        /// Units the first short line needed.
        requested: u64,
        /// Units available for it.
        available: u64,
        /// Every short line, the first one included.
        shortages: Vec<Shortage>,
    },
    /// The action is not allowed in the entity's current state.
    #[error("cannot {action} {entity} in state {from}")]
    InvalidTransition {
        /// Kind of entity: `order`, `fulfillment order`...
        entity: &'static str,
        /// The state it is in.
        from: String,
        /// What was attempted.
        action: &'static str,
    },
    /// The request collides with existing data (a reused idempotency key with
    /// other content, a duplicate external id, a concurrent update).
    #[error("conflict: {message}")]
    Conflict {
        /// The first field that differs, where one does.
        field: Option<String>,
        /// What collided.
        message: String,
    },
    /// The database was written by a newer omskit whose schema this version
    /// does not know; it is left untouched.
    #[error("database schema version {found} is newer than the {supported} this omskit supports")]
    UnsupportedSchema {
        /// The schema version found in the database.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The storage backend failed.
    #[error("storage error: {message}")]
    Storage {
        /// The backend's description.
        message: String,
        /// True when retrying the whole transaction may succeed (a
        /// serialization failure or a deadlock); the engine retries these a
        /// bounded number of times before reporting `Conflict`.
        retryable: bool,
    },
}

impl Error {
    /// A [`Error::Validation`] for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation { field: field.into(), message: message.into() }
    }

    /// A [`Error::NotFound`] for the entity kind and id.
    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Error::NotFound { entity, id: id.to_string() }
    }

    /// A [`Error::InvalidTransition`].
    pub fn invalid_transition(
        entity: &'static str,
        from: impl ToString,
        action: &'static str,
    ) -> Self {
        Error::InvalidTransition { entity, from: from.to_string(), action }
    }

    /// A [`Error::Conflict`] naming the field that differs, if any.
    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        Error::Conflict { field: field.map(str::to_owned), message: message.into() }
    }

    /// A non-retryable [`Error::Storage`].
    pub fn storage(message: impl ToString) -> Self {
        Error::Storage { message: message.to_string(), retryable: false }
    }

    /// Builds [`Error::InsufficientStock`] from a non-empty list of shortages;
    /// the first one is the headline.
    pub fn insufficient_stock(shortages: Vec<Shortage>) -> Self {
        let first = shortages.first().cloned().unwrap_or(Shortage {
            sku: String::new(),
            requested: 0,
            available: 0,
        });
        Error::InsufficientStock {
            sku: first.sku,
            requested: first.requested,
            available: first.available,
            shortages,
        }
    }

    /// The same error with its field path prefixed, as in `lines[2]` + `quantity`.
    /// Errors without a field are returned unchanged.
    #[must_use]
    pub fn in_field(self, prefix: &str) -> Self {
        match self {
            Error::Validation { field, message } => Error::Validation {
                field: if field.is_empty() {
                    prefix.to_owned()
                } else {
                    format!("{prefix}.{field}")
                },
                message,
            },
            other => other,
        }
    }

    /// True for a [`Error::Storage`] that may succeed on retry.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Storage { retryable: true, .. })
    }
}
