//! The side panel's Proposals and Projects tabs, the project editor and the project board:
//! what the room discovered, evaluated by the engine, and the exchanges being made real.

use egui::{Color32, RichText, Ui};

use crate::matching::Candidate;
use crate::model::{Action, Member, Project, Proposal, Region, Role, Stage};
use crate::pipeline::Verdict;

use super::app::{Command, SymbiomapApp};
use super::document::Edit;

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
pub fn masked(app: &SymbiomapApp, from: usize, to: usize) -> bool {
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
pub fn reach_masked(app: &SymbiomapApp) -> bool {
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
pub fn economics_line(app: &SymbiomapApp, c: &Candidate) -> String {
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

fn verdict_text(app: &SymbiomapApp, v: &Verdict) -> (String, Color32) {
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
        extra: crate::model::Extra::new(),
    }
}

/// The Proposals tab.
pub fn proposals_tab(ui: &mut Ui, app: &SymbiomapApp, out: &mut Vec<Command>) {
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
    app: &SymbiomapApp,
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
    for (i, p) in region.projects.iter().enumerate() {
        ui.separator();
        project_card(ui, region, i, p, true, out);
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
    });
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

fn project_editor(ui: &mut Ui, app: &SymbiomapApp, form: &mut ProjectForm, out: &mut Vec<Command>) {
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
    if let (Some(s), Some(n)) = (
        d.stream.as_deref().and_then(|id| region.output_index(id)),
        d.need.as_deref().and_then(|id| region.need_index(id)),
    ) {
        match crate::pipeline::evaluate_pair(&app.doc.engine, region, s, n) {
            Some(c) => {
                ui.label(RichText::new(economics_line(app, &c)).color(if c.viable {
                    Color32::from_rgb(40, 130, 60)
                } else {
                    Color32::from_rgb(190, 90, 0)
                }));
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
pub fn board_window(
    ctx: &egui::Context,
    app: &SymbiomapApp,
    open: &mut bool,
    out: &mut Vec<Command>,
) {
    let region = &app.doc.region;
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
                            project_card(ui, region, i, p, false, out);
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
