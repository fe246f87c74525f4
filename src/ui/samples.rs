//! The sample regions, built into the binary so that the app opens on one anywhere, offline.

use crate::io::region_file;

use crate::document::Document;

/// `(menu name, file name, text)`.
const SAMPLES: [(&str, &str, &str); 2] = [
    (
        "Scheldt Valley cluster (fictional, 40 sites)",
        "scheldt-valley.json",
        include_str!("../../sample-regions/scheldt-valley.json"),
    ),
    (
        "Rhine-Scheldt delta (public registers)",
        "rhine-scheldt-delta.json",
        include_str!("../../sample-regions/rhine-scheldt-delta.json"),
    ),
];

/// The samples for the menu: name and index.
pub fn names() -> impl Iterator<Item = (usize, &'static str)> {
    SAMPLES.iter().enumerate().map(|(i, s)| (i, s.0))
}

/// Sample `i` as a new, unsaved document (saving asks where).
pub fn open(i: usize) -> Option<Document> {
    let (_, file, text) = SAMPLES.get(i)?;
    let region = region_file::parse(text, std::path::Path::new(file)).ok()?;
    Document::new(region, None).ok()
}

/// The first sample, or an empty region if the samples were somehow unreadable.
pub fn first_sample() -> Document {
    open(0).unwrap_or_else(
        || match Document::new(crate::model::Region::default(), None) {
            Ok(d) => d,
            Err(e) => panic!("the built-in catalogue is broken: {e}"),
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_sample_loads() {
        for (i, name) in super::names() {
            assert!(super::open(i).is_some(), "{name}");
        }
    }
}
