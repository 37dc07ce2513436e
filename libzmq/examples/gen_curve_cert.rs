//! Prints a fresh CURVE certificate, ready to paste into a YAML config:
//! `cargo run -p libzmq --example gen_curve_cert`.

use libzmq::auth::CurveCert;

fn main() {
    let cert = CurveCert::new_unique();
    println!("public: \"{}\"", cert.public().as_str());
    println!("secret: \"{}\"", cert.secret().as_str());
}
