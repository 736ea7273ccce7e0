/**
 * Which run holds a repository (PRODUCT.md §9): on this machine, a run is live while its very
 * process is — not a zombie, not a newcomer that got its pid — however old its heartbeat.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {readFileSync} from 'node:fs';
import os from 'node:os';
import {afterEach, describe, expect, it} from 'vitest';
import {isLive, type RunInfo} from '../../source/adapters/run-file.js';

const children: ChildProcess[] = [];
afterEach(() => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
});

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();

function info(fields: Partial<RunInfo>): RunInfo {
	const now = new Date().toISOString();
	return {
		runId: 'r1',
		pid: process.pid,
		host: os.hostname(),
		startedAt: now,
		heartbeatAt: now,
		...fields,
	};
}

/** A shell that starts a child, then execs into sleep, which never reaps it; the child's pid. */
async function zombie(): Promise<number> {
	const parent = spawn('/bin/sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], {
		stdio: ['ignore', 'pipe', 'ignore'],
	});
	children.push(parent);
	const pid = await new Promise<number>((resolve) => {
		parent.stdout.setEncoding('utf8').once('data', (text: string) => resolve(Number(text.trim())));
	});
	// Once it has exited it is a zombie: its parent, now `sleep`, never waits for it.
	for (;;) {
		const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
		if (state === 'Z') return pid;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

describe('isLive', () => {
	it('takes this machine’s run for live while its process is, however old its heartbeat', () => {
		expect(isLive(info({heartbeatAt: hourAgo()}), Date.now())).toBe(true);
	});

	it('takes a zombie for dead (where nothing reaps orphans, one stays for good)', async () => {
		const pid = await zombie();
		expect(isLive(info({pid}), Date.now())).toBe(false);
	});

	it('takes a process that started after the run for a newcomer with a reused pid', () => {
		const newcomer = spawn('sleep', ['30'], {stdio: 'ignore'});
		children.push(newcomer);
		expect(isLive(info({pid: newcomer.pid, startedAt: hourAgo()}), Date.now())).toBe(false);
		expect(isLive(info({pid: newcomer.pid}), Date.now())).toBe(true);
	});

	it('judges a run on another machine by its heartbeat', () => {
		expect(isLive(info({host: 'elsewhere', pid: 1}), Date.now())).toBe(true);
		expect(isLive(info({host: 'elsewhere', pid: 1, heartbeatAt: hourAgo()}), Date.now())).toBe(
			false,
		);
	});
});
