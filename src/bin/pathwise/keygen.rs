//! `pathwise keygen --out FILE`: a new Ed25519 key pair.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use pathwise::envelope::SecretKey;

use crate::common::emit;
use crate::failure::{Exit, Failure};

const AFTER_HELP: &str = "\
The private key file holds one line, `ed25519-secret:<base64 of the 32-byte seed>`. It is created
with mode 0600 and never overwritten: an existing file makes keygen stop with exit code 3, so a key
that signed published bundles cannot be destroyed by accident. The private key is never printed.

The public key is printed as `ed25519:<base64 of 32 bytes>`: pin exactly this text in the SDK's
init options (`keys: [\"ed25519:...\"]`) and pass it to `pathwise verify --key`. The key id (16 hex
digits) is what envelopes and error messages use to name the key.

Example:
  pathwise keygen --out site.key --public-out site.pub

Exit codes: 0 ok, 2 usage, 3 the file exists or cannot be written.";

/// Arguments of `pathwise keygen`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct KeygenArgs {
    /// Where to write the private key (created with mode 0600; an existing file is never
    /// overwritten).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// Also write the public key text to this file (never overwritten either).
    #[arg(long, value_name = "FILE")]
    pub public_out: Option<PathBuf>,
}

/// Creates `path` for writing, failing if it exists. `mode` applies on Unix.
fn create_new(path: &Path, mode: u32, what: &str) -> Result<File, Failure> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path).map_err(|e| {
        let message = if e.kind() == io::ErrorKind::AlreadyExists {
            format!(
                "refusing to overwrite {}: it already exists (a {what} is never overwritten; choose another path or remove it yourself)",
                path.display()
            )
        } else {
            format!("cannot create {what} {}: {e}", path.display())
        };
        Failure::new(Exit::Io, message)
    })
}

/// Runs `pathwise keygen`.
pub fn run(args: &KeygenArgs) -> Result<(), Failure> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| {
        Failure::new(
            Exit::Io,
            format!("the operating system's random number generator failed: {e}"),
        )
    })?;
    let secret = SecretKey::from_seed(seed);
    let public = secret.public_key();

    // Both files are created before anything is written, so a clash on the second leaves no
    // half-made key pair behind.
    let mut secret_file = create_new(&args.out, 0o600, "private key file")?;
    let public_file = match &args.public_out {
        Some(path) => match create_new(path, 0o644, "public key file") {
            Ok(file) => Some((path, file)),
            Err(failure) => {
                drop(secret_file);
                let _ = fs::remove_file(&args.out);
                return Err(failure);
            }
        },
        None => None,
    };

    let written = secret_file
        .write_all(format!("{}\n", secret.expose_text()).as_bytes())
        .and_then(|()| secret_file.sync_all());
    if let Err(e) = written {
        drop(secret_file);
        let _ = fs::remove_file(&args.out);
        return Err(Failure::new(
            Exit::Io,
            format!("cannot write private key file {}: {e}", args.out.display()),
        ));
    }
    if let Some((path, mut file)) = public_file {
        file.write_all(format!("{public}\n").as_bytes())
            .map_err(|e| {
                Failure::new(
                    Exit::Io,
                    format!("cannot write public key file {}: {e}", path.display()),
                )
            })?;
    }

    let mut out = format!(
        "private key: {} (mode 0600; keep it secret, never commit it)\n",
        args.out.display()
    );
    if let Some(path) = &args.public_out {
        out.push_str(&format!("public key file: {}\n", path.display()));
    }
    out.push_str(&format!(
        "public key: {public}\nkey id: {}\npin it in the SDK init options: keys: [\"{public}\"]\n",
        public.key_id()
    ));
    emit(&out)
}
