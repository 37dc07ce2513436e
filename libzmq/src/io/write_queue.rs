//! The output side of a connection: frame headers and small bodies are copied
//! into one buffer, large bodies are queued as shared slices, and everything
//! goes out in one vectored write.

use bytes::{Buf, Bytes, BytesMut};
use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

/// Bodies larger than this are not copied but written from their own buffer.
pub(crate) const COPY_LIMIT: usize = 8 * 1024;
/// At most this many slices per `writev`.
const MAX_SLICES: usize = 64;

/// Bytes waiting to be written, in order: `chunks`, then `tail`.
#[derive(Default)]
pub(crate) struct WriteQueue {
    chunks: VecDeque<Bytes>,
    chunk_bytes: usize,
    tail: BytesMut,
}

impl WriteQueue {
    /// Number of bytes waiting.
    pub(crate) fn len(&self) -> usize {
        self.chunk_bytes + self.tail.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer small writes append to.
    pub(crate) fn tail(&mut self) -> &mut BytesMut {
        &mut self.tail
    }

    /// Queues a frame header followed by a copy of its (small) body.
    pub(crate) fn push_copied(&mut self, header: &[u8], body: &[u8]) {
        self.tail.extend_from_slice(header);
        self.tail.extend_from_slice(body);
    }

    /// Queues a frame header followed by its body.
    pub(crate) fn push_frame(&mut self, header: &[u8], body: Bytes) {
        self.tail.extend_from_slice(header);
        if body.len() <= COPY_LIMIT {
            self.tail.extend_from_slice(&body);
        } else {
            self.seal_tail();
            self.chunk_bytes += body.len();
            self.chunks.push_back(body);
        }
    }

    fn seal_tail(&mut self) {
        if !self.tail.is_empty() {
            let sealed = self.tail.split().freeze();
            self.chunk_bytes += sealed.len();
            self.chunks.push_back(sealed);
        }
    }

    /// Writes as much as `writer` takes in one call.
    pub(crate) fn write_to(
        &mut self,
        writer: &mut impl Write,
    ) -> io::Result<usize> {
        let written = if self.chunks.is_empty() {
            writer.write(&self.tail)?
        } else {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let mut count = 0;
            for chunk in self.chunks.iter().take(MAX_SLICES - 1) {
                slices[count] = IoSlice::new(chunk);
                count += 1;
            }
            // The tail comes after every chunk: only add it when all of
            // them are in this write.
            if count == self.chunks.len() && !self.tail.is_empty() {
                slices[count] = IoSlice::new(&self.tail);
                count += 1;
            }
            writer.write_vectored(&slices[..count])?
        };
        self.advance(written);
        Ok(written)
    }

    fn advance(&mut self, mut count: usize) {
        while count > 0 {
            let Some(front) = self.chunks.front_mut() else {
                self.tail.advance(count.min(self.tail.len()));
                return;
            };
            let take = count.min(front.len());
            front.advance(take);
            self.chunk_bytes -= take;
            count -= take;
            if front.is_empty() {
                self.chunks.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes at most `limit` bytes per call.
    struct Trickle {
        data: Vec<u8>,
        limit: usize,
    }
    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.limit);
            self.data.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// More chunks than one `writev` takes, then a non-empty tail: the tail
    /// must not jump ahead of the chunks left for the next write.
    #[test]
    fn many_chunks_then_tail_stay_in_order() {
        let mut queue = WriteQueue::default();
        let mut expected = Vec::new();
        for i in 0..80u8 {
            let large = Bytes::from(vec![i; COPY_LIMIT + 1]);
            queue.push_frame(&[2, i], large.clone());
            expected.extend_from_slice(&[2, i]);
            expected.extend_from_slice(&large);
        }
        queue.push_frame(&[0, 1], Bytes::from_static(b"x"));
        expected.extend_from_slice(&[0, 1, b'x']);
        let mut out = Vectored { data: Vec::new() };
        while !queue.is_empty() {
            queue.write_to(&mut out).unwrap();
        }
        assert!(out.data == expected, "bytes out of order");
    }

    /// A writer that takes every slice of a vectored write.
    struct Vectored {
        data: Vec<u8>,
    }
    impl Write for Vectored {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.data.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn write_vectored(
            &mut self,
            bufs: &[IoSlice<'_>],
        ) -> io::Result<usize> {
            let mut total = 0;
            for buf in bufs {
                self.data.extend_from_slice(buf);
                total += buf.len();
            }
            Ok(total)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn small_and_large_frames_come_out_in_order() {
        let mut queue = WriteQueue::default();
        let large = Bytes::from(vec![7u8; COPY_LIMIT + 1]);
        queue.push_frame(&[0, 1], Bytes::from_static(b"a"));
        queue.push_frame(&[2, 3], large.clone());
        queue.push_frame(&[4], Bytes::from_static(b"bc"));
        let mut expected = vec![0, 1, b'a', 2, 3];
        expected.extend_from_slice(&large);
        expected.extend_from_slice(&[4, b'b', b'c']);
        assert_eq!(queue.len(), expected.len());
        let mut out = Trickle {
            data: Vec::new(),
            limit: 1000,
        };
        while !queue.is_empty() {
            queue.write_to(&mut out).unwrap();
        }
        assert_eq!(out.data, expected);
    }
}
