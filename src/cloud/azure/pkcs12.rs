//! PKCS#12 (PFX) bundles, the format azurerm's `client_certificate_path` takes: opening one
//! with its password into the certificate and private key a client assertion needs.
//!
//! Why FFI: the pure-Rust PKCS#12 crates would add a dozen crates to compile, while AWS-LC,
//! already linked for rustls, parses PKCS#12 (legacy 3DES/RC2 and modern PBES2/AES bundles
//! alike). Every pointer AWS-LC hands back is owned by a guard that frees it.

use aws_lc_sys as lc;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::ffi::CString;
use std::ptr::{null_mut, NonNull};

/// Frees an AWS-LC object when dropped.
struct Owned<T> {
    ptr: NonNull<T>,
    free: unsafe extern "C" fn(*mut T),
}

impl<T> Owned<T> {
    /// Takes ownership of `ptr`; `None` when it is null.
    fn new(ptr: *mut T, free: unsafe extern "C" fn(*mut T)) -> Option<Self> {
        NonNull::new(ptr).map(|ptr| Owned { ptr, free })
    }

    fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from AWS-LC with `free` as its destructor and is freed once.
        unsafe { (self.free)(self.ptr.as_ptr()) }
    }
}

/// Copies `len` bytes AWS-LC allocated at `data` and frees them.
///
/// SAFETY: `data` must point to `len` bytes allocated by AWS-LC (or be null).
unsafe fn take_bytes(data: *mut u8, len: usize) -> Option<Vec<u8>> {
    if data.is_null() {
        return None;
    }
    let out = std::slice::from_raw_parts(data, len).to_vec();
    lc::OPENSSL_free(data.cast());
    Some(out)
}

/// The certificate (DER) and private key (PKCS#8 DER) of a PFX `bundle` sealed with
/// `password` (empty for none). Errors say what is wrong without echoing the password.
pub fn open_pfx(
    bundle: &[u8],
    password: &str,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), String> {
    let password = CString::new(password).map_err(|_| "the password holds a NUL character")?;
    // SAFETY: every call gets valid pointers; each returned object is owned by a guard.
    unsafe {
        let mut input = bundle.as_ptr();
        let p12 = Owned::new(
            lc::d2i_PKCS12(null_mut(), &mut input, bundle.len()),
            lc::PKCS12_free,
        )
        .ok_or("the file is neither PEM nor a PKCS#12 (PFX) bundle")?;
        let (mut key, mut cert) = (null_mut(), null_mut());
        let parsed = lc::PKCS12_parse(
            p12.as_ptr(),
            password.as_ptr(),
            &mut key,
            &mut cert,
            null_mut(),
        );
        let key = Owned::new(key, lc::EVP_PKEY_free);
        let cert = Owned::new(cert, lc::X509_free);
        if parsed != 1 {
            return Err("cannot open the PKCS#12 (PFX) bundle: wrong password (ARM_CLIENT_CERTIFICATE_PASSWORD), or the file is not a PFX bundle (nor PEM)".into());
        }
        let (key, cert) = match (key, cert) {
            (Some(k), Some(c)) => (k, c),
            _ => {
                return Err(
                    "the PKCS#12 (PFX) bundle holds no private key with its certificate".into(),
                )
            }
        };
        let mut der = null_mut();
        let len = lc::i2d_X509(cert.as_ptr(), &mut der);
        let cert_der = usize::try_from(len)
            .ok()
            .filter(|n| *n > 0)
            .and_then(|n| take_bytes(der, n))
            .ok_or("cannot encode the bundle's certificate")?;
        let mut cbb: lc::CBB = std::mem::zeroed();
        let (mut data, mut data_len) = (null_mut(), 0usize);
        let marshalled = lc::CBB_init(&mut cbb, 0) == 1
            && lc::EVP_marshal_private_key(&mut cbb, key.as_ptr()) == 1
            && lc::CBB_finish(&mut cbb, &mut data, &mut data_len) == 1;
        if !marshalled {
            lc::CBB_cleanup(&mut cbb);
            return Err("cannot encode the bundle's private key".into());
        }
        let key_der = take_bytes(data, data_len).ok_or("cannot encode the bundle's private key")?;
        Ok((
            CertificateDer::from(cert_der),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)),
        ))
    }
}

/// Seals a certificate (DER) and its PKCS#8 private key into a PFX with `password`, with
/// AWS-LC's default algorithms, as `openssl pkcs12 -export` would. The inverse of
/// [`open_pfx`]; tests use it to make bundles without an `openssl` binary.
pub fn seal_pfx(cert_der: &[u8], key_pkcs8: &[u8], password: &str) -> Result<Vec<u8>, String> {
    let password = CString::new(password).map_err(|_| "the password holds a NUL character")?;
    let name = CString::new("cloudlink").expect("no NUL");
    // SAFETY: as in `open_pfx`; inputs are read through CBS/d2i from valid slices.
    unsafe {
        let mut p = cert_der.as_ptr();
        let cert = Owned::new(
            lc::d2i_X509(null_mut(), &mut p, cert_der.len() as _),
            lc::X509_free,
        )
        .ok_or("not a DER certificate")?;
        let mut cbs: lc::CBS = std::mem::zeroed();
        lc::CBS_init(&mut cbs, key_pkcs8.as_ptr(), key_pkcs8.len());
        let key = Owned::new(lc::EVP_parse_private_key(&mut cbs), lc::EVP_PKEY_free)
            .ok_or("not a PKCS#8 private key")?;
        let p12 = Owned::new(
            lc::PKCS12_create(
                password.as_ptr(),
                name.as_ptr(),
                key.as_ptr(),
                cert.as_ptr(),
                std::ptr::null(),
                0,
                0,
                0,
                0,
                0,
            ),
            lc::PKCS12_free,
        )
        .ok_or("PKCS12_create failed")?;
        let mut der = null_mut();
        let len = lc::i2d_PKCS12(p12.as_ptr(), &mut der);
        usize::try_from(len)
            .ok()
            .filter(|n| *n > 0)
            .and_then(|n| take_bytes(der, n))
            .ok_or_else(|| "cannot encode the PFX".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rsa_certificate() -> (Vec<u8>, Vec<u8>) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["sp".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.der().to_vec(), key.serialize_der())
    }

    #[test]
    fn a_sealed_bundle_opens_with_its_password_only() {
        let (cert, key) = rsa_certificate();
        let pfx = seal_pfx(&cert, &key, "pfx-pass").unwrap();
        let (c, k) = open_pfx(&pfx, "pfx-pass").unwrap();
        assert_eq!(c.as_ref(), &cert[..]);
        assert!(rustls::crypto::aws_lc_rs::sign::any_supported_type(&k).is_ok());
        let e = open_pfx(&pfx, "not-the-pass").unwrap_err();
        assert!(
            e.contains("wrong password") && !e.contains("not-the-pass"),
            "{e}"
        );
        assert!(open_pfx(b"garbage", "").unwrap_err().contains("PEM"));
    }
}
