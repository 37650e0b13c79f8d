//! JSON Schema draft 4, as API Gateway validates request bodies against a method's model:
//! schemas are compiled once per deployment into an arena of nodes (`$ref`s to `#/...` inside
//! a model and to other models of the same API as
//! `https://apigateway.amazonaws.com/restapis/{apiId}/models/{name}` become node indexes, so
//! recursive schemas are fine), and instances are checked the way AWS's validator
//! (java-json-tools' json-schema-validator) checks them: keywords in alphabetical order,
//! children only while the report has no error, and its messages word for word.
//!
//! Never fetches anything: a `$ref` to anything but the API's own models does not compile.
//! Never panics on any schema or instance; `format` is not checked.

use std::collections::BTreeMap;
use std::sync::Arc;

use proscenium_model::Model;
use regex::Regex;
use serde_json::Value;

/// How deep validation may nest (subschemas through `$ref`, `allOf`, … and the instance).
const MAX_DEPTH: usize = 256;
/// How deep `$ref`s and subschemas may nest when compiling.
const MAX_COMPILE_DEPTH: usize = 128;
/// The compiled size limit of one `pattern` regex.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A compiled schema: its root node in an arena.
#[derive(Debug)]
pub struct Schema {
    nodes: Vec<Node>,
    root: usize,
}

#[derive(Debug)]
enum Node {
    /// Not compiled yet (only while compiling).
    Pending,
    /// `$ref`: every other keyword beside it is ignored, as in draft 4.
    Ref(usize),
    Keywords(Box<Keywords>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ty {
    Array,
    Boolean,
    Integer,
    Null,
    Number,
    Object,
    String,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Array => "array",
            Ty::Boolean => "boolean",
            Ty::Integer => "integer",
            Ty::Null => "null",
            Ty::Number => "number",
            Ty::Object => "object",
            Ty::String => "string",
        }
    }

    fn parse(s: &str) -> Option<Ty> {
        Some(match s {
            "array" => Ty::Array,
            "boolean" => Ty::Boolean,
            "integer" => Ty::Integer,
            "null" => Ty::Null,
            "number" => Ty::Number,
            "object" => Ty::Object,
            "string" => Ty::String,
            _ => return None,
        })
    }

    fn of(v: &Value) -> Ty {
        match v {
            Value::Null => Ty::Null,
            Value::Bool(_) => Ty::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => Ty::Integer,
            Value::Number(_) => Ty::Number,
            Value::String(_) => Ty::String,
            Value::Array(_) => Ty::Array,
            Value::Object(_) => Ty::Object,
        }
    }
}

#[derive(Debug, Default)]
enum Additional {
    #[default]
    Any,
    Forbidden,
    Schema(usize),
}

#[derive(Debug, Default)]
enum Items {
    #[default]
    Any,
    One(usize),
    Tuple(Vec<usize>),
}

#[derive(Debug)]
enum Dependency {
    Properties(Vec<String>),
    Schema(usize),
}

#[derive(Debug)]
struct Bound {
    value: f64,
    text: String,
    exclusive: bool,
}

#[derive(Debug, Default)]
struct Keywords {
    types: Option<Vec<Ty>>,
    enumeration: Option<Vec<Value>>,
    all_of: Vec<usize>,
    any_of: Vec<usize>,
    one_of: Vec<usize>,
    not: Option<usize>,
    required: Vec<String>,
    properties: Vec<(String, usize)>,
    pattern_properties: Vec<(Regex, usize)>,
    additional_properties: Additional,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    dependencies: Vec<(String, Dependency)>,
    items: Items,
    additional_items: Additional,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(Regex, String)>,
    minimum: Option<Bound>,
    maximum: Option<Bound>,
    multiple_of: Option<(f64, String)>,
}

/// The models of one API, for resolving `$ref`s while compiling.
pub struct Models<'a> {
    pub api_id: &'a str,
    pub models: &'a BTreeMap<String, Model>,
}

/// The models of one deployment, each compiled on first use: methods sharing a model share
/// its compilation.
pub struct ModelSchemas<'a> {
    api_id: &'a str,
    models: &'a BTreeMap<String, Model>,
    compiled: BTreeMap<String, Result<Arc<Schema>, String>>,
}

impl<'a> ModelSchemas<'a> {
    pub fn new(api_id: &'a str, models: &'a BTreeMap<String, Model>) -> Self {
        ModelSchemas {
            api_id,
            models,
            compiled: BTreeMap::new(),
        }
    }

    /// The compiled model `name`, or why it cannot be used.
    pub fn get(&mut self, name: &str) -> Result<Arc<Schema>, String> {
        let (api_id, models) = (self.api_id, self.models);
        self.compiled
            .entry(name.to_string())
            .or_insert_with(|| Schema::compile(Models { api_id, models }, name).map(Arc::new))
            .clone()
    }
}

struct Compiler<'a> {
    models: Models<'a>,
    /// Parsed model documents by name.
    documents: BTreeMap<String, Arc<Value>>,
    /// Compiled nodes by (model name, JSON pointer).
    done: BTreeMap<(String, String), usize>,
    nodes: Vec<Node>,
}

impl Schema {
    /// Compiles the model `name` of the API. `Err` says why it cannot be used.
    pub fn compile(models: Models<'_>, name: &str) -> Result<Schema, String> {
        let mut c = Compiler {
            models,
            documents: BTreeMap::new(),
            done: BTreeMap::new(),
            nodes: Vec::new(),
        };
        let root = c.node(name, "", 0)?;
        Ok(Schema {
            nodes: c.nodes,
            root,
        })
    }

    /// Compiles a schema document standing alone (`$ref`s only within it).
    pub fn compile_value(schema: &Value) -> Result<Schema, String> {
        let empty = BTreeMap::new();
        let mut c = Compiler {
            models: Models {
                api_id: "",
                models: &empty,
            },
            documents: BTreeMap::new(),
            done: BTreeMap::new(),
            nodes: Vec::new(),
        };
        c.documents.insert(String::new(), Arc::new(schema.clone()));
        let root = c.node("", "", 0)?;
        Ok(Schema {
            nodes: c.nodes,
            root,
        })
    }

    /// Validates `instance`; `Err` holds AWS's messages in order.
    pub fn validate(&self, instance: &Value) -> Result<(), Vec<String>> {
        let mut report = Vec::new();
        self.check(self.root, instance, &mut report, 0);
        if report.is_empty() {
            Ok(())
        } else {
            Err(report)
        }
    }

    fn passes(&self, node: usize, instance: &Value, depth: usize) -> bool {
        let mut report = Vec::new();
        self.check(node, instance, &mut report, depth);
        report.is_empty()
    }

    fn check(&self, mut node: usize, instance: &Value, report: &mut Vec<String>, depth: usize) {
        let mut hops = 0;
        let k = loop {
            match self.nodes.get(node) {
                Some(Node::Ref(target)) if hops < self.nodes.len() => {
                    node = *target;
                    hops += 1;
                }
                Some(Node::Keywords(k)) => break k,
                _ => {
                    report.push("validation loop: a $ref refers to itself".to_string());
                    return;
                }
            }
        };
        if depth > MAX_DEPTH {
            report.push("validation loop: the schema nests too deeply".to_string());
            return;
        }
        let depth = depth + 1;
        let ty = Ty::of(instance);
        // Keyword validators in alphabetical order, those that apply to the instance's type.
        match instance {
            Value::Array(a) => {
                if let (Items::Tuple(t), Additional::Forbidden) = (&k.items, &k.additional_items)
                    && a.len() > t.len()
                {
                    report.push(format!(
                        "schema only allows {} elements in array but instance has {} elements",
                        t.len(),
                        a.len()
                    ));
                }
            }
            Value::Object(o) if matches!(k.additional_properties, Additional::Forbidden) => {
                let mut unwanted: Vec<&String> = o
                    .keys()
                    .filter(|name| {
                        k.property(name).is_none()
                            && !k.pattern_properties.iter().any(|(re, _)| re.is_match(name))
                    })
                    .collect();
                if !unwanted.is_empty() {
                    unwanted.sort();
                    report.push(format!(
                        "object instance has properties which are not allowed by the schema: {}",
                        json_list(unwanted.iter().map(|s| s.as_str()))
                    ));
                }
            }
            _ => {}
        }
        if !k.all_of.is_empty() {
            let matched = k
                .all_of
                .iter()
                .filter(|s| self.passes(**s, instance, depth))
                .count();
            if matched != k.all_of.len() {
                report.push(format!(
                    "instance failed to match all required schemas (matched only {matched} out of {})",
                    k.all_of.len()
                ));
            }
        }
        if !k.any_of.is_empty() && !k.any_of.iter().any(|s| self.passes(*s, instance, depth)) {
            report.push(format!(
                "instance failed to match at least one required schema among {}",
                k.any_of.len()
            ));
        }
        if let Value::Object(o) = instance {
            // Property dependencies first, then schema dependencies, each by name.
            for (name, dep) in &k.dependencies {
                if !o.contains_key(name) {
                    continue;
                }
                match dep {
                    Dependency::Schema(_) => {}
                    Dependency::Properties(required) => {
                        let missing: Vec<&str> = required
                            .iter()
                            .filter(|r| !o.contains_key(*r))
                            .map(String::as_str)
                            .collect();
                        if !missing.is_empty() {
                            report.push(format!(
                                "property \"{name}\" of object has missing property dependencies (schema requires {}; missing: {})",
                                json_list(required.iter().map(String::as_str)),
                                json_list(missing.into_iter())
                            ));
                        }
                    }
                }
            }
            for (name, dep) in &k.dependencies {
                if let (true, Dependency::Schema(s)) = (o.contains_key(name), dep) {
                    self.check(*s, instance, report, depth);
                }
            }
        }
        if let Some(values) = &k.enumeration
            && !values.iter().any(|v| json_equal(v, instance))
        {
            report.push(format!(
                "instance value ({}) not found in enum (possible values: {})",
                instance,
                Value::Array(values.clone())
            ));
        }
        match instance {
            Value::Array(a) => {
                if let Some(max) = k.max_items
                    && a.len() as u64 > max
                {
                    report.push(format!(
                        "array is too long: must have at most {max} elements but instance has {} elements",
                        a.len()
                    ));
                }
            }
            Value::String(s) => {
                if let Some(max) = k.max_length {
                    let len = s.chars().count() as u64;
                    if len > max {
                        report.push(format!(
                            "string \"{s}\" is too long (length: {len}, maximum allowed: {max})"
                        ));
                    }
                }
            }
            Value::Object(o) => {
                if let Some(max) = k.max_properties
                    && o.len() as u64 > max
                {
                    report.push(format!(
                        "object has too many properties (found {} but schema requires at most {max})",
                        o.len()
                    ));
                }
            }
            Value::Number(n) => {
                if let (Some(b), Some(x)) = (&k.maximum, n.as_f64()) {
                    if x > b.value {
                        report.push(format!(
                            "numeric instance is greater than the required maximum (maximum: {}, found: {instance})",
                            b.text
                        ));
                    } else if b.exclusive && x == b.value {
                        report.push(format!(
                            "numeric instance is not strictly lower than the required maximum {}",
                            b.text
                        ));
                    }
                }
            }
            _ => {}
        }
        match instance {
            Value::Array(a) => {
                if let Some(min) = k.min_items
                    && (a.len() as u64) < min
                {
                    report.push(format!(
                        "array is too short: must have at least {min} elements but instance has {} elements",
                        a.len()
                    ));
                }
            }
            Value::String(s) => {
                if let Some(min) = k.min_length {
                    let len = s.chars().count() as u64;
                    if len < min {
                        report.push(format!(
                            "string \"{s}\" is too short (length: {len}, required minimum: {min})"
                        ));
                    }
                }
            }
            Value::Object(o) => {
                if let Some(min) = k.min_properties
                    && (o.len() as u64) < min
                {
                    report.push(format!(
                        "object has too few properties (found {} but schema requires at least {min})",
                        o.len()
                    ));
                }
            }
            Value::Number(n) => {
                if let (Some(b), Some(x)) = (&k.minimum, n.as_f64()) {
                    if x < b.value {
                        report.push(format!(
                            "numeric instance is lower than the required minimum (minimum: {}, found: {instance})",
                            b.text
                        ));
                    } else if b.exclusive && x == b.value {
                        report.push(format!(
                            "numeric instance is not strictly greater than the required minimum {}",
                            b.text
                        ));
                    }
                }
                if let (Some((divisor, text)), Some(x)) = (&k.multiple_of, n.as_f64())
                    && !is_multiple(x, *divisor)
                {
                    report.push(format!(
                        "remainder of division is not zero ({instance} / {text})"
                    ));
                }
            }
            _ => {}
        }
        if let Some(s) = k.not
            && self.passes(s, instance, depth)
        {
            report.push("instance matched a schema which it should not have".to_string());
        }
        if !k.one_of.is_empty() {
            let matched = k
                .one_of
                .iter()
                .filter(|s| self.passes(**s, instance, depth))
                .count();
            if matched != 1 {
                report.push(format!(
                    "instance failed to match exactly one schema (matched {matched} out of {})",
                    k.one_of.len()
                ));
            }
        }
        if let (Value::String(s), Some((re, text))) = (instance, &k.pattern)
            && !re.is_match(s)
        {
            report.push(format!(
                "ECMA 262 regex \"{text}\" does not match input string \"{s}\""
            ));
        }
        if let Value::Object(o) = instance {
            let missing: Vec<&str> = k
                .required
                .iter()
                .filter(|r| !o.contains_key(*r))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                report.push(format!(
                    "object has missing required properties ({})",
                    json_list(missing.into_iter())
                ));
            }
        }
        if let Some(types) = &k.types
            && !types.contains(&ty)
        {
            report.push(format!(
                "instance type ({}) does not match any allowed primitive type (allowed: {})",
                ty.name(),
                json_list(types.iter().map(|t| t.name()))
            ));
        }
        if let Value::Array(a) = instance
            && k.unique_items
            && has_duplicates(a)
        {
            report.push("array must not contain duplicate elements".to_string());
        }
        // Children, only while nothing has failed (AWS's validator stops there).
        if !report.is_empty() {
            return;
        }
        match instance {
            Value::Array(a) => {
                for (i, item) in a.iter().enumerate() {
                    let schema = match &k.items {
                        Items::Any => None,
                        Items::One(s) => Some(*s),
                        Items::Tuple(t) => t.get(i).copied().or(match k.additional_items {
                            Additional::Schema(s) => Some(s),
                            _ => None,
                        }),
                    };
                    if let Some(s) = schema {
                        self.check(s, item, report, depth);
                    }
                }
            }
            Value::Object(o) => {
                let mut names: Vec<&String> = o.keys().collect();
                names.sort();
                for name in names {
                    let value = &o[name.as_str()];
                    let mut matched = false;
                    if let Some(s) = k.property(name) {
                        matched = true;
                        self.check(s, value, report, depth);
                    }
                    for (_, s) in k
                        .pattern_properties
                        .iter()
                        .filter(|(re, _)| re.is_match(name))
                    {
                        matched = true;
                        self.check(*s, value, report, depth);
                    }
                    if let (false, Additional::Schema(s)) = (matched, &k.additional_properties) {
                        self.check(*s, value, report, depth);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `["a","b"]`, as Jackson prints a list of strings.
fn json_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    Value::Array(items.map(|s| Value::String(s.to_string())).collect()).to_string()
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
impl Keywords {
    /// The schema of `properties` for a member (kept sorted by name).
    fn property(&self, name: &str) -> Option<usize> {
        self.properties
            .binary_search_by(|(p, _)| p.as_str().cmp(name))
            .ok()
            .map(|i| self.properties[i].1)
    }
}

/// `uniqueItems`: whether two elements are equal as JSON (numbers by value), in about
/// n log n (each element reduced to a canonical text).
fn has_duplicates(items: &[Value]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items.iter().any(|v| {
        let mut key = String::new();
        canonical(v, &mut key);
        !seen.insert(key)
    })
}

/// A text equal for JSON-equal values: object members sorted, numbers by value.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else if f.fract() == 0.0 && f.abs() < 9.0e15 {
                out.push_str(&(f as i64).to_string());
            } else {
                out.push_str(&format!("{f:e}"));
            }
        }
        Value::Array(a) => {
            out.push('[');
            for x in a {
                canonical(x, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut members: Vec<(&String, &Value)> = o.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (k, x) in members {
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(x, out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn is_multiple(x: f64, divisor: f64) -> bool {
    if divisor <= 0.0 || !x.is_finite() || !divisor.is_finite() {
        return true;
    }
    let q = x / divisor;
    if !q.is_finite() {
        return true;
    }
    (q - q.round()).abs() < 1e-9
}

impl Compiler<'_> {
    fn document(&mut self, name: &str) -> Result<Arc<Value>, String> {
        if !self.documents.contains_key(name) {
            let model = self
                .models
                .models
                .get(name)
                .ok_or_else(|| format!("model {name} does not exist"))?;
            let doc = match model.schema.as_deref() {
                None | Some("") => Value::Object(Default::default()),
                Some(text) => serde_json::from_str(text)
                    .map_err(|e| format!("model {name}: the schema is not JSON: {e}"))?,
            };
            self.documents.insert(name.to_string(), Arc::new(doc));
        }
        self.documents
            .get(name)
            .cloned()
            .ok_or_else(|| format!("model {name} does not exist"))
    }

    /// The node for the schema at `pointer` in model `doc`, compiled once.
    fn node(&mut self, doc: &str, pointer: &str, depth: usize) -> Result<usize, String> {
        let key = (doc.to_string(), pointer.to_string());
        if let Some(i) = self.done.get(&key) {
            return Ok(*i);
        }
        if depth > MAX_COMPILE_DEPTH {
            return Err(format!("model {doc}: the schema nests too deeply"));
        }
        let index = self.nodes.len();
        self.nodes.push(Node::Pending);
        self.done.insert(key, index);
        let document = self.document(doc)?;
        let value = document
            .pointer(pointer)
            .ok_or_else(|| format!("model {doc}: no schema at #{pointer}"))?;
        let node = self.compile(doc, pointer, value, depth)?;
        self.nodes[index] = node;
        Ok(index)
    }

    fn sub(&mut self, doc: &str, pointer: &str, depth: usize) -> Result<usize, String> {
        self.node(doc, pointer, depth + 1)
    }

    fn compile(
        &mut self,
        doc: &str,
        pointer: &str,
        schema: &Value,
        depth: usize,
    ) -> Result<Node, String> {
        let at = |kw: &str| format!("model {doc}: #{pointer}/{kw}");
        let Value::Object(obj) = schema else {
            return Err(format!("model {doc}: #{pointer} is not a JSON object"));
        };
        if let Some(r) = obj.get("$ref") {
            let r = r.as_str().ok_or_else(|| at("$ref"))?;
            let (target_doc, target_pointer) = self.resolve(doc, r)?;
            let target = self.sub(&target_doc, &target_pointer, depth)?;
            return Ok(Node::Ref(target));
        }
        let mut k = Keywords::default();
        let escape = |s: &str| s.replace('~', "~0").replace('/', "~1");
        let count = |kw: &str| -> Result<Option<u64>, String> {
            match obj.get(kw) {
                None => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| format!("{}: not a non-negative integer", at(kw))),
            }
        };
        let regex = |p: &str, kw: &str| -> Result<Regex, String> {
            regex::RegexBuilder::new(p)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| format!("{}: regex {p:?} not supported: {e}", at(kw)))
        };
        if let Some(t) = obj.get("type") {
            let names: Vec<&Value> = match t {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            let mut types = Vec::new();
            for n in names {
                let ty = n.as_str().and_then(Ty::parse).ok_or_else(|| at("type"))?;
                types.push(ty);
            }
            // As AWS's validator: "number" allows (and prints) "integer" too.
            if types.contains(&Ty::Number) {
                types.push(Ty::Integer);
            }
            types.sort();
            types.dedup();
            k.types = Some(types);
        }
        if let Some(e) = obj.get("enum") {
            k.enumeration = Some(e.as_array().ok_or_else(|| at("enum"))?.clone());
        }
        for (kw, list) in [("allOf", 0), ("anyOf", 1), ("oneOf", 2)] {
            let Some(v) = obj.get(kw) else { continue };
            let n = v.as_array().ok_or_else(|| at(kw))?.len();
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                out.push(self.sub(doc, &format!("{pointer}/{kw}/{i}"), depth)?);
            }
            match list {
                0 => k.all_of = out,
                1 => k.any_of = out,
                _ => k.one_of = out,
            }
        }
        if obj.contains_key("not") {
            k.not = Some(self.sub(doc, &format!("{pointer}/not"), depth)?);
        }
        if let Some(r) = obj.get("required") {
            let mut required = Vec::new();
            for n in r.as_array().ok_or_else(|| at("required"))? {
                required.push(n.as_str().ok_or_else(|| at("required"))?.to_string());
            }
            required.sort();
            required.dedup();
            k.required = required;
        }
        if let Some(p) = obj.get("properties") {
            let names: Vec<String> = p
                .as_object()
                .ok_or_else(|| at("properties"))?
                .keys()
                .cloned()
                .collect();
            for name in names {
                let s = self.sub(
                    doc,
                    &format!("{pointer}/properties/{}", escape(&name)),
                    depth,
                )?;
                k.properties.push((name, s));
            }
            k.properties.sort_by(|a, b| a.0.cmp(&b.0));
        }
        if let Some(p) = obj.get("patternProperties") {
            let names: Vec<String> = p
                .as_object()
                .ok_or_else(|| at("patternProperties"))?
                .keys()
                .cloned()
                .collect();
            for name in names {
                let re = regex(&name, "patternProperties")?;
                let s = self.sub(
                    doc,
                    &format!("{pointer}/patternProperties/{}", escape(&name)),
                    depth,
                )?;
                k.pattern_properties.push((re, s));
            }
        }
        k.additional_properties = match obj.get("additionalProperties") {
            None | Some(Value::Bool(true)) => Additional::Any,
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(_) => Additional::Schema(self.sub(
                doc,
                &format!("{pointer}/additionalProperties"),
                depth,
            )?),
        };
        k.min_properties = count("minProperties")?;
        k.max_properties = count("maxProperties")?;
        if let Some(d) = obj.get("dependencies") {
            for (name, dep) in d.as_object().ok_or_else(|| at("dependencies"))? {
                let name = name.clone();
                let dep = match dep {
                    Value::Array(a) => {
                        let mut props = Vec::new();
                        for p in a {
                            props.push(p.as_str().ok_or_else(|| at("dependencies"))?.to_string());
                        }
                        props.sort();
                        props.dedup();
                        Dependency::Properties(props)
                    }
                    Value::String(s) => Dependency::Properties(vec![s.clone()]),
                    _ => Dependency::Schema(self.sub(
                        doc,
                        &format!("{pointer}/dependencies/{}", escape(&name)),
                        depth,
                    )?),
                };
                k.dependencies.push((name, dep));
            }
            k.dependencies.sort_by(|a, b| a.0.cmp(&b.0));
        }
        k.items = match obj.get("items") {
            None => Items::Any,
            Some(Value::Array(a)) => {
                let n = a.len();
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    out.push(self.sub(doc, &format!("{pointer}/items/{i}"), depth)?);
                }
                Items::Tuple(out)
            }
            Some(_) => Items::One(self.sub(doc, &format!("{pointer}/items"), depth)?),
        };
        k.additional_items = match obj.get("additionalItems") {
            None | Some(Value::Bool(true)) => Additional::Any,
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(_) => {
                Additional::Schema(self.sub(doc, &format!("{pointer}/additionalItems"), depth)?)
            }
        };
        k.min_items = count("minItems")?;
        k.max_items = count("maxItems")?;
        k.unique_items = match obj.get("uniqueItems") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| at("uniqueItems"))?,
        };
        k.min_length = count("minLength")?;
        k.max_length = count("maxLength")?;
        if let Some(p) = obj.get("pattern") {
            let p = p.as_str().ok_or_else(|| at("pattern"))?;
            k.pattern = Some((regex(p, "pattern")?, p.to_string()));
        }
        for (kw, exclusive_kw) in [
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        ] {
            let Some(v) = obj.get(kw) else { continue };
            let value = v.as_f64().filter(|f| f.is_finite()).ok_or_else(|| at(kw))?;
            let exclusive = match obj.get(exclusive_kw) {
                None => false,
                Some(e) => e.as_bool().ok_or_else(|| at(exclusive_kw))?,
            };
            let bound = Bound {
                value,
                text: v.to_string(),
                exclusive,
            };
            if kw == "minimum" {
                k.minimum = Some(bound);
            } else {
                k.maximum = Some(bound);
            }
        }
        if let Some(v) = obj.get("multipleOf") {
            let d = v
                .as_f64()
                .filter(|f| f.is_finite() && *f > 0.0)
                .ok_or_else(|| at("multipleOf"))?;
            k.multiple_of = Some((d, v.to_string()));
        }
        Ok(Node::Keywords(Box::new(k)))
    }

    /// `$ref` → (model, JSON pointer).
    fn resolve(&self, doc: &str, r: &str) -> Result<(String, String), String> {
        let (base, fragment) = r.split_once('#').unwrap_or((r, ""));
        let target = if base.is_empty() {
            doc.to_string()
        } else {
            let prefix = format!(
                "https://apigateway.amazonaws.com/restapis/{}/models/",
                self.models.api_id
            );
            match base.strip_prefix(&prefix) {
                Some(name) if !name.is_empty() && !name.contains('/') => name.to_string(),
                _ => {
                    return Err(format!(
                        "model {doc}: $ref {r:?} is not a model of this API (nothing is fetched)"
                    ));
                }
            }
        };
        let pointer = percent_encoding::percent_decode_str(fragment)
            .decode_utf8()
            .map_err(|_| format!("model {doc}: $ref {r:?}: bad fragment"))?
            .into_owned();
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(format!(
                "model {doc}: $ref {r:?}: only JSON pointer fragments are supported"
            ));
        }
        Ok((target, pointer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The messages `schema` gives `instance` (empty: valid).
    fn errors(schema: Value, instance: Value) -> Vec<String> {
        let s = Schema::compile_value(&schema).expect("schema compiles");
        s.validate(&instance).err().unwrap_or_default()
    }

    fn one(schema: Value, instance: Value) -> String {
        let e = errors(schema, instance);
        assert_eq!(e.len(), 1, "{e:?}");
        e[0].clone()
    }

    #[test]
    fn type_keyword() {
        assert_eq!(
            one(json!({"type": "integer"}), json!("x")),
            r#"instance type (string) does not match any allowed primitive type (allowed: ["integer"])"#
        );
        assert_eq!(
            one(json!({"type": ["number", "integer"]}), json!(true)),
            r#"instance type (boolean) does not match any allowed primitive type (allowed: ["integer","number"])"#
        );
        assert_eq!(
            one(json!({"type": "integer"}), json!(1.5)),
            r#"instance type (number) does not match any allowed primitive type (allowed: ["integer"])"#
        );
        assert!(errors(json!({"type": "number"}), json!(3)).is_empty());
        assert_eq!(
            one(json!({"type": "number"}), json!("3")),
            r#"instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])"#
        );
        assert!(errors(json!({"type": ["null", "object"]}), json!(null)).is_empty());
    }

    #[test]
    fn required_and_additional_properties() {
        assert_eq!(
            one(json!({"required": ["name", "age"]}), json!({"x": 1})),
            r#"object has missing required properties (["age","name"])"#
        );
        assert_eq!(
            one(
                json!({"properties": {"a": {}}, "patternProperties": {"^p": {}}, "additionalProperties": false}),
                json!({"a": 1, "pq": 2, "z": 3, "x": 4})
            ),
            r#"object instance has properties which are not allowed by the schema: ["x","z"]"#
        );
        assert_eq!(
            one(
                json!({"additionalProperties": {"type": "string"}, "properties": {"a": {}}}),
                json!({"a": 1, "b": 2})
            ),
            r#"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#
        );
    }

    #[test]
    fn object_sizes_and_dependencies() {
        assert_eq!(
            one(json!({"minProperties": 2}), json!({"a": 1})),
            "object has too few properties (found 1 but schema requires at least 2)"
        );
        assert_eq!(
            one(json!({"maxProperties": 1}), json!({"a": 1, "b": 2})),
            "object has too many properties (found 2 but schema requires at most 1)"
        );
        assert_eq!(
            one(
                json!({"dependencies": {"card": ["billing", "cvv"]}}),
                json!({"card": 1, "cvv": 2})
            ),
            r#"property "card" of object has missing property dependencies (schema requires ["billing","cvv"]; missing: ["billing"])"#
        );
        assert_eq!(
            one(
                json!({"dependencies": {"a": {"required": ["b"]}}}),
                json!({"a": 1})
            ),
            r#"object has missing required properties (["b"])"#
        );
        assert_eq!(
            errors(
                json!({"dependencies": {"a": {"required": ["x"]}, "b": ["y"]}}),
                json!({"a": 1, "b": 2})
            ),
            [
                r#"property "b" of object has missing property dependencies (schema requires ["y"]; missing: ["y"])"#,
                r#"object has missing required properties (["x"])"#
            ]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            one(json!({"maximum": 10}), json!(11)),
            "numeric instance is greater than the required maximum (maximum: 10, found: 11)"
        );
        assert_eq!(
            one(json!({"maximum": 10, "exclusiveMaximum": true}), json!(10)),
            "numeric instance is not strictly lower than the required maximum 10"
        );
        assert_eq!(
            one(json!({"minimum": 1.5}), json!(1)),
            "numeric instance is lower than the required minimum (minimum: 1.5, found: 1)"
        );
        assert_eq!(
            one(json!({"minimum": 0, "exclusiveMinimum": true}), json!(0)),
            "numeric instance is not strictly greater than the required minimum 0"
        );
        assert_eq!(
            one(json!({"multipleOf": 3}), json!(7)),
            "remainder of division is not zero (7 / 3)"
        );
        assert!(errors(json!({"multipleOf": 0.1}), json!(0.3)).is_empty());
        assert!(errors(json!({"maximum": 10}), json!(1e300)).len() == 1);
    }

    #[test]
    fn strings() {
        assert_eq!(
            one(json!({"minLength": 3}), json!("ab")),
            r#"string "ab" is too short (length: 2, required minimum: 3)"#
        );
        assert_eq!(
            one(json!({"maxLength": 2}), json!("äbc")),
            r#"string "äbc" is too long (length: 3, maximum allowed: 2)"#
        );
        assert_eq!(
            one(json!({"pattern": "^a"}), json!("b")),
            r#"ECMA 262 regex "^a" does not match input string "b""#
        );
        assert!(errors(json!({"pattern": "b"}), json!("abc")).is_empty());
    }

    #[test]
    fn enum_keyword() {
        assert_eq!(
            one(json!({"enum": ["a", "b"]}), json!("x")),
            r#"instance value ("x") not found in enum (possible values: ["a","b"])"#
        );
        assert!(errors(json!({"enum": [1, {"a": [2]}]}), json!({"a": [2.0]})).is_empty());
    }

    #[test]
    fn arrays() {
        assert_eq!(
            one(json!({"maxItems": 2}), json!([1, 2, 3])),
            "array is too long: must have at most 2 elements but instance has 3 elements"
        );
        assert_eq!(
            one(json!({"minItems": 2}), json!([1])),
            "array is too short: must have at least 2 elements but instance has 1 elements"
        );
        assert_eq!(
            one(json!({"uniqueItems": true}), json!([1, 2, 1.0])),
            "array must not contain duplicate elements"
        );
        assert_eq!(
            one(
                json!({"uniqueItems": true}),
                json!([{"a": [1.5, "x"], "b": null}, {"b": null, "a": [1.5, "x"]}])
            ),
            "array must not contain duplicate elements"
        );
        assert!(
            errors(
                json!({"uniqueItems": true}),
                json!([1, "1", [1], {"1": 1}, 1.5])
            )
            .is_empty()
        );
        // Large arrays are checked in about n log n.
        let many: Vec<Value> = (0..200_000).map(|i| json!({"id": i})).collect();
        assert!(errors(json!({"uniqueItems": true}), Value::Array(many)).is_empty());
        assert_eq!(
            one(
                json!({"items": [{}, {}], "additionalItems": false}),
                json!([1, 2, 3])
            ),
            "schema only allows 2 elements in array but instance has 3 elements"
        );
        assert_eq!(
            one(json!({"items": {"type": "string"}}), json!(["a", 2])),
            r#"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#
        );
        assert_eq!(
            one(
                json!({"items": [{"type": "string"}], "additionalItems": {"type": "boolean"}}),
                json!(["a", true, 3])
            ),
            r#"instance type (integer) does not match any allowed primitive type (allowed: ["boolean"])"#
        );
    }

    #[test]
    fn combinators() {
        assert_eq!(
            one(
                json!({"allOf": [{"type": "string"}, {"minLength": 2}]}),
                json!("a")
            ),
            "instance failed to match all required schemas (matched only 1 out of 2)"
        );
        assert_eq!(
            one(
                json!({"anyOf": [{"type": "string"}, {"type": "null"}]}),
                json!(1)
            ),
            "instance failed to match at least one required schema among 2"
        );
        assert_eq!(
            one(
                json!({"oneOf": [{"type": "integer"}, {"minimum": 0}]}),
                json!(1)
            ),
            "instance failed to match exactly one schema (matched 2 out of 2)"
        );
        assert_eq!(
            one(json!({"not": {"type": "string"}}), json!("a")),
            "instance matched a schema which it should not have"
        );
    }

    #[test]
    fn keywords_in_alphabetical_order_and_children_only_without_errors() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "maxProperties": 1,
            "properties": {"tag": {"type": "string"}}
        });
        assert_eq!(
            errors(schema.clone(), json!({"tag": 1, "x": 2})),
            [
                "object has too many properties (found 2 but schema requires at most 1)",
                r#"object has missing required properties (["name"])"#
            ]
        );
        // Members in name order; later siblings are checked, their children not once
        // something failed.
        let nested = json!({"properties": {
            "a": {"type": "string"},
            "b": {"type": "object", "properties": {"deep": {"type": "string"}}},
            "c": {"type": "object", "properties": {"deep": {"type": "string"}}}
        }});
        let not_string = r#"instance type (integer) does not match any allowed primitive type (allowed: ["string"])"#;
        assert_eq!(
            errors(
                nested.clone(),
                json!({"c": {"deep": 1}, "b": {"deep": 1}, "a": 1})
            ),
            [not_string]
        );
        assert_eq!(
            errors(nested, json!({"c": [], "b": {"deep": 1}, "a": "x"})),
            [
                not_string,
                r#"instance type (array) does not match any allowed primitive type (allowed: ["object"])"#
            ]
        );
    }

    #[test]
    fn refs_within_a_schema_and_between_models() {
        let schema = json!({
            "definitions": {"pos": {"type": "integer", "minimum": 1}},
            "properties": {"n": {"$ref": "#/definitions/pos"}, "self": {"$ref": "#"}}
        });
        assert_eq!(
            one(schema.clone(), json!({"self": {"n": 0}})),
            "numeric instance is lower than the required minimum (minimum: 1, found: 0)"
        );
        let model = |name: &str, schema: Value| Model {
            id: name.to_lowercase(),
            name: name.into(),
            description: None,
            schema: Some(schema.to_string()),
            content_type: "application/json".into(),
        };
        let mut models = BTreeMap::new();
        models.insert(
            "Pet".to_string(),
            model(
                "Pet",
                json!({"type": "object", "properties": {"owner": {
                    "$ref": "https://apigateway.amazonaws.com/restapis/abc/models/Owner"}}}),
            ),
        );
        models.insert(
            "Owner".to_string(),
            model("Owner", json!({"type": "object", "required": ["name"]})),
        );
        let pet = Schema::compile(
            Models {
                api_id: "abc",
                models: &models,
            },
            "Pet",
        )
        .unwrap();
        assert_eq!(
            pet.validate(&json!({"owner": {}})).unwrap_err(),
            [r#"object has missing required properties (["name"])"#]
        );
        assert!(pet.validate(&json!({"owner": {"name": "x"}})).is_ok());
        // Another API's model, a remote document, a missing model: not compiled.
        for r in [
            "https://apigateway.amazonaws.com/restapis/other/models/Owner",
            "https://example.com/schema.json",
            "https://apigateway.amazonaws.com/restapis/abc/models/Nope",
            "#/definitions/missing",
        ] {
            models.insert("Bad".to_string(), model("Bad", json!({"$ref": r})));
            assert!(
                Schema::compile(
                    Models {
                        api_id: "abc",
                        models: &models
                    },
                    "Bad"
                )
                .is_err(),
                "{r}"
            );
        }
    }

    #[test]
    fn hostile_schemas_and_instances_do_not_panic() {
        // A $ref to itself: compiles, fails every instance instead of looping.
        let s = Schema::compile_value(&json!({"$ref": "#"})).unwrap();
        assert!(s.validate(&json!(1)).is_err());
        let s = Schema::compile_value(&json!({"allOf": [{"$ref": "#"}]})).unwrap();
        assert!(s.validate(&json!(1)).is_err());
        // Bad regexes, bad keyword values: configuration errors.
        assert!(Schema::compile_value(&json!({"pattern": "("})).is_err());
        assert!(Schema::compile_value(&json!({"pattern": "a{99999}{99999}"})).is_err());
        assert!(Schema::compile_value(&json!({"minLength": -1})).is_err());
        assert!(Schema::compile_value(&json!({"type": "int"})).is_err());
        assert!(Schema::compile_value(&json!({"multipleOf": 0})).is_err());
        assert!(Schema::compile_value(&json!([])).is_err());
        // Deep schemas: as deep as a model's JSON can be (serde_json stops at 128), and deeper.
        let mut schema = json!({"type": "string"});
        for _ in 0..127 {
            schema = json!({ "not": schema });
        }
        let s = Schema::compile_value(&schema).unwrap();
        assert!(s.validate(&json!("x")).is_err());
        let text = format!("{}{{}}{}", r#"{"not":"#.repeat(1000), "}".repeat(1000));
        let mut models = BTreeMap::new();
        models.insert(
            "Deep".to_string(),
            Model {
                id: "d".into(),
                name: "Deep".into(),
                description: None,
                schema: Some(text),
                content_type: "application/json".into(),
            },
        );
        let deep = Models {
            api_id: "abc",
            models: &models,
        };
        assert!(Schema::compile(deep, "Deep").is_err());
        // Deep instances and huge numbers.
        let mut deep = json!(1);
        for _ in 0..100 {
            deep = json!([deep]);
        }
        let s =
            Schema::compile_value(&json!({"items": {"$ref": "#"}, "type": ["array", "string"]}))
                .unwrap();
        assert_eq!(s.validate(&deep).unwrap_err().len(), 1);
        let big: Value = serde_json::from_str("1e400").unwrap_or(json!(null));
        let s = Schema::compile_value(&json!({"maximum": 1, "multipleOf": 7})).unwrap();
        let _ = s.validate(&big);
        let huge: Value = serde_json::from_str("123456789012345678901234567890").unwrap();
        assert!(s.validate(&huge).is_err());
    }
}
