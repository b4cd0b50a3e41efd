//! The producer's partitioner: which partition a record goes to, exactly as Kafka's Java client
//! decides it, and where a consumer group's offsets live.
//!
//! Kafka picks a record's partition in this order (`KafkaProducer.partition`):
//!
//! 1. the partition the record names, if any;
//! 2. a `partitioner.class`, if one is set: Kafka 4.0 ships [`RoundRobinPartitioner`]
//!    (`DefaultPartitioner` and `UniformStickyPartitioner`, the 2.4-3.x sticky classes, were
//!    removed in 4.0, KAFKA-18262); it decides for keyed records too;
//! 3. a key, unless `partitioner.ignore.keys=true`: [`partition_for_key`], a hash of the key's
//!    bytes modulo the number of partitions;
//! 4. otherwise the built-in "uniform sticky" partitioner ([`StickyPartitioner`], Kafka 3.3+,
//!    KIP-794): every null-key record goes to one partition until about `batch.size` bytes have
//!    been sent to it, then the producer moves on to another, preferring partitions whose
//!    queues are short.
//!
//! The producer in the simulation holds one `StickyPartitioner` per topic, as Kafka's
//! `RecordAccumulator` does. Its only randomness is the `RngCore` the caller passes in.

use rand::RngCore;

/// Kafka's 32-bit murmur2 hash (`Utils.murmur2`), computed with Java's `int` arithmetic: every
/// multiplication wraps around, and the shifts are unsigned (`>>>`).
///
/// Kafka hashes the *serialized* key, so for a string key these are its UTF-8 bytes.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java's `int length`; keys longer than 2 GiB cannot be sent anyway.
    let length = data.len() as u32;
    let mut h: u32 = SEED ^ length;

    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    // The last one to three bytes. Java reads them as `data[i] & 0xff`, that is unsigned.
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }

    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit. This is not `abs`: -1 becomes 2147483647,
/// and `i32::MIN` becomes 0 rather than overflowing.
pub fn to_positive(x: i32) -> i32 {
    x & 0x7fff_ffff
}

/// The partition of a record with a key (`BuiltInPartitioner.partitionForKey`):
/// `toPositive(murmur2(key)) % numPartitions`.
///
/// `num_partitions` counts *all* the topic's partitions, those without a leader too: a key is
/// never moved because a broker is down, its records wait (or fail) instead. Only adding
/// partitions moves keys, which is why the order of one key's records is lost across it. An
/// empty key is hashed like any other; only a null key goes to the sticky partitioner.
pub fn partition_for_key(key: &[u8], num_partitions: u32) -> u32 {
    assert!(num_partitions > 0, "a topic has at least one partition");
    // `to_positive` never returns a negative number, so the cast keeps the value.
    to_positive(murmur2(key)) as u32 % num_partitions
}

/// The weights the adaptive partitioner gives to partitions with these queue sizes (the number
/// of batches waiting in the producer for each partition): `max queue + 1 - queue`.
///
/// A partition whose broker is slow collects batches, so it gets a lower weight, and new
/// records go where they will be sent soonest; the `+ 1` keeps even the longest queue in play.
/// Queues `[5, 0, 3, 0, 1]` give weights `[1, 6, 3, 6, 5]`.
pub fn adaptive_weights(queue_sizes: &[u32]) -> Vec<u32> {
    let max_plus_one = queue_sizes.iter().copied().max().unwrap_or(0) + 1;
    queue_sizes
        .iter()
        .map(|&queue| max_plus_one - queue)
        .collect()
}

/// `org.apache.kafka.clients.producer.RoundRobinPartitioner`, one per topic as Kafka keeps one
/// counter per topic: each record, with a key or without, goes to the next partition in turn
/// among those with a leader (all partitions when none has one).
///
/// The counter starts at 0 and the index is `toPositive(counter) % available`, as in Kafka.
/// Keys are ignored: a configured `partitioner.class` is asked before the key hash (R7.1), so
/// one key's records spread over every partition and lose their order.
///
/// Batching: since KIP-480 the producer calls the partitioner a second time for a record that
/// opens a new batch (`onNewBatch`). Before the fix of KAFKA-17632 (merged for Kafka 4.0 and
/// backported to 3.9; KAFKA-9965 reported the problem in 2.4) that second call advanced the
/// counter again, so records
/// skipped partitions and with an even partition count only half of them received anything
/// (KAFKA-16283). Since the fix the second call returns the partition of the first, and the
/// spread is an exact rotation, which is what this models: records go 0, 1, 2, 0, 1, 2, …
/// and each partition's batch collects every N-th record.
#[derive(Clone, Debug, Default)]
pub struct RoundRobinPartitioner {
    counter: i32,
}

impl RoundRobinPartitioner {
    /// The partition for the next record. `has_leader[p]` says whether partition `p` has a
    /// leader in the producer's metadata; its length is the topic's partition count.
    pub fn partition(&mut self, has_leader: &[bool]) -> u32 {
        assert!(!has_leader.is_empty(), "a topic has at least one partition");
        let next = to_positive(self.counter) as u32;
        self.counter = self.counter.wrapping_add(1);
        let available = has_leader.iter().filter(|&&up| up).count() as u32;
        if available == 0 {
            return next % has_leader.len() as u32;
        }
        let index = (next % available) as usize;
        has_leader
            .iter()
            .enumerate()
            .filter(|(_, up)| **up)
            .nth(index)
            .map(|(p, _)| p as u32)
            .expect("index < available")
    }
}

/// Kafka's built-in partitioner for records without a key (`BuiltInPartitioner`, KIP-794).
///
/// Records stick to one partition so that they fill batches (fewer, larger requests), until
/// `batch.size` bytes have been appended to it; then the next record goes to a newly drawn
/// partition. Over time every partition gets the same number of bytes, unlike the older
/// sticky partitioner (KIP-480), which switched on every new batch and so favoured slow
/// brokers.
///
/// The switch waits while the partition's last batch is still open (not full), so that linger
/// can fill it, but never past twice `batch.size`.
///
/// The new partition is drawn uniformly among the partitions that have a leader, or, once load
/// statistics are known (`partitioner.adaptive.partitioning.enable`, on by default), with the
/// weights of [`adaptive_weights`]. The draw happens at the moment of the switch, as in Kafka.
///
/// How the simulated producer uses it, for every record without a key:
///
/// 1. [`StickyPartitioner::partition`] gives the partition to append to;
/// 2. the producer appends the record there;
/// 3. [`StickyPartitioner::on_append`] counts the bytes and maybe switches.
///
/// Whenever the producer checks which batches are ready to send, it refreshes the queue sizes
/// with [`StickyPartitioner::update_load_stats`].
#[derive(Clone, Debug)]
pub struct StickyPartitioner {
    /// Bytes to append to a partition before switching: the producer's `batch.size`, at
    /// least 1.
    sticky_batch_size: u64,
    /// The partition records currently stick to, and the bytes appended to it so far; `None`
    /// until the first record without a key.
    current: Option<Sticky>,
    /// Queue sizes from the last readiness check, `None` when not adaptive (see
    /// `update_load_stats`). The weights are worked out from them only when a switch draws.
    queue_sizes: Option<Vec<Option<u32>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sticky {
    partition: u32,
    produced_bytes: u64,
}

/// The adaptive weights as a running sum: a uniform draw in `0..total` lands on the first
/// partition whose running sum is greater than it, with a probability equal to its weight.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LoadStats {
    cumulative_weights: Vec<u64>,
    partitions: Vec<u32>,
}

impl StickyPartitioner {
    /// A partitioner for one topic of a producer with this `batch.size`. Kafka treats a
    /// `batch.size` of 0 (batching off) as 1 here.
    pub fn new(batch_size: u64) -> StickyPartitioner {
        StickyPartitioner {
            sticky_batch_size: batch_size.max(1),
            current: None,
            queue_sizes: None,
        }
    }

    /// The partition records currently stick to, if one was chosen.
    pub fn current(&self) -> Option<u32> {
        self.current.map(|sticky| sticky.partition)
    }

    /// The partition for the next record without a key (Kafka: `peekCurrentPartitionInfo`,
    /// then the accumulator's `partitionChanged` check).
    ///
    /// `has_leader[p]` says whether the producer's metadata knows a leader for partition `p`;
    /// its length is the topic's partition count. `all_batches_full(p)` says whether partition
    /// `p` has no open batch in the producer (its last batch is full, or it has none): then a
    /// switch that was held back for an open batch happens now.
    pub fn partition(
        &mut self,
        rng: &mut impl RngCore,
        has_leader: &[bool],
        mut all_batches_full: impl FnMut(u32) -> bool,
    ) -> u32 {
        loop {
            let sticky = match self.current {
                Some(sticky) => sticky,
                None => {
                    let partition = self.next_partition(rng, has_leader);
                    self.start(partition)
                }
            };
            if all_batches_full(sticky.partition) {
                self.on_append(rng, sticky.partition, 0, true, has_leader);
                if self.current() != Some(sticky.partition) {
                    // The held-back switch happened: look again at the new partition.
                    continue;
                }
            }
            return sticky.partition;
        }
    }

    /// Counts `bytes` appended to `partition` for a record without a key, and switches to a
    /// newly drawn partition once enough bytes went there (Kafka: `updatePartitionInfo`).
    ///
    /// `bytes` is how much the producer's batch grew: the record's size, or the whole new
    /// batch's size when the record opened one. `all_batches_full` says whether, after this
    /// append, the partition has no open batch left; while it has one, the switch waits until
    /// `2 × batch.size` bytes.
    pub fn on_append(
        &mut self,
        rng: &mut impl RngCore,
        partition: u32,
        bytes: u64,
        all_batches_full: bool,
        has_leader: &[bool],
    ) {
        let sticky = self
            .current
            .as_mut()
            .expect("on_append follows partition(), which chose a sticky partition");
        assert_eq!(
            sticky.partition, partition,
            "records without a key are appended to the sticky partition"
        );
        sticky.produced_bytes += bytes;
        let produced = sticky.produced_bytes;
        let enough = produced >= self.sticky_batch_size && all_batches_full;
        let far_too_much = produced >= self.sticky_batch_size * 2;
        if enough || far_too_much {
            let next = self.next_partition(rng, has_leader);
            self.start(next);
        }
    }

    /// Refreshes the adaptive statistics from the producer's queues (Kafka:
    /// `updatePartitionLoadStats`, called from the sender's readiness check).
    ///
    /// `queue_sizes[p]` is the number of batches waiting for partition `p`, or `None` when `p`
    /// has no leader (such a partition is never chosen). Pass `None` for the whole argument
    /// when adaptive partitioning is off, or while some partition has had no batch yet (Kafka
    /// stays uniform until it has seen every partition). With fewer than two partitions, or
    /// queues all equal, the choice stays uniform.
    pub fn update_load_stats(&mut self, queue_sizes: Option<&[Option<u32>]>) {
        match queue_sizes {
            None => self.queue_sizes = None,
            Some(sizes) => {
                let kept = self.queue_sizes.get_or_insert_with(Vec::new);
                kept.clear();
                kept.extend_from_slice(sizes);
            }
        }
    }

    /// `update_load_stats(Some(sizes))` without collecting the sizes first: the producer
    /// calls it on every append, so the kept vector is refilled in place.
    pub fn set_queue_sizes(&mut self, sizes: impl IntoIterator<Item = Option<u32>>) {
        let kept = self.queue_sizes.get_or_insert_with(Vec::new);
        kept.clear();
        kept.extend(sizes);
    }

    fn start(&mut self, partition: u32) -> Sticky {
        let sticky = Sticky {
            partition,
            produced_bytes: 0,
        };
        self.current = Some(sticky);
        sticky
    }

    /// Draws the next sticky partition (Kafka: `nextPartition`): one non-negative random `int`,
    /// reduced modulo the number of candidates or the total weight.
    fn next_partition(&self, rng: &mut impl RngCore, has_leader: &[bool]) -> u32 {
        assert!(!has_leader.is_empty(), "a topic has at least one partition");
        let random = to_positive(rng.next_u32() as i32) as u64;
        match &self.queue_sizes.as_deref().and_then(load_stats) {
            None => {
                let available: Vec<u32> = (0u32..)
                    .zip(has_leader)
                    .filter(|&(_, &leader)| leader)
                    .map(|(partition, _)| partition)
                    .collect();
                if available.is_empty() {
                    // No partition has a leader: pick any, the records wait for one.
                    (random % has_leader.len() as u64) as u32
                } else {
                    available[(random % available.len() as u64) as usize]
                }
            }
            Some(stats) => {
                let total = *stats
                    .cumulative_weights
                    .last()
                    .expect("load stats cover at least one partition");
                let draw = random % total;
                let index = stats.cumulative_weights.partition_point(|&sum| sum <= draw);
                stats.partitions[index]
            }
        }
    }
}

/// The cumulative weights for the partitions that have a leader, or `None` when the choice
/// should stay uniform.
fn load_stats(queue_sizes: &[Option<u32>]) -> Option<LoadStats> {
    let (partitions, queues): (Vec<u32>, Vec<u32>) = (0u32..)
        .zip(queue_sizes)
        .filter_map(|(partition, queue)| queue.map(|queue| (partition, queue)))
        .unzip();
    if partitions.is_empty() || queue_sizes.len() < 2 {
        return None;
    }
    let all_equal = queues.iter().all(|&queue| queue == queues[0]);
    if all_equal && partitions.len() == queue_sizes.len() {
        return None;
    }
    let cumulative_weights = adaptive_weights(&queues)
        .into_iter()
        .scan(0u64, |sum, weight| {
            *sum += u64::from(weight);
            Some(*sum)
        })
        .collect();
    Some(LoadStats {
        cumulative_weights,
        partitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    // Our murmur2 gives the six values Kafka's own UtilsTest.testMurmur2 asserts.
    #[test]
    fn murmur2_matches_kafka_test_vectors() {
        let cases: [(&str, i32); 6] = [
            ("21", -973932308),
            ("foobar", -790332482),
            ("a-little-bit-long-string", -985981536),
            ("a-little-bit-longer-string", -1486304829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58897971,
            ),
            ("abc", 479470107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key.as_bytes()), expected, "murmur2({key:?})");
        }
    }

    // The hashes behind the partition table: a key with a 2-byte tail, a 0-byte tail and the
    // empty key.
    #[test]
    fn murmur2_of_table_keys() {
        assert_eq!(murmur2(b"user-1"), 1404122828);
        assert_eq!(murmur2(b"key3"), -1745673403);
        assert_eq!(murmur2(b""), 275646681);
    }

    // Keys land on the partitions of the reference table, for 3, 4 and 6 partitions.
    #[test]
    fn partition_table() {
        let table: [(&str, [u32; 3]); 6] = [
            ("foobar", [0, 2, 0]),
            ("abc", [0, 3, 3]),
            ("a-little-bit-longer-string", [2, 3, 5]),
            ("user-1", [2, 0, 2]),
            ("key3", [1, 1, 1]),
            ("", [0, 1, 3]),
        ];
        for (key, expected) in table {
            for (n, want) in [3, 4, 6].into_iter().zip(expected) {
                assert_eq!(
                    partition_for_key(key.as_bytes(), n),
                    want,
                    "{key:?} with N={n}"
                );
            }
        }
    }

    // toPositive clears the sign bit; it is not abs.
    #[test]
    fn to_positive_masks_the_sign_bit() {
        assert_eq!(to_positive(5), 5);
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-790332482), 1357151166);
    }

    // The reference case of BuiltInPartitionerTest.adaptivePartitionsTest.
    #[test]
    fn adaptive_weights_of_reference_queues() {
        assert_eq!(adaptive_weights(&[5, 0, 3, 0, 1]), vec![1, 6, 3, 6, 5]);
        assert_eq!(adaptive_weights(&[]), Vec::<u32>::new());
    }

    // The running sums of the weights, and the partitions they belong to; partitions without
    // a leader are left out.
    #[test]
    fn load_stats_build_cumulative_weights() {
        let queues = [Some(5), Some(0), Some(3), Some(0), Some(1)];
        let stats = load_stats(&queues).unwrap();
        assert_eq!(stats.cumulative_weights, vec![1, 7, 10, 16, 21]);
        assert_eq!(stats.partitions, vec![0, 1, 2, 3, 4]);

        let stats = load_stats(&[Some(2), None, Some(0)]).unwrap();
        assert_eq!(stats.cumulative_weights, vec![1, 4]);
        assert_eq!(stats.partitions, vec![0, 2]);
    }

    // Equal queues, a single partition or no partition with a leader keep the choice uniform;
    // equal queues with a leaderless partition do not.
    #[test]
    fn load_stats_stay_uniform_when_nothing_to_weigh() {
        assert_eq!(load_stats(&[Some(2), Some(2), Some(2)]), None);
        assert_eq!(load_stats(&[Some(4)]), None);
        assert_eq!(load_stats(&[None, None]), None);
        let stats = load_stats(&[Some(1), None, Some(1)]).unwrap();
        assert_eq!(stats.cumulative_weights, vec![1, 2]);
    }

    // Each draw lands on the partition whose weight range holds it, so over many draws each
    // partition is chosen in proportion to its weight.
    #[test]
    fn adaptive_draws_follow_the_weights() {
        let mut partitioner = StickyPartitioner::new(1);
        partitioner.update_load_stats(Some(&[Some(5), Some(0), Some(3), Some(0), Some(1)]));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let has_leader = [true; 5];
        let mut counts = [0u32; 5];
        for _ in 0..21_000 {
            counts[partitioner.next_partition(&mut rng, &has_leader) as usize] += 1;
        }
        for (partition, (&count, weight)) in counts.iter().zip([1, 6, 3, 6, 5]).enumerate() {
            let expected = 1000 * weight;
            assert!(
                count.abs_diff(expected) < expected / 10 + 100,
                "partition {partition}: {count} draws, expected about {expected}"
            );
        }
    }

    // Without load stats, only partitions with a leader are drawn.
    #[test]
    fn uniform_draws_skip_partitions_without_leader() {
        let partitioner = StickyPartitioner::new(16384);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let has_leader = [false, true, false, true];
        for _ in 0..200 {
            let partition = partitioner.next_partition(&mut rng, &has_leader);
            assert!(partition == 1 || partition == 3, "drew {partition}");
        }
        // With no leader anywhere, any partition will do.
        let partition = partitioner.next_partition(&mut rng, &[false, false]);
        assert!(partition < 2);
    }

    // Records stick to one partition until batch.size bytes went there, then move on.
    #[test]
    fn sticks_until_batch_size_bytes() {
        let mut partitioner = StickyPartitioner::new(100);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let has_leader = [true; 8];
        let first = partitioner.partition(&mut rng, &has_leader, |_| false);
        for _ in 0..3 {
            partitioner.on_append(&mut rng, first, 30, true, &has_leader);
            assert_eq!(
                partitioner.current(),
                Some(first),
                "90 bytes or fewer stay put"
            );
        }
        partitioner.on_append(&mut rng, first, 30, true, &has_leader);
        // 120 bytes: a new partition was drawn (possibly the same one again, with fresh count).
        let second = partitioner.partition(&mut rng, &has_leader, |_| false);
        assert_eq!(
            partitioner.current,
            Some(Sticky {
                partition: second,
                produced_bytes: 0
            })
        );
    }

    // While the partition's batch is still open, the switch waits, but not past 2 × batch.size.
    #[test]
    fn open_batch_holds_the_switch_up_to_twice_batch_size() {
        let mut partitioner = StickyPartitioner::new(100);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let has_leader = [true; 8];
        let first = partitioner.partition(&mut rng, &has_leader, |_| false);
        partitioner.on_append(&mut rng, first, 150, false, &has_leader);
        assert_eq!(
            partitioner.current,
            Some(Sticky {
                partition: first,
                produced_bytes: 150
            })
        );
        partitioner.on_append(&mut rng, first, 50, false, &has_leader);
        assert_eq!(
            partitioner.current.unwrap().produced_bytes,
            0,
            "switched at 200 bytes"
        );
    }

    // A held-back switch happens at the next record once the batch has been sent.
    #[test]
    fn held_back_switch_happens_once_the_batch_is_gone() {
        let mut partitioner = StickyPartitioner::new(100);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let has_leader = [true; 8];
        let first = partitioner.partition(&mut rng, &has_leader, |_| false);
        partitioner.on_append(&mut rng, first, 120, false, &has_leader);
        // The batch is still open: no switch.
        assert_eq!(
            partitioner.partition(&mut rng, &has_leader, |_| false),
            first
        );
        // The batch was sent: the partitioner moves on before placing the next record.
        let _ = partitioner.partition(&mut rng, &has_leader, |p| p == first);
        assert_eq!(partitioner.current.unwrap().produced_bytes, 0);
    }

    /// An RNG that returns the given `next_u32` values in turn, so that every draw is known.
    struct Scripted(std::vec::IntoIter<u32>);

    impl RngCore for Scripted {
        fn next_u32(&mut self) -> u32 {
            self.0.next().expect("the test scripted enough draws")
        }
        fn next_u64(&mut self) -> u64 {
            u64::from(self.next_u32())
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            rand::rand_core::impls::fill_bytes_via_next(self, dest);
        }
    }

    // R7.5 (KIP-794): with batch.size 10 and 4-byte records in closed batches, every third
    // record (12 bytes >= 10) switches partitions; the new one is
    // toPositive(nextInt()) % (partitions with a leader), counted among those with a leader
    // (Kafka's `BuiltInPartitioner.nextPartition`). Partition 2 has no leader here.
    #[test]
    fn uniform_sticky_switches_after_batch_size_to_the_drawn_partition() {
        let mut partitioner = StickyPartitioner::new(10);
        // Available partitions: [0, 1, 3, 4, 5] (five).
        let has_leader = [true, true, false, true, true, true];
        // 7 % 5 = 2 -> partition 3; 0x8000_0009 has its sign bit cleared: 9 % 5 = 4 ->
        // partition 5; 5 % 5 = 0 -> partition 0; 11 % 5 = 1 -> partition 1.
        let mut rng = Scripted(vec![7, 0x8000_0009, 5, 11].into_iter());
        let picks: Vec<u32> = (0..10)
            .map(|_| {
                let p = partitioner.partition(&mut rng, &has_leader, |_| false);
                partitioner.on_append(&mut rng, p, 4, true, &has_leader);
                p
            })
            .collect();
        assert_eq!(picks, [3, 3, 3, 5, 5, 5, 0, 0, 0, 1]);
    }

    // Round robin visits the available partitions in turn, skips leaderless ones, and falls
    // back to all partitions when none has a leader.
    #[test]
    fn round_robin_rotates_over_available_partitions() {
        let mut rr = RoundRobinPartitioner::default();
        let all = [true, true, true];
        let picks: Vec<u32> = (0..7).map(|_| rr.partition(&all)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2, 0]);

        let mut rr = RoundRobinPartitioner::default();
        let without_1 = [true, false, true, true];
        let picks: Vec<u32> = (0..6).map(|_| rr.partition(&without_1)).collect();
        assert_eq!(picks, [0, 2, 3, 0, 2, 3]);

        let mut rr = RoundRobinPartitioner::default();
        let none = [false, false];
        let picks: Vec<u32> = (0..3).map(|_| rr.partition(&none)).collect();
        assert_eq!(picks, [0, 1, 0]);
    }

    // The counter is a Java int: past 2147483647 it goes negative and toPositive clears the
    // sign bit, so the rotation jumps (as Kafka's does) instead of panicking.
    #[test]
    fn round_robin_counter_wraps_like_a_java_int() {
        let mut rr = RoundRobinPartitioner { counter: i32::MAX };
        let all = [true, true, true];
        assert_eq!(rr.partition(&all), (i32::MAX as u32) % 3);
        assert_eq!(rr.partition(&all), 0); // toPositive(i32::MIN) = 0
        assert_eq!(rr.partition(&all), 1);
    }
}
