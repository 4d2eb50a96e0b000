//! G.711 (ITU-T G.711) μ-law (PCMU) and A-law (PCMA): 8 kHz, one byte per sample.
//! The classic segment algorithms (as in the ITU reference and Sun's g711.c), table-free.

const BIAS: i32 = 0x84;
const CLIP: i32 = 32635;

/// Encodes one 16-bit linear sample as μ-law.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    let segment = (s >> 7) as u32; // 1..=255 after the bias
    let exponent = (31 - segment.max(1).leading_zeros()) as i32;
    let mantissa = (s >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// Decodes one μ-law byte to a 16-bit linear sample.
pub fn ulaw_to_linear(code: u8) -> i16 {
    let u = !code;
    let exponent = i32::from((u >> 4) & 0x07);
    let mantissa = i32::from(u & 0x0f);
    let magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    (if u & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// Encodes one 16-bit linear sample as A-law.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let mut s = i32::from(sample) >> 3; // 13-bit
    let mask = if s >= 0 {
        0xd5
    } else {
        s = -s - 1;
        0x55
    };
    let s = s.min(0x0fff);
    let code = if s < 32 {
        (s >> 1) as u8
    } else {
        let exponent = (31 - (s as u32).leading_zeros()) as i32 - 4; // 1..=7
        ((exponent << 4) | ((s >> exponent) & 0x0f)) as u8
    };
    code ^ mask
}

/// Decodes one A-law byte to a 16-bit linear sample.
pub fn alaw_to_linear(code: u8) -> i16 {
    let a = code ^ 0x55;
    let exponent = i32::from((a >> 4) & 0x07);
    let mantissa = i32::from(a & 0x0f);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    (if a & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

/// Encodes a frame with `f` (μ-law or A-law) into `out`.
pub fn encode(samples: &[i16], f: fn(i16) -> u8, out: &mut Vec<u8>) {
    out.clear();
    out.extend(samples.iter().map(|s| f(*s)));
}

/// Decodes a frame with `f` into `out`.
pub fn decode(codes: &[u8], f: fn(u8) -> i16, out: &mut Vec<i16>) {
    out.clear();
    out.extend(codes.iter().map(|c| f(*c)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        // Silence and full scale (ITU-T G.711 tables).
        assert_eq!(linear_to_ulaw(0), 0xff);
        assert_eq!(linear_to_ulaw(-1), 0x7f);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(0), 0xd5);
        assert_eq!(linear_to_alaw(-8), 0x55);
        assert_eq!(linear_to_alaw(i16::MAX), 0xaa);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2a);
        assert_eq!(ulaw_to_linear(0xff), 0);
        assert_eq!(alaw_to_linear(0xd5), 8);
    }

    #[test]
    fn every_code_decodes_and_re_encodes_to_itself() {
        for c in 0..=255u8 {
            let l = ulaw_to_linear(c);
            // 0x7f and 0xff are both zero in μ-law.
            if c != 0x7f {
                assert_eq!(linear_to_ulaw(l), c, "μ-law {c:#x} -> {l}");
            }
            assert_eq!(linear_to_alaw(alaw_to_linear(c)), c, "A-law {c:#x}");
        }
    }

    #[test]
    fn quantisation_error_is_within_the_segment_step() {
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let u = i32::from(ulaw_to_linear(linear_to_ulaw(s)));
            let a = i32::from(alaw_to_linear(linear_to_alaw(s)));
            let step = (i32::from(s).abs() / 16).max(16);
            assert!((u - i32::from(s)).abs() <= step + 132, "μ-law {s} -> {u}");
            assert!((a - i32::from(s)).abs() <= step + 16, "A-law {s} -> {a}");
        }
    }
}
