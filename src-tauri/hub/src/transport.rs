//! TLS 1.3 between the hub and office computers, each side presenting a raw public key (RFC 7250) and
//! accepting only the key it pinned: the hub, the keys of paired devices that are not revoked (asked at every
//! handshake, so a revocation holds from the next one); a device, the hub's key. There is no certificate
//! authority and no host name check: nothing outside the two computers is trusted. The pairing port uses the
//! same TLS, but accepts any device key: what a device may do there is the pairing exchange only, whose
//! confirmation binds both keys and this TLS session (`session_binding`).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls13_signature_with_raw_key, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, ClientConfig, CommonState, DigitallySignedStruct, DistinguishedName, Error, ServerConfig,
    SignatureScheme,
};

use crate::{DeviceKey, HubError, PublicKey};

/// The name a device gives when it connects. With raw public keys it is not checked (the key is); rustls
/// needs one.
pub const HUB_NAME: &str = "saferoom-hub";

/// The label of the TLS exporter (RFC 8446 §7.5) that binds a pairing exchange to its TLS session.
const PAIRING_EXPORTER_LABEL: &[u8] = b"EXPORTER-saferoom-pairing";

/// Which device keys the hub accepts now: its registry of paired devices, less the revoked ones.
pub trait PinnedKeys: std::fmt::Debug + Send + Sync {
    /// Whether a device with this key may connect.
    fn is_allowed(&self, key: &PublicKey) -> bool;
}

/// The hub's TLS settings for its main port: its own key, and only the devices `devices` allows.
pub fn hub_config(hub_key: &DeviceKey, devices: Arc<dyn PinnedKeys>) -> Result<Arc<ServerConfig>, HubError> {
    server_config(hub_key, Arc::new(DeviceVerifier { devices: Some(devices), algorithms: algorithms() }))
}

/// The hub's TLS settings for its pairing port, open only while a pairing code is live: any device key.
pub fn pairing_hub_config(hub_key: &DeviceKey) -> Result<Arc<ServerConfig>, HubError> {
    server_config(hub_key, Arc::new(DeviceVerifier { devices: None, algorithms: algorithms() }))
}

/// A device's TLS settings to reach its hub: its own key, and only the hub's pinned key.
pub fn device_config(device_key: &DeviceKey, hub: PublicKey) -> Result<Arc<ClientConfig>, HubError> {
    client_config(device_key, Arc::new(HubVerifier { hub: Some(hub), algorithms: algorithms() }))
}

/// A device's TLS settings for pairing, before it knows the hub's key: any hub key. The pairing exchange's
/// confirmation fails unless the key seen here is the one the hub that knows the code holds.
pub fn pairing_device_config(device_key: &DeviceKey) -> Result<Arc<ClientConfig>, HubError> {
    client_config(device_key, Arc::new(HubVerifier { hub: None, algorithms: algorithms() }))
}

/// The server name a device connects with.
pub fn hub_server_name() -> ServerName<'static> {
    ServerName::try_from(HUB_NAME).expect("a valid DNS name")
}

/// The key the other side presented in this TLS session (after the handshake).
pub fn peer_key(connection: &CommonState) -> Option<PublicKey> {
    let presented = connection.peer_certificates()?.first()?;
    PublicKey::from_spki(presented.as_ref()).ok()
}

/// 32 bytes both sides of one TLS session derive alike and no other session shares (the TLS exporter,
/// RFC 8446 §7.5): a pairing exchange mixes them in, so a relay that holds two sessions cannot pass one side's
/// messages to the other.
pub fn session_binding<Data>(connection: &rustls::ConnectionCommon<Data>) -> Result<[u8; 32], HubError> {
    connection
        .export_keying_material([0u8; 32], PAIRING_EXPORTER_LABEL, None)
        .map_err(|error| HubError::Tls(error.to_string()))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn algorithms() -> WebPkiSupportedAlgorithms {
    rustls::crypto::ring::default_provider().signature_verification_algorithms
}

fn server_config(key: &DeviceKey, verifier: Arc<DeviceVerifier>) -> Result<Arc<ServerConfig>, HubError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|error| HubError::Tls(error.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(Arc::new(rustls::server::AlwaysResolvesServerRawPublicKeys::new(key.certified_key()?)));
    // HTTP/2 only: the requests' framing is the protocol's, never ours.
    config.alpn_protocols = vec![b"h2".to_vec()];
    // No session tickets or resumption: every connection proves its key again, so a revoked key gets no way
    // back in through a kept session.
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}

fn client_config(key: &DeviceKey, verifier: Arc<HubVerifier>) -> Result<Arc<ClientConfig>, HubError> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|error| HubError::Tls(error.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(Arc::new(rustls::client::AlwaysResolvesClientRawPublicKeys::new(
            key.certified_key()?,
        )));
    config.alpn_protocols = vec![b"h2".to_vec()];
    config.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(config))
}

/// Accepts a device's raw key if `devices` allows it (or any well-formed key on the pairing port).
#[derive(Debug)]
struct DeviceVerifier {
    devices: Option<Arc<dyn PinnedKeys>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for DeviceVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let key = presented_key(end_entity, intermediates)?;
        match &self.devices {
            Some(devices) if !devices.is_allowed(&key) => {
                Err(Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
            }
            _ => Ok(ClientCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Err(Error::General("only TLS 1.3 is offered".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_raw(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }

    fn requires_raw_public_keys(&self) -> bool {
        true
    }
}

/// Accepts the hub's raw key if it is the pinned one (or any well-formed key while pairing).
#[derive(Debug)]
struct HubVerifier {
    hub: Option<PublicKey>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for HubVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let key = presented_key(end_entity, intermediates)?;
        match &self.hub {
            Some(pinned) if *pinned != key => {
                Err(Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
            }
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Err(Error::General("only TLS 1.3 is offered".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_raw(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ED25519]
    }

    fn requires_raw_public_keys(&self) -> bool {
        true
    }
}

fn presented_key(end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Result<PublicKey, Error> {
    if !intermediates.is_empty() {
        return Err(Error::InvalidCertificate(CertificateError::BadEncoding));
    }
    PublicKey::from_spki(end_entity.as_ref()).map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))
}

fn verify_raw(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    algorithms: &WebPkiSupportedAlgorithms,
) -> Result<HandshakeSignatureValid, Error> {
    if dss.scheme != SignatureScheme::ED25519 {
        return Err(Error::PeerMisbehaved(rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme));
    }
    verify_tls13_signature_with_raw_key(message, &SubjectPublicKeyInfoDer::from(cert.as_ref()), dss, algorithms)
}

#[cfg(test)]
#[path = "transport_tests.rs"]
mod tests;
