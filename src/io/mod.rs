//! File formats: the region file, CSV, `GeoJSON` and register import, `GeoJSON` and candidate CSV export,
//! atomic writes.

pub mod atomic;
pub mod candidates_csv;
pub mod csv_import;
pub mod fixed;
pub mod geojson;
pub mod json_path;
pub mod merge;
pub mod projects;
pub mod region_file;
pub mod registers;
pub mod values;
