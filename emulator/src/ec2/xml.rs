//! A small XML writer for EC2 response bodies: element names are the model's
//! `locationName`s, lists are written as `<item>` entries.

use std::fmt::Display;

/// Escapes text for an XML element or attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// An XML fragment under construction.
#[derive(Default, Debug, Clone)]
pub struct Xml {
    buf: String,
}

impl Xml {
    /// An empty fragment.
    pub fn new() -> Self {
        Xml::default()
    }

    /// Writes `<name>`.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// Writes `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// Writes `<name>value</name>` with the value escaped.
    pub fn leaf(&mut self, name: &str, value: impl Display) -> &mut Self {
        let v = value.to_string();
        self.open(name);
        self.buf.push_str(&escape(&v));
        self.close(name)
    }

    /// Writes the leaf only when `value` is present.
    pub fn opt<T: Display>(&mut self, name: &str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.leaf(name, v);
        }
        self
    }

    /// Writes `<name>` with one `<item>` per entry, each filled by `f`.
    pub fn list<T>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = T>,
        mut f: impl FnMut(&mut Xml, T),
    ) -> &mut Self {
        self.open(name);
        for it in items {
            self.open("item");
            f(self, it);
            self.close("item");
        }
        self.close(name)
    }

    /// Writes `<name>` around whatever `f` writes.
    pub fn nest(&mut self, name: &str, f: impl FnOnce(&mut Xml)) -> &mut Self {
        self.open(name);
        f(self);
        self.close(name)
    }

    /// Writes escaped text inside the current element.
    pub fn text(&mut self, value: impl Display) -> &mut Self {
        self.buf.push_str(&escape(&value.to_string()));
        self
    }

    /// Appends an already-built fragment.
    pub fn raw(&mut self, other: &Xml) -> &mut Self {
        self.buf.push_str(&other.buf);
        self
    }

    /// The text written so far.
    pub fn as_str(&self) -> &str {
        &self.buf
    }
}

/// Wraps a result body as `<{action}Response xmlns=EC2><requestId>..</requestId>...`.
pub fn ec2_body(action: &str, request_id: &str, inner: &Xml) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>{request_id}</requestId>{}</{action}Response>",
        inner.as_str()
    )
}

/// Wraps an STS result as `<{action}Response><{action}Result>..</..><ResponseMetadata>`.
pub fn sts_body(action: &str, request_id: &str, inner: &Xml) -> String {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>{}</{action}Result><ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>",
        inner.as_str()
    )
}
