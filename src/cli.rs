//! Command-line definitions and dispatch. The only module that knows about terminals, colour
//! policy and exit codes.
use crate::checks::{self, Context};
use crate::deployment::{Deployment, WebConfigState};
use crate::host::HostFacts;
use crate::report::{self, RenderOptions, Report};
use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  no check failed (warnings allowed unless --strict; accepted findings never count)
  1  at least one check failed (or warned, with --strict) — a malformed web.config (500.19) too
  2  ancm could not do its job: bad arguments, a missing folder, an unreadable snapshot or baseline
  130  doctor was interrupted (Ctrl-C) during its live probe: the static results are printed";

const FIX_EXIT_CODES_HELP: &str = "\
Exit codes:
  0  nothing to fix (web.config already says what publish would write), or --write made the change
  1  a change is proposed (the diff is printed; nothing was written, or --confirm was not answered y)
  2  ancm could not do its job: a missing folder or web.config, a web.config it cannot read,
     or (--write) the file changed since it was read: nothing written";

/// What a run ended in. The numbers are a contract (README, `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: no check failed (warnings allowed unless `--strict`).
    Success,
    /// 1: at least one check failed (or warned, with `--strict`).
    Failure,
    /// 2: ancm could not do its job (bad arguments, unreadable input).
    Error,
    /// 130 (128 + SIGINT, the shell's convention): `doctor` was interrupted during its live
    /// probe; the report printed holds the static results and the probe as interrupted.
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
            ExitStatus::Interrupted => 130,
        }
    }
}

#[derive(Debug, Parser)]
#[command(name = "ancm", version = env!("ANCM_LONG_VERSION"), about = "Tells why an ASP.NET Core app behind IIS fails, and proves it", after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a published app folder (and this machine) for what makes IIS fail
    Doctor(DoctorArgs),
    /// Run the app under the ANCM emulator and show a live timeline
    Run(RunArgs),
    /// Correct web.config the way publish would write it for this folder: a diff, or `--write`
    #[command(after_help = FIX_EXIT_CODES_HELP)]
    Fix(FixArgs),
    /// Explain a check id, an HTTP substatus (502.5), an HRESULT or a .NET host exit code
    Explain {
        /// e.g. `process-path`, `502.5`, `0x80008096`, `-2147450730`, `150`; several are
        /// explained in turn; `-` reads one pasted message (an event-log or IIS-log line) from stdin
        #[arg(allow_hyphen_values = true, required = true, num_args = 1..)]
        code: Vec<String>,
    },
    /// List every check: id, severity and title
    Checks(ChecksArgs),
    /// Print the facts ancm gathers about this machine (the snapshot format for `doctor --host`)
    Host(HostArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `ancm man > /usr/local/share/man/man1/ancm.1`
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// For people: the summary first, then the problems
    #[default]
    Human,
    /// One JSON document (schema `ancm-doctor/1`, see README)
    Json,
    /// SARIF 2.1.0, for code scanning (`doctor` only)
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request (`doctor` only)
    Github,
    /// JUnit XML, one testcase per check (`doctor` only)
    Junit,
}

impl Format {
    /// Formats whose stdout a program reads: never coloured, errors as a JSON object too.
    pub fn is_machine(self) -> bool {
        self != Format::Human
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colour (NO_COLOR, FORCE_COLOR and CLICOLOR_FORCE are honoured with `auto`)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print secrets (the pairing token, web.config environment values) instead of `***`
    #[arg(long)]
    pub show_secrets: bool,
    /// Show passing checks and their notes too
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Only the problems and the summary; no progress
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The published app folder (the IIS physical path). Without it, on a machine (or a
    /// `--host` snapshot) with IIS: every ASP.NET Core app of the server; else the current folder
    pub app_dir: Option<PathBuf>,
    /// Every ASP.NET Core app of these IIS sites (repeat or comma-separate), each checked in its
    /// own folder with its own pool
    #[arg(
        long,
        value_name = "NAME",
        value_delimiter = ',',
        conflicts_with = "app_dir"
    )]
    pub site: Vec<String>,
    /// Every ASP.NET Core app of every IIS site (the default without APP_DIR when IIS is there)
    #[arg(long, conflicts_with_all = ["app_dir", "site"])]
    pub all: bool,
    /// Read IIS's sites, pools and modules from this applicationHost.config instead of the
    /// machine's (or the snapshot's)
    #[arg(long, value_name = "FILE")]
    pub iis_config: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Exit 1 on warnings too
    #[arg(long)]
    pub strict: bool,
    /// Only static checks: do not start the app
    #[arg(long = "static")]
    pub static_only: bool,
    /// Use a saved host snapshot (`ancm host --format json`) instead of probing this machine;
    /// `none` judges the app alone (the machine checks are skipped)
    #[arg(long, value_name = "FILE|none")]
    pub host: Option<PathBuf>,
    /// Also ask the live site (one GET) and match its answer (ANCM's and IIS's error pages) with
    /// the findings
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// With `--url`: accept an invalid or self-signed TLS certificate
    #[arg(long, requires = "url")]
    pub insecure: bool,
    /// With `--url`: seconds to wait for the whole answer
    #[arg(long, value_name = "SECS", default_value_t = 10, requires = "url")]
    pub timeout: u64,
    /// Run and report only these checks (ids, comma-separated or repeated)
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Do not run these checks (ids, comma-separated or repeated)
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// The baseline of accepted findings (default: `ancm.toml` in the app folder, if present)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// The published app folder (the IIS physical path)
    #[arg(default_value = ".")]
    pub app_dir: PathBuf,
    /// Make the change: `web.config.bak-<timestamp>` first, then the new file atomically (and
    /// the stdout log folder); refused if web.config changes meanwhile
    #[arg(long)]
    pub write: bool,
    /// With `--write`: show the diff first and write only after `y` on stdin (anything else
    /// writes nothing); the file is compared with what the diff was made from after the answer
    #[arg(long, requires = "write")]
    pub confirm: bool,
    /// Judge the module against a saved host snapshot (`ancm host --format json`) instead of
    /// this machine; `none`: no machine facts (ANCM V2 assumed)
    #[arg(long, value_name = "FILE|none")]
    pub host: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Output format (`human` or `json`)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[arg(default_value = ".")]
    pub app_dir: PathBuf,
    /// Print a live timeline of the process and every request
    #[arg(long)]
    pub trace: bool,
    /// Where the proxy listens
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Seconds a client may take to send its request line and headers before the connection is
    /// dropped, as HTTP.sys's HeaderWait does in front of IIS (default 120; 0 = never)
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub header_wait: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct HostArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    /// Write to FILE (UTF-8, atomically) instead of stdout — on Windows PowerShell 5.1 `>` would
    /// write UTF-16 (which `doctor --host` reads too)
    #[arg(long = "output", short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                ExitStatus::Error.code()
            } else {
                0
            });
        }
    };
    let machine = cli.command.format().is_machine();
    match run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let message = error_message(&e);
            if machine {
                // A pipeline reading stdout gets a document it can parse, not an empty stream.
                println!("{}", report::json::error_document(&message));
            }
            eprintln!("error: {message}");
            ExitCode::from(ExitStatus::Error.code())
        }
    }
}

/// The error and its causes, as `{:#}` prints them, without a cause the message before it already
/// ends with: the library errors say their cause in their own message (they are shown alone too,
/// as a check's skip reason) and also carry it as `source` (`path: File name too long (os error
/// 36): File name too long (os error 36)` otherwise).
fn error_message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

impl Command {
    /// The output format the command was asked for.
    pub fn format(&self) -> Format {
        match self {
            Command::Doctor(a) => a.output.format,
            Command::Run(a) => a.output.format,
            Command::Fix(_) => Format::Human,
            Command::Host(a) => a.output.format,
            Command::Checks(a) => a.format,
            Command::Explain { .. } | Command::Completions { .. } | Command::Man => Format::Human,
        }
    }
}

/// `--format sarif|github|junit` are report formats: only `doctor` makes a report.
fn require_report_format(command: &str, format: Format) -> Result<()> {
    if matches!(format, Format::Human | Format::Json) {
        return Ok(());
    }
    anyhow::bail!(
        "`--format {}` is a report format for `ancm doctor`; `ancm {command}` prints `human` or `json`",
        format
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    )
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Doctor(args) => doctor(args),
        Command::Run(args) => run_app(args),
        Command::Fix(args) => fix(args),
        Command::Explain { code } => explain_all(&code),
        Command::Checks(args) => list_checks(args),
        Command::Host(args) => host(args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "ancm", &mut out);
            print_out(&String::from_utf8_lossy(&out))?;
            Ok(ExitStatus::Success)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            print_out(&String::from_utf8_lossy(&out))?;
            Ok(ExitStatus::Success)
        }
    }
}

/// Colour decision, first match wins: `--color`, a non-empty `NO_COLOR`, `FORCE_COLOR` /
/// `CLICOLOR_FORCE`, else whether stdout is a terminal. JSON is never coloured.
pub fn resolve_color(choice: ColorChoice, format: Format) -> bool {
    if format.is_machine() {
        return false;
    }
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
            if set("NO_COLOR") {
                false
            } else if set("FORCE_COLOR") || set("CLICOLOR_FORCE") {
                true
            } else {
                std::io::stdout().is_terminal()
            }
        }
    }
}

fn render_options(o: &OutputArgs) -> RenderOptions {
    let color = resolve_color(o.color, o.format);
    // Glyphs follow colour: a terminal (or a forced one) gets ✓ ⚠ ✗, pipes and logs get ASCII.
    RenderOptions {
        show_secrets: o.show_secrets,
        color,
        unicode: color,
        verbose: o.verbose,
        quiet: o.quiet,
        strict: false,
    }
}

fn print_out(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n")?;
    }
    stdout.flush()?;
    Ok(())
}

fn load_host(path: Option<&PathBuf>) -> Result<(HostFacts, String)> {
    match path {
        None => Ok((HostFacts::probe(), report::HOST_PROBE.to_string())),
        Some(p) if p.as_os_str() == report::HOST_NONE => {
            Ok((HostFacts::default(), report::HOST_NONE.to_string()))
        }
        Some(p) => {
            let facts = crate::host::snapshot::read(p)?;
            Ok((facts, p.display().to_string()))
        }
    }
}

fn doctor(args: DoctorArgs) -> Result<ExitStatus> {
    let started = std::time::Instant::now();
    let mut opts = render_options(&args.output);
    opts.strict = args.strict;
    let printer = std::sync::Arc::new(crate::printer::Printer::new(
        args.output.quiet,
        args.output.format.is_machine(),
    ));
    let selection = report::select::Selection::new(&args.only, &args.skip)?;
    // A named folder is read first: its error wins over the snapshot's, as it always did.
    let deployment = match &args.app_dir {
        Some(dir) => Some(Deployment::load(dir)?),
        None => None,
    };
    let (mut host, host_source) = load_host(args.host.as_ref())?;
    if let Some(path) = &args.iis_config {
        apply_iis_config(&mut host, path)?;
    }
    let deployment = match deployment {
        Some(d) => d,
        None if args.all || !args.site.is_empty() || host.iis.is_some() => {
            return doctor_server(
                &args,
                &host,
                host_source,
                &opts,
                &printer,
                &selection,
                started,
            );
        }
        // No IIS here: the current folder, as before servers were known.
        None => Deployment::load(std::path::Path::new("."))?,
    };
    doctor_folder(
        &args,
        &deployment,
        &host,
        host_source,
        &opts,
        &printer,
        &selection,
        started,
    )
}

/// `--iis-config FILE`: IIS's configuration from this file, in place of the machine's or the
/// snapshot's. The rest of the facts (module files, dotnet, PATH) stay as they were.
fn apply_iis_config(host: &mut HostFacts, path: &std::path::Path) -> Result<()> {
    let bytes =
        crate::deployment::json_file::read_bounded(path, crate::host::snapshot::MAX_SNAPSHOT)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cfg = crate::host::iis_config::parse(&bytes).map_err(|e| match e {
        crate::host::iis_config::IisConfigError::Malformed { line, message } => {
            anyhow::anyhow!(
                "{}:{line}: not an applicationHost.config: {message}",
                path.display()
            )
        }
        other => anyhow::anyhow!("{}: not an applicationHost.config: {other}", path.display()),
    })?;
    let iis = host.iis.get_or_insert_with(Default::default);
    iis.config_path = path.display().to_string();
    iis.config = Some(cfg);
    iis.config_error = None;
    Ok(())
}

/// One folder's diagnosis: the report and whether Ctrl-C stopped its live probe.
struct Diagnosed {
    report: Report,
    interrupted: bool,
}

/// Every check, the live probe (unless `--static`), the evidence, `--url` and the baseline over
/// one app folder. Shared by the single-folder and the server report.
#[allow(clippy::too_many_arguments)]
fn diagnose(
    args: &DoctorArgs,
    deployment: &Deployment,
    baseline: Option<&report::baseline::Baseline>,
    host: &HostFacts,
    host_source: &str,
    printer: &std::sync::Arc<crate::printer::Printer>,
    selection: &report::select::Selection,
    started: std::time::Instant,
) -> Diagnosed {
    // The facts are this machine's: a muxer folder only `processPath` names is read too.
    let named = args
        .host
        .is_none()
        .then(|| {
            crate::contract::Plan::of(deployment, host)
                .muxer_root_not_in_facts()
                .map(str::to_string)
        })
        .flatten();
    let completed;
    let host = match named {
        Some(root) => {
            let mut h = host.clone();
            crate::host::dotnet_install::add_process_path_root(&mut h.dotnet, &root, &host.os);
            completed = h;
            &completed
        }
        None => host,
    };
    let cx = Context::new(deployment, host);
    let mut results: Vec<crate::diagnostic::CheckResult> = checks::REGISTRY
        .iter()
        .filter(|c| selection.includes(c.id()))
        .map(|c| checks::run_one(*c, &cx))
        .collect();
    // Each finding a web.config edit fixes names the `ancm fix` that makes it (nothing written).
    crate::fix::annotate(deployment, host, args.host.as_deref(), &mut results);
    let mut interrupted = false;
    let live = if args.static_only || !selection.includes(crate::live::probe::PROBE_CHECK_ID) {
        report::LiveProbeRun::Skipped
    } else {
        let stand = crate::live::stand::Stand::of(
            &cx,
            &results,
            args.host.as_ref().map(|p| p.display().to_string()),
        );
        match live_probe(deployment, &args.output, printer, stand, &mut results) {
            Probed::Ran => report::LiveProbeRun::Ran,
            Probed::Interrupted => {
                interrupted = true;
                report::LiveProbeRun::Ran
            }
            Probed::NotPossible => report::LiveProbeRun::NotPossible,
        }
    };
    let gathered = crate::evidence::gather(&crate::evidence::Scope {
        deployment,
        host,
        this_machine: args.host.is_none(),
    });
    crate::evidence::attach(&mut results, &gathered);
    if let Some(url) = &args.url {
        let opts = crate::live::site::FetchOptions {
            insecure: args.insecure,
            timeout: std::time::Duration::from_secs(args.timeout.clamp(1, 600)),
        };
        let site = match crate::live::site::fetch(url, opts) {
            Ok(answer) => crate::live::site::correlate(&answer, &results),
            Err(why) => crate::live::site::unreachable(&why),
        };
        match results.iter_mut().find(|r| r.id == site.id) {
            Some(slot) => *slot = site,
            None => results.push(site),
        }
    }
    // Evidence may add results of its own: `--only` / `--skip` apply to those too.
    results.retain(|r| selection.includes(&r.id));
    // Ids first: a baseline may name a finding by its id.
    report::ids::assign(&deployment.app_dir, &mut results);
    if let Some(b) = baseline {
        for (entry, used) in b.entries.iter().zip(b.apply(&mut results)) {
            if used == 0 && selection.includes(&entry.check) {
                printer.error(&format!(
                    "note: {}: the entry for `{}` accepts nothing in this report (stale?)",
                    b.path.display(),
                    entry.check
                ));
            }
        }
    }
    let report = Report::new(deployment.app_dir.clone(), host_source.to_string(), results)
        .with_live_probe(live)
        .with_duration(started.elapsed());
    Diagnosed {
        report,
        interrupted,
    }
}

#[allow(clippy::too_many_arguments)]
fn doctor_folder(
    args: &DoctorArgs,
    deployment: &Deployment,
    host: &HostFacts,
    host_source: String,
    opts: &RenderOptions,
    printer: &std::sync::Arc<crate::printer::Printer>,
    selection: &report::select::Selection,
    started: std::time::Instant,
) -> Result<ExitStatus> {
    let baseline = report::baseline::Baseline::find(&deployment.app_dir, args.config.as_deref())?;
    let Diagnosed {
        report,
        interrupted,
    } = diagnose(
        args,
        deployment,
        baseline.as_ref(),
        host,
        &host_source,
        printer,
        selection,
        started,
    );
    let text = match args.output.format {
        Format::Human => report::human::render(&report, opts),
        Format::Json => report::json::render(&report, opts),
        Format::Sarif => report::sarif::render(&report, opts),
        Format::Github => report::github::render(&report, opts),
        Format::Junit => report::junit::render(&report, opts),
    };
    printer.stdout(&text)?;
    if interrupted {
        printer.error("interrupted: the live probe was stopped by Ctrl-C, and the app with it");
        return Ok(ExitStatus::Interrupted);
    }
    // A web.config IIS cannot read is a diagnosis (500.19, a failed `web-config` check, exit 1),
    // not a failure of ancm: the report says where and why, and so does one line on stderr for
    // a log that only shows stderr.
    if let WebConfigState::Invalid(e) = &deployment.web_config {
        printer.error(&format!("error: {e}"));
    }
    let s = report.summary;
    Ok(if s.failed > 0 || (args.strict && s.warned > 0) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// `ancm fix`: the diff on stdout (a patch file when redirected), what it does and why on
/// stderr; with `--write` the backup, the replacement and the folders.
fn fix(args: FixArgs) -> Result<ExitStatus> {
    let (host, _) = load_host(args.host.as_ref())?;
    let proposal = crate::fix::propose(&args.app_dir, &host)?;
    let shown = crate::deployment::shown(&proposal.path);
    let printer = crate::printer::Printer::new(false, false);
    for note in &proposal.plan.notes {
        printer.error(&format!("note: {note}"));
    }
    if proposal.is_empty() {
        printer.error(&format!(
            "nothing to fix: `{shown}` already says what publish writes for this folder"
        ));
        if !proposal.remaining.is_empty() {
            printer.error(&format!(
                "`ancm doctor` still reports {} problem(s) that no web.config change fixes",
                proposal.remaining.len()
            ));
        }
        return Ok(ExitStatus::Success);
    }
    let diff = proposal.diff();
    if !diff.is_empty() {
        printer.stdout(&diff)?;
    }
    for (rel, abs) in proposal.plan.folders.iter().zip(&proposal.folders) {
        printer.error(&format!(
            "create folder `.\\{}` (stdout logging is on and writes there): `{}`",
            rel.replace('/', "\\"),
            crate::deployment::shown(abs)
        ));
    }
    for f in &proposal.fixed {
        printer.error(&format!("fixes [{}] {}", f.check, f.message));
    }
    if !args.write {
        printer.error(&format!(
            "nothing written: `ancm fix --write {}` makes this change (after a backup `web.config.bak-<timestamp>`)",
            crate::deployment::shown(&args.app_dir)
        ));
        return Ok(ExitStatus::Failure);
    }
    if args.confirm {
        eprint!("write this change? [y/N] ");
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .context("reading the answer from stdin")?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            printer.error("nothing written");
            return Ok(ExitStatus::Failure);
        }
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let written = crate::fix::write::commit(
        &proposal.path,
        &proposal.original,
        &proposal.new_bytes,
        &proposal.folders,
        &stamp,
    )?;
    printer.error(&format!(
        "wrote `{shown}` (the original is `{}`)",
        crate::deployment::shown(&written.backup)
    ));
    for f in &written.folders {
        printer.error(&format!("created `{}`", crate::deployment::shown(f)));
    }
    Ok(ExitStatus::Success)
}

/// Every ASP.NET Core app of the server (`--all`, `--site`, or no APP_DIR with IIS here): each
/// application whose handler is ANCM, checked in its own folder (so with its own pool, which the
/// IIS checks find by that folder), one report grouped by app with the server summary first.
#[allow(clippy::too_many_arguments)]
fn doctor_server(
    args: &DoctorArgs,
    host: &HostFacts,
    host_source: String,
    opts: &RenderOptions,
    printer: &std::sync::Arc<crate::printer::Printer>,
    selection: &report::select::Selection,
    started: std::time::Instant,
) -> Result<ExitStatus> {
    use crate::server::report::{AppEntry, AppOutcome, ServerReport};
    if !matches!(args.output.format, Format::Human | Format::Json) {
        anyhow::bail!(
            "the server report (every app, `--site`, `--all`) prints `human` or `json`; for `{}` name one app folder",
            args.output
                .format
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        );
    }
    if args.url.is_some() {
        anyhow::bail!(
            "`--url` asks one site: name its app folder too (`ancm doctor APP_DIR --url URL`)"
        );
    }
    let Some(cfg) = host.iis_config() else {
        anyhow::bail!(
            "no IIS configuration to list the server's apps from: {}; or pass `--iis-config applicationHost.config`",
            host.iis_skip_reason()
                .unwrap_or_else(|| "the host facts hold none".into())
        );
    };
    let listed = crate::server::apps::enumerate(
        cfg,
        &args.site,
        |p| host.expand(p),
        crate::server::summary_reader,
    )?;
    let (ancm, others): (Vec<_>, Vec<_>) = listed.into_iter().partition(|a| a.is_ancm());
    let this_machine = args.host.is_none();
    let mut entries = Vec::new();
    let mut interrupted = false;
    for app in ancm {
        if interrupted {
            break;
        }
        let inherited = match &app.handler {
            crate::server::apps::Handler::Inherited { from, .. } => Some(from.clone()),
            _ => None,
        };
        let outcome = match Deployment::load(std::path::Path::new(&app.folder)) {
            Err(e) if this_machine => AppOutcome::Unreadable(e.to_string()),
            Err(e) => AppOutcome::NotHere(format!(
                "{e} on this machine (the facts are the snapshot's)"
            )),
            Ok(deployment)
                if matches!(deployment.web_config, WebConfigState::Missing)
                    && inherited.is_some() =>
            {
                AppOutcome::InheritedOnly {
                    from: inherited.unwrap_or_default(),
                }
            }
            Ok(deployment) => {
                match report::baseline::Baseline::find(&deployment.app_dir, args.config.as_deref())
                {
                    Err(e) => AppOutcome::Unreadable(e.to_string()),
                    Ok(baseline) => {
                        let d = diagnose(
                            args,
                            &deployment,
                            baseline.as_ref(),
                            host,
                            &host_source,
                            printer,
                            selection,
                            std::time::Instant::now(),
                        );
                        interrupted = d.interrupted;
                        if let WebConfigState::Invalid(e) = &deployment.web_config {
                            printer.error(&format!("error: {e}"));
                        }
                        AppOutcome::Checked(Box::new(d.report))
                    }
                }
            }
        };
        entries.push(AppEntry { app, outcome });
    }
    let server = ServerReport {
        host: host_source,
        iis_config: host
            .iis
            .as_ref()
            .map(|i| i.config_path.clone())
            .unwrap_or_default(),
        sites: args.site.clone(),
        apps: entries,
        others,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        strict: args.strict,
    };
    let text = match args.output.format {
        Format::Json => crate::server::report::render_json(&server, opts),
        _ => crate::server::report::render_human(&server, opts),
    };
    printer.stdout(&text)?;
    if interrupted {
        printer.error("interrupted: the live probe was stopped by Ctrl-C, and the app with it; the apps after it were not checked");
        return Ok(ExitStatus::Interrupted);
    }
    Ok(if server.failed() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// How the live probe went, for the exit code and the report.
enum Probed {
    Ran,
    /// Web.config cannot tell how to start the app (the static checks say why).
    NotPossible,
    /// Ctrl-C came first: the app's process groups are killed and the probe's result says so.
    Interrupted,
}

/// Replaces the catalog placeholder of the live probe with the probe's result, unless web.config
/// cannot tell how to start the app.
fn live_probe(
    deployment: &Deployment,
    output: &OutputArgs,
    printer: &std::sync::Arc<crate::printer::Printer>,
    stand: crate::live::stand::Stand,
    results: &mut Vec<crate::diagnostic::CheckResult>,
) -> Probed {
    let WebConfigState::Parsed(wc) = &deployment.web_config else {
        return Probed::NotPossible;
    };
    let Ok(cfg) = crate::live::LiveConfig::from_web_config(&deployment.app_dir, wc) else {
        return Probed::NotPossible;
    };
    let status: Option<crate::live::probe::StatusSink> = match printer.progress {
        crate::printer::Progress::Off => None,
        _ => {
            let printer = printer.clone();
            Some(std::sync::Arc::new(move |line: &str, update: bool| {
                if update {
                    printer.status_update(line)
                } else {
                    printer.status(line)
                }
            }))
        }
    };
    let opts = crate::live::ProbeOptions {
        status,
        show_secrets: output.show_secrets,
    };
    let Some(mut probed) = probe_unless_interrupted(cfg, opts, stand) else {
        let id = crate::live::PROBE_CHECK_ID;
        let interrupted = crate::diagnostic::CheckResult::skipped(
            id,
            crate::catalog::title(id),
            "interrupted by Ctrl-C before the probe finished; the app was stopped",
        );
        match results.iter_mut().find(|r| r.id == id) {
            Some(slot) => *slot = interrupted,
            None => results.push(interrupted),
        }
        return Probed::Interrupted;
    };
    for p in &mut probed {
        crate::live::explain::defer_to_static(p, results);
    }
    for p in probed {
        match results.iter_mut().find(|r| r.id == p.id) {
            Some(slot) => *slot = p,
            None => results.push(p),
        }
    }
    Probed::Ran
}

/// Runs the probe on its own thread while this one waits for it or for Ctrl-C. On Ctrl-C every
/// process group the probe started is killed (no child outlives `ancm`) and `None` comes back;
/// the probe's thread is left to end with the process.
fn probe_unless_interrupted(
    cfg: crate::live::LiveConfig,
    opts: crate::live::ProbeOptions,
    stand: crate::live::stand::Stand,
) -> Option<Vec<crate::diagnostic::CheckResult>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(crate::live::probe::probe_for(cfg, opts, &stand));
    });
    // A probe that died (its sender dropped) is a skipped probe, not an interruption.
    let died = || {
        let id = crate::live::PROBE_CHECK_ID;
        vec![crate::diagnostic::CheckResult::skipped(
            id,
            crate::catalog::title(id),
            "the probe stopped unexpectedly",
        )]
    };
    let Ok(waiter) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        // No runtime to wait with: wait without Ctrl-C handling.
        return Some(rx.blocking_recv().unwrap_or_else(|_| died()));
    };
    let outcome = waiter.block_on(async {
        tokio::select! {
            probed = rx => Some(probed.unwrap_or_else(|_| died())),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    if outcome.is_none() {
        crate::live::process::kill_all_for_exit();
    }
    outcome
}

/// `ancm run`: the emulator as a long-running session (a timeline with `--trace`).
fn run_app(args: RunArgs) -> Result<ExitStatus> {
    require_report_format("run", args.output.format)?;
    let deployment = Deployment::load(&args.app_dir)?;
    let wc = match &deployment.web_config {
        WebConfigState::Parsed(wc) => wc,
        WebConfigState::Missing => anyhow::bail!(
            "{}: no web.config, so there is nothing to start (`ancm doctor` explains)",
            deployment.app_dir.display()
        ),
        WebConfigState::Invalid(e) => anyhow::bail!("{e}"),
    };
    let mut cfg = crate::live::LiveConfig::from_web_config(&deployment.app_dir, wc)
        .with_context(|| format!("{}: cannot start the app", wc.path.display()))?;
    // Read-only for the deployment: stdout logs go to a folder ancm creates, never where
    // web.config points. It is kept (each `stdout` trace event names the file): in a long
    // session those files are what the operator reads.
    if cfg.stdout_log_enabled {
        let scratch = tempfile::Builder::new()
            .prefix("ancm-run-stdout-")
            .tempdir()
            .context("cannot create a scratch folder for the app's stdout log")?;
        cfg.stdout_scratch = Some(scratch.keep());
    }
    cfg.header_wait =
        (args.header_wait > 0).then(|| std::time::Duration::from_secs(args.header_wait));
    let listen = parse_listen(&args.listen)?;
    let opts = crate::live::trace::TraceOptions {
        json: args.output.format == Format::Json,
        color: resolve_color(args.output.color, args.output.format),
        show_secrets: args.output.show_secrets,
        all_events: args.trace,
    };
    crate::live::trace::run(cfg, listen, opts).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            let free = std::net::TcpListener::bind((listen.ip(), 0))
                .and_then(|l| l.local_addr())
                .map(|a| format!("; try `--listen {a}` (free now) or stop what listens there"))
                .unwrap_or_default();
            anyhow::anyhow!("cannot serve on {listen}: the port is in use{free}")
        } else {
            anyhow::anyhow!("cannot serve on {listen}: {e}")
        }
    })?;
    Ok(ExitStatus::Success)
}

/// `ancm explain A B -`: each argument explained in turn (`-`: the message pasted on stdin, read
/// as one message). An argument ancm does not know is an error line; the others are still
/// explained, and the exit code is 2 if any was unknown.
fn explain_all(codes: &[String]) -> Result<ExitStatus> {
    let color = resolve_color(ColorChoice::Auto, Format::Human);
    let terminal = std::io::stdout().is_terminal();
    let width = if terminal {
        crossterm::terminal::size()
            .map(|(w, _)| usize::from(w).clamp(40, 100))
            .unwrap_or(100)
    } else {
        100
    };
    let style = report::explain::Style {
        color,
        width,
        wrap_fields: terminal,
    };
    let mut shown = 0;
    let mut unknown = Vec::new();
    for code in codes {
        let pasted;
        let input = if code == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("cannot read the pasted message from stdin")?;
            pasted = text.trim().to_string();
            if pasted.is_empty() {
                anyhow::bail!("`explain -` read nothing on stdin: paste the message, then end it with Ctrl-D (Ctrl-Z on Windows)");
            }
            pasted.as_str()
        } else {
            code.as_str()
        };
        match explain_one(input, style) {
            Ok(text) => {
                if shown > 0 {
                    print_out("")?;
                }
                print_out(&text)?;
                shown += 1;
            }
            Err(e) if codes.len() > 1 => {
                eprintln!("error: {e}");
                unknown.push(code);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(if unknown.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}

/// One argument of `explain`: a check id (its catalog entry) or what a code or message means.
fn explain_one(code: &str, style: report::explain::Style) -> Result<String> {
    if let Some(entry) = crate::catalog::lookup(code) {
        return Ok(report::explain::catalog_entry(entry, style));
    }
    let reading = crate::knowledge::read(code);
    let empty = match &reading {
        crate::knowledge::Reading::Code(hits) => hits.is_empty(),
        crate::knowledge::Reading::Message(m) => m.parts.iter().all(|p| p.explanation.is_none()),
    };
    if empty {
        // `502.4`: name the substatuses ancm does know for that status.
        let status = code.trim().split(['.', ' ']).next().unwrap_or_default();
        let known: Vec<String> = crate::knowledge::symptoms()
            .into_iter()
            .filter(|s| s.split('.').next() == Some(status))
            .map(str::to_string)
            .collect();
        let hint = if known.is_empty() {
            String::new()
        } else {
            format!(" (known for {status}: {})", known.join(", "))
        };
        let ids = crate::catalog::entries().iter().map(|e| e.meta.id.as_str());
        let hint = match report::select::did_you_mean(code.trim(), ids) {
            Some(best) if hint.is_empty() => format!(" (did you mean `{best}`?)"),
            _ => hint,
        };
        // Echo at most 60 characters of what was pasted, with no control characters (a pasted
        // escape sequence must not reach the terminal).
        let shown: String = code
            .trim()
            .chars()
            .take(60)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let shown = if shown.len() < code.trim().len() {
            format!("{shown}…")
        } else {
            shown
        };
        anyhow::bail!(
            "`{shown}` is not a check id or a code ancm knows{hint}; `ancm checks` lists the check ids"
        );
    }
    Ok(report::explain::reading(code, &reading, style))
}

fn list_checks(args: ChecksArgs) -> Result<ExitStatus> {
    require_report_format("checks", args.format)?;
    if args.format == Format::Json {
        let checks: Vec<serde_json::Value> = checks::REGISTRY
            .iter()
            .map(|c| {
                let entry = crate::catalog::lookup(c.id());
                serde_json::json!({
                    "id": c.id(),
                    "severity": c.severity().as_str(),
                    "title": crate::catalog::title(c.id()),
                    "area": report::areas::area_of_id(c.id()).label(),
                    "explains": entry.map(|e| e.meta.explains.clone()).unwrap_or_default(),
                    "since": entry.map(|e| e.meta.since.clone()),
                })
            })
            .collect();
        let doc = serde_json::json!({
            "schema": "ancm-checks/1",
            "tool": report::Tool::current(),
            "checks": checks,
        });
        print_out(&serde_json::to_string_pretty(&doc)?)?;
        return Ok(ExitStatus::Success);
    }
    let mut text = String::new();
    for c in checks::REGISTRY {
        text.push_str(&format!(
            "{:<32} {:<8} {}\n",
            c.id(),
            c.severity().as_str(),
            crate::catalog::title(c.id())
        ));
    }
    print_out(&text)?;
    Ok(ExitStatus::Success)
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`: a reader never
/// sees half a snapshot.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        tmp.write_all(b"\n")?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn host(args: HostArgs) -> Result<ExitStatus> {
    require_report_format("host", args.output.format)?;
    let facts = HostFacts::probe();
    let text = if args.output.format == Format::Json {
        serde_json::to_string_pretty(&facts)?
    } else {
        crate::host::render::render(&facts)
    };
    match &args.output_file {
        Some(path) => write_atomically(path, &text)
            .with_context(|| format!("{}: cannot write the snapshot", path.display()))?,
        None => print_out(&text)?,
    }
    Ok(ExitStatus::Success)
}

/// `--listen`: `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080` (loopback) or a bare port
/// (`8080`, on 127.0.0.1).
pub fn parse_listen(text: &str) -> Result<std::net::SocketAddr> {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    let t = text.trim();
    if let Ok(port) = t.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    if let Some(port) = t
        .strip_prefix("localhost:")
        .or_else(|| t.strip_prefix("LOCALHOST:"))
    {
        if let Ok(port) = port.parse::<u16>() {
            return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
        }
    }
    t.parse().map_err(|_| {
        anyhow::anyhow!(
            "--listen `{text}`: expected a port (`8080`), `localhost:8080` or an address like `127.0.0.1:8080`"
        )
    })
}

#[cfg(test)]
mod listen_tests {
    use super::parse_listen;

    #[test]
    fn listen_forms() {
        assert_eq!(parse_listen("8080").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(
            parse_listen("localhost:9000").unwrap().to_string(),
            "127.0.0.1:9000"
        );
        assert_eq!(parse_listen("[::1]:81").unwrap().to_string(), "[::1]:81");
        assert_eq!(
            parse_listen("0.0.0.0:80").unwrap().to_string(),
            "0.0.0.0:80"
        );
        let e = parse_listen("localhost").unwrap_err().to_string();
        assert!(e.contains("expected a port"), "{e}");
        assert!(parse_listen("99999").is_err());
    }
}

#[cfg(test)]
mod error_message_tests {
    use super::error_message;

    #[test]
    fn an_error_that_says_its_cause_prints_it_once() {
        let io = std::io::Error::other("File name too long (os error 36)");
        let e = anyhow::Error::new(crate::deployment::DeploymentError::Io {
            path: std::path::PathBuf::from("/srv/app"),
            source: io,
        })
        .context("cannot read the app folder");
        let m = error_message(&e);
        assert_eq!(m.matches("File name too long").count(), 1, "{m}");
        assert!(m.starts_with("cannot read the app folder: "), "{m}");
    }
}
