//! `ksim acl check`: would Kafka's authorizer allow this principal this operation on this
//! resource, given the ACLs, `super.users` and `allow.everyone.if.no.acl.found` (S03)? The
//! rules live in `ksim_app::acl`; this file reads the flags and words the answer.

use std::fmt::Write;
use std::process::ExitCode;

use ksim_app::acl::{
    Acl, AclSpecError, AclVerdict, AuthorizerConfig, Decision, Operation, Request, ResourceType,
    Rule, authorize, parse_acl, parse_principal,
};
use ksim_app::lesson::Lang;

use crate::output;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AclFormat {
    /// The decision, the rule behind it and what each ACL did.
    Text,
    /// `{"allowed": false, "rule": "deny_acl", "acl": "DENY,…", "acls": [{"acl": …, "verdict": …}]}`.
    Json,
}

/// The flags of `ksim acl check`.
pub struct AclCheck<'a> {
    pub principal: &'a str,
    pub operation: &'a str,
    pub resource: &'a str,
    pub host: &'a str,
    pub acls: &'a [String],
    pub super_users: &'a [String],
    pub allow_everyone_if_no_acl_found: bool,
}

pub fn check(args: AclCheck, format: AclFormat, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    let (request, acls, config) = read(&args, lang)?;
    let decision = authorize(&acls, &config, &request);
    let text = match format {
        AclFormat::Text => render(&request, &acls, &decision, lang),
        AclFormat::Json => render_json(&acls, &decision),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn read(args: &AclCheck, lang: Lang) -> anyhow::Result<(Request, Vec<Acl>, AuthorizerConfig)> {
    let principal = parse_principal(args.principal).map_err(|error| {
        anyhow::anyhow!(spec_error("--principal", args.principal, &error, lang))
    })?;
    let operation = Operation::parse(args.operation).ok_or_else(|| {
        anyhow::anyhow!(spec_error(
            "--operation",
            args.operation,
            &AclSpecError::Operation(args.operation.to_string()),
            lang
        ))
    })?;
    if operation == Operation::All {
        anyhow::bail!(in_lang!(
            lang,
            "--operation ALL: a request asks for one operation; ALL is only for ACLs",
            "--operation ALL: 요청은 연산 하나를 묻습니다. ALL은 ACL에만 씁니다"
        ));
    }
    let (kind, name) = args
        .resource
        .split_once(':')
        .filter(|(_, name)| !name.is_empty())
        .ok_or_else(|| {
            let resource = args.resource;
            anyhow::anyhow!(in_lang!(
                lang,
                "--resource {resource}: expected TYPE:NAME, like Topic:orders or Group:billing",
                "--resource {resource}: Topic:orders나 Group:billing처럼 TYPE:NAME 형식이어야 합니다"
            ))
        })?;
    let resource_type = ResourceType::parse(kind).ok_or_else(|| {
        anyhow::anyhow!(spec_error(
            "--resource",
            args.resource,
            &AclSpecError::ResourceType(kind.to_string()),
            lang
        ))
    })?;
    let mut acls = Vec::with_capacity(args.acls.len());
    for spec in args.acls {
        acls.push(
            parse_acl(spec)
                .map_err(|error| anyhow::anyhow!(spec_error("--acl", spec, &error, lang)))?,
        );
    }
    let mut super_users = Vec::new();
    for user in args.super_users {
        super_users
            .push(parse_principal(user).map_err(|error| {
                anyhow::anyhow!(spec_error("--super-user", user, &error, lang))
            })?);
    }
    Ok((
        Request {
            principal,
            host: args.host.to_string(),
            operation,
            resource_type,
            resource_name: name.to_string(),
        },
        acls,
        AuthorizerConfig {
            super_users,
            allow_everyone_if_no_acl_found: args.allow_everyone_if_no_acl_found,
        },
    ))
}

fn spec_error(flag: &str, given: &str, error: &AclSpecError, lang: Lang) -> String {
    let operations: Vec<&str> = Operation::ALL.iter().map(|op| op.name()).collect();
    let types: Vec<&str> = ResourceType::ALL.iter().map(|t| t.name()).collect();
    let (operations, types) = (operations.join(", "), types.join(", "));
    match error {
        AclSpecError::Shape => in_lang!(
            lang,
            "{flag} {given}: expected PERMISSION,PRINCIPAL,OPERATION,TYPE:PATTERN:NAME[,HOST], like ALLOW,User:alice,READ,Topic:LITERAL:orders",
            "{flag} {given}: ALLOW,User:alice,READ,Topic:LITERAL:orders처럼 PERMISSION,PRINCIPAL,OPERATION,TYPE:PATTERN:NAME[,HOST] 형식이어야 합니다"
        ),
        AclSpecError::Permission(word) => in_lang!(
            lang,
            "{flag} {given}: \"{word}\" is not a permission; expected ALLOW or DENY",
            "{flag} {given}: \"{word}\"는 권한이 아닙니다. ALLOW 또는 DENY여야 합니다"
        ),
        AclSpecError::Principal(word) => in_lang!(
            lang,
            "{flag} {given}: \"{word}\" is not a principal; expected TYPE:NAME, like User:alice or User:*",
            "{flag} {given}: \"{word}\"는 principal이 아닙니다. User:alice나 User:*처럼 TYPE:NAME 형식이어야 합니다"
        ),
        AclSpecError::Operation(word) => in_lang!(
            lang,
            "{flag} {given}: \"{word}\" is not an operation; Kafka's are {operations}",
            "{flag} {given}: \"{word}\"는 연산이 아닙니다. Kafka의 연산: {operations}"
        ),
        AclSpecError::ResourceType(word) => in_lang!(
            lang,
            "{flag} {given}: \"{word}\" is not a resource type; Kafka's are {types}",
            "{flag} {given}: \"{word}\"는 리소스 유형이 아닙니다. Kafka의 유형: {types}"
        ),
        AclSpecError::PatternType(word) => in_lang!(
            lang,
            "{flag} {given}: an ACL's pattern type is LITERAL or PREFIXED, not {word} (MATCH and ANY only filter ACLs)",
            "{flag} {given}: ACL의 패턴 유형은 LITERAL 또는 PREFIXED이며 {word}는 쓸 수 없습니다(MATCH와 ANY는 ACL을 찾을 때만 씁니다)"
        ),
    }
}

fn verdict_text(verdict: AclVerdict, lang: Lang) -> &'static str {
    match verdict {
        AclVerdict::OtherResource => {
            lang.pick("does not cover this resource", "이 리소스에 해당하지 않음")
        }
        AclVerdict::OtherPrincipal => lang.pick(
            "covers the resource, another principal",
            "리소스는 맞지만 다른 principal",
        ),
        AclVerdict::OtherHost => lang.pick(
            "covers the resource, another host",
            "리소스는 맞지만 다른 호스트",
        ),
        AclVerdict::OtherOperation => lang.pick(
            "covers the resource, another operation",
            "리소스는 맞지만 다른 연산",
        ),
        AclVerdict::Allows => lang.pick("matches: allows", "일치: 허용"),
        AclVerdict::Denies => lang.pick("matches: denies", "일치: 거부"),
    }
}

fn render(request: &Request, acls: &[Acl], decision: &Decision, lang: Lang) -> String {
    let mut out = String::new();
    let resource = format!("{}:{}", request.resource_type.name(), request.resource_name);
    writeln!(
        out,
        "{}: {} {} {resource} {} {}",
        lang.pick("request", "요청"),
        request.principal,
        request.operation.name(),
        lang.pick("from", "호스트"),
        request.host
    )
    .unwrap();
    let verdict = if decision.allowed {
        "ALLOWED"
    } else {
        "DENIED"
    };
    let why = match (&decision.rule, lang) {
        (Rule::SuperUser, Lang::En) => format!(
            "{} is in super.users: allowed everything, before any ACL is read",
            request.principal
        ),
        (Rule::SuperUser, Lang::Ko) => format!(
            "{}는 super.users에 있습니다: ACL을 보기 전에 모든 것이 허용됩니다",
            request.principal
        ),
        (Rule::DenyAcl(index), Lang::En) => format!(
            "ACL {} denies it; a matching DENY wins over every ALLOW",
            index + 1
        ),
        (Rule::DenyAcl(index), Lang::Ko) => format!(
            "ACL {}이 거부합니다. 일치하는 DENY는 모든 ALLOW보다 우선합니다",
            index + 1
        ),
        (Rule::AllowAcl(index), Lang::En) => {
            format!("ACL {} allows it and no DENY matches", index + 1)
        }
        (Rule::AllowAcl(index), Lang::Ko) => {
            format!("ACL {}이 허용하고 일치하는 DENY가 없습니다", index + 1)
        }
        (Rule::NoMatchingAllow, Lang::En) => "ACLs exist for this resource but none allows \
             this principal this operation from this host: denied by default"
            .to_string(),
        (Rule::NoMatchingAllow, Lang::Ko) => "이 리소스에 ACL이 있지만 이 principal, 연산, \
             호스트를 허용하는 것이 없습니다: 기본으로 거부됩니다"
            .to_string(),
        (Rule::NoAclFound { allow_everyone }, Lang::En) => format!(
            "no ACL covers this resource, so allow.everyone.if.no.acl.found={allow_everyone} \
             decides"
        ),
        (Rule::NoAclFound { allow_everyone }, Lang::Ko) => format!(
            "이 리소스에 해당하는 ACL이 없으므로 allow.everyone.if.no.acl.found={allow_everyone}가 \
             결정합니다"
        ),
    };
    writeln!(out, "{verdict}: {why}").unwrap();
    if !acls.is_empty() {
        writeln!(out, "\nACL").unwrap();
        let width = acls.iter().map(|a| a.to_string().len()).max().unwrap_or(0);
        for (index, (acl, verdict)) in acls.iter().zip(&decision.verdicts).enumerate() {
            writeln!(
                out,
                "  {}. {:<width$}  {}",
                index + 1,
                acl.to_string(),
                verdict_text(*verdict, lang)
            )
            .unwrap();
        }
    }
    out
}

fn render_json(acls: &[Acl], decision: &Decision) -> String {
    let (rule, acl) = match &decision.rule {
        Rule::SuperUser => ("super_user", None),
        Rule::DenyAcl(index) => ("deny_acl", Some(acls[*index].to_string())),
        Rule::AllowAcl(index) => ("allow_acl", Some(acls[*index].to_string())),
        Rule::NoMatchingAllow => ("no_matching_allow", None),
        Rule::NoAclFound { .. } => ("no_acl_found", None),
    };
    let list: Vec<serde_json::Value> = acls
        .iter()
        .zip(&decision.verdicts)
        .map(|(acl, verdict)| {
            let verdict = match verdict {
                AclVerdict::OtherResource => "other_resource",
                AclVerdict::OtherPrincipal => "other_principal",
                AclVerdict::OtherHost => "other_host",
                AclVerdict::OtherOperation => "other_operation",
                AclVerdict::Allows => "allows",
                AclVerdict::Denies => "denies",
            };
            serde_json::json!({ "acl": acl.to_string(), "verdict": verdict })
        })
        .collect();
    let mut text = serde_json::json!({
        "allowed": decision.allowed,
        "rule": rule,
        "acl": acl,
        "acls": list,
    })
    .to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args<'a>(acls: &'a [String], super_users: &'a [String]) -> AclCheck<'a> {
        AclCheck {
            principal: "User:bob",
            operation: "describe",
            resource: "topic:orders",
            host: "10.0.0.1",
            acls,
            super_users,
            allow_everyone_if_no_acl_found: false,
        }
    }

    // The text names the decision, the rule and each ACL's verdict; READ implies DESCRIBE.
    #[test]
    fn text() {
        let acls = vec![
            "ALLOW,User:bob,READ,Topic:PREFIXED:ord".to_string(),
            "DENY,User:*,WRITE,Topic:orders".to_string(),
        ];
        let (request, acls, config) = read(&args(&acls, &[]), Lang::En).unwrap();
        let decision = authorize(&acls, &config, &request);
        assert_eq!(
            render(&request, &acls, &decision, Lang::En),
            "\
request: User:bob DESCRIBE Topic:orders from 10.0.0.1
ALLOWED: ACL 1 allows it and no DENY matches

ACL
  1. ALLOW,User:bob,READ,Topic:PREFIXED:ord,*  matches: allows
  2. DENY,User:*,WRITE,Topic:LITERAL:orders,*  covers the resource, another operation
"
        );
        assert_eq!(
            render_json(&acls, &decision),
            "{\"acl\":\"ALLOW,User:bob,READ,Topic:PREFIXED:ord,*\",\"acls\":[{\"acl\":\"ALLOW,\
             User:bob,READ,Topic:PREFIXED:ord,*\",\"verdict\":\"allows\"},{\"acl\":\"DENY,User:*,\
             WRITE,Topic:LITERAL:orders,*\",\"verdict\":\"other_operation\"}],\"allowed\":true,\
             \"rule\":\"allow_acl\"}\n"
        );
    }

    // Bad flags name the flag, the value and what is expected, in either language.
    #[test]
    fn bad_flags() {
        let acls = vec!["ALLOW,User:bob,PRODUCE,Topic:orders".to_string()];
        let error = read(&args(&acls, &[]), Lang::En).unwrap_err().to_string();
        assert!(
            error.starts_with(
                "--acl ALLOW,User:bob,PRODUCE,Topic:orders: \"PRODUCE\" is not an operation"
            ),
            "{error}"
        );
        let users = vec!["admin".to_string()];
        let error = read(&args(&[], &users), Lang::Ko).unwrap_err().to_string();
        assert!(
            error.starts_with("--super-user admin: \"admin\"는 principal이 아닙니다"),
            "{error}"
        );
    }
}
