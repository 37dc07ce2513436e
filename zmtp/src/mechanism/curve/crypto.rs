//! The NaCl primitives CurveZMQ is built from, on RustCrypto / dalek crates (no C code).
//!
//! * `crypto_box` = X25519 key agreement, HSalsa20 key derivation ("beforenm"), then
//!   XSalsa20-Poly1305 with that precomputed key ("afternm"). We implement the first two
//!   steps ourselves (X25519 with a clamped, unreduced scalar, exactly as NaCl/libsodium)
//!   and use `crypto_secretbox` for the last one.
//! * `crypto_secretbox` = XSalsa20-Poly1305 with a symmetric key (the cookie).
//!
//! A box on the wire is the 16-byte Poly1305 tag followed by the ciphertext, as libsodium's
//! `crypto_box_easy` writes it. Tags are checked in constant time by `crypto_secretbox`.
//! Every key type here wipes itself when dropped.

use crypto_secretbox::aead::generic_array::GenericArray;
use crypto_secretbox::aead::{AeadInPlace, KeyInit};
use crypto_secretbox::{Kdf, Key, Nonce, Tag, XSalsa20Poly1305};
use rand_core::{OsRng, RngCore};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::error::ProtocolError;

/// Length of a Curve25519 public or secret key.
pub(crate) const KEY_LEN: usize = 32;
/// Length of the Poly1305 tag in front of every box.
pub(crate) const TAG_LEN: usize = 16;
/// Length of an XSalsa20 nonce.
pub(crate) const NONCE_LEN: usize = 24;

/// A key ready to seal and open boxes: a `crypto_box` precomputed key or a `crypto_secretbox`
/// key. Wiped on drop (by `crypto_secretbox`).
pub(crate) struct BoxKey(XSalsa20Poly1305);

impl BoxKey {
    /// The `crypto_box` key between `public` and `secret` (NaCl `crypto_box_beforenm`).
    pub(crate) fn new(
        public: &[u8; KEY_LEN],
        secret: &StaticSecret,
    ) -> Result<BoxKey, ProtocolError> {
        let key = beforenm(public, secret)?;
        Ok(BoxKey::symmetric(&key))
    }

    /// A `crypto_secretbox` key.
    pub(crate) fn symmetric(key: &[u8; KEY_LEN]) -> BoxKey {
        BoxKey(XSalsa20Poly1305::new(Key::from_slice(key)))
    }

    /// Seals in place: `boxed` is a 16-byte slot for the tag followed by the plaintext; on
    /// return it holds the box (tag ‖ ciphertext).
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        boxed: &mut [u8],
    ) {
        let (tag_slot, text) = boxed.split_at_mut(TAG_LEN);
        // Encryption only fails with associated data, which we never pass.
        if let Ok(tag) = self.0.encrypt_in_place_detached(
            Nonce::from_slice(nonce),
            b"",
            text,
        ) {
            tag_slot.copy_from_slice(&tag);
        }
    }

    /// Opens a box (tag ‖ ciphertext) and returns the plaintext; `what` names the box in the
    /// error.
    pub(crate) fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        boxed: &[u8],
        what: &'static str,
    ) -> Result<Vec<u8>, ProtocolError> {
        if boxed.len() < TAG_LEN {
            return Err(ProtocolError::Crypto(what));
        }
        let (tag, ciphertext) = boxed.split_at(TAG_LEN);
        let mut text = ciphertext.to_vec();
        self.0
            .decrypt_in_place_detached(
                Nonce::from_slice(nonce),
                b"",
                &mut text,
                Tag::from_slice(tag),
            )
            .map_err(|_| ProtocolError::Crypto(what))?;
        Ok(text)
    }
}

/// NaCl `crypto_box_beforenm`: HSalsa20 (zero nonce) of the X25519 shared secret. Like
/// libsodium, fails when the shared secret is all zeros (the peer's key has low order).
pub(crate) fn beforenm(
    public: &[u8; KEY_LEN],
    secret: &StaticSecret,
) -> Result<Zeroizing<[u8; KEY_LEN]>, ProtocolError> {
    let shared = secret.diffie_hellman(&PublicKey::from(*public));
    if !shared.was_contributory() {
        return Err(ProtocolError::Crypto("public key of low order"));
    }
    let derived = Zeroizing::new(<XSalsa20Poly1305 as Kdf>::kdf(
        Key::from_slice(shared.as_bytes()),
        &GenericArray::default(),
    ));
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(&derived);
    Ok(key)
}

/// The public key of `secret`.
pub(crate) fn public_key(secret: &StaticSecret) -> [u8; KEY_LEN] {
    PublicKey::from(secret).to_bytes()
}

/// A 24-byte nonce made of a 16-byte prefix and a short nonce (u64be).
pub(crate) fn short_nonce(prefix: &[u8; 16], n: u64) -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    nonce[..16].copy_from_slice(prefix);
    nonce[16..].copy_from_slice(&n.to_be_bytes());
    nonce
}

/// A 24-byte nonce made of an 8-byte prefix and 16 (random) bytes.
pub(crate) fn long_nonce(prefix: &[u8; 8], random: &[u8]) -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    nonce[..8].copy_from_slice(prefix);
    nonce[8..].copy_from_slice(&random[..16]);
    nonce
}

/// `N` bytes from the operating system's random number generator.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], ProtocolError> {
    let mut bytes = [0u8; N];
    OsRng.try_fill_bytes(&mut bytes).map_err(|_| {
        ProtocolError::Crypto("the system random number generator failed")
    })?;
    Ok(bytes)
}

/// A fresh random secret key.
pub(crate) fn random_secret() -> Result<StaticSecret, ProtocolError> {
    let bytes = Zeroizing::new(random::<KEY_LEN>()?);
    Ok(StaticSecret::from(*bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip() {
        let a = StaticSecret::from([1u8; 32]);
        let b = StaticSecret::from([2u8; 32]);
        let ab = BoxKey::new(&public_key(&b), &a).unwrap();
        let ba = BoxKey::new(&public_key(&a), &b).unwrap();
        let nonce = short_nonce(b"CurveZMQMESSAGEC", 7);
        let mut boxed = vec![0u8; TAG_LEN];
        boxed.extend_from_slice(b"attack at dawn");
        ab.seal_in_place(&nonce, &mut boxed);
        assert_ne!(&boxed[TAG_LEN..], b"attack at dawn");
        assert_eq!(ba.open(&nonce, &boxed, "x").unwrap(), b"attack at dawn");
        // Wrong nonce, flipped bit, truncated box.
        let other = short_nonce(b"CurveZMQMESSAGEC", 8);
        assert_eq!(
            ba.open(&other, &boxed, "x"),
            Err(ProtocolError::Crypto("x"))
        );
        for i in [0, 15, 16, boxed.len() - 1] {
            let mut bad = boxed.clone();
            bad[i] ^= 0x01;
            assert!(ba.open(&nonce, &bad, "x").is_err(), "{i}");
        }
        assert!(ba.open(&nonce, &boxed[..15], "x").is_err());
        assert_eq!(
            ba.open(&nonce, &boxed[..16], "x").unwrap_or_default().len(),
            0
        );
    }

    #[test]
    fn low_order_keys_rejected() {
        let a = StaticSecret::from([1u8; 32]);
        // u = 0 (order 2 on the Montgomery curve) and u = 1 (order 4).
        let mut one = [0u8; 32];
        one[0] = 1;
        for low in [[0u8; 32], one] {
            assert_eq!(
                BoxKey::new(&low, &a).err(),
                Some(ProtocolError::Crypto("public key of low order"))
            );
        }
    }

    #[test]
    fn nonces() {
        let n = short_nonce(b"CurveZMQHELLO---", 1);
        assert_eq!(&n[..16], b"CurveZMQHELLO---");
        assert_eq!(&n[16..], &[0, 0, 0, 0, 0, 0, 0, 1]);
        let n = long_nonce(b"WELCOME-", &[9u8; 16]);
        assert_eq!(&n[..8], b"WELCOME-");
        assert_eq!(&n[8..], &[9u8; 16]);
        assert_ne!(random::<16>().unwrap(), random::<16>().unwrap());
    }
}
