//! The screen (`symbiomap screen`, `symbiomap bench`): the peers' pairs on their fixture, the
//! engine's pairs and a brute-force oracle's on random tables, whatever the file's line endings,
//! quoting and number of parsing tasks, and the import's messages for bad rows.

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use symbiomap::io::csv_import::{self, CsvSources, FlowRef};
use symbiomap::matching::{Engine, PairHit, SearchOptions};
use symbiomap::screen::{Screen, ScreenTables};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peer_n1000_s42")
}

fn screen(dir: &Path) -> Screen {
    let tables = ScreenTables::load(&CsvSources::folder(dir)).expect("the tables load");
    assert!(tables.report.problems.is_empty(), "{}", tables.report);
    tables.index()
}

/// `output_row,input_row,d_road_km,net_value` lines, as the peers write them.
fn screen_lines(screen: &Screen) -> Vec<String> {
    screen
        .pairs()
        .iter()
        .map(|p| {
            format!(
                "{},{},{:.6},{:.6}",
                p.output_row, p.input_row, p.distance_km, p.net_value_per_unit
            )
        })
        .collect()
}

/// The engine's viable pairs after a full import, as (output row, input row, km, value).
fn engine_pairs(dir: &Path) -> Vec<(u32, u32, f64, f64)> {
    let imported = csv_import::import(&CsvSources::folder(dir), "engine").expect("import");
    let engine = Engine::new(&imported.region).expect("engine");
    let hits: Vec<PairHit> = engine.search(&imported.region, &SearchOptions::default());
    let row_of: HashMap<FlowRef, usize> = imported
        .stream_rows
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, i))
        .collect();
    let mut out: Vec<(u32, u32, f64, f64)> = hits
        .iter()
        .filter(|h| h.viable)
        .map(|h| {
            let s = &engine.supplies[h.supply as usize];
            let d = &engine.demands[h.demand as usize];
            let o = row_of[&FlowRef::Output {
                facility: s.facility,
                index: s.stream,
            }];
            let i = row_of[&FlowRef::Need {
                facility: d.facility,
                index: d.need,
            }];
            (o as u32, i as u32, h.distance_km, h.net_value_per_unit)
        })
        .collect();
    out.sort_by_key(|r| (r.0, r.1));
    out
}

fn assert_same_as_engine(dir: &Path, what: &str) {
    let ours = screen(dir).pairs();
    let theirs = engine_pairs(dir);
    assert_eq!(ours.len(), theirs.len(), "{what}: pair count");
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!((a.output_row, a.input_row), (b.0, b.1), "{what}");
        assert!((a.distance_km - b.2).abs() < 1e-9, "{what}: {a:?} {b:?}");
        assert!(
            (a.net_value_per_unit - b.3).abs() < 1e-9,
            "{what}: {a:?} {b:?}"
        );
    }
}

#[test]
fn screen_finds_exactly_the_peers_pairs() {
    let s = screen(&fixture());
    assert_eq!(s.tables.facilities(), 1000);
    assert_eq!(s.tables.stream_rows, 3985);
    let ours = screen_lines(&s);
    let reference = std::fs::read_to_string(fixture().join("pairs_numpy_brute.csv")).unwrap();
    let theirs: Vec<&str> = reference.lines().skip(1).collect();
    assert_eq!(ours.len(), 27_398);
    assert_eq!(ours.len(), theirs.len());
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(a, b);
    }
    let totals = s.totals();
    assert_eq!(totals.pairs, 27_398);
    let raw = totals.net_value_sum.value();
    assert_eq!(format!("{:.2}", (raw * 100.0).round() / 100.0), "36999.55");
    assert!((raw - 36_999.549_450).abs() < 1e-3, "{raw}");
}

#[test]
fn screen_and_engine_agree_on_the_fixture() {
    assert_same_as_engine(&fixture(), "fixture");
}

#[test]
fn one_thread_and_many_give_the_same_pairs() {
    let many = screen(&fixture()).pairs();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    // One thread also cuts the files into fewer parsing tasks.
    let one = pool.install(|| screen(&fixture()).pairs());
    assert_eq!(many, one);
}

/// The fixture rewritten with CRLF line ends, blank lines and (in one file) quoted names with
/// a comma, which sends that file through the csv parser: the same pairs, row for row.
#[test]
fn line_ends_blank_lines_and_quotes_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["facilities.csv", "streams.csv", "materials.csv"] {
        let text = std::fs::read_to_string(fixture().join(name)).unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            let line = if name == "facilities.csv" && i > 0 {
                // id,name,sector,lat,lon: quote the name and give it a comma.
                let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
                cells[1] = format!("\"{}, Ltd\"", cells[1]);
                cells.join(",")
            } else {
                line.to_owned()
            };
            out.push_str(&line);
            out.push_str("\r\n");
            if i % 97 == 5 {
                out.push_str("\r\n");
            }
        }
        std::fs::write(dir.path().join(name), out).unwrap();
    }
    assert_eq!(
        screen_lines(&screen(dir.path())),
        screen_lines(&screen(&fixture()))
    );
}

/// Random tables of the peers' kind: the screen against a plain double loop and against the
/// engine.
#[test]
fn screen_equals_brute_force_and_engine_on_random_tables() {
    for seed in 0..12u64 {
        let dir = tempfile::tempdir().unwrap();
        let spread_deg = [0.05, 0.5, 5.0, 40.0][seed as usize % 4];
        let want = common::random_peer_tables(dir.path(), seed + 100, 400, spread_deg, "F");
        assert_eq!(screen_lines(&screen(dir.path())), want, "seed {seed}");
        assert_same_as_engine(dir.path(), &format!("seed {seed}"));
    }
}

#[test]
fn bad_rows_are_reported_with_file_line_and_column_and_the_rest_is_screened() {
    let dir = tempfile::tempdir().unwrap();
    let mut fac = String::from("id,name,lat,lon\n");
    for i in 0..400 {
        writeln!(fac, "{i},site {i},{},{}", 50.0 + f64::from(i) * 0.001, 4.0).unwrap();
    }
    fac.push_str("400,too far north,95,4\n"); // line 402
    fac.push_str("7,again,50,4\n"); // line 403: a second facility 7
    let mut streams = String::from("facility_id,direction,material,quantity,unit,cost\n");
    for i in 0..400 {
        let dir = if i % 2 == 0 { "output" } else { "input" };
        writeln!(streams, "{i},{dir},ash,100,t,20").unwrap();
    }
    streams.push_str("999,output,ash,1,t,1\n"); // line 402: unknown facility
    streams.push_str("1,sideways,ash,1,t,1\n"); // 403
    streams.push_str("1,input,ash,-5,t,1\n"); // 404
    streams.push_str("1,input,ash,5,t,cheap\n"); // 405
    streams.push_str("1,input,slag,5,t,1\n"); // 406: not in materials.csv
    streams.push_str("1,input,ash,5,m3,1\n"); // 407: ash is priced per t
    streams.push_str("1,input,gravel,5,t,1\n"); // 408: no transport cost
    std::fs::write(dir.path().join("facilities.csv"), fac).unwrap();
    std::fs::write(dir.path().join("streams.csv"), streams).unwrap();
    std::fs::write(
        dir.path().join("materials.csv"),
        "material,transport_eur_per_tkm,processing_eur_per_t,detour\nash,0.1,5,1.3\ngravel,,1,1.2\n",
    )
    .unwrap();

    let tables = ScreenTables::load(&CsvSources::folder(dir.path())).unwrap();
    let report = tables.report.to_string();
    let expect = [
        ("facilities.csv", 402, "lat", "95 is not a latitude"),
        ("facilities.csv", 403, "id", "duplicate facility id `7`"),
        ("streams.csv", 402, "facility_id", "unknown facility `999`"),
        (
            "streams.csv",
            403,
            "direction",
            "`sideways` is not output or input",
        ),
        ("streams.csv", 404, "quantity", "negative quantity -5"),
        ("streams.csv", 405, "cost", "`cheap` is not a number"),
        (
            "streams.csv",
            406,
            "material",
            "`slag` is not in materials.csv",
        ),
        (
            "streams.csv",
            407,
            "unit",
            "quantity in m3, material `ash` in t",
        ),
        (
            "streams.csv",
            408,
            "material",
            "gives `gravel` no transport cost",
        ),
    ];
    assert_eq!(tables.report.problems.len(), expect.len(), "{report}");
    for (p, (file, line, column, text)) in tables.report.problems.iter().zip(expect) {
        assert!(p.file.ends_with(file), "{p:?}");
        assert_eq!(p.line(), Some(line), "{p:?}");
        assert_eq!(p.column.as_deref(), Some(column), "{p:?}");
        assert!(p.message.contains(text), "{p:?}");
    }
    assert_eq!(tables.facilities(), 400);
    assert_eq!(tables.stream_rows, 407);
    assert_eq!(tables.flows(), (200, 200));
    // The good rows are screened: every ash output with every ash input of another site
    // within break-even ((20 + 20 - 5) / 0.1 = 350 km; the sites span 44 km).
    let s = tables.index();
    assert_eq!(s.totals().pairs, 200 * 200);
}

#[test]
fn missing_materials_table_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("facilities.csv"), "id,lat,lon\n1,50,4\n").unwrap();
    std::fs::write(
        dir.path().join("streams.csv"),
        "facility_id,direction,material,quantity\n1,output,ash,1\n",
    )
    .unwrap();
    let Err(e) = ScreenTables::load(&CsvSources::folder(dir.path())) else {
        panic!("a screen without materials.csv");
    };
    let text = e.to_string();
    assert!(text.contains("materials.csv"), "{text}");
    assert!(text.contains("transport cost"), "{text}");
}
/// More materials than a 16-bit index holds: material 65 536 is not material 0, nor 65 537
/// material 1. Only the pair of the same material is found, under its own name.
#[test]
fn materials_past_65_536_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let count = 65_536 + 8;
    let mut materials =
        String::from("material,transport_eur_per_tkm,processing_eur_per_t,detour\n");
    for i in 0..count {
        writeln!(materials, "m{i},0.1,0,1.3").unwrap();
    }
    std::fs::write(dir.path().join("materials.csv"), materials).unwrap();
    std::fs::write(
        dir.path().join("facilities.csv"),
        "id,lat,lon\n1,50,4\n2,50,4.01\n3,50,4.02\n4,50,4.03\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("streams.csv"),
        "facility_id,direction,material,quantity,unit,cost\n\
         1,output,m0,100,t,20\n\
         2,input,m65536,100,t,20\n\
         3,output,m65537,100,t,20\n\
         4,input,m1,100,t,20\n\
         4,input,m65537,100,t,20\n",
    )
    .unwrap();
    let screen = screen(dir.path());
    let pairs = screen.pairs();
    let found: Vec<(u32, u32, &str)> = pairs
        .iter()
        .map(|p| {
            let key = screen.tables.materials[p.material as usize].key.as_str();
            (p.output_row, p.input_row, key)
        })
        .collect();
    assert_eq!(found, [(2, 4, "m65537")]);
}

/// The fixture with CR-only line ends, Latin-1 facility ids (`Café-1`: é is the byte 0xE9)
/// and a UTF-8 byte-order mark: the import and the screen read the same facilities, streams
/// and pairs from the same bytes, and the same pairs as from the plain files.
#[test]
fn import_and_screen_read_the_same_bytes_alike() {
    let dir = tempfile::tempdir().unwrap();
    let latin1_id = |id: &str| {
        let mut b = b"Caf\xe9-".to_vec();
        b.extend_from_slice(id.as_bytes());
        b
    };
    for name in ["facilities.csv", "streams.csv", "materials.csv"] {
        let text = std::fs::read_to_string(fixture().join(name)).unwrap();
        let mut out: Vec<u8> = Vec::new();
        if name == "materials.csv" {
            out.extend_from_slice(b"\xef\xbb\xbf");
        }
        for (i, line) in text.lines().enumerate() {
            match line.split_once(',') {
                // The id (facilities) or the facility id (streams) is the first cell.
                Some((first, rest)) if i > 0 && name != "materials.csv" => {
                    out.extend_from_slice(&latin1_id(first));
                    out.push(b',');
                    out.extend_from_slice(rest.as_bytes());
                }
                _ => out.extend_from_slice(line.as_bytes()),
            }
            out.push(b'\r');
        }
        std::fs::write(dir.path().join(name), out).unwrap();
    }
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "cr").unwrap();
    assert!(imported.report.problems.is_empty(), "{}", imported.report);
    let tables = ScreenTables::load(&CsvSources::folder(dir.path())).unwrap();
    assert!(tables.report.problems.is_empty(), "{}", tables.report);
    assert_eq!(tables.facilities(), 1000);
    assert_eq!(imported.region.facilities.len(), 1000);
    assert_eq!(tables.stream_rows, imported.stream_rows.len());
    assert_eq!(imported.region.facilities[0].id, "Café-1");
    let s = tables.index();
    assert_eq!(s.facility_id(0), "Café-1");
    assert_eq!(screen_lines(&s), screen_lines(&screen(&fixture())));
    assert_same_as_engine(dir.path(), "CR line ends, Latin-1 ids");
}

/// A table saved as UTF-16 is named as such by both readers.
#[test]
fn utf16_tables_are_named_as_utf16() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture().join("facilities.csv")).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.path().join("facilities.csv"), utf16).unwrap();
    for name in ["streams.csv", "materials.csv"] {
        std::fs::copy(fixture().join(name), dir.path().join(name)).unwrap();
    }
    let Err(e) = csv_import::import(&CsvSources::folder(dir.path()), "utf16") else {
        panic!("a UTF-16 table imported");
    };
    assert!(
        e.to_string().contains("facilities.csv: the file is UTF-16"),
        "{e}"
    );
    let Err(e) = ScreenTables::load(&CsvSources::folder(dir.path())) else {
        panic!("a UTF-16 table screened");
    };
    assert!(
        e.to_string().contains("facilities.csv: the file is UTF-16"),
        "{e}"
    );
}

/// In a CR-only file a bad row is on the same line for both readers.
#[test]
fn a_bad_row_of_a_cr_only_file_is_on_the_same_line_for_both_readers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("facilities.csv"),
        "id,lat,lon\r1,50,4\r2,95,4\r3,50.1,4\r",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("streams.csv"),
        "facility_id,direction,material,quantity\r1,output,ash,5\r3,input,ash,5\r",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("materials.csv"),
        "material,transport_eur_per_tkm\rash,0.1\r",
    )
    .unwrap();
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "cr").unwrap();
    let tables = ScreenTables::load(&CsvSources::folder(dir.path())).unwrap();
    let lines = |r: &csv_import::ImportReport| -> Vec<Option<u64>> {
        r.problems
            .iter()
            .map(csv_import::RowProblem::line)
            .collect()
    };
    assert_eq!(lines(&imported.report), [Some(3)], "{}", imported.report);
    assert_eq!(lines(&tables.report), [Some(3)], "{}", tables.report);
    assert_eq!(imported.region.facilities.len(), 2);
    assert_eq!(tables.facilities(), 2);
}

/// Windows line ends: the csv reader's own line number lags one behind after each CRLF, so
/// both readers named the line before a bad row (small files, and files large enough to be
/// read in chunks, whose rows are wide). Lines are counted from the bytes.
#[test]
fn bad_rows_of_a_crlf_file_are_named_at_their_own_line() {
    for wide in [0usize, 2_000] {
        let dir = tempfile::tempdir().unwrap();
        let mut extra_header = String::new();
        for i in 0..wide {
            write!(extra_header, ",x{i}").unwrap();
        }
        let extra_cells = ",abc".repeat(wide);
        let mut fac = format!("id,lat,lon{extra_header}\r\n");
        for i in 1..=900 {
            let lat = if i == 5 || i == 777 {
                "bad".to_owned()
            } else {
                format!("{}", 50.0 + f64::from(i) * 0.001)
            };
            write!(fac, "{i},{lat},4{extra_cells}\r\n").unwrap();
        }
        if wide > 0 {
            assert!(fac.len() > 4 << 20, "read in chunks");
        }
        std::fs::write(dir.path().join("facilities.csv"), fac).unwrap();
        std::fs::write(
            dir.path().join("streams.csv"),
            "facility_id,direction,material,quantity\r\n1,output,ash,5\r\n2,input,ash,5\r\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("materials.csv"),
            "material,transport_eur_per_tkm\r\nash,0.1\r\n",
        )
        .unwrap();
        let imported = csv_import::import(&CsvSources::folder(dir.path()), "crlf").unwrap();
        let tables = ScreenTables::load(&CsvSources::folder(dir.path())).unwrap();
        for report in [&imported.report, &tables.report] {
            let lines: Vec<Option<u64>> = report
                .problems
                .iter()
                .map(csv_import::RowProblem::line)
                .collect();
            // Row 5 is on line 6 (line 1 is the header).
            assert_eq!(lines, [Some(6), Some(778)], "{report}");
        }
    }
}

/// A quote that never closes swallows every row after it into one cell: both readers say so,
/// at the line where it opens, and keep the rows before it.
#[test]
fn an_unclosed_quote_is_reported_where_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut fac = String::from("id,name,lat,lon\n");
    for i in 1..=20 {
        let name = if i == 5 {
            "\"Acme, Ltd".to_owned()
        } else {
            format!("site {i}")
        };
        writeln!(fac, "{i},{name},{},4", 50.0 + f64::from(i) * 0.001).unwrap();
    }
    std::fs::write(dir.path().join("facilities.csv"), fac).unwrap();
    std::fs::write(
        dir.path().join("streams.csv"),
        "facility_id,direction,material,quantity\n1,output,ash,5\n2,input,ash,5\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("materials.csv"),
        "material,transport_eur_per_tkm\nash,0.1\n",
    )
    .unwrap();
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "quote").unwrap();
    let tables = ScreenTables::load(&CsvSources::folder(dir.path())).unwrap();
    for report in [&imported.report, &tables.report] {
        let text = report.to_string();
        assert_eq!(report.problems.len(), 1, "{text}");
        let p = &report.problems[0];
        assert!(p.file.ends_with("facilities.csv"), "{text}");
        assert_eq!(p.line(), Some(6), "{text}");
        assert!(
            p.message
                .contains("a quote opens on this line and is never closed")
                && p.message.contains("15 more lines"),
            "{text}"
        );
    }
    assert_eq!(imported.region.facilities.len(), 4);
    assert_eq!(tables.facilities(), 4);
}

/// Found by fuzzing (`fuzz/artifacts/screen`): a table without a single line end made the
/// screen's header reader slice past its buffer.
#[test]
fn a_table_without_a_line_end_is_read_by_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("facilities.csv"), "id,lat,lon").unwrap();
    std::fs::write(
        dir.path().join("streams.csv"),
        "facility_id,direction,material,quantity",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("materials.csv"),
        "material,transport_eur_per_tkm",
    )
    .unwrap();
    let tables = ScreenTables::load(&CsvSources::folder(dir.path())).unwrap();
    assert_eq!((tables.facilities(), tables.stream_rows), (0, 0));
    let imported = csv_import::import(&CsvSources::folder(dir.path()), "empty").unwrap();
    assert_eq!(imported.region.facilities.len(), 0);
}

/// The summary (counts, best pairs) and the pairs written a slice of rows at a time are what
/// the list of every pair gives, whatever the slice.
#[test]
fn the_summary_and_the_sliced_pairs_are_the_pairs() {
    let screen = screen(&fixture());
    let all = screen.pairs();
    let summary = screen.summary(25);
    assert_eq!(summary.pairs, all.len() as u64);
    let mut by_material = vec![(0u64, f64::NEG_INFINITY); screen.tables.materials.len()];
    for p in &all {
        let m = &mut by_material[p.material as usize];
        m.0 += 1;
        m.1 = m.1.max(p.net_value_per_unit);
    }
    assert_eq!(summary.by_material, by_material);
    let mut best = all.clone();
    best.sort_by(|a, b| {
        b.net_value_per_unit
            .total_cmp(&a.net_value_per_unit)
            .then(a.output_row.cmp(&b.output_row))
            .then(a.input_row.cmp(&b.input_row))
    });
    best.truncate(25);
    assert_eq!(summary.best, best);
    for held in [1, 7, 1000, usize::MAX] {
        let mut sliced = Vec::new();
        screen
            .for_each_pair_sorted(&summary, held, |p| {
                sliced.push(*p);
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(sliced, all, "{held} pairs at a time");
    }
}
