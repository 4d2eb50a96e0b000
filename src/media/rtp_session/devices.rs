//! The stream's sound card side: capture replaces the silence sent when there is no file, and
//! every played-out frame also goes to the output. The devices open on a blocking thread (a
//! PulseAudio stream stalls 1.5-2 s at start) while the stream already runs; a device that
//! cannot open is logged and the call goes on without it.

use tokio::sync::oneshot;
use tracing::{info, warn};

use crate::media::device::{Capture, DeviceChoice, Playback};

#[derive(Debug, Default)]
pub(super) struct Devices {
    opening: Option<oneshot::Receiver<(Option<Capture>, Option<Playback>)>>,
    capture: Option<Capture>,
    playback: Option<Playback>,
}

impl Devices {
    /// Starts opening the chosen devices for frames at `rate`; the input only when `capture`.
    pub(super) fn open(choice: Option<DeviceChoice>, rate: u32, capture: bool) -> Devices {
        let Some(choice) = choice else {
            return Devices::default();
        };
        let (tx, rx) = oneshot::channel();
        tokio::task::spawn_blocking(move || {
            let input = capture.then(|| Capture::open(choice.input.as_deref(), rate));
            let output = Playback::open(choice.output.as_deref(), rate);
            let input = input.and_then(|r| {
                r.inspect_err(|e| warn!(error = %e, "no audio input for the call"))
                    .ok()
            });
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
            c.read_frame(frame);
        }
    }

    /// Plays `frame` on the output.
    pub(super) fn play(&mut self, frame: &[i16]) {
        self.poll_opened();
        if let Some(p) = &mut self.playback {
            p.write_frame(frame);
        }
    }
}

impl Drop for Devices {
    /// Closing a device may wait for the audio server: off the async worker.
    fn drop(&mut self) {
        let open = (self.capture.take(), self.playback.take());
        if (open.0.is_some() || open.1.is_some())
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn_blocking(move || drop(open));
        }
    }
}
