//! One module per AWS resource family; functions are named after the AWS operation.

pub mod account;
pub mod api_key;
pub mod authorizer;
pub mod base_path_mapping;
pub mod client_certificate;
pub mod common;
pub mod deployment;
pub mod documentation;
pub mod domain_name;
pub mod export;
pub mod gateway_response;
pub mod import;
pub mod integration;
pub mod method;
pub mod model;
pub mod resource;
pub mod rest_api;
pub mod sdk;
pub mod stage;
pub mod tags;
pub mod test_invoke;
pub mod usage_plan;
pub mod validator;
pub mod vpc_link;
