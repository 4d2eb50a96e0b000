//! The command line. It calls the same account-manager functions the GUI uses.
//!
//! Exit codes: 0 ok, 1 other failure (e.g. no clipboard), 2 usage, 3 validation (the input
//! does not fit the profile: invalid account, unknown name, item in use, bad CSV),
//! 4 storage or keyring, 5 network or SIP failure (unreachable server, refused registration,
//! failed call).

mod accounts;
mod calls;
mod clipboard;
mod workspace;

use std::io::Read;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use handset::account::{AccountManager, Error, ProfilePaths, Secret};

/// Handset: a native desktop softphone with a built-in SIP account manager.
/// Without a command it opens the window; `handset sip:…` or `handset tel:…` opens it ready
/// to call that number.
#[derive(Debug, Parser)]
#[command(name = "handset", version, about)]
pub struct Cli {
    /// Keep config, data and logs under DIR (portable use, tests).
    #[arg(long, global = true, env = "HANDSET_PROFILE", value_name = "DIR")]
    pub profile: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Machine-readable output.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A sip:/tel: URI or number to have ready to call in the window.
    #[arg(value_name = "URI")]
    pub target: Option<String>,
    /// Open the window minimised (as the login start does).
    #[arg(long)]
    pub minimized: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, edit, delete, export and import SIP accounts; view and copy credentials.
    Accounts {
        #[command(subcommand)]
        command: Box<accounts::AccountsCommand>,
    },
    /// The workspace catalogues accounts refer to, and the encryption switch.
    Workspace {
        #[command(subcommand)]
        command: workspace::WorkspaceCommand,
    },
    /// Register an account and print its registration state.
    Register {
        #[command(flatten)]
        phone: calls::PhoneArgs,
        /// Exit as soon as the account is registered.
        #[arg(long)]
        once: bool,
        /// With --once: give up (exit 5) when not registered within this many seconds.
        #[arg(long, default_value_t = 30, value_name = "S")]
        timeout: u64,
    },
    /// Call TARGET (a number, extension or SIP URI) from an account.
    Call {
        #[command(flatten)]
        phone: calls::PhoneArgs,
        target: String,
        #[command(flatten)]
        media: calls::MediaArgs,
        /// Hang up this many seconds after the answer (default: wait for the far end or Ctrl+C).
        #[arg(long, value_name = "S")]
        duration: Option<u64>,
    },
    /// List the sound inputs and outputs for --input-device/--output-device.
    Devices,
    /// Register and wait for calls, printing each event.
    Listen {
        #[command(flatten)]
        phone: calls::PhoneArgs,
        #[command(flatten)]
        listen: calls::ListenArgs,
        #[command(flatten)]
        media: calls::MediaArgs,
    },
    /// Crashes on purpose with the account's password in the panic message, to show where
    /// crash reports go and that they hold no secret (support and tests).
    #[command(name = "crash-report-check", hide = true)]
    CrashReportCheck { account: String },
    /// Serves clipboard content until replaced (started by `credentials --copy`).
    #[command(name = "__clipboard-hold", hide = true)]
    ClipboardHold,
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: 2,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> CliError {
        CliError {
            code: 3,
            message: message.into(),
        }
    }

    pub fn storage(message: impl Into<String>) -> CliError {
        CliError {
            code: 4,
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> CliError {
        CliError {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> CliError {
        let code = match e {
            Error::Store(_) | Error::Secret(_) => 4,
            Error::Invalid(_)
            | Error::Rejected(_)
            | Error::NotFound { .. }
            | Error::InUse { .. }
            | Error::Csv(_) => 3,
        };
        CliError {
            code,
            message: e.to_string(),
        }
    }
}

pub type CliResult = Result<(), CliError>;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> CliResult {
    let Some(command) = cli.command else {
        return gui(cli.profile.as_deref(), cli.verbose, cli.target, cli.minimized);
    };
    if let Command::ClipboardHold = command {
        return clipboard::hold();
    }
    // Sound devices need no profile nor keyring.
    if let Command::Devices = command {
        return calls::devices(&Output { json: cli.json });
    }
    let paths =
        ProfilePaths::resolve(cli.profile.as_deref()).map_err(|e| CliError::storage(e.to_string()))?;
    let _log = handset::logging::init(cli.verbose, Some(&paths.log_dir()));
    handset::crash::install(Some(paths.crash_dir()));
    let manager = AccountManager::open(paths)?;
    let out = Output { json: cli.json };
    match command {
        Command::Accounts { command } => accounts::run(&manager, *command, &out),
        Command::Workspace { command } => workspace::run(&manager, command, &out),
        Command::Register { phone, once, timeout } => calls::register(&manager, phone, once, timeout),
        Command::Call {
            phone,
            target,
            media,
            duration,
        } => calls::call(&manager, phone, media, &target, duration),
        Command::Listen { phone, listen, media } => calls::listen(&manager, phone, listen, media),
        Command::CrashReportCheck { account } => {
            let credentials = manager.credentials(&account)?;
            let password = credentials.password.as_ref().map_or("", |p| p.expose());
            panic!("crash-report check of {account}: its password is {password}");
        }
        Command::Devices | Command::ClipboardHold => Ok(()),
    }
}

/// Opens the desktop app on the profile.
fn gui(profile: Option<&std::path::Path>, verbose: u8, target: Option<String>, minimized: bool) -> CliResult {
    let paths = ProfilePaths::resolve(profile).map_err(|e| CliError::storage(e.to_string()))?;
    let _log = handset::logging::init(verbose, Some(&paths.log_dir()));
    handset::crash::install(Some(paths.crash_dir()));
    if let Some(t) = &target
        && handset::ui::screen::phone::dialable(t).is_none()
    {
        return Err(CliError::usage(format!(
            "`{t}` is neither a command nor a number or sip:/tel: URI to call"
        )));
    }
    handset::ui::run(paths, target, minimized).map_err(CliError::other)
}

/// How results are printed.
#[derive(Debug)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON with `--json`, else the human text.
    pub fn print<T: serde::Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => println!("{s}"),
                Err(e) => eprintln!("error: cannot encode JSON: {e}"),
            }
        } else {
            let text = human();
            if !text.is_empty() {
                println!("{}", text.trim_end());
            }
        }
    }

    /// Prints a confirmation (`{"ok": message}` with `--json`).
    pub fn done(&self, message: &str) {
        self.print(&serde_json::json!({ "ok": message }), || message.to_owned());
    }
}

/// Reads a secret from standard input: the first line, without its line end.
pub fn read_secret_stdin(what: &str) -> Result<Secret, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| CliError::usage(format!("cannot read the {what} from standard input: {e}")))?;
    let line = text.lines().next().unwrap_or_default().to_owned();
    zeroize::Zeroize::zeroize(&mut text);
    if line.is_empty() {
        return Err(CliError::usage(format!(
            "standard input is empty: pipe the {what} in, e.g. `printf %s \"$PASS\" | handset …`"
        )));
    }
    Ok(Secret::new(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_alone_opens_the_window_ready_to_call() {
        for uri in ["sip:bob@example.org", "tel:+14155550100", "101"] {
            let cli = Cli::try_parse_from(["handset", uri]).unwrap();
            assert!(cli.command.is_none(), "{uri}");
            assert_eq!(cli.target.as_deref(), Some(uri));
        }
        let cli = Cli::try_parse_from(["handset", "--profile", "/p", "devices"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Devices)) && cli.target.is_none());
        let cli = Cli::try_parse_from(["handset", "accounts", "--profile", "/p", "list"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Accounts { .. })) && cli.profile.is_some());
    }
}
