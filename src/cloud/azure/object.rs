//! The generic ARM object layer: one [`ArmObject`] is "an ARM network object of kind `K`
//! at a path", with find (GET, `None` when absent), put-and-wait (PUT, poll the operation it
//! started, wait for the kind's target state), delete-and-wait (DELETE, poll, wait until
//! absent) and the two state waiters. Every object file (public IP, GatewaySubnet, virtual
//! network gateway, local network gateway, connection, and the read-only VNet) is a
//! [`ArmKind`] plus what is its own: the body it sends, how to tell the object already is
//! the desired one, the gateway's in-place update, the connection's shared key.
//!
//! Every request here goes through the one raw path, [`Network::raw`]: it retries with the
//! shared policy, honours `Retry-After`, and never logs a request or response body (the
//! connection's PUT carries the shared key). Nothing in `cloud::azure` uses the SDK's
//! request pipeline.
//!
//! Each write is bounded by the smaller of the kind's documented default for that operation
//! ([`Managed::CREATE_TIMEOUT`], [`Managed::DELETE_TIMEOUT`]) and what is left of the
//! caller's [`WaitConfig`]; when the default is the bound that fires, the error says so.

use super::client::Network;
use super::lro::{wait_operation, Operation};
use super::raw::{get_json, with_api_version};
use super::states::{ProvisioningStates, StateClass};
use crate::cloud::batch::{self, Fetch, Limits};
use crate::cloud::error::{CloudError, ErrorKind, Result};
use crate::cloud::listing;
use crate::cloud::wait::{bounded, wait_for, Probe, WaitConfig};
use azure_core::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A kind of ARM object we read: what its GET parses into and how that becomes our plain
/// struct (the implementor).
pub trait ArmKind: Sized {
    /// The GET body: an azure_mgmt_network model where it matches the real wire, our own
    /// struct where it does not (see [`super::raw`] for the connection's id-only
    /// references).
    type Wire: DeserializeOwned;
    /// The kind in messages: `reading Azure {NOUN} (rg/name)`.
    const NOUN: &'static str;
    /// The `Microsoft.Network` resource type segment (`publicIPAddresses`).
    const RESOURCE_TYPE: &'static str;
    /// Our plain struct from the GET body.
    fn from_wire(wire: Self::Wire) -> Self;

    /// The object `name` of this kind in `rg`; a child kind (a subnet) names its parent
    /// in `name` or overrides this.
    fn at<'a>(net: &'a Network, rg: &str, name: &str) -> ArmObject<'a, Self> {
        ArmObject::top_level(net, rg, Self::RESOURCE_TYPE, name)
    }
}

/// A kind of ARM object we write and wait for: its states and how long its operations may
/// take by default.
pub trait Managed: ArmKind {
    /// Its pending, target and failure provisioning states.
    const STATES: ProvisioningStates;
    /// How long a create (or in-place update, unless the kind has its own) may take.
    const CREATE_TIMEOUT: Duration;
    /// How long a delete may take.
    const DELETE_TIMEOUT: Duration;
    /// The provisioning state as ARM spells it.
    fn provisioning_state(&self) -> &str;
}

/// One ARM object of kind `K`: its path and the label messages name it by.
pub struct ArmObject<'a, K> {
    net: &'a Network,
    path: String,
    label: String,
    kind: PhantomData<fn() -> K>,
}

impl<'a, K: ArmKind> ArmObject<'a, K> {
    /// The object at `path` (`/subscriptions/...`, no api-version), named `label`
    /// (`rg/name`) in messages.
    pub fn new(net: &'a Network, path: String, label: String) -> Self {
        ArmObject {
            net,
            path,
            label,
            kind: PhantomData,
        }
    }

    /// The top-level `Microsoft.Network/{resource_type}/{name}` object in `rg`.
    pub fn top_level(net: &'a Network, rg: &str, resource_type: &str, name: &str) -> Self {
        Self::new(
            net,
            net.resource_id(rg, resource_type, name),
            format!("{rg}/{name}"),
        )
    }

    /// The client every request of this object goes through.
    pub fn net(&self) -> &'a Network {
        self.net
    }

    /// The ARM id (path without api-version).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `{verb} Azure {noun} ({label})`, the context of every error about this object.
    pub fn context(&self, verb: &str) -> String {
        format!("{verb} Azure {} ({})", K::NOUN, self.label)
    }

    /// The GET body as ARM sent it; `None` when the object or its resource group is absent.
    pub async fn find_wire(&self, cancel: &CancellationToken) -> Result<Option<K::Wire>> {
        get_json(self.net, cancel, &self.context("reading"), &self.path).await
    }

    /// The object; `None` when it or its resource group is absent.
    pub async fn find(&self, cancel: &CancellationToken) -> Result<Option<K>> {
        Ok(self.find_wire(cancel).await?.map(K::from_wire))
    }
}

impl<K: Managed> ArmObject<'_, K> {
    fn wait_name(&self, until: &str) -> String {
        format!("Azure {} ({}) {until}", K::NOUN, self.label)
    }

    /// Waits until the object is in its target state. Pending: its pending states, any
    /// state it does not list, and absent (eventual consistency right after a PUT).
    /// Failure: its failure states.
    pub async fn wait_created(&self, cfg: &WaitConfig) -> Result<K> {
        wait_for(&self.wait_name("to succeed"), cfg, || {
            let found = self.find(&cfg.cancel);
            async move {
                let Some(v) = found.await? else {
                    return Ok(Probe::Pending("absent".into()));
                };
                let state = v.provisioning_state().to_string();
                Ok(match K::STATES.classify(&state) {
                    StateClass::Ready => Probe::Done(v),
                    StateClass::Failed => Probe::Failed(format!("provisioningState {state}")),
                    StateClass::Pending | StateClass::Unlisted => Probe::Pending(state),
                })
            }
        })
        .await
    }

    /// Waits until the object is gone. Pending: any state (`Deleting`, or still
    /// `Succeeded` while ARM has not processed the DELETE yet).
    pub async fn wait_deleted(&self, cfg: &WaitConfig) -> Result<()> {
        wait_for(&self.wait_name("to be deleted"), cfg, || {
            let found = self.find(&cfg.cancel);
            async move {
                Ok(match found.await? {
                    None => Probe::Done(()),
                    Some(v) if v.provisioning_state().is_empty() => {
                        Probe::Pending("present".into())
                    }
                    Some(v) => Probe::Pending(v.provisioning_state().to_string()),
                })
            }
        })
        .await
    }

    /// Runs `op` with `cfg` bounded by `limit`, the kind's default for `operation`; see
    /// [`crate::cloud::wait::bounded`].
    pub async fn within<T, F, Fut>(
        &self,
        operation: &str,
        limit: Duration,
        cfg: &WaitConfig,
        op: F,
    ) -> Result<T>
    where
        F: FnOnce(WaitConfig) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        bounded(
            &format!("the {operation} timeout of an Azure {}", K::NOUN),
            limit,
            cfg,
            op,
        )
        .await
    }

    /// PUTs `body` and waits for the target state, all within [`Managed::CREATE_TIMEOUT`]
    /// and `cfg`. `verb` names the write in errors (`creating`).
    pub async fn put<B: Serialize>(&self, verb: &str, body: &B, cfg: &WaitConfig) -> Result<K> {
        self.within("create", K::CREATE_TIMEOUT, cfg, |cfg| {
            self.put_unbounded(verb, body, cfg)
        })
        .await
    }

    /// [`ArmObject::put`] bounded by `cfg` only; for a kind whose write has its own default
    /// (the gateway's update), wrapped in [`ArmObject::within`] by the caller.
    pub async fn put_unbounded<B: Serialize>(
        &self,
        verb: &str,
        body: &B,
        cfg: WaitConfig,
    ) -> Result<K> {
        let context = self.context(verb);
        let start = Instant::now();
        put_and_poll(self.net, &self.path, body, &context, &cfg).await?;
        self.wait_created(&remaining(&cfg, start))
            .await
            .map_err(|e| e.context(context))
    }

    /// DELETEs the object and waits until it is gone, within [`Managed::DELETE_TIMEOUT`]
    /// and `cfg`; already gone counts as success.
    pub async fn delete(&self, cfg: &WaitConfig) -> Result<()> {
        self.within("delete", K::DELETE_TIMEOUT, cfg, |cfg| {
            self.delete_unbounded(cfg)
        })
        .await
    }

    /// [`ArmObject::delete`] bounded by `cfg` only, for a caller that first does more
    /// within the same bound (the gateway waits for a running build first).
    pub async fn delete_unbounded(&self, cfg: WaitConfig) -> Result<()> {
        let context = self.context("deleting");
        let start = Instant::now();
        delete_and_poll(self.net, &self.path, &context, &cfg).await?;
        self.wait_deleted(&remaining(&cfg, start))
            .await
            .map_err(|e| e.context(context))
    }
}

/// Declares a kind's public one-line delegations to this layer, so their shape is written
/// once: the finder (`find_x(net, rg, name, cancel)`), and where the kind has them the
/// created-waiter (`wait_x_succeeded(net, rg, name, cfg)`) and the deleter
/// (`delete_x(net, rg, name, cfg)`). `$name` is what the third parameter is called (`vnet`
/// for the GatewaySubnet, whose object is named by its VNet). Each function keeps the doc
/// comment given before it.
macro_rules! object_functions {
    ($kind:ty, $name:ident;) => {};
    ($kind:ty, $name:ident; $(#[$doc:meta])* find: $find:ident; $($rest:tt)*) => {
        $(#[$doc])*
        pub async fn $find(
            net: &$crate::cloud::azure::Network,
            rg: &str,
            $name: &str,
            cancel: &tokio_util::sync::CancellationToken,
        ) -> $crate::cloud::error::Result<Option<$kind>> {
            <$kind as $crate::cloud::azure::object::ArmKind>::at(net, rg, $name)
                .find(cancel)
                .await
        }
        $crate::cloud::azure::object::object_functions!($kind, $name; $($rest)*);
    };
    ($kind:ty, $name:ident; $(#[$doc:meta])* wait_created: $wait:ident; $($rest:tt)*) => {
        $(#[$doc])*
        pub async fn $wait(
            net: &$crate::cloud::azure::Network,
            rg: &str,
            $name: &str,
            cfg: &$crate::cloud::wait::WaitConfig,
        ) -> $crate::cloud::error::Result<$kind> {
            <$kind as $crate::cloud::azure::object::ArmKind>::at(net, rg, $name)
                .wait_created(cfg)
                .await
        }
        $crate::cloud::azure::object::object_functions!($kind, $name; $($rest)*);
    };
    ($kind:ty, $name:ident; $(#[$doc:meta])* delete: $delete:ident; $($rest:tt)*) => {
        $(#[$doc])*
        pub async fn $delete(
            net: &$crate::cloud::azure::Network,
            rg: &str,
            $name: &str,
            cfg: &$crate::cloud::wait::WaitConfig,
        ) -> $crate::cloud::error::Result<()> {
            <$kind as $crate::cloud::azure::object::ArmKind>::at(net, rg, $name)
                .delete(cfg)
                .await
        }
        $crate::cloud::azure::object::object_functions!($kind, $name; $($rest)*);
    };
}
pub(crate) use object_functions;

/// One page of an ARM collection GET.
#[derive(serde::Deserialize)]
struct Page<W> {
    #[serde(default = "Vec::new")]
    value: Vec<W>,
    #[serde(rename = "nextLink")]
    next_link: Option<String>,
}

/// Every object of kind `K` in resource group `rg` (the collection GET, every page; an
/// absent resource group has none), read once for all the resources of the walk while it
/// has written nothing (`cloud::listing`), else for those that ask within the batch window
/// (`cloud::batch`): a refresh of many links in one resource group lists each kind once
/// instead of reading each object. Only for kinds whose list items carry everything the
/// caller reads (rule: AZ-LIST-ITEMS).
pub async fn list_in_group<K>(
    net: &Network,
    rg: &str,
    cancel: &CancellationToken,
) -> Result<std::sync::Arc<Vec<K>>>
where
    K: ArmKind + Send + Sync + 'static,
    K::Wire: Send,
{
    let scope = format!(
        "arm/{}/{}/{}",
        net.identity(),
        rg.to_ascii_lowercase(),
        K::RESOURCE_TYPE
    );
    if let Some(listed) = listing::walk()
        .shared(&scope, || list_pages::<K>(net, rg, cancel))
        .await
    {
        return listed;
    }
    let (net, group) = (net.clone(), rg.to_string());
    let fetch: Fetch<K> = std::sync::Arc::new(move |_, token| {
        let (net, rg) = (net.clone(), group.clone());
        Box::pin(async move { list_pages::<K>(&net, &rg, &token).await })
    });
    batch::coalesced(
        scope,
        &[rg.to_string()],
        Limits { max_keys: 1 },
        fetch,
        cancel,
    )
    .await
}

/// The object `name` (`name_of` gives an object's) of kind `K` in resource group `rg`,
/// picked from [`list_in_group`]; `None` when it (or its resource group) does not exist.
pub async fn find_in_group<K>(
    net: &Network,
    rg: &str,
    name: &str,
    name_of: fn(&K) -> &str,
    cancel: &CancellationToken,
) -> Result<Option<K>>
where
    K: ArmKind + Clone + Send + Sync + 'static,
    K::Wire: Send,
{
    let all = list_in_group::<K>(net, rg, cancel).await?;
    Ok(all
        .iter()
        .find(|x| name_of(x).eq_ignore_ascii_case(name))
        .cloned())
}

async fn list_pages<K: ArmKind>(
    net: &Network,
    rg: &str,
    cancel: &CancellationToken,
) -> Result<Vec<K>> {
    let context = format!("listing Azure {} of resource group {rg}", K::RESOURCE_TYPE);
    let mut out = Vec::new();
    let mut url = Some(with_api_version(&format!(
        "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Network/{}",
        net.subscription_id(),
        K::RESOURCE_TYPE
    )));
    while let Some(u) = url.take() {
        let Some(page) = get_json::<Page<K::Wire>>(net, cancel, &context, &u).await? else {
            break;
        };
        out.extend(page.value.into_iter().map(K::from_wire));
        url = page.next_link.filter(|l| !l.is_empty());
    }
    Ok(out)
}

/// PUTs `body` (an SDK model or JSON) to `path` (`/subscriptions/..`, api-version added)
/// through [`Network::raw`], then polls the operation it started, so a failed operation
/// keeps its ARM code. `context` reads `creating Azure public IP (rg/name)`.
pub async fn put_and_poll<B: Serialize>(
    net: &Network,
    path: &str,
    body: &B,
    context: &str,
    cfg: &WaitConfig,
) -> Result<()> {
    let body = serde_json::to_value(body).map_err(|e| {
        CloudError::new(ErrorKind::Client, format!("encoding request: {e}")).context(context)
    })?;
    let rsp = net
        .raw(
            &cfg.cancel,
            context,
            Method::Put,
            &with_api_version(path),
            Some(&body),
        )
        .await?;
    let op = Operation::from_headers(rsp.status, &rsp.headers);
    wait_operation(net, "the operation to finish", &op, cfg)
        .await
        .map_err(|e| e.context(context))
}

/// DELETEs `path` and polls its operation; a 404 counts as success (already gone). The
/// caller still waits for absence.
async fn delete_and_poll(net: &Network, path: &str, context: &str, cfg: &WaitConfig) -> Result<()> {
    let sent = net
        .raw(
            &cfg.cancel,
            context,
            Method::Delete,
            &with_api_version(path),
            None,
        )
        .await;
    match sent {
        Ok(rsp) => {
            let op = Operation::from_headers(rsp.status, &rsp.headers);
            wait_operation(net, "the deletion to finish", &op, cfg)
                .await
                .map_err(|e| e.context(context))
        }
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// `cfg` with the time left of its budget since `start`, so a multi-stage call (PUT, poll
/// the operation, wait for the target state) honours one overall timeout.
pub fn remaining(cfg: &WaitConfig, start: Instant) -> WaitConfig {
    let mut c = cfg.clone();
    c.timeout = cfg.timeout.saturating_sub(start.elapsed());
    c
}
