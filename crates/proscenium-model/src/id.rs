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

/// Draws at most this many ids looking for one not taken.
const UNUSED_DRAWS: usize = 64;

/// A fresh id of `len` characters that `taken` does not know, drawn again on a collision:
/// among six-character ids, about one API in fifty that grows to 10 000 resources meets one.
/// After [`UNUSED_DRAWS`] draws it returns the last (the caller's own uniqueness check then
/// refuses it rather than overwrite).
pub fn generate_unused(
    len: usize,
    mut next: impl FnMut() -> u32,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut id = generate(len, &mut next);
    for _ in 1..UNUSED_DRAWS {
        if !taken(&id) {
            break;
        }
        id = generate(len, &mut next);
    }
    id
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

    #[test]
    fn a_taken_id_is_drawn_again() {
        let taken = |id: &str| id == "aaaaaa" || id == "bbbbbb";
        // Draws 0 × 6 ("aaaaaa", taken), 1 × 6 ("bbbbbb", taken), then 2 × 6.
        let mut n = 0u32;
        let id = generate_unused(
            CHILD_ID_LEN,
            || {
                n += 1;
                (n - 1) / 6
            },
            taken,
        );
        assert_eq!(id, generate(CHILD_ID_LEN, || 2));
        assert_eq!(n, 18);
        // A source that never leaves the taken id gives up after the draws it allows.
        let mut draws = 0;
        let id = generate_unused(
            CHILD_ID_LEN,
            || {
                draws += 1;
                0
            },
            taken,
        );
        assert_eq!(
            (id.as_str(), draws),
            ("aaaaaa", UNUSED_DRAWS * CHILD_ID_LEN)
        );
    }
}
