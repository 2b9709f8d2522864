//! Entra ID token endpoint + Azure Resource Manager network API (Microsoft.Network
//! 2024-03-01 and resource groups), faithful enough that `azure_identity` 0.21 and
//! `azure_mgmt_network` 0.21 cannot tell it from Azure.
//!
//! One job per module: [`routes`] parses paths case-insensitively, [`token`] issues and checks
//! bearer tokens, [`lro`] serves `Azure-AsyncOperation`/`Location` polling, [`errors`] renders
//! `CloudError` bodies and injected faults, and one module per resource type validates PUTs
//! and renders GET bodies. Long operations store `done_at_ms`; every state (`Updating`,
//! `Deleting`, operation status, removal after delete) is computed lazily from the emulator
//! clock on each request, so no background task runs.
//!
//! `GET /subscriptions/{s}/locations` serves the region table of [`regions`] (which regions
//! have availability zones); unknown regions are refused on every PUT.
//!
//! Every connection is published to [`crate::links`] after each ARM write and before each
//! read; `connectionStatus` is `Connected` when the AWS side agrees.
//!
//! # Dump shape (`State::dump`, served under `arm` by `GET /_emulator/dump`)
//! ```json
//! {
//!   "resource_groups": [{"id": "/subscriptions/{s}/resourceGroups/{rg}", "name": "rg",
//!                        "location": "westeurope", "subscription": "{s}"}],
//!   "resources": [ <exact GET body of every Microsoft.Network resource, subnets included,
//!                   ordered by lower-cased id; connections also carry properties.sharedKey> ]
//! }
//! ```
//! `connectionStatus` in the dump is the value computed at the last ARM request.

pub mod assertion;
mod connection;
mod errors;
mod gateway;
mod input;
mod local_gateway;
mod lro;
mod model;
mod public_ip;
mod regions;
mod resource_group;
mod route_table;
mod routes;
mod token;
mod virtual_network;

use crate::{links::AzureConnection, profile::Op, Emulator, Shared};
use axum::{
    extract::{Request, State as AxState},
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
};
use errors::ArmError;
use model::{key, resource_id, Group, Kind, Operation, Props, Res};
use rand::{rngs::StdRng, Rng, SeedableRng};
use routes::Route;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The only Microsoft.Network api-version served (the one `azure_mgmt_network` 0.21's
/// default feature `package-2024-03` sends).
pub(crate) const NETWORK_API_VERSION: &str = "2024-03-01";

/// ARM state for every subscription.
pub struct State {
    /// The client secret the token endpoint accepts.
    pub client_secret: String,
    /// DER certificates registered per app (client) id (fixture `client_certificates`).
    pub client_certificates: HashMap<String, Vec<u8>>,
    /// Federated identity credentials (fixture `federated_credentials`).
    pub federated_credentials: Vec<assertion::FederatedCredential>,
    /// Render `virtualNetworkGateway1`/`localNetworkGateway2` of a connection as
    /// `{"id":..,"properties":{}}` (what `azure_mgmt_network` needs to deserialize) instead of
    /// the `{"id":..}` real Azure sends (azure-rest-api-specs#755). Default false.
    pub reference_style_full: bool,
    seed: u64,
    rng: StdRng,
    groups: BTreeMap<String, Group>,
    res: BTreeMap<String, Res>,
    ops: HashMap<String, Operation>,
    /// Whether each published connection was `Connected` at the last sync.
    connected: BTreeMap<String, bool>,
    published: BTreeSet<String>,
    /// The regions served by `GET /subscriptions/{s}/locations` and accepted as `location`
    /// (built-in table of [`regions`], plus fixture regions).
    regions: BTreeMap<String, regions::Region>,
}

/// Per-request context: the emulator (profile, observer) and the request's clock reading.
pub(crate) struct Ctx<'a> {
    pub emu: &'a Emulator,
    pub now: u64,
    /// `http://host:port` as the client addressed us, for operation URLs.
    pub base: String,
    /// The whole request URL as addressed (`base`, path and query), which a running
    /// `Location` poll hands back as its own `Location`.
    pub url: String,
    /// Fixtures: do not record operations in the timeline.
    pub quiet: bool,
}

impl Ctx<'_> {
    /// Scaled duration of `op` in ms.
    pub fn ms(&self, op: Op) -> u64 {
        self.emu.profile.ms(op)
    }
}

/// An HTTP answer before it becomes an axum response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Value>,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn ok(body: Value) -> Self {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    /// A status without body.
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: None,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut b = Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            // ARM stamps every response with a request id.
            .header("x-ms-request-id", uuid::Uuid::new_v4().to_string())
            .header("cache-control", "no-cache");
        for (k, v) in &self.headers {
            b = b.header(*k, v);
        }
        let body = match self.body {
            Some(v) => {
                b = b.header("content-type", "application/json; charset=utf-8");
                axum::body::Body::from(v.to_string())
            }
            None => axum::body::Body::empty(),
        };
        b.body(body)
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// Where a resource lives, with canonical resource-group (and VNet) names.
#[derive(Debug, Clone)]
pub(crate) struct Loc {
    pub sub: String,
    pub rg: String,
    pub kind: Kind,
    pub name: String,
    pub vnet: Option<String>,
}

impl Loc {
    /// The resource id.
    pub fn id(&self) -> String {
        resource_id(
            &self.sub,
            &self.rg,
            self.kind,
            &self.name,
            self.vnet.as_deref(),
        )
    }

    /// The map key.
    pub fn key(&self) -> String {
        key(&self.id())
    }
}

impl State {
    /// Empty state; ids, keys and addresses derive from `seed`.
    pub fn new(seed: u64) -> Self {
        State {
            client_secret: "emulator-secret".into(),
            client_certificates: HashMap::new(),
            federated_credentials: Vec::new(),
            reference_style_full: false,
            seed,
            rng: StdRng::seed_from_u64(seed ^ 0x00a2_u64.rotate_left(40)),
            groups: BTreeMap::new(),
            res: BTreeMap::new(),
            ops: HashMap::new(),
            connected: BTreeMap::new(),
            published: BTreeSet::new(),
            regions: regions::builtin(),
        }
    }

    /// JSON dump of every resource group and resource (shape in the module docs).
    pub fn dump(&self, now_ms: u64) -> Value {
        let groups: Vec<Value> = self
            .groups
            .values()
            .filter(|g| g.deleting.as_ref().is_none_or(|(_, d)| now_ms < *d))
            .map(|g| json!({"id": g.id, "name": g.name, "location": g.location, "subscription": g.sub}))
            .collect();
        let resources: Vec<Value> = self
            .res
            .values()
            .filter(|r| {
                !r.busy
                    .as_ref()
                    .is_some_and(|b| b.delete && now_ms >= b.done_at)
            })
            .map(|r| {
                let mut v = self.render(r, now_ms);
                if let Props::Connection(c) = &r.props {
                    v["properties"]["sharedKey"] = json!(c.shared_key);
                }
                v
            })
            .collect();
        json!({"resource_groups": groups, "resources": resources})
    }

    /// A random-looking but seeded GUID.
    pub(crate) fn uuid(&mut self) -> String {
        uuid::Builder::from_random_bytes(self.rng.gen())
            .into_uuid()
            .to_string()
    }

    /// A fresh weak etag `W/"<guid>"`, as in the spec examples.
    pub(crate) fn etag(&mut self) -> String {
        format!("W/\"{}\"", self.uuid())
    }

    /// A seeded alphanumeric key of `len` characters that does not start with `0` (so it is
    /// also a valid AWS tunnel PSK, anchors.md §6).
    pub(crate) fn key_of_len(&mut self, len: usize) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|i| {
                let n = if i == 0 {
                    ALNUM.len() - 10
                } else {
                    ALNUM.len()
                };
                ALNUM[self.rng.gen_range(0..n)] as char
            })
            .collect()
    }

    /// Marks a fixture resource as already provisioned (no operation pending).
    fn settle_fixture(&mut self, k: &str) {
        if let Some(r) = self.res.get_mut(k) {
            r.busy = None;
        }
    }

    /// Removes resources and groups whose delete has finished.
    fn settle(&mut self, now: u64) {
        self.res.retain(|_, r| {
            !r.busy
                .as_ref()
                .is_some_and(|b| b.delete && now >= b.done_at)
        });
        self.groups
            .retain(|_, g| g.deleting.as_ref().is_none_or(|(_, d)| now < *d));
    }

    /// The resource at `k` unless it is gone.
    pub(crate) fn get(&self, k: &str) -> Option<&Res> {
        self.res.get(k)
    }

    /// The resource group, or 404 `ResourceGroupNotFound`.
    pub(crate) fn group(&self, sub: &str, rg: &str) -> Result<&Group, ArmError> {
        self.groups
            .get(&resource_group::group_key(sub, rg))
            .ok_or_else(|| ArmError::group_not_found(rg))
    }

    /// Resources of one kind, in id order.
    pub(crate) fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Res> {
        self.res.values().filter(move |r| r.kind == kind)
    }

    /// Builds the canonical location of a request, checking the group (and VNet) exist.
    fn loc(
        &self,
        sub: &str,
        rg: &str,
        kind: Kind,
        name: &str,
        vnet: Option<&str>,
    ) -> Result<Loc, ArmError> {
        let g = self.group(sub, rg)?;
        let vnet = match vnet {
            Some(v) => {
                let vk = key(&resource_id(sub, &g.name, Kind::VirtualNetwork, v, None));
                let r = self.res.get(&vk).ok_or_else(|| {
                    ArmError::not_found(Kind::VirtualNetwork.type_name(), v, &g.name)
                })?;
                Some(r.name.clone())
            }
            None => None,
        };
        let mut loc = Loc {
            sub: sub.to_string(),
            rg: g.name.clone(),
            kind,
            name: name.to_string(),
            vnet,
        };
        if let Some(r) = self.res.get(&loc.key()) {
            loc.name = r.name.clone();
        }
        Ok(loc)
    }

    /// Renders the exact GET body of a resource.
    pub(crate) fn render(&self, r: &Res, now: u64) -> Value {
        let mut v = json!({"name": r.name, "id": r.id, "etag": r.etag, "type": r.kind.type_name()});
        if r.kind != Kind::Subnet {
            v["location"] = json!(r.location);
            if let Some(t) = &r.tags {
                v["tags"] = t.clone();
            }
        }
        let mut p = match &r.props {
            Props::PublicIp(p) => public_ip::render(self, r, p, &mut v),
            Props::VirtualNetwork(n) => virtual_network::render(self, r, n, now),
            Props::Subnet(s) => virtual_network::render_subnet(self, r, s),
            Props::Gateway(g) => gateway::render(self, r, g, now),
            Props::LocalGateway(l) => local_gateway::render(l),
            Props::Connection(c) => connection::render(self, r, c, now),
            Props::RouteTable(t) => route_table::render(self, r, t, now),
        };
        p["provisioningState"] = json!(r.provisioning_state(now));
        if r.kind != Kind::Subnet {
            p["resourceGuid"] = json!(r.guid);
        }
        v["properties"] = p;
        v
    }

    /// Whether `location` (normalized) is a region with availability zones; `None` when the
    /// region is unknown. rule: AZ-ZONES-OF-REGION
    pub(crate) fn region_has_zones(&self, location: &str) -> Option<bool> {
        self.regions
            .get(&input::location(location))
            .map(|r| r.zones)
    }

    /// Programmatic names of every known region, sorted.
    pub(crate) fn region_names(&self) -> Vec<String> {
        self.regions.keys().cloned().collect()
    }

    /// 400 `LocationNotAvailableForResourceType` for a region the emulator does not know,
    /// worded as ARM words it (azure-docs PR #4981: "The provided location 'South Cental US'
    /// is not available for resource type 'Microsoft.Network/virtualNetworks'. List of
    /// available regions for the resource type is '...'").
    pub(crate) fn check_location(&self, type_name: &str, location: &str) -> Result<(), ArmError> {
        if self.regions.contains_key(&input::location(location)) {
            return Ok(());
        }
        let list = self.region_names();
        Err(ArmError::bad(
            "LocationNotAvailableForResourceType",
            format!("The provided location '{location}' is not available for resource type '{type_name}'. List of available regions for the resource type is '{}'.", list.join(",")),
        ))
    }

    /// Rejects a write on a resource that has an operation in flight (409).
    pub(crate) fn not_busy(&self, cx: &Ctx, k: &str) -> Result<(), ArmError> {
        match self
            .res
            .get(k)
            .and_then(|r| r.busy_at(cx.now).map(|b| (r, b)))
        {
            Some((r, b)) => Err(ArmError::busy(&lro::async_url(
                cx,
                &r.sub,
                &r.location,
                &b.op,
            ))),
            None => Ok(()),
        }
    }

    /// rule: AZ-GW-ONE-OPERATION. Rejects a write on a gateway while the gateway or any of its
    /// connections has an operation in flight: its own PUT/DELETE, a connection PUT/DELETE, a
    /// shared-key set/reset. The Network RP serialises them: four connections created at once
    /// on one gateway fail with `AnotherOperationInProgress` (hashicorp/terraform-provider-
    /// azurerm#10582), as does an UpdateTags right after SetSharedKey/ResetSharedKey
    /// (Azure/azure-rest-api-specs#14473). The 409 names the operation that runs.
    pub(crate) fn gateway_not_busy(&self, cx: &Ctx, gateway_key: &str) -> Result<(), ArmError> {
        self.not_busy(cx, gateway_key)?;
        let conns: Vec<String> = self
            .of_kind(Kind::Connection)
            .filter(|c| matches!(&c.props, Props::Connection(p) if key(&p.gateway) == gateway_key))
            .map(|c| key(&c.id))
            .collect();
        conns.iter().try_for_each(|k| self.not_busy(cx, k))
    }

    /// `PATCH` with a `TagsObject` (`{"tags": {..}}`, the `*_UpdateTags` operations): replaces
    /// the tag set and answers 200 with the resource, synchronously even for gateways and
    /// connections, whose spec marks it long-running (the answer already carries
    /// `Succeeded`, which the SDK's pollers accept). A body without `tags` changes nothing
    /// (guess); a busy resource answers `AnotherOperationInProgress` like a PUT.
    fn update_tags(&mut self, cx: &Ctx, loc: &Loc, body: &[u8]) -> Result<Reply, ArmError> {
        let k = loc.key();
        if !self.res.contains_key(&k) {
            return Err(not_found(loc));
        }
        self.not_busy(cx, &k)?;
        // rule: AZ-GW-ONE-OPERATION (a tag update is a write on the gateway too; inferred for
        // other connections of the same gateway).
        let gateway = match &self.res[&k].props {
            Props::Gateway(_) => Some(k.clone()),
            Props::Connection(c) => Some(key(&c.gateway)),
            _ => None,
        };
        if let Some(g) = gateway {
            self.gateway_not_busy(cx, &g)?;
        }
        let v = input::body(body)?;
        let tags = match v.get("tags") {
            None | Some(Value::Null) => None,
            Some(t @ Value::Object(m)) => {
                input::check_tags(t)?;
                if let Some((key, _)) = m.iter().find(|(_, x)| !x.is_string()) {
                    return Err(ArmError::format(
                        &format!("tags.{key}"),
                        "Expected a string",
                    ));
                }
                Some(Value::Object(m.clone()))
            }
            Some(_) => return Err(ArmError::format("tags", "Expected an object")),
        };
        let etag = self.etag();
        let r = self.res.get_mut(&k).expect("checked above");
        if let Some(t) = tags {
            r.tags = Some(t);
        }
        r.etag = etag;
        Ok(Reply::ok(self.render(&self.res[&k], cx.now)))
    }

    /// Stores the result of a validated PUT, starts its operation and answers 201/200 with
    /// `provisioningState: Updating` plus the LRO headers (spec: final-state-via
    /// azure-async-operation).
    pub(crate) fn commit(
        &mut self,
        cx: &Ctx,
        loc: &Loc,
        location: String,
        tags: Option<Value>,
        props: Props,
        op: Op,
    ) -> Reply {
        let id = loc.id();
        let k = key(&id);
        let existing = self.res.get(&k);
        let created = existing.is_none();
        let guid = existing
            .map(|r| r.guid.clone())
            .unwrap_or_else(|| self.uuid());
        let dur = cx.ms(op);
        let op_id = self.start_op(cx, &id, &format!("PUT {}", loc.kind.segment()), dur, false);
        let etag = self.etag();
        let parent = loc.vnet.as_ref().map(|v| {
            key(&resource_id(
                &loc.sub,
                &loc.rg,
                Kind::VirtualNetwork,
                v,
                None,
            ))
        });
        let r = Res {
            id: id.clone(),
            kind: loc.kind,
            sub: loc.sub.clone(),
            rg: loc.rg.clone(),
            name: loc.name.clone(),
            parent,
            location: location.clone(),
            tags,
            etag,
            guid,
            busy: Some(model::Busy {
                op: op_id.clone(),
                delete: false,
                done_at: cx.now + dur,
            }),
            props,
        };
        self.res.insert(k.clone(), r);
        let body = self.render(&self.res[&k], cx.now);
        let mut reply = Reply {
            status: if created { 201 } else { 200 },
            headers: Vec::new(),
            body: Some(body),
        };
        lro::add_headers(
            &mut reply,
            cx,
            &loc.sub,
            &location,
            &self.ops[&op_id],
            false,
        );
        reply
    }

    /// Starts deleting the resources at `keys` (the first is the one addressed) and answers
    /// 202 with `Location` + `Azure-AsyncOperation` (spec: final-state-via location).
    pub(crate) fn begin_delete(&mut self, cx: &Ctx, keys: &[String], op: Op) -> Reply {
        let r = &self.res[&keys[0]];
        let (id, sub, location, kind) = (r.id.clone(), r.sub.clone(), r.location.clone(), r.kind);
        let dur = cx.ms(op);
        let op_id = self.start_op(cx, &id, &format!("DELETE {}", kind.segment()), dur, true);
        for k in keys {
            if let Some(r) = self.res.get_mut(k) {
                r.busy = Some(model::Busy {
                    op: op_id.clone(),
                    delete: true,
                    done_at: cx.now + dur,
                });
            }
        }
        let mut reply = Reply::empty(202);
        lro::add_headers(&mut reply, cx, &sub, &location, &self.ops[&op_id], true);
        reply
    }

    /// DELETE of something absent: 204 (ARM convention, azure-arm.md §5). An addressed
    /// resource already being deleted answers 202 with its running operation.
    fn delete_absent_or_running(&self, cx: &Ctx, loc: &Loc) -> Option<Reply> {
        match self.res.get(&loc.key()) {
            None => Some(Reply::empty(204)),
            Some(r) if r.deleting() => {
                let b = r.busy.as_ref()?;
                let mut reply = Reply::empty(202);
                lro::add_headers(&mut reply, cx, &r.sub, &r.location, &self.ops[&b.op], true);
                Some(reply)
            }
            Some(_) => None,
        }
    }

    /// Lists one collection with `value` and `nextLink` (`$skiptoken` paging, 50 per page).
    fn list(
        &self,
        cx: &Ctx,
        sub: &str,
        rg: Option<&str>,
        kind: Kind,
        vnet: Option<&str>,
        query: &HashMap<String, String>,
    ) -> Result<Reply, ArmError> {
        let parent = match (rg, vnet) {
            (Some(rg), Some(v)) => Some(self.loc(sub, rg, Kind::Subnet, "x", Some(v))?),
            (Some(rg), None) => {
                self.group(sub, rg)?;
                None
            }
            _ => None,
        };
        let items: Vec<&Res> = self
            .res
            .values()
            .filter(|r| r.kind == kind && r.sub.eq_ignore_ascii_case(sub))
            .filter(|r| rg.is_none_or(|g| r.rg.eq_ignore_ascii_case(g)))
            .filter(|r| match &parent {
                Some(p) => {
                    r.parent.as_deref()
                        == Some(
                            key(&resource_id(
                                sub,
                                &p.rg,
                                Kind::VirtualNetwork,
                                p.vnet.as_deref().unwrap_or(""),
                                None,
                            ))
                            .as_str(),
                        )
                }
                None => true,
            })
            .collect();
        const PAGE: usize = 50;
        let skip: usize = query
            .get("$skiptoken")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let value: Vec<Value> = items
            .iter()
            .skip(skip)
            .take(PAGE)
            .map(|r| self.render(r, cx.now))
            .collect();
        let mut body = json!({ "value": value });
        if skip + PAGE < items.len() {
            let path = match (&parent, rg) {
                (Some(p), _) => format!(
                    "{}/subnets",
                    resource_id(
                        sub,
                        &p.rg,
                        Kind::VirtualNetwork,
                        p.vnet.as_deref().unwrap_or(""),
                        None
                    )
                ),
                (None, Some(g)) => format!(
                    "/subscriptions/{sub}/resourceGroups/{g}/providers/Microsoft.Network/{}",
                    kind.segment()
                ),
                (None, None) => format!(
                    "/subscriptions/{sub}/providers/Microsoft.Network/{}",
                    kind.segment()
                ),
            };
            body["nextLink"] = json!(format!(
                "{}{path}?api-version={NETWORK_API_VERSION}&$skiptoken={}",
                cx.base,
                skip + PAGE
            ));
        }
        Ok(Reply::ok(body))
    }

    /// Routes one authenticated ARM request.
    fn dispatch(
        &mut self,
        cx: &Ctx,
        method: &Method,
        route: &Route,
        body: &[u8],
        query: &HashMap<String, String>,
    ) -> Result<Reply, ArmError> {
        match route {
            Route::Token | Route::ManagedIdentityToken => Err(ArmError::new(404, "NotFound", "not an ARM path")),
            Route::ResourceGroup { sub, rg } => resource_group::handle(self, cx, method, sub, rg, body),
            // rule: AZ-ZONES-OF-REGION (Subscriptions - List Locations; not paged: nextLinkName
            // is null in subscriptions.json).
            Route::Locations { sub } if *method == Method::GET => Ok(Reply::ok(json!({
                "value": self.regions.values().map(|r| regions::render(sub, r)).collect::<Vec<_>>()
            }))),
            Route::Locations { .. } => Err(method_not_allowed(method)),
            Route::RgOperationResult { id } | Route::Operation { id, location_style: true } => {
                lro::poll(self, cx, id, true)
            }
            Route::Operation { id, location_style: false } => lro::poll(self, cx, id, false),
            Route::List { sub, rg, kind, vnet } if *method == Method::GET => {
                self.list(cx, sub, rg.as_deref(), *kind, vnet.as_deref(), query)
            }
            Route::Resource { sub, rg, kind, name, vnet } => {
                let loc = self.loc(sub, rg, *kind, name, vnet.as_deref())?;
                match *method {
                    Method::GET => {
                        let r = self.res.get(&loc.key()).ok_or_else(|| not_found(&loc))?;
                        Ok(Reply::ok(self.render(r, cx.now)))
                    }
                    Method::PUT => {
                        if self.group(sub, rg)?.deleting.is_some() {
                            return Err(ArmError::new(
                                409,
                                "ResourceGroupBeingDeleted",
                                format!("The resource group '{}' is in deprovisioning state and cannot perform this operation.", loc.rg),
                            ));
                        }
                        input::check_name(*kind, &loc.name)?;
                        let v = input::body(body)?;
                        if let Some(l) = v.get("location").and_then(Value::as_str) {
                            self.check_location(kind.type_name(), l)?;
                        }
                        match kind {
                            Kind::PublicIp => public_ip::put(self, cx, &loc, &v),
                            Kind::VirtualNetwork => virtual_network::put(self, cx, &loc, &v),
                            Kind::Subnet => virtual_network::put_subnet(self, cx, &loc, &v),
                            Kind::Gateway => gateway::put(self, cx, &loc, &v),
                            Kind::LocalGateway => local_gateway::put(self, cx, &loc, &v),
                            Kind::Connection => connection::put(self, cx, &loc, &v),
                            Kind::RouteTable => route_table::put(self, cx, &loc, &v),
                        }
                    }
                    Method::DELETE => {
                        if let Some(r) = self.delete_absent_or_running(cx, &loc) {
                            return Ok(r);
                        }
                        self.not_busy(cx, &loc.key())?;
                        match kind {
                            Kind::PublicIp => public_ip::delete(self, cx, &loc),
                            Kind::VirtualNetwork => virtual_network::delete(self, cx, &loc),
                            Kind::Subnet => virtual_network::delete_subnet(self, cx, &loc),
                            Kind::Gateway => gateway::delete(self, cx, &loc),
                            Kind::LocalGateway => local_gateway::delete(self, cx, &loc),
                            Kind::Connection => connection::delete(self, cx, &loc),
                            Kind::RouteTable => route_table::delete(self, cx, &loc),
                        }
                    }
                    Method::PATCH if *kind != Kind::Subnet => self.update_tags(cx, &loc, body),
                    _ => Err(method_not_allowed(method)),
                }
            }
            Route::SharedKey { sub, rg, name } => {
                let loc = self.loc(sub, rg, Kind::Connection, name, None)?;
                connection::shared_key(self, cx, method, &loc, body)
            }
            Route::ResetSharedKey { sub, rg, name } => {
                let loc = self.loc(sub, rg, Kind::Connection, name, None)?;
                connection::reset_shared_key(self, cx, method, &loc, body)
            }
            Route::List { .. } => Err(method_not_allowed(method)),
            Route::Unknown => Err(ArmError::new(
                404,
                "InvalidResourceType",
                "The resource type could not be found in the namespace 'Microsoft.Network' for api version '2024-03-01'.",
            )),
        }
    }

    /// Publishes every connection to the link registry (removing deleted ones) and caches
    /// whether each is connected.
    fn sync_links(&mut self, emu: &Emulator, now: u64) {
        let conns: Vec<AzureConnection> = self
            .of_kind(Kind::Connection)
            .filter(|r| !r.deleting())
            .filter_map(|r| connection::link_of(self, r, now))
            .collect();
        let ids: BTreeSet<String> = conns.iter().map(|c| c.connection_id.clone()).collect();
        let mut links = emu.links.lock().unwrap();
        for stale in self.published.difference(&ids) {
            links.remove_azure(stale);
        }
        for c in conns {
            links.publish_azure(c);
        }
        self.connected = ids
            .iter()
            .map(|id| (id.clone(), links.azure_connection_status(id).is_ok()))
            .collect();
        drop(links);
        self.published = ids;
    }
}

fn not_found(loc: &Loc) -> ArmError {
    match &loc.vnet {
        Some(v) => ArmError::not_found(
            Kind::VirtualNetwork.type_name(),
            &format!("{v}/subnets/{}", loc.name),
            &loc.rg,
        ),
        None => ArmError::not_found(loc.kind.type_name(), &loc.name, &loc.rg),
    }
}

fn method_not_allowed(method: &Method) -> ArmError {
    ArmError::new(
        405,
        "HttpMethodNotSupported",
        format!("The http method '{method}' is not supported for this resource."),
    )
}

/// Checks `api-version`: resource groups take any `20xx-..` version; Microsoft.Network only
/// 2024-03-01 (ARM answers other dates with `NoRegisteredProviderFound` listing the
/// supported versions, and malformed ones with `InvalidApiVersionParameter`).
fn check_api_version(route: &Route, query: &HashMap<String, String>) -> Result<(), ArmError> {
    if matches!(
        route,
        Route::Token | Route::ManagedIdentityToken | Route::Unknown
    ) {
        return Ok(());
    }
    let Some(v) = query.get("api-version") else {
        return Err(ArmError::bad(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    let well_formed = v.len() >= 10
        && v.as_bytes()[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !well_formed || !v.starts_with("20") {
        return Err(ArmError::bad(
            "InvalidApiVersionParameter",
            format!("The api-version '{v}' is invalid. The supported versions are '{NETWORK_API_VERSION}'."),
        ));
    }
    let network = !matches!(
        route,
        Route::ResourceGroup { .. } | Route::RgOperationResult { .. } | Route::Locations { .. }
    );
    if network && v != NETWORK_API_VERSION {
        let t = match route {
            Route::List { kind, .. } | Route::Resource { kind, .. } => kind.segment(),
            Route::SharedKey { .. } | Route::ResetSharedKey { .. } => "connections",
            _ => "locations/operations",
        };
        return Err(ArmError::bad(
            "NoRegisteredProviderFound",
            format!("No registered resource provider found for location 'global' and API version '{v}' for type '{t}'. The supported api-versions are '{NETWORK_API_VERSION}'."),
        ));
    }
    Ok(())
}

/// `http://host:port` as addressed by the client (operation URLs point back at us).
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// Handles one token or ARM request: count, inject faults, authenticate, check the
/// api-version, then serve it under the state lock (no await while it is held).
pub async fn handle(AxState(emu): AxState<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let route = routes::parse(&path);
    let action = route.action(&parts.method, &path);
    emu.observe.count("arm", &action);
    if let Some(f) = emu.faults.apply("arm", &action).await {
        return if matches!(route, Route::Token | Route::ManagedIdentityToken) {
            token::injected(f)
        } else {
            errors::injected(f)
        };
    }
    let Ok(bytes) = axum::body::to_bytes(body, 8 << 20).await else {
        return ArmError::format("", "The request body could not be read")
            .reply()
            .into_response();
    };
    if route == Route::Token {
        let token_url = format!("{}{path}", base_url(&parts.headers));
        return token::handle(&emu, &parts.method, &token_url, &bytes).into_response();
    }
    if route == Route::ManagedIdentityToken {
        let query: HashMap<String, String> = parts
            .uri
            .query()
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        return token::managed_identity(&emu, &parts.headers, &query).into_response();
    }
    if let Err(e) = token::authorize(&emu, &parts.headers) {
        return e.into_response();
    }
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    if let Err(e) = check_api_version(&route, &query) {
        return e.reply().into_response();
    }
    let cx = Ctx {
        emu: &emu,
        now: emu.clock.now_ms(),
        base: base_url(&parts.headers),
        url: format!("{}{}", base_url(&parts.headers), parts.uri),
        quiet: false,
    };
    let reply = {
        let mut st = emu.arm.lock().unwrap();
        st.settle(cx.now);
        st.sync_links(&emu, cx.now);
        let reply = st
            .dispatch(&cx, &parts.method, &route, &bytes, &query)
            .unwrap_or_else(|e| e.reply());
        if parts.method != Method::GET {
            st.sync_links(&emu, cx.now);
        }
        reply
    };
    reply.into_response()
}

/// Creates fixture infrastructure, already `Succeeded`, so tests can model what exists before
/// a run (including what today's Azure would no longer let anyone create). Spec (every key
/// optional; the subscription defaults to `00000000-0000-0000-0000-000000000000`, locations to
/// the group's):
/// ```json
/// {"regions": [{"name", "zones": bool, "display_name"?, "geography_group"?, "geography"?,
///               "physical_location"?, "paired_region"?}],
///  "resource_groups": [{"subscription"?, "name", "location"}],
///  "route_tables": [{"subscription"?, "resource_group", "name", "disable_bgp_route_propagation"?,
///                    "routes": [{"name", "address_prefix", "next_hop_type", "next_hop_ip_address"?}]}],
///  "virtual_networks": [{"subscription"?, "resource_group", "name", "location"?,
///                        "address_space": ["10.1.0.0/16"],
///                        "subnets": [{"name", "prefix", "route_table"?: "<route table name>"}]}],
///  "public_ip_addresses": [{"subscription"?, "resource_group", "name", "location"?,
///                           "zones"?: ["1","2","3"]}],
///  "virtual_network_gateways": [{"subscription"?, "resource_group", "name", "location"?,
///      "virtual_network", "sku": "VpnGw2", "public_ip_addresses": ["pip0"], "generation"?,
///      "enable_bgp"?, "asn"?, "active_active"?}],
///  "migrate_gateways": ["<gateway id>"],
///  "client_certificates": [{"client_id", "certificate_pem"}],
///  "federated_credentials": [{"client_id", "issuer"?, "subject"}]}
///
/// `client_certificates` registers a certificate whose key may sign client assertions of
/// the app; `federated_credentials` trusts ID tokens of `issuer` (default the GitHub
/// Actions issuer the emulator plays) with that `sub` (Entra ID federated credentials).
/// ```
/// Regions are added to (or override) the built-in table. Gateways may use SKUs that can no
/// longer be created (a gateway built before 2025, or imported); all other PUT rules apply.
/// `migrate_gateways` models Microsoft's migration of a non-AZ gateway to its AZ twin
/// (VpnGw2 -> VpnGw2AZ) in place. Returns the ids created, keyed like the spec, plus
/// `migrated_gateways: [{"id", "from", "to"}]`.
pub fn fixtures(emu: &Emulator, spec: &Value) -> Result<Value, String> {
    const DEFAULT_SUB: &str = "00000000-0000-0000-0000-000000000000";
    let mut st = emu.arm.lock().unwrap();
    let now = emu.clock.now_ms();
    st.settle(now);
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    // rule: AZ-ZONES-OF-REGION: tests may add a region (or override one of the table).
    let mut regions_out = Vec::new();
    for r in spec
        .get("regions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = input::location(&s(r, "name").ok_or("regions[].name is required")?);
        let zones = r
            .get("zones")
            .and_then(Value::as_bool)
            .ok_or("regions[].zones (bool) is required")?;
        let display = s(r, "display_name").unwrap_or_else(|| name.clone());
        let region = regions::Region {
            name: name.clone(),
            display,
            group: s(r, "geography_group").unwrap_or_else(|| "Europe".into()),
            geography: s(r, "geography").unwrap_or_else(|| "Europe".into()),
            physical: s(r, "physical_location").unwrap_or_default(),
            paired: s(r, "paired_region"),
            zones,
        };
        st.regions.insert(name.clone(), region);
        regions_out.push(json!({"name": name, "zones": zones}));
    }
    let mut groups_out = Vec::new();
    for g in spec
        .get("resource_groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sub = s(g, "subscription").unwrap_or_else(|| DEFAULT_SUB.into());
        let name = s(g, "name").ok_or("resource_groups[].name is required")?;
        let location =
            input::location(&s(g, "location").ok_or("resource_groups[].location is required")?);
        let id = resource_group::insert(&mut st, &sub, &name, &location, None);
        groups_out.push(json!({"id": id}));
    }
    // Fixtures go through the PUT handlers, their operations kept out of the timeline.
    let cx = Ctx {
        emu,
        now,
        base: String::new(),
        url: String::new(),
        quiet: true,
    };
    let mut tables_out = Vec::new();
    for t in spec
        .get("route_tables")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sub = s(t, "subscription").unwrap_or_else(|| DEFAULT_SUB.into());
        let rg = s(t, "resource_group").ok_or("route_tables[].resource_group is required")?;
        let name = s(t, "name").ok_or("route_tables[].name is required")?;
        let rg = st.group(&sub, &rg).map_err(|e| e.message)?.name.clone();
        let location = st.group(&sub, &rg).map_err(|e| e.message)?.location.clone();
        let routes: Vec<Value> = t
            .get("routes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| {
                let mut p = json!({"addressPrefix": r.get("address_prefix"), "nextHopType": r.get("next_hop_type")});
                if let Some(ip) = r.get("next_hop_ip_address") {
                    p["nextHopIpAddress"] = ip.clone();
                }
                json!({"name": r.get("name"), "properties": p})
            })
            .collect();
        let body = json!({"location": location, "properties": {
            "routes": routes,
            "disableBgpRoutePropagation": t.get("disable_bgp_route_propagation").and_then(Value::as_bool).unwrap_or(false),
        }});
        let loc = Loc {
            sub: sub.clone(),
            rg: rg.clone(),
            kind: Kind::RouteTable,
            name: name.clone(),
            vnet: None,
        };
        route_table::put(&mut st, &cx, &loc, &body)
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
        if let Some(r) = st.res.get_mut(&loc.key()) {
            r.busy = None;
        }
        tables_out.push(json!({"id": loc.id()}));
    }
    let mut vnets_out = Vec::new();
    for v in spec
        .get("virtual_networks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sub = s(v, "subscription").unwrap_or_else(|| DEFAULT_SUB.into());
        let rg = s(v, "resource_group").ok_or("virtual_networks[].resource_group is required")?;
        let name = s(v, "name").ok_or("virtual_networks[].name is required")?;
        let rg = st.group(&sub, &rg).map_err(|e| e.message)?.name.clone();
        let location = match s(v, "location") {
            Some(l) => input::location(&l),
            None => st.group(&sub, &rg).map_err(|e| e.message)?.location.clone(),
        };
        let body = json!({
            "location": location,
            "properties": {
                "addressSpace": {"addressPrefixes": v.get("address_space").cloned().unwrap_or(json!([]))},
                "subnets": v.get("subnets").and_then(Value::as_array).into_iter().flatten().map(|sn| {
                    let mut p = json!({"addressPrefix": sn.get("prefix")});
                    if let Some(t) = sn.get("route_table").and_then(Value::as_str) {
                        p["routeTable"] = json!({"id": resource_id(&sub, &rg, Kind::RouteTable, t, None)});
                    }
                    json!({"name": sn.get("name"), "properties": p})
                }).collect::<Vec<_>>(),
            }
        });
        let loc = Loc {
            sub: sub.clone(),
            rg: rg.clone(),
            kind: Kind::VirtualNetwork,
            name: name.clone(),
            vnet: None,
        };
        virtual_network::put(&mut st, &cx, &loc, &body)
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
        // Fixtures exist at once: clear the pending operation on the VNet and its subnets.
        let vk = loc.key();
        let mut subnet_ids = Vec::new();
        for r in st.res.values_mut() {
            if key(&r.id) == vk || r.parent.as_deref() == Some(vk.as_str()) {
                r.busy = None;
                if r.kind == Kind::Subnet {
                    subnet_ids.push(r.id.clone());
                }
            }
        }
        vnets_out.push(json!({"id": loc.id(), "subnet_ids": subnet_ids}));
    }
    let mut pips_out = Vec::new();
    for p in spec
        .get("public_ip_addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sub = s(p, "subscription").unwrap_or_else(|| DEFAULT_SUB.into());
        let rg =
            s(p, "resource_group").ok_or("public_ip_addresses[].resource_group is required")?;
        let name = s(p, "name").ok_or("public_ip_addresses[].name is required")?;
        let rg = st.group(&sub, &rg).map_err(|e| e.message)?.name.clone();
        let location = match s(p, "location") {
            Some(l) => input::location(&l),
            None => st.group(&sub, &rg).map_err(|e| e.message)?.location.clone(),
        };
        let body = json!({
            "location": location, "sku": {"name": "Standard"},
            "zones": p.get("zones").cloned().unwrap_or(json!([])),
            "properties": {"publicIPAllocationMethod": "Static"},
        });
        let loc = Loc {
            sub,
            rg,
            kind: Kind::PublicIp,
            name,
            vnet: None,
        };
        public_ip::put(&mut st, &cx, &loc, &body)
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
        st.settle_fixture(&loc.key());
        pips_out.push(json!({"id": loc.id()}));
    }
    let mut gateways_out = Vec::new();
    for g in spec
        .get("virtual_network_gateways")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sub = s(g, "subscription").unwrap_or_else(|| DEFAULT_SUB.into());
        let rg = s(g, "resource_group")
            .ok_or("virtual_network_gateways[].resource_group is required")?;
        let name = s(g, "name").ok_or("virtual_network_gateways[].name is required")?;
        let vnet = s(g, "virtual_network")
            .ok_or("virtual_network_gateways[].virtual_network is required")?;
        let sku = s(g, "sku").ok_or("virtual_network_gateways[].sku is required")?;
        let rg = st.group(&sub, &rg).map_err(|e| e.message)?.name.clone();
        let location = match s(g, "location") {
            Some(l) => input::location(&l),
            None => st.group(&sub, &rg).map_err(|e| e.message)?.location.clone(),
        };
        let pips: Vec<String> = g
            .get("public_ip_addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let vnet_id = resource_id(&sub, &rg, Kind::VirtualNetwork, &vnet, None);
        let ipcs: Vec<Value> = pips
            .iter()
            .enumerate()
            .map(|(i, p)| {
                json!({"name": format!("ipconfig{i}"), "properties": {
                    "subnet": {"id": format!("{vnet_id}/subnets/GatewaySubnet")},
                    "publicIPAddress": {"id": resource_id(&sub, &rg, Kind::PublicIp, p, None)},
                }})
            })
            .collect();
        let mut props = json!({
            "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": sku, "tier": sku},
            "activeActive": g.get("active_active").and_then(Value::as_bool).unwrap_or(pips.len() == 2),
            "enableBgp": g.get("enable_bgp").and_then(Value::as_bool).unwrap_or(false),
            "ipConfigurations": ipcs,
        });
        if let Some(gen) = s(g, "generation") {
            props["vpnGatewayGeneration"] = json!(gen);
        }
        if let Some(asn) = g.get("asn").and_then(Value::as_u64) {
            props["bgpSettings"] = json!({"asn": asn});
        }
        let body = json!({"location": location, "properties": props});
        let loc = Loc {
            sub,
            rg,
            kind: Kind::Gateway,
            name,
            vnet: None,
        };
        gateway::put(&mut st, &cx, &loc, &body)
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
        st.settle_fixture(&loc.key());
        gateways_out.push(json!({"id": loc.id()}));
    }
    // Microsoft's migration of a pre-2025 non-AZ gateway to its AZ twin (VpnGw2 -> VpnGw2AZ):
    // "all existing VPN gateways using VpnGw1-5 SKUs (non-AZ SKUs) will be seamlessly migrated
    // to VpnGw1-5 SKUs (AZ)", "There's no downtime", the IP does not change (consolidation
    // page). Done at once, without an operation, like a background platform update.
    let mut migrated = Vec::new();
    for id in spec
        .get("migrate_gateways")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = id
            .as_str()
            .ok_or("migrate_gateways[] must be gateway ids")?;
        let etag = st.etag();
        let r = st
            .res
            .get_mut(&key(id))
            .filter(|r| r.kind == Kind::Gateway)
            .ok_or_else(|| format!("migrate_gateways: no gateway {id}"))?;
        if let Props::Gateway(g) = &mut r.props {
            let from = g.sku.clone();
            if from.starts_with("VpnGw") && !from.ends_with("AZ") {
                g.sku = format!("{from}AZ");
                r.etag = etag;
            }
            migrated.push(json!({"id": r.id, "from": from, "to": g.sku}));
        }
    }
    let mut certificates_out = Vec::new();
    for c in spec
        .get("client_certificates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let client_id = s(c, "client_id").ok_or("client_certificates[].client_id is required")?;
        let pem =
            s(c, "certificate_pem").ok_or("client_certificates[].certificate_pem is required")?;
        let der = rustls_pemfile::certs(&mut pem.as_bytes())
            .next()
            .and_then(Result::ok)
            .ok_or("client_certificates[].certificate_pem holds no PEM CERTIFICATE")?;
        st.client_certificates
            .insert(client_id.clone(), der.to_vec());
        certificates_out.push(json!({"client_id": client_id}));
    }
    let mut federated_out = Vec::new();
    for c in spec
        .get("federated_credentials")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let credential = assertion::FederatedCredential {
            client_id: s(c, "client_id").ok_or("federated_credentials[].client_id is required")?,
            issuer: s(c, "issuer").unwrap_or_else(|| assertion::GITHUB_ISSUER.into()),
            subject: s(c, "subject").ok_or("federated_credentials[].subject is required")?,
        };
        federated_out.push(json!({"client_id": credential.client_id, "issuer": credential.issuer, "subject": credential.subject}));
        st.federated_credentials.push(credential);
    }
    st.sync_links(emu, now);
    Ok(json!({
        "client_certificates": certificates_out, "federated_credentials": federated_out,
        "regions": regions_out, "resource_groups": groups_out, "route_tables": tables_out, "virtual_networks": vnets_out,
        "public_ip_addresses": pips_out, "virtual_network_gateways": gateways_out,
        "migrated_gateways": migrated,
    }))
}
