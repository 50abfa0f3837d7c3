/** The `slimnet` command: dispatch to a command, print typed errors with their code, set the exit status. */
import { isSlimnetError } from '../ir/errors.js';
import { commandHelp, parseCommandArgs, type CommandIo } from './command.js';
import { commands } from './commands/index.js';

let liveShown = false;

/** Clears a shown live line before a message, so the two never mix. */
function clearLive(): void {
  if (liveShown) process.stderr.write('\r\x1b[K');
  liveShown = false;
}

const consoleIo: CommandIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => {
    clearLive();
    process.stderr.write(`${t}\n`);
  },
  ...(process.stderr.isTTY === true ? {
    live: (t: string) => {
      process.stderr.write(`\r\x1b[K${t}`);
      liveShown = t !== '';
    },
  } : {}),
};

/** Exit status when the reader of stdout went away (128 + SIGPIPE, as a shell reports a command killed by it). */
export const BROKEN_PIPE_EXIT = 141;

let pipesGuarded = false;

/**
 * A closed pipe is not a crash: when stdout's reader goes away (`slimnet inspect m.onnx | head`) the process
 * exits at once with BROKEN_PIPE_EXIT and no stack trace; when stderr's does, progress and messages are dropped
 * and the command carries on (its output file is what matters). Other stream errors exit 1 with one line.
 */
function guardPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  let stderrGone = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && !stderrGone) process.stderr.write(`slimnet: cannot write to stdout: ${e.message}\n`);
    process.exit(e.code === 'EPIPE' ? BROKEN_PIPE_EXIT : 1);
  });
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    stderrGone = true;
    if (e.code !== 'EPIPE') process.exit(1);
  });
}

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: slimnet <command> [options]',
    '',
    'slimnet makes trained neural networks (ONNX) smaller and faster, and measures it.',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "run 'slimnet <command> --help' for a command's options.",
  ].join('\n');
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failure, 2 bad usage or input). */
export async function main(argv: readonly string[], io: CommandIo = consoleIo): Promise<number> {
  if (io === consoleIo) guardPipes();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(topHelp());
    return name === undefined ? 2 : 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (cmd === undefined) {
    io.err(`slimnet: unknown command '${name}'\n\n${topHelp()}`);
    return 2;
  }
  try {
    const { positionals, options } = parseCommandArgs(cmd, rest);
    if (options.help === true) {
      io.out(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(positionals, options, io);
  } catch (e) {
    if (isSlimnetError(e)) {
      io.err(`slimnet ${name}: error [${e.code}]: ${e.message}`);
      return e.code === 'INTERRUPTED' ? 130 : 2;
    }
    io.err(`slimnet ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}
