//! Writing access and execution log lines to files under `{data_dir}/logs/` without ever
//! blocking a request: lines go into a bounded channel (dropped and counted when it is full)
//! drained by one writer thread that appends to files opened on demand.
//!
//! A file that cannot be written is reported once (`tracing::warn`) and its lines dropped;
//! requests never fail because of logging. `flush` waits until every line sent before it is
//! written (graceful shutdown).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

/// Lines that may wait for the writer before new ones are dropped.
pub const CHANNEL_CAPACITY: usize = 65_536;

enum Msg {
    Line(Arc<Path>, String),
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The sending side, shared by every request.
#[derive(Debug)]
pub struct LogSink {
    root: PathBuf,
    tx: SyncSender<Msg>,
    dropped: AtomicU64,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Msg")
    }
}

impl LogSink {
    /// Starts the writer thread for files under `{data_dir}/logs`.
    pub fn start(data_dir: &Path) -> std::io::Result<LogSink> {
        let root = data_dir.join("logs");
        let (tx, rx) = sync_channel(CHANNEL_CAPACITY);
        std::thread::Builder::new()
            .name("proscenium-logs".into())
            .spawn(move || writer(rx))?;
        Ok(LogSink {
            root,
            tx,
            dropped: AtomicU64::new(0),
        })
    }

    /// The directory files are written under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `{root}/{relative}`, with `..`, `.` and absolute parts removed.
    pub fn file(&self, relative: &str) -> Arc<Path> {
        let mut p = self.root.clone();
        for c in Path::new(relative).components() {
            if let Component::Normal(part) = c {
                p.push(part);
            }
        }
        Arc::from(p.as_path())
    }

    /// Queues `line` (a newline is added); never blocks.
    pub fn send(&self, file: &Arc<Path>, line: String) {
        match self.tx.try_send(Msg::Line(file.clone(), line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Lines dropped because the writer could not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Waits until every line queued before this call is written and flushed.
    pub async fn flush(&self) {
        let (ack, done) = tokio::sync::oneshot::channel();
        let mut msg = Msg::Flush(ack);
        loop {
            match self.tx.try_send(msg) {
                Ok(()) => break,
                Err(TrySendError::Full(m)) => {
                    msg = m;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
        let _ = done.await;
    }
}

struct Open {
    writer: Option<BufWriter<File>>,
    warned: bool,
}

fn writer(rx: Receiver<Msg>) {
    let mut files: HashMap<Arc<Path>, Open> = HashMap::new();
    while let Ok(first) = rx.recv() {
        let mut acks = Vec::new();
        let mut next = Some(first);
        while let Some(msg) = next {
            match msg {
                Msg::Line(path, line) => write_line(&mut files, path, &line),
                Msg::Flush(ack) => acks.push(ack),
            }
            next = rx.try_recv().ok();
        }
        for open in files.values_mut() {
            if let Some(w) = &mut open.writer
                && let Err(e) = w.flush()
            {
                tracing::warn!("could not write a log file: {e}");
                open.writer = None;
            }
        }
        for ack in acks {
            let _ = ack.send(());
        }
    }
}

fn write_line(files: &mut HashMap<Arc<Path>, Open>, path: Arc<Path>, line: &str) {
    let open = files.entry(path.clone()).or_insert(Open {
        writer: None,
        warned: false,
    });
    if open.writer.is_none() {
        match open_append(&path) {
            Ok(f) => open.writer = Some(BufWriter::with_capacity(64 * 1024, f)),
            Err(e) => {
                if !open.warned {
                    tracing::warn!(path = %path.display(), "cannot write log file: {e}");
                    open.warned = true;
                }
                return;
            }
        }
    }
    if let Some(w) = &mut open.writer {
        let ok = w
            .write_all(line.as_bytes())
            .and_then(|()| w.write_all(b"\n"));
        if let Err(e) = ok {
            if !open.warned {
                tracing::warn!(path = %path.display(), "cannot write log file: {e}");
                open.warned = true;
            }
            open.writer = None;
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_written_and_flushed() {
        let dir = std::env::temp_dir().join(format!("proscenium-logsink-{}", std::process::id()));
        let sink = LogSink::start(&dir).unwrap();
        let f = sink.file("../../a/b.log");
        assert!(f.starts_with(dir.join("logs")));
        for i in 0..100 {
            sink.send(&f, format!("line {i}"));
        }
        sink.flush().await;
        let text = std::fs::read_to_string(&f).unwrap();
        assert_eq!(text.lines().count(), 100);
        assert_eq!(text.lines().last(), Some("line 99"));
        // An unwritable destination is reported, never fatal.
        let blocked = dir.join("logs").join("blocked");
        std::fs::write(&blocked, "a file, not a directory").unwrap();
        let bad = sink.file("blocked/x.log");
        sink.send(&bad, "lost".into());
        sink.flush().await;
        assert!(!bad.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
