// The only module that talks to the Tauri back end. Everything else imports
// from here, so tests can drive the whole UI through mockIPC and the rest of
// the code never sees @tauri-apps/api.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import {
  ERROR_CODES,
  type ClientSummary,
  type ErrorCode,
  type CreateVaultResult,
  type LockReason,
  type Settings,
  type UnlockReport,
  type VaultLockedPayload,
  type VaultStatus,
} from './types';

/** A command failure, normalised so callers can always read `code` and `message`. */
export class ApiError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

const GENERIC_MESSAGE = 'Something went wrong in Saferoom. Please try again.';

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Turns whatever `invoke` rejected with into an ApiError. The back end rejects
 * with `{ code, message }`; Tauri itself rejects with a plain string (e.g. an
 * unknown command), and anything else is reported as `internal`.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' && message.trim() !== '' ? message : GENERIC_MESSAGE;
    return new ApiError(isErrorCode(code) ? code : 'internal', text);
  }
  if (typeof error === 'string' && error.trim() !== '') {
    return new ApiError('internal', error);
  }
  return new ApiError('internal', GENERIC_MESSAGE);
}

/** Human-readable message for any thrown value. */
export function errorMessage(error: unknown): string {
  return toApiError(error).message;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

export function vaultStatus(): Promise<VaultStatus> {
  return call<VaultStatus>('vault_status');
}

export function createVault(useKeychain: boolean, passphrase: string | null): Promise<CreateVaultResult> {
  return call<CreateVaultResult>('create_vault', { useKeychain, passphrase });
}

export function unlockWithKeychain(): Promise<UnlockReport> {
  return call<UnlockReport>('unlock_with_keychain');
}

export function unlockWithRecoveryCode(code: string): Promise<UnlockReport> {
  return call<UnlockReport>('unlock_with_recovery_code', { code });
}

export function unlockWithPassphrase(passphrase: string): Promise<UnlockReport> {
  return call<UnlockReport>('unlock_with_passphrase', { passphrase });
}

export async function lockVault(): Promise<void> {
  await call<null>('lock_vault');
}

export function listClients(): Promise<ClientSummary[]> {
  return call<ClientSummary[]>('list_clients');
}

export function getSettings(): Promise<Settings> {
  return call<Settings>('get_settings');
}

export function setAutoLock(minutes: number): Promise<Settings> {
  return call<Settings>('set_auto_lock', { minutes });
}

/** Tells the back end the user is active, so it does not auto-lock. */
export async function touch(): Promise<void> {
  await call<null>('touch');
}

/**
 * Subscribes to the back end's `vault-locked` event. Resolves to an
 * unsubscribe function that never throws.
 */
export async function onVaultLocked(handler: (reason: LockReason) => void): Promise<() => void> {
  const unlisten = await listen<VaultLockedPayload>('vault-locked', (event) => {
    const reason = event.payload?.reason === 'idle' ? 'idle' : 'user';
    handler(reason);
  });
  return () => {
    try {
      // unlisten is async in practice; ignore failures (e.g. during teardown).
      Promise.resolve(unlisten()).catch(() => {});
    } catch {
      // ignore
    }
  };
}
