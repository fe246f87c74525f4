//! The side panel: the selected facility with every stream and need fully characterised, the
//! preprocessing palette, the selected stream's candidates with their reasons, and the chart
//! of net value against distance. Reads the app; pushes commands.

use egui::{Color32, RichText, Ui};
use egui_plot::{Line, Plot, PlotPoints, Points, VLine};

use crate::catalogue::{Catalogue, MatchKind, PreprocessOption};
use crate::checks::Level;
use crate::economics::OutletValue;
use crate::matching::Candidate;
use crate::model::{Facility, Need, OutputStream, Pattern, PreprocessStep, Settings};
use crate::reference::{EwcList, NaceList};

use super::command::Command;
use super::pipeline_panel::{band, masked};
use super::theme;
use super::workspace::Workspace;
use crate::document::{Edit, StreamView};

/// How the candidate list is sorted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Value,
    NetPerUnit,
    Distance,
    Quantity,
    Category,
}

/// The payload of a preprocessing chip being dragged.
#[derive(Clone, Debug)]
pub struct StepChip(pub String);

const TERMS: &[(&str, &str)] = &[
    ("net", "Net value per delivered unit at this distance: avoided cost of today's outlet (negative when it sells today) + avoided purchase (after the by-product discount) - treatment, processing and preprocessing - handling and testing - transport."),
    ("b/e", "Break-even distance: the road distance at which the net value reaches zero, for the best transport mode."),
    ("value/yr", "Net value per year of the quantity that can be exchanged (limited by the stream after preprocessing and by the need)."),
    ("km", "Road distance: great-circle distance times the detour factor."),
];

fn term(name: &str) -> &'static str {
    TERMS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, t)| t)
}

pub fn show(ui: &mut Ui, app: &Workspace, out: &mut Vec<Command>) {
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            match app
                .selected_facility
                .and_then(|f| app.doc.region.facilities.get(f).map(|x| (f, x)))
            {
                None => overview(ui, app, out),
                Some((fi, facility)) => {
                    ui.horizontal(|ui| {
                        ui.heading(&facility.name);
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            if !app.workshop
                                && ui
                                    .button("Edit facility")
                                    .on_hover_text("Edit the facility, its streams and needs")
                                    .clicked()
                            {
                                out.push(Command::EditFacility(fi));
                            }
                        });
                    });
                    facility_header(ui, facility);
                    out.extend(whatif_button(ui, app, fi));
                    ui.separator();
                    outputs(ui, app, fi, facility, out);
                    needs(ui, app, fi, facility, out);
                    ui.separator();
                    // The scenario sliders stay at hand: the map and the list below follow
                    // them while they move.
                    egui::CollapsingHeader::new("Region-wide economics")
                        .id_salt("scenario")
                        .show(ui, |ui| settings_sliders(ui, &app.doc.region.settings, out));
                    if let Some(view) = &app.stream_view {
                        ui.separator();
                        candidates(ui, app, view, out);
                    }
                }
            }
        });
}

/// "What if this plant stops...": opens the what-if lens with it stopped; while the lens is
/// open, stops it too or lets it run again.
fn whatif_button(ui: &mut Ui, app: &Workspace, fi: usize) -> Option<Command> {
    use super::command::LensCommand;
    let lens = &app.lens;
    let (text, hint, command) = if !lens.open {
        (
            "What if this plant stops...",
            "Open the what-if lens: the plan's exchanges it breaks, what stores and backups bridge, the cost to each company.",
            LensCommand::Open(fi),
        )
    } else if lens.stops(&app.doc.region, fi) {
        (
            "Let it run again",
            "Take it out of the what-if stop.",
            LensCommand::Remove(fi),
        )
    } else {
        (
            "Stop it too",
            "Add it to the plants stopped in the what-if lens.",
            LensCommand::Add(fi),
        )
    };
    ui.button(text)
        .on_hover_text(hint)
        .clicked()
        .then_some(Command::Lens(command))
}

fn overview(ui: &mut Ui, app: &Workspace, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    ui.heading(&region.name);
    if !region.description.is_empty() {
        ui.label(&region.description);
    }
    let (o, n) = region.stream_counts();
    ui.label(format!(
        "{} facilities, {o} output streams, {n} needs",
        region.facilities.len()
    ));
    ui.label(RichText::new("Click a facility on the map, or search for one above.").italics());
    ui.separator();
    ui.strong("Region-wide economics");
    settings_sliders(ui, &region.settings, out);
    if !app.doc.engine.issues.is_empty() {
        ui.separator();
        ui.collapsing(
            format!(
                "{} streams or needs left out of the search",
                app.doc.engine.issues.len()
            ),
            |ui| {
                for issue in app.doc.engine.issues.iter().take(50) {
                    ui.label(&issue.message);
                }
            },
        );
    }
}

/// Region-wide economic settings: transport cost, carbon price, detour factor.
pub fn settings_sliders(ui: &mut Ui, settings: &Settings, out: &mut Vec<Command>) {
    let mut s = settings.clone();
    let mut changed = false;
    changed |= ui
        .add(egui::Slider::new(&mut s.transport_cost_factor, 0.25..=3.0).text("Transport cost x"))
        .on_hover_text("Multiplies every transport cost: a fuel price or haulage rate scenario. 1 = catalogue rates.")
        .changed();
    changed |= ui
        .add(egui::Slider::new(&mut s.carbon_price_per_t_co2, 0.0..=250.0).text("Carbon price EUR/t CO2"))
        .on_hover_text("Puts a price on the CO2 an exchange avoids (virgin production avoided minus transport and preprocessing). 0 = private economics only; the EU ETS price was about 65 EUR/t in 2024.")
        .changed();
    changed |= ui
        .add(egui::Slider::new(&mut s.detour_factor, 1.0..=2.0).text("Detour factor"))
        .on_hover_text("Road distance / straight-line distance. European roads: about 1.2 to 1.4.")
        .changed();
    if changed {
        out.push(Command::Edit(Edit::SetSettings(s)));
    }
}

fn facility_header(ui: &mut Ui, f: &Facility) {
    let nace = NaceList::get().lookup(&f.sector);
    let section = nace.map(|e| e.section);
    ui.horizontal_wrapped(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
        ui.painter()
            .circle_filled(rect.center(), 6.0, theme::nace_colour(section));
        ui.label(match nace {
            Some(e) => format!("NACE {} {}", e.code, e.description),
            None if f.sector.is_empty() => "Sector not given".to_owned(),
            None => format!("{} (not a NACE code)", f.sector),
        });
    });
    egui::Grid::new("facility")
        .num_columns(2)
        .max_col_width(value_width(ui))
        .show(ui, |ui| {
            ui.label("Location");
            ui.label(format!(
                "{:.5}, {:.5}",
                f.location.lat_deg, f.location.lon_deg
            ));
            ui.end_row();
            if !f.operator.is_empty() {
                ui.label("Operator");
                ui.label(&f.operator);
                ui.end_row();
            }
            if !f.address.is_empty() {
                ui.label("Address");
                ui.label(&f.address);
                ui.end_row();
            }
            if !f.tags.is_empty() {
                ui.label("Tags");
                ui.label(f.tags.join(", "));
                ui.end_row();
            }
            let access: Vec<&str> = [(f.rail_siding, "rail siding"), (f.quay, "quay")]
                .into_iter()
                .filter_map(|(has, name)| has.then_some(name))
                .collect();
            ui.label("Access");
            ui.label(if access.is_empty() {
                "road only".to_owned()
            } else {
                format!("road, {}", access.join(", "))
            });
            ui.end_row();
            if f.confidential {
                ui.label("Confidential");
                ui.label("costs hidden in workshop mode");
                ui.end_row();
            }
        });
}

/// Widest a value column may be, so that long values wrap inside the panel.
fn value_width(ui: &Ui) -> f32 {
    (ui.available_width() - 120.0).max(140.0)
}

fn availability_text(a: &crate::model::Availability, unit: &str) -> String {
    let pattern = match a.pattern {
        Pattern::Continuous => "continuous".to_owned(),
        Pattern::Batches {
            batch_quantity,
            every_days,
        } => format!("batches of {batch_quantity} {unit} every {every_days} days"),
    };
    if a.months.is_empty() {
        format!("{pattern}, all year")
    } else {
        const M: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let months: Vec<&str> = a
            .months
            .iter()
            .filter_map(|m| M.get(usize::from(*m).wrapping_sub(1)).copied())
            .collect();
        format!("{pattern}, {}", months.join(" "))
    }
}

fn outputs(ui: &mut Ui, app: &Workspace, fi: usize, f: &Facility, out: &mut Vec<Command>) {
    ui.strong(format!("Output streams ({})", f.outputs.len()));
    let catalogue = &app.doc.engine.catalogue;
    for (si, stream) in f.outputs.iter().enumerate() {
        let selected = app.selected_stream == Some((fi, si));
        let material = catalogue
            .material(&stream.material)
            .map_or(stream.material.as_str(), |m| m.display_name());
        let label = format!(
            "{material}  ·  {:.0} {}/yr",
            stream.quantity_per_yr, stream.unit
        );
        let r = ui.selectable_label(selected, RichText::new(label).strong());
        if r.clicked() {
            out.push(Command::SelectStream {
                facility: fi,
                stream: si,
            });
        }
        if selected {
            let hide_costs = app.workshop && f.confidential;
            egui::Frame::group(ui.style()).show(ui, |ui| {
                let outlet = app.doc.engine.outlet(&app.doc.region, fi, si);
                let lhv = app
                    .doc
                    .engine
                    .profile(&app.doc.region, fi, si)
                    .and_then(|(_, p)| p.ok())
                    .and_then(|p| p.lhv_mj_per_kg);
                stream_details(ui, stream, catalogue, &outlet, lhv, hide_costs);
                if !app.workshop {
                    ui.separator();
                    preprocessing(ui, fi, si, stream, catalogue, out);
                } else if !stream.preprocessing.is_empty() {
                    ui.separator();
                    let steps: Vec<&str> = stream
                        .preprocessing
                        .iter()
                        .map(|p| p.step.as_str())
                        .collect();
                    ui.label(format!("Preprocessing: {}", steps.join(", ")));
                }
            });
        }
    }
}

fn stream_details(
    ui: &mut Ui,
    s: &OutputStream,
    catalogue: &Catalogue,
    outlet: &OutletValue,
    lhv_delivered_mj_per_kg: Option<f64>,
    hide_costs: bool,
) {
    let material = catalogue.material(&s.material);
    egui::Grid::new(("stream", &s.id))
        .num_columns(2)
        .striped(true)
        .max_col_width(value_width(ui))
        .show(ui, |ui| {
            let row = |ui: &mut Ui, k: &str, v: String| {
                ui.label(k);
                ui.add(egui::Label::new(v).wrap());
                ui.end_row();
            };
            row(ui, "Id", s.id.clone());
            row(
                ui,
                "Material",
                material.map_or_else(
                    || format!("{} (not in the catalogue)", s.material),
                    |m| format!("{} ({})", m.display_name(), m.category.label()),
                ),
            );
            let ewc = s
                .ewc_code
                .as_deref()
                .map(|c| match EwcList::get().lookup(c) {
                    Some(e) => format!("{} {}", e.display_code(), e.description),
                    None => format!("{c} (not in the List of Waste)"),
                });
            row(
                ui,
                "EWC code",
                ewc.unwrap_or_else(|| "not given".to_owned()),
            );
            if !s.description.is_empty() {
                row(ui, "Description", s.description.clone());
            }
            let state = s.physical_state.or(material.map(|m| m.state));
            row(
                ui,
                "State",
                state.map_or_else(|| "unknown".into(), |x| x.label().to_owned()),
            );
            let typical = material.and_then(|m| m.typical_moisture_pct);
            row(
                ui,
                "Moisture",
                match (s.moisture_pct, typical) {
                    (Some(w), _) => format!("{w} %"),
                    (None, Some(w)) => format!("{w} % (typical)"),
                    (None, None) => "not given".into(),
                },
            );
            let density = s
                .bulk_density_t_per_m3
                .or(material.and_then(|m| m.bulk_density_t_per_m3));
            row(
                ui,
                "Bulk density",
                density.map_or_else(|| "not given".into(), |d| format!("{d} t/m3")),
            );
            row(
                ui,
                "Quantity",
                format!("{:.0} {}/yr", s.quantity_per_yr, s.unit),
            );
            row(
                ui,
                "Variability",
                s.variability_cv_pct
                    .map_or_else(|| "not given".into(), |v| format!("CV {v} %")),
            );
            row(
                ui,
                "Availability",
                availability_text(&s.availability, s.unit.symbol()),
            );
            row(
                ui,
                "Goes today to",
                format!(
                    "{}{}{}",
                    outlet.kind.label(),
                    if outlet.assumed {
                        " (assumed from the material)"
                    } else {
                        ""
                    },
                    if s.outlet.buyer.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", s.outlet.buyer)
                    }
                ),
            );
            row(
                ui,
                "Outlet today",
                if hide_costs {
                    "confidential".to_owned()
                } else if outlet.net_cost_per_unit < 0.0 {
                    format!(
                        "earns {:.2} per {}: an exchange must beat it ({})",
                        -outlet.net_cost_per_unit, s.unit, outlet.basis
                    )
                } else {
                    format!(
                        "costs {:.2} per {} ({})",
                        outlet.net_cost_per_unit, s.unit, outlet.basis
                    )
                },
            );
            if let Some(m) = material.filter(|m| m.lhv_dry_mj_per_kg.is_some()) {
                row(
                    ui,
                    "Heating value",
                    format!(
                        "{} MJ/kg as delivered ({} MJ/kg dry)",
                        lhv_delivered_mj_per_kg.map_or("?".to_owned(), |q| format!("{q:.1}")),
                        m.lhv_dry_mj_per_kg
                            .map_or("?".to_owned(), |q| format!("{q:.1}"))
                    ),
                );
            }
            if let Some(([lo, hi], unit)) =
                material.and_then(|m| m.market_price_range_per_unit.map(|r| (r, m.unit)))
            {
                row(
                    ui,
                    "Market price",
                    if hide_costs {
                        "confidential".to_owned()
                    } else {
                        format!(
                            "{lo:.0} to {hi:.0} per {unit} observed for this by-product{}",
                            if lo < 0.0 {
                                " (negative: a gate fee)"
                            } else {
                                ""
                            }
                        )
                    },
                );
            }
            if let Some(days) = s
                .shelf_life_days
                .or(material.and_then(|m| m.shelf_life_days))
            {
                row(ui, "Keeps", format!("{days} days before it spoils"));
            }
            if s.hazardous {
                row(ui, "Hazardous", "yes".into());
            }
            if !s.composition.is_empty() {
                let comp: Vec<String> = s
                    .composition
                    .iter()
                    .map(|c| format!("{} {} %", c.name, c.mass_pct))
                    .collect();
                row(ui, "Composition (dry)", comp.join(", "));
            }
        });
}

fn option_for<'a>(catalogue: &'a Catalogue, key: &str) -> Option<&'a PreprocessOption> {
    catalogue.preprocess_option(key)
}

fn preprocessing(
    ui: &mut Ui,
    fi: usize,
    si: usize,
    s: &OutputStream,
    catalogue: &Catalogue,
    out: &mut Vec<Command>,
) {
    ui.strong("Preprocessing at the source");
    ui.label(
        RichText::new("Drag an option onto the stream; the reach on the map follows.").small(),
    );
    // Drag sources are scopes, which a wrapping layout cannot wrap: measure the chips and
    // fill the rows here.
    let font = egui::TextStyle::Body.resolve(ui.style());
    let spacing = ui.spacing().item_spacing.x;
    let width_of = |ui: &Ui, name: &str| {
        ui.fonts_mut(|f| {
            f.layout_no_wrap(name.to_owned(), font.clone(), Color32::BLACK)
                .size()
                .x
        }) + 18.0
            + spacing
    };
    let mut rows: Vec<Vec<&PreprocessOption>> = vec![Vec::new()];
    let mut used = 0.0;
    let available = ui.available_width();
    for option in &catalogue.preprocessing {
        let w = width_of(ui, &option.name);
        if used + w > available && rows.last().is_some_and(|r| !r.is_empty()) {
            rows.push(Vec::new());
            used = 0.0;
        }
        used += w;
        if let Some(row) = rows.last_mut() {
            row.push(option);
        }
    }
    for row in rows {
        ui.horizontal(|ui| {
            for option in row {
                chip(ui, fi, si, s, option, catalogue, out);
            }
        });
    }
    let frame = egui::Frame::new()
        .stroke(egui::Stroke::new(1.5, Color32::from_rgb(120, 150, 190)))
        .corner_radius(6.0)
        .inner_margin(6.0);
    let (_, dropped) = ui.dnd_drop_zone::<StepChip, ()>(frame, |ui| {
        ui.set_min_width(ui.available_width());
        if s.preprocessing.is_empty() {
            ui.label(RichText::new("Drop a preprocessing step here").italics());
        }
        for (index, step) in s.preprocessing.iter().enumerate() {
            let Some(option) = option_for(catalogue, &step.step) else {
                ui.label(format!("unknown step `{}`", step.step));
                continue;
            };
            ui.horizontal(|ui| {
                ui.label(RichText::new(format!("{}.", index + 1)).strong());
                ui.label(&option.name);
                if ui
                    .small_button("Remove")
                    .on_hover_text("Remove this step")
                    .clicked()
                {
                    out.push(Command::Edit(Edit::RemoveStep {
                        facility: fi,
                        stream: si,
                        index,
                    }));
                }
            });
            if let Some(m) = &option.moisture {
                let mut target = step.target_moisture_pct.unwrap_or(m.default_target_pct);
                // A target at or above the moisture the stream reaches this step with cannot
                // run, and the stream would leave the search: the slider stops below it.
                let Some(highest) = highest_moisture_target(s, catalogue, index, m) else {
                    ui.colored_label(
                        Color32::from_rgb(190, 40, 40),
                        "The stream is already drier than this step can make it: remove the step.",
                    );
                    continue;
                };
                let r = ui.add(
                    egui::Slider::new(&mut target, m.min_target_pct..=highest)
                        .text("Target moisture %")
                        .fixed_decimals(0),
                );
                if r.changed() {
                    out.push(Command::Edit(Edit::SetStep {
                        facility: fi,
                        stream: si,
                        index,
                        step: PreprocessStep {
                            target_moisture_pct: Some(target),
                            ..step.clone()
                        },
                    }));
                }
            }
            if let Some(d) = &option.density {
                let mut target = step.target_density_t_per_m3.unwrap_or(d.default_t_per_m3);
                let r = ui.add(
                    egui::Slider::new(&mut target, d.min_t_per_m3..=d.max_t_per_m3)
                        .text("Target density t/m3")
                        .fixed_decimals(2),
                );
                if r.changed() {
                    out.push(Command::Edit(Edit::SetStep {
                        facility: fi,
                        stream: si,
                        index,
                        step: PreprocessStep {
                            target_density_t_per_m3: Some(target),
                            ..step.clone()
                        },
                    }));
                }
            }
        }
    });
    if let Some(chip) = dropped {
        out.push(Command::Edit(Edit::InsertStep {
            facility: fi,
            stream: si,
            index: s.preprocessing.len(),
            step: new_step(s, catalogue, &chip.0),
        }));
    }
}

/// A step added at the end of the stream's chain: a drying step whose default target is not
/// below the moisture the stream reaches it with starts at the highest target it can run at.
fn new_step(s: &OutputStream, catalogue: &Catalogue, key: &str) -> PreprocessStep {
    let mut step = PreprocessStep::new(key);
    if let Some(effect) = option_for(catalogue, key).and_then(|o| o.moisture.as_ref()) {
        if let Some(highest) = highest_moisture_target(s, catalogue, s.preprocessing.len(), effect)
        {
            if effect.default_target_pct > highest {
                step.target_moisture_pct = Some(highest);
            }
        }
    }
    step
}

/// The highest target moisture step `index` of the stream's chain can be given: a whole
/// percent below the moisture the stream reaches it with (after the steps before it), at most
/// 90 %. `None` when that leaves no room above the step's lowest target, or the moisture is
/// not known (the step cannot run either way).
fn highest_moisture_target(
    s: &OutputStream,
    catalogue: &Catalogue,
    index: usize,
    effect: &crate::catalogue::MoistureEffect,
) -> Option<f64> {
    let basis = crate::economics::StreamBasis::of(s, catalogue.material(&s.material));
    let before = s.preprocessing.get(..index)?;
    let entering = crate::economics::apply_preprocessing(&basis, before, catalogue)
        .ok()?
        .moisture_pct?;
    let highest = ((entering - 1.0).ceil()).min(90.0);
    (highest >= effect.min_target_pct).then_some(highest)
}

/// One preprocessing option as a chip to drag onto the stream (or add from its menu).
fn chip(
    ui: &mut Ui,
    fi: usize,
    si: usize,
    s: &OutputStream,
    option: &PreprocessOption,
    catalogue: &Catalogue,
    out: &mut Vec<Command>,
) {
    let id = egui::Id::unique(("chip", &option.key));
    let response = ui
        .dnd_drag_source(id, StepChip(option.key.clone()), |ui| {
            egui::Frame::new()
                .fill(Color32::from_rgb(214, 228, 244))
                .stroke(egui::Stroke::new(1.0, Color32::from_rgb(120, 150, 190)))
                .corner_radius(10.0)
                .inner_margin(egui::Margin::symmetric(8, 3))
                .show(ui, |ui| {
                    ui.add(
                        egui::Label::new(
                            RichText::new(&option.name).color(Color32::from_rgb(20, 40, 70)),
                        )
                        .extend(),
                    );
                });
        })
        .response;
    response
        .on_hover_text(format!(
            "{}\nDrag onto the stream below (or right-click to add).",
            option.description
        ))
        .context_menu(|ui| {
            if ui.button(format!("Add {}", option.name)).clicked() {
                out.push(Command::Edit(Edit::InsertStep {
                    facility: fi,
                    stream: si,
                    index: s.preprocessing.len(),
                    step: new_step(s, catalogue, &option.key),
                }));
                ui.close();
            }
        });
}

fn needs(ui: &mut Ui, app: &Workspace, fi: usize, f: &Facility, out: &mut Vec<Command>) {
    if f.needs.is_empty() {
        return;
    }
    let catalogue = &app.doc.engine.catalogue;
    let hide_costs = app.workshop && f.confidential;
    let suppliers = app.suppliers(fi);
    ui.strong(format!("Needs ({})", f.needs.len()));
    for (ni, n) in f.needs.iter().enumerate() {
        let material = catalogue
            .material(&n.material)
            .map_or(n.material.as_str(), |m| m.display_name());
        egui::CollapsingHeader::new(format!(
            "{material}  ·  {:.0} {}/yr",
            n.quantity_per_yr, n.unit
        ))
        .id_salt(("need", &n.id))
        .show(ui, |ui| need_details(ui, n, catalogue, hide_costs));
        let hits = suppliers.get(ni).map_or(&[][..], Vec::as_slice);
        let viable = hits.iter().filter(|h| h.viable).count();
        // Open at once for a facility that only buys: its suppliers are what it is about.
        egui::CollapsingHeader::new(format!("Possible suppliers: {viable} viable"))
            .id_salt(("suppliers", &n.id))
            .default_open(f.outputs.is_empty())
            .show(ui, |ui| supplier_list(ui, app, fi, ni, hits, out));
    }
}

/// How many suppliers of a need are listed.
const SUPPLIERS_SHOWN: usize = 15;

/// The possible suppliers of need `ni` of facility `fi`, best first: who, which stream, how
/// far, and (unless a party is confidential in the workshop) what it is worth. A click shows
/// the pair on the map with the supplier's stream selected.
fn supplier_list(
    ui: &mut Ui,
    app: &Workspace,
    fi: usize,
    ni: usize,
    hits: &[crate::matching::PairHit],
    out: &mut Vec<Command>,
) {
    if hits.is_empty() {
        ui.weak("No stream in the region reaches this need.");
        return;
    }
    let region = &app.doc.region;
    let engine = &app.doc.engine;
    for h in hits.iter().take(SUPPLIERS_SHOWN) {
        let Some(s) = engine.supplies.get(h.supply as usize) else {
            continue;
        };
        let (from, stream) = (s.facility as usize, s.stream as usize);
        let Some((supplier, output)) = region
            .facilities
            .get(from)
            .and_then(|x| Some((x, x.outputs.get(stream)?)))
        else {
            continue;
        };
        let material = engine
            .catalogue
            .material(&output.material)
            .map_or(output.material.as_str(), |m| m.display_name());
        ui.horizontal_wrapped(|ui| {
            badge(ui, h.kind);
            let name = if h.viable {
                RichText::new(&supplier.name).strong()
            } else {
                RichText::new(format!("{} (not viable)", supplier.name)).weak()
            };
            if ui
                .link(name)
                .on_hover_text("Show this pair: the supplier's stream and its candidates")
                .clicked()
            {
                out.push(Command::ShowExchange {
                    from_facility: from,
                    stream,
                    to_facility: fi,
                    need: ni,
                });
            }
            ui.label(format!("{material}, {:.1} km", h.distance_km))
                .on_hover_text(term("km"));
            if masked(app, from, fi) {
                ui.label(format!(
                    "b/e {}",
                    crate::disclosure::distance_band(h.break_even_km)
                ))
                .on_hover_text(term("b/e"));
            } else {
                ui.label(format!("b/e {:.0} km", h.break_even_km))
                    .on_hover_text(term("b/e"));
                ui.label(format!(
                    "net {:.2}/{}",
                    h.net_value_per_unit,
                    output.unit.symbol()
                ))
                .on_hover_text(term("net"));
            }
        });
    }
    if hits.len() > SUPPLIERS_SHOWN {
        ui.weak(format!("... and {} more", hits.len() - SUPPLIERS_SHOWN));
    }
}

fn need_details(ui: &mut Ui, n: &Need, catalogue: &Catalogue, hide_costs: bool) {
    let side = catalogue
        .material(&n.material)
        .and_then(|m| crate::economics::DemandSide::new(n, m, catalogue));
    egui::Grid::new(("need", &n.id))
        .num_columns(2)
        .striped(true)
        .max_col_width(value_width(ui))
        .show(ui, |ui| {
            let row = |ui: &mut Ui, k: &str, v: String| {
                ui.label(k);
                ui.add(egui::Label::new(v).wrap());
                ui.end_row();
            };
            row(ui, "Id", n.id.clone());
            row(
                ui,
                "Pays today",
                if hide_costs {
                    "confidential".to_owned()
                } else {
                    n.supply.price_per_unit.map_or_else(
                        || {
                            side.map_or("catalogue price".into(), |d| {
                                format!(
                                    "{:.2} per {} delivered (catalogue price)",
                                    d.price_per_to_unit / d.need_units_per_to_unit.max(1e-12),
                                    n.unit
                                )
                            })
                        },
                        |p| format!("{p:.2} per {} delivered", n.unit),
                    )
                },
            );
            if let Some(d) = side {
                row(ui, "Bought today", supply_text(n, &d));
            }
            row(
                ui,
                "Availability",
                availability_text(&n.availability, n.unit.symbol()),
            );
            let sp = &n.spec;
            if let Some(m) = sp.max_moisture_pct {
                row(ui, "Max moisture", format!("{m} %"));
            }
            for c in &sp.min_constituents {
                row(ui, "Min", format!("{} {} %", c.name, c.mass_pct));
            }
            for c in &sp.max_constituents {
                row(ui, "Max", format!("{} {} %", c.name, c.mass_pct));
            }
            if !sp.accepted_states.is_empty() {
                row(
                    ui,
                    "Accepts",
                    sp.accepted_states
                        .iter()
                        .map(|s| s.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            if let Some(l) = sp.min_lot {
                row(ui, "Min lot", format!("{l} {}", n.unit));
            }
            if let Some(v) = sp.max_variability_cv_pct {
                row(ui, "Max variability", format!("CV {v} %"));
            }
        });
}

/// What a need buys today, in a line: origin, distance, supplier, heat source and the CO2 an
/// exchange would displace.
fn supply_text(n: &Need, d: &crate::economics::DemandSide) -> String {
    use crate::model::SupplyOrigin;
    let mut parts = vec![match d.origin {
        SupplyOrigin::Virgin => "newly produced".to_owned(),
        SupplyOrigin::Secondary => "a secondary material (no production credit)".to_owned(),
    }];
    if let Some(km) = n.supply.distance_km {
        parts.push(format!(
            "from {km:.0} km by {}",
            n.supply.mode.unwrap_or(crate::model::ModeKey::Truck)
        ));
    }
    if !n.supply.supplier.is_empty() {
        parts.push(format!("by {}", n.supply.supplier));
    }
    if let Some(h) = d.heat_source {
        parts.push(format!("heat from a {}", h.label()));
    }
    parts.push(format!(
        "an exchange displaces {:.1} kg CO2 per unit of it",
        d.displaced_co2_kg_per_to_unit
    ));
    parts.join(", ")
}

fn badge(ui: &mut Ui, kind: MatchKind) {
    egui::Frame::new()
        .fill(theme::kind_colour(kind))
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(4, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(kind.label()).color(Color32::WHITE).small())
        });
}

fn candidates(ui: &mut Ui, app: &Workspace, view: &StreamView, out: &mut Vec<Command>) {
    ui.heading(format!("Candidates: {} viable", view.viable_count));
    if view.lines.len() > view.candidates.len() {
        ui.label(format!(
            "Listing the best {} of {} pairs found.",
            view.candidates.len(),
            view.lines.len()
        ));
    }
    if let Some(p) = &view.problem {
        ui.colored_label(Color32::from_rgb(190, 40, 40), p);
    }
    let reach_banded = super::pipeline_panel::reach_masked(app);
    ui.horizontal_wrapped(|ui| {
        ui.label("Reach (break-even):");
        for (mode, km) in &view.reach_by_mode {
            ui.label(
                RichText::new(format!(
                    "{mode} {}",
                    if reach_banded {
                        crate::disclosure::distance_band(*km)
                    } else if km.is_finite() {
                        format!("{km:.0} km")
                    } else {
                        "unlimited".into()
                    }
                ))
                .color(super::map::selection::mode_colour(*mode)),
            )
            .on_hover_text(term("b/e"));
        }
    });
    let mut sort = ui
        .data(|d| d.get_temp::<SortKey>(egui::Id::unique("candidate_sort")))
        .unwrap_or_default();
    ui.horizontal(|ui| {
        ui.label("Sort by");
        for (key, name) in [
            (SortKey::Value, "value/yr"),
            (SortKey::NetPerUnit, "net/unit"),
            (SortKey::Distance, "distance"),
            (SortKey::Quantity, "quantity"),
            (SortKey::Category, "category"),
        ] {
            if ui.selectable_label(sort == key, name).clicked() {
                sort = key;
            }
        }
    });
    ui.data_mut(|d| d.insert_temp(egui::Id::unique("candidate_sort"), sort));
    let mut order: Vec<usize> = (0..view.candidates.len()).collect();
    let c = &view.candidates;
    order.sort_by(|&a, &b| {
        let (x, y) = (&c[a], &c[b]);
        y.viable.cmp(&x.viable).then(match sort {
            SortKey::Value => y.annual.value_per_yr.total_cmp(&x.annual.value_per_yr),
            SortKey::NetPerUnit => y
                .value
                .net_value_per_unit
                .total_cmp(&x.value.net_value_per_unit),
            SortKey::Distance => x.value.distance_km.total_cmp(&y.value.distance_km),
            SortKey::Quantity => y
                .annual
                .exchanged_per_yr
                .total_cmp(&x.annual.exchanged_per_yr),
            SortKey::Category => x.kind.cmp(&y.kind),
        })
    });
    let region = &app.doc.region;
    let unit = region
        .facilities
        .get(view.facility)
        .and_then(|f| f.outputs.get(view.stream))
        .map_or("t", |s| s.unit.symbol());
    // A few rows at a time: each is several widgets, redrawn every frame.
    let limit_id = egui::Id::unique(("candidate_limit", view.facility, view.stream));
    let limit = ui.data(|d| d.get_temp::<usize>(limit_id)).unwrap_or(30);
    let shown = order.len().min(limit);
    if let Some(selected) = app.selected_candidate {
        // Keep the selected row in the list.
        if let Some(pos) = order.iter().position(|&i| i == selected) {
            if pos >= shown {
                order.swap(pos, shown.saturating_sub(1));
            }
        }
    }
    for &i in order.iter().take(shown) {
        let cand = &view.candidates[i];
        let partner = &region.facilities[cand.to_facility];
        let need = &partner.needs[cand.need];
        let selected = app.selected_candidate == Some(i);
        let frame = egui::Frame::new()
            .fill(if selected {
                Color32::from_rgb(255, 246, 214)
            } else {
                Color32::TRANSPARENT
            })
            .inner_margin(2.0);
        frame.show(ui, |ui| {
            ui.horizontal(|ui| {
                badge(ui, cand.kind);
                let status = if cand.viable { "" } else { "  (not viable)" };
                let r = ui.selectable_label(
                    selected,
                    RichText::new(format!("{}{status}", partner.name)).strong(),
                );
                if r.clicked() {
                    out.push(Command::SelectCandidate(if selected {
                        None
                    } else {
                        Some(i)
                    }));
                }
            });
            ui.horizontal_wrapped(|ui| {
                let material = app
                    .doc
                    .engine
                    .catalogue
                    .material(&need.material)
                    .map_or(need.material.as_str(), |m| m.display_name());
                ui.label(format!("-> {material}"));
                ui.label(format!("{:.1} km", cand.value.distance_km))
                    .on_hover_text(term("km"));
                let hidden = masked(app, cand.from_facility, cand.to_facility);
                ui.label(if hidden {
                    format!("b/e {}", crate::disclosure::distance_band(cand.value.break_even_km))
                } else {
                    format!("b/e {:.0} km", cand.value.break_even_km)
                })
                .on_hover_text(term("b/e"));
                if hidden {
                    ui.label(RichText::new(band(cand)).strong())
                        .on_hover_text("A party is confidential: its costs and prices are not shown in workshop mode.");
                } else {
                    ui.label(format!("net {:.2}/{unit}", cand.value.net_value_per_unit))
                        .on_hover_text(term("net"));
                    ui.label(
                        RichText::new(format!(
                            "{}/yr",
                            super::format_money(cand.annual.value_per_yr)
                        ))
                        .strong(),
                    )
                    .on_hover_text(term("value/yr"));
                }
                ui.label(format!("by {}", cand.value.mode));
            });
            egui::CollapsingHeader::new("Reasons")
                .id_salt(("reasons", i))
                .default_open(selected)
                .show(ui, |ui| {
                    // The selected pair's storage remarks give way to its store's figures,
                    // shown below the list.
                    let sized = selected && app.pair_buffer(cand).is_some_and(|b| b.is_ok());
                    reasons(
                        ui,
                        cand,
                        unit,
                        masked(app, cand.from_facility, cand.to_facility),
                        sized,
                    );
                });
            if selected && cand.viable {
                let region = &app.doc.region;
                let exists = region.projects.iter().any(|p| {
                    p.stream.as_deref() == Some(&region.facilities[cand.from_facility].outputs[cand.stream].id)
                        && p.need.as_deref() == Some(&need.id)
                });
                if !exists && ui.button("Start a project").clicked() {
                    out.push(Command::Edit(Edit::InsertProject {
                        index: region.projects.len(),
                        project: Box::new(super::pipeline_panel::project_from_candidate(region, cand)),
                    }));
                    out.push(Command::OpenProject(region.projects.len()));
                }
            }
        });
    }
    if order.len() > shown
        && ui
            .button(format!("Show {} more", (order.len() - shown).min(30)))
            .clicked()
    {
        ui.data_mut(|d| d.insert_temp(limit_id, limit + 30));
    }
    if let Some(i) = app.selected_candidate {
        if let Some(cand) = view.candidates.get(i) {
            let hidden = masked(app, cand.from_facility, cand.to_facility);
            ui.separator();
            let keeps_days = region
                .facilities
                .get(cand.from_facility)
                .and_then(|f| f.outputs.get(cand.stream))
                .and_then(|s| {
                    s.shelf_life_days.or_else(|| {
                        app.doc
                            .engine
                            .catalogue
                            .material(&s.material)
                            .and_then(|m| m.shelf_life_days)
                    })
                });
            storage(
                ui,
                cand,
                app.pair_buffer(cand).as_deref(),
                hidden,
                &app.doc.region.currency,
                keeps_days,
                app.doc.region.settings.service_level_pct,
            );
            service_level_choice(ui, &app.doc.region.settings, out);
            if !hidden {
                ui.separator();
                chart(ui, app, cand);
            }
        }
    }
}

/// The service level the stores are sized for: 95 % (the default) or 99 % (a process that
/// cannot stop), a region setting (T16, `docs/BUFFERS.md`).
fn service_level_choice(ui: &mut Ui, settings: &Settings, out: &mut Vec<Command>) {
    let current = settings.service_level_pct.unwrap_or(95.0);
    ui.horizontal(|ui| {
        ui.label("Size stores for");
        for (pct, hint) in [
            (
                95.0,
                "one replenishment cycle in 20 may run short (the default)",
            ),
            (99.0, "a process that cannot stop: one cycle in 100"),
        ] {
            if ui
                .selectable_label((current - pct).abs() < 1e-9, format!("{pct:.0} %"))
                .on_hover_text(hint)
                .clicked()
                && (current - pct).abs() > 1e-9
            {
                out.push(Command::Edit(Edit::SetSettings(Settings {
                    service_level_pct: Some(pct),
                    ..settings.clone()
                })));
            }
        }
        ui.label("of cycles without a stockout");
    });
}

/// A check that only says storage is needed (the supply's and the need's months or patterns
/// differ): shown as the store's figures instead when the store could be sized.
fn storage_remark(check: &crate::checks::Check) -> bool {
    check.level == Level::Note && matches!(check.aspect, "pattern" | "months")
}

/// The store the candidate needs between the supply's pattern and the receiver's months
/// (`crate::buffer`, `docs/BUFFERS.md`): its size, days of cover, yearly costs and the share of
/// the stream delivered with it and without.
fn storage(
    ui: &mut Ui,
    c: &Candidate,
    sizing: Option<&Result<crate::buffer::BufferSizing, String>>,
    hide_money: bool,
    currency: &str,
    keeps_days: Option<f64>,
    service_level_pct: Option<f64>,
) {
    let Some(sizing) = sizing else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(
                RichText::new("Sizing the store this pair needs (a simulation of 1 000 years)...")
                    .weak(),
            );
        });
        return;
    };
    let b = match sizing {
        Ok(b) => b,
        Err(why) => {
            ui.label(RichText::new(format!("No store sized: {why}")).weak());
            return;
        }
    };
    let defaults = crate::buffer::StorageCatalogue::builtin().ok();
    let kind = defaults
        .and_then(|d| d.kind(&b.storage_kind))
        .map_or(b.storage_kind.as_str(), |k| k.name.as_str());
    let (level, reaction) = defaults.map_or((0.95, 5.0), |d| {
        (
            service_level_pct.map_or(d.defaults.service_level, |p| p / 100.0),
            d.defaults.reaction_days,
        )
    });
    ui.strong("Storage this pair needs");
    egui::Grid::new(("storage", c.hit.supply, c.hit.demand))
        .num_columns(2)
        .striped(true)
        .max_col_width(value_width(ui))
        .show(ui, |ui| {
            let row = |ui: &mut Ui, k: &str, v: String| {
                ui.label(k);
                ui.add(egui::Label::new(v).wrap());
                ui.end_row();
            };
            row(
                ui,
                "Store",
                format!(
                    "{kind}: {} t, {} m3, {:.1} days of cover",
                    super::format_quantity(b.capacity_t),
                    super::format_quantity(b.capacity_m3),
                    b.days_of_cover
                ),
            );
            row(
                ui,
                "Of which",
                format!(
                    "cycle stock {} t, headroom {} t, virgin safety stock {} t",
                    super::format_quantity(b.cycle_stock_t),
                    super::format_quantity(b.headroom_t),
                    super::format_quantity(b.safety_stock_t)
                ),
            );
            row(
                ui,
                "Service level",
                format!(
                    "{:.0} % of cycles without a stockout, {reaction:.0} days to bring in usual supply",
                    100.0 * level
                ),
            );
            row(
                ui,
                "Costs a year",
                if hide_money {
                    "confidential".to_owned()
                } else {
                    format!(
                        "storage {} {currency}, virgin safety stock {} {currency}",
                        crate::cli::thousands(b.storage_cost_per_yr),
                        crate::cli::thousands(b.safety_stock_holding_cost_per_yr)
                    )
                },
            );
            row(
                ui,
                "Delivered",
                format!(
                    "{:.1} % of the flow with this store, {:.1} % with none",
                    100.0 * b.delivered_share,
                    100.0 * b.delivered_share_no_storage
                ),
            );
        });
    if let Some(days) = keeps_days.filter(|&d| d < b.days_of_cover) {
        // The buffer model does not know that a stream spoils.
        ui.label(
            RichText::new(format!(
                "It keeps only {days:.0} days: a store of {:.0} days of cover would spoil it. Count on what arrives without one.",
                b.days_of_cover
            ))
            .color(Color32::from_rgb(190, 40, 40)),
        );
    }
    if b.delivered_share_no_storage < 0.995 {
        ui.label(
            RichText::new(format!(
                "Without a store only {:.0} % of this flow would reach the receiver. The yearly figures above count no store's cost, and the flow as if it all arrived (less only the months the receiver takes none of it).",
                100.0 * b.delivered_share_no_storage
            ))
            .color(Color32::from_rgb(190, 100, 0)),
        );
    }
}

fn reasons(ui: &mut Ui, c: &Candidate, unit: &str, hide_money: bool, storage_sized: bool) {
    match &c.rule {
        Some(r) => {
            ui.label(format!(
                "Rule {}: {} ({} substitution, ratio {})",
                r.id, r.description, r.kind, r.substitution_ratio
            ));
            if let Some(t) = &r.treatment {
                ui.label(format!(
                    "Treatment: {} at {:.2} per {unit}",
                    t.name, t.cost_per_unit
                ));
            }
        }
        None => {
            ui.label("Same material: used as delivered.");
        }
    }
    for check in &c.checks {
        if storage_sized && storage_remark(check) {
            continue;
        }
        let (icon, colour) = match check.level {
            Level::Pass => ("ok", Color32::from_rgb(46, 125, 50)),
            Level::Note => ("note", Color32::from_rgb(120, 120, 120)),
            Level::Fixable => ("fix", Color32::from_rgb(230, 140, 0)),
            Level::Fail => ("fail", Color32::from_rgb(190, 40, 40)),
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(icon).color(colour).strong());
            ui.label(&check.message);
        });
    }
    let v = &c.value;
    if !hide_money {
        ui.label(format!(
            "Today: {} ({}), {}.",
            c.outlet.kind.label(),
            c.outlet.basis,
            match c.demand.origin {
                crate::model::SupplyOrigin::Virgin => "the receiver buys it new",
                crate::model::SupplyOrigin::Secondary =>
                    "the receiver already buys a secondary material: no production credit",
            }
        ));
        if let Some(e) = c.energy_mwh_per_unit {
            ui.label(format!(
                "Energy basis: {:.1} MJ/kg as delivered, {e:.3} MWh per {unit}.",
                c.lhv_mj_per_kg.unwrap_or(0.0)
            ));
        }
        if c.price_factor < 1.0 {
            ui.label(format!(
                "By-product discount: the receiver pays for {:.0} % of what it replaces.",
                100.0 * c.price_factor
            ));
        }
        ui.label(format!(
            "Per {unit}: avoided outlet {:.2} + avoided purchase {:.2} - treatment/processing/preprocessing {:.2} - handling and testing {:.2} - transport {:.2} = {:.2}",
            v.avoided_outlet_per_unit, v.avoided_purchase_per_unit, v.fixed_cost_per_unit, v.handling_per_unit, v.transport_per_unit, v.net_value_per_unit
        ));
        if let Some(d) = c.pipe_diameter_m {
            ui.label(format!(
                "Pipeline sized for the flow: inner diameter {:.0} mm.",
                d * 1000.0
            ));
        }
        let g = &c.gains;
        ui.label(format!(
            "Who gains: sender {}/yr, receiver {}/yr at a transfer price of {:.2} per {unit} ex works (both gain between {:.2} and {:.2}).",
            super::format_money(g.sender_per_yr),
            super::format_money(g.receiver_per_yr),
            g.transfer_price_per_unit,
            g.price_low_per_unit,
            g.price_high_per_unit
        ));
    }
    for (mode, r) in &c.by_mode {
        match r {
            Ok(pv) if hide_money => ui.label(format!(
                "{mode}: break-even {}",
                crate::disclosure::distance_band(pv.break_even_km)
            )),
            Ok(pv) => ui.label(format!(
                "{mode}: break-even {:.0} km, net {:.2}",
                pv.break_even_km, pv.net_value_per_unit
            )),
            Err(b) => ui.label(RichText::new(format!("{mode}: {}", b.explain())).weak()),
        };
    }
    ui.label(format!(
        "Per year: {:.0} {unit} exchanged ({:.0} % of the stream, {:.0} % of the need), CO2 avoided {:.1} t, landfill diverted {:.0} t",
        c.annual.exchanged_per_yr, c.annual.supply_used_pct, c.annual.need_covered_pct, c.annual.co2_avoided_t_per_yr, c.annual.landfill_diverted_t_per_yr
    ));
}

/// Net value per unit against distance for the selected pair by its mode, with and without the
/// stream's preprocessing, and the pair's actual distance.
fn chart(ui: &mut Ui, app: &Workspace, c: &Candidate) {
    let region = &app.doc.region;
    let stream = &region.facilities[c.from_facility].outputs[c.stream];
    ui.strong(format!(
        "Net value per unit against distance ({})",
        c.value.mode
    ));
    let after = c.value;
    let before = if stream.preprocessing.is_empty() {
        None
    } else {
        app.doc.engine.evaluate_with_chain(region, &c.hit, &[])
    };
    let max_km = [
        Some(after.break_even_km),
        before.map(|b| b.break_even_km),
        Some(c.value.distance_km),
    ]
    .into_iter()
    .flatten()
    .filter(|x| x.is_finite())
    .fold(10.0_f64, f64::max)
        * 1.2;
    let line = |v: &crate::economics::PairValue| -> PlotPoints<'static> {
        vec![
            [0.0, v.value_at_zero_per_unit],
            [
                max_km,
                v.value_at_zero_per_unit - v.slope_per_unit_km * max_km,
            ],
        ]
        .into()
    };
    Plot::new(("value_plot", c.hit.supply, c.hit.demand))
        .height(180.0)
        // Labels every 100 km fit once they are 28 px apart.
        .custom_x_axes(vec![egui_plot::AxisHints::new_x()
            .label("road distance, km")
            .label_spacing(28.0..=40.0)])
        .y_axis_label("net value per unit")
        .legend(egui_plot::Legend::default())
        .allow_scroll(false)
        .show(ui, |plot| {
            let name = if before.is_some() {
                "with preprocessing"
            } else {
                "as is"
            };
            plot.line(Line::new(name, line(&after)).width(2.5));
            if let Some(b) = before {
                plot.line(Line::new("as is", line(&b)).style(egui_plot::LineStyle::dashed_loose()));
            }
            plot.line(
                Line::new("zero", PlotPoints::from(vec![[0.0, 0.0], [max_km, 0.0]]))
                    .color(Color32::GRAY),
            );
            plot.vline(VLine::new("this pair", c.value.distance_km));
            plot.points(Points::new("break-even", vec![[after.break_even_km, 0.0]]).radius(5.0));
        });
}
