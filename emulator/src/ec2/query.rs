//! Request parsing: the form-encoded EC2 query (`Name.N` lists, `Filter.N.Name` /
//! `Filter.N.Value.M`, `TagSpecification.N`), filter matching and `MaxResults`/`NextToken`
//! paging.

use super::errors::{Ec2Error, R};
use super::tags::Tags;
use std::collections::BTreeMap;
use std::str::FromStr;

/// The parameters of one request (or the part under one prefix).
#[derive(Debug, Clone, Default)]
pub struct Query {
    params: BTreeMap<String, String>,
}

impl Query {
    /// Parses a form-encoded body.
    pub fn parse(body: &[u8]) -> R<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|e| Ec2Error::new("MalformedQueryString", e.to_string()))?;
        Ok(Query {
            params: pairs.into_iter().collect(),
        })
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }

    /// The value of `key`, or `MissingParameter`.
    pub fn req(&self, key: &str) -> R<&str> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Ec2Error::missing(key))
    }

    /// A numeric parameter.
    pub fn num<T: FromStr>(&self, key: &str) -> R<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                Ec2Error::invalid(format!("Value ({v}) for parameter {key} is invalid."))
            }),
        }
    }

    /// A boolean parameter (`true`/`false`).
    pub fn bool(&self, key: &str) -> R<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(Ec2Error::invalid(format!(
                "Value ({v}) for parameter {key} is invalid."
            ))),
        }
    }

    /// The parameters under `prefix.` with the prefix removed.
    pub fn nested(&self, prefix: &str) -> Query {
        let p = format!("{prefix}.");
        Query {
            params: self
                .params
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(&p).map(|rest| (rest.to_string(), v.clone())))
                .collect(),
        }
    }

    /// Whether any parameter starts with `prefix.`.
    pub fn has_nested(&self, prefix: &str) -> bool {
        let p = format!("{prefix}.");
        self.params.keys().any(|k| k.starts_with(&p))
    }

    /// The flattened list `prefix.1`, `prefix.2`, ... in index order.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let mut out: Vec<(u32, String)> = self
            .nested(prefix)
            .params
            .into_iter()
            .filter_map(|(k, v)| k.parse::<u32>().ok().map(|n| (n, v)))
            .collect();
        out.sort_by_key(|(n, _)| *n);
        out.into_iter().map(|(_, v)| v).collect()
    }

    /// The flattened list of structures `prefix.N.*`, in index order.
    pub fn structs(&self, prefix: &str) -> Vec<Query> {
        let mut groups: BTreeMap<u32, Query> = BTreeMap::new();
        for (k, v) in self.nested(prefix).params {
            if let Some((n, rest)) = k.split_once('.') {
                if let Ok(n) = n.parse::<u32>() {
                    groups
                        .entry(n)
                        .or_default()
                        .params
                        .insert(rest.to_string(), v);
                }
            }
        }
        groups.into_values().collect()
    }

    /// `Filter.N.Name` / `Filter.N.Value.M`.
    pub fn filters(&self) -> Vec<Filter> {
        self.structs("Filter")
            .into_iter()
            .filter_map(|f| {
                Some(Filter {
                    name: f.get("Name")?.to_string(),
                    values: f.list("Value"),
                })
            })
            .collect()
    }

    /// Tags from `TagSpecification.N` (or `TagSpecifications.N`, as some inputs are named)
    /// whose `ResourceType` is `resource_type`. AWS rejects a specification for another
    /// resource type (EC2 API reference, TagSpecification).
    pub fn tag_specs(&self, resource_type: &str) -> R<Tags> {
        let mut tags = Tags::new();
        for prefix in ["TagSpecification", "TagSpecifications"] {
            for spec in self.structs(prefix) {
                let rt = spec.get("ResourceType").unwrap_or_default();
                if rt != resource_type {
                    return Err(Ec2Error::invalid(format!(
                        "'{rt}' is not a valid taggable resource type for this operation."
                    )));
                }
                for t in spec.structs("Tag") {
                    if let Some(k) = t.get("Key") {
                        tags.insert(
                            k.to_string(),
                            t.get("Value").unwrap_or_default().to_string(),
                        );
                    }
                }
            }
        }
        super::tags::check(&tags)?;
        Ok(tags)
    }
}

/// One `Filter.N`: a name and the values any of which may match.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Filter name (`vpc-id`, `tag:Name`, ...).
    pub name: String,
    /// Accepted values; `*` and `?` are wildcards, as in AWS filters.
    pub values: Vec<String>,
}

/// AWS filter values accept `*` (any run) and `?` (one character).
pub fn glob(pattern: &str, s: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('*') => (0..=s.len()).any(|i| go(&p[1..], &s[i..])),
            Some('?') => !s.is_empty() && go(&p[1..], &s[1..]),
            Some(c) => s.first() == Some(c) && go(&p[1..], &s[1..]),
        }
    }
    // Most values are plain ids: compared as strings, a listing by hundreds of ids stays cheap.
    if !pattern.contains(['*', '?']) {
        return pattern == s;
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    go(&p, &s)
}

/// The most filter values one Describe call may carry.
const MAX_FILTER_VALUES: usize = 200;

/// Whether an object passes every filter (AND across filters, OR across values).
/// `field` answers the object's values for a filter name, or `None` for a name this
/// resource does not support, which AWS rejects as `InvalidParameterValue`.
pub fn matches(
    filters: &[Filter],
    tags: &Tags,
    field: impl Fn(&str) -> Option<Vec<String>>,
) -> R<bool> {
    // rule: AWS-EC2-FILTER-VALUES-LIMIT. At most 200 filter values in one call.
    if filters.iter().map(|f| f.values.len()).sum::<usize>() > MAX_FILTER_VALUES {
        return Err(Ec2Error::new(
            "FilterLimitExceeded",
            format!("The maximum number of filter values specified on a single call is {MAX_FILTER_VALUES}"),
        ));
    }
    for f in filters {
        let have: Vec<String> = if let Some(key) = f.name.strip_prefix("tag:") {
            tags.get(key).cloned().into_iter().collect()
        } else if f.name == "tag-key" {
            tags.keys().cloned().collect()
        } else if f.name == "tag-value" {
            tags.values().cloned().collect()
        } else {
            field(&f.name)
                .ok_or_else(|| Ec2Error::invalid(format!("The filter '{}' is invalid", f.name)))?
        };
        if !have.iter().any(|h| f.values.iter().any(|v| glob(v, h))) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Applies `MaxResults`/`NextToken` to an already filtered list (rule: AWS-EC2-DESCRIBE-ALL;
/// without filters the list is every object of the account and region). AWS accepts MaxResults
/// 5..=`max` on the paged Describe calls (EC2 API reference for each action); the token is
/// opaque to clients, here the offset of the next item.
pub fn page<T>(q: &Query, items: Vec<T>, max: usize) -> R<(Vec<T>, Option<String>)> {
    let start = match q.get("NextToken") {
        None | Some("") => 0,
        Some(t) => t
            .strip_prefix("emu-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                Ec2Error::new("InvalidNextToken", "The token is invalid or has expired.")
            })?,
    };
    let limit = match q.num::<usize>("MaxResults")? {
        None => items.len().max(1),
        Some(n) if (5..=max).contains(&n) => n,
        Some(n) => {
            return Err(Ec2Error::invalid(format!(
                "Value ( {n} ) for parameter maxResults is invalid. Expecting a value between 5 and {max}."
            )))
        }
    };
    let total = items.len();
    let out: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = (start + limit < total).then(|| format!("emu-{}", start + limit));
    Ok((out, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_structs_follow_the_index_not_the_text_order() {
        let q =
            Query::parse(b"VpcId.10=c&VpcId.2=b&VpcId.1=a&Filter.1.Name=vpc-id&Filter.1.Value.1=x")
                .unwrap();
        assert_eq!(q.list("VpcId"), vec!["a", "b", "c"]);
        let f = q.filters();
        assert_eq!(f[0].name, "vpc-id");
        assert_eq!(f[0].values, vec!["x"]);
    }

    #[test]
    fn glob_supports_star_and_question_mark() {
        assert!(glob("vpc-*", "vpc-123"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
    }
}
