//! `ancm`: thin entry point. Parses arguments, runs, maps the result to an exit code (see `cli`).
fn main() -> std::process::ExitCode {
    ancm_doctor::cli::main()
}
