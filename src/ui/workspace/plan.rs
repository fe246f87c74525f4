//! The region's optimal plan as the app keeps it: solved on a worker thread whenever the region
//! or the plan's settings change, and swapped in when ready; the UI never waits on the solver.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use crate::matching::Engine;
use crate::model::Region;
use crate::plan::{plan_region, Outcome, PlanOptions};

/// Longest a solve on the worker may take; the plan found by then is shown with its gap.
pub const TIME_LIMIT_S: f64 = 60.0;

/// What a plan was solved for: the region's revision and the plan's own settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanKey {
    pub revision: u64,
    pub exchange_cost_per_yr: f64,
}

/// The options the app solves the plan of `key` with (and solves it again with, for a what-if
/// stop for good).
pub fn plan_options(key: PlanKey) -> PlanOptions {
    PlanOptions {
        exchange_cost_per_yr: key.exchange_cost_per_yr,
        time_limit_s: Some(TIME_LIMIT_S),
        mip_rel_gap: Some(1e-4),
        ..PlanOptions::default()
    }
}

/// A finished plan.
pub struct Solved {
    pub key: PlanKey,
    pub outcome: Outcome,
}

struct Running {
    key: PlanKey,
    rx: Receiver<Result<Solved, String>>,
    started_s: f64,
    /// The solver's last progress line (what phase it is in).
    progress: Arc<Mutex<String>>,
}

/// The Plan tab's state, kept by the app.
#[derive(Default)]
pub struct PlanState {
    /// The latest plan (perhaps of an earlier revision while the next one is solved).
    pub solved: Option<Arc<Solved>>,
    running: Option<Running>,
    pub error: Option<String>,
    /// The user's cost per exchange and year (makes exchanges all or nothing).
    pub exchange_cost_per_yr: f64,
}

impl PlanState {
    /// The plan, if it is of the region as it is now.
    pub fn current(&self, key: PlanKey) -> Option<&Arc<Solved>> {
        self.solved.as_ref().filter(|s| s.key == key)
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Seconds the running solve has taken, at `now_s`.
    pub fn running_for_s(&self, now_s: f64) -> Option<f64> {
        self.running.as_ref().map(|r| now_s - r.started_s)
    }

    /// What the running solve last reported.
    pub fn progress(&self) -> Option<String> {
        let r = self.running.as_ref()?;
        r.progress.lock().ok().map(|p| p.clone())
    }

    /// Starts a solve for `key` unless one is running for it or its plan is here. `done` is
    /// called from the worker when it has finished.
    pub fn ensure(
        &mut self,
        key: PlanKey,
        region: &Region,
        now_s: f64,
        done: impl FnOnce() + Send + 'static,
    ) {
        if self.current(key).is_some() || self.running.as_ref().is_some_and(|r| r.key == key) {
            return;
        }
        // A solve of an older revision runs on; its result is dropped when it comes.
        let region = region.clone();
        let (tx, rx) = mpsc::channel();
        let progress = Arc::new(Mutex::new(String::from("searching the region")));
        let report = Arc::clone(&progress);
        let options = plan_options(key);
        let spawned = std::thread::Builder::new()
            .name("plan".into())
            .spawn(move || {
                let result = Engine::new(&region)
                    .map_err(|e| e.to_string())
                    .and_then(|engine| {
                        let hubs = crate::hubs::resolve(&region, &crate::hubs::HubsFile::default())
                            .map_err(|e| e.to_string())?;
                        plan_region(&engine, &region, &hubs, &options, &mut |line| {
                            if let Ok(mut p) = report.lock() {
                                line.clone_into(&mut p);
                            }
                        })
                        .map_err(|e| e.to_string())
                    })
                    .map(|outcome| Solved { key, outcome });
                let _ = tx.send(result);
                done();
            });
        match spawned {
            Ok(_) => {
                self.running = Some(Running {
                    key,
                    rx,
                    started_s: now_s,
                    progress,
                });
            }
            Err(e) => self.error = Some(format!("no thread for the solver: {e}")),
        }
    }

    /// Takes in a finished solve.
    pub fn poll(&mut self) {
        let Some(running) = &self.running else {
            return;
        };
        match running.rx.try_recv() {
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                self.running = None;
                self.error = Some("the solver stopped without a plan".into());
            }
            Ok(result) => {
                self.running = None;
                match result {
                    Ok(solved) => {
                        self.error = None;
                        self.solved = Some(Arc::new(solved));
                    }
                    Err(e) => self.error = Some(e),
                }
            }
        }
    }
}
