/**
 * The built CLI as a user runs it: exit codes, one-sentence errors, no stack traces, help.
 */
import {mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {commands} from '../../source/commands/registry.js';
import {runCli} from '../helpers/cli.js';
import {tempRepo} from '../helpers/temp-repo.js';

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('jetpack-tui, as a user runs it', () => {
	it('adds, lists, shows and changes tasks', async () => {
		const cwd = await tempRepo();
		const first = await runCli(
			['task', 'add', 'Create the users table', '-p', 'high', '--tag', 'db', '--estimate', '20'],
			{cwd},
		);
		expect(first).toMatchObject({code: 0, stderr: ''});
		const a = first.stdout.trim();
		expect(a).toMatch(/^bd-[\da-z]{4,}$/);
		const second = await runCli(['task', 'add', '$(rm -rf ~) `echo pwned`', '--dep', a, '--json'], {
			cwd,
		});
		expect(second.code).toBe(0);
		const b = JSON.parse(second.stdout) as {
			id: string;
			title: string;
			dependencies: string[];
			status: string;
		};
		expect(b).toMatchObject({
			title: '$(rm -rf ~) `echo pwned`',
			dependencies: [a],
			status: 'pending',
		});

		const list = await runCli(['task', 'list', '--json'], {cwd});
		const listed = JSON.parse(list.stdout) as Array<{id: string; status: string}>;
		expect(listed.map((t) => t.id)).toEqual([a, b.id].sort());
		expect((await runCli(['task', 'list', '--ready', '--json'], {cwd})).stdout).toContain(a);
		expect((await runCli(['task', 'list', '--ready', '--json'], {cwd})).stdout).not.toContain(b.id);

		expect(await runCli(['task', 'done', a], {cwd})).toMatchObject({
			code: 0,
			stdout: `${a} completed.\n`,
		});
		expect(
			JSON.parse((await runCli(['task', 'show', b.id, '--json'], {cwd})).stdout),
		).toMatchObject({status: 'ready'});
		expect((await runCli(['task', 'fail', b.id, '--reason', 'tests red'], {cwd})).code).toBe(0);
		expect(
			(await runCli(['task', 'list', '--status', 'failed', '--json'], {cwd})).stdout,
		).toContain('tests red');
		expect(await runCli(['task', 'retry', '--failed'], {cwd})).toMatchObject({
			code: 0,
			stdout: `Retrying ${b.id}.\n`,
		});
		expect(
			(await runCli(['task', 'block', b.id, '--reason', 'waiting for design'], {cwd})).code,
		).toBe(0);
		expect(
			JSON.parse((await runCli(['task', 'show', b.id, '--json'], {cwd})).stdout),
		).toMatchObject({status: 'blocked', blockers: ['waiting for design']});
		expect((await runCli(['task', 'unblock', b.id], {cwd})).code).toBe(0);
		expect(JSON.parse((await runCli(['status', '--json'], {cwd})).stdout)).toEqual({
			tasks: {total: 2, byStatus: {completed: 1, ready: 1}, runnable: 1, waiting: 0, stuck: 0},
			run: null,
			cost: {usd: 0, inputTokens: 0, outputTokens: 0, byProfile: {}},
		});
		const shown = await runCli(['task', 'show', b.id], {cwd});
		expect(shown.stdout).toContain(`depends on\n    ${a}  ✓ completed  Create the users table`);
	});

	it('answers read-only commands on a repo with no store in one line, exit 0, creating nothing', async () => {
		const cwd = await tempRepo();
		expect(await runCli(['task', 'list', '--json'], {cwd})).toMatchObject({
			code: 0,
			stdout: '[]\n',
		});
		expect((await runCli(['status'], {cwd})).stdout).toMatch(/^No task store here/);
		expect((await runCli(['validate'], {cwd})).code).toBe(0);
		expect((await runCli(['recover'], {cwd})).code).toBe(0);
		await expect(
			import('node:fs/promises').then(async (fs) => fs.stat(path.join(cwd, '.beads'))),
		).rejects.toThrow();
	});

	it.each([
		[['bogus'], /Unknown command "bogus"/],
		[['task', 'show'], /needs ID/],
		[['task', 'add', 'a', 'b'], /Unexpected argument "b" \(quote a title with spaces\)/],
		[
			['task', 'add', 'x', '-p', 'urgent'],
			/--priority "urgent" is not a priority; use critical, high, medium, low or 0-4/,
		],
		[['task', 'add', 'x', '--dep', 'bd-nope'], /--dep "bd-nope": there is no such task/],
		[
			['task', 'add', 'x', '--estimate', '-3'],
			/--estimate "-3" is not a number of minutes above 0/,
		],
		[['task', 'list', '--reason', 'x'], /does not take --reason/],
		[['task', 'list', '--status', 'done'], /--status "done" is not a status/],
		[['task', 'done', 'bd-none'], /There is no task "bd-none"/],
		[['task', 'block', 'bd-none'], /needs --reason TEXT/],
		[['task', 'retry'], /Name the tasks to retry, or give --failed/],
	])('exits 2 with one sentence for %j', async (args, message) => {
		const cwd = await tempRepo();
		const result = await runCli(args, {cwd});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(message);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		noStack(result.stderr);
	});

	it.each([
		[['task', 'list', '--bogus'], 'Unknown flag --bogus; `jetpack-tui --help` lists the flags.'],
		[['task', 'list', '-x'], 'Unknown flag -x; `jetpack-tui --help` lists the flags.'],
		[['-C'], '-C needs a folder: `-C ../my-repo`.'],
		[['task', 'add', '-p'], '-p needs a priority: `-p high`.'],
		[
			['task'],
			'`jetpack-tui task` needs a subcommand: add, list, show, retry, done, fail, block, unblock.',
		],
		[
			['-C', '/etc/hostname', 'status'],
			'-C /etc/hostname: not a folder; give the path of the repository.',
		],
	])('answers %j in one sentence, exit 2', async (args, message) => {
		const result = await runCli(args, {cwd: await tempRepo()});
		expect(result).toMatchObject({code: 2, stderr: `jetpack-tui: ${message}\n`});
	});

	it('shows titles with their control characters escaped, so a title cannot drive the terminal', async () => {
		const cwd = await tempRepo();
		const id = (
			await runCli(['task', 'add', 'evil \u001B]0;pwned\u0007 \u001B[2J title'], {cwd})
		).stdout.trim();
		for (const args of [
			['task', 'list'],
			['task', 'show', id],
		]) {
			const {stdout} = await runCli(args, {cwd});
			expect(stdout).not.toContain('\u001B');
			expect(stdout).toContain('evil ^[]0;pwned^G ^[[2J title');
		}
	});

	it('recover leaves a mistaken store alone when there is no backup to go back to', async () => {
		const cwd = await tempRepo();
		mkdirSync(path.join(cwd, '.beads'));
		const file = path.join(cwd, '.beads', 'tasks.jsonl');
		writeFileSync(file, '{"id":"a","title":"ok"}\n{"id":"b","title":"t","status":"done"}\n');
		const result = await runCli(['recover'], {cwd});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(
			/No backup validates to go back to; \.beads\/tasks\.jsonl line 2: field "status"/,
		);
		expect(readFileSync(file, 'utf8')).toBe(
			'{"id":"a","title":"ok"}\n{"id":"b","title":"t","status":"done"}\n',
		);
	});

	it('finds the repository upwards from a subfolder, as git does', async () => {
		const repo = await tempRepo();
		await runCli(['task', 'add', 'at the top'], {cwd: repo});
		const deeper = path.join(repo, 'src', 'api');
		mkdirSync(deeper, {recursive: true});
		expect(JSON.parse((await runCli(['status', '--json'], {cwd: deeper})).stdout)).toMatchObject({
			tasks: {total: 1},
		});
	});

	it('names the file, line and field of a mistake, exits 2, and shows a stack only with JETPACK_DEBUG=1', async () => {
		const cwd = await tempRepo();
		mkdirSync(path.join(cwd, '.beads'));
		const file = path.join(cwd, '.beads', 'tasks.jsonl');
		writeFileSync(
			file,
			'{"id":"bd-a","title":"ok"}\n{"id":"bd-b","title":"x","estimatedMinutes":"soon"}\n',
		);
		const result = await runCli(['task', 'list'], {cwd});
		expect(result.code).toBe(2);
		expect(result.stderr).toBe(
			'jetpack-tui: .beads/tasks.jsonl line 2: field "estimatedMinutes" must be a number of minutes above 0 (got "soon"). Fix the line by hand, or run `jetpack-tui recover` to go back to the last good backup.\n',
		);
		const debug = await runCli(['task', 'list'], {cwd, env: {JETPACK_DEBUG: '1'}});
		expect(debug.stderr).toMatch(/\n\s+at /);
		expect(readFileSync(file, 'utf8')).toContain('"soon"');
	});

	it('validate lists every problem and exits 1; --fix writes defaults', async () => {
		const cwd = await tempRepo();
		mkdirSync(path.join(cwd, '.beads'));
		const file = path.join(cwd, '.beads', 'tasks.jsonl');
		writeFileSync(file, '{"id":"bd-a","title":"ok","priority":9}\n{"id":"bd-b"}\n');
		const bad = await runCli(['validate'], {cwd});
		expect(bad.code).toBe(1);
		expect(bad.stdout).toContain('.beads/tasks.jsonl line 1: field "priority"');
		expect(bad.stdout).toContain('.beads/tasks.jsonl line 2: field "title" is required');

		writeFileSync(
			file,
			'{"id":"bd-a","title":"ok"}\n{"id":"bd-b","title":"two","dependencies":["bd-a","bd-gone"]}\n',
		);
		const missing = await runCli(['validate'], {cwd});
		expect(missing.code).toBe(1);
		expect(missing.stdout).toContain('bd-b depends on bd-gone, which is not in the store');
		expect(missing.stdout).toContain('2 lines are missing defaults or not in normal form');
		await runCli(['validate', '--fix'], {cwd});
		const fixed = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] ?? '') as object;
		expect(fixed).toMatchObject({blockers: [], status: 'ready'});
		// Its default is the config's, so it is not written into the task.
		expect(fixed).not.toHaveProperty('maxRetries');
	});

	it('recover restores a damaged store and says what it did', async () => {
		const cwd = await tempRepo();
		for (const title of ['one', 'two', 'three']) await runCli(['task', 'add', title], {cwd});
		const file = path.join(cwd, '.beads', 'tasks.jsonl');
		writeFileSync(file, readFileSync(file).subarray(0, 40));
		const result = await runCli(['recover'], {cwd});
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(
			/the last line \(1\) was cut short; restored 3 tasks from tasks-.*\.jsonl .*kept as \.beads\/tasks\.jsonl\.corrupt-/,
		);
		// The newest backup holds the last write: nothing acknowledged is rolled back.
		expect(JSON.parse((await runCli(['status', '--json'], {cwd})).stdout)).toMatchObject({
			tasks: {total: 3},
		});
	});

	it('has --help for every command and --version', async () => {
		const cwd = await tempRepo();
		for (const spec of commands) {
			const result = await runCli([...spec.words, '--help'], {cwd});
			expect(result.code, spec.words.join(' ')).toBe(0);
			// Bare `jetpack-tui --help` is the main help, which lists every command.
			if (spec.words.length === 0) expect(result.stdout).toContain('jetpack-tui --headless');
			else expect(result.stdout).toContain(`Usage: jetpack-tui ${spec.usage}`);
		}

		const version = await runCli(['--version'], {cwd});
		expect(version.stdout.trim()).toBe(
			(
				JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
					version: string;
				}
			).version,
		);
		expect((await runCli(['--help'], {cwd})).stdout).toContain('jetpack-tui task add');
	});

	it('init creates the store and a config, and leaves them alone the second time', async () => {
		const cwd = await tempRepo();
		// A PATH with node and nothing else: no agent CLI this machine may have installed beside it.
		const bin = path.join(cwd, '.bin');
		mkdirSync(bin);
		symlinkSync(process.execPath, path.join(bin, 'node'));
		const result = await runCli(['init'], {cwd, env: {PATH: bin}});
		expect(result.code).toBe(0);
		expect(readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8')).toBe('');
		expect(JSON.parse(readFileSync(path.join(cwd, '.jetpack', 'config.json'), 'utf8'))).toEqual({
			agents: [{profile: 'simulated', count: 2}],
		});
		const again = await runCli(['init'], {cwd});
		expect(again.stdout).toContain('already exists; left as it is');
	});

	it('takes the empty store init leaves for a valid one: validate passes, the first add restores nothing', async () => {
		const cwd = await tempRepo();
		await runCli(['init'], {cwd});
		expect(await runCli(['validate'], {cwd})).toMatchObject({code: 0});
		const added = await runCli(['task', 'add', 'First'], {cwd});
		expect(added).toMatchObject({code: 0, stderr: ''});
		expect(
			readdirSync(path.join(cwd, '.beads')).filter((name) => name.includes('corrupt')),
		).toEqual([]);
		expect(JSON.parse((await runCli(['task', 'list', '--json'], {cwd})).stdout)).toHaveLength(1);
	});

	it('names the key of a wrong config and exits 2', async () => {
		const cwd = await tempRepo();
		mkdirSync(path.join(cwd, '.jetpack'));
		writeFileSync(path.join(cwd, '.jetpack', 'config.json'), '{"backups": "many"}');
		const result = await runCli(['status'], {cwd});
		expect(result).toMatchObject({code: 2});
		expect(result.stderr).toBe(
			'jetpack-tui: .jetpack/config.json: "backups" must be a whole number of at least 1 (got "many"); fix or remove it.\n',
		);
	});

	it('honours -C and JETPACK_WORK_DIR', async () => {
		const repo = await tempRepo();
		const elsewhere = await tempRepo();
		await runCli(['-C', repo, 'task', 'add', 'here'], {cwd: elsewhere});
		expect(
			JSON.parse(
				(await runCli(['status', '--json'], {cwd: elsewhere, env: {JETPACK_WORK_DIR: repo}}))
					.stdout,
			),
		).toMatchObject({tasks: {total: 1}});
	});
});

describe('a flag that takes a value', () => {
	it.each([
		[['task', 'add', 'X', '--dep'], '--dep needs a task id: `--dep bd-a1b2`.'],
		[['task', 'add', 'X', '--skill'], '--skill needs a skill: `--skill python`.'],
		[['task', 'add', 'X', '--tag', '--json'], '--tag needs a tag: `--tag ui`.'],
		[['task', 'add', 'X', '--estimate'], '--estimate needs a number of minutes: `--estimate 45`.'],
		[['task', 'add', 'X', '-d'], '-d needs a description: `-d "what the agent should do"`.'],
		[['task', 'add', 'X', '--dep='], '--dep needs a task id: `--dep bd-a1b2`.'],
		[['--headless', '--agent'], '--agent needs a profile: `--agent claude:2`.'],
		[['task', 'list', '--status'], '--status needs a status: `--status failed`.'],
	])('given none: %j exits 2 naming the flag, and adds nothing', async (args, message) => {
		const cwd = await tempRepo();
		const result = await runCli(args, {cwd});
		expect(result).toMatchObject({code: 2, stdout: '', stderr: `jetpack-tui: ${message}\n`});
		expect(readdirSync(cwd)).toEqual([]);
	});

	it.each([
		[['--headless', '--max-hours', 'abc'], '--max-hours "abc" is not a number of hours above 0'],
		[['--headless', '--max-hours', '-1'], '--max-hours "-1" is not a number of hours above 0'],
		[['--headless', '-a', 'abc'], '-a "abc" is not a number of agents'],
		[['--headless', '-a', '0'], '-a "0" is not a number of agents'],
		[['--headless', '--agent', 'claude:x'], '--agent "claude:x" is not a profile'],
		[['--headless', '--agent', 'claude:0'], '--agent "claude:0" asks for no agents'],
		[['task', 'add', 'X', '--estimate', 'soon'], '--estimate "soon" is not a number of minutes'],
		[['deps', '-a', '2.5'], '-a "2.5" is not a number of agents'],
	])('given a wrong one: %j is a usage error quoting it', async (args, start) => {
		const cwd = await tempRepo();
		writeFileSync(path.join(cwd, 'keep'), '');
		const result = await runCli(args, {cwd});
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr.startsWith(`jetpack-tui: ${start}`)).toBe(true);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(readdirSync(cwd)).toEqual(['keep']);
	});

	it('takes a value written with =, and tells a negative number from a flag', async () => {
		const cwd = await tempRepo();
		const added = await runCli(['task', 'add', 'X', '--estimate=45', '-p', 'critical', '--json'], {
			cwd,
		});
		expect(added.code).toBe(0);
		expect(JSON.parse(added.stdout)).toMatchObject({estimatedMinutes: 45, priority: 'critical'});
		const negative = await runCli(['task', 'add', 'Y', '--estimate', '-5'], {cwd});
		expect(negative.stderr).toContain('--estimate "-5" is not a number of minutes above 0');
	});
});

describe('messages a person reads', () => {
	it('task retry on a ready task says there was nothing to retry, changes nothing, exits 0', async () => {
		const cwd = await tempRepo();
		const id = (await runCli(['task', 'add', 'Write the API'], {cwd})).stdout.trim();
		const file = path.join(cwd, '.beads', 'tasks.jsonl');
		const before = readFileSync(file, 'utf8');
		const result = await runCli(['task', 'retry', id], {cwd});
		expect(result).toMatchObject({
			code: 0,
			stdout: `Nothing to retry for ${id} (ready): it has no failed attempt or backoff to reset.\n`,
		});
		expect(readFileSync(file, 'utf8')).toBe(before);
	});

	it('says which line is not JSON, where, and what a line should be, once', async () => {
		const cwd = await tempRepo();
		mkdirSync(path.join(cwd, '.beads'));
		writeFileSync(
			path.join(cwd, '.beads', 'tasks.jsonl'),
			'{"id":"bd-a","title":"ok"}\n{"id": "bd-b", title: x}\n"just text"\n',
		);
		const result = await runCli(['validate'], {cwd});
		expect(result.code).toBe(1);
		const like =
			'each line is one task written as a JSON object, like {"id": "bd-a1b2", "title": "Write the API"}';
		expect(result.stdout.split('\n').slice(0, 2)).toEqual([
			`.beads/tasks.jsonl line 2: is not valid JSON at character 16 ("title: x}"); ${like}`,
			`.beads/tasks.jsonl line 3: is "just text", not a task; ${like}`,
		]);
	});
});
