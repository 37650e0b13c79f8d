//! The template context: variables live in numbered slots. The parser gives
//! every variable name of a template a slot (the built-ins have fixed ones),
//! so a render looks variables up by index instead of hashing names.
//! `#evaluate` strings are compiled against a per-render copy of the table,
//! which may grow.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::value::Value;

/// 64-bit FNV-1a (names are short and come from the template author, so
/// DoS-resistant hashing buys nothing).
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

/// A variable as the evaluator addresses it: its slot, and its name for
/// macro parameters (which are bound by name).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Var<'a> {
    pub(crate) slot: u32,
    pub(crate) name: &'a str,
}

/// The built-in variables, in slot order: API Gateway's four (created on
/// first use) and the loop variables.
const BUILTINS: [&str; 7] = [
    "input",
    "util",
    "context",
    "stageVariables",
    "foreach",
    "velocityCount",
    "velocityHasNext",
];

/// Slots below this are API Gateway's lazily created built-ins.
pub(crate) const LAZY_BUILTINS: u32 = 4;
pub(crate) const CONTEXT: u32 = 2;
pub(crate) const FOREACH: Var<'static> = Var {
    slot: 4,
    name: "foreach",
};
pub(crate) const VELOCITY_COUNT: Var<'static> = Var {
    slot: 5,
    name: "velocityCount",
};
pub(crate) const VELOCITY_HAS_NEXT: Var<'static> = Var {
    slot: 6,
    name: "velocityHasNext",
};

/// A template's variable names and their slots.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    map: HashMap<String, u32, BuildHasherDefault<Fnv>>,
}

impl Default for Names {
    fn default() -> Self {
        let mut names = Names {
            map: HashMap::default(),
        };
        for b in BUILTINS {
            names.intern(b);
        }
        names
    }
}

impl Names {
    /// A table without even the built-ins (a placeholder).
    pub(crate) fn empty() -> Names {
        Names {
            map: HashMap::default(),
        }
    }

    /// The slot of `name`, given a new one if it has none yet.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(s) = self.map.get(name) {
            return *s;
        }
        let s = u32::try_from(self.map.len()).unwrap_or(u32::MAX);
        self.map.insert(name.to_string(), s);
        s
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

/// The variables of one render.
pub(crate) struct Vars {
    slots: Vec<Option<Value>>,
}

impl Vars {
    pub(crate) fn new(slots: usize) -> Vars {
        Vars {
            slots: vec![None; slots],
        }
    }

    pub(crate) fn get(&self, slot: u32) -> Option<&Value> {
        self.slots.get(slot as usize)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, slot: u32) -> Option<&mut Value> {
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    pub(crate) fn set(&mut self, slot: u32, v: Value) {
        let i = slot as usize;
        if i >= self.slots.len() {
            // Slots of names first seen in an `#evaluate` string.
            self.slots.resize(i + 1, None);
        }
        if let Some(s) = self.slots.get_mut(i) {
            *s = Some(v);
        }
    }

    pub(crate) fn remove(&mut self, slot: u32) {
        if let Some(s) = self.slots.get_mut(slot as usize) {
            *s = None;
        }
    }

    /// Restores a saved binding: `Some` rebinds, `None` unbinds.
    pub(crate) fn restore(&mut self, slot: u32, old: Option<Value>) {
        match old {
            Some(v) => self.set(slot, v),
            None => self.remove(slot),
        }
    }
}
