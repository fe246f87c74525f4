//! The facilities layer: one marker per facility, coloured by NACE section and sized by the
//! quantity it handles; markers that would overlap are drawn as one cluster. An R-tree over
//! the markers (normalised Mercator) finds what is in view, so panning over thousands of
//! facilities costs only what is visible.

use std::collections::HashMap;

use egui::{Align2, Color32, FontId, Pos2, Rect, Stroke};
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
    /// Per facility: its place when markers seed clusters (the biggest first, then by index).
    pub rank: Vec<u32>,
    /// NACE sections present, sorted (the legend).
    pub sections: Vec<Option<char>>,
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
        let mut sections: Vec<Option<char>> = markers.iter().map(|m| m.section).collect();
        sections.sort_unstable();
        sections.dedup();
        Self {
            rank: marker_ranks(markers.iter().map(|m| m.radius)),
            markers,
            sections,
            tree,
        }
    }

    /// Facilities inside the normalised-Mercator box.
    pub fn in_box(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        self.tree
            .locate_in_envelope(AABB::from_corners(min, max))
            .map(|g| g.data as usize)
    }
}

/// What happened on the layer this frame.
#[derive(Clone, Debug, Default)]
pub struct FacilityEvents {
    pub clicked: Option<usize>,
    pub hovered: Option<usize>,
    /// Where the pointer is on the map, `(lat, lon)`.
    pub pointer: Option<(f64, f64)>,
    /// A cluster was clicked: zoom in on this box.
    pub zoom_to: Option<([f64; 2], [f64; 2])>,
}

/// The walkers plugin.
pub struct FacilitiesLayer<'a> {
    pub index: &'a FacilityIndex,
    pub region: &'a Region,
    /// For material names in the tooltip.
    pub catalogue: &'a crate::catalogue::Catalogue,
    pub selected: Option<usize>,
    /// A marker being dragged to a new place (normalised Mercator), drawn there.
    pub moving: Option<(usize, [f64; 2])>,
    /// A marker picked as the first end of a link being drawn.
    pub marked: Option<usize>,
    /// Partners of the selected stream (sorted), drawn on top.
    pub partners: &'a [usize],
    pub scale: Scale,
    pub events: &'a mut FacilityEvents,
}

/// Each marker's place in the order that seeds clusters: by radius, biggest first, then by
/// index.
fn marker_ranks(radii: impl Iterator<Item = f32>) -> Vec<u32> {
    let radii: Vec<f32> = radii.collect();
    let mut order: Vec<u32> = (0..radii.len() as u32).collect();
    order.sort_by(|&a, &b| {
        radii[b as usize]
            .total_cmp(&radii[a as usize])
            .then(a.cmp(&b))
    });
    let mut rank = vec![0u32; radii.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    rank
}

/// Markers closer than this on screen (at desk scale) are drawn as one cluster.
const CLUSTER_PX: f32 = 22.0;

/// Groups screen points greedily, in `rank` order (the biggest markers first): each point not
/// yet taken starts a group and takes every free point within `radius_px` of it. A dense grid
/// of `radius_px` cells over the points' bounding box finds the neighbours, so a frame costs
/// O(points). Seeds are at least `radius_px` apart, so clusters rarely overlap. Returns groups
/// of indices into `points`, each sorted; deterministic for the same input.
fn greedy_clusters(
    points: &[(usize, Pos2)],
    rank: impl Fn(usize) -> u32,
    radius_px: f32,
) -> Vec<Vec<usize>> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    let (min, max) = points.iter().fold((first.1, first.1), |(lo, hi), (_, p)| {
        (lo.min(*p), hi.max(*p))
    });
    let cols = (((max.x - min.x) / radius_px) as usize + 1).min(4096);
    let rows = (((max.y - min.y) / radius_px) as usize + 1).min(4096);
    let cell_of = |p: Pos2| {
        let cx = (((p.x - min.x) / radius_px) as usize).min(cols - 1);
        let cy = (((p.y - min.y) / radius_px) as usize).min(rows - 1);
        (cx, cy)
    };
    // Points bucketed by cell (counting sort: `start[c]..start[c + 1]` in `bucket`).
    let mut start = vec![0u32; cols * rows + 1];
    let cells: Vec<usize> = points
        .iter()
        .map(|(_, p)| {
            let (cx, cy) = cell_of(*p);
            cy * cols + cx
        })
        .collect();
    for &c in &cells {
        start[c + 1] += 1;
    }
    for c in 0..cols * rows {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut bucket = vec![0u32; points.len()];
    for (k, &c) in cells.iter().enumerate() {
        bucket[fill[c] as usize] = k as u32;
        fill[c] += 1;
    }
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_unstable_by_key(|&k| rank(points[k].0));
    let mut taken = vec![false; points.len()];
    let mut groups = Vec::new();
    for seed in order {
        if taken[seed] {
            continue;
        }
        taken[seed] = true;
        let mut group = vec![seed];
        let p = points[seed].1;
        let (cx, cy) = cell_of(p);
        for y in cy.saturating_sub(1)..=(cy + 1).min(rows - 1) {
            for x in cx.saturating_sub(1)..=(cx + 1).min(cols - 1) {
                let c = y * cols + x;
                for &k in &bucket[start[c] as usize..start[c + 1] as usize] {
                    let k = k as usize;
                    if !taken[k] && points[k].1.distance_sq(p) <= radius_px * radius_px {
                        taken[k] = true;
                        group.push(k);
                    }
                }
            }
        }
        group.sort_unstable();
        groups.push(group);
    }
    groups
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

        // Cluster in screen space, none when zoomed far in. The selection and its partners
        // are always drawn on their own.
        let cluster = zoom < 15.0;
        let mut singles: Vec<(usize, Pos2)> = Vec::with_capacity(1024);
        let mut loose: Vec<(usize, Pos2)> = Vec::with_capacity(1024);
        for i in self.index.in_box(vmin, vmax) {
            if self.moving.is_some_and(|(m, _)| m == i) {
                continue;
            }
            let p = t.to_screen(self.index.markers[i].merc);
            if Some(i) == self.selected
                || Some(i) == self.marked
                || self.partners.binary_search(&i).is_ok()
                || !cluster
            {
                singles.push((i, p));
            } else {
                loose.push((i, p));
            }
        }
        if let Some((i, merc)) = self.moving {
            singles.push((i, t.to_screen(merc)));
        }
        let mut clusters: Vec<(Pos2, Vec<usize>)> = Vec::new();
        for group in greedy_clusters(&loose, |i| self.index.rank[i], CLUSTER_PX * s) {
            if let [only] = group[..] {
                singles.push(loose[only]);
            } else {
                let members: Vec<usize> = group.iter().map(|&g| loose[g].0).collect();
                let sum = group
                    .iter()
                    .fold(egui::Vec2::ZERO, |acc, &g| acc + loose[g].1.to_vec2());
                clusters.push((Pos2::ZERO + sum / group.len() as f32, members));
            }
        }
        let pointer = response.hover_pos();
        self.events.pointer = pointer.map(|p| {
            let pos = projector.unproject(p.to_vec2());
            (pos.y(), pos.x())
        });
        let mut hovered: Option<(usize, f32)> = None;
        let mut note_hover = |i: usize, p: Pos2, r: f32| {
            if let Some(ptr) = pointer {
                let d = ptr.distance(p);
                if d <= r + 3.0 && hovered.is_none_or(|(_, best)| d < best) {
                    hovered = Some((i, d));
                }
            }
        };

        // Deterministic drawing order, big clusters last (on top).
        clusters.sort_by_key(|(_, m)| (m.len(), m[0]));
        for (centre, members) in &clusters {
            let r = cluster_radius(members.len(), s);
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
            if Some(i) == self.marked {
                painter.circle_stroke(
                    p,
                    r + 6.0 * s,
                    Stroke::new(3.0 * s, Color32::from_rgb(230, 120, 0)),
                );
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
        // Labels keep clear of every marker and cluster, and of each other.
        let mut placed = Occupancy::default();
        if let Some(legend) = legend_rect(t.clip, self.index.sections.len(), self.scale.label) {
            placed.insert(legend);
        }
        for (centre, members) in &clusters {
            let r = cluster_radius(members.len(), s);
            placed.insert(egui::Rect::from_center_size(
                *centre,
                egui::Vec2::splat(2.0 * r),
            ));
        }
        for &(i, p) in &singles {
            let r = self.index.markers[i].radius * s;
            placed.insert(egui::Rect::from_center_size(p, egui::Vec2::splat(2.0 * r)));
        }
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
                .find(|c| forced || (t.clip.contains_rect(*c) && !placed.overlaps(c.shrink(1.0))))
            else {
                continue;
            };
            placed.insert(rect);
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
                let name = |key| material_name(self.catalogue, key);
                for o in f.outputs.iter().take(4) {
                    ui.label(format!(
                        "out: {} {:.0} {}/yr",
                        name(&o.material),
                        o.quantity_per_yr,
                        o.unit
                    ));
                }
                for n in f.needs.iter().take(4) {
                    ui.label(format!(
                        "in: {} {:.0} {}/yr",
                        name(&n.material),
                        n.quantity_per_yr,
                        n.unit
                    ));
                }
            });
        }
    }
}

/// A material's display name, or its key if the catalogue does not know it.
fn material_name<'a>(catalogue: &'a crate::catalogue::Catalogue, key: &'a str) -> &'a str {
    catalogue
        .material(key)
        .map_or(key, crate::catalogue::Material::display_name)
}

fn cluster_radius(members: usize, scale: f32) -> f32 {
    (8.0 + 3.0 * (members as f32).log2()) * scale
}

/// Rectangles on the screen, found by a grid of 32-pixel cells: what a new label must not
/// cover.
#[derive(Default)]
struct Occupancy {
    rects: Vec<egui::Rect>,
    cells: HashMap<(i32, i32), Vec<u32>>,
}

impl Occupancy {
    const CELL: f32 = 32.0;

    fn cells_of(r: egui::Rect) -> impl Iterator<Item = (i32, i32)> {
        let (x0, x1) = (
            (r.min.x / Self::CELL).floor() as i32,
            (r.max.x / Self::CELL).floor() as i32,
        );
        let (y0, y1) = (
            (r.min.y / Self::CELL).floor() as i32,
            (r.max.y / Self::CELL).floor() as i32,
        );
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    fn insert(&mut self, r: egui::Rect) {
        let i = self.rects.len() as u32;
        self.rects.push(r);
        for c in Self::cells_of(r) {
            self.cells.entry(c).or_default().push(i);
        }
    }

    fn overlaps(&self, r: egui::Rect) -> bool {
        Self::cells_of(r).any(|c| {
            self.cells
                .get(&c)
                .is_some_and(|ids| ids.iter().any(|&i| self.rects[i as usize].intersects(r)))
        })
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

pub const LEGEND_ROW: f32 = 16.0;

/// Where the legend of `sections` NACE sections goes on the map (labels keep clear of it).
/// `size` is the map's label size ([`crate::ui::theme::Scale::label`]): the legend grows with it.
pub fn legend_rect(clip: Rect, sections: usize, size: f32) -> Option<Rect> {
    let k = size / 12.0;
    (sections > 0).then(|| {
        Rect::from_min_size(
            clip.left_top() + egui::vec2(10.0, 10.0),
            egui::vec2(190.0 * k, LEGEND_ROW * k * sections as f32 + 8.0),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_clusters_take_neighbours_and_leave_the_far_alone() {
        let pts: Vec<(usize, Pos2)> = vec![
            (0, Pos2::new(0.0, 0.0)),
            (1, Pos2::new(10.0, 0.0)),
            (2, Pos2::new(0.0, 20.0)),
            (3, Pos2::new(200.0, 200.0)),
            (4, Pos2::new(60.0, 0.0)),
        ];
        // Facility 4 is the biggest marker: it seeds first and takes only facility 1 at 50 px.
        let sizes = [5.0, 5.0, 5.0, 5.0, 9.0];
        let ranks = |sizes: &[f32]| marker_ranks(sizes.iter().copied());
        let groups = greedy_clusters(&pts, |i| ranks(&sizes)[i], 50.0);
        assert_eq!(groups, vec![vec![1, 4], vec![0, 2], vec![3]]);
        // Every point is in exactly one group.
        let mut all: Vec<usize> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
    }
}
