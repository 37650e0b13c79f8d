//! The activity log's file: `{data-dir}/logs/cloudtrail.jsonl`, one CloudTrail event per
//! line, appended and flushed to disk (`fdatasync`) before the call that made it is answered,
//! rotated by size (`cloudtrail.jsonl.1` … `.{KEEP}`, oldest dropped), and read back newest
//! first for `GET /_proscenium/activity`.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;

use crate::activity::Filter;

/// A file is rotated when an event would take it past this size.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated files kept.
pub const KEEP: usize = 5;

pub struct ActivityLog {
    dir: PathBuf,
    max_bytes: u64,
    file: Mutex<Option<File>>,
}

impl ActivityLog {
    /// Opens (creating) `{data_dir}/logs/`.
    pub fn open(data_dir: &Path) -> std::io::Result<ActivityLog> {
        ActivityLog::with_limit(data_dir, MAX_FILE_BYTES)
    }

    pub fn with_limit(data_dir: &Path, max_bytes: u64) -> std::io::Result<ActivityLog> {
        let dir = data_dir.join("logs");
        std::fs::create_dir_all(&dir)?;
        Ok(ActivityLog {
            dir,
            max_bytes,
            file: Mutex::new(None),
        })
    }

    fn current(&self) -> PathBuf {
        self.dir.join("cloudtrail.jsonl")
    }

    fn rotated(&self, n: usize) -> PathBuf {
        self.dir.join(format!("cloudtrail.jsonl.{n}"))
    }

    /// Appends one event and syncs it to disk. Blocking: call from a blocking task.
    pub fn append(&self, event: &Value) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(event)?;
        line.push(b'\n');
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let size = match guard.as_ref() {
            Some(f) => f.metadata()?.len(),
            None => std::fs::metadata(self.current()).map_or(0, |m| m.len()),
        };
        if size > 0 && size + line.len() as u64 > self.max_bytes {
            *guard = None;
            for n in (1..KEEP).rev() {
                let from = self.rotated(n);
                if from.exists() {
                    std::fs::rename(&from, self.rotated(n + 1))?;
                }
            }
            std::fs::rename(self.current(), self.rotated(1))?;
        }
        if guard.is_none() {
            *guard = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.current())?,
            );
        }
        let file = guard
            .as_mut()
            .ok_or_else(|| std::io::Error::other("no file"))?;
        let written = file.write_all(&line).and_then(|()| file.sync_data());
        if written.is_err() {
            // Reopen next time: a partial line is never followed by another on the same handle.
            *guard = None;
        }
        written
    }

    /// The events matching `filter`, newest first, at most `limit`. Blocking.
    pub fn read(&self, filter: &Filter, limit: usize) -> std::io::Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut files = vec![self.current()];
        files.extend((1..=KEEP).map(|n| self.rotated(n)));
        for path in files {
            let Ok(f) = File::open(&path) else { continue };
            let mut events: Vec<Value> = BufReader::new(f)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
                .filter(|e| filter.matches(e))
                .collect();
            events.reverse();
            for e in events {
                if out.len() >= limit {
                    return Ok(out);
                }
                out.push(e);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn appends_rotates_and_reads_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let log = ActivityLog::with_limit(dir.path(), 200).unwrap();
        for i in 0..12 {
            log.append(&json!({"eventName": "CreateStage", "n": i, "pad": "x".repeat(40)}))
                .unwrap();
        }
        assert!(dir.path().join("logs/cloudtrail.jsonl.1").exists());
        let all = log.read(&Filter::default(), 100).unwrap();
        let ns: Vec<i64> = all.iter().map(|e| e["n"].as_i64().unwrap()).collect();
        // Newest first; the oldest may have been rotated away.
        assert_eq!(ns[0], 11);
        assert!(ns.windows(2).all(|w| w[0] == w[1] + 1));
        assert_eq!(log.read(&Filter::default(), 3).unwrap().len(), 3);
        let none = Filter {
            operation: Some("DeleteStage".into()),
            ..Filter::default()
        };
        assert!(log.read(&none, 100).unwrap().is_empty());
    }
}
