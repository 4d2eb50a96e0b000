//! Per-frame cost of each codec, of SRTP protect/unprotect and of the jitter buffer: a bench
//! binary (`cargo bench --bench media`) that prints figures, each also as a share of the 20 ms
//! a frame lasts (one core).

use std::hint::black_box;
use std::time::{Duration, Instant};

use handset::engine::rtp::jitter::JitterBuffer;
use handset::engine::rtp::packet::{self, RtpHeader};
use handset::media::codec::{frame_samples, make};
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

fn main() {
    let budget = Duration::from_millis(
        std::env::var("HANDSET_BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(700),
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
        black_box(jb.pop());
        ts = ts.wrapping_add(960);
        now += 960;
    });
    print("jitter buffer insert + pop", c);
}
