//! Atomic file replacement: write a temporary file beside the target, flush it to disk, then
//! rename it over the target. A crash or kill at any moment leaves either the old file or the
//! new one, never a mix; a failed write removes the temporary file and keeps the old one.
//!
//! - A target that is a symbolic link is followed: the file it points to is replaced and the
//!   link stays a link.
//! - A read-only target is refused rather than replaced (a rename would replace it silently),
//!   and so is a folder.
//! - Temporary files are named `.<name>.tmp-<nonce>-<pid>-<n>`: the nonce (time and a random
//!   number) keeps them unique when process ids repeat, as they do in containers, where every
//!   process may be number 1. A save first removes the temporary files of its target that a
//!   killed save left behind, once they are [`STALE_AFTER`] old.
//! - Every error says which file and what step failed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

/// Temporary files of a target older than this are taken as left by a save that was killed.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);

/// Symbolic links followed before giving up (the limit Linux uses).
const MAX_LINKS: usize = 40;

/// Replaces `path` with `bytes` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Replaces `path` with what `write` produces, atomically. The writer is buffered.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let target = resolve_links(path)?;
    let existing = match fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(context(&e, &format!("cannot read {}", target.display()))),
    };
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{} is a folder, not a file", target.display()),
            ));
        }
        if meta.permissions().readonly() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is read-only: not overwritten (make it writable, or save under another name)",
                    target.display()
                ),
            ));
        }
    }
    remove_stale_temporaries(&target, STALE_AFTER);
    let (tmp, file) = create_temporary(&target)?;
    let result = (|| {
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        // Keep the permissions of the file being replaced.
        if let Some(meta) = &existing {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(context(&e, &format!("cannot write {}", tmp.display())));
    }
    if let Err(e) = fs::rename(&tmp, &target) {
        let _ = fs::remove_file(&tmp);
        return Err(context(
            &e,
            &format!("cannot rename {} to {}", tmp.display(), target.display()),
        ));
    }
    sync_parent(&target);
    Ok(())
}

/// `err` with `what` in front of its message, its kind kept.
fn context(err: &io::Error, what: &str) -> io::Error {
    io::Error::new(err.kind(), format!("{what}: {err}"))
}

/// The file `path` names after following symbolic links (`path` itself if it is none). A link
/// to a file that does not exist yet gives that file.
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let to = fs::read_link(&current).map_err(|e| {
                    context(&e, &format!("cannot read the link {}", current.display()))
                })?;
                current = match current.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{}: more than {MAX_LINKS} symbolic links in a row (a loop?)",
            path.display()
        ),
    ))
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned())
}

/// The prefix of every temporary file of `target`.
fn temp_prefix(target: &Path) -> String {
    format!(".{}.tmp-", file_name_of(target))
}

/// A number that differs between processes and calls: the clock's nanoseconds mixed with the
/// standard library's per-process random hash keys.
fn nonce() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(nanos);
    h.finish()
}

/// Creates `.<name>.tmp-<nonce>-<pid>-<n>` beside `target` (same file system, so the rename
/// is atomic), never opening a file that exists.
fn create_temporary(target: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = folder_of(target);
    let mut last = None;
    for _ in 0..8 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{}{:016x}-{}-{n}",
            temp_prefix(target),
            nonce(),
            std::process::id()
        );
        let tmp = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((tmp, e)),
            Err(e) => {
                let why = if e.kind() == io::ErrorKind::NotFound {
                    format!("the folder {} does not exist", dir.display())
                } else {
                    format!("cannot create the temporary file {}", tmp.display())
                };
                return Err(context(&e, &why));
            }
        }
    }
    let (tmp, e) = last.unwrap_or_else(|| {
        (
            dir.join(temp_prefix(target)),
            io::Error::from(io::ErrorKind::AlreadyExists),
        )
    });
    Err(context(
        &e,
        &format!("cannot create a temporary file such as {}", tmp.display()),
    ))
}

/// Removes temporary files of `target` last modified more than `age` ago: left by a save that
/// was killed before it could clean up. Best effort: what cannot be removed stays.
pub fn remove_stale_temporaries(target: &Path, age: Duration) {
    let prefix = temp_prefix(target);
    let Ok(entries) = fs::read_dir(folder_of(target)) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let old = entry
            .metadata()
            .ok()
            .filter(fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|d| d >= age);
        if old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Makes the rename itself durable (best effort: not every platform can open a folder).
fn sync_parent(path: &Path) {
    if let Ok(d) = File::open(folder_of(path)) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("region.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(names(dir.path()), ["region.json"]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("region.json");
        write_atomic(&path, b"the old region").unwrap();
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"half of the new reg")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().ends_with(": disk full"), "{err}");
        assert!(err.to_string().contains(".region.json.tmp-"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"the old region");
        assert_eq!(names(dir.path()), ["region.json"], "temporary removed");
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/folder/region.json");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert!(err.to_string().contains("no/such/folder"), "{err}");
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn temporary_names_differ_even_with_the_same_process_and_counter() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.json");
        let (a, _) = create_temporary(&target).unwrap();
        let (b, _) = create_temporary(&target).unwrap();
        assert_ne!(a, b);
        // The writer's process id is the second field from the end, as the recovery folder's
        // clean-up reads it.
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(".r.json.tmp-"), "{name}");
        assert_eq!(
            name.rsplit('-').nth(1),
            Some(std::process::id().to_string().as_str())
        );
    }
}
