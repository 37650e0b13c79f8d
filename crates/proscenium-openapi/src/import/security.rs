//! Security schemes: `x-amazon-apigateway-authorizer` schemes become authorizers (TOKEN,
//! REQUEST, COGNITO_USER_POOLS, with `x-amazon-apigateway-authtype`), an `apiKey` scheme
//! named `x-api-key` in the header means "API key required", and `awsSigv4` /
//! `aws_iam` auth types mean AWS_IAM.

use std::collections::BTreeMap;

use serde_json::Value;

use proscenium_model::{ApiDefinition, Authorizer};

use super::Ctx;
use super::settings::scalar_text;
use crate::document::Spec;

/// What naming a scheme in `security` does to a method.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SchemeUse {
    /// A CUSTOM or COGNITO_USER_POOLS authorizer (its id and type).
    Authorizer {
        id: String,
        cognito: bool,
    },
    ApiKey,
    Iam,
}

pub(super) fn import(ctx: &mut Ctx, def: &mut ApiDefinition) -> BTreeMap<String, SchemeUse> {
    let mut out = BTreeMap::new();
    let schemes = match ctx.spec {
        Spec::Swagger2 => ctx.doc.get("securityDefinitions"),
        Spec::OpenApi3 => ctx.doc.pointer("/components/securitySchemes"),
    };
    let Some(schemes) = schemes.and_then(Value::as_object) else {
        return out;
    };
    for (name, scheme) in schemes {
        let auth_type = scheme
            .get("x-amazon-apigateway-authtype")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(a) = scheme.get("x-amazon-apigateway-authorizer") {
            if let Some(u) = authorizer(ctx, def, name, scheme, a, auth_type) {
                out.insert(name.clone(), u);
            }
            continue;
        }
        let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
        let key_name = scheme.get("name").and_then(Value::as_str).unwrap_or("");
        match auth_type.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("awssigv4") | Some("aws_iam") => {
                out.insert(name.clone(), SchemeUse::Iam);
            }
            _ if kind == "apiKey" && key_name.eq_ignore_ascii_case("x-api-key") => {
                out.insert(name.clone(), SchemeUse::ApiKey);
            }
            _ => ctx.warnings.push(format!(
                "Unsupported security definition '{name}'. Ignoring security definition."
            )),
        }
    }
    out
}

fn authorizer(
    ctx: &mut Ctx,
    def: &mut ApiDefinition,
    name: &str,
    scheme: &Value,
    a: &Value,
    auth_type: Option<String>,
) -> Option<SchemeUse> {
    let kind = a
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_uppercase();
    if !["TOKEN", "REQUEST", "COGNITO_USER_POOLS"].contains(&kind.as_str()) {
        ctx.errors.push(format!(
            "Unable to create authorizer '{name}': Invalid authorizer type specified: {}",
            a.get("type").and_then(Value::as_str).unwrap_or("null")
        ));
        return None;
    }
    let text = |k: &str| a.get(k).and_then(scalar_text);
    // A TOKEN authorizer reads the header its scheme names unless told otherwise.
    let identity_source = text("identitySource").or_else(|| {
        (kind != "REQUEST" && scheme.get("in").and_then(Value::as_str) == Some("header"))
            .then(|| scheme.get("name").and_then(Value::as_str))
            .flatten()
            .map(|h| format!("method.request.header.{h}"))
    });
    let id = match def.authorizers.values().find(|x| x.name == name) {
        Some(x) => x.id.clone(),
        None => ctx.new_id(|i| def.authorizers.contains_key(i)),
    };
    let cognito = kind == "COGNITO_USER_POOLS";
    let provider_arns = a.get("providerARNs").and_then(Value::as_array).map(|l| {
        l.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    });
    if cognito && provider_arns.as_ref().is_none_or(Vec::is_empty) {
        ctx.errors.push(format!(
            "Unable to create authorizer '{name}': ProviderARNs need to be specified for COGNITO_USER_POOLS type authorizers."
        ));
        return None;
    }
    if !cognito && text("authorizerUri").is_none() {
        ctx.errors.push(format!(
            "Unable to create authorizer '{name}': Invalid Authorizer URI specified"
        ));
        return None;
    }
    def.authorizers.insert(
        id.clone(),
        Authorizer {
            id: id.clone(),
            name: name.to_string(),
            kind,
            provider_arns,
            auth_type,
            authorizer_uri: text("authorizerUri"),
            authorizer_credentials: text("authorizerCredentials"),
            identity_source,
            identity_validation_expression: text("identityValidationExpression"),
            authorizer_result_ttl_in_seconds: Some(
                a.get("authorizerResultTtlInSeconds")
                    .and_then(Value::as_i64)
                    .unwrap_or(300),
            ),
        },
    );
    Some(SchemeUse::Authorizer { id, cognito })
}
