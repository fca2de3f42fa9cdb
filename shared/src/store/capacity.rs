//! Capacity units by DynamoDB's documented sizing rules, counted from the
//! requests the store sends (moto's `ConsumedCapacity` is not to be trusted:
//! 1.0 for a 3 KB put, nothing for a transaction).
//!
//! - Item size: the UTF-8 length of every attribute name plus its value: a
//!   string its UTF-8 length, a number about one byte per two significant digits
//!   plus one, a boolean or null one byte, a list or map 3 bytes plus its
//!   elements (a map's element names included).
//! - A write costs one WRU per started KB of the item (a replace: the larger of
//!   the old and new item; a failed conditional write still costs the item's
//!   size); a strongly consistent read one RRU per started 4 KB of what it
//!   returns (at least one), an eventually consistent one half of that.
//! - Transactions cost double; none are sent on the hot paths.

use super::Item;
use aws_sdk_dynamodb::types::AttributeValue;

/// Capacity a request consumed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Units {
    pub rru: f64,
    pub wru: f64,
}

/// The size DynamoDB bills for an item, in bytes.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn number_size(n: &str) -> usize {
    let digits: String = n.chars().filter(|c| c.is_ascii_digit()).collect();
    let significant = digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1);
    significant.div_ceil(2) + 1
}

fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(value_size).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| k.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// A write of an item of `bytes`.
pub fn write(bytes: usize) -> Units {
    Units {
        rru: 0.0,
        wru: bytes.div_ceil(1024).max(1) as f64,
    }
}

/// A read returning `bytes` (0: nothing found, still one unit).
pub fn read(bytes: usize, consistent: bool) -> Units {
    let units = bytes.div_ceil(4096).max(1) as f64;
    Units {
        rru: if consistent { units } else { units / 2.0 },
        wru: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    #[test]
    fn sizes_follow_dynamodbs_rules() {
        let item: Item = [
            ("pk".to_string(), s("client#abc")), // 2 + 10
            ("n".to_string(), AttributeValue::N("1700000000".into())), // 1 + (2 significant → 1 + 1)
            (
                "m".to_string(),
                AttributeValue::M([("k".to_string(), s("vv"))].into()),
            ), // 1 + 3 + 1 + 2
        ]
        .into();
        assert_eq!(item_size(&item), 12 + 3 + 7);
    }

    #[test]
    fn a_write_is_one_unit_per_started_kilobyte_and_a_read_per_four() {
        assert_eq!(write(1).wru, 1.0);
        assert_eq!(write(1024).wru, 1.0);
        assert_eq!(write(1025).wru, 2.0);
        assert_eq!(read(0, true).rru, 1.0);
        assert_eq!(read(4097, true).rru, 2.0);
        assert_eq!(read(100, false).rru, 0.5);
    }
}
