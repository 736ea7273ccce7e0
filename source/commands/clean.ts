/**
 * `jetpack-tui clean` (PRODUCT.md §12): removes the worktrees and branches under jetpack's names
 * that no run needs. A task's work is needed while a live run holds the task, or while it waits
 * in review for a person. Everything else goes: failed attempts' kept worktrees, worktrees whose
 * task is gone, branches of completed or vanished tasks, branches whose commits the integration
 * branch already holds; `git worktree prune` too. Unmerged work of a task that will run again is
 * kept (its next prompt names the branch), and said so: nothing is kept or refused silently.
 */
import {lstat, readdir, readFile, realpath} from 'node:fs/promises';
import path from 'node:path';
import {defaultWorktreeDir, type JetpackWork, withJetpackWork} from '../adapters/git-workspaces.js';
import {git, GitError, gitLine} from '../adapters/git.js';
import {claimantAlive, isLive, readRunInfo} from '../adapters/run-file.js';
import type {Task} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

type Worktree = JetpackWork['worktrees'][number];
type Branch = JetpackWork['branches'][number];

/** One worktree or branch, and why it goes or stays. */
export interface CleanItem {
	readonly kind: 'worktree' | 'branch';
	/** The worktree's folder, or the branch's name. */
	readonly name: string;
	readonly taskId: string;
	readonly why: string;
	/** A branch's commit: `git branch NAME COMMIT` brings a deleted one back. */
	readonly commit?: string;
	/** A worktree's size on disk. */
	readonly bytes?: number;
	/** Why removing it failed. */
	readonly error?: string;
}

/** `clean --json`. */
export interface CleanReport {
	readonly dryRun: boolean;
	readonly removed: readonly CleanItem[];
	readonly kept: readonly CleanItem[];
	readonly failed: readonly CleanItem[];
	/** What `git worktree prune` removed (or would): git's own lines. */
	readonly pruned: readonly string[];
	/** Disk given back by the removed worktrees (with --dry-run: what would be). */
	readonly bytesFreed: number;
}

export async function runClean(context: CommandContext, {flags}: Invocation): CommandResult {
	const dryRun = flags.dryRun === true;
	const say = (text: string) => {
		if (flags.json)
			context.stdout.write(
				`${JSON.stringify({dryRun, removed: [], kept: [], failed: [], pruned: [], bytesFreed: 0, message: text})}\n`,
			);
		else context.stdout.write(`${text}\n`);
		return 0 as const;
	};

	const top = await gitLine(context.dir, ['rev-parse', '--show-toplevel']).catch(
		(error: unknown) => {
			if (error instanceof GitError) return '';
			throw error;
		},
	);
	if (top === '')
		return say(
			`${context.dir} is not in a git work tree: agents work in the shared folder there, so there is nothing to clean.`,
		);
	if (!(await context.store.exists()))
		return say(
			`No task store here (${context.store.displayPath}): without it clean cannot tell which worktrees a task still needs, so it removes nothing.`,
		);

	const ours = await worktreeFolder(context, top);
	const integration = await integrationTip(context);
	const report = await withJetpackWork(context.dir, async (found, remove) => {
		// Read with the worktree lock held: a run claiming a task now cannot make its worktree
		// until we are done, and its claim is in what we read.
		const tasks = await context.store.read();
		const info = await readRunInfo(context.dir);
		const liveRun = info !== undefined && isLive(info, Date.now()) ? info.runId : undefined;
		const need = (taskId: string) => needOf(tasks.get(taskId), liveRun);
		const removed: CleanItem[] = [];
		const kept: CleanItem[] = [];
		const failed: CleanItem[] = [];
		const stillCheckedOut = new Set<string>();

		for (const worktree of found.worktrees) {
			if (worktree.missing) continue; // `git worktree prune` below
			const needed = need(worktree.taskId);
			const item = {kind: 'worktree', name: worktree.dir, taskId: worktree.taskId} as const;
			if (needed !== undefined) {
				kept.push({...item, why: needed});
				stillCheckedOut.add(worktree.branch);
				continue;
			}

			// A worktree someone made outside jetpack's folder (to look at a branch, say) is
			// theirs: removed only when git finds nothing of theirs in it.
			const force = path.dirname(worktree.dir) === ours;
			const why = worktreeWhy(tasks.get(worktree.taskId), worktree);
			const bytes = await folderBytes(worktree.dir);
			if (dryRun) {
				removed.push({...item, why, bytes});
				continue;
			}

			try {
				await remove.worktree(worktree.dir, force);
				removed.push({...item, why, bytes});
			} catch (error) {
				stillCheckedOut.add(worktree.branch);
				failed.push({...item, why, error: reason(error, force)});
			}
		}

		for (const branch of found.branches) {
			const item = {
				kind: 'branch',
				name: branch.branch,
				taskId: branch.taskId,
				commit: branch.commit,
			} as const;
			const needed = need(branch.taskId);
			if (needed !== undefined) {
				kept.push({...item, why: needed});
				continue;
			}

			const why = await branchWhy(context.dir, tasks.get(branch.taskId), branch, integration);
			if (why.keep) {
				kept.push({...item, why: why.text});
				continue;
			}

			if (stillCheckedOut.has(branch.branch)) {
				kept.push({...item, why: `${why.text}, but its worktree stays, checked out on it`});
				continue;
			}

			if (dryRun) {
				removed.push({...item, why: why.text});
				continue;
			}

			try {
				if (await remove.branch(branch.branch, branch.commit))
					removed.push({...item, why: why.text});
			} catch (error) {
				failed.push({...item, why: why.text, error: reason(error, true)});
			}
		}

		const pruned = await remove.prune(dryRun);
		const bytesFreed = removed.reduce((sum, item) => sum + (item.bytes ?? 0), 0);
		return {dryRun, removed, kept, failed, pruned, bytesFreed} satisfies CleanReport;
	});

	if (flags.json) context.stdout.write(`${JSON.stringify(report)}\n`);
	else context.stdout.write(describe(report, context.config.workspaces === 'shared'));
	return report.failed.length > 0 ? 1 : 0;
}

/** Why a task's worktree and branches are still needed, or undefined when they are not. */
function needOf(task: Task | undefined, liveRun: string | undefined): string | undefined {
	if (task === undefined) return undefined;
	if (task.status === 'review')
		return `${task.id} waits for review (jetpack-tui review ${task.id} --accept or --reject)`;
	const claim = task.claimedBy;
	if (
		(task.status === 'in_progress' || task.status === 'claimed') &&
		claim !== undefined &&
		(claim.runId === liveRun || claimantAlive(claim, task.startedAt))
	)
		return `${task.id} is being worked on by a live run (pid ${claim.pid} on ${claim.host})`;
	return undefined;
}

function worktreeWhy(task: Task | undefined, worktree: Worktree): string {
	if (task === undefined) return `task ${worktree.taskId} is no longer in the store`;
	if (task.status === 'completed') return `${task.id} is completed`;
	return `kept from an attempt of ${task.id} (${task.status}) for inspection`;
}

/**
 * Whether a branch goes: one whose commits the integration branch holds loses nothing; so does a
 * completed or vanished task's. Unmerged work of a task that will run again stays: its next
 * attempt's prompt names the branch (PRODUCT.md §12, kept until the task is merged).
 */
async function branchWhy(
	dir: string,
	task: Task | undefined,
	branch: Branch,
	integration: {branch: string; tip: string} | undefined,
): Promise<{keep: boolean; text: string}> {
	if (task === undefined)
		return {keep: false, text: `task ${branch.taskId} is no longer in the store`};
	if (task.status === 'completed') return {keep: false, text: `${task.id} is completed`};
	if (
		integration !== undefined &&
		(
			await git(dir, ['merge-base', '--is-ancestor', branch.commit, integration.tip], {
				okCodes: [1],
			})
		).code === 0
	)
		return {keep: false, text: `${integration.branch} already holds its commits`};
	return {
		keep: true,
		text: `unmerged work of ${task.id} (${task.status}), which its next attempt is told to reuse; \`git branch -D ${branch.branch}\` drops it`,
	};
}

/** The integration branch and its tip: the config's `branch`, else the one a run remembered. */
async function integrationTip(
	context: CommandContext,
): Promise<{branch: string; tip: string} | undefined> {
	let branch = context.config.branch;
	if (branch === undefined) {
		const text = await readFile(path.join(context.dir, '.jetpack', 'workspace.json'), 'utf8').catch(
			() => undefined,
		);
		try {
			const value = JSON.parse(text ?? 'null') as {branch?: unknown} | null;
			if (typeof value?.branch === 'string') branch = value.branch;
		} catch {
			// Broken by hand: no branch to compare with, so only completed tasks' branches go.
		}
	}

	if (branch === undefined) return undefined;
	const {stdout, code} = await git(
		context.dir,
		['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`],
		{okCodes: [1]},
	);
	return code === 0 ? {branch, tip: stdout.trim()} : undefined;
}

/** Jetpack's worktree folder for this repository, as git names it (its real path). */
async function worktreeFolder(context: CommandContext, top: string): Promise<string> {
	const wanted = path.resolve(context.dir, context.config.worktreeDir ?? defaultWorktreeDir(top));
	return realpath(wanted).catch(() => wanted);
}

/** Bytes a folder takes on disk (its blocks), without following links. */
async function folderBytes(dir: string): Promise<number> {
	let total = 0;
	const walk = async (folder: string): Promise<void> => {
		const entries = await readdir(folder, {withFileTypes: true}).catch(() => []);
		for (const entry of entries) {
			const file = path.join(folder, entry.name);
			const stats = await lstat(file).catch(() => undefined);
			if (stats === undefined) continue;
			total += stats.blocks * 512;
			if (entry.isDirectory()) await walk(file);
		}
	};

	await walk(dir);
	return total;
}

function reason(error: unknown, forced: boolean): string {
	const said =
		error instanceof GitError
			? (error.stderr.trim().split('\n').at(-1) ?? error.message)
			: String(error);
	return forced
		? said
		: `${said} (it is outside jetpack's worktree folder, so it is left to whoever made it: \`git worktree remove --force\` removes it)`;
}

export function bytesText(bytes: number): string {
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

function describe(report: CleanReport, sharedMode: boolean): string {
	const lines: string[] = [];
	const verb = report.dryRun ? 'Would remove' : 'Removed';
	// A removed branch's commit is how to bring it back: `git branch NAME COMMIT`.
	const label = (item: CleanItem, at = 'at') =>
		item.kind === 'worktree'
			? `worktree ${item.name}${item.bytes === undefined ? '' : ` (${bytesText(item.bytes)})`}`
			: `branch ${item.name}${item.commit === undefined ? '' : ` (${at} ${item.commit.slice(0, 12)})`}`;
	const worktrees = report.removed.filter((item) => item.kind === 'worktree').length;
	const branches = report.removed.length - worktrees;
	if (report.removed.length > 0) {
		lines.push(
			`${verb} ${count(worktrees, 'worktree')} and ${count(branches, 'branch', 'branches')}, ${bytesText(report.bytesFreed)} of disk${report.dryRun ? ' to free' : ' freed'}:`,
		);
		for (const item of report.removed) lines.push(`  ${label(item, 'was')}: ${item.why}`);
	}

	if (report.pruned.length > 0) {
		lines.push(
			report.dryRun
				? 'Would prune what git still lists of worktrees whose folders are gone:'
				: 'Pruned what git still listed of worktrees whose folders are gone:',
		);
		for (const line of report.pruned) lines.push(`  ${line}`);
	}

	if (report.failed.length > 0) {
		lines.push(`Could not remove ${count(report.failed.length, 'item')}:`);
		for (const item of report.failed) lines.push(`  ${label(item)}: ${item.error ?? ''}`);
	}

	if (report.kept.length > 0) {
		lines.push(`Kept ${count(report.kept.length, 'item')}:`);
		for (const item of report.kept) lines.push(`  ${label(item)}: ${item.why}`);
	}

	if (lines.length === 0)
		lines.push(
			`Nothing to clean: no jetpack worktree or branch is left${sharedMode ? ' ("workspaces" is "shared" in .jetpack/config.json, so runs make none)' : ''}.`,
		);
	else if (report.dryRun && (report.removed.length > 0 || report.pruned.length > 0))
		lines.push('Nothing was removed (--dry-run); run `jetpack-tui clean` to remove it.');
	return `${lines.join('\n')}\n`;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
