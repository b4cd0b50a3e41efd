//! `ksim assign`: the consumer-group assignment calculator. Given members with their
//! subscriptions (and, for the sticky strategies, what they owned before) and the topics'
//! partition counts, it prints what the group leader's assignor computes, using the same
//! `ksim::clients::assignor` the simulated group coordinator uses. `--lang ko` writes the
//! table and its notes in Korean; the JSON is the same in both languages.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::ValueEnum;
use ksim::clients::assignor::{self, DEFAULT_GENERATION, Member, Strategy};
use ksim_app::lesson::Lang;

use crate::output;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AssignFormat {
    /// A table for people.
    Text,
    /// `{"member": ["topic-partition", …], …}`, members in the order the strategy serves them.
    Json,
}

/// The generation the `--owned` partitions are reported from. Every member that owned
/// something was in the same previous generation, so no claim is stale.
const PREVIOUS_GENERATION: i32 = 1;

/// The command line's input, parsed and checked.
struct Request {
    strategy: Strategy,
    members: Vec<Member>,
    partitions: BTreeMap<String, u32>,
    any_owned: bool,
}

pub fn assign(
    strategy: &str,
    members: &[String],
    topics: &[String],
    owned: &[String],
    format: AssignFormat,
    lang: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    let request = parse(strategy, members, topics, owned, lang)?;
    let text = match format {
        AssignFormat::Text => render_text(&request, lang),
        AssignFormat::Json => render_json(&request),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn parse(
    strategy: &str,
    member_specs: &[String],
    topic_specs: &[String],
    owned_specs: &[String],
    lang: Lang,
) -> anyhow::Result<Request> {
    let strategy = parse_strategy(strategy, lang)?;
    let mut partitions = BTreeMap::new();
    for spec in topic_specs {
        let (topic, count) = parse_topic(spec, lang)?;
        if partitions.insert(topic.clone(), count).is_some() {
            bail!(in_lang!(
                lang,
                "topic {topic} is given twice with --topic",
                "토픽 {topic}이(가) --topic으로 두 번 주어졌습니다"
            ));
        }
    }

    let mut members: Vec<Member> = Vec::new();
    for spec in member_specs {
        let member = parse_member(spec, lang)?;
        let id = &member.member_id;
        if members.iter().any(|m| m.member_id == member.member_id) {
            bail!(in_lang!(
                lang,
                "duplicate member {id}",
                "멤버 {id}이(가) 두 번 주어졌습니다"
            ));
        }
        if let Some(instance) = &member.instance_id
            && let Some(other) = members
                .iter()
                .find(|m| m.instance_id.as_ref() == Some(instance))
        {
            let other = &other.member_id;
            bail!(in_lang!(
                lang,
                "group.instance.id {instance} is used by both {other} and {id}; a static \
                 member's instance id is unique in its group",
                "group.instance.id {instance}를 {other}와(과) {id}가 함께 씁니다. 정적 멤버의 \
                 instance id는 컨슈머 그룹 안에서 하나뿐이어야 합니다"
            ));
        }
        for topic in &member.topics {
            if !partitions.contains_key(topic) {
                let known: Vec<&str> = partitions.keys().map(String::as_str).collect();
                let known = known.join(", ");
                bail!(in_lang!(
                    lang,
                    "member {id} subscribes to {topic}, which has no --topic {topic}:N; the \
                     topics are {known}",
                    "멤버 {id}가 구독하는 {topic}에 --topic {topic}:N이 없습니다. 주어진 토픽은 \
                     {known}입니다"
                ));
            }
        }
        members.push(member);
    }

    let mut owners: BTreeMap<(String, u32), String> = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for spec in owned_specs {
        let (member_id, owned) = parse_owned(spec, &partitions, lang)?;
        let Some(member) = members.iter_mut().find(|m| m.member_id == member_id) else {
            bail!(in_lang!(
                lang,
                "--owned {spec}: there is no --member {member_id}",
                "--owned {spec}: --member {member_id}가 없습니다"
            ));
        };
        if !seen.insert(member_id.clone()) {
            bail!(in_lang!(
                lang,
                "--owned is given twice for member {member_id}",
                "멤버 {member_id}의 --owned가 두 번 주어졌습니다"
            ));
        }
        for tp in &owned {
            if let Some(other) = owners.insert(tp.clone(), member_id.clone()) {
                let (topic, partition) = tp;
                bail!(in_lang!(
                    lang,
                    "{topic}-{partition} is owned by both {other} and {member_id}; a partition \
                     has one owner",
                    "{topic}-{partition}을(를) {other}와(과) {member_id}가 함께 가졌다고 합니다. \
                     파티션의 주인은 하나입니다"
                ));
            }
        }
        member.owned = owned;
        member.generation = PREVIOUS_GENERATION;
    }

    Ok(Request {
        strategy,
        members,
        partitions,
        any_owned: !owned_specs.is_empty(),
    })
}

fn parse_strategy(name: &str, lang: Lang) -> anyhow::Result<Strategy> {
    Strategy::from_protocol_name(name)
        .or_else(|| Strategy::from_class_name(name))
        .with_context(|| {
            let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.protocol_name()).collect();
            let names = names.join(", ");
            in_lang!(
                lang,
                "unknown strategy {name:?}: expected one of {names} (or Kafka's class name)",
                "알 수 없는 전략 {name:?}: {names} 중 하나(또는 Kafka의 클래스 이름)여야 합니다"
            )
        })
}

/// `t1:3`: a topic and its partition count.
fn parse_topic(spec: &str, lang: Lang) -> anyhow::Result<(String, u32)> {
    let malformed = || {
        in_lang!(
            lang,
            "malformed --topic {spec:?}: expected TOPIC:PARTITIONS, e.g. t1:3",
            "잘못된 --topic {spec:?}: 토픽:파티션수 형식이어야 합니다(예: t1:3)"
        )
    };
    let (topic, count) = spec.rsplit_once(':').with_context(malformed)?;
    let count: u32 = count.trim().parse().ok().with_context(malformed)?;
    if topic.is_empty() || topic.contains(',') {
        bail!(malformed());
    }
    if count == 0 {
        bail!(in_lang!(
            lang,
            "--topic {spec}: a topic has at least one partition",
            "--topic {spec}: 토픽에는 파티션이 하나 이상 있어야 합니다"
        ));
    }
    Ok((topic.to_string(), count))
}

/// `c1:t1,t2`, or `c1@i1:t1` for a static member with group.instance.id i1.
fn parse_member(spec: &str, lang: Lang) -> anyhow::Result<Member> {
    let malformed = || {
        in_lang!(
            lang,
            "malformed --member {spec:?}: expected MEMBER[@INSTANCE]:TOPIC[,TOPIC...], \
             e.g. c1:t1,t2 or c1@i1:t1",
            "잘못된 --member {spec:?}: 멤버[@인스턴스]:토픽[,토픽...] 형식이어야 합니다\
             (예: c1:t1,t2 또는 c1@i1:t1)"
        )
    };
    let (who, topics) = spec.split_once(':').with_context(malformed)?;
    let (member_id, instance_id) = match who.split_once('@') {
        Some((member_id, instance)) => (member_id, Some(instance)),
        None => (who, None),
    };
    let topics: Vec<String> = topics.split(',').map(str::to_string).collect();
    if member_id.is_empty()
        || instance_id.is_some_and(str::is_empty)
        || topics.iter().any(String::is_empty)
    {
        bail!(malformed());
    }
    let mut unique = BTreeSet::new();
    if let Some(topic) = topics.iter().find(|topic| !unique.insert(*topic)) {
        bail!(in_lang!(
            lang,
            "--member {spec}: topic {topic} is listed twice",
            "--member {spec}: 토픽 {topic}이(가) 두 번 나옵니다"
        ));
    }
    Ok(Member {
        member_id: member_id.to_string(),
        instance_id: instance_id.map(str::to_string),
        topics,
        owned: Vec::new(),
        generation: DEFAULT_GENERATION,
    })
}

/// `c1=t1-0,t1-1` (or `c1=` for a member that owned nothing).
fn parse_owned(
    spec: &str,
    partitions: &BTreeMap<String, u32>,
    lang: Lang,
) -> anyhow::Result<(String, Vec<(String, u32)>)> {
    let malformed = || {
        in_lang!(
            lang,
            "malformed --owned {spec:?}: expected MEMBER=TOPIC-PARTITION[,...], e.g. c1=t1-0,t1-1",
            "잘못된 --owned {spec:?}: 멤버=토픽-파티션[,...] 형식이어야 합니다(예: c1=t1-0,t1-1)"
        )
    };
    let (member_id, list) = spec.split_once('=').with_context(malformed)?;
    if member_id.is_empty() {
        bail!(malformed());
    }
    let mut owned = Vec::new();
    for name in list.split(',').filter(|name| !name.is_empty()) {
        let (topic, partition) = name.rsplit_once('-').with_context(malformed)?;
        let partition: u32 = partition.parse().ok().with_context(malformed)?;
        let Some(&count) = partitions.get(topic) else {
            bail!(in_lang!(
                lang,
                "--owned {spec}: {name} is a partition of {topic}, which has no --topic",
                "--owned {spec}: {name}은(는) --topic으로 주어지지 않은 토픽 {topic}의 파티션입니다"
            ));
        };
        if partition >= count {
            let last = count - 1;
            bail!(in_lang!(
                lang,
                "--owned {spec}: {name} does not exist; {topic} has partitions 0 to {last}",
                "--owned {spec}: {name}은(는) 없습니다. {topic}의 파티션은 0부터 {last}까지입니다"
            ));
        }
        let tp = (topic.to_string(), partition);
        if owned.contains(&tp) {
            bail!(in_lang!(
                lang,
                "--owned {spec}: {name} is listed twice",
                "--owned {spec}: {name}이(가) 두 번 나옵니다"
            ));
        }
        owned.push(tp);
    }
    Ok((member_id.to_string(), owned))
}

fn partition_names(partitions: &[(String, u32)]) -> Vec<String> {
    partitions
        .iter()
        .map(|(topic, partition)| format!("{topic}-{partition}"))
        .collect()
}

/// The members in the order the output lists them: the order the strategy serves them in.
/// Range and RoundRobin use R9.1 (static members by instance id, then member id); the sticky
/// assignors ignore instance ids and break ties by member id.
fn ordered(request: &Request) -> Vec<&Member> {
    match request.strategy {
        Strategy::Range | Strategy::RoundRobin => assignor::member_order(&request.members),
        Strategy::Sticky | Strategy::CooperativeSticky => {
            let mut members: Vec<&Member> = request.members.iter().collect();
            members.sort_by(|a, b| assignor::java_string_order(&a.member_id, &b.member_id));
            members
        }
    }
}

fn render_json(request: &Request) -> String {
    let result = assignor::assign(request.strategy, &request.members, &request.partitions);
    let entries: Vec<String> = ordered(request)
        .iter()
        .map(|member| {
            let names: Vec<String> = partition_names(&result[&member.member_id])
                .iter()
                .map(|name| serde_json::Value::from(name.as_str()).to_string())
                .collect();
            format!(
                "{}: [{}]",
                serde_json::Value::from(member.member_id.as_str()),
                names.join(", ")
            )
        })
        .collect();
    format!("{{{}}}\n", entries.join(", "))
}

/// How many terminal columns a cell takes: Hangul is two columns wide.
fn columns(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\u{1100}'..='\u{11ff}' | '\u{3130}'..='\u{318f}' | '\u{ac00}'..='\u{d7a3}' => 2,
            _ => 1,
        })
        .sum()
}

fn render_text(request: &Request, lang: Lang) -> String {
    let strategy = request.strategy;
    let result = assignor::assign(strategy, &request.members, &request.partitions);
    let members = ordered(request);

    let header = match lang {
        Lang::En => ["member", "instance", "subscription", "partitions", "count"],
        Lang::Ko => ["멤버", "인스턴스", "구독", "파티션", "개수"],
    };
    let idle = lang.pick("(idle)", "(유휴)");
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut any_idle = false;
    for member in &members {
        let owned = &result[&member.member_id];
        let partitions = if owned.is_empty() {
            any_idle = true;
            idle.to_string()
        } else {
            partition_names(owned).join(" ")
        };
        rows.push([
            member.member_id.clone(),
            member
                .instance_id
                .clone()
                .unwrap_or_else(|| "-".to_string()),
            member.topics.join(","),
            partitions,
            owned.len().to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            rows.iter()
                .map(|row| columns(&row[column]))
                .chain([columns(header[column])])
                .max()
                .unwrap_or(0)
        })
        .collect();

    let mut out = String::new();
    writeln!(
        out,
        "{}: {} ({})\n",
        lang.pick("strategy", "전략"),
        strategy.protocol_name(),
        strategy.class_name()
    )
    .unwrap();
    let line = |cells: [&str; 5]| -> String {
        let mut text = String::new();
        for (column, cell) in cells.iter().enumerate() {
            let pad = " ".repeat(widths[column] - columns(cell));
            if column + 1 == cells.len() {
                write!(text, "{pad}{cell}").unwrap();
            } else {
                write!(text, "{cell}{pad}  ").unwrap();
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(header)).unwrap();
    for row in &rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str))).unwrap();
    }
    out.push('\n');
    out.push_str(ordering_note(strategy, lang));
    out.push('\n');
    if any_idle {
        let subscribed: u32 = request
            .partitions
            .iter()
            .filter(|(topic, _)| request.members.iter().any(|m| m.topics.contains(topic)))
            .map(|(_, &count)| count)
            .sum();
        if request.members.len() > subscribed as usize {
            out.push_str(lang.pick(
                "(idle): no partition this generation; with more members than partitions, \
                 the extra members sit idle (F09)\n",
                "(유휴): 이번 세대에 받은 파티션이 없습니다. 멤버가 파티션보다 많으면 남는 \
                 멤버는 유휴 상태로 기다립니다 (F09)\n",
            ));
        } else {
            out.push_str(lang.pick(
                "(idle): no partition this generation\n",
                "(유휴): 이번 세대에 받은 파티션이 없습니다\n",
            ));
        }
    }
    if request.any_owned {
        match strategy {
            Strategy::Range | Strategy::RoundRobin => {
                let name = strategy.protocol_name();
                match lang {
                    Lang::En => writeln!(
                        out,
                        "{name} ignores --owned: it does not look at who owned what before"
                    ),
                    Lang::Ko => writeln!(
                        out,
                        "{name}는 --owned를 무시합니다: 이전에 누가 무엇을 가졌는지 보지 않습니다"
                    ),
                }
                .unwrap();
            }
            Strategy::Sticky => {}
            Strategy::CooperativeSticky => out.push_str(&follow_up(request, &result, lang)),
        }
    }
    out
}

fn ordering_note(strategy: Strategy, lang: Lang) -> &'static str {
    match lang {
        Lang::En => ordering_note_en(strategy),
        Lang::Ko => ordering_note_ko(strategy),
    }
}

fn ordering_note_ko(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Range => {
            "순서: 정적 멤버는 group.instance.id 순, 나머지는 member id 순(단순 문자열 순서: \
             \"c10\"이 \"c2\"보다 앞); 토픽마다 앞쪽 P mod C명의 구독자가 연속된 파티션을 \
             P/C+1개씩, 나머지가 P/C개씩 받습니다"
        }
        Strategy::RoundRobin => {
            "순서: 정적 멤버는 group.instance.id 순, 나머지는 member id 순(단순 문자열 순서: \
             \"c10\"이 \"c2\"보다 앞); 토픽, 번호 순으로 정렬한 파티션을 차례로 나눠 주며, \
             그 토픽을 구독하지 않은 멤버는 건너뜁니다"
        }
        Strategy::Sticky => {
            "순서: member id(단순 문자열 순서: \"c10\"이 \"c2\"보다 앞); group.instance.id는 \
             쓰지 않습니다; 먼저 균형을 맞추고, 이전 소유자가 파티션을 최대한 그대로 가집니다"
        }
        Strategy::CooperativeSticky => {
            "순서: member id(단순 문자열 순서: \"c10\"이 \"c2\"보다 앞); group.instance.id는 \
             쓰지 않습니다; sticky처럼 균형을 맞추고 소유를 유지하지만, 소유자가 바뀌는 \
             파티션은 먼저 회수되고 후속 리밸런스에서 할당됩니다"
        }
    }
}

fn ordering_note_en(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Range => {
            "order: static members by group.instance.id, then the others by member id (plain \
             string order: \"c10\" before \"c2\"); per topic, the first P mod C subscribers take \
             P/C+1 consecutive partitions, the rest P/C"
        }
        Strategy::RoundRobin => {
            "order: static members by group.instance.id, then the others by member id (plain \
             string order: \"c10\" before \"c2\"); partitions sorted by topic then number are \
             dealt in that order, skipping members not subscribed to the topic"
        }
        Strategy::Sticky => {
            "order: member id (plain string order: \"c10\" before \"c2\"); group.instance.id \
             is not used; balance first, then previous owners keep as many partitions as they can"
        }
        Strategy::CooperativeSticky => {
            "order: member id (plain string order: \"c10\" before \"c2\"); group.instance.id \
             is not used; balanced and sticky like sticky, but a partition changing owner is \
             revoked first and assigned in a follow-up rebalance"
        }
    }
}

/// For CooperativeSticky: the partitions revoked this round, and who gets them in the
/// follow-up rebalance the revoking members trigger by rejoining.
fn follow_up(
    request: &Request,
    result: &BTreeMap<String, Vec<(String, u32)>>,
    lang: Lang,
) -> String {
    let mut revoked: Vec<((String, u32), String)> = Vec::new();
    for member in &request.members {
        for tp in &member.owned {
            if !result[&member.member_id].contains(tp) {
                revoked.push((tp.clone(), member.member_id.clone()));
            }
        }
    }
    if revoked.is_empty() {
        return lang
            .pick(
                "nothing is revoked: no follow-up rebalance is needed\n",
                "회수되는 파티션이 없습니다: 후속 리밸런스가 필요 없습니다\n",
            )
            .to_string();
    }
    revoked.sort();
    let next_round: Vec<Member> = request
        .members
        .iter()
        .map(|member| Member {
            owned: result[&member.member_id].clone(),
            generation: PREVIOUS_GENERATION + 1,
            ..member.clone()
        })
        .collect();
    let next = assignor::assign(request.strategy, &next_round, &request.partitions);
    let mut out = String::from(lang.pick(
        "revoked now, assigned in the follow-up rebalance:",
        "지금 회수되고 후속 리밸런스에서 할당됨:",
    ));
    for ((topic, partition), from) in &revoked {
        let to = next
            .iter()
            .find(|(_, owned)| owned.contains(&(topic.clone(), *partition)))
            .map(|(member, _)| member.as_str())
            .unwrap_or(lang.pick(
                "nobody (no member subscribes to it)",
                "없음 (구독하는 멤버가 없음)",
            ));
        write!(out, " {topic}-{partition} ({from} -> {to})").unwrap();
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn request(strategy: &str, members: &[&str], topics: &[&str], owned: &[&str]) -> Request {
        parse(
            strategy,
            &strings(members),
            &strings(topics),
            &strings(owned),
            Lang::En,
        )
        .expect("valid")
    }

    fn error(strategy: &str, members: &[&str], topics: &[&str], owned: &[&str]) -> String {
        error_in(Lang::En, strategy, members, topics, owned)
    }

    fn error_in(
        lang: Lang,
        strategy: &str,
        members: &[&str],
        topics: &[&str],
        owned: &[&str],
    ) -> String {
        let result = parse(
            strategy,
            &strings(members),
            &strings(topics),
            &strings(owned),
            lang,
        );
        format!("{:#}", result.err().expect("an error"))
    }

    // With --lang ko the errors are Korean too, the flags, names and Kafka's class names as
    // they are.
    #[test]
    fn korean_errors() {
        assert_eq!(
            error_in(Lang::Ko, "foo", &["c1:t"], &["t:1"], &[]),
            "알 수 없는 전략 \"foo\": range, roundrobin, sticky, cooperative-sticky 중 하나(또는 \
             Kafka의 클래스 이름)여야 합니다"
        );
        assert_eq!(
            error_in(Lang::Ko, "range", &["c1:t9"], &["t:1"], &[]),
            "멤버 c1가 구독하는 t9에 --topic t9:N이 없습니다. 주어진 토픽은 t입니다"
        );
        assert_eq!(
            error_in(Lang::Ko, "range", &["c1"], &["t:1"], &[]),
            "잘못된 --member \"c1\": 멤버[@인스턴스]:토픽[,토픽...] 형식이어야 합니다(예: \
             c1:t1,t2 또는 c1@i1:t1)"
        );
        assert_eq!(
            error_in(Lang::Ko, "range", &["c1:t"], &["t:0"], &[]),
            "--topic t:0: 토픽에는 파티션이 하나 이상 있어야 합니다"
        );
        assert_eq!(
            error_in(Lang::Ko, "sticky", &["c1:t"], &["t:1"], &["c1=t-3"]),
            "--owned c1=t-3: t-3은(는) 없습니다. t의 파티션은 0부터 0까지입니다"
        );
        assert!(!error_in(Lang::Ko, "range", &["c1:t", "c1:t"], &["t:1"], &[]).is_ascii());
    }

    fn render_en(request: &Request) -> String {
        render_text(request, Lang::En)
    }

    // In Korean the table's header, the notes and (idle) are Korean, and the columns line up
    // by terminal width (Hangul takes two columns).
    #[test]
    fn korean() {
        let text = render_text(
            &request("range", &["a:t", "z@i1:t"], &["t:1"], &[]),
            Lang::Ko,
        );
        assert_eq!(
            text,
            "\
전략: range (org.apache.kafka.clients.consumer.RangeAssignor)

멤버  인스턴스  구독  파티션  개수
z     i1        t     t-0        1
a     -         t     (유휴)     0

순서: 정적 멤버는 group.instance.id 순, 나머지는 member id 순(단순 문자열 순서: \"c10\"이 \"c2\"보다 앞); 토픽마다 앞쪽 P mod C명의 구독자가 연속된 파티션을 P/C+1개씩, 나머지가 P/C개씩 받습니다
(유휴): 이번 세대에 받은 파티션이 없습니다. 멤버가 파티션보다 많으면 남는 멤버는 유휴 상태로 기다립니다 (F09)
"
        );
        let text = render_text(
            &request(
                "cooperative-sticky",
                &["c1:t", "c2:t"],
                &["t:3"],
                &["c1=t-0,t-1,t-2"],
            ),
            Lang::Ko,
        );
        assert!(
            text.contains("지금 회수되고 후속 리밸런스에서 할당됨: t-2 (c1 -> c2)"),
            "{text}"
        );
    }

    // F10 as a table: each member's partitions and count, in member order, with the rule.
    #[test]
    fn text_table_for_f10() {
        let text = render_en(&request(
            "roundrobin",
            &["C1:t1,t2", "C2:t1,t2"],
            &["t1:3", "t2:3"],
            &[],
        ));
        assert_eq!(
            text,
            "\
strategy: roundrobin (org.apache.kafka.clients.consumer.RoundRobinAssignor)

member  instance  subscription  partitions      count
C1      -         t1,t2         t1-0 t1-2 t2-1      3
C2      -         t1,t2         t1-1 t2-0 t2-2      3

order: static members by group.instance.id, then the others by member id (plain string order: \"c10\" before \"c2\"); partitions sorted by topic then number are dealt in that order, skipping members not subscribed to the topic
"
        );
    }

    // Static members are listed (and served) first; idle members are marked.
    #[test]
    fn static_members_first_and_idle_marked() {
        let text = render_en(&request("range", &["a:t", "z@i1:t"], &["t:1"], &[]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[3],
            "z       i1        t             t-0             1"
        );
        assert_eq!(
            lines[4],
            "a       -         t             (idle)          0"
        );
        assert!(text.contains("(F09)"), "{text}");
    }

    // JSON lists members in the assignor's member order, partitions as topic-partition names.
    #[test]
    fn json_in_member_order() {
        let json = render_json(&request(
            "range",
            &["c2:t1", "c10:t1", "s@i9:t1"],
            &["t1:4"],
            &[],
        ));
        assert_eq!(
            json,
            "{\"s\": [\"t1-0\", \"t1-1\"], \"c10\": [\"t1-2\"], \"c2\": [\"t1-3\"]}\n"
        );
    }

    // CooperativeSticky shows what is revoked now and where it goes in the follow-up round.
    #[test]
    fn cooperative_sticky_names_the_follow_up() {
        let text = render_en(&request(
            "cooperative-sticky",
            &["c1:t", "c2:t"],
            &["t:3"],
            &["c1=t-0,t-1,t-2"],
        ));
        assert!(
            text.contains("revoked now, assigned in the follow-up rebalance: t-2 (c1 -> c2)"),
            "{text}"
        );
        assert!(
            text.contains("c2      -         t             (idle)"),
            "{text}"
        );
    }

    // Every kind of bad input gets a one-line message saying what was expected.
    #[test]
    fn bad_input_messages() {
        assert_eq!(
            error("rangee", &["c1:t"], &["t:1"], &[]),
            "unknown strategy \"rangee\": expected one of range, roundrobin, sticky, \
             cooperative-sticky (or Kafka's class name)"
        );
        assert_eq!(
            error("range", &["c1"], &["t:1"], &[]),
            "malformed --member \"c1\": expected MEMBER[@INSTANCE]:TOPIC[,TOPIC...], e.g. \
             c1:t1,t2 or c1@i1:t1"
        );
        assert_eq!(
            error("range", &["c1:t"], &["t:x"], &[]),
            "malformed --topic \"t:x\": expected TOPIC:PARTITIONS, e.g. t1:3"
        );
        assert_eq!(
            error("range", &["c1:t"], &["t:0"], &[]),
            "--topic t:0: a topic has at least one partition"
        );
        assert_eq!(
            error("range", &["c1:t,u"], &["t:1"], &[]),
            "member c1 subscribes to u, which has no --topic u:N; the topics are t"
        );
        assert_eq!(
            error("range", &["c1:t", "c1:t"], &["t:1"], &[]),
            "duplicate member c1"
        );
        assert_eq!(
            error("sticky", &["c1:t"], &["t:1"], &["c1=t-1"]),
            "--owned c1=t-1: t-1 does not exist; t has partitions 0 to 0"
        );
        assert_eq!(
            error("sticky", &["c1:t", "c2:t"], &["t:1"], &["c1=t-0", "c2=t-0"]),
            "t-0 is owned by both c1 and c2; a partition has one owner"
        );
        assert_eq!(
            error("sticky", &["c1:t"], &["t:1"], &["c9=t-0"]),
            "--owned c9=t-0: there is no --member c9"
        );
        assert_eq!(
            parse_strategy("org.apache.kafka.clients.consumer.StickyAssignor", Lang::En).unwrap(),
            Strategy::Sticky
        );
    }
}
