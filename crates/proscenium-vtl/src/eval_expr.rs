//! Expression and reference evaluation: Velocity's value semantics (`==` by
//! number, class or `toString`, string `+`, null propagation), its boolean
//! semantics for `#if` (only references, `true`/`false`, comparisons and
//! logic can be true), property lookup, `[index]` and method dispatch.

use std::cmp::Ordering;

use crate::ast::{BinOp, Expr, RefNode, RefPart};
use crate::error::{EvalError, RenderErrorKind};
use crate::eval::{Ctx, EvalResult};
use crate::number::{arith, compare};
use crate::value::{JMap, LIMIT_PREFIX, MAX_STRING_BYTES, Value};
use crate::vars::CONTEXT;
use crate::{input, methods_coll, methods_str, util};

/// Largest list a range literal may build.
const MAX_RANGE: i64 = 1_000_000;

/// Deepest expression evaluation (keeps the native stack bounded).
const MAX_EXPR_DEPTH: usize = 128;

impl Ctx<'_> {
    pub(crate) fn eval(&mut self, e: &Expr) -> EvalResult<Value> {
        self.expr_depth += 1;
        if self.expr_depth > MAX_EXPR_DEPTH {
            self.expr_depth -= 1;
            return Err(EvalError::new(
                RenderErrorKind::Limit,
                0,
                "expression nests too deeply",
            ));
        }
        let r = self.eval_inner(e);
        self.expr_depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expr) -> EvalResult<Value> {
        Ok(match e {
            Expr::Ref(r) => self.eval_ref(r)?,
            Expr::Str(s) => Value::str(s),
            Expr::Interp(nodes) => {
                // The string is not output: its bytes count toward the output
                // limit only while it is being built, which bounds its size.
                let mut s = String::new();
                let saved = self.out_len;
                self.enter(0)?;
                let r = self.render_block(nodes, &mut s);
                self.leave();
                self.out_len = saved;
                r?;
                Value::string(s)
            }
            Expr::Int(i) => Value::Int(*i),
            Expr::Long(i) => Value::Long(*i),
            Expr::Double(d) => Value::Double(*d),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::List(items) => {
                let mut v = Vec::with_capacity(items.len());
                for i in items {
                    v.push(self.eval(i)?);
                }
                Value::list(v)
            }
            Expr::Map(pairs) => {
                let mut m = JMap::default();
                for (k, v) in pairs {
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    m.put(k, v);
                }
                Value::map(m)
            }
            Expr::Range(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                let (Some(a), Some(b)) = (range_end(&a), range_end(&b)) else {
                    return Ok(Value::Null);
                };
                if (a - b).abs() >= MAX_RANGE {
                    return Err(EvalError::new(
                        RenderErrorKind::Limit,
                        0,
                        "range literal too large",
                    ));
                }
                self.steps += (a - b).unsigned_abs();
                self.step(0)?;
                let v: Vec<Value> = if a <= b {
                    (a..=b).map(|i| Value::Int(i as i32)).collect()
                } else {
                    (b..=a).rev().map(|i| Value::Int(i as i32)).collect()
                };
                Value::list(v)
            }
            Expr::Not(inner) => Value::Bool(!self.truthy(inner)?),
            Expr::Group(inner) => self.eval(inner)?,
            Expr::Bin(op, l, r, pos) => self.binary(*op, l, r, *pos)?,
        })
    }

    /// Velocity's `evaluate()`: the truth of an expression in `#if`.
    pub(crate) fn truthy(&mut self, e: &Expr) -> EvalResult<bool> {
        self.expr_depth += 1;
        if self.expr_depth > MAX_EXPR_DEPTH {
            self.expr_depth -= 1;
            return Err(EvalError::new(
                RenderErrorKind::Limit,
                0,
                "expression nests too deeply",
            ));
        }
        let r = self.truthy_inner(e);
        self.expr_depth -= 1;
        r
    }

    fn truthy_inner(&mut self, e: &Expr) -> EvalResult<bool> {
        Ok(match e {
            Expr::Ref(r) => match self.eval_ref(r)? {
                Value::Null => false,
                Value::Bool(b) => b,
                _ => true,
            },
            Expr::Bool(b) => *b,
            Expr::Group(inner) => self.truthy(inner)?,
            Expr::Not(inner) => !self.truthy(inner)?,
            Expr::Bin(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod, ..) => false,
            Expr::Bin(op, l, r, pos) => matches!(self.binary(*op, l, r, *pos)?, Value::Bool(true)),
            _ => false,
        })
    }

    fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr, pos: usize) -> EvalResult<Value> {
        self.step(pos)?;
        match op {
            BinOp::And => return Ok(Value::Bool(self.truthy(l)? && self.truthy(r)?)),
            BinOp::Or => return Ok(Value::Bool(self.truthy(l)? || self.truthy(r)?)),
            _ => {}
        }
        let (a, b) = (self.eval(l)?, self.eval(r)?);
        Ok(match op {
            BinOp::Eq => Value::Bool(velocity_eq(&a, &b)),
            BinOp::Ne => Value::Bool(!velocity_eq(&a, &b)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let Some(ord) = compare(&a, &b) else {
                    return Ok(Value::Bool(false));
                };
                Value::Bool(match op {
                    BinOp::Lt => ord == Ordering::Less,
                    BinOp::Le => ord != Ordering::Greater,
                    BinOp::Gt => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                })
            }
            BinOp::Add if matches!(a, Value::Str(_)) || matches!(b, Value::Str(_)) => {
                // A null reference joins the string as its source text.
                let side = |v: &Value, e: &Expr| match (v, e) {
                    (Value::Null, Expr::Ref(r)) => Some(r.literal.clone()),
                    (Value::Null, _) => None,
                    _ => Some(v.to_java_string()),
                };
                match (side(&a, l), side(&b, r)) {
                    (Some(x), Some(y)) if x.len() + y.len() > MAX_STRING_BYTES => {
                        let msg = "string concatenation too large";
                        return Err(EvalError::new(RenderErrorKind::Limit, pos, msg));
                    }
                    (Some(x), Some(y)) => Value::string(x + &y),
                    _ => Value::Null,
                }
            }
            _ => arith(op, &a, &b).unwrap_or(Value::Null),
        })
    }

    pub(crate) fn eval_ref(&mut self, r: &RefNode) -> EvalResult<Value> {
        self.eval_chain(r, &r.parts)
    }

    /// Evaluates the root and the given parts of a reference.
    pub(crate) fn eval_chain(&mut self, r: &RefNode, parts: &[RefPart]) -> EvalResult<Value> {
        self.step(r.pos)?;
        let (mut cur, parts) = match parts.split_first() {
            Some((RefPart::Property(name), rest)) if r.root.slot == CONTEXT => {
                match self.context_scalar(name) {
                    Some(v) => {
                        // The steps reading the built map would have cost.
                        self.step(r.pos)?;
                        self.steps += (self.context_len() / 64) as u64;
                        (v, rest)
                    }
                    None => (self.lookup_var(r.root.var())?, parts),
                }
            }
            Some((RefPart::Property(name), rest)) => match self.bound_map_property(r, name) {
                Some((v, extra)) => {
                    // As the loop below would: the part's step, then the
                    // collection's.
                    self.step(r.pos)?;
                    self.steps += extra;
                    (v, rest)
                }
                None => (self.lookup_var(r.root.var())?, parts),
            },
            _ => (self.lookup_var(r.root.var())?, parts),
        };
        for part in parts {
            if cur.is_null() {
                return Ok(Value::Null);
            }
            self.step(r.pos)?;
            cur = match part {
                RefPart::Property(name) => property(&cur, name, self),
                RefPart::Index(e) => {
                    let idx = self.eval(e)?;
                    index(&cur, &idx)
                        .map_err(|m| EvalError::new(RenderErrorKind::Invocation, r.pos, m))?
                }
                RefPart::Method(name, args) => {
                    // Up to 3 arguments are evaluated on the stack.
                    let mut small: [Value; 3] = Default::default();
                    let mut many = Vec::new();
                    let vals: &[Value] = match small.get_mut(..args.len()) {
                        _ if args.is_empty() => &[],
                        Some(slots) => {
                            for (slot, a) in slots.iter_mut().zip(args) {
                                *slot = self.eval(a)?;
                            }
                            slots
                        }
                        None => {
                            for a in args {
                                many.push(self.eval(a)?);
                            }
                            &many
                        }
                    };
                    let v = self.call(&cur, name, vals).map_err(|m| {
                        let kind = match m.starts_with(LIMIT_PREFIX) {
                            true => RenderErrorKind::Limit,
                            false => RenderErrorKind::Invocation,
                        };
                        EvalError::new(kind, r.pos, format!("{}: {m}", r.literal))
                    })?;
                    if matches!(&v, Value::Str(s) if s.len() > MAX_STRING_BYTES) {
                        let msg = format!("{}: string result too large", r.literal);
                        return Err(EvalError::new(RenderErrorKind::Limit, r.pos, msg));
                    }
                    v
                }
            };
        }
        Ok(cur)
    }

    /// `$var.name` when `$var` is a bound map (outside macros): the property
    /// read without copying the variable, with the steps [`property`] charges
    /// for the collection.
    #[inline]
    fn bound_map_property(&self, r: &RefNode, name: &str) -> Option<(Value, u64)> {
        if !self.frames.is_empty() {
            return None;
        }
        let m = match self.vars.get(r.root.slot) {
            Some(Value::Map(m)) => m,
            Some(Value::Json(j)) if j.is_map() => {
                let (v, len) = j.get_sized(name);
                return Some((v, (len / 64) as u64));
            }
            _ => return None,
        };
        Some(match m.try_borrow() {
            Ok(m) => (
                m.get_str(name).cloned().unwrap_or_default(),
                (m.entries.len() / 64) as u64,
            ),
            Err(_) => (Value::Null, 0),
        })
    }

    /// Dispatches a Java method call. `Ok(Null)` covers "no such method".
    fn call(&mut self, obj: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
        if let Value::Json(j) = obj {
            // Sizes are read on the tape; anything else uses the real value.
            if let ("size" | "isEmpty", []) = (name, args) {
                let len = j.len();
                self.steps += (len / 64) as u64;
                return Ok(match name {
                    "size" => Value::Int(i32::try_from(len).unwrap_or(i32::MAX)),
                    _ => Value::Bool(len == 0),
                });
            }
            return self.call(&j.resolve(), name, args);
        }
        if args.iter().any(|a| matches!(a, Value::Json(_))) {
            let args: Vec<Value> = args.iter().map(Value::resolved).collect();
            return self.call(obj, name, &args);
        }
        let r = match obj {
            Value::Str(s) => methods_str::call(s, name, args)?,
            Value::List(_) | Value::Map(_) | Value::Entry(_) => {
                // Collection methods are linear: charge big receivers so the
                // step limit also bounds quadratic templates.
                self.steps += (collection_len(obj) / 64) as u64;
                methods_coll::call(obj, name, args, &mut self.mutations)?
            }
            Value::Input => input::call(self, name, args)?,
            Value::Util => util::call(name, args, &mut self.scratch)?,
            Value::Loop(info) => match (name, args) {
                ("hasNext" | "getHasNext" | "isHasNext", []) => Some(Value::Bool(info.has_next)),
                ("getIndex", []) => Some(Value::Int(info.index as i32)),
                ("getCount", []) => Some(Value::Int((info.index as i32).saturating_add(1))),
                ("isFirst", []) => Some(Value::Bool(info.index == 0)),
                ("isLast", []) => Some(Value::Bool(!info.has_next)),
                _ => None,
            },
            _ => methods_str::call_number(obj, name, args),
        };
        if let Some(v) = r.or_else(|| common_method(obj, name, args)) {
            return Ok(v);
        }
        // Velocity 1.7's method matcher indexes the last parameter of every
        // overload and so throws when a zero-parameter overload gets arguments.
        if !args.is_empty() && has_zero_arg_overload(obj, name) {
            return Err(format!(
                "java.lang.ArrayIndexOutOfBoundsException: {name} takes no arguments"
            ));
        }
        Ok(Value::Null)
    }
}

fn has_zero_arg_overload(obj: &Value, name: &str) -> bool {
    const OBJECT: &[&str] = &[
        "toString",
        "hashCode",
        "getClass",
        "notify",
        "notifyAll",
        "wait",
    ];
    let own: &[&str] = match obj {
        Value::Str(_) => &[
            "length",
            "isEmpty",
            "toUpperCase",
            "toLowerCase",
            "trim",
            "intern",
            "toCharArray",
            "getBytes",
            "chars",
            "codePoints",
            "isBlank",
            "strip",
            "stripLeading",
            "stripTrailing",
            "lines",
        ],
        Value::List(_) => &[
            "size",
            "isEmpty",
            "clear",
            "iterator",
            "listIterator",
            "toArray",
            "stream",
            "clone",
        ],
        Value::Map(_) => &[
            "size", "isEmpty", "clear", "keySet", "values", "entrySet", "clone",
        ],
        Value::Entry(_) => &["getKey", "getValue"],
        Value::Int(_) | Value::Long(_) | Value::Double(_) | Value::Big(_) => &[
            "intValue",
            "longValue",
            "doubleValue",
            "floatValue",
            "shortValue",
            "byteValue",
            "isNaN",
            "isInfinite",
        ],
        Value::Bool(_) => &["booleanValue"],
        _ => return false,
    };
    own.contains(&name) || OBJECT.contains(&name)
}

/// Methods every Java object has.
fn common_method(obj: &Value, name: &str, args: &[Value]) -> Option<Value> {
    match (name, args) {
        ("toString", []) => Some(Value::string(obj.to_java_string())),
        ("equals", [o]) => Some(Value::Bool(obj.java_equals(o))),
        _ => None,
    }
}

/// Velocity 1.7 `==`: nulls equal each other, numbers compare by value, same
/// classes use `equals`, anything else compares `toString()`.
pub(crate) fn velocity_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        _ if a.is_number() && b.is_number() => compare(a, b) == Some(Ordering::Equal),
        _ if a.class_tag() == b.class_tag() => a.java_equals(b),
        _ => a.to_java_string() == b.to_java_string(),
    }
}

fn range_end(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        Value::Long(i) => i32::try_from(*i).ok().map(i64::from),
        _ => None,
    }
}

/// `$obj.name`: getter, then `Map.get`, then `isName()`, as Velocity's uberspector.
fn collection_len(v: &Value) -> usize {
    match v {
        Value::List(l) => l.try_borrow().map_or(0, |l| l.len()),
        Value::Map(m) => m.try_borrow().map_or(0, |m| m.entries.len()),
        Value::Json(j) => j.len(),
        _ => 0,
    }
}

fn property(obj: &Value, name: &str, ctx: &mut Ctx<'_>) -> Value {
    if let Value::Map(m) = obj {
        // The common case, with one borrow (a busy map has length 0 and no keys).
        let Ok(m) = m.try_borrow() else {
            return Value::Null;
        };
        ctx.steps += (m.entries.len() / 64) as u64;
        return m.get_str(name).cloned().unwrap_or_default();
    }
    if let Value::Json(j) = obj
        && j.is_map()
    {
        let (v, len) = j.get_sized(name);
        ctx.steps += (len / 64) as u64;
        return v;
    }
    ctx.steps += (collection_len(obj) / 64) as u64;
    match obj {
        Value::Entry(e) => match name {
            "key" => e.0.clone(),
            "value" => e.1.clone(),
            _ => Value::Null,
        },
        Value::Loop(info) => match name {
            "index" => Value::Int(info.index as i32),
            "count" => Value::Int((info.index as i32).saturating_add(1)),
            "hasNext" => Value::Bool(info.has_next),
            "first" => Value::Bool(info.index == 0),
            "last" => Value::Bool(!info.has_next),
            "parent" => info.parent.clone(),
            _ => Value::Null,
        },
        Value::Str(s) => match name {
            "empty" => Value::Bool(s.is_empty()),
            _ => Value::Null,
        },
        Value::List(l) => match name {
            "empty" => Value::Bool(l.try_borrow().map(|l| l.is_empty()).unwrap_or(true)),
            _ => Value::Null,
        },
        Value::Json(j) => match name {
            "empty" => Value::Bool(j.len() == 0),
            _ => Value::Null,
        },
        Value::Input => match name {
            "body" => Value::shared(ctx.data.body.clone()),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// `$obj[i]`: list index (negative counts from the end) or map key.
fn index(obj: &Value, idx: &Value) -> Result<Value, String> {
    match obj {
        Value::Json(j) => {
            let i = match idx {
                Value::Int(i) => i64::from(*i),
                Value::Long(i) => *i,
                _ => return index(&j.resolve(), idx),
            };
            match j.tape_item(i) {
                Some((Some(v), _)) => Ok(v),
                Some((None, len)) => Err(format!("index {i} out of bounds for length {len}")),
                None => index(&j.resolve(), idx),
            }
        }
        Value::List(l) => {
            let l = l.try_borrow().map_err(|_| "list in use".to_string())?;
            let i = match idx {
                Value::Int(i) => i64::from(*i),
                Value::Long(i) => *i,
                _ => return Ok(Value::Null),
            };
            let len = l.len() as i64;
            let j = if i < 0 { i + len } else { i };
            match usize::try_from(j).ok().and_then(|j| l.get(j)) {
                Some(v) => Ok(v.clone()),
                None => Err(format!("index {i} out of bounds for length {len}")),
            }
        }
        Value::Map(m) => Ok(m
            .try_borrow()
            .ok()
            .and_then(|m| m.get(idx).cloned())
            .unwrap_or_default()),
        _ => Ok(Value::Null),
    }
}
