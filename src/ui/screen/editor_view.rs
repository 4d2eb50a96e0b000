//! The account editor's view: the seed's sections in its order and wording, then credentials.

use iced::widget::{
    button, checkbox, column, container, pick_list, radio, row, scrollable, text, text_input, toggler,
};
use iced::{Alignment, Element, Length};

use super::{Dropdown, Editor, Input, Message, Multi, Pick, Switch, WhenUnavailable};
use crate::account::model::{Codec, Direction, MediaType, Transport, Unavailable};
use crate::account::workspace::{BUILTIN_ANNOUNCEMENTS, BUILTIN_GREETINGS};
use crate::account::{Document, Field};
use crate::ui::i18n::fl;
use crate::ui::widgets::{chip, chips, error, field, heading, hint, multi_select, ordered_row};

pub fn view<'a>(e: &'a Editor, doc: &'a Document) -> Element<'a, Message> {
    let title = match &e.stored_name {
        None => fl!("editor-title-new"),
        Some(name) => fl!("editor-title-edit", name = name.as_str()),
    };
    let body = column![
        text(title).size(26),
        general(e, doc),
        inbound(e, doc),
        outbound(e, doc),
        recording(e, doc),
        advanced(e, doc),
        super::credentials::view(e, doc),
        footer(e),
    ]
    .spacing(24)
    .padding(20)
    .max_width(820);
    scrollable(body).width(Length::Fill).into()
}

pub(super) fn input<'a>(
    id: &'static str,
    placeholder: &str,
    value: &'a str,
    which: Input,
) -> Element<'a, Message> {
    text_input(placeholder, value)
        .id(id)
        .on_input(move |v| Message::Typed(which, v))
        .padding(6)
        .into()
}

fn dropdown<'a>(
    which: Dropdown,
    options: Vec<Pick>,
    selected: Option<&String>,
    none: Option<String>,
) -> Element<'a, Message> {
    let mut all = Vec::new();
    if let Some(label) = none {
        all.push(Pick { key: None, label });
    }
    all.extend(options);
    let chosen = all.iter().find(|p| p.key.as_ref() == selected).cloned();
    let id = match which {
        Dropdown::User => "pick-user",
        Dropdown::Greeting => "pick-greeting",
        Dropdown::ExternalCallerId => "pick-external-caller-id",
        Dropdown::InternalAnnouncement => "pick-internal-announcement",
        Dropdown::ExternalAnnouncement => "pick-external-announcement",
        Dropdown::DeliveryMethod => "pick-delivery-method",
    };
    container(
        pick_list(all, chosen, move |p| Message::Picked(which, p))
            .placeholder(fl!("choose"))
            .width(Length::Fixed(360.0)),
    )
    .id(id)
    .into()
}

fn picks(items: impl IntoIterator<Item = (String, String)>) -> Vec<Pick> {
    items
        .into_iter()
        .map(|(key, label)| Pick {
            label: if label.is_empty() {
                key.clone()
            } else {
                format!("{key} — {label}")
            },
            key: Some(key),
        })
        .collect()
}

fn general<'a>(e: &'a Editor, doc: &'a Document) -> Element<'a, Message> {
    let users = picks(
        doc.workspace
            .users
            .iter()
            .map(|u| (u.name.clone(), String::new())),
    );
    column![
        heading(fl!("section-general")),
        field(
            fl!("field-name"),
            input("name", &fl!("field-name-placeholder"), &e.draft.name, Input::Name),
            e.errors(Field::Name)
        ),
        field(
            fl!("field-user"),
            dropdown(Dropdown::User, users, e.draft.general.user.as_ref(), None),
            e.errors(Field::User)
        ),
    ]
    .spacing(12)
    .into()
}

fn inbound<'a>(e: &'a Editor, doc: &'a Document) -> Element<'a, Message> {
    let ws = &doc.workspace;
    let a = &e.draft.inbound;
    let dids = ws
        .phone_numbers
        .iter()
        .map(|n| (n.number.clone(), labelled(&n.number, &n.label)))
        .collect();
    let exts = ws
        .internal_numbers
        .iter()
        .map(|n| (n.extension.clone(), labelled(&n.extension, &n.label)))
        .collect();
    let choice = match a.when_unavailable {
        Unavailable::DoNothing => WhenUnavailable::DoNothing,
        Unavailable::RouteToVoicemail { .. } => WhenUnavailable::RouteToVoicemail,
    };
    let mut col = column![
        heading(fl!("section-inbound")),
        field(
            fl!("field-did-numbers"),
            multi_select(
                dids,
                &a.did_numbers,
                |k, on| Message::Selected(Multi::DidNumbers, k, on),
                fl!("empty-phone-numbers")
            ),
            e.errors(Field::DidNumbers),
        ),
        field(
            fl!("field-internal-numbers"),
            multi_select(
                exts,
                &a.internal_numbers,
                |k, on| Message::Selected(Multi::InternalNumbers, k, on),
                fl!("empty-internal-numbers")
            ),
            e.errors(Field::InternalNumbers),
        ),
        field(
            fl!("field-when-unavailable"),
            row![
                container(radio(
                    fl!("unavailable-do-nothing"),
                    WhenUnavailable::DoNothing,
                    Some(choice),
                    Message::Unavailable
                ))
                .id("unavailable-do-nothing"),
                container(radio(
                    fl!("unavailable-voicemail"),
                    WhenUnavailable::RouteToVoicemail,
                    Some(choice),
                    Message::Unavailable
                ))
                .id("unavailable-voicemail"),
            ]
            .spacing(24),
            e.errors(Field::WhenUnavailable),
        ),
    ]
    .spacing(12);
    if let Unavailable::RouteToVoicemail { greeting } = &a.when_unavailable {
        let mut greetings = picks(
            BUILTIN_GREETINGS
                .iter()
                .map(|(n, _)| ((*n).to_owned(), String::new())),
        );
        greetings.extend(picks(
            ws.greetings.iter().map(|g| (g.name.clone(), String::new())),
        ));
        col = col.push(field(
            fl!("field-voicemail-audio"),
            dropdown(Dropdown::Greeting, greetings, greeting.as_ref(), None),
            e.errors(Field::VoicemailGreeting),
        ));
    }
    col.into()
}

fn labelled(key: &str, label: &str) -> String {
    if label.is_empty() {
        key.to_owned()
    } else {
        format!("{key} — {label}")
    }
}

fn outbound<'a>(e: &'a Editor, doc: &'a Document) -> Element<'a, Message> {
    let ws = &doc.workspace;
    let o = &e.draft.outbound;
    let numbers = picks(
        ws.phone_numbers
            .iter()
            .map(|n| (n.number.clone(), n.label.clone())),
    );
    let exts = ws
        .internal_numbers
        .iter()
        .map(|n| (n.extension.clone(), labelled(&n.extension, &n.label)))
        .collect();
    let mut announcements = picks(
        BUILTIN_ANNOUNCEMENTS
            .iter()
            .map(|(n, _)| ((*n).to_owned(), String::new())),
    );
    announcements.extend(picks(
        ws.announcements.iter().map(|a| (a.name.clone(), String::new())),
    ));
    column![
        heading(fl!("section-outbound")),
        container(
            toggler(o.enabled)
                .label(fl!("field-outbound-enabled"))
                .on_toggle(|on| Message::Toggled(Switch::Outbound, on))
        )
        .id("outbound-enabled"),
        hint(fl!("hint-outbound-default")),
        field(
            fl!("field-external-caller-id"),
            dropdown(
                Dropdown::ExternalCallerId,
                numbers,
                o.external_caller_id.as_ref(),
                Some(fl!("choice-none"))
            ),
            e.errors(Field::ExternalCallerId),
        ),
        field(
            fl!("field-internal-caller-ids"),
            multi_select(
                exts,
                &o.internal_caller_ids,
                |k, on| Message::Selected(Multi::InternalCallerIds, k, on),
                fl!("empty-internal-numbers")
            ),
            e.errors(Field::InternalCallerIds),
        ),
        field(
            fl!("field-internal-announcement"),
            dropdown(
                Dropdown::InternalAnnouncement,
                announcements.clone(),
                o.internal_announcement.as_ref(),
                Some(fl!("choice-none"))
            ),
            e.errors(Field::InternalAnnouncement),
        ),
        field(
            fl!("field-external-announcement"),
            dropdown(
                Dropdown::ExternalAnnouncement,
                announcements,
                o.external_announcement.as_ref(),
                Some(fl!("choice-none"))
            ),
            e.errors(Field::ExternalAnnouncement),
        ),
        upload(e),
    ]
    .spacing(12)
    .into()
}

/// Uploads a recording to the Announcements catalogue without leaving the editor.
fn upload(e: &Editor) -> Element<'_, Message> {
    let mut col = column![
        text(fl!("upload-announcement")).size(14),
        row![
            text_input(&fl!("workspace-user-name"), &e.upload_name)
                .id("upload-name")
                .on_input(|v| Message::Typed(Input::UploadName, v))
                .padding(6)
                .width(Length::Fixed(200.0)),
            text_input(&fl!("workspace-audio-file"), &e.upload_path)
                .id("upload-path")
                .on_input(|v| Message::Typed(Input::UploadPath, v))
                .padding(6),
            container(
                button(text(fl!("upload")))
                    .on_press(Message::UploadAnnouncement)
                    .style(button::secondary)
            )
            .id("upload-announcement"),
        ]
        .spacing(8),
        hint(fl!("workspace-upload-hint")),
    ]
    .spacing(4);
    match &e.upload_result {
        Some(Ok(m)) => col = col.push(text(m.clone()).size(13).style(text::success)),
        Some(Err(m)) => col = col.push(error(m.clone())),
        None => {}
    }
    col.into()
}

fn recording<'a>(e: &'a Editor, doc: &'a Document) -> Element<'a, Message> {
    let r = &e.draft.recording;
    let methods = picks(
        doc.workspace
            .delivery_methods
            .iter()
            .map(|d| (d.name.clone(), d.target.to_string())),
    );
    let mut directions = column![].spacing(6);
    for d in Direction::ALL.iter().copied() {
        let (label, about) = match d {
            Direction::InboundInternal => (
                fl!("direction-inbound-internal"),
                fl!("direction-inbound-internal-hint"),
            ),
            Direction::InboundExternal => (
                fl!("direction-inbound-external"),
                fl!("direction-inbound-external-hint"),
            ),
            Direction::OutboundInternal => (
                fl!("direction-outbound-internal"),
                fl!("direction-outbound-internal-hint"),
            ),
            Direction::OutboundExternal => (
                fl!("direction-outbound-external"),
                fl!("direction-outbound-external-hint"),
            ),
        };
        directions = directions.push(
            row![
                checkbox(r.directions.contains(&d))
                    .label(label)
                    .on_toggle(move |on| Message::Toggled(Switch::Direction(d), on))
                    .width(Length::Fixed(200.0)),
                hint(about),
            ]
            .align_y(Alignment::Center),
        );
    }
    let mut col = column![
        heading(fl!("section-recording")),
        checkbox(r.enabled)
            .label(fl!("field-recording-enabled"))
            .on_toggle(|on| Message::Toggled(Switch::Recording, on)),
        field(
            fl!("field-recording-directions"),
            directions,
            e.errors(Field::RecordingDirections)
        ),
        checkbox(r.on_demand)
            .label(fl!("field-record-on-demand"))
            .on_toggle(|on| Message::Toggled(Switch::OnDemand, on)),
    ]
    .spacing(12);
    if r.on_demand || r.feature_code.is_some() {
        col = col.push(field(
            fl!("field-feature-code"),
            input(
                "feature-code",
                "*1",
                r.feature_code.as_deref().unwrap_or_default(),
                Input::FeatureCode,
            ),
            e.errors(Field::FeatureCode),
        ));
    }
    col.push(field(
        fl!("field-delivery-method"),
        dropdown(
            Dropdown::DeliveryMethod,
            methods,
            r.delivery_method.as_ref(),
            Some(fl!("choice-keep-local")),
        ),
        e.errors(Field::DeliveryMethod),
    ))
    .push(hint(fl!("hint-recording-delivery")))
    .into()
}

fn advanced<'a>(e: &'a Editor, doc: &'a Document) -> Element<'a, Message> {
    let ad = &e.draft.advanced;
    let encryption = doc.workspace.encryption_enabled;
    let mut col = column![
        heading(fl!("section-advanced")),
        container(
            toggler(ad.allowed_ips_enabled)
                .label(fl!("field-allowed-ips-enabled"))
                .on_toggle(|on| Message::Toggled(Switch::AllowedIps, on))
        )
        .id("allowed-ips-enabled"),
    ]
    .spacing(12);
    if ad.allowed_ips_enabled || !e.ips.is_empty() {
        let items = e
            .ips
            .iter()
            .enumerate()
            .map(|(i, ip)| {
                chip(
                    ip.clone(),
                    ip.parse::<crate::account::allowed_ip::IpNet>().is_err(),
                    format!("remove-ip-{ip}"),
                    Message::RemoveIp(i),
                )
            })
            .collect();
        let box_ = column![
            chips(items, 4),
            text_input(&fl!("field-allowed-ips-placeholder"), &e.ip_input)
                .id("allowed-ips")
                .on_input(|v| Message::Typed(Input::AllowedIp, v))
                .on_submit(Message::AddIps)
                .padding(6),
            hint(fl!("hint-allowed-ips")),
        ]
        .spacing(6);
        col = col.push(field(fl!("field-allowed-ips"), box_, e.errors(Field::AllowedIps)));
    }

    let mut codecs = column![].spacing(4);
    let n = ad.codecs.len();
    for (i, c) in ad.codecs.iter().enumerate() {
        codecs = codecs.push(ordered_row(
            i + 1,
            c.as_str().to_owned(),
            &format!("codec-{c}"),
            (i > 0).then_some(Message::MoveCodec(i, true)),
            (i + 1 < n).then_some(Message::MoveCodec(i, false)),
            Message::RemoveCodec(i),
        ));
    }
    let mut add = row![text(fl!("codecs-add")).size(14)]
        .spacing(6)
        .align_y(Alignment::Center);
    for c in Codec::ALL.iter().copied().filter(|c| !ad.codecs.contains(c)) {
        add = add.push(
            container(
                button(text(c.as_str()).size(14))
                    .on_press(Message::AddCodec(c))
                    .style(button::secondary),
            )
            .id(format!("add-codec-{c}")),
        );
    }
    codecs = codecs.push(add).push(hint(fl!("hint-telephone-event")));
    col = col.push(field(fl!("field-codecs"), codecs, e.errors(Field::Codecs)));

    let mut media = column![].spacing(6);
    for m in MediaType::ALL.iter().copied() {
        let label = match m {
            MediaType::Rtp => fl!("media-rtp"),
            MediaType::SrtpSdes => fl!("media-srtp-sdes"),
            MediaType::SrtpDtls => fl!("media-srtp-dtls"),
        };
        let on = ad.media_types.contains(&m);
        let allowed = encryption || !m.is_encrypted() || on;
        media = media.push(
            checkbox(on)
                .label(label)
                .on_toggle_maybe(allowed.then_some(move |b| Message::Toggled(Switch::MediaType(m), b))),
        );
    }
    col = col.push(field(
        fl!("field-media-types"),
        media,
        e.errors(Field::MediaTypes),
    ));

    let mut transports = column![].spacing(6);
    // The seed lists TCP first.
    for t in [Transport::Tcp, Transport::Udp, Transport::Tls, Transport::Wss] {
        let label = match t {
            Transport::Tcp => fl!("transport-tcp"),
            Transport::Udp => fl!("transport-udp"),
            Transport::Tls => fl!("transport-tls"),
            Transport::Wss => fl!("transport-wss"),
        };
        let on = ad.transports.contains(&t);
        let allowed = encryption || !t.is_encrypted() || on;
        transports = transports.push(
            checkbox(on)
                .label(label)
                .on_toggle_maybe(allowed.then_some(move |b| Message::Toggled(Switch::Transport(t), b))),
        );
    }
    col = col.push(field(
        fl!("field-transports"),
        transports,
        e.errors(Field::Transports),
    ));
    if !encryption {
        col = col.push(hint(fl!("hint-encryption-off")));
    }
    col.into()
}

fn footer(e: &Editor) -> Element<'_, Message> {
    let save = container(
        button(text(fl!("save")))
            .on_press_maybe(e.can_save().then_some(Message::Save))
            .style(button::primary),
    )
    .id("save");
    let cancel = button(text(fl!("cancel")))
        .on_press(Message::Cancel)
        .style(button::secondary);
    let mut col = column![row![save, cancel].spacing(12)].spacing(8);
    if !e.problems.is_empty() {
        col = col.push(error(fl!("problems-to-fix", count = e.problems.len())));
    }
    if let Some(err) = &e.save_error {
        col = col.push(error(err.clone()));
    }
    col.into()
}
