//! `<app>.runtimeconfig.json`: what the .NET host reads from it (hostfxr.md §3.1). Parsing only;
//! resolution lives in `fx`.
use serde_json::{Map, Value};
use std::path::Path;

/// One framework reference (`framework`, an item of `frameworks`, or of `includedFrameworks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkReference {
    pub name: String,
    pub version: String,
    pub roll_forward: Option<String>,
    pub apply_patches: Option<bool>,
    pub roll_forward_on_no_candidate_fx: Option<i64>,
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
    Ok(rc)
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
    })
}
