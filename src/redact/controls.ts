/**
 * Making untrusted text safe to show in a terminal or a CI log. Identifiers and comments in a
 * migration are anyone's text: an escape sequence in a column name, printed raw, could clear the
 * screen, retitle the window, hide a line (`\r`) or reorder what the reader sees (bidi overrides).
 */

/**
 * C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI to some terminals)
 * and the bidirectional formatting characters.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every control character but tab and newline shown instead of acted on: C0 and
 * DEL as their Unicode control pictures (ESC as `␛`: one character for one, so a `^^^` underline
 * below a source line stays aligned), the others as `<U+202E>`.
 *
 * @example showControls('a\x1b[2Jb') // 'a␛[2Jb'
 */
export function showControls(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}
