//! The public API: [`parse`] compiles a [`Template`]; [`Template::render`] runs it
//! against a [`RenderInput`] within [`Limits`] and returns a [`Rendered`].

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::ast::{Block, MacroDef};
use crate::error::{ParseError, RenderError};
use crate::eval::Ctx;
use crate::parse_text::{Parser, Shared, Stop, scan_macro_names};
use crate::scan::Cursor;
use crate::value::Value;
use crate::vars::Names;

/// A compiled template: immutable, `Send + Sync`, cheap to clone.
#[derive(Debug, Clone)]
pub struct Template {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) src: String,
    pub(crate) block: Block,
    pub(crate) macros: HashMap<String, Arc<MacroDef>>,
    /// Variable slots (of the template as parsed; empty for `#evaluate`).
    pub(crate) names: Names,
    /// What the template reads of `$context`.
    pub(crate) context_use: crate::uses::ContextUse,
    /// What the template reads of `$input`.
    pub(crate) input_use: crate::uses::InputUse,
    /// The parameter names the template looks up (`None`: any).
    pub(crate) param_names: Option<Vec<String>>,
}

/// Compiles a template source.
pub fn parse(src: &str) -> Result<Template, ParseError> {
    let mut names = Names::default();
    let mut compiled = compile(src, 0, &mut names)?;
    compiled.names = names;
    Ok(Template {
        inner: Arc::new(compiled),
    })
}

/// Compiles `src`, starting nesting at `depth` (used by `#evaluate`), giving
/// variables slots from `names` (new names are added to it).
pub(crate) fn compile(src: &str, depth: usize, names: &mut Names) -> Result<Compiled, ParseError> {
    let mut shared = Shared {
        macro_names: scan_macro_names(src),
        macros: HashMap::new(),
        names: std::mem::replace(names, Names::empty()),
    };
    let r = compile_with(src, depth, &mut shared);
    *names = std::mem::replace(&mut shared.names, Names::empty());
    let block = r?;
    let uses = crate::uses::uses(&block, shared.macros.values().map(|m| &**m));
    Ok(Compiled {
        src: src.to_string(),
        block,
        macros: shared.macros,
        names: Names::empty(),
        context_use: uses.context,
        input_use: uses.input,
        param_names: uses.param_names,
    })
}

fn compile_with(src: &str, depth: usize, shared: &mut Shared) -> Result<Block, ParseError> {
    let mut p = Parser::new(Cursor::new(src, src, 0, depth), shared);
    let (block, stop) = p.parse_block()?;
    match stop {
        Stop::Eof => {}
        Stop::End => {
            return Err(p.c.error(
                p.c.pos.saturating_sub(1),
                "#end without a matching directive",
            ));
        }
        Stop::Else | Stop::ElseIf(_) => {
            return Err(p
                .c
                .error(p.c.pos.saturating_sub(1), "#else or #elseif outside #if"));
        }
    }
    Ok(block)
}

/// Bounds on one render. Exceeding any of them is a [`RenderError`], except
/// `max_foreach_iterations`, which silently ends the loop as API Gateway does.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Iterations of one `#foreach` (API Gateway: 1000).
    pub max_foreach_iterations: usize,
    /// Nesting of macro calls, `#evaluate` and interpolated strings.
    pub max_depth: usize,
    /// Size of the rendered output in bytes.
    pub max_output_bytes: usize,
    /// Evaluation steps (nodes, expressions, method calls, loop turns).
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_foreach_iterations: 1000,
            max_depth: 64,
            max_output_bytes: 10 << 20,
            max_steps: 2_000_000,
        }
    }
}

/// Request parameters as `$input.params()` exposes them, in arrival order.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub path: Vec<(String, String)>,
    pub querystring: Vec<(String, String)>,
    pub header: Vec<(String, String)>,
}

/// Everything a template can read. In response templates `body` and `params`
/// describe the integration response.
#[derive(Debug, Clone, Default)]
pub struct RenderInput {
    /// Shared: the engine's JSON views of it take no copy.
    pub body: Rc<str>,
    pub params: Params,
    /// The `$context` tree (`requestId`, `identity.sourceIp`, `authorizer.*`, …).
    /// `requestOverride`/`responseOverride` maps are added when absent.
    pub context: serde_json::Value,
    /// Top-level `$context` variables given by name instead of in `context` (no tree to
    /// build for them): read first, and added to the `$context` map when one is made. A name
    /// is in one of the two, not both.
    pub context_scalars: Vec<(&'static str, ContextScalar)>,
    pub stage_variables: Vec<(String, String)>,
}

/// A `$context` variable of [`RenderInput::context_scalars`].
#[derive(Debug, Clone)]
pub enum ContextScalar {
    Text(Rc<str>),
    Number(i64),
    Bool(bool),
}

impl ContextScalar {
    /// As the engine holds it (what the same value in the `context` tree becomes).
    pub(crate) fn value(&self) -> Value {
        match self {
            ContextScalar::Text(s) => Value::shared(s.clone()),
            ContextScalar::Number(n) => match i32::try_from(*n) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Long(*n),
            },
            ContextScalar::Bool(b) => Value::Bool(*b),
        }
    }
}

/// Values written to `$context.requestOverride.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOverride {
    pub header: Vec<(String, String)>,
    pub querystring: Vec<(String, String)>,
    pub path: Vec<(String, String)>,
}

/// Values written to `$context.responseOverride.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseOverride {
    /// The printed value of `status`, if the template set one.
    pub status: Option<String>,
    pub header: Vec<(String, String)>,
}

impl ResponseOverride {
    /// `status` as an HTTP status code, when it is a valid one.
    pub fn status_code(&self) -> Option<u16> {
        self.status
            .as_deref()
            .and_then(|s| s.trim().parse().ok())
            .filter(|c| (100..=599).contains(c))
    }
}

/// The result of a render.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub output: String,
    pub request_override: RequestOverride,
    pub response_override: ResponseOverride,
}

impl Template {
    /// The source the template was compiled from.
    pub fn source(&self) -> &str {
        &self.inner.src
    }

    /// What the template reads of `$context` (a caller may leave the rest out of
    /// [`RenderInput::context`]).
    pub fn context_use(&self) -> &crate::uses::ContextUse {
        &self.inner.context_use
    }

    /// What the template reads of `$input` (a caller may leave the rest out of
    /// [`RenderInput::body`] and [`RenderInput::params`]).
    pub fn input_use(&self) -> crate::uses::InputUse {
        self.inner.input_use
    }

    /// The parameter names the template looks up, each with `$input.params('name')`: a caller
    /// may leave every other parameter out of [`RenderInput::params`] (header names compare
    /// without case). `None`: it may read any (`$input.params()`, a computed name, `$input`
    /// passed on, `#evaluate`).
    pub fn param_names(&self) -> Option<&[String]> {
        self.inner.param_names.as_deref()
    }

    /// Renders the template. Never panics, whatever the template or input.
    pub fn render(&self, data: &RenderInput, limits: &Limits) -> Result<Rendered, RenderError> {
        let inner = &*self.inner;
        let mut ctx = Ctx::new(inner, data, limits);
        // Response templates often print about as much as the body holds.
        let guess = (inner.src.len() + 2 * data.body.len()).min(limits.max_output_bytes);
        let mut out = String::with_capacity(guess.min(1 << 20));
        ctx.render_top(&inner.block, &mut out)
            .map_err(|e| e.into_render(&inner.src))?;
        let (request_override, response_override) = read_overrides(&ctx.context_handle());
        Ok(Rendered {
            output: out,
            request_override,
            response_override,
        })
    }
}

fn pairs(map: &Value, key: &str) -> Vec<(String, String)> {
    let map = map.resolved();
    let Value::Map(m) = &map else {
        return Vec::new();
    };
    let Ok(m) = m.try_borrow() else {
        return Vec::new();
    };
    match m.get_str(key).map(Value::resolved) {
        Some(Value::Map(inner)) => match inner.try_borrow() {
            Ok(inner) => inner
                .entries
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.to_java_string(), v.to_java_string()))
                .collect(),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn child(map: &Value, key: &str) -> Value {
    match &map.resolved() {
        Value::Map(m) => m
            .try_borrow()
            .ok()
            .and_then(|m| m.get_str(key).cloned())
            .unwrap_or_default(),
        _ => Value::Null,
    }
}

fn read_overrides(context: &Value) -> (RequestOverride, ResponseOverride) {
    let req = child(context, "requestOverride");
    let res = child(context, "responseOverride");
    let status = match child(&res, "status") {
        Value::Null => None,
        v => Some(v.to_java_string()),
    };
    (
        RequestOverride {
            header: pairs(&req, "header"),
            querystring: pairs(&req, "querystring"),
            path: pairs(&req, "path"),
        },
        ResponseOverride {
            status,
            header: pairs(&res, "header"),
        },
    )
}
