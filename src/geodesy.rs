//! Distances on the sphere, and the unit-sphere coordinates the R-tree works in.
//!
//! Great-circle distances use the haversine formula on a sphere of radius
//! [`EARTH_RADIUS_KM`], written in exactly the operation order of the reference peers in
//! `bench-peers/common.py` (and of `PostGIS`'s SQL there), so that a pair at the break-even boundary
//! is decided the same way everywhere.
//!
//! The spatial index stores points as 3-D unit vectors. The straight-line (chord) distance
//! between two unit vectors is a monotonic function of the great-circle angle, so a radius query
//! in chord space with `chord = 2 sin(angle / 2)` returns exactly the points within that
//! great-circle distance, and rstar's envelopes and distances live in the same space.

/// Mean Earth radius (IUGG), km.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point with what the haversine formula needs, precomputed once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpherePoint {
    pub lat_rad: f64,
    pub lon_rad: f64,
    pub cos_lat: f64,
}

impl SpherePoint {
    pub fn from_degrees(lat_deg: f64, lon_deg: f64) -> Self {
        let lat_rad = lat_deg.to_radians();
        Self {
            lat_rad,
            lon_rad: lon_deg.to_radians(),
            cos_lat: lat_rad.cos(),
        }
    }

    /// The unit vector of this point (x towards 0 deg E on the equator, z to the north pole).
    pub fn unit_vector(&self) -> [f64; 3] {
        unit_vector(self.lat_rad, self.lon_rad)
    }
}

pub fn unit_vector(lat_rad: f64, lon_rad: f64) -> [f64; 3] {
    let (sin_lat, cos_lat) = lat_rad.sin_cos();
    let (sin_lon, cos_lon) = lon_rad.sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

/// Great-circle distance in km (haversine, peer operation order).
///
/// ```
/// use symbiomap::geodesy::{haversine_km, SpherePoint};
/// // Ghent to Antwerp, about 50 km as the crow flies.
/// let ghent = SpherePoint::from_degrees(51.0543, 3.7174);
/// let antwerp = SpherePoint::from_degrees(51.2194, 4.4025);
/// let d = haversine_km(&ghent, &antwerp);
/// assert!((d - 50.8).abs() < 0.5, "{d}");
/// ```
#[inline]
pub fn haversine_km(a: &SpherePoint, b: &SpherePoint) -> f64 {
    let s_lat = ((b.lat_rad - a.lat_rad) * 0.5).sin();
    let s_lon = ((b.lon_rad - a.lon_rad) * 0.5).sin();
    let h = s_lat * s_lat + a.cos_lat * b.cos_lat * s_lon * s_lon;
    (2.0 * EARTH_RADIUS_KM) * h.sqrt().asin()
}

/// Squared chord length (unit sphere) that bounds a great-circle distance from above, with a
/// relative margin so that floating-point rounding in the index never drops a point the exact
/// test would keep. Infinite for distances of half the circumference or more.
pub fn chord_sq_bound(great_circle_km: f64) -> f64 {
    if great_circle_km.is_nan() || great_circle_km <= 0.0 {
        return 0.0;
    }
    let angle = great_circle_km / EARTH_RADIUS_KM;
    if angle >= std::f64::consts::PI {
        return f64::INFINITY;
    }
    let chord = 2.0 * (angle * 0.5).sin();
    let bound = chord * (1.0 + 1e-9) + 1e-12;
    bound * bound
}

/// Great-circle km from a squared chord length on the unit sphere.
pub fn chord_sq_to_km(chord_sq: f64) -> f64 {
    let half = (chord_sq.max(0.0).sqrt() * 0.5).min(1.0);
    2.0 * EARTH_RADIUS_KM * half.asin()
}

/// The point `distance_km` away from `(lat_deg, lon_deg)` along the great circle leaving at
/// `bearing_deg` (clockwise from north): a true ground circle is these points over all bearings.
pub fn destination(lat_deg: f64, lon_deg: f64, bearing_deg: f64, distance_km: f64) -> (f64, f64) {
    let delta = distance_km / EARTH_RADIUS_KM;
    let theta = bearing_deg.to_radians();
    let (sin_lat1, cos_lat1) = lat_deg.to_radians().sin_cos();
    let sin_lat2 = (sin_lat1 * delta.cos() + cos_lat1 * delta.sin() * theta.cos()).clamp(-1.0, 1.0);
    let lat2 = sin_lat2.asin();
    let lon2 = lon_deg.to_radians()
        + (theta.sin() * delta.sin() * cos_lat1).atan2(delta.cos() - sin_lat1 * sin_lat2);
    let lon2 = (lon2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
    (lat2.to_degrees(), lon2)
}

/// Squared Euclidean distance of two 3-D points.
#[inline]
pub fn dist_sq(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    let dz = a[2] - b[2];
    dx * dx + dy * dy + dz * dz
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chord_and_haversine_agree() {
        let pts = [
            (51.05, 3.72, 51.22, 4.40),
            (0.0, 0.0, 0.0, 90.0),
            (60.0, 30.0, 36.0, -10.0),
            (10.0, 10.0, 10.000_001, 10.0),
        ];
        for (la1, lo1, la2, lo2) in pts {
            let a = SpherePoint::from_degrees(la1, lo1);
            let b = SpherePoint::from_degrees(la2, lo2);
            let d = haversine_km(&a, &b);
            let c = dist_sq(&a.unit_vector(), &b.unit_vector());
            let from_chord = chord_sq_to_km(c);
            assert!(
                (d - from_chord).abs() < 1e-6 * d.max(1.0),
                "{d} {from_chord}"
            );
            assert!(chord_sq_bound(d) >= c, "bound must contain the point");
        }
    }

    #[test]
    fn quarter_circumference() {
        let a = SpherePoint::from_degrees(0.0, 0.0);
        let b = SpherePoint::from_degrees(0.0, 90.0);
        let quarter = std::f64::consts::FRAC_PI_2 * EARTH_RADIUS_KM;
        assert!((haversine_km(&a, &b) - quarter).abs() < 1e-9);
    }

    #[test]
    fn destination_lies_at_the_distance_asked() {
        let from = SpherePoint::from_degrees(51.05, 3.72);
        for bearing in [0.0, 45.0, 90.0, 180.0, 271.0] {
            for km in [0.5, 25.0, 400.0] {
                let (lat, lon) = destination(51.05, 3.72, bearing, km);
                let d = haversine_km(&from, &SpherePoint::from_degrees(lat, lon));
                assert!((d - km).abs() < 1e-6 * km.max(1.0), "{bearing} {km}: {d}");
            }
        }
        let (lat, _) = destination(0.0, 0.0, 0.0, 111.195);
        assert!((lat - 1.0).abs() < 1e-3);
        let (_, lon) = destination(0.0, 179.9, 90.0, 111.195);
        assert!(
            (lon + 179.1).abs() < 1e-3,
            "wraps across the antimeridian: {lon}"
        );
    }

    #[test]
    fn chord_bound_edge_cases() {
        assert_eq!(chord_sq_bound(0.0), 0.0);
        assert_eq!(chord_sq_bound(-5.0), 0.0);
        assert_eq!(chord_sq_bound(f64::NAN), 0.0);
        assert!(chord_sq_bound(30_000.0).is_infinite());
    }
}
