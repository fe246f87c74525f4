//! Saving under faults: a full disk, a read-only file, a folder in the way, a symbolic link,
//! temporary files left by a killed save or by a process whose id comes round again. Each
//! time the file on disk is the old one or the whole new one, and the error names the file.
//! (`tests/cli.rs` kills a save while it writes.)

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use symbiomap::io::atomic::{write_atomic, write_atomic_with};
use symbiomap::io::region_file;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small_region.json")
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("read the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_full_disk_keeps_the_old_file_and_names_the_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("region.json");
    fs::write(&path, "the old region").unwrap();
    // The writer fails as a full disk makes it fail, half-way through.
    let err = write_atomic_with(&path, |w| {
        w.write_all(&vec![b'x'; 100_000])?;
        Err(io::Error::from_raw_os_error(28))
    })
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("No space left on device"), "{message}");
    assert!(
        message.contains(".region.json.tmp-"),
        "names the file: {message}"
    );
    assert_eq!(fs::read(&path).unwrap(), b"the old region");
    assert_eq!(names(dir.path()), ["region.json"], "temporary removed");
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_not_overwritten() {
    use std::os::unix::fs::PermissionsExt;
    let region = region_file::load(&fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("region.json");
    fs::write(&path, "kept as it is").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let err = region_file::save(&region, &path).unwrap_err().to_string();
    assert!(err.contains("read-only"), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert_eq!(fs::read(&path).unwrap(), b"kept as it is");
    assert_eq!(names(dir.path()), ["region.json"]);
}

#[test]
fn a_folder_in_the_way_is_named() {
    let region = region_file::load(&fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("region.json");
    fs::create_dir(&path).unwrap();
    let err = region_file::save(&region, &path).unwrap_err().to_string();
    assert!(err.contains("is a folder, not a file"), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(path.is_dir());
    assert_eq!(names(dir.path()), ["region.json"]);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_followed_and_stays_a_link() {
    let region = region_file::load(&fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("data")).unwrap();
    let real = dir.path().join("data/region.json");
    fs::write(&real, "old").unwrap();
    let link = dir.path().join("current.json");
    std::os::unix::fs::symlink("data/region.json", &link).unwrap();
    region_file::save(&region, &link).unwrap();
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(region_file::load(&real).unwrap(), region);
    assert_eq!(names(dir.path()), ["current.json", "data"]);
    assert_eq!(names(&dir.path().join("data")), ["region.json"]);
    // A link to a file that does not exist yet creates that file.
    let dangling = dir.path().join("next.json");
    std::os::unix::fs::symlink("data/next.json", &dangling).unwrap();
    write_atomic(&dangling, b"new").unwrap();
    assert_eq!(fs::read(dir.path().join("data/next.json")).unwrap(), b"new");
    assert!(fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
}

/// Temporary files named as an earlier save of this very process id would name them (in a
/// container every process may be number 1): a save still succeeds, and removes those that
/// are old enough to have been left by a killed save.
#[test]
fn temporaries_of_a_repeated_process_id_neither_block_nor_stay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("region.json");
    fs::write(&path, "old").unwrap();
    let pid = std::process::id();
    let hour_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    for n in 0..200 {
        let left = dir.path().join(format!(".region.json.tmp-{pid}-{n}"));
        fs::File::create(&left)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
    // A recent one may be a save in progress elsewhere: it stays.
    let recent = dir.path().join(format!(".region.json.tmp-{pid}-999"));
    fs::write(&recent, "").unwrap();
    // And another file's temporary is not this file's business.
    let other = dir.path().join(".other.json.tmp-1-0");
    fs::File::create(&other)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    write_atomic(&path, b"new").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new");
    let mut want = vec![
        ".other.json.tmp-1-0".to_owned(),
        format!(".region.json.tmp-{pid}-999"),
        "region.json".to_owned(),
    ];
    want.sort();
    assert_eq!(names(dir.path()), want);
}
