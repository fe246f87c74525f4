//! Workshop mode, for projecting in a room: full screen, large type and markers, a
//! high-contrast look that survives a washed-out projector, no editing chrome, confidential
//! costs hidden, and a walk through the region's opportunities or the proposals captured, one
//! pair at a time, with its economics large.

use egui::{Color32, RichText, Ui};

use crate::model::{Project, Region};
use crate::pipeline::{Opportunity, Verdict};

use super::command::{Command, WalkList};
use super::pipeline_panel::{
    band, economics_line, masked, project_from_candidate, project_from_proposal,
};
use super::workspace::Workspace;
use crate::document::Edit;

/// Zoom of the whole interface in workshop mode: a 1920x1080 projector then shows about
/// 1480x830 points, text at 14 px becomes 18 px.
pub const ZOOM: f32 = 1.3;

/// The look for a projector: white panels, black text, strong strokes and selections.
pub fn projector_visuals() -> egui::Visuals {
    let mut v = egui::Visuals::light();
    v.override_text_color = Some(Color32::BLACK);
    v.panel_fill = Color32::WHITE;
    v.window_fill = Color32::WHITE;
    v.extreme_bg_color = Color32::from_gray(245);
    v.faint_bg_color = Color32::from_gray(235);
    v.selection.bg_fill = Color32::from_rgb(255, 200, 40);
    v.selection.stroke = egui::Stroke::new(2.0, Color32::BLACK);
    v.hyperlink_color = Color32::from_rgb(0, 60, 180);
    v.widgets.noninteractive.bg_stroke = egui::Stroke::new(1.5, Color32::from_gray(60));
    v.widgets.noninteractive.fg_stroke = egui::Stroke::new(1.5, Color32::BLACK);
    v.widgets.inactive.bg_fill = Color32::from_gray(225);
    v.widgets.inactive.weak_bg_fill = Color32::from_gray(225);
    v.widgets.inactive.fg_stroke = egui::Stroke::new(1.5, Color32::BLACK);
    v.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(80));
    v.widgets.hovered.bg_fill = Color32::from_gray(205);
    v.widgets.hovered.weak_bg_fill = Color32::from_gray(205);
    v.widgets.hovered.fg_stroke = egui::Stroke::new(2.0, Color32::BLACK);
    v.widgets.active.fg_stroke = egui::Stroke::new(2.0, Color32::BLACK);
    v
}

/// Map colours for a projector: paler land and deeper water than at the desk, darker borders.
pub const LAND: Color32 = Color32::from_rgb(250, 249, 244);
pub const WATER: Color32 = Color32::from_rgb(120, 170, 215);
pub const BORDER: Color32 = Color32::from_rgb(70, 70, 70);

/// One exchange of the plan, for the room: who sends what to whom (through which hub), and
/// what each gains (a band for confidential parties).
fn plan_card(ui: &mut Ui, app: &Workspace, index: usize, out: &mut Vec<Command>) {
    let Some(solved) = &app.plan.solved else {
        return;
    };
    let o = &solved.outcome;
    let Some(e) = o.report.exchanges.get(index) else {
        return;
    };
    let region = &app.doc.region;
    let (Some(from), Some(to)) = (
        region.facilities.get(e.from_facility),
        region.facilities.get(e.to_facility),
    ) else {
        return;
    };
    let (Some(stream), Some(need)) = (from.outputs.get(e.stream), to.needs.get(e.need)) else {
        return;
    };
    ui.label(
        RichText::new(format!("{} -> {}", from.name, to.name))
            .size(20.0)
            .strong(),
    );
    if let Some(h) = e.hub.and_then(|h| o.hubs.get(h)) {
        ui.label(RichText::new(format!("through {}", h.name)).size(16.0));
    }
    ui.label(
        RichText::new(format!(
            "{} {} of {} for {}",
            crate::cli::thousands(e.source_units_per_yr),
            stream.unit.symbol(),
            stream.material.replace('_', " "),
            need.material.replace('_', " ")
        ))
        .size(16.0),
    );
    if super::pipeline_panel::masked(app, e.from_facility, e.to_facility) {
        ui.label(RichText::new("both gain (figures confidential)").size(16.0));
    } else {
        ui.label(
            RichText::new(format!(
                "{} {cur}/yr: {} to the sender, {} to the receiver",
                crate::cli::thousands(e.value_per_yr),
                crate::cli::thousands(e.sender_gain_per_yr),
                crate::cli::thousands(e.receiver_gain_per_yr),
                cur = region.currency
            ))
            .size(16.0),
        );
    }
    super::plan_panel::project_button(ui, app, e, out);
}

/// The walk card, at the top of the side panel in workshop mode.
pub fn walk_panel(ui: &mut Ui, app: &Workspace, out: &mut Vec<Command>) {
    let walk = &app.walk;
    ui.horizontal(|ui| {
        ui.heading("Workshop");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Leave (F5)").clicked() {
                out.push(Command::ToggleWorkshop);
            }
        });
    });
    ui.horizontal(|ui| {
        for (list, name) in [
            (WalkList::Opportunities, "Top opportunities"),
            (WalkList::Proposals, "Proposals from the room"),
            (WalkList::Plan, "The region's plan"),
            (WalkList::Projects, "Projects"),
        ] {
            if ui.selectable_label(walk.list == list, name).clicked() {
                out.push(Command::WalkList(list));
            }
        }
    });
    let len = app.walk_len();
    if len == 0 {
        ui.label(match walk.list {
            WalkList::Opportunities => "The search found no viable exchange in this region.",
            WalkList::Proposals => "No proposals yet: draw one with \"Link two sites\".",
            WalkList::Plan => {
                if app.plan.is_running() {
                    "Solving the region's plan..."
                } else {
                    "The plan has no exchange."
                }
            }
            WalkList::Projects => "No projects yet: make one from an opportunity or a proposal.",
        });
        return;
    }
    let index = walk.index.min(len - 1);
    ui.horizontal(|ui| {
        let big = |t: &str| RichText::new(t).size(20.0).strong();
        if ui
            .add_enabled(index > 0, egui::Button::new(big("< Previous")))
            .clicked()
        {
            out.push(Command::WalkTo(index - 1));
        }
        ui.label(RichText::new(format!("{} of {len}", index + 1)).size(18.0));
        if ui
            .add_enabled(index + 1 < len, egui::Button::new(big("Next >")))
            .clicked()
        {
            out.push(Command::WalkTo(index + 1));
        }
    });
    egui::Frame::group(ui.style())
        .fill(Color32::from_rgb(255, 250, 225))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            match walk.list {
                WalkList::Opportunities => {
                    if let Some(o) = app.opportunities().get(index) {
                        opportunity_card(ui, app, o, out);
                    }
                }
                WalkList::Proposals => proposal_card(ui, app, index, out),
                WalkList::Plan => plan_card(ui, app, index, out),
                WalkList::Projects => project_card(ui, app, index),
            }
        });
}

/// A project for the room: its exchange, the agreement's terms and how the stream meets them
/// (money withheld for a confidential company), and what it still lacks before signing.
fn project_card(ui: &mut Ui, app: &Workspace, index: usize) {
    let region = &app.doc.region;
    let Some(p) = region.projects.get(index) else {
        return;
    };
    ui.label(RichText::new(&p.name).size(24.0).strong());
    big_line(ui, format!("stage: {}", p.stage.label().to_lowercase()));
    let checks = app.project_checks();
    let Some(r) = checks.get(index) else {
        return;
    };
    let cur = &region.currency;
    match (&p.agreement, &r.assessment) {
        (Some(a), Some(s)) => {
            let unit = s.unit.symbol();
            big_line(ui, crate::io::projects::terms_line(a, unit));
            if !r.withheld {
                big_line(
                    ui,
                    format!("price: {}", crate::io::projects::price_terms(a, cur, unit)),
                );
            }
            for q in &s.quality {
                big_line(ui, crate::io::projects::quality_line(q));
            }
            big_line(
                ui,
                match s.off_spec_probability {
                    _ if s.quality.is_empty() => "no quality limits agreed".to_owned(),
                    Some(p) => format!(
                        "{:.2} % of deliveries off-spec: {} {unit} a year",
                        100.0 * p,
                        crate::agreement::quantity_text(s.off_spec_per_yr.unwrap_or(0.0))
                    ),
                    None => "how often a delivery is off-spec is not known yet".to_owned(),
                },
            );
            if r.withheld {
                big_line(ui, "both gain at the agreed price (figures confidential)");
            } else {
                big_line(
                    ui,
                    format!(
                        "gains: {} {cur} to the supplier, {} {cur} to the receiver a year",
                        crate::agreement::quantity_text(s.sender_gain_per_yr.round()),
                        crate::agreement::quantity_text(s.receiver_gain_per_yr.round())
                    ),
                );
            }
            for f in &s.findings {
                ui.label(
                    RichText::new(format!("! {f}"))
                        .size(17.0)
                        .color(Color32::from_rgb(170, 90, 0)),
                );
            }
        }
        _ => big_line(ui, "no supply agreement yet"),
    }
    let (done, total) = crate::readiness::score(&r.readiness);
    ui.label(
        RichText::new(format!("ready to sign: {done} of {total}"))
            .size(20.0)
            .strong(),
    );
    for i in r.readiness.iter().filter(|i| !i.done) {
        ui.label(
            RichText::new(format!("missing: {}: {}", i.label, i.detail))
                .size(17.0)
                .color(Color32::from_rgb(170, 40, 40)),
        );
    }
}

fn big_line(ui: &mut Ui, text: impl Into<String>) {
    ui.label(RichText::new(text.into()).size(19.0));
}

fn opportunity_card(ui: &mut Ui, app: &Workspace, o: &Opportunity, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    let c = &o.candidate;
    let from = &region.facilities[c.from_facility];
    let to = &region.facilities[c.to_facility];
    let catalogue = &app.doc.engine.catalogue;
    let name = |key: &str| {
        catalogue
            .material(key)
            .map_or(key.to_owned(), |m| m.display_name().to_owned())
    };
    ui.label(
        RichText::new(format!("{}  ->  {}", from.name, to.name))
            .size(24.0)
            .strong(),
    );
    let (a, b) = (&from.outputs[c.stream].material, &to.needs[c.need].material);
    big_line(
        ui,
        if a == b {
            format!(
                "{}, used as it is bought today ({})",
                name(a),
                c.kind.label()
            )
        } else {
            format!("{} replaces {} ({})", name(a), name(b), c.kind.label())
        },
    );
    let hidden = masked(app, c.from_facility, c.to_facility);
    big_line(
        ui,
        if hidden {
            // The break-even distance times the transport rate is the margin: a band only.
            format!(
                "{:.0} km by {}, break-even at {}",
                c.value.distance_km,
                c.value.mode,
                crate::disclosure::distance_band(c.value.break_even_km)
            )
        } else {
            format!(
                "{:.0} km by {}, break-even at {:.0} km",
                c.value.distance_km, c.value.mode, c.value.break_even_km
            )
        },
    );
    if hidden {
        big_line(ui, format!("{} (costs confidential)", band(c)));
    } else {
        big_line(
            ui,
            format!(
                "worth {} EUR a year ({:.2} per {} delivered)",
                super::format_money(o.value_per_yr),
                c.value.net_value_per_unit,
                from.outputs[c.stream].unit
            ),
        );
    }
    let co2 = if o.co2_avoided_t_per_yr >= 0.0 {
        format!(
            "{} t CO2 avoided",
            super::format_quantity(o.co2_avoided_t_per_yr)
        )
    } else {
        format!(
            "{} t CO2 more (transport)",
            super::format_quantity(-o.co2_avoided_t_per_yr)
        )
    };
    big_line(
        ui,
        format!(
            "{co2}, {} t kept out of landfill a year",
            super::format_quantity(o.landfill_diverted_t_per_yr)
        ),
    );
    let exists = region.projects.iter().any(|p| {
        p.stream.as_deref() == Some(&from.outputs[c.stream].id)
            && p.need.as_deref() == Some(&to.needs[c.need].id)
    });
    make_project_button(ui, region, exists, out, || {
        project_from_candidate(region, c)
    });
}

fn proposal_card(ui: &mut Ui, app: &Workspace, index: usize, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    let Some(p) = region.proposals.get(index) else {
        return;
    };
    let name = |id: &str| {
        region
            .facility(id)
            .map_or(id.to_owned(), |f| f.name.clone())
    };
    ui.label(
        RichText::new(format!(
            "{}  ->  {}",
            name(&p.from_facility),
            name(&p.to_facility)
        ))
        .size(24.0)
        .strong(),
    );
    if !p.note.is_empty() {
        ui.label(
            RichText::new(format!("\"{}\"", p.note))
                .size(19.0)
                .italics(),
        );
    }
    let verdicts = app.proposal_verdicts();
    match verdicts.get(index) {
        Some(Verdict::Evaluated(c)) => big_line(ui, economics_line(app, c)),
        Some(Verdict::Incomplete { distance_km, .. }) => big_line(
            ui,
            format!(
                "{distance_km:.0} km apart: which stream and which need? Name them to evaluate it."
            ),
        ),
        Some(Verdict::NoRule { from, to }) => {
            big_line(ui, format!("No catalogue rule turns {from} into {to}."));
        }
        Some(Verdict::Broken(m)) => big_line(ui, m.clone()),
        None => {}
    }
    let promoted = region
        .projects
        .iter()
        .any(|j| j.proposal.as_ref() == Some(&p.id));
    make_project_button(ui, region, promoted, out, || {
        project_from_proposal(region, p)
    });
}

/// "Make it a project" (appending `make()` to the region's projects), or a note that it is
/// `already` one.
fn make_project_button(
    ui: &mut egui::Ui,
    region: &Region,
    already: bool,
    out: &mut Vec<Command>,
    make: impl FnOnce() -> Project,
) {
    if already {
        ui.weak("Already a project.");
    } else if ui
        .button(RichText::new("Make it a project").size(18.0))
        .clicked()
    {
        out.push(Command::Edit(Edit::InsertProject {
            index: region.projects.len(),
            project: Box::new(make()),
        }));
    }
}
