//! Group commit: one thread owns the write connection; callers send it operations and await
//! the answer, which comes only after the transaction holding their change is committed
//! (`synchronous=FULL`: on disk).
//!
//! The thread takes every operation already waiting (up to `max_batch`), runs each inside its
//! own SAVEPOINT of one IMMEDIATE transaction, commits once, then answers them all: N
//! concurrent requests share one fsync instead of paying N. An operation that fails is rolled
//! back to its savepoint alone; the others still commit. If the commit itself fails (disk
//! full, I/O error), every operation of the batch is answered with that error and nothing of
//! it is kept. Other processes (`staff`) take SQLite's write lock between batches: IMMEDIATE
//! waits for it up to the busy timeout.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::sql_error;
use crate::StoreError;

/// Expired rows are deleted at most this often (and at open).
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One operation to run in the writer's transaction.
trait Work: Send {
    /// Runs the operation; `true` when it succeeded (its changes stay).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller once the batch's fate is known (`Err`: not committed).
    fn finish(self: Box<Self>, committed: Result<(), &Failure>);
}

/// A batch-wide failure (begin or commit), handed to every operation of the batch.
pub(super) struct Failure {
    operation: &'static str,
    code: Option<rusqlite::ErrorCode>,
    message: String,
}

impl Failure {
    fn of(operation: &'static str, e: &rusqlite::Error) -> Failure {
        Failure {
            operation,
            code: e.sqlite_error_code(),
            message: e.to_string(),
        }
    }

    fn to_error(&self, path: &Path) -> StoreError {
        StoreError::Sqlite {
            path: path.to_path_buf(),
            operation: self.operation,
            code: self.code,
            message: self.message.clone(),
        }
    }
}

struct Op<T, F> {
    work: Option<F>,
    result: Option<Result<T, StoreError>>,
    /// `None` once answered.
    reply: Option<oneshot::Sender<Result<T, StoreError>>>,
    /// Answer as soon as the operation ran, before the commit (see [`Writer::write_early`]).
    early: bool,
    path: PathBuf,
}

impl<T, F> Work for Op<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let work = self.work.take().expect("an operation runs once");
        let result = work(conn);
        let ok = result.is_ok();
        if self.early {
            if let Some(reply) = self.reply.take() {
                let _ = reply.send(result);
            }
            return ok;
        }
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), &Failure>) {
        let Some(reply) = self.reply else {
            return; // answered early
        };
        let answer = match (self.result, committed) {
            // Its own failure says more than the batch's.
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(failure)) => Err(failure.to_error(&self.path)),
            (None, Ok(())) => unreachable!("finished without running in a committed batch"),
        };
        // The caller may have gone (request cancelled); the change is committed regardless.
        let _ = reply.send(answer);
    }
}

/// The handle callers use; cheap to clone.
#[derive(Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Box<dyn Work>>,
    path: PathBuf,
}

impl Writer {
    /// Starts the writer thread on `conn` (already migrated).
    pub(super) fn start(conn: Connection, path: &Path, max_batch: usize) -> Writer {
        let (jobs, queue) = mpsc::channel::<Box<dyn Work>>();
        let thread_path = path.to_path_buf();
        std::thread::Builder::new()
            .name("mikke-store-writer".into())
            .spawn(move || run(conn, queue, max_batch.max(1), &thread_path))
            .expect("the writer thread starts");
        Writer {
            jobs,
            path: path.to_path_buf(),
        }
    }

    /// Runs `work` in the writer's next transaction and returns its result once committed.
    pub(super) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.send(work, false).await
    }

    /// As [`Writer::write`], but answered as soon as `work` ran, before its batch commits: for
    /// facts whose loss in a crash harms nobody and that must not cost a request a second
    /// commit wait (rate counters: a counter lost to a power cut only lets a client a few
    /// more posts). A failed commit then loses the change silently.
    pub(super) async fn write_early<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.send(work, true).await
    }

    async fn send<T, F>(&self, work: F, early: bool) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let op = Op {
            work: Some(work),
            result: None,
            reply: Some(reply),
            early,
            path: self.path.clone(),
        };
        let gone = || StoreError::Sqlite {
            path: self.path.clone(),
            operation: "write",
            code: None,
            message: "the store's writer thread has stopped".into(),
        };
        self.jobs.send(Box::new(op)).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

fn run(conn: Connection, queue: mpsc::Receiver<Box<dyn Work>>, max_batch: usize, path: &Path) {
    let mut last_sweep = Instant::now();
    // Ends when every handle (every clone of the store) is dropped.
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
        if last_sweep.elapsed() >= SWEEP_EVERY {
            if let Err(e) = super::sweep(&conn) {
                tracing::warn!(error = %sql_error(path, "sweep", e), "expired rows not deleted");
            }
            last_sweep = Instant::now();
        }
    }
}

fn run_batch(conn: &Connection, batch: Vec<Box<dyn Work>>) {
    let mut done: Vec<Box<dyn Work>> = Vec::with_capacity(batch.len());
    let mut open = false;
    let mut jobs = batch.into_iter();
    while let Some(mut job) = jobs.next() {
        if !open {
            if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
                // The lock stayed taken for the whole busy timeout (another process): the
                // rest of the batch would wait as long again, so it is answered now.
                let failure = Failure::of("begin", &e);
                job.finish(Err(&failure));
                for rest in jobs.by_ref() {
                    rest.finish(Err(&failure));
                }
                break;
            }
            open = true;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT op") {
            job.finish(Err(&Failure::of("savepoint", &e)));
            continue;
        }
        if job.run(conn) {
            let _ = conn.execute_batch("RELEASE op");
            done.push(job);
            continue;
        }
        if conn.is_autocommit() {
            // SQLite rolled the whole transaction back (it may on disk-full and I/O errors):
            // the batch's earlier changes are gone too, so say so, and start afresh.
            let lost = Failure {
                operation: "write",
                code: Some(rusqlite::ErrorCode::SystemIoFailure),
                message: "the transaction was rolled back by an error of another write".into(),
            };
            for earlier in done.drain(..) {
                earlier.finish(Err(&lost));
            }
            open = false;
        } else {
            let _ = conn.execute_batch("ROLLBACK TO op; RELEASE op");
        }
        // It failed: it answers with its own error, whatever the batch does.
        job.finish(Ok(()));
    }
    if !open {
        return;
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            for job in done {
                job.finish(Ok(()));
            }
        }
        Err(e) => {
            let failure = Failure::of("commit", &e);
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            for job in done {
                job.finish(Err(&failure));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_is_rolled_back_alone_and_the_rest_of_its_batch_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .unwrap();
        let writer = Writer::start(conn, &path, 64);
        let writes = (0..50).map(|n: i64| {
            let writer = writer.clone();
            tokio::spawn(async move {
                writer
                    .write(move |conn| {
                        conn.execute("INSERT INTO t VALUES (?1)", [n])
                            .map_err(|e| sql_error(Path::new("w"), "insert", e))?;
                        // Every fifth fails after writing: its row must not stay.
                        if n % 5 == 0 {
                            return Err(StoreError::Invalid {
                                what: "n",
                                reason: "a multiple of five".into(),
                            });
                        }
                        Ok(n)
                    })
                    .await
            })
        });
        let mut ok = 0;
        for w in writes {
            if w.await.unwrap().is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 40);
        let reader = Connection::open(&path).unwrap();
        let (count, fives): (i64, i64) = reader
            .query_row("SELECT count(*), sum(n % 5 = 0) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, fives), (40, 0));
    }
}
