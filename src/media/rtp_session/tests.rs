//! Streams against each other over loopback: SRTP in every suite, digits, recording on demand.

use super::*;
use crate::engine::sdes::Suite;

#[test]
fn resampling_keeps_duration_and_tone() {
    let tone: Vec<i16> = (0..48000)
        .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 48000.0).sin() * 10000.0) as i16)
        .collect();
    let out = resample(
        &Pcm {
            sample_rate: 48000,
            samples: tone,
        },
        8000,
    );
    assert_eq!(out.len(), 8000);
    // Zero crossings of 440 Hz over 1 s: about 880.
    let crossings = out.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    assert!((860..=900).contains(&crossings), "{crossings}");
}

#[tokio::test]
async fn two_streams_exchange_audio_with_srtp_in_every_suite() {
    tokio::join!(
        exchange(Suite::AeadAes128Gcm),
        exchange(Suite::AesCm128HmacSha1_80),
        exchange(Suite::AesCm128HmacSha1_32)
    );
}

async fn exchange(suite: Suite) {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let key = |b: u8| Crypto {
        tag: 1,
        suite,
        key_salt: vec![b; suite.key_salt_len()],
    };
    // A's stream sends with key 1 and receives with key 2; B's the other way round.
    let keys = Some((key(1), key(2)));
    let tone = Pcm {
        sample_rate: 8000,
        samples: (0..8000)
            .map(|i| ((i as f64 * 0.2).sin() * 8000.0) as i16)
            .collect(),
    };
    let sa = Stream::start(
        a,
        StreamConfig {
            remote: ba,
            payload_type: 0,
            codec: crate::media::codec::make("PCMU").unwrap(),
            source: Some(tone),
            record: None,
            recording: None,
            ssrc: 1,
            cname: "a@test".into(),
            rtcp: None,
            dtmf: Some((101, 8000)),
            digits_to: None,
            srtp: keys.clone(),
            dtls: None,
            devices: None,
            ice: None,
        },
    );
    let record = dir.path().join("b.wav");
    let sb = Stream::start(
        b,
        StreamConfig {
            remote: aa,
            payload_type: 0,
            codec: crate::media::codec::make("PCMU").unwrap(),
            source: None,
            record: Some(record.clone()),
            recording: None,
            ssrc: 2,
            cname: "b@test".into(),
            rtcp: None,
            dtmf: Some((101, 8000)),
            digits_to: None,
            srtp: keys.clone().map(|(a, b)| (b, a)),
            dtls: None,
            devices: None,
            ice: None,
        },
    );
    sa.send_dtmf("1*#");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ra = sa.stop().await;
    let rb = sb.stop().await;
    assert!(ra.sent >= 25 && rb.received >= 25, "{ra:?} {rb:?}");
    assert_eq!(rb.lost, 0);
    assert_eq!(rb.digits, "1*#");
    let samples: Vec<i16> = hound::WavReader::open(&record)
        .unwrap()
        .into_samples()
        .map(Result::unwrap)
        .collect();
    let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!(peak > 7000, "the tone arrived: peak {peak}");
}

fn tone(hz: f64) -> Pcm {
    Pcm {
        sample_rate: 8000,
        samples: (0..16000)
            .map(|i| ((i as f64 * hz * std::f64::consts::TAU / 8000.0).sin() * 8000.0) as i16)
            .collect(),
    }
}

fn plain(remote: SocketAddr, source: Pcm, recording: Option<PathBuf>, ssrc: u32) -> StreamConfig {
    StreamConfig {
        remote,
        payload_type: 0,
        codec: crate::media::codec::make("PCMU").unwrap(),
        source: Some(source),
        record: None,
        recording,
        ssrc,
        cname: format!("{ssrc}@test"),
        rtcp: None,
        dtmf: None,
        digits_to: None,
        srtp: None,
        dtls: None,
        devices: None,
        ice: None,
    }
}

#[tokio::test]
async fn recording_on_demand_holds_both_sides_while_it_is_on() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.opus");
    let sa = Stream::start(a, plain(ba, tone(440.0), Some(path.clone()), 1));
    let sb = Stream::start(b, plain(aa, tone(1000.0), None, 2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !path.exists() && !dir.path().join("call.opus.part").exists(),
        "nothing before it is on"
    );
    sa.controls().set_recording(true);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(sa.controls().is_recording());
    let ra = sa.stop().await;
    sb.stop().await;
    assert_eq!(
        (ra.recorded.as_deref(), ra.recording_error),
        (Some(path.as_path()), None)
    );
    let pcm = crate::media::recorder::decode(&std::fs::read(&path).unwrap(), 8000);
    let secs = pcm.len() as f64 / 8000.0;
    assert!((0.9..1.2).contains(&secs), "{secs} s: from the switch to the end");
    let power = |hz| crate::media::recorder::tone_power(&pcm[1600..], 8000, hz);
    let (ours, theirs, none) = (power(440.0), power(1000.0), power(2500.0));
    assert!(ours > 20.0 * none, "what was sent: {ours} vs {none}");
    assert!(theirs > 20.0 * none, "what was heard: {theirs} vs {none}");
}

#[tokio::test]
async fn a_recording_that_cannot_be_written_turns_itself_off_and_says_why() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    // A file where the folder should be.
    std::fs::write(dir.path().join("blocked"), b"x").unwrap();
    let path = dir.path().join("blocked/call.opus");
    let sa = Stream::start(a, plain(ba, tone(440.0), Some(path), 1));
    let sb = Stream::start(b, plain(aa, tone(1000.0), None, 2));
    sa.controls().set_recording(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!sa.controls().is_recording(), "turned off");
    let ra = sa.stop().await;
    sb.stop().await;
    assert!(ra.sent > 5, "the call went on");
    assert_eq!(ra.recorded, None);
    let e = ra.recording_error.expect("the reason");
    assert!(e.contains("cannot record to") && e.contains("blocked"), "{e}");
}

/// A stream whose task never finishes (starved, or stuck on a sound server) must not hold the
/// end of the call: `stop` gives up after `STOP_WAIT` with the last live figures.
#[tokio::test]
async fn a_stream_that_does_not_stop_ends_on_time_with_its_last_figures() {
    let (stop_tx, _stop_rx) = oneshot::channel();
    let (_done_tx, done_rx) = oneshot::channel::<StreamReport>();
    let (digits, _digits_rx) = mpsc::unbounded_channel();
    let live_report = StreamReport {
        sent: 250,
        received: 249,
        ..StreamReport::default()
    };
    let (_live_tx, live) = watch::channel(live_report);
    let controls = Arc::new(Controls::default());
    controls.set_recording(true);
    let stream = Stream {
        stop: Some(stop_tx),
        done: Some(done_rx),
        digits,
        live,
        controls,
    };
    let started = Instant::now();
    let report = stream.stop().await;
    let waited = started.elapsed();
    assert!(
        waited >= STOP_WAIT && waited < STOP_WAIT + Duration::from_secs(2),
        "{waited:?}"
    );
    assert_eq!((report.sent, report.received), (250, 249));
    assert!(
        report
            .recording_error
            .as_deref()
            .is_some_and(|e| e.contains("did not stop in time")),
        "{report:?}"
    );
}
