//! `gatelite`: the command line. Everything it does lives in the library
//! (`gatelite::cli`); this file only hands over the arguments and exits.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(gatelite::cli::main(&args));
}
