//! Region-level figures from a list of candidates.
//!
//! Adding up every candidate would count a stream once per possible receiver. Instead, the
//! summary allocates greedily ([`crate::plan::greedy`]): candidates in order of net value per
//! unit of source stream, each taking as much as its stream still has and its need still
//! wants (within the rule's blending share). This is one feasible plan, not the optimum
//! (`symbiomap plan` solves for that); it never promises a tonne twice.

use serde_json::{json, Value};

use crate::catalogue::MatchKind;
use crate::matching::{Candidate, Engine, PlanCandidate, SearchOptions};
use crate::model::Region;
use crate::plan::{column_fixed_cost, greedy, PlanOptions, Problem};

/// One exchange of the greedy plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Allocation {
    pub candidate: PlanCandidate,
    pub source_units_per_yr: f64,
    pub value_per_yr: f64,
    pub co2_avoided_t_per_yr: f64,
    pub landfill_diverted_t_per_yr: f64,
    /// Each company's gain at the default transfer price (the companies' surplus halved), for
    /// this quantity.
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

/// Counts the candidates and allocates the viable ones greedily, all of them in memory (what
/// [`allocate_streamed`] must equal).
pub fn allocate(engine: &Engine, region: &Region, candidates: &[PlanCandidate]) -> Summary {
    let mut summary = Summary::default();
    for c in candidates {
        summary.count(c);
    }
    summary.add_greedy(engine, region, candidates);
    summary
}

impl Summary {
    fn count(&mut self, c: &PlanCandidate) {
        if c.hit.viable {
            self.viable += 1;
            self.viable_by_kind[c.hit.kind as usize] += 1;
        } else {
            self.near_or_failed += 1;
        }
    }

    /// The greedy pass over `candidates`, added to the totals.
    fn add_greedy(&mut self, engine: &Engine, region: &Region, candidates: &[PlanCandidate]) {
        // Without constraints of the user's the problem always builds.
        let problem =
            Problem::build(engine, region, candidates, &PlanOptions::default()).unwrap_or_default();
        let plan = greedy(&problem);
        for (col, &x) in problem.columns.iter().zip(&plan.x) {
            if x <= 0.0 {
                continue;
            }
            self.add_allocation(candidates[col.candidate], x);
        }
    }

    /// One exchange of the greedy pass, added to the totals.
    fn add_allocation(&mut self, c: PlanCandidate, x: f64) {
        let half = 0.5 * c.private_value_per_yr(x);
        let a = Allocation {
            candidate: c,
            source_units_per_yr: x,
            value_per_yr: c.value_per_yr(x),
            co2_avoided_t_per_yr: x * c.co2_t_per_source_unit,
            landfill_diverted_t_per_yr: x * c.landfill_t_per_source_unit,
            sender_gain_per_yr: half,
            receiver_gain_per_yr: half,
        };
        self.value_per_yr += a.value_per_yr;
        self.co2_avoided_t_per_yr += a.co2_avoided_t_per_yr;
        self.landfill_diverted_t_per_yr += a.landfill_diverted_t_per_yr;
        self.allocated.push(a);
    }
}

/// How much [`allocate_streamed`] holds in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamLimits {
    /// The viable candidates of highest yearly value to return.
    pub top: usize,
    /// Hold every candidate the greedy pass could take while there are at most this many (one
    /// pass over the region); beyond, bands of value of at most this many.
    pub hold: usize,
}

impl StreamLimits {
    /// Holds up to about `bytes` of candidates.
    pub fn within_bytes(bytes: usize, top: usize) -> StreamLimits {
        StreamLimits {
            top,
            hold: bytes / std::mem::size_of::<PlanCandidate>(),
        }
    }
}

/// What [`allocate_streamed`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Streamed {
    pub summary: Summary,
    /// The `top` viable candidates of highest yearly value, best first.
    pub top: Vec<PlanCandidate>,
    /// Passes over the region's candidates (the first, then one per band of value).
    pub passes: usize,
    /// The most candidates held at once for the greedy pass.
    pub kept: usize,
}

/// The greedy pass of [`allocate`] over every candidate of the region without holding them:
/// each pass searches the region a chunk at a time ([`Engine::search_chunked`]). The first
/// pass counts them, hands each chunk to `on_chunk` (the CSV), keeps the `top` of highest
/// yearly value, and holds every candidate the greedy pass could take while they fit
/// (`hold`): then the greedy pass runs on them, done. Beyond, it counts them by bin of value
/// per source unit, and the greedy pass runs in bands of value, the highest first: each band
/// a pass over the region that holds the band's candidates whose stream, need and share still
/// have room (the streams with none are not even searched), sorts them in the greedy order
/// and takes them from where the band before left off. Bins keep the order of values, so the
/// bands in turn are the greedy order: the result is the greedy pass over every candidate.
pub fn allocate_streamed(
    engine: &Engine,
    region: &Region,
    search: &SearchOptions,
    limits: StreamLimits,
    mut on_chunk: impl FnMut(&[PlanCandidate]),
    progress: &mut dyn FnMut(&str),
) -> Streamed {
    use crate::streamed::{
        greedy_in_bands, key, value_bin, GreedyColumn, GreedyState, Held, MEMBERS_PER_CHUNK,
        VALUE_BINS,
    };
    let StreamLimits { top, hold } = limits;
    let options = PlanOptions::default();
    let admitted = |c: &PlanCandidate| column_fixed_cost(c, &options, false);
    let mut out = Streamed::default();
    // Admitted candidates per bin of value, for the bands (when they do not all fit).
    let mut histogram = vec![0u64; VALUE_BINS];
    let mut best: Vec<PlanCandidate> = Vec::new();
    // Every admitted candidate while there are at most `hold`.
    let mut held: Option<Held> = Some(Held::default());
    let value_at_max = |c: &PlanCandidate| c.value_per_yr(c.max_source_units_per_yr);
    let top_order = |a: &PlanCandidate, b: &PlanCandidate| {
        value_at_max(b)
            .total_cmp(&value_at_max(a))
            .then(key(a).cmp(&key(b)))
    };
    engine.search_chunked(region, search, MEMBERS_PER_CHUNK, |hits| {
        let mut chunk = engine.quantify_all(region, hits);
        on_chunk(&chunk);
        for c in &chunk {
            out.summary.count(c);
            if !c.hit.viable {
                continue;
            }
            if top > 0 {
                best.push(*c);
                if best.len() >= 2 * top.max(512) {
                    best.sort_by(top_order);
                    best.truncate(top);
                }
            }
        }
        // Kept in place: the chunk is not copied again (at 100 000 facilities it was a copy
        // of about 1 GB over the search).
        chunk.retain(|c| c.hit.viable && admitted(c).is_some());
        for c in &chunk {
            histogram[value_bin(c.value_per_source_unit)] += 1;
        }
        match &mut held {
            Some(all) if all.len() + chunk.len() <= hold => all.push(chunk),
            _ => held = None,
        }
    });
    out.passes = 1;
    best.sort_by(top_order);
    best.truncate(top);
    out.top = best;
    if let Some(all) = held {
        // They all fitted: the greedy pass over every one of them in the greedy order (value
        // per source unit, highest first, ties by key), taken where they are held: compact
        // keys are sorted, not the candidates, and no problem is built for the pass.
        let mut state = GreedyState::new(engine, region);
        let mut taken = Vec::new();
        out.kept = all.len();
        for c in all.in_greedy_order() {
            if let Some(fixed) = admitted(c) {
                let col = GreedyColumn {
                    fixed_cost_per_yr: fixed,
                    min_source_units_per_yr: c.min_source_units_per_yr,
                    locked: false,
                };
                let x = state.take(engine, c, &col);
                if x > 0.0 {
                    taken.push((*c, x));
                }
            }
        }
        taken.sort_unstable_by_key(|(c, _)| key(c));
        for (c, x) in taken {
            out.summary.add_allocation(c, x);
        }
        return out;
    }
    // Too many to hold: the greedy order in bands of value that fit, the highest first, each
    // one a pass over the region that holds only the band's candidates with room left.
    progress(&format!(
        "{} candidates, more than are held: the greedy pass in bands of value",
        out.summary.viable + out.summary.near_or_failed,
    ));
    let mut state = GreedyState::new(engine, region);
    let column = |c: &PlanCandidate| {
        admitted(c).map(|fixed| GreedyColumn {
            fixed_cost_per_yr: fixed,
            min_source_units_per_yr: c.min_source_units_per_yr,
            locked: false,
        })
    };
    let bands = greedy_in_bands(
        engine,
        region,
        search,
        hold,
        histogram,
        &mut state,
        &column,
        &|_| false,
        progress,
    );
    out.passes += bands.passes;
    out.kept = bands.largest_band;
    let mut taken = bands.taken;
    // In the search's order, as the pass over every candidate adds them up.
    taken.sort_by_key(|(c, _)| key(c));
    for (c, x) in taken {
        out.summary.add_allocation(c, x);
    }
    out
}

/// The `n` viable candidates of highest yearly value (each at the most its pair can carry),
/// best first: indices into `candidates`.
pub fn top_by_value(candidates: &[PlanCandidate], n: usize) -> Vec<usize> {
    let mut viable: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].hit.viable)
        .collect();
    let value = |i: usize| {
        let c = &candidates[i];
        c.value_per_yr(c.max_source_units_per_yr)
    };
    let by_value = |a: &usize, b: &usize| value(*b).total_cmp(&value(*a)).then(a.cmp(b));
    if viable.len() > n {
        viable.select_nth_unstable_by(n, by_value);
        viable.truncate(n);
    }
    viable.sort_by(by_value);
    viable
}

/// One candidate as JSON, with ids, economics and reasons. The money of a pair with a
/// confidential party is null (and `figures_withheld` true) unless `include_confidential`.
pub fn candidate_json(region: &Region, c: &Candidate, include_confidential: bool) -> Value {
    let from = &region.facilities[c.from_facility];
    let to = &region.facilities[c.to_facility];
    let stream = &from.outputs[c.stream];
    let need = &to.needs[c.need];
    let withheld =
        crate::disclosure::withheld(region, c.from_facility, c.to_facility, include_confidential);
    let money = |v: f64| if withheld { Value::Null } else { json!(v) };
    let price_range = if withheld {
        Value::Null
    } else {
        json!([c.gains.price_low_per_unit, c.gains.price_high_per_unit])
    };
    json!({
        "from_facility": from.id, "to_facility": to.id,
        "stream_id": stream.id, "need_id": need.id,
        "material": stream.material, "to_material": need.material,
        "category": c.kind.label(),
        "rule": c.rule.as_ref().map(|r| r.id.clone()),
        "viable": c.viable,
        "mode": c.value.mode.label(),
        "distance_km": c.value.distance_km,
        "break_even_km": money(c.value.break_even_km),
        "net_value_per_unit": money(c.value.net_value_per_unit),
        "unit": stream.unit.symbol(),
        "exchanged_per_yr": c.annual.exchanged_per_yr,
        "value_per_yr": money(c.annual.value_per_yr),
        "co2_avoided_t_per_yr": c.annual.co2_avoided_t_per_yr,
        "landfill_diverted_t_per_yr": c.annual.landfill_diverted_t_per_yr,
        "outlet": {"kind": c.outlet.kind.key(), "assumed": c.outlet.assumed, "net_cost_per_unit": money(c.outlet.net_cost_per_unit), "basis": c.outlet.basis},
        "supply_origin": match c.demand.origin { crate::model::SupplyOrigin::Virgin => "virgin", crate::model::SupplyOrigin::Secondary => "secondary" },
        "displaced_co2_kg_per_unit": c.demand.displaced_co2_kg_per_to_unit,
        "price_factor": c.price_factor,
        "energy_mwh_per_unit": c.energy_mwh_per_unit,
        "lhv_mj_per_kg": c.lhv_mj_per_kg,
        "gains": {
            "transfer_price_per_unit": money(c.gains.transfer_price_per_unit),
            "price_range_per_unit": price_range,
            "sender_per_yr": money(c.gains.sender_per_yr),
            "receiver_per_yr": money(c.gains.receiver_per_yr),
        },
        "break_even_km_by_mode": c.by_mode.iter().map(|(m, r)| (m.label().to_owned(), match r {
            Ok(v) => money(v.break_even_km),
            Err(b) => json!(b.explain()),
        })).collect::<serde_json::Map<_, _>>(),
        "figures_withheld": withheld,
        "reasons": c.checks.iter().map(|x| json!({"level": x.level.label(), "aspect": x.aspect, "message": x.message, "fix": x.fix_step})).collect::<Vec<_>>(),
    })
}

/// Whether the greedy pass's money total is withheld: the open exchanges would let a reader
/// subtract their way to a confidential company's money
/// ([`crate::disclosure::total_withheld`]).
pub fn totals_withheld(region: &Region, summary: &Summary, include_confidential: bool) -> bool {
    let parts: Vec<(f64, [usize; 2])> = summary
        .allocated
        .iter()
        .map(|a| {
            (
                a.value_per_yr,
                [
                    a.candidate.from_facility as usize,
                    a.candidate.to_facility as usize,
                ],
            )
        })
        .collect();
    crate::disclosure::total_withheld(
        region,
        parts.iter().map(|(v, p)| (*v, &p[..])),
        include_confidential,
    )
}

/// The summary and the top candidates (explained, best first) as JSON.
pub fn to_json(
    region: &Region,
    summary: &Summary,
    top: &[Candidate],
    include_confidential: bool,
) -> Value {
    let totals_withheld = totals_withheld(region, summary, include_confidential);
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
            "value_per_yr": if totals_withheld { Value::Null } else { json!(summary.value_per_yr) },
            "figures_withheld": totals_withheld,
            "co2_avoided_t_per_yr": summary.co2_avoided_t_per_yr,
            "landfill_diverted_t_per_yr": summary.landfill_diverted_t_per_yr,
        },
        "top_candidates": withheld_last(region, top, include_confidential)
            .into_iter()
            .map(|c| candidate_json(region, c, include_confidential))
            .collect::<Vec<_>>(),
    })
}

/// The top candidates in the order they are shown: those whose money is open by value, then
/// those with a confidential company by name, so that their place in the list does not say
/// their value's rank.
pub fn withheld_last<'a>(
    region: &Region,
    top: &'a [Candidate],
    include_confidential: bool,
) -> Vec<&'a Candidate> {
    let hidden = |c: &Candidate| {
        crate::disclosure::withheld(region, c.from_facility, c.to_facility, include_confidential)
    };
    let mut open: Vec<&Candidate> = top.iter().filter(|c| !hidden(c)).collect();
    let mut closed: Vec<&Candidate> = top.iter().filter(|c| hidden(c)).collect();
    closed.sort_by(|a, b| {
        let name = |c: &Candidate| {
            (
                region.facilities[c.from_facility].name.clone(),
                region.facilities[c.to_facility].name.clone(),
                c.stream,
                c.need,
            )
        };
        name(a).cmp(&name(b))
    });
    open.append(&mut closed);
    open
}
