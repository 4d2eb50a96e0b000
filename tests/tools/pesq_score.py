#!/usr/bin/env python3
"""Score a received recording against its reference with PESQ (ITU-T P.862).

    pesq_score.py REF DEG --mode nb|wb

REF is the clean speech that was played into a call (mono or multi-channel PCM WAV,
8000 Hz for --mode nb, 16000 Hz for --mode wb); DEG is what the other side recorded.
DEG is mixed down to mono, resampled to REF's rate when it differs, aligned to REF by
cross-correlation (a recording starts late and may be longer than the reference), cut to
REF's length and scored. Prints the MOS-LQO (P.862.1 for nb, P.862.2 for wb) with three
decimals on stdout; the alignment goes to stderr.

Exit codes: 0 scored, 1 the audio cannot be scored (unreadable or silent file, no match
with the reference), 2 usage, 3 the `pesq` or `numpy` package is missing (run
`packaging/setup.sh test`, which installs them into a virtual environment).
"""

import argparse
import math
import sys
import wave

try:
    import numpy as np
    from pesq import pesq
except ImportError as error:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        f"pesq_score.py: {error}; run packaging/setup.sh test and use the Python of the "
        "virtual environment it creates (HANDSET_PESQ_PYTHON)\n"
    )
    sys.exit(3)

MODES = {"nb": 8000, "wb": 16000}
# Shortest reference PESQ is meaningful for (P.862 asks for 8-12 s of speech with pauses).
MIN_SECONDS = 3.0
# Below this RMS (of full scale) a recording counts as silent.
SILENCE_RMS = 1e-4


class ScoreError(Exception):
    """The input cannot be scored; the message says why."""


def load_wav(path):
    """(mono float64 samples in -1..1, sample rate) of a PCM WAV file."""
    try:
        with wave.open(path, "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise ScoreError(f"{path}: no such file") from None
    except (wave.Error, EOFError, OSError) as error:
        raise ScoreError(f"{path}: not a readable PCM WAV file ({error})") from None
    if width == 1:
        data = (np.frombuffer(frames, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif width == 2:
        data = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    elif width == 3:
        raw = np.frombuffer(frames, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        data = ints.astype(np.float64) / float(1 << 23)
    elif width == 4:
        data = np.frombuffer(frames, dtype="<i4").astype(np.float64) / float(1 << 31)
    else:
        raise ScoreError(f"{path}: {8 * width}-bit samples are not supported")
    usable = len(data) - len(data) % channels
    mono = data[:usable].reshape(-1, channels).mean(axis=1)
    if len(mono) == 0:
        raise ScoreError(f"{path}: no audio samples")
    return mono, rate


def resample(x, rate_in, rate_out):
    """Band-limited resampling from rate_in to rate_out: a Kaiser-windowed sinc, 16 zero
    crossings each side, cut off at the lower of the two Nyquist frequencies."""
    if rate_in == rate_out:
        return x
    cutoff = min(1.0, rate_out / rate_in)  # as a fraction of the input's Nyquist frequency
    half = int(math.ceil(16 / cutoff))  # taps each side, in input samples
    beta = 8.0
    n_out = len(x) * rate_out // rate_in
    padded = np.concatenate([np.zeros(half), x, np.zeros(half + 1)])
    offsets = np.arange(-half + 1, half + 1)
    out = np.empty(n_out)
    for start in range(0, n_out, 4096):
        t = np.arange(start, min(start + 4096, n_out)) * (rate_in / rate_out)
        idx = np.floor(t).astype(np.int64)[:, None] + offsets[None, :]
        dist = idx - t[:, None]
        window = np.i0(beta * np.sqrt(np.clip(1.0 - (dist / (half + 1)) ** 2, 0.0, None)))
        taps = cutoff * np.sinc(cutoff * dist) * window / np.i0(beta)
        out[start:start + len(t)] = (padded[idx + half] * taps).sum(axis=1)
    return out


def align(ref, deg):
    """DEG shifted so that it lines up with REF and cut (or zero-padded) to REF's length, and
    the shift in samples (positive: DEG starts late)."""
    size = 1 << int(math.ceil(math.log2(len(ref) + len(deg))))
    spectrum = np.fft.rfft(deg, size) * np.conj(np.fft.rfft(ref, size))
    corr = np.fft.irfft(spectrum, size)
    # corr[k] = sum ref[n] deg[n + k]; negative k wrap around to the end.
    lags = np.concatenate([np.arange(0, len(deg)), np.arange(-(len(ref) - 1), 0)])
    values = np.concatenate([corr[: len(deg)], corr[size - (len(ref) - 1):]])
    best = int(np.argmax(np.abs(values)))
    lag = int(lags[best])
    energy = math.sqrt(float(np.dot(ref, ref)) * float(np.dot(deg, deg)))
    peak = abs(float(values[best])) / energy if energy > 0 else 0.0
    out = np.zeros(len(ref))
    lo, hi = max(lag, 0), min(lag + len(ref), len(deg))
    if hi > lo:
        out[lo - lag: hi - lag] = deg[lo:hi]
    return out, lag, peak


def rms(x):
    return math.sqrt(float(np.mean(x * x))) if len(x) else 0.0


def score(ref_path, deg_path, mode):
    rate = MODES[mode]
    ref, ref_rate = load_wav(ref_path)
    if ref_rate != rate:
        raise ScoreError(
            f"{ref_path}: {ref_rate} Hz; --mode {mode} needs a {rate} Hz reference"
        )
    if len(ref) < MIN_SECONDS * rate:
        raise ScoreError(
            f"{ref_path}: {len(ref) / rate:.1f} s is too short for PESQ (at least {MIN_SECONDS:.0f} s)"
        )
    if rms(ref) < SILENCE_RMS:
        raise ScoreError(f"{ref_path}: the reference is silent")
    deg, deg_rate = load_wav(deg_path)
    if rms(deg) < SILENCE_RMS:
        raise ScoreError(f"{deg_path}: the recording is silent: no audio arrived")
    deg = resample(deg, deg_rate, rate)
    aligned, lag, peak = align(ref, deg)
    sys.stderr.write(
        f"pesq_score.py: {deg_path}: {deg_rate} Hz, {len(deg) / rate:.2f} s; reference found "
        f"{lag / rate * 1000:+.0f} ms into it (normalised correlation {peak:.2f})\n"
    )
    if rms(aligned) < SILENCE_RMS:
        raise ScoreError(f"{deg_path}: nothing of the reference is in the recording")
    try:
        return pesq(rate, ref, aligned, mode)
    except Exception as error:  # the pesq package raises its own error classes
        raise ScoreError(f"PESQ could not score {deg_path}: {error}") from None


def main(argv):
    parser = argparse.ArgumentParser(
        prog="pesq_score.py",
        description="PESQ (ITU-T P.862) MOS-LQO of DEG against the reference REF.",
    )
    parser.add_argument("ref", metavar="REF", help="reference WAV (8 kHz for nb, 16 kHz for wb)")
    parser.add_argument("deg", metavar="DEG", help="recorded (degraded) WAV, any rate")
    parser.add_argument("--mode", choices=sorted(MODES), required=True,
                        help="nb: narrowband P.862.1, wb: wideband P.862.2")
    args = parser.parse_args(argv)
    try:
        mos = score(args.ref, args.deg, args.mode)
    except ScoreError as error:
        sys.stderr.write(f"pesq_score.py: {error}\n")
        return 1
    print(f"{mos:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
