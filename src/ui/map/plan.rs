//! The plan layer: each exchange of the region's plan as a line from sender to receiver, its
//! width growing with the tonnes (the square root, so that a 10 kt flow still shows beside a
//! 1 Mt one), drawn under the markers.

use egui::{Color32, Stroke};
use walkers::{MapMemory, Plugin, Projector};

use crate::model::Region;
use crate::plan::Report;

use super::{mercator, ScreenTransform};
use crate::ui::theme::Scale;

/// The plan's colour on the map.
pub const PLAN_COLOUR: Color32 = Color32::from_rgb(0, 140, 130);

pub struct PlanLayer<'a> {
    pub region: &'a Region,
    pub report: &'a Report,
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
        let size = |e: &crate::plan::PlannedExchange| {
            if e.source_units_per_yr > 0.0 && e.value_per_yr.is_finite() {
                // Tonnes where the unit has them, else the source units (MWh of heat).
                let s = self
                    .region
                    .facilities
                    .get(e.from_facility)
                    .and_then(|f| f.outputs.get(e.stream))
                    .map_or(0.0, |s| match s.unit {
                        crate::model::Unit::Tonne => e.source_units_per_yr,
                        _ => e.source_units_per_yr * 0.5,
                    });
                s.sqrt()
            } else {
                0.0
            }
        };
        let most = self.report.exchanges.iter().map(size).fold(1.0, f64::max);
        let colour = if self.stale {
            PLAN_COLOUR.gamma_multiply(0.4)
        } else {
            PLAN_COLOUR
        };
        for e in &self.report.exchanges {
            let (Some(a), Some(b)) = (
                self.region.facilities.get(e.from_facility),
                self.region.facilities.get(e.to_facility),
            ) else {
                continue;
            };
            let a = t.to_screen(mercator(a.location.lat_deg, a.location.lon_deg));
            let b = t.to_screen(mercator(b.location.lat_deg, b.location.lon_deg));
            let w = (1.5 + 7.0 * size(e) / most) as f32 * self.scale.line;
            painter.line_segment([a, b], Stroke::new(w + 2.0, Color32::WHITE));
            painter.line_segment([a, b], Stroke::new(w, colour));
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
    }
}
