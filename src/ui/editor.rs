//! Editing a facility: a form over a working copy that is checked as the user types. Every
//! field shows what is wrong with it beside it; the copy goes into the region (one
//! [`Edit::SetFacility`], so one undo step per field typed) only while it has no problem.
//! Pickers search the EU List of Waste, NACE Rev. 2 and the catalogue's materials; a material
//! of the region's own can be added.

use std::collections::HashMap;

use egui::{Color32, RichText, Ui};

use crate::catalogue::{Catalogue, Category, Material};
use crate::io::json_path::JsonPath;
use crate::io::region_file::validate_facility;
use crate::model::{
    Availability, Constituent, CurrentSupply, Facility, HeatSource, Need, OutletKind, OutputStream,
    Pattern, PhysicalState, Region, SupplyOrigin, Unit,
};
use crate::reference::{EwcList, NaceList};

use super::command::Command;
use crate::document::{Document, Edit};

/// Which list a picker searches, and for which field.
#[derive(Clone, Debug, PartialEq)]
enum PickerKind {
    Nace,
    Ewc(usize),
    OutputMaterial(usize),
    NeedMaterial(usize),
}

#[derive(Clone, Debug)]
struct Picker {
    kind: PickerKind,
    query: String,
}

/// The form of the facility being edited.
#[derive(Clone, Debug)]
pub struct FacilityForm {
    pub index: usize,
    draft: Facility,
    /// The facility as the region held it when the draft was last in step with it.
    applied: Facility,
    /// Numeric fields as typed, by field path (`outputs[0].moisture_pct`).
    texts: HashMap<String, String>,
    /// What is wrong, by field path; the draft is applied only when this is empty.
    pub problems: Vec<(String, String)>,
    picker: Option<Picker>,
    /// A material of the region's own being defined.
    new_material: Option<Material>,
}

impl FacilityForm {
    pub fn new(index: usize, facility: &Facility) -> Self {
        Self {
            index,
            draft: facility.clone(),
            applied: facility.clone(),
            texts: HashMap::new(),
            problems: Vec::new(),
            picker: None,
            new_material: None,
        }
    }

    /// What is wrong with the field at `path`, if anything.
    pub fn problem(&self, path: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, m)| m.as_str())
    }
}

/// A number typed into a text field: its text is kept as typed, and a problem is recorded
/// when it does not parse.
fn number_field(
    ui: &mut Ui,
    texts: &mut HashMap<String, String>,
    parse_problems: &mut Vec<(String, String)>,
    path: &str,
    value: &mut Option<f64>,
    hint: &str,
) {
    let text = texts
        .entry(path.to_owned())
        .or_insert_with(|| value.map(format_number).unwrap_or_default());
    let edit = ui.add(
        egui::TextEdit::singleline(text)
            .desired_width(110.0)
            .hint_text(hint),
    );
    edit.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, path));
    let t = text.trim().replace(',', ".");
    if t.is_empty() {
        *value = None;
    } else {
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => *value = Some(v),
            _ => parse_problems.push((path.to_owned(), format!("`{t}` is not a number"))),
        }
    }
}

fn format_number(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

fn find<'a>(problems: &'a [(String, String)], path: &str) -> Option<&'a str> {
    problems
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, m)| m.as_str())
}

/// A label and a widget on one row of a grid, and the field's problem under it.
fn row(ui: &mut Ui, label: &str, problem: Option<&str>, add: impl FnOnce(&mut Ui)) {
    ui.label(label);
    ui.vertical(|ui| {
        add(ui);
        if let Some(p) = problem {
            ui.label(
                RichText::new(p)
                    .small()
                    .color(Color32::from_rgb(190, 40, 40)),
            );
        }
    });
    ui.end_row();
}

fn text_field(ui: &mut Ui, text: &mut String, name: &str, hint: &str) {
    ui.add(
        egui::TextEdit::singleline(text)
            .desired_width(240.0)
            .hint_text(hint),
    )
    .widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, name));
}

/// Shows the form; pushes the edits it makes. Returns `false` when the form should close.
#[allow(clippy::too_many_lines)]
pub fn show(ui: &mut Ui, form: &mut FacilityForm, doc: &Document, out: &mut Vec<Command>) -> bool {
    let region = &doc.region;
    let Some(current) = region.facilities.get(form.index) else {
        return false;
    };
    if current != &form.applied {
        // Changed elsewhere (undo, a move on the map): start again from the region.
        *form = FacilityForm {
            picker: form.picker.take(),
            new_material: form.new_material.take(),
            ..FacilityForm::new(form.index, current)
        };
    }
    let catalogue = &doc.engine.catalogue;
    let mut keep_open = true;
    let mut parse_problems = Vec::new();

    ui.horizontal(|ui| {
        ui.heading(format!("Editing {}", form.draft.name));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Done").clicked() {
                keep_open = false;
            }
        });
    });
    if form.problems.is_empty() {
        ui.weak("Every change is applied as you type; Ctrl+Z undoes it.");
    } else {
        ui.colored_label(
            Color32::from_rgb(190, 40, 40),
            format!(
                "{} problem{} to fix before the changes apply (shown in red below).",
                form.problems.len(),
                if form.problems.len() == 1 { "" } else { "s" }
            ),
        );
    }
    ui.separator();
    // The header above stays in view; the fields scroll.
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {

            let FacilityForm {
                draft,
                texts,
                picker,
                new_material,
                ..
            } = form;
            let problems = form.problems.clone();
            let problem = |p: &str| find(&problems, p);

            egui::Grid::new("facility_form")
                .num_columns(2)
                .spacing([8.0, 6.0])
                .show(ui, |ui| {
                    row(ui, "Name", problem("name"), |ui| {
                        text_field(ui, &mut draft.name, "Name", "what people call the site");
                    });
                    row(ui, "Id", problem("id"), |ui| {
                        text_field(ui, &mut draft.id, "Id", "unique in the region");
                    });
                    row(ui, "Operator", None, |ui| {
                        text_field(ui, &mut draft.operator, "Operator", "company");
                    });
                    row(ui, "Sector (NACE)", problem("sector"), |ui| {
                        nace_picker(ui, &mut draft.sector, picker);
                    });
                    let mut lat = Some(draft.location.lat_deg);
                    let mut lon = Some(draft.location.lon_deg);
                    row(ui, "Latitude °", problem("location.lat_deg"), |ui| {
                        number_field(ui, texts, &mut parse_problems, "location.lat_deg", &mut lat, "-90..90");
                    });
                    row(ui, "Longitude °", problem("location.lon_deg"), |ui| {
                        number_field(ui, texts, &mut parse_problems, "location.lon_deg", &mut lon, "-180..180");
                    });
                    match (lat, lon) {
                        (Some(a), Some(b)) => {
                            draft.location.lat_deg = a;
                            draft.location.lon_deg = b;
                        }
                        (None, _) => parse_problems.push(("location.lat_deg".into(), "required".into())),
                        (_, None) => parse_problems.push(("location.lon_deg".into(), "required".into())),
                    }
                    row(ui, "Address", None, |ui| {
                        text_field(ui, &mut draft.address, "Address", "street, town");
                    });
                    row(ui, "Country", None, |ui| {
                        let mut code = draft.country.clone().unwrap_or_default();
                        text_field(ui, &mut code, "Country", "ISO code (BE, NL...): outlet costs");
                        let code = code.trim().to_ascii_uppercase();
                        draft.country = (!code.is_empty()).then_some(code);
                    });
                    let mut tags = draft.tags.join(", ");
                    row(ui, "Tags", None, |ui| {
                        text_field(ui, &mut tags, "Tags", "comma-separated");
                    });
                    let parsed: Vec<String> = tags
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect();
                    if parsed != draft.tags {
                        draft.tags = parsed;
                    }
                    row(ui, "Access", None, |ui| {
                        ui.horizontal(|ui| {
                            ui.checkbox(&mut draft.rail_siding, "rail siding");
                            ui.checkbox(&mut draft.quay, "quay");
                        });
                    });
                    row(ui, "Confidential", None, |ui| {
                        ui.checkbox(&mut draft.confidential, "hide costs and prices in workshop mode")
                            .on_hover_text("Workshop mode then shows only whether its exchanges pay and by how much, in bands; exports can leave it out.");
                    });
                });

            let next_output = fresh_flow_id(region, draft, "o");
            flow_section(
                ui,
                &mut draft.outputs,
                FlowSection {
                    heading: "Output streams",
                    key: "outputs",
                    remove: "Remove this stream",
                    add: "+ Add an output stream",
                },
                |o| (o.material.as_str(), o.quantity_per_yr, o.unit),
                |ui, i, o, texts| {
                    output_fields(
                        ui,
                        i,
                        o,
                        catalogue,
                        texts,
                        &mut parse_problems,
                        picker,
                        new_material,
                        &problems,
                    );
                },
                || OutputStream::new(&next_output, "", 0.0, Unit::Tonne),
                catalogue,
                texts,
            );
            let next_need = fresh_flow_id(region, draft, "n");
            flow_section(
                ui,
                &mut draft.needs,
                FlowSection {
                    heading: "Needs",
                    key: "needs",
                    remove: "Remove this need",
                    add: "+ Add a need",
                },
                |n| (n.material.as_str(), n.quantity_per_yr, n.unit),
                |ui, i, n, texts| {
                    need_fields(
                        ui,
                        i,
                        n,
                        catalogue,
                        texts,
                        &mut parse_problems,
                        picker,
                        new_material,
                        &problems,
                    );
                },
                || Need::new(&next_need, "", 0.0, Unit::Tonne),
                catalogue,
                texts,
            );

            ui.separator();
            if ui
                .button(RichText::new("Delete this facility").color(Color32::from_rgb(190, 40, 40)))
                .on_hover_text(
                    "Its proposals go with it, and its place in projects. Ctrl+Z brings it all back.",
                )
                .clicked()
            {
                if let Some(edit) = crate::document::delete_facility(region, form.index) {
                    out.push(Command::Edit(edit));
                }
                keep_open = false;
            }


        });
    if let Some(m) = &mut form.new_material {
        if !new_material_window(ui.ctx(), m, catalogue, region, out) {
            form.new_material = None;
        }
    }

    // Check the draft as the region would, and apply it when it has no problem.
    let mut found: Vec<(String, String)> = validate_facility(&form.draft, &JsonPath::root())
        .into_iter()
        .map(|(p, m)| (p.to_string(), m))
        .collect();
    found.extend(unique_ids(region, form.index, &form.draft));
    found.extend(unknown_materials(catalogue, &form.draft));
    found.extend(parse_problems);
    form.problems = found;
    if form.problems.is_empty() && form.draft != form.applied && keep_open {
        out.push(Command::Edit(Edit::SetFacility {
            index: form.index,
            facility: Box::new(form.draft.clone()),
        }));
        form.applied = form.draft.clone();
    }
    keep_open
}

/// Ids the draft would share with another facility, stream or need.
/// The words of one list of the form: its heading, its key in field paths, its buttons.
#[derive(Clone, Copy)]
struct FlowSection {
    heading: &'static str,
    key: &'static str,
    remove: &'static str,
    add: &'static str,
}

/// A facility's output streams or its needs, written once: each item folded under its material
/// and quantity with its fields and a remove button, and a button to add one.
#[allow(clippy::too_many_arguments)]
fn flow_section<T>(
    ui: &mut Ui,
    items: &mut Vec<T>,
    words: FlowSection,
    summary: impl Fn(&T) -> (&str, f64, Unit),
    mut fields: impl FnMut(&mut Ui, usize, &mut T, &mut HashMap<String, String>),
    make: impl FnOnce() -> T,
    catalogue: &Catalogue,
    texts: &mut HashMap<String, String>,
) {
    ui.separator();
    ui.strong(format!("{} ({})", words.heading, items.len()));
    let mut remove = None;
    for (i, item) in items.iter_mut().enumerate() {
        let (material, quantity, unit) = summary(item);
        let title = format!(
            "{}  ·  {} {}/yr",
            material_name(catalogue, material),
            format_number(quantity),
            unit
        );
        let open = material.is_empty();
        egui::CollapsingHeader::new(title)
            .id_salt((words.key, i))
            .default_open(open)
            .show(ui, |ui| {
                fields(ui, i, item, texts);
                if ui.button(words.remove).clicked() {
                    remove = Some(i);
                }
            });
    }
    if let Some(i) = remove {
        items.remove(i);
        let prefix = format!("{}[", words.key);
        texts.retain(|k, _| !k.starts_with(&prefix));
    }
    if ui.button(words.add).clicked() {
        items.push(make());
    }
}

fn unique_ids(region: &Region, index: usize, draft: &Facility) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, f) in region.facilities.iter().enumerate() {
        if i == index {
            continue;
        }
        if f.id == draft.id {
            out.push((
                "id".to_owned(),
                format!("`{}` is the id of {}", draft.id, f.name),
            ));
        }
        let others: Vec<&str> = f
            .outputs
            .iter()
            .map(|o| o.id.as_str())
            .chain(f.needs.iter().map(|n| n.id.as_str()))
            .collect();
        for (si, o) in draft.outputs.iter().enumerate() {
            if others.contains(&o.id.as_str()) {
                out.push((
                    format!("outputs[{si}].id"),
                    format!("`{}` is used at {}", o.id, f.name),
                ));
            }
        }
        for (ni, n) in draft.needs.iter().enumerate() {
            if others.contains(&n.id.as_str()) {
                out.push((
                    format!("needs[{ni}].id"),
                    format!("`{}` is used at {}", n.id, f.name),
                ));
            }
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (si, o) in draft.outputs.iter().enumerate() {
        if seen.contains(&o.id.as_str()) {
            out.push((
                format!("outputs[{si}].id"),
                format!("`{}` is used twice here", o.id),
            ));
        }
        seen.push(&o.id);
    }
    for (ni, n) in draft.needs.iter().enumerate() {
        if seen.contains(&n.id.as_str()) {
            out.push((
                format!("needs[{ni}].id"),
                format!("`{}` is used twice here", n.id),
            ));
        }
        seen.push(&n.id);
    }
    out
}

/// Streams and needs whose material the catalogue does not know.
fn unknown_materials(catalogue: &Catalogue, draft: &Facility) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let unknown = |m: &str| !m.is_empty() && catalogue.material(m).is_none();
    for (i, o) in draft.outputs.iter().enumerate() {
        if unknown(&o.material) {
            out.push((
                format!("outputs[{i}].material"),
                format!(
                    "`{}` is not in the catalogue: pick one, or add it as a new material",
                    o.material
                ),
            ));
        }
    }
    for (i, n) in draft.needs.iter().enumerate() {
        if unknown(&n.material) {
            out.push((
                format!("needs[{i}].material"),
                format!(
                    "`{}` is not in the catalogue: pick one, or add it as a new material",
                    n.material
                ),
            ));
        }
    }
    out
}

/// `<facility id>-o3`: the first free stream or need id of the facility.
fn fresh_flow_id(region: &Region, draft: &Facility, kind: &str) -> String {
    // Among this many numbers one is free: clashes are bounded by the streams and needs of
    // the draft and of the region.
    let bound = draft.outputs.len()
        + draft.needs.len()
        + region
            .facilities
            .iter()
            .map(|f| f.outputs.len() + f.needs.len())
            .sum::<usize>()
        + 1;
    (1..=bound)
        .map(|n| format!("{}-{kind}{n}", draft.id))
        .find(|id| {
            draft.outputs.iter().all(|o| &o.id != id)
                && draft.needs.iter().all(|n| &n.id != id)
                && region.output_index(id).is_none()
                && region.need_index(id).is_none()
        })
        .unwrap_or_default()
}

pub fn material_name<'a>(catalogue: &'a Catalogue, key: &'a str) -> &'a str {
    if key.is_empty() {
        return "(no material yet)";
    }
    catalogue.material(key).map_or(key, Material::display_name)
}

#[allow(clippy::too_many_arguments)]
fn output_fields(
    ui: &mut Ui,
    i: usize,
    o: &mut OutputStream,
    catalogue: &Catalogue,
    texts: &mut HashMap<String, String>,
    parse_problems: &mut Vec<(String, String)>,
    picker: &mut Option<Picker>,
    new_material: &mut Option<Material>,
    problems: &[(String, String)],
) {
    let problem = |p: &str| find(problems, p);
    let p = |field: &str| format!("outputs[{i}].{field}");
    egui::Grid::new(("output_form", i))
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            row(ui, "Id", problem(&p("id")), |ui| {
                text_field(ui, &mut o.id, &p("id"), "unique in the region");
            });
            row(ui, "Material", problem(&p("material")), |ui| {
                material_picker(
                    ui,
                    &mut o.material,
                    &PickerKind::OutputMaterial(i),
                    catalogue,
                    picker,
                    new_material,
                );
            });
            row(ui, "EWC code", problem(&p("ewc_code")), |ui| {
                ewc_picker(ui, o, i, picker);
            });
            row(ui, "Description", None, |ui| {
                text_field(ui, &mut o.description, &p("description"), "what it is");
            });
            row(ui, "State", None, |ui| {
                state_combo(ui, ("state", i), &mut o.physical_state);
            });
            row(
                ui,
                "Quantity per year",
                problem(&p("quantity_per_yr")),
                |ui| {
                    ui.horizontal(|ui| {
                        let mut q = Some(o.quantity_per_yr);
                        number_field(
                            ui,
                            texts,
                            parse_problems,
                            &p("quantity_per_yr"),
                            &mut q,
                            "required",
                        );
                        match q {
                            Some(q) => o.quantity_per_yr = q,
                            None => parse_problems.push((p("quantity_per_yr"), "required".into())),
                        }
                        unit_combo(ui, ("unit", i), &mut o.unit);
                    });
                },
            );
            row(ui, "Moisture %", problem(&p("moisture_pct")), |ui| {
                number_field(
                    ui,
                    texts,
                    parse_problems,
                    &p("moisture_pct"),
                    &mut o.moisture_pct,
                    "material's typical",
                );
            });
            row(
                ui,
                "Bulk density t/m3",
                problem(&p("bulk_density_t_per_m3")),
                |ui| {
                    number_field(
                        ui,
                        texts,
                        parse_problems,
                        &p("bulk_density_t_per_m3"),
                        &mut o.bulk_density_t_per_m3,
                        "material's typical",
                    );
                },
            );
            row(
                ui,
                "Variability CV %",
                problem(&p("variability_cv_pct")),
                |ui| {
                    number_field(
                        ui,
                        texts,
                        parse_problems,
                        &p("variability_cv_pct"),
                        &mut o.variability_cv_pct,
                        "not known",
                    );
                },
            );
            row(ui, "Availability", problem(&p("availability")), |ui| {
                availability_fields(
                    ui,
                    &p("availability"),
                    &mut o.availability,
                    texts,
                    parse_problems,
                );
            });
            row(ui, "Goes today to", None, |ui| {
                egui::ComboBox::from_id_salt(("outlet", i))
                    .selected_text(o.outlet.kind.label())
                    .show_ui(ui, |ui| {
                        for k in OutletKind::ALL {
                            ui.selectable_value(&mut o.outlet.kind, k, k.label());
                        }
                    });
            });
            row(
                ui,
                "Outlet cost per unit",
                problem(&p("outlet.cost_per_unit")),
                |ui| {
                    number_field(
                        ui,
                        texts,
                        parse_problems,
                        &p("outlet.cost_per_unit"),
                        &mut o.outlet.cost_per_unit,
                        "gate fee, tax, haulage: catalogue default",
                    );
                },
            );
            row(
                ui,
                "Sale price or value per unit",
                problem(&p("outlet.revenue_per_unit")),
                |ui| {
                    number_field(
                        ui,
                        texts,
                        parse_problems,
                        &p("outlet.revenue_per_unit"),
                        &mut o.outlet.revenue_per_unit,
                        "sold or used on site: catalogue default",
                    );
                },
            );
            row(ui, "Taken today by", None, |ui| {
                text_field(
                    ui,
                    &mut o.outlet.buyer,
                    &p("outlet.buyer"),
                    "buyer or contractor",
                );
            });
            row(ui, "Keeps (days)", problem(&p("shelf_life_days")), |ui| {
                number_field(
                    ui,
                    texts,
                    parse_problems,
                    &p("shelf_life_days"),
                    &mut o.shelf_life_days,
                    "material's shelf life",
                );
            });
            row(ui, "Hazardous", None, |ui| {
                ui.checkbox(&mut o.hazardous, "hazardous waste");
            });
            row(ui, "Composition (dry)", problem(&p("composition")), |ui| {
                composition_fields(
                    ui,
                    &p("composition"),
                    &mut o.composition,
                    texts,
                    parse_problems,
                    problems,
                );
            });
        });
}

#[allow(clippy::too_many_arguments)]
fn need_fields(
    ui: &mut Ui,
    i: usize,
    n: &mut Need,
    catalogue: &Catalogue,
    texts: &mut HashMap<String, String>,
    parse_problems: &mut Vec<(String, String)>,
    picker: &mut Option<Picker>,
    new_material: &mut Option<Material>,
    problems: &[(String, String)],
) {
    let problem = |p: &str| find(problems, p);
    let p = |field: &str| format!("needs[{i}].{field}");
    egui::Grid::new(("need_form", i))
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            row(ui, "Id", problem(&p("id")), |ui| {
                text_field(ui, &mut n.id, &p("id"), "unique in the region");
            });
            row(ui, "Material", problem(&p("material")), |ui| {
                material_picker(
                    ui,
                    &mut n.material,
                    &PickerKind::NeedMaterial(i),
                    catalogue,
                    picker,
                    new_material,
                );
            });
            row(ui, "Description", None, |ui| {
                text_field(
                    ui,
                    &mut n.description,
                    &p("description"),
                    "what it is used for",
                );
            });
            row(
                ui,
                "Quantity per year",
                problem(&p("quantity_per_yr")),
                |ui| {
                    ui.horizontal(|ui| {
                        let mut q = Some(n.quantity_per_yr);
                        number_field(
                            ui,
                            texts,
                            parse_problems,
                            &p("quantity_per_yr"),
                            &mut q,
                            "required",
                        );
                        match q {
                            Some(q) => n.quantity_per_yr = q,
                            None => parse_problems.push((p("quantity_per_yr"), "required".into())),
                        }
                        unit_combo(ui, ("need_unit", i), &mut n.unit);
                    });
                },
            );
            row(
                ui,
                "Price paid today per unit",
                problem(&p("supply.price_per_unit")),
                |ui| {
                    number_field(
                        ui,
                        texts,
                        parse_problems,
                        &p("supply.price_per_unit"),
                        &mut n.supply.price_per_unit,
                        "delivered: catalogue price",
                    );
                },
            );
            row(ui, "Bought today", None, |ui| {
                supply_fields(
                    ui,
                    i,
                    &mut n.supply,
                    texts,
                    parse_problems,
                    &p("supply.distance_km"),
                );
            });
            row(ui, "Availability", problem(&p("availability")), |ui| {
                availability_fields(
                    ui,
                    &p("availability"),
                    &mut n.availability,
                    texts,
                    parse_problems,
                );
            });
            let sp = |f: &str| format!("needs[{i}].spec.{f}");
            row(
                ui,
                "Max moisture %",
                problem(&sp("max_moisture_pct")),
                |ui| {
                    number_field(
                        ui,
                        texts,
                        parse_problems,
                        &sp("max_moisture_pct"),
                        &mut n.spec.max_moisture_pct,
                        "any",
                    );
                },
            );
            row(
                ui,
                "Min heating value MJ/kg",
                problem(&sp("min_lhv_mj_per_kg")),
                |ui| {
                    number_field(
                        ui,
                        texts,
                        parse_problems,
                        &sp("min_lhv_mj_per_kg"),
                        &mut n.spec.min_lhv_mj_per_kg,
                        "any (fuels: as delivered)",
                    );
                },
            );
            row(ui, "Min delivery lot", problem(&sp("min_lot")), |ui| {
                number_field(
                    ui,
                    texts,
                    parse_problems,
                    &sp("min_lot"),
                    &mut n.spec.min_lot,
                    "any",
                );
            });
            row(
                ui,
                "Max variability CV %",
                problem(&sp("max_variability_cv_pct")),
                |ui| {
                    number_field(
                        ui,
                        texts,
                        parse_problems,
                        &sp("max_variability_cv_pct"),
                        &mut n.spec.max_variability_cv_pct,
                        "any",
                    );
                },
            );
            row(ui, "Accepted states", None, |ui| {
                ui.horizontal_wrapped(|ui| {
                    for s in PhysicalState::ALL {
                        let mut on = n.spec.accepted_states.contains(&s);
                        if ui.checkbox(&mut on, s.label()).changed() {
                            if on {
                                n.spec.accepted_states.push(s);
                                n.spec.accepted_states.sort();
                            } else {
                                n.spec.accepted_states.retain(|x| *x != s);
                            }
                        }
                    }
                });
            });
            row(
                ui,
                "Minimum purity",
                problem(&sp("min_constituents")),
                |ui| {
                    composition_fields(
                        ui,
                        &sp("min_constituents"),
                        &mut n.spec.min_constituents,
                        texts,
                        parse_problems,
                        problems,
                    );
                },
            );
            row(
                ui,
                "Maximum contaminants",
                problem(&sp("max_constituents")),
                |ui| {
                    composition_fields(
                        ui,
                        &sp("max_constituents"),
                        &mut n.spec.max_constituents,
                        texts,
                        parse_problems,
                        problems,
                    );
                },
            );
            row(ui, "Hazardous waste", None, |ui| {
                ui.checkbox(&mut n.spec.accepts_hazardous, "permitted to take it");
            });
        });
}

/// Where a need's supply comes from today: virgin or secondary, how far, what heats it.
fn supply_fields(
    ui: &mut Ui,
    i: usize,
    supply: &mut CurrentSupply,
    texts: &mut HashMap<String, String>,
    parse_problems: &mut Vec<(String, String)>,
    distance_path: &str,
) {
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            let label = |o: Option<SupplyOrigin>| match o {
                None => "as the catalogue says",
                Some(SupplyOrigin::Virgin) => "newly produced",
                Some(SupplyOrigin::Secondary) => "secondary (by-product, recycled)",
            };
            egui::ComboBox::from_id_salt(("supply_origin", i))
                .selected_text(label(supply.origin))
                .show_ui(ui, |ui| {
                    for o in [
                        None,
                        Some(SupplyOrigin::Virgin),
                        Some(SupplyOrigin::Secondary),
                    ] {
                        ui.selectable_value(&mut supply.origin, o, label(o));
                    }
                });
            ui.label("from");
            number_field(
                ui,
                texts,
                parse_problems,
                distance_path,
                &mut supply.distance_km,
                "km: unknown",
            );
            ui.label("km");
        });
        ui.horizontal(|ui| {
            ui.label("heat made by");
            egui::ComboBox::from_id_salt(("heat_source", i))
                .selected_text(
                    supply
                        .heat_source
                        .map_or("gas boiler (default)", HeatSource::label),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut supply.heat_source, None, "gas boiler (default)");
                    for h in HeatSource::ALL {
                        ui.selectable_value(&mut supply.heat_source, Some(h), h.label());
                    }
                });
        });
        let mut who = supply.supplier.clone();
        text_field(ui, &mut who, "supplier", "today's supplier");
        supply.supplier = who;
    });
}

fn state_combo(
    ui: &mut Ui,
    id: impl std::hash::Hash + std::fmt::Debug,
    state: &mut Option<PhysicalState>,
) {
    egui::ComboBox::from_id_salt(id)
        .selected_text(state.map_or("material's usual", PhysicalState::label))
        .show_ui(ui, |ui| {
            ui.selectable_value(state, None, "material's usual");
            for s in PhysicalState::ALL {
                ui.selectable_value(state, Some(s), s.label());
            }
        });
}

fn unit_combo(ui: &mut Ui, id: impl std::hash::Hash + std::fmt::Debug, unit: &mut Unit) {
    egui::ComboBox::from_id_salt(id)
        .width(60.0)
        .selected_text(unit.symbol())
        .show_ui(ui, |ui| {
            for u in Unit::ALL {
                ui.selectable_value(unit, u, u.symbol());
            }
        });
}

fn availability_fields(
    ui: &mut Ui,
    path: &str,
    a: &mut Availability,
    texts: &mut HashMap<String, String>,
    parse_problems: &mut Vec<(String, String)>,
) {
    ui.vertical(|ui| {
        let batches = matches!(a.pattern, Pattern::Batches { .. });
        ui.horizontal(|ui| {
            if ui.radio(!batches, "continuous").clicked() {
                a.pattern = Pattern::Continuous;
            }
            if ui.radio(batches, "in batches").clicked() && !batches {
                a.pattern = Pattern::Batches {
                    batch_quantity: 1.0,
                    every_days: 7.0,
                };
            }
        });
        if let Pattern::Batches {
            batch_quantity,
            every_days,
        } = &mut a.pattern
        {
            ui.horizontal(|ui| {
                let mut q = Some(*batch_quantity);
                number_field(
                    ui,
                    texts,
                    parse_problems,
                    &format!("{path}.batch_quantity"),
                    &mut q,
                    "batch",
                );
                ui.label("every");
                let mut d = Some(*every_days);
                number_field(
                    ui,
                    texts,
                    parse_problems,
                    &format!("{path}.every_days"),
                    &mut d,
                    "days",
                );
                ui.label("days");
                *batch_quantity = q.unwrap_or(0.0);
                *every_days = d.unwrap_or(0.0);
            });
        }
        ui.horizontal_wrapped(|ui| {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let mask = a.month_mask();
            let mut new_mask = mask;
            for (m, name) in MONTHS.iter().enumerate() {
                let mut on = mask & (1 << m) != 0;
                if ui.toggle_value(&mut on, *name).changed() {
                    new_mask ^= 1 << m;
                }
            }
            if new_mask != mask {
                a.months = if new_mask == 0x0fff || new_mask == 0 {
                    Vec::new()
                } else {
                    (1..=12u8)
                        .filter(|m| new_mask & (1 << (m - 1)) != 0)
                        .collect()
                };
            }
        });
    });
}

fn composition_fields(
    ui: &mut Ui,
    path: &str,
    list: &mut Vec<Constituent>,
    texts: &mut HashMap<String, String>,
    parse_problems: &mut Vec<(String, String)>,
    problems: &[(String, String)],
) {
    ui.vertical(|ui| {
        let mut remove = None;
        for (ci, c) in list.iter_mut().enumerate() {
            let cp = format!("{path}[{ci}]");
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut c.name)
                        .desired_width(110.0)
                        .hint_text("constituent"),
                );
                let mut v = Some(c.mass_pct);
                number_field(
                    ui,
                    texts,
                    parse_problems,
                    &format!("{cp}.mass_pct"),
                    &mut v,
                    "mass %",
                );
                c.mass_pct = v.unwrap_or(0.0);
                ui.label("%");
                if ui.small_button("x").on_hover_text("Remove").clicked() {
                    remove = Some(ci);
                }
            });
            if let Some(p) = find(problems, &format!("{cp}.mass_pct")) {
                ui.label(
                    RichText::new(p)
                        .small()
                        .color(Color32::from_rgb(190, 40, 40)),
                );
            }
        }
        if let Some(ci) = remove {
            list.remove(ci);
            texts.retain(|k, _| !k.starts_with(path));
        }
        if ui.small_button("+ constituent").clicked() {
            list.push(Constituent {
                extra: crate::model::Extra::new(),
                name: String::new(),
                mass_pct: 0.0,
            });
        }
    });
}

/// A button showing the current choice; clicking it opens a search over the list below it.
fn picker_button(
    ui: &mut Ui,
    text: String,
    kind: &PickerKind,
    picker: &mut Option<Picker>,
) -> bool {
    let open = picker.as_ref().is_some_and(|p| &p.kind == kind);
    if ui.selectable_label(open, text).clicked() {
        *picker = if open {
            None
        } else {
            Some(Picker {
                kind: kind.clone(),
                query: String::new(),
            })
        };
    }
    picker.as_ref().is_some_and(|p| &p.kind == kind)
}

fn search_box(ui: &mut Ui, query: &mut String, name: &str) {
    let r = ui.add(
        egui::TextEdit::singleline(query)
            .desired_width(240.0)
            .hint_text("type a code or words"),
    );
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, name));
    r.request_focus();
}

fn nace_picker(ui: &mut Ui, sector: &mut String, picker: &mut Option<Picker>) {
    let nace = NaceList::get();
    let shown = match nace.lookup(sector) {
        Some(e) => format!("{} {}", e.code, e.description),
        None if sector.is_empty() => "choose a sector".to_owned(),
        None => format!("{sector} (free text)"),
    };
    if !picker_button(ui, shown, &PickerKind::Nace, picker) {
        return;
    }
    let Some(p) = picker.as_mut() else { return };
    search_box(ui, &mut p.query, "Search NACE");
    let words: Vec<String> = p.query.split_whitespace().map(str::to_lowercase).collect();
    let mut chosen = None;
    egui::ScrollArea::vertical()
        .id_salt("nace_list")
        .max_height(200.0)
        .min_scrolled_height(200.0)
        .show(ui, |ui| {
            for e in nace
                .entries
                .iter()
                .filter(|e| {
                    let hay = format!("{} {}", e.code, e.description).to_lowercase();
                    words.iter().all(|w| hay.contains(w.as_str()))
                })
                .take(60)
            {
                let indent = "  ".repeat(usize::from(e.level.saturating_sub(1)));
                if ui
                    .selectable_label(false, format!("{indent}{} {}", e.code, e.description))
                    .clicked()
                {
                    chosen = Some(if e.level == 1 {
                        e.code.clone()
                    } else {
                        format!("{}{}", e.section, e.code)
                    });
                }
            }
        });
    if !p.query.trim().is_empty()
        && ui
            .small_button(format!("Use \"{}\" as free text", p.query.trim()))
            .clicked()
    {
        chosen = Some(p.query.trim().to_owned());
    }
    if let Some(c) = chosen {
        *sector = c;
        *picker = None;
    }
}

fn ewc_picker(ui: &mut Ui, o: &mut OutputStream, i: usize, picker: &mut Option<Picker>) {
    let list = EwcList::get();
    let shown = match o.ewc_code.as_deref().and_then(|c| list.lookup(c)) {
        Some(e) => format!("{} {}", e.display_code(), e.description),
        None => o
            .ewc_code
            .clone()
            .unwrap_or_else(|| "none (not a waste)".to_owned()),
    };
    let kind = PickerKind::Ewc(i);
    if !picker_button(ui, shown, &kind, picker) {
        return;
    }
    let Some(p) = picker.as_mut() else { return };
    search_box(ui, &mut p.query, "Search the List of Waste");
    ui.weak("Entries marked * are hazardous.");
    let mut chosen: Option<Option<(String, bool)>> = None;
    egui::ScrollArea::vertical()
        .id_salt(("ewc_list", i))
        .max_height(220.0)
        .min_scrolled_height(220.0)
        .show(ui, |ui| {
            if ui.selectable_label(false, "none (not a waste)").clicked() {
                chosen = Some(None);
            }
            for e in list.search(&p.query).filter(|e| e.code.len() == 6).take(80) {
                let text = format!("{} {}", e.display_code(), e.description);
                let label = if e.hazardous {
                    RichText::new(text).color(Color32::from_rgb(190, 40, 40))
                } else {
                    RichText::new(text)
                };
                if ui.selectable_label(false, label).clicked() {
                    chosen = Some(Some((crate::reference::ewc_spaced(&e.code), e.hazardous)));
                }
            }
        });
    if let Some(c) = chosen {
        match c {
            Some((code, hazardous)) => {
                o.ewc_code = Some(code);
                // A hazardous entry makes the stream hazardous; a mirror entry's absolute
                // twin does not clear a flag the planner set.
                o.hazardous |= hazardous;
            }
            None => o.ewc_code = None,
        }
        *picker = None;
    }
}

fn material_picker(
    ui: &mut Ui,
    material: &mut String,
    kind: &PickerKind,
    catalogue: &Catalogue,
    picker: &mut Option<Picker>,
    new_material: &mut Option<Material>,
) {
    if !picker_button(
        ui,
        material_name(catalogue, material).to_owned(),
        kind,
        picker,
    ) {
        return;
    }
    let Some(p) = picker.as_mut() else { return };
    search_box(ui, &mut p.query, "Search materials");
    let words: Vec<String> = p.query.split_whitespace().map(str::to_lowercase).collect();
    let mut chosen = None;
    egui::ScrollArea::vertical()
        .id_salt(("material_list", format!("{kind:?}")))
        .max_height(220.0)
        .min_scrolled_height(220.0)
        .show(ui, |ui| {
            for m in catalogue.materials.iter().filter(|m| {
                let hay = format!("{} {} {:?}", m.key, m.name, m.category).to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            }) {
                if ui
                    .selectable_label(
                        &m.key == material,
                        format!("{}  ({})", m.display_name(), m.category.label()),
                    )
                    .clicked()
                {
                    chosen = Some(m.key.clone());
                }
            }
        });
    if ui.small_button("New material...").clicked() {
        let key = p
            .query
            .trim()
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "_");
        *new_material = Some(Material {
            name: p.query.trim().to_owned(),
            ..Material::named(&key)
        });
    }
    if let Some(c) = chosen {
        *material = c;
        *picker = None;
    }
}

/// The window defining a material of the region's own; `false` when it closes.
fn new_material_window(
    ctx: &egui::Context,
    m: &mut Material,
    catalogue: &Catalogue,
    region: &Region,
    out: &mut Vec<Command>,
) -> bool {
    let mut open = true;
    let mut done = false;
    egui::Window::new("New material")
        .collapsible(false)
        .default_width(380.0)
        .open(&mut open)
        .show(ctx, |ui| {
            let mut problems: Vec<String> = Vec::new();
            egui::Grid::new("new_material").num_columns(2).show(ui, |ui| {
                row(ui, "Key", None, |ui| text_field(ui, &mut m.key, "Key", "short, unique: lime_sludge"));
                row(ui, "Name", None, |ui| text_field(ui, &mut m.name, "Material name", "shown in lists"));
                row(ui, "Category", None, |ui| {
                    egui::ComboBox::from_id_salt("new_material_category")
                        .selected_text(m.category.label())
                        .show_ui(ui, |ui| {
                            for c in Category::ALL {
                                ui.selectable_value(&mut m.category, c, c.label());
                            }
                        });
                });
                row(ui, "State", None, |ui| {
                    let mut s = Some(m.state);
                    state_combo(ui, "new_material_state", &mut s);
                    m.state = s.unwrap_or(PhysicalState::Solid);
                });
                row(ui, "Unit", None, |ui| unit_combo(ui, "new_material_unit", &mut m.unit));
                for (label, value, lo, hi) in [
                    ("Bulk density t/m3", &mut m.bulk_density_t_per_m3, 0.001, 25.0),
                    ("Typical moisture %", &mut m.typical_moisture_pct, 0.0, 100.0),
                    ("Virgin price per unit", &mut m.virgin_price_per_unit, -1e6, 1e6),
                    ("Disposal cost per unit", &mut m.disposal_cost_per_unit, -1e6, 1e6),
                    ("Virgin emissions kg CO2e per unit", &mut m.virgin_emission_kg_co2_per_unit, 0.0, 1e6),
                ] {
                    row(ui, label, None, |ui| {
                        let mut enabled = value.is_some();
                        ui.horizontal(|ui| {
                            if ui.checkbox(&mut enabled, "").changed() {
                                *value = enabled.then_some(value.unwrap_or(0.0).clamp(lo, hi));
                            }
                            if let Some(v) = value {
                                ui.add(egui::DragValue::new(v).range(lo..=hi).speed(0.1));
                            } else {
                                ui.weak("not known");
                            }
                        });
                    });
                }
            });
            let trimmed = m.key.trim().to_owned();
            let key = trimmed.as_str();
            if key.is_empty() {
                problems.push("The key must not be empty.".into());
            } else if region.catalogue.materials.iter().any(|x| x.key == key) {
                problems.push(format!("The region already defines `{key}`."));
            } else if catalogue.material(key).is_some() {
                ui.weak(format!("`{key}` replaces the built-in material of that key in this region."));
            }
            for p in &problems {
                ui.colored_label(Color32::from_rgb(190, 40, 40), p);
            }
            ui.weak("Numbers without a source are yours: note where they come from in the region's notes.");
            if ui.add_enabled(problems.is_empty(), egui::Button::new("Add to the region")).clicked() {
                m.key.clone_from(&trimmed);
                out.push(Command::Edit(Edit::InsertMaterial {
                    index: region.catalogue.materials.len(),
                    material: Box::new(m.clone()),
                }));
                done = true;
            }
        });
    open && !done
}
