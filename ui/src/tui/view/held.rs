//! Who waits on whom: the requests a broker holds rather than answers at once
//! (`World::held_requests`), said in a sentence for the messages view and in a few words
//! for the cluster view's per-broker "holds" line, in English and Korean.

use ksim::engine::ids::{BrokerId, NodeId};
use ksim::kafka::held::{HeldRequest, WaitsFor};
use ksim::kafka::trace::brokers;
use ksim::scenario::Lang;

use crate::tui::app::{App, WireFilter};

/// Which of the messages view's filters shows a held request.
pub(super) fn kind(held: &HeldRequest) -> WireFilter {
    match held.waits_for {
        WaitsFor::Replication { markers: true, .. } => WireFilter::Transactions,
        WaitsFor::Replication { .. } => WireFilter::Produce,
        WaitsFor::Data { .. } => WireFilter::Fetch,
        WaitsFor::Join { .. } | WaitsFor::Sync { .. } => WireFilter::Groups,
    }
}

/// The held requests the view's filter lets through (heartbeats are never held).
pub(super) fn shown(app: &App) -> Vec<HeldRequest> {
    app.world
        .held_requests()
        .into_iter()
        .filter(|h| app.wire_filter == WireFilter::All || kind(h) == app.wire_filter)
        .collect()
}

fn name(app: &App, node: NodeId) -> String {
    app.timeline().names.names().node(node)
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

/// Members that have not rejoined, by consumer where known, else by member id.
fn members(app: &App, missing: &[(String, Option<NodeId>)]) -> Vec<String> {
    missing
        .iter()
        .map(|(id, client)| client.map_or_else(|| id.clone(), |c| name(app, c)))
        .collect()
}

/// What the request waits for, in a clause.
fn condition(app: &App, held: &HeldRequest) -> String {
    let ko = app.lang == Lang::Ko;
    match &held.waits_for {
        WaitsFor::Replication {
            partition,
            isr,
            behind,
            end,
            high_watermark,
            ..
        } => {
            let tp = app.scenario.partition_name(*partition);
            let behind = behind.iter().map(BrokerId::to_string).collect::<Vec<_>>();
            // Whom it waits on first: the lanes have room for a few words only.
            match (ko, behind.is_empty()) {
                (false, false) => format!(
                    "{tp}: waits for {} to reach {} (ISR {}, hw {})",
                    list(&behind),
                    end.0,
                    brokers(isr),
                    high_watermark.0
                ),
                (false, true) => format!(
                    "{tp}: waits for the HW to reach {} (ISR {}, hw {})",
                    end.0,
                    brokers(isr),
                    high_watermark.0
                ),
                (true, false) => format!(
                    "{tp}: {}까지 {} 대기 (ISR {}, HW {})",
                    end.0,
                    list(&behind),
                    brokers(isr),
                    high_watermark.0
                ),
                (true, true) => format!(
                    "{tp}: HW가 {}까지 오기를 기다림 (ISR {}, HW {})",
                    end.0,
                    brokers(isr),
                    high_watermark.0
                ),
            }
        }
        WaitsFor::Data {
            partitions,
            min_bytes,
            ..
        } => {
            let at: Vec<String> = partitions
                .iter()
                .map(|(tp, offset)| match ko {
                    false => format!("{} offset {}", app.scenario.partition_name(*tp), offset.0),
                    true => format!("{} 오프셋 {}", app.scenario.partition_name(*tp), offset.0),
                })
                .collect();
            match (ko, *min_bytes > 1) {
                (false, false) => format!("long poll: waits for {}", list(&at)),
                (true, false) => format!("롱 폴링: {} 대기", list(&at)),
                (false, true) => format!(
                    "long poll: waits for {min_bytes} bytes (fetch.min.bytes) from {}",
                    list(&at)
                ),
                (true, true) => format!(
                    "롱 폴링: {}부터 {min_bytes}바이트(fetch.min.bytes) 대기",
                    list(&at)
                ),
            }
        }
        WaitsFor::Join {
            group,
            missing,
            expected,
            initial_delay,
            ..
        } => {
            let missing = members(app, missing);
            match (ko, *initial_delay, missing.is_empty()) {
                (false, true, _) => format!(
                    "group {group} was empty: waits group.initial.rebalance.delay.ms for more members"
                ),
                (true, true, _) => format!(
                    "그룹 {group}: 비어 있던 그룹이라 group.initial.rebalance.delay.ms 동안 멤버를 더 기다림"
                ),
                (false, false, false) => {
                    format!("group {group} waits for {} to rejoin", list(&missing))
                }
                (true, false, false) => {
                    format!("그룹 {group}: {}의 재참여를 기다림", list(&missing))
                }
                (false, false, true) => format!(
                    "group {group} waits for {expected} new member(s) to join again with their id"
                ),
                (true, false, true) => format!(
                    "그룹 {group}: 새 멤버 {expected}명이 받은 멤버 id로 다시 참여하기를 기다림"
                ),
            }
        }
        WaitsFor::Sync { group, leader, .. } => {
            let leader = leader.map_or_else(|| "?".to_string(), |l| name(app, l));
            match ko {
                false => format!("group {group} waits for leader {leader}'s assignment"),
                true => format!("그룹 {group}: 리더 {leader}의 할당을 기다림"),
            }
        }
    }
}

/// When the broker answers anyway, in words.
fn deadline(app: &App, held: &HeldRequest) -> String {
    let ko = app.lang == Lang::Ko;
    let Some(at) = held.deadline else {
        return String::new();
    };
    match (&held.waits_for, ko) {
        (WaitsFor::Data { min_bytes, .. }, false) if *min_bytes > 1 => {
            format!(", answers with what it has at {at}")
        }
        (WaitsFor::Data { min_bytes, .. }, true) if *min_bytes > 1 => {
            format!(", {at}에 있는 만큼 응답")
        }
        (WaitsFor::Data { .. }, false) => format!(", answers empty at {at}"),
        (WaitsFor::Data { .. }, true) => format!(", {at}에 빈 응답"),
        (WaitsFor::Join { .. }, false) => format!(", join phase ends at {at}"),
        (WaitsFor::Join { .. }, true) => format!(", 참여 단계 종료 {at}"),
        (_, false) => format!(", timeout {at}"),
        (_, true) => format!(", 타임아웃 {at}"),
    }
}

/// The whole sentence: `⏸ Produce from app held by b1 · orders-0: waits for b3 to reach 41
/// (ISR [1,2,3], hw 38) · since 2003.000ms, timeout 32003.000ms`.
pub(super) fn sentence(app: &App, held: &HeldRequest) -> String {
    let api = held.waits_for.api_name();
    let from = name(app, held.from);
    let holder = held.holder;
    let what = condition(app, held);
    let until = deadline(app, held);
    match app.lang {
        Lang::Ko => format!(
            "⏸ {holder} 보류: {from}의 {api} · {what} · {}부터{until}",
            held.since
        ),
        Lang::En => format!(
            "⏸ {api} from {from} held by {holder} · {what} · since {}{until}",
            held.since
        ),
    }
}

/// The sentence without who holds it for whom, for the lanes, which draw both:
/// `Produce · orders-0: waits for b3 to reach 41 (ISR [1,2,3], hw 38) · since …`.
pub(super) fn on_lanes(app: &App, held: &HeldRequest) -> String {
    let api = held.waits_for.api_name();
    let what = condition(app, held);
    let until = deadline(app, held);
    match app.lang {
        Lang::Ko => format!("{api} · {what} · {}부터{until}", held.since),
        Lang::En => format!("{api} · {what} · since {}{until}", held.since),
    }
}

/// What the request is and why it waits, in a few words, for the cluster view: the API,
/// whom or what it waits for, and for a write the offset it needs reached.
fn short(app: &App, held: &HeldRequest) -> (&'static str, String, Option<u64>) {
    let ko = app.lang == Lang::Ko;
    let api = held.waits_for.api_name();
    let (why, end) = match &held.waits_for {
        WaitsFor::Replication { behind, end, .. } => {
            let who = if behind.is_empty() {
                "ISR".to_string()
            } else {
                list(&behind.iter().map(BrokerId::to_string).collect::<Vec<_>>())
            };
            (who, Some(end.0))
        }
        WaitsFor::Data { .. } => (app.tr("long poll", "롱 폴링").to_string(), None),
        WaitsFor::Join {
            missing,
            initial_delay: false,
            ..
        } if !missing.is_empty() => {
            let who = list(&members(app, missing));
            match ko {
                false => (format!("waits for {who}"), None),
                true => (format!("{who} 대기"), None),
            }
        }
        WaitsFor::Join { .. } => (app.tr("rebalance", "리밸런스").to_string(), None),
        WaitsFor::Sync { leader, .. } => {
            let leader = leader.map_or_else(|| "?".to_string(), |l| name(app, l));
            match ko {
                false => (format!("waits for leader {leader}"), None),
                true => (format!("리더 {leader} 대기"), None),
            }
        }
    };
    (api, why, end)
}

/// Held requests that wait for the same thing, folded: who sent them, how many, and the
/// offsets writes need reached.
struct Folded {
    api: &'static str,
    why: String,
    from: Vec<String>,
    count: usize,
    ends: Vec<u64>,
}

impl Folded {
    fn words(&self, lang: Lang) -> String {
        // `×n` when some sender has more than one held: one per sender says itself.
        let times = if self.count > self.from.len() {
            format!(" ×{}", self.count)
        } else {
            String::new()
        };
        let why = match (self.ends.iter().min(), self.ends.iter().max(), lang) {
            (Some(lo), Some(hi), Lang::En) if lo == hi => format!("{} to reach {hi}", self.why),
            (Some(lo), Some(hi), Lang::En) => format!("{} to reach {lo}..{hi}", self.why),
            (Some(lo), Some(hi), Lang::Ko) if lo == hi => format!("{hi}까지 {} 대기", self.why),
            (Some(lo), Some(hi), Lang::Ko) => format!("{lo}..{hi}까지 {} 대기", self.why),
            _ => self.why.clone(),
        };
        match lang {
            Lang::Ko => format!("{}의 {}{times} ({why})", list(&self.from), self.api),
            Lang::En => format!("{}{times} from {} ({why})", self.api, list(&self.from)),
        }
    }
}

/// One line per broker that holds something: `⏸ b1 holds: Produce ×3 from app (b3 to reach
/// 11..13), Fetch ×2 from b2, b3 (long poll)`, requests that wait for the same thing folded.
pub(super) fn broker_lines(app: &App) -> Vec<String> {
    let held = app.world.held_requests();
    let mut lines = Vec::new();
    for broker in app.world.brokers() {
        let mut items: Vec<Folded> = Vec::new();
        for h in held.iter().filter(|h| h.holder == broker.id) {
            let (api, why, end) = short(app, h);
            let from = name(app, h.from);
            let item = match items.iter_mut().position(|f| f.api == api && f.why == why) {
                Some(i) => &mut items[i],
                None => {
                    items.push(Folded {
                        api,
                        why,
                        from: Vec::new(),
                        count: 0,
                        ends: Vec::new(),
                    });
                    items.last_mut().expect("just pushed")
                }
            };
            if !item.from.contains(&from) {
                item.from.push(from);
            }
            item.count += 1;
            item.ends.extend(end);
        }
        if items.is_empty() {
            continue;
        }
        let items: Vec<String> = items.iter().map(|f| f.words(app.lang)).collect();
        lines.push(match app.lang {
            Lang::Ko => format!("⏸ {} 보류 중: {}", broker.id, list(&items)),
            Lang::En => format!("⏸ {} holds: {}", broker.id, list(&items)),
        });
    }
    lines
}
