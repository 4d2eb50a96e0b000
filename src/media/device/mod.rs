//! Audio devices for calls: capture from an input and play to an output through cpal, resampled
//! between the device rate and the codec rate, with a lock-free ring buffer between each device's
//! callback thread and the 20 ms media tick.
//!
//! With a PulseAudio (or PipeWire-pulse) server the devices are its sources and sinks, named as
//! `pactl list short` names them; otherwise ALSA's. A stream whose device goes away is reopened on
//! the default device, and the caller keeps reading and writing frames.

mod capture;
mod meter;
mod playback;
mod resample;
mod supervisor;

use std::fmt;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait};

pub use capture::Capture;
pub use meter::SILENT_DBFS;
pub use playback::Playback;

use crate::text::Text;

/// How long building a stream may take (PulseAudio stalls 1.5-2 s at the first stream).
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

/// Which devices a call uses: `None` is the system's default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceChoice {
    pub input: Option<String>,
    pub output: Option<String>,
    /// Where incoming calls ring (and the settings' ring test plays).
    pub ring: Option<String>,
    /// Echo cancellation and noise suppression of the input.
    pub voice: crate::media::voice::VoiceOptions,
}

/// An input or an output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Input => "input",
            Direction::Output => "output",
        })
    }
}

/// A device as the user chooses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// What `--input-device`/`--output-device` take (PulseAudio's source or sink name).
    pub name: String,
    /// A human description ("Monitor of Null Output").
    pub description: String,
    pub is_default: bool,
}

/// Why a device cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.text())]
pub enum DeviceError {
    NoDevice(Direction, String),
    UnknownDevice {
        direction: Direction,
        name: String,
        available: String,
    },
    Open {
        direction: Direction,
        name: String,
        reason: String,
    },
    Resampler {
        from: u32,
        to: u32,
        reason: String,
    },
}

impl DeviceError {
    pub fn text(&self) -> Text {
        match self {
            DeviceError::NoDevice(direction, reason) => Text::new("device-none")
                .arg("direction", direction)
                .arg("reason", reason),
            DeviceError::UnknownDevice {
                direction,
                name,
                available,
            } => Text::new("device-unknown")
                .arg("direction", direction)
                .arg("name", name)
                .arg("available", available),
            DeviceError::Open {
                direction,
                name,
                reason,
            } => Text::new("device-open-failed")
                .arg("direction", direction)
                .arg("name", name)
                .arg("reason", reason),
            DeviceError::Resampler { from, to, reason } => Text::new("device-resampler")
                .arg("from", from)
                .arg("to", to)
                .arg("reason", reason),
        }
    }
}

/// The devices of the system.
#[derive(Debug)]
pub struct AudioDevices;

impl AudioDevices {
    /// The inputs and the outputs, the default one flagged.
    pub fn list() -> Result<(Vec<DeviceInfo>, Vec<DeviceInfo>), DeviceError> {
        let host = host(Direction::Output)?;
        Ok((infos(&host, Direction::Input), infos(&host, Direction::Output)))
    }
}

/// PulseAudio when a server answers, else ALSA.
fn host(direction: Direction) -> Result<cpal::Host, DeviceError> {
    let mut why = Vec::new();
    for id in [cpal::HostId::PulseAudio, cpal::HostId::Alsa] {
        if !cpal::available_hosts().contains(&id) {
            continue;
        }
        match cpal::host_from_id(id) {
            Ok(h) => return Ok(h),
            Err(e) => why.push(format!("{}: {e}", id.name())),
        }
    }
    if why.is_empty() {
        why.push("no PulseAudio server found (PULSE_SERVER, XDG_RUNTIME_DIR/pulse/native)".into());
    }
    Err(DeviceError::NoDevice(direction, why.join("; ")))
}

fn devices(host: &cpal::Host, direction: Direction) -> Vec<cpal::Device> {
    let all = match direction {
        Direction::Input => host.input_devices().map(|d| d.collect()),
        Direction::Output => host.output_devices().map(|d| d.collect()),
    };
    all.unwrap_or_default()
}

fn default_device(host: &cpal::Host, direction: Direction) -> Option<cpal::Device> {
    match direction {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    }
}

/// A device's name as the user gives it: PulseAudio's source or sink name, ALSA's PCM name.
fn name_of(device: &cpal::Device) -> String {
    match device.id() {
        Ok(id) => id.id().to_owned(),
        Err(_) => device.to_string(),
    }
}

fn infos(host: &cpal::Host, direction: Direction) -> Vec<DeviceInfo> {
    let default = default_device(host, direction).map(|d| name_of(&d));
    devices(host, direction)
        .iter()
        .map(|d| {
            let name = name_of(d);
            DeviceInfo {
                description: d
                    .description()
                    .map_or_else(|_| name.clone(), |x| x.name().to_owned()),
                is_default: default.as_deref() == Some(name.as_str()),
                name,
            }
        })
        .collect()
}

/// The device named `name` (its name or its description), or the default one.
fn find(direction: Direction, name: Option<&str>) -> Result<cpal::Device, DeviceError> {
    let host = host(direction)?;
    match name {
        None => default_device(&host, direction)
            .ok_or_else(|| DeviceError::NoDevice(direction, "the audio server has no default device".into())),
        Some(wanted) => {
            let all = devices(&host, direction);
            let by_name = all.iter().position(|d| name_of(d) == wanted);
            let by_description = || {
                all.iter()
                    .position(|d| d.description().is_ok_and(|x| x.name() == wanted))
            };
            match by_name.or_else(by_description) {
                Some(i) => Ok(all[i].clone()),
                None => Err(DeviceError::UnknownDevice {
                    direction,
                    name: wanted.to_owned(),
                    available: available(&all),
                }),
            }
        }
    }
}

fn available(all: &[cpal::Device]) -> String {
    if all.is_empty() {
        return "none".into();
    }
    all.iter().map(name_of).collect::<Vec<_>>().join(", ")
}

/// The stream format for a device: its default rate and channels, in f32 when it takes f32,
/// else i16, with a 10 ms buffer when it allows one.
fn stream_config(
    device: &cpal::Device,
    direction: Direction,
) -> Result<(cpal::StreamConfig, cpal::SampleFormat), String> {
    let (default, ranges): (_, Vec<_>) = match direction {
        Direction::Input => (
            device.default_input_config(),
            device
                .supported_input_configs()
                .map(|r| r.collect())
                .unwrap_or_default(),
        ),
        Direction::Output => (
            device.default_output_config(),
            device
                .supported_output_configs()
                .map(|r| r.collect())
                .unwrap_or_default(),
        ),
    };
    let default = default.map_err(|e| e.to_string())?;
    let (rate, channels) = (default.sample_rate(), default.channels());
    let fits = |format| {
        ranges
            .iter()
            .find(|r| r.sample_format() == format && r.channels() == channels && r.contains_rate(rate))
    };
    let (format, range) = [cpal::SampleFormat::F32, cpal::SampleFormat::I16]
        .into_iter()
        .find_map(|f| fits(f).map(|r| (f, *r.buffer_size())))
        .or_else(|| {
            matches!(
                default.sample_format(),
                cpal::SampleFormat::F32 | cpal::SampleFormat::I16
            )
            .then(|| (default.sample_format(), *default.buffer_size()))
        })
        .ok_or_else(|| {
            format!(
                "it takes {} samples only (Handset speaks f32 and i16)",
                default.sample_format()
            )
        })?;
    let ten_ms = (rate / 100).max(1);
    let buffer_size = match range {
        cpal::SupportedBufferSize::Range { min, max } if (min..=max).contains(&ten_ms) => {
            cpal::BufferSize::Fixed(ten_ms)
        }
        _ => cpal::BufferSize::Default,
    };
    Ok((
        cpal::StreamConfig {
            channels,
            sample_rate: rate,
            buffer_size,
        },
        format,
    ))
}

/// A sample in [-1, 1] as i16.
fn to_i16(x: f32) -> i16 {
    (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Samples of one 20 ms frame at `rate`.
fn frame_len(rate: u32) -> usize {
    (rate / 50) as usize
}

/// Latencies a device reports beyond this are taken as this (a stream's first timestamps can be
/// off by the time it took to start).
const MAX_LATENCY: Duration = Duration::from_millis(500);

/// A device latency as stored between its callback and the media tick: microseconds, capped.
fn latency_us(latency: Duration) -> u32 {
    latency.min(MAX_LATENCY).as_micros() as u32
}

/// `us` microseconds in samples at `rate`.
fn samples_in(us: u32, rate: u32) -> usize {
    (u64::from(us) * u64::from(rate) / 1_000_000) as usize
}

/// Of `device` samples at `device_rate`, the whole samples they make at `codec_rate`, and the
/// device samples those take (the rest is carried over by the caller).
fn whole_codec_samples(device: u64, device_rate: u32, codec_rate: u32) -> (u64, u64) {
    let (d, c) = (u64::from(device_rate), u64::from(codec_rate));
    let codec = device * c / d;
    (codec, codec * d / c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_samples_make_whole_codec_samples_and_the_rest_is_carried() {
        // 13 samples at 48 kHz: two at 8 kHz (12 device samples), one left over.
        assert_eq!(whole_codec_samples(13, 48000, 8000), (2, 12));
        // 44.1 kHz → 8 kHz: 100 device samples make 18 codec samples, which take 99.
        assert_eq!(whole_codec_samples(100, 44100, 8000), (18, 99));
        assert_eq!(whole_codec_samples(5, 48000, 8000), (0, 0));
        assert_eq!(samples_in(20_000, 8000), 160);
        assert_eq!(latency_us(Duration::from_secs(3)), 500_000);
    }
}
