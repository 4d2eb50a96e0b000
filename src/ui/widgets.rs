//! Small building blocks of the forms: labelled fields with their errors, multi-selects,
//! chips and ordered lists.

use iced::widget::{button, checkbox, column, container, row, text};
use iced::{Alignment, Element, Length};

use crate::account::CsvProblem;
use crate::ui::i18n::fl;

/// A field: its label, the control, and the validation messages that belong to it.
pub fn field<'a, M: 'a>(
    label: String,
    control: impl Into<Element<'a, M>>,
    errors: Vec<String>,
) -> Element<'a, M> {
    let mut col = column![text(label).size(14), control.into()].spacing(4);
    for e in errors {
        col = col.push(error(e));
    }
    col.into()
}

/// A validation message, in the theme's danger colour.
pub fn error<'a, M: 'a>(message: String) -> Element<'a, M> {
    text(message).size(13).style(text::danger).into()
}

/// A hint under a control.
pub fn hint<'a, M: 'a>(message: String) -> Element<'a, M> {
    text(message).size(13).style(text::secondary).into()
}

/// A section heading of the account editor.
pub fn heading<'a, M: 'a>(title: String) -> Element<'a, M> {
    text(title).size(20).into()
}

/// A multi-select over a catalogue: one checkbox per option, in the catalogue's order.
/// `options` are (key, shown label).
pub fn multi_select<'a, M: Clone + 'a>(
    options: Vec<(String, String)>,
    selected: &[String],
    on_toggle: impl Fn(String, bool) -> M + Clone + 'a,
    empty: String,
) -> Element<'a, M> {
    if options.is_empty() {
        return hint(empty);
    }
    let mut col = column![].spacing(4);
    for (key, label) in options {
        let on = selected.contains(&key);
        let f = on_toggle.clone();
        col = col.push(checkbox(on).label(label).on_toggle(move |b| f(key.clone(), b)));
    }
    col.into()
}

/// A chip: its text and a delete button (wrapped in a container with `id`, for tests and
/// accessibility tools), flagged in the danger style when `bad`.
pub fn chip<'a, M: Clone + 'a>(label: String, bad: bool, id: String, on_delete: M) -> Element<'a, M> {
    let delete = container(
        button(text("×").size(14))
            .on_press(on_delete)
            .padding([0, 6])
            .style(button::text),
    )
    .id(id);
    let body = row![text(label).size(14), delete]
        .spacing(4)
        .align_y(Alignment::Center);
    container(body)
        .padding([2, 8])
        .style(if bad {
            container::danger
        } else {
            container::rounded_box
        })
        .into()
}

/// Chips laid out in rows of `per_row`.
pub fn chips<'a, M: 'a>(items: Vec<Element<'a, M>>, per_row: usize) -> Element<'a, M> {
    let mut col = column![].spacing(4);
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let mut r = row![].spacing(6);
        for chip in items.by_ref().take(per_row) {
            r = r.push(chip);
        }
        col = col.push(r);
    }
    col.into()
}

/// One row of an ordered list: position, label, and move up / move down / remove buttons
/// (in containers with ids `<id>-up`, `<id>-down`, `<id>-remove`).
pub fn ordered_row<'a, M: Clone + 'a>(
    position: usize,
    label: String,
    id: &str,
    up: Option<M>,
    down: Option<M>,
    remove: M,
) -> Element<'a, M> {
    let small = |label: &'static str, msg: Option<M>, suffix: &str| {
        container(
            button(text(label).size(14))
                .on_press_maybe(msg)
                .padding([0, 8])
                .style(button::secondary),
        )
        .id(format!("{id}-{suffix}"))
    };
    row![
        text(format!("{position}.")).size(14).width(Length::Fixed(24.0)),
        text(label).size(14).width(Length::Fixed(140.0)),
        small("↑", up, "up"),
        small("↓", down, "down"),
        small("×", Some(remove), "remove"),
    ]
    .spacing(6)
    .align_y(Alignment::Center)
    .into()
}

/// The problems of a refused CSV import, one line each.
pub fn csv_problems<'a, M: 'a>(problems: &[CsvProblem]) -> Element<'a, M> {
    let mut col = column![error(fl!("csv-import-failed", count = problems.len()))].spacing(4);
    for p in problems {
        col = col.push(error(crate::ui::i18n::csv_problem(p)));
    }
    col.into()
}
