//! STS on the EC2 endpoint: `GetCallerIdentity` and `AssumeRole`, which hands out `ASIA`
//! keys that carry the role's account number.

use super::accounts::account_of_key;
use super::errors::{Ec2Error, R};
use super::xml::Xml;
use super::{iso_time, Ctx, State};
use rand::Rng;

/// Credentials issued by `AssumeRole`.
#[derive(Debug, Clone)]
pub struct Session {
    /// The assumed role's account.
    pub account: String,
    /// The role name.
    pub role: String,
    /// The session name.
    pub session: String,
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
