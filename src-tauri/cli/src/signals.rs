//! SIGINT and SIGTERM during long work (backup, restore) cancel it through a [`CancelFlag`]: the core
//! stops at its next check, removes what it had written and returns `Cancelled` (exit 1, `[cancelled]`).
//! Before the work starts (e.g. while a secret is being typed) the signals keep their default meaning.

use saferoom_core::progress::CancelFlag;

/// From now on until the process ends, SIGINT/SIGTERM set the returned flag instead of ending it.
pub(crate) fn cancel_on_signal() -> anyhow::Result<CancelFlag> {
    let flag = CancelFlag::new();
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
        let cancel = flag.clone();
        std::thread::spawn(move || {
            for _signal in signals.forever() {
                cancel.cancel();
            }
        });
    }
    Ok(flag)
}
