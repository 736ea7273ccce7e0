/** Opening the workspaces, as a run does and as `review --accept` does to merge. */
import {GitWorkspaces, WorkspaceUnavailable} from '../adapters/git-workspaces.js';
import {ConfigError} from '../core/errors.js';
import {SharedWorkspaces, type Workspaces} from '../core/workspaces.js';
import type {CommandContext} from './context.js';

/**
 * Where a run's agents work (PRODUCT.md §12): each attempt in its own git worktree, merged into
 * the integration branch; or, where that cannot be (not git, no commit, an old git) or the config
 * says `"workspaces": "shared"`, all in the repository folder. A branch that cannot be used stops
 * the run (WorkspaceRefused, exit 2). `review --accept` opens them the same way, to merge.
 */
export async function openWorkspaces(
	context: CommandContext,
	runId: string,
): Promise<{workspaces: Workspaces; message: string}> {
	const {config} = context;
	const shared = (why: string) => ({
		workspaces: new SharedWorkspaces(context.dir),
		message: `Agents share the repository folder: ${why}.`,
	});
	// Machines sharing a remote exchange their work through git: without worktrees, nothing would go.
	const needsWorktrees = (why: string) =>
		new ConfigError(
			`.jetpack/config.json: "remote" shares the integration branch, which needs worktree mode, but ${why}; remove "remote", or make worktree mode possible.`,
		);
	if (config.workspaces === 'shared') {
		if (config.remote !== undefined) throw needsWorktrees('"workspaces" is "shared"');
		return shared('"workspaces" is "shared" in .jetpack/config.json');
	}

	try {
		const opened = await GitWorkspaces.open(context.dir, {
			runId,
			mergeStrategy: config.mergeStrategy,
			workspaceSetup: config.workspaceSetup,
			...(config.branch === undefined ? {} : {branch: config.branch}),
			...(config.remote === undefined ? {} : {remote: config.remote}),
			...(config.worktreeDir === undefined ? {} : {worktreeDir: config.worktreeDir}),
		});
		const setupHint =
			config.qualityGates.length > 0 && config.workspaceSetup.length === 0
				? ' Quality gates run in each fresh worktree: if they need installed dependencies, set "workspaceSetup" (like ["npm ci"]).'
				: '';
		return {
			workspaces: opened,
			message: `Each attempt works in its own git worktree; finished work merges into ${opened.branch}${config.remote === undefined ? '' : `, shared through the remote ${config.remote} (fetched, merged onto, pushed)`}.${setupHint}`,
		};
	} catch (error) {
		if (error instanceof WorkspaceUnavailable) {
			if (config.remote !== undefined) throw needsWorktrees(error.message);
			return shared(error.message);
		}

		throw error;
	}
}
