//! The PESQ scorer (`tests/tools/pesq_score.py`, ITU-T P.862 MOS-LQO) as the call-quality
//! tests and the call benchmark run it: in the Python environment that `packaging/setup.sh
//! test` creates, or the interpreter `HANDSET_PESQ_PYTHON` names.

use std::path::{Path, PathBuf};
use std::process::Command;

const SCORER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/pesq_score.py");

/// The 8.4 s speech references (0.5 s of silence at each end; `packaging/make-assets.sh`).
pub const REF_8K: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/audio/pesq-ref-8k.wav"
);
pub const REF_16K: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/audio/pesq-ref-16k.wav"
);

/// Where the scorer's Python is: `HANDSET_PESQ_PYTHON`, else the environment of
/// `packaging/setup.sh test`. Panics, saying how to install it, when it cannot import pesq.
pub fn python() -> PathBuf {
    let python = std::env::var_os("HANDSET_PESQ_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let venv = std::env::var_os("HANDSET_PESQ_VENV")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    std::env::var_os("XDG_CACHE_HOME")
                        .map(PathBuf::from)
                        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                        .unwrap_or_else(|| PathBuf::from(".cache"))
                        .join("handset/pesq-venv")
                });
            venv.join("bin/python")
        });
    let probe = Command::new(&python).args(["-c", "import numpy, pesq"]).output();
    let problem = match probe {
        Ok(out) if out.status.success() => return python,
        Ok(out) => String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned(),
        Err(e) => e.to_string(),
    };
    panic!(
        "the PESQ scorer's Python {} cannot import numpy and pesq ({problem}): run \
         packaging/setup.sh test, which creates that environment, or set HANDSET_PESQ_PYTHON \
         to a Python that has both",
        python.display()
    );
}

/// MOS-LQO of `recording` against `reference` (wideband P.862.2 or narrowband P.862), with
/// the scorer's notes (alignment, levels), or its complaint.
pub fn score(
    python: &Path,
    reference: &Path,
    recording: &Path,
    wideband: bool,
) -> Result<(f64, String), String> {
    let out = Command::new(python)
        .arg(SCORER)
        .arg(reference)
        .arg(recording)
        .args(["--mode", if wideband { "wb" } else { "nb" }])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if !out.status.success() {
        return Err(format!("pesq_score.py failed ({}): {stderr}", out.status));
    }
    let mos = stdout
        .trim()
        .parse()
        .map_err(|e| format!("pesq_score.py printed {stdout:?} ({e}); {stderr}"))?;
    Ok((mos, stderr))
}
