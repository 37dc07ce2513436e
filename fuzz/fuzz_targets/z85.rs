//! Z85 (RFC 32).
//!
//! Asserts: decoding arbitrary text never panics and either fails with an error that
//! describes the text (length not a multiple of 5; an offset inside the text holding the
//! reported byte, which is not a Z85 character; an overflowing group of 5) or gives bytes that
//! encode back to the very same text; encoding any byte string whose length is a multiple of 4
//! gives 5/4 as many Z85 characters that decode back to it, other lengths are refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmtp::z85::{decode, encode};
use zmtp::Z85Error;

const ALPHABET: &[u8] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let text = String::from_utf8_lossy(rest);
        match decode(&text) {
            Ok(bytes) => {
                assert_eq!(bytes.len(), text.len() / 5 * 4);
                assert_eq!(encode(&bytes).as_deref(), Ok(&*text));
            }
            Err(Z85Error::InvalidLength { len, multiple }) => {
                assert_eq!((len, multiple), (text.len(), 5));
                assert_ne!(len % 5, 0);
            }
            Err(Z85Error::InvalidByte { pos, byte }) => {
                assert_eq!(text.as_bytes()[pos], byte);
                assert!(!ALPHABET.contains(&byte));
                // Everything before the bad byte's group is valid.
                let group = pos / 5 * 5;
                assert!(decode(&text[..group]).is_ok());
            }
            Err(Z85Error::Overflow {
                pos,
                byte_pos,
                byte,
            }) => {
                assert_eq!(pos % 5, 0);
                assert!((pos..pos + 5).contains(&byte_pos));
                assert_eq!(text.as_bytes()[byte_pos], byte);
                let group = &text[pos..pos + 5];
                assert!(group.bytes().all(|b| ALPHABET.contains(&b)));
                let value = group.bytes().fold(0u64, |v, b| {
                    v * 85
                        + ALPHABET.iter().position(|&a| a == b).unwrap() as u64
                });
                assert!(value > u64::from(u32::MAX));
                assert!(decode(&text[..pos]).is_ok());
            }
        }
    } else {
        match encode(rest) {
            Ok(text) => {
                assert_eq!(rest.len() % 4, 0);
                assert_eq!(text.len(), rest.len() / 4 * 5);
                assert!(text.bytes().all(|b| ALPHABET.contains(&b)));
                assert_eq!(decode(&text).as_deref(), Ok(rest));
            }
            Err(e) => {
                assert_ne!(rest.len() % 4, 0);
                assert_eq!(
                    e,
                    Z85Error::InvalidLength {
                        len: rest.len(),
                        multiple: 4
                    }
                );
            }
        }
        let whole = &rest[..rest.len() / 4 * 4];
        let text = encode(whole).expect("multiple of 4");
        assert_eq!(decode(&text).as_deref(), Ok(whole));
    }
});
