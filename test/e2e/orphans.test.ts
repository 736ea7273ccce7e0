/**
 * A run SIGKILLed mid-task leaves its agents running (nothing was there to stop them); the next run
 * finds them by the run id in their environment and stops them (PRODUCT.md §4).
 */
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import {stopAgentsOfRun} from '../../source/adapters/agent-processes.js';
import {cliPath} from '../helpers/cli.js';
import {start} from '../helpers/headless.js';
import {processesOf} from '../helpers/processes.js';
import {repoWith} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

const leaky = fileURLToPath(new URL('../helpers/leaky-agent.mjs', import.meta.url));

const dirs: string[] = [];

afterEach(() => {
	for (const pid of dirs.splice(0).flatMap((dir) => processesOf(dir))) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Gone already.
		}
	}
});

describe('the agents of a run that was SIGKILLed', () => {
	it('carry its run id, and are all stopped by stopAgentsOfRun', async () => {
		// Agents that ignore SIGHUP, so outlive their terminal, each with a daemon of its own.
		const spec = {
			stay: true,
			ignore: ['SIGHUP'],
			children: [{name: 'daemon', how: 'daemon', ignore: ['SIGHUP', 'SIGTERM']}],
		};
		const cwd = await repoWith(
			[1, 2].map((n) => ({id: `t${n}`, title: `task ${n}`})),
			{
				agents: [
					{
						name: 'leaky',
						count: 2,
						command: process.execPath,
						// Each agent's daemon writes its pid file in a folder of the agent's own.
						args: [leaky, '{id}', JSON.stringify(spec)],
					},
				],
			},
		);
		dirs.push(cwd);
		for (const id of ['t1', 't2']) mkdirSync(path.join(cwd, id));
		const run = spawn(process.execPath, [cliPath, '--headless'], {cwd, stdio: 'ignore'});
		const runFile = path.join(cwd, '.jetpack', 'run.json');
		const ready = (id: string) => {
			const log = path.join(cwd, '.jetpack', 'logs', id, '1.log');
			return existsSync(log) && readFileSync(log, 'utf8').includes('ready');
		};

		// Two agents, each with its daemon in place (signal handlers set, the double fork done).
		await until(
			() => existsSync(runFile) && ready('t1') && ready('t2'),
			'both agents and their daemons to be ready',
		);
		const {runId} = JSON.parse(readFileSync(runFile, 'utf8')) as {runId: string};

		run.kill('SIGKILL');
		await new Promise((resolve) => run.on('close', resolve));
		expect(processesOf(cwd).length).toBeGreaterThanOrEqual(4);
		const stopped = await stopAgentsOfRun(runId, {graceMs: 500});

		expect(processesOf(cwd)).toEqual([]);
		// Two agents and their daemons (a double fork's middle process may have gone meanwhile).
		expect(stopped).toBeGreaterThanOrEqual(4);
		expect(await stopAgentsOfRun(`${runId}x`)).toBe(0);
	});

	it('are stopped by the next run before it runs their tasks again', async () => {
		const spec = {stay: true, ignore: ['SIGHUP'], children: []};
		const cwd = await repoWith([{id: 't1', title: 'task 1'}], {
			graceSeconds: 0.5,
			agents: [
				{
					name: 'leaky',
					count: 1,
					command: process.execPath,
					args: [leaky, '.', JSON.stringify(spec)],
				},
			],
		});
		dirs.push(cwd);
		const first = spawn(process.execPath, [cliPath, '--headless'], {cwd, stdio: 'ignore'});
		const log = path.join(cwd, '.jetpack', 'logs', 't1', '1.log');
		// Ready: its signal handlers are in place, so the terminal's hangup will not end it.
		await until(
			() => existsSync(log) && readFileSync(log, 'utf8').includes('ready'),
			'the agent to be ready',
		);
		first.kill('SIGKILL');
		await new Promise((resolve) => first.on('close', resolve));
		const left = processesOf(cwd);
		expect(left.length).toBeGreaterThanOrEqual(1);

		const second = start(cwd);
		await second.until((lines) => lines.some((line) => line.event === 'task.claimed'));
		// By the time the task runs again, nothing of the first run's agent is left.
		const stillThere = processesOf(cwd).filter((pid) => left.includes(pid));
		expect(stillThere).toEqual([]);
		expect(second.lines.find((line) => line.event === 'run.started')).toMatchObject({recovered: 1});
		second.child.kill('SIGINT');
		expect(await second.exited).toBe(130);
		expect(processesOf(cwd)).toEqual([]);
	});
});
