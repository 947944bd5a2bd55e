//! The client's address, as rate limits, the audit log and the request log see it.
//!
//! It is the socket peer — unless the peer is one of `TRUSTED_PROXIES`. Then the forwarding
//! chain is read from the right (the hop the trusted proxy itself saw) leftwards, skipping
//! trusted proxies, and the first address not trusted is the client. Entries further left were
//! written by the client and could say anything, so they are never used.
//!
//! `X-Forwarded-For` is read when present (every common proxy appends to it); `Forwarded`
//! (RFC 7239) only when it is absent, so a client cannot slip in a second chain that a proxy
//! which only maintains `X-Forwarded-For` would pass along untouched.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The address a request is attributed to (kept in the request's extensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Works out the client's address for a request from `peer` with `headers`.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            // A hop we cannot read ends the walk: the last readable one is all we know.
            None => break,
            Some(address) => {
                client = *address;
                if !is_trusted(*address, trusted) {
                    break;
                }
            }
        }
    }
    client
}

fn is_trusted(address: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&address))
}

/// The hops of the forwarding header, left to right; `None` for one that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    };
    let xff = values("x-forwarded-for");
    if !xff.is_empty() {
        return xff
            .iter()
            .flat_map(|value| value.split(','))
            .map(parse_hop)
            .collect();
    }
    values("forwarded")
        .iter()
        .flat_map(|value| value.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, value)| parse_hop(value))
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`, optionally quoted.
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let value = raw.trim().trim_matches('"');
    if let Ok(address) = value.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    if let Ok(socket) = value.parse::<SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    value
        .strip_prefix('[')
        .and_then(|rest| rest.split(']').next())
        .and_then(|inner| inner.parse::<IpAddr>().ok())
        .map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &spoofed, &[]),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("198.51.100.7"), &spoofed, &nets(&["10.0.0.0/8"])),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &trusted),
            ip("203.0.113.9"),
            "the client-written 1.2.3.4 is never believed"
        );
        // Several header lines form one chain.
        let split = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.10"),
        ]);
        assert_eq!(
            client_address(ip("10.1.1.1"), &split, &trusted),
            ip("203.0.113.10")
        );
        // Without a header, the proxy itself is all we know.
        assert_eq!(
            client_address(ip("10.1.1.1"), &HeaderMap::new(), &trusted),
            ip("10.1.1.1")
        );
        // Garbage stops the walk at the last readable hop.
        let garbage = headers(&[("x-forwarded-for", "203.0.113.5, nonsense, 10.0.0.3")]);
        assert_eq!(
            client_address(ip("10.1.1.1"), &garbage, &trusted),
            ip("10.0.0.3")
        );
        // An IPv4 peer seen through an IPv6 socket is still trusted.
        assert_eq!(
            client_address(ip("::ffff:127.0.0.1"), &chain, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_is_read_only_without_x_forwarded_for() {
        let trusted = nets(&["10.0.0.0/8"]);
        let forwarded = headers(&[(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8::17]:4711\";proto=https, for=10.0.0.9",
        )]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &forwarded, &trusted),
            ip("2001:db8::17")
        );
        let both = headers(&[
            ("forwarded", "for=1.2.3.4"),
            ("x-forwarded-for", "203.0.113.77"),
        ]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &both, &trusted),
            ip("203.0.113.77")
        );
        assert_eq!(parse_hop("192.0.2.1:4711"), Some(ip("192.0.2.1")));
        assert_eq!(parse_hop("unknown"), None);
        assert_eq!(parse_hop("_hidden"), None);
    }
}
