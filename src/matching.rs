//! Partner search: which needs can each output stream serve, how, and at what value.
//!
//! [`Engine::new`] flattens a region into supplies (output streams after preprocessing, one
//! [`SupplyOption`] per rule that applies) and demands (needs), precomputes the per-stream and
//! per-need economics, and bulk-loads one R-tree per material over the needs of that material.
//! A search then asks, for each supply option, the tree of the rule's target material for every
//! need within the option's reach (the largest break-even any need of that material could give),
//! and runs the exact test on each: haversine distance times detour against the pair's own
//! break-even distance. Streams are searched in parallel; results come back in stream order.
//!
//! A candidate is viable when it is within its break-even distance and no specification check
//! fails. [`Engine::explain`] turns a hit into a [`Candidate`] with every reason: the rule,
//! each specification check, the preprocessing that would fix a failure, the availability fit,
//! every transport mode's break-even, and the yearly money, CO2 and landfill figures.

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::catalogue::{Catalogue, CatalogueError, MatchKind, Rule};
use crate::checks::{self, Check, Level};
use crate::economics::{
    self, annual_figures, evaluate, mode_access, mode_rates, AnnualFigures, DeliveredProfile,
    DemandSide, ModeBlock, ModeRates, ModeSet, PairValue, PreprocessError, StreamBasis, SupplySide,
};
use crate::geodesy::{chord_sq_bound, dist_sq, haversine_km, SpherePoint};
use crate::model::{ModeKey, Region, Settings};
use crate::spatial::{morton_key, Leaf, SphereIndex};

/// How far the search looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchOptions {
    /// Also report pairs up to this multiple of their break-even distance, as near misses.
    /// 1 reports viable pairs only.
    pub reach_factor: f64,
    /// Also report pairs that fail a specification check (with their reasons).
    pub include_failed: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            reach_factor: 1.0,
            include_failed: false,
        }
    }
}

/// One way a supply can serve needs of one material.
#[derive(Clone, Debug)]
pub struct SupplyOption {
    /// Index into the catalogue's rules; `None` for the same material as is.
    pub rule: Option<u32>,
    pub to_material: u32,
    pub kind: MatchKind,
    pub side: SupplySide,
    /// Modes that can carry the delivered material (site access is checked per pair); read
    /// them with [`Engine::modes`].
    pub modes: Modes,
    pub detour_factor: f64,
    /// Largest great-circle distance (km) at which a need of `to_material` could be viable.
    pub reach_km: f64,
    /// The rule sets no specification of its own.
    pub plain_rule: bool,
}

/// The transport modes of a supply option: a set shared by every stream of default shape of
/// one material, or the option's own (after preprocessing, or with a stream's own state).
#[derive(Clone, Debug)]
pub enum Modes {
    Shared(u32),
    Own(Box<ModeSet>),
}

/// An output stream prepared for the search.
#[derive(Clone, Debug)]
pub struct Supply {
    pub facility: u32,
    /// Index into the facility's `outputs`.
    pub stream: u32,
    pub point: SpherePoint,
    pub xyz: [f64; 3],
    pub material: Option<u32>,
    pub options: Vec<SupplyOption>,
    pub plain: bool,
    /// Why the stream is left out of the search (unknown material, a preprocessing chain that
    /// cannot run).
    pub problem: Option<Box<str>>,
}

/// A need prepared for the search.
#[derive(Clone, Debug)]
pub struct Demand {
    pub facility: u32,
    /// Index into the facility's `needs`.
    pub need: u32,
    pub point: SpherePoint,
    pub material: Option<u32>,
    pub side: Option<DemandSide>,
    pub plain: bool,
}

/// What the search reads of a need, stored in the R-tree leaf itself (one cache line).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemandLeaf {
    pub point: SpherePoint,
    pub price_per_to_unit: f64,
    pub facility: u32,
    /// Index into the engine's demands; the top bit marks a need with checks to run.
    tagged_demand: u32,
}

const NEEDS_CHECKS: u32 = 1 << 31;

impl DemandLeaf {
    pub fn demand(&self) -> u32 {
        self.tagged_demand & !NEEDS_CHECKS
    }

    pub fn plain(&self) -> bool {
        self.tagged_demand & NEEDS_CHECKS == 0
    }
}

/// A pair found by the search, compact: explain it with [`Engine::explain`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairHit {
    pub supply: u32,
    pub demand: u32,
    /// Index into the supply's options.
    pub option: u16,
    pub kind: MatchKind,
    pub mode: ModeKey,
    /// Within break-even and no failed specification.
    pub viable: bool,
    /// Worst specification or availability check.
    pub level: Level,
    pub distance_km: f64,
    pub break_even_km: f64,
    pub net_value_per_unit: f64,
}

/// Receives hits from the parallel search; each worker fills its own, then they are merged in
/// stream order.
pub trait HitSink: Send + Default {
    fn push(&mut self, hit: PairHit);
    fn merge(self, later: Self) -> Self;
    /// Called once on the merged result (the search visits streams in map order).
    fn finish(&mut self) {}
}

impl HitSink for Vec<PairHit> {
    fn push(&mut self, hit: PairHit) {
        Vec::push(self, hit);
    }
    fn merge(mut self, later: Self) -> Self {
        self.extend(later);
        self
    }
    /// Stream order, then option, then need.
    fn finish(&mut self) {
        self.par_sort_unstable_by_key(|h| (h.supply, h.option, h.demand));
    }
}

/// Count and value sum of viable pairs, for region-wide runs too large to keep every pair.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    pub pairs: u64,
    pub by_kind: [u64; 3],
    /// Sum of net value per unit over viable pairs (compensated summation).
    pub net_value_sum: NeumaierSum,
}

impl HitSink for Totals {
    fn push(&mut self, hit: PairHit) {
        if hit.viable {
            self.pairs += 1;
            self.by_kind[hit.kind as usize] += 1;
            self.net_value_sum.add(hit.net_value_per_unit);
        }
    }
    fn merge(mut self, later: Self) -> Self {
        self.pairs += later.pairs;
        for (a, b) in self.by_kind.iter_mut().zip(later.by_kind) {
            *a += b;
        }
        self.net_value_sum.merge(&later.net_value_sum);
        self
    }
}

/// Neumaier's compensated sum: accurate to a few ulps over millions of terms.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NeumaierSum {
    sum: f64,
    compensation: f64,
}

impl NeumaierSum {
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }

    /// Adds another sum (its total and its compensation).
    pub fn merge(&mut self, other: &NeumaierSum) {
        self.add(other.sum);
        self.add(other.compensation);
    }
}

/// A stream or need the search leaves out, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub facility: u32,
    /// `Some(i)`: output `i`; `None`: see `need`.
    pub stream: Option<u32>,
    pub need: Option<u32>,
    pub message: String,
}

/// Most members in one batch of the region-wide search.
const MAX_BATCH: usize = 64;
/// A member joins a batch while its distance to the first member is at most this share of the
/// smaller of their reaches.
const BATCH_SPREAD: f64 = 0.25;

/// Neighbouring supply options that search the same material's tree together.
#[derive(Clone, Debug)]
struct Batch {
    to_material: u32,
    anchor_reach_km: f64,
    /// Largest distance of a member from the first, km.
    spread_km: f64,
    /// (supply, option) pairs.
    members: Vec<(u32, u16)>,
}

/// What the exact test needs to know about the supply side, fixed for one supply option.
struct PairContext<'a> {
    supply: &'a Supply,
    supply_index: u32,
    option: u16,
    virgin_co2: f64,
    carbon: f64,
    options: &'a SearchOptions,
}

impl<'a> PairContext<'a> {
    fn new(
        engine: &Engine,
        supply: &'a Supply,
        supply_index: usize,
        option: usize,
        options: &'a SearchOptions,
    ) -> Self {
        let to = supply.options[option].to_material as usize;
        Self {
            supply,
            supply_index: supply_index as u32,
            option: option as u16,
            virgin_co2: engine.catalogue.materials[to]
                .virgin_emission_kg_co2_per_unit
                .unwrap_or(0.0),
            carbon: engine.settings.carbon_price_per_t_co2,
            options,
        }
    }
}

/// A region prepared for partner search.
pub struct Engine {
    pub catalogue: Catalogue,
    pub settings: Settings,
    pub supplies: Vec<Supply>,
    pub demands: Vec<Demand>,
    /// Per material index: the needs of that material.
    trees: Vec<Option<SphereIndex<DemandLeaf>>>,
    /// Supply options grouped for the region-wide search; rebuilt after a refresh.
    batches: OnceLock<Vec<Batch>>,
    /// Per material index: the highest price per unit of that material among its needs.
    max_price_per_unit: Vec<f64>,
    /// Per facility: rail siding and quay.
    access: Vec<(bool, bool)>,
    /// Mode sets shared by streams of default shape, and per material and fixed mode the index
    /// of its set (`u32::MAX`: not computed).
    shared_modes: Vec<ModeSet>,
    default_modes: Vec<[u32; 5]>,
    /// The stream each shared set was computed from: (material, mode slot, facility, output).
    default_sources: Vec<(u32, u8, u32, u32)>,
    /// Per facility: index of its first supply (supplies are in facility order).
    first_supply: Vec<u32>,
    pub issues: Vec<Issue>,
}

impl Engine {
    /// Prepares `region` for search with its merged catalogue.
    pub fn new(region: &Region) -> Result<Engine, CatalogueError> {
        let catalogue = Catalogue::for_region(region)?;
        Ok(Self::with_catalogue(region, catalogue))
    }

    pub fn with_catalogue(region: &Region, catalogue: Catalogue) -> Engine {
        let n_mat = catalogue.materials.len();
        let mut issues = Vec::new();
        let mut demands = Vec::new();
        let mut max_price_per_unit = vec![f64::NEG_INFINITY; n_mat];
        let mut per_material: Vec<Vec<Leaf<DemandLeaf>>> = vec![Vec::new(); n_mat];
        let mut access = Vec::with_capacity(region.facilities.len());
        let mut first_supply = Vec::with_capacity(region.facilities.len());
        let mut n_supplies = 0u32;
        // Consecutive needs often share a material: remember the last lookup.
        let mut last_material: Option<(&str, Option<usize>)> = None;

        for (fi, f) in region.facilities.iter().enumerate() {
            access.push((f.rail_siding, f.quay));
            first_supply.push(n_supplies);
            n_supplies += f.outputs.len() as u32;
            let point = SpherePoint::from_degrees(f.location.lat_deg, f.location.lon_deg);
            for (ni, need) in f.needs.iter().enumerate() {
                let material = match last_material {
                    Some((key, m)) if key == need.material => m,
                    _ => {
                        let m = catalogue.material_index(&need.material);
                        last_material = Some((&need.material, m));
                        m
                    }
                };
                let side = material.and_then(|m| DemandSide::new(need, &catalogue.materials[m]));
                let plain = checks::need_is_plain(need);
                match (material, side) {
                    (None, _) => issues.push(Issue {
                        facility: fi as u32,
                        stream: None,
                        need: Some(ni as u32),
                        message: format!(
                            "need `{}`: unknown material `{}`",
                            need.id, need.material
                        ),
                    }),
                    (Some(m), None) => issues.push(Issue {
                        facility: fi as u32,
                        stream: None,
                        need: Some(ni as u32),
                        message: format!(
                            "need `{}`: cannot express {} in {} (no density known)",
                            need.id, need.unit, catalogue.materials[m].unit
                        ),
                    }),
                    (Some(m), Some(side)) => {
                        max_price_per_unit[m] = max_price_per_unit[m].max(side.price_per_to_unit);
                        let index = demands.len() as u32;
                        per_material[m].push(Leaf {
                            xyz: point.unit_vector(),
                            data: DemandLeaf {
                                point,
                                price_per_to_unit: side.price_per_to_unit,
                                facility: fi as u32,
                                tagged_demand: if plain { index } else { index | NEEDS_CHECKS },
                            },
                        });
                    }
                }
                demands.push(Demand {
                    facility: fi as u32,
                    need: ni as u32,
                    point,
                    material: material.map(|m| m as u32),
                    side,
                    plain,
                });
            }
        }
        let trees = per_material
            .into_par_iter()
            .map(|leaves| (!leaves.is_empty()).then(|| SphereIndex::from_leaves(leaves)))
            .collect();

        let mut engine = Engine {
            shared_modes: Vec::new(),
            default_modes: Vec::new(),
            default_sources: Vec::new(),
            catalogue,
            settings: region.settings.clone(),
            supplies: Vec::new(),
            demands,
            trees,
            batches: OnceLock::new(),
            max_price_per_unit,
            access,
            first_supply,
            issues,
        };
        engine.share_default_modes(region);
        let flat: Vec<(u32, u32)> = region
            .facilities
            .iter()
            .enumerate()
            .flat_map(|(fi, f)| (0..f.outputs.len() as u32).map(move |si| (fi as u32, si)))
            .collect();
        engine.supplies = flat
            .par_iter()
            .with_min_len(256)
            .map(|&(fi, si)| engine.prepare_supply(region, fi as usize, si as usize))
            .collect();
        let problems = engine.supplies.iter().filter_map(|s| {
            s.problem.as_ref().map(|p| Issue {
                facility: s.facility,
                stream: Some(s.stream),
                need: None,
                message: p.to_string(),
            })
        });
        engine.issues.extend(problems);
        engine.batches.get_or_init(|| engine.build_batches());
        engine
    }

    /// Groups supply options by target material and, within one, by map position: neighbours
    /// searching the same tree share one traversal. A member joins a batch while its distance
    /// to the batch's first member is small beside both their reaches, so the shared query
    /// returns few needs that a member then has to reject.
    fn build_batches(&self) -> Vec<Batch> {
        let mut keyed: Vec<(u32, u32, u32, u16)> = self
            .supplies
            .par_iter()
            .enumerate()
            .flat_map_iter(|(si, s)| {
                let key = morton_key(s.point.lat_rad.to_degrees(), s.point.lon_rad.to_degrees());
                s.options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.reach_km > 0.0)
                    .map(move |(oi, o)| (o.to_material, key, si as u32, oi as u16))
            })
            .collect();
        keyed.par_sort_unstable();
        let mut batches: Vec<Batch> = Vec::new();
        for (to, _, si, oi) in keyed {
            let s = &self.supplies[si as usize];
            let reach = s.options[oi as usize].reach_km;
            if let Some(b) = batches.last_mut() {
                let anchor = &self.supplies[b.members[0].0 as usize];
                let gap_km = haversine_km(&anchor.point, &s.point);
                if b.to_material == to
                    && b.members.len() < MAX_BATCH
                    && gap_km <= BATCH_SPREAD * reach.min(b.anchor_reach_km)
                {
                    b.members.push((si, oi));
                    b.spread_km = b.spread_km.max(gap_km);
                    continue;
                }
            }
            batches.push(Batch {
                to_material: to,
                anchor_reach_km: reach,
                spread_km: 0.0,
                members: vec![(si, oi)],
            });
        }
        batches
    }

    /// Index of the supply for output `stream` of facility `facility`.
    pub fn supply_index(&self, facility: usize, stream: usize) -> Option<usize> {
        let i = *self.first_supply.get(facility)? as usize + stream;
        let s = self.supplies.get(i)?;
        (s.facility as usize == facility && s.stream as usize == stream).then_some(i)
    }

    /// Recomputes one stream after its characterisation or preprocessing changed (the live path
    /// while a slider moves): no other stream, need or tree is touched.
    pub fn refresh_supply(&mut self, region: &Region, facility: usize, stream: usize) {
        let Some(i) = self.supply_index(facility, stream) else {
            return;
        };
        self.issues
            .retain(|x| !(x.facility as usize == facility && x.stream == Some(stream as u32)));
        let supply = self.prepare_supply(region, facility, stream);
        if let Some(p) = &supply.problem {
            self.issues.push(Issue {
                facility: facility as u32,
                stream: Some(stream as u32),
                need: None,
                message: p.to_string(),
            });
        }
        self.supplies[i] = supply;
        self.batches = OnceLock::new();
    }

    /// Takes the region's new settings (transport cost factor, carbon price, detour) without
    /// re-preparing every stream: the shared mode sets follow at once, a stream only when
    /// [`Self::refresh_supply`] is called for it. Until every stream has been refreshed (or
    /// the engine rebuilt), region-wide searches mix old and new settings: callers that need
    /// the whole region rebuild first. This keeps a settings slider live on a large region,
    /// where re-preparing every stream would cost several frames.
    pub fn set_settings(&mut self, region: &Region) {
        let same_default_mode = self.settings.default_mode == region.settings.default_mode;
        self.settings = region.settings.clone();
        // Appends new shared sets: streams not yet refreshed keep pointing at the old ones.
        if same_default_mode {
            self.reshare_default_modes(region);
        } else {
            self.share_default_modes(region);
        }
        self.batches = OnceLock::new();
    }

    /// Computes, for every material some stream uses, the mode sets of a stream of default
    /// shape (no preprocessing, the material's own state and density), once per fixed mode.
    fn share_default_modes(&mut self, region: &Region) {
        let n = self.catalogue.materials.len();
        self.default_modes = vec![[u32::MAX; 5]; n];
        self.default_sources.clear();
        for (fi, f) in region.facilities.iter().enumerate() {
            for (oi, o) in f.outputs.iter().enumerate() {
                let Some(m) = self.catalogue.material_index(&o.material) else {
                    continue;
                };
                let fixed = o.mode.or(region.settings.default_mode);
                let slot = fixed.map_or(4, ModeKey::index);
                if self.default_modes[m][slot] != u32::MAX {
                    continue;
                }
                self.default_sources
                    .push((m as u32, slot as u8, fi as u32, oi as u32));
                self.share_one(region, m, slot, fi, oi);
            }
        }
    }

    /// Recomputes the shared mode sets from the streams that defined them (the region's
    /// streams are unchanged, only its settings).
    fn reshare_default_modes(&mut self, region: &Region) {
        for k in 0..self.default_sources.len() {
            let (m, slot, fi, oi) = self.default_sources[k];
            self.share_one(region, m as usize, slot as usize, fi as usize, oi as usize);
        }
    }

    /// The shared mode set of material `m` and mode slot `slot`, from output `oi` of facility
    /// `fi`.
    fn share_one(&mut self, region: &Region, m: usize, slot: usize, fi: usize, oi: usize) {
        let Some(o) = region.facilities.get(fi).and_then(|f| f.outputs.get(oi)) else {
            return;
        };
        let fixed = o.mode.or(region.settings.default_mode);
        let from = &self.catalogue.materials[m];
        let basis = StreamBasis::of(&default_shaped(o), Some(from));
        let Ok(profile) = economics::apply_preprocessing(&basis, &[], &self.catalogue) else {
            return;
        };
        let set = usable_modes(&self.catalogue, &profile, from, &self.settings, fixed);
        self.default_modes[m][slot] = self.shared_modes.len() as u32;
        self.shared_modes.push(set);
    }

    /// The modes of a supply option.
    pub fn modes<'a>(&'a self, option: &'a SupplyOption) -> &'a [ModeRates] {
        match &option.modes {
            Modes::Shared(i) => &self.shared_modes[*i as usize],
            Modes::Own(set) => set,
        }
    }

    /// A stream's characterisation and its profile after preprocessing.
    pub fn profile(
        &self,
        region: &Region,
        facility: usize,
        stream: usize,
    ) -> Option<(StreamBasis, Result<DeliveredProfile, PreprocessError>)> {
        let stream = region.facilities.get(facility)?.outputs.get(stream)?;
        let from = self.catalogue.material(&stream.material);
        let basis = StreamBasis::of(stream, from);
        let profile =
            economics::apply_preprocessing(&basis, &stream.preprocessing, &self.catalogue);
        Some((basis, profile))
    }

    fn prepare_supply(&self, region: &Region, fi: usize, si: usize) -> Supply {
        let facility = &region.facilities[fi];
        let stream = &facility.outputs[si];
        let point = SpherePoint::from_degrees(facility.location.lat_deg, facility.location.lon_deg);
        let catalogue = &self.catalogue;
        let material = catalogue.material_index(&stream.material);
        let from = material.map(|m| &catalogue.materials[m]);
        let basis = StreamBasis::of(stream, from);
        let profile = economics::apply_preprocessing(&basis, &stream.preprocessing, catalogue);
        let mut options = Vec::new();
        let mut problem = None;
        match (&profile, from) {
            (_, None) => {
                problem = Some(format!(
                    "stream `{}`: unknown material `{}`",
                    stream.id, stream.material
                ));
            }
            (Err(e), _) => problem = Some(format!("stream `{}`: preprocessing: {e}", stream.id)),
            (Ok(profile), Some(from)) => {
                let m = material.unwrap_or_default();
                let disposal = stream
                    .disposal_cost_per_unit
                    .or(from.disposal_cost_per_unit)
                    .unwrap_or(0.0);
                let detour = from.detour_factor.unwrap_or(region.settings.detour_factor);
                let fixed_mode = stream.mode.or(region.settings.default_mode);
                let shared = if is_default_shaped(stream) {
                    self.default_modes
                        .get(m)
                        .map(|slots| slots[fixed_mode.map_or(4, ModeKey::index)])
                        .filter(|&i| i != u32::MAX)
                } else {
                    None
                };
                // Same material as is, unless a rule says more about it.
                let same = catalogue.rules_from(m).any(|(_, r)| r.to == r.from);
                let direct = (!same).then_some((None, m, MatchKind::Direct));
                let ruled = catalogue.rules_from(m).filter_map(|(ri, r)| {
                    catalogue
                        .material_index(&r.to)
                        .map(|to| (Some(ri), to, r.kind))
                });
                for (rule, to, kind) in direct.into_iter().chain(ruled) {
                    if self.trees[to].is_none() {
                        continue;
                    }
                    let rule_ref = rule.map(|ri| &catalogue.rules[ri]);
                    let Some(side) = SupplySide::new(profile, from, rule_ref, disposal) else {
                        continue;
                    };
                    let modes = match shared {
                        Some(i) => Modes::Shared(i),
                        None => Modes::Own(Box::new(usable_modes(
                            catalogue,
                            profile,
                            from,
                            &region.settings,
                            fixed_mode,
                        ))),
                    };
                    let rates = match &modes {
                        Modes::Shared(i) => &self.shared_modes[*i as usize],
                        Modes::Own(set) => set.as_ref(),
                    };
                    let reach_km = self.reach_km(&side, to, rates, detour);
                    options.push(SupplyOption {
                        rule: rule.map(|r| r as u32),
                        to_material: to as u32,
                        kind,
                        side,
                        modes,
                        detour_factor: detour,
                        reach_km,
                        plain_rule: rule_ref.is_none_or(|r| r.spec.is_empty()),
                    });
                }
            }
        }
        options.shrink_to_fit();
        Supply {
            facility: fi as u32,
            stream: si as u32,
            point,
            xyz: point.unit_vector(),
            material: material.map(|m| m as u32),
            options,
            plain: checks::stream_is_plain(stream),
            problem: problem.map(String::into_boxed_str),
        }
    }

    /// The largest great-circle distance at which any need of material `to` could be viable:
    /// the best price among those needs, the cheapest handling and the lowest slope of any mode.
    fn reach_km(&self, side: &SupplySide, to: usize, modes: &[ModeRates], detour: f64) -> f64 {
        let best_demand = DemandSide {
            price_per_to_unit: self.max_price_per_unit[to],
            virgin_co2_kg_per_to_unit: self.catalogue.materials[to]
                .virgin_emission_kg_co2_per_unit
                .unwrap_or(0.0),
            need_units_per_to_unit: 1.0,
        };
        let carbon = self.settings.carbon_price_per_t_co2;
        modes
            .iter()
            .map(|rates| evaluate(side, &best_demand, rates, carbon, 0.0).break_even_km)
            .fold(0.0, f64::max)
            / detour
    }

    /// Every pair of the region into `S`. `region` is the one the engine was built from.
    /// Batches of neighbouring streams are searched in parallel; [`HitSink::finish`] restores
    /// whatever order the sink promises.
    pub fn search<S: HitSink>(&self, region: &Region, options: &SearchOptions) -> S {
        let batches = self.batches.get_or_init(|| self.build_batches());
        let mut sink = batches
            .par_iter()
            .fold(
                || (S::default(), Vec::new()),
                |(mut sink, mut found), batch| {
                    self.search_batch(region, batch, options, &mut found, &mut sink);
                    (sink, found)
                },
            )
            .map(|(sink, _)| sink)
            .reduce(S::default, S::merge);
        sink.finish();
        sink
    }

    /// One traversal for the whole batch, then each member filters the shared candidates.
    fn search_batch<'a, S: HitSink>(
        &'a self,
        region: &Region,
        batch: &Batch,
        options: &SearchOptions,
        found: &mut Vec<&'a Leaf<DemandLeaf>>,
        sink: &mut S,
    ) {
        let Some(tree) = &self.trees[batch.to_material as usize] else {
            return;
        };
        let reach_of = |&(si, oi): &(u32, u16)| {
            self.supplies[si as usize].options[oi as usize].reach_km * options.reach_factor
        };
        let radius = batch.members.iter().map(reach_of).fold(0.0, f64::max) + batch.spread_km;
        let anchor = &self.supplies[batch.members[0].0 as usize];
        found.clear();
        tree.for_each_leaf_within(&anchor.xyz, radius, |leaf| found.push(leaf));
        for member in &batch.members {
            let s = &self.supplies[member.0 as usize];
            let opt = &s.options[member.1 as usize];
            let chord_sq = chord_sq_bound(reach_of(member));
            let ctx = PairContext::new(self, s, member.0 as usize, member.1 as usize, options);
            for leaf in found.iter() {
                if dist_sq(&s.xyz, &leaf.xyz) <= chord_sq {
                    self.consider(region, &ctx, opt, &leaf.data, sink);
                }
            }
        }
    }

    /// The pairs of one supply (option by option, needs in tree order): the live path for the
    /// selected stream.
    pub fn search_supply<S: HitSink>(
        &self,
        region: &Region,
        supply: usize,
        options: &SearchOptions,
        sink: &mut S,
    ) {
        let s = &self.supplies[supply];
        for (oi, opt) in s.options.iter().enumerate() {
            let Some(tree) = &self.trees[opt.to_material as usize] else {
                continue;
            };
            let ctx = PairContext::new(self, s, supply, oi, options);
            tree.for_each_within(&s.xyz, opt.reach_km * options.reach_factor, |leaf| {
                self.consider(region, &ctx, opt, leaf, sink);
            });
        }
    }

    /// The exact test of one supply option against one need, and the hit if it is one.
    #[inline]
    fn consider<S: HitSink>(
        &self,
        region: &Region,
        ctx: &PairContext<'_>,
        opt: &SupplyOption,
        leaf: &DemandLeaf,
        sink: &mut S,
    ) {
        let s = ctx.supply;
        if leaf.facility == s.facility {
            return;
        }
        let demand_side = DemandSide {
            price_per_to_unit: leaf.price_per_to_unit,
            virgin_co2_kg_per_to_unit: ctx.virgin_co2,
            need_units_per_to_unit: 1.0,
        };
        let distance_km = haversine_km(&s.point, &leaf.point) * opt.detour_factor;
        let Some(value) = self.best_mode(
            s.facility,
            leaf.facility,
            opt,
            &demand_side,
            ctx.carbon,
            distance_km,
        ) else {
            return;
        };
        let within = value.is_viable();
        let near = value.break_even_km > 0.0
            && distance_km <= value.break_even_km * ctx.options.reach_factor;
        if !within && !near {
            return;
        }
        let level = if s.plain && leaf.plain() && opt.plain_rule {
            Level::Pass
        } else {
            self.check_level(region, s, &self.demands[leaf.demand() as usize], opt)
        };
        if level == Level::Fail && !ctx.options.include_failed {
            return;
        }
        sink.push(PairHit {
            supply: ctx.supply_index,
            demand: leaf.demand(),
            option: ctx.option,
            kind: opt.kind,
            mode: value.mode,
            viable: within && level <= Level::Note,
            level,
            distance_km,
            break_even_km: value.break_even_km,
            net_value_per_unit: value.net_value_per_unit,
        });
    }

    /// The mode with the best net value for this pair among those both sites can use.
    #[inline]
    fn best_mode(
        &self,
        from_facility: u32,
        to_facility: u32,
        opt: &SupplyOption,
        demand_side: &DemandSide,
        carbon: f64,
        distance_km: f64,
    ) -> Option<PairValue> {
        let mut best: Option<PairValue> = None;
        for rates in self.modes(opt) {
            if !self.mode_open(rates.mode, from_facility, to_facility) {
                continue;
            }
            let v = evaluate(&opt.side, demand_side, rates, carbon, distance_km);
            if best.is_none_or(|b| v.net_value_per_unit > b.net_value_per_unit) {
                best = Some(v);
            }
        }
        best
    }

    fn mode_open(&self, mode: ModeKey, a: u32, b: u32) -> bool {
        let (ra, qa) = self.access[a as usize];
        let (rb, qb) = self.access[b as usize];
        match mode {
            ModeKey::Rail => ra && rb,
            ModeKey::Barge => qa && qb,
            ModeKey::Truck | ModeKey::Pipeline => true,
        }
    }

    /// Worst check of a non-plain pair (the few with specifications, hazards or seasons).
    fn check_level(&self, region: &Region, s: &Supply, d: &Demand, opt: &SupplyOption) -> Level {
        let (Some(stream), Some(need), Some((_, Ok(profile)))) = (
            region
                .facilities
                .get(s.facility as usize)
                .and_then(|f| f.outputs.get(s.stream as usize)),
            region
                .facilities
                .get(d.facility as usize)
                .and_then(|f| f.needs.get(d.need as usize)),
            self.profile(region, s.facility as usize, s.stream as usize),
        ) else {
            return Level::Fail;
        };
        let rule = opt.rule.map(|r| &self.catalogue.rules[r as usize]);
        checks::worst(&checks::check_pair(
            stream,
            &profile,
            need,
            rule,
            &self.catalogue,
        ))
    }

    /// Everything about one hit: economics by every mode, yearly figures and all the reasons.
    pub fn explain(&self, region: &Region, hit: &PairHit) -> Option<Candidate> {
        let s = self.supplies.get(hit.supply as usize)?;
        let d = self.demands.get(hit.demand as usize)?;
        let opt = s.options.get(hit.option as usize)?;
        let from_f = region.facilities.get(s.facility as usize)?;
        let to_f = region.facilities.get(d.facility as usize)?;
        let stream = from_f.outputs.get(s.stream as usize)?;
        let need = to_f.needs.get(d.need as usize)?;
        let (basis, profile) = self.profile(region, s.facility as usize, s.stream as usize)?;
        let profile = profile.ok()?;
        let demand_side = d.side.as_ref()?;
        let rule = opt.rule.map(|r| &self.catalogue.rules[r as usize]);
        let carbon = self.settings.carbon_price_per_t_co2;

        let from = &self.catalogue.materials[s.material? as usize];
        let mut by_mode = Vec::new();
        for mode in &self.catalogue.modes {
            let outcome = match self.modes(opt).iter().find(|r| r.mode == mode.key) {
                None => Err(mode_rates(mode, &profile, Some(from), &self.settings)
                    .err()
                    .unwrap_or(ModeBlock::State)),
                Some(rates) => mode_access(mode, from_f, to_f)
                    .map(|()| evaluate(&opt.side, demand_side, rates, carbon, hit.distance_km)),
            };
            by_mode.push((mode.key, outcome));
        }
        let value = self.best_mode(
            s.facility,
            d.facility,
            opt,
            demand_side,
            carbon,
            hit.distance_km,
        )?;
        let annual = annual_figures(
            stream,
            &basis,
            &opt.side,
            demand_side,
            need,
            rule.and_then(|r| r.max_share_pct),
            &value,
        );
        let checks = checks::check_pair(stream, &profile, need, rule, &self.catalogue);
        let level = checks::worst(&checks);
        let landfill_t_per_source_unit =
            if stream.disposal_route == crate::model::DisposalRoute::Landfill {
                economics::convert_units(
                    1.0,
                    basis.unit,
                    crate::model::Unit::Tonne,
                    basis.bulk_density_t_per_m3,
                )
                .unwrap_or(0.0)
            } else {
                0.0
            };
        Some(Candidate {
            hit: *hit,
            from_facility: s.facility as usize,
            stream: s.stream as usize,
            to_facility: d.facility as usize,
            need: d.need as usize,
            rule: rule.cloned(),
            kind: opt.kind,
            value,
            by_mode,
            annual,
            viable: value.is_viable() && level <= Level::Note,
            checks,
            mass_factor: opt.side.mass_factor,
            need_units_per_delivered: opt.side.ratio_to_units * demand_side.need_units_per_to_unit,
            max_share_pct: rule.and_then(|r| r.max_share_pct).unwrap_or(100.0),
            landfill_t_per_source_unit,
        })
    }

    /// The economics of a hit's pair by its mode, as if the stream had the preprocessing chain
    /// `steps` instead of its own: the curve before and after preprocessing in the inspector.
    pub fn evaluate_with_chain(
        &self,
        region: &Region,
        hit: &PairHit,
        steps: &[crate::model::PreprocessStep],
    ) -> Option<PairValue> {
        let s = self.supplies.get(hit.supply as usize)?;
        let d = self.demands.get(hit.demand as usize)?;
        let opt = s.options.get(hit.option as usize)?;
        let stream = region
            .facilities
            .get(s.facility as usize)?
            .outputs
            .get(s.stream as usize)?;
        let from = &self.catalogue.materials[s.material? as usize];
        let basis = StreamBasis::of(stream, Some(from));
        let profile = economics::apply_preprocessing(&basis, steps, &self.catalogue).ok()?;
        let rule = opt.rule.map(|r| &self.catalogue.rules[r as usize]);
        let disposal = stream
            .disposal_cost_per_unit
            .or(from.disposal_cost_per_unit)
            .unwrap_or(0.0);
        let side = SupplySide::new(&profile, from, rule, disposal)?;
        let mode = self.catalogue.mode(hit.mode)?;
        let rates = mode_rates(mode, &profile, Some(from), &self.settings).ok()?;
        Some(evaluate(
            &side,
            d.side.as_ref()?,
            &rates,
            self.settings.carbon_price_per_t_co2,
            hit.distance_km,
        ))
    }

    /// Break-even reach of one supply per mode, in road km, against the best-paying need of each
    /// target material: the radius to draw around the stream.
    pub fn supply_reach(&self, supply: usize) -> Vec<(ModeKey, f64)> {
        let Some(s) = self.supplies.get(supply) else {
            return Vec::new();
        };
        let (rail, quay) = self.access[s.facility as usize];
        let mut out: Vec<(ModeKey, f64)> = Vec::new();
        for opt in &s.options {
            // A mode this site cannot load onto reaches no partner at all.
            for rates in self.modes(opt).iter().filter(|r| match r.mode {
                ModeKey::Rail => rail,
                ModeKey::Barge => quay,
                ModeKey::Truck | ModeKey::Pipeline => true,
            }) {
                let km = self.reach_km(
                    &opt.side,
                    opt.to_material as usize,
                    std::slice::from_ref(rates),
                    opt.detour_factor,
                ) * opt.detour_factor;
                match out.iter_mut().find(|(m, _)| *m == rates.mode) {
                    Some((_, best)) => *best = best.max(km),
                    None => out.push((rates.mode, km)),
                }
            }
        }
        out.sort_by_key(|(m, _)| *m);
        out
    }
}

/// Modes that can carry the delivered material. A stream's fixed mode (or the region's default)
/// is used alone when it can carry the material; a material with its own all-in transport cost
/// uses the first mode that can carry it.
fn usable_modes(
    catalogue: &Catalogue,
    profile: &DeliveredProfile,
    from: &crate::catalogue::Material,
    settings: &Settings,
    fixed: Option<ModeKey>,
) -> ModeSet {
    let mut all = ModeSet::default();
    for m in &catalogue.modes {
        if let Ok(r) = mode_rates(m, profile, Some(from), settings) {
            all.push(r);
        }
    }
    if let Some(r) = fixed.and_then(|fixed| all.iter().find(|r| r.mode == fixed)) {
        return ModeSet::single(*r);
    }
    match all.first() {
        Some(first) if from.transport_cost_per_unit_km.is_some() => ModeSet::single(*first),
        _ => all,
    }
}

/// A stream whose transport modes are its material's: no preprocessing, and the material's
/// own state and density.
fn is_default_shaped(stream: &crate::model::OutputStream) -> bool {
    stream.preprocessing.is_empty()
        && stream.physical_state.is_none()
        && stream.bulk_density_t_per_m3.is_none()
}

/// The default-shaped version of a stream (for computing the shared mode sets).
fn default_shaped(stream: &crate::model::OutputStream) -> crate::model::OutputStream {
    crate::model::OutputStream {
        preprocessing: Vec::new(),
        physical_state: None,
        bulk_density_t_per_m3: None,
        moisture_pct: None,
        composition: Vec::new(),
        extra: crate::model::Extra::new(),
        ..stream.clone()
    }
}

/// A hit with everything a planner wants to know about it.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub hit: PairHit,
    pub from_facility: usize,
    pub stream: usize,
    pub to_facility: usize,
    pub need: usize,
    pub rule: Option<Rule>,
    pub kind: MatchKind,
    /// The economics by the best mode at this distance.
    pub value: PairValue,
    /// Every mode: its economics, or why it cannot be used.
    pub by_mode: Vec<(ModeKey, Result<PairValue, ModeBlock>)>,
    pub annual: AnnualFigures,
    pub checks: Vec<Check>,
    pub viable: bool,
    /// Delivered units per source unit (after preprocessing).
    pub mass_factor: f64,
    /// Need units one delivered unit replaces.
    pub need_units_per_delivered: f64,
    /// The largest share of the need this rule may cover, %.
    pub max_share_pct: f64,
    /// Tonnes of landfill avoided per source unit (0 unless the stream is landfilled today).
    pub landfill_t_per_source_unit: f64,
}
