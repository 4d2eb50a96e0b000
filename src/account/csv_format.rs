//! "Download SIP Account Contact Methods To A CSV File", and bulk import of the same format.
//!
//! Format: UTF-8 (a leading BOM is accepted on import), RFC 4180 quoting, CRLF line ends,
//! one header row then one row per account. The columns, in order, are those of
//! [`Field::ALL`](super::validate::Field::ALL) (`sip_password` only when secrets are
//! included). Multi-valued cells are space-separated; yes/no cells read `yes`, `no`, `true`,
//! `false`, `on`, `off`, `1`, `0`; `when_unavailable` is `do-nothing` or `voicemail`.
//!
//! Cells a spreadsheet would run as formulas (starting with `=`, `+`, `-`, `@`, tab or CR) are
//! written with a leading `'`, and so are cells already starting with `'`; import removes one
//! leading `'`, so export → import is lossless.

use super::CsvProblem;
use super::allowed_ip::parse_allowed_ips;
use super::model::{Codec, Direction, MediaType, SipAccount, Transport, Unavailable, join_list, parse_list};
use super::secrets::Secret;
use super::validate::Field;

/// Imports larger than this are refused (far beyond any real provisioning file).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// At most this many accounts per import.
pub const MAX_ROWS: usize = 10_000;

/// Writes the accounts as CSV. With `passwords` (one per account, in order) the
/// `sip_password` column is included.
pub fn export(accounts: &[SipAccount], passwords: Option<&[Option<Secret>]>) -> String {
    let columns: Vec<Field> = Field::ALL
        .iter()
        .copied()
        .filter(|f| *f != Field::Password || passwords.is_some())
        .collect();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header: Vec<&str> = columns.iter().map(|f| f.column()).collect();
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&header);
    for (i, account) in accounts.iter().enumerate() {
        let record: Vec<String> = columns
            .iter()
            .map(|f| {
                let value = match f {
                    Field::Password => passwords
                        .and_then(|p| p.get(i))
                        .and_then(|p| p.as_ref())
                        .map(|p| p.expose().to_owned())
                        .unwrap_or_default(),
                    _ => cell(account, *f),
                };
                neutralise(value)
            })
            .collect();
        let _ = w.write_record(&record);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// The text of one cell.
fn cell(a: &SipAccount, field: Field) -> String {
    match field {
        Field::Name => a.name.clone(),
        Field::User => opt(&a.general.user),
        Field::DidNumbers => a.inbound.did_numbers.join(" "),
        Field::InternalNumbers => a.inbound.internal_numbers.join(" "),
        Field::WhenUnavailable => match a.inbound.when_unavailable {
            Unavailable::DoNothing => "do-nothing".into(),
            Unavailable::RouteToVoicemail { .. } => "voicemail".into(),
        },
        Field::VoicemailGreeting => match &a.inbound.when_unavailable {
            Unavailable::RouteToVoicemail { greeting } => opt(greeting),
            Unavailable::DoNothing => String::new(),
        },
        Field::OutboundEnabled => yes_no(a.outbound.enabled),
        Field::ExternalCallerId => opt(&a.outbound.external_caller_id),
        Field::InternalCallerIds => a.outbound.internal_caller_ids.join(" "),
        Field::InternalAnnouncement => opt(&a.outbound.internal_announcement),
        Field::ExternalAnnouncement => opt(&a.outbound.external_announcement),
        Field::RecordingEnabled => yes_no(a.recording.enabled),
        Field::RecordingDirections => join_list(&a.recording.directions),
        Field::RecordOnDemand => yes_no(a.recording.on_demand),
        Field::FeatureCode => opt(&a.recording.feature_code),
        Field::DeliveryMethod => opt(&a.recording.delivery_method),
        Field::AllowedIpsEnabled => yes_no(a.advanced.allowed_ips_enabled),
        Field::AllowedIps => join_list(&a.advanced.allowed_ips),
        Field::Codecs => join_list(&a.advanced.codecs),
        Field::MediaTypes => join_list(&a.advanced.media_types),
        Field::Transports => join_list(&a.advanced.transports),
        Field::Username => a.credentials.username.clone(),
        Field::Password => String::new(),
        Field::Domain => a.credentials.domain.clone(),
        Field::Port => a.credentials.port.map(|p| p.to_string()).unwrap_or_default(),
        Field::OutboundProxy => opt(&a.credentials.outbound_proxy),
        Field::TlsCa => opt(&a.credentials.tls_ca),
    }
}

/// Prefixes `'` to cells a spreadsheet would evaluate (and to cells starting with `'`).
pub fn neutralise(value: String) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{value}"),
        _ => value,
    }
}

/// Undoes [`neutralise`].
pub fn unneutralise(value: &str) -> &str {
    value.strip_prefix('\'').unwrap_or(value)
}

/// One data row of an import.
#[derive(Debug)]
pub struct Row {
    /// 1-based line of the record in the file.
    pub line: u64,
    cells: Vec<(Field, String)>,
}

impl Row {
    fn get(&self, field: Field) -> Option<&str> {
        self.cells
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }

    /// The account name of the row.
    pub fn name(&self) -> &str {
        self.get(Field::Name).unwrap_or_default()
    }

    /// The password cell, when present and non-empty.
    pub fn password(&self) -> Option<Secret> {
        self.get(Field::Password)
            .filter(|p| !p.is_empty())
            .map(Secret::new)
    }

    pub fn problem(&self, column: Option<&str>, message: String) -> CsvProblem {
        CsvProblem {
            line: self.line,
            column: column.map(str::to_owned),
            message,
            key: "",
            args: Vec::new(),
        }
    }

    /// Applies the row's cells to `account` (columns absent from the file keep their value).
    /// An empty `sip_username` keeps the current one (or has one generated for new accounts).
    pub fn apply(&self, a: &mut SipAccount) -> Vec<CsvProblem> {
        let mut problems = Vec::new();
        let mut greeting: Option<Option<String>> = None;
        for (field, value) in &self.cells {
            let value = value.trim();
            let some = || (!value.is_empty()).then(|| value.to_owned());
            let words = || value.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
            let result: Result<(), String> = (|| {
                match field {
                    Field::Name => a.name = value.to_owned(),
                    Field::User => a.general.user = some(),
                    Field::DidNumbers => a.inbound.did_numbers = dedup(words()),
                    Field::InternalNumbers => a.inbound.internal_numbers = dedup(words()),
                    Field::WhenUnavailable => {
                        a.inbound.when_unavailable = match value.to_ascii_lowercase().as_str() {
                            "" | "do-nothing" => Unavailable::DoNothing,
                            "voicemail" | "route-to-voicemail" => {
                                Unavailable::RouteToVoicemail { greeting: None }
                            }
                            _ => {
                                return Err(format!(
                                    "`{value}` is not a choice: write do-nothing or voicemail"
                                ));
                            }
                        }
                    }
                    Field::VoicemailGreeting => greeting = Some(some()),
                    Field::OutboundEnabled => a.outbound.enabled = parse_bool(value)?,
                    Field::ExternalCallerId => a.outbound.external_caller_id = some(),
                    Field::InternalCallerIds => a.outbound.internal_caller_ids = dedup(words()),
                    Field::InternalAnnouncement => a.outbound.internal_announcement = some(),
                    Field::ExternalAnnouncement => a.outbound.external_announcement = some(),
                    Field::RecordingEnabled => a.recording.enabled = parse_bool(value)?,
                    Field::RecordingDirections => a.recording.directions = parse_list::<Direction>(value)?,
                    Field::RecordOnDemand => a.recording.on_demand = parse_bool(value)?,
                    Field::FeatureCode => a.recording.feature_code = some(),
                    Field::DeliveryMethod => a.recording.delivery_method = some(),
                    Field::AllowedIpsEnabled => a.advanced.allowed_ips_enabled = parse_bool(value)?,
                    Field::AllowedIps => {
                        a.advanced.allowed_ips = parse_allowed_ips(value).map_err(|bad| bad.join("; "))?
                    }
                    Field::Codecs => a.advanced.codecs = parse_list::<Codec>(value)?,
                    Field::MediaTypes => a.advanced.media_types = parse_list::<MediaType>(value)?,
                    Field::Transports => a.advanced.transports = parse_list::<Transport>(value)?,
                    Field::Username if value.is_empty() => {}
                    Field::Username => a.credentials.username = value.to_owned(),
                    Field::Password => {}
                    Field::Domain => a.credentials.domain = value.to_owned(),
                    Field::Port => {
                        a.credentials.port = match value {
                            "" => None,
                            p => Some(p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                                format!("`{p}` is not a port: use 1 to 65535, or leave it empty")
                            })?),
                        }
                    }
                    Field::OutboundProxy => a.credentials.outbound_proxy = some(),
                    Field::TlsCa => a.credentials.tls_ca = some(),
                }
                Ok(())
            })();
            if let Err(message) = result {
                problems.push(self.problem(Some(field.column()), message));
            }
        }
        match (&mut a.inbound.when_unavailable, greeting) {
            (Unavailable::RouteToVoicemail { greeting }, Some(g)) => *greeting = g,
            (Unavailable::DoNothing, Some(Some(g))) => problems.push(self.problem(
                Some(Field::VoicemailGreeting.column()),
                format!("`{g}` is set but when_unavailable is do-nothing: write voicemail there, or clear this cell"),
            )),
            _ => {}
        }
        problems
    }
}

/// The 1-based line of a record. (The csv crate's own line count is off with CRLF line ends;
/// its byte offset points at the record's first byte or at the LF just before it.)
fn line_of(text: &str, position: &csv::Position) -> u64 {
    let end = usize::try_from(position.byte()).map_or(text.len(), |b| (b + 1).min(text.len()));
    1 + text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() as u64
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" => Ok(true),
        "no" | "false" | "off" | "0" | "" => Ok(false),
        _ => Err(format!("`{value}` is not yes or no")),
    }
}

/// Reads an import file: checks size, encoding, header and row shapes. Problems in cell values
/// are found later by [`Row::apply`] and validation.
pub fn parse(text: &str) -> Result<Vec<Row>, Vec<CsvProblem>> {
    let whole = |message: String| {
        vec![CsvProblem {
            line: 1,
            column: None,
            message,
            key: "",
            args: Vec::new(),
        }]
    };
    if text.len() > MAX_BYTES {
        return Err(whole(format!(
            "the file is larger than {} MiB: split it",
            MAX_BYTES >> 20
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| whole(format!("cannot read the header: {e}")))?
        .clone();
    let mut columns = Vec::new();
    let mut problems = Vec::new();
    for name in header.iter() {
        let name = name.trim();
        match Field::ALL.iter().find(|f| f.column().eq_ignore_ascii_case(name)) {
            Some(f) if columns.contains(f) => {
                problems.push(CsvProblem {
                    line: 1,
                    column: Some(name.to_owned()),
                    message: "this column appears twice: keep one".into(),
                    key: "",
                    args: Vec::new(),
                });
            }
            Some(f) => columns.push(*f),
            None => problems.push(CsvProblem {
                line: 1,
                column: Some(name.to_owned()),
                message: format!(
                    "unknown column: the columns are {}",
                    Field::ALL
                        .iter()
                        .map(|f| f.column())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                key: "",
                args: Vec::new(),
            }),
        }
    }
    if !columns.contains(&Field::Name) {
        problems.push(CsvProblem {
            line: 1,
            column: None,
            message: "the header has no `name` column: the first line must name the columns".into(),
            key: "",
            args: Vec::new(),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(text, p));
                problems.push(CsvProblem {
                    line,
                    column: None,
                    message: format!("cannot read this record: {e}"),
                    key: "",
                    args: Vec::new(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_of(text, p));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            problems.push(CsvProblem {
                line,
                column: None,
                message: format!(
                    "this row has {} cells but the header has {}: check the quoting and commas",
                    record.len(),
                    columns.len()
                ),
                key: "",
                args: Vec::new(),
            });
            continue;
        }
        if rows.len() == MAX_ROWS {
            problems.push(CsvProblem {
                line,
                column: None,
                message: format!("more than {MAX_ROWS} accounts: split the file"),
                key: "",
                args: Vec::new(),
            });
            break;
        }
        let cells = columns
            .iter()
            .zip(record.iter())
            .map(|(f, v)| (*f, unneutralise(v).to_owned()))
            .collect();
        let row = Row { line, cells };
        if row.name().trim().is_empty() {
            problems.push(row.problem(
                Some("name"),
                "the account name is empty: every row needs one".into(),
            ));
            continue;
        }
        rows.push(row);
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for v in [
            "=1+1",
            "+14155550100",
            "-x",
            "@SUM(A1)",
            "\tx",
            "'quoted",
            "plain",
            "",
        ] {
            let n = neutralise(v.to_owned());
            assert!(!n.starts_with(['=', '+', '-', '@', '\t']), "{n}");
            assert_eq!(unneutralise(&n), v);
        }
    }

    #[test]
    fn header_problems_are_reported() {
        let e = parse("name,colour\r\nA,red\r\n").unwrap_err();
        assert_eq!(e[0].column.as_deref(), Some("colour"));
        let e = parse("user\r\nAnn\r\n").unwrap_err();
        assert!(e[0].message.contains("`name`"));
        let e = parse("name,name\r\n").unwrap_err();
        assert!(e[0].message.contains("twice"));
    }

    #[test]
    fn ragged_rows_and_empty_names_are_reported_with_lines() {
        let e = parse("name,user\r\nA,Ann\r\nB\r\n,Ann\r\n").unwrap_err();
        let lines: Vec<u64> = e.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4]);
    }

    #[test]
    fn bom_and_blank_lines_are_accepted() {
        let rows = parse("\u{feff}name\r\nA\r\n\r\n,\r\nB\r\n").unwrap();
        let names: Vec<&str> = rows.iter().map(Row::name).collect();
        assert_eq!(names, ["A", "B"]);
    }

    #[test]
    fn bad_cells_are_named() {
        let rows = parse("name,outbound_enabled,codecs,allowed_ips,sip_port,when_unavailable\r\nA,maybe,OPUS G711,10.0.0.1 x,99999,later\r\n").unwrap();
        let mut a = SipAccount::default();
        let problems = rows[0].apply(&mut a);
        let cols: Vec<&str> = problems.iter().filter_map(|p| p.column.as_deref()).collect();
        assert_eq!(
            cols,
            [
                "outbound_enabled",
                "codecs",
                "allowed_ips",
                "sip_port",
                "when_unavailable"
            ]
        );
    }

    #[test]
    fn export_has_no_password_column_unless_asked() {
        let a = SipAccount {
            name: "A".into(),
            ..SipAccount::default()
        };
        let plain = export(std::slice::from_ref(&a), None);
        assert!(!plain.contains("sip_password"));
        assert!(plain.starts_with("name,user,did_numbers"));
        let with = export(&[a], Some(&[Some(Secret::new("s3cret"))]));
        assert!(with.contains("sip_password") && with.contains("s3cret"));
    }
}
