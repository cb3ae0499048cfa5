//! `gatelite`: the command line. Everything it does lives in the library
//! (`gatelite::cli`); this file only hands over the arguments and exits.

fn main() {
    std::process::exit(gatelite::cli::main_os(std::env::args_os().skip(1)));
}
