//! [`StockBook`]: the stock rows one transaction works on, and the
//! allocation rules that move units between available and reserved.

use super::{Allocation, Location, StockLevel};
use crate::error::Shortage;

/// The stock levels of the SKUs a use case touches, loaded (and locked) at
/// the start of its transaction, changed in memory, and written back.
#[derive(Debug)]
pub struct StockBook {
    /// Grouped by SKU; within a SKU, most preferred first: active locations
    /// by (priority, code), then the others. Reserving walks one SKU's run
    /// in order, without sorting or allocating.
    levels: Vec<StockLevel>,
    /// Whether each level's location takes new reservations.
    active: Vec<bool>,
    dirty: Vec<bool>,
    /// Every location (a handful: searched in place).
    locations: Vec<Location>,
}

impl StockBook {
    /// A book over `levels` (all levels of the SKUs involved) and the locations.
    pub fn new(mut levels: Vec<StockLevel>, locations: Vec<Location>) -> StockBook {
        let find = |code: &str| locations.iter().find(|l| l.code == code && l.active);
        // Active locations first, by priority; ties (and the rest) by code.
        let preference = |l: &StockLevel| match find(&l.location) {
            Some(location) => (false, location.priority),
            None => (true, 0),
        };
        levels.sort_by(|a, b| {
            (a.sku.as_str(), preference(a), a.location.as_str()).cmp(&(
                b.sku.as_str(),
                preference(b),
                b.location.as_str(),
            ))
        });
        let active = levels.iter().map(|l| find(&l.location).is_some()).collect();
        let dirty = vec![false; levels.len()];
        StockBook { levels, active, dirty, locations }
    }

    fn location(&self, code: &str) -> Option<&Location> {
        self.locations.iter().find(|l| l.code == code)
    }

    /// The positions of `sku`'s levels, most preferred first.
    fn run(&self, sku: &str) -> std::ops::Range<usize> {
        let start = self.levels.partition_point(|l| l.sku.as_str() < sku);
        let len = self.levels[start..].partition_point(|l| l.sku == sku);
        start..start + len
    }

    /// Units available to new reservations for `sku` over all active locations.
    pub fn available(&self, sku: &str) -> i64 {
        self.run(sku).filter(|&i| self.active[i]).map(|i| self.levels[i].available()).sum()
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
        let available = self.available(sku);
        if available < quantity {
            return Err(Shortage {
                sku: sku.to_owned(),
                requested: quantity.max(0) as u64,
                available: available.max(0) as u64,
            });
        }
        Ok(self.take(line_id, sku, quantity, None))
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
        self.take(line_id, sku, quantity, Some(excluding))
    }

    /// Reserves up to `quantity` units of `sku` at its active locations
    /// (except `excluding`), most preferred first.
    fn take(
        &mut self,
        line_id: u32,
        sku: &str,
        quantity: i64,
        excluding: Option<&str>,
    ) -> Vec<Allocation> {
        let mut remaining = quantity;
        let mut allocations = Vec::new();
        for i in self.run(sku) {
            if remaining == 0 {
                break;
            }
            let level = &mut self.levels[i];
            if !self.active[i] || excluding == Some(level.location.as_str()) {
                continue;
            }
            let take = level.available().min(remaining);
            if take > 0 {
                level.reserved += take;
                self.dirty[i] = true;
                remaining -= take;
                allocations.push(Allocation {
                    line_id,
                    sku: sku.to_owned(),
                    location: level.location.clone(),
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
        self.run(sku).find(|&i| self.levels[i].location == location)
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
    fn skus_keep_apart_and_unknown_or_excluded_locations_are_skipped() {
        let locations = [loc("A", 1, true), loc("B", 2, true)];
        let mut book = StockBook::new(
            vec![
                level("T", "B", 4, 0),
                level("S", "GONE", 50, 0),
                level("S", "B", 2, 0),
                level("S", "A", 1, 0),
                level("R", "A", 9, 0),
            ],
            locations.to_vec(),
        );
        assert_eq!((book.available("R"), book.available("S"), book.available("T")), (9, 3, 4));
        assert_eq!(book.available("Q"), 0);
        let got = book.reserve_up_to(1, "S", 5, "A");
        let picks: Vec<(&str, i64)> =
            got.iter().map(|a| (a.location.as_str(), a.quantity)).collect();
        assert_eq!(picks, [("B", 2)], "short of 5: all B has, nothing of the excluded A");
        assert_eq!(book.level("S", "GONE").map(|l| l.reserved), Some(0));
        assert_eq!(book.level("T", "B").map(|l| l.reserved), Some(0));
        let changed: Vec<(&str, &str)> =
            book.changed().map(|l| (l.sku.as_str(), l.location.as_str())).collect();
        assert_eq!(changed, [("S", "B")]);
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
