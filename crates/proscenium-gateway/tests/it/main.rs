//! End-to-end tests of the data plane over real loopback sockets: a MemoryStore, the gateway
//! served with hyper-util's auto builder, and backends started by the tests.

mod api_keys;
mod aws_service;
mod backend_wire;
mod caching;
mod canary;
mod http_integration;
mod http_proxy;
mod lambda;
mod limits;
mod mock;
mod observability;
mod snapshots;
mod support;
mod throttling;
