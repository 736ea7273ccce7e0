import {describe, expect, it} from 'vitest';
import {defaultConfig} from '../../source/core/config.js';
import {agentPool, expandArgs, profileFor} from '../../source/core/profiles.js';
import {buildPrompt} from '../../source/core/prompt.js';
import {classifyAttempt} from '../../source/core/outcome.js';
import {compareForScheduling} from '../../source/core/scheduler.js';
import {buildGraph} from '../../source/core/graph.js';
import {newTask, type Task} from '../../source/core/task.js';

const self = {command: '/usr/bin/node', args: ['/pkg/dist/cli.js']};

describe('profiles', () => {
	it('has the built-in templates of PRODUCT.md §4, as the real CLIs take them', () => {
		const argv = (profile: string) => {
			const p = profileFor({profile, count: 1}, self);
			return [p.command, ...expandArgs(p.args, {prompt: 'PROMPT', id: 'bd-1', title: 'T'})];
		};

		expect(argv('claude')).toEqual([
			'claude',
			'-p',
			'PROMPT',
			'--output-format',
			'stream-json',
			'--verbose',
			'--dangerously-skip-permissions',
		]);
		expect(profileFor({profile: 'claude', count: 1}, self).defaultEnv).toEqual({
			CLAUDE_CODE_MAX_RETRIES: '2',
		});
		expect(argv('codex')).toEqual([
			'codex',
			'exec',
			'--json',
			'--sandbox',
			'workspace-write',
			'--skip-git-repo-check',
			'--',
			'PROMPT',
		]);
		expect(argv('gemini')).toEqual([
			'gemini',
			'--skip-trust',
			'--yolo',
			'--output-format',
			'stream-json',
			'-p',
			'PROMPT',
		]);
		expect(argv('aider')).toEqual(['aider', '--yes-always', '--message', 'PROMPT']);
		expect(argv('simulated')).toEqual(['/usr/bin/node', '/pkg/dist/cli.js', 'simulate', 'bd-1']);
	});

	it('puts task text into argv as it is, placeholders anywhere in an argument', () => {
		const title = '$(rm -rf ~) `x` "q" \'s\' {id}';
		expect(
			expandArgs(['--task={id}', '{title}', '{prompt}'], {prompt: 'p {title}', id: 'bd-1', title}),
		).toEqual(['--task=bd-1', title, 'p {title}']);
	});

	it('builds the pool from config, --agent and -a', () => {
		const config = {
			...defaultConfig,
			agents: [
				{profile: 'claude', count: 2},
				{name: 'mine', command: 'my-agent', count: 1, skills: ['python']},
			],
		};
		expect(agentPool(config, {agent: []}, self).map((s) => s.name)).toEqual([
			'claude-1',
			'claude-2',
			'mine-1',
		]);
		expect(
			agentPool(config, {agent: ['codex:2', 'mine']}, self).map(
				(s) => `${s.name}:${s.profile.command}`,
			),
		).toEqual(['codex-1:codex', 'codex-2:codex', 'mine-1:my-agent']);
		expect(agentPool(config, {agent: [], agents: 4}, self).map((s) => s.name)).toEqual([
			'claude-1',
			'claude-2',
			'mine-1',
			'mine-2',
		]);
		expect(() => agentPool(config, {agent: ['claude:x']}, self)).toThrow(
			/--agent "claude:x": write it as PROFILE or PROFILE:COUNT/,
		);
		expect(() => agentPool(config, {agent: [], agents: 0}, self)).toThrow(
			/-a 0 is not a number of agents/,
		);
	});
});

describe('the prompt', () => {
	it('names the task, its description, its completed dependencies and how to report', () => {
		const dep = newTask({
			id: 'bd-dep',
			title: 'Create the users table',
			status: 'completed',
			description: 'migrations/001_users.sql',
		});
		const task = newTask({
			id: 'bd-me',
			title: 'Add the user repository',
			description: 'In src/users.ts.',
			dependencies: ['bd-dep'],
		});
		const prompt = buildPrompt(
			task,
			new Map([
				[dep.id, dep],
				[task.id, task],
			]),
		);
		expect(prompt).toContain('You are working on task bd-me: Add the user repository');
		expect(prompt).toContain('In src/users.ts.');
		expect(prompt).toContain('- bd-dep: Create the users table (migrations/001_users.sql)');
		// Through $JETPACK_CLI: the program need not be on the agent's PATH.
		expect(prompt).toContain('`"$JETPACK_CLI" task done bd-me`');
		expect(prompt).toContain('`"$JETPACK_CLI" task fail bd-me --reason "why"`');
	});
});

describe('scheduling order', () => {
	it('is priority, then remaining path, then age, then id', () => {
		const tasks: Task[] = [
			newTask({
				id: 'old-short',
				title: 't',
				estimatedMinutes: 5,
				createdAt: '2026-01-01T00:00:00Z',
			}),
			newTask({
				id: 'new-long',
				title: 't',
				estimatedMinutes: 50,
				createdAt: '2026-02-01T00:00:00Z',
			}),
			newTask({id: 'urgent', title: 't', estimatedMinutes: 1, priority: 'critical'}),
			newTask({id: 'b-same', title: 't', estimatedMinutes: 5, createdAt: '2026-01-01T00:00:00Z'}),
			newTask({id: 'low', title: 't', estimatedMinutes: 500, priority: 'low'}),
		];
		const graph = buildGraph(new Map(tasks.map((t) => [t.id, t])));
		expect([...tasks].sort(compareForScheduling(graph)).map((t) => t.id)).toEqual([
			'urgent',
			'new-long',
			'b-same',
			'old-short',
			'low',
		]);
	});
});

describe('attempt outcomes', () => {
	const exited = (exitCode: number | null, tail: string[] = ['working']) => ({
		exit: {exitCode, signal: exitCode === null ? 'SIGINT' : null},
		tail,
	});
	const limit = {kind: 'limit', message: 'usage limit', resetsAt: new Date(60_000)} as const;

	it.each([
		['exit 0 of a plain profile', exited(0), 'completed', 'exit 0'],
		[
			'exit 1 of a plain profile, in its words',
			exited(1, ['2 failed']),
			'error',
			'exit 1: 2 failed',
		],
		[
			'a structured CLI that says it succeeded',
			{...exited(0), structured: {result: {ok: true, message: 'done'}}},
			'completed',
			'exit 0',
		],
		[
			'a structured CLI that exits 0 with no result (claude on ctrl-c)',
			{...exited(0), structured: {}},
			'error',
			'ended without a result',
		],
		[
			'a structured CLI whose result is a failure',
			{...exited(1), structured: {result: {ok: false, message: 'API Error: 500'}}},
			'error',
			'exit 1: API Error: 500',
		],
		[
			'a limit the CLI reported',
			{...exited(1), structured: {result: {ok: false, message: 'limit'}}, finding: limit},
			'rate_limited',
			'usage limit',
		],
		[
			'no login',
			{...exited(1), finding: {kind: 'auth', message: 'Not logged in'}},
			'infra',
			'Not logged in',
		],
		[
			'an API that keeps failing',
			{...exited(1), finding: {kind: 'api-error', message: '529'}},
			'infra',
			'529',
		],
		[
			'a question on the screen, but an exit 1',
			{...exited(1, ['Proceed? [y/N]']), finding: {kind: 'waiting', message: 'Proceed? [y/N]'}},
			'error',
			'exit 1: Proceed? [y/N]',
		],
		['a finding does not undo a success', {...exited(0), finding: limit}, 'completed', 'exit 0'],
		[
			'stopped at shutdown',
			{...exited(null), stopReason: 'shutdown'},
			'killed',
			'stopped at shutdown',
		],
		[
			'stopped at its time limit',
			{...exited(null, ['⠋']), stopReason: 'timeout'},
			'timeout',
			'ran past its time limit',
		],
		[
			'a question nobody answered',
			{
				...exited(null),
				stopReason: 'needs_input',
				finding: {kind: 'waiting', message: 'Trust this folder? (y/n)'},
			},
			'needs_input',
			'waited too long for an answer to: Trust this folder? (y/n)',
		],
		[
			'stopped on a limit it sat on',
			{...exited(null), stopReason: 'limit', finding: limit},
			'rate_limited',
			'usage limit',
		],
		[
			'the agent reported it itself',
			{...exited(null), stopReason: 'reported'},
			'completed',
			'the agent reported it itself',
		],
	] as const)('%s', (_name, end, outcome, message) => {
		expect(classifyAttempt(end)).toMatchObject({outcome, message});
	});

	it('keeps the reset time of a limit', () => {
		expect(classifyAttempt({...exited(1), finding: limit}).resetsAt).toEqual(new Date(60_000));
	});
});
