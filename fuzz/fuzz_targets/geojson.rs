//! Any bytes as a `GeoJSON` file to import: an error or a region that saves and reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use symbiomap::io::geojson;

fuzz_target!(|data: &[u8]| {
    let path = symbiomap_fuzz::file("sites.geojson", data);
    if let Ok((region, report)) = geojson::import(&path, "fuzz") {
        symbiomap_fuzz::check_import(&region, &report);
    }
});
