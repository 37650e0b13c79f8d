//! Macro calls with Velocity's pass-by-name arguments: a parameter is bound
//! to the caller's argument expression, which is evaluated again (in the
//! caller's scope) at every use. Assigning to a parameter rebinds it locally,
//! without writing through to the caller's variable.
//!
//! Also owns the variable helpers that must respect those bindings.

use crate::ast::Expr;
use crate::eval::{Ctx, EvalResult, Flow};
use crate::value::Value;
use crate::vars::Var;

/// What a macro parameter stands for.
pub(crate) enum Binding {
    /// The caller's argument, evaluated at each use.
    Expr(Expr),
    /// A value assigned inside the macro (or a missing argument: null).
    Value(Value),
}

/// The parameters of one active macro call.
pub(crate) struct Frame {
    bindings: Vec<(String, Binding)>,
}

impl Ctx<'_> {
    /// Looks a variable up: parameters of the innermost macro first, then the
    /// context (and API Gateway's built-ins).
    #[inline]
    pub(crate) fn lookup_var(&mut self, var: Var<'_>) -> EvalResult<Value> {
        if self.frames.is_empty() {
            return Ok(self.lookup(var));
        }
        self.lookup_in_macro(var)
    }

    fn lookup_in_macro(&mut self, var: Var<'_>) -> EvalResult<Value> {
        let Some(frame) = self.frames.last() else {
            return Ok(self.lookup(var));
        };
        let Some(i) = frame.bindings.iter().position(|(n, _)| n == var.name) else {
            return Ok(self.lookup(var));
        };
        // Evaluate in the caller's scope: this frame is set aside meanwhile.
        let Some(frame) = self.frames.pop() else {
            return Ok(Value::Null);
        };
        let r = match frame.bindings.get(i).map(|(_, b)| b) {
            Some(Binding::Expr(e)) => self.eval(e),
            Some(Binding::Value(v)) => Ok(v.clone()),
            None => Ok(Value::Null),
        };
        self.frames.push(frame);
        r
    }

    /// Whether `name` is a parameter of the innermost macro call.
    pub(crate) fn is_param(&self, name: &str) -> bool {
        self.frames
            .last()
            .is_some_and(|f| f.bindings.iter().any(|(n, _)| n == name))
    }

    /// Binds a variable (`#set`, `#foreach`, `#define`).
    pub(crate) fn set_var(&mut self, var: Var<'_>, v: Value) {
        if let Some(slot) = self.param_slot(var.name) {
            *slot = Binding::Value(v);
        } else {
            self.vars.set(var.slot, v);
        }
    }

    /// Restores a binding saved before a loop: `None` unbinds.
    pub(crate) fn restore_var(&mut self, var: Var<'_>, old: Option<Value>) {
        if let Some(slot) = self.param_slot(var.name) {
            *slot = Binding::Value(old.unwrap_or_default());
        } else {
            self.vars.restore(var.slot, old);
        }
    }

    fn param_slot(&mut self, name: &str) -> Option<&mut Binding> {
        let frame = self.frames.last_mut()?;
        frame
            .bindings
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
    }

    pub(crate) fn call_macro(
        &mut self,
        name: &str,
        args: &[Expr],
        pos: usize,
        out: &mut String,
    ) -> EvalResult<Flow> {
        let Some(def) = self
            .macros
            .get(name)
            .or_else(|| self.extra_macros.get(name))
            .cloned()
        else {
            return Ok(Flow::Normal);
        };
        self.step(pos)?;
        let mark = self.macro_literals.len();
        let mut bindings = Vec::with_capacity(def.params.len());
        for (i, p) in def.params.iter().enumerate() {
            let b = match args.get(i) {
                Some(a) => {
                    if let Expr::Ref(r) = a {
                        self.macro_literals.push((p.clone(), r.literal.clone()));
                    }
                    Binding::Expr(a.clone())
                }
                None => Binding::Value(Value::Null),
            };
            bindings.push((p.clone(), b));
        }
        self.enter(pos)
            .inspect_err(|_| self.macro_literals.truncate(mark))?;
        self.frames.push(Frame { bindings });
        // `#break` inside a macro leaves only the macro body.
        let r = self.render_block(&def.body, out).map(|f| match f {
            Flow::Break(None) => Flow::Normal,
            other => other,
        });
        self.frames.pop();
        self.leave();
        self.macro_literals.truncate(mark);
        r
    }
}
