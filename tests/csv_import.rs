//! CSV import: what planners keep in spreadsheets, and what real registers look like.

use std::path::{Path, PathBuf};

use symbiomap::io::csv_import::{self, CsvSources, FlowRef, ImportError};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write the test file");
    p
}

#[test]
fn bad_rows_are_skipped_and_reported_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facilities.csv",
        "\
id,name,sector,lat,lon,permit_no
A,Alpha works,C23.51,51.1,3.8,P-17
B,Beta mill,C17.12,95.0,3.9,
C,Gamma plant,paper,51.2,east,
A,Alpha again,C23.51,51.1,3.8,
D,Delta,E38.21,51.3,4.0,
",
    );
    write(
        dir.path(),
        "streams.csv",
        "\
facility_id,direction,material,quantity,unit,cost_per_unit,ewc_code,moisture_pct,months,supplier_ref
A,output,fly_ash,1000,t,40,10 01 02,12,,S-1
A,input,portland_cement,5000,t,95,,,,
Z,output,fly_ash,10,t,40,,,,
D,sideways,fly_ash,10,t,40,,,,
D,output,fly_ash,-5,t,40,,,,
D,output,fly_ash,20,kg,40,,,,
D,output,bottom_ash,30,t,25,99 99 99,150,13,
D,input,fly_ash,40,t,,,,5-9,
",
    );
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "test").unwrap();
    let r = &imported.report;
    let files: Vec<(usize, usize)> = r.files.iter().map(|f| (f.rows, f.kept)).collect();
    assert_eq!(files, vec![(5, 2), (8, 4)]);
    let lines: Vec<String> = r.problems.iter().map(ToString::to_string).collect();
    let expect = [
        "facilities.csv line 3, column lat: 95 is not a latitude (-90..90); row skipped",
        "facilities.csv line 4, column lon: `east` is not a number; row skipped",
        "facilities.csv line 5, column id: duplicate facility id `A`; row skipped",
        "streams.csv line 4, column facility_id: unknown facility `Z`; row skipped",
        "streams.csv line 5, column direction: `sideways` is not output or input; row skipped",
        "streams.csv line 6, column quantity: negative quantity -5; row skipped",
        "streams.csv line 7, column unit: `kg` is not a unit (t, m3 or MWh); row skipped",
        "streams.csv line 8, column moisture_pct: 150 is outside 0..100; ignored",
        "streams.csv line 8, column ewc_code: `99 99 99` is not in the European List of Waste; ignored",
        "streams.csv line 8, column months: `13` is not a list of months (1-12, e.g. `5-9` or `5;6;7`); taken as all year",
    ];
    for e in expect {
        assert!(
            lines.iter().any(|l| l == e),
            "missing: {e}\ngot:\n{}",
            lines.join("\n")
        );
    }
    assert_eq!(lines.len(), expect.len(), "{}", lines.join("\n"));

    let region = &imported.region;
    let a = &region.facilities[0];
    assert_eq!(
        a.attributes.get("permit_no").map(String::as_str),
        Some("P-17")
    );
    assert_eq!(a.outputs[0].id, "A-o1");
    assert_eq!(a.outputs[0].ewc_code.as_deref(), Some("10 01 02"));
    assert_eq!(a.outputs[0].moisture_pct, Some(12.0));
    assert_eq!(
        a.outputs[0].extra.get("supplier_ref"),
        Some(serde_json::Value::String("S-1".into()))
    );
    assert_eq!(a.needs[0].supply.price_per_unit, Some(95.0));
    let d = &region.facilities[1];
    assert_eq!(d.outputs.len(), 1);
    assert_eq!(d.outputs[0].moisture_pct, None);
    assert_eq!(d.needs[0].availability.months, vec![5, 6, 7, 8, 9]);
    assert_eq!(
        d.needs[0].virgin_price_per_unit, None,
        "an empty cost means: use the catalogue's"
    );
    assert_eq!(
        imported.stream_rows,
        vec![
            FlowRef::Output {
                facility: 0,
                index: 0
            },
            FlowRef::Need {
                facility: 0,
                index: 0
            },
            FlowRef::Skipped,
            FlowRef::Skipped,
            FlowRef::Skipped,
            FlowRef::Skipped,
            FlowRef::Output {
                facility: 1,
                index: 0
            },
            FlowRef::Need {
                facility: 1,
                index: 0
            },
        ]
    );
    assert!(symbiomap::io::region_file::validate(region).is_empty());
}

#[test]
fn given_ids_are_kept_and_duplicates_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facilities.csv",
        "id,name,lat,lon\nsite-7,Seven,50,4\n",
    );
    write(
        dir.path(),
        "streams.csv",
        "\
id,facility_id,direction,material,tonnes_per_year
ash-1,site-7,output,fly_ash,10
ash-1,site-7,output,bottom_ash,10
,site-7,output,slag,10
",
    );
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "ids").unwrap();
    let f = &imported.region.facilities[0];
    let ids: Vec<&str> = f.outputs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, vec!["ash-1", "site-7-o2"]);
    assert!(imported.report.problems[0]
        .message
        .contains("duplicate stream id `ash-1`"));
}

#[test]
fn semicolon_files_with_decimal_commas_import() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facilities.csv",
        "Id;Name;Lat;Lon\n1;Ääneseutu Oy;62,6;25,7\n",
    );
    write(
        dir.path(),
        "streams.csv",
        "facility_id;direction;material;quantity;cost_per_unit\n1;output;bark;1200,5;12,25\n",
    );
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "fi").unwrap();
    assert!(imported.report.problems.is_empty(), "{}", imported.report);
    let f = &imported.region.facilities[0];
    assert_eq!(f.name, "Ääneseutu Oy");
    assert_eq!((f.location.lat_deg, f.location.lon_deg), (62.6, 25.7));
    assert_eq!(f.outputs[0].quantity_per_yr, 1200.5);
    assert_eq!(f.outputs[0].outlet.cost_per_unit, Some(12.25));
    assert_eq!(
        f.outputs[0].outlet.kind,
        symbiomap::model::OutletKind::Unspecified
    );
}

#[test]
fn a_missing_column_names_what_was_expected_and_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facilities.csv",
        "id,name,x_coord,y_coord\n1,a,1,2\n",
    );
    let Err(e) = csv_import::import(&CsvSources::folder(dir.path()), "x") else {
        panic!("should fail");
    };
    assert!(matches!(e, ImportError::MissingColumn { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("facilities.csv") && msg.contains("latitude") && msg.contains("x_coord"),
        "{msg}"
    );
}

#[test]
fn a_missing_file_is_an_error_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let Err(e) = csv_import::import(&CsvSources::folder(dir.path()), "x") else {
        panic!("should fail");
    };
    assert!(e.to_string().contains("facilities.csv"), "{e}");
}

#[test]
fn a_materials_table_makes_the_regions_own_materials() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facilities.csv",
        "id,name,sector,lat,lon\n1,a,steel,50,4\n2,b,cement,50.1,4\n",
    );
    write(dir.path(), "streams.csv", "facility_id,direction,material,tonnes_per_year,cost_eur_per_t\n1,output,slag,100,10\n2,input,slag,100,20\n2,input,fly_ash,100,20\n");
    write(dir.path(), "materials.csv", "material,transport_eur_per_tkm,processing_eur_per_t,detour\nslag,0.1,5,1.2\nfly_ash,0.1,5,1.2\nslag,0.2,1,1.1\n");
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "own").unwrap();
    let region = &imported.region;
    assert!(!region.catalogue.builtin_rules);
    assert_eq!(region.catalogue.materials.len(), 2);
    assert_eq!(
        region.catalogue.materials[0].transport_cost_per_unit_km,
        Some(0.1)
    );
    assert!(imported.report.problems[0]
        .message
        .contains("defined twice"));
    let engine = symbiomap::matching::Engine::new(region).unwrap();
    let hits: Vec<symbiomap::matching::PairHit> =
        engine.search(region, &symbiomap::matching::SearchOptions::default());
    assert_eq!(hits.len(), 1, "slag goes to the slag need only");
}

#[test]
fn the_finnish_eprtr_register_imports_whole_with_its_letters() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eprtr_finland_facilities.csv");
    let sources = CsvSources {
        facilities: path,
        streams: None,
        materials: None,
    };
    let imported = csv_import::import(&sources, "E-PRTR Finland").unwrap();
    let summary = &imported.report.files[0];
    assert_eq!(
        (summary.rows, summary.kept),
        (1072, 1072),
        "{}",
        imported.report
    );
    let region = &imported.region;
    assert!(
        region.facilities.iter().any(|f| f.name.contains('ä')),
        "Finnish letters survive"
    );
    assert!(region.facilities.iter().all(|f| f.location.is_valid()));
    assert_eq!(region.facilities[0].id, "FI_EEA_100003197");
    assert_eq!(
        region.facilities[0]
            .attributes
            .get("city")
            .map(String::as_str),
        Some("PORI")
    );
    assert_eq!(
        region.facilities[0].sector,
        "Installations for the disposal of non-hazardous waste"
    );
}

#[test]
fn hotmaps_sites_without_a_position_are_skipped_and_counted() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hotmaps_sites_sample.csv");
    let sources = CsvSources {
        facilities: path,
        streams: None,
        materials: None,
    };
    let imported = csv_import::import(&sources, "Hotmaps").unwrap();
    let summary = &imported.report.files[0];
    assert_eq!(summary.rows, 800);
    let skipped = summary.rows - summary.kept;
    assert!(skipped > 0);
    assert_eq!(
        imported.report.problems.len(),
        skipped,
        "every skipped row explained"
    );
    assert!(
        imported
            .report
            .problems
            .iter()
            .all(|p| p.message == "no latitude; row skipped"),
        "{}",
        imported.report
    );
    let steel = &imported.region.facilities[0];
    assert_eq!(steel.operator, "voestalpine AG");
    assert_eq!(steel.sector, "Iron and steel");
    assert_eq!(
        steel
            .attributes
            .get("excess_heat_total")
            .map(String::as_str),
        Some("366.01")
    );
}

/// Saves `region` into `dir` and says why not, if it cannot.
fn saves(region: &symbiomap::model::Region, dir: &Path) -> Result<(), String> {
    symbiomap::io::region_file::save(region, &dir.join("imported.json")).map_err(|e| e.to_string())
}

/// What an import keeps, a save keeps: a value the region file would refuse is refused where
/// it is read, with its file and line, and the rest of the import saves.
#[test]
fn a_detour_the_region_file_refuses_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facilities.csv",
        "id,name,sector,lat,lon\n1,a,steel,50,4\n2,b,cement,50.1,4\n",
    );
    write(dir.path(), "streams.csv", "facility_id,direction,material,tonnes_per_year,cost_eur_per_t\n1,output,slag,100,10\n2,input,slag,100,20\n");
    write(
        dir.path(),
        "materials.csv",
        "material,transport_eur_per_tkm,processing_eur_per_t,detour\nslag,0.1,5,1.2\nash,0.1,5,6\n",
    );
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "detour").unwrap();
    saves(&imported.region, dir.path()).unwrap();
    let report = imported.report.to_string();
    assert!(
        report.contains(
            "materials.csv line 3, column detour: must be between 1 and 5, found 6; row skipped"
        ),
        "{report}"
    );
    assert_eq!(imported.region.catalogue.materials.len(), 1);
}

#[test]
fn geojson_values_the_region_file_refuses_are_refused_at_their_feature() {
    let dir = tempfile::tempdir().unwrap();
    let point = |id: &str, outputs: &str| {
        format!(
            r#"{{"type": "Feature", "geometry": {{"type": "Point", "coordinates": [4.0, 50.0]}},
                "properties": {{"id": "{id}", "outputs": [{outputs}]}}}}"#
        )
    };
    let features = [
        // 0: not numbers once read, though they parse as floats.
        point(
            "A",
            r#"{"material": "fly_ash", "quantity": "NaN"},
               {"material": "fly_ash", "quantity": "1e400"},
               {"material": "fly_ash", "quantity": 5, "cost": "NaN"},
               {"material": "fly_ash", "quantity": 5, "moisture_pct": "150"},
               {"material": "fly_ash", "quantity": 5}"#,
        ),
        // 1: an id given twice, and one that is what A's unnamed output would be called.
        point(
            "B",
            r#"{"id": "S1", "material": "slag", "quantity": 5},
               {"id": "S1", "material": "slag", "quantity": 6},
               {"id": "A-o1", "material": "slag", "quantity": 7}"#,
        ),
    ];
    let path = dir.path().join("sites.geojson");
    std::fs::write(
        &path,
        format!(
            r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let (region, report) = symbiomap::io::geojson::import(&path, "sites").unwrap();
    saves(&region, dir.path()).unwrap();
    let text = report.to_string();
    for expected in [
        "sites.geojson features[0].properties.outputs[0].quantity: `NaN` is not a number; skipped",
        "sites.geojson features[0].properties.outputs[1].quantity: `1e400` is not a number; skipped",
        "sites.geojson features[0].properties.outputs[2].cost: `NaN` is not a number; skipped",
        "sites.geojson features[0].properties.outputs[3].moisture_pct: must be within 0..100 %, found 150; skipped",
        "sites.geojson features[1].properties.outputs[1].id: duplicate stream or need id `S1` (also in features[1]); skipped",
    ] {
        assert!(text.contains(expected), "{expected}\nnot in:\n{text}");
    }
    assert!(!text.contains(" line "), "features are not lines:\n{text}");
    let ids: Vec<&str> = region
        .facilities
        .iter()
        .flat_map(|f| f.outputs.iter().map(|o| o.id.as_str()))
        .collect();
    assert_eq!(ids, ["A-o1~2", "S1", "A-o1"]);
}

/// Found by fuzzing (`fuzz/artifacts/csv_streams`): a second `material` column was kept in the
/// stream's extra fields as `material`, so the saved file had the field twice and did not load.
#[test]
fn columns_named_like_a_stream_field_are_kept_under_another_name() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "facilities.csv",
        "id,name,sector,lat,lon\n1,a,steel,50,4\n2,b,cement,50.1,4\n",
    );
    write(
        dir.path(),
        "streams.csv",
        "facility_id,direction,material,quantity,material,outlet,note,note\n\
         1,output,slag,100,scrap,landfill,first,second\n\
         2,input,slag,100,,,x,\n",
    );
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "columns").unwrap();
    let path = dir.path().join("columns.json");
    symbiomap::io::region_file::save(&imported.region, &path).unwrap();
    let region = symbiomap::io::region_file::load(&path).unwrap();
    let o = &region.facilities[0].outputs[0];
    assert_eq!(o.material, "slag");
    let text = |k: &str| o.extra.get(k).and_then(|v| v.as_str().map(str::to_owned));
    assert_eq!(text("csv_material").as_deref(), Some("scrap"));
    assert_eq!(text("csv_outlet").as_deref(), Some("landfill"));
    assert_eq!(text("note").as_deref(), Some("first"));
    assert_eq!(text("csv_note").as_deref(), Some("second"));
    let report = imported.report.to_string();
    assert!(
        report.contains("streams.csv line 1, column material: a stream or need has a field of this name; the column is kept as `csv_material`"),
        "{report}"
    );
    assert!(
        report.contains(
            "column note: an earlier column has this name; the column is kept as `csv_note`"
        ),
        "{report}"
    );
}

/// A message quotes the start of a huge cell, not the cell.
#[test]
fn messages_quote_a_short_prefix_of_a_huge_cell() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(1_000_000);
    write(
        dir.path(),
        "facilities.csv",
        &format!("id,name,sector,lat,lon\n1,a,steel,50,4\n2,b,cement,{huge},4\n"),
    );
    write(
        dir.path(),
        "streams.csv",
        &format!("facility_id,direction,material,quantity\n{huge},output,ash,5\n1,{huge},ash,5\n1,output,ash,{huge}\n"),
    );
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "huge").unwrap();
    assert_eq!(imported.report.problems.len(), 4, "{}", imported.report);
    for p in &imported.report.problems {
        assert!(
            p.message.len() < 200,
            "{} bytes: {}...",
            p.message.len(),
            &p.message[..200]
        );
        assert!(
            p.message.contains("xxxxxxxxxx... (1000000 bytes)"),
            "{}",
            p.message
        );
    }
    // A region file's value of the wrong type too.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small_region.json"),
    )
    .unwrap()
    .replacen("51.10", &format!("\"{huge}\""), 1);
    let e = symbiomap::io::region_file::parse(&text, Path::new("huge.json")).unwrap_err();
    assert!(e.to_string().len() < 400, "{} bytes", e.to_string().len());
}
