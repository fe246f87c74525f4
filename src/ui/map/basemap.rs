//! The embedded offline basemap layer: Natural Earth land filled and every coast and border
//! drawn once, from [`crate::basemap`]. Triangulated once per detail level (in a
//! background thread for the detailed one), culled to the view and transformed each frame.

use std::sync::{Arc, OnceLock};

use egui::epaint::{Mesh, PathStroke, Vertex};
use egui::{Color32, Pos2, Shape, Stroke};
use geo::TriangulateEarcut;
use walkers::{MapMemory, Plugin, Projector};

use crate::basemap::{self, Detail};

use super::{mercator, ScreenTransform};
use crate::ui::theme;

/// One triangulated polygon in normalised Mercator coordinates.
struct Piece {
    vertices: Vec<[f64; 2]>,
    indices: Vec<u32>,
    min: [f64; 2],
    max: [f64; 2],
}

/// A border line in Web Mercator units, with its bounding box (min, max).
type BorderArc = (Vec<[f64; 2]>, [f64; 2], [f64; 2]);

/// A basemap ready to draw.
pub struct Prepared {
    pieces: Vec<Piece>,
    arcs: Vec<BorderArc>,
}

fn prepare(detail: Detail) -> Prepared {
    let map = basemap::embedded(detail);
    let mut pieces = Vec::new();
    for country in &map.countries {
        for polygon in &country.polygons {
            // A ring needs three corners and its closing point; the 1:10m data has a few
            // degenerate slivers that earcut would refuse.
            let Some((outer, holes)) = polygon.split_first() else {
                continue;
            };
            if outer.len() < 4 {
                continue;
            }
            let holes: Vec<&Vec<[f64; 2]>> = holes.iter().filter(|h| h.len() >= 4).collect();
            // A ring that crosses the antimeridian runs on past the world's edge (x beyond 1
            // or below 0) instead of jumping back, or its triangles would span the whole map.
            let to_line = |ring: &Vec<[f64; 2]>| {
                let mut previous: Option<f64> = None;
                geo::LineString::from(
                    ring.iter()
                        .map(|&[lon, lat]| {
                            let m = mercator(lat, lon);
                            let mut x = m[0];
                            if let Some(p) = previous {
                                x += (p - x).round();
                            }
                            previous = Some(x);
                            (x, m[1])
                        })
                        .collect::<Vec<_>>(),
                )
            };
            let poly = geo::Polygon::new(to_line(outer), holes.into_iter().map(to_line).collect());
            let raw = poly.earcut_triangles_raw();
            if raw.triangle_indices.is_empty() {
                continue;
            }
            let vertices: Vec<[f64; 2]> = raw.vertices;
            let (min, max) = bounds(&vertices);
            pieces.push(Piece {
                indices: raw.triangle_indices.iter().map(|&i| i as u32).collect(),
                vertices,
                min,
                max,
            });
        }
    }
    let arcs = map
        .arcs
        .iter()
        .flat_map(|(points, _)| {
            let m: Vec<[f64; 2]> = points
                .iter()
                .map(|&[lon, lat]| mercator(lat, lon))
                .collect();
            split_at_antimeridian(m)
        })
        .map(|m| {
            let (min, max) = bounds(&m);
            (m, min, max)
        })
        .collect();
    Prepared { pieces, arcs }
}

/// A line in Web Mercator units cut where it crosses the antimeridian: consecutive points more
/// than half the world apart (Chukotka's and Fiji's coasts) would otherwise be joined by a
/// line across the whole map.
fn split_at_antimeridian(points: Vec<[f64; 2]>) -> Vec<Vec<[f64; 2]>> {
    let mut out: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut current: Vec<[f64; 2]> = Vec::with_capacity(points.len());
    for p in points {
        if current
            .last()
            .is_some_and(|q: &[f64; 2]| (p[0] - q[0]).abs() > 0.5)
        {
            out.push(std::mem::take(&mut current));
        }
        current.push(p);
    }
    out.push(current);
    out.retain(|l| l.len() >= 2);
    out
}

fn bounds(points: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
    points
        .iter()
        .fold(([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]), |(a, b), p| {
            (
                [a[0].min(p[0]), a[1].min(p[1])],
                [b[0].max(p[0]), b[1].max(p[1])],
            )
        })
}

/// The prepared basemaps, shared by every app in the process: prepared once.
static MEDIUM: OnceLock<Arc<Prepared>> = OnceLock::new();
static HIGH: OnceLock<Arc<Prepared>> = OnceLock::new();
static HIGH_STARTED: std::sync::Once = std::sync::Once::new();

/// Both detail levels; the detailed one is prepared in the background at start-up.
pub struct Basemaps;

impl Basemaps {
    pub fn new(ctx: &egui::Context) -> Self {
        let ctx = ctx.clone();
        HIGH_STARTED.call_once(|| {
            std::thread::Builder::new()
                .name("basemap".into())
                .spawn(move || {
                    let _ = HIGH.set(Arc::new(prepare(Detail::High)));
                    ctx.request_repaint();
                })
                .ok();
        });
        Self
    }

    /// The detail for this zoom, falling back to the medium one while the detailed one loads.
    pub fn for_zoom(&self, zoom: f64) -> Arc<Prepared> {
        if zoom >= 5.0 {
            if let Some(high) = HIGH.get() {
                return high.clone();
            }
        }
        MEDIUM
            .get_or_init(|| Arc::new(prepare(Detail::Medium)))
            .clone()
    }

    /// Blocks until the detailed basemap is ready (benchmarks, screenshots).
    pub fn wait_until_detailed(&self) {
        while HIGH.get().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// The walkers plugin drawing a prepared basemap.
pub struct BasemapLayer {
    pub map: Arc<Prepared>,
    pub land: Color32,
    pub water: Color32,
    pub border: Color32,
}

impl Plugin for BasemapLayer {
    fn run(
        self: Box<Self>,
        ui: &mut egui::Ui,
        _response: &egui::Response,
        projector: &Projector,
        _memory: &MapMemory,
    ) {
        let t = ScreenTransform::new(projector);
        let painter = ui.painter().with_clip_rect(t.clip);
        painter.rect_filled(t.clip, 0.0, self.water);
        let (vmin, vmax) = t.visible(4.0);
        let visible = |min: &[f64; 2], max: &[f64; 2]| {
            max[0] >= vmin[0] && min[0] <= vmax[0] && max[1] >= vmin[1] && min[1] <= vmax[1]
        };
        let px = t.pixels_per_unit();
        let mut mesh = Mesh::default();
        for piece in &self.map.pieces {
            // Skip what is off screen or smaller than a pixel.
            if !visible(&piece.min, &piece.max)
                || ((piece.max[0] - piece.min[0]) * px < 0.5
                    && (piece.max[1] - piece.min[1]) * px < 0.5)
            {
                continue;
            }
            let base = mesh.vertices.len() as u32;
            mesh.vertices.extend(piece.vertices.iter().map(|&m| Vertex {
                pos: t.to_screen(m),
                uv: egui::epaint::WHITE_UV,
                color: self.land,
            }));
            mesh.indices.extend(piece.indices.iter().map(|i| base + i));
            if mesh.vertices.len() > 60_000 {
                painter.add(Shape::mesh(std::mem::take(&mut mesh)));
            }
        }
        painter.add(Shape::mesh(mesh));
        let stroke = Stroke::new(0.8, self.border);
        for (points, min, max) in &self.map.arcs {
            if !visible(min, max) || ((max[0] - min[0]) * px < 1.0 && (max[1] - min[1]) * px < 1.0)
            {
                continue;
            }
            let line: Vec<Pos2> = points.iter().map(|&m| t.to_screen(m)).collect();
            painter.add(Shape::line(line, PathStroke::from(stroke)));
        }
    }
}

impl Default for BasemapLayer {
    fn default() -> Self {
        Self {
            map: Arc::new(Prepared {
                pieces: Vec::new(),
                arcs: Vec::new(),
            }),
            land: theme::LAND,
            water: theme::WATER,
            border: theme::BORDER,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_border_line_crosses_the_whole_map() {
        use super::split_at_antimeridian;
        let cut =
            split_at_antimeridian(vec![[0.99, 0.3], [0.995, 0.31], [0.002, 0.31], [0.01, 0.3]]);
        assert_eq!(cut.len(), 2);
        for detail in [Detail::Medium, Detail::High] {
            let prepared = prepare(detail);
            for (points, _, _) in &prepared.arcs {
                for w in points.windows(2) {
                    assert!((w[1][0] - w[0][0]).abs() <= 0.5, "{detail:?}: {w:?}");
                }
            }
            // Nor does a land triangle, but in Antarctica, which spans every longitude (its
            // points reach the projection's southern edge, y near 1).
            for piece in prepared.pieces.iter().filter(|p| p.max[1] < 0.9) {
                for t in piece.indices.chunks(3) {
                    let xs: Vec<f64> = t.iter().map(|&i| piece.vertices[i as usize][0]).collect();
                    let span = xs.iter().copied().fold(f64::MIN, f64::max)
                        - xs.iter().copied().fold(f64::MAX, f64::min);
                    assert!(
                        span <= 0.5,
                        "{detail:?}: a triangle {span} of the world wide"
                    );
                }
            }
        }
    }

    #[test]
    fn both_basemaps_triangulate_every_country() {
        let high = prepare(Detail::High);
        assert!(high.pieces.len() > 255, "at least one piece per country");
        let p = prepare(Detail::Medium);
        assert!(p.pieces.len() > 241, "at least one piece per country");
        assert!(p.pieces.iter().all(|x| x.indices.len() % 3 == 0));
        assert!(p
            .pieces
            .iter()
            .all(|x| x.indices.iter().all(|&i| (i as usize) < x.vertices.len())));
        assert!(!p.arcs.is_empty());
    }
}
