"""Two real consumers of one group rebalancing through `ksim serve`.

Usage: python3 rebalance.py BOOTSTRAP TOPIC PARTITIONS GROUP

Two confluent-kafka (librdkafka) consumers subscribe to TOPIC in GROUP. Once both hold
partitions, their assignments must split TOPIC's PARTITIONS partitions between them; then the
second one leaves (close() sends LeaveGroup) and the first must come to hold them all. Prints
each phase's assignments and exits 0; exits 1 with the reason on any failure or after 40 s.
"""

import sys
import time

from confluent_kafka import Consumer

DEADLINE = time.monotonic() + 40


def consumer(bootstrap, group, topic):
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 10000,
        }
    )
    c.subscribe([topic])
    return c


def held(c):
    return sorted(p.partition for p in c.assignment())


def poll_until(consumers, done):
    while time.monotonic() < DEADLINE:
        for c in consumers:
            c.poll(0.1)
        if done():
            return True
    return False


def main():
    bootstrap, topic, partitions, group = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    everything = list(range(partitions))
    first = consumer(bootstrap, group, topic)
    second = consumer(bootstrap, group, topic)
    split = poll_until(
        [first, second],
        lambda: held(first)
        and held(second)
        and sorted(held(first) + held(second)) == everything,
    )
    print(f"both: {held(first)} {held(second)}")
    if not split:
        print("the two consumers never split the partitions", file=sys.stderr)
        sys.exit(1)
    second.close()
    alone = poll_until([first], lambda: held(first) == everything)
    print(f"after the second left: {held(first)}")
    first.close()
    if not alone:
        print("the first consumer never took every partition", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
