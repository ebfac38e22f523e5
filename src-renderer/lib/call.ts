// Unwraps contract results: `call` throws a ContractError (code + message) on { ok: false },
// so views can use try/catch and show `error.message` as is.

import type { Result } from '../../src-main/shared/result';

export class ContractError extends Error {
  override name = 'ContractError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(promise: Promise<Result<T>>): Promise<T> {
  const result = await promise;
  if (result.ok) return result.value;
  throw new ContractError(result.error.code, result.error.message);
}

export function errorText(error: unknown): string {
  if (error instanceof ContractError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
