import { describe, expect, it } from 'vitest';
import { showControls } from '../../src/redact/controls.js';

describe('showControls', () => {
  it('shows C0 controls and DEL as control pictures, one character for one', () => {
    const text = 'a\u001b[2J\u001b]0;pwned\u0007b\rc\u007f';
    expect(showControls(text)).toBe('a␛[2J␛]0;pwned␇b␍c␡');
    expect(showControls(text)).toHaveLength(text.length);
  });

  it('keeps tab and newline, and shows C1 controls and bidi overrides by code point', () => {
    expect(showControls('a\tb\nc')).toBe('a\tb\nc');
    expect(showControls('x\u009b2Jy\u202ez')).toBe('x<U+009B>2Jy<U+202E>z');
  });

  it('returns plain text as it is', () => {
    const text = 'ALTER TABLE "é€𝄞" DROP COLUMN x;';
    expect(showControls(text)).toBe(text);
  });
});
