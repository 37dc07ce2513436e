//! Z85, the ZeroMQ base-85 encoding of binary data as printable text (RFC 32, spec §2.5).
//!
//! Every 4 bytes (read as a big-endian `u32`) become 5 characters, most significant digit
//! first, from the alphabet `0-9 a-z A-Z . - : + = ^ ! / * ? & < > ( ) [ ] { } @ % $ #`.
//! CURVE keys are commonly written as 40 Z85 characters.
//!
//! Empty input: [`encode`] of no bytes gives `""` and [`decode`] of `""` gives no bytes, as
//! RFC 32 allows (libzmq's `zmq_z85_decode` rejects an empty string). Callers that need a
//! fixed size, such as 32-byte keys, check the length themselves.
//!
//! ```
//! assert_eq!(zmtp::z85::encode(&[0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]).unwrap(), "HelloWorld");
//! assert_eq!(zmtp::z85::decode("009c6").unwrap(), [0, 1, 2, 3]);
//! ```

/// The 85 characters, indexed by digit value.
const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Marks a byte that is not in the alphabet in [`DIGITS`].
const INVALID: u8 = 0xFF;

/// Digit value of every byte, or [`INVALID`].
const DIGITS: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Why a Z85 conversion failed.
#[derive(thiserror::Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Z85Error {
    /// The input length is not a multiple of 4 (encoding) or 5 (decoding).
    #[error("input length {len} is not a multiple of {multiple}")]
    InvalidLength {
        /// The length of the input (bytes for [`encode`], characters for [`decode`]).
        len: usize,
        /// The required multiple.
        multiple: usize,
    },
    /// A byte of the text is not a Z85 character.
    #[error("input string contains invalid byte 0x{byte:02X} at offset {pos}")]
    InvalidByte {
        /// Offset of the byte in the text.
        pos: usize,
        /// The offending byte (one byte of its UTF-8 encoding for non-ASCII characters).
        byte: u8,
    },
    /// A group of 5 characters encodes a value above `0xFFFFFFFF` (e.g. `"#####"`).
    #[error("the group of 5 characters at offset {pos} exceeds 0xFFFFFFFF")]
    Overflow {
        /// Offset of the group's first character.
        pos: usize,
        /// Offset of the first character that takes the group above `0xFFFFFFFF`: the ones
        /// before it equal those of `"%nSc0"` (`0xFFFFFFFF`), it is greater than its own.
        byte_pos: usize,
        /// That character.
        byte: u8,
    },
}

/// The digits of `0xFFFFFFFF`, most significant first.
const MAX_DIGITS: [u8; 5] = {
    let mut digits = [0; 5];
    let mut value = u32::MAX;
    let mut i = digits.len();
    while i > 0 {
        i -= 1;
        digits[i] = (value % 85) as u8;
        value /= 85;
    }
    digits
};

/// Encodes `data`, whose length must be a multiple of 4.
pub fn encode(data: &[u8]) -> Result<String, Z85Error> {
    if data.len() % 4 != 0 {
        return Err(Z85Error::InvalidLength {
            len: data.len(),
            multiple: 4,
        });
    }
    let mut out = String::with_capacity(data.len() / 4 * 5);
    for chunk in data.chunks_exact(4) {
        let mut value =
            u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut group = [0u8; 5];
        for digit in group.iter_mut().rev() {
            *digit = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
        out.extend(group.iter().map(|&b| char::from(b)));
    }
    Ok(out)
}

/// Decodes `text`, whose length must be a multiple of 5 bytes.
///
/// Fails on characters outside the alphabet ([`Z85Error::InvalidByte`], with the byte offset)
/// and on groups whose value does not fit in 32 bits ([`Z85Error::Overflow`]).
pub fn decode(text: &str) -> Result<Vec<u8>, Z85Error> {
    let bytes = text.as_bytes();
    if bytes.len() % 5 != 0 {
        return Err(Z85Error::InvalidLength {
            len: bytes.len(),
            multiple: 5,
        });
    }
    let mut out = Vec::with_capacity(bytes.len() / 5 * 4);
    for (index, group) in bytes.chunks_exact(5).enumerate() {
        let start = index * 5;
        let mut value = 0u64;
        for (offset, &byte) in group.iter().enumerate() {
            let digit = DIGITS[usize::from(byte)];
            if digit == INVALID {
                return Err(Z85Error::InvalidByte {
                    pos: start + offset,
                    byte,
                });
            }
            // At most 85^5 - 1 < 2^33: no overflow in u64.
            value = value * 85 + u64::from(digit);
        }
        let value = u32::try_from(value).map_err(|_| {
            // The first digit that differs from the maximum's is greater.
            let offset = group
                .iter()
                .zip(MAX_DIGITS)
                .position(|(&byte, max)| DIGITS[usize::from(byte)] != max)
                .unwrap_or(0);
            Z85Error::Overflow {
                pos: start,
                byte_pos: start + offset,
                byte: group[offset],
            }
        })?;
        out.extend_from_slice(&value.to_be_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_vectors() {
        let hello = [0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b];
        assert_eq!(encode(&hello).unwrap(), "HelloWorld");
        assert_eq!(decode("HelloWorld").unwrap(), hello);
        assert_eq!(encode(&[0u8; 32]).unwrap(), "0".repeat(40));
        assert_eq!(decode(&"0".repeat(40)).unwrap(), [0u8; 32]);
        assert_eq!(encode(&[0, 1, 2, 3]).unwrap(), "009c6");
        assert_eq!(decode("009c6").unwrap(), [0, 1, 2, 3]);
        assert_eq!(encode(&[0xff; 4]).unwrap(), "%nSc0");
        assert_eq!(decode("%nSc0").unwrap(), [0xff; 4]);
        assert_eq!(encode(&[0; 4]).unwrap(), "00000");
        assert_eq!(decode("00000").unwrap(), [0; 4]);
        let key = "r^/rM9M=rMToK)63O8dCvd9D<PY<7iGlC+{BiSnG";
        let raw = decode(key).unwrap();
        assert_eq!(raw.len(), 32);
        assert_eq!(encode(&raw).unwrap(), key);
    }

    #[test]
    fn libzmq_test_keys() {
        // Spec §2.4: the server secret key of libzmq's tests.
        let raw = decode("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6").unwrap();
        assert_eq!(raw[..4], [0x8e, 0x0b, 0xdd, 0x69]);
        assert_eq!(raw[28..], [0x3a, 0xea, 0xd3, 0xb7]);
    }

    #[test]
    fn every_digit_round_trips() {
        for (i, &c) in ALPHABET.iter().enumerate() {
            assert_eq!(usize::from(DIGITS[usize::from(c)]), i);
        }
        assert_eq!(DIGITS.iter().filter(|&&d| d != INVALID).count(), 85);
        let data: Vec<u8> = (0..=255u8).collect();
        assert_eq!(decode(&encode(&data).unwrap()).unwrap(), data);
    }

    #[test]
    fn empty_input_is_accepted() {
        assert_eq!(encode(&[]).unwrap(), "");
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn bad_lengths() {
        for len in [1usize, 2, 3, 5, 42] {
            assert_eq!(
                encode(&vec![0u8; len]),
                Err(Z85Error::InvalidLength { len, multiple: 4 })
            );
        }
        assert_eq!(
            decode("01234567"),
            Err(Z85Error::InvalidLength {
                len: 8,
                multiple: 5
            })
        );
        assert_eq!(
            decode("0"),
            Err(Z85Error::InvalidLength {
                len: 1,
                multiple: 5
            })
        );
    }

    #[test]
    fn overflow() {
        let overflow = |pos, byte_pos, byte| {
            Err(Z85Error::Overflow {
                pos,
                byte_pos,
                byte,
            })
        };
        assert_eq!(decode("#####"), overflow(0, 0, b'#'));
        assert_eq!(decode("%nSc1"), overflow(0, 4, b'1'));
        assert_eq!(decode("%nSd0"), overflow(0, 3, b'd'));
        assert_eq!(decode("%o000"), overflow(0, 1, b'o'));
        assert_eq!(decode("00000%nSc1"), overflow(5, 9, b'1'));
        assert_eq!(decode("00000%nTb0"), overflow(5, 7, b'T'));
        // The largest value, and the digits of the largest value.
        assert_eq!(decode("%nSc0").unwrap(), [0xff; 4]);
        assert_eq!(MAX_DIGITS.map(|d| ALPHABET[usize::from(d)]), *b"%nSc0");
        assert_eq!(
            Z85Error::Overflow {
                pos: 5,
                byte_pos: 9,
                byte: b'1'
            }
            .to_string(),
            "the group of 5 characters at offset 5 exceeds 0xFFFFFFFF"
        );
    }

    #[test]
    fn invalid_bytes() {
        for byte in [
            0x04u8, 0x10, 0x1f, b' ', b'"', b'\'', b',', b';', b'_', b'`',
            b'|', b'~',
        ] {
            let mut text = String::from("HelloWorld");
            text.insert(7, char::from(byte));
            text.insert_str(0, "0000");
            assert_eq!(
                decode(&text),
                Err(Z85Error::InvalidByte { pos: 11, byte })
            );
        }
        // A non-ASCII character is reported by its first UTF-8 byte.
        assert_eq!(
            decode("000é"),
            Err(Z85Error::InvalidByte { pos: 3, byte: 0xc3 })
        );
        assert_eq!(
            Z85Error::InvalidByte { pos: 3, byte: 0x1f }.to_string(),
            "input string contains invalid byte 0x1F at offset 3"
        );
    }
}
