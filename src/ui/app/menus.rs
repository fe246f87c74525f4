//! The menu bar and the status bar.

#[allow(clippy::wildcard_imports)]
use super::*;

impl SymbiomapApp {
    pub(super) fn menu_bar(&mut self, ui: &mut egui::Ui) {
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
                    !self.ws.workshop && !self.export_omit_confidential,
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
                let undo = self.ws.doc.undo_stack.last().map(|e| e.label.clone());
                let redo = self.ws.doc.redo_stack.last().map(|e| e.label.clone());
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
                if !self.ws.workshop
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
                    .button(if self.ws.workshop {
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
                let results = crate::ui::search::search(&self.ws.doc.region, &self.search, 12);
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

    pub(super) fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let (outputs, needs) = self.ws.doc.region.stream_counts();
            ui.label(format!(
                "{}  ·  {} facilities, {outputs} outputs, {needs} needs",
                self.ws.doc.region.name,
                self.ws.doc.region.facilities.len()
            ));
            if self.ws.doc.dirty {
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
}
