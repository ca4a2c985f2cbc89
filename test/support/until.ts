/**
 * Polls `check` until it holds. Tests wait for a state, never for a time: the bound only turns a hang
 * into a failure naming `what` (a function is called then, to say what was seen), so it is generous:
 * CI runs the suite two files at a time on two cores, sometimes beside other work, and a state that
 * takes 50 ms on an idle machine can take seconds there.
 */
export async function until(what: string | (() => string | Promise<string>), check: () => boolean | Promise<boolean>, opts: { timeoutMs?: number; everyMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 20));
  }
}
