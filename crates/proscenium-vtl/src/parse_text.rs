//! Template-level parsing: text, references, comments, escapes and directives,
//! including Velocity 1.7's whitespace gobbling:
//! - a directive's closing `)` followed by `[ \t]*` and a newline eats them;
//! - `#else`, `#end`, `#break`, `#stop` likewise eat `[ \t]*` + newline;
//! - `#set` also eats the blanks before it when nothing but blanks separates
//!   it from the previous non-text construct (or the template start);
//! - `##` comments eat their newline, `#* *#` comments do not.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::ast::{Block, Expr, MacroDef, Name, Node, RefNode, RefPart};
use crate::error::ParseError;
use crate::scan::Cursor;
use crate::vars::Names;

/// Parser state shared with nested parsers (interpolated strings).
pub(crate) struct Shared {
    pub(crate) macro_names: HashSet<String>,
    pub(crate) macros: HashMap<String, Arc<MacroDef>>,
    /// Variable slots.
    pub(crate) names: Names,
}

pub(crate) struct Parser<'a, 's> {
    pub(crate) c: Cursor<'a>,
    pub(crate) sh: &'s mut Shared,
    /// Binary operators in the current top-level expression.
    pub(crate) ops: usize,
    pub(crate) expr_nesting: usize,
}

impl<'a, 's> Parser<'a, 's> {
    pub(crate) fn new(c: Cursor<'a>, sh: &'s mut Shared) -> Self {
        Parser {
            c,
            sh,
            ops: 0,
            expr_nesting: 0,
        }
    }
}

/// Why a block ended.
pub(crate) enum Stop {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

const DIRECTIVES: &[&str] = &[
    "set", "if", "elseif", "else", "end", "foreach", "break", "stop", "macro", "define",
    "evaluate", "parse", "include",
];

/// Finds the names given to `#macro(name …)` anywhere in the source, so calls
/// placed before the definition are still recognised.
pub(crate) fn scan_macro_names(src: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    for (i, _) in src.match_indices("#macro") {
        let mut c = Cursor::new(src, src, 0, 0);
        c.pos = i + "#macro".len();
        c.skip_blanks();
        if c.peek() != Some(b'(') {
            continue;
        }
        c.pos += 1;
        c.skip_ws();
        if let Some(name) = c.word() {
            names.insert(name.to_string());
        }
    }
    names
}

fn flush(out: &mut Block, text: &mut String) {
    if !text.is_empty() {
        out.push(Node::Text(std::mem::take(text)));
    }
}

impl<'a> Parser<'a, '_> {
    /// Parses nodes until end of input or a block terminator.
    pub(crate) fn parse_block(&mut self) -> Result<(Block, Stop), ParseError> {
        self.c.enter()?;
        let mut out = Vec::new();
        let mut text = String::new();
        let stop = loop {
            let Some(ch) = self.c.peek() else {
                break Stop::Eof;
            };
            match ch {
                b'$' => match self.parse_ref()? {
                    Some(r) => {
                        flush(&mut out, &mut text);
                        out.push(Node::Ref(r));
                    }
                    None => {
                        let len = self.c.b.len();
                        let at_end = self.c.pos + 1 == len
                            || (self.c.peek_at(1) == Some(b'!') && self.c.pos + 2 == len);
                        if self.c.top && at_end {
                            return Err(self.c.error(self.c.pos, "lone '$' at end of template"));
                        }
                        text.push('$');
                        self.c.pos += 1;
                        // `$!` not followed by a reference prints just `$`.
                        if self.c.peek() == Some(b'!') && self.c.peek_at(1) != Some(b'{') {
                            self.c.pos += 1;
                        }
                    }
                },
                b'#' => {
                    if let Some(stop) = self.hash(&mut out, &mut text)? {
                        break stop;
                    }
                }
                b'\\' => self.backslash(&mut out, &mut text)?,
                _ => {
                    let start = self.c.pos;
                    while matches!(self.c.peek(), Some(c) if c != b'$' && c != b'#' && c != b'\\') {
                        self.c.pos += 1;
                    }
                    text.push_str(self.c.slice(start, self.c.pos));
                }
            }
        };
        flush(&mut out, &mut text);
        self.c.leave();
        Ok((out, stop))
    }

    /// Parses a block that must be closed by `#end`.
    fn parse_until_end(&mut self, what: &str, pos: usize) -> Result<Block, ParseError> {
        match self.parse_block()? {
            (b, Stop::End) => Ok(b),
            (_, Stop::Eof) => Err(self.c.error(pos, format!("#{what} is missing its #end"))),
            _ => Err(self
                .c
                .error(self.c.pos, format!("#else or #elseif inside #{what}"))),
        }
    }

    fn backslash(&mut self, out: &mut Block, text: &mut String) -> Result<(), ParseError> {
        let start = self.c.pos;
        while self.c.peek() == Some(b'\\') {
            self.c.pos += 1;
        }
        let n = self.c.pos - start;
        match self.c.peek() {
            Some(b'$') => {
                if let Some(r) = self.parse_ref()? {
                    flush(out, text);
                    out.push(Node::EscapedRef {
                        backslashes: n,
                        reference: r,
                    });
                    return Ok(());
                }
            }
            Some(b'#') => {
                let hash = self.c.pos;
                self.c.pos += 1;
                let braced = self.c.peek() == Some(b'{');
                if braced {
                    self.c.pos += 1;
                }
                let name = self.c.word().unwrap_or("");
                let closed = !braced || self.c.peek() == Some(b'}');
                if closed && (DIRECTIVES.contains(&name) || self.sh.macro_names.contains(name)) {
                    if braced {
                        self.c.pos += 1;
                    }
                    for _ in 0..n / 2 {
                        text.push('\\');
                    }
                    if n % 2 == 1 {
                        text.push_str(self.c.slice(hash, self.c.pos));
                    } else {
                        self.c.pos = hash;
                    }
                    return Ok(());
                }
                self.c.pos = hash;
            }
            _ => {}
        }
        text.push_str(self.c.slice(start, start + n));
        Ok(())
    }

    /// Handles everything starting with `#`. Returns a terminator when one is met.
    fn hash(&mut self, out: &mut Block, text: &mut String) -> Result<Option<Stop>, ParseError> {
        let start = self.c.pos;
        match self.c.peek_at(1) {
            Some(b'#') => {
                flush(out, text);
                while let Some(ch) = self.c.peek() {
                    self.c.pos += 1;
                    if ch == b'\n' {
                        break;
                    }
                    if ch == b'\r' {
                        if self.c.peek() == Some(b'\n') {
                            self.c.pos += 1;
                        }
                        break;
                    }
                }
                return Ok(None);
            }
            Some(b'*') => {
                flush(out, text);
                let rest = self.c.src.get(start + 2..).unwrap_or("");
                match rest.find("*#") {
                    Some(i) => self.c.pos = start + 2 + i + 2,
                    // Velocity 1.7 silently drops the rest of the template.
                    None => self.c.pos = self.c.b.len(),
                }
                return Ok(None);
            }
            Some(b'[') if self.c.peek_at(2) == Some(b'[') => {
                let rest = self.c.src.get(start + 3..).unwrap_or("");
                if let Some(i) = rest.find("]]#") {
                    flush(out, text);
                    out.push(Node::Text(rest.get(..i).unwrap_or("").to_string()));
                    self.c.pos = start + 3 + i + 3;
                    return Ok(None);
                }
            }
            _ => {}
        }
        self.c.pos += 1;
        let braced = self.c.peek() == Some(b'{');
        if braced {
            self.c.pos += 1;
        }
        let name = self.c.word();
        let ok = match name {
            Some(_) if braced && self.c.peek() == Some(b'}') => {
                self.c.pos += 1;
                true
            }
            Some(_) => true,
            None => false,
        };
        let Some(name) = name.filter(|_| ok) else {
            if self.c.top && start + 1 == self.c.b.len() {
                return Err(self.c.error(start, "lone '#' at end of template"));
            }
            self.c.pos = start + 1;
            text.push('#');
            return Ok(None);
        };
        match self.directive(name, start, out, text)? {
            Some(r) => Ok(r),
            None => {
                self.c.pos = start + 1;
                text.push('#');
                Ok(None)
            }
        }
    }

    /// Opens a directive's parenthesis: `[ \t]*(`. False when absent.
    fn open_paren(&mut self) -> bool {
        let save = self.c.pos;
        self.c.skip_blanks();
        if self.c.peek() == Some(b'(') {
            self.c.pos += 1;
            self.c.skip_ws();
            true
        } else {
            self.c.pos = save;
            false
        }
    }

    fn close_paren(&mut self) -> Result<(), ParseError> {
        self.c.skip_ws();
        self.c.expect(b')', "')'")?;
        self.c.eat_trailing_newline();
        Ok(())
    }

    /// Parses one named directive. `Ok(None)` means "not a directive: literal `#`".
    fn directive(
        &mut self,
        name: &str,
        start: usize,
        out: &mut Block,
        text: &mut String,
    ) -> Result<Option<Option<Stop>>, ParseError> {
        let pos = self.c.abs(start);
        match name {
            "else" | "end" => {
                self.c.eat_trailing_newline();
                flush(out, text);
                return Ok(Some(Some(if name == "end" {
                    Stop::End
                } else {
                    Stop::Else
                })));
            }
            "break" | "stop" => {
                flush(out, text);
                let mut arg = None;
                if self.open_paren() {
                    arg = Some(self.parse_expr()?);
                    self.close_paren()?;
                } else {
                    self.c.eat_trailing_newline();
                }
                out.push(if name == "break" {
                    Node::Break(arg)
                } else {
                    Node::Stop
                });
                return Ok(Some(None));
            }
            _ => {}
        }
        let known = DIRECTIVES.contains(&name);
        if !known && !self.sh.macro_names.contains(name) {
            if self.c.peek() == Some(b'(') {
                // Velocity parses `#unknown(args)` as a macro call (so bad
                // arguments are a parse error) and renders it as text.
                self.c.pos += 1;
                self.call_args_until_paren(start)?;
                text.push_str(self.c.slice(start, self.c.pos));
                return Ok(Some(None));
            }
            return Ok(None);
        }
        if !self.open_paren() {
            if known {
                return Err(self.c.error(start, format!("#{name} needs '('")));
            }
            return Ok(None);
        }
        if name == "set" && text.bytes().all(|b| b == b' ' || b == b'\t') {
            text.clear();
        }
        flush(out, text);
        match name {
            "set" => {
                let target = self.expect_ref()?;
                self.c.skip_ws();
                self.c.expect(b'=', "'=' in #set")?;
                self.c.skip_ws();
                let value = self.parse_expr()?;
                self.close_paren()?;
                out.push(Node::Set { target, value, pos });
            }
            "if" => {
                let cond = self.parse_expr()?;
                self.close_paren()?;
                let mut branches = Vec::new();
                let mut cond = cond;
                let otherwise = loop {
                    let (block, stop) = self.parse_block()?;
                    branches.push((cond, block));
                    match stop {
                        Stop::End => break None,
                        Stop::Else => break Some(self.parse_until_end("else", start)?),
                        Stop::ElseIf(next) => cond = next,
                        Stop::Eof => return Err(self.c.error(start, "#if is missing its #end")),
                    }
                };
                out.push(Node::If {
                    branches,
                    otherwise,
                });
            }
            "elseif" => {
                let cond = self.parse_expr()?;
                self.close_paren()?;
                return Ok(Some(Some(Stop::ElseIf(cond))));
            }
            "foreach" => {
                let var = self.expect_ref()?;
                if !var.parts.is_empty() {
                    return Err(self.c.error(start, "#foreach needs a plain $variable"));
                }
                self.c.skip_ws();
                if self.c.word() != Some("in") {
                    return Err(self.c.error(self.c.pos, "expected 'in' in #foreach"));
                }
                self.c.skip_ws();
                let iterable = self.parse_expr()?;
                self.close_paren()?;
                let body = self.parse_until_end("foreach", start)?;
                out.push(Node::Foreach {
                    var: var.root,
                    iterable,
                    body,
                    pos,
                });
            }
            "macro" => {
                let Some(mname) = self.c.word() else {
                    return Err(self.c.error(self.c.pos, "#macro needs a name"));
                };
                let mname = mname.to_string();
                let mut params = Vec::new();
                loop {
                    self.c.skip_ws();
                    if self.c.peek() == Some(b',') {
                        self.c.pos += 1;
                        continue;
                    }
                    if self.c.peek() != Some(b'$') {
                        break;
                    }
                    self.c.pos += 1;
                    match self.c.ident() {
                        Some(p) => params.push(p.to_string()),
                        None => return Err(self.c.error(self.c.pos, "bad #macro parameter")),
                    }
                }
                self.close_paren()?;
                let body = self.parse_until_end("macro", start)?;
                self.sh
                    .macros
                    .insert(mname, Arc::new(MacroDef { params, body }));
            }
            "define" => {
                let var = self.expect_ref()?;
                self.close_paren()?;
                let body = self.parse_until_end("define", start)?;
                out.push(Node::Define {
                    name: var.root,
                    body: Arc::new(body),
                });
            }
            "evaluate" => {
                let expr = self.parse_expr()?;
                self.close_paren()?;
                out.push(Node::Evaluate { expr, pos });
            }
            "parse" | "include" => {
                self.parse_expr()?;
                self.close_paren()?;
                out.push(Node::Unsupported {
                    name: name.to_string(),
                    pos,
                });
            }
            _ => {
                let args = self.call_args_until_paren(start)?;
                self.c.eat_trailing_newline();
                out.push(Node::MacroCall {
                    name: name.to_string(),
                    args,
                    pos,
                });
            }
        }
        Ok(Some(None))
    }

    /// Macro-call arguments, separated by blanks or commas, through the `)`.
    fn call_args_until_paren(&mut self, start: usize) -> Result<Vec<Expr>, ParseError> {
        let mut args = Vec::new();
        loop {
            self.c.skip_ws();
            match self.c.peek() {
                Some(b')') => {
                    self.c.pos += 1;
                    return Ok(args);
                }
                Some(b',') => self.c.pos += 1,
                None => return Err(self.c.error(start, "unclosed macro call")),
                _ => args.push(self.parse_expr()?),
            }
        }
    }

    fn expect_ref(&mut self) -> Result<RefNode, ParseError> {
        self.c.skip_ws();
        match self.parse_ref()? {
            Some(r) => Ok(r),
            None => Err(self.c.error(self.c.pos, "expected a $reference")),
        }
    }

    /// Parses `$a`, `$!a`, `${a}`, `$!{a}` with their chain; `None` if not a reference.
    pub(crate) fn parse_ref(&mut self) -> Result<Option<RefNode>, ParseError> {
        let start = self.c.pos;
        self.c.pos += 1;
        let silent = self.c.peek() == Some(b'!');
        if silent {
            self.c.pos += 1;
        }
        let braced = self.c.peek() == Some(b'{');
        if braced {
            self.c.pos += 1;
        }
        let Some(root) = self.c.ident() else {
            self.c.pos = start;
            return Ok(None);
        };
        let root = Name {
            slot: self.sh.names.intern(root),
            text: root.to_string(),
        };
        let parts = self.ref_chain()?;
        if braced {
            if self.c.peek() == Some(b'}') {
                self.c.pos += 1;
            } else {
                return Err(self.c.error(start, "expected '}' closing ${reference}"));
            }
        }
        let literal = self.c.slice(start, self.c.pos).to_string();
        Ok(Some(RefNode {
            silent,
            root,
            parts,
            literal,
            pos: self.c.abs(start),
        }))
    }

    fn ref_chain(&mut self) -> Result<Vec<RefPart>, ParseError> {
        let mut parts = Vec::new();
        loop {
            match self.c.peek() {
                Some(b'.') if matches!(self.c.peek_at(1), Some(c) if c.is_ascii_alphabetic() || c == b'_') =>
                {
                    self.c.pos += 1;
                    let name = self.c.ident().unwrap_or("").to_string();
                    if self.c.peek() == Some(b'(') {
                        let open = self.c.pos;
                        self.c.pos += 1;
                        let args = self.call_args(open)?;
                        parts.push(RefPart::Method(name, args));
                    } else {
                        parts.push(RefPart::Property(name));
                    }
                }
                Some(b'[') => {
                    let save = self.c.pos;
                    self.c.pos += 1;
                    self.c.skip_ws();
                    let idx = self.parse_expr().ok();
                    self.c.skip_ws();
                    match idx {
                        Some(e) if self.c.peek() == Some(b']') => {
                            self.c.pos += 1;
                            parts.push(RefPart::Index(e));
                        }
                        // Velocity 1.7 rejects `$a[` not followed by an index.
                        _ => return Err(self.c.error(save, "bad [index] after reference")),
                    }
                }
                _ => break,
            }
            if parts.len() > 1024 {
                return Err(self.c.error(self.c.pos, "reference chain too long"));
            }
        }
        Ok(parts)
    }

    fn call_args(&mut self, open: usize) -> Result<Vec<Expr>, ParseError> {
        let mut args = Vec::new();
        self.c.skip_ws();
        if self.c.peek() == Some(b')') {
            self.c.pos += 1;
            return Ok(args);
        }
        loop {
            self.c.skip_ws();
            args.push(self.parse_expr()?);
            self.c.skip_ws();
            match self.c.peek() {
                Some(b',') => self.c.pos += 1,
                Some(b')') => {
                    self.c.pos += 1;
                    return Ok(args);
                }
                _ => return Err(self.c.error(open, "unclosed method call")),
            }
        }
    }
}
