//! Diagnostics: errors and warnings reported to Terraform, each optionally at a path.

use std::fmt;

use super::path::AttributePath;
use crate::proto::tfplugin6 as proto;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The operation failed.
    Error,
    /// The operation went on, but the user should know.
    Warning,
}

/// One message for the user, shown by Terraform as `Error: summary` + detail, and pointed
/// at the offending attribute when `path` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line saying what went wrong.
    pub summary: String,
    /// Why, and what to do about it.
    pub detail: String,
    /// The attribute the message is about, if any.
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    /// An error without a path.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// A warning without a path.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// This diagnostic pointed at `p`.
    pub fn with_path(mut self, p: AttributePath) -> Self {
        self.path = Some(p);
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The protocol form.
    pub fn to_proto(&self) -> proto::Diagnostic {
        let severity = match self.severity {
            Severity::Error => proto::diagnostic::Severity::Error,
            Severity::Warning => proto::diagnostic::Severity::Warning,
        };
        proto::Diagnostic {
            severity: severity as i32,
            summary: self.summary.clone(),
            detail: self.detail.clone(),
            attribute: self.path.as_ref().map(AttributePath::to_proto),
        }
    }

    /// Read the protocol form (an invalid severity counts as an error).
    pub fn from_proto(d: &proto::Diagnostic) -> Self {
        let severity = if d.severity == proto::diagnostic::Severity::Warning as i32 {
            Severity::Warning
        } else {
            Severity::Error
        };
        Diagnostic {
            severity,
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            path: d.attribute.as_ref().map(AttributePath::from_proto),
        }
    }
}

/// An error whose summary is the outermost message and whose detail is the full context
/// chain (`{:#}`), so "waiting for VPN connection (vpn-1): cause" reaches the user whole.
impl From<anyhow::Error> for Diagnostic {
    fn from(e: anyhow::Error) -> Self {
        Diagnostic::error(format!("{e}"), format!("{e:#}"))
    }
}

/// `Error: summary: detail (at path)`, for logs and test failures.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        write!(f, "{sev}: {}", self.summary)?;
        if !self.detail.is_empty() && self.detail != self.summary {
            write!(f, ": {}", self.detail)?;
        }
        if let Some(p) = self.path.as_ref().filter(|p| !p.is_root()) {
            write!(f, " (at {p})")?;
        }
        Ok(())
    }
}

/// The diagnostics of one RPC, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    /// Add one diagnostic.
    pub fn push(&mut self, d: impl Into<Diagnostic>) {
        self.0.push(d.into());
    }

    /// Add all of `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// Add an error without a path.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.0.push(Diagnostic::error(summary, detail));
    }

    /// Add an error at `path`.
    pub fn error_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.0
            .push(Diagnostic::error(summary, detail).with_path(path));
    }

    /// Add a warning without a path.
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.0.push(Diagnostic::warning(summary, detail));
    }

    /// Add a warning at `path`.
    pub fn warning_at(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.0
            .push(Diagnostic::warning(summary, detail).with_path(path));
    }

    /// Whether any diagnostic is an error (the RPC failed).
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Whether there are none at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterate in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// The protocol form.
    pub fn to_proto(&self) -> Vec<proto::Diagnostic> {
        self.0.iter().map(Diagnostic::to_proto).collect()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl From<anyhow::Error> for Diagnostics {
    fn from(e: anyhow::Error) -> Self {
        Diagnostics(vec![e.into()])
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.0.extend(iter);
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
