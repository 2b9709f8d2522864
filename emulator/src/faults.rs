//! Fault injection: throttling, server errors, slow responses, dropped connections and
//! arbitrary API errors, chosen by cloud and action, by count or by probability. The random
//! source is seeded, so a run with the same seed and the same calls injects the same faults.

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Duration;

/// What a matching rule does to the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// EC2 `RequestLimitExceeded` (503) / ARM 429 `TooManyRequests` with `Retry-After`.
    Throttle,
    /// EC2 `InternalError` (500) / ARM 500 `InternalServerError`.
    ServerError,
    /// Delay the response by `delay_ms`, then serve it normally.
    Slow,
    /// Close the connection without a complete response.
    Drop,
    /// Answer with the given `status`, `code` and `message` in the cloud's error format.
    Error,
}

/// One injection rule, as given to `--fault` or `POST /_emulator/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultRule {
    /// `ec2`, `arm` or `*`.
    pub cloud: String,
    /// The action: an EC2 `Action` (`CreateVpnConnection`), an ARM operation written
    /// `METHOD resourceType` (`PUT virtualNetworkGateways`), or `*`.
    pub action: String,
    /// What to inject.
    pub kind: FaultKind,
    /// Inject this many times, then stop (absent = forever).
    #[serde(default)]
    pub count: Option<u32>,
    /// Inject with this probability per matching call (absent = always).
    #[serde(default)]
    pub probability: Option<f64>,
    /// For `slow`: the delay.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// For `throttle`: the `Retry-After` seconds sent to ARM clients (default 1).
    #[serde(default)]
    pub retry_after_s: Option<u64>,
    /// For `error`: HTTP status (default 400).
    #[serde(default)]
    pub status: Option<u16>,
    /// For `error`: the error code.
    #[serde(default)]
    pub code: Option<String>,
    /// For `error`: the message.
    #[serde(default)]
    pub message: Option<String>,
}

impl FaultRule {
    /// Parses the CLI form `CLOUD:ACTION=KIND[,count=N][,p=F][,delay_ms=N][,status=N][,code=S][,message=S]`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (target, rest) = spec
            .split_once('=')
            .ok_or_else(|| format!("fault {spec:?}: expected CLOUD:ACTION=KIND[,key=value...]"))?;
        let (cloud, action) = target
            .split_once(':')
            .ok_or_else(|| format!("fault {spec:?}: expected CLOUD:ACTION before '='"))?;
        let mut parts = rest.split(',');
        let kind: FaultKind = serde_json::from_value(serde_json::Value::String(
            parts.next().unwrap_or_default().to_string(),
        ))
        .map_err(|_| {
            format!("fault {spec:?}: kind must be throttle, server_error, slow, drop or error")
        })?;
        let mut rule = FaultRule {
            cloud: cloud.to_string(),
            action: action.to_string(),
            kind,
            count: None,
            probability: None,
            delay_ms: None,
            retry_after_s: None,
            status: None,
            code: None,
            message: None,
        };
        for kv in parts {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("fault {spec:?}: bad option {kv:?}"))?;
            let bad = |_: std::num::ParseIntError| format!("fault {spec:?}: bad value for {k}");
            match k {
                "count" => rule.count = Some(v.parse().map_err(bad)?),
                "p" | "probability" => {
                    rule.probability = Some(
                        v.parse()
                            .map_err(|_| format!("fault {spec:?}: bad value for {k}"))?,
                    )
                }
                "delay_ms" => rule.delay_ms = Some(v.parse().map_err(bad)?),
                "retry_after_s" => rule.retry_after_s = Some(v.parse().map_err(bad)?),
                "status" => rule.status = Some(v.parse().map_err(bad)?),
                "code" => rule.code = Some(v.to_string()),
                "message" => rule.message = Some(v.to_string()),
                _ => return Err(format!("fault {spec:?}: unknown option {k:?}")),
            }
        }
        Ok(rule)
    }

    fn matches(&self, cloud: &str, action: &str) -> bool {
        (self.cloud == "*" || self.cloud.eq_ignore_ascii_case(cloud))
            && (self.action == "*" || self.action.eq_ignore_ascii_case(action))
    }
}

/// A fault the cloud handler must turn into its own error format.
#[derive(Debug, Clone, PartialEq)]
pub enum Injected {
    /// Throttle the call; ARM clients get `Retry-After: retry_after_s`.
    Throttle { retry_after_s: u64 },
    /// A 500 from the service.
    ServerError,
    /// Drop the connection.
    Drop,
    /// A specific API error.
    Error {
        status: u16,
        code: String,
        message: String,
    },
}

/// The active rules plus the seeded random source.
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    rng: Mutex<StdRng>,
    seed: u64,
}

impl Faults {
    /// No rules; randomness seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Faults {
            rules: Mutex::new(Vec::new()),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            seed,
        }
    }

    /// Adds a rule (rules are checked in the order added; the first that fires wins).
    pub fn add(&self, rule: FaultRule) {
        self.rules.lock().unwrap().push(rule);
    }

    /// The active rules.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.lock().unwrap().clone()
    }

    /// Removes every rule and re-seeds the random source.
    pub fn clear(&self) {
        self.rules.lock().unwrap().clear();
        *self.rng.lock().unwrap() = StdRng::seed_from_u64(self.seed);
    }

    /// Decides what happens to one call of `action` on `cloud`. A `slow` rule sleeps here and
    /// lets the call through; other kinds are returned for the handler to render.
    pub async fn apply(&self, cloud: &str, action: &str) -> Option<Injected> {
        let mut delay = None;
        let mut injected = None;
        {
            let mut rules = self.rules.lock().unwrap();
            let mut rng = self.rng.lock().unwrap();
            for rule in rules.iter_mut() {
                if !rule.matches(cloud, action) || rule.count == Some(0) {
                    continue;
                }
                if let Some(p) = rule.probability {
                    if !rng.gen_bool(p.clamp(0.0, 1.0)) {
                        continue;
                    }
                }
                if let Some(c) = rule.count.as_mut() {
                    *c -= 1;
                }
                match rule.kind {
                    FaultKind::Slow => {
                        delay = Some(Duration::from_millis(rule.delay_ms.unwrap_or(1000)))
                    }
                    FaultKind::Throttle => {
                        injected = Some(Injected::Throttle {
                            retry_after_s: rule.retry_after_s.unwrap_or(1),
                        })
                    }
                    FaultKind::ServerError => injected = Some(Injected::ServerError),
                    FaultKind::Drop => injected = Some(Injected::Drop),
                    FaultKind::Error => {
                        injected = Some(Injected::Error {
                            status: rule.status.unwrap_or(400),
                            code: rule.code.clone().unwrap_or_else(|| "InjectedFault".into()),
                            message: rule
                                .message
                                .clone()
                                .unwrap_or_else(|| "fault injected by cloudlink-emulator".into()),
                        })
                    }
                }
                break;
            }
        }
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        injected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_form() {
        let r = FaultRule::parse("ec2:CreateVpnConnection=throttle,count=2").unwrap();
        assert_eq!(r.cloud, "ec2");
        assert_eq!(r.kind, FaultKind::Throttle);
        assert_eq!(r.count, Some(2));
        assert!(FaultRule::parse("nonsense").is_err());
        assert!(FaultRule::parse("ec2:X=explode").is_err());
    }

    #[tokio::test]
    async fn count_limits_injections() {
        let f = Faults::new(1);
        f.add(FaultRule::parse("arm:*=server_error,count=2").unwrap());
        assert_eq!(
            f.apply("arm", "PUT publicIPAddresses").await,
            Some(Injected::ServerError)
        );
        assert_eq!(f.apply("ec2", "CreateVpc").await, None);
        assert_eq!(
            f.apply("arm", "GET publicIPAddresses").await,
            Some(Injected::ServerError)
        );
        assert_eq!(f.apply("arm", "GET publicIPAddresses").await, None);
    }

    #[tokio::test]
    async fn probability_is_deterministic_under_a_seed() {
        let run = || async {
            let f = Faults::new(42);
            f.add(FaultRule::parse("*:*=server_error,p=0.5").unwrap());
            let mut out = Vec::new();
            for _ in 0..32 {
                out.push(f.apply("ec2", "DescribeVpcs").await.is_some());
            }
            out
        };
        let (a, b) = (run().await, run().await);
        assert_eq!(a, b);
        assert!(a.iter().any(|x| *x) && a.iter().any(|x| !*x));
    }
}
