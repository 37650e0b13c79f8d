//! The parsed form of a template: nodes, expressions and references.
//!
//! Owns only data; parsing lives in `parse_*.rs` and evaluation in `eval*.rs`.
//! Every node that can fail at render time carries its byte offset so errors
//! can be reported with line and column.

/// A sequence of nodes rendered in order.
pub(crate) type Block = Vec<Node>;

/// One template-level construct.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// Literal text, written as is.
    Text(String),
    /// A reference such as `$a.b()`, written with its value or its source text.
    Ref(RefNode),
    /// A reference preceded by backslashes (`\$a`, `\\$a`).
    EscapedRef {
        backslashes: usize,
        reference: RefNode,
    },
    /// `#set($target = value)`.
    Set {
        target: RefNode,
        value: Expr,
        pos: usize,
    },
    /// `#if / #elseif / #else / #end`.
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    /// `#foreach($var in iterable) ... #end`.
    Foreach {
        var: Name,
        iterable: Expr,
        body: Block,
        pos: usize,
    },
    /// `#break` / `#break($foreach.parent)`: leave the innermost `#foreach`
    /// (or macro body, or template), or the loop the argument names.
    Break(Option<Expr>),
    /// `#stop`: stop rendering altogether.
    Stop,
    /// `#name(args)`: a call to a macro defined with `#macro`.
    MacroCall {
        name: String,
        args: Vec<Expr>,
        pos: usize,
    },
    /// `#define($name) ... #end`.
    Define {
        name: Name,
        body: std::sync::Arc<Block>,
    },
    /// `#evaluate(expr)`.
    Evaluate { expr: Expr, pos: usize },
    /// `#parse` / `#include`: not available in API Gateway.
    Unsupported { name: String, pos: usize },
}

/// A variable name and its slot in the template's variable table.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub(crate) text: String,
    pub(crate) slot: u32,
}

impl Name {
    pub(crate) fn var(&self) -> crate::vars::Var<'_> {
        crate::vars::Var {
            slot: self.slot,
            name: &self.text,
        }
    }
}

/// A macro definition, hoisted out of the node tree.
#[derive(Debug, Clone)]
pub(crate) struct MacroDef {
    pub(crate) params: Vec<String>,
    pub(crate) body: Block,
}

/// A reference: root variable plus a chain of properties, calls and indexes.
#[derive(Debug, Clone)]
pub(crate) struct RefNode {
    /// `$!a`: render nothing when the value is null.
    pub(crate) silent: bool,
    pub(crate) root: Name,
    pub(crate) parts: Vec<RefPart>,
    /// The source text, rendered when the value is null.
    pub(crate) literal: String,
    pub(crate) pos: usize,
}

/// One link of a reference chain.
#[derive(Debug, Clone)]
pub(crate) enum RefPart {
    Property(String),
    Method(String, Vec<Expr>),
    Index(Expr),
}

/// Binary operators, in Velocity's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// An expression inside a directive or a method call.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Ref(RefNode),
    Str(String),
    /// A double-quoted string holding `$` or `#`: rendered as a template.
    Interp(Block),
    Int(i32),
    Long(i64),
    Double(f64),
    Bool(bool),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// Parentheses: kept so truthiness can look through them.
    Group(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>, usize),
}
