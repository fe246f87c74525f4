//! Autosave and recovery: the open region is written to a recovery file a few seconds after
//! it changes and whenever the window loses focus, on a worker thread, atomically. A clean
//! exit (or a save that leaves nothing unsaved) removes the file; so one that is still there at
//! the next start belongs to a session that crashed or was killed, and is offered back.
//!
//! The recovery folder holds `recovery-<instance>.json`, one per running app (the instance is
//! the process id), so that two windows do not overwrite each other's work:
//!
//! ```json
//! { "format": "symbiomap-recovery", "saved_at_unix_s": 1764100000, "instance": "4242",
//!   "path": "/home/ann/scheldt.json", "region": { "format_version": 3, ... } }
//! ```

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::io::{atomic, region_file};
use crate::model::Region;

/// Seconds after a change before it is written (unless the window loses focus first).
pub const AUTOSAVE_DELAY_S: f64 = 5.0;

const FORMAT: &str = "symbiomap-recovery";

#[derive(Serialize, Deserialize)]
struct RecoveryFile {
    format: String,
    saved_at_unix_s: u64,
    instance: String,
    #[serde(default)]
    path: Option<PathBuf>,
    region: serde_json::Value,
}

/// Work left behind by a session that did not end cleanly.
#[derive(Clone, Debug)]
pub struct Recoverable {
    pub file: PathBuf,
    pub saved_at_unix_s: u64,
    /// The region file it was opened from, if any.
    pub path: Option<PathBuf>,
    pub region: Region,
}

impl Recoverable {
    /// "12 minutes ago", for the prompt.
    pub fn age(&self) -> String {
        let now = now_unix_s();
        let s = now.saturating_sub(self.saved_at_unix_s);
        match s {
            0..=89 => format!("{s} seconds ago"),
            90..=5399 => format!("{} minutes ago", (s + 30) / 60),
            5400..=129_599 => format!("{} hours ago", (s + 1800) / 3600),
            _ => format!("{} days ago", (s + 43_200) / 86_400),
        }
    }
}

/// A recovery file that could not be read, with why.
#[derive(Clone, Debug)]
pub struct Unreadable {
    pub file: PathBuf,
    pub reason: String,
}

fn now_unix_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The app's autosave.
pub struct Autosave {
    dir: PathBuf,
    instance: String,
    /// The document revision last written (or known to need no file).
    written_revision: Option<u64>,
    /// When the current revision was first seen unsaved, seconds on the app's clock.
    changed_at_s: Option<f64>,
    /// A write in progress: its revision and its result.
    writing: Option<(u64, mpsc::Receiver<Result<(), String>>)>,
    /// The last write's error, shown once.
    pub error: Option<String>,
}

impl Autosave {
    /// `dir`: the recovery folder; `instance`: this process's name in it.
    pub fn new(dir: PathBuf, instance: String) -> Self {
        Self {
            dir,
            instance,
            written_revision: None,
            changed_at_s: None,
            writing: None,
            error: None,
        }
    }

    /// The folder in the app's data directory, named by the process id.
    pub fn for_this_process() -> Option<Self> {
        let dir = eframe::storage_dir("Symbiomap")?.join("recovery");
        Some(Self::new(dir, std::process::id().to_string()))
    }

    pub fn file(&self) -> PathBuf {
        self.dir.join(format!("recovery-{}.json", self.instance))
    }

    /// Called every frame: writes the region when it has been unsaved for
    /// [`AUTOSAVE_DELAY_S`], or at once when `focus_lost`; removes the file when the region
    /// is saved. `revision` identifies the region's state.
    pub fn tick(
        &mut self,
        region: &Region,
        path: Option<&Path>,
        dirty: bool,
        revision: u64,
        now_s: f64,
        focus_lost: bool,
    ) {
        self.poll();
        if !dirty {
            if self.written_revision.is_some() || self.changed_at_s.is_some() {
                self.remove();
            }
            return;
        }
        if self.written_revision == Some(revision) || self.writing.is_some() {
            return;
        }
        let since = *self.changed_at_s.get_or_insert(now_s);
        if focus_lost || now_s - since >= AUTOSAVE_DELAY_S {
            self.write_in_background(region, path, revision);
        }
    }

    /// Writes now and waits (tests; and the last chance before the app gives up a region).
    pub fn write_now(&mut self, region: &Region, path: Option<&Path>, revision: u64) {
        self.write_in_background(region, path, revision);
        self.wait();
    }

    /// Waits for a write in progress.
    pub fn wait(&mut self) {
        if let Some((revision, rx)) = self.writing.take() {
            self.finish(
                revision,
                rx.recv().unwrap_or(Err("the writer stopped".into())),
            );
        }
    }

    fn poll(&mut self) {
        let Some((revision, rx)) = &self.writing else {
            return;
        };
        let revision = *revision;
        match rx.try_recv() {
            Ok(result) => {
                self.writing = None;
                self.finish(revision, result);
            }
            Err(mpsc::TryRecvError::Empty) => {}
            Err(mpsc::TryRecvError::Disconnected) => {
                self.writing = None;
                self.finish(revision, Err("the writer stopped".into()));
            }
        }
    }

    fn finish(&mut self, revision: u64, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.written_revision = Some(revision);
                self.changed_at_s = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn write_in_background(&mut self, region: &Region, path: Option<&Path>, revision: u64) {
        let region = region.clone();
        let path = path.map(Path::to_owned);
        let dir = self.dir.clone();
        let file = self.file();
        let instance = self.instance.clone();
        let (tx, rx) = mpsc::channel();
        let job = move || -> Result<(), String> {
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let region = serde_json::to_value(&region).map_err(|e| e.to_string())?;
            let content = RecoveryFile {
                format: FORMAT.to_owned(),
                saved_at_unix_s: now_unix_s(),
                instance,
                path,
                region,
            };
            let text = serde_json::to_vec(&content).map_err(|e| e.to_string())?;
            atomic::write_atomic(&file, &text).map_err(|e| format!("{}: {e}", file.display()))
        };
        let spawned = std::thread::Builder::new()
            .name("autosave".into())
            .spawn(move || {
                let _ = tx.send(job());
            });
        match spawned {
            Ok(_) => self.writing = Some((revision, rx)),
            Err(e) => self.error = Some(format!("cannot start the autosave: {e}")),
        }
    }

    /// Removes this instance's recovery file (a clean exit, or nothing left unsaved).
    pub fn remove(&mut self) {
        self.wait();
        let _ = std::fs::remove_file(self.file());
        self.written_revision = None;
        self.changed_at_s = None;
    }

    /// Recovery files left by other instances that are not running any more, newest first,
    /// and those that cannot be read. Temporary files of writes that were cut off are removed.
    pub fn left_behind(&self) -> (Vec<Recoverable>, Vec<Unreadable>) {
        let mut found = Vec::new();
        let mut unreadable = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return (found, unreadable);
        };
        for entry in entries.flatten() {
            let file = entry.path();
            let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(rest) = name.strip_prefix(".recovery-") {
                // `.recovery-<instance>.json.tmp-<pid>-<n>`: a write that was cut off.
                let writer = rest.rsplit('-').nth(1).unwrap_or_default();
                if !process_alive(writer) {
                    let _ = std::fs::remove_file(&file);
                }
                continue;
            }
            let Some(instance) = name
                .strip_prefix("recovery-")
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            if instance == self.instance || process_alive(instance) {
                continue;
            }
            match read(&file) {
                Ok(r) => found.push(r),
                Err(reason) => unreadable.push(Unreadable { file, reason }),
            }
        }
        found.sort_by_key(|r| std::cmp::Reverse(r.saved_at_unix_s));
        (found, unreadable)
    }
}

fn read(file: &Path) -> Result<Recoverable, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let content: RecoveryFile = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if content.format != FORMAT {
        return Err(format!("not a recovery file (format `{}`)", content.format));
    }
    let region =
        region_file::parse(&content.region.to_string(), file).map_err(|e| e.to_string())?;
    Ok(Recoverable {
        file: file.to_owned(),
        saved_at_unix_s: content.saved_at_unix_s,
        path: content.path,
        region,
    })
}

/// Whether `instance` names a running process (Linux: `/proc/<pid>`; elsewhere, a file left
/// behind is taken as not running, which at worst offers a live window's work as a copy).
fn process_alive(instance: &str) -> bool {
    let Ok(pid) = instance.parse::<u32>() else {
        return false;
    };
    if pid == std::process::id() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}
