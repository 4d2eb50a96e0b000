//! The user agent's vocabulary: an account's configuration, the commands the phone gives, the
//! events the engine reports, and the inputs and outputs of its run loop.

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::msg;
use crate::engine::flow::{Flow, Transmit};
use crate::text::Text;

/// An account's SIP identity and where it registers.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// SIP user of the address of record (and of the Contact).
    pub user: String,
    /// SIP domain of the address of record.
    pub domain: String,
    /// Digest user name (usually `user`).
    pub auth_user: String,
    pub password: String,
    pub display_name: Option<String>,
    /// Registrar / outbound proxy flow; every request of the account goes here.
    pub flow: Flow,
    /// Our address on that flow (Via sent-by and Contact).
    pub local: SocketAddr,
    /// Requested registration lifetime in seconds.
    pub expires: u32,
    /// RFC 5626 instance id (`urn:uuid:…`), stable per installation and account.
    pub instance_id: String,
    pub user_agent: String,
    /// Keep-alive interval (CRLF on streams, OPTIONS on UDP); `None` disables.
    pub keepalive: Option<Duration>,
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("flow", &self.flow)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

impl AccountConfig {
    /// `sip:user@domain`.
    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.user, msg::uri_host(&self.domain))
    }

    /// The registrar's Request-URI: `sip:domain`.
    pub fn registrar_uri(&self) -> String {
        format!("sip:{}", msg::uri_host(&self.domain))
    }
}

/// A call, named by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub u64);

impl fmt::Display for CallHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call-{}", self.0)
    }
}

/// Commands from the phone.
#[derive(Clone, Debug)]
pub enum Command {
    /// Register (or re-register after a change) the account `key`.
    Register { key: String, config: AccountConfig },
    /// Unregister and forget the account.
    Unregister { key: String },
    /// Call `target` (a SIP URI) from the account, offering `sdp`. The caller names the call
    /// (handles below 2^32; the engine names incoming calls above).
    Dial {
        call: CallHandle,
        key: String,
        target: String,
        sdp: Vec<u8>,
        /// Presented identity: display name and user (From and P-Preferred-Identity).
        caller_id: Option<(Option<String>, String)>,
    },
    /// Send 180 Ringing for an incoming call.
    Ring { call: CallHandle },
    /// Answer an incoming call with `sdp`.
    Answer { call: CallHandle, sdp: Vec<u8> },
    /// Refuse an incoming call (486, 603, 480 …).
    Reject { call: CallHandle, code: u16 },
    /// End a call in any state: CANCEL before answer, BYE after.
    Hangup { call: CallHandle },
    /// Renegotiate media with a re-INVITE (hold/resume).
    Reinvite { call: CallHandle, sdp: Vec<u8> },
    /// Send a digit in an INFO (when telephone-event was not negotiated).
    InfoDigit { call: CallHandle, digit: char },
    /// Blind transfer (RFC 3515): ask the far end of an established call to call `target` (a
    /// SIP URI); progress comes as [`Event::Transfer`]. The call itself is left as it is.
    Transfer { call: CallHandle, target: String },
    /// Attended transfer (RFC 5589 §7): ask the far end of `call` to call the far end of
    /// `consultation` in its place (REFER with `Replaces`); progress as for [`Command::Transfer`].
    AttendedTransfer {
        call: CallHandle,
        consultation: CallHandle,
    },
    /// How the call we placed for the far end's transfer of `call` goes ([`Event::TransferRequested`]):
    /// the status of that call (100, 180, 200, 486 …), or 603 when the user declined. Sent to
    /// the far end in a NOTIFY; a final status (200 or more) ends the transfer.
    TransferStatus { call: CallHandle, code: u16 },
}

/// Registration states reported for an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationState {
    Registering,
    Registered {
        expires: u32,
    },
    /// Failed; a retry follows after `retry_in` (none for fatal errors like a wrong password).
    /// `reason` says what it means for the user (the window translates it).
    Failed {
        code: u16,
        reason: Text,
        retry_in: Option<Duration>,
    },
    Unregistered,
}

/// States reported for a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallState {
    /// The far end is ringing (180) or sent early media (183).
    Ringing { early_sdp: Option<Vec<u8>> },
    /// The call is up; `sdp` is the far end's session description.
    Answered { sdp: Vec<u8> },
    /// A re-INVITE or UPDATE from either side changed the far end's session description.
    Renegotiated { sdp: Vec<u8> },
    /// The call ended; `code` is the SIP status that ended it (200 for a BYE).
    Ended {
        code: u16,
        reason: String,
        by_remote: bool,
    },
}

/// How a transfer we asked for goes: the REFER's answer, then the far end's NOTIFYs about its
/// call to the target (`message/sipfrag`, RFC 3515 §2.4.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferProgress {
    /// The far end accepted the REFER (202) and is calling the target.
    Accepted,
    /// The far end's call to the target got this provisional status (100 Trying, 180 Ringing …).
    Progress(u16),
    /// The target answered (a 2xx): the far end is talking to it now.
    Succeeded,
    /// The REFER was refused, the call to the target failed, or no final answer came
    /// (`code` 0: the subscription ended without one; 408: no news in time).
    Failed { code: u16, reason: Text },
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Registration {
        key: String,
        state: RegistrationState,
    },
    /// The registrar sees us at a different address (Via received/rport).
    PublicAddress {
        key: String,
        addr: SocketAddr,
    },
    Incoming {
        key: String,
        call: CallHandle,
        from: String,
        to: String,
        request_uri: String,
        sdp: Vec<u8>,
        /// The established call this one takes the place of (an attended transfer's INVITE
        /// with `Replaces`, RFC 3891): the phone answers it at once and hangs that one up.
        replaces: Option<CallHandle>,
    },
    Call {
        call: CallHandle,
        state: CallState,
    },
    /// The far end sent a digit in an INFO.
    Dtmf {
        call: CallHandle,
        digit: char,
    },
    /// A transfer of the call ([`Command::Transfer`]) moved on.
    Transfer {
        call: CallHandle,
        progress: TransferProgress,
    },
    /// The far end asks us to call `target` in place of this call (a REFER, RFC 3515; accepted
    /// with 202 and a first NOTIFY of 100 Trying). The phone answers with
    /// [`Command::TransferStatus`]: the progress of its call to the target, or 603.
    TransferRequested {
        call: CallHandle,
        target: String,
        /// Who asks (Referred-By), when said.
        referred_by: Option<String>,
    },
    /// A message could not be used (sent a 400 when it was a request).
    Malformed {
        flow: Flow,
        reason: String,
    },
}

/// What the engine is given.
#[derive(Debug)]
pub enum Input<'a> {
    /// Bytes received on a flow: one datagram, or one framed message of a stream.
    Message { flow: Flow, bytes: &'a [u8] },
    /// The flow failed (connection refused or lost, ICMP unreachable).
    TransportError { flow: Flow },
    /// A command from the phone.
    Command(Box<Command>),
    /// A deadline reported by [`Output::Timeout`] has passed.
    Timeout,
}

impl Input<'_> {
    /// A command input.
    pub fn command(command: Command) -> Self {
        Input::Command(Box::new(command))
    }
}

/// What the engine asks for.
#[derive(Debug)]
pub enum Output {
    Transmit(Transmit),
    Event(Event),
    /// Call `handle_input(.., Input::Timeout)` at this time (if no other input comes first).
    Timeout(Instant),
}
