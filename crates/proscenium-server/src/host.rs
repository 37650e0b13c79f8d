//! DNS rebinding defence: which `Host` the management API, the console and the metrics answer
//! to while no credentials are configured. A page on `evil.example` whose name the attacker
//! re-points at 127.0.0.1 reaches the listener with `Host: evil.example:PORT` and no
//! `Origin` for a same-origin request; only names the gateway knows as its own are served:
//! `localhost` (and `*.localhost`, which browsers resolve to loopback themselves), loopback
//! addresses, the address the connection arrived on, and names given with `--allowed-host`.
//!
//! Pure: no I/O. Invocations never pass here (a stage answers whatever name reaches it).

use std::net::{IpAddr, SocketAddr};

/// The names served besides the built-in ones.
#[derive(Clone, Debug, Default)]
pub struct HostPolicy {
    /// `(name, port)`, name lowercased; `None` port: any.
    allowed: Vec<(String, Option<u16>)>,
}

impl HostPolicy {
    /// `allowed`: `name` or `name:port` entries (`--allowed-host`).
    pub fn new(allowed: &[String]) -> HostPolicy {
        HostPolicy {
            allowed: allowed
                .iter()
                .filter_map(|h| split(h))
                .map(|(n, p)| (normalise(n), p))
                .collect(),
        }
    }

    /// Whether a request with this `Host` (or `:authority`), arriving on `local`, is served.
    /// No host at all is refused (every browser sends one).
    pub fn allows(&self, host: Option<&str>, local: SocketAddr) -> bool {
        let Some((name, port)) = host.and_then(split) else {
            return false;
        };
        let name = normalise(name);
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        if let Ok(ip) = name.parse::<IpAddr>() {
            return ip.is_loopback() || ip.to_canonical() == local.ip().to_canonical();
        }
        self.allowed
            .iter()
            .any(|(n, p)| *n == name && p.is_none_or(|p| Some(p) == port))
    }
}

/// Lowercased, without the trailing dot of a fully qualified name.
fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// `name[:port]` or `[v6][:port]` → (name without brackets, port); `None` when malformed.
fn split(host: &str) -> Option<(&str, Option<u16>)> {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        return Some((ip, port));
    }
    match host.rsplit_once(':') {
        // A bare IPv6 address has colons but no port.
        Some((name, _)) if name.contains(':') => Some((host, None)),
        Some((name, port)) => Some((name, Some(port.parse().ok()?))),
        None if host.is_empty() => None,
        None => Some((host, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> SocketAddr {
        "127.0.0.1:4566".parse().unwrap()
    }

    #[test]
    fn loopback_names_and_addresses_are_served() {
        let p = HostPolicy::default();
        for host in [
            "127.0.0.1:4566",
            "127.0.0.1",
            "localhost",
            "LOCALHOST:4566",
            "localhost.:4566",
            "console.localhost:4566",
            "[::1]:4566",
            "[::1]",
            "127.1.2.3:9",
        ] {
            assert!(p.allows(Some(host), local()), "{host}");
        }
    }

    #[test]
    fn foreign_names_are_refused_unless_allowed() {
        let p = HostPolicy::default();
        for host in [
            "evil.example:4566",
            "evil.example",
            "localhost.evil.example",
            "10.0.0.1:4566",
            "",
            "evil.example:notaport",
            "[::1",
        ] {
            assert!(!p.allows(Some(host), local()), "{host}");
        }
        assert!(!p.allows(None, local()), "no Host at all");
        let p = HostPolicy::new(&["gw.internal".into(), "Other.Example:8080".into()]);
        assert!(p.allows(Some("gw.internal:4566"), local()));
        assert!(p.allows(Some("GW.internal"), local()));
        assert!(p.allows(Some("other.example:8080"), local()));
        assert!(
            !p.allows(Some("other.example:8081"), local()),
            "the port given must match"
        );
        assert!(!p.allows(Some("evil.example:4566"), local()));
    }

    #[test]
    fn the_address_the_connection_arrived_on_is_served() {
        let p = HostPolicy::default();
        let public: SocketAddr = "10.0.0.5:4566".parse().unwrap();
        assert!(p.allows(Some("10.0.0.5:4566"), public));
        assert!(!p.allows(Some("10.0.0.6:4566"), public));
        let mapped: SocketAddr = "[::ffff:10.0.0.5]:4566".parse().unwrap();
        assert!(
            p.allows(Some("10.0.0.5:4566"), mapped),
            "IPv4 on a dual-stack socket"
        );
    }
}
