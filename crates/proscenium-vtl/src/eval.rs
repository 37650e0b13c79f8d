//! Rendering of template nodes: text, references, `#set`, `#if`, `#foreach`,
//! macros, `#define`, `#evaluate`, `#break` and `#stop`, under [`Limits`].
//!
//! Expression and reference evaluation live in `eval_expr.rs`.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::ast::{Block, MacroDef, Name, Node, RefNode, RefPart};
use crate::error::{EvalError, RenderErrorKind};
use crate::json;
use crate::number::{push_i64, write_java_double};
use crate::template::{Compiled, Limits, RenderInput, compile};
use crate::value::{JMap, LoopInfo, Value};
use crate::vars::{
    CONTEXT, FOREACH, LAZY_BUILTINS, Names, VELOCITY_COUNT, VELOCITY_HAS_NEXT, Var, Vars,
};

/// Deepest nesting of rendered blocks (macros and `#define` included), which
/// keeps the native stack bounded.
const MAX_BLOCK_DEPTH: usize = 128;

/// What a block asks its caller to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Normal,
    /// `None`: the innermost scope; `Some(id)`: the loop with that id.
    Break(Option<u64>),
    Stop,
}

/// Per-render evaluation state.
pub(crate) struct Ctx<'t> {
    pub(crate) vars: Vars,
    pub(crate) data: &'t RenderInput,
    pub(crate) limits: &'t Limits,
    pub(crate) macros: &'t HashMap<String, Arc<MacroDef>>,
    /// The template's variable slots.
    template_names: &'t Names,
    /// A copy of them grown by `#evaluate` strings (made by the first one).
    names: Option<Names>,
    pub(crate) extra_macros: HashMap<String, Arc<MacroDef>>,
    pub(crate) steps: u64,
    pub(crate) depth: usize,
    pub(crate) expr_depth: usize,
    block_depth: usize,
    next_loop_id: u64,
    /// `(parameter, caller's source text)` for active macro calls.
    pub(crate) macro_literals: Vec<(String, String)>,
    /// Parameter bindings of the active macro calls, innermost last.
    pub(crate) frames: Vec<crate::eval_macro::Frame>,
    pub(crate) out_len: usize,
    /// Parsed request body, computed on first use.
    pub(crate) body_json: Option<Result<Value, String>>,
    /// Whether `body_json` (or part of it) was handed to the template as is.
    pub(crate) body_lent: bool,
    /// `mutations` when the body was lent.
    pub(crate) body_lent_at: u64,
    /// Count of list/map mutations so far (invalidates a lent body).
    pub(crate) mutations: u64,
    /// The body as a JSON tape, built on first use (`None` inside: the
    /// value parser must handle it).
    pub(crate) tape: Option<Option<Rc<crate::json_tape::Tape>>>,
    /// Documents handed out by `$input.path('$')`, released at the end.
    pub(crate) docs: Vec<Rc<crate::json_view::JDoc>>,
    lazy_done: [bool; 4],
    /// A buffer reused to build strings (`$util` results).
    pub(crate) scratch: String,
    context: Option<Value>,
    overrides: Overrides,
}

pub(crate) type EvalResult<T> = Result<T, EvalError>;

impl Drop for Ctx<'_> {
    /// Real maps and lists made from JSON views may hold views of their own
    /// document: releasing them breaks such cycles.
    fn drop(&mut self) {
        for d in &self.docs {
            d.release();
        }
    }
}

impl<'t> Ctx<'t> {
    pub(crate) fn new(t: &'t Compiled, data: &'t RenderInput, limits: &'t Limits) -> Self {
        Ctx {
            vars: Vars::new(t.names.len()),
            data,
            limits,
            macros: &t.macros,
            template_names: &t.names,
            names: None,
            extra_macros: HashMap::new(),
            steps: 0,
            depth: 0,
            expr_depth: 0,
            block_depth: 0,
            next_loop_id: 0,
            macro_literals: Vec::new(),
            frames: Vec::new(),
            out_len: 0,
            body_json: None,
            body_lent: false,
            body_lent_at: 0,
            mutations: 0,
            tape: None,
            docs: Vec::new(),
            lazy_done: [false; 4],
            scratch: String::new(),
            context: None,
            overrides: Overrides::default(),
        }
    }

    /// Looks a variable up, materialising the API Gateway built-ins on first use.
    #[inline]
    pub(crate) fn lookup(&mut self, var: Var<'_>) -> Value {
        match self.vars.get(var.slot) {
            Some(v) => v.clone(),
            None => self.lookup_unbound(var),
        }
    }

    /// An unbound variable: null, or a built-in not created yet.
    #[cold]
    fn lookup_unbound(&mut self, var: Var<'_>) -> Value {
        if var.slot >= LAZY_BUILTINS {
            return Value::Null;
        }
        let i = var.slot as usize;
        if self.lazy_done.get(i).copied().unwrap_or(true) {
            return Value::Null;
        }
        if let Some(done) = self.lazy_done.get_mut(i) {
            *done = true;
        }
        let v = match i {
            0 => Value::Input,
            1 => Value::Util,
            2 => {
                let c = context_value(self.data);
                self.overrides = Overrides::collect(&c);
                self.context = Some(c.clone());
                c
            }
            _ => {
                let mut stage = JMap::default();
                for (k, v) in &self.data.stage_variables {
                    stage.put(Value::str(k), Value::str(v));
                }
                Value::map(stage)
            }
        };
        self.vars.set(var.slot, v.clone());
        v
    }

    /// `$context.<name>` before `$context` exists: a scalar of the caller's
    /// tree is converted alone, without building the map (a string or number
    /// read from the built map would be the same value). `None` when the map
    /// is needed: it was built or rebound, `name` is an override map, or the
    /// entry is an object or a list (which the template could mutate).
    pub(crate) fn context_scalar(&self, name: &str) -> Option<Value> {
        if self.lazy_done.get(2).copied().unwrap_or(true)
            || self.vars.get(CONTEXT).is_some()
            || self.is_param("context")
            || matches!(name, "requestOverride" | "responseOverride")
        {
            return None;
        }
        if let Some((_, s)) = self.data.context_scalars.iter().find(|(k, _)| *k == name) {
            return Some(s.value());
        }
        let serde_json::Value::Object(o) = &self.data.context else {
            return Some(Value::Null);
        };
        match o.get(name) {
            None | Some(serde_json::Value::Null) => Some(Value::Null),
            Some(serde_json::Value::Object(_) | serde_json::Value::Array(_)) => None,
            Some(v) => Some(json::from_serde(v)),
        }
    }

    /// Entries `$context` has once built: the caller's keys plus the override
    /// maps it adds.
    pub(crate) fn context_len(&self) -> usize {
        let scalars = self.data.context_scalars.len();
        let Some(o) = self.data.context.as_object() else {
            return 2 + scalars;
        };
        let len = o.len() + scalars;
        if len + 2 < 64 {
            return len; // below 64 the exact count does not matter
        }
        let has = |k: &str| o.contains_key(k);
        len + usize::from(!has("requestOverride")) + usize::from(!has("responseOverride"))
    }

    /// The `$context` map as created (if the template used it), even if the
    /// template later rebinds `$context`.
    pub(crate) fn context_handle(&self) -> Value {
        self.context.clone().unwrap_or_default()
    }

    #[inline]
    pub(crate) fn step(&mut self, pos: usize) -> EvalResult<()> {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            return Err(limit_error(pos, "evaluation step limit exceeded"));
        }
        Ok(())
    }

    pub(crate) fn enter(&mut self, pos: usize) -> EvalResult<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(EvalError::new(
                RenderErrorKind::Limit,
                pos,
                "nesting depth limit exceeded",
            ));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    #[inline]
    fn write(&mut self, out: &mut String, s: &str, pos: usize) -> EvalResult<()> {
        self.out_len += s.len();
        if self.out_len > self.limits.max_output_bytes {
            return Err(limit_error(pos, "output size limit exceeded"));
        }
        out.push_str(s);
        Ok(())
    }

    pub(crate) fn render_top(&mut self, block: &Block, out: &mut String) -> EvalResult<()> {
        self.render_block(block, out).map(|_| ())
    }

    pub(crate) fn render_block(&mut self, block: &Block, out: &mut String) -> EvalResult<Flow> {
        self.block_depth += 1;
        if self.block_depth > MAX_BLOCK_DEPTH {
            self.block_depth -= 1;
            return Err(EvalError::new(
                RenderErrorKind::Limit,
                0,
                "blocks nest too deeply",
            ));
        }
        let mut result = Ok(Flow::Normal);
        for node in block {
            match self.render_node(node, out) {
                Ok(Flow::Normal) => {}
                other => {
                    result = other;
                    break;
                }
            }
        }
        self.block_depth -= 1;
        result
    }

    /// Writes a value as Velocity prints it (`#define` bodies are rendered).
    pub(crate) fn write_value(
        &mut self,
        v: &Value,
        out: &mut String,
        pos: usize,
    ) -> EvalResult<()> {
        match v {
            Value::Define(body) => {
                let body = body.clone();
                self.enter(pos)?;
                let r = self.render_block(&body, out);
                self.leave();
                r.map(|_| ())
            }
            Value::Str(s) => self.write(out, s, pos),
            Value::Int(_) | Value::Long(_) | Value::Bool(_) | Value::Double(_) => {
                // Printed straight into the output, without a temporary string.
                let start = out.len();
                other_write(v, out);
                self.out_len += out.len() - start;
                if self.out_len > self.limits.max_output_bytes {
                    return Err(EvalError::new(
                        RenderErrorKind::Limit,
                        pos,
                        "output size limit exceeded",
                    ));
                }
                Ok(())
            }
            other => {
                let s = other.to_java_string();
                self.write(out, &s, pos)
            }
        }
    }

    fn render_node(&mut self, node: &Node, out: &mut String) -> EvalResult<Flow> {
        match node {
            Node::Text(t) => self.write(out, t, 0)?,
            Node::Ref(r) => {
                let v = self.eval_ref(r)?;
                if v.is_null() {
                    if !r.silent {
                        let lit = match r.parts.is_empty() {
                            true => self.macro_literal(&r.root.text),
                            false => None,
                        };
                        let lit = lit.unwrap_or_else(|| r.literal.clone());
                        self.write(out, &lit, r.pos)?;
                    }
                } else {
                    self.write_value(&v, out, r.pos)?;
                }
            }
            Node::EscapedRef {
                backslashes,
                reference,
            } => {
                let v = self.eval_ref(reference)?;
                let n = *backslashes;
                if v.is_null() {
                    // Velocity 1.7: an odd run keeps half plus one, an even run stays whole.
                    let s = "\\".repeat(if n % 2 == 1 { n / 2 + 1 } else { n });
                    self.write(out, &s, reference.pos)?;
                    self.write(out, &reference.literal, reference.pos)?;
                } else {
                    let s = "\\".repeat(n / 2);
                    self.write(out, &s, reference.pos)?;
                    if n % 2 == 1 {
                        self.write(out, &reference.literal, reference.pos)?;
                    } else {
                        self.write_value(&v, out, reference.pos)?;
                    }
                }
            }
            Node::Set { target, value, pos } => {
                self.step(*pos)?;
                let v = self.eval(value)?;
                if !v.is_null() {
                    self.assign(target, v)?;
                }
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (cond, block) in branches {
                    if self.truthy(cond)? {
                        return self.render_block(block, out);
                    }
                }
                if let Some(block) = otherwise {
                    return self.render_block(block, out);
                }
            }
            Node::Foreach {
                var,
                iterable,
                body,
                pos,
            } => return self.foreach(var, iterable, body, *pos, out),
            Node::Break(arg) => {
                let target = match arg {
                    Some(e) => match self.eval(e)? {
                        Value::Loop(info) => Some(info.id),
                        _ => None,
                    },
                    None => None,
                };
                return Ok(Flow::Break(target));
            }
            Node::Stop => return Ok(Flow::Stop),
            Node::MacroCall { name, args, pos } => return self.call_macro(name, args, *pos, out),
            Node::Define { name, body } => {
                self.set_var(name.var(), Value::Define(body.clone()));
            }
            Node::Evaluate { expr, pos } => return self.evaluate(expr, *pos, out),
            Node::Unsupported { name, pos } => {
                return Err(EvalError::new(
                    RenderErrorKind::Unsupported,
                    *pos,
                    format!("#{name} is not available in API Gateway mapping templates"),
                ));
            }
        }
        Ok(Flow::Normal)
    }

    fn assign(&mut self, target: &RefNode, v: Value) -> EvalResult<()> {
        let Some((last, init)) = target.parts.split_last() else {
            self.set_var(target.root.var(), v);
            return Ok(());
        };
        let obj = self.eval_chain(target, init)?.resolved();
        self.mutations += 1;
        match (last, &obj) {
            (RefPart::Property(name), Value::Map(m)) if self.overrides.already_set(m, name) => {
                let msg = format!(
                    "{}: API Gateway applies each override only once",
                    target.literal
                );
                return Err(EvalError::new(RenderErrorKind::Invocation, target.pos, msg));
            }
            (RefPart::Property(name), Value::Map(m)) => {
                if let Ok(mut m) = m.try_borrow_mut() {
                    m.put(Value::str(name), v);
                }
            }
            (RefPart::Index(e), _) => {
                let idx = self.eval(e)?;
                match &obj {
                    Value::Map(m) => {
                        if let Ok(mut m) = m.try_borrow_mut() {
                            m.put(idx, v);
                        }
                    }
                    Value::List(l) => {
                        if let (Ok(mut l), Some(i)) = (l.try_borrow_mut(), idx_int(&idx)) {
                            let len = l.len() as i64;
                            let i = if i < 0 { i + len } else { i };
                            if let Some(slot) = usize::try_from(i).ok().and_then(|i| l.get_mut(i)) {
                                *slot = v;
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn foreach(
        &mut self,
        var: &Name,
        iterable: &crate::ast::Expr,
        body: &Block,
        pos: usize,
        out: &mut String,
    ) -> EvalResult<Flow> {
        let coll = self.eval(iterable)?;
        // Lists are iterated live so that a structural change during the loop
        // fails like Java's ConcurrentModificationException; maps by snapshot.
        // A JSON list view is read on the tape, and live too: once made
        // real, its reads follow the real list.
        let (live, items, view): (Option<&crate::value::ListRef>, Vec<Value>, _) = match &coll {
            Value::List(l) => (Some(l), Vec::new(), None),
            Value::Map(m) => (
                None,
                m.try_borrow()
                    .map(|m| m.entries.iter().map(|(_, v)| v.clone()).collect())
                    .unwrap_or_default(),
                None,
            ),
            Value::Json(j) if j.is_map() => (None, j.values(), None),
            Value::Json(j) => (None, Vec::new(), Some(j)),
            _ => (None, Vec::new(), None),
        };
        let len_of = |items: &Vec<Value>| match (live, view) {
            (Some(l), _) => l.try_borrow().map(|l| l.len()).unwrap_or(0),
            (None, Some(j)) => j.len(),
            (None, None) => items.len(),
        };
        let start_len = len_of(&items);
        let mut saved: Vec<(Var<'_>, Option<Value>)> = Vec::with_capacity(4);
        for k in [var.var(), FOREACH, VELOCITY_COUNT, VELOCITY_HAS_NEXT] {
            let v = self.lookup_var(k)?;
            saved.push((k, Some(v).filter(|v| !v.is_null())));
        }
        let parent = self.lookup(FOREACH);
        let max = self.limits.max_foreach_iterations;
        self.next_loop_id += 1;
        let loop_id = self.next_loop_id;
        let mut flow = Flow::Normal;
        let mut i = 0;
        loop {
            let len = len_of(&items);
            if i >= len || i >= max {
                break;
            }
            if len != start_len {
                self.restore(saved);
                let msg = "java.util.ConcurrentModificationException in #foreach";
                return Err(EvalError::new(RenderErrorKind::Invocation, pos, msg));
            }
            let item = match (live, view) {
                (Some(l), _) => l
                    .try_borrow()
                    .ok()
                    .and_then(|l| l.get(i).cloned())
                    .unwrap_or_default(),
                (None, Some(j)) => j.item(i).unwrap_or_default(),
                (None, None) => items.get(i).cloned().unwrap_or_default(),
            };
            self.step(pos)?;
            let has_next = i + 1 < len;
            i += 1;
            let i = i - 1;
            self.set_var(var.var(), item);
            let count = Value::Int(i32::try_from(i + 1).unwrap_or(i32::MAX));
            self.vars.set(VELOCITY_COUNT.slot, count);
            self.vars.set(VELOCITY_HAS_NEXT.slot, Value::Bool(has_next));
            self.set_loop_info(loop_id, i, has_next, &parent);
            match self.render_block(body, out)? {
                Flow::Normal => {}
                Flow::Break(None) => break,
                Flow::Break(Some(id)) if id == loop_id => break,
                other => {
                    flow = other;
                    break;
                }
            }
        }
        self.restore(saved);
        Ok(flow)
    }

    /// Binds `$foreach` for one turn, updating last turn's state in place
    /// when nothing else holds it.
    fn set_loop_info(&mut self, id: u64, index: usize, has_next: bool, parent: &Value) {
        if let Some(Value::Loop(rc)) = self.vars.get_mut(FOREACH.slot)
            && let Some(info) = Rc::get_mut(rc)
            && info.id == id
        {
            info.index = index;
            info.has_next = has_next;
            return;
        }
        let info = LoopInfo {
            id,
            index,
            has_next,
            parent: parent.clone(),
        };
        self.vars.set(FOREACH.slot, Value::Loop(Rc::new(info)));
    }

    fn restore(&mut self, saved: Vec<(Var<'_>, Option<Value>)>) {
        for (k, old) in saved {
            self.restore_var(k, old);
        }
    }

    /// Source text of the caller's argument when a macro parameter is bound
    /// to a null reference: Velocity passes arguments by name.
    pub(crate) fn macro_literal(&self, name: &str) -> Option<String> {
        self.macro_literals
            .iter()
            .rev()
            .find(|(p, _)| p == name)
            .map(|(_, l)| l.clone())
    }

    fn evaluate(
        &mut self,
        expr: &crate::ast::Expr,
        pos: usize,
        out: &mut String,
    ) -> EvalResult<Flow> {
        let v = self.eval(expr)?;
        if v.is_null() {
            return Ok(Flow::Normal);
        }
        let src = v.to_java_string();
        self.enter(pos)?;
        let names = self
            .names
            .get_or_insert_with(|| self.template_names.clone());
        let compiled = compile(&src, self.depth, names).map_err(|e| {
            EvalError::new(RenderErrorKind::Evaluate, pos, format!("#evaluate: {}", e))
        });
        let r = compiled.and_then(|c| {
            for (k, m) in &c.macros {
                self.extra_macros.insert(k.clone(), m.clone());
            }
            // An untargeted `#break` leaves only the evaluated string.
            self.render_block(&c.block, out)
                .map_err(|e| e.at(pos))
                .map(|f| match f {
                    Flow::Break(None) => Flow::Normal,
                    other => other,
                })
        });
        self.leave();
        r
    }
}

#[cold]
fn limit_error(pos: usize, msg: &'static str) -> EvalError {
    EvalError::new(RenderErrorKind::Limit, pos, msg)
}

fn other_write(v: &Value, out: &mut String) {
    match v {
        Value::Int(i) => push_i64(out, i64::from(*i)),
        Value::Long(i) => push_i64(out, *i),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Double(d) => write_java_double(*d, out),
        _ => {}
    }
}

fn idx_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        Value::Long(i) => Some(*i),
        _ => None,
    }
}

/// Builds `$context`, making sure the override maps exist.
/// The maps whose keys API Gateway lets a template set only once:
/// `requestOverride.{header,querystring,path}`, `responseOverride.header`, and
/// `status` in `responseOverride`.
#[derive(Default)]
pub(crate) struct Overrides {
    once: Vec<crate::value::MapRef>,
    response: Option<crate::value::MapRef>,
}

impl Overrides {
    fn collect(context: &Value) -> Overrides {
        let child = |m: &Value, k: &str| match m {
            Value::Map(m) => m.try_borrow().ok().and_then(|m| m.get_str(k).cloned()),
            _ => None,
        };
        let mut o = Overrides::default();
        if let Some(req) = child(context, "requestOverride") {
            for k in ["header", "querystring", "path"] {
                if let Some(Value::Map(m)) = child(&req, k) {
                    o.once.push(m);
                }
            }
        }
        if let Some(Value::Map(res)) = child(context, "responseOverride") {
            if let Some(Value::Map(h)) = child(&Value::Map(res.clone()), "header") {
                o.once.push(h);
            }
            o.response = Some(res);
        }
        o
    }

    /// Whether `map.key` is an override that was already set.
    fn already_set(&self, map: &crate::value::MapRef, key: &str) -> bool {
        let tracked = self.once.iter().any(|m| Rc::ptr_eq(m, map))
            || (key == "status" && self.response.as_ref().is_some_and(|r| Rc::ptr_eq(r, map)));
        tracked && map.try_borrow().is_ok_and(|m| m.get_str(key).is_some())
    }
}

fn context_value(data: &RenderInput) -> Value {
    let v = json::from_serde(&data.context);
    let v = if let Value::Map(_) = v {
        v
    } else {
        Value::map(JMap::default())
    };
    if let Value::Map(m) = &v
        && let Ok(mut m) = m.try_borrow_mut()
    {
        for (k, s) in &data.context_scalars {
            if m.get_str(k).is_none() {
                m.put(Value::str(k), s.value());
            }
        }
        let req = ensure_map(&mut m, "requestOverride");
        if let Value::Map(r) = &req
            && let Ok(mut r) = r.try_borrow_mut()
        {
            for k in ["header", "querystring", "path"] {
                ensure_map(&mut r, k);
            }
        }
        let res = ensure_map(&mut m, "responseOverride");
        if let Value::Map(r) = &res
            && let Ok(mut r) = r.try_borrow_mut()
        {
            ensure_map(&mut r, "header");
        }
    }
    v
}

fn ensure_map(m: &mut JMap, key: &str) -> Value {
    if let Some(v @ Value::Map(_)) = m.get_str(key) {
        return v.clone();
    }
    let fresh = Value::map(JMap::default());
    m.put(Value::str(key), fresh.clone());
    fresh
}
