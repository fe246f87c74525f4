//! Any bytes as `streams.csv` (with fixed facilities and materials): the import keeps only
//! what a save keeps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use symbiomap_fuzz::{import_and_check, tables, FACILITIES, MATERIALS};

fuzz_target!(|data: &[u8]| {
    import_and_check(&tables(FACILITIES.as_bytes(), data, MATERIALS.as_bytes()));
});
