//! The document and its undo history are core: a script edits a region as the app does, without
//! the desktop app (this test runs in `cargo test --no-default-features` too).

use std::path::Path;

use symbiomap::document::{Document, Edit};
use symbiomap::io::region_file;

#[test]
fn a_script_drafts_an_agreement_undoes_it_and_redoes_it() {
    let region =
        region_file::load(Path::new("sample-regions/scheldt-valley.json")).expect("sample");
    let mut doc = Document::new(region, None).expect("document");
    let index = doc
        .region
        .projects
        .iter()
        .position(|p| p.id == "J4")
        .expect("J4 has no agreement yet");
    assert!(doc.region.projects[index].agreement.is_none());
    let project = &doc.region.projects[index];
    let candidate =
        symbiomap::agreement::project_candidate(&doc.engine, &doc.region, project).expect("pair");
    let (sf, si) = doc.region.output_index("SV01-flyash").expect("stream");
    let (nf, ni) = doc.region.need_index("SV03-cement").expect("need");
    let mut with_terms = project.clone();
    with_terms.agreement = Some(symbiomap::agreement::draft(
        &candidate,
        &doc.region.facilities[sf].outputs[si],
        &doc.region.facilities[nf].needs[ni],
    ));
    doc.edit(
        Edit::SetProject {
            index,
            project: Box::new(with_terms),
        },
        None,
        0.0,
    )
    .expect("applied");
    assert!(doc.dirty);
    assert!(doc.region.projects[index].agreement.is_some());
    let label = doc.undo().expect("undo").expect("a step");
    assert!(label.contains("Edit project"), "{label}");
    assert!(doc.region.projects[index].agreement.is_none());
    doc.redo().expect("redo");
    let drafted = doc.region.projects[index]
        .agreement
        .as_ref()
        .expect("again");
    assert_eq!(
        drafted.max_per_yr,
        Some(28_000.0),
        "three significant figures of 27 984 t"
    );
}
