//! applicationHost.config parser on fixture files (any OS): sections, modules, pools with
//! defaults, sites/apps/vdirs, `<location>` authentication, locating an app by physical path.
use ancm_doctor::host::facts::HostFacts;
use ancm_doctor::host::iis_config::{self, IisConfig};

fn fixture() -> IisConfig {
    let bytes = std::fs::read("tests/fixtures/host/applicationHost.config").unwrap();
    iis_config::parse(&bytes).unwrap()
}

#[test]
fn reads_section_and_modules() {
    let c = fixture();
    let s = c
        .aspnetcore_section
        .as_ref()
        .expect("aspNetCore section declared");
    assert_eq!(s.override_mode_default.as_deref(), Some("Allow"));
    let m = c.global_module("aspnetcoremodulev2").expect("registered");
    assert_eq!(
        m.image,
        r"%ProgramFiles%\IIS\Asp.Net Core Module\V2\aspnetcorev2.dll"
    );
    assert!(c.module_enabled("AspNetCoreModuleV2"));
    assert!(c.global_module("AspNetCoreModule").is_none());
    assert!(!c.module_enabled("AspNetCoreModule"));
}

#[test]
fn pools_inherit_application_pool_defaults_written_after_them() {
    let c = fixture();
    let d = c.pool("DefaultAppPool").unwrap();
    assert_eq!(d.managed_runtime_version, "v4.0");
    assert!(
        d.load_user_profile,
        "from applicationPoolDefaults/processModel"
    );
    assert!(!d.set_profile_environment);
    assert!(!d.enable_32bit_app_on_win64);
    assert_eq!(d.identity_type, "ApplicationPoolIdentity");
    let shop = c.pool("ShopPool").unwrap();
    assert_eq!(shop.managed_runtime_version, "", "No Managed Code");
    let legacy = c.pool("LegacyPool").unwrap();
    assert!(legacy.enable_32bit_app_on_win64);
    assert!(!legacy.load_user_profile, "own processModel wins");
    assert_eq!(legacy.identity_type, "SpecificUser");
    assert_eq!(legacy.user_name.as_deref(), Some(r"CONTOSO\svc-legacy"));
    assert_eq!(legacy.environment_variables, vec!["ASPNETCORE_ENVIRONMENT"]);
}

#[test]
fn sites_apps_vdirs_bindings_and_default_pools() {
    let c = fixture();
    assert_eq!(c.sites.len(), 2);
    let dws = &c.sites[0];
    assert_eq!(dws.name, "Default Web Site");
    assert_eq!(dws.id.as_deref(), Some("1"));
    assert_eq!(dws.bindings.len(), 2);
    assert_eq!(
        dws.bindings[1].binding_information,
        "*:443:shop.contoso.com"
    );
    let paths: Vec<_> = dws
        .applications
        .iter()
        .map(|a| (a.path.as_str(), a.application_pool.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("/", "DefaultAppPool"),
            ("/shop", "ShopPool"),
            ("/shop/admin", "ShopPool")
        ]
    );
    assert_eq!(dws.applications[1].virtual_directories.len(), 2);
    assert_eq!(
        c.sites[1].applications[0].application_pool, "LegacyPool",
        "site applicationDefaults"
    );
}

#[test]
fn location_overrides_authentication_for_the_path_and_below_only() {
    let c = fixture();
    let root = c.authentication_for("Default Web Site");
    assert!(!root.windows && root.anonymous);
    let shop = c.authentication_for("Default Web Site/shop");
    assert!(shop.windows && !shop.anonymous);
    let admin = c.authentication_for("Default Web Site/shop/admin");
    assert!(admin.windows, "inherited from the parent location");
    let shopping = c.authentication_for("Default Web Site/shopping");
    assert!(!shopping.windows, "prefix must end on a segment boundary");
}

#[test]
fn finds_the_app_by_physical_path_case_slashes_and_variables() {
    let c = fixture();
    let mut facts = HostFacts::default();
    facts
        .path_variables
        .insert("SystemDrive".into(), "C:".into());
    let m = c.find_app(r"c:/APPS/shop", |s| facts.expand(s)).unwrap();
    assert_eq!(m.application.path, "/shop");
    assert!(m.is_application_root() && !m.by_folder_name);
    assert_eq!(m.location_path(), "Default Web Site/shop");
    let root = c
        .find_app(r"C:\inetpub\wwwroot\", |s| facts.expand(s))
        .unwrap();
    assert_eq!(root.application.path, "/");
    // On another machine (a snapshot used in CI) the folder name still finds it, and says so.
    let by_name = c
        .find_app("/home/ci/build/Shop", |s| facts.expand(s))
        .unwrap();
    assert!(by_name.by_folder_name);
    assert_eq!(by_name.application.path, "/shop");
    assert!(c.find_app(r"C:\nowhere", |s| facts.expand(s)).is_none());
}

#[test]
fn pool_mates_children_and_parent() {
    let c = fixture();
    let facts = HostFacts::default();
    let m = c.find_app(r"C:\apps\Shop", |s| facts.expand(s)).unwrap();
    let mates: Vec<_> = c
        .pool_mates(&m)
        .iter()
        .map(|(_, a)| a.path.clone())
        .collect();
    assert_eq!(mates, ["/shop/admin"]);
    let kids: Vec<_> = c
        .child_applications(&m)
        .iter()
        .map(|a| a.path.clone())
        .collect();
    assert_eq!(kids, ["/shop/admin"]);
    assert_eq!(c.parent_application(&m).unwrap().path, "/");
    let admin = c
        .find_app(r"C:\apps\ShopAdmin", |s| facts.expand(s))
        .unwrap();
    assert_eq!(c.parent_application(&admin).unwrap().path, "/shop");
}

#[test]
fn summarizes_web_configs() {
    let s = iis_config::summarize_web_config(
        &std::fs::read("tests/fixtures/host/web.config-inprocess").unwrap(),
    );
    assert_eq!(s.ancm_module.as_deref(), Some("AspNetCoreModuleV2"));
    assert!(s.is_in_process());
    assert!(!s.inherited_by_child_applications);
    let o = iis_config::summarize_web_config(
        &std::fs::read("tests/fixtures/host/web.config-outofprocess-inherited").unwrap(),
    );
    assert_eq!(o.ancm_module.as_deref(), Some("AspNetCoreModule"));
    assert!(!o.is_in_process());
    assert!(o.inherited_by_child_applications);
    let junk = iis_config::summarize_web_config(b"\xff\xfe\x00garbage");
    assert!(junk.ancm_module.is_none());
}

#[test]
fn utf16_and_bom_decode_and_malformed_xml_is_an_error_with_a_line() {
    let text = std::fs::read_to_string("tests/fixtures/host/applicationHost.config").unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    assert_eq!(iis_config::parse(&utf16).unwrap(), fixture());
    let err =
        iis_config::parse(b"<configuration>\n<system.webServer>\n</configuration>").unwrap_err();
    assert!(err.to_string().contains("line"), "{err}");
}

#[test]
fn snapshot_round_trips_through_json() {
    let mut facts = HostFacts::basic();
    facts.os = "windows".into();
    facts.iis = Some(ancm_doctor::host::facts::IisFacts {
        config: Some(fixture()),
        config_path: r"C:\Windows\System32\inetsrv\config\applicationHost.config".into(),
        ..Default::default()
    });
    let json = serde_json::to_string(&facts).unwrap();
    let back: HostFacts = serde_json::from_str(&json).unwrap();
    assert_eq!(back, facts);
}

#[test]
fn human_rendering_shows_pools_sites_modules_and_auth() {
    let mut facts = HostFacts::basic();
    facts.os = "windows".into();
    facts.machine_path = Some(vec![r"C:\Windows\system32".into()]);
    facts.iis = Some(ancm_doctor::host::facts::IisFacts {
        version: Some("10.0".into()),
        config: Some(fixture()),
        config_path: r"C:\Windows\System32\inetsrv\config\applicationHost.config".into(),
        app_pool_states: Some(vec![ancm_doctor::host::appcmd::AppPoolState {
            name: "LegacyPool".into(),
            state: "Stopped".into(),
        }]),
        ..Default::default()
    });
    facts.dotnet.worker_path = Some(ancm_doctor::host::facts::PathScope::Machine);
    facts.dotnet.registered = [("x64".to_string(), r"C:\Program Files\dotnet".to_string())].into();
    let text = ancm_doctor::host::render::render(&facts);
    for expected in [
        "IIS 10.0",
        "aspNetCore section: registered",
        r"global module AspNetCoreModuleV2 -> %ProgramFiles%\IIS\Asp.Net Core Module\V2\aspnetcorev2.dll (enabled)",
        "ShopPool: CLR none, 64-bit, identity ApplicationPoolIdentity",
        r"LegacyPool: CLR `v4.0`, 32-bit, identity SpecificUser (CONTOSO\svc-legacy), loadUserProfile=false",
        "Default Web Site (id 1) [http *:80:, https *:443:shop.contoso.com]",
        r"vdir /images -> \\fileserver\images",
        "Default Web Site/shop: windows on, anonymous off",
        "user PATH (not seen by app pools): (not set)",
        "env: ASPNETCORE_ENVIRONMENT; state Stopped",
        "ShopPool: CLR none, 64-bit, identity ApplicationPoolIdentity, loadUserProfile=true",
        "IIS workers search the machine PATH for `dotnet`",
        r"registered dotnet location (x64): C:\Program Files\dotnet",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn azure_app_service_without_iis_config_skips_with_its_own_reason() {
    let mut facts = HostFacts::basic();
    facts.os = "windows".into();
    facts.azure = Some(ancm_doctor::host::facts::AzureAppService {
        site_name: "shop".into(),
        instance_id: None,
        home: Some(r"D:\home".into()),
    });
    assert!(facts
        .iis_skip_reason()
        .unwrap()
        .contains("Azure App Service"));
}

proptest::proptest! {
    /// Bad input never panics: arbitrary bytes, and the fixture cut at any point.
    #[test]
    fn parser_and_summary_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512), cut in 0usize..4000) {
        let _ = iis_config::parse(&bytes);
        let _ = iis_config::summarize_web_config(&bytes);
        let _ = ancm_doctor::host::pe::file_version(&bytes);
        let fixture = std::fs::read("tests/fixtures/host/applicationHost.config").unwrap();
        let cut = cut.min(fixture.len());
        let _ = iis_config::parse(&fixture[..cut]);
        let _ = iis_config::summarize_web_config(&fixture[..cut]);
    }
}

#[test]
fn location_module_overrides_are_recorded_and_applied() {
    let text = std::fs::read_to_string("tests/fixtures/host/applicationHost.config").unwrap();
    let text = text.replace(
        "</configuration>",
        r#"<location path="Legacy"><system.webServer><modules><remove name="AspNetCoreModuleV2" /></modules></system.webServer></location>
</configuration>"#,
    );
    let c = iis_config::parse(text.as_bytes()).unwrap();
    assert_eq!(c.module_overrides.len(), 1);
    assert!(
        c.module_enabled("AspNetCoreModuleV2"),
        "server level untouched"
    );
    assert!(!c.module_enabled_for("Legacy", "AspNetCoreModuleV2"));
    assert!(!c.module_enabled_for("Legacy/sub", "AspNetCoreModuleV2"));
    assert!(c.module_enabled_for("Default Web Site/shop", "AspNetCoreModuleV2"));
    assert!(
        c.module_enabled_for("LegacyX", "AspNetCoreModuleV2"),
        "segment boundary"
    );
}
