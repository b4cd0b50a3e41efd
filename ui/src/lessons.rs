//! What the `learn` list and the lesson browser share: a learner's standing on a lesson and
//! the order the lessons are listed in.

use crate::progress::Progress;
use ksim_app::lesson::{Catalogue, Lesson};

/// Where a learner stands with one lesson: what the list and the browser show beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LessonProgress {
    /// Opened with `ksim learn <lesson>` or in the browser.
    pub seen: bool,
    /// Questions whose last answer was right.
    pub right: usize,
    /// Questions in the lesson.
    pub total: usize,
    /// Questions answered before and due again in the next session.
    pub due: usize,
}

pub fn lesson_progress(lesson: &Lesson, progress: &Progress) -> LessonProgress {
    LessonProgress {
        seen: progress.lessons_seen.contains(&lesson.slug),
        right: lesson
            .quiz
            .iter()
            .filter(|q| {
                progress
                    .questions
                    .get(&q.id)
                    .is_some_and(|r| r.last_right())
            })
            .count(),
        total: lesson.quiz.len(),
        due: lesson
            .quiz
            .iter()
            .filter(|q| progress.is_due_again(&q.id))
            .count(),
    }
}

/// The lessons' indices in the order the list shows them: by area (in `Area::ALL`'s order),
/// then by first fact and file name.
pub fn list_order(catalogue: &Catalogue) -> Vec<usize> {
    let mut order: Vec<usize> = (0..catalogue.lessons.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&catalogue.lessons[a], &catalogue.lessons[b]);
        (a.area, &a.facts[0], &a.slug).cmp(&(b.area, &b.facts[0], &b.slug))
    });
    order
}
