//! What the user can ask of the lesson browser, as messages: keys and the clock become
//! `BrowserAction`s (the key map depends on the screen), and `update` applies them.

use crate::tui::action::Action;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrowserAction {
    /// Leave the browser (answers given so far are kept).
    Quit,
    /// The list: the next or previous lesson; the lesson: scroll its text.
    Down,
    Up,
    /// The list: the first or the last lesson.
    First,
    Last,
    /// Open the selected lesson.
    Open,
    /// Back: from the quiz to the lesson, from the lesson to the list; closes help; in the
    /// exam, asks whether to hand it in.
    Back,
    /// The next or previous lesson, opened.
    NextLesson,
    PreviousLesson,
    /// Play the lesson's scenario in the explorer.
    Play,
    /// Start the lesson's questions inline.
    StartQuiz,
    /// Sit the mock exam.
    StartExam,
    /// The exam: the next or previous question, its answer kept as it is (skipping it).
    NextQuestion,
    PreviousQuestion,
    /// The exam: forget the answer kept for the question on screen.
    ClearAnswer,
    /// The exam's result: scroll a page.
    PageDown,
    PageUp,
    /// The clock ticked: the exam ends when its time is up.
    Tick,
    Help,
    /// A character of an answer typed in the quiz.
    Type(char),
    /// Erase the last character of the answer.
    Erase,
    /// Check the typed answer, or go on to the next question.
    Submit,
    Resize(u16, u16),
    /// An action for the explorer while it plays a lesson's scenario.
    Explorer(Action),
}
