#!/usr/bin/env bash
# Install what Handset needs on Debian 12 / Ubuntu 22.04+ (rustup assumed present).
#
#   packaging/setup.sh run    packages to build and run Handset
#   packaging/setup.sh test   the above plus what the test suite needs, and a
#                             Python virtual environment with the PESQ scorer
#                             (PyPI `pesq` and `numpy`) for the call-quality tests
#
# Idempotent and non-interactive: when every package is already installed it
# neither updates the package lists nor installs anything, and a working PESQ
# environment is left as it is. Runs apt-get as root, or through sudo when not root.
#
# The PESQ environment lives in $HANDSET_PESQ_VENV, by default
# ${XDG_CACHE_HOME:-~/.cache}/handset/pesq-venv; the tests run its bin/python
# (packaging/run-tests.sh exports it as HANDSET_PESQ_PYTHON).
set -euo pipefail

# Packages needed to build and run Handset. Extend here.
RUN_PACKAGES=(
    build-essential
    pkg-config
    libasound2-dev
    libopus-dev
    libgsm1-dev
    libbcg729-dev
    # echo cancellation and noise suppression (src/media/voice.rs, voice_apm.cpp)
    libwebrtc-audio-processing-dev
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
    # real SIP peers for tests/sip (Kamailio registrar/proxy, baresip phones)
    kamailio
    kamailio-sqlite-modules
    kamailio-tls-modules
    kamailio-websocket-modules
    kamailio-extra-modules
    kamailio-utils-modules
    sqlite3
    openssl
    baresip-core
    # a Linphone phone (linphonec) for the G.729 tests: baresip has no G.729
    linphone-cli
    # a WebRTC media gateway (ICE-lite, DTLS-SRTP) for the ICE tests, userspace only
    rtpengine-daemon
    # a DNS server with NAPTR/SRV records for the RFC 3263 tests
    dnsmasq-base
    # an independent Ogg Opus decoder (opusdec) that reads back call recordings
    opus-tools
    # an FTP and FTPS server for the delivery of recordings (run by Debian's /usr/bin/python3)
    python3-pyftpdlib
    python3-openssl
    # a real SMTP server (STARTTLS, TLS, AUTH, size limit) for e-mail delivery of recordings
    python3-aiosmtpd
    # a real SSH/SFTP server (password login, chrooted) for SFTP delivery of recordings
    python3-asyncssh
    # encrypted OpenSSH client keys for the SFTP key-login test
    python3-bcrypt
    # the PESQ scorer of the call-quality tests (tests/tools/pesq_score.py) is built from
    # source in a virtual environment
    python3-venv
    python3-dev
    # a sound server with a null sink for the audio device tests (parec/paplay/pactl)
    pulseaudio
    pulseaudio-utils
    # the browser of the cloud sign-in tests ($BROWSER follows the authorization redirect)
    curl
    # the package check (packaging/check-deb.sh): validators of the installed desktop entry
    # and AppStream metainfo
    desktop-file-utils
    appstream
    # a real notification daemon for the window's notification tests (tests/sip/desktop.rs)
    dunst
    # a window manager and xprop for the minimised start (tests/accounts/desktop.rs)
    openbox
    x11-utils
)

# cargo-deb makes the .deb (packaging/check-deb.sh); pinned so the package check is repeatable.
CARGO_DEB_VERSION=3.8.0

# The PESQ package (ITU-T P.862 reference code with a Python wrapper); pinned so scores
# are comparable from run to run.
PESQ_PACKAGE=pesq==0.0.4

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

# shellcheck source=packaging/common.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/common.sh"


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

# Packages whose maintainer scripts would start a system-wide daemon (Kamailio
# on port 5060). The tests start their own instances on free ports; a system
# one is never wanted, so these are installed with service starts denied.
NO_START_PACKAGES=(kamailio)

policy=/usr/sbin/policy-rc.d
policy_saved=""
policy_installed=0

restore_policy() {
    [ "$policy_installed" = 1 ] || return 0
    if [ -n "$policy_saved" ]; then
        as_root mv -f "$policy_saved" "$policy"
    else
        as_root rm -f "$policy"
    fi
    policy_installed=0
}

# invoke-rc.d and deb-systemd-invoke consult policy-rc.d: exit 101 = "action
# forbidden", so postinst scripts neither start nor restart services.
deny_service_starts() {
    if [ -e "$policy" ]; then
        policy_saved="$(as_root mktemp "$policy.setup-sh.XXXXXX")"
        as_root cp -p "$policy" "$policy_saved"
    fi
    policy_installed=1
    trap restore_policy EXIT
    printf '#!/bin/sh\n# written by handset packaging/setup.sh during apt-get install\nexit 101\n' |
        as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
}

if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup.sh: installing: ${missing[*]}"
    for pkg in "${missing[@]}"; do
        case " ${NO_START_PACKAGES[*]} " in
            *" $pkg "*) [ "$policy_installed" = 1 ] || deny_service_starts ;;
        esac
    done
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    restore_policy
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup.sh: cargo not found; install Rust with rustup (https://rustup.rs) first" >&2
    exit 1
fi

if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    echo "setup.sh: adding rustup components rustfmt and clippy"
    rustup component add rustfmt clippy
fi

# pesq_venv: a virtual environment in which `import numpy, pesq` works; left alone when it does.
pesq_venv() {
    local venv python
    venv="${HANDSET_PESQ_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/handset/pesq-venv}"
    python="$venv/bin/python"
    if [ -x "$python" ] && "$python" -c 'import numpy, pesq' >/dev/null 2>&1; then
        return 0
    fi
    if [ -e "$venv" ] && [ ! -f "$venv/pyvenv.cfg" ]; then
        echo "setup.sh: $venv exists and is not a Python virtual environment: move it away" >&2
        exit 1
    fi
    echo "setup.sh: creating the PESQ environment in $venv"
    mkdir -p "$(dirname "$venv")"
    # Debian's interpreter: the one python3-dev has the headers of.
    /usr/bin/python3 -m venv --clear "$venv"
    # pesq 0.0.4 is an sdist whose setup.py needs numpy and Cython (and names pytest-runner)
    # while it runs: install them first and build pesq against them.
    "$python" -m pip install --quiet --upgrade pip setuptools wheel
    "$python" -m pip install --quiet numpy cython pytest-runner
    "$python" -m pip install --quiet --no-build-isolation "$PESQ_PACKAGE"
    "$python" -c 'import numpy, pesq' || {
        echo "setup.sh: the PESQ environment in $venv does not work" >&2
        exit 1
    }
}

# cargo_deb: cargo-deb $CARGO_DEB_VERSION in ~/.cargo/bin (built from crates.io, about a minute).
cargo_deb() {
    if [ "$(cargo deb --version 2>/dev/null || true)" = "cargo-deb $CARGO_DEB_VERSION" ] ||
        [ "$(cargo deb --version 2>/dev/null || true)" = "$CARGO_DEB_VERSION" ]; then
        return 0
    fi
    echo "setup.sh: installing cargo-deb $CARGO_DEB_VERSION"
    cargo install --quiet --locked cargo-deb --version "$CARGO_DEB_VERSION"
}

if [ "$1" = test ]; then
    pesq_venv
    cargo_deb
fi
