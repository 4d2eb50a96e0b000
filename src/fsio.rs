//! File primitives that never lose data: atomic replacement and an inter-process lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `bytes` atomically: a temporary file in the same directory is written
/// and fsynced, renamed over `path`, and the directory is fsynced. Readers see the old or the
/// new content, never a mix; on any error (a full disk, say) the old file is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?
        .to_string_lossy();
    let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
    let result = (|| {
        let mut file = create_private(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes temporary files that a killed process left behind next to `path`. For a file
/// written under a [`FileLock`]: any other process's temporary is abandoned.
pub fn remove_stale_temporaries(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    remove_temporaries(&parent_dir(path), |target, pid, _| {
        target == name && pid != std::process::id()
    });
}

/// Removes the temporaries in `dir` whose writer has ended (a process killed mid-write), for a
/// folder of files written without a lock: another running process's write is left alone.
pub fn remove_abandoned_temporaries(dir: &Path) {
    remove_temporaries(dir, |_, pid, entry| {
        pid != std::process::id() && writer_gone(pid, entry)
    });
}

/// Removes the temporaries `.TARGET.tmp-PID-N` of [`write_atomic`] in `dir` for which
/// `stale(TARGET, PID, entry)` holds.
fn remove_temporaries(dir: &Path, stale: impl Fn(&str, u32, &fs::DirEntry) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let parsed = file_name
            .strip_prefix('.')
            .and_then(|rest| rest.rsplit_once(".tmp-"))
            .and_then(|(target, tail)| Some((target, tail.split('-').next()?.parse().ok()?)));
        if parsed.is_some_and(|(target, pid)| stale(target, pid, &entry)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether the process that wrote a temporary has ended: on Linux, its `/proc` entry is gone;
/// elsewhere (no cheap check), the file is over an hour old.
fn writer_gone(pid: u32, entry: &fs::DirEntry) -> bool {
    if cfg!(target_os = "linux") {
        !Path::new(&format!("/proc/{pid}")).exists()
    } else {
        entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(3600))
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates a new file readable by its owner only (on Unix).
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// An exclusive advisory lock on a lock file, released on drop.
#[derive(Debug)]
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Takes the lock, waiting up to `timeout` while another process holds it.
    pub fn acquire(path: &Path, timeout: Duration) -> io::Result<FileLock> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(FileLock { file }),
                Err(fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        "another Handset process keeps the profile locked",
                    ));
                }
                Err(fs::TryLockError::Error(e)) => return Err(e),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.toml"]);
    }

    #[test]
    fn failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        write_atomic(&path, b"old").unwrap();
        // A directory in the way of the rename makes the replacement fail.
        let blocked = dir.path().join("sub");
        fs::create_dir(&blocked).unwrap();
        fs::create_dir(blocked.join("x")).unwrap();
        assert!(write_atomic(&blocked, b"new").is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert!(blocked.join("x").is_dir());
    }

    #[test]
    fn stale_temporaries_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        fs::write(dir.path().join(".a.toml.tmp-1-0"), b"partial").unwrap();
        fs::write(dir.path().join(".b.a.toml.tmp-1-0"), b"another file's").unwrap();
        remove_stale_temporaries(&path);
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [".b.a.toml.tmp-1-0"]);
    }

    #[test]
    fn abandoned_temporaries_are_removed_and_live_writers_kept() {
        let dir = tempfile::tempdir().unwrap();
        let names = |dir: &Path| {
            let mut v: Vec<String> = fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let ours = format!(".b.json.tmp-{}-3", std::process::id());
        // Above any pid_max: that writer has surely ended. pid 1 (init) is alive.
        for name in [".a.json.tmp-4000000000-0", ".c.json.tmp-1-7", &ours, "d.json"] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        remove_abandoned_temporaries(dir.path());
        let mut kept = vec![".c.json.tmp-1-7".to_owned(), ours, "d.json".to_owned()];
        kept.sort();
        if cfg!(target_os = "linux") {
            assert_eq!(names(dir.path()), kept);
        }
    }

    #[test]
    fn lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = FileLock::acquire(&path, Duration::from_millis(10)).unwrap();
        let err = FileLock::acquire(&path, Duration::from_millis(30)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        drop(held);
        FileLock::acquire(&path, Duration::from_millis(10)).unwrap();
    }
}
