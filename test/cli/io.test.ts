import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIo } from '../../src/cli/io.js';

const BIN = new URL('../../bin/prodguard.js', import.meta.url).pathname;

/** A stream-like sink: keeps what is written, emits errors as a stream does. */
class FakeStream extends EventEmitter {
  written = '';
  isTTY = true;
  write(text: string | Uint8Array): boolean {
    this.written += String(text);
    return true;
  }
}

function epipe(): NodeJS.ErrnoException {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
}

describe('createIo colour', () => {
  it('follows no-color.org: only a NO_COLOR that is set and not empty turns colour off', () => {
    const tty = { write: () => true, isTTY: true };
    expect(createIo(tty, tty, {}).useColor()).toBe(true);
    expect(createIo(tty, tty, { NO_COLOR: '' }).useColor()).toBe(true);
    expect(createIo(tty, tty, { NO_COLOR: '1' }).useColor()).toBe(false);
    expect(createIo(tty, tty, { NO_COLOR: '0' }).useColor()).toBe(false);
  });
});

describe('createIo on a closed pipe', () => {
  it('takes EPIPE on stdout or stderr quietly and writes nothing more there', () => {
    const stdout = new FakeStream();
    const stderr = new FakeStream();
    const io = createIo(stdout, stderr, {});
    io.out('first\n');
    expect(() => stdout.emit('error', epipe())).not.toThrow();
    // Writes made before the error was seen fail too: one closing is enough.
    expect(() => stdout.emit('error', Object.assign(new Error('destroyed'), { code: 'ERR_STREAM_DESTROYED' }))).not.toThrow();
    io.out('second\n');
    io.outRedacted('third\n');
    io.err('still here\n');
    expect(stdout.written).toBe('first\n');
    expect(stderr.written).toBe('still here\n');
    expect(() => stderr.emit('error', epipe())).not.toThrow();
    io.err('gone\n');
    expect(stderr.written).toBe('still here\n');
  });

  it('still fails on other write errors (a full disk is not a reader that left)', () => {
    const stdout = new FakeStream();
    createIo(stdout, new FakeStream(), {});
    expect(() => stdout.emit('error', Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toThrow('no space');
  });

  it('the bin, piped into a reader that stops early, exits with the command\'s code and no stack trace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prodguard-epipe-'));
    try {
      const sql = Array.from({ length: 3000 }, (_, i) => `ALTER TABLE users DROP COLUMN c${i};`).join('\n');
      writeFileSync(path.join(dir, 'big.sql'), `${sql}\n`);
      const child = spawn(process.execPath, [BIN, 'lint', 'big.sql', '--format', 'json'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      // `| head -c 10`: read the first bytes, then close the pipe.
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
