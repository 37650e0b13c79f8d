//! AWS-style identifiers: lowercase alphanumerics of a fixed length, from injected randomness.
//!
//! RestApi ids and root resource ids have 10 characters; resources, deployments, models,
//! authorizers, validators and client certificates have 6 (AWS's observed lengths).

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Length of a REST API id (and of its root resource id).
pub const API_ID_LEN: usize = 10;
/// Length of every other generated id.
pub const CHILD_ID_LEN: usize = 6;

/// Makes an id of `len` characters, drawing one `u32` per character from `next`.
pub fn generate(len: usize, mut next: impl FnMut() -> u32) -> String {
    (0..len)
        .map(|_| ALPHABET[(next() as usize) % ALPHABET.len()] as char)
        .collect()
}

/// Whether `s` could be an id we issued (used to reject garbage early with AWS's messages).
pub fn looks_valid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_requested_length_and_alphabet() {
        let mut n = 0u32;
        let id = generate(API_ID_LEN, || {
            n = n.wrapping_add(7);
            n
        });
        assert_eq!(id.len(), 10);
        assert!(id.bytes().all(|b| ALPHABET.contains(&b)));
        assert!(looks_valid(&id));
        assert!(!looks_valid("a/b"));
        assert!(!looks_valid(""));
    }
}
