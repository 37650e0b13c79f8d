//! HTTP/1.1 message framing shared by the two ends that speak it inline: the backend client
//! (`client/h1.rs`, reading answers) and the server's listener (reading requests). Generic
//! over the byte stream; a buffer of bytes already read is passed along and kept.
//!
//! Must not: know about either end's errors (everything is an `io::Error`) or policies
//! beyond the limits given.

use std::io;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The longest chunk-size or trailer line accepted.
const MAX_LINE: usize = 4096;
/// The most bytes of trailer fields accepted after a chunked body (like a head's limit).
pub const MAX_TRAILERS: usize = 64 * 1024;

/// The error [`read_chunked`] fails with when the trailer section exceeds [`MAX_TRAILERS`]
/// (a server answers 431).
#[derive(Debug)]
struct TrailersTooLarge;

impl std::fmt::Display for TrailersTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chunked trailers exceed {MAX_TRAILERS} bytes")
    }
}

impl std::error::Error for TrailersTooLarge {}

/// Whether `e` is [`read_chunked`]'s error for too many trailer bytes.
pub fn is_trailers_too_large(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<TrailersTooLarge>())
}

/// Whether a comma-separated header value lists `token` (ASCII case-insensitive).
pub fn has_token(value: &[u8], token: &[u8]) -> bool {
    let is = |t: &[u8]| {
        let t = t.trim_ascii();
        t.len() == token.len() && t.eq_ignore_ascii_case(token)
    };
    // One token (the usual value) without the splitting machinery.
    if !value.contains(&b',') {
        return is(value);
    }
    value.split(|b| *b == b',').any(is)
}

/// Lowercases the ASCII letters of `bytes` in place, eight bytes at a time (header names:
/// the standard library's loop goes byte by byte). Other bytes are left as they are.
pub fn lowercase_in_place(bytes: &mut [u8]) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    fn lower(x: u64) -> u64 {
        // Per byte of the low seven bits: the high bit set when >= 'A', and when > 'Z'.
        let low = x & !HIGH;
        let at_least_a = low + ONES * (0x80 - b'A' as u64);
        let above_z = low + ONES * (0x80 - b'Z' as u64 - 1);
        // Uppercase: >= 'A', not > 'Z', and an ASCII byte (its own high bit clear).
        let upper = at_least_a & !above_z & !x & HIGH;
        x | (upper >> 2)
    }
    let mut chunks = bytes.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&lower(u64::from_le_bytes(word)).to_le_bytes());
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        let done = lower(u64::from_le_bytes(word)).to_le_bytes();
        rest.copy_from_slice(&done[..rest.len()]);
    }
}

/// Reads more bytes into `buf`: `UnexpectedEof` when the stream has ended, `TimedOut` when
/// nothing arrives within `idle` (if given).
pub async fn fill<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut BytesMut,
    idle: Option<Duration>,
) -> io::Result<()> {
    buf.reserve(8 * 1024);
    let read = match idle {
        Some(d) => tokio::time::timeout(d, r.read_buf(buf))
            .await
            .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())),
        None => r.read_buf(buf).await,
    };
    match read? {
        0 => Err(io::ErrorKind::UnexpectedEof.into()),
        _ => Ok(()),
    }
}

/// The next `n` bytes.
pub async fn read_exact<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut BytesMut,
    n: usize,
    idle: Option<Duration>,
) -> io::Result<Bytes> {
    if buf.len() < n {
        buf.reserve(n - buf.len());
    }
    while buf.len() < n {
        fill(r, buf, idle).await?;
    }
    Ok(buf.split_to(n).freeze())
}

/// One CRLF-terminated line, without the CRLF (at most 4 KiB).
pub async fn read_line<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut BytesMut,
    idle: Option<Duration>,
) -> io::Result<Bytes> {
    loop {
        if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = buf.split_to(i + 2).freeze();
            return Ok(line.slice(..i));
        }
        if buf.len() > MAX_LINE {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
        fill(r, buf, idle).await?;
    }
}

/// A chunked body, read whole.
pub enum Chunked {
    Complete(Bytes),
    /// More than the limit: the first `limit + 1` bytes.
    TooLarge(Bytes),
}

/// Decodes a chunked body (extensions ignored, trailers read and dropped, at most
/// [`MAX_TRAILERS`] bytes of them), at most `limit` bytes of it.
pub async fn read_chunked<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut BytesMut,
    limit: usize,
    idle: Option<Duration>,
) -> io::Result<Chunked> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "invalid chunked body");
    let mut body = BytesMut::new();
    loop {
        let line = read_line(r, buf, idle).await?;
        let size_text = line
            .split(|b| *b == b';')
            .next()
            .unwrap_or(b"")
            .trim_ascii();
        let size = std::str::from_utf8(size_text)
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or_else(bad)?;
        if size == 0 {
            let mut trailers = 0usize;
            loop {
                let line = read_line(r, buf, idle).await?;
                if line.is_empty() {
                    return Ok(Chunked::Complete(body.freeze()));
                }
                trailers += line.len() + 2;
                if trailers > MAX_TRAILERS {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, TrailersTooLarge));
                }
            }
        }
        if body.len().saturating_add(size) > limit {
            let take = (limit + 1 - body.len()).min(size);
            let part = read_exact(r, buf, take, idle).await?;
            body.extend_from_slice(&part);
            return Ok(Chunked::TooLarge(body.freeze()));
        }
        let chunk = read_exact(r, buf, size, idle).await?;
        body.extend_from_slice(&chunk);
        if !read_line(r, buf, idle).await?.is_empty() {
            return Err(bad());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lowercasing_eight_bytes_at_a_time_matches_the_standard_library() {
        // Every byte value, at every position of a word and in the remainder.
        for b in 0..=255u8 {
            for len in 1..=17 {
                for at in 0..len {
                    let mut mine: Vec<u8> = (0..len).map(|i| b"Content-LENGTH-X:"[i]).collect();
                    mine[at] = b;
                    let mut std = mine.clone();
                    std.make_ascii_lowercase();
                    super::lowercase_in_place(&mut mine);
                    assert_eq!(mine, std, "byte {b} at {at} of {len}");
                }
            }
        }
    }

    use super::*;

    async fn chunked(input: &[u8], limit: usize) -> io::Result<Chunked> {
        let mut r = input;
        read_chunked(&mut r, &mut BytesMut::new(), limit, None).await
    }

    #[tokio::test]
    async fn chunked_bodies() {
        let body = b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        let mut r = &body[..];
        let mut buf = BytesMut::new();
        match read_chunked(&mut r, &mut buf, 10, None).await.unwrap() {
            Chunked::Complete(b) => assert_eq!(&b[..], b"abcde"),
            Chunked::TooLarge(_) => panic!("within the limit"),
        }
        // What follows the body stays for the next message.
        let rest = read_exact(&mut r, &mut buf, 4, None).await.unwrap();
        assert_eq!(&rest[..], b"NEXT");
        match chunked(body, 4).await.unwrap() {
            Chunked::TooLarge(b) => assert_eq!(&b[..], b"abcde"),
            Chunked::Complete(_) => panic!("over the limit"),
        }
        for bad in [&b"z\r\nabc\r\n0\r\n\r\n"[..], b"3\r\nabcX\r\n0\r\n\r\n"] {
            assert_eq!(
                chunked(bad, 10).await.err().map(|e| e.kind()),
                Some(io::ErrorKind::InvalidData)
            );
        }
        assert_eq!(
            chunked(b"3\r\nab", 10).await.err().map(|e| e.kind()),
            Some(io::ErrorKind::UnexpectedEof)
        );
        // Trailers: a few are fine, more than a head's worth is refused as such.
        match chunked(b"1\r\na\r\n0\r\nA: 1\r\nB: 2\r\n\r\n", 10)
            .await
            .unwrap()
        {
            Chunked::Complete(b) => assert_eq!(&b[..], b"a"),
            Chunked::TooLarge(_) => panic!("within the limit"),
        }
        let mut many = b"1\r\na\r\n0\r\n".to_vec();
        while many.len() < MAX_TRAILERS + 100 {
            many.extend_from_slice(b"X-Trailer: 0123456789012345678901234567890123456789\r\n");
        }
        many.extend_from_slice(b"\r\n");
        let err = chunked(&many, 10)
            .await
            .err()
            .expect("too many trailer bytes");
        assert!(is_trailers_too_large(&err), "{err}");
        assert!(!is_trailers_too_large(&io::ErrorKind::InvalidData.into()));
        let long = [b'1'; MAX_LINE + 2];
        assert_eq!(
            chunked(&long, 10).await.err().map(|e| e.kind()),
            Some(io::ErrorKind::InvalidData)
        );
    }

    #[test]
    fn tokens() {
        assert!(has_token(b"keep-alive, Close", b"close"));
        assert!(!has_token(b"closed", b"close"));
        assert!(has_token(b"CLOSE", b"close"));
        assert!(has_token(b" close ", b"close"));
        assert!(!has_token(b"", b"close"));
        assert!(!has_token(b"keep-alive", b"close"));
        assert!(has_token(b"upgrade,,keep-alive", b"keep-alive"));
        assert!(!has_token(b"clo,se", b"close"));
    }
}
