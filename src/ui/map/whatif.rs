//! The what-if lens on the map: while some plants are stopped (`crate::resilience::what_if`),
//! the plan's exchanges they break are drawn red and dashed with a cross at their middle, the
//! backups that take over (for good: the exchanges the plan solved again makes carry more) green
//! and solid, the rest of the plan faint, and the stopped plants greyed and crossed out.
//!
//! The geometry ([`LensDrawing`]) is made once when a what-if arrives, on its worker, in
//! normalised Web Mercator; a frame only projects it. Two plugins: [`WhatIfLayer`] draws the
//! links under the facility markers, [`StoppedMarks`] greys the stopped plants over them.

use egui::{Color32, FontId, Pos2, Shape, Stroke};
use walkers::{MapMemory, Plugin, Projector};

use crate::model::Region;
use crate::plan::{Outcome, PlannedExchange};
use crate::resilience::WhatIf;

use super::facilities::FacilityIndex;
use super::{mercator, ScreenTransform};
use crate::ui::theme::Scale;

/// An exchange a stop breaks.
pub const BROKEN_COLOUR: Color32 = Color32::from_rgb(205, 30, 40);
/// A backup taking over, or an exchange of the new plan carrying more.
pub const HOLDS_COLOUR: Color32 = Color32::from_rgb(20, 140, 60);
/// The plan's exchanges the stop leaves alone.
pub const CONTEXT_COLOUR: Color32 = Color32::from_rgb(150, 170, 170);
/// A stopped plant.
pub const STOPPED_COLOUR: Color32 = Color32::from_rgb(120, 120, 120);

/// One link to draw: its points (sender, the hub if any, receiver) and its width between 0
/// and 1 (the square root of its tonnes, or MWh, against the largest of the plan's).
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub points: Vec<[f64; 2]>,
    pub width: f32,
}

/// What the lens draws, in normalised Web Mercator.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LensDrawing {
    /// The stopped plants (indices into the region's facilities) and where they are.
    pub stopped: Vec<(usize, [f64; 2])>,
    pub broken: Vec<Link>,
    pub holds: Vec<Link>,
    pub context: Vec<Link>,
    /// The facilities the stop touches: the stopped ones, the ends of the exchanges lost and of
    /// those that take over (sorted; what the map fits into view).
    pub involved: Vec<usize>,
}

fn place(region: &Region, f: usize) -> Option<[f64; 2]> {
    let f = region.facilities.get(f)?;
    Some(mercator(f.location.lat_deg, f.location.lon_deg))
}

/// The size of a flow: tonnes, or for heat and gas its MWh.
fn size(tonnes: f64, source_units: f64) -> f64 {
    if tonnes > 0.0 {
        tonnes.sqrt()
    } else {
        source_units.max(0.0).sqrt()
    }
}

impl LensDrawing {
    /// The lens of `what` on the plan `outcome` of `region`.
    pub fn new(region: &Region, outcome: &Outcome, what: &WhatIf) -> LensDrawing {
        let exchanges = &outcome.report.exchanges;
        let most = exchanges
            .iter()
            .map(|e| size(e.tonnes_per_yr, e.source_units_per_yr))
            .fold(1.0, f64::max);
        let link_of = |e: &PlannedExchange| -> Option<Link> {
            let mut points = vec![place(region, e.from_facility)?];
            if let Some(h) = e.hub.and_then(|h| outcome.hubs.get(h)) {
                points.push(mercator(h.location.lat_deg, h.location.lon_deg));
            }
            points.push(place(region, e.to_facility)?);
            Some(Link {
                points,
                width: (size(e.tonnes_per_yr, e.source_units_per_yr) / most) as f32,
            })
        };
        let lost: std::collections::BTreeSet<usize> =
            what.lost.iter().map(|l| l.exchange).collect();
        let broken = what
            .lost
            .iter()
            .filter_map(|l| exchanges.get(l.exchange).and_then(link_of))
            .collect();
        let context = exchanges
            .iter()
            .enumerate()
            .filter(|(i, _)| !lost.contains(i))
            .filter_map(|(_, e)| link_of(e))
            .collect();
        // A column of the plan's program: its sender and receiver (backups are direct).
        let column_link = |col: usize, source_units_per_yr: f64| -> Option<Link> {
            let c = outcome.problem.columns.get(col)?;
            let cand = outcome.candidates.get(c.candidate)?;
            Some(Link {
                points: vec![
                    place(region, c.from_facility as usize)?,
                    place(region, c.to_facility as usize)?,
                ],
                width: (size(
                    source_units_per_yr * cand.tonnes_per_source_unit,
                    source_units_per_yr,
                ) / most) as f32,
            })
        };
        let holds = match &what.replan {
            Some(r) => r
                .increased
                .iter()
                .filter_map(|&(col, before, after)| column_link(col, after - before))
                .collect(),
            None => what
                .takeovers
                .iter()
                .filter_map(|t| column_link(t.backup_column, t.source_units_per_yr))
                .collect(),
        };
        let mut involved: Vec<usize> = what.stop.facilities.clone();
        for l in &what.lost {
            if let Some(e) = exchanges.get(l.exchange) {
                involved.extend([e.from_facility, e.to_facility]);
            }
        }
        let backups: Vec<usize> = match &what.replan {
            Some(r) => r.increased.iter().map(|i| i.0).collect(),
            None => what.takeovers.iter().map(|t| t.backup_column).collect(),
        };
        for col in backups {
            if let Some(c) = outcome.problem.columns.get(col) {
                involved.extend([c.from_facility as usize, c.to_facility as usize]);
            }
        }
        involved.sort_unstable();
        involved.dedup();
        LensDrawing {
            involved,
            stopped: what
                .stop
                .facilities
                .iter()
                .filter_map(|&f| Some((f, place(region, f)?)))
                .collect(),
            broken,
            holds,
            context,
        }
    }
}

/// The links of the lens, drawn under the facility markers.
pub struct WhatIfLayer<'a> {
    pub drawing: &'a LensDrawing,
    pub scale: Scale,
    /// The lens of an earlier choice shown while the next one is worked out: drawn faded.
    pub stale: bool,
}

fn screen(t: &ScreenTransform, link: &Link) -> Vec<Pos2> {
    link.points.iter().map(|&m| t.to_screen(m)).collect()
}

/// An arrowhead two thirds along the last leg: which way it flows.
fn arrow(painter: &egui::Painter, a: Pos2, b: Pos2, w: f32, colour: Color32) {
    let d = b - a;
    let len = d.length();
    if len > 24.0 {
        let dir = d / len;
        let tip = a + d * 0.66;
        let side = egui::vec2(-dir.y, dir.x) * (w * 0.5 + 4.0);
        let back = tip - dir * (w + 8.0);
        painter.add(Shape::convex_polygon(
            vec![tip, back + side, back - side],
            colour,
            Stroke::NONE,
        ));
    }
}

impl Plugin for WhatIfLayer<'_> {
    fn run(
        self: Box<Self>,
        ui: &mut egui::Ui,
        _response: &egui::Response,
        projector: &Projector,
        _memory: &MapMemory,
    ) {
        let t = ScreenTransform::new(projector);
        let painter = ui.painter().with_clip_rect(t.clip);
        let fade = if self.stale { 0.4 } else { 1.0 };
        let line = self.scale.line;
        for link in &self.drawing.context {
            let pts = screen(&t, link);
            let w = (1.0 + 2.0 * link.width) * line;
            painter.add(Shape::line(
                pts,
                Stroke::new(w, CONTEXT_COLOUR.gamma_multiply(0.5 * fade)),
            ));
        }
        for link in &self.drawing.holds {
            let pts = screen(&t, link);
            let w = (2.5 + 6.0 * link.width) * line;
            let colour = HOLDS_COLOUR.gamma_multiply(fade);
            painter.add(Shape::line(
                pts.clone(),
                Stroke::new(w + 2.0, Color32::WHITE),
            ));
            painter.add(Shape::line(pts.clone(), Stroke::new(w, colour)));
            if let [.., a, b] = pts[..] {
                arrow(&painter, a, b, w, colour);
            }
        }
        for link in &self.drawing.broken {
            let pts = screen(&t, link);
            let w = (2.5 + 6.0 * link.width) * line;
            let colour = BROKEN_COLOUR.gamma_multiply(fade);
            painter.add(Shape::line(
                pts.clone(),
                Stroke::new(w + 2.0, Color32::from_white_alpha(160)),
            ));
            let dash = 10.0 * line;
            painter.extend(Shape::dashed_line(
                &pts,
                Stroke::new(w, colour),
                dash,
                0.7 * dash,
            ));
            // A cross at the middle of the longest leg: broken here.
            if let Some((a, b)) = pts
                .windows(2)
                .map(|p| (p[0], p[1]))
                .max_by(|x, y| (x.1 - x.0).length().total_cmp(&(y.1 - y.0).length()))
            {
                let m = a + (b - a) * 0.5;
                let r = (5.0 + w * 0.5) * line.max(1.0);
                let s = Stroke::new(2.5 * line, colour);
                painter.circle_filled(m, r + 2.0, Color32::WHITE);
                painter.line_segment([m + egui::vec2(-r, -r), m + egui::vec2(r, r)], s);
                painter.line_segment([m + egui::vec2(-r, r), m + egui::vec2(r, -r)], s);
            }
        }
    }
}

/// The stopped plants, greyed and crossed out over their markers, with "stopped" beside them.
pub struct StoppedMarks<'a> {
    pub drawing: &'a LensDrawing,
    pub index: &'a FacilityIndex,
    pub region: &'a Region,
    pub scale: Scale,
}

impl Plugin for StoppedMarks<'_> {
    fn run(
        self: Box<Self>,
        ui: &mut egui::Ui,
        _response: &egui::Response,
        projector: &Projector,
        _memory: &MapMemory,
    ) {
        let t = ScreenTransform::new(projector);
        let painter = ui.painter().with_clip_rect(t.clip);
        for &(f, m) in &self.drawing.stopped {
            let p = t.to_screen(m);
            let r = self
                .index
                .markers
                .get(f)
                .map_or(8.0, |mk| mk.radius)
                .max(7.0)
                * self.scale.marker
                + 2.0;
            painter.circle(
                p,
                r,
                STOPPED_COLOUR,
                Stroke::new(2.0 * self.scale.line, Color32::from_gray(40)),
            );
            let k = r * 0.6;
            let s = Stroke::new(2.5 * self.scale.line, Color32::WHITE);
            painter.line_segment([p + egui::vec2(-k, -k), p + egui::vec2(k, k)], s);
            painter.line_segment([p + egui::vec2(-k, k), p + egui::vec2(k, -k)], s);
            let name = self
                .region
                .facilities
                .get(f)
                .map_or_else(String::new, |x| format!("{}: stopped", x.name));
            let label = painter.layout_no_wrap(
                name,
                FontId::proportional(self.scale.label),
                Color32::WHITE,
            );
            // Beside the marker, on its left when the right would leave the map.
            let right = p + egui::vec2(r + 6.0, -label.size().y / 2.0);
            let at = if right.x + label.size().x > t.clip.right() {
                p - egui::vec2(r + 6.0 + label.size().x, label.size().y / 2.0)
            } else {
                right
            };
            painter.rect_filled(
                egui::Rect::from_min_size(at, label.size()).expand(3.0),
                3.0,
                Color32::from_gray(60),
            );
            painter.galley(at, label, Color32::WHITE);
        }
    }
}
