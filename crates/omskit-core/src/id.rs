//! Typed identifiers and the generators that mint them.
//!
//! Every entity has its own id type ([`OrderId`], [`ReservationId`],
//! [`MovementId`], [`PaymentId`], [`HoldId`]), a `Copy` newtype over a
//! 128-bit UUID, so that an order id can never be passed where a payment id
//! is expected. All of them:
//!
//! * display (and serialize) as the canonical lowercase hyphenated UUID form,
//!   `0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2b`;
//! * debug-print as `OrderId(0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2b)`;
//! * parse (and deserialize) from the hyphenated form, in either case, and
//!   reject anything else with [`Error::Validation`] on the field
//!   `<entity>_id` (`order_id`, `payment_id`...).
//!
//! Ids are minted by an [`IdGenerator`]: [`SystemIds`] in production
//! (UUIDv7, time-ordered) and [`SequentialIds`] in tests (deterministic).
//! Callers write `ids.next_id::<OrderId>()`, which works on a concrete
//! generator (with [`IdGenerator`] in scope) and on `dyn IdGenerator`
//! (`&dyn IdGenerator`, `Arc<dyn IdGenerator>`, `Box<dyn IdGenerator>`)
//! alike:
//!
//! ```
//! use std::sync::Arc;
//! use omskit_core::id::{IdGenerator, OrderId, PaymentId, SequentialIds};
//!
//! let ids: Arc<dyn IdGenerator> = Arc::new(SequentialIds::new());
//! let order = ids.next_id::<OrderId>();
//! let payment: PaymentId = ids.next_id();
//! assert!(order.as_u128() < payment.as_u128());
//! assert_eq!(order.to_string().parse::<OrderId>().unwrap(), order);
//! ```
//!
//! Other modules of the crate declare further id types with the same macro:
//! `use crate::id::define_id; define_id!(ShipmentId, "shipment");`.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::marker::PhantomData;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// Declares a typed id: a `Copy` newtype over `u128` with `from_u128`,
/// `as_u128`, `ENTITY`, `FIELD`, `From` conversions both ways, `Display` and
/// serde as the hyphenated UUID, `Debug` as `Name(uuid)` and a `FromStr` that
/// reports malformed input as `Error::Validation` on the field
/// `<entity>_id`.
///
/// `define_id!(ShipmentId, "shipment")` gets a generated doc summary; doc
/// comments written before the name replace it:
/// `define_id!(/// A parcel. ShipmentId, "shipment")`.
macro_rules! define_id {
    ($(#[$meta:meta])+ $name:ident, $entity:literal) => {
        $(#[$meta])+
        ///
        #[doc = concat!(
            "Displayed, serialized and parsed as a hyphenated UUID; malformed input is ",
            "rejected as `Error::Validation` on the field `",
            $entity,
            "_id`."
        )]
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u128);

        impl $name {
            /// The kind of entity this id names, as used in `Error::NotFound`.
            pub const ENTITY: &'static str = $entity;
            /// The field name reported when parsing this id fails.
            pub const FIELD: &'static str = concat!($entity, "_id");

            /// The id with this 128-bit value.
            pub const fn from_u128(value: u128) -> Self {
                Self(value)
            }

            /// The id's 128-bit value.
            pub const fn as_u128(self) -> u128 {
                self.0
            }
        }

        impl ::core::convert::From<u128> for $name {
            fn from(value: u128) -> Self {
                Self(value)
            }
        }

        impl ::core::convert::From<$name> for u128 {
            fn from(id: $name) -> u128 {
                id.0
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::id::fmt_hyphenated(self.0, f)
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(concat!(stringify!($name), "("))?;
                $crate::id::fmt_hyphenated(self.0, f)?;
                f.write_str(")")
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::error::Error;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                $crate::id::parse_hyphenated(s)
                    .map(Self)
                    .ok_or_else(|| $crate::id::parse_error(Self::FIELD, s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                deserializer.deserialize_str($crate::id::IdVisitor::<Self>::new())
            }
        }
    };
    ($name:ident, $entity:literal) => {
        $crate::id::define_id!(
            #[doc = concat!("Identifies one ", $entity, ".")]
            $name,
            $entity
        );
    };
}
pub(crate) use define_id;

define_id!(OrderId, "order");
define_id!(ReservationId, "reservation");
define_id!(MovementId, "movement");
define_id!(PaymentId, "payment");
define_id!(HoldId, "hold");
define_id!(FulfillmentId, "fulfillment");
define_id!(PickListId, "pick_list");

/// Length of the hyphenated form: 32 hex digits and 4 hyphens.
const HYPHENATED_LEN: usize = 36;

/// Whether byte `pos` of the hyphenated form is a hyphen (8-4-4-4-12).
const fn is_hyphen_pos(pos: usize) -> bool {
    matches!(pos, 8 | 13 | 18 | 23)
}

/// Writes `value` as a lowercase hyphenated UUID, honouring width and fill.
pub(crate) fn fmt_hyphenated(value: u128, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; HYPHENATED_LEN];
    let mut shift = 128;
    for (pos, byte) in buf.iter_mut().enumerate() {
        if is_hyphen_pos(pos) {
            *byte = b'-';
        } else {
            shift -= 4;
            *byte = HEX[((value >> shift) & 0xF) as usize];
        }
    }
    f.pad(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
}

/// Parses the hyphenated UUID form, hex digits in either case; `None` for
/// anything else (braces, `urn:uuid:`, the 32-digit simple form...).
pub(crate) fn parse_hyphenated(s: &str) -> Option<u128> {
    let bytes = s.as_bytes();
    if bytes.len() != HYPHENATED_LEN {
        return None;
    }
    let mut value = 0u128;
    for (pos, &c) in bytes.iter().enumerate() {
        if is_hyphen_pos(pos) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        value = (value << 4) | u128::from(digit);
    }
    Some(value)
}

/// The validation error for a string that is not a hyphenated UUID; long
/// input is cut short in the message.
pub(crate) fn parse_error(field: &'static str, input: &str) -> Error {
    const SHOWN: usize = 48;
    let shown: String = input.chars().take(SHOWN).collect();
    let ellipsis = if input.chars().nth(SHOWN).is_some() { "..." } else { "" };
    Error::validation(
        field,
        format!("not a UUID: {shown:?}{ellipsis} (expected 8-4-4-4-12 hex digits)"),
    )
}

/// Serde visitor shared by every id type: a string parsed with `FromStr`.
pub(crate) struct IdVisitor<T>(PhantomData<T>);

impl<T> IdVisitor<T> {
    /// A visitor for `T`.
    pub(crate) const fn new() -> Self {
        IdVisitor(PhantomData)
    }
}

impl<T: FromStr<Err = Error>> serde::de::Visitor<'_> for IdVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a hyphenated UUID string")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
        s.parse().map_err(E::custom)
    }
}

/// Mints 128-bit ids. Implementations must be cheap and safe to share
/// between threads.
///
/// The trait itself has only [`next_u128`](IdGenerator::next_u128), so it
/// stays object safe. Typed ids come from `next_id`: callers write
/// `ids.next_id::<OrderId>()`. It is an inherent method of
/// `dyn IdGenerator` (so it works through `&dyn IdGenerator`,
/// `Arc<dyn IdGenerator>` and `Box<dyn IdGenerator>`) and of
/// [`SystemIds`] and [`SequentialIds`], and needs no import. In code generic
/// over `G: IdGenerator`, write `OrderId::from(ids.next_u128())`.
///
/// `&G`, `Box<G>` and `Arc<G>` are generators when `G` is.
pub trait IdGenerator: Send + Sync {
    /// The next raw 128-bit id.
    fn next_u128(&self) -> u128;
}

impl dyn IdGenerator + '_ {
    /// The next id, typed: `ids.next_id::<OrderId>()`.
    pub fn next_id<I: From<u128>>(&self) -> I {
        I::from(self.next_u128())
    }
}

impl<G: IdGenerator + ?Sized> IdGenerator for &G {
    fn next_u128(&self) -> u128 {
        (**self).next_u128()
    }
}

impl<G: IdGenerator + ?Sized> IdGenerator for Box<G> {
    fn next_u128(&self) -> u128 {
        (**self).next_u128()
    }
}

impl<G: IdGenerator + ?Sized> IdGenerator for Arc<G> {
    fn next_u128(&self) -> u128 {
        (**self).next_u128()
    }
}

/// Largest value of the 12-bit `rand_a` field.
const RAND_A_MAX: u16 = 0xFFF;
/// Mask of the 62-bit `rand_b` field.
const RAND_B_MASK: u64 = (1 << 62) - 1;
/// Mask of the 48-bit `unix_ts_ms` field.
const TIMESTAMP_MASK: u64 = (1 << 48) - 1;

/// Lays out a UUIDv7 (RFC 9562 section 5.7): 48-bit Unix milliseconds,
/// version `0111`, 12-bit `rand_a`, variant `10`, 62-bit `rand_b`.
const fn uuid_v7(unix_ms: u64, rand_a: u16, rand_b: u64) -> u128 {
    ((unix_ms & TIMESTAMP_MASK) as u128) << 80
        | 0x7 << 76
        | ((rand_a & RAND_A_MAX) as u128) << 64
        | 0b10 << 62
        | (rand_b & RAND_B_MASK) as u128
}

/// Milliseconds since the Unix epoch by the system clock (0 before 1970).
fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One step of SplitMix64, used to expand seeds.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The xoshiro256** generator: fast, 256 bits of state, not cryptographic.
struct Xoshiro256 {
    s: [u64; 4],
}

impl Xoshiro256 {
    /// A generator seeded from std's per-process random hasher keys, the
    /// time, the process id, a per-process instance counter and an address.
    fn from_entropy() -> Self {
        static INSTANCES: AtomicU64 = AtomicU64::new(0);
        let instance = INSTANCES.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let local = 0u8;
        let address = std::ptr::addr_of!(local) as usize;
        let hasher = RandomState::new();
        let mut mix = hasher.hash_one((
            instance,
            nanos,
            std::process::id(),
            address,
            std::thread::current().id(),
        ));
        let mut s = [0u64; 4];
        for (i, word) in s.iter_mut().enumerate() {
            // A fresh RandomState per word adds the keys of each.
            *word = splitmix64(&mut mix) ^ RandomState::new().hash_one((i, mix));
        }
        if s == [0; 4] {
            s[0] = 0x9E37_79B9_7F4A_7C15;
        }
        Xoshiro256 { s }
    }

    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }
}

/// Mutable state of [`SystemIds`].
struct SystemState {
    /// Timestamp of the last id, in Unix milliseconds.
    last_ms: u64,
    /// `rand_a` of the last id: the counter within `last_ms`.
    counter: u16,
    /// Source of `rand_b`.
    rng: Xoshiro256,
}

/// The production generator: UUIDv7 ids (RFC 9562) that sort by creation
/// time.
///
/// Layout: the 48-bit Unix millisecond timestamp from the system clock,
/// version 7, the 12-bit `rand_a` used as a counter within one millisecond
/// (RFC 9562 method 1; when it overflows the timestamp advances by one
/// millisecond), variant `10` and 62 random bits.
///
/// Ids from one `SystemIds` are strictly increasing, even if the system
/// clock steps back (the generator keeps using its last timestamp until the
/// clock catches up). Ids from different generators or processes are unique
/// with overwhelming probability thanks to the 62 random bits, drawn from a
/// xoshiro256** generator seeded from std's `RandomState`, the time and the
/// process id. The randomness is not cryptographic: ids are unique, not
/// unguessable. A process that `fork`s without `exec` should make a new
/// `SystemIds` in the child.
pub struct SystemIds {
    state: Mutex<SystemState>,
}

impl SystemIds {
    /// A generator with a freshly seeded random source.
    pub fn new() -> Self {
        SystemIds {
            state: Mutex::new(SystemState {
                last_ms: 0,
                counter: 0,
                rng: Xoshiro256::from_entropy(),
            }),
        }
    }

    /// The next id, typed: `ids.next_id::<OrderId>()`.
    pub fn next_id<I: From<u128>>(&self) -> I {
        I::from(self.next_u128())
    }
}

impl Default for SystemIds {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SystemIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemIds").finish_non_exhaustive()
    }
}

impl IdGenerator for SystemIds {
    fn next_u128(&self) -> u128 {
        let now = unix_millis();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if now > state.last_ms {
            state.last_ms = now;
            state.counter = 0;
        } else if state.counter < RAND_A_MAX {
            state.counter += 1;
        } else {
            state.last_ms += 1;
            state.counter = 0;
        }
        let random = state.rng.next_u64();
        uuid_v7(state.last_ms, state.counter, random)
    }
}

/// Unix milliseconds of 2026-01-01T00:00:00Z, the timestamp of every
/// [`SequentialIds`] id.
const SEQUENTIAL_MS: u64 = 1_767_225_600_000;

/// A deterministic generator for tests: UUIDv7-shaped ids with the fixed
/// timestamp 2026-01-01T00:00:00Z and a counter in the low bits, so they are
/// strictly increasing and the same on every run.
///
/// The id for counter `n` has `n`'s low 62 bits in `rand_b` and its top 2
/// bits in `rand_a`. [`SequentialIds::new`] starts at 1, so its first id is
/// `019b76da-a800-7000-8000-000000000001`, the second ends in `...002`, and
/// so on.
#[derive(Debug)]
pub struct SequentialIds {
    /// Counter of the first id.
    start: u64,
    /// How many ids have been handed out.
    issued: AtomicU64,
}

impl SequentialIds {
    /// A generator whose first id has counter 1.
    pub fn new() -> Self {
        Self::starting_at(1)
    }

    /// A generator whose first id has counter `n`.
    pub fn starting_at(n: u64) -> Self {
        SequentialIds { start: n, issued: AtomicU64::new(0) }
    }

    /// The next id, typed: `ids.next_id::<OrderId>()`.
    ///
    /// # Panics
    ///
    /// After the counter has passed `u64::MAX`.
    pub fn next_id<I: From<u128>>(&self) -> I {
        I::from(self.next_u128())
    }
}

impl Default for SequentialIds {
    fn default() -> Self {
        Self::new()
    }
}

impl IdGenerator for SequentialIds {
    /// # Panics
    ///
    /// After the counter has passed `u64::MAX`.
    fn next_u128(&self) -> u128 {
        let n = self
            .start
            .checked_add(self.issued.fetch_add(1, Ordering::Relaxed))
            .expect("SequentialIds exhausted its 64-bit counter");
        uuid_v7(SEQUENTIAL_MS, (n >> 62) as u16, n & RAND_B_MASK)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    const SAMPLE: &str = "0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2b";

    fn version(v: u128) -> u128 {
        (v >> 76) & 0xF
    }

    fn variant(v: u128) -> u128 {
        (v >> 62) & 0b11
    }

    fn field_of(err: Error) -> String {
        match err {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn display_parse_round_trip() {
        let id: OrderId = SAMPLE.parse().unwrap();
        assert_eq!(id.as_u128(), 0x0190a5f2_3c4d_7e5f_8a6b_7c8d9e0f1a2b);
        assert_eq!(id.to_string(), SAMPLE);
        assert_eq!(OrderId::from_u128(id.as_u128()), id);
        assert_eq!(OrderId::from_u128(0).to_string(), "00000000-0000-0000-0000-000000000000");
        assert_eq!(
            OrderId::from_u128(u128::MAX).to_string(),
            "ffffffff-ffff-ffff-ffff-ffffffffffff"
        );
    }

    #[test]
    fn parse_is_case_insensitive_and_displays_lowercase() {
        let id: PaymentId = SAMPLE.to_uppercase().parse().unwrap();
        assert_eq!(id.to_string(), SAMPLE);
    }

    #[test]
    fn debug_names_the_type() {
        let id: HoldId = SAMPLE.parse().unwrap();
        assert_eq!(format!("{id:?}"), format!("HoldId({SAMPLE})"));
    }

    #[test]
    fn display_honours_width() {
        let id = MovementId::from_u128(1);
        assert_eq!(format!("{id:>38}"), "  00000000-0000-0000-0000-000000000001");
    }

    #[test]
    fn consts_and_conversions() {
        assert_eq!(OrderId::ENTITY, "order");
        assert_eq!(OrderId::FIELD, "order_id");
        assert_eq!(ReservationId::FIELD, "reservation_id");
        assert_eq!(u128::from(HoldId::from(7u128)), 7);
    }

    #[test]
    fn parse_errors() {
        let bad = [
            "",
            "0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2", // too short
            "0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2bc", // too long
            "0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2g", // bad hex
            "0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2é", // non-ASCII
            "0190a5f23c4d7e5f8a6b7c8d9e0f1a2b",    // no hyphens
            "0190a5f2-3c4d-7e5f-8a6b7c8d9e0f1a2b", // one missing
            "0190a5f2_3c4d_7e5f_8a6b_7c8d9e0f1a2b", // wrong separator
            "0190a5f-23c4d-7e5f-8a6b-7c8d9e0f1a2b", // misplaced hyphen
            "{0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a}", // braces
            "+190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2b", // sign
            " 0190a5f2-3c4d-7e5f-8a6b-7c8d9e0f1a2", // whitespace
        ];
        for s in bad {
            let err = s.parse::<OrderId>().unwrap_err();
            match &err {
                Error::Validation { field, message } => {
                    assert_eq!(field, "order_id", "{s:?}");
                    assert!(message.starts_with("not a UUID: "), "{message}");
                }
                other => panic!("{s:?}: {other:?}"),
            }
        }
        assert_eq!(field_of("x".parse::<PaymentId>().unwrap_err()), "payment_id");
        assert_eq!(field_of("x".parse::<HoldId>().unwrap_err()), "hold_id");
    }

    #[test]
    fn parse_error_message_cuts_long_input() {
        let long = "z".repeat(10_000);
        let err = long.parse::<OrderId>().unwrap_err();
        let text = err.to_string();
        assert!(text.len() < 200, "{text}");
        assert!(text.starts_with("invalid order_id: not a UUID: \"zzz"), "{text}");
    }

    #[test]
    fn serde_round_trip() {
        let id: ReservationId = SAMPLE.parse().unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{SAMPLE}\""));
        assert_eq!(serde_json::from_str::<ReservationId>(&json).unwrap(), id);
        let ids = vec![id, ReservationId::from_u128(5)];
        let json = serde_json::to_string(&ids).unwrap();
        assert_eq!(serde_json::from_str::<Vec<ReservationId>>(&json).unwrap(), ids);
        // From an owned string (serde_json::Value), too.
        let value = serde_json::Value::String(SAMPLE.to_uppercase());
        assert_eq!(serde_json::from_value::<ReservationId>(value).unwrap(), id);
    }

    #[test]
    fn serde_rejects_bad_input() {
        let err = serde_json::from_str::<OrderId>("\"not-a-uuid\"").unwrap_err();
        assert!(err.to_string().contains("invalid order_id: not a UUID"), "{err}");
        let err = serde_json::from_str::<OrderId>("42").unwrap_err();
        assert!(err.to_string().contains("a hyphenated UUID string"), "{err}");
    }

    #[test]
    fn system_ids_version_and_variant() {
        let ids = SystemIds::new();
        let before = unix_millis();
        for _ in 0..1000 {
            let v = ids.next_u128();
            assert_eq!(version(v), 7);
            assert_eq!(variant(v), 0b10);
            let id = OrderId::from_u128(v).to_string();
            assert_eq!(&id[14..15], "7", "{id}");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        }
        let ms = (ids.next_u128() >> 80) as u64;
        // The timestamp is the clock's, give or take counter overflow.
        assert!(ms >= before && ms <= unix_millis() + 1000, "{ms} vs {before}");
    }

    #[test]
    fn system_ids_strictly_increase() {
        let ids = SystemIds::new();
        let mut last = ids.next_u128();
        for _ in 0..100_000 {
            let next = ids.next_u128();
            assert!(next > last, "{next:x} <= {last:x}");
            last = next;
        }
    }

    #[test]
    fn system_ids_counter_overflow_advances_the_timestamp() {
        let ids = SystemIds::new();
        {
            let mut state = ids.state.lock().unwrap();
            state.last_ms = unix_millis() + 60_000;
            state.counter = RAND_A_MAX - 1;
        }
        let a = ids.next_u128();
        let b = ids.next_u128();
        assert_eq!((a >> 64) & 0xFFF, u128::from(RAND_A_MAX));
        assert_eq!((b >> 64) & 0xFFF, 0);
        assert_eq!((b >> 80) - (a >> 80), 1);
        assert!(b > a);
    }

    #[test]
    fn system_ids_unique_across_threads() {
        let ids = Arc::new(SystemIds::new());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let ids = Arc::clone(&ids);
                std::thread::spawn(move || {
                    let mut got = Vec::with_capacity(10_000);
                    let mut last = 0;
                    for _ in 0..10_000 {
                        let v = ids.next_u128();
                        assert!(v > last, "each thread sees increasing ids");
                        last = v;
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        let mut all = HashSet::new();
        for handle in handles {
            for v in handle.join().unwrap() {
                assert!(all.insert(v), "duplicate id {v:x}");
            }
        }
        assert_eq!(all.len(), 40_000);
    }

    #[test]
    fn separate_system_ids_do_not_collide() {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let ids = SystemIds::new();
                    (0..10_000).map(|_| ids.next_u128()).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = HashSet::new();
        for handle in handles {
            for v in handle.join().unwrap() {
                assert!(all.insert(v), "duplicate id {v:x}");
            }
        }
    }

    #[test]
    fn fresh_generators_draw_different_random_bits() {
        let a = SystemIds::new().next_u128() & u128::from(RAND_B_MASK);
        let b = SystemIds::new().next_u128() & u128::from(RAND_B_MASK);
        assert_ne!(a, b);
    }

    #[test]
    fn sequential_ids_are_deterministic() {
        let a = SequentialIds::new();
        let b = SequentialIds::new();
        let xs: Vec<u128> = (0..100).map(|_| a.next_u128()).collect();
        let ys: Vec<u128> = (0..100).map(|_| b.next_u128()).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(OrderId::from_u128(xs[0]).to_string(), "019b76da-a800-7000-8000-000000000001");
        assert_eq!(OrderId::from_u128(xs[1]).to_string(), "019b76da-a800-7000-8000-000000000002");
        for &v in &xs {
            assert_eq!(version(v), 7);
            assert_eq!(variant(v), 0b10);
            assert_eq!((v >> 80) as u64, SEQUENTIAL_MS);
        }
    }

    #[test]
    fn sequential_ids_starting_at() {
        let ids = SequentialIds::starting_at(0x1234);
        assert_eq!(ids.next_u128() & 0xFFFF, 0x1234);
        assert_eq!(ids.next_u128() & 0xFFFF, 0x1235);
        assert_eq!(SequentialIds::default().next_u128(), SequentialIds::new().next_u128());
    }

    #[test]
    fn sequential_ids_stay_increasing_past_62_bits() {
        let ids = SequentialIds::starting_at(RAND_B_MASK - 1);
        let a = ids.next_u128();
        let b = ids.next_u128();
        let c = ids.next_u128();
        assert!(a < b && b < c);
        for v in [a, b, c] {
            assert_eq!(version(v), 7);
            assert_eq!(variant(v), 0b10);
        }
        let last = SequentialIds::starting_at(u64::MAX - 1);
        assert!(last.next_u128() < last.next_u128());
    }

    #[test]
    #[should_panic(expected = "exhausted")]
    fn sequential_ids_panic_when_exhausted() {
        let ids = SequentialIds::starting_at(u64::MAX);
        assert_eq!(ids.next_u128() & u128::from(RAND_B_MASK), u128::from(RAND_B_MASK));
        ids.next_u128();
    }

    #[test]
    fn next_id_on_concrete_and_dyn_generators() {
        let concrete = SequentialIds::new();
        let first: OrderId = concrete.next_id();
        assert_eq!(first.as_u128() & 0xFF, 1);

        let shared: Arc<dyn IdGenerator> = Arc::new(SequentialIds::new());
        let a = shared.next_id::<OrderId>();
        let b: PaymentId = shared.next_id();
        assert!(a.as_u128() < b.as_u128());

        let by_ref: &dyn IdGenerator = &concrete;
        assert_eq!(by_ref.next_id::<HoldId>().as_u128() & 0xFF, 2);

        let boxed: Box<dyn IdGenerator> = Box::new(SystemIds::new());
        assert_eq!(version(boxed.next_id::<MovementId>().as_u128()), 7);

        fn generic<G: IdGenerator>(ids: G) -> ReservationId {
            ReservationId::from(ids.next_u128())
        }
        assert_eq!(generic(&concrete).as_u128() & 0xFF, 3);
        assert_eq!(generic(Arc::clone(&shared)).as_u128() & 0xFF, 3);
    }

    #[test]
    fn ids_order_like_their_values() {
        let ids = SequentialIds::new();
        let mut v: Vec<OrderId> = (0..10).map(|_| ids.next_id()).collect();
        let sorted = v.clone();
        v.reverse();
        v.sort();
        assert_eq!(v, sorted);
        let mut by_text: Vec<String> = sorted.iter().map(ToString::to_string).collect();
        by_text.sort();
        assert_eq!(by_text, sorted.iter().map(ToString::to_string).collect::<Vec<_>>());
    }

    proptest! {
        #[test]
        fn display_from_str_round_trip(v in any::<u128>()) {
            let id = OrderId::from_u128(v);
            let text = id.to_string();
            prop_assert_eq!(text.len(), 36);
            prop_assert_eq!(text.parse::<OrderId>().unwrap(), id);
            prop_assert_eq!(text.to_uppercase().parse::<OrderId>().unwrap(), id);
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<OrderId>(&json).unwrap(), id);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,40}") {
            if let Ok(id) = s.parse::<OrderId>() {
                prop_assert_eq!(id.to_string(), s.to_lowercase());
            }
        }
    }
}
