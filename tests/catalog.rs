//! Keeps the check registry and the catalog (`checks/*.md`) one-to-one, and every entry complete.
use ancm_doctor::{catalog, checks, knowledge};
use std::collections::BTreeSet;

#[test]
fn every_check_has_a_catalog_entry_and_vice_versa() {
    let code: BTreeSet<&str> = checks::REGISTRY.iter().map(|c| c.id()).collect();
    assert_eq!(
        code.len(),
        checks::REGISTRY.len(),
        "duplicate check ids in the registry"
    );
    let docs: BTreeSet<&str> = catalog::entries()
        .iter()
        .filter(|e| e.meta.removed.is_none())
        .map(|e| e.meta.id.as_str())
        .collect();
    assert_eq!(code, docs, "registry ids vs catalog ids");
}

#[test]
fn catalog_entries_are_complete_and_agree_with_code() {
    for e in catalog::entries() {
        assert_eq!(
            e.file,
            format!("{}.md", e.meta.id),
            "file name must be the id"
        );
        let headings: Vec<&str> = e.sections.iter().map(|(h, _)| h.as_str()).collect();
        assert_eq!(headings, catalog::SECTIONS, "{}: sections", e.meta.id);
        for (h, text) in &e.sections {
            assert!(!text.is_empty(), "{}: section `{h}` is empty", e.meta.id);
        }
        assert!(
            matches!(e.meta.severity.as_str(), "error" | "warning"),
            "{}: severity",
            e.meta.id
        );
        if let Some(c) = checks::find(&e.meta.id) {
            assert_eq!(
                c.severity().as_str(),
                e.meta.severity,
                "{}: severity vs code",
                e.meta.id
            );
        }
        for s in &e.meta.explains {
            assert!(
                knowledge::knows_symptom(s),
                "{}: `explain` does not know symptom {s}",
                e.meta.id
            );
        }
    }
}
