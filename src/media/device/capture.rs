//! Capture: a cpal input stream → mono f32 at the device rate → ring buffer → one codec frame at
//! a time on the media tick.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver};

use cpal::traits::{DeviceTrait, StreamTrait};
use rtrb::{Consumer, Producer, RingBuffer};

use super::meter::{Level, PeakWindow};
use super::resample::FrameResampler;
use super::supervisor::{Failures, Heartbeat, Open, Supervisor};
use super::{DeviceError, Direction, OPEN_TIMEOUT, find, frame_len, name_of, stream_config, to_i16};

/// Device audio kept waiting beyond one frame's need; older audio is skipped (bounds latency)…
const BACKLOG_MS: u32 = 60;
/// …down to this much, so that skips (each one a jump in the echo's delay) are few.
const SKIP_TO_MS: u32 = 20;

#[derive(Debug)]
struct Shared {
    level: Level,
    muted: AtomicBool,
    /// The device's latency at the last callback, in microseconds.
    latency: AtomicU32,
}

/// A new ring buffer and its device rate, after the stream was (re)opened.
type Feed = (Consumer<f32>, u32);

/// Audio from an input device, read one 20 ms codec frame at a time; never blocks.
pub struct Capture {
    supervisor: Supervisor,
    shared: Arc<Shared>,
    feeds: Receiver<Feed>,
    feed: Consumer<f32>,
    device_rate: u32,
    codec_rate: u32,
    resampler: FrameResampler,
    input: Vec<f32>,
    /// Device samples skipped and not yet reported by `take_skipped`.
    skipped: usize,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("device", &self.device_name())
            .field("device_rate", &self.device_rate)
            .field("codec_rate", &self.codec_rate)
            .finish_non_exhaustive()
    }
}

/// The callback side: downmixes to mono, meters, and pushes into the ring.
struct InputSide {
    ring: Producer<f32>,
    channels: usize,
    meter: PeakWindow,
    shared: Arc<Shared>,
    heartbeat: Heartbeat,
}

impl InputSide {
    fn push<T>(&mut self, data: &[T], info: &cpal::InputCallbackInfo)
    where
        T: cpal::Sample,
        f32: cpal::FromSample<T>,
    {
        self.heartbeat.beat();
        let ts = info.timestamp();
        self.shared.latency.store(
            super::latency_us(ts.callback.duration_since(ts.capture)),
            Ordering::Relaxed,
        );
        let muted = self.shared.muted.load(Ordering::Relaxed);
        for frame in data.chunks(self.channels) {
            let sum: f32 = frame.iter().map(|s| s.to_sample::<f32>()).sum();
            let x = sum / frame.len() as f32;
            // A full ring means nobody reads: this audio is dropped.
            let _ = self.ring.push(x);
            self.meter.add(if muted { 0.0 } else { x }, &self.shared.level);
        }
    }
}

impl Capture {
    /// Opens the input named `device` (`None`: the default) for frames at `codec_rate`.
    /// Blocks while the device opens (up to a few seconds with PulseAudio): call it off async
    /// workers.
    pub fn open(device: Option<&str>, codec_rate: u32) -> Result<Capture, DeviceError> {
        let shared = Arc::new(Shared {
            level: Level::new(),
            muted: AtomicBool::new(false),
            latency: AtomicU32::new(0),
        });
        let (feeds_tx, feeds) = mpsc::channel();
        let side = shared.clone();
        let open: Open = Box::new(move |name: Option<&str>, failures: Failures| {
            let device = find(Direction::Input, name)?;
            let name = name_of(&device);
            let fail = |reason: String| DeviceError::Open {
                direction: Direction::Input,
                name: name.clone(),
                reason,
            };
            let (config, format) = stream_config(&device, Direction::Input).map_err(fail)?;
            let rate = config.sample_rate;
            let (ring, consumer) = RingBuffer::new((rate / 2) as usize);
            let mut input = InputSide {
                ring,
                channels: usize::from(config.channels.max(1)),
                meter: PeakWindow::new(rate),
                shared: side.clone(),
                heartbeat: failures.heartbeat(),
            };
            let errors = failures.callback();
            let stream = match format {
                cpal::SampleFormat::F32 => device.build_input_stream(
                    config,
                    move |d: &[f32], i: &cpal::InputCallbackInfo| input.push(d, i),
                    errors,
                    Some(OPEN_TIMEOUT),
                ),
                _ => device.build_input_stream(
                    config,
                    move |d: &[i16], i: &cpal::InputCallbackInfo| input.push(d, i),
                    errors,
                    Some(OPEN_TIMEOUT),
                ),
            }
            .map_err(|e| fail(e.to_string()))?;
            stream.play().map_err(|e| fail(e.to_string()))?;
            let _ = feeds_tx.send((consumer, rate));
            Ok((stream, name))
        });
        let supervisor = Supervisor::start(Direction::Input, device.map(str::to_owned), open)?;
        let (feed, device_rate) = feeds.try_recv().map_err(|_| DeviceError::Open {
            direction: Direction::Input,
            name: supervisor.status.name(),
            reason: "the stream opened without a buffer".into(),
        })?;
        let resampler = FrameResampler::fixed_output(device_rate, codec_rate, frame_len(codec_rate))?;
        Ok(Capture {
            supervisor,
            shared,
            feeds,
            feed,
            device_rate,
            codec_rate,
            resampler,
            input: Vec::new(),
            skipped: 0,
        })
    }

    /// Fills `frame` (one 20 ms frame at the codec rate) when the device has delivered enough
    /// audio; `false` means not yet (send silence). Muted, it fills silence.
    pub fn read_frame(&mut self, frame: &mut [i16]) -> bool {
        self.take_new_feed();
        let need = self.resampler.input_len();
        let most = need + (self.device_rate * BACKLOG_MS / 1000) as usize;
        let keep = need + (self.device_rate * SKIP_TO_MS / 1000) as usize;
        let have = self.feed.slots();
        if have > most
            && let Ok(skip) = self.feed.read_chunk(have - keep)
        {
            self.skipped += have - keep;
            skip.commit_all();
        }
        let Ok(chunk) = self.feed.read_chunk(need) else {
            return false;
        };
        let (a, b) = chunk.as_slices();
        self.input.clear();
        self.input.extend_from_slice(a);
        self.input.extend_from_slice(b);
        chunk.commit_all();
        let out = self.resampler.process(&self.input);
        let muted = self.shared.muted.load(Ordering::Relaxed);
        for (i, s) in frame.iter_mut().enumerate() {
            *s = if muted {
                0
            } else {
                out.get(i).copied().map_or(0, to_i16)
            };
        }
        true
    }

    /// How long ago the end of the frame just read was heard: the device's own latency (the
    /// sound server's buffer, as its last callback reported it) and what still waits in the ring
    /// buffer; in samples at the codec rate.
    pub fn delay(&self) -> usize {
        self.feed.slots() * self.codec_rate as usize / self.device_rate as usize
            + super::samples_in(self.shared.latency.load(Ordering::Relaxed), self.codec_rate)
    }

    /// Audio skipped (it waited too long) since the last call, in whole samples at the codec
    /// rate (the rest is carried to the next call).
    pub fn take_skipped(&mut self) -> usize {
        let (codec, used) =
            super::whole_codec_samples(self.skipped as u64, self.device_rate, self.codec_rate);
        self.skipped -= used as usize;
        codec as usize
    }

    /// After a device loss the supervisor hands over the new stream's ring buffer.
    fn take_new_feed(&mut self) {
        while let Ok((feed, rate)) = self.feeds.try_recv() {
            if rate != self.device_rate {
                match FrameResampler::fixed_output(rate, self.codec_rate, frame_len(self.codec_rate)) {
                    Ok(r) => self.resampler = r,
                    Err(e) => {
                        tracing::warn!(error = %e, "the new input device cannot be resampled");
                        continue;
                    }
                }
                self.device_rate = rate;
            }
            self.feed = feed;
        }
    }

    /// Sends silence instead of the device's audio while muted (the meter shows silence too).
    pub fn set_muted(&self, muted: bool) {
        self.shared.muted.store(muted, Ordering::Relaxed);
    }

    pub fn is_muted(&self) -> bool {
        self.shared.muted.load(Ordering::Relaxed)
    }

    /// The peak of the last ~50 ms in dBFS ([`super::SILENT_DBFS`] for silence).
    pub fn level(&self) -> f32 {
        self.shared.level.get()
    }

    /// The device in use (changes when a lost device was replaced by the default one).
    pub fn device_name(&self) -> String {
        self.supervisor.status.name()
    }

    /// How many times a lost device was replaced by the default one.
    pub fn fallbacks(&self) -> u32 {
        self.supervisor.status.fallbacks()
    }
}
