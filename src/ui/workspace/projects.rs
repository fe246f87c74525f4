//! Every project's agreement judged and its readiness, as the app keeps them.

use crate::io::projects::ProjectReport;

/// Each project's agreement judged and readiness, computed once per revision of the region
/// (and again when workshop mode withholds confidential money).
#[derive(Default)]
pub struct ProjectChecks {
    key: Option<(u64, u64, bool)>,
    reports: Vec<ProjectReport>,
    /// The intermediaries the projects name, compared with bilateral deals.
    intermediaries: Vec<crate::intermediary::Group>,
}

impl ProjectChecks {
    pub fn refresh(&mut self, doc: &crate::document::Document, generation: u64, workshop: bool) {
        let key = (generation, doc.revision, workshop);
        if self.key != Some(key) {
            self.reports = crate::io::projects::reports(&doc.engine, &doc.region, !workshop);
            self.intermediaries =
                crate::intermediary::TransactionCosts::builtin(&doc.engine.catalogue)
                    .map(|costs| crate::intermediary::groups(&doc.engine, &doc.region, &costs))
                    .unwrap_or_default();
            self.key = Some(key);
        }
    }

    pub fn get(&self, index: usize) -> Option<&ProjectReport> {
        self.reports.get(index)
    }

    /// The intermediary group project `index` belongs to, if it names one.
    pub fn intermediary(&self, index: usize) -> Option<&crate::intermediary::Group> {
        self.intermediaries
            .iter()
            .find(|g| g.projects.contains(&index))
    }
}
