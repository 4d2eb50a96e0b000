//! The thread that owns a device's cpal stream: it opens it, and when the stream reports an error,
//! its callbacks stop, or its device leaves the system's list (PulseAudio moves the streams of a
//! sink that goes away, without telling cpal), it opens the default device instead (retrying each
//! second until one opens).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing::{info, warn};

use super::{DeviceError, Direction, devices, host, name_of};

/// How often a lost device is retried on the default device.
const RETRY: Duration = Duration::from_secs(1);
/// A running stream whose callbacks stop this long has lost its device.
const STALL: Duration = Duration::from_secs(2);
/// Callbacks before stalls count: PulseAudio stalls a new stream 1.5-2 s after its first one.
const ARMED: u64 = 25;
/// How often the supervisor looks at the callbacks.
const CHECK: Duration = Duration::from_millis(250);
/// How often the supervisor checks that the device is still there.
const PRESENCE: Duration = Duration::from_secs(1);

/// What the stream's owner and its users share.
#[derive(Debug, Default)]
pub(super) struct Status {
    name: Mutex<String>,
    fallbacks: AtomicU32,
}

impl Status {
    pub(super) fn name(&self) -> String {
        self.name.lock().map(|n| n.clone()).unwrap_or_default()
    }

    pub(super) fn fallbacks(&self) -> u32 {
        self.fallbacks.load(Ordering::Relaxed)
    }

    fn set_name(&self, name: String) {
        if let Ok(mut n) = self.name.lock() {
            *n = name;
        }
    }
}

/// Tells the supervisor that stream number `generation` failed, and that its callbacks run.
#[derive(Clone, Debug)]
pub(super) struct Failures {
    events: Sender<Event>,
    generation: u64,
    beats: Arc<AtomicU64>,
}

/// Counts a stream's callbacks (lock-free; called from the callback).
#[derive(Clone, Debug)]
pub(super) struct Heartbeat(Arc<AtomicU64>);

impl Heartbeat {
    pub(super) fn beat(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl Failures {
    pub(super) fn heartbeat(&self) -> Heartbeat {
        Heartbeat(self.beats.clone())
    }

    /// The cpal error callback: route changes and xruns are not failures.
    pub(super) fn callback(self) -> impl FnMut(cpal::Error) + Send + 'static {
        move |e: cpal::Error| {
            if !matches!(e.kind(), cpal::ErrorKind::Xrun | cpal::ErrorKind::DeviceChanged) {
                let _ = self.events.send(Event::Lost(self.generation, e.to_string()));
            }
        }
    }
}

enum Event {
    Lost(u64, String),
    Stop,
}

/// Opens a stream on the named device (`None`: the default) and returns it with the device's
/// name; runs on the supervisor thread.
pub(super) type Open =
    Box<dyn FnMut(Option<&str>, Failures) -> Result<(cpal::Stream, String), DeviceError> + Send>;

/// A running stream and its supervisor thread; dropping it stops both.
#[derive(Debug)]
pub(super) struct Supervisor {
    events: Sender<Event>,
    thread: Option<JoinHandle<()>>,
    pub(super) status: Arc<Status>,
}

impl Supervisor {
    /// Opens the stream on its own thread and waits until it runs or fails to open.
    pub(super) fn start(
        direction: Direction,
        device: Option<String>,
        mut open: Open,
    ) -> Result<Supervisor, DeviceError> {
        let (events, inbox) = mpsc::channel();
        let (ready_tx, ready) = mpsc::channel();
        let status = Arc::new(Status::default());
        let (ev, st) = (events.clone(), status.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("handset-audio-{direction}"))
            .spawn(move || {
                let mut generation = 0;
                let mut beats = Arc::new(AtomicU64::new(0));
                let failures = |generation, beats: &Arc<AtomicU64>| Failures {
                    events: ev.clone(),
                    generation,
                    beats: beats.clone(),
                };
                let mut stream = match open(device.as_deref(), failures(generation, &beats)) {
                    Ok((s, name)) => {
                        st.set_name(name);
                        let _ = ready_tx.send(Ok(()));
                        Some(s)
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let (mut last_beats, mut last_change) = (0, Instant::now());
                let (mut listing, mut last_presence) = (None, Instant::now());
                loop {
                    let event = inbox.recv_timeout(if stream.is_some() { CHECK } else { RETRY });
                    match event {
                        Ok(Event::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                        Ok(Event::Lost(g, why)) if g == generation => {
                            warn!(%direction, device = %st.name(), %why, "audio device lost; opening the default one");
                            stream = None;
                        }
                        Ok(Event::Lost(..)) => continue,
                        Err(RecvTimeoutError::Timeout) => {
                            let now = beats.load(Ordering::Relaxed);
                            if now != last_beats {
                                (last_beats, last_change) = (now, Instant::now());
                            } else if now >= ARMED && stream.is_some() && last_change.elapsed() > STALL {
                                warn!(%direction, device = %st.name(), "audio device stopped; opening the default one");
                                stream = None;
                            }
                            if stream.is_some() && last_presence.elapsed() >= PRESENCE {
                                last_presence = Instant::now();
                                let listing = listing.get_or_insert_with(|| host(direction).ok());
                                let name = st.name();
                                let here = listing
                                    .as_ref()
                                    .is_none_or(|h| devices(h, direction).iter().any(|d| name_of(d) == name));
                                if !here {
                                    warn!(%direction, device = %name, "audio device gone; opening the default one");
                                    stream = None;
                                }
                            }
                        }
                    }
                    if stream.is_none() {
                        generation += 1;
                        beats = Arc::new(AtomicU64::new(0));
                        (last_beats, last_change) = (0, Instant::now());
                        match open(None, failures(generation, &beats)) {
                            Ok((s, name)) => {
                                info!(%direction, device = %name, "audio moved to the default device");
                                st.set_name(name);
                                st.fallbacks.fetch_add(1, Ordering::Relaxed);
                                stream = Some(s);
                            }
                            Err(e) => warn!(%direction, error = %e, "no audio device yet; retrying"),
                        }
                    }
                }
            });
        let thread = spawned.map_err(|e| DeviceError::Open {
            direction,
            name: "default".into(),
            reason: format!("cannot start the audio thread: {e}"),
        })?;
        let opened = ready.recv().unwrap_or_else(|_| {
            Err(DeviceError::Open {
                direction,
                name: "default".into(),
                reason: "the audio thread stopped".into(),
            })
        });
        let supervisor = Supervisor {
            events,
            thread: Some(thread),
            status,
        };
        opened.map(|()| supervisor)
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        let _ = self.events.send(Event::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
