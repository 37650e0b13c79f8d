//! Where an HTTP/1.1 response ends in a read buffer: pure, no I/O.
//!
//! The load generator reads answers into a buffer and asks, after each read, whether one whole
//! response is there yet. Bodies are framed by `Content-Length` or chunked encoding; 204 and
//! 304 answers have none; an interim 1xx answer is skipped. Anything else (a body delimited by
//! the connection's close, a malformed head, a length that does not fit) is an error: the
//! generator counts it instead of guessing.

/// A complete response at the start of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Complete {
    pub status: u16,
    /// Bytes of the buffer the response takes, head and body.
    pub len: usize,
}

/// The outcome of looking at the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Parse {
    Complete(Complete),
    Partial,
    Invalid(&'static str),
}

/// Looks for one whole response at the start of `buf`.
pub fn parse(buf: &[u8]) -> Parse {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        return if buf.len() > 64 * 1024 {
            Parse::Invalid("response head over 64 KiB")
        } else {
            Parse::Partial
        };
    };
    let head = &buf[..head_end];
    let body_start = head_end + 4;
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let Some(status) = status_of(status_line) else {
        return Parse::Invalid("malformed status line");
    };
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Parse::Invalid("header line without a colon");
        };
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.eq_ignore_ascii_case(b"content-length") {
            match std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
            {
                Some(n) => length = Some(n),
                None => return Parse::Invalid("malformed Content-Length"),
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = value.eq_ignore_ascii_case(b"chunked");
        }
    }
    if (100..200).contains(&status) {
        // Interim: the final answer follows.
        return match parse(&buf[body_start..]) {
            Parse::Complete(c) => Parse::Complete(Complete {
                status: c.status,
                len: body_start + c.len,
            }),
            other => other,
        };
    }
    if status == 204 || status == 304 {
        return Parse::Complete(Complete {
            status,
            len: body_start,
        });
    }
    if chunked {
        return match chunked_end(&buf[body_start..]) {
            Ok(Some(n)) => Parse::Complete(Complete {
                status,
                len: body_start + n,
            }),
            Ok(None) => Parse::Partial,
            Err(e) => Parse::Invalid(e),
        };
    }
    match length.map(|n| body_start.checked_add(n)) {
        Some(Some(end)) if buf.len() >= end => Parse::Complete(Complete { status, len: end }),
        Some(Some(_)) => Parse::Partial,
        Some(None) => Parse::Invalid("malformed Content-Length"),
        None => Parse::Invalid("a body without Content-Length or chunked encoding"),
    }
}

fn status_of(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let code = rest.get(2..5)?;
    if rest.get(1) != Some(&b' ') || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// The length of a complete chunked body (through the last chunk's trailers), if all there.
fn chunked_end(body: &[u8]) -> Result<Option<usize>, &'static str> {
    let mut at = 0;
    loop {
        let Some(eol) = find(&body[at..], b"\r\n") else {
            return Ok(None);
        };
        let size_field = body[at..at + eol]
            .split(|&b| b == b';')
            .next()
            .unwrap_or_default();
        let size = std::str::from_utf8(trim(size_field))
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or("malformed chunk size")?;
        at += eol + 2;
        if size == 0 {
            // Trailers, each ending in CRLF, then an empty line.
            loop {
                let Some(eol) = find(&body[at..], b"\r\n") else {
                    return Ok(None);
                };
                at += eol + 2;
                if eol == 0 {
                    return Ok(Some(at));
                }
            }
        }
        let end = at
            .checked_add(size)
            .and_then(|e| e.checked_add(2))
            .ok_or("malformed chunk size")?;
        if body.len() < end {
            return Ok(None);
        }
        if &body[end - 2..end] != b"\r\n" {
            return Err("chunk without its CRLF");
        }
        at = end;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &v[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(status: u16, len: usize) -> Parse {
        Parse::Complete(Complete { status, len })
    }

    #[test]
    fn content_length_frames_the_body_and_leaves_what_follows() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}HTTP/1.1";
        assert_eq!(parse(r), complete(200, r.len() - 8));
        assert_eq!(parse(&r[..20]), Parse::Partial);
        assert_eq!(parse(&r[..r.len() - 9]), Parse::Partial);
    }

    #[test]
    fn header_names_in_any_case_and_values_with_spaces() {
        let r = b"HTTP/1.1 429 Too Many Requests\r\ncontent-LENGTH:  2 \r\n\r\nno";
        assert_eq!(parse(r), complete(429, r.len()));
    }

    #[test]
    fn chunked_bodies_end_at_the_last_chunk_and_its_trailers() {
        let r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n";
        assert_eq!(parse(r), complete(200, r.len()));
        for cut in [40, r.len() - 1, r.len() - 8] {
            assert_eq!(parse(&r[..cut]), Parse::Partial, "cut at {cut}");
        }
        let bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n";
        assert_eq!(parse(bad), Parse::Invalid("chunk without its CRLF"));
    }

    #[test]
    fn no_body_for_204_and_304() {
        let r = b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n";
        assert_eq!(parse(r), complete(204, r.len()));
        let r = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n";
        assert_eq!(parse(r), complete(304, r.len()));
    }

    #[test]
    fn an_interim_answer_is_skipped_for_the_final_one() {
        let r = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx";
        assert_eq!(parse(r), complete(201, r.len()));
        assert_eq!(parse(&r[..30]), Parse::Partial);
    }

    #[test]
    fn lengths_that_do_not_fit_are_invalid_not_a_panic() {
        let huge = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", usize::MAX);
        assert_eq!(
            parse(huge.as_bytes()),
            Parse::Invalid("malformed Content-Length")
        );
        let chunk = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab";
        assert_eq!(
            parse(chunk.as_bytes()),
            Parse::Invalid("malformed chunk size")
        );
    }

    #[test]
    fn what_cannot_be_framed_is_invalid() {
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\n\r\nbody"),
            Parse::Invalid("a body without Content-Length or chunked encoding")
        );
        assert_eq!(
            parse(b"HTTP/2 200\r\n\r\n"),
            Parse::Invalid("malformed status line")
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nbroken\r\n\r\n"),
            Parse::Invalid("header line without a colon")
        );
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"),
            Parse::Invalid("malformed Content-Length")
        );
    }
}
