//! One piece of long work on a worker thread (a plan's solve, a what-if), for the key it was
//! asked for, with its last progress line; the UI polls it and never waits.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

/// A job running on a worker thread.
pub struct Job<K, T> {
    pub key: K,
    rx: Receiver<Result<T, String>>,
    started_s: f64,
    /// The worker's last progress line.
    progress: Arc<Mutex<String>>,
}

/// What [`Job::poll`] found.
pub enum Polled<T> {
    /// Still working.
    Running,
    /// Done, with its result.
    Done(Result<T, String>),
}

impl<K, T: Send + 'static> Job<K, T> {
    /// Starts `work` on a thread named `name`; it reports progress through the function it is
    /// given, and `done` is called from the worker when it has finished (to wake the UI).
    /// `Err` names why no thread could be started.
    pub fn spawn(
        name: &str,
        key: K,
        now_s: f64,
        first_line: &str,
        work: impl FnOnce(&mut dyn FnMut(&str)) -> Result<T, String> + Send + 'static,
        done: impl FnOnce() + Send + 'static,
    ) -> Result<Self, String> {
        let (tx, rx) = mpsc::channel();
        let progress = Arc::new(Mutex::new(first_line.to_owned()));
        let report = Arc::clone(&progress);
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let result = work(&mut |line| {
                    if let Ok(mut p) = report.lock() {
                        line.clone_into(&mut p);
                    }
                });
                let _ = tx.send(result);
                done();
            })
            .map_err(|e| format!("no thread for the {name}: {e}"))?;
        Ok(Self {
            key,
            rx,
            started_s: now_s,
            progress,
        })
    }

    /// Seconds it has taken, at `now_s`.
    pub fn running_for_s(&self, now_s: f64) -> f64 {
        now_s - self.started_s
    }

    /// What it last reported.
    pub fn progress(&self) -> Option<String> {
        self.progress.lock().ok().map(|p| p.clone())
    }

    /// Whether it has finished, and with what; a worker that ended without an answer (it
    /// panicked) is an error naming `what`.
    pub fn poll(&self, what: &str) -> Polled<T> {
        match self.rx.try_recv() {
            Err(TryRecvError::Empty) => Polled::Running,
            Err(TryRecvError::Disconnected) => {
                Polled::Done(Err(format!("the {what} stopped without an answer")))
            }
            Ok(result) => Polled::Done(result),
        }
    }
}
