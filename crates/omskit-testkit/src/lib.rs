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
//! Each check panics (like an assertion) when the backend misbehaves,
//! naming what went wrong.

pub mod concurrency;
pub mod crash;
pub mod fixtures;
pub mod fulfillment;
pub mod fulfillment_properties;
mod invariants;
pub mod lifecycle;
pub mod properties;
pub mod validation;

pub use invariants::{assert_invariants, invariant_violations};

use omskit_core::{Oms, Store};

/// Builds a fresh, empty engine for one test.
pub type Factory<'a, S> = &'a dyn Fn() -> Oms<S>;

/// Runs every conformance test against engines from `factory`.
pub fn run_all<S: Store>(factory: Factory<'_, S>) {
    lifecycle::run(factory);
    fulfillment::run(factory);
    validation::run(factory);
    properties::run(factory);
    fulfillment_properties::run(factory);
    concurrency::run(factory);
}

/// Defines one `#[test]` per area of the suite (`lifecycle`, `fulfillment`,
/// `validation`, `properties`, `fulfillment_properties`, `concurrency`), so a
/// backend reports each area separately.
/// `$with_factory` is a function `fn(label: &str, run: impl FnOnce(Factory<'_, S>))`
/// that sets up whatever the backend needs (a directory, a schema) and calls
/// `run` with a factory of fresh engines.
#[macro_export]
macro_rules! conformance_tests {
    ($with_factory:path) => {
        #[test]
        fn lifecycle() {
            $with_factory("lifecycle", |factory| $crate::lifecycle::run(factory));
        }

        #[test]
        fn fulfillment() {
            $with_factory("fulfillment", |factory| $crate::fulfillment::run(factory));
        }

        #[test]
        fn validation() {
            $with_factory("validation", |factory| $crate::validation::run(factory));
        }

        #[test]
        fn properties() {
            $with_factory("properties", |factory| $crate::properties::run(factory));
        }

        #[test]
        fn fulfillment_properties() {
            $with_factory("fulfillment_properties", |factory| {
                $crate::fulfillment_properties::run(factory)
            });
        }

        #[test]
        fn concurrency() {
            $with_factory("concurrency", |factory| $crate::concurrency::run(factory));
        }
    };
}
