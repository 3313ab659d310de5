/** Commands the CLI prints for people to copy: quoted so a shell reads them back unchanged. */

export function shellQuote(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `prodguard backup restore FILE --env NAME|--to URL --clean --yes [--allow-production]`. */
export function restoreCommandLine(dumpPath: string, to: { env: string } | { url: string }, production: boolean): string {
  const where = 'env' in to ? `--env ${shellQuote(to.env)}` : `--to ${shellQuote(to.url)}`;
  return `prodguard backup restore ${shellQuote(dumpPath)} ${where} --clean --yes${production ? ' --allow-production' : ''}`;
}
