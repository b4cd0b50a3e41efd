"""A real Kafka client's round trip through `ksim serve`: produce records, then read them back.

Usage: python3 roundtrip.py kafka-python|confluent-kafka BOOTSTRAP TOPIC COUNT [GROUP]

Produces COUNT keyed records with acks=all (confluent-kafka as an idempotent producer, so
InitProducerId and sequence numbers are exercised), then assigns every partition of TOPIC
from the beginning and reads until COUNT records came back. With GROUP, the records are read
by a consumer that subscribes in that group instead (FindCoordinator, JoinGroup, SyncGroup,
Heartbeat), commits and leaves; then a second consumer of the group must get nothing, since
the group's committed offsets are at the end. Prints each record as key=value and exits 0;
exits 1 with the reason on any failure or after 25 seconds.
"""

import sys
import time

DEADLINE = time.monotonic() + 25


def with_kafka_python(bootstrap, topic, count, group):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=10000)
    futures = [
        producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode())
        for i in range(count)
    ]
    for f in futures:
        f.get(timeout=max(1, DEADLINE - time.monotonic()))
    producer.close()
    if group:
        def read(limit):
            consumer = KafkaConsumer(
                topic,
                bootstrap_servers=bootstrap,
                group_id=group,
                auto_offset_reset="earliest",
                enable_auto_commit=False,
            )
            got = []
            stop = min(DEADLINE, time.monotonic() + limit)
            while len(got) < count and time.monotonic() < stop:
                for records in consumer.poll(timeout_ms=500).values():
                    got.extend((r.key.decode(), r.value.decode()) for r in records)
            if got:
                consumer.commit()
            consumer.close()
            return got

        return read(15) + read(5)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    got = []
    while len(got) < count and time.monotonic() < DEADLINE:
        for records in consumer.poll(timeout_ms=500).values():
            got.extend((r.key.decode(), r.value.decode()) for r in records)
    consumer.close()
    return got


def with_confluent_kafka(bootstrap, topic, count, group):
    from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

    errors = []
    producer = Producer(
        {"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True}
    )
    for i in range(count):
        producer.produce(
            topic,
            key=f"k{i}",
            value=f"v{i}",
            on_delivery=lambda err, msg: err and errors.append(str(err)),
        )
    left = producer.flush(max(1, DEADLINE - time.monotonic()))
    if left or errors:
        raise RuntimeError(f"{left} records undelivered, errors {errors}")
    if group:
        def read(limit):
            consumer = Consumer(
                {
                    "bootstrap.servers": bootstrap,
                    "group.id": group,
                    "auto.offset.reset": "earliest",
                    "enable.auto.commit": False,
                }
            )
            consumer.subscribe([topic])
            got = []
            stop = min(DEADLINE, time.monotonic() + limit)
            while len(got) < count and time.monotonic() < stop:
                msg = consumer.poll(0.5)
                if msg is None:
                    continue
                if msg.error():
                    raise RuntimeError(str(msg.error()))
                got.append((msg.key().decode(), msg.value().decode()))
            if got:
                consumer.commit(asynchronous=False)
            consumer.close()
            return got

        return read(15) + read(5)
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False}
    )
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = [
        TopicPartition(topic, p, OFFSET_BEGINNING)
        for p in sorted(metadata.topics[topic].partitions)
    ]
    consumer.assign(partitions)
    got = []
    while len(got) < count and time.monotonic() < DEADLINE:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise RuntimeError(str(msg.error()))
        got.append((msg.key().decode(), msg.value().decode()))
    consumer.close()
    return got


def main():
    client, bootstrap, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    group = sys.argv[5] if len(sys.argv) > 5 else None
    run = {"kafka-python": with_kafka_python, "confluent-kafka": with_confluent_kafka}[client]
    got = run(bootstrap, topic, count, group)
    for key, value in sorted(got):
        print(f"{key}={value}")
    if len(got) != count:
        print(f"expected {count} records, got {len(got)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
