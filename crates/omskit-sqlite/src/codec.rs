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

/// A time as stored: RFC 3339, UTC, microseconds
/// (`2026-11-28T14:43:07.123456Z`).
///
/// Written digit by digit: every row of an order carries one or two times,
/// and chrono's general formatter took a tenth of a microsecond each. Years
/// outside 0..=9999 and leap seconds go through chrono, which writes them
/// its own way.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let (year, nanos) = (t.year(), t.nanosecond());
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        return t.to_rfc3339_opts(SecondsFormat::Micros, true);
    };
    if nanos >= 1_000_000_000 {
        return t.to_rfc3339_opts(SecondsFormat::Micros, true);
    }
    let mut out = String::with_capacity(27);
    push_digits(&mut out, year, 4);
    for (separator, value, width) in [
        ('-', t.month(), 2),
        ('-', t.day(), 2),
        ('T', t.hour(), 2),
        (':', t.minute(), 2),
        (':', t.second(), 2),
        ('.', nanos / 1_000, 6),
    ] {
        out.push(separator);
        push_digits(&mut out, value, width);
    }
    out.push('Z');
    out
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place) % 10) as u8;
        out.push(char::from(b'0' + digit));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Duration, TimeZone};

    /// The hand-written format is chrono's, byte for byte, and reads back.
    #[test]
    fn times_are_written_as_chrono_writes_them() {
        let start = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).single().expect("time");
        let mut t = start;
        // Steps of a prime number of microseconds and hours cover every
        // field's digits, month ends and leap years over four centuries.
        while t.year() < 2400 {
            assert_eq!(time(t), t.to_rfc3339_opts(SecondsFormat::Micros, true));
            assert_eq!(parse_time(&time(t)).expect("parse"), t);
            t += Duration::hours(7919) + Duration::microseconds(104_729);
        }
        for t in [
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).single().expect("year 0"),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single().expect("year 9999"),
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).single().expect("year 10000"),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).single().expect("year -1"),
            start + Duration::nanoseconds(999),
        ] {
            assert_eq!(time(t), t.to_rfc3339_opts(SecondsFormat::Micros, true));
        }
    }
}
