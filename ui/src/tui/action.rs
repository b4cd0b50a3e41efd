//! What the user can ask of the explorer, as messages: keys, mouse clicks and the clock
//! become `Action`s, and `update` applies them.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    TogglePlay,
    Faster,
    Slower,
    /// Pace playing by simulated time or by events.
    Pace,
    /// One trace event forward or back.
    StepForward,
    StepBack,
    NextNotable,
    PreviousNotable,
    Home,
    End,
    /// Go to a trace event by index (a click on the timeline bar).
    SeekTo(usize),
    /// The clock while playing: move on by the speed's share of simulated time, or its count
    /// of events.
    Tick,
    NextView,
    PreviousView,
    Down,
    Up,
    Enter,
    Escape,
    Help,
    FaultMenu,
    Branches,
    /// Close the what-if selected in the branches window, releasing its recording.
    CloseBranch,
    GoToTime,
    NextTopic,
    /// Cycle what log cells show: leader epoch, producer, key.
    CellLabel,
    /// A character typed into the go-to-time prompt, or a filter key in the records view.
    Type(char),
    Backspace,
    Resize(u16, u16),
}
