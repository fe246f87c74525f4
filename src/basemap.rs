//! The embedded offline basemap: Natural Earth 4.1.0 country polygons at 1:50m and 1:10m, as
//! packaged in `TopoJSON` by world-atlas 2.0.2 (`assets/basemap/`, see `assets/ATTRIBUTION.md`).
//!
//! `TopoJSON` stores each shared boundary once, as an "arc" of quantised, delta-encoded points;
//! polygons list the arcs of their rings (a negative index `!i` means arc `i` reversed). This
//! module decodes that into plain polygons in degrees, and keeps the arcs too: drawing each
//! arc once draws every coast and border once.

use std::sync::OnceLock;

use serde::Deserialize;

const COUNTRIES_50M: &str = include_str!("../assets/basemap/countries-50m.json");
const COUNTRIES_10M: &str = include_str!("../assets/basemap/countries-10m.json");

/// How detailed a basemap is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// 1:50 million: continents and regions.
    Medium,
    /// 1:10 million: detailed enough for a town-scale region.
    High,
}

/// A country: its name and its polygons (outer ring first, then holes), `[lon, lat]` degrees.
#[derive(Clone, Debug, PartialEq)]
pub struct Country {
    pub name: String,
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: [f64; 4],
}

/// Decoded basemap.
#[derive(Clone, Debug, PartialEq)]
pub struct Basemap {
    pub countries: Vec<Country>,
    /// Every boundary line once, `[lon, lat]` degrees, with its bounding box.
    pub arcs: Vec<(Vec<[f64; 2]>, [f64; 4])>,
}

#[derive(Debug, thiserror::Error)]
pub enum BasemapError {
    #[error("basemap is not TopoJSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("basemap: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct Topology {
    transform: Transform,
    objects: std::collections::BTreeMap<String, Collection>,
    arcs: Vec<Vec<[i64; 2]>>,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Collection {
    geometries: Vec<Geometry>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    arcs: serde_json::Value,
    #[serde(default)]
    properties: Option<Properties>,
}

#[derive(Deserialize)]
struct Properties {
    #[serde(default)]
    name: String,
}

/// Decodes the `countries` object of a world-atlas `TopoJSON` file.
pub fn decode(text: &str) -> Result<Basemap, BasemapError> {
    let topo: Topology = serde_json::from_str(text)?;
    let [sx, sy] = topo.transform.scale;
    let [tx, ty] = topo.transform.translate;
    let arcs: Vec<Vec<[f64; 2]>> = topo
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    [x as f64 * sx + tx, y as f64 * sy + ty]
                })
                .collect()
        })
        .collect();
    let ring = |indices: &serde_json::Value| -> Result<Vec<[f64; 2]>, BasemapError> {
        let list = indices
            .as_array()
            .ok_or_else(|| BasemapError::Invalid("a ring is not a list of arcs".into()))?;
        let mut points: Vec<[f64; 2]> = Vec::new();
        for i in list {
            let i = i
                .as_i64()
                .ok_or_else(|| BasemapError::Invalid("an arc index is not a number".into()))?;
            let (index, reversed) = if i < 0 { (!i, true) } else { (i, false) };
            let arc = arcs
                .get(index as usize)
                .ok_or_else(|| BasemapError::Invalid(format!("arc {index} does not exist")))?;
            let skip = usize::from(!points.is_empty());
            if reversed {
                points.extend(arc.iter().rev().skip(skip));
            } else {
                points.extend(arc.iter().skip(skip));
            }
        }
        Ok(points)
    };
    let polygon = |rings: &serde_json::Value| -> Result<Vec<Vec<[f64; 2]>>, BasemapError> {
        rings
            .as_array()
            .ok_or_else(|| BasemapError::Invalid("a polygon is not a list of rings".into()))?
            .iter()
            .map(ring)
            .collect()
    };
    let collection = topo
        .objects
        .get("countries")
        .ok_or_else(|| BasemapError::Invalid("no `countries` object".into()))?;
    let mut countries = Vec::with_capacity(collection.geometries.len());
    for g in &collection.geometries {
        let polygons = match g.kind.as_str() {
            "Polygon" => vec![polygon(&g.arcs)?],
            "MultiPolygon" => g
                .arcs
                .as_array()
                .ok_or_else(|| BasemapError::Invalid("a multipolygon is not a list".into()))?
                .iter()
                .map(polygon)
                .collect::<Result<_, _>>()?,
            _ => continue,
        };
        let bbox = bounds(polygons.iter().flatten().flatten());
        countries.push(Country {
            name: g
                .properties
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            polygons,
            bbox,
        });
    }
    let arcs = arcs
        .into_iter()
        .map(|a| {
            let b = bounds(a.iter());
            (a, b)
        })
        .collect();
    Ok(Basemap { countries, arcs })
}

fn bounds<'a>(points: impl Iterator<Item = &'a [f64; 2]>) -> [f64; 4] {
    points.fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |[a, b, c, d], [x, y]| [a.min(*x), b.min(*y), c.max(*x), d.max(*y)],
    )
}

/// The embedded basemap at `detail`, decoded on first use.
pub fn embedded(detail: Detail) -> &'static Basemap {
    static MEDIUM: OnceLock<Basemap> = OnceLock::new();
    static HIGH: OnceLock<Basemap> = OnceLock::new();
    let (cell, text) = match detail {
        Detail::Medium => (&MEDIUM, COUNTRIES_50M),
        Detail::High => (&HIGH, COUNTRIES_10M),
    };
    cell.get_or_init(|| match decode(text) {
        Ok(b) => b,
        // Compiled-in assets, checked by the tests below.
        Err(e) => panic!("embedded basemap is broken: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_embedded_basemaps_decode_with_their_countries() {
        for (detail, n) in [(Detail::Medium, 241), (Detail::High, 255)] {
            let map = embedded(detail);
            assert_eq!(map.countries.len(), n);
            let belgium = map.countries.iter().find(|c| c.name == "Belgium").unwrap();
            let [w, s, e, n] = belgium.bbox;
            assert!(
                (2.4..2.7).contains(&w) && (49.4..49.6).contains(&s),
                "{:?}",
                belgium.bbox
            );
            assert!(
                (6.3..6.5).contains(&e) && (51.4..51.6).contains(&n),
                "{:?}",
                belgium.bbox
            );
            // Rings close on themselves.
            for ring in belgium.polygons.iter().flatten() {
                assert_eq!(ring.first(), ring.last());
            }
        }
        assert!(embedded(Detail::High).arcs.len() > embedded(Detail::Medium).arcs.len());
    }

    #[test]
    fn broken_input_is_an_error() {
        assert!(decode("{}").is_err());
        assert!(decode(
            r#"{"transform":{"scale":[1,1],"translate":[0,0]},"objects":{},"arcs":[]}"#
        )
        .is_err());
        let bad_arc = r#"{"transform":{"scale":[1,1],"translate":[0,0]},"arcs":[],
            "objects":{"countries":{"geometries":[{"type":"Polygon","arcs":[[5]]}]}}}"#;
        assert!(decode(bad_arc).is_err());
    }
}
