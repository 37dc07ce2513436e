#!/usr/bin/env bash
# Install the system packages needed to build the `interop/` crate, which
# compiles the real C libzmq 4.3.5 (vendored by the `zeromq-src` crate) with
# the DRAFT API and CURVE (backed by Debian's libsodium) and links it
# statically.
#
# What is needed and why:
#   g++            libzmq is C++ (compiled by the `cc` crate, no cmake needed)
#   libsodium-dev  static libsodium.a + headers for CURVE (zeromq-src links
#                  `static=sodium`; it does not bundle tweetnacl)
#   pkg-config     used by build.rs to locate libsodium (falls back to the
#                  Debian multiarch paths if absent)
#
# Idempotent: packages already installed are not reinstalled and apt is not
# even called when everything is present. Uses sudo only when not root.
set -euo pipefail

PKGS=(g++ libsodium-dev pkg-config)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps.sh: this script supports Debian/Ubuntu (apt) only" >&2
    exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps.sh: all dependencies already installed (${PKGS[*]})"
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-deps.sh: not root and sudo is not available" >&2
        exit 1
    fi
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps.sh: done"
