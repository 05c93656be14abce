//! What ancm treats as a secret, and how one is masked in free text.
//!
//! Secrets are redacted where they are carried — evidence marked secret, the environment a
//! spawn shows, web.config snippets (`deployment::web_config::secret_values`) — not by searching
//! the whole report for every web.config value: a value such as `exit` or an `ASPNETCORE_URLS`
//! the app announces is not a credential, and replacing its letters everywhere mangled ancm's own
//! words. Free text (the app's output, an exception it printed) is searched only for real
//! credentials: the pairing token and values that [`is_credential`] recognises, matched as whole
//! words ([`mask`]).
use crate::diagnostic::REDACTED;

/// Name fragments that mark a value as a credential.
const SECRET_NAMES: [&str; 11] = [
    "PASSWORD",
    "PASSWD",
    "PWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "ACCESSKEY",
    "ACCESS_KEY",
    "PRIVATEKEY",
    "CONNECTIONSTRING",
];

/// Value fragments of connection strings and URLs that carry a credential.
const SECRET_VALUES: [&str; 6] = [
    "password=",
    "pwd=",
    "accountkey=",
    "sharedaccesskey=",
    "client_secret=",
    "secret=",
];

/// A variable that holds a credential (by its name, or a connection string or URL with one).
pub fn is_credential(name: &str, value: &str) -> bool {
    let name = name.to_ascii_uppercase();
    let value = value.trim();
    if value.is_empty() || (value.starts_with('%') && value.ends_with('%')) {
        return false; // nothing stored, or a reference to another variable
    }
    let lower = value.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| name.contains(s))
        || name.starts_with("CONNECTIONSTRINGS__")
        || name.ends_with("_KEY")
        || SECRET_VALUES.iter().any(|s| lower.contains(s))
        || url_has_password(&lower)
}

/// `scheme://user:password@host`.
fn url_has_password(value: &str) -> bool {
    value.split("://").nth(1).is_some_and(|rest| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority
            .rsplit_once('@')
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    })
}

/// `text` with every occurrence of each secret replaced by [`REDACTED`], where the occurrence
/// stands as a word of its own: the characters around it are not letters or digits (unless the
/// secret itself begins or ends with one that is not). Secrets shorter than 3 characters are
/// never searched for: they would match anything.
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.chars().count() >= 3) {
        out = mask_one(&out, secret);
    }
    out
}

fn mask_one(text: &str, secret: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let starts_word = word(secret.chars().next());
    let ends_word = word(secret.chars().next_back());
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = text[pos..].find(secret) {
        let at = pos + found;
        let end = at + secret.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        if (starts_word && word(before)) || (ends_word && word(after)) {
            // Part of a longer word: keep it and look further.
            let step = text[at..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[pos..at + step]);
            pos = at + step;
            continue;
        }
        out.push_str(&text[pos..at]);
        out.push_str(REDACTED);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        let s = vec!["exit".to_string()];
        assert_eq!(
            mask("the app exited: exit code 7", &s),
            "the app exited: *** code 7"
        );
        let s = vec!["hunter2".to_string(), "0f8fad5b-d9cb".to_string()];
        assert_eq!(
            mask("Password=hunter2; token '0f8fad5b-d9cb' hunter22", &s),
            "Password=***; token '***' hunter22"
        );
        assert_eq!(mask("ab ab", &["ab".to_string()]), "ab ab");
        // A secret that ends in punctuation still matches before a letter.
        assert_eq!(mask("x=a;b", &["=a;".to_string()]), "x***b");
    }

    #[test]
    fn credentials_by_name_and_value() {
        assert!(is_credential("DB_PASSWORD", "x"));
        assert!(is_credential("ConnectionStrings__Main", "Server=."));
        assert!(is_credential("SOME_URL", "https://u:p@host/"));
        assert!(!is_credential("ASPNETCORE_URLS", "http://127.0.0.1:5000"));
        assert!(!is_credential("MODE", "exit"));
        assert!(!is_credential("DB_PASSWORD", "%FROM_MACHINE%"));
    }
}
