//! Kafka Connect's task arithmetic (F29): how many tasks a JDBC source connector runs for a
//! number of tables and `tasks.max`, and which tables each task reads.
//!
//! `JdbcSourceConnector.taskConfigs(maxTasks)` groups the tables it found with
//! `ConnectorUtils.groupPartitions(tables, min(tables, maxTasks))`: contiguous groups, the
//! first `tables % groups` of them one table larger. A table is never split between tasks, so
//! with fewer tables than `tasks.max` only one task per table runs.

/// Kafka Connect's `ConnectorUtils.groupPartitions`: `elements` in `groups` contiguous groups,
/// the first `len % groups` one element larger than the rest.
pub fn group_partitions<T: Clone>(elements: &[T], groups: usize) -> Vec<Vec<T>> {
    assert!(groups > 0, "Number of groups must be positive.");
    let per_group = elements.len() / groups;
    let leftover = elements.len() - groups * per_group;
    let mut rest = elements;
    (0..groups)
        .map(|group| {
            let size = if group < leftover {
                per_group + 1
            } else {
                per_group
            };
            let (this, after) = rest.split_at(size);
            rest = after;
            this.to_vec()
        })
        .collect()
}

/// The tables each task of a JDBC source reads: `min(tables, tasks.max)` groups; no group at
/// all when there are no tables (the connector then runs no task).
pub fn jdbc_source_tasks(tables: &[String], tasks_max: u32) -> Vec<Vec<String>> {
    let groups = tables.len().min(tasks_max as usize);
    if groups == 0 {
        return Vec::new();
    }
    group_partitions(tables, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(count: u32) -> Vec<String> {
        (1..=count).map(|n| format!("t{n}")).collect()
    }

    // groupPartitions: contiguous groups, the first `len % groups` one larger, as Kafka does.
    #[test]
    fn groups_like_connector_utils() {
        assert_eq!(
            group_partitions(&[1, 2, 3, 4, 5, 6, 7], 3),
            vec![vec![1, 2, 3], vec![4, 5], vec![6, 7]]
        );
        assert_eq!(group_partitions(&[1, 2], 2), vec![vec![1], vec![2]]);
        assert_eq!(
            group_partitions(&[1, 2], 3),
            vec![vec![1], vec![2], Vec::<i32>::new()]
        );
    }

    // F29: fewer tables than tasks.max runs one task per table; more tables share tasks.
    #[test]
    fn one_task_per_table_below_tasks_max() {
        assert_eq!(jdbc_source_tasks(&names(3), 5).len(), 3);
        assert_eq!(
            jdbc_source_tasks(&names(5), 2),
            vec![names(3), vec!["t4".to_string(), "t5".to_string()]]
        );
        assert!(jdbc_source_tasks(&[], 4).is_empty());
    }
}
