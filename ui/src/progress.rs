//! The learner's progress (lessons seen, questions right and wrong, questions due again), kept
//! as JSON in the user's data directory (`$XDG_DATA_HOME/ksim/progress.json`, else
//! `~/.local/share/ksim/progress.json`), never in the project tree.
//!
//! Questions due again follow a Leitner box: a right answer moves a question up one box, a
//! wrong one back to the first; a question in box b comes back after 2^(b-1) quiz sessions. A
//! session is one `ksim quiz` run, so no clock is involved.
//!
//! A file that is not valid progress is never lost silently: it is reported and renamed aside
//! (`progress.json.corrupt-1`, `-2`, …) before a fresh one is written.
//!
//! Several sessions may run at once (a quiz in one terminal, the explorer in another). Each
//! save takes an advisory lock on `progress.json.lock`, reads the file as it is now, adds what
//! this session changed since it loaded (a three-way merge) and writes through a temporary file
//! of its own, so that no session's answers overwrite another's. A read-only progress file is
//! left alone with an error; a symbolic link is followed, and its target replaced.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The highest Leitner box: a question answered right this many times in a row.
pub const LAST_BOX: u32 = 5;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// The file format's version, 1.
    pub version: u32,
    /// How many quiz sessions have been saved.
    pub sessions: u64,
    /// Lessons opened with `ksim learn <lesson>`, by file name without `.toml`.
    pub lessons_seen: BTreeSet<String>,
    /// Every question answered at least once, by id.
    pub questions: BTreeMap<String, QuestionRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionRecord {
    /// The Leitner box, 1 (answered wrong last time) to [`LAST_BOX`].
    #[serde(rename = "box")]
    pub leitner_box: u32,
    pub right: u64,
    pub wrong: u64,
    /// The session in which it was last answered.
    pub last_session: u64,
}

impl QuestionRecord {
    /// Whether the last answer was right (a wrong answer puts the question back in box 1).
    pub fn last_right(&self) -> bool {
        self.leitner_box > 1
    }

    /// Whether the question is due in session `session`: box b waits 2^(b-1) sessions.
    pub fn due_in(&self, session: u64) -> bool {
        let wait = 1u64 << (self.leitner_box.clamp(1, LAST_BOX) - 1);
        session >= self.last_session.saturating_add(wait)
    }
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            version: 1,
            ..Progress::default()
        }
    }

    /// The number of the next quiz session.
    pub fn next_session(&self) -> u64 {
        self.sessions.saturating_add(1)
    }

    /// Whether a question should be asked in the next session: never answered, or due.
    pub fn is_due(&self, id: &str) -> bool {
        self.questions
            .get(id)
            .is_none_or(|record| record.due_in(self.next_session()))
    }

    /// Whether a question answered before is due again in the next session.
    pub fn is_due_again(&self, id: &str) -> bool {
        self.questions
            .get(id)
            .is_some_and(|record| record.due_in(self.next_session()))
    }

    /// The Leitner box of a question, 0 if never answered.
    pub fn leitner_box(&self, id: &str) -> u32 {
        self.questions
            .get(id)
            .map_or(0, |record| record.leitner_box)
    }

    /// Records the answers of one finished session.
    pub fn record_session(&mut self, answers: &[(String, bool)]) {
        self.sessions = self.sessions.saturating_add(1);
        let session = self.sessions;
        for (id, right) in answers {
            let record = self.questions.entry(id.clone()).or_insert(QuestionRecord {
                leitner_box: 1,
                right: 0,
                wrong: 0,
                last_session: session,
            });
            if *right {
                record.right = record.right.saturating_add(1);
                record.leitner_box = record.leitner_box.min(LAST_BOX - 1) + 1;
            } else {
                record.wrong = record.wrong.saturating_add(1);
                record.leitner_box = 1;
            }
            record.last_session = session;
        }
    }
}

/// Where progress is kept: `$XDG_DATA_HOME/ksim` (an absolute path, as the XDG spec asks), else
/// `$HOME/.local/share/ksim`; `None` when neither is set.
pub fn data_dir(get: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let xdg = get("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute());
    let base = xdg.or_else(|| {
        get("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| Path::new(&home).join(".local/share"))
    })?;
    Some(base.join("ksim"))
}

/// The progress file of this user, from the environment.
pub fn default_path() -> Option<PathBuf> {
    data_dir(|name| std::env::var(name).ok()).map(|dir| dir.join("progress.json"))
}

/// The progress a command-line session starts from: the file at the default path, or fresh
/// progress when there is no data directory; a warning about the file goes to stderr.
pub fn load_default(no_save: bool) -> anyhow::Result<(Option<PathBuf>, Progress)> {
    let path = default_path();
    let loaded = match &path {
        Some(path) => load(path, !no_save)?,
        None => Loaded {
            progress: Progress::new(),
            warning: None,
        },
    };
    if let Some(warning) = &loaded.warning {
        eprintln!("warning: {warning}");
    }
    Ok((path, loaded.progress))
}

/// Records a session's answers (question id, right) and saves them at `path`, merged with
/// what another session saved meanwhile.
pub fn record_and_save(
    path: &Path,
    progress: &mut Progress,
    results: &[(String, bool)],
) -> anyhow::Result<()> {
    let base = progress.clone();
    progress.record_session(results);
    save(path, &base, progress).map(|_| ())
}

/// What reading the progress file gave.
#[derive(Debug)]
pub struct Loaded {
    pub progress: Progress,
    /// Said to the user when the file was not valid progress: what was wrong and where the
    /// file went.
    pub warning: Option<String>,
}

/// Reads the progress at `path`; no file is fresh progress. A file that is not valid progress
/// is reported and, when `set_aside` (the session will save), renamed to the first free
/// `<name>.corrupt-<n>` so that saving cannot overwrite it.
pub fn load(path: &Path, set_aside: bool) -> anyhow::Result<Loaded> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Ok(Loaded {
                progress: Progress::new(),
                warning: None,
            });
        }
        Err(error) => {
            return Err(error).with_context(|| format!("reading progress {}", path.display()));
        }
    };
    let problem = match parse(&bytes) {
        Ok(progress) => {
            return Ok(Loaded {
                progress,
                warning: None,
            });
        }
        Err(problem) => problem,
    };
    let warning = if set_aside {
        let aside = free_aside_path(path);
        fs::rename(path, &aside).with_context(|| {
            format!(
                "progress {} is not valid ({problem}) and cannot be moved aside",
                path.display()
            )
        })?;
        format!(
            "progress {} is not valid ({problem}); moved it to {} and started afresh",
            path.display(),
            aside.display()
        )
    } else {
        format!(
            "progress {} is not valid ({problem}); left as it is, and nothing is saved this time",
            path.display()
        )
    };
    Ok(Loaded {
        progress: Progress::new(),
        warning: Some(warning),
    })
}

/// The progress in `bytes`, or what is wrong with it: not JSON of the right shape, an unknown
/// version, or a value out of its range (a box past [`LAST_BOX`], a session not yet held).
fn parse(bytes: &[u8]) -> Result<Progress, String> {
    let progress = serde_json::from_slice::<Progress>(bytes).map_err(|e| e.to_string())?;
    if progress.version != 1 {
        return Err(format!("unknown version {}, expected 1", progress.version));
    }
    for (id, record) in &progress.questions {
        if !(1..=LAST_BOX).contains(&record.leitner_box) {
            return Err(format!(
                "question {id} has box {}, expected 1 to {LAST_BOX}",
                record.leitner_box
            ));
        }
        if record.last_session > progress.sessions {
            return Err(format!(
                "question {id} was last answered in session {}, after the last session {}",
                record.last_session, progress.sessions
            ));
        }
    }
    Ok(progress)
}

/// `progress.json.corrupt-<n>` with the smallest n not taken.
fn free_aside_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "progress.json".to_string());
    (1u32..)
        .map(|n| path.with_file_name(format!("{name}.corrupt-{n}")))
        .find(|candidate| !candidate.exists())
        .expect("some number is free")
}

/// Saves what this session changed, from `base` (the progress it loaded or last saved) to
/// `progress`, into the file as it is now, and returns the merged progress (the next `base`).
/// Under an advisory lock, so that concurrent sessions take turns; written to a temporary file
/// of this process first and renamed, so that a crash mid-write leaves the old file whole.
pub fn save(path: &Path, base: &Progress, progress: &Progress) -> anyhow::Result<Progress> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let target = writable_target(path)?;
    let lock_path = append(&target, ".lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("opening {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    let theirs = match fs::read(&target) {
        Ok(bytes) => parse(&bytes).map_err(|problem| {
            anyhow::anyhow!(
                "progress {} changed while this session ran and is not valid ({problem}); not saved",
                path.display()
            )
        })?,
        Err(error) if error.kind() == io::ErrorKind::NotFound => Progress::new(),
        Err(error) => {
            return Err(error).with_context(|| format!("reading progress {}", path.display()));
        }
    };
    let merged = merge(&theirs, base, progress);
    let mut text = serde_json::to_string_pretty(&merged).expect("progress is plain data");
    text.push('\n');
    let temporary = temporary_path(&target);
    let written = fs::write(&temporary, text)
        .with_context(|| format!("writing {}", temporary.display()))
        .and_then(|()| {
            fs::rename(&temporary, &target).with_context(|| format!("writing {}", path.display()))
        });
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    // wasm32 has no files: its `File` has nothing to drop (the web build never saves here).
    #[cfg_attr(target_arch = "wasm32", allow(clippy::drop_non_drop))]
    drop(lock);
    Ok(merged)
}

/// The file a save replaces: `path`, or the file a symbolic link at `path` points to (the link
/// stays). A read-only file is refused rather than replaced behind its owner's back.
fn writable_target(path: &Path) -> anyhow::Result<PathBuf> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        Err(error) => {
            return Err(error).with_context(|| format!("reading progress {}", path.display()));
        }
    };
    let target = if metadata.file_type().is_symlink() {
        fs::canonicalize(path).with_context(|| {
            format!(
                "progress {} is a symbolic link to a missing file; not saved",
                path.display()
            )
        })?
    } else {
        path.to_path_buf()
    };
    let metadata =
        fs::metadata(&target).with_context(|| format!("reading progress {}", path.display()))?;
    if !metadata.is_file() {
        anyhow::bail!("progress {} is not a file; not saved", path.display());
    }
    if metadata.permissions().readonly() {
        anyhow::bail!(
            "progress {} is read-only; not saved (make it writable, or pass --no-save)",
            path.display()
        );
    }
    Ok(target)
}

/// `progress.json.tmp-<process>-<n>`: a name no other session writes to.
fn temporary_path(target: &Path) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    append(target, &format!(".tmp-{}-{n}", std::process::id()))
}

fn append(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The progress on disk (`theirs`) with this session's changes from `base` to `mine` added:
/// its new sessions counted after theirs, its lessons seen added, and each question it
/// answered given its new answers and its latest box.
pub fn merge(theirs: &Progress, base: &Progress, mine: &Progress) -> Progress {
    let mut merged = theirs.clone();
    let new_sessions = mine.sessions.saturating_sub(base.sessions);
    merged.sessions = theirs.sessions.saturating_add(new_sessions);
    let renumber = |session: u64| {
        if session > base.sessions {
            theirs.sessions.saturating_add(session - base.sessions)
        } else {
            session.min(merged.sessions)
        }
    };
    merged
        .lessons_seen
        .extend(mine.lessons_seen.difference(&base.lessons_seen).cloned());
    for (id, record) in &mine.questions {
        let before = base.questions.get(id);
        if before == Some(record) {
            continue;
        }
        let (right, wrong) = before.map_or((0, 0), |b| (b.right, b.wrong));
        let entry = merged
            .questions
            .entry(id.clone())
            .or_insert(QuestionRecord {
                leitner_box: record.leitner_box,
                right: 0,
                wrong: 0,
                last_session: 0,
            });
        entry.right = entry
            .right
            .saturating_add(record.right.saturating_sub(right));
        entry.wrong = entry
            .wrong
            .saturating_add(record.wrong.saturating_sub(wrong));
        entry.leitner_box = record.leitner_box;
        entry.last_session = renumber(record.last_session);
    }
    merged
}

/// The quiz orders a session by what is due and by box, wherever it is asked.
impl ksim_app::quiz::Schedule for Progress {
    fn is_due(&self, id: &str) -> bool {
        Progress::is_due(self, id)
    }

    fn leitner_box(&self, id: &str) -> u32 {
        Progress::leitner_box(self, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A right answer climbs a box, a wrong one goes back to the first; box b waits 2^(b-1)
    // sessions before the question is due again.
    #[test]
    fn leitner_boxes() {
        let mut progress = Progress::new();
        progress.record_session(&[("F1-1".into(), true), ("F1-2".into(), false)]);
        assert_eq!(progress.leitner_box("F1-1"), 2);
        assert_eq!(progress.leitner_box("F1-2"), 1);
        assert_eq!(progress.leitner_box("F1-3"), 0);
        // Session 2: box 1 is due (waits 1), box 2 is not (waits 2), new questions are.
        assert!(progress.is_due("F1-2"));
        assert!(!progress.is_due("F1-1"));
        assert!(progress.is_due("F1-3"));
        assert!(!progress.is_due_again("F1-3"));
        progress.record_session(&[]);
        assert!(progress.is_due("F1-1"));
        progress.record_session(&[("F1-1".into(), true)]);
        assert_eq!(progress.leitner_box("F1-1"), 3);
        for _ in 0..5 {
            progress.record_session(&[("F1-1".into(), true)]);
        }
        assert_eq!(progress.leitner_box("F1-1"), LAST_BOX);
        progress.record_session(&[("F1-1".into(), false)]);
        let record = &progress.questions["F1-1"];
        assert_eq!((record.leitner_box, record.right, record.wrong), (1, 7, 1));
    }

    // XDG_DATA_HOME wins when absolute; a relative one is ignored, as the spec says.
    #[test]
    fn data_dir_follows_xdg() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        assert_eq!(
            data_dir(env(&[("XDG_DATA_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/ksim"))
        );
        assert_eq!(
            data_dir(env(&[("XDG_DATA_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/share/ksim"))
        );
        assert_eq!(data_dir(env(&[])), None);
    }

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let path =
                std::env::temp_dir().join(format!("ksim-progress-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).expect("the temporary directory is writable");
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// One quiz session: load, answer `question`, save.
    fn session(path: &Path, question: &str) {
        let loaded = load(path, true).unwrap();
        assert_eq!(loaded.warning, None);
        let mut progress = loaded.progress.clone();
        progress.record_session(&[(question.to_string(), true)]);
        save(path, &loaded.progress, &progress).unwrap();
    }

    // Sessions saving at once all keep their answers: each save merges into the file as it is
    // then, under the lock, through a temporary file of its own.
    #[test]
    fn concurrent_saves_keep_every_answer() {
        let dir = TempDir::new("concurrent");
        let path = dir.0.join("progress.json");
        std::thread::scope(|scope| {
            for n in 0..8 {
                let path = &path;
                scope.spawn(move || {
                    for round in 0..5 {
                        session(path, &format!("F{n}-{round}"));
                    }
                });
            }
        });
        let progress = load(&path, false).unwrap().progress;
        assert_eq!(progress.sessions, 40);
        assert_eq!(progress.questions.len(), 40);
        assert!(
            progress
                .questions
                .values()
                .all(|r| r.right == 1 && r.leitner_box == 2)
        );
        let left: Vec<_> = fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".tmp"))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    // Two sessions that loaded the same progress both count: the second adds its answers and
    // its session after the first's, and a question both answered has both answers.
    #[test]
    fn merge_adds_this_sessions_changes() {
        let mut base = Progress::new();
        base.record_session(&[("a".into(), true)]);
        let mut theirs = base.clone();
        theirs.record_session(&[("a".into(), false), ("b".into(), true)]);
        let mut mine = base.clone();
        mine.record_session(&[("a".into(), true), ("c".into(), false)]);
        mine.lessons_seen.insert("F01".into());
        let merged = merge(&theirs, &base, &mine);
        assert_eq!(merged.sessions, 3);
        let a = &merged.questions["a"];
        assert_eq!(
            (a.right, a.wrong, a.leitner_box, a.last_session),
            (2, 1, 3, 3)
        );
        assert_eq!(merged.questions["b"], theirs.questions["b"]);
        assert_eq!(merged.questions["c"].last_session, 3);
        assert!(merged.lessons_seen.contains("F01"));
        assert_eq!(merge(&theirs, &base, &base), theirs);
    }

    // A box past the last, or a session not yet held, is reported like any corruption and the
    // file set aside.
    #[test]
    fn out_of_range_values_are_corruption() {
        let dir = TempDir::new("range");
        let path = dir.0.join("progress.json");
        let text = r#"{"version":1,"sessions":2,"lessons_seen":[],"questions":{"F1-1":{"box":99,"right":1,"wrong":0,"last_session":1}}}"#;
        fs::write(&path, text).unwrap();
        let warning = load(&path, false).unwrap().warning.unwrap();
        assert!(
            warning.contains("question F1-1 has box 99, expected 1 to 5"),
            "{warning}"
        );
        assert!(
            warning.contains("left as it is, and nothing is saved this time"),
            "{warning}"
        );
        fs::write(
            &path,
            text.replace("99", "2")
                .replace("\"last_session\":1", "\"last_session\":7"),
        )
        .unwrap();
        let loaded = load(&path, true).unwrap();
        assert!(
            loaded
                .warning
                .unwrap()
                .contains("last answered in session 7, after the last session 2")
        );
        assert!(dir.0.join("progress.json.corrupt-1").exists());
    }

    // A read-only progress file is not replaced; a symbolic link is followed and stays a link.
    #[cfg(unix)]
    #[test]
    fn read_only_and_linked_files_are_respected() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("perms");
        let path = dir.0.join("progress.json");
        session(&path, "a");
        let before = fs::read(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let base = load(&path, false).unwrap().progress;
        let error = save(&path, &base, &Progress::new())
            .unwrap_err()
            .to_string();
        assert!(error.contains("is read-only; not saved"), "{error}");
        assert_eq!(fs::read(&path).unwrap(), before);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();

        let real = dir.0.join("real.json");
        fs::rename(&path, &real).unwrap();
        std::os::unix::fs::symlink(&real, &path).unwrap();
        session(&path, "b");
        assert!(
            fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let progress = load(&real, false).unwrap().progress;
        assert_eq!(progress.sessions, 2);
        assert!(progress.questions.contains_key("b"));
    }
}
