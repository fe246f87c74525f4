//! The selected stream's layer: its break-even reach as true ground circles (one per mode,
//! the best one bold), and a line to every candidate partner, coloured by net value and sized
//! by yearly quantity; near misses are drawn faded and dashed.

use egui::epaint::Mesh;
use egui::{Color32, Pos2, Shape, Stroke};
use walkers::{MapMemory, Plugin, Projector};

use crate::geodesy::destination;
use crate::model::{ModeKey, Region};

use super::{mercator, ScreenTransform};
use crate::document::StreamView;
use crate::ui::theme::{self, Scale};

pub struct SelectionLayer<'a> {
    pub region: &'a Region,
    pub view: &'a StreamView,
    /// The candidate row the user picked in the inspector.
    pub highlighted: Option<usize>,
    pub scale: Scale,
    /// The reach is said as a band (workshop mode with a confidential company in the region):
    /// the circles are drawn at the band's edges, never at the break-even distance itself,
    /// which with the transport rate gives the margin away.
    pub banded: bool,
}

/// The road distances at which a reach of `road_km` is drawn: the reach itself, or the edges of
/// its band (`crate::disclosure::distance_band_km`; an unbounded edge is not drawn).
pub fn reach_rings_km(road_km: f64, banded: bool) -> Vec<f64> {
    if !banded {
        return vec![road_km];
    }
    match crate::disclosure::distance_band_km(road_km) {
        Some((lo, hi)) => [lo, hi]
            .into_iter()
            .filter(|k| k.is_finite() && *k > 0.0)
            .collect(),
        None => Vec::new(),
    }
}

/// A ground circle of `radius_km` around a point, as latitudes and longitudes every 3 degrees
/// of bearing. Longitudes run on past +-180 degrees rather than jump back (a circle of a few
/// thousand kilometres crosses the antimeridian), so that the line drawn does not cut across
/// the whole map.
pub fn ground_circle_deg(lat: f64, lon: f64, radius_km: f64) -> Vec<(f64, f64)> {
    let mut previous: Option<f64> = None;
    (0..=120)
        .map(|i| {
            let (la, mut lo) = destination(lat, lon, f64::from(i) * 3.0, radius_km);
            if let Some(p) = previous {
                lo += 360.0 * ((p - lo) / 360.0).round();
            }
            previous = Some(lo);
            (la, lo)
        })
        .collect()
}

/// Reach circles larger than this are drawn as a line only: filled, a circle that encloses a
/// pole or wraps the world is no longer a convex shape on the map.
const FILL_LIMIT_KM: f64 = 2_000.0;

/// A ground circle of `radius_km` around a point, as screen points.
fn ground_circle(t: &ScreenTransform, lat: f64, lon: f64, radius_km: f64) -> Vec<Pos2> {
    ground_circle_deg(lat, lon, radius_km)
        .into_iter()
        .map(|(la, lo)| t.to_screen(mercator(la, lo)))
        .collect()
}

/// A straight line of `width` pixels as two triangles.
fn add_quad(mesh: &mut Mesh, a: Pos2, b: Pos2, width: f32, colour: Color32) {
    let d = b - a;
    let len = d.length();
    if !len.is_finite() || len <= 0.0 {
        return;
    }
    let n = egui::vec2(-d.y, d.x) / len * (width / 2.0);
    let base = mesh.vertices.len() as u32;
    for p in [a + n, a - n, b - n, b + n] {
        mesh.colored_vertex(p, colour);
    }
    mesh.add_triangle(base, base + 1, base + 2);
    mesh.add_triangle(base, base + 2, base + 3);
}

pub fn mode_colour(mode: ModeKey) -> Color32 {
    match mode {
        ModeKey::Truck => Color32::from_rgb(200, 60, 40),
        ModeKey::Rail => Color32::from_rgb(90, 70, 160),
        ModeKey::Barge => Color32::from_rgb(20, 110, 170),
        ModeKey::Pipeline => Color32::from_rgb(200, 120, 0),
    }
}

impl Plugin for SelectionLayer<'_> {
    fn run(
        self: Box<Self>,
        ui: &mut egui::Ui,
        _response: &egui::Response,
        projector: &Projector,
        _memory: &MapMemory,
    ) {
        let t = ScreenTransform::new(projector);
        let painter = ui.painter().with_clip_rect(t.clip);
        let Some(origin) = self.region.facilities.get(self.view.facility) else {
            return;
        };
        let (lat, lon) = (origin.location.lat_deg, origin.location.lon_deg);
        let s = self.scale.line;

        // Reach circles: road km over the detour is great-circle km on the ground.
        let best = self
            .view
            .reach_by_mode
            .iter()
            .copied()
            .filter(|(_, km)| km.is_finite() && *km > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        for &(mode, road_km) in &self.view.reach_by_mode {
            if !(road_km.is_finite() && road_km > 0.0) {
                continue;
            }
            let colour = mode_colour(mode);
            let is_best = best.is_some_and(|(m, _)| m == mode);
            let rings = reach_rings_km(road_km, self.banded);
            for (k, &ring_km) in rings.iter().enumerate() {
                let points = ground_circle(&t, lat, lon, ring_km / self.view.detour_factor);
                // Filled inside the reach (or inside the band's inner edge).
                if is_best && k == 0 && ring_km / self.view.detour_factor <= FILL_LIMIT_KM {
                    let [r, g, b, _] = colour.to_array();
                    painter.add(Shape::convex_polygon(
                        points.clone(),
                        Color32::from_rgba_unmultiplied(r, g, b, 18),
                        Stroke::NONE,
                    ));
                }
                let stroke = Stroke::new(if is_best { 2.5 * s } else { 1.2 * s }, colour);
                if self.banded {
                    painter.extend(Shape::dashed_line(&points, stroke, 8.0 * s, 6.0 * s));
                } else {
                    painter.add(Shape::line(points, stroke));
                }
            }
        }

        // Partner lines, faint ones first.
        let best_value = self
            .view
            .lines
            .iter()
            .filter(|l| l.viable)
            .map(|l| l.net_value_per_unit)
            .fold(0.0, f64::max);
        let max_weight = self.view.lines.iter().map(|l| l.weight).fold(0.0, f64::max);
        let from = t.to_screen(mercator(lat, lon));
        let to_screen = |f: usize| {
            self.region
                .facilities
                .get(f)
                .map(|p| t.to_screen(mercator(p.location.lat_deg, p.location.lon_deg)))
        };
        // Thousands of lines: one mesh of quads, which needs no tessellation. Near misses thin
        // and grey underneath, viable ones coloured by value on top.
        let mut mesh = Mesh::default();
        mesh.vertices.reserve(self.view.lines.len() * 4);
        mesh.indices.reserve(self.view.lines.len() * 6);
        let faded = Color32::from_rgba_unmultiplied(90, 90, 90, 110);
        for line in self.view.lines.iter().filter(|l| !l.viable) {
            if let Some(to) = to_screen(line.to_facility) {
                add_quad(&mut mesh, from, to, 1.2 * s, faded);
            }
        }
        for line in self.view.lines.iter().filter(|l| l.viable) {
            let Some(to) = to_screen(line.to_facility) else {
                continue;
            };
            let share = if max_weight > 0.0 {
                (line.weight / max_weight) as f32
            } else {
                0.0
            };
            let width = (1.5 + 5.0 * share.sqrt()) * s;
            add_quad(
                &mut mesh,
                from,
                to,
                width,
                theme::value_colour(line.net_value_per_unit, best_value),
            );
        }
        painter.add(Shape::mesh(mesh));
        if let Some(c) = self.highlighted.and_then(|i| self.view.candidates.get(i)) {
            if let Some(to) = to_screen(c.to_facility) {
                painter.line_segment([from, to], Stroke::new(7.0 * s, Color32::BLACK));
                painter.line_segment(
                    [from, to],
                    Stroke::new(
                        4.0 * s,
                        theme::value_colour(c.value.net_value_per_unit, best_value),
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reach_rings_km;

    #[test]
    fn a_wide_circle_runs_on_past_the_antimeridian_instead_of_jumping() {
        // 9 000 km around Ghent reaches past 180 degrees east and west.
        let pts = super::ground_circle_deg(51.05, 3.72, 9_000.0);
        assert_eq!(pts.len(), 121);
        // It encloses the North Pole, so its longitudes sweep the whole world.
        let (lo_min, lo_max) = pts.iter().fold((f64::MAX, f64::MIN), |(a, b), &(_, lo)| {
            (a.min(lo), b.max(lo))
        });
        assert!(lo_max - lo_min > 300.0, "{lo_min}..{lo_max}");
        for w in pts.windows(2) {
            assert!((w[1].1 - w[0].1).abs() < 90.0, "{:?} -> {:?}", w[0], w[1]);
        }
        // A small one is the same as before: no shift.
        let small = super::ground_circle_deg(51.05, 3.72, 50.0);
        assert!(small.iter().all(|&(_, lo)| (lo - 3.72).abs() < 1.0));
    }

    #[test]
    fn a_banded_reach_is_drawn_at_its_band_edges_never_at_itself() {
        assert_eq!(reach_rings_km(37.2, false), vec![37.2]);
        assert_eq!(reach_rings_km(37.2, true), vec![20.0, 50.0]);
        // The lowest band starts at 0: only its outer edge is drawn.
        assert_eq!(reach_rings_km(3.0, true), vec![5.0]);
        assert!(reach_rings_km(-1.0, true).is_empty());
        for km in [1.5, 12.0, 77.7, 333.0, 4_321.0] {
            assert!(
                !reach_rings_km(km, true).contains(&km),
                "{km} km would give the margin away"
            );
        }
    }
}
