//! What the CLI test binaries share.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// Run `saferoom --vault <vault> args…` with `stdin` and the environment `envs` (a private keychain's, or none).
pub fn run(vault: &Path, args: &[&str], stdin: &str, envs: &[(String, String)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_saferoom"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env_remove("SAFEROOM_VAULT")
        // This user's audit checkpoints, beside the vault's folder's files (a snapshot of that folder skips
        // sub-folders), never the user's own data folder.
        .env("SAFEROOM_CHECKPOINTS", checkpoint_file(vault))
        .envs(envs.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    feed(&mut child, stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// Where the commands [`run`] starts keep their audit checkpoints: `state/` beside the vault's database.
pub fn checkpoint_file(vault: &Path) -> std::path::PathBuf {
    vault.parent().unwrap_or(Path::new(".")).join("state").join("audit-checkpoints.json")
}

/// Write `input` to the child's standard input and close it. A command refused before it reads its input (a
/// usage error, an endless-input cap) may exit before all is written: that broken pipe is the command's answer,
/// which the caller checks, not a failure of the test.
pub fn feed(child: &mut Child, input: &[u8]) {
    let mut stdin = child.stdin.take().expect("the child's standard input is piped");
    if let Err(error) = stdin.write_all(input) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "writing the command's input: {error}");
    }
}

/// Exit status 0, or the status and both outputs in the failure.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Exit status 1 and the error code in the message.
pub fn assert_failure(output: &Output, code: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(&format!("[{code}]")), "expected [{code}] in: {stderr}");
}
