//! Specification and availability checks of one stream against one need (and the rule that links
//! them): the reasons a candidate matched or failed, and what would fix a failure.

use crate::catalogue::{Catalogue, Rule};
use crate::economics::DeliveredProfile;
use crate::model::{Constituent, Need, OutputStream, Pattern, PhysicalState};
use crate::reference::EwcList;

/// How a check came out, from harmless to blocking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Pass,
    /// Worth knowing (unknown data, storage needed) but not blocking.
    Note,
    /// Fails as delivered, would pass after a named step.
    Fixable,
    Fail,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Pass => "pass",
            Level::Note => "note",
            Level::Fixable => "fixable",
            Level::Fail => "fail",
        }
    }
}

/// One line of a candidate's reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub level: Level,
    /// What was checked: `moisture`, `state`, `purity`, `contaminant`, `hazardous`,
    /// `variability`, `months`, `pattern`, `lot`.
    pub aspect: &'static str,
    pub message: String,
    /// Key of the preprocessing option that would fix a `Fixable` check.
    pub fix_step: Option<String>,
}

impl Check {
    fn new(level: Level, aspect: &'static str, message: String) -> Self {
        Self {
            level,
            aspect,
            message,
            fix_step: None,
        }
    }
}

/// Hazardous by its own flag or by its EWC entry (a starred code).
pub fn is_hazardous(stream: &OutputStream) -> bool {
    stream.hazardous
        || stream
            .ewc_code
            .as_deref()
            .and_then(|c| EwcList::get().lookup(c))
            .is_some_and(|e| e.hazardous)
}

/// A stream with nothing any receiver could object to beyond its material: not hazardous, no
/// stated variability, flowing all year. With a plain need and a rule without limits,
/// [`check_pair`] would find nothing, and the partner search skips it.
pub fn stream_is_plain(stream: &OutputStream) -> bool {
    !is_hazardous(stream)
        && stream.variability_cv_pct.is_none()
        && stream.availability == crate::model::Availability::default()
}

/// A need without specification, served all year.
pub fn need_is_plain(need: &Need) -> bool {
    need.spec.is_empty() && need.availability == crate::model::Availability::default()
}

/// All checks of a stream (as delivered after its preprocessing) against a need.
/// `need_units_per_source_unit`: what one unit of the stream replaces of the need, in the
/// need's unit (to compare lots).
pub fn check_pair(
    stream: &OutputStream,
    profile: &DeliveredProfile,
    need: &Need,
    rule: Option<&Rule>,
    catalogue: &Catalogue,
    need_units_per_source_unit: f64,
) -> Vec<Check> {
    let mut out = Vec::new();
    let rule_spec = rule.map(|r| &r.spec);
    let min_opt = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };

    // Moisture.
    if let Some(limit) = min_opt(
        need.spec.max_moisture_pct,
        rule_spec.and_then(|s| s.max_moisture_pct),
    ) {
        match profile.moisture_pct {
            None => out.push(Check::new(
                Level::Note,
                "moisture",
                format!("moisture unknown; the receiver accepts at most {limit} %"),
            )),
            Some(w) if w <= limit => out.push(Check::new(
                Level::Pass,
                "moisture",
                format!("moisture {w:.0} % within the limit of {limit} %"),
            )),
            Some(w) => {
                let fix = catalogue.preprocessing.iter().find(|p| {
                    p.applies_to.contains(&profile.state)
                        && p.moisture
                            .as_ref()
                            .is_some_and(|m| m.min_target_pct <= limit)
                        && !stream.preprocessing.iter().any(|s| s.step == p.key)
                });
                match fix {
                    Some(p) => out.push(Check {
                        level: Level::Fixable,
                        aspect: "moisture",
                        message: format!(
                            "too wet: {w:.0} % against at most {limit} %; would pass after {} to {limit} % or less",
                            p.name.to_lowercase()
                        ),
                        fix_step: Some(p.key.clone()),
                    }),
                    None => out.push(Check::new(
                        Level::Fail,
                        "moisture",
                        format!("too wet: {w:.0} % against at most {limit} %"),
                    )),
                }
            }
        }
    }

    // Physical state.
    let accepted: Vec<PhysicalState> = match (
        need.spec.accepted_states.as_slice(),
        rule_spec.map_or(&[][..], |s| s.accepted_states.as_slice()),
    ) {
        ([], r) => r.to_vec(),
        (n, []) => n.to_vec(),
        (n, r) => n.iter().copied().filter(|s| r.contains(s)).collect(),
    };
    let any_state_limit = !need.spec.accepted_states.is_empty()
        || rule_spec.is_some_and(|s| !s.accepted_states.is_empty());
    if any_state_limit {
        let list = accepted
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join(" or ");
        if accepted.contains(&profile.state) {
            out.push(Check::new(
                Level::Pass,
                "state",
                format!("delivered as {}, accepted", profile.state),
            ));
        } else if let Some(p) = catalogue.preprocessing.iter().find(|p| {
            p.applies_to.contains(&profile.state)
                && p.output_state.is_some_and(|s| accepted.contains(&s))
        }) {
            out.push(Check {
                level: Level::Fixable,
                aspect: "state",
                message: format!(
                    "delivered as {} but the receiver takes {list}; would pass after {}",
                    profile.state,
                    p.name.to_lowercase()
                ),
                fix_step: Some(p.key.clone()),
            });
        } else {
            out.push(Check::new(
                Level::Fail,
                "state",
                format!(
                    "delivered as {} but the receiver takes {}",
                    profile.state,
                    if list.is_empty() {
                        "nothing in common with the rule".to_owned()
                    } else {
                        list
                    }
                ),
            ));
        }
    }

    // Composition limits.
    let find = |name: &str| -> Option<f64> {
        stream
            .composition
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| c.mass_pct)
    };
    let mins = need
        .spec
        .min_constituents
        .iter()
        .chain(rule_spec.map_or(&[][..], |s| s.min_constituents.as_slice()));
    for Constituent {
        name,
        mass_pct: min,
        ..
    } in mins
    {
        out.push(match find(name) {
            None => Check::new(
                Level::Note,
                "purity",
                format!("{name} not given in the composition; the receiver needs at least {min} %"),
            ),
            Some(v) if v >= *min => Check::new(
                Level::Pass,
                "purity",
                format!("{name} {v} % meets the minimum of {min} %"),
            ),
            Some(v) => Check::new(
                Level::Fail,
                "purity",
                format!("{name} {v} % below the minimum of {min} %"),
            ),
        });
    }
    let maxes = need
        .spec
        .max_constituents
        .iter()
        .chain(rule_spec.map_or(&[][..], |s| s.max_constituents.as_slice()));
    for Constituent {
        name,
        mass_pct: max,
        ..
    } in maxes
    {
        out.push(match find(name) {
            None => Check::new(
                Level::Note,
                "contaminant",
                format!(
                    "{name} not given in the composition; the receiver accepts at most {max} %"
                ),
            ),
            Some(v) if v <= *max => Check::new(
                Level::Pass,
                "contaminant",
                format!("{name} {v} % within the limit of {max} %"),
            ),
            Some(v) => Check::new(
                Level::Fail,
                "contaminant",
                format!("{name} {v} % above the limit of {max} %"),
            ),
        });
    }

    // Hazardous waste needs a permitted receiver.
    if is_hazardous(stream) {
        let permitted =
            need.spec.accepts_hazardous || rule_spec.is_some_and(|s| s.accepts_hazardous);
        out.push(if permitted {
            Check::new(
                Level::Pass,
                "hazardous",
                "hazardous waste; the receiver holds the permit".to_owned(),
            )
        } else {
            Check::new(
                Level::Fail,
                "hazardous",
                "hazardous waste; the receiver has no permit to take it".to_owned(),
            )
        });
    }

    // Consistency.
    if let Some(limit) = min_opt(
        need.spec.max_variability_cv_pct,
        rule_spec.and_then(|s| s.max_variability_cv_pct),
    ) {
        out.push(match stream.variability_cv_pct {
            None => Check::new(
                Level::Note,
                "variability",
                format!("variability unknown; the receiver tolerates a CV of {limit} %"),
            ),
            Some(cv) if cv <= limit => Check::new(
                Level::Pass,
                "variability",
                format!("variability (CV {cv} %) within {limit} %"),
            ),
            Some(cv) => Check::new(
                Level::Fixable,
                "variability",
                format!("variability (CV {cv} %) above the {limit} % the receiver tolerates: needs homogenising storage or blending"),
            ),
        });
    }

    // Heating value: what a boiler or kiln can burn.
    if let Some(min) = need.spec.min_lhv_mj_per_kg {
        out.push(heating_value_check(stream, profile, min, catalogue));
    }

    availability_checks(stream, need, need_units_per_source_unit, &mut out);
    out
}

/// The delivered net calorific value against a receiver's minimum, with the drying that would
/// reach it.
fn heating_value_check(
    stream: &OutputStream,
    profile: &DeliveredProfile,
    min: f64,
    catalogue: &Catalogue,
) -> Check {
    let Some(q) = profile.lhv_mj_per_kg else {
        return Check::new(
            Level::Note,
            "heating value",
            format!("heating value unknown; the receiver burns at least {min} MJ/kg"),
        );
    };
    if q >= min {
        return Check::new(
            Level::Pass,
            "heating value",
            format!("{q:.1} MJ/kg as delivered, at least the {min} MJ/kg the receiver burns"),
        );
    }
    // Drying to the technique's limit: does the heating value then reach the minimum?
    let latent = catalogue.defaults.water_latent_heat_mj_per_kg;
    let dry = profile
        .lhv_dry_mj_per_kg
        .zip(profile.moisture_pct)
        .and_then(|(q_dry, w)| {
            catalogue.preprocessing.iter().find_map(|p| {
                let m = p.moisture.as_ref()?;
                let reach =
                    crate::economics::lhv_as_received_mj_per_kg(q_dry, m.min_target_pct, latent);
                (p.applies_to.contains(&profile.state)
                    && m.min_target_pct < w
                    && reach >= min
                    && !stream.preprocessing.iter().any(|s| s.step == p.key))
                .then(|| {
                    // The moisture at which the heating value is the minimum.
                    (p, 100.0 * (q_dry - min) / (q_dry + latent))
                })
            })
        });
    match dry {
        Some((p, w_needed)) => Check {
            level: Level::Fixable,
            aspect: "heating value",
            message: format!(
                "{q:.1} MJ/kg as delivered, below the {min} MJ/kg the receiver burns; would pass after {} to {w_needed:.0} % moisture or less",
                p.name.to_lowercase()
            ),
            fix_step: Some(p.key.clone()),
        },
        None => Check::new(
            Level::Fail,
            "heating value",
            format!("{q:.1} MJ/kg as delivered, below the {min} MJ/kg the receiver burns"),
        ),
    }
}

/// A perishable delivery against its shelf life, and the step that would stabilise it.
pub fn freshness_check(
    f: &crate::economics::Freshness,
    catalogue: &Catalogue,
    stream: &OutputStream,
    state: PhysicalState,
) -> Check {
    let breakdown = format!(
        "{:.1} days gathering a delivery, {:.1} on the way, {:.1} in use at the receiver",
        f.wait_at_source_days, f.transit_days, f.use_days
    );
    if !f.spoils() {
        return Check::new(
            Level::Pass,
            "perishability",
            format!(
                "keeps {:.0} days; used within {:.1} ({breakdown})",
                f.shelf_life_days, f.age_days
            ),
        );
    }
    let fix = catalogue.preprocessing.iter().find(|p| {
        p.applies_to.contains(&state)
            && p.shelf_life_days.is_some_and(|d| d >= f.age_days)
            && !stream.preprocessing.iter().any(|s| s.step == p.key)
    });
    let age = if f.age_days.is_finite() {
        format!("{:.1} days", f.age_days)
    } else {
        "for ever (nothing flows)".to_owned()
    };
    Check {
        level: Level::Fail,
        aspect: "perishability",
        message: format!(
            "spoils: keeps {:.0} days but would be used after {age} ({breakdown}){}",
            f.shelf_life_days,
            fix.map_or(String::new(), |p| format!(
                "; {} would keep it",
                p.name.to_lowercase()
            ))
        ),
        fix_step: fix.map(|p| p.key.clone()),
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Jan, Feb, Dec` for the months whose bits are set.
pub fn month_list(mask: u16) -> String {
    (0..12)
        .filter(|m| mask & (1 << m) != 0)
        .map(|m| MONTHS[m])
        .collect::<Vec<_>>()
        .join(", ")
}

fn availability_checks(
    stream: &OutputStream,
    need: &Need,
    need_units_per_source_unit: f64,
    out: &mut Vec<Check>,
) {
    let supply = stream.availability.month_mask();
    let demand = need.availability.month_mask();
    if supply & demand == 0 {
        out.push(Check::new(
            Level::Fail,
            "months",
            format!(
                "never available when needed: supply in {}, need in {}",
                month_list(supply),
                month_list(demand)
            ),
        ));
        return;
    }
    if demand & !supply != 0 {
        out.push(Check::new(
            Level::Note,
            "months",
            format!(
                "need uncovered in {}: a backup supplier or stock is needed",
                month_list(demand & !supply)
            ),
        ));
    }
    if supply & !demand & 0x0fff != 0 {
        out.push(Check::new(
            Level::Note,
            "months",
            format!(
                "no outlet in {}: storage, or disposal continues then",
                month_list(supply & !demand)
            ),
        ));
    }
    let unit = stream.unit;
    let per_day =
        stream.quantity_per_yr / (30.4 * f64::from(stream.availability.active_months().max(1)));
    match (&stream.availability.pattern, &need.availability.pattern) {
        (Pattern::Batches { batch_quantity, every_days }, Pattern::Continuous) => out.push(Check::new(
            Level::Note,
            "pattern",
            format!(
                "batches of {batch_quantity} {unit} every {every_days} days against a continuous need: buffer storage of about {batch_quantity} {unit}"
            ),
        )),
        (Pattern::Continuous, Pattern::Batches { batch_quantity, every_days }) => out.push(Check::new(
            Level::Note,
            "pattern",
            format!(
                "the receiver takes {batch_quantity} {} every {every_days} days: storage at the source of about {:.0} {unit}",
                need.unit,
                per_day * every_days
            ),
        )),
        (Pattern::Batches { every_days: a, .. }, Pattern::Batches { every_days: b, .. }) if (a - b).abs() > 0.5 => {
            out.push(Check::new(
                Level::Note,
                "pattern",
                format!("batches every {a} days against deliveries every {b} days: schedule or buffer needed"),
            ));
        }
        _ => {}
    }
    if let Some(lot) = need.spec.min_lot {
        // The lot is in the need's unit; a batch and the daily flow in the stream's.
        let k = need_units_per_source_unit;
        let batch = match stream.availability.pattern {
            Pattern::Batches { batch_quantity, .. } => Some(batch_quantity),
            Pattern::Continuous => None,
        };
        match batch {
            Some(b) if k > 0.0 && b * k >= lot => out.push(Check::new(
                Level::Pass,
                "lot",
                format!(
                    "batches of {b} {unit} ({:.1} {} of need) meet the minimum lot of {lot} {}",
                    b * k,
                    need.unit,
                    need.unit
                ),
            )),
            _ if per_day > 0.0 && k > 0.0 => out.push(Check::new(
                Level::Note,
                "lot",
                format!(
                    "a lot of {lot} {} ({:.1} {unit} of the stream) gathers in about {:.1} days: storage of that size at the source",
                    need.unit,
                    lot / k,
                    lot / k / per_day
                ),
            )),
            _ => {}
        }
    }
}

/// Outlets that contradict themselves: a stream that is sold (or used on site) and also pays
/// for its disposal, one that is disposed of and also earns, or one whose description says it
/// is sold while its outlet is a paid disposal (typical of files from before version 3, where
/// one `disposal_cost_per_unit` stood for both), or one paid for disposal although its
/// material sells on its market. One line per stream, naming it.
pub fn outlet_warnings(region: &crate::model::Region, catalogue: &Catalogue) -> Vec<String> {
    use crate::model::OutletKind;
    let mut out = Vec::new();
    for f in &region.facilities {
        for o in &f.outputs {
            let outlet = &o.outlet;
            let cost = outlet.cost_per_unit.unwrap_or(0.0);
            let revenue = outlet.revenue_per_unit.unwrap_or(0.0);
            let name = format!("{} ({}), stream `{}`", f.name, f.id, o.id);
            let text = format!("{} {}", o.description, outlet.buyer).to_lowercase();
            // Whole words: "unsold bread" is not a sale.
            let says_sold = text
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| matches!(w, "sold" | "sells" | "sale" | "trader" | "traders"));
            match outlet.kind {
                k if k.earns() && cost > 0.0 => out.push(format!(
                    "{name}: {} and also pays {cost} per {} for disposal; an exchange saves only one of them",
                    k.label(),
                    o.unit
                )),
                OutletKind::Sold | OutletKind::UsedOnSite | OutletKind::GivenAway => {}
                k if revenue > 0.0 => out.push(format!(
                    "{name}: goes to {} and also earns {revenue} per {}; which is it?",
                    k.label(),
                    o.unit
                )),
                k if says_sold && cost > 0.0 => out.push(format!(
                    "{name}: its description says it is sold, but its outlet is {} at a cost of {cost} per {}; set the outlet to `sold` with its price",
                    k.label(),
                    o.unit
                )),
                k if cost > 0.0 => {
                    let market = catalogue
                        .material(&o.material)
                        .and_then(|m| m.market_price_range_per_unit.map(|r| (r, m.unit)));
                    if let Some(([low, high], unit)) = market.filter(|([low, _], _)| *low > 0.0) {
                        out.push(format!(
                            "{name}: pays {cost} per {} for {} although its material sells at {low}-{high} per {unit}; is that its outlet?",
                            o.unit,
                            k.label()
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The most severe level of a list of checks.
pub fn worst(checks: &[Check]) -> Level {
    checks.iter().map(|c| c.level).max().unwrap_or(Level::Pass)
}
