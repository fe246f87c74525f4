//! Register import: excerpts of the Hotmaps industrial database, the E-PRTR CO2 emitters and
//! the Finnish E-PRTR (tests/fixtures/registers/, rows copied unchanged) become facilities with
//! NACE sectors and derived streams.

use std::path::{Path, PathBuf};

use symbiomap::io::csv_import::Place;
use symbiomap::io::registers::{self, Register, RegisterImport};
use symbiomap::model::{Facility, OutputStream, Unit};
use symbiomap::reference::NaceList;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/registers")
        .join(name)
}

fn facility<'a>(imported: &'a RegisterImport, id: &str) -> &'a Facility {
    imported
        .region
        .facilities
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no facility {id}"))
}

fn stream<'a>(f: &'a Facility, id: &str) -> &'a OutputStream {
    f.outputs
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("{} has no stream {id}: {:?}", f.id, ids(f)))
}

fn ids(f: &Facility) -> Vec<&str> {
    f.outputs.iter().map(|o| o.id.as_str()).collect()
}

fn derived_from(s: &OutputStream) -> String {
    match s.extra.get("derived_from") {
        Some(serde_json::Value::String(v)) => v,
        other => panic!("{} is not marked derived: {other:?}", s.id),
    }
}

fn section(f: &Facility) -> Option<char> {
    NaceList::get().lookup(&f.sector).map(|e| e.section)
}

#[test]
fn registers_are_recognised_by_their_header() {
    assert_eq!(
        registers::detect(&fixture("hotmaps_excerpt.csv")).unwrap(),
        Some(Register::Hotmaps)
    );
    assert_eq!(
        registers::detect(&fixture("eprtr_2014_co2_excerpt.csv")).unwrap(),
        Some(Register::EprtrCo2)
    );
    assert_eq!(
        registers::detect(&fixture("eprtr_finland")).unwrap(),
        Some(Register::EprtrFinland),
        "a folder by its tables"
    );
    assert_eq!(
        registers::detect(&fixture("eprtr_finland/waste_transfers.csv")).unwrap(),
        None,
        "a waste table alone is no facility register"
    );
    let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small_region.json");
    assert_eq!(registers::detect(&plain).unwrap(), None);
}

#[test]
fn hotmaps_sites_get_nace_sectors_heat_by_band_and_co2() {
    let imported = registers::import(
        &fixture("hotmaps_excerpt.csv"),
        Register::Hotmaps,
        "Hotmaps",
    )
    .unwrap();
    let report = &imported.report;
    assert_eq!(
        (report.files[0].rows, report.files[0].kept),
        (9, 8),
        "{report}"
    );

    // Sectors: Hotmaps subsectors to NACE codes that colour the map.
    let donawitz = facility(&imported, "hotmaps-1");
    assert_eq!(donawitz.sector, "C24.10");
    assert_eq!(section(donawitz), Some('C'));
    assert_eq!(
        donawitz
            .attributes
            .get("register_sector")
            .map(String::as_str),
        Some("Iron and steel")
    );
    assert_eq!(donawitz.operator, "voestalpine AG");
    assert_eq!(donawitz.country.as_deref(), Some("AT"));
    assert_eq!(facility(&imported, "hotmaps-3").sector, "C23.51", "Cement");
    assert_eq!(
        facility(&imported, "hotmaps-4").sector,
        "C19.20",
        "Refineries"
    );
    assert_eq!(facility(&imported, "hotmaps-39").sector, "C23.1", "Glass");
    assert_eq!(facility(&imported, "hotmaps-41").sector, "C17", "Paper");
    let other = facility(&imported, "hotmaps-1694");
    assert_eq!(
        other.sector, "Other non-classified",
        "not mapped: kept as text"
    );
    assert_eq!(section(other), None);

    // Heat: one stream per band above 0, GWh/yr to MWh/yr, the material of its temperature.
    assert_eq!(
        ids(donawitz),
        [
            "hotmaps-1-heat-100_200c",
            "hotmaps-1-heat-200_500c",
            "hotmaps-1-co2"
        ]
    );
    let low = stream(donawitz, "hotmaps-1-heat-100_200c");
    assert_eq!(low.material, "waste_heat_medium_temp");
    assert_eq!(low.unit, Unit::MegawattHour);
    assert!((low.quantity_per_yr - 192_340.0).abs() < 1e-6);
    let mid = stream(donawitz, "hotmaps-1-heat-200_500c");
    assert_eq!(mid.material, "waste_heat_high_temp");
    assert!((mid.quantity_per_yr - 173_660.0).abs() < 1e-6);
    let linz = facility(&imported, "hotmaps-2");
    let hot = stream(linz, "hotmaps-2-heat-500c");
    assert_eq!(hot.material, "waste_heat_high_temp");
    assert!((hot.quantity_per_yr - 40_160.0).abs() < 1e-6);
    let glass = facility(&imported, "hotmaps-39");
    assert_eq!(ids(glass), ["hotmaps-39-heat-500c", "hotmaps-39-co2"]);
    let refinery = facility(&imported, "hotmaps-4");
    assert_eq!(
        ids(refinery),
        ["hotmaps-4-co2"],
        "no heat stream for a band of 0"
    );

    // CO2: the ETS figure in t/yr, else the E-PRTR one.
    let co2 = stream(donawitz, "hotmaps-1-co2");
    assert_eq!(co2.material, "co2_flue_gas");
    assert_eq!(co2.unit, Unit::Tonne);
    assert!((co2.quantity_per_yr - 2_808_536.0).abs() < 1e-6);
    assert_eq!(derived_from(co2), "hotmaps:Emissions_ETS_2014");
    let nirosta = stream(facility(&imported, "hotmaps-140"), "hotmaps-140-co2");
    assert!((nirosta.quantity_per_yr - 122_000.0).abs() < 1e-6);
    assert_eq!(derived_from(nirosta), "hotmaps:Emissions_EPRTR_2014");
    assert!(
        nirosta.description.contains("E-PRTR"),
        "{}",
        nirosta.description
    );

    // Every derived value says so.
    assert_eq!(derived_from(low), "hotmaps:Excess_Heat_100-200C");
    assert!(low.description.contains("derived"), "{}", low.description);
    assert!(
        low.description.contains("192.34 GWh/yr"),
        "{}",
        low.description
    );
    assert_eq!(
        low.extra.get("register_value"),
        Some(serde_json::Value::String("192.34 GWh/yr".to_owned()))
    );

    // The site without a position: skipped, with its line and why.
    assert_eq!(report.problems.len(), 1, "{report}");
    let p = &report.problems[0];
    assert_eq!(p.place, Place::Line(9));
    assert_eq!(p.column.as_deref(), Some("lat"));
    assert!(p.message.contains("no latitude"), "{}", p.message);

    // The report counts each mapping and lists what was not mapped.
    let s = &imported.summary;
    assert_eq!(s.sites, 8);
    assert_eq!(s.sites_mapped(), (7, 1));
    assert_eq!(
        s.sectors.get("Other non-classified"),
        Some(&(None, 1)),
        "{:?}",
        s.sectors
    );
    assert_eq!(
        s.sectors.get("Iron and steel"),
        Some(&(Some("C24.10".to_owned()), 3))
    );
    assert_eq!(
        s.streams.get("heat 100-200 C -> waste_heat_medium_temp"),
        Some(&3)
    );
    assert_eq!(
        s.streams.get("heat 200-500 C -> waste_heat_high_temp"),
        Some(&3)
    );
    assert_eq!(
        s.streams.get("heat above 500 C -> waste_heat_high_temp"),
        Some(&2)
    );
    assert_eq!(s.streams.get("CO2 (EU ETS 2014) -> co2_flue_gas"), Some(&7));
    assert_eq!(s.streams.get("CO2 (E-PRTR 2014) -> co2_flue_gas"), Some(&1));
    let text = report.to_string();
    assert!(
        text.contains("Other non-classified -> not mapped"),
        "{text}"
    );
    assert!(text.contains("line 9, column lat"), "{text}");
}

#[test]
fn eprtr_activity_names_are_looked_up_in_the_nace_list() {
    let imported = registers::import(
        &fixture("eprtr_2014_co2_excerpt.csv"),
        Register::EprtrCo2,
        "E-PRTR",
    )
    .unwrap();
    assert!(imported.report.problems.is_empty(), "{}", imported.report);
    assert_eq!(imported.region.facilities.len(), 6);
    let refinery = facility(&imported, "eprtr-1113729");
    assert_eq!(refinery.sector, "C19.20", "the class, not its group 19.2");
    assert_eq!(refinery.country.as_deref(), Some("CH"));
    assert_eq!(facility(&imported, "eprtr-1113730").sector, "E38.21");
    assert_eq!(facility(&imported, "eprtr-1113734").sector, "E38.22");
    assert_eq!(facility(&imported, "eprtr-1113773").sector, "C23.51");
    assert_eq!(
        facility(&imported, "eprtr-1234780").sector,
        "C22.11",
        "the list's `;` written as `,`"
    );
    let linz = facility(&imported, "eprtr-1341952");
    assert_eq!(linz.sector, "C24.10");
    // MTonnes are million tonnes: Linz's 8.66 is the 8 660 000 t Hotmaps gives for 2014.
    let co2 = stream(linz, "eprtr-1341952-co2");
    assert_eq!(co2.material, "co2_flue_gas");
    assert_eq!(co2.unit, Unit::Tonne);
    assert!((co2.quantity_per_yr - 8_660_000.0).abs() < 1e-3);
    assert_eq!(derived_from(co2), "eprtr:MTonnes");
    assert!(co2.description.contains("8.66 Mt"), "{}", co2.description);
    assert_eq!(imported.summary.sites_mapped(), (6, 0));
    assert_eq!(
        imported.summary.streams.get("CO2 (E-PRTR) -> co2_flue_gas"),
        Some(&6)
    );
}

#[test]
fn eprtr_rows_that_cannot_be_read_are_skipped_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("co2.csv");
    let text = std::fs::read_to_string(fixture("eprtr_2014_co2_excerpt.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    // Line 3: no longitude; line 5: an unknown activity (kept, not mapped); line 6: a bad number.
    let no_lon = lines[2].replace(";7.570646783;", ";;");
    let unknown = lines[4].replace("Manufacture of cement", "Making of cement");
    let bad = lines[5].replace(";0.269;", ";n/a;");
    lines[2] = &no_lon;
    lines[4] = &unknown;
    lines[5] = &bad;
    std::fs::write(&path, lines.join("\n")).unwrap();
    let imported = registers::import(&path, Register::EprtrCo2, "E-PRTR").unwrap();
    let problems: Vec<(u64, Option<&str>)> = imported
        .report
        .problems
        .iter()
        .map(|p| (p.line().unwrap(), p.column.as_deref()))
        .collect();
    assert_eq!(
        problems,
        [(3, Some("longitude")), (6, Some("mtonnes"))],
        "{}",
        imported.report
    );
    assert_eq!(imported.region.facilities.len(), 4);
    assert_eq!(
        imported.summary.sectors.get("Making of cement"),
        Some(&(None, 1))
    );
    assert_eq!(
        facility(&imported, "eprtr-1113773").sector,
        "Making of cement"
    );
}

#[test]
fn hotmaps_rows_without_an_id_twice_or_without_a_place_are_skipped_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotmaps.csv");
    let text = std::fs::read_to_string(fixture("hotmaps_excerpt.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let id_of = |l: &str| l.split(',').next().unwrap().to_owned();
    let first_id = id_of(lines[1]);
    // Line 3: the id of line 2 again; line 4: no id; line 5: no latitude (the second last
    // column).
    let again = lines[2].replacen(&id_of(lines[2]), &first_id, 1);
    let no_id = lines[3].replacen(&id_of(lines[3]), "", 1);
    let mut cells: Vec<&str> = lines[4].split(',').collect();
    let n = cells.len();
    cells[n - 2] = "";
    let no_lat = cells.join(",");
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    out[2] = again;
    out[3] = no_id;
    out[4] = no_lat;
    // Windows line ends: each line still named as its own.
    std::fs::write(&path, out.join("\r\n")).unwrap();
    let imported = registers::import(&path, Register::Hotmaps, "Hotmaps").unwrap();
    let problems: Vec<(u64, Option<&str>, &str)> = imported
        .report
        .problems
        .iter()
        .map(|p| (p.line().unwrap(), p.column.as_deref(), p.message.as_str()))
        .collect();
    // Line 9 of the excerpt has no position of its own.
    assert_eq!(problems.len(), 4, "{}\n{problems:?}", imported.report);
    assert_eq!(problems[0].0, 3);
    assert_eq!(problems[0].1, Some("siteid"));
    assert_eq!(
        problems[0].2,
        format!("site id `{first_id}` already on line 2; row skipped")
    );
    assert_eq!(
        (problems[1].0, problems[1].2),
        (4, "no site id; row skipped")
    );
    assert_eq!((problems[2].0, problems[2].1), (5, Some("lat")));
    assert_eq!((problems[3].0, problems[3].1), (9, Some("lat")));
    assert_eq!(imported.region.facilities.len(), lines.len() - 1 - 4);
}

#[test]
fn finnish_rows_of_a_facility_not_in_the_table_are_skipped_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("eprtr_finland");
    for name in [
        "facilities_with_wgs84.csv",
        "releases.csv",
        "waste_transfers.csv",
    ] {
        std::fs::copy(src.join(name), dir.path().join(name)).unwrap();
    }
    let waste = dir.path().join("waste_transfers.csv");
    let text = std::fs::read_to_string(&waste).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header: Vec<String> = lines[0]
        .split(';')
        .map(|h| h.trim().to_lowercase())
        .collect();
    let c_key = header
        .iter()
        .position(|h| h == "facilityid")
        .expect("FacilityID");
    let mut cells: Vec<String> = lines[1].split(';').map(str::to_owned).collect();
    cells[c_key] = "no-such-site".to_owned();
    lines[1] = cells.join(";");
    std::fs::write(&waste, lines.join("\n")).unwrap();
    let imported = registers::import(
        &dir.path().join("facilities_with_wgs84.csv"),
        Register::EprtrFinland,
        "Finland",
    )
    .unwrap();
    let unknown: Vec<&symbiomap::io::csv_import::RowProblem> = imported
        .report
        .problems
        .iter()
        .filter(|p| p.message.contains("is not in the facilities table"))
        .collect();
    // Line 19 of the excerpt names a site the excerpt's facilities table leaves out.
    let lines: Vec<Option<u64>> = unknown.iter().map(|p| p.line()).collect();
    assert_eq!(lines, [Some(2), Some(19)], "{}", imported.report);
    assert!(unknown[0].file.ends_with("waste_transfers.csv"));
    assert_eq!(
        unknown[0].message,
        "facility `no-such-site` is not in the facilities table; row skipped"
    );
}

#[test]
fn finnish_waste_transfers_and_co2_of_the_latest_year_become_streams() {
    // The facilities table chosen alone brings the folder's other tables along.
    let imported = registers::import(
        &fixture("eprtr_finland/facilities_with_wgs84.csv"),
        Register::EprtrFinland,
        "Finland",
    )
    .unwrap();
    let report = &imported.report;
    assert_eq!(report.files.len(), 3, "{report}");
    assert_eq!(imported.region.facilities.len(), 4);

    // Annex I activities to NACE.
    let pulp = facility(&imported, "fi-0000002234");
    assert_eq!(pulp.sector, "C17.11", "6(a) pulp");
    assert_eq!(pulp.name, "Metsä Fibre Oy, Äänekosken sellutehdas");
    assert_eq!(pulp.country.as_deref(), Some("FI"));
    let power = facility(&imported, "fi-0100178732");
    assert_eq!(power.sector, "D35", "1(c) combustion");
    assert_eq!(section(power), Some('D'));
    assert_eq!(
        facility(&imported, "fi-FI_EEA_13312").sector,
        "E38.22",
        "5(a)"
    );
    assert_eq!(
        facility(&imported, "fi-FI_EEA_100003197").sector,
        "E38.21",
        "5(c)"
    );

    // CO2 to air in t/yr, from kg; the latest year reported (2020 for Laanila).
    let co2 = stream(power, "fi-0100178732-co2");
    assert_eq!(co2.material, "co2_flue_gas");
    assert!((co2.quantity_per_yr - 136_000.0).abs() < 1e-6);
    assert!(co2.description.contains("2020"), "{}", co2.description);
    assert!(
        derived_from(co2).contains("releases.csv line 7"),
        "{}",
        derived_from(co2)
    );
    let pulp_co2 = stream(pulp, "fi-0000002234-co2");
    assert!((pulp_co2.quantity_per_yr - 625_000.0).abs() < 1e-6);

    // Waste of the latest year (2021 for Laanila: hazardous, to recovery), per class and
    // treatment; the data has no EWC codes, so none is made up.
    let waste: Vec<&OutputStream> = power
        .outputs
        .iter()
        .filter(|o| o.id.contains("-waste-"))
        .collect();
    assert_eq!(waste.len(), 1, "{:?}", ids(power));
    let hw = waste[0];
    assert_eq!(hw.id, "fi-0100178732-waste-hw-r");
    assert_eq!(hw.material, registers::WASTE_HAZARDOUS);
    assert!(hw.hazardous);
    assert_eq!(hw.ewc_code, None);
    assert!((hw.quantity_per_yr - 64.4).abs() < 1e-9);
    assert!(derived_from(hw).contains("waste_transfers.csv line 13"));
    assert_eq!(
        hw.extra.get("waste_treatment"),
        Some(serde_json::Value::String(
            "R: destined for recovery".to_owned()
        ))
    );
    assert_eq!(
        ids(pulp),
        [
            "fi-0000002234-co2",
            "fi-0000002234-waste-hw-d",
            "fi-0000002234-waste-hw-r",
            "fi-0000002234-waste-nonhw-d",
            "fi-0000002234-waste-nonhw-r",
        ]
    );
    let pulp_nonhw = stream(pulp, "fi-0000002234-waste-nonhw-r");
    assert!(!pulp_nonhw.hazardous);
    assert_eq!(pulp_nonhw.material, registers::WASTE_NON_HAZARDOUS);
    assert!((pulp_nonhw.quantity_per_yr - 138_000.0).abs() < 1e-9);
    // Two transfers of one class and treatment in a year are summed.
    let lt = facility(&imported, "fi-FI_EEA_13312");
    let summed = stream(lt, "fi-FI_EEA_13312-waste-hw-d");
    assert!((summed.quantity_per_yr - 3317.3).abs() < 1e-9);
    assert!(
        summed.description.contains("2 transfers"),
        "{}",
        summed.description
    );

    // The region knows the waste materials it uses.
    let own: Vec<&str> = imported
        .region
        .catalogue
        .materials
        .iter()
        .map(|m| m.key.as_str())
        .collect();
    assert_eq!(
        own,
        [registers::WASTE_HAZARDOUS, registers::WASTE_NON_HAZARDOUS]
    );

    // A transfer of a facility the facilities table does not have: skipped, with its line.
    let skipped: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 1, "{report}");
    assert!(
        skipped[0]
            .starts_with("waste_transfers.csv line 19, column facilityid: facility `0000001111`"),
        "{}",
        skipped[0]
    );
    assert_eq!(
        imported
            .summary
            .streams
            .get("waste hazardous, no EWC code (R) -> eprtr_waste_hazardous"),
        Some(&3)
    );
}

fn symbiomap(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_symbiomap"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn the_import_command_reads_registers_and_reports_the_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("hotmaps_excerpt.csv");
    let input = input.to_str().unwrap();
    let out = dir.path().join("hotmaps.json");
    let o = symbiomap(&["import", input, "-o", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("Hotmaps industrial database: 8 sites imported"),
        "{stderr}"
    );
    assert!(stderr.contains("Iron and steel -> C24.10: 3"), "{stderr}");
    assert!(
        stderr.contains("hotmaps_excerpt.csv line 9, column lat"),
        "{stderr}"
    );
    let region = symbiomap::io::region_file::load(&out).unwrap();
    assert_eq!(region.facilities.len(), 8);
    let steel = &region.facilities[0];
    assert_eq!(steel.sector, "C24.10");
    // Saved and read back, the streams keep their derived marking.
    assert_eq!(
        derived_from(&steel.outputs[0]),
        "hotmaps:Excess_Heat_100-200C"
    );

    // `--register none` reads the same file as a plain facilities table, as before.
    let plain = dir.path().join("plain.json");
    let o = symbiomap(&[
        "import",
        input,
        "--register",
        "none",
        "-o",
        plain.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let region = symbiomap::io::region_file::load(&plain).unwrap();
    assert_eq!(region.facilities[0].sector, "Iron and steel");
    assert!(region.facilities[0].outputs.is_empty());

    // A register named that the file is not: the error names the file and the column.
    let o = symbiomap(&[
        "import",
        input,
        "--register",
        "eprtr-co2",
        "-o",
        plain.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("hotmaps_excerpt.csv") && e.contains("facilityreportid"),
        "{e}"
    );

    // The Finnish folder as a whole.
    let fi = dir.path().join("fi.json");
    let folder = fixture("eprtr_finland");
    let o = symbiomap(&[
        "import",
        folder.to_str().unwrap(),
        "-o",
        fi.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let region = symbiomap::io::region_file::load(&fi).unwrap();
    assert_eq!(region.facilities.len(), 4);
}
