/** The `slimnet` command: dispatch to a command, print typed errors with their code, set the exit status. */
import { isSlimnetError } from '../ir/errors.js';
import { commandHelp, parseCommandArgs, type CommandIo } from './command.js';
import { commands } from './commands/index.js';

const consoleIo: CommandIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

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
