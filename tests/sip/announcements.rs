//! Outbound Calls' announcements: when the other party answers an outgoing call, Handset plays
//! the account's announcement into the call (here the shipped "Welcome"), heard by a real
//! baresip that records what it receives.

use std::path::Path;

use handset::account::workspace::Workspace;
use handset::account::{AccountManager, ProfilePaths};
use handset::media::prompts::AudioRef;
use handset::phone::catalogue::AccountPrompts;
use handset::phone::controller::Request;
use handset::phone::history::CallHistory;

use crate::audio::wait_decoded_recording;
use crate::controller::{dial, registered, runtime};
use crate::handset::Profile;
use crate::peers::{Baresip, BaresipOptions, Kamailio, KamailioOptions};

/// Seconds from the first to the last sample above `threshold`.
fn loud_span(samples: &[i16], rate: u32, threshold: u16) -> f64 {
    let first = samples.iter().position(|s| s.unsigned_abs() > threshold);
    let last = samples.iter().rposition(|s| s.unsigned_abs() > threshold);
    match (first, last) {
        (Some(a), Some(b)) => (b - a) as f64 / f64::from(rate),
        _ => 0.0,
    }
}

#[test]
fn an_answered_outgoing_call_hears_the_external_announcement() {
    let k = Kamailio::start(KamailioOptions::default());
    let rec = tempfile::tempdir().unwrap();
    let bob = Baresip::start(
        &k,
        BaresipOptions {
            record_dir: Some(rec.path().to_owned()),
            ..BaresipOptions::pcmu("annbob", "pw-bob")
        },
    );
    let alice = Profile::new(&k, "annalice", "pw-alice", "udp");
    let manager = AccountManager::open(ProfilePaths::portable(alice.dir.path())).unwrap();
    let mut account = manager.account("A").unwrap();
    // bob is not an extension: the external announcement plays.
    account.outbound.external_announcement = Some("Welcome".into());
    let prompts = AccountPrompts::of(&account, &Workspace::default(), Path::new("/none"));
    let welcome = AudioRef::Builtin("announcements/welcome.wav".into())
        .load()
        .unwrap();
    let welcome_secs = loud_span(&welcome.samples, welcome.sample_rate, 1000);
    assert!(welcome_secs > 1.0, "{welcome_secs}");

    let rt = runtime();
    rt.block_on(async {
        let (ctl, mut updates) = registered(&manager, CallHistory::in_memory(), None).await;
        ctl.send(Request::Prompts {
            account: "A".into(),
            prompts,
        });
        let call = dial(&ctl, &mut updates, bob.sip_uri()).await;
        tokio::time::sleep(std::time::Duration::from_secs_f64(welcome_secs + 2.0)).await;
        ctl.send(Request::Hangup(call));
        bob.wait_event("CALL_CLOSED", std::time::Duration::from_secs(10));
        ctl.send(Request::Shutdown);
    });
    let heard = wait_decoded_recording(rec.path(), std::time::Duration::from_secs(10));
    let mut reader = hound::WavReader::open(&heard).unwrap();
    let spec = reader.spec();
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .step_by(usize::from(spec.channels))
        .map(Result::unwrap)
        .collect();
    let heard_secs = loud_span(&samples, spec.sample_rate, 1000);
    assert!(
        (heard_secs - welcome_secs).abs() < 0.5,
        "bob heard {heard_secs:.2} s of sound, the announcement is {welcome_secs:.2} s"
    );
}
