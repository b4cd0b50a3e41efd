//! `ksim connect-tasks --tables N --tasks-max M`: how many tasks Kafka Connect's JDBC source
//! connector runs and which tables each one reads (F29).
//!
//! `JdbcSourceConnector.taskConfigs(maxTasks)` groups the tables it found with
//! `ConnectorUtils.groupPartitions(tables, min(tables, maxTasks))`: contiguous groups, the
//! first `tables % groups` of them one table larger. A table is never split between tasks, so
//! with fewer tables than `tasks.max` only one task per table runs.

use std::fmt::Write;
use std::process::ExitCode;

use ksim_app::connect::jdbc_source_tasks;
use ksim_app::lesson::Lang;

use crate::output;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConnectTasksFormat {
    /// The task count, the rule behind it and each task's tables.
    Text,
    /// `{"tables": 3, "tasks_max": 5, "task_count": 3, "tasks": [["t1"], ["t2"], ["t3"]]}`.
    Json,
}

pub fn connect_tasks(
    tables: u32,
    tasks_max: u32,
    format: ConnectTasksFormat,
    lang: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    check(tables, tasks_max, lang)?;
    let names: Vec<String> = (1..=tables).map(|n| format!("t{n}")).collect();
    let tasks = jdbc_source_tasks(&names, tasks_max);
    let text = match format {
        ConnectTasksFormat::Text => render(tables, tasks_max, &tasks, lang),
        ConnectTasksFormat::Json => render_json(tables, tasks_max, &tasks),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The most tables the calculator names, so that its answer stays readable.
const MAX_TABLES: u32 = 10_000;

/// Connect refuses `tasks.max` below 1 (its ConfigDef's `atLeast(1)`); the message is in the
/// answer's language.
fn check(tables: u32, tasks_max: u32, lang: Lang) -> anyhow::Result<()> {
    if tasks_max == 0 {
        anyhow::bail!(in_lang!(
            lang,
            "--tasks-max 0: tasks.max must be at least 1, as Kafka Connect requires",
            "--tasks-max 0: Kafka Connect는 tasks.max가 1 이상이어야 합니다"
        ));
    }
    if tables > MAX_TABLES {
        anyhow::bail!(in_lang!(
            lang,
            "--tables {tables}: expected at most {MAX_TABLES} tables",
            "--tables {tables}: 테이블은 {MAX_TABLES}개까지 줄 수 있습니다"
        ));
    }
    Ok(())
}

/// The tables the connector finds, as the first line names them: `3 tables (t1..t3)`.
fn tables_found(tables: u32, lang: Lang) -> String {
    match (tables, lang) {
        (0, Lang::En) => "no tables".to_string(),
        (1, Lang::En) => "1 table (t1)".to_string(),
        (n, Lang::En) => format!("{n} tables (t1..t{n})"),
        (0, Lang::Ko) => "테이블 없음".to_string(),
        (1, Lang::Ko) => "테이블 1개 (t1)".to_string(),
        (n, Lang::Ko) => format!("테이블 {n}개 (t1..t{n})"),
    }
}

fn render(tables: u32, tasks_max: u32, tasks: &[Vec<String>], lang: Lang) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "{}: {}, tasks.max={tasks_max}",
        lang.pick("JDBC source connector", "JDBC 소스 커넥터"),
        tables_found(tables, lang)
    )
    .unwrap();
    if tables == 0 {
        out.push_str(lang.pick(
            "no table task has work; recent kafka-connect-jdbc versions still start one task \
             that finds nothing to do, older ones start none\n",
            "일할 테이블 태스크가 없습니다. 최근 kafka-connect-jdbc 버전은 할 일이 없는 태스크를 \
             하나 시작하고, 예전 버전은 하나도 시작하지 않습니다\n",
        ));
        return out;
    }
    match lang {
        Lang::En => writeln!(
            out,
            "tasks that run: {} = min({tables} tables, tasks.max {tasks_max}) (F29)",
            tasks.len()
        ),
        Lang::Ko => writeln!(
            out,
            "실행되는 태스크: {} = min(테이블 {tables}개, tasks.max {tasks_max}) (F29)",
            tasks.len()
        ),
    }
    .unwrap();
    for (index, tables) in tasks.iter().enumerate() {
        writeln!(out, "  task {index}: {}", tables.join(", ")).unwrap();
    }
    let unused = tasks_max as usize - tasks.len();
    if unused > 0 {
        match lang {
            Lang::En => writeln!(
                out,
                "{unused} of tasks.max={tasks_max} never start: a table is read by one task \
                 only, so a task needs a table of its own"
            ),
            Lang::Ko => writeln!(
                out,
                "tasks.max={tasks_max} 중 {unused}개는 시작하지 않습니다: 테이블 하나는 태스크 \
                 하나만 읽으므로, 태스크마다 자기 테이블이 있어야 합니다"
            ),
        }
        .unwrap();
    } else if tasks.iter().any(|t| t.len() > 1) {
        out.push_str(lang.pick(
            "ConnectorUtils.groupPartitions gives each task a contiguous run of tables, the \
             first tasks one more when they do not divide evenly\n",
            "ConnectorUtils.groupPartitions는 태스크마다 연속된 테이블을 나눠 주고, 나누어 \
             떨어지지 않으면 앞쪽 태스크가 하나씩 더 받습니다\n",
        ));
    }
    out
}

fn render_json(tables: u32, tasks_max: u32, tasks: &[Vec<String>]) -> String {
    let mut text = serde_json::json!({
        "tables": tables,
        "tasks_max": tasks_max,
        "task_count": tasks.len(),
        "tasks": tasks,
    })
    .to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(count: u32) -> Vec<String> {
        (1..=count).map(|n| format!("t{n}")).collect()
    }

    // The text names the rule and the tasks that never start.
    #[test]
    fn text() {
        assert_eq!(
            render(3, 5, &jdbc_source_tasks(&names(3), 5), Lang::En),
            "\
JDBC source connector: 3 tables (t1..t3), tasks.max=5
tasks that run: 3 = min(3 tables, tasks.max 5) (F29)
  task 0: t1
  task 1: t2
  task 2: t3
2 of tasks.max=5 never start: a table is read by one task only, so a task needs a table of its own
"
        );
    }

    // No tables and one table read as counts, not as a range like t1..t0.
    #[test]
    fn no_table_and_one_table() {
        assert_eq!(
            render(0, 2, &jdbc_source_tasks(&names(0), 2), Lang::En),
            "JDBC source connector: no tables, tasks.max=2\nno table task has work; recent \
             kafka-connect-jdbc versions still start one task that finds nothing to do, older \
             ones start none\n"
        );
        assert!(
            render(1, 1, &jdbc_source_tasks(&names(1), 1), Lang::En)
                .starts_with("JDBC source connector: 1 table (t1), tasks.max=1\n")
        );
    }

    // Bad counts are refused in the language asked for.
    #[test]
    fn bad_counts_are_refused_in_either_language() {
        assert!(check(0, 1, Lang::Ko).is_ok());
        assert_eq!(
            check(3, 0, Lang::En).unwrap_err().to_string(),
            "--tasks-max 0: tasks.max must be at least 1, as Kafka Connect requires"
        );
        assert_eq!(
            check(3, 0, Lang::Ko).unwrap_err().to_string(),
            "--tasks-max 0: Kafka Connect는 tasks.max가 1 이상이어야 합니다"
        );
        assert_eq!(
            check(10_001, 1, Lang::Ko).unwrap_err().to_string(),
            "--tables 10001: 테이블은 10000개까지 줄 수 있습니다"
        );
    }

    // In Korean the whole answer is Korean, Kafka's names (tasks.max, task) as they are.
    #[test]
    fn korean() {
        assert_eq!(
            render(3, 5, &jdbc_source_tasks(&names(3), 5), Lang::Ko),
            "\
JDBC 소스 커넥터: 테이블 3개 (t1..t3), tasks.max=5
실행되는 태스크: 3 = min(테이블 3개, tasks.max 5) (F29)
  task 0: t1
  task 1: t2
  task 2: t3
tasks.max=5 중 2개는 시작하지 않습니다: 테이블 하나는 태스크 하나만 읽으므로, 태스크마다 자기 테이블이 있어야 합니다
"
        );
    }
}
