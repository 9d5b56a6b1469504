//! Links the one Lambda binary (`bootstrap`) as a position-dependent executable.
//!
//! As a PIE, the dynamic loader applies about 73,000 relative relocations before `main` (the
//! pointers in the route table, the SDKs' endpoint rules, time-zone and phone tables…), each
//! write a copy-on-write fault on a fresh page: 3.6 ms of a cold start, more than everything
//! else init does. Linked without PIE the addresses are fixed at link time and the loader has
//! nothing to do. What that gives up is ASLR of the executable's own image (the libraries,
//! heap and stacks stay randomised) inside a single-tenant Firecracker sandbox running memory-
//! safe code. README, "Cold start", has the measurements.

fn main() {
    println!("cargo:rustc-link-arg-bin=bootstrap=-no-pie");
}
