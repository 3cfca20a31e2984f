/**
 * Ends a command that succeeded in doing its work with a non-zero status that means something to
 * the caller (`alert run --fail-on`: exit 10). Its output has already been written.
 */
export class ExitWith extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}
