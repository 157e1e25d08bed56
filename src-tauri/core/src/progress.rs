//! Progress of long work (backup, restore, export, import, rekey) and the way to cancel it.
//!
//! Invariant: work that takes a [`Progress`] asks it between steps and, when told to stop, returns
//! [`crate::Error::Cancelled`] having changed nothing and left no temporary file behind.

/// What long work is doing now, for a progress bar's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Copying the vault's encrypted pages (backup) or a backup's pages (restore).
    Copying,
    /// Reading a copy back to check it.
    Verifying,
    /// Writing records out (export).
    Exporting,
    /// Reading records in (import).
    Importing,
    /// Re-encrypting the vault under a new key.
    Rekeying,
}

/// Told how far long work has come; answers whether it may go on.
pub trait Progress: Sync {
    /// `done` of `total` units (bytes, or records) in `stage`. Return `false` to cancel: the work stops
    /// at the next safe point with [`crate::Error::Cancelled`].
    fn report(&self, stage: Stage, done: u64, total: u64) -> bool;
}

/// No progress shown; never cancels.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn report(&self, _stage: Stage, _done: u64, _total: u64) -> bool {
        true
    }
}

/// Cancels when a shared flag is set (by a Cancel button or a signal handler).
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    /// Ask the work to stop.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether stopping was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Progress for CancelFlag {
    fn report(&self, _stage: Stage, _done: u64, _total: u64) -> bool {
        !self.is_cancelled()
    }
}

/// Ask `progress` and turn a "stop" into [`crate::Error::Cancelled`].
pub fn check(progress: &dyn Progress, stage: Stage, done: u64, total: u64) -> crate::Result<()> {
    if progress.report(stage, done, total) {
        Ok(())
    } else {
        Err(crate::Error::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_flag_cancels_and_silent_never_does() {
        let flag = CancelFlag::new();
        assert!(check(&flag, Stage::Copying, 1, 2).is_ok());
        flag.clone().cancel();
        assert!(matches!(check(&flag, Stage::Copying, 1, 2), Err(crate::Error::Cancelled)));
        assert!(check(&Silent, Stage::Verifying, 0, 0).is_ok());
    }
}
