/**
 * Worktree mode (PRODUCT.md §12): each attempt in a git worktree of its own, on a task branch made
 * from the integration branch; whatever the agent left committed there; a merge queue in code that
 * moves the integration branch with a compare-and-swap. The user's checkout (its HEAD, index and
 * files) is never touched: nothing here checks out or resets anything in it.
 */
import {createHash} from 'node:crypto';
import {cp, mkdir, readFile, realpath, rm, stat} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
	attemptBranch,
	attemptBranchPrefix,
	decodeTaskId,
	defaultIntegrationBranch,
	encodeTaskId,
	integrationNameClash,
	taskBranch,
	taskBranchPrefix,
	taskIdOfBranch,
	worktreeName,
} from '../core/branch-names.js';
import {ConfigError, exitCodes, JetpackError} from '../core/errors.js';
import {
	type CommittedWork,
	type DiffOptions,
	type MergeOutcome,
	type PreparedWorkspace,
	type WorkspaceRecord,
	type Workspaces,
	WorkspaceSetupFailed,
} from '../core/workspaces.js';
import {
	afterLostPush,
	afterMergeTree,
	afterSwap,
	fetchVerdict,
	firstStep,
	pushTries,
	pushVerdict,
	swapTries,
} from '../core/merge-queue.js';
import {replaceFile} from './atomic-write.js';
import {ShellGateRunner} from './gate-runner.js';
import {git, GitError, type GitOptions, gitLine, worktreeModeUnsupported} from './git.js';
import {acquireStoreLock} from './store-lock.js';

/** Worktree mode cannot start as things are; the message is one sentence naming the fix (exit 2). */
export class WorkspaceRefused extends JetpackError {
	override readonly name = 'WorkspaceRefused';
	readonly exitCode = exitCodes.usage;
}

/**
 * Worktree mode does not apply here (not a git repository, no commit yet, git too old): the
 * caller runs in the shared folder and prints the message, one line.
 */
export class WorkspaceUnavailable extends Error {
	override readonly name = 'WorkspaceUnavailable';
}

export interface GitWorkspacesOptions {
	/** Config `branch`: the integration branch; default `jetpack/<current branch>`. */
	readonly branch?: string;
	/** Config `worktreeDir`: where this repository's worktrees go. */
	readonly worktreeDir?: string;
	/** Config `workspaceSetup`: shell commands run in each fresh worktree. */
	readonly workspaceSetup?: readonly string[];
	readonly setupTimeoutMs?: number;
	/** Marks what setup commands start as the run's (see gate-runner.ts). */
	readonly runId: string;
	readonly mergeStrategy: 'merge' | 'squash';
	/** How long a merge waits for another process's merge before giving up. */
	readonly lockTimeoutMs?: number;
	/** Called between computing a merge and swapping the branch to it; tests move the branch here. */
	readonly beforeSwap?: () => Promise<void>;
	/**
	 * Config `remote` (§12, §15): a remote of the repository holding the shared integration branch.
	 * Each merge fetches it, merges onto its tip and pushes; a rejected push computes it again.
	 */
	readonly remote?: string;
	/** How long one fetch or push may go unanswered before the remote counts as unreachable. */
	readonly remoteTimeoutMs?: number;
}

/** The shared remote gave no usable answer (network, credentials, a remote gone): one line. */
export class RemoteUnreachable extends Error {
	override readonly name = 'RemoteUnreachable';
}

/** `.jetpack/workspace.json`: the integration branch in use, and the branch it follows. */
interface Remembered {
	readonly branch: string;
	readonly base?: string;
}

/** A worktree of the repository, as `git worktree list --porcelain` gives it. */
interface WorktreeEntry {
	readonly dir: string;
	readonly head?: string;
	/** `refs/heads/…`, or undefined when detached. */
	readonly branch?: string;
	/** Its folder is gone (git would prune it). */
	readonly prunable: boolean;
}

/** Settings for every git command here: no hooks of the repository run, no signing, no gc. */
const plumbing: Readonly<Record<string, string>> = {
	// No hook file lives under /dev/null, on any machine.
	'core.hooksPath': '/dev/null',
	'commit.gpgSign': 'false',
	'gc.auto': '0',
	'maintenance.auto': 'false',
	'advice.detachedHead': 'false',
	'push.gpgSign': 'false',
};

const fallbackIdentity = {name: 'jetpack-tui', email: 'jetpack-tui@localhost'};

/** How often a merge recomputes on a moved integration branch before it gives up. */

const rememberedFile = (repoDir: string) => path.join(repoDir, '.jetpack', 'workspace.json');

/**
 * `$XDG_CACHE_HOME` (or `~/.cache`) `/jetpack-tui/worktrees/<repo>-<hash>`: outside the repository,
 * so its own tools never see the worktrees, and one folder per repository path.
 */
export function defaultWorktreeDir(top: string): string {
	const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	const hash = createHash('sha256').update(top).digest('hex').slice(0, 8);
	return path.join(cache, 'jetpack-tui', 'worktrees', `${path.basename(top)}-${hash}`);
}

const exists = async (target: string) =>
	stat(target).then(
		() => true,
		() => false,
	);

async function commitOf(cwd: string, ref: string): Promise<string | undefined> {
	const {stdout, code} = await git(cwd, ['rev-parse', '--verify', '-q', `${ref}^{commit}`], {
		okCodes: [1],
	});
	return code === 0 ? stdout.trim() : undefined;
}

async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
	const {code} = await git(cwd, ['merge-base', '--is-ancestor', ancestor, descendant], {
		okCodes: [1],
	});
	return code === 0;
}

/**
 * Runs `work` holding the repository's worktree lock. Git 2.39 reads every worktree's folder when
 * it adds one (is the branch checked out elsewhere?) and dies on one that another `worktree add`
 * is half-way through making ("failed to read .git/worktrees/X/commondir"): so adding, listing,
 * removing and pruning worktrees go one at a time, across processes. The lock lives in the git
 * folder shared by every worktree.
 */
async function withWorktreeLock<T>(cwd: string, work: () => Promise<T>): Promise<T> {
	const common = path.resolve(cwd, await gitLine(cwd, ['rev-parse', '--git-common-dir']));
	const lock = await acquireStoreLock(path.join(common, 'jetpack-worktrees'), {
		staleMs: 10_000,
		timeoutMs: 5 * 60_000,
	});
	try {
		return await work();
	} finally {
		await lock.release();
	}
}

/** Call with the worktree lock held. */
async function listWorktrees(cwd: string): Promise<WorktreeEntry[]> {
	const {stdout} = await git(cwd, ['worktree', 'list', '--porcelain', '-z']);
	const entries: WorktreeEntry[] = [];
	// Records end with an empty field: `worktree X\0HEAD Y\0branch Z\0\0`.
	for (const record of stdout.split('\0\0')) {
		const fields = record.split('\0').filter((field) => field !== '');
		const dir = fields.find((field) => field.startsWith('worktree '))?.slice('worktree '.length);
		if (dir === undefined) continue;
		const value = (key: string) =>
			fields.find((field) => field === key || field.startsWith(`${key} `))?.slice(key.length + 1);
		entries.push({
			dir,
			head: value('HEAD'),
			branch: value('branch'),
			prunable: fields.some((field) => field === 'prunable' || field.startsWith('prunable ')),
		});
	}

	return entries;
}

/** The identity variables to set for a commit: the fallback for what the user has not configured. */
async function identityEnv(cwd: string): Promise<Record<string, string>> {
	const env: Record<string, string> = {};
	for (const part of ['name', 'email'] as const) {
		const upper = part.toUpperCase();
		const configured = (
			await git(cwd, ['config', '--get', `user.${part}`], {okCodes: [1]})
		).stdout.trim();
		for (const role of ['AUTHOR', 'COMMITTER']) {
			const variable = `GIT_${role}_${upper}`;
			if (configured === '' && !process.env[variable]) env[variable] = fallbackIdentity[part];
		}
	}

	return env;
}

/** Counts from `git diff --shortstat`: " 3 files changed, 10 insertions(+), 2 deletions(-)". */
function parseShortstat(line: string): {files: number; insertions: number; deletions: number} {
	const count = (pattern: RegExp) => Number(pattern.exec(line)?.[1] ?? 0);
	return {
		files: count(/(\d+) files? changed/),
		insertions: count(/(\d+) insertions?\(\+\)/),
		deletions: count(/(\d+) deletions?\(-\)/),
	};
}

async function readRemembered(repoDir: string): Promise<Remembered | undefined> {
	const text = await readFile(rememberedFile(repoDir), 'utf8').catch(() => undefined);
	if (text === undefined) return undefined;
	try {
		const value = JSON.parse(text) as Partial<Remembered>;
		if (typeof value.branch !== 'string' || value.branch === '') return undefined;
		return {branch: value.branch, base: typeof value.base === 'string' ? value.base : undefined};
	} catch {
		// Broken by hand: chosen afresh below, and written again.
		return undefined;
	}
}

export class GitWorkspaces implements Workspaces {
	readonly mode = 'worktree';

	/**
	 * Worktree mode on the repository holding `repoDir` (the folder with `.beads/`). Throws
	 * `WorkspaceUnavailable` when it does not apply (the caller goes on in shared mode) and
	 * `WorkspaceRefused` when it applies but cannot start as things are.
	 */
	static async open(repoDir: string, options: GitWorkspacesOptions): Promise<GitWorkspaces> {
		const unsupported = await worktreeModeUnsupported();
		if (unsupported !== undefined) throw new WorkspaceUnavailable(unsupported);
		const top = await gitLine(repoDir, ['rev-parse', '--show-toplevel']).catch((error: unknown) => {
			if (error instanceof GitError) return undefined;
			throw error;
		});
		if (top === undefined || top === '')
			throw new WorkspaceUnavailable(
				`${repoDir} is not in a git work tree, so every agent works in the shared folder`,
			);
		const prefix = await gitLine(repoDir, ['rev-parse', '--show-prefix']);
		const head = await commitOf(repoDir, 'HEAD');
		if (head === undefined)
			throw new WorkspaceUnavailable(
				'the repository has no commit yet, so every agent works in the shared folder; commit once to give each agent its own worktree',
			);

		const remote =
			options.remote === undefined
				? undefined
				: {
						name: options.remote,
						env: await remoteEnvironment(top, options.remote),
						timeoutMs: options.remoteTimeoutMs ?? 120_000,
					};
		const current =
			(
				await git(repoDir, ['symbolic-ref', '-q', '--short', 'HEAD'], {okCodes: [1]})
			).stdout.trim() || undefined;
		const remembered = await readRemembered(repoDir);
		const rememberedExists =
			remembered !== undefined &&
			(await commitOf(repoDir, `refs/heads/${remembered.branch}`)) !== undefined;
		let branch: string;
		let base: string | undefined;
		if (options.branch !== undefined && options.branch !== '') {
			branch = options.branch;
			base = remembered?.branch === branch && rememberedExists ? remembered.base : undefined;
		} else if (remembered !== undefined && rememberedExists) {
			// Followed even after the user switched branches: finished work is there.
			({branch, base} = remembered);
		} else if (current === undefined) {
			throw new WorkspaceRefused(
				'HEAD is detached, so there is no branch to collect finished work on: check out a branch, or set "branch" in .jetpack/config.json.',
			);
		} else {
			branch = defaultIntegrationBranch(current);
			base = current;
		}

		await checkIntegrationName(repoDir, branch);
		const checkedOut = await withWorktreeLock(repoDir, async () =>
			(await listWorktrees(repoDir)).find((entry) => entry.branch === `refs/heads/${branch}`),
		);
		if (checkedOut !== undefined)
			throw new WorkspaceRefused(
				`${branch} is checked out in ${checkedOut.dir}, and jetpack-tui moves that branch as tasks finish: check out another branch there, or set "branch" in .jetpack/config.json to another name.`,
			);

		// Another machine may have made it already: then this one starts from its work.
		const shared =
			remote === undefined
				? undefined
				: await fetchIntegration(top, remote, branch).catch((error: unknown) => {
						throw refusedRemote(remote.name, error);
					});
		if ((await commitOf(repoDir, `refs/heads/${branch}`)) === undefined) {
			await git(
				repoDir,
				[
					'update-ref',
					'-m',
					'jetpack-tui: integration branch',
					`refs/heads/${branch}`,
					shared ?? head,
					'',
				],
				{
					config: plumbing,
				},
			).catch(async (error: unknown) => {
				// Made by another run starting at the same moment: as good as ours.
				if ((await commitOf(repoDir, `refs/heads/${branch}`)) !== undefined) return;
				throw new WorkspaceRefused(
					`cannot create the branch ${branch} (${error instanceof GitError ? error.stderr.trim().split('\n').at(-1) : String(error)}): rename the branch in the way, or set "branch" in .jetpack/config.json to another name.`,
				);
			});
			// Made from HEAD now, so it follows the branch HEAD is on.
			base = current;
		}

		if (remembered?.branch !== branch || remembered.base !== base) {
			await mkdir(path.dirname(rememberedFile(repoDir)), {recursive: true});
			await replaceFile(
				rememberedFile(repoDir),
				`${JSON.stringify(base === undefined ? {branch} : {branch, base}, undefined, '\t')}\n`,
			);
		}

		const wanted = path.resolve(repoDir, options.worktreeDir ?? defaultWorktreeDir(top));
		await mkdir(wanted, {recursive: true});
		// Git names worktrees by their real path; ours are recognised by comparing with it.
		const worktreeDir = await realpath(wanted);
		const workspaces = new GitWorkspaces(
			repoDir,
			top,
			prefix,
			branch,
			base,
			worktreeDir,
			options,
			remote,
		);
		await withWorktreeLock(top, async () => git(top, ['worktree', 'prune'], {config: plumbing}));
		if (remote !== undefined) await workspaces.#joinRemote(remote.name);
		if (base !== undefined && base !== branch) await workspaces.#followBase(base);
		return workspaces;
	}

	private constructor(
		private readonly repoDir: string,
		/** The top of the user's work tree. */
		private readonly top: string,
		/** Where `repoDir` sits inside it (`sub/dir/`, or empty): agents start there in their worktree. */
		private readonly prefix: string,
		readonly branch: string,
		/** The branch the integration branch follows (the one it was made from), if any. */
		readonly base: string | undefined,
		readonly worktreeDir: string,
		private readonly options: GitWorkspacesOptions,
		/** Config `remote`, with what its fetches and pushes run with. */
		private readonly remote?: RemoteAccess,
	) {}

	async prepare(taskId: string, attempt: number): Promise<PreparedWorkspace> {
		const branch = taskBranch(taskId);
		const folderName = new RegExp(`^${escapeRegExp(encodeTaskId(taskId))}-(\\d+)$`);
		const dir = path.join(this.worktreeDir, worktreeName(taskId, attempt));
		// A dependency merged by another machine is in the remote's tip: the worktree starts there.
		const startTip = await this.#startTip();
		const {tip, previous} = await withWorktreeLock(this.top, async () => {
			let previousAttempt: number | undefined;
			for (const entry of await listWorktrees(this.top)) {
				const ours =
					entry.branch === `refs/heads/${branch}` ||
					(path.dirname(entry.dir) === this.worktreeDir &&
						folderName.test(path.basename(entry.dir)));
				if (!ours) continue;
				previousAttempt ??= Number(folderName.exec(path.basename(entry.dir))?.[1] ?? Number.NaN);
				await this.#removeWorktree(entry.dir);
			}

			const tip = startTip ?? (await this.#tip());
			const previous = await this.#keepPrevious(
				taskId,
				tip,
				Number.isInteger(previousAttempt) ? (previousAttempt as number) : Math.max(1, attempt - 1),
			);
			// A folder left by a crash between mkdir and git's bookkeeping: ours, and in the way.
			await rm(dir, {recursive: true, force: true});
			await git(this.top, ['worktree', 'add', '--no-track', '-B', branch, dir, tip], {
				config: plumbing,
			});
			return {tip, previous};
		});
		await this.#copyIncluded(dir);
		const workDir = path.join(dir, this.prefix);
		const setup = this.options.workspaceSetup ?? [];
		if (setup.length > 0) {
			const failed = await new ShellGateRunner(workDir, {
				timeoutMs: this.options.setupTimeoutMs ?? 15 * 60_000,
				runId: this.options.runId,
			}).run(setup);
			if (failed !== undefined) throw new WorkspaceSetupFailed(failed.command, failed.tail);
		}

		return previous === undefined
			? {dir: workDir, branch, base: tip}
			: {dir: workDir, branch, base: tip, previous};
	}

	async commit(workspace: PreparedWorkspace, message: string): Promise<CommittedWork> {
		const {dir, branch, base} = workspace;
		if (branch === undefined || base === undefined) throw new Error('not a worktree workspace');
		const ours = [`:(top)${this.prefix}.beads`, `:(top)${this.prefix}.jetpack`];
		await git(
			dir,
			[
				'add',
				'-A',
				'--',
				':(top)',
				...ours.map((spec) => spec.replace(':(top)', ':(top,exclude)')),
			],
			{
				config: plumbing,
			},
		);
		// The agent's own commits may have touched the store or the config: they go back as they were.
		const touched = await gitLine(dir, ['diff', '--name-only', base, 'HEAD', '--', ...ours]);
		if (touched !== '') await git(dir, ['reset', '-q', base, '--', ...ours], {config: plumbing});
		const staged = await git(dir, ['diff', '--cached', '--quiet'], {okCodes: [1]});
		if (staged.code === 1)
			await git(dir, ['commit', '-q', '--no-verify', '--no-gpg-sign', '-m', message], {
				config: plumbing,
				env: await identityEnv(dir),
			});
		const head = await gitLine(dir, ['rev-parse', 'HEAD']);
		// The agent may have switched its worktree to a branch of its own: the task branch follows.
		const on = (await git(dir, ['symbolic-ref', '-q', 'HEAD'], {okCodes: [1]})).stdout.trim();
		if (on !== `refs/heads/${branch}`)
			await git(dir, ['update-ref', `refs/heads/${branch}`, head], {config: plumbing});
		const stat = head === base ? '' : await gitLine(dir, ['diff', '--shortstat', base, head]);
		return {head, ...parseShortstat(stat)};
	}

	async merge(
		workspace: PreparedWorkspace,
		work: CommittedWork,
		message: string,
	): Promise<MergeOutcome> {
		if (workspace.branch === undefined) return {kind: 'nothing'};
		const outcome = await this.#underLock(async () =>
			this.#mergeInto(work.head, message, this.options.mergeStrategy),
		);
		if (outcome.kind === 'merged' || outcome.kind === 'nothing')
			await this.#forget(workspace.branch);
		return outcome;
	}

	async release(workspace: PreparedWorkspace, keep: boolean): Promise<void> {
		if (keep || workspace.branch === undefined) return;
		const {branch} = workspace;
		await withWorktreeLock(this.top, async () => {
			for (const entry of await listWorktrees(this.top))
				if (entry.branch === `refs/heads/${branch}`) await this.#removeWorktree(entry.dir);
			// Removed behind our back and already pruned, or never registered: the folder may remain.
			const root = worktreeRoot(workspace.dir, this.prefix);
			if (path.dirname(root) === this.worktreeDir) await rm(root, {recursive: true, force: true});
			await git(this.top, ['worktree', 'prune'], {config: plumbing});
		});
	}

	async diff(record: WorkspaceRecord, options: DiffOptions): Promise<string> {
		return attemptDiff(this.top, record, options);
	}

	async #tip(): Promise<string> {
		const tip = await commitOf(this.top, `refs/heads/${this.branch}`);
		if (tip === undefined)
			throw new WorkspaceRefused(
				`the integration branch ${this.branch} was deleted during the run: stop the run, and start it again to make it afresh.`,
			);
		return tip;
	}

	/**
	 * Keeps a task branch's unmerged commits as `jetpack/attempts/<id>/<n>` before the branch is
	 * pointed at the new tip. Returns the branch that holds the latest kept work, if any.
	 */
	async #keepPrevious(taskId: string, tip: string, attempt: number): Promise<string | undefined> {
		const old = await commitOf(this.top, `refs/heads/${taskBranch(taskId)}`);
		if (old !== undefined && !(await isAncestor(this.top, old, tip))) {
			for (let copy = 1; ; copy++) {
				const name = attemptBranch(taskId, attempt) + (copy === 1 ? '' : `-${copy}`);
				const held = await commitOf(this.top, `refs/heads/${name}`);
				if (held === old) return name;
				if (held !== undefined) continue;
				await git(this.top, ['update-ref', `refs/heads/${name}`, old, ''], {config: plumbing});
				return name;
			}
		}

		// Nothing new on the branch: an earlier attempt's kept work is still the latest.
		const kept = await this.#attemptBranches(taskId);
		return kept.at(-1);
	}

	/** The task's kept attempt branches, oldest first. */
	async #attemptBranches(taskId: string): Promise<string[]> {
		const folder = `refs/heads/${attemptBranchPrefix}${encodeTaskId(taskId)}/`;
		const names = (await gitLine(this.top, ['for-each-ref', '--format=%(refname)', folder]))
			.split('\n')
			.filter((name) => name !== '')
			.map((name) => name.slice('refs/heads/'.length));
		const order = (name: string) => name.split('/').at(-1)?.split('-').map(Number) ?? [];
		return names.sort((a, b) => {
			const [x = 0, xc = 1] = order(a);
			const [y = 0, yc = 1] = order(b);
			return x - y || xc - yc;
		});
	}

	/** A merged (or empty) task needs nothing more: its worktree, branch and kept attempts go. */
	async #forget(branch: string): Promise<void> {
		await withWorktreeLock(this.top, async () => {
			for (const entry of await listWorktrees(this.top))
				if (entry.branch === `refs/heads/${branch}`) await this.#removeWorktree(entry.dir);
		});
		await git(this.top, ['update-ref', '-d', `refs/heads/${branch}`], {config: plumbing});
		const taskId = taskIdOfBranch(branch);
		if (taskId === undefined) return;
		for (const kept of await this.#attemptBranches(taskId))
			await git(this.top, ['update-ref', '-d', `refs/heads/${kept}`], {config: plumbing});
	}

	/**
	 * Removes a worktree, whatever state it is in (modified, already gone, never finished). Call
	 * with the worktree lock held.
	 */
	async #removeWorktree(dir: string): Promise<void> {
		try {
			await git(this.top, ['worktree', 'remove', '--force', dir], {config: plumbing});
			return;
		} catch (error) {
			if (!(error instanceof GitError)) throw error;
			// Gone behind our back (pruned below), or refused by git (submodules): a folder of ours goes.
			if ((await exists(dir)) && path.dirname(dir) !== this.worktreeDir) throw error;
		}

		await rm(dir, {recursive: true, force: true});
		await git(this.top, ['worktree', 'prune'], {config: plumbing});
	}

	/**
	 * Ignored files the repository names in `.worktreeinclude` (`.env` and the like): a fresh
	 * worktree has only what is committed.
	 */
	async #copyIncluded(dir: string): Promise<void> {
		const list = path.join(this.top, '.worktreeinclude');
		if (!(await exists(list))) return;
		const matching = (
			await git(this.top, ['ls-files', '-z', '--others', '--ignored', `--exclude-from=${list}`])
		).stdout
			.split('\0')
			.filter(
				(file) =>
					file !== '' &&
					!file.startsWith(`${this.prefix}.beads/`) &&
					!file.startsWith(`${this.prefix}.jetpack/`),
			);
		if (matching.length === 0) return;
		const ignored = await git(this.top, ['check-ignore', '-z', '--stdin'], {
			input: `${matching.join('\0')}\0`,
			okCodes: [1],
		});
		for (const file of ignored.stdout.split('\0')) {
			if (file === '') continue;
			const target = path.join(dir, file);
			await mkdir(path.dirname(target), {recursive: true});
			await cp(path.join(this.top, file), target, {
				preserveTimestamps: true,
				verbatimSymlinks: true,
			});
		}
	}

	/** New commits on the base branch go into the integration branch, by the same rules. */
	async #followBase(base: string): Promise<void> {
		const baseTip = await commitOf(this.top, `refs/heads/${base}`);
		if (baseTip === undefined) return;
		const outcome = await this.#underLock(async () =>
			this.#mergeInto(baseTip, `Merge branch '${base}' into ${this.branch}`, 'merge'),
		);
		if (outcome.kind === 'conflict')
			throw new WorkspaceRefused(
				`new commits on ${base} conflict with ${this.branch} in ${outcome.files.join(', ')}: merge ${base} into ${this.branch} yourself (git worktree add ../resolve ${this.branch}; merge and commit there; git worktree remove ../resolve${this.remote === undefined ? '' : `; git push ${this.remote.name} ${this.branch}`}), then run again.`,
			);
		if (outcome.kind === 'deferred') throw refusedRemote(this.remote?.name ?? '', outcome.reason);
	}

	/**
	 * At start, with `remote`: this machine's integration branch and the remote's become one. The
	 * remote gets the branch when it has none; work this machine holds that the remote lacks (from
	 * runs before `remote` was set) is merged onto the remote's tip and pushed.
	 */
	async #joinRemote(remote: string): Promise<void> {
		const local = await commitOf(this.top, `refs/heads/${this.branch}`);
		if (local === undefined) return;
		const outcome = await this.#underLock(async () =>
			this.#mergeInto(local, `Merge ${this.branch} of this machine into ${remote}`, 'merge'),
		);
		if (outcome.kind === 'conflict')
			throw new WorkspaceRefused(
				`${this.branch} here and on the remote ${remote} conflict in ${outcome.files.join(', ')}: merge ${remote}/${this.branch} into ${this.branch} yourself and push it (git worktree add ../resolve ${this.branch}; git merge ${remote}/${this.branch} and commit there; git push ${remote} ${this.branch}; git worktree remove ../resolve), then run again.`,
			);
		if (outcome.kind === 'deferred') throw refusedRemote(remote, outcome.reason);
	}

	/**
	 * Where a new worktree starts, with `remote`: the remote's tip, fetched now (under the merge
	 * lock, so no fetch of this repository's runs races another); undefined without `remote`, or
	 * when the remote has no integration branch (it gets this machine's at the next merge).
	 */
	async #startTip(): Promise<string | undefined> {
		const {remote} = this;
		if (remote === undefined) return undefined;
		return this.#underLock(async () => {
			try {
				return await this.#fetchTip(remote);
			} catch (error) {
				if (!(error instanceof RemoteUnreachable)) throw error;
				throw new RemoteUnreachable(
					`cannot fetch ${this.branch} from the remote ${remote.name}, so the attempt cannot start from the shared work (${error.message}); it goes back to the queue`,
				);
			}
		});
	}

	/**
	 * The remote's tip of the integration branch, fetched now (undefined when it has none); the
	 * local branch follows it when that loses nothing. Call with the merge lock held.
	 */
	async #fetchTip(remote: RemoteAccess): Promise<string | undefined> {
		const tip = await fetchIntegration(this.top, remote, this.branch);
		if (tip !== undefined) await this.#followLocally(tip);
		return tip;
	}

	/**
	 * Moves the local integration branch to `tip` when it is behind it. A local branch holding
	 * commits the remote lacks stays as it is: the next start merges them in (never a commit lost).
	 */
	async #followLocally(tip: string): Promise<void> {
		const ref = `refs/heads/${this.branch}`;
		const local = await commitOf(this.top, ref);
		if (local === tip) return;
		if (local !== undefined && !(await isAncestor(this.top, local, tip))) return;
		await git(
			this.top,
			['update-ref', '-m', 'jetpack-tui: follow the remote', ref, tip, local ?? ''],
			{config: plumbing},
		).catch(async (error: unknown) => {
			// Moved meanwhile by someone else: theirs stands, and the next fetch looks again.
			if ((await commitOf(this.top, ref)) !== local) return;
			throw error;
		});
	}

	/** One merge at a time across every process on this repository: a lock beside the store. */
	async #underLock<T>(work: () => Promise<T>): Promise<T> {
		const folder = path.join(this.repoDir, '.beads');
		await mkdir(folder, {recursive: true});
		const lock = await acquireStoreLock(path.join(folder, 'merge'), {
			staleMs: 10_000,
			timeoutMs: this.options.lockTimeoutMs ?? 10 * 60_000,
		});
		try {
			return await work();
		} finally {
			await lock.release();
		}
	}

	/**
	 * Moves the integration branch to hold `head`: a fast-forward where it can, else a commit
	 * computed without a checkout, swapped in only if the branch has not moved meanwhile.
	 */
	async #mergeInto(
		head: string,
		message: string,
		strategy: 'merge' | 'squash',
	): Promise<MergeOutcome> {
		for (let round = 0; ; round++) {
			const {remote} = this;
			// With a remote: its tip, or (none there yet) ours, which the push then creates there.
			const shared =
				remote === undefined ? undefined : await this.#fetchTip(remote).catch(deferral);
			if (typeof shared === 'object') return shared;
			const tip = shared ?? (await this.#tip());
			const headInTip = tip === head || (await isAncestor(this.top, head, tip));
			const tipInHead = !headInTip && (await isAncestor(this.top, tip, head));
			// Counted only where it decides something: a fast-forward under squash.
			const commitsAhead =
				tipInHead && strategy === 'squash'
					? Number(await gitLine(this.top, ['rev-list', '--count', `${tip}..${head}`]))
					: 0;
			const first = firstStep({headInTip, tipInHead, commitsAhead, strategy});
			const publish = remote !== undefined && shared === undefined;
			if (first.kind === 'nothing' && !publish) return {kind: 'nothing'};
			await this.#refuseIfCheckedOut();
			let next = first.kind === 'nothing' ? tip : head;
			if (first.kind === 'merge-tree') {
				const merged = await git(
					this.top,
					['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', tip, head],
					{okCodes: [1], config: plumbing},
				);
				const [tree = '', ...files] = merged.stdout.split('\0').filter((field) => field !== '');
				const step = afterMergeTree(
					{
						conflict: merged.code === 1,
						files,
						tree,
						tipTree: await gitLine(this.top, ['rev-parse', `${tip}^{tree}`]),
					},
					{tip, head},
					strategy,
				);
				if (step.kind !== 'commit') return step;
				next = await gitLine(
					this.top,
					[
						'commit-tree',
						'--no-gpg-sign',
						tree,
						...step.parents.flatMap((parent) => ['-p', parent]),
						'-m',
						message,
					],
					{config: plumbing, env: await identityEnv(this.top)},
				);
			}

			await this.options.beforeSwap?.();
			if (remote !== undefined) {
				const pushed = await this.#push(remote, next, shared ?? '');
				if (pushed === 'pushed')
					return first.kind === 'nothing' ? {kind: 'nothing'} : {kind: 'merged', commit: next};
				if (typeof pushed === 'object') return pushed;
				if (afterLostPush(round) === 'give-up')
					return {
						kind: 'deferred',
						reason: `${remote.name}/${this.branch} kept moving while this merge was pushed (${pushTries} tries, each lost to another machine's merge)`,
					};
				continue;
			}

			const swapped = await this.#swap(next, tip, message);
			const after = afterSwap(swapped, round);
			if (after === 'done') return {kind: 'merged', commit: next};
			if (after === 'give-up')
				throw new Error(
					`${this.branch} kept moving while a merge was computed (${swapTries} tries); another program is committing to it`,
				);
		}
	}

	/**
	 * The compare-and-swap on the shared remote: pushes `next` to its integration branch only if
	 * that is still `expected` (empty: only if it has none). `lost` when another machine merged
	 * first; a deferral (one line) when the remote cannot be reached or refuses.
	 */
	async #push(
		remote: RemoteAccess,
		next: string,
		expected: string,
	): Promise<'pushed' | 'lost' | MergeOutcome> {
		const ref = `refs/heads/${this.branch}`;
		const result = await git(
			this.top,
			[
				'push',
				'--porcelain',
				'--no-verify',
				'--no-follow-tags',
				'--recurse-submodules=no',
				`--force-with-lease=${ref}:${expected}`,
				remote.name,
				`${next}:${ref}`,
			],
			{config: plumbing, env: remote.env, okCodes: [1, 128], timeoutMs: remote.timeoutMs},
		).catch((error: unknown) => {
			if (!(error instanceof GitError)) throw error;
			return {stdout: '', stderr: error.stderr, code: -1};
		});
		const verdict = pushVerdict(result, ref);
		switch (verdict.kind) {
			case 'pushed': {
				await git(this.top, ['update-ref', `refs/remotes/${remote.name}/${this.branch}`, next], {
					config: plumbing,
				});
				await this.#followLocally(next);
				return 'pushed';
			}

			case 'lost': {
				return 'lost';
			}

			case 'refused': {
				return {
					kind: 'deferred',
					reason: `the remote ${remote.name} refused the push to ${this.branch} (${verdict.reason})`,
				};
			}

			case 'unreachable': {
				return {
					kind: 'deferred',
					reason: `the remote ${remote.name} could not be reached (${verdict.reason})`,
				};
			}
		}
	}

	/** `update-ref NEW OLD`: true when it moved the branch, false when the branch was no longer at OLD. */
	async #swap(next: string, tip: string, message: string): Promise<boolean> {
		const options: GitOptions = {config: plumbing};
		try {
			await git(
				this.top,
				['update-ref', '-m', `jetpack-tui: ${message}`, `refs/heads/${this.branch}`, next, tip],
				options,
			);
			return true;
		} catch (error) {
			if (!(error instanceof GitError)) throw error;
			if ((await commitOf(this.top, `refs/heads/${this.branch}`)) !== tip) return false;
			throw error;
		}
	}

	/**
	 * A checkout of the integration branch would see its files change under it when the branch
	 * moves: checked at open, and again before each move, since a person may have switched since.
	 */
	async #refuseIfCheckedOut(): Promise<void> {
		const checkedOut = await withWorktreeLock(this.top, async () =>
			(await listWorktrees(this.top)).find((entry) => entry.branch === `refs/heads/${this.branch}`),
		);
		if (checkedOut !== undefined)
			throw new WorkspaceRefused(
				`${this.branch} is checked out in ${checkedOut.dir}, so finished work cannot be merged into it: check out another branch there.`,
			);
	}
}

/** An attempt's work can no longer be shown: one sentence saying why. */
export class DiffUnavailable extends JetpackError {
	override readonly name = 'DiffUnavailable';
	readonly exitCode = exitCodes.problems;
}

/**
 * What an attempt changed (PRODUCT.md §12), in the repository whose work tree has its top at
 * `top`. Unmerged: `base..head`. Merged by a fast-forward, the merged commit is its head, so the
 * same range; merged by a merge or squash commit: that commit against its first parent, which is
 * what the integration branch took.
 */
export async function attemptDiff(
	top: string,
	record: WorkspaceRecord,
	options: DiffOptions,
): Promise<string> {
	const {base, head} = record;
	const merged = record.merged ?? undefined;
	if (head === undefined || head === '')
		throw new DiffUnavailable(
			`the attempt on ${record.branch} recorded no commit of its work, so there is nothing to diff.`,
		);
	const range = merged === undefined || merged === head ? [base, head] : [`${merged}^1`, merged];
	for (const commit of merged === undefined ? [base, head] : [merged])
		if ((await commitOf(top, commit)) === undefined)
			throw new DiffUnavailable(
				`commit ${commit.slice(0, 12)} of ${record.branch} is no longer in the repository (deleted with its branch, then pruned by git), so its diff cannot be shown.`,
			);
	const {stdout} = await git(top, [
		'diff',
		options.color ? '--color=always' : '--no-color',
		'--no-ext-diff',
		...(options.stat === true ? ['--stat'] : []),
		...range,
	]);
	return stdout;
}

/** Why `branch` cannot serve as the integration branch; refuses with the fix. */
async function checkIntegrationName(repoDir: string, branch: string): Promise<void> {
	const valid = await git(repoDir, ['check-ref-format', '--branch', branch], {okCodes: [1, 128]});
	if (valid.code !== 0)
		throw new WorkspaceRefused(
			`"${branch}" is not a valid branch name: set "branch" in .jetpack/config.json to another.`,
		);
	const clash = integrationNameClash(branch);
	if (clash !== undefined)
		throw new WorkspaceRefused(`${clash}: set "branch" in .jetpack/config.json to another name.`);
	// A branch at any of these names would keep task branches from being made under it.
	for (const name of ['jetpack', 'jetpack/tasks', 'jetpack/attempts'])
		if ((await commitOf(repoDir, `refs/heads/${name}`)) !== undefined)
			throw new WorkspaceRefused(
				`a branch named ${name} is where jetpack-tui keeps its task branches (${taskBranchPrefix}…): rename it (git branch -m ${name} NEW-NAME).`,
			);
}

/** Config `remote`: its name, and what its fetches and pushes run with. */
interface RemoteAccess {
	readonly name: string;
	readonly env: Readonly<Record<string, string>>;
	readonly timeoutMs: number;
}

/**
 * Refuses a `remote` that is not one of the repository's; else the environment its commands run
 * in: ssh never asks for a password (nobody is there to answer, and a TUI owns the terminal)
 * unless the user has chosen their own ssh command.
 */
async function remoteEnvironment(top: string, remote: string): Promise<Record<string, string>> {
	const names = (await gitLine(top, ['remote'])).split('\n').filter((name) => name !== '');
	if (!names.includes(remote))
		throw new ConfigError(
			`.jetpack/config.json: "remote" is ${JSON.stringify(remote)}, which is not a remote of this repository (${names.length === 0 ? 'it has none' : `its remotes: ${names.join(', ')}`}): add it (git remote add ${remote} URL) or set "remote" to one of its remotes.`,
		);
	const ownSsh =
		process.env.GIT_SSH_COMMAND !== undefined ||
		process.env.GIT_SSH !== undefined ||
		(await git(top, ['config', '--get', 'core.sshCommand'], {okCodes: [1]})).stdout.trim() !== '';
	return ownSsh ? {} : {GIT_SSH_COMMAND: 'ssh -o BatchMode=yes'};
}

/**
 * Fetches the remote's integration branch into `refs/remotes/<remote>/<branch>`: its tip, or
 * undefined when the remote has no such branch. Throws `RemoteUnreachable` on no answer.
 */
async function fetchIntegration(
	top: string,
	remote: RemoteAccess,
	branch: string,
): Promise<string | undefined> {
	const tracking = `refs/remotes/${remote.name}/${branch}`;
	// Fetch checks what it got against every ref, every worktree's HEAD among them: one that
	// `worktree add` is half-way through making is "a bad object" to it. So not meanwhile.
	const result = await withWorktreeLock(top, async () =>
		git(
			top,
			[
				'fetch',
				'--quiet',
				'--no-tags',
				'--no-write-fetch-head',
				'--recurse-submodules=no',
				remote.name,
				`+refs/heads/${branch}:${tracking}`,
			],
			{config: plumbing, env: remote.env, okCodes: [1, 128], timeoutMs: remote.timeoutMs},
		),
	).catch((error: unknown) => {
		if (!(error instanceof GitError)) throw error;
		return {stdout: '', stderr: error.stderr, code: -1};
	});
	const verdict = fetchVerdict(result);
	if (verdict.kind === 'unreachable')
		throw new RemoteUnreachable(
			`the remote ${remote.name} could not be reached (${verdict.reason})`,
		);
	if (verdict.kind === 'absent') {
		await git(top, ['update-ref', '-d', tracking], {config: plumbing});
		return undefined;
	}

	const tip = await commitOf(top, tracking);
	if (tip === undefined) throw new Error(`git fetch left no ${tracking}`);
	return tip;
}

/** A merge that met an unreachable remote is deferred: the work stays on its branch. */
function deferral(error: unknown): MergeOutcome {
	if (error instanceof RemoteUnreachable) return {kind: 'deferred', reason: error.message};
	throw error;
}

/** A run cannot start while the remote cannot be reached: exit 2, with the way out. */
function refusedRemote(remote: string, cause: unknown): WorkspaceRefused {
	if (!(cause instanceof RemoteUnreachable) && typeof cause !== 'string') {
		throw cause;
	}

	const reason = typeof cause === 'string' ? cause : cause.message;
	return new WorkspaceRefused(
		`cannot share the integration branch through the remote ${remote}: ${reason}; check the network and your access (git fetch ${remote}), or remove "remote" from .jetpack/config.json to merge on this machine alone.`,
	);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The worktree folder a workspace's `dir` is in (`dir` is deeper when the store is in a subfolder). */
function worktreeRoot(dir: string, prefix: string): string {
	const depth = prefix.split('/').filter((part) => part !== '').length;
	let root = dir;
	for (let i = 0; i < depth; i++) root = path.dirname(root);
	return root;
}

/** A jetpack worktree or branch, for `clean` and crash recovery. */
export interface JetpackWork {
	readonly worktrees: ReadonlyArray<{
		readonly dir: string;
		readonly branch: string;
		readonly taskId: string;
		readonly head?: string;
		/** Its folder is gone. */
		readonly missing: boolean;
	}>;
	readonly branches: ReadonlyArray<{
		readonly branch: string;
		readonly taskId: string;
		readonly commit: string;
		/** `task`: the attempt's branch; `attempt`: an earlier attempt's kept work. */
		readonly kind: 'task' | 'attempt';
	}>;
}

/** Every task worktree and branch of the repository holding `repoDir`. */
export async function listJetpackWork(repoDir: string): Promise<JetpackWork> {
	const entries = await withWorktreeLock(repoDir, async () => listWorktrees(repoDir));
	return collectJetpackWork(repoDir, entries);
}

/** What `clean` may do to jetpack's worktrees and branches while it holds the worktree lock. */
export interface JetpackWorkRemover {
	/**
	 * Removes a worktree; `force` also drops changes in it (a kept attempt's). Without `force`, git
	 * refuses a worktree with changes, and the GitError says so.
	 */
	worktree(dir: string, force: boolean): Promise<void>;
	/** Deletes a branch if it still points at `commit`; false when it was gone already. */
	branch(branch: string, commit: string): Promise<boolean>;
	/** `git worktree prune`: the lines git prints for what it prunes (or, dry, would prune). */
	prune(dry: boolean): Promise<string[]>;
}

/**
 * Runs `work` with the repository's worktree lock held, handing it the jetpack work as it stands
 * and a way to remove it: a run preparing a worktree meanwhile waits, so what `work` judged
 * unneeded (from the store, read inside) is still what it removes.
 */
export async function withJetpackWork<T>(
	repoDir: string,
	work: (found: JetpackWork, remove: JetpackWorkRemover) => Promise<T>,
): Promise<T> {
	return withWorktreeLock(repoDir, async () => {
		const found = await collectJetpackWork(repoDir, await listWorktrees(repoDir));
		return work(found, {
			async worktree(dir, force) {
				if (!(await exists(dir))) {
					await git(repoDir, ['worktree', 'prune'], {config: plumbing});
					return;
				}

				await git(repoDir, ['worktree', 'remove', ...(force ? ['--force'] : []), dir], {
					config: plumbing,
				});
			},
			async branch(branch, commit) {
				try {
					await git(repoDir, ['update-ref', '-d', `refs/heads/${branch}`, commit], {
						config: plumbing,
					});
					return true;
				} catch (error) {
					// Deleted meanwhile (a run merged the task): what was wanted.
					if (
						error instanceof GitError &&
						(await commitOf(repoDir, `refs/heads/${branch}`)) === undefined
					)
						return false;
					throw error;
				}
			},
			async prune(dry) {
				const {stdout, stderr} = await git(
					repoDir,
					['worktree', 'prune', '--verbose', ...(dry ? ['--dry-run'] : [])],
					{config: plumbing},
				);
				return `${stdout}${stderr}`.split('\n').filter((line) => line.trim() !== '');
			},
		});
	});
}

async function collectJetpackWork(
	repoDir: string,
	entries: readonly WorktreeEntry[],
): Promise<JetpackWork> {
	const worktrees = entries.flatMap((entry) => {
		const taskId = entry.branch === undefined ? undefined : taskIdOfBranch(entry.branch);
		if (taskId === undefined || entry.branch === undefined) return [];
		return [
			{
				dir: entry.dir,
				branch: entry.branch.slice('refs/heads/'.length),
				taskId,
				head: entry.head,
				missing: entry.prunable,
			},
		];
	});
	const refs = await gitLine(repoDir, [
		'for-each-ref',
		'--format=%(objectname) %(refname)',
		`refs/heads/${taskBranchPrefix}`,
		`refs/heads/${attemptBranchPrefix}`,
	]);
	const branches = refs.split('\n').flatMap((line): Array<JetpackWork['branches'][number]> => {
		const [commit = '', ref = ''] = line.split(' ');
		const branch = ref.slice('refs/heads/'.length);
		if (branch.startsWith(taskBranchPrefix)) {
			const taskId = taskIdOfBranch(branch);
			return taskId === undefined ? [] : [{branch, taskId, commit, kind: 'task'}];
		}

		const component = branch.slice(attemptBranchPrefix.length).split('/')[0];
		if (component === undefined || component === '') return [];
		try {
			return [{branch, taskId: decodeTaskId(component), commit, kind: 'attempt'}];
		} catch {
			// Not a name we made.
			return [];
		}
	});
	return {worktrees, branches};
}
