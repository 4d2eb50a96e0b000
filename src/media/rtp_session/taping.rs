//! On-demand recording of a running call: while [`Controls`] says so, each 20 ms of what was
//! sent and what was heard goes to the call's [`Recorder`]; turning it off pauses (the pause is
//! left out), turning it on again continues the same file.

use std::path::PathBuf;

use tracing::{info, warn};

use super::devices::Controls;
use crate::media::recorder::Recorder;

#[derive(Debug)]
pub(super) struct Taping {
    /// Where this call's recording goes; `None`: the call cannot be recorded.
    path: Option<PathBuf>,
    rate: u32,
    recorder: Option<Recorder>,
    error: Option<String>,
}

impl Taping {
    pub(super) fn new(path: Option<PathBuf>, rate: u32) -> Taping {
        Taping {
            path,
            rate,
            recorder: None,
            error: None,
        }
    }

    /// Records one frame when recording is on.
    pub(super) fn frame(&mut self, controls: &Controls, sent: &[i16], heard: &[i16]) {
        if !controls.is_recording() {
            return;
        }
        if self.recorder.is_none() {
            let Some(path) = self.path.as_deref() else {
                controls.set_recording(false);
                return;
            };
            match Recorder::create(path, self.rate) {
                Ok(r) => {
                    info!(path = %path.display(), "recording the call");
                    self.recorder = Some(r);
                }
                Err(e) => return self.fail(controls, format!("cannot record to {}: {e}", path.display())),
            }
        }
        if let Some(r) = &mut self.recorder
            && let Err(e) = r.push(sent, heard)
        {
            let path = r.path().display().to_string();
            self.fail(controls, format!("recording stopped: cannot write {path}: {e}"));
        }
    }

    fn fail(&mut self, controls: &Controls, error: String) {
        warn!(%error, "call recording");
        controls.set_recording(false);
        self.error = Some(error);
        // What was written stays (a `.part` file playable to its last page).
        if let Some(r) = self.recorder.take() {
            let _ = r.finish();
        }
        self.path = None;
    }

    /// Ends the recording: the file written (if any) and the error that stopped it (if any).
    pub(super) fn finish(self) -> (Option<PathBuf>, Option<String>) {
        match self.recorder.map(Recorder::finish) {
            Some(Ok(path)) => (Some(path), self.error),
            Some(Err(e)) => (None, Some(format!("cannot finish the recording: {e}"))),
            None => (None, self.error),
        }
    }
}
