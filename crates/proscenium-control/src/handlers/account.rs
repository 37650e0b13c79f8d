//! GetAccount and UpdateAccount (CloudWatch role, features, and the account-level throttle
//! that the data plane enforces).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use proscenium_model::Account;

use crate::ControlState;
use crate::error::ApiResult;
use crate::extract::{Caller, ok};
use crate::patch::{self, Op};

pub async fn get_account(State(st): State<ControlState>, caller: Caller) -> ApiResult<Response> {
    let a = st
        .store
        .get_account(&caller.scope)
        .await?
        .unwrap_or_default();
    ok(&a)
}

pub async fn update_account(
    State(st): State<ControlState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let ops = patch::parse(&body, "updateAccountInput")?;
    let _guard = st.write_lock.lock().await;
    let mut a: Account = st
        .store
        .get_account(&caller.scope)
        .await?
        .unwrap_or_default();
    for op in &ops {
        match (op.op, op.path.as_str()) {
            (Op::Replace, "/cloudwatchRoleArn") => {
                a.cloudwatch_role_arn = op.value.clone().filter(|v| !v.is_empty())
            }
            (Op::Replace, "/throttleSettings/rateLimit" | "/throttle/rateLimit") => {
                a.throttle_settings.rate_limit = op.double_value()?;
            }
            (Op::Replace, "/throttleSettings/burstLimit" | "/throttle/burstLimit") => {
                a.throttle_settings.burst_limit = op.int_value()?;
            }
            (Op::Add, "/features") => {
                let f = op.value()?.to_string();
                if !a.features.contains(&f) {
                    a.features.push(f);
                }
            }
            (Op::Remove, "/features") => a
                .features
                .retain(|f| Some(f.as_str()) != op.value.as_deref()),
            _ => {
                return Err(op.invalid_path(&[
                    "/cloudwatchRoleArn",
                    "/features",
                    "/throttleSettings/rateLimit",
                    "/throttleSettings/burstLimit",
                ]));
            }
        }
    }
    st.store.put_account(&caller.scope, &a).await?;
    ok(&a)
}
