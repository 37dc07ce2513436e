//! Poly1305 (Bernstein 2005; the algorithm as described in RFC 8439 §2.5), one-shot, in
//! three ways chosen by length (`poly_speed` test, medians on the shared VM):
//!
//! * below 1 KiB, scalar: the accumulator and `r` in three limbs of 44, 44 and 42 bits,
//!   products in `u128` (≈ 1.4–1.9 GB/s);
//! * from 1 KiB to 16 KiB, when the CPU has AVX2: four lanes of 26-bit limbs side by side
//!   (block i of every group of four goes to lane i; each lane multiplies by r⁴, the last
//!   group by r⁴, r³, r², r; the lanes' sum goes on in the scalar code), vectorised by the
//!   compiler like the Salsa20 lanes (≈ 2–3.3 GB/s, its setup makes it slower below 1 KiB);
//! * from 16 KiB, RustCrypto's `poly1305`, whose AVX2 back end is the fastest on long
//!   messages (≈ 4.5 GB/s at 64 KiB) but has a fixed cost of about 2 µs per message (4
//!   times slower than the scalar code at 1 KiB).
//!
//! All three agree on every length up to 1100 bytes and on large ones (tests). Everything
//! here is constant time: no branch or index depends on the key, the accumulator or the
//! message bytes (only on the message length).

use poly1305::universal_hash::{KeyInit, UniversalHash};

/// From this many bytes on (and below [`SIMD_FROM`]), our 4-lane code is used under AVX2.
pub(crate) const PAR_FROM: usize = 1024;

/// From this many bytes on, the RustCrypto (AVX2) implementation is used.
pub(crate) const SIMD_FROM: usize = 16_384;

/// Low 44 bits.
const M44: u64 = (1 << 44) - 1;
/// Low 42 bits.
const M42: u64 = (1 << 42) - 1;

/// The 16-byte Poly1305 tag of `message` under the one-time `key` (r ‖ s).
pub(crate) fn tag(key: &[u8; 32], message: &[u8]) -> [u8; 16] {
    if message.len() >= SIMD_FROM {
        return simd_tag(key, message);
    }
    if message.len() >= PAR_FROM {
        if let Some(tag) = libzmq_simd::with_avx2(
            #[inline(always)]
            || par_tag(key, message),
        ) {
            return tag;
        }
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
    scalar_tag_from(key, [0; 3], message)
}

/// The scalar implementation from the accumulator `h` (44/44/42-bit limbs, partly reduced)
/// of the blocks before `message`.
fn scalar_tag_from(
    key: &[u8; 32],
    mut h: [u64; 3],
    message: &[u8],
) -> [u8; 16] {
    // r, clamped, split into limbs of 44, 44 and 42 bits.
    let (t0, t1) = (le64(&key[0..8]), le64(&key[8..16]));
    let r0 = t0 & 0xffc_0fff_ffff;
    let r1 = (t0 >> 44 | t1 << 20) & 0xfff_ffc0_ffff;
    let r2 = (t1 >> 24) & 0x00f_ffff_fc0f;
    // 2^130 = 5 (mod p); limb 1 and 2 products wrap around with a factor 5 · 2^2.
    let (s1, s2) = (r1 * 20, r2 * 20);

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

/// Lanes of the parallel Poly1305.
const PAR: usize = 4;

/// Low 26 bits.
const M26: u64 = (1 << 26) - 1;

/// A number modulo 2^130 - 5 in five 26-bit limbs, [`PAR`] of them side by side (`limb[i][lane]`).
type Limbs = [[u64; PAR]; 5];

/// `h = h · r (mod 2^130 - 5)`, lane by lane, partly reduced (limbs below 2^26, limb 1
/// below 2^26 + 2^10); `h` may hold one more block (limbs below 2^28) and `r` come from here;
/// `s` is `5 · r` for limbs 1–4.
#[inline(always)]
fn mul_lanes(h: &mut Limbs, r: &Limbs, s: &Limbs) {
    let mut d = [[0u64; PAR]; 5];
    for lane in 0..PAR {
        // Every factor is below 2^32 (limbs below 2^28, 5 · r below 2^30): 32 × 32 → 64-bit
        // products, which the compiler vectorises (the truncations lose nothing).
        let m = |a: usize, b: &Limbs, i: usize| {
            u64::from(h[a][lane] as u32) * u64::from(b[i][lane] as u32)
        };
        d[0][lane] =
            m(0, r, 0) + m(1, s, 4) + m(2, s, 3) + m(3, s, 2) + m(4, s, 1);
        d[1][lane] =
            m(0, r, 1) + m(1, r, 0) + m(2, s, 4) + m(3, s, 3) + m(4, s, 2);
        d[2][lane] =
            m(0, r, 2) + m(1, r, 1) + m(2, r, 0) + m(3, s, 4) + m(4, s, 3);
        d[3][lane] =
            m(0, r, 3) + m(1, r, 2) + m(2, r, 1) + m(3, r, 0) + m(4, s, 4);
        d[4][lane] =
            m(0, r, 4) + m(1, r, 3) + m(2, r, 2) + m(3, r, 1) + m(4, r, 0);
    }
    for lane in 0..PAR {
        let mut c;
        c = d[0][lane] >> 26;
        h[0][lane] = d[0][lane] & M26;
        d[1][lane] += c;
        c = d[1][lane] >> 26;
        h[1][lane] = d[1][lane] & M26;
        d[2][lane] += c;
        c = d[2][lane] >> 26;
        h[2][lane] = d[2][lane] & M26;
        d[3][lane] += c;
        c = d[3][lane] >> 26;
        h[3][lane] = d[3][lane] & M26;
        d[4][lane] += c;
        c = d[4][lane] >> 26;
        h[4][lane] = d[4][lane] & M26;
        h[0][lane] += c * 5;
        c = h[0][lane] >> 26;
        h[0][lane] &= M26;
        h[1][lane] += c;
    }
}
/// `x · 5`, limb by limb.
fn times5(x: &Limbs) -> Limbs {
    x.map(|limb| limb.map(|v| v * 5))
}

/// [`tag`] with the first `64 · k` bytes processed [`PAR`] blocks at a time (each lane
/// multiplies by r^4, the last group by r^4, r^3, r^2, r), the rest by the scalar code.
#[inline(always)]
pub(crate) fn par_tag(key: &[u8; 32], message: &[u8]) -> [u8; 16] {
    let groups = message.len() / (16 * PAR);
    if groups == 0 {
        return scalar_tag(key, message);
    }
    let limbs = |v: u128| -> [u64; 5] {
        // Truncation intended: 26-bit pieces.
        std::array::from_fn(|i| (v >> (26 * i)) as u64 & M26)
    };
    let mut r = [0u8; 16];
    r.copy_from_slice(&key[..16]);
    let r = limbs(
        u128::from_le_bytes(r) & 0x0fff_fffc_0fff_fffc_0fff_fffc_0fff_ffff,
    );
    let one = [1, 0, 0, 0, 0];
    let lanes = |v: [[u64; 5]; PAR]| -> Limbs {
        std::array::from_fn(|i| std::array::from_fn(|lane| v[lane][i]))
    };
    // [r^4, r^3, r^2, r]: multiply the first 3, 2, 1 lanes by r.
    let mut last = lanes([r; PAR]);
    for k in 0..PAR - 1 {
        let by = lanes(std::array::from_fn(|lane| {
            if lane < PAR - 1 - k {
                r
            } else {
                one
            }
        }));
        mul_lanes(&mut last, &by, &times5(&by));
    }
    let r4: Limbs = last.map(|limb| [limb[0]; PAR]);
    let (s4, s_last) = (times5(&r4), times5(&last));

    let mut h: Limbs = [[0; PAR]; 5];
    let (body, tail) = message.split_at(groups * 16 * PAR);
    for (g, group) in body.chunks_exact(16 * PAR).enumerate() {
        for (lane, block) in group.chunks_exact(16).enumerate() {
            let mut b = [0u8; 16];
            b.copy_from_slice(block);
            let m = limbs(u128::from_le_bytes(b));
            for (limb, piece) in h.iter_mut().zip(m) {
                limb[lane] += piece;
            }
            // The high bit of a whole block: 2^128 = 2^24 in limb 4.
            h[4][lane] += 1 << 24;
        }
        if g + 1 < groups {
            mul_lanes(&mut h, &r4, &s4);
        } else {
            mul_lanes(&mut h, &last, &s_last);
        }
    }
    // Sum of the lanes, in the scalar code's 44/44/42-bit limbs (partly reduced).
    let sum: [u64; 5] = std::array::from_fn(|i| h[i].iter().sum());
    let low = u128::from(sum[0])
        + (u128::from(sum[1]) << 26)
        + (u128::from(sum[2]) << 52)
        + (u128::from(sum[3]) << 78);
    // Truncation intended: 44-bit pieces and the top.
    let h44 = [
        low as u64 & M44,
        (low >> 44) as u64 & M44,
        (low >> 88) as u64 + (sum[4] << 16),
    ];
    scalar_tag_from(key, h44, tail)
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
        scalar_equals(simd_tag);
    }

    #[test]
    fn scalar_equals_parallel() {
        scalar_equals(par_tag);
    }

    fn scalar_equals(other: fn(&[u8; 32], &[u8]) -> [u8; 16]) {
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
                        other(&key, m),
                        "length {len}"
                    );
                }
            }
        }
    }

    /// The three implementations side by side, to place [`PAR_FROM`] and [`SIMD_FROM`]:
    /// `cargo test --release -p libzmq-zmtp poly_speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn poly_speed() {
        use std::time::Instant;
        let key = [7u8; 32];
        let par = |k: &[u8; 32], m: &[u8]| {
            libzmq_simd::with_avx2(|| par_tag(k, m))
                .unwrap_or_else(|| scalar_tag(k, m))
        };
        type Tag<'a> = &'a dyn Fn(&[u8; 32], &[u8]) -> [u8; 16];
        let impls: [(&str, Tag); 3] = [
            ("scalar", &scalar_tag),
            ("4-lane", &par),
            ("RustCrypto", &simd_tag),
        ];
        for len in [256usize, 512, 1024, 4096, 8192, 16_384, 65_536] {
            let message = vec![0x11u8; len];
            let iterations = (16 << 20) / len;
            let mut rates: [Vec<f64>; 3] = Default::default();
            for _round in 0..7 {
                for ((_, f), rates) in impls.iter().zip(rates.iter_mut()) {
                    let t = Instant::now();
                    for _ in 0..iterations {
                        std::hint::black_box(f(
                            &key,
                            std::hint::black_box(&message),
                        ));
                    }
                    rates.push(
                        (iterations * len) as f64
                            / t.elapsed().as_secs_f64()
                            / 1e6,
                    );
                }
            }
            let line: Vec<String> = impls
                .iter()
                .zip(rates)
                .map(|((name, _), mut r)| {
                    r.sort_by(f64::total_cmp);
                    format!("{name} {:.0}", r[3])
                })
                .collect();
            println!("{len:>6} B MB/s medians: {}", line.join(", "));
        }
    }
}
