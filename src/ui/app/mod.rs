//! The desktop app: state, the frame loop, and the one place where commands change things.
//!
//! Widgets never change the region or the selection directly: they push a [`Command`], and
//! [`SymbiomapApp::apply`] runs them after the frame is laid out. Edits go through
//! [`Document::apply`], which keeps the engine in step and marks the region unsaved.

mod commands;
mod files;
mod map_view;
mod menus;
mod walk;
mod windows;

use std::path::{Path, PathBuf};

use egui::{Color32, RichText};
use serde::{Deserialize, Serialize};
use walkers::{lon_lat, HttpOptions, HttpTiles, Map, MapMemory};

use crate::io::{csv_import, geojson, region_file};
use crate::model::Region;

use super::command::MapTool;
use super::command::WalkList;
pub use super::command::{Basemap, Command, PendingChoice, Tab};
use super::editor::{self, FacilityForm};
use super::map::basemap::{BasemapLayer, Basemaps};
use super::map::facilities::{FacilitiesLayer, FacilityEvents, FacilityIndex};
use super::map::selection::SelectionLayer;
use super::map::{self as mapmod, ScreenTransform};
use super::pipeline_panel::{self, ProjectForm};
use super::recovery::{Autosave, Recoverable};
use super::theme::{self, Scale};
use super::tools::{ProposalDraft, ToolAction, ToolState};
use super::workspace::Walk;
use super::workspace::Workspace;
pub use super::workspace::{PairBuffer, PairBufferState, SuppliersPerNeed};
use super::{inspector, samples};
use crate::document::{Document, Edit};

/// The map moving smoothly to another view.
#[derive(Clone, Copy, Debug)]
struct Flight {
    from: (f64, f64, f64),
    to: (f64, f64, f64),
    start_s: f64,
}

/// How long a flight takes.
const FLIGHT_S: f64 = 0.8;

/// An action waiting for the user to decide about unsaved changes.
#[derive(Clone, Debug)]
pub enum Pending {
    Open(PathBuf),
    OpenSample(usize),
    New,
    Import(PathBuf),
    Quit,
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
    /// The document and what the panels read of it: selection, plan, lens, walk, caches.
    pub ws: Workspace,
    pub persisted: Persisted,
    pub map_memory: MapMemory,
    pub basemaps: Basemaps,
    basemap: Basemap,
    osm: Option<HttpTiles>,
    pub index: FacilityIndex,
    index_revision: u64,
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
    /// The map's projection at the last frame.
    transform: Option<ScreenTransform>,
    /// Writes the region to a recovery file while it is unsaved (`None`: no folder for it).
    autosave: Option<Autosave>,
    /// Work left by sessions that crashed, to offer back, newest first.
    pub recovery_offer: Vec<Recoverable>,
    /// The project open in the Projects tab.
    pub project_form: Option<ProjectForm>,
    /// A project to open once the region has it.
    open_project: Option<usize>,
    pub show_board: bool,
    /// Exports leave out confidential facilities (always in workshop mode).
    pub export_omit_confidential: bool,
    /// Exports keep the money of exchanges with a confidential facility (never in workshop
    /// mode); off by default.
    pub export_include_confidential: bool,
    /// After the stream view is computed, select the candidate to this (facility, need).
    pending_candidate: Option<(usize, usize)>,
    /// The map flying to a view: from, to, start time.
    flight: Option<Flight>,
    /// The window title last sent.
    shown_title: String,
    /// Size of the map on screen at the last frame (for fitting a selection into it).
    map_size: egui::Vec2,
    scale: Scale,
}

impl SymbiomapApp {
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
        let revision = self.ws.autosave_revision();
        if let Some(a) = &mut self.autosave {
            a.write_now(&self.ws.doc.region, self.ws.doc.path.as_deref(), revision);
        }
    }

    /// The app ends cleanly: nothing is left to recover.
    pub fn exit_cleanly(&mut self) {
        if let Some(a) = &mut self.autosave {
            a.remove();
        }
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
            ws: Workspace::new(doc, ctx),
            persisted,
            map_memory,
            basemaps: Basemaps::new(ctx),
            basemap,
            osm: None,
            index,
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
            transform: None,
            autosave: None,
            recovery_offer: Vec::new(),
            project_form: None,
            open_project: None,
            show_board: false,
            export_omit_confidential: false,
            export_include_confidential: false,
            pending_candidate: None,
            flight: None,
            scale: Scale::DESK,
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
            if self.ws.doc.dirty { "\u{25cf} " } else { "" },
            self.ws.doc.title()
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
                self.ws.egui_ctx.clone(),
            ));
        }
    }

    fn remember_current_file(&mut self) {
        // Absolute, so that the next start finds it from any working directory.
        if let Some(p) = self
            .ws
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
            about: Some(self.ws.doc_generation),
        });
    }

    fn info(&mut self, title: impl Into<String>, body: impl Into<String>) {
        self.messages.push(Message {
            error: false,
            title: title.into(),
            body: body.into(),
            about: Some(self.ws.doc_generation),
        });
    }

    /// Replaces the open document (the old one was saved or discarded). The status line and
    /// the messages about the old one go with it.
    fn set_document(&mut self, doc: Document) {
        self.ws.doc = doc;
        self.project_form = None;
        self.ws.doc_generation += 1;
        self.status.clear();
        self.messages.retain(|m| m.about.is_none());
        self.form = None;
        self.ws.selected_facility = None;
        self.ws.selected_hub = None;
        self.ws.selected_stream = None;
        self.ws.selected_candidate = None;
        self.ws.stream_view = None;
        self.ws
            .lens
            .apply(&self.ws.doc.region, &super::command::LensCommand::Close);
        self.index = FacilityIndex::new(&self.ws.doc.region);
        self.index_revision = self.ws.doc.facilities_revision;
        self.fit_requested = true;
        self.remember_current_file();
    }

    /// Keeps derived state in step with the document and the selection.
    fn refresh_derived(&mut self) {
        if self.index_revision != self.ws.doc.facilities_revision {
            self.index = FacilityIndex::new(&self.ws.doc.region);
            self.index_revision = self.ws.doc.facilities_revision;
        }
        let wanted = self.ws.selected_stream;
        let current = self.ws.stream_view.as_ref().map(|v| (v.facility, v.stream));
        if wanted != current || self.stream_view_revision != self.ws.doc.revision {
            if let Some((f, s)) = wanted {
                self.ws.doc.refresh_stream(f, s);
            }
            self.ws.stream_view = wanted.map(|(f, s)| self.ws.doc.stream_view(f, s));
            self.stream_view_revision = self.ws.doc.revision;
            if let (Some((to, need)), Some(v)) =
                (self.pending_candidate.take(), &self.ws.stream_view)
            {
                self.ws.selected_candidate = v
                    .candidates
                    .iter()
                    .position(|c| c.to_facility == to && c.need == need);
            }
            if let (Some(c), Some(v)) = (self.ws.selected_candidate, &self.ws.stream_view) {
                if c >= v.candidates.len() {
                    self.ws.selected_candidate = None;
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
                if self.ws.workshop {
                    super::workshop::walk_panel(ui, &self.ws, &mut commands);
                    ui.separator();
                }
                ui.horizontal(|ui| {
                    for (tab, name) in [
                        (Tab::Inspector, "Inspector".to_owned()),
                        (
                            Tab::Proposals,
                            format!("Proposals ({})", self.ws.doc.region.proposals.len()),
                        ),
                        (
                            Tab::Projects,
                            format!("Projects ({})", self.ws.doc.region.projects.len()),
                        ),
                        (Tab::Plan, "Plan".to_owned()),
                    ] {
                        if ui.selectable_label(self.ws.tab == tab, name).clicked() {
                            commands.push(Command::ShowTab(tab));
                        }
                    }
                });
                ui.separator();
                if self.ws.tab == Tab::Proposals {
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            pipeline_panel::proposals_tab(ui, &self.ws, &mut commands);
                        });
                } else if self.ws.tab == Tab::Projects {
                    let mut form = self.project_form.take();
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            pipeline_panel::projects_tab(
                                ui,
                                &self.ws,
                                form.as_mut(),
                                &mut commands,
                            );
                        });
                    if self.project_form.is_none() {
                        self.project_form = form;
                    }
                } else if self.ws.tab == Tab::Plan {
                    super::plan_panel::show(ui, &self.ws, &mut commands);
                } else if let Some(form) = &mut self.form {
                    let keep = editor::show(ui, form, &self.ws.doc, &mut commands);
                    if !keep {
                        self.form = None;
                    }
                } else {
                    inspector::show(ui, &self.ws, &mut commands);
                }
                self.commands.extend(commands);
            });
        if self.ws.lens.open {
            egui::Panel::left("whatif")
                .resizable(true)
                .default_size(if self.ws.workshop { 460.0 } else { 400.0 })
                .size_range(300.0..=720.0)
                .show(ui, |ui| {
                    let mut commands = Vec::new();
                    super::whatif_panel::show(ui, &self.ws, &mut commands);
                    self.commands.extend(commands);
                });
        }
        egui::CentralPanel::no_frame().show(ui, |ui| self.map(ui));
        self.messages_window(&ctx);
        self.history_window(&ctx);
        self.recovery_window(&ctx);
        if let Some(draft) = &mut self.proposal_draft {
            let mut commands = Vec::new();
            if !super::tools::proposal_window(&ctx, draft, &self.ws.doc.region, &mut commands) {
                self.proposal_draft = None;
            }
            self.commands.extend(commands);
        }
        self.path_prompt_window(&ctx);
        self.import_window(&ctx);
        self.pending_modal(&ctx);

        self.apply();
        if let Some(i) = self.open_project.take() {
            if let Some(p) = self.ws.doc.region.projects.get(i) {
                self.project_form = Some(ProjectForm::new(i, p));
            }
        }
        if self.show_board {
            let mut open = true;
            let mut commands = Vec::new();
            pipeline_panel::board_window(&ctx, &self.ws, &mut open, &mut commands);
            self.show_board = open;
            self.commands.extend(commands);
        }
        // A region-wide slider re-prepares only the stream on screen while it moves; the rest
        // follows on a worker thread once nothing is being dragged.
        if self.ws.doc.engine_stale && ctx.dragged_id().is_none() {
            let ctx = ctx.clone();
            self.ws
                .doc
                .settle_in_background(move || ctx.request_repaint());
        }
        if let Err(e) = self.ws.doc.poll_rebuild() {
            self.error("Could not recompute the region", e);
        }
        // The plan follows the region while its tab is open, once nothing is being dragged.
        self.ws.plan.poll();
        let lens_wants_plan = self.ws.lens.open && !self.ws.lens.stop.is_empty();
        let plan_shown = self.ws.tab == Tab::Plan
            || (self.ws.workshop && self.ws.walk.list == super::command::WalkList::Plan)
            || lens_wants_plan;
        if plan_shown && ctx.dragged_id().is_none() {
            let key = self.ws.plan_key();
            let now = ctx.input(|i| i.time);
            let repaint = ctx.clone();
            self.ws.plan.ensure(key, &self.ws.doc.region, now, move || {
                repaint.request_repaint();
            });
        }
        // The lens follows the plan: once the plan of the region as it is now is here, the
        // stop is worked out against it on a worker.
        if let Some(involved) = self.ws.lens.poll() {
            // A new set of plants stopped: the map shows everything the stop touches.
            self.fly_to(&involved);
        }
        if lens_wants_plan && ctx.dragged_id().is_none() {
            let plan_key = self.ws.plan_key();
            let key = self.ws.lens.key(plan_key);
            if let Some(solved) = self.ws.plan.current(plan_key).cloned() {
                let now = ctx.input(|i| i.time);
                let repaint = ctx.clone();
                self.ws
                    .lens
                    .ensure(&key, &self.ws.doc.region, &solved, now, move || {
                        repaint.request_repaint();
                    });
            }
        }
        let revision = self.ws.autosave_revision();
        let focus_lost = ctx.input(|i| {
            i.events
                .iter()
                .any(|e| matches!(e, egui::Event::WindowFocused(false)))
        });
        let now = ctx.input(|i| i.time);
        if let Some(a) = &mut self.autosave {
            a.tick(
                &self.ws.doc.region,
                self.ws.doc.path.as_deref(),
                self.ws.doc.dirty,
                revision,
                now,
                focus_lost,
            );
            if self.ws.doc.dirty {
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
        if ctx.input(|i| i.viewport().close_requested()) && self.ws.doc.dirty && !self.quitting {
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
        } else if self.ws.workshop
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            self.push(Command::ToggleWorkshop);
        }
        // A presenter's clicker sends Page Down and Page Up; the arrows work too.
        if self.ws.workshop && !ctx.egui_wants_keyboard_input() {
            let next = ctx.input_mut(|i| {
                i.consume_key(egui::Modifiers::NONE, egui::Key::PageDown)
                    || i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowRight)
            });
            let previous = ctx.input_mut(|i| {
                i.consume_key(egui::Modifiers::NONE, egui::Key::PageUp)
                    || i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowLeft)
            });
            if next {
                self.push(Command::WalkTo(self.ws.walk.index + 1));
            } else if previous {
                self.push(Command::WalkTo(self.ws.walk.index.saturating_sub(1)));
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
