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
) -> anyhow::Result<ExitCode> {
    let names: Vec<String> = (1..=tables).map(|n| format!("t{n}")).collect();
    let tasks = jdbc_source_tasks(&names, tasks_max);
    let text = match format {
        ConnectTasksFormat::Text => render(tables, tasks_max, &tasks),
        ConnectTasksFormat::Json => render_json(tables, tasks_max, &tasks),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn render(tables: u32, tasks_max: u32, tasks: &[Vec<String>]) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "JDBC source connector: {tables} tables (t1..t{tables}), tasks.max={tasks_max}"
    )
    .unwrap();
    if tables == 0 {
        out.push_str(
            "no tables: no table task has work; recent kafka-connect-jdbc versions still start \
             one task that finds nothing to do, older ones start none\n",
        );
        return out;
    }
    writeln!(
        out,
        "tasks that run: {} = min({tables} tables, tasks.max {tasks_max}) (F29)",
        tasks.len()
    )
    .unwrap();
    for (index, tables) in tasks.iter().enumerate() {
        writeln!(out, "  task {index}: {}", tables.join(", ")).unwrap();
    }
    let unused = tasks_max as usize - tasks.len();
    if unused > 0 {
        writeln!(
            out,
            "{unused} of tasks.max={tasks_max} never start: a table is read by one task only, \
             so a task needs a table of its own"
        )
        .unwrap();
    } else if tasks.iter().any(|t| t.len() > 1) {
        out.push_str(
            "ConnectorUtils.groupPartitions gives each task a contiguous run of tables, the \
             first tasks one more when they do not divide evenly\n",
        );
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
            render(3, 5, &jdbc_source_tasks(&names(3), 5)),
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
}
