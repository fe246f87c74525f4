//! The plan layer: each exchange of the region's plan as a line from sender to receiver, its
//! width growing with the tonnes (the square root, so that a 10 kt flow still shows beside a
//! 1 Mt one; heat, steam and gas by their MWh, in another colour), drawn under the markers.

use egui::{Color32, Stroke};
use walkers::{MapMemory, Plugin, Projector};

use crate::model::Region;
use crate::plan::Report;

use super::{mercator, ScreenTransform};
use crate::ui::theme::Scale;

/// The plan's colour on the map.
pub const PLAN_COLOUR: Color32 = Color32::from_rgb(0, 140, 130);
/// An open hub's marker.
pub const HUB_COLOUR: Color32 = Color32::from_rgb(90, 60, 160);
/// Flows of heat, steam and gas (sized by MWh).
pub const ENERGY_COLOUR: Color32 = Color32::from_rgb(215, 90, 30);

pub struct PlanLayer<'a> {
    pub region: &'a Region,
    pub report: &'a Report,
    /// The candidate hubs the report's indices refer to.
    pub hubs: &'a [crate::hubs::Hub],
    pub scale: Scale,
    /// An older plan shown while the next one is solved: drawn faded.
    pub stale: bool,
}

impl Plugin for PlanLayer<'_> {
    fn run(
        self: Box<Self>,
        ui: &mut egui::Ui,
        _response: &egui::Response,
        projector: &Projector,
        _memory: &MapMemory,
    ) {
        let t = ScreenTransform::new(projector);
        let painter = ui.painter().with_clip_rect(t.clip);
        // Tonnes, or for heat and gas the MWh (drawn in their own colour).
        let size = |e: &crate::plan::PlannedExchange| {
            if e.tonnes_per_yr > 0.0 {
                e.tonnes_per_yr.sqrt()
            } else {
                e.source_units_per_yr.max(0.0).sqrt()
            }
        };
        let most = self.report.exchanges.iter().map(size).fold(1.0, f64::max);
        let fade = if self.stale { 0.4 } else { 1.0 };
        for e in &self.report.exchanges {
            let colour = if e.tonnes_per_yr > 0.0 {
                PLAN_COLOUR
            } else {
                ENERGY_COLOUR
            }
            .gamma_multiply(fade);
            let (Some(a), Some(b)) = (
                self.region.facilities.get(e.from_facility),
                self.region.facilities.get(e.to_facility),
            ) else {
                continue;
            };
            let a = t.to_screen(mercator(a.location.lat_deg, a.location.lon_deg));
            let b = t.to_screen(mercator(b.location.lat_deg, b.location.lon_deg));
            let w = (1.5 + 7.0 * size(e) / most) as f32 * self.scale.line;
            // Through a hub: to the hub, then on from it.
            let via = e
                .hub
                .and_then(|h| self.hubs.get(h))
                .map(|h| t.to_screen(mercator(h.location.lat_deg, h.location.lon_deg)));
            let (a, legs) = match via {
                Some(h) => (h, vec![[a, h], [h, b]]),
                None => (a, vec![[a, b]]),
            };
            for leg in &legs {
                painter.line_segment(*leg, Stroke::new(w + 2.0, Color32::WHITE));
                painter.line_segment(*leg, Stroke::new(w, colour));
            }
            // An arrowhead two thirds along: which way it flows.
            let d = b - a;
            let len = d.length();
            if len > 24.0 {
                let dir = d / len;
                let tip = a + d * 0.66;
                let side = egui::vec2(-dir.y, dir.x) * (w * 0.5 + 4.0);
                let back = tip - dir * (w + 8.0);
                painter.add(egui::Shape::convex_polygon(
                    vec![tip, back + side, back - side],
                    colour,
                    Stroke::NONE,
                ));
            }
        }
        // The open hubs: a square with their name.
        for u in &self.report.hubs {
            let Some(h) = self.hubs.get(u.hub) else {
                continue;
            };
            let p = t.to_screen(mercator(h.location.lat_deg, h.location.lon_deg));
            let r = 9.0 * self.scale.line;
            let rect = egui::Rect::from_center_size(p, egui::vec2(2.0 * r, 2.0 * r));
            painter.rect_filled(rect.expand(2.0), 3.0, Color32::WHITE);
            painter.rect_filled(rect, 2.0, HUB_COLOUR.gamma_multiply(fade));
            painter.text(
                p,
                egui::Align2::CENTER_CENTER,
                "H",
                egui::FontId::proportional(r * 1.4),
                Color32::WHITE,
            );
            // A candidate site of the region's own has its name drawn by the hubs layer.
            if self.region.hubs.iter().any(|site| site.id == h.id) {
                continue;
            }
            let label = painter.layout_no_wrap(
                h.name.clone(),
                egui::FontId::proportional(self.scale.label),
                Color32::BLACK,
            );
            let at = p + egui::vec2(r + 5.0, -label.size().y / 2.0);
            painter.rect_filled(
                egui::Rect::from_min_size(at, label.size()).expand(2.0),
                3.0,
                Color32::from_white_alpha(220),
            );
            painter.galley(at, label, Color32::BLACK);
        }
    }
}
