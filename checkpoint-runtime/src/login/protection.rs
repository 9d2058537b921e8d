//! Session protection (Flask-Login's `session_protection`): a login remembers which client made
//! it, and a request with that login from another client loses its freshness (`Basic`) or the
//! login itself (`Strong`).
//!
//! The client is a SHA-256 (its first 128 bits) of its address and `User-Agent`, stored in the session under
//! [`CLIENT_KEY`] at every login. A speed bump against a stolen session cookie replayed from
//! elsewhere, not authentication: a thief on the same network with the same browser passes.

use std::net::IpAddr;

use actix_session::SessionExt;
use actix_web::{http::header::USER_AGENT, HttpRequest};
use sha2::{Digest, Sha256};

/// The session key holding the identifier of the client that logged in (Flask-Login's `_id`).
pub const CLIENT_KEY: &str = "_id";

/// What a request with a login made by another client loses (Flask-Login's
/// `session_protection`). The default is [`Basic`](Self::Basic), as in Flask-Login; turn it off
/// with [`LoginManager::no_session_protection`](crate::LoginManager::no_session_protection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionProtection {
    /// The login is no longer fresh: `#[fresh_login_required]` asks for the password again.
    #[default]
    Basic,
    /// The login is removed (the session purged, the remember cookie cleared): the request is
    /// anonymous.
    Strong,
}

/// Which address identifies the client for [`SessionProtection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAddress {
    /// The address of the connection's peer (the default). Behind a reverse proxy that is the
    /// proxy's, the same for every client, so only the `User-Agent` tells clients apart; but a
    /// client cannot choose it.
    #[default]
    Peer,
    /// actix-web's [`realip_remote_addr`](actix_web::dev::ConnectionInfo::realip_remote_addr):
    /// the `Forwarded` or `X-Forwarded-For` header, else the peer. Right only behind a proxy
    /// that sets these headers and drops a client's own (any client can send them); Flask-Login
    /// reads `X-Forwarded-For` this way.
    Forwarded,
}

/// The identifier of `req`'s client: the first 128 bits of the SHA-256 of its address and
/// `User-Agent` (plenty against collisions, and half the bytes to encode and compare on every
/// request), in hex between quotes, as actix-session stores a JSON string, so that it
/// compares with the stored value as it is. On the stack: no allocation on the request path.
pub(crate) fn client_identifier(req: &HttpRequest, address: ClientAddress) -> [u8; 34] {
    let mut hasher = Sha256::new();
    match address {
        ClientAddress::Peer => match req.peer_addr().map(|peer| peer.ip()) {
            Some(IpAddr::V4(ip)) => hasher.update(ip.octets()),
            Some(IpAddr::V6(ip)) => hasher.update(ip.octets()),
            None => {}
        },
        ClientAddress::Forwarded => {
            if let Some(ip) = req.connection_info().realip_remote_addr() {
                hasher.update(ip_of(ip));
            }
        }
    }
    hasher.update(b"|");
    if let Some(agent) = req.headers().get(USER_AGENT) {
        hasher.update(agent.as_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut quoted = [b'"'; 34];
    for (i, byte) in hasher.finalize().into_iter().take(16).enumerate() {
        quoted[1 + 2 * i] = HEX[usize::from(byte >> 4)];
        quoted[2 + 2 * i] = HEX[usize::from(byte & 0xf)];
    }
    quoted
}

/// The address of `host` without its port (`realip_remote_addr` may keep one).
fn ip_of(host: &str) -> &str {
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    match host.split_once(':') {
        // One colon: `ip:port`. More: a bare IPv6 address.
        Some((ip, port)) if !port.contains(':') => ip,
        _ => host,
    }
}

/// Stores `req`'s client identifier in its session, at a login.
pub(crate) fn remember_client(
    req: &HttpRequest,
    address: ClientAddress,
) -> Result<(), actix_session::SessionInsertError> {
    let identifier = client_identifier(req, address);
    // The hex between the quotes, which the session stores as the JSON string it was.
    let hex = std::str::from_utf8(&identifier[1..33]).unwrap_or_default();
    req.get_session().insert(CLIENT_KEY, hex)
}

/// Whether `req` comes from the client that logged its session in.
pub(crate) fn same_client(req: &HttpRequest, address: ClientAddress) -> bool {
    let identifier = client_identifier(req, address);
    let session = req.get_session();
    let entries = session.entries();
    // A plain comparison: what it could leak through timing is the stored hash, and no client
    // can make a SHA-256 prefix of its own choosing from the address it connects from.
    entries
        .get(CLIENT_KEY)
        .is_some_and(|stored| stored.as_bytes() == identifier)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn request(peer: &str, agent: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default()
            .peer_addr(peer.parse().unwrap())
            .insert_header((USER_AGENT, agent));
        if let Some(forwarded) = forwarded {
            req = req.insert_header(("x-forwarded-for", forwarded));
        }
        req.to_http_request()
    }

    #[test]
    fn the_client_is_its_address_and_agent() {
        let a = request("10.0.0.1:5000", "Firefox", None);
        let same = request("10.0.0.1:6000", "Firefox", None);
        let other_ip = request("10.0.0.2:5000", "Firefox", None);
        let other_agent = request("10.0.0.1:5000", "Chrome", None);
        let id = |req: &HttpRequest| client_identifier(req, ClientAddress::Peer);
        assert_eq!(id(&a), id(&same), "the port is not the client");
        assert_ne!(id(&a), id(&other_ip));
        assert_ne!(id(&a), id(&other_agent));
        let quoted = id(&a);
        assert!(quoted[0] == b'"' && quoted[33] == b'"');
        assert!(quoted[1..33].iter().all(u8::is_ascii_hexdigit));
    }

    #[test]
    fn forwarded_headers_count_only_when_trusted() {
        let spoofed = request("10.0.0.1:5000", "Firefox", Some("203.0.113.9"));
        let plain = request("10.0.0.1:5000", "Firefox", None);
        assert_eq!(
            client_identifier(&spoofed, ClientAddress::Peer),
            client_identifier(&plain, ClientAddress::Peer),
            "by default a client's own X-Forwarded-For changes nothing"
        );
        assert_ne!(
            client_identifier(&spoofed, ClientAddress::Forwarded),
            client_identifier(&plain, ClientAddress::Forwarded)
        );
    }

    #[test]
    fn same_client_compares_with_the_stored_identifier() {
        let req = request("10.0.0.1:5000", "Firefox", None);
        assert!(!same_client(&req, ClientAddress::Peer), "nothing stored");
        remember_client(&req, ClientAddress::Peer).unwrap();
        assert!(same_client(&req, ClientAddress::Peer));
        req.get_session()
            .insert(CLIENT_KEY, "someone else")
            .unwrap();
        assert!(!same_client(&req, ClientAddress::Peer));
    }

    #[test]
    fn ports_are_cut_from_addresses() {
        assert_eq!(ip_of("203.0.113.9"), "203.0.113.9");
        assert_eq!(ip_of("203.0.113.9:443"), "203.0.113.9");
        assert_eq!(ip_of("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(ip_of("2001:db8::1"), "2001:db8::1");
        assert_eq!(ip_of(""), "");
    }
}
