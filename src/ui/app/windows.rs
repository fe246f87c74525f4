//! The windows over the map: recovery, history, messages, import, the unsaved-changes prompt.

#[allow(clippy::wildcard_imports)]
use super::*;

impl SymbiomapApp {
    /// Offers back the newest work a crashed session left.
    pub(super) fn recovery_window(&mut self, ctx: &egui::Context) {
        let Some(offer) = self.recovery_offer.first() else {
            return;
        };
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("recovery")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading("Recover unsaved work?");
            ui.label(format!(
                "Symbiomap did not close properly. It had autosaved this work {}:",
                offer.age()
            ));
            let r = &offer.region;
            ui.label(
                RichText::new(format!(
                    "{}: {} facilities, {} proposals, {} projects",
                    r.name,
                    r.facilities.len(),
                    r.proposals.len(),
                    r.projects.len()
                ))
                .strong(),
            );
            ui.label(match &offer.path {
                Some(p) => format!("opened from {}", p.display()),
                None => "a region never saved to a file".to_owned(),
            });
            ui.weak("Recovering opens it as unsaved changes: save it to keep it. Discarding deletes the recovery file.");
            ui.horizontal(|ui| {
                if ui.button("Recover").clicked() {
                    choice = Some(true);
                }
                if ui.button("Discard").clicked() {
                    choice = Some(false);
                }
            });
        });
        match choice {
            Some(true) => {
                let offer = self.recovery_offer.remove(0);
                let _ = std::fs::remove_file(&offer.file);
                match Document::new(offer.region, offer.path) {
                    Ok(mut doc) => {
                        doc.mark_unsaved_origin();
                        self.set_document(doc);
                        self.status = String::from("Recovered: save to keep it");
                    }
                    Err(e) => self.error("Could not recover", e.to_string()),
                }
            }
            Some(false) => {
                let offer = self.recovery_offer.remove(0);
                let _ = std::fs::remove_file(&offer.file);
            }
            None => {}
        }
    }

    /// Every step that can be undone (latest on top) and those that can be redone.
    pub(super) fn history_window(&mut self, ctx: &egui::Context) {
        if !self.show_history {
            return;
        }
        let mut open = true;
        let mut steps = 0i64;
        egui::Window::new("History")
            .open(&mut open)
            .default_width(320.0)
            .anchor(egui::Align2::LEFT_BOTTOM, egui::vec2(10.0, -40.0))
            .show(ctx, |ui| {
                ui.weak("Click a step to go back to just after it.");
                egui::ScrollArea::vertical()
                    .max_height(300.0)
                    .show(ui, |ui| {
                        for (i, e) in self.ws.doc.redo_stack.iter().enumerate() {
                            // Redo steps, the furthest first.
                            if ui
                                .selectable_label(false, RichText::new(&e.label).weak().italics())
                                .clicked()
                            {
                                steps = (self.ws.doc.redo_stack.len() - i) as i64;
                            }
                        }
                        let n = self.ws.doc.undo_stack.len();
                        for (i, e) in self.ws.doc.undo_stack.iter().enumerate().rev() {
                            if ui.selectable_label(i + 1 == n, &e.label).clicked() {
                                steps = -((n - 1 - i) as i64);
                            }
                        }
                        if ui
                            .selectable_label(n == 0, RichText::new("Opened").weak())
                            .clicked()
                        {
                            steps = -(n as i64);
                        }
                    });
            });
        if !open {
            self.show_history = false;
        }
        for _ in 0..steps.unsigned_abs() {
            self.push(if steps < 0 {
                Command::Undo
            } else {
                Command::Redo
            });
        }
    }

    pub(super) fn messages_window(&mut self, ctx: &egui::Context) {
        let mut dismiss = None;
        for (i, m) in self.messages.iter().enumerate().rev().take(3) {
            egui::Window::new(&m.title)
                .id(egui::Id::unique(("message", i)))
                .anchor(
                    egui::Align2::CENTER_TOP,
                    egui::vec2(0.0, 40.0 + 30.0 * i as f32),
                )
                .collapsible(false)
                .resizable(true)
                .default_width(520.0)
                .show(ctx, |ui| {
                    let colour = if m.error {
                        Color32::from_rgb(190, 40, 40)
                    } else {
                        ui.visuals().text_color()
                    };
                    egui::ScrollArea::vertical()
                        .max_height(300.0)
                        .show(ui, |ui| {
                            ui.label(RichText::new(&m.body).color(colour).monospace());
                        });
                    if ui.button("OK").clicked() {
                        dismiss = Some(i);
                    }
                });
        }
        if let Some(i) = dismiss {
            self.push(Command::DismissMessage(i));
        }
    }

    /// How to import the chosen file or folder: as a new region, or into the open one.
    pub(super) fn import_window(&mut self, ctx: &egui::Context) {
        let Some(prompt) = &mut self.import_prompt else {
            return;
        };
        let mut done: Option<bool> = None;
        let region = &self.ws.doc.region;
        egui::Modal::new(egui::Id::unique("import")).show(ctx, |ui| {
            ui.set_max_width(560.0);
            ui.heading("Import");
            ui.label(prompt.path.display().to_string());
            ui.radio_value(
                &mut prompt.merge,
                false,
                "As a new region (the open one is closed)",
            );
            ui.radio_value(
                &mut prompt.merge,
                true,
                format!("Into {} (merge)", region.name),
            )
            .on_hover_text(
                "The region keeps its facilities, settings, proposals and projects; the \
                 import's facilities are added. An id the region already has is reported and \
                 the import's is skipped. One undo takes the whole import back.",
            );
            ui.horizontal(|ui| {
                if ui.button("Import").clicked() {
                    done = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    done = Some(false);
                }
            });
        });
        match done {
            Some(true) => {
                let ImportPrompt { path, merge } = prompt.clone();
                self.import_prompt = None;
                self.push(Command::ImportAs { path, merge });
            }
            Some(false) => self.import_prompt = None,
            None => {}
        }
    }

    pub(super) fn pending_modal(&mut self, ctx: &egui::Context) {
        if self.pending.is_none() {
            return;
        }
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("unsaved")).show(ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label(format!(
                "{} has changes that are not saved.",
                self.ws.doc.title()
            ));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    choice = Some(PendingChoice::Save);
                }
                if ui.button("Discard changes").clicked() {
                    choice = Some(PendingChoice::Discard);
                }
                if ui.button("Cancel").clicked() {
                    choice = Some(PendingChoice::Cancel);
                }
            });
        });
        if let Some(c) = choice {
            self.push(Command::ResolvePending(c));
        }
    }
}
