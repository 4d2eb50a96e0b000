//! The account manager: the one API the CLI and the GUI call to provision SIP accounts.

use tracing::info;

use super::credentials::{CredentialsView, generate_password, generate_username};
use super::csv_format;
use super::model::{AccountId, SipAccount};
use super::secrets::{Secret, SecretKey, SecretStore};
use super::store::{Document, ProfilePaths, Store, random_id};
use super::validate::validate;
use super::{CsvProblem, Error, SecretError};

/// Accounts and workspace of one profile, with their secrets.
#[derive(Clone, Debug)]
pub struct AccountManager {
    pub(super) store: Store,
    pub(super) secrets: SecretStore,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
}

impl AccountManager {
    /// Opens the profile with the platform keyring, probing it first.
    pub fn open(paths: ProfilePaths) -> Result<AccountManager, Error> {
        AccountManager::open_with(paths, SecretStore::platform)
    }

    /// Opens the profile with a secret store made from the profile id (tests pass a mock).
    pub fn open_with(
        paths: ProfilePaths,
        secrets: impl FnOnce(&str) -> Result<SecretStore, SecretError>,
    ) -> Result<AccountManager, Error> {
        let store = Store::open(paths)?;
        let doc = store.load()?;
        let secrets = secrets(&doc.profile_id)?;
        secrets.probe()?;
        Ok(AccountManager { store, secrets })
    }

    pub fn paths(&self) -> &ProfilePaths {
        self.store.paths()
    }

    pub fn secret_store(&self) -> &SecretStore {
        &self.secrets
    }

    /// The profile as stored now.
    pub fn load(&self) -> Result<Document, Error> {
        Ok(self.store.load()?)
    }

    /// The account named `name` (case-insensitive).
    pub fn account(&self, name: &str) -> Result<SipAccount, Error> {
        let doc = self.load()?;
        find(&doc, name).map(|i| doc.accounts[i].clone())
    }

    /// Creates an account. An empty username is generated from the user's (or account's) name;
    /// without `password` a strong one is generated. The password goes to the keyring only.
    pub fn create(&self, mut draft: SipAccount, password: Option<Secret>) -> Result<SipAccount, Error> {
        let password = password.unwrap_or_else(generate_password);
        let mut guard = SecretGuard::new(&self.secrets);
        let account = self.store.update(|doc| {
            draft.id = AccountId(random_id());
            fill_username(&mut draft, doc);
            check(&draft, doc)?;
            guard.set(SecretKey::SipPassword(draft.id.clone()), &password)?;
            doc.accounts.push(draft.clone());
            Ok::<_, Error>(draft)
        })?;
        guard.commit();
        info!(account = %account.id, "account created");
        Ok(account)
    }

    /// Changes the account named `name` with `edit`; `password` replaces the stored one.
    pub fn edit(
        &self,
        name: &str,
        edit: impl FnOnce(&mut SipAccount) -> Result<(), Error>,
        password: Option<Secret>,
    ) -> Result<SipAccount, Error> {
        let mut guard = SecretGuard::new(&self.secrets);
        let account = self.store.update(|doc| {
            let i = find(doc, name)?;
            let mut account = doc.accounts[i].clone();
            edit(&mut account)?;
            check(&account, doc)?;
            if let Some(p) = &password {
                guard.set(SecretKey::SipPassword(account.id.clone()), p)?;
            }
            doc.accounts[i] = account.clone();
            Ok::<_, Error>(account)
        })?;
        guard.commit();
        info!(account = %account.id, "account edited");
        Ok(account)
    }

    /// Deletes the account and its keyring entry.
    pub fn delete(&self, name: &str) -> Result<SipAccount, Error> {
        let account = self.store.update(|doc| {
            let i = find(doc, name)?;
            Ok::<_, Error>(doc.accounts.remove(i))
        })?;
        self.secrets.delete(&SecretKey::SipPassword(account.id.clone()))?;
        info!(account = %account.id, "account deleted");
        Ok(account)
    }

    /// The account's credentials, password included (from the keyring).
    pub fn credentials(&self, name: &str) -> Result<CredentialsView, Error> {
        let account = self.account(name)?;
        let password = self.secrets.get(&SecretKey::SipPassword(account.id.clone()))?;
        Ok(CredentialsView::new(&account, password))
    }

    /// The accounts as CSV; passwords only with `include_secrets`.
    pub fn export_csv(&self, include_secrets: bool) -> Result<String, Error> {
        let doc = self.load()?;
        let mut passwords = Vec::new();
        if include_secrets {
            for a in &doc.accounts {
                passwords.push(self.secrets.get(&SecretKey::SipPassword(a.id.clone()))?);
            }
        }
        Ok(csv_format::export(
            &doc.accounts,
            include_secrets.then_some(&passwords[..]),
        ))
    }

    /// Imports accounts from CSV, all or nothing. Existing accounts (matched by name) are
    /// changed only with `update`; every row is validated and every problem reported.
    pub fn import_csv(&self, text: &str, update: bool) -> Result<ImportReport, Error> {
        let rows = csv_format::parse(text).map_err(Error::Csv)?;
        let mut guard = SecretGuard::new(&self.secrets);
        let report = self.store.update(|doc| {
            let mut problems = Vec::new();
            let mut report = ImportReport::default();
            let mut staged: Vec<(SipAccount, Option<Secret>, bool)> = Vec::new();
            let mut seen: Vec<String> = Vec::new();
            for row in &rows {
                let name = row.name().to_owned();
                if seen.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
                    problems.push(row.problem(Some("name"), format!("`{name}` appears twice in the file: keep one row per account")));
                    continue;
                }
                seen.push(name.clone());
                let existing = doc.accounts.iter().position(|a| a.name.eq_ignore_ascii_case(&name));
                let (mut account, is_new) = match existing {
                    Some(_) if !update => {
                        problems.push(row.problem(
                            Some("name"),
                            format!("an account named `{name}` exists already: pass --update to change it, or rename the row"),
                        ));
                        continue;
                    }
                    Some(i) => (doc.accounts[i].clone(), false),
                    None => (
                        SipAccount {
                            id: AccountId(random_id()),
                            ..SipAccount::default()
                        },
                        true,
                    ),
                };
                let cell_problems = row.apply(&mut account);
                if !cell_problems.is_empty() {
                    problems.extend(cell_problems);
                    continue;
                }
                if let Some(i) = existing {
                    // Rows match accounts by name; the stored spelling stays.
                    account.name.clone_from(&doc.accounts[i].name);
                } else {
                    fill_username(&mut account, doc);
                }
                let password = row.password().or_else(|| is_new.then(generate_password));
                if is_new {
                    doc.accounts.push(account.clone());
                } else if let Some(i) = existing {
                    doc.accounts[i] = account.clone();
                }
                staged.push((account, password, is_new));
            }
            // Validate against the whole resulting profile, so rows can refer to each other.
            for (account, _, _) in &staged {
                let line = rows.iter().find(|r| r.name().eq_ignore_ascii_case(&account.name)).map_or(0, |r| r.line);
                for p in validate(account, &doc.workspace, &doc.accounts) {
                    problems.push(CsvProblem {
                        line,
                        column: Some(p.field.column().to_owned()),
                        message: p.message,
                        key: p.key,
                        args: p.args,
                    });
                }
            }
            if !problems.is_empty() {
                problems.sort_by_key(|p| p.line);
                return Err(Error::Csv(problems));
            }
            for (account, password, is_new) in staged {
                if let Some(p) = password {
                    guard.set(SecretKey::SipPassword(account.id.clone()), &p)?;
                }
                if is_new {
                    report.created.push(account.name);
                } else {
                    report.updated.push(account.name);
                }
            }
            Ok::<_, Error>(report)
        })?;
        guard.commit();
        info!(
            created = report.created.len(),
            updated = report.updated.len(),
            "accounts imported"
        );
        Ok(report)
    }
}

/// Index of the account named `name` (case-insensitive).
pub(super) fn find(doc: &Document, name: &str) -> Result<usize, Error> {
    doc.accounts
        .iter()
        .position(|a| a.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::NotFound {
            kind: "account",
            name: name.into(),
            list_command: "accounts list",
        })
}

fn check(account: &SipAccount, doc: &Document) -> Result<(), Error> {
    let problems = validate(account, &doc.workspace, &doc.accounts);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Gives an account without a username the one `create` would: made from its user's (or its
/// own) name, unique on its domain. Editors call it to show and check that username.
pub fn fill_username(account: &mut SipAccount, doc: &Document) {
    if !account.credentials.username.is_empty() {
        return;
    }
    let base = account
        .general
        .user
        .clone()
        .unwrap_or_else(|| account.name.clone());
    let taken: Vec<&str> = doc
        .accounts
        .iter()
        .filter(|a| {
            a.id != account.id
                && a.credentials
                    .domain
                    .eq_ignore_ascii_case(&account.credentials.domain)
        })
        .map(|a| a.credentials.username.as_str())
        .collect();
    account.credentials.username = generate_username(&base, &taken);
}

/// Keyring writes made during a store transaction, undone unless the transaction commits:
/// new entries are deleted and replaced ones restored, so the keyring and the file agree.
pub(super) struct SecretGuard<'a> {
    secrets: &'a SecretStore,
    undo: Vec<(SecretKey, Option<Secret>)>,
}

impl<'a> SecretGuard<'a> {
    pub(super) fn new(secrets: &'a SecretStore) -> Self {
        SecretGuard {
            secrets,
            undo: Vec::new(),
        }
    }

    pub(super) fn set(&mut self, key: SecretKey, value: &Secret) -> Result<(), SecretError> {
        let old = self.secrets.get(&key)?;
        self.secrets.set(&key, value)?;
        self.undo.push((key, old));
        Ok(())
    }

    pub(super) fn commit(mut self) {
        self.undo.clear();
    }
}

impl Drop for SecretGuard<'_> {
    fn drop(&mut self) {
        for (key, old) in self.undo.drain(..).rev() {
            let _ = match old {
                Some(v) => self.secrets.set(&key, &v),
                None => self.secrets.delete(&key),
            };
        }
    }
}

#[cfg(test)]
#[path = "manager_tests.rs"]
mod tests;
