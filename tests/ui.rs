//! The desktop app driven as a user drives it (`egui_kittest`, no window needed): open a region,
//! find a facility with the search box, drop a preprocessing step on its stream, move the
//! step's slider, and check that the break-even distance and the candidates shown follow the
//! engine; then save, reopen, and find the same region.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};

use egui::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use symbiomap::catalogue::{Category, MatchKind, Material, Rule};
use symbiomap::geodesy::destination;
use symbiomap::io::region_file;
use symbiomap::matching::{Engine, PairHit, SearchOptions};
use symbiomap::model::{
    Extra, Facility, LatLon, Need, OutputStream, PhysicalState, PreprocessStep, Region,
    Specification, Unit,
};
use symbiomap::ui::app::{Command, Persisted, SymbiomapApp};

/// A sawmill with loose shavings, and five heat plants buying biomass fuel at 100 to 1000 km
/// by road (1.3 x the great-circle distance), eastwards.
fn sawmill_region() -> Region {
    let mut region = Region {
        name: "Sawmill and heat plants".into(),
        ..Region::default()
    };
    let shavings = Material {
        category: Category::Wood,
        state: PhysicalState::Solid,
        bulk_density_t_per_m3: Some(0.15),
        typical_moisture_pct: Some(12.0),
        ..Material::named("ui_shavings")
    };
    let fuel = Material {
        category: Category::Wood,
        ..Material::named("ui_biomass_fuel")
    };
    region.catalogue.materials = vec![shavings, fuel];
    region.catalogue.rules = vec![Rule {
        id: "shavings>fuel".into(),
        from: "ui_shavings".into(),
        to: "ui_biomass_fuel".into(),
        kind: MatchKind::Cascaded,
        substitution_ratio: 0.8,
        max_share_pct: None,
        basis: symbiomap::catalogue::Basis::Mass,
        discount_pct: None,
        treatment: None,
        spec: Specification::default(),
        description: "Wood shavings burnt as biomass fuel.".into(),
        sources: std::collections::BTreeMap::default(),
        extra: Extra::new(),
    }];
    region.catalogue.builtin_rules = false;
    let site = |id: &str, name: &str, lat: f64, lon: f64| Facility {
        sector: "C16.10".into(),
        ..Facility::new(id, name, LatLon::new(lat, lon))
    };
    let mut mill = site("mill", "Forest Edge Sawmill", 50.0, 5.0);
    mill.outputs.push(OutputStream {
        ewc_code: Some("03 01 05".into()),
        description: "Loose planer shavings".into(),
        outlet: symbiomap::model::Outlet::with_cost(
            symbiomap::model::OutletKind::Incineration,
            20.0,
        ),
        ..OutputStream::new("mill-shavings", "ui_shavings", 6000.0, Unit::Tonne)
    });
    region.facilities.push(mill);
    for (i, road_km) in [100.0, 600.0, 700.0, 900.0, 1000.0].into_iter().enumerate() {
        let (lat, lon) = destination(50.0, 5.0, 90.0, road_km / 1.3);
        let mut plant = site(
            &format!("chp{i}"),
            &format!("Heat plant {road_km:.0} km"),
            lat,
            lon,
        );
        plant.sector = "D35.30".into();
        plant.needs.push(Need {
            supply: symbiomap::model::CurrentSupply::priced(150.0),
            ..Need::new(
                &format!("chp{i}-fuel"),
                "ui_biomass_fuel",
                40_000.0,
                Unit::Tonne,
            )
        });
        region.facilities.push(plant);
    }
    region
}

/// What the engine says about the sawmill's stream: (truck break-even km, viable partners).
fn engine_says(region: &Region) -> (f64, usize) {
    let engine = Engine::new(region).expect("engine");
    let reach = engine
        .supply_reach(0)
        .into_iter()
        .find(|(m, _)| *m == symbiomap::model::ModeKey::Truck)
        .map(|(_, km)| km)
        .expect("a truck reach");
    let mut hits: Vec<PairHit> = Vec::new();
    engine.search_supply(region, 0, &SearchOptions::default(), &mut hits);
    (reach, hits.iter().filter(|h| h.viable).count())
}

fn open_app(path: &Path) -> Harness<'static, SymbiomapApp> {
    let path = path.to_owned();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(20)
        .build_eframe(move |cc| {
            SymbiomapApp::with_state(&cc.egui_ctx, Some(path), Persisted::default())
        });
    harness.run_steps(4);
    harness
}

fn shown(harness: &Harness<'_, SymbiomapApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn search_drop_a_step_move_its_slider_save_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    let region = sawmill_region();
    region_file::save(&region, &path).unwrap();
    let mut harness = open_app(&path);
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 6);
    assert!(!harness.state().ws.doc.dirty);

    // Find the sawmill with the search box.
    harness.get_by_label("Search").click();
    harness.run_steps(2);
    harness.get_by_label("Search").type_text("sawmill");
    harness.run_steps(2);
    harness.get_by_label("Forest Edge Sawmill").click();
    harness.run_steps(3);
    assert_eq!(harness.state().ws.selected_facility, Some(0));
    assert_eq!(harness.state().ws.selected_stream, Some((0, 0)));

    // As is: what the engine says is what the inspector shows.
    let (reach, viable) = engine_says(&region);
    // docs/ECONOMICS.md, example 5: loose shavings reach 535 km by truck.
    assert!((reach - 535.0).abs() < 1e-6, "{reach}");
    assert_eq!(viable, 1);
    assert!(shown(&harness, &format!("Candidates: {viable} viable")));
    assert!(shown(&harness, &format!("truck {reach:.0} km")));

    // Drag the compaction chip onto the stream.
    let chip = harness.get_by_label("Compaction").rect().center();
    let zone = harness
        .get_by_label("Drop a preprocessing step here")
        .rect()
        .center();
    harness.drag_at(chip);
    harness.run_steps(2);
    harness.hover_at(egui::pos2(
        f32::midpoint(chip.x, zone.x),
        f32::midpoint(chip.y, zone.y),
    ));
    harness.run_steps(2);
    harness.drop_at(zone);
    harness.run_steps(3);
    let steps = &harness.state().ws.doc.region.facilities[0].outputs[0].preprocessing;
    assert_eq!(
        steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(),
        ["compaction"]
    );
    assert!(harness.state().ws.doc.dirty);

    let mut compacted = region.clone();
    compacted.facilities[0].outputs[0].preprocessing = vec![PreprocessStep::new("compaction")];
    let (reach_c, viable_c) = engine_says(&compacted);
    assert!(
        reach_c > reach + 100.0,
        "densification extends the reach: {reach} -> {reach_c}"
    );
    assert_eq!(viable_c, 4);
    assert!(shown(&harness, &format!("Candidates: {viable_c} viable")));
    assert!(shown(&harness, &format!("truck {reach_c:.0} km")));

    // Move the density slider down to 0.2 t/m3: the truck fills its volume first again.
    harness
        .get_by_role_and_label(Role::Slider, "Target density t/m3")
        .set_value_accesskit(0.2);
    harness.run_steps(3);
    let step = &harness.state().ws.doc.region.facilities[0].outputs[0].preprocessing[0];
    assert_eq!(step.target_density_t_per_m3, Some(0.2));
    compacted.facilities[0].outputs[0].preprocessing[0].target_density_t_per_m3 = Some(0.2);
    let (reach_s, viable_s) = engine_says(&compacted);
    assert!(
        reach < reach_s && reach_s < reach_c,
        "{reach} < {reach_s} < {reach_c}"
    );
    assert_eq!(viable_s, 2);
    assert!(shown(&harness, &format!("Candidates: {viable_s} viable")));
    assert!(shown(&harness, &format!("truck {reach_s:.0} km")));

    // Save as a new file, reopen it, and find the same region.
    let saved = dir.path().join("saved.json");
    harness.state_mut().push(Command::SaveAs(saved.clone()));
    harness.run_steps(2);
    assert!(!harness.state().ws.doc.dirty);
    assert_eq!(
        harness.state().ws.doc.path.as_deref(),
        Some(saved.as_path())
    );
    let before = harness.state().ws.doc.region.clone();
    harness.state_mut().push(Command::Open(path.clone()));
    harness.run_steps(2);
    assert_eq!(
        *harness.state().ws.doc.region,
        region,
        "the original file is unchanged"
    );
    harness.state_mut().push(Command::Open(saved.clone()));
    harness.run_steps(2);
    assert_eq!(harness.state().ws.doc.region, before);
    assert!(harness.state().title().starts_with("saved.json"));
}

#[test]
fn opening_another_file_with_unsaved_changes_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    region_file::save(&sawmill_region(), &path).unwrap();
    let mut harness = open_app(&path);
    harness
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::InsertStep {
            facility: 0,
            stream: 0,
            index: 0,
            step: PreprocessStep::new("baling"),
        }));
    harness.run_steps(2);
    assert!(
        harness.state().title().starts_with('\u{25cf}'),
        "{}",
        harness.state().title()
    );
    harness.state_mut().push(Command::New);
    // One frame to run the command, one sizing pass for the new dialog, one to show it.
    harness.run_steps(4);
    assert!(shown(&harness, "has changes that are not saved"));
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().ws.doc.region.facilities.len(),
        6,
        "still the same region"
    );
    harness.state_mut().push(Command::New);
    harness.run_steps(4);
    harness.get_by_label("Discard changes").click();
    harness.run_steps(2);
    assert!(harness.state().ws.doc.region.facilities.is_empty());
}

#[test]
fn a_broken_file_is_reported_and_the_region_stays() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("sawmill.json");
    region_file::save(&sawmill_region(), &good).unwrap();
    let bad: PathBuf = dir.path().join("broken.json");
    std::fs::write(
        &bad,
        "{\"format_version\": 1, \"name\": \"x\", \"facilities\": [ {\"id\": 3} ]}",
    )
    .unwrap();
    let mut harness = open_app(&good);
    harness.state_mut().push(Command::Open(bad));
    harness.run_steps(3);
    assert!(shown(&harness, "Could not open"));
    assert!(
        shown(&harness, "facilities[0].id"),
        "the message names the field"
    );
    assert!(shown(&harness, "line 1"), "and the line");
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 6);
    assert_eq!(harness.state().ws.doc.path.as_deref(), Some(good.as_path()));
}

/// The app on a sample, rendered (wgpu on the CPU's software rasteriser) and compared with
/// the committed picture in `tests/snapshots/` (`UPDATE_SNAPSHOTS=1` writes it anew).
fn snapshot_app(path: Option<PathBuf>) -> Harness<'static, SymbiomapApp> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1024.0, 640.0))
        .with_max_steps(20)
        // The app's own look (the harness would otherwise impose its dark theme).
        .with_theme(egui::Theme::Light)
        .wgpu()
        .build_eframe(move |cc| {
            let app = SymbiomapApp::with_state(&cc.egui_ctx, path, Persisted::default());
            // Always the detailed basemap, never the interim one.
            app.basemaps.wait_until_detailed();
            app
        });
    harness.run_steps(6);
    harness
}

#[test]
fn snapshot_of_the_sample_region() {
    let mut harness = snapshot_app(None);
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 57);
    harness.snapshot("sample_region");
}

#[test]
fn snapshot_of_a_selected_stream_with_its_partners() {
    let mut harness = snapshot_app(None);
    let brewery = harness
        .state()
        .ws
        .doc
        .region
        .facilities
        .iter()
        .position(|f| f.name == "Abbey Brewery")
        .expect("the sample has a brewery");
    harness.state_mut().push(Command::SelectStream {
        facility: brewery,
        stream: 0,
    });
    harness.state_mut().push(Command::ZoomToSelection);
    harness.run_steps(4);
    let view = harness
        .state()
        .ws
        .stream_view
        .as_ref()
        .expect("a stream view");
    assert_eq!(view.viable_count, 2);
    harness.snapshot("selected_stream");
}

#[test]
fn an_idle_app_stops_asking_for_frames() {
    // Nothing moves and nobody touches it: the app must settle, not repaint forever (a core
    // burnt while a planner reads the screen).
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(30)
        .build_eframe(|cc| {
            let app = SymbiomapApp::with_state(&cc.egui_ctx, None, Persisted::default());
            app.basemaps.wait_until_detailed();
            app
        });
    let steps = harness.run_ok();
    assert!(steps.is_some(), "the app kept asking for frames");
    // Selecting a stream recomputes what is shown, then settles again.
    harness.state_mut().push(Command::SelectStream {
        facility: 0,
        stream: 0,
    });
    assert!(harness.run_ok().is_some(), "the app kept asking for frames");
}

#[test]
fn without_a_file_dialog_a_typed_path_saves_and_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    region_file::save(&sawmill_region(), &path).unwrap();
    let mut harness = open_app(&path);
    harness
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::InsertStep {
            facility: 0,
            stream: 0,
            index: 0,
            step: PreprocessStep::new("baling"),
        }));
    harness.run_steps(2);

    // What the app does when rfd finds no portal and no zenity.
    let copy = dir.path().join("copy.json");
    harness
        .state_mut()
        .ask_for_path(symbiomap::ui::app::PathPurpose::SaveAs);
    harness.run_steps(2);
    assert!(shown(&harness, "type the path here"));
    // It offers a path in the home folder; the user types another one.
    harness
        .state_mut()
        .path_prompt
        .as_mut()
        .unwrap()
        .text
        .clear();
    harness.run_steps(1);
    harness.get_by_label("Path").click();
    harness.run_steps(1);
    harness
        .get_by_label("Path")
        .type_text(&copy.display().to_string());
    harness.run_steps(1);
    harness.get_by_label("Save").click();
    harness.run_steps(3);
    assert!(harness.state().path_prompt.is_none());
    assert!(!harness.state().ws.doc.dirty);
    assert_eq!(harness.state().ws.doc.path.as_deref(), Some(copy.as_path()));
    let saved = region_file::load(&copy).unwrap();
    assert_eq!(saved.facilities[0].outputs[0].preprocessing.len(), 1);

    // And open the original again by typing its path.
    harness
        .state_mut()
        .ask_for_path(symbiomap::ui::app::PathPurpose::Open);
    harness.run_steps(2);
    harness.state_mut().path_prompt.as_mut().unwrap().text = path.display().to_string();
    harness.run_steps(1);
    harness.get_by_label("Open").click();
    harness.run_steps(3);
    assert_eq!(harness.state().ws.doc.path.as_deref(), Some(path.as_path()));
    assert!(harness.state().ws.doc.region.facilities[0].outputs[0]
        .preprocessing
        .is_empty());
}

#[test]
fn the_transport_cost_slider_moves_the_reach_as_the_engine_says() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    let region = sawmill_region();
    region_file::save(&region, &path).unwrap();
    let mut harness = open_app(&path);
    harness.state_mut().push(Command::SelectStream {
        facility: 0,
        stream: 0,
    });
    harness.run_steps(3);
    harness.get_by_label("Region-wide economics").click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Slider, "Transport cost x")
        .set_value_accesskit(2.0);
    harness.run_steps(3);
    assert_eq!(
        harness.state().ws.doc.region.settings.transport_cost_factor,
        2.0
    );

    let mut dearer = region.clone();
    dearer.settings.transport_cost_factor = 2.0;
    let (reach, viable) = engine_says(&dearer);
    let (reach_before, _) = engine_says(&region);
    assert!(reach < reach_before * 0.6, "{reach_before} -> {reach}");
    assert!(shown(&harness, &format!("Candidates: {viable} viable")));
    assert!(shown(&harness, &format!("truck {reach:.0} km")));
}

/// A click of the primary button where no widget of its own is (the map).
fn click_at(harness: &mut Harness<'static, SymbiomapApp>, pos: egui::Pos2) {
    harness.hover_at(pos);
    harness.run_steps(1);
    harness.drag_at(pos);
    harness.run_steps(1);
    harness.drop_at(pos);
    harness.run_steps(1);
}

/// The sawmill region in the app.
fn editing_app() -> (tempfile::TempDir, Harness<'static, SymbiomapApp>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("sawmill.json");
    region_file::save(&sawmill_region(), &path).expect("saved");
    let harness = open_app(&path);
    (dir, harness)
}

#[test]
fn add_move_and_delete_a_facility_with_undo_and_redo() {
    use symbiomap::ui::command::MapTool;
    let (_dir, mut harness) = editing_app();
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 6);

    // Add: the tool, then a click on empty map.
    harness
        .state_mut()
        .push(Command::SetTool(MapTool::AddFacility));
    harness.run_steps(2);
    let mill = harness.state().screen_pos_of(0).unwrap();
    let empty = mill + egui::vec2(0.0, 120.0);
    click_at(&mut harness, empty);
    harness.run_steps(4);
    let region = &harness.state().ws.doc.region;
    assert_eq!(region.facilities.len(), 7, "a facility was added");
    let added = region.facilities[6].clone();
    assert!(
        added.location.lat_deg < 50.0,
        "south of the mill: {:?}",
        added.location
    );
    assert!(harness.state().form.is_some(), "its form is open");
    assert!(shown(&harness, "Editing New facility"));
    harness.get_by_label("Done").click();
    harness.run_steps(2);

    // Move: drag the new marker a little to the east.
    let from = harness.state().screen_pos_of(6).unwrap();
    let to = from + egui::vec2(80.0, 0.0);
    harness.drag_at(from);
    harness.run_steps(1);
    for k in 1..=4 {
        harness.hover_at(from + egui::vec2(20.0 * k as f32, 0.0));
        harness.run_steps(1);
    }
    harness.drop_at(to);
    harness.run_steps(3);
    let moved = harness.state().ws.doc.region.facilities[6].location;
    assert!(moved.lon_deg > added.location.lon_deg + 0.01, "{moved:?}");
    assert!((moved.lat_deg - added.location.lat_deg).abs() < 0.05);
    let mill_now = harness.state().ws.doc.region.facilities[0].location;
    assert_eq!(
        mill_now,
        sawmill_region().facilities[0].location,
        "the map did not pan the data"
    );

    // Delete it from its form.
    harness.state_mut().push(Command::EditFacility(6));
    harness.run_steps(3);
    harness.get_by_label("Delete this facility").click();
    harness.run_steps(3);
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 6);

    // Undo: back comes the facility, at its moved place; again: at its first place; again:
    // gone. Redo walks forward the same way.
    let undo = |h: &mut Harness<'static, SymbiomapApp>| {
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        h.run_steps(2);
    };
    undo(&mut harness);
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 7);
    assert_eq!(harness.state().ws.doc.region.facilities[6].location, moved);
    undo(&mut harness);
    assert_eq!(
        harness.state().ws.doc.region.facilities[6].location,
        added.location
    );
    undo(&mut harness);
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 6);
    assert!(!harness.state().ws.doc.dirty, "back to the file as saved");
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    harness.run_steps(2);
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 7);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Y);
    harness.run_steps(2);
    assert_eq!(harness.state().ws.doc.region.facilities[6].location, moved);
    assert!(harness.state().ws.doc.dirty);
}

#[test]
fn editing_a_stream_in_its_form_moves_the_radius() {
    let (_dir, mut harness) = editing_app();
    harness.state_mut().push(Command::SelectStream {
        facility: 0,
        stream: 0,
    });
    harness.run_steps(3);
    let (reach, _) = engine_says(&sawmill_region());
    assert!(shown(&harness, &format!("truck {reach:.0} km")));

    harness.get_by_label("Edit facility").click();
    harness.run_steps(3);
    // The stream's section, then its outlet cost: 20 -> 60 per tonne.
    harness.get_by_label_contains("6000 t/yr").click();
    harness.run_steps(2);
    let field = "outputs[0].outlet.cost_per_unit";
    harness.get_by_label(field).scroll_to_me();
    harness.run_steps(2);
    harness.get_by_label(field).focus();
    harness.run_steps(1);
    harness.get_by_label(field).type_text("x");
    harness.run_steps(2);
    assert_eq!(
        harness.state().form.as_ref().unwrap().problem(field),
        Some("`20x` is not a number"),
        "the form says what is wrong while the user types"
    );
    assert!(shown(&harness, "is not a number"));
    assert_eq!(
        harness.state().ws.doc.region.facilities[0].outputs[0]
            .outlet
            .cost_per_unit,
        Some(20.0),
        "and nothing wrong reaches the region"
    );
    // Select all and type the new value.
    harness.get_by_label(field).focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    harness.get_by_label(field).type_text("60");
    harness.run_steps(3);
    assert_eq!(
        harness.state().ws.doc.region.facilities[0].outputs[0]
            .outlet
            .cost_per_unit,
        Some(60.0)
    );
    harness.get_by_label("Done").click();
    harness.run_steps(3);
    let mut dearer = sawmill_region();
    dearer.facilities[0].outputs[0].outlet.cost_per_unit = Some(60.0);
    let (reach_after, viable_after) = engine_says(&dearer);
    assert!(reach_after > reach + 100.0, "{reach} -> {reach_after}");
    assert!(shown(&harness, &format!("truck {reach_after:.0} km")));
    assert!(shown(
        &harness,
        &format!("Candidates: {viable_after} viable")
    ));
    // One undo takes the whole typed value back.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(3);
    assert_eq!(
        harness.state().ws.doc.region.facilities[0].outputs[0]
            .outlet
            .cost_per_unit,
        Some(20.0)
    );
    assert!(shown(&harness, &format!("truck {reach:.0} km")));
}

/// An app on `path` that autosaves into `recovery` as instance `instance`.
fn app_with_autosave(
    path: &Path,
    recovery: &Path,
    instance: &str,
) -> Harness<'static, SymbiomapApp> {
    let path = path.to_owned();
    let autosave = symbiomap::ui::recovery::Autosave::new(recovery.to_owned(), instance.to_owned());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_max_steps(20)
        .build_eframe(move |cc| {
            let mut app = SymbiomapApp::with_state(&cc.egui_ctx, Some(path), Persisted::default());
            app.set_autosave(autosave);
            app
        });
    harness.run_steps(4);
    harness
}

#[test]
fn after_a_crash_the_next_start_offers_the_work_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    let recovery = dir.path().join("recovery");
    region_file::save(&sawmill_region(), &path).unwrap();

    // A session edits, the timer autosaves, and the process dies without a clean exit.
    let mut first = app_with_autosave(&path, &recovery, "crashed-session");
    assert!(first.state().recovery_offer.is_empty());
    first
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::InsertStep {
            facility: 0,
            stream: 0,
            index: 0,
            step: PreprocessStep::new("baling"),
        }));
    first.run_steps(2);
    first.state_mut().autosave_now();
    let edited = first.state().ws.doc.region.clone();
    std::mem::forget(first); // no drop, no on_exit: as if killed
                             // A write cut off by the kill leaves a temporary file behind; it must not get in the way.
    std::fs::write(
        recovery.join(".recovery-crashed-session.json.tmp-999999-0"),
        "{\"format\": \"symbiomap-recovery\", \"region\": {\"forma",
    )
    .unwrap();

    let mut second = app_with_autosave(&path, &recovery, "next-session");
    assert_eq!(second.state().recovery_offer.len(), 1);
    second.run_steps(3);
    assert!(shown(&second, "Recover unsaved work?"));
    assert!(shown(&second, "Sawmill and heat plants: 6 facilities"));
    assert!(shown(&second, &format!("opened from {}", path.display())));
    second.get_by_label("Recover").click();
    second.run_steps(3);
    assert_eq!(second.state().ws.doc.region, edited);
    assert!(second.state().ws.doc.dirty, "recovered work is unsaved");
    assert_eq!(second.state().ws.doc.path.as_deref(), Some(path.as_path()));
    assert!(
        !recovery.join("recovery-crashed-session.json").exists(),
        "offered once"
    );
    assert!(
        !recovery
            .join(".recovery-crashed-session.json.tmp-999999-0")
            .exists(),
        "the cut-off write is cleaned up"
    );
    // The file on disk was never touched.
    assert_eq!(region_file::load(&path).unwrap(), sawmill_region());
}

#[test]
fn a_clean_exit_leaves_nothing_to_recover() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    let recovery = dir.path().join("recovery");
    region_file::save(&sawmill_region(), &path).unwrap();
    let mut first = app_with_autosave(&path, &recovery, "clean-session");
    first
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::InsertStep {
            facility: 0,
            stream: 0,
            index: 0,
            step: PreprocessStep::new("baling"),
        }));
    first.run_steps(2);
    first.state_mut().autosave_now();
    assert!(recovery.join("recovery-clean-session.json").exists());
    // Saving leaves nothing unsaved: the recovery file goes at the next frame.
    first.state_mut().push(Command::Save);
    first.run_steps(3);
    assert!(!first.state().ws.doc.dirty);
    assert!(!recovery.join("recovery-clean-session.json").exists());
    // Edit again, autosave, then quit properly.
    first
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::RemoveStep {
            facility: 0,
            stream: 0,
            index: 0,
        }));
    first.run_steps(2);
    first.state_mut().autosave_now();
    assert!(recovery.join("recovery-clean-session.json").exists());
    first.state_mut().exit_cleanly();
    drop(first);
    let second = app_with_autosave(&path, &recovery, "after-clean");
    assert!(second.state().recovery_offer.is_empty());
    assert!(!shown(&second, "Recover unsaved work?"));
}

#[test]
fn an_unreadable_recovery_file_is_reported_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    let recovery = dir.path().join("recovery");
    std::fs::create_dir_all(&recovery).unwrap();
    region_file::save(&sawmill_region(), &path).unwrap();
    std::fs::write(recovery.join("recovery-broken.json"), "{ not json").unwrap();
    let mut app = app_with_autosave(&path, &recovery, "reader");
    app.run_steps(2);
    assert!(app.state().recovery_offer.is_empty());
    assert!(shown(&app, "A recovery file could not be read"));
    assert!(
        recovery.join("recovery-broken.json").exists(),
        "left for the user"
    );
}

/// The Scheldt Valley sample from its file (three of its sites are confidential).
fn sample_app() -> (tempfile::TempDir, Harness<'static, SymbiomapApp>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("scheldt-valley.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-regions/scheldt-valley.json"),
        &path,
    )
    .expect("copied");
    let harness = open_app(&path);
    (dir, harness)
}

fn facility_named(h: &Harness<'_, SymbiomapApp>, name: &str) -> usize {
    h.state()
        .ws
        .doc
        .region
        .facilities
        .iter()
        .position(|f| f.name == name)
        .expect("the facility")
}

#[test]
fn workshop_mode_hides_the_costs_of_confidential_sites() {
    let (_dir, mut harness) = sample_app();
    let steel = facility_named(&harness, "Delta Steel");
    assert!(harness.state().ws.doc.region.facilities[steel].confidential);
    harness.state_mut().push(Command::SelectStream {
        facility: steel,
        stream: 0,
    });
    harness.run_steps(3);
    // At the desk: the slag's sale today and the money of its exchanges are shown.
    assert!(shown(&harness, "earns 15.00 per t"));
    assert!(shown(&harness, "M/yr"));
    assert!(harness.query_by_label("Edit facility").is_some());

    harness.key_press(egui::Key::F5);
    harness.run_steps(4);
    assert!(harness.state().ws.workshop);
    assert!(shown(&harness, "Workshop"));
    // Walk to the first of the region's best exchanges that involves the confidential
    // steelworks.
    let involves = |o: &symbiomap::pipeline::Opportunity, f: usize| {
        o.candidate.from_facility == f || o.candidate.to_facility == f
    };
    let opportunities = harness.state().ws.opportunities();
    let first_steel = opportunities
        .iter()
        .position(|o| involves(o, steel))
        .expect("an exchange of Delta Steel among the best");
    for _ in 0..first_steel {
        harness.key_press(egui::Key::ArrowRight);
        harness.run_steps(2);
    }
    harness.run_steps(3);
    assert_eq!(harness.state().ws.walk.index, first_steel);
    assert!(!shown(&harness, "earns 15.00 per t"), "no outlet price");
    assert!(!shown(&harness, "M/yr"), "no yearly value in the list");
    assert!(!shown(&harness, "M EUR a year"), "nor in the walk card");
    assert!(shown(&harness, "costs confidential"));
    assert!(shown(&harness, "viable, wide margin"));
    assert!(
        harness.query_by_label("Edit facility").is_none(),
        "no editing chrome"
    );
    assert!(harness.query_by_label("Add facility").is_none());

    // A pair of two open companies shows its money, even in the workshop.
    let region = &harness.state().ws.doc.region;
    let open = opportunities
        .iter()
        .position(|o| {
            !region.facilities[o.candidate.from_facility].confidential
                && !region.facilities[o.candidate.to_facility].confidential
        })
        .expect("an exchange of two open companies");
    let key = if open > first_steel {
        egui::Key::ArrowRight
    } else {
        egui::Key::ArrowLeft
    };
    for _ in 0..open.abs_diff(first_steel) {
        harness.key_press(key);
        harness.run_steps(2);
    }
    harness.run_steps(3);
    assert_eq!(harness.state().ws.walk.index, open);
    assert!(shown(&harness, "M EUR a year"));

    harness.key_press(egui::Key::F5);
    harness.run_steps(3);
    assert!(!harness.state().ws.workshop);
    assert!(harness.query_by_label("Edit facility").is_some());
}

#[test]
fn a_link_drawn_in_the_room_becomes_an_evaluated_proposal_then_a_project() {
    use symbiomap::ui::command::MapTool;
    let (_dir, mut harness) = sample_app();
    let brewery = facility_named(&harness, "Abbey Brewery");
    let farms = facility_named(&harness, "Meetjesland Dairy Farms");
    let before = harness.state().ws.doc.region.proposals.len();
    // Zoom to the two sites so that both markers stand alone.
    harness
        .state_mut()
        .push(Command::SelectFacility(Some(brewery)));
    harness.run_steps(2);
    harness.state_mut().push(Command::SetTool(MapTool::Link));
    harness.run_steps(2);
    harness.state_mut().push(Command::ZoomToSelection);
    harness.run_steps(4);
    let a = harness.state().screen_pos_of(brewery).unwrap();
    click_at(&mut harness, a);
    harness.run_steps(2);
    assert_eq!(harness.state().tools.link_from, Some(brewery));
    let b = harness.state().screen_pos_of(farms).unwrap();
    click_at(&mut harness, b);
    harness.run_steps(3);
    assert!(shown(&harness, "Capture a proposal"));
    // Only the spent grain and the feed share a rule... the dialog guesses them when one
    // pair of materials matches; pick them explicitly either way.
    let draft = harness.state_mut().proposal_draft.as_mut().unwrap();
    draft.stream = Some(0);
    draft.need = Some(0);
    harness.run_steps(1);
    harness
        .get_by_role_and_label(Role::TextInput, "What was said")
        .focus();
    harness.run_steps(1);
    harness
        .get_by_role_and_label(Role::TextInput, "What was said")
        .type_text("the farmers would take wet grain if it came weekly");
    harness.run_steps(1);
    harness.get_by_label("Capture").click();
    harness.run_steps(4);

    let region = &harness.state().ws.doc.region;
    assert_eq!(region.proposals.len(), before + 1);
    let p = region.proposals.last().unwrap().clone();
    assert_eq!(p.from_facility, region.facilities[brewery].id);
    assert_eq!(p.to_facility, region.facilities[farms].id);
    assert_eq!(p.note, "the farmers would take wet grain if it came weekly");
    assert_eq!(p.origin, symbiomap::model::ProposalOrigin::Workshop);
    assert_eq!(harness.state().ws.tab, symbiomap::ui::app::Tab::Proposals);
    // Evaluated by the engine like any candidate.
    let verdicts = harness.state().ws.proposal_verdicts();
    let symbiomap::pipeline::Verdict::Evaluated(c) = verdicts.last().unwrap() else {
        panic!("{:?}", verdicts.last());
    };
    assert!(c.viable);
    assert!(shown(
        &harness,
        &format!("{:.0} km, break-even", c.value.distance_km)
    ));
    assert!(shown(&harness, "found in the workshop"));

    // Promote it: a project with the two sites as supplier and receiver.
    let projects = harness.state().ws.doc.region.projects.len();
    let promote = harness.get_all_by_label("Promote to project").count();
    assert!(promote >= 1);
    harness
        .get_all_by_label("Promote to project")
        .last()
        .unwrap()
        .click();
    harness.run_steps(4);
    let region = &harness.state().ws.doc.region;
    assert_eq!(region.projects.len(), projects + 1);
    let j = region.projects.last().unwrap();
    assert_eq!(j.proposal.as_deref(), Some(p.id.as_str()));
    assert_eq!(j.stage, symbiomap::model::Stage::Identified);
    assert_eq!(j.members.len(), 2);
    assert_eq!(harness.state().ws.tab, symbiomap::ui::app::Tab::Projects);
    assert!(
        harness.state().project_form.is_some(),
        "the new project is open"
    );

    // Move it on a stage and give it a dated action, then save and reopen.
    let moved = symbiomap::model::Project {
        stage: symbiomap::model::Stage::Contacted,
        actions: vec![symbiomap::model::Action {
            text: "Call the dairy cooperative".into(),
            due: "2026-12-10".into(),
            done: false,
            ..Default::default()
        }],
        ..harness.state().ws.doc.region.projects[projects].clone()
    };
    harness
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::SetProject {
            index: projects,
            project: Box::new(moved),
        }));
    harness.run_steps(3);
    harness.state_mut().push(Command::Save);
    harness.run_steps(2);
    let path = harness.state().ws.doc.path.clone().unwrap();
    let saved = region_file::load(&path).unwrap();
    assert_eq!(saved.proposals.last().unwrap().note, p.note);
    let j = saved.projects.last().unwrap();
    assert_eq!(j.stage, symbiomap::model::Stage::Contacted);
    assert_eq!(j.actions[0].due, "2026-12-10");
}

/// Steps the app until its plan is solved for the region as it is now (the solver runs on a
/// worker; the frames go on meanwhile).
fn until_planned(harness: &mut Harness<'static, SymbiomapApp>) {
    for _ in 0..600 {
        harness.run_steps(1);
        let app = harness.state();
        if app.ws.plan.current(app.ws.plan_key()).is_some() {
            harness.run_steps(2);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no plan after 30 s");
}

#[test]
fn the_plan_tab_solves_on_a_worker_and_follows_its_settings() {
    let (_dir, mut harness) = sample_app();
    harness
        .state_mut()
        .push(Command::ShowTab(symbiomap::ui::app::Tab::Plan));
    harness.run_steps(1);
    // The frame came back before the solver: the panel says it is solving.
    assert!(harness.state().ws.plan.is_running() || harness.state().ws.plan.solved.is_some());
    until_planned(&mut harness);
    let app = harness.state();
    let solved = app
        .ws
        .plan
        .current(app.ws.plan_key())
        .expect("a plan")
        .clone();
    let o = &solved.outcome;
    assert_eq!(o.solution.status, symbiomap::plan::Status::Optimal);
    assert!(symbiomap::plan::violations(&o.problem, &o.solution.x).is_empty());
    // The same plan as the core computes for the file.
    let region = app.ws.doc.region.clone();
    let engine = Engine::new(&region).expect("engine");
    let core = symbiomap::plan::plan_region(
        &engine,
        &region,
        &symbiomap::hubs::resolve(&region, &symbiomap::hubs::HubsFile::default()).expect("hubs"),
        &symbiomap::plan::PlanOptions::default(),
        &mut |_| {},
    )
    .expect("plan");
    assert!(
        (core.solution.objective - o.solution.objective).abs() < 1e-6 * core.solution.objective
    );
    assert!(shown(&harness, "The plan gains"));
    assert!(shown(&harness, "companies gain"));
    let first = o.report.exchanges.len();
    // A cost per exchange: small exchanges drop out, the plan is solved again.
    harness
        .state_mut()
        .push(Command::SetPlanExchangeCost(200_000.0));
    until_planned(&mut harness);
    let app = harness.state();
    let again = app.ws.plan.current(app.ws.plan_key()).expect("a plan");
    assert!(again.outcome.report.exchanges.len() < first);
    assert!(again.outcome.solution.objective < o.solution.objective);
}

#[test]
fn a_plan_exchange_through_the_hub_becomes_a_project_and_the_room_walks_the_plan() {
    let (dir, mut harness) = sample_app();
    harness
        .state_mut()
        .push(Command::ShowTab(symbiomap::ui::app::Tab::Plan));
    until_planned(&mut harness);
    let app = harness.state();
    let solved = app.ws.plan.solved.clone().expect("a plan");
    let o = &solved.outcome;
    let e = o
        .report
        .exchanges
        .iter()
        .find(|e| e.hub.is_some())
        .expect("an exchange through the sample's hub")
        .clone();
    let project = symbiomap::ui::plan_panel::project_from_exchange(&app.ws.doc.region, o, &e)
        .expect("a project");
    assert!(project
        .members
        .iter()
        .any(|m| m.role == symbiomap::model::Role::Intermediary
            && m.name.contains("transfer station")));
    assert_eq!(project.extra.get("flows").expect("flows")[0]["hub"], "H1");
    let before = app.ws.doc.region.projects.len();
    harness
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::InsertProject {
            index: before,
            project: Box::new(project),
        }));
    harness.run_steps(2);
    assert_eq!(harness.state().ws.doc.region.projects.len(), before + 1);
    // Saved and read back, the project keeps its flows.
    let path = dir.path().join("with-project.json");
    harness.state_mut().push(Command::SaveAs(path.clone()));
    harness.run_steps(2);
    let reread = region_file::load(&path).expect("saved");
    assert_eq!(
        reread
            .projects
            .last()
            .expect("the project")
            .extra
            .get("flows")
            .expect("flows")[0]["source_units_per_yr"],
        serde_json::json!(e.source_units_per_yr)
    );
    // The room walks the plan: the first step selects its best exchange's stream.
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    harness
        .state_mut()
        .push(Command::WalkList(symbiomap::ui::command::WalkList::Plan));
    harness.run_steps(1);
    assert!(harness.state().ws.walk_len() > 0);
    harness.state_mut().push(Command::WalkTo(0));
    harness.run_steps(3);
    let first = &harness
        .state()
        .ws
        .plan
        .solved
        .as_ref()
        .expect("plan")
        .outcome
        .report
        .exchanges[0];
    assert_eq!(
        harness.state().ws.selected_stream,
        Some((first.from_facility, first.stream))
    );
    assert!(shown(&harness, "The region's plan"));
}

/// A hub site placed on the map and dragged, each an undo step; the plan is solved again for
/// each change.
#[test]
fn a_hub_site_is_placed_dragged_and_planned() {
    use symbiomap::ui::command::MapTool;
    let (_dir, mut harness) = sample_app();
    harness
        .state_mut()
        .push(Command::ShowTab(symbiomap::ui::app::Tab::Plan));
    until_planned(&mut harness);
    let sites = harness.state().ws.doc.region.hubs.len();
    let key = harness.state().ws.plan_key();

    // Place one beside the first facility.
    harness.state_mut().push(Command::SetTool(MapTool::AddHub));
    harness.run_steps(2);
    let first = harness.state().screen_pos_of(0).expect("on screen");
    click_at(&mut harness, first + egui::vec2(0.0, 90.0));
    harness.run_steps(3);
    let region = &harness.state().ws.doc.region;
    assert_eq!(region.hubs.len(), sites + 1, "a hub site was added");
    let placed = region.hubs[sites].clone();
    assert_eq!(placed.hub_type, "transfer_station");
    assert!(placed.location.lat_deg < region.facilities[0].location.lat_deg);
    assert_eq!(harness.state().ws.selected_hub, Some(sites));
    assert!(shown(&harness, &placed.name));
    assert_ne!(
        harness.state().ws.plan_key(),
        key,
        "the plan is solved again"
    );
    until_planned(&mut harness);

    // Drag it to the east: the site moves, not the map.
    let from = harness.state().screen_pos_of_hub(sites).expect("on screen");
    harness.drag_at(from);
    harness.run_steps(1);
    for k in 1..=4 {
        harness.hover_at(from + egui::vec2(15.0 * k as f32, 0.0));
        harness.run_steps(1);
    }
    harness.drop_at(from + egui::vec2(60.0, 0.0));
    harness.run_steps(3);
    let moved = harness.state().ws.doc.region.hubs[sites].location;
    assert!(moved.lon_deg > placed.location.lon_deg + 0.001, "{moved:?}");
    assert_eq!(
        harness.state().screen_pos_of(0).expect("on screen"),
        first,
        "the map did not pan"
    );

    // Undo the move, then the placing.
    let undo = |h: &mut Harness<'static, SymbiomapApp>| {
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        h.run_steps(2);
    };
    undo(&mut harness);
    assert_eq!(
        harness.state().ws.doc.region.hubs[sites].location,
        placed.location
    );
    undo(&mut harness);
    assert_eq!(harness.state().ws.doc.region.hubs.len(), sites);
}

#[test]
fn workshop_mode_says_a_confidential_break_even_as_a_band() {
    let (_dir, mut harness) = sample_app();
    let steel = facility_named(&harness, "Delta Steel");
    harness.key_press(egui::Key::F5);
    harness.run_steps(4);
    let opportunities = harness.state().ws.opportunities();
    let first_steel = opportunities
        .iter()
        .position(|o| o.candidate.from_facility == steel || o.candidate.to_facility == steel)
        .expect("an exchange of Delta Steel among the best");
    for _ in 0..first_steel {
        harness.key_press(egui::Key::ArrowRight);
        harness.run_steps(2);
    }
    harness.run_steps(3);
    let c = &opportunities[first_steel].candidate;
    let km = c.value.break_even_km;
    let band = symbiomap::disclosure::distance_band(km);
    // With the material's transport rate, the break-even distance is the margin per tonne.
    assert!(
        shown(&harness, &format!("break-even at {band}")),
        "the walk card says {band}"
    );
    assert!(!shown(&harness, &format!("break-even at {km:.0} km")));
    assert!(!shown(&harness, &format!("b/e {km:.0} km")), "nor the list");
    assert!(shown(&harness, &format!("b/e {band}")));
    // The stream's reach too, as the region has confidential sites.
    let reach = harness
        .state()
        .ws
        .stream_view
        .as_ref()
        .expect("the pair's stream is selected")
        .reach_by_mode
        .clone();
    for (mode, km) in reach.iter().filter(|(_, km)| km.is_finite()) {
        assert!(!shown(&harness, &format!("{mode} {km:.0} km")), "{mode}");
    }

    // At the desk, the figures.
    harness.key_press(egui::Key::F5);
    harness.run_steps(3);
    assert!(shown(&harness, &format!("b/e {km:.0} km")));
}

#[test]
fn searching_gypsum_finds_the_works_that_needs_it_and_its_suppliers() {
    let (_dir, mut harness) = sample_app();
    harness.get_by_label("Search").click();
    harness.run_steps(2);
    harness.get_by_label("Search").type_text("gypsum");
    harness.run_steps(2);
    let label = "Scheldt Plasterboard - needs natural gypsum";
    assert!(shown(&harness, label), "the need is found");
    harness.get_by_label(label).click();
    harness.run_steps(4);
    let works = facility_named(&harness, "Scheldt Plasterboard");
    assert_eq!(harness.state().ws.selected_facility, Some(works));
    // It sells nothing: its suppliers are listed at once, found from its need.
    let suppliers = harness.state().ws.suppliers(works);
    let viable = suppliers[0].iter().filter(|h| h.viable).count();
    assert!(viable > 0);
    assert!(shown(
        &harness,
        &format!("Possible suppliers: {viable} viable")
    ));
    harness.get_by_label("Scheldt Power Station").click();
    harness.run_steps(4);
    // The pair on the map: the power station's gypsum with the works' candidate selected.
    let power = facility_named(&harness, "Scheldt Power Station");
    let state = harness.state();
    let (f, s) = state.ws.selected_stream.expect("a stream");
    assert_eq!(f, power);
    assert_eq!(
        state.ws.doc.region.facilities[f].outputs[s].id,
        "SV01-gypsum"
    );
    let view = state.ws.stream_view.as_ref().expect("its view");
    let c = &view.candidates[state.ws.selected_candidate.expect("the candidate")];
    assert_eq!(c.to_facility, works);
}

#[test]
fn a_drying_target_stops_below_the_streams_own_moisture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    let mut region = sawmill_region();
    // Shavings at 12 % (typical): thermal drying goes down to 5 % at most.
    region.facilities[0].outputs[0].preprocessing = vec![PreprocessStep::new("thermal_drying")];
    region_file::save(&region, &path).unwrap();
    let mut harness = open_app(&path);
    harness.state_mut().push(Command::SelectStream {
        facility: 0,
        stream: 0,
    });
    harness.run_steps(3);
    let viable = harness
        .state()
        .ws
        .stream_view
        .as_ref()
        .unwrap()
        .viable_count;
    assert!(viable > 0);
    // The user pulls the slider as far as it goes: it stops below 12 %, and the candidates stay.
    harness
        .get_by_role_and_label(Role::Slider, "Target moisture %")
        .set_value_accesskit(60.0);
    harness.run_steps(3);
    let step = &harness.state().ws.doc.region.facilities[0].outputs[0].preprocessing[0];
    let target = step.target_moisture_pct.expect("a target");
    assert!(target < 12.0, "{target}");
    let view = harness.state().ws.stream_view.as_ref().unwrap();
    assert!(view.problem.is_none(), "{:?}", view.problem);
    assert!(view.viable_count > 0);
}

#[test]
fn a_new_region_saved_from_the_unsaved_changes_question_asks_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    region_file::save(&sawmill_region(), &path).unwrap();
    let mut harness = open_app(&path);
    harness.state_mut().push(Command::New);
    harness.run_steps(2);
    harness
        .state_mut()
        .push(Command::AddFacilityAt(LatLon::new(50.0, 4.0)));
    harness.run_steps(2);
    assert!(harness.state().ws.doc.dirty && harness.state().ws.doc.path.is_none());
    harness.state_mut().push(Command::Open(path.clone()));
    harness.run_steps(4);
    assert!(shown(&harness, "has changes that are not saved"));
    harness.get_by_label("Save").click();
    harness.run_steps(3);
    // No dialog here: the app asks for the path instead of writing into the home folder, and
    // the file is not opened yet.
    let prompt = harness.state().path_prompt.clone().expect("asked where");
    assert_eq!(prompt.purpose, symbiomap::ui::app::PathPurpose::SaveAs);
    assert!(harness.state().ws.doc.path.is_none());
    let new = dir.path().join("new.json");
    harness.state_mut().path_prompt.as_mut().unwrap().text = new.display().to_string();
    harness.run_steps(1);
    harness.get_by_label("Save").click();
    harness.run_steps(4);
    assert_eq!(region_file::load(&new).unwrap().facilities.len(), 1);
    // Saved there, then what was asked: the other file is open.
    assert_eq!(harness.state().ws.doc.path.as_deref(), Some(path.as_path()));
}

#[test]
fn status_and_messages_go_when_another_region_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    region_file::save(&sawmill_region(), &path).unwrap();
    let mut harness = open_app(&path);
    harness
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::MoveFacility {
            index: 0,
            location: LatLon::new(50.1, 5.0),
        }));
    harness.run_steps(2);
    harness.state_mut().push(Command::Undo);
    harness.run_steps(2);
    assert!(harness.state().status.starts_with("Undone"));
    // A message about this region (a change that could not be applied).
    harness
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::RemoveFacility {
            index: 99,
        }));
    harness.run_steps(2);
    assert_eq!(harness.state().messages.len(), 1);
    harness.state_mut().push(Command::OpenSample(0));
    harness.run_steps(3);
    assert!(
        harness.state().status.is_empty(),
        "{}",
        harness.state().status
    );
    assert!(harness.state().messages.is_empty());
}

/// A CSV file of two sites: one new, one with the id of a site the region has.
fn sites_csv(dir: &Path) -> PathBuf {
    let path = dir.join("sites.csv");
    std::fs::write(
        &path,
        "id,name,sector,lat,lon\nN1,New Joinery,C16.23,51.0,4.0\nmill,Another Mill,C16.10,50.5,5.5\n",
    )
    .expect("written");
    path
}

#[test]
fn an_import_merges_into_the_open_region_and_reports_collisions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sawmill.json");
    region_file::save(&sawmill_region(), &path).unwrap();
    let mut harness = open_app(&path);
    let sites = sites_csv(dir.path());
    harness.state_mut().push(Command::Import(sites.clone()));
    harness.run_steps(4);
    assert!(shown(&harness, "As a new region"));
    harness
        .get_by_label("Into Sawmill and heat plants (merge)")
        .click();
    harness.run_steps(1);
    harness
        .get_by_role_and_label(Role::Button, "Import")
        .click();
    harness.run_steps(4);
    let region = &harness.state().ws.doc.region;
    assert_eq!(region.name, "Sawmill and heat plants", "the same region");
    assert_eq!(region.facilities.len(), 7, "one site added");
    assert_eq!(region.facilities[6].id, "N1");
    assert_eq!(region.facility("mill").unwrap().name, "Forest Edge Sawmill");
    assert!(harness.state().ws.doc.dirty);
    let m = harness.state().messages.last().expect("a report");
    assert!(m.error && m.title.contains("1 id collision"), "{}", m.title);
    assert!(
        m.body.contains(
            "facility `mill` (Another Mill) skipped: the region already has `mill` (Forest Edge Sawmill)"
        ),
        "{}",
        m.body
    );
    // One undo takes the whole import back.
    harness.state_mut().push(Command::Undo);
    harness.run_steps(2);
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 6);

    // As a new region, the single file alone.
    harness.state_mut().push(Command::ImportAs {
        path: sites,
        merge: false,
    });
    harness.run_steps(4);
    if shown(&harness, "has changes that are not saved") {
        harness.get_by_label("Discard changes").click();
        harness.run_steps(3);
    }
    assert_eq!(harness.state().ws.doc.region.facilities.len(), 2);
}

#[test]
fn the_apps_csv_export_leaves_out_confidential_money_unless_asked() {
    let (dir, mut harness) = sample_app();
    let out = dir.path().join("candidates.csv");
    harness.state_mut().push(Command::Export(out.clone()));
    harness.run_steps(3);
    let count_withheld = |path: &Path| {
        let mut reader = csv::Reader::from_path(path).unwrap();
        let header = reader.headers().unwrap().clone();
        let col = |n: &str| header.iter().position(|h| h == n).unwrap();
        let (mut withheld, mut empty_money) = (0, 0);
        for row in reader.records() {
            let row = row.unwrap();
            withheld += usize::from(&row[col("figures_withheld")] == "yes");
            empty_money += usize::from(row[col("value_per_yr")].is_empty());
        }
        (withheld, empty_money)
    };
    let (withheld, empty) = count_withheld(&out);
    assert!(withheld > 0);
    assert_eq!(withheld, empty);
    harness.state_mut().export_include_confidential = true;
    harness.state_mut().push(Command::Export(out.clone()));
    harness.run_steps(3);
    assert_eq!(count_withheld(&out), (0, 0));
}

#[test]
fn snapshot_of_a_site_that_only_buys_with_its_suppliers() {
    let mut harness = snapshot_app(None);
    let works = harness
        .state()
        .ws
        .doc
        .region
        .facilities
        .iter()
        .position(|f| f.name == "Scheldt Plasterboard")
        .expect("the sample has a plasterboard works");
    harness
        .state_mut()
        .push(Command::SelectFacility(Some(works)));
    harness.run_steps(4);
    assert!(shown(&harness, "Possible suppliers"));
    harness.snapshot("needs_suppliers");
}

#[test]
fn snapshot_of_the_import_window() {
    let mut harness = snapshot_app(None);
    let dir = tempfile::tempdir().unwrap();
    let sites = sites_csv(dir.path());
    harness.state_mut().push(Command::Import(sites));
    harness.run_steps(4);
    // The path differs from run to run: compare the window, not the path.
    harness.state_mut().import_prompt.as_mut().unwrap().path = PathBuf::from("/data/sites.csv");
    harness.run_steps(2);
    harness.snapshot("import_window");
}

/// A project's supply agreement: drafted from its exchange in the project view, judged there,
/// and walked in the workshop with what it still lacks (the core's checklist, as the room
/// sees it) and the money of a confidential company withheld.
#[test]
fn an_agreement_is_drafted_judged_and_walked_in_the_workshop() {
    use symbiomap::readiness::{checklist, score};
    let (_dir, mut harness) = sample_app();
    // A new project from the first opportunity, without terms.
    let region = harness.state().ws.doc.region.clone();
    let engine = Engine::new(&region).expect("engine");
    let best = symbiomap::pipeline::top_opportunities(&engine, &region, 1)
        .pop()
        .expect("an opportunity");
    let project = symbiomap::ui::pipeline_panel::project_from_candidate(&region, &best.candidate);
    let index = region.projects.len();
    harness
        .state_mut()
        .push(Command::Edit(symbiomap::document::Edit::InsertProject {
            index,
            project: Box::new(project),
        }));
    harness
        .state_mut()
        .push(Command::ShowTab(symbiomap::ui::app::Tab::Projects));
    harness.state_mut().push(Command::OpenProject(index));
    harness.run_steps(3);
    assert!(shown(&harness, "Draft a supply agreement"));
    harness.get_by_label("Draft a supply agreement").click();
    harness.run_steps(3);
    let drafted = harness.state().ws.doc.region.projects[index]
        .agreement
        .clone()
        .expect("drafted and applied");
    assert!(drafted.max_per_yr.is_some());
    assert!(shown(&harness, "Judged against the stream"));
    // The room walks the projects: the card's score is the core's.
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    harness.state_mut().push(Command::WalkList(
        symbiomap::ui::command::WalkList::Projects,
    ));
    harness.state_mut().push(Command::WalkTo(0));
    harness.run_steps(3);
    let region = harness.state().ws.doc.region.clone();
    let j1 = &region.projects[0];
    let (done, total) = score(&checklist(&engine, &region, j1, false));
    assert!(
        shown(&harness, &format!("ready to sign: {done} of {total}")),
        "the card shows the core's readiness"
    );
    assert!(shown(&harness, "0.93 % of deliveries off-spec"));
    // J2 involves the confidential steel works: its price and gains stay out of the room.
    harness.state_mut().push(Command::WalkTo(1));
    harness.run_steps(3);
    assert!(shown(&harness, "figures confidential"));
    assert!(!shown(&harness, "gains:"));
}

/// Steps the app until its what-if lens has the answer for what it asks now (the plan is
/// solved first, then the stop is worked out against it; both on workers).
fn until_lens(harness: &mut Harness<'static, SymbiomapApp>) {
    for _ in 0..1200 {
        harness.run_steps(1);
        let app = harness.state();
        let key = app.ws.lens.key(app.ws.plan_key());
        if app.ws.lens.current(&key).is_some() {
            harness.run_steps(2);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no what-if after 60 s");
}

#[test]
fn the_what_if_lens_lists_what_the_core_says_a_stop_loses() {
    use symbiomap::cli::thousands;
    use symbiomap::resilience::{what_if, Side, Stop};
    let (_dir, mut harness) = sample_app();
    let station = facility_named(&harness, "Scheldt Power Station");
    harness
        .state_mut()
        .push(Command::SelectFacility(Some(station)));
    harness.run_steps(4);
    harness.get_by_label("What if this plant stops...").click();
    harness.run_steps(2);
    assert!(harness.state().ws.lens.open);
    assert_eq!(harness.state().ws.lens.weeks, Some(4));
    // The frame came back before the answer: the panel is there, working.
    assert!(shown(&harness, "What if plants stop"));
    until_lens(&mut harness);

    // What the core says of the same stop on the app's own plan.
    let app = harness.state();
    let solved = app
        .ws
        .plan
        .current(app.ws.plan_key())
        .expect("a plan")
        .clone();
    let region = app.ws.doc.region.clone();
    let engine = Engine::new(&region).expect("engine");
    let stop = Stop::by_ids(&region, &["SV01".to_owned()], Some(4.0)).expect("SV01");
    let core = what_if(
        &engine,
        &region,
        &solved.outcome,
        &stop,
        &symbiomap::ui::workspace::plan_options(app.ws.plan_key()),
        symbiomap::buffer::Simulation::default(),
        &mut |_| {},
    )
    .expect("a what-if");
    assert!(
        core.lost.len() >= 5,
        "the station's heat, ash, gypsum, wood..."
    );
    assert!(shown(
        &harness,
        &format!(
            "{} exchanges lost: {} t not delivered over 4 weeks",
            core.lost.len(),
            thousands(core.tonnes_not_delivered)
        )
    ));
    assert!(shown(
        &harness,
        &format!("Value lost: {} EUR", thousands(core.value_lost))
    ));
    let name = |f: usize| region.facilities[f].name.clone();
    for l in &core.lost {
        let e = &solved.outcome.report.exchanges[l.exchange];
        let title = format!("{} -> {}", name(e.from_facility), name(e.to_facility));
        assert!(shown(&harness, &title), "lost exchange {title} listed");
        let stream = &region.facilities[e.from_facility].outputs[e.stream];
        assert!(
            shown(
                &harness,
                &format!(
                    "{} {} not delivered ({} t)",
                    thousands(l.source_units),
                    stream.unit.symbol(),
                    thousands(l.tonnes)
                )
            ),
            "{title}: its quantity"
        );
    }
    // The backups that take over, by name.
    let columns = &solved.outcome.problem.columns;
    assert!(
        !core.takeovers.is_empty(),
        "the station's wood goes elsewhere"
    );
    for t in &core.takeovers {
        let b = &columns[t.backup_column];
        let lost = core
            .lost
            .iter()
            .find(|l| {
                solved.outcome.report.exchanges[l.exchange].candidate
                    == columns[t.lost_column].candidate
            })
            .expect("its lost exchange");
        let partner = if lost.side == Side::Outlet {
            b.to_facility
        } else {
            b.from_facility
        };
        assert!(shown(&harness, &name(partner as usize)));
        assert!(shown(&harness, "Backups take"));
    }
    // Each company's cost (none of the sample's confidential sites is hidden at the desk).
    for c in &core.companies {
        assert!(shown(&harness, &thousands(c.cost)), "{}", name(c.facility));
    }
    // The map layer draws what the core lost and what takes over; the stopped plant greyed.
    let scenario = harness.state().ws.lens.scenario.clone().expect("an answer");
    assert_eq!(scenario.drawing.broken.len(), core.lost.len());
    assert_eq!(scenario.drawing.holds.len(), core.takeovers.len());
    assert_eq!(scenario.drawing.stopped.len(), 1);
    assert_eq!(scenario.drawing.stopped[0].0, station);

    // In the room: a confidential company's cost is withheld, an open one's stays.
    let steel = facility_named(&harness, "Delta Steel");
    assert!(region.facilities[steel].confidential);
    let steel_cost = core
        .companies
        .iter()
        .find(|c| c.facility == steel)
        .expect("Delta Steel loses from the stop")
        .cost;
    assert!(shown(&harness, &thousands(steel_cost)));
    harness.key_press(egui::Key::F5);
    harness.run_steps(4);
    assert!(harness.state().ws.workshop && harness.state().ws.lens.open);
    assert!(shown(&harness, "What if plants stop"));
    assert!(!shown(&harness, &thousands(steel_cost)));
    assert!(shown(&harness, "confidential"));
    let open = core
        .companies
        .iter()
        .find(|c| !scenario.withheld_companies.contains(&c.facility))
        .expect("a company trading with open ones only");
    assert!(!region.facilities[open.facility].confidential);
    assert!(shown(&harness, &thousands(open.cost)));
    harness.key_press(egui::Key::F5);
    harness.run_steps(3);

    // For good: the plan is solved again, and the panel compares it with the plan before.
    harness.get_by_label("for good").click();
    harness.run_steps(2);
    assert_eq!(harness.state().ws.lens.weeks, None);
    until_lens(&mut harness);
    let app = harness.state();
    let forever = app.ws.lens.scenario.clone().expect("an answer");
    let replan = forever.what.replan.as_ref().expect("solved again");
    assert!(replan.solution.objective < solved.outcome.solution.objective);
    assert!(shown(
        &harness,
        &format!(
            "{} EUR/yr against {} EUR/yr before",
            thousands(replan.solution.objective),
            thousands(solved.outcome.solution.objective)
        )
    ));

    // Closing the lens brings the normal map back.
    harness.get_by_label("Close the lens").click();
    harness.run_steps(2);
    assert!(!harness.state().ws.lens.open);
    assert!(harness.state().ws.lens.scenario.is_none());
    assert!(!shown(&harness, "What if plants stop"));
    assert!(shown(&harness, "What if this plant stops..."));
}

/// Steps the app until the store of candidate `c` is sized (on its worker thread).
fn until_sized(harness: &mut Harness<'static, SymbiomapApp>, c: &symbiomap::matching::Candidate) {
    for _ in 0..600 {
        if harness.state().ws.pair_buffer(c).is_some() {
            harness.run_steps(2);
            return;
        }
        harness.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the store was not sized within 12 s");
}

#[test]
fn a_seasonal_streams_candidate_shows_its_store_not_a_remark() {
    let (_dir, mut harness) = sample_app();
    // The cement works' kiln dust flows all year; the farms lime their fields in seven months.
    let works = facility_named(&harness, "Valley Cement Works");
    harness.state_mut().push(Command::SelectStream {
        facility: works,
        stream: 0,
    });
    harness.run_steps(3);
    let view = harness
        .state()
        .ws
        .stream_view
        .clone()
        .expect("a stream view");
    let (i, cand) = view
        .candidates
        .iter()
        .enumerate()
        .find(|(_, c)| {
            c.viable
                && c.checks
                    .iter()
                    .any(|k| k.aspect == "months" && k.level == symbiomap::checks::Level::Note)
        })
        .expect("a viable partner whose months differ from the dust's");
    harness.state_mut().push(Command::SelectCandidate(Some(i)));
    harness.run_steps(3);
    // Sized on a worker: the frames go on meanwhile.
    until_sized(&mut harness, cand);
    // The core's sizing of the same pair.
    let app = harness.state();
    let b = symbiomap::resilience::pair_buffer(
        &app.ws.doc.engine,
        &app.ws.doc.region,
        &symbiomap::resilience::PairFlow::of_candidate(cand),
        symbiomap::buffer::Simulation::default(),
    )
    .expect("a store");
    assert!(b.cycle_stock_t > 0.0, "a seasonal supply needs a store");
    assert!(b.delivered_share_no_storage < 0.9);
    assert!(shown(&harness, "Storage this pair needs"));
    assert!(shown(
        &harness,
        &format!(
            "{} t, {} m3, {:.1} days of cover",
            symbiomap::ui::format_quantity(b.capacity_t),
            symbiomap::ui::format_quantity(b.capacity_m3),
            b.days_of_cover
        )
    ));
    assert!(shown(
        &harness,
        &format!(
            "storage {} EUR, virgin safety stock {} EUR",
            symbiomap::cli::thousands(b.storage_cost_per_yr),
            symbiomap::cli::thousands(b.safety_stock_holding_cost_per_yr)
        )
    ));
    assert!(shown(
        &harness,
        &format!("{:.1} % with none", 100.0 * b.delivered_share_no_storage)
    ));
    assert!(shown(&harness, "95 % of cycles without a stockout"));
    // Sized for a process that cannot stop: the region's setting, one undo step, and the figures
    // follow.
    harness.get_by_label("99 %").click_accesskit();
    harness.run_steps(3);
    until_sized(&mut harness, cand);
    assert_eq!(
        harness.state().ws.doc.region.settings.service_level_pct,
        Some(99.0)
    );
    assert!(shown(&harness, "99 % of cycles without a stockout"));
    // The text-only remark is replaced by the figures.
    for k in cand
        .checks
        .iter()
        .filter(|k| k.level == symbiomap::checks::Level::Note && k.aspect == "months")
    {
        assert!(!shown(&harness, &k.message), "{}", k.message);
    }
}
