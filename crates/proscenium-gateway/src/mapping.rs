//! Mapping templates: the one place the data plane turns a template into text.
//!
//! Interim engine, until `proscenium-vtl` is ready: a template without `$` or `#` is output
//! verbatim; otherwise `$context.X`, `${context.X}`, `$stageVariables.X` and
//! `${stageVariables.X}` are substituted textually (strings as they are, unknown names left
//! alone) and every other character is literal text. Swapping in the real VTL engine means
//! changing [`compile`] and [`render`] only; callers already hand over everything a template
//! may read.
//!
//! Must not: do I/O, or be bypassed by other modules.

use crate::compile::Variables;
use crate::params::Inputs;

/// A template ready to render (parsed once at compile time).
#[derive(Debug, Clone)]
pub struct Template {
    text: String,
    plain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("template error: {0}")]
    Invalid(String),
}

/// Parses a template (reports syntax errors when the deployment is compiled).
pub fn compile(text: &str) -> Result<Template, MappingError> {
    Ok(Template {
        text: text.to_string(),
        plain: !text.contains(['$', '#']),
    })
}

/// What a template may read: `$input` (body and parameters), `$context`, `$stageVariables`.
pub struct TemplateInput<'a> {
    pub body: &'a [u8],
    pub params: &'a Inputs<'a>,
    pub context: &'a dyn Fn(&str) -> Option<String>,
    pub stage_variables: &'a Variables,
}

/// Renders a template.
pub fn render(t: &Template, input: &TemplateInput<'_>) -> Result<String, MappingError> {
    if t.plain {
        return Ok(t.text.clone());
    }
    let _ = (input.body, input.params);
    Ok(substitute(&t.text, input.context, input.stage_variables))
}

fn substitute(text: &str, context: &dyn Fn(&str) -> Option<String>, vars: &Variables) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (braced, body) = match after.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, after),
        };
        let len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(body.len());
        let name = body[..len].trim_end_matches('.');
        let closes = !braced || body[name.len()..].starts_with('}');
        let value = if closes {
            if let Some(n) = name.strip_prefix("context.") {
                context(n)
            } else if let Some(n) = name.strip_prefix("stageVariables.") {
                vars.get(n).cloned()
            } else {
                None
            }
        } else {
            None
        };
        match value {
            Some(v) => {
                out.push_str(&v);
                let consumed = 1 + usize::from(braced) + name.len() + usize::from(braced);
                rest = &rest[i + consumed..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &str) -> String {
        let headers = http::HeaderMap::new();
        let mut vars = Variables::default();
        vars.insert("host".into(), "h:1".into());
        let ctx = |n: &str| match n {
            "error.messageString" => Some("\"Nope\"".to_string()),
            "error.message" => Some("Nope".to_string()),
            _ => None,
        };
        let params = Inputs {
            path: &[],
            query: &[],
            headers: &headers,
            body: b"",
            stage_variables: &vars,
            context: &ctx,
            response: None,
        };
        let input = TemplateInput {
            body: b"",
            params: &params,
            context: &ctx,
            stage_variables: &vars,
        };
        render(&compile(t).unwrap(), &input).unwrap()
    }

    #[test]
    fn substitutes_known_names_only() {
        assert_eq!(run("{\"a\": 1}"), "{\"a\": 1}");
        assert_eq!(
            run("{\"message\":$context.error.messageString}"),
            "{\"message\":\"Nope\"}"
        );
        assert_eq!(run("m=$context.error.message."), "m=Nope.");
        assert_eq!(run("${stageVariables.host}/x"), "h:1/x");
        assert_eq!(
            run("$input.body $x $ ${context.nope"),
            "$input.body $x $ ${context.nope"
        );
        assert_eq!(run("#set($a = 1)"), "#set($a = 1)");
    }
}
