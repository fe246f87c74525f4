//! Region-level figures from a list of candidates.
//!
//! Adding up every candidate would count a stream once per possible receiver. Instead, the
//! summary allocates greedily: candidates in order of net value per unit of source stream, each
//! taking as much as its stream still has and its need still wants (within the rule's blending
//! share). This is one feasible plan, not the optimum; it is a fair estimate of what the region
//! could gain and never promises a tonne twice.

use serde_json::{json, Value};

use crate::catalogue::MatchKind;
use crate::matching::Candidate;
use crate::model::Region;

/// One exchange of the greedy plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Allocation {
    /// Index into the candidate list.
    pub candidate: usize,
    pub source_units_per_yr: f64,
    pub value_per_yr: f64,
    pub co2_avoided_t_per_yr: f64,
    pub landfill_diverted_t_per_yr: f64,
    /// Each company's gain at the candidate's transfer price, for this quantity.
    pub sender_gain_per_yr: f64,
    pub receiver_gain_per_yr: f64,
}

/// What `symbiomap match` reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub viable: usize,
    pub viable_by_kind: [usize; 3],
    /// Candidates reported that are not viable (near misses, failed specifications).
    pub near_or_failed: usize,
    pub allocated: Vec<Allocation>,
    pub value_per_yr: f64,
    pub co2_avoided_t_per_yr: f64,
    pub landfill_diverted_t_per_yr: f64,
}

/// Counts the candidates and allocates the viable ones greedily.
pub fn allocate(region: &Region, candidates: &[Candidate]) -> Summary {
    let mut summary = Summary::default();
    let mut order: Vec<usize> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        if c.viable {
            summary.viable += 1;
            summary.viable_by_kind[c.kind as usize] += 1;
            if c.value.net_value_per_unit > 0.0 {
                order.push(i);
            }
        } else {
            summary.near_or_failed += 1;
        }
    }
    let per_source = |c: &Candidate| c.value.net_value_per_unit * c.mass_factor;
    order.sort_by(|&a, &b| per_source(&candidates[b]).total_cmp(&per_source(&candidates[a])));

    // Remaining supply (source units) and need (need units), by facility and index.
    let mut supply_left: Vec<Vec<f64>> = region
        .facilities
        .iter()
        .map(|f| f.outputs.iter().map(|o| o.quantity_per_yr).collect())
        .collect();
    let mut need_left: Vec<Vec<f64>> = region
        .facilities
        .iter()
        .map(|f| f.needs.iter().map(|n| n.quantity_per_yr).collect())
        .collect();
    // Need units already given to each (need, rule): a rule's blending share caps what all
    // its by-products together may cover of one need.
    let mut by_rule: std::collections::HashMap<(usize, usize, Option<&str>), f64> =
        std::collections::HashMap::new();
    for i in order {
        let c = &candidates[i];
        let need_qty = region.facilities[c.to_facility].needs[c.need].quantity_per_yr;
        let need_per_source = c.need_units_per_delivered * c.mass_factor;
        let s_left = supply_left[c.from_facility][c.stream];
        let key = (
            c.to_facility,
            c.need,
            c.rule.as_ref().map(|r| r.id.as_str()),
        );
        let share_left =
            need_qty * c.max_share_pct / 100.0 - by_rule.get(&key).copied().unwrap_or(0.0);
        let n_left = need_left[c.to_facility][c.need].min(share_left);
        if need_per_source <= 0.0 || s_left <= 0.0 || n_left <= 0.0 {
            continue;
        }
        let x = s_left.min(n_left / need_per_source);
        if x <= 1e-9 {
            continue;
        }
        supply_left[c.from_facility][c.stream] -= x;
        need_left[c.to_facility][c.need] -= x * need_per_source;
        *by_rule.entry(key).or_insert(0.0) += x * need_per_source;
        let delivered = x * c.mass_factor;
        let a = Allocation {
            candidate: i,
            source_units_per_yr: x,
            value_per_yr: delivered * c.value.net_value_per_unit,
            co2_avoided_t_per_yr: delivered * c.value.co2_avoided_kg_per_unit / 1000.0,
            landfill_diverted_t_per_yr: x * c.landfill_t_per_source_unit,
            sender_gain_per_yr: delivered * c.gains.sender_per_unit,
            receiver_gain_per_yr: delivered * c.gains.receiver_per_unit,
        };
        summary.value_per_yr += a.value_per_yr;
        summary.co2_avoided_t_per_yr += a.co2_avoided_t_per_yr;
        summary.landfill_diverted_t_per_yr += a.landfill_diverted_t_per_yr;
        summary.allocated.push(a);
    }
    summary
}

/// One candidate as JSON, with ids, economics and reasons.
pub fn candidate_json(region: &Region, c: &Candidate) -> Value {
    let from = &region.facilities[c.from_facility];
    let to = &region.facilities[c.to_facility];
    let stream = &from.outputs[c.stream];
    let need = &to.needs[c.need];
    json!({
        "from_facility": from.id, "to_facility": to.id,
        "stream_id": stream.id, "need_id": need.id,
        "material": stream.material, "to_material": need.material,
        "category": c.kind.label(),
        "rule": c.rule.as_ref().map(|r| r.id.clone()),
        "viable": c.viable,
        "mode": c.value.mode.label(),
        "distance_km": c.value.distance_km,
        "break_even_km": c.value.break_even_km,
        "net_value_per_unit": c.value.net_value_per_unit,
        "unit": stream.unit.symbol(),
        "exchanged_per_yr": c.annual.exchanged_per_yr,
        "value_per_yr": c.annual.value_per_yr,
        "co2_avoided_t_per_yr": c.annual.co2_avoided_t_per_yr,
        "landfill_diverted_t_per_yr": c.annual.landfill_diverted_t_per_yr,
        "outlet": {"kind": c.outlet.kind.key(), "assumed": c.outlet.assumed, "net_cost_per_unit": c.outlet.net_cost_per_unit, "basis": c.outlet.basis},
        "supply_origin": match c.demand.origin { crate::model::SupplyOrigin::Virgin => "virgin", crate::model::SupplyOrigin::Secondary => "secondary" },
        "displaced_co2_kg_per_unit": c.demand.displaced_co2_kg_per_to_unit,
        "price_factor": c.price_factor,
        "energy_mwh_per_unit": c.energy_mwh_per_unit,
        "lhv_mj_per_kg": c.lhv_mj_per_kg,
        "gains": {
            "transfer_price_per_unit": c.gains.transfer_price_per_unit,
            "price_range_per_unit": [c.gains.price_low_per_unit, c.gains.price_high_per_unit],
            "sender_per_yr": c.gains.sender_per_yr,
            "receiver_per_yr": c.gains.receiver_per_yr,
        },
        "break_even_km_by_mode": c.by_mode.iter().map(|(m, r)| (m.label().to_owned(), match r {
            Ok(v) => json!(v.break_even_km),
            Err(b) => json!(b.explain()),
        })).collect::<serde_json::Map<_, _>>(),
        "reasons": c.checks.iter().map(|x| json!({"level": x.level.label(), "aspect": x.aspect, "message": x.message, "fix": x.fix_step})).collect::<Vec<_>>(),
    })
}

/// The summary and the top candidates by yearly value as JSON.
pub fn to_json(region: &Region, summary: &Summary, candidates: &[Candidate], top: usize) -> Value {
    let mut viable: Vec<&Candidate> = candidates.iter().filter(|c| c.viable).collect();
    viable.sort_by(|a, b| b.annual.value_per_yr.total_cmp(&a.annual.value_per_yr));
    json!({
        "region": region.name,
        "currency": region.currency,
        "viable": summary.viable,
        "viable_by_category": {
            "direct": summary.viable_by_kind[MatchKind::Direct as usize],
            "indirect": summary.viable_by_kind[MatchKind::Indirect as usize],
            "cascaded": summary.viable_by_kind[MatchKind::Cascaded as usize],
        },
        "near_or_failed": summary.near_or_failed,
        "greedy_allocation": {
            "exchanges": summary.allocated.len(),
            "value_per_yr": summary.value_per_yr,
            "co2_avoided_t_per_yr": summary.co2_avoided_t_per_yr,
            "landfill_diverted_t_per_yr": summary.landfill_diverted_t_per_yr,
        },
        "top_candidates": viable.iter().take(top).map(|c| candidate_json(region, c)).collect::<Vec<_>>(),
    })
}
