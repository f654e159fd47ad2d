//! `pathwise sign BUNDLE --key FILE --out FILE`: validate, stamp version and expiry, compile,
//! deflate, sign.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use pathwise::bundle::limits::{Caps, MAX_BUNDLE_BYTES, MAX_RULES, MAX_SLOTS};
use pathwise::envelope::{
    sign, Envelope, SecretKey, MAX_ENVELOPE_BYTES, MAX_VERSION_SKEW_SECONDS, PAYLOAD_TYPE,
};
use pathwise::program;
use pathwise::time::Timestamp;

use crate::common::{
    compile_bundle, emit, format_time, is_envelope, load_secret_key, note, now_or_system,
    parse_bundle_file_within, parse_time, parse_ttl, problems, read_input,
};
use crate::failure::{Exit, Failure};

const AFTER_HELP: &str = "\
What sign does, in order:
  1. parses BUNDLE under the SDK's caps (256 KiB, nesting depth) and refuses unknown fields;
  2. sets `version` and `expires_at` (below), then validates the bundle exactly as the SDK will,
     printing EVERY problem as `path: message` and refusing to sign an invalid bundle (exit 1);
  3. compiles the valid bundle into the compact program every device reads (strings interned,
     rules in the order they are tried, bucket widths computed) and deflates it;
  4. signs that payload (payloadType application/vnd.pathwise.program.v1) with every --key (one
     signature each; during a key rotation pass the old and the new key) and writes the DSSE
     envelope to --out, printing its size.

Version (devices refuse a bundle older than one they accepted, so it must only go up):
  default  the signing time in Unix seconds, but never lower than what came before: if the
           envelope already at --out, or BUNDLE's own `version`, is at or above the signing
           time, the new version is that + 1. Signing twice in one second still goes up.
  --version N  exactly N (a warning is printed if it is not above the envelope at --out).
  Either way the version may lie at most one day after the signing time (exit 2 otherwise):
  devices refuse a version more than a day past their clock (version_in_future), because one
  bundle with a huge version would turn every later bundle into a rollback.
Expiry: `expires_at` = signing time + --ttl (default 30d). Whatever BUNDLE says is replaced.

Caps: a bundle may hold at most 2000 rules and 500 slots and be at most 262144 bytes of JSON,
what a browser page should download and decide. A deliberately large catalogue (a server's, an
edge worker's, a benchmark's 1000 features) can raise them with --max-rules, --max-slots and
--max-bytes; every other cap (nesting, condition size, string and list lengths) stays fixed, and
the envelope must still fit the 353 624 bytes a device accepts.

--out is replaced atomically (written beside it, then renamed), so a web server never serves a
half-written file. An existing --out that is not a Pathwise program envelope is never overwritten
(exit 3): this protects `sign bundle.json --out bundle.json`.

Example:
  pathwise sign bundle.json --key site.key --out bundle.signed.json
  pathwise sign bundle.json --key old.key --key new.key --ttl 7d --out bundle.signed.json
  pathwise sign catalogue.json --key site.key --max-slots 1000 --max-rules 4000 --max-bytes 2000000 --out catalogue.signed.json

Exit codes: 0 ok, 1 invalid bundle, 2 usage (also a version more than a day after the signing
time), 3 I/O or --out is not an envelope, 8 bad key file.";

/// Arguments of `pathwise sign`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct SignArgs {
    /// The bundle JSON to sign (a plain bundle, not an envelope).
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// A private key file from `pathwise keygen`. Repeat to sign with several keys (rotation).
    #[arg(long = "key", value_name = "FILE", required = true)]
    pub keys: Vec<PathBuf>,
    /// Use exactly this version instead of the monotone default.
    #[arg(long, value_name = "N")]
    pub version: Option<u64>,
    /// How long the bundle stays valid after signing: a whole number and s, h or d.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_ttl)]
    pub ttl: u64,
    /// The signing time (Unix seconds or RFC 3339) instead of the system clock, for reproducible
    /// output.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<Timestamp>,
    /// Where to write the envelope (replaced if it is a Pathwise envelope).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// Most rules the bundle may hold (default 2000), for a deliberately large catalogue.
    #[arg(long, value_name = "N")]
    pub max_rules: Option<usize>,
    /// Most slots the bundle may hold (default 500), for a deliberately large catalogue.
    #[arg(long, value_name = "N")]
    pub max_slots: Option<usize>,
    /// Largest bundle JSON in bytes (default 262144), for a deliberately large catalogue.
    #[arg(long, value_name = "N")]
    pub max_bytes: Option<usize>,
}

impl SignArgs {
    /// The authoring caps: the defaults, raised (or lowered) by the `--max-*` flags.
    fn caps(&self) -> Caps {
        Caps {
            bundle_bytes: self.max_bytes.unwrap_or(MAX_BUNDLE_BYTES),
            rules: self.max_rules.unwrap_or(MAX_RULES),
            slots: self.max_slots.unwrap_or(MAX_SLOTS),
        }
    }
}

/// The version of the envelope already at `out`, if there is one (read from its program's
/// header). Its signature is not checked: the number is only used to make the next version
/// higher. A file that is not a Pathwise program envelope is refused, so `sign` never overwrites
/// a bundle or anything else by mistake.
fn previous_version(out: &Path) -> Result<Option<u64>, Failure> {
    let bytes = match fs::read(out) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Failure::new(
                Exit::Io,
                format!("cannot read the existing {}: {e}", out.display()),
            ))
        }
    };
    let refuse = |why: String| {
        Failure::new(
            Exit::Io,
            format!(
                "refusing to overwrite {}: it exists and is not a Pathwise program envelope ({why}); choose another --out or remove the file",
                out.display()
            ),
        )
    };
    if bytes.len() > MAX_ENVELOPE_BYTES {
        return Err(refuse(format!("{} bytes", bytes.len())));
    }
    let envelope = Envelope::from_json(&bytes).map_err(|e| refuse(e.to_string()))?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(refuse(format!("payloadType {:?}", envelope.payload_type)));
    }
    let raw = program::unpack(&envelope.payload)
        .map_err(|e| refuse(format!("its payload has no version: {e}")))?;
    let header = program::read_header(&raw)
        .map_err(|e| refuse(format!("its payload has no version: {e}")))?;
    Ok(Some(header.version))
}

/// The default version: the signing time, unless something before it is already at or above it.
fn monotone_version(now: Timestamp, floors: &[u64]) -> Result<u64, Failure> {
    let now = u64::try_from(now.0).map_err(|_| {
        Failure::new(
            Exit::Usage,
            "the signing time is before 1970, so it cannot be a version; pass --version",
        )
    })?;
    match floors.iter().copied().max() {
        Some(floor) if floor >= now => floor.checked_add(1).ok_or_else(|| {
            Failure::new(
                Exit::Invalid,
                format!("version {floor} cannot be raised any further"),
            )
        }),
        _ => Ok(now),
    }
}

/// Writes `contents` to a new file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file")
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(contents)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

/// Refuses a version devices would refuse: more than [`MAX_VERSION_SKEW_SECONDS`] after the
/// signing time. `origin` says where the version came from, for the message.
fn check_not_in_future(version: u64, now: Timestamp, origin: &str) -> Result<(), Failure> {
    let latest = now.0.saturating_add(MAX_VERSION_SKEW_SECONDS);
    if i64::try_from(version).is_ok_and(|v| v <= latest) {
        return Ok(());
    }
    Err(Failure::new(
        Exit::Usage,
        format!(
            "refusing to sign version {version} ({origin}): it lies more than a day after the signing time {}, and devices refuse a version more than a day past their clock (version_in_future) — one bundle with a huge version would make every later bundle a rollback on every device that accepted it; sign with a version at or below {latest} (by default the version is the signing time)",
            format_time(now),
        ),
    ))
}

/// Runs `pathwise sign`.
pub fn run(args: &SignArgs) -> Result<(), Failure> {
    let now = now_or_system(args.now)?;
    let caps = args.caps();
    let source = args.bundle.display().to_string();
    let bytes = read_input(&args.bundle, "bundle")?;
    if is_envelope(&bytes) {
        return Err(Failure::new(
            Exit::Invalid,
            format!("{source} is already a signed envelope; sign the plain bundle JSON"),
        ));
    }
    let mut bundle = parse_bundle_file_within(&bytes, &source, &caps)?;

    let previous = previous_version(&args.out)?;
    let version = match args.version {
        Some(version) => {
            check_not_in_future(version, now, "--version")?;
            if let Some(previous) = previous.filter(|&p| version <= p) {
                note(&format!(
                    "warning: --version {version} is not above version {previous} of the envelope at {}; devices that accepted it will ignore (equal) or refuse (lower) this one",
                    args.out.display()
                ));
            }
            version
        }
        None => {
            let floors: Vec<u64> = previous.into_iter().chain([bundle.version]).collect();
            let version = monotone_version(now, &floors)?;
            check_not_in_future(
                version,
                now,
                &format!(
                    "one above the version of the envelope at {} or of {source}",
                    args.out.display()
                ),
            )?;
            version
        }
    };
    let expires_at = i64::try_from(args.ttl)
        .ok()
        .and_then(|ttl| now.0.checked_add(ttl))
        .ok_or_else(|| Failure::new(Exit::Usage, "--now plus --ttl is out of range"))?;
    bundle.version = version;
    bundle.expires_at = Timestamp(expires_at);

    let compiled = compile_bundle(&bundle, &caps).map_err(|errors| {
        Failure::new(
            Exit::Invalid,
            problems(&format!("refusing to sign {source}"), &errors),
        )
    })?;
    let payload = program::pack(&compiled);
    // What is signed must be what devices read: the payload is opened here as a page opens it.
    let program = program::open(&payload).map_err(|e| {
        Failure::new(
            Exit::Invalid,
            format!("refusing to sign {source}: devices could not read the signed program ({e}); this is a bug in pathwise, please report it"),
        )
    })?;

    let mut keys: Vec<SecretKey> = Vec::with_capacity(args.keys.len());
    for path in &args.keys {
        let key = load_secret_key(path)?;
        let id = key.public_key();
        if keys.iter().any(|k| k.public_key() == id) {
            note(&format!(
                "note: {} is a key already given; it signs once",
                path.display()
            ));
        } else {
            keys.push(key);
        }
    }
    let key_refs: Vec<&SecretKey> = keys.iter().collect();
    let envelope = sign(&payload, &key_refs);
    let json = envelope.to_json();
    if json.len() > MAX_ENVELOPE_BYTES {
        return Err(Failure::new(
            Exit::Invalid,
            format!(
                "refusing to write {}: the envelope is {} bytes and the SDK accepts at most {MAX_ENVELOPE_BYTES}",
                args.out.display(),
                json.len()
            ),
        ));
    }
    write_atomically(&args.out, json.as_bytes()).map_err(|e| {
        Failure::new(
            Exit::Io,
            format!("cannot write {}: {e}", args.out.display()),
        )
    })?;

    let ids: Vec<String> = keys.iter().map(|k| k.public_key().key_id()).collect();
    emit(&format!(
        "signed {source}\nsite: {}\nversion: {version}\nexpires_at: {}\nkeys: {}\nprogram: {} slot(s), {} rule(s); {} bytes, deflated to {}\nwrote: {} ({} bytes)\n",
        bundle.site,
        format_time(bundle.expires_at),
        ids.join(", "),
        program.slot_count(),
        program.rule_ids().count(),
        compiled.len(),
        payload.len(),
        args.out.display(),
        json.len()
    ))
}
