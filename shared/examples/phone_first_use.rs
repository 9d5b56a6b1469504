//! How long reading the first phone number takes in a fresh process, against the
//! `phonenumber` crate's full database read the same way in the same run (release build):
//! `cargo run --release -p crm-shared --example phone_first_use`.

use std::time::Instant;

fn main() {
    let t = Instant::now();
    let ours = crm_shared::domain::phone::normalize("087 123 4567", "IE");
    let first = t.elapsed();
    let t = Instant::now();
    let second = crm_shared::domain::phone::normalize("+44 7911 123456", "IE");
    let foreign = t.elapsed();
    let t = Instant::now();
    let full = phonenumber::parse(Some(phonenumber::country::Id::IE), "087 123 4567")
        .map(|n| phonenumber::is_valid(&n));
    let baseline = t.elapsed();
    println!(
        "first number {first:?} ({ours:?}); first foreign number {foreign:?} ({second:?}); \
         the crate's full database, first number {baseline:?} ({full:?}); ratio {:.2}",
        first.as_secs_f64() / baseline.as_secs_f64()
    );
}
