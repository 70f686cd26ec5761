//! The conformance suite on the in-memory store. Each area is its own test
//! so that failures are reported separately and run in parallel.

use omskit::{Engine, MemoryStore};
use omskit_testkit::{concurrency, lifecycle, properties, validation};

fn factory() -> Engine<MemoryStore> {
    Engine::new(MemoryStore::new())
}

#[test]
fn lifecycle() {
    lifecycle::run(&factory);
}

#[test]
fn validation() {
    validation::run(&factory);
}

#[test]
fn properties() {
    properties::run(&factory);
}

#[test]
fn concurrency() {
    concurrency::run(&factory);
}
