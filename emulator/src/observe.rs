//! Observation: counters of calls per cloud and action, a timeline of long operations
//! (start and completion on the emulator clock), so tests assert on what overlapped and in
//! what order instead of on wall seconds, and a recording of every request/response pair
//! served (secrets redacted), so a test can check the wire traffic against the official API
//! specifications (`tests/spec/check_wire.py`).

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// How many exchanges the recording keeps. The e2e scenarios produce a few thousand per
/// emulator; past this the oldest are kept and [`Observer::exchanges_dropped`] counts the
/// rest, so a checker can refuse an incomplete recording instead of passing it silently.
pub const MAX_EXCHANGES: usize = 100_000;

/// Bodies longer than this are cut (and flagged `truncated`), which bounds memory at
/// `MAX_EXCHANGES` times a few KiB in practice; no EC2 or ARM body of the subset comes close.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The replacement text of every redacted secret.
pub const REDACTED: &str = "REDACTED";

/// One request the router served and the answer it gave, as it went over the wire (after
/// redaction). Admin calls (`/_emulator/...`) are not recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// Arrival order, from 0 (survives the cap, so gaps show dropped exchanges).
    pub seq: u64,
    /// When the request arrived (ms since emulator start).
    pub at_ms: u64,
    /// HTTP method (`GET`, `PUT`, ...).
    pub method: String,
    /// Path without the query string, as sent (not decoded).
    pub path: String,
    /// Raw query string without `?` (empty when none).
    pub query: String,
    /// Request `content-type`, if any.
    pub request_content_type: Option<String>,
    /// Request body as UTF-8 (lossy): JSON for ARM, the form string for EC2/STS and the
    /// token endpoint. Secrets replaced by [`REDACTED`].
    pub request_body: String,
    /// HTTP status of the answer.
    pub status: u16,
    /// Response `content-type`, if any.
    pub response_content_type: Option<String>,
    /// Response headers a checker needs to follow long-running operations
    /// (`azure-asyncoperation`, `location`), lower-cased names.
    pub response_headers: BTreeMap<String, String>,
    /// Response body as UTF-8 (lossy), secrets replaced by [`REDACTED`].
    pub response_body: String,
    /// Whether a body was cut at [`MAX_BODY_BYTES`].
    pub truncated: bool,
    /// Whether the connection was aborted mid-response (the `drop` fault), so the client
    /// received no answer and the response fields are not what went over the wire.
    pub aborted: bool,
}

/// JSON keys whose string values are secrets wherever they appear: ARM connection shared
/// keys and the OAuth token endpoint's secrets and tokens.
const SECRET_JSON_KEYS: [&str; 6] = [
    "sharedkey",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
];

/// Form parameters that are secrets: the token endpoint's credentials.
const SECRET_FORM_KEYS: [&str; 2] = ["client_secret", "client_assertion"];

/// XML elements whose text is a secret: EC2 tunnel PSKs (`preSharedKey`, and
/// `pre_shared_key` inside the escaped customer gateway configuration), the device sample
/// configuration (its text carries the keys in each vendor's syntax, so all of it goes) and
/// STS credentials.
const SECRET_XML_ELEMENTS: [&str; 4] = [
    "preSharedKey",
    "vpnConnectionDeviceSampleConfiguration",
    "SecretAccessKey",
    "SessionToken",
];

/// The request body as recorded: secrets replaced, cut at [`MAX_BODY_BYTES`]. Returns the
/// text and whether it was cut.
pub fn redact_request(path: &str, body: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(body);
    let redacted = match text.trim_start().chars().next() {
        Some('{') | Some('[') => redact_json_text(path, &text),
        _ => redact_form(&text),
    };
    cut(redacted.unwrap_or_else(|| text.into_owned()))
}

/// The response body as recorded: secrets replaced in JSON (ARM, token) and XML (EC2, STS)
/// bodies, cut at [`MAX_BODY_BYTES`].
pub fn redact_response(path: &str, body: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(body);
    let redacted = match text.trim_start().chars().next() {
        Some('{') | Some('[') => redact_json_text(path, &text),
        Some('<') => Some(redact_xml(&text)),
        _ => None,
    };
    cut(redacted.unwrap_or_else(|| text.into_owned()))
}

fn cut(mut s: String) -> (String, bool) {
    if s.len() <= MAX_BODY_BYTES {
        return (s, false);
    }
    let mut n = MAX_BODY_BYTES;
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    s.truncate(n);
    (s, true)
}

/// Replaces secret form values (EC2 `...PreSharedKey` parameters, OAuth client secrets).
/// `None` when nothing needed redacting, so the body is kept byte for byte.
fn redact_form(text: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text).ok()?;
    let secret = |k: &str| k.ends_with("PreSharedKey") || SECRET_FORM_KEYS.contains(&k);
    if !pairs.iter().any(|(k, _)| secret(k)) {
        return None;
    }
    let pairs: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| {
            if secret(&k) {
                (k, REDACTED.to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    serde_urlencoded::to_string(pairs).ok()
}

/// Replaces secret JSON strings: `sharedKey` anywhere, token-endpoint secrets, and the
/// top-level `value` of a `.../sharedkey` body (ConnectionSharedKey). `None` when the text
/// is not JSON or held no secret.
fn redact_json_text(path: &str, text: &str) -> Option<String> {
    let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut hit = redact_json(&mut v);
    if path
        .to_ascii_lowercase()
        .trim_end_matches('/')
        .ends_with("/sharedkey")
    {
        if let Some(s) = v.get_mut("value").filter(|s| s.is_string()) {
            *s = REDACTED.into();
            hit = true;
        }
    }
    hit.then(|| v.to_string())
}

fn redact_json(v: &mut serde_json::Value) -> bool {
    let mut hit = false;
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if x.is_string() && SECRET_JSON_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                    *x = REDACTED.into();
                    hit = true;
                } else {
                    hit |= redact_json(x);
                }
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                hit |= redact_json(x);
            }
        }
        _ => {}
    }
    hit
}

/// Replaces the text of secret XML elements, and of `pre_shared_key` in the XML-escaped
/// customer gateway configuration, keeping the document well formed.
fn redact_xml(text: &str) -> String {
    let mut out = text.to_string();
    for name in SECRET_XML_ELEMENTS {
        out = redact_between(&out, &format!("<{name}>"), &format!("</{name}>"));
    }
    redact_between(&out, "&lt;pre_shared_key&gt;", "&lt;/pre_shared_key&gt;")
}

fn redact_between(text: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(open) {
        let start = i + open.len();
        match rest[start..].find(close) {
            Some(j) => {
                out.push_str(&rest[..start]);
                out.push_str(REDACTED);
                rest = &rest[start + j..];
            }
            None => break,
        }
        out.push_str(&rest[..close.len()]);
        rest = &rest[close.len()..];
    }
    out.push_str(rest);
    out
}

/// One long operation as seen by the emulator.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// `ec2` or `arm`.
    pub cloud: String,
    /// The API action (`CreateVpnConnection`, `PUT virtualNetworkGateways`, ...).
    pub action: String,
    /// The resource id the operation is about.
    pub resource: String,
    /// When the request arrived (ms since emulator start).
    pub start_ms: u64,
    /// When the resource reached its target state (ms since emulator start).
    pub end_ms: u64,
}

/// Counters and timeline, behind one lock each.
#[derive(Default)]
pub struct Observer {
    counters: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
    timeline: Mutex<Vec<TimelineEntry>>,
    exchanges: Mutex<Recording>,
}

/// The recorded exchanges plus the bookkeeping of the cap.
#[derive(Default)]
struct Recording {
    next_seq: u64,
    dropped: u64,
    items: Vec<Exchange>,
}

impl Observer {
    /// Counts one call of `action` on `cloud`.
    pub fn count(&self, cloud: &str, action: &str) {
        let mut c = self.counters.lock().unwrap();
        *c.entry(cloud.to_string())
            .or_default()
            .entry(action.to_string())
            .or_default() += 1;
    }

    /// Records a long operation from `start_ms` to `end_ms`.
    pub fn record(&self, cloud: &str, action: &str, resource: &str, start_ms: u64, end_ms: u64) {
        self.timeline.lock().unwrap().push(TimelineEntry {
            cloud: cloud.to_string(),
            action: action.to_string(),
            resource: resource.to_string(),
            start_ms,
            end_ms,
        });
    }

    /// A copy of the counters: cloud -> action -> calls.
    pub fn counters(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        self.counters.lock().unwrap().clone()
    }

    /// A copy of the timeline in arrival order.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.timeline.lock().unwrap().clone()
    }

    /// Appends one exchange (its `seq` is assigned here), or counts it as dropped past
    /// [`MAX_EXCHANGES`].
    pub fn record_exchange(&self, mut ex: Exchange) {
        let mut r = self.exchanges.lock().unwrap();
        ex.seq = r.next_seq;
        r.next_seq += 1;
        if r.items.len() < MAX_EXCHANGES {
            r.items.push(ex);
        } else {
            r.dropped += 1;
        }
    }

    /// A copy of the recorded exchanges in arrival order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().unwrap().items.clone()
    }

    /// How many exchanges did not fit under [`MAX_EXCHANGES`] since the last clear.
    pub fn exchanges_dropped(&self) -> u64 {
        self.exchanges.lock().unwrap().dropped
    }

    /// Forgets counters, timeline and recorded exchanges.
    pub fn clear(&self) {
        self.counters.lock().unwrap().clear();
        self.timeline.lock().unwrap().clear();
        *self.exchanges.lock().unwrap() = Recording::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_psk_parameters_are_redacted_and_others_kept() {
        let (b, _) = redact_request(
            "/",
            b"Action=CreateVpnConnection&Options.TunnelOptions.1.PreSharedKey=s3cret&Type=ipsec.1",
        );
        assert!(!b.contains("s3cret"), "{b}");
        assert!(b.contains("PreSharedKey=REDACTED") && b.contains("Type=ipsec.1"));
        let plain = "Action=DescribeVpcs&Version=2016-11-15";
        assert_eq!(redact_request("/", plain.as_bytes()).0, plain);
    }

    #[test]
    fn token_secrets_are_redacted_both_ways() {
        let (b, _) = redact_request("/t/oauth2/v2.0/token", b"client_id=a&client_secret=x%2By");
        assert_eq!(b, "client_id=a&client_secret=REDACTED");
        let (r, _) = redact_response(
            "/t/oauth2/v2.0/token",
            br#"{"access_token":"tok","expires_in":3600}"#,
        );
        assert!(
            !r.contains("tok\"") && r.contains("REDACTED") && r.contains("3600"),
            "{r}"
        );
    }

    #[test]
    fn arm_shared_keys_are_redacted() {
        let (b, _) = redact_request(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/connections/c",
            br#"{"properties":{"sharedKey":"k1","routingWeight":0}}"#,
        );
        assert!(!b.contains("k1") && b.contains("routingWeight"), "{b}");
        let (r, _) = redact_response("/x/connections/c/sharedkey", br#"{"id":"","value":"k2"}"#);
        assert!(!r.contains("k2"), "{r}");
        let (keep, _) = redact_response("/x/virtualNetworks/v", br#"{"value":[]}"#);
        assert_eq!(keep, r#"{"value":[]}"#);
    }

    #[test]
    fn xml_secrets_are_redacted_and_stay_well_formed() {
        let x = "<a><preSharedKey>p1</preSharedKey><b>keep</b><c>&lt;pre_shared_key&gt;p2&lt;/pre_shared_key&gt;</c><SessionToken>t</SessionToken></a>";
        let (r, _) = redact_response("/", x.as_bytes());
        assert_eq!(
            r,
            "<a><preSharedKey>REDACTED</preSharedKey><b>keep</b><c>&lt;pre_shared_key&gt;REDACTED&lt;/pre_shared_key&gt;</c><SessionToken>REDACTED</SessionToken></a>"
        );
    }

    #[test]
    fn a_device_sample_configuration_is_redacted_whole() {
        let x = "<r><vpnConnectionDeviceSampleConfiguration>crypto keyring k\n pre-shared-key address 203.0.113.5 key sEcret_1\n</vpnConnectionDeviceSampleConfiguration></r>";
        let (r, _) = redact_response("/", x.as_bytes());
        assert_eq!(
            r,
            "<r><vpnConnectionDeviceSampleConfiguration>REDACTED</vpnConnectionDeviceSampleConfiguration></r>"
        );
    }

    #[test]
    fn the_recording_is_capped_and_cleared() {
        let o = Observer::default();
        let ex = Exchange {
            seq: 9,
            at_ms: 0,
            method: "GET".into(),
            path: "/".into(),
            query: String::new(),
            request_content_type: None,
            request_body: String::new(),
            status: 200,
            response_content_type: None,
            response_headers: BTreeMap::new(),
            response_body: String::new(),
            truncated: false,
            aborted: false,
        };
        o.record_exchange(ex.clone());
        o.record_exchange(ex);
        let got = o.exchanges();
        assert_eq!((got[0].seq, got[1].seq), (0, 1));
        o.clear();
        assert!(o.exchanges().is_empty());
        assert_eq!(o.exchanges_dropped(), 0);
    }
}
