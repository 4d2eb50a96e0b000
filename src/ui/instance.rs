//! One window per profile: the first launch listens on a local socket (`handset.sock` in the
//! profile's state folder, readable by its owner only); a later launch on the same profile
//! (a `sip:` or `tel:` link clicked, the menu entry chosen again) hands its request to it and
//! exits. The running window then comes to the front, ready to call the number if one came.
//!
//! Protocol: one line of UTF-8 per connection, `show` or `dial TARGET`, answered `ok`. Lines
//! over [`MAX_LINE`] bytes or of any other form are answered `error` and ignored.
//!
//! Unix only (a Unix-domain socket); elsewhere every launch opens its own window.

use std::io;
use std::path::{Path, PathBuf};

/// The longest request line read.
pub const MAX_LINE: usize = 4096;

/// What a launch asks of the running window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Come to the front.
    Show,
    /// Come to the front with this number or URI in the dialer.
    Dial(String),
}

impl Request {
    fn line(&self) -> String {
        match self {
            Request::Show => "show\n".to_owned(),
            Request::Dial(t) => format!("dial {}\n", t.replace(['\r', '\n'], " ")),
        }
    }

    fn parse(line: &str) -> Option<Request> {
        let line = line.trim_end_matches(['\r', '\n']);
        match line.split_once(' ') {
            Some(("dial", target)) if !target.trim().is_empty() => {
                Some(Request::Dial(target.trim().to_owned()))
            }
            None if line == "show" => Some(Request::Show),
            _ => None,
        }
    }
}

/// The socket of the profile whose state folder is `state_dir`.
pub fn socket_path(state_dir: &Path) -> PathBuf {
    state_dir.join("handset.sock")
}

#[cfg(unix)]
pub use unix::{Claim, Listener, claim};

#[cfg(unix)]
mod unix {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::time::Duration;

    use super::*;

    /// How long a launch waits for the running window's answer.
    const ANSWER_TIME: Duration = Duration::from_secs(5);

    /// The outcome of [`claim`].
    #[derive(Debug)]
    pub enum Claim {
        /// No window runs for this profile: this launch opens it and serves the socket.
        Primary(Listener),
        /// The running window took the request.
        Forwarded,
    }

    /// The socket of the running window.
    #[derive(Debug)]
    pub struct Listener {
        listener: UnixListener,
        path: PathBuf,
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// Hands `request` to the window running on `socket`, or, when none runs (no socket, or one
    /// left by a window that crashed), listens on it.
    pub fn claim(socket: &Path, request: &Request) -> io::Result<Claim> {
        if let Some(dir) = socket.parent() {
            std::fs::create_dir_all(dir)?;
        }
        for _ in 0..3 {
            match send(socket, request) {
                Ok(()) => return Ok(Claim::Forwarded),
                Err(e) if gone(&e) => {}
                Err(e) => return Err(e),
            }
            // Nobody answers: a socket file left by a window that ended is removed.
            match std::fs::remove_file(socket) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            match UnixListener::bind(socket) {
                Ok(listener) => {
                    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
                    return Ok(Claim::Primary(Listener {
                        listener,
                        path: socket.to_owned(),
                    }));
                }
                // Another launch bound it in between: ask that one.
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(
            "the other Handset neither answers nor lets go of its socket",
        ))
    }

    /// No window listens there.
    fn gone(e: &io::Error) -> bool {
        matches!(
            e.kind(),
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
        )
    }

    fn send(socket: &Path, request: &Request) -> io::Result<()> {
        let mut stream = UnixStream::connect(socket)?;
        stream.set_read_timeout(Some(ANSWER_TIME))?;
        stream.set_write_timeout(Some(ANSWER_TIME))?;
        stream.write_all(request.line().as_bytes())?;
        let mut answer = String::new();
        BufReader::new(stream).read_line(&mut answer)?;
        match answer.trim_end() {
            "ok" => Ok(()),
            other => Err(io::Error::other(format!(
                "the running Handset answered {other:?}"
            ))),
        }
    }

    impl Listener {
        /// Waits for the next launch's request (blocking). A connection that sends nothing
        /// valid within [`ANSWER_TIME`] is answered `error` and skipped.
        pub fn next(&self) -> io::Result<Request> {
            loop {
                let (stream, _) = self.listener.accept()?;
                if let Some(request) = serve(stream) {
                    return Ok(request);
                }
            }
        }
    }

    fn serve(mut stream: UnixStream) -> Option<Request> {
        stream.set_read_timeout(Some(ANSWER_TIME)).ok()?;
        let mut line = Vec::new();
        let _ = BufReader::new(&stream)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line);
        let request = (line.len() <= MAX_LINE)
            .then(|| std::str::from_utf8(&line).ok().and_then(Request::parse))
            .flatten();
        let answer: &[u8] = if request.is_some() { b"ok\n" } else { b"error\n" };
        let _ = stream.write_all(answer);
        request
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_second_launch_hands_its_number_to_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let socket = socket_path(dir.path());
        let Claim::Primary(listener) = claim(&socket, &Request::Show).unwrap() else {
            panic!("the first launch listens");
        };
        let mode = std::fs::metadata(&socket).unwrap().permissions();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.mode() & 0o777, 0o600, "the owner only");
        let server = std::thread::spawn(move || {
            let first = listener.next().unwrap();
            let second = listener.next().unwrap();
            (first, second)
        });
        let dial = Request::Dial("sip:bob@example.com".into());
        assert!(matches!(claim(&socket, &dial).unwrap(), Claim::Forwarded));
        assert!(matches!(
            claim(&socket, &Request::Show).unwrap(),
            Claim::Forwarded
        ));
        assert_eq!(server.join().unwrap(), (dial, Request::Show));
    }

    #[test]
    fn a_socket_left_by_a_crashed_window_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let socket = socket_path(dir.path());
        // A window that crashed left its socket file; nobody listens on it.
        drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
        assert!(socket.exists());
        assert!(matches!(
            claim(&socket, &Request::Show).unwrap(),
            Claim::Primary(_)
        ));
    }

    #[test]
    fn garbage_and_oversized_requests_are_refused_and_the_socket_keeps_serving() {
        use std::io::{BufRead, BufReader, Write};
        use std::os::unix::net::UnixStream;
        let dir = tempfile::tempdir().unwrap();
        let socket = socket_path(dir.path());
        let Claim::Primary(listener) = claim(&socket, &Request::Show).unwrap() else {
            panic!("the first launch listens");
        };
        let server = std::thread::spawn(move || listener.next().unwrap());
        for bad in [
            b"launch missiles\n".to_vec(),
            b"dial \n".to_vec(),
            vec![b'x'; MAX_LINE * 4],
            vec![0xff, 0xfe, b'\n'],
        ] {
            let mut s = UnixStream::connect(&socket).unwrap();
            let _ = s.write_all(&bad);
            let mut answer = String::new();
            BufReader::new(s).read_line(&mut answer).unwrap();
            assert_eq!(answer, "error\n");
        }
        let dial = Request::Dial("tel:+14155550100".into());
        assert!(matches!(claim(&socket, &dial).unwrap(), Claim::Forwarded));
        assert_eq!(server.join().unwrap(), dial);
    }

    #[test]
    fn requests_read_back_as_written() {
        for r in [Request::Show, Request::Dial("sip:a@b;transport=tls".into())] {
            assert_eq!(Request::parse(&r.line()), Some(r));
        }
        assert_eq!(
            Request::parse(&Request::Dial("1\n2".into()).line()),
            Some(Request::Dial("1 2".into()))
        );
    }
}
