//! The template context: variable names to values, hashed with FNV-1a (names
//! are short and trusted to the template author, so DoS-resistant hashing buys
//! nothing) and updated in place to avoid re-allocating keys in loops.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::value::Value;

/// 64-bit FNV-1a.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

#[derive(Default)]
pub(crate) struct Vars {
    map: HashMap<String, Value, BuildHasherDefault<Fnv>>,
}

impl Vars {
    pub(crate) fn get(&self, k: &str) -> Option<&Value> {
        self.map.get(k)
    }

    pub(crate) fn set(&mut self, k: &str, v: Value) {
        match self.map.get_mut(k) {
            Some(slot) => *slot = v,
            None => {
                self.map.insert(k.to_string(), v);
            }
        }
    }

    pub(crate) fn remove(&mut self, k: &str) {
        self.map.remove(k);
    }

    /// Restores a saved binding: `Some` rebinds, `None` unbinds.
    pub(crate) fn restore(&mut self, k: &str, old: Option<Value>) {
        match old {
            Some(v) => self.set(k, v),
            None => self.remove(k),
        }
    }
}
