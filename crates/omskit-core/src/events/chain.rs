//! SHA-256 chaining of events within a stream, and verification of the log.

use std::collections::HashMap;
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

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
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

/// Checks events fed in increasing sequence order, page by page.
#[derive(Debug, Default)]
pub(crate) struct ChainVerifier {
    heads: HashMap<String, ChainLink>,
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
        let reason = self.problem(record);
        self.checked += 1;
        self.last_seq = record.seq;
        if let Some(reason) = reason {
            self.broken =
                Some(BrokenLink { seq: record.seq, stream: record.stream.clone(), reason });
            return false;
        }
        self.heads.insert(record.stream.clone(), record.link());
        true
    }

    fn problem(&self, record: &EventRecord) -> Option<String> {
        if record.seq <= self.last_seq {
            return Some(format!("sequence {} does not follow {}", record.seq, self.last_seq));
        }
        let (expected_version, expected_prev) = match self.heads.get(&record.stream) {
            Some(head) => (head.version + 1, head.hash),
            None => (1, Hash32::ZERO),
        };
        if record.version != expected_version {
            return Some(format!(
                "version {} where {expected_version} was expected",
                record.version
            ));
        }
        if record.prev_hash != expected_prev {
            return Some("previous hash does not match the stream's last event".to_owned());
        }
        if record.compute_hash() != record.hash {
            return Some("content does not match its hash".to_owned());
        }
        None
    }

    pub(crate) fn report(self) -> AuditReport {
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
    fn a_missing_event_breaks_the_chain() {
        let a1 = record("a", None, 1);
        let a2 = record("a", Some(&a1.link()), 2);
        let a3 = record("a", Some(&a2.link()), 3);
        let mut v = ChainVerifier::default();
        v.check(&a1);
        assert!(!v.check(&a3));
        assert_eq!(v.report().first_broken.map(|b| b.seq), Some(3));
    }

    #[test]
    fn distinct_fields_never_share_an_encoding() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid time");
        let a = hash_event("ab", 1, at, "c", "", &Hash32::ZERO);
        let b = hash_event("a", 1, at, "bc", "", &Hash32::ZERO);
        assert_ne!(a, b);
    }
}
