//! The incremental frame decoder, fed a stream cut into fuzzer-chosen chunks, under a
//! fuzzer-chosen maximum message size (often one near a boundary), with declared sizes near
//! every boundary (255/256 short/long, the maximum ± 1, isize::MAX, u64::MAX).
//!
//! Asserts:
//! * chunking does not matter: the chunked decode yields exactly the frames and the error of
//!   decoding the whole stream at once;
//! * every frame matches an independent parse of its header in the input, its body is the
//!   input's bytes, and a frame whose header was canonical re-encodes to the very same bytes;
//!   a stream built only from `encode_frame` decodes to what was encoded;
//! * no body is larger than the limit; a `FrameTooLarge` error names the declared size, a
//!   size above the limit, and consumes nothing;
//! * the decoder never reserves more than a bounded window ahead of the data (a declared size
//!   never drives an allocation) and `bytes_needed` is exact: fewer bytes make no progress,
//!   that many do.
#![no_main]

use bytes::{BufMut, BytesMut};
use fuzz_util::frame_input::{Input, Limit, Piece, Size};
use libfuzzer_sys::fuzz_target;
use zmtp::frame::{encode_frame, FrameHeader, LONG, RESERVE_AHEAD};
use zmtp::{Frame, FrameDecoder, ProtocolError};

const ISIZE_MAX: u64 = isize::MAX as u64;

fn boundary(i: u8, limit: Option<u64>) -> u64 {
    let max = limit.unwrap_or(ISIZE_MAX);
    match i % 14 {
        0 => 0,
        1 => 254,
        2 => 255,
        3 => 256,
        4 => 257,
        5 => max,
        6 => max.saturating_sub(1),
        7 => max.saturating_add(1),
        8 => u64::MAX,
        9 => u64::MAX - 1,
        10 => ISIZE_MAX,
        11 => ISIZE_MAX + 1,
        12 => u64::from(u32::MAX) + 1,
        _ => 1 << 63,
    }
}

fn size(s: Size, limit: Option<u64>) -> u64 {
    match s {
        Size::Boundary(i) => boundary(i, limit),
        Size::Near(i, d) => {
            boundary(i, limit).saturating_add_signed(i64::from(d))
        }
        Size::Any(v) => v,
    }
}

/// Decodes until `Ok(None)` or an error; returns the error.
fn drain(
    dec: &mut FrameDecoder,
    buf: &mut BytesMut,
    out: &mut Vec<Frame>,
) -> Option<ProtocolError> {
    loop {
        match dec.decode(buf) {
            Ok(Some(f)) => out.push(f),
            Ok(None) => return None,
            Err(e) => return Some(e),
        }
    }
}

/// One decode step of a copy of `dec` on a copy of `buf` whose capacity is exactly its
/// length: whatever capacity appears beyond Vec's own doubling is what the decoder reserved,
/// and that must be at most `RESERVE_AHEAD` and at most what the frame still lacks.
fn check_reservation(dec: &FrameDecoder, buf: &BytesMut) {
    let mut probe_dec = dec.clone();
    let mut probe = BytesMut::with_capacity(buf.len());
    probe.extend_from_slice(buf);
    let before = probe.len();
    if let Ok(None) = probe_dec.decode(&mut probe) {
        let missing = probe_dec.bytes_needed(&probe);
        let allowed =
            (2 * before).max(before + missing.min(RESERVE_AHEAD)).max(8);
        assert!(
            probe.capacity() <= allowed,
            "capacity {} > {allowed} (len {} of {before}, missing {missing})",
            probe.capacity(),
            probe.len()
        );
    }
}

fuzz_target!(|input: Input| {
    let limit = match input.limit {
        Limit::None => None,
        Limit::Boundary(i) => Some(match i % 8 {
            0 => 0,
            1 => 255,
            2 => 256,
            3 => 1 << 16,
            4 => u64::MAX,
            5 => ISIZE_MAX,
            6 => ISIZE_MAX + 1,
            _ => 1,
        }),
        Limit::Some(v) => Some(v),
    };
    let effective_max = limit.unwrap_or(ISIZE_MAX).min(ISIZE_MAX);

    // The stream, and what it must decode to when it is made of encoded frames only.
    let mut stream = BytesMut::new();
    let mut expected = Some(Vec::new());
    for piece in input.pieces.iter().take(64) {
        match *piece {
            Piece::Frame {
                more,
                command,
                len,
                fill,
            } => {
                let body = vec![fill; usize::from(len % 600)];
                encode_frame(more, command, &body, &mut stream);
                if let Some(exp) = expected.as_mut() {
                    exp.push((more, command, body));
                }
            }
            Piece::Long {
                flags,
                size: s,
                body,
            } => {
                stream.put_u8(flags | LONG);
                stream.put_u64(size(s, limit));
                stream.put_bytes(0xAB, usize::from(body));
                expected = None;
            }
            Piece::Short { flags, size, body } => {
                stream.put_u8(flags & !LONG);
                stream.put_u8(size);
                stream.put_bytes(0xCD, usize::from(body));
                expected = None;
            }
            Piece::Raw(ref bytes) => {
                stream.put_slice(bytes);
                expected = None;
            }
        }
    }

    // Reference: the whole stream at once.
    let mut whole_dec = FrameDecoder::new(limit);
    let mut whole = stream.clone();
    let mut frames = Vec::new();
    let whole_err = drain(&mut whole_dec, &mut whole, &mut frames);

    // Each frame against an independent parse of its header.
    let mut offset = 0usize;
    for f in &frames {
        let (header, hlen) =
            FrameHeader::parse(&stream[offset..]).expect("header present");
        assert_eq!(header.more, f.more);
        assert_eq!(header.command, f.command);
        assert_eq!(header.len, f.body.len() as u64);
        assert!(header.len <= effective_max);
        let end = offset + hlen + f.body.len();
        assert_eq!(&stream[offset + hlen..end], &f.body[..]);
        let flags = stream[offset];
        let canonical =
            flags & !0x07 == 0 && ((flags & LONG != 0) == (f.body.len() > 255));
        let mut re = BytesMut::new();
        encode_frame(f.more, f.command, &f.body, &mut re);
        if canonical {
            assert_eq!(&re[..], &stream[offset..end]);
        }
        // Canonical re-encoding decodes to the same frame.
        let mut again = Vec::new();
        assert!(
            drain(&mut FrameDecoder::new(limit), &mut re, &mut again).is_none()
        );
        assert_eq!(again.as_slice(), std::slice::from_ref(f));
        offset = end;
    }
    match &whole_err {
        Some(ProtocolError::FrameTooLarge { size, max }) => {
            assert!(size > max);
            assert_eq!(*max, effective_max);
            // Nothing of the offending frame was consumed.
            assert_eq!(whole.len(), stream.len() - offset);
            let (header, _) =
                FrameHeader::parse(&whole).expect("offending header kept");
            assert_eq!(header.len, *size);
        }
        Some(other) => panic!("unexpected error {other:?}"),
        None => {}
    }
    if let Some(exp) = &expected {
        let got: Vec<_> = frames
            .iter()
            .map(|f| (f.more, f.command, f.body.to_vec()))
            .collect();
        if exp.iter().all(|(_, _, b)| b.len() as u64 <= effective_max) {
            assert!(whole_err.is_none());
            assert_eq!(&got, exp);
            assert!(whole.is_empty());
            assert!(!whole_dec.in_frame());
        } else {
            assert!(whole_err.is_some());
            assert_eq!(&got[..], &exp[..got.len()]);
        }
    }

    // Chunked: the same frames and error, bounded reservation, exact `bytes_needed`.
    let mut dec = FrameDecoder::new(limit);
    let mut buf = BytesMut::new();
    let mut chunked = Vec::new();
    let mut chunked_err = None;
    for chunk in fuzz_util::chunks(&stream, &input.splits) {
        let needed = dec.bytes_needed(&buf);
        assert!(needed >= 1);
        let was_in_frame = dec.in_frame();
        let before = chunked.len();
        // With nothing buffered the header length is unknown: `bytes_needed` is then 2, a
        // lower bound that is exact only for a short header.
        let exact = was_in_frame || !buf.is_empty() || chunk[0] & LONG == 0;
        buf.extend_from_slice(chunk);
        check_reservation(&dec, &buf);
        let err = drain(&mut dec, &mut buf, &mut chunked);
        let progressed = chunked.len() > before
            || err.is_some()
            || dec.in_frame() != was_in_frame;
        if chunk.len() < needed {
            assert!(
                !progressed,
                "progress with {} of {needed} bytes",
                chunk.len()
            );
        } else if exact || chunk.len() >= 9 {
            assert!(
                progressed,
                "no progress with {} >= {needed} bytes",
                chunk.len()
            );
        }
        if err.is_some() {
            chunked_err = err;
            break;
        }
    }
    assert_eq!(chunked, frames);
    assert_eq!(chunked_err, whole_err);
});
