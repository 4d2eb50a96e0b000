//! A call's timers: the 2xx re-sent until its ACK (RFC 3261 §13.3.1.4), the session refresh and
//! expiry (RFC 4028), and the transfer that has gone silent.

use super::calls::Calls;
use super::dialog::Phase;
use crate::engine::sip::api::CallHandle;
use crate::engine::sip::core::Core;
use crate::engine::sip::registration::Accounts;
use crate::engine::sip::transaction::T2;

impl Calls {
    /// Runs every call's timers that are due.
    pub(in crate::engine::sip) fn timers(&mut self, core: &mut Core, accounts: &Accounts) {
        for c in self.handles() {
            self.call_timers(core, accounts, c);
        }
    }

    fn call_timers(&mut self, core: &mut Core, accounts: &Accounts, handle: CallHandle) {
        self.refer_timers(core, handle);
        let now = core.now;
        let Some(c) = self.calls.get_mut(&handle) else {
            return;
        };
        if c.ok_until.is_some_and(|t| now >= t) {
            // §13.3.1.4: no ACK within 64*T1: end the call with a BYE.
            c.ok = None;
            c.ok_at = None;
            c.ok_until = None;
            self.send_bye(core, accounts, handle);
            self.end_call(
                core,
                handle,
                408,
                "the far end never acknowledged the answer",
                false,
            );
            return;
        }
        if c.ok_at.is_some_and(|t| now >= t) {
            c.ok_interval = (c.ok_interval * 2).min(T2);
            c.ok_at = Some(now + c.ok_interval);
            let bytes = c.ok.clone();
            let flow = core
                .server_txs
                .values()
                .find(|e| e.call == Some(handle))
                .map(|e| e.flow);
            let flow = flow.or_else(|| accounts.get(&c.key).map(|r| r.config.flow));
            if let (Some(b), Some(f)) = (bytes, flow) {
                core.send(f, b);
            }
            return;
        }
        if c.expire_at.is_some_and(|t| now >= t) {
            self.send_bye(core, accounts, handle);
            self.end_call(core, handle, 408, "the session timer expired", false);
            return;
        }
        if c.refresh_at.is_some_and(|t| now >= t) && c.phase == Phase::Confirmed {
            c.refresh_at = None;
            let sdp = c.local_sdp.clone();
            self.reinvite(core, accounts, handle, sdp);
        }
    }
}
