//! Which Kafka release the simulated cluster runs (`[cluster] kafka_version`), resolved into
//! the few replication rules that changed between releases because real clusters lost data.
//!
//! A version is a release line (`"2.0"`, `"3.6"`); a patch number (`"3.6.2"`) is accepted and
//! means its line. [`Behaviour`] holds one flag per rule that differs between the supported
//! lines, each documented with the rule and the Kafka change that introduced it; the broker,
//! the controller and the consumer read these flags, never the version itself. Everything
//! else (settings, defaults, protocols) stays Kafka 4.0's, except the one default that moved
//! with a replication rule: `unclean.leader.election.enable` (true before 0.11, KIP-106), and
//! the finalized level of `eligible.leader.replicas.version` on a new cluster (1 from 4.1).
//! `docs/src/versions.md` tells the story of each rule.

use std::fmt;

/// The release lines ksim models, oldest first. The newest is the default.
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "0.10", "0.11", "1.0", "1.1", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8",
    "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "4.0", "4.1",
];

/// Kafka's feature flag for eligible leader replicas (KIP-966), set with
/// `kafka-features.sh upgrade --feature eligible.leader.replicas.version=1` or at format time;
/// a scenario sets it in `[cluster] features`.
pub const ELR_FEATURE: &str = "eligible.leader.replicas.version";

/// A Kafka release line, such as 3.6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KafkaVersion {
    pub major: u8,
    pub minor: u8,
}

impl KafkaVersion {
    /// The newest release whose behaviour ksim models: 4.1, the first to turn on eligible
    /// leader replicas (KIP-966) for new clusters.
    pub const NEWEST: KafkaVersion = KafkaVersion::new(4, 1);

    /// The release a scenario runs without `kafka_version`: 4.0, whose shipped traces are
    /// pinned. Under 4.1 a partition whose last ISR member is fenced shows an empty ISR and
    /// an ELR instead (`docs/src/versions.md`).
    pub const DEFAULT: KafkaVersion = KafkaVersion::new(4, 0);

    pub const fn new(major: u8, minor: u8) -> KafkaVersion {
        KafkaVersion { major, minor }
    }

    /// `"3.6"` or `"3.6.2"`, for a line in [`SUPPORTED_VERSIONS`]; the error lists them.
    pub fn parse(text: &str) -> Result<KafkaVersion, String> {
        let trimmed = text.trim();
        let parts: Vec<&str> = trimmed.split('.').collect();
        let numbers: Option<Vec<u8>> = parts.iter().map(|p| p.parse::<u8>().ok()).collect();
        let line = match (numbers.as_deref(), parts.len()) {
            (Some([major, minor]), 2) | (Some([major, minor, _]), 3) => {
                Some(KafkaVersion::new(*major, *minor))
            }
            _ => None,
        };
        match line {
            Some(version) if SUPPORTED_VERSIONS.contains(&version.to_string().as_str()) => {
                Ok(version)
            }
            _ => Err(format!(
                "{text:?} is not a release ksim models; expected one of {}",
                SUPPORTED_VERSIONS
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The rules this release follows.
    pub fn behaviour(self) -> Behaviour {
        let at_least = |major: u8, minor: u8| self >= KafkaVersion::new(major, minor);
        Behaviour {
            version: self,
            truncation: if at_least(2, 0) {
                Truncation::DivergingEpoch
            } else if at_least(0, 11) {
                Truncation::EpochEndOffset
            } else {
                Truncation::HighWatermark
            },
            bounced_broker_keeps_isr: !at_least(2, 2),
            consumer_validates_position: at_least(2, 3),
            high_watermark_waits_for_min_isr: at_least(3, 7),
            unclean_leader_election_default: !at_least(0, 11),
            eligible_leader_replicas: at_least(4, 1),
        }
    }
}

impl Default for KafkaVersion {
    fn default() -> KafkaVersion {
        KafkaVersion::DEFAULT
    }
}

impl fmt::Display for KafkaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// How a replica that becomes a follower finds where its log stops agreeing with the leader's
/// (reference R5.1-R5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truncation {
    /// Before 0.11: truncate to its own high watermark on becoming a follower, then fetch; a
    /// fetch past the leader's log end gets OFFSET_OUT_OF_RANGE and the follower truncates to
    /// the leader's log end (`ReplicaManager.makeFollowers`, `ReplicaFetcherThread.
    /// handleOffsetOutOfRange` in 0.10.2). The high watermark trails the leader by a round
    /// trip, so this loses committed records and lets logs diverge (KIP-101 scenarios 1, 2).
    HighWatermark,
    /// 0.11 to 1.1 (KIP-101): batches carry their leader epoch and each replica caches
    /// epoch → start offset. The follower asks the leader where its latest epoch ends and
    /// truncates to that offset if it is below its own log end; the leader answers only "the
    /// start of the next epoch", not which epoch that is, so two logs that differ inside an
    /// epoch the leader never had can stay different (`ReplicaFetcherThread.maybeTruncate`
    /// in 1.1; reference trace T3).
    EpochEndOffset,
    /// 2.0 on (KIP-279): the leader also answers with the largest epoch it has at or below
    /// the one asked for; a follower that does not know that epoch's end at the same offset
    /// truncates further, to where both logs agree (`getOffsetTruncationState` in 2.0; on
    /// Fetch as DivergingEpoch since 2.8, KIP-595).
    DivergingEpoch,
}

/// The replication rules of one Kafka release, read by the brokers, the controller and the
/// consumers. Each flag is one rule and the release that changed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Behaviour {
    /// The release these rules come from, for the trace and messages.
    pub version: KafkaVersion,
    /// How a new follower truncates its log (R5.1-R5.4).
    pub truncation: Truncation,
    /// Before 2.2 (KIP-380): a broker that restarts while its old ZooKeeper session is still
    /// alive is not seen to have failed. It registers again at once and keeps its place in
    /// every ISR, so it may be elected leader with whatever its restart left in its log
    /// (reference trace T1, step 5). From 2.2 the controller treats a bounced broker as failed
    /// then started (`KafkaController.processBrokerChange`: `onBrokerFailure` for bounced
    /// brokers), as KRaft does by fencing the old incarnation.
    pub bounced_broker_keeps_isr: bool,
    /// From 2.3 (KIP-320, consumer side; `SubscriptionState.maybeCompleteValidation`): after a
    /// leader change the consumer checks its position against the new leader's end offset
    /// for the epoch of the last record it read, and detects a truncated log.
    pub consumer_validates_position: bool,
    /// From 3.7 (KAFKA-15583, `Partition.maybeIncrementLeaderHW` returns early when
    /// `isUnderMinIsr`): the high watermark does not advance while the ISR is smaller than
    /// min(min.insync.replicas, replication factor). Before, it advanced regardless, so an
    /// acks=1 record written to a leader alone became visible to consumers at once.
    pub high_watermark_waits_for_min_isr: bool,
    /// Before 0.11 (KIP-106) `unclean.leader.election.enable` defaulted to true.
    pub unclean_leader_election_default: bool,
    /// Eligible leader replicas (KIP-966, `eligible.leader.replicas.version=1`): the controller
    /// keeps, beside the ISR, the replicas that left it while it was below min ISR (they hold
    /// every committed record, since the high watermark stopped), lets the last member leave
    /// the ISR when it is fenced, forgets a replica that comes back from an unclean shutdown,
    /// and elects from the ELR when the ISR is empty (`PartitionChangeBuilder`). Available
    /// from 4.0 behind the feature flag; finalized at level 1 on new clusters from 4.1. A
    /// scenario's `[cluster] features` may turn it on under 4.0 or off under 4.1.
    pub eligible_leader_replicas: bool,
}

impl Default for Behaviour {
    fn default() -> Behaviour {
        KafkaVersion::DEFAULT.behaviour()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every supported line parses, with or without a patch number, and the newest is 4.1.
    #[test]
    fn supported_lines_parse() {
        for text in SUPPORTED_VERSIONS {
            let version = KafkaVersion::parse(text).expect("supported");
            assert_eq!(version.to_string(), *text);
        }
        assert_eq!(
            KafkaVersion::parse("3.6.2"),
            Ok(KafkaVersion::new(3, 6)),
            "a patch release means its line"
        );
        assert_eq!(
            SUPPORTED_VERSIONS.last().copied(),
            Some("4.1"),
            "NEWEST is the last line"
        );
        assert_eq!(KafkaVersion::NEWEST.to_string(), "4.1");
    }

    /// Unknown releases and malformed text are refused with the list of supported lines.
    #[test]
    fn unknown_versions_are_refused() {
        for text in ["4.2", "0.9", "3", "3.x", "", "3.6.2.1", "latest"] {
            let error = KafkaVersion::parse(text).expect_err(text);
            assert!(error.contains("expected one of \"0.10\""), "{error}");
        }
    }

    /// Each rule changes at the release its source names, and at no other.
    #[test]
    fn rules_change_at_their_release() {
        let b = |text: &str| KafkaVersion::parse(text).unwrap().behaviour();
        assert_eq!(b("0.10").truncation, Truncation::HighWatermark);
        assert_eq!(b("0.11").truncation, Truncation::EpochEndOffset);
        assert_eq!(b("1.1").truncation, Truncation::EpochEndOffset);
        assert_eq!(b("2.0").truncation, Truncation::DivergingEpoch);
        assert!(b("2.1").bounced_broker_keeps_isr);
        assert!(!b("2.2").bounced_broker_keeps_isr);
        assert!(!b("2.2").consumer_validates_position);
        assert!(b("2.3").consumer_validates_position);
        assert!(!b("3.6").high_watermark_waits_for_min_isr);
        assert!(b("3.7").high_watermark_waits_for_min_isr);
        assert!(b("0.10").unclean_leader_election_default);
        assert!(!b("0.11").unclean_leader_election_default);
        assert!(!b("4.0").eligible_leader_replicas);
        assert!(b("4.1").eligible_leader_replicas);
        assert_eq!(Behaviour::default(), b("4.0"));
        assert_eq!(b("4.0"), b("3.7").with_version(KafkaVersion::DEFAULT));
        let with_elr = Behaviour {
            eligible_leader_replicas: true,
            ..b("3.7")
        };
        assert_eq!(b("4.1"), with_elr.with_version(KafkaVersion::NEWEST));
    }

    impl Behaviour {
        fn with_version(self, version: KafkaVersion) -> Behaviour {
            Behaviour { version, ..self }
        }
    }
}
