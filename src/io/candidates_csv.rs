//! The candidate CSV (`symbiomap match --csv`, the app's CSV export): one row per candidate
//! with ids, materials, category, mode, distance, break-even, net value, yearly figures,
//! today's outlet and supply, the transfer price and each company's gain, and the reasons.
//!
//! A candidate that touches a confidential facility has its money cells (break-even, net
//! value, value per year, the outlet's cost, the prices and the gains) empty and
//! `figures_withheld` = `yes`, unless confidential figures are asked for ([`crate::disclosure`]).

use std::io::Write;

use crate::io::fixed::push_fixed_bytes;
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

/// Candidates per slice a worker formats.
const SLICE: usize = 1024;
/// Slices formatted at once: their buffers are kept and reused, so that memory stays bounded
/// and the pages are not asked of the system again for every slice.
const WAVE: usize = 32;

/// One row per candidate, explained and formatted a slice at a time in parallel (memory stays
/// bounded), written in order. Returns the rows written. Large buffers are written through:
/// `out` need not buffer them again.
pub fn write_rows(
    out: &mut dyn std::io::Write,
    engine: &Engine,
    region: &Region,
    candidates: &[PlanCandidate],
    include_confidential: bool,
) -> std::io::Result<usize> {
    use rayon::prelude::*;
    let mut buffers: Vec<(Vec<u8>, String)> = (0..WAVE).map(|_| Default::default()).collect();
    let mut rows = 0;
    for wave in candidates.chunks(SLICE * WAVE) {
        let counts: Vec<usize> = buffers
            .par_iter_mut()
            .zip(wave.par_chunks(SLICE))
            .map(|((buf, scratch), slice)| {
                buf.clear();
                let mut n = 0;
                for c in slice.iter().filter_map(|c| engine.explain(region, &c.hit)) {
                    n += 1;
                    write_row(buf, scratch, region, &c, include_confidential);
                }
                n
            })
            .collect();
        for ((buf, _), n) in buffers.iter().zip(counts) {
            out.write_all(buf)?;
            rows += n;
        }
    }
    Ok(rows)
}

/// Appends a text cell as the csv crate writes it: quoted (quotes doubled) when it holds the
/// delimiter, a quote or a line end.
fn push_text(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if bytes
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        for &b in bytes {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(bytes);
    }
}

/// One candidate's row (numbers to fixed decimals by [`push_fixed_bytes`], as `format!`
/// writes them; text quoted as the csv crate quotes it).
fn write_row(
    out: &mut Vec<u8>,
    scratch: &mut String,
    region: &Region,
    c: &Candidate,
    include_confidential: bool,
) {
    let from = &region.facilities[c.from_facility];
    let to = &region.facilities[c.to_facility];
    let stream = &from.outputs[c.stream];
    let need = &to.needs[c.need];
    let withheld =
        crate::disclosure::withheld(region, c.from_facility, c.to_facility, include_confidential);
    let mut first = true;
    let mut sep = |out: &mut Vec<u8>| {
        if !first {
            out.push(b',');
        }
        first = false;
    };
    // A number; an empty cell where a confidential party's money would be.
    let num = |out: &mut Vec<u8>,
               sep: &mut dyn FnMut(&mut Vec<u8>),
               v: f64,
               decimals: usize,
               is_money: bool| {
        sep(out);
        if !(is_money && withheld) {
            push_fixed_bytes(out, v, decimals);
        }
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
        sep(out);
        push_text(out, text);
    }
    num(out, &mut sep, c.value.distance_km, 3, false);
    num(out, &mut sep, c.value.break_even_km, 3, true);
    num(out, &mut sep, c.value.net_value_per_unit, 4, true);
    sep(out);
    push_text(out, stream.unit.symbol());
    num(out, &mut sep, c.annual.exchanged_per_yr, 3, false);
    num(out, &mut sep, c.annual.value_per_yr, 2, true);
    num(out, &mut sep, c.annual.co2_avoided_t_per_yr, 3, false);
    num(out, &mut sep, c.annual.landfill_diverted_t_per_yr, 3, false);
    sep(out);
    push_text(out, c.outlet.kind.key());
    num(out, &mut sep, c.outlet.net_cost_per_unit, 4, true);
    sep(out);
    push_text(
        out,
        match c.demand.origin {
            crate::model::SupplyOrigin::Virgin => "virgin",
            crate::model::SupplyOrigin::Secondary => "secondary",
        },
    );
    num(out, &mut sep, c.price_factor, 3, false);
    match c.energy_mwh_per_unit {
        Some(e) => num(out, &mut sep, e, 4, false),
        None => sep(out),
    }
    num(out, &mut sep, c.gains.transfer_price_per_unit, 4, true);
    num(out, &mut sep, c.gains.price_low_per_unit, 4, true);
    num(out, &mut sep, c.gains.price_high_per_unit, 4, true);
    num(out, &mut sep, c.gains.sender_per_yr, 2, true);
    num(out, &mut sep, c.gains.receiver_per_yr, 2, true);
    scratch.clear();
    for x in c
        .checks
        .iter()
        .filter(|x| x.level != crate::checks::Level::Pass)
    {
        if !scratch.is_empty() {
            scratch.push_str(" | ");
        }
        scratch.push_str(x.level.label());
        scratch.push_str(": ");
        scratch.push_str(&x.message);
    }
    sep(out);
    push_text(out, scratch);
    sep(out);
    out.extend_from_slice(if withheld { b"yes" } else { b"no" });
    out.push(b'\n');
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
        // Small: the rows come in large buffers, written through.
        let mut out = std::io::BufWriter::with_capacity(64 << 10, w);
        out.write_all(&header_bytes()?)?;
        rows = write_rows(&mut out, engine, region, candidates, include_confidential)?;
        out.flush()
    })?;
    Ok(rows)
}
