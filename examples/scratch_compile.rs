use pathwise::bundle::{limits::Caps, parse_bundle_within};
use pathwise::envelope::{sign, SecretKey};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let caps = Caps {
        bundle_bytes: 16 << 20,
        rules: 100_000,
        slots: 100_000,
    };
    let bytes = std::fs::read(&args[1]).unwrap();
    let mut bundle = parse_bundle_within(&bytes, &caps).unwrap();
    if let Some(v) = args.get(3) {
        bundle.version = v.parse().unwrap();
    }
    let program = pathwise::program::compile::compile_within(&bundle, &caps).unwrap();
    let payload = pathwise::program::pack(&program);
    let key = SecretKey::from_seed([7; 32]);
    let env = sign(&payload, &[&key]).to_json();
    std::fs::write(&args[2], &env).unwrap();
    eprintln!(
        "{} bytes program, {} envelope, key {}",
        program.len(),
        env.len(),
        key.public_key()
    );
}
