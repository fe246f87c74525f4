//! The side panel's Proposals and Projects tabs, the project editor and the project board:
//! what the room discovered, evaluated by the engine, and the exchanges being made real.

use egui::{Color32, RichText, Ui};

use crate::agreement::quantity_text as q;
use crate::io::projects::{price_terms, quality_line, ProjectReport};
use crate::matching::Candidate;
use crate::model::{
    Action, AgreedPrice, BufferHolder, Member, PriceBasis, Project, Proposal, QualityLimit, Region,
    Role, Stage, SupplyAgreement, MOISTURE_PARAMETER,
};
use crate::pipeline::Verdict;
use crate::readiness::{score, Item};

use super::command::Command;
use super::workspace::Workspace;
use crate::document::Edit;

/// Colour of a project stage on the board and the map.
pub fn stage_colour(stage: Stage) -> Color32 {
    match stage {
        Stage::Identified => Color32::from_rgb(120, 120, 130),
        Stage::Contacted => Color32::from_rgb(30, 120, 200),
        Stage::Feasibility => Color32::from_rgb(140, 80, 200),
        Stage::Agreement => Color32::from_rgb(230, 130, 0),
        Stage::Operating => Color32::from_rgb(40, 150, 60),
        Stage::Ended => Color32::from_rgb(90, 90, 90),
    }
}

/// Whether the money of this pair is hidden (workshop mode, a confidential party).
pub fn masked(app: &Workspace, from: usize, to: usize) -> bool {
    app.workshop
        && [from, to].iter().any(|&f| {
            app.doc
                .region
                .facilities
                .get(f)
                .is_some_and(|x| x.confidential)
        })
}

/// Whether a stream's break-even reach is said as a band: in workshop mode when the region
/// has a confidential facility, since the reach follows the sender's outlet cost and the best
/// price paid for the material, either of which may be a confidential company's.
pub fn reach_masked(app: &Workspace) -> bool {
    app.workshop && app.doc.region.facilities.iter().any(|f| f.confidential)
}

/// How comfortably a pair pays, without money: for confidential parties in a workshop.
pub fn band(c: &Candidate) -> &'static str {
    if !c.viable {
        return "not viable";
    }
    let ratio = c.value.distance_km / c.value.break_even_km;
    if ratio < 0.5 {
        "viable, wide margin"
    } else if ratio < 0.85 {
        "viable"
    } else {
        "viable, thin margin"
    }
}

/// One line on an exchange's economics, or its band when the money is confidential.
pub fn economics_line(app: &Workspace, c: &Candidate) -> String {
    let unit = app
        .doc
        .region
        .facilities
        .get(c.from_facility)
        .and_then(|f| f.outputs.get(c.stream))
        .map_or("t", |s| s.unit.symbol());
    if masked(app, c.from_facility, c.to_facility) {
        format!(
            "{:.0} km, break-even {}: {} (costs confidential)",
            c.value.distance_km,
            crate::disclosure::distance_band(c.value.break_even_km),
            band(c)
        )
    } else {
        format!(
            "{:.0} km, break-even {:.0} km, net {:.2}/{unit}, {} {}/yr{}",
            c.value.distance_km,
            c.value.break_even_km,
            c.value.net_value_per_unit,
            super::format_money(c.annual.value_per_yr),
            app.doc.region.currency,
            if c.viable { "" } else { " (not viable)" }
        )
    }
}

fn verdict_text(app: &Workspace, v: &Verdict) -> (String, Color32) {
    match v {
        Verdict::Evaluated(c) => (
            economics_line(app, c),
            if c.viable {
                Color32::from_rgb(40, 130, 60)
            } else {
                Color32::from_rgb(190, 90, 0)
            },
        ),
        Verdict::Incomplete {
            distance_km,
            missing_stream,
            missing_need,
        } => (
            format!(
                "{distance_km:.0} km apart by road; name {} to evaluate it",
                match (missing_stream, missing_need) {
                    (true, true) => "the stream and the need",
                    (true, false) => "the stream",
                    _ => "the need",
                }
            ),
            Color32::from_rgb(110, 110, 110),
        ),
        Verdict::NoRule { from, to } => (
            format!("no catalogue rule turns {from} into {to}: add one, or it is not a match"),
            Color32::from_rgb(190, 90, 0),
        ),
        Verdict::Broken(m) => (m.clone(), Color32::from_rgb(190, 40, 40)),
    }
}

/// A new project from a proposal: its two sites as supplier and receiver, its exchange.
pub fn project_from_proposal(region: &Region, p: &Proposal) -> Project {
    let name = |id: &str| {
        region
            .facility(id)
            .map_or(id, |f| f.name.as_str())
            .to_owned()
    };
    Project {
        id: region.fresh_id("J"),
        name: format!("{} to {}", name(&p.from_facility), name(&p.to_facility)),
        stage: Stage::Identified,
        members: vec![
            Member {
                extra: crate::model::Extra::new(),
                role: Role::Supplier,
                facility: Some(p.from_facility.clone()),
                name: String::new(),
            },
            Member {
                extra: crate::model::Extra::new(),
                role: Role::Receiver,
                facility: Some(p.to_facility.clone()),
                name: String::new(),
            },
        ],
        stream: p.stream.clone(),
        need: p.need.clone(),
        proposal: Some(p.id.clone()),
        actions: Vec::new(),
        notes: p.note.clone(),
        agreement: None,
        extra: crate::model::Extra::new(),
    }
}

/// A new project from a search candidate.
pub fn project_from_candidate(region: &Region, c: &Candidate) -> Project {
    let from = &region.facilities[c.from_facility];
    let to = &region.facilities[c.to_facility];
    Project {
        id: region.fresh_id("J"),
        name: format!(
            "{} from {} to {}",
            from.outputs[c.stream].material.replace('_', " "),
            from.name,
            to.name
        ),
        stage: Stage::Identified,
        members: vec![
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
        ],
        stream: Some(from.outputs[c.stream].id.clone()),
        need: Some(to.needs[c.need].id.clone()),
        proposal: None,
        actions: Vec::new(),
        notes: String::new(),
        agreement: None,
        extra: crate::model::Extra::new(),
    }
}

/// The Proposals tab.
pub fn proposals_tab(ui: &mut Ui, app: &Workspace, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    ui.heading(format!("Proposals ({})", region.proposals.len()));
    ui.weak("Exchanges the room proposed. Draw one on the map with \"Link two sites\".");
    let verdicts = app.proposal_verdicts();
    for (i, (p, v)) in region.proposals.iter().zip(verdicts.iter()).enumerate() {
        ui.separator();
        let name = |id: &str| {
            region
                .facility(id)
                .map_or_else(|| id.to_owned(), |f| f.name.clone())
        };
        ui.label(
            RichText::new(format!(
                "{} -> {}",
                name(&p.from_facility),
                name(&p.to_facility)
            ))
            .strong(),
        );
        if !p.note.is_empty() {
            ui.label(RichText::new(format!("\"{}\"", p.note)).italics());
        }
        let (text, colour) = verdict_text(app, v);
        ui.colored_label(colour, text);
        ui.weak(format!(
            "{}{}",
            match p.origin {
                crate::model::ProposalOrigin::Workshop => "found in the workshop",
                crate::model::ProposalOrigin::Planner => "entered by the planner",
            },
            if p.created.is_empty() {
                String::new()
            } else {
                format!(", {}", p.created)
            }
        ));
        ui.horizontal(|ui| {
            if ui.button("Show").clicked() {
                out.push(Command::ShowProposal(i));
            }
            let promoted = region
                .projects
                .iter()
                .any(|j| j.proposal.as_ref() == Some(&p.id));
            if !promoted && ui.button("Promote to project").clicked() {
                out.push(Command::Edit(Edit::InsertProject {
                    index: region.projects.len(),
                    project: Box::new(project_from_proposal(region, p)),
                }));
                out.push(Command::OpenProject(region.projects.len()));
            }
            if promoted {
                ui.weak("a project");
            }
            if !app.workshop && ui.button("Delete").clicked() {
                out.push(Command::Edit(Edit::RemoveProposal { index: i }));
            }
        });
    }
}

/// The Projects tab: the list, or the open project's editor.
pub fn projects_tab(
    ui: &mut Ui,
    app: &Workspace,
    editing: Option<&mut ProjectForm>,
    out: &mut Vec<Command>,
) {
    if let Some(form) = editing {
        project_editor(ui, app, form, out);
        return;
    }
    let region = &app.doc.region;
    ui.horizontal(|ui| {
        ui.heading(format!("Projects ({})", region.projects.len()));
        if ui.button("Board").clicked() {
            out.push(Command::ToggleBoard);
        }
    });
    ui.weak("Promote a candidate or a proposal to start one.");
    let checks = app.project_checks();
    for (i, p) in region.projects.iter().enumerate() {
        ui.separator();
        project_card(ui, region, i, p, true, checks.get(i), out);
    }
}

/// What the project's intermediary costs against what it saves (`docs/INTERMEDIARIES.md`).
fn intermediary_view(ui: &mut Ui, region: &Region, g: &crate::intermediary::Group) {
    let cur = &region.currency;
    ui.horizontal_wrapped(|ui| {
        ui.strong("Intermediary");
        ui.label(&g.name);
    });
    if g.flows.is_empty() {
        ui.weak("No exchange in tonnes to compare: an exchange counted in energy pays its operator in the pipe's cost.");
        return;
    }
    let f = &g.facilitator;
    let ids: Vec<&str> = g
        .projects
        .iter()
        .map(|&p| region.projects[p].id.as_str())
        .collect();
    ui.label(format!(
        "With {} ({} pairs, {} companies, {} t a year): bilateral deals {} {cur} a year, through a facilitator {} {cur}.",
        ids.join(", "),
        f.pairs,
        f.companies,
        q(f.tonnes_per_yr),
        q(f.bilateral.total_per_yr().round()),
        q(f.intermediated.total_per_yr().round())
    ));
    let saving = f.saving_per_yr();
    let (text, colour) = if saving >= 0.0 {
        (
            format!("It saves the companies {} {cur} a year.", q(saving.round())),
            Color32::from_rgb(40, 130, 60),
        )
    } else {
        (
            format!(
                "It costs the companies {} {cur} a year more than dealing directly (its fee on every tonne outweighs the contracts and tests it saves).",
                q((-saving).round())
            ),
            Color32::from_rgb(190, 110, 0),
        )
    };
    ui.add(egui::Label::new(RichText::new(text).color(colour)).wrap());
}

/// `ready 6/8`, green when complete, with the missing items on hover.
fn readiness_badge(ui: &mut Ui, items: &[Item]) {
    let (done, total) = score(items);
    let colour = if done == total {
        Color32::from_rgb(40, 130, 60)
    } else {
        Color32::from_rgb(190, 110, 0)
    };
    let missing: Vec<String> = items
        .iter()
        .filter(|i| !i.done)
        .map(|i| format!("{}: {}", i.label, i.detail))
        .collect();
    let r = ui.label(
        RichText::new(format!("ready {done}/{total}"))
            .color(colour)
            .small(),
    );
    if !missing.is_empty() {
        r.on_hover_text(format!("Still missing:\n{}", missing.join("\n")));
    }
}

/// The checklist, item by item.
fn readiness_list(ui: &mut Ui, items: &[Item]) {
    for i in items {
        ui.horizontal_wrapped(|ui| {
            // Done: a filled green disc; missing: a red ring (told apart without the colour).
            let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
            if i.done {
                ui.painter()
                    .circle_filled(rect.center(), 5.0, Color32::from_rgb(40, 130, 60));
            } else {
                ui.painter().circle_stroke(
                    rect.center(),
                    4.5,
                    egui::Stroke::new(2.0, Color32::from_rgb(190, 40, 40)),
                );
            }
            ui.label(RichText::new(i.label).strong());
            ui.add(egui::Label::new(RichText::new(&i.detail).weak()).wrap());
        });
    }
}

fn stage_badge(ui: &mut Ui, stage: Stage) {
    egui::Frame::new()
        .fill(stage_colour(stage))
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(4, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(stage.label()).color(Color32::WHITE).small());
        });
}

fn project_card(
    ui: &mut Ui,
    region: &Region,
    i: usize,
    p: &Project,
    show_stage: bool,
    check: Option<&ProjectReport>,
    out: &mut Vec<Command>,
) {
    ui.horizontal_wrapped(|ui| {
        if show_stage {
            stage_badge(ui, p.stage);
        }
        if ui
            .add(egui::Link::new(RichText::new(&p.name).strong()))
            .on_hover_text("Open the project")
            .clicked()
        {
            out.push(Command::OpenProject(i));
        }
        if let Some(c) = check {
            readiness_badge(ui, &c.readiness);
        }
    });
    if let Some(s) = check.and_then(|c| c.assessment.as_ref()) {
        let risk = match s.off_spec_probability {
            _ if s.quality.is_empty() => "no quality limits".to_owned(),
            Some(p) => format!("{:.2} % of deliveries off-spec", 100.0 * p),
            None => "off-spec share unknown".to_owned(),
        };
        ui.add(egui::Label::new(RichText::new(format!("agreement: {risk}")).small()).wrap());
    }
    let members: Vec<String> = p
        .members
        .iter()
        .map(|m| {
            let who = m
                .facility
                .as_deref()
                .and_then(|id| region.facility(id))
                .map_or(m.name.as_str(), |f| f.name.as_str());
            format!("{} ({})", who, m.role.label())
        })
        .collect();
    if !members.is_empty() {
        ui.add(egui::Label::new(members.join(", ")).wrap());
    }
    if let Some(a) = p.actions.iter().find(|a| !a.done) {
        let overdue = !a.due.is_empty() && a.due < crate::date::today();
        let text = if a.due.is_empty() {
            format!("next: {}", a.text)
        } else {
            format!("next: {} (by {})", a.text, a.due)
        };
        let colour = if overdue {
            Color32::from_rgb(190, 40, 40)
        } else {
            ui.visuals().text_color()
        };
        ui.add(egui::Label::new(RichText::new(text).color(colour)).wrap());
    }
}

/// The project being edited, a working copy applied as it changes.
#[derive(Clone, Debug)]
pub struct ProjectForm {
    pub index: usize,
    draft: Project,
    applied: Project,
}

impl ProjectForm {
    pub fn new(index: usize, project: &Project) -> Self {
        Self {
            index,
            draft: project.clone(),
            applied: project.clone(),
        }
    }
}

fn project_editor(ui: &mut Ui, app: &Workspace, form: &mut ProjectForm, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    let Some(current) = region.projects.get(form.index) else {
        out.push(Command::CloseProject);
        return;
    };
    if current != &form.applied {
        *form = ProjectForm::new(form.index, current);
    }
    let d = &mut form.draft;
    ui.horizontal(|ui| {
        if ui.button("< Projects").clicked() {
            out.push(Command::CloseProject);
        }
        ui.heading("Project");
    });
    let mut problems: Vec<String> = Vec::new();
    egui::Grid::new("project_form")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Name");
            ui.add(egui::TextEdit::singleline(&mut d.name).desired_width(260.0))
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Project name")
                });
            ui.end_row();
            ui.label("Stage");
            egui::ComboBox::from_id_salt("project_stage")
                .selected_text(d.stage.label())
                .show_ui(ui, |ui| {
                    for s in Stage::ALL {
                        ui.selectable_value(&mut d.stage, s, s.label());
                    }
                });
            ui.end_row();
        });
    if d.name.trim().is_empty() {
        problems.push("The project needs a name.".into());
    }
    // The exchange, evaluated.
    let pair = (
        d.stream.as_deref().and_then(|id| region.output_index(id)),
        d.need.as_deref().and_then(|id| region.need_index(id)),
    );
    let mut candidate = None;
    if let (Some(s), Some(n)) = pair {
        match crate::pipeline::evaluate_pair(&app.doc.engine, region, s, n) {
            Some(c) => {
                ui.label(RichText::new(economics_line(app, &c)).color(if c.viable {
                    Color32::from_rgb(40, 130, 60)
                } else {
                    Color32::from_rgb(190, 90, 0)
                }));
                candidate = Some((c, s, n));
            }
            None => {
                ui.weak("No catalogue rule links its stream and need.");
            }
        }
    }
    ui.separator();
    ui.strong("Members");
    let mut remove = None;
    for (mi, m) in d.members.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt(("member_role", mi))
                .width(130.0)
                .selected_text(m.role.label())
                .show_ui(ui, |ui| {
                    for r in Role::ALL {
                        ui.selectable_value(&mut m.role, r, r.label());
                    }
                });
            egui::ComboBox::from_id_salt(("member_facility", mi))
                .width(160.0)
                .selected_text(
                    m.facility
                        .as_deref()
                        .and_then(|id| region.facility(id))
                        .map_or("(a person)", |f| f.name.as_str()),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut m.facility, None, "(a person)");
                    for f in &region.facilities {
                        ui.selectable_value(&mut m.facility, Some(f.id.clone()), &f.name);
                    }
                });
            ui.add(
                egui::TextEdit::singleline(&mut m.name)
                    .desired_width(110.0)
                    .hint_text("name"),
            );
            if ui.small_button("x").on_hover_text("Remove").clicked() {
                remove = Some(mi);
            }
        });
    }
    if let Some(mi) = remove {
        d.members.remove(mi);
    }
    if ui.small_button("+ member").clicked() {
        d.members.push(Member {
            extra: crate::model::Extra::new(),
            role: Role::IsProjectManager,
            facility: None,
            name: String::new(),
        });
    }
    ui.separator();
    ui.strong("Next actions");
    let mut remove = None;
    for (ai, a) in d.actions.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            ui.checkbox(&mut a.done, "");
            ui.add(
                egui::TextEdit::singleline(&mut a.text)
                    .desired_width(170.0)
                    .hint_text("what"),
            )
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Action"));
            ui.add(
                egui::TextEdit::singleline(&mut a.due)
                    .desired_width(90.0)
                    .hint_text("YYYY-MM-DD"),
            )
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Due"));
            if ui.small_button("x").on_hover_text("Remove").clicked() {
                remove = Some(ai);
            }
        });
        if !a.due.is_empty() && crate::date::parse(&a.due).is_none() {
            let msg = format!("\"{}\" is not a date: write it as YYYY-MM-DD", a.due);
            ui.colored_label(Color32::from_rgb(190, 40, 40), &msg);
            problems.push(msg);
        }
    }
    if let Some(ai) = remove {
        d.actions.remove(ai);
    }
    if ui.small_button("+ action").clicked() {
        d.actions.push(Action {
            extra: crate::model::Extra::new(),
            text: String::new(),
            due: String::new(),
            done: false,
        });
    }
    ui.separator();
    let checks = app.project_checks();
    let check = checks.get(form.index);
    agreement_section(ui, app, d, candidate.as_ref(), check, &mut problems);
    if let Some(g) = checks.intermediary(form.index) {
        ui.separator();
        intermediary_view(ui, region, g);
    }
    if let Some(c) = check {
        ui.separator();
        ui.horizontal(|ui| {
            ui.strong("Readiness");
            readiness_badge(ui, &c.readiness);
        });
        readiness_list(ui, &c.readiness);
    }
    ui.separator();
    ui.strong("Notes");
    ui.add(
        egui::TextEdit::multiline(&mut d.notes)
            .desired_rows(4)
            .desired_width(f32::INFINITY)
            .hint_text("supply agreement, buffer storage, backup partner, who brokers..."),
    );
    ui.separator();
    if !app.workshop && ui.button("Delete this project").clicked() {
        out.push(Command::Edit(Edit::RemoveProject { index: form.index }));
        out.push(Command::CloseProject);
        return;
    }
    if problems.is_empty() && form.draft != form.applied {
        out.push(Command::Edit(Edit::SetProject {
            index: form.index,
            project: Box::new(form.draft.clone()),
        }));
        form.applied = form.draft.clone();
    }
}

/// The board: one column per stage, a card per project, arrows to move it along.
pub fn board_window(ctx: &egui::Context, app: &Workspace, open: &mut bool, out: &mut Vec<Command>) {
    let region = &app.doc.region;
    let checks = app.project_checks();
    egui::Window::new("Project board")
        .open(open)
        .default_size([1100.0, 420.0])
        .max_width(ctx.content_rect().width() - 40.0)
        .default_pos(ctx.content_rect().left_top() + egui::vec2(20.0, 60.0))
        .show(ctx, |ui| {
            ui.columns(Stage::ALL.len(), |cols| {
                for (col, stage) in cols.iter_mut().zip(Stage::ALL) {
                    col.horizontal(|ui| stage_badge(ui, stage));
                    col.separator();
                    for (i, p) in region
                        .projects
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.stage == stage)
                    {
                        egui::Frame::group(col.style()).show(col, |ui| {
                            ui.set_width(ui.available_width());
                            project_card(ui, region, i, p, false, checks.get(i), out);
                            ui.horizontal(|ui| {
                                let k = stage as usize;
                                if k > 0
                                    && ui.small_button("<").on_hover_text("Back a stage").clicked()
                                {
                                    let mut q = p.clone();
                                    q.stage = Stage::ALL[k - 1];
                                    out.push(Command::Edit(Edit::SetProject {
                                        index: i,
                                        project: Box::new(q),
                                    }));
                                }
                                if k + 1 < Stage::ALL.len()
                                    && ui
                                        .small_button(">")
                                        .on_hover_text("On to the next stage")
                                        .clicked()
                                {
                                    let mut q = p.clone();
                                    q.stage = Stage::ALL[k + 1];
                                    out.push(Command::Edit(Edit::SetProject {
                                        index: i,
                                        project: Box::new(q),
                                    }));
                                }
                            });
                        });
                    }
                }
            });
        });
}

/// An optional number: a tick box, then the value (unticked: not agreed).
fn optional_value(ui: &mut Ui, v: &mut Option<f64>, default: f64, suffix: &str, label: &str) {
    let mut on = v.is_some();
    if ui
        .checkbox(&mut on, "")
        .on_hover_text(format!("Agree a {label}"))
        .changed()
    {
        *v = on.then_some(default);
    }
    match v {
        Some(x) => {
            let speed = (x.abs() * 0.01).max(0.1);
            ui.add(
                egui::DragValue::new(x)
                    .speed(speed)
                    .range(0.0..=f64::MAX)
                    .suffix(suffix),
            )
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::SpinButton, true, label));
        }
        None => {
            ui.weak("not agreed");
        }
    }
}

/// The project's supply agreement: its terms, editable, and the engine's judgement of them.
fn agreement_section(
    ui: &mut Ui,
    app: &Workspace,
    d: &mut Project,
    candidate: Option<&EvaluatedPair>,
    check: Option<&ProjectReport>,
    problems: &mut Vec<String>,
) {
    let region = &app.doc.region;
    ui.strong("Supply agreement");
    let Some(a) = d.agreement.as_mut() else {
        match candidate {
            Some((c, (sf, si), (nf, ni))) => {
                ui.weak("Quality limits, volume, schedule, price, penalties, term and buffer.");
                if ui.button("Draft a supply agreement").clicked() {
                    let stream = &region.facilities[*sf].outputs[*si];
                    let need = &region.facilities[*nf].needs[*ni];
                    d.agreement = Some(crate::agreement::draft(c, stream, need));
                }
            }
            None => {
                ui.weak("Name the stream and the need to draft one.");
            }
        }
        return;
    };
    let unit = check
        .and_then(|c| c.assessment.as_ref())
        .map_or("unit", |s| s.unit.symbol())
        .to_owned();
    let qty_suffix = format!(" {unit}");
    let money_suffix = format!(" {}/{unit}", region.currency);
    ui.label("Quality of every delivery (% of wet mass for moisture, % of dry matter otherwise)");
    let mut remove = None;
    for (qi, q) in a.quality.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut q.parameter)
                    .desired_width(110.0)
                    .hint_text("moisture_pct or a constituent"),
            )
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Parameter"));
            ui.label("min");
            optional_value(ui, &mut q.min_pct, 0.0, " %", "minimum");
            ui.label("max");
            optional_value(ui, &mut q.max_pct, 100.0, " %", "maximum");
            if ui.small_button("x").on_hover_text("Remove").clicked() {
                remove = Some(qi);
            }
        });
        if q.min_pct.is_none() && q.max_pct.is_none() {
            problems.push(format!("Give {} a minimum or a maximum.", q.parameter));
        }
    }
    if let Some(qi) = remove {
        a.quality.remove(qi);
    }
    if ui.small_button("+ quality limit").clicked() {
        a.quality
            .push(QualityLimit::new(MOISTURE_PARAMETER, None, Some(100.0)));
    }
    egui::Grid::new("agreement_terms")
        .num_columns(2)
        .show(ui, |ui| {
            ui.label("Least a year");
            ui.horizontal(|ui| {
                optional_value(ui, &mut a.min_per_yr, 0.0, &qty_suffix, "least a year");
            });
            ui.end_row();
            ui.label("Most a year");
            ui.horizontal(|ui| {
                optional_value(ui, &mut a.max_per_yr, 0.0, &qty_suffix, "most a year");
            });
            ui.end_row();
            ui.label("Delivery size");
            ui.horizontal(|ui| {
                optional_value(
                    ui,
                    &mut a.min_per_delivery,
                    0.0,
                    &qty_suffix,
                    "least per delivery",
                );
                ui.label("to");
                optional_value(
                    ui,
                    &mut a.max_per_delivery,
                    0.0,
                    &qty_suffix,
                    "most per delivery",
                );
            });
            ui.end_row();
            ui.label("Every");
            ui.horizontal(|ui| {
                optional_value(
                    ui,
                    &mut a.delivery_every_days,
                    7.0,
                    " days",
                    "days between deliveries",
                );
                if a.delivery_every_days.is_none() {
                    ui.weak("(a steady flow)");
                }
            });
            ui.end_row();
            ui.label("Months");
            ui.horizontal(|ui| {
                const M: [&str; 12] = ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"];
                ui.spacing_mut().item_spacing.x = 1.0;
                for (k, name) in M.iter().enumerate() {
                    let month = k as u8 + 1;
                    let on = a.delivery_months.is_empty() || a.delivery_months.contains(&month);
                    if ui.selectable_label(on, *name).clicked() {
                        let mut months: Vec<u8> = if a.delivery_months.is_empty() {
                            (1..=12).collect()
                        } else {
                            a.delivery_months.clone()
                        };
                        if on {
                            months.retain(|m| *m != month);
                        } else {
                            months.push(month);
                            months.sort_unstable();
                        }
                        a.delivery_months = if months.len() == 12 {
                            Vec::new()
                        } else {
                            months
                        };
                    }
                }
            });
            ui.end_row();
            ui.label("Price");
            ui.horizontal(|ui| {
                let AgreedPrice { basis, value, .. } = &mut a.price;
                egui::ComboBox::from_id_salt("agreement_price")
                    .selected_text(basis.label())
                    .show_ui(ui, |ui| {
                        for b in PriceBasis::ALL {
                            ui.selectable_value(basis, b, b.label());
                        }
                    });
                let suffix = match basis {
                    PriceBasis::Fixed => money_suffix.as_str(),
                    PriceBasis::ShareOfCurrent | PriceBasis::SurplusShare => " %",
                };
                ui.add(egui::DragValue::new(value).speed(0.1).suffix(suffix));
            });
            ui.end_row();
            ui.label("Penalty short");
            ui.horizontal(|ui| {
                optional_value(
                    ui,
                    &mut a.penalty_short_per_unit,
                    0.0,
                    &money_suffix,
                    "penalty per unit short",
                );
            });
            ui.end_row();
            ui.label("Penalty off-spec");
            ui.horizontal(|ui| {
                optional_value(
                    ui,
                    &mut a.penalty_off_spec_per_unit,
                    0.0,
                    &money_suffix,
                    "penalty per unit off-spec",
                );
            });
            ui.end_row();
            ui.label("Start");
            ui.add(
                egui::TextEdit::singleline(&mut a.start)
                    .desired_width(90.0)
                    .hint_text("YYYY-MM-DD"),
            )
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Start"));
            ui.end_row();
            ui.label("Duration");
            ui.horizontal(|ui| optional_value(ui, &mut a.duration_yr, 3.0, " years", "duration"));
            ui.end_row();
            ui.label("Notice");
            ui.horizontal(|ui| optional_value(ui, &mut a.notice_months, 6.0, " months", "notice"));
            ui.end_row();
            ui.label("Buffer");
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt("agreement_buffer")
                    .selected_text(a.buffer_holder.map_or("nobody", BufferHolder::label))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut a.buffer_holder, None, "nobody");
                        for h in BufferHolder::ALL {
                            ui.selectable_value(&mut a.buffer_holder, Some(h), h.label());
                        }
                    });
                optional_value(ui, &mut a.buffer_t, 0.0, " t", "buffer size");
            });
            ui.end_row();
        });
    ui.add(
        egui::TextEdit::multiline(&mut a.exit_terms)
            .desired_rows(2)
            .desired_width(f32::INFINITY)
            .hint_text("exit terms: what ends it early, who pays what then"),
    );
    if !a.start.is_empty() && crate::date::parse(&a.start).is_none() {
        let msg = format!("\"{}\" is not a date: write it as YYYY-MM-DD", a.start);
        ui.colored_label(Color32::from_rgb(190, 40, 40), &msg);
        problems.push(msg);
    }
    if let (Some(lo), Some(hi)) = (a.min_per_yr, a.max_per_yr) {
        if lo > hi {
            let msg = "The least a year is above the most.".to_owned();
            ui.colored_label(Color32::from_rgb(190, 40, 40), &msg);
            problems.push(msg);
        }
    }
    if a.delivery_every_days.is_some_and(|d| d <= 0.0) {
        problems.push("Days between deliveries must be above 0.".to_owned());
    }
    let remove_agreement = !app.workshop && ui.small_button("Remove the agreement").clicked();
    if let Some(r) = check {
        if let Some(s) = &r.assessment {
            assessment_view(ui, app, d.agreement.as_ref(), s, r.withheld);
        }
    }
    if remove_agreement {
        d.agreement = None;
    }
}

/// The project's exchange as the engine sees it, with its `(facility, output)` and
/// `(facility, need)`.
type EvaluatedPair = (Candidate, (usize, usize), (usize, usize));

/// The engine's judgement of the agreement.
fn assessment_view(
    ui: &mut Ui,
    app: &Workspace,
    agreement: Option<&SupplyAgreement>,
    s: &crate::agreement::Assessment,
    withheld: bool,
) {
    let cur = &app.doc.region.currency;
    let unit = s.unit.symbol();
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.strong("Judged against the stream");
        if let Some(a) = agreement {
            if withheld {
                ui.weak("Price and money withheld: a confidential company.");
            } else {
                ui.label(match a.price.basis {
                    PriceBasis::Fixed => format!("Price: {}", price_terms(a, cur, unit)),
                    _ => format!(
                        "Price: {} = {:.2} {cur}/{unit}",
                        price_terms(a, cur, unit),
                        s.price_per_unit
                    ),
                });
            }
        }
        for q in &s.quality {
            ui.add(egui::Label::new(quality_line(q)).wrap());
        }
        match (s.off_spec_probability_low, s.off_spec_probability) {
            _ if s.quality.is_empty() => {
                ui.label("No quality limits agreed: no delivery can be off-spec.");
            }
            (Some(lo), Some(hi)) => {
                let share = crate::agreement::percent_range(lo, hi);
                ui.label(format!(
                    "Off-spec: {share} of {} deliveries a year, {} {unit} a year",
                    q(s.deliveries_per_yr.round()),
                    q(s.off_spec_per_yr.unwrap_or(0.0))
                ));
            }
            _ => {
                ui.colored_label(
                    Color32::from_rgb(190, 110, 0),
                    "Off-spec share unknown: the stream's CV or an analysis is missing.",
                );
            }
        }
        ui.label(format!(
            "Expected: {} of {} {unit} a year exchangeable; {} {unit} short of the commitment",
            q(s.expected_per_yr),
            q(s.exchangeable_per_yr),
            q(s.shortfall_per_yr)
        ));
        if !withheld {
            ui.label(format!(
                "Expected penalties: {} {cur} off-spec + {} {cur} short a year",
                q(s.off_spec_penalty_per_yr.unwrap_or(0.0).round()),
                q(s.short_penalty_per_yr.round())
            ));
            ui.label(format!(
                "Gains at this price: supplier {} {cur}, receiver {} {cur} a year (before penalties)",
                q(s.sender_gain_per_yr.round()),
                q(s.receiver_gain_per_yr.round())
            ));
        }
        for f in &s.findings {
            ui.add(
                egui::Label::new(RichText::new(format!("! {f}")).color(Color32::from_rgb(190, 110, 0)))
                    .wrap(),
            );
        }
    });
}
