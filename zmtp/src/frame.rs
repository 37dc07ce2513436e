//! ZMTP frames: `flags:u8 ‖ size (u8, or u64be when LONG) ‖ body` (spec §1.4).
//!
//! The encoder uses the long form iff the body is longer than 255 bytes, like libzmq. The
//! decoder is as lenient as libzmq (reserved flag bits ignored, long-encoded small sizes and
//! MORE on commands accepted) but checks every declared size against the maximum message size
//! *before* it reserves any memory, and never reserves memory for bytes that have not arrived.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::ProtocolError;

/// Flag bit: more frames of this message follow.
pub const MORE: u8 = 0x01;
/// Flag bit: the size is a 64-bit big-endian integer.
pub const LONG: u8 = 0x02;
/// Flag bit: this is a command frame.
pub const COMMAND: u8 = 0x04;

/// Largest body that uses the short (1-byte size) encoding.
pub const MAX_SHORT_BODY: usize = 255;

/// Longest possible frame header (flags + 8-byte size).
pub const MAX_HEADER_LEN: usize = 9;

/// How far ahead of the data that has actually arrived a reader may reserve buffer space for a
/// large body at a time: the bound the crate's tests and fuzz targets hold the read buffer's
/// capacity to. The decoders themselves reserve nothing; the caller makes room for what it
/// reads next ([`FrameDecoder::bytes_needed`] says how much the current frame still lacks).
pub const RESERVE_AHEAD: usize = 64 * 1024;

/// A decoded frame header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// MORE flag.
    pub more: bool,
    /// COMMAND flag.
    pub command: bool,
    /// Declared body length.
    pub len: u64,
}

impl FrameHeader {
    /// Parses a header from the start of `bytes`. Returns the header and its encoded length
    /// (2 or 9), or `None` when `bytes` does not hold the complete header yet.
    pub fn parse(bytes: &[u8]) -> Option<(FrameHeader, usize)> {
        let (&flags, rest) = bytes.split_first()?;
        let (len, header_len) = if flags & LONG != 0 {
            let size: [u8; 8] = rest.get(..8)?.try_into().ok()?;
            (u64::from_be_bytes(size), 9)
        } else {
            (u64::from(*rest.first()?), 2)
        };
        Some((
            FrameHeader {
                more: flags & MORE != 0,
                command: flags & COMMAND != 0,
                len,
            },
            header_len,
        ))
    }
}

/// One complete frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// MORE flag.
    pub more: bool,
    /// COMMAND flag.
    pub command: bool,
    /// The body (a zero-copy slice of the input buffer).
    pub body: Bytes,
}

/// One complete frame whose body may be changed in place (e.g. decrypted): a disjoint,
/// writable slice of the read buffer, as [`FrameDecoder::decode_mut`] returns it.
#[derive(Debug, PartialEq, Eq)]
pub struct FrameMut {
    /// MORE flag.
    pub more: bool,
    /// COMMAND flag.
    pub command: bool,
    /// The body (a zero-copy slice of the input buffer).
    pub body: BytesMut,
}

impl FrameMut {
    /// The frame with a read-only body (no copy).
    pub fn freeze(self) -> Frame {
        Frame {
            more: self.more,
            command: self.command,
            body: self.body.freeze(),
        }
    }
}

/// Writes a frame header for a body of `len` bytes into `out`; returns the header length
/// (2 for bodies up to 255 bytes, else 9).
pub fn encode_header(
    more: bool,
    command: bool,
    len: usize,
    out: &mut [u8; 9],
) -> usize {
    let mut flags = 0;
    if more {
        flags |= MORE;
    }
    if command {
        flags |= COMMAND;
    }
    match u8::try_from(len) {
        Ok(short) => {
            out[0] = flags;
            out[1] = short;
            2
        }
        Err(_) => {
            out[0] = flags | LONG;
            // usize is at most 64 bits on every supported target.
            let size = u64::try_from(len).unwrap_or(u64::MAX);
            out[1..9].copy_from_slice(&size.to_be_bytes());
            9
        }
    }
}

/// Appends a whole frame (header and body) to `out`.
pub fn encode_frame(
    more: bool,
    command: bool,
    body: &[u8],
    out: &mut BytesMut,
) {
    let mut header = [0u8; MAX_HEADER_LEN];
    let n = encode_header(more, command, body.len(), &mut header);
    out.reserve(n.saturating_add(body.len()));
    out.put_slice(&header[..n]);
    out.put_slice(body);
}

/// Where the decoder is within the current frame.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for a complete header (nothing consumed yet).
    Header,
    /// Header consumed; waiting for `len` body bytes.
    Body {
        more: bool,
        command: bool,
        len: usize,
    },
}

/// Incremental frame decoder over a caller-owned read buffer.
#[derive(Clone, Debug)]
pub struct FrameDecoder {
    max_size: Option<u64>,
    state: State,
}

impl FrameDecoder {
    /// A decoder that rejects frames whose declared size is strictly greater than `max_size`
    /// (`None` = no limit beyond what fits in memory).
    pub fn new(max_size: Option<u64>) -> FrameDecoder {
        FrameDecoder {
            max_size,
            state: State::Header,
        }
    }

    /// Changes the maximum frame size; applies from the next header on.
    pub fn set_max_size(&mut self, max_size: Option<u64>) {
        self.max_size = max_size;
    }

    /// The configured maximum frame size.
    pub fn max_size(&self) -> Option<u64> {
        self.max_size
    }

    /// Whether the decoder is in the middle of a frame (its header was already consumed).
    pub fn in_frame(&self) -> bool {
        matches!(self.state, State::Body { .. })
    }

    /// Decodes the next frame from the front of `buf`.
    ///
    /// Returns `Ok(None)` when more bytes are needed; the header of a frame whose body is
    /// incomplete is consumed and remembered, the body bytes stay in `buf`. Nothing is
    /// reserved in `buf`: the caller sizes its reads (a reader that grows the buffer for a
    /// large body on its own would otherwise see it copied at every step).
    pub fn decode(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<Frame>, ProtocolError> {
        self.decode_limited(buf, self.max_size)
    }

    /// Like [`decode`](FrameDecoder::decode), but a new frame's declared size is checked
    /// against `max_size` instead of the configured maximum (e.g. the size the command
    /// expected during the handshake can have). The check happens on the header alone:
    /// an oversized frame is refused before any byte of its body is consumed or any memory
    /// is reserved for it. A frame whose header was already accepted is not checked again.
    pub fn decode_limited(
        &mut self,
        buf: &mut BytesMut,
        max_size: Option<u64>,
    ) -> Result<Option<Frame>, ProtocolError> {
        Ok(self
            .decode_limited_mut(buf, max_size)?
            .map(FrameMut::freeze))
    }

    /// Like [`decode`](FrameDecoder::decode), but the body stays writable (for decrypting
    /// it in place). It shares the read buffer's memory without copying, like
    /// [`decode`](FrameDecoder::decode)'s.
    pub fn decode_mut(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<FrameMut>, ProtocolError> {
        self.decode_limited_mut(buf, self.max_size)
    }

    /// [`decode_limited`](FrameDecoder::decode_limited) with a writable body.
    pub fn decode_limited_mut(
        &mut self,
        buf: &mut BytesMut,
        max_size: Option<u64>,
    ) -> Result<Option<FrameMut>, ProtocolError> {
        if self.state == State::Header {
            let Some((header, header_len)) = FrameHeader::parse(buf) else {
                return Ok(None);
            };
            let len = check_size(header.len, max_size)?;
            buf.advance(header_len);
            self.state = State::Body {
                more: header.more,
                command: header.command,
                len,
            };
        }
        let State::Body { more, command, len } = self.state else {
            return Ok(None);
        };
        if buf.len() < len {
            return Ok(None);
        }
        self.state = State::Header;
        Ok(Some(FrameMut {
            more,
            command,
            body: buf.split_to(len),
        }))
    }

    /// The next frame of `buf` when it is a complete data frame of at most `max` bytes and
    /// nothing of it was consumed yet: `(header length, body length, more)`. `None` for
    /// anything else (a command, a larger or incomplete frame, a size over the limit: the
    /// ordinary decode deals with those).
    pub(crate) fn peek_small_data(
        &self,
        buf: &[u8],
        max: usize,
    ) -> Option<(usize, usize, bool)> {
        if self.state != State::Header {
            return None;
        }
        let (header, header_len) = FrameHeader::parse(buf)?;
        if header.command {
            return None;
        }
        let len = check_size(header.len, self.max_size).ok()?;
        (len <= max && buf.len() - header_len >= len).then_some((
            header_len,
            len,
            header.more,
        ))
    }

    /// How many more bytes (beyond what `buf` holds) complete the current frame. When the
    /// header is still incomplete this is the number of bytes that complete the header; with
    /// nothing buffered that is 2, the shortest header (a long one then needs 7 more).
    /// Always at least 1.
    pub fn bytes_needed(&self, buf: &BytesMut) -> usize {
        let needed = match self.state {
            State::Body { len, .. } => len.saturating_sub(buf.len()),
            State::Header => match FrameHeader::parse(buf) {
                Some((header, header_len)) => usize::try_from(header.len)
                    .unwrap_or(usize::MAX)
                    .saturating_add(header_len)
                    .saturating_sub(buf.len()),
                None => match buf.first() {
                    Some(flags) if flags & LONG != 0 => {
                        9usize.saturating_sub(buf.len())
                    }
                    _ => 2usize.saturating_sub(buf.len()),
                },
            },
        };
        needed.max(1)
    }
}

/// Checks a declared size against a limit; returns it as `usize`.
fn check_size(size: u64, limit: Option<u64>) -> Result<usize, ProtocolError> {
    // Nothing larger than isize::MAX can ever be held in memory.
    let hard = u64::try_from(isize::MAX).unwrap_or(u64::MAX);
    let max = limit.map_or(hard, |m| m.min(hard));
    if size > max {
        return Err(ProtocolError::FrameTooLarge { size, max });
    }
    usize::try_from(size)
        .map_err(|_| ProtocolError::FrameTooLarge { size, max })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(dec: &mut FrameDecoder, bytes: &[u8]) -> Vec<Frame> {
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(f) = dec.decode(&mut buf).unwrap() {
            out.push(f);
        }
        assert!(buf.is_empty());
        out
    }

    #[test]
    fn short_long_boundary() {
        let mut h = [0u8; 9];
        assert_eq!(encode_header(false, false, 0, &mut h), 2);
        assert_eq!(&h[..2], &[0x00, 0x00]);
        assert_eq!(encode_header(false, false, 255, &mut h), 2);
        assert_eq!(&h[..2], &[0x00, 0xff]);
        assert_eq!(encode_header(false, false, 256, &mut h), 9);
        assert_eq!(h, [0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x00]);
        assert_eq!(encode_header(false, false, 300, &mut h), 9);
        assert_eq!(h, [0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2c]);
        assert_eq!(encode_header(true, false, 5, &mut h), 2);
        assert_eq!(&h[..2], &[0x01, 0x05]);
        assert_eq!(encode_header(false, true, 7, &mut h), 2);
        assert_eq!(&h[..2], &[0x04, 0x07]);
        assert_eq!(encode_header(true, true, 279, &mut h), 9);
        assert_eq!(h, [0x07, 0, 0, 0, 0, 0, 0, 0x01, 0x17]);
    }

    #[test]
    fn encode_frames() {
        let mut out = BytesMut::new();
        encode_frame(false, false, b"hello", &mut out);
        encode_frame(false, false, b"", &mut out);
        assert_eq!(&out[..], b"\x00\x05hello\x00\x00");
        let mut out = BytesMut::new();
        encode_frame(false, false, &[0x78; 300], &mut out);
        assert_eq!(&out[..9], &[0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2c]);
        assert_eq!(out.len(), 309);
    }

    #[test]
    fn round_trip_boundaries() {
        for len in [0usize, 1, 254, 255, 256, 257, 70_000] {
            let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut out = BytesMut::new();
            encode_frame(true, false, &body, &mut out);
            let frames = decode_all(&mut FrameDecoder::new(None), &out);
            assert_eq!(frames.len(), 1);
            assert!(frames[0].more);
            assert!(!frames[0].command);
            assert_eq!(&frames[0].body[..], &body[..]);
        }
    }

    #[test]
    fn byte_by_byte() {
        let mut wire = BytesMut::new();
        encode_frame(false, false, b"hello", &mut wire);
        encode_frame(false, true, &[7u8; 300], &mut wire);
        encode_frame(true, false, b"", &mut wire);
        let mut dec = FrameDecoder::new(Some(1000));
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        for &b in wire.iter() {
            buf.put_u8(b);
            if let Some(f) = dec.decode(&mut buf).unwrap() {
                frames.push(f);
            }
        }
        assert_eq!(frames.len(), 3);
        assert_eq!(&frames[0].body[..], b"hello");
        assert!(frames[1].command);
        assert_eq!(frames[1].body.len(), 300);
        assert!(frames[2].more);
        assert!(frames[2].body.is_empty());
        assert!(buf.is_empty());
        assert!(!dec.in_frame());
    }

    #[test]
    fn lenient_like_libzmq() {
        // Reserved bits set, LONG with a small size, MORE on a command.
        let wire = [
            0xf8, 0x01, b'a', //
            0x02, 0, 0, 0, 0, 0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o', //
            0x05, 0x01, b'c',
        ];
        let frames = decode_all(&mut FrameDecoder::new(None), &wire);
        assert_eq!(frames.len(), 3);
        assert!(!frames[0].more && !frames[0].command);
        assert_eq!(&frames[1].body[..], b"hello");
        assert!(frames[2].more && frames[2].command);
    }

    #[test]
    fn max_size_equal_accepted_plus_one_rejected() {
        let mut dec = FrameDecoder::new(Some(64));
        let mut buf = BytesMut::new();
        encode_frame(false, false, &[1u8; 64], &mut buf);
        assert_eq!(dec.decode(&mut buf).unwrap().unwrap().body.len(), 64);
        encode_frame(false, false, &[1u8; 65], &mut buf);
        assert_eq!(
            dec.decode(&mut buf),
            Err(ProtocolError::FrameTooLarge { size: 65, max: 64 })
        );
        // Nothing was consumed.
        assert_eq!(buf.len(), 67);
        dec.set_max_size(Some(65));
        assert_eq!(dec.max_size(), Some(65));
        assert_eq!(dec.decode(&mut buf).unwrap().unwrap().body.len(), 65);
    }

    #[test]
    fn decode_limited_checks_the_header_only() {
        let mut dec = FrameDecoder::new(None);
        let mut buf = long_header(1 << 26);
        let before = buf.capacity();
        assert_eq!(
            dec.decode_limited(&mut buf, Some(200)),
            Err(ProtocolError::FrameTooLarge {
                size: 1 << 26,
                max: 200
            })
        );
        assert_eq!(buf.len(), 9, "header not consumed");
        assert_eq!(buf.capacity(), before, "nothing reserved");
        let mut buf = BytesMut::from(&[0x04u8, 200][..]);
        assert_eq!(dec.decode_limited(&mut buf, Some(200)), Ok(None));
        // Accepted headers are not checked again.
        buf.put_slice(&[0u8; 200]);
        assert_eq!(
            dec.decode_limited(&mut buf, Some(1))
                .unwrap()
                .unwrap()
                .body
                .len(),
            200
        );
    }

    #[test]
    fn max_size_applies_to_commands() {
        let mut dec = FrameDecoder::new(Some(20));
        let mut buf = BytesMut::from(&[0x04u8, 0x1c][..]);
        assert_eq!(
            dec.decode(&mut buf),
            Err(ProtocolError::FrameTooLarge { size: 28, max: 20 })
        );
    }

    fn long_header(size: u64) -> BytesMut {
        let mut b = BytesMut::new();
        b.put_u8(LONG);
        b.put_u64(size);
        b
    }

    #[test]
    fn huge_sizes_rejected_without_allocating() {
        for size in [1u64 << 63, u64::MAX] {
            for max in [None, Some(1 << 20)] {
                let mut dec = FrameDecoder::new(max);
                let mut buf = long_header(size);
                let before = buf.capacity();
                let err = dec.decode(&mut buf).unwrap_err();
                assert!(
                    matches!(err, ProtocolError::FrameTooLarge { size: s, .. } if s == size),
                    "{err:?}"
                );
                assert_eq!(buf.capacity(), before);
            }
        }
        let mut dec = FrameDecoder::new(Some(1 << 20));
        let mut buf = long_header(1 << 20 | 1);
        assert_eq!(
            dec.decode(&mut buf),
            Err(ProtocolError::FrameTooLarge {
                size: (1 << 20) + 1,
                max: 1 << 20
            })
        );
    }

    #[test]
    fn large_declared_size_reserves_only_a_window() {
        let size = 1u64 << 40;
        let mut dec = FrameDecoder::new(None);
        let mut buf = long_header(size);
        buf.put_slice(&[0u8; 100]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert!(dec.in_frame());
        assert!(buf.capacity() <= 2 * RESERVE_AHEAD, "{}", buf.capacity());
        assert_eq!(dec.bytes_needed(&buf), (size - 100) as usize);
        for _ in 0..10 {
            buf.put_slice(&[0u8; 1000]);
            assert_eq!(dec.decode(&mut buf), Ok(None));
            assert!(buf.capacity() <= 2 * RESERVE_AHEAD + 20_000);
        }
    }

    #[test]
    fn truncated_long_header_waits() {
        let mut dec = FrameDecoder::new(None);
        let mut buf = BytesMut::from(&[0x02u8, 0, 0, 0, 0][..]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert_eq!(buf.len(), 5);
        assert!(!dec.in_frame());
        assert_eq!(dec.bytes_needed(&buf), 4);
        buf.put_slice(&[0, 0, 0, 3, b'a', b'b']);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert_eq!(dec.bytes_needed(&buf), 1);
        buf.put_u8(b'c');
        assert_eq!(&dec.decode(&mut buf).unwrap().unwrap().body[..], b"abc");
    }

    #[test]
    fn bytes_needed_hints() {
        let dec = FrameDecoder::new(None);
        assert_eq!(dec.bytes_needed(&BytesMut::new()), 2);
        assert_eq!(dec.bytes_needed(&BytesMut::from(&[0x00u8][..])), 1);
        assert_eq!(dec.bytes_needed(&BytesMut::from(&[0x02u8][..])), 8);
        assert_eq!(dec.bytes_needed(&BytesMut::from(&[0x00u8, 10, 1][..])), 9);
        assert_eq!(dec.bytes_needed(&BytesMut::from(&[0x00u8, 0][..])), 1);
        assert!(dec.bytes_needed(&long_header(u64::MAX)) > usize::MAX / 2);
    }

    #[test]
    fn header_parse() {
        assert_eq!(FrameHeader::parse(&[]), None);
        assert_eq!(FrameHeader::parse(&[0x00]), None);
        assert_eq!(FrameHeader::parse(&[0x02, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(
            FrameHeader::parse(&[0x05, 3]),
            Some((
                FrameHeader {
                    more: true,
                    command: true,
                    len: 3
                },
                2
            ))
        );
        assert_eq!(
            FrameHeader::parse(&[0x02, 0, 0, 0, 0, 0, 0, 1, 0x2c]),
            Some((
                FrameHeader {
                    more: false,
                    command: false,
                    len: 300
                },
                9
            ))
        );
    }
}
