//! Drawing the browser: a header, the screen shown (the lesson list, a lesson, the inline
//! quiz, the mock exam and its result), the footer, and the help window over them; the explorer instead while it plays.
//! Text wraps with ratatui's unicode-width aware wrapping, so Korean lines keep their columns.
//! Nothing here changes the model.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::UnicodeWidthStr;

use super::app::{Browser, BrowserExam, ExamState, InlineQuiz, QuizState, Screen};
use super::keys::{describe, keys_of};
use crate::lessons::lesson_progress;
use crate::tui::view::{MIN_HEIGHT, MIN_WIDTH, fit, paint, window};
use ksim_app::exam;
use ksim_app::lesson::{Lang, Lesson};
use ksim_app::quiz::{answer_hint, render_question, render_verdict};

impl Widget for &Browser {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if let Some(explorer) = &self.explorer {
            explorer.as_ref().render(area, buf);
            return;
        }
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text = match self.lang {
                Lang::En => format!(
                    "terminal too small: {}x{}; ksim needs {MIN_WIDTH}x{MIN_HEIGHT}",
                    area.width, area.height
                ),
                Lang::Ko => format!(
                    "터미널이 너무 작습니다: {}x{}; ksim에는 {MIN_WIDTH}x{MIN_HEIGHT}가 필요합니다 (terminal too small)",
                    area.width, area.height
                ),
            };
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        let [header, body, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.header(header, buf);
        match &self.screen {
            Screen::List => self.list(body, buf),
            Screen::Lesson { scroll } => self.lesson_view(*scroll, body, buf),
            Screen::Quiz(quiz) => self.quiz(quiz, body, buf),
            Screen::Exam(exam) => self.exam(exam, body, buf),
        }
        self.footer(footer, buf);
        if self.help {
            self.help_window(area, buf);
        }
    }
}

impl Browser {
    /// A style as given, or without its colours under `NO_COLOR` (modifiers stay).
    fn paint(&self, style: Style) -> Style {
        paint(self.color, style)
    }

    fn header(&self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let lessons = self.catalogue.lessons.len();
        let seen = self
            .catalogue
            .lessons
            .iter()
            .filter(|l| self.progress.lessons_seen.contains(&l.slug))
            .count();
        let mut text = match lang {
            Lang::En => format!("ksim learn │ {lessons} lessons │ {seen} seen"),
            Lang::Ko => format!("ksim learn │ 레슨 {lessons}개 │ {seen}개 읽음"),
        };
        match &self.screen {
            Screen::List => {}
            Screen::Lesson { .. } => text.push_str(&format!(
                " │ {} {}/{lessons}: {}",
                lang.pick("lesson", "레슨"),
                self.selected + 1,
                self.lesson().facts.join(",")
            )),
            Screen::Quiz(_) => text.push_str(&format!(
                " │ {} {}",
                lang.pick("quiz", "퀴즈"),
                self.lesson().facts.join(",")
            )),
            Screen::Exam(exam) => match exam.state {
                ExamState::Sitting { .. } => text.push_str(&format!(
                    " │ {} {}/{} │ {}",
                    lang.pick("exam", "모의고사"),
                    exam.current + 1,
                    exam.questions.len(),
                    time_left(exam, self, lang)
                )),
                ExamState::Done { .. } => {
                    text.push_str(&format!(" │ {}", lang.pick("exam result", "모의고사 결과")))
                }
            },
        }
        if !self.record {
            text.push_str(lang.pick(" │ not saved (--no-save)", " │ 저장 안 함 (--no-save)"));
        }
        Paragraph::new(Line::styled(
            text,
            self.paint(Style::new().add_modifier(Modifier::BOLD)),
        ))
        .render(area, buf);
    }

    fn footer(&self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let text = match (&self.status, &self.screen) {
            (Some(status), _) => status.clone(),
            (None, Screen::List) => lang
                .pick(
                    "j/k select  Enter open  s play  t quiz  e exam  ? help  q quit",
                    "j/k 선택  Enter 열기  s 재생  t 퀴즈  e 모의고사  ? 도움말  q 종료",
                )
                .to_string(),
            (None, Screen::Lesson { .. }) => lang
                .pick(
                    "j/k scroll  n/p next/prev  Enter/s play  t quiz  e exam  Esc list  ? help",
                    "j/k 스크롤  n/p 다음/이전  Enter/s 재생  t 퀴즈  e 모의고사  Esc 목록  ? 도움말",
                )
                .to_string(),
            (None, Screen::Quiz(quiz)) if quiz.state == QuizState::Done => lang
                .pick(
                    "Enter or Esc back to the lesson  q quit",
                    "Enter나 Esc 레슨으로  q 종료",
                )
                .to_string(),
            (None, Screen::Quiz(_)) => lang
                .pick(
                    "digits answer  Enter check / next  Esc back to the lesson  q quit",
                    "숫자로 답  Enter 확인 / 다음  Esc 레슨으로  q 종료",
                )
                .to_string(),
            (None, Screen::Exam(exam)) => match exam.state {
                ExamState::Sitting { confirm: true } => lang.pick(
                    "Enter hand in  Esc back to the exam",
                    "Enter 제출  Esc 시험으로 돌아가기",
                ),
                ExamState::Sitting { .. } => lang.pick(
                    "digits+Enter answer  ←/→ question  x clear  Esc hand in  ? help",
                    "숫자+Enter 답  ←/→ 문제 이동  x 지우기  Esc 제출  ? 도움말",
                ),
                ExamState::Done { .. } => lang.pick(
                    "j/k scroll  PgDn/PgUp page  Enter/Esc list  ? help  q quit",
                    "j/k 스크롤  PgDn/PgUp 쪽 이동  Enter/Esc 목록  ? 도움말  q 종료",
                ),
            }
            .to_string(),
        };
        Paragraph::new(Line::styled(
            text,
            self.paint(Style::new().fg(Color::DarkGray)),
        ))
        .render(area, buf);
    }

    /// The lessons grouped by area: a heading per area, a row per lesson with its facts,
    /// title, teach mode and progress (✓ seen, right of total, due again).
    fn list(&self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let facts_width = self
            .catalogue
            .lessons
            .iter()
            .map(|l| l.facts.join(",").width())
            .chain([lang.pick("facts", "사실").width()])
            .max()
            .unwrap_or(5);
        let teach_width = 6;
        let right_width = 6;
        let due_width = 7;
        let fixed = 4 + facts_width + 2 + 2 + teach_width + 1 + right_width + 1 + due_width;
        let title_width = (area.width as usize).saturating_sub(fixed).max(8);
        let mut lines: Vec<Line> = Vec::new();
        lines.push(Line::styled(
            format!(
                "    {}  {}  {} {} {}",
                fit(lang.pick("facts", "사실"), facts_width),
                fit(lang.pick("title", "제목"), title_width),
                fit(lang.pick("teach", "방식"), teach_width),
                fit(lang.pick("right", "정답"), right_width),
                fit(lang.pick("due", "복습"), due_width),
            ),
            self.paint(Style::new().fg(Color::DarkGray)),
        ));
        let mut selected_line = 0;
        let mut shown_area = None;
        for (position, &index) in self.order.iter().enumerate() {
            let lesson = &self.catalogue.lessons[index];
            if shown_area != Some(lesson.area) {
                lines.push(Line::styled(
                    lesson.area.title(lang).to_string(),
                    self.paint(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
                ));
                shown_area = Some(lesson.area);
            }
            let counts = lesson_progress(lesson, &self.progress);
            let selected = position == self.selected;
            let due = match (counts.due, lang) {
                (0, _) => String::new(),
                (n, Lang::En) => format!("{n} due"),
                (n, Lang::Ko) => format!("복습 {n}"),
            };
            let row = format!(
                "{}{} {}  {}  {} {} {}",
                if selected { "▶ " } else { "  " },
                if counts.seen { "✓" } else { " " },
                fit(&lesson.facts.join(","), facts_width),
                fit(lesson.title.get(lang), title_width),
                fit(lesson.teach.name(), teach_width),
                fit(&format!("{}/{}", counts.right, counts.total), right_width),
                fit(&due, due_width),
            );
            if selected {
                selected_line = lines.len();
                lines.push(Line::styled(
                    row,
                    self.paint(Style::new().add_modifier(Modifier::REVERSED)),
                ));
            } else {
                lines.push(Line::raw(row));
            }
        }
        // Scroll so that the selected row stays on screen, a few rows above the bottom.
        let rows = area.height as usize;
        let offset = (selected_line + 3)
            .saturating_sub(rows)
            .min(lines.len().saturating_sub(rows));
        Paragraph::new(lines[offset..].to_vec()).render(area, buf);
    }

    fn lesson_view(&self, scroll: u16, area: Rect, buf: &mut Buffer) {
        let inner = lesson_area(area);
        let scroll = scroll.min(self.scroll_limit_in(inner));
        Paragraph::new(self.lesson_text(self.lesson()))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .render(inner, buf);
    }

    fn scroll_limit_in(&self, inner: Rect) -> u16 {
        let rows = Paragraph::new(self.lesson_text(self.lesson()))
            .wrap(Wrap { trim: false })
            .line_count(inner.width);
        u16::try_from(rows.saturating_sub(inner.height as usize)).unwrap_or(u16::MAX)
    }

    /// A lesson as read: title, facts and area, the text, the note's correction, the
    /// calculator command, the scenario, the questions.
    fn lesson_text(&self, lesson: &Lesson) -> Text<'static> {
        let lang = self.lang;
        let bold = self.paint(Style::new().add_modifier(Modifier::BOLD));
        let label = |text: &str, color: Color| {
            Span::styled(
                text.to_string(),
                self.paint(Style::new().fg(color).add_modifier(Modifier::BOLD)),
            )
        };
        let mut lines = vec![
            Line::styled(lesson.title.get(lang).to_string(), bold),
            Line::styled(
                format!(
                    "{} {}  │  {} {}  │  {} {}",
                    lang.pick("facts", "사실"),
                    lesson.facts.join(", "),
                    lang.pick("area", "영역"),
                    lesson.area,
                    lang.pick("teach", "방식"),
                    lesson.teach.name(),
                ),
                self.paint(Style::new().fg(Color::DarkGray)),
            ),
            Line::styled(
                lesson.file.clone(),
                self.paint(Style::new().fg(Color::DarkGray)),
            ),
            Line::raw(""),
        ];
        lines.extend(
            lesson
                .text
                .get(lang)
                .trim_end()
                .lines()
                .map(|line| Line::raw(line.to_string())),
        );
        if let Some(correction) = &lesson.correction {
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                label(lang.pick("The note says: ", "노트의 내용: "), Color::Red),
                Span::raw(correction.note.get(lang).trim().to_string()),
            ]));
            lines.push(Line::from(vec![
                label(lang.pick("Kafka really: ", "실제 Kafka: "), Color::Green),
                Span::raw(correction.kafka.get(lang).trim().to_string()),
            ]));
        }
        if let Some(calc) = &lesson.calc {
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                label(lang.pick("calculate: ", "계산: "), Color::Cyan),
                Span::raw(calc.clone()),
            ]));
            match self.calc_answers.get(&lesson.file) {
                Some(Ok(answer)) => {
                    lines.extend(answer.lines().map(|line| Line::raw(format!("  │ {line}"))))
                }
                Some(Err(error)) => lines.push(Line::raw(format!(
                    "  ({} {error})",
                    lang.pick("could not run it:", "실행하지 못했습니다:")
                ))),
                None => {}
            }
        }
        if let Some(path) = self.scenario() {
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                label(lang.pick("see it live: ", "직접 보기: "), Color::Cyan),
                Span::raw(match lang {
                    Lang::En => format!("Enter or s plays {} in the explorer", path.display()),
                    Lang::Ko => format!("Enter나 s로 탐색기에서 {} 재생", path.display()),
                }),
            ]));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            label(lang.pick("quiz: ", "퀴즈: "), Color::Cyan),
            Span::raw(match lang {
                Lang::En => format!("{} questions; t asks them here", lesson.quiz.len()),
                Lang::Ko => format!("{}문제; t를 누르면 여기서 풉니다", lesson.quiz.len()),
            }),
        ]));
        Text::from(lines)
    }

    fn quiz(&self, quiz: &InlineQuiz, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let lesson = self.lesson();
        let total = quiz.questions.len();
        let mut lines = vec![Line::styled(
            lesson.title.get(lang).to_string(),
            self.paint(Style::new().add_modifier(Modifier::BOLD)),
        )];
        if let QuizState::Done = quiz.state {
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                match lang {
                    Lang::En => format!("score: {} of {} right", quiz.right(), quiz.results.len()),
                    Lang::Ko => format!(
                        "점수: {}문제 중 {}문제 정답",
                        quiz.results.len(),
                        quiz.right()
                    ),
                },
                self.paint(Style::new().add_modifier(Modifier::BOLD)),
            ));
            lines.push(Line::raw(if self.record {
                lang.pick("progress recorded", "진행 상황을 기록했습니다")
            } else {
                lang.pick(
                    "progress not saved (--no-save)",
                    "진행 상황을 저장하지 않음 (--no-save)",
                )
            }));
            lines.push(Line::raw(""));
            lines.push(Line::raw(
                lang.pick("Enter or Esc: back to the lesson", "Enter나 Esc: 레슨으로"),
            ));
        } else {
            let asked = quiz.asked(lesson, quiz.current);
            lines.extend(
                render_question(&asked, quiz.current + 1, total, lang)
                    .trim_matches('\n')
                    .lines()
                    .map(|line| Line::raw(line.to_string())),
            );
            lines.push(Line::raw(""));
            match &quiz.state {
                QuizState::Answering { error } => {
                    let hint = answer_hint(asked.question.kind, lang, " ");
                    lines.push(Line::from(vec![
                        Span::raw(format!("{hint}: ")),
                        Span::styled(
                            format!("{}█", quiz.input),
                            self.paint(Style::new().add_modifier(Modifier::BOLD)),
                        ),
                    ]));
                    if let Some(error) = error {
                        lines.push(Line::styled(
                            format!("  {error}"),
                            self.paint(Style::new().fg(Color::Red)),
                        ));
                    }
                }
                QuizState::Answered { given, right } => {
                    let given: Vec<String> = given.iter().map(usize::to_string).collect();
                    lines.push(Line::raw(format!(
                        "{} {}",
                        lang.pick("your answer:", "내 답:"),
                        given.join(",")
                    )));
                    let verdict = render_verdict(&asked, *right, lang);
                    let (mark, color) = if *right {
                        ("✓ ", Color::Green)
                    } else {
                        ("✗ ", Color::Red)
                    };
                    lines.push(Line::styled(
                        format!("{mark}{}", verdict.trim_end()),
                        self.paint(Style::new().fg(color).add_modifier(Modifier::BOLD)),
                    ));
                    lines.push(Line::raw(
                        asked.question.explain.get(lang).trim().to_string(),
                    ));
                    lines.push(Line::raw(""));
                    lines.push(Line::raw(if quiz.current + 1 < total {
                        lang.pick("Enter: next question", "Enter: 다음 문제")
                    } else {
                        lang.pick("Enter: the score", "Enter: 점수 보기")
                    }));
                }
                QuizState::Done => {}
            }
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(lesson_area(area), buf);
    }

    /// The exam being sat: which questions have an answer, the question on screen with its
    /// choices, the answer kept and the one being typed; no verdict until the end.
    fn exam(&self, exam: &BrowserExam, area: Rect, buf: &mut Buffer) {
        let area = lesson_area(area);
        if let ExamState::Done { scroll, .. } = exam.state {
            let text = self.exam_result_text(exam);
            let most = scroll_limit(&text, area);
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .scroll((scroll.min(most), 0))
                .render(area, buf);
            return;
        }
        let lang = self.lang;
        let total = exam.questions.len();
        let bold = self.paint(Style::new().add_modifier(Modifier::BOLD));
        let mut lines = vec![Line::styled(
            match lang {
                Lang::En => format!(
                    "mock exam │ {} of {total} answered │ {} │ no feedback until the end",
                    exam.answered(),
                    time_left(exam, self, lang)
                ),
                Lang::Ko => format!(
                    "모의고사 │ {total}문제 중 {}문제 답함 │ {} │ 끝날 때까지 채점하지 않음",
                    exam.answered(),
                    time_left(exam, self, lang)
                ),
            },
            bold,
        )];
        // One cell per question: ■ answered, □ not yet; the one on screen reversed.
        let strip: Vec<Span> = exam
            .questions
            .iter()
            .enumerate()
            .map(|(index, question)| {
                let mark = if question.given.is_some() {
                    "■"
                } else {
                    "□"
                };
                if index == exam.current {
                    Span::styled(
                        mark,
                        self.paint(Style::new().add_modifier(Modifier::REVERSED)),
                    )
                } else {
                    Span::raw(mark)
                }
            })
            .collect();
        lines.push(Line::from(strip));
        let asked = exam.asked(&self.catalogue, exam.current);
        lines.extend(
            render_question(&asked, exam.current + 1, total, lang)
                .trim_matches('\n')
                .lines()
                .map(|line| Line::raw(line.to_string())),
        );
        lines.push(Line::raw(""));
        let kept = match &exam.questions[exam.current].given {
            Some(given) => {
                let given: Vec<String> = given.iter().map(usize::to_string).collect();
                match lang {
                    Lang::En => format!(
                        "answer kept: {} (type another to change it)",
                        given.join(",")
                    ),
                    Lang::Ko => format!("둔 답: {} (다른 답을 입력하면 바뀜)", given.join(",")),
                }
            }
            None => lang
                .pick("not answered yet", "아직 답하지 않음")
                .to_string(),
        };
        lines.push(Line::styled(
            kept,
            self.paint(Style::new().fg(Color::DarkGray)),
        ));
        if let ExamState::Sitting { confirm: true } = exam.state {
            lines.push(Line::styled(
                match lang {
                    Lang::En => format!(
                        "hand in now, {} of {total} answered? Enter hands in, Esc goes back",
                        exam.answered()
                    ),
                    Lang::Ko => format!(
                        "지금 제출할까요? {total}문제 중 {}문제 답함. Enter는 제출, Esc는 돌아가기",
                        exam.answered()
                    ),
                },
                self.paint(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
            ));
        } else {
            let hint = answer_hint(asked.question.kind, lang, " ");
            lines.push(Line::from(vec![
                Span::raw(format!("{hint}: ")),
                Span::styled(format!("{}█", exam.input), bold),
            ]));
            if let Some(error) = &exam.error {
                lines.push(Line::styled(
                    format!("  {error}"),
                    self.paint(Style::new().fg(Color::Red)),
                ));
            }
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(area, buf);
    }

    /// The exam's result: why it ended, the report every front end shows (score, pass or
    /// fail, sections, every question with its explanation) and what was recorded.
    fn exam_result_text(&self, exam: &BrowserExam) -> Text<'static> {
        let lang = self.lang;
        let mut lines: Vec<Line> = Vec::new();
        if let ExamState::Done {
            timed_out: true, ..
        } = exam.state
        {
            lines.push(Line::styled(
                lang.pick(
                    "time is up: the exam was handed in as it stood",
                    "시간이 끝났습니다. 그때까지의 답으로 제출했습니다",
                ),
                self.paint(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
            ));
        }
        let report = exam::render_report(&exam.sat(&self.catalogue), lang);
        for (index, line) in report.lines().enumerate() {
            let style = if index < 3
                && (line.starts_with("score")
                    || line.starts_with("점수")
                    || line.starts_with("PASS")
                    || line.starts_with("FAIL")
                    || line.starts_with("합격")
                    || line.starts_with("불합격"))
            {
                self.paint(Style::new().add_modifier(Modifier::BOLD))
            } else if line.starts_with('✗') {
                self.paint(Style::new().fg(Color::Red))
            } else if line.starts_with('✓') {
                self.paint(Style::new().fg(Color::Green))
            } else {
                Style::new()
            };
            lines.push(Line::styled(line.to_string(), style));
        }
        lines.push(Line::raw(""));
        lines.push(Line::raw(match lang {
            Lang::En => format!(
                "seed {}: ksim exam --seed {} sits the same exam again",
                exam.seed, exam.seed
            ),
            Lang::Ko => format!(
                "시드 {}: ksim exam --seed {}로 같은 시험을 다시 봅니다",
                exam.seed, exam.seed
            ),
        }));
        lines.push(Line::raw(if self.record {
            lang.pick(
                "progress recorded: the missed questions come first in the next quiz",
                "진행 상황을 기록했습니다. 틀린 문제는 다음 퀴즈에서 먼저 나옵니다",
            )
        } else {
            lang.pick(
                "progress not saved (--no-save)",
                "진행 상황을 저장하지 않음 (--no-save)",
            )
        }));
        Text::from(lines)
    }

    fn help_window(&self, area: Rect, buf: &mut Buffer) {
        let lang = self.lang;
        let keys = keys_of(self);
        let key_width = keys.iter().map(|k| k.0.width()).max().unwrap_or(0);
        let lines: Vec<Line> = keys
            .iter()
            .map(|key| {
                Line::raw(format!(
                    "{}  {}",
                    fit(key.0, key_width),
                    describe(key, lang)
                ))
            })
            .collect();
        window(
            lines,
            lang.pick("keys (? or Esc closes)", "키 (? 또는 Esc로 닫기)"),
            area,
            buf,
        );
    }
}

/// Where a lesson's text goes: the body less a column of margin on each side.
fn lesson_area(body: Rect) -> Rect {
    Rect {
        x: body.x + 1,
        width: body.width.saturating_sub(2),
        y: body.y + 1,
        height: body.height.saturating_sub(1),
    }
}

/// The exam's time left, `mm:ss`, rounded up to the second.
fn time_left(exam: &BrowserExam, browser: &Browser, lang: Lang) -> String {
    let left = exam.left(browser.clock.as_ref());
    let seconds = u64::try_from(left.as_millis().div_ceil(1000)).unwrap_or(u64::MAX);
    match lang {
        Lang::En => format!("{} left", exam::clock(seconds)),
        Lang::Ko => format!("남은 시간 {}", exam::clock(seconds)),
    }
}

/// How far a wrapped text can scroll in an area.
fn scroll_limit(text: &Text<'static>, area: Rect) -> u16 {
    let rows = Paragraph::new(text.clone())
        .wrap(Wrap { trim: false })
        .line_count(area.width);
    u16::try_from(rows.saturating_sub(area.height as usize)).unwrap_or(u16::MAX)
}

/// How far the exam's result can scroll on the browser's screen.
pub fn exam_scroll_limit(browser: &Browser, exam: &BrowserExam) -> u16 {
    let body = Rect::new(0, 1, browser.width, browser.height.saturating_sub(2));
    scroll_limit(&browser.exam_result_text(exam), lesson_area(body))
}

/// How far the lesson's text can scroll on the browser's screen.
pub fn lesson_scroll_limit(browser: &Browser) -> u16 {
    let area = Rect::new(0, 0, browser.width, browser.height);
    let body = Rect {
        y: 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    browser.scroll_limit_in(lesson_area(body))
}

#[cfg(test)]
mod fit_tests {
    use super::fit;
    use unicode_width::UnicodeWidthStr;

    // Cut and padded to the cell width, Korean counting two cells a character.
    #[test]
    fn fit_counts_cells() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("한국어 제목", 6).width(), 6);
        assert_eq!(fit("한국어 제목", 6), "한국… ");
        assert_eq!(fit("x", 0), "");
    }
}
