//! Metadata property lists (the body of READY, and of INITIATE/WELCOME boxes).
//!
//! Asserts: decoding arbitrary bytes either fails or yields properties that re-encode to the
//! identical bytes (`encoded_len` included); the number of properties is bounded by the input
//! length (at least 5 bytes each: bounded work); `decode` and `decode_bytes` agree; `get` finds
//! the first property whose name matches ignoring ASCII case; a list built with `insert`
//! round-trips through encode/decode.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use zmtp::metadata::MAX_PROPERTIES;
use zmtp::Metadata;

#[derive(Arbitrary, Debug)]
struct Built {
    props: Vec<(Vec<u8>, Vec<u8>)>,
    lookups: Vec<Vec<u8>>,
}

fn check_lookups(md: &Metadata, names: &[Vec<u8>]) {
    for name in names
        .iter()
        .map(Vec::as_slice)
        .chain(md.iter().map(|(n, _)| n).take(8))
    {
        let first = md
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| &v[..]);
        assert_eq!(md.get(name), first);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let bytes = Bytes::copy_from_slice(rest);
        let decoded = Metadata::decode_bytes(&bytes);
        assert_eq!(Metadata::decode(rest), decoded);
        let Ok(md) = decoded else { return };
        assert!(md.len() <= rest.len() / 5);
        assert_eq!(md.is_empty(), rest.is_empty());
        assert_eq!(md.encoded_len(), rest.len());
        let mut out = BytesMut::new();
        md.encode(&mut out);
        assert_eq!(&out[..], rest);
        check_lookups(&md, &[b"Socket-Type".to_vec(), b"identity".to_vec()]);
    } else {
        let Ok(built) = Built::arbitrary_take_rest(Unstructured::new(rest))
        else {
            return;
        };
        let mut md = Metadata::new();
        let mut kept = Vec::new();
        for (name, value) in built.props {
            let count = md.len();
            match md.insert(&name, value.clone()) {
                Ok(()) => kept.push((name, value)),
                // What `decode` would refuse, or what cannot be encoded.
                Err(_) => assert!(
                    name.is_empty()
                        || name.len() > 255
                        || count == MAX_PROPERTIES
                ),
            }
        }
        assert_eq!(md.len(), kept.len());
        let mut out = BytesMut::new();
        md.encode(&mut out);
        assert_eq!(out.len(), md.encoded_len());
        let back = Metadata::decode(&out).expect("encoded metadata decodes");
        assert_eq!(back, md);
        let pairs: Vec<_> =
            back.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect();
        assert_eq!(pairs, kept);
        check_lookups(&back, &built.lookups);
    }
});
