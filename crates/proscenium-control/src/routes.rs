//! The route table: every one of the 124 operations of API Gateway's management API, one
//! line each (method, URI as botocore's model spells it, operation), and the handler of each
//! supported one. Operations without a handler answer an error that names them.

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::ControlState;
use crate::error::ApiError;
use crate::handlers::*;

/// `(method, path, operation)` for every operation; `{parent_id}` is spelled `{resource_id}`
/// so that routes with the same shape share one parameter name.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    ("POST", "/apikeys", "CreateApiKey"),
    (
        "POST",
        "/restapis/{restapi_id}/authorizers",
        "CreateAuthorizer",
    ),
    (
        "POST",
        "/domainnames/{domain_name}/basepathmappings",
        "CreateBasePathMapping",
    ),
    (
        "POST",
        "/restapis/{restapi_id}/deployments",
        "CreateDeployment",
    ),
    (
        "POST",
        "/restapis/{restapi_id}/documentation/parts",
        "CreateDocumentationPart",
    ),
    (
        "POST",
        "/restapis/{restapi_id}/documentation/versions",
        "CreateDocumentationVersion",
    ),
    ("POST", "/domainnames", "CreateDomainName"),
    (
        "POST",
        "/domainnameaccessassociations",
        "CreateDomainNameAccessAssociation",
    ),
    ("POST", "/restapis/{restapi_id}/models", "CreateModel"),
    (
        "POST",
        "/restapis/{restapi_id}/requestvalidators",
        "CreateRequestValidator",
    ),
    (
        "POST",
        "/restapis/{restapi_id}/resources/{resource_id}",
        "CreateResource",
    ),
    ("POST", "/restapis", "CreateRestApi"),
    ("POST", "/restapis/{restapi_id}/stages", "CreateStage"),
    ("POST", "/usageplans", "CreateUsagePlan"),
    (
        "POST",
        "/usageplans/{usageplanId}/keys",
        "CreateUsagePlanKey",
    ),
    ("POST", "/vpclinks", "CreateVpcLink"),
    ("DELETE", "/apikeys/{api_Key}", "DeleteApiKey"),
    (
        "DELETE",
        "/restapis/{restapi_id}/authorizers/{authorizer_id}",
        "DeleteAuthorizer",
    ),
    (
        "DELETE",
        "/domainnames/{domain_name}/basepathmappings/{base_path}",
        "DeleteBasePathMapping",
    ),
    (
        "DELETE",
        "/clientcertificates/{clientcertificate_id}",
        "DeleteClientCertificate",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/deployments/{deployment_id}",
        "DeleteDeployment",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/documentation/parts/{part_id}",
        "DeleteDocumentationPart",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/documentation/versions/{doc_version}",
        "DeleteDocumentationVersion",
    ),
    ("DELETE", "/domainnames/{domain_name}", "DeleteDomainName"),
    (
        "DELETE",
        "/domainnameaccessassociations/{domain_name_access_association_arn}",
        "DeleteDomainNameAccessAssociation",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/gatewayresponses/{response_type}",
        "DeleteGatewayResponse",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
        "DeleteIntegration",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}",
        "DeleteIntegrationResponse",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
        "DeleteMethod",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}",
        "DeleteMethodResponse",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/models/{model_name}",
        "DeleteModel",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/requestvalidators/{requestvalidator_id}",
        "DeleteRequestValidator",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/resources/{resource_id}",
        "DeleteResource",
    ),
    ("DELETE", "/restapis/{restapi_id}", "DeleteRestApi"),
    (
        "DELETE",
        "/restapis/{restapi_id}/stages/{stage_name}",
        "DeleteStage",
    ),
    ("DELETE", "/usageplans/{usageplanId}", "DeleteUsagePlan"),
    (
        "DELETE",
        "/usageplans/{usageplanId}/keys/{keyId}",
        "DeleteUsagePlanKey",
    ),
    ("DELETE", "/vpclinks/{vpclink_id}", "DeleteVpcLink"),
    (
        "DELETE",
        "/restapis/{restapi_id}/stages/{stage_name}/cache/authorizers",
        "FlushStageAuthorizersCache",
    ),
    (
        "DELETE",
        "/restapis/{restapi_id}/stages/{stage_name}/cache/data",
        "FlushStageCache",
    ),
    ("POST", "/clientcertificates", "GenerateClientCertificate"),
    ("GET", "/account", "GetAccount"),
    ("GET", "/apikeys/{api_Key}", "GetApiKey"),
    ("GET", "/apikeys", "GetApiKeys"),
    (
        "GET",
        "/restapis/{restapi_id}/authorizers/{authorizer_id}",
        "GetAuthorizer",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/authorizers",
        "GetAuthorizers",
    ),
    (
        "GET",
        "/domainnames/{domain_name}/basepathmappings/{base_path}",
        "GetBasePathMapping",
    ),
    (
        "GET",
        "/domainnames/{domain_name}/basepathmappings",
        "GetBasePathMappings",
    ),
    (
        "GET",
        "/clientcertificates/{clientcertificate_id}",
        "GetClientCertificate",
    ),
    ("GET", "/clientcertificates", "GetClientCertificates"),
    (
        "GET",
        "/restapis/{restapi_id}/deployments/{deployment_id}",
        "GetDeployment",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/deployments",
        "GetDeployments",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/documentation/parts/{part_id}",
        "GetDocumentationPart",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/documentation/parts",
        "GetDocumentationParts",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/documentation/versions/{doc_version}",
        "GetDocumentationVersion",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/documentation/versions",
        "GetDocumentationVersions",
    ),
    ("GET", "/domainnames/{domain_name}", "GetDomainName"),
    (
        "GET",
        "/domainnameaccessassociations",
        "GetDomainNameAccessAssociations",
    ),
    ("GET", "/domainnames", "GetDomainNames"),
    (
        "GET",
        "/restapis/{restapi_id}/stages/{stage_name}/exports/{export_type}",
        "GetExport",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/gatewayresponses/{response_type}",
        "GetGatewayResponse",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/gatewayresponses",
        "GetGatewayResponses",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
        "GetIntegration",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}",
        "GetIntegrationResponse",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
        "GetMethod",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}",
        "GetMethodResponse",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/models/{model_name}",
        "GetModel",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/models/{model_name}/default_template",
        "GetModelTemplate",
    ),
    ("GET", "/restapis/{restapi_id}/models", "GetModels"),
    (
        "GET",
        "/restapis/{restapi_id}/requestvalidators/{requestvalidator_id}",
        "GetRequestValidator",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/requestvalidators",
        "GetRequestValidators",
    ),
    (
        "GET",
        "/restapis/{restapi_id}/resources/{resource_id}",
        "GetResource",
    ),
    ("GET", "/restapis/{restapi_id}/resources", "GetResources"),
    ("GET", "/restapis/{restapi_id}", "GetRestApi"),
    ("GET", "/restapis", "GetRestApis"),
    (
        "GET",
        "/restapis/{restapi_id}/stages/{stage_name}/sdks/{sdk_type}",
        "GetSdk",
    ),
    ("GET", "/sdktypes/{sdktype_id}", "GetSdkType"),
    ("GET", "/sdktypes", "GetSdkTypes"),
    (
        "GET",
        "/restapis/{restapi_id}/stages/{stage_name}",
        "GetStage",
    ),
    ("GET", "/restapis/{restapi_id}/stages", "GetStages"),
    ("GET", "/tags/{resource_arn}", "GetTags"),
    ("GET", "/usageplans/{usageplanId}/usage", "GetUsage"),
    ("GET", "/usageplans/{usageplanId}", "GetUsagePlan"),
    (
        "GET",
        "/usageplans/{usageplanId}/keys/{keyId}",
        "GetUsagePlanKey",
    ),
    ("GET", "/usageplans/{usageplanId}/keys", "GetUsagePlanKeys"),
    ("GET", "/usageplans", "GetUsagePlans"),
    ("GET", "/vpclinks/{vpclink_id}", "GetVpcLink"),
    ("GET", "/vpclinks", "GetVpcLinks"),
    ("POST", "/apikeys", "ImportApiKeys"),
    (
        "PUT",
        "/restapis/{restapi_id}/documentation/parts",
        "ImportDocumentationParts",
    ),
    ("POST", "/restapis", "ImportRestApi"),
    (
        "PUT",
        "/restapis/{restapi_id}/gatewayresponses/{response_type}",
        "PutGatewayResponse",
    ),
    (
        "PUT",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
        "PutIntegration",
    ),
    (
        "PUT",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}",
        "PutIntegrationResponse",
    ),
    (
        "PUT",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
        "PutMethod",
    ),
    (
        "PUT",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}",
        "PutMethodResponse",
    ),
    ("PUT", "/restapis/{restapi_id}", "PutRestApi"),
    (
        "POST",
        "/rejectdomainnameaccessassociations",
        "RejectDomainNameAccessAssociation",
    ),
    ("PUT", "/tags/{resource_arn}", "TagResource"),
    (
        "POST",
        "/restapis/{restapi_id}/authorizers/{authorizer_id}",
        "TestInvokeAuthorizer",
    ),
    (
        "POST",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
        "TestInvokeMethod",
    ),
    ("DELETE", "/tags/{resource_arn}", "UntagResource"),
    ("PATCH", "/account", "UpdateAccount"),
    ("PATCH", "/apikeys/{api_Key}", "UpdateApiKey"),
    (
        "PATCH",
        "/restapis/{restapi_id}/authorizers/{authorizer_id}",
        "UpdateAuthorizer",
    ),
    (
        "PATCH",
        "/domainnames/{domain_name}/basepathmappings/{base_path}",
        "UpdateBasePathMapping",
    ),
    (
        "PATCH",
        "/clientcertificates/{clientcertificate_id}",
        "UpdateClientCertificate",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/deployments/{deployment_id}",
        "UpdateDeployment",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/documentation/parts/{part_id}",
        "UpdateDocumentationPart",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/documentation/versions/{doc_version}",
        "UpdateDocumentationVersion",
    ),
    ("PATCH", "/domainnames/{domain_name}", "UpdateDomainName"),
    (
        "PATCH",
        "/restapis/{restapi_id}/gatewayresponses/{response_type}",
        "UpdateGatewayResponse",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
        "UpdateIntegration",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/responses/{status_code}",
        "UpdateIntegrationResponse",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
        "UpdateMethod",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/{status_code}",
        "UpdateMethodResponse",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/models/{model_name}",
        "UpdateModel",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/requestvalidators/{requestvalidator_id}",
        "UpdateRequestValidator",
    ),
    (
        "PATCH",
        "/restapis/{restapi_id}/resources/{resource_id}",
        "UpdateResource",
    ),
    ("PATCH", "/restapis/{restapi_id}", "UpdateRestApi"),
    (
        "PATCH",
        "/restapis/{restapi_id}/stages/{stage_name}",
        "UpdateStage",
    ),
    (
        "PATCH",
        "/usageplans/{usageplanId}/keys/{keyId}/usage",
        "UpdateUsage",
    ),
    ("PATCH", "/usageplans/{usageplanId}", "UpdateUsagePlan"),
    ("PATCH", "/vpclinks/{vpclink_id}", "UpdateVpcLink"),
];

/// The handler of a supported operation.
fn handler(op: &str, filter: MethodFilter) -> Option<MethodRouter<ControlState>> {
    Some(match op {
        "CreateRestApi" => on(filter, rest_api::create_rest_api),
        "GetRestApi" => on(filter, rest_api::get_rest_api),
        "GetRestApis" => on(filter, rest_api::get_rest_apis),
        "UpdateRestApi" => on(filter, rest_api::update_rest_api),
        "DeleteRestApi" => on(filter, rest_api::delete_rest_api),
        "ImportRestApi" => on(filter, rest_api::create_rest_api),
        "PutRestApi" => on(filter, import::put_rest_api),
        "GetExport" => on(filter, export::get_export),
        "GetModelTemplate" => on(filter, model::get_model_template),
        "GetSdkTypes" => on(filter, sdk::get_sdk_types),
        "GetSdkType" => on(filter, sdk::get_sdk_type),
        "GetSdk" => on(filter, sdk::get_sdk),
        "CreateDocumentationPart" => on(filter, documentation::create_documentation_part),
        "GetDocumentationPart" => on(filter, documentation::get_documentation_part),
        "GetDocumentationParts" => on(filter, documentation::get_documentation_parts),
        "UpdateDocumentationPart" => on(filter, documentation::update_documentation_part),
        "DeleteDocumentationPart" => on(filter, documentation::delete_documentation_part),
        "ImportDocumentationParts" => on(filter, documentation::import_documentation_parts),
        "CreateDocumentationVersion" => on(filter, documentation::create_documentation_version),
        "GetDocumentationVersion" => on(filter, documentation::get_documentation_version),
        "GetDocumentationVersions" => on(filter, documentation::get_documentation_versions),
        "UpdateDocumentationVersion" => on(filter, documentation::update_documentation_version),
        "DeleteDocumentationVersion" => on(filter, documentation::delete_documentation_version),
        "CreateResource" => on(filter, resource::create_resource),
        "GetResource" => on(filter, resource::get_resource),
        "GetResources" => on(filter, resource::get_resources),
        "UpdateResource" => on(filter, resource::update_resource),
        "DeleteResource" => on(filter, resource::delete_resource),
        "PutMethod" => on(filter, method::put_method),
        "GetMethod" => on(filter, method::get_method),
        "UpdateMethod" => on(filter, method::update_method),
        "DeleteMethod" => on(filter, method::delete_method),
        "PutMethodResponse" => on(filter, method::put_method_response),
        "GetMethodResponse" => on(filter, method::get_method_response),
        "UpdateMethodResponse" => on(filter, method::update_method_response),
        "DeleteMethodResponse" => on(filter, method::delete_method_response),
        "PutIntegration" => on(filter, integration::put_integration),
        "GetIntegration" => on(filter, integration::get_integration),
        "UpdateIntegration" => on(filter, integration::update_integration),
        "DeleteIntegration" => on(filter, integration::delete_integration),
        "PutIntegrationResponse" => on(filter, integration::put_integration_response),
        "GetIntegrationResponse" => on(filter, integration::get_integration_response),
        "UpdateIntegrationResponse" => on(filter, integration::update_integration_response),
        "DeleteIntegrationResponse" => on(filter, integration::delete_integration_response),
        "CreateDeployment" => on(filter, deployment::create_deployment),
        "GetDeployment" => on(filter, deployment::get_deployment),
        "GetDeployments" => on(filter, deployment::get_deployments),
        "UpdateDeployment" => on(filter, deployment::update_deployment),
        "DeleteDeployment" => on(filter, deployment::delete_deployment),
        "CreateStage" => on(filter, stage::create_stage),
        "GetStage" => on(filter, stage::get_stage),
        "GetStages" => on(filter, stage::get_stages),
        "UpdateStage" => on(filter, stage::update_stage),
        "DeleteStage" => on(filter, stage::delete_stage),
        "FlushStageCache" => on(filter, stage::flush_stage_cache),
        "FlushStageAuthorizersCache" => on(filter, stage::flush_stage_authorizers_cache),
        "CreateModel" => on(filter, model::create_model),
        "GetModel" => on(filter, model::get_model),
        "GetModels" => on(filter, model::get_models),
        "UpdateModel" => on(filter, model::update_model),
        "DeleteModel" => on(filter, model::delete_model),
        "CreateAuthorizer" => on(filter, authorizer::create_authorizer),
        "GetAuthorizer" => on(filter, authorizer::get_authorizer),
        "TestInvokeAuthorizer" => on(filter, authorizer::test_invoke_authorizer),
        "GetAuthorizers" => on(filter, authorizer::get_authorizers),
        "UpdateAuthorizer" => on(filter, authorizer::update_authorizer),
        "DeleteAuthorizer" => on(filter, authorizer::delete_authorizer),
        "CreateRequestValidator" => on(filter, validator::create_request_validator),
        "GetRequestValidator" => on(filter, validator::get_request_validator),
        "GetRequestValidators" => on(filter, validator::get_request_validators),
        "UpdateRequestValidator" => on(filter, validator::update_request_validator),
        "DeleteRequestValidator" => on(filter, validator::delete_request_validator),
        "PutGatewayResponse" => on(filter, gateway_response::put_gateway_response),
        "GetGatewayResponse" => on(filter, gateway_response::get_gateway_response),
        "GetGatewayResponses" => on(filter, gateway_response::get_gateway_responses),
        "UpdateGatewayResponse" => on(filter, gateway_response::update_gateway_response),
        "DeleteGatewayResponse" => on(filter, gateway_response::delete_gateway_response),
        "TagResource" => on(filter, tags::tag_resource),
        "UntagResource" => on(filter, tags::untag_resource),
        "GetTags" => on(filter, tags::get_tags),
        "GetAccount" => on(filter, account::get_account),
        "CreateVpcLink" => on(filter, vpc_link::create_vpc_link),
        "GetVpcLink" => on(filter, vpc_link::get_vpc_link),
        "GetVpcLinks" => on(filter, vpc_link::get_vpc_links),
        "UpdateVpcLink" => on(filter, vpc_link::update_vpc_link),
        "DeleteVpcLink" => on(filter, vpc_link::delete_vpc_link),
        "GenerateClientCertificate" => on(filter, client_certificate::generate_client_certificate),
        "GetClientCertificate" => on(filter, client_certificate::get_client_certificate),
        "GetClientCertificates" => on(filter, client_certificate::get_client_certificates),
        "UpdateClientCertificate" => on(filter, client_certificate::update_client_certificate),
        "DeleteClientCertificate" => on(filter, client_certificate::delete_client_certificate),
        "UpdateAccount" => on(filter, account::update_account),
        "CreateApiKey" => on(filter, api_key::create_api_key),
        "ImportApiKeys" => on(filter, api_key::create_api_key),
        "GetApiKey" => on(filter, api_key::get_api_key),
        "GetApiKeys" => on(filter, api_key::get_api_keys),
        "UpdateApiKey" => on(filter, api_key::update_api_key),
        "DeleteApiKey" => on(filter, api_key::delete_api_key),
        "CreateUsagePlan" => on(filter, usage_plan::create_usage_plan),
        "GetUsagePlan" => on(filter, usage_plan::get_usage_plan),
        "GetUsagePlans" => on(filter, usage_plan::get_usage_plans),
        "UpdateUsagePlan" => on(filter, usage_plan::update_usage_plan),
        "DeleteUsagePlan" => on(filter, usage_plan::delete_usage_plan),
        "CreateUsagePlanKey" => on(filter, usage_plan::create_usage_plan_key),
        "GetUsagePlanKey" => on(filter, usage_plan::get_usage_plan_key),
        "GetUsagePlanKeys" => on(filter, usage_plan::get_usage_plan_keys),
        "DeleteUsagePlanKey" => on(filter, usage_plan::delete_usage_plan_key),
        "GetUsage" => on(filter, usage_plan::get_usage),
        "UpdateUsage" => on(filter, usage_plan::update_usage),
        "TestInvokeMethod" => on(filter, test_invoke::test_invoke_method),
        "CreateDomainName" => on(filter, domain_name::create_domain_name),
        "GetDomainName" => on(filter, domain_name::get_domain_name),
        "GetDomainNames" => on(filter, domain_name::get_domain_names),
        "UpdateDomainName" => on(filter, domain_name::update_domain_name),
        "DeleteDomainName" => on(filter, domain_name::delete_domain_name),
        "CreateBasePathMapping" => on(filter, base_path_mapping::create_base_path_mapping),
        "GetBasePathMapping" => on(filter, base_path_mapping::get_base_path_mapping),
        "GetBasePathMappings" => on(filter, base_path_mapping::get_base_path_mappings),
        "UpdateBasePathMapping" => on(filter, base_path_mapping::update_base_path_mapping),
        "DeleteBasePathMapping" => on(filter, base_path_mapping::delete_base_path_mapping),
        _ => return None,
    })
}

/// Whether an operation has a handler.
pub fn is_supported(op: &str) -> bool {
    handler(op, MethodFilter::GET).is_some()
}

fn filter(method: &str) -> MethodFilter {
    match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        _ => MethodFilter::HEAD,
    }
}

fn not_supported(op: &'static str, filter: MethodFilter) -> MethodRouter<ControlState> {
    on(filter, move || async move {
        ApiError::NotImplemented(format!(
            "The operation {op} is not supported by Proscenium yet"
        ))
        .into_response()
    })
}

async fn unknown(req: Request) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    ApiError::NotFound(format!("No operation matches {method} {path}")).into_response()
}

/// The management API as an axum router, authentication layer included.
pub fn router(state: ControlState) -> Router {
    let mut paths: std::collections::BTreeMap<&str, MethodRouter<ControlState>> =
        Default::default();
    let mut seen = std::collections::BTreeSet::new();
    // Supported operations first, so that `POST /restapis` is CreateRestApi (which also
    // answers `?mode=import`) rather than ImportRestApi.
    let mut ops: Vec<_> = OPERATIONS.iter().collect();
    ops.sort_by_key(|(_, _, op)| !is_supported(op));
    for (method, path, op) in ops {
        if !seen.insert((*method, *path)) {
            continue;
        }
        let f = filter(method);
        let mr = handler(op, f).unwrap_or_else(|| not_supported(op, f));
        let entry = paths.remove(path).unwrap_or_default();
        paths.insert(path, entry.merge(mr));
    }
    let mut r = Router::new();
    for (path, mr) in paths {
        r = r.route(path, mr);
    }
    // AWS answers `GET /restapis/` (an empty API id) as GetRestApis.
    r = r.route("/restapis/", on(MethodFilter::GET, rest_api::get_rest_apis));
    r.fallback(unknown)
        .method_not_allowed_fallback(unknown)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::authenticate,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_all_124_operations_once() {
        let names: std::collections::BTreeSet<_> =
            OPERATIONS.iter().map(|(_, _, op)| *op).collect();
        assert_eq!(OPERATIONS.len(), 124);
        assert_eq!(names.len(), 124);
    }

    #[test]
    fn the_compatibility_page_names_every_operation_with_its_state() {
        let doc = include_str!("../../../docs/compatibility.md");
        for (_, _, op) in OPERATIONS {
            let state = if is_supported(op) {
                "supported"
            } else {
                "not yet"
            };
            let line = doc
                .lines()
                .find(|l| l.starts_with(&format!("| {op} |")))
                .unwrap_or_else(|| panic!("docs/compatibility.md lacks {op}"));
            assert!(
                line.contains(state),
                "docs/compatibility.md says the wrong state for {op}: {line}"
            );
        }
    }
}
