//! Kafka's wire framing: a 4-byte size, then a request header and body that the
//! `kafka-protocol` crate decodes; answers go back the same way, with the versions ksim serves.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsResponse, RequestHeader, RequestKind, ResponseHeader, ResponseKind,
    api_versions_response::ApiVersion,
};
use kafka_protocol::protocol::{Decodable, Encodable};

/// Kafka's `socket.request.max.bytes` default: a frame announcing more is refused and its
/// connection closed, as Kafka's `NetworkReceive` does (InvalidReceiveException).
pub const SOCKET_REQUEST_MAX_BYTES: usize = 104_857_600;

/// The Kafka error codes of `UNSUPPORTED_VERSION` (35), which ApiVersions answers to a version
/// it does not know.
pub const UNSUPPORTED_VERSION: i16 = 35;

/// The APIs and versions ksim serves: each range tested with real clients or with frames the
/// crate encodes. Produce stops at 9 and Fetch at 12, the last versions that name topics (13
/// switches to topic ids); Metadata starts at 1, where an empty topic list means none. The
/// group APIs stop before KIP-848's versions (OffsetCommit 9 and OffsetFetch 9 carry member
/// epochs; OffsetFetch 8 batches groups; FindCoordinator 5 and 6 add errors and share
/// groups).
pub const SUPPORTED: &[(ApiKey, i16, i16)] = &[
    (ApiKey::Produce, 3, 9),
    (ApiKey::Fetch, 4, 12),
    (ApiKey::ListOffsets, 1, 7),
    (ApiKey::Metadata, 1, 12),
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::InitProducerId, 0, 4),
    (ApiKey::OffsetForLeaderEpoch, 2, 4),
    (ApiKey::FindCoordinator, 0, 4),
    (ApiKey::JoinGroup, 0, 9),
    (ApiKey::SyncGroup, 0, 5),
    (ApiKey::Heartbeat, 0, 4),
    (ApiKey::LeaveGroup, 0, 5),
    (ApiKey::OffsetCommit, 2, 8),
    (ApiKey::OffsetFetch, 1, 7),
    (ApiKey::ListGroups, 0, 4),
    (ApiKey::DescribeGroups, 0, 5),
];

/// The version range ksim serves for an API, if it serves it.
pub fn supported(key: ApiKey) -> Option<(i16, i16)> {
    SUPPORTED
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|&(_, min, max)| (min, max))
}

/// The ApiVersions entries ksim advertises.
pub fn api_versions() -> Vec<ApiVersion> {
    SUPPORTED
        .iter()
        .map(|&(key, min, max)| {
            ApiVersion::default()
                .with_api_key(key as i16)
                .with_min_version(min)
                .with_max_version(max)
        })
        .collect()
}

/// A request as it came off the wire.
#[derive(Debug)]
pub struct Request {
    pub header: RequestHeader,
    pub api_key: ApiKey,
    pub body: RequestKind,
}

/// What a frame turned out to be.
#[derive(Debug)]
pub enum Decoded {
    Request(Box<Request>),
    /// An ApiVersions request of a version ksim does not know: answered with
    /// UNSUPPORTED_VERSION and ksim's own range, at version 0, as Kafka does (KIP-511).
    ApiVersionsTooNew {
        correlation_id: i32,
    },
}

/// Reads one frame's size from its first 4 bytes: the size of what follows, within the cap.
pub fn frame_size(prefix: [u8; 4]) -> Result<usize, String> {
    let size = i32::from_be_bytes(prefix);
    if size < 0 {
        return Err(format!("a frame announced a negative size ({size})"));
    }
    let size = size as usize;
    if size > SOCKET_REQUEST_MAX_BYTES {
        return Err(format!(
            "a frame of {size} bytes is larger than socket.request.max.bytes ({SOCKET_REQUEST_MAX_BYTES})"
        ));
    }
    Ok(size)
}

/// Decodes a request frame (without its size prefix). An error is a reason to close the
/// connection: Kafka closes a connection whose request it cannot parse.
pub fn decode(frame: Bytes) -> Result<Decoded, String> {
    if frame.len() < 8 {
        return Err(format!(
            "a frame of {} bytes is too short for a request header",
            frame.len()
        ));
    }
    let key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let correlation_id = i32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
    let api_key = ApiKey::try_from(key)
        .map_err(|()| format!("unknown API key {key} (correlation id {correlation_id})"))?;
    let Some((min, max)) = supported(api_key) else {
        return Err(format!(
            "{api_key:?} (key {key}) v{version} is not served by ksim (correlation id {correlation_id})"
        ));
    };
    if version < min || version > max {
        if api_key == ApiKey::ApiVersions && version > max {
            return Ok(Decoded::ApiVersionsTooNew { correlation_id });
        }
        return Err(format!(
            "{api_key:?} v{version} is outside the versions ksim serves ({min}..={max})"
        ));
    }
    let mut buf = frame;
    // The decoder answers malformed input with errors; should one of its paths panic
    // instead, the frame still only closes its own connection.
    let decoded = std::panic::catch_unwind(move || {
        let header = RequestHeader::decode(&mut buf, api_key.request_header_version(version))
            .map_err(|e| format!("{api_key:?} v{version}: a malformed request header: {e}"))?;
        let body = RequestKind::decode(api_key, &mut buf, version)
            .map_err(|e| format!("{api_key:?} v{version}: a malformed request: {e}"))?;
        Ok::<_, String>((header, body, buf))
    })
    .map_err(|_| format!("{api_key:?} v{version}: the request could not be decoded"))?;
    let (header, body, buf) = decoded?;
    if buf.has_remaining() {
        return Err(format!(
            "{api_key:?} v{version}: {} bytes left after the request",
            buf.remaining()
        ));
    }
    Ok(Decoded::Request(Box::new(Request {
        header,
        api_key,
        body,
    })))
}

/// Encodes an answer as a whole frame, size prefix included.
pub fn encode(
    api_key: ApiKey,
    version: i16,
    correlation_id: i32,
    body: &ResponseKind,
) -> Result<Bytes, String> {
    let mut out = BytesMut::new();
    out.put_i32(0);
    // ApiVersions answers with header v0 whatever its version, so that a client that does
    // not yet know the broker's versions can read it (KIP-511).
    let header_version = api_key.response_header_version(version);
    ResponseHeader::default()
        .with_correlation_id(correlation_id)
        .encode(&mut out, header_version)
        .expect("a response header always encodes");
    body.encode(&mut out, version)
        .map_err(|e| format!("{api_key:?} v{version}: the answer does not encode: {e:#}"))?;
    let size = (out.len() - 4) as i32;
    out[0..4].copy_from_slice(&size.to_be_bytes());
    Ok(out.freeze())
}

/// The answer to an ApiVersions request of a version newer than ksim knows: error 35 and the
/// ApiVersions range only, at version 0 (Kafka's `ApiVersionsRequest.getErrorResponse`).
pub fn api_versions_too_new(correlation_id: i32) -> Bytes {
    let (min, max) = supported(ApiKey::ApiVersions).expect("ApiVersions is served");
    let body = ApiVersionsResponse::default()
        .with_error_code(UNSUPPORTED_VERSION)
        .with_api_keys(vec![
            ApiVersion::default()
                .with_api_key(ApiKey::ApiVersions as i16)
                .with_min_version(min)
                .with_max_version(max),
        ]);
    encode(
        ApiKey::ApiVersions,
        0,
        correlation_id,
        &ResponseKind::ApiVersions(body),
    )
    .expect("an ApiVersions v0 answer always encodes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::ApiVersionsRequest;

    fn request_frame(key: ApiKey, version: i16, body: &RequestKind) -> Bytes {
        let mut out = BytesMut::new();
        RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(7)
            .encode(&mut out, key.request_header_version(version))
            .unwrap();
        body.encode(&mut out, version).unwrap();
        out.freeze()
    }

    // Thousands of damaged frames (bytes flipped, cut short) are each refused or decoded,
    // never a panic.
    #[test]
    fn damaged_frames_never_panic() {
        use kafka_protocol::messages::{MetadataRequest, ProduceRequest, produce_request};
        let produce = ProduceRequest::default()
            .with_acks(-1)
            .with_timeout_ms(1000)
            .with_topic_data(vec![
                produce_request::TopicProduceData::default()
                    .with_name(kafka_protocol::messages::TopicName(
                        kafka_protocol::protocol::StrBytes::from_static_str("orders"),
                    ))
                    .with_partition_data(vec![
                        produce_request::PartitionProduceData::default()
                            .with_index(0)
                            .with_records(Some(Bytes::from_static(&[0u8; 70]))),
                    ]),
            ]);
        let frames = [
            request_frame(ApiKey::Produce, 9, &RequestKind::Produce(produce)),
            request_frame(
                ApiKey::Metadata,
                12,
                &RequestKind::Metadata(MetadataRequest::default()),
            ),
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for frame in &frames {
            for _ in 0..2_000 {
                let mut bytes = frame.to_vec();
                for _ in 0..(next() % 4 + 1) {
                    let i = (next() as usize) % bytes.len();
                    bytes[i] = next() as u8;
                }
                if next() % 3 == 0 {
                    let keep = (next() as usize) % bytes.len();
                    bytes.truncate(keep);
                }
                let _ = decode(Bytes::from(bytes));
            }
        }
    }

    // A frame larger than socket.request.max.bytes, or of a negative size, is refused.
    #[test]
    fn oversized_frames_are_refused() {
        assert_eq!(frame_size(100i32.to_be_bytes()), Ok(100));
        assert!(frame_size(((SOCKET_REQUEST_MAX_BYTES + 1) as i32).to_be_bytes()).is_err());
        assert!(frame_size((-1i32).to_be_bytes()).is_err());
    }

    // An ApiVersions request newer than ksim knows gets error 35 with ksim's range at v0;
    // garbage and unserved APIs are errors that close the connection.
    #[test]
    fn unsupported_versions_and_garbage() {
        let frame = request_frame(
            ApiKey::ApiVersions,
            3,
            &RequestKind::ApiVersions(ApiVersionsRequest::default()),
        );
        assert!(matches!(decode(frame), Ok(Decoded::Request(_))));
        let mut too_new = BytesMut::new();
        too_new.put_i16(ApiKey::ApiVersions as i16);
        too_new.put_i16(9);
        too_new.put_i32(42);
        too_new.put_i16(-1);
        let Ok(Decoded::ApiVersionsTooNew { correlation_id }) = decode(too_new.freeze()) else {
            panic!("an ApiVersions v9 request is answered with UNSUPPORTED_VERSION");
        };
        let mut answer = api_versions_too_new(correlation_id);
        assert_eq!(answer.get_i32() as usize, answer.remaining());
        assert_eq!(answer.get_i32(), 42);
        let body = ApiVersionsResponse::decode(&mut answer, 0).unwrap();
        assert_eq!(body.error_code, UNSUPPORTED_VERSION);
        assert_eq!(body.api_keys.len(), 1);
        assert_eq!(body.api_keys[0].max_version, 3);

        assert!(decode(Bytes::from_static(b"\x00\x01")).is_err());
        assert!(decode(Bytes::from_static(b"\x7f\x7f\x00\x00\x00\x00\x00\x01")).is_err());
        let mut create = BytesMut::new();
        create.put_i16(ApiKey::CreateTopics as i16);
        create.put_i16(5);
        create.put_i32(1);
        let reason = decode(create.freeze()).unwrap_err();
        assert!(reason.contains("CreateTopics"), "{reason}");
        let mut truncated = request_frame(
            ApiKey::Metadata,
            9,
            &RequestKind::Metadata(Default::default()),
        )
        .to_vec();
        truncated.truncate(truncated.len() - 2);
        assert!(decode(Bytes::from(truncated)).is_err());
    }
}
