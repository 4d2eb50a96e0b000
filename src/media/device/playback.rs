//! Playback: one codec frame at a time from the media tick → resampled to the device rate → ring
//! buffer → the cpal output callback (silence on underrun).
//!
//! The ring starts playing once it holds [`PRIME_MS`] of audio. Each underrun (the frames came
//! late: a busy machine delayed the media tick) is a gap of silence, counted in [`Playback::underruns`], and makes the ring wait for [`PRIME_STEP_MS`]
//! more before it plays again, up to [`PRIME_MAX_MS`]: a machine that keeps delaying the audio
//! gets a deeper cushion (more latency) instead of a stutter every few seconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};

use cpal::traits::{DeviceTrait, StreamTrait};
use rtrb::{Consumer, Producer, RingBuffer};

use super::meter::{Level, PeakWindow};
use super::resample::FrameResampler;
use super::supervisor::{Failures, Heartbeat, Open, Supervisor};
use super::{DeviceError, Direction, OPEN_TIMEOUT, find, frame_len, name_of, stream_config};

/// The callback waits for this much audio before it starts.
const PRIME_MS: u32 = 40;
/// How much deeper the cushion gets after each underrun…
const PRIME_STEP_MS: u32 = 20;
/// …up to this.
const PRIME_MAX_MS: u32 = 100;
/// Audio queued beyond this is dropped rather than played late (bounds latency).
const MAX_QUEUE_MS: u32 = 150;

/// A new ring buffer and its device rate, after the stream was (re)opened.
type Feed = (Producer<f32>, u32);

/// Audio to an output device, written one 20 ms codec frame at a time; never blocks.
pub struct Playback {
    supervisor: Supervisor,
    level: Arc<Level>,
    underruns: Arc<AtomicU32>,
    gaps: Arc<AtomicU64>,
    gaps_taken: u64,
    latency: Arc<AtomicU32>,
    feeds: Receiver<Feed>,
    feed: Producer<f32>,
    device_rate: u32,
    codec_rate: u32,
    resampler: FrameResampler,
    input: Vec<f32>,
    dropped: u32,
}

impl std::fmt::Debug for Playback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Playback")
            .field("device", &self.device_name())
            .field("device_rate", &self.device_rate)
            .field("codec_rate", &self.codec_rate)
            .finish_non_exhaustive()
    }
}

/// The callback side: pops mono samples into every channel, meters what it plays.
struct OutputSide {
    ring: Consumer<f32>,
    channels: usize,
    prime: usize,
    prime_step: usize,
    prime_max: usize,
    playing: bool,
    meter: PeakWindow,
    level: Arc<Level>,
    underruns: Arc<AtomicU32>,
    /// Samples of silence played in gaps (after the first start), at the device rate.
    gaps: Arc<AtomicU64>,
    started: bool,
    latency: Arc<AtomicU32>,
    heartbeat: Heartbeat,
}

impl OutputSide {
    fn fill<T>(&mut self, data: &mut [T], info: &cpal::OutputCallbackInfo)
    where
        T: cpal::Sample + cpal::FromSample<f32>,
    {
        self.heartbeat.beat();
        let ts = info.timestamp();
        self.latency.store(
            super::latency_us(ts.playback.duration_since(ts.callback)),
            Ordering::Relaxed,
        );
        if !self.playing && self.ring.slots() >= self.prime {
            (self.playing, self.started) = (true, true);
        }
        let mut gap = 0;
        for frame in data.chunks_mut(self.channels) {
            let x = if self.playing {
                self.ring.pop().ok()
            } else {
                Some(0.0)
            };
            let x = x.unwrap_or_else(|| {
                // Underrun: silence until the ring is primed again.
                if self.playing {
                    self.underruns.fetch_add(1, Ordering::Relaxed);
                    self.prime = (self.prime + self.prime_step).min(self.prime_max);
                }
                self.playing = false;
                0.0
            });
            if !self.playing && self.started {
                gap += 1;
            }
            frame.fill(T::from_sample(x));
            self.meter.add(x, &self.level);
        }
        if gap > 0 {
            self.gaps.fetch_add(gap, Ordering::Relaxed);
        }
    }
}

impl Playback {
    /// Opens the output named `device` (`None`: the default) for frames at `codec_rate`.
    /// Blocks while the device opens (up to a few seconds with PulseAudio): call it off async
    /// workers.
    pub fn open(device: Option<&str>, codec_rate: u32) -> Result<Playback, DeviceError> {
        let level = Arc::new(Level::new());
        let (feeds_tx, feeds) = mpsc::channel();
        let meter_level = level.clone();
        let underruns = Arc::new(AtomicU32::new(0));
        let side_underruns = underruns.clone();
        let latency = Arc::new(AtomicU32::new(0));
        let side_latency = latency.clone();
        let gaps = Arc::new(AtomicU64::new(0));
        let side_gaps = gaps.clone();
        let open: Open = Box::new(move |name: Option<&str>, failures: Failures| {
            let device = find(Direction::Output, name)?;
            let name = name_of(&device);
            let fail = |reason: String| DeviceError::Open {
                direction: Direction::Output,
                name: name.clone(),
                reason,
            };
            let (config, format) = stream_config(&device, Direction::Output).map_err(fail)?;
            let rate = config.sample_rate;
            let (producer, ring) = RingBuffer::new((rate * MAX_QUEUE_MS / 1000) as usize);
            let mut output = OutputSide {
                ring,
                channels: usize::from(config.channels.max(1)),
                prime: (rate * PRIME_MS / 1000) as usize,
                prime_step: (rate * PRIME_STEP_MS / 1000) as usize,
                prime_max: (rate * PRIME_MAX_MS / 1000) as usize,
                playing: false,
                meter: PeakWindow::new(rate),
                level: meter_level.clone(),
                underruns: side_underruns.clone(),
                gaps: side_gaps.clone(),
                started: false,
                latency: side_latency.clone(),
                heartbeat: failures.heartbeat(),
            };
            let errors = failures.callback();
            let stream = match format {
                cpal::SampleFormat::F32 => device.build_output_stream(
                    config,
                    move |d: &mut [f32], i: &cpal::OutputCallbackInfo| output.fill(d, i),
                    errors,
                    Some(OPEN_TIMEOUT),
                ),
                _ => device.build_output_stream(
                    config,
                    move |d: &mut [i16], i: &cpal::OutputCallbackInfo| output.fill(d, i),
                    errors,
                    Some(OPEN_TIMEOUT),
                ),
            }
            .map_err(|e| fail(e.to_string()))?;
            stream.play().map_err(|e| fail(e.to_string()))?;
            let _ = feeds_tx.send((producer, rate));
            Ok((stream, name))
        });
        let supervisor = Supervisor::start(Direction::Output, device.map(str::to_owned), open)?;
        let (feed, device_rate) = feeds.try_recv().map_err(|_| DeviceError::Open {
            direction: Direction::Output,
            name: supervisor.status.name(),
            reason: "the stream opened without a buffer".into(),
        })?;
        let resampler = FrameResampler::fixed_input(codec_rate, device_rate, frame_len(codec_rate))?;
        Ok(Playback {
            supervisor,
            level,
            underruns,
            gaps,
            gaps_taken: 0,
            latency,
            feeds,
            feed,
            device_rate,
            codec_rate,
            resampler,
            input: Vec::new(),
            dropped: 0,
        })
    }

    /// Queues one 20 ms frame at the codec rate; `false` when the device is behind by more
    /// than [`MAX_QUEUE_MS`] and the frame was dropped (counted in [`dropped`](Self::dropped)).
    pub fn write_frame(&mut self, frame: &[i16]) -> bool {
        self.take_new_feed();
        let len = frame_len(self.codec_rate);
        self.input.clear();
        self.input
            .extend((0..len).map(|i| frame.get(i).map_or(0.0, |s| f32::from(*s) / 32768.0)));
        let out = self.resampler.process(&self.input);
        if self.feed.push_entire_slice(out).is_err() {
            self.dropped += 1;
            return false;
        }
        true
    }

    /// Silence the device played in gaps (it ran dry) since the last call, in whole samples at
    /// the codec rate (the rest is carried to the next call).
    pub fn take_gaps(&mut self) -> usize {
        let pending = self.gaps.load(Ordering::Relaxed) - self.gaps_taken;
        let (codec, used) = super::whole_codec_samples(pending, self.device_rate, self.codec_rate);
        self.gaps_taken += used;
        codec as usize
    }

    fn take_new_feed(&mut self) {
        while let Ok((feed, rate)) = self.feeds.try_recv() {
            if rate != self.device_rate {
                match FrameResampler::fixed_input(self.codec_rate, rate, frame_len(self.codec_rate)) {
                    Ok(r) => self.resampler = r,
                    Err(e) => {
                        tracing::warn!(error = %e, "the new output device cannot be resampled");
                        continue;
                    }
                }
                self.device_rate = rate;
            }
            self.feed = feed;
        }
    }

    /// How long audio written now takes to be heard: what waits in the ring buffer, and the
    /// device's own latency (the sound server's buffer, as its last callback reported it); in
    /// samples at the codec rate.
    pub fn delay(&self) -> usize {
        let queued = self.feed.buffer().capacity() - self.feed.slots();
        queued * self.codec_rate as usize / self.device_rate as usize
            + super::samples_in(self.latency.load(Ordering::Relaxed), self.codec_rate)
    }

    /// The peak of what was played in the last ~50 ms, in dBFS.
    pub fn level(&self) -> f32 {
        self.level.get()
    }

    /// Frames dropped because the device fell behind.
    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    /// Times the device ran out of audio while playing (each one is a gap of silence).
    pub fn underruns(&self) -> u32 {
        self.underruns.load(Ordering::Relaxed)
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
