//! A whole session with the CURVE mechanism, as client or server (first input byte, bit 0),
//! fed a peer stream made from a real peer's output that the fuzzer delivers, mutates,
//! truncates, drops, duplicates, or interleaves with its own bytes, in fuzzer-chosen chunks;
//! authentication requests answered with fuzzer-chosen allow/deny. See `fuzz_util::session`
//! for the program format and the assertions (no panic, a closed session stays closed,
//! bounded buffering, limits, event order).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzz_util::session::run(fuzz_util::session::Mech::Curve, data);
});
