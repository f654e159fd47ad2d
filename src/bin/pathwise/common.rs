//! Helpers shared by the subcommands: reading inputs, keys, times, bundles; writing outputs.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use pathwise::bundle::limits::Caps;
use pathwise::bundle::validate::ValidationErrors;
use pathwise::bundle::{parse_bundle, parse_bundle_within, Bundle};
use pathwise::envelope::{
    open, Envelope, EnvelopeError, Opened, Policy, PublicKey, SecretKey, VerifiedPayload,
    MAX_ENVELOPE_BYTES, PAYLOAD_TYPE, PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX,
};
use pathwise::program::{self, Program};
use pathwise::time::{parse_rfc3339, Timestamp, DAY_SECONDS};

use crate::failure::{Exit, Failure};

/// Key files are one short line; anything much larger is not a key file, and is not read (or
/// echoed) any further.
const MAX_KEY_FILE_BYTES: u64 = 1024;

/// Writes `text` to stdout. A closed pipe (`pathwise explain | head`) is reported as an I/O
/// failure instead of the panic `println!` would raise.
pub fn emit(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(Exit::Io, format!("cannot write to stdout: {e}")))
}

/// Writes one line to stderr, ignoring failure (there is nowhere left to report it).
pub fn note(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Reads a whole input file; `what` names it in the error ("bundle", "scenario", ...).
pub fn read_input(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    fs::read(path).map_err(|e| {
        Failure::new(
            Exit::Io,
            format!("cannot read {what} {}: {e}", path.display()),
        )
    })
}

/// clap value parser for instants: Unix seconds (`1767225600`) or RFC 3339
/// (`2026-01-01T00:00:00Z`).
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(Timestamp(seconds));
    }
    parse_rfc3339(text).map(Timestamp).ok_or_else(|| {
        format!(
            "{text:?} is not a time: write Unix seconds (1767225600) or RFC 3339 with an offset (2026-01-01T00:00:00Z)"
        )
    })
}

/// clap value parser for durations: a positive whole number with a unit, `s` (seconds), `h`
/// (hours) or `d` (days): `3600s`, `12h`, `30d`. Returns seconds.
pub fn parse_ttl(text: &str) -> Result<u64, String> {
    let usage = || {
        format!("{text:?} is not a duration: write a whole number and a unit s, h or d (3600s, 12h, 30d)")
    };
    let units: [(char, u64); 3] = [('s', 1), ('h', 3600), ('d', DAY_SECONDS.unsigned_abs())];
    let Some((number, factor)) = units
        .iter()
        .find_map(|&(unit, factor)| text.strip_suffix(unit).map(|n| (n, factor)))
    else {
        return Err(usage());
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(usage());
    }
    let count: u64 = number.parse().map_err(|_| usage())?;
    if count == 0 {
        return Err(format!(
            "{text:?}: the duration must be longer than zero (a bundle that is already expired is useless)"
        ));
    }
    count
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too long a duration"))
}

/// `--now` if given, else the system clock.
pub fn now_or_system(now: Option<Timestamp>) -> Result<Timestamp, Failure> {
    if let Some(now) = now {
        return Ok(now);
    }
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| {
            Failure::new(
                Exit::Usage,
                "the system clock is before 1970; pass --now explicitly",
            )
        })?
        .as_secs();
    i64::try_from(seconds)
        .map(Timestamp)
        .map_err(|_| Failure::new(Exit::Usage, "the system clock is out of range; pass --now"))
}

/// `2026-03-10T12:00:00Z (1773144000)`: readable, and the exact number the bundle holds.
pub fn format_time(at: Timestamp) -> String {
    format!("{at} ({})", at.0)
}

/// Reads a short key file as text, without ever putting its contents in an error.
fn read_key_file(path: &Path) -> Result<String, Failure> {
    let meta = fs::metadata(path).map_err(|e| {
        Failure::new(
            Exit::Io,
            format!("cannot read key file {}: {e}", path.display()),
        )
    })?;
    if meta.len() > MAX_KEY_FILE_BYTES {
        return Err(Failure::new(
            Exit::Config,
            format!(
                "{} is {} bytes: not a Pathwise key file (one line `ed25519-secret:...` or `ed25519:...`)",
                path.display(),
                meta.len()
            ),
        ));
    }
    let bytes = read_input(path, "key file")?;
    String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            Exit::Config,
            format!(
                "{} is not UTF-8 text: not a Pathwise key file",
                path.display()
            ),
        )
    })
}

/// Loads a private key file written by `pathwise keygen`. Warns (on stderr) when the file is
/// readable by other users, as ssh does.
pub fn load_secret_key(path: &Path) -> Result<SecretKey, Failure> {
    let text = read_key_file(path)?;
    warn_if_shared(path);
    if text.trim_start().starts_with(PUBLIC_KEY_PREFIX) {
        return Err(Failure::new(
            Exit::Config,
            format!(
                "{} holds a public key; signing needs the private key file written by `pathwise keygen`",
                path.display()
            ),
        ));
    }
    // KeyError messages never contain the key text.
    SecretKey::parse(&text)
        .map_err(|e| Failure::new(Exit::Config, format!("key file {}: {e}", path.display())))
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            note(&format!(
                "warning: private key file {} is readable by other users (mode {mode:04o}); run `chmod 600 {}`",
                path.display(),
                path.display()
            ));
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

/// Loads a pinned public key from `ed25519:<base64>` text or from a file holding that text.
/// `index` (1-based) names the `--key` argument in errors, so a secret pasted by mistake is never
/// echoed back.
pub fn load_public_key(arg: &str, index: usize) -> Result<PublicKey, Failure> {
    let trimmed = arg.trim();
    if trimmed.starts_with(SECRET_KEY_PREFIX) {
        return Err(Failure::new(
            Exit::Config,
            format!(
                "--key #{index} is a private key; pin the public key instead (`pathwise pubkey --key FILE` prints it) and keep the private key secret"
            ),
        ));
    }
    if trimmed.starts_with(PUBLIC_KEY_PREFIX) {
        return PublicKey::parse(trimmed)
            .map_err(|e| Failure::new(Exit::Config, format!("--key #{index}: {e}")));
    }
    let path = PathBuf::from(arg);
    let text = read_key_file(&path)?;
    if text.trim_start().starts_with(SECRET_KEY_PREFIX) {
        return Err(Failure::new(
            Exit::Config,
            format!(
                "{} is a private key file; verification takes the public key (`pathwise pubkey --key {}` prints it)",
                path.display(),
                path.display()
            ),
        ));
    }
    PublicKey::parse(&text)
        .map_err(|e| Failure::new(Exit::Config, format!("key file {}: {e}", path.display())))
}

/// Every pinned key of `args`, in order.
pub fn load_public_keys(args: &[String]) -> Result<Vec<PublicKey>, Failure> {
    args.iter()
        .enumerate()
        .map(|(i, arg)| load_public_key(arg, i + 1))
        .collect()
}

/// Validation, then compilation into the program a device reads (`program::compile_within`):
/// a bundle that passes here is one `pathwise sign` signs and the browser runs. `caps` are the
/// authoring caps (the defaults unless `sign --max-rules/--max-slots/--max-bytes` raised them).
pub fn compile_bundle(bundle: &Bundle, caps: &Caps) -> Result<Vec<u8>, ValidationErrors> {
    program::compile_within(bundle, caps)
}

/// Reads program bytes this tool just compiled. A failure here is a bug in the compiler (it
/// wrote what devices would refuse), reported as an invalid bundle rather than a panic.
pub fn read_compiled(bytes: &[u8], source: &str) -> Result<Program, Failure> {
    program::read(bytes).map_err(|e| {
        Failure::new(
            Exit::Invalid,
            format!("{source}: the compiled program does not read back ({e}); this is a bug in pathwise, please report it"),
        )
    })
}

/// `header` followed by one `path: message` line per problem.
pub fn problems(header: &str, errors: &ValidationErrors) -> String {
    let mut text = format!("{header}: {} problem(s)", errors.0.len());
    for error in &errors.0 {
        text.push_str(&format!("\n  {}: {}", error.path, error.message));
    }
    text
}

/// Parses bundle bytes, naming the file in the error (exit 1).
pub fn parse_bundle_file(bytes: &[u8], source: &str) -> Result<Bundle, Failure> {
    parse_bundle(bytes).map_err(|e| Failure::new(Exit::Invalid, format!("{source}: {e}")))
}

/// [`parse_bundle_file`] under raised caps (`sign --max-bytes`).
pub fn parse_bundle_file_within(
    bytes: &[u8],
    source: &str,
    caps: &Caps,
) -> Result<Bundle, Failure> {
    parse_bundle_within(bytes, caps)
        .map_err(|e| Failure::new(Exit::Invalid, format!("{source}: {e}")))
}

/// Whether `bytes` look like a DSSE envelope (a JSON object with a `payloadType` member) rather
/// than a plain bundle. Anything that is not such an object counts as a plain bundle, whose
/// parser then reports the precise problem.
pub fn is_envelope(bytes: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "payloadType")]
        payload_type: Option<serde::de::IgnoredAny>,
    }
    // serde_json's recursion limit bounds the work on deeply nested input.
    serde_json::from_slice::<Probe>(bytes).is_ok_and(|p| p.payload_type.is_some())
}

/// The program inside an envelope, read under the same size, shape and payload-type checks as
/// the SDK applies, but with no signature, site, expiry or version check (for `explain
/// --unverified` and `inspect --unverified`).
pub fn unverified_program(bytes: &[u8]) -> Result<Program, Failure> {
    if bytes.len() > MAX_ENVELOPE_BYTES {
        return Err(EnvelopeError::TooLarge {
            size: bytes.len(),
            limit: MAX_ENVELOPE_BYTES,
        }
        .into());
    }
    let envelope = Envelope::from_json(bytes)?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(EnvelopeError::WrongPayloadType {
            found: envelope.payload_type,
            expected: PAYLOAD_TYPE,
        }
        .into());
    }
    Ok(program::open(&envelope.payload).map_err(EnvelopeError::Program)?)
}

/// Opens an envelope with `policy`: every check the browser runs, in its order. Returns whether
/// the version equals the floor ("already current", not an error) and the verified payload with
/// its program. [`Opened::AlreadyCurrent`] carries no payload, so such an envelope is opened
/// again without the floor to get it (every other check is repeated and passes again).
pub fn verified_program(
    bytes: &[u8],
    policy: &Policy,
) -> Result<(bool, Box<VerifiedPayload>), Failure> {
    match open(bytes, policy)? {
        Opened::Verified(verified) => Ok((false, verified)),
        Opened::AlreadyCurrent { version } => {
            let unfloored = Policy {
                accepted_version: None,
                ..*policy
            };
            match open(bytes, &unfloored)? {
                Opened::Verified(verified) => Ok((true, verified)),
                Opened::AlreadyCurrent { .. } => Err(Failure::new(
                    Exit::Malformed,
                    format!("version {version} is already current even without a floor"),
                )),
            }
        }
    }
}

/// How `explain` and `inspect` trust an envelope: pinned keys and a site (verified as `pathwise
/// verify` does, at the decision time), or explicitly not at all.
#[derive(Debug, clap::Args)]
pub struct TrustArgs {
    /// For an envelope: a pinned public key (`ed25519:...` or a file). Repeat to pin several.
    #[arg(long = "key", value_name = "KEY", requires = "site")]
    pub keys: Vec<String>,
    /// For an envelope: the site the SDK is initialised for.
    #[arg(long, value_name = "SITE", requires = "keys")]
    pub site: Option<String>,
    /// For an envelope: how many distinct pinned keys must have signed.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threshold: usize,
    /// For an envelope: read its program WITHOUT checking signature, site, expiry or version.
    #[arg(long, conflicts_with = "keys")]
    pub unverified: bool,
}

/// The program of `path`: a plain bundle parsed, validated and compiled (as `pathwise sign`
/// would), or an envelope opened as `trust` says — verified at `now` with the pinned keys and
/// site, or read without any check when `--unverified` was asked for. `command` names the
/// subcommand in messages.
pub fn load_program(
    path: &Path,
    trust: &TrustArgs,
    now: Timestamp,
    command: &str,
) -> Result<Program, Failure> {
    let bytes = read_input(path, "bundle")?;
    let source = path.display().to_string();
    if !is_envelope(&bytes) {
        if !trust.keys.is_empty() || trust.unverified {
            note(&format!(
                "note: {source} is a plain bundle, not an envelope; --key/--site/--unverified do not apply"
            ));
        }
        let bundle = parse_bundle_file(&bytes, &source)?;
        let compiled = compile_bundle(&bundle, &Caps::default())
            .map_err(|errors| Failure::new(Exit::Invalid, problems(&source, &errors)))?;
        return read_compiled(&compiled, &source);
    }
    if trust.unverified {
        note(&format!(
            "warning: reading the program of {source} WITHOUT verifying it (--unverified)"
        ));
        return unverified_program(&bytes);
    }
    let Some(site) = &trust.site else {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "{source} is a signed envelope: pass --key and --site to verify it first, or --unverified to {command} its program without any check"
            ),
        ));
    };
    let keys = load_public_keys(&trust.keys)?;
    let policy = Policy {
        site,
        keys: &keys,
        threshold: trust.threshold,
        max_bytes: MAX_ENVELOPE_BYTES,
        now,
        accepted_version: None,
    };
    let (_, verified) = verified_program(&bytes, &policy)?;
    Ok(verified.program)
}

/// Compact JSON re-indented the way `serde_json::to_string_pretty` writes it (two spaces,
/// `"key": value`), keeping the members in the order written — `serde_json::Value` would sort
/// them, and the order of `pathwise inspect` (header first, slots in bundle order, rules in the
/// order they are tried) is part of what it shows. The input is JSON the SDK's own writer made.
pub fn pretty_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn times_format_as_utc_rfc3339_with_seconds() {
        assert_eq!(format_time(Timestamp(0)), "1970-01-01T00:00:00Z (0)");
        let t = parse_rfc3339("2024-02-29T23:59:58Z").unwrap();
        assert_eq!(
            format_time(Timestamp(t)),
            format!("2024-02-29T23:59:58Z ({t})")
        );
        let t = parse_rfc3339("1969-12-31T23:00:00Z").unwrap();
        assert_eq!(format_time(Timestamp(t)), "1969-12-31T23:00:00Z (-3600)");
    }

    #[test]
    fn ttl_needs_a_unit_and_a_positive_count() {
        assert_eq!(parse_ttl("30d"), Ok(30 * 86_400));
        assert_eq!(parse_ttl("12h"), Ok(12 * 3600));
        assert_eq!(parse_ttl("3600s"), Ok(3600));
        for bad in [
            "",
            "d",
            "30",
            "0d",
            "-1d",
            "1.5h",
            "30m",
            "99999999999999999999d",
        ] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pretty_json_matches_serde_json_and_keeps_the_order() {
        let compact = r#"{"b":[1,{"x":"a,\"}{[:"},[],{}],"a":{"k":-1.5,"n":null,"t":true}}"#;
        let value: serde_json::Value = serde_json::from_str(compact).unwrap();
        let pretty = pretty_json(compact);
        // The same document, re-indented as serde_json does it (which sorts keys: "a" first).
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&pretty).unwrap(),
            value
        );
        assert!(pretty.find("\"b\"").unwrap() < pretty.find("\"a\"").unwrap());
        let sorted = r#"{"a":{"k":-1.5,"n":null,"t":true},"b":[1,{"x":"a,\"}{[:"},[],{}]}"#;
        assert_eq!(
            pretty_json(sorted),
            serde_json::to_string_pretty(&value).unwrap()
        );
    }

    #[test]
    fn time_accepts_seconds_and_rfc3339() {
        assert_eq!(parse_time("1767225600"), Ok(Timestamp(1_767_225_600)));
        assert_eq!(
            parse_time("2026-01-01T00:00:00Z"),
            Ok(Timestamp(1_767_225_600))
        );
        assert!(parse_time("yesterday").is_err());
    }
}
