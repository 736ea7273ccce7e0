import {mkdirSync, writeFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach} from 'vitest';

const made: string[] = [];

afterEach(async () => {
	await Promise.all(made.splice(0).map(async (dir) => rm(dir, {recursive: true, force: true})));
});

/** A fresh folder standing in for a repository; removed after the test. */
export async function tempRepo(): Promise<string> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'jetpack-test-'));
	made.push(dir);
	return dir;
}

/** A temporary repository holding `tasks` as its store and, when given, `config` as its config. */
export async function repoWith(tasks: readonly object[], config?: object): Promise<string> {
	const cwd = await tempRepo();
	mkdirSync(path.join(cwd, '.beads'));
	writeFileSync(
		path.join(cwd, '.beads', 'tasks.jsonl'),
		tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
	);
	if (config !== undefined) {
		mkdirSync(path.join(cwd, '.jetpack'));
		writeFileSync(path.join(cwd, '.jetpack', 'config.json'), JSON.stringify(config));
	}

	return cwd;
}
