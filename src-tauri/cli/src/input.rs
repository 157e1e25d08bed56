//! What the command line takes from outside: secrets on standard input (capped, UTF-8 only, never
//! echoed) and the system clock (any reading, even an impossible one, is a typed error, never a panic).

use std::io::{BufRead, IsTerminal, Read};

use saferoom_core::{Error, SecretString};
use zeroize::{Zeroize, Zeroizing};

use crate::CliError;

/// The longest secret accepted on standard input, in bytes (the core accepts at most 1024 characters).
pub(crate) const MAX_SECRET_BYTES: usize = 1024;

fn invalid(reason: String) -> anyhow::Error {
    CliError(Error::InvalidInput { field: "standard_input", reason }).into()
}

/// Read one secret: prompted without echo on a terminal, otherwise one line of standard input.
/// Reading stops after [`MAX_SECRET_BYTES`] and a line ending, so an endless input costs no memory.
pub(crate) fn read_secret(prompt: &str) -> anyhow::Result<SecretString> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)?
    } else {
        read_line_capped(&mut std::io::stdin().lock())?
    };
    if text.len() > MAX_SECRET_BYTES {
        let mut text = text;
        text.zeroize();
        return Err(invalid(format!("A secret can be at most {MAX_SECRET_BYTES} bytes long.")));
    }
    Ok(SecretString::from(text))
}

/// One line (without its `\n` or `\r\n`), at most [`MAX_SECRET_BYTES`] bytes, valid UTF-8. The buffer
/// is allocated once at its final size, so no copy of the secret is left in freed memory.
fn read_line_capped(input: &mut dyn BufRead) -> anyhow::Result<String> {
    let limit = MAX_SECRET_BYTES + 2;
    let mut bytes = Zeroizing::new(Vec::with_capacity(limit));
    input.take(limit as u64).read_until(b'\n', &mut bytes)?;
    for ending in [b'\n', b'\r'] {
        if bytes.last() == Some(&ending) {
            bytes.pop();
        }
    }
    if bytes.len() > MAX_SECRET_BYTES {
        return Err(invalid(format!("A secret can be at most {MAX_SECRET_BYTES} bytes long.")));
    }
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(text),
        Err(error) => {
            error.into_bytes().zeroize();
            Err(invalid("What was given on standard input is not UTF-8 text.".into()))
        }
    }
}

/// The current time from the system clock, or a typed error if it cannot be a Saferoom time (before
/// year 0 or after year 9999, e.g. a clock set to year 10000).
pub(crate) fn now() -> anyhow::Result<time::OffsetDateTime> {
    let nanos = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => i128::try_from(before.duration().as_nanos()).map_or(i128::MIN, |nanos| -nanos),
    };
    let moment = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .filter(|moment| (0..=9999).contains(&moment.year()));
    moment.ok_or_else(|| {
        CliError(Error::InvalidInput {
            field: "clock",
            reason: "The system clock reads a time Saferoom cannot record (before year 0 or after year 9999). Set the clock right and try again.".into(),
        })
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> anyhow::Result<String> {
        read_line_capped(&mut std::io::Cursor::new(bytes.to_vec()))
    }

    #[test]
    fn lines_are_read_one_at_a_time_and_capped() {
        let mut input = std::io::Cursor::new(b"first secret\r\nsecond\n".to_vec());
        assert_eq!(read_line_capped(&mut input).unwrap(), "first secret");
        assert_eq!(read_line_capped(&mut input).unwrap(), "second");
        assert_eq!(read(&vec![b'a'; MAX_SECRET_BYTES]).unwrap().len(), MAX_SECRET_BYTES);
        let mut exactly = vec![b'a'; MAX_SECRET_BYTES];
        exactly.extend_from_slice(b"\r\n");
        assert_eq!(read(&exactly).unwrap().len(), MAX_SECRET_BYTES);
        for too_long in [vec![b'a'; MAX_SECRET_BYTES + 1], vec![b'a'; 10 * MAX_SECRET_BYTES]] {
            let error = read(&too_long).unwrap_err().to_string();
            assert!(error.contains("[invalid_input]") && error.contains("1024"), "{error}");
        }
        let error = read(b"caf\xe9 latin-1\n").unwrap_err().to_string();
        assert!(error.contains("[invalid_input]") && error.contains("UTF-8"), "{error}");
    }
}
