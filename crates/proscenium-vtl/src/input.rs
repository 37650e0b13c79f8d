//! API Gateway's `$input`: `body`, `json(path)`, `path(path)`, `params()` and
//! `params(name)` (path, then query string, then header; `""` when absent).
//!
//! The body is parsed once per render and lent without copying to the first
//! `path()` call; later calls copy, and a mutation of lent data makes the next
//! call re-parse, so results behave like Java's fresh objects.

use std::rc::Rc;

use crate::eval::Ctx;
use crate::json;
use crate::json_tape::{self, Tape};
use crate::json_view::JDoc;
use crate::jsonpath;
use crate::value::{JMap, Value};

fn pairs_map(pairs: &[(String, String)]) -> Value {
    let mut m = JMap::default();
    for (k, v) in pairs {
        m.put(Value::str(k), Value::str(v));
    }
    Value::map(m)
}

/// The parsed body, guaranteed unmodified: re-parsed when a lent copy may
/// have been mutated since it was handed out.
fn pristine_root(ctx: &mut Ctx<'_>) -> Result<Value, String> {
    if ctx.body_lent && ctx.mutations != ctx.body_lent_at {
        ctx.body_json = None;
        ctx.body_lent = false;
    }
    if ctx.body_json.is_none() {
        ctx.body_json = Some(json::parse_body(&ctx.data.body));
    }
    match &ctx.body_json {
        Some(Ok(v)) => Ok(v.clone()),
        Some(Err(e)) => Err(e.clone()),
        None => Err("body not parsed".into()),
    }
}

/// The body's tape, built once per render (`None`: use the value parser).
fn tape(ctx: &mut Ctx<'_>) -> Option<Rc<Tape>> {
    ctx.tape
        .get_or_insert_with(|| json_tape::build(&ctx.data.body).map(Rc::new))
        .clone()
}

/// `$input.path`: `$` gives a fresh view of the body's tape. Other paths
/// select in the parsed tree: the first selection shares the cached tree (no
/// copy); later ones get deep copies, so templates never observe each
/// other's mutations.
fn path(ctx: &mut Ctx<'_>, p: &str) -> Result<Value, String> {
    if p == "$"
        && let Some(t) = tape(ctx)
    {
        let (root, doc) = JDoc::root(&t);
        ctx.docs.push(doc);
        return Ok(root);
    }
    let root = pristine_root(ctx)?;
    let Some(sel) = jsonpath::select(&root, p)? else {
        return Ok(Value::Null);
    };
    if ctx.body_lent {
        Ok(deep_copy(&sel, 0))
    } else {
        ctx.body_lent = true;
        ctx.body_lent_at = ctx.mutations;
        Ok(sel)
    }
}

pub(crate) fn call(ctx: &mut Ctx<'_>, name: &str, args: &[Value]) -> Result<Option<Value>, String> {
    Ok(Some(match (name, args) {
        ("getBody", []) => Value::shared(ctx.data.body.clone()),
        ("params", []) => {
            let p = &ctx.data.params;
            let mut m = JMap::default();
            m.put(Value::str("path"), pairs_map(&p.path));
            m.put(Value::str("querystring"), pairs_map(&p.querystring));
            m.put(Value::str("header"), pairs_map(&p.header));
            Value::map(m)
        }
        ("params", [Value::Str(n)]) => {
            let p = &ctx.data.params;
            // Path and query string names match exactly; header names in any case, as
            // HTTP names do (`$input.params('Authorization')` finds `authorization`).
            let found = p
                .path
                .iter()
                .chain(p.querystring.iter())
                .find(|(k, _)| **k == **n)
                .or_else(|| p.header.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)))
                .map(|(_, v)| v.as_str());
            Value::str(found.unwrap_or(""))
        }
        ("path", [Value::Str(p)]) => path(ctx, p)?,
        ("json", [Value::Str(p)]) if &**p == "$" && tape(ctx).is_some() => {
            let (root, _) = JDoc::root(&tape(ctx).ok_or("no tape")?);
            Value::string(json::to_json(&root))
        }
        ("json", [Value::Str(p)]) => {
            let root = pristine_root(ctx)?;
            match jsonpath::select(&root, p)? {
                Some(v) => Value::string(json::to_json(&v)),
                None => Value::str(""),
            }
        }
        _ => return Ok(None),
    }))
}

/// Copies lists and maps so the cached body stays untouched.
pub(crate) fn deep_copy(v: &Value, depth: usize) -> Value {
    if depth > 256 {
        return Value::Null;
    }
    match v {
        Value::List(l) => match l.try_borrow() {
            Ok(l) => Value::list(l.iter().map(|x| deep_copy(x, depth + 1)).collect()),
            Err(_) => Value::Null,
        },
        Value::Map(m) => match m.try_borrow() {
            Ok(m) => Value::map(JMap {
                entries: m
                    .entries
                    .iter()
                    .map(|(k, x)| (k.clone(), deep_copy(x, depth + 1)))
                    .collect(),
            }),
            Err(_) => Value::Null,
        },
        other => other.clone(),
    }
}
