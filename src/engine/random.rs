//! The engine's randomness (branches, tags, Call-IDs, cnonces), injected so that a run can be
//! repeated: the operating system's generator in use, a seeded one in tests and simulations.

/// The engine's source of randomness.
pub trait Random: Send {
    fn next_u64(&mut self) -> u64;

    /// `n` random characters from `[0-9a-z]`.
    fn token(&mut self, n: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        (0..n)
            .map(|_| ALPHABET[(self.next_u64() % ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

/// A small deterministic generator (xorshift64*) for tests and simulations.
#[derive(Clone, Debug)]
pub struct SeededRandom(u64);

impl SeededRandom {
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(seed.max(1))
    }
}

impl Random for SeededRandom {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// The operating system's generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl Random for OsRandom {
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        // The OS generator failing is not recoverable; fall back to the clock rather than panic.
        if getrandom::fill(&mut b).is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1);
            return SeededRandom::new(t).next_u64();
        }
        u64::from_le_bytes(b)
    }
}
