//! `zmq keygen`: CURVE key pairs in Z85.

use crate::error::{CliError, Context, Result};
use crate::security::secret_key;
use clap::Args;
use libzmq::auth::{CurveCert, CurvePublicKey};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The arguments of `zmq keygen`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  zmq keygen                          # prints a pair, ready for a YAML config
  zmq keygen --out server             # writes server.pub and server.key (mode 0600)
  zmq keygen --public-of @server.key  # the public key of a secret key
  zmq keygen --public-of \"$SECRET\"")]
pub struct KeygenArgs {
    /// Write the pair to PREFIX.pub and PREFIX.key (the secret file with
    /// mode 0600) and print the public key alone.
    #[arg(long, value_name = "PREFIX", conflicts_with = "public_of")]
    pub out: Option<PathBuf>,

    /// Replace existing files with --out.
    #[arg(long, requires = "out")]
    pub force: bool,

    /// Print the public key of this secret key (Z85, or @FILE) instead of
    /// making a new pair.
    #[arg(long, value_name = "SECRET", allow_hyphen_values = true)]
    pub public_of: Option<String>,
}

/// Runs `zmq keygen`.
pub fn run(args: &KeygenArgs) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    if let Some(secret) = &args.public_of {
        let public = CurvePublicKey::from(&secret_key("--public-of", secret)?);
        return writeln!(stdout, "{public}").context(|| "writing to stdout");
    }
    let cert = CurveCert::new_unique();
    match &args.out {
        Some(prefix) => {
            let public_path = with_suffix(prefix, "pub");
            let secret_path = with_suffix(prefix, "key");
            write_key(&secret_path, cert.secret().as_str(), true, args.force)?;
            write_key(&public_path, cert.public().as_str(), false, args.force)?;
            eprintln!(
                "wrote {} and {} (secret, mode 0600)",
                public_path.display(),
                secret_path.display()
            );
            writeln!(stdout, "{}", cert.public())
        }
        None => writeln!(
            stdout,
            "public: \"{}\"\nsecret: \"{}\"",
            cert.public(),
            cert.secret().as_str()
        ),
    }
    .context(|| "writing to stdout")
}

/// `PREFIX.suffix`, keeping any dots already in the prefix.
fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes `key` and a newline to `path`; a secret is readable by its owner
/// only, from the moment the file exists.
fn write_key(path: &Path, key: &str, secret: bool, force: bool) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file: File = options.open(path).map_err(|err| {
        if err.kind() == std::io::ErrorKind::AlreadyExists {
            CliError::usage(
                "--out",
                format!(
                    "{} exists (use --force to replace it)",
                    path.display()
                ),
            )
        } else {
            CliError::usage(
                "--out",
                format!("cannot create {}: {err}", path.display()),
            )
        }
    })?;
    #[cfg(unix)]
    if secret {
        // A replaced file keeps its old mode: narrow it.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .context(|| format!("setting the mode of {}", path.display()))?;
    }
    writeln!(file, "{key}").context(|| format!("writing {}", path.display()))
}
