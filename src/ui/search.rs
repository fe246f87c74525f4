//! The search box: facilities by name, operator or sector; output streams by material,
//! description or EWC code; needs by material or description.

use crate::model::Region;
use crate::reference::ewc_digits;

/// A search result: a facility, one of its output streams, or one of its needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub facility: usize,
    pub stream: Option<usize>,
    pub need: Option<usize>,
    pub label: String,
}

/// Up to `limit` results for `query` (case-insensitive, every word must match).
pub fn search(region: &Region, query: &str, limit: usize) -> Vec<Hit> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let ewc = ewc_digits(query);
    let mut out = Vec::new();
    for (fi, f) in region.facilities.iter().enumerate() {
        let hay = format!("{} {} {} {}", f.name, f.operator, f.sector, f.id).to_lowercase();
        if words.iter().all(|w| hay.contains(w.as_str())) {
            out.push(Hit {
                facility: fi,
                stream: None,
                need: None,
                label: f.name.clone(),
            });
        }
        for (si, s) in f.outputs.iter().enumerate() {
            let code_match = match (&ewc, &s.ewc_code) {
                (Some(q), Some(c)) => ewc_digits(c).as_ref() == Some(q),
                _ => false,
            };
            let hay = format!(
                "{} {} {}",
                s.material.replace('_', " "),
                s.description,
                s.ewc_code.as_deref().unwrap_or("")
            )
            .to_lowercase();
            if code_match || words.iter().all(|w| hay.contains(w.as_str())) {
                out.push(Hit {
                    facility: fi,
                    stream: Some(si),
                    need: None,
                    label: format!("{} - {}", f.name, s.material.replace('_', " ")),
                });
            }
        }
        for (ni, n) in f.needs.iter().enumerate() {
            let hay = format!("{} {}", n.material.replace('_', " "), n.description).to_lowercase();
            if words.iter().all(|w| hay.contains(w.as_str())) {
                out.push(Hit {
                    facility: fi,
                    stream: None,
                    need: Some(ni),
                    label: format!("{} - needs {}", f.name, n.material.replace('_', " ")),
                });
            }
        }
        if out.len() >= limit {
            break;
        }
    }
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_name_material_and_ewc_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/small_region.json");
        let region = crate::io::region_file::load(&path).unwrap();
        let by_name = search(&region, "riverside", 10);
        assert_eq!(
            by_name[0],
            Hit {
                facility: 0,
                stream: None,
                need: None,
                label: "Riverside power station".into()
            }
        );
        let by_material = search(&region, "fly ash", 10);
        assert_eq!(by_material[0].stream, Some(0));
        let by_code = search(&region, "100102", 10);
        assert_eq!(by_code.len(), 1);
        assert_eq!(by_code[0].facility, 0);
        assert!(search(&region, "zzz", 10).is_empty());
        // Needs too: the sample's plasterboard works buys gypsum and sells nothing.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-regions/scheldt-valley.json");
        let sample = crate::io::region_file::load(&path).unwrap();
        let gypsum = search(&sample, "gypsum", 20);
        let works = sample.facility_index("SV05").unwrap();
        assert!(
            gypsum
                .iter()
                .any(|h| h.facility == works && h.need == Some(0) && h.stream.is_none()),
            "{gypsum:?}"
        );
        assert!(
            gypsum.iter().any(|h| h.stream.is_some()),
            "and the gypsum streams"
        );
        assert!(search(&region, "  ", 10).is_empty());
    }
}
