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
    let problem = match serde_json::from_slice::<Progress>(&bytes) {
        Ok(progress) if progress.version == 1 => {
            return Ok(Loaded {
                progress,
                warning: None,
            });
        }
        Ok(progress) => format!("unknown version {}, expected 1", progress.version),
        Err(error) => error.to_string(),
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
            "progress {} is not valid ({problem}); left as it is (--no-save), starting afresh",
            path.display()
        )
    };
    Ok(Loaded {
        progress: Progress::new(),
        warning: Some(warning),
    })
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

/// Writes the progress, creating the directory; written to a temporary file first and renamed,
/// so that a crash mid-write leaves the old file whole.
pub fn save(path: &Path, progress: &Progress) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut text = serde_json::to_string_pretty(progress).expect("progress is plain data");
    text.push('\n');
    let temporary = path.with_extension("json.tmp");
    fs::write(&temporary, text).with_context(|| format!("writing {}", temporary.display()))?;
    fs::rename(&temporary, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
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
}
