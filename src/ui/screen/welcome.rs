//! The first-run wizard: name the user the first account is for, then add that account or
//! import accounts from a CSV file.

use std::path::PathBuf;

use iced::widget::{button, column, container, row, scrollable, text, text_input};
use iced::{Element, Length};

use crate::account::{CsvProblem, Document, Error, ImportReport};
use crate::ui::i18n::{self, fl};
use crate::ui::jobs::{Change, Job};
use crate::ui::widgets::{csv_problems, error, heading, hint};

#[derive(Clone, Debug)]
pub enum Message {
    UserName(String),
    UserEmail(String),
    AddUser,
    AddAccount,
    ImportPath(String),
    Import,
    Skip,
}

/// What the app should do after an update.
#[derive(Debug)]
pub enum Action {
    None,
    Run(Job),
    CreateAccount,
    Finish,
}

#[derive(Debug, Default)]
pub struct Welcome {
    pub user_name: String,
    pub user_email: String,
    pub import_path: String,
    pub error: Option<String>,
    pub import_problems: Vec<CsvProblem>,
}

impl Welcome {
    pub fn update(&mut self, message: Message, doc: &Document) -> Action {
        match message {
            Message::UserName(v) => self.user_name = v,
            Message::UserEmail(v) => self.user_email = v,
            Message::AddUser => {
                self.error = None;
                let email = self.user_email.trim();
                return Action::Run(Job::Workspace(Change::AddUser {
                    name: self.user_name.trim().to_owned(),
                    email: (!email.is_empty()).then(|| email.to_owned()),
                }));
            }
            Message::AddAccount if !doc.workspace.users.is_empty() => return Action::CreateAccount,
            Message::AddAccount => {}
            Message::ImportPath(p) => self.import_path = p,
            Message::Import => {
                let path = self.import_path.trim();
                if !path.is_empty() {
                    self.error = None;
                    self.import_problems.clear();
                    return Action::Run(Job::Import {
                        path: PathBuf::from(path),
                        update: false,
                    });
                }
            }
            Message::Skip => return Action::Finish,
        }
        Action::None
    }

    /// A user was added (or refused).
    pub fn changed(&mut self, result: &Result<(), Error>) {
        match result {
            Ok(()) => {
                self.user_name.clear();
                self.user_email.clear();
            }
            Err(e) => self.error = Some(i18n::error(e)),
        }
    }

    /// An import failed; a successful one ends the wizard.
    pub fn imported(&mut self, result: &Result<ImportReport, Error>) {
        match result {
            Ok(_) => {}
            Err(Error::Csv(problems)) => self.import_problems.clone_from(problems),
            Err(e) => self.error = Some(i18n::error(e)),
        }
    }

    pub fn view<'a>(&'a self, doc: &'a Document) -> Element<'a, Message> {
        let users = &doc.workspace.users;
        let mut step1 = column![heading(fl!("welcome-step-user"))].spacing(8);
        if users.is_empty() {
            step1 = step1.push(hint(fl!("welcome-user-hint"))).push(
                row![
                    text_input(&fl!("workspace-user-name"), &self.user_name)
                        .id("welcome-user-name")
                        .on_input(Message::UserName)
                        .padding(6),
                    text_input(&fl!("workspace-user-email"), &self.user_email)
                        .id("welcome-user-email")
                        .on_input(Message::UserEmail)
                        .padding(6),
                    container(button(text(fl!("add"))).on_press(Message::AddUser)).id("welcome-add-user"),
                ]
                .spacing(8),
            );
        } else {
            let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
            step1 = step1.push(text(fl!("welcome-users", names = names.join(", "))));
        }
        let add_account = button(text(fl!("welcome-add-account")))
            .on_press_maybe((!users.is_empty()).then_some(Message::AddAccount))
            .style(button::primary);
        let mut col = column![
            text(fl!("welcome-title")).size(28),
            text(fl!("app-description")),
            step1,
            heading(fl!("welcome-step-account")),
            container(add_account).id("welcome-add-account"),
            text(fl!("welcome-or-import")),
            row![
                text_input(&fl!("csv-import-placeholder"), &self.import_path)
                    .id("welcome-import-path")
                    .on_input(Message::ImportPath)
                    .padding(6),
                container(button(text(fl!("csv-import"))).on_press(Message::Import)).id("welcome-import"),
            ]
            .spacing(8),
        ]
        .spacing(14)
        .padding(24)
        .max_width(760);
        if let Some(e) = &self.error {
            col = col.push(error(e.clone()));
        }
        if !self.import_problems.is_empty() {
            col = col.push(csv_problems(&self.import_problems));
        }
        col = col.push(
            button(text(fl!("welcome-skip")))
                .on_press(Message::Skip)
                .style(button::text),
        );
        scrollable(col).width(Length::Fill).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::workspace::User;

    #[test]
    fn the_first_account_waits_for_a_user() {
        let mut doc = Document::default();
        let mut w = Welcome::default();
        assert!(matches!(w.update(Message::AddAccount, &doc), Action::None));
        w.update(Message::UserName("Ann".into()), &doc);
        match w.update(Message::AddUser, &doc) {
            Action::Run(Job::Workspace(Change::AddUser { name, email })) => {
                assert_eq!((name.as_str(), email), ("Ann", None))
            }
            other => panic!("{other:?}"),
        }
        w.changed(&Ok(()));
        assert!(w.user_name.is_empty());
        doc.workspace.users.push(User {
            name: "Ann".into(),
            email: None,
        });
        assert!(matches!(
            w.update(Message::AddAccount, &doc),
            Action::CreateAccount
        ));
        assert!(
            matches!(w.update(Message::Import, &doc), Action::None),
            "no path yet"
        );
        w.update(Message::ImportPath("/tmp/a.csv".into()), &doc);
        assert!(matches!(
            w.update(Message::Import, &doc),
            Action::Run(Job::Import { update: false, .. })
        ));
        assert!(matches!(w.update(Message::Skip, &doc), Action::Finish));
    }
}
