//! Batch compression (`compression.type`): how much smaller each codec makes a batch's records,
//! and the producer's running estimate of that ratio, which decides when a batch is full.
//!
//! Kafka compresses whole batches, never single records: the 61-byte batch header stays as it
//! is and the records after it are compressed together. The producer cannot know the
//! compressed size until it closes a batch, so while it appends it guesses, with a ratio per
//! topic and codec learnt from the batches it closed before (`CompressionRatioEstimator`).
//! The producer and the brokers then see the compressed bytes: the request size, the broker's
//! `max.message.bytes` check and the log all count them.

use crate::config::Compression;

/// Compressed size over uncompressed size of a batch's records, in thousandths, for typical
/// text or JSON records (log lines, events with repeated field names) batched by the hundred.
///
/// | codec  | ratio | why |
/// |--------|-------|-----|
/// | none   | 1.000 | nothing is compressed |
/// | gzip   | 0.300 | DEFLATE: slow, small; JSON usually shrinks 3-4x |
/// | snappy | 0.500 | built for speed: about 2x on JSON |
/// | lz4    | 0.450 | as fast as snappy, a little smaller: 2-2.5x |
/// | zstd   | 0.250 | level 3, Kafka's default: about gzip's size or better, much faster |
///
/// Real ratios depend on the data (random bytes do not compress at all); these are the
/// orders of magnitude published benchmarks of Kafka's codecs report for JSON logs. The table
/// is in the README too.
pub const fn ratio_per_mille(codec: Compression) -> u32 {
    match codec {
        Compression::None => 1_000,
        Compression::Gzip => 300,
        Compression::Snappy => 500,
        Compression::Lz4 => 450,
        Compression::Zstd => 250,
    }
}

impl Compression {
    /// The name `compression.type` takes.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

/// The bytes `uncompressed` bytes of records take once the codec compressed them (rounded up).
pub fn compressed_records_bytes(codec: Compression, uncompressed: u32) -> u32 {
    (u64::from(uncompressed) * u64::from(ratio_per_mille(codec))).div_ceil(1_000) as u32
}

/// Kafka's `MemoryRecordsBuilder.COMPRESSION_RATE_ESTIMATION_FACTOR`: the estimate is inflated
/// by 5%, so that a batch rarely ends up larger than `batch.size` after compression.
pub const COMPRESSION_RATE_ESTIMATION_FACTOR: f32 = 1.05;

/// Kafka's `CompressionRatioEstimator` steps: a batch that compressed better than estimated
/// lowers the estimate by at most 0.005; one that compressed worse raises it by at least 0.05.
/// Optimism is slow and pessimism fast, because an underestimate overfills batches.
pub const COMPRESSION_RATIO_IMPROVING_STEP: f32 = 0.005;
pub const COMPRESSION_RATIO_DETERIORATE_STEP: f32 = 0.05;

/// The estimate every topic starts from: Kafka 4.0's `CompressionType.rate` is 1.0 for every
/// codec, so a producer's first compressed batches are filled as if nothing compressed (and
/// with the 5% factor, a little less than uncompressed ones).
pub const INITIAL_ESTIMATE: f32 = 1.0;

/// `CompressionRatioEstimator.updateEstimation`: the new estimate after a batch closed with
/// the `observed` ratio (compressed records bytes / uncompressed records bytes).
pub fn update_estimation(current: f32, observed: f32) -> f32 {
    if observed > current {
        (current + COMPRESSION_RATIO_DETERIORATE_STEP).max(observed)
    } else if observed < current {
        (current - COMPRESSION_RATIO_IMPROVING_STEP).max(observed)
    } else {
        current
    }
}

/// `MemoryRecordsBuilder.estimatedBytesWritten`: an open batch's size as the producer guesses
/// it, from its `bytes` (header plus uncompressed records). Uncompressed batches are exact;
/// compressed ones are the header plus the records times the estimate times 1.05, computed in
/// `float` and truncated as Kafka does.
#[inline]
pub fn estimated_batch_bytes(bytes: u32, header: u32, estimate: Option<f32>) -> u32 {
    match estimate {
        None => bytes,
        Some(ratio) => {
            let records = bytes.saturating_sub(header) as f32;
            header + (records * ratio * COMPRESSION_RATE_ESTIMATION_FACTOR) as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every codec but none makes records smaller, and none leaves them exactly as they were.
    #[test]
    fn codecs_shrink_records() {
        assert_eq!(compressed_records_bytes(Compression::None, 16_323), 16_323);
        for codec in [
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let compressed = compressed_records_bytes(codec, 10_000);
            assert!(compressed < 10_000, "{}", codec.name());
            assert_eq!(compressed, ratio_per_mille(codec) * 10, "{}", codec.name());
        }
        // Rounded up: one byte never compresses to nothing.
        assert_eq!(compressed_records_bytes(Compression::Zstd, 1), 1);
    }

    // The estimate falls by 0.005 per better batch down to the observed ratio, and jumps up at
    // once on a worse one, as Kafka's CompressionRatioEstimator does.
    #[test]
    fn estimate_is_slow_to_improve_and_quick_to_worsen() {
        let improved = update_estimation(1.0, 0.45);
        assert!((improved - 0.995).abs() < 1e-6, "{improved}");
        let mut estimate = INITIAL_ESTIMATE;
        let mut batches = 0;
        while estimate > 0.45 {
            estimate = update_estimation(estimate, 0.45);
            batches += 1;
        }
        assert_eq!(estimate, 0.45);
        assert!(
            (109..=111).contains(&batches),
            "{batches} batches to converge"
        );
        assert!((update_estimation(0.45, 0.46) - 0.5).abs() < 1e-6);
        assert_eq!(update_estimation(0.3, 0.9), 0.9);
        assert_eq!(update_estimation(0.3, 0.3), 0.3);
    }

    // Uncompressed batches are sized exactly; compressed ones by the estimate times 1.05.
    #[test]
    fn estimated_size_of_a_batch() {
        assert_eq!(estimated_batch_bytes(1_061, 61, None), 1_061);
        assert_eq!(estimated_batch_bytes(1_061, 61, Some(1.0)), 61 + 1_050);
        assert_eq!(estimated_batch_bytes(1_061, 61, Some(0.5)), 61 + 525);
    }
}
