//! The desktop app: state, the frame loop, and the one place where commands change things.
//!
//! Widgets never change the region or the selection directly: they push a [`Command`], and
//! [`SymbiomapApp::apply`] runs them after the frame is laid out. Edits go through
//! [`Document::apply`], which keeps the engine in step and marks the region unsaved.

use std::path::{Path, PathBuf};

use egui::{Color32, RichText};
use serde::{Deserialize, Serialize};
use walkers::{lon_lat, HttpOptions, HttpTiles, Map, MapMemory};

use crate::io::{csv_import, geojson, region_file};
use crate::model::{Region, Settings};

use super::editor::{self, FacilityForm};
use super::map::basemap::{BasemapLayer, Basemaps};
use super::map::facilities::{FacilitiesLayer, FacilityEvents, FacilityIndex};
use super::map::selection::SelectionLayer;
use super::map::{self as mapmod, ScreenTransform};
use super::pipeline_panel::{self, ProjectForm};
use super::recovery::{Autosave, Recoverable};
use super::theme::{self, Scale};
use super::tools::{MapTool, ProposalDraft, ToolAction, ToolState};
use super::workshop::{Walk, WalkList};
use super::{inspector, samples};
use crate::document::{Document, Edit, StreamView};
use crate::pipeline::Verdict;

/// Something the user asked for.
#[derive(Clone, Debug)]
pub enum Command {
    SelectFacility(Option<usize>),
    SelectStream {
        facility: usize,
        stream: usize,
    },
    SelectCandidate(Option<usize>),
    /// Open the edit form of a facility.
    EditFacility(usize),
    SetTool(MapTool),
    /// Select proposal `i`'s sites and fit them into the map.
    ShowProposal(usize),
    OpenProject(usize),
    CloseProject,
    ToggleBoard,
    /// Presentation layout on or off (F5).
    ToggleWorkshop,
    WalkList(WalkList),
    /// Go to item `i` of the walk: select the pair and fly the map to it.
    WalkTo(usize),
    /// Add a facility at this place and open its form.
    AddFacilityAt(crate::model::LatLon),
    /// Add a candidate hub site (a transfer station) at this place.
    AddHubAt(crate::model::LatLon),
    /// Select a candidate hub site and show it in the Plan tab.
    SelectHub(Option<usize>),
    ShowTab(Tab),
    ZoomToFit,
    ZoomToSelection,
    SetBasemap(Basemap),
    /// A change to the region, recorded for undo.
    Edit(Edit),
    Undo,
    Redo,
    ToggleHistory,
    New,
    OpenDialog,
    Open(PathBuf),
    /// One of the built-in sample regions.
    OpenSample(usize),
    Save,
    SaveAsDialog,
    SaveAs(PathBuf),
    ImportDialog,
    /// Ask how to import this file or folder: as a new region, or into the open one.
    Import(PathBuf),
    /// Import as a new region (`merge` false) or into the open region (`merge` true).
    ImportAs {
        path: PathBuf,
        merge: bool,
    },
    ExportDialog,
    Export(PathBuf),
    Quit,
    /// The user answered the unsaved-changes question.
    ResolvePending(PendingChoice),
    DismissMessage(usize),
    /// The plan's cost per exchange and year.
    SetPlanExchangeCost(f64),
    /// The what-if lens: stop plants, choose how long, close it.
    Lens(super::whatif_panel::LensCommand),
    /// Select a pair (the stream, then the candidate to the need) and fly the map to it.
    ShowExchange {
        from_facility: usize,
        stream: usize,
        to_facility: usize,
        need: usize,
    },
}

/// The map moving smoothly to another view.
#[derive(Clone, Copy, Debug)]
struct Flight {
    from: (f64, f64, f64),
    to: (f64, f64, f64),
    start_s: f64,
}

/// How long a flight takes.
const FLIGHT_S: f64 = 0.8;

/// What the side panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// The selected facility, its streams and candidates (or the region's overview).
    #[default]
    Inspector,
    /// Exchanges captured in workshops, evaluated.
    Proposals,
    /// The project pipeline.
    Projects,
    /// The region's optimal plan.
    Plan,
}

/// Which basemap draws under the facilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basemap {
    /// Natural Earth, built in: works offline.
    Embedded,
    /// OpenStreetMap tiles, cached on disk.
    OpenStreetMap,
}

/// The possible suppliers of each need of one facility (hits per need, in its needs' order).
pub type SuppliersPerNeed = std::rc::Rc<Vec<Vec<crate::matching::PairHit>>>;

/// The store sized for one candidate ([`crate::resilience::pair_buffer`]), or why none is.
pub type PairBuffer = std::rc::Rc<Result<crate::buffer::BufferSizing, String>>;

/// A candidate's store: sized, or being sized on a worker thread.
pub enum PairBufferState {
    Sizing(std::sync::mpsc::Receiver<Result<crate::buffer::BufferSizing, String>>),
    Done(PairBuffer),
}

/// An action waiting for the user to decide about unsaved changes.
#[derive(Clone, Debug)]
pub enum Pending {
    Open(PathBuf),
    OpenSample(usize),
    New,
    Import(PathBuf),
    Quit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingChoice {
    Save,
    Discard,
    Cancel,
}

/// What a path typed in the app (when no file dialog can open) is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathPurpose {
    Open,
    Import,
    SaveAs,
    Export,
}

/// The in-app path prompt.
#[derive(Clone, Debug)]
pub struct PathPrompt {
    pub purpose: PathPurpose,
    pub text: String,
}

/// The import window: the file or folder chosen, and whether it goes into the open region.
#[derive(Clone, Debug)]
pub struct ImportPrompt {
    pub path: PathBuf,
    pub merge: bool,
}

/// A message in the notification area.
#[derive(Clone, Debug)]
pub struct Message {
    pub error: bool,
    pub title: String,
    pub body: String,
    /// The document (its generation) the message is about: it goes when another region is
    /// opened. `None`: about something else (a recovery file), it stays until dismissed.
    pub about: Option<u64>,
}

/// What survives a restart (eframe persistence).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    pub last_region: Option<PathBuf>,
    pub recent: Vec<PathBuf>,
    /// `(lat, lon, zoom)` of the last view.
    pub view: Option<(f64, f64, f64)>,
    pub basemap: Option<Basemap>,
}

const PERSIST_KEY: &str = "symbiomap";

// The flags are independent switches of the UI (workshop mode, windows shown, quitting), not
// a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
pub struct SymbiomapApp {
    pub doc: Document,
    pub persisted: Persisted,
    pub map_memory: MapMemory,
    pub basemaps: Basemaps,
    basemap: Basemap,
    osm: Option<HttpTiles>,
    pub index: FacilityIndex,
    index_revision: u64,
    pub selected_facility: Option<usize>,
    /// A candidate hub site (index into the region's hubs).
    pub selected_hub: Option<usize>,
    pub selected_stream: Option<(usize, usize)>,
    pub selected_candidate: Option<usize>,
    pub stream_view: Option<StreamView>,
    stream_view_revision: u64,
    pub search: String,
    pub messages: Vec<Message>,
    pending: Option<Pending>,
    /// What the unsaved-changes question was about, once "Save" has asked where to save.
    after_save: Option<Pending>,
    pub path_prompt: Option<PathPrompt>,
    /// The import window, open once a file or folder to import is chosen.
    pub import_prompt: Option<ImportPrompt>,
    commands: Vec<Command>,
    fit_requested: bool,
    /// Online tiles are chosen but the one under the centre has not arrived.
    tiles_missing: bool,
    /// A short note in the status bar ("Undone: Move Delta Steel").
    pub status: String,
    /// The undo history window is open.
    pub show_history: bool,
    /// The user chose to close the window (after saving or discarding).
    quitting: bool,
    /// The facility being edited, in the side panel.
    pub form: Option<FacilityForm>,
    pub tools: ToolState,
    /// A link was drawn: the proposal being written.
    pub proposal_draft: Option<ProposalDraft>,
    /// Presentation layout for a room (F5).
    pub workshop: bool,
    /// What the side panel shows.
    pub tab: Tab,
    /// The map's projection at the last frame.
    transform: Option<ScreenTransform>,
    /// Writes the region to a recovery file while it is unsaved (`None`: no folder for it).
    autosave: Option<Autosave>,
    /// Work left by sessions that crashed, to offer back, newest first.
    pub recovery_offer: Vec<Recoverable>,
    /// Bumped when another document is opened (with its revision, what autosave tracks).
    doc_generation: u64,
    /// The project open in the Projects tab.
    pub project_form: Option<ProjectForm>,
    /// Every project's agreement judged and readiness, for the current revision.
    project_checks: std::cell::RefCell<pipeline_panel::ProjectChecks>,
    /// A project to open once the region has it.
    open_project: Option<usize>,
    pub show_board: bool,
    /// Exports leave out confidential facilities (always in workshop mode).
    pub export_omit_confidential: bool,
    /// Exports keep the money of exchanges with a confidential facility (never in workshop
    /// mode); off by default.
    pub export_include_confidential: bool,
    /// Where the workshop walk is.
    pub walk: Walk,
    /// The region's optimal plan, solved on a worker.
    pub plan: super::plan_panel::PlanState,
    /// The what-if lens: plants stopped, worked out on a worker against the plan.
    pub lens: super::whatif_panel::LensState,
    /// The region's best exchanges, for one revision of the region.
    opportunities:
        std::cell::RefCell<Option<(u64, std::rc::Rc<Vec<crate::pipeline::Opportunity>>)>>,
    /// After the stream view is computed, select the candidate to this (facility, need).
    pending_candidate: Option<(usize, usize)>,
    /// The map flying to a view: from, to, start time.
    flight: Option<Flight>,
    /// The possible suppliers of each need of one facility, for one revision of the region:
    /// ((revision, facility), hits per need).
    suppliers: std::cell::RefCell<Option<((u64, usize), SuppliersPerNeed)>>,
    /// The stores sized for the candidates selected, for one revision of the
    /// region: (revision, (sender, stream, receiver, need) -> sizing).
    buffers: std::cell::RefCell<(u64, std::collections::HashMap<[usize; 4], PairBufferState>)>,
    /// The engine's verdicts on the proposals, for one revision of the region.
    verdicts: std::cell::RefCell<Option<(u64, std::rc::Rc<Vec<Verdict>>)>>,
    /// The window title last sent.
    shown_title: String,
    /// Size of the map on screen at the last frame (for fitting a selection into it).
    map_size: egui::Vec2,
    scale: Scale,
    egui_ctx: egui::Context,
}

impl SymbiomapApp {
    /// Every project's agreement judged and its readiness, computed once per revision.
    pub fn project_checks(&self) -> std::cell::Ref<'_, pipeline_panel::ProjectChecks> {
        self.project_checks
            .borrow_mut()
            .refresh(&self.doc, self.doc_generation, self.workshop);
        self.project_checks.borrow()
    }

    /// Opens `path`, else the last region, else the first sample.
    pub fn new(cc: &eframe::CreationContext<'_>, path: Option<PathBuf>) -> Self {
        let persisted: Persisted = cc
            .storage
            .and_then(|s| eframe::get_value(s, PERSIST_KEY))
            .unwrap_or_default();
        let mut app = Self::with_state(&cc.egui_ctx, path, persisted);
        if let Some(autosave) = Autosave::for_this_process() {
            app.set_autosave(autosave);
        }
        app
    }

    /// Autosaves into `autosave`'s folder from now on, and offers back what crashed sessions
    /// left there.
    pub fn set_autosave(&mut self, autosave: Autosave) {
        let (found, unreadable) = autosave.left_behind();
        self.recovery_offer = found;
        for u in unreadable {
            // About a file on disk, not the region: it stays when another region opens.
            self.messages.push(Message {
                error: true,
                title: "A recovery file could not be read".to_owned(),
                body: format!(
                    "{}: {}\n\nIt is left where it is; open it in a text editor to rescue what you can.",
                    u.file.display(),
                    u.reason
                ),
                about: None,
            });
        }
        self.autosave = Some(autosave);
    }

    /// Writes the recovery file now and waits for it (what the timer does after a change).
    pub fn autosave_now(&mut self) {
        let revision = self.autosave_revision();
        if let Some(a) = &mut self.autosave {
            a.write_now(&self.doc.region, self.doc.path.as_deref(), revision);
        }
    }

    /// The app ends cleanly: nothing is left to recover.
    pub fn exit_cleanly(&mut self) {
        if let Some(a) = &mut self.autosave {
            a.remove();
        }
    }

    fn autosave_revision(&self) -> u64 {
        (self.doc_generation << 40) | self.doc.revision
    }

    /// The app without a window (tests, benchmarks).
    pub fn with_state(ctx: &egui::Context, path: Option<PathBuf>, persisted: Persisted) -> Self {
        // Light, like the map, and readable on a projector.
        ctx.set_theme(egui::Theme::Light);
        // The app starts out of workshop mode: egui keeps its zoom with its memory, so a
        // session that ended (or crashed) in workshop mode would come back zoomed.
        ctx.set_zoom_factor(1.0);
        let mut messages = Vec::new();
        let mut fit = true;
        let doc = {
            let asked = path.is_some();
            let wanted = path.or_else(|| persisted.last_region.clone());
            let loaded = wanted.map(|p| {
                let result = region_file::load(&p);
                (p, result)
            });
            match loaded {
                Some((p, Ok(region))) => {
                    fit = asked || persisted.view.is_none();
                    Document::new(region, Some(p)).ok()
                }
                Some((p, Err(e))) => {
                    messages.push(Message {
                        error: true,
                        title: format!("Could not open {}", p.display()),
                        body: e.to_string(),
                        about: Some(0),
                    });
                    None
                }
                None => None,
            }
        }
        .unwrap_or_else(|| {
            fit = true;
            samples::first_sample()
        });
        let mut map_memory = MapMemory::default();
        if let (false, Some((lat, lon, zoom))) = (fit, persisted.view) {
            map_memory.center_at(lon_lat(lon, lat));
            let _ = map_memory.set_zoom(zoom);
        }
        let basemap = persisted.basemap.unwrap_or(Basemap::Embedded);
        let index = FacilityIndex::new(&doc.region);
        let mut app = Self {
            index_revision: doc.facilities_revision,
            doc,
            persisted,
            map_memory,
            basemaps: Basemaps::new(ctx),
            basemap,
            osm: None,
            index,
            selected_facility: None,
            selected_hub: None,
            selected_stream: None,
            selected_candidate: None,
            stream_view: None,
            stream_view_revision: 0,
            search: String::new(),
            messages,
            pending: None,
            after_save: None,
            path_prompt: None,
            import_prompt: None,
            commands: Vec::new(),
            fit_requested: fit,
            map_size: egui::vec2(850.0, 750.0),
            shown_title: String::new(),
            tiles_missing: false,
            status: String::new(),
            show_history: false,
            quitting: false,
            form: None,
            tools: ToolState::default(),
            proposal_draft: None,
            workshop: false,
            project_checks: std::cell::RefCell::default(),
            tab: Tab::Inspector,
            transform: None,
            autosave: None,
            recovery_offer: Vec::new(),
            doc_generation: 0,
            project_form: None,
            open_project: None,
            show_board: false,
            export_omit_confidential: false,
            export_include_confidential: false,
            verdicts: std::cell::RefCell::new(None),
            suppliers: std::cell::RefCell::new(None),
            buffers: std::cell::RefCell::new((u64::MAX, std::collections::HashMap::new())),
            walk: Walk::default(),
            plan: super::plan_panel::PlanState::default(),
            lens: super::whatif_panel::LensState::default(),
            opportunities: std::cell::RefCell::new(None),
            pending_candidate: None,
            flight: None,
            scale: Scale::DESK,
            egui_ctx: ctx.clone(),
        };
        if basemap == Basemap::OpenStreetMap {
            app.ensure_osm();
        }
        app.remember_current_file();
        app
    }

    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Title bar text: the file name, and a dot while there are unsaved changes.
    pub fn title(&self) -> String {
        format!(
            "{}{} - Symbiomap",
            if self.doc.dirty { "\u{25cf} " } else { "" },
            self.doc.title()
        )
    }

    fn ensure_osm(&mut self) {
        if self.osm.is_none() {
            let cache = eframe::storage_dir("Symbiomap").map(|d| d.join("tile-cache"));
            let options = HttpOptions {
                cache,
                ..HttpOptions::default()
            };
            self.osm = Some(HttpTiles::with_options(
                walkers::sources::OpenStreetMap,
                options,
                self.egui_ctx.clone(),
            ));
        }
    }

    fn remember_current_file(&mut self) {
        // Absolute, so that the next start finds it from any working directory.
        if let Some(p) = self
            .doc
            .path
            .as_ref()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        {
            self.persisted.last_region = Some(p.clone());
            self.persisted.recent.retain(|r| *r != p);
            self.persisted.recent.insert(0, p);
            self.persisted.recent.truncate(8);
        }
    }

    fn error(&mut self, title: impl Into<String>, body: impl Into<String>) {
        self.messages.push(Message {
            error: true,
            title: title.into(),
            body: body.into(),
            about: Some(self.doc_generation),
        });
    }

    fn info(&mut self, title: impl Into<String>, body: impl Into<String>) {
        self.messages.push(Message {
            error: false,
            title: title.into(),
            body: body.into(),
            about: Some(self.doc_generation),
        });
    }

    /// Replaces the open document (the old one was saved or discarded). The status line and
    /// the messages about the old one go with it.
    fn set_document(&mut self, doc: Document) {
        self.doc = doc;
        self.project_form = None;
        self.doc_generation += 1;
        self.status.clear();
        self.messages.retain(|m| m.about.is_none());
        self.form = None;
        self.selected_facility = None;
        self.selected_hub = None;
        self.selected_stream = None;
        self.selected_candidate = None;
        self.stream_view = None;
        self.lens
            .apply(&self.doc.region, &super::whatif_panel::LensCommand::Close);
        self.index = FacilityIndex::new(&self.doc.region);
        self.index_revision = self.doc.facilities_revision;
        self.fit_requested = true;
        self.remember_current_file();
    }

    fn open(&mut self, path: &Path) {
        match region_file::load(path)
            .map_err(|e| e.to_string())
            .and_then(|region| {
                Document::new(region, Some(path.to_owned())).map_err(|e| e.to_string())
            }) {
            Ok(doc) => self.set_document(doc),
            Err(e) => self.error(
                format!("Could not open {}", path.display()),
                format!("{e}\n\nThe current region stays open."),
            ),
        }
    }

    /// Reads a folder of CSV tables, a single CSV file or a `GeoJSON` file into a region of
    /// its own.
    fn read_import(path: &Path) -> Result<(Region, csv_import::ImportReport), String> {
        let name = path.file_stem().map_or_else(
            || "Imported region".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        );
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        // A register (Hotmaps, E-PRTR) is known by its header; a folder of planner's tables
        // by its facilities.csv.
        if (is_csv || (path.is_dir() && !path.join("facilities.csv").exists())) && path.exists() {
            match crate::io::registers::detect(path) {
                Ok(Some(register)) => {
                    return crate::io::registers::import(path, register, &name)
                        .map(|i| (i.region, i.report))
                        .map_err(|e| e.to_string());
                }
                Ok(None) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        if path.is_dir() || is_csv {
            csv_import::import(&csv_import::CsvSources::for_path(path), &name)
                .map(|i| (i.region, i.report))
                .map_err(|e| e.to_string())
        } else {
            geojson::import(path, &name).map_err(|e| e.to_string())
        }
    }

    /// Imports into the open region: one edit (undone at once), collisions reported.
    fn import_merge(&mut self, path: &Path) {
        let (imported, report) = match Self::read_import(path) {
            Ok(x) => x,
            Err(e) => {
                self.error(
                    format!("Could not import {}", path.display()),
                    format!("{e}\n\nThe region is unchanged."),
                );
                return;
            }
        };
        let merge = crate::io::merge::plan(&self.doc.region, imported);
        let facilities = self.doc.region.facilities.len();
        let materials = self.doc.region.catalogue.materials.len();
        let mut edits: Vec<Edit> = Vec::new();
        for (i, f) in merge.facilities.into_iter().enumerate() {
            edits.push(Edit::InsertFacility {
                index: facilities + i,
                facility: Box::new(f),
            });
        }
        for (i, m) in merge.materials.into_iter().enumerate() {
            edits.push(Edit::InsertMaterial {
                index: materials + i,
                material: Box::new(m),
            });
        }
        if !edits.is_empty() {
            self.push(Command::Edit(Edit::Batch(edits)));
            self.fit_requested = true;
        }
        let m = &merge.report;
        let title = if m.collisions.is_empty() {
            format!("Imported {} into {}", path.display(), self.doc.region.name)
        } else {
            format!(
                "Imported {} into {}: {} id collision{}",
                path.display(),
                self.doc.region.name,
                m.collisions.len(),
                if m.collisions.len() == 1 { "" } else { "s" }
            )
        };
        self.messages.push(Message {
            error: !m.collisions.is_empty(),
            title,
            body: format!("{m}{report}"),
            about: Some(self.doc_generation),
        });
    }

    fn import(&mut self, path: &Path) {
        match Self::read_import(path) {
            Ok((region, report)) => match Document::new(region, None) {
                Ok(mut doc) => {
                    doc.mark_unsaved_origin();
                    self.set_document(doc);
                    self.info(format!("Imported {}", path.display()), report.to_string());
                }
                Err(e) => self.error("Import failed", e.to_string()),
            },
            Err(e) => self.error(
                format!("Could not import {}", path.display()),
                format!("{e}\n\nThe current region stays open."),
            ),
        }
    }

    fn save_to(&mut self, path: &Path) -> bool {
        match region_file::save(&self.doc.region, path) {
            Ok(()) => {
                self.doc.mark_saved(path.to_owned());
                self.remember_current_file();
                true
            }
            Err(e) => {
                self.error("Not saved", e.to_string());
                false
            }
        }
    }

    /// No file dialog could open: ask for the path in the app instead, and name the other
    /// ways in.
    pub fn ask_for_path(&mut self, purpose: PathPurpose) {
        let text = match purpose {
            PathPurpose::SaveAs => fallback_save_path(&self.doc.region),
            PathPurpose::Export => home_dir().join("facilities.geojson"),
            PathPurpose::Open | PathPurpose::Import => std::env::current_dir()
                .map(|d| d.join(""))
                .unwrap_or_default(),
        }
        .display()
        .to_string();
        self.path_prompt = Some(PathPrompt { purpose, text });
    }

    fn path_prompt_window(&mut self, ctx: &egui::Context) {
        let Some(prompt) = &mut self.path_prompt else {
            return;
        };
        let (title, verb) = match prompt.purpose {
            PathPurpose::Open => ("Open a region", "Open"),
            PathPurpose::Import => ("Import CSV or GeoJSON", "Import"),
            PathPurpose::SaveAs => ("Save the region as", "Save"),
            PathPurpose::Export => ("Export GeoJSON", "Export"),
        };
        let mut done: Option<bool> = None;
        egui::Window::new(title)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 60.0))
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.label(
                    "This system offers no file dialog (no desktop portal or zenity): type the \
                     path here.",
                );
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut prompt.text)
                        .desired_width(f32::INFINITY)
                        .hint_text("/path/to/file"),
                );
                edit.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Path"));
                if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    done = Some(true);
                }
                ui.horizontal(|ui| {
                    if ui.button(verb).clicked() {
                        done = Some(true);
                    }
                    if ui.button("Cancel").clicked() {
                        done = Some(false);
                    }
                });
                ui.separator();
                ui.weak(
                    "Other ways in: drop a region (.json), a facilities.csv or a .geojson file \
                     onto the window; File > Open recent; start with `symbiomap REGION.json`; \
                     or the command line (`symbiomap import`, `symbiomap export`).",
                );
            });
        match done {
            Some(true) => {
                let path = PathBuf::from(prompt.text.trim());
                let command = match prompt.purpose {
                    PathPurpose::Open => Command::Open(path),
                    PathPurpose::Import => Command::Import(path),
                    PathPurpose::SaveAs => Command::SaveAs(path),
                    PathPurpose::Export => Command::Export(path),
                };
                self.path_prompt = None;
                self.push(command);
            }
            Some(false) => {
                self.path_prompt = None;
                self.after_save = None;
            }
            None => {}
        }
    }

    /// Runs `change` on the document and keeps the selection on the same facility and stream
    /// (by id) when facilities were added or removed before it.
    fn keeping_selection<T>(&mut self, change: impl FnOnce(&mut Document) -> T) -> T {
        let region = &self.doc.region;
        let facility_id = self
            .selected_facility
            .and_then(|f| region.facilities.get(f))
            .map(|f| f.id.clone());
        let stream_id = self
            .selected_stream
            .and_then(|(f, s)| region.facilities.get(f)?.outputs.get(s))
            .map(|o| o.id.clone());
        let before = self.doc.facilities_revision;
        let result = change(&mut self.doc);
        if self.doc.facilities_revision != before {
            let region = &self.doc.region;
            self.selected_facility = facility_id.and_then(|id| region.facility_index(&id));
            self.selected_stream = stream_id
                .and_then(|id| region.output_index(&id))
                .filter(|(f, _)| Some(*f) == self.selected_facility);
            self.selected_candidate = None;
        }
        result
    }

    /// Runs the commands of this frame.
    pub fn apply(&mut self) {
        let commands = std::mem::take(&mut self.commands);
        for command in commands {
            self.apply_one(command);
        }
    }

    #[allow(clippy::too_many_lines)]
    fn apply_one(&mut self, command: Command) {
        match command {
            Command::SelectFacility(f) => {
                if self.form.as_ref().is_some_and(|form| Some(form.index) != f) {
                    self.form = None;
                }
                self.selected_facility = f;
                self.selected_candidate = None;
                self.selected_stream = f.and_then(|f| {
                    (!self.doc.region.facilities.get(f)?.outputs.is_empty()).then_some((f, 0))
                });
            }
            Command::SelectStream { facility, stream } => {
                self.selected_facility = Some(facility);
                self.selected_stream = Some((facility, stream));
                self.selected_candidate = None;
            }
            Command::SelectCandidate(c) => self.selected_candidate = c,
            Command::SetTool(t) => self.tools.set_tool(t),
            Command::ShowProposal(i) => {
                let region = &self.doc.region;
                if let Some(p) = region.proposals.get(i) {
                    let ends: Vec<usize> = [&p.from_facility, &p.to_facility]
                        .iter()
                        .filter_map(|id| region.facility_index(id))
                        .collect();
                    match p.stream.as_deref().and_then(|id| region.output_index(id)) {
                        Some((f, s)) => self.push(Command::SelectStream {
                            facility: f,
                            stream: s,
                        }),
                        None => self.push(Command::SelectFacility(ends.first().copied())),
                    }
                    self.fly_to(&ends);
                }
            }
            Command::OpenProject(i) => {
                // The project may have been added in this frame: open it from the region
                // once the edit is in.
                self.tab = Tab::Projects;
                self.open_project = Some(i);
            }
            Command::CloseProject => {
                self.project_form = None;
                self.open_project = None;
            }
            Command::ToggleBoard => self.show_board = !self.show_board,
            Command::ToggleWorkshop => self.set_workshop(!self.workshop),
            Command::WalkList(list) => {
                self.walk = Walk { list, index: 0 };
                self.push(Command::WalkTo(0));
            }
            Command::WalkTo(i) => self.walk_to(i),
            Command::ShowTab(t) => self.tab = t,
            Command::SetPlanExchangeCost(c) => self.plan.exchange_cost_per_yr = c,
            Command::Lens(c) => self.lens.apply(&self.doc.region, &c),
            Command::ShowExchange {
                from_facility,
                stream,
                to_facility,
                need,
            } => self.show_exchange(from_facility, stream, to_facility, need),
            Command::AddFacilityAt(p) => {
                let region = &self.doc.region;
                let id = region.fresh_id("F");
                let facility = crate::model::Facility::new(&id, &format!("New facility {id}"), p);
                let index = region.facilities.len();
                self.push(Command::Edit(Edit::InsertFacility {
                    index,
                    facility: Box::new(facility),
                }));
                self.push(Command::EditFacility(index));
            }
            Command::AddHubAt(p) => {
                let region = &self.doc.region;
                let id = region.fresh_id("H");
                let site = crate::hubs::HubSite {
                    name: format!("Hub site {id}"),
                    id,
                    location: p,
                    hub_type: "transfer_station".into(),
                    rail_siding: None,
                    quay: None,
                    extra: crate::model::Extra::new(),
                };
                let index = region.hubs.len();
                self.push(Command::Edit(Edit::InsertHub {
                    index,
                    site: Box::new(site),
                }));
                self.push(Command::SelectHub(Some(index)));
            }
            Command::SelectHub(h) => {
                self.selected_hub = h;
                if h.is_some() {
                    self.tab = Tab::Plan;
                }
            }
            Command::EditFacility(i) => {
                if let Some(f) = self.doc.region.facilities.get(i) {
                    self.form = Some(FacilityForm::new(i, f));
                    self.selected_facility = Some(i);
                }
            }
            Command::ZoomToFit => self.fit_requested = true,
            Command::ZoomToSelection => {
                // The selection may have changed earlier in this frame: fit its partners.
                self.refresh_derived();
                if let Some(f) = self
                    .selected_facility
                    .and_then(|f| self.doc.region.facilities.get(f))
                {
                    let mut points = vec![(f.location.lat_deg, f.location.lon_deg)];
                    if let Some(view) = &self.stream_view {
                        points.extend(view.candidates.iter().filter(|c| c.viable).filter_map(
                            |c| {
                                let p = self.doc.region.facilities.get(c.to_facility)?;
                                Some((p.location.lat_deg, p.location.lon_deg))
                            },
                        ));
                    }
                    if let Some((center, zoom)) = mapmod::fit(points.into_iter(), self.map_size) {
                        self.map_memory.center_at(center);
                        let _ = self.map_memory.set_zoom(zoom.min(14.0));
                    }
                }
            }
            Command::SetBasemap(b) => {
                self.basemap = b;
                self.persisted.basemap = Some(b);
                if b == Basemap::OpenStreetMap {
                    self.ensure_osm();
                }
            }
            Command::Edit(edit) => {
                let key = edit.coalesce_key();
                let now = self.egui_ctx.input(|i| i.time);
                let result = self.keeping_selection(|doc| doc.edit(edit, key, now));
                if let Err(e) = result {
                    self.error("Change not applied", e);
                }
            }
            Command::Undo => match self.keeping_selection(Document::undo) {
                Ok(Some(label)) => self.status = format!("Undone: {label}"),
                Ok(None) => {}
                Err(e) => self.error("Could not undo", e),
            },
            Command::Redo => match self.keeping_selection(Document::redo) {
                Ok(Some(label)) => self.status = format!("Redone: {label}"),
                Ok(None) => {}
                Err(e) => self.error("Could not redo", e),
            },
            Command::ToggleHistory => self.show_history = !self.show_history,
            Command::New => self.ask_or(Pending::New),
            Command::Open(p) => self.ask_or(Pending::Open(p)),
            Command::OpenSample(i) => self.ask_or(Pending::OpenSample(i)),
            Command::Import(path) => {
                self.import_prompt = Some(ImportPrompt { path, merge: false });
            }
            Command::ImportAs { path, merge: true } => self.import_merge(&path),
            Command::ImportAs { path, merge: false } => self.ask_or(Pending::Import(path)),
            Command::Quit => self.ask_or(Pending::Quit),
            Command::OpenDialog => {
                match rfd::FileDialog::new()
                    .add_filter("Symbiomap region", &["json"])
                    .pick_file()
                {
                    Some(p) => self.push(Command::Open(p)),
                    None if !dialogs_available() => self.ask_for_path(PathPurpose::Open),
                    None => {}
                }
            }
            Command::ImportDialog => {
                match rfd::FileDialog::new()
                    .add_filter(
                        "CSV (facilities.csv beside streams.csv) or GeoJSON",
                        &["csv", "geojson", "json"],
                    )
                    .pick_file()
                {
                    Some(p) => self.push(Command::Import(p)),
                    None if !dialogs_available() => self.ask_for_path(PathPurpose::Import),
                    None => {}
                }
            }
            Command::Save => match self.doc.path.clone() {
                Some(p) => {
                    self.save_to(&p);
                }
                None => self.push(Command::SaveAsDialog),
            },
            Command::SaveAsDialog => {
                match rfd::FileDialog::new()
                    .add_filter("Symbiomap region", &["json"])
                    .set_file_name(format!("{}.json", file_stem_for(&self.doc.region.name)))
                    .save_file()
                {
                    Some(p) => self.push(Command::SaveAs(p)),
                    None if !dialogs_available() => self.ask_for_path(PathPurpose::SaveAs),
                    // Cancelled: what was to follow the save does not happen either.
                    None => self.after_save = None,
                }
            }
            Command::SaveAs(p) => {
                if self.save_to(&p) {
                    if let Some(action) = self.after_save.take() {
                        self.run_pending(action);
                    }
                }
            }
            Command::ExportDialog => {
                match rfd::FileDialog::new()
                    .add_filter("GeoJSON", &["geojson"])
                    .add_filter("Candidate CSV", &["csv"])
                    .set_file_name("facilities.geojson")
                    .save_file()
                {
                    Some(p) => self.push(Command::Export(p)),
                    None if !dialogs_available() => self.ask_for_path(PathPurpose::Export),
                    None => {}
                }
            }
            Command::Export(p) => self.export(&p),
            Command::ResolvePending(choice) => self.resolve_pending(choice),
            Command::DismissMessage(i) => {
                if i < self.messages.len() {
                    self.messages.remove(i);
                }
            }
        }
    }

    /// Exports the region: a `.csv` path gets the candidate CSV (as `symbiomap match --csv`),
    /// any other the facilities as `GeoJSON` and the candidate links beside them.
    fn export(&mut self, path: &Path) {
        if let Err(e) = self.doc.settle() {
            self.error("Export failed", e);
            return;
        }
        let include_confidential = self.export_include_confidential && !self.workshop;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            let region = &self.doc.region;
            let engine = &self.doc.engine;
            let hits: Vec<crate::matching::PairHit> =
                engine.search(region, &crate::matching::SearchOptions::default());
            let mut candidates = engine.quantify_all(region, &hits);
            if self.export_omit_confidential || self.workshop {
                candidates.retain(|c| {
                    !crate::disclosure::withheld(
                        region,
                        c.from_facility as usize,
                        c.to_facility as usize,
                        false,
                    )
                });
            }
            match crate::io::candidates_csv::write_file(
                path,
                engine,
                region,
                &candidates,
                include_confidential,
            ) {
                Ok(rows) => self.info(
                    "Exported",
                    format!(
                        "{}
{rows} candidates",
                        path.display()
                    ),
                ),
                Err(e) => self.error(
                    "Export failed",
                    format!("{}: cannot write: {e}", path.display()),
                ),
            }
            return;
        }
        let options = geojson::ExportOptions {
            omit_confidential: self.export_omit_confidential || self.workshop,
            include_confidential,
        };
        let points = geojson::facilities_collection(&self.doc.region, options);
        let links_path = path.with_file_name(format!(
            "{}-links.geojson",
            path.file_stem()
                .map_or_else(|| "facilities".into(), |s| s.to_string_lossy())
        ));
        let hits: Vec<crate::matching::PairHit> = self
            .doc
            .engine
            .search(&self.doc.region, &crate::matching::SearchOptions::default());
        let candidates: Vec<geojson::Link> = hits
            .iter()
            .filter_map(|h| self.doc.engine.explain(&self.doc.region, h))
            .map(|c| c.link())
            .collect();
        let links = geojson::links_collection(&self.doc.region, &candidates, options);
        match geojson::write(path, &points).and_then(|()| geojson::write(&links_path, &links)) {
            Ok(()) => self.info(
                "Exported",
                format!(
                    "{}\n{} ({} links)",
                    path.display(),
                    links_path.display(),
                    candidates.len()
                ),
            ),
            Err(e) => self.error("Export failed", e.to_string()),
        }
    }

    /// Runs `action` now if nothing is unsaved, else asks first.
    fn ask_or(&mut self, action: Pending) {
        if self.doc.dirty {
            self.pending = Some(action);
        } else {
            self.run_pending(action);
        }
    }

    fn run_pending(&mut self, action: Pending) {
        match action {
            Pending::Open(p) => self.open(&p),
            Pending::OpenSample(i) => {
                if let Some(doc) = samples::open(i) {
                    self.set_document(doc);
                }
            }
            Pending::Import(p) => self.import(&p),
            Pending::New => {
                let region = Region {
                    name: "New region".into(),
                    ..Region::default()
                };
                if let Ok(doc) = Document::new(region, None) {
                    self.set_document(doc);
                }
            }
            Pending::Quit => {
                // Decided: the close goes through (the changes were saved or discarded).
                self.quitting = true;
                self.egui_ctx
                    .send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    fn resolve_pending(&mut self, choice: PendingChoice) {
        let Some(action) = self.pending.take() else {
            return;
        };
        match choice {
            PendingChoice::Cancel => {}
            PendingChoice::Discard => self.run_pending(action),
            PendingChoice::Save => {
                if let Some(p) = self.doc.path.clone() {
                    if self.save_to(&p) {
                        self.run_pending(action);
                    }
                } else {
                    // Never saved: ask where, as Save as does (the save dialog, else the path
                    // prompt); the action follows once it is saved, and not if that is
                    // cancelled.
                    self.after_save = Some(action);
                    self.push(Command::SaveAsDialog);
                }
            }
        }
    }

    /// Keeps derived state in step with the document and the selection.
    fn refresh_derived(&mut self) {
        if self.index_revision != self.doc.facilities_revision {
            self.index = FacilityIndex::new(&self.doc.region);
            self.index_revision = self.doc.facilities_revision;
        }
        let wanted = self.selected_stream;
        let current = self.stream_view.as_ref().map(|v| (v.facility, v.stream));
        if wanted != current || self.stream_view_revision != self.doc.revision {
            if let Some((f, s)) = wanted {
                self.doc.refresh_stream(f, s);
            }
            self.stream_view = wanted.map(|(f, s)| self.doc.stream_view(f, s));
            self.stream_view_revision = self.doc.revision;
            if let (Some((to, need)), Some(v)) = (self.pending_candidate.take(), &self.stream_view)
            {
                self.selected_candidate = v
                    .candidates
                    .iter()
                    .position(|c| c.to_facility == to && c.need == need);
            }
            if let (Some(c), Some(v)) = (self.selected_candidate, &self.stream_view) {
                if c >= v.candidates.len() {
                    self.selected_candidate = None;
                }
            }
        }
    }

    /// One frame of the whole app.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.handle_input(&ctx);
        self.refresh_derived();

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(430.0)
            .size_range(320.0..=640.0)
            .show(ui, |ui| {
                let mut commands = Vec::new();
                if self.workshop {
                    super::workshop::walk_panel(ui, self, &mut commands);
                    ui.separator();
                }
                ui.horizontal(|ui| {
                    for (tab, name) in [
                        (Tab::Inspector, "Inspector".to_owned()),
                        (
                            Tab::Proposals,
                            format!("Proposals ({})", self.doc.region.proposals.len()),
                        ),
                        (
                            Tab::Projects,
                            format!("Projects ({})", self.doc.region.projects.len()),
                        ),
                        (Tab::Plan, "Plan".to_owned()),
                    ] {
                        if ui.selectable_label(self.tab == tab, name).clicked() {
                            commands.push(Command::ShowTab(tab));
                        }
                    }
                });
                ui.separator();
                if self.tab == Tab::Proposals {
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            pipeline_panel::proposals_tab(ui, self, &mut commands);
                        });
                } else if self.tab == Tab::Projects {
                    let mut form = self.project_form.take();
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            pipeline_panel::projects_tab(ui, self, form.as_mut(), &mut commands);
                        });
                    if self.project_form.is_none() {
                        self.project_form = form;
                    }
                } else if self.tab == Tab::Plan {
                    super::plan_panel::show(ui, self, &mut commands);
                } else if let Some(form) = &mut self.form {
                    let keep = editor::show(ui, form, &self.doc, &mut commands);
                    if !keep {
                        self.form = None;
                    }
                } else {
                    inspector::show(ui, self, &mut commands);
                }
                self.commands.extend(commands);
            });
        if self.lens.open {
            egui::Panel::left("whatif")
                .resizable(true)
                .default_size(if self.workshop { 460.0 } else { 400.0 })
                .size_range(300.0..=720.0)
                .show(ui, |ui| {
                    let mut commands = Vec::new();
                    super::whatif_panel::show(ui, self, &mut commands);
                    self.commands.extend(commands);
                });
        }
        egui::CentralPanel::no_frame().show(ui, |ui| self.map(ui));
        self.messages_window(&ctx);
        self.history_window(&ctx);
        self.recovery_window(&ctx);
        if let Some(draft) = &mut self.proposal_draft {
            let mut commands = Vec::new();
            if !super::tools::proposal_window(&ctx, draft, &self.doc.region, &mut commands) {
                self.proposal_draft = None;
            }
            self.commands.extend(commands);
        }
        self.path_prompt_window(&ctx);
        self.import_window(&ctx);
        self.pending_modal(&ctx);

        self.apply();
        if let Some(i) = self.open_project.take() {
            if let Some(p) = self.doc.region.projects.get(i) {
                self.project_form = Some(ProjectForm::new(i, p));
            }
        }
        if self.show_board {
            let mut open = true;
            let mut commands = Vec::new();
            pipeline_panel::board_window(&ctx, self, &mut open, &mut commands);
            self.show_board = open;
            self.commands.extend(commands);
        }
        // A region-wide slider re-prepares only the stream on screen while it moves; the rest
        // follows on a worker thread once nothing is being dragged.
        if self.doc.engine_stale && ctx.dragged_id().is_none() {
            let ctx = ctx.clone();
            self.doc.settle_in_background(move || ctx.request_repaint());
        }
        if let Err(e) = self.doc.poll_rebuild() {
            self.error("Could not recompute the region", e);
        }
        // The plan follows the region while its tab is open, once nothing is being dragged.
        self.plan.poll();
        let lens_wants_plan = self.lens.open && !self.lens.stop.is_empty();
        let plan_shown = self.tab == Tab::Plan
            || (self.workshop && self.walk.list == super::workshop::WalkList::Plan)
            || lens_wants_plan;
        if plan_shown && ctx.dragged_id().is_none() {
            let key = self.plan_key();
            let now = ctx.input(|i| i.time);
            let repaint = ctx.clone();
            self.plan.ensure(key, &self.doc.region, now, move || {
                repaint.request_repaint();
            });
        }
        // The lens follows the plan: once the plan of the region as it is now is here, the
        // stop is worked out against it on a worker.
        if let Some(involved) = self.lens.poll() {
            // A new set of plants stopped: the map shows everything the stop touches.
            self.fly_to(&involved);
        }
        if lens_wants_plan && ctx.dragged_id().is_none() {
            let plan_key = self.plan_key();
            let key = self.lens.key(plan_key);
            if let Some(solved) = self.plan.current(plan_key).cloned() {
                let now = ctx.input(|i| i.time);
                let repaint = ctx.clone();
                self.lens
                    .ensure(&key, &self.doc.region, &solved, now, move || {
                        repaint.request_repaint();
                    });
            }
        }
        let revision = self.autosave_revision();
        let focus_lost = ctx.input(|i| {
            i.events
                .iter()
                .any(|e| matches!(e, egui::Event::WindowFocused(false)))
        });
        let now = ctx.input(|i| i.time);
        if let Some(a) = &mut self.autosave {
            a.tick(
                &self.doc.region,
                self.doc.path.as_deref(),
                self.doc.dirty,
                revision,
                now,
                focus_lost,
            );
            if self.doc.dirty {
                // Come back when the delay is over, even if nothing moves.
                ctx.request_repaint_after(std::time::Duration::from_secs_f64(
                    super::recovery::AUTOSAVE_DELAY_S,
                ));
            }
            if let Some(e) = a.error.take() {
                self.error("Autosave failed", e);
            }
        }
        // Only when it changes: every viewport command asks for another frame, and an app
        // that repaints forever burns a core while the user reads.
        let title = self.title();
        if title != self.shown_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.shown_title = title;
        }
    }

    fn handle_input(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.dirty && !self.quitting {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.pending = Some(Pending::Quit);
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_owned())
                .collect()
        });
        for path in dropped {
            let is_region = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                && std::fs::read_to_string(&path).is_ok_and(|t| t.contains("\"format_version\""));
            self.push(if is_region {
                Command::Open(path)
            } else {
                Command::Import(path)
            });
        }
        let shortcut = |ctx: &egui::Context, key: egui::Key, shift: bool| {
            ctx.input_mut(|i| {
                i.consume_key(
                    if shift {
                        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT
                    } else {
                        egui::Modifiers::COMMAND
                    },
                    key,
                )
            })
        };
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::F5)) {
            self.push(Command::ToggleWorkshop);
        }
        if self.tools.tool != MapTool::Select {
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
                self.push(Command::SetTool(MapTool::Select));
            }
        } else if self.workshop
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            self.push(Command::ToggleWorkshop);
        }
        // A presenter's clicker sends Page Down and Page Up; the arrows work too.
        if self.workshop && !ctx.egui_wants_keyboard_input() {
            let next = ctx.input_mut(|i| {
                i.consume_key(egui::Modifiers::NONE, egui::Key::PageDown)
                    || i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowRight)
            });
            let previous = ctx.input_mut(|i| {
                i.consume_key(egui::Modifiers::NONE, egui::Key::PageUp)
                    || i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowLeft)
            });
            if next {
                self.push(Command::WalkTo(self.walk.index + 1));
            } else if previous {
                self.push(Command::WalkTo(self.walk.index.saturating_sub(1)));
            }
        }
        // Undo and redo, unless a text field has the keyboard (it undoes its own typing).
        if !ctx.egui_wants_keyboard_input() {
            if shortcut(ctx, egui::Key::Z, true) || shortcut(ctx, egui::Key::Y, false) {
                self.push(Command::Redo);
            } else if shortcut(ctx, egui::Key::Z, false) {
                self.push(Command::Undo);
            }
        }
        if shortcut(ctx, egui::Key::S, true) {
            self.push(Command::SaveAsDialog);
        } else if shortcut(ctx, egui::Key::S, false) {
            self.push(Command::Save);
        }
        if shortcut(ctx, egui::Key::O, false) {
            self.push(Command::OpenDialog);
        }
        if shortcut(ctx, egui::Key::N, false) {
            self.push(Command::New);
        }
        if shortcut(ctx, egui::Key::I, false) {
            self.push(Command::ImportDialog);
        }
        if shortcut(ctx, egui::Key::E, false) {
            self.push(Command::ExportDialog);
        }
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("New region").clicked() {
                    self.push(Command::New);
                }
                if ui.button("Open...    Ctrl+O").clicked() {
                    self.push(Command::OpenDialog);
                }
                ui.menu_button("Open recent", |ui| {
                    if self.persisted.recent.is_empty() {
                        ui.label("No recent files");
                    }
                    for p in self.persisted.recent.clone() {
                        if ui.button(p.display().to_string()).clicked() {
                            self.push(Command::Open(p));
                        }
                    }
                });
                ui.menu_button("Open a sample", |ui| {
                    for (i, name) in samples::names() {
                        if ui.button(name).clicked() {
                            self.push(Command::OpenSample(i));
                        }
                    }
                });
                ui.separator();
                if ui.button("Save    Ctrl+S").clicked() {
                    self.push(Command::Save);
                }
                if ui.button("Save as...    Ctrl+Shift+S").clicked() {
                    self.push(Command::SaveAsDialog);
                }
                ui.separator();
                if ui.button("Import CSV or GeoJSON...    Ctrl+I").clicked() {
                    self.push(Command::ImportDialog);
                }
                if ui.button("Export GeoJSON or CSV...    Ctrl+E").clicked() {
                    self.push(Command::ExportDialog);
                }
                ui.checkbox(
                    &mut self.export_omit_confidential,
                    "Exports leave out confidential facilities",
                )
                .on_hover_text(
                    "Their points and every link that touches them. Always so in workshop mode.",
                );
                ui.add_enabled(
                    !self.workshop && !self.export_omit_confidential,
                    egui::Checkbox::new(
                        &mut self.export_include_confidential,
                        "Exports include confidential figures",
                    ),
                )
                .on_hover_text(
                    "Break-even, net value, value per year, prices and gains of exchanges with a \
                     confidential facility. Off: those cells are left empty. Never in workshop mode.",
                );
                ui.separator();
                if ui.button("Quit").clicked() {
                    self.push(Command::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                let undo = self.doc.undo_stack.last().map(|e| e.label.clone());
                let redo = self.doc.redo_stack.last().map(|e| e.label.clone());
                if ui
                    .add_enabled(
                        undo.is_some(),
                        egui::Button::new(format!(
                            "Undo {}    Ctrl+Z",
                            undo.as_deref().unwrap_or_default()
                        )),
                    )
                    .clicked()
                {
                    self.push(Command::Undo);
                }
                if ui
                    .add_enabled(
                        redo.is_some(),
                        egui::Button::new(format!(
                            "Redo {}    Ctrl+Shift+Z",
                            redo.as_deref().unwrap_or_default()
                        )),
                    )
                    .clicked()
                {
                    self.push(Command::Redo);
                }
                ui.separator();
                if ui.button("History...").clicked() {
                    self.push(Command::ToggleHistory);
                }
                ui.separator();
                if !self.workshop
                    && ui
                        .button("Add a facility...")
                        .on_hover_text("At the centre of the map; type its coordinates in the form, or drag its marker.")
                        .clicked()
                {
                    let here = self
                        .transform
                        .map_or_else(|| lon_lat(4.0, 51.0), |t| t.center());
                    self.push(Command::AddFacilityAt(crate::model::LatLon::new(here.y(), here.x())));
                }
            });
            ui.menu_button("View", |ui| {
                if ui
                    .button(if self.workshop {
                        "Leave workshop mode    F5"
                    } else {
                        "Workshop mode (for a projector)    F5"
                    })
                    .clicked()
                {
                    self.push(Command::ToggleWorkshop);
                }
                if ui.button("Project board").clicked() {
                    self.push(Command::ToggleBoard);
                }
                ui.separator();
                if ui.button("Zoom to fit").clicked() {
                    self.push(Command::ZoomToFit);
                }
                if ui.button("Zoom to selection").clicked() {
                    self.push(Command::ZoomToSelection);
                }
                ui.separator();
                ui.label("Basemap");
                if ui
                    .radio(
                        self.basemap == Basemap::Embedded,
                        "Built-in (offline, Natural Earth)",
                    )
                    .clicked()
                {
                    self.push(Command::SetBasemap(Basemap::Embedded));
                }
                if ui
                    .radio(
                        self.basemap == Basemap::OpenStreetMap,
                        "OpenStreetMap tiles (online, cached)",
                    )
                    .clicked()
                {
                    self.push(Command::SetBasemap(Basemap::OpenStreetMap));
                }
            });
            ui.separator();
            let search = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text("Search facility, material, EWC code")
                    .desired_width(280.0),
            );
            search.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Search"));
            if !self.search.trim().is_empty() {
                let results = super::search::search(&self.doc.region, &self.search, 12);
                let popup_id = ui.make_persistent_id("search_results");
                egui::Popup::from_response(&search)
                    .id(popup_id)
                    .open(true)
                    .show(|ui| {
                        if results.is_empty() {
                            ui.label("Nothing found");
                        }
                        for r in &results {
                            if ui.selectable_label(false, &r.label).clicked() {
                                match r.stream {
                                    Some(s) => self.push(Command::SelectStream {
                                        facility: r.facility,
                                        stream: s,
                                    }),
                                    None => self.push(Command::SelectFacility(Some(r.facility))),
                                }
                                self.push(Command::ZoomToSelection);
                                self.search.clear();
                            }
                        }
                    });
            }
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let (outputs, needs) = self.doc.region.stream_counts();
            ui.label(format!(
                "{}  ·  {} facilities, {outputs} outputs, {needs} needs",
                self.doc.region.name,
                self.doc.region.facilities.len()
            ));
            if self.doc.dirty {
                ui.label(RichText::new("unsaved changes").color(Color32::from_rgb(200, 120, 0)));
            }
            if !self.status.is_empty() {
                ui.weak(&self.status);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(format!("zoom {:.1}", self.map_memory.zoom()));
                if self.tiles_missing {
                    ui.weak("OpenStreetMap tiles not (yet) loaded here: built-in basemap shown")
                        .on_hover_text(
                            "Tiles come from tile.openstreetmap.org and are cached on disk. \
                             Offline, the cached ones still show; elsewhere the built-in \
                             Natural Earth basemap is drawn instead.",
                        );
                }
            });
        });
    }

    fn map(&mut self, ui: &mut egui::Ui) {
        let now = ui.input(|i| i.time);
        self.fly(now);
        if self.fit_requested {
            let points = self
                .doc
                .region
                .facilities
                .iter()
                .map(|f| (f.location.lat_deg, f.location.lon_deg));
            if let Some((center, zoom)) = mapmod::fit(points, ui.available_size()) {
                self.map_memory.center_at(center);
                let _ = self.map_memory.set_zoom(zoom);
            }
            self.fit_requested = false;
        }
        let start = self.doc.region.facilities.first().map_or_else(
            || lon_lat(10.0, 50.0),
            |f| lon_lat(f.location.lon_deg, f.location.lat_deg),
        );
        let mut events = FacilityEvents::default();
        let partners: Vec<usize> = self
            .stream_view
            .as_ref()
            .map(|v| {
                let mut p: Vec<usize> = v.candidates.iter().map(|c| c.to_facility).collect();
                p.sort_unstable();
                p.dedup();
                p
            })
            .unwrap_or_default();
        let basemap_layer = if self.workshop {
            BasemapLayer {
                map: self.basemaps.for_zoom(self.map_memory.zoom()),
                land: super::workshop::LAND,
                water: super::workshop::WATER,
                border: super::workshop::BORDER,
            }
        } else {
            BasemapLayer {
                map: self.basemaps.for_zoom(self.map_memory.zoom()),
                ..BasemapLayer::default()
            }
        };
        // Online tiles when chosen and arriving; the built-in basemap otherwise, and while no
        // tile has come (offline, or still loading): quietly, without an error.
        let zoom = self.map_memory.zoom();
        let centre = self.map_memory.detached().unwrap_or(start);
        let online = self.basemap == Basemap::OpenStreetMap
            && self.osm.as_mut().is_some_and(|t| {
                let z = zoom.floor().clamp(0.0, 19.0) as u8;
                let m = mapmod::mercator(centre.y(), centre.x());
                let n = f64::from(1u32 << z);
                let id = walkers::TileId {
                    x: (m[0] * n).clamp(0.0, n - 1.0) as u32,
                    y: (m[1] * n).clamp(0.0, n - 1.0) as u32,
                    zoom: z,
                };
                walkers::Tiles::at(t, id).is_some()
            });
        self.tiles_missing = self.basemap == Basemap::OpenStreetMap && !online;
        let plan_key = self.plan_key();
        let reach_banded = super::pipeline_panel::reach_masked(self);
        let tiles: Option<&mut dyn walkers::Tiles> = match (self.basemap, &mut self.osm) {
            (Basemap::OpenStreetMap, Some(t)) => Some(t),
            _ => None,
        };
        // The wheel zooms, as in every GIS; dragging pans.
        let mut map = Map::new(tiles, &mut self.map_memory, start).zoom_with_ctrl(false);
        if !online {
            map = map.with_plugin(basemap_layer);
        }
        // While the lens shows a stop, it is the map's one story: the proposals, projects and
        // the selected stream's partners wait until it closes.
        let lens = self
            .lens
            .scenario
            .as_ref()
            .filter(|_| self.lens.open)
            .map(|s| (s, s.key != self.lens.key(plan_key)));
        if lens.is_none()
            && (!self.doc.region.proposals.is_empty() || !self.doc.region.projects.is_empty())
        {
            map = map.with_plugin(super::map::pipeline::PipelineLayer {
                region: &self.doc.region,
                scale: self.scale,
            });
        }
        if let Some((scenario, stale)) = lens {
            // The lens replaces the plan layer: the plan's exchanges are its context.
            map = map.with_plugin(super::map::whatif::WhatIfLayer {
                drawing: &scenario.drawing,
                scale: self.scale,
                stale,
            });
        } else if self.tab == Tab::Plan
            || (self.workshop && self.walk.list == super::workshop::WalkList::Plan)
        {
            if let Some(solved) = &self.plan.solved {
                map = map.with_plugin(super::map::plan::PlanLayer {
                    region: &self.doc.region,
                    report: &solved.outcome.report,
                    hubs: &solved.outcome.hubs,
                    scale: self.scale,
                    stale: solved.key != plan_key,
                });
            }
        }
        if let Some(view) = self.stream_view.as_ref().filter(|_| lens.is_none()) {
            map = map.with_plugin(SelectionLayer {
                region: &self.doc.region,
                view,
                highlighted: self.selected_candidate,
                scale: self.scale,
                banded: reach_banded,
            });
        }
        map = map.with_plugin(FacilitiesLayer {
            index: &self.index,
            region: &self.doc.region,
            catalogue: &self.doc.engine.catalogue,
            selected: self.selected_facility,
            moving: self
                .tools
                .moving
                .map(|(i, p)| (i, mapmod::mercator(p.lat_deg, p.lon_deg))),
            marked: self.tools.link_from,
            partners: &partners,
            scale: self.scale,
            events: &mut events,
        });
        if let Some((scenario, _)) = lens {
            map = map.with_plugin(super::map::whatif::StoppedMarks {
                drawing: &scenario.drawing,
                index: &self.index,
                region: &self.doc.region,
                scale: self.scale,
            });
        }
        let mut hub_events = super::map::hubs::HubEvents::default();
        if !self.doc.region.hubs.is_empty() {
            map = map.with_plugin(super::map::hubs::HubSitesLayer {
                region: &self.doc.region,
                moving: self
                    .tools
                    .moving_hub
                    .map(|(i, p)| (i, mapmod::mercator(p.lat_deg, p.lon_deg))),
                selected: self.selected_hub,
                scale: self.scale,
                events: &mut hub_events,
            });
        }
        if !self.tools.pan_allowed() {
            // A marker is held: its drag moves it, not the map.
            map = map.drag_pan_buttons(egui::DragPanButtons::MIDDLE);
        }
        let lens_shown = lens.is_some();
        let mut tool_commands = Vec::new();
        let tools = &self.tools;
        let region = &self.doc.region;
        let scale = self.scale;
        let mut transform = None;
        let inner = map.show(ui, |ui, response, projector, _memory| {
            let t = ScreenTransform::new(projector);
            transform = Some(t);
            super::overlays::scale_bar(ui, projector, &t);
            super::overlays::attribution(ui, &t, online);
            super::overlays::legend(ui, &t, &self.index, scale.label);
            if !lens_shown {
                super::map::pipeline::labels(ui, &t, region, scale);
            }
            // The link being drawn follows the pointer.
            if let (Some(from), Some(ptr)) = (
                tools.link_from.and_then(|f| region.facilities.get(f)),
                response.hover_pos(),
            ) {
                let a = t.to_screen(mapmod::mercator(
                    from.location.lat_deg,
                    from.location.lon_deg,
                ));
                ui.painter().with_clip_rect(t.clip).line_segment(
                    [a, ptr],
                    egui::Stroke::new(3.0, Color32::from_rgb(230, 120, 0)),
                );
            }
            super::tools::toolbar(ui, t.clip, tools, self.workshop, &mut tool_commands);
            response.clicked()
        });
        self.commands.extend(tool_commands);
        self.transform = transform;
        let map_clicked = inner.inner;
        self.map_size = inner.response.rect.size();
        let ctx = ui.ctx().clone();
        for action in self
            .tools
            .update(&ctx, &events, &hub_events, map_clicked, !self.workshop)
        {
            match action {
                ToolAction::Select(f) => self.push(Command::SelectFacility(f)),
                ToolAction::Move(i, p) => self.push(Command::Edit(Edit::MoveFacility {
                    index: i,
                    location: p,
                })),
                ToolAction::AddAt(p) => self.push(Command::AddFacilityAt(p)),
                ToolAction::AddHubAt(p) => self.push(Command::AddHubAt(p)),
                ToolAction::SelectHub(h) => self.push(Command::SelectHub(Some(h))),
                ToolAction::MoveHub(i, p) => {
                    if let Some(site) = self.doc.region.hubs.get(i) {
                        let mut site = site.clone();
                        site.location = p;
                        self.push(Command::Edit(Edit::SetHub {
                            index: i,
                            site: Box::new(site),
                        }));
                    }
                }
                ToolAction::Link { from, to } => {
                    self.proposal_draft = Some(ProposalDraft::new(&self.doc.region, from, to));
                }
            }
        }
        if let Some((min, max)) = events.zoom_to {
            let (a, b) = (mapmod::unmercator(min), mapmod::unmercator(max));
            if let Some((center, zoom)) =
                mapmod::fit([a, b].into_iter(), inner.response.rect.size())
            {
                self.map_memory.center_at(center);
                let _ = self
                    .map_memory
                    .set_zoom((zoom).max(self.map_memory.zoom() + 1.0));
            }
        }
        if let Some(pos) = self.map_memory.detached() {
            self.persisted.view = Some((pos.y(), pos.x(), self.map_memory.zoom()));
        }
    }

    /// Offers back the newest work a crashed session left.
    fn recovery_window(&mut self, ctx: &egui::Context) {
        let Some(offer) = self.recovery_offer.first() else {
            return;
        };
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("recovery")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading("Recover unsaved work?");
            ui.label(format!(
                "Symbiomap did not close properly. It had autosaved this work {}:",
                offer.age()
            ));
            let r = &offer.region;
            ui.label(
                RichText::new(format!(
                    "{}: {} facilities, {} proposals, {} projects",
                    r.name,
                    r.facilities.len(),
                    r.proposals.len(),
                    r.projects.len()
                ))
                .strong(),
            );
            ui.label(match &offer.path {
                Some(p) => format!("opened from {}", p.display()),
                None => "a region never saved to a file".to_owned(),
            });
            ui.weak("Recovering opens it as unsaved changes: save it to keep it. Discarding deletes the recovery file.");
            ui.horizontal(|ui| {
                if ui.button("Recover").clicked() {
                    choice = Some(true);
                }
                if ui.button("Discard").clicked() {
                    choice = Some(false);
                }
            });
        });
        match choice {
            Some(true) => {
                let offer = self.recovery_offer.remove(0);
                let _ = std::fs::remove_file(&offer.file);
                match Document::new(offer.region, offer.path) {
                    Ok(mut doc) => {
                        doc.mark_unsaved_origin();
                        self.set_document(doc);
                        self.status = String::from("Recovered: save to keep it");
                    }
                    Err(e) => self.error("Could not recover", e.to_string()),
                }
            }
            Some(false) => {
                let offer = self.recovery_offer.remove(0);
                let _ = std::fs::remove_file(&offer.file);
            }
            None => {}
        }
    }

    /// Every step that can be undone (latest on top) and those that can be redone.
    fn history_window(&mut self, ctx: &egui::Context) {
        if !self.show_history {
            return;
        }
        let mut open = true;
        let mut steps = 0i64;
        egui::Window::new("History")
            .open(&mut open)
            .default_width(320.0)
            .anchor(egui::Align2::LEFT_BOTTOM, egui::vec2(10.0, -40.0))
            .show(ctx, |ui| {
                ui.weak("Click a step to go back to just after it.");
                egui::ScrollArea::vertical()
                    .max_height(300.0)
                    .show(ui, |ui| {
                        for (i, e) in self.doc.redo_stack.iter().enumerate() {
                            // Redo steps, the furthest first.
                            if ui
                                .selectable_label(false, RichText::new(&e.label).weak().italics())
                                .clicked()
                            {
                                steps = (self.doc.redo_stack.len() - i) as i64;
                            }
                        }
                        let n = self.doc.undo_stack.len();
                        for (i, e) in self.doc.undo_stack.iter().enumerate().rev() {
                            if ui.selectable_label(i + 1 == n, &e.label).clicked() {
                                steps = -((n - 1 - i) as i64);
                            }
                        }
                        if ui
                            .selectable_label(n == 0, RichText::new("Opened").weak())
                            .clicked()
                        {
                            steps = -(n as i64);
                        }
                    });
            });
        if !open {
            self.show_history = false;
        }
        for _ in 0..steps.unsigned_abs() {
            self.push(if steps < 0 {
                Command::Undo
            } else {
                Command::Redo
            });
        }
    }

    fn messages_window(&mut self, ctx: &egui::Context) {
        let mut dismiss = None;
        for (i, m) in self.messages.iter().enumerate().rev().take(3) {
            egui::Window::new(&m.title)
                .id(egui::Id::unique(("message", i)))
                .anchor(
                    egui::Align2::CENTER_TOP,
                    egui::vec2(0.0, 40.0 + 30.0 * i as f32),
                )
                .collapsible(false)
                .resizable(true)
                .default_width(520.0)
                .show(ctx, |ui| {
                    let colour = if m.error {
                        Color32::from_rgb(190, 40, 40)
                    } else {
                        ui.visuals().text_color()
                    };
                    egui::ScrollArea::vertical()
                        .max_height(300.0)
                        .show(ui, |ui| {
                            ui.label(RichText::new(&m.body).color(colour).monospace());
                        });
                    if ui.button("OK").clicked() {
                        dismiss = Some(i);
                    }
                });
        }
        if let Some(i) = dismiss {
            self.push(Command::DismissMessage(i));
        }
    }

    /// How to import the chosen file or folder: as a new region, or into the open one.
    fn import_window(&mut self, ctx: &egui::Context) {
        let Some(prompt) = &mut self.import_prompt else {
            return;
        };
        let mut done: Option<bool> = None;
        let region = &self.doc.region;
        egui::Modal::new(egui::Id::unique("import")).show(ctx, |ui| {
            ui.set_max_width(560.0);
            ui.heading("Import");
            ui.label(prompt.path.display().to_string());
            ui.radio_value(
                &mut prompt.merge,
                false,
                "As a new region (the open one is closed)",
            );
            ui.radio_value(
                &mut prompt.merge,
                true,
                format!("Into {} (merge)", region.name),
            )
            .on_hover_text(
                "The region keeps its facilities, settings, proposals and projects; the \
                 import's facilities are added. An id the region already has is reported and \
                 the import's is skipped. One undo takes the whole import back.",
            );
            ui.horizontal(|ui| {
                if ui.button("Import").clicked() {
                    done = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    done = Some(false);
                }
            });
        });
        match done {
            Some(true) => {
                let ImportPrompt { path, merge } = prompt.clone();
                self.import_prompt = None;
                self.push(Command::ImportAs { path, merge });
            }
            Some(false) => self.import_prompt = None,
            None => {}
        }
    }

    fn pending_modal(&mut self, ctx: &egui::Context) {
        if self.pending.is_none() {
            return;
        }
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("unsaved")).show(ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label(format!(
                "{} has changes that are not saved.",
                self.doc.title()
            ));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    choice = Some(PendingChoice::Save);
                }
                if ui.button("Discard changes").clicked() {
                    choice = Some(PendingChoice::Discard);
                }
                if ui.button("Cancel").clicked() {
                    choice = Some(PendingChoice::Cancel);
                }
            });
        });
        if let Some(c) = choice {
            self.push(Command::ResolvePending(c));
        }
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

    /// Fits these facilities into the map, flying there.
    fn fly_to(&mut self, facilities: &[usize]) {
        let points: Vec<(f64, f64)> = facilities
            .iter()
            .filter_map(|&i| self.doc.region.facilities.get(i))
            .map(|f| (f.location.lat_deg, f.location.lon_deg))
            .collect();
        let Some((center, zoom)) = mapmod::fit(points.into_iter(), self.map_size) else {
            return;
        };
        let here = self
            .map_memory
            .detached()
            .or_else(|| self.transform.map(|t| t.center()))
            .unwrap_or(center);
        self.flight = Some(Flight {
            from: (here.y(), here.x(), self.map_memory.zoom()),
            to: (center.y(), center.x(), zoom.min(14.0)),
            start_s: self.egui_ctx.input(|i| i.time),
        });
    }

    /// Moves the map along its flight; lands at the end.
    fn fly(&mut self, now_s: f64) {
        let Some(f) = self.flight else {
            return;
        };
        let t = ((now_s - f.start_s) / FLIGHT_S).clamp(0.0, 1.0);
        // Ease in and out.
        let k = t * t * (3.0 - 2.0 * t);
        let lerp = |a: f64, b: f64| a + (b - a) * k;
        // Between two views more than a screen apart, rise a little on the way, like a plane:
        // the user sees where the next pair is.
        let a = mapmod::mercator(f.from.0, f.from.1);
        let b = mapmod::mercator(f.to.0, f.to.1);
        let apart_px = ((a[0] - b[0]).hypot(a[1] - b[1])) * 256.0 * 2f64.powf(f.from.2.min(f.to.2));
        let rise = if apart_px > f64::from(self.map_size.x) {
            1.5
        } else {
            0.0
        };
        let zoom = lerp(f.from.2, f.to.2) - rise * 4.0 * k * (1.0 - k);
        self.map_memory
            .center_at(lon_lat(lerp(f.from.1, f.to.1), lerp(f.from.0, f.to.0)));
        let _ = self.map_memory.set_zoom(zoom.clamp(2.0, 17.0));
        if t >= 1.0 {
            self.flight = None;
        } else {
            self.egui_ctx.request_repaint();
        }
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
            super::workshop::OPPORTUNITIES,
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

    /// What the plan is solved for now.
    pub fn plan_key(&self) -> super::plan_panel::PlanKey {
        super::plan_panel::PlanKey {
            revision: self.autosave_revision(),
            exchange_cost_per_yr: self.plan.exchange_cost_per_yr,
        }
    }

    fn show_exchange(&mut self, from_facility: usize, stream: usize, to: usize, need: usize) {
        self.push(Command::SelectStream {
            facility: from_facility,
            stream,
        });
        self.pending_candidate = Some((to, need));
        self.fly_to(&[from_facility, to]);
    }

    fn walk_to(&mut self, i: usize) {
        let len = self.walk_len();
        if len == 0 {
            return;
        }
        let i = i.min(len - 1);
        self.walk.index = i;
        match self.walk.list {
            WalkList::Opportunities => {
                let Some(o) = self.opportunities().get(i).cloned() else {
                    return;
                };
                let c = &o.candidate;
                self.show_exchange(c.from_facility, c.stream, c.to_facility, c.need);
            }
            WalkList::Proposals => self.push(Command::ShowProposal(i)),
            WalkList::Plan => {
                let e = self
                    .plan
                    .solved
                    .as_ref()
                    .and_then(|s| s.outcome.report.exchanges.get(i))
                    .map(|e| (e.from_facility, e.stream, e.to_facility, e.need));
                if let Some((f, s, t, n)) = e {
                    self.show_exchange(f, s, t, n);
                }
            }
            WalkList::Projects => {
                let region = &self.doc.region;
                let pair = region.projects.get(i).and_then(|p| {
                    let (f, s) = region.output_index(p.stream.as_deref()?)?;
                    let (t, n) = region.need_index(p.need.as_deref()?)?;
                    Some((f, s, t, n))
                });
                if let Some((f, s, t, n)) = pair {
                    self.show_exchange(f, s, t, n);
                }
            }
        }
    }

    /// Workshop mode on or off: full screen, zoomed interface, projector look, large map
    /// marks, no editing chrome.
    pub fn set_workshop(&mut self, on: bool) {
        if on == self.workshop {
            return;
        }
        self.workshop = on;
        let ctx = &self.egui_ctx;
        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(on));
        ctx.set_zoom_factor(if on { super::workshop::ZOOM } else { 1.0 });
        ctx.set_visuals_of(
            egui::Theme::Light,
            if on {
                super::workshop::projector_visuals()
            } else {
                egui::Visuals::light()
            },
        );
        self.scale = if on { Scale::WORKSHOP } else { Scale::DESK };
        self.form = None;
        self.tools.set_tool(MapTool::Select);
        if on {
            // Start where the walk is: its pair on the map, its economics in the card.
            self.push(Command::WalkTo(self.walk.index));
        }
    }

    /// Where facility `i` was drawn at the last frame (its marker's centre), in points.
    pub fn screen_pos_of(&self, i: usize) -> Option<egui::Pos2> {
        let f = self.doc.region.facilities.get(i)?;
        Some(
            self.transform?
                .to_screen(mapmod::mercator(f.location.lat_deg, f.location.lon_deg)),
        )
    }

    /// Where hub site `i` is on the screen (for tests that drive the map).
    pub fn screen_pos_of_hub(&self, i: usize) -> Option<egui::Pos2> {
        let h = self.doc.region.hubs.get(i)?;
        Some(
            self.transform?
                .to_screen(mapmod::mercator(h.location.lat_deg, h.location.lon_deg)),
        )
    }

    /// The settings being edited in the inspector, for sliders.
    pub fn settings(&self) -> &Settings {
        &self.doc.region.settings
    }
}

/// Whether a native file dialog can open: a desktop portal on the session bus, or zenity.
fn dialogs_available() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("PATH")
            .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("zenity").is_file()))
}

fn home_dir() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// Where "Save" goes when no dialog can ask: the home folder, under the region's name.
fn fallback_save_path(region: &Region) -> PathBuf {
    home_dir().join(format!("{}.json", file_stem_for(&region.name)))
}

/// `"Scheldt Valley (fictional)"` -> `"scheldt-valley-fictional"`: a file name from a title.
fn file_stem_for(title: &str) -> String {
    let mut stem = String::new();
    for word in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !stem.is_empty() {
            stem.push('-');
        }
        stem.push_str(&word.to_lowercase());
    }
    if stem.is_empty() {
        "region".to_owned()
    } else {
        stem
    }
}

impl eframe::App for SymbiomapApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PERSIST_KEY, &self.persisted);
    }

    fn on_exit(&mut self) {
        self.exit_cleanly();
    }
}

impl SymbiomapApp {
    /// Colour for the unsaved-changes mark and similar accents.
    pub fn accent() -> Color32 {
        theme::kind_colour(crate::catalogue::MatchKind::Direct)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_stems_are_readable() {
        assert_eq!(
            super::file_stem_for("Scheldt Valley industrial cluster (fictional)"),
            "scheldt-valley-industrial-cluster-fictional"
        );
        assert_eq!(super::file_stem_for("  /\\ "), "region");
        assert_eq!(super::file_stem_for("Zürich Süd"), "zürich-süd");
    }
}
