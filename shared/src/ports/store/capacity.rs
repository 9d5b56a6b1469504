//! Capacity meter: read and write units by DynamoDB's published sizing rules (DESIGN §4).
//!
//! moto does not report consumed capacity faithfully, so both adapters count here, from the
//! item images they read and write:
//! - item size: the sum of attribute name lengths and value sizes (strings: UTF-8 bytes;
//!   numbers: about one byte per two significant digits plus one; booleans and null: 1;
//!   lists and maps: 3 bytes plus their elements plus 1 byte per element);
//! - a write costs one unit per started KiB of the item (the larger of before and after image
//!   for updates and deletes), plus the same for every GSI the item is or was projected into;
//!   a transactional write costs double (prepare and commit) on the table, index propagation
//!   is a standard write;
//! - a read costs one unit per started 4 KiB, half when eventually consistent (queries on
//!   GSIs), double when transactional; a query pays for the summed size of what it read.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::ports::store::{table, Item};

/// Units are counted in tenths so half units (eventually consistent reads) add up exactly.
#[derive(Debug, Default)]
pub struct CapacityMeter {
    read_tenths: AtomicU64,
    write_tenths: AtomicU64,
}

/// A snapshot of the meter.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Units {
    pub read: f64,
    pub write: f64,
}

impl std::ops::Sub for Units {
    type Output = Units;
    fn sub(self, rhs: Units) -> Units {
        Units {
            read: self.read - rhs.read,
            write: self.write - rhs.write,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    Strong,
    Eventual,
    Transactional,
}

impl CapacityMeter {
    pub fn snapshot(&self) -> Units {
        Units {
            read: self.read_tenths.load(Ordering::Relaxed) as f64 / 10.0,
            write: self.write_tenths.load(Ordering::Relaxed) as f64 / 10.0,
        }
    }

    /// Records a read of `bytes` in total (one item, or everything a query evaluated).
    pub fn record_read(&self, bytes: usize, kind: ReadKind) {
        let units = bytes.max(1).div_ceil(4096) as u64;
        let tenths = match kind {
            ReadKind::Strong => units * 10,
            ReadKind::Eventual => units * 5,
            ReadKind::Transactional => units * 20,
        };
        self.read_tenths.fetch_add(tenths, Ordering::Relaxed);
    }

    /// Records a write that changed an item from `before` to `after` (either may be absent).
    pub fn record_write(&self, before: Option<&Item>, after: Option<&Item>, transactional: bool) {
        let size = before
            .map(item_size)
            .unwrap_or(0)
            .max(after.map(item_size).unwrap_or(0));
        let mut units = write_units(size) * if transactional { 2 } else { 1 };
        for n in 1..=table::GSI_COUNT {
            let was = before.filter(|i| in_gsi(i, n));
            let is = after.filter(|i| in_gsi(i, n));
            units += match (was, is) {
                (None, None) => 0,
                (Some(b), None) => write_units(item_size(b)),
                (None, Some(a)) => write_units(item_size(a)),
                (Some(b), Some(a)) => {
                    let moved = gsi_key(b, n) != gsi_key(a, n);
                    if moved {
                        // The old index entry is deleted and a new one written.
                        write_units(item_size(b)) + write_units(item_size(a))
                    } else {
                        write_units(item_size(b).max(item_size(a)))
                    }
                }
            };
        }
        self.write_tenths.fetch_add(units * 10, Ordering::Relaxed);
    }

    /// Records a transaction's condition check on an item it does not write.
    pub fn record_condition_check(&self, item: Option<&Item>) {
        self.record_read(item.map(item_size).unwrap_or(1), ReadKind::Transactional);
    }
}

fn write_units(size: usize) -> u64 {
    size.max(1).div_ceil(1024) as u64
}

fn in_gsi(item: &Item, n: u8) -> bool {
    item.contains_key(&table::gsi_pk(n)) && item.contains_key(&table::gsi_sk(n))
}

fn gsi_key(item: &Item, n: u8) -> (Option<&Value>, Option<&Value>) {
    (item.get(&table::gsi_pk(n)), item.get(&table::gsi_sk(n)))
}

/// DynamoDB's item size: attribute names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 1,
        Value::String(s) => s.len(),
        Value::Number(n) => {
            let digits = n
                .to_string()
                .chars()
                .filter(char::is_ascii_digit)
                .count()
                .max(1);
            digits.div_ceil(2) + 1
        }
        Value::Array(list) => 3 + list.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        Value::Object(map) => {
            3 + map
                .iter()
                .map(|(k, v)| k.len() + value_size(v) + 1)
                .sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(v: Value) -> Item {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn item_size_counts_names_and_values() {
        // "PK"(2) + "a"(1) = 3 names; "x"(1) + number 12 (2 digits → 2 bytes) + true(1)
        let i = item(json!({"PK": "x", "a": 12, "b": true}));
        assert_eq!(item_size(&i), 2 + 1 + 1 + 2 + 1 + 1);
    }

    #[test]
    fn a_3_kib_put_into_one_gsi_costs_three_plus_three_units() {
        let m = CapacityMeter::default();
        let big = "x".repeat(3000);
        let i = item(json!({"PK": "p", "SK": "s", "GSI1PK": "g", "GSI1SK": "h", "body": big}));
        m.record_write(None, Some(&i), false);
        assert_eq!(m.snapshot().write, 6.0);
    }

    #[test]
    fn transactional_writes_count_double_on_the_table_only() {
        let m = CapacityMeter::default();
        let i = item(json!({"PK": "p", "SK": "s", "GSI1PK": "g", "GSI1SK": "h"}));
        m.record_write(None, Some(&i), true);
        assert_eq!(m.snapshot().write, 3.0);
    }

    #[test]
    fn moving_an_item_within_a_gsi_costs_a_delete_and_a_put() {
        let m = CapacityMeter::default();
        let a = item(json!({"PK": "p", "SK": "s", "GSI2PK": "new", "GSI2SK": "1"}));
        let b = item(json!({"PK": "p", "SK": "s", "GSI2PK": "won", "GSI2SK": "1"}));
        m.record_write(Some(&a), Some(&b), false);
        assert_eq!(m.snapshot().write, 3.0);
    }

    #[test]
    fn eventually_consistent_reads_cost_half_per_4_kib() {
        let m = CapacityMeter::default();
        m.record_read(5000, ReadKind::Eventual);
        m.record_read(100, ReadKind::Strong);
        assert_eq!(m.snapshot().read, 2.0);
    }
}
