//! STS on the EC2 endpoint: `GetCallerIdentity` and `AssumeRole`, which hands out `ASIA`
//! keys that carry the role's account number.

use super::accounts::account_of_key;
use super::errors::{Ec2Error, R};
use super::xml::Xml;
use super::{iso_time, Ctx, State};
use rand::Rng;
use std::collections::BTreeMap;

/// Credentials issued by `AssumeRole`.
#[derive(Debug, Clone)]
pub struct Session {
    /// The assumed role's account.
    pub account: String,
    /// The role name.
    pub role: String,
    /// The session name.
    pub session: String,
    /// The external id the caller passed, if any.
    pub external_id: Option<String>,
    /// Session tags passed with the call.
    pub tags: BTreeMap<String, String>,
}

/// rule: AWS-ASSUME-ROLE-PARAMS. STS's input constraints on `AssumeRole`, from botocore 1.43.11
/// `sts/2011-06-15/service-2.json` (read 2026-12-02): a violation is a `ValidationError`
/// whose message reads like AWS's ("1 validation error detected: Value '..' at
/// 'roleSessionName' failed to satisfy constraint: ...").
fn check_assume_role_input(
    session: &str,
    external_id: Option<&str>,
    duration: u64,
    tags: &[(String, String)],
) -> R<()> {
    let fail = |value: &str, member: &str, constraint: String| {
        Err(Ec2Error::new(
            "ValidationError",
            format!("1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"),
        ))
    };
    let length = |value: &str, member: &str, min: usize, max: usize| {
        let n = value.chars().count();
        if n < min {
            fail(
                value,
                member,
                format!("Member must have length greater than or equal to {min}"),
            )
        } else if n > max {
            fail(
                value,
                member,
                format!("Member must have length less than or equal to {max}"),
            )
        } else {
            Ok(())
        }
    };
    let pattern = |value: &str, member: &str, extra: &str, shown: &str| {
        if value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(c))
        {
            Ok(())
        } else {
            fail(
                value,
                member,
                format!("Member must satisfy regular expression pattern: {shown}"),
            )
        }
    };
    length(session, "roleSessionName", 2, 64)?;
    pattern(session, "roleSessionName", "+=,.@-", r"[\w+=,.@-]*")?;
    if let Some(id) = external_id {
        length(id, "externalId", 2, 1224)?;
        pattern(id, "externalId", "+=,.@:/-", r"[\w+=,.@:\/-]*")?;
    }
    if !(900..=43_200).contains(&duration) {
        let constraint = if duration < 900 {
            "Member must have value greater than or equal to 900"
        } else {
            "Member must have value less than or equal to 43200"
        };
        return fail(&duration.to_string(), "durationSeconds", constraint.into());
    }
    if tags.len() > 50 {
        return fail(
            "[...]",
            "tags",
            "Member must have length less than or equal to 50".into(),
        );
    }
    for (k, v) in tags {
        length(k, "tags.member.key", 1, 128)?;
        length(v, "tags.member.value", 0, 256)?;
    }
    Ok(())
}

fn random(st: &mut State, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| alphabet[st.rng().gen_range(0..alphabet.len())] as char)
        .collect()
}

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ANY: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `GetCallerIdentity`: an assumed-role ARN for our `ASIA` keys, a user ARN otherwise.
pub fn get_caller_identity(st: &mut State, cx: &Ctx) -> R<Xml> {
    let account = account_of_key(&cx.caller.access_key);
    let (arn, user_id) = match st.sessions.get(&cx.caller.access_key) {
        Some(s) => (
            format!(
                "arn:aws:sts::{}:assumed-role/{}/{}",
                s.account, s.role, s.session
            ),
            format!(
                "AROA{}:{}",
                &cx.caller.access_key[4..].to_uppercase(),
                s.session
            ),
        ),
        None => (
            format!("arn:aws:iam::{account}:user/emulator"),
            format!("AIDA{account}EMULATOR"),
        ),
    };
    let mut x = Xml::new();
    x.leaf("Arn", arn)
        .leaf("UserId", user_id)
        .leaf("Account", account);
    Ok(x)
}

/// `AssumeRole`: any role name works; the key is `ASIA` + the role's account + random, and
/// the credentials expire after `DurationSeconds` (default 3600, STS API reference).
pub fn assume_role(st: &mut State, cx: &Ctx) -> R<Xml> {
    let arn = cx.q.req("RoleArn")?.to_string();
    let session = cx.q.req("RoleSessionName")?.to_string();
    let duration: u64 = cx.q.num("DurationSeconds")?.unwrap_or(3600);
    let external_id = cx.q.get("ExternalId").map(str::to_string);
    let tags: Vec<(String, String)> =
        cx.q.structs("Tags.member")
            .iter()
            .map(|t| {
                (
                    t.get("Key").unwrap_or_default().to_string(),
                    t.get("Value").unwrap_or_default().to_string(),
                )
            })
            .collect();
    check_assume_role_input(&session, external_id.as_deref(), duration, &tags)?;
    let invalid = || Ec2Error::new("ValidationError", format!("{arn} is invalid"));
    let rest = arn.strip_prefix("arn:aws:iam::").ok_or_else(invalid)?;
    let (account, role) = rest.split_once(":role/").ok_or_else(invalid)?;
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) || role.is_empty() {
        return Err(invalid());
    }
    let role_name = role.rsplit('/').next().unwrap_or(role).to_string();
    let key = format!("ASIA{account}{}", random(st, UPPER, 8));
    let secret = random(st, ANY, 40);
    let token = random(st, ANY, 120);
    st.sessions.insert(
        key.clone(),
        Session {
            account: account.to_string(),
            role: role_name.clone(),
            session: session.clone(),
            external_id,
            tags: tags.into_iter().collect(),
        },
    );
    let mut x = Xml::new();
    x.nest("Credentials", |x| {
        x.leaf("AccessKeyId", &key)
            .leaf("SecretAccessKey", &secret)
            .leaf("SessionToken", &token)
            .leaf("Expiration", iso_time(cx.now, cx.now + duration * 1000));
    })
    .nest("AssumedRoleUser", |x| {
        x.leaf("AssumedRoleId", format!("AROA{}:{session}", &key[4..]))
            .leaf(
                "Arn",
                format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session}"),
            );
    })
    .leaf("PackedPolicySize", 0);
    Ok(x)
}
