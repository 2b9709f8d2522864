//! How a link resource shows the analysis: the computed `reachability` list, the
//! `check_reachability` switch with its validator, and the plan's warning or error naming
//! the subnets and route tables left unreachable.

use super::verdict::{Side, Verdict};
use crate::tf::validator;
use crate::tf::{Attribute, AttributePath, Diagnostic, Type, Value};

/// The computed list of verdicts.
pub const REACHABILITY: &str = "reachability";
/// `warn`, `error` or `off`.
pub const CHECK_REACHABILITY: &str = "check_reachability";
/// The default of `check_reachability`.
pub const DEFAULT_CHECK: &str = "warn";

/// The fields of one `reachability` element.
pub mod field {
    /// `aws` or `azure`.
    pub const SIDE: &str = "side";
    /// The subnet judged.
    pub const SUBNET_ID: &str = "subnet_id";
    /// The route table deciding its traffic.
    pub const ROUTE_TABLE_ID: &str = "route_table_id";
    /// The remote prefix judged.
    pub const PREFIX: &str = "prefix";
    /// Whether the traffic takes the link.
    pub const REACHES: &str = "reaches";
    /// The route that carries it, or why not.
    pub const REASON: &str = "reason";
}

/// What the plan does with subnets left unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A warning (the default).
    Warn,
    /// An error: the plan fails.
    Error,
    /// No check and no reads; `reachability` is empty.
    Off,
}

impl Check {
    /// From the planned or stored `check_reachability` (null or unknown: the default).
    pub fn of(resource: &Value) -> Check {
        match resource.attr(CHECK_REACHABILITY).as_str() {
            Some("error") => Check::Error,
            Some("off") => Check::Off,
            _ => Check::Warn,
        }
    }
}

/// The `check_reachability` attribute.
pub fn check_attribute() -> Attribute {
    Attribute::optional(
        CHECK_REACHABILITY,
        Type::String,
        "What the plan does when the configuration leaves a subnet whose traffic to the other side does not take this link (see `reachability`): `warn` (default) adds a warning naming the subnets and route tables, `error` fails the plan, `off` skips the check and its reads (`reachability` is then empty).",
    )
    .default_value(Value::string(DEFAULT_CHECK))
    .validator(validator::check("`warn`, `error` or `off`.", |v, at| {
        match v.as_str() {
            None | Some("warn") | Some("error") | Some("off") => Default::default(),
            Some(o) => std::iter::once(
                Diagnostic::error(
                    "Invalid check_reachability",
                    format!("check_reachability must be \"warn\", \"error\" or \"off\", not {o:?}."),
                )
                .with_path(at.clone()),
            )
            .collect(),
        }
    }))
}

/// The type of one `reachability` element (a resource over many links lists them per link).
pub fn element_type() -> Type {
    Type::object([
        (field::SIDE, Type::String),
        (field::SUBNET_ID, Type::String),
        (field::ROUTE_TABLE_ID, Type::String),
        (field::PREFIX, Type::String),
        (field::REACHES, Type::Bool),
        (field::REASON, Type::String),
    ])
}

/// The computed `reachability` attribute; `sides` says which subnets it lists.
pub fn reachability_attribute(sides: &str) -> Attribute {
    Attribute::computed(
        REACHABILITY,
        Type::list(element_type()),
        format!("Per subnet of {sides} and per prefix of the other side: whether the subnet's traffic to that prefix takes this link (`reaches`), through which route table (an EC2 subnet's explicitly associated table, else the VPC's main table; an Azure subnet's route table, empty when it has none), and in `reason` the route that carries it or why it does not: no route, a route to another target, a more specific route elsewhere, route propagation off on that table, gateway route propagation disabled on an Azure route table. Read from the clouds at every refresh; empty with `check_reachability = \"off\"`."),
    )
}

/// The attribute value of `verdicts`.
pub fn to_value(verdicts: &[Verdict]) -> Value {
    Value::list(verdicts.iter().map(|v| {
        Value::object([
            (field::SIDE, Value::string(v.side.as_str())),
            (field::SUBNET_ID, Value::string(&v.subnet_id)),
            (field::ROUTE_TABLE_ID, Value::string(&v.route_table_id)),
            (field::PREFIX, Value::string(&v.prefix)),
            (field::REACHES, Value::bool(v.reaches)),
            (field::REASON, Value::string(&v.reason)),
        ])
    }))
}

/// The verdicts stored in a refreshed state (a plan without changes reports them without
/// reading the clouds again).
pub fn from_value(v: &Value) -> Vec<Verdict> {
    v.as_list()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let s = |k: &str| e.attr(k).as_str().unwrap_or_default().to_string();
            Verdict {
                side: if s(field::SIDE) == "azure" {
                    Side::Azure
                } else {
                    Side::Aws
                },
                subnet_id: s(field::SUBNET_ID),
                route_table_id: s(field::ROUTE_TABLE_ID),
                prefix: s(field::PREFIX),
                reaches: e.attr(field::REACHES).as_bool().unwrap_or(true),
                reason: s(field::REASON),
            }
        })
        .collect()
}

/// The plan's diagnostic for the subnets `verdicts` leave unreachable (`None` when every
/// subnet reaches or the check is off): one line per subnet and prefix, naming the route
/// table and why.
pub fn report(check: Check, link: &str, verdicts: &[Verdict]) -> Option<Diagnostic> {
    let lines: Vec<String> = verdicts
        .iter()
        .filter(|v| !v.reaches)
        .map(|v| {
            let table = if v.route_table_id.is_empty() {
                "no route table".to_string()
            } else {
                format!("route table {}", v.route_table_id)
            };
            format!(
                "- {} subnet {} ({table}) -> {}: {}",
                v.side.as_str(),
                v.subnet_id,
                v.prefix,
                v.reason
            )
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    let summary = "Subnets that will not reach the other side";
    let detail = format!(
        "{link}: the traffic of these subnets to the other side's prefixes does not take this link:\n{}\n\nAdd the route tables to the link's route tables, or fix their routes; set check_reachability = \"off\" to skip this check.",
        lines.join("\n")
    );
    let at = AttributePath::attrs([CHECK_REACHABILITY]);
    match check {
        Check::Off => None,
        Check::Warn => Some(Diagnostic::warning(summary, detail).with_path(at)),
        Check::Error => Some(Diagnostic::error(summary, detail).with_path(at)),
    }
}

/// The start of every link resource's plan-time check. `check_reachability = "off"`: the
/// planned list is empty and nothing is read. A plan without changes (the planned list is
/// the refreshed state's) is reported from the state, without reads. Otherwise returns
/// the check the caller evaluates the configuration for (reads, then [`report_into`]).
pub fn plan_needs_evaluation(
    planned: &mut Value,
    link: &str,
    diags: &mut crate::tf::Diagnostics,
) -> Option<Check> {
    let check = Check::of(planned);
    if check == Check::Off {
        planned.set_attr(REACHABILITY, Value::list([]));
        return None;
    }
    let stored = planned.attr(REACHABILITY);
    if stored.is_wholly_known() && !stored.is_null() {
        report_into(check, link, &from_value(stored), diags);
        return None;
    }
    Some(check)
}

/// The plan's outcome of an evaluation: [`report_into`] its verdicts, or an error when the
/// reads failed (a plan must not hide an outage).
pub fn report_result<E: std::fmt::Display>(
    check: Check,
    link: &str,
    result: Result<Vec<Verdict>, E>,
    diags: &mut crate::tf::Diagnostics,
) {
    match result {
        Ok(v) => report_into(check, link, &v, diags),
        Err(e) => diags.push(Diagnostic::error(
            "Could not read the route tables at plan time",
            format!("{e:#}"),
        )),
    }
}

/// The `reachability` an apply records: the live list, or an empty one with a warning when
/// it could not be read (the apply itself succeeded; the next refresh reads it again).
pub fn applied<E: std::fmt::Display>(
    result: Result<Value, E>,
    link: &str,
    diags: &mut crate::tf::Diagnostics,
) -> Value {
    result.unwrap_or_else(|e| {
        diags.push(Diagnostic::warning(
            format!("Could not read the reachability of {link}"),
            format!("{e:#}\n\n`reachability` stays empty until the next refresh."),
        ));
        Value::list([])
    })
}

/// Adds [`report`]'s diagnostic, if any, to `diags`.
pub fn report_into(
    check: Check,
    link: &str,
    verdicts: &[Verdict],
    diags: &mut crate::tf::Diagnostics,
) {
    if let Some(d) = report(check, link, verdicts) {
        diags.push(d);
    }
}
