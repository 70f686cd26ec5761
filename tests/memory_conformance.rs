//! The conformance suite on the in-memory store, one test per area.

use omskit::{Engine, MemoryStore};
use omskit_testkit::Factory;

fn with_factory(_label: &str, run: impl FnOnce(Factory<'_, MemoryStore>)) {
    run(&|| Engine::new(MemoryStore::new()));
}

omskit_testkit::conformance_tests!(with_factory);
