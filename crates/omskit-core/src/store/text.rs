//! Text encodings that storage backends share: values stored as JSON, unit
//! enums stored as their names, and parsing stored text back. Any failure
//! to read stored data is a `Storage` error naming what was unreadable.

use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// A value as JSON text.
///
/// # Errors
/// `Storage` if it cannot be serialized.
pub fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::storage)
}

/// A value back from JSON text; `what` names it in the error.
///
/// # Errors
/// `Storage` if the text is not a valid `T`.
pub fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::storage(format!("stored {what} unreadable: {e}")))
}

/// A unit enum (a status, a kind) as its serialized name, such as `on_hold`.
///
/// # Errors
/// `Storage` if the value is not a unit variant.
pub fn name<T: Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value).map_err(Error::storage)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(Error::storage(format!("{other} is not a unit variant"))),
    }
}

/// A unit enum back from its name.
///
/// # Errors
/// `Storage` if the name is not a variant of `T`.
pub fn from_name<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| Error::storage(format!("stored {what} {text:?} unreadable: {e}")))
}

/// Parses stored text (an id, a currency, a decimal...).
///
/// # Errors
/// `Storage` if it does not parse.
pub fn parse<T: FromStr>(text: &str, what: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| Error::storage(format!("stored {what} {text:?} unreadable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{OrderStatus, PaymentStatus};

    #[test]
    fn names_round_trip_and_bad_text_is_a_storage_error() {
        assert_eq!(name(&OrderStatus::OnHold).expect("name"), "on_hold");
        assert_eq!(
            from_name::<PaymentStatus>("paid", "status").expect("parse"),
            PaymentStatus::Paid
        );
        assert!(matches!(from_name::<OrderStatus>("lost", "status"), Err(Error::Storage { .. })));
        assert!(matches!(from_json::<Vec<u32>>("[1,", "list"), Err(Error::Storage { .. })));
        assert!(matches!(parse::<u32>("x", "count"), Err(Error::Storage { .. })));
        assert!(name(&vec![1]).is_err());
    }
}
