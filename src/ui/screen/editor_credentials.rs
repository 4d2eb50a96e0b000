//! The editor's Credentials section: the stored credentials with copy buttons (existing
//! accounts), then the registration fields.

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Alignment, Element, Length};

use super::view::input;
use super::{Editor, Input, Message};
use crate::account::{Document, Field};
use crate::ui::i18n::fl;
use crate::ui::jobs::Copied;
use crate::ui::widgets::{error, field, heading, hint};

pub fn view<'a>(e: &'a Editor, doc: &'a Document) -> Element<'a, Message> {
    let mut col = column![heading(fl!("section-credentials"))].spacing(12);
    if !e.is_new() {
        col = col.push(stored_credentials(e));
    }
    let generated = e.generated_username(doc);
    let username_hint = if e.is_new() {
        fl!("field-username-placeholder", username = generated)
    } else {
        String::new()
    };
    let password_hint = if e.is_new() {
        fl!("field-password-placeholder-new")
    } else {
        fl!("field-password-placeholder-edit")
    };
    col.push(field(
        fl!("field-domain"),
        input(
            "domain",
            "sip.example.com",
            &e.draft.credentials.domain,
            Input::Domain,
        ),
        e.errors(Field::Domain),
    ))
    .push(field(
        fl!("field-username"),
        input(
            "username",
            &username_hint,
            &e.draft.credentials.username,
            Input::Username,
        ),
        e.errors(Field::Username),
    ))
    .push(field(
        if e.is_new() {
            fl!("field-password")
        } else {
            fl!("field-new-password")
        },
        text_input(&password_hint, &e.password)
            .id("password")
            .secure(true)
            .on_input(|v| Message::Typed(Input::Password, v))
            .padding(6),
        e.errors(Field::Password),
    ))
    .push(field(
        fl!("field-port"),
        input("port", "5060", &e.port, Input::Port),
        e.errors(Field::Port),
    ))
    .push(field(
        fl!("field-outbound-proxy"),
        input(
            "outbound-proxy",
            "proxy.example.com:5060",
            &e.proxy,
            Input::OutboundProxy,
        ),
        e.errors(Field::OutboundProxy),
    ))
    .into()
}

fn copy_button<'a>(what: Copied, id: &'static str) -> Element<'a, Message> {
    container(
        button(text(fl!("copy")).size(14))
            .on_press(Message::Copy(what))
            .style(button::secondary),
    )
    .id(id)
    .into()
}

fn stored_credentials(e: &Editor) -> Element<'_, Message> {
    let panel = &e.credentials;
    let view = match &panel.view {
        None => return hint(fl!("credentials-loading")),
        Some(Err(reason)) => return error(fl!("credentials-unreadable", reason = reason.as_str())),
        Some(Ok(view)) => view,
    };
    let line = |label: String,
                value: String,
                extra: Option<Element<'static, Message>>,
                copy: Element<'static, Message>| {
        let mut r = row![
            text(label).size(14).width(Length::Fixed(120.0)),
            text(value).size(14).width(Length::Fixed(300.0))
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        if let Some(x) = extra {
            r = r.push(x);
        }
        r.push(copy)
    };
    let (password, reveal): (String, Element<'static, Message>) = match (&view.password, panel.revealed) {
        (None, _) => (fl!("credentials-no-password"), text("").into()),
        (Some(p), true) => (
            p.expose().to_owned(),
            button(text(fl!("hide")).size(14))
                .on_press(Message::Reveal(false))
                .style(button::secondary)
                .into(),
        ),
        (Some(_), false) => (
            "••••••••••••".to_owned(),
            button(text(fl!("show")).size(14))
                .on_press(Message::Reveal(true))
                .style(button::secondary)
                .into(),
        ),
    };
    let mut col = column![
        text(view.sip_uri()).size(14),
        line(
            fl!("field-username"),
            view.username.clone(),
            None,
            copy_button(Copied::Username, "copy-username")
        ),
        line(
            fl!("field-password"),
            password,
            Some(reveal),
            copy_button(Copied::Password, "copy-password")
        ),
        line(
            fl!("field-domain"),
            view.domain.clone(),
            None,
            copy_button(Copied::Domain, "copy-domain")
        ),
        container(button(text(fl!("copy-all"))).on_press(Message::Copy(Copied::All))).id("copy-all"),
    ]
    .spacing(8);
    match &panel.notice {
        Some(Ok(m)) => col = col.push(text(m.clone()).size(14).style(text::success)),
        Some(Err(m)) => col = col.push(error(m.clone())),
        None => {}
    }
    container(col).padding(12).style(container::rounded_box).into()
}
