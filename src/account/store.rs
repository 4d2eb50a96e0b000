//! The profile on disk: one TOML document (workspace + accounts) written atomically under a
//! file lock, with a schema version and migrations. A damaged file is never overwritten.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::model::SipAccount;
use super::workspace::Workspace;
use crate::fsio::{FileLock, remove_stale_temporaries, write_atomic};
use crate::text::Text;

/// The schema version this build writes.
pub const CURRENT_VERSION: u32 = 1;

const CONFIG_FILE: &str = "handset.toml";
const LOCK_FILE: &str = "handset.lock";
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a profile keeps its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfilePaths {
    /// `handset.toml` and its lock.
    pub config_dir: PathBuf,
    /// Decoded announcements, greetings, recordings.
    pub data_dir: PathBuf,
    /// Logs and crash reports.
    pub state_dir: PathBuf,
    /// Whether this is a portable profile (`--profile DIR`) rather than the user's default.
    pub portable: bool,
}

impl ProfilePaths {
    /// A self-contained profile under `dir` (portable use and tests).
    pub fn portable(dir: &Path) -> ProfilePaths {
        ProfilePaths {
            config_dir: dir.join("config"),
            data_dir: dir.join("data"),
            state_dir: dir.join("state"),
            portable: true,
        }
    }

    /// The platform's standard locations (XDG on Linux, Application Support on macOS, AppData on Windows).
    pub fn system() -> Result<ProfilePaths, StoreError> {
        let dirs = directories::ProjectDirs::from("org", "Handset", "handset").ok_or(StoreError::NoHome)?;
        Ok(ProfilePaths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
            state_dir: dirs.state_dir().unwrap_or(dirs.data_local_dir()).to_path_buf(),
            portable: false,
        })
    }

    /// `dir` when given, else the system locations.
    pub fn resolve(dir: Option<&Path>) -> Result<ProfilePaths, StoreError> {
        match dir {
            Some(d) => Ok(ProfilePaths::portable(d)),
            None => ProfilePaths::system(),
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join(CONFIG_FILE)
    }

    pub fn audio_dir(&self) -> PathBuf {
        self.data_dir.join("audio")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }

    /// Crash reports ([`crate::crash`]).
    pub fn crash_dir(&self) -> PathBuf {
        self.state_dir.join("crashes")
    }
}

/// Everything a profile stores (secrets excepted: they are in the keyring).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Document {
    pub version: u32,
    /// Random id naming this profile's keyring entries (survives moving a portable profile).
    pub profile_id: String,
    pub workspace: Workspace,
    pub accounts: Vec<SipAccount>,
}

impl Default for Document {
    fn default() -> Self {
        Document {
            version: CURRENT_VERSION,
            profile_id: String::new(),
            workspace: Workspace::default(),
            accounts: Vec::new(),
        }
    }
}

/// A storage failure. `Clone` so it can travel to the UI.
///
/// `action` of [`StoreError::Io`] is one of `create`, `read`, `write`, `lock`, `copy`, `encode`.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", self.text())]
pub enum StoreError {
    NoHome,
    Io {
        action: &'static str,
        path: PathBuf,
        source: Arc<io::Error>,
    },
    Damaged {
        path: PathBuf,
        copy: PathBuf,
        reason: String,
    },
    TooNew {
        path: PathBuf,
        found: u32,
    },
    Locked {
        path: PathBuf,
    },
}

impl StoreError {
    pub fn text(&self) -> Text {
        match self {
            StoreError::NoHome => Text::new("store-no-home"),
            StoreError::Io { action, path, source } => Text::new("store-io")
                .arg("action", action)
                .arg("path", path.display())
                .arg("reason", source),
            StoreError::Damaged { path, copy, reason } => Text::new("store-damaged")
                .arg("path", path.display())
                .arg("copy", copy.display())
                .arg("reason", reason),
            StoreError::TooNew { path, found } => Text::new("store-too-new")
                .arg("path", path.display())
                .arg("found", found)
                .arg("supported", CURRENT_VERSION),
            StoreError::Locked { path } => Text::new("store-locked").arg("path", path.display()),
        }
    }
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source: Arc::new(source),
    }
}

/// The profile store. Reads need no lock (writes are atomic renames); every change runs as a
/// transaction under an exclusive lock: load, change, save.
#[derive(Clone, Debug)]
pub struct Store {
    paths: ProfilePaths,
}

impl Store {
    /// Opens a profile, creating its folders and an empty document when there is none.
    pub fn open(paths: ProfilePaths) -> Result<Store, StoreError> {
        for dir in [&paths.config_dir, &paths.data_dir, &paths.state_dir] {
            fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        }
        let store = Store { paths };
        if !store.paths.config_file().exists() {
            store.update(|_| Ok::<_, StoreError>(()))?;
        }
        Ok(store)
    }

    pub fn paths(&self) -> &ProfilePaths {
        &self.paths
    }

    /// Loads the current document.
    pub fn load(&self) -> Result<Document, StoreError> {
        let path = self.paths.config_file();
        let text = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(self.new_document()),
            Err(e) => return Err(io_error("read", &path)(e)),
        };
        match parse(&text) {
            Ok(doc) => Ok(doc),
            Err(Parse::TooNew(found)) => Err(StoreError::TooNew { path, found }),
            Err(Parse::Damaged(reason)) => {
                let copy = keep_damaged_copy(&path, &text)?;
                Err(StoreError::Damaged { path, copy, reason })
            }
        }
    }

    /// Runs `change` on the current document under the profile lock and saves the result
    /// when it returns `Ok`. Nothing is written when it fails.
    pub fn update<T, E: From<StoreError>>(
        &self,
        change: impl FnOnce(&mut Document) -> Result<T, E>,
    ) -> Result<T, E> {
        let lock_path = self.paths.config_dir.join(LOCK_FILE);
        let _lock = FileLock::acquire(&lock_path, LOCK_TIMEOUT).map_err(|e| {
            if e.kind() == io::ErrorKind::WouldBlock {
                StoreError::Locked {
                    path: self.paths.config_file(),
                }
            } else {
                io_error("lock", &lock_path)(e)
            }
        })?;
        let mut doc = self.load()?;
        let before = doc.clone();
        let out = change(&mut doc)?;
        if doc != before || !self.paths.config_file().exists() {
            self.save(&doc)?;
        }
        Ok(out)
    }

    fn save(&self, doc: &Document) -> Result<(), StoreError> {
        let path = self.paths.config_file();
        let text = toml::to_string_pretty(doc).map_err(|e| StoreError::Io {
            action: "encode",
            path: path.clone(),
            source: Arc::new(io::Error::other(e)),
        })?;
        remove_stale_temporaries(&path);
        write_atomic(&path, text.as_bytes()).map_err(io_error("write", &path))
    }

    fn new_document(&self) -> Document {
        Document {
            profile_id: random_id(),
            ..Document::default()
        }
    }
}

enum Parse {
    Damaged(String),
    TooNew(u32),
}

/// A profile document as [`Store::load`] reads it (fuzzing): the document, or why not.
pub fn parse_document(bytes: &[u8]) -> Result<Document, String> {
    parse(bytes).map_err(|e| match e {
        Parse::Damaged(reason) => reason,
        Parse::TooNew(v) => format!("version {v} is too new"),
    })
}

fn parse(bytes: &[u8]) -> Result<Document, Parse> {
    let text = std::str::from_utf8(bytes).map_err(|e| Parse::Damaged(format!("not UTF-8: {e}")))?;
    let mut table: toml::Table = toml::from_str(text).map_err(|e| Parse::Damaged(one_line(&e)))?;
    let version = match table.get("version") {
        None => 0,
        Some(v) => v
            .as_integer()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| Parse::Damaged("`version` is not a number".into()))?,
    };
    if version > CURRENT_VERSION {
        return Err(Parse::TooNew(version));
    }
    migrate(&mut table, version);
    let doc: Document = table
        .try_into()
        .map_err(|e: toml::de::Error| Parse::Damaged(one_line(&e)))?;
    if doc.profile_id.is_empty() {
        return Err(Parse::Damaged("`profile_id` is missing".into()));
    }
    Ok(doc)
}

/// Brings an older document up to [`CURRENT_VERSION`], one step at a time.
fn migrate(table: &mut toml::Table, from: u32) {
    // Version 0 (files without a version field) has the same shape as version 1.
    if from < 1 {
        table.insert("version".into(), toml::Value::Integer(1));
    }
}

fn one_line(e: &impl std::fmt::Display) -> String {
    e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Copies a damaged file aside once (an identical earlier copy is reused) and returns its path.
fn keep_damaged_copy(path: &Path, bytes: &[u8]) -> Result<PathBuf, StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!("{stem}.damaged-");
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix)
                && fs::read(entry.path()).is_ok_and(|b| b == bytes)
            {
                return Ok(entry.path());
            }
        }
    }
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let copy = dir.join(format!("{prefix}{stamp}"));
    write_atomic(&copy, bytes).map_err(io_error("copy", &copy))?;
    Ok(copy)
}

/// A random 128-bit identifier in hex, from the OS random generator.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fills `buf` from the OS random generator. The OS generator failing is not recoverable.
pub fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random generator failed");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::workspace::User;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(ProfilePaths::portable(dir.path())).unwrap();
        (dir, store)
    }

    #[test]
    fn open_creates_a_profile_with_an_id() {
        let (_dir, store) = store();
        let doc = store.load().unwrap();
        assert_eq!(doc.version, CURRENT_VERSION);
        assert_eq!(doc.profile_id.len(), 32);
        assert_eq!(
            store.load().unwrap().profile_id,
            doc.profile_id,
            "the id is stable"
        );
    }

    #[test]
    fn update_saves_only_on_success() {
        let (_dir, store) = store();
        store
            .update(|d| {
                d.workspace.users.push(User {
                    name: "Ann".into(),
                    email: None,
                });
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let failed: Result<(), StoreError> = store.update(|d| {
            d.workspace.users.clear();
            Err(StoreError::NoHome)
        });
        assert!(failed.is_err());
        assert_eq!(store.load().unwrap().workspace.users.len(), 1);
    }

    #[test]
    fn older_and_partial_files_load() {
        let (_dir, store) = store();
        let path = store.paths().config_file();
        fs::write(
            &path,
            "profile_id = \"abc\"\n[workspace]\nencryption_enabled = true\nfuture_field = 1\n",
        )
        .unwrap();
        let doc = store.load().unwrap();
        assert_eq!(doc.version, CURRENT_VERSION);
        assert!(doc.workspace.encryption_enabled);
        assert!(doc.accounts.is_empty());
    }

    #[test]
    fn damaged_file_is_kept_and_never_overwritten() {
        let (dir, store) = store();
        let path = store.paths().config_file();
        fs::write(&path, "version = 1\nprofile_id = [broken").unwrap();
        let err = store.load().unwrap_err();
        let StoreError::Damaged { copy, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(fs::read(copy).unwrap(), b"version = 1\nprofile_id = [broken");
        let write: Result<(), StoreError> = store.update(|_| Ok(()));
        assert!(write.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"version = 1\nprofile_id = [broken");
        // A second failure reuses the same copy.
        let _ = store.load();
        let copies = fs::read_dir(dir.path().join("config"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("damaged")
            })
            .count();
        assert_eq!(copies, 1);
        assert!(err.to_string().contains("damaged"));
    }

    #[test]
    fn newer_schema_is_refused() {
        let (_dir, store) = store();
        fs::write(store.paths().config_file(), "version = 99\nprofile_id = \"x\"\n").unwrap();
        assert!(matches!(store.load(), Err(StoreError::TooNew { found: 99, .. })));
    }
}
