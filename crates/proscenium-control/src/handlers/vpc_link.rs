//! CreateVpcLink, GetVpcLink, GetVpcLinks, UpdateVpcLink, DeleteVpcLink. A VPC link is an
//! account-level record: nothing is provisioned, so it is AVAILABLE as soon as it exists
//! (CreateVpcLink still answers PENDING, as AWS does while it provisions). Integrations
//! with `connectionType: VPC_LINK` are served by the data plane like any HTTP integration:
//! the URI's host stands for the load balancer behind the link.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use proscenium_model::id::CHILD_ID_LEN;
use proscenium_model::vpc_link::AVAILABLE_MESSAGE;
use proscenium_model::{StringMap, VpcLink};
use proscenium_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{created_key, finish_validation, page};
use crate::ControlState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, Query, accepted, json, json_body, ok};
use crate::patch::{self, Op};

fn not_found() -> ApiError {
    ApiError::not_found("Invalid Vpc Link identifier specified")
}

/// Which members AWS prints: GetVpcLink and UpdateVpcLink always print `tags`, the listing
/// and CreateVpcLink only when there are some.
fn shape(l: &VpcLink, always_tags: bool) -> Value {
    let mut v = json!({
        "id": l.id,
        "name": l.name,
        "targetArns": l.target_arns,
        "status": l.status,
    });
    if let Some(d) = &l.description {
        v["description"] = json!(d);
    }
    if let Some(m) = &l.status_message {
        v["statusMessage"] = json!(m);
    }
    if always_tags || !l.tags.is_empty() {
        v["tags"] = json!(l.tags);
    }
    v
}

/// AWS's check of a target ARN: `arn:partition:service:region:account:resource`.
fn check_arn(arn: &str) -> ApiResult<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let well_formed = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty();
    if well_formed {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid ARN. ARN is not well formed {arn}"
        )))
    }
}

fn check_name(name: &str) -> ApiResult<()> {
    if name.is_empty() {
        Err(ApiError::bad_request("Name cannot be empty"))
    } else {
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateVpcLinkRequest {
    name: Option<String>,
    description: Option<String>,
    target_arns: Option<Vec<String>>,
    #[serde(default)]
    tags: StringMap,
}

pub async fn create_vpc_link(
    State(st): State<ControlState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let req: CreateVpcLinkRequest = json_body(&body)?;
    let mut errors = Vec::new();
    if req.name.is_none() {
        errors.push("Value null at 'createVpcLinkInput.name' failed to satisfy constraint: Member must not be null".to_string());
    }
    if req.target_arns.is_none() {
        errors.push("Value null at 'createVpcLinkInput.targetArns' failed to satisfy constraint: Member must not be null".to_string());
    }
    finish_validation(errors)?;
    let name = req.name.unwrap_or_default();
    let target_arns = req.target_arns.unwrap_or_default();
    check_name(&name)?;
    for arn in &target_arns {
        check_arn(arn)?;
    }
    let link = VpcLink {
        id: st.new_id(CHILD_ID_LEN),
        name,
        description: req.description.filter(|d| !d.is_empty()),
        target_arns,
        status: "AVAILABLE".into(),
        status_message: Some(AVAILABLE_MESSAGE.into()),
        tags: req.tags,
        created_date: st.now(),
    };
    st.store.put_vpc_link(&caller.scope, &link).await?;
    // AWS answers while it provisions: PENDING, without a status message.
    let mut answer = shape(&link, false);
    answer["status"] = json!("PENDING");
    if let Some(o) = answer.as_object_mut() {
        o.remove("statusMessage");
    }
    Ok(json(StatusCode::ACCEPTED, &answer))
}

async fn load(st: &ControlState, caller: &Caller, id: &str) -> ApiResult<VpcLink> {
    match st.store.get_vpc_link(&caller.scope, id).await {
        Err(StoreError::NotFound) => Err(not_found()),
        other => Ok(other?),
    }
}

pub async fn get_vpc_link(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    ok(&shape(&load(&st, &caller, &id).await?, true))
}

pub async fn get_vpc_links(
    State(st): State<ControlState>,
    caller: Caller,
    q: Query,
) -> ApiResult<Response> {
    let mut links = st.store.list_vpc_links(&caller.scope).await?;
    links.sort_by(|a, b| {
        a.created_date
            .total_cmp(&b.created_date)
            .then(a.id.cmp(&b.id))
    });
    let items = links
        .iter()
        .map(|l| (created_key(l.created_date, &l.id), shape(l, false)))
        .collect();
    ok(&page(items, &q)?)
}

pub async fn update_vpc_link(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateVpcLinkInput")?;
    let _guard = st.write_lock.lock().await;
    let mut link = load(&st, &caller, &id).await?;
    for op in &ops {
        match (op.op, op.path.as_str()) {
            (Op::Replace, "/name") => {
                let name = op.value.clone().unwrap_or_default();
                check_name(&name)?;
                link.name = name;
            }
            (Op::Replace, "/description") => {
                link.description = op.value.clone().filter(|d| !d.is_empty())
            }
            _ => return Err(op.invalid_path(&["/name", "/description"])),
        }
    }
    st.store.put_vpc_link(&caller.scope, &link).await?;
    ok(&shape(&link, true))
}

pub async fn delete_vpc_link(
    State(st): State<ControlState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let _guard = st.write_lock.lock().await;
    match st.store.delete_vpc_link(&caller.scope, &id).await {
        Err(StoreError::NotFound) => Err(not_found()),
        other => {
            other?;
            accepted()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_arns_must_be_well_formed() {
        assert!(
            check_arn("arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/n/1")
                .is_ok()
        );
        for bad in [
            "invalid-arn",
            "arn:aws:elb",
            "arn::elb:r:a:x",
            "arn:aws:elb:r:a:",
        ] {
            assert_eq!(
                check_arn(bad).unwrap_err().message(),
                format!("Invalid ARN. ARN is not well formed {bad}")
            );
        }
    }

    #[test]
    fn tags_are_printed_where_aws_prints_them() {
        let l = VpcLink {
            id: "v1".into(),
            name: "n".into(),
            description: None,
            target_arns: vec![],
            status: "AVAILABLE".into(),
            status_message: None,
            tags: StringMap::new(),
            created_date: 0.0,
        };
        assert_eq!(shape(&l, true)["tags"], json!({}));
        assert!(shape(&l, false).get("tags").is_none());
        assert!(shape(&l, false).get("description").is_none());
    }
}
