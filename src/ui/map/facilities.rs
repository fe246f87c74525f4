//! The facilities layer: one marker per facility, coloured by NACE section and sized by the
//! quantity it handles; markers that would overlap are drawn as one cluster. An R-tree over
//! the markers (normalised Mercator) finds what is in view, so panning over thousands of
//! facilities costs only what is visible.

use std::collections::HashMap;

use egui::{Align2, Color32, FontId, Pos2, Stroke};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};
use walkers::{MapMemory, Plugin, Projector};

use crate::model::Region;
use crate::reference::NaceList;

use super::{mercator, ScreenTransform};
use crate::ui::theme::{self, Scale};

/// Most labels tried per frame.
const MAX_LABELS: usize = 400;

/// What the layer needs per facility, prepared when the region changes.
#[derive(Clone, Debug)]
pub struct Marker {
    pub merc: [f64; 2],
    pub section: Option<char>,
    pub colour: Color32,
    /// Radius at desk scale, px.
    pub radius: f32,
}

/// Markers and their R-tree.
pub struct FacilityIndex {
    pub markers: Vec<Marker>,
    tree: RTree<GeomWithData<[f64; 2], u32>>,
}

impl FacilityIndex {
    pub fn new(region: &Region) -> Self {
        let nace = NaceList::get();
        let markers: Vec<Marker> = region
            .facilities
            .iter()
            .map(|f| {
                let section = nace.lookup(&f.sector).map(|e| e.section);
                // Quantity handled: every stream and need, whatever its unit.
                let handled: f64 = f.outputs.iter().map(|o| o.quantity_per_yr).sum::<f64>()
                    + f.needs.iter().map(|n| n.quantity_per_yr).sum::<f64>();
                Marker {
                    merc: mercator(f.location.lat_deg, f.location.lon_deg),
                    section,
                    colour: theme::nace_colour(section),
                    radius: (4.0 + 1.6 * (1.0 + handled / 1000.0).log10()).clamp(4.0, 11.0) as f32,
                }
            })
            .collect();
        let tree = RTree::bulk_load(
            markers
                .iter()
                .enumerate()
                .map(|(i, m)| GeomWithData::new(m.merc, i as u32))
                .collect(),
        );
        Self { markers, tree }
    }

    /// Facilities inside the normalised-Mercator box.
    pub fn in_box(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        self.tree
            .locate_in_envelope(AABB::from_corners(min, max))
            .map(|g| g.data as usize)
    }

    /// Sections present, for the legend.
    pub fn sections(&self) -> Vec<Option<char>> {
        let mut s: Vec<Option<char>> = self.markers.iter().map(|m| m.section).collect();
        s.sort_unstable();
        s.dedup();
        s
    }
}

/// What happened on the layer this frame.
#[derive(Clone, Debug, Default)]
pub struct FacilityEvents {
    pub clicked: Option<usize>,
    pub hovered: Option<usize>,
    /// A cluster was clicked: zoom in on this box.
    pub zoom_to: Option<([f64; 2], [f64; 2])>,
}

/// The walkers plugin.
pub struct FacilitiesLayer<'a> {
    pub index: &'a FacilityIndex,
    pub region: &'a Region,
    pub selected: Option<usize>,
    /// Partners of the selected stream (sorted), drawn on top.
    pub partners: &'a [usize],
    pub scale: Scale,
    pub events: &'a mut FacilityEvents,
}

/// A group of facilities drawn as one.
struct Cluster {
    members: Vec<usize>,
    sum: egui::Vec2,
}

impl Plugin for FacilitiesLayer<'_> {
    fn run(
        self: Box<Self>,
        ui: &mut egui::Ui,
        response: &egui::Response,
        projector: &Projector,
        _memory: &MapMemory,
    ) {
        let t = ScreenTransform::new(projector);
        let painter = ui.painter().with_clip_rect(t.clip);
        let zoom = projector.zoom();
        let (vmin, vmax) = t.visible(20.0);
        let s = self.scale.marker;

        // Cluster in screen space: one cell per marker diameter, none when zoomed far in.
        let cell = 22.0 * s;
        let cluster = zoom < 15.0;
        let mut cells: HashMap<(i32, i32), Cluster> = HashMap::with_capacity(1024);
        let mut singles: Vec<(usize, Pos2)> = Vec::with_capacity(1024);
        for i in self.index.in_box(vmin, vmax) {
            let p = t.to_screen(self.index.markers[i].merc);
            if Some(i) == self.selected || self.partners.binary_search(&i).is_ok() || !cluster {
                singles.push((i, p));
                continue;
            }
            let key = ((p.x / cell).floor() as i32, (p.y / cell).floor() as i32);
            let c = cells.entry(key).or_insert_with(|| Cluster {
                members: Vec::new(),
                sum: egui::Vec2::ZERO,
            });
            c.members.push(i);
            c.sum += p.to_vec2();
        }
        let pointer = response.hover_pos();
        let mut hovered: Option<(usize, f32)> = None;
        let mut note_hover = |i: usize, p: Pos2, r: f32| {
            if let Some(ptr) = pointer {
                let d = ptr.distance(p);
                if d <= r + 3.0 && hovered.is_none_or(|(_, best)| d < best) {
                    hovered = Some((i, d));
                }
            }
        };

        let mut clusters: Vec<(Pos2, Vec<usize>)> = Vec::new();
        for (_, c) in cells {
            if c.members.len() == 1 {
                let i = c.members[0];
                singles.push((i, Pos2::ZERO + c.sum));
            } else {
                let centre = Pos2::ZERO + c.sum / c.members.len() as f32;
                clusters.push((centre, c.members));
            }
        }
        // Deterministic drawing order, big clusters last (on top).
        clusters.sort_by_key(|(_, m)| (m.len(), m[0]));
        for (centre, members) in &clusters {
            let r = (8.0 + 3.0 * (members.len() as f32).log2()) * s;
            let colour = majority_colour(self.index, members);
            painter.circle(
                *centre,
                r,
                colour.gamma_multiply(0.85),
                Stroke::new(1.5 * s, Color32::WHITE),
            );
            painter.text(
                *centre,
                Align2::CENTER_CENTER,
                members.len().to_string(),
                FontId::proportional(self.scale.label),
                Color32::WHITE,
            );
            if let Some(ptr) = pointer {
                if ptr.distance(*centre) <= r && response.clicked() {
                    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
                    for &m in members {
                        let p = self.index.markers[m].merc;
                        min = [min[0].min(p[0]), min[1].min(p[1])];
                        max = [max[0].max(p[0]), max[1].max(p[1])];
                    }
                    self.events.zoom_to = Some((min, max));
                }
            }
        }

        singles.sort_by_key(|(i, _)| {
            (
                Some(*i) == self.selected,
                self.partners.binary_search(i).is_ok(),
                *i,
            )
        });
        let show_labels = zoom >= 12.0 || singles.len() <= 60;
        let mut labels: Vec<(usize, Pos2, f32)> = Vec::new();
        for &(i, p) in &singles {
            let m = &self.index.markers[i];
            let r = m.radius * s;
            let selected = Some(i) == self.selected;
            if selected {
                painter.circle_filled(
                    p,
                    r + 5.0 * s,
                    Color32::from_rgba_unmultiplied(255, 255, 255, 200),
                );
                painter.circle_stroke(p, r + 5.0 * s, Stroke::new(2.5 * s, Color32::BLACK));
            }
            painter.circle(p, r, m.colour, Stroke::new(1.2 * s, Color32::from_gray(40)));
            note_hover(i, p, r);
            if show_labels || selected || self.partners.binary_search(&i).is_ok() {
                labels.push((i, p, r));
            }
        }
        // Labels after every marker, most important first (the selection, its partners, then
        // the bigger sites); a label that would overlap one already placed is left out.
        labels.sort_by(|a, b| {
            let rank = |(i, _, r): &(usize, Pos2, f32)| {
                (
                    Some(*i) != self.selected,
                    self.partners.binary_search(i).is_err(),
                    -r,
                )
            };
            rank(a)
                .partial_cmp(&rank(b))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.0.cmp(&b.0))
        });
        // The screen holds a few hundred labels at most; trying more only costs time.
        labels.truncate(MAX_LABELS);
        let mut placed: Vec<egui::Rect> = Vec::with_capacity(labels.len());
        let font = FontId::proportional(self.scale.label);
        for (i, p, r) in labels {
            let f = &self.region.facilities[i];
            let galley =
                painter.layout_no_wrap(f.name.clone(), font.clone(), Color32::from_gray(20));
            let size = galley.size();
            // Right of the marker, else left of it.
            let right = egui::Rect::from_min_size(p + egui::vec2(r + 3.0, -size.y / 2.0), size);
            let left = right.translate(egui::vec2(-(size.x + 2.0 * r + 6.0), 0.0));
            let forced = Some(i) == self.selected;
            let Some(rect) = [right, left]
                .into_iter()
                .find(|c| forced || !placed.iter().any(|q| q.intersects(c.shrink(1.0))))
            else {
                continue;
            };
            placed.push(rect);
            painter.rect_filled(
                rect.expand(1.0),
                2.0,
                Color32::from_rgba_unmultiplied(255, 255, 255, 150),
            );
            painter.galley(rect.min, galley, Color32::from_gray(20));
        }

        if let Some((i, _)) = hovered {
            self.events.hovered = Some(i);
            if response.clicked() {
                self.events.clicked = Some(i);
            }
            let f = &self.region.facilities[i];
            egui::Tooltip::always_open(
                ui.ctx().clone(),
                response.layer_id,
                response.id.with("facility_tooltip"),
                egui::PopupAnchor::Pointer,
            )
            .show(|ui| {
                ui.strong(&f.name);
                let nace = NaceList::get().lookup(&f.sector);
                ui.label(match nace {
                    Some(e) => format!("{} {}", e.code, e.description),
                    None if f.sector.is_empty() => "sector not given".to_owned(),
                    None => f.sector.clone(),
                });
                for o in f.outputs.iter().take(4) {
                    ui.label(format!(
                        "out: {} {:.0} {}/yr",
                        o.material, o.quantity_per_yr, o.unit
                    ));
                }
                for n in f.needs.iter().take(4) {
                    ui.label(format!(
                        "in: {} {:.0} {}/yr",
                        n.material, n.quantity_per_yr, n.unit
                    ));
                }
            });
        }
    }
}

fn majority_colour(index: &FacilityIndex, members: &[usize]) -> Color32 {
    let mut counts: HashMap<Option<char>, usize> = HashMap::new();
    for &m in members {
        *counts.entry(index.markers[m].section).or_default() += 1;
    }
    let best = counts
        .into_iter()
        .max_by_key(|(section, n)| (*n, std::cmp::Reverse(*section)))
        .map(|(s, _)| s);
    theme::nace_colour(best.flatten())
}
