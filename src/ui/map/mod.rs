//! The map: one walkers plugin per layer (basemap, pipeline, plan, what-if lens, facilities,
//! selection), and the overlays drawn over it (scale bar, attribution, legend).
//!
//! Geometry that does not change between frames is kept in Web Mercator coordinates
//! normalised to 0..1 (as walkers projects); [`ScreenTransform`] turns it into pixels with one
//! multiply-add per point, in f64 so that a town-scale zoom stays exact.

pub mod basemap;
pub mod facilities;
pub mod hubs;
pub mod pipeline;
pub mod plan;
pub mod selection;
pub mod whatif;

use egui::{Pos2, Rect};
use walkers::{lon_lat, Position, Projector};

/// Web Mercator, normalised to 0..1 on both axes (walkers' projection at zoom 0 / 256).
pub fn mercator(lat_deg: f64, lon_deg: f64) -> [f64; 2] {
    let lat = lat_deg.clamp(-85.051_128_78, 85.051_128_78);
    let x = f64::midpoint(1.0, lon_deg.to_radians() / std::f64::consts::PI);
    let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0;
    [x, y]
}

/// Inverse of [`mercator`].
pub fn unmercator([x, y]: [f64; 2]) -> (f64, f64) {
    let lon = (x * 2.0 - 1.0) * 180.0;
    let lat = ((-y * 2.0 + 1.0) * std::f64::consts::PI)
        .sinh()
        .atan()
        .to_degrees();
    (lat, lon)
}

/// Normalised Mercator -> screen pixels for the current view.
#[derive(Clone, Copy, Debug)]
pub struct ScreenTransform {
    center_merc: [f64; 2],
    center_screen: [f64; 2],
    pixels_per_unit: f64,
    pub clip: Rect,
}

impl ScreenTransform {
    pub fn new(projector: &Projector) -> Self {
        let clip = projector.clip_rect();
        let c = clip.center();
        let center = projector.unproject(c.to_vec2());
        Self {
            center_merc: mercator(center.y(), center.x()),
            center_screen: [f64::from(c.x), f64::from(c.y)],
            pixels_per_unit: 256.0 * 2f64.powf(projector.zoom()),
            clip,
        }
    }

    /// The map's centre.
    pub fn center(&self) -> Position {
        let (lat, lon) = unmercator(self.center_merc);
        lon_lat(lon, lat)
    }

    #[inline]
    pub fn to_screen(&self, m: [f64; 2]) -> Pos2 {
        Pos2::new(
            ((m[0] - self.center_merc[0]) * self.pixels_per_unit + self.center_screen[0]) as f32,
            ((m[1] - self.center_merc[1]) * self.pixels_per_unit + self.center_screen[1]) as f32,
        )
    }

    pub fn to_merc(&self, p: Pos2) -> [f64; 2] {
        [
            (f64::from(p.x) - self.center_screen[0]) / self.pixels_per_unit + self.center_merc[0],
            (f64::from(p.y) - self.center_screen[1]) / self.pixels_per_unit + self.center_merc[1],
        ]
    }

    /// The visible area in normalised Mercator, `[min, max]`, widened by `margin_px`.
    pub fn visible(&self, margin_px: f32) -> ([f64; 2], [f64; 2]) {
        let r = self.clip.expand(margin_px);
        let a = self.to_merc(r.min);
        let b = self.to_merc(r.max);
        (
            [a[0].min(b[0]), a[1].min(b[1])],
            [a[0].max(b[0]), a[1].max(b[1])],
        )
    }

    pub fn pixels_per_unit(&self) -> f64 {
        self.pixels_per_unit
    }
}

/// Zoom level and centre that fit a set of positions into a view of `size` pixels.
pub fn fit(points: impl Iterator<Item = (f64, f64)>, size: egui::Vec2) -> Option<(Position, f64)> {
    let mut min = [f64::INFINITY; 2];
    let mut max = [f64::NEG_INFINITY; 2];
    for (lat, lon) in points {
        let m = mercator(lat, lon);
        min = [min[0].min(m[0]), min[1].min(m[1])];
        max = [max[0].max(m[0]), max[1].max(m[1])];
    }
    if !min[0].is_finite() {
        return None;
    }
    let span = [(max[0] - min[0]).max(1e-7), (max[1] - min[1]).max(1e-7)];
    // Room around the points for markers and their labels.
    let usable = [
        f64::from(size.x.max(200.0)) * 0.7,
        f64::from(size.y.max(200.0)) * 0.8,
    ];
    let zoom = (usable[0] / (256.0 * span[0]))
        .min(usable[1] / (256.0 * span[1]))
        .log2()
        .clamp(2.0, 17.0);
    let (lat, lon) = unmercator([f64::midpoint(min[0], max[0]), f64::midpoint(min[1], max[1])]);
    Some((lon_lat(lon, lat), zoom))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mercator_round_trips() {
        for (lat, lon) in [(0.0, 0.0), (51.05, 3.72), (-33.9, 151.2), (70.0, -20.0)] {
            let (la, lo) = unmercator(mercator(lat, lon));
            assert!((la - lat).abs() < 1e-9 && (lo - lon).abs() < 1e-9);
        }
        assert_eq!(mercator(0.0, 0.0), [0.5, 0.5]);
    }

    #[test]
    fn fitting_frames_the_points() {
        let pts = [(51.0, 3.5), (51.3, 4.2)];
        let (center, zoom) = fit(pts.into_iter(), egui::vec2(800.0, 600.0)).unwrap();
        assert!((center.y() - 51.15).abs() < 0.05 && (center.x() - 3.85).abs() < 0.01);
        assert!((8.0..12.0).contains(&zoom), "{zoom}");
        assert!(fit(std::iter::empty(), egui::vec2(800.0, 600.0)).is_none());
    }
}
