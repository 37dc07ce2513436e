//! The structured input of the `frame` target, here so that the recorded seeds
//! (`corpus/frame/rec-*`, written by `zmtp-record` in this layout) can be checked to decode
//! to what they mean.
#![allow(missing_docs)]

use arbitrary::Arbitrary;

/// A declared frame size.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// One of the interesting sizes (relative to the limit or absolute).
    Boundary(u8),
    /// An interesting size plus a small delta.
    Near(u8, i8),
    Any(u64),
}

/// A piece of the stream.
#[derive(Arbitrary, Debug, PartialEq, Eq)]
pub enum Piece {
    /// A frame written by `encode_frame`.
    Frame {
        more: bool,
        command: bool,
        len: u16,
        fill: u8,
    },
    /// A long header with a chosen size, followed by a few body bytes.
    Long {
        flags: u8,
        size: Size,
        body: u8,
    },
    /// A short header (any flags without LONG) and `body` bytes.
    Short {
        flags: u8,
        size: u8,
        body: u8,
    },
    Raw(Vec<u8>),
}

/// The decoder's maximum message size.
#[derive(Arbitrary, Debug, PartialEq, Eq)]
pub enum Limit {
    None,
    Boundary(u8),
    Some(u64),
}

/// The whole input of the `frame` target.
#[derive(Arbitrary, Debug, PartialEq, Eq)]
pub struct Input {
    /// The maximum message size.
    pub limit: Limit,
    /// The stream, piece by piece.
    pub pieces: Vec<Piece>,
    /// Chunk sizes (see [`crate::chunks`]).
    pub splits: Vec<u16>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbitrary::Unstructured;
    use bytes::BytesMut;
    use zmtp::FrameDecoder;

    /// Every recorded seed (`corpus/frame/rec-*`) is what `zmtp-record` meant: no limit, one
    /// raw piece, no splits, and the piece is a stream of whole frames.
    #[test]
    fn recorded_seeds_are_one_raw_stream_of_frames() {
        let seeds = crate::recorded_seeds("frame");
        assert!(!seeds.is_empty(), "no corpus/frame/rec-* seeds");
        for (name, data) in seeds {
            let input = Input::arbitrary_take_rest(Unstructured::new(&data))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(input.limit, Limit::None, "{name}");
            assert!(input.splits.is_empty(), "{name}");
            let [Piece::Raw(stream)] = &input.pieces[..] else {
                panic!("{name}: {:?}", input.pieces);
            };
            assert_eq!(data.len(), 2 * stream.len() + 11, "{name}");
            let mut buf = BytesMut::from(&stream[..]);
            let mut dec = FrameDecoder::new(None);
            let mut frames = 0;
            while let Some(_frame) = dec
                .decode(&mut buf)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
            {
                frames += 1;
            }
            assert!(frames > 0, "{name}");
        }
    }
}
