//! The phone's own sounds, outside calls: the ringtone on the ring device while calls ring
//! here, and the settings' test tone, prompt previews and microphone meter.

use crate::engine::CallHandle;
use crate::media::device::DeviceChoice;
use crate::media::sounds::{MicMeter, Player, Sound};
use crate::text::Text;

#[derive(Debug, Default)]
pub(super) struct SoundBoard {
    /// Calls ringing here, and the ringtone while there are any.
    ringing: Vec<CallHandle>,
    ringer: Option<Player>,
    /// The test tone or preview playing.
    playing: Option<Player>,
    meter: Option<MicMeter>,
}

impl SoundBoard {
    /// `call` rings here: the ringtone starts on the ring device unless it already rings.
    /// Without sound devices (a headless phone) nothing rings.
    pub(super) fn ring(&mut self, call: CallHandle, devices: Option<&DeviceChoice>) {
        self.ringing.push(call);
        if self.ringer.is_none()
            && let Some(d) = devices
        {
            self.ringer = Some(Player::start(d.ring.clone(), Sound::Ring));
        }
    }

    /// `call` no longer rings here; the ringtone stops when no other call rings.
    pub(super) fn stop_ringing(&mut self, call: CallHandle) {
        self.ringing.retain(|c| *c != call);
        if self.ringing.is_empty() {
            self.ringer = None;
        }
    }

    /// Plays `sound` on `device` in place of the one playing.
    pub(super) fn play(&mut self, device: Option<String>, sound: Sound) {
        self.playing = Some(Player::start(device, sound));
    }

    /// Stops the sound playing; whether one was.
    pub(super) fn stop(&mut self) -> bool {
        self.playing.take().is_some()
    }

    /// Whether the sound playing has just ended by itself (said once).
    pub(super) fn ended(&mut self) -> bool {
        let ended = self.playing.as_ref().is_some_and(Player::is_finished);
        if ended {
            self.playing = None;
        }
        ended
    }

    /// Starts (on the input `device`) or stops the microphone meter; its levels (dBFS) go to
    /// `level`, and why the device cannot be used to `failed`.
    pub(super) fn meter(
        &mut self,
        on: bool,
        device: Option<String>,
        level: impl Fn(f32) + Send + 'static,
        failed: impl FnOnce(Text) + Send + 'static,
    ) {
        self.meter = on.then(|| MicMeter::start(device, level, move |reason| failed(reason.text())));
    }
}
