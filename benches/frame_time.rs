//! CPU time of one frame of the real app on a region of 10 000 facilities (or
//! `SYMBIOMAP_FRAME_FACILITIES`, e.g. 20 000), headless: the egui pass (layout, map layers,
//! inspector) plus tessellation, which is everything the UI thread does before the GPU draws.
//! The cases:
//! - `pan`: the map is dragged a few pixels every frame;
//! - `slider`: a stream with a compaction step is selected and the step's density slider moves
//!   every frame (the stream is refreshed and its candidates searched and explained);
//! - `region_slider`: a region-wide slider (transport cost) is dragged with a stream selected;
//!   `region_slider_release` is the one frame where it is let go and the region catches up;
//! - `select`: a facility is clicked and its first stream selected: the two frames from the
//!   click to its partners searched, explained and shown (what a click costs);
//! - `idle`: nothing changes (the floor).
//!
//! The goal is under 8 ms per frame (60 frames per second with room for the GPU).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use egui::{Event, Pos2, RawInput, Rect};
use symbiomap::document::Edit;
use symbiomap::ui::app::{Command, Persisted, SymbiomapApp};

const SIZE: egui::Vec2 = egui::vec2(1280.0, 800.0);

fn input(events: Vec<Event>, time: f64) -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SIZE)),
        time: Some(time),
        predicted_dt: 1.0 / 60.0,
        events,
        ..RawInput::default()
    }
}

struct Fixture {
    ctx: egui::Context,
    app: SymbiomapApp,
    time: f64,
}

impl Fixture {
    fn new() -> Self {
        let dir = std::env::temp_dir().join("symbiomap-frame-bench");
        std::fs::create_dir_all(&dir).expect("temp dir");
        let n = facilities();
        let path = dir.join(format!("synthetic-{n}.json"));
        let region = symbiomap::synth::generate(n, 42);
        symbiomap::io::region_file::save(&region, &path).expect("save");
        let ctx = egui::Context::default();
        let app = SymbiomapApp::with_state(&ctx, Some(path), Persisted::default());
        // Measure frames, not the one-off triangulation of the detailed basemap.
        app.basemaps.wait_until_detailed();
        let mut f = Self {
            ctx,
            app,
            time: 0.0,
        };
        // Let the app fit the view and the basemap settle.
        for _ in 0..5 {
            f.frame(Vec::new());
        }
        f
    }

    fn frame(&mut self, events: Vec<Event>) -> usize {
        self.time += 1.0 / 60.0;
        let app = &mut self.app;
        let out = self
            .ctx
            .run_ui(input(events, self.time), |ui| app.frame(ui));
        let prims = self.ctx.tessellate(out.shapes, out.pixels_per_point);
        prims.len()
    }
}

/// Facilities of the generated region (default 10 000).
fn facilities() -> usize {
    std::env::var("SYMBIOMAP_FRAME_FACILITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("frame_{}_facilities", facilities()));
    group.sample_size(30);

    let mut f = Fixture::new();
    group.bench_function("idle", |b| b.iter(|| black_box(f.frame(Vec::new()))));

    // Panning: press in the map, then move a little each frame.
    let mut f = Fixture::new();
    let mut x = 400.0;
    f.frame(vec![
        Event::PointerMoved(Pos2::new(x, 400.0)),
        Event::PointerButton {
            pos: Pos2::new(x, 400.0),
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::NONE,
        },
    ]);
    group.bench_function("pan", |b| {
        b.iter(|| {
            x = if x > 700.0 { 300.0 } else { x + 3.0 };
            black_box(f.frame(vec![Event::PointerMoved(Pos2::new(x, 400.0))]))
        });
    });

    // A click on a facility: it and its first stream are selected, the stream's partners are
    // searched and explained, the map and the list show them: the two frames from the click
    // (applied at the end of the first) to the candidates on screen.
    let mut f = Fixture::new();
    let with_streams: Vec<usize> = f
        .app
        .ws
        .doc
        .region
        .facilities
        .iter()
        .enumerate()
        .filter(|(_, fac)| !fac.outputs.is_empty())
        .map(|(i, _)| i)
        .take(64)
        .collect();
    let mut k = 0;
    group.bench_function("select", |b| {
        b.iter(|| {
            k = (k + 1) % with_streams.len();
            let facility = with_streams[k];
            f.app.push(Command::SelectFacility(Some(facility)));
            f.app.push(Command::SelectStream {
                facility,
                stream: 0,
            });
            // The frame that applies the click, then the frame that searches, explains and
            // shows the stream's partners: the time from the click to its candidates on screen.
            let prims = f.frame(Vec::new()) + f.frame(Vec::new());
            assert!(
                f.app
                    .ws
                    .stream_view
                    .as_ref()
                    .is_some_and(|v| (v.facility, v.stream) == (facility, 0)),
                "the stream's partners are shown"
            );
            black_box(prims)
        });
    });

    // A slider being dragged: a compaction step whose target density changes every frame.
    let mut f = Fixture::new();
    let (facility, stream) = f
        .app
        .ws
        .doc
        .region
        .facilities
        .iter()
        .enumerate()
        .find_map(|(i, fac)| {
            fac.outputs
                .iter()
                .position(|o| o.unit == symbiomap::model::Unit::Tonne && o.preprocessing.is_empty())
                .map(|s| (i, s))
        })
        .expect("a stream in tonnes");
    f.app.push(Command::SelectStream { facility, stream });
    f.app.push(Command::Edit(Edit::InsertStep {
        facility,
        stream,
        index: 0,
        step: symbiomap::model::PreprocessStep::new("compaction"),
    }));
    f.frame(Vec::new());
    let mut density = 0.2;
    group.bench_function("slider", |b| {
        b.iter(|| {
            density = if density >= 0.6 { 0.2 } else { density + 0.01 };
            f.app.push(Command::Edit(Edit::SetStep {
                facility,
                stream,
                index: 0,
                step: symbiomap::model::PreprocessStep {
                    target_density_t_per_m3: Some(density),
                    ..symbiomap::model::PreprocessStep::new("compaction")
                },
            }));
            black_box(f.frame(Vec::new()))
        });
    });

    // A region-wide slider being dragged (the transport cost factor): the stream on screen is
    // re-prepared and searched every frame, the rest of the region when the slider is let go.
    let mut f = Fixture::new();
    f.app.push(Command::SelectStream { facility, stream });
    f.frame(Vec::new());
    let mut factor = 1.0;
    group.bench_function("region_slider", |b| {
        b.iter(|| {
            factor = if factor >= 2.0 { 0.5 } else { factor + 0.01 };
            let settings = symbiomap::model::Settings {
                transport_cost_factor: factor,
                ..f.app.ws.doc.region.settings.clone()
            };
            f.app.push(Command::Edit(Edit::SetSettings(settings)));
            // The slider holds the pointer, as egui records for a drag in progress.
            f.ctx
                .set_dragged_id(egui::Id::unique("transport-cost-slider"));
            black_box(f.frame(Vec::new()))
        });
    });
    // Letting go: the frame that hands the rest of the region to a worker thread. Timed alone;
    // the worker is waited for outside the timing, so that it does not share the cores with
    // the next frame.
    group.bench_function("region_slider_release", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..iters {
                factor = if factor >= 2.0 { 0.5 } else { factor + 0.01 };
                let settings = symbiomap::model::Settings {
                    transport_cost_factor: factor,
                    ..f.app.ws.doc.region.settings.clone()
                };
                f.app.push(Command::Edit(Edit::SetSettings(settings)));
                f.ctx
                    .set_dragged_id(egui::Id::unique("transport-cost-slider"));
                f.frame(Vec::new());
                f.ctx.stop_dragging();
                let start = std::time::Instant::now();
                black_box(f.frame(Vec::new()));
                total += start.elapsed();
                while f.app.ws.doc.engine_stale {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    f.frame(Vec::new());
                }
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
