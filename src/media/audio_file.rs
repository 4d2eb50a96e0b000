//! Audio files: decode an uploaded recording (WAV, MP3, Ogg Vorbis, FLAC, M4A/AAC) into the
//! mono 16-bit PCM WAV that Handset stores and plays.

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as DecodeError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use crate::fsio::write_atomic;
use crate::text::Text;

/// Uploads longer than this are refused.
pub const MAX_SECONDS: u64 = 30 * 60;

/// A decoded file's properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AudioInfo {
    pub sample_rate: u32,
    pub duration_ms: u64,
}

/// Why a file could not be used.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", self.text())]
pub enum AudioFileError {
    Read {
        path: PathBuf,
        source: Arc<std::io::Error>,
    },
    Unsupported {
        path: PathBuf,
        reason: String,
    },
    Empty {
        path: PathBuf,
    },
    TooLong {
        path: PathBuf,
    },
    Write {
        path: PathBuf,
        source: Arc<std::io::Error>,
    },
}

impl AudioFileError {
    pub fn text(&self) -> Text {
        match self {
            AudioFileError::Read { path, source } => Text::new("audio-read")
                .arg("path", path.display())
                .arg("reason", source),
            AudioFileError::Unsupported { path, reason } => Text::new("audio-unsupported")
                .arg("path", path.display())
                .arg("reason", reason),
            AudioFileError::Empty { path } => Text::new("audio-empty").arg("path", path.display()),
            AudioFileError::TooLong { path } => Text::new("audio-too-long")
                .arg("path", path.display())
                .arg("minutes", MAX_SECONDS / 60),
            AudioFileError::Write { path, source } => Text::new("audio-write")
                .arg("path", path.display())
                .arg("reason", source),
        }
    }
}

/// Decoded mono samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Pcm {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

/// Decodes `path` (format found from its content, helped by the extension) to mono PCM.
pub fn decode(path: &Path) -> Result<Pcm, AudioFileError> {
    let unsupported = |reason: String| AudioFileError::Unsupported {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::open(path).map_err(|e| AudioFileError::Read {
        path: path.to_path_buf(),
        source: Arc::new(e),
    })?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            stream,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| unsupported(e.to_string()))?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| unsupported("no audio track".into()))?;
    let track_id = track.id;
    let mut sample_rate = track.codec_params.sample_rate.unwrap_or(0);
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| unsupported(e.to_string()))?;
    let mut samples: Vec<i16> = Vec::new();
    let mut buffer: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(DecodeError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(DecodeError::ResetRequired) => break,
            Err(e) => return Err(unsupported(e.to_string())),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet is skipped, as players do.
            Err(DecodeError::DecodeError(_)) => continue,
            Err(e) => return Err(unsupported(e.to_string())),
        };
        let spec = *decoded.spec();
        sample_rate = spec.rate;
        let channels = spec.channels.count().max(1);
        let buf = match &mut buffer {
            Some(b) if b.capacity() >= decoded.capacity() * channels => b,
            _ => buffer.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buf.copy_interleaved_ref(decoded);
        for frame in buf.samples().chunks(channels) {
            let mono = frame.iter().sum::<f32>() / channels as f32;
            samples.push((mono.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16);
        }
        if sample_rate > 0 && samples.len() as u64 > MAX_SECONDS * u64::from(sample_rate) {
            return Err(AudioFileError::TooLong {
                path: path.to_path_buf(),
            });
        }
    }
    if samples.is_empty() || sample_rate == 0 {
        return Err(AudioFileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(Pcm { sample_rate, samples })
}

/// Encodes mono PCM as a 16-bit WAV file.
pub fn wav_bytes(pcm: &Pcm) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: pcm.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::with_capacity(44 + pcm.samples.len() * 2));
    // Writing to memory cannot fail.
    if let Ok(mut w) = hound::WavWriter::new(&mut out, spec) {
        for s in &pcm.samples {
            let _ = w.write_sample(*s);
        }
        let _ = w.finalize();
    }
    out.into_inner()
}

/// Decodes `src` and writes it to `dst` as mono 16-bit WAV, atomically.
pub fn decode_to_wav(src: &Path, dst: &Path) -> Result<AudioInfo, AudioFileError> {
    let pcm = decode(src)?;
    write_atomic(dst, &wav_bytes(&pcm)).map_err(|e| AudioFileError::Write {
        path: dst.to_path_buf(),
        source: Arc::new(e),
    })?;
    Ok(AudioInfo {
        sample_rate: pcm.sample_rate,
        duration_ms: pcm.samples.len() as u64 * 1000 / u64::from(pcm.sample_rate),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_round_trip_mixes_to_mono() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&src, spec).unwrap();
        for i in 0..8000 {
            w.write_sample(if i % 2 == 0 { 1000i16 } else { -1000 }).unwrap();
            w.write_sample(3000i16).unwrap();
        }
        w.finalize().unwrap();
        let dst = dir.path().join("out.wav");
        let info = decode_to_wav(&src, &dst).unwrap();
        assert_eq!(
            info,
            AudioInfo {
                sample_rate: 8000,
                duration_ms: 1000
            }
        );
        let r = hound::WavReader::open(&dst).unwrap();
        assert_eq!(r.spec().channels, 1);
        let s: Vec<i16> = r.into_samples().map(Result::unwrap).collect();
        assert!((1990..=2010).contains(&s[0]), "{}", s[0]);
        assert!((990..=1010).contains(&s[1]), "{}", s[1]);
    }

    #[test]
    fn non_audio_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("fake.wav");
        std::fs::write(&src, b"this is not audio").unwrap();
        let err = decode(&src).unwrap_err();
        assert!(err.to_string().contains("not an audio file"), "{err}");
        assert!(matches!(
            decode(&dir.path().join("missing.mp3")),
            Err(AudioFileError::Read { .. })
        ));
    }
}
