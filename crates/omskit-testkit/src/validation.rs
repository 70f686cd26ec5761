//! (being written)

use crate::Factory;
use omskit_core::Store;

/// Runs every check of this module.
pub fn run<S: Store>(factory: Factory<'_, S>) {
    let _ = factory;
}
