//! Conversions between domain values and PostgreSQL values.

use std::str::FromStr;

use omskit_core::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// SQLSTATEs after which running the whole transaction again may succeed:
/// serialization failure, deadlock, and a unique key taken by a concurrent
/// transaction (the retry then sees the winner's row).
const RETRYABLE: [&str; 3] = ["40001", "40P01", "23505"];

/// Maps a driver error to the core's variants.
pub(crate) fn db(e: postgres::Error) -> Error {
    if let Some(db_error) = e.as_db_error() {
        let retryable = RETRYABLE.contains(&db_error.code().code());
        return Error::Storage { message: db_error.message().to_owned(), retryable };
    }
    Error::storage(e)
}

pub(crate) fn parse<T: FromStr>(text: &str, what: &str) -> Result<T, Error>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| Error::storage(format!("stored {what} {text:?} unreadable: {e}")))
}

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

/// An integer column that must fit the domain type.
pub(crate) fn int<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, Error> {
    T::try_from(value).map_err(|_| Error::storage(format!("stored {what} {value} out of range")))
}
