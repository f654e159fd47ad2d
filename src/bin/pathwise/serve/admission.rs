//! Which connections the server takes: at most so many in all, and at most so many from one
//! client address, so that one client holding connections open cannot take every slot.
//!
//! A client is an IPv4 address, or an IPv6 /64 prefix (one host usually owns a whole /64, so
//! counting single IPv6 addresses would let it open a fresh one per connection). An admitted
//! connection holds a [`Ticket`]; dropping it, however the connection ends, frees the slot.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};

/// The key connections are counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Client(IpAddr);

impl Client {
    /// The client an address belongs to: IPv4 (also written IPv4-mapped in IPv6) as it is,
    /// IPv6 by its /64.
    pub fn of(address: IpAddr) -> Client {
        match address {
            IpAddr::V4(v4) => Client(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !(u128::from(u64::MAX));
                    Client(IpAddr::V6(Ipv6Addr::from(prefix)))
                }
            },
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Every slot is taken.
    Full,
    /// This client already holds its share of slots.
    ClientFull,
}

impl Refusal {
    /// The reason sent with the 503.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Full => "too many connections; retry shortly",
            Refusal::ClientFull => "too many connections from your address; retry shortly",
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_client: HashMap<Client, usize>,
}

/// The connection counts, shared by the accept loop and every connection's ticket.
#[derive(Debug, Clone)]
pub struct Admission {
    counts: Arc<Mutex<Counts>>,
    max_total: usize,
    max_per_client: Option<usize>,
}

impl Admission {
    /// At most `max_total` connections, and at most `max_per_client` from one client (`None`:
    /// no per-client limit, as behind a load balancer whose own address every connection has).
    pub fn new(max_total: usize, max_per_client: Option<usize>) -> Admission {
        Admission {
            counts: Arc::default(),
            max_total,
            max_per_client,
        }
    }

    /// Takes a slot for a connection from `address`, or says why not.
    pub fn admit(&self, address: IpAddr) -> Result<Ticket, Refusal> {
        let client = Client::of(address);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.total >= self.max_total {
            return Err(Refusal::Full);
        }
        let held = counts.by_client.get(&client).copied().unwrap_or(0);
        if self.max_per_client.is_some_and(|max| held >= max) {
            return Err(Refusal::ClientFull);
        }
        counts.total += 1;
        counts.by_client.insert(client, held + 1);
        Ok(Ticket {
            counts: Arc::clone(&self.counts),
            client,
        })
    }

    /// Connections held now.
    pub fn held(&self) -> usize {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

/// One admitted connection's slot, given back when dropped.
#[derive(Debug)]
pub struct Ticket {
    counts: Arc<Mutex<Counts>>,
    client: Client,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(held) = counts.by_client.get_mut(&self.client) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                counts.by_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_client_cannot_take_every_slot() {
        let admission = Admission::new(4, Some(2));
        let a1 = admission.admit(ip("10.0.0.1")).unwrap();
        let _a2 = admission.admit(ip("10.0.0.1")).unwrap();
        assert_eq!(
            admission.admit(ip("10.0.0.1")).unwrap_err(),
            Refusal::ClientFull
        );
        let _b1 = admission.admit(ip("10.0.0.2")).unwrap();
        let _b2 = admission.admit(ip("::ffff:10.0.0.2")).unwrap();
        assert_eq!(admission.admit(ip("10.0.0.3")).unwrap_err(), Refusal::Full);
        drop(a1);
        assert_eq!(admission.held(), 3);
        assert!(admission.admit(ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let admission = Admission::new(10, Some(1));
        let _first = admission.admit(ip("2001:db8:1:2::1")).unwrap();
        assert!(admission.admit(ip("2001:db8:1:2:ffff::9")).is_err());
        assert!(admission.admit(ip("2001:db8:1:3::1")).is_ok());
        let unlimited = Admission::new(3, None);
        let held: Vec<_> = (0..3)
            .map(|_| unlimited.admit(ip("10.0.0.1")).unwrap())
            .collect();
        assert_eq!(held.len(), 3);
    }
}
