//! Backups: settings and roles, the once-a-day rule, keeping N only after verifying, foreign files left
//! alone, status warnings, folder trouble on real folders, and a backup taken while another connection writes.

use super::*;
