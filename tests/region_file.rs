//! The region file: every way a file can be wrong gives an error naming the file, the line and
//! the field; nothing panics; what this version does not know survives a save.

use std::path::{Path, PathBuf};

use symbiomap::io::region_file::{self, LoadError};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small_region.json")
}

fn text() -> String {
    std::fs::read_to_string(fixture()).expect("read the fixture")
}

fn parse(text: &str) -> Result<symbiomap::model::Region, LoadError> {
    region_file::parse(text, Path::new("test.json"))
}

/// The single problem of an error, with its message.
fn problem(e: &LoadError) -> symbiomap::io::region_file::Problem {
    let problems = e.problems();
    assert_eq!(problems.len(), 1, "{e}");
    problems.into_iter().next().expect("one problem")
}

#[test]
fn the_fixture_loads() {
    let region = region_file::load(&fixture()).unwrap();
    assert_eq!(region.facilities.len(), 2);
    assert_eq!(region.facilities[0].outputs[0].quantity_per_yr, 60_000.0);
}

#[test]
fn a_newer_file_is_refused_with_the_versions() {
    let t = text().replacen("\"format_version\": 1", "\"format_version\": 7", 1);
    let e = parse(&t).unwrap_err();
    assert!(
        matches!(
            e,
            LoadError::Newer {
                found: 7,
                supported: symbiomap::model::FORMAT_VERSION,
                ..
            }
        ),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("test.json") && msg.contains("newer") && msg.contains('7'),
        "{msg}"
    );
}

#[test]
fn a_file_without_version_is_not_taken_for_a_region() {
    let e = parse(r#"{"name": "x", "facilities": []}"#).unwrap_err();
    let p = problem(&e);
    assert_eq!(p.field, "format_version");
    assert!(p.message.contains("missing"), "{}", p.message);
}

#[test]
fn the_version_is_read_wherever_it_stands() {
    // The loader reads a leading version without a pass over the text, and probes the whole
    // text when the version stands elsewhere (or is not a plain number).
    let t = text();
    assert!(
        t.trim_start().starts_with("{\n  \"format_version\": 1,"),
        "{t}"
    );
    let first = parse(&t).unwrap();
    let moved = t.replacen("\"format_version\": 1,", "", 1).replacen(
        "\"facilities\":",
        "\"format_version\": 1, \"facilities\":",
        1,
    );
    assert!(!moved.trim_start()[1..]
        .trim_start()
        .starts_with("\"format_version\""));
    let later = parse(&moved).unwrap();
    assert_eq!(
        serde_json::to_value(&first).unwrap(),
        serde_json::to_value(&later).unwrap()
    );
    for (version, newer) in [(" 7 ", true), ("7e0", false), ("\"1\"", false)] {
        let e = parse(&t.replacen(" 1,", &format!("{version},"), 1)).unwrap_err();
        assert_eq!(
            matches!(e, LoadError::Newer { .. }),
            newer,
            "{version}: {e}"
        );
    }
}

#[test]
fn nothing_may_follow_the_document() {
    for tail in ["\n{}", " x", "\n]"] {
        let e = parse(&format!("{}{tail}", text())).unwrap_err();
        assert!(matches!(e, LoadError::Syntax { .. }), "{tail:?}: {e}");
        assert!(problem(&e).message.contains("trailing"), "{tail:?}: {e}");
    }
}

#[test]
fn a_truncated_file_says_where_it_ends() {
    let t = text();
    let cut = &t[..t.len() / 2];
    let e = parse(cut).unwrap_err();
    let p = problem(&e);
    assert!(matches!(e, LoadError::Syntax { .. }), "{e}");
    assert!(p.message.contains("ends too early"), "{}", p.message);
    assert_eq!(p.line, Some(cut.lines().count()));
}

#[test]
fn a_wrong_type_names_the_field_and_its_line() {
    let t = text().replace(
        "\"quantity_per_yr\": 60000.0",
        "\"quantity_per_yr\": \"lots\"",
    );
    let e = parse(&t).unwrap_err();
    let p = problem(&e);
    assert_eq!(p.field, "facilities[0].outputs[0].quantity_per_yr");
    let want_line = t.lines().position(|l| l.contains("\"lots\"")).unwrap() + 1;
    assert_eq!(p.line, Some(want_line));
    assert!(p.message.contains("invalid type"), "{}", p.message);
    assert!(e.to_string().starts_with("test.json: line "), "{e}");
}

#[test]
fn a_missing_field_names_its_object() {
    let t = text().replace("\"name\": \"Valley cement works\",", "");
    let e = parse(&t).unwrap_err();
    let p = problem(&e);
    assert_eq!(p.field, "facilities[1]");
    assert!(p.message.contains("missing field `name`"), "{}", p.message);
    assert!(p.line.is_some());
}

#[test]
fn duplicate_ids_are_reported_at_the_second() {
    let t = text().replace("\"id\": \"C1\"", "\"id\": \"P1\"");
    let e = parse(&t).unwrap_err();
    let p = problem(&e);
    assert_eq!(p.field, "facilities[1].id");
    assert!(
        p.message.contains("duplicate facility id `P1`"),
        "{}",
        p.message
    );
    let want_line = t
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("\"id\": \"P1\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert_eq!(p.line, Some(want_line));

    let t = text().replace("\"id\": \"C1-cement\"", "\"id\": \"P1-ash\"");
    let p = problem(&parse(&t).unwrap_err());
    assert_eq!(p.field, "facilities[1].needs[0].id");
    assert!(
        p.message.contains("duplicate stream or need id `P1-ash`"),
        "{}",
        p.message
    );
}

#[test]
fn an_unknown_ewc_code_is_named() {
    let t = text().replace("\"10 01 02\"", "\"10 01 77\"");
    let p = problem(&parse(&t).unwrap_err());
    assert_eq!(p.field, "facilities[0].outputs[0].ewc_code");
    assert!(
        p.message.contains("not in the European List of Waste"),
        "{}",
        p.message
    );
    assert!(p.line.is_some());

    let t = text().replace("\"10 01 02\"", "\"fly ash\"");
    let p = problem(&parse(&t).unwrap_err());
    assert!(p.message.contains("expected six digits"), "{}", p.message);
}

#[test]
fn out_of_range_coordinates_are_named() {
    let t = text().replace("\"lat_deg\": 51.05", "\"lat_deg\": 151.05");
    let p = problem(&parse(&t).unwrap_err());
    assert_eq!(p.field, "facilities[1].location.lat_deg");
    assert!(p.message.contains("latitude"), "{}", p.message);
    let want_line = t.lines().position(|l| l.contains("151.05")).unwrap() + 1;
    assert_eq!(p.line, Some(want_line));
}

#[test]
fn several_problems_are_all_listed() {
    let t = text()
        .replace("\"lat_deg\": 51.05", "\"lat_deg\": 151.05")
        .replace("\"moisture_pct\": 0.5", "\"moisture_pct\": 140")
        .replace("\"months\": [3,", "\"months\": [13,");
    let e = parse(&t).unwrap_err();
    let fields: Vec<String> = e.problems().into_iter().map(|p| p.field).collect();
    assert!(
        fields.contains(&"facilities[1].location.lat_deg".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"facilities[0].outputs[0].moisture_pct".to_owned()),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"facilities[1].needs[0].availability.months[0]".to_owned()),
        "{fields:?}"
    );
}

#[test]
fn nothing_panics_on_any_prefix_or_garbage() {
    let t = text();
    for cut in (0..t.len()).step_by(7) {
        let _ = parse(&t[..cut]);
    }
    for bad in [
        "",
        "null",
        "[]",
        "42",
        "{",
        "{\"format_version\": -1}",
        "{\"format_version\": 1.5}",
        "\u{feff}{}",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} should not load");
    }
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("binary.json");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x7b]).unwrap();
    let e = region_file::load(&binary).unwrap_err();
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    let e = region_file::load(&dir.path().join("missing.json")).unwrap_err();
    assert!(matches!(e, LoadError::Io { .. }), "{e}");
}

#[test]
fn unknown_fields_survive_load_and_save() {
    let region = region_file::load(&fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.json");
    region_file::save(&region, &path).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    for kept in [
        "projector_theme",
        "LIMS-2291",
        "purchasing_contact",
        "workshop_history",
        "A. Buyer",
    ] {
        assert!(saved.contains(kept), "{kept} lost on save");
    }
    let again = region_file::load(&path).unwrap();
    assert_eq!(again, region);
    // Saving the loaded file again gives the same text.
    region_file::save(&again, &path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), saved);
}

#[test]
fn numbers_survive_a_round_trip_bit_for_bit() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
    let mut region = region_file::load(&fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("numbers.json");
    for _ in 0..200 {
        region.facilities[0].location.lat_deg = rng.random_range(-90.0..90.0);
        region.facilities[0].location.lon_deg = rng.random_range(-180.0..180.0);
        region.facilities[0].outputs[0].quantity_per_yr = rng.random_range(0.0..1e9);
        region_file::save(&region, &path).unwrap();
        let back = region_file::load(&path).unwrap();
        assert_eq!(back.facilities[0].location, region.facilities[0].location);
        assert_eq!(
            back.facilities[0].outputs[0].quantity_per_yr,
            region.facilities[0].outputs[0].quantity_per_yr
        );
    }
}

#[test]
fn saving_replaces_the_file_whole_and_a_failed_save_keeps_the_old_one() {
    let region = region_file::load(&fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("region.json");
    std::fs::write(&path, "previous contents").unwrap();
    region_file::save(&region, &path).unwrap();
    assert_eq!(region_file::load(&path).unwrap(), region);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );

    // A region that would not load again (NaN is not JSON) is refused; the file stays.
    let mut broken = region.clone();
    broken.facilities[0].outputs[0].quantity_per_yr = f64::NAN;
    let before = std::fs::read(&path).unwrap();
    let e = region_file::save(&broken, &path).unwrap_err();
    assert!(
        e.to_string()
            .contains("facilities[0].outputs[0].quantity_per_yr"),
        "{e}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_version_1_file_is_migrated_and_saved_as_the_current_version() {
    // The fixture is a version-1 file: no proposals, no projects.
    assert!(text().contains("\"format_version\": 1"));
    let region = region_file::load(&fixture()).unwrap();
    assert_eq!(region.format_version, symbiomap::model::FORMAT_VERSION);
    assert!(region.proposals.is_empty() && region.projects.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("migrated.json");
    region_file::save(&region, &path).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.contains(&format!(
        "\"format_version\": {}",
        symbiomap::model::FORMAT_VERSION
    )));
    assert!(saved.contains("\"proposals\": []") && saved.contains("\"projects\": []"));
    // Everything else, the unknown fields too, is as it was.
    let again = region_file::load(&path).unwrap();
    assert_eq!(again, region);
    assert_eq!(
        again.settings.extra.get("projector_theme"),
        Some(serde_json::Value::String("dark".into()))
    );
}

#[test]
fn proposals_and_projects_round_trip_and_their_references_are_checked() {
    let v2 = text().replacen("\"format_version\": 1", "\"format_version\": 2", 1);
    let with = |extra: &str| {
        let cut = v2.rfind('}').unwrap();
        format!("{},{extra}}}", &v2[..cut].trim_end())
    };
    let good = with(
        r#""proposals": [{"id": "W1", "from_facility": "P1", "stream": "P1-ash", "to_facility": "C1",
             "note": "they said their ash is low in carbon", "origin": "workshop", "created": "2026-11-25"}],
           "projects": [{"id": "J1", "name": "Ash to cement", "stage": "feasibility", "proposal": "W1",
             "members": [{"role": "supplier", "facility": "P1"}, {"role": "is_planner", "name": "A. Facilitator"}],
             "actions": [{"text": "Send ash samples", "due": "2026-12-15"}]}]"#,
    );
    let region = parse(&good).unwrap();
    assert_eq!(region.proposals[0].stream.as_deref(), Some("P1-ash"));
    assert_eq!(
        region.projects[0].stage,
        symbiomap::model::Stage::Feasibility
    );
    let back = region_file::to_text(&region).unwrap();
    assert_eq!(parse(&back).unwrap(), region);

    let bad = with(
        r#""proposals": [{"id": "W1", "from_facility": "P1", "stream": "C1-nothing", "to_facility": "nowhere"}],
           "projects": [{"id": "W1", "name": "x", "actions": [{"text": "call", "due": "2026-02-30"}]}]"#,
    );
    let e = parse(&bad).unwrap_err();
    let problems = e.problems();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert!(fields.contains(&"proposals[0].to_facility"), "{e}");
    assert!(fields.contains(&"proposals[0].stream"), "{e}");
    assert!(fields.contains(&"projects[0].id"), "duplicate id: {e}");
    assert!(fields.contains(&"projects[0].actions[0].due"), "{e}");
    assert!(problems.iter().all(|p| p.line.is_some()), "{e}");
}

/// Objects whose every key is data (string values), not a field name.
const STRING_MAPS: [&str; 2] = ["attributes", "sources"];
/// Objects keyed by a list of names (outlet kinds): a key outside it is an error, not a field.
const KEYED_MAPS: [&str; 1] = ["outlet_costs_per_unit"];

/// Values whose text a parse into numbers would change.
const EXACT: [&str; 4] = [
    "12345678901234567890123",
    "1.50",
    "-0.0",
    r#"{"deep": [1e400, 0.1000000000000000055511151231257827]}"#,
];

/// Adds a field `zz_unknown_<n>` to every object of `v` (at every depth), each with one of the
/// [`EXACT`] texts (as a placeholder string first; [`with_exact_texts`] puts in the text).
/// Returns each field's JSON pointer and text.
fn inject_everywhere(v: &mut serde_json::Value, at: &str, out: &mut Vec<(String, String, String)>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                let child = map.get_mut(&k).expect("key");
                inject_everywhere(child, &format!("{at}/{k}"), out);
            }
            if KEYED_MAPS.iter().any(|m| at.ends_with(&format!("/{m}"))) {
                return;
            }
            let n = out.len();
            let key = format!("zz_unknown_{n}");
            let is_string_map = STRING_MAPS.iter().any(|m| at.ends_with(&format!("/{m}")));
            let text = if is_string_map {
                // Any key is data here: the unknown field is one more entry.
                "\"kept as text\"".to_owned()
            } else {
                EXACT[n % EXACT.len()].to_owned()
            };
            map.insert(key.clone(), Value::String(format!("@EXACT{n}@")));
            out.push((at.to_owned(), key, text));
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                inject_everywhere(item, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn with_exact_texts(text: &str, injected: &[(String, String, String)]) -> String {
    let mut text = text.to_owned();
    for (n, (_, _, exact)) in injected.iter().enumerate() {
        text = text.replacen(&format!("\"@EXACT{n}@\""), exact, 1);
    }
    text
}

/// The fixture with one of everything the samples lack: the region's own material and rule
/// (with a treatment and a specification), a preprocessing step, batches, an outlet, a supply.
fn every_kind_of_object() -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&text()).expect("the fixture parses");
    v["catalogue"]["materials"] = serde_json::json!([{
        "key": "slag_sand", "name": "Slag sand", "transport_cost_per_unit_km": 0.1,
        "outlet_costs_per_unit": {"landfill": 40.0}, "sources": {"all": "test"}
    }]);
    v["catalogue"]["rules"] = serde_json::json!([{
        "id": "R1", "from": "slag_sand", "to": "sand", "kind": "indirect",
        "substitution_ratio": 1.0, "treatment": {"name": "screening", "cost_per_unit": 2.0},
        "spec": {"max_constituents": [{"name": "Cl", "mass_pct": 0.1}]}
    }]);
    let output = &mut v["facilities"][0]["outputs"][0];
    output["preprocessing"] =
        serde_json::json!([{"step": "dewatering", "target_moisture_pct": 60.0}]);
    output["availability"] =
        serde_json::json!({"pattern": "batches", "batch_quantity": 5.0, "every_days": 7.0});
    output["outlet"] = serde_json::json!({"kind": "landfill", "cost_per_unit": 80.0});
    v["facilities"][0]["needs"] = serde_json::json!([{
        "id": "P1-n1", "material": "sand", "quantity_per_yr": 10.0, "unit": "t",
        "supply": {"price_per_unit": 12.0}
    }]);
    v
}

#[test]
fn unknown_fields_at_every_level_survive_with_their_exact_text() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<(String, serde_json::Value)> = [
        "sample-regions/scheldt-valley.json",
        "sample-regions/rhine-scheldt-delta.json",
        "sample-regions/calibration-cases.json",
        "tests/fixtures/small_region.json",
    ]
    .iter()
    .map(|f| {
        let text = std::fs::read_to_string(root.join(f)).unwrap();
        (f.to_string(), serde_json::from_str(&text).unwrap())
    })
    .collect();
    cases.push(("every kind of object".to_owned(), every_kind_of_object()));
    let dir = tempfile::tempdir().unwrap();
    for (name, mut value) in cases {
        let mut injected = Vec::new();
        inject_everywhere(&mut value, "", &mut injected);
        let text = with_exact_texts(&serde_json::to_string_pretty(&value).unwrap(), &injected);
        let region = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let path = dir.path().join("saved.json");
        region_file::save(&region, &path).unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        let saved_value: serde_json::Value =
            serde_json::from_str(&saved.replace("1e400", "1")).unwrap();
        let mut lost = Vec::new();
        for (pointer, key, exact) in &injected {
            // Still in the same object, and with the same text.
            let there = saved_value
                .pointer(pointer)
                .and_then(|o| o.get(key))
                .is_some();
            let exact_text = saved.contains(&format!("\"{key}\": {exact}"));
            if !(there && exact_text) {
                lost.push(format!("{pointer}/{key} = {exact} (present: {there})"));
            }
        }
        assert!(
            lost.is_empty(),
            "{name}: {} of {} unknown fields lost or changed:\n{}",
            lost.len(),
            injected.len(),
            lost.join("\n")
        );
        // What was read is what was saved, and saving again changes nothing.
        let again = region_file::load(&path).unwrap();
        assert_eq!(again, region, "{name}");
        region_file::save(&again, &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), saved, "{name}");
    }
}
/// A version-1 file that carries proposals and projects (written by hand, or by a later tool
/// that kept the old version number): they are read, checked and saved in the current shape.
#[test]
fn a_version_1_files_proposals_and_projects_are_kept_by_the_migration() {
    let v1 = text();
    assert!(v1.contains("\"format_version\": 1"));
    let cut = v1.rfind('}').unwrap();
    let with = format!(
        "{},{}}}",
        v1[..cut].trim_end(),
        r#""proposals": [{"id": "W1", "from_facility": "P1", "stream": "P1-ash", "to_facility": "C1",
             "need": "C1-cement", "note": "low-carbon ash", "origin": "planner", "created": "2026-11-25",
             "meeting": 12345678901234567890123}],
           "projects": [{"id": "J1", "name": "Ash to cement", "stage": "agreement", "proposal": "W1",
             "stream": "P1-ash", "need": "C1-cement",
             "members": [{"role": "supplier", "facility": "P1", "phone": "+32 9 000"}],
             "actions": [{"text": "Send ash samples", "due": "2026-12-15", "done": true}],
             "notes": "two trucks a week"}]"#
    );
    let region = parse(&with).unwrap();
    assert_eq!(region.format_version, symbiomap::model::FORMAT_VERSION);
    assert_eq!(region.proposals.len(), 1, "proposals dropped");
    assert_eq!(region.projects.len(), 1, "projects dropped");
    let p = &region.projects[0];
    assert_eq!(p.stage, symbiomap::model::Stage::Agreement);
    assert_eq!(p.proposal.as_deref(), Some("W1"));
    assert!(p.actions[0].done);
    assert_eq!(region.proposals[0].need.as_deref(), Some("C1-cement"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("migrated.json");
    region_file::save(&region, &path).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.contains("\"meeting\": 12345678901234567890123"),
        "{saved}"
    );
    assert!(saved.contains("\"phone\": \"+32 9 000\""), "{saved}");
    assert_eq!(region_file::load(&path).unwrap(), region);

    // A broken reference in them is an error in version 1 as in version 3.
    let broken = with.replace("\"to_facility\": \"C1\"", "\"to_facility\": \"C9\"");
    let e = parse(&broken).unwrap_err();
    assert!(e.to_string().contains("proposals[0].to_facility"), "{e}");
}

/// `save` writes the region as it encodes it (no text of the whole region in memory): the
/// same bytes as `to_text`.
#[test]
fn a_saved_file_is_to_text_byte_for_byte() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "sample-regions/scheldt-valley.json",
        "tests/fixtures/small_region.json",
    ] {
        let region = region_file::load(&root.join(file)).unwrap();
        let path = dir.path().join("saved.json");
        region_file::save(&region, &path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            region_file::to_text(&region).unwrap(),
            "{file}"
        );
    }
}
