//! Unit tests of the web.config reader: encodings, positions, `<location>`, collections, and
//! hostile input that must end in a located error, never a panic.
use super::*;
use crate::deployment::web_config::{HostingModel, WebConfig, WebConfigError};

const PUBLISHED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <location path="." inheritInChildApplications="false">
    <system.webServer>
      <handlers>
        <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
      </handlers>
      <aspNetCore processPath="dotnet" arguments=".\App.dll" stdoutLogEnabled="false" stdoutLogFile=".\logs\stdout" hostingModel="inprocess" />
    </system.webServer>
  </location>
</configuration>
<!--ProjectGuid: 1b2c-->
"#;

fn ok(text: &str) -> WebConfig {
    match parse(Path::new("web.config"), text.as_bytes()) {
        Ok(wc) => wc,
        Err(e) => panic!("expected a parse, got {e}"),
    }
}

fn bad(bytes: &[u8]) -> (u32, u32, String) {
    match parse(Path::new("web.config"), bytes) {
        Err(WebConfigError::Malformed {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        Err(e) => panic!("expected Malformed, got {e}"),
        Ok(_) => panic!("expected Malformed, got a parse"),
    }
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn published_web_config_reads_fully() {
    let wc = ok(PUBLISHED);
    assert_eq!(wc.encoding, TextEncoding::Utf8);
    let loc = wc.location.as_ref().expect("location");
    assert_eq!(loc.path.as_ref().map(|l| l.value.as_str()), Some("."));
    assert_eq!(
        loc.inherit_in_child_applications
            .as_ref()
            .map(|l| l.value.as_str()),
        Some("false")
    );
    assert_eq!(wc.handlers.len(), 1);
    let h = wc.aspnetcore_handler().expect("handler");
    assert_eq!(h.modules.as_ref().unwrap().value, "AspNetCoreModuleV2");
    let s = wc.aspnetcore.as_ref().expect("section");
    assert_eq!(s.process_path.as_ref().unwrap().value, "dotnet");
    assert_eq!(s.arguments.as_ref().unwrap().value, r".\App.dll");
    assert_eq!(s.hosting_model(), Ok(HostingModel::InProcess));
    assert!(s.unknown_attributes.is_empty());
    assert!(wc.other_locations.is_empty());
    assert!(wc.duplicate_sections.is_empty());
}

#[test]
fn spans_point_at_attribute_values() {
    let wc = ok(PUBLISHED);
    let s = wc.aspnetcore.as_ref().unwrap();
    let pp = s.process_path.as_ref().unwrap();
    // Line 8: `      <aspNetCore processPath="dotnet" …`: the value starts at column 32.
    assert_eq!((pp.span.line, pp.span.column, pp.span.len), (8, 32, 6));
    let line = PUBLISHED.lines().nth(7).unwrap();
    assert_eq!(&line[31..37], "dotnet");
    assert_eq!((s.span.line, s.span.column), (8, 7));
    let loc = wc.location(pp.span);
    assert_eq!(loc.source_line.as_deref(), Some(line));
}

#[test]
fn crlf_and_bom_do_not_shift_columns() {
    let crlf = PUBLISHED.replace('\n', "\r\n");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(crlf.as_bytes());
    let wc = parse(Path::new("web.config"), &bytes).unwrap();
    assert_eq!(wc.encoding, TextEncoding::Utf8Bom);
    let pp = wc
        .aspnetcore
        .as_ref()
        .unwrap()
        .process_path
        .clone()
        .unwrap();
    assert_eq!((pp.span.line, pp.span.column, pp.span.len), (8, 32, 6));
    // The snippet line has no trailing CR.
    assert!(!wc.location(pp.span).source_line.unwrap().ends_with('\r'));
    // Column 1 of line 1 is the first character after the BOM.
    let (line, col, _) = bad(b"\xEF\xBB\xBF<configuration><a></b></configuration>");
    assert_eq!((line, col), (1, 19));
}

#[test]
fn columns_count_characters_not_bytes() {
    let wc = ok("<configuration><system.webServer><aspNetCore arguments=\"é\" processPath=\"x\"/></system.webServer></configuration>");
    let s = wc.aspnetcore.unwrap();
    let pp = s.process_path.unwrap();
    let expected = "<configuration><system.webServer><aspNetCore arguments=\"é\" processPath=\""
        .chars()
        .count() as u32
        + 1;
    assert_eq!(pp.span.column, expected);
}

#[test]
fn utf16_le_and_be_with_bom_read_like_utf8() {
    for be in [false, true] {
        let wc = parse(Path::new("web.config"), &utf16(PUBLISHED, be)).unwrap();
        assert_eq!(
            wc.encoding,
            if be {
                TextEncoding::Utf16Be
            } else {
                TextEncoding::Utf16Le
            }
        );
        let pp = wc
            .aspnetcore
            .as_ref()
            .unwrap()
            .process_path
            .clone()
            .unwrap();
        assert_eq!(pp.value, "dotnet");
        assert_eq!((pp.span.line, pp.span.column), (8, 32));
    }
}

#[test]
fn utf16_without_bom_and_binary_are_malformed_with_a_position() {
    let no_bom: Vec<u8> = utf16(PUBLISHED, false)[2..].to_vec();
    let (line, col, msg) = bad(&no_bom);
    assert_eq!((line, col), (1, 2));
    assert!(msg.contains("NUL"), "{msg}");
    let (_, _, msg) = bad(&[0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xD8]);
    assert!(msg.contains("not UTF-8"), "{msg}");
    let (_, _, msg) = bad(b"<configuration>\x01\x02</configuration>");
    assert!(msg.contains("U+0001"), "{msg}");
    let (line, col, msg) = bad(b"<configuration>\n  <a b=\"\xC3\x28\"/></configuration>");
    assert_eq!((line, col), (2, 9));
    assert!(msg.contains("not UTF-8"), "{msg}");
    // Odd byte count and an unpaired surrogate in UTF-16.
    let mut odd = utf16("<configuration/>", false);
    odd.push(b'x');
    assert!(bad(&odd).2.contains("odd number of bytes"));
    let mut lone = utf16("<configuration>", true);
    lone.extend([0xD8, 0x00, 0x00, 0x41]);
    assert!(bad(&lone).2.contains("surrogate"));
}

#[test]
fn entities_are_decoded_and_comments_ignored() {
    let wc = ok(r#"<configuration>
  <!-- <system.webServer><aspNetCore processPath="commented"/></system.webServer> -->
  <?some-pi data?>
  <system.webServer>
    <aspNetCore processPath="a&amp;b" arguments="&quot;x y&quot; &#65;&#x42; &lt;z&gt;">
      <![CDATA[ ignored ]]>
      <environmentVariables>
        <!-- a comment -->
        <environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Pro&apos;d" />
      </environmentVariables>
    </aspNetCore>
  </system.webServer>
</configuration>"#);
    let s = wc.aspnetcore.unwrap();
    assert_eq!(s.process_path.unwrap().value, "a&b");
    assert_eq!(s.arguments.unwrap().value, "\"x y\" AB <z>");
    assert_eq!(s.environment_variables.len(), 1);
    assert_eq!(s.environment_variables[0].value.value, "Pro'd");
}

#[test]
fn attribute_values_are_normalised_like_xml() {
    let wc = ok("<configuration><system.webServer><aspNetCore processPath=\"a\r\n\tb\" arguments=\"x&#10;y\"/></system.webServer></configuration>");
    let s = wc.aspnetcore.unwrap();
    assert_eq!(s.process_path.unwrap().value, "a  b");
    assert_eq!(s.arguments.unwrap().value, "x\ny");
}

#[test]
fn handlers_add_remove_clear_in_order() {
    let wc = ok(r#"<configuration><system.webServer><handlers>
  <add name="php" path="*.php" verb="*" modules="FastCgiModule" />
  <clear />
  <add name="a" path="*" verb="*" modules="AspNetCoreModuleV2" />
  <add name="b" path="*.x" verb="GET" modules="StaticFileModule" />
  <add name="c" path="*.y" verb="GET" modules="StaticFileModule" />
  <remove name="B" />
</handlers></system.webServer></configuration>"#);
    let names: Vec<_> = wc
        .handlers
        .iter()
        .map(|h| h.name.as_ref().unwrap().value.as_str())
        .collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(wc.handlers[0].span.line, 4);
}

#[test]
fn environment_variables_and_handler_settings_honour_clear() {
    let wc = ok(r#"<configuration><system.webServer>
<aspNetCore processPath="dotnet">
  <environmentVariables>
    <environmentVariable name="A" value="1" />
    <clear />
    <environmentVariable name="B" value="2" />
    <environmentVariable value="no name" />
  </environmentVariables>
  <handlerSettings>
    <handlerSetting name="debugLevel" value="FILE" />
    <handlerSetting name="shutdownDelay" value="-5" />
  </handlerSettings>
</aspNetCore></system.webServer></configuration>"#);
    let s = wc.aspnetcore.unwrap();
    let names: Vec<_> = s
        .environment_variables
        .iter()
        .map(|v| v.name.value.as_str())
        .collect();
    assert_eq!(names, ["B", ""]);
    assert_eq!(s.handler_settings.len(), 2);
    assert_eq!(
        s.handler_setting("SHUTDOWNDELAY").unwrap().value.value,
        "-5"
    );
}

#[test]
fn locations_for_other_paths_are_recorded_not_read() {
    let wc = ok(r#"<configuration>
  <location path="api">
    <system.webServer><aspNetCore processPath="other.exe"/></system.webServer>
  </location>
  <location path="" inheritInChildApplications="false">
    <system.webServer><aspNetCore processPath="dotnet"/></system.webServer>
  </location>
</configuration>"#);
    assert_eq!(wc.aspnetcore.unwrap().process_path.unwrap().value, "dotnet");
    assert_eq!(wc.location.unwrap().span.line, 5);
    assert_eq!(wc.other_locations.len(), 1);
    assert_eq!(wc.other_locations[0].path.as_ref().unwrap().value, "api");
}

#[test]
fn case_matters_and_unknown_attributes_are_kept() {
    let wc = ok(
        r#"<configuration><system.webServer><aspNetCore ProcessPath="dotnet" hostingmodel="inprocess" /></system.webServer></configuration>"#,
    );
    let s = wc.aspnetcore.unwrap();
    assert!(s.process_path.is_none());
    let unknown: Vec<_> = s
        .unknown_attributes
        .iter()
        .map(|l| l.value.as_str())
        .collect();
    assert_eq!(unknown, ["ProcessPath", "hostingmodel"]);
    assert_eq!(s.unknown_attributes[0].span.column, 46);
    let wc = ok("<configuration><System.WebServer><aspNetCore processPath=\"x\"/></System.WebServer></configuration>");
    assert!(wc.aspnetcore.is_none());
}

#[test]
fn unknown_elements_below_aspnetcore_are_kept() {
    let wc = ok(r#"<configuration><system.webServer>
<aspNetCore processPath="dotnet">
  <environmentVariables>
    <add name="A" value="1" />
    <environmentVariable name="B" value="2" />
  </environmentVariables>
  <recycleOnFileChange><file path="x.json" /></recycleOnFileChange>
  <handlerSettings><handlerSetting name="a" value="b" /></handlerSettings>
  <stdout />
</aspNetCore></system.webServer></configuration>"#);
    let s = wc.aspnetcore.unwrap();
    let unknown: Vec<_> = s
        .unknown_elements
        .iter()
        .map(|l| (l.value.as_str(), l.span.line))
        .collect();
    assert_eq!(unknown, [("environmentVariables/add", 4), ("stdout", 9)]);
    assert_eq!(s.environment_variables.len(), 1);
}

#[test]
fn duplicate_sections_are_reported() {
    let wc = ok(r#"<configuration>
<system.webServer><aspNetCore processPath="first"/></system.webServer>
<location path="."><system.webServer><aspNetCore processPath="second"/></system.webServer></location>
</configuration>"#);
    assert_eq!(wc.aspnetcore.unwrap().process_path.unwrap().value, "first");
    assert_eq!(wc.duplicate_sections.len(), 1);
    assert_eq!(wc.duplicate_sections[0].span.line, 3);
}

#[test]
fn well_formedness_errors_have_positions() {
    let (line, col, msg) = bad(b"<configuration>\n  <system.webServer>\n  </configuration>");
    assert_eq!(line, 3, "{msg}");
    assert!(msg.contains("not well-formed"), "{msg}");
    assert!(col >= 3, "{col}");
    let (line, _, msg) = bad(b"<configuration>\n  <system.webServer>\n");
    assert_eq!(line, 3);
    assert!(msg.contains("`<system.webServer>` opened at 2:3"), "{msg}");
    let (_, _, msg) =
        bad(b"<configuration><aspNetCore processPath=\"x\" processPath=\"y\"/></configuration>");
    assert!(msg.contains("twice"), "{msg}");
    let (_, _, msg) = bad(b"<configuration><a b=\"&nope;\"/></configuration>");
    assert!(msg.contains("entity"), "{msg}");
    let (_, _, msg) = bad(b"<configuration><a b=\"x<y\"/></configuration>");
    assert!(msg.contains("&lt;"), "{msg}");
    let (_, _, msg) = bad(b"<configuration/><configuration/>");
    assert!(msg.contains("second root"), "{msg}");
    let (_, _, msg) = bad(b"garbage");
    assert!(msg.contains("outside the root"), "{msg}");
    let (_, _, msg) = bad(b"");
    assert!(msg.contains("no root element"), "{msg}");
    let (_, _, msg) = bad(b"<html><body/></html>");
    assert!(msg.contains("`<html>`"), "{msg}");
    let (_, _, msg) = bad(b"<configuration><!-- a -- b --></configuration>");
    assert!(msg.contains("not well-formed"), "{msg}");
    let (_, _, msg) = bad(b"<configuration><aspNetCore processPath=\"x");
    assert!(msg.contains("not well-formed"), "{msg}");
    assert!(!msg.contains('\n'));
}

#[test]
fn deep_nesting_is_iterative() {
    let depth = 100_000;
    let mut text = String::from("<configuration>");
    text.push_str(&"<a>".repeat(depth));
    text.push_str(&"</a>".repeat(depth));
    text.push_str("</configuration>");
    ok(&text);
    // Unclosed at that depth: an error, not a stack overflow.
    let mut text = String::from("<configuration>");
    text.push_str(&"<a>".repeat(depth));
    let (_, _, msg) = bad(text.as_bytes());
    assert!(msg.contains("not closed"), "{msg}");
}

#[test]
fn a_one_megabyte_attribute_parses() {
    let big = "x".repeat(1 << 20);
    let text = format!(
        "<configuration><system.webServer><aspNetCore arguments=\"{big}\" processPath=\"dotnet\"/></system.webServer></configuration>"
    );
    let wc = ok(&text);
    let s = wc.aspnetcore.unwrap();
    assert_eq!(s.arguments.as_ref().unwrap().value.len(), 1 << 20);
    assert_eq!(s.arguments.unwrap().span.len, 1 << 20);
    assert!(s.process_path.unwrap().span.column > 1 << 20);
}

#[test]
fn read_refuses_large_files_before_reading_and_non_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("web.config");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(50 << 20).unwrap();
    match read(&p) {
        Err(WebConfigError::TooLarge { size, limit, .. }) => {
            assert_eq!(size, 50 << 20);
            assert_eq!(limit, 250 * 1024);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    std::fs::remove_file(&p).unwrap();
    std::fs::create_dir(&p).unwrap();
    let e = read(&p).unwrap_err();
    assert!(e.to_string().contains("is a folder"), "{e}");
    let missing = dir.path().join("nope.config");
    assert!(matches!(
        read(&missing),
        Err(WebConfigError::NotFound { .. })
    ));
    #[cfg(unix)]
    {
        let link = dir.path().join("dangling.config");
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        let e = read(&link).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = parse(Path::new("web.config"), &bytes);
    }

    #[test]
    fn mutated_published_config_never_panics(pos in 0usize..600, byte in proptest::num::u8::ANY) {
        let mut bytes = PUBLISHED.as_bytes().to_vec();
        let i = pos % bytes.len();
        bytes[i] = byte;
        let _ = parse(Path::new("web.config"), &bytes);
        bytes.truncate(i);
        let _ = parse(Path::new("web.config"), &bytes);
    }
}
