//! `proscenium-vtl`: a pure Apache Velocity 1.7 engine in API Gateway's dialect.
//!
//! Owns parsing and rendering of mapping templates plus API Gateway's `$input`,
//! `$util`, `$context` and `$stageVariables`, and Jayway-style JSONPath. It does
//! no I/O, reads no clock and keeps no globals: a [`Template`] is compiled once
//! by [`parse`] and rendered many times with [`Template::render`].
//!
//! Template selection and passthrough belong to the data plane, not here.
//!
//! ```
//! use proscenium_vtl::{ContextScalar, Limits, Params, RenderInput, parse};
//!
//! let template = parse(r#"{"id": "$input.params('id')", "body": $input.json('$')}
//! #set($context.responseOverride.status = 201)$context.requestId $context.identity.sourceIp"#)
//!     .unwrap();
//! let input = RenderInput {
//!     body: r#"{"a":1}"#.into(),
//!     params: Params { path: vec![("id".into(), "42".into())], ..Params::default() },
//!     // Groups in a tree; top-level variables in the tree too, or by name:
//!     context: serde_json::json!({"identity": {"sourceIp": "192.0.2.1"}}),
//!     context_scalars: vec![("requestId", ContextScalar::Text("r-1".into()))],
//!     stage_variables: vec![("env".into(), "prod".into())],
//! };
//! let out = template.render(&input, &Limits::default()).unwrap();
//! assert_eq!(out.output, "{\"id\": \"42\", \"body\": {\"a\":1}}\nr-1 192.0.2.1");
//! assert_eq!(out.response_override.status_code(), Some(201));
//! ```

mod ast;
mod error;
mod escape;
mod eval;
mod eval_expr;
mod eval_macro;
mod input;
mod json;
mod json_parse;
mod json_tape;
mod json_view;
mod jsonpath;
mod methods_coll;
mod methods_str;
mod number;
mod parse_expr;
mod parse_text;
mod regex_engine;
mod regex_java;
mod scan;
mod template;
mod uses;
mod util;
mod value;
mod vars;

pub use error::{ParseError, RenderError, RenderErrorKind};
pub use template::{
    ContextScalar, Limits, Params, RenderInput, Rendered, RequestOverride, ResponseOverride,
    Template, parse,
};
pub use uses::{ContextUse, InputUse};

/// Evaluates a JSONPath against a JSON document and returns the JSON text of
/// the selection, as `$input.json(path)` does (`None` when nothing matches).
/// The data plane uses it for `method.request.body.<JSONPath>` mappings.
pub fn json_path_text(body: &str, path: &str) -> Result<Option<String>, String> {
    let root = json::parse_body(&std::rc::Rc::from(body))?;
    let sel = jsonpath::select(&root, path)?;
    Ok(sel.map(|v| json::to_json(&v)))
}
