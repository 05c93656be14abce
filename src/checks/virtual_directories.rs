//! `virtual-directories`: IIS virtual directories do nothing for an ASP.NET Core app — every
//! request under the app goes to ANCM (`path="*"`), and the app knows nothing of IIS folders
//! (ancm-reference.md §1.4 [DOC D8]; the seed article's comments). Also catches the app folder
//! itself mounted as a virtual directory instead of an application.
use super::{iis_app, Check, CheckRun, Context};
use crate::diagnostic::{Finding, Level};

pub struct VirtualDirectories;

impl Check for VirtualDirectories {
    fn id(&self) -> &'static str {
        "virtual-directories"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let (_, m) = match iis_app::app(cx) {
            Ok(found) => found,
            Err(skip) => return skip,
        };
        if !m.is_application_root() {
            return CheckRun::Findings(vec![iis_app::with_app(
                Finding::error(format!(
                    "the app folder is mounted as virtual directory `{}` of `{}`, not as an IIS application: ASP.NET Core apps cannot run from a virtual directory",
                    m.virtual_directory.path,
                    m.location_path()
                ))
                .fix("in IIS Manager, right-click the folder → Convert to Application (give it its own app pool)"),
                &m,
            )]);
        }
        let mut out = Vec::new();
        for v in m
            .application
            .virtual_directories
            .iter()
            .filter(|v| v.path != "/")
        {
            let physical = cx.host.expand(&v.physical_path);
            out.push(iis_app::with_app(
                Finding::warning(format!(
                    "virtual directory `{}` → `{}` under an ASP.NET Core app is never served by IIS: the app receives those requests and knows nothing of the folder",
                    v.path, v.physical_path
                ))
                .fix(format!(
                    "serve the folder from the app with the static files middleware and its own file provider: `app.UseStaticFiles(new StaticFileOptions {{ FileProvider = new PhysicalFileProvider(@\"{physical}\"), RequestPath = \"{}\" }})`, or make it a separate IIS application",
                    v.path
                )),
                &m,
            ));
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;

    #[test]
    fn app_without_virtual_directories_passes() {
        assert!(problems(run(
            &VirtualDirectories,
            &deployment(r"C:\apps\ShopAdmin", None),
            &host()
        ))
        .is_empty());
    }

    #[test]
    fn virtual_directory_under_the_app_suggests_static_files() {
        let f = problems(run(
            &VirtualDirectories,
            &deployment(r"C:\apps\Shop", None),
            &host(),
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert!(f[0].message.contains("`/images`"));
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap()
            .contains(r#"PhysicalFileProvider(@"\\fileserver\images")"#));
    }

    #[test]
    fn app_folder_mounted_as_a_virtual_directory_fails() {
        let f = problems(run(
            &VirtualDirectories,
            &deployment(r"\\fileserver\images", None),
            &host(),
        ));
        assert_eq!(f[0].level, Level::Error);
        assert!(f[0].message.contains("not as an IIS application"));
    }
}
