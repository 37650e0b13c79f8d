//! Expression parsing inside directives and method calls: literals, lists,
//! maps, ranges, references and Velocity's operators (with word forms).
//!
//! Precedence, loosest first: `|| or`, `&& and`, `== != eq ne`,
//! `< <= > >= lt le gt ge`, `+ -`, `* / %`, `! not`, primary.

use crate::ast::{BinOp, Expr};
use crate::error::ParseError;
use crate::parse_text::{Parser, Stop};
use crate::scan::Cursor;

/// Most binary operators one directive or argument expression may contain.
const MAX_OPERATORS: usize = 512;

impl Parser<'_, '_> {
    pub(crate) fn parse_expr(&mut self) -> Result<Expr, ParseError> {
        if self.expr_nesting == 0 {
            self.ops = 0;
        }
        self.expr_nesting += 1;
        self.c.enter()?;
        let r = self.or_expr();
        self.c.leave();
        self.expr_nesting -= 1;
        r
    }

    /// Builds a binary node, bounding operator chains (whose trees nest
    /// without parser recursion) so evaluation depth stays bounded.
    fn bin(&mut self, op: BinOp, l: Expr, r: Expr, pos: usize) -> Result<Expr, ParseError> {
        self.ops += 1;
        if self.ops > MAX_OPERATORS {
            return Err(self
                .c
                .error(self.c.pos, "expression has too many operators"));
        }
        Ok(Expr::Bin(op, Box::new(l), Box::new(r), pos))
    }

    /// Matches a symbol or a whole word operator after optional whitespace.
    fn op(&mut self, sym: &str, word: Option<&str>) -> bool {
        let save = self.c.pos;
        self.c.skip_ws();
        if self.c.starts_with(sym) {
            // `=` must not be read as the start of `==`, nor `<` of `<=`.
            let next = self.c.peek_at(sym.len());
            let clash = matches!(sym, "<" | ">" | "!") && next == Some(b'=');
            if !clash {
                self.c.pos += sym.len();
                return true;
            }
        }
        if let Some(w) = word
            && self.c.starts_with(w)
        {
            let after = self.c.peek_at(w.len());
            if !matches!(after, Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
                self.c.pos += w.len();
                return true;
            }
        }
        self.c.pos = save;
        false
    }

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut l = self.and_expr()?;
        loop {
            let pos = self.c.abs(self.c.pos);
            if self.op("||", Some("or")) {
                let r = self.and_expr()?;
                l = self.bin(BinOp::Or, l, r, pos)?;
            } else {
                return Ok(l);
            }
        }
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut l = self.eq_expr()?;
        loop {
            let pos = self.c.abs(self.c.pos);
            if self.op("&&", Some("and")) {
                let r = self.eq_expr()?;
                l = self.bin(BinOp::And, l, r, pos)?;
            } else {
                return Ok(l);
            }
        }
    }

    fn eq_expr(&mut self) -> Result<Expr, ParseError> {
        let mut l = self.rel_expr()?;
        loop {
            let pos = self.c.abs(self.c.pos);
            let op = if self.op("==", Some("eq")) {
                BinOp::Eq
            } else if self.op("!=", Some("ne")) {
                BinOp::Ne
            } else {
                return Ok(l);
            };
            let r = self.rel_expr()?;
            l = self.bin(op, l, r, pos)?;
        }
    }

    fn rel_expr(&mut self) -> Result<Expr, ParseError> {
        let mut l = self.add_expr()?;
        loop {
            let pos = self.c.abs(self.c.pos);
            let op = if self.op("<=", Some("le")) {
                BinOp::Le
            } else if self.op(">=", Some("ge")) {
                BinOp::Ge
            } else if self.op("<", Some("lt")) {
                BinOp::Lt
            } else if self.op(">", Some("gt")) {
                BinOp::Gt
            } else {
                return Ok(l);
            };
            let r = self.add_expr()?;
            l = self.bin(op, l, r, pos)?;
        }
    }

    fn add_expr(&mut self) -> Result<Expr, ParseError> {
        let mut l = self.mul_expr()?;
        loop {
            let pos = self.c.abs(self.c.pos);
            let op = if self.op("+", None) {
                BinOp::Add
            } else if self.op("-", None) {
                BinOp::Sub
            } else {
                return Ok(l);
            };
            let r = self.mul_expr()?;
            l = self.bin(op, l, r, pos)?;
        }
    }

    fn mul_expr(&mut self) -> Result<Expr, ParseError> {
        let mut l = self.unary()?;
        loop {
            let pos = self.c.abs(self.c.pos);
            let op = if self.op("*", None) {
                BinOp::Mul
            } else if self.op("/", None) {
                BinOp::Div
            } else if self.op("%", None) {
                BinOp::Mod
            } else {
                return Ok(l);
            };
            let r = self.unary()?;
            l = self.bin(op, l, r, pos)?;
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.op("!", Some("not")) {
            self.c.enter()?;
            let e = self.unary();
            self.c.leave();
            return Ok(Expr::Not(Box::new(e?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.c.skip_ws();
        let start = self.c.pos;
        match self.c.peek() {
            Some(b'(') => {
                self.c.pos += 1;
                let e = self.parse_expr()?;
                self.c.skip_ws();
                self.c.expect(b')', "')'")?;
                Ok(Expr::Group(Box::new(e)))
            }
            Some(b'$') => match self.parse_ref()? {
                Some(r) => Ok(Expr::Ref(r)),
                None => Err(self.c.error(start, "expected a reference after '$'")),
            },
            Some(q @ (b'"' | b'\'')) => self.string(q),
            Some(b'[') => self.list(),
            Some(b'{') => self.map(),
            Some(c)
                if c.is_ascii_digit()
                    || (c == b'-'
                        && matches!(self.c.peek_at(1), Some(d) if d.is_ascii_digit())) =>
            {
                self.number()
            }
            _ => match self.c.word() {
                Some("true") => Ok(Expr::Bool(true)),
                Some("false") => Ok(Expr::Bool(false)),
                _ => Err(self.c.error(start, "expected an expression")),
            },
        }
    }

    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.c.pos;
        if self.c.peek() == Some(b'-') {
            self.c.pos += 1;
        }
        while matches!(self.c.peek(), Some(c) if c.is_ascii_digit()) {
            self.c.pos += 1;
        }
        let mut float = false;
        if self.c.peek() == Some(b'.') && matches!(self.c.peek_at(1), Some(c) if c.is_ascii_digit())
        {
            float = true;
            self.c.pos += 1;
            while matches!(self.c.peek(), Some(c) if c.is_ascii_digit()) {
                self.c.pos += 1;
            }
        }
        if matches!(self.c.peek(), Some(b'e' | b'E')) {
            let save = self.c.pos;
            self.c.pos += 1;
            if matches!(self.c.peek(), Some(b'+' | b'-')) {
                self.c.pos += 1;
            }
            if matches!(self.c.peek(), Some(c) if c.is_ascii_digit()) {
                float = true;
                while matches!(self.c.peek(), Some(c) if c.is_ascii_digit()) {
                    self.c.pos += 1;
                }
            } else {
                self.c.pos = save;
            }
        }
        let text = self.c.slice(start, self.c.pos);
        if float {
            return text
                .parse::<f64>()
                .map(Expr::Double)
                .map_err(|_| self.c.error(start, "bad number"));
        }
        if let Ok(i) = text.parse::<i32>() {
            Ok(Expr::Int(i))
        } else if let Ok(l) = text.parse::<i64>() {
            Ok(Expr::Long(l))
        } else {
            Err(self.c.error(start, "integer literal out of range"))
        }
    }

    fn string(&mut self, q: u8) -> Result<Expr, ParseError> {
        let start = self.c.pos;
        self.c.pos += 1;
        let body_start = self.c.pos;
        let mut raw = String::new();
        loop {
            match self.c.peek() {
                None => return Err(self.c.error(start, "unterminated string literal")),
                Some(c) if c == q => {
                    if self.c.peek_at(1) == Some(q) {
                        raw.push(q as char);
                        self.c.pos += 2;
                    } else {
                        self.c.pos += 1;
                        break;
                    }
                }
                Some(_) => {
                    let from = self.c.pos;
                    self.skip_char();
                    raw.push_str(self.c.slice(from, self.c.pos));
                }
            }
        }
        let text = if q == b'"' {
            unescape_unicode(&raw)
        } else {
            raw
        };
        if q == b'"' && (text.contains('$') || text.contains('#')) {
            // Rendered as a template at evaluation time.
            let mut c = Cursor::new(&text, &text, 0, self.c.depth);
            c.top = false;
            let mut sub = Parser::new(c, &mut *self.sh);
            let base_err = |e: ParseError| {
                let mut e2 = self.c.error(body_start, e.message.clone());
                e2.message = format!("in string literal: {}", e.message);
                e2
            };
            return match sub.parse_block() {
                Ok((nodes, Stop::Eof)) => Ok(Expr::Interp(nodes)),
                Ok(_) => Err(base_err(ParseError {
                    line: 0,
                    column: 0,
                    message: "unbalanced #end".into(),
                })),
                Err(e) => Err(base_err(e)),
            };
        }
        Ok(Expr::Str(text))
    }

    /// Advances over one UTF-8 character.
    fn skip_char(&mut self) {
        self.c.pos += 1;
        while matches!(self.c.peek(), Some(c) if (c & 0xC0) == 0x80) {
            self.c.pos += 1;
        }
    }

    fn list(&mut self) -> Result<Expr, ParseError> {
        self.c.pos += 1;
        self.c.skip_ws();
        let mut items = Vec::new();
        if self.c.peek() == Some(b']') {
            self.c.pos += 1;
            return Ok(Expr::List(items));
        }
        let first = self.parse_expr()?;
        self.c.skip_ws();
        if self.c.starts_with("..") {
            self.c.pos += 2;
            let last = self.parse_expr()?;
            let ok = |e: &Expr| matches!(e, Expr::Int(_) | Expr::Long(_) | Expr::Ref(_));
            if !ok(&first) || !ok(&last) {
                return Err(self
                    .c
                    .error(self.c.pos, "range ends must be integers or references"));
            }
            self.c.skip_ws();
            self.c.expect(b']', "']' closing a range")?;
            return Ok(Expr::Range(Box::new(first), Box::new(last)));
        }
        items.push(first);
        loop {
            self.c.skip_ws();
            match self.c.peek() {
                Some(b',') => {
                    self.c.pos += 1;
                    items.push(self.parse_expr()?);
                }
                Some(b']') => {
                    self.c.pos += 1;
                    return Ok(Expr::List(items));
                }
                _ => return Err(self.c.error(self.c.pos, "expected ',' or ']' in list")),
            }
        }
    }

    fn map(&mut self) -> Result<Expr, ParseError> {
        self.c.pos += 1;
        let mut pairs = Vec::new();
        loop {
            self.c.skip_ws();
            if self.c.peek() == Some(b'}') {
                self.c.pos += 1;
                return Ok(Expr::Map(pairs));
            }
            if !pairs.is_empty() {
                self.c.expect(b',', "',' or '}' in map")?;
                self.c.skip_ws();
            }
            let k = self.parse_expr()?;
            self.c.skip_ws();
            self.c.expect(b':', "':' in map")?;
            let v = self.parse_expr()?;
            pairs.push((k, v));
        }
    }
}

/// Replaces `\uXXXX` escapes, as Velocity does for string literals.
fn unescape_unicode(s: &str) -> String {
    if !s.contains("\\u") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\u") {
        out.push_str(rest.get(..i).unwrap_or(""));
        let hex = rest.get(i + 2..i + 6).unwrap_or("");
        match u32::from_str_radix(hex, 16)
            .ok()
            .filter(|_| hex.len() == 4)
            .and_then(char::from_u32)
        {
            Some(ch) => {
                out.push(ch);
                rest = rest.get(i + 6..).unwrap_or("");
            }
            None => {
                out.push_str("\\u");
                rest = rest.get(i + 2..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}
