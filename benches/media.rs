//! Per-frame cost of each codec, of SRTP protect/unprotect and of the jitter buffer: a bench
//! binary (`cargo bench --bench media`) that prints figures, each also as a share of the 20 ms
//! a frame lasts (one core).

use std::hint::black_box;
use std::time::{Duration, Instant};

use handset::engine::rtp::jitter::JitterBuffer;
use handset::engine::rtp::packet::{self, RtpHeader};
use handset::media::audio_file::Pcm;
use handset::media::codec::{frame_samples, make};
use handset::media::rtp_session::{Stream, StreamConfig};
use rtc_srtp::context::Context;
use rtc_srtp::protection_profile::ProtectionProfile;

const FRAME: Duration = Duration::from_millis(20);

/// Runs `f` for about `budget` and returns the mean time per call.
fn time(budget: Duration, mut f: impl FnMut()) -> Duration {
    for _ in 0..50 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget {
        for _ in 0..50 {
            f();
        }
        n += 50;
    }
    start.elapsed() / n
}

fn print(what: &str, per_frame: Duration) {
    let share = per_frame.as_secs_f64() / FRAME.as_secs_f64() * 100.0;
    println!(
        "{what:<38} {:>9.2} µs/frame  {share:>6.3} % of a core per call",
        per_frame.as_secs_f64() * 1e6
    );
}

/// Speech-like test signal: two tones with a slow amplitude envelope.
fn signal(rate: u32, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let env = 0.5 + 0.5 * (t * 3.0).sin();
            ((t * 220.0 * std::f64::consts::TAU).sin() * 6000.0 * env
                + (t * 1330.0 * std::f64::consts::TAU).sin() * 2000.0) as i16
        })
        .collect()
}

/// Mouth-to-ear latency of the engine on loopback: stream A plays clicks into a call leg to
/// stream B in the same process; B's playout clock (what a speaker would get) is timed against
/// when each click would have been spoken into a device feeding A (its 20 ms frame is sent when
/// complete). Includes packetization, loopback, jitter buffer and decoding; no device buffers.
fn latency(codec: &str, clicks: usize) -> Option<Vec<f64>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .ok()?;
    rt.block_on(async {
        let probe = make(codec)?;
        let rate = probe.sample_rate() as usize;
        let mut samples = vec![0i16; rate * (clicks + 2) / 2];
        let at: Vec<usize> = (1..=clicks).map(|k| k * rate / 2 + k * rate / 1000).collect();
        for &c in &at {
            for i in 0..rate / 1000 {
                samples[c + i] = if i % 2 == 0 { 20000 } else { -20000 };
            }
        }
        let a = tokio::net::UdpSocket::bind("127.0.0.1:0").await.ok()?;
        let b = tokio::net::UdpSocket::bind("127.0.0.1:0").await.ok()?;
        let (aa, ba) = (a.local_addr().ok()?, b.local_addr().ok()?);
        let dir = tempfile::tempdir().ok()?;
        let heard = dir.path().join("heard.wav");
        let pt = if codec == "opus" { 111 } else { 0 };
        let config = |remote, source, record, ssrc: u32| StreamConfig {
            remote,
            payload_type: pt,
            codec: make(codec).expect("codec"),
            source,
            record,
            recording: None,
            ssrc,
            cname: format!("{ssrc}@bench"),
            rtcp: None,
            dtmf: None,
            digits_to: None,
            srtp: None,
            dtls: None,
            devices: None,
            ice: None,
        };
        let t_b = Instant::now();
        let sb = Stream::start(b, config(aa, None, Some(heard.clone()), 2));
        let t_a = Instant::now();
        let source = Pcm {
            sample_rate: rate as u32,
            samples,
        };
        let sa = Stream::start(a, config(ba, Some(source), None, 1));
        tokio::time::sleep(Duration::from_millis((clicks as u64 + 2) * 500)).await;
        sa.stop().await;
        sb.stop().await;
        let got: Vec<i16> = hound::WavReader::open(&heard)
            .ok()?
            .into_samples()
            .map_while(Result::ok)
            .collect();
        let mut out = Vec::new();
        let mut from = 0;
        for &c in &at {
            let Some(onset) = got[from.min(got.len())..]
                .iter()
                .position(|s| s.unsigned_abs() > 5000)
                .map(|i| i + from)
            else {
                break;
            };
            from = onset + rate / 4;
            let spoken = t_a + Duration::from_secs_f64(c as f64 / rate as f64) - FRAME;
            let ear = t_b + Duration::from_secs_f64(onset as f64 / rate as f64);
            out.push(ear.saturating_duration_since(spoken).as_secs_f64() * 1000.0);
        }
        Some(out)
    })
}

fn main() {
    // `cargo bench` passes --bench; under `cargo test` this only shows that it runs.
    let full = std::env::args().any(|a| a == "--bench");
    let budget = Duration::from_millis(
        std::env::var("HANDSET_BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if full { 700 } else { 5 }),
    );
    println!(
        "Handset media benchmarks ({} ms per figure, one thread)",
        budget.as_millis()
    );
    for name in ["PCMU", "PCMA", "G722", "opus", "GSM", "G729"] {
        let Some(mut codec) = make(name) else {
            println!("{name:<38} not available");
            continue;
        };
        let n = frame_samples(codec.as_ref());
        let pcm = signal(codec.sample_rate(), n * 50);
        let frames: Vec<&[i16]> = pcm.chunks(n).collect();
        let (mut enc, mut dec) = (Vec::new(), Vec::new());
        let mut i = 0;
        let e = time(budget, || {
            codec.encode(black_box(frames[i % frames.len()]), &mut enc);
            i += 1;
        });
        let payloads: Vec<Vec<u8>> = frames
            .iter()
            .map(|f| {
                codec.encode(f, &mut enc);
                enc.clone()
            })
            .collect();
        let mut j = 0;
        let d = time(budget, || {
            codec.decode(black_box(&payloads[j % payloads.len()]), &mut dec);
            j += 1;
        });
        print(&format!("{name} encode"), e);
        print(&format!("{name} decode"), d);
    }

    let provider = rtc_srtp::crypto::default_provider().expect("crypto provider");
    for (name, profile, salt) in [
        (
            "SRTP AES_CM_128_HMAC_SHA1_80",
            ProtectionProfile::Aes128CmHmacSha1_80,
            14,
        ),
        ("SRTP AEAD_AES_128_GCM", ProtectionProfile::AeadAes128Gcm, 12),
    ] {
        let ctx = || {
            Context::new(&[7; 16], &vec![9; salt], profile, None, None, provider.crypto()).expect("context")
        };
        let (mut tx, mut rx) = (ctx(), ctx());
        let mut out = Vec::new();
        let mut seq = 0u16;
        let rtp = |seq: u16, out: &mut Vec<u8>| {
            let h = RtpHeader {
                marker: false,
                payload_type: 111,
                sequence: seq,
                timestamp: u32::from(seq) * 960,
                ssrc: 1,
            };
            packet::write(&h, &[0x55; 80], out);
        };
        let p = time(budget, || {
            rtp(seq, &mut out);
            black_box(tx.encrypt_rtp(&out).expect("protect"));
            seq = seq.wrapping_add(1);
        });
        // A fresh sender: the timing loop above has wrapped the sequence numbers many times.
        let mut tx = ctx();
        let protected: Vec<Vec<u8>> = (0..20_000u16)
            .map(|s| {
                rtp(s, &mut out);
                tx.encrypt_rtp(&out).expect("protect").to_vec()
            })
            .collect();
        // Each packet once: the replay window rejects repeats.
        let start = Instant::now();
        for packet in &protected {
            black_box(rx.decrypt_rtp(packet).expect("unprotect"));
        }
        let u = start.elapsed() / protected.len() as u32;
        print(&format!("{name} protect"), p);
        print(&format!("{name} unprotect"), u);
    }

    let mut jb = JitterBuffer::new(960, 15);
    let mut ts = 0u32;
    let mut now = 0u64;
    let c = time(budget, || {
        jb.insert(ts, &[0; 80], now + u64::from(ts % 7 * 97));
        black_box(jb.pop(now));
        ts = ts.wrapping_add(960);
        now += 960;
    });
    print("jitter buffer insert + pop", c);

    for codec in ["opus", "PCMU"] {
        match latency(codec, if full { 10 } else { 2 }) {
            Some(l) if !l.is_empty() => {
                let mut sorted = l.clone();
                sorted.sort_by(f64::total_cmp);
                println!(
                    "mouth-to-ear on loopback, {codec:<5}          median {:>6.1} ms  (min {:.1}, max {:.1}, {} clicks)",
                    sorted[sorted.len() / 2],
                    sorted[0],
                    sorted[sorted.len() - 1],
                    sorted.len()
                );
            }
            _ => println!("mouth-to-ear on loopback, {codec}: no click arrived"),
        }
    }
}
