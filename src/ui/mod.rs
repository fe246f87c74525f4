//! The desktop app (feature `gui`): a thin egui shell over the core. Widgets push commands;
//! the app applies them once per frame; each map layer is one walkers plugin.

pub mod app;
pub mod command;
pub mod editor;
pub mod inspector;
pub mod map;
pub mod overlays;
pub mod pipeline_panel;
pub mod plan_panel;
pub mod recovery;
pub mod samples;
pub mod search;
pub mod theme;
pub mod tools;
pub mod whatif_panel;
pub mod workshop;
pub mod workspace;

use std::path::PathBuf;

pub use app::SymbiomapApp;

/// Opens the app window, on `region` if given.
pub fn run(region: Option<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Symbiomap")
            .with_app_id("symbiomap")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "Symbiomap",
        options,
        Box::new(move |cc| Ok(Box::new(SymbiomapApp::new(cc, region)))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}

/// `1234567.8` -> `"1.23 M"`, `45600` -> `"45.6 k"`, in the region's currency implied.
pub fn format_money(v: f64) -> String {
    let a = v.abs();
    let s = if a >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1} k", v / 1e3)
    } else {
        format!("{v:.0}")
    };
    s
}

/// `12534.4` -> `"12 534"`: a whole quantity with thin spaces between thousands.
pub fn format_quantity(v: f64) -> String {
    let rounded = v.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    if rounded < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantities_group_thousands() {
        assert_eq!(super::format_quantity(12_534.4), "12\u{2009}534");
        assert_eq!(super::format_quantity(999.0), "999");
        assert_eq!(
            super::format_quantity(-1_000_000.0),
            "-1\u{2009}000\u{2009}000"
        );
        assert_eq!(super::format_quantity(0.2), "0");
    }
}
