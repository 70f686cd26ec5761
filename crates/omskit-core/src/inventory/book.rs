//! [`StockBook`]: the stock rows one transaction works on, and the
//! allocation rules that move units between available and reserved.

use super::{Allocation, Location, StockLevel};
use crate::error::Shortage;

/// The stock levels of the SKUs a use case touches, loaded (and locked) at
/// the start of its transaction, changed in memory, and written back.
#[derive(Debug)]
pub struct StockBook {
    levels: Vec<StockLevel>,
    dirty: Vec<bool>,
    /// Every location (a handful: searched in place).
    locations: Vec<Location>,
}

impl StockBook {
    /// A book over `levels` (all levels of the SKUs involved) and the locations.
    pub fn new(levels: Vec<StockLevel>, locations: Vec<Location>) -> StockBook {
        let dirty = vec![false; levels.len()];
        StockBook { levels, dirty, locations }
    }

    fn location(&self, code: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.code == code)
    }

    /// Units available to new reservations for `sku` over all active locations.
    pub fn available(&self, sku: &str) -> i64 {
        self.candidates(sku).iter().map(|&i| self.levels[i].available()).sum()
    }

    /// Indices of the levels of `sku` at active locations, most preferred first.
    fn candidates(&self, sku: &str) -> Vec<usize> {
        let mut found: Vec<(i32, &str, usize)> = self
            .levels
            .iter()
            .enumerate()
            .filter(|(_, l)| l.sku == sku)
            .filter_map(|(i, l)| match self.location(&l.location) {
                Some(location) if location.active => {
                    Some((location.priority, l.location.as_str(), i))
                }
                _ => None,
            })
            .collect();
        found.sort_unstable();
        found.into_iter().map(|(_, _, i)| i).collect()
    }

    /// Reserves `quantity` units of `sku` for `line_id`, from the most
    /// preferred active location on, splitting across locations as needed.
    ///
    /// # Errors
    /// The shortage, with nothing reserved, when fewer units are available.
    pub fn reserve(
        &mut self,
        line_id: u32,
        sku: &str,
        quantity: i64,
    ) -> Result<Vec<Allocation>, Shortage> {
        let candidates = self.candidates(sku);
        let available: i64 = candidates.iter().map(|&i| self.levels[i].available()).sum();
        if available < quantity {
            return Err(Shortage {
                sku: sku.to_owned(),
                requested: quantity.max(0) as u64,
                available: available.max(0) as u64,
            });
        }
        Ok(self.take(line_id, sku, quantity, candidates))
    }

    /// Gives back `quantity` reserved units of `sku` at `location`.
    pub fn release(&mut self, sku: &str, location: &str, quantity: i64) {
        if let Some(i) = self.index(sku, location) {
            self.levels[i].reserved -= quantity;
            self.dirty[i] = true;
        }
    }

    /// Reserves as many of `quantity` units of `sku` as are available at
    /// active locations other than `excluding`, most preferred first.
    pub fn reserve_up_to(
        &mut self,
        line_id: u32,
        sku: &str,
        quantity: i64,
        excluding: &str,
    ) -> Vec<Allocation> {
        let mut candidates = self.candidates(sku);
        candidates.retain(|&i| self.levels[i].location != excluding);
        self.take(line_id, sku, quantity, candidates)
    }

    /// Reserves up to `quantity` units from the levels `candidates` names,
    /// in that order.
    fn take(
        &mut self,
        line_id: u32,
        sku: &str,
        quantity: i64,
        candidates: Vec<usize>,
    ) -> Vec<Allocation> {
        let mut remaining = quantity;
        let mut allocations = Vec::new();
        for i in candidates {
            if remaining == 0 {
                break;
            }
            let take = self.levels[i].available().min(remaining);
            if take > 0 {
                self.levels[i].reserved += take;
                self.dirty[i] = true;
                remaining -= take;
                allocations.push(Allocation {
                    line_id,
                    sku: sku.to_owned(),
                    location: self.levels[i].location.clone(),
                    quantity: take,
                });
            }
        }
        allocations
    }

    /// Takes `quantity` reserved units of `sku` out of `location`
    /// altogether (shipped, or found missing): on hand and reserved both
    /// go down.
    pub fn consume(&mut self, sku: &str, location: &str, quantity: i64) {
        if let Some(i) = self.index(sku, location) {
            self.levels[i].on_hand -= quantity;
            self.levels[i].reserved -= quantity;
            self.dirty[i] = true;
        }
    }

    /// Whether `location` takes new reservations.
    pub fn is_active(&self, location: &str) -> bool {
        self.location(location).is_some_and(|l| l.active)
    }

    /// The priority of a location (unknown locations sort last).
    pub fn priority(&self, location: &str) -> i32 {
        self.location(location).map_or(i32::MAX, |l| l.priority)
    }

    /// The level of (sku, location), if loaded.
    pub fn level(&self, sku: &str, location: &str) -> Option<&StockLevel> {
        self.index(sku, location).map(|i| &self.levels[i])
    }

    fn index(&self, sku: &str, location: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.sku == sku && l.location == location)
    }

    /// The levels that changed, to be written back.
    pub fn changed(&self) -> impl Iterator<Item = &StockLevel> {
        self.levels.iter().zip(&self.dirty).filter(|(_, d)| **d).map(|(l, _)| l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(code: &str, priority: i32, active: bool) -> Location {
        Location { code: code.into(), name: code.into(), priority, active }
    }

    fn level(sku: &str, location: &str, on_hand: i64, reserved: i64) -> StockLevel {
        StockLevel { sku: sku.into(), location: location.into(), on_hand, reserved }
    }

    #[test]
    fn reserves_by_priority_and_splits_when_short() {
        let locations = [loc("A", 2, true), loc("B", 1, true), loc("C", 3, false)];
        let mut book = StockBook::new(
            vec![level("S", "A", 10, 0), level("S", "B", 3, 1), level("S", "C", 100, 0)],
            locations.to_vec(),
        );
        assert_eq!(book.available("S"), 12);
        let got = book.reserve(1, "S", 5).expect("enough");
        let picks: Vec<(&str, i64)> =
            got.iter().map(|a| (a.location.as_str(), a.quantity)).collect();
        assert_eq!(picks, [("B", 2), ("A", 3)]);
        assert_eq!(book.changed().count(), 2);
        let short = book.reserve(2, "S", 8).expect_err("short");
        assert_eq!((short.requested, short.available), (8, 7));
        assert_eq!(book.available("S"), 7, "a failed reservation changes nothing");
    }

    #[test]
    fn equal_priorities_go_by_code() {
        let locations = [loc("Z", 1, true), loc("M", 1, true)];
        let mut book =
            StockBook::new(vec![level("S", "Z", 5, 0), level("S", "M", 5, 0)], locations.to_vec());
        let got = book.reserve(1, "S", 1).expect("enough");
        assert_eq!(got[0].location, "M");
        book.release("S", "M", 1);
        assert_eq!(book.level("S", "M").map(StockLevel::available), Some(5));
    }
}
