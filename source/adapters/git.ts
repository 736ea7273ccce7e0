/**
 * The real `git`, for worktree mode (PRODUCT.md §12): argv only (never a shell), so a task id or
 * a file name can never be read as a command. Our plumbing runs in an environment that no
 * inherited variable can point at another repository and that never waits for a password; the
 * user's own config (their identity above all) stays readable.
 */
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';

/** A git command that failed: its arguments, exit code and what git said on stderr. */
export class GitError extends Error {
	override readonly name = 'GitError';
	constructor(
		readonly args: readonly string[],
		readonly code: number | string | null,
		readonly stderr: string,
	) {
		const said = stderr.trim().split('\n').slice(-3).join(' / ');
		super(`git ${args.join(' ')} failed (${code}): ${said === '' ? 'no message' : said}`);
	}
}

export interface GitOptions {
	/** `-c name=value` settings for this command only. */
	readonly config?: Readonly<Record<string, string>>;
	/** Variables added to the environment (an identity, say). */
	readonly env?: Readonly<Record<string, string>>;
	/** Written to git's stdin. */
	readonly input?: string;
	/** Exit codes that are answers rather than failures (`merge-base --is-ancestor` says no with 1). */
	readonly okCodes?: readonly number[];
	/** Killed (SIGTERM) past this: a remote that stops answering must not hold the merge queue. */
	readonly timeoutMs?: number;
}

export interface GitResult {
	readonly stdout: string;
	readonly stderr: string;
	readonly code: number;
}

/**
 * Variables that would make git work on some other repository, index or object store than the
 * one in `cwd`: set when we are started from a git hook, say.
 */
const steering = [
	'GIT_DIR',
	'GIT_WORK_TREE',
	'GIT_INDEX_FILE',
	'GIT_OBJECT_DIRECTORY',
	'GIT_ALTERNATE_OBJECT_DIRECTORIES',
	'GIT_COMMON_DIR',
	'GIT_NAMESPACE',
	'GIT_PREFIX',
	'GIT_QUARANTINE_PATH',
];

function environment(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([name]) => !steering.includes(name)),
	);
	return {
		...env,
		// Never a prompt for credentials or an editor: nobody is there to answer.
		GIT_TERMINAL_PROMPT: '0',
		GIT_EDITOR: 'true',
		// Messages we read (a compare-and-swap that lost) in one language.
		LC_ALL: 'C',
		LANGUAGE: 'C',
		// Reading status must not rewrite the user's index behind their back.
		GIT_OPTIONAL_LOCKS: '0',
		...extra,
	};
}

/** Runs `git args` in `cwd`; throws `GitError` on an exit code not in `okCodes` (0 always is). */
export async function git(
	cwd: string,
	args: readonly string[],
	options: GitOptions = {},
): Promise<GitResult> {
	const config = Object.entries(options.config ?? {}).flatMap(([key, value]) => [
		'-c',
		`${key}=${value}`,
	]);
	const argv = [...config, ...args];
	return new Promise((resolve, reject) => {
		const child = execFile(
			'git',
			argv,
			{
				cwd,
				env: environment(options.env),
				maxBuffer: 256 * 1024 * 1024,
				encoding: 'utf8',
				...(options.timeoutMs === undefined ? {} : {timeout: options.timeoutMs}),
			},
			(error, stdout, stderr) => {
				if (error === null) {
					resolve({stdout, stderr, code: 0});
					return;
				}

				const code = (error as NodeJS.ErrnoException & {code?: number | string}).code ?? null;
				if (typeof code === 'number' && (options.okCodes ?? []).includes(code)) {
					resolve({stdout, stderr, code});
					return;
				}

				const timedOut = options.timeoutMs !== undefined && (error as {killed?: boolean}).killed;
				const said = timedOut
					? `${stderr}\nno answer within ${Math.round((options.timeoutMs ?? 0) / 1000)} s`
					: code !== 'ENOENT'
						? stderr || error.message
						: existsSync(cwd)
							? 'git is not installed (not found on PATH)'
							: `the folder ${cwd} does not exist`;
				reject(new GitError(args, code, said));
			},
		);
		if (options.input !== undefined) child.stdin?.end(options.input);
		else child.stdin?.end();
	});
}

/** `git args`'s stdout with its final newline removed. */
export async function gitLine(
	cwd: string,
	args: readonly string[],
	options?: GitOptions,
): Promise<string> {
	return (await git(cwd, args, options)).stdout.replace(/\n$/, '');
}

/** The git on PATH, as `[major, minor, patch]`; undefined when there is none. */
export async function gitVersion(): Promise<readonly [number, number, number] | undefined> {
	// Any folder will do, as long as it exists: the process's own may have been removed.
	const line = await gitLine('/', ['version']).catch(() => undefined);
	const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(line ?? '');
	if (match === null) return undefined;
	return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** Worktree mode computes merges with `git merge-tree --write-tree`, new in git 2.38. */
export const worktreeModeGit = [2, 38] as const;

/** Why git `version` cannot do worktree mode (one line for the user), or undefined when it can. */
export function gitTooOld(
	version: readonly [number, number, number] | undefined,
): string | undefined {
	if (version === undefined)
		return 'git is not installed, so every agent works in the shared folder';
	const [major, minor] = version;
	const [needMajor, needMinor] = worktreeModeGit;
	if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
	return `git ${version.join('.')} is older than ${needMajor}.${needMinor}, which worktree mode needs (git merge-tree --write-tree), so every agent works in the shared folder; update git to give each agent its own worktree`;
}

/** Why the git on PATH cannot do worktree mode, or undefined when it can. */
export async function worktreeModeUnsupported(): Promise<string | undefined> {
	return gitTooOld(await gitVersion());
}
