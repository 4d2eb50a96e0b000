//! One call's state: its dialog (RFC 3261 §12), the INVITE and 2xx it has in flight, its
//! session timer (RFC 4028) and its transfer, with the header readings that fill them.

use std::time::{Duration, Instant};

use crate::engine::sip::msg::{self, Parsed, split_contacts};
use crate::engine::sip::transaction::T1;

/// Session interval we ask for (RFC 4028 recommends 1800 s).
pub(super) const SESSION_EXPIRES: u32 = 1800;
pub(super) const MIN_SE: u32 = 90;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// INVITE sent or received, no final answer yet.
    Setup,
    Confirmed,
    Ended,
}

/// One call and its dialog.
#[derive(Debug)]
pub(super) struct Call {
    pub(super) key: String,
    pub(super) outgoing: bool,
    pub(super) call_id: String,
    pub(super) local_tag: String,
    pub(super) remote_tag: Option<String>,
    /// Our identity header value (From of our requests), without tag.
    pub(super) local_id: String,
    /// The far end's identity header value, without tag.
    pub(super) remote_id: String,
    pub(super) local_cseq: u32,
    pub(super) remote_target: String,
    pub(super) route_set: Vec<String>,
    pub(super) phase: Phase,
    pub(super) local_sdp: Vec<u8>,
    /// Client INVITE in progress (branch) and its request line target.
    pub(super) invite_branch: Option<String>,
    pub(super) invite_cseq: u32,
    /// The initial INVITE we received (UAS).
    pub(super) invite: Option<Parsed>,
    pub(super) cancel_pending: bool,
    pub(super) cancelled: bool,
    pub(super) auth_tried: bool,
    pub(super) ringing_sent: bool,
    pub(super) ack: Option<Vec<u8>>,
    /// Our 2xx, re-sent until the ACK arrives (UAS, §13.3.1.4).
    pub(super) ok: Option<Vec<u8>>,
    pub(super) ok_at: Option<Instant>,
    pub(super) ok_interval: Duration,
    pub(super) ok_until: Option<Instant>,
    /// Session timer: when we refresh, and when the session expires without refresh.
    pub(super) refresh_at: Option<Instant>,
    pub(super) expire_at: Option<Instant>,
    pub(super) session_interval: Option<u32>,
    pub(super) caller_id: Option<(Option<String>, String)>,
    /// Our transfer of this call while it runs (REFER sent, final NOTIFY not yet in).
    pub(super) refer: Option<Refer>,
    /// The far end's transfer of this call while it runs (its REFER accepted, our final NOTIFY
    /// not yet sent).
    pub(super) referred: bool,
    /// The `Replaces` value our INVITE carries (we are the transferee of an attended transfer).
    pub(super) replaces: Option<String>,
    /// Its end has been reported (a call kept for a BYE in flight or a transfer's NOTIFYs may
    /// still see the other side's BYE: that ends nothing more).
    pub(super) end_reported: bool,
}

impl Call {
    /// A call in its setup phase with nothing negotiated yet.
    pub(super) fn new(
        key: String,
        outgoing: bool,
        call_id: String,
        local_tag: String,
        local_id: String,
        remote_id: String,
    ) -> Call {
        Call {
            key,
            outgoing,
            call_id,
            local_tag,
            remote_tag: None,
            local_id,
            remote_id,
            local_cseq: 1,
            remote_target: String::new(),
            route_set: Vec::new(),
            phase: Phase::Setup,
            local_sdp: Vec::new(),
            invite_branch: None,
            invite_cseq: 1,
            invite: None,
            cancel_pending: false,
            cancelled: false,
            auth_tried: false,
            ringing_sent: false,
            ack: None,
            ok: None,
            ok_at: None,
            ok_interval: T1,
            ok_until: None,
            refresh_at: None,
            expire_at: None,
            session_interval: None,
            caller_id: None,
            refer: None,
            referred: false,
            replaces: None,
            end_reported: false,
        }
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        let refer = self.refer.as_ref().and_then(Refer::deadline);
        [self.ok_at, self.ok_until, self.refresh_at, self.expire_at, refer]
            .into_iter()
            .flatten()
            .min()
    }

    fn with_tag(id: &str, tag: &str) -> String {
        format!("{id};tag={tag}")
    }

    pub(super) fn local_header(&self) -> String {
        Call::with_tag(&self.local_id, &self.local_tag)
    }

    pub(super) fn remote_header(&self) -> String {
        match &self.remote_tag {
            Some(t) => Call::with_tag(&self.remote_id, t),
            None => self.remote_id.clone(),
        }
    }
}

/// A transfer under way: the REFER in flight, then its subscription.
#[derive(Debug)]
pub(super) struct Refer {
    pub(super) target: String,
    /// Top-Via branch of the REFER last sent (answers to older ones are ignored).
    pub(super) branch: String,
    pub(super) auth_tried: bool,
    /// Accepted was reported: by the REFER's 2xx, or by a NOTIFY that came first (the far end
    /// sends both at once, and they may arrive in either order: RFC 6665 §4.1.2.4).
    pub(super) accepted: bool,
    /// Reported as failed when nothing more is heard by then.
    pub(super) give_up_at: Option<Instant>,
}

impl Refer {
    /// A transfer to `target` whose REFER is not sent yet.
    pub(super) fn new(target: String) -> Refer {
        Refer {
            target,
            branch: String::new(),
            auth_tried: false,
            accepted: false,
            give_up_at: None,
        }
    }

    pub(super) fn deadline(&self) -> Option<Instant> {
        self.give_up_at
    }
}

/// Removes a `;tag=` parameter from an identity header value.
pub(super) fn strip_tag(value: &str) -> String {
    let after = value.rfind('>').map_or(0, |i| i + 1);
    let (head, params) = value.split_at(after);
    let kept: Vec<&str> = params
        .split(';')
        .filter(|p| !p.trim().to_ascii_lowercase().starts_with("tag="))
        .collect();
    format!("{head}{}", kept.join(";"))
}

pub(super) fn record_routes(p: &Parsed) -> Vec<String> {
    p.header_values("Record-Route")
        .iter()
        .flat_map(|v| {
            split_contacts(v)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

pub(super) fn contact_uri(p: &Parsed) -> Option<String> {
    p.header("Contact").map(|c| msg::addr_uri(split_contacts(&c)[0]))
}

/// Parses `Session-Expires: N;refresher=x`.
pub(super) fn session_expires(p: &Parsed) -> Option<(u32, Option<String>)> {
    let v = p.header("Session-Expires").or_else(|| p.header("x"))?;
    let n = v.split(';').next()?.trim().parse().ok()?;
    Some((n, msg::header_param(&format!(">{v}"), "refresher")))
}

pub(super) fn supports_timer(p: &Parsed) -> bool {
    p.header_values("Supported")
        .iter()
        .chain(p.header_values("Require").iter())
        .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("timer")))
}
