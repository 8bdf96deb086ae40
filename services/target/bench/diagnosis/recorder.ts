import type { DeploymentRecord, DeploymentRecorder } from '@self-healing/target';

/**
 * The bench's deployer records, published into the namespace of the fault being benched. The bench deploys the
 * healthy release once, before any namespace exists, and each fault's namespace is fresh: so the record that made
 * the serving release stable is kept and published again into each namespace when it becomes current (same
 * deploymentId: a reader that sees it twice keeps one), and the diagnosis finds the good commit before the fault's
 * canary.
 *
 * A failed publish is reported, never thrown: the deployer has already done what the record describes, and a deploy
 * must not look failed because a topic was slow.
 */
export class NamespaceRecorder implements DeploymentRecorder {
  private target: DeploymentRecorder | null = null;
  private stable: DeploymentRecord | null = null;

  constructor(private readonly onError: (error: Error, record: DeploymentRecord) => void) {}

  async record(record: DeploymentRecord): Promise<void> {
    // A deploy or a promote puts its commit at 100 % as the stable release; a rollback only restores one, whose
    // own record is the one to replay (deployments read a rollback as "never brought a symptom", not as a deploy).
    if (record.outcome === 'succeeded' && (record.action === 'deploy' || record.action === 'promote'))
      this.stable = record;
    await this.forward(record);
  }

  /** Records go to `target` from now on (null: nowhere), starting with the stable release's record. */
  async switchTo(target: DeploymentRecorder | null): Promise<void> {
    this.target = target;
    if (this.stable) await this.forward(this.stable);
  }

  /** The record that made the serving release stable, if any. */
  stableRecord(): DeploymentRecord | null {
    return this.stable;
  }

  private async forward(record: DeploymentRecord): Promise<void> {
    if (!this.target) return;
    try {
      await this.target.record(record);
    } catch (error) {
      this.onError(error as Error, record);
    }
  }
}
