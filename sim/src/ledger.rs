//! STUB: the ledger; fields are the contract.
use crate::ids::{RecordId, TopicPartition};

#[derive(Clone, Debug)]
pub struct Ledger {
    pub records: Vec<RecordFate>,
    pub summary: LedgerSummary,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerSummary {
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    /// Sent but neither acknowledged nor failed when the run ended.
    pub pending: u64,
    /// Below the high watermark of the partition at some point: replicated to the ISR.
    pub committed: u64,
    /// Acknowledged, then gone from the partition's log.
    pub acked_lost: u64,
    /// Present more than once in the final log.
    pub duplicated: u64,
    /// Placed in the final log after a record its producer sent later to the same partition.
    pub reordered: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Pending,
    Acked,
    Failed,
    Lost,
}

#[derive(Clone, Debug)]
pub struct RecordFate {
    pub id: RecordId,
    pub value: String,
    pub key: Option<String>,
    pub partition: TopicPartition,
    pub fate: Fate,
    /// The offset the producer was told (acks=1/all), if acknowledged.
    pub offset: Option<u64>,
    /// The error that failed it, by Kafka's name.
    pub error: Option<String>,
    pub committed: bool,
    pub duplicated: bool,
    pub reordered: bool,
    /// The trace line of the event that decided the fate (the ack, the failure, the loss).
    pub decided_by: Option<String>,
}
