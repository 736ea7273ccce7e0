/**
 * Where an attempt works (PRODUCT.md §12): in worktree mode, its own git worktree on a task branch
 * made from the integration branch, its finished work committed there and merged by a queue in
 * code; in shared mode, the repository folder itself, as before. The orchestrator decides when;
 * the adapter behind this port (git-workspaces.ts, or the shared folder) does it.
 */

/** One attempt's workspace. */
export interface PreparedWorkspace {
	/** Where the agent works: its worktree, or the repository folder in shared mode. */
	readonly dir: string;
	/** The task branch (`jetpack/tasks/<id>`, the id encoded when it is not a valid ref name). */
	readonly branch?: string;
	/** The integration commit it started from. */
	readonly base?: string;
	/**
	 * The branch keeping an earlier attempt's unmerged work (`jetpack/attempts/<id>/<n>`), if any:
	 * the next prompt names it, so the agent can reuse it.
	 */
	readonly previous?: string;
}

/** What an attempt's branch holds once whatever the agent left is committed. */
export interface CommittedWork {
	/** The task branch's commit (its base when the agent changed nothing). */
	readonly head: string;
	readonly files: number;
	readonly insertions: number;
	readonly deletions: number;
}

export type MergeOutcome =
	/** The integration branch now holds the task's work, at `commit`. */
	| {readonly kind: 'merged'; readonly commit: string}
	/** Nothing to merge: the agent changed nothing. */
	| {readonly kind: 'nothing'}
	/** It does not merge cleanly onto the integration tip: these files conflict. */
	| {readonly kind: 'conflict'; readonly files: readonly string[]}
	/**
	 * Not merged for now (a shared remote, §15, could not be reached or refused the push): the
	 * work stays on its task branch, for a later `review --accept`; `reason` is one line.
	 */
	| {readonly kind: 'deferred'; readonly reason: string};

/**
 * The attempt record's `workspace` (PRODUCT.md §3): its branch, the commits it started from and
 * ended at, what merged it, and its diff stat.
 */
export interface WorkspaceRecord {
	readonly branch: string;
	readonly base: string;
	readonly head?: string;
	/** The integration commit that took it; null while it is not merged. */
	readonly merged?: string | null;
	readonly files?: number;
	readonly insertions?: number;
	readonly deletions?: number;
	/**
	 * Why work that would have merged at once waits in review instead (a shared remote that could
	 * not be reached or refused the push): one line; absent otherwise.
	 */
	readonly unmerged?: string;
}

export interface Workspaces {
	readonly mode: 'worktree' | 'shared';
	/** The integration branch (worktree mode): where finished work goes. */
	readonly branch?: string;
	/**
	 * A workspace for attempt `attempt` of `taskId`: a fresh worktree from the integration tip
	 * (the previous attempt's, if any, removed first), `.worktreeinclude` files copied in,
	 * `workspaceSetup` run. Throws `WorkspaceSetupFailed` when a setup command fails.
	 */
	prepare(taskId: string, attempt: number): Promise<PreparedWorkspace>;
	/**
	 * Commits whatever the agent left in its worktree (its own commits stay; `.beads/` and
	 * `.jetpack/` never go in) as `<id>: <title>`, with no hooks and no signing.
	 */
	commit(workspace: PreparedWorkspace, message: string): Promise<CommittedWork>;
	/**
	 * The merge queue: one merge at a time across every run on this repository. A fast-forward
	 * where it can, else a merge computed without a checkout, set with a compare-and-swap on the
	 * integration branch (with `remote`: fetched, merged onto the remote's tip, and pushed, a
	 * rejected push being the compare-and-swap that lost). A merged task's branch and worktree
	 * are removed.
	 */
	merge(workspace: PreparedWorkspace, work: CommittedWork, message: string): Promise<MergeOutcome>;
	/**
	 * Done with an attempt's worktree: removed, or (a failed attempt) kept for inspection until the
	 * task's next attempt or `jetpack-tui clean`. The branch stays until the task is merged.
	 */
	release(workspace: PreparedWorkspace, keep: boolean): Promise<void>;
	/**
	 * What an attempt changed, as a unified diff (`--stat` when asked, coloured when asked):
	 * `base..head` while it is not merged, the merge commit against its first parent once it is.
	 */
	diff(record: WorkspaceRecord, options: DiffOptions): Promise<string>;
}

export interface DiffOptions {
	readonly color: boolean;
	/** A diffstat (`git diff --stat`) rather than the patch. */
	readonly stat?: boolean;
}

/** Shared mode keeps no diff: every agent worked in the one folder, on the user's files. */
export const sharedDiffReason =
	'ran in the shared folder, where no diff of its own is kept (agents there change the repository folder directly)';

/** A `workspaceSetup` command failed: the attempt ends as `error` with its last lines. */
export class WorkspaceSetupFailed extends Error {
	override readonly name = 'WorkspaceSetupFailed';
	constructor(
		readonly command: string,
		readonly tail: readonly string[],
	) {
		super(`workspace setup \`${command}\` failed: ${tail.slice(-3).join(' / ')}`);
	}
}

/** Shared mode: every agent in the repository folder, nothing to commit or merge. */
export class SharedWorkspaces implements Workspaces {
	readonly mode = 'shared';
	constructor(private readonly dir: string) {}

	async prepare(): Promise<PreparedWorkspace> {
		return {dir: this.dir};
	}

	async commit(): Promise<CommittedWork> {
		return {head: '', files: 0, insertions: 0, deletions: 0};
	}

	async merge(): Promise<MergeOutcome> {
		return {kind: 'nothing'};
	}

	async release(): Promise<void> {
		// The repository folder is the user's: nothing to remove.
	}

	async diff(): Promise<string> {
		return `The task ${sharedDiffReason}.\n`;
	}
}
