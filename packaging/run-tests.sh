#!/usr/bin/env bash
# The one test command of Handset.
#
#   packaging/run-tests.sh [extra args for cargo test]
#
# Installs what the tests need (packaging/setup.sh test), then runs
#   cargo fmt --all -- --check
#   cargo clippy --all-targets --locked -- -D warnings
#   packaging/check-deb.sh (once the build is done: the .deb installs and validates)
#   cargo test --locked --all-targets [extra args]
# inside a private D-Bus session with an unlocked gnome-keyring Secret Service,
# a private PulseAudio with a null sink and a private Xvfb display. Everything it
# starts is stopped by PID on exit.
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
    step "packaging/check-deb.sh (the .deb installs into an empty root and validates)"
    "$repo/packaging/check-deb.sh"
    step "starting a private D-Bus session"
    exec env HANDSET_TEST_INNER=1 dbus-run-session -- "$script" "$@"
fi

# ---- inner part: runs under dbus-run-session ----

tmp="$(mktemp -d "${TMPDIR:-/tmp}/handset-test.XXXXXX")"
chmod 700 "$tmp"
xvfb_pid=""
keyring_pid=""
pulse_pid=""

cleanup() {
    local rc=$?
    if [ -n "$xvfb_pid" ]; then
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    if [ -n "$keyring_pid" ]; then
        if ! kill -0 "$keyring_pid" 2>/dev/null; then
            # The Secret Service went away during the run: keyring errors above come from that.
            echo "run-tests.sh: gnome-keyring-daemon (pid $keyring_pid) exited during the tests; its log:" >&2
            tail -n 40 "$tmp/keyring.log" >&2 2>/dev/null || true
        fi
        kill "$keyring_pid" 2>/dev/null || true
    fi
    if [ -n "$pulse_pid" ]; then
        kill "$pulse_pid" 2>/dev/null || true
        wait "$pulse_pid" 2>/dev/null || true
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

step "starting a private PulseAudio with a null sink"
# No sound card here: a null sink (handset_test) whose monitor source records what is played to
# it. Its socket lives in our runtime dir; PULSE_SERVER points every client (cpal, pactl, parec)
# at it. Run in the foreground as our own child, without the user's config (-n).
mkdir -m 700 "$tmp/pulse-home"
HOME="$tmp/pulse-home" pulseaudio --daemonize=no --exit-idle-time=-1 --use-pid-file=no --disallow-exit \
    --disable-shm=yes -n \
    --load="module-native-protocol-unix auth-anonymous=1 socket=$XDG_RUNTIME_DIR/pulse-native" \
    --load="module-null-sink sink_name=handset_test rate=48000 channels=2" \
    --load="module-always-sink" >"$tmp/pulse.log" 2>&1 &
pulse_pid=$!
export PULSE_SERVER="unix:$XDG_RUNTIME_DIR/pulse-native"
for _ in $(seq 100); do
    pactl info >/dev/null 2>&1 && break
    kill -0 "$pulse_pid" 2>/dev/null || break
    sleep 0.1
done
if ! pactl info >/dev/null 2>&1; then
    echo "run-tests.sh: PulseAudio did not start; the audio device tests cannot run:" >&2
    cat "$tmp/pulse.log" >&2
    exit 1
fi
echo "PULSE_SERVER=$PULSE_SERVER (PulseAudio pid $pulse_pid)"

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

# One test at a time (unless RUST_TEST_THREADS says otherwise): the SIP suite's tests measure real-time
# audio (tone pitch and gaps, echo cancellation, PESQ scores) and two of them at once compete for the
# two cores of these machines, which shows as gaps in the sound rather than as a fault of either.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-1}"
step "cargo test --locked --all-targets $* (RUST_TEST_THREADS=$RUST_TEST_THREADS)"
cargo test --locked --all-targets "$@"

step "all checks passed"
