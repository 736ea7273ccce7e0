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

		expect(argv('claude')).toEqual(['claude', '-p', 'PROMPT', '--dangerously-skip-permissions']);
		expect(argv('codex')).toEqual([
			'codex',
			'exec',
			'--sandbox',
			'workspace-write',
			'--skip-git-repo-check',
			'PROMPT',
		]);
		expect(argv('gemini')).toEqual(['gemini', '--skip-trust', '--yolo', '-p', 'PROMPT']);
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
		expect(prompt).toContain('`jetpack-tui task done bd-me`');
		expect(prompt).toContain('`jetpack-tui task fail bd-me --reason "why"`');
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
	const end = (tail: string[], ranMs: number, exitCode: number | null = 1) => ({
		exit: {exitCode, signal: null},
		ranMs,
		tail,
	});

	it.each([
		['claude, no login', ['Not logged in · Please run /login'], 1200],
		[
			'claude as root',
			[
				'--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons',
			],
			1600,
		],
		[
			'gemini, no auth',
			[
				'Please set an Auth method in your /root/.gemini/settings.json or specify one of the following environment variables before running: GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_GCA',
			],
			10_700,
		],
		[
			'gemini, untrusted folder',
			['Gemini CLI is not running in a trusted directory. To proceed, either use --skip-trust'],
			2000,
		],
		[
			'claude, no network, after minutes',
			['API Error: Unable to connect to API (ConnectionRefused)'],
			193_000,
		],
		[
			'codex, no network',
			['ERROR: Reconnecting... 5/5', 'failed to lookup address information: Name does not resolve'],
			60_000,
		],
	])("calls %s infra, in the agent's own words", (_name, tail, ranMs) => {
		expect(classifyAttempt(end(tail, ranMs))).toEqual({
			outcome: 'infra',
			message: tail.at(-1)?.trim().slice(0, 300) ?? '',
		});
	});

	it('does not call a late login message infra, nor a plain failure', () => {
		expect(classifyAttempt(end(['Not logged in'], 120_000)).outcome).toBe('error');
		expect(classifyAttempt(end(['FAIL test/api.test.ts', '2 failed'], 5000))).toEqual({
			outcome: 'error',
			message: 'exit 1: 2 failed',
		});
		expect(classifyAttempt(end(['done'], 5000, 0))).toEqual({
			outcome: 'completed',
			message: 'exit 0',
		});
		expect(
			classifyAttempt({...end(['still working'], 5000, null), stopReason: 'shutdown'}).outcome,
		).toBe('killed');
		expect(classifyAttempt({...end(['⠋'], 5000, null), stopReason: 'timeout'})).toEqual({
			outcome: 'timeout',
			message: 'ran past its time limit',
		});
	});
});
