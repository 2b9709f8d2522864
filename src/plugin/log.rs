//! Logging for a plugin: hclog-compatible JSON lines on stderr (`@level`, `@message`,
//! `@timestamp`, `@module`), which go-plugin parses and re-emits through terraform's own
//! log. The level comes from `TF_LOG_PROVIDER`, else `TF_LOG`, like the Go SDKs. Stdout is
//! reserved for the handshake line.

use std::fmt::Write as _;
use std::io::Write as _;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Maps `TF_LOG_PROVIDER` / `TF_LOG` values to a maximum level (`None` = off).
pub fn level_from_env(provider: Option<&str>, global: Option<&str>) -> Option<Level> {
    let raw = provider
        .filter(|s| !s.is_empty())
        .or(global.filter(|s| !s.is_empty()))?;
    match raw.to_ascii_lowercase().as_str() {
        "trace" | "json" | "1" => Some(Level::TRACE),
        "debug" => Some(Level::DEBUG),
        "info" => Some(Level::INFO),
        "warn" => Some(Level::WARN),
        "error" => Some(Level::ERROR),
        "off" => None,
        _ => Some(Level::TRACE),
    }
}

/// Installs the stderr JSON logger at the level the environment asks for.
pub fn init() {
    let level = level_from_env(
        std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
        std::env::var("TF_LOG").ok().as_deref(),
    );
    let filter = tracing_subscriber::filter::LevelFilter::from_level(level.unwrap_or(Level::WARN));
    let _ = tracing_subscriber::registry()
        .with(HclogLayer.with_filter(filter))
        .try_init();
}

/// Formats one event as one hclog JSON line.
struct HclogLayer;

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = JsonFields::default();
        event.record(&mut fields);
        let mut obj = fields.0;
        let level = match *event.metadata().level() {
            Level::TRACE => "trace",
            Level::DEBUG => "debug",
            Level::INFO => "info",
            Level::WARN => "warn",
            Level::ERROR => "error",
        };
        let message = obj
            .remove("message")
            .unwrap_or(serde_json::Value::String(String::new()));
        obj.insert("@level".into(), level.into());
        obj.insert("@message".into(), message);
        obj.insert(
            "@module".into(),
            "provider.terraform-provider-cloudlink".into(),
        );
        obj.insert("@timestamp".into(), timestamp().into());
        let mut line = serde_json::Value::Object(obj).to_string();
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[derive(Default)]
struct JsonFields(serde_json::Map<String, serde_json::Value>);

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        self.0.insert(field.name().to_string(), s.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), value.into());
    }
}

/// RFC 3339 with microseconds, as hclog writes it.
fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.microsecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_level_wins_over_global() {
        assert_eq!(
            level_from_env(Some("debug"), Some("error")),
            Some(Level::DEBUG)
        );
        assert_eq!(level_from_env(None, Some("WARN")), Some(Level::WARN));
        assert_eq!(level_from_env(None, None), None);
        assert_eq!(level_from_env(Some("off"), Some("trace")), None);
    }
}
