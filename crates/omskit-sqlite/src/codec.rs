//! Conversions between domain values and SQLite column values.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use omskit_core::Error;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Maps a driver error: a busy or locked database may succeed on retry, a
/// constraint violation is a conflict, the rest are storage failures.
pub(crate) fn db(e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(failure, message) = &e {
        let text = message.clone().unwrap_or_else(|| failure.to_string());
        return match failure.code {
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                Error::Storage { message: text, retryable: true }
            }
            rusqlite::ErrorCode::ConstraintViolation => Error::conflict(None, text),
            _ => Error::storage(text),
        };
    }
    Error::storage(e)
}

/// A time as stored: RFC 3339, UTC, microseconds.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::storage(format!("stored time {text:?} unreadable: {e}")))
}

pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, Error> {
    Decimal::from_str(text)
        .map_err(|e| Error::storage(format!("stored amount {text:?} unreadable: {e}")))
}

pub(crate) fn parse<T: FromStr>(text: &str, what: &str) -> Result<T, Error>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| Error::storage(format!("stored {what} {text:?} unreadable: {e}")))
}

/// A value as JSON text.
pub(crate) fn json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(Error::storage)
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::storage(format!("stored {what} unreadable: {e}")))
}

/// A unit enum (status, kind) as its serde name.
pub(crate) fn name<T: Serialize>(value: &T) -> Result<String, Error> {
    match serde_json::to_value(value).map_err(Error::storage)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(Error::storage(format!("{other} is not a unit variant"))),
    }
}

pub(crate) fn from_name<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| Error::storage(format!("stored {what} {text:?} unreadable: {e}")))
}
