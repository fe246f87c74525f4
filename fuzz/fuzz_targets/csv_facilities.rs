//! Any bytes as `facilities.csv` (with fixed streams and materials): the import keeps only
//! what a save keeps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use symbiomap_fuzz::{import_and_check, tables, MATERIALS, STREAMS};

fuzz_target!(|data: &[u8]| {
    import_and_check(&tables(data, STREAMS.as_bytes(), MATERIALS.as_bytes()));
});
