/** `command`: a shell command; EXIT_CODE, STDOUT, STDERR (trimmed). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { VerifyCheck } from '../schema.js';
import { causeOf, type MeasureContext, type Measurement, Unmeasurable } from './common.js';

/** Time a command has to exit after SIGTERM before its process group gets SIGKILL. */
const KILL_GRACE_MS = 2_000;

export async function measureCommand(check: VerifyCheck, ctx: MeasureContext): Promise<Measurement> {
  const spec = typeof check.command === 'string' ? { run: check.command } : check.command!;
  const cwd = 'cwd' in spec && spec.cwd ? path.resolve(ctx.cwd, spec.cwd) : ctx.cwd;
  return new Promise<Measurement>((resolve, reject) => {
    // Its own process group, so a timeout ends the shell and everything it started (`sleep 30; …`).
    const child = spawn(spec.run, { shell: true, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-65536)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-65536)));
    child.once('error', (error) => {
      ctx.signal.removeEventListener('abort', onAbort);
      reject(new Unmeasurable(`cannot run command: ${causeOf(error)}`));
    });
    child.once('close', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (code === null) {
        reject(new Unmeasurable(`command ended by ${signal ?? 'a signal'}`));
        return;
      }
      resolve({ values: { EXIT_CODE: code, STDOUT: stdout.trim(), STDERR: stderr.trim() }, detail: `exit ${code}` });
    });
  });
}
