//! Workspace audio that needs media work: announcements and voicemail greetings are decoded
//! on upload and stored as WAV under the profile's audio folder, and found again by name
//! (shipped or uploaded) to be played.

use std::path::Path;
use std::sync::Arc;

use crate::account::model::{SipAccount, Unavailable};
use crate::account::store::random_id;
use crate::account::workspace::{AudioItem, BUILTIN_ANNOUNCEMENTS, BUILTIN_GREETINGS, ItemKind, Workspace};
use crate::account::{AccountManager, Error, StoreError};
use crate::media::audio_file::decode_to_wav;
use crate::media::prompts::AudioRef;

/// The announcement or greeting `name`: shipped with Handset, or uploaded to the workspace
/// (its WAV under `audio_dir`); `None` when there is no such item.
pub fn prompt(workspace: &Workspace, audio_dir: &Path, kind: ItemKind, name: &str) -> Option<AudioRef> {
    let (shipped, folder, uploaded) = match kind {
        ItemKind::Announcement => (BUILTIN_ANNOUNCEMENTS, "announcements", &workspace.announcements),
        ItemKind::Greeting => (BUILTIN_GREETINGS, "greetings", &workspace.greetings),
        _ => return None,
    };
    if let Some((_, file)) = shipped.iter().find(|(n, _)| *n == name) {
        return Some(AudioRef::Builtin(format!("{folder}/{file}")));
    }
    let item = uploaded.iter().find(|a| a.name == name)?;
    Some(AudioRef::File(audio_dir.join(&item.file)))
}

/// What an account plays to the other party: the Outbound announcements when an outgoing
/// call is answered, and the voicemail greeting when an incoming one goes to voicemail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountPrompts {
    /// When an internal extension answers.
    pub internal: Option<AudioRef>,
    /// When an external recipient answers.
    pub external: Option<AudioRef>,
    /// The greeting of Route To Voicemail (`None`: Do Nothing).
    pub voicemail: Option<AudioRef>,
}

impl AccountPrompts {
    /// The account's prompts, found in the workspace.
    pub fn of(account: &SipAccount, workspace: &Workspace, audio_dir: &Path) -> AccountPrompts {
        let find =
            |kind: ItemKind, name: Option<&String>| name.and_then(|n| prompt(workspace, audio_dir, kind, n));
        let greeting = match &account.inbound.when_unavailable {
            Unavailable::RouteToVoicemail { greeting } => greeting.as_ref(),
            Unavailable::DoNothing => None,
        };
        AccountPrompts {
            internal: find(
                ItemKind::Announcement,
                account.outbound.internal_announcement.as_ref(),
            ),
            external: find(
                ItemKind::Announcement,
                account.outbound.external_announcement.as_ref(),
            ),
            voicemail: find(ItemKind::Greeting, greeting),
        }
    }
}

/// Decodes `source` (WAV, MP3, Ogg Vorbis, FLAC or M4A) and adds it to the announcements or
/// greetings catalogue as `name`. Nothing is kept when any step fails.
pub fn upload_audio(
    manager: &AccountManager,
    kind: ItemKind,
    name: &str,
    source: &Path,
) -> Result<AudioItem, Error> {
    manager.check_audio_name(kind, name)?;
    let dir = manager.paths().audio_dir();
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::Store(StoreError::Io {
            action: "create",
            path: dir.clone(),
            source: Arc::new(e),
        })
    })?;
    let prefix = match kind {
        ItemKind::Greeting => "greeting",
        _ => "announcement",
    };
    let file = format!("{prefix}-{}.wav", &random_id()[..12]);
    let dst = dir.join(&file);
    let info = decode_to_wav(source, &dst).map_err(|e| Error::Rejected(e.text()))?;
    let item = AudioItem {
        name: name.to_owned(),
        file,
        duration_ms: info.duration_ms,
    };
    if let Err(e) = manager.add_audio(kind, item.clone()) {
        let _ = std::fs::remove_file(&dst);
        return Err(e);
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_are_found_shipped_or_uploaded() {
        let mut ws = Workspace::default();
        ws.announcements.push(AudioItem {
            name: "Lobby".into(),
            file: "announcement-1.wav".into(),
            duration_ms: 2000,
        });
        let dir = Path::new("/profile/audio");
        assert_eq!(
            prompt(&ws, dir, ItemKind::Announcement, "Welcome"),
            Some(AudioRef::Builtin("announcements/welcome.wav".into()))
        );
        assert_eq!(
            prompt(&ws, dir, ItemKind::Announcement, "Lobby"),
            Some(AudioRef::File(dir.join("announcement-1.wav")))
        );
        assert_eq!(prompt(&ws, dir, ItemKind::Announcement, "Gone"), None);
        assert_eq!(
            prompt(&ws, dir, ItemKind::Greeting, "Lobby"),
            None,
            "not a greeting"
        );
        let mut a = SipAccount::default();
        a.outbound.external_announcement = Some("Lobby".into());
        a.inbound.when_unavailable = Unavailable::RouteToVoicemail {
            greeting: Some("Standard Greeting".into()),
        };
        let found = AccountPrompts::of(&a, &ws, dir);
        assert_eq!(found.internal, None);
        assert_eq!(
            found.voicemail,
            Some(AudioRef::Builtin("greetings/standard.wav".into()))
        );
        assert_eq!(
            found.external,
            Some(AudioRef::File(dir.join("announcement-1.wav")))
        );
    }
}
