import { Command, CommanderError } from 'commander';
import { registerDemoCommands } from './commands/demoNamespaces.js';
import { registerDlqCommands } from './commands/dlq.js';
import { registerIncidentCommands } from './commands/incidents.js';
import { registerInfraCommands } from './commands/infra.js';
import { registerPlatformCommands } from './commands/platform.js';
import { registerShipCommand } from './commands/ship.js';
import { registerParseCommand } from './commands/parse.js';
import { CliError } from './output.js';

/** healctl: the operator's command line for the self-healing platform. */
export function buildProgram(): Command {
  const program = new Command('healctl')
    .description(
      'operate the self-healing platform: infrastructure, topics, schemas, incidents, dead letters, replays',
    )
    .showHelpAfterError()
    .exitOverride();
  registerInfraCommands(program);
  registerPlatformCommands(program);
  registerShipCommand(program);
  registerParseCommand(program);
  registerIncidentCommands(program);
  registerDlqCommands(program);
  registerDemoCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      process.stderr.write(`healctl: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`healctl: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
