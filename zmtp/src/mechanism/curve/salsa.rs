//! Salsa20/20, HSalsa20 and the XSalsa20 key stream, written from Bernstein's specification
//! ("The Salsa20 family of stream ciphers", 2007, and "Extending the Salsa20 nonce", 2011).
//!
//! Safe Rust. On a CPU with AVX2, streams of three blocks or more are made [`LANES`] blocks
//! at a time: every state word is an array holding that word for each block (`[u32; 8]`) and
//! every step of a round is the same operation on all lanes, written as plain loops, which
//! the compiler turns into AVX2 instructions when the code runs inside
//! `libzmq_simd::with_avx2` (the only `unsafe`, outside this crate: a runtime-detected call of
//! a `#[target_feature(enable = "avx2")]` function). Two details make the compiler vectorise:
//! the rotation distances are opaque to it ([`Rotations`]), and the closure and everything it
//! calls are `#[inline(always)]`. Everything else (short streams, CPUs without AVX2, other
//! architectures) uses the one-block function, as fast as RustCrypto's `salsa20`.
//!
//! Without AVX2 the lane code is not used: compiled for SSE2 alone it is about 3 times
//! slower than the one-block code (the compiler keeps it scalar and spills).

/// The four constant words, "expand 32-byte k".
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Bytes in one Salsa20 block.
pub(crate) const BLOCK: usize = 64;

/// Blocks computed side by side (eight 32-bit lanes fill one AVX2 register).
pub(crate) const LANES: usize = 8;

/// Streams of at least this many bytes use the [`LANES`]-wide path when the CPU has AVX2
/// (one wide batch costs about as much as three single blocks).
const WIDE_FROM: usize = 3 * BLOCK;

/// The state before the rounds: constants, key, the 16 bytes `input` (nonce ‖ counter for
/// Salsa20, the nonce for HSalsa20).
fn initial_state(key: &[u8; 32], input: &[u8; 16]) -> [u32; 16] {
    let word = |bytes: &[u8], i: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&bytes[4 * i..4 * i + 4]);
        u32::from_le_bytes(w)
    };
    let k = |i| word(key, i);
    let n = |i| word(input, i);
    [
        SIGMA[0],
        k(0),
        k(1),
        k(2),
        k(3),
        SIGMA[1],
        n(0),
        n(1),
        n(2),
        n(3),
        SIGMA[2],
        k(4),
        k(5),
        k(6),
        k(7),
        SIGMA[3],
    ]
}

/// Applies `$qr` to the eight quarter-rounds of one double round (columns, then rows).
macro_rules! double_round {
    ($qr:ident, $x:expr) => {
        // Column round.
        $qr(&mut $x, 0, 4, 8, 12);
        $qr(&mut $x, 5, 9, 13, 1);
        $qr(&mut $x, 10, 14, 2, 6);
        $qr(&mut $x, 15, 3, 7, 11);
        // Row round.
        $qr(&mut $x, 0, 1, 2, 3);
        $qr(&mut $x, 5, 6, 7, 4);
        $qr(&mut $x, 10, 11, 8, 9);
        $qr(&mut $x, 15, 12, 13, 14);
    };
}

/// The quarter-round on words `a`, `b`, `c`, `d` of one state.
#[inline(always)]
fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
    x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
    x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
    x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
}

/// The 20 rounds on one state (no feed-forward).
#[inline(always)]
fn rounds(x: &mut [u32; 16]) {
    for _ in 0..10 {
        double_round!(quarter, *x);
    }
}

/// HSalsa20: a 32-byte key and 16-byte input to a 32-byte subkey (XSalsa20's first step and
/// NaCl's `crypto_box_beforenm` with a zero input).
pub(crate) fn hsalsa20(key: &[u8; 32], input: &[u8; 16]) -> [u8; 32] {
    let mut x = initial_state(key, input);
    rounds(&mut x);
    let mut out = [0u8; 32];
    for (chunk, i) in out.chunks_exact_mut(4).zip([0, 5, 10, 15, 6, 7, 8, 9]) {
        chunk.copy_from_slice(&x[i].to_le_bytes());
    }
    out
}

/// A Salsa20/20 key stream (32-byte key, 8-byte nonce) from block `counter` on. Its state
/// (which holds the key) is wiped on drop.
#[derive(Clone)]
pub(crate) struct Salsa20 {
    /// The initial state with the block counter in words 8 and 9.
    state: [u32; 16],
}

impl Drop for Salsa20 {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.state);
    }
}

impl Salsa20 {
    pub(crate) fn new(
        key: &[u8; 32],
        nonce: &[u8; 8],
        counter: u64,
    ) -> Salsa20 {
        let mut input = [0u8; 16];
        input[..8].copy_from_slice(nonce);
        input[8..].copy_from_slice(&counter.to_le_bytes());
        Salsa20 {
            state: initial_state(key, &input),
        }
    }

    /// The XSalsa20 stream of a 32-byte key and 24-byte nonce, from block 0.
    pub(crate) fn xsalsa20(key: &[u8; 32], nonce: &[u8; 24]) -> Salsa20 {
        let mut first = [0u8; 16];
        first.copy_from_slice(&nonce[..16]);
        let subkey = zeroize::Zeroizing::new(hsalsa20(key, &first));
        let mut rest = [0u8; 8];
        rest.copy_from_slice(&nonce[16..]);
        Salsa20::new(&subkey, &rest, 0)
    }

    fn counter(&self) -> u64 {
        u64::from(self.state[8]) | u64::from(self.state[9]) << 32
    }

    fn set_counter(&mut self, counter: u64) {
        // Truncation intended: the low and high halves of the counter.
        self.state[8] = counter as u32;
        self.state[9] = (counter >> 32) as u32;
    }

    /// The next block of key stream.
    pub(crate) fn next_block(&mut self) -> [u8; BLOCK] {
        let mut x = self.state;
        rounds(&mut x);
        let mut out = [0u8; BLOCK];
        for ((chunk, word), input) in
            out.chunks_exact_mut(4).zip(x).zip(self.state)
        {
            chunk.copy_from_slice(&word.wrapping_add(input).to_le_bytes());
        }
        self.set_counter(self.counter().wrapping_add(1));
        out
    }

    /// The next [`LANES`] blocks of key stream.
    #[inline(always)]
    fn next_blocks(&mut self, out: &mut [u8; LANES * BLOCK]) {
        let start = self.counter();
        let mut input = [Lanes([0; LANES]); 16];
        for (word, &value) in input.iter_mut().zip(&self.state) {
            *word = Lanes([value; LANES]);
        }
        // Truncation intended, as in set_counter.
        let counter = |lane: usize| start.wrapping_add(lane as u64);
        input[8] = Lanes(std::array::from_fn(|lane| counter(lane) as u32));
        input[9] =
            Lanes(std::array::from_fn(|lane| (counter(lane) >> 32) as u32));
        let mut x = input;
        let r = Rotations::new();
        let quarter =
            |x: &mut [Lanes; 16], a, b, c, d| quarter_lanes(x, r, a, b, c, d);
        for _ in 0..10 {
            double_round!(quarter, x);
        }
        for (i, (word, input)) in x.iter().zip(&input).enumerate() {
            let sum = word.add(*input);
            for (lane, value) in sum.0.iter().enumerate() {
                let at = lane * BLOCK + 4 * i;
                out[at..at + 4].copy_from_slice(&value.to_le_bytes());
            }
        }
        self.set_counter(start.wrapping_add(LANES as u64));
    }

    /// XORs the key stream into `data`, from the current block on; a partial last block
    /// uses up that block.
    pub(crate) fn apply(&mut self, data: &mut [u8]) {
        if data.len() >= WIDE_FROM {
            let wide = libzmq_simd::with_avx2(
                #[inline(always)]
                || self.apply_wide(data),
            );
            if wide.is_some() {
                return;
            }
        }
        self.apply_narrow(data);
    }

    /// [`apply`](Salsa20::apply) one block at a time (short streams, CPUs without AVX2).
    fn apply_narrow(&mut self, data: &mut [u8]) {
        for chunk in data.chunks_mut(BLOCK) {
            xor(chunk, &self.next_block());
        }
    }

    /// [`apply`](Salsa20::apply) [`LANES`] blocks at a time (a partial last batch computes
    /// a whole batch and uses what it needs).
    #[inline(always)]
    fn apply_wide(&mut self, data: &mut [u8]) {
        let mut stream = [0u8; LANES * BLOCK];
        for batch in data.chunks_mut(LANES * BLOCK) {
            let start = self.counter();
            self.next_blocks(&mut stream);
            xor(batch, &stream);
            let used = batch.len().div_ceil(BLOCK) as u64;
            self.set_counter(start.wrapping_add(used));
        }
        zeroize::Zeroize::zeroize(&mut stream);
    }
}

/// `data ^= stream` over `data`'s length.
#[inline(always)]
fn xor(data: &mut [u8], stream: &[u8]) {
    for (d, s) in data.iter_mut().zip(stream) {
        *d ^= s;
    }
}

/// One state word of [`LANES`] blocks. Every operation is the same on each lane and written
/// as a plain loop over the array, which the compiler vectorises.
#[derive(Clone, Copy)]
struct Lanes([u32; LANES]);

impl Lanes {
    #[inline(always)]
    fn add(self, other: Lanes) -> Lanes {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            *o = o.wrapping_add(b);
        }
        Lanes(out)
    }

    #[inline(always)]
    fn xor(self, other: Lanes) -> Lanes {
        let mut out = self.0;
        for (o, b) in out.iter_mut().zip(other.0) {
            *o ^= b;
        }
        Lanes(out)
    }

    /// `self <<< left` given `right = 32 - left` (see [`Rotations`]).
    #[inline(always)]
    fn rotate(self, (left, right): (u32, u32)) -> Lanes {
        let mut out = self.0;
        for o in out.iter_mut() {
            *o = *o << left | *o >> right;
        }
        Lanes(out)
    }
}

/// The four rotation distances of the quarter-round as (left, right) shift pairs, read
/// through [`std::hint::black_box`] so that the compiler cannot see that each pair is a
/// rotation. Known rotations are compiled as scalar rotate instructions (x86 has no vector
/// rotate before AVX-512); opaque shift pairs are compiled as vector shifts, which is what
/// makes the lanes vectorise.
#[derive(Clone, Copy)]
struct Rotations([(u32, u32); 4]);

impl Rotations {
    #[inline(always)]
    fn new() -> Rotations {
        Rotations(std::hint::black_box([(7, 25), (9, 23), (13, 19), (18, 14)]))
    }
}

/// The quarter-round on words `a`, `b`, `c`, `d`, lane by lane.
#[inline(always)]
fn quarter_lanes(
    x: &mut [Lanes; 16],
    r: Rotations,
    a: usize,
    b: usize,
    c: usize,
    d: usize,
) {
    x[b] = x[b].xor(x[a].add(x[d]).rotate(r.0[0]));
    x[c] = x[c].xor(x[b].add(x[a]).rotate(r.0[1]));
    x[d] = x[d].xor(x[c].add(x[b]).rotate(r.0[2]));
    x[a] = x[a].xor(x[d].add(x[c]).rotate(r.0[3]));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bernstein's Salsa20 specification, §8 (expansion with a 32-byte key) and §10.1 of the
    /// XSalsa20 paper are covered by the comparisons with the reference crates in
    /// `crypto.rs`; here the HSalsa20 example of "Cryptography in NaCl" §6 (its `firstkey`).
    #[test]
    fn hsalsa20_nacl_firstkey() {
        let shared: [u8; 32] = [
            0x4a, 0x5d, 0x9d, 0x5b, 0xa4, 0xce, 0x2d, 0xe1, 0x72, 0x8e, 0x3b,
            0xf4, 0x80, 0x35, 0x0f, 0x25, 0xe0, 0x7e, 0x21, 0xc9, 0x47, 0xd1,
            0x9e, 0x33, 0x76, 0xf0, 0x9b, 0x3c, 0x1e, 0x16, 0x17, 0x42,
        ];
        let firstkey: [u8; 32] = [
            0x1b, 0x27, 0x55, 0x64, 0x73, 0xe9, 0x85, 0xd4, 0x62, 0xcd, 0x51,
            0x19, 0x7a, 0x9a, 0x46, 0xc7, 0x60, 0x09, 0x54, 0x9e, 0xac, 0x64,
            0x74, 0xf2, 0x06, 0xc4, 0xee, 0x08, 0x44, 0xf6, 0x83, 0x89,
        ];
        assert_eq!(hsalsa20(&shared, &[0; 16]), firstkey);
    }

    /// The wide path (whatever the CPU) equals the one-block path on every length.
    #[test]
    fn wide_equals_narrow() {
        let key = [9u8; 32];
        for len in (0..=1100).chain([4096, 65_537]) {
            let mut wide = vec![0u8; len];
            let mut narrow = vec![0u8; len];
            let mut a =
                Salsa20::new(&key, b"12345678", u64::from(u32::MAX) - 5);
            let mut b = a.clone();
            a.apply_wide(&mut wide);
            b.apply_narrow(&mut narrow);
            assert!(wide == narrow, "length {len}");
            assert_eq!(a.counter(), b.counter(), "length {len}");
        }
    }

    #[test]
    fn batches_equal_single_blocks() {
        let key = [7u8; 32];
        for start in [0u64, 1, u64::from(u32::MAX) - 3, u64::MAX - 2] {
            let mut wide = Salsa20::new(&key, b"abcdefgh", start);
            let mut narrow = wide.clone();
            let mut blocks = [0u8; LANES * BLOCK];
            wide.next_blocks(&mut blocks);
            for (lane, block) in blocks.chunks_exact(BLOCK).enumerate() {
                assert_eq!(block, narrow.next_block(), "{start} {lane}");
            }
            assert_eq!(wide.counter(), narrow.counter());
        }
    }
}
