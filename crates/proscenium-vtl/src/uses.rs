//! What a template reads of `$context` and of `$input`, found once when it is parsed, so a
//! caller can build only those parts of the input for each render.
//!
//! Pure. A template that only reads property chains (`$context.stage`,
//! `$context.identity.sourceIp`, `$context.stage.length()`) reads the members those chains
//! name; any other use of `$context` (the bare reference, an index, a method called on it,
//! `#evaluate`, which can read anything) reads all of it. Of `$input`, `params(…)` reads the
//! parameters and `body`, `getBody()`, `json(…)` and `path(…)` the body; any other use (the bare
//! reference, which a `#set` or a macro argument can carry anywhere) reads both.

use crate::ast::{Block, Expr, MacroDef, Node, RefNode, RefPart};

/// The `$context` members a template reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextUse {
    /// Only these: `a` (the member `a`, whole) or `a.b` (member `b` of `a`).
    Paths(Vec<String>),
    /// Anything.
    All,
}

/// The parts of `$input` a template reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputUse {
    /// `$input.params()` or `$input.params(name)`: path, query string and header parameters.
    pub params: bool,
    /// `$input.body`, `$input.json(…)`, `$input.path(…)`, `$input.getBody()`.
    pub body: bool,
}

impl InputUse {
    /// Every part (a template that may read anything).
    pub const ALL: InputUse = InputUse {
        params: true,
        body: true,
    };
}

/// What a template reads: of `$context`, of `$input`, and the parameter names it looks up
/// (`None`: it may read any parameter).
pub(crate) struct Uses {
    pub(crate) context: ContextUse,
    pub(crate) input: InputUse,
    pub(crate) param_names: Option<Vec<String>>,
}

/// Walks the template's nodes and its macro bodies.
pub(crate) fn uses<'a>(block: &Block, macros: impl Iterator<Item = &'a MacroDef>) -> Uses {
    let mut w = Walk {
        paths: Vec::new(),
        all: false,
        input: InputUse {
            params: false,
            body: false,
        },
        param_names: Some(Vec::new()),
    };
    w.block(block);
    for m in macros {
        w.block(&m.body);
    }
    if let Some(names) = &mut w.param_names {
        names.sort();
        names.dedup();
    }
    let context = if w.all {
        ContextUse::All
    } else {
        w.paths.sort();
        w.paths.dedup();
        ContextUse::Paths(w.paths)
    };
    Uses {
        context,
        input: w.input,
        param_names: w.param_names,
    }
}

struct Walk {
    paths: Vec<String>,
    all: bool,
    input: InputUse,
    /// The names of `$input.params('literal')` calls; `None` once anything else reads them.
    param_names: Option<Vec<String>>,
}

impl Walk {
    fn block(&mut self, block: &Block) {
        for node in block {
            self.node(node);
        }
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Text(_) | Node::Stop | Node::Unsupported { .. } => {}
            Node::Ref(r) | Node::EscapedRef { reference: r, .. } => self.reference(r),
            Node::Set { target, value, .. } => {
                self.reference(target);
                self.expr(value);
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.expr(cond);
                    self.block(body);
                }
                if let Some(b) = otherwise {
                    self.block(b);
                }
            }
            Node::Foreach { iterable, body, .. } => {
                self.expr(iterable);
                self.block(body);
            }
            Node::Break(e) => {
                if let Some(e) = e {
                    self.expr(e);
                }
            }
            Node::MacroCall { args, .. } => args.iter().for_each(|a| self.expr(a)),
            Node::Define { body, .. } => self.block(body),
            // The evaluated text is only known when rendering.
            Node::Evaluate { .. } => {
                self.all = true;
                self.input = InputUse::ALL;
                self.param_names = None;
            }
        }
    }

    fn reference(&mut self, r: &RefNode) {
        for part in &r.parts {
            match part {
                RefPart::Property(_) => {}
                RefPart::Method(_, args) => args.iter().for_each(|a| self.expr(a)),
                RefPart::Index(e) => self.expr(e),
            }
        }
        if r.root.text == "input" {
            match r.parts.first() {
                Some(RefPart::Method(m, args)) if m == "params" => {
                    self.input.params = true;
                    match (args.as_slice(), &mut self.param_names) {
                        ([Expr::Str(name)], Some(names)) => names.push(name.clone()),
                        _ => self.param_names = None,
                    }
                }
                Some(RefPart::Method(m, _))
                    if matches!(m.as_str(), "json" | "path" | "getBody") =>
                {
                    self.input.body = true
                }
                Some(RefPart::Property(p)) if p == "body" => self.input.body = true,
                _ => {
                    self.input = InputUse::ALL;
                    self.param_names = None;
                }
            }
            return;
        }
        if r.root.text != "context" {
            return;
        }
        match r.parts.as_slice() {
            [RefPart::Property(a), RefPart::Property(b), ..] => self.paths.push(format!("{a}.{b}")),
            [RefPart::Property(a), ..] => self.paths.push(a.clone()),
            _ => self.all = true,
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Ref(r) => self.reference(r),
            Expr::Interp(block) => self.block(block),
            Expr::List(items) => items.iter().for_each(|i| self.expr(i)),
            Expr::Map(pairs) => pairs.iter().for_each(|(k, v)| {
                self.expr(k);
                self.expr(v);
            }),
            Expr::Range(a, b) | Expr::Bin(_, a, b, _) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::Not(a) | Expr::Group(a) => self.expr(a),
            Expr::Str(_) | Expr::Int(_) | Expr::Long(_) | Expr::Double(_) | Expr::Bool(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ContextUse, InputUse};

    fn uses(src: &str) -> ContextUse {
        crate::parse(src).unwrap().context_use().clone()
    }

    fn input(src: &str) -> (bool, bool) {
        let u = crate::parse(src).unwrap().input_use();
        (u.params, u.body)
    }

    #[test]
    fn input_reads_what_its_methods_name() {
        assert_eq!(input("{\"a\": $context.stage}"), (false, false));
        assert_eq!(input("$input.params('q')"), (true, false));
        assert_eq!(
            input("#foreach($h in $input.params().header.keySet())$h#end"),
            (true, false)
        );
        assert_eq!(input("$input.json('$')"), (false, true));
        assert_eq!(
            input("#set($b = $util.parseJson($input.body))$b.a"),
            (false, true)
        );
        assert_eq!(input("$input.path('$.a').size()"), (false, true));
        assert_eq!(
            input("#macro(m $x)$input.getBody()#end#m(1)"),
            (false, true)
        );
        assert_eq!(input("$input.params('q') $input.json('$.a')"), (true, true));
        for src in [
            "$input",
            "#set($i = $input)$i.params('q')",
            "#macro(m $i)$i.body#end#m($input)",
            "#evaluate('$input.body')",
            "$input.keySet()",
            "$input['body']",
        ] {
            assert_eq!(
                crate::parse(src).unwrap().input_use(),
                InputUse::ALL,
                "{src}"
            );
        }
    }

    #[test]
    fn literal_parameter_lookups_are_named() {
        let names = |src: &str| crate::parse(src).unwrap().param_names().map(|n| n.to_vec());
        assert_eq!(names("{\"a\": 1}"), Some(vec![]));
        assert_eq!(
            names("$input.params('q') $input.params(\"Accept\").length() $input.params('q')"),
            Some(vec!["Accept".to_string(), "q".to_string()])
        );
        assert_eq!(
            names("#macro(m $x)$input.params('id')#end#m(1)"),
            Some(vec!["id".to_string()])
        );
        for src in [
            "$input.params()",
            "$input.params().header",
            "#set($n = 'q')$input.params($n)",
            "$input.params(\"$context.stage\")",
            "$input.params('q') $input",
            "#set($i = $input)$i.params('q')",
            "#evaluate('$input.params()')",
        ] {
            assert_eq!(names(src), None, "{src}");
        }
    }

    fn paths(p: &[&str]) -> ContextUse {
        ContextUse::Paths(p.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn property_chains_name_what_they_read() {
        assert_eq!(uses("{\"a\": 1}"), paths(&[]));
        assert_eq!(
            uses("$context.stage ${context.requestId} $context.identity.sourceIp.length()"),
            paths(&["identity.sourceIp", "requestId", "stage"])
        );
        assert_eq!(
            uses("#if($context.stage == 'x')$!context.authorizer.claims.sub#end"),
            paths(&["authorizer.claims", "stage"])
        );
        assert_eq!(
            uses("#set($context.requestOverride.header.X = \"$context.httpMethod\")"),
            paths(&["httpMethod", "requestOverride.header"])
        );
        assert_eq!(
            uses("#macro(m $x)$context.path#end#m($input.params('q'))"),
            paths(&["path"])
        );
        assert_eq!(
            uses("#foreach($i in [1, $context.stage.length()])$i#end"),
            paths(&["stage"])
        );
        assert_eq!(uses("$context.stage.length()"), paths(&["stage"]));
    }

    #[test]
    fn any_other_use_reads_everything() {
        for src in [
            "$context",
            "#set($c = $context)$c.stage",
            "#foreach($k in $context.keySet())$k#end",
            "$context['stage']",
            "$context.get('stage')",
            "#macro(m $c)$c.stage#end#m($context)",
            "#evaluate('$context.stage')",
            "$util.escapeJavaScript(\"${context}\")",
        ] {
            assert_eq!(uses(src), ContextUse::All, "{src}");
        }
    }
}
