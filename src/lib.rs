//! Symbiomap: plan industrial symbiosis.
//!
//! The UI-free core: the region [`model`], the material [`catalogue`] and [`reference`] lists,
//! the break-even [`economics`], what may be shown of confidential money ([`disclosure`]), the [`buffer`] storage an exchange needs, the [`spatial`] index
//! and [`matching`] engine, the region's
//! optimal [`plan`], what it depends on ([`resilience`]), and the file formats in [`io`]. The command line ([`cli`]), the tests and the benchmarks use it directly;
//! the desktop app (feature `gui`) is a thin shell over it in `ui`.

pub mod agreement;
pub mod basemap;
pub mod buffer;
pub mod catalogue;
pub mod checks;
pub mod cli;
pub mod date;
pub mod disclosure;
pub mod document;
pub mod economics;
pub mod geodesy;
pub mod hubs;
pub mod intermediary;
pub mod io;
pub mod kinds;
pub mod matching;
pub mod model;
pub mod pipeline;
pub mod plan;
pub mod readiness;
pub mod reference;
pub mod resilience;
pub mod screen;
pub mod spatial;
pub mod streamed;
pub mod summary;
pub mod synth;
pub mod unknown;

#[cfg(feature = "gui")]
pub mod ui;
