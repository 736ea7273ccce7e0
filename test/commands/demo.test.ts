/**
 * `--demo` exits as a run does. The shipped sample takes minutes; these runs copy a sample whose
 * tasks have ended already the same way, in process, and run it with the demo's own config.
 */
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {loadConfig} from '../../source/adapters/config-file.js';
import {TaskStore} from '../../source/adapters/task-store.js';
import type {CommandContext} from '../../source/commands/context.js';
import {runDemo} from '../../source/commands/demo.js';
import type {Flags} from '../../source/commands/registry.js';
import {exitCodes} from '../../source/core/errors.js';
import {tempRepo} from '../helpers/temp-repo.js';

const copies: string[] = [];
afterEach(() => {
	for (const dir of copies.splice(0)) rmSync(dir, {recursive: true, force: true});
});

const flags: Flags = {
	agent: [],
	json: true,
	headless: true,
	demo: true,
	dep: [],
	skill: [],
	tag: [],
	ready: false,
	failed: false,
	fix: false,
	all: false,
	graph: false,
	criticalPath: false,
};

async function demoOf(tasks: readonly object[]) {
	const example = await tempRepo();
	writeFileSync(
		path.join(example, 'tasks.jsonl'),
		tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
	);
	// The context the command line would make in the current folder; the demo replaces it with the copy's.
	const here = await tempRepo();
	mkdirSync(path.join(here, '.beads'));
	let stdout = '';
	let stderr = '';
	const context: CommandContext = {
		dir: here,
		store: new TaskStore(here),
		config: await loadConfig(here),
		clock: {now: () => new Date()},
		stdout: {write: (text) => void (stdout += text)},
		stderr: {write: (text) => void (stderr += text)},
		color: false,
		env: {},
	};
	const code = await runDemo(context, {args: [], flags}, example);
	const copy = /stay in (\S+?) \(/.exec(stderr)?.[1];
	if (copy !== undefined) copies.push(copy);
	return {code, stdout, stderr};
}

describe('--demo', () => {
	it('exits 1 when the run ends with a failed task, as a run does, and says why', async () => {
		const {code, stdout, stderr} = await demoOf([
			{id: 'done', title: 'Done', status: 'completed'},
			{id: 'bad', title: 'Failed before', status: 'failed'},
		]);
		expect(code, stdout).toBe(exitCodes.problems);
		expect(stdout).toContain('"event":"run.finished"');
		expect(stderr).toContain('exits 1, as any run with failed tasks does');
	});

	it('exits 0 when every task is done', async () => {
		const {code, stdout} = await demoOf([{id: 'done', title: 'Done', status: 'completed'}]);
		expect(code, stdout).toBe(exitCodes.ok);
	});
});
