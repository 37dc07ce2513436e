//! Connection metadata: the property list carried by `READY` (and later `INITIATE`).
//!
//! ```text
//! property = name_len:u8 ‖ name ‖ value_len:u32be ‖ value      (repeated to the end)
//! ```
//!
//! Decoding follows libzmq (spec §1.6) where it is safe: any leftover or truncated property is
//! an error, duplicates are kept (the first one wins on lookup). It is stricter than libzmq in
//! two ways that bound what a peer can make us spend: empty names are rejected (RFC 37 requires
//! 1..255 characters; libzmq accepts them), and a block holds at most [`MAX_PROPERTIES`]
//! properties. Decoding never copies names or values (they are slices of the input), so its
//! memory cost is at most `MAX_PROPERTIES` small entries on top of the input itself.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::ProtocolError;

/// Longest property name that can be encoded.
pub const MAX_NAME_LEN: usize = 255;

/// Most properties a decoded metadata block may hold (each costs two `Bytes` handles, so a
/// block costs at most about 16 KiB beyond its input). libzmq sends one (`Socket-Type`) plus
/// the application's `X-` properties.
pub const MAX_PROPERTIES: usize = 256;

/// Name of the property carrying the socket type.
pub const SOCKET_TYPE: &str = "Socket-Type";

/// An ordered list of `(name, value)` properties.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    properties: Vec<(Bytes, Bytes)>,
}

impl Metadata {
    /// An empty property list.
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// Appends a property. Fails if the name is longer than 255 bytes or the value longer
    /// than `u32::MAX` bytes (neither can be encoded), and on what [`decode`](Metadata::decode)
    /// refuses, so that a list built here always decodes: an empty name, or a property
    /// beyond [`MAX_PROPERTIES`].
    pub fn insert(
        &mut self,
        name: impl AsRef<[u8]>,
        value: impl Into<Bytes>,
    ) -> Result<(), ProtocolError> {
        let name = name.as_ref();
        if name.is_empty() {
            return Err(ProtocolError::MalformedMetadata(
                "empty property name",
            ));
        }
        if self.properties.len() == MAX_PROPERTIES {
            return Err(ProtocolError::MalformedMetadata(
                "more than 256 properties",
            ));
        }
        if name.len() > MAX_NAME_LEN {
            return Err(ProtocolError::MalformedMetadata(
                "property name longer than 255 bytes",
            ));
        }
        let value = value.into();
        if u32::try_from(value.len()).is_err() {
            return Err(ProtocolError::MalformedMetadata(
                "property value longer than 4 GiB",
            ));
        }
        self.properties.push((Bytes::copy_from_slice(name), value));
        Ok(())
    }

    /// The value of the first property whose name matches `name` ignoring ASCII case.
    pub fn get(&self, name: impl AsRef<[u8]>) -> Option<&[u8]> {
        self.get_bytes(name).map(|v| &v[..])
    }

    /// Like [`get`](Metadata::get), but returns the shared buffer (cheap to clone).
    pub fn get_bytes(&self, name: impl AsRef<[u8]>) -> Option<&Bytes> {
        let name = name.as_ref();
        self.properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// All properties in order, duplicates included.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Bytes)> + '_ {
        self.properties.iter().map(|(n, v)| (&n[..], v))
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.properties.len()
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    /// Number of bytes [`encode`](Metadata::encode) appends.
    pub fn encoded_len(&self) -> usize {
        self.properties.iter().fold(0usize, |acc, (n, v)| {
            acc.saturating_add(5)
                .saturating_add(n.len())
                .saturating_add(v.len())
        })
    }

    /// Appends the wire encoding to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        out.reserve(self.encoded_len());
        for (name, value) in &self.properties {
            // Lengths were checked by `insert` / `decode`.
            out.put_u8(u8::try_from(name.len()).unwrap_or(u8::MAX));
            out.put_slice(name);
            out.put_u32(u32::try_from(value.len()).unwrap_or(u32::MAX));
            out.put_slice(value);
        }
    }

    /// Decodes a property list (copies `data` once; values share that copy).
    pub fn decode(data: &[u8]) -> Result<Metadata, ProtocolError> {
        Metadata::decode_bytes(&Bytes::copy_from_slice(data))
    }

    /// Decodes a property list without copying: names and values are slices of `data`.
    ///
    /// Fails on an empty name and on more than [`MAX_PROPERTIES`] properties.
    pub fn decode_bytes(data: &Bytes) -> Result<Metadata, ProtocolError> {
        let mut properties = Vec::new();
        let mut pos = 0usize;
        while pos < data.len() {
            if properties.len() == MAX_PROPERTIES {
                return Err(ProtocolError::MalformedMetadata(
                    "more than 256 properties",
                ));
            }
            let name_len = usize::from(data[pos]);
            if name_len == 0 {
                return Err(ProtocolError::MalformedMetadata(
                    "empty property name",
                ));
            }
            pos += 1;
            let name_end = pos
                .checked_add(name_len)
                .filter(|&e| e <= data.len())
                .ok_or(ProtocolError::MalformedMetadata(
                    "truncated property name",
                ))?;
            let name = data.slice(pos..name_end);
            pos = name_end;
            let len_bytes: [u8; 4] = data
                .get(pos..)
                .and_then(|rest| rest.get(..4))
                .and_then(|b| b.try_into().ok())
                .ok_or(ProtocolError::MalformedMetadata(
                    "truncated property value length",
                ))?;
            pos += 4;
            let value_len = usize::try_from(u32::from_be_bytes(len_bytes))
                .unwrap_or(usize::MAX);
            let value_end = pos
                .checked_add(value_len)
                .filter(|&e| e <= data.len())
                .ok_or(ProtocolError::MalformedMetadata(
                    "property value longer than the remaining data",
                ))?;
            let value = data.slice(pos..value_end);
            pos = value_end;
            properties.push((name, value));
        }
        Ok(Metadata { properties })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_socket_type() {
        let mut md = Metadata::new();
        md.insert("Socket-Type", "SERVER").unwrap();
        let mut out = BytesMut::new();
        md.encode(&mut out);
        assert_eq!(
            &out[..],
            b"\x0bSocket-Type\x00\x00\x00\x06SERVER".as_slice()
        );
        assert_eq!(md.encoded_len(), out.len());
        assert_eq!(Metadata::decode(&out).unwrap(), md);
    }

    #[test]
    fn lookup_is_case_insensitive_first_wins() {
        let md = Metadata::decode(
            b"\x0bsocket-type\x00\x00\x00\x06DEALER\x0bSocket-Type\x00\x00\x00\x06CLIENT",
        )
        .unwrap();
        assert_eq!(md.len(), 2);
        assert_eq!(md.get("Socket-Type"), Some(&b"DEALER"[..]));
        assert_eq!(md.get(b"SOCKET-TYPE"), Some(&b"DEALER"[..]));
        assert_eq!(md.get("Identity"), None);
        let names: Vec<&[u8]> = md.iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec![&b"socket-type"[..], &b"Socket-Type"[..]]);
    }

    #[test]
    fn empty_things() {
        let md = Metadata::decode(&[]).unwrap();
        assert!(md.is_empty());
        // Empty values are fine, empty names are not (RFC 37; libzmq accepts them).
        let md = Metadata::decode(b"\x01a\x00\x00\x00\x00").unwrap();
        assert_eq!(md.get("a"), Some(&b""[..]));
        for bytes in [&b"\x00\x00\x00\x00\x00"[..], b"\x00\x00\x00\x00\x02ab"] {
            assert_eq!(
                Metadata::decode(bytes),
                Err(ProtocolError::MalformedMetadata("empty property name"))
            );
        }
    }

    #[test]
    fn many_empty_names_fail_at_the_first() {
        // The 64 MiB READY bomb of issue 17 in miniature: 5-byte empty properties.
        let data = Bytes::from(vec![0u8; 5 * 100_000]);
        assert_eq!(
            Metadata::decode_bytes(&data),
            Err(ProtocolError::MalformedMetadata("empty property name"))
        );
    }

    #[test]
    fn property_count_cap() {
        let one = b"\x01a\x00\x00\x00\x00";
        let data = one.repeat(MAX_PROPERTIES);
        assert_eq!(Metadata::decode(&data).unwrap().len(), MAX_PROPERTIES);
        let data = one.repeat(MAX_PROPERTIES + 1);
        assert_eq!(
            Metadata::decode(&data),
            Err(ProtocolError::MalformedMetadata("more than 256 properties"))
        );
    }

    #[test]
    fn zero_copy() {
        let data = Bytes::from_static(b"\x01a\x00\x00\x00\x03xyz");
        let md = Metadata::decode_bytes(&data).unwrap();
        let v = md.get_bytes("A").unwrap();
        assert_eq!(&v[..], b"xyz");
        assert_eq!(v.as_ptr(), data[6..].as_ptr());
    }

    #[test]
    fn malformed() {
        let cases: [(&[u8], &str); 7] = [
            (b"\x01", "truncated property name"),
            (b"\x05abc", "truncated property name"),
            (b"\x01a", "truncated property value length"),
            (b"\x01a\x00\x00\x00", "truncated property value length"),
            (
                b"\x01a\x00\x00\x00\x05abc",
                "property value longer than the remaining data",
            ),
            (
                b"\x01a\xff\xff\xff\xff",
                "property value longer than the remaining data",
            ),
            // A valid property followed by one trailing byte.
            (b"\x01a\x00\x00\x00\x01x\x00", "empty property name"),
        ];
        for (bytes, msg) in cases {
            assert_eq!(
                Metadata::decode(bytes),
                Err(ProtocolError::MalformedMetadata(msg)),
                "{bytes:?}"
            );
        }
        // Two trailing bytes.
        assert!(Metadata::decode(b"\x01a\x00\x00\x00\x01x\x00\x00").is_err());
    }

    #[test]
    fn insert_limits() {
        let mut md = Metadata::new();
        assert!(md.insert([b'a'; 255], "v").is_ok());
        assert_eq!(
            md.insert([b'a'; 256], "v"),
            Err(ProtocolError::MalformedMetadata(
                "property name longer than 255 bytes"
            ))
        );
        md.insert("X-Empty", Bytes::new()).unwrap();
        let mut out = BytesMut::new();
        md.encode(&mut out);
        assert_eq!(Metadata::decode(&out).unwrap(), md);
    }

    /// Found by the `metadata` fuzz target (fuzz/regressions/metadata): `insert` accepted an
    /// empty name and a 257th property, which `decode` refuses, so a list we could build and
    /// send did not read back.
    #[test]
    fn insert_refuses_what_decode_refuses() {
        let mut md = Metadata::new();
        assert_eq!(
            md.insert("", "v"),
            Err(ProtocolError::MalformedMetadata("empty property name"))
        );
        for _ in 0..MAX_PROPERTIES {
            md.insert("X-A", "v").unwrap();
        }
        assert_eq!(
            md.insert("X-A", "v"),
            Err(ProtocolError::MalformedMetadata("more than 256 properties"))
        );
        let mut out = BytesMut::new();
        md.encode(&mut out);
        assert_eq!(Metadata::decode(&out), Ok(md));
    }
}
