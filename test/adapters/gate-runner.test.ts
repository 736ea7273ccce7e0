/**
 * Quality gates through the real shell: what they say when they fail, a gate past its time is
 * stopped with everything it started, and nothing a gate started outlives it (PRODUCT.md §4).
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {stopAgentsOfRun} from '../../source/adapters/agent-processes.js';
import {ShellGateRunner} from '../../source/adapters/gate-runner.js';
import {isAlive} from '../../source/adapters/pid.js';
import {tempRepo} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

/** A process that leaves the gate's session and would run for five minutes; its pid in `file`. */
const detached = (file: string) =>
	`setsid sh -c 'echo $$ > ${file}; exec sleep 300' & while [ ! -s ${file} ]; do sleep 0.05; done`;

const pidIn = (dir: string, file: string) => Number(readFileSync(path.join(dir, file), 'utf8'));

describe('ShellGateRunner', () => {
	it('passes gates that exit 0 and names the first that does not, with its last lines', async () => {
		const dir = await tempRepo();
		const gates = new ShellGateRunner(dir);
		expect(await gates.run(['true', 'echo fine'])).toBeUndefined();
		expect(await gates.run(['true', 'echo one; echo two >&2; exit 3', 'echo never'])).toEqual({
			command: 'echo one; echo two >&2; exit 3',
			tail: ['one', 'two'],
		});
	});

	it('stops what a gate left running when it ends, even in a session of its own', async () => {
		const dir = await tempRepo();
		expect(await new ShellGateRunner(dir).run([detached('left.pid')])).toBeUndefined();
		expect(isAlive(pidIn(dir, 'left.pid'))).toBe(false);
	});

	it('fails a gate past its time and stops everything it started', async () => {
		const dir = await tempRepo();
		const failed = await new ShellGateRunner(dir, {timeoutMs: 1000}).run([
			`${detached('slow.pid')}; sleep 300`,
		]);
		expect(failed?.tail.at(-1)).toBe('timed out after 1 s');
		expect(isAlive(pidIn(dir, 'slow.pid'))).toBe(false);
	});

	it('stops a gate when asked, with everything it started', async () => {
		const dir = await tempRepo();
		const aborter = new AbortController();
		const running = new ShellGateRunner(dir).run(
			[`${detached('asked.pid')}; sleep 300`],
			aborter.signal,
		);
		await until(() => existsSync(path.join(dir, 'asked.pid')), 'the gate to start');
		aborter.abort();
		expect((await running)?.tail.at(-1)).toBe('stopped');
		expect(isAlive(pidIn(dir, 'asked.pid'))).toBe(false);
	});

	it('marks what a gate starts as its run’s, so the next run finds what a crash left', async () => {
		const dir = await tempRepo();
		const running = new ShellGateRunner(dir, {runId: 'gone42'}).run([
			`${detached('orphan.pid')}; sleep 300`,
		]);
		await until(() => existsSync(path.join(dir, 'orphan.pid')), 'the gate to start');
		expect(await stopAgentsOfRun('gone42', {graceMs: 100})).toBeGreaterThanOrEqual(2);
		expect(isAlive(pidIn(dir, 'orphan.pid'))).toBe(false);
		await running;
	});
});
