import { join } from 'node:path';
import ts from 'typescript';

/**
 * Type-checks and compiles one application tree (its own tsconfig.json) again and again as it is checked out at
 * different commits, like `tsc --watch` does: the builder program keeps the previous state, so after a checkout
 * only the changed files and those that depend on them are checked and emitted again. The corpus check builds
 * fifty states that differ in a file or two; a full compile of each would take minutes on two cores.
 */
export class IncrementalBuild {
  private previous: ts.EmitAndSemanticDiagnosticsBuilderProgram | undefined;

  constructor(private readonly dir: string) {}

  /** Builds the tree as it is now into its outDir; returns the error diagnostics (empty when it built). */
  build(): string[] {
    const configPath = join(this.dir, 'tsconfig.json');
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (!parsed) throw new Error(`cannot read ${configPath}`);
    const host = ts.createIncrementalCompilerHost(parsed.options);
    const builder = ts.createEmitAndSemanticDiagnosticsBuilderProgram(
      parsed.fileNames,
      parsed.options,
      host,
      this.previous,
    );
    this.previous = builder;
    const diagnostics = [
      ...builder.getConfigFileParsingDiagnostics(),
      ...builder.getSyntacticDiagnostics(),
      ...builder.getSemanticDiagnostics(),
      ...builder.emit().diagnostics,
    ].filter((d) => d.category === ts.DiagnosticCategory.Error);
    return diagnostics.map((d) => {
      const where =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      return where ? `${d.file!.fileName}:${where.line + 1}: ${message}` : message;
    });
  }
}
