//! STUB: Kafka's murmur2 partitioner.
