// Types shared between the UI and the Rust back end (src-tauri). Field names
// are exactly what the back end serialises (camelCase); command names and
// argument keys live in api.ts.

/** Every error the back end can reject a command with. */
export type ErrorCode =
  | 'wrong_secret'
  | 'keychain_locked'
  | 'keychain_unavailable'
  | 'keychain_entry_missing'
  | 'vault_missing'
  | 'vault_exists'
  | 'vault_tampered'
  | 'vault_too_new'
  | 'key_slots_corrupt'
  | 'backup_corrupt'
  | 'locked'
  | 'invalid_input'
  | 'io'
  | 'internal';

export const ERROR_CODES: readonly ErrorCode[] = [
  'wrong_secret',
  'keychain_locked',
  'keychain_unavailable',
  'keychain_entry_missing',
  'vault_missing',
  'vault_exists',
  'vault_tampered',
  'vault_too_new',
  'key_slots_corrupt',
  'backup_corrupt',
  'locked',
  'invalid_input',
  'io',
  'internal',
];

/** The error object every command rejects with. `message` is written for people. */
export interface CommandError {
  code: ErrorCode;
  message: string;
}

export interface KeychainInfo {
  available: boolean;
  detail: string | null;
}

export interface VaultStatus {
  exists: boolean;
  unlocked: boolean;
  vaultPath: string;
  keychain: KeychainInfo;
  hasKeychainSlot: boolean;
  hasPassphraseSlot: boolean;
}

export interface CreateVaultResult {
  recoveryCode: string;
  keychainUsed: boolean;
  keychainDetail: string | null;
}

export type UnlockMethod = 'keychain' | 'recovery_code' | 'passphrase';

export interface UnlockReport {
  method: UnlockMethod;
  /** The keychain entry was missing and has been re-created. */
  keychainRestored: boolean;
}

export interface ClientSummary {
  id: string;
  displayName: string;
}

export interface Settings {
  autoLockMinutes: number;
}

export type LockReason = 'user' | 'idle';

/** Payload of the `vault-locked` event. */
export interface VaultLockedPayload {
  reason: LockReason;
}
