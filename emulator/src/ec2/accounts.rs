//! Who is calling: the account from the access key id, the region from the SigV4 credential
//! scope. Signatures are not verified.

use axum::http::HeaderMap;

/// The account every key without an account number maps to.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// The region when the request carries no credential scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The caller of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// 12-digit account id.
    pub account: String,
    /// Region from the credential scope.
    pub region: String,
    /// The access key id as sent.
    pub access_key: String,
}

/// `AKID` or `ASIA` followed by 12 digits names that account; any other key is the default.
pub fn account_of_key(key: &str) -> String {
    for prefix in ["AKID", "ASIA"] {
        if let Some(rest) = key.strip_prefix(prefix) {
            let digits: String = rest.chars().take(12).collect();
            if digits.len() == 12 && digits.chars().all(|c| c.is_ascii_digit()) {
                return digits;
            }
        }
    }
    DEFAULT_ACCOUNT.to_string()
}

/// Reads `Authorization: AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...`.
pub fn caller(headers: &HeaderMap) -> Caller {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let cred = auth
        .split([' ', ','])
        .find_map(|part| part.trim().strip_prefix("Credential="))
        .unwrap_or_default();
    let mut parts = cred.split('/');
    let access_key = parts.next().unwrap_or_default().to_string();
    let region = parts
        .nth(1)
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION)
        .to_string();
    Caller {
        account: account_of_key(&access_key),
        region,
        access_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_comes_from_akid_or_asia_keys() {
        assert_eq!(account_of_key("AKID111111111111EXAMPLE"), "111111111111");
        assert_eq!(account_of_key("ASIA222222222222XYZ"), "222222222222");
        assert_eq!(account_of_key("AKIAIOSFODNN7EXAMPLE"), DEFAULT_ACCOUNT);
        assert_eq!(account_of_key("AKID12"), DEFAULT_ACCOUNT);
    }

    #[test]
    fn region_comes_from_the_credential_scope() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID333333333333X/20261125/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=x"
                .parse()
                .unwrap(),
        );
        let c = caller(&h);
        assert_eq!(
            (c.account.as_str(), c.region.as_str()),
            ("333333333333", "eu-west-1")
        );
    }
}
