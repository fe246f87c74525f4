//! The map: its layers (one walkers plugin each), flights to a place, screen positions.

#[allow(clippy::wildcard_imports)]
use super::*;

impl SymbiomapApp {
    pub(super) fn map(&mut self, ui: &mut egui::Ui) {
        let now = ui.input(|i| i.time);
        self.fly(now);
        if self.fit_requested {
            let points = self
                .ws
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
        let start = self.ws.doc.region.facilities.first().map_or_else(
            || lon_lat(10.0, 50.0),
            |f| lon_lat(f.location.lon_deg, f.location.lat_deg),
        );
        let mut events = FacilityEvents::default();
        let partners: Vec<usize> = self
            .ws
            .stream_view
            .as_ref()
            .map(|v| {
                let mut p: Vec<usize> = v.candidates.iter().map(|c| c.to_facility).collect();
                p.sort_unstable();
                p.dedup();
                p
            })
            .unwrap_or_default();
        let basemap_layer = if self.ws.workshop {
            BasemapLayer {
                map: self.basemaps.for_zoom(self.map_memory.zoom()),
                land: crate::ui::workshop::LAND,
                water: crate::ui::workshop::WATER,
                border: crate::ui::workshop::BORDER,
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
        let plan_key = self.ws.plan_key();
        let reach_banded = crate::ui::pipeline_panel::reach_masked(&self.ws);
        let tiles: Option<&mut dyn walkers::Tiles> = match (self.basemap, &mut self.osm) {
            (Basemap::OpenStreetMap, Some(t)) => Some(t),
            _ => None,
        };
        // The wheel zooms, as in every GIS; dragging pans.
        // Ids of the hub sites the plan drawn opens (they outlive the map's plugins).
        let mut open_hubs: Vec<String> = Vec::new();
        let mut map = Map::new(tiles, &mut self.map_memory, start).zoom_with_ctrl(false);
        if !online {
            map = map.with_plugin(basemap_layer);
        }
        // While the lens shows a stop, it is the map's one story: the proposals, projects and
        // the selected stream's partners wait until it closes.
        let lens = self
            .ws
            .lens
            .scenario
            .as_ref()
            .filter(|_| self.ws.lens.open)
            .map(|s| (s, s.key != self.ws.lens.key(plan_key)));
        if lens.is_none()
            && (!self.ws.doc.region.proposals.is_empty() || !self.ws.doc.region.projects.is_empty())
        {
            map = map.with_plugin(crate::ui::map::pipeline::PipelineLayer {
                region: &self.ws.doc.region,
                scale: self.scale,
            });
        }
        if let Some((scenario, stale)) = lens {
            // The lens replaces the plan layer: the plan's exchanges are its context.
            map = map.with_plugin(crate::ui::map::whatif::WhatIfLayer {
                drawing: &scenario.drawing,
                scale: self.scale,
                stale,
            });
        } else if self.ws.tab == Tab::Plan
            || (self.ws.workshop && self.ws.walk.list == crate::ui::command::WalkList::Plan)
        {
            if let Some(solved) = &self.ws.plan.solved {
                open_hubs = solved
                    .outcome
                    .report
                    .hubs
                    .iter()
                    .filter_map(|u| solved.outcome.hubs.get(u.hub).map(|h| h.id.clone()))
                    .collect();
                map = map.with_plugin(crate::ui::map::plan::PlanLayer {
                    region: &self.ws.doc.region,
                    report: &solved.outcome.report,
                    hubs: &solved.outcome.hubs,
                    scale: self.scale,
                    stale: solved.key != plan_key,
                });
            }
        }
        if let Some(view) = self.ws.stream_view.as_ref().filter(|_| lens.is_none()) {
            map = map.with_plugin(SelectionLayer {
                region: &self.ws.doc.region,
                view,
                highlighted: self.ws.selected_candidate,
                scale: self.scale,
                banded: reach_banded,
            });
        }
        map = map.with_plugin(FacilitiesLayer {
            index: &self.index,
            region: &self.ws.doc.region,
            catalogue: &self.ws.doc.engine.catalogue,
            selected: self.ws.selected_facility,
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
            map = map.with_plugin(crate::ui::map::whatif::StoppedMarks {
                drawing: &scenario.drawing,
                index: &self.index,
                region: &self.ws.doc.region,
                scale: self.scale,
            });
        }
        let mut hub_events = crate::ui::map::hubs::HubEvents::default();
        if !self.ws.doc.region.hubs.is_empty() {
            map = map.with_plugin(crate::ui::map::hubs::HubSitesLayer {
                region: &self.ws.doc.region,
                moving: self
                    .tools
                    .moving_hub
                    .map(|(i, p)| (i, mapmod::mercator(p.lat_deg, p.lon_deg))),
                selected: self.ws.selected_hub,
                open: &open_hubs,
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
        let region = &self.ws.doc.region;
        let scale = self.scale;
        let mut transform = None;
        let inner = map.show(ui, |ui, response, projector, _memory| {
            let t = ScreenTransform::new(projector);
            transform = Some(t);
            crate::ui::overlays::scale_bar(ui, projector, &t);
            crate::ui::overlays::attribution(ui, &t, online);
            crate::ui::overlays::legend(ui, &t, &self.index, scale.label);
            if !lens_shown {
                crate::ui::map::pipeline::labels(ui, &t, region, scale);
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
            crate::ui::tools::toolbar(ui, t.clip, tools, self.ws.workshop, &mut tool_commands);
            response.clicked()
        });
        self.commands.extend(tool_commands);
        self.transform = transform;
        let map_clicked = inner.inner;
        self.map_size = inner.response.rect.size();
        let ctx = ui.ctx().clone();
        for action in self
            .tools
            .update(&ctx, &events, &hub_events, map_clicked, !self.ws.workshop)
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
                    if let Some(site) = self.ws.doc.region.hubs.get(i) {
                        let mut site = site.clone();
                        site.location = p;
                        self.push(Command::Edit(Edit::SetHub {
                            index: i,
                            site: Box::new(site),
                        }));
                    }
                }
                ToolAction::Link { from, to } => {
                    self.proposal_draft = Some(ProposalDraft::new(&self.ws.doc.region, from, to));
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

    /// Fits these facilities into the map, flying there.
    pub(super) fn fly_to(&mut self, facilities: &[usize]) {
        let points: Vec<(f64, f64)> = facilities
            .iter()
            .filter_map(|&i| self.ws.doc.region.facilities.get(i))
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
            start_s: self.ws.egui_ctx.input(|i| i.time),
        });
    }

    /// Moves the map along its flight; lands at the end.
    pub(super) fn fly(&mut self, now_s: f64) {
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
            self.ws.egui_ctx.request_repaint();
        }
    }

    /// Where facility `i` was drawn at the last frame (its marker's centre), in points.
    pub fn screen_pos_of(&self, i: usize) -> Option<egui::Pos2> {
        let f = self.ws.doc.region.facilities.get(i)?;
        Some(
            self.transform?
                .to_screen(mapmod::mercator(f.location.lat_deg, f.location.lon_deg)),
        )
    }

    /// Where hub site `i` is on the screen (for tests that drive the map).
    pub fn screen_pos_of_hub(&self, i: usize) -> Option<egui::Pos2> {
        let h = self.ws.doc.region.hubs.get(i)?;
        Some(
            self.transform?
                .to_screen(mapmod::mercator(h.location.lat_deg, h.location.lon_deg)),
        )
    }
}
