//! The what-if lens (issue 12): the user stops one or more plants, for some weeks or for good,
//! and sees what the region's plan loses. The core answers (`crate::resilience::what_if`) on a
//! worker thread, as the plan is solved (`super::plan_panel`), and the answer is swapped in when
//! ready; the UI never waits. The map draws it (`super::map::whatif`); this panel lists the
//! exchanges lost, the tonnes not delivered, what the stores bridge, which backups take over,
//! the cost to each company and, for good, the plan solved again against the plan before.
//! In workshop mode it is set large, and figures that would give a confidential company's money
//! away are withheld as everywhere else (`crate::disclosure`, `crate::plan::Withheld`).

use egui::{Color32, RichText, Ui};

use crate::cli::thousands;
use crate::resilience::Side;

use super::command::Command;
use super::command::LensCommand;
use super::map::whatif::{BROKEN_COLOUR, HOLDS_COLOUR};
use super::workspace::Workspace;
use super::workspace::{Scenario, DEFAULT_WEEKS};

/// The facilities of the plan a user may stop, by name: its companies (senders, receivers,
/// hub hosts).
fn plan_facilities(app: &Workspace) -> Vec<(usize, String)> {
    let region = &app.doc.region;
    let mut out: Vec<(usize, String)> = app
        .plan
        .solved
        .as_ref()
        .map(|s| {
            s.outcome
                .report
                .companies
                .iter()
                .filter_map(|c| Some((c.facility, region.facilities.get(c.facility)?.name.clone())))
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    out
}

/// Larger type for a room: the panel's text styles times `factor`.
fn enlarge(ui: &mut Ui, factor: f32) {
    for font in ui.style_mut().text_styles.values_mut() {
        font.size *= factor;
    }
}

/// The lens panel (left of the map while the lens is open).
pub fn show(ui: &mut Ui, app: &Workspace, out: &mut Vec<Command>) {
    if app.workshop {
        enlarge(ui, 1.2);
    }
    let lens = &app.lens;
    let region = &app.doc.region;
    ui.horizontal(|ui| {
        ui.heading("What if plants stop");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .button("Close the lens")
                .on_hover_text("Back to the normal map")
                .clicked()
            {
                out.push(Command::Lens(LensCommand::Close));
            }
        });
    });
    ui.label(
        RichText::new(
            "The region's plan with these plants stopped: what is lost, what stores and \
             backups bridge, and what it costs each company.",
        )
        .weak(),
    );
    ui.add_space(4.0);
    ui.strong("Stopped");
    for id in &lens.stop {
        let Some(f) = region.facility_index(id) else {
            ui.colored_label(BROKEN_COLOUR, format!("{id}: no longer in the region"));
            continue;
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new(&region.facilities[f].name).strong());
            if ui.small_button("Let it run").clicked() {
                out.push(Command::Lens(LensCommand::Remove(f)));
            }
        });
    }
    if lens.stop.is_empty() {
        ui.label(
            RichText::new("No plant stopped: add one below, or from the inspector.").italics(),
        );
    }
    let choices: Vec<(usize, String)> = plan_facilities(app)
        .into_iter()
        .filter(|(f, _)| !lens.stops(region, *f))
        .collect();
    if !choices.is_empty() {
        egui::ComboBox::from_id_salt("lens-add")
            .selected_text("Stop another plant of the plan...")
            .width(ui.available_width().min(320.0))
            .show_ui(ui, |ui| {
                for (f, name) in &choices {
                    if ui.selectable_label(false, name).clicked() {
                        out.push(Command::Lens(LensCommand::Add(*f)));
                    }
                }
            });
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let mut weeks = lens.weeks.unwrap_or(DEFAULT_WEEKS);
        if ui.radio(lens.weeks.is_some(), "for").clicked() && lens.weeks.is_none() {
            out.push(Command::Lens(LensCommand::SetWeeks(Some(weeks))));
        }
        let r = ui.add_enabled(
            lens.weeks.is_some(),
            egui::DragValue::new(&mut weeks)
                .range(1..=52)
                .suffix(" weeks"),
        );
        r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::SpinButton, true, "Weeks"));
        if r.changed() {
            out.push(Command::Lens(LensCommand::SetWeeks(Some(weeks))));
        }
        if ui
            .radio(lens.weeks.is_none(), "for good")
            .on_hover_text("The plan is solved again without them.")
            .clicked()
        {
            out.push(Command::Lens(LensCommand::SetWeeks(None)));
        }
    });
    let now = ui.input(|i| i.time);
    if let Some(t) = lens.running_for_s(now) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("working it out... {t:.0} s"));
        });
        if let Some(line) = lens.progress() {
            ui.label(RichText::new(line).weak().small());
        }
    } else if app.plan.is_running() && !lens.stop.is_empty() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("solving the region's plan first...");
        });
    }
    if let Some(e) = lens.error.as_ref().or(app.plan.error.as_ref()) {
        ui.colored_label(BROKEN_COLOUR, format!("No answer: {e}"));
    }
    let Some(s) = &lens.scenario else {
        return;
    };
    ui.separator();
    if s.key != lens.key(app.plan_key()) {
        ui.label(RichText::new("Shown: the answer before your last change.").italics());
    }
    egui::ScrollArea::vertical()
        .id_salt("lens-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| scenario(ui, app, s, out));
}

fn scenario(ui: &mut Ui, app: &Workspace, s: &Scenario, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    let cur = region.currency.as_str();
    let w = &s.what;
    let o = &s.plan.outcome;
    let hide_totals = app.workshop && s.withheld_totals;
    let money = |v: f64, hidden: bool| {
        if hidden {
            "(confidential)".to_owned()
        } else {
            format!("{} {cur}", thousands(v))
        }
    };
    let cost = |v: f64, hidden: bool| {
        if hidden {
            "cost confidential".to_owned()
        } else {
            format!("{} {cur}", thousands(v))
        }
    };
    let name = |f: usize| {
        region
            .facilities
            .get(f)
            .map_or_else(|| "?".to_owned(), |x| x.name.clone())
    };
    let period = match w.stop.weeks {
        Some(n) => format!("over {n} weeks ({:.0} days)", w.days),
        None => "a year, for good".to_owned(),
    };
    ui.label(
        RichText::new(format!(
            "{} exchanges lost: {} t not delivered {period}",
            w.lost.len(),
            thousands(w.tonnes_not_delivered)
        ))
        .strong()
        .color(BROKEN_COLOUR),
    );
    ui.label(format!("Value lost: {}", money(w.value_lost, hide_totals)));
    if w.stop.weeks.is_some() {
        ui.label(format!(
            "Stores bridge {} t (to be made up after the restart); backups replace {} t.",
            thousands(w.tonnes_covered),
            thousands(w.tonnes_replaced)
        ));
    }
    ui.label(
        RichText::new(if hide_totals {
            format!(
                "T3: {:.1} % of the plan's tonnes lost, {:.1} % after backups' spare capacity.",
                100.0 * w.loss.gross_tonnes_share,
                100.0 * w.loss.residual_tonnes_share
            )
        } else {
            format!(
                "T3: {:.1} % of the plan's value lost ({:.1} % of its tonnes), {:.1} % ({:.1} %) after backups' spare capacity.",
                100.0 * w.loss.gross_value_share,
                100.0 * w.loss.gross_tonnes_share,
                100.0 * w.loss.residual_value_share,
                100.0 * w.loss.residual_tonnes_share
            )
        })
        .weak(),
    );
    if let Some(r) = &w.replan {
        ui.add_space(4.0);
        ui.label(RichText::new("The plan solved again without them").strong());
        if hide_totals {
            ui.label(format!(
                "{} exchanges (before: {}); {} carry more. Values confidential.",
                r.report.exchanges.len(),
                o.report.exchanges.len(),
                r.increased.len()
            ));
        } else {
            ui.label(format!(
                "{}/yr against {}/yr before: {}/yr less ({}, {} exchanges, {} carry more).",
                money(r.solution.objective, false),
                money(o.solution.objective, false),
                thousands(o.solution.objective - r.solution.objective),
                r.solution.status,
                r.report.exchanges.len(),
                r.increased.len()
            ));
        }
        for &f in &r.dropped_requirements {
            ui.label(format!("{}: its requirement is dropped.", name(f)));
        }
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        legend_swatch(ui, BROKEN_COLOUR, "broken");
        legend_swatch(
            ui,
            HOLDS_COLOUR,
            if w.replan.is_some() {
                "carries more in the new plan"
            } else {
                "backup takes over"
            },
        );
    });
    ui.separator();
    ui.label(RichText::new(format!("Exchanges lost ({})", w.lost.len())).strong());
    for (k, l) in w.lost.iter().enumerate() {
        let Some(e) = o.report.exchanges.get(l.exchange) else {
            continue;
        };
        let (Some(from), Some(to)) = (
            region.facilities.get(e.from_facility),
            region.facilities.get(e.to_facility),
        ) else {
            continue;
        };
        let (Some(stream), Some(need)) = (from.outputs.get(e.stream), to.needs.get(e.need)) else {
            continue;
        };
        let hidden = app.workshop
            && s.withheld_exchanges
                .get(l.exchange)
                .copied()
                .unwrap_or(false);
        let unit = stream.unit.symbol();
        let need_unit = need.unit.symbol();
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            let title = format!("{} -> {}", from.name, to.name);
            if ui
                .link(RichText::new(title).strong())
                .on_hover_text("Show this pair on the map")
                .clicked()
            {
                out.push(Command::ShowExchange {
                    from_facility: e.from_facility,
                    stream: e.stream,
                    to_facility: e.to_facility,
                    need: e.need,
                });
            }
            ui.label(format!(
                "{} -> {}: {} {unit} not delivered ({} t), value {}",
                stream.material.replace('_', " "),
                need.material.replace('_', " "),
                thousands(l.source_units),
                thousands(l.tonnes),
                money(l.value, hidden)
            ));
            match &l.buffer {
                Some(Ok(b)) if b.sizing.capacity_t < 0.5 => {
                    ui.label(format!(
                        "No store: a steady flow needs none, so nothing bridges the {:.0} days.",
                        w.days
                    ));
                    if b.short_days > 0.0 {
                        ui.colored_label(
                            Color32::from_rgb(190, 100, 0),
                            format!(
                                "The receiver runs short {:.1} days before its usual supply can arrive.",
                                b.short_days
                            ),
                        );
                    }
                }
                Some(Ok(b)) => {
                    let kind = crate::buffer::StorageCatalogue::builtin()
                        .ok()
                        .and_then(|c| c.kind(&b.sizing.storage_kind))
                        .map_or(b.sizing.storage_kind.as_str(), |k| k.name.as_str());
                    let what = if l.side == Side::Outlet {
                        "takes the sender's deliveries for"
                    } else {
                        "carries the receiver for"
                    };
                    ui.label(format!(
                        "Store: {kind} of {} t ({:.1} days of cover when full); it {what} {:.1} of {:.0} days ({} t).",
                        thousands(b.sizing.capacity_t),
                        b.sizing.days_of_cover,
                        b.covered_days,
                        w.days,
                        thousands(l.covered_tonnes)
                    ));
                    if b.short_days > 0.0 {
                        ui.colored_label(
                            Color32::from_rgb(190, 100, 0),
                            format!(
                                "The receiver runs short {:.1} days before its usual supply can arrive.",
                                b.short_days
                            ),
                        );
                    }
                }
                Some(Err(why)) => {
                    ui.label(RichText::new(format!("No store: {why}")).weak());
                }
                None => {}
            }
            let takers = s.takers.get(k).map_or(&[][..], Vec::as_slice);
            let (rest, rest_unit, whom) = match l.side {
                Side::Supplier => (
                    format!("{} {need_unit} bought as today", thousands(l.fallback_units)),
                    need_unit,
                    "the receiver needs another supply",
                ),
                Side::Outlet => (
                    format!("{} {unit} to today's outlet", thousands(l.fallback_units)),
                    unit,
                    "the sender needs another outlet",
                ),
                Side::None => (String::new(), unit, "both stopped: nothing to replace"),
            };
            if l.side == Side::None {
                ui.label(whom);
            } else if takers.is_empty() {
                ui.label(format!(
                    "No backup takes over ({whom}): {rest}, {}.",
                    cost(l.fallback_cost, hidden)
                ));
            } else {
                let names: Vec<String> = takers
                    .iter()
                    .map(|&(f, q)| format!("{} ({} {rest_unit}/yr)", name(f), thousands(q)))
                    .collect();
                ui.label(
                    RichText::new(format!(
                        "Backups take {:.0} %: {}",
                        100.0 * l.replaced_share,
                        names.join(", ")
                    ))
                    .color(HOLDS_COLOUR),
                );
                if l.fallback_units > 0.0 {
                    ui.label(format!(
                        "The rest: {rest}, {}.",
                        cost(l.fallback_cost, hidden)
                    ));
                }
            }
        });
    }
    ui.separator();
    ui.label(
        RichText::new(format!(
            "Cost to each company ({cur}, {}; negative: it gains)",
            if w.stop.weeks.is_some() {
                "over the stop"
            } else {
                "a year"
            }
        ))
        .strong(),
    );
    egui::Grid::new("lens-companies")
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            for c in &w.companies {
                let label = if c.stopped {
                    format!("{} (stopped)", name(c.facility))
                } else {
                    name(c.facility)
                };
                ui.label(label);
                if app.workshop && s.withheld_companies.contains(&c.facility) {
                    ui.label("confidential");
                } else {
                    ui.label(thousands(c.cost));
                }
                ui.end_row();
            }
        });
    ui.add_space(4.0);
    ui.label(
        RichText::new(format!(
            "Worked out in {:.1} s (T3's greedy replacement; stores at the built-in 95 % service level). See docs/RESILIENCE.md.",
            s.seconds
        ))
        .weak()
        .small(),
    );
}

fn legend_swatch(ui: &mut Ui, colour: Color32, text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(22.0, 10.0), egui::Sense::hover());
    ui.painter().line_segment(
        [rect.left_center(), rect.right_center()],
        egui::Stroke::new(4.0, colour),
    );
    ui.label(text);
}
