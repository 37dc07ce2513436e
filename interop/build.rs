//! Builds the real C libzmq 4.3.5 (vendored by the `zeromq-src` crate) and
//! links it statically into this crate.
//!
//! * DRAFT API enabled (`ZMQ_BUILD_DRAFT_API`): needed for CLIENT/SERVER,
//!   RADIO/DISH, SCATTER/GATHER, `zmq_msg_set_routing_id`, `zmq_join`, ...
//! * CURVE enabled (`ZMQ_USE_LIBSODIUM`, `ZMQ_HAVE_CURVE`) through libsodium,
//!   linked statically. `zeromq-src` does not compile libzmq's bundled
//!   tweetnacl, so libsodium is mandatory for CURVE. It comes from the
//!   `libsodium-sys-stable` crate, whose build script compiles the libsodium
//!   release tarball shipped inside the crate (`./configure && make`, no
//!   network, no system package) and passes us its `sodium.h` directory and
//!   `libsodium.a` directory as `DEP_SODIUM_INCLUDE` / `DEP_SODIUM_LIB`.
//! * The C++ is always compiled with `-O2` and without debug info, whatever
//!   the cargo profile: the benchmarks compare against this build, so it must
//!   be an optimised build (same level as Debian's libzmq5), and skipping `-g`
//!   keeps the compile time and archive size down.
//!
//! * On Linux/glibc, the platform feature macros that libzmq's own CMake/
//!   autotools configure step would detect (eventfd, accept4, SOCK_CLOEXEC,
//!   TCP keepalive options, ppoll, ...) are passed through `CXXFLAGS`:
//!   `zeromq-src` writes an empty `platform.hpp` and only defines the bare
//!   minimum, which would e.g. silently turn `ZMQ_TCP_KEEPALIVE*` into no-ops
//!   and use a socketpair instead of an eventfd for mailbox wake-ups. This
//!   keeps the build close to the distribution libzmq5 we compare against.
//!
//! No network access: the libzmq sources ship inside the `zeromq-src` crate,
//! the libsodium sources inside `libsodium-sys-stable`.
//!
//! Environment overrides:
//! * `SODIUM_LIB_DIR` (read by `libsodium-sys-stable` too): link the
//!   `libsodium.a` found there instead of compiling one, e.g.
//!   `/usr/lib/x86_64-linux-gnu` with Debian's `libsodium-dev`; the headers
//!   are then taken from `SODIUM_INCLUDE_DIR` (default `/usr/include`).
//! * `INTEROP_LIBZMQ_OPT_LEVEL`: optimisation level for the C++ (default `2`).

use std::env;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where `sodium.h` and `libsodium.a` are: the ones `libsodium-sys-stable`
/// built, or with `SODIUM_LIB_DIR` set (then that crate builds nothing and
/// only links the archive found there) the installed ones.
fn find_libsodium() -> (PathBuf, PathBuf) {
    let lib_dir = env::var_os("DEP_SODIUM_LIB")
        .or_else(|| env::var_os("SODIUM_LIB_DIR"))
        .map(PathBuf::from)
        .expect("interop: libsodium-sys-stable gave no DEP_SODIUM_LIB");
    let include_dir = env::var_os("DEP_SODIUM_INCLUDE")
        .or_else(|| env::var_os("SODIUM_INCLUDE_DIR"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/include"));

    let archive = lib_dir.join("libsodium.a");
    let header = include_dir.join("sodium.h");
    if !archive.is_file() || !header.is_file() {
        panic!(
            "interop: libsodium not found (looked for {} and {}). Unset \
             SODIUM_LIB_DIR to build it from source, or point SODIUM_LIB_DIR \
             / SODIUM_INCLUDE_DIR at an installed libsodium.",
            archive.display(),
            header.display()
        );
    }
    (lib_dir, include_dir)
}

/// Feature macros a libzmq 4.3.5 configure step detects on Linux/glibc (see
/// `builds/cmake/platform.hpp.in`), on top of what `zeromq-src` defines.
const LINUX_GNU_DEFINES: &[&str] = &[
    "ZMQ_IOTHREAD_POLLER_USE_EPOLL_CLOEXEC",
    "ZMQ_HAVE_PPOLL",
    "HAVE_POSIX_MEMALIGN=1",
    "ZMQ_CACHELINE_SIZE=64",
    "HAVE_FORK",
    "HAVE_CLOCK_GETTIME",
    "HAVE_MKDTEMP",
    "HAVE_ACCEPT4",
    "HAVE_IF_NAMETOINDEX",
    "ZMQ_HAVE_NOEXCEPT",
    "ZMQ_HAVE_EVENTFD",
    "ZMQ_HAVE_EVENTFD_CLOEXEC",
    "ZMQ_HAVE_IFADDRS",
    "ZMQ_HAVE_SO_BINDTODEVICE",
    "ZMQ_HAVE_SO_PEERCRED",
    "ZMQ_HAVE_BUSY_POLL",
    "ZMQ_HAVE_O_CLOEXEC",
    "ZMQ_HAVE_SOCK_CLOEXEC",
    "ZMQ_HAVE_SO_KEEPALIVE",
    "ZMQ_HAVE_SO_PRIORITY",
    "ZMQ_HAVE_TCP_KEEPCNT",
    "ZMQ_HAVE_TCP_KEEPIDLE",
    "ZMQ_HAVE_TCP_KEEPINTVL",
    "ZMQ_HAVE_PTHREAD_SETNAME_2",
    "ZMQ_HAVE_PTHREAD_SET_AFFINITY",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "SODIUM_LIB_DIR",
        "SODIUM_INCLUDE_DIR",
        "INTEROP_LIBZMQ_OPT_LEVEL",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let (lib_dir, include_dir) = find_libsodium();

    // `zeromq_src::Build` creates its own `cc::Build`, which takes the
    // optimisation level and debug-info setting from these cargo variables.
    // Override them for this (single-threaded) build-script process only.
    let opt =
        env::var("INTEROP_LIBZMQ_OPT_LEVEL").unwrap_or_else(|_| "2".into());
    env::set_var("OPT_LEVEL", &opt);
    env::set_var("DEBUG", "false");

    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let mut defines = Vec::new();
    if target_os == "linux" && target_env == "gnu" {
        // cc appends `CXXFLAGS_<target>` after its own flags; keep whatever
        // the user already put there.
        let target = env::var("TARGET").expect("TARGET");
        let var = format!("CXXFLAGS_{}", target.replace('-', "_"));
        println!("cargo:rerun-if-env-changed={var}");
        let mut flags = env::var(&var).unwrap_or_default();
        for d in LINUX_GNU_DEFINES {
            flags.push_str(" -D");
            flags.push_str(d);
            defines.push(*d);
        }
        env::set_var(&var, flags.trim_start());
    }

    let start = Instant::now();
    zeromq_src::Build::new()
        .enable_draft(true)
        .with_libsodium(Some(zeromq_src::LibLocation::new(
            &lib_dir,
            &include_dir,
        )))
        .build();
    let secs = start.elapsed().as_secs_f64();

    // Visible with `cargo build -vv` and in target/*/build/interop-*/output.
    println!(
        "cargo:rustc-env=INTEROP_LIBZMQ_BUILD_INFO=libzmq 4.3.5 (zeromq-src), draft=on, curve=libsodium ({}), -O{opt}",
        Path::new(&lib_dir).join("libsodium.a").display()
    );
    println!("interop: libzmq C++ build took {secs:.1}s (-O{opt})");
    println!("interop: extra platform defines: {}", defines.join(" "));
}
