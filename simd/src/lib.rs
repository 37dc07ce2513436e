//! Runs a closure compiled for AVX2 when the CPU has it.
//!
//! The whole `unsafe` surface of the workspace's cryptography (`libzmq-zmtp` forbids
//! `unsafe`): [`with_avx2`] checks at run time whether the CPU supports AVX2
//! (`is_x86_feature_detected!`, cached by std) and if so calls the closure through a function
//! marked `#[target_feature(enable = "avx2")]`. The closure is ordinary safe code (e.g. loops
//! over `[u32; 8]` lanes); inlined into that function it is compiled with AVX2 instructions.
//! Calling a `#[target_feature]` function is `unsafe` only because running it on a CPU
//! without the feature is undefined; the detection right before the call is exactly that
//! precondition, so [`with_avx2`] is sound for any closure.
//!
//! The closure should be `#[inline(always)]` code (a closure literal calling
//! `#[inline(always)]` functions): what is not inlined is compiled for the baseline target
//! and only loses speed. (AVX-512, whose rotate instructions would help Salsa20 further,
//! can only be enabled this way from Rust 1.89 on; the workspace's MSRV is 1.82.)

#![no_std]
#![deny(missing_docs)]

#[cfg(target_arch = "x86_64")]
extern crate std;

/// Whether this CPU supports AVX2 (always `false` off x86-64).
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Calls `f` compiled for AVX2 and returns its result, or returns `None` without calling it
/// when the CPU does not support AVX2.
#[inline]
pub fn with_avx2<R>(f: impl FnOnce() -> R) -> Option<R> {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            // SAFETY: the CPU supports AVX2 (detected just above).
            return Some(unsafe { avx2(f) });
        }
    }
    let _ = f;
    None
}

/// Calls `f` in a function compiled with AVX2 enabled.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_closure_when_avx2_is_there() {
        let mut lanes = [1u32; 8];
        let sum = with_avx2(|| {
            for l in lanes.iter_mut() {
                *l = l.rotate_left(3).wrapping_add(1);
            }
            lanes.iter().sum::<u32>()
        });
        assert_eq!(sum.is_some(), has_avx2());
        if let Some(sum) = sum {
            assert_eq!(sum, 8 * 9);
        }
    }
}
