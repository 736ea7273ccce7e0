/**
 * The memory sampler (PRODUCT.md §6, issue 16): an agent's tree is read through its own processes'
 * children lists, not a listing of /proc, and still counts what escaped it. Real processes: a
 * tree that grows and shrinks on command, a double-forked daemon, a pid that is no longer ours.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import {
	agentTokenVariable,
	identify,
	ProcessScanner,
	registerLeader,
} from '../../source/adapters/agent-processes.js';
import {ProcProcessStats} from '../../source/adapters/process-stats.js';
import {tempRepo} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

const treeAgent = fileURLToPath(new URL('../helpers/tree-agent.mjs', import.meta.url));
const MB = 1_048_576;
const leaders = new Set<ChildProcessWithoutNullStreams>();
const others = new Set<number>();

afterEach(() => {
	for (const leader of leaders) leader.kill('SIGKILL');
	leaders.clear();
	for (const pid of others) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Gone already.
		}
	}

	others.clear();
});

/** A tree agent carrying a token, and a way to tell it what to do next. */
async function treeAgentIn(): Promise<{pid: number; tell: (line: string) => Promise<number>}> {
	const dir = await tempRepo();
	const leader = spawn(process.execPath, [treeAgent, dir], {
		env: {
			...process.env,
			[agentTokenVariable]: `test.${process.pid}.${Date.now()}.${Math.random()}`,
		},
	});
	leaders.add(leader);
	const answers: string[] = [];
	let partial = '';
	leader.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		const lines = (partial + chunk).split('\n');
		partial = lines.pop() ?? '';
		answers.push(...lines);
	});
	const tell = async (line: string) => {
		const name = line.split(' ')[1];
		leader.stdin.write(`${line}\n`);
		await until(() => answers.some((answer) => answer.startsWith(`ok ${name} `)), `"${line}" done`);
		const index = answers.findIndex((answer) => answer.startsWith(`ok ${name} `));
		const pid = Number(answers.splice(index, 1)[0]?.split(' ')[2]);
		others.add(pid);
		return pid;
	};

	return {pid: leader.pid as number, tell};
}

function rssOf(pid: number): number {
	return (
		Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024
	);
}

describe('the memory sampler', () => {
	it('follows a tree that grows and shrinks through its children lists, without listing /proc', async () => {
		const agent = await treeAgentIn();
		const stats = new ProcProcessStats(new ProcessScanner(), {
			sweepEveryMs: Number.POSITIVE_INFINITY,
		});
		const roots = new Map([['t', agent.pid]]);
		const alone = (await stats.sample(roots)).trees.get('t') ?? 0;
		expect(alone).toBeGreaterThan(0);
		// The first look at an agent sweeps: what it did before cannot be seen in its lists.
		expect(stats.sweeps).toBe(1);

		await agent.tell('child a 48');
		await agent.tell('grand b 48');
		const grown = (await stats.sample(roots)).trees.get('t') ?? 0;
		expect(grown - alone).toBeGreaterThan(96 * MB);
		expect(stats.sweeps).toBe(1);

		await agent.tell('kill a');
		const shrunk = (await stats.sample(roots)).trees.get('t') ?? 0;
		expect(grown - shrunk).toBeGreaterThan(40 * MB);
		expect(shrunk - alone).toBeGreaterThan(48 * MB);
	});

	it('counts a daemon whose middle process it never saw: at the next sweep, or once a process it knew has gone', async () => {
		const agent = await treeAgentIn();
		const stats = new ProcProcessStats(new ProcessScanner(), {
			sweepEveryMs: Number.POSITIVE_INFINITY,
		});
		const roots = new Map([['t', agent.pid]]);
		await agent.tell('child a 8');
		const before = (await stats.sample(roots)).trees.get('t') ?? 0;

		const daemon = await agent.tell('daemon d 64');
		// Reparented away from the agent, between two samples: the children lists do not show it.
		expect((await stats.sample(roots)).trees.get('t') ?? 0).toBeLessThan(before + 32 * MB);

		await agent.tell('kill a');
		const after = (await stats.sample(roots)).trees.get('t') ?? 0;
		expect(after).toBeGreaterThan(rssOf(agent.pid) + rssOf(daemon) - 8 * MB);

		const swept = new ProcProcessStats(new ProcessScanner(), {sweepEveryMs: 0});
		await swept.sample(roots);
		const other = await agent.tell('daemon e 64');
		expect((await swept.sample(roots)).trees.get('t') ?? 0).toBeGreaterThan(
			rssOf(agent.pid) + rssOf(daemon) + rssOf(other) - 8 * MB,
		);
	});

	it('sweeps every sample where the kernel keeps no children lists', async () => {
		const agent = await treeAgentIn();
		const stats = new ProcProcessStats(new ProcessScanner(), {childrenLists: false});
		const roots = new Map([['t', agent.pid]]);
		await stats.sample(roots);
		await agent.tell('child a 48');
		expect((await stats.sample(roots)).trees.get('t') ?? 0).toBeGreaterThan(48 * MB);
		expect(stats.sweeps).toBe(2);
	});

	it('forgets an agent it is no longer asked about, and measures nothing for a pid with no process', async () => {
		const agent = await treeAgentIn();
		const stats = new ProcProcessStats(new ProcessScanner(), {
			sweepEveryMs: Number.POSITIVE_INFINITY,
		});
		const roots = new Map([['t', agent.pid]]);
		await stats.sample(roots);
		await stats.sample(roots);
		expect(stats.sweeps).toBe(1);
		// Not asked about once: forgotten, so the next look at it is a first look again.
		await stats.sample(new Map());
		await stats.sample(roots);
		expect(stats.sweeps).toBe(2);

		const leader = [...leaders][0];
		leader?.kill('SIGKILL');
		await until(() => leader?.exitCode !== null || leader.signalCode !== null, 'the agent to exit');
		expect((await stats.sample(roots)).trees.get('t')).toBe(0);
	});

	it('counts nothing of a process that got the pid of an agent it launched, nor of one it knew', async () => {
		const dir = await tempRepo();
		// Nobody's agent: no token, and not the process the pid was launched as.
		const stranger = spawn(process.execPath, [treeAgent, dir], {env: {...process.env}});
		leaders.add(stranger);
		const pid = stranger.pid as number;
		await until(() => identify(pid) !== undefined, 'the process to start');
		const now = identify(pid)?.startTime ?? '';
		const then = String(Number(now) - 1);
		const launched = registerLeader({
			pid,
			startTime: then,
			token: 'gone.agent',
			known: new Set([`${pid}:${then}`]),
		});
		try {
			const stats = new ProcProcessStats(new ProcessScanner());
			expect((await stats.sample(new Map([['t', pid]]))).trees.get('t')).toBe(0);
			const other = new ProcProcessStats(new ProcessScanner(), {childrenLists: false});
			expect((await other.sample(new Map([['t', pid]]))).trees.get('t')).toBe(0);
		} finally {
			launched.dispose();
		}

		// Not launched here: the process with the pid now is the agent.
		const stats = new ProcProcessStats(new ProcessScanner());
		expect((await stats.sample(new Map([['t', pid]]))).trees.get('t')).toBeGreaterThan(0);
	});
});
