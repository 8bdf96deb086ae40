import { TelemetryReadModel } from '@self-healing/telemetry-parse';
import type { Collection, Db } from 'mongodb';
import type { HandlerName } from '@self-healing/schemas';
import type { Beat } from '@self-healing/shared';
import type { LearningCase } from './case.js';

export interface LearningSettings {
  observeForMs: number;
  settleMs: number;
  baselineMs: number;
  telemetryLagMs: number;
  alpha: number;
  now?: () => number;
}

export type LearningBeat<H extends HandlerName<'learning.track'>> = Beat<'learning.track', H, LearningDeps>;

/** What the learning beats share: the case file (`learning_cases`), the telemetry and the stores of earlier stages. */
export class LearningDeps {
  readonly cases: Collection<LearningCase>;
  readonly telemetry: TelemetryReadModel;

  constructor(
    readonly db: Db,
    readonly settings: LearningSettings,
  ) {
    this.cases = db.collection<LearningCase>('learning_cases');
    this.telemetry = new TelemetryReadModel(db);
  }

  now(): number {
    return (this.settings.now ?? Date.now)();
  }

  async caseOf(runId: string): Promise<LearningCase> {
    const c = await this.cases.findOne({ _id: runId });
    if (!c) throw new Error(`no case file for learning run ${runId}`);
    return c;
  }

  /** Records one step's result unless an earlier attempt already did (the first write wins). */
  async record<K extends keyof LearningCase>(
    runId: string,
    key: K,
    value: LearningCase[K],
  ): Promise<LearningCase> {
    await this.cases.updateOne(
      { _id: runId, [key]: { $exists: false } } as never,
      { $set: { [key]: value } } as never,
    );
    return this.caseOf(runId);
  }
}
