//! The desktop app (feature `gui`): a thin egui shell over the core. Widgets push commands;
//! the app applies them once per frame; each map layer is one walkers plugin.

pub mod app;
pub mod document;
pub mod editor;
pub mod inspector;
pub mod map;
pub mod overlays;
pub mod recovery;
pub mod samples;
pub mod search;
pub mod theme;
pub mod tools;

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
