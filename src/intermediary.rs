//! What an intermediary costs against what it saves (`docs/INTERMEDIARIES.md`).
//!
//! Bilateral deals cost each pair of companies a contract, its yearly governance and its own
//! testing. An intermediary (a facilitator or platform, or a broker who takes title) signs one
//! contract with each company instead, runs one testing regime per stream whoever takes it, and
//! charges a fee. The figures are in `assets/catalogue/transactions.json` with their sources;
//! no published cost per bilateral symbiosis deal exists, so the set-up and governance figures
//! are stated assumptions (T44 of `docs/research/T1-trust.md`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::agreement::{deliveries_per_yr, project_candidate};
use crate::matching::Engine;
use crate::model::{Project, Region, Role};

/// `assets/catalogue/transactions.json`.
pub const TRANSACTIONS_JSON: &str = include_str!("../assets/catalogue/transactions.json");

/// The transaction costs, with the catalogue's testing costs (L44).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TransactionCosts {
    /// One bilateral deal's set-up, one-off.
    pub bilateral_setup: f64,
    pub bilateral_governance_per_yr: f64,
    /// Setting up one company's contract with the intermediary, one-off.
    pub company_setup_via_intermediary: f64,
    pub facilitator_fee_per_t: f64,
    pub broker_share_pct: f64,
    pub broker_min_per_t: f64,
    /// Full acceptance analyses a year in one testing regime.
    pub compliance_analyses_per_yr: f64,
    /// Rate at which a set-up cost is annualised over the contract's term, %.
    pub interest_pct: f64,
    /// Contract term when an agreement names none, years.
    pub term_yr: f64,
    #[serde(skip)]
    pub lab_analysis_cost_per_sample: f64,
    #[serde(skip)]
    pub testing_cost_per_delivery: f64,
    #[serde(skip)]
    pub truck_payload_t: f64,
    pub sources: BTreeMap<String, String>,
}

impl TransactionCosts {
    /// The built-in figures, with the testing costs and the truck's payload of `catalogue`.
    pub fn builtin(catalogue: &crate::catalogue::Catalogue) -> Result<Self, String> {
        let mut c: TransactionCosts = serde_json::from_str(TRANSACTIONS_JSON)
            .map_err(|e| format!("assets/catalogue/transactions.json: {e}"))?;
        c.lab_analysis_cost_per_sample = catalogue.defaults.lab_analysis_cost_per_sample;
        c.testing_cost_per_delivery = catalogue.defaults.testing_cost_per_delivery;
        c.truck_payload_t = catalogue
            .modes
            .iter()
            .find(|m| m.key == crate::model::ModeKey::Truck)
            .and_then(|m| m.payload_t)
            .unwrap_or(25.0);
        Ok(c)
    }
}

/// Capital recovery factor: the yearly payment that repays 1 over `years` at `rate` (a
/// fraction); `1 / years` at no interest.
pub fn crf(rate: f64, years: f64) -> f64 {
    if years <= 0.0 {
        return 1.0;
    }
    if rate.abs() < 1e-12 {
        return 1.0 / years;
    }
    rate / (1.0 - (1.0 + rate).powf(-years))
}

/// What kind of intermediary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntermediaryKind {
    /// A facilitator or platform: a fee per tonne.
    Facilitator,
    /// A broker who takes title: a share of the material's value, at least a floor per tonne.
    Broker,
}

impl IntermediaryKind {
    pub fn label(self) -> &'static str {
        match self {
            IntermediaryKind::Facilitator => "a facilitator",
            IntermediaryKind::Broker => "a broker",
        }
    }
}

/// One exchange as the transaction costs see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flow {
    /// Facility indices, and the stream as `(facility, output)`.
    pub supplier: usize,
    pub receiver: usize,
    pub stream: (usize, usize),
    pub tonnes_per_yr: f64,
    pub deliveries_per_yr: f64,
    /// What a tonne is worth to the receiver (what it replaces at today's price): the broker's
    /// share is of this.
    pub value_per_t: f64,
    pub term_yr: f64,
}

/// One way of dealing, a year.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Breakdown {
    pub contracts: usize,
    /// Set-up costs annualised over each contract's term.
    pub setup_per_yr: f64,
    pub governance_per_yr: f64,
    /// Full analyses: one regime per pair, or per stream through an intermediary.
    pub analyses_per_yr: f64,
    /// Each load's checks.
    pub delivery_checks_per_yr: f64,
    pub fee_per_yr: f64,
}

impl Breakdown {
    pub fn total_per_yr(&self) -> f64 {
        self.setup_per_yr
            + self.governance_per_yr
            + self.analyses_per_yr
            + self.delivery_checks_per_yr
            + self.fee_per_yr
    }
}

/// Bilateral deals against an intermediary, for a set of exchanges.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    pub kind: IntermediaryKind,
    pub pairs: usize,
    pub companies: usize,
    pub streams: usize,
    pub tonnes_per_yr: f64,
    pub bilateral: Breakdown,
    pub intermediated: Breakdown,
}

impl Comparison {
    /// What the intermediary saves the companies a year (negative: it costs them more).
    pub fn saving_per_yr(&self) -> f64 {
        self.bilateral.total_per_yr() - self.intermediated.total_per_yr()
    }
}

/// Compares bilateral deals with one intermediary for `flows`.
pub fn compare(flows: &[Flow], costs: &TransactionCosts, kind: IntermediaryKind) -> Comparison {
    let r = costs.interest_pct / 100.0;
    let analysis = costs.compliance_analyses_per_yr * costs.lab_analysis_cost_per_sample;
    let checks: f64 = flows
        .iter()
        .map(|f| f.deliveries_per_yr * costs.testing_cost_per_delivery)
        .sum();
    let bilateral = Breakdown {
        contracts: flows.len(),
        setup_per_yr: flows
            .iter()
            .map(|f| costs.bilateral_setup * crf(r, f.term_yr))
            .sum(),
        governance_per_yr: costs.bilateral_governance_per_yr * flows.len() as f64,
        analyses_per_yr: analysis * flows.len() as f64,
        delivery_checks_per_yr: checks,
        fee_per_yr: 0.0,
    };
    // One contract per company, as long as its longest exchange.
    let mut terms: BTreeMap<usize, f64> = BTreeMap::new();
    for f in flows {
        for c in [f.supplier, f.receiver] {
            let t = terms.entry(c).or_insert(0.0);
            *t = t.max(f.term_yr);
        }
    }
    let streams: BTreeSet<(usize, usize)> = flows.iter().map(|f| f.stream).collect();
    let fee: f64 = flows
        .iter()
        .map(|f| {
            let per_t = match kind {
                IntermediaryKind::Facilitator => costs.facilitator_fee_per_t,
                IntermediaryKind::Broker => {
                    (costs.broker_share_pct / 100.0 * f.value_per_t).max(costs.broker_min_per_t)
                }
            };
            per_t * f.tonnes_per_yr
        })
        .sum();
    let intermediated = Breakdown {
        contracts: terms.len(),
        setup_per_yr: terms
            .values()
            .map(|&t| costs.company_setup_via_intermediary * crf(r, t))
            .sum(),
        governance_per_yr: 0.0,
        analyses_per_yr: analysis * streams.len() as f64,
        delivery_checks_per_yr: checks,
        fee_per_yr: fee,
    };
    Comparison {
        kind,
        pairs: flows.len(),
        companies: terms.len(),
        streams: streams.len(),
        tonnes_per_yr: flows.iter().map(|f| f.tonnes_per_yr).sum(),
        bilateral,
        intermediated,
    }
}

/// The yearly tonnes at which one pair pays the same dealing directly as through a
/// facilitator: below it the facilitator is cheaper. `None` without a fee per tonne.
pub fn facilitator_break_even_t_per_yr(costs: &TransactionCosts, term_yr: f64) -> Option<f64> {
    let a = crf(costs.interest_pct / 100.0, term_yr);
    (costs.facilitator_fee_per_t > 0.0).then(|| {
        (costs.bilateral_setup * a + costs.bilateral_governance_per_yr
            - 2.0 * costs.company_setup_via_intermediary * a)
            / costs.facilitator_fee_per_t
    })
}

/// The projects that name one intermediary (a member in that role), with the comparison of
/// their exchanges.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The intermediary's facility index, or its name.
    pub facility: Option<usize>,
    pub name: String,
    pub projects: Vec<usize>,
    pub flows: Vec<Flow>,
    pub facilitator: Comparison,
    pub broker: Comparison,
    /// Projects of the group whose exchange is not counted (no stream or need, or no rule),
    /// and exchanges counted in energy (no tonnes: a fee per tonne does not apply).
    pub left_out: Vec<usize>,
}

/// A project's exchange as a flow for the transaction costs.
pub fn project_flow(
    engine: &Engine,
    region: &Region,
    project: &Project,
    costs: &TransactionCosts,
) -> Option<Flow> {
    let c = project_candidate(engine, region, project)?;
    let supply = &engine.supplies[engine.supply_index(c.from_facility, c.stream)?];
    // Tonnes per delivered unit: the stream's tonnes per source unit over the mass factor.
    let t_per_delivered = if c.mass_factor > 0.0 {
        supply.tonnes_per_source_unit / c.mass_factor
    } else {
        0.0
    };
    let tonnes_per_yr = c.annual.exchanged_per_yr * t_per_delivered;
    let agreement = project.agreement.as_ref();
    let deliveries = match agreement.and_then(|a| a.delivery_every_days.map(|_| a)) {
        Some(a) => deliveries_per_yr(a),
        None if costs.truck_payload_t > 0.0 => tonnes_per_yr / costs.truck_payload_t,
        None => 0.0,
    };
    Some(Flow {
        supplier: c.from_facility,
        receiver: c.to_facility,
        stream: (c.from_facility, c.stream),
        tonnes_per_yr,
        deliveries_per_yr: deliveries,
        value_per_t: if t_per_delivered > 0.0 {
            c.value.avoided_purchase_per_unit / t_per_delivered
        } else {
            0.0
        },
        term_yr: agreement
            .and_then(|a| a.duration_yr)
            .filter(|y| *y > 0.0)
            .unwrap_or(costs.term_yr),
    })
}

/// Every intermediary named in the region's projects, with what it would cost and save.
pub fn groups(engine: &Engine, region: &Region, costs: &TransactionCosts) -> Vec<Group> {
    let mut by_key: BTreeMap<String, (Option<usize>, String, Vec<usize>)> = BTreeMap::new();
    for (pi, p) in region.projects.iter().enumerate() {
        for m in p.members.iter().filter(|m| m.role == Role::Intermediary) {
            let facility = m
                .facility
                .as_deref()
                .and_then(|id| region.facility_index(id));
            let name =
                facility.map_or_else(|| m.name.clone(), |f| region.facilities[f].name.clone());
            let key = m
                .facility
                .clone()
                .unwrap_or_else(|| format!("name:{}", m.name.trim()));
            if key == "name:" {
                continue;
            }
            let entry = by_key.entry(key).or_insert((facility, name, Vec::new()));
            if !entry.2.contains(&pi) {
                entry.2.push(pi);
            }
        }
    }
    by_key
        .into_values()
        .map(|(facility, name, projects)| {
            let mut flows = Vec::new();
            let mut left_out = Vec::new();
            for &pi in &projects {
                match project_flow(engine, region, &region.projects[pi], costs) {
                    Some(f) if f.tonnes_per_yr > 0.0 => flows.push(f),
                    _ => left_out.push(pi),
                }
            }
            Group {
                facility,
                name,
                facilitator: compare(&flows, costs, IntermediaryKind::Facilitator),
                broker: compare(&flows, costs, IntermediaryKind::Broker),
                projects,
                flows,
                left_out,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crf_limits() {
        assert!((crf(0.04, 5.0) - 0.224_627).abs() < 1e-6);
        assert!((crf(0.0, 4.0) - 0.25).abs() < 1e-12);
        assert_eq!(crf(0.04, 0.0), 1.0);
    }

    #[test]
    fn the_builtin_costs_load_with_a_source_for_each_figure() {
        let c = TransactionCosts::builtin(crate::catalogue::Catalogue::builtin()).expect("costs");
        assert_eq!(c.lab_analysis_cost_per_sample, 650.0);
        assert_eq!(c.truck_payload_t, 25.0);
        let v: serde_json::Value = serde_json::from_str(TRANSACTIONS_JSON).expect("JSON");
        let sources = v["field_sources"].as_object().expect("field_sources");
        for key in [
            "bilateral_setup",
            "bilateral_governance_per_yr",
            "company_setup_via_intermediary",
            "facilitator_fee_per_t",
            "broker_share_pct",
            "broker_min_per_t",
            "compliance_analyses_per_yr",
            "interest_pct",
            "term_yr",
        ] {
            let s = sources[key].as_str().unwrap_or_default();
            assert!(!s.is_empty(), "{key} has no source");
            let id = s.split([',', ' ']).next().unwrap_or_default();
            assert!(c.sources.contains_key(id), "{key}: source {id} not listed");
        }
    }
}
