//! Resource groups (Microsoft.Resources): synchronous PUT (201/200), GET, HEAD, and DELETE as
//! an LRO (202 + `Location`, no final-state-via; resources-2024-03-01 excerpt) that deletes
//! every resource inside.

use super::{errors::ArmError, input, lro, model::Group, Ctx, Reply, State};
use crate::profile::Op;
use axum::http::Method;
use serde_json::{json, Value};

/// Map key of a group.
pub(crate) fn group_key(sub: &str, rg: &str) -> String {
    format!("/subscriptions/{sub}/resourcegroups/{rg}").to_ascii_lowercase()
}

/// Creates or replaces a group without an operation (PUT and fixtures). Returns its id.
pub(crate) fn insert(
    st: &mut State,
    sub: &str,
    name: &str,
    location: &str,
    tags: Option<Value>,
) -> String {
    let k = group_key(sub, name);
    let name = st
        .groups
        .get(&k)
        .map(|g| g.name.clone())
        .unwrap_or_else(|| name.to_string());
    let id = format!("/subscriptions/{sub}/resourceGroups/{name}");
    st.groups.insert(
        k,
        Group {
            id: id.clone(),
            sub: sub.to_string(),
            name,
            location: location.to_string(),
            tags,
            deleting: None,
        },
    );
    id
}

fn render(g: &Group, now: u64) -> Value {
    let deleting = g.deleting.as_ref().is_some_and(|(_, d)| now < *d);
    let mut v = json!({
        "id": g.id,
        "name": g.name,
        // Real ARM returns the type although the CreateResourceGroup example omits it
        // (api-data azure/SOURCES.md).
        "type": "Microsoft.Resources/resourceGroups",
        "location": g.location,
        "properties": {"provisioningState": if deleting { "Deleting" } else { "Succeeded" }},
    });
    if let Some(t) = &g.tags {
        v["tags"] = t.clone();
    }
    v
}

/// Resource-group names: 1-90 characters of letters, digits, `-_.()`, not ending in `.`
/// (ARM naming rules for Microsoft.Resources).
fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 90
        && !n.ends_with('.')
        && n.chars()
            .all(|c| c.is_alphanumeric() || "-_.()".contains(c))
}

/// Serves `/subscriptions/{s}/resourcegroups/{rg}`.
pub(crate) fn handle(
    st: &mut State,
    cx: &Ctx,
    method: &Method,
    sub: &str,
    rg: &str,
    body: &[u8],
) -> Result<Reply, ArmError> {
    let k = group_key(sub, rg);
    match *method {
        Method::GET => st
            .groups
            .get(&k)
            .map(|g| Reply::ok(render(g, cx.now)))
            .ok_or_else(|| ArmError::group_not_found(rg)),
        Method::HEAD => Ok(Reply::empty(if st.groups.contains_key(&k) {
            204
        } else {
            404
        })),
        Method::PUT => {
            if !valid_name(rg) {
                return Err(ArmError::bad(
                    "InvalidResourceGroup",
                    format!("The provided resource group name '{rg}' has these invalid characters: or is too long."),
                ));
            }
            let v = input::body(body)?;
            let location = input::str_of(&v, "location", "")?
                .map(input::location)
                .ok_or_else(|| {
                    ArmError::bad(
                        "LocationRequired",
                        "The location property is required for this definition.",
                    )
                })?;
            // A region ARM does not know: 400 with this code and wording (user logs, e.g.
            // "The provided location 'southasia' is not available for resource group. List of
            // available regions is 'centralus,eastasia,...'").
            if st.region_has_zones(&location).is_none() {
                return Err(ArmError::bad(
                    "LocationNotAvailableForResourceGroup",
                    format!("The provided location '{location}' is not available for resource group. List of available regions is '{}'.", st.region_names().join(",")),
                ));
            }
            let tags = input::obj_of(&v, "tags", "")?.clone();
            input::check_tags(&tags)?;
            let tags = (!tags.is_null()).then_some(tags);
            let existing = st.groups.get(&k);
            if let Some(g) = existing {
                if g.deleting.is_some() {
                    return Err(ArmError::new(
                        409,
                        "ResourceGroupBeingDeleted",
                        format!("The resource group '{}' is in deprovisioning state and cannot perform this operation.", g.name),
                    ));
                }
                if g.location != location {
                    return Err(ArmError::bad(
                        "InvalidResourceGroupLocation",
                        format!("Invalid resource group location '{location}'. The Resource group already exists in location '{}'.", g.location),
                    ));
                }
            }
            let created = existing.is_none();
            insert(st, sub, rg, &location, tags);
            let mut r = Reply::ok(render(&st.groups[&k], cx.now));
            r.status = if created { 201 } else { 200 };
            Ok(r)
        }
        Method::DELETE => {
            let g = st
                .groups
                .get(&k)
                .ok_or_else(|| ArmError::group_not_found(rg))?
                .clone();
            let api = "2024-03-01";
            let url = |op: &str| {
                format!(
                    "{}/subscriptions/{sub}/operationresults/{op}?api-version={api}",
                    cx.base
                )
            };
            if let Some((op, done_at)) = &g.deleting {
                let mut r = Reply::empty(202);
                r.headers.push(("Location", url(op)));
                lro::retry_headers(&mut r, done_at.saturating_sub(cx.now));
                return Ok(r);
            }
            // Every resource inside goes with the group; the delete lasts as long as the
            // slowest of them.
            let inside: Vec<String> = st
                .res
                .iter()
                .filter(|(_, r)| r.sub.eq_ignore_ascii_case(sub) && r.rg.eq_ignore_ascii_case(rg))
                .map(|(k, _)| k.clone())
                .collect();
            let dur = inside
                .iter()
                .map(|k| match st.res[k].kind {
                    super::model::Kind::Gateway => cx.ms(Op::VirtualNetworkGatewayDelete),
                    super::model::Kind::Connection => cx.ms(Op::ConnectionWrite),
                    super::model::Kind::LocalGateway => cx.ms(Op::LocalNetworkGatewayWrite),
                    _ => cx.ms(Op::ArmOtherWrite),
                })
                .max()
                .unwrap_or(0)
                .max(cx.ms(Op::ArmOtherWrite));
            let op = st.start_op(cx, &g.id, "DELETE resourceGroups", dur, true);
            let mut cancelled = Vec::new();
            for k in &inside {
                let r = st.res.get_mut(k).expect("listed above");
                if let Some(b) = r.busy.as_ref().filter(|b| !b.delete && cx.now < b.done_at) {
                    cancelled.push(b.op.clone());
                }
                r.busy = Some(super::model::Busy {
                    op: op.clone(),
                    delete: true,
                    done_at: cx.now + dur,
                });
            }
            for c in cancelled {
                st.fail_op(
                    &c,
                    ArmError::new(
                        409,
                        "Canceled",
                        "Operation was canceled because the resource group is being deleted.",
                    ),
                );
            }
            if let Some(g) = st.groups.get_mut(&k) {
                g.deleting = Some((op.clone(), cx.now + dur));
            }
            let mut r = Reply::empty(202);
            r.headers.push(("Location", url(&op)));
            lro::retry_headers(&mut r, dur);
            Ok(r)
        }
        _ => Err(ArmError::new(
            405,
            "HttpMethodNotSupported",
            format!("The http method '{method}' is not supported for this resource."),
        )),
    }
}
