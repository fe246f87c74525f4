//! Any bytes as the screen's three tables (split at the byte 0x1E: facilities, streams,
//! materials; a part not given is a fixed table): the screen reads the same facilities and
//! stream rows as the import from the same bytes, and its search runs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use symbiomap::io::csv_import;
use symbiomap::screen::ScreenTables;
use symbiomap_fuzz::{check_import, tables, FACILITIES, MATERIALS, STREAMS};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0x1e); // ASCII record separator
    let facilities = parts.next().unwrap_or(FACILITIES.as_bytes());
    let streams = parts.next().unwrap_or(STREAMS.as_bytes());
    let materials = parts.next().unwrap_or(MATERIALS.as_bytes());
    let sources = tables(facilities, streams, materials);
    let screened = ScreenTables::load(&sources);
    let imported = csv_import::import(&sources, "fuzz");
    match (&screened, &imported) {
        (Ok(s), Ok(i)) => {
            check_import(&i.region, &i.report);
            assert_eq!(
                s.facilities(),
                i.region.facilities.len(),
                "facilities kept\nscreen:\n{}\nimport:\n{}",
                s.report,
                i.report
            );
            assert_eq!(
                s.stream_rows,
                i.stream_rows.len(),
                "stream rows\nscreen:\n{}\nimport:\n{}",
                s.report,
                i.report
            );
        }
        (Err(_), Err(_)) => {}
        (s, i) => panic!(
            "one reader failed: screen {:?}, import {:?}",
            s.as_ref().err().map(ToString::to_string),
            i.as_ref().err().map(ToString::to_string)
        ),
    }
    if let Ok(s) = screened {
        let screen = s.index();
        let totals = screen.totals();
        assert_eq!(totals.pairs as usize, screen.pairs().len());
    }
});
