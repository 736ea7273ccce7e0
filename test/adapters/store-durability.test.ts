/**
 * What a write asks of the kernel, read with strace from a real `task add`: the new file is
 * fsynced before the rename, and the folder is fsynced after it (write-file-atomic alone does not),
 * and the old version is hard-linked into backups rather than copied.
 */
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {cliPath, runCli} from '../helpers/cli.js';
import {tempRepo} from '../helpers/temp-repo.js';

describe('a store write, as the kernel sees it', () => {
	it('fsyncs the temp file, renames it, then fsyncs the folder', async () => {
		const dir = await tempRepo();
		await runCli(['task', 'add', 'first'], {cwd: dir});
		const trace = path.join(dir, 'strace.txt');
		execFileSync(
			'strace',
			[
				'-f',
				'-y',
				'-e',
				'trace=fsync,fdatasync,rename,renameat,renameat2,link,linkat,copy_file_range,sendfile',
				'-o',
				trace,
				process.execPath,
				cliPath,
				'task',
				'add',
				'second',
			],
			{cwd: dir, env: {...process.env, NO_COLOR: '1'}},
		);
		const calls = readFileSync(trace, 'utf8').split('\n');
		const beads = path.join(dir, '.beads');
		const store = path.join(beads, 'tasks.jsonl');
		const at = (pattern: RegExp) => calls.findIndex((line) => pattern.test(line));
		const escape = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`);

		const syncTemp = at(new RegExp(`fsync\\(\\d+<${escape(store)}\\.\\d+>`));
		const rename = at(
			new RegExp(`rename(at2?)?\\(.*"${escape(store)}\\.\\d+", .*"${escape(store)}"`),
		);
		const syncFolder = calls.findIndex(
			(line, index) => index > rename && new RegExp(`fsync\\(\\d+<${escape(beads)}>`).test(line),
		);
		const backup = at(
			new RegExp(`link(at)?\\(.*"${escape(store)}", .*"${escape(beads)}/backups/tasks-`),
		);
		expect(syncTemp, calls.join('\n')).toBeGreaterThanOrEqual(0);
		expect(rename).toBeGreaterThan(syncTemp);
		expect(syncFolder).toBeGreaterThan(rename);
		expect(backup).toBeGreaterThanOrEqual(0);
		expect(backup).toBeLessThan(rename);
		expect(calls.some((line) => /copy_file_range|sendfile/.test(line))).toBe(false);
	});
});
