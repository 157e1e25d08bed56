// A small in-memory stand-in for the Rust back end, installed with mockIPC.
// Tests drive the real UI (and the real api.ts → @tauri-apps/api path) and then
// assert on the commands that were invoked.
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type {
  ClientSummary,
  CommandError,
  CreateVaultResult,
  ErrorCode,
  Settings,
  UnlockReport,
  VaultStatus,
} from '../lib/types';

export const RECOVERY_CODE = 'K7QF-2M9X-PL4D-8RTW-C3HN-V6JB';
export const PASSPHRASE = 'correct horse battery staple';

export interface Call {
  cmd: string;
  args: Record<string, unknown> | undefined;
}

type Handler = (args: Record<string, unknown> | undefined, backend: FakeBackend) => unknown;

export interface FakeBackendOptions {
  status?: Partial<VaultStatus> & { keychain?: VaultStatus['keychain'] };
  settings?: Settings;
  clients?: ClientSummary[];
  /** Replace the default behaviour of individual commands. */
  handlers?: Record<string, Handler>;
}

export interface FakeBackend {
  status: VaultStatus;
  settings: Settings;
  clients: ClientSummary[];
  calls: Call[];
  callsOf(cmd: string): Call[];
  /** Emits `vault-locked` like the back end does. */
  emitLocked(reason: 'user' | 'idle'): Promise<void>;
}

export function commandError(code: ErrorCode, message: string): CommandError {
  return { code, message };
}

export function defaultStatus(overrides: FakeBackendOptions['status'] = {}): VaultStatus {
  return {
    exists: false,
    unlocked: false,
    vaultPath: '/home/practice/.local/share/saferoom/vault.srv',
    keychain: { available: true, detail: null },
    hasKeychainSlot: false,
    hasPassphraseSlot: false,
    ...overrides,
  };
}

export function installFakeBackend(options: FakeBackendOptions = {}): FakeBackend {
  const backend: FakeBackend = {
    status: defaultStatus(options.status),
    settings: options.settings ?? { autoLockMinutes: 10 },
    clients: options.clients ?? [],
    calls: [],
    callsOf(cmd) {
      return backend.calls.filter((c) => c.cmd === cmd);
    },
    async emitLocked(reason) {
      backend.status.unlocked = false;
      await emit('vault-locked', { reason });
    },
  };

  const requireUnlocked = () => {
    if (!backend.status.unlocked) throw commandError('locked', 'The vault is locked.');
  };
  const unlocked = (method: UnlockReport['method']): UnlockReport => {
    backend.status.unlocked = true;
    return { method, keychainRestored: false };
  };

  const defaults: Record<string, Handler> = {
    vault_status: () => structuredClone(backend.status),
    create_vault: (args) => {
      if (backend.status.exists) throw commandError('vault_exists', 'A vault already exists.');
      const useKeychain = args?.useKeychain === true;
      const passphrase = (args?.passphrase ?? null) as string | null;
      backend.status = {
        ...backend.status,
        exists: true,
        unlocked: true,
        hasKeychainSlot: useKeychain,
        hasPassphraseSlot: passphrase !== null,
      };
      const result: CreateVaultResult = {
        recoveryCode: RECOVERY_CODE,
        keychainUsed: useKeychain,
        keychainDetail: useKeychain ? null : backend.status.keychain.detail,
      };
      return result;
    },
    unlock_with_keychain: () => {
      if (!backend.status.keychain.available) {
        throw commandError('keychain_unavailable', 'No system keychain is available.');
      }
      return unlocked('keychain');
    },
    unlock_with_recovery_code: (args) => {
      if (args?.code !== RECOVERY_CODE) {
        throw commandError('wrong_secret', 'That recovery code is not correct.');
      }
      return unlocked('recovery_code');
    },
    unlock_with_passphrase: (args) => {
      if (args?.passphrase !== PASSPHRASE) {
        throw commandError('wrong_secret', 'That passphrase is not correct.');
      }
      return unlocked('passphrase');
    },
    lock_vault: () => {
      backend.status.unlocked = false;
      return null;
    },
    list_clients: () => {
      requireUnlocked();
      return structuredClone(backend.clients);
    },
    get_settings: () => {
      requireUnlocked();
      return { ...backend.settings };
    },
    set_auto_lock: (args) => {
      requireUnlocked();
      const minutes = args?.minutes;
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 240) {
        throw commandError('invalid_input', 'Auto-lock must be between 1 and 240 minutes.');
      }
      backend.settings = { autoLockMinutes: minutes };
      return { ...backend.settings };
    },
    touch: () => {
      requireUnlocked();
      return null;
    },
  };

  mockIPC(
    (cmd, payload) => {
      const args = payload as Record<string, unknown> | undefined;
      backend.calls.push({ cmd, args });
      const handler = options.handlers?.[cmd] ?? defaults[cmd];
      if (!handler) throw `command ${cmd} not found`;
      return handler(args, backend);
    },
    { shouldMockEvents: true },
  );

  return backend;
}
