//! What a click or a drag on the map does: select (and drag a marker to move it), add a
//! facility where the map is clicked, or draw a link between two facilities to capture a
//! proposed exchange. The state machine is here; the app turns its [`ToolAction`]s into
//! commands.

use egui::{Color32, RichText, Ui};

use crate::model::{LatLon, Proposal, ProposalOrigin, Region};

use super::command::{Command, MapTool, Tab};
use super::map::facilities::FacilityEvents;
use super::map::hubs::HubEvents;
use crate::document::Edit;

/// What the map's pointer did this frame, in the app's terms.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolAction {
    Select(Option<usize>),
    Move(usize, LatLon),
    AddAt(LatLon),
    Link { from: usize, to: usize },
    AddHubAt(LatLon),
    SelectHub(usize),
    MoveHub(usize, LatLon),
}

/// The tool and what it is in the middle of.
#[derive(Clone, Debug, Default)]
pub struct ToolState {
    pub tool: MapTool,
    /// First end of a link being drawn.
    pub link_from: Option<usize>,
    /// The marker the pointer went down on (its drag moves it, not the map).
    press_on: Option<usize>,
    /// A marker being dragged, and where it is now.
    pub moving: Option<(usize, LatLon)>,
    /// The hub site the pointer went down on, and one being dragged.
    press_on_hub: Option<usize>,
    pub moving_hub: Option<(usize, LatLon)>,
}

impl ToolState {
    /// Whether a drag may pan the map (not while a marker is held).
    pub fn pan_allowed(&self) -> bool {
        self.press_on.is_none() && self.press_on_hub.is_none()
    }

    pub fn set_tool(&mut self, tool: MapTool) {
        self.tool = tool;
        self.link_from = None;
        self.press_on = None;
        self.moving = None;
        self.press_on_hub = None;
        self.moving_hub = None;
    }

    /// Turns the pointer's doings into actions. `editable`: markers may be moved (not in
    /// workshop mode).
    pub fn update(
        &mut self,
        ctx: &egui::Context,
        events: &FacilityEvents,
        hubs: &HubEvents,
        map_clicked: bool,
        editable: bool,
    ) -> Vec<ToolAction> {
        let mut actions = Vec::new();
        let pointer = events.pointer.map(|(lat, lon)| LatLon::new(lat, lon));
        let (pressed, down, released, dragging) = ctx.input(|i| {
            (
                i.pointer.primary_pressed(),
                i.pointer.primary_down(),
                i.pointer.primary_released(),
                i.pointer.is_decidedly_dragging(),
            )
        });
        match self.tool {
            MapTool::Select => {
                // A hub site over a facility's marker is the one under the pointer.
                if pressed && editable {
                    self.press_on_hub = hubs.hovered;
                    if self.press_on_hub.is_none() {
                        self.press_on = events.hovered;
                    }
                }
                if let (Some(i), true, true, Some(p)) = (self.press_on_hub, down, dragging, pointer)
                {
                    self.moving_hub = Some((i, p));
                }
                if released || !down {
                    if let Some((i, p)) = self.moving_hub.take() {
                        actions.push(ToolAction::MoveHub(i, p));
                        self.press_on_hub = None;
                        return actions;
                    }
                    self.press_on_hub = None;
                }
                if let Some(h) = hubs.clicked {
                    actions.push(ToolAction::SelectHub(h));
                    return actions;
                }
                if let (Some(i), true, true, Some(p)) = (self.press_on, down, dragging, pointer) {
                    self.moving = Some((i, p));
                }
                if released || !down {
                    if let Some((i, p)) = self.moving.take() {
                        actions.push(ToolAction::Move(i, p));
                    }
                    self.press_on = None;
                }
                if self.moving.is_none() {
                    if let Some(f) = events.clicked {
                        actions.push(ToolAction::Select(Some(f)));
                    } else if map_clicked && events.hovered.is_none() && events.zoom_to.is_none() {
                        actions.push(ToolAction::Select(None));
                    }
                }
            }
            MapTool::AddFacility => {
                if map_clicked && events.hovered.is_none() {
                    if let Some(p) = pointer {
                        actions.push(ToolAction::AddAt(p));
                        self.tool = MapTool::Select;
                    }
                }
            }
            MapTool::AddHub => {
                if map_clicked && events.hovered.is_none() && hubs.hovered.is_none() {
                    if let Some(p) = pointer {
                        actions.push(ToolAction::AddHubAt(p));
                        self.tool = MapTool::Select;
                    }
                }
            }
            MapTool::Link => {
                if let Some(f) = events.clicked {
                    match self.link_from {
                        Some(from) if from != f => {
                            actions.push(ToolAction::Link { from, to: f });
                            self.link_from = None;
                        }
                        _ => self.link_from = Some(f),
                    }
                } else if map_clicked && events.hovered.is_none() {
                    self.link_from = None;
                }
            }
        }
        actions
    }
}

/// The toolbar drawn over the map's top right corner.
pub fn toolbar(
    ui: &mut Ui,
    rect: egui::Rect,
    state: &ToolState,
    workshop: bool,
    out: &mut Vec<Command>,
) {
    let tools: &[MapTool] = if workshop {
        &[MapTool::Select, MapTool::Link]
    } else {
        &[
            MapTool::Select,
            MapTool::AddFacility,
            MapTool::AddHub,
            MapTool::Link,
        ]
    };
    egui::Area::new(egui::Id::unique("map_toolbar"))
        .pivot(egui::Align2::RIGHT_TOP)
        .fixed_pos(rect.right_top() + egui::vec2(-8.0, 8.0))
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(|ui| {
                    for &tool in tools {
                        if ui
                            .selectable_label(state.tool == tool, tool.label())
                            .on_hover_text(tool.hint())
                            .clicked()
                        {
                            out.push(Command::SetTool(tool));
                        }
                    }
                });
                if state.tool != MapTool::Select {
                    let text = match (state.tool, state.link_from) {
                        (MapTool::Link, Some(_)) => "Now click the receiver (Esc to stop).",
                        (t, _) => t.hint(),
                    };
                    ui.label(
                        RichText::new(text)
                            .small()
                            .color(Color32::from_rgb(200, 100, 0)),
                    );
                }
            });
        });
}

/// A proposal being written after a link was drawn.
#[derive(Clone, Debug)]
pub struct ProposalDraft {
    pub from: usize,
    pub to: usize,
    pub stream: Option<usize>,
    pub need: Option<usize>,
    pub note: String,
}

impl ProposalDraft {
    /// A draft between two facilities, guessing the stream and need when only one pair of
    /// them shares a material.
    pub fn new(region: &Region, from: usize, to: usize) -> Self {
        let mut stream = None;
        let mut need = None;
        if let (Some(a), Some(b)) = (region.facilities.get(from), region.facilities.get(to)) {
            let pairs: Vec<(usize, usize)> = a
                .outputs
                .iter()
                .enumerate()
                .flat_map(|(si, o)| {
                    b.needs
                        .iter()
                        .enumerate()
                        .filter(move |(_, n)| n.material == o.material)
                        .map(move |(ni, _)| (si, ni))
                })
                .collect();
            if let [(s, n)] = pairs[..] {
                stream = Some(s);
                need = Some(n);
            } else if a.outputs.len() == 1 {
                stream = Some(0);
            }
        }
        Self {
            from,
            to,
            stream,
            need,
            note: String::new(),
        }
    }
}

/// The window completing a drawn link; `false` when it closes.
pub fn proposal_window(
    ctx: &egui::Context,
    draft: &mut ProposalDraft,
    region: &Region,
    out: &mut Vec<Command>,
) -> bool {
    let (Some(a), Some(b)) = (
        region.facilities.get(draft.from),
        region.facilities.get(draft.to),
    ) else {
        return false;
    };
    let mut keep = true;
    egui::Window::new("Capture a proposal")
        .collapsible(false)
        .default_width(420.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            ui.label(format!("From {} to {}", a.name, b.name));
            egui::Grid::new("proposal_form")
                .num_columns(2)
                .show(ui, |ui| {
                    ui.label("Their stream");
                    egui::ComboBox::from_id_salt("proposal_stream")
                        .selected_text(
                            draft
                                .stream
                                .and_then(|s| a.outputs.get(s))
                                .map_or("not known yet".to_owned(), |o| o.material.clone()),
                        )
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut draft.stream, None, "not known yet");
                            for (i, o) in a.outputs.iter().enumerate() {
                                ui.selectable_value(&mut draft.stream, Some(i), &o.material);
                            }
                        });
                    ui.end_row();
                    ui.label("Need it serves");
                    egui::ComboBox::from_id_salt("proposal_need")
                        .selected_text(
                            draft
                                .need
                                .and_then(|n| b.needs.get(n))
                                .map_or("not known yet".to_owned(), |n| n.material.clone()),
                        )
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut draft.need, None, "not known yet");
                            for (i, n) in b.needs.iter().enumerate() {
                                ui.selectable_value(&mut draft.need, Some(i), &n.material);
                            }
                        });
                    ui.end_row();
                    ui.label("What was said");
                    ui.add(
                        egui::TextEdit::multiline(&mut draft.note)
                            .desired_rows(3)
                            .hint_text("\"their wastewater is calcium-rich\""),
                    )
                    .widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::TextInput, true, "What was said")
                    });
                    ui.end_row();
                });
            ui.horizontal(|ui| {
                if ui.button("Capture").clicked() {
                    let proposal = Proposal {
                        id: region.fresh_id("W"),
                        from_facility: a.id.clone(),
                        stream: draft
                            .stream
                            .and_then(|s| a.outputs.get(s))
                            .map(|o| o.id.clone()),
                        to_facility: b.id.clone(),
                        need: draft
                            .need
                            .and_then(|n| b.needs.get(n))
                            .map(|n| n.id.clone()),
                        note: draft.note.trim().to_owned(),
                        origin: ProposalOrigin::Workshop,
                        created: crate::date::today(),
                        extra: crate::model::Extra::new(),
                    };
                    out.push(Command::Edit(Edit::InsertProposal {
                        index: region.proposals.len(),
                        proposal: Box::new(proposal),
                    }));
                    out.push(Command::ShowTab(Tab::Proposals));
                    keep = false;
                }
                if ui.button("Cancel").clicked() {
                    keep = false;
                }
            });
        });
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(clicked: Option<usize>, hovered: Option<usize>) -> FacilityEvents {
        FacilityEvents {
            clicked,
            hovered,
            pointer: Some((51.0, 3.7)),
            zoom_to: None,
        }
    }

    #[test]
    fn the_link_tool_takes_two_different_sites() {
        let ctx = egui::Context::default();
        let mut t = ToolState::default();
        t.set_tool(MapTool::Link);
        assert!(t
            .update(
                &ctx,
                &events(Some(3), Some(3)),
                &HubEvents::default(),
                true,
                true
            )
            .is_empty());
        assert_eq!(t.link_from, Some(3));
        // The same site again does not make a link.
        assert!(t
            .update(
                &ctx,
                &events(Some(3), Some(3)),
                &HubEvents::default(),
                true,
                true
            )
            .is_empty());
        let a = t.update(
            &ctx,
            &events(Some(5), Some(5)),
            &HubEvents::default(),
            true,
            true,
        );
        assert_eq!(a, vec![ToolAction::Link { from: 3, to: 5 }]);
        assert_eq!(t.link_from, None);
    }

    #[test]
    fn the_add_tool_places_once_then_selects_again() {
        let ctx = egui::Context::default();
        let mut t = ToolState::default();
        t.set_tool(MapTool::AddFacility);
        let a = t.update(&ctx, &events(None, None), &HubEvents::default(), true, true);
        assert_eq!(a, vec![ToolAction::AddAt(LatLon::new(51.0, 3.7))]);
        assert_eq!(t.tool, MapTool::Select);
    }
}
