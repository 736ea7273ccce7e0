/** Workspaces whose git the test decides (injected, never mocked): what was asked, in order. */
import {
	WorkspaceSetupFailed,
	type CommittedWork,
	type DiffOptions,
	type MergeOutcome,
	type PreparedWorkspace,
	type WorkspaceRecord,
	type Workspaces,
} from '../../source/core/workspaces.js';

export class FakeWorkspaces implements Workspaces {
	readonly mode = 'worktree';
	readonly branch = 'jetpack/main';
	readonly calls: string[] = [];
	/** What the next merges answer, in order; then `merged`. */
	readonly merges: MergeOutcome[] = [];
	/** Tasks whose setup fails, or whose worktree cannot be made at all. */
	readonly setupFails = new Set<string>();
	readonly brokenFor = new Set<string>();
	#commits = 0;

	async prepare(taskId: string, attempt: number): Promise<PreparedWorkspace> {
		this.calls.push(`prepare ${taskId} ${attempt}`);
		if (this.setupFails.has(taskId)) throw new WorkspaceSetupFailed('npm ci', ['npm ERR! missing']);
		if (this.brokenFor.has(taskId)) throw new Error('No space left on device');
		return {
			dir: `/worktrees/${taskId}-${attempt}`,
			branch: `jetpack/tasks/${taskId}`,
			base: 'base1',
			...(attempt > 1 ? {previous: `jetpack/attempts/${taskId}/${attempt - 1}`} : {}),
		};
	}

	async commit(workspace: PreparedWorkspace, message: string): Promise<CommittedWork> {
		this.calls.push(`commit ${workspace.dir} ${message}`);
		return {head: `head${++this.#commits}`, files: 2, insertions: 12, deletions: 3};
	}

	async merge(workspace: PreparedWorkspace, work: CommittedWork): Promise<MergeOutcome> {
		this.calls.push(`merge ${workspace.branch ?? ''} ${work.head}`);
		return this.merges.shift() ?? {kind: 'merged', commit: `merge-of-${work.head}`};
	}

	async release(workspace: PreparedWorkspace, keep: boolean): Promise<void> {
		this.calls.push(`release ${workspace.dir}${keep ? ' (kept)' : ''}`);
	}

	async diff(record: WorkspaceRecord, options: DiffOptions): Promise<string> {
		this.calls.push(`diff ${record.branch}${options.stat === true ? ' --stat' : ''}`);
		return `diff of ${record.branch}\n`;
	}
}
