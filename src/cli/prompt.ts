import { UsageError } from '../domain/errors.js';
import type { Runtime } from './runtime.js';

export interface Missing {
  /** How the user supplies it on the command line: 'CODE', '--name'. */
  readonly flag: string;
  /** The question on a terminal. */
  readonly question: string;
}

/**
 * Asks for missing required values on a terminal; anywhere else (cron, pipes, --no-input) fails
 * at once naming them, so a script never hangs.
 */
export async function askForMissing(rt: Runtime, missing: readonly Missing[], example: string): Promise<string[]> {
  if (missing.length === 0) return [];
  if (!rt.interactive) {
    throw new UsageError(
      `missing required ${missing.map((m) => m.flag).join(', ')}`,
      `for example: ${example}`,
    );
  }
  const { input } = await import('@inquirer/prompts');
  const answers: string[] = [];
  for (const m of missing) {
    answers.push(await input({ message: m.question, required: true }));
  }
  return answers;
}

export async function confirm(rt: Runtime, question: string, what: string): Promise<void> {
  if (rt.yes) return;
  if (!rt.interactive) throw new UsageError(`${what} needs confirmation`, 'add --yes to confirm');
  const { confirm: ask } = await import('@inquirer/prompts');
  if (!(await ask({ message: question, default: false }))) throw new UsageError('cancelled');
}
