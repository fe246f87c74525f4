//! Any text as a region file: an error or a region; a region saves and reads back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use symbiomap::io::region_file;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(region) = region_file::parse(text, std::path::Path::new("fuzz.json")) {
        symbiomap_fuzz::round_trip(&region);
    }
});
