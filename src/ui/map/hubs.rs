//! The candidate hub sites of the region (`crate::hubs`): a hollow square with the site's name
//! where a shared hub could stand. The plan layer fills the ones its plan opens. A site can be
//! clicked, and dragged to move it (the plan is solved again).

use egui::{Color32, Stroke};
use walkers::{MapMemory, Plugin, Projector};

use crate::model::Region;

use super::plan::HUB_COLOUR;
use super::{mercator, ScreenTransform};
use crate::ui::theme::Scale;

/// What the pointer did to the hub sites this frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HubEvents {
    pub hovered: Option<usize>,
    pub clicked: Option<usize>,
}

pub struct HubSitesLayer<'a> {
    pub region: &'a Region,
    /// A site being dragged, and where it is now (normalised Mercator).
    pub moving: Option<(usize, [f64; 2])>,
    pub selected: Option<usize>,
    /// Ids of the sites the plan drawn on the map opens: filled, as the plan draws them.
    pub open: &'a [String],
    pub scale: Scale,
    pub events: &'a mut HubEvents,
}

/// Half the side of a site's square, in points.
fn half_side(scale: Scale) -> f32 {
    9.0 * scale.line
}

impl Plugin for HubSitesLayer<'_> {
    fn run(
        self: Box<Self>,
        ui: &mut egui::Ui,
        response: &egui::Response,
        projector: &Projector,
        _memory: &MapMemory,
    ) {
        let t = ScreenTransform::new(projector);
        let painter = ui.painter().with_clip_rect(t.clip);
        let r = half_side(self.scale);
        let pointer = response.hover_pos();
        let mut hovered: Option<(usize, f32)> = None;
        for (i, site) in self.region.hubs.iter().enumerate() {
            let m = match self.moving {
                Some((j, m)) if j == i => m,
                _ => mercator(site.location.lat_deg, site.location.lon_deg),
            };
            let p = t.to_screen(m);
            if !t.clip.expand(200.0).contains(p) {
                continue;
            }
            let rect = egui::Rect::from_center_size(p, egui::vec2(2.0 * r, 2.0 * r));
            if let Some(ptr) = pointer {
                let d = ptr.distance(p);
                if rect.expand(3.0).contains(ptr) && hovered.is_none_or(|(_, best)| d < best) {
                    hovered = Some((i, d));
                }
            }
            let emphasis = self.selected == Some(i) || hovered.is_some_and(|(h, _)| h == i);
            let open = self.open.contains(&site.id);
            painter.rect_filled(rect.expand(2.0), 3.0, Color32::from_white_alpha(230));
            if open {
                painter.rect_filled(rect, 2.0, HUB_COLOUR);
            }
            painter.rect_stroke(
                rect,
                2.0,
                Stroke::new(if emphasis { 3.5 } else { 2.0 }, HUB_COLOUR),
                egui::StrokeKind::Middle,
            );
            painter.text(
                p,
                egui::Align2::CENTER_CENTER,
                "H",
                egui::FontId::proportional(r * 1.3),
                if open { Color32::WHITE } else { HUB_COLOUR },
            );
            let label = painter.layout_no_wrap(
                site.name.clone(),
                egui::FontId::proportional(self.scale.label * 0.9),
                HUB_COLOUR,
            );
            let at = p + egui::vec2(-label.size().x / 2.0, r + 4.0);
            painter.rect_filled(
                egui::Rect::from_min_size(at, label.size()).expand(2.0),
                3.0,
                Color32::from_white_alpha(210),
            );
            painter.galley(at, label, HUB_COLOUR);
        }
        if let Some((i, _)) = hovered {
            self.events.hovered = Some(i);
            if response.clicked() {
                self.events.clicked = Some(i);
            }
        }
    }
}
