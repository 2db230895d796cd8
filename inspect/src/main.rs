//! `msnp-inspect`: see the crate documentation of `msnp_inspect`, or `msnp-inspect --help`.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    msnp_inspect::cli::main()
}
