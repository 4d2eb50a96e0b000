//! Real-time scheduling for the thread that feeds the sound card, as audio servers do for their
//! own threads: a busy machine then still runs it on time, so the sound has no gaps.
//!
//! Linux's `SCHED_FIFO` at a low priority, with `SCHED_RESET_ON_FORK` (a child process does not
//! inherit it). It needs `CAP_SYS_NICE` or a real-time limit (`ulimit -r`, e.g. the `audio` group's
//! in `/etc/security/limits.d`); without them the thread keeps its normal priority.

/// Low among real-time priorities (audio servers use 5-20 for their own threads).
#[cfg(target_os = "linux")]
const PRIORITY: i32 = 5;

/// Moves the calling thread to real-time scheduling; whether it could.
#[allow(unsafe_code)] // one libc call on the calling thread, with a parameter it owns.
fn promote_current_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param {
            sched_priority: PRIORITY,
        };
        // SAFETY: `sched_setscheduler` reads `param` (alive for the call) and changes only the
        // calling thread (pid 0); it has no other effect on memory.
        let policy = libc::SCHED_FIFO | libc::SCHED_RESET_ON_FORK;
        unsafe { libc::sched_setscheduler(0, policy, &param) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Promotes the thread it is first called on (a device callback's thread), once.
#[derive(Debug, Default)]
pub(super) struct OnFirstCallback {
    done: bool,
}

impl OnFirstCallback {
    pub(super) fn promote(&mut self) {
        if !self.done {
            self.done = true;
            let realtime = promote_current_thread();
            tracing::debug!(realtime, "device callback thread scheduling");
        }
    }
}
