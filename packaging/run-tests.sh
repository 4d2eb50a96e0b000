#!/usr/bin/env bash
# The one test command of Handset.
#
#   packaging/run-tests.sh [extra args for cargo test]
#
# Installs what the tests need (packaging/setup.sh test), then runs
#   cargo fmt --all -- --check
#   cargo clippy --all-targets --locked -- -D warnings
#   cargo test --locked --all-targets [extra args]
# inside a private D-Bus session with an unlocked gnome-keyring Secret Service
# and a private Xvfb display. Everything it starts is stopped by PID on exit.
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
repo="$(cd "$(dirname "$script")/.." && pwd)"
cd "$repo"
# shellcheck source=packaging/common.sh
. "$repo/packaging/common.sh"
cargo_on_path

step() {
    printf '\n==> %s\n' "$*"
}

export_pesq_python

if [ "${HANDSET_TEST_INNER:-}" != 1 ]; then
    step "packaging/setup.sh test"
    "$repo/packaging/setup.sh" test
    # Checks and the build come first, so the test services below live only as long as the tests.
    step "cargo fmt --all -- --check"
    cargo fmt --all -- --check
    step "cargo clippy --all-targets --locked -- -D warnings"
    cargo clippy --all-targets --locked -- -D warnings
    step "cargo test --locked --all-targets --no-run"
    cargo test --locked --all-targets --no-run
    step "starting a private D-Bus session"
    exec env HANDSET_TEST_INNER=1 dbus-run-session -- "$script" "$@"
fi

# ---- inner part: runs under dbus-run-session ----

tmp="$(mktemp -d "${TMPDIR:-/tmp}/handset-test.XXXXXX")"
chmod 700 "$tmp"
xvfb_pid=""
keyring_pid=""

cleanup() {
    local rc=$?
    if [ -n "$xvfb_pid" ]; then
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    if [ -n "$keyring_pid" ]; then
        kill "$keyring_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "unlocking a private gnome-keyring (Secret Service)"
# Private runtime dir and keyring files in $tmp: nothing here touches the user's real session.
if ! start_private_keyring "$tmp"; then
    echo "run-tests.sh: the keyring tests cannot run." >&2
    exit 1
fi

step "starting Xvfb"
n=99
while :; do
    while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do
        n=$((n + 1))
    done
    Xvfb ":$n" -nolisten tcp -screen 0 1280x1024x24 >"$tmp/xvfb.log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 50); do
        [ -S "/tmp/.X11-unix/X$n" ] && break
        kill -0 "$xvfb_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$xvfb_pid" 2>/dev/null && [ -S "/tmp/.X11-unix/X$n" ]; then
        break
    fi
    # lost a race for this display number, or Xvfb failed: try the next one
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
    xvfb_pid=""
    n=$((n + 1))
    if [ "$n" -gt 199 ]; then
        echo "run-tests.sh: could not start Xvfb:" >&2
        cat "$tmp/xvfb.log" >&2
        exit 1
    fi
done
export DISPLAY=":$n"
echo "DISPLAY=$DISPLAY (Xvfb pid $xvfb_pid)"

step "cargo test --locked --all-targets $*"
cargo test --locked --all-targets "$@"

step "all checks passed"
