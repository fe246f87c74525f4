//! Applying the commands the widgets emitted, once per frame.

#[allow(clippy::wildcard_imports)]
use super::*;

impl SymbiomapApp {
    /// Runs `change` on the document and keeps the selection on the same facility and stream
    /// (by id) when facilities were added or removed before it.
    pub(super) fn keeping_selection<T>(&mut self, change: impl FnOnce(&mut Document) -> T) -> T {
        let region = &self.ws.doc.region;
        let facility_id = self
            .ws
            .selected_facility
            .and_then(|f| region.facilities.get(f))
            .map(|f| f.id.clone());
        let stream_id = self
            .ws
            .selected_stream
            .and_then(|(f, s)| region.facilities.get(f)?.outputs.get(s))
            .map(|o| o.id.clone());
        let before = self.ws.doc.facilities_revision;
        let result = change(&mut self.ws.doc);
        if self.ws.doc.facilities_revision != before {
            let region = &self.ws.doc.region;
            self.ws.selected_facility = facility_id.and_then(|id| region.facility_index(&id));
            self.ws.selected_stream = stream_id
                .and_then(|id| region.output_index(&id))
                .filter(|(f, _)| Some(*f) == self.ws.selected_facility);
            self.ws.selected_candidate = None;
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
    pub(super) fn apply_one(&mut self, command: Command) {
        match command {
            Command::SelectFacility(f) => {
                if self.form.as_ref().is_some_and(|form| Some(form.index) != f) {
                    self.form = None;
                }
                self.ws.selected_facility = f;
                self.ws.selected_candidate = None;
                self.ws.selected_stream = f.and_then(|f| {
                    (!self.ws.doc.region.facilities.get(f)?.outputs.is_empty()).then_some((f, 0))
                });
            }
            Command::SelectStream { facility, stream } => {
                self.ws.selected_facility = Some(facility);
                self.ws.selected_stream = Some((facility, stream));
                self.ws.selected_candidate = None;
            }
            Command::SelectCandidate(c) => self.ws.selected_candidate = c,
            Command::SetTool(t) => self.tools.set_tool(t),
            Command::ShowProposal(i) => {
                let region = &self.ws.doc.region;
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
                self.ws.tab = Tab::Projects;
                self.open_project = Some(i);
            }
            Command::CloseProject => {
                self.project_form = None;
                self.open_project = None;
            }
            Command::ToggleBoard => self.show_board = !self.show_board,
            Command::ToggleWorkshop => self.set_workshop(!self.ws.workshop),
            Command::WalkList(list) => {
                self.ws.walk = Walk { list, index: 0 };
                self.push(Command::WalkTo(0));
            }
            Command::WalkTo(i) => self.walk_to(i),
            Command::ShowTab(t) => self.ws.tab = t,
            Command::SetPlanExchangeCost(c) => self.ws.plan.exchange_cost_per_yr = c,
            Command::Lens(c) => self.ws.lens.apply(&self.ws.doc.region, &c),
            Command::ShowExchange {
                from_facility,
                stream,
                to_facility,
                need,
            } => self.show_exchange(from_facility, stream, to_facility, need),
            Command::AddFacilityAt(p) => {
                let region = &self.ws.doc.region;
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
                let region = &self.ws.doc.region;
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
                self.ws.selected_hub = h;
                if h.is_some() {
                    self.ws.tab = Tab::Plan;
                }
            }
            Command::EditFacility(i) => {
                if let Some(f) = self.ws.doc.region.facilities.get(i) {
                    self.form = Some(FacilityForm::new(i, f));
                    self.ws.selected_facility = Some(i);
                }
            }
            Command::ZoomToFit => self.fit_requested = true,
            Command::ZoomToSelection => {
                // The selection may have changed earlier in this frame: fit its partners.
                self.refresh_derived();
                if let Some(f) = self
                    .ws
                    .selected_facility
                    .and_then(|f| self.ws.doc.region.facilities.get(f))
                {
                    let mut points = vec![(f.location.lat_deg, f.location.lon_deg)];
                    if let Some(view) = &self.ws.stream_view {
                        points.extend(view.candidates.iter().filter(|c| c.viable).filter_map(
                            |c| {
                                let p = self.ws.doc.region.facilities.get(c.to_facility)?;
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
                let now = self.ws.egui_ctx.input(|i| i.time);
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
            Command::Save => match self.ws.doc.path.clone() {
                Some(p) => {
                    self.save_to(&p);
                }
                None => self.push(Command::SaveAsDialog),
            },
            Command::SaveAsDialog => {
                match rfd::FileDialog::new()
                    .add_filter("Symbiomap region", &["json"])
                    .set_file_name(format!("{}.json", file_stem_for(&self.ws.doc.region.name)))
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
}
