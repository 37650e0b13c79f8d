//! Mapping templates: the one place the data plane turns a template into text, with the
//! Velocity engine of `proscenium-vtl` (API Gateway's dialect: `$input`, `$util`,
//! `$context`, `$stageVariables`).
//!
//! Templates are parsed once, when a deployment is compiled ([`compile`]); a template
//! without `$` or `#` is kept as plain text and never goes through the engine.
//!
//! Must not: do I/O, or be bypassed by other modules.

use std::rc::Rc;

use serde_json::{Map, Value};

use crate::compile::Variables;
use crate::params::Inputs;

/// A template ready to render (parsed once at compile time).
#[derive(Debug, Clone)]
pub struct Template {
    text: String,
    /// The text as bytes, shared by every answer of a template without `$` or `#`.
    bytes: bytes::Bytes,
    vtl: Option<proscenium_vtl::Template>,
    /// The `$context` members the template reads (`None`: it may read any), so each render
    /// builds only those.
    context_plan: Option<ContextPlan>,
    /// The parts of `$input` the template reads: a render copies only those.
    input_use: proscenium_vtl::InputUse,
    /// The parameter names the template looks up (`None`: any): a render copies only those.
    param_names: Option<Box<[String]>>,
}

impl Template {
    /// The output of a template that reads nothing (no `$`, no `#`): its own text.
    pub fn static_text(&self) -> Option<&str> {
        self.vtl.is_none().then_some(self.text.as_str())
    }

    /// [`Template::static_text`] as shared bytes.
    pub fn static_bytes(&self) -> Option<&bytes::Bytes> {
        self.vtl.is_none().then_some(&self.bytes)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("template error: {0}")]
    Invalid(String),
}

/// Parses a template (reports syntax errors when the deployment is compiled).
pub fn compile(text: &str) -> Result<Template, MappingError> {
    let vtl = if text.contains(['$', '#']) {
        Some(proscenium_vtl::parse(text).map_err(|e| MappingError::Invalid(e.to_string()))?)
    } else {
        None
    };
    let context_plan = vtl.as_ref().and_then(context_plan);
    let input_use = vtl
        .as_ref()
        .map_or(proscenium_vtl::InputUse::ALL, |v| v.input_use());
    let param_names = vtl.as_ref().and_then(|v| v.param_names()).map(Into::into);
    Ok(Template {
        text: text.to_string(),
        bytes: bytes::Bytes::copy_from_slice(text.as_bytes()),
        vtl,
        context_plan,
        input_use,
        param_names,
    })
}

/// What of `$context` a template reads: variables of [`CONTEXT_NAMES`] and groups of
/// [`CONTEXT_GROUPS`].
/// The variables come split as each render uses them: top-level ones (given to the engine by
/// name) and members of groups (put in the tree).
#[derive(Debug, Clone)]
struct ContextPlan {
    top: Box<[&'static str]>,
    nested: Box<[&'static str]>,
    groups: Box<[&'static str]>,
}

impl ContextPlan {
    fn of(names: impl Iterator<Item = &'static str> + Clone, groups: Box<[&'static str]>) -> Self {
        ContextPlan {
            top: names.clone().filter(|n| !n.contains('.')).collect(),
            nested: names.filter(|n| n.contains('.')).collect(),
            groups,
        }
    }
}

/// The plan of a template that may read any of `$context`.
static WHOLE_CONTEXT: std::sync::LazyLock<ContextPlan> = std::sync::LazyLock::new(|| {
    ContextPlan::of(CONTEXT_NAMES.iter().copied(), CONTEXT_GROUPS.into())
});

/// The maps `$context` always has, even when empty.
const CONTEXT_GROUPS: &[&str] = &["identity", "error", "authorizer"];

/// The part of `$context` a template reads, from the engine's account of its `$context`
/// property chains (`None`: it uses `$context` in a way that may read any of it).
fn context_plan(vtl: &proscenium_vtl::Template) -> Option<ContextPlan> {
    let proscenium_vtl::ContextUse::Paths(paths) = vtl.context_use() else {
        return None;
    };
    // `identity` reads every `identity.*`; `stage.x` (a property of the text) reads `stage`.
    let within = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    };
    let read = |name: &&str| paths.iter().any(|p| within(name, p) || within(p, name));
    Some(ContextPlan::of(
        CONTEXT_NAMES.iter().copied().filter(read),
        CONTEXT_GROUPS.iter().copied().filter(read).collect(),
    ))
}

/// What a template may read: `$input` (body and parameters), `$context`, `$stageVariables`.
pub struct TemplateInput<'a> {
    pub body: &'a [u8],
    pub params: &'a Inputs<'a>,
    pub context: &'a dyn Fn(&str) -> Option<String>,
    pub stage_variables: &'a Variables,
}

/// The `$context` variables API Gateway documents for mapping templates.
const CONTEXT_NAMES: &[&str] = &[
    "accountId",
    "apiId",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "error.message",
    "error.messageString",
    "error.responseType",
    "error.validationErrorString",
    "extendedRequestId",
    "httpMethod",
    "identity.accessKey",
    "identity.accountId",
    "identity.apiKey",
    "identity.apiKeyId",
    "identity.caller",
    "identity.clientCert.clientCertPem",
    "identity.clientCert.issuerDN",
    "identity.clientCert.serialNumber",
    "identity.clientCert.subjectDN",
    "identity.clientCert.validity.notAfter",
    "identity.clientCert.validity.notBefore",
    "identity.sourceIp",
    "identity.user",
    "identity.userAgent",
    "identity.userArn",
    "isCanaryRequest",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
    "xrayTraceId",
];

/// The `$context` of a render from the request's context: what `plan` names, or all of it.
/// The groups and their members go in a tree; the top-level variables are given by name
/// (the engine reads them without a tree, and adds them to the `$context` map if it makes one).
fn context_input(
    context: &dyn Fn(&str) -> Option<String>,
    plan: Option<&ContextPlan>,
) -> (Value, Vec<(&'static str, proscenium_vtl::ContextScalar)>) {
    use proscenium_vtl::ContextScalar;
    let plan = plan.unwrap_or(&WHOLE_CONTEXT);
    let mut scalars = Vec::with_capacity(plan.top.len());
    let mut root = if plan.groups.is_empty() && plan.nested.is_empty() {
        Map::new()
    } else {
        Map::with_capacity(plan.groups.len() + 1)
    };
    for group in &plan.groups {
        // The authorizer's group has the keys the authorizer gave: it comes whole.
        let value = match *group {
            "authorizer" => context("authorizer")
                .and_then(|json| serde_json::from_str::<Value>(&json).ok())
                .filter(Value::is_object)
                .unwrap_or_else(|| Value::Object(Map::new())),
            _ => Value::Object(Map::new()),
        };
        root.insert((*group).to_string(), value);
    }
    for name in &plan.nested {
        if let Some(v) = context(name) {
            let segs: Vec<&str> = name.split('.').collect();
            insert_at(&mut root, &segs, Value::String(v));
        }
    }
    for name in &plan.top {
        let Some(v) = context(name) else { continue };
        let value = match *name {
            "requestTimeEpoch" => v
                .parse::<i64>()
                .map_or_else(|_| ContextScalar::Text(Rc::from(v)), ContextScalar::Number),
            "isCanaryRequest" => ContextScalar::Bool(v == "true"),
            _ => ContextScalar::Text(Rc::from(v)),
        };
        scalars.push((*name, value));
    }
    (Value::Object(root), scalars)
}

/// Puts `value` at a dotted path (`identity.clientCert.validity.notAfter`), making the
/// objects on the way as needed.
fn insert_at(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [leaf] => {
            map.insert((*leaf).to_string(), value);
        }
        [head, rest @ ..] => {
            let slot = map
                .entry((*head).to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = slot {
                insert_at(m, rest, value);
            }
        }
    }
}

/// The parameters as `$input.params()` shows them: header names as the client wrote them
/// (`$input.params().header.get('X-Test')`). With `only`, just the parameters of those names
/// (header names without case), which is all `$input.params('name')` lookups can find.
fn params(p: &Inputs<'_>, only: Option<&[String]>) -> proscenium_vtl::Params {
    if let Some(names) = only {
        let named = |n: &str| names.iter().any(|x| x == n);
        let header = p
            .headers
            .keys()
            .filter(|h| names.iter().any(|x| x.eq_ignore_ascii_case(h.as_str())))
            .filter_map(|h| {
                let v = p.headers.get(h)?.to_str().ok()?;
                Some((h.as_str().to_string(), v.to_string()))
            })
            .collect();
        return proscenium_vtl::Params {
            path: p
                .path
                .iter()
                .filter(|x| named(&x.name))
                .map(|x| (x.name.clone(), x.value.clone()))
                .collect(),
            querystring: p.query.iter().filter(|(k, _)| named(k)).cloned().collect(),
            header,
        };
    }
    let mut header = Vec::with_capacity(p.headers.len());
    for name in p.headers.keys() {
        let Some(value) = p.headers.get(name) else {
            continue;
        };
        if let Ok(v) = value.to_str() {
            let shown = p
                .raw_head
                .and_then(|h| {
                    crate::header_case::given_name(h, name.as_str().as_bytes(), value.as_bytes())
                })
                .and_then(|n| std::str::from_utf8(n).ok())
                .unwrap_or(name.as_str());
            header.push((shown.to_string(), v.to_string()));
        }
    }
    proscenium_vtl::Params {
        path: p
            .path
            .iter()
            .map(|x| (x.name.clone(), x.value.clone()))
            .collect(),
        querystring: p.query.to_vec(),
        header,
    }
}

thread_local! {
    /// The body of a render that does not read it (an empty text, shared).
    static EMPTY: Rc<str> = Rc::from("");
}

/// What the engine reads, with only the parts of `$input` and `$context` the template uses.
fn render_input(t: &Template, input: &TemplateInput<'_>) -> proscenium_vtl::RenderInput {
    let uses = t.input_use;
    let (context, context_scalars) = context_input(input.context, t.context_plan.as_ref());
    proscenium_vtl::RenderInput {
        body: if uses.body {
            match String::from_utf8_lossy(input.body) {
                std::borrow::Cow::Borrowed(text) => Rc::from(text),
                std::borrow::Cow::Owned(text) => Rc::from(text),
            }
        } else {
            EMPTY.with(Rc::clone)
        },
        params: if uses.params {
            params(input.params, t.param_names.as_deref())
        } else {
            proscenium_vtl::Params::default()
        },
        context,
        context_scalars,
        stage_variables: input
            .stage_variables
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// Renders a template.
pub fn render(t: &Template, input: &TemplateInput<'_>) -> Result<String, MappingError> {
    render_with_overrides(t, input).map(|r| r.output)
}

/// Renders a template and returns what it wrote to `$context.requestOverride` and
/// `$context.responseOverride` too.
pub fn render_with_overrides(
    t: &Template,
    input: &TemplateInput<'_>,
) -> Result<proscenium_vtl::Rendered, MappingError> {
    let Some(vtl) = &t.vtl else {
        return Ok(proscenium_vtl::Rendered {
            output: t.text.clone(),
            ..Default::default()
        });
    };
    vtl.render(&render_input(t, input), &proscenium_vtl::Limits::default())
        .map_err(|e| MappingError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &str, body: &str) -> String {
        let headers = http::HeaderMap::new();
        let mut vars = Variables::default();
        vars.insert("host".into(), "h:1".into());
        let ctx = |n: &str| match n {
            "error.messageString" => Some("\"Nope\"".to_string()),
            "error.message" => Some("Nope".to_string()),
            "stage" => Some("dev".to_string()),
            _ => None,
        };
        let query = vec![("q".to_string(), "x y".to_string())];
        let params = Inputs {
            path: &[],
            query: &query,
            headers: &headers,
            body: body.as_bytes(),
            stage_variables: &vars,
            context: &ctx,
            response: None,
            raw_head: None,
        };
        let input = TemplateInput {
            body: body.as_bytes(),
            params: &params,
            context: &ctx,
            stage_variables: &vars,
        };
        render(&compile(t).unwrap(), &input).unwrap()
    }

    #[test]
    fn renders_with_the_velocity_engine() {
        assert_eq!(run("{\"a\": 1}", ""), "{\"a\": 1}");
        assert_eq!(
            run("{\"message\":$context.error.messageString}", ""),
            "{\"message\":\"Nope\"}"
        );
        assert_eq!(
            run("${stageVariables.host}/x $context.stage", ""),
            "h:1/x dev"
        );
        assert_eq!(
            run("$input.params('q')|$input.json('$.a')", "{\"a\":[1,2]}"),
            "x y|[1,2]"
        );
        assert_eq!(
            run(
                "#foreach($i in $input.path('$.a'))$i#if($foreach.hasNext),#end#end",
                "{\"a\":[1,2,3]}"
            ),
            "1,2,3"
        );
    }

    #[test]
    fn named_parameter_lookups_find_the_same_values_as_the_whole_set() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-test", "h1".parse().unwrap());
        headers.append("x-test", "h2".parse().unwrap());
        headers.insert("accept", "*/*".parse().unwrap());
        let vars = Variables::default();
        let path = [crate::router::PathParam {
            name: "id".into(),
            value: "7".into(),
            greedy: false,
        }];
        let query = vec![
            ("q".to_string(), "1".to_string()),
            ("q".to_string(), "2".to_string()),
            ("id".to_string(), "from-query".to_string()),
        ];
        let ctx = |_: &str| None;
        let inputs = Inputs {
            path: &path,
            query: &query,
            headers: &headers,
            body: b"",
            stage_variables: &vars,
            context: &ctx,
            response: None,
            raw_head: Some(b"GET / HTTP/1.1\r\nX-Test: h1\r\nX-Test: h2\r\nAccept: */*\r\n\r\n"),
        };
        let input = TemplateInput {
            body: b"",
            params: &inputs,
            context: &ctx,
            stage_variables: &vars,
        };
        let lookups =
            "$input.params('X-TEST')|$input.params('q')|$input.params('id')|$input.params('none')";
        let named = compile(lookups).unwrap();
        assert!(named.param_names.is_some());
        // The same lookups beside a use that needs every parameter.
        let whole = compile(&format!("{lookups}#if(false)$input.params()#end")).unwrap();
        assert!(whole.param_names.is_none());
        assert_eq!(render(&named, &input).unwrap(), "h1|1|7|");
        assert_eq!(render(&whole, &input).unwrap(), "h1|1|7|");
    }

    /// Renders `t` for a request with no body, parameters or stage variables, reading
    /// `$context` from `ctx`.
    fn render_bare(t: &Template, ctx: &dyn Fn(&str) -> Option<String>) -> proscenium_vtl::Rendered {
        let headers = http::HeaderMap::new();
        let vars = Variables::default();
        let params = Inputs {
            path: &[],
            query: &[],
            headers: &headers,
            body: b"",
            stage_variables: &vars,
            context: ctx,
            response: None,
            raw_head: None,
        };
        let input = TemplateInput {
            body: b"",
            params: &params,
            context: ctx,
            stage_variables: &vars,
        };
        render_with_overrides(t, &input).unwrap()
    }

    #[test]
    fn only_the_context_variables_a_template_reads_are_computed() {
        let asked = std::cell::RefCell::new(Vec::new());
        let ctx = |n: &str| {
            asked.borrow_mut().push(n.to_string());
            Some(format!("<{n}>"))
        };
        let run = |src: &str| {
            asked.borrow_mut().clear();
            let out = render_bare(&compile(src).unwrap(), &ctx).output;
            (out, asked.borrow().clone())
        };
        let (out, asked_for) =
            run("$context.stage|$context.identity.sourceIp|$context.stage.length()");
        assert_eq!(out, "<stage>|<identity.sourceIp>|7");
        assert_eq!(asked_for, ["identity.sourceIp", "stage"]);
        let (out, asked_for) = run("$context.identity.keySet().size()");
        // Nine members and the `clientCert` object (its six values nested in it).
        assert_eq!(out, "10", "the whole identity group");
        assert_eq!(asked_for.len(), 15);
        let (out, _) = run("$context.identity.clientCert.validity.notAfter");
        assert_eq!(out, "<identity.clientCert.validity.notAfter>");
        let (out, asked_for) = run("#set($c = $context)$c.requestId");
        assert_eq!(out, "<requestId>");
        // Every name, and the authorizer's group.
        assert_eq!(
            asked_for.len(),
            CONTEXT_NAMES.len() + 1,
            "anything may be read"
        );
        let (_, asked_for) = run("{\"static\": $input.json('$')}");
        assert!(asked_for.is_empty());
        let (out, _) = run("$context.authorizer.size()|$context.error.size()");
        assert_eq!(out, "0|4", "a group read is there, even when empty");
    }

    #[test]
    fn response_overrides_come_back() {
        let t = compile("#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Tea = 'pot')ok").unwrap();
        let r = render_bare(&t, &|_| None);
        assert_eq!(r.output, "ok");
        assert_eq!(r.response_override.status_code(), Some(418));
        assert_eq!(
            r.response_override.header,
            vec![("X-Tea".to_string(), "pot".to_string())]
        );
    }

    #[test]
    fn syntax_errors_surface_at_compile_time() {
        assert!(compile("#if($a").is_err());
    }
}
