//! Opening, saving, importing and exporting files, and the prompts before work is discarded.

#[allow(clippy::wildcard_imports)]
use super::*;

impl SymbiomapApp {
    pub(super) fn open(&mut self, path: &Path) {
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
    pub(super) fn read_import(path: &Path) -> Result<(Region, csv_import::ImportReport), String> {
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
    pub(super) fn import_merge(&mut self, path: &Path) {
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
        let merge = crate::io::merge::plan(&self.ws.doc.region, imported);
        let facilities = self.ws.doc.region.facilities.len();
        let materials = self.ws.doc.region.catalogue.materials.len();
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
            format!(
                "Imported {} into {}",
                path.display(),
                self.ws.doc.region.name
            )
        } else {
            format!(
                "Imported {} into {}: {} id collision{}",
                path.display(),
                self.ws.doc.region.name,
                m.collisions.len(),
                if m.collisions.len() == 1 { "" } else { "s" }
            )
        };
        self.messages.push(Message {
            error: !m.collisions.is_empty(),
            title,
            body: format!("{m}{report}"),
            about: Some(self.ws.doc_generation),
        });
    }

    pub(super) fn import(&mut self, path: &Path) {
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

    pub(super) fn save_to(&mut self, path: &Path) -> bool {
        match region_file::save(&self.ws.doc.region, path) {
            Ok(()) => {
                self.ws.doc.mark_saved(path.to_owned());
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
            PathPurpose::SaveAs => fallback_save_path(&self.ws.doc.region),
            PathPurpose::Export => home_dir().join("facilities.geojson"),
            PathPurpose::Open | PathPurpose::Import => std::env::current_dir()
                .map(|d| d.join(""))
                .unwrap_or_default(),
        }
        .display()
        .to_string();
        self.path_prompt = Some(PathPrompt { purpose, text });
    }

    pub(super) fn path_prompt_window(&mut self, ctx: &egui::Context) {
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

    /// Exports the region: a `.csv` path gets the candidate CSV (as `symbiomap match --csv`),
    /// any other the facilities as `GeoJSON` and the candidate links beside them.
    pub(super) fn export(&mut self, path: &Path) {
        if let Err(e) = self.ws.doc.settle() {
            self.error("Export failed", e);
            return;
        }
        let include_confidential = self.export_include_confidential && !self.ws.workshop;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            let region = &self.ws.doc.region;
            let engine = &self.ws.doc.engine;
            let hits: Vec<crate::matching::PairHit> =
                engine.search(region, &crate::matching::SearchOptions::default());
            let mut candidates = engine.quantify_all(region, &hits);
            if self.export_omit_confidential || self.ws.workshop {
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
            omit_confidential: self.export_omit_confidential || self.ws.workshop,
            include_confidential,
        };
        let points = geojson::facilities_collection(&self.ws.doc.region, options);
        let links_path = path.with_file_name(format!(
            "{}-links.geojson",
            path.file_stem()
                .map_or_else(|| "facilities".into(), |s| s.to_string_lossy())
        ));
        let hits: Vec<crate::matching::PairHit> = self.ws.doc.engine.search(
            &self.ws.doc.region,
            &crate::matching::SearchOptions::default(),
        );
        let candidates: Vec<geojson::Link> = hits
            .iter()
            .filter_map(|h| self.ws.doc.engine.explain(&self.ws.doc.region, h))
            .map(|c| c.link())
            .collect();
        let links = geojson::links_collection(&self.ws.doc.region, &candidates, options);
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
    pub(super) fn ask_or(&mut self, action: Pending) {
        if self.ws.doc.dirty {
            self.pending = Some(action);
        } else {
            self.run_pending(action);
        }
    }

    pub(super) fn run_pending(&mut self, action: Pending) {
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
                self.ws
                    .egui_ctx
                    .send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }

    pub(super) fn resolve_pending(&mut self, choice: PendingChoice) {
        let Some(action) = self.pending.take() else {
            return;
        };
        match choice {
            PendingChoice::Cancel => {}
            PendingChoice::Discard => self.run_pending(action),
            PendingChoice::Save => {
                if let Some(p) = self.ws.doc.path.clone() {
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
}
