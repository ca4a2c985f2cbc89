import { badFields } from '../errors.js';

/**
 * Collects what is wrong with an input, field by field, so that its check can go on past the first
 * mistake and answer them all in one BAD_USER_INPUT (`badFields`).
 */
export class InputProblems {
  private readonly byField = new Map<string, string[]>();

  add(field: string, problem: string): void {
    const problems = this.byField.get(field);
    if (problems) problems.push(problem);
    else this.byField.set(field, [problem]);
  }

  /** Throws every problem added, as one error, if there is any. */
  throwIfAny(): void {
    if (this.byField.size === 0) return;
    throw badFields([...this.byField].map(([field, problems]) => ({ field, problems })));
  }
}
