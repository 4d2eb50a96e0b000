//! G.729 Annex A through bcg729 (Debian `libbcg729`, the library Linphone's mediastreamer2
//! uses): 80 samples at 8 kHz ↔ 10 bytes. Annex B (VAD/DTX) stays off, as the SDP says
//! (`annexb=no`), but a 2-byte SID frame from a peer that sends one anyway is decoded as
//! comfort noise. RFC 3551 §4.5.6: an RTP payload is any number of 10-byte frames, optionally
//! followed by one 2-byte SID frame.

#![allow(unsafe_code)] // FFI to libbcg729; each call below states why it is sound.

use std::os::raw::c_void;

#[link(name = "bcg729")]
unsafe extern "C" {
    fn initBcg729EncoderChannel(enable_vad: u8) -> *mut c_void;
    fn closeBcg729EncoderChannel(ctx: *mut c_void);
    fn bcg729Encoder(ctx: *mut c_void, input: *const i16, bit_stream: *mut u8, bit_stream_length: *mut u8);
    fn initBcg729DecoderChannel() -> *mut c_void;
    fn closeBcg729DecoderChannel(ctx: *mut c_void);
    fn bcg729Decoder(
        ctx: *mut c_void,
        bit_stream: *const u8,
        bit_stream_length: u8,
        frame_erasure: u8,
        sid_frame: u8,
        rfc3389_payload: u8,
        signal: *mut i16,
    );
}

/// Samples per G.729 frame (10 ms at 8 kHz).
pub const SAMPLES: usize = 80;
/// Bytes per G.729 voice frame.
pub const FRAME_BYTES: usize = 10;
/// Bytes per G.729 Annex B SID (comfort noise) frame.
pub const SID_BYTES: usize = 2;

/// A bcg729 encoder channel (VAD off).
#[derive(Debug)]
pub struct G729Encoder(*mut c_void);

// SAFETY: the channel context is plain heap memory owned by this value; bcg729 keeps no
// thread-local or global state, so moving it to another thread is fine (never shared: no Sync).
unsafe impl Send for G729Encoder {}

impl G729Encoder {
    pub fn new() -> Option<G729Encoder> {
        // SAFETY: no preconditions; returns null when the allocation fails.
        let p = unsafe { initBcg729EncoderChannel(0) };
        (!p.is_null()).then_some(G729Encoder(p))
    }

    /// Encodes `pcm` 80 samples at a time (a short last frame is padded with silence),
    /// appending 10 bytes per frame to `out`.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) {
        for chunk in pcm.chunks(SAMPLES) {
            let mut input = [0i16; SAMPLES];
            input[..chunk.len()].copy_from_slice(chunk);
            let mut frame = [0u8; FRAME_BYTES];
            let mut len = 0u8;
            // SAFETY: self.0 is a live encoder channel; input holds the 80 samples bcg729Encoder
            // reads and frame the 10 bytes it may write at most (with VAD off it always writes 10).
            unsafe { bcg729Encoder(self.0, input.as_ptr(), frame.as_mut_ptr(), &mut len) };
            out.extend_from_slice(&frame[..usize::from(len).min(FRAME_BYTES)]);
        }
    }
}

impl Drop for G729Encoder {
    fn drop(&mut self) {
        // SAFETY: self.0 came from initBcg729EncoderChannel and is closed once, here.
        unsafe { closeBcg729EncoderChannel(self.0) };
    }
}

/// A bcg729 decoder channel.
#[derive(Debug)]
pub struct G729Decoder(*mut c_void);

// SAFETY: as for G729Encoder.
unsafe impl Send for G729Decoder {}

impl G729Decoder {
    pub fn new() -> Option<G729Decoder> {
        // SAFETY: no preconditions; returns null when the allocation fails.
        let p = unsafe { initBcg729DecoderChannel() };
        (!p.is_null()).then_some(G729Decoder(p))
    }

    /// Decodes a payload of 10-byte voice frames and an optional trailing 2-byte SID frame,
    /// appending 80 samples per frame to `out`. Bytes that form neither (a payload of the
    /// wrong length) are treated as one lost frame: the decoder conceals it.
    pub fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        let mut rest = payload;
        while !rest.is_empty() {
            let (frame, sid, erased, used) = match rest.len() {
                n if n >= FRAME_BYTES => (&rest[..FRAME_BYTES], false, false, FRAME_BYTES),
                SID_BYTES => (rest, true, false, SID_BYTES),
                n => (&[0u8; FRAME_BYTES][..], false, true, n),
            };
            self.frame(frame, sid, erased, out);
            rest = &rest[used..];
        }
    }

    /// Conceals one lost 10 ms frame.
    pub fn conceal(&mut self, out: &mut Vec<i16>) {
        self.frame(&[0u8; FRAME_BYTES], false, true, out);
    }

    fn frame(&mut self, frame: &[u8], sid: bool, erased: bool, out: &mut Vec<i16>) {
        debug_assert!(frame.len() == FRAME_BYTES || frame.len() == SID_BYTES);
        let mut signal = [0i16; SAMPLES];
        // SAFETY: self.0 is a live decoder channel; frame holds bitStreamLength bytes (10 for a
        // voice or erased frame, 2 for SID: what bcg729Decoder reads for each), signal the 80
        // samples it writes.
        unsafe {
            bcg729Decoder(
                self.0,
                frame.as_ptr(),
                frame.len() as u8,
                u8::from(erased),
                u8::from(sid),
                0,
                signal.as_mut_ptr(),
            );
        }
        out.extend_from_slice(&signal);
    }
}

impl Drop for G729Decoder {
    fn drop(&mut self) {
        // SAFETY: self.0 came from initBcg729DecoderChannel and is closed once, here.
        unsafe { closeBcg729DecoderChannel(self.0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| ((i as f64 * freq * std::f64::consts::TAU / 8000.0).sin() * 10000.0) as i16)
            .collect()
    }

    /// (frequency from zero crossings, RMS) of 8 kHz samples.
    fn pitch_and_level(s: &[i16]) -> (f64, f64) {
        let crossings = s.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        let freq = crossings as f64 / 2.0 / (s.len() as f64 / 8000.0);
        let rms = (s.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
        (freq, rms)
    }

    #[test]
    fn a_tone_keeps_its_pitch_and_level() {
        for freq in [300.0, 600.0, 1000.0] {
            let (mut enc, mut dec) = (G729Encoder::new().unwrap(), G729Decoder::new().unwrap());
            let input = tone(freq, 8000);
            let mut all = Vec::new();
            for frame in input.chunks(160) {
                let mut bytes = Vec::new();
                enc.encode(frame, &mut bytes);
                assert_eq!(bytes.len(), 20, "a 20 ms RTP frame is two G.729 frames");
                dec.decode(&bytes, &mut all);
            }
            assert_eq!(all.len(), input.len());
            let (f, rms) = pitch_and_level(&all[4000..]);
            assert!((f - freq).abs() < freq * 0.03, "{freq} Hz came out at {f:.0} Hz");
            assert!((5000.0..9000.0).contains(&rms), "{freq} Hz: rms {rms:.0}");
        }
    }

    #[test]
    fn any_payload_size_decodes_without_panicking() {
        let mut dec = G729Decoder::new().unwrap();
        for len in 0..=45 {
            let mut out = Vec::new();
            dec.decode(&vec![0xa5; len], &mut out);
            // 10-byte frames, a trailing 2-byte SID frame, and a lost frame for leftover bytes.
            let frames = len / FRAME_BYTES + usize::from(len % FRAME_BYTES != 0);
            assert_eq!(out.len(), frames * SAMPLES, "{len} bytes");
        }
        let mut out = Vec::new();
        dec.conceal(&mut out);
        assert_eq!(out.len(), SAMPLES);
    }

    #[test]
    fn silence_stays_quiet_and_a_sid_frame_gives_comfort_noise() {
        let (mut enc, mut dec) = (G729Encoder::new().unwrap(), G729Decoder::new().unwrap());
        let mut bytes = Vec::new();
        enc.encode(&[0; 800], &mut bytes);
        assert_eq!(bytes.len(), 100);
        let mut out = Vec::new();
        dec.decode(&bytes, &mut out);
        assert!(pitch_and_level(&out).1 < 100.0, "{}", pitch_and_level(&out).1);
        // The lowest-energy SID frame: quiet comfort noise, one frame of it.
        let mut noise = Vec::new();
        dec.decode(&[0x00, 0x00], &mut noise);
        assert_eq!(noise.len(), SAMPLES);
        assert!(pitch_and_level(&noise).1 < 100.0, "{}", pitch_and_level(&noise).1);
    }
}
