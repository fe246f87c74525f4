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

use crate::catalogue::{Access, Catalogue, CatalogueError, MatchKind, Rule};
use crate::checks::{self, Check, Level};
use crate::economics::{
    self, access_ok, annual_figures, evaluate, exchangeable_per_yr, freshness, gains, mode_access,
    mode_rates, outlet_value, AnnualFigures, DeliveredProfile, DemandSide, Freshness, Gains,
    ModeBlock, ModeRates, ModeSet, OutletValue, PairValue, PreprocessError, StreamBasis,
    SupplySide,
};
use crate::geodesy::{haversine_km, SpherePoint};
use crate::model::{ModeKey, Need, OutputStream, Pattern, Region, Settings};
use crate::spatial::{batch, morton_key, Leaf, SphereIndex};

/// How far the search looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchOptions {
    /// Also report pairs up to this multiple of their break-even distance, as near misses.
    /// 1 reports viable pairs only; infinite reports every pair, even one that pays at no
    /// distance (what a project or a proposal names is judged whatever it is worth).
    pub reach_factor: f64,
    /// Also report pairs that fail a specification check (with their reasons).
    pub include_failed: bool,
}

impl SearchOptions {
    /// Every pair is reported, whatever its value ([`Self::reach_factor`] infinite).
    pub fn every_pair(&self) -> bool {
        self.reach_factor == f64::INFINITY
    }

    /// How far to look from a supply option that reaches `reach_km` (infinitely far for
    /// every pair, even from an option that reaches nowhere).
    pub fn radius_km(&self, reach_km: f64) -> f64 {
        if self.every_pair() {
            f64::INFINITY
        } else {
            reach_km * self.reach_factor
        }
    }
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
    /// The rule's blending limit, % of the need.
    pub max_share_pct: Option<f64>,
    /// Some mode's cost depends on the pair's flow (a pipeline), or the stream spoils: the
    /// search works out the pair's yearly flow.
    pub needs_flow: bool,
}

/// The transport modes of a supply option: a set shared by every stream of default shape of
/// one material, or the option's own (after preprocessing, or with a stream's own state).
#[derive(Clone, Debug)]
pub enum Modes {
    Shared(u32),
    Own(Box<ModeSet>),
}

/// A perishable stream goes to a hub only if the hub's step makes it keep at least this
/// long: its first leg stays within the catchment (hours), and what is sent on is then no
/// longer perishable in the plan's month-by-month sense.
const KEEPS_AFTER_HUB_DAYS: f64 = 30.0;

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
    /// Source units per year.
    pub quantity_per_yr: f64,
    /// Days the delivered stream keeps, when it spoils.
    pub shelf_life_days: Option<f64>,
    /// Tonnes of landfill avoided per source unit taken (0 unless it is landfilled today).
    pub landfill_t_per_source_unit: f64,
    /// Tonnes in one source unit (0 for energy units).
    pub tonnes_per_source_unit: f64,
    /// Why the stream is left out of the search (unknown material, a preprocessing chain that
    /// cannot run).
    pub problem: Option<Box<str>>,
    /// Preprocessing steps left out because they cannot run where they stand (the stream is
    /// searched without them), in words.
    pub left_out: Option<Box<str>>,
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
    /// Need units per year.
    pub quantity_per_yr: f64,
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

/// Neighbouring supply options that search the same material's tree together
/// ([`crate::spatial::batch`]).
#[derive(Clone, Debug)]
struct Batch {
    to_material: u32,
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
        Self {
            supply,
            supply_index: supply_index as u32,
            option: option as u16,
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
    /// Per material index: the highest price per unit of that material among its needs, and
    /// the most CO2 one of them displaces per unit.
    max_price_per_unit: Vec<f64>,
    max_displaced_co2_per_unit: Vec<f64>,
    /// Per facility: rail siding and quay.
    access: Vec<(bool, bool)>,
    /// Per mode (by [`ModeKey::index`]): the infrastructure it needs at both sites.
    mode_requires: [Option<Access>; 4],
    /// Mode sets shared by streams of default shape, and per material and fixed mode the index
    /// of its set (`u32::MAX`: not computed).
    shared_modes: Vec<ModeSet>,
    default_modes: Vec<[u32; 5]>,
    /// The stream each shared set was computed from: (material, mode slot, facility, output).
    default_sources: Vec<(u32, u8, u32, u32)>,
    /// Per facility: index of its first supply (supplies are in facility order).
    first_supply: Vec<u32>,
    pub issues: Vec<Issue>,
    /// What each facility pays today per unit of a material it buys (its cheapest need of that
    /// material): (facility, material index) -> price. A receiver that buys a traded material
    /// saves no more by taking a neighbour's than it pays for it ([`Engine::own_capped`]).
    own_purchase: rustc_hash::FxHashMap<(u32, u32), f64>,
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
        let mut max_displaced_co2_per_unit = vec![f64::NEG_INFINITY; n_mat];
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
                let side = material
                    .and_then(|m| DemandSide::new(need, &catalogue.materials[m], &catalogue));
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
                        max_displaced_co2_per_unit[m] =
                            max_displaced_co2_per_unit[m].max(side.displaced_co2_kg_per_to_unit);
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
                    quantity_per_yr: need.quantity_per_yr,
                });
            }
        }
        let mut own_purchase: rustc_hash::FxHashMap<(u32, u32), f64> =
            rustc_hash::FxHashMap::default();
        for d in &demands {
            if let (Some(m), Some(side)) = (d.material, d.side.as_ref()) {
                let price = own_purchase
                    .entry((d.facility, m))
                    .or_insert(side.price_per_to_unit);
                *price = price.min(side.price_per_to_unit);
            }
        }
        let trees = per_material
            .into_par_iter()
            .map(|leaves| (!leaves.is_empty()).then(|| SphereIndex::from_leaves(leaves)))
            .collect();

        let mut mode_requires = [None; 4];
        for m in &catalogue.modes {
            mode_requires[m.key.index()] = m.requires;
        }
        let mut engine = Engine {
            mode_requires,
            max_displaced_co2_per_unit,
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
            own_purchase,
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
        let problems = engine.supplies.iter().flat_map(|s| {
            [s.problem.as_ref(), s.left_out.as_ref()]
                .into_iter()
                .flatten()
                .map(|p| Issue {
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
        let queries = keyed.iter().map(|&(to, _, si, oi)| {
            let s = &self.supplies[si as usize];
            batch::Query {
                tree: to,
                xyz: s.xyz,
                reach_km: s.options[oi as usize].reach_km,
            }
        });
        batch::runs(queries, MAX_BATCH)
            .into_iter()
            .map(|run| Batch {
                to_material: keyed[run.start].0,
                spread_km: run.spread_km,
                members: keyed[run.start..run.end]
                    .iter()
                    .map(|&(_, _, si, oi)| (si, oi))
                    .collect(),
            })
            .collect()
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
        for p in [&supply.problem, &supply.left_out].into_iter().flatten() {
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
        let basis = StreamBasis::of(&default_shaped(o, from), Some(from));
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
        let (steps, _) = economics::runnable_steps(&basis, &stream.preprocessing, &self.catalogue);
        let profile = economics::apply_preprocessing(&basis, &steps, &self.catalogue);
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
        let (steps, left_out) = economics::runnable_steps(&basis, &stream.preprocessing, catalogue);
        let left_out = (!left_out.is_empty()).then(|| {
            left_out
                .iter()
                .map(|(i, e)| {
                    format!(
                        "stream `{}`: preprocessing step {} left out, the stream is searched without it: {e}",
                        stream.id,
                        i + 1
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
                .into_boxed_str()
        });
        let profile = economics::apply_preprocessing(&basis, &steps, catalogue);
        let mut options = Vec::new();
        let mut problem = None;
        let mut shelf_life_days = None;
        let mut landfill_t_per_source_unit = 0.0;
        let tonnes_per_source_unit = economics::convert_units(
            1.0,
            basis.unit,
            crate::model::Unit::Tonne,
            basis.bulk_density_t_per_m3,
        )
        .unwrap_or(0.0);
        match (&profile, from) {
            (_, None) => {
                problem = Some(format!(
                    "stream `{}`: unknown material `{}`",
                    stream.id, stream.material
                ));
            }
            (Err(e), _) => problem = Some(format!("stream `{}`: preprocessing: {e}", stream.id)),
            (Ok(profile), Some(from)) => {
                shelf_life_days = profile.shelf_life_days;
                let m = material.unwrap_or_default();
                let outlet = self.outlet_valued(region, fi, si, false);
                landfill_t_per_source_unit = landfill_t_per_unit(&outlet, &basis);
                let detour = from.detour_factor.unwrap_or(region.settings.detour_factor);
                let fixed_mode = stream.mode.or(region.settings.default_mode);
                let shared = if is_default_shaped(stream, from) {
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
                    let Some(side) = SupplySide::new(
                        profile,
                        from,
                        &catalogue.materials[to],
                        rule_ref,
                        outlet.net_cost_per_unit,
                        outlet.burnt_today(),
                        catalogue,
                    ) else {
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
                    let supply_delivered = stream.quantity_per_yr * side.mass_factor;
                    let reach_km = self.reach_km(&side, to, rates, detour, supply_delivered);
                    let needs_flow =
                        shelf_life_days.is_some() || rates.iter().any(|r| r.pipe.is_some());
                    options.push(SupplyOption {
                        rule: rule.map(|r| r as u32),
                        to_material: to as u32,
                        kind,
                        side,
                        modes,
                        detour_factor: detour,
                        reach_km,
                        plain_rule: rule_ref.is_none_or(|r| r.spec.is_empty()),
                        max_share_pct: rule_ref.and_then(|r| r.max_share_pct),
                        needs_flow,
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
            plain: checks::stream_is_plain(stream) && shelf_life_days.is_none(),
            quantity_per_yr: stream.quantity_per_yr,
            shelf_life_days,
            landfill_t_per_source_unit,
            tonnes_per_source_unit,
            problem: problem.map(String::into_boxed_str),
            left_out,
        }
    }

    /// Today's outlet of output `si` of facility `fi`, valued, with where its figures come
    /// from.
    pub fn outlet(&self, region: &Region, fi: usize, si: usize) -> OutletValue {
        self.outlet_valued(region, fi, si, true)
    }

    fn outlet_valued(&self, region: &Region, fi: usize, si: usize, explain: bool) -> OutletValue {
        let facility = &region.facilities[fi];
        let stream = &facility.outputs[si];
        let country = facility
            .country
            .as_deref()
            .or(region.settings.country.as_deref());
        outlet_value(
            stream,
            self.catalogue.material(&stream.material),
            checks::is_hazardous(stream),
            country,
            &self.catalogue,
            explain,
        )
    }

    /// The largest great-circle distance at which any need of material `to` could be viable:
    /// the best price and the most displaced CO2 among those needs, the cheapest handling and
    /// the lowest slope of any mode (a pipeline at the stream's whole flow, its cheapest).
    fn reach_km(
        &self,
        side: &SupplySide,
        to: usize,
        modes: &[ModeRates],
        detour: f64,
        supply_delivered_per_yr: f64,
    ) -> f64 {
        let best_demand = DemandSide {
            price_per_to_unit: self.max_price_per_unit[to],
            displaced_co2_kg_per_to_unit: self.max_displaced_co2_per_unit[to].max(0.0),
            ..DemandSide::priced(0.0)
        };
        let carbon = self.settings.carbon_price_per_t_co2;
        modes
            .iter()
            .map(|rates| {
                // Without the heat lost on the way: a bound whatever the price (the loss
                // grows with the price it costs).
                let rates = ModeRates {
                    loss_fraction_per_km: 0.0,
                    ..rates.at_flow(supply_delivered_per_yr)
                };
                evaluate(side, &best_demand, &rates, carbon, 0.0).break_even_km
            })
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
                    self.search_batch(region, batch, options, &|_| true, &mut found, &mut sink);
                    (sink, found)
                },
            )
            .map(|(sink, _)| sink)
            .reduce(S::default, S::merge);
        sink.finish();
        sink
    }

    /// Every pair of the region, a chunk of neighbouring streams at a time, for region-wide
    /// runs too large to hold every pair: each chunk (about `members_per_chunk` stream options,
    /// searched in parallel) is handed to `f` in (supply, option, need) order, then dropped.
    /// The chunks come in the same order on every call, and together hold exactly the hits of
    /// [`Engine::search`].
    pub fn search_chunked(
        &self,
        region: &Region,
        options: &SearchOptions,
        members_per_chunk: usize,
        f: impl FnMut(&[PairHit]),
    ) {
        self.search_chunked_where(region, options, members_per_chunk, &|_| true, f);
    }

    /// [`Engine::search_chunked`] over the supplies `keep` accepts only (the others are not
    /// searched at all).
    pub fn search_chunked_where(
        &self,
        region: &Region,
        options: &SearchOptions,
        members_per_chunk: usize,
        keep: &(dyn Fn(u32) -> bool + Sync),
        mut f: impl FnMut(&[PairHit]),
    ) {
        let batches = self.batches.get_or_init(|| self.build_batches());
        let mut start = 0;
        while start < batches.len() {
            let mut end = start;
            let mut members = 0;
            while end < batches.len() && (end == start || members < members_per_chunk) {
                members += batches[end].members.len();
                end += 1;
            }
            let mut hits: Vec<PairHit> = batches[start..end]
                .par_iter()
                .fold(
                    || (Vec::new(), Vec::new()),
                    |(mut sink, mut found), batch| {
                        self.search_batch(region, batch, options, keep, &mut found, &mut sink);
                        (sink, found)
                    },
                )
                .map(|(sink, _)| sink)
                .reduce(Vec::new, HitSink::merge);
            hits.finish();
            f(&hits);
            start = end;
        }
    }

    /// One traversal for the whole batch, then each member filters the shared candidates.
    fn search_batch<'a, S: HitSink>(
        &'a self,
        region: &Region,
        batch: &Batch,
        options: &SearchOptions,
        keep: &(dyn Fn(u32) -> bool + Sync),
        found: &mut Vec<&'a Leaf<DemandLeaf>>,
        sink: &mut S,
    ) {
        let Some(tree) = &self.trees[batch.to_material as usize] else {
            return;
        };
        if !batch.members.iter().any(|m| keep(m.0)) {
            return;
        }
        let reach_of = |&(si, oi): &(u32, u16)| {
            options.radius_km(self.supplies[si as usize].options[oi as usize].reach_km)
        };
        let largest = batch.members.iter().map(reach_of).fold(0.0, f64::max);
        let anchor = &self.supplies[batch.members[0].0 as usize];
        batch::walk(tree, &anchor.xyz, largest, batch.spread_km, found);
        for member in batch.members.iter().filter(|m| keep(m.0)) {
            let s = &self.supplies[member.0 as usize];
            let opt = &s.options[member.1 as usize];
            let ctx = PairContext::new(self, s, member.0 as usize, member.1 as usize, options);
            for (leaf, _) in batch::within(found, &s.xyz, reach_of(member)) {
                self.consider(region, &ctx, opt, &leaf.data, sink);
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
            tree.for_each_within(&s.xyz, options.radius_km(opt.reach_km), |leaf| {
                self.consider(region, &ctx, opt, leaf, sink);
            });
        }
    }

    /// The pairs of one need (index into `demands`): every supply option that reaches it,
    /// found as [`Engine::search_supply`] finds it (the same reach bound on the need's own
    /// leaf, then the same exact test), in supply and option order: the possible suppliers of
    /// a facility that only buys. The trees hold needs, so this scans the supplies' options of
    /// the need's material instead of walking a tree.
    pub fn search_demand<S: HitSink>(
        &self,
        region: &Region,
        demand: usize,
        options: &SearchOptions,
        sink: &mut S,
    ) {
        let Some(material) = self.demands.get(demand).and_then(|d| d.material) else {
            return;
        };
        let Some(tree) = self.trees.get(material as usize).and_then(Option::as_ref) else {
            return;
        };
        let Some(leaf) = tree.iter().find(|l| l.data.demand() as usize == demand) else {
            return;
        };
        for (si, s) in self.supplies.iter().enumerate() {
            for (oi, opt) in s.options.iter().enumerate() {
                if opt.to_material != material {
                    continue;
                }
                // What `SphereIndex::for_each_within` lets through for this supply.
                let radius_km = options.radius_km(opt.reach_km);
                if radius_km.is_nan() || radius_km <= 0.0 {
                    continue;
                }
                let bound = crate::geodesy::chord_sq_bound(radius_km);
                if bound.is_finite() && crate::geodesy::dist_sq(&leaf.xyz, &s.xyz) > bound {
                    continue;
                }
                let ctx = PairContext::new(self, s, si, oi, options);
                self.consider(region, &ctx, opt, &leaf.data, sink);
            }
        }
    }

    /// Index into `demands` of need `need` of facility `facility` (`None` if the search left
    /// it out).
    pub fn demand_index(&self, facility: usize, need: usize) -> Option<usize> {
        self.demands
            .iter()
            .position(|d| d.facility as usize == facility && d.need as usize == need)
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
        let distance_km = haversine_km(&s.point, &leaf.point) * opt.detour_factor;
        // Without a carbon price only the price counts; with one, the need's own displaced CO2.
        let full =
            (ctx.carbon != 0.0 || opt.needs_flow).then(|| &self.demands[leaf.demand() as usize]);
        let demand_side = match full.and_then(|d| d.side.as_ref()) {
            Some(side) => *side,
            None => DemandSide::priced(leaf.price_per_to_unit),
        };
        let pair = full
            .filter(|_| opt.needs_flow)
            .map(|d| self.pair_flow(region, s, opt, d, &demand_side));
        let side = self.own_capped(&opt.side, s, opt, leaf.facility);
        let Some((value, fresh)) = self.best_mode(
            s.facility,
            leaf.facility,
            opt,
            &side,
            &demand_side,
            ctx.carbon,
            distance_km,
            pair.as_ref(),
        ) else {
            return;
        };
        let within = value.is_viable();
        let near = ctx.options.every_pair()
            || (value.break_even_km > 0.0
                && distance_km <= value.break_even_km * ctx.options.reach_factor);
        if !within && !near {
            return;
        }
        let mut level = if s.plain && leaf.plain() && opt.plain_rule {
            Level::Pass
        } else {
            self.check_level(region, s, &self.demands[leaf.demand() as usize], opt)
        };
        if fresh.is_some_and(|f| f.spoils()) {
            level = Level::Fail;
        }
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

    /// What the flow of one pair depends on: the most it can exchange a year, and for a
    /// perishable stream what its deliveries look like.
    #[allow(clippy::unused_self)] // a method of the engine like its neighbours
    fn pair_flow(
        &self,
        region: &Region,
        s: &Supply,
        opt: &SupplyOption,
        d: &Demand,
        demand_side: &DemandSide,
    ) -> PairFlow {
        let stream = region
            .facilities
            .get(s.facility as usize)
            .and_then(|f| f.outputs.get(s.stream as usize));
        let need = region
            .facilities
            .get(d.facility as usize)
            .and_then(|f| f.needs.get(d.need as usize));
        let (share, active_days, batch, min_delivery, intake) = match (stream, need) {
            (Some(stream), Some(need)) if s.shelf_life_days.is_some() => {
                let supply_months = stream.availability.month_mask();
                let both = (supply_months & need.availability.month_mask()).count_ones();
                let share = f64::from(both) / f64::from(supply_months.count_ones().max(1));
                let mf = opt.side.mass_factor;
                let batch = match stream.availability.pattern {
                    Pattern::Batches { batch_quantity, .. } => Some(batch_quantity * mf),
                    Pattern::Continuous => None,
                };
                let per_delivered = opt.side.ratio_to_units * demand_side.need_units_per_to_unit;
                let min_delivery = need
                    .spec
                    .min_lot
                    .filter(|_| per_delivered > 0.0)
                    .map(|lot| lot / per_delivered);
                let intake = match need.availability.pattern {
                    Pattern::Batches { every_days, .. } => Some(every_days),
                    Pattern::Continuous => None,
                };
                (
                    share,
                    365.25 / 12.0 * f64::from(both),
                    batch,
                    min_delivery,
                    intake,
                )
            }
            // A stream that keeps: without a store, only what flows in the receiver's months is
            // used; the rest goes on to today's outlet (`docs/BUFFERS.md` sizes the store that
            // would take it).
            (Some(stream), Some(need)) => {
                let both = (stream.availability.month_mask() & need.availability.month_mask())
                    .count_ones();
                (
                    months_share(stream, need),
                    365.25 / 12.0 * f64::from(both),
                    None,
                    None,
                    None,
                )
            }
            _ => (1.0, 365.25, None, None, None),
        };
        let flow_per_yr = exchangeable_per_yr(
            s.quantity_per_yr,
            share,
            &opt.side,
            demand_side,
            d.quantity_per_yr,
            opt.max_share_pct,
        );
        PairFlow {
            flow_per_yr,
            deliverable_share: share,
            delivered_per_day: if active_days > 0.0 {
                flow_per_yr / active_days
            } else {
                0.0
            },
            batch,
            min_delivery,
            intake_every_days: intake,
            shelf_life_days: s.shelf_life_days,
        }
    }

    /// The mode with the best net value for this pair among those both sites can use (a
    /// pipeline priced at the pair's flow); for a perishable stream, among the modes that
    /// deliver it fresh, if any does.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    /// `side` of supply `s` under option `opt` as receiver `to_facility` values it: a receiver
    /// that buys the stream's own material today saves, by taking it as another material, no
    /// more than it pays for it plus the rule's treatment (as
    /// [`crate::economics::market_cap_per_source_unit`] caps it by the market's top).
    fn own_capped<'a>(
        &self,
        side: &'a SupplySide,
        s: &Supply,
        opt: &SupplyOption,
        to_facility: u32,
    ) -> std::borrow::Cow<'a, SupplySide> {
        use std::borrow::Cow;
        let (Some(r), Some(m)) = (opt.rule, s.material) else {
            return Cow::Borrowed(side);
        };
        if self.own_purchase.is_empty() || side.mass_factor <= 0.0 {
            return Cow::Borrowed(side);
        }
        let Some(&price) = self.own_purchase.get(&(to_facility, m)) else {
            return Cow::Borrowed(side);
        };
        let rule = &self.catalogue.rules[r as usize];
        let from = &self.catalogue.materials[m as usize];
        if !crate::economics::has_a_market(from) {
            return Cow::Borrowed(side);
        }
        let treatment = rule.treatment.as_ref().map_or(0.0, |t| t.cost_per_unit);
        let cap = (price + treatment) / side.mass_factor;
        if cap >= side.market_cap_per_unit {
            return Cow::Borrowed(side);
        }
        Cow::Owned(SupplySide {
            market_cap_per_unit: cap,
            ..side.clone()
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn best_mode(
        &self,
        from_facility: u32,
        to_facility: u32,
        opt: &SupplyOption,
        side: &SupplySide,
        demand_side: &DemandSide,
        carbon: f64,
        distance_km: f64,
        pair: Option<&PairFlow>,
    ) -> Option<(PairValue, Option<Freshness>)> {
        let mut best: Option<(PairValue, Option<Freshness>)> = None;
        for rates in self.modes(opt) {
            if !self.mode_open(rates.mode, from_facility, to_facility) {
                continue;
            }
            let rates = match pair {
                Some(p) => rates.at_flow(p.flow_per_yr),
                None => *rates,
            };
            let fresh = pair.and_then(|p| p.freshness(&rates, distance_km));
            let v = evaluate(side, demand_side, &rates, carbon, distance_km);
            let better = match &best {
                None => true,
                Some((b, bf)) => {
                    let (spoils, b_spoils) = (
                        fresh.is_some_and(|f| f.spoils()),
                        bf.is_some_and(|f| f.spoils()),
                    );
                    (b_spoils && !spoils)
                        || (spoils == b_spoils && v.net_value_per_unit > b.net_value_per_unit)
                }
            };
            if better {
                best = Some((v, fresh));
            }
        }
        best
    }

    fn mode_open(&self, mode: ModeKey, a: u32, b: u32) -> bool {
        access_ok(
            self.mode_requires[mode.index()],
            self.access[a as usize],
            self.access[b as usize],
        )
        .is_ok()
    }

    /// Worst check of a non-plain pair (the few with specifications, hazards or seasons).
    fn check_level(&self, region: &Region, s: &Supply, d: &Demand, opt: &SupplyOption) -> Level {
        let (Some(stream), Some(need), Some((_, Ok(profile))), Some(side)) = (
            region
                .facilities
                .get(s.facility as usize)
                .and_then(|f| f.outputs.get(s.stream as usize)),
            region
                .facilities
                .get(d.facility as usize)
                .and_then(|f| f.needs.get(d.need as usize)),
            self.profile(region, s.facility as usize, s.stream as usize),
            d.side.as_ref(),
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
            opt.side.ratio_to_units * side.need_units_per_to_unit * opt.side.mass_factor,
        ))
    }

    /// Everything about one hit: economics by every mode, yearly figures, who gains what and
    /// all the reasons.
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
        let pair = self.pair_flow(region, s, opt, d, demand_side);

        let from = &self.catalogue.materials[s.material? as usize];
        let side = self.own_capped(&opt.side, s, opt, d.facility);
        let fixed_mode = stream.mode.or(region.settings.default_mode);
        let all_in = from.transport_cost_per_unit_km.is_some();
        let chosen: Vec<ModeKey> = self.modes(opt).iter().map(|r| r.mode).collect();
        let mut by_mode = Vec::new();
        for mode in &self.catalogue.modes {
            let outcome = match self.modes(opt).iter().find(|r| r.mode == mode.key) {
                None => Err(
                    match mode_rates(mode, &profile, Some(from), &self.settings, &self.catalogue) {
                        Err(block) => block,
                        // The mode could carry it but another was chosen for the stream.
                        Ok(_) => match (fixed_mode, chosen.first()) {
                            (Some(f), _) if chosen.contains(&f) => ModeBlock::Fixed(f),
                            (_, Some(&first)) if all_in => ModeBlock::AllIn(first),
                            (Some(f), _) => ModeBlock::Fixed(f),
                            _ => ModeBlock::State,
                        },
                    },
                ),
                Some(rates) => mode_access(mode, from_f, to_f).map(|()| {
                    evaluate(
                        &side,
                        demand_side,
                        &rates.at_flow(pair.flow_per_yr),
                        carbon,
                        hit.distance_km,
                    )
                }),
            };
            by_mode.push((mode.key, outcome));
        }
        let (value, fresh) = self.best_mode(
            s.facility,
            d.facility,
            opt,
            &side,
            demand_side,
            carbon,
            hit.distance_km,
            Some(&pair),
        )?;
        let outlet = self.outlet(region, s.facility as usize, s.stream as usize);
        let annual = annual_figures(
            stream,
            &basis,
            &opt.side,
            demand_side,
            need,
            opt.max_share_pct,
            &value,
            pair.deliverable_share,
            outlet.diverts_landfill(),
        );
        let need_units_per_delivered = opt.side.ratio_to_units * demand_side.need_units_per_to_unit;
        let mut checks = checks::check_pair(
            stream,
            &profile,
            need,
            rule,
            &self.catalogue,
            need_units_per_delivered * opt.side.mass_factor,
        );
        if let Some(f) = &fresh {
            checks.push(checks::freshness_check(
                f,
                &self.catalogue,
                stream,
                profile.state,
            ));
        }
        if pair.deliverable_share < 1.0 {
            checks.push(Check {
                level: Level::Note,
                aspect: "months",
                message: if s.shelf_life_days.is_some() {
                    format!(
                        "perishable: only the {:.0} % of the stream that flows in months the receiver takes it can be delivered",
                        100.0 * pair.deliverable_share
                    )
                } else {
                    format!(
                        "without a store only the {:.0} % of the stream that flows in months the receiver takes it is used; a store would take the rest (its size and cost in the buffer figures)",
                        100.0 * pair.deliverable_share
                    )
                },
                fix_step: None,
            });
        }
        if value.avoided_purchase_per_unit < value.replaced_purchase_per_unit
            && side.market_cap_per_unit < opt.side.market_cap_per_unit
        {
            // No figure: what the receiver pays may be confidential.
            checks.push(Check {
                level: Level::Note,
                aspect: "market",
                message: format!(
                    "the receiver buys {} today: taking it as {} saves no more than that purchase{}",
                    from.display_name(),
                    self.catalogue.materials[opt.to_material as usize].display_name(),
                    if rule.is_some_and(|r| r.treatment.is_some()) {
                        " and the treatment"
                    } else {
                        ""
                    },
                ),
                fix_step: None,
            });
        } else if value.avoided_purchase_per_unit < value.replaced_purchase_per_unit {
            // Public figures only: what the receiver pays today may be confidential.
            if let (Some([_, high]), Some(cap)) = (
                from.market_price_range_per_unit,
                crate::economics::market_cap_per_source_unit(from, rule),
            ) {
                checks.push(Check {
                    level: Level::Note,
                    aspect: "market",
                    message: format!(
                        "{} trades at up to {high} per {}: bought on its market{} it would cost the receiver {cap} per {}, so that is the most it saves, whatever what it replaces costs",
                        from.display_name(),
                        from.unit,
                        if cap > high { " and treated" } else { "" },
                        from.unit,
                    ),
                    fix_step: None,
                });
            }
        }
        let level = checks::worst(&checks);
        let landfill_t_per_source_unit = landfill_t_per_unit(&outlet, &basis);
        let pipe_diameter_m = self
            .modes(opt)
            .iter()
            .find(|r| r.mode == value.mode)
            .and_then(|r| r.pipe)
            .map(|p| p.diameter_m(pair.flow_per_yr));
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
            need_units_per_delivered,
            max_share_pct: opt.max_share_pct.unwrap_or(100.0),
            landfill_t_per_source_unit,
            gains: gains(&value, annual.exchanged_per_yr, None),
            outlet,
            demand: *demand_side,
            price_factor: opt.side.price_factor,
            energy_mwh_per_unit: opt.side.energy_mwh_per_unit,
            lhv_mj_per_kg: profile.lhv_mj_per_kg,
            freshness: fresh,
            pipe_diameter_m,
        })
    }

    /// A hit with the quantities the region's plan and totals need, and no words: what a
    /// pair can carry, the lot it must reach, its value per source unit, the fixed yearly cost
    /// of a pipeline sized for the pair's whole flow, and each company's part. Cheap enough
    /// for every hit of a large region (the strings, checks and per-mode figures of
    /// [`Engine::explain`] are built only for the candidates someone looks at).
    pub fn quantify(&self, region: &Region, hit: &PairHit) -> Option<PlanCandidate> {
        let s = self.supplies.get(hit.supply as usize)?;
        let d = self.demands.get(hit.demand as usize)?;
        let opt = s.options.get(hit.option as usize)?;
        let need = region
            .facilities
            .get(d.facility as usize)?
            .needs
            .get(d.need as usize)?;
        let demand_side = d.side.as_ref()?;
        let carbon = self.settings.carbon_price_per_t_co2;
        let pair = self.pair_flow(region, s, opt, d, demand_side);
        let side = self.own_capped(&opt.side, s, opt, d.facility);
        let (value, _) = self.best_mode(
            s.facility,
            d.facility,
            opt,
            &side,
            demand_side,
            carbon,
            hit.distance_km,
            Some(&pair),
        )?;
        let mf = opt.side.mass_factor;
        let need_units_per_source_unit =
            opt.side.ratio_to_units * demand_side.need_units_per_to_unit * mf;
        let max_share_pct = opt.max_share_pct.unwrap_or(100.0);
        let need_cap_source = if need_units_per_source_unit > 0.0 {
            d.quantity_per_yr * max_share_pct / 100.0 / need_units_per_source_unit
        } else {
            0.0
        };
        let max_source_units_per_yr = (s.quantity_per_yr * pair.deliverable_share)
            .min(need_cap_source)
            .max(0.0);
        // A pipeline is built for the pair's whole flow: its line and connection cost the same
        // whatever flows through it. The rest of the value is per unit.
        let pipe_rates = self
            .modes(opt)
            .iter()
            .find(|r| r.mode == value.mode)
            .filter(|r| r.pipe.is_some());
        let (variable, fixed_cost_per_yr) = match pipe_rates {
            Some(r) if pair.flow_per_yr > 0.0 => {
                let without_line = ModeRates { pipe: None, ..*r };
                let v = evaluate(&side, demand_side, &without_line, carbon, hit.distance_km);
                let fixed_per_unit = (v.net_value_per_unit - value.net_value_per_unit).max(0.0);
                (
                    value.net_value_per_unit + fixed_per_unit,
                    fixed_per_unit * pair.flow_per_yr,
                )
            }
            _ => (value.net_value_per_unit, 0.0),
        };
        let g = gains(&value, 1.0, None);
        // The receiver's side carries the transport, and with it the line's fixed cost.
        let receiver_variable = g.receiver_alone_per_unit + (variable - value.net_value_per_unit);
        // A receiver's smallest lot: the pair must fill at least one a year, and a perishable
        // stream one within its shelf life.
        let min_source_units_per_yr = need
            .spec
            .min_lot
            .filter(|_| need_units_per_source_unit > 0.0)
            .map_or(0.0, |lot| {
                let lot_source = lot / need_units_per_source_unit;
                match s.shelf_life_days {
                    Some(days) if days > 0.0 => lot_source * (365.25 / days).max(1.0),
                    _ => lot_source,
                }
            });
        Some(PlanCandidate {
            hit: PairHit {
                mode: value.mode,
                net_value_per_unit: value.net_value_per_unit,
                ..*hit
            },
            from_facility: s.facility,
            to_facility: d.facility,
            rule: opt.rule,
            max_source_units_per_yr,
            min_source_units_per_yr,
            need_units_per_source_unit,
            max_share_pct,
            value_per_source_unit: variable * mf,
            fixed_cost_per_yr,
            co2_t_per_source_unit: value.co2_avoided_kg_per_unit * mf / 1000.0,
            landfill_t_per_source_unit: s.landfill_t_per_source_unit,
            sender_alone_per_source_unit: g.sender_alone_per_unit * mf,
            receiver_alone_per_source_unit: receiver_variable * mf,
            carbon_value_per_source_unit: value.carbon_value_per_unit * mf,
            tonnes_per_source_unit: s.tonnes_per_source_unit,
            hub: None,
            first_leg_km: 0.0,
            pool_lot_need_units: 0.0,
            hub_variable_cost_per_t: 0.0,
        })
    }

    /// Every way a stream can reach a need through one of `hubs`: by the cheapest mode its
    /// site can load to the hub, then by the hub's onward mode (or the best one the hub and
    /// the receiver allow), paying the hub's handling per tonne. The hub's fixed cost and
    /// capacity, and the receiver's lot against the pooled flow, are the plan's. Perishable
    /// streams and streams measured in energy do not go through hubs.
    pub fn hub_candidates(&self, region: &Region, hubs: &[crate::hubs::Hub]) -> Vec<PlanCandidate> {
        let carbon = self.settings.carbon_price_per_t_co2;
        let mut out = Vec::new();
        for (hi, hub) in hubs.iter().enumerate() {
            let point = SpherePoint::from_degrees(hub.location.lat_deg, hub.location.lon_deg);
            let xyz = point.unit_vector();
            let accepts: Vec<u32> = hub
                .kind
                .accepts
                .iter()
                .filter_map(|k| self.catalogue.material_index(k).map(|m| m as u32))
                .collect();
            for (si, s) in self.supplies.iter().enumerate() {
                let Some(m) = s.material else { continue };
                let taken = if hub.kind.accepts.is_empty() {
                    s.tonnes_per_source_unit > 0.0
                } else {
                    accepts.contains(&m)
                };
                // A perishable stream only to a hub whose step makes it keep (a dryer).
                if !taken
                    || s.problem.is_some()
                    || (s.shelf_life_days.is_some() && hub.kind.preprocess.is_none())
                    || s.quantity_per_yr <= 0.0
                {
                    continue;
                }
                let site = self.access[s.facility as usize];
                for (oi, opt) in s.options.iter().enumerate() {
                    let Some(tree) = &self.trees[opt.to_material as usize] else {
                        continue;
                    };
                    let mf = opt.side.mass_factor;
                    if mf <= 0.0 {
                        continue;
                    }
                    // What is sent on: the stream as it arrives, or after the hub's step.
                    let processed = match &hub.kind.preprocess {
                        None => None,
                        Some(step) => match self.side_after_step(region, s, opt, step) {
                            Some((side, modes, keeps_days))
                                if keeps_days.is_none_or(|d| d >= KEEPS_AFTER_HUB_DAYS) =>
                            {
                                Some((side, modes))
                            }
                            _ => continue,
                        },
                    };
                    let (onward_side, onward_modes) = match &processed {
                        Some((side, modes)) => (side, &modes[..]),
                        None => (&opt.side, self.modes(opt)),
                    };
                    let mf_on = onward_side.mass_factor;
                    if mf_on <= 0.0 {
                        continue;
                    }
                    let d1 = haversine_km(&s.point, &point) * opt.detour_factor;
                    if d1 > hub.kind.catchment_km {
                        continue;
                    }
                    // The first leg: the cheapest mode from the sender's site to the hub.
                    let first = self
                        .modes(opt)
                        .iter()
                        .filter(|r| r.pipe.is_none())
                        .filter(|r| {
                            access_ok(self.mode_requires[r.mode.index()], site, hub.access).is_ok()
                        })
                        .map(|r| {
                            let private = r.handling_per_unit + r.cost_per_unit_km * d1;
                            let co2 = r.co2_kg_per_unit_km * d1;
                            (private, co2)
                        })
                        .min_by(|a, b| {
                            (a.0 + carbon * a.1 / 1000.0).total_cmp(&(b.0 + carbon * b.1 / 1000.0))
                        });
                    let Some((first_private, first_co2)) = first else {
                        continue;
                    };
                    let hub_per_unit = hub.kind.variable_cost_per_t * s.tonnes_per_source_unit / mf;
                    let onward: Vec<&ModeRates> = onward_modes
                        .iter()
                        .filter(|r| r.pipe.is_none())
                        .filter(|r| hub.kind.onward_mode.is_none_or(|k| k == r.mode))
                        .collect();
                    if onward.is_empty() {
                        continue;
                    }
                    tree.for_each_within(&xyz, opt.reach_km, |leaf| {
                        if leaf.facility == s.facility {
                            return;
                        }
                        let d = &self.demands[leaf.demand() as usize];
                        let Some(demand_side) = d.side.as_ref() else {
                            return;
                        };
                        let d2 = haversine_km(&point, &leaf.point) * opt.detour_factor;
                        let to_site = self.access[leaf.facility as usize];
                        let best = onward
                            .iter()
                            .filter(|r| {
                                access_ok(self.mode_requires[r.mode.index()], hub.access, to_site)
                                    .is_ok()
                            })
                            .map(|r| {
                                let side = self.own_capped(onward_side, s, opt, leaf.facility);
                                evaluate(&side, demand_side, r, carbon, d2)
                            })
                            .max_by(|a, b| a.net_value_per_unit.total_cmp(&b.net_value_per_unit));
                        let Some(best) = best else { return };
                        let first_cost = first_private + carbon * first_co2 / 1000.0;
                        // Per source unit: on from the hub, less the first leg and the hub's
                        // handling (both per unit as the stream arrives); then per unit sent on.
                        let value_per_source_unit =
                            best.net_value_per_unit * mf_on - (first_cost + hub_per_unit) * mf;
                        let net = value_per_source_unit / mf_on;
                        if net.is_nan() || net <= 0.0 {
                            return;
                        }
                        let level = if s.plain && leaf.plain() && opt.plain_rule {
                            Level::Pass
                        } else {
                            self.check_level(region, s, d, opt)
                        };
                        // Viable as a direct pair is: no check worse than a note.
                        if level > Level::Note {
                            return;
                        }
                        let Some(need) = region
                            .facilities
                            .get(d.facility as usize)
                            .and_then(|f| f.needs.get(d.need as usize))
                        else {
                            return;
                        };
                        // A stream flowing in months the receiver takes none is not pooled:
                        // its direct pair is already held to those months, and a hub column
                        // beside it would count the same months twice (a transfer station is
                        // no seasonal store).
                        let stream = region
                            .facilities
                            .get(s.facility as usize)
                            .and_then(|f| f.outputs.get(s.stream as usize));
                        if stream.is_none_or(|st| months_share(st, need) < 1.0) {
                            return;
                        }
                        let nps =
                            onward_side.ratio_to_units * demand_side.need_units_per_to_unit * mf_on;
                        let max_share_pct = opt.max_share_pct.unwrap_or(100.0);
                        let need_cap = if nps > 0.0 {
                            d.quantity_per_yr * max_share_pct / 100.0 / nps
                        } else {
                            0.0
                        };
                        let g = gains(&best, 1.0, None);
                        out.push(PlanCandidate {
                            hit: PairHit {
                                supply: si as u32,
                                demand: leaf.demand(),
                                option: oi as u16,
                                kind: opt.kind,
                                mode: best.mode,
                                viable: true,
                                level,
                                distance_km: d1 + d2,
                                break_even_km: f64::NAN,
                                net_value_per_unit: net,
                            },
                            from_facility: s.facility,
                            to_facility: d.facility,
                            rule: opt.rule,
                            max_source_units_per_yr: s.quantity_per_yr.min(need_cap).max(0.0),
                            min_source_units_per_yr: 0.0,
                            need_units_per_source_unit: nps,
                            max_share_pct,
                            value_per_source_unit,
                            fixed_cost_per_yr: 0.0,
                            co2_t_per_source_unit: (best.co2_avoided_kg_per_unit * mf_on
                                - first_co2 * mf)
                                / 1000.0,
                            landfill_t_per_source_unit: s.landfill_t_per_source_unit,
                            sender_alone_per_source_unit: g.sender_alone_per_unit * mf_on,
                            receiver_alone_per_source_unit: g.receiver_alone_per_unit * mf_on
                                - (first_private + hub_per_unit) * mf,
                            carbon_value_per_source_unit: best.carbon_value_per_unit * mf_on
                                - carbon * first_co2 / 1000.0 * mf,
                            tonnes_per_source_unit: s.tonnes_per_source_unit,
                            hub: Some(hi as u32),
                            first_leg_km: d1,
                            pool_lot_need_units: need.spec.min_lot.unwrap_or(0.0),
                            hub_variable_cost_per_t: hub.kind.variable_cost_per_t,
                        });
                    });
                }
            }
        }
        out
    }

    /// An option's supply side and transport modes after one more step at a hub (the stream's
    /// own chain, then `step`), and how many days it keeps then (`None`: it does not spoil);
    /// `None` when the step cannot apply to it.
    fn side_after_step(
        &self,
        region: &Region,
        s: &Supply,
        opt: &SupplyOption,
        step: &crate::model::PreprocessStep,
    ) -> Option<(SupplySide, ModeSet, Option<f64>)> {
        let (fi, si) = (s.facility as usize, s.stream as usize);
        let stream = region.facilities.get(fi)?.outputs.get(si)?;
        let catalogue = &self.catalogue;
        let from = catalogue.material(&stream.material)?;
        let basis = StreamBasis::of(stream, Some(from));
        let (mut chain, _) = economics::runnable_steps(&basis, &stream.preprocessing, catalogue);
        chain.push(step.clone());
        let profile = economics::apply_preprocessing(&basis, &chain, catalogue).ok()?;
        let outlet = self.outlet_valued(region, fi, si, false);
        let side = SupplySide::new(
            &profile,
            from,
            catalogue.materials.get(opt.to_material as usize)?,
            opt.rule.and_then(|r| catalogue.rules.get(r as usize)),
            outlet.net_cost_per_unit,
            outlet.burnt_today(),
            catalogue,
        )?;
        let fixed_mode = stream.mode.or(region.settings.default_mode);
        let modes = usable_modes(catalogue, &profile, from, &region.settings, fixed_mode);
        Some((side, modes, profile.shelf_life_days))
    }

    /// Every hit quantified, in parallel, in the hits' order.
    pub fn quantify_all(&self, region: &Region, hits: &[PairHit]) -> Vec<PlanCandidate> {
        // Slices of hits, each into a vector of its exact capacity, then one copy into the
        // result: a `filter_map(..).collect()` grows a vector per split by doubling, and the
        // copies and fresh pages of that growth were a tenth of `match` at 100 000 facilities.
        const SLICE: usize = 2048;
        let parts: Vec<Vec<PlanCandidate>> = hits
            .par_chunks(SLICE)
            .map(|slice| {
                let mut part = Vec::with_capacity(slice.len());
                part.extend(slice.iter().filter_map(|h| self.quantify(region, h)));
                part
            })
            .collect();
        let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for part in &parts {
            out.extend_from_slice(part);
        }
        out
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
        let outlet = self.outlet_valued(region, s.facility as usize, s.stream as usize, false);
        let side = SupplySide::new(
            &profile,
            from,
            &self.catalogue.materials[opt.to_material as usize],
            rule,
            outlet.net_cost_per_unit,
            outlet.burnt_today(),
            &self.catalogue,
        )?;
        let mode = self.catalogue.mode(hit.mode)?;
        let rates = mode_rates(mode, &profile, Some(from), &self.settings, &self.catalogue).ok()?;
        let demand_side = d.side.as_ref()?;
        let flow = exchangeable_per_yr(
            stream.quantity_per_yr,
            1.0,
            &side,
            demand_side,
            d.quantity_per_yr,
            opt.max_share_pct,
        );
        let side = self.own_capped(&side, s, opt, d.facility);
        Some(evaluate(
            &side,
            demand_side,
            &rates.at_flow(flow),
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
        let site = self.access[s.facility as usize];
        let mut out: Vec<(ModeKey, f64)> = Vec::new();
        for opt in &s.options {
            // A mode this site cannot load onto reaches no partner at all.
            for rates in self.modes(opt).iter().filter(|r| {
                access_ok(self.mode_requires[r.mode.index()], site, (true, true)).is_ok()
            }) {
                let km = self.reach_km(
                    &opt.side,
                    opt.to_material as usize,
                    std::slice::from_ref(rates),
                    opt.detour_factor,
                    s.quantity_per_yr * opt.side.mass_factor,
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

/// Tonnes of landfill one source unit of a stream avoids: its mass if it is landfilled today.
fn landfill_t_per_unit(outlet: &OutletValue, basis: &StreamBasis) -> f64 {
    if outlet.diverts_landfill() {
        economics::convert_units(
            1.0,
            basis.unit,
            crate::model::Unit::Tonne,
            basis.bulk_density_t_per_m3,
        )
        .unwrap_or(0.0)
    } else {
        0.0
    }
}

/// The share of a stream that flows in months the receiver takes it: without a store, all of
/// it that can be used (`docs/ECONOMICS.md`).
pub fn months_share(stream: &OutputStream, need: &Need) -> f64 {
    let supply_months = stream.availability.month_mask();
    let both = (supply_months & need.availability.month_mask()).count_ones();
    f64::from(both) / f64::from(supply_months.count_ones().max(1))
}

/// What a pair's yearly flow depends on (see [`Engine::pair_flow`]).
#[derive(Clone, Copy, Debug, PartialEq)]
struct PairFlow {
    flow_per_yr: f64,
    deliverable_share: f64,
    delivered_per_day: f64,
    batch: Option<f64>,
    min_delivery: Option<f64>,
    intake_every_days: Option<f64>,
    shelf_life_days: Option<f64>,
}

impl PairFlow {
    fn freshness(&self, rates: &ModeRates, distance_km: f64) -> Option<Freshness> {
        self.shelf_life_days.map(|days| {
            freshness(
                days,
                rates,
                distance_km,
                self.delivered_per_day,
                self.batch,
                self.min_delivery,
                self.intake_every_days,
            )
        })
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
        if let Ok(r) = mode_rates(m, profile, Some(from), settings, catalogue) {
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
/// own unit, state, density and heating value.
fn is_default_shaped(
    stream: &crate::model::OutputStream,
    from: &crate::catalogue::Material,
) -> bool {
    stream.preprocessing.is_empty()
        && stream.unit == from.unit
        && stream.physical_state.is_none()
        && stream.bulk_density_t_per_m3.is_none()
        && (from.lhv_dry_mj_per_kg.is_none() || stream.moisture_pct.is_none())
        && !stream
            .composition
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case("ash"))
}

/// The default-shaped version of a stream (for computing the shared mode sets).
fn default_shaped(
    stream: &crate::model::OutputStream,
    from: &crate::catalogue::Material,
) -> crate::model::OutputStream {
    crate::model::OutputStream {
        unit: from.unit,
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
    /// Each company's gain at the default transfer price (the surplus halved).
    pub gains: Gains,
    /// Today's outlet of the stream, valued.
    pub outlet: OutletValue,
    /// Today's supply of the need: its price, origin and displaced CO2.
    pub demand: DemandSide,
    /// 1 - the receiver's discount.
    pub price_factor: f64,
    /// Heating value per delivered unit, MWh, when the rule counts energy.
    pub energy_mwh_per_unit: Option<f64>,
    /// Net calorific value as delivered, MJ/kg.
    pub lhv_mj_per_kg: Option<f64>,
    /// How old a perishable delivery gets, by the chosen mode.
    pub freshness: Option<Freshness>,
    /// Inner diameter of the pipeline the flow needs, m (pipeline candidates).
    pub pipe_diameter_m: Option<f64>,
}

impl Candidate {
    /// What the `GeoJSON` export writes of this candidate.
    pub fn link(&self) -> crate::io::geojson::Link {
        crate::io::geojson::Link {
            from_facility: self.from_facility,
            stream: self.stream,
            to_facility: self.to_facility,
            need: self.need,
            category: self.kind.label(),
            rule: self.rule.as_ref().map(|r| r.id.clone()),
            mode: self.value.mode.label(),
            viable: self.viable,
            distance_km: self.value.distance_km,
            break_even_km: self.value.break_even_km,
            net_value_per_unit: self.value.net_value_per_unit,
            exchanged_per_yr: self.annual.exchanged_per_yr,
            value_per_yr: self.annual.value_per_yr,
            co2_avoided_t_per_yr: self.annual.co2_avoided_t_per_yr,
            landfill_diverted_t_per_yr: self.annual.landfill_diverted_t_per_yr,
        }
    }
}

/// A hit with its quantities (see [`Engine::quantify`]): what the plan, the greedy totals and
/// the region's figures read, about a hundred bytes and no strings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanCandidate {
    pub hit: PairHit,
    pub from_facility: u32,
    pub to_facility: u32,
    /// Index into the catalogue's rules; `None` for the same material as is.
    pub rule: Option<u32>,
    /// The most source units a year the pair can carry: the stream (the share of a
    /// perishable stream that flows in months the receiver takes it), and no more than the
    /// rule's share of the need.
    pub max_source_units_per_yr: f64,
    /// The least the pair must carry a year if it runs at all (the receiver's minimum lot).
    pub min_source_units_per_yr: f64,
    /// Need units one source unit covers.
    pub need_units_per_source_unit: f64,
    /// The largest share of the need this rule may cover, %.
    pub max_share_pct: f64,
    /// Net value per source unit carried, before the fixed cost (carbon price included).
    pub value_per_source_unit: f64,
    /// Yearly cost that does not depend on the flow (a pipeline's line and connection).
    pub fixed_cost_per_yr: f64,
    pub co2_t_per_source_unit: f64,
    pub landfill_t_per_source_unit: f64,
    /// What each side gains per source unit before any payment between them (the receiver's
    /// before the fixed cost); their sum plus the carbon value is `value_per_source_unit`.
    pub sender_alone_per_source_unit: f64,
    pub receiver_alone_per_source_unit: f64,
    /// The carbon price's part of the value (society's, not the companies').
    pub carbon_value_per_source_unit: f64,
    pub tonnes_per_source_unit: f64,
    /// Through a hub (index into the hubs it was built for): the sender's leg to the hub, km
    /// by road, and the receiver's minimum lot, which the hub's pooled flow must fill.
    pub hub: Option<u32>,
    pub first_leg_km: f64,
    pub pool_lot_need_units: f64,
    /// The hub's handling per tonne (already in the value).
    pub hub_variable_cost_per_t: f64,
}

impl PlanCandidate {
    /// Net value of carrying `source_units_per_yr` a year, the fixed cost included.
    pub fn value_per_yr(&self, source_units_per_yr: f64) -> f64 {
        if source_units_per_yr <= 0.0 {
            return 0.0;
        }
        self.value_per_source_unit * source_units_per_yr - self.fixed_cost_per_yr
    }

    /// What the two companies share of it (the value without the carbon price).
    pub fn private_value_per_yr(&self, source_units_per_yr: f64) -> f64 {
        if source_units_per_yr <= 0.0 {
            return 0.0;
        }
        (self.sender_alone_per_source_unit + self.receiver_alone_per_source_unit)
            * source_units_per_yr
            - self.fixed_cost_per_yr
    }
}
