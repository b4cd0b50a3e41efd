//! The lesson browser's model: the lessons in list order, the selected one, which screen shows
//! (the list, a lesson, its inline quiz, the mock exam), the learner's progress, and the
//! explorer while it plays a lesson's scenario. `update` changes it; the view only reads it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::lessons::list_order;
use crate::progress::Progress;
use crate::tui::app::App;
use ksim_app::exam::Sat;
use ksim_app::lesson::{Catalogue, Lang, Lesson};
use ksim_app::quiz::Asked;

/// Which screen the browser shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The lessons grouped by area, with progress marks.
    List,
    /// The selected lesson's text, scrolled down by `scroll` rows.
    Lesson { scroll: u16 },
    /// The selected lesson's questions, asked one by one.
    Quiz(InlineQuiz),
    /// The mock exam, as `ksim exam` sets it, and then its result.
    Exam(BrowserExam),
}

/// Where the mock exam's countdown reads the time. The browser reads the wall clock (the
/// simulator never does); tests give a clock they move by hand, so a whole exam, time running
/// out included, runs the same every time.
pub trait Clock {
    /// The time since an origin of the clock's choosing.
    fn now(&self) -> Duration;
}

/// The terminal's clock, from when the browser started.
pub struct WallClock(Instant);

impl WallClock {
    pub fn new() -> WallClock {
        WallClock(Instant::now())
    }
}

impl Default for WallClock {
    fn default() -> WallClock {
        WallClock::new()
    }
}

impl Clock for WallClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// The mock exam in the browser: the questions `ksim_app::exam::draw` drew, each with the
/// answer kept so far; no verdict until the exam is handed in or the time runs out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowserExam {
    /// The seed that drew the questions: `ksim exam --seed` sits the same exam again.
    pub seed: u64,
    pub questions: Vec<ExamQuestion>,
    /// The question on screen.
    pub current: usize,
    /// The answer being typed.
    pub input: String,
    /// Why the last answer typed did not fit.
    pub error: Option<String>,
    /// How long the exam lasts, and when it ends on the browser's clock.
    pub limit: Duration,
    pub ends_at: Duration,
    pub state: ExamState,
    /// The result went into the progress (once).
    pub recorded: bool,
}

/// One question of the browser's exam: where it is in the catalogue, its choices as shown
/// (`order[i]` is the index in the file of choice i + 1), and the answer kept, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamQuestion {
    pub lesson: usize,
    pub question: usize,
    pub order: Vec<usize>,
    pub given: Option<Vec<usize>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExamState {
    /// Answering; `confirm` asks whether to hand the exam in.
    Sitting { confirm: bool },
    /// Handed in (or the time ran out): the result, scrolled down by `scroll` rows.
    Done { timed_out: bool, scroll: u16 },
}

impl BrowserExam {
    /// Question number `index` as asked.
    pub fn asked<'a>(&self, catalogue: &'a Catalogue, index: usize) -> Asked<'a> {
        let question = &self.questions[index];
        let lesson = &catalogue.lessons[question.lesson];
        Asked {
            lesson,
            question: &lesson.quiz[question.question],
            order: question.order.clone(),
        }
    }

    /// Every question with the answer kept, as the shared scoring reads it.
    pub fn sat<'a>(&self, catalogue: &'a Catalogue) -> Vec<Sat<'a>> {
        (0..self.questions.len())
            .map(|index| Sat {
                asked: self.asked(catalogue, index),
                given: self.questions[index].given.clone(),
            })
            .collect()
    }

    pub fn answered(&self) -> usize {
        self.questions.iter().filter(|q| q.given.is_some()).count()
    }

    /// The time left on `clock`.
    pub fn left(&self, clock: &dyn Clock) -> Duration {
        self.ends_at.saturating_sub(clock.now())
    }
}

/// The questions of one lesson asked in the browser, as `ksim quiz` asks them: shuffled
/// choices, digits typed, a verdict with the explanation after each answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineQuiz {
    /// For each question in the order asked: its index in the lesson's quiz, and `order[i]`,
    /// the index in the file of the choice shown as number i + 1.
    pub questions: Vec<(usize, Vec<usize>)>,
    /// The question on screen.
    pub current: usize,
    /// The answer being typed.
    pub input: String,
    pub state: QuizState,
    /// Each answered question's id and whether the answer was right.
    pub results: Vec<(String, bool)>,
    /// The results went into the progress (at the end, or when the learner left).
    pub recorded: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuizState {
    /// Waiting for an answer; `error` says why the last one typed did not fit.
    Answering { error: Option<String> },
    /// The verdict on the answer given (checked, as shown numbers).
    Answered { given: Vec<usize>, right: bool },
    /// Every question answered: the score.
    Done,
}

impl InlineQuiz {
    /// The question number `index` as `ksim quiz` asks it.
    pub fn asked<'a>(&self, lesson: &'a Lesson, index: usize) -> Asked<'a> {
        let (question, order) = &self.questions[index];
        Asked {
            lesson,
            question: &lesson.quiz[*question],
            order: order.clone(),
        }
    }

    pub fn right(&self) -> usize {
        self.results.iter().filter(|(_, right)| *right).count()
    }
}

/// Work the run loop does for `update`, which does no I/O.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Write the progress file.
    SaveProgress,
    /// Read this scenario and open the explorer on it.
    Play(PathBuf),
    /// Run the selected CALC lesson's calculator and keep its answer.
    Calculate,
}

pub struct Browser {
    pub catalogue: Catalogue,
    pub lang: Lang,
    pub progress: Progress,
    /// The progress as last loaded or saved: a save adds the changes since to the file.
    pub saved_progress: Progress,
    /// False with `--no-save`: nothing the learner does is recorded.
    pub record: bool,
    /// The lessons' indices in list order: grouped by area, then by fact.
    pub order: Vec<usize>,
    /// The selected lesson, as a position in `order`.
    pub selected: usize,
    pub screen: Screen,
    /// The help window is open over the screen.
    pub help: bool,
    /// The explorer, while it plays the selected lesson's scenario; it gets the keys.
    pub explorer: Option<Box<App>>,
    /// Shuffles an inline quiz's questions and choices; each quiz started adds one.
    pub seed: u64,
    pub effects: Vec<Effect>,
    /// The answers of the CALC lessons' calculators run so far, by lesson file (an error
    /// when the command could not run).
    pub calc_answers: BTreeMap<String, Result<String, String>>,
    /// Runs CALC lessons' calculators: true for the real browser; tests, whose executable is
    /// not ksim, leave it off.
    pub run_calculators: bool,
    /// A one-line message for the footer (a lesson without a scenario, a save that failed).
    pub status: Option<String>,
    /// False with `NO_COLOR`: marks and modifiers carry every meaning.
    pub color: bool,
    pub quit: bool,
    pub width: u16,
    pub height: u16,
    /// The clock the mock exam counts down by.
    pub clock: Box<dyn Clock>,
}

impl Browser {
    pub fn new(catalogue: Catalogue, lang: Lang, progress: Progress, record: bool) -> Browser {
        let order = list_order(&catalogue);
        Browser {
            catalogue,
            lang,
            saved_progress: progress.clone(),
            progress,
            record,
            order,
            selected: 0,
            screen: Screen::List,
            help: false,
            explorer: None,
            seed: 0,
            effects: Vec::new(),
            calc_answers: BTreeMap::new(),
            run_calculators: false,
            status: None,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            quit: false,
            width: 100,
            height: 30,
            clock: Box::new(WallClock::new()),
        }
    }

    /// The selected lesson.
    pub fn lesson(&self) -> &Lesson {
        &self.catalogue.lessons[self.order[self.selected]]
    }

    /// Selects a lesson by its file name without `.toml` or a fact it covers (`F17`).
    pub fn select(&mut self, name: &str) -> bool {
        let Some(lesson) = self.catalogue.find(name) else {
            return false;
        };
        let slug = lesson.slug.clone();
        self.selected = self
            .order
            .iter()
            .position(|&i| self.catalogue.lessons[i].slug == slug)
            .expect("every lesson is in the list order");
        true
    }

    /// The scenario that shows the selected lesson live, if it has one.
    pub fn scenario(&self) -> Option<PathBuf> {
        self.lesson().scenario_file()
    }
}
