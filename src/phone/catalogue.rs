//! Workspace uploads that need media work: announcements and voicemail greetings are decoded
//! on upload and stored as WAV under the profile's audio folder.

use std::path::Path;

use crate::account::store::random_id;
use crate::account::workspace::{AudioItem, ItemKind};
use crate::account::{AccountManager, Error};
use crate::media::audio_file::decode_to_wav;

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
        Error::Rejected(format!(
            "cannot create {}: {e}. Check that the profile folder is writable",
            dir.display()
        ))
    })?;
    let prefix = match kind {
        ItemKind::Greeting => "greeting",
        _ => "announcement",
    };
    let file = format!("{prefix}-{}.wav", &random_id()[..12]);
    let dst = dir.join(&file);
    let info = decode_to_wav(source, &dst).map_err(|e| Error::Rejected(e.to_string()))?;
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
