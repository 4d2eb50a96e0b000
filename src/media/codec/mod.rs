//! Audio codecs behind one interface: PCM in 20 ms frames at the codec's own rate.

pub mod g711;
pub mod g729;
pub mod gsm;

use audiopus::coder::{Decoder as OpusDecoder, Encoder as OpusEncoder};
use audiopus::{Application, Channels, SampleRate};
use ezk_g722::libg722::{Bitrate, decoder::Decoder as G722Decoder, encoder::Encoder as G722Encoder};

/// An encoder/decoder pair for one call.
pub trait AudioCodec: Send {
    /// Rate of the PCM the codec takes and gives (Hz).
    fn sample_rate(&self) -> u32;
    /// RTP timestamp clock (G.722: 8000 although it samples at 16 kHz).
    fn rtp_clock(&self) -> u32;
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>);
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>);
    /// Fills `out` with one 20 ms frame for a lost packet in the codec's own way, from `next`
    /// (the packet after the lost one) when the codec carries redundancy; `false` when the
    /// codec has no concealment of its own (the stream then uses [`crate::media::plc`]).
    fn conceal(&mut self, _next: Option<&[u8]>, _out: &mut Vec<i16>) -> bool {
        false
    }
}

/// Samples in a 20 ms frame of `codec`.
pub fn frame_samples(codec: &dyn AudioCodec) -> usize {
    codec.sample_rate() as usize / 50
}

/// The codec for an SDP encoding name, when Handset has it.
pub fn make(name: &str) -> Option<Box<dyn AudioCodec>> {
    match name.to_ascii_uppercase().as_str() {
        "PCMU" => Some(Box::new(G711Codec(false))),
        "PCMA" => Some(Box::new(G711Codec(true))),
        "G722" => Some(Box::new(G722 {
            enc: G722Encoder::new(Bitrate::Mode1_64000, false, false),
            dec: G722Decoder::new(Bitrate::Mode1_64000, false, false),
        })),
        "OPUS" => Opus::new().map(|o| Box::new(o) as Box<dyn AudioCodec>),
        "G729" => Some(Box::new(G729 {
            enc: g729::G729Encoder::new()?,
            dec: g729::G729Decoder::new()?,
        })),
        "GSM" => Some(Box::new(Gsm {
            enc: gsm::GsmState::new()?,
            dec: gsm::GsmState::new()?,
        })),
        _ => None,
    }
}

struct G711Codec(bool);

impl AudioCodec for G711Codec {
    fn sample_rate(&self) -> u32 {
        8000
    }
    fn rtp_clock(&self) -> u32 {
        8000
    }
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) {
        let f = if self.0 {
            g711::linear_to_alaw
        } else {
            g711::linear_to_ulaw
        };
        g711::encode(pcm, f, out);
    }
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        let f = if self.0 {
            g711::alaw_to_linear
        } else {
            g711::ulaw_to_linear
        };
        g711::decode(payload, f, out);
    }
}

/// G.722 at 64 kbit/s (ITU-T reference algorithm, via ezk-g722's port of libg722).
struct G722 {
    enc: G722Encoder,
    dec: G722Decoder,
}

impl AudioCodec for G722 {
    fn sample_rate(&self) -> u32 {
        16000
    }
    fn rtp_clock(&self) -> u32 {
        8000
    }
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) {
        *out = self.enc.encode(pcm);
    }
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        *out = self.dec.decode(payload);
    }
}

/// G.729 Annex A through bcg729; a 20 ms frame is two 10-byte G.729 frames.
struct G729 {
    enc: g729::G729Encoder,
    dec: g729::G729Decoder,
}

impl AudioCodec for G729 {
    fn sample_rate(&self) -> u32 {
        8000
    }
    fn rtp_clock(&self) -> u32 {
        8000
    }
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) {
        out.clear();
        self.enc.encode(pcm, out);
    }
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        out.clear();
        self.dec.decode(payload, out);
    }
    fn conceal(&mut self, _next: Option<&[u8]>, out: &mut Vec<i16>) -> bool {
        // G.729's own frame-erasure concealment, two 10 ms frames.
        out.clear();
        self.dec.conceal(out);
        self.dec.conceal(out);
        true
    }
}

/// GSM 06.10 through libgsm.
struct Gsm {
    enc: gsm::GsmState,
    dec: gsm::GsmState,
}

impl AudioCodec for Gsm {
    fn sample_rate(&self) -> u32 {
        8000
    }
    fn rtp_clock(&self) -> u32 {
        8000
    }
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&self.enc.encode(pcm));
    }
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        out.clear();
        if let Some(frame) = self.dec.decode(payload) {
            out.extend_from_slice(&frame);
        }
    }
}

/// Opus (libopus through audiopus), mono, 48 kHz, VoIP mode, in-band FEC on.
struct Opus {
    enc: OpusEncoder,
    dec: OpusDecoder,
    buf: Vec<u8>,
}

impl Opus {
    fn new() -> Option<Opus> {
        let mut enc = OpusEncoder::new(SampleRate::Hz48000, Channels::Mono, Application::Voip).ok()?;
        let _ = enc.set_inband_fec(true);
        let _ = enc.set_bitrate(audiopus::Bitrate::BitsPerSecond(32000));
        let dec = OpusDecoder::new(SampleRate::Hz48000, Channels::Mono).ok()?;
        Some(Opus {
            enc,
            dec,
            buf: vec![0; 1500],
        })
    }
}

impl AudioCodec for Opus {
    fn sample_rate(&self) -> u32 {
        48000
    }
    fn rtp_clock(&self) -> u32 {
        48000
    }
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) {
        out.clear();
        if let Ok(n) = self.enc.encode(pcm, &mut self.buf) {
            out.extend_from_slice(&self.buf[..n]);
        }
    }
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        out.clear();
        out.resize(5760, 0); // 120 ms, the longest Opus frame
        let packet = audiopus::packet::Packet::try_from(payload).ok();
        let Ok(signals) = audiopus::MutSignals::try_from(&mut out[..]) else {
            out.clear();
            return;
        };
        match self.dec.decode(packet, signals, false) {
            Ok(n) => out.truncate(n),
            Err(_) => out.clear(),
        }
    }
    fn conceal(&mut self, next: Option<&[u8]>, out: &mut Vec<i16>) -> bool {
        // In-band FEC: the next packet carries a coarser copy of the lost frame; without it,
        // the decoder's own packet loss concealment.
        out.clear();
        out.resize(960, 0);
        let packet = next.and_then(|p| audiopus::packet::Packet::try_from(p).ok());
        let fec = packet.is_some();
        let Ok(signals) = audiopus::MutSignals::try_from(&mut out[..]) else {
            return false;
        };
        match self.dec.decode(packet, signals, fec) {
            Ok(n) => {
                out.truncate(n);
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 10000.0) as i16)
            .collect()
    }

    #[test]
    fn every_codec_round_trips_a_tone() {
        for name in ["PCMU", "PCMA", "G722", "opus", "GSM", "G729"] {
            let mut c = make(name).unwrap_or_else(|| panic!("{name}"));
            let n = frame_samples(c.as_ref());
            let input = tone(c.sample_rate(), n * 50);
            let (mut enc, mut dec, mut all) = (Vec::new(), Vec::new(), Vec::new());
            for frame in input.chunks(n) {
                c.encode(frame, &mut enc);
                assert!(!enc.is_empty(), "{name}");
                c.decode(&enc, &mut dec);
                assert_eq!(dec.len(), n, "{name}");
                all.extend_from_slice(&dec);
            }
            // After the codec's delay, the output is the same 440 Hz tone at a similar level.
            let tail = &all[all.len() / 2..];
            let crossings = tail.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
            let expected = 440.0 * tail.len() as f64 / f64::from(c.sample_rate()) * 2.0;
            assert!(
                (crossings as f64 - expected).abs() < expected * 0.05,
                "{name}: {crossings} vs {expected}"
            );
            let rms = (tail.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / tail.len() as f64).sqrt();
            assert!((5000.0..9000.0).contains(&rms), "{name}: rms {rms}");
        }
    }
}
