//! The candidate CSV (`symbiomap match --csv`, the app's CSV export): one row per candidate
//! with ids, materials, category, mode, distance, break-even, net value, yearly figures,
//! today's outlet and supply, the transfer price and each company's gain, and the reasons.
//!
//! A candidate that touches a confidential facility has its money cells (break-even, net
//! value, value per year, the outlet's cost, the prices and the gains) empty and
//! `figures_withheld` = `yes`, unless confidential figures are asked for ([`crate::disclosure`]).

use std::io::Write;

use crate::io::fixed::push_fixed;
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

/// The header as CSV text.
pub fn header_bytes() -> std::io::Result<Vec<u8>> {
    let mut header = csv::Writer::from_writer(Vec::new());
    write_header(&mut header)?;
    header
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// One row per candidate, explained and formatted a slice at a time in parallel (memory stays
/// bounded), written in order. Returns the rows written.
pub fn write_rows(
    out: &mut dyn std::io::Write,
    engine: &Engine,
    region: &Region,
    candidates: &[PlanCandidate],
    include_confidential: bool,
) -> std::io::Result<usize> {
    use rayon::prelude::*;
    let formatted: Vec<std::io::Result<(usize, Vec<u8>)>> = candidates
        .par_chunks(1024)
        .map(|slice| {
            let mut rows = 0;
            let mut csv_out = csv::Writer::from_writer(Vec::with_capacity(slice.len() * 256));
            let mut number = String::new();
            for c in slice.iter().filter_map(|c| engine.explain(region, &c.hit)) {
                rows += 1;
                write_row(&mut csv_out, &mut number, region, &c, include_confidential)?;
            }
            let bytes = csv_out
                .into_inner()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            Ok((rows, bytes))
        })
        .collect();
    let mut rows = 0;
    for slice in formatted {
        let (n, bytes) = slice?;
        out.write_all(&bytes)?;
        rows += n;
    }
    Ok(rows)
}

/// One candidate's row (numbers to fixed decimals by [`push_fixed`], as `format!` writes them).
fn write_row(
    out: &mut csv::Writer<Vec<u8>>,
    number: &mut String,
    region: &Region,
    c: &Candidate,
    include_confidential: bool,
) -> csv::Result<()> {
    let from = &region.facilities[c.from_facility];
    let to = &region.facilities[c.to_facility];
    let stream = &from.outputs[c.stream];
    let need = &to.needs[c.need];
    let withheld =
        crate::disclosure::withheld(region, c.from_facility, c.to_facility, include_confidential);
    // A number; an empty cell where a confidential party's money would be.
    let mut num = |out: &mut csv::Writer<Vec<u8>>, v: f64, decimals: usize, is_money: bool| {
        if is_money && withheld {
            return out.write_field("");
        }
        number.clear();
        push_fixed(number, v, decimals);
        out.write_field(number.as_bytes())
    };
    for text in [
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
    ] {
        out.write_field(text)?;
    }
    num(out, c.value.distance_km, 3, false)?;
    num(out, c.value.break_even_km, 3, true)?;
    num(out, c.value.net_value_per_unit, 4, true)?;
    out.write_field(stream.unit.symbol())?;
    num(out, c.annual.exchanged_per_yr, 3, false)?;
    num(out, c.annual.value_per_yr, 2, true)?;
    num(out, c.annual.co2_avoided_t_per_yr, 3, false)?;
    num(out, c.annual.landfill_diverted_t_per_yr, 3, false)?;
    out.write_field(c.outlet.kind.key())?;
    num(out, c.outlet.net_cost_per_unit, 4, true)?;
    out.write_field(match c.demand.origin {
        crate::model::SupplyOrigin::Virgin => "virgin",
        crate::model::SupplyOrigin::Secondary => "secondary",
    })?;
    num(out, c.price_factor, 3, false)?;
    match c.energy_mwh_per_unit {
        Some(e) => num(out, e, 4, false)?,
        None => out.write_field("")?,
    }
    num(out, c.gains.transfer_price_per_unit, 4, true)?;
    num(out, c.gains.price_low_per_unit, 4, true)?;
    num(out, c.gains.price_high_per_unit, 4, true)?;
    num(out, c.gains.sender_per_yr, 2, true)?;
    num(out, c.gains.receiver_per_yr, 2, true)?;
    let reasons = c
        .checks
        .iter()
        .filter(|x| x.level != crate::checks::Level::Pass)
        .map(|x| format!("{}: {}", x.level.label(), x.message))
        .collect::<Vec<_>>()
        .join(" | ");
    out.write_field(reasons)?;
    out.write_field(if withheld { "yes" } else { "no" })?;
    out.write_record(None::<&[u8]>)
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
        let mut out = std::io::BufWriter::with_capacity(1 << 20, w);
        out.write_all(&header_bytes()?)?;
        rows = write_rows(&mut out, engine, region, candidates, include_confidential)?;
        out.flush()
    })?;
    Ok(rows)
}
