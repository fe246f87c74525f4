//! The what-if lens (issue 12): the user stops one or more plants, for some weeks or for good,
//! and sees what the region's plan loses. The core answers (`crate::resilience::what_if`) on a
//! worker thread, as the plan is solved (`super::plan_panel`), and the answer is swapped in when
//! ready; the UI never waits. The map draws it (`super::map::whatif`); this panel lists the
//! exchanges lost, the tonnes not delivered, what the stores bridge, which backups take over,
//! the cost to each company and, for good, the plan solved again against the plan before.
//! In workshop mode it is set large, and figures that would give a confidential company's money
//! away are withheld as everywhere else (`crate::disclosure`, `crate::plan::Withheld`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use egui::{Color32, RichText, Ui};

use crate::buffer::Simulation;
use crate::cli::thousands;
use crate::matching::Engine;
use crate::model::Region;
use crate::plan::Withheld;
use crate::resilience::{what_if, Side, Stop, WhatIf};

use super::app::{Command, SymbiomapApp};
use super::map::whatif::{LensDrawing, BROKEN_COLOUR, HOLDS_COLOUR};
use super::plan_panel::{PlanKey, Solved};

/// The stop's length when the lens opens.
pub const DEFAULT_WEEKS: u32 = 4;

/// What the user asks of the lens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LensCommand {
    /// Open the lens with this plant (index into the region's facilities) stopped alone.
    Open(usize),
    /// Stop this plant too.
    Add(usize),
    /// Let this plant run again.
    Remove(usize),
    /// For so many weeks (1 to 52), or for good (`None`).
    SetWeeks(Option<u32>),
    /// Close the lens: the map is as before.
    Close,
}

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

struct Running {
    key: LensKey,
    rx: Receiver<Result<Scenario, String>>,
    started_s: f64,
    progress: Arc<Mutex<String>>,
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
    running: Option<Running>,
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
        self.running.as_ref().map(|r| now_s - r.started_s)
    }

    /// What the running what-if last reported.
    pub fn progress(&self) -> Option<String> {
        let r = self.running.as_ref()?;
        r.progress.lock().ok().map(|p| p.clone())
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
        let (tx, rx) = mpsc::channel();
        let progress = Arc::new(Mutex::new(String::from("stopping the plants")));
        let report = Arc::clone(&progress);
        let spawned = std::thread::Builder::new()
            .name("whatif".into())
            .spawn(move || {
                let result = work_out(&region, solved, key_for_worker, &mut |line| {
                    if let Ok(mut p) = report.lock() {
                        line.clone_into(&mut p);
                    }
                });
                let _ = tx.send(result);
                done();
            });
        match spawned {
            Ok(_) => {
                self.running = Some(Running {
                    key: key.clone(),
                    rx,
                    started_s: now_s,
                    progress,
                });
            }
            Err(e) => self.error = Some(format!("no thread for the what-if: {e}")),
        }
    }

    /// Takes in a finished what-if (one for an earlier choice is kept until the next comes).
    /// Returns the facilities to fit into view when the answer is about other plants than the
    /// one before (not when only the duration changed).
    pub fn poll(&mut self) -> Option<Vec<usize>> {
        let running = self.running.as_ref()?;
        match running.rx.try_recv() {
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.running = None;
                self.error = Some("the what-if stopped without an answer".into());
                None
            }
            Ok(result) => {
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
        &super::plan_panel::plan_options(key.plan),
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
    let mut withheld_totals = false;
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

/// The facilities of the plan a user may stop, by name: its companies (senders, receivers,
/// hub hosts).
fn plan_facilities(app: &SymbiomapApp) -> Vec<(usize, String)> {
    let region = &app.doc.region;
    let mut out: Vec<(usize, String)> = app
        .plan
        .solved
        .as_ref()
        .map(|s| {
            s.outcome
                .report
                .companies
                .iter()
                .filter_map(|c| Some((c.facility, region.facilities.get(c.facility)?.name.clone())))
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    out
}

/// Larger type for a room: the panel's text styles times `factor`.
fn enlarge(ui: &mut Ui, factor: f32) {
    for font in ui.style_mut().text_styles.values_mut() {
        font.size *= factor;
    }
}

/// The lens panel (left of the map while the lens is open).
pub fn show(ui: &mut Ui, app: &SymbiomapApp, out: &mut Vec<Command>) {
    if app.workshop {
        enlarge(ui, 1.2);
    }
    let lens = &app.lens;
    let region = &app.doc.region;
    ui.horizontal(|ui| {
        ui.heading("What if plants stop");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("Close the lens")
                .on_hover_text("Back to the normal map")
                .clicked()
            {
                out.push(Command::Lens(LensCommand::Close));
            }
        });
    });
    ui.label(
        RichText::new(
            "The region's plan with these plants stopped: what is lost, what stores and \
             backups bridge, and what it costs each company.",
        )
        .weak(),
    );
    ui.add_space(4.0);
    ui.strong("Stopped");
    for id in &lens.stop {
        let Some(f) = region.facility_index(id) else {
            ui.colored_label(BROKEN_COLOUR, format!("{id}: no longer in the region"));
            continue;
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new(&region.facilities[f].name).strong());
            if ui.small_button("Let it run").clicked() {
                out.push(Command::Lens(LensCommand::Remove(f)));
            }
        });
    }
    if lens.stop.is_empty() {
        ui.label(
            RichText::new("No plant stopped: add one below, or from the inspector.").italics(),
        );
    }
    let choices: Vec<(usize, String)> = plan_facilities(app)
        .into_iter()
        .filter(|(f, _)| !lens.stops(region, *f))
        .collect();
    if !choices.is_empty() {
        egui::ComboBox::from_id_salt("lens-add")
            .selected_text("Stop another plant of the plan...")
            .width(ui.available_width().min(320.0))
            .show_ui(ui, |ui| {
                for (f, name) in &choices {
                    if ui.selectable_label(false, name).clicked() {
                        out.push(Command::Lens(LensCommand::Add(*f)));
                    }
                }
            });
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let mut weeks = lens.weeks.unwrap_or(DEFAULT_WEEKS);
        if ui.radio(lens.weeks.is_some(), "for").clicked() && lens.weeks.is_none() {
            out.push(Command::Lens(LensCommand::SetWeeks(Some(weeks))));
        }
        let r = ui.add_enabled(
            lens.weeks.is_some(),
            egui::DragValue::new(&mut weeks)
                .range(1..=52)
                .suffix(" weeks"),
        );
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::SpinButton, true, "Weeks"));
        if r.changed() {
            out.push(Command::Lens(LensCommand::SetWeeks(Some(weeks))));
        }
        if ui
            .radio(lens.weeks.is_none(), "for good")
            .on_hover_text("The plan is solved again without them.")
            .clicked()
        {
            out.push(Command::Lens(LensCommand::SetWeeks(None)));
        }
    });
    let now = ui.input(|i| i.time);
    if let Some(t) = lens.running_for_s(now) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("working it out... {t:.0} s"));
        });
        if let Some(line) = lens.progress() {
            ui.label(RichText::new(line).weak().small());
        }
    } else if app.plan.is_running() && !lens.stop.is_empty() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("solving the region's plan first...");
        });
    }
    if let Some(e) = lens.error.as_ref().or(app.plan.error.as_ref()) {
        ui.colored_label(BROKEN_COLOUR, format!("No answer: {e}"));
    }
    let Some(s) = &lens.scenario else {
        return;
    };
    ui.separator();
    if s.key != lens.key(app.plan_key()) {
        ui.label(RichText::new("Shown: the answer before your last change.").italics());
    }
    egui::ScrollArea::vertical()
        .id_salt("lens-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| scenario(ui, app, s, out));
}

fn scenario(ui: &mut Ui, app: &SymbiomapApp, s: &Scenario, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    let cur = region.currency.as_str();
    let w = &s.what;
    let o = &s.plan.outcome;
    let hide_totals = app.workshop && s.withheld_totals;
    let money = |v: f64, hidden: bool| {
        if hidden {
            "(confidential)".to_owned()
        } else {
            format!("{} {cur}", thousands(v))
        }
    };
    let cost = |v: f64, hidden: bool| {
        if hidden {
            "cost confidential".to_owned()
        } else {
            format!("{} {cur}", thousands(v))
        }
    };
    let name = |f: usize| {
        region
            .facilities
            .get(f)
            .map_or_else(|| "?".to_owned(), |x| x.name.clone())
    };
    let period = match w.stop.weeks {
        Some(n) => format!("over {n} weeks ({:.0} days)", w.days),
        None => "a year, for good".to_owned(),
    };
    ui.label(
        RichText::new(format!(
            "{} exchanges lost: {} t not delivered {period}",
            w.lost.len(),
            thousands(w.tonnes_not_delivered)
        ))
        .strong()
        .color(BROKEN_COLOUR),
    );
    ui.label(format!("Value lost: {}", money(w.value_lost, hide_totals)));
    if w.stop.weeks.is_some() {
        ui.label(format!(
            "Stores bridge {} t (to be made up after the restart); backups replace {} t.",
            thousands(w.tonnes_covered),
            thousands(w.tonnes_replaced)
        ));
    }
    ui.label(
        RichText::new(if hide_totals {
            format!(
                "T3: {:.1} % of the plan's tonnes lost, {:.1} % after backups' spare capacity.",
                100.0 * w.loss.gross_tonnes_share,
                100.0 * w.loss.residual_tonnes_share
            )
        } else {
            format!(
                "T3: {:.1} % of the plan's value lost ({:.1} % of its tonnes), {:.1} % ({:.1} %) after backups' spare capacity.",
                100.0 * w.loss.gross_value_share,
                100.0 * w.loss.gross_tonnes_share,
                100.0 * w.loss.residual_value_share,
                100.0 * w.loss.residual_tonnes_share
            )
        })
        .weak(),
    );
    if let Some(r) = &w.replan {
        ui.add_space(4.0);
        ui.label(RichText::new("The plan solved again without them").strong());
        if hide_totals {
            ui.label(format!(
                "{} exchanges (before: {}); {} carry more. Values confidential.",
                r.report.exchanges.len(),
                o.report.exchanges.len(),
                r.increased.len()
            ));
        } else {
            ui.label(format!(
                "{}/yr against {}/yr before: {}/yr less ({}, {} exchanges, {} carry more).",
                money(r.solution.objective, false),
                money(o.solution.objective, false),
                thousands(o.solution.objective - r.solution.objective),
                r.solution.status,
                r.report.exchanges.len(),
                r.increased.len()
            ));
        }
        for &f in &r.dropped_requirements {
            ui.label(format!("{}: its requirement is dropped.", name(f)));
        }
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        legend_swatch(ui, BROKEN_COLOUR, "broken");
        legend_swatch(
            ui,
            HOLDS_COLOUR,
            if w.replan.is_some() {
                "carries more in the new plan"
            } else {
                "backup takes over"
            },
        );
    });
    ui.separator();
    ui.label(RichText::new(format!("Exchanges lost ({})", w.lost.len())).strong());
    for (k, l) in w.lost.iter().enumerate() {
        let Some(e) = o.report.exchanges.get(l.exchange) else {
            continue;
        };
        let (Some(from), Some(to)) = (
            region.facilities.get(e.from_facility),
            region.facilities.get(e.to_facility),
        ) else {
            continue;
        };
        let (Some(stream), Some(need)) = (from.outputs.get(e.stream), to.needs.get(e.need)) else {
            continue;
        };
        let hidden = app.workshop
            && s.withheld_exchanges
                .get(l.exchange)
                .copied()
                .unwrap_or(false);
        let unit = stream.unit.symbol();
        let need_unit = need.unit.symbol();
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            let title = format!("{} -> {}", from.name, to.name);
            if ui
                .link(RichText::new(title).strong())
                .on_hover_text("Show this pair on the map")
                .clicked()
            {
                out.push(Command::ShowExchange {
                    from_facility: e.from_facility,
                    stream: e.stream,
                    to_facility: e.to_facility,
                    need: e.need,
                });
            }
            ui.label(format!(
                "{} -> {}: {} {unit} not delivered ({} t), value {}",
                stream.material.replace('_', " "),
                need.material.replace('_', " "),
                thousands(l.source_units),
                thousands(l.tonnes),
                money(l.value, hidden)
            ));
            match &l.buffer {
                Some(Ok(b)) if b.sizing.capacity_t < 0.5 => {
                    ui.label(format!(
                        "No store: a steady flow needs none, so nothing bridges the {:.0} days.",
                        w.days
                    ));
                    if b.short_days > 0.0 {
                        ui.colored_label(
                            Color32::from_rgb(190, 100, 0),
                            format!(
                                "The receiver runs short {:.1} days before its usual supply can arrive.",
                                b.short_days
                            ),
                        );
                    }
                }
                Some(Ok(b)) => {
                    let kind = crate::buffer::StorageCatalogue::builtin()
                        .ok()
                        .and_then(|c| c.kind(&b.sizing.storage_kind))
                        .map_or(b.sizing.storage_kind.as_str(), |k| k.name.as_str());
                    let what = if l.side == Side::Outlet {
                        "takes the sender's deliveries for"
                    } else {
                        "carries the receiver for"
                    };
                    ui.label(format!(
                        "Store: {kind} of {} t ({:.1} days of cover when full); it {what} {:.1} of {:.0} days ({} t).",
                        thousands(b.sizing.capacity_t),
                        b.sizing.days_of_cover,
                        b.covered_days,
                        w.days,
                        thousands(l.covered_tonnes)
                    ));
                    if b.short_days > 0.0 {
                        ui.colored_label(
                            Color32::from_rgb(190, 100, 0),
                            format!(
                                "The receiver runs short {:.1} days before its usual supply can arrive.",
                                b.short_days
                            ),
                        );
                    }
                }
                Some(Err(why)) => {
                    ui.label(RichText::new(format!("No store: {why}")).weak());
                }
                None => {}
            }
            let takers = s.takers.get(k).map_or(&[][..], Vec::as_slice);
            let (rest, rest_unit, whom) = match l.side {
                Side::Supplier => (
                    format!("{} {need_unit} bought as today", thousands(l.fallback_units)),
                    need_unit,
                    "the receiver needs another supply",
                ),
                Side::Outlet => (
                    format!("{} {unit} to today's outlet", thousands(l.fallback_units)),
                    unit,
                    "the sender needs another outlet",
                ),
                Side::None => (String::new(), unit, "both stopped: nothing to replace"),
            };
            if l.side == Side::None {
                ui.label(whom);
            } else if takers.is_empty() {
                ui.label(format!(
                    "No backup takes over ({whom}): {rest}, {}.",
                    cost(l.fallback_cost, hidden)
                ));
            } else {
                let names: Vec<String> = takers
                    .iter()
                    .map(|&(f, q)| format!("{} ({} {rest_unit}/yr)", name(f), thousands(q)))
                    .collect();
                ui.label(
                    RichText::new(format!(
                        "Backups take {:.0} %: {}",
                        100.0 * l.replaced_share,
                        names.join(", ")
                    ))
                    .color(HOLDS_COLOUR),
                );
                if l.fallback_units > 0.0 {
                    ui.label(format!(
                        "The rest: {rest}, {}.",
                        cost(l.fallback_cost, hidden)
                    ));
                }
            }
        });
    }
    ui.separator();
    ui.label(
        RichText::new(format!(
            "Cost to each company ({cur}, {}; negative: it gains)",
            if w.stop.weeks.is_some() {
                "over the stop"
            } else {
                "a year"
            }
        ))
        .strong(),
    );
    egui::Grid::new("lens-companies")
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            for c in &w.companies {
                let label = if c.stopped {
                    format!("{} (stopped)", name(c.facility))
                } else {
                    name(c.facility)
                };
                ui.label(label);
                if app.workshop && s.withheld_companies.contains(&c.facility) {
                    ui.label("confidential");
                } else {
                    ui.label(thousands(c.cost));
                }
                ui.end_row();
            }
        });
    ui.add_space(4.0);
    ui.label(
        RichText::new(format!(
            "Worked out in {:.1} s (T3's greedy replacement; stores at the built-in 95 % service level). See docs/RESILIENCE.md.",
            s.seconds
        ))
        .weak()
        .small(),
    );
}

fn legend_swatch(ui: &mut Ui, colour: Color32, text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(22.0, 10.0), egui::Sense::hover());
    ui.painter().line_segment(
        [rect.left_center(), rect.right_center()],
        egui::Stroke::new(4.0, colour),
    );
    ui.label(text);
}
