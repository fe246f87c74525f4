//! The command line, run as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn symbiomap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_symbiomap"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

#[test]
fn check_describes_a_valid_region() {
    let o = symbiomap(&["check", s(&fixture("small_region.json"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("valid region file"), "{out}");
    assert!(out.contains("facilities  2"), "{out}");
}

#[test]
fn check_reports_a_broken_file_with_path_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    let text = std::fs::read_to_string(fixture("small_region.json"))
        .unwrap()
        .replace("\"lat_deg\": 51.05", "\"lat_deg\": \"north\"");
    std::fs::write(&bad, text).unwrap();
    let o = symbiomap(&["check", s(&bad)]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("bad.json"), "{err}");
    assert!(err.contains("line 43"), "{err}");
    assert!(err.contains("facilities[1].location.lat_deg"), "{err}");
}

#[test]
fn import_match_and_export_a_peer_folder() {
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("peer.json");
    let o = symbiomap(&["import", s(&fixture("peer_n1000_s42")), "-o", s(&region)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1000 facilities, 1969 outputs, 2016 needs"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("streams.csv: 3985 rows, 3985 kept"),
        "{}",
        stderr(&o)
    );

    let csv_path = dir.path().join("candidates.csv");
    let o = symbiomap(&["match", s(&region), "--csv", s(&csv_path)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Candidates: 27398 viable (27398 direct, 0 indirect, 0 cascaded)"),
        "{out}"
    );
    let rows = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(rows.lines().count(), 27_399);
    assert!(
        rows.starts_with("from_facility,to_facility,stream_id,need_id,material"),
        "{}",
        &rows[..200]
    );

    let o = symbiomap(&["match", s(&region), "--json", "--top", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["viable"], 27_398);
    assert_eq!(json["top_candidates"].as_array().unwrap().len(), 3);

    let points = dir.path().join("facilities.geojson");
    let links = dir.path().join("links.geojson");
    let o = symbiomap(&["export", s(&region), "-o", s(&points), "--links", s(&links)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&points).unwrap()).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["features"].as_array().unwrap().len(), 1000);
    let lc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&links).unwrap()).unwrap();
    assert_eq!(lc["features"].as_array().unwrap().len(), 27_398);
    assert_eq!(lc["features"][0]["geometry"]["type"], "LineString");
}

#[test]
fn bench_prints_the_peers_count_and_checksum() {
    let dir = fixture("peer_n1000_s42");
    let pairs_csv = tempfile::tempdir().unwrap();
    // The screen (the default) and the full import with the engine.
    for (args, peer) in [
        (vec!["bench", s(&dir)], "symbiomap"),
        (vec!["bench", "--engine", s(&dir)], "symbiomap-engine"),
    ] {
        let csv = pairs_csv.path().join(format!("{peer}.csv"));
        let mut args = args;
        args.extend(["--pairs-csv", s(&csv)]);
        let o = symbiomap(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        let result = out
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .expect("a RESULT line");
        let json: serde_json::Value = serde_json::from_str(result).unwrap();
        assert_eq!(json["peer"], peer);
        assert_eq!(json["pairs"], 27_398);
        assert_eq!(json["checksum"], "36999.55");
        for phase in ["PHASE load", "PHASE index", "PHASE query"] {
            assert!(out.contains(phase), "{out}");
        }
        // The pairs, row for row as the peers write them.
        let ours = std::fs::read_to_string(&csv).unwrap();
        let theirs = std::fs::read_to_string(dir.join("pairs_numpy_brute.csv")).unwrap();
        assert!(
            ours == theirs,
            "{peer}: the pairs CSV differs from the peers'"
        );
    }
}

#[test]
fn screen_summarises_and_writes_every_pair() {
    let dir = fixture("peer_n1000_s42");
    let out_dir = tempfile::tempdir().unwrap();
    let csv = out_dir.path().join("pairs.csv");
    let o = symbiomap(&["screen", s(&dir), "--top", "3", "--csv", s(&csv)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("1000 facilities; 3985 rows of streams"),
        "{out}"
    );
    assert!(out.contains("27398 pairs within break-even"), "{out}");
    assert!(out.contains("Pairs by material"), "{out}");
    let best: Vec<&str> = out.lines().filter(|l| l.starts_with("  row ")).collect();
    assert_eq!(best.len(), 3, "{out}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("output_stream_row,input_stream_row,output_facility_id,input_facility_id,material,distance_km,break_even_km,net_value_per_unit")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 27_398);
    for r in &rows {
        let d: f64 = r[5].parse().unwrap();
        let be: f64 = r[6].parse().unwrap();
        let net: f64 = r[7].parse().unwrap();
        assert!(d <= be && net >= -1e-9, "{r:?}");
        assert_ne!(r[2], r[3], "{r:?}");
    }
    // Without materials.csv there is nothing to price the transport with.
    let o = symbiomap(&[
        "screen",
        "--facilities",
        s(&dir.join("facilities.csv")),
        "--streams",
        s(&dir.join("streams.csv")),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("materials.csv"), "{}", stderr(&o));
}

#[test]
fn a_closed_stdout_ends_the_output_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_symbiomap"))
        .args(["screen", s(&fixture("peer_n1000_s42"))])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, as `| head -0` does
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn generate_writes_a_valid_region() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthetic.json");
    let o = symbiomap(&[
        "generate",
        "--facilities",
        "500",
        "--seed",
        "3",
        "-o",
        s(&path),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = symbiomap(&["check", s(&path)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("facilities  500"));
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let o = symbiomap(&["match", "/no/such/region.json"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("/no/such/region.json: cannot read"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_kill_during_a_save_leaves_the_old_file_or_the_new_one_never_a_mix() {
    // `generate` builds a large region and saves it atomically. The process is killed while
    // it writes: as soon as its temporary file appears, plus a few milliseconds more each
    // time. Whenever it dies, the region file must be the old one or the whole new one.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("region.json");
    let old = std::fs::read(fixture("small_region.json")).unwrap();
    let temporary = |dir: &Path| {
        std::fs::read_dir(dir).unwrap().flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".region.json.tmp-")
        })
    };
    let mut cut_mid_write = 0;
    for extra_ms in [0u64, 1, 2, 4, 8, 16, 32, 64] {
        std::fs::write(&target, &old).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_symbiomap"))
            .args([
                "generate",
                "--facilities",
                "8000",
                "--seed",
                "3",
                "-o",
                s(&target),
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while !temporary(dir.path()) && child.try_wait().unwrap().is_none() {
            assert!(started.elapsed().as_secs() < 120, "generate never wrote");
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        std::thread::sleep(std::time::Duration::from_millis(extra_ms));
        let _ = child.kill(); // SIGKILL: no cleanup runs
        let _ = child.wait();
        let now = std::fs::read(&target).unwrap();
        if now != old {
            let region = symbiomap::io::region_file::load(&target).unwrap_or_else(|e| {
                panic!("killed {extra_ms} ms into the write: a damaged file: {e}")
            });
            assert_eq!(region.facilities.len(), 8000);
        }
        // Whatever else is left is a temporary file, never a second region.
        for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                name == "region.json" || name.starts_with(".region.json.tmp-"),
                "{name}"
            );
            if name != "region.json" {
                cut_mid_write += 1;
                // Left by a save killed two hours ago, as far as the next save can tell.
                std::fs::File::options()
                    .write(true)
                    .open(entry.path())
                    .unwrap()
                    .set_modified(
                        std::time::SystemTime::now() - std::time::Duration::from_secs(7200),
                    )
                    .unwrap();
            }
        }
    }
    assert!(
        cut_mid_write > 0,
        "no kill landed during a write: the test proved nothing"
    );
    // The next save that runs to its end removes what the killed ones left.
    let o = symbiomap(&["generate", "--facilities", "10", "-o", s(&target)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["region.json"]);
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-regions")
        .join(name)
}

#[test]
fn plan_prints_json_a_script_can_check() {
    let region = sample("scheldt-valley.json");
    let o = symbiomap(&[
        "plan",
        s(&region),
        "--json",
        "--quiet",
        "--include-confidential",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["status"], "optimal");
    let value = v["value_per_yr"].as_f64().expect("value");
    let greedy = v["greedy"]["value_per_yr"].as_f64().expect("greedy value");
    assert!(
        value >= greedy && greedy > 0.0,
        "{value} vs greedy {greedy}"
    );
    let exchanges = v["exchanges"].as_array().expect("exchanges");
    assert!(!exchanges.is_empty());
    let mut sum = 0.0;
    for e in exchanges {
        for key in ["stream_id", "need_id"] {
            assert!(e[key].is_string(), "{key}: {e}");
        }
        assert!(e["source_units_per_yr"].as_f64().expect("source") > 0.0);
        assert!(e["need_units_per_yr"].as_f64().expect("need") > 0.0);
        assert!(e["hub"].is_null() || e["hub"].is_string());
        let g = &e["gains"];
        assert!(g["sender_per_yr"].is_number() && g["receiver_per_yr"].is_number());
        sum += e["value_per_yr"].as_f64().expect("value");
    }
    assert!((sum - value).abs() <= 1e-6 * value, "{sum} vs {value}");
    // No stream gives more than it has.
    let region_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&region).expect("sample")).expect("JSON");
    for f in region_json["facilities"].as_array().expect("facilities") {
        for o in f["outputs"].as_array().into_iter().flatten() {
            let id = o["id"].as_str().expect("id");
            let used: f64 = exchanges
                .iter()
                .filter(|e| e["stream_id"] == id)
                .map(|e| e["source_units_per_yr"].as_f64().expect("source"))
                .sum();
            let q = o["quantity_per_yr"].as_f64().expect("quantity");
            assert!(used <= q * (1.0 + 1e-9), "{id}: {used} of {q}");
        }
    }
}

#[test]
fn plan_keeps_a_lock_and_refuses_what_it_cannot_keep() {
    // Money in full: the values are compared (a withheld total would be null).
    let region = sample("scheldt-valley.json");
    let o = symbiomap(&[
        "plan",
        s(&region),
        "--json",
        "--quiet",
        "--include-confidential",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let free = v["value_per_yr"].as_f64().expect("value");
    // Exclude the plan's most valuable pair: the plan must do without it, and be worth less.
    let top = &v["exchanges"][0];
    let pair = format!(
        "{}:{}",
        top["from_facility"].as_str().expect("id"),
        top["to_facility"].as_str().expect("id")
    );
    let o = symbiomap(&[
        "plan",
        s(&region),
        "--json",
        "--quiet",
        "--include-confidential",
        "--exclude",
        &pair,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let w: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert!(w["value_per_yr"].as_f64().expect("value") < free);
    assert!(w["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .all(|e| e["stream_id"] != top["stream_id"] || e["need_id"] != top["need_id"]));
    // Locking it back with a small quantity keeps at least that.
    let lock = format!(
        "{}:{}=100",
        top["stream_id"].as_str().expect("id"),
        top["need_id"].as_str().expect("id")
    );
    let o = symbiomap(&[
        "plan",
        s(&region),
        "--json",
        "--quiet",
        "--include-confidential",
        "--lock",
        &lock,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = symbiomap(&["plan", s(&region), "--quiet", "--lock", "no-such-stream:x"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no-such-stream"), "{}", stderr(&o));
    let o = symbiomap(&["plan", s(&region), "--quiet", "--require", "nobody"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nobody: no facility"), "{}", stderr(&o));
    // A time limit is a number of seconds above zero (it bounds the whole plan).
    for bad in ["0", "-5", "inf", "NaN"] {
        for command in [&["plan"][..], &["whatif", "--rank"]] {
            let limit = format!("--time-limit={bad}");
            let o = symbiomap(&[command, &[s(&region), "--quiet", &limit]].concat());
            assert!(!o.status.success(), "{command:?} {limit}");
            assert!(stderr(&o).contains("--time-limit"), "{}", stderr(&o));
        }
    }
}

#[test]
fn the_samples_transfer_station_pools_the_joineries_and_an_expensive_one_does_not_pay() {
    let region = sample("scheldt-valley.json");
    let o = symbiomap(&["plan", s(&region), "--json", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let hubs = v["hubs"].as_array().expect("hubs");
    assert_eq!(hubs.len(), 1, "{hubs:?}");
    let h = &hubs[0];
    assert_eq!(h["id"], "H1");
    // Fifteen workshops, each below the CHP's 1 500 t lot, fill it together.
    assert_eq!(h["senders"].as_array().expect("senders").len(), 15);
    assert!(h["earns_per_yr"].as_f64().expect("earns") > 0.0);
    let via: Vec<&serde_json::Value> = v["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .filter(|e| e["hub"] == "H1")
        .collect();
    assert!(via
        .iter()
        .all(|e| e["source_units_per_yr"].as_f64().expect("t") < 1_500.0));
    let pooled: f64 = via
        .iter()
        .map(|e| e["need_units_per_yr"].as_f64().expect("t"))
        .sum();
    assert!(pooled >= 1_500.0, "{pooled}");
    // Every company through the hub gains after its share of the hub's cost.
    assert!(via
        .iter()
        .all(|e| e["gains"]["sender_per_yr"].as_f64().expect("gain") > 0.0));

    // The same site as a hub type costing 5 M EUR a year: it does not pay, and is not opened.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let hubs_file = dir.path().join("hubs.json");
    std::fs::write(
        &hubs_file,
        r#"{"hub_types": [{"key": "gold_plated", "name": "Gold-plated yard", "capacity_t_per_yr": 30000,
            "fixed_cost_per_yr": 5000000, "variable_cost_per_t": 4}],
            "sites": [{"id": "H9", "name": "Expensive yard", "location": {"lat_deg": 51.093, "lon_deg": 3.708},
            "hub_type": "gold_plated"}]}"#,
    )
    .expect("written");
    let o = symbiomap(&[
        "plan",
        s(&region),
        "--json",
        "--quiet",
        "--hubs",
        s(&hubs_file),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let w: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let ids: Vec<&str> = w["hubs"]
        .as_array()
        .expect("hubs")
        .iter()
        .map(|h| h["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, vec!["H1"]);
    // A hubs file that names a type nobody defines is refused with the site's id.
    std::fs::write(
        &hubs_file,
        r#"{"sites": [{"id": "H7", "name": "x", "location": {"lat_deg": 51.0, "lon_deg": 3.7}, "hub_type": "nope"}]}"#,
    )
    .expect("written");
    let o = symbiomap(&["plan", s(&region), "--quiet", "--hubs", s(&hubs_file)]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("H7") && stderr(&o).contains("nope"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn upgrade_migrates_a_file_of_any_version_and_keeps_what_it_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    // Version 1 (the fixture, a stream with a disposal cost), and version 2 with its route.
    let v1 = std::fs::read_to_string(fixture("small_region.json")).unwrap();
    let v2 = v1.replacen("\"format_version\": 1", "\"format_version\": 2", 1);
    let v2 = v2.replacen(
        "\"id\": \"P1-ash\",",
        "\"id\": \"P1-ash\", \"disposal_route\": \"landfill\", \"lims_batch\": 12345678901234567890123,",
        1,
    );
    assert!(v2.contains("lims_batch"), "the fixture changed");
    for (version, text) in [(1, &v1), (2, &v2)] {
        let input = dir.path().join(format!("v{version}.json"));
        std::fs::write(&input, text).unwrap();
        let output = dir.path().join(format!("v{version}-upgraded.json"));
        let o = symbiomap(&["upgrade", s(&input), "-o", s(&output)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!(
                "(format {version}, upgraded to {})",
                symbiomap::model::FORMAT_VERSION
            )),
            "{}",
            stdout(&o)
        );
        let saved = std::fs::read_to_string(&output).unwrap();
        assert!(
            saved.contains(&format!(
                "\"format_version\": {}",
                symbiomap::model::FORMAT_VERSION
            )),
            "{saved}"
        );
        assert!(saved.contains("purchasing_contact"), "unknown field lost");
        let region = symbiomap::io::region_file::load(&output).unwrap();
        assert_eq!(
            region,
            symbiomap::io::region_file::load(&input).unwrap(),
            "v{version}"
        );
        if version == 2 {
            assert!(saved.contains("\"lims_batch\": 12345678901234567890123"));
            assert!(
                !saved.contains("disposal_cost_per_unit"),
                "old field written"
            );
            let outlet = &region.facilities[0].outputs[0].outlet;
            assert_eq!(outlet.kind, symbiomap::model::OutletKind::Landfill);
            assert_eq!(outlet.cost_per_unit, Some(45.0));
        }
        // Upgrading the current version in place changes nothing.
        let o = symbiomap(&["upgrade", s(&output), "-o", s(&output)]);
        assert!(
            stdout(&o).contains("already the current one"),
            "{}",
            stdout(&o)
        );
        assert_eq!(std::fs::read_to_string(&output).unwrap(), saved);
    }
    // A newer file is refused, and nothing is written.
    let newer = dir.path().join("newer.json");
    std::fs::write(
        &newer,
        v1.replacen("\"format_version\": 1", "\"format_version\": 9", 1),
    )
    .unwrap();
    let out = dir.path().join("never.json");
    let o = symbiomap(&["upgrade", s(&newer), "-o", s(&out)]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("format_version 9"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// The ids of the sample's facilities marked confidential.
fn confidential_ids(region: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(region).expect("sample")).expect("JSON");
    v["facilities"]
        .as_array()
        .expect("facilities")
        .iter()
        .filter(|f| f["confidential"] == true)
        .map(|f| f["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn exports_leave_out_the_money_of_confidential_sites_unless_asked() {
    let region = sample("scheldt-valley.json");
    let secret = confidential_ids(&region);
    assert!(!secret.is_empty());
    let touches = |from: &str, to: &str| secret.iter().any(|id| id == from || id == to);
    let dir = tempfile::tempdir().unwrap();

    // The candidate CSV: money cells empty where a confidential site takes part.
    let money = [
        "break_even_km",
        "net_value_per_unit",
        "value_per_yr",
        "outlet_net_cost_per_unit",
        "transfer_price_per_unit",
        "price_low_per_unit",
        "price_high_per_unit",
        "sender_gain_per_yr",
        "receiver_gain_per_yr",
    ];
    for include in [false, true] {
        let path = dir.path().join(format!("c{include}.csv"));
        let mut args = vec!["match", s(&region), "--csv", s(&path)];
        if include {
            args.push("--include-confidential");
        }
        let o = symbiomap(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let header = reader.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).expect(name);
        let (mut hidden, mut open) = (0, 0);
        for row in reader.records() {
            let row = row.unwrap();
            let secret_pair = touches(&row[col("from_facility")], &row[col("to_facility")]);
            let withheld = secret_pair && !include;
            assert_eq!(
                &row[col("figures_withheld")],
                if withheld { "yes" } else { "no" }
            );
            for m in money {
                assert_eq!(row[col(m)].is_empty(), withheld, "{m} of {row:?}");
            }
            // What is not money stays.
            assert!(row[col("distance_km")].parse::<f64>().is_ok());
            assert!(row[col("exchanged_per_yr")].parse::<f64>().is_ok());
            if secret_pair {
                hidden += 1;
            } else {
                open += 1;
            }
        }
        assert!(
            hidden > 0 && open > 0,
            "{hidden} with a confidential site, {open} without"
        );
    }

    // The JSON and the text of match.
    let o = symbiomap(&["match", s(&region), "--json", "--top", "200"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut seen = 0;
    for c in v["top_candidates"].as_array().unwrap() {
        let secret_pair = touches(
            c["from_facility"].as_str().unwrap(),
            c["to_facility"].as_str().unwrap(),
        );
        assert_eq!(c["figures_withheld"], secret_pair);
        for key in ["break_even_km", "net_value_per_unit", "value_per_yr"] {
            assert_eq!(c[key].is_null(), secret_pair, "{key}: {c}");
        }
        assert_eq!(c["gains"]["sender_per_yr"].is_null(), secret_pair);
        assert_eq!(c["outlet"]["net_cost_per_unit"].is_null(), secret_pair);
        seen += usize::from(secret_pair);
    }
    assert!(seen > 0);
    let o = symbiomap(&["match", s(&region), "--top", "200"]);
    assert!(stdout(&o).contains("confidential"), "{}", stdout(&o));

    // GeoJSON links.
    let points = dir.path().join("f.geojson");
    let links = dir.path().join("l.geojson");
    let o = symbiomap(&["export", s(&region), "-o", s(&points), "--links", s(&links)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&links).unwrap()).unwrap();
    let mut seen = 0;
    for f in lc["features"].as_array().unwrap() {
        let p = &f["properties"];
        let secret_pair = touches(
            p["from_facility"].as_str().unwrap(),
            p["to_facility"].as_str().unwrap(),
        );
        assert_eq!(p["figures_withheld"], secret_pair);
        for key in ["break_even_km", "net_value_per_unit", "value_per_yr"] {
            assert_eq!(p[key].is_null(), secret_pair, "{key}: {p}");
        }
        seen += usize::from(secret_pair);
    }
    assert!(seen > 0);
    let o = symbiomap(&[
        "export",
        s(&region),
        "-o",
        s(&points),
        "--links",
        s(&links),
        "--include-confidential",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&links).unwrap()).unwrap();
    assert!(lc["features"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["properties"]["net_value_per_unit"].is_number()));

    // The plan: its exchanges with a confidential site, and the gain of every company that
    // trades with one (the equal split would give the margin away).
    let csv_path = dir.path().join("plan.csv");
    let o = symbiomap(&[
        "plan",
        s(&region),
        "--json",
        "--quiet",
        "--csv",
        s(&csv_path),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut partners = std::collections::BTreeSet::new();
    let mut seen = 0;
    for e in v["exchanges"].as_array().unwrap() {
        let (from, to) = (
            e["from_facility"].as_str().unwrap(),
            e["to_facility"].as_str().unwrap(),
        );
        let secret_pair = touches(from, to);
        assert_eq!(e["value_per_yr"].is_null(), secret_pair, "{e}");
        assert_eq!(e["gains"]["sender_per_yr"].is_null(), secret_pair, "{e}");
        assert_eq!(e["transfer_price_per_source_unit"].is_null(), secret_pair);
        if secret_pair {
            partners.insert(from.to_owned());
            partners.insert(to.to_owned());
            seen += 1;
        }
    }
    assert!(
        seen > 0,
        "the sample's plan has an exchange with a confidential site"
    );
    for c in v["companies"].as_array().unwrap() {
        let id = c["facility_id"].as_str().unwrap();
        assert_eq!(c["gain_per_yr"].is_null(), partners.contains(id), "{c}");
    }
    let plan_csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(plan_csv
        .lines()
        .next()
        .unwrap()
        .ends_with(",figures_withheld"));
    assert!(plan_csv.lines().any(|l| l.ends_with(",yes")));
    let o = symbiomap(&["plan", s(&region), "--quiet"]);
    assert!(stdout(&o).contains("confidential"), "{}", stdout(&o));
}

/// A total over the exchanges less the open ones is the withheld ones' sum: with one
/// confidential company that is its money. Such totals are withheld (the p %-rule,
/// `symbiomap::disclosure::total_withheld`) unless asked for.
#[test]
fn totals_that_would_give_one_confidential_company_away_are_withheld() {
    let dir = tempfile::tempdir().unwrap();
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample("scheldt-valley.json")).unwrap())
            .unwrap();
    let secret = confidential_ids(&sample("scheldt-valley.json"));
    // Only the first of the sample's confidential companies stays confidential.
    for f in v["facilities"].as_array_mut().unwrap() {
        if f["id"].as_str() != Some(secret[0].as_str()) {
            f["confidential"] = serde_json::json!(false);
        }
    }
    let one = dir.path().join("one.json");
    std::fs::write(&one, serde_json::to_string(&v).unwrap()).unwrap();
    let plan = |args: &[&str]| {
        let mut all = vec!["plan", s(&one), "--json", "--quiet"];
        all.extend_from_slice(args);
        let o = symbiomap(&all);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str::<serde_json::Value>(&stdout(&o)).unwrap()
    };
    let hidden = plan(&[]);
    assert_eq!(hidden["totals_withheld"], true);
    for j in [
        &hidden["value_per_yr"],
        &hidden["bound_per_yr"],
        &hidden["totals"]["value_per_yr"],
        &hidden["totals"]["private_value_per_yr"],
        &hidden["greedy"]["value_per_yr"],
    ] {
        assert!(j.is_null(), "{j}");
    }
    // Not money: stays.
    assert!(hidden["totals"]["co2_avoided_t_per_yr"].is_number());
    let shown = plan(&["--include-confidential"]);
    assert_eq!(shown["totals_withheld"], false);
    let total = shown["value_per_yr"].as_f64().unwrap();
    // What the withheld total would have told: the confidential company's exchanges' sum.
    let open: f64 = hidden["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["value_per_yr"].as_f64())
        .sum();
    let secret_sum: f64 = shown["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["figures_withheld"] == false && {
                let id = |k: &str| e[k].as_str().unwrap().to_owned();
                id("from_facility") == secret[0] || id("to_facility") == secret[0]
            }
        })
        .map(|e| e["value_per_yr"].as_f64().unwrap())
        .sum();
    assert!(secret_sum.abs() > 0.0);
    assert!(((total - open) - secret_sum).abs() < 1e-6 * total.abs());
    let text = stdout(&symbiomap(&["plan", s(&one), "--quiet"]));
    assert!(text.contains("totals confidential"), "{text}");
    assert!(!text.contains(&cli_thousands(total)), "{text}");

    // The greedy total of match.
    let o = symbiomap(&["match", s(&one), "--json"]);
    let m: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(m["greedy_allocation"]["value_per_yr"].is_null());
    assert_eq!(m["greedy_allocation"]["figures_withheld"], true);
    let o = symbiomap(&["match", s(&one)]);
    assert!(stdout(&o).contains("value confidential"), "{}", stdout(&o));

    // No confidential company: every total open.
    for f in v["facilities"].as_array_mut().unwrap() {
        f["confidential"] = serde_json::json!(false);
    }
    let none = dir.path().join("none.json");
    std::fs::write(&none, serde_json::to_string(&v).unwrap()).unwrap();
    let o = symbiomap(&["plan", s(&none), "--json", "--quiet"]);
    let open_plan: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(open_plan["totals_withheld"], false);
    assert!(open_plan["value_per_yr"].is_number());
    assert!(open_plan["greedy"]["value_per_yr"].is_number());
}

/// 1234567.8 -> "1 234 568", as the CLI writes money.
fn cli_thousands(v: f64) -> String {
    symbiomap::cli::thousands(v)
}

#[test]
fn import_takes_a_single_csv_file_and_merges_into_a_region_on_request() {
    let dir = tempfile::tempdir().unwrap();
    // A register's sites: one CSV file, no streams beside it. Recognised as the Hotmaps
    // register, its heat and CO2 become streams (docs/REGISTERS.md).
    let hotmaps = fixture("hotmaps_sites_sample.csv");
    let alone = dir.path().join("hotmaps.json");
    let o = symbiomap(&["import", s(&hotmaps), "-o", s(&alone)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("750 facilities, 989 outputs, 0 needs"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("Hotmaps industrial database: 750 sites imported"),
        "{}",
        stderr(&o)
    );
    // Read as a plain facilities table on request: the same sites, no streams.
    let plain = dir.path().join("plain.json");
    let o = symbiomap(&["import", s(&hotmaps), "--register", "none", "-o", s(&plain)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("750 facilities, 0 outputs, 0 needs"),
        "{}",
        stdout(&o)
    );
    let n_hotmaps = region_facilities(&alone);
    assert!(n_hotmaps > 100);

    // facilities.csv named alone reads its folder's streams.csv too, as the folder does.
    let peer = fixture("peer_n1000_s42").join("facilities.csv");
    let o = symbiomap(&["import", s(&peer), "-o", s(&dir.path().join("peer.json"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1000 facilities, 1969 outputs, 2016 needs"),
        "{}",
        stdout(&o)
    );

    // Merged into the sample: its sites kept, the register's added, its name and settings kept.
    let sample_copy = dir.path().join("scheldt.json");
    std::fs::copy(sample("scheldt-valley.json"), &sample_copy).unwrap();
    let n_sample = region_facilities(&sample_copy);
    let o = symbiomap(&[
        "import",
        s(&hotmaps),
        "--merge",
        s(&sample_copy),
        "-o",
        s(&sample_copy),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sample_copy).unwrap()).unwrap();
    assert_eq!(
        merged["name"],
        "Scheldt Valley industrial cluster (fictional)"
    );
    assert_eq!(
        merged["facilities"].as_array().unwrap().len(),
        n_sample + n_hotmaps
    );
    assert!(!merged["projects"].as_array().unwrap().is_empty(), "kept");
    assert!(
        stderr(&o).contains(&format!("merged: {n_hotmaps} facilities")),
        "{}",
        stderr(&o)
    );

    // Again: every id collides, and each collision is named; nothing is overwritten.
    let again = dir.path().join("again.json");
    let o = symbiomap(&[
        "import",
        s(&hotmaps),
        "--merge",
        s(&sample_copy),
        "-o",
        s(&again),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{n_hotmaps} id collisions (the region's own kept, the import's skipped)"
        )),
        "{err}"
    );
    assert!(
        err.contains("facility `hotmaps-1` (voestalpine Stahl Donawitz GesmbH) skipped: the region already has `hotmaps-1` (voestalpine Stahl Donawitz GesmbH)"),
        "{err}"
    );
    assert!(
        stdout(&o).contains(&format!("(0 facilities added, {n_hotmaps} id collisions)")),
        "{}",
        stdout(&o)
    );
    assert_eq!(region_facilities(&again), n_sample + n_hotmaps);
}

fn region_facilities(path: &Path) -> usize {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("written")).expect("JSON");
    v["facilities"].as_array().map_or(0, Vec::len)
}

#[test]
fn whatif_stops_the_power_station_for_four_weeks_and_names_an_unknown_id() {
    let region = sample("scheldt-valley.json");
    let o = symbiomap(&["whatif", s(&region), "--stop", "SV01,NOPE", "--quiet"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("NOPE") && err.contains("no facility"), "{err}");

    let o = symbiomap(&[
        "whatif",
        s(&region),
        "--stop",
        "SV01",
        "--weeks",
        "4",
        "--json",
        "--rank",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("critical actors"), "progress on stderr");
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let stop = &j["stop"];
    assert_eq!(stop["days"], 28.0);
    let lost = stop["lost"].as_array().expect("lost exchanges");
    assert!(!lost.is_empty());
    // Every lost exchange has the power station at one end, 28/365 of its year.
    for l in lost {
        assert!(
            l["from_facility"] == "SV01" || l["to_facility"] == "SV01",
            "{l}"
        );
        assert!(l["tonnes"].as_f64().expect("tonnes") >= 0.0);
    }
    // Its fly ash to the cement works has a store sized for it, which bridges part of the stop.
    let ash = lost
        .iter()
        .find(|l| l["stream_id"] == "SV01-flyash")
        .expect("the fly ash is in the plan");
    let store = &ash["store"];
    assert!(
        store["covered_days"].as_f64().expect("days") < 28.0,
        "{store}"
    );
    // The wood it burns finds another outlet.
    assert!(stop["takeovers"]
        .as_array()
        .expect("takeovers")
        .iter()
        .any(|t| t["lost"]["to_facility"] == "SV01"));
    let actors = j["critical_actors"]["actors"].as_array().expect("ranking");
    assert!(actors.iter().any(|a| a["facility_id"] == "SV01"));
    let r_net = j["critical_actors"]["r_net_value"].as_f64().expect("R_net");
    assert!((0.0..=1.0).contains(&r_net));
}

#[test]
fn projects_judge_the_sample_agreements_as_text_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let region = sample("scheldt-valley.json");
    let csv = dir.path().join("projects.csv");
    let o = symbiomap(&["projects", s(&region), "--csv", s(&csv)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("J1 Fly ash to Valley Cement Works"), "{text}");
    assert!(text.contains("unburnt carbon <= 5 %: mean 3.8 %"), "{text}");
    assert!(text.contains("0.93 % of deliveries off-spec"), "{text}");
    assert!(text.contains("readiness"), "{text}");
    // JSON a script reads: the figures of docs/AGREEMENTS.md's worked example.
    let o = symbiomap(&["projects", s(&region), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let j1 = v["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "J1")
        .expect("J1");
    let a = &j1["assessment"];
    let p = a["off_spec_probability"].as_f64().unwrap();
    assert!((p - 0.009_262_4).abs() < 1e-6, "{p}");
    assert!((a["shortfall_per_yr"].as_f64().unwrap() - 36.50).abs() < 0.01);
    assert_eq!(a["price_per_unit"].as_f64(), Some(14.0));
    assert!(j1["readiness"]["total"].as_u64() == Some(8));
    // The CSV opens in a spreadsheet: a header and one row per project.
    let mut rows = csv::Reader::from_path(&csv).unwrap();
    let header = rows.headers().unwrap().clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        symbiomap::io::projects::CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[0][0], "J1");
    assert_eq!(&rows[0][9], "14");
}

#[test]
fn projects_withhold_the_money_of_a_confidential_company_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("scheldt-valley.json")).unwrap();
    // Mark the cement works confidential.
    let at = text.find("\"id\": \"SV02\",").expect("SV02");
    let flag = at
        + text[at..]
            .find("\"confidential\": false")
            .expect("its flag");
    let marked = format!(
        "{}\"confidential\": true{}",
        &text[..flag],
        &text[flag + "\"confidential\": false".len()..]
    );
    assert_ne!(marked, text, "the sample changed");
    let region = dir.path().join("r.json");
    std::fs::write(&region, marked).unwrap();
    let o = symbiomap(&["projects", s(&region), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let j1 = &v["projects"][0];
    assert_eq!(j1["figures_withheld"], true);
    assert!(j1["assessment"]["price_per_unit"].is_null());
    assert!(j1["assessment"]["sender_gain_per_yr"].is_null());
    assert!(j1["agreement"]["price"].is_null());
    // The risk is no money: it stays.
    assert!(j1["assessment"]["off_spec_probability"].is_number());
    let text = stdout(&symbiomap(&["projects", s(&region)]));
    assert!(text.contains("price withheld"), "{text}");
    assert!(!text.contains("14.00 EUR/t"), "{text}");
    let o = symbiomap(&["projects", s(&region), "--json", "--include-confidential"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["projects"][0]["assessment"]["price_per_unit"].as_f64(),
        Some(14.0)
    );
}

#[test]
fn whatif_withholds_the_money_of_a_confidential_company_unless_asked() {
    // Delta Steel (SV06) is confidential in the sample; its slag goes to the power station.
    let region = sample("scheldt-valley.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "whatif",
            s(&region),
            "--stop",
            "SV01",
            "--weeks",
            "4",
            "--json",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let o = symbiomap(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("JSON")
    };
    let hidden = run(&[]);
    let shown = run(&["--include-confidential"]);
    let lost = |v: &serde_json::Value| v["stop"]["lost"].as_array().expect("lost").clone();
    let steel = |l: &serde_json::Value| l["from_facility"] == "SV06" || l["to_facility"] == "SV06";
    let (h, sh) = (lost(&hidden), lost(&shown));
    assert_eq!(h.len(), sh.len());
    let mut saw = false;
    for (a, b) in h.iter().zip(&sh) {
        if steel(a) {
            saw = true;
            assert!(a["value"].is_null(), "{a}");
            assert!(b["value"].is_number(), "{b}");
        } else {
            assert_eq!(a["value"], b["value"], "an open exchange keeps its value");
        }
        // Tonnes are no money: they stay.
        assert_eq!(a["tonnes"], b["tonnes"]);
    }
    assert!(saw, "the sample's stop touches Delta Steel");
    assert!(hidden["stop"]["value_lost"].is_null());
    let companies = |v: &serde_json::Value| v["stop"]["companies"].as_array().expect("c").clone();
    let steel_cost = companies(&hidden)
        .into_iter()
        .find(|c| c["facility_id"] == "SV06")
        .expect("Delta Steel");
    assert!(steel_cost["cost"].is_null());
    let text = stdout(&symbiomap(&[
        "whatif",
        s(&region),
        "--stop",
        "SV01",
        "--weeks",
        "4",
        "--quiet",
    ]));
    assert!(text.contains("value confidential lost"), "{text}");
    let value_lost = shown["stop"]["value_lost"]
        .as_f64()
        .expect("value lost, shown");
    assert!(!text.contains(&cli_thousands(value_lost)), "{text}");

    // For good: the plan solved again says the value lost (the plan's less its own), so its
    // value is withheld too.
    let for_good = |extra: &[&str]| {
        let mut args = vec!["whatif", s(&region), "--stop", "SV01", "--json", "--quiet"];
        args.extend_from_slice(extra);
        let o = symbiomap(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("JSON")
    };
    assert!(for_good(&[])["stop"]["replan"]["value_per_yr"].is_null());
    assert!(for_good(&["--include-confidential"])["stop"]["replan"]["value_per_yr"].is_number());
    let text = stdout(&symbiomap(&[
        "whatif",
        s(&region),
        "--stop",
        "SV01",
        "--quiet",
    ]));
    assert!(
        text.contains("Plan solved again without them: optimal, value confidential ("),
        "{text}"
    );
}

#[test]
fn match_lists_a_confidential_companys_candidates_after_the_ranked_ones() {
    let region = sample("scheldt-valley.json");
    let o = symbiomap(&["match", s(&region), "--json", "--top", "40"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let top = v["top_candidates"].as_array().expect("top");
    let hidden = |c: &serde_json::Value| c["figures_withheld"] == true;
    let first_hidden = top
        .iter()
        .position(hidden)
        .expect("the sample has confidential sites");
    assert!(first_hidden > 0);
    assert!(
        top[first_hidden..].iter().all(hidden),
        "withheld rows come last, together"
    );
    let values: Vec<f64> = top[..first_hidden]
        .iter()
        .map(|c| c["value_per_yr"].as_f64().expect("open value"))
        .collect();
    assert!(
        values.windows(2).all(|w| w[0] >= w[1]),
        "open rows by value"
    );
    // With the figures asked for, the one ranking by value is back.
    let o = symbiomap(&[
        "match",
        s(&region),
        "--json",
        "--top",
        "40",
        "--include-confidential",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let values: Vec<f64> = v["top_candidates"]
        .as_array()
        .expect("top")
        .iter()
        .map(|c| c["value_per_yr"].as_f64().expect("value"))
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn a_geojson_export_read_back_and_exported_again_keeps_its_properties() {
    let dir = tempfile::tempdir().unwrap();
    let region = sample("scheldt-valley.json");
    let first = dir.path().join("first.geojson");
    let o = symbiomap(&[
        "export",
        s(&region),
        "-o",
        s(&first),
        "--include-confidential",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let back = dir.path().join("back.json");
    let o = symbiomap(&["import", s(&first), "-o", s(&back)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let second = dir.path().join("second.geojson");
    let o = symbiomap(&[
        "export",
        s(&back),
        "-o",
        s(&second),
        "--include-confidential",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let keys = |p: &Path| {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let mut keys: Vec<String> = v["features"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| {
                f["properties"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys
    };
    let (a, b) = (keys(&first), keys(&second));
    assert!(b.iter().all(|k| !k.starts_with("attr_attr_")), "{b:?}");
    assert!(!b.iter().any(|k| k == "attr_nace_section"), "{b:?}");
    assert_eq!(a, b, "the same properties after a round trip");
}
