// Whether a refused command was refused because the practice has no telehealth platform named yet (the
// core's field `telehealth_platform`): the consent forms then offer the setting (owners) or say who can.

export function missingPlatform(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { field, message } = error as { field?: unknown; message?: unknown };
  return field === 'telehealth_platform' || (typeof message === 'string' && message.startsWith('telehealth_platform: '));
}
