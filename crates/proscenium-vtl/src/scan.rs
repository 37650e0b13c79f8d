//! Byte cursor shared by the template and expression parsers.
//!
//! All syntax characters are ASCII, so the cursor works on bytes and only cuts
//! the source at ASCII positions; slicing therefore never splits a UTF-8 char.

use crate::error::{ParseError, line_col};

/// Nesting bound for blocks, expressions and interpolated strings.
pub(crate) const MAX_PARSE_DEPTH: usize = 64;

pub(crate) struct Cursor<'a> {
    pub(crate) src: &'a str,
    pub(crate) b: &'a [u8],
    pub(crate) pos: usize,
    /// Offset of `src` inside the outermost template, for error positions.
    pub(crate) base: usize,
    pub(crate) root: &'a str,
    pub(crate) depth: usize,
    /// False inside interpolated string literals.
    pub(crate) top: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(src: &'a str, root: &'a str, base: usize, depth: usize) -> Self {
        Cursor {
            src,
            b: src.as_bytes(),
            pos: 0,
            base,
            root,
            depth,
            top: true,
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, off: usize) -> Option<u8> {
        self.b.get(self.pos + off).copied()
    }

    pub(crate) fn starts_with(&self, s: &str) -> bool {
        self.b
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(s.as_bytes()))
    }

    pub(crate) fn slice(&self, from: usize, to: usize) -> &'a str {
        self.src.get(from..to).unwrap_or("")
    }

    /// Absolute offset of the current position in the outermost template.
    pub(crate) fn abs(&self, pos: usize) -> usize {
        self.base + pos
    }

    pub(crate) fn error(&self, pos: usize, message: impl Into<String>) -> ParseError {
        let (line, column) = line_col(self.root, self.abs(pos));
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }

    /// Skips spaces, tabs and newlines.
    pub(crate) fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Skips spaces and tabs only.
    pub(crate) fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Consumes `[ \t]*` followed by a newline, if present (Velocity's gobbling).
    pub(crate) fn eat_trailing_newline(&mut self) {
        let mut p = self.pos;
        while matches!(self.b.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        match self.b.get(p) {
            Some(b'\n') => self.pos = p + 1,
            Some(b'\r') => {
                self.pos = if self.b.get(p + 1) == Some(&b'\n') {
                    p + 2
                } else {
                    p + 1
                }
            }
            _ => {}
        }
    }

    /// Reads an identifier (`[A-Za-z_][A-Za-z0-9_-]*`) at the cursor.
    pub(crate) fn ident(&mut self) -> Option<&'a str> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.pos += 1,
            _ => return None,
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            self.pos += 1;
        }
        Some(self.slice(start, self.pos))
    }

    /// Reads a directive or macro name (`[A-Za-z_][A-Za-z0-9_]*`).
    pub(crate) fn word(&mut self) -> Option<&'a str> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.pos += 1,
            _ => return None,
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        Some(self.slice(start, self.pos))
    }

    pub(crate) fn expect(&mut self, c: u8, what: &str) -> Result<(), ParseError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(self.pos, format!("expected {what}")))
        }
    }

    pub(crate) fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(self.error(self.pos, "template nests too deeply"));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}
