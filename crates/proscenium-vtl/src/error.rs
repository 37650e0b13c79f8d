//! Error types: every error carries a 1-based line and column and a message.
//!
//! Positions are computed from byte offsets only when an error is built, so the
//! hot rendering path never tracks lines.

use thiserror::Error;

/// A template that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("template parse error at line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Why rendering stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderErrorKind {
    /// A Java method threw (index out of range, bad regex, invalid JSON, …).
    Invocation,
    /// A configured limit was exceeded.
    Limit,
    /// A construct API Gateway does not offer (`#parse`, `#include`).
    Unsupported,
    /// A template given to `#evaluate` did not parse.
    Evaluate,
}

/// A failure while rendering a compiled template.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("template render error at line {line}, column {column}: {message}")]
pub struct RenderError {
    pub kind: RenderErrorKind,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Turns a byte offset into a 1-based (line, column), counting columns in chars.
pub(crate) fn line_col(src: &str, pos: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    for (i, ch) in src.char_indices() {
        if i >= pos {
            break;
        }
        if ch == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

/// An error raised during evaluation before its position is resolved. Boxed
/// so that the `Result`s threaded through every evaluation step stay small.
#[derive(Debug, Clone)]
pub(crate) struct EvalError(Box<EvalErrorInner>);

#[derive(Debug, Clone)]
struct EvalErrorInner {
    kind: RenderErrorKind,
    pos: usize,
    message: String,
}

impl EvalError {
    pub(crate) fn new(kind: RenderErrorKind, pos: usize, message: impl Into<String>) -> Self {
        EvalError(Box::new(EvalErrorInner {
            kind,
            pos,
            message: message.into(),
        }))
    }

    /// Re-anchors the error (used for errors inside `#evaluate` strings).
    pub(crate) fn at(mut self, pos: usize) -> Self {
        self.0.pos = pos;
        self
    }

    pub(crate) fn into_render(self, src: &str) -> RenderError {
        let inner = *self.0;
        let (line, column) = line_col(src, inner.pos);
        RenderError {
            kind: inner.kind,
            line,
            column,
            message: inner.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("é\nx", 3), (2, 1));
    }
}
