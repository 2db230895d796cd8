//! `msnp-inspect`: see the crate documentation of `msnp_inspect`, or `msnp-inspect --help`.

fn main() -> std::process::ExitCode {
    msnp_inspect::cli::main()
}
