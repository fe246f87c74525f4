//! Workshop mode and its walk through opportunities, proposals, the plan and the projects.

#[allow(clippy::wildcard_imports)]
use super::*;

impl SymbiomapApp {
    pub(super) fn show_exchange(
        &mut self,
        from_facility: usize,
        stream: usize,
        to: usize,
        need: usize,
    ) {
        self.push(Command::SelectStream {
            facility: from_facility,
            stream,
        });
        self.pending_candidate = Some((to, need));
        self.fly_to(&[from_facility, to]);
    }

    pub(super) fn walk_to(&mut self, i: usize) {
        let len = self.ws.walk_len();
        if len == 0 {
            return;
        }
        let i = i.min(len - 1);
        self.ws.walk.index = i;
        match self.ws.walk.list {
            WalkList::Opportunities => {
                let Some(o) = self.ws.opportunities().get(i).cloned() else {
                    return;
                };
                let c = &o.candidate;
                self.show_exchange(c.from_facility, c.stream, c.to_facility, c.need);
            }
            WalkList::Proposals => self.push(Command::ShowProposal(i)),
            WalkList::Plan => {
                let e = self
                    .ws
                    .plan
                    .solved
                    .as_ref()
                    .and_then(|s| s.outcome.report.exchanges.get(i))
                    .map(|e| (e.from_facility, e.stream, e.to_facility, e.need));
                if let Some((f, s, t, n)) = e {
                    self.show_exchange(f, s, t, n);
                }
            }
            WalkList::Projects => {
                let region = &self.ws.doc.region;
                let pair = region.projects.get(i).and_then(|p| {
                    let (f, s) = region.output_index(p.stream.as_deref()?)?;
                    let (t, n) = region.need_index(p.need.as_deref()?)?;
                    Some((f, s, t, n))
                });
                if let Some((f, s, t, n)) = pair {
                    self.show_exchange(f, s, t, n);
                }
            }
        }
    }

    /// Workshop mode on or off: full screen, zoomed interface, projector look, large map
    /// marks, no editing chrome.
    pub fn set_workshop(&mut self, on: bool) {
        if on == self.ws.workshop {
            return;
        }
        self.ws.workshop = on;
        let ctx = &self.ws.egui_ctx;
        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(on));
        ctx.set_zoom_factor(if on { crate::ui::workshop::ZOOM } else { 1.0 });
        ctx.set_visuals_of(
            egui::Theme::Light,
            if on {
                crate::ui::workshop::projector_visuals()
            } else {
                egui::Visuals::light()
            },
        );
        self.scale = if on { Scale::WORKSHOP } else { Scale::DESK };
        self.form = None;
        self.tools.set_tool(MapTool::Select);
        if on {
            // Start where the walk is: its pair on the map, its economics in the card.
            self.push(Command::WalkTo(self.ws.walk.index));
        }
    }
}
