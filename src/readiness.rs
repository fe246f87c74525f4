//! What a project still lacks before its companies can sign (`docs/AGREEMENTS.md`,
//! readiness): a checklist derived from the region's data, never ticked by hand.

use crate::agreement::{
    assess, parameter_label, project_candidate, quality_from_need, quantity_text,
};
use crate::buffer::Simulation;
use crate::matching::{Candidate, Engine, PairHit, SearchOptions};
use crate::model::{Pattern, Project, Region, Role};
use crate::resilience::{pair_buffer, PairFlow};

/// One line of the checklist.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub label: &'static str,
    pub done: bool,
    /// What is there, or what is missing.
    pub detail: String,
}

impl Item {
    fn new(label: &'static str, done: bool, detail: impl Into<String>) -> Self {
        Self {
            label,
            done,
            detail: detail.into(),
        }
    }
}

/// The labels, in order.
pub const LABELS: [&str; 8] = [
    "exchange named",
    "supplier and receiver on board",
    "stream characterised",
    "supply agreement drafted",
    "off-spec risk judged",
    "buffer sized",
    "backup supplier",
    "company figures known",
];

/// The checklist of `project`. Money in its details is left out for a confidential company
/// unless `include_confidential`.
pub fn checklist(
    engine: &Engine,
    region: &Region,
    project: &Project,
    include_confidential: bool,
) -> Vec<Item> {
    let candidate = project_candidate(engine, region, project);
    checklist_for(engine, region, project, candidate, include_confidential)
}

/// [`checklist`] with the project's exchange already evaluated
/// ([`crate::agreement::project_candidate`]): the partner search is not run twice.
pub fn checklist_for(
    engine: &Engine,
    region: &Region,
    project: &Project,
    candidate: Option<Candidate>,
    include_confidential: bool,
) -> Vec<Item> {
    let stream_at = project
        .stream
        .as_deref()
        .and_then(|id| region.output_index(id));
    let need_at = project.need.as_deref().and_then(|id| region.need_index(id));
    let mut items = Vec::with_capacity(LABELS.len());
    items.push(match (stream_at, need_at, &candidate) {
        (Some((sf, si)), Some(_), Some(c)) => Item::new(
            LABELS[0],
            true,
            format!(
                "{} {} a year",
                quantity_text(c.annual.exchanged_per_yr),
                crate::agreement::delivered_unit(engine, &region.facilities[sf].outputs[si])
                    .symbol()
            ),
        ),
        (Some(_), Some(_), None) => Item::new(
            LABELS[0],
            false,
            "no catalogue rule links its stream and need",
        ),
        _ => Item::new(LABELS[0], false, "name the stream and the need"),
    });
    let (Some((sf, si)), Some((nf, ni)), Some(c)) = (stream_at, need_at, candidate) else {
        // Nothing else can be judged without the exchange.
        for label in &LABELS[1..] {
            items.push(Item::new(label, false, "needs the exchange named"));
        }
        return items;
    };
    let stream = &region.facilities[sf].outputs[si];
    let need = &region.facilities[nf].needs[ni];

    // Members.
    let on_board = |role: Role, facility: usize| {
        project.members.iter().any(|m| {
            m.role == role && m.facility.as_deref() == Some(&region.facilities[facility].id)
        })
    };
    let missing: Vec<String> = [(Role::Supplier, sf), (Role::Receiver, nf)]
        .into_iter()
        .filter(|&(role, f)| !on_board(role, f))
        .map(|(role, f)| format!("{} as {}", region.facilities[f].name, role.label()))
        .collect();
    items.push(Item::new(
        LABELS[1],
        missing.is_empty(),
        if missing.is_empty() {
            "both are members".to_owned()
        } else {
            format!("add {}", missing.join(" and "))
        },
    ));

    // Characterisation: the CV and every quality parameter the receiver limits.
    let limits = project
        .agreement
        .as_ref()
        .map_or_else(|| quality_from_need(need), |a| a.quality.clone());
    let mut unknown: Vec<String> = Vec::new();
    if stream.variability_cv_pct.is_none() {
        unknown.push("variability (CV)".to_owned());
    }
    for l in &limits {
        let known = if l.parameter == crate::model::MOISTURE_PARAMETER {
            stream.moisture_pct.is_some()
        } else {
            stream
                .composition
                .iter()
                .any(|k| k.name.eq_ignore_ascii_case(&l.parameter))
        };
        if !known {
            unknown.push(parameter_label(&l.parameter));
        }
    }
    items.push(Item::new(
        LABELS[2],
        unknown.is_empty(),
        if unknown.is_empty() {
            match limits.len() {
                0 => format!(
                    "CV {} %; no quality limits to measure",
                    stream.variability_cv_pct.unwrap_or(0.0)
                ),
                n => format!(
                    "CV {} %, {n} limited parameter{} measured",
                    stream.variability_cv_pct.unwrap_or(0.0),
                    if n == 1 { "" } else { "s" }
                ),
            }
        } else {
            format!("no data on the stream's {}", unknown.join(", "))
        },
    ));

    // The agreement's terms.
    let assessment = project
        .agreement
        .as_ref()
        .map(|a| (a, assess(engine, region, &c, a)));
    items.push(match &assessment {
        None => Item::new(LABELS[3], false, "no supply agreement yet"),
        Some((a, _)) => {
            let mut lacking = Vec::new();
            if a.quality.is_empty() && !need.spec.is_empty() {
                lacking.push("quality limits");
            }
            if a.min_per_yr.is_none() && a.max_per_yr.is_none() {
                lacking.push("volume");
            }
            if a.penalty_short_per_unit.is_none() && a.penalty_off_spec_per_unit.is_none() {
                lacking.push("penalties");
            }
            if a.duration_yr.is_none() && a.notice_months.is_none() {
                lacking.push("duration or notice");
            }
            Item::new(
                LABELS[3],
                lacking.is_empty(),
                if lacking.is_empty() {
                    "quality, volume, price, penalties and term agreed".to_owned()
                } else {
                    format!("missing: {}", lacking.join(", "))
                },
            )
        }
    });
    items.push(match &assessment {
        None => Item::new(LABELS[4], false, "no agreement to judge"),
        Some((terms, _)) if terms.quality.is_empty() => Item::new(
            LABELS[4],
            need.spec.is_empty(),
            if need.spec.is_empty() {
                "no quality limits agreed, and the need states none"
            } else {
                "no quality limits agreed, though the need has a specification"
            },
        ),
        Some((_, a)) => match (a.off_spec_probability, a.off_spec_probability_low) {
            (Some(p), Some(low)) => Item::new(
                LABELS[4],
                true,
                if crate::disclosure::withheld(region, sf, nf, include_confidential) {
                    format!(
                        "{} of deliveries off-spec",
                        crate::agreement::percent_range(low, p)
                    )
                } else {
                    format!(
                        "{} of deliveries off-spec, expected penalties {} {} a year",
                        crate::agreement::percent_range(low, p),
                        quantity_text(a.penalties_per_yr().round()),
                        region.currency
                    )
                },
            ),
            _ => Item::new(
                LABELS[4],
                false,
                "the stream's spread or a limited value is unknown",
            ),
        },
    });

    // Buffer: needed when the stream comes in batches or in months the need does not match.
    let batches = matches!(stream.availability.pattern, Pattern::Batches { .. });
    let months_differ = stream.availability.month_mask() != need.availability.month_mask();
    items.push(if batches || months_differ {
        let flow = PairFlow::of_candidate(&c);
        let agreed = project.agreement.as_ref().and_then(|a| a.buffer_t);
        let holder = project.agreement.as_ref().and_then(|a| a.buffer_holder);
        match pair_buffer(engine, region, &flow, Simulation::default()) {
            Ok(sizing) => {
                let needed = sizing.capacity_t;
                match (agreed, holder) {
                    (Some(t), Some(h)) if t >= needed => Item::new(
                        LABELS[5],
                        true,
                        format!(
                            "{} t held by the {} (needs {} t)",
                            quantity_text(t),
                            h.label(),
                            quantity_text(needed)
                        ),
                    ),
                    (Some(t), _) if t < needed => Item::new(
                        LABELS[5],
                        false,
                        format!(
                            "{} t agreed, the pattern needs {} t",
                            quantity_text(t),
                            quantity_text(needed)
                        ),
                    ),
                    _ => Item::new(
                        LABELS[5],
                        false,
                        format!(
                            "the pattern needs {} t ({:.0} days of use): agree its size{}",
                            quantity_text(needed),
                            sizing.days_of_cover,
                            if holder.is_some() {
                                ""
                            } else {
                                " and who holds it"
                            }
                        ),
                    ),
                }
            }
            Err(e) => Item::new(LABELS[5], false, format!("cannot be sized: {e}")),
        }
    } else {
        Item::new(
            LABELS[5],
            true,
            "steady supply in the need's months: none needed",
        )
    });

    // Backup: another viable supplier of the need.
    items.push(match backup_supplier(engine, region, (nf, ni), (sf, si)) {
        Some(b) => Item::new(
            LABELS[6],
            true,
            format!(
                "{} ({:.0} km)",
                region.facilities[b.from_facility].name, b.value.distance_km
            ),
        ),
        None => Item::new(
            LABELS[6],
            false,
            if need.supply.supplier.is_empty() {
                "no other supplier within reach: keep today's supply under contract".to_owned()
            } else {
                format!(
                    "no other supplier within reach: keep {} under contract",
                    need.supply.supplier
                )
            },
        ),
    });

    // Company figures: the outlet's cost and the need's price, not the catalogue's.
    let mut assumed = Vec::new();
    let o = &stream.outlet;
    if c.outlet.assumed || (o.cost_per_unit.is_none() && o.revenue_per_unit.is_none()) {
        assumed.push(format!(
            "{} cost of its outlet today",
            crate::agreement::possessive(&region.facilities[sf].name)
        ));
    }
    if need.supply.price_per_unit.is_none() {
        assumed.push(format!(
            "{} price paid today",
            crate::agreement::possessive(&region.facilities[nf].name)
        ));
    }
    let confidential = [sf, nf]
        .iter()
        .any(|&f| crate::disclosure::confidential(region, f));
    items.push(Item::new(
        LABELS[7],
        assumed.is_empty(),
        if assumed.is_empty() {
            "both companies' own figures".to_owned()
        } else {
            format!(
                "catalogue figures stand in for {}{}",
                assumed.join(" and "),
                if confidential {
                    " (confidential: ask the company)"
                } else {
                    ""
                }
            )
        },
    ));
    items
}

/// How many of the checklist's items are done.
pub fn score(items: &[Item]) -> (usize, usize) {
    (items.iter().filter(|i| i.done).count(), items.len())
}

/// The best viable supplier of the need other than the project's own stream.
fn backup_supplier(
    engine: &Engine,
    region: &Region,
    (nf, ni): (usize, usize),
    (sf, si): (usize, usize),
) -> Option<Candidate> {
    let d = engine.demand_index(nf, ni)?;
    let mut hits: Vec<PairHit> = Vec::new();
    engine.search_demand(region, d, &SearchOptions::default(), &mut hits);
    hits.iter()
        .filter(|h| {
            let s = &engine.supplies[h.supply as usize];
            !(s.facility as usize == sf && s.stream as usize == si)
        })
        .filter_map(|h| engine.explain(region, h))
        .filter(|c| c.viable)
        .max_by(|a, b| a.annual.value_per_yr.total_cmp(&b.annual.value_per_yr))
}
