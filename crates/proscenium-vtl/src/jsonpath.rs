//! JSONPath as Jayway JsonPath evaluates it over template values: `$`, `.name`,
//! `['name']`, `[n]`, `[-n]`, `[a,b]`, `[*]`, `.*`, `..`, slices `[a:b]` and
//! filters `[?(@.x > 1 && @.y == 'z')]`.
//!
//! A definite path (only names and single indexes) yields one value or `None`
//! when absent; any other path yields a list of the matches.

use crate::number::{as_f64, compare};
use crate::value::Value;

#[derive(Debug, Clone)]
enum Seg {
    Props(Vec<String>),
    Wildcard,
    Indexes(Vec<i64>),
    Slice(Option<i64>, Option<i64>),
    Filter(Filter),
    Deep(Box<Seg>),
}

#[derive(Debug, Clone)]
enum Operand {
    /// `@.a.b` (relative) or `$.a.b` (from the root).
    Path {
        relative: bool,
        names: Vec<String>,
    },
    Lit(Value),
}

#[derive(Debug, Clone)]
enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Exists(Operand),
    Cmp(Operand, &'static str, Operand),
}

struct P<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    depth: usize,
}

fn err(msg: &str) -> String {
    format!("invalid JSONPath: {msg}")
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }
    fn eat(&mut self, t: &str) -> bool {
        if self
            .s
            .get(self.i..)
            .is_some_and(|r| r.starts_with(t.as_bytes()))
        {
            self.i += t.len();
            true
        } else {
            false
        }
    }
    fn name(&mut self) -> String {
        let start = self.i;
        while matches!(self.peek(), Some(c) if c != b'.' && c != b'[' && c != b' ' && c != b')' && c != b'=' && c != b'!' && c != b'<' && c != b'>' && c != b'&' && c != b'|')
        {
            self.i += 1;
        }
        self.src.get(start..self.i).unwrap_or("").to_string()
    }
    fn quoted(&mut self) -> Result<String, String> {
        let q = self.peek().ok_or_else(|| err("unexpected end"))?;
        self.i += 1;
        let mut out = String::new();
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b'\\' {
                out.push_str(self.src.get(start..self.i).unwrap_or(""));
                let s2 = self.i + 1;
                self.i += 2;
                out.push_str(self.src.get(s2..self.i).unwrap_or(""));
                return self.quoted_rest(q, out);
            }
            if c == q {
                out.push_str(self.src.get(start..self.i).unwrap_or(""));
                self.i += 1;
                return Ok(out);
            }
            self.i += 1;
        }
        Err(err("unterminated quote"))
    }
    fn quoted_rest(&mut self, q: u8, mut out: String) -> Result<String, String> {
        while let Some(c) = self.peek() {
            let start = self.i;
            self.i += 1;
            while matches!(self.s.get(self.i), Some(b) if (b & 0xC0) == 0x80) {
                self.i += 1;
            }
            if c == q {
                return Ok(out);
            }
            if c == b'\\' {
                let s2 = self.i;
                self.i += 1;
                out.push_str(self.src.get(s2..self.i).unwrap_or(""));
                continue;
            }
            out.push_str(self.src.get(start..self.i).unwrap_or(""));
        }
        Err(err("unterminated quote"))
    }
    fn int(&mut self) -> Option<i64> {
        self.ws();
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.i += 1;
        }
        let r = self.src.get(start..self.i).and_then(|t| t.parse().ok());
        if r.is_none() {
            self.i = start;
        }
        self.ws();
        r
    }

    fn segments(&mut self) -> Result<Vec<Seg>, String> {
        let mut segs = Vec::new();
        while let Some(c) = self.peek() {
            if segs.len() > 256 {
                return Err(err("path too long"));
            }
            if self.eat("..") {
                let seg = match self.peek() {
                    Some(b'[') => self.bracket()?,
                    Some(b'*') => {
                        self.i += 1;
                        Seg::Wildcard
                    }
                    _ => Seg::Props(vec![self.name()]),
                };
                segs.push(Seg::Deep(Box::new(seg)));
            } else if c == b'.' {
                self.i += 1;
                if self.eat("*") {
                    segs.push(Seg::Wildcard);
                } else {
                    let n = self.name();
                    if n.is_empty() {
                        return Err(err("empty property name"));
                    }
                    segs.push(Seg::Props(vec![n]));
                }
            } else if c == b'[' {
                segs.push(self.bracket()?);
            } else {
                return Err(err("unexpected character"));
            }
        }
        Ok(segs)
    }

    fn bracket(&mut self) -> Result<Seg, String> {
        self.i += 1;
        self.ws();
        let seg = match self.peek() {
            Some(b'*') => {
                self.i += 1;
                Seg::Wildcard
            }
            Some(b'\'' | b'"') => {
                let mut names = vec![self.quoted()?];
                self.ws();
                while self.eat(",") {
                    self.ws();
                    names.push(self.quoted()?);
                    self.ws();
                }
                Seg::Props(names)
            }
            Some(b'?') => {
                self.i += 1;
                if !self.eat("(") {
                    return Err(err("expected '(' after '?'"));
                }
                let f = self.filter_or()?;
                self.ws();
                if !self.eat(")") {
                    return Err(err("expected ')' closing filter"));
                }
                Seg::Filter(f)
            }
            _ => {
                let first = self.int();
                if self.eat(":") {
                    let last = self.int();
                    Seg::Slice(first, last)
                } else {
                    let mut ids = vec![first.ok_or_else(|| err("bad index"))?];
                    while self.eat(",") {
                        ids.push(self.int().ok_or_else(|| err("bad index"))?);
                    }
                    Seg::Indexes(ids)
                }
            }
        };
        self.ws();
        if !self.eat("]") {
            return Err(err("expected ']'"));
        }
        Ok(seg)
    }

    fn filter_or(&mut self) -> Result<Filter, String> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(err("filter nests too deeply"));
        }
        let mut l = self.filter_and()?;
        loop {
            self.ws();
            if self.eat("||") {
                l = Filter::Or(Box::new(l), Box::new(self.filter_and()?));
            } else {
                self.depth -= 1;
                return Ok(l);
            }
        }
    }

    fn filter_and(&mut self) -> Result<Filter, String> {
        let mut l = self.filter_atom()?;
        loop {
            self.ws();
            if self.eat("&&") {
                l = Filter::And(Box::new(l), Box::new(self.filter_atom()?));
            } else {
                return Ok(l);
            }
        }
    }

    fn filter_atom(&mut self) -> Result<Filter, String> {
        self.ws();
        if self.eat("!") {
            return Ok(Filter::Not(Box::new(self.filter_atom()?)));
        }
        if self.eat("(") {
            let f = self.filter_or()?;
            self.ws();
            if !self.eat(")") {
                return Err(err("expected ')'"));
            }
            return Ok(f);
        }
        let l = self.operand()?;
        self.ws();
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.eat(op) {
                let r = self.operand()?;
                return Ok(Filter::Cmp(l, op, r));
            }
        }
        Ok(Filter::Exists(l))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        self.ws();
        match self.peek() {
            Some(c @ (b'@' | b'$')) => {
                self.i += 1;
                let mut names = Vec::new();
                loop {
                    if self.eat(".") {
                        names.push(self.name());
                    } else if self.peek() == Some(b'[')
                        && matches!(self.s.get(self.i + 1), Some(b'\'' | b'"'))
                    {
                        self.i += 1;
                        names.push(self.quoted()?);
                        if !self.eat("]") {
                            return Err(err("expected ']'"));
                        }
                    } else {
                        break;
                    }
                }
                Ok(Operand::Path {
                    relative: c == b'@',
                    names,
                })
            }
            Some(b'\'' | b'"') => Ok(Operand::Lit(Value::string(self.quoted()?))),
            _ => {
                let start = self.i;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'.' || c == b'-' || c == b'+')
                {
                    self.i += 1;
                }
                let t = self.src.get(start..self.i).unwrap_or("");
                Ok(Operand::Lit(match t {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => {
                        if let Ok(i) = t.parse::<i64>() {
                            Value::Long(i)
                        } else if let Ok(d) = t.parse::<f64>() {
                            Value::Double(d)
                        } else {
                            return Err(err("bad filter operand"));
                        }
                    }
                }))
            }
        }
    }
}

fn parse(path: &str) -> Result<Vec<Seg>, String> {
    let path = path.trim();
    let owned;
    let body = if let Some(rest) = path.strip_prefix('$') {
        rest
    } else {
        owned = format!(".{path}");
        if path.is_empty() { "" } else { owned.as_str() }
    };
    let mut p = P {
        s: body.as_bytes(),
        src: body,
        i: 0,
        depth: 0,
    };
    p.segments()
}

fn is_definite(segs: &[Seg]) -> bool {
    segs.iter().all(|s| match s {
        Seg::Props(n) => n.len() == 1,
        Seg::Indexes(i) => i.len() == 1,
        _ => false,
    })
}

/// Selects from `root`. See the module docs for definite vs indefinite paths.
pub(crate) fn select(root: &Value, path: &str) -> Result<Option<Value>, String> {
    let segs = parse(path)?;
    let mut cur = vec![root.clone()];
    for seg in &segs {
        let mut next = Vec::new();
        for v in &cur {
            apply(seg, v, root, &mut next, 0);
        }
        cur = next;
    }
    if is_definite(&segs) {
        Ok(cur.into_iter().next())
    } else {
        Ok(Some(Value::list(cur)))
    }
}

fn apply(seg: &Seg, v: &Value, root: &Value, out: &mut Vec<Value>, depth: usize) {
    match seg {
        Seg::Props(names) => {
            if let Value::Map(m) = v
                && let Ok(m) = m.try_borrow()
            {
                for n in names {
                    if let Some(x) = m.get_str(n) {
                        out.push(x.clone());
                    }
                }
            }
        }
        Seg::Wildcard => match v {
            Value::Map(m) => {
                if let Ok(m) = m.try_borrow() {
                    out.extend(m.entries.iter().map(|(_, x)| x.clone()));
                }
            }
            Value::List(l) => {
                if let Ok(l) = l.try_borrow() {
                    out.extend(l.iter().cloned());
                }
            }
            _ => {}
        },
        Seg::Indexes(ids) => {
            if let Value::List(l) = v
                && let Ok(l) = l.try_borrow()
            {
                let len = l.len() as i64;
                for &i in ids {
                    let j = if i < 0 { i + len } else { i };
                    if let Some(x) = usize::try_from(j).ok().and_then(|j| l.get(j)) {
                        out.push(x.clone());
                    }
                }
            }
        }
        Seg::Slice(from, to) => {
            if let Value::List(l) = v
                && let Ok(l) = l.try_borrow()
            {
                let len = l.len() as i64;
                let norm = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                let a = from.map_or(0, norm);
                let b = to.map_or(len, norm);
                if a < b {
                    out.extend(l.get(a as usize..b as usize).unwrap_or(&[]).iter().cloned());
                }
            }
        }
        Seg::Filter(f) => match v {
            Value::List(l) => {
                if let Ok(l) = l.try_borrow() {
                    out.extend(l.iter().filter(|x| matches_filter(f, x, root)).cloned());
                }
            }
            Value::Map(_) if matches_filter(f, v, root) => out.push(v.clone()),
            _ => {}
        },
        Seg::Deep(inner) => {
            if depth > 128 {
                return;
            }
            let container = matches!(v, Value::Map(_) | Value::List(_));
            if !container {
                return;
            }
            apply(inner, v, root, out, depth + 1);
            let children: Vec<Value> = match v {
                Value::Map(m) => m
                    .try_borrow()
                    .map(|m| m.entries.iter().map(|(_, x)| x.clone()).collect())
                    .unwrap_or_default(),
                Value::List(l) => l.try_borrow().map(|l| l.clone()).unwrap_or_default(),
                _ => Vec::new(),
            };
            for c in &children {
                apply(seg, c, root, out, depth + 1);
            }
        }
    }
}

fn resolve(op: &Operand, cur: &Value, root: &Value) -> Option<Value> {
    match op {
        Operand::Lit(v) => Some(v.clone()),
        Operand::Path { relative, names } => {
            let mut v = if *relative { cur.clone() } else { root.clone() };
            for n in names {
                let next = match &v {
                    Value::Map(m) => m.try_borrow().ok().and_then(|m| m.get_str(n).cloned()),
                    _ => None,
                };
                v = next?;
            }
            Some(v)
        }
    }
}

fn matches_filter(f: &Filter, cur: &Value, root: &Value) -> bool {
    match f {
        Filter::Or(a, b) => matches_filter(a, cur, root) || matches_filter(b, cur, root),
        Filter::And(a, b) => matches_filter(a, cur, root) && matches_filter(b, cur, root),
        Filter::Not(a) => !matches_filter(a, cur, root),
        Filter::Exists(op) => resolve(op, cur, root).is_some(),
        Filter::Cmp(l, op, r) => {
            let (Some(a), Some(b)) = (resolve(l, cur, root), resolve(r, cur, root)) else {
                return false;
            };
            let ord = if a.is_number() && b.is_number() {
                compare(&a, &b).or_else(|| as_f64(&a).partial_cmp(&as_f64(&b)))
            } else {
                match (&a, &b) {
                    (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
                    (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
                    (Value::Null, Value::Null) => Some(std::cmp::Ordering::Equal),
                    _ => None,
                }
            };
            match *op {
                "==" => ord == Some(std::cmp::Ordering::Equal),
                "!=" => ord != Some(std::cmp::Ordering::Equal),
                "<" => ord == Some(std::cmp::Ordering::Less),
                "<=" => matches!(
                    ord,
                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                ),
                ">" => ord == Some(std::cmp::Ordering::Greater),
                _ => matches!(
                    ord,
                    Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse_body, to_json};

    fn sel(body: &str, path: &str) -> Option<String> {
        select(&parse_body(&std::rc::Rc::from(body)).unwrap(), path)
            .unwrap()
            .map(|v| to_json(&v))
    }

    const DOC: &str = r#"{"store":{"book":[{"t":"a","price":8.95,"tag":"x"},{"t":"b","price":12.99},{"t":"c","price":22,"tag":"x"}]},"user-id":"u1","a b":1}"#;

    #[test]
    fn definite_paths() {
        assert_eq!(sel(DOC, "$.store.book[0].t").as_deref(), Some("\"a\""));
        assert_eq!(sel(DOC, "$.user-id").as_deref(), Some("\"u1\""));
        assert_eq!(sel(DOC, "$['a b']").as_deref(), Some("1"));
        assert_eq!(sel(DOC, "$.store.book[-1].t").as_deref(), Some("\"c\""));
        assert_eq!(sel(DOC, "$.nope"), None);
    }

    #[test]
    fn indefinite_paths() {
        assert_eq!(
            sel(DOC, "$.store.book[*].t").as_deref(),
            Some(r#"["a","b","c"]"#)
        );
        assert_eq!(sel(DOC, "$..t").as_deref(), Some(r#"["a","b","c"]"#));
        assert_eq!(
            sel(DOC, "$.store.book[1:3].t").as_deref(),
            Some(r#"["b","c"]"#)
        );
        assert_eq!(
            sel(DOC, "$.store.book[?(@.price > 10)].t").as_deref(),
            Some(r#"["b","c"]"#)
        );
        assert_eq!(
            sel(DOC, "$.store.book[?(@.tag == 'x' && @.price < 10)].t").as_deref(),
            Some(r#"["a"]"#)
        );
        assert_eq!(
            sel(DOC, "$.store.book[?(@.tag)].t").as_deref(),
            Some(r#"["a","c"]"#)
        );
    }
}
