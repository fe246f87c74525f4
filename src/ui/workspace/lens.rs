//! The what-if lens as the app keeps it: the plants the user stopped, for how long, and the
//! answer (`crate::resilience::what_if`) worked out on a worker thread against the plan and
//! swapped in when ready; the UI never waits.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::buffer::Simulation;
use crate::matching::Engine;
use crate::model::Region;
use crate::plan::Withheld;
use crate::resilience::{what_if, Side, Stop, WhatIf};

use super::job::{Job, Polled};
use super::plan::{PlanKey, Solved};
use crate::ui::command::LensCommand;
use crate::ui::map::whatif::LensDrawing;

/// The stop's length when the lens opens.
pub const DEFAULT_WEEKS: u32 = 4;

/// What a what-if was worked out for: the plan's key, the stopped plants and the duration.
#[derive(Clone, Debug, PartialEq)]
pub struct LensKey {
    pub plan: PlanKey,
    /// Ids of the stopped facilities, sorted.
    pub stop: Vec<String>,
    /// `None`: for good.
    pub weeks: Option<u32>,
}

/// A finished what-if, with what the panel and the map need of it.
pub struct Scenario {
    pub key: LensKey,
    /// The plan it was worked out on.
    pub plan: Arc<Solved>,
    pub what: WhatIf,
    pub drawing: LensDrawing,
    /// In workshop mode: per plan exchange whether its money is withheld, and the companies
    /// whose cost is (confidential, or trading with a confidential company in the plan or a
    /// backup).
    pub withheld_exchanges: Vec<bool>,
    pub withheld_companies: BTreeSet<usize>,
    /// The totals (value lost, T3 by value, the plan solved again) would give a withheld
    /// exchange's money away.
    pub withheld_totals: bool,
    /// Per lost exchange (in `what.lost`'s order): the backups taking it over, as (partner
    /// facility, replaced need units or source units a year).
    pub takers: Vec<Vec<(usize, f64)>>,
    /// Seconds the worker took.
    pub seconds: f64,
}

/// The lens's state, kept by the app.
pub struct LensState {
    pub open: bool,
    /// Ids of the stopped plants, in the order chosen.
    pub stop: Vec<String>,
    /// `None`: for good.
    pub weeks: Option<u32>,
    /// The latest answer (perhaps of an earlier choice while the next one is worked out).
    pub scenario: Option<Arc<Scenario>>,
    running: Option<Job<LensKey, Scenario>>,
    pub error: Option<String>,
}

impl Default for LensState {
    fn default() -> Self {
        Self {
            open: false,
            stop: Vec::new(),
            weeks: Some(DEFAULT_WEEKS),
            scenario: None,
            running: None,
            error: None,
        }
    }
}

impl LensState {
    /// Applies one command (the app calls it from its command loop).
    pub fn apply(&mut self, region: &Region, command: &LensCommand) {
        let id = |f: usize| region.facilities.get(f).map(|x| x.id.clone());
        match command {
            LensCommand::Open(f) => {
                if let Some(id) = id(*f) {
                    self.open = true;
                    self.stop = vec![id];
                    self.error = None;
                }
            }
            LensCommand::Add(f) => {
                if let Some(id) = id(*f) {
                    self.open = true;
                    if !self.stop.contains(&id) {
                        self.stop.push(id);
                    }
                }
            }
            LensCommand::Remove(f) => {
                if let Some(id) = id(*f) {
                    self.stop.retain(|s| *s != id);
                }
                if self.stop.is_empty() {
                    // Nothing stopped: nothing to show (the lens stays open for the next).
                    self.scenario = None;
                    self.running = None;
                }
            }
            LensCommand::SetWeeks(w) => self.weeks = w.map(|w| w.clamp(1, 52)),
            LensCommand::Close => {
                // The map goes back to normal; a what-if still running is dropped when it
                // comes.
                self.open = false;
                self.stop.clear();
                self.scenario = None;
                self.running = None;
                self.error = None;
            }
        }
    }

    /// Whether plant `f` is among the stopped ones.
    pub fn stops(&self, region: &Region, f: usize) -> bool {
        region
            .facilities
            .get(f)
            .is_some_and(|x| self.stop.contains(&x.id))
    }

    /// What the lens asks for now, on the plan of `plan`.
    pub fn key(&self, plan: PlanKey) -> LensKey {
        let mut stop = self.stop.clone();
        stop.sort();
        LensKey {
            plan,
            stop,
            weeks: self.weeks,
        }
    }

    /// The answer, if it is for `key`.
    pub fn current(&self, key: &LensKey) -> Option<&Arc<Scenario>> {
        self.scenario.as_ref().filter(|s| s.key == *key)
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Seconds the running what-if has taken, at `now_s`.
    pub fn running_for_s(&self, now_s: f64) -> Option<f64> {
        self.running.as_ref().map(|r| r.running_for_s(now_s))
    }

    /// What the running what-if last reported.
    pub fn progress(&self) -> Option<String> {
        self.running.as_ref()?.progress()
    }

    /// Starts working out `key` on `solved` (the plan of `key.plan`) unless it is running or
    /// here. `done` is called from the worker when it has finished.
    pub fn ensure(
        &mut self,
        key: &LensKey,
        region: &Region,
        solved: &Arc<Solved>,
        now_s: f64,
        done: impl FnOnce() + Send + 'static,
    ) {
        if key.stop.is_empty()
            || solved.key != key.plan
            || self.current(key).is_some()
            || self.running.as_ref().is_some_and(|r| r.key == *key)
        {
            return;
        }
        let region = region.clone();
        let solved = Arc::clone(solved);
        let key_for_worker = key.clone();
        let job = Job::spawn(
            "what-if",
            key.clone(),
            now_s,
            "stopping the plants",
            move |progress| work_out(&region, solved, key_for_worker, progress),
            done,
        );
        match job {
            Ok(job) => self.running = Some(job),
            Err(e) => self.error = Some(e),
        }
    }

    /// Takes in a finished what-if (one for an earlier choice is kept until the next comes).
    /// Returns the facilities to fit into view when the answer is about other plants than the
    /// one before (not when only the duration changed).
    pub fn poll(&mut self) -> Option<Vec<usize>> {
        let Polled::Done(result) = self.running.as_ref()?.poll("what-if") else {
            return None;
        };
        self.running = None;
        match result {
            Ok(s) => {
                self.error = None;
                let moved = self
                    .scenario
                    .as_ref()
                    .is_none_or(|before| before.key.stop != s.key.stop);
                let fit = moved.then(|| s.drawing.involved.clone());
                self.scenario = Some(Arc::new(s));
                fit
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}

/// The worker's job: the what-if on the plan, its drawing and what workshop mode withholds.
fn work_out(
    region: &Region,
    solved: Arc<Solved>,
    key: LensKey,
    progress: &mut dyn FnMut(&str),
) -> Result<Scenario, String> {
    let started = std::time::Instant::now();
    let engine = Engine::new(region).map_err(|e| e.to_string())?;
    let stop =
        Stop::by_ids(region, &key.stop, key.weeks.map(f64::from)).map_err(|e| e.to_string())?;
    let outcome = &solved.outcome;
    let what = what_if(
        &engine,
        region,
        outcome,
        &stop,
        &super::plan::plan_options(key.plan),
        Simulation::default(),
        progress,
    )
    .map_err(|e| e.to_string())?;
    let drawing = LensDrawing::new(region, outcome, &what);
    let columns = &outcome.problem.columns;
    let exchanges = &outcome.report.exchanges;
    let takers: Vec<Vec<(usize, f64)>> = what
        .lost
        .iter()
        .map(|l| {
            let Some(e) = exchanges.get(l.exchange) else {
                return Vec::new();
            };
            what.takeovers
                .iter()
                .filter(|t| {
                    columns
                        .get(t.lost_column)
                        .is_some_and(|c| c.candidate == e.candidate)
                })
                .filter_map(|t| {
                    let b = columns.get(t.backup_column)?;
                    let partner = if l.side == Side::Outlet {
                        b.to_facility
                    } else {
                        b.from_facility
                    };
                    Some((partner as usize, t.replaced_per_yr))
                })
                .collect()
        })
        .collect();
    // Workshop mode withholds the money of exchanges with a confidential company, and each
    // company's gain where the equal split would give a confidential partner's margin away.
    let withheld = Withheld::new(region, outcome, false);
    let conf = |f: usize| crate::disclosure::confidential(region, f);
    let mut withheld_companies: BTreeSet<usize> = BTreeSet::new();
    let plan_company: BTreeMap<usize, bool> = outcome
        .report
        .companies
        .iter()
        .zip(&withheld.companies)
        .map(|(c, &w)| (c.facility, w))
        .collect();
    // The totals go when a lost exchange's money does, or when the plan's or the plan solved
    // again would fail the p %-rule (`crate::plan::totals_withheld`).
    let mut withheld_totals = withheld.totals
        || what
            .replan
            .as_ref()
            .is_some_and(|r| crate::plan::totals_withheld(region, &r.report, false));
    for l in &what.lost {
        if withheld.exchanges.get(l.exchange).copied().unwrap_or(false) {
            withheld_totals = true;
        }
    }
    for t in &what.takeovers {
        if let Some(b) = columns.get(t.backup_column) {
            let (from, to) = (b.from_facility as usize, b.to_facility as usize);
            if conf(from) || conf(to) {
                withheld_totals = true;
                withheld_companies.insert(from);
                withheld_companies.insert(to);
            }
        }
    }
    for c in &what.companies {
        if conf(c.facility) || plan_company.get(&c.facility).copied().unwrap_or(false) {
            withheld_companies.insert(c.facility);
        }
    }
    Ok(Scenario {
        key,
        plan: solved,
        what,
        drawing,
        withheld_exchanges: withheld.exchanges,
        withheld_companies,
        withheld_totals,
        takers,
        seconds: started.elapsed().as_secs_f64(),
    })
}
