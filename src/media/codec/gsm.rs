//! GSM 06.10 full rate through the reference C library (Debian `libgsm1`, the one baresip and
//! Asterisk use): 160 samples at 8 kHz ↔ 33 bytes. No maintained pure-Rust GSM 06.10 exists.

#![allow(unsafe_code)] // FFI to libgsm; each call below states why it is sound.

use std::os::raw::{c_int, c_short, c_uchar, c_void};

#[link(name = "gsm")]
unsafe extern "C" {
    fn gsm_create() -> *mut c_void;
    fn gsm_destroy(g: *mut c_void);
    fn gsm_encode(g: *mut c_void, source: *mut c_short, frame: *mut c_uchar);
    fn gsm_decode(g: *mut c_void, frame: *mut c_uchar, target: *mut c_short) -> c_int;
}

/// Samples per GSM frame (20 ms at 8 kHz).
pub const SAMPLES: usize = 160;
/// Bytes per GSM frame.
pub const FRAME_BYTES: usize = 33;

/// One libgsm state (encoder or decoder).
#[derive(Debug)]
pub struct GsmState(*mut c_void);

// SAFETY: a gsm state is plain heap memory owned by this value; libgsm keeps no thread-local
// or global state, so moving it to another thread is fine (it is never shared: no Sync).
unsafe impl Send for GsmState {}

impl GsmState {
    pub fn new() -> Option<GsmState> {
        // SAFETY: gsm_create has no preconditions; it returns null on allocation failure.
        let p = unsafe { gsm_create() };
        (!p.is_null()).then_some(GsmState(p))
    }

    /// Encodes exactly 160 samples (shorter input is padded with silence).
    pub fn encode(&mut self, pcm: &[i16]) -> [u8; FRAME_BYTES] {
        let mut input = [0i16; SAMPLES];
        let n = pcm.len().min(SAMPLES);
        input[..n].copy_from_slice(&pcm[..n]);
        let mut frame = [0u8; FRAME_BYTES];
        // SAFETY: self.0 is a live state from gsm_create; input holds 160 samples and frame 33
        // bytes, the sizes gsm_encode reads and writes.
        unsafe { gsm_encode(self.0, input.as_mut_ptr(), frame.as_mut_ptr()) };
        frame
    }

    /// Decodes one 33-byte frame; `None` when the frame is malformed.
    pub fn decode(&mut self, frame: &[u8]) -> Option<[i16; SAMPLES]> {
        let mut input: [u8; FRAME_BYTES] = frame.get(..FRAME_BYTES)?.try_into().ok()?;
        let mut out = [0i16; SAMPLES];
        // SAFETY: self.0 is a live state; input holds 33 bytes and out 160 samples, the sizes
        // gsm_decode reads and writes.
        let rc = unsafe { gsm_decode(self.0, input.as_mut_ptr(), out.as_mut_ptr()) };
        (rc == 0).then_some(out)
    }
}

impl Drop for GsmState {
    fn drop(&mut self) {
        // SAFETY: self.0 came from gsm_create and is destroyed once, here.
        unsafe { gsm_destroy(self.0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_frames_are_refused() {
        let mut d = GsmState::new().unwrap();
        assert!(d.decode(&[0u8; 10]).is_none());
        // The top nibble of a GSM frame is the 0xD magic.
        assert!(d.decode(&[0u8; 33]).is_none());
        let mut e = GsmState::new().unwrap();
        assert_eq!(e.encode(&[0; 160])[0] >> 4, 0xd);
    }
}
