//! Verified https: rustls on the ring provider, trusting Mozilla's root certificates plus the
//! extra roots a configuration names.
//!
//! ring rather than rustls's default aws-lc-rs: the latter needs cmake and a long C build, and
//! nothing here needs its extra algorithms. Mozilla's roots (compiled in) rather than the
//! system store: the same trust on every machine, containers without a CA bundle included;
//! private authorities are added explicitly.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::ModelError;

/// The TLS client configuration trusting Mozilla's roots and the certificates in `extra`
/// (PEM files). Fails with [`ModelError::Fatal`] naming the file that cannot be read or holds
/// no usable certificate.
pub fn client_config(extra: &[PathBuf]) -> Result<rustls::ClientConfig, ModelError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for path in extra {
        for certificate in read_certificates(path)? {
            roots.add(certificate).map_err(|e| {
                ModelError::fatal(format!(
                    "root certificate {}: not usable as a trust anchor: {e}",
                    path.display()
                ))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ModelError::fatal(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// Every certificate of the PEM file at `path`; none is an error, since a file that adds no
/// trust is a mistake the user wants to hear about.
fn read_certificates(path: &PathBuf) -> Result<Vec<CertificateDer<'static>>, ModelError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        ModelError::fatal(format!("root certificate {}: {e}", path.display()))
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| unreadable(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(&e))?;
    if certificates.is_empty() {
        return Err(unreadable(&"no PEM certificate in the file"));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mozillas_roots_need_no_file() {
        assert!(client_config(&[]).is_ok());
    }

    #[test]
    fn unusable_root_files_are_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let error = client_config(std::slice::from_ref(&missing)).unwrap_err();
        assert!(error.to_string().contains("missing.pem"), "{error}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let error = client_config(std::slice::from_ref(&empty)).unwrap_err();
        assert!(error.to_string().contains("no PEM certificate"), "{error}");
        assert!(error.to_string().contains("empty.pem"), "{error}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let error = client_config(std::slice::from_ref(&garbage)).unwrap_err();
        assert!(error.to_string().contains("garbage.pem"), "{error}");
    }
}
