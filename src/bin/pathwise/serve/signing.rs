//! The demo's signing: a local key generated on first use, and the bundle signed at start.
//!
//! The key lives in the `--keys` folder (`.pathwise/` by default, git-ignored), never in the
//! repository: `demo.key` (the secret, created with mode 0600 in a 0700 folder), `demo.pub` (the
//! public key, for `pathwise verify --key`), and `demo-bundle.version`, the last version signed.
//! Each start signs the bundle file with `version = max(now, last + 1)` (seconds), so versions
//! only grow and a browser that accepted an earlier signing never sees a rollback, even when two
//! starts fall in the same second or the clock steps back; and `expires_at = now + 30 days`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use pathwise::bundle::{parse_bundle, Bundle};
use pathwise::envelope::{sign, PublicKey, SecretKey};
use pathwise::program;
use pathwise::time::Timestamp;

/// How long a demo signature is valid.
pub const VALIDITY_SECONDS: i64 = 30 * 86_400;

const KEY_FILE: &str = "demo.key";
const PUBLIC_FILE: &str = "demo.pub";
const VERSION_FILE: &str = "demo-bundle.version";

/// Why the bundle could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file exists but does not hold a key.
    #[error("{path}: {message} (delete it to generate a new demo key)")]
    BadKey {
        /// The key file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The operating system's random generator failed.
    #[error("cannot generate a key: {0}")]
    Random(String),
    /// The bundle file is not a bundle.
    #[error("{path}: {message}")]
    Parse {
        /// The bundle file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The bundle has problems; every one is listed.
    #[error("{path} is not a valid bundle:\n{}", .problems.join("\n"))]
    Invalid {
        /// The bundle file.
        path: String,
        /// One line per problem, with its JSON path.
        problems: Vec<String>,
    },
}

/// A bundle signed for this run.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The bundle as signed (with the version and expiry of this run).
    pub bundle: Bundle,
    /// The DSSE envelope, compact JSON.
    pub envelope_json: String,
    /// The demo public key.
    pub public_key: PublicKey,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SigningError + '_ {
    move |source| SigningError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Loads the demo key from `dir`, or generates it (creating `dir` with mode 0700 and the key
/// file with mode 0600, never overwriting an existing file).
pub fn load_or_create_key(dir: &Path) -> Result<SecretKey, SigningError> {
    let path = dir.join(KEY_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => {
            return SecretKey::parse(&text).map_err(|e| SigningError::BadKey {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&path)(e)),
    }
    create_private_dir(dir)?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| SigningError::Random(e.to_string()))?;
    let key = SecretKey::from_seed(seed);
    // Written to a temporary file and renamed, so a crash never leaves a half-written key.
    let temporary = dir.join(format!("{KEY_FILE}.tmp-{}", std::process::id()));
    let mut file = private_file(&temporary)?;
    file.write_all(format!("{}\n", key.expose_text()).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_error(&temporary))?;
    fs::rename(&temporary, &path).map_err(io_error(&path))?;
    let public = dir.join(PUBLIC_FILE);
    fs::write(&public, format!("{}\n", key.public_key())).map_err(io_error(&public))?;
    Ok(key)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), SigningError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_error(dir))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), SigningError> {
    fs::create_dir_all(dir).map_err(io_error(dir))
}

#[cfg(unix)]
fn private_file(path: &Path) -> Result<fs::File, SigningError> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_error(path))
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> Result<fs::File, SigningError> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_error(path))
}

/// The next version: `max(now, last + 1)`.
fn next_version(dir: &Path, now: i64) -> Result<u64, SigningError> {
    let path = dir.join(VERSION_FILE);
    let last = match fs::read_to_string(&path) {
        Ok(text) => text.trim().parse::<u64>().ok(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error(&path)(e)),
    };
    let now = u64::try_from(now).unwrap_or(0);
    Ok(last.map_or(now, |l| now.max(l.saturating_add(1))))
}

/// Records `version` as the last one signed (atomically: a temporary file renamed).
fn record_version(dir: &Path, version: u64) -> Result<(), SigningError> {
    let path = dir.join(VERSION_FILE);
    let temporary: PathBuf = dir.join(format!("{VERSION_FILE}.tmp-{}", std::process::id()));
    fs::write(&temporary, format!("{version}\n")).map_err(io_error(&temporary))?;
    fs::rename(&temporary, &path).map_err(io_error(&path))
}

/// Reads, validates, compiles and signs the bundle at `bundle_path` with the demo key in
/// `keys_dir`, at Unix time `now`, as `pathwise sign` does. A bundle with problems is refused
/// with all of them listed.
pub fn sign_bundle(bundle_path: &Path, keys_dir: &Path, now: i64) -> Result<Signed, SigningError> {
    let bytes = fs::read(bundle_path).map_err(io_error(bundle_path))?;
    let shown = bundle_path.display().to_string();
    let mut bundle = parse_bundle(&bytes).map_err(|e| SigningError::Parse {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let key = load_or_create_key(keys_dir)?;
    bundle.version = next_version(keys_dir, now)?;
    bundle.expires_at = Timestamp(now.saturating_add(VALIDITY_SECONDS));
    let compiled = match program::compile(&bundle) {
        Ok(compiled) => compiled,
        Err(errors) => {
            return Err(SigningError::Invalid {
                path: shown,
                problems: errors.0.iter().map(ToString::to_string).collect(),
            })
        }
    };
    record_version(keys_dir, bundle.version)?;
    // What is signed is the deflated program, and it must open as a page opens it.
    let payload = program::pack(&compiled);
    if let Err(e) = program::open(&payload) {
        return Err(SigningError::Parse {
            path: shown,
            message: format!("the compiled program does not read back: {e}"),
        });
    }
    let envelope = sign(&payload, &[&key]);
    Ok(Signed {
        bundle,
        envelope_json: envelope.to_json(),
        public_key: key.public_key(),
    })
}
