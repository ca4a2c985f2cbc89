/** Whether a process with this pid exists (signal 0 checks, sends nothing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's (a server run as another user holding the lock is alive)
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
