import { Command, CommanderError } from 'commander';
import { registerApprovalCommands } from './commands/approve.js';
import { registerRollbackCommand } from './commands/rollback.js';
import { registerDismissCommand } from './commands/dismiss.js';
import { registerDemoCommands } from './commands/demoNamespaces.js';
import { registerDiagnoseCommand, registerFixCommand, registerValidateCommand } from './commands/diagnose.js';
import { registerDlqCommands } from './commands/dlq.js';
import { registerIncidentCommands } from './commands/incidents.js';
import { registerInfraCommands } from './commands/infra.js';
import { registerInsightsCommand } from './commands/insights.js';
import { registerPlatformCommands } from './commands/platform.js';
import { registerShipCommand } from './commands/ship.js';
import { registerParseCommand } from './commands/parse.js';
import { registerTargetCommands } from './commands/target.js';
import { registerWaitingCommand } from './commands/waiting.js';
import { CliError } from './output.js';
import { EXIT } from './exitCodes.js';

export { EXIT } from './exitCodes.js';

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
  registerDiagnoseCommand(program);
  registerFixCommand(program);
  registerValidateCommand(program);
  registerApprovalCommands(program);
  registerRollbackCommand(program);
  registerDismissCommand(program);
  registerDlqCommands(program);
  registerDemoCommands(program);
  registerTargetCommands(program);
  registerWaitingCommand(program);
  registerInsightsCommand(program);
  return program;
}

/**
 * Runs healctl and returns its exit code: 0 ok, 1 failure, 2 bad usage (an unknown command or option, a value
 * an option refuses, a missing argument), 3 no servers. A command may set `process.exitCode` to say how it ended.
 */
export async function main(argv: string[]): Promise<number> {
  // What a command sets is its own: not what an earlier run in the same process (a test) left there.
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version asked for are successes; anything else commander refuses is bad usage.
      if (error.exitCode === 0 || /^commander\.(?:helpDisplayed|version)$/.test(error.code)) return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`healctl: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`healctl: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  } finally {
    process.exitCode = before;
  }
}
