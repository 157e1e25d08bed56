//! Long work (backup, restore, export, import, the automatic backup on lock): its progress as events for
//! the UI's progress bar, and the Cancel button's flag.
//!
//! Invariant: at most one piece of long work runs at a time (`AppState::begin_work`), so the one
//! `cancel_work` command always means the work the person sees; the core stops at its next safe point
//! and leaves nothing behind (see `saferoom_core::progress`).

use std::sync::Mutex;

use saferoom_core::progress::{CancelFlag, Progress, Stage};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::commands::wire::StageDto;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// The event that carries [`ProgressDto`]s to the webview.
pub const WORK_PROGRESS_EVENT: &str = "work-progress";

/// What kind of long work is running (the UI words it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Work {
    /// "Back up now".
    Backup,
    /// The automatic backup made when the vault locks or the app quits.
    AutomaticBackup,
    /// Restoring a backup.
    Restore,
    /// The practice export.
    Export,
    /// Importing an export.
    Import,
}

/// One step of progress as the UI receives it: `done` of `total` (bytes or records; `total` 0 while unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProgressDto {
    pub work: Work,
    pub stage: StageDto,
    pub done: u64,
    pub total: u64,
}

/// A [`Progress`] that sends a step to the UI whenever the stage or the whole percent changes (not on every
/// block, which would flood IPC), and cancels when the work's [`CancelFlag`] is set.
pub struct UiProgress<S: Fn(ProgressDto) + Sync> {
    work: Work,
    cancel: CancelFlag,
    send: S,
    last_sent: Mutex<Option<(Stage, u64)>>,
}

impl<S: Fn(ProgressDto) + Sync> UiProgress<S> {
    /// Progress of `work`, sent with `send`, stopped by `cancel`.
    pub fn new(work: Work, cancel: CancelFlag, send: S) -> Self {
        UiProgress { work, cancel, send, last_sent: Mutex::new(None) }
    }
}

impl<S: Fn(ProgressDto) + Sync> Progress for UiProgress<S> {
    fn report(&self, stage: Stage, done: u64, total: u64) -> bool {
        let percent = done.min(total).saturating_mul(100).checked_div(total).unwrap_or(0);
        let mut last_sent = self.last_sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if *last_sent != Some((stage, percent)) || done == total {
            *last_sent = Some((stage, percent));
            (self.send)(ProgressDto { work: self.work, stage: stage.into(), done, total });
        }
        !self.cancel.is_cancelled()
    }
}

/// Run long work off the main thread and off the async runtime's few workers (a blocking thread), with its
/// progress sent as [`WORK_PROGRESS_EVENT`]s and the Cancel button's flag; refuses if other work runs.
pub async fn run<T: Send + 'static>(
    app: AppHandle,
    work: Work,
    job: impl FnOnce(&AppState, &dyn Progress) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let guard = state.begin_work()?;
        let progress = UiProgress::new(work, guard.cancel.clone(), |step| {
            let _ = app.emit(WORK_PROGRESS_EVENT, step);
        });
        let result = job(&state, &progress);
        drop(guard);
        result
    })
    .await
    .map_err(|_| CommandError::internal("The task stopped unexpectedly. Please try again"))?
}

/// A [`Progress`] for the automatic backup made while locking: its steps reach the UI, and the Cancel
/// button is not offered (the lock goes on either way).
pub fn automatic_progress(app: &AppHandle) -> UiProgress<impl Fn(ProgressDto) + Sync + '_> {
    UiProgress::new(Work::AutomaticBackup, CancelFlag::new(), move |step| {
        let _ = app.emit(WORK_PROGRESS_EVENT, step);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_sent_once_per_percent_and_stage_and_the_flag_cancels() {
        let sent = Mutex::new(Vec::new());
        let cancel = CancelFlag::new();
        let progress = UiProgress::new(Work::Backup, cancel.clone(), |step| sent.lock().unwrap().push(step));
        for done in (0..=1000).step_by(5) {
            assert!(progress.report(Stage::Copying, done, 1000));
        }
        assert!(progress.report(Stage::Verifying, 0, 0));
        cancel.cancel();
        assert!(!progress.report(Stage::Verifying, 0, 0), "a set flag stops the work");
        let sent = sent.into_inner().unwrap();
        let copying: Vec<u64> =
            sent.iter().filter(|step| step.stage == StageDto::Copying).map(|step| step.done).collect();
        assert_eq!(copying.len(), 101, "one step per whole percent, 0 to 100: {copying:?}");
        assert_eq!(copying.last(), Some(&1000));
        assert_eq!(
            sent.iter().filter(|step| step.stage == StageDto::Verifying).count(),
            2,
            "a total of 0 is always final"
        );
        assert_eq!(
            serde_json::to_value(&sent[0]).unwrap(),
            serde_json::json!({"work": "backup", "stage": "copying", "done": 0, "total": 1000})
        );
    }
}
