//! `zmq keygen`: its keys parse and round-trip through the library.

mod common;

use common::{assert_clean_error, zmq};
use libzmq::auth::{CurvePublicKey, CurveSecretKey};

/// The value of `name: "KEY"` in keygen's output.
fn field(output: &str, name: &str) -> String {
    let line = output
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {output}"));
    line.trim_matches('"').to_owned()
}

#[test]
fn a_pair_parses_and_its_public_key_is_the_secret_one() {
    let out = zmq()
        .arg("keygen")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let public = CurvePublicKey::new(field(&text, "public")).unwrap();
    let secret = CurveSecretKey::new(field(&text, "secret")).unwrap();
    assert_eq!(CurvePublicKey::from(&secret), public);
    // The output is valid YAML for a config file, quotes and all.
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn two_runs_make_two_pairs() {
    let first = zmq().arg("keygen").output().unwrap().stdout;
    let second = zmq().arg("keygen").output().unwrap().stdout;
    assert_ne!(first, second);
}

#[test]
fn out_writes_two_files_and_the_secret_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("server");
    let out = zmq()
        .args(["keygen", "--out"])
        .arg(&prefix)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let public_text =
        std::fs::read_to_string(dir.path().join("server.pub")).unwrap();
    let secret_text =
        std::fs::read_to_string(dir.path().join("server.key")).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), public_text);
    let public = CurvePublicKey::new(public_text.trim()).unwrap();
    let secret = CurveSecretKey::new(secret_text.trim()).unwrap();
    assert_eq!(CurvePublicKey::from(&secret), public);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("server.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // A second run does not overwrite the pair, unless forced.
    let err = zmq()
        .args(["keygen", "--out"])
        .arg(&prefix)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&err.get_output().stderr).into_owned();
    assert_clean_error(&stderr, "--force");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("server.pub")).unwrap(),
        public_text
    );
    zmq()
        .args(["keygen", "--force", "--out"])
        .arg(&prefix)
        .assert()
        .success();
    assert_ne!(
        std::fs::read_to_string(dir.path().join("server.pub")).unwrap(),
        public_text
    );
}

#[test]
fn public_of_a_value_and_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("client");
    zmq()
        .args(["keygen", "--out"])
        .arg(&prefix)
        .assert()
        .success();
    let public =
        std::fs::read_to_string(dir.path().join("client.pub")).unwrap();
    let secret =
        std::fs::read_to_string(dir.path().join("client.key")).unwrap();

    let from_value = zmq()
        .args(["keygen", "--public-of", secret.trim()])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(from_value.stdout).unwrap(), public);
    let file_arg = format!("@{}", dir.path().join("client.key").display());
    let from_file = zmq()
        .args(["keygen", "--public-of", &file_arg])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(from_file.stdout).unwrap(), public);
}

#[test]
fn a_bad_secret_is_a_clear_error() {
    for bad in [
        "short",
        "0123456789012345678901234567890123456789\"",
        "@/nonexistent/zmq.key",
    ] {
        let out = zmq().args(["keygen", "--public-of", bad]).assert().code(2);
        let stderr =
            String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert_clean_error(&stderr, "invalid value for --public-of");
        assert!(
            !stderr.contains(bad) || bad.starts_with('@'),
            "the secret is not echoed: {stderr}"
        );
    }
}
