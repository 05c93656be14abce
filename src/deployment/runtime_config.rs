//! `<app>.runtimeconfig.json`: what the .NET host reads from it (hostfxr.md §3.1). Parsing only;
//! resolution lives in `fx`.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Where the roll-forward settings of one object were written: setting name (`rollForward`,
/// `applyPatches`, `rollForwardOnNoCandidateFx`) → 1-based line and column of its key.
pub type SettingPositions = BTreeMap<&'static str, (u32, u32)>;

/// The settings whose position a finding may quote.
const ROLL_FORWARD_SETTINGS: [&str; 3] =
    ["rollForward", "applyPatches", "rollForwardOnNoCandidateFx"];

/// One framework reference (`framework`, an item of `frameworks`, or of `includedFrameworks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkReference {
    pub name: String,
    pub version: String,
    pub roll_forward: Option<String>,
    pub apply_patches: Option<bool>,
    pub roll_forward_on_no_candidate_fx: Option<i64>,
    /// Where this reference's own roll-forward settings are written.
    pub positions: SettingPositions,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuntimeConfig {
    pub tfm: Option<String>,
    /// `framework` then `frameworks`, concatenated as the host does.
    pub frameworks: Vec<FrameworkReference>,
    /// Written by the SDK for self-contained apps.
    pub included_frameworks: Vec<FrameworkReference>,
    pub roll_forward: Option<String>,
    pub apply_patches: Option<bool>,
    pub roll_forward_on_no_candidate_fx: Option<i64>,
    pub config_properties: Map<String, Value>,
    pub additional_probing_paths: Vec<String>,
    /// Where the `runtimeOptions` level roll-forward settings are written.
    pub positions: SettingPositions,
}

/// What a runtimeconfig says about frameworks, in the shape the host facts keep (serde): the
/// `runtimeOptions` level settings and the framework references. The same shape serves the
/// app's file and a framework folder's own `<name>.runtimeconfig.json` (`host::dotnet_install`
/// records those as facts; `fx` resolves over them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FxConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll_forward: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_patches: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll_forward_on_no_candidate_fx: Option<i64>,
    /// `framework` then `frameworks`, concatenated as the host does.
    #[serde(default)]
    pub frameworks: Vec<FxRefSpec>,
    /// `includedFrameworks` (self-contained apps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub included_frameworks: Vec<FxRefSpec>,
}

/// One framework reference as written in a runtimeconfig.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FxRefSpec {
    pub name: String,
    /// `None` when the reference has no `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll_forward: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_patches: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll_forward_on_no_candidate_fx: Option<i64>,
}

impl From<&RuntimeConfig> for FxConfig {
    fn from(rc: &RuntimeConfig) -> FxConfig {
        let spec = |r: &FrameworkReference| FxRefSpec {
            name: r.name.clone(),
            // The deployment parser keeps a missing version as "".
            version: (!r.version.is_empty()).then(|| r.version.clone()),
            roll_forward: r.roll_forward.clone(),
            apply_patches: r.apply_patches,
            roll_forward_on_no_candidate_fx: r.roll_forward_on_no_candidate_fx,
        };
        FxConfig {
            roll_forward: rc.roll_forward.clone(),
            apply_patches: rc.apply_patches,
            roll_forward_on_no_candidate_fx: rc.roll_forward_on_no_candidate_fx,
            frameworks: rc.frameworks.iter().map(spec).collect(),
            included_frameworks: rc.included_frameworks.iter().map(spec).collect(),
        }
    }
}

/// Errors reading this file: the shared host-JSON error.
pub type RuntimeConfigError = super::json_file::JsonFileError;

/// Reads and parses a runtimeconfig.json file.
pub fn read(path: &Path) -> Result<RuntimeConfig, RuntimeConfigError> {
    let bytes = std::fs::read(path).map_err(|e| RuntimeConfigError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    parse(path, &bytes)
}

/// Parses runtimeconfig.json bytes (a UTF-8 BOM is allowed, as the host allows it).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<RuntimeConfig, RuntimeConfigError> {
    let root: Value = super::json_file::parse_value(path, bytes)?;
    let schema = |message: String| RuntimeConfigError::Schema {
        path: path.to_path_buf(),
        message,
    };
    let Some(root) = root.as_object() else {
        return Err(schema("the top level is not a JSON object".into()));
    };
    let mut rc = RuntimeConfig::default();
    let Some(opts) = root.get("runtimeOptions") else {
        return Ok(rc);
    };
    let Some(opts) = opts.as_object() else {
        return Err(schema("`runtimeOptions` is not an object".into()));
    };
    rc.tfm = opts.get("tfm").and_then(Value::as_str).map(str::to_string);
    rc.roll_forward = opts
        .get("rollForward")
        .and_then(Value::as_str)
        .map(str::to_string);
    rc.apply_patches = opts.get("applyPatches").and_then(Value::as_bool);
    rc.roll_forward_on_no_candidate_fx = opts
        .get("rollForwardOnNoCandidateFx")
        .and_then(Value::as_i64);
    if let Some(fw) = opts.get("framework") {
        rc.frameworks
            .push(reference(fw).map_err(|m| schema(format!("`framework`: {m}")))?);
    }
    for (key, target) in [
        ("frameworks", &mut rc.frameworks),
        ("includedFrameworks", &mut rc.included_frameworks),
    ] {
        if let Some(list) = opts.get(key) {
            let Some(list) = list.as_array() else {
                return Err(schema(format!("`{key}` is not an array")));
            };
            for item in list {
                target.push(reference(item).map_err(|m| schema(format!("`{key}`: {m}")))?);
            }
        }
    }
    if let Some(props) = opts.get("configProperties").and_then(Value::as_object) {
        rc.config_properties = props.clone();
    }
    match opts.get("additionalProbingPaths") {
        Some(Value::String(s)) => rc.additional_probing_paths.push(s.clone()),
        Some(Value::Array(a)) => rc
            .additional_probing_paths
            .extend(a.iter().filter_map(Value::as_str).map(str::to_string)),
        _ => {}
    }
    locate_settings(bytes, &mut rc);
    Ok(rc)
}

/// Finds where the roll-forward settings are written (serde_json keeps no positions), so a
/// finding can point at the `rollForward` that refused a framework. Best effort: a text the
/// span parser cannot read leaves the positions empty.
fn locate_settings(bytes: &[u8], rc: &mut RuntimeConfig) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(parsed) = jsonc_parser::parse_to_ast(
        text,
        &jsonc_parser::CollectOptions::default(),
        &jsonc_parser::ParseOptions::default(),
    ) else {
        return;
    };
    let Some(opts) = parsed
        .value
        .as_ref()
        .and_then(|v| v.as_object())
        .and_then(|o| o.get_object("runtimeOptions"))
    else {
        return;
    };
    let positions = |o: &jsonc_parser::ast::Object<'_>| -> SettingPositions {
        ROLL_FORWARD_SETTINGS
            .into_iter()
            .filter_map(|k| o.get(k).map(|p| (k, line_col(text, p.range.start))))
            .collect()
    };
    rc.positions = positions(opts);
    // The same order as `frameworks` was filled: `framework`, then `frameworks`.
    let mut objects: Vec<&jsonc_parser::ast::Object<'_>> = Vec::new();
    if let Some(o) = opts.get_object("framework") {
        objects.push(o);
    }
    if let Some(list) = opts.get_array("frameworks") {
        objects.extend(list.elements.iter().filter_map(|e| e.as_object()));
    }
    for (reference, o) in rc.frameworks.iter_mut().zip(objects) {
        reference.positions = positions(o);
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line as u32, column as u32)
}

fn reference(v: &Value) -> Result<FrameworkReference, String> {
    let o = v
        .as_object()
        .ok_or("a framework reference is not an object")?;
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .ok_or("a framework reference has no `name`")?;
    Ok(FrameworkReference {
        name: name.to_string(),
        version: o
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        roll_forward: o
            .get("rollForward")
            .and_then(Value::as_str)
            .map(str::to_string),
        apply_patches: o.get("applyPatches").and_then(Value::as_bool),
        roll_forward_on_no_candidate_fx: o
            .get("rollForwardOnNoCandidateFx")
            .and_then(Value::as_i64),
        positions: SettingPositions::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roll_forward_settings_are_located() {
        let text = "\u{feff}{\n  \"runtimeOptions\": {\n    \"rollForward\": \"Disable\",\n    \"frameworks\": [\n      { \"name\": \"A\", \"version\": \"1.0.0\" },\n      { \"name\": \"B\", \"version\": \"1.0.0\", \"applyPatches\": false }\n    ]\n  }\n}\n";
        let rc = parse(Path::new("App.runtimeconfig.json"), text.as_bytes()).unwrap();
        assert_eq!(rc.positions.get("rollForward"), Some(&(3, 5)));
        assert!(rc.frameworks[0].positions.is_empty());
        assert_eq!(
            rc.frameworks[1].positions.get("applyPatches"),
            Some(&(6, 42))
        );
    }
}
