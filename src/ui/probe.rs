//! Start-up measurement for `packaging/bench-ui.sh`: with `HANDSET_STARTUP_PROBE` set, the app
//! prints the time from opening to its first frame and, after a second of idling, its resident
//! memory, then closes.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use iced::{Subscription, Task};

static START: OnceLock<Instant> = OnceLock::new();
static FIRST_FRAME: AtomicBool = AtomicBool::new(false);

/// What the probe saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Frame,
    Idle,
}

/// Whether the probe is on (`HANDSET_STARTUP_PROBE`).
pub fn enabled() -> bool {
    std::env::var_os("HANDSET_STARTUP_PROBE").is_some()
}

/// Starts the clock (when the window is asked for).
pub fn start() {
    START.get_or_init(Instant::now);
}

/// The first frame, then a second of idling; nothing when the probe is off.
pub fn subscription() -> Subscription<Step> {
    if !enabled() {
        Subscription::none()
    } else if FIRST_FRAME.load(Ordering::Relaxed) {
        iced::time::every(Duration::from_secs(1)).map(|_| Step::Idle)
    } else {
        iced::window::frames().map(|_| Step::Frame)
    }
}

/// Prints what `step` measured; closes the app after the idle figure.
pub fn on<T: Send + 'static>(step: Step) -> Task<T> {
    match step {
        Step::Frame => {
            if !FIRST_FRAME.swap(true, Ordering::Relaxed) {
                let ms = START.get().map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
                println!("first frame after {ms:.1} ms");
            }
            Task::none()
        }
        Step::Idle => {
            println!("idle RSS {} KiB", resident_kib().unwrap_or(0));
            iced::exit()
        }
    }
}

/// VmRSS of this process (Linux).
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
