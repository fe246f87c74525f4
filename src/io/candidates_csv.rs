//! The candidate CSV (`symbiomap match --csv`, the app's CSV export): one row per candidate
//! with ids, materials, category, mode, distance, break-even, net value, yearly figures,
//! today's outlet and supply, the transfer price and each company's gain, and the reasons.
//!
//! A candidate that touches a confidential facility has its money cells (break-even, net
//! value, value per year, the outlet's cost, the prices and the gains) empty and
//! `figures_withheld` = `yes`, unless confidential figures are asked for ([`crate::disclosure`]).

use crate::matching::{Candidate, Engine, PlanCandidate};
use crate::model::Region;

/// The header of `match --csv`.
pub fn write_header<W: std::io::Write>(out: &mut csv::Writer<W>) -> csv::Result<()> {
    out.write_record([
        "from_facility",
        "to_facility",
        "stream_id",
        "need_id",
        "material",
        "to_material",
        "category",
        "rule",
        "mode",
        "viable",
        "distance_km",
        "break_even_km",
        "net_value_per_unit",
        "unit",
        "exchanged_per_yr",
        "value_per_yr",
        "co2_avoided_t_per_yr",
        "landfill_diverted_t_per_yr",
        "outlet_today",
        "outlet_net_cost_per_unit",
        "supply_origin",
        "price_factor",
        "energy_mwh_per_unit",
        "transfer_price_per_unit",
        "price_low_per_unit",
        "price_high_per_unit",
        "sender_gain_per_yr",
        "receiver_gain_per_yr",
        "reasons",
        "figures_withheld",
    ])?;
    Ok(())
}

/// One row per candidate, explained a chunk at a time in parallel (memory stays bounded).
/// Returns the rows written.
pub fn write_rows<W: std::io::Write>(
    out: &mut csv::Writer<W>,
    engine: &Engine,
    region: &Region,
    candidates: &[PlanCandidate],
    include_confidential: bool,
) -> csv::Result<usize> {
    use rayon::prelude::*;
    let mut rows = 0;
    for chunk in candidates.chunks(1 << 14) {
        let explained: Vec<Candidate> = chunk
            .par_iter()
            .filter_map(|c| engine.explain(region, &c.hit))
            .collect();
        rows += explained.len();
        for c in &explained {
            let from = &region.facilities[c.from_facility];
            let to = &region.facilities[c.to_facility];
            let stream = &from.outputs[c.stream];
            let need = &to.needs[c.need];
            let withheld = crate::disclosure::withheld(
                region,
                c.from_facility,
                c.to_facility,
                include_confidential,
            );
            // An empty cell where a confidential party's money would be.
            let money = |v: f64, decimals: usize| {
                if withheld {
                    String::new()
                } else {
                    format!("{v:.decimals$}")
                }
            };
            let reasons = c
                .checks
                .iter()
                .filter(|x| x.level != crate::checks::Level::Pass)
                .map(|x| format!("{}: {}", x.level.label(), x.message))
                .collect::<Vec<_>>()
                .join(" | ");
            out.write_record([
                from.id.as_str(),
                to.id.as_str(),
                stream.id.as_str(),
                need.id.as_str(),
                stream.material.as_str(),
                need.material.as_str(),
                c.kind.label(),
                c.rule.as_ref().map_or("", |r| r.id.as_str()),
                c.value.mode.label(),
                if c.viable { "yes" } else { "no" },
                &format!("{:.3}", c.value.distance_km),
                &money(c.value.break_even_km, 3),
                &money(c.value.net_value_per_unit, 4),
                stream.unit.symbol(),
                &format!("{:.3}", c.annual.exchanged_per_yr),
                &money(c.annual.value_per_yr, 2),
                &format!("{:.3}", c.annual.co2_avoided_t_per_yr),
                &format!("{:.3}", c.annual.landfill_diverted_t_per_yr),
                c.outlet.kind.key(),
                &money(c.outlet.net_cost_per_unit, 4),
                match c.demand.origin {
                    crate::model::SupplyOrigin::Virgin => "virgin",
                    crate::model::SupplyOrigin::Secondary => "secondary",
                },
                &format!("{:.3}", c.price_factor),
                &c.energy_mwh_per_unit
                    .map_or(String::new(), |e| format!("{e:.4}")),
                &money(c.gains.transfer_price_per_unit, 4),
                &money(c.gains.price_low_per_unit, 4),
                &money(c.gains.price_high_per_unit, 4),
                &money(c.gains.sender_per_yr, 2),
                &money(c.gains.receiver_per_yr, 2),
                &reasons,
                if withheld { "yes" } else { "no" },
            ])?;
        }
    }
    Ok(rows)
}

/// Writes `candidates` to `path` as one file (atomically): the header, then a row each.
/// Returns the rows written.
pub fn write_file(
    path: &std::path::Path,
    engine: &Engine,
    region: &Region,
    candidates: &[PlanCandidate],
    include_confidential: bool,
) -> std::io::Result<usize> {
    let mut rows = 0;
    crate::io::atomic::write_atomic_with(path, |w| {
        let mut out = csv::Writer::from_writer(w);
        write_header(&mut out)?;
        rows = write_rows(&mut out, engine, region, candidates, include_confidential)?;
        out.flush()
    })?;
    Ok(rows)
}
