//! Real TLS 1.3 over loopback (tokio-rustls): who gets in, who is refused at the handshake, and the pairing
//! exchange bound to real sessions.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::*;
use crate::pairing::{DevicePairing, PairingCode, PairingWindow};

/// The hub's registry as the transport sees it.
#[derive(Debug, Default)]
struct Registry(Mutex<HashSet<PublicKey>>);

impl Registry {
    fn allow(&self, key: &PublicKey) {
        self.0.lock().unwrap().insert(key.clone());
    }
    fn revoke(&self, key: &PublicKey) {
        self.0.lock().unwrap().remove(key);
    }
}

impl PinnedKeys for Registry {
    fn is_allowed(&self, key: &PublicKey) -> bool {
        self.0.lock().unwrap().contains(key)
    }
}

/// What the hub's side of one connection saw.
#[derive(Debug)]
struct Accepted {
    device: Option<PublicKey>,
    binding: [u8; 32],
    alpn: Option<Vec<u8>>,
}

/// A hub on a loopback port that accepts one connection, answers "pong" to "ping", and reports.
async fn hub_once(config: Arc<ServerConfig>) -> (SocketAddr, tokio::task::JoinHandle<std::io::Result<Accepted>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut tls = TlsAcceptor::from(config).accept(tcp).await?;
        let (_, connection) = tls.get_ref();
        let accepted = Accepted {
            device: peer_key(connection),
            binding: session_binding(&**connection).unwrap(),
            alpn: connection.alpn_protocol().map(<[u8]>::to_vec),
        };
        let mut ping = [0u8; 4];
        tls.read_exact(&mut ping).await?;
        assert_eq!(&ping, b"ping");
        tls.write_all(b"pong").await?;
        tls.shutdown().await?;
        Ok(accepted)
    });
    (address, task)
}

/// A device connecting and saying "ping": the hub's key it saw and the session binding.
async fn device_connects(config: Arc<ClientConfig>, address: SocketAddr) -> std::io::Result<(PublicKey, [u8; 32])> {
    let tcp = TcpStream::connect(address).await?;
    let mut tls = TlsConnector::from(config).connect(hub_server_name(), tcp).await?;
    tls.write_all(b"ping").await?;
    let mut pong = [0u8; 4];
    tls.read_exact(&mut pong).await?;
    assert_eq!(&pong, b"pong");
    let (_, connection) = tls.get_ref();
    Ok((peer_key(connection).unwrap(), session_binding(&**connection).unwrap()))
}

#[tokio::test]
async fn a_paired_device_and_its_hub_connect_and_each_sees_the_others_key() {
    let hub = DeviceKey::generate().unwrap();
    let device = DeviceKey::generate().unwrap();
    let registry = Arc::new(Registry::default());
    registry.allow(device.public_key());
    let (address, served) = hub_once(hub_config(&hub, registry).unwrap()).await;
    let (hub_seen, device_binding) =
        device_connects(device_config(&device, hub.public_key().clone()).unwrap(), address).await.unwrap();
    let accepted = served.await.unwrap().unwrap();
    assert_eq!(hub_seen, *hub.public_key());
    assert_eq!(accepted.device.as_ref(), Some(device.public_key()));
    assert_eq!(accepted.binding, device_binding, "both ends of one session derive the same binding");
    assert_eq!(accepted.alpn.as_deref(), Some(b"h2".as_slice()));
}

#[tokio::test]
async fn an_unpaired_device_is_refused_at_the_handshake_and_the_port_shows_nothing_else() {
    let hub = DeviceKey::generate().unwrap();
    let stranger = DeviceKey::generate().unwrap();
    let registry = Arc::new(Registry::default());
    registry.allow(DeviceKey::generate().unwrap().public_key());

    // A stranger with a key of its own, even knowing the hub's key.
    let (address, served) = hub_once(hub_config(&hub, registry.clone()).unwrap()).await;
    let refused = device_connects(device_config(&stranger, hub.public_key().clone()).unwrap(), address).await;
    assert!(refused.is_err(), "the stranger gets no session");
    assert!(served.await.unwrap().is_err(), "the hub's handshake fails");

    // A plain HTTP request, and a client with no key at all: no HTTP answer, only TLS's alert or nothing.
    let (address, served) = hub_once(hub_config(&hub, registry).unwrap()).await;
    let mut tcp = TcpStream::connect(address).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: hub\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer).await;
    assert!(!String::from_utf8_lossy(&answer).contains("HTTP"), "{answer:?}");
    assert!(answer.len() <= 7, "at most one TLS alert record: {answer:?}");
    assert!(served.await.unwrap().is_err());
}

#[tokio::test]
async fn a_revoked_device_is_refused_from_its_next_handshake() {
    let hub = DeviceKey::generate().unwrap();
    let device = DeviceKey::generate().unwrap();
    let registry = Arc::new(Registry::default());
    registry.allow(device.public_key());
    let client = device_config(&device, hub.public_key().clone()).unwrap();

    let (address, served) = hub_once(hub_config(&hub, registry.clone()).unwrap()).await;
    device_connects(client.clone(), address).await.unwrap();
    served.await.unwrap().unwrap();

    registry.revoke(device.public_key());
    let (address, served) = hub_once(hub_config(&hub, registry.clone()).unwrap()).await;
    assert!(device_connects(client, address).await.is_err(), "no session resumption lets it back in");
    assert!(served.await.unwrap().is_err());
}

#[tokio::test]
async fn a_device_refuses_any_hub_but_the_one_it_pinned() {
    let hub = DeviceKey::generate().unwrap();
    let impostor = DeviceKey::generate().unwrap();
    let device = DeviceKey::generate().unwrap();
    let registry = Arc::new(Registry::default());
    registry.allow(device.public_key());
    // The impostor accepts the device's key (it copied the registry), but cannot present the hub's key.
    let (address, served) = hub_once(hub_config(&impostor, registry).unwrap()).await;
    let refused = device_connects(device_config(&device, hub.public_key().clone()).unwrap(), address).await;
    assert!(refused.is_err());
    assert!(served.await.unwrap().is_err());
}

/// A pairing over real TLS on the pairing port: the device types `typed`, the hub shows "4821 7730".
async fn pair_over_tls(typed: &str) -> Result<(crate::pairing::PairedDevice, crate::pairing::PairedHub), HubError> {
    let hub = DeviceKey::generate().unwrap();
    let device = DeviceKey::generate().unwrap();
    let (address, served) = hub_once(pairing_hub_config(&hub).unwrap()).await;
    let (hub_seen, device_binding) = device_connects(pairing_device_config(&device).unwrap(), address).await.unwrap();
    let accepted = served.await.unwrap().unwrap();

    let now = Instant::now();
    let mut window = PairingWindow::with_code(PairingCode::parse("4821 7730").unwrap(), now);
    let (pairing, hello) = DevicePairing::start(&PairingCode::parse(typed).unwrap(), "Front desk", "workstation")?;
    let device_seen = accepted.device.unwrap();
    let (answer, pending) = window.answer(now, hub.public_key(), &device_seen, &accepted.binding, &hello)?;
    let (confirmation, paired_hub) = pairing.finish(&hub_seen, device.public_key(), &device_binding, &answer)?;
    let paired_device = pending.finish(&mut window, &confirmation)?;
    assert_eq!(paired_device.key, *device.public_key());
    assert_eq!(paired_hub.key, *hub.public_key());
    Ok((paired_device, paired_hub))
}

#[tokio::test]
async fn pairing_over_the_pairing_port_pins_both_keys_with_the_right_code_only() {
    let (device, hub) = pair_over_tls("4821-7730").await.unwrap();
    assert_eq!(device.check_digits, hub.check_digits);
    assert_eq!(pair_over_tls("4821 7731").await.unwrap_err(), HubError::PairingCodeWrong);
}

#[tokio::test]
async fn a_relay_holding_two_tls_sessions_cannot_pair_even_knowing_the_code() {
    // The relay terminates the device's session with its own key and opens its own session to the hub.
    let hub = DeviceKey::generate().unwrap();
    let device = DeviceKey::generate().unwrap();
    let relay = DeviceKey::generate().unwrap();
    let (to_relay, relay_served) = hub_once(pairing_hub_config(&relay).unwrap()).await;
    let (relay_seen_by_device, device_binding) =
        device_connects(pairing_device_config(&device).unwrap(), to_relay).await.unwrap();
    relay_served.await.unwrap().unwrap();
    let (to_hub, hub_served) = hub_once(pairing_hub_config(&hub).unwrap()).await;
    device_connects(pairing_device_config(&relay).unwrap(), to_hub).await.unwrap();
    let at_hub = hub_served.await.unwrap().unwrap();
    assert_ne!(at_hub.binding, device_binding, "two sessions, two bindings");

    // Even passing every message through unchanged, and with the right code, the device refuses.
    let now = Instant::now();
    let mut window = PairingWindow::with_code(PairingCode::parse("4821 7730").unwrap(), now);
    let (pairing, hello) =
        DevicePairing::start(&PairingCode::parse("4821 7730").unwrap(), "Front desk", "workstation").unwrap();
    let (answer, _) = window.answer(now, hub.public_key(), &at_hub.device.unwrap(), &at_hub.binding, &hello).unwrap();
    let refused = pairing.finish(&relay_seen_by_device, device.public_key(), &device_binding, &answer);
    assert_eq!(refused.unwrap_err(), HubError::PairingCodeWrong);
}
