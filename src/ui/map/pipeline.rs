//! The pipeline layer: every project as a line from its supplier to its receiver in the colour
//! of its stage, with its name; every proposal captured in a workshop as a dashed orange line.

use egui::{Align2, Color32, FontId, Pos2, Shape, Stroke};
use walkers::{MapMemory, Plugin, Projector};

use crate::model::{Region, Role};

use super::{mercator, ScreenTransform};
use crate::ui::pipeline_panel::stage_colour;
use crate::ui::theme::Scale;

pub struct PipelineLayer<'a> {
    pub region: &'a Region,
    pub scale: Scale,
}

fn at(region: &Region, t: &ScreenTransform, id: &str) -> Option<Pos2> {
    let f = region.facility(id)?;
    Some(t.to_screen(mercator(f.location.lat_deg, f.location.lon_deg)))
}

impl Plugin for PipelineLayer<'_> {
    fn run(
        self: Box<Self>,
        ui: &mut egui::Ui,
        _response: &egui::Response,
        projector: &Projector,
        _memory: &MapMemory,
    ) {
        let t = ScreenTransform::new(projector);
        let painter = ui.painter().with_clip_rect(t.clip);
        let s = self.scale.line;
        for p in &self.region.proposals {
            let (Some(a), Some(b)) = (
                at(self.region, &t, &p.from_facility),
                at(self.region, &t, &p.to_facility),
            ) else {
                continue;
            };
            painter.extend(Shape::dashed_line(
                &[a, b],
                Stroke::new(3.0 * s, Color32::from_rgb(230, 120, 0)),
                10.0 * s,
                6.0 * s,
            ));
        }
        for project in &self.region.projects {
            let end = |role: Role| {
                project
                    .members
                    .iter()
                    .filter(|m| m.role == role)
                    .find_map(|m| at(self.region, &t, m.facility.as_deref()?))
            };
            let (Some(a), Some(b)) = (end(Role::Supplier), end(Role::Receiver)) else {
                continue;
            };
            let colour = stage_colour(project.stage);
            painter.line_segment([a, b], Stroke::new(6.0 * s, Color32::WHITE));
            painter.line_segment([a, b], Stroke::new(4.0 * s, colour));
        }
    }
}

/// The projects' names at the middle of their lines, over everything else on the map (drawn
/// after the layers).
pub fn labels(ui: &egui::Ui, t: &ScreenTransform, region: &Region, scale: Scale) {
    let painter = ui.painter().with_clip_rect(t.clip);
    // Two projects whose lines cross or share an end would put their names on each other:
    // a name moves along its line until it is clear of those already placed.
    let mut placed: Vec<egui::Rect> = Vec::new();
    for project in &region.projects {
        let end = |role: Role| {
            project
                .members
                .iter()
                .filter(|m| m.role == role)
                .find_map(|m| at(region, t, m.facility.as_deref()?))
        };
        let (Some(a), Some(b)) = (end(Role::Supplier), end(Role::Receiver)) else {
            continue;
        };
        let colour = stage_colour(project.stage);
        let font = FontId::proportional(scale.label);
        let full = painter.layout_no_wrap(
            format!("{}: {}", project.stage.label(), project.name),
            font.clone(),
            Color32::WHITE,
        );
        // The name where the line is long enough to carry it, else the stage alone.
        let galley = if a.distance(b) >= full.size().x + 30.0 {
            full
        } else {
            let short =
                painter.layout_no_wrap(project.stage.label().to_owned(), font, Color32::WHITE);
            if a.distance(b) < short.size().x + 30.0 {
                continue;
            }
            short
        };
        let rect_at = |f: f32| {
            Align2::CENTER_CENTER
                .anchor_size(a + (b - a) * f, galley.size())
                .expand(3.0)
        };
        let rect = [0.5, 0.35, 0.65, 0.25, 0.75]
            .into_iter()
            .map(rect_at)
            .find(|r| !placed.iter().any(|p| p.intersects(*r)))
            .unwrap_or_else(|| rect_at(0.5));
        placed.push(rect);
        painter.rect_filled(rect, 4.0, colour);
        painter.galley(rect.min + egui::vec2(3.0, 3.0), galley, Color32::WHITE);
    }
}
