//! Poly1305 (Bernstein 2005; the algorithm as described in RFC 8439 §2.5), one-shot.
//!
//! Short inputs use our scalar implementation below: the accumulator and `r` in three limbs of
//! 44, 44 and 42 bits, products in `u128`. Long inputs use RustCrypto's `poly1305`, whose
//! AVX2 back end (detected at run time) is faster from about 4 KiB on but has a fixed cost
//! that makes it about 3 times slower than the scalar code on a 1 KiB message (see
//! `crypto.rs`). Everything here is constant time: no branch or index depends on the key,
//! the accumulator or the message bytes (only on the message length).

use poly1305::universal_hash::{KeyInit, UniversalHash};

/// From this many bytes on, the RustCrypto (AVX2) implementation is used.
pub(crate) const SIMD_FROM: usize = 4096;

/// Low 44 bits.
const M44: u64 = (1 << 44) - 1;
/// Low 42 bits.
const M42: u64 = (1 << 42) - 1;

/// The 16-byte Poly1305 tag of `message` under the one-time `key` (r ‖ s).
pub(crate) fn tag(key: &[u8; 32], message: &[u8]) -> [u8; 16] {
    if message.len() >= SIMD_FROM {
        return simd_tag(key, message);
    }
    scalar_tag(key, message)
}

/// [`tag`] by RustCrypto's `poly1305` (the whole blocks in one call, so its AVX2 back end
/// processes them four at a time).
pub(crate) fn simd_tag(key: &[u8; 32], message: &[u8]) -> [u8; 16] {
    let mut mac = poly1305::Poly1305::new(poly1305::Key::from_slice(key));
    let whole = message.len() - message.len() % 16;
    // Whole blocks need no padding: this is exactly Poly1305 over them.
    mac.update_padded(&message[..whole]);
    mac.compute_unpadded(&message[whole..]).into()
}

fn le64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

fn mul(a: u64, b: u64) -> u128 {
    u128::from(a) * u128::from(b)
}

/// [`tag`] by the scalar implementation.
pub(crate) fn scalar_tag(key: &[u8; 32], message: &[u8]) -> [u8; 16] {
    // r, clamped, split into limbs of 44, 44 and 42 bits.
    let (t0, t1) = (le64(&key[0..8]), le64(&key[8..16]));
    let r0 = t0 & 0xffc_0fff_ffff;
    let r1 = (t0 >> 44 | t1 << 20) & 0xfff_ffc0_ffff;
    let r2 = (t1 >> 24) & 0x00f_ffff_fc0f;
    // 2^130 = 5 (mod p); limb 1 and 2 products wrap around with a factor 5 · 2^2.
    let (s1, s2) = (r1 * 20, r2 * 20);
    let mut h = [0u64; 3];

    let mut block = |b: &[u8; 16], high_bit: u64| {
        let (t0, t1) = (le64(&b[0..8]), le64(&b[8..16]));
        h[0] += t0 & M44;
        h[1] += (t0 >> 44 | t1 << 20) & M44;
        h[2] += (t1 >> 24 & M42) | high_bit;
        let d0 = mul(h[0], r0) + mul(h[1], s2) + mul(h[2], s1);
        let mut d1 = mul(h[0], r1) + mul(h[1], r0) + mul(h[2], s2);
        let mut d2 = mul(h[0], r2) + mul(h[1], r1) + mul(h[2], r0);
        // Truncations intended: the low limbs of the products, the carries fit in u64.
        h[0] = d0 as u64 & M44;
        d1 += d0 >> 44;
        h[1] = d1 as u64 & M44;
        d2 += d1 >> 44;
        h[2] = d2 as u64 & M42;
        h[0] += (d2 >> 42) as u64 * 5;
        h[1] += h[0] >> 44;
        h[0] &= M44;
    };
    let mut blocks = message.chunks_exact(16);
    for b in &mut blocks {
        let mut whole = [0u8; 16];
        whole.copy_from_slice(b);
        block(&whole, 1 << 40);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut last = [0u8; 16];
        last[..tail.len()].copy_from_slice(tail);
        last[tail.len()] = 1;
        block(&last, 0);
    }

    // Full carry, then h mod p: subtract p = 2^130 - 5 if h ≥ p (selected by a mask).
    let [mut h0, mut h1, mut h2] = h;
    for _ in 0..2 {
        h2 += h1 >> 44;
        h1 &= M44;
        h0 += (h2 >> 42) * 5;
        h2 &= M42;
        h1 += h0 >> 44;
        h0 &= M44;
    }
    let mut g0 = h0 + 5;
    let mut g1 = h1 + (g0 >> 44);
    g0 &= M44;
    let g2 = (h2 + (g1 >> 44)).wrapping_sub(1 << 42);
    g1 &= M44;
    // All ones when g2 did not borrow (h ≥ p): take g.
    let take_g = (g2 >> 63).wrapping_sub(1);
    h0 = (h0 & !take_g) | (g0 & take_g);
    h1 = (h1 & !take_g) | (g1 & take_g);
    h2 = (h2 & !take_g) | (g2 & M42 & take_g);

    // tag = (h + s) mod 2^128.
    let (s0, s1) = (le64(&key[16..24]), le64(&key[24..32]));
    let low = h0 | h1 << 44;
    let high = h1 >> 20 | h2 << 24;
    let (low, carry) = low.overflowing_add(s0);
    let high = high.wrapping_add(s1).wrapping_add(u64::from(carry));
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&low.to_le_bytes());
    out[8..].copy_from_slice(&high.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8439 §2.5.2.
    #[test]
    fn rfc8439_vector() {
        let key: [u8; 32] = [
            0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33, 0x7f, 0x44, 0x52,
            0xfe, 0x42, 0xd5, 0x06, 0xa8, 0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d,
            0xb2, 0xfd, 0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b,
        ];
        let expected: [u8; 16] = [
            0xa8, 0x06, 0x1d, 0xc1, 0x30, 0x51, 0x36, 0xc6, 0xc2, 0x2b, 0x8b,
            0xaf, 0x0c, 0x01, 0x27, 0xa9,
        ];
        let message = b"Cryptographic Forum Research Group";
        assert_eq!(scalar_tag(&key, message), expected);
        assert_eq!(simd_tag(&key, message), expected);
    }

    /// Both implementations agree on every length up to 1100 bytes and on large ones, with
    /// keys that stress the limbs (all ones, so h and r are as large as clamping allows).
    #[test]
    fn scalar_equals_simd() {
        let message: Vec<u8> =
            (0..70_000u32).map(|i| (i * 7 + (i >> 9)) as u8).collect();
        let all_ones = vec![0xffu8; 70_000];
        for key in [
            [0xffu8; 32],
            [0x01; 32],
            core::array::from_fn(|i| (i as u8).wrapping_mul(37)),
        ] {
            for len in (0..=1100).chain([4095, 4096, 4097, 65_536, 65_551]) {
                for m in [&message[..len], &all_ones[..len]] {
                    assert_eq!(
                        scalar_tag(&key, m),
                        simd_tag(&key, m),
                        "length {len}"
                    );
                }
            }
        }
    }
}
