#!/usr/bin/env bash
# Install what Handset needs on Debian 12 / Ubuntu 22.04+ (rustup assumed present).
#
#   packaging/setup.sh run    packages to build and run Handset
#   packaging/setup.sh test   the above plus what the test suite needs
#
# Idempotent and non-interactive: when every package is already installed it
# neither updates the package lists nor installs anything. Runs apt-get as root,
# or through sudo when not root.
set -euo pipefail

# Packages needed to build and run Handset. Extend here.
RUN_PACKAGES=(
    build-essential
    pkg-config
    libasound2-dev
    libopus-dev
    cmake
    libxkbcommon-dev
    libwayland-dev
    libx11-dev
    libxcursor-dev
    libxrandr-dev
    libxi-dev
    libfontconfig1-dev
    gnome-keyring
    dbus
    dbus-user-session
)

# Extra packages needed by packaging/run-tests.sh and the test suite. Extend here.
TEST_PACKAGES=(
    dbus-x11
    gnome-keyring
    libsecret-tools
    xvfb
    xauth
    xclip
    python3
    procps
)

usage() {
    echo "usage: $0 run|test" >&2
    exit 2
}

[ $# -eq 1 ] || usage
case "$1" in
    run) packages=("${RUN_PACKAGES[@]}") ;;
    test) packages=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
    *) usage ;;
esac

if [ -d "$HOME/.cargo/bin" ]; then
    case ":$PATH:" in
        *":$HOME/.cargo/bin:"*) ;;
        *) export PATH="$HOME/.cargo/bin:$PATH" ;;
    esac
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "setup.sh: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for pkg in "${packages[@]}"; do
    if ! installed "$pkg"; then
        # avoid listing a package twice (gnome-keyring is in both lists)
        case " ${missing[*]-} " in
            *" $pkg "*) ;;
            *) missing+=("$pkg") ;;
        esac
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup.sh: installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup.sh: cargo not found; install Rust with rustup (https://rustup.rs) first" >&2
    exit 1
fi

if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    echo "setup.sh: adding rustup components rustfmt and clippy"
    rustup component add rustfmt clippy
fi
