/**
 * What a write asks of the kernel, read with strace from a real `task add`: the new file is
 * fsynced before the rename, and the folder is fsynced after it (write-file-atomic alone does not),
 * and the old version is hard-linked into backups rather than copied. And a write the disk refuses
 * halfway leaves the store as it was.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
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
		expect(syncTemp, calls.join('\n')).toBeGreaterThanOrEqual(0);
		expect(rename).toBeGreaterThan(syncTemp);
		expect(syncFolder).toBeGreaterThan(rename);
		// The newest backup holds the version written, in a file of its own: prepared from the temp
		// file (a reflink where the file system has them) and fsynced before the rename, named only
		// once the rename is durable.
		const prepared = calls.findIndex(
			(line) => /^\d+\s+fsync\(/.test(line) && line.includes(`${beads}/backups/.pending-`),
		);
		const named = at(
			new RegExp(
				`rename(at2?)?\\(.*"${escape(beads)}/backups/\\.pending-\\d+", .*"${escape(beads)}/backups/tasks-`,
			),
		);
		expect(prepared).toBeGreaterThanOrEqual(0);
		expect(prepared).toBeLessThan(rename);
		expect(named).toBeGreaterThan(syncFolder);
	});
});

describe('a write that cannot finish', () => {
	it('leaves the store as it was when the disk refuses part of the write', async () => {
		const dir = await tempRepo();
		for (let i = 0; i < 30; i++) {
			await runCli(
				[
					'task',
					'add',
					`task ${i} with a title long enough to fill the file`,
					'-d',
					'x'.repeat(300),
				],
				{cwd: dir},
			);
		}

		const file = path.join(dir, '.beads', 'tasks.jsonl');
		const before = readFileSync(file);
		expect(before.length).toBeGreaterThan(12 * 1024);
		// A file size limit makes the kernel accept part of the write and refuse the rest, as a
		// filling disk does. The preload only keeps SIGXFSZ from killing the process.
		const preload = path.join(dir, 'ignore-sigxfsz.mjs');
		writeFileSync(preload, "process.on('SIGXFSZ', () => {});\n");
		const result = spawnSync(
			'bash',
			[
				'-c',
				`ulimit -f 8; exec "${process.execPath}" --import "${preload}" "${cliPath}" task add 'one too many'`,
			],
			{
				cwd: dir,
				encoding: 'utf8',
			},
		);
		expect(result.status).toBe(2);
		expect(result.stderr).toBe(
			'jetpack-tui: Writing .beads/tasks.jsonl hit the file size limit (ulimit -f); nothing was changed. Raise the limit and try again.\n',
		);
		expect(readFileSync(file)).toEqual(before);
		expect(
			readdirSync(path.join(dir, '.beads')).filter((name) => /^tasks\.jsonl\.\d+$/.test(name)),
		).toEqual([]);
	});
});
