//! Identifiers API Gateway stamps on every invocation: the request id (a UUID), the
//! `x-amz-apigw-id` (16 base64 characters) and the X-Ray style trace id.

use crate::clock::Random;

/// An identifier's ASCII text, kept inline: no allocation per request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IdText<const N: usize>([u8; N]);

impl<const N: usize> IdText<N> {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The text's bytes (ASCII), without the UTF-8 check `as_str` makes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl<const N: usize> std::ops::Deref for IdText<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> std::fmt::Display for IdText<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> std::fmt::Debug for IdText<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A random (version 4) UUID, lowercase and hyphenated, as `x-amzn-RequestId`.
pub fn request_id(rng: &dyn Random) -> IdText<36> {
    let hi = rng.next_u64();
    let lo = rng.next_u64();
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let mut out = [0u8; 36];
    hex_into(&mut out[0..8], hi >> 32);
    out[8] = b'-';
    hex_into(&mut out[9..13], hi >> 16);
    out[13] = b'-';
    hex_into(&mut out[14..18], hi);
    out[18] = b'-';
    hex_into(&mut out[19..23], lo >> 48);
    out[23] = b'-';
    hex_into(&mut out[24..36], lo);
    IdText(out)
}

/// Writes the low `4 * out.len()` bits of `v` as lowercase hex digits, most significant first.
fn hex_into(out: &mut [u8], mut v: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in out.iter_mut().rev() {
        *b = HEX[(v & 0xf) as usize];
        v >>= 4;
    }
}

/// An `x-amz-apigw-id` (also `$context.extendedRequestId`): 11 random bytes in base64.
pub fn apigw_id(rng: &dyn Random) -> IdText<16> {
    let a = rng.next_u64().to_be_bytes();
    let b = rng.next_u64().to_be_bytes();
    let mut bytes = [0u8; 12];
    bytes[..8].copy_from_slice(&a);
    bytes[8..11].copy_from_slice(&b[..3]);
    // Standard base64 of the 11 bytes: four groups of three, the last one padded.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = [0u8; 16];
    for (group, chunk) in bytes.chunks_exact(3).enumerate() {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for k in 0..4 {
            out[group * 4 + k] = ALPHABET[((n >> (18 - 6 * k)) & 0x3f) as usize];
        }
    }
    out[15] = b'=';
    IdText(out)
}

/// What a new trace id is made of, drawn when the request arrives; the text is built only
/// when something reads it.
#[derive(Debug, Clone, Copy)]
pub struct TraceSeed {
    secs: u64,
    a: u64,
    b: u64,
}

impl TraceSeed {
    pub fn draw(secs: u64, rng: &dyn Random) -> TraceSeed {
        TraceSeed {
            secs,
            a: rng.next_u64(),
            b: rng.next_u64(),
        }
    }
}

/// The client's `X-Amzn-Trace-Id` when it carries a root (API Gateway keeps it).
pub fn incoming_trace_id(incoming: Option<&str>) -> Option<&str> {
    incoming.filter(|v| v.len() <= 256 && v.split(';').any(|p| p.trim_start().starts_with("Root=")))
}

/// A new trace id made of a seed drawn earlier: `Root=1-{time}-{random}`.
pub fn new_trace_id(seed: TraceSeed) -> IdText<40> {
    let mut out = *b"Root=1-00000000-000000000000000000000000";
    hex_into(&mut out[7..15], seed.secs & 0xffff_ffff);
    hex_into(&mut out[16..32], seed.a);
    hex_into(&mut out[32..40], seed.b & 0xffff_ffff);
    IdText(out)
}

/// The trace id: the client's `X-Amzn-Trace-Id` when it carries a root, else a new one made
/// of a seed drawn earlier.
pub fn trace_id_from(incoming: Option<&str>, seed: TraceSeed) -> String {
    match incoming_trace_id(incoming) {
        Some(v) => v.to_string(),
        None => new_trace_id(seed).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ThreadRandom;
    use base64::Engine;

    #[test]
    fn shapes() {
        let id = request_id(&ThreadRandom);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        let g = apigw_id(&ThreadRandom);
        for seed in 0..64 {
            let fixed = apigw_id(&crate::clock::SeededRandom::new(seed));
            let rng = crate::clock::SeededRandom::new(seed);
            let mut raw = rng.next_u64().to_be_bytes().to_vec();
            raw.extend_from_slice(&rng.next_u64().to_be_bytes()[..3]);
            assert_eq!(
                fixed.as_str(),
                base64::engine::general_purpose::STANDARD.encode(&raw)
            );
        }
        assert_eq!(g.len(), 16);
        assert!(g.ends_with('='));
        assert!(
            id.bytes()
                .enumerate()
                .all(|(i, b)| if [8, 13, 18, 23].contains(&i) {
                    b == b'-'
                } else {
                    b.is_ascii_hexdigit() && !b.is_ascii_uppercase()
                })
        );
        let variant = id.as_bytes()[19];
        assert!(b"89ab".contains(&variant), "{id}");
        let trace_id =
            |incoming, secs| trace_id_from(incoming, TraceSeed::draw(secs, &ThreadRandom));
        let t = trace_id(None, 0);
        assert!(t.starts_with("Root=1-00000000-"));
        assert_eq!(t.len(), "Root=1-".len() + 8 + 1 + 24);
        let t = trace_id(None, 0x5f5e_1000);
        assert!(t.starts_with("Root=1-5f5e1000-"), "{t}");
        assert!(t[16..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(trace_id(Some("Root=1-ab"), 0), "Root=1-ab");
    }
}
