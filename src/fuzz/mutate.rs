//! The mutations: what a fuzzer does to a valid input to make a hostile one.

/// Numbers at the edges, as text (SIP, SDP, CSV) and as bytes (RTP, STUN, DTLS).
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "99999999999999999999999",
    "1e309",
    "0x10",
    "",
];
const BYTES: &[u8] = &[
    0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, b'\r', b'\n', b' ', b':', b';', b',', b'"',
];

/// A seeded mutator (xorshift64*: the same seed gives the same inputs, so a run can be
/// repeated).
#[derive(Debug)]
pub struct Mutator {
    state: u64,
    dictionary: &'static [&'static str],
    max_len: usize,
}

impl Mutator {
    pub fn new(seed: u64, dictionary: &'static [&'static str], max_len: usize) -> Mutator {
        Mutator {
            state: seed.max(1),
            dictionary,
            max_len,
        }
    }

    fn next(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// A new input in `out`: one from the corpus with one to eight mutations stacked.
    pub fn next_input(&mut self, corpus: &[Vec<u8>], out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&corpus[self.below(corpus.len())]);
        for _ in 0..1 + self.below(8) {
            self.mutate(out, corpus);
        }
        out.truncate(self.max_len);
    }

    fn token(&mut self) -> &'static [u8] {
        if !self.dictionary.is_empty() && self.below(3) > 0 {
            self.dictionary[self.below(self.dictionary.len())].as_bytes()
        } else {
            NUMBERS[self.below(NUMBERS.len())].as_bytes()
        }
    }

    fn mutate(&mut self, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let len = data.len();
        let at = self.below(len + 1);
        match self.below(11) {
            // One bit flipped.
            0 if len > 0 => {
                let i = self.below(len);
                data[i] ^= 1 << self.below(8);
            }
            // One byte set to an edge value or at random.
            1 if len > 0 => {
                let i = self.below(len);
                data[i] = if self.below(2) == 0 {
                    BYTES[self.below(BYTES.len())]
                } else {
                    self.next() as u8
                };
            }
            // A few random bytes inserted.
            2 => {
                let n = 1 + self.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| self.next() as u8).collect();
                data.splice(at..at, bytes);
            }
            // A run deleted.
            3 if len > 0 => {
                let end = (at + 1 + self.below(32)).min(len);
                data.drain(at.min(len - 1)..end);
            }
            // A run repeated (long headers, many candidates, many report blocks).
            4 if len > 0 => {
                let start = self.below(len);
                let end = (start + 1 + self.below(64)).min(len);
                let run = data[start..end].to_vec();
                let times = if self.below(8) == 0 {
                    1 + self.below(200)
                } else {
                    1
                };
                for _ in 0..times {
                    if data.len() + run.len() > self.max_len {
                        break;
                    }
                    data.splice(at..at, run.iter().copied());
                }
            }
            // A word of the language inserted.
            5 | 6 => {
                let token = self.token();
                data.splice(at..at, token.iter().copied());
            }
            // A word written over what was there.
            7 if len > 0 => {
                let token = self.token();
                let end = (at + token.len()).min(len);
                data.splice(at.min(len)..end, token.iter().copied());
            }
            // A number replaced by one at its limits.
            8 => {
                if let Some((start, end)) = self.digit_run(data) {
                    let token = NUMBERS[self.below(NUMBERS.len())].as_bytes();
                    data.splice(start..end, token.iter().copied());
                }
            }
            // A 16- or 32-bit field set to an edge value (binary formats).
            9 if len >= 4 => {
                let i = self.below(len - 3);
                let value: u32 =
                    [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff, 0x10000][self.below(7)];
                if self.below(2) == 0 {
                    data[i..i + 4].copy_from_slice(&value.to_be_bytes());
                } else {
                    data[i..i + 2].copy_from_slice(&(value as u16).to_be_bytes());
                }
            }
            // The start of this input and the end of another.
            _ => {
                let other = &corpus[self.below(corpus.len())];
                let from = self.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
        }
    }

    /// A run of ASCII digits somewhere in `data`.
    fn digit_run(&mut self, data: &[u8]) -> Option<(usize, usize)> {
        if data.is_empty() {
            return None;
        }
        let from = self.below(data.len());
        let start = (from..data.len()).find(|&i| data[i].is_ascii_digit())?;
        let end = (start..data.len())
            .find(|&i| !data[i].is_ascii_digit())
            .unwrap_or(data.len());
        Some((start, end))
    }
}
