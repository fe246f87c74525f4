//! From opportunity to project: the engine's verdict on an exchange someone proposed, and the
//! region's best opportunities to walk a room through.

use crate::matching::{Candidate, Engine, PairHit, SearchOptions};
use crate::model::{Proposal, Region};
use crate::summary::allocate;

/// What the engine says about a proposed exchange.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Stream and need are named and a rule links their materials: the full economics.
    Evaluated(Box<Candidate>),
    /// The stream or the need is not named yet: the distance is all there is to say.
    Incomplete {
        distance_km: f64,
        missing_stream: bool,
        missing_need: bool,
    },
    /// Both named, but no substitution rule links the two materials.
    NoRule { from: String, to: String },
    /// The proposal names what the region does not have.
    Broken(String),
}

/// The engine's view of the pair (output `stream` of `from`, need `need` of `to`), at any
/// distance, whether or not it passes: `None` when no rule links their materials.
pub fn evaluate_pair(
    engine: &Engine,
    region: &Region,
    (from, stream): (usize, usize),
    (to, need): (usize, usize),
) -> Option<Candidate> {
    let supply = engine.supply_index(from, stream)?;
    let options = SearchOptions {
        reach_factor: f64::INFINITY,
        include_failed: true,
    };
    let mut hits: Vec<PairHit> = Vec::new();
    engine.search_supply(region, supply, &options, &mut hits);
    hits.into_iter()
        .filter(|h| {
            let d = &engine.demands[h.demand as usize];
            d.facility as usize == to && d.need as usize == need
        })
        .filter_map(|h| engine.explain(region, &h))
        .max_by(|a, b| {
            a.value
                .net_value_per_unit
                .total_cmp(&b.value.net_value_per_unit)
        })
}

/// The engine's verdict on a proposal.
pub fn evaluate_proposal(engine: &Engine, region: &Region, proposal: &Proposal) -> Verdict {
    let (Some(from), Some(to)) = (
        region.facility_index(&proposal.from_facility),
        region.facility_index(&proposal.to_facility),
    ) else {
        return Verdict::Broken("a facility it names is not in the region".to_owned());
    };
    let stream = proposal.stream.as_deref().map(|id| region.output_index(id));
    let need = proposal.need.as_deref().map(|id| region.need_index(id));
    match (stream, need) {
        (Some(Some((sf, si))), Some(Some((nf, ni)))) if sf == from && nf == to => {
            match evaluate_pair(engine, region, (sf, si), (nf, ni)) {
                Some(c) => Verdict::Evaluated(Box::new(c)),
                None => Verdict::NoRule {
                    from: region.facilities[sf].outputs[si].material.clone(),
                    to: region.facilities[nf].needs[ni].material.clone(),
                },
            }
        }
        (Some(None), _) | (_, Some(None)) => {
            Verdict::Broken("a stream or need it names is not in the region".to_owned())
        }
        (Some(Some(_)), Some(Some(_))) => {
            Verdict::Broken("its stream or need belongs to another facility".to_owned())
        }
        (s, n) => {
            let a = &region.facilities[from].location;
            let b = &region.facilities[to].location;
            let detour = region.settings.detour_factor;
            let km = crate::geodesy::haversine_km(
                &crate::geodesy::SpherePoint::from_degrees(a.lat_deg, a.lon_deg),
                &crate::geodesy::SpherePoint::from_degrees(b.lat_deg, b.lon_deg),
            ) * detour;
            Verdict::Incomplete {
                distance_km: km,
                missing_stream: s.is_none(),
                missing_need: n.is_none(),
            }
        }
    }
}

/// One exchange of the region's plan.
#[derive(Clone, Debug)]
pub struct Opportunity {
    pub candidate: Candidate,
    /// What the plan gives it, per year: source units, value, CO2, landfill.
    pub source_units_per_yr: f64,
    pub value_per_yr: f64,
    pub co2_avoided_t_per_yr: f64,
    pub landfill_diverted_t_per_yr: f64,
}

/// The region's best exchanges: the greedy plan of [`crate::summary::allocate`] over every
/// viable candidate (no tonne promised twice), by value per year, at most `n`.
pub fn top_opportunities(engine: &Engine, region: &Region, n: usize) -> Vec<Opportunity> {
    let hits: Vec<PairHit> = engine.search(region, &SearchOptions::default());
    let candidates = engine.quantify_all(region, &hits);
    let mut plan = allocate(engine, region, &candidates).allocated;
    plan.sort_by(|a, b| b.value_per_yr.total_cmp(&a.value_per_yr));
    plan.into_iter()
        .filter_map(|a| {
            Some(Opportunity {
                candidate: engine.explain(region, &a.candidate.hit)?,
                source_units_per_yr: a.source_units_per_yr,
                value_per_yr: a.value_per_yr,
                co2_avoided_t_per_yr: a.co2_avoided_t_per_yr,
                landfill_diverted_t_per_yr: a.landfill_diverted_t_per_yr,
            })
        })
        .take(n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::region_file;

    fn sample() -> Region {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-regions/scheldt-valley.json");
        region_file::load(&path).unwrap()
    }

    fn proposal(from: &str, stream: Option<&str>, to: &str, need: Option<&str>) -> Proposal {
        Proposal {
            id: "W1".into(),
            from_facility: from.into(),
            stream: stream.map(Into::into),
            to_facility: to.into(),
            need: need.map(Into::into),
            note: String::new(),
            origin: crate::model::ProposalOrigin::Workshop,
            created: String::new(),
            extra: crate::model::Extra::new(),
        }
    }

    #[test]
    fn a_named_proposal_is_evaluated_like_the_search_candidate() {
        let region = sample();
        let engine = Engine::new(&region).unwrap();
        // Take the search's own best candidate and propose exactly it.
        let top = top_opportunities(&engine, &region, 1).remove(0).candidate;
        let from = &region.facilities[top.from_facility];
        let to = &region.facilities[top.to_facility];
        let p = proposal(
            &from.id,
            Some(&from.outputs[top.stream].id),
            &to.id,
            Some(&to.needs[top.need].id),
        );
        let Verdict::Evaluated(c) = evaluate_proposal(&engine, &region, &p) else {
            panic!("not evaluated");
        };
        assert_eq!(c.value.net_value_per_unit, top.value.net_value_per_unit);
        assert_eq!(c.value.distance_km, top.value.distance_km);
        assert!(c.viable);
    }

    #[test]
    fn incomplete_and_unlinked_proposals_say_so() {
        let region = sample();
        let engine = Engine::new(&region).unwrap();
        let (a, b) = (&region.facilities[0], &region.facilities[1]);
        match evaluate_proposal(&engine, &region, &proposal(&a.id, None, &b.id, None)) {
            Verdict::Incomplete {
                distance_km,
                missing_stream: true,
                missing_need: true,
            } => assert!(distance_km > 0.0),
            v => panic!("{v:?}"),
        }
        match evaluate_proposal(&engine, &region, &proposal("nowhere", None, &b.id, None)) {
            Verdict::Broken(_) => {}
            v => panic!("{v:?}"),
        }
        // A stream and a need whose materials no rule links.
        let linked = |s: &crate::model::OutputStream, n: &crate::model::Need| {
            let (Some(si), Some(ni)) = (region.output_index(&s.id), region.need_index(&n.id))
            else {
                return true;
            };
            evaluate_pair(&engine, &region, si, ni).is_some()
        };
        let unlinked = region.facilities.iter().find_map(|f| {
            let s = f.outputs.first()?;
            region
                .facilities
                .iter()
                .filter(|g| g.id != f.id)
                .find_map(|g| {
                    g.needs
                        .iter()
                        .find(|n| !linked(s, n))
                        .map(|n| (f.id.clone(), s.id.clone(), g.id.clone(), n.id.clone()))
                })
        });
        let (f, s, g, n) = unlinked.expect("some pair in the sample has no rule");
        match evaluate_proposal(&engine, &region, &proposal(&f, Some(&s), &g, Some(&n))) {
            Verdict::NoRule { .. } => {}
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn top_opportunities_are_sorted_and_never_promise_a_tonne_twice() {
        let region = sample();
        let engine = Engine::new(&region).unwrap();
        let top = top_opportunities(&engine, &region, usize::MAX);
        assert!(top.len() > 15, "{}", top.len());
        assert!(top
            .iter()
            .all(|o| o.candidate.viable && o.value_per_yr > 0.0));
        assert!(top
            .windows(2)
            .all(|w| w[0].value_per_yr >= w[1].value_per_yr));
        // What the plan takes from each stream stays within the stream.
        let mut taken: std::collections::HashMap<(usize, usize), f64> =
            std::collections::HashMap::default();
        for o in &top {
            *taken
                .entry((o.candidate.from_facility, o.candidate.stream))
                .or_default() += o.source_units_per_yr;
        }
        for ((f, s), t) in taken {
            let q = region.facilities[f].outputs[s].quantity_per_yr;
            assert!(t <= q * (1.0 + 1e-9), "{t} of {q}");
        }
        assert_eq!(top_opportunities(&engine, &region, 5).len(), 5);
    }
}
