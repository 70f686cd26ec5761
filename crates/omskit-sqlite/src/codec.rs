//! Conversions between domain values and SQLite column values.

use chrono::{DateTime, SecondsFormat, Utc};
use omskit_core::Error;
use rust_decimal::Decimal;

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
    parse(text, "amount")
}

pub(crate) use omskit_core::store::text::{from_json, from_name, json, name, parse};
