//! What the fuzz targets share: files in a scratch folder of the process (the readers read
//! files), the tables that go with the one being fuzzed, and the checks every import must
//! pass whatever its input.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use symbiomap::io::csv_import::{self, CsvSources, ImportReport};
use symbiomap::io::region_file;
use symbiomap::model::Region;

/// `facilities.csv` beside a fuzzed `streams.csv`.
pub const FACILITIES: &str =
    "id,name,sector,lat,lon\n1,a,steel,50,4\n2,b,cement,50.1,4.1\n3,c,C23.51,50.2,4\n";
/// `streams.csv` beside a fuzzed `facilities.csv` or `materials.csv`.
pub const STREAMS: &str = "facility_id,direction,material,quantity,unit,cost\n1,output,ash,100,t,20\n2,input,ash,100,t,30\n3,input,slag,5,t,10\n";
/// `materials.csv` beside a fuzzed `facilities.csv` or `streams.csv`.
pub const MATERIALS: &str =
    "material,transport_eur_per_tkm,processing_eur_per_t,detour\nash,0.1,5,1.3\nslag,0.2,1,1.2\n";

/// A folder of this process for the fuzzed files.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("symbiomap-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    })
}

/// Writes `bytes` as `name` in the scratch folder.
pub fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, bytes).expect("write a scratch file");
    path
}

/// The three tables as files, the fuzzed ones given.
pub fn tables(facilities: &[u8], streams: &[u8], materials: &[u8]) -> CsvSources {
    CsvSources {
        facilities: file("facilities.csv", facilities),
        streams: Some(file("streams.csv", streams)),
        materials: Some(file("materials.csv", materials)),
    }
}

/// What every import must give, whatever it read: a region that saves (nothing the region
/// file would refuse), that reads back equal, and a report whose counts add up.
pub fn check_import(region: &Region, report: &ImportReport) {
    let problems = region_file::validate(region);
    assert!(
        problems.is_empty(),
        "the import kept what the save refuses: {problems:?}\n{report}"
    );
    for f in &report.files {
        assert!(f.kept <= f.rows, "{report}");
    }
    round_trip(region);
}

/// A region written as a file and read back is the same region, and writes the same text.
pub fn round_trip(region: &Region) {
    let text = region_file::to_text(region).expect("a valid region writes");
    let back = region_file::parse(&text, Path::new("fuzz.json"))
        .unwrap_or_else(|e| panic!("a saved region does not load: {e}\n{text}"));
    assert_eq!(&back, region, "read back differently:\n{text}");
    assert_eq!(
        region_file::to_text(&back).expect("writes"),
        text,
        "written differently the second time"
    );
}

/// Imports the tables and checks the result.
pub fn import_and_check(sources: &CsvSources) {
    if let Ok(imported) = csv_import::import(sources, "fuzz") {
        check_import(&imported.region, &imported.report);
    }
}
