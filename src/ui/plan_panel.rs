//! The side panel's Plan tab: the region's optimal plan (`crate::plan`), solved on a worker
//! thread whenever the region or the plan's settings change, and swapped in when ready; the
//! UI never waits on the solver. Totals against today and the greedy pass, each company's
//! gain, and the exchanges (a click shows the pair on the map).

use egui::{Color32, RichText, Ui};

use crate::cli::thousands;
use crate::model::Region;
use crate::model::{Member, Project, Role, Stage};
use crate::plan::{Outcome, PlannedExchange, Report};

use super::command::Command;
use super::workspace::Workspace;

/// One row of the totals; the money reads "confidential" when `withheld`
/// ([`crate::plan::totals_withheld`]).
fn totals_row(
    ui: &mut Ui,
    name: &str,
    r: Option<&Report>,
    landfill_today: f64,
    cur: &str,
    withheld: bool,
) {
    ui.label(name);
    if let Some(r) = r {
        ui.label(r.exchanges.len().to_string());
        if withheld {
            ui.label("confidential");
        } else {
            ui.label(format!("{} {cur}", thousands(r.value_per_yr)));
        }
        ui.label(thousands(r.co2_avoided_t_per_yr));
        ui.label(format!(
            "{} diverted",
            thousands(r.landfill_diverted_t_per_yr)
        ));
        ui.label(thousands(r.exchanged_t_per_yr));
    } else {
        ui.label("0");
        ui.label(format!("0 {cur}"));
        ui.label("0");
        ui.label(format!("{} landfilled", thousands(landfill_today)));
        ui.label("0");
    }
    ui.end_row();
}

/// A new project from one exchange of the plan: its sender and receiver, the hub as an
/// intermediary, and its flow (source and need units a year, the hub) in the project's
/// `flows`, which the region file keeps.
pub fn project_from_exchange(region: &Region, o: &Outcome, e: &PlannedExchange) -> Option<Project> {
    let from = region.facilities.get(e.from_facility)?;
    let to = region.facilities.get(e.to_facility)?;
    let stream = from.outputs.get(e.stream)?;
    let need = to.needs.get(e.need)?;
    let hub = e.hub.and_then(|h| o.hubs.get(h));
    let mut members = vec![
        Member {
            extra: crate::model::Extra::new(),
            role: Role::Supplier,
            facility: Some(from.id.clone()),
            name: String::new(),
        },
        Member {
            extra: crate::model::Extra::new(),
            role: Role::Receiver,
            facility: Some(to.id.clone()),
            name: String::new(),
        },
    ];
    if let Some(h) = hub {
        members.push(Member {
            extra: crate::model::Extra::new(),
            role: Role::Intermediary,
            facility: h
                .host
                .and_then(|i| region.facilities.get(i))
                .map(|f| f.id.clone()),
            name: h.name.clone(),
        });
    }
    let mut extra = crate::model::Extra::new();
    extra.insert(
        "flows".into(),
        serde_json::json!([{
            "stream_id": stream.id, "need_id": need.id,
            "source_units_per_yr": e.source_units_per_yr, "unit": stream.unit.symbol(),
            "need_units_per_yr": e.need_units_per_yr, "need_unit": need.unit.symbol(),
            "hub": hub.map(|h| h.id.clone()),
            "value_per_yr": e.value_per_yr,
        }]),
    );
    Some(Project {
        id: region.fresh_id("J"),
        name: format!(
            "{} from {} to {}{}",
            stream.material.replace('_', " "),
            from.name,
            to.name,
            hub.map_or(String::new(), |h| format!(" via {}", h.name))
        ),
        stage: Stage::Identified,
        members,
        stream: Some(stream.id.clone()),
        need: Some(need.id.clone()),
        proposal: None,
        actions: Vec::new(),
        notes: format!(
            "From the region's plan: {:.0} {} a year ({:.0} {} of the need), worth {:.0} {} a year.",
            e.source_units_per_yr,
            stream.unit.symbol(),
            e.need_units_per_yr,
            need.unit.symbol(),
            e.value_per_yr,
            region.currency
        ),
        agreement: None,
        extra,
    })
}

/// "Make a project" for one exchange of the plan (or "project started" once one has its pair).
pub fn project_button(ui: &mut Ui, app: &Workspace, e: &PlannedExchange, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    let Some(solved) = &app.plan.solved else {
        return;
    };
    let ids = region
        .facilities
        .get(e.from_facility)
        .and_then(|f| f.outputs.get(e.stream))
        .zip(
            region
                .facilities
                .get(e.to_facility)
                .and_then(|f| f.needs.get(e.need)),
        )
        .map(|(s, n)| (s.id.clone(), n.id.clone()));
    let started = ids.as_ref().is_some_and(|(s, n)| {
        region
            .projects
            .iter()
            .any(|p| p.stream.as_ref() == Some(s) && p.need.as_ref() == Some(n))
    });
    if started {
        ui.weak("project started");
    } else if ui.small_button("Make a project").clicked() {
        if let Some(project) = project_from_exchange(region, &solved.outcome, e) {
            out.push(Command::Edit(crate::document::Edit::InsertProject {
                index: region.projects.len(),
                project: Box::new(project),
            }));
        }
    }
}

/// The candidate hub sites: their types, a way to add, propose and remove them. The plan
/// decides which to open; every change solves it again.
fn hub_sites(ui: &mut Ui, app: &Workspace, commands: &mut Vec<Command>) {
    use crate::document::Edit;
    let region = &app.doc.region;
    let types = crate::hubs::builtin_types();
    egui::CollapsingHeader::new(format!("Candidate hub sites ({})", region.hubs.len()))
        .id_salt("plan-hub-sites")
        .default_open(!region.hubs.is_empty())
        .show(ui, |ui| {
            ui.label(
                RichText::new(
                    "Where small flows of several companies could be gathered (a transfer \
                     station, a rail transload): drag a site on the map to move it.",
                )
                .weak(),
            );
            for (i, site) in region.hubs.iter().enumerate() {
                ui.horizontal(|ui| {
                    let name = RichText::new(&site.name);
                    let name = if app.selected_hub == Some(i) {
                        name.strong()
                    } else {
                        name
                    };
                    if ui.link(name).clicked() {
                        commands.push(Command::SelectHub(Some(i)));
                    }
                    let mut kind = site.hub_type.clone();
                    egui::ComboBox::from_id_salt(("hub-type", i))
                        .selected_text(
                            types
                                .iter()
                                .find(|t| t.key == kind)
                                .map_or(kind.clone(), |t| t.name.clone()),
                        )
                        .show_ui(ui, |ui| {
                            for t in &types {
                                ui.selectable_value(&mut kind, t.key.clone(), &t.name)
                                    .on_hover_text(&t.description);
                            }
                        });
                    if kind != site.hub_type {
                        let mut changed = site.clone();
                        changed.hub_type = kind;
                        commands.push(Command::Edit(Edit::SetHub {
                            index: i,
                            site: Box::new(changed),
                        }));
                    }
                    if ui.small_button("Remove").clicked() {
                        commands.push(Command::SelectHub(None));
                        commands.push(Command::Edit(Edit::RemoveHub { index: i }));
                    }
                });
            }
            ui.horizontal(|ui| {
                if ui
                    .button("Add a site on the map")
                    .on_hover_text(super::command::MapTool::AddHub.hint())
                    .clicked()
                {
                    commands.push(Command::SetTool(super::command::MapTool::AddHub));
                }
                if ui
                    .button("Propose 3")
                    .on_hover_text(
                        "At the tonne-weighted centres of the three densest clusters of small \
                         senders (streams under 5 000 t a year), where no site stands yet.",
                    )
                    .clicked()
                {
                    let new = crate::hubs::propose(region, 3, "transfer_station", 5_000.0)
                        .into_iter()
                        .filter(|p| {
                            !region.hubs.iter().any(|h| {
                                (h.location.lat_deg - p.location.lat_deg).abs() < 1e-6
                                    && (h.location.lon_deg - p.location.lon_deg).abs() < 1e-6
                            })
                        });
                    let mut edits = Vec::new();
                    let mut taken = crate::model::Region::clone(region);
                    for mut p in new {
                        p.id = taken.fresh_id("H");
                        p.name = p.name.replacen("Proposed hub ", "Proposed hub site ", 1);
                        taken.hubs.push(p.clone());
                        edits.push(Edit::InsertHub {
                            index: region.hubs.len() + edits.len(),
                            site: Box::new(p),
                        });
                    }
                    if !edits.is_empty() {
                        commands.push(Command::Edit(Edit::Batch(edits)));
                    }
                }
            });
        });
}

/// The Plan tab.
pub fn show(ui: &mut Ui, app: &Workspace, commands: &mut Vec<Command>) {
    let key = app.plan_key();
    let state = &app.plan;
    let region = &app.doc.region;
    let cur = region.currency.as_str();
    ui.heading("Region plan");
    ui.label(
        RichText::new(
            "How much of each stream goes to each need so that the region gains the most \
             (HiGHS), within every stream, need, blending share and lot.",
        )
        .weak(),
    );
    let mut cost = state.exchange_cost_per_yr;
    ui.horizontal(|ui| {
        ui.label("Cost per exchange");
        let r = ui.add(
            egui::DragValue::new(&mut cost)
                .range(0.0..=10_000_000.0)
                .speed(1_000.0)
                .suffix(format!(" {cur}/yr")),
        );
        r.on_hover_text(
            "Contracting, set-up and quality agreements: every exchange must pay it, \
             so small ones drop out.",
        );
    });
    if cost != state.exchange_cost_per_yr {
        commands.push(Command::SetPlanExchangeCost(cost));
    }
    hub_sites(ui, app, commands);
    let now = ui.input(|i| i.time);
    if let Some(t) = state.running_for_s(now) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("solving... {t:.0} s"));
        });
        if let Some(line) = state.progress() {
            ui.label(RichText::new(line).weak().small());
        }
    }
    if let Some(e) = &state.error {
        ui.colored_label(Color32::from_rgb(200, 40, 40), format!("No plan: {e}"));
    }
    let Some(solved) = &state.solved else {
        return;
    };
    let o = &solved.outcome;
    if solved.key != key {
        ui.label(RichText::new("Shown: the plan before your last change.").italics());
    }
    let sol = &o.solution;
    // In workshop mode, totals that would give a confidential company's money away when the
    // open exchanges are subtracted are withheld (the p %-rule, `crate::disclosure`).
    let withheld = crate::plan::Withheld::new(&app.doc.region, o, !app.workshop);
    if withheld.totals {
        ui.label(format!(
            "{} in {:.2} s · value confidential · gap {:.3} %",
            sol.status,
            sol.solve_seconds,
            100.0 * sol.gap
        ));
    } else {
        ui.label(format!(
            "{} in {:.2} s · value {} {cur}/yr · bound {} · gap {:.3} %",
            sol.status,
            sol.solve_seconds,
            thousands(sol.objective),
            thousands(sol.bound),
            100.0 * sol.gap
        ));
    }
    ui.add_space(4.0);
    egui::Grid::new("plan-totals")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in [
                "",
                "exchanges",
                "value/yr",
                "CO2 t/yr",
                "landfill t/yr",
                "t/yr",
            ] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            totals_row(ui, "today", None, o.landfill_today_t_per_yr, cur, false);
            let greedy = Some(&o.greedy_report);
            totals_row(ui, "greedy", greedy, 0.0, cur, withheld.greedy_totals);
            totals_row(ui, "plan", Some(&o.report), 0.0, cur, withheld.totals);
        });
    let (r, g) = (&o.report, &o.greedy_report);
    if g.value_per_yr > 0.0 && !withheld.totals && !withheld.greedy_totals {
        ui.label(format!(
            "The plan gains {} {cur}/yr more than the greedy pass ({:+.1} %).",
            thousands(r.value_per_yr - g.value_per_yr),
            100.0 * (r.value_per_yr - g.value_per_yr) / g.value_per_yr
        ));
    }
    let short: f64 = r
        .companies
        .iter()
        .map(|c| c.compensation_needed_per_yr)
        .sum();
    if r.companies.is_empty() {
        return;
    }
    if short > 0.0 {
        ui.colored_label(
            Color32::from_rgb(200, 120, 0),
            format!(
                "Some companies would need {} {cur}/yr of compensation.",
                thousands(short)
            ),
        );
    } else {
        ui.label(format!(
            "All {} companies gain, at transfer prices that share each exchange's surplus equally (in three through a hub, with its operator).",
            r.companies.len()
        ));
    }
    for (u, &hidden) in r.hubs.iter().zip(&withheld.hubs) {
        let Some(h) = o.hubs.get(u.hub) else {
            continue;
        };
        let money = |v: f64| {
            if hidden {
                "(confidential)".to_owned()
            } else {
                thousands(v)
            }
        };
        ui.separator();
        ui.label(RichText::new(format!("Hub: {}", h.name)).strong());
        ui.label(format!(
            "{}: {} t/yr of its {} t capacity from {} senders to {} receivers; costs {} {cur}/yr ({} fixed); earns the region {} {cur}/yr against the best plan without it; its operator{} gains {} {cur}/yr beyond its costs.",
            h.kind.name,
            thousands(u.tonnes_per_yr),
            thousands(h.kind.capacity_t_per_yr),
            u.senders.len(),
            u.receivers.len(),
            thousands(u.fixed_cost_per_yr + u.variable_cost_per_yr),
            thousands(u.fixed_cost_per_yr),
            money(u.earns_per_yr),
            u.host
                .and_then(|f| region.facilities.get(f))
                .map_or(String::new(), |f| format!(" ({})", f.name)),
            money(u.operator_gain_per_yr),
        ));
    }
    ui.separator();
    ui.label(RichText::new("Companies").strong());
    egui::ScrollArea::vertical()
        .id_salt("plan-companies")
        .max_height(220.0)
        .show(ui, |ui| {
            egui::Grid::new("plan-company-grid")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    for h in ["company", "out", "in", "gain/yr"] {
                        ui.label(RichText::new(h).strong());
                    }
                    ui.end_row();
                    // In the workshop a company that trades with a confidential one shows
                    // no gain either: with the equal split it would give the margin away.
                    for (c, &hidden) in r.companies.iter().zip(&withheld.companies) {
                        let Some(f) = region.facilities.get(c.facility) else {
                            continue;
                        };
                        if ui.link(&f.name).clicked() {
                            commands.push(Command::SelectFacility(Some(c.facility)));
                        }
                        ui.label(c.as_sender.to_string());
                        ui.label(c.as_receiver.to_string());
                        if hidden {
                            ui.label("confidential");
                        } else if c.compensation_needed_per_yr > 0.0 {
                            ui.colored_label(
                                Color32::from_rgb(200, 120, 0),
                                format!("needs {}", thousands(c.compensation_needed_per_yr)),
                            );
                        } else {
                            ui.label(thousands(c.gain_per_yr));
                        }
                        ui.end_row();
                    }
                });
        });
    ui.separator();
    ui.label(RichText::new(format!("Exchanges ({})", r.exchanges.len())).strong());
    egui::ScrollArea::vertical()
        .id_salt("plan-exchanges")
        .show(ui, |ui| {
            for e in &r.exchanges {
                let (Some(from), Some(to)) = (
                    region.facilities.get(e.from_facility),
                    region.facilities.get(e.to_facility),
                ) else {
                    continue;
                };
                let (Some(stream), Some(need)) = (from.outputs.get(e.stream), to.needs.get(e.need))
                else {
                    continue;
                };
                let money = if super::pipeline_panel::masked(app, e.from_facility, e.to_facility) {
                    "confidential".to_owned()
                } else {
                    format!("{} {cur}/yr", thousands(e.value_per_yr))
                };
                let via = e
                    .hub
                    .and_then(|h| o.hubs.get(h))
                    .map_or(String::new(), |h| format!(" via {}", h.id));
                let text = format!(
                    "{} to {}{via}: {} {} {} -> {}, {money}",
                    from.name,
                    to.name,
                    thousands(e.source_units_per_yr),
                    stream.unit.symbol(),
                    stream.material,
                    need.material,
                );
                ui.horizontal_wrapped(|ui| {
                    if ui.link(text).clicked() {
                        commands.push(Command::ShowExchange {
                            from_facility: e.from_facility,
                            stream: e.stream,
                            to_facility: e.to_facility,
                            need: e.need,
                        });
                    }
                    project_button(ui, app, e, commands);
                });
            }
        });
}
