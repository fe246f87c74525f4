//! The region's optimal plan as the app keeps it: solved on a worker thread whenever the region
//! or the plan's settings change, and swapped in when ready; the UI never waits on the solver.

use std::sync::Arc;

use crate::matching::Engine;
use crate::model::Region;
use crate::plan::{plan_region, Outcome, PlanOptions};

use super::job::{Job, Polled};

/// Longest a plan on the worker may take (search and solve; `PlanOptions::time_limit_s`); the
/// plan found by then is shown with its gap.
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

/// The Plan tab's state, kept by the app.
#[derive(Default)]
pub struct PlanState {
    /// The latest plan (perhaps of an earlier revision while the next one is solved).
    pub solved: Option<Arc<Solved>>,
    running: Option<Job<PlanKey, Solved>>,
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
        self.running.as_ref().map(|r| r.running_for_s(now_s))
    }

    /// What the running solve last reported.
    pub fn progress(&self) -> Option<String> {
        self.running.as_ref()?.progress()
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
        let options = plan_options(key);
        let job = Job::spawn(
            "plan",
            key,
            now_s,
            "searching the region",
            move |progress| {
                let engine = Engine::new(&region).map_err(|e| e.to_string())?;
                let hubs = crate::hubs::resolve(&region, &crate::hubs::HubsFile::default())
                    .map_err(|e| e.to_string())?;
                plan_region(&engine, &region, &hubs, &options, progress)
                    .map_err(|e| e.to_string())
                    .map(|outcome| Solved { key, outcome })
            },
            done,
        );
        match job {
            Ok(job) => self.running = Some(job),
            Err(e) => self.error = Some(e),
        }
    }

    /// Takes in a finished solve.
    pub fn poll(&mut self) {
        let Some(running) = &self.running else {
            return;
        };
        let Polled::Done(result) = running.poll("solver") else {
            return;
        };
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
