/** `command`: a shell command; EXIT_CODE, STDOUT, STDERR (trimmed). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { VerifyCheck } from '../schema.js';
import { causeOf, type MeasureContext, type Measurement, Unmeasurable } from './common.js';

export async function measureCommand(check: VerifyCheck, ctx: MeasureContext): Promise<Measurement> {
  const spec = typeof check.command === 'string' ? { run: check.command } : check.command!;
  const cwd = 'cwd' in spec && spec.cwd ? path.resolve(ctx.cwd, spec.cwd) : ctx.cwd;
  return new Promise<Measurement>((resolve, reject) => {
    const child = spawn(spec.run, { shell: true, cwd, signal: ctx.signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-65536)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-65536)));
    child.once('error', (error) => reject(new Unmeasurable(`cannot run command: ${causeOf(error)}`)));
    child.once('close', (code, signal) => {
      if (code === null) {
        reject(new Unmeasurable(`command ended by ${signal ?? 'a signal'}`));
        return;
      }
      resolve({ values: { EXIT_CODE: code, STDOUT: stdout.trim(), STDERR: stderr.trim() }, detail: `exit ${code}` });
    });
  });
}

