//! Kafka's ACL authorizer as a pure function: given the ACLs, `super.users` and
//! `allow.everyone.if.no.acl.found`, is a principal allowed an operation on a resource, and
//! which rule decided it. `ksim acl check` prints the answer.
//!
//! The rules are those of KRaft's `StandardAuthorizerData` (`findAclRule`, `checkSection`,
//! `findResult`), which `AclAuthorizer` shared under ZooKeeper:
//!
//! - a super user is allowed everything, before any ACL is read;
//! - an ACL applies to a resource when its type matches and its pattern is LITERAL with the
//!   same name, LITERAL `*` (any name), or PREFIXED with a prefix of the name;
//! - an applying ACL matches the request when its principal is the request's or `User:*`, its
//!   host is the client's or `*`, and its operation is the one asked, or `ALL`, or, for an
//!   ALLOW ACL only, one that implies it: READ, WRITE, DELETE and ALTER imply DESCRIBE;
//!   ALTER_CONFIGS implies DESCRIBE_CONFIGS;
//! - a matching DENY wins over any ALLOW; else a matching ALLOW allows;
//! - else, if some ACL applies to the resource (for anyone), the answer is DENIED; only when
//!   none applies does `allow.everyone.if.no.acl.found` (default false) decide.

use std::fmt;

/// What an ACL does to the requests it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Allow,
    Deny,
}

/// Kafka's `AclOperation`s that an ACL may name (not `ANY`, which only filters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    All,
    Read,
    Write,
    Create,
    Delete,
    Alter,
    Describe,
    ClusterAction,
    DescribeConfigs,
    AlterConfigs,
    IdempotentWrite,
    CreateTokens,
    DescribeTokens,
}

impl Operation {
    pub const ALL: [Operation; 13] = [
        Operation::All,
        Operation::Read,
        Operation::Write,
        Operation::Create,
        Operation::Delete,
        Operation::Alter,
        Operation::Describe,
        Operation::ClusterAction,
        Operation::DescribeConfigs,
        Operation::AlterConfigs,
        Operation::IdempotentWrite,
        Operation::CreateTokens,
        Operation::DescribeTokens,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::All => "ALL",
            Operation::Read => "READ",
            Operation::Write => "WRITE",
            Operation::Create => "CREATE",
            Operation::Delete => "DELETE",
            Operation::Alter => "ALTER",
            Operation::Describe => "DESCRIBE",
            Operation::ClusterAction => "CLUSTER_ACTION",
            Operation::DescribeConfigs => "DESCRIBE_CONFIGS",
            Operation::AlterConfigs => "ALTER_CONFIGS",
            Operation::IdempotentWrite => "IDEMPOTENT_WRITE",
            Operation::CreateTokens => "CREATE_TOKENS",
            Operation::DescribeTokens => "DESCRIBE_TOKENS",
        }
    }

    /// Kafka's name, case and `-`/`_` ignored (`describe-configs`, `Read`).
    pub fn parse(text: &str) -> Option<Operation> {
        let wanted = text.trim().to_ascii_uppercase().replace('-', "_");
        Operation::ALL.into_iter().find(|op| op.name() == wanted)
    }

    /// Does an ALLOW ACL for `self` also allow `asked`? Only DESCRIBE and DESCRIBE_CONFIGS
    /// are implied, as `StandardAuthorizerData.IMPLIES_DESCRIBE(_CONFIGS)` lists them.
    fn allow_implies(self, asked: Operation) -> bool {
        match asked {
            Operation::Describe => matches!(
                self,
                Operation::Describe
                    | Operation::Read
                    | Operation::Write
                    | Operation::Delete
                    | Operation::Alter
            ),
            Operation::DescribeConfigs => {
                matches!(self, Operation::DescribeConfigs | Operation::AlterConfigs)
            }
            _ => self == asked,
        }
    }
}

/// Kafka's `ResourceType`s, named as the authorizer's audit log names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceType {
    Topic,
    Group,
    Cluster,
    TransactionalId,
    DelegationToken,
    User,
}

impl ResourceType {
    pub const ALL: [ResourceType; 6] = [
        ResourceType::Topic,
        ResourceType::Group,
        ResourceType::Cluster,
        ResourceType::TransactionalId,
        ResourceType::DelegationToken,
        ResourceType::User,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ResourceType::Topic => "Topic",
            ResourceType::Group => "Group",
            ResourceType::Cluster => "Cluster",
            ResourceType::TransactionalId => "TransactionalId",
            ResourceType::DelegationToken => "DelegationToken",
            ResourceType::User => "User",
        }
    }

    /// The name, case and `-`/`_` ignored (`topic`, `transactional-id`).
    pub fn parse(text: &str) -> Option<ResourceType> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', '_'], "");
        ResourceType::ALL
            .into_iter()
            .find(|t| t.name().to_ascii_lowercase() == wanted)
    }
}

/// How an ACL's resource name matches: exactly (or any name, for `*`), or as a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternType {
    Literal,
    Prefixed,
}

impl PatternType {
    pub fn name(self) -> &'static str {
        match self {
            PatternType::Literal => "LITERAL",
            PatternType::Prefixed => "PREFIXED",
        }
    }
}

/// One ACL binding: `ALLOW User:alice READ Topic:LITERAL:orders from host *`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acl {
    pub permission: Permission,
    pub principal: String,
    pub operation: Operation,
    pub resource_type: ResourceType,
    pub pattern_type: PatternType,
    pub resource_name: String,
    pub host: String,
}

impl fmt::Display for Acl {
    /// The way `ksim acl check --acl` takes it:
    /// `ALLOW,User:alice,READ,Topic:LITERAL:orders,*`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{},{}:{}:{},{}",
            match self.permission {
                Permission::Allow => "ALLOW",
                Permission::Deny => "DENY",
            },
            self.principal,
            self.operation.name(),
            self.resource_type.name(),
            self.pattern_type.name(),
            self.resource_name,
            self.host
        )
    }
}

/// Why an ACL spec is refused; the front end words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AclSpecError {
    /// Not `PERMISSION,PRINCIPAL,OPERATION,TYPE:PATTERN:NAME[,HOST]`.
    Shape,
    Permission(String),
    Principal(String),
    Operation(String),
    ResourceType(String),
    PatternType(String),
}

/// Reads `ALLOW,User:alice,READ,Topic:LITERAL:orders` (an optional fifth part is the host,
/// default `*`). The resource is written as the authorizer's audit log writes it:
/// type, pattern type and name joined by colons; the pattern type may be left out
/// (`Topic:orders` is LITERAL).
pub fn parse_acl(spec: &str) -> Result<Acl, AclSpecError> {
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    if !(4..=5).contains(&parts.len()) {
        return Err(AclSpecError::Shape);
    }
    let permission = match parts[0].to_ascii_uppercase().as_str() {
        "ALLOW" => Permission::Allow,
        "DENY" => Permission::Deny,
        _ => return Err(AclSpecError::Permission(parts[0].to_string())),
    };
    let principal = parse_principal(parts[1])?;
    let operation =
        Operation::parse(parts[2]).ok_or_else(|| AclSpecError::Operation(parts[2].to_string()))?;
    let (resource_type, pattern_type, resource_name) = parse_pattern(parts[3])?;
    let host = parts.get(4).map_or("*", |host| host).to_string();
    Ok(Acl {
        permission,
        principal,
        operation,
        resource_type,
        pattern_type,
        resource_name,
        host,
    })
}

/// `User:alice`: a principal type, a colon and a name, as `KafkaPrincipal` writes it.
pub fn parse_principal(text: &str) -> Result<String, AclSpecError> {
    match text.split_once(':') {
        Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok(text.to_string()),
        _ => Err(AclSpecError::Principal(text.to_string())),
    }
}

/// `Topic:LITERAL:orders`, `Topic:PREFIXED:orders-` or `Topic:orders` (LITERAL).
fn parse_pattern(text: &str) -> Result<(ResourceType, PatternType, String), AclSpecError> {
    let (kind, rest) = text
        .split_once(':')
        .ok_or_else(|| AclSpecError::ResourceType(text.to_string()))?;
    let resource_type =
        ResourceType::parse(kind).ok_or_else(|| AclSpecError::ResourceType(kind.to_string()))?;
    let (pattern_type, name) = match rest.split_once(':') {
        Some((pattern, name)) if pattern.eq_ignore_ascii_case("LITERAL") => {
            (PatternType::Literal, name)
        }
        Some((pattern, name)) if pattern.eq_ignore_ascii_case("PREFIXED") => {
            (PatternType::Prefixed, name)
        }
        Some((pattern, _))
            if ["MATCH", "ANY", "UNKNOWN"]
                .iter()
                .any(|p| pattern.eq_ignore_ascii_case(p)) =>
        {
            return Err(AclSpecError::PatternType(pattern.to_string()));
        }
        _ => (PatternType::Literal, rest),
    };
    if name.is_empty() {
        return Err(AclSpecError::ResourceType(text.to_string()));
    }
    Ok((resource_type, pattern_type, name.to_string()))
}

/// The request the authorizer is asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub principal: String,
    pub host: String,
    pub operation: Operation,
    pub resource_type: ResourceType,
    pub resource_name: String,
}

/// The broker settings the answer depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizerConfig {
    /// `super.users`: principals allowed everything.
    pub super_users: Vec<String>,
    /// `allow.everyone.if.no.acl.found` (default false).
    pub allow_everyone_if_no_acl_found: bool,
}

/// What one ACL did to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclVerdict {
    /// Its resource pattern does not cover the resource.
    OtherResource,
    /// It covers the resource, but names another principal.
    OtherPrincipal,
    /// It covers the resource, but names another host.
    OtherHost,
    /// It covers the resource, but not this operation.
    OtherOperation,
    Allows,
    Denies,
}

/// The rule that decided, as the authorizer's audit log names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    SuperUser,
    /// A matching DENY ACL (index into the ACLs given); it wins over every ALLOW.
    DenyAcl(usize),
    /// A matching ALLOW ACL and no matching DENY.
    AllowAcl(usize),
    /// ACLs exist for the resource but none allows this request.
    NoMatchingAllow,
    /// No ACL covers the resource: `allow.everyone.if.no.acl.found` decides.
    NoAclFound {
        allow_everyone: bool,
    },
}

/// The answer, with the verdict on every ACL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub rule: Rule,
    pub verdicts: Vec<AclVerdict>,
}

/// Does the ACL's resource pattern cover the resource? LITERAL: the same name, or `*`;
/// PREFIXED: the name starts with the pattern.
pub fn covers(acl: &Acl, resource_type: ResourceType, name: &str) -> bool {
    acl.resource_type == resource_type
        && match acl.pattern_type {
            PatternType::Literal => acl.resource_name == name || acl.resource_name == "*",
            PatternType::Prefixed => name.starts_with(&acl.resource_name),
        }
}

/// One ACL against the request, as `findResult` judges it once the resource is covered.
pub fn verdict(acl: &Acl, request: &Request) -> AclVerdict {
    if !covers(acl, request.resource_type, &request.resource_name) {
        return AclVerdict::OtherResource;
    }
    if acl.principal != request.principal && acl.principal != "User:*" {
        return AclVerdict::OtherPrincipal;
    }
    if acl.host != "*" && acl.host != request.host {
        return AclVerdict::OtherHost;
    }
    let operation_matches = acl.operation == Operation::All
        || match acl.permission {
            Permission::Allow => acl.operation.allow_implies(request.operation),
            Permission::Deny => acl.operation == request.operation,
        };
    match (operation_matches, acl.permission) {
        (false, _) => AclVerdict::OtherOperation,
        (true, Permission::Allow) => AclVerdict::Allows,
        (true, Permission::Deny) => AclVerdict::Denies,
    }
}

/// Kafka's decision for the request.
pub fn authorize(acls: &[Acl], config: &AuthorizerConfig, request: &Request) -> Decision {
    let verdicts: Vec<AclVerdict> = acls.iter().map(|acl| verdict(acl, request)).collect();
    let rule = if config.super_users.contains(&request.principal) {
        Rule::SuperUser
    } else if let Some(index) = verdicts.iter().position(|v| *v == AclVerdict::Denies) {
        Rule::DenyAcl(index)
    } else if let Some(index) = verdicts.iter().position(|v| *v == AclVerdict::Allows) {
        Rule::AllowAcl(index)
    } else if verdicts.iter().any(|v| *v != AclVerdict::OtherResource) {
        Rule::NoMatchingAllow
    } else {
        Rule::NoAclFound {
            allow_everyone: config.allow_everyone_if_no_acl_found,
        }
    };
    let allowed = match rule {
        Rule::SuperUser | Rule::AllowAcl(_) => true,
        Rule::DenyAcl(_) | Rule::NoMatchingAllow => false,
        Rule::NoAclFound { allow_everyone } => allow_everyone,
    };
    Decision {
        allowed,
        rule,
        verdicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(spec: &str) -> Acl {
        parse_acl(spec).unwrap()
    }

    fn request(principal: &str, operation: Operation, resource: &str) -> Request {
        let (kind, name) = resource.split_once(':').unwrap();
        Request {
            principal: principal.to_string(),
            host: "10.0.0.1".to_string(),
            operation,
            resource_type: ResourceType::parse(kind).unwrap(),
            resource_name: name.to_string(),
        }
    }

    fn check(acls: &[&str], config: &AuthorizerConfig, req: &Request) -> Decision {
        let acls: Vec<Acl> = acls.iter().map(|spec| acl(spec)).collect();
        authorize(&acls, config, req)
    }

    // An ACL spec reads as the audit log writes a resource; bad parts are named.
    #[test]
    fn parses_specs() {
        let a = acl("allow,User:alice,read,topic:PREFIXED:orders-,10.0.0.1");
        assert_eq!(a.permission, Permission::Allow);
        assert_eq!(a.operation, Operation::Read);
        assert_eq!(a.resource_type, ResourceType::Topic);
        assert_eq!(a.pattern_type, PatternType::Prefixed);
        assert_eq!(a.resource_name, "orders-");
        assert_eq!(a.host, "10.0.0.1");
        assert_eq!(
            a.to_string(),
            "ALLOW,User:alice,READ,Topic:PREFIXED:orders-,10.0.0.1"
        );
        assert_eq!(acl("DENY,User:*,WRITE,Topic:orders").host, "*");
        assert_eq!(
            acl("ALLOW,User:a,DESCRIBE-CONFIGS,transactional-id:tx").resource_type,
            ResourceType::TransactionalId
        );
        assert_eq!(parse_acl("ALLOW,User:a,READ"), Err(AclSpecError::Shape));
        assert_eq!(
            parse_acl("PERMIT,User:a,READ,Topic:t"),
            Err(AclSpecError::Permission("PERMIT".into()))
        );
        assert_eq!(
            parse_acl("ALLOW,alice,READ,Topic:t"),
            Err(AclSpecError::Principal("alice".into()))
        );
        assert_eq!(
            parse_acl("ALLOW,User:a,PRODUCE,Topic:t"),
            Err(AclSpecError::Operation("PRODUCE".into()))
        );
        assert_eq!(
            parse_acl("ALLOW,User:a,READ,Table:t"),
            Err(AclSpecError::ResourceType("Table".into()))
        );
        assert_eq!(
            parse_acl("ALLOW,User:a,READ,Topic:MATCH:t"),
            Err(AclSpecError::PatternType("MATCH".into()))
        );
    }

    // LITERAL matches the exact name, LITERAL * any name, PREFIXED a name that starts with it;
    // a LITERAL name that is only a prefix does not match.
    #[test]
    fn resource_patterns() {
        let read = request("User:alice", Operation::Read, "Topic:orders-eu");
        let none = AuthorizerConfig::default();
        for spec in [
            "ALLOW,User:alice,READ,Topic:LITERAL:orders-eu",
            "ALLOW,User:alice,READ,Topic:LITERAL:*",
            "ALLOW,User:alice,READ,Topic:PREFIXED:orders-",
            "ALLOW,User:alice,READ,Topic:PREFIXED:orders-eu",
        ] {
            assert!(check(&[spec], &none, &read).allowed, "{spec}");
        }
        for spec in [
            "ALLOW,User:alice,READ,Topic:LITERAL:orders-",
            "ALLOW,User:alice,READ,Topic:PREFIXED:orders-eu-1",
            "ALLOW,User:alice,READ,Group:LITERAL:orders-eu",
        ] {
            assert!(!check(&[spec], &none, &read).allowed, "{spec}");
        }
    }

    // A matching DENY wins over a matching ALLOW, whatever their order and patterns.
    #[test]
    fn deny_wins() {
        let read = request("User:alice", Operation::Read, "Topic:orders");
        let decision = check(
            &[
                "ALLOW,User:alice,READ,Topic:orders",
                "DENY,User:*,READ,Topic:PREFIXED:ord",
            ],
            &AuthorizerConfig::default(),
            &read,
        );
        assert!(!decision.allowed);
        assert_eq!(decision.rule, Rule::DenyAcl(1));
        assert_eq!(decision.verdicts, [AclVerdict::Allows, AclVerdict::Denies]);
    }

    // super.users are allowed even against a DENY.
    #[test]
    fn super_users() {
        let config = AuthorizerConfig {
            super_users: vec!["User:admin".into()],
            allow_everyone_if_no_acl_found: false,
        };
        let decision = check(
            &["DENY,User:admin,ALL,Topic:*"],
            &config,
            &request("User:admin", Operation::Delete, "Topic:orders"),
        );
        assert!(decision.allowed);
        assert_eq!(decision.rule, Rule::SuperUser);
    }

    // allow.everyone.if.no.acl.found decides only when no ACL covers the resource at all: an
    // ACL for someone else on the resource makes the answer DENIED.
    #[test]
    fn no_acl_found() {
        let open = AuthorizerConfig {
            super_users: vec![],
            allow_everyone_if_no_acl_found: true,
        };
        let read = request("User:bob", Operation::Read, "Topic:orders");
        let decision = check(&["ALLOW,User:alice,READ,Topic:payments"], &open, &read);
        assert_eq!(
            decision.rule,
            Rule::NoAclFound {
                allow_everyone: true
            }
        );
        assert!(decision.allowed);
        let closed = check(&[], &AuthorizerConfig::default(), &read);
        assert!(!closed.allowed);
        let decision = check(&["ALLOW,User:alice,READ,Topic:orders"], &open, &read);
        assert_eq!(decision.rule, Rule::NoMatchingAllow);
        assert!(!decision.allowed);
        assert_eq!(decision.verdicts, [AclVerdict::OtherPrincipal]);
    }

    // READ, WRITE, DELETE and ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS,
    // ALL implies everything, but only in ALLOW ACLs: DENY READ does not deny DESCRIBE.
    #[test]
    fn implied_operations() {
        let none = AuthorizerConfig::default();
        let describe = request("User:a", Operation::Describe, "Topic:t");
        for op in ["READ", "WRITE", "DELETE", "ALTER", "DESCRIBE", "ALL"] {
            let spec = format!("ALLOW,User:a,{op},Topic:t");
            assert!(check(&[&spec], &none, &describe).allowed, "{op}");
        }
        for op in ["CREATE", "ALTER_CONFIGS", "DESCRIBE_CONFIGS"] {
            let spec = format!("ALLOW,User:a,{op},Topic:t");
            assert!(!check(&[&spec], &none, &describe).allowed, "{op}");
        }
        let describe_configs = request("User:a", Operation::DescribeConfigs, "Topic:t");
        assert!(
            check(
                &["ALLOW,User:a,ALTER_CONFIGS,Topic:t"],
                &none,
                &describe_configs
            )
            .allowed
        );
        assert!(!check(&["ALLOW,User:a,ALTER,Topic:t"], &none, &describe_configs).allowed);
        let read = request("User:a", Operation::Read, "Topic:t");
        assert!(!check(&["ALLOW,User:a,DESCRIBE,Topic:t"], &none, &read).allowed);
        let decision = check(
            &["ALLOW,User:a,ALL,Topic:t", "DENY,User:a,READ,Topic:t"],
            &none,
            &describe,
        );
        assert!(decision.allowed);
        assert_eq!(decision.verdicts[1], AclVerdict::OtherOperation);
        assert!(!check(&["DENY,User:a,ALL,Topic:t"], &none, &describe).allowed);
    }

    // An ACL's host must be the client's address or *; User:* matches every principal.
    #[test]
    fn hosts_and_wildcard_principal() {
        let none = AuthorizerConfig::default();
        let read = request("User:carol", Operation::Read, "Topic:t");
        assert!(check(&["ALLOW,User:*,READ,Topic:t,10.0.0.1"], &none, &read).allowed);
        let decision = check(&["ALLOW,User:*,READ,Topic:t,10.0.0.2"], &none, &read);
        assert_eq!(decision.verdicts, [AclVerdict::OtherHost]);
        assert!(!decision.allowed);
    }
}
