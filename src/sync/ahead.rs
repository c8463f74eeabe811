//! A listing read ahead by a thread of its own, so that reading and splitting rows
//! overlaps building the volume files.

use super::source::{RawRow, SourceReader};
use std::io;
use std::sync::mpsc;
use std::thread::Scope;

/// Rows per batch read ahead: large enough that handing batches over costs little.
const BATCH: usize = 512;

/// Batches read ahead and not yet taken.
const BATCHES: usize = 4;

/// A listing read ahead by a thread of its own, in batches of rows whose buffers come
/// back to it to be filled again.
pub struct ReadAhead {
    batches: mpsc::Receiver<io::Result<Vec<RawRow>>>,
    recycle: mpsc::Sender<Vec<RawRow>>,
}

impl ReadAhead {
    /// Starts reading `source` on a thread of `scope`. The thread stops at the end of the
    /// listing, after an error (handed on), or when this is dropped.
    pub fn spawn<'scope>(scope: &'scope Scope<'scope, '_>, mut source: SourceReader) -> io::Result<ReadAhead> {
        let (send, batches) = mpsc::sync_channel(BATCHES);
        let (recycle, recycled) = mpsc::channel::<Vec<RawRow>>();
        std::thread::Builder::new().name("sync-reader".to_string()).spawn_scoped(scope, move || {
            loop {
                let mut rows = recycled.try_recv().unwrap_or_default();
                let mut n = 0;
                let more = loop {
                    if n == BATCH {
                        break Ok(true);
                    }
                    if n == rows.len() {
                        rows.push(RawRow::default());
                    }
                    match source.next_row(&mut rows[n]) {
                        Ok(true) => n += 1,
                        Ok(false) => break Ok(false),
                        Err(e) => break Err(e),
                    }
                };
                rows.truncate(n);
                let (batch, stop) = match more {
                    Ok(more) => (Ok(rows), !more),
                    Err(e) => (Err(e), true),
                };
                if send.send(batch).is_err() || stop {
                    return;
                }
            }
        })?;
        Ok(ReadAhead { batches, recycle })
    }

    /// The next batch of rows (never empty but at the end); `None` after the last.
    pub fn next_batch(&mut self) -> Option<io::Result<Vec<RawRow>>> {
        self.batches.recv().ok()
    }

    /// Gives a batch's buffers back to the reading thread.
    pub fn give_back(&self, rows: Vec<RawRow>) {
        let _ = self.recycle.send(rows);
    }
}
