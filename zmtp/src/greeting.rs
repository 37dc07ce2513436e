//! The 64-byte ZMTP 3.x greeting (RFC 23 §"Greeting", spec §1.2).
//!
//! ```text
//! offset len content
//!  0      1  0xFF                  signature start
//!  1      8  padding               libzmq: u64be(1); never validated
//!  9      1  0x7F                  signature end; only bit 0 is checked
//! 10      1  major version         3
//! 11      1  minor version         1
//! 12     20  mechanism             "NULL", "PLAIN", "CURVE", NUL padded
//! 32      1  as-server             never validated
//! 33     31  filler                zeros; never validated
//! ```

use crate::error::{escape, ProtocolError};

/// Length of a ZMTP 3.x greeting.
pub const GREETING_LEN: usize = 64;

/// Length of the mechanism field.
pub const MECHANISM_LEN: usize = 20;

/// Offset of the signature's last byte (0x7F; bit 0 marks a versioned peer).
const SIGNATURE_END: usize = 9;
/// Offset of the major version.
const MAJOR: usize = 10;
/// Offset of the minor version.
const MINOR: usize = 11;
/// Offset of the mechanism name.
const MECHANISM: usize = 12;
/// Offset of the as-server flag.
const AS_SERVER: usize = 32;

/// A decoded (or to be encoded) greeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Greeting {
    /// Major protocol version (3 for ZMTP 3.x).
    pub major: u8,
    /// Minor protocol version (1 for ZMTP 3.1).
    pub minor: u8,
    /// Mechanism name, NUL padded.
    pub mechanism: [u8; MECHANISM_LEN],
    /// The as-server flag (informational only; libzmq always sends 0 and ignores it).
    pub as_server: bool,
}

impl Greeting {
    /// A ZMTP 3.1 greeting for `mechanism_name` (truncated to 20 bytes).
    pub fn new(mechanism_name: &str, as_server: bool) -> Greeting {
        Greeting {
            major: 3,
            minor: 1,
            mechanism: pad_mechanism(mechanism_name),
            as_server,
        }
    }

    /// The 64 bytes to put on the wire (padding `00 00 00 00 00 00 00 01` like libzmq).
    pub fn encode(&self) -> [u8; GREETING_LEN] {
        let mut out = [0u8; GREETING_LEN];
        out[0] = 0xFF;
        out[8] = 0x01;
        out[SIGNATURE_END] = 0x7F;
        out[MAJOR] = self.major;
        out[MINOR] = self.minor;
        out[MECHANISM..MECHANISM + MECHANISM_LEN]
            .copy_from_slice(&self.mechanism);
        out[AS_SERVER] = u8::from(self.as_server);
        out
    }

    /// Decodes a greeting from the first 64 bytes of `bytes`.
    ///
    /// Only the signature (byte 0 = `0xFF`, bit 0 of byte 9) and the major version (≥ 3) are
    /// validated; padding, as-server and filler are ignored as the RFC requires.
    pub fn decode(bytes: &[u8]) -> Result<Greeting, ProtocolError> {
        check_prefix(bytes)?;
        let Some(bytes) = bytes.get(..GREETING_LEN) else {
            return Err(ProtocolError::IncompleteGreeting { len: bytes.len() });
        };
        let mut mechanism = [0u8; MECHANISM_LEN];
        mechanism.copy_from_slice(&bytes[MECHANISM..MECHANISM + MECHANISM_LEN]);
        Ok(Greeting {
            major: bytes[MAJOR],
            minor: bytes[MINOR],
            mechanism,
            as_server: bytes[AS_SERVER] != 0,
        })
    }

    /// The mechanism name without its trailing NUL padding.
    pub fn mechanism_name(&self) -> &[u8] {
        let end = self
            .mechanism
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        &self.mechanism[..end]
    }

    /// Whether the peer's mechanism field is exactly `name` padded with NULs (libzmq's
    /// comparison: `"CURVE\0…X"` does not match `"CURVE"`).
    pub fn mechanism_is(&self, name: &str) -> bool {
        self.mechanism == pad_mechanism(name)
    }

    /// The mechanism field rendered for messages (NUL padding removed, other bytes escaped).
    pub(crate) fn mechanism_display(&self) -> String {
        escape(self.mechanism_name())
    }
}

/// `name` truncated to / NUL padded to 20 bytes.
pub(crate) fn pad_mechanism(name: &str) -> [u8; MECHANISM_LEN] {
    let mut field = [0u8; MECHANISM_LEN];
    for (dst, src) in field.iter_mut().zip(name.bytes()) {
        *dst = src;
    }
    field
}

/// Checks the first bytes of a peer greeting that may still be incomplete, so that a
/// non-ZMTP peer is rejected as soon as possible instead of after 64 bytes.
///
/// * byte 0 must be `0xFF` (an HTTP request fails after its first byte),
/// * byte 9 must have bit 0 set (else: unversioned ZMTP 1.0 peer),
/// * byte 10 (major version) must be at least 3.
///
/// Returns `Ok(())` when the bytes seen so far could still start a valid greeting.
pub fn check_prefix(prefix: &[u8]) -> Result<(), ProtocolError> {
    if let Some(&first) = prefix.first() {
        if first != 0xFF {
            return Err(ProtocolError::UnsupportedVersion { major: None });
        }
    }
    if let Some(&end) = prefix.get(SIGNATURE_END) {
        if end & 0x01 == 0 {
            return Err(ProtocolError::UnsupportedVersion { major: None });
        }
    }
    if let Some(&major) = prefix.get(MAJOR) {
        if major < 3 {
            return Err(ProtocolError::UnsupportedVersion {
                major: Some(major),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libzmq's NULL greeting as captured (spec §1.2).
    fn libzmq_null() -> [u8; 64] {
        let mut g = [0u8; 64];
        g[..10].copy_from_slice(&[0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7f]);
        g[10] = 0x03;
        g[11] = 0x01;
        g[12..16].copy_from_slice(b"NULL");
        g
    }

    #[test]
    fn encodes_like_libzmq() {
        assert_eq!(Greeting::new("NULL", false).encode(), libzmq_null());
        let plain = Greeting::new("PLAIN", true).encode();
        assert_eq!(
            &plain[10..18],
            &[0x03, 0x01, 0x50, 0x4c, 0x41, 0x49, 0x4e, 0]
        );
        assert_eq!(plain[32], 1);
        assert!(plain[33..].iter().all(|&b| b == 0));
    }

    #[test]
    fn decodes_and_round_trips() {
        let g = Greeting::decode(&libzmq_null()).unwrap();
        assert_eq!(g, Greeting::new("NULL", false));
        assert_eq!(g.mechanism_name(), b"NULL");
        assert!(g.mechanism_is("NULL"));
        assert!(!g.mechanism_is("PLAIN"));
        let c = Greeting::new("CURVE", true);
        assert_eq!(Greeting::decode(&c.encode()).unwrap(), c);
        // Extra bytes after the greeting are ignored.
        let mut long = libzmq_null().to_vec();
        long.extend_from_slice(&[0x04, 0x1c]);
        assert_eq!(Greeting::decode(&long).unwrap(), g);
    }

    #[test]
    fn ignores_padding_as_server_and_filler() {
        let mut g = libzmq_null();
        g[1..9].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]);
        g[9] = 0x01; // only bit 0 matters
        g[32] = 0x01;
        for b in &mut g[33..] {
            *b = 0xAA;
        }
        let d = Greeting::decode(&g).unwrap();
        assert!(d.as_server);
        assert!(d.mechanism_is("NULL"));
    }

    #[test]
    fn versions() {
        let mut g = libzmq_null();
        g[11] = 0; // 3.0
        assert_eq!(Greeting::decode(&g).unwrap().minor, 0);
        g[10] = 4;
        assert_eq!(Greeting::decode(&g).unwrap().major, 4);
        g[10] = 255;
        assert!(Greeting::decode(&g).is_ok());
        for major in [0u8, 1, 2] {
            g[10] = major;
            assert_eq!(
                Greeting::decode(&g),
                Err(ProtocolError::UnsupportedVersion { major: Some(major) })
            );
        }
    }

    #[test]
    fn unversioned_is_rejected() {
        let mut g = libzmq_null();
        g[9] = 0x7e;
        assert_eq!(
            Greeting::decode(&g),
            Err(ProtocolError::UnsupportedVersion { major: None })
        );
        let mut g = libzmq_null();
        g[0] = 0x01; // ZMTP 1.0 identity frame length
        assert_eq!(
            Greeting::decode(&g),
            Err(ProtocolError::UnsupportedVersion { major: None })
        );
    }

    #[test]
    fn prefix_checks_reject_early() {
        assert_eq!(check_prefix(&[]), Ok(()));
        assert_eq!(check_prefix(&[0xff]), Ok(()));
        assert_eq!(
            check_prefix(b"G"),
            Err(ProtocolError::UnsupportedVersion { major: None })
        );
        assert!(check_prefix(b"GET / HTTP/1.1\r\n").is_err());
        let g = libzmq_null();
        for n in 0..=64 {
            assert_eq!(check_prefix(&g[..n]), Ok(()), "{n}");
        }
        let mut bad = g;
        bad[9] = 0x00;
        assert!(check_prefix(&bad[..9]).is_ok());
        assert!(check_prefix(&bad[..10]).is_err());
        let mut v2 = g;
        v2[10] = 2;
        assert!(check_prefix(&v2[..10]).is_ok());
        assert_eq!(
            check_prefix(&v2[..11]),
            Err(ProtocolError::UnsupportedVersion { major: Some(2) })
        );
    }

    #[test]
    fn incomplete() {
        let g = libzmq_null();
        assert_eq!(
            Greeting::decode(&g[..63]),
            Err(ProtocolError::IncompleteGreeting { len: 63 })
        );
        assert_eq!(
            Greeting::decode(&[]),
            Err(ProtocolError::IncompleteGreeting { len: 0 })
        );
    }

    #[test]
    fn mechanism_names() {
        let mut g = libzmq_null();
        g[12..32].copy_from_slice(b"CURVE\0\0\0\0\0\0\0\0\0\0\0\0\0\0X");
        let d = Greeting::decode(&g).unwrap();
        assert!(!d.mechanism_is("CURVE"));
        assert_eq!(d.mechanism_name().len(), 20);
        assert!(d.mechanism_display().starts_with("CURVE\\x00"));
        let long = Greeting::new("ABCDEFGHIJKLMNOPQRSTUVWXYZ", false);
        assert_eq!(long.mechanism_name(), b"ABCDEFGHIJKLMNOPQRST");
        let empty = Greeting::new("", false);
        assert_eq!(empty.mechanism_name(), b"");
    }
}
