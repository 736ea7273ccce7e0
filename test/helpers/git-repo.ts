/**
 * Real git repositories in temp folders, for the worktree-mode tests: made, written and read with
 * the real `git`, isolated from the machine's own git config.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {tempRepo} from './temp-repo.js';

const identityVariables = ['AUTHOR', 'COMMITTER'].flatMap((role) =>
	['NAME', 'EMAIL', 'DATE'].map((part) => `GIT_${role}_${part}`),
);

/**
 * Git in this process (and the children it starts) reads no global or system config: a test that
 * wants an identity configures it in its repository.
 */
export function isolateGitConfig(): void {
	process.env.GIT_CONFIG_GLOBAL = '/dev/null';
	process.env.GIT_CONFIG_NOSYSTEM = '1';
	// An identity in the environment would hide the repository's own (or its absence).
	for (const name of identityVariables) Reflect.deleteProperty(process.env, name);
}

/** Runs git in `cwd` and returns its stdout, trimmed; throws with git's stderr on failure. */
export function gitIn(cwd: string, ...args: string[]): string {
	return execFileSync('git', args, {
		cwd,
		encoding: 'utf8',
		// Reading status in a test must not refresh the index whose bytes the test compares.
		env: {...process.env, GIT_OPTIONAL_LOCKS: '0'},
		stdio: ['ignore', 'pipe', 'pipe'],
	}).trim();
}

/** Writes `files` (path → content) under `dir`, making folders as needed. */
export function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
	for (const [file, content] of Object.entries(files)) {
		mkdirSync(path.dirname(path.join(dir, file)), {recursive: true});
		writeFileSync(path.join(dir, file), content);
	}
}

/** Commits `paths` (default everything) in `dir`, with a test identity. */
export function commitAll(dir: string, message: string, paths: readonly string[] = ['.']): string {
	gitIn(dir, 'add', '-A', '--', ...paths);
	gitIn(
		dir,
		'-c',
		'user.name=Test Person',
		'-c',
		'user.email=test@example.com',
		'commit',
		'-q',
		'--no-verify',
		'-m',
		message,
	);
	return gitIn(dir, 'rev-parse', 'HEAD');
}

export interface RepoOptions {
	/** Configure `user.name` and `user.email` in the repository (default true). */
	readonly identity?: boolean;
	/** The files of the first commit (default a README). */
	readonly files?: Readonly<Record<string, string>>;
	/** Make no commit at all. */
	readonly empty?: boolean;
}

/** A repository on `main` with one commit, in a temp folder removed after the test. */
export async function gitRepo(options: RepoOptions = {}): Promise<string> {
	const dir = await tempRepo();
	gitIn(dir, 'init', '-q', '-b', 'main');
	if (options.identity ?? true) {
		gitIn(dir, 'config', 'user.name', 'Repo Owner');
		gitIn(dir, 'config', 'user.email', 'owner@example.com');
	}

	if (options.empty === true) return dir;
	writeFiles(dir, options.files ?? {'README.md': 'hello\n'});
	commitAll(dir, 'first');
	return dir;
}

/**
 * Makes `dir` (a folder with its store already in it) a person's repository: on `main`, with an
 * identity, and one commit holding `files` alone (the store stays untracked). Its HEAD.
 */
export function initRepoIn(dir: string, files: Readonly<Record<string, string>>): string {
	gitIn(dir, 'init', '-q', '-b', 'main');
	gitIn(dir, 'config', 'user.name', 'Person');
	gitIn(dir, 'config', 'user.email', 'person@example.com');
	writeFiles(dir, files);
	return commitAll(dir, 'start', Object.keys(files));
}

/**
 * Every file under `dir` with its bytes, `.git` aside but for the user's HEAD and index: what a
 * run must leave as it found it. Folders named in `skip` (`.beads`, `.jetpack`) are left out.
 */
export function checkoutSnapshot(
	dir: string,
	skip: readonly string[] = ['.beads', '.jetpack'],
): Record<string, string> {
	const files: Record<string, string> = {};
	const walk = (folder: string) => {
		for (const entry of readdirSync(path.join(dir, folder), {withFileTypes: true})) {
			const relative = path.join(folder, entry.name);
			if (folder === '' && (entry.name === '.git' || skip.includes(entry.name))) continue;
			if (entry.isDirectory()) walk(relative);
			else files[relative] = readFileSync(path.join(dir, relative)).toString('base64');
		}
	};

	walk('');
	for (const file of ['HEAD', 'index'])
		files[`.git/${file}`] = readFileSync(path.join(dir, '.git', file)).toString('base64');
	files['git status'] = gitIn(dir, 'status', '--porcelain=v1', '--untracked-files=all')
		.split('\n')
		.filter((line) => !skip.some((folder) => line.slice(3).startsWith(`${folder}/`)))
		.join('\n');
	return files;
}

/** The files a commit holds, sorted. */
export const filesAt = (dir: string, commit: string) =>
	gitIn(dir, 'ls-tree', '-r', '--name-only', commit).split('\n').filter(Boolean).sort();

/** The parents of a commit. */
export const parentsOf = (dir: string, commit: string) =>
	gitIn(dir, 'rev-list', '--parents', '-n', '1', commit).split(' ').slice(1);

/**
 * A shared remote (a bare repository in a temp folder) and `count` machines: the first a
 * repository on `main` whose first commit holds `files` (default a README), pushed there; the
 * others clones of it, each with an identity of its own. Remote name `origin` everywhere.
 */
export async function sharedRemote(
	count = 2,
	files: Readonly<Record<string, string>> = {'README.md': 'hello\n'},
): Promise<{remote: string; machines: string[]}> {
	const remote = await tempRepo();
	gitIn(remote, 'init', '-q', '--bare', '-b', 'main');
	const first = await gitRepo({files});
	gitIn(first, 'remote', 'add', 'origin', remote);
	gitIn(first, 'push', '-q', 'origin', 'main');
	const machines = [first];
	for (let n = 2; n <= count; n++) {
		const clone = await tempRepo();
		gitIn(clone, 'clone', '-q', remote, '.');
		gitIn(clone, 'config', 'user.name', `Machine ${n}`);
		gitIn(clone, 'config', 'user.email', `machine${n}@example.com`);
		machines.push(clone);
	}

	return {remote, machines};
}
