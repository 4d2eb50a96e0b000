#!/usr/bin/env bash
# Regenerate Handset's synthesised audio with espeak-ng + sox.
#
#   packaging/make-assets.sh [all|assets|fixtures|icons]     (default: all)
#
#   icons     the application icon as PNG at the hicolor sizes
#             (assets/icons/hicolor/NxN/apps/org.handset.Handset.png) from
#             assets/icons/org.handset.Handset.svg, with rsvg-convert
#             (librsvg2-bin), and assets/icons/handset.ico (Windows) from them
#
#   assets    built-in announcements and the standard voicemail greeting
#             (assets/announcements/*.wav, assets/greetings/*.wav):
#             mono 16-bit PCM WAV, 16000 Hz, 0.3 s silence around the speech,
#             peak normalised to -3 dBFS.
#   fixtures  audio-upload test fixtures (tests/fixtures/audio/): 1.0 s of
#             "one two three", 22050 Hz stereo, as WAV, FLAC, Ogg Vorbis and
#             MP3, plus not-audio.wav (a text file: a hostile upload); and the
#             speech references of the call-quality (PESQ) tests,
#             pesq-ref-16k.wav and pesq-ref-8k.wav: about 8.4 s of two voices
#             (three Harvard sentences), mono 16-bit, 0.5 s silence at each
#             end, peak normalised to -6 dBFS.
#
# Needs espeak-ng, sox and libsox-fmt-all; ffmpeg (optional) writes the Ogg
# fixture repeatably and the MP3 when sox cannot. Output is deterministic for a
# given set of tool versions.
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

VOICE=en-us
SPEED=150

# shellcheck source=packaging/common.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/common.sh"

ensure_tools() {
    local missing=() pkg
    for pkg in espeak-ng sox libsox-fmt-all; do
        if ! installed "$pkg"; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# sox options: -D no dither (repeatable output), -V1 only real errors.
SOX=(sox -D -V1)

# speak16k TEXT OUT: speech, 16 kHz mono 16-bit, 0.3 s silence either side, -3 dBFS peak.
speak16k() {
    local text="$1" out="$2"
    espeak-ng -v "$VOICE" -s "$SPEED" -w "$tmp/raw.wav" "$text"
    # trim espeak's own leading/trailing silence, then add exactly 0.3 s each side
    "${SOX[@]}" "$tmp/raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$out" \
        silence 1 0.01 0.1% reverse silence 1 0.01 0.1% reverse \
        rate -v 16000 gain -n -3 pad 0.3 0.3
}

make_assets() {
    mkdir -p assets/announcements assets/greetings

    speak16k "Hello. Please hold while we connect your call." \
        assets/announcements/welcome.wav
    speak16k "This call may be recorded for quality and training purposes." \
        assets/announcements/call-recorded.wav
    speak16k "Please hold. Your call is important to us." \
        assets/announcements/please-hold.wav

    # Standard voicemail greeting: speech, 0.3 s pause, 0.4 s 1000 Hz beep at -6 dBFS, 0.3 s silence.
    speak16k "The person you are calling is not available. Please leave a message after the tone." \
        "$tmp/greeting-speech.wav"
    "${SOX[@]}" -n -r 16000 -c 1 -b 16 -e signed-integer "$tmp/beep.wav" \
        synth 0.4 sine 1000 fade h 0.01 0.4 0.01 gain -n -6
    "${SOX[@]}" "$tmp/greeting-speech.wav" "$tmp/beep.wav" \
        -r 16000 -c 1 -b 16 -e signed-integer assets/greetings/standard.wav pad 0 0.3
}

make_fixtures() {
    local dir=tests/fixtures/audio
    mkdir -p "$dir"

    # Exactly 1.0 s (22050 frames): speech trimmed of espeak's silence, 0.05 s lead-in, padded/cut to 1 s.
    espeak-ng -v "$VOICE" -s 160 -w "$tmp/raw.wav" "one two three"
    "${SOX[@]}" "$tmp/raw.wav" -r 22050 -c 2 -b 16 -e signed-integer "$dir/speech.wav" \
        silence 1 0.01 0.3% reverse silence 1 0.01 0.3% reverse \
        gain -n -3 pad 0.05 1 trim 0 1 channels 2

    "${SOX[@]}" "$dir/speech.wav" -C 5 "$dir/speech.flac"
    # sox gives each Ogg stream a random serial number; ffmpeg in bit-exact mode is repeatable.
    if command -v ffmpeg >/dev/null 2>&1; then
        ffmpeg -nostdin -loglevel error -y -i "$dir/speech.wav" -codec:a libvorbis -q:a 1 \
            -fflags +bitexact -flags:a +bitexact "$dir/speech.ogg"
    else
        "${SOX[@]}" "$dir/speech.wav" -t vorbis -C 1 "$dir/speech.ogg"
    fi
    if ! "${SOX[@]}" "$dir/speech.wav" -C 64 "$dir/speech.mp3" 2>"$tmp/mp3.err"; then
        cat "$tmp/mp3.err" >&2
        echo "make-assets.sh: sox cannot write MP3, using ffmpeg" >&2
        ffmpeg -nostdin -loglevel error -y -i "$dir/speech.wav" \
            -codec:a libmp3lame -b:a 64k "$dir/speech.mp3"
    fi

    printf 'this is not audio\n' >"$dir/not-audio.wav"

    make_pesq_refs "$dir"
}

# PESQ references (ITU-T P.862 wants 8-12 s of speech with pauses): two Harvard sentences in a
# male voice, a pause, one in a female voice; 0.5 s silence at each end; -6 dBFS peak.
make_pesq_refs() {
    local dir="$1"
    local trim=(silence 1 0.01 0.1% reverse silence 1 0.01 0.1% reverse)
    local pcm16=(-r 16000 -c 1 -b 16 -e signed-integer)
    espeak-ng -v en-us -s 155 -w "$tmp/pesq-a.wav" \
        "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."
    espeak-ng -v en-us+f3 -s 165 -w "$tmp/pesq-b.wav" "It is easy to tell the depth of a well."
    "${SOX[@]}" "$tmp/pesq-a.wav" "${pcm16[@]}" "$tmp/pesq-a16.wav" "${trim[@]}" rate -v 16000
    "${SOX[@]}" "$tmp/pesq-b.wav" "${pcm16[@]}" "$tmp/pesq-b16.wav" "${trim[@]}" rate -v 16000 pad 0.35 0
    "${SOX[@]}" "$tmp/pesq-a16.wav" "$tmp/pesq-b16.wav" "$dir/pesq-ref-16k.wav" gain -n -6 pad 0.5 0.5
    "${SOX[@]}" "$dir/pesq-ref-16k.wav" -r 8000 "$dir/pesq-ref-8k.wav" rate -v 8000 gain -n -6
}

# The PNG sizes the desktop (hicolor theme), the .deb and the Flatpak ship.
ICON_SIZES=(16 24 32 48 64 128 256 512)

make_icons() {
    if ! command -v rsvg-convert >/dev/null; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q librsvg2-bin
    fi
    local size dir
    for size in "${ICON_SIZES[@]}"; do
        dir="assets/icons/hicolor/${size}x${size}/apps"
        mkdir -p "$dir"
        rsvg-convert -w "$size" -h "$size" assets/icons/org.handset.Handset.svg \
            -o "$dir/org.handset.Handset.png"
    done
    # The Windows icon: an ICO holding the 16–256 px PNGs (Windows Vista and later read PNG
    # entries; a size of 256 is written as 0).
    python3 - <<'PY'
import struct
sizes = [16, 24, 32, 48, 64, 128, 256]
images = [open(f"assets/icons/hicolor/{s}x{s}/apps/org.handset.Handset.png", "rb").read() for s in sizes]
offset = 6 + 16 * len(sizes)
out = struct.pack("<HHH", 0, 1, len(sizes))
for size, data in zip(sizes, images):
    out += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
open("assets/icons/handset.ico", "wb").write(out + b"".join(images))
PY
}

what="${1:-all}"
case "$what" in
    icons)
        make_icons
        echo "make-assets.sh: done (icons)"
        exit 0
        ;;
    all | assets | fixtures) ;;
    *)
        echo "usage: $0 [all|assets|fixtures|icons]" >&2
        exit 2
        ;;
esac

ensure_tools
case "$what" in
    all)
        make_assets
        make_fixtures
        make_icons
        ;;
    assets) make_assets ;;
    fixtures) make_fixtures ;;
esac
echo "make-assets.sh: done ($what)"
