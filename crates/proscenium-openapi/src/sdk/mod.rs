//! GetSdk: client SDKs generated from a deployed definition. `javascript` is built: a zip laid
//! out as AWS's (`apigClient-js/apigClient.js`, `lib/apiGatewayCore/…`, `README.md`) whose
//! client runs in browsers and in Node.js 18+ with nothing fetched at run time (SHA-256,
//! HMAC and SigV4 are in `lib/`); `typescript` (`typescript.rs`, beyond AWS) is the same client as a
//! typed ES module. Other AWS types are not built (the caller refuses them).

mod typescript;
mod zip;

pub use typescript::typescript;

use std::fmt::Write;

use proscenium_model::ApiDefinition;

/// The SDK types GetSdkTypes lists: `(id, friendlyName, description)`.
pub const SDK_TYPES: &[(&str, &str, &str)] = &[
    (
        "javascript",
        "JavaScript",
        "JavaScript SDK for browsers and Node.js",
    ),
    (
        "typescript",
        "TypeScript",
        "Typed ES module client (Proscenium's own; not an AWS type)",
    ),
];

const SHA256: &str = include_str!("js/sha256.js");
const SIGV4: &str = include_str!("js/sigV4Client.js");
const CORE: &str = include_str!("js/apiGatewayClient.js");

pub struct SdkOptions {
    /// The stage's invoke URL, the client's default endpoint.
    pub invoke_url: String,
    pub region: String,
}

/// AWS's method name: the path's segments in camel case (braces and other punctuation
/// dropped, `/` → `root`) followed by the HTTP method, e.g. `petsPetIdGet`.
pub fn method_name(path: &str, verb: &str) -> String {
    let mut out = String::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let mut upper = !out.is_empty();
        for c in seg.chars() {
            if c.is_ascii_alphanumeric() {
                if upper {
                    out.extend(c.to_uppercase());
                } else if out.is_empty() {
                    out.extend(c.to_lowercase());
                } else {
                    out.push(c);
                }
                upper = false;
            } else {
                upper = !out.is_empty();
            }
        }
    }
    if out.is_empty() {
        out.push_str("root");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    let v = verb.to_ascii_lowercase();
    let mut cs = v.chars();
    if let Some(f) = cs.next() {
        out.extend(f.to_uppercase());
        out.push_str(cs.as_str());
    }
    out
}

/// Every method of the definition in path order with its client name; names two paths would
/// share (`/a-b` and `/aB`) get a numeric suffix, so no method hides another.
pub(crate) fn operations(
    def: &ApiDefinition,
) -> Vec<(
    &proscenium_model::Resource,
    &String,
    &proscenium_model::Method,
    String,
)> {
    let mut resources: Vec<_> = def.resources.values().collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for r in resources {
        for (verb, m) in &r.resource_methods {
            let base = method_name(&r.path, verb);
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}{n}");
                n += 1;
            }
            out.push((r, verb, m, name));
        }
    }
    out
}

fn js_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn js_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| js_str(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The generated `apigClient.js`.
fn client(def: &ApiDefinition, opts: &SdkOptions) -> String {
    let mut methods = String::new();
    for (r, verb, m, name) in operations(def) {
        let mut path = Vec::new();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for key in m.request_parameters.keys() {
            let Some(rest) = key.strip_prefix("method.request.") else {
                continue;
            };
            match rest.split_once('.') {
                Some(("path", n)) => path.push(n.to_string()),
                Some(("querystring", n)) => query.push(n.to_string()),
                Some(("header", n)) => headers.push(n.to_string()),
                _ => {}
            }
        }
        // Path variables the template names count even when the method does not declare
        // them.
        for seg in r.path.split('/') {
            if let Some(v) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let v = v.trim_end_matches('+').to_string();
                if !path.contains(&v) {
                    path.push(v);
                }
            }
        }
        let http = if verb == "ANY" {
            "(additionalParams && additionalParams.method) || 'GET'".to_string()
        } else {
            js_str(verb)
        };
        let _ = write!(
            methods,
            r#"
    apigClient.{name} = function (params, body, additionalParams) {{
      params = params || {{}};
      return client.request({{
        verb: {http},
        path: {template},
        pathParams: core.pick(params, {path}),
        headers: core.pick(params, {headers}),
        queryParams: core.pick(params, {query}),
        body: body
      }}, {auth}, additionalParams);
    }};
"#,
            template = js_str(&r.path),
            path = js_list(&path),
            headers = js_list(&headers),
            query = js_list(&query),
            auth = js_str(&m.authorization_type),
        );
    }
    format!(
        r#"/*
 * Client for the API "{title}", generated by Proscenium (GetSdk, sdkType javascript).
 *
 * Node.js 18+:  var apigClientFactory = require('./apigClient.js');
 * Browsers:     load lib/apiGatewayCore/sha256.js, sigV4Client.js, apiGatewayClient.js, then
 *               this file; it defines the global apigClientFactory.
 *
 * var apigClient = apigClientFactory.newClient({{ apiKey, accessKey, secretKey, sessionToken,
 *   region, invokeUrl }});
 * apigClient.petsGet(params, body, additionalParams).then(function (response) {{ ... }});
 */
(function (root, factory) {{
  if (typeof module === 'object' && module.exports) {{
    module.exports = factory(require('./lib/apiGatewayCore/apiGatewayClient.js'));
  }} else {{
    root.apigClientFactory = factory(root.apiGateway.core.apiGatewayClient);
  }}
}})(typeof self !== 'undefined' ? self : this, function (core) {{
  'use strict';
  var apigClientFactory = {{}};
  apigClientFactory.newClient = function (config) {{
    config = config || {{}};
    var client = core.create({{
      endpoint: config.invokeUrl || {invoke_url},
      region: config.region || {region},
      apiKey: config.apiKey,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      sessionToken: config.sessionToken,
      defaultContentType: config.defaultContentType
    }});
    var apigClient = {{}};
{methods}
    return apigClient;
  }};
  return apigClientFactory;
}});
"#,
        title = def.api.name.replace("*/", "* /"),
        invoke_url = js_str(&opts.invoke_url),
        region = js_str(&opts.region),
    )
}

fn readme(def: &ApiDefinition, opts: &SdkOptions) -> String {
    format!(
        "# JavaScript client for {name}\n\n\
Generated by Proscenium for the stage at {url}.\n\n\
## Node.js (18 or later)\n\n\
```js\nconst apigClientFactory = require('./apigClient.js');\n\
const apigClient = apigClientFactory.newClient({{ apiKey: 'optional', accessKey: 'optional', secretKey: 'optional', region: '{region}' }});\n\
apigClient.rootGet({{}}, null, {{}}).then((res) => console.log(res.status, res.data));\n```\n\n\
## Browsers\n\n\
```html\n<script src=\"lib/apiGatewayCore/sha256.js\"></script>\n\
<script src=\"lib/apiGatewayCore/sigV4Client.js\"></script>\n\
<script src=\"lib/apiGatewayCore/apiGatewayClient.js\"></script>\n\
<script src=\"apigClient.js\"></script>\n```\n\n\
Each method takes `(params, body, additionalParams)`: `params` holds path, query string and \
header parameters by name, `additionalParams` extra `headers` and `queryParams`. It returns a \
promise of `{{ status, data, headers }}`; statuses of 400 and above reject with an error whose \
`response` holds the same. With `accessKey` and `secretKey`, methods using AWS_IAM \
authorization are signed with Signature Version 4; with `apiKey`, every request sends `x-api-key`.\n",
        name = def.api.name,
        url = opts.invoke_url,
        region = opts.region,
    )
}

/// The `javascript` SDK as a zip.
pub fn javascript(def: &ApiDefinition, opts: &SdkOptions) -> Vec<u8> {
    let entries = vec![
        (
            "apigClient-js/apigClient.js".to_string(),
            client(def, opts).into_bytes(),
        ),
        (
            "apigClient-js/lib/apiGatewayCore/sha256.js".to_string(),
            SHA256.as_bytes().to_vec(),
        ),
        (
            "apigClient-js/lib/apiGatewayCore/sigV4Client.js".to_string(),
            SIGV4.as_bytes().to_vec(),
        ),
        (
            "apigClient-js/lib/apiGatewayCore/apiGatewayClient.js".to_string(),
            CORE.as_bytes().to_vec(),
        ),
        (
            "apigClient-js/README.md".to_string(),
            readme(def, opts).into_bytes(),
        ),
    ];
    zip::zip(&entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_aws_writes_them() {
        assert_eq!(method_name("/pets", "GET"), "petsGet");
        assert_eq!(method_name("/pets/{id}", "GET"), "petsIdGet");
        assert_eq!(method_name("/pets/{petId}", "DELETE"), "petsPetIdDelete");
        assert_eq!(method_name("/", "GET"), "rootGet");
        assert_eq!(method_name("/{proxy+}", "ANY"), "proxyAny");
        assert_eq!(
            method_name("/user-profiles/v2", "POST"),
            "userProfilesV2Post"
        );
    }

    #[test]
    fn colliding_names_get_a_suffix() {
        let mut def = ApiDefinition::new(proscenium_model::RestApi::new("a", "n", "root"));
        let method = proscenium_model::Method {
            http_method: "GET".into(),
            authorization_type: "NONE".into(),
            authorizer_id: None,
            api_key_required: false,
            request_validator_id: None,
            operation_name: None,
            request_parameters: Default::default(),
            request_models: Default::default(),
            method_responses: Default::default(),
            method_integration: None,
            authorization_scopes: None,
        };
        for (id, part) in [("r1", "a-b"), ("r2", "aB")] {
            def.create_resource(id.into(), "root", part).unwrap();
            def.resource_mut(id)
                .unwrap()
                .resource_methods
                .insert("GET".into(), method.clone());
        }
        let names: Vec<String> = operations(&def).into_iter().map(|o| o.3).collect();
        assert_eq!(names, vec!["aBGet", "aBGet2"]);
    }
}
