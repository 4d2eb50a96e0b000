//! SDP Security Descriptions for media streams (RFC 4568): `a=crypto` lines carrying SRTP
//! master keys. Keys travel in the SDP, so they are offered only over TLS or WSS signalling.

/// The crypto suites Handset knows, in the order it offers them (strongest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    /// RFC 7714: AES-GCM authenticated encryption, 16-byte tag.
    AeadAes128Gcm,
    AesCm128HmacSha1_80,
    AesCm128HmacSha1_32,
}

impl Suite {
    pub const ALL: [Suite; 3] = [
        Suite::AeadAes128Gcm,
        Suite::AesCm128HmacSha1_80,
        Suite::AesCm128HmacSha1_32,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Suite::AeadAes128Gcm => "AEAD_AES_128_GCM",
            Suite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            Suite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// Length of the master key plus salt: 16 + 14 bytes, or 16 + 12 for AES-GCM.
    pub fn key_salt_len(self) -> usize {
        match self {
            Suite::AeadAes128Gcm => 28,
            _ => 30,
        }
    }

    fn parse(name: &str) -> Option<Suite> {
        Suite::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

/// The master key's length (the rest of the key material is the salt).
pub const KEY_LEN: usize = 16;

/// One `a=crypto` attribute.
#[derive(Clone, PartialEq, Eq)]
pub struct Crypto {
    pub tag: u32,
    pub suite: Suite,
    pub key_salt: Vec<u8>,
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crypto")
            .field("tag", &self.tag)
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl Crypto {
    /// The attribute line, without `a=`.
    pub fn attribute(&self) -> String {
        format!(
            "crypto:{} {} inline:{}",
            self.tag,
            self.suite.name(),
            base64_encode(&self.key_salt)
        )
    }

    /// Parses `a=crypto:TAG SUITE inline:KEY[|lifetime][|MKI]` (unknown suites give `None`).
    pub fn parse(line: &str) -> Option<Crypto> {
        let rest = line.trim().strip_prefix("a=")?.strip_prefix("crypto:")?;
        let mut parts = rest.split_whitespace();
        let tag = parts.next()?.parse().ok()?;
        let suite = Suite::parse(parts.next()?)?;
        let key = parts.next()?.strip_prefix("inline:")?;
        let key = key.split('|').next()?;
        let key_salt = base64_decode(key)?;
        (key_salt.len() == suite.key_salt_len()).then_some(Crypto { tag, suite, key_salt })
    }
}

/// Every usable `a=crypto` line of the first audio stream, in order.
pub fn cryptos(sdp: &str) -> Vec<Crypto> {
    sdp.lines().filter_map(Crypto::parse).collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional); `None` on any other character.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B64.iter().position(|x| *x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37) as u8).collect();
            assert_eq!(base64_decode(&base64_encode(&data)).unwrap(), data);
        }
        assert!(base64_decode("ab$c").is_none());
    }

    #[test]
    fn crypto_lines() {
        // RFC 4568 §3.1 example key.
        let line =
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32";
        let c = Crypto::parse(line).unwrap();
        assert_eq!(
            (c.tag, c.suite, c.key_salt.len()),
            (1, Suite::AesCm128HmacSha1_80, 30)
        );
        assert_eq!(Crypto::parse(&format!("a={}", c.attribute())).unwrap(), c);
        assert!(
            Crypto::parse("a=crypto:1 F8_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
                .is_none()
        );
        assert!(!format!("{c:?}").contains("PS1u"), "keys never in Debug");
        // RFC 7714: AES-GCM keys are 16 bytes of key and 12 of salt.
        let gcm = Crypto {
            tag: 1,
            suite: Suite::AeadAes128Gcm,
            key_salt: vec![9; 28],
        };
        assert_eq!(Crypto::parse(&format!("a={}", gcm.attribute())), Some(gcm));
        let wrong_length = format!("a=crypto:1 AEAD_AES_128_GCM inline:{}", base64_encode(&[9; 30]));
        assert_eq!(Crypto::parse(&wrong_length), None);
    }
}
