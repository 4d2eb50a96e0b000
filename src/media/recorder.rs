//! Call recording: both sides of a call mixed to mono and written as Ogg Opus (RFC 7845) at
//! 16 kbit/s, about 7 MB per hour as the account manager tells admins.
//!
//! The file grows while the call runs (`<name>.part`, a page about every second) and takes its
//! name when the recording ends, so a recording is either whole under its name or, after a crash,
//! a playable `.part` cut at its last page. A write error (a full disk) ends the recording with
//! that error; the call goes on.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use audiopus::coder::Encoder;
use audiopus::{Application, Bitrate, Channels, SampleRate};

/// Bit rate of recordings.
pub const BITRATE: i32 = 16_000;
/// Frames per Ogg page (20 ms each): a page a second.
const FRAMES_PER_PAGE: usize = 50;

/// A recording being written.
pub struct Recorder {
    path: PathBuf,
    part: PathBuf,
    file: BufWriter<File>,
    encoder: Encoder,
    /// Samples per 20 ms at the input rate, and input samples per 48 kHz sample.
    frame_len: usize,
    scale: u64,
    mixed: Vec<i16>,
    /// Encoded frames waiting for their page.
    packets: Vec<Vec<u8>>,
    serial: u32,
    page_no: u32,
    /// Samples at 48 kHz encoded so far (the granule position, RFC 7845 §4).
    granule: u64,
    pre_skip: u16,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn opus_rate(rate: u32) -> Option<SampleRate> {
    Some(match rate {
        8000 => SampleRate::Hz8000,
        12000 => SampleRate::Hz12000,
        16000 => SampleRate::Hz16000,
        24000 => SampleRate::Hz24000,
        48000 => SampleRate::Hz48000,
        _ => return None,
    })
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl Recorder {
    /// Starts a recording of `rate` Hz audio (8, 12, 16, 24 or 48 kHz) that ends up at `path`.
    pub fn create(path: &Path, rate: u32) -> io::Result<Recorder> {
        let sample_rate = opus_rate(rate).ok_or_else(|| other(format!("cannot record {rate} Hz audio")))?;
        let mut encoder = Encoder::new(sample_rate, Channels::Mono, Application::Voip).map_err(other)?;
        encoder
            .set_bitrate(Bitrate::BitsPerSecond(BITRATE))
            .map_err(other)?;
        let scale = u64::from(48_000 / rate);
        let pre_skip = encoder.lookahead().map_err(other)? as u64 * scale;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut name = path.as_os_str().to_owned();
        name.push(".part");
        let part = PathBuf::from(name);
        let file = BufWriter::new(File::create(&part)?);
        let mut serial = [0u8; 4];
        let _ = getrandom::fill(&mut serial);
        let mut r = Recorder {
            path: path.to_owned(),
            part,
            file,
            encoder,
            frame_len: rate as usize / 50,
            scale,
            mixed: Vec::new(),
            packets: Vec::new(),
            serial: u32::from_le_bytes(serial),
            page_no: 0,
            granule: 0,
            pre_skip: pre_skip as u16,
        };
        r.write_headers(rate)?;
        Ok(r)
    }

    /// The file the recording ends up in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds 20 ms: what was sent and what was heard (either may be shorter: silence).
    pub fn push(&mut self, local: &[i16], remote: &[i16]) -> io::Result<()> {
        self.mixed.clear();
        self.mixed.extend((0..self.frame_len).map(|i| {
            let a = local.get(i).copied().unwrap_or(0);
            let b = remote.get(i).copied().unwrap_or(0);
            a.saturating_add(b)
        }));
        let mut out = [0u8; 1500];
        let n = self.encoder.encode(&self.mixed, &mut out).map_err(other)?;
        self.packets.push(out[..n].to_vec());
        self.granule += self.frame_len as u64 * self.scale;
        if self.packets.len() >= FRAMES_PER_PAGE {
            self.flush_page(false)?;
        }
        Ok(())
    }

    /// Ends the recording: the last page, synced, under its name.
    pub fn finish(mut self) -> io::Result<PathBuf> {
        self.flush_page(true)?;
        self.file.flush()?;
        self.file.get_ref().sync_all()?;
        std::fs::rename(&self.part, &self.path)?;
        if let Some(dir) = self.path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(self.path)
    }

    /// Ends the recording after an error: the partial file is removed.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.part);
    }

    fn write_headers(&mut self, rate: u32) -> io::Result<()> {
        // RFC 7845 §5.1: the identification header, alone on the first page.
        let mut head = b"OpusHead".to_vec();
        head.push(1);
        head.push(1);
        head.extend_from_slice(&self.pre_skip.to_le_bytes());
        head.extend_from_slice(&rate.to_le_bytes());
        head.extend_from_slice(&0i16.to_le_bytes());
        head.push(0);
        self.page(&[head], 0, 0x02)?;
        // §5.2: the comment header, on its own page.
        let vendor = concat!("Handset ", env!("CARGO_PKG_VERSION"));
        let mut tags = b"OpusTags".to_vec();
        tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        tags.extend_from_slice(vendor.as_bytes());
        tags.extend_from_slice(&0u32.to_le_bytes());
        self.page(&[tags], 0, 0)
    }

    fn flush_page(&mut self, last: bool) -> io::Result<()> {
        if self.packets.is_empty() && !last {
            return Ok(());
        }
        let packets = std::mem::take(&mut self.packets);
        self.page(&packets, self.granule, if last { 0x04 } else { 0 })
    }

    /// Writes one Ogg page (RFC 3533) holding whole packets.
    fn page(&mut self, packets: &[Vec<u8>], granule: u64, flags: u8) -> io::Result<()> {
        let mut lacing = Vec::new();
        for p in packets {
            lacing.extend(std::iter::repeat_n(255u8, p.len() / 255));
            lacing.push((p.len() % 255) as u8);
        }
        let mut page = Vec::with_capacity(27 + lacing.len() + packets.iter().map(Vec::len).sum::<usize>());
        page.extend_from_slice(b"OggS");
        page.push(0);
        page.push(flags);
        page.extend_from_slice(&granule.to_le_bytes());
        page.extend_from_slice(&self.serial.to_le_bytes());
        page.extend_from_slice(&self.page_no.to_le_bytes());
        page.extend_from_slice(&[0; 4]);
        page.push(lacing.len() as u8);
        page.extend_from_slice(&lacing);
        for p in packets {
            page.extend_from_slice(p);
        }
        let crc = ogg_crc(&page);
        page[22..26].copy_from_slice(&crc.to_le_bytes());
        self.page_no += 1;
        self.file.write_all(&page)
    }
}

/// The Ogg checksum: CRC-32, polynomial 0x04c11db7, no reflection, zero start and end.
fn ogg_crc(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut r = (i as u32) << 24;
            let mut k = 0;
            while k < 8 {
                r = if r & 0x8000_0000 != 0 {
                    (r << 1) ^ 0x04c1_1db7
                } else {
                    r << 1
                };
                k += 1;
            }
            t[i] = r;
            i += 1;
        }
        t
    };
    data.iter().fold(0u32, |crc, &b| {
        (crc << 8) ^ TABLE[((crc >> 24) as u8 ^ b) as usize]
    })
}

/// Decodes a recording written here (tests): its 20 ms packets back to PCM at `rate`.
#[cfg(test)]
pub(crate) fn decode(bytes: &[u8], rate: u32) -> Vec<i16> {
    let mut dec = audiopus::coder::Decoder::new(opus_rate(rate).unwrap(), Channels::Mono).unwrap();
    let mut pcm = Vec::new();
    for (_, _, packets) in tests::pages(bytes).into_iter().skip(2) {
        for p in packets {
            let mut out = vec![0i16; rate as usize / 50];
            let packet = audiopus::packet::Packet::try_from(p.as_slice()).unwrap();
            let signals = audiopus::MutSignals::try_from(&mut out[..]).unwrap();
            let n = dec.decode(Some(packet), signals, false).unwrap();
            pcm.extend_from_slice(&out[..n]);
        }
    }
    pcm
}

/// The strength of `hz` in `pcm` at `rate` (Goertzel), for tests.
#[cfg(test)]
pub(crate) fn tone_power(pcm: &[i16], rate: u32, hz: f32) -> f32 {
    let w = hz * std::f32::consts::TAU / rate as f32;
    let (mut s1, mut s2) = (0f32, 0f32);
    for &x in pcm {
        let s = x as f32 + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2).sqrt()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn tone(rate: u32, frames: usize, hz: f32, amp: f32) -> Vec<i16> {
        (0..frames * rate as usize / 50)
            .map(|i| ((i as f32 * hz * std::f32::consts::TAU / rate as f32).sin() * amp) as i16)
            .collect()
    }

    /// Reads back the pages: each checksum, the page numbers and the last granule position.
    pub(crate) fn pages(bytes: &[u8]) -> Vec<(u8, u64, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let p = &bytes[at..];
            assert_eq!(&p[..4], b"OggS");
            let segments = p[26] as usize;
            let lacing = &p[27..27 + segments];
            let len = 27 + segments + lacing.iter().map(|&l| l as usize).sum::<usize>();
            let mut copy = p[..len].to_vec();
            copy[22..26].copy_from_slice(&[0; 4]);
            assert_eq!(ogg_crc(&copy).to_le_bytes(), p[22..26], "page checksum");
            let mut packets = vec![Vec::new()];
            let mut body = 27 + segments;
            for &l in lacing {
                packets
                    .last_mut()
                    .unwrap()
                    .extend_from_slice(&p[body..body + l as usize]);
                body += l as usize;
                if l < 255 {
                    packets.push(Vec::new());
                }
            }
            packets.pop();
            let granule = u64::from_le_bytes(p[6..14].try_into().unwrap());
            out.push((p[5], granule, packets));
            at += len;
        }
        out
    }

    #[test]
    fn writes_a_decodable_ogg_opus_file_of_both_sides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls/a.opus");
        let mut r = Recorder::create(&path, 8000).unwrap();
        let (ours, theirs) = (tone(8000, 150, 440.0, 6000.0), tone(8000, 150, 1000.0, 6000.0));
        for (a, b) in ours.chunks(160).zip(theirs.chunks(160)) {
            r.push(a, b).unwrap();
        }
        assert!(!path.exists(), "the name is taken only when the recording ends");
        assert_eq!(r.finish().unwrap(), path);
        let bytes = std::fs::read(&path).unwrap();
        let pages = pages(&bytes);
        assert_eq!(&pages[0].2[0][..8], b"OpusHead");
        assert_eq!(pages[0].0, 0x02, "beginning of stream");
        assert_eq!(&pages[1].2[0][..8], b"OpusTags");
        let last = pages.last().unwrap();
        assert_eq!(last.0 & 0x04, 0x04, "end of stream");
        assert_eq!(last.1, 150 * 960, "granule position counts 48 kHz samples");
        assert_eq!(pages[2..].iter().map(|p| p.2.len()).sum::<usize>(), 150);
        // Decoded, both tones are there.
        let pcm = decode(&bytes, 8000);
        let power = |hz| tone_power(&pcm[4000..], 8000, hz);
        let (a, b, none) = (power(440.0), power(1000.0), power(2500.0));
        assert!(
            a > 20.0 * none && b > 20.0 * none,
            "440 Hz {a}, 1000 Hz {b}, 2500 Hz {none}"
        );
        // About 16 kbit/s.
        assert!(bytes.len() < 3 * 16_000 / 8 * 2, "{} bytes for 3 s", bytes.len());
    }

    #[test]
    fn refuses_rates_opus_does_not_take() {
        let dir = tempfile::tempdir().unwrap();
        let e = Recorder::create(&dir.path().join("x.opus"), 44_100).unwrap_err();
        assert!(e.to_string().contains("44100"), "{e}");
    }

    #[test]
    fn the_checksum_matches_a_known_page() {
        // CRC-32/MPEG-2 without the final inversion and start 0 ("CRC-32/BZIP2" minus xorout
        // and init): check value of "123456789" with init 0, no xorout is 0x89A1897F.
        assert_eq!(ogg_crc(b"123456789"), 0x89A1_897F);
    }
}
