//! The audio Handset ships (`assets/announcements`, `assets/greetings`, embedded in the binary)
//! and a way to name any prompt: a built-in one or an uploaded file.

use std::path::PathBuf;

use rust_embed::RustEmbed;

use super::audio_file::{self, Pcm};

#[derive(RustEmbed)]
#[folder = "assets/announcements/"]
struct Announcements;

#[derive(RustEmbed)]
#[folder = "assets/greetings/"]
struct Greetings;

/// A shipped file by its path under `assets/`.
fn shipped(name: &str) -> Option<rust_embed::EmbeddedFile> {
    match name.split_once('/')? {
        ("announcements", file) => Announcements::get(file),
        ("greetings", file) => Greetings::get(file),
        _ => None,
    }
}

/// A prompt to play.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudioRef {
    /// Shipped with Handset: its path under `assets/`, e.g. `announcements/welcome.wav`.
    Builtin(String),
    /// A decoded upload (mono WAV) in the profile's audio folder.
    File(PathBuf),
}

impl AudioRef {
    /// Decodes the prompt to mono PCM; the reason when it cannot be read.
    pub fn load(&self) -> Result<Pcm, String> {
        match self {
            AudioRef::File(path) => audio_file::decode(path).map_err(|e| e.to_string()),
            AudioRef::Builtin(name) => {
                let file = shipped(name).ok_or_else(|| format!("no built-in audio `{name}`"))?;
                wav(&file.data).map_err(|e| format!("built-in audio `{name}`: {e}"))
            }
        }
    }
}

/// A mono (or first-channel) 16-bit WAV from memory.
fn wav(bytes: &[u8]) -> Result<Pcm, hound::Error> {
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes))?;
    let spec = reader.spec();
    let samples = reader
        .samples::<i16>()
        .step_by(usize::from(spec.channels.max(1)))
        .collect::<Result<Vec<i16>, _>>()?;
    Ok(Pcm {
        sample_rate: spec.sample_rate,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::workspace::{BUILTIN_ANNOUNCEMENTS, BUILTIN_GREETINGS};

    #[test]
    fn every_built_in_prompt_is_shipped_and_decodes() {
        let all = BUILTIN_ANNOUNCEMENTS
            .iter()
            .map(|(_, f)| format!("announcements/{f}"))
            .chain(BUILTIN_GREETINGS.iter().map(|(_, f)| format!("greetings/{f}")));
        for name in all {
            let pcm = AudioRef::Builtin(name.clone()).load().unwrap();
            let secs = pcm.samples.len() as f64 / f64::from(pcm.sample_rate);
            assert!(secs > 0.5, "{name}: {secs} s");
            assert!(
                pcm.samples.iter().any(|s| s.unsigned_abs() > 1000),
                "{name} is audible"
            );
        }
        let e = AudioRef::Builtin("announcements/none.wav".into())
            .load()
            .unwrap_err();
        assert!(e.contains("none.wav"), "{e}");
        let e = AudioRef::File("/nonexistent/x.wav".into()).load().unwrap_err();
        assert!(e.contains("/nonexistent/x.wav"), "{e}");
    }
}
