//! Merging an import into an existing region instead of replacing it
//! (`symbiomap import ... --merge REGION`, the app's "Import into this region").
//!
//! The region keeps everything it has: its name, settings, facilities, proposals and projects.
//! From the import come its facilities and the materials of its `materials.csv`. An id the
//! region already has is a collision, reported with both sides and never overwritten:
//!
//! - a facility whose id the region has is skipped whole;
//! - a stream or need whose id the region (or an earlier facility of the import) has is
//!   skipped, the rest of its facility kept;
//! - a material whose key the region defines already keeps the region's definition.
//!
//! The region's `builtin_rules` setting stays as it is, even when the import's materials
//! table would have switched the built-in rules off; the report says so.

use std::collections::HashMap;
use std::fmt;

use crate::catalogue::Material;
use crate::model::{Facility, Region};

/// What a merge takes from an import, and what it could not take.
#[derive(Clone, Debug, Default)]
pub struct Merge {
    /// Facilities to append to the region (ids checked, colliding streams and needs removed).
    pub facilities: Vec<Facility>,
    /// Materials to append to the region's own.
    pub materials: Vec<Material>,
    pub report: MergeReport,
}

/// The outcome of a merge, for the user.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MergeReport {
    /// Facilities added.
    pub added: usize,
    /// Streams and needs added with them.
    pub flows_added: usize,
    pub materials_added: usize,
    /// Each id collision: what was skipped, and what the region already has under that id.
    pub collisions: Vec<String>,
    /// Other things to know (a setting of the import that was not taken).
    pub notes: Vec<String>,
}

impl fmt::Display for MergeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "merged: {} facilities with {} streams and needs, {} materials added",
            self.added, self.flows_added, self.materials_added
        )?;
        if !self.collisions.is_empty() {
            writeln!(
                f,
                "{} id collision{} (the region's own kept, the import's skipped):",
                self.collisions.len(),
                if self.collisions.len() == 1 { "" } else { "s" }
            )?;
            for c in &self.collisions {
                writeln!(f, "  {c}")?;
            }
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

/// What merging `imported` into `region` would add, without changing `region`.
pub fn plan(region: &Region, imported: Region) -> Merge {
    let mut out = Merge::default();
    let mut facility_ids: HashMap<String, String> = region
        .facilities
        .iter()
        .map(|f| (f.id.clone(), f.name.clone()))
        .collect();
    // Stream and need ids are unique across the region: id -> (facility id, "stream"/"need").
    let mut flow_ids: HashMap<String, (String, &'static str)> = HashMap::new();
    for f in &region.facilities {
        for o in &f.outputs {
            flow_ids.insert(o.id.clone(), (f.id.clone(), "stream"));
        }
        for n in &f.needs {
            flow_ids.insert(n.id.clone(), (f.id.clone(), "need"));
        }
    }
    let report = &mut out.report;
    for mut f in imported.facilities {
        if let Some(name) = facility_ids.get(&f.id) {
            report.collisions.push(format!(
                "facility `{}` ({}) skipped: the region already has `{}` ({name})",
                f.id, f.name, f.id
            ));
            continue;
        }
        let fid = f.id.clone();
        let mut skipped = |id: &str, what: &str, flow_ids: &HashMap<String, (String, &str)>| {
            let (owner, kind) = &flow_ids[id];
            report.collisions.push(format!(
                "{what} `{id}` of facility `{fid}` skipped: the region already has a {kind} `{id}` (at facility `{owner}`)"
            ));
        };
        let mut outputs = Vec::with_capacity(f.outputs.len());
        for o in std::mem::take(&mut f.outputs) {
            if flow_ids.contains_key(&o.id) {
                skipped(&o.id, "stream", &flow_ids);
            } else {
                flow_ids.insert(o.id.clone(), (f.id.clone(), "stream"));
                outputs.push(o);
            }
        }
        let mut needs = Vec::with_capacity(f.needs.len());
        for n in std::mem::take(&mut f.needs) {
            if flow_ids.contains_key(&n.id) {
                skipped(&n.id, "need", &flow_ids);
            } else {
                flow_ids.insert(n.id.clone(), (f.id.clone(), "need"));
                needs.push(n);
            }
        }
        f.outputs = outputs;
        f.needs = needs;
        report.flows_added += f.outputs.len() + f.needs.len();
        report.added += 1;
        facility_ids.insert(f.id.clone(), f.name.clone());
        out.facilities.push(f);
    }
    for m in imported.catalogue.materials {
        if region.catalogue.materials.iter().any(|r| r.key == m.key)
            || out.materials.iter().any(|r| r.key == m.key)
        {
            report.collisions.push(format!(
                "material `{}` skipped: the region already defines `{}`",
                m.key, m.key
            ));
        } else {
            out.materials.push(m);
        }
    }
    report.materials_added = out.materials.len();
    if !imported.catalogue.builtin_rules && region.catalogue.builtin_rules {
        report.notes.push(
            "the import's materials table would switch the built-in rules off; the region keeps them on"
                .to_owned(),
        );
    }
    out
}

/// Merges `imported` into `region` (see the module's rules) and says what it did.
pub fn merge(region: &mut Region, imported: Region) -> MergeReport {
    let m = plan(region, imported);
    region.facilities.extend(m.facilities);
    region.catalogue.materials.extend(m.materials);
    m.report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LatLon, Need, OutputStream, Unit};

    fn site(id: &str, name: &str) -> Facility {
        Facility::new(id, name, LatLon::new(51.0, 4.0))
    }

    #[test]
    fn collisions_are_skipped_and_named_the_rest_is_added() {
        let mut region = Region::default();
        let mut a = site("A", "Alpha Steel");
        a.outputs
            .push(OutputStream::new("A-slag", "bf_slag", 10.0, Unit::Tonne));
        region.facilities.push(a);

        let mut imported = Region::default();
        imported.facilities.push(site("A", "Alpha again"));
        let mut b = site("B", "Beta Cement");
        b.needs
            .push(Need::new("A-slag", "bf_slag", 5.0, Unit::Tonne));
        b.needs
            .push(Need::new("B-clinker", "clinker", 5.0, Unit::Tonne));
        imported.facilities.push(b);
        imported.facilities.push(site("B", "Beta twice"));
        imported.catalogue.materials.push(Material::named("own"));
        imported.catalogue.builtin_rules = false;

        let report = merge(&mut region, imported);
        let ids: Vec<&str> = region.facilities.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["A", "B"]);
        assert_eq!(
            region.facilities[0].name, "Alpha Steel",
            "the region's own kept"
        );
        assert_eq!(
            region.facilities[1].needs.len(),
            1,
            "the colliding need skipped"
        );
        assert_eq!(region.facilities[1].needs[0].id, "B-clinker");
        assert_eq!(report.added, 1);
        assert_eq!(report.flows_added, 1);
        assert_eq!(report.materials_added, 1);
        assert!(region.catalogue.builtin_rules);
        let text = report.to_string();
        assert!(text.contains("3 id collisions"), "{text}");
        assert!(
            text.contains(
                "facility `A` (Alpha again) skipped: the region already has `A` (Alpha Steel)"
            ),
            "{text}"
        );
        assert!(
            text.contains("need `A-slag` of facility `B` skipped: the region already has a stream `A-slag` (at facility `A`)"),
            "{text}"
        );
        assert!(text.contains("facility `B` (Beta twice) skipped"), "{text}");
        assert!(text.contains("built-in rules"), "{text}");
        // What a merge keeps, a save accepts.
        assert!(crate::io::region_file::validate(&region).is_empty());
    }
}
