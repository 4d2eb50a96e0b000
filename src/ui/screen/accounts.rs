//! The Accounts pane: the list, Create, Edit, Delete with a confirmation, CSV export and import.

use std::collections::BTreeMap;
use std::path::PathBuf;

use iced::widget::{button, checkbox, column, container, row, rule, scrollable, text, text_input};
use iced::{Alignment, Element, Length};

use crate::account::credentials::CredentialsView;
use crate::account::{CsvProblem, Document, Error};
use crate::ui::i18n::fl;
use crate::ui::jobs::Job;
use crate::ui::screen::phone::{Registration, registration_state};
use crate::ui::widgets::{csv_problems, hint};

#[derive(Clone, Debug)]
pub enum Message {
    Create,
    Edit(String),
    Delete(String),
    ConfirmDelete,
    CancelDelete,
    ExportPath(String),
    IncludePasswords(bool),
    Export,
    ImportPath(String),
    ImportUpdate(bool),
    Import,
    /// Opens the system's file dialog for the export or import path.
    Choose(FileChoice),
    /// The file dialog closed, with the chosen path unless it was cancelled.
    Chosen(FileChoice, Option<PathBuf>),
}

/// Which path a file dialog chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileChoice {
    Export,
    Import,
}

/// What the app should do after an update.
#[derive(Debug)]
pub enum Action {
    None,
    Create,
    Edit(String),
    Run(Job),
    /// Show the file dialog (save for export, open for import).
    ChooseFile(FileChoice),
}

#[derive(Debug, Default)]
pub struct Accounts {
    /// The account waiting for the delete confirmation.
    pub pending_delete: Option<String>,
    pub export_path: String,
    pub include_passwords: bool,
    pub import_path: String,
    pub import_update: bool,
    /// Every problem of the last import, by line.
    pub import_problems: Vec<CsvProblem>,
}

/// `handset-accounts.csv` in the documents folder (or the home folder).
fn default_export_path() -> PathBuf {
    let dirs = directories::UserDirs::new();
    let dir = dirs
        .as_ref()
        .and_then(|d| d.document_dir().map(PathBuf::from))
        .or_else(|| dirs.as_ref().map(|d| d.home_dir().to_path_buf()))
        .unwrap_or_default();
    dir.join("handset-accounts.csv")
}

impl Accounts {
    pub fn update(&mut self, message: Message) -> Action {
        match message {
            Message::Create => return Action::Create,
            Message::Edit(name) => return Action::Edit(name),
            Message::Delete(name) => self.pending_delete = Some(name),
            Message::CancelDelete => self.pending_delete = None,
            Message::ConfirmDelete => {
                if let Some(name) = self.pending_delete.take() {
                    return Action::Run(Job::Delete { name });
                }
            }
            Message::ExportPath(p) => self.export_path = p,
            Message::IncludePasswords(on) => self.include_passwords = on,
            Message::Export => {
                let path = match self.export_path.trim() {
                    "" => default_export_path(),
                    typed => PathBuf::from(typed),
                };
                return Action::Run(Job::Export {
                    path,
                    include_passwords: self.include_passwords,
                });
            }
            Message::Choose(choice) => return Action::ChooseFile(choice),
            Message::Chosen(_, None) => {}
            Message::Chosen(choice, Some(path)) => {
                let path = path.display().to_string();
                match choice {
                    FileChoice::Export => self.export_path = path,
                    FileChoice::Import => self.import_path = path,
                }
            }
            Message::ImportPath(p) => self.import_path = p,
            Message::ImportUpdate(on) => self.import_update = on,
            Message::Import => {
                let path = self.import_path.trim();
                if !path.is_empty() {
                    self.import_problems.clear();
                    return Action::Run(Job::Import {
                        path: PathBuf::from(path),
                        update: self.import_update,
                    });
                }
            }
        }
        Action::None
    }

    /// An import finished: keeps its per-row problems for the list under the import box.
    pub fn imported(&mut self, result: &Result<crate::account::ImportReport, Error>) {
        self.import_problems = match result {
            Err(Error::Csv(problems)) => problems.clone(),
            _ => Vec::new(),
        };
    }

    /// The list with each account's registration (`registration`: as the phone last said).
    pub fn view<'a>(
        &'a self,
        doc: &'a Document,
        registration: &'a BTreeMap<String, Registration>,
    ) -> Element<'a, Message> {
        let mut col = column![
            row![
                text(fl!("accounts-title")).size(26).width(Length::Fill),
                button(text(fl!("accounts-create")))
                    .on_press(Message::Create)
                    .style(button::primary),
            ]
            .align_y(Alignment::Center),
        ]
        .spacing(16)
        .padding(20);
        if let Some(name) = &self.pending_delete {
            col = col.push(
                container(
                    column![
                        text(fl!("delete-confirm", name = name.as_str())),
                        row![
                            container(
                                button(text(fl!("delete")))
                                    .on_press(Message::ConfirmDelete)
                                    .style(button::danger)
                            )
                            .id("confirm-delete"),
                            button(text(fl!("keep")))
                                .on_press(Message::CancelDelete)
                                .style(button::secondary),
                        ]
                        .spacing(12),
                    ]
                    .spacing(10),
                )
                .padding(12)
                .style(container::bordered_box),
            );
        }
        col = col
            .push(list(doc, registration))
            .push(rule::horizontal(1))
            .push(self.csv())
            .max_width(980);
        scrollable(col).width(Length::Fill).into()
    }

    fn csv(&self) -> Element<'_, Message> {
        let mut col = column![
            text(fl!("csv-export-title")).size(20),
            row![
                text_input(&default_export_path().display().to_string(), &self.export_path)
                    .id("export-path")
                    .on_input(Message::ExportPath)
                    .padding(6),
                button(text(fl!("choose-file")))
                    .on_press(Message::Choose(FileChoice::Export))
                    .style(button::secondary),
                container(button(text(fl!("csv-download"))).on_press(Message::Export)).id("export"),
            ]
            .spacing(8),
            checkbox(self.include_passwords)
                .label(fl!("csv-include-passwords"))
                .on_toggle(Message::IncludePasswords),
            text(fl!("csv-import-title")).size(20),
            row![
                text_input(&fl!("csv-import-placeholder"), &self.import_path)
                    .id("import-path")
                    .on_input(Message::ImportPath)
                    .padding(6),
                button(text(fl!("choose-file")))
                    .on_press(Message::Choose(FileChoice::Import))
                    .style(button::secondary),
                container(button(text(fl!("csv-import"))).on_press(Message::Import)).id("import"),
            ]
            .spacing(8),
            checkbox(self.import_update)
                .label(fl!("csv-import-update"))
                .on_toggle(Message::ImportUpdate),
        ]
        .spacing(10);
        if !self.import_problems.is_empty() {
            col = col.push(csv_problems(&self.import_problems));
        }
        col.into()
    }
}

fn list<'a>(doc: &'a Document, registration: &'a BTreeMap<String, Registration>) -> Element<'a, Message> {
    if doc.accounts.is_empty() {
        return column![text(fl!("app-description")), hint(fl!("accounts-empty"))]
            .spacing(6)
            .into();
    }
    let header = row![
        text(fl!("column-name")).width(Length::FillPortion(3)),
        text(fl!("column-user")).width(Length::FillPortion(3)),
        text(fl!("column-address")).width(Length::FillPortion(5)),
        text(fl!("column-state")).width(Length::FillPortion(2)),
        text("").width(Length::FillPortion(3)),
    ]
    .spacing(8);
    let mut col = column![header].spacing(8);
    for a in &doc.accounts {
        let uri = CredentialsView::new(a, None).sip_uri();
        let state = if a.outbound.enabled {
            fl!("state-inbound-outbound")
        } else {
            fl!("state-inbound-only")
        };
        col = col.push(
            row![
                text(a.name.as_str()).width(Length::FillPortion(3)),
                text(a.general.user.clone().unwrap_or_default()).width(Length::FillPortion(3)),
                text(uri)
                    .wrapping(text::Wrapping::WordOrGlyph)
                    .width(Length::FillPortion(5)),
                column![
                    registration_state(registration.get(&a.name)),
                    text(state).size(13).style(text::secondary),
                ]
                .spacing(2)
                .width(Length::FillPortion(2)),
                row![
                    container(
                        button(text(fl!("edit")))
                            .on_press(Message::Edit(a.name.clone()))
                            .style(button::secondary)
                    )
                    .id(format!("edit-{}", a.name)),
                    container(
                        button(text(fl!("delete")))
                            .on_press(Message::Delete(a.name.clone()))
                            .style(button::danger)
                    )
                    .id(format!("delete-{}", a.name)),
                ]
                .spacing(6)
                .width(Length::FillPortion(3)),
            ]
            .spacing(8)
            .align_y(Alignment::Center),
        );
    }
    col.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_waits_for_the_confirmation() {
        let mut s = Accounts::default();
        assert!(matches!(s.update(Message::Delete("Desk".into())), Action::None));
        assert_eq!(s.pending_delete.as_deref(), Some("Desk"));
        assert!(matches!(s.update(Message::CancelDelete), Action::None));
        assert!(
            matches!(s.update(Message::ConfirmDelete), Action::None),
            "nothing pending"
        );
        s.update(Message::Delete("Desk".into()));
        match s.update(Message::ConfirmDelete) {
            Action::Run(Job::Delete { name }) => assert_eq!(name, "Desk"),
            other => panic!("{other:?}"),
        }
        assert_eq!(s.pending_delete, None);
    }

    #[test]
    fn export_and_import_take_the_typed_paths() {
        let mut s = Accounts::default();
        match s.update(Message::Export) {
            Action::Run(Job::Export {
                path,
                include_passwords,
            }) => {
                assert!(path.ends_with("handset-accounts.csv"), "{}", path.display());
                assert!(!include_passwords, "passwords only when asked for");
            }
            other => panic!("{other:?}"),
        }
        s.update(Message::ExportPath("/tmp/x.csv".into()));
        s.update(Message::IncludePasswords(true));
        match s.update(Message::Export) {
            Action::Run(Job::Export {
                path,
                include_passwords,
            }) => {
                assert_eq!(path, PathBuf::from("/tmp/x.csv"));
                assert!(include_passwords);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.update(Message::Import), Action::None), "no path typed");
        s.update(Message::ImportPath(" /tmp/in.csv ".into()));
        s.update(Message::ImportUpdate(true));
        match s.update(Message::Import) {
            Action::Run(Job::Import { path, update }) => {
                assert_eq!((path, update), (PathBuf::from("/tmp/in.csv"), true))
            }
            other => panic!("{other:?}"),
        }
        let problem = CsvProblem {
            line: 3,
            column: Some("codecs".into()),
            message: "bad".into(),
            key: "",
            args: Vec::new(),
        };
        s.imported(&Err(Error::Csv(vec![problem.clone()])));
        assert_eq!(s.import_problems, [problem]);
        assert!(matches!(
            s.update(Message::Choose(FileChoice::Export)),
            Action::ChooseFile(FileChoice::Export)
        ));
        s.update(Message::Chosen(
            FileChoice::Export,
            Some(PathBuf::from("/tmp/chosen.csv")),
        ));
        s.update(Message::Chosen(FileChoice::Import, None));
        assert_eq!(s.export_path, "/tmp/chosen.csv");
        assert_eq!(
            s.import_path, " /tmp/in.csv ",
            "a cancelled dialog changes nothing"
        );
        assert!(matches!(s.update(Message::Create), Action::Create));
        assert!(matches!(s.update(Message::Edit("A".into())), Action::Edit(n) if n == "A"));
    }
}
