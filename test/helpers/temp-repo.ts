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
