//! `handset accounts …`

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{Args, Subcommand};
use handset::account::allowed_ip::parse_allowed_ips;
use handset::account::credentials::generate_password;
use handset::account::model::{Codec, Direction, MediaType, Transport, Unavailable, join_list, parse_list};
use handset::account::{AccountManager, Error, SipAccount};

use super::{CliError, CliResult, Output, clipboard, read_secret_stdin};

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// List the accounts.
    List,
    /// Show one account, all five sections.
    Show { name: String },
    /// Create an account. Without --password-stdin a strong password is generated.
    Create {
        #[command(flatten)]
        fields: AccountFields,
    },
    /// Change fields of an account (only the flags given change).
    Edit {
        /// The account to change.
        #[arg(value_name = "NAME")]
        account: String,
        #[command(flatten)]
        fields: AccountFields,
        /// Replace the password with a newly generated one.
        #[arg(long, conflicts_with = "password_stdin")]
        regenerate_password: bool,
    },
    /// Delete an account and its keyring entry.
    Delete { name: String },
    /// Download the accounts as CSV (to FILE, or to standard output).
    Export {
        file: Option<PathBuf>,
        /// Include the SIP passwords (in clear text).
        #[arg(long)]
        include_secrets: bool,
    },
    /// Import accounts from CSV (same format as export); all rows or none.
    Import {
        file: PathBuf,
        /// Change existing accounts (matched by name) instead of refusing them.
        #[arg(long)]
        update: bool,
    },
    /// Show the credentials (username, password, domain); --copy puts them on the clipboard.
    Credentials {
        name: String,
        /// Copy to the clipboard instead of printing the password.
        #[arg(long)]
        copy: bool,
    },
}

/// Every field of the account form, named after the seed. Lists are comma-separated in
/// preference order; an empty value clears a field.
#[derive(Debug, Args)]
pub struct AccountFields {
    /// Account name.
    #[arg(long)]
    name: Option<String>,
    /// General: the workspace user the account is assigned to.
    #[arg(long)]
    user: Option<String>,
    /// SIP domain / registrar.
    #[arg(long)]
    domain: Option<String>,
    /// SIP username (generated from the user's name when not given).
    #[arg(long)]
    username: Option<String>,
    /// Read the password from standard input.
    #[arg(long)]
    password_stdin: bool,
    /// Registrar port.
    #[arg(long)]
    port: Option<String>,
    /// Outbound proxy, host[:port].
    #[arg(long)]
    outbound_proxy: Option<String>,
    /// A PEM file with the CA or certificate to trust for TLS/WSS (private or self-signed servers).
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<String>,
    /// Inbound: DID numbers (workspace phone numbers).
    #[arg(long, value_delimiter = ',')]
    did: Option<Vec<String>>,
    /// Inbound: internal numbers (workspace extensions).
    #[arg(long, value_delimiter = ',')]
    internal_number: Option<Vec<String>>,
    /// Inbound: when unavailable, do-nothing or voicemail.
    #[arg(long, value_parser = ["do-nothing", "voicemail"])]
    unavailable: Option<String>,
    /// Inbound: voicemail greeting for Route To Voicemail.
    #[arg(long)]
    voicemail_greeting: Option<String>,
    /// Outbound: enable outbound calling (on/off).
    #[arg(long, num_args = 0..=1, default_missing_value = "on", value_parser = BoolishValueParser::new())]
    outbound: Option<bool>,
    /// Outbound: External Caller ID (a workspace phone number).
    #[arg(long)]
    external_caller_id: Option<String>,
    /// Outbound: Internal Caller IDs (workspace extensions).
    #[arg(long, value_delimiter = ',')]
    internal_caller_id: Option<Vec<String>>,
    /// Outbound: announcement played when an internal extension answers.
    #[arg(long)]
    internal_announcement: Option<String>,
    /// Outbound: announcement played when an external party answers.
    #[arg(long)]
    external_announcement: Option<String>,
    /// Call recording: enable (on/off).
    #[arg(long, num_args = 0..=1, default_missing_value = "on", value_parser = BoolishValueParser::new())]
    record: Option<bool>,
    /// Call recording: directions (inbound-internal, inbound-external, outbound-internal, outbound-external).
    #[arg(long, value_name = "LIST")]
    record_directions: Option<String>,
    /// Call recording: record on demand (on/off).
    #[arg(long, num_args = 0..=1, default_missing_value = "on", value_parser = BoolishValueParser::new())]
    record_on_demand: Option<bool>,
    /// Call recording: feature code dialed to start recording (digits, * and #).
    #[arg(long)]
    feature_code: Option<String>,
    /// Call recording: delivery method name.
    #[arg(long)]
    delivery_method: Option<String>,
    /// Advanced: allowed IPs, space-separated IPv4/IPv6/CIDR; turns Allowed IPs on ("" turns it off).
    #[arg(long, value_name = "LIST")]
    allowed_ips: Option<String>,
    /// Advanced: turn Allowed IPs on or off, keeping the list.
    #[arg(long, num_args = 0..=1, default_missing_value = "on", value_parser = BoolishValueParser::new())]
    allowed_ips_enabled: Option<bool>,
    /// Advanced: codecs (OPUS, G722, PCMU, PCMA, G729, GSM, telephone-event).
    #[arg(long, value_name = "LIST")]
    codecs: Option<String>,
    /// Advanced: media types (RTP, SRTP-SDES, SRTP-DTLS).
    #[arg(long, value_name = "LIST")]
    media_types: Option<String>,
    /// Advanced: transports (UDP, TCP, TLS, WSS).
    #[arg(long, value_name = "LIST")]
    transports: Option<String>,
}

fn opt(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn list(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_owned());
        }
    }
    out
}

impl AccountFields {
    /// Applies the given flags to `a`. Values that cannot be parsed are usage errors.
    fn apply(&self, a: &mut SipAccount) -> Result<(), CliError> {
        let usage = |flag: &str, e: String| CliError::usage(format!("--{flag}: {e}"));
        if let Some(v) = &self.name {
            a.name = v.trim().to_owned();
        }
        if let Some(v) = &self.user {
            a.general.user = opt(v);
        }
        if let Some(v) = &self.domain {
            a.credentials.domain = v.trim().to_owned();
        }
        if let Some(v) = &self.username {
            a.credentials.username = v.trim().to_owned();
        }
        if let Some(v) = &self.port {
            a.credentials.port = match opt(v) {
                None => None,
                Some(p) => Some(
                    p.parse()
                        .map_err(|_| usage("port", format!("`{p}` is not a port (1-65535)")))?,
                ),
            };
        }
        if let Some(v) = &self.outbound_proxy {
            a.credentials.outbound_proxy = opt(v);
        }
        if let Some(v) = &self.tls_ca {
            a.credentials.tls_ca = match opt(v) {
                None => None,
                Some(path) => {
                    let path = std::fs::canonicalize(&path)
                        .map_err(|e| usage("tls-ca", format!("`{path}`: {e}")))?;
                    handset::net::tls::client_config(Some(&path))
                        .map_err(|e| usage("tls-ca", e.to_string()))?;
                    Some(path.to_string_lossy().into_owned())
                }
            };
        }
        if let Some(v) = &self.did {
            a.inbound.did_numbers = list(v);
        }
        if let Some(v) = &self.internal_number {
            a.inbound.internal_numbers = list(v);
        }
        let greeting = match &a.inbound.when_unavailable {
            Unavailable::RouteToVoicemail { greeting } => greeting.clone(),
            Unavailable::DoNothing => None,
        };
        let greeting = self.voicemail_greeting.as_deref().map_or(greeting, opt);
        let voicemail = match self.unavailable.as_deref() {
            Some(choice) => choice == "voicemail",
            None => matches!(a.inbound.when_unavailable, Unavailable::RouteToVoicemail { .. }),
        };
        a.inbound.when_unavailable = if voicemail {
            Unavailable::RouteToVoicemail { greeting }
        } else if let Some(g) = greeting.filter(|_| self.voicemail_greeting.is_some()) {
            return Err(usage(
                "voicemail-greeting",
                format!("`{g}` needs --unavailable voicemail"),
            ));
        } else {
            Unavailable::DoNothing
        };
        if let Some(v) = self.outbound {
            a.outbound.enabled = v;
        }
        if let Some(v) = &self.external_caller_id {
            a.outbound.external_caller_id = opt(v);
        }
        if let Some(v) = &self.internal_caller_id {
            a.outbound.internal_caller_ids = list(v);
        }
        if let Some(v) = &self.internal_announcement {
            a.outbound.internal_announcement = opt(v);
        }
        if let Some(v) = &self.external_announcement {
            a.outbound.external_announcement = opt(v);
        }
        if let Some(v) = self.record {
            a.recording.enabled = v;
        }
        if let Some(v) = &self.record_directions {
            a.recording.directions = parse_list::<Direction>(v).map_err(|e| usage("record-directions", e))?;
        }
        if let Some(v) = self.record_on_demand {
            a.recording.on_demand = v;
        }
        if let Some(v) = &self.feature_code {
            a.recording.feature_code = opt(v);
        }
        if let Some(v) = &self.delivery_method {
            a.recording.delivery_method = opt(v);
        }
        if let Some(v) = &self.allowed_ips {
            a.advanced.allowed_ips =
                parse_allowed_ips(v).map_err(|bad| usage("allowed-ips", bad.join("; ")))?;
            a.advanced.allowed_ips_enabled = !a.advanced.allowed_ips.is_empty();
        }
        if let Some(v) = self.allowed_ips_enabled {
            a.advanced.allowed_ips_enabled = v;
        }
        if let Some(v) = &self.codecs {
            a.advanced.codecs = parse_list::<Codec>(v).map_err(|e| usage("codecs", e))?;
        }
        if let Some(v) = &self.media_types {
            a.advanced.media_types = parse_list::<MediaType>(v).map_err(|e| usage("media-types", e))?;
        }
        if let Some(v) = &self.transports {
            a.advanced.transports = parse_list::<Transport>(v).map_err(|e| usage("transports", e))?;
        }
        Ok(())
    }
}

pub fn run(m: &AccountManager, command: AccountsCommand, out: &Output) -> CliResult {
    match command {
        AccountsCommand::List => {
            let doc = m.load()?;
            out.print(&doc.accounts, || list_table(&doc.accounts));
        }
        AccountsCommand::Show { name } => {
            let a = m.account(&name)?;
            out.print(&a, || describe(&a));
        }
        AccountsCommand::Create { fields } => {
            let mut draft = SipAccount::default();
            fields.apply(&mut draft)?;
            let password = fields
                .password_stdin
                .then(|| read_secret_stdin("password"))
                .transpose()?;
            let a = m.create(draft, password)?;
            out.print(&a, || {
                format!(
                    "Created account `{}` ({}@{}). See the password with `handset accounts credentials \"{}\"`.",
                    a.name, a.credentials.username, a.credentials.domain, a.name
                )
            });
        }
        AccountsCommand::Edit {
            account: name,
            fields,
            regenerate_password,
        } => {
            let password = if fields.password_stdin {
                Some(read_secret_stdin("password")?)
            } else {
                regenerate_password.then(generate_password)
            };
            let mut usage_error = None;
            let edited = m.edit(
                &name,
                |a| {
                    fields.apply(a).map_err(|e| {
                        usage_error = Some(e);
                        // Abandons the edit; the usage error above is what is reported.
                        Error::Invalid(Vec::new())
                    })
                },
                password,
            );
            if let Some(e) = usage_error {
                return Err(e);
            }
            let a = edited?;
            out.print(&a, || format!("Saved account `{}`.", a.name));
        }
        AccountsCommand::Delete { name } => {
            let a = m.delete(&name)?;
            out.done(&format!("Deleted account `{}` and its keyring entry.", a.name));
        }
        AccountsCommand::Export {
            file,
            include_secrets,
        } => {
            let csv = m.export_csv(include_secrets)?;
            if include_secrets {
                eprintln!(
                    "warning: the CSV contains SIP passwords in clear text: keep it safe and delete it after use"
                );
            }
            match file {
                None => print!("{csv}"),
                Some(path) => {
                    handset::fsio::write_atomic(&path, csv.as_bytes())
                        .map_err(|e| CliError::storage(format!("cannot write {}: {e}", path.display())))?;
                    let n = m.load()?.accounts.len();
                    out.done(&format!("Wrote {n} account(s) to {}.", path.display()));
                }
            }
        }
        AccountsCommand::Import { file, update } => {
            let text = read_import_file(&file)?;
            let report = m.import_csv(&text, update)?;
            let summary = serde_json::json!({ "created": report.created, "updated": report.updated });
            out.print(&summary, || {
                format!(
                    "Imported {}: {} created, {} updated.",
                    file.display(),
                    report.created.len(),
                    report.updated.len()
                )
            });
        }
        AccountsCommand::Credentials { name, copy } => {
            let view = m.credentials(&name)?;
            if copy {
                let message = clipboard::copy(&view.copy_all_text())?;
                out.done(&format!(
                    "Copied the credentials of `{name}` to the clipboard ({message})."
                ));
            } else {
                out.print(&view, || view.copy_all_text());
            }
        }
    }
    Ok(())
}

fn read_import_file(path: &std::path::Path) -> Result<String, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > handset::account::csv_format::MAX_BYTES as u64 {
        return Err(CliError::invalid(format!(
            "{} is larger than 16 MiB: split it",
            path.display()
        )));
    }
    let bytes =
        std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        CliError::invalid(format!(
            "{} is not UTF-8 text (bad byte at offset {}): save it as CSV UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn list_table(accounts: &[SipAccount]) -> String {
    if accounts.is_empty() {
        return "No accounts yet: create one with `handset accounts create`.".into();
    }
    let mut lines = vec![format!(
        "{:<24} {:<20} {:<36} {:<8} {}",
        "NAME", "USER", "SIP ADDRESS", "OUTBOUND", "TRANSPORTS"
    )];
    for a in accounts {
        lines.push(format!(
            "{:<24} {:<20} {:<36} {:<8} {}",
            a.name,
            a.general.user.as_deref().unwrap_or("-"),
            format!("{}@{}", a.credentials.username, a.credentials.domain),
            if a.outbound.enabled { "on" } else { "off" },
            join_list(&a.advanced.transports)
        ));
    }
    lines.join("\n")
}

fn describe(a: &SipAccount) -> String {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let many = |v: &[String]| if v.is_empty() { "-".into() } else { v.join(" ") };
    let yes = |b: bool| if b { "yes" } else { "no" };
    let unavailable = match &a.inbound.when_unavailable {
        Unavailable::DoNothing => "Do Nothing".to_owned(),
        Unavailable::RouteToVoicemail { greeting } => format!("Route To Voicemail ({})", or_dash(greeting)),
    };
    let c = &a.credentials;
    format!(
        "{name}\n\
         General\n  User: {user}\n\
         Inbound Calls\n  DID Numbers: {dids}\n  Internal Numbers: {exts}\n  When unavailable: {unavailable}\n\
         Outbound Calls\n  Enabled: {out}\n  External Caller ID: {ext_cid}\n  Internal Caller IDs: {int_cid}\n  Internal Announcement: {int_ann}\n  External Announcement: {ext_ann}\n\
         Call Recording\n  Enabled: {rec}\n  Directions: {dirs}\n  Record on Demand: {ondemand}\n  Feature Code: {code}\n  Delivery Method: {delivery}\n\
         Advanced\n  Allowed IPs: {ips_on} {ips}\n  Codecs: {codecs}\n  Media Types: {media}\n  Transports: {transports}\n\
         Credentials\n  Username: {username}\n  Domain: {domain}\n  Port: {port}\n  Outbound Proxy: {proxy}",
        name = a.name,
        user = or_dash(&a.general.user),
        dids = many(&a.inbound.did_numbers),
        exts = many(&a.inbound.internal_numbers),
        out = yes(a.outbound.enabled),
        ext_cid = or_dash(&a.outbound.external_caller_id),
        int_cid = many(&a.outbound.internal_caller_ids),
        int_ann = or_dash(&a.outbound.internal_announcement),
        ext_ann = or_dash(&a.outbound.external_announcement),
        rec = yes(a.recording.enabled),
        dirs = join_list(&a.recording.directions),
        ondemand = yes(a.recording.on_demand),
        code = or_dash(&a.recording.feature_code),
        delivery = or_dash(&a.recording.delivery_method),
        ips_on = if a.advanced.allowed_ips_enabled {
            "on"
        } else {
            "off"
        },
        ips = join_list(&a.advanced.allowed_ips),
        codecs = join_list(&a.advanced.codecs),
        media = join_list(&a.advanced.media_types),
        transports = join_list(&a.advanced.transports),
        username = c.username,
        domain = c.domain,
        port = c.port.map_or("-".into(), |p| p.to_string()),
        proxy = or_dash(&c.outbound_proxy),
    )
}
