//! SHA-256 chaining of events within a stream, and verification of the log.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::EventRecord;

/// A SHA-256 digest, shown and serialized as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// The all-zero hash that precedes the first event of a stream.
    pub const ZERO: Hash32 = Hash32([0; 32]);

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Hash32> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(Hash32(out))
    }
}

/// 64 lowercase hex digits, written in one piece: stores format every
/// event's two hashes, and digit-by-digit `write!` showed in their profiles.
impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 64];
        for (pair, byte) in text.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0xF)];
        }
        f.pad(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({self})")
    }
}

impl Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Hash32::from_hex(&text).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// The head of a stream: the version and hash of its latest event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    /// Version of the latest event.
    pub version: u64,
    /// Its hash.
    pub hash: Hash32,
}

/// The hash of one event: SHA-256 over its stream, type and payload (each
/// length-prefixed so that no two different events share an encoding), its
/// version, its time in microseconds since 1970, and the previous hash.
pub(crate) fn hash_event(
    stream: &str,
    version: u64,
    recorded_at: DateTime<Utc>,
    kind: &str,
    payload: &str,
    prev_hash: &Hash32,
) -> Hash32 {
    let mut hasher = Sha256::new();
    for field in [stream.as_bytes(), kind.as_bytes(), payload.as_bytes()] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field);
    }
    hasher.update(version.to_be_bytes());
    hasher.update(recorded_at.timestamp_micros().to_be_bytes());
    hasher.update(prev_hash.0);
    Hash32(hasher.finalize().into())
}

/// Where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// Sequence number of the first event that does not verify.
    pub seq: u64,
    /// Its stream.
    pub stream: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The outcome of [`crate::Oms::verify_audit_chain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Events checked.
    pub events_checked: u64,
    /// Streams seen.
    pub streams: u64,
    /// The first broken link in sequence order, if any.
    pub first_broken: Option<BrokenLink>,
}

impl AuditReport {
    /// True when every event verified.
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// One event waiting for its predecessor in the stream.
#[derive(Debug)]
struct Early {
    seq: u64,
    prev_hash: Hash32,
    link: ChainLink,
}

/// Checks events fed in increasing sequence order, page by page.
///
/// Each event's hash is checked on arrival; its link to the previous event
/// of its stream is checked in version order. On PostgreSQL the log is
/// ordered by transaction, and two overlapping transactions on one
/// aggregate can put version `n + 1` before version `n`; such an event waits
/// here until its predecessor arrives. One still waiting at the end is a
/// missing event.
#[derive(Debug, Default)]
pub(crate) struct ChainVerifier {
    heads: HashMap<String, ChainLink>,
    early: HashMap<String, BTreeMap<u64, Early>>,
    checked: u64,
    last_seq: u64,
    broken: Option<BrokenLink>,
}

impl ChainVerifier {
    /// Checks one event; returns false once a break was found.
    pub(crate) fn check(&mut self, record: &EventRecord) -> bool {
        if self.broken.is_some() {
            return false;
        }
        self.checked += 1;
        let reason = if record.seq <= self.last_seq {
            Some(format!("sequence {} does not follow {}", record.seq, self.last_seq))
        } else if record.compute_hash() != record.hash {
            Some("content does not match its hash".to_owned())
        } else {
            self.link(record)
        };
        self.last_seq = record.seq;
        match reason {
            Some(reason) => {
                self.broken =
                    Some(BrokenLink { seq: record.seq, stream: record.stream.clone(), reason });
                false
            }
            None => true,
        }
    }

    /// Links a (hash-checked) event into its stream, or keeps it until its
    /// predecessor arrives.
    fn link(&mut self, record: &EventRecord) -> Option<String> {
        let head = self.heads.get(&record.stream).copied();
        let next = head.map_or(1, |h| h.version + 1);
        if record.version < next {
            return Some(format!("version {} appears twice", record.version));
        }
        let early = Early { seq: record.seq, prev_hash: record.prev_hash, link: record.link() };
        if record.version > next {
            let waiting = self.early.entry(record.stream.clone()).or_default();
            if waiting.insert(record.version, early).is_some() {
                return Some(format!("version {} appears twice", record.version));
            }
            return None;
        }
        // In order: extend the stream, then everything that was waiting for it.
        let mut expected_prev = head.map_or(Hash32::ZERO, |h| h.hash);
        let mut current = early;
        loop {
            if current.prev_hash != expected_prev {
                return Some(format!(
                    "event {} does not link to version {} of its stream",
                    current.seq,
                    current.link.version - 1
                ));
            }
            self.heads.insert(record.stream.clone(), current.link);
            expected_prev = current.link.hash;
            let following = current.link.version + 1;
            match self.early.get_mut(&record.stream).and_then(|w| w.remove(&following)) {
                Some(next_event) => current = next_event,
                None => return None,
            }
        }
    }

    pub(crate) fn report(mut self) -> AuditReport {
        if self.broken.is_none() {
            // An event still waiting never got its predecessor: that one is missing.
            let missing = self
                .early
                .iter()
                .flat_map(|(stream, waiting)| {
                    waiting.iter().map(move |(version, e)| (e.seq, stream, *version))
                })
                .min();
            if let Some((seq, stream, version)) = missing {
                self.broken = Some(BrokenLink {
                    seq,
                    stream: stream.clone(),
                    reason: format!("version {version} where {} was expected", version - 1),
                });
            }
        }
        AuditReport {
            events_checked: self.checked,
            streams: self.heads.len() as u64,
            first_broken: self.broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::DomainEvent;
    use chrono::TimeZone;

    fn record(stream: &str, head: Option<&ChainLink>, seq: u64) -> EventRecord {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid time");
        let event = DomainEvent::LocationActivityChanged { code: stream.to_owned(), active: true };
        let mut r =
            EventRecord::new(format!("location:{stream}"), head, at, &event).expect("record");
        r.seq = seq;
        r
    }

    #[test]
    fn hash_hex_round_trip() {
        let h = Hash32([0xab; 32]);
        assert_eq!(Hash32::from_hex(&h.to_string()), Some(h));
        let mut bytes = [0u8; 32];
        bytes[0] = 0x0f;
        bytes[31] = 0xa1;
        let text = Hash32(bytes).to_string();
        assert_eq!(text, format!("0f{}a1", "0".repeat(60)));
        assert_eq!(Hash32::from_hex(&text), Some(Hash32(bytes)));
        assert_eq!(Hash32::from_hex("zz"), None);
        assert_eq!(Hash32::from_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn intact_chain_verifies_and_tampering_is_found() {
        let a1 = record("a", None, 1);
        let b1 = record("b", None, 2);
        let a2 = record("a", Some(&a1.link()), 3);
        let mut v = ChainVerifier::default();
        for r in [&a1, &b1, &a2] {
            assert!(v.check(r));
        }
        let report = v.report();
        assert!(report.is_intact());
        assert_eq!((report.events_checked, report.streams), (3, 2));

        let mut tampered = a2.clone();
        tampered.payload = tampered.payload.replace("true", "false");
        let mut v = ChainVerifier::default();
        v.check(&a1);
        v.check(&b1);
        assert!(!v.check(&tampered));
        let broken = v.report().first_broken.expect("break found");
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("hash"), "{}", broken.reason);
    }

    #[test]
    fn a_stream_may_arrive_out_of_version_order() {
        let a1 = record("a", None, 1);
        let a2 = record("a", Some(&a1.link()), 3);
        let mut a3 = record("a", Some(&a2.link()), 2);
        a3.seq = 2;
        let mut v = ChainVerifier::default();
        for r in [&a1, &a3, &a2] {
            assert!(v.check(r));
        }
        let report = v.report();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!((report.events_checked, report.streams), (3, 1));
    }

    #[test]
    fn a_missing_event_breaks_the_chain() {
        let a1 = record("a", None, 1);
        let a2 = record("a", Some(&a1.link()), 2);
        let a3 = record("a", Some(&a2.link()), 3);
        let mut v = ChainVerifier::default();
        assert!(v.check(&a1));
        assert!(v.check(&a3), "may still arrive");
        let broken = v.report().first_broken.expect("version 2 never came");
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("version 3 where 2"), "{}", broken.reason);
    }

    #[test]
    fn a_wrong_link_breaks_the_chain() {
        let a1 = record("a", None, 1);
        let b1 = record("b", None, 2);
        let mut forged = record("a", Some(&b1.link()), 3);
        forged.stream = a1.stream.clone();
        forged.hash = forged.compute_hash();
        let mut v = ChainVerifier::default();
        assert!(v.check(&a1));
        assert!(!v.check(&forged));
        assert!(v.report().first_broken.expect("broken").reason.contains("does not link"));
    }

    #[test]
    fn distinct_fields_never_share_an_encoding() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid time");
        let a = hash_event("ab", 1, at, "c", "", &Hash32::ZERO);
        let b = hash_event("a", 1, at, "bc", "", &Hash32::ZERO);
        assert_ne!(a, b);
    }
}
