//! Identifiers API Gateway stamps on every invocation: the request id (a UUID), the
//! `x-amz-apigw-id` (16 base64 characters) and the X-Ray style trace id.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;

use crate::clock::Random;

/// A random (version 4) UUID, lowercase and hyphenated, as `x-amzn-RequestId`.
pub fn request_id(rng: &dyn Random) -> String {
    let hi = rng.next_u64();
    let lo = rng.next_u64();
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// An `x-amz-apigw-id` (also `$context.extendedRequestId`): 11 random bytes in base64.
pub fn apigw_id(rng: &dyn Random) -> String {
    let a = rng.next_u64().to_be_bytes();
    let b = rng.next_u64().to_be_bytes();
    let mut bytes = [0u8; 11];
    bytes[..8].copy_from_slice(&a);
    bytes[8..].copy_from_slice(&b[..3]);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The trace id: the client's `X-Amzn-Trace-Id` when it carries a root, else a new one.
pub fn trace_id(incoming: Option<&str>, now: SystemTime, rng: &dyn Random) -> String {
    if let Some(v) = incoming
        && v.split(';').any(|p| p.trim_start().starts_with("Root="))
        && v.len() <= 256
    {
        return v.to_string();
    }
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!(
        "Root=1-{:08x}-{:016x}{:08x}",
        secs as u32,
        rng.next_u64(),
        rng.next_u64() as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ThreadRandom;

    #[test]
    fn shapes() {
        let id = request_id(&ThreadRandom);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        let g = apigw_id(&ThreadRandom);
        assert_eq!(g.len(), 16);
        assert!(g.ends_with('='));
        let t = trace_id(None, UNIX_EPOCH, &ThreadRandom);
        assert!(t.starts_with("Root=1-00000000-"));
        assert_eq!(t.len(), "Root=1-".len() + 8 + 1 + 24);
        assert_eq!(
            trace_id(Some("Root=1-ab"), UNIX_EPOCH, &ThreadRandom),
            "Root=1-ab"
        );
    }
}
