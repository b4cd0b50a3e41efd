//! The CCDAK syllabus topics the study notes do not cover, numbered S01 on: a lesson teaches
//! facts of the notes (`F22`) or these topics (`S05`), and its questions' ids start with one.

use super::Area;

/// One syllabus topic beyond the notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Topic {
    pub id: &'static str,
    pub area: Area,
    pub title: &'static str,
}

const fn topic(id: &'static str, area: Area, title: &'static str) -> Topic {
    Topic { id, area, title }
}

/// Every syllabus topic, in id order; `docs/src/syllabus.md` maps each to its lesson.
pub const TOPICS: &[Topic] = &[
    topic(
        "S01",
        Area::Transactions,
        "transactions: transactional.id, isolation.level, sendOffsetsToTransaction, zombie fencing",
    ),
    topic(
        "S02",
        Area::Security,
        "encryption and authentication: SSL/TLS, SASL mechanisms, listeners",
    ),
    topic(
        "S03",
        Area::Security,
        "authorization: ACLs, resource patterns, super.users, allow.everyone.if.no.acl.found",
    ),
    topic(
        "S04",
        Area::Streams,
        "windowing: tumbling, hopping, sliding and session windows, grace, suppress",
    ),
    topic(
        "S05",
        Area::Streams,
        "Serdes: serializers and deserializers in Kafka Streams",
    ),
    topic(
        "S06",
        Area::Streams,
        "the Processor API: processors, punctuators, state stores",
    ),
    topic(
        "S07",
        Area::Streams,
        "testing topologies with TopologyTestDriver",
    ),
    topic("S08", Area::Streams, "interactive queries of state stores"),
    topic(
        "S09",
        Area::Streams,
        "joins: stream-stream, stream-table, table-table, co-partitioning",
    ),
    topic(
        "S10",
        Area::Ksql,
        "ksqlDB push and pull queries, CREATE TABLE AS SELECT",
    ),
    topic("S11", Area::Connect, "single message transforms (SMTs)"),
    topic(
        "S12",
        Area::Connect,
        "errors.tolerance and dead-letter queues",
    ),
    topic(
        "S13",
        Area::Connect,
        "distributed mode and its internal topics",
    ),
    topic(
        "S14",
        Area::SchemaRegistry,
        "Avro, Protobuf and JSON Schema converters and serializers",
    ),
    topic(
        "S15",
        Area::Consumer,
        "fetch settings: fetch.min.bytes, fetch.max.wait.ms, max.partition.fetch.bytes, fetch.max.bytes",
    ),
    topic(
        "S16",
        Area::Producer,
        "record size limits: max.request.size, message.max.bytes, max.message.bytes",
    ),
    topic(
        "S17",
        Area::Tools,
        "kafka-topics.sh, kafka-console-producer.sh, kafka-console-consumer.sh",
    ),
    topic(
        "S18",
        Area::Tools,
        "kafka-consumer-groups.sh and --reset-offsets",
    ),
    topic("S19", Area::Broker, "client quotas"),
    topic("S20", Area::Connect, "MirrorMaker 2"),
    topic(
        "S21",
        Area::Consumer,
        "the consumer group protocol of KIP-848 (group.protocol=consumer)",
    ),
    topic(
        "S22",
        Area::Clients,
        "effective client and topic settings: defaults and overrides",
    ),
];

/// The topic with this id, if it is one.
pub fn find(id: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|topic| topic.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Ids are S01, S02, … in order with no gap, so that a new topic takes the next number.
    #[test]
    fn ids_count_from_s01() {
        for (index, topic) in TOPICS.iter().enumerate() {
            assert_eq!(topic.id, format!("S{:02}", index + 1));
        }
        assert_eq!(find("S03").map(|t| t.area), Some(Area::Security));
        assert_eq!(find("S99"), None);
        assert_eq!(find("F01"), None);
    }
}
