//! The projects with their supply agreements judged and their readiness, as text, JSON and
//! CSV (`symbiomap projects`). Money of a project with a confidential company is left out
//! unless asked for, as in every export (`crate::disclosure`).

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::agreement::{
    assess, parameter_label, project_candidate, quantity_text as qty, Assessment, MeanBasis,
};
use crate::matching::{Candidate, Engine};
use crate::model::{Project, Region, SupplyAgreement};
use crate::readiness::{checklist_for, score, Item};

/// One project, judged.
#[derive(Clone, Debug)]
pub struct ProjectReport {
    /// Index into the region's projects.
    pub index: usize,
    pub candidate: Option<Candidate>,
    pub assessment: Option<Assessment>,
    pub readiness: Vec<Item>,
    /// Its money figures are left out (a confidential company, not asked for).
    pub withheld: bool,
    /// The unit the stream is delivered in.
    pub unit: Option<crate::model::Unit>,
}

/// Every project of the region, judged.
pub fn reports(engine: &Engine, region: &Region, include_confidential: bool) -> Vec<ProjectReport> {
    region
        .projects
        .iter()
        .enumerate()
        .map(|(index, p)| report(engine, region, index, p, include_confidential))
        .collect()
}

/// One project, judged.
pub fn report(
    engine: &Engine,
    region: &Region,
    index: usize,
    project: &Project,
    include_confidential: bool,
) -> ProjectReport {
    let candidate = project_candidate(engine, region, project);
    let assessment = match (&candidate, &project.agreement) {
        (Some(c), Some(a)) => Some(assess(engine, region, c, a)),
        _ => None,
    };
    let withheld = candidate.as_ref().is_some_and(|c| {
        crate::disclosure::withheld(region, c.from_facility, c.to_facility, include_confidential)
    });
    let unit = project
        .stream
        .as_deref()
        .and_then(|id| region.output_index(id))
        .map(|(f, o)| crate::agreement::delivered_unit(engine, &region.facilities[f].outputs[o]));
    let readiness = checklist_for(
        engine,
        region,
        project,
        candidate.clone(),
        include_confidential,
    );
    ProjectReport {
        index,
        candidate,
        assessment,
        readiness,
        withheld,
        unit,
    }
}

/// The price terms in words: `14.00 EUR/t fixed`.
pub fn price_terms(a: &SupplyAgreement, currency: &str, unit: &str) -> String {
    use crate::model::PriceBasis;
    let v = a.price.value;
    match a.price.basis {
        PriceBasis::Fixed if v < 0.0 => {
            format!("gate fee {:.2} {currency}/{unit} paid by the supplier", -v)
        }
        PriceBasis::Fixed => format!("{v:.2} {currency}/{unit} fixed"),
        PriceBasis::ShareOfCurrent => format!("{v:.0} % of today's purchase price"),
        PriceBasis::SurplusShare => format!("the supplier gets {v:.0} % of the surplus"),
    }
}

/// The volume, schedule, term and buffer in words.
pub fn terms_line(a: &SupplyAgreement, unit: &str) -> String {
    let mut parts = Vec::new();
    match (a.min_per_yr, a.max_per_yr) {
        (Some(lo), Some(hi)) => parts.push(format!("{}-{} {unit} a year", qty(lo), qty(hi))),
        (Some(lo), None) => parts.push(format!("at least {} {unit} a year", qty(lo))),
        (None, Some(hi)) => parts.push(format!("at most {} {unit} a year", qty(hi))),
        (None, None) => parts.push("no volume agreed".to_owned()),
    }
    match a.delivery_every_days {
        Some(d) => parts.push(format!("a delivery every {} days", qty(d))),
        None => parts.push("a steady flow".to_owned()),
    }
    if !a.delivery_months.is_empty() {
        let mask = crate::model::month_mask(&a.delivery_months);
        parts.push(format!("in {}", crate::checks::month_list(mask)));
    }
    let mut term = String::new();
    if let Some(y) = a.duration_yr {
        let _ = write!(term, "{} years", qty(y));
    }
    if !a.start.is_empty() {
        let _ = write!(term, " from {}", a.start);
    }
    if let Some(n) = a.notice_months {
        let _ = write!(term, ", {} months' notice", qty(n));
    }
    if !term.is_empty() {
        parts.push(term.trim().to_owned());
    }
    if let Some(h) = a.buffer_holder {
        parts.push(match a.buffer_t {
            Some(t) => format!("buffer {} t held by the {}", qty(t), h.label()),
            None => format!("buffer held by the {} (size not agreed)", h.label()),
        });
    }
    parts.join("; ")
}

/// The projects as text, for the terminal.
pub fn text(region: &Region, reports: &[ProjectReport]) -> String {
    let cur = &region.currency;
    let mut out = String::new();
    if reports.is_empty() {
        out.push_str("no projects in this region\n");
    }
    for r in reports {
        let p = &region.projects[r.index];
        let _ = writeln!(out, "{} {} ({})", p.id, p.name, p.stage.label());
        if let Some(c) = &r.candidate {
            let _ = writeln!(
                out,
                "  exchange    {} -> {}, {} {} a year by {} over {:.1} km",
                p.stream.as_deref().unwrap_or("?"),
                p.need.as_deref().unwrap_or("?"),
                qty(c.annual.exchanged_per_yr),
                r.unit.map_or("", crate::model::Unit::symbol),
                c.value.mode.label(),
                c.value.distance_km
            );
        }
        if let (Some(a), Some(s)) = (&p.agreement, &r.assessment) {
            let unit = s.unit.symbol();
            let price = if r.withheld {
                "price withheld (confidential)".to_owned()
            } else {
                match a.price.basis {
                    crate::model::PriceBasis::Fixed => price_terms(a, cur, unit),
                    _ => format!(
                        "{} = {:.2} {cur}/{unit}",
                        price_terms(a, cur, unit),
                        s.price_per_unit
                    ),
                }
            };
            let _ = writeln!(out, "  agreement   {price}");
            let _ = writeln!(out, "              {}", terms_line(a, unit));
            for q in &s.quality {
                let _ = writeln!(out, "  quality     {}", quality_line(q));
            }
            let risk = match (s.off_spec_probability_low, s.off_spec_probability) {
                _ if s.quality.is_empty() => "no quality limits agreed".to_owned(),
                (Some(lo), Some(hi)) => format!(
                    "{} of deliveries off-spec ({} {unit} a year)",
                    crate::agreement::percent_range(lo, hi),
                    qty(s.off_spec_per_yr.unwrap_or(0.0))
                ),
                _ => "off-spec share unknown (no CV or no analysis)".to_owned(),
            };
            let _ = writeln!(
                out,
                "  risk        {risk}; expected short {} {unit} a year",
                qty(s.shortfall_per_yr)
            );
            if !r.withheld {
                let _ = writeln!(
                    out,
                    "  penalties   {} {cur} off-spec + {} {cur} short a year expected",
                    qty(s.off_spec_penalty_per_yr.unwrap_or(0.0).round()),
                    qty(s.short_penalty_per_yr.round())
                );
                let _ = writeln!(out,
                    "  gains       supplier {} {cur}, receiver {} {cur} a year at the agreed price (before penalties)",
                    qty(s.sender_gain_per_yr.round()),
                    qty(s.receiver_gain_per_yr.round())
                );
            }
            for f in &s.findings {
                let _ = writeln!(out, "  ! {f}");
            }
        } else {
            out.push_str("  agreement   none yet\n");
        }
        let (done, total) = score(&r.readiness);
        let _ = writeln!(out, "  readiness   {done}/{total}");
        for i in &r.readiness {
            let _ = writeln!(
                out,
                "    [{}] {}: {}",
                if i.done { 'x' } else { ' ' },
                i.label,
                i.detail
            );
        }
    }
    out
}

/// `unburnt carbon <= 5 %: mean 3.8 % (the stream's), 0.9 % of deliveries outside`.
pub fn quality_line(q: &crate::agreement::QualityRisk) -> String {
    let l = &q.limit;
    let range = match (l.min_pct, l.max_pct) {
        (Some(lo), Some(hi)) => format!("{lo}-{hi} %"),
        (Some(lo), None) => format!(">= {lo} %"),
        (None, Some(hi)) => format!("<= {hi} %"),
        (None, None) => "no limit".to_owned(),
    };
    let mean = match q.mean {
        Some((m, basis)) => format!("mean {m} % ({})", basis.label()),
        None => "mean unknown".to_owned(),
    };
    let p = q.probability.map_or_else(
        || "share outside unknown".to_owned(),
        |p| format!("{:.2} % of deliveries outside", 100.0 * p),
    );
    format!("{} {range}: {mean}, {p}", parameter_label(&l.parameter))
}

/// The projects as JSON.
pub fn to_json(region: &Region, reports: &[ProjectReport]) -> Value {
    let money = |withheld: bool, v: f64| if withheld { Value::Null } else { json!(v) };
    let items: Vec<Value> = reports
        .iter()
        .map(|r| {
            let p = &region.projects[r.index];
            let assessment = r.assessment.as_ref().map(|s| {
                json!({
                    "unit": s.unit.symbol(),
                    "cv_pct": s.cv_pct,
                    "quality": s.quality.iter().map(|q| json!({
                        "parameter": q.limit.parameter,
                        "min_pct": q.limit.min_pct,
                        "max_pct": q.limit.max_pct,
                        "mean_pct": q.mean.map(|m| m.0),
                        "mean_basis": q.mean.map(|m| match m.1 {
                            MeanBasis::Stream => "stream",
                            MeanBasis::Preprocessed => "preprocessed",
                            MeanBasis::Typical => "typical",
                        }),
                        "off_spec_probability": q.probability,
                    })).collect::<Vec<_>>(),
                    "off_spec_probability": s.off_spec_probability,
                    "off_spec_probability_low": s.off_spec_probability_low,
                    "deliveries_per_yr": s.deliveries_per_yr,
                    "exchangeable_per_yr": s.exchangeable_per_yr,
                    "expected_per_yr": s.expected_per_yr,
                    "off_spec_per_yr": s.off_spec_per_yr,
                    "shortfall_per_yr": s.shortfall_per_yr,
                    "off_spec_penalty_per_yr": if r.withheld { Value::Null } else { json!(s.off_spec_penalty_per_yr) },
                    "short_penalty_per_yr": money(r.withheld, s.short_penalty_per_yr),
                    "price_per_unit": money(r.withheld, s.price_per_unit),
                    "sender_gain_per_yr": money(r.withheld, s.sender_gain_per_yr),
                    "receiver_gain_per_yr": money(r.withheld, s.receiver_gain_per_yr),
                    "findings": s.findings,
                })
            });
            let (done, total) = score(&r.readiness);
            json!({
                "id": p.id,
                "name": p.name,
                "stage": p.stage,
                "stream_id": p.stream,
                "need_id": p.need,
                "figures_withheld": r.withheld,
                "exchangeable_per_yr": r.candidate.as_ref().map(|c| c.annual.exchanged_per_yr),
                "distance_km": r.candidate.as_ref().map(|c| c.value.distance_km),
                "agreement": p.agreement.as_ref().map(|a| {
                    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
                    if r.withheld {
                        if let Some(o) = v.as_object_mut() {
                            for k in ["price", "penalty_short_per_unit", "penalty_off_spec_per_unit"] {
                                if o.contains_key(k) {
                                    o.insert(k.to_owned(), Value::Null);
                                }
                            }
                        }
                    }
                    v
                }),
                "assessment": assessment,
                "readiness": {
                    "done": done,
                    "total": total,
                    "items": r.readiness.iter().map(|i| json!({
                        "item": i.label, "done": i.done, "detail": i.detail,
                    })).collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    json!({ "currency": region.currency, "projects": items })
}

/// The CSV's columns.
pub const CSV_HEADER: [&str; 18] = [
    "project_id",
    "name",
    "stage",
    "stream_id",
    "need_id",
    "unit",
    "min_per_yr",
    "max_per_yr",
    "expected_per_yr",
    "price_per_unit",
    "off_spec_probability",
    "off_spec_per_yr",
    "shortfall_per_yr",
    "expected_penalties_per_yr",
    "sender_gain_per_yr",
    "receiver_gain_per_yr",
    "readiness",
    "missing",
];

/// The projects as CSV, one row each (a spreadsheet opens it).
pub fn write_csv<W: std::io::Write>(
    w: W,
    region: &Region,
    reports: &[ProjectReport],
) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CSV_HEADER)?;
    let num = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v}"));
    for r in reports {
        let p = &region.projects[r.index];
        let a = p.agreement.as_ref();
        let s = r.assessment.as_ref();
        let money = |v: Option<f64>| if r.withheld { String::new() } else { num(v) };
        let (done, total) = score(&r.readiness);
        let missing: Vec<&str> = r
            .readiness
            .iter()
            .filter(|i| !i.done)
            .map(|i| i.label)
            .collect();
        out.write_record([
            p.id.clone(),
            p.name.clone(),
            p.stage.label().to_lowercase(),
            p.stream.clone().unwrap_or_default(),
            p.need.clone().unwrap_or_default(),
            s.map_or_else(String::new, |s| s.unit.symbol().to_owned()),
            num(a.and_then(|a| a.min_per_yr)),
            num(a.and_then(|a| a.max_per_yr)),
            num(s.map(|s| s.expected_per_yr)),
            money(s.map(|s| s.price_per_unit)),
            num(s.and_then(|s| s.off_spec_probability)),
            num(s.and_then(|s| s.off_spec_per_yr)),
            num(s.map(|s| s.shortfall_per_yr)),
            money(s.map(Assessment::penalties_per_yr)),
            money(s.map(|s| s.sender_gain_per_yr)),
            money(s.map(|s| s.receiver_gain_per_yr)),
            format!("{done}/{total}"),
            missing.join("; "),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// Whether a group's broker figures would give away a confidential company's price (the
/// broker's share is of what the receiver pays today).
fn broker_withheld(
    region: &Region,
    g: &crate::intermediary::Group,
    include_confidential: bool,
) -> bool {
    g.flows
        .iter()
        .any(|f| crate::disclosure::withheld(region, f.supplier, f.receiver, include_confidential))
}

/// The intermediaries named in the projects: what each costs against what it saves.
pub fn intermediaries_text(
    region: &Region,
    groups: &[crate::intermediary::Group],
    costs: &crate::intermediary::TransactionCosts,
    include_confidential: bool,
) -> String {
    let cur = &region.currency;
    let mut out = String::new();
    if groups.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nIntermediaries (transaction costs a year, docs/INTERMEDIARIES.md):"
    );
    for g in groups {
        let names: Vec<&str> = g
            .projects
            .iter()
            .map(|&p| region.projects[p].id.as_str())
            .collect();
        let _ = writeln!(out, "  {} in {}", g.name, names.join(", "));
        if g.flows.is_empty() {
            let _ = writeln!(
                out,
                "    no exchange in tonnes to compare (an exchange counted in energy pays its operator in the pipe's cost)"
            );
            continue;
        }
        let f = &g.facilitator;
        let _ = writeln!(
            out,
            "    {} pair{}, {} companies, {} stream{}, {} t a year",
            f.pairs,
            if f.pairs == 1 { "" } else { "s" },
            f.companies,
            f.streams,
            if f.streams == 1 { "" } else { "s" },
            qty(f.tonnes_per_yr)
        );
        let line = |b: &crate::intermediary::Breakdown| {
            format!(
                "{} {cur} ({} contracts: set-up {}, governance {}, analyses {}, load checks {}, fee {})",
                qty(b.total_per_yr().round()),
                b.contracts,
                qty(b.setup_per_yr.round()),
                qty(b.governance_per_yr.round()),
                qty(b.analyses_per_yr.round()),
                qty(b.delivery_checks_per_yr.round()),
                qty(b.fee_per_yr.round())
            )
        };
        let _ = writeln!(out, "    bilateral deals:     {}", line(&f.bilateral));
        let _ = writeln!(out, "    via a facilitator:   {}", line(&f.intermediated));
        let _ = writeln!(
            out,
            "    the facilitator {} {} {cur} a year",
            if f.saving_per_yr() >= 0.0 {
                "saves"
            } else {
                "costs"
            },
            qty(f.saving_per_yr().abs().round())
        );
        if broker_withheld(region, g, include_confidential) {
            let _ = writeln!(
                out,
                "    via a broker:        withheld (its share is of a confidential price)"
            );
        } else {
            let b = &g.broker;
            let _ = writeln!(out, "    via a broker:        {}", line(&b.intermediated));
            let _ = writeln!(
                out,
                "    the broker {} {} {cur} a year",
                if b.saving_per_yr() >= 0.0 {
                    "saves"
                } else {
                    "costs"
                },
                qty(b.saving_per_yr().abs().round())
            );
        }
        for &p in &g.left_out {
            let _ = writeln!(
                out,
                "    {} not counted: no exchange in tonnes",
                region.projects[p].id
            );
        }
    }
    if let Some(t) = crate::intermediary::facilitator_break_even_t_per_yr(costs, costs.term_yr) {
        let _ = writeln!(
            out,
            "  One pair under {} t a year pays less through a facilitator than dealing directly ({} year term).",
            qty(t.round()),
            qty(costs.term_yr)
        );
    }
    out
}

/// The intermediaries as JSON.
pub fn intermediaries_json(
    region: &Region,
    groups: &[crate::intermediary::Group],
    include_confidential: bool,
) -> Value {
    let breakdown = |b: &crate::intermediary::Breakdown| {
        json!({
            "contracts": b.contracts,
            "setup_per_yr": b.setup_per_yr,
            "governance_per_yr": b.governance_per_yr,
            "analyses_per_yr": b.analyses_per_yr,
            "delivery_checks_per_yr": b.delivery_checks_per_yr,
            "fee_per_yr": b.fee_per_yr,
            "total_per_yr": b.total_per_yr(),
        })
    };
    Value::Array(
        groups
            .iter()
            .map(|g| {
                let withheld = broker_withheld(region, g, include_confidential);
                json!({
                    "intermediary": g.name,
                    "facility_id": g.facility.map(|f| region.facilities[f].id.clone()),
                    "projects": g.projects.iter().map(|&p| region.projects[p].id.clone()).collect::<Vec<_>>(),
                    "not_counted": g.left_out.iter().map(|&p| region.projects[p].id.clone()).collect::<Vec<_>>(),
                    "pairs": g.facilitator.pairs,
                    "companies": g.facilitator.companies,
                    "streams": g.facilitator.streams,
                    "tonnes_per_yr": g.facilitator.tonnes_per_yr,
                    "bilateral": breakdown(&g.facilitator.bilateral),
                    "facilitator": breakdown(&g.facilitator.intermediated),
                    "facilitator_saves_per_yr": g.facilitator.saving_per_yr(),
                    "broker": if withheld { Value::Null } else { breakdown(&g.broker.intermediated) },
                    "broker_saves_per_yr": if withheld { Value::Null } else { json!(g.broker.saving_per_yr()) },
                })
            })
            .collect(),
    )
}
