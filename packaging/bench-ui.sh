#!/usr/bin/env bash
# Start-up of the desktop window, per renderer: time to the first frame and idle resident
# memory, median of several launches.
#
#   packaging/bench-ui.sh [launches per renderer, default 5]
#
# Builds `handset` with the bench profile (optimised, no whole-program LTO), then launches it
# on a private Xvfb display and D-Bus session with an unlocked gnome-keyring, on an empty
# portable profile (the first-run wizard), with HANDSET_STARTUP_PROBE set: the app prints
# "first frame after N ms" (from the window being asked for) and, after one idle second,
# "idle RSS N KiB", then closes. The script also times each launch from process start to
# that first-frame line. ICED_BACKEND picks the renderer: tiny-skia (software) and wgpu (on
# llvmpipe here). Everything it starts is stopped by PID on exit.
set -euo pipefail

script="$(readlink -f "${BASH_SOURCE[0]}")"
repo="$(cd "$(dirname "$script")/.." && pwd)"
cd "$repo"
# shellcheck source=packaging/common.sh
. "$repo/packaging/common.sh"
cargo_on_path
runs="${1:-5}"

if [ "${HANDSET_BENCH_INNER:-}" != 1 ]; then
    "$repo/packaging/setup.sh" test >/dev/null
    cargo build --locked --profile bench --bin handset
    exec env HANDSET_BENCH_INNER=1 dbus-run-session -- "$script" "$@"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/handset-bench-ui.XXXXXX")"
chmod 700 "$tmp"
keyring_pid=""
xvfb_pid=""
cleanup() {
    local rc=$?
    for pid in $xvfb_pid $keyring_pid; do
        kill "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
start_private_keyring "$tmp"
display=":$((100 + RANDOM % 800))"
Xvfb "$display" -screen 0 1280x1024x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY="$display"
for _ in $(seq 50); do
    [ -S "/tmp/.X11-unix/X${display#:}" ] && break
    sleep 0.1
done
bin="$repo/target/release/handset"

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print v[int((NR + 1) / 2)] }'
}

printf '%-10s %22s %22s %16s\n' renderer "first frame (in app)" "first frame (launch)" "idle RSS"
for backend in tiny-skia wgpu; do
    : >"$tmp/inner" ; : >"$tmp/outer" ; : >"$tmp/rss"
    for i in $(seq "$runs"); do
        profile="$tmp/profile-$backend-$i"
        mkdir -p "$profile"
        start=$(date +%s%N)
        out="$tmp/out-$backend-$i"
        HANDSET_PROFILE="$profile" ICED_BACKEND="$backend" HANDSET_STARTUP_PROBE=1 \
            timeout 60 "$bin" >"$out" 2>"$out.err" &
        pid=$!
        while kill -0 "$pid" 2>/dev/null && ! grep -q "first frame" "$out"; do
            sleep 0.002
        done
        end=$(date +%s%N)
        wait "$pid" || true
        if ! grep -q "first frame" "$out"; then
            echo "$backend: no frame ($(tail -3 "$out.err"))" >&2
            continue
        fi
        awk '/first frame/ { print $4 }' "$out" >>"$tmp/inner"
        echo $(((end - start) / 1000000)) >>"$tmp/outer"
        awk '/idle RSS/ { print $3 }' "$out" >>"$tmp/rss"
    done
    printf '%-10s %19s ms %19s ms %12s KiB\n' "$backend" "$(median <"$tmp/inner")" \
        "$(median <"$tmp/outer")" "$(median <"$tmp/rss")"
done
