//! What the CLI test binaries share.

use std::io::Write;
use std::process::Child;

/// Write `input` to the child's standard input and close it. A command refused before it reads its input (a
/// usage error, an endless-input cap) may exit before all is written: that broken pipe is the command's answer,
/// which the caller checks, not a failure of the test.
pub fn feed(child: &mut Child, input: &[u8]) {
    let mut stdin = child.stdin.take().expect("the child's standard input is piped");
    if let Err(error) = stdin.write_all(input) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "writing the command's input: {error}");
    }
}
