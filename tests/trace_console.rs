//! `run --trace`'s `o` key on a real folder: ancm writes `app_offline.htm`, removes only the file
//! it wrote (on the second `o`, or when the session ends — even one that ends by a drop), and
//! leaves an operator's own `app_offline.htm` alone. Every action is a `note` in the timeline.
use ancm_doctor::live::console::Offline;
use ancm_doctor::live::events::{Event, EventBus};

fn notes(bus: &EventBus) -> Vec<String> {
    bus.snapshot()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::Note { message } => Some(message),
            _ => None,
        })
        .collect()
}

#[test]
fn o_writes_the_file_and_removes_only_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("app_offline.htm");
    let bus = EventBus::new(false);
    let mut offline = Offline::default();
    offline.toggle(dir.path(), &bus);
    let page = std::fs::read_to_string(&file).expect("app_offline.htm written");
    assert!(page.contains("ancm run"), "{page}");
    // Written atomically: no temporary file left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["app_offline.htm"], "{names:?}");
    offline.toggle(dir.path(), &bus);
    assert!(!file.exists(), "second o leaves the file");
    let said = notes(&bus);
    assert!(said[0].starts_with("key o: wrote "), "{said:?}");
    assert!(said[1].starts_with("key o: removed "), "{said:?}");

    // The end of the session removes what ancm wrote …
    offline.toggle(dir.path(), &bus);
    assert!(file.exists());
    offline.clean_up(&bus);
    assert!(!file.exists(), "clean_up leaves the file");
    // … and so does a session that ends without clean_up (an error, a panic).
    let mut dropped = Offline::default();
    dropped.toggle(dir.path(), &bus);
    assert!(file.exists());
    drop(dropped);
    assert!(!file.exists(), "drop leaves the file");
}

#[test]
fn an_operators_own_app_offline_is_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    // ANCM matches the name case-insensitively; so does ancm.
    let theirs = dir.path().join("App_Offline.htm");
    std::fs::write(&theirs, "maintenance until 18:00").expect("write");
    let bus = EventBus::new(false);
    let mut offline = Offline::default();
    offline.toggle(dir.path(), &bus);
    offline.toggle(dir.path(), &bus);
    offline.clean_up(&bus);
    drop(offline);
    assert_eq!(
        std::fs::read_to_string(&theirs).expect("still there"),
        "maintenance until 18:00"
    );
    let said = notes(&bus);
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(
        said.iter().all(|n| n.contains("it is the operator's")),
        "{said:?}"
    );
}
