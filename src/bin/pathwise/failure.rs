//! Exit codes and the one error type every subcommand returns.

use pathwise::envelope::{EnvelopeError, ErrorFamily};

/// The documented exit codes (see `EXIT_CODES` in `main.rs` and docs/signing.md). The numbers
/// are part of the tool's interface: scripts and CI branch on them, so they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The bundle does not parse or fails validation (or lint found warnings under
    /// `--deny-warnings`).
    Invalid = 1,
    /// Bad arguments. clap exits with this code by itself; the tool uses it for argument
    /// combinations clap cannot see (an envelope given to `explain` or `inspect` without a
    /// decision on verification, or to `lint`; a `sign` version devices would refuse).
    Usage = 2,
    /// A file could not be read or written, or an output would have been overwritten.
    Io = 3,
    /// The envelope is not well formed, or its payload is not a program this tool reads.
    Malformed = 4,
    /// Not enough pinned keys signed the payload.
    Signature = 5,
    /// Another site's bundle, an expired one, or one whose version lies too far in the future.
    Policy = 6,
    /// Older than the floor version.
    Rollback = 7,
    /// Unusable keys or threshold.
    Config = 8,
    /// The signals file (scenario) or a slot asked for does not fit the bundle.
    Scenario = 9,
}

/// Why a subcommand stopped: the exit code and a message for stderr (which may span lines).
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// The message, printed after `error: `.
    pub message: String,
}

impl Failure {
    /// A failure with `exit` and `message`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
        }
    }
}

impl From<EnvelopeError> for Failure {
    /// The envelope's own stable code comes first (`rollback: ...`), so a script can match it
    /// as well as the exit code.
    fn from(error: EnvelopeError) -> Failure {
        let exit = match error.family() {
            ErrorFamily::Config => Exit::Config,
            ErrorFamily::Malformed => Exit::Malformed,
            ErrorFamily::Signature => Exit::Signature,
            ErrorFamily::Policy => Exit::Policy,
            ErrorFamily::Rollback => Exit::Rollback,
        };
        Failure::new(exit, format!("{}: {error}", error.code()))
    }
}
