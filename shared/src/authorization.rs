//! The life of an authorization (docs/architecture.md, "Authorization
//! items"): how one starts ([`start`], the one constructor), what presenting
//! its code, refresh token or access token means, and its next state. Pure
//! functions of the item and `now`; the endpoints read the item, decide here,
//! and write the new state back conditioned on the version they read
//! ([`crate::store::Store::swap_authorization`]).

use crate::crypto::ct_eq;
use crate::error::OAuthError;
use crate::store::{
    self, AccessSlot, Authorization, Client, CodeState, Granted, RefreshSlot, UsedRefresh,
};

/// What a new authorization starts with.
pub struct Start {
    /// Its id (a new one from [`crate::credential::new_grant_id`], or a family
    /// from before authorization items continuing).
    pub id: String,
    pub client_id: String,
    pub granted: Granted,
    pub now: i64,
    /// Its maximum lifetime's end: no refresh after it.
    pub ends_at: Option<i64>,
    /// The code it starts with (the authorization endpoint's), or none.
    pub code: Option<CodeState>,
    /// The tokens it starts with (a direct grant's), or none.
    pub issued: Option<Issued>,
}

/// A new authorization, at version 1, expiring with its last credential.
pub fn start(s: Start) -> Authorization {
    let (access, refresh) = match s.issued {
        Some(Issued { access, refresh }) => (Some(access), refresh),
        None => (None, None),
    };
    // In the client index when a person authorized it (their apps, an app's
    // people); a client acting for itself (client credentials) keeps its
    // single write, and its tokens end with the client (introspection).
    let csk = s
        .granted
        .sub
        .as_deref()
        .map(|sub| store::authorization_csk(sub, &s.id));
    let mut item = Authorization {
        pk: store::grant_key(&s.id),
        v: 1,
        client_id: s.client_id,
        granted: s.granted,
        created_at: s.now,
        ends_at: s.ends_at,
        code: s.code,
        access,
        prev_access: None,
        refresh,
        prev_refresh: None,
        revoked_at: None,
        expires_at: None,
        csk,
    };
    item.expires_at = expiry(&item);
    item
}

/// The tokens a grant step issues, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Issued {
    pub access: AccessSlot,
    pub refresh: Option<RefreshSlot>,
}

/// What presenting an authorization code means.
#[derive(Debug, PartialEq)]
pub enum CodeUse<'a> {
    /// Unused, live, this client's: redeem it.
    Fresh(&'a CodeState),
    /// Used before: a replay (RFC 6749 §4.1.2: revoke what was issued from it).
    Replayed,
    /// Unknown, expired, another client's, or its grant revoked.
    Invalid,
}

pub fn code_use<'a>(item: &'a Authorization, hash: &str, client_id: &str, now: i64) -> CodeUse<'a> {
    let Some(code) = &item.code else {
        return CodeUse::Invalid;
    };
    if item.revoked_at.is_some() || item.client_id != client_id || !ct_eq(&code.hash, hash) {
        return CodeUse::Invalid;
    }
    if code.used_at.is_some() {
        return CodeUse::Replayed;
    }
    if code.expires_at <= now {
        return CodeUse::Invalid;
    }
    CodeUse::Fresh(code)
}

/// RFC 6749 §4.1.3: the token request's `redirect_uri` must be the
/// authorization request's. Cobot's clients omit it (docs/compatibility.md);
/// that is accepted only when the client has a single registered URI, so the
/// value is unambiguous.
pub fn check_redirect_uri(
    client: &Client,
    code: &CodeState,
    sent: Option<&str>,
) -> Result<(), OAuthError> {
    match sent {
        Some(uri) if uri != code.redirect_uri => Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        )),
        Some(_) => Ok(()),
        None if code.redirect_uri_given && client.redirect_uris.len() != 1 => {
            Err(OAuthError::invalid_request(
                "redirect_uri is required: it was part of the authorization request",
            ))
        }
        None => Ok(()),
    }
}

/// The grant after its code was redeemed for `issued`, ending at `ends_at`
/// (its maximum lifetime).
pub fn redeem_code(
    item: &Authorization,
    issued: Issued,
    ends_at: Option<i64>,
    now: i64,
) -> Authorization {
    let mut next = item.clone();
    if let Some(code) = &mut next.code {
        code.used_at = Some(now);
    }
    next.ends_at = ends_at;
    next.access = Some(issued.access);
    next.refresh = issued.refresh;
    next.v += 1;
    next.expires_at = expiry(&next);
    next
}

/// What presenting a refresh token means.
#[derive(Debug, PartialEq)]
pub enum RefreshUse {
    /// The current refresh token: rotate it.
    Fresh,
    /// The one it replaced, once, within the grace period: rotate again.
    Retry,
    /// The one it replaced, otherwise: a replay (RFC 9700 §4.14.2).
    Replayed,
    /// Unknown, expired, another client's, the grant revoked or ended.
    Invalid,
}

pub fn refresh_use(
    item: &Authorization,
    hash: &str,
    client_id: &str,
    now: i64,
    grace: i64,
) -> RefreshUse {
    if item.revoked_at.is_some() || item.client_id != client_id {
        return RefreshUse::Invalid;
    }
    if item.ends_at.is_some_and(|end| end <= now) {
        return RefreshUse::Invalid;
    }
    if let Some(current) = item.refresh.as_ref().filter(|r| ct_eq(&r.hash, hash)) {
        return if is_live(current.exp, now) {
            RefreshUse::Fresh
        } else {
            RefreshUse::Invalid
        };
    }
    match &item.prev_refresh {
        Some(prev) if ct_eq(&prev.hash, hash) => {
            if grace > 0 && !prev.retried && now - prev.rotated_at <= grace {
                RefreshUse::Retry
            } else {
                RefreshUse::Replayed
            }
        }
        _ => RefreshUse::Invalid,
    }
}

/// The grant after a refresh: the new tokens current, the access token before
/// them still valid until it expires, the presented refresh token remembered so
/// that presenting it again is caught.
pub fn rotate(item: &Authorization, issued: Issued, use_: &RefreshUse, now: i64) -> Authorization {
    let mut next = item.clone();
    next.prev_access = next.access.take();
    next.access = Some(issued.access);
    let replaced = std::mem::replace(&mut next.refresh, issued.refresh);
    next.prev_refresh = match (use_, replaced) {
        (RefreshUse::Retry, _) => next
            .prev_refresh
            .map(|p| UsedRefresh { retried: true, ..p }),
        (_, Some(old)) => Some(UsedRefresh {
            hash: old.hash,
            rotated_at: now,
            retried: false,
        }),
        (_, None) => None,
    };
    next.v += 1;
    next.expires_at = expiry(&next);
    next
}

fn is_live(exp: Option<i64>, now: i64) -> bool {
    exp.is_none_or(|e| e > now)
}

/// The live access token of the grant with this hash.
pub fn live_access<'a>(item: &'a Authorization, hash: &str, now: i64) -> Option<&'a AccessSlot> {
    if item.revoked_at.is_some() {
        return None;
    }
    [&item.access, &item.prev_access]
        .into_iter()
        .flatten()
        .find(|a| ct_eq(&a.hash, hash) && is_live(a.exp, now))
}

/// The live current refresh token of the grant with this hash.
pub fn live_refresh<'a>(item: &'a Authorization, hash: &str, now: i64) -> Option<&'a RefreshSlot> {
    if item.revoked_at.is_some() || item.ends_at.is_some_and(|end| end <= now) {
        return None;
    }
    item.refresh
        .as_ref()
        .filter(|r| ct_eq(&r.hash, hash) && is_live(r.exp, now))
}

/// The grant without the access token with this hash (RFC 7009 revocation of
/// one access token); `None` when it holds no such token.
pub fn without_access(item: &Authorization, hash: &str) -> Option<Authorization> {
    let mut next = item.clone();
    let matches = |slot: &Option<AccessSlot>| slot.as_ref().is_some_and(|a| ct_eq(&a.hash, hash));
    if matches(&next.access) {
        next.access = None;
    } else if matches(&next.prev_access) {
        next.prev_access = None;
    } else {
        return None;
    }
    next.v += 1;
    Some(next)
}

/// When the item may go (TTL): when its last credential expires; never while
/// one of them never expires. A grant that is only a code lives as long as the
/// code.
pub fn expiry(item: &Authorization) -> Option<i64> {
    let tokens: Vec<Option<i64>> = [&item.access, &item.prev_access]
        .into_iter()
        .flatten()
        .map(|a| a.exp)
        .chain(item.refresh.iter().map(|r| r.exp))
        .collect();
    if tokens.is_empty() {
        return item.code.as_ref().map(|c| c.expires_at);
    }
    tokens
        .into_iter()
        .try_fold(i64::MIN, |acc, e| e.map(|e| acc.max(e)))
}

/// For unit tests: an authorization of client `c` that holds only a code
/// (hash `hash`) for `https://a.example/cb`, issued at `now` for 300 s.
#[cfg(test)]
pub(crate) fn test_code(hash: &str, challenge: Option<&str>, now: i64) -> Authorization {
    start(Start {
        id: "g".into(),
        client_id: "c".into(),
        granted: Granted::default(),
        now,
        ends_at: None,
        code: Some(CodeState {
            hash: hash.into(),
            expires_at: now + 300,
            used_at: None,
            redirect_uri: "https://a.example/cb".into(),
            redirect_uri_given: true,
            challenge: challenge.map(str::to_string),
        }),
        issued: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    fn code_grant() -> Authorization {
        test_code("code-hash", None, NOW)
    }

    fn issued(tag: &str, at_exp: Option<i64>, rt_exp: Option<i64>) -> Issued {
        Issued {
            access: AccessSlot {
                hash: format!("at-{tag}"),
                iat: NOW,
                exp: at_exp,
                scope: None,
                aud: vec![],
            },
            refresh: Some(RefreshSlot {
                hash: format!("rt-{tag}"),
                exp: rt_exp,
            }),
        }
    }

    fn redeemed() -> Authorization {
        redeem_code(
            &code_grant(),
            issued("1", Some(NOW + 3600), Some(NOW + 86400)),
            None,
            NOW,
        )
    }

    #[test]
    fn a_new_authorization_is_version_one_and_lives_as_long_as_its_first_credentials() {
        let g = code_grant();
        assert_eq!((g.v, g.expires_at), (1, Some(NOW + 300)));
        let direct = start(Start {
            id: "d".into(),
            client_id: "c".into(),
            granted: Granted::default(),
            now: NOW,
            ends_at: None,
            code: None,
            issued: Some(issued("1", Some(NOW + 60), Some(NOW + 600))),
        });
        assert_eq!((direct.v, direct.expires_at), (1, Some(NOW + 600)));
        assert_eq!(direct.access.unwrap().hash, "at-1");
    }

    #[test]
    fn the_redirect_uri_must_match_when_sent_and_may_be_omitted_only_when_unambiguous() {
        use crate::store::models::test_client;
        let code = code_grant().code.unwrap();
        let two = test_client(false, &["https://a.example/cb", "https://a.example/x"]);
        assert!(check_redirect_uri(&two, &code, Some("https://a.example/cb")).is_ok());
        let e = check_redirect_uri(&two, &code, Some("https://a.example/x")).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_grant");
        let one = test_client(false, &["https://a.example/cb"]);
        assert!(check_redirect_uri(&one, &code, None).is_ok());
        let e = check_redirect_uri(&two, &code, None).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_request");
        let not_given = CodeState {
            redirect_uri_given: false,
            ..code
        };
        assert!(
            check_redirect_uri(&two, &not_given, None).is_ok(),
            "the authorization request had none either"
        );
    }

    #[test]
    fn a_code_is_fresh_until_its_expiry_second_then_invalid() {
        let g = code_grant();
        assert!(matches!(
            code_use(&g, "code-hash", "c", NOW + 299),
            CodeUse::Fresh(_)
        ));
        assert_eq!(code_use(&g, "code-hash", "c", NOW + 300), CodeUse::Invalid);
    }

    #[test]
    fn a_code_of_another_client_or_a_wrong_code_is_invalid() {
        let g = code_grant();
        assert_eq!(code_use(&g, "code-hash", "other", NOW), CodeUse::Invalid);
        assert_eq!(code_use(&g, "guess", "c", NOW), CodeUse::Invalid);
    }

    #[test]
    fn a_redeemed_code_presented_again_is_a_replay_but_not_once_revoked() {
        let mut g = redeemed();
        assert_eq!(g.v, 2);
        assert_eq!(code_use(&g, "code-hash", "c", NOW + 1), CodeUse::Replayed);
        g.revoked_at = Some(NOW + 1);
        assert_eq!(code_use(&g, "code-hash", "c", NOW + 2), CodeUse::Invalid);
    }

    #[test]
    fn redeeming_makes_the_tokens_current_and_the_ttl_their_last_expiry() {
        let g = redeemed();
        assert_eq!(g.access.as_ref().unwrap().hash, "at-1");
        assert_eq!(g.expires_at, Some(NOW + 86400));
        assert!(live_access(&g, "at-1", NOW + 3599).is_some());
        assert!(
            live_access(&g, "at-1", NOW + 3600).is_none(),
            "expired at its exp second"
        );
    }

    #[test]
    fn a_token_that_never_expires_keeps_the_grant_forever() {
        let g = redeem_code(&code_grant(), issued("1", None, Some(NOW + 10)), None, NOW);
        assert_eq!(g.expires_at, None);
        assert!(live_access(&g, "at-1", i64::MAX).is_some());
    }

    #[test]
    fn rotation_keeps_the_previous_access_token_and_remembers_the_refresh_token() {
        let g = redeemed();
        assert_eq!(refresh_use(&g, "rt-1", "c", NOW + 10, 0), RefreshUse::Fresh);
        let g2 = rotate(
            &g,
            issued("2", Some(NOW + 3610), Some(NOW + 86410)),
            &RefreshUse::Fresh,
            NOW + 10,
        );
        assert!(
            live_access(&g2, "at-1", NOW + 11).is_some(),
            "still valid until it expires"
        );
        assert!(live_access(&g2, "at-2", NOW + 11).is_some());
        assert_eq!(
            refresh_use(&g2, "rt-2", "c", NOW + 11, 0),
            RefreshUse::Fresh
        );
        assert_eq!(
            refresh_use(&g2, "rt-1", "c", NOW + 11, 0),
            RefreshUse::Replayed
        );
        let g3 = rotate(
            &g2,
            issued("3", Some(NOW + 3620), Some(NOW + 86420)),
            &RefreshUse::Fresh,
            NOW + 20,
        );
        assert!(
            live_access(&g3, "at-1", NOW + 21).is_none(),
            "two rotations ago: gone"
        );
        assert_eq!(
            refresh_use(&g3, "rt-1", "c", NOW + 21, 0),
            RefreshUse::Invalid
        );
    }

    #[test]
    fn the_grace_period_allows_one_retry_up_to_its_last_second() {
        let g = rotate(
            &redeemed(),
            issued("2", Some(NOW + 3600), Some(NOW + 86400)),
            &RefreshUse::Fresh,
            NOW,
        );
        assert_eq!(
            refresh_use(&g, "rt-1", "c", NOW + 30, 30),
            RefreshUse::Retry
        );
        assert_eq!(
            refresh_use(&g, "rt-1", "c", NOW + 31, 30),
            RefreshUse::Replayed
        );
        assert_eq!(
            refresh_use(&g, "rt-1", "c", NOW + 1, 0),
            RefreshUse::Replayed,
            "no grace configured"
        );
        let retried = rotate(
            &g,
            issued("3", Some(NOW + 3600), Some(NOW + 86400)),
            &RefreshUse::Retry,
            NOW + 5,
        );
        assert_eq!(
            refresh_use(&retried, "rt-1", "c", NOW + 6, 30),
            RefreshUse::Replayed,
            "only once"
        );
        assert_eq!(
            refresh_use(&retried, "rt-3", "c", NOW + 6, 30),
            RefreshUse::Fresh
        );
    }

    #[test]
    fn an_expired_refresh_token_or_an_ended_grant_cannot_refresh() {
        let g = redeemed();
        assert_eq!(
            refresh_use(&g, "rt-1", "c", NOW + 86400, 0),
            RefreshUse::Invalid
        );
        let mut ended = redeemed();
        ended.ends_at = Some(NOW + 100);
        assert_eq!(
            refresh_use(&ended, "rt-1", "c", NOW + 99, 0),
            RefreshUse::Fresh
        );
        assert_eq!(
            refresh_use(&ended, "rt-1", "c", NOW + 100, 0),
            RefreshUse::Invalid
        );
        assert!(live_refresh(&ended, "rt-1", NOW + 100).is_none());
    }

    #[test]
    fn a_revoked_grant_accepts_nothing() {
        let mut g = redeemed();
        g.revoked_at = Some(NOW);
        assert!(live_access(&g, "at-1", NOW).is_none());
        assert!(live_refresh(&g, "rt-1", NOW).is_none());
        assert_eq!(refresh_use(&g, "rt-1", "c", NOW, 30), RefreshUse::Invalid);
    }

    #[test]
    fn revoking_one_access_token_keeps_the_others() {
        let g = rotate(
            &redeemed(),
            issued("2", Some(NOW + 3600), None),
            &RefreshUse::Fresh,
            NOW,
        );
        let without = without_access(&g, "at-1").unwrap();
        assert!(live_access(&without, "at-1", NOW).is_none());
        assert!(live_access(&without, "at-2", NOW).is_some());
        assert_eq!(without.v, g.v + 1);
        assert!(without_access(&g, "unknown").is_none());
    }
}
