//! What the phone reports: its events and a call's live figures, with the call, registration
//! and transfer data they carry (plain data, re-exported so that users of the phone need not
//! reach into the SIP engine).

pub use crate::engine::{CallHandle, CallState, Flow, RegistrationState, TransferProgress};
pub use crate::media::rtp_session::StreamReport;

/// What the phone reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneEvent {
    Registration {
        account: String,
        state: RegistrationState,
    },
    /// The signalling path changed (connected, failed over, reconnected).
    Connected {
        account: String,
        flow: Flow,
    },
    Incoming {
        account: String,
        call: CallHandle,
        from: String,
        /// The number or URI that was called (which DID or internal number rang).
        called: String,
        /// The call this one takes the place of (an attended transfer by the far end of that
        /// call, RFC 3891): answer this one at once and hang that one up.
        replaces: Option<CallHandle>,
    },
    Call {
        call: CallHandle,
        state: CallState,
    },
    /// A call's media ended: what was sent and received.
    Media {
        call: CallHandle,
        account: String,
        report: StreamReport,
    },
    /// The far end sent a digit (RFC 4733).
    Dtmf {
        call: CallHandle,
        digit: char,
    },
    /// A transfer of the call (`Phone::transfer`) moved on. After `Succeeded` the phone
    /// hangs up the call itself; after `Failed` the call stays up.
    Transfer {
        call: CallHandle,
        progress: TransferProgress,
    },
    /// The far end asks to transfer the call to `target`: answer with
    /// `Phone::accept_transfer` (the phone calls the target and, once it answers, hangs up
    /// this call) or `Phone::decline_transfer`.
    TransferRequested {
        call: CallHandle,
        target: String,
        /// Who asks (the Referred-By URI), when said.
        referred_by: Option<String>,
    },
}

/// A call's figures while it runs (the quality read-out and the level meters).
#[derive(Clone, Debug, PartialEq)]
pub struct CallFigures {
    /// Packets, loss, jitter, buffer delay and RTT (RTCP) so far.
    pub report: StreamReport,
    /// Microphone and speaker levels (dBFS; silent without devices).
    pub input_dbfs: f32,
    pub output_dbfs: f32,
    pub muted: bool,
    /// Whether the call is being recorded right now.
    pub recording: bool,
    /// The codec in use (its SDP name, e.g. `opus`, `PCMU`).
    pub codec: String,
    /// The media's encryption (`SRTP`, `DTLS-SRTP`); `None` for plain RTP.
    pub encryption: Option<&'static str>,
}
