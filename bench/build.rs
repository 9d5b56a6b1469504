//! The benchmark's Lambda stand-ins (`hello_lambda`, the baseline, and `capture_phases`) are
//! linked as `bootstrap` is (functions/build.rs): without PIE, so cold starts compare alike.

fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
