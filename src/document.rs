//! The open region and everything derived from it: the engine, and the selected stream's
//! candidates. Every change to the region is an [`Edit`] applied here, once per frame; each
//! edit returns its inverse, which is what undo is built on.

use std::path::PathBuf;

use crate::catalogue::CatalogueError;
use crate::catalogue::Material;
use crate::matching::{Candidate, Engine, PairHit, SearchOptions};
use crate::model::{
    Facility, LatLon, ModeKey, PreprocessStep, Project, Proposal, Region, Settings,
};

fn chain(
    region: &mut Region,
    facility: usize,
    stream: usize,
) -> Result<&mut Vec<PreprocessStep>, String> {
    region
        .facilities
        .get_mut(facility)
        .and_then(|f| f.outputs.get_mut(stream))
        .map(|s| &mut s.preprocessing)
        .ok_or_else(|| format!("no stream {stream} at facility {facility}"))
}

/// A change to the region.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Insert a preprocessing step at `index` of a stream's chain.
    InsertStep {
        facility: usize,
        stream: usize,
        index: usize,
        step: PreprocessStep,
    },
    RemoveStep {
        facility: usize,
        stream: usize,
        index: usize,
    },
    /// Replace a step (its parameters changed).
    SetStep {
        facility: usize,
        stream: usize,
        index: usize,
        step: PreprocessStep,
    },
    SetSettings(Settings),
    /// Insert a facility at `index` (the end for a new one).
    InsertFacility {
        index: usize,
        facility: Box<Facility>,
    },
    RemoveFacility {
        index: usize,
    },
    /// Replace a facility: any of its fields, streams or needs changed.
    SetFacility {
        index: usize,
        facility: Box<Facility>,
    },
    MoveFacility {
        index: usize,
        location: LatLon,
    },
    /// Add a material of the region's own (or replace the built-in one of that key).
    InsertMaterial {
        index: usize,
        material: Box<Material>,
    },
    RemoveMaterial {
        index: usize,
    },
    InsertProposal {
        index: usize,
        proposal: Box<Proposal>,
    },
    RemoveProposal {
        index: usize,
    },
    SetProposal {
        index: usize,
        proposal: Box<Proposal>,
    },
    InsertProject {
        index: usize,
        project: Box<Project>,
    },
    RemoveProject {
        index: usize,
    },
    SetProject {
        index: usize,
        project: Box<Project>,
    },
    /// A candidate hub site (`crate::hubs`).
    InsertHub {
        index: usize,
        site: Box<crate::hubs::HubSite>,
    },
    RemoveHub {
        index: usize,
    },
    /// Replace a hub site (moved, or its type changed).
    SetHub {
        index: usize,
        site: Box<crate::hubs::HubSite>,
    },
    /// Several edits as one (undone together, in reverse).
    Batch(Vec<Edit>),
}

fn slot<T>(items: &mut [T], index: usize, what: &str) -> Result<usize, String> {
    if index < items.len() {
        Ok(index)
    } else {
        Err(format!("no {what} {index}"))
    }
}

/// Inserts `item` at `index` (at the end if past it); returns where it went.
fn insert_at<T>(items: &mut Vec<T>, index: usize, item: T) -> usize {
    let index = index.min(items.len());
    items.insert(index, item);
    index
}

/// Removes item `index`, boxed for the edit that puts it back.
fn remove_at<T>(items: &mut Vec<T>, index: usize, what: &str) -> Result<Box<T>, String> {
    let i = slot(items, index, what)?;
    Ok(Box::new(items.remove(i)))
}

/// Replaces item `index` by `item`; returns the old one, boxed for the edit that undoes it.
fn replace_at<T>(items: &mut [T], index: usize, item: T, what: &str) -> Result<Box<T>, String> {
    let i = slot(items, index, what)?;
    Ok(Box::new(std::mem::replace(&mut items[i], item)))
}

/// A hub site must stand on Earth.
fn valid_site(site: &crate::hubs::HubSite) -> Result<(), String> {
    if site.location.is_valid() {
        Ok(())
    } else {
        Err(format!(
            "{:.5}, {:.5} is not a place on Earth",
            site.location.lat_deg, site.location.lon_deg
        ))
    }
}

impl Edit {
    /// Applies the edit and returns the edit that undoes it.
    #[allow(clippy::too_many_lines)]
    pub fn apply(self, region: &mut Region) -> Result<Edit, String> {
        match self {
            Edit::InsertStep {
                facility,
                stream,
                index,
                step,
            } => {
                let steps = chain(region, facility, stream)?;
                let index = index.min(steps.len());
                steps.insert(index, step);
                Ok(Edit::RemoveStep {
                    facility,
                    stream,
                    index,
                })
            }
            Edit::RemoveStep {
                facility,
                stream,
                index,
            } => {
                let steps = chain(region, facility, stream)?;
                if index >= steps.len() {
                    return Err(format!("no step {index} to remove"));
                }
                let step = steps.remove(index);
                Ok(Edit::InsertStep {
                    facility,
                    stream,
                    index,
                    step,
                })
            }
            Edit::SetStep {
                facility,
                stream,
                index,
                step,
            } => {
                let steps = chain(region, facility, stream)?;
                let slot = steps
                    .get_mut(index)
                    .ok_or_else(|| format!("no step {index} to change"))?;
                let old = std::mem::replace(slot, step);
                Ok(Edit::SetStep {
                    facility,
                    stream,
                    index,
                    step: old,
                })
            }
            Edit::SetSettings(settings) => {
                let old = std::mem::replace(&mut region.settings, settings);
                Ok(Edit::SetSettings(old))
            }
            Edit::InsertFacility { index, facility } => Ok(Edit::RemoveFacility {
                index: insert_at(&mut region.facilities, index, *facility),
            }),
            Edit::RemoveFacility { index } => Ok(Edit::InsertFacility {
                index,
                facility: remove_at(&mut region.facilities, index, "facility")?,
            }),
            Edit::SetFacility { index, facility } => Ok(Edit::SetFacility {
                index,
                facility: replace_at(&mut region.facilities, index, *facility, "facility")?,
            }),
            Edit::MoveFacility { index, location } => {
                if !location.is_valid() {
                    return Err(format!(
                        "{:.5}, {:.5} is not a place on Earth",
                        location.lat_deg, location.lon_deg
                    ));
                }
                let i = slot(&mut region.facilities, index, "facility")?;
                let old = std::mem::replace(&mut region.facilities[i].location, location);
                Ok(Edit::MoveFacility {
                    index,
                    location: old,
                })
            }
            Edit::InsertMaterial { index, material } => Ok(Edit::RemoveMaterial {
                index: insert_at(&mut region.catalogue.materials, index, *material),
            }),
            Edit::RemoveMaterial { index } => Ok(Edit::InsertMaterial {
                index,
                material: remove_at(&mut region.catalogue.materials, index, "material")?,
            }),
            Edit::InsertProposal { index, proposal } => Ok(Edit::RemoveProposal {
                index: insert_at(&mut region.proposals, index, *proposal),
            }),
            Edit::RemoveProposal { index } => Ok(Edit::InsertProposal {
                index,
                proposal: remove_at(&mut region.proposals, index, "proposal")?,
            }),
            Edit::SetProposal { index, proposal } => Ok(Edit::SetProposal {
                index,
                proposal: replace_at(&mut region.proposals, index, *proposal, "proposal")?,
            }),
            Edit::InsertProject { index, project } => Ok(Edit::RemoveProject {
                index: insert_at(&mut region.projects, index, *project),
            }),
            Edit::RemoveProject { index } => Ok(Edit::InsertProject {
                index,
                project: remove_at(&mut region.projects, index, "project")?,
            }),
            Edit::SetProject { index, project } => Ok(Edit::SetProject {
                index,
                project: replace_at(&mut region.projects, index, *project, "project")?,
            }),
            Edit::InsertHub { index, site } => {
                valid_site(&site)?;
                Ok(Edit::RemoveHub {
                    index: insert_at(&mut region.hubs, index, *site),
                })
            }
            Edit::RemoveHub { index } => Ok(Edit::InsertHub {
                index,
                site: remove_at(&mut region.hubs, index, "hub site")?,
            }),
            Edit::SetHub { index, site } => {
                valid_site(&site)?;
                Ok(Edit::SetHub {
                    index,
                    site: replace_at(&mut region.hubs, index, *site, "hub site")?,
                })
            }
            Edit::Batch(edits) => {
                let mut inverses = Vec::with_capacity(edits.len());
                for e in edits {
                    match e.apply(region) {
                        Ok(inv) => inverses.push(inv),
                        Err(err) => {
                            // Leave the region as it was.
                            for inv in inverses.into_iter().rev() {
                                let _ = inv.apply(region);
                            }
                            return Err(err);
                        }
                    }
                }
                inverses.reverse();
                Ok(Edit::Batch(inverses))
            }
        }
    }

    /// Whether the edit moves, adds or removes facilities or changes what their markers show.
    pub fn changes_facilities(&self) -> bool {
        match self {
            Edit::InsertFacility { .. }
            | Edit::RemoveFacility { .. }
            | Edit::SetFacility { .. }
            | Edit::MoveFacility { .. } => true,
            Edit::Batch(edits) => edits.iter().any(Edit::changes_facilities),
            _ => false,
        }
    }

    /// Whether the engine has to see the change (proposals and projects are only read).
    pub fn changes_engine(&self) -> bool {
        match self {
            Edit::InsertProposal { .. }
            | Edit::RemoveProposal { .. }
            | Edit::SetProposal { .. }
            | Edit::InsertProject { .. }
            | Edit::RemoveProject { .. }
            | Edit::SetProject { .. }
            | Edit::InsertHub { .. }
            | Edit::RemoveHub { .. }
            | Edit::SetHub { .. } => false,
            Edit::Batch(edits) => edits.iter().any(Edit::changes_engine),
            _ => true,
        }
    }

    /// Repeated edits of the same thing share a key, so that a slider drag or a word typed is
    /// one undo step; adding and removing never merge.
    pub fn coalesce_key(&self) -> Option<String> {
        match self {
            Edit::SetStep {
                facility,
                stream,
                index,
                ..
            } => Some(format!("step {facility} {stream} {index}")),
            Edit::SetSettings(_) => Some("settings".to_owned()),
            Edit::SetFacility { index, .. } => Some(format!("facility {index}")),
            Edit::MoveFacility { index, .. } => Some(format!("move {index}")),
            Edit::SetProposal { index, .. } => Some(format!("proposal {index}")),
            Edit::SetProject { index, .. } => Some(format!("project {index}")),
            Edit::SetHub { index, .. } => Some(format!("hub {index}")),
            _ => None,
        }
    }

    /// The stream this edit changes, if it changes only one.
    pub fn stream(&self) -> Option<(usize, usize)> {
        match self {
            Edit::InsertStep {
                facility, stream, ..
            }
            | Edit::RemoveStep {
                facility, stream, ..
            }
            | Edit::SetStep {
                facility, stream, ..
            } => Some((*facility, *stream)),
            _ => None,
        }
    }

    /// What the edit does, for the undo history ("Move Delta Steel").
    pub fn label(&self, region: &Region) -> String {
        let facility = |i: &usize| {
            region
                .facilities
                .get(*i)
                .map_or_else(|| format!("facility {i}"), |f| f.name.clone())
        };
        match self {
            Edit::InsertStep {
                facility: f, step, ..
            } => {
                format!("Add {} at {}", step.step.replace('_', " "), facility(f))
            }
            Edit::RemoveStep { facility: f, .. } => format!("Remove a step at {}", facility(f)),
            Edit::SetStep {
                facility: f, step, ..
            } => {
                format!("Adjust {} at {}", step.step.replace('_', " "), facility(f))
            }
            Edit::SetSettings(_) => "Change region-wide economics".to_owned(),
            Edit::InsertFacility { facility: f, .. } => format!("Add {}", f.name),
            Edit::RemoveFacility { index } => format!("Delete {}", facility(index)),
            Edit::SetFacility { facility: f, .. } => format!("Edit {}", f.name),
            Edit::MoveFacility { index, .. } => format!("Move {}", facility(index)),
            Edit::InsertMaterial { material, .. } => {
                format!("Add material {}", material.display_name())
            }
            Edit::RemoveMaterial { .. } => "Remove a material".to_owned(),
            Edit::InsertProposal { .. } => "Capture a proposal".to_owned(),
            Edit::RemoveProposal { .. } => "Delete a proposal".to_owned(),
            Edit::SetProposal { .. } => "Edit a proposal".to_owned(),
            Edit::InsertProject { project, .. } => format!("Start project {}", project.name),
            Edit::RemoveProject { .. } => "Delete a project".to_owned(),
            Edit::SetProject { project, .. } => format!("Edit project {}", project.name),
            Edit::InsertHub { site, .. } => format!("Add hub site {}", site.name),
            Edit::RemoveHub { index } => format!(
                "Remove hub site {}",
                region.hubs.get(*index).map_or("", |h| h.name.as_str())
            ),
            Edit::SetHub { site, .. } => format!("Change hub site {}", site.name),
            Edit::Batch(edits) => {
                // An import merged into the region: say what it added, not its last site.
                let facilities = edits
                    .iter()
                    .filter(|e| matches!(e, Edit::InsertFacility { .. }))
                    .count();
                let materials = edits
                    .iter()
                    .filter(|e| matches!(e, Edit::InsertMaterial { .. }))
                    .count();
                if edits.len() > 1 && facilities + materials == edits.len() {
                    let count = |n: usize, one: &str, many: &str| {
                        format!("{n} {}", if n == 1 { one } else { many })
                    };
                    let sites = count(facilities, "facility", "facilities");
                    let kinds = count(materials, "material", "materials");
                    match (facilities, materials) {
                        (_, 0) => format!("Add {sites}"),
                        (0, _) => format!("Add {kinds}"),
                        _ => format!("Add {sites} and {kinds}"),
                    }
                } else {
                    edits
                        .last()
                        .map_or_else(|| "Several changes".to_owned(), |e| e.label(region))
                }
            }
        }
    }
}

/// Deleting facility `index` with what refers to it: the proposals that name it go, and so do
/// its place, stream and need in projects. One undo brings all of it back.
pub fn delete_facility(region: &Region, index: usize) -> Option<Edit> {
    let facility = region.facilities.get(index)?;
    let id = &facility.id;
    let mut edits = Vec::new();
    let mut removed = Vec::new();
    // Highest index first, so that earlier removals do not shift later ones.
    for (i, p) in region.proposals.iter().enumerate().rev() {
        if &p.from_facility == id || &p.to_facility == id {
            edits.push(Edit::RemoveProposal { index: i });
            removed.push(p.id.as_str());
        }
    }
    let owns_stream = |s: &Option<String>| {
        s.as_ref()
            .is_some_and(|s| facility.outputs.iter().any(|o| &o.id == s))
    };
    let owns_need = |s: &Option<String>| {
        s.as_ref()
            .is_some_and(|s| facility.needs.iter().any(|n| &n.id == s))
    };
    for (i, project) in region.projects.iter().enumerate() {
        let mut changed = project.clone();
        changed.members.retain(|m| m.facility.as_ref() != Some(id));
        if owns_stream(&changed.stream) {
            changed.stream = None;
        }
        if owns_need(&changed.need) {
            changed.need = None;
        }
        if changed
            .proposal
            .as_ref()
            .is_some_and(|p| removed.contains(&p.as_str()))
        {
            changed.proposal = None;
        }
        if &changed != project {
            edits.push(Edit::SetProject {
                index: i,
                project: Box::new(changed),
            });
        }
    }
    edits.push(Edit::RemoveFacility { index });
    Some(if edits.len() == 1 {
        edits.remove(0)
    } else {
        Edit::Batch(edits)
    })
}

/// One step of the undo history.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    /// What the step did ("Move Delta Steel").
    pub label: String,
    /// The edit that goes back (on the undo stack) or forward again (on the redo stack).
    edit: Edit,
    /// Edits with the same key within [`COALESCE_S`] of each other are one step (a slider
    /// drag, a word typed).
    key: Option<String>,
    /// When the step was last extended, seconds on the caller's clock.
    at_s: f64,
    /// Unique per step: what "saved" points at.
    id: u64,
}

/// Edits of the same thing closer than this in time are undone together.
pub const COALESCE_S: f64 = 1.0;

/// One line on the map from the selected stream to a partner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartnerLine {
    pub to_facility: usize,
    pub viable: bool,
    pub net_value_per_unit: f64,
    /// The smaller of the stream's and the need's yearly quantity: what could flow.
    pub weight: f64,
}

/// The candidates of the selected stream, with what the map and the inspector draw.
#[derive(Clone, Debug, Default)]
pub struct StreamView {
    pub facility: usize,
    pub stream: usize,
    /// Every pair found (viable, near misses up to 1.25 x break-even, failed specifications),
    /// as map lines.
    pub lines: Vec<PartnerLine>,
    pub viable_count: usize,
    /// The best of them, explained in full for the list (at most [`EXPLAINED`]).
    pub candidates: Vec<Candidate>,
    /// Break-even reach per mode, road km, against the best-paying need.
    pub reach_by_mode: Vec<(ModeKey, f64)>,
    /// The region's detour factor for this stream's material (road km / great-circle km).
    pub detour_factor: f64,
    /// Why the stream cannot be searched, if it cannot.
    pub problem: Option<String>,
}

/// How far the map looks for near misses.
pub const NEAR_MISS_FACTOR: f64 = 1.25;

/// How many candidates the inspector lists with their reasons (the map shows them all).
pub const EXPLAINED: usize = 60;

/// The open region.
pub struct Document {
    /// Shared with a background rebuild of the engine (`settle_in_background`), which would
    /// otherwise copy the region on the UI thread; an edit copies it only while one runs.
    pub region: std::sync::Arc<Region>,
    pub path: Option<PathBuf>,
    /// Changed since it was last saved or opened.
    pub dirty: bool,
    pub engine: Engine,
    /// Bumped at every change; derived views compare it.
    pub revision: u64,
    /// Bumped when facilities change (markers, the map index).
    pub facilities_revision: u64,
    /// The region's settings changed and only some streams were re-prepared since.
    pub engine_stale: bool,
    /// A rebuild running on a worker thread: the revision it started from, and its result.
    rebuilding: Option<(u64, std::sync::mpsc::Receiver<Result<Engine, String>>)>,
    /// Steps to undo, the latest last.
    pub undo_stack: Vec<HistoryEntry>,
    /// Steps undone, to redo, the latest undone last.
    pub redo_stack: Vec<HistoryEntry>,
    next_entry_id: u64,
    /// The undo step the file on disk corresponds to (`None`: before any step).
    saved_at: Option<u64>,
    /// Changed in a way the history cannot undo back to the file (an import).
    unsaved_origin: bool,
}

/// Up to this many output streams, a settings change re-prepares every stream at once (a few
/// milliseconds); above, only the stream on screen until the slider is let go.
pub const LIVE_REBUILD_LIMIT: usize = 2_000;

impl Document {
    pub fn new(region: Region, path: Option<PathBuf>) -> Result<Self, CatalogueError> {
        let engine = Engine::new(&region)?;
        Ok(Self {
            region: std::sync::Arc::new(region),
            path,
            dirty: false,
            engine,
            revision: 0,
            facilities_revision: 0,
            engine_stale: false,
            rebuilding: None,
            undo_stack: Vec::new(),
            redo_stack: Vec::new(),
            next_entry_id: 1,
            saved_at: None,
            unsaved_origin: false,
        })
    }

    /// Applies an edit and keeps the engine in step; returns the inverse edit. Not recorded
    /// in the history: see [`Self::edit`].
    pub fn apply(&mut self, edit: Edit) -> Result<Edit, String> {
        let stream = edit.stream();
        let settings = matches!(edit, Edit::SetSettings(_));
        let facilities = edit.changes_facilities();
        let engine = edit.changes_engine();
        let inverse = edit.apply(std::sync::Arc::make_mut(&mut self.region))?;
        if facilities {
            self.facilities_revision += 1;
        }
        match stream {
            Some((f, s)) => self.engine.refresh_supply(&self.region, f, s),
            None if !engine => {}
            None if settings && self.engine.supplies.len() > LIVE_REBUILD_LIMIT => {
                // Too many streams to re-prepare in one frame: the shown stream follows now
                // (see `refresh_stream`), the rest when the user lets go (`settle`).
                self.engine.set_settings(&self.region);
                self.engine_stale = true;
            }
            None => {
                if let Err(e) = self.rebuild_engine() {
                    // The region must stay one the engine can read: take the edit back.
                    let _ = inverse.apply(std::sync::Arc::make_mut(&mut self.region));
                    self.rebuild_engine()?;
                    return Err(e);
                }
            }
        }
        self.revision += 1;
        Ok(inverse)
    }

    /// Applies an edit and records it for undo. Edits with the same `key` (say, one slider
    /// or one text field) less than [`COALESCE_S`] apart are one step; `now_s` is the
    /// caller's clock in seconds.
    pub fn edit(&mut self, edit: Edit, key: Option<String>, now_s: f64) -> Result<(), String> {
        let label = edit.label(&self.region);
        let inverse = self.apply(edit)?;
        self.redo_stack.clear();
        let extend = self
            .undo_stack
            .last()
            .is_some_and(|top| key.is_some() && top.key == key && now_s - top.at_s < COALESCE_S);
        if extend {
            if let Some(top) = self.undo_stack.last_mut() {
                // Keep the first inverse: undo goes back to before the whole gesture.
                top.at_s = now_s;
                if Some(top.id) == self.saved_at {
                    // The file holds the middle of the gesture: this step is a new state.
                    top.id = self.next_entry_id;
                    self.next_entry_id += 1;
                }
            }
        } else {
            self.undo_stack.push(HistoryEntry {
                label,
                edit: inverse,
                key,
                at_s: now_s,
                id: self.next_entry_id,
            });
            self.next_entry_id += 1;
        }
        self.update_dirty();
        Ok(())
    }

    /// Undoes the latest step; returns its label.
    pub fn undo(&mut self) -> Result<Option<String>, String> {
        self.travel(true)
    }

    /// Redoes the latest undone step; returns its label.
    pub fn redo(&mut self) -> Result<Option<String>, String> {
        self.travel(false)
    }

    /// Moves one step back (`undo`) or forward in the history: applies the step's edit and
    /// files the edit that reverses it on the other stack.
    fn travel(&mut self, undo: bool) -> Result<Option<String>, String> {
        let entry = if undo {
            self.undo_stack.pop()
        } else {
            self.redo_stack.pop()
        };
        let Some(entry) = entry else {
            return Ok(None);
        };
        match self.apply(entry.edit.clone()) {
            Ok(reverse) => {
                let label = entry.label.clone();
                let moved = HistoryEntry {
                    edit: reverse,
                    key: None,
                    ..entry
                };
                if undo {
                    self.redo_stack.push(moved);
                } else {
                    self.undo_stack.push(moved);
                }
                self.update_dirty();
                Ok(Some(label))
            }
            Err(e) => {
                if undo {
                    self.undo_stack.push(entry);
                } else {
                    self.redo_stack.push(entry);
                }
                Err(e)
            }
        }
    }

    /// The file on disk now holds the region as it is.
    pub fn mark_saved(&mut self, path: PathBuf) {
        self.path = Some(path);
        self.saved_at = self.undo_stack.last().map(|e| e.id);
        self.unsaved_origin = false;
        self.update_dirty();
    }

    /// The region did not come from a file as it is (an import, a recovery): unsaved until
    /// saved, whatever is undone.
    pub fn mark_unsaved_origin(&mut self) {
        self.unsaved_origin = true;
        self.update_dirty();
    }

    fn update_dirty(&mut self) {
        self.dirty = self.unsaved_origin || self.undo_stack.last().map(|e| e.id) != self.saved_at;
    }

    fn rebuild_engine(&mut self) -> Result<(), String> {
        self.engine = Engine::new(&self.region).map_err(|e| e.to_string())?;
        self.engine_stale = false;
        Ok(())
    }

    /// Brings one stream up to date with the region's settings (the one on screen while a
    /// region-wide slider moves).
    pub fn refresh_stream(&mut self, facility: usize, stream: usize) {
        if self.engine_stale {
            self.engine.refresh_supply(&self.region, facility, stream);
        }
    }

    /// Brings every stream up to date now (before anything region-wide, such as an export).
    pub fn settle(&mut self) -> Result<(), String> {
        if self.engine_stale {
            self.rebuild_engine()?;
        }
        Ok(())
    }

    /// Brings every stream up to date on a worker thread (after a region-wide slider is let
    /// go: a large region takes several frames). `done` is called from the worker when the
    /// result is ready; [`Self::poll_rebuild`] takes it in, unless the region changed since.
    pub fn settle_in_background(&mut self, done: impl FnOnce() + Send + 'static) {
        if !self.engine_stale
            || self
                .rebuilding
                .as_ref()
                .is_some_and(|(rev, _)| *rev == self.revision)
        {
            return;
        }
        let region = std::sync::Arc::clone(&self.region);
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("engine-rebuild".into())
            .spawn(move || {
                let _ = tx.send(Engine::new(&region).map_err(|e| e.to_string()));
                done();
            });
        match spawned {
            Ok(_) => self.rebuilding = Some((self.revision, rx)),
            // No thread to be had: do it here.
            Err(_) => {
                let _ = self.settle();
            }
        }
    }

    /// Takes in a finished background rebuild, if the region is still the one it started from.
    pub fn poll_rebuild(&mut self) -> Result<(), String> {
        let Some((revision, rx)) = &self.rebuilding else {
            return Ok(());
        };
        let result = match rx.try_recv() {
            Ok(result) => result,
            Err(std::sync::mpsc::TryRecvError::Empty) => return Ok(()),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.rebuilding = None;
                return Ok(());
            }
        };
        let current = *revision == self.revision;
        self.rebuilding = None;
        if current {
            self.engine = result?;
            self.engine_stale = false;
        }
        Ok(())
    }

    /// The display name: the file name, or the region's name for an unsaved region.
    pub fn title(&self) -> String {
        match &self.path {
            Some(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            None => self.region.name.clone(),
        }
    }

    /// Everything about one stream's partners.
    pub fn stream_view(&self, facility: usize, stream: usize) -> StreamView {
        let mut view = StreamView {
            facility,
            stream,
            detour_factor: self.region.settings.detour_factor,
            ..StreamView::default()
        };
        let Some(supply) = self.engine.supply_index(facility, stream) else {
            return view;
        };
        let s = &self.engine.supplies[supply];
        view.problem = s.problem.as_ref().map(ToString::to_string);
        if let Some(opt) = s.options.first() {
            view.detour_factor = opt.detour_factor;
        }
        let options = SearchOptions {
            reach_factor: NEAR_MISS_FACTOR,
            include_failed: true,
        };
        let mut hits: Vec<PairHit> = Vec::new();
        self.engine
            .search_supply(&self.region, supply, &options, &mut hits);
        let stream_qty = self.region.facilities[facility].outputs[stream].quantity_per_yr;
        view.viable_count = hits.iter().filter(|h| h.viable).count();
        view.lines = hits
            .iter()
            .map(|h| {
                let d = &self.engine.demands[h.demand as usize];
                let need_qty = self.region.facilities[d.facility as usize].needs[d.need as usize]
                    .quantity_per_yr;
                PartnerLine {
                    to_facility: d.facility as usize,
                    viable: h.viable,
                    net_value_per_unit: h.net_value_per_unit,
                    weight: stream_qty.min(need_qty),
                }
            })
            .collect();
        // Explain the best ones: viable first, then by net value per unit.
        hits.sort_by(|a, b| {
            b.viable
                .cmp(&a.viable)
                .then(b.net_value_per_unit.total_cmp(&a.net_value_per_unit))
        });
        hits.truncate(EXPLAINED);
        view.candidates = hits
            .iter()
            .filter_map(|h| self.engine.explain(&self.region, h))
            .collect();
        view.candidates.sort_by(|a, b| {
            b.viable
                .cmp(&a.viable)
                .then(b.annual.value_per_yr.total_cmp(&a.annual.value_per_yr))
        });
        view.reach_by_mode = self.engine.supply_reach(supply);
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region() -> Region {
        crate::synth::generate(30, 5)
    }

    #[test]
    fn a_merged_import_is_labelled_by_what_it_adds() {
        let region = crate::model::Region::default();
        let site = |id: &str| Edit::InsertFacility {
            index: 0,
            facility: Box::new(crate::model::Facility::new(
                id,
                id,
                crate::model::LatLon::new(50.0, 4.0),
            )),
        };
        let batch = Edit::Batch(vec![site("a"), site("b"), site("c")]);
        assert_eq!(batch.label(&region), "Add 3 facilities");
        let one = Edit::Batch(vec![site("a")]);
        assert_eq!(
            one.label(&region),
            "Add a",
            "a single edit keeps its own label"
        );
    }

    #[test]
    fn every_edit_is_undone_by_its_inverse() {
        let mut r = region();
        let original = r.clone();
        let edits = vec![
            Edit::InsertStep {
                facility: 0,
                stream: 0,
                index: 0,
                step: PreprocessStep::new("compaction"),
            },
            Edit::SetSettings(Settings {
                detour_factor: 1.5,
                ..Settings::default()
            }),
        ];
        let mut inverses = Vec::new();
        for e in edits {
            inverses.push(e.apply(&mut r).unwrap());
        }
        assert_ne!(r, original);
        let step = Edit::SetStep {
            facility: 0,
            stream: 0,
            index: 0,
            step: PreprocessStep {
                target_density_t_per_m3: Some(0.5),
                ..PreprocessStep::new("compaction")
            },
        };
        inverses.push(step.apply(&mut r).unwrap());
        for inv in inverses.into_iter().rev() {
            inv.apply(&mut r).unwrap();
        }
        assert_eq!(r, original);
    }

    #[test]
    fn a_settings_change_on_a_large_region_refreshes_the_shown_stream_then_the_rest() {
        let region = crate::synth::generate(1_500, 11);
        let mut doc = Document::new(region, None).unwrap();
        assert!(doc.engine.supplies.len() > LIVE_REBUILD_LIMIT);
        let (f, s) = (3, 0);
        let truck = |view: &StreamView| {
            view.reach_by_mode
                .iter()
                .find(|(m, _)| *m == ModeKey::Truck)
                .map(|(_, km)| *km)
        };
        let before = truck(&doc.stream_view(f, s)).expect("a truck reach");

        let settings = Settings {
            transport_cost_factor: 2.0,
            ..doc.region.settings.clone()
        };
        doc.apply(Edit::SetSettings(settings)).unwrap();
        assert!(doc.engine_stale, "only the shown stream is re-prepared");
        doc.refresh_stream(f, s);
        let live = doc.stream_view(f, s);
        // What a fresh engine on the changed region says about that stream.
        let fresh = Document::new(Region::clone(&doc.region), None).unwrap();
        let want = fresh.stream_view(f, s);
        assert_eq!(truck(&live), truck(&want));
        assert!(
            truck(&live).unwrap() < before,
            "dearer transport, shorter reach"
        );
        assert_eq!(live.viable_count, want.viable_count);
        assert_eq!(live.lines.len(), want.lines.len());

        // Letting go: the rest of the region is re-prepared on a worker thread.
        doc.settle_in_background(|| {});
        for _ in 0..500 {
            doc.poll_rebuild().unwrap();
            if !doc.engine_stale {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!doc.engine_stale);
        let all: crate::matching::Totals =
            doc.engine.search(&doc.region, &SearchOptions::default());
        let want: crate::matching::Totals = fresh
            .engine
            .search(&fresh.region, &SearchOptions::default());
        assert_eq!(all.pairs, want.pairs);
    }

    #[test]
    fn a_background_rebuild_of_an_older_region_is_dropped() {
        let region = crate::synth::generate(1_500, 12);
        let mut doc = Document::new(region, None).unwrap();
        let mut settings = doc.region.settings.clone();
        settings.carbon_price_per_t_co2 = 100.0;
        doc.apply(Edit::SetSettings(settings.clone())).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        doc.settle_in_background(move || {
            let _ = tx.send(());
        });
        // The user moves the slider again before the worker is done.
        settings.carbon_price_per_t_co2 = 150.0;
        doc.apply(Edit::SetSettings(settings)).unwrap();
        rx.recv().unwrap();
        doc.poll_rebuild().unwrap();
        assert!(
            doc.engine_stale,
            "the result for 100 EUR/t was not taken in"
        );
        assert_eq!(doc.engine.settings.carbon_price_per_t_co2, 150.0);
        doc.settle().unwrap();
        assert!(!doc.engine_stale);
    }

    #[test]
    fn an_edit_of_a_missing_stream_is_an_error_not_a_panic() {
        let mut r = region();
        let e = Edit::RemoveStep {
            facility: 999,
            stream: 0,
            index: 0,
        };
        assert!(e.apply(&mut r).is_err());
        let e = Edit::RemoveStep {
            facility: 0,
            stream: 0,
            index: 5,
        };
        assert!(e.apply(&mut r).is_err());
    }
}
