//! The stream's sound card side: capture replaces the silence sent once the audio to send (if
//! any) has been sent, and every played-out frame also goes to the output. The devices open on a
//! blocking thread (a PulseAudio stream stalls 1.5-2 s at start) while the stream already runs;
//! a device that cannot open is logged and the call goes on without it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use tokio::sync::oneshot;
use tracing::{info, warn};

use crate::media::device::{Capture, DeviceChoice, Playback, SILENT_DBFS};
use crate::media::echo_reference::EchoReference;
use crate::media::voice::VoiceProcessor;

/// What the UI changes and reads while a call runs: mute, recording and the two level meters.
#[derive(Debug)]
pub struct Controls {
    muted: AtomicBool,
    recording: AtomicBool,
    input: AtomicU32,
    output: AtomicU32,
}

impl Default for Controls {
    fn default() -> Controls {
        Controls {
            muted: AtomicBool::new(false),
            recording: AtomicBool::new(false),
            input: AtomicU32::new(SILENT_DBFS.to_bits()),
            output: AtomicU32::new(SILENT_DBFS.to_bits()),
        }
    }
}

impl Controls {
    /// Muted: silence is sent instead of the microphone (the call and its timing go on).
    pub fn set_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::Relaxed);
    }

    pub fn is_muted(&self) -> bool {
        self.muted.load(Ordering::Relaxed)
    }

    /// Recording on demand: both sides go to the call's recording while it is on (the stream
    /// turns it off when the recording cannot be written).
    pub fn set_recording(&self, on: bool) {
        self.recording.store(on, Ordering::Relaxed);
    }

    pub fn is_recording(&self) -> bool {
        self.recording.load(Ordering::Relaxed)
    }

    /// Peak level of the microphone (as sent) over the last ~50 ms, dBFS.
    pub fn input_dbfs(&self) -> f32 {
        f32::from_bits(self.input.load(Ordering::Relaxed))
    }

    /// Peak level of what the speaker plays over the last ~50 ms, dBFS.
    pub fn output_dbfs(&self) -> f32 {
        f32::from_bits(self.output.load(Ordering::Relaxed))
    }
}

#[derive(Debug, Default)]
pub(super) struct Devices {
    opening: Option<oneshot::Receiver<(Option<Capture>, Option<Playback>)>>,
    capture: Option<Capture>,
    playback: Option<Playback>,
    /// Echo cancellation and noise suppression, with what was played (the echo reference).
    voice: Option<(VoiceProcessor, EchoReference)>,
    controls: Arc<Controls>,
}

impl Devices {
    /// Starts opening the chosen devices for frames at `rate`; the input only when `capture`.
    pub(super) fn open(choice: Option<DeviceChoice>, rate: u32, controls: Arc<Controls>) -> Devices {
        let Some(choice) = choice else {
            let mut none = Devices::default();
            none.controls = controls;
            return none;
        };
        let frame = rate as usize / 50;
        let voice =
            VoiceProcessor::new(rate, frame, choice.voice).map(|v| (v, EchoReference::new(rate, frame)));
        let (tx, rx) = oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let input = Capture::open(choice.input.as_deref(), rate)
                .inspect_err(|e| warn!(error = %e, "no audio input for the call"))
                .ok();
            let output = Playback::open(choice.output.as_deref(), rate);
            let output = output
                .inspect_err(|e| warn!(error = %e, "no audio output for the call"))
                .ok();
            if let Some(c) = &input {
                info!(device = %c.device_name(), "capturing");
            }
            if let Some(p) = &output {
                info!(device = %p.device_name(), "playing");
            }
            let _ = tx.send((input, output));
        });
        Devices {
            opening: Some(rx),
            capture: None,
            playback: None,
            voice,
            controls,
        }
    }

    fn poll_opened(&mut self) {
        if let Some(rx) = &mut self.opening {
            match rx.try_recv() {
                Ok((capture, playback)) => {
                    (self.capture, self.playback) = (capture, playback);
                    self.opening = None;
                }
                Err(oneshot::error::TryRecvError::Empty) => {}
                Err(oneshot::error::TryRecvError::Closed) => self.opening = None,
            }
        }
    }

    /// Fills `frame` from the input when it has a frame; leaves it as it is otherwise.
    pub(super) fn capture(&mut self, frame: &mut [i16]) {
        self.poll_opened();
        if let Some(c) = &mut self.capture {
            let read = c.read_frame(frame);
            if let Some((_, played)) = &mut self.voice {
                let skipped = c.take_skipped() as isize;
                let gaps = self.playback.as_mut().map_or(0, Playback::take_gaps) as isize;
                played.jump(gaps - skipped);
            }
            if read && let Some((voice, played)) = &mut self.voice {
                let queued = self.playback.as_ref().map_or(0, Playback::delay);
                voice.process(frame, played.reference(queued + c.delay()));
            }
            if self.controls.is_muted() {
                frame.fill(0);
                self.controls
                    .input
                    .store(SILENT_DBFS.to_bits(), Ordering::Relaxed);
            } else {
                self.controls.input.store(c.level().to_bits(), Ordering::Relaxed);
            }
        }
    }

    /// Plays `frame` on the output.
    pub(super) fn play(&mut self, frame: &[i16]) {
        self.poll_opened();
        let mut queued = true;
        if let Some(p) = &mut self.playback {
            queued = p.write_frame(frame);
            self.controls.output.store(p.level().to_bits(), Ordering::Relaxed);
        }
        if let Some((_, played)) = &mut self.voice {
            if queued {
                played.played(frame);
            } else {
                played.jump(-(frame.len() as isize));
            }
        }
    }
}

impl Drop for Devices {
    /// Closing a device may wait for the audio server: off the async worker.
    fn drop(&mut self) {
        if let Some((_, played)) = &self.voice {
            info!(
                delay_ms = played.delay_ms(),
                moves = played.moves(),
                "echo reference at the end of the call"
            );
        }
        let open = (self.capture.take(), self.playback.take());
        if (open.0.is_some() || open.1.is_some())
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn_blocking(move || drop(open));
        }
    }
}
