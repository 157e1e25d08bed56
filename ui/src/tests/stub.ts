// Per-test stand-ins for the Rust back end, installed with mockIPC. Each test says what the commands it
// touches answer; nothing here decides anything the core decides (roles, validation, deadlines, consent
// readiness…): those rules are tested in Rust against real vaults, and whole journeys run end to end in the
// real window (tests/e2e). A command a test did not answer fails the test with a clear message, so a test
// never passes on an answer nobody chose.
//
//   const stub = installStub({ signedInAs: CLINICIAN, answers: { search_clients: [adaSummary] } });
//   renderApp();
//   ...
//   expect(stub.callsOf('create_client')[0].args).toEqual({ input: … });
//   stub.answer('search_clients', () => [adaSummary, newSummary]); // what the next call answers
//   sign_in: inTurn(refuse('wrong_secret', WRONG_SECRET_MESSAGE), sessionOf(CLINICIAN)), // a refusal, then a session
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type {
  BackupStatus,
  CommandError,
  ErrorCode,
  LockReason,
  PracticeProfile,
  StaffMember,
  VaultStatus,
} from '../lib/types';
import { defaultStatus, JURISDICTIONS } from './data';

export type Args = Record<string, unknown> | undefined;

export interface Call {
  cmd: string;
  args: Args;
}

/**
 * What a command answers: a value (answered every time), or a function of the call's arguments and its
 * index among this command's calls (0 for the first). A function may throw `fail(code, message)` or return
 * a promise (e.g. a `deferred` one, to hold the answer back).
 */
export type Answer = AnswerFn | AnswerValue;
export type AnswerFn = (args: Args, nth: number) => unknown;
/** Any plain value (spelled out rather than `unknown`, so an answer function's parameters get their types). */
export type AnswerValue = string | number | boolean | null | undefined | object;

export interface StubOptions {
  /** The vault status `vault_status` answers (merged over a locked, existing-nowhere default). */
  status?: Partial<VaultStatus>;
  /** Open the vault with this staff member signed in: the app starts on the main screen. */
  signedInAs?: Pick<StaffMember, 'id' | 'login' | 'displayName' | 'role'>;
  /** The signed-in session's password is shorter than today's rule (the core allows only changing it). */
  passwordChangeDue?: boolean;
  /** Answers by command name; see `Answer`. */
  answers?: Record<string, Answer>;
}

export interface Stub {
  /** What `vault_status` answers now; tests may change it (e.g. after an unlock the test answered). */
  status: VaultStatus;
  /** Every call, in order. */
  calls: Call[];
  callsOf(cmd: string): Call[];
  /** Sets (or replaces) what a command answers from now on. */
  answer(cmd: string, answer: Answer): void;
  /** Emits `vault-locked` the way the back end does after a lock, and answers `vault_status` as locked. */
  emitLocked(reason: LockReason): Promise<void>;
  /** Emits any back-end event (e.g. `work-progress`). */
  emit(event: string, payload: unknown): Promise<void>;
}

/** A command failure as the back end sends it; throw it from an answer. */
export function fail(code: ErrorCode, message: string, field: string | null = null): CommandError {
  return { code, message, field };
}

/** An answer that refuses every call with this error (the core's code, message and field id). */
export function refuse(code: ErrorCode, message: string, field: string | null = null): AnswerFn {
  return () => {
    throw fail(code, message, field);
  };
}

/**
 * Answers in turn: the first call gets the first answer, the second the second…, and every later call the
 * last one. Each answer is a value or a function as in `Answer` (e.g. `refuse(…)`, or one that returns a
 * `deferred` promise).
 */
export function inTurn(...answers: Answer[]): AnswerFn {
  if (answers.length === 0) throw new Error('inTurn needs at least one answer');
  return (args, nth) => {
    const answer = answers[Math.min(nth, answers.length - 1)];
    return typeof answer === 'function' ? (answer as AnswerFn)(args, nth) : answer;
  };
}

/** Calls no test answered since the last `takeUnanswered` (tests/setup.ts fails a test that made any). */
let unanswered: Call[] = [];
export function takeUnanswered(): Call[] {
  const taken = unanswered;
  unanswered = [];
  return taken;
}

/** What `backup_status` answers unless a test says otherwise: a good backup yesterday, nothing to warn of. */
export const QUIET_BACKUP_STATUS: BackupStatus = {
  lastGoodAt: '2025-03-03T18:00:00Z',
  lastGoodPath: '/home/practice/Backups/saferoom-20250303T180000Z.saferoom-backup',
  settings: { folder: '/home/practice/Backups', keep: 7 },
  warnings: [],
};

/** What `get_practice_profile` answers unless a test says otherwise: a named practice in Chicago. */
export const QUIET_PRACTICE_PROFILE: PracticeProfile = {
  name: 'Lakeside Counseling',
  address: '12 Shore Drive\nChicago, IL 60601',
  phone: '(312) 555-0142',
  licenceLines: 'Licensed Clinical Social Worker, IL 149.012345',
  npi: '1234567893',
  timeZone: 'America/Chicago',
};

/**
 * Commands the app calls on its own on almost every screen; answered unless a test answers them itself (a
 * test that checks one answers it, then reads its calls). The owner's home screen asks for the unreviewed
 * emergency grants (a count on the navigation) and the backup status (a reminder). Every client form asks for
 * the places a client may live.
 */
const QUIET: Record<string, Answer> = {
  touch: null,
  // The app says once that its first screen is drawn (start-up figures); it answers nothing.
  first_screen_drawn: null,
  get_settings: { autoLockMinutes: 10 },
  list_break_glass: [],
  backup_status: QUIET_BACKUP_STATUS,
  jurisdictions: JURISDICTIONS,
  // The owner's home asks what is left to set up (nothing, unless a test says so); the owner's Settings
  // show the practice details and the time zones to pick from.
  setup_status: { missing: [] },
  get_practice_profile: QUIET_PRACTICE_PROFILE,
  time_zones: { names: ['America/Chicago', 'America/New_York', 'UTC'], system: null },
  // The app asks for the computer's zone at start; null keeps the test runner's own zone (format.test.ts
  // tests named zones and changes).
  current_time_zone: null,
};

export function installStub(options: StubOptions = {}): Stub {
  const answers = new Map<string, Answer>(Object.entries({ ...QUIET, ...(options.answers ?? {}) }));
  const status = defaultStatus(options.status);
  if (options.signedInAs) {
    const s = options.signedInAs;
    status.exists = true;
    status.unlocked = true;
    status.openedWith = status.openedWith ?? 'staff_password';
    status.session = { staffId: s.id, login: s.login, displayName: s.displayName, role: s.role, passwordChangeDue: options.passwordChangeDue ?? false };
  }

  const stub: Stub = {
    status,
    calls: [],
    callsOf(cmd) {
      return stub.calls.filter((c) => c.cmd === cmd);
    },
    answer(cmd, answer) {
      answers.set(cmd, answer);
    },
    async emitLocked(reason) {
      stub.status = { ...stub.status, unlocked: false, session: null, openedWith: null, kiosk: false };
      await emit('vault-locked', { reason });
    },
    async emit(event, payload) {
      await emit(event, payload);
    },
  };

  mockIPC(
    (cmd, payload) => {
      const args = payload as Args;
      const nth = stub.callsOf(cmd).length;
      stub.calls.push({ cmd, args });
      if (cmd === 'vault_status' && !answers.has(cmd)) return structuredClone(stub.status);
      if (!answers.has(cmd)) {
        unanswered.push({ cmd, args });
        throw new Error(`the test did not say what "${cmd}" answers (args: ${JSON.stringify(args)})`);
      }
      const answer = answers.get(cmd);
      const value = typeof answer === 'function' ? (answer as AnswerFn)(args, nth) : answer;
      return value instanceof Promise ? value.then((v) => structuredClone(v)) : structuredClone(value);
    },
    { shouldMockEvents: true },
  );

  return stub;
}
