//! `handset workspace …`

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use handset::account::workspace::{
    AudioItem, BUILTIN_ANNOUNCEMENTS, BUILTIN_GREETINGS, DeliveryMethod, DeliveryTarget, MailSecurity,
};
use handset::account::{AccountManager, ItemKind};
use handset::phone::catalogue::upload_audio;
use serde::Serialize;

use std::time::Duration;

use handset::phone::cloud_delivery;
use handset::text::Text;

use super::{CliResult, Output, read_secret_stdin};

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Users accounts are assigned to.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Phone numbers (E.164): DIDs and External Caller IDs.
    Numbers {
        #[command(subcommand)]
        command: NumbersCommand,
    },
    /// Internal numbers (extensions): inbound targets and Internal Caller IDs.
    Extensions {
        #[command(subcommand)]
        command: NumbersCommand,
    },
    /// Announcements played when outbound calls are answered.
    Announcements {
        #[command(subcommand)]
        command: AudioCommand,
    },
    /// Voicemail greetings.
    Greetings {
        #[command(subcommand)]
        command: AudioCommand,
    },
    /// Delivery methods for call recordings.
    Delivery {
        #[command(subcommand)]
        command: DeliveryCommand,
    },
    /// Show or set the encryption switch (SRTP-SDES, SRTP-DTLS, TLS, WSS).
    Encryption {
        #[arg(value_parser = ["on", "off"])]
        state: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    Add {
        name: String,
        #[arg(long)]
        email: Option<String>,
    },
    List,
    Remove {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NumbersCommand {
    Add {
        number: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    List,
    Remove {
        number: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AudioCommand {
    /// Upload a WAV, MP3, Ogg Vorbis, FLAC or M4A file (a decoded copy is stored).
    Add {
        name: String,
        file: PathBuf,
    },
    List,
    Remove {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeliveryCommand {
    Add(DeliveryAdd),
    /// Sign a Dropbox, Google Drive or OneDrive method in: the service's page opens in the
    /// browser (`$BROWSER`, else xdg-open) and the refresh token it gives goes to the keyring.
    SignIn {
        name: String,
        /// Read the OAuth client secret from standard input (Google issues one even to
        /// desktop apps); kept in the keyring with the refresh token.
        #[arg(long)]
        client_secret_stdin: bool,
        /// How long to wait for the browser, in seconds.
        #[arg(long, default_value_t = 300)]
        wait: u64,
    },
    List,
    Remove {
        name: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DeliveryKind {
    Email,
    Dropbox,
    Ftp,
    Sftp,
    GoogleDrive,
    OneDrive,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SecurityArg {
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Args)]
pub struct DeliveryAdd {
    name: String,
    #[arg(long, value_enum)]
    kind: DeliveryKind,
    /// Email: the address recordings are sent to.
    #[arg(long, required_if_eq("kind", "email"))]
    address: Option<String>,
    /// Dropbox, Google Drive, OneDrive: the folder.
    #[arg(long)]
    folder: Option<String>,
    /// Dropbox, Google Drive, OneDrive: the OAuth client ID (app key) of the app registered
    /// with the service (default: the one Handset was built with).
    #[arg(long, default_value = "")]
    client_id: String,
    /// FTP/SFTP: the server. Email: the outgoing mail server the recordings are sent through.
    #[arg(long, required_if_eq_any([("kind", "ftp"), ("kind", "sftp")]))]
    host: Option<String>,
    /// The server's port (Email: 587, 465 or 25 by `--security`; FTP 21; SFTP 22).
    #[arg(long)]
    port: Option<u16>,
    /// Email: how the mail server is reached.
    #[arg(long, value_enum, default_value = "starttls")]
    security: SecurityArg,
    /// FTP/SFTP: the folder on the server.
    #[arg(long, default_value = "")]
    path: String,
    /// FTP/SFTP/Email: the server's login.
    #[arg(long, default_value = "")]
    username: String,
    /// FTP: FTPS with explicit TLS (`AUTH TLS`) for the login and the recordings.
    #[arg(long)]
    tls: bool,
    /// SFTP: log in with this private key file; `--secret-stdin` then gives its passphrase, if any.
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Read the password or token from standard input (kept in the keyring).
    #[arg(long)]
    secret_stdin: bool,
}

impl DeliveryAdd {
    fn target(&self) -> DeliveryTarget {
        let folder = || self.folder.clone().unwrap_or_default();
        let host = || self.host.clone().unwrap_or_default();
        match self.kind {
            DeliveryKind::Email => DeliveryTarget::Email {
                address: self.address.clone().unwrap_or_default(),
                server: host(),
                port: self.port,
                security: match self.security {
                    SecurityArg::Starttls => MailSecurity::Starttls,
                    SecurityArg::Tls => MailSecurity::Tls,
                    SecurityArg::None => MailSecurity::None,
                },
                username: self.username.clone(),
            },
            DeliveryKind::Dropbox => DeliveryTarget::Dropbox {
                folder: folder(),
                client_id: self.client_id.clone(),
            },
            DeliveryKind::GoogleDrive => DeliveryTarget::GoogleDrive {
                folder: folder(),
                client_id: self.client_id.clone(),
            },
            DeliveryKind::OneDrive => DeliveryTarget::OneDrive {
                folder: folder(),
                client_id: self.client_id.clone(),
            },
            DeliveryKind::Ftp => DeliveryTarget::Ftp {
                host: host(),
                port: self.port,
                path: self.path.clone(),
                username: self.username.clone(),
                tls: self.tls,
            },
            DeliveryKind::Sftp => DeliveryTarget::Sftp {
                host: host(),
                port: self.port,
                path: self.path.clone(),
                username: self.username.clone(),
                key_file: self.key_file.clone(),
            },
        }
    }
}

#[derive(Serialize)]
struct AudioRow<'a> {
    name: &'a str,
    builtin: bool,
    duration_ms: Option<u64>,
}

fn audio_rows<'a>(builtin: &'a [(&'a str, &'a str)], custom: &'a [AudioItem]) -> Vec<AudioRow<'a>> {
    builtin
        .iter()
        .map(|(n, _)| AudioRow {
            name: n,
            builtin: true,
            duration_ms: None,
        })
        .chain(custom.iter().map(|a| AudioRow {
            name: &a.name,
            builtin: false,
            duration_ms: Some(a.duration_ms),
        }))
        .collect()
}

fn audio_table(rows: &[AudioRow]) -> String {
    rows.iter()
        .map(|r| match r.duration_ms {
            Some(ms) => format!("{} ({}.{} s)", r.name, ms / 1000, ms % 1000 / 100),
            None => format!("{} (built in)", r.name),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn run(m: &AccountManager, command: WorkspaceCommand, out: &Output) -> CliResult {
    match command {
        WorkspaceCommand::Users { command } => match command {
            UsersCommand::Add { name, email } => {
                m.add_user(&name, email.as_deref())?;
                out.done(&format!("Added user `{name}`."));
            }
            UsersCommand::List => {
                let users = m.load()?.workspace.users;
                out.print(&users, || {
                    let lines: Vec<String> = users
                        .iter()
                        .map(|u| match &u.email {
                            Some(e) => format!("{} <{e}>", u.name),
                            None => u.name.clone(),
                        })
                        .collect();
                    lines.join("\n")
                });
            }
            UsersCommand::Remove { name } => remove(m, out, ItemKind::User, &name)?,
        },
        WorkspaceCommand::Numbers { command } => numbers(m, command, out, ItemKind::PhoneNumber)?,
        WorkspaceCommand::Extensions { command } => numbers(m, command, out, ItemKind::InternalNumber)?,
        WorkspaceCommand::Announcements { command } => audio(m, command, out, ItemKind::Announcement)?,
        WorkspaceCommand::Greetings { command } => audio(m, command, out, ItemKind::Greeting)?,
        WorkspaceCommand::Delivery { command } => match command {
            DeliveryCommand::Add(add) => {
                let secret = add
                    .secret_stdin
                    .then(|| read_secret_stdin("password or token"))
                    .transpose()?;
                let method = DeliveryMethod {
                    name: add.name.clone(),
                    target: add.target(),
                };
                m.add_delivery_method(method, secret)?;
                out.done(&format!("Added delivery method `{}`.", add.name));
            }
            DeliveryCommand::List => {
                let methods = m.load()?.workspace.delivery_methods;
                out.print(&methods, || {
                    let lines: Vec<String> = methods
                        .iter()
                        .map(|d| format!("{}: {}", d.name, d.target))
                        .collect();
                    lines.join("\n")
                });
            }
            DeliveryCommand::SignIn {
                name,
                client_secret_stdin,
                wait,
            } => sign_in(m, out, &name, client_secret_stdin, wait)?,
            DeliveryCommand::Remove { name } => remove(m, out, ItemKind::DeliveryMethod, &name)?,
        },
        WorkspaceCommand::Encryption { state } => {
            if let Some(state) = state {
                m.set_encryption(state == "on")?;
            }
            let on = m.load()?.workspace.encryption_enabled;
            out.print(&serde_json::json!({ "encryption_enabled": on }), || {
                format!(
                    "Encryption (SRTP-SDES, SRTP-DTLS, TLS, WSS) is {}.",
                    if on { "on" } else { "off" }
                )
            });
        }
    }
    Ok(())
}

fn numbers(m: &AccountManager, command: NumbersCommand, out: &Output, kind: ItemKind) -> CliResult {
    match command {
        NumbersCommand::Add { number, label } => {
            if kind == ItemKind::PhoneNumber {
                m.add_phone_number(&number, &label)?;
            } else {
                m.add_extension(&number, &label)?;
            }
            out.done(&format!("Added {kind} {number}."));
        }
        NumbersCommand::List => {
            let ws = m.load()?.workspace;
            let rows: Vec<(String, String)> = if kind == ItemKind::PhoneNumber {
                ws.phone_numbers
                    .into_iter()
                    .map(|n| (n.number, n.label))
                    .collect()
            } else {
                ws.internal_numbers
                    .into_iter()
                    .map(|n| (n.extension, n.label))
                    .collect()
            };
            let json: Vec<_> = rows
                .iter()
                .map(|(n, l)| serde_json::json!({ "number": n, "label": l }))
                .collect();
            out.print(&json, || {
                let lines: Vec<String> = rows.iter().map(|(n, l)| format!("{n:<16} {l}")).collect();
                lines.join("\n")
            });
        }
        NumbersCommand::Remove { number } => remove(m, out, kind, &number)?,
    }
    Ok(())
}

fn audio(m: &AccountManager, command: AudioCommand, out: &Output, kind: ItemKind) -> CliResult {
    match command {
        AudioCommand::Add { name, file } => {
            let item = upload_audio(m, kind, &name, &file)?;
            out.print(&item, || {
                format!("Added {kind} `{name}` ({} ms).", item.duration_ms)
            });
        }
        AudioCommand::List => {
            let ws = m.load()?.workspace;
            let rows = if kind == ItemKind::Greeting {
                audio_rows(BUILTIN_GREETINGS, &ws.greetings)
            } else {
                audio_rows(BUILTIN_ANNOUNCEMENTS, &ws.announcements)
            };
            out.print(&rows, || audio_table(&rows));
        }
        AudioCommand::Remove { name } => remove(m, out, kind, &name)?,
    }
    Ok(())
}

fn remove(m: &AccountManager, out: &Output, kind: ItemKind, key: &str) -> CliResult {
    m.remove_item(kind, key)?;
    out.done(&format!("Removed {kind} `{key}`."));
    Ok(())
}

/// `handset workspace delivery sign-in NAME`.
fn sign_in(m: &AccountManager, out: &Output, name: &str, client_secret_stdin: bool, wait: u64) -> CliResult {
    let client_secret = client_secret_stdin
        .then(|| read_secret_stdin("client secret"))
        .transpose()?
        .map(|s| s.expose().to_owned());
    let open = |url: &str| {
        eprintln!("Sign in in the browser: {url}");
        cloud_delivery::open_in_browser(url)
    };
    let service = cloud_delivery::sign_in_method(m, name, client_secret, open, Duration::from_secs(wait))?;
    out.done(
        &Text::new("cloud-signed-in")
            .arg("method", name)
            .arg("service", service.name())
            .to_string(),
    );
    Ok(())
}
