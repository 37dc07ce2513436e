//! The 64-byte greeting: `check_prefix` on every prefix and `Greeting::decode`.
//!
//! Asserts: a prefix that is rejected stays rejected when longer; `decode` accepts exactly the
//! inputs of at least 64 bytes whose 64-byte prefix passes `check_prefix`; a decoded greeting
//! re-encodes to the same bytes in every field that is not ignored (and to the very same 64
//! bytes when the input is canonical: libzmq padding, 0/1 as-server, zero filler); encoding
//! then decoding is the identity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmtp::greeting::{check_prefix, Greeting, GREETING_LEN};
use zmtp::ProtocolError;

fuzz_target!(|data: &[u8]| {
    // Prefix checks are monotone: once rejected, every longer prefix is rejected too.
    let mut rejected_at = None;
    for k in 0..=data.len().min(GREETING_LEN + 2) {
        let result = check_prefix(&data[..k]);
        match (rejected_at, &result) {
            (Some(at), Ok(())) => {
                panic!("prefix of {k} accepted after rejection at {at}")
            }
            (None, Err(_)) => rejected_at = Some(k),
            _ => {}
        }
        if let Err(err) = result {
            assert!(
                matches!(err, ProtocolError::UnsupportedVersion { .. }),
                "{err:?}"
            );
        }
    }
    // Only the first 11 bytes are checked.
    if data.len() > 11 {
        assert_eq!(
            check_prefix(data).is_ok(),
            check_prefix(&data[..11]).is_ok()
        );
    }

    let decoded = Greeting::decode(data);
    let prefix_ok = check_prefix(&data[..data.len().min(GREETING_LEN)]).is_ok();
    match &decoded {
        Ok(_) => assert!(prefix_ok && data.len() >= GREETING_LEN),
        Err(ProtocolError::IncompleteGreeting { len }) => {
            assert!(prefix_ok);
            assert_eq!(*len, data.len());
            assert!(data.len() < GREETING_LEN);
        }
        Err(ProtocolError::UnsupportedVersion { major }) => {
            assert!(!prefix_ok);
            if let Some(major) = major {
                assert_eq!(Some(major), data.get(10));
                assert!(*major < 3);
            }
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
    let Ok(greeting) = decoded else { return };
    let wire = &data[..GREETING_LEN];
    let encoded = greeting.encode();
    // The fields that are read survive a round trip byte for byte.
    assert_eq!(encoded[0], wire[0]);
    assert_eq!(encoded[10..32], wire[10..32]);
    assert_eq!(encoded[32] != 0, wire[32] != 0);
    assert_eq!(Greeting::decode(&encoded).as_ref(), Ok(&greeting));
    let canonical = wire[1..10] == [0, 0, 0, 0, 0, 0, 0, 1, 0x7f]
        && wire[32] <= 1
        && wire[33..].iter().all(|&b| b == 0);
    if canonical {
        assert_eq!(&encoded[..], wire);
    }
    // Mechanism helpers agree with the raw field.
    let name = greeting.mechanism_name();
    assert!(name.len() <= 20);
    assert!(greeting.mechanism[name.len()..].iter().all(|&b| b == 0));
    for mech in ["NULL", "PLAIN", "CURVE"] {
        let mut padded = [0u8; 20];
        padded[..mech.len()].copy_from_slice(mech.as_bytes());
        assert_eq!(greeting.mechanism_is(mech), greeting.mechanism == padded);
    }
});
