//! The importer against small documents in both specifications.

use super::*;
use proscenium_model::RestApi;

fn empty() -> ApiDefinition {
    ApiDefinition::new(RestApi::new("api1234567", "", "root000000"))
}

fn run(doc: &str, opts: &ImportOptions) -> Result<(ApiDefinition, Vec<String>), ValidationError> {
    let mut def = empty();
    let mut n = 0u32;
    let mut next = move || {
        n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        n >> 8
    };
    let w = import(doc.as_bytes(), &mut def, opts, &mut next)?;
    Ok((def, w))
}

fn by_path<'a>(def: &'a ApiDefinition, path: &str) -> &'a proscenium_model::Resource {
    def.resources.values().find(|r| r.path == path).unwrap()
}

const PETS: &str = r##"
swagger: "2.0"
info: {title: Pets, version: "1.0"}
basePath: /v1
x-amazon-apigateway-binary-media-types: [image/png]
x-amazon-apigateway-api-key-source: AUTHORIZER
securityDefinitions:
  api_key: {type: apiKey, name: x-api-key, in: header}
  tok:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: custom
    x-amazon-apigateway-authorizer:
      type: token
      authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:a/invocations
      authorizerResultTtlInSeconds: 60
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
definitions:
  Pet: {type: object, properties: {id: {type: integer}}}
  Pets: {type: array, items: {$ref: "#/definitions/Pet"}}
paths:
  /pets:
    get:
      security: [{api_key: []}]
      parameters:
        - {name: type, in: query, required: true, type: string}
      responses:
        200:
          description: ok
          schema: {$ref: "#/definitions/Pets"}
          headers: {Access-Control-Allow-Origin: {type: string}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://127.0.0.1:9/pets
        requestParameters: {integration.request.querystring.type: method.request.querystring.type}
        responses:
          default:
            statusCode: 200
            responseParameters: {method.response.header.Access-Control-Allow-Origin: "'*'"}
    post:
      security: [{tok: []}]
      x-amazon-apigateway-request-validator: all
      parameters:
        - {name: body, in: body, schema: {$ref: "#/definitions/Pet"}}
      responses: {200: {description: ok}}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}, responses: {default: {statusCode: "200"}}}
  /pets/{petId}:
    x-amazon-apigateway-any-method:
      parameters: [{name: petId, in: path, required: true, type: string}]
      responses: {}
"##;

#[test]
fn swagger_yaml_with_extensions() {
    let (def, warnings) = run(PETS, &ImportOptions::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(def.api.name, "Pets");
    assert_eq!(def.api.version.as_deref(), Some("1.0"));
    assert_eq!(def.api.binary_media_types, vec!["image/png"]);
    assert_eq!(def.api.api_key_source, "AUTHORIZER");
    let pets = by_path(&def, "/pets");
    let get = &pets.resource_methods["GET"];
    assert!(get.api_key_required);
    assert!(get.request_parameters["method.request.querystring.type"]);
    let r200 = &get.method_responses["200"];
    assert_eq!(
        r200.response_models.as_ref().unwrap()["application/json"],
        "Pets"
    );
    let i = get.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::Http);
    assert_eq!(i.cache_namespace.as_deref(), Some(pets.id.as_str()));
    assert_eq!(i.integration_responses["200"].selection_pattern, None);
    let post = &pets.resource_methods["POST"];
    assert_eq!(post.authorization_type, "CUSTOM");
    let auth = &def.authorizers[post.authorizer_id.as_ref().unwrap()];
    assert_eq!(auth.kind, "TOKEN");
    assert_eq!(
        auth.identity_source.as_deref(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(post.request_models["application/json"], "Pet");
    assert!(post.request_validator_id.is_some());
    let any = &by_path(&def, "/pets/{petId}").resource_methods["ANY"];
    assert!(any.request_parameters["method.request.path.petId"]);
    assert!(any.method_integration.is_none());
    let pets_schema = &def.models["Pets"].schema;
    assert!(
        pets_schema
            .as_deref()
            .unwrap()
            .contains("https://apigateway.amazonaws.com/restapis/api1234567/models/Pet")
    );
}

use proscenium_model::IntegrationType;

#[test]
fn base_path_modes() {
    let prepend = ImportOptions {
        base_path: BasePathMode::Prepend,
        ..Default::default()
    };
    let (def, _) = run(PETS, &prepend).unwrap();
    assert!(def.resources.values().any(|r| r.path == "/v1/pets"));
    let doc = r#"{"openapi":"3.0.1","info":{"title":"t","version":"1"},
      "servers":[{"url":"https://x.example/{basePath}/part","variables":{"basePath":{"default":"base"}}}],
      "paths":{"/test":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;
    let split = ImportOptions {
        base_path: BasePathMode::Split,
        ..Default::default()
    };
    let (def, _) = run(doc, &split).unwrap();
    assert!(def.resources.values().any(|r| r.path == "/part/test"));
    let (def, _) = run(doc, &prepend).unwrap();
    assert!(def.resources.values().any(|r| r.path == "/base/part/test"));
}

#[test]
fn warnings_and_errors_in_aws_words() {
    let doc = r#"{"openapi":"3.0.1","info":{"title":"t","version":"1"},
      "paths":{"/test":{"get":{"responses":{"200":{"description":"ok"}},
        "x-amazon-apigateway-integration":{"type":"mock","requestParameters":{"integration.request.header.nothing":true}}}}}}"#;
    let (_, w) = run(doc, &ImportOptions::default()).unwrap();
    assert_eq!(
        w,
        vec![
            "Invalid format for 'requestParameters'. Expected type string for property 'integration.request.header.nothing' of resource '/test' and method 'GET' but got 'true'"
        ]
    );
    let strict = ImportOptions {
        fail_on_warnings: true,
        ..Default::default()
    };
    let e = run(doc, &strict).unwrap_err();
    assert!(
        e.message.starts_with("Warnings found during import:"),
        "{}",
        e.message
    );
    let bad = doc.replace("\"mock\"", "\"http\"");
    let e = run(&bad, &ImportOptions::default()).unwrap_err();
    assert!(
        e.message
            .contains("Unable to put integration on 'GET' for resource at path '/test'"),
        "{}",
        e.message
    );
}

#[test]
fn merge_keeps_what_the_document_does_not_name() {
    let (mut def, _) = run(PETS, &ImportOptions::default()).unwrap();
    let extra = r#"{"swagger":"2.0","info":{"title":"Pets","version":"2"},
      "paths":{"/toys":{"get":{"responses":{},"x-amazon-apigateway-integration":{"type":"mock"}}}}}"#;
    let mut next = || 7u32;
    let merge = ImportOptions {
        mode: ImportMode::Merge,
        ..Default::default()
    };
    import(extra.as_bytes(), &mut def, &merge, &mut next).unwrap();
    assert!(def.resources.values().any(|r| r.path == "/toys"));
    assert!(def.resources.values().any(|r| r.path == "/pets"));
    assert_eq!(def.api.binary_media_types, vec!["image/png"]);
    let mut over = def.clone();
    import(
        extra.as_bytes(),
        &mut over,
        &ImportOptions::default(),
        &mut next,
    )
    .unwrap();
    assert!(!over.resources.values().any(|r| r.path == "/pets"));
    assert!(over.api.binary_media_types.is_empty());
    assert!(over.models.is_empty());
}
