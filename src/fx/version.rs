//! A framework version as the .NET host parses and orders it (`fx_ver`, hostfxr.md §3.4):
//! SemVer 2 `major.minor.patch[-prerelease][+build]`, numeric parts without leading zeros,
//! prerelease identifiers compared the SemVer way, build metadata ignored when comparing.
//!
//! Pure data and parsing; no I/O. Folder names under `shared/<name>/` that do not parse are
//! ignored by the host, so parse errors are typed for the callers that must report them.
use std::cmp::Ordering;
use std::fmt;
use thiserror::Error;

/// A parsed framework version. Equality and ordering ignore build metadata (as the host does),
/// `Display` prints the text back exactly as it was parsed.
#[derive(Debug, Clone)]
pub struct FxVersion {
    // Signed because the host's "no version" value is -1.-1.-1 (see `unspecified`).
    major: i64,
    minor: i64,
    patch: i64,
    /// Prerelease identifiers without the leading `-`; empty for a release.
    pre: String,
    /// Build metadata without the leading `+`; empty when absent.
    build: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VersionError {
    #[error("`{text}` is not a version: expected `major.minor.patch`")]
    MissingPart { text: String },
    #[error("`{text}` is not a version: `{part}` is not a non-negative number")]
    NotANumber { text: String, part: String },
    #[error("`{text}` is not a version: `{part}` has a leading zero")]
    LeadingZero { text: String, part: String },
    #[error("`{text}` is not a version: invalid prerelease or build identifier `{part}`")]
    BadIdentifier { text: String, part: String },
}

impl FxVersion {
    pub fn new(major: u32, minor: u32, patch: u32) -> FxVersion {
        FxVersion {
            major: major.into(),
            minor: minor.into(),
            patch: patch.into(),
            pre: String::new(),
            build: String::new(),
        }
    }

    /// Parses a version the way the host parses `shared/<name>/<version>` folder names and
    /// runtimeconfig `version` values.
    pub fn parse(text: &str) -> Result<FxVersion, VersionError> {
        let (core_and_pre, build) = match text.find('+') {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        // The prerelease starts at the first character after the patch digits; that must be '-'.
        let mut parts = core_and_pre.splitn(3, '.');
        let major = parts.next().unwrap_or_default();
        let minor = parts
            .next()
            .ok_or_else(|| VersionError::MissingPart { text: text.into() })?;
        let rest = parts
            .next()
            .ok_or_else(|| VersionError::MissingPart { text: text.into() })?;
        let patch_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (patch, pre) = rest.split_at(patch_end);
        let number = |part: &str| -> Result<i64, VersionError> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(VersionError::NotANumber {
                    text: text.into(),
                    part: part.into(),
                });
            }
            if part.len() > 1 && part.starts_with('0') {
                return Err(VersionError::LeadingZero {
                    text: text.into(),
                    part: part.into(),
                });
            }
            part.parse::<u32>()
                .map(i64::from)
                .map_err(|_| VersionError::NotANumber {
                    text: text.into(),
                    part: part.into(),
                })
        };
        let (major, minor, patch) = (number(major)?, number(minor)?, number(patch)?);
        let pre = if pre.is_empty() {
            ""
        } else {
            let Some(ids) = pre.strip_prefix('-') else {
                return Err(VersionError::BadIdentifier {
                    text: text.into(),
                    part: pre.into(),
                });
            };
            check_identifiers(text, ids, false)?;
            ids
        };
        let build = match build {
            Some(b) => {
                check_identifiers(text, b, true)?;
                b
            }
            None => "",
        };
        Ok(FxVersion {
            major,
            minor,
            patch,
            pre: pre.to_string(),
            build: build.to_string(),
        })
    }

    /// What the host holds for a reference whose version is missing or does not parse: the
    /// default `fx_ver_t`, -1.-1.-1, a release lower than every real version. The real 3.1 host
    /// resolves such a reference with `Major`/`LatestMajor` (observed in the differential tier).
    pub fn unspecified() -> FxVersion {
        FxVersion {
            major: -1,
            minor: -1,
            patch: -1,
            pre: String::new(),
            build: String::new(),
        }
    }

    pub fn major(&self) -> i64 {
        self.major
    }
    pub fn minor(&self) -> i64 {
        self.minor
    }
    pub fn patch(&self) -> i64 {
        self.patch
    }
    /// The prerelease identifiers (without `-`), empty for a release.
    pub fn prerelease(&self) -> &str {
        &self.pre
    }
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

/// Dot-separated identifiers, each non-empty `[0-9A-Za-z-]+`; in a prerelease a numeric
/// identifier has no leading zero (SemVer 2, as the host's `fx_ver` validates).
fn check_identifiers(text: &str, ids: &str, build: bool) -> Result<(), VersionError> {
    for id in ids.split('.') {
        let bad = id.is_empty()
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || (!build && id.len() > 1 && id.starts_with('0') && is_numeric(id));
        if bad {
            return Err(VersionError::BadIdentifier {
                text: text.into(),
                part: id.into(),
            });
        }
    }
    Ok(())
}

fn is_numeric(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// One prerelease identifier against another: numeric ones by value, numeric before
/// alphanumeric, otherwise ordinal.
fn compare_identifier(a: &str, b: &str) -> Ordering {
    match (is_numeric(a), is_numeric(b)) {
        // No leading zeros, so a longer digit string is a larger number (no overflow either).
        (true, true) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.as_bytes().cmp(b.as_bytes()),
    }
}

impl Ord for FxVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A release is greater than any prerelease of the same triple.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    let mut a = self.pre.split('.');
                    let mut b = other.pre.split('.');
                    loop {
                        match (a.next(), b.next()) {
                            (None, None) => return Ordering::Equal,
                            (None, Some(_)) => return Ordering::Less,
                            (Some(_), None) => return Ordering::Greater,
                            (Some(x), Some(y)) => match compare_identifier(x, y) {
                                Ordering::Equal => continue,
                                o => return o,
                            },
                        }
                    }
                }
            })
    }
}

impl PartialOrd for FxVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for FxVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for FxVersion {}

impl fmt::Display for FxVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

impl std::str::FromStr for FxVersion {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FxVersion::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> FxVersion {
        FxVersion::parse(s).unwrap()
    }

    #[test]
    fn parses_release_prerelease_and_build() {
        let x = v("3.1.23");
        assert_eq!((x.major(), x.minor(), x.patch()), (3, 1, 23));
        assert!(!x.is_prerelease());
        let p = v("5.0.0-preview.3.20214.6+abc.01");
        assert_eq!(p.prerelease(), "preview.3.20214.6");
        assert_eq!(p.to_string(), "5.0.0-preview.3.20214.6+abc.01");
        assert_eq!(v("1.2.3+build").to_string(), "1.2.3+build");
    }

    #[test]
    fn rejects_what_the_host_rejects() {
        for bad in [
            "3.1",
            "3",
            "",
            "3.1.x",
            "03.1.0",
            "3.01.0",
            "3.1.00",
            "3.1.0-",
            "3.1.0-a..b",
            "3.1.0-01",
            "3.1.0+",
            "3.1.0preview",
            "3.1.0-a_b",
            "-3.1.0",
            "3.1.0.0",
            "99999999999.0.0",
        ] {
            assert!(FxVersion::parse(bad).is_err(), "{bad} should not parse");
        }
        assert!(matches!(
            FxVersion::parse("3.1"),
            Err(VersionError::MissingPart { .. })
        ));
        assert!(matches!(
            FxVersion::parse("03.1.0"),
            Err(VersionError::LeadingZero { .. })
        ));
        // Build metadata may have leading zeros; prerelease alphanumerics may start with 0.
        assert!(FxVersion::parse("3.1.0+001").is_ok());
        assert!(FxVersion::parse("3.1.0-0abc").is_ok());
    }

    #[test]
    fn orders_like_semver() {
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1-preview.1",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "10.0.0",
        ];
        for w in ordered.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert!(v("1.0.0-Z") < v("1.0.0-a"), "ordinal, upper case first");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn identifier() -> impl Strategy<Value = String> {
            prop_oneof![
                (0u32..30).prop_map(|n| n.to_string()),
                "[a-zA-Z][a-zA-Z0-9-]{0,6}",
            ]
        }

        fn version_text() -> impl Strategy<Value = String> {
            (
                0u32..12,
                0u32..12,
                0u32..30,
                proptest::option::of(proptest::collection::vec(identifier(), 1..4)),
                proptest::option::of("[a-z0-9]{1,5}"),
            )
                .prop_map(|(a, b, c, pre, build)| {
                    let mut s = format!("{a}.{b}.{c}");
                    if let Some(p) = pre {
                        s.push('-');
                        s.push_str(&p.join("."));
                    }
                    if let Some(b) = build {
                        s.push('+');
                        s.push_str(&b);
                    }
                    s
                })
        }

        proptest! {
            #[test]
            fn display_round_trips(text in version_text()) {
                let v = FxVersion::parse(&text).unwrap();
                prop_assert_eq!(v.to_string(), text);
            }

            #[test]
            fn order_is_total_and_consistent(a in version_text(), b in version_text(), c in version_text()) {
                let (a, b, c) = (FxVersion::parse(&a).unwrap(), FxVersion::parse(&b).unwrap(), FxVersion::parse(&c).unwrap());
                // Antisymmetry and agreement with equality.
                prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
                prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
                // Transitivity.
                if a <= b && b <= c {
                    prop_assert!(a <= c);
                }
            }

            #[test]
            fn prerelease_sorts_below_its_release(a in 0u32..20, b in 0u32..20, c in 0u32..20, pre in proptest::collection::vec(identifier(), 1..4)) {
                let release = FxVersion::new(a, b, c);
                let p = FxVersion::parse(&format!("{a}.{b}.{c}-{}", pre.join("."))).unwrap();
                prop_assert!(p < release);
                prop_assert!(p.is_prerelease() && !release.is_prerelease());
                // And above the previous patch.
                if c > 0 {
                    prop_assert!(p > FxVersion::new(a, b, c - 1));
                }
            }

            #[test]
            fn never_panics_on_any_text(text in "\\PC{0,20}") {
                let _ = FxVersion::parse(&text);
            }
        }
    }
}
