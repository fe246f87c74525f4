//! Any bytes as `materials.csv` (with fixed facilities and streams): the import keeps only
//! what a save keeps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use symbiomap_fuzz::{import_and_check, tables, FACILITIES, STREAMS};

fuzz_target!(|data: &[u8]| {
    import_and_check(&tables(FACILITIES.as_bytes(), STREAMS.as_bytes(), data));
});
