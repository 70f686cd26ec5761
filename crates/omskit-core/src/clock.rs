//! Where omskit gets the time from.
//!
//! Everything that stamps a time asks a [`Clock`]: [`SystemClock`] in
//! production, [`ManualClock`] in tests.
//!
//! omskit keeps times to whole microseconds: both clocks return times
//! truncated with [`truncate_to_micros`], so a time that is stored (in
//! PostgreSQL's `timestamptz`, which holds microseconds, or anywhere else)
//! and read back compares equal to the original.
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use omskit_core::clock::{Clock, ManualClock};
//!
//! let clock = ManualClock::at_epoch_2026();
//! assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
//! clock.advance(Duration::minutes(5));
//! assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 1, 1, 0, 5, 0).unwrap());
//! ```

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, SubsecRound, TimeZone, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time, truncated to whole microseconds.
    fn now(&self) -> DateTime<Utc>;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// `t` with its sub-microsecond part dropped (rounded down, towards the
/// past, also before 1970), the precision at which omskit keeps every time.
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// The system's wall clock, truncated to microseconds. It is not monotonic:
/// it follows the system clock wherever it is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate_to_micros(Utc::now())
    }
}

/// A clock that moves only when told to, for deterministic tests.
///
/// It holds a time in whole microseconds behind an atomic, so it can be
/// advanced or set through `&self`, for instance while an engine holds it in
/// an `Arc`. A clock made with [`ManualClock::ticking`] also advances by a
/// fixed step after every [`now`](Clock::now), so successive events get
/// distinct times.
///
/// Times are clamped to chrono's range (about ±262,000 years) instead of
/// overflowing. Durations and steps are truncated towards zero to whole
/// microseconds.
pub struct ManualClock {
    /// The current time, in microseconds since the Unix epoch.
    micros: AtomicI64,
    /// Microseconds added after each `now()`; 0 for a still clock.
    step_micros: i64,
}

impl ManualClock {
    /// A still clock showing `start` (truncated to microseconds).
    pub fn new(start: DateTime<Utc>) -> Self {
        Self::ticking(start, Duration::zero())
    }

    /// A still clock showing 2026-01-01T00:00:00Z.
    pub fn at_epoch_2026() -> Self {
        Self::new(epoch_2026())
    }

    /// A clock showing `start` that moves forward by `step` after every call
    /// to [`now`](Clock::now): it returns `start`, `start + step`,
    /// `start + 2 * step`... A zero step makes a still clock; a negative one
    /// makes it run backwards.
    pub fn ticking(start: DateTime<Utc>, step: Duration) -> Self {
        ManualClock {
            micros: AtomicI64::new(start.timestamp_micros()),
            step_micros: micros_of(step),
        }
    }

    /// Moves the clock by `by`; a negative duration moves it back.
    pub fn advance(&self, by: Duration) {
        let by = micros_of(by);
        // The closure never returns `None`, so the update always succeeds.
        let _ = self.micros.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
            Some(clamp_micros(m.saturating_add(by)))
        });
    }

    /// Sets the clock to `t` (truncated to microseconds).
    pub fn set(&self, t: DateTime<Utc>) {
        self.micros.store(t.timestamp_micros(), Ordering::SeqCst);
    }

    /// The step added after every `now()`: zero unless made with
    /// [`ManualClock::ticking`].
    pub fn step(&self) -> Duration {
        Duration::microseconds(self.step_micros)
    }

    /// The time the next `now()` will return, without ticking.
    pub fn peek(&self) -> DateTime<Utc> {
        from_micros(self.micros.load(Ordering::SeqCst))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        if self.step_micros == 0 {
            return self.peek();
        }
        let step = self.step_micros;
        let previous = self
            .micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(clamp_micros(m.saturating_add(step)))
            })
            .unwrap_or_else(|m| m);
        from_micros(previous)
    }
}

impl Default for ManualClock {
    /// The same as [`ManualClock::at_epoch_2026`].
    fn default() -> Self {
        Self::at_epoch_2026()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.peek())
            .field("step", &self.step())
            .finish()
    }
}

/// 2026-01-01T00:00:00Z.
fn epoch_2026() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::UNIX_EPOCH)
}

/// `d` in whole microseconds, truncated towards zero and saturating.
fn micros_of(d: Duration) -> i64 {
    d.num_microseconds().unwrap_or(if d < Duration::zero() { i64::MIN } else { i64::MAX })
}

/// `m` clamped to the microseconds chrono can represent.
fn clamp_micros(m: i64) -> i64 {
    let min = DateTime::<Utc>::MIN_UTC.timestamp_micros();
    let max = DateTime::<Utc>::MAX_UTC.timestamp_micros();
    m.clamp(min, max)
}

/// The time `m` microseconds after the Unix epoch, clamped to chrono's range.
fn from_micros(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(clamp_micros(m)).unwrap_or(DateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{NaiveDate, Timelike};

    use super::*;

    fn at(h: u32, m: u32, s: u32, nanos: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 3, 14)
            .and_then(|d| d.and_hms_nano_opt(h, m, s, nanos))
            .unwrap()
            .and_utc()
    }

    #[test]
    fn truncation_drops_sub_microseconds() {
        assert_eq!(truncate_to_micros(at(1, 2, 3, 123_456_789)), at(1, 2, 3, 123_456_000));
        assert_eq!(truncate_to_micros(at(1, 2, 3, 999_999_999)), at(1, 2, 3, 999_999_000));
        assert_eq!(truncate_to_micros(at(1, 2, 3, 5_000)), at(1, 2, 3, 5_000));
        // Before 1970 it still rounds towards the past.
        let t = DateTime::from_timestamp(-1, 999_999_999).unwrap();
        assert_eq!(truncate_to_micros(t), DateTime::from_timestamp(-1, 999_999_000).unwrap());
    }

    #[test]
    fn truncation_is_idempotent_and_survives_micros_round_trip() {
        let t = truncate_to_micros(at(23, 59, 59, 987_654_321));
        assert_eq!(truncate_to_micros(t), t);
        assert_eq!(DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap(), t);
    }

    #[test]
    fn system_clock_is_current_and_truncated() {
        let before = truncate_to_micros(Utc::now());
        let now = SystemClock.now();
        let after = Utc::now();
        assert!(before <= now && now <= after, "{before} {now} {after}");
        assert_eq!(now.nanosecond() % 1_000, 0);
        for _ in 0..100 {
            assert_eq!(SystemClock.now().nanosecond() % 1_000, 0);
        }
    }

    #[test]
    fn manual_clock_stands_still() {
        let clock = ManualClock::new(at(9, 0, 0, 0));
        assert_eq!(clock.now(), at(9, 0, 0, 0));
        assert_eq!(clock.now(), at(9, 0, 0, 0));
        assert_eq!(clock.step(), Duration::zero());
    }

    #[test]
    fn manual_clock_truncates_its_start_and_set() {
        let clock = ManualClock::new(at(9, 0, 0, 1_999));
        assert_eq!(clock.now(), at(9, 0, 0, 1_000));
        clock.set(at(10, 0, 0, 7_654_321));
        assert_eq!(clock.now(), at(10, 0, 0, 7_654_000));
    }

    #[test]
    fn manual_clock_epoch_2026() {
        let clock = ManualClock::at_epoch_2026();
        assert_eq!(clock.now().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(ManualClock::default().now(), clock.now());
    }

    #[test]
    fn manual_clock_advances_and_sets() {
        let clock = ManualClock::at_epoch_2026();
        clock.advance(Duration::seconds(90));
        assert_eq!(clock.now(), epoch_2026() + Duration::seconds(90));
        clock.advance(Duration::microseconds(3));
        assert_eq!(clock.now(), epoch_2026() + Duration::microseconds(90_000_003));
        clock.advance(Duration::nanoseconds(999)); // below a microsecond: no move
        assert_eq!(clock.now(), epoch_2026() + Duration::microseconds(90_000_003));
        clock.advance(Duration::seconds(-90));
        assert_eq!(clock.now(), epoch_2026() + Duration::microseconds(3));
        clock.set(at(12, 0, 0, 0));
        assert_eq!(clock.now(), at(12, 0, 0, 0));
    }

    #[test]
    fn manual_clock_saturates_instead_of_overflowing() {
        // Duration::MAX and MIN are newer than the chrono 0.4.38 omskit supports.
        let huge = Duration::seconds(i64::MAX / 1_000);
        let clock = ManualClock::at_epoch_2026();
        clock.advance(huge);
        clock.advance(huge);
        assert_eq!(clock.now(), truncate_to_micros(DateTime::<Utc>::MAX_UTC));
        clock.advance(-huge);
        clock.advance(-huge);
        clock.advance(-huge);
        assert_eq!(clock.now(), DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn ticking_clock_gives_distinct_times() {
        let clock = ManualClock::ticking(at(8, 0, 0, 0), Duration::milliseconds(1));
        assert_eq!(clock.step(), Duration::milliseconds(1));
        assert_eq!(clock.peek(), at(8, 0, 0, 0));
        assert_eq!(clock.now(), at(8, 0, 0, 0));
        assert_eq!(clock.now(), at(8, 0, 0, 1_000_000));
        assert_eq!(clock.peek(), at(8, 0, 0, 2_000_000));
        clock.advance(Duration::seconds(1));
        assert_eq!(clock.now(), at(8, 0, 1, 2_000_000));
        clock.set(at(7, 0, 0, 0));
        assert_eq!(clock.now(), at(7, 0, 0, 0));
        assert_eq!(clock.now(), at(7, 0, 0, 1_000_000));
    }

    #[test]
    fn ticking_clock_is_unique_across_threads() {
        let clock = Arc::new(ManualClock::ticking(at(0, 0, 0, 0), Duration::microseconds(1)));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let clock = Arc::clone(&clock);
                std::thread::spawn(move || (0..1_000).map(|_| clock.now()).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<_> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 4_000);
        assert_eq!(clock.now(), at(0, 0, 0, 4_000_000));
    }

    #[test]
    fn manual_clock_is_shared_through_arc_and_dyn() {
        let clock = Arc::new(ManualClock::at_epoch_2026());
        let as_dyn: Arc<dyn Clock> = clock.clone();
        clock.advance(Duration::hours(1));
        assert_eq!(as_dyn.now(), epoch_2026() + Duration::hours(1));
        fn generic<C: Clock>(c: C) -> DateTime<Utc> {
            c.now()
        }
        assert_eq!(generic(&*clock), epoch_2026() + Duration::hours(1));
        assert_eq!(generic(Arc::clone(&clock)), epoch_2026() + Duration::hours(1));
        assert_eq!(generic(Box::new(SystemClock) as Box<dyn Clock>).nanosecond() % 1_000, 0);
    }

    #[test]
    fn debug_shows_the_time() {
        let text = format!("{:?}", ManualClock::at_epoch_2026());
        assert!(text.starts_with("ManualClock { now: 2026-01-01T00:00:00Z"), "{text}");
    }
}
