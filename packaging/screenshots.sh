#!/usr/bin/env bash
# PNGs of each screen of the desktop app for the README, in docs/screenshots/ (or $1).
# Rendered headless by iced_test: no display, keyring or sound needed.
#
#   packaging/screenshots.sh [output folder]
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
# shellcheck source=packaging/common.sh
. "$repo/packaging/common.sh"
cargo_on_path

mkdir -p "${1:-$repo/docs/screenshots}"
out="$(readlink -f "${1:-$repo/docs/screenshots}")"
HANDSET_SCREENSHOTS="$out" cargo test --lib ui::screenshots -- --ignored --exact ui::screenshots::write_screenshots
# iced_test names each file after its renderer (editor-wgpu.png, editor-tiny-skia.png): keep
# plain names.
for f in "$out"/*-wgpu.png "$out"/*-tiny-skia.png; do
    [ -e "$f" ] || continue
    base="$(basename "$f" .png)"
    base="${base%-wgpu}"
    mv -f "$f" "$out/${base%-tiny-skia}.png"
done
ls -l "$out"
