//! Ownership claims: which Terraform state owns a link's cloud objects.
//!
//! Names and ownership tags let a re-run after a crash find (and adopt) what an interrupted
//! create left, but on their own they would also let a second state with the same link
//! name take over the first's objects, and its destroy delete them. So every sub-resource
//! also carries a *claim*: a random id generated when a link is first created and kept in
//! its state (`claim_id`). A run adopts an object only when
//!
//! - the object's claim is the run's own (the state's, or the one this working directory's
//!   interrupted create journalled, see [`CreateJournal`]), or
//! - the object has no claim at all (made before claims existed; it is claimed on the way).
//!
//! An object under another claim is never adopted, changed or deleted: the plan or apply
//! fails with [`owned_by_another_state`].
//!
//! Terraform keeps nothing of a create whose provider was killed, so the claim of a create in
//! progress is also written to a small journal in the working directory's data directory
//! (`.terraform/cloudlink/creates-in-progress/`) before the first cloud object exists, and
//! removed once the link is whole (or destroyed): a failed create leaves a tainted state, and
//! terraform plans its replacement as a fresh create that is told nothing about it. The
//! re-run from the same working directory (and workspace) finds the entry and adopts its own
//! interrupted create; any other state does not. The create half of an ordinary replacement
//! learns the replaced link's claim from the first plan's private data instead.

use crate::provider::resource::PlanRequest;
use anyhow::Context as _;
use rand::Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The claim tag on EC2 objects (same spelling as `cloudlink:resource`).
pub const AWS_TAG: &str = crate::cloud::aws::TAG_CLAIM;

/// The claim tag on ARM objects (ARM tag names take no `:` everywhere, so `-`).
pub const AZURE_TAG: &str = crate::cloud::azure::tags::TAG_CLAIM;

/// The top-level state attribute holding the claim.
pub const ATTRIBUTE: &str = "claim_id";

/// Who owns a cloud object, judged by its claim tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// The object carries the run's own claim.
    Ours,
    /// The object carries no claim (created before claims existed).
    Unclaimed,
    /// The object is another state's.
    Other(String),
}

impl Ownership {
    /// Whether the run may adopt (and so change or delete) the object.
    pub fn adoptable(&self) -> bool {
        !matches!(self, Ownership::Other(_))
    }
}

/// The ownership of an object whose tags are `tags`, for a run holding `claim`, where the
/// claim tag is called `key` ([`AWS_TAG`] or [`AZURE_TAG`]). A run with no claim (a state
/// written before claims existed) owns only unclaimed objects.
pub fn ownership(tags: &BTreeMap<String, String>, key: &str, claim: &str) -> Ownership {
    match tags.get(key) {
        None => Ownership::Unclaimed,
        Some(c) if !claim.is_empty() && c == claim => Ownership::Ours,
        Some(c) => Ownership::Other(c.clone()),
    }
}

/// A new claim id: 128 random bits in hex.
pub fn new_claim() -> String {
    let bits: u128 = rand::thread_rng().gen();
    format!("{bits:032x}")
}

/// The error for an object of link `name` in `scope` (e.g. `Azure resource group rg-a`)
/// that another state owns.
pub fn owned_by_another_state(name: &str, scope: &str) -> String {
    format!(
        "a link named {name:?} already exists in {scope}, owned by another state: import it or choose another name"
    )
}

/// Whether an object found for deletion (tagged `tags`, `None` when absent) is this state's
/// to delete, `owns` judging its claim: an absent one is nothing to do, another state's is
/// left alone (and a warning names it).
pub fn ours_to_delete(
    tags: Option<&BTreeMap<String, String>>,
    owns: impl Fn(&BTreeMap<String, String>) -> bool,
    name: &str,
) -> bool {
    match tags {
        None => false,
        Some(t) if owns(t) => true,
        Some(_) => {
            tracing::warn!(object = %name, "left in place: another Terraform state owns it");
            false
        }
    }
}

/// Private data carrying `claim` from a replacement's first plan to its second (see
/// `PlanRequest::prior_private`).
pub fn to_private(claim: &str) -> Vec<u8> {
    serde_json::json!({ "claim": claim })
        .to_string()
        .into_bytes()
}

/// The claim in private data written by [`to_private`], if any.
pub fn from_private(private: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(private).ok()?;
    v["claim"].as_str().map(str::to_string)
}

/// The claim a plan may meet on the link's cloud objects: the prior state's; for a create,
/// the one the replaced object handed over in private data (see [`planned_private`]), else
/// the one this working directory's interrupted or failed create journalled.
pub fn own_at_plan(req: &PlanRequest, journal: impl FnOnce() -> CreateJournal) -> Option<String> {
    if req.prior.is_null() {
        from_private(&req.prior_private).or_else(|| journal().pending())
    } else {
        req.prior.attr(ATTRIBUTE).as_str().map(str::to_string)
    }
}

/// Private data for the plan of `req`: the prior object's claim, which terraform hands to the
/// second plan of a replacement (the create half, planned with no prior state).
pub fn planned_private(req: &PlanRequest) -> Option<Vec<u8>> {
    let claim = req
        .prior
        .attr(ATTRIBUTE)
        .as_str()
        .filter(|c| !c.is_empty())?;
    Some(to_private(claim))
}

/// The journal entry of one link's create in progress in this working directory.
#[derive(Debug, Clone)]
pub struct CreateJournal {
    path: PathBuf,
}

impl CreateJournal {
    /// The entry of link `identity` of resource type `type_name`, under the working
    /// directory's data directory (`TF_DATA_DIR`, default `.terraform`) and workspace.
    pub fn for_link(type_name: &str, identity: &str) -> CreateJournal {
        let data_dir = std::env::var_os("TF_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".terraform"));
        CreateJournal::in_dir(&data_dir, type_name, identity)
    }

    /// As [`CreateJournal::for_link`] with an explicit data directory.
    pub fn in_dir(data_dir: &Path, type_name: &str, identity: &str) -> CreateJournal {
        let workspace = workspace(data_dir);
        let file = format!("{type_name}.{identity}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>();
        CreateJournal {
            path: data_dir
                .join("cloudlink")
                .join("creates-in-progress")
                .join(sanitized(&workspace))
                .join(file),
        }
    }

    /// The claim of an interrupted create of this link, if one was journalled.
    pub fn pending(&self) -> Option<String> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let claim = text.trim();
        (!claim.is_empty() && claim.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| claim.to_string())
    }

    /// Journals `claim` before the create's first cloud call (written whole, then renamed,
    /// so a crash never leaves half an entry).
    pub fn begin(&self, claim: &str) -> anyhow::Result<()> {
        let dir = self.path.parent().expect("journal path has a parent");
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, format!("{claim}\n"))
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path)
            .with_context(|| format!("writing {}", self.path.display()))
    }

    /// Removes the entry: the link is whole (terraform keeps its claim in state) or gone.
    pub fn finish(&self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), error = %e, "could not remove the create journal");
            }
        }
    }
}

/// The current terraform workspace: `TF_WORKSPACE`, else the data directory's `environment`
/// file, else `default`.
fn workspace(data_dir: &Path) -> String {
    std::env::var("TF_WORKSPACE")
        .ok()
        .or_else(|| std::fs::read_to_string(data_dir.join("environment")).ok())
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "default".to_string())
}

fn sanitized(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_own_claim_or_none_is_adoptable() {
        let tags = |c: Option<&str>| {
            c.map(|c| BTreeMap::from([(AZURE_TAG.to_string(), c.to_string())]))
                .unwrap_or_default()
        };
        assert_eq!(
            ownership(&tags(Some("ab")), AZURE_TAG, "ab"),
            Ownership::Ours
        );
        assert_eq!(
            ownership(&tags(None), AZURE_TAG, "ab"),
            Ownership::Unclaimed
        );
        assert!(!ownership(&tags(Some("cd")), AZURE_TAG, "ab").adoptable());
        // A state without a claim owns nothing that carries one.
        assert!(!ownership(&tags(Some("cd")), AZURE_TAG, "").adoptable());
        assert_ne!(new_claim(), new_claim());
        assert_eq!(new_claim().len(), 32);
    }

    #[test]
    fn a_claim_survives_the_round_trip_through_private_data() {
        assert_eq!(from_private(&to_private("0a1b")).as_deref(), Some("0a1b"));
        assert_eq!(from_private(b""), None);
        assert_eq!(from_private(b"not json"), None);
    }

    #[test]
    fn a_journalled_create_is_found_again_then_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let j = CreateJournal::in_dir(dir.path(), "cloudlink_cross_cloud_vpn", "rg/link a");
        assert_eq!(j.pending(), None);
        j.begin("00ff").unwrap();
        let again = CreateJournal::in_dir(dir.path(), "cloudlink_cross_cloud_vpn", "rg/link a");
        assert_eq!(again.pending().as_deref(), Some("00ff"));
        let other = CreateJournal::in_dir(dir.path(), "cloudlink_cross_cloud_vpn", "rg/link b");
        assert_eq!(other.pending(), None);
        again.finish();
        assert_eq!(j.pending(), None);
    }
}
