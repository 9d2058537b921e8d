//! Session protection (Flask-Login's `session_protection`): a login remembers which client made
//! it, and a request with that login from another client loses its freshness (`Basic`) or the
//! login itself (`Strong`).
//!
//! The client is a SHA-256 (its first 128 bits) of its address and `User-Agent`, stored in the session under
//! [`CLIENT_KEY`] at every login. A speed bump against a stolen session cookie replayed from
//! elsewhere, not authentication: a thief on the same network with the same browser passes.

use std::net::IpAddr;

use actix_session::SessionExt;
use actix_web::{
    http::header::{HeaderValue, USER_AGENT},
    HttpRequest,
};
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
    let agent = req
        .headers()
        .get(USER_AGENT)
        .map_or(&[][..], HeaderValue::as_bytes);
    match address {
        ClientAddress::Peer => match req.peer_addr().map(|peer| peer.ip()) {
            Some(IpAddr::V4(ip)) => memo::identifier(&ip.octets(), agent),
            Some(IpAddr::V6(ip)) => memo::identifier(&ip.octets(), agent),
            None => memo::identifier(&[], agent),
        },
        ClientAddress::Forwarded => {
            let info = req.connection_info();
            let ip = info.realip_remote_addr().map_or("", ip_of);
            memo::identifier(ip.as_bytes(), agent)
        }
    }
}

/// The identifier of the client at `address` (its bytes) sending `agent`: see
/// [`client_identifier`].
fn hashed_identifier(address: &[u8], agent: &[u8]) -> [u8; 34] {
    let mut hasher = Sha256::new();
    hasher.update(address);
    hasher.update(b"|");
    hasher.update(agent);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut quoted = [b'"'; 34];
    for (i, byte) in hasher.finalize().into_iter().take(16).enumerate() {
        quoted[1 + 2 * i] = HEX[usize::from(byte >> 4)];
        quoted[2 + 2 * i] = HEX[usize::from(byte & 0xf)];
    }
    quoted
}

/// The identifiers a worker thread computed last. A client sends many requests, and its
/// identifier's SHA-256 is most of what session protection costs a request (three compressions
/// for a browser's `User-Agent`, about 3,500 instructions without the CPU's SHA extensions);
/// remembered, it costs a hash to find its slot and a comparison of the bytes. Written by hand
/// because no crate is a fixed-size, allocation-free map: `BENCHMARKS.md` ("Remember me and
/// session protection") has what it saves.
///
/// A slot answers only for exactly the bytes it was computed from (compared in full), so a
/// remembered identifier is the one the hash would give; a client whose slot another took is
/// hashed again. Inputs longer than [`memo::LONGEST`] are always hashed: the memory is bounded.
mod memo {
    use std::{cell::RefCell, hash::BuildHasher};

    use foldhash::fast::FixedState;

    use super::hashed_identifier;

    /// The slots of a thread: a power of two.
    pub(super) const SLOTS: usize = 64;

    /// The longest address and `User-Agent` (together) remembered.
    pub(super) const LONGEST: usize = 512;

    /// An identifier and the address and agent it is of, `address | agent` as hashed. Empty
    /// until used: no input is empty (it holds the `|`).
    struct Slot {
        input: Vec<u8>,
        identifier: [u8; 34],
    }

    impl Slot {
        const EMPTY: Self = Self {
            input: Vec::new(),
            identifier: [0; 34],
        };

        /// Whether this slot holds the identifier of `address` and `agent`.
        fn holds(&self, address: &[u8], agent: &[u8]) -> bool {
            self.input
                .strip_prefix(address)
                .and_then(|rest| rest.strip_prefix(b"|"))
                == Some(agent)
        }
    }

    thread_local! {
        static MEMO: RefCell<[Slot; SLOTS]> = const { RefCell::new([const { Slot::EMPTY }; SLOTS]) };
    }

    /// The slot of `address` and `agent`. Which slot is of no consequence to the answer: an
    /// input that the seed makes share a slot is only hashed more often.
    pub(super) fn slot_of(address: &[u8], agent: &[u8]) -> usize {
        let hash = FixedState::with_seed(0x5e55_1011).hash_one((address, agent));
        (hash >> (u64::BITS - SLOTS.trailing_zeros())) as usize
    }

    /// The identifier of `address` and `agent`, remembered or hashed (and then remembered).
    pub(super) fn identifier(address: &[u8], agent: &[u8]) -> [u8; 34] {
        if address.len() + 1 + agent.len() > LONGEST {
            return hashed_identifier(address, agent);
        }
        let slot = slot_of(address, agent);
        let remembered = MEMO.try_with(|memo| {
            let mut memo = memo.try_borrow_mut().ok()?;
            let slot = &mut memo[slot];
            if !slot.holds(address, agent) {
                slot.identifier = hashed_identifier(address, agent);
                slot.input.clear();
                slot.input.extend_from_slice(address);
                slot.input.push(b'|');
                slot.input.extend_from_slice(agent);
            }
            Some(slot.identifier)
        });
        // Only while the thread ends (its memory gone) is there nothing to ask.
        remembered
            .ok()
            .flatten()
            .unwrap_or_else(|| hashed_identifier(address, agent))
    }

    /// Whether the identifier of `address` and `agent` is remembered on this thread.
    #[cfg(test)]
    pub(super) fn remembers(address: &[u8], agent: &[u8]) -> bool {
        MEMO.with_borrow(|memo| memo[slot_of(address, agent)].holds(address, agent))
    }
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
    fn the_identifier_is_the_sha256_of_address_and_agent() {
        // Pinned: a login stores it, and a version that computed another would take the
        // freshness of every login made before it.
        let firefox = request("10.0.0.1:5000", "Firefox", None);
        assert_eq!(
            &client_identifier(&firefox, ClientAddress::Peer),
            b"\"205fca466f80a9b99fa3875d9c42fb44\""
        );
        let forwarded = request("10.0.0.1:5000", "Firefox", Some("203.0.113.9:443"));
        assert_eq!(
            &client_identifier(&forwarded, ClientAddress::Forwarded),
            b"\"77372a01324d471579133c6257fa3550\""
        );
    }

    #[test]
    fn remembered_identifiers_are_the_hashed_ones() {
        let long = "M".repeat(memo::LONGEST - 5);
        let addresses: [&[u8]; 4] = [b"", &[10, 0, 0, 1], &[0xfe; 16], b"2001:db8::1"];
        let agents: [&[u8]; 5] = [b"", b"Firefox", b"Chrome", b"|", long.as_bytes()];
        // A new thread: the first look-up meets empty slots.
        for round in ["hashed", "remembered"] {
            for address in addresses {
                for agent in agents {
                    assert_eq!(
                        memo::identifier(address, agent),
                        hashed_identifier(address, agent),
                        "{round}: {address:?} {agent:?}"
                    );
                }
            }
        }
        assert!(memo::remembers(&[10, 0, 0, 1], b"Firefox"));
    }

    /// Two inputs that differ, and share a slot: among `SLOTS + 1` inputs, two do.
    fn sharing_a_slot(input: impl Fn(u32) -> (Vec<u8>, Vec<u8>)) -> [(Vec<u8>, Vec<u8>); 2] {
        let mut seen = std::collections::HashMap::new();
        for i in 0..=memo::SLOTS as u32 {
            let (address, agent) = input(i);
            let slot = memo::slot_of(&address, &agent);
            if let Some(other) = seen.insert(slot, (address.clone(), agent.clone())) {
                return [other, (address, agent)];
            }
        }
        unreachable!("{} inputs in {} slots", memo::SLOTS + 1, memo::SLOTS)
    }

    #[test]
    fn a_slot_answers_only_for_the_client_it_holds() {
        let same_address = sharing_a_slot(|i| (vec![10, 0, 0, 1], format!("agent {i:04}").into()));
        let same_agent = sharing_a_slot(|i| (i.to_be_bytes().to_vec(), b"Firefox".to_vec()));
        // An agent that starts as the other ends: only the whole input is the same client.
        let prefix = sharing_a_slot(|i| (vec![10, 0, 0, 1], "a".repeat(i as usize + 1).into()));
        for [(address_a, agent_a), (address_b, agent_b)] in [same_address, same_agent, prefix] {
            assert_ne!((&address_a, &agent_a), (&address_b, &agent_b));
            memo::identifier(&address_a, &agent_a);
            assert!(memo::remembers(&address_a, &agent_a));
            assert!(!memo::remembers(&address_b, &agent_b));
            assert_eq!(
                memo::identifier(&address_b, &agent_b),
                hashed_identifier(&address_b, &agent_b),
                "not the identifier of the client the slot held"
            );
            assert!(
                memo::remembers(&address_b, &agent_b) && !memo::remembers(&address_a, &agent_a)
            );
            assert_eq!(
                memo::identifier(&address_a, &agent_a),
                hashed_identifier(&address_a, &agent_a)
            );
        }
    }

    #[test]
    fn only_inputs_up_to_the_bound_are_remembered() {
        let address = [10, 0, 0, 1];
        let longest = "M".repeat(memo::LONGEST - address.len() - 1);
        let longer = "M".repeat(memo::LONGEST - address.len());
        for agent in [&longest, &longer] {
            assert_eq!(
                memo::identifier(&address, agent.as_bytes()),
                hashed_identifier(&address, agent.as_bytes())
            );
        }
        assert!(memo::remembers(&address, longest.as_bytes()));
        assert!(!memo::remembers(&address, longer.as_bytes()));
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
