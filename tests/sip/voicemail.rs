//! Route To Voicemail against a real baresip caller: under Do Not Disturb, and after the ring
//! timeout, the call is answered with the account's greeting (baresip hears it) and what the
//! caller says (baresip's 440 Hz tone) is kept as a message that the history points to.

use std::path::Path;
use std::time::Duration;

use handset::account::model::Unavailable;
use handset::account::workspace::Workspace;
use handset::account::{AccountManager, ProfilePaths};
use handset::engine::RegistrationState;
use handset::media::prompts::AudioRef;
use handset::phone::catalogue::AccountPrompts;
use handset::phone::controller::{Controller, Request, Update};
use handset::phone::history::{CallHistory, CallRecord, Outcome};
use handset::phone::softphone::{PhoneEvent, PhoneOptions};

use crate::audio::{analyse, wait_decoded_recording};
use crate::controller::{next, runtime};
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

const T: Duration = Duration::from_secs(10);

/// Seconds from the first to the last sample above 1000 of a WAV's first channel.
fn loud_secs(path: &Path) -> f64 {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let s: Vec<i16> = r
        .samples::<i16>()
        .step_by(usize::from(spec.channels))
        .map(Result::unwrap)
        .collect();
    let first = s.iter().position(|x| x.unsigned_abs() > 1000);
    let last = s.iter().rposition(|x| x.unsigned_abs() > 1000);
    match (first, last) {
        (Some(a), Some(b)) => (b - a) as f64 / f64::from(spec.sample_rate),
        _ => 0.0,
    }
}

#[test]
fn unanswered_calls_leave_a_message_after_the_greeting() {
    let k = Kamailio::start(KamailioOptions::default());
    let heard = tempfile::tempdir().unwrap();
    let bob = Baresip::start(
        &k,
        BaresipOptions {
            record_dir: Some(heard.path().to_owned()),
            ..BaresipOptions::pcmu("vmbob", "pw-bob")
        },
    );
    let alice = Profile::new(&k, "vmalice", "pw-alice", "udp");
    let manager = AccountManager::open(ProfilePaths::portable(alice.dir.path())).unwrap();
    let mut account = manager.account("A").unwrap();
    account.inbound.when_unavailable = Unavailable::RouteToVoicemail {
        greeting: Some("Standard Greeting".into()),
    };
    let password = manager.credentials("A").unwrap().password.unwrap();
    let prompts = AccountPrompts::of(&account, &Workspace::default(), Path::new("/none"));
    let greeting = AudioRef::Builtin("greetings/standard.wav".into()).load().unwrap();
    let greeting_secs = greeting.samples.len() as f64 / f64::from(greeting.sample_rate);
    let messages = tempfile::tempdir().unwrap();
    let options = PhoneOptions {
        voicemail: Some(messages.path().to_owned()),
        ring_timeout: Duration::from_secs(3),
        ..PhoneOptions::default()
    };

    let rt = runtime();
    let records: Vec<CallRecord> = rt.block_on(async {
        let (ctl, mut updates) = Controller::spawn(options, CallHistory::in_memory(), None);
        ctl.send(Request::Prompts {
            account: "A".into(),
            prompts,
        });
        ctl.send(Request::AddAccount {
            account: Box::new(account),
            password,
        });
        next(&mut updates, "registration", |u| match u {
            Update::Phone(PhoneEvent::Registration {
                state: RegistrationState::Registered { .. },
                ..
            }) => Some(()),
            _ => None,
        })
        .await;
        let mut records = Vec::new();
        // Under Do Not Disturb at once, then after 3 s of ringing.
        for (dnd, talk) in [(true, greeting_secs + 2.5), (false, 1.5)] {
            ctl.send(Request::DoNotDisturb(dnd));
            bob.clear_events();
            bob.dial(&alice.uri());
            let started = tokio::time::Instant::now();
            next(&mut updates, "the call to voicemail", |u| {
                matches!(u, Update::Voicemail(_)).then_some(())
            })
            .await;
            let rang = started.elapsed();
            if dnd {
                assert!(rang < Duration::from_secs(2), "at once: {rang:?}");
            } else {
                assert!(
                    rang >= Duration::from_millis(2500),
                    "after the ring timeout: {rang:?}"
                );
            }
            tokio::task::block_in_place(|| bob.wait_event("CALL_ESTABLISHED", T));
            tokio::time::sleep(Duration::from_secs_f64(talk)).await;
            bob.hangup();
            let record = next(&mut updates, "the voicemail in the history", |u| match u {
                Update::History(r) => Some(r.clone()),
                _ => None,
            })
            .await;
            records.push(record);
        }
        ctl.send(Request::Shutdown);
        records
    });

    for r in &records {
        assert_eq!(r.outcome, Outcome::Voicemail, "{r:?}");
        let path = r.voicemail.as_deref().expect("the message");
        assert!(path.starts_with(messages.path()), "{}", path.display());
        let (pitch, rms) = analyse(path);
        assert!(
            (pitch - 440.0).abs() < 15.0 && rms > 1000.0,
            "bob's tone: {pitch:.0} Hz, RMS {rms:.0}"
        );
        assert!(r.duration_secs >= 1, "{r:?}");
    }
    // The first call heard the whole greeting (baresip's recording of the first call).
    wait_decoded_recording(heard.path(), T);
    let mut dumps: Vec<_> = std::fs::read_dir(heard.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .collect();
    dumps.sort();
    assert_eq!(dumps.len(), 2, "one per call: {dumps:?}");
    let heard_secs = loud_secs(&dumps[0]);
    assert!(
        heard_secs > greeting_secs * 0.6 && heard_secs < greeting_secs + 0.5,
        "bob heard {heard_secs:.2} s of the {greeting_secs:.2} s greeting"
    );
}
