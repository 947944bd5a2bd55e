//! `TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are
//! believed. Anyone else could write those headers, so they are ignored unless the connection
//! comes from one of these.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{ConfigReport, rules::Lookup};

/// Reads the comma-separated addresses and CIDR ranges, reporting each one that is neither.
pub(super) fn read_trusted_proxies(lookup: Lookup<'_>, report: &mut ConfigReport) -> Vec<IpNet> {
    let Some(raw) = lookup("TRUSTED_PROXIES") else {
        return Vec::new();
    };
    let mut proxies = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match parse_proxy(entry) {
            Some(net) => proxies.push(net),
            None => report.add(
                "TRUSTED_PROXIES",
                format!(
                    "`{entry}` is not an address or CIDR range such as 10.0.0.5, 10.0.0.0/8 or fd00::/8"
                ),
            ),
        }
    }
    proxies
}

/// An address is a range of one (`/32` or `/128`).
fn parse_proxy(entry: &str) -> Option<IpNet> {
    if let Ok(net) = entry.parse::<IpNet>() {
        return Some(net.trunc());
    }
    entry.parse::<IpAddr>().ok().map(IpNet::from)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::Settings;

    fn with(value: &str) -> Result<Settings, crate::config::ConfigReport> {
        Settings::from_map(&HashMap::from([(
            "TRUSTED_PROXIES".to_string(),
            value.to_string(),
        )]))
    }

    #[test]
    fn addresses_and_ranges_are_read() {
        let settings = with("10.0.0.5, 172.16.0.0/12,fd00::/8 ,::1").unwrap();
        let shown: Vec<String> = settings
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            ["10.0.0.5/32", "172.16.0.0/12", "fd00::/8", "::1/128"]
        );
        assert!(with("").unwrap().trusted_proxies.is_empty());
    }

    #[test]
    fn anything_else_is_reported_by_name() {
        let report = with("10.0.0.5, proxy.internal, 10.0.0.0/33").unwrap_err();
        let text = report.to_string();
        assert!(text.contains("`proxy.internal`"), "{text}");
        assert!(text.contains("`10.0.0.0/33`"), "{text}");
        assert_eq!(report.problems.len(), 2);
    }
}
