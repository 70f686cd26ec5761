//! Conversions between domain values and PostgreSQL values.

use omskit_core::Error;

/// SQLSTATEs after which running the whole transaction again may succeed:
/// serialization failure, deadlock, and a unique key taken by a concurrent
/// transaction (the retry then sees the winner's row), except on
/// [`TRACKING_NUMBER_UNIQUE`].
const RETRYABLE: [&str; 3] = ["40001", "40P01", "23505"];

/// The unique constraint on shipments' tracking numbers: its violation is a
/// tracking number another fulfilment order took (concurrently, as
/// `put_fulfillment` checks first): a retry would only find it taken.
pub(crate) const TRACKING_NUMBER_UNIQUE: &str = "shipments_tracking_number_unique";

/// Maps a driver error to the core's variants.
pub(crate) fn db(e: tokio_postgres::Error) -> Error {
    if let Some(db_error) = e.as_db_error() {
        if db_error.code().code() == "23505"
            && db_error.constraint() == Some(TRACKING_NUMBER_UNIQUE)
        {
            return Error::conflict(
                Some("tracking_number"),
                "the tracking number belongs to another fulfillment order",
            );
        }
        let retryable = RETRYABLE.contains(&db_error.code().code());
        return Error::Storage { message: db_error.message().to_owned(), retryable };
    }
    Error::storage(e)
}

/// An integer column that must fit the domain type.
pub(crate) fn int<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, Error> {
    T::try_from(value).map_err(|_| Error::storage(format!("stored {what} {value} out of range")))
}

pub(crate) use omskit_core::store::text::{from_json, from_name, json, name, parse};
