//! What the panels read: the document, the selection, the plan, the what-if lens, the workshop
//! walk and the figures computed once per revision of the region. The app owns one
//! [`Workspace`] and hands it to the panels read-only; the panels answer with commands
//! ([`super::command::Command`]), so they never see the app itself.

mod job;
mod lens;
mod plan;
mod projects;

pub use lens::{LensKey, LensState, Scenario, DEFAULT_WEEKS};
pub use plan::{plan_options, PlanKey, PlanState, Solved, TIME_LIMIT_S};
pub use projects::ProjectChecks;

use crate::document::{Document, StreamView};
use crate::model::Settings;
use crate::pipeline::Verdict;

use super::command::{Tab, WalkList};

/// The possible suppliers of each need of one facility (hits per need, in its needs' order).
pub type SuppliersPerNeed = std::rc::Rc<Vec<Vec<crate::matching::PairHit>>>;

/// The store sized for one candidate ([`crate::resilience::pair_buffer`]), or why none is.
pub type PairBuffer = std::rc::Rc<Result<crate::buffer::BufferSizing, String>>;

/// A candidate's store: sized, or being sized on a worker thread.
pub enum PairBufferState {
    Sizing(std::sync::mpsc::Receiver<Result<crate::buffer::BufferSizing, String>>),
    Done(PairBuffer),
}

/// Where the walk is.
#[derive(Clone, Debug, Default)]
pub struct Walk {
    pub list: WalkList,
    pub index: usize,
}

/// How many opportunities the walk offers.
pub const OPPORTUNITIES: usize = 20;

pub struct Workspace {
    pub doc: Document,
    pub selected_facility: Option<usize>,
    /// A candidate hub site (index into the region's hubs).
    pub selected_hub: Option<usize>,
    pub selected_stream: Option<(usize, usize)>,
    pub selected_candidate: Option<usize>,
    pub stream_view: Option<StreamView>,
    /// Presentation layout for a room (F5).
    pub workshop: bool,
    /// What the side panel shows.
    pub tab: Tab,
    /// Bumped when another document is opened (with its revision, what autosave tracks).
    pub doc_generation: u64,
    /// Every project's agreement judged and readiness, for the current revision.
    project_checks: std::cell::RefCell<ProjectChecks>,
    /// Where the workshop walk is.
    pub walk: Walk,
    /// The region's optimal plan, solved on a worker.
    pub plan: PlanState,
    /// The what-if lens: plants stopped, worked out on a worker against the plan.
    pub lens: LensState,
    /// The region's best exchanges, for one revision of the region.
    opportunities:
        std::cell::RefCell<Option<(u64, std::rc::Rc<Vec<crate::pipeline::Opportunity>>)>>,
    /// The possible suppliers of each need of one facility, for one revision of the region:
    /// ((revision, facility), hits per need).
    suppliers: std::cell::RefCell<Option<((u64, usize), SuppliersPerNeed)>>,
    /// The stores sized for the candidates selected, for one revision of the
    /// region: (revision, (sender, stream, receiver, need) -> sizing).
    buffers: std::cell::RefCell<(u64, std::collections::HashMap<[usize; 4], PairBufferState>)>,
    /// The engine's verdicts on the proposals, for one revision of the region.
    verdicts: std::cell::RefCell<Option<(u64, std::rc::Rc<Vec<Verdict>>)>>,
    /// To repaint when a worker has finished.
    pub egui_ctx: egui::Context,
}

impl Workspace {
    pub fn new(doc: Document, ctx: &egui::Context) -> Self {
        Self {
            doc,
            selected_facility: None,
            selected_hub: None,
            selected_stream: None,
            selected_candidate: None,
            stream_view: None,
            workshop: false,
            project_checks: std::cell::RefCell::default(),
            tab: Tab::Inspector,
            doc_generation: 0,
            verdicts: std::cell::RefCell::new(None),
            suppliers: std::cell::RefCell::new(None),
            buffers: std::cell::RefCell::new((u64::MAX, std::collections::HashMap::new())),
            walk: Walk::default(),
            plan: PlanState::default(),
            lens: LensState::default(),
            opportunities: std::cell::RefCell::new(None),
            egui_ctx: ctx.clone(),
        }
    }

    /// Every project's agreement judged and its readiness, computed once per revision.
    pub fn project_checks(&self) -> std::cell::Ref<'_, ProjectChecks> {
        self.project_checks
            .borrow_mut()
            .refresh(&self.doc, self.doc_generation, self.workshop);
        self.project_checks.borrow()
    }

    pub fn autosave_revision(&self) -> u64 {
        (self.doc_generation << 40) | self.doc.revision
    }

    /// The engine's verdict on every proposal (computed once per change of the region).
    pub fn proposal_verdicts(&self) -> std::rc::Rc<Vec<Verdict>> {
        let key = self.autosave_revision();
        if let Some((k, v)) = &*self.verdicts.borrow() {
            if *k == key {
                return v.clone();
            }
        }
        let v = std::rc::Rc::new(
            self.doc
                .region
                .proposals
                .iter()
                .map(|p| crate::pipeline::evaluate_proposal(&self.doc.engine, &self.doc.region, p))
                .collect::<Vec<_>>(),
        );
        *self.verdicts.borrow_mut() = Some((key, v.clone()));
        v
    }

    /// The region's best exchanges (computed once per change of the region).
    pub fn opportunities(&self) -> std::rc::Rc<Vec<crate::pipeline::Opportunity>> {
        let key = self.autosave_revision();
        if let Some((k, v)) = &*self.opportunities.borrow() {
            if *k == key {
                return v.clone();
            }
        }
        let v = std::rc::Rc::new(crate::pipeline::top_opportunities(
            &self.doc.engine,
            &self.doc.region,
            OPPORTUNITIES,
        ));
        *self.opportunities.borrow_mut() = Some((key, v.clone()));
        v
    }

    /// The possible suppliers of each need of facility `f` (in the order of its needs), best
    /// first: the search from each need ([`crate::matching::Engine::search_demand`]), near
    /// misses and failed checks included, as the candidates of a stream are listed. Computed
    /// once per change of the region.
    pub fn suppliers(&self, f: usize) -> SuppliersPerNeed {
        let key = (self.autosave_revision(), f);
        if let Some((k, v)) = &*self.suppliers.borrow() {
            if *k == key {
                return v.clone();
            }
        }
        let engine = &self.doc.engine;
        let region = &self.doc.region;
        let options = crate::matching::SearchOptions {
            reach_factor: crate::document::NEAR_MISS_FACTOR,
            include_failed: true,
        };
        let needs = region.facilities.get(f).map_or(0, |x| x.needs.len());
        let v = std::rc::Rc::new(
            (0..needs)
                .map(|n| {
                    let mut hits: Vec<crate::matching::PairHit> = Vec::new();
                    if let Some(d) = engine.demand_index(f, n) {
                        engine.search_demand(region, d, &options, &mut hits);
                    }
                    hits.sort_by(|a, b| {
                        b.viable
                            .cmp(&a.viable)
                            .then(b.net_value_per_unit.total_cmp(&a.net_value_per_unit))
                    });
                    hits
                })
                .collect::<Vec<_>>(),
        );
        *self.suppliers.borrow_mut() = Some((key, v.clone()));
        v
    }

    /// The store candidate `c` needs ([`crate::resilience::pair_buffer`]: its flow's pattern
    /// against the receiver's months, at the region's service level), sized once per change of
    /// the region, the first time it is asked for: the inputs here, the seeded simulation of
    /// 1 000 years on a worker thread. `None` while it runs (the app is repainted when it ends).
    pub fn pair_buffer(&self, c: &crate::matching::Candidate) -> Option<PairBuffer> {
        let revision = self.autosave_revision();
        let key = [c.from_facility, c.stream, c.to_facility, c.need];
        let mut cache = self.buffers.borrow_mut();
        if cache.0 != revision {
            *cache = (revision, std::collections::HashMap::new());
        }
        let state =
            cache.1.entry(key).or_insert_with(|| {
                match crate::resilience::pair_buffer_input(
                    &self.doc.engine,
                    &self.doc.region,
                    &crate::resilience::PairFlow::of_candidate(c),
                    crate::buffer::Simulation::default(),
                ) {
                    Err(e) => PairBufferState::Done(std::rc::Rc::new(Err(e.to_string()))),
                    Ok(input) => {
                        let (tx, rx) = std::sync::mpsc::channel();
                        let ctx = self.egui_ctx.clone();
                        let spawned = std::thread::Builder::new()
                            .name("store-sizing".into())
                            .spawn(move || {
                                let _ = tx.send(
                                    crate::buffer::size_buffer(&input).map_err(|e| e.to_string()),
                                );
                                ctx.request_repaint();
                            });
                        match spawned {
                            Ok(_) => PairBufferState::Sizing(rx),
                            Err(e) => PairBufferState::Done(std::rc::Rc::new(Err(format!(
                                "no thread to size it on: {e}"
                            )))),
                        }
                    }
                }
            });
        if let PairBufferState::Sizing(rx) = state {
            match rx.try_recv() {
                Ok(result) => *state = PairBufferState::Done(std::rc::Rc::new(result)),
                Err(std::sync::mpsc::TryRecvError::Empty) => return None,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    *state = PairBufferState::Done(std::rc::Rc::new(Err(
                        "the sizing stopped before it ended".to_owned(),
                    )));
                }
            }
        }
        match state {
            PairBufferState::Done(b) => Some(b.clone()),
            PairBufferState::Sizing(_) => None,
        }
    }

    /// What the plan is solved for now.
    pub fn plan_key(&self) -> PlanKey {
        PlanKey {
            revision: self.autosave_revision(),
            exchange_cost_per_yr: self.plan.exchange_cost_per_yr,
        }
    }

    /// The settings being edited in the inspector, for sliders.
    pub fn settings(&self) -> &Settings {
        &self.doc.region.settings
    }

    /// How many items the walk's list has.
    pub fn walk_len(&self) -> usize {
        match self.walk.list {
            WalkList::Opportunities => self.opportunities().len(),
            WalkList::Proposals => self.doc.region.proposals.len(),
            WalkList::Plan => self
                .plan
                .solved
                .as_ref()
                .map_or(0, |s| s.outcome.report.exchanges.len()),
            WalkList::Projects => self.doc.region.projects.len(),
        }
    }
}
