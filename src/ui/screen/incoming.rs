//! The incoming-call modal: the caller, the DID or number that was called, Answer and Decline.

use iced::widget::{button, center, column, container, opaque, row, text};
use iced::{Color, Element, Length};

use super::call::{Line, Message};
use crate::ui::i18n::fl;

/// The modal for a call ringing here, laid over `base`; `map` lifts its messages.
pub fn modal<'a, M: 'a>(base: Element<'a, M>, line: &'a Line, map: fn(Message) -> M) -> Element<'a, M> {
    let called = if line.called.is_empty() {
        fl!("incoming-account", account = line.account.as_str())
    } else {
        fl!(
            "incoming-called",
            called = line.called.as_str(),
            account = line.account.as_str()
        )
    };
    let card = container(
        column![
            text(fl!("incoming-title")).size(16),
            text(crate::ui::screen::phone::party(&line.remote)).size(24),
            text(called).size(14).style(text::secondary),
            row![
                container(
                    button(text(fl!("incoming-answer")))
                        .on_press(Message::Answer(line.call))
                        .style(button::success)
                )
                .id("answer"),
                container(
                    button(text(fl!("incoming-decline")))
                        .on_press(Message::Decline(line.call))
                        .style(button::danger)
                )
                .id("decline"),
            ]
            .spacing(12),
        ]
        .spacing(10),
    )
    .padding(20)
    .width(Length::Fixed(380.0))
    .style(container::rounded_box);
    let card: Element<'a, Message> = card.into();
    let backdrop = container(center(card.map(map)))
        .width(Length::Fill)
        .height(Length::Fill)
        .style(|_| container::Style::default().background(Color::from_rgba(0.0, 0.0, 0.0, 0.5)));
    let base = container(base).width(Length::Fill).height(Length::Fill);
    iced::widget::stack![base, opaque(backdrop)].into()
}
