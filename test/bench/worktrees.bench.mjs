// PRODUCT.md §12: what a worktree per attempt costs on a repository of ~10,000 files. Making and
// removing a worktree, committing and merging a one-file change (fast-forward, and a true merge
// onto a moved integration branch), beside a short simulated attempt for scale; and the
// utilisation DAG of run.bench.mjs run headless in worktree mode and in shared mode. Then the
// integration branch on a shared remote (§12, §15), registered as `worktrees-remote`: a bare clone
// as the remote, two clones as the machines: merge + push alone, and two machines merging at once
// (how often a push race retried).
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {GitWorkspaces} from '../../dist/adapters/git-workspaces.js';
import {printTable, row, timeProcess} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const runs = 15;
const folders = 20;
const filesPerFolder = 500;

const git = (cwd, ...args) =>
	execFileSync('git', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).trim();

/** A repository of folders × files small source-like files, in one commit. */
function bigRepo(dir, moduleCount = folders) {
	git(dir, 'init', '-q', '-b', 'main');
	git(dir, 'config', 'user.name', 'Bench');
	git(dir, 'config', 'user.email', 'bench@example.com');
	for (let f = 0; f < moduleCount; f++) {
		const folder = path.join(dir, 'src', `module${f}`);
		mkdirSync(folder, {recursive: true});
		for (let i = 0; i < filesPerFolder; i++)
			writeFileSync(
				path.join(folder, `file${i}.ts`),
				`export const value${i} = ${f * filesPerFolder + i};\nexport function f${i}() {\n\treturn value${i} * 2;\n}\n`,
			);
	}

	writeFileSync(path.join(dir, '.gitignore'), '.beads/\n.jetpack/\nnode_modules/\n');
	git(dir, 'add', '-A');
	git(dir, 'commit', '-q', '-m', 'ten thousand files');
	return Number(git(dir, 'ls-files').split('\n').length);
}

/** The DAG of run.bench.mjs; each task also writes one file, so every worktree has work to merge. */
function utilisationDag() {
	const tasks = [];
	for (let i = 0; i < 30; i++) {
		const id = `a${String(i).padStart(2, '0')}`;
		tasks.push({
			id,
			title: `short ${i}`,
			estimatedMinutes: 1,
			sim: {ms: 1000, writes: {[`out/${id}.txt`]: `${id}\n`}},
		});
	}

	for (let i = 0; i < 6; i++)
		tasks.push({
			id: `z${i}`,
			title: `chain ${i}`,
			estimatedMinutes: 2,
			dependencies: i === 0 ? [] : [`z${i - 1}`],
			sim: {ms: 2000, writes: {[`out/z${i}.txt`]: `z${i}\n`}},
		});
	return tasks;
}

/** A headless run of `tasks` in `dir`; its makespan (first claim → last completion) and exit. */
function headlessRun(dir, tasks, config) {
	mkdirSync(path.join(dir, '.beads'), {recursive: true});
	mkdirSync(path.join(dir, '.jetpack'), {recursive: true});
	writeFileSync(
		path.join(dir, '.beads', 'tasks.jsonl'),
		tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
	);
	writeFileSync(path.join(dir, '.jetpack', 'config.json'), JSON.stringify(config));
	const result = spawnSync(process.execPath, [cli, '--headless', '--json'], {
		cwd: dir,
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	});
	const lines = result.stdout
		.trim()
		.split('\n')
		.filter((line) => line.startsWith('{'))
		.map((line) => JSON.parse(line));
	const time = (line) => Date.parse(line.time);
	const first = lines.find((line) => line.event === 'task.claimed');
	const completed = lines.filter((line) => line.event === 'task.completed');
	const last = completed.at(-1);
	return {
		makespan: first === undefined || last === undefined ? Number.NaN : time(last) - time(first),
		completed: completed.length,
		code: result.status,
		stderr: result.stderr,
	};
}

export async function run() {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-worktrees-'));
	const worktreeDir = path.join(dir, 'worktrees');
	const repo = path.join(dir, 'repo');
	mkdirSync(repo);
	mkdirSync(worktreeDir);
	try {
		const files = bigRepo(repo);
		const rows = [];
		const workspaces = await GitWorkspaces.open(repo, {
			runId: 'bench',
			mergeStrategy: 'merge',
			worktreeDir,
		});

		const prepareRelease = [];
		for (let i = 0; i < runs; i++) {
			const started = performance.now();
			const workspace = await workspaces.prepare(`pr${i}`, 1);
			await workspaces.release(workspace, false);
			prepareRelease.push(performance.now() - started);
		}

		rows.push(
			row(
				'prepare + release (worktree add, remove)',
				prepareRelease,
				`${files} files checked out and removed`,
			),
		);

		const prepareOnly = [];
		const fastForward = [];
		const trueMerge = [];
		for (let i = 0; i < runs; i++) {
			// Two attempts from the same tip: the first merges as a fast-forward, the second onto the
			// tip the first moved, as a merge computed without a checkout.
			let started = performance.now();
			const first = await workspaces.prepare(`ff${i}`, 1);
			prepareOnly.push(performance.now() - started);
			const second = await workspaces.prepare(`mg${i}`, 1);
			writeFileSync(
				path.join(first.dir, 'src', 'module0', `ff${i}.ts`),
				`export const ff = ${i};\n`,
			);
			writeFileSync(
				path.join(second.dir, 'src', 'module1', `mg${i}.ts`),
				`export const mg = ${i};\n`,
			);

			started = performance.now();
			const firstWork = await workspaces.commit(first, `ff${i}: one file`);
			const ff = await workspaces.merge(first, firstWork, `ff${i}: one file`);
			fastForward.push(performance.now() - started);

			started = performance.now();
			const secondWork = await workspaces.commit(second, `mg${i}: one file`);
			const merged = await workspaces.merge(second, secondWork, `mg${i}: one file`);
			trueMerge.push(performance.now() - started);
			if (ff.kind !== 'merged' || merged.kind !== 'merged')
				throw new Error(`expected two merges, got ${ff.kind} and ${merged.kind}`);
			const parents = git(repo, 'rev-list', '--parents', '-n', '1', merged.commit).split(' ');
			if (parents.length !== 3) throw new Error('the second merge was not a true merge');
		}

		rows.push(row('prepare alone (worktree add)', prepareOnly, 'part of the first row'));
		rows.push(
			row(
				'commit + merge, fast-forward',
				fastForward,
				'add -A, commit, update-ref; the worktree removed after',
			),
		);
		rows.push(
			row(
				'commit + merge, true merge',
				trueMerge,
				'merge-tree --write-tree, commit-tree, update-ref CAS; worktree removed',
			),
		);

		// The floor under a worktree: the machine's cost of creating the same files.
		const copies = [];
		for (let i = 0; i < 5; i++) {
			const started = performance.now();
			execFileSync('cp', ['-r', path.join(repo, 'src'), path.join(dir, 'copy')]);
			copies.push(performance.now() - started);
			rmSync(path.join(dir, 'copy'), {recursive: true, force: true});
		}

		rows.push(row('cp -r of the same files, for scale', copies, 'file creation on this disk'));

		// For scale: one short attempt of the simulated agent (the DAG's 1 s task), start to exit.
		const scale = path.join(dir, 'scale');
		mkdirSync(path.join(scale, '.beads'), {recursive: true});
		writeFileSync(
			path.join(scale, '.beads', 'tasks.jsonl'),
			`${JSON.stringify({id: 'a00', title: 'short', sim: {ms: 1000}})}\n`,
		);
		rows.push(
			row(
				'a short simulated attempt (sim 1 s)',
				timeProcess(5, [process.execPath, cli, 'simulate', 'a00'], {cwd: scale}),
				'node start-up + store read + 1 s of work',
			),
		);
		printTable(`Worktrees on a repository of ${files} files (PRODUCT.md §12)`, rows);

		// The utilisation DAG, headless, 4 simulated agents: each attempt in its own worktree of
		// the big repository and merged, against every agent in the one folder.
		const tasks = utilisationDag();
		const base = {agents: [{profile: 'simulated', count: 4}], graceSeconds: 1};
		const before = git(repo, 'rev-parse', 'jetpack/main');
		const worktree = headlessRun(repo, tasks, {...base, workspaces: 'worktree', worktreeDir});
		const merges = Number(git(repo, 'rev-list', '--count', `${before}..jetpack/main`));
		const shared = headlessRun(repo, tasks, {...base, workspaces: 'shared'});
		const bound = Math.max(6 * 2000, tasks.reduce((sum, task) => sum + task.sim.ms, 0) / 4);
		console.log(
			`\nUtilisation DAG (30 x 1 s + a chain of 6 x 2 s, each writing one file), 4 simulated agents, lower bound ${bound / 1000} s\n`,
		);
		for (const [name, result] of [
			['worktree (10k-file repo)', worktree],
			['shared', shared],
		])
			console.log(
				`  ${name.padEnd(26)} makespan ${(result.makespan / 1000).toFixed(2)} s, ratio to the bound ${(result.makespan / bound).toFixed(3)}, ${result.completed} completed, exit ${result.code}${result.code === 0 ? '' : ` (${result.stderr.trim().split('\n').at(-1)})`}`,
			);
		console.log(
			`  worktree mode left ${merges} commits on jetpack/main; makespan cost of worktrees: ${((worktree.makespan - shared.makespan) / 1000).toFixed(2)} s (${(((worktree.makespan - shared.makespan) / shared.makespan) * 100).toFixed(1)}%)`,
		);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

/**
 * `npm run bench -- worktrees-remote` (run.mjs names it apart): the shared remote alone, on a
 * repository of 1,000 files (the checkout's size is the worktree table's subject, not this one's).
 */
export async function runRemote() {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-remote-'));
	const repo = path.join(dir, 'repo');
	mkdirSync(repo);
	try {
		await remoteFigures(dir, repo, bigRepo(repo, 2));
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

/**
 * The integration branch on a shared remote: a bare clone of the big repository as the remote
 * (local, so the figures are git's own cost, not a network's), two clones as two machines.
 */
async function remoteFigures(dir, repo, files) {
	const remote = path.join(dir, 'remote.git');
	git(dir, 'clone', '-q', '--bare', repo, remote);
	const machines = [];
	for (const name of ['m1', 'm2']) {
		const clone = path.join(dir, name);
		git(dir, 'clone', '-q', remote, clone);
		git(clone, 'config', 'user.name', `Bench ${name}`);
		git(clone, 'config', 'user.email', `${name}@example.com`);
		const rounds = {count: 0};
		const workspaces = await GitWorkspaces.open(clone, {
			runId: `bench-${name}`,
			mergeStrategy: 'merge',
			worktreeDir: path.join(dir, `${name}-worktrees`),
			remote: 'origin',
			async beforeSwap() {
				rounds.count++;
			},
		});
		machines.push({name, clone, workspaces, rounds});
	}

	/** Prepares `count` attempts on a machine, each writing one file, committed. */
	const attempts = async (machine, prefix, count, prepared) => {
		const made = [];
		for (let i = 0; i < count; i++) {
			const started = performance.now();
			const workspace = await machine.workspaces.prepare(`${prefix}${i}`, 1);
			prepared?.push(performance.now() - started);
			writeFileSync(
				path.join(workspace.dir, 'src', 'module1', `${prefix}${i}.ts`),
				`export const x = ${i};\n`,
			);
			const work = await machine.workspaces.commit(workspace, `${prefix}${i}: one file`);
			made.push({workspace, work, id: `${prefix}${i}`});
		}

		return made;
	};

	/** Merges a machine's attempts one after another: each one's time and its push rounds. */
	const mergeAll = async (machine, made) => {
		const times = [];
		const rounds = [];
		for (const {workspace, work, id} of made) {
			const before = machine.rounds.count;
			const started = performance.now();
			const outcome = await machine.workspaces.merge(workspace, work, `Merge ${id}`);
			times.push(performance.now() - started);
			rounds.push(machine.rounds.count - before);
			if (outcome.kind !== 'merged') throw new Error(`${id}: ${JSON.stringify(outcome)}`);
		}

		return {times, rounds};
	};

	const [first, second] = machines;
	const rows = [];
	const prepared = [];
	const alone = await mergeAll(first, await attempts(first, 'solo', runs, prepared));
	rows.push(row('prepare (fetch + worktree add)', prepared, 'the remote tip fetched first'));
	rows.push(
		row('merge + push, one machine', alone.times, 'fetch, fast-forward, push --force-with-lease'),
	);

	// Both machines merge at once: each merge's fetch-to-push window races the other machine's.
	const perMachine = 15;
	const [one, two] = await Promise.all([
		attempts(first, 'one', perMachine),
		attempts(second, 'two', perMachine),
	]);
	const raced = await Promise.all([mergeAll(first, one), mergeAll(second, two)]);
	const times = raced.flatMap((result) => result.times);
	const rounds = raced.flatMap((result) => result.rounds);
	rows.push(
		row('merge + push, two machines at once', times, 'a lost push fetches, merges again, pushes'),
	);
	printTable(
		`The integration branch on a local bare remote, ${files} files (PRODUCT.md §12)`,
		rows,
	);
	const retried = rounds.filter((count) => count > 1).length;
	const lost = rounds.reduce((sum, count) => sum + count - 1, 0);
	const most = Math.max(...rounds);
	const tip = git(remote, 'rev-parse', 'refs/heads/jetpack/main');
	const landed = [...one, ...two].filter(({work}) => {
		try {
			git(remote, 'merge-base', '--is-ancestor', work.head, tip);
			return true;
		} catch {
			return false;
		}
	}).length;
	console.log(
		`\n  two machines, ${rounds.length} merges at once: ${retried} (${((retried / rounds.length) * 100).toFixed(0)}%) lost a push race and merged again, ${lost} lost pushes in all, at most ${most - 1} for one merge; ${landed} of ${rounds.length} on the remote's tip`,
	);
}
