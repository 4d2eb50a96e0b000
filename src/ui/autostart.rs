//! "Start Handset when I log in": an XDG autostart entry (`~/.config/autostart`, or
//! `$XDG_CONFIG_HOME/autostart`) that starts Handset minimised on the profile, written and
//! removed from the header's switch. The user's default profile has
//! `org.handset.Handset.desktop`; a portable profile (`--profile DIR`) has an entry of its own
//! named by its profile id, starting it with `--profile DIR`.
//!
//! Linux and the BSDs (the XDG autostart specification); elsewhere the switch is not shown.

use std::io;
use std::path::{Path, PathBuf};

use crate::account::ProfilePaths;

/// The autostart entry of one profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Autostart {
    /// The entry's file.
    pub file: PathBuf,
    /// The command it runs (the `Exec` line's value).
    pub exec: String,
}

impl Autostart {
    /// The entry for the profile at `paths` (its id `profile_id`), starting `program`; `None`
    /// where there is no XDG autostart or no config folder.
    pub fn new(paths: &ProfilePaths, profile_id: &str, program: &Path) -> Option<Autostart> {
        if !cfg!(all(unix, not(target_os = "macos"))) {
            return None;
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| directories::BaseDirs::new().map(|d| d.config_dir().to_owned()))?;
        let mut exec = format!("{} --minimized", quote(&program.to_string_lossy()));
        let name = if paths.portable {
            let dir = paths.config_dir.parent().unwrap_or(&paths.config_dir);
            exec.push_str(&format!(" --profile {}", quote(&dir.to_string_lossy())));
            format!("org.handset.Handset-{profile_id}.desktop")
        } else {
            "org.handset.Handset.desktop".to_owned()
        };
        Some(Autostart {
            file: config.join("autostart").join(name),
            exec,
        })
    }

    /// Whether the entry is there.
    pub fn is_on(&self) -> bool {
        self.file.is_file()
    }

    /// Writes (atomically) or removes the entry.
    pub fn set(&self, on: bool) -> io::Result<()> {
        if on {
            if let Some(dir) = self.file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            crate::fsio::write_atomic(&self.file, self.entry().as_bytes())
        } else {
            match std::fs::remove_file(&self.file) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        }
    }

    fn entry(&self) -> String {
        format!(
            "[Desktop Entry]\nType=Application\nVersion=1.0\nName=Handset\n\
             Comment=Make and receive SIP calls\nExec={}\nIcon=org.handset.Handset\n\
             Terminal=false\nX-GNOME-Autostart-enabled=true\n",
            self.exec
        )
    }
}

/// An `Exec` argument, quoted when it needs to be (Desktop Entry Specification, "The Exec key"):
/// inside double quotes `"`, `` ` ``, `$` and `\` are escaped with a backslash, and a backslash
/// itself is written twice more because the value is a string (`\\\\`).
fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.+,:@".contains(c));
    if plain {
        return arg.to_owned();
    }
    let mut out = String::from("\"");
    for c in arg.chars() {
        match c {
            '\\' => out.push_str("\\\\\\\\"),
            '"' | '`' | '$' => {
                out.push_str("\\\\");
                out.push(c);
            }
            // A percent sign starts a field code: written twice it stands for itself.
            '%' => out.push_str("%%"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use super::*;

    #[test]
    fn the_switch_writes_and_removes_a_valid_entry() {
        let home = tempfile::tempdir().unwrap();
        let profile = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::portable(profile.path());
        // The entry's file is moved under a temporary folder (the user's autostart folder is
        // never touched by tests).
        let entry = {
            let config = home.path().join("config");
            let exe = Path::new("/opt/hand set/bin/handset");
            let mut a = Autostart::new(&paths, "p1", exe).unwrap();
            a.file = config.join("autostart").join(a.file.file_name().unwrap());
            a
        };
        assert_eq!(entry.file.file_name().unwrap(), "org.handset.Handset-p1.desktop");
        assert!(!entry.is_on());
        entry.set(true).unwrap();
        assert!(entry.is_on());
        let text = std::fs::read_to_string(&entry.file).unwrap();
        let exec = text.lines().find_map(|l| l.strip_prefix("Exec=")).unwrap();
        assert_eq!(
            exec,
            format!(
                "\"/opt/hand set/bin/handset\" --minimized --profile {}",
                profile.path().display()
            )
        );
        if let Ok(out) = std::process::Command::new("desktop-file-validate")
            .arg(&entry.file)
            .output()
        {
            assert!(
                out.status.success() && out.stdout.is_empty(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        entry.set(false).unwrap();
        assert!(!entry.is_on());
        entry.set(false).unwrap();
    }

    #[test]
    fn exec_arguments_are_quoted_as_the_specification_says() {
        assert_eq!(quote("/usr/bin/handset"), "/usr/bin/handset");
        assert_eq!(quote("/a b"), "\"/a b\"");
        assert_eq!(quote("/x$y\"z"), "\"/x\\\\$y\\\\\"z\"");
        assert_eq!(quote("/p%q"), "\"/p%%q\"");
        assert_eq!(quote(""), "\"\"");
    }
}
