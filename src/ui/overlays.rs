//! What is drawn over the map in screen space: the scale bar, the attribution the map data
//! requires, and the legend of sectors.

use egui::{Align2, Color32, FontId, Pos2, Rect, Stroke};
use walkers::Projector;

use super::map::facilities::{legend_rect, FacilityIndex, LEGEND_ROW};
use super::map::ScreenTransform;
use super::theme;

/// A scale bar of a round length (1, 2 or 5 x 10^n metres) at most 140 px long.
pub fn scale_bar(ui: &egui::Ui, projector: &Projector, t: &ScreenTransform) {
    let centre = projector.unproject(t.clip.center().to_vec2());
    let px_per_m = f64::from(projector.scale_pixel_per_meter(centre));
    if px_per_m.is_nan() || px_per_m <= 0.0 {
        return;
    }
    let max_m = 140.0 / px_per_m;
    let magnitude = 10f64.powf(max_m.log10().floor());
    let length_m = [5.0, 2.0, 1.0]
        .iter()
        .map(|k| k * magnitude)
        .find(|l| *l <= max_m)
        .unwrap_or(magnitude);
    let width = (length_m * px_per_m) as f32;
    let painter = ui.painter().with_clip_rect(t.clip);
    let left = Pos2::new(t.clip.left() + 16.0, t.clip.bottom() - 22.0);
    let bg = Rect::from_min_max(
        left - egui::vec2(6.0, 16.0),
        left + egui::vec2(width + 6.0, 8.0),
    );
    painter.rect_filled(bg, 3.0, Color32::from_rgba_unmultiplied(255, 255, 255, 200));
    let stroke = Stroke::new(2.0, Color32::BLACK);
    painter.line_segment([left, left + egui::vec2(width, 0.0)], stroke);
    painter.line_segment([left, left - egui::vec2(0.0, 5.0)], stroke);
    painter.line_segment(
        [
            left + egui::vec2(width, 0.0),
            left + egui::vec2(width, -5.0),
        ],
        stroke,
    );
    let label = if length_m >= 1000.0 {
        format!("{} km", length_m / 1000.0)
    } else {
        format!("{length_m} m")
    };
    painter.text(
        left + egui::vec2(width / 2.0, -4.0),
        Align2::CENTER_BOTTOM,
        label,
        FontId::proportional(11.0),
        Color32::BLACK,
    );
}

/// The data credits: Natural Earth for the built-in basemap, OpenStreetMap for its tiles.
pub fn attribution(ui: &mut egui::Ui, t: &ScreenTransform, online: bool) {
    let text = if online {
        "\u{a9} OpenStreetMap contributors"
    } else {
        "Made with Natural Earth"
    };
    // A box just wide enough for the credit.
    let font = egui::TextStyle::Small.resolve(ui.style());
    let width = ui
        .painter()
        .layout_no_wrap(text.to_owned(), font, Color32::BLACK)
        .size()
        .x
        + 12.0;
    let rect = Rect::from_min_size(
        t.clip.right_bottom() - egui::vec2(width + 4.0, 22.0),
        egui::vec2(width, 18.0),
    );
    ui.painter().rect_filled(
        rect,
        3.0,
        Color32::from_rgba_unmultiplied(255, 255, 255, 210),
    );
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(rect.shrink(2.0))
            .layout(egui::Layout::right_to_left(egui::Align::Center)),
    );
    if online {
        child.hyperlink_to(
            egui::RichText::new(text).small(),
            "https://www.openstreetmap.org/copyright",
        );
    } else {
        child.hyperlink_to(
            egui::RichText::new(text).small(),
            "https://www.naturalearthdata.com/",
        );
    }
}

/// The NACE sections present in the region with their colours.
pub fn legend(ui: &egui::Ui, t: &ScreenTransform, index: &FacilityIndex, size: f32) {
    let sections = &index.sections;
    let Some(rect) = legend_rect(t.clip, sections.len(), size) else {
        return;
    };
    let k = size / 12.0;
    let row = LEGEND_ROW * k;
    let painter = ui.painter().with_clip_rect(t.clip);
    painter.rect_filled(
        rect,
        4.0,
        Color32::from_rgba_unmultiplied(255, 255, 255, 215),
    );
    for (i, s) in sections.iter().enumerate() {
        let y = rect.top() + 4.0 + row * (i as f32 + 0.5);
        painter.circle_filled(
            Pos2::new(rect.left() + 12.0 * k, y),
            5.0 * k,
            theme::nace_colour(*s),
        );
        let label = match s {
            Some(c) => format!("{c}  {}", theme::nace_section_label(*c)),
            None => theme::nace_section_label('?').to_owned(),
        };
        painter.text(
            Pos2::new(rect.left() + 24.0 * k, y),
            Align2::LEFT_CENTER,
            label,
            FontId::proportional(11.0 * k),
            Color32::from_gray(30),
        );
    }
}
