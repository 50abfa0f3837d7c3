/** Runs the `slimnet` command in-process with captured output (tests only). */
import { main } from '../cli/main.js';

/** What a command printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `slimnet ...argv`, its stdout and stderr lines collected instead of printed. */
export async function cli(...argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; } });
  return { code, out, err };
}
